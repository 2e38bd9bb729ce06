"""Differentiable augmentation for data-efficient GAN training (Zhao et al. 2020, "DiffAugment").

The same random colour, translation and cutout transforms are applied to real and generated
images before the discriminator sees them, in both the D and the G step; they are differentiable,
so the generator still learns the un-augmented distribution. Images are [N, 3, H, W] in [-1, 1].
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def color(x: torch.Tensor) -> torch.Tensor:
    n = x.shape[0]
    brightness = torch.rand(n, 1, 1, 1, device=x.device) - 0.5
    x = x + brightness
    mean = x.mean(dim=1, keepdim=True)
    saturation = torch.rand(n, 1, 1, 1, device=x.device) * 2
    x = (x - mean) * saturation + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    contrast = torch.rand(n, 1, 1, 1, device=x.device) + 0.5
    return (x - mean) * contrast + mean


def translation(x: torch.Tensor, ratio: float = 0.125) -> torch.Tensor:
    """Shift each image by up to `ratio` of its size, filling with zeros (grid sampling)."""
    n, _, h, w = x.shape
    shift = (torch.rand(n, 2, device=x.device) * 2 - 1) * ratio * 2  # in normalised [-1, 1] units
    theta = torch.zeros(n, 2, 3, device=x.device)
    theta[:, 0, 0] = 1
    theta[:, 1, 1] = 1
    theta[:, :, 2] = shift
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="nearest", padding_mode="zeros", align_corners=False)


def cutout(x: torch.Tensor, ratio: float = 0.5) -> torch.Tensor:
    """Zero a random square of `ratio` times the image size in each image."""
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    cy = torch.randint(0, h + (1 - ch % 2), (n, 1, 1), device=x.device)
    cx = torch.randint(0, w + (1 - cw % 2), (n, 1, 1), device=x.device)
    ys = torch.arange(h, device=x.device).view(1, h, 1)
    xs = torch.arange(w, device=x.device).view(1, 1, w)
    inside = ((ys - cy).abs() < ch // 2) & ((xs - cx).abs() < cw // 2)
    return x * (~inside).unsqueeze(1).to(x.dtype)


POLICIES = {"color": color, "translation": translation, "cutout": cutout}


def diff_augment(x: torch.Tensor, policy: str = "color,translation,cutout", probability: float = 1.0) -> torch.Tensor:
    """Apply each transform of `policy` in turn; below probability 1 each image gets each transform with
    that probability (ADA's adaptive strength), drawn independently per image and per transform."""
    for name in filter(None, policy.split(",")):
        if probability >= 1:
            x = POLICIES[name](x)
        elif probability > 0:
            chosen = (torch.rand(x.shape[0], 1, 1, 1, device=x.device) < probability).to(x.dtype)
            x = chosen * POLICIES[name](x) + (1 - chosen) * x
    return x.contiguous()
