"""Export a trained Likeness generator (the EMA weights) to ONNX under the engine's contract.

The contract, the batch-norm recalibration and the checks are likeness_training/generator_onnx.py's;
the model card (card.py) is attached afterwards, once evaluated.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from likeness_training.generator_onnx import export, load_ema, recalibrate_batch_norm, verify


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--checkpoint", type=Path, default=Path(".cache/run/checkpoint.pt"))
    p.add_argument("--out", type=Path, default=Path("Models/met-portraits-128/model.onnx"))
    p.add_argument("--bn-batches", type=int, default=100)
    args = p.parse_args(argv)
    gen, config = load_ema(args.checkpoint)
    recalibrate_batch_norm(gen, args.bn_batches)
    export(gen, args.out)
    diff = verify(gen, args.out)
    size_mb = args.out.stat().st_size / 2**20
    print(f"export: {args.out} ({size_mb:.1f} MB); ONNX Runtime vs PyTorch max |diff| {diff:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
