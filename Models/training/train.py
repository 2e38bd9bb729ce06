#!/usr/bin/env python3
"""Train a Likeness portrait generator on aligned face crops (made by prepare.py).

GAN recipe for about 1,200 images: DCGAN-style generator with skip-layer excitation, spectral-norm
discriminator, hinge loss, DiffAugment (colour, translation, cutout) on real and fake images, random
horizontal flips of the real crops, Adam, and an exponential moving average (EMA) of the generator's
weights, which is what gets exported. CPU by default; CUDA when present (or --device).

Outputs in --out (default .cache/run): checkpoint.pt (latest, resumable with --resume),
log.jsonl (losses and timing per logged step), samples/step-NNNNNN.png (8x8 EMA samples with fixed
latents), config.json (the full recipe, for the model card).
"""
from __future__ import annotations

import argparse
import csv
import copy
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from likeness_training.diffaugment import diff_augment  # noqa: E402
from likeness_training.models import Discriminator, Generator, count_generator_flops  # noqa: E402


def load_crops(crops: Path, size: int) -> tuple[torch.Tensor, list[dict]]:
    """All crops listed in crops/manifest.csv, resized to size x size: uint8 [N, 3, size, size]."""
    manifest = crops / "manifest.csv"
    if not manifest.is_file():
        raise SystemExit(f"train: {manifest} not found; run prepare.py first")
    with manifest.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        raise SystemExit(f"train: {manifest} lists no crops")
    images = []
    for row in rows:
        with Image.open(crops / f"{row['face_id']}.png") as image:
            image = image.convert("RGB")
            if image.size != (size, size):
                image = image.resize((size, size), Image.Resampling.LANCZOS)
            images.append(np.asarray(image).transpose(2, 0, 1).copy())
    return torch.from_numpy(np.stack(images)), rows


def save_grid(images: torch.Tensor, path: Path, columns: int = 8) -> None:
    """images [N, 3, H, W] in [-1, 1] -> one PNG grid."""
    n, _, h, w = images.shape
    rows = math.ceil(n / columns)
    array = ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
    grid = np.zeros((rows * h, columns * w, 3), dtype=np.uint8)
    for i in range(n):
        r, c = divmod(i, columns)
        grid[r * h:(r + 1) * h, c * w:(c + 1) * w] = array[i]
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(grid).save(path)


@torch.no_grad()
def update_ema(ema: torch.nn.Module, model: torch.nn.Module, decay: float) -> None:
    for e, p in zip(ema.parameters(), model.parameters()):
        e.lerp_(p, 1 - decay)
    for e, b in zip(ema.buffers(), model.buffers()):
        e.copy_(b)


def parse(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--crops", type=Path, default=Path(".cache/crops-256"))
    p.add_argument("--out", type=Path, default=Path(".cache/run"))
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--z-dim", type=int, default=128)
    p.add_argument("--g-base", type=int, default=384, help="generator channels at 4x4")
    p.add_argument("--d-base", type=int, default=24, help="discriminator channels at full resolution")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr-g", type=float, default=2e-4)
    p.add_argument("--lr-d", type=float, default=2e-4)
    p.add_argument("--beta1", type=float, default=0.5)
    p.add_argument("--beta2", type=float, default=0.999)
    p.add_argument("--ema", type=float, default=0.999, help="EMA decay of the generator weights")
    p.add_argument("--augment", default="color,translation,cutout", help="DiffAugment policy")
    p.add_argument("--steps", type=int, default=1_000_000, help="stop after this many steps")
    p.add_argument("--minutes", type=float, default=110.0, help="stop after this much training time")
    p.add_argument("--sample-every", type=int, default=250)
    p.add_argument("--checkpoint-minutes", type=float, default=5.0)
    p.add_argument("--log-every", type=int, default=25)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0: all cores)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    p.add_argument("--init-from", type=Path, help="start the generator (and its EMA) from this checkpoint")
    p.add_argument("--d-norm", default="batch", choices=["batch", "spectral"], help="discriminator normalisation")
    p.add_argument("--loss", default="nonsaturating", choices=["nonsaturating", "hinge"])
    p.add_argument("--no-minibatch-std", action="store_true", help="leave out the minibatch-stddev feature in D")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse(argv)
    device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available()
                          else ("cpu" if args.device == "auto" else args.device))
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)

    data, rows = load_crops(args.crops, args.size)
    print(f"train: {len(rows)} crops at {args.size}x{args.size} on {device} "
          f"({torch.get_num_threads()} CPU threads)", flush=True)
    data = data.to(device)

    gen = Generator(args.z_dim, args.size, args.g_base).to(device)
    disc = Discriminator(args.size, args.d_base, norm=args.d_norm, minibatch_std=not args.no_minibatch_std).to(device)
    ema = copy.deepcopy(gen).eval()
    for p in ema.parameters():
        p.requires_grad_(False)
    opt_g = torch.optim.Adam(gen.parameters(), lr=args.lr_g, betas=(args.beta1, args.beta2))
    opt_d = torch.optim.Adam(disc.parameters(), lr=args.lr_d, betas=(args.beta1, args.beta2))

    step, elapsed = 0, 0.0
    if args.init_from:
        state = torch.load(args.init_from, map_location=device, weights_only=False)
        gen.load_state_dict(state["generator"])
        ema.load_state_dict(state["ema"])
        # The discriminator keeps the layers whose shapes still match (a new head starts fresh).
        own = disc.state_dict()
        own.update({k: v for k, v in state["discriminator"].items() if k in own and own[k].shape == v.shape})
        disc.load_state_dict(own)
        print(f"train: generator initialised from {args.init_from} (step {state['step']})", flush=True)
    checkpoint_path = args.out / "checkpoint.pt"
    if args.resume:
        if not checkpoint_path.is_file():
            raise SystemExit(f"train: --resume but {checkpoint_path} does not exist")
        state = torch.load(checkpoint_path, map_location=device, weights_only=False)
        gen.load_state_dict(state["generator"])
        disc.load_state_dict(state["discriminator"])
        ema.load_state_dict(state["ema"])
        opt_g.load_state_dict(state["opt_g"])
        opt_d.load_state_dict(state["opt_d"])
        step, elapsed = state["step"], state["elapsed_seconds"]
        print(f"train: resumed at step {step} ({elapsed / 60:.1f} min trained)", flush=True)

    config = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    config.update({
        "device": str(device), "torch": torch.__version__, "cpu": platform.processor() or platform.machine(),
        "cpu_threads": torch.get_num_threads(), "crops": len(rows),
        "generator_gflop_per_frame": count_generator_flops(gen),
        "generator_parameters": sum(p.numel() for p in gen.parameters()),
        "discriminator_parameters": sum(p.numel() for p in disc.parameters()),
        "architecture": "DCGAN-style ConvTranspose+BN+ReLU generator with 3x3 refinement convs up to 32x32 "
                        f"and FastGAN skip-layer excitation; DCGAN discriminator with {args.d_norm} norm; "
                        f"{'with' if not args.no_minibatch_std else 'without'} minibatch-stddev; {args.loss} loss; DiffAugment ({args.augment}); x-flip of real crops; EMA generator"
                        + (f"; generator initialised from {args.init_from}" if args.init_from else ""),
    })
    (args.out / "config.json").write_text(json.dumps(config, indent=2))

    fixed_z = torch.randn(64, args.z_dim, generator=torch.Generator().manual_seed(1234)).to(device)
    log = (args.out / "log.jsonl").open("a")
    last_checkpoint = time.monotonic()
    started = time.monotonic() - elapsed
    window_start, window_steps = time.monotonic(), 0

    def save_checkpoint() -> None:
        tmp = checkpoint_path.with_suffix(".tmp")
        torch.save({
            "generator": gen.state_dict(), "discriminator": disc.state_dict(), "ema": ema.state_dict(),
            "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict(), "step": step,
            "elapsed_seconds": time.monotonic() - started, "config": config,
        }, tmp)
        os.replace(tmp, checkpoint_path)  # atomic: a kill never leaves a half-written checkpoint

    while step < args.steps and time.monotonic() - started < args.minutes * 60:
        index = torch.randint(0, data.shape[0], (args.batch,), device=device)
        real = data[index].float() / 127.5 - 1
        flip = torch.rand(args.batch, device=device) < 0.5
        real = torch.where(flip.view(-1, 1, 1, 1), real.flip(3), real)

        # Discriminator step (hinge loss).
        z = torch.randn(args.batch, args.z_dim, device=device)
        with torch.no_grad():
            fake = gen(z)
        d_real = disc(diff_augment(real, args.augment))
        d_fake = disc(diff_augment(fake, args.augment))
        if args.loss == "hinge":
            loss_d = F.relu(1 - d_real).mean() + F.relu(1 + d_fake).mean()
        else:
            loss_d = F.softplus(-d_real).mean() + F.softplus(d_fake).mean()
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()

        # Generator step.
        z = torch.randn(args.batch, args.z_dim, device=device)
        d_gen = disc(diff_augment(gen(z), args.augment))
        loss_g = -d_gen.mean() if args.loss == "hinge" else F.softplus(-d_gen).mean()
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        update_ema(ema, gen, args.ema if step > 500 else 0.0 if step < 100 else 0.99)

        step += 1
        window_steps += 1
        if step % args.log_every == 0:
            now = time.monotonic()
            record = {
                "step": step, "minutes": round((now - started) / 60, 2),
                "loss_d": round(loss_d.item(), 4), "loss_g": round(loss_g.item(), 4),
                "d_real": round(d_real.mean().item(), 4), "d_fake": round(d_fake.mean().item(), 4),
                "seconds_per_step": round((now - window_start) / window_steps, 3),
                "images_seen": step * args.batch,
            }
            log.write(json.dumps(record) + "\n")
            log.flush()
            print(json.dumps(record), flush=True)
            window_start, window_steps = now, 0
        if step % args.sample_every == 0:
            with torch.no_grad():
                ema.train()  # batch statistics for the grid; export recalibrates BN properly
                save_grid(ema(fixed_z), args.out / "samples" / f"step-{step:06d}.png")
                ema.eval()
        if time.monotonic() - last_checkpoint > args.checkpoint_minutes * 60:
            save_checkpoint()
            last_checkpoint = time.monotonic()

    save_checkpoint()
    with torch.no_grad():
        ema.train()
        save_grid(ema(fixed_z), args.out / "samples" / f"step-{step:06d}.png")
    print(f"train: done at step {step}, {(time.monotonic() - started) / 60:.1f} min; "
          f"checkpoint {checkpoint_path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
