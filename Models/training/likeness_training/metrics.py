"""Evaluation metrics: multi-scale sliced Wasserstein distance and nearest-neighbour memorisation.

SWD follows Karras et al. 2018 ("Progressive Growing of GANs", appendix D): build a Laplacian
pyramid of every image (down to 16x16), take random 7x7 patches from each level, normalise each
colour channel of the patches by the level's mean and standard deviation over both sets, then
estimate the sliced Wasserstein distance between the two patch sets with random unit directions:
project, sort, and average the absolute differences. Reported per level and averaged, x 1e3.

Memorisation: every image is reduced to 64x64 grayscale and standardised (zero mean, unit
variance), so that the distance compares structure, not exposure; the distance between two images
is the root-mean-square difference of those standardised pixels (0 for identical, about 1.4 for
unrelated images).
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

_GAUSS = np.array([1, 4, 6, 4, 1], dtype=np.float32) / 16.0


def _blur(x: torch.Tensor) -> torch.Tensor:
    k = torch.from_numpy(np.outer(_GAUSS, _GAUSS)).to(x)
    k = k.expand(x.shape[1], 1, 5, 5)
    return F.conv2d(F.pad(x, (2, 2, 2, 2), mode="reflect"), k, groups=x.shape[1])


def laplacian_pyramid(x: torch.Tensor, min_size: int = 16) -> list[torch.Tensor]:
    """x [N, 3, H, W] -> [band at H, band at H/2, ..., low-pass at min_size]."""
    levels = []
    while x.shape[-1] > min_size:
        down = _blur(x)[..., ::2, ::2]
        up = F.interpolate(down, scale_factor=2, mode="nearest")
        levels.append(x - _blur(up))
        x = down
    levels.append(x)
    return levels


def _patches(level: torch.Tensor, per_image: int, rng: np.random.Generator, size: int = 7) -> torch.Tensor:
    """`per_image` random size x size patches from each image: [N * per_image, C * size * size]."""
    n, c, h, w = level.shape
    ys = torch.from_numpy(rng.integers(0, h - size + 1, (n, per_image)))
    xs = torch.from_numpy(rng.integers(0, w - size + 1, (n, per_image)))
    offsets = torch.arange(size)
    rows = (ys[:, :, None, None] + offsets[None, None, :, None]).expand(n, per_image, size, size)
    cols = (xs[:, :, None, None] + offsets[None, None, None, :]).expand(n, per_image, size, size)
    images = torch.arange(n)[:, None, None, None].expand(n, per_image, size, size)
    patches = level.permute(0, 2, 3, 1)[images, rows, cols]  # [N, P, size, size, C]
    return patches.permute(0, 1, 4, 2, 3).reshape(n * per_image, c * size * size)


def sliced_wasserstein(a: torch.Tensor, b: torch.Tensor, directions: int, repeats: int, seed: int) -> float:
    g = torch.Generator().manual_seed(seed)
    total = 0.0
    for _ in range(repeats):
        d = torch.randn(a.shape[1], directions, generator=g)
        d /= d.norm(dim=0, keepdim=True)
        pa, _ = torch.sort((a @ d).T.contiguous(), dim=1)  # contiguous rows: sorting columns is slow
        pb, _ = torch.sort((b @ d).T.contiguous(), dim=1)
        total += (pa - pb).abs().mean().item()
    return total / repeats


def multiscale_swd(real: torch.Tensor, fake: torch.Tensor, patches_per_image: int = 64,
                   directions: int = 512, repeats: int = 4, seed: int = 0) -> dict:
    """SWD x 1e3 per pyramid level between two image sets [N, 3, H, W] in [-1, 1] (same N)."""
    rng = np.random.default_rng(seed)
    result = {}
    distances = []
    for lr, lf in zip(laplacian_pyramid(real), laplacian_pyramid(fake)):
        pr = _patches(lr, patches_per_image, rng)
        pf = _patches(lf, patches_per_image, rng)
        c = lr.shape[1]
        both = torch.cat([pr, pf]).view(-1, c, 49)
        mean = both.mean(dim=(0, 2), keepdim=True)
        std = both.std(dim=(0, 2), keepdim=True) + 1e-8
        pr = ((pr.view(-1, c, 49) - mean) / std).view(len(pr), -1)
        pf = ((pf.view(-1, c, 49) - mean) / std).view(len(pf), -1)
        n = min(len(pr), len(pf))
        dist = sliced_wasserstein(pr[:n], pf[:n], directions, repeats, seed) * 1e3
        result[f"{lr.shape[-1]}px"] = round(dist, 2)
        distances.append(dist)
    result["mean"] = round(float(np.mean(distances)), 2)
    return result


def standardized_gray64(images: torch.Tensor) -> torch.Tensor:
    """[N, 3, H, W] in [-1, 1] -> [N, 4096] standardised grayscale at 64x64."""
    gray = (images * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)
    small = F.interpolate(gray, size=(64, 64), mode="area").flatten(1)
    small = small - small.mean(1, keepdim=True)
    return small / (small.std(1, keepdim=True) + 1e-6)


def nearest_neighbours(queries: torch.Tensor, references: torch.Tensor, exclude_self: bool = False):
    """RMS distance from each query vector to its nearest reference, and that reference's index."""
    q2 = (queries ** 2).sum(1, keepdim=True)
    r2 = (references ** 2).sum(1).unsqueeze(0)
    d2 = (q2 + r2 - 2 * queries @ references.T).clamp_min(0) / queries.shape[1]
    if exclude_self:
        d2.fill_diagonal_(float("inf"))
    best, index = d2.min(dim=1)
    return best.sqrt(), index
