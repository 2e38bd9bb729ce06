"""Train a detail stage (refiner x2 on aligned face crops, painter x4 on whole paintings) on the CPU.

Each step: real high-resolution patches (the refiner: random 2*P patches of the 256 px face crops;
the painter: random 4*P patches of the source paintings at native resolution, rescaled by a random
0.6-1.0) are degraded into the stage's input (likeness_training/detail.py), the stage upscales them,
and the loss is Charbonnier(output, real) plus, after a warm-up share of the budget, an adversarial
hinge loss from a spectral-norm PatchGAN that sees both through DiffAugment (colour, translation).
Every image whose Met object id is in heldout.txt is left out, and so is every painting without an
accepted license in faces.csv (the same rule as prepare.py). The EMA of the stage's weights is what
gets exported.

Outputs in --out: checkpoint.pt (every few minutes and at the end), log.jsonl, config.json,
samples/step-NNNNNN.png (input upscaled bilinearly | stage | real, for fixed training patches).
"""
from __future__ import annotations

import argparse
import copy
import csv
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from likeness_training.detail import (DEGRADATIONS, HELDOUT_FILE, STAGES, PatchDiscriminator, band_texture_loss,
                                      cc0_paintings, count_flops, degrade, make_stage, read_heldout)
from likeness_training.diffaugment import diff_augment
from likeness_training.gan import save_grid, update_ema


# MARK: - Data

def face_crops(crops: Path, heldout: set[int]) -> tuple[torch.Tensor, list[dict]]:
    """Training face crops (uint8 [N, 3, 256, 256]) and their manifest rows, held-out ids left out."""
    with (crops / "manifest.csv").open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if int(r["met_object_id"]) not in heldout]
    images = []
    for row in rows:
        with Image.open(crops / f"{row['face_id']}.png") as image:
            images.append(np.asarray(image.convert("RGB")).transpose(2, 0, 1).copy())
    return torch.from_numpy(np.stack(images)), rows


def load_paintings(items: list[tuple[int, Path]]) -> list[np.ndarray]:
    images = []
    for _, path in items:
        with Image.open(path) as image:
            images.append(np.asarray(image.convert("RGB")))
    return images


def to_float(u8: torch.Tensor) -> torch.Tensor:
    return u8.float() / 127.5 - 1


def face_batch(data: torch.Tensor, batch: int, hr: int, rng: np.random.Generator) -> torch.Tensor:
    """Random hr x hr patches (even offsets) of random crops, random x-flip: [B, 3, hr, hr] in [-1, 1]."""
    idx = rng.integers(0, len(data), batch)
    side = data.shape[-1]
    out = torch.empty(batch, 3, hr, hr)
    for b, i in enumerate(idx):
        y, x = (rng.integers(0, (side - hr) // 4 + 1, 2) * 4) if side > hr else (0, 0)
        patch = data[i, :, y:y + hr, x:x + hr]
        if rng.random() < 0.5:
            patch = patch.flip(-1)
        out[b] = to_float(patch)
    return out


def painting_batch(images: list[np.ndarray], batch: int, hr: int, rng: np.random.Generator,
                   scale_range=(0.6, 1.0)) -> torch.Tensor:
    """Random patches of random paintings, read at scale s (hr/s native pixels -> hr): [B, 3, hr, hr]."""
    out = torch.empty(batch, 3, hr, hr)
    for b in range(batch):
        image = images[int(rng.integers(0, len(images)))]
        h, w, _ = image.shape
        s = rng.uniform(*scale_range)
        side = min(int(round(hr / s)), h, w)
        y, x = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
        patch = torch.from_numpy(image[y:y + side, x:x + side].copy()).permute(2, 0, 1)
        patch = to_float(patch).unsqueeze(0)
        if side != hr:
            patch = F.interpolate(patch, size=(hr, hr), mode="bicubic", align_corners=False, antialias=True)
        if rng.random() < 0.5:
            patch = patch.flip(-1)
        out[b] = patch[0].clamp(-1, 1)
    return out


# MARK: - Training

def charbonnier(a: torch.Tensor, b: torch.Tensor, eps: float = 1e-3) -> torch.Tensor:
    return torch.sqrt((a - b) ** 2 + eps * eps).mean()


def floats(text: str) -> tuple[float, ...]:
    """'1,2' -> (1.0, 2.0); argparse reports a malformed list as a usage error."""
    try:
        values = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None
    if not values or any(v < 0 for v in values):
        raise argparse.ArgumentTypeError(f"expected non-negative numbers, got {text!r}")
    return values


def parse(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--stage", required=True, choices=sorted(STAGES))
    p.add_argument("--crops", type=Path, default=Path(".cache/crops-256"), help="face crops (refiner)")
    p.add_argument("--dataset", type=Path, default=Path("../shared/datasets/met-portraits"), help="paintings (painter)")
    p.add_argument("--heldout", type=Path, default=HELDOUT_FILE)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--patch", type=int, default=0, help="input patch side (default: refiner 48, painter 32)")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--channels", type=int, default=0, help="override the stage's channels")
    p.add_argument("--blocks", type=int, default=-1, help="override the stage's body convolutions")
    p.add_argument("--canvas", type=int, default=-1, help="planes of noise the head reads (texture; default: the stage's)")
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--lr-d", type=float, default=2e-4)
    p.add_argument("--adv", type=float, default=0.0, help="adversarial weight (default: refiner 0.01, painter 0.03)")
    p.add_argument("--warmup", type=float, default=0.3, help="share of the budget with the Charbonnier loss alone")
    p.add_argument("--pixel-pool", type=int, default=1,
                   help="compare output and real after this average pooling (2: the pixel loss leaves the finest "
                        "texture's phase to the adversarial loss)")
    p.add_argument("--texture", type=float, default=0.0,
                   help="weight of the texture loss (sliced Wasserstein of the finest two Laplacian bands' 5x5 patches, "
                        "output against its real patch; 0: off)")
    p.add_argument("--texture-weights", type=floats, default=(1.0, 1.0),
                   help="the texture loss's weight per Laplacian band, finest first, comma-separated (1,2: the 2 px band "
                        "counts twice; three values add the 4 px band)")
    p.add_argument("--blur-hr", type=floats, default=None,
                   help="min,max sigma of the blur before the reduction, in output pixels (default: the stage's "
                        "degradation recipe)")
    p.add_argument("--scale-min", type=float, default=0.6, help="painter: paintings are read at a random scale in [this, 1]")
    p.add_argument("--d-base", type=int, default=32)
    p.add_argument("--ema", type=float, default=0.999)
    p.add_argument("--minutes", type=float, default=50.0)
    p.add_argument("--steps", type=int, default=10_000_000)
    p.add_argument("--log-every", type=int, default=25)
    p.add_argument("--sample-every", type=int, default=500)
    p.add_argument("--checkpoint-minutes", type=float, default=4.0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--limit", type=int, default=0, help="use only the first N images (tests)")
    args = p.parse_args(argv)
    if args.blur_hr is not None and (len(args.blur_hr) != 2 or args.blur_hr[0] > args.blur_hr[1]):
        p.error(f"--blur-hr takes min,max, got {','.join(f'{v:g}' for v in args.blur_hr)}")
    return args


def main(argv=None) -> int:
    args = parse(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    spec = dict(STAGES[args.stage])
    if args.channels:
        spec["channels"] = args.channels
    if args.blocks >= 0:
        spec["blocks"] = args.blocks
    if args.canvas >= 0:
        spec["canvas"] = args.canvas
    scale = spec["scale"]
    patch = args.patch or (48 if args.stage == "refiner" else 32)
    hr = patch * scale
    adv = args.adv or (0.01 if args.stage == "refiner" else 0.03)
    heldout = read_heldout(args.heldout)

    if args.stage == "refiner":
        data, rows = face_crops(args.crops, heldout)
        if args.limit:
            data, rows = data[:args.limit], rows[:args.limit]
        object_ids = sorted({int(r["met_object_id"]) for r in rows})
        source = {"kind": "aligned 256 px face crops (prepare.py)", "crops": len(rows)}
        batch_fn = lambda n: face_batch(data, n, hr, rng)  # noqa: E731
    else:
        items = cc0_paintings(args.dataset, heldout)
        if args.limit:
            items = items[:args.limit]
        images = load_paintings(items)
        object_ids = sorted({oid for oid, _ in items})
        source = {"kind": "whole source paintings at native resolution (800 px long side)", "paintings": len(items)}
        batch_fn = lambda n: painting_batch(images, n, hr, rng, (args.scale_min, 1.0))  # noqa: E731
    overlap = set(object_ids) & heldout
    assert not overlap, f"held-out ids in the training set: {sorted(overlap)[:5]}"
    print(f"train_detail: {args.stage} x{scale} on {len(object_ids)} object ids ({source}); "
          f"{len(heldout)} held out; patches {patch}->{hr}; {torch.get_num_threads()} threads", flush=True)

    model = make_stage(args.stage, channels=spec["channels"], blocks=spec["blocks"], canvas=spec["canvas"])
    ema = copy.deepcopy(model).eval()
    disc = PatchDiscriminator(args.d_base)
    opt_g = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.99))
    opt_d = torch.optim.Adam(disc.parameters(), lr=args.lr_d, betas=(0.5, 0.99))
    recipe = dict(DEGRADATIONS[args.stage])
    if args.blur_hr:
        recipe["blur_hr"] = args.blur_hr
    config = {
        "stage": args.stage, "scale": scale, "channels": spec["channels"], "blocks": spec["blocks"],
        "canvas": spec["canvas"], "input_size": spec["input"], "patch": patch, "batch": args.batch, "lr": args.lr, "lr_d": args.lr_d,
        "adv": adv, "warmup": args.warmup, "pixel_pool": args.pixel_pool, "texture": args.texture,
        "texture_weights": list(args.texture_weights), "scale_min": args.scale_min, "d_base": args.d_base, "ema": args.ema, "minutes": args.minutes,
        "seed": args.seed, "degradation": recipe, "source": source, "met_object_ids": object_ids,
        "heldout_ids": sorted(heldout), "torch": torch.__version__, "device": "cpu",
        "cpu": platform.processor() or platform.machine(), "cpu_threads": torch.get_num_threads(),
        "parameters": sum(p.numel() for p in model.parameters()),
        "gflop_per_frame": count_flops(model, (1, 3, spec["input"], spec["input"])),
        "architecture": ((f"{spec['canvas']} planes of fixed Gaussian noise (a canvas, seed 2026) beside the image at the "
                          "head; ") if spec["canvas"] else "") + (f"{spec['blocks'] + 1} 3x3 convolutions of {spec['channels']} channels with LeakyReLU(0.2) "
                         f"at the input resolution (a skip over the body), a 3x3 convolution to {3 * scale * scale} "
                         f"channels, PixelShuffle x{scale}, added to a bilinear x{scale} upscale, clipped to [-1, 1]; "
                         + ("Charbonnier loss " + (f"after a {args.pixel_pool}x{args.pixel_pool} average pool, " if args.pixel_pool > 1 else "")
                            + (f"+ {args.texture} x a texture loss (sliced Wasserstein of 5x5 patches of the finest "
                               f"{len(args.texture_weights)} Laplacian bands, weighted "
                               f"{', '.join(f'{w:g}' for w in args.texture_weights)}, output against real), "
                               if args.texture else "")
                            + "then + hinge adversarial loss from a spectral-norm PatchGAN with "
                         "DiffAugment (color,translation); Adam; EMA of the weights")),
    }
    (args.out / "config.json").write_text(json.dumps(config, indent=1))
    fixed = batch_fn(8)
    fixed_lr = degrade(fixed, scale, np.random.default_rng(99), recipe)

    log = (args.out / "log.jsonl").open("a")
    start = time.monotonic()
    last_checkpoint = start
    budget = args.minutes * 60

    def save(step: int) -> None:
        torch.save({"config": config, "model": model.state_dict(), "ema": ema.state_dict(),
                    "disc": disc.state_dict(), "step": step, "elapsed_seconds": time.monotonic() - start},
                   args.out / "checkpoint.tmp")
        (args.out / "checkpoint.tmp").replace(args.out / "checkpoint.pt")

    step = 0
    while step < args.steps and time.monotonic() - start < budget:
        step += 1
        real = batch_fn(args.batch)
        lr_in = degrade(real, scale, rng, recipe)
        adversarial = (time.monotonic() - start) > args.warmup * budget
        fake = model(lr_in)
        loss_d = torch.zeros(())
        if adversarial:
            d_real = disc(diff_augment(real, "color,translation"))
            d_fake = disc(diff_augment(fake.detach(), "color,translation"))
            loss_d = F.relu(1 - d_real).mean() + F.relu(1 + d_fake).mean()
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
        pool = args.pixel_pool
        pixel = charbonnier(F.avg_pool2d(fake, pool), F.avg_pool2d(real, pool)) if pool > 1 else charbonnier(fake, real)
        loss_g = pixel
        loss_tex = torch.zeros(())
        if args.texture:
            loss_tex = band_texture_loss(fake, real, tuple(args.texture_weights))
            loss_g = loss_g + args.texture * loss_tex
        loss_adv = torch.zeros(())
        if adversarial:
            loss_adv = -disc(diff_augment(fake, "color,translation")).mean()
            loss_g = loss_g + adv * loss_adv
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        update_ema(ema, model, args.ema if step > 200 else 0.0)
        if step % args.log_every == 0 or step == 1:
            record = {"step": step, "minutes": round((time.monotonic() - start) / 60, 2), "pixel": round(pixel.item(), 5),
                      "adv": round(loss_adv.item(), 4), "texture": round(loss_tex.item(), 5), "loss_d": round(loss_d.item(), 4),
                      "patches_seen": step * args.batch, "adversarial": adversarial}
            log.write(json.dumps(record) + "\n")
            log.flush()
            if step % (args.log_every * 8) == 0 or step == 1:
                print(json.dumps(record), flush=True)
        if step % args.sample_every == 0:
            with torch.no_grad():
                up = F.interpolate(fixed_lr, scale_factor=scale, mode="bilinear", align_corners=False)
                save_grid(torch.cat([up, ema(fixed_lr), fixed]), args.out / "samples" / f"step-{step:06d}.png")
        if time.monotonic() - last_checkpoint > args.checkpoint_minutes * 60:
            save(step)
            last_checkpoint = time.monotonic()
    save(step)
    record = {"step": step, "minutes": round((time.monotonic() - start) / 60, 2), "patches_seen": step * args.batch,
              "final": True}
    log.write(json.dumps(record) + "\n")
    log.close()
    print(f"train_detail: done, {step} steps in {record['minutes']} min", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
