"""Train a Likeness portrait generator on aligned face crops (made by prepare.py).

One script for one process or many: `python train.py …`, or `torchrun --nproc_per_node K train.py …`
on one machine, or `torchrun --nnodes M --nproc_per_node K --rdzv-backend c10d --rdzv-endpoint HOST:PORT
train.py …` across machines (gloo on CPUs, NCCL on GPUs). `--batch` is the global batch, split over the
processes.

Recipes (`--arch`): v2 (default; 128 px FastGAN-style, grid-free, adaptive augmentation, see
likeness_training/fastgan.py) and v1 (the DCGAN-style generator of met-portraits-128).

Outputs in --out (default .cache/run): checkpoint.pt (everything needed to continue exactly, written
every --checkpoint-minutes; `--resume` continues, and the card lists each leg), log.jsonl (losses,
augmentation strength, images/s per logged step), samples/step-NNNNNN.png (8x8 EMA samples with fixed
latents), config.json (the full recipe, for the model card).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from likeness_training.gan import TrainingError, train


def parse(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--crops", type=Path, default=Path(".cache/crops-256"))
    p.add_argument("--out", type=Path, default=Path(".cache/run"))
    p.add_argument("--arch", default="v2", choices=["v1", "v2"], help="the recipe (see the doc above)")
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--z-dim", type=int, default=128)
    p.add_argument("--g-base", type=int, default=None, help="generator channels at 4x4 (v1 384, v2 192)")
    p.add_argument("--d-base", type=int, default=None, help="discriminator channels at full resolution (v1 24, v2 32)")
    p.add_argument("--batch", type=int, default=16, help="images per step, all processes together")
    p.add_argument("--lr-g", type=float, default=2e-4)
    p.add_argument("--lr-d", type=float, default=2e-4)
    p.add_argument("--beta1", type=float, default=0.5)
    p.add_argument("--beta2", type=float, default=0.999)
    p.add_argument("--ema", type=float, default=0.999, help="EMA decay of the generator weights")
    p.add_argument("--augment", default="color,translation,cutout", help="DiffAugment policy")
    p.add_argument("--ada-target", type=float, default=0.6, help="v2: the r_t the augmentation strength steers to")
    p.add_argument("--ada-images", type=int, default=100_000, help="v2: images for the strength to move by 1")
    p.add_argument("--ada-start", type=float, default=0.2, help="v2: the augmentation probability at step 0")
    p.add_argument("--recon-weight", type=float, default=1.0, help="v2: weight of D's reconstruction loss")
    p.add_argument("--precision", default="fp32", choices=["fp32", "bf16"], help="bf16: autocast the convolutions")
    p.add_argument("--channels-last", action="store_true", help="NHWC tensors (measured: see Docs/training.md)")
    p.add_argument("--fused-adam", action="store_true", help="PyTorch's fused Adam kernels")
    p.add_argument("--compile", action="store_true", help="torch.compile the training modules")
    p.add_argument("--steps", type=int, default=1_000_000, help="stop after this many steps in all")
    p.add_argument("--minutes", type=float, default=110.0, help="stop after this much time in this leg")
    p.add_argument("--sample-every", type=int, default=250)
    p.add_argument("--checkpoint-minutes", type=float, default=5.0)
    p.add_argument("--checkpoint-steps", type=int, default=0, help="also checkpoint every N steps (0: only by time)")
    p.add_argument("--log-every", type=int, default=25)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=0, help="CPU threads per process (0: PyTorch's default)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt with its recipe")
    p.add_argument("--d-norm", default="batch", choices=["batch", "spectral"], help="v1: discriminator normalisation")
    p.add_argument("--loss", default=None, choices=["nonsaturating", "hinge"], help="v1 nonsaturating, v2 hinge")
    p.add_argument("--no-minibatch-std", action="store_true", help="v1: leave out the minibatch-stddev feature in D")
    args = p.parse_args(argv)
    v1 = args.arch == "v1"
    args.g_base = args.g_base or (384 if v1 else 192)
    args.d_base = args.d_base or (24 if v1 else 32)
    args.loss = args.loss or ("nonsaturating" if v1 else "hinge")
    return args


def main(argv=None) -> int:
    try:
        return train(parse(argv))
    except TrainingError as error:
        print(f"train: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
