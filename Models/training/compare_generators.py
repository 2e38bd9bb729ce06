#!/usr/bin/env python3
"""Compare a generator with the one before it (SWD at 256/128/64/32, face structure, face-space
Fréchet distance, memorisation) and draw compare-v1.png and samples.png; see
likeness_training/generator_compare.py.

    python Models/training/compare_generators.py --model Models/NEW/model.onnx \
        --baseline Models/met-portraits-128/model.onnx --crops .cache/crops-256 --out Models/NEW
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from likeness_training.generator_compare import compare


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", type=Path, required=True)
    p.add_argument("--baseline", type=Path, default=Path("Models/met-portraits-128/model.onnx"))
    p.add_argument("--crops", type=Path, default=Path(".cache/crops-256"))
    p.add_argument("--out", type=Path, help="folder for the pictures and metrics-compare.json (default: the model's)")
    p.add_argument("--samples", type=int, default=1000)
    p.add_argument("--seed", type=int, default=2026)
    args = p.parse_args(argv)
    for path in (args.model, args.baseline):
        if not path.is_file():
            print(f"compare: {path} not found", file=sys.stderr)
            return 2
    result = compare(args.model, args.baseline, args.crops, args.out or args.model.parent, args.samples, args.seed)
    print(json.dumps({k: result[k] for k in ("swd_x1e3", "face_frechet", "landmark_frechet", "faces", "memorization", "swd_ratio_mean")},
                     indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
