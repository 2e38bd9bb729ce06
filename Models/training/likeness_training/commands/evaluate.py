"""Evaluate an exported Likeness model (the .onnx itself, run in ONNX Runtime) against its crops.

Writes into the model's folder:
  - metrics.json: multi-scale SWD (model vs real, and the floor: real half vs real half),
    memorisation statistics, sample count and seeds;
  - samples.png: an 8x8 grid of samples (truncation 1, seeds 0..63 of the evaluation latents);
  - closest-pairs.png: the 8 samples closest to a training crop, sample above its neighbour.
Fails (exit 3) when a sample is a near-copy of a training portrait: its distance to the nearest
crop is below the near-copy threshold (see likeness_training/metrics.py for the distance).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from likeness_training.gan import load_crops, save_grid
from likeness_training.metrics import multiscale_swd, nearest_neighbours, standardized_gray64


def generate(model: Path, count: int, seed: int, batch: int = 50) -> torch.Tensor:
    import onnxruntime as ort
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    z_dim = session.get_inputs()[0].shape[1]
    z = np.random.default_rng(seed).standard_normal((count, z_dim)).astype(np.float32)
    out = [session.run(["image"], {"z": z[i:i + batch]})[0] for i in range(0, count, batch)]
    return torch.from_numpy(np.concatenate(out))


def to_pil(image: torch.Tensor) -> Image.Image:
    return Image.fromarray(((image.clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).numpy())


def closest_pairs_image(samples, reals, order, index, distance, path: Path, pairs: int = 8) -> None:
    size = samples.shape[-1]
    canvas = Image.new("RGB", (pairs * size, 2 * size + 16), "white")
    draw = ImageDraw.Draw(canvas)
    for column, i in enumerate(order[:pairs]):
        canvas.paste(to_pil(samples[i]), (column * size, 0))
        canvas.paste(to_pil(reals[index[i]]), (column * size, size))
        draw.text((column * size + 4, 2 * size + 2), f"d={distance[i]:.3f}", fill="black")
    canvas.save(path)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", type=Path, default=Path("Models/met-portraits-128/model.onnx"))
    p.add_argument("--crops", type=Path, default=Path(".cache/crops-256"))
    p.add_argument("--samples", type=int, default=1000)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--near-copy", type=float, default=0.30,
                   help="a sample closer than this to a training crop is a near-copy (RMS of standardised 64x64 gray)")
    args = p.parse_args(argv)
    out_dir = args.model.parent

    clock = time.monotonic()

    def stage(name: str) -> None:
        print(f"evaluate: {name} ({time.monotonic() - clock:.0f} s)", flush=True)

    fake = generate(args.model, args.samples, args.seed)
    stage(f"{args.samples} samples generated")
    size = fake.shape[-1]
    real_u8, rows = load_crops(args.crops, size)
    real = real_u8.float() / 127.5 - 1

    # (a) SWD: the model against one half of the real set, and the floor, half against half.
    perm = torch.randperm(len(real), generator=torch.Generator().manual_seed(0))
    half = len(real) // 2
    real_a, real_b = real[perm[:half]], real[perm[half:2 * half]]
    swd_model = multiscale_swd(real_a, fake[:half])
    swd_floor = multiscale_swd(real_a, real_b)
    stage("sliced Wasserstein distances")

    # (b) memorisation.
    fv, rv = standardized_gray64(fake), standardized_gray64(real)
    distance, index = nearest_neighbours(fv, rv)
    real_loo, _ = nearest_neighbours(rv, rv, exclude_self=True)
    order = torch.argsort(distance).tolist()
    near_copies = int((distance < args.near_copy).sum())
    closest_pairs_image(fake, real, order, index, distance, out_dir / "closest-pairs.png")

    # (c) samples.
    save_grid(fake[:64], out_dir / "samples.png")

    def stats(d: torch.Tensor) -> dict:
        q = np.quantile(d.numpy(), [0.0, 0.01, 0.05, 0.5])
        return {"min": round(float(q[0]), 4), "p1": round(float(q[1]), 4),
                "p5": round(float(q[2]), 4), "median": round(float(q[3]), 4)}

    metrics = {
        "swd_x1e3": {"model_vs_real": swd_model, "real_half_vs_real_half": swd_floor,
                     "images_per_set": half, "patches_per_image": 64, "directions": 512, "repeats": 4},
        "memorization": {
            "samples": args.samples, "distance": "RMS difference of standardised 64x64 grayscale",
            "sample_to_nearest_crop": stats(distance),
            "crop_to_nearest_other_crop": stats(real_loo),
            "near_copy_threshold": args.near_copy, "near_copies": near_copies,
            "closest": [{"sample": i, "crop": rows[int(index[i])]["face_id"], "distance": round(float(distance[i]), 4)}
                        for i in order[:8]],
        },
        "evaluation_seed": args.seed,
    }
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2))
    print(json.dumps(metrics["swd_x1e3"], indent=1))
    print(json.dumps({k: metrics["memorization"][k] for k in
                      ("sample_to_nearest_crop", "crop_to_nearest_other_crop", "near_copies")}, indent=1))
    if near_copies:
        print(f"evaluate: {near_copies} samples are near-copies of training crops (distance < {args.near_copy})",
              file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
