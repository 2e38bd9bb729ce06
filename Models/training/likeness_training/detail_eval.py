"""Evaluation of detail stages against Lanczos: restoration scores, sliced Wasserstein distances,
memorisation, and the comparison pictures.

Every function takes images as tensors [N, 3, H, W] in [-1, 1] and an upscaler as a callable
(an `OnnxStage` for the exported file, or anything else with the same signature), so the measures
can be tested on tiny inputs. The baseline everywhere is Lanczos (PIL's 3-lobe filter, per channel
in float, no rounding), the best a plain resampler does.

- Restoration: a real high-resolution image is degraded with the stage's standard recipe (DEGRADATIONS,
  fixed seed; a run may train on a narrower blur range), upscaled by the stage and by Lanczos, and scored against the real one (PSNR, SSIM).
- Distribution: multi-scale SWD (metrics.py) of upscaled images against real ones, next to
  Lanczos and the floor (real half against real half). For 1024 px outputs the comparison uses
  random 256 px tiles, and the finest two pyramid levels of the tiles (the 1 px and 2 px bands)
  are the texture at 1:1.
- Memorisation: the nearest-training-crop check of metrics.py.
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw

from likeness_training.detail import degrade, psnr, ssim
from likeness_training.metrics import multiscale_swd, nearest_neighbours, standardized_gray64

Upscaler = Callable[[torch.Tensor], torch.Tensor]


# MARK: - Baselines and data

def lanczos(x: torch.Tensor, scale: int) -> torch.Tensor:
    """Lanczos upscale by `scale` of [N, 3, h, w] in [-1, 1] (float per channel, then clipped to [-1, 1])."""
    n, c, h, w = x.shape
    out = np.empty((n, c, h * scale, w * scale), dtype=np.float32)
    array = x.detach().float().numpy()
    for i in range(n):
        for j in range(c):
            plane = Image.fromarray(array[i, j], mode="F")
            out[i, j] = np.asarray(plane.resize((w * scale, h * scale), Image.Resampling.LANCZOS))
    return torch.from_numpy(out).clamp(-1, 1)


def area_down(x: torch.Tensor, size: int) -> torch.Tensor:
    return F.interpolate(x, size=(size, size), mode="area")


def to_float(u8: torch.Tensor) -> torch.Tensor:
    return u8.float() / 127.5 - 1


def read_crops(crops: Path, keep: Callable[[int], bool]) -> tuple[torch.Tensor, list[dict]]:
    """The crops of crops/manifest.csv whose object id passes `keep`: uint8 [N, 3, 256, 256] and their rows."""
    with (crops / "manifest.csv").open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if keep(int(r["met_object_id"]))]
    images = []
    for row in rows:
        with Image.open(crops / f"{row['face_id']}.png") as image:
            images.append(np.asarray(image.convert("RGB")).transpose(2, 0, 1).copy())
    return torch.from_numpy(np.stack(images)), rows


def native_patches(paths: list[Path], size: int, per_image: int, seed: int) -> torch.Tensor:
    """`per_image` random size x size patches at native resolution from each image that is large enough."""
    rng = np.random.default_rng(seed)
    out = []
    for path in paths:
        with Image.open(path) as image:
            array = np.asarray(image.convert("RGB"))
        h, w, _ = array.shape
        if min(h, w) < size:
            continue
        for _ in range(per_image):
            y, x = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
            out.append(array[y:y + size, x:x + size].transpose(2, 0, 1).copy())
    return to_float(torch.from_numpy(np.stack(out)))


def random_tiles(images: torch.Tensor, size: int, per_image: int, rng: np.random.Generator) -> torch.Tensor:
    """`per_image` random size x size tiles of each image: [N * per_image, 3, size, size]."""
    _, _, h, w = images.shape
    tiles = []
    for image in images:
        for _ in range(per_image):
            y, x = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
            tiles.append(image[:, y:y + size, x:x + size])
    return torch.stack(tiles)


def generate_faces(model: Path, count: int, seed: int, threads: int = 1) -> torch.Tensor:
    """`count` faces from the generator ONNX (z standard normal, seeded): [count, 3, 128, 128] in [-1, 1]."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    z_dim = session.get_inputs()[0].shape[1]
    z = np.random.default_rng(seed).standard_normal((count, z_dim)).astype(np.float32)
    out = [session.run(["image"], {"z": z[i:i + 16]})[0] for i in range(0, count, 16)]
    return torch.from_numpy(np.concatenate(out))


def in_batches(upscale: Upscaler, x: torch.Tensor, batch: int = 8) -> torch.Tensor:
    return torch.cat([upscale(x[i:i + batch]) for i in range(0, len(x), batch)])


# MARK: - Measures

def restoration(upscale: Upscaler, real: torch.Tensor, scale: int, recipe: dict, seed: int) -> dict:
    """Degrade `real` (fixed seed), upscale by the stage and by Lanczos; mean PSNR (dB) and SSIM of each."""
    low = degrade(real, scale, np.random.default_rng(seed), recipe)
    results = {"stage": in_batches(upscale, low), "lanczos": lanczos(low, scale)}
    scores = {k: {"psnr_db": round(float(psnr(v, real).mean()), 3), "ssim": round(float(ssim(v, real).mean()), 4)}
              for k, v in results.items()}
    return {"images": len(real), "seed": seed, "scores": scores,
            "psnr_gain_db": round(scores["stage"]["psnr_db"] - scores["lanczos"]["psnr_db"], 3),
            "ssim_gain": round(scores["stage"]["ssim"] - scores["lanczos"]["ssim"], 4)}


def swd_table(reference: torch.Tensor, sets: dict[str, torch.Tensor], levels: int | None = None,
              patches_per_image: int = 64) -> dict:
    """SWD x1e3 per pyramid level of each named set against `reference` (all the same size and count);
    with `levels`, only the finest ones (and their mean)."""
    out = {}
    for name, images in sets.items():
        swd = multiscale_swd(reference, images, patches_per_image=patches_per_image)
        if levels:
            keys = [k for k in swd if k != "mean"][:levels]
            swd = {**{k: swd[k] for k in keys}, "mean": round(float(np.mean([swd[k] for k in keys])), 2)}
        out[name] = swd
    return out


def ratios(table: dict, stage: str = "stage", baseline: str = "lanczos") -> dict:
    return {k: round(table[stage][k] / table[baseline][k], 3) for k in table[stage] if table[baseline][k]}


def memorisation(samples: torch.Tensor, training: torch.Tensor, threshold: float) -> dict:
    """Distances from each sample to its nearest training crop (and crop to crop), near-copy count."""
    sv, tv = standardized_gray64(samples), standardized_gray64(training)
    distance, _ = nearest_neighbours(sv, tv)
    loo, _ = nearest_neighbours(tv, tv, exclude_self=True)

    def stats(d: torch.Tensor) -> dict:
        q = np.quantile(d.numpy(), [0.0, 0.01, 0.05, 0.5])
        return dict(zip(("min", "p1", "p5", "median"), (round(float(v), 4) for v in q)))

    return {"samples": len(samples), "distance": "RMS difference of standardised 64x64 grayscale",
            "sample_to_nearest_crop": stats(distance), "crop_to_nearest_other_crop": stats(loo),
            "near_copy_threshold": threshold, "near_copies": int((distance < threshold).sum())}


def phase_pattern(x: torch.Tensor, period: int) -> torch.Tensor:
    """The luma detail (image minus its local period x period mean) averaged over every image and every
    period x period tile at the same phase: [period, period]. A grid at fixed positions (what transposed
    convolutions or a pixel shuffle leave) survives the average; picture content averages out."""
    n, _, h, w = x.shape
    gray = (x * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)
    a, b = period // 2, period - 1 - period // 2
    local = F.avg_pool2d(F.pad(gray, (a, b, a, b), mode="replicate"), period, 1)
    detail = (gray - local)[:, 0, :h - h % period, :w - w % period]
    return detail.reshape(n, h // period, period, w // period, period).mean(dim=(0, 1, 3))


def grid_levels(pattern: torch.Tensor) -> float:
    """RMS of a phase pattern in 8-bit levels (1.0 = one step of 255)."""
    return round(float((pattern - pattern.mean()).pow(2).mean().sqrt() * 127.5), 3)


# MARK: - Pictures

def to_pil(image: torch.Tensor) -> Image.Image:
    return Image.fromarray(((image.clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).numpy())


# Regions of an aligned face crop (FFHQ-style, prepare.py), as fractions of its side: x0, y0, x1, y1.
REGIONS = {"eyes": (0.25, 0.36, 0.75, 0.56), "mouth": (0.375, 0.6, 0.625, 0.8), "hair": (0.375, 0.06, 0.625, 0.26)}


def region(image: torch.Tensor, name: str) -> torch.Tensor:
    side = image.shape[-1]
    x0, y0, x1, y1 = (int(round(v * side)) for v in REGIONS[name])
    return image[:, y0:y1, x0:x1]


def labelled_canvas(rows: list[list[tuple[str, torch.Tensor]]], gap: int = 4, label: int = 14) -> Image.Image:
    """Rows of (label, image [3, h, w]) pasted at 1:1 with their labels above them."""
    width = max(sum(t.shape[-1] + gap for _, t in row) for row in rows)
    height = sum(max(t.shape[-2] for _, t in row) + label + gap for row in rows)
    canvas = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(canvas)
    y = 0
    for row in rows:
        x = 0
        for text, image in row:
            draw.text((x + 2, y + 1), text, fill="black")
            canvas.paste(to_pil(image), (x, y + label))
            x += image.shape[-1] + gap
        y += max(t.shape[-2] for _, t in row) + label + gap
    return canvas


def chain_compare(lanczos_1024: torch.Tensor, chain_1024: torch.Tensor, overview: int = 256) -> Image.Image:
    """Per face: the whole face (Lanczos, chain) shrunk to `overview`, then 100% crops of the eyes, mouth
    and hair, Lanczos beside the chain."""
    rows = []
    for i, (lz, ch) in enumerate(zip(lanczos_1024, chain_1024)):
        row = [(f"face {i + 1}: Lanczos (shrunk)", area_down(lz[None], overview)[0]),
               ("chain (shrunk)", area_down(ch[None], overview)[0])]
        for name in ("eyes", "mouth", "hair"):
            row += [(f"{name} 1:1 Lanczos", region(lz, name)), (f"{name} 1:1 chain", region(ch, name))]
        rows.append(row)
    return labelled_canvas(rows)
