#!/usr/bin/env python3
"""Training throughput: images per second (one discriminator and one generator step together) of
generator recipes on this machine, each run as a real `train.py` for a few steps, side by side.

    python Models/training/bench_training.py --crops .cache/crops-256 --steps 30

Prints a Markdown table (recipe, processes x threads, images/s, seconds per step, ratio to the first
row). Every candidate runs the same train.py the real runs use, so what is measured is what trains.
"""
from __future__ import annotations

import argparse
import shlex
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from likeness_training.gan import read_log

HERE = Path(__file__).resolve().parent

CANDIDATES = [
    ("v1 today (fp32, 2 threads)", 1, ["--arch", "v1", "--threads", "2"]),
    ("v2 fp32, 2 threads", 1, ["--threads", "2"]),
    ("v2 bf16 autocast", 1, ["--threads", "2", "--precision", "bf16"]),
    ("v2 channels_last", 1, ["--threads", "2", "--channels-last"]),
    ("v2 bf16 + channels_last", 1, ["--threads", "2", "--precision", "bf16", "--channels-last"]),
    ("v2 fused Adam", 1, ["--threads", "2", "--fused-adam"]),
    ("v2 batch 32", 1, ["--threads", "2", "--batch", "32"]),
    ("v2 torchrun 2 x 1 thread (gloo)", 2, ["--threads", "1"]),
    ("v2 torch.compile", 1, ["--threads", "2", "--compile"]),
    ("v2 bf16 + channels_last + fused Adam", 1, ["--threads", "2", "--precision", "bf16", "--channels-last",
                                                  "--fused-adam"]),
    ("v2 bf16 + channels_last, torchrun 2 x 1", 2, ["--threads", "1", "--precision", "bf16", "--channels-last"]),
]


def measure(crops: Path, processes: int, flags: list[str], steps: int, warmup: int) -> tuple[float, float]:
    """(images per second, seconds per step): medians over the steps after the warm-up."""
    with tempfile.TemporaryDirectory() as out:
        common = ["--crops", str(crops), "--out", out, "--steps", str(steps + warmup), "--log-every", "1",
                  "--sample-every", "1000000", "--checkpoint-minutes", "1000"]
        script = str(HERE / "train.py")
        if processes > 1:
            command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                       f"--nproc_per_node={processes}", script, *common, *flags]
        else:
            command = [sys.executable, script, *common, *flags]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"{shlex.join(command)} failed:\n{result.stderr[-2000:]}")
        records = read_log(Path(out) / "log.jsonl")
    batch = int(flags[flags.index("--batch") + 1]) if "--batch" in flags else 16
    seconds = statistics.median(r["seconds_per_step"] for r in records[warmup:])
    return batch / seconds, seconds


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--crops", type=Path, default=Path(".cache/crops-256"))
    p.add_argument("--steps", type=int, default=30, help="timed steps per candidate")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--only", help="comma-separated row numbers (1-based) to run")
    args = p.parse_args(argv)
    rows = list(enumerate(CANDIDATES, 1))
    if args.only:
        keep = {int(x) for x in args.only.split(",")}
        rows = [r for r in rows if r[0] in keep]
    print("| # | recipe | processes | images/s | s/step | vs first |")
    print("|---|---|---|---|---|---|")
    first = None
    for number, (name, processes, flags) in rows:
        warmup = args.warmup * (4 if "--compile" in flags else 1)
        try:
            rate, seconds = measure(args.crops, processes, flags, args.steps, warmup)
        except RuntimeError as error:
            print(f"| {number} | {name} | {processes} | failed | | |", flush=True)
            print(str(error), file=sys.stderr)
            continue
        first = first or rate
        print(f"| {number} | {name} | {processes} | {rate:.1f} | {seconds:.3f} | {rate / first:.2f}x |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
