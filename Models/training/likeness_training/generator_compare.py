"""Two generators side by side against the real crops: SWD at 256/128/64/32 px, the face-structure
measure (likeness_training.faces), a Fréchet distance in dlib's face space, memorisation, and the
pictures to look at (compare-v1.png: the same 16 seeds from both, then 1:1 crops of eyes and mouths).

Every picture is shown as the wall shows a 128 px generator before the detail chain: upscaled to
256 px (Lanczos), so both models are judged at one display size.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from . import faces
from .gan import load_crops
from .metrics import multiscale_swd, nearest_neighbours, standardized_gray64

DISPLAY = 256
LEVELS = ("256px", "128px", "64px", "32px")


def generate(model: Path, count: int, seed: int, batch: int = 50) -> np.ndarray:
    """count pictures from an ONNX generator (ONNX Runtime), float32 [N, 3, H, W] in [-1, 1]."""
    import onnxruntime as ort
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    z_dim = session.get_inputs()[0].shape[1]
    z = np.random.default_rng(seed).standard_normal((count, z_dim)).astype(np.float32)
    return np.concatenate([session.run(["image"], {"z": z[i:i + batch]})[0] for i in range(0, count, batch)])


def to_display(images: np.ndarray, size: int = DISPLAY) -> np.ndarray:
    """float [N, 3, H, W] in [-1, 1] -> uint8 [N, size, size, 3], Lanczos where the size differs."""
    u8 = ((np.clip(images, -1, 1) + 1) * 127.5).round().astype(np.uint8).transpose(0, 2, 3, 1)
    if u8.shape[1] == size:
        return u8
    return np.stack([np.asarray(Image.fromarray(p).resize((size, size), Image.Resampling.LANCZOS)) for p in u8])


def as_tensor(u8: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(u8.transpose(0, 3, 1, 2).astype(np.float32) / 127.5 - 1)


def swd_levels(real: torch.Tensor, fake: torch.Tensor) -> dict:
    swd = multiscale_swd(real, fake)
    kept = {k: swd[k] for k in LEVELS}
    kept["mean"] = round(float(np.mean(list(kept.values()))), 2)
    return kept


def region(points: np.ndarray, indices: slice, pad_x: float, pad_y: float, size: int) -> tuple[int, int, int, int]:
    xs, ys = points[indices, 0], points[indices, 1]
    cx, cy = xs.mean(), ys.mean()
    half_w = (xs.max() - xs.min()) / 2 * pad_x
    half_h = (ys.max() - ys.min()) / 2 * pad_y
    box = [int(round(cx - half_w)), int(round(cy - half_h)), int(round(cx + half_w)), int(round(cy + half_h))]
    return max(0, box[0]), max(0, box[1]), min(size, box[2]), min(size, box[3])


def compare_sheet(names: list[str], pictures: list[np.ndarray], mean_points: np.ndarray, path: Path,
                  count: int = 16, columns: int = 8) -> None:
    """Rows of `columns` sitters per model (the same seeds), then their eyes and mouths at 1:1."""
    size = pictures[0].shape[1]
    eyes = region(mean_points, slice(36, 48), 1.35, 4.0, size)
    mouth = region(mean_points, slice(48, 68), 1.5, 2.2, size)
    label = 18
    eye_w, eye_h = eyes[2] - eyes[0], eyes[3] - eyes[1]
    mouth_w, mouth_h = mouth[2] - mouth[0], mouth[3] - mouth[1]
    per_row = max(1, (columns * size) // (eye_w + mouth_w + 8))
    crop_rows = -(-count // per_row)
    height = (count // columns) * len(names) * (size + label) + len(names) * crop_rows * (max(eye_h, mouth_h) + 4) + \
        len(names) * label
    sheet = Image.new("RGB", (columns * size, height), "white")
    draw = ImageDraw.Draw(sheet)
    y = 0
    for block in range(count // columns):
        for name, images in zip(names, pictures):
            draw.text((4, y + 3), f"{name}: seeds {block * columns}-{block * columns + columns - 1}", fill="black")
            y += label
            for c in range(columns):
                sheet.paste(Image.fromarray(images[block * columns + c]), (c * size, y))
            y += size
    for name, images in zip(names, pictures):
        draw.text((4, y + 3), f"{name}: eyes and mouth, 1:1, seeds 0-{count - 1}", fill="black")
        y += label
        for i in range(count):
            r, c = divmod(i, per_row)
            x0, y0 = c * (eye_w + mouth_w + 8), y + r * (max(eye_h, mouth_h) + 4)
            picture = Image.fromarray(images[i])
            sheet.paste(picture.crop(eyes), (x0, y0))
            sheet.paste(picture.crop(mouth), (x0 + eye_w + 2, y0))
        y += crop_rows * (max(eye_h, mouth_h) + 4)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.crop((0, 0, sheet.width, y)).save(path)


def compare(model: Path, baseline: Path, crops: Path, out: Path, samples: int = 1000, seed: int = 2026,
            near_copy: float = 0.30, names: tuple[str, str] = ("v1", "v2")) -> dict:
    """Evaluate `model` beside `baseline`; writes metrics-compare.json, compare-v1.png and samples.png in `out`."""
    real_u8, rows = load_crops(crops, DISPLAY)
    real_display = real_u8.numpy().transpose(0, 2, 3, 1)
    real = as_tensor(real_display)
    perm = torch.randperm(len(real), generator=torch.Generator().manual_seed(0))
    half = min(len(real) // 2, samples)
    real_a, real_b = real[perm[:half]], real[perm[half:2 * half]]

    raw = {names[0]: generate(baseline, samples, seed), names[1]: generate(model, samples, seed)}
    shown = {name: to_display(images) for name, images in raw.items()}

    result: dict = {"display_size": DISPLAY, "samples": samples, "evaluation_seed": seed, "swd_x1e3": {},
                    "faces": {}, "face_frechet": {}}
    result["swd_x1e3"]["real_half_vs_real_half"] = swd_levels(real_a, real_b)
    for name, pictures in shown.items():
        result["swd_x1e3"][name] = swd_levels(real_a, as_tensor(pictures[:half]))

    real_fits = faces.fit_all(real_display)
    real_descriptors = np.stack([f.descriptor for f in real_fits])
    real_shapes = np.stack([faces.normalised(f.landmarks).ravel() for f in real_fits])
    result["faces"]["real"] = faces.structure(real_fits)
    result["landmark_frechet"] = {}
    idx = perm.numpy()
    a, b = idx[:half], idx[half:2 * half]
    # Distances to one real half, as the models' are (same sample count: same bias).
    result["face_frechet"]["real_half_vs_real_half"] = round(faces.frechet(real_descriptors[b], real_descriptors[a]), 4)
    result["landmark_frechet"]["real_half_vs_real_half"] = round(faces.frechet(real_shapes[b], real_shapes[a]), 4)
    for name, pictures in shown.items():
        fits = faces.fit_all(pictures[:half])
        result["faces"][name] = faces.structure(fits, real_fits)
        result["face_frechet"][name] = round(faces.frechet(np.stack([f.descriptor for f in fits]), real_descriptors[a]), 4)
        shapes = np.stack([faces.normalised(f.landmarks).ravel() for f in fits])
        result["landmark_frechet"][name] = round(faces.frechet(shapes, real_shapes[a]), 4)

    fake = torch.from_numpy(raw[names[1]])
    reference = as_tensor(real_display)
    distance, index = nearest_neighbours(standardized_gray64(fake), standardized_gray64(reference))
    result["memorization"] = {"model": names[1], "near_copy_threshold": near_copy,
                              "near_copies": int((distance < near_copy).sum()),
                              "nearest": round(float(distance.min()), 4),
                              "median": round(float(distance.median()), 4)}
    result["swd_ratio_mean"] = round(result["swd_x1e3"][names[1]]["mean"] / result["swd_x1e3"][names[0]]["mean"], 3)

    mean_points = np.stack([f.landmarks for f in real_fits]).mean(0)
    compare_sheet(list(names), [shown[names[0]], shown[names[1]]], mean_points, out / "compare-v1.png")
    sheet = Image.new("RGB", (8 * raw[names[1]].shape[-1], 8 * raw[names[1]].shape[-1]))
    native = ((np.clip(raw[names[1]][:64], -1, 1) + 1) * 127.5).round().astype(np.uint8).transpose(0, 2, 3, 1)
    for i, picture in enumerate(native):
        sheet.paste(Image.fromarray(picture), ((i % 8) * picture.shape[1], (i // 8) * picture.shape[0]))
    sheet.save(out / "samples.png")
    (out / "metrics-compare.json").write_text(json.dumps(result, indent=2))
    return result
