"""Prepare aligned face crops from a folder of portrait images and a manifest.

The crops, manifest.csv and report.json are made by likeness_training/crops.py (its docstring
describes the alignment and the license rule).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from likeness_training.crops import PrepareError, prepare


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=Path("../shared/datasets/met-portraits"))
    parser.add_argument("--out", type=Path, default=Path(".cache/crops-256"))
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--min-side", type=int, default=112, help="drop faces whose crop square is smaller (px)")
    parser.add_argument("--max-outside", type=float, default=0.35, help="drop crops mostly outside the painting")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int, help="only the first N faces (for tests)")
    args = parser.parse_args(argv)
    try:
        report = prepare(args.dataset, args.out, args.size, args.min_side, args.max_outside, args.workers, args.limit)
    except PrepareError as error:
        print(f"prepare: {error}", file=sys.stderr)
        return 2
    print(f"kept {report['kept']} of {report['faces_listed']} faces "
          f"({report['kept_objects']} paintings); dropped: {report['dropped'] or 'none'}")
    print(f"crops, manifest.csv and report.json in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
