"""Detail stages that follow the 128 px generator: the held-out rule, the degradations, the models.

A detail stage is an image-to-image network `image [1, 3, H, W]` in [-1, 1] -> `image [1, 3, sH, sW]`
in [-1, 1]: a few 3x3 convolutions with LeakyReLU at the input resolution, a last 3x3 convolution to
3*s*s channels, PixelShuffle (ONNX DepthToSpace) to the output resolution, added to a bilinear
upscale of the input (a global residual, as in ESPCN / FSRCNN-style super-resolution), and a clip to
[-1, 1]. Nothing else, so the Swift engine needs only Conv, DepthToSpace, Resize, Add, LeakyRelu, Clip.

Degradations turn a real high-resolution patch into the low-resolution input the stage will meet:
blur, an antialiased downscale (area, bilinear or bicubic), blur again, Gaussian noise, a faint
periodic 2x2 or 4x4 pattern (the grid transposed convolutions leave in the generator's output) and
JPEG compression. Each step happens with a probability and a random strength (Real-ESRGAN's
"high-order degradation" idea, Wang et al. 2021, cut down to one order).

The held-out set: 5% of the Met object ids (rounded up), chosen by sorting every id by the SHA-256 of
"likeness-heldout-v1/<id>" and taking the first ones; the committed list is Models/training/heldout.txt.
`cc0_paintings` lists the licensed paintings on either side of it (training, evaluation).
"""
from __future__ import annotations

import hashlib
import io
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

from likeness_training.crops import license_refusal, read_manifest

HELDOUT_FRACTION = 0.05
HELDOUT_SALT = "likeness-heldout-v1/"
HELDOUT_FILE = Path(__file__).resolve().parents[1] / "heldout.txt"


# MARK: - Held-out ids

def heldout_ids(object_ids, fraction: float = HELDOUT_FRACTION) -> list[int]:
    """The held-out ids among `object_ids`: the first ceil(fraction * n) by SHA-256 of salt + id, sorted."""
    ids = sorted({int(i) for i in object_ids})
    count = math.ceil(fraction * len(ids))
    ranked = sorted(ids, key=lambda i: hashlib.sha256(f"{HELDOUT_SALT}{i}".encode()).hexdigest())
    return sorted(ranked[:count])


def read_heldout(path: Path = HELDOUT_FILE) -> set[int]:
    """The committed held-out ids (one per line; lines starting with # are comments)."""
    lines = path.read_text().splitlines()
    return {int(x) for x in (line.strip() for line in lines) if x and not x.startswith("#")}


def cc0_paintings(dataset: Path, heldout: set[int] | None, only_heldout: bool = False) -> list[tuple[int, Path]]:
    """(object id, image path) of every painting with an accepted license; held-out ones left out
    (or, with only_heldout, only those)."""
    by_image: dict[str, list] = {}
    for row in read_manifest(dataset):
        by_image.setdefault(row.image, []).append(row)
    out = []
    for image, rows in sorted(by_image.items()):
        if any(license_refusal(r) for r in rows):
            continue
        oid = int(rows[0].object_id)
        if heldout is not None and ((oid in heldout) != only_heldout):
            continue
        path = dataset / image
        if path.is_file():
            out.append((oid, path))
    return out


# MARK: - Degradations (tensors [N, 3, H, W] in [-1, 1])

def gaussian_blur(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """Blur each image with its own Gaussian (sigma [N], in pixels; 0 leaves the image as it is)."""
    n, c, h, w = x.shape
    radius = int(math.ceil(3 * float(sigma.max()))) if float(sigma.max()) > 0 else 0
    if radius == 0:
        return x
    t = torch.arange(-radius, radius + 1, dtype=x.dtype)
    s = sigma.clamp_min(1e-3).view(n, 1).to(x.dtype)
    k = torch.exp(-0.5 * (t.view(1, -1) / s) ** 2)
    k = k / k.sum(1, keepdim=True)  # [N, K]
    k = torch.where(sigma.view(n, 1) > 0.05, k, (t.view(1, -1) == 0).to(x.dtype).expand(n, -1))
    y = F.pad(x.reshape(1, n * c, h, w), (radius, radius, radius, radius), mode="reflect")
    kx = k.repeat_interleave(c, 0).view(n * c, 1, 1, -1)
    ky = k.repeat_interleave(c, 0).view(n * c, 1, -1, 1)
    y = F.conv2d(F.conv2d(y, kx, groups=n * c), ky, groups=n * c)
    return y.view(n, c, h, w)


def downscale(x: torch.Tensor, factor: int, mode: str) -> torch.Tensor:
    size = (x.shape[-2] // factor, x.shape[-1] // factor)
    if mode == "area":
        return F.interpolate(x, size=size, mode="area")
    return F.interpolate(x, size=size, mode=mode, align_corners=False, antialias=True)


def periodic_pattern(n: int, h: int, w: int, rng: np.random.Generator) -> torch.Tensor:
    """Zero-mean 2x2 or 4x4 tiles repeated over [N, 3, H, W], unit RMS; random phase per image."""
    out = np.zeros((n, 3, h, w), dtype=np.float32)
    for i in range(n):
        p = int(rng.choice([2, 4]))
        tile = rng.standard_normal((1 if rng.random() < 0.5 else 3, p, p)).astype(np.float32)
        tile -= tile.mean(axis=(1, 2), keepdims=True)
        tile /= np.sqrt((tile ** 2).mean()) + 1e-6
        reps = np.tile(tile, (1, h // p + 2, w // p + 2))
        dy, dx = rng.integers(0, p, 2)
        out[i] = reps[:, dy:dy + h, dx:dx + w]
    return torch.from_numpy(out)


def jpeg(x: torch.Tensor, quality: int) -> torch.Tensor:
    """One image [3, H, W] in [-1, 1] through JPEG at `quality`."""
    array = ((x.clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).numpy()
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="JPEG", quality=int(quality))
    buffer.seek(0)
    back = np.asarray(Image.open(buffer).convert("RGB")).astype(np.float32)
    return torch.from_numpy(back).permute(2, 0, 1) / 127.5 - 1


# Strengths per stage. The refiner's input imitates the generator's 128 px output (soft, with a
# faint grid); the painter's imitates the refiner's 256 px faces, which are soft at the scale of a painting's own
# pixels (a face 1.7x its size in the source images): a blur of up to 5 px at 1024 before the x4 reduction.
DEGRADATIONS = {
    "refiner": {"blur_hr": (0.3, 1.6), "blur_lr": (0.0, 0.8), "p_blur_lr": 0.3, "noise": (0.0, 0.04),
                "p_noise": 0.6, "pattern": (0.0, 0.04), "p_pattern": 0.6, "jpeg": (50, 95), "p_jpeg": 0.4},
    "painter": {"blur_hr": (0.3, 5.0), "blur_lr": (0.0, 0.6), "p_blur_lr": 0.2, "noise": (0.0, 0.02),
                "p_noise": 0.4, "pattern": (0.0, 0.015), "p_pattern": 0.2, "jpeg": (60, 95), "p_jpeg": 0.3},
}


def degrade(hr: torch.Tensor, factor: int, rng: np.random.Generator, recipe: dict) -> torch.Tensor:
    """Real high-resolution patches [N, 3, H, W] in [-1, 1] -> degraded inputs [N, 3, H/f, W/f] in [-1, 1]."""
    n = hr.shape[0]
    x = gaussian_blur(hr, torch.from_numpy(rng.uniform(*recipe["blur_hr"], n)).float())
    mode = str(rng.choice(["area", "bilinear", "bicubic"]))
    x = downscale(x, factor, mode)
    sig = rng.uniform(*recipe["blur_lr"], n) * (rng.random(n) < recipe["p_blur_lr"])
    x = gaussian_blur(x, torch.from_numpy(sig).float())
    _, _, h, w = x.shape
    amp = rng.uniform(*recipe["noise"], n) * (rng.random(n) < recipe["p_noise"])
    gray = rng.random(n) < 0.5
    noise = torch.from_numpy(rng.standard_normal((n, 3, h, w)).astype(np.float32))
    noise[gray] = noise[gray][:, :1].expand(-1, 3, -1, -1)
    x = x + noise * torch.from_numpy(amp).float().view(n, 1, 1, 1)
    amp = rng.uniform(*recipe["pattern"], n) * (rng.random(n) < recipe["p_pattern"])
    x = x + periodic_pattern(n, h, w, rng) * torch.from_numpy(amp).float().view(n, 1, 1, 1)
    x = x.clamp(-1, 1)
    for i in np.nonzero(rng.random(n) < recipe["p_jpeg"])[0]:
        x[i] = jpeg(x[i], int(rng.integers(*recipe["jpeg"])))
    return x.contiguous()


# MARK: - Models

class DetailStage(nn.Module):
    """x [N, 3, H, W] -> clip(bilinear_up(x) + PixelShuffle(tail(body(head(x, canvas)))), -1, 1), [N, 3, sH, sW].

    With `canvas` > 0 the head also reads that many planes of Gaussian noise at the input
    resolution, the stage's only source of texture that is not in its input (StyleGAN's noise
    inputs, Karras et al. 2019). Training draws fresh noise for every patch; the exported stage
    carries one fixed draw (seed 2026, `canvas_size` square, sliced to the input's size), so the
    texture stays put on the picture like the weave of a canvas instead of boiling from frame to
    frame.
    """

    def __init__(self, scale: int, channels: int, blocks: int, canvas: int = 0, canvas_size: int = 256):
        super().__init__()
        self.scale, self.channels, self.blocks, self.canvas_channels = scale, channels, blocks, canvas
        self.head = nn.Conv2d(3 + canvas, channels, 3, padding=1)
        self.body = nn.ModuleList([nn.Conv2d(channels, channels, 3, padding=1) for _ in range(blocks)])
        self.tail = nn.Conv2d(channels, 3 * scale * scale, 3, padding=1)
        self.shuffle = nn.PixelShuffle(scale)
        if canvas:
            draw = torch.randn(1, canvas, canvas_size, canvas_size, generator=torch.Generator().manual_seed(2026))
            self.register_buffer("canvas", draw)
        with torch.no_grad():
            self.tail.weight.mul_(0.1)
            self.tail.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        up = F.interpolate(x, scale_factor=self.scale, mode="bilinear", align_corners=False)
        features = x
        if self.canvas_channels:
            n, _, h, w = x.shape
            if self.training:
                noise = torch.randn(n, self.canvas_channels, h, w)
            else:
                noise = self.canvas[:, :, :h, :w]
                if n != 1:
                    noise = noise.expand(n, -1, -1, -1)
            features = torch.cat([x, noise], 1)
        h = F.leaky_relu(self.head(features), 0.2)
        skip = h
        for conv in self.body:
            h = F.leaky_relu(conv(h), 0.2)
        h = h + skip
        return torch.clamp(up + self.shuffle(self.tail(h)), -1.0, 1.0)


STAGES = {
    "refiner": {"scale": 2, "channels": 32, "blocks": 3, "input": 128, "canvas": 0},
    "painter": {"scale": 4, "channels": 16, "blocks": 2, "input": 256, "canvas": 4},
}


def make_stage(stage: str, **overrides) -> DetailStage:
    spec = {**STAGES[stage], **overrides}
    return DetailStage(spec["scale"], spec["channels"], spec["blocks"], spec.get("canvas", 0), spec["input"])


class PatchDiscriminator(nn.Module):
    """Spectral-norm PatchGAN: three 4x4 stride-2 convolutions and a 3x3 one; a score map per ~40 px patch."""

    def __init__(self, base: int = 32):
        super().__init__()
        sn = nn.utils.spectral_norm
        self.layers = nn.ModuleList([
            sn(nn.Conv2d(3, base, 4, 2, 1)), sn(nn.Conv2d(base, base * 2, 4, 2, 1)),
            sn(nn.Conv2d(base * 2, base * 4, 4, 2, 1)), sn(nn.Conv2d(base * 4, 1, 3, 1, 1)),
        ])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers[:-1]:
            x = F.leaky_relu(layer(x), 0.2)
        return self.layers[-1](x)


def count_flops(model: nn.Module, shape: tuple[int, ...]) -> float:
    """Multiply-adds x 2 of every convolution for one input of `shape` (GFLOP)."""
    total = 0.0

    def hook(module, inputs, output):
        nonlocal total
        _, cout, h, w = output.shape
        total += 2.0 * h * w * cout * module.in_channels * module.kernel_size[0] * module.kernel_size[1] / module.groups

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        model(torch.zeros(shape))
    for handle in handles:
        handle.remove()
    return total / 1e9


# MARK: - Texture loss

def band_texture_loss(fake: torch.Tensor, real: torch.Tensor, weights: tuple[float, ...] = (1.0, 1.0), size: int = 5,
                      stride: int = 4, directions: int = 48, generator: torch.Generator | None = None) -> torch.Tensor:
    """How far the fine texture of each output is from its real patch's, whatever its phase.

    For the finest `len(weights)` bands of a Laplacian pyramid (metrics.py: the 1 px, 2 px, ... detail), every
    `size` x `size` patch (every `stride`-th row and column, from a random offset each call) of each image is a point; the loss is the sliced Wasserstein
    distance between the output's points and the real patch's, per image, over `directions` random unit
    directions (project, sort, mean absolute difference; Heitz et al. 2021, "A Sliced Wasserstein Loss
    for Neural Texture Synthesis", on pixel bands instead of VGG features). It asks for detail of the real
    patch's amount and kind (strokes, weave, craquelure) and leaves where each stroke falls free, so
    with the noise canvas the stage can paint texture instead of averaging it away. The same family of
    measure as the evaluation's SWD, computed here on training patches only. Each band's distance is
    multiplied by its weight; the result is their mean.
    """
    from likeness_training.metrics import _blur
    total = fake.new_zeros(())
    for weight in weights:
        bands, downs = [], []
        for x in (fake, real):
            downs.append(_blur(x)[..., ::2, ::2])
            bands.append(x - _blur(F.interpolate(downs[-1], scale_factor=2, mode="nearest")))
        oy, ox = (int(v) for v in torch.randint(0, stride, (2,), generator=generator))
        pf = F.unfold(bands[0][..., oy:, ox:], size, stride=stride)   # [N, C*size*size, L]
        pr = F.unfold(bands[1][..., oy:, ox:], size, stride=stride)
        d = torch.randn(pf.shape[1], directions, generator=generator)
        d = d / d.norm(dim=0, keepdim=True)
        # [N, directions, L], sorted along the contiguous last axis.
        proj_f = torch.sort(torch.einsum("ncl,cd->ndl", pf, d), dim=-1).values
        proj_r = torch.sort(torch.einsum("ncl,cd->ndl", pr, d), dim=-1).values
        total = total + weight * (proj_f - proj_r).abs().mean()
        fake, real = downs
    return total / len(weights)


# MARK: - Image measures

def psnr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """PSNR (dB) per image of [N, 3, H, W] in [-1, 1], on the 0..1 scale."""
    mse = (((a.clamp(-1, 1) - b.clamp(-1, 1)) / 2) ** 2).flatten(1).mean(1)
    return 10 * torch.log10(1 / mse.clamp_min(1e-10))


def ssim(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """SSIM per image on luma (Wang et al. 2004: 11x11 Gaussian window, sigma 1.5), [-1, 1] inputs."""
    weights = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
    x = ((a.clamp(-1, 1) + 1) / 2 * weights).sum(1, keepdim=True)
    y = ((b.clamp(-1, 1) + 1) / 2 * weights).sum(1, keepdim=True)
    t = torch.arange(11, dtype=torch.float32) - 5
    g = torch.exp(-0.5 * (t / 1.5) ** 2)
    g = (g / g.sum())
    k = (g[:, None] * g[None, :]).view(1, 1, 11, 11)
    mu_x, mu_y = F.conv2d(x, k), F.conv2d(y, k)
    sxx = F.conv2d(x * x, k) - mu_x ** 2
    syy = F.conv2d(y * y, k) - mu_y ** 2
    sxy = F.conv2d(x * y, k) - mu_x * mu_y
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    m = ((2 * mu_x * mu_y + c1) * (2 * sxy + c2)) / ((mu_x ** 2 + mu_y ** 2 + c1) * (sxx + syy + c2))
    return m.flatten(1).mean(1)
