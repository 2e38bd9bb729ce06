#!/usr/bin/env python3
"""Side-by-side speed of the same .onnx in ONNX Runtime, PyTorch (optional) and Likeness.

    .venv/bin/python Models/training/bench_reference.py [--model PATH] [--threads 2] [--batch 1] [--rounds 3]

ONNX Runtime runs with intra_op_num_threads=T, inter_op_num_threads=1, sequential execution and
all graph optimizations. Likeness runs through the built `likeness bench` binary (release build,
`swift build -c release`) with the same model, batch and thread count. PyTorch is timed too
(torch.set_num_threads(T), inference mode) when the model comes from our pipeline: with
--checkpoint RUN/checkpoint.pt (the EMA generator the .onnx was exported from), or with
--torch MODULE:FACTORY for any other module.

The runtimes take turns for --rounds rounds (each round times every runtime once), so a change in
the machine's load falls on all of them; the table shows each runtime's median over the rounds.
Both outputs are compared on the same latents (max |difference|, via `likeness eval`).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def default_model():
    for path in ("Models/met-portraits-128/model.onnx", ".cache/bench-128.onnx"):
        if os.path.exists(os.path.join(ROOT, path)):
            return os.path.join(ROOT, path)
    script = os.path.join(ROOT, "Tests", "Fixtures", "make_fixtures.py")
    subprocess.run([sys.executable, script, "--bench"], check=True)
    return os.path.join(ROOT, ".cache", "bench-128.onnx")


def time_calls(fn, iterations, warmup):
    """Median and p90 wall seconds per call, and CPU seconds per call (all threads)."""
    for _ in range(warmup):
        fn()
    times = []
    cpu0 = time.process_time()
    for _ in range(iterations):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    cpu = (time.process_time() - cpu0) / iterations
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, int(round((len(times) - 1) * 0.9)))], cpu


def torch_module(args):
    """The PyTorch generator to time, or None."""
    if args.checkpoint:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from export import load_ema
        from pathlib import Path
        gen, _ = load_ema(Path(args.checkpoint))
        return gen.eval()
    if args.torch:
        import importlib
        module_name, factory = args.torch.split(":")
        return getattr(importlib.import_module(module_name), factory)().eval()
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", help="the .onnx to compare (default: the shipped model, else .cache/bench-128.onnx)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--iterations", type=int, default=50)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--rounds", type=int, default=3, help="times each runtime is timed, taking turns")
    p.add_argument("--likeness", default=os.path.join(ROOT, ".build", "release", "likeness"), help="the likeness binary")
    p.add_argument("--checkpoint", help="a training checkpoint (train.py) whose EMA generator the .onnx was exported from")
    p.add_argument("--torch", help="MODULE:FACTORY returning the torch.nn.Module the .onnx was exported from")
    args = p.parse_args()

    import onnxruntime as ort

    model = os.path.abspath(args.model or default_model())
    if not os.path.exists(args.likeness):
        sys.exit(f"{args.likeness} not found; build it with `swift build -c release` first")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = args.threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    z_dim = inp.shape[1]
    rng = np.random.default_rng(1)
    z = rng.standard_normal((args.batch, z_dim)).astype(np.float32)
    ort_out = sess.run(None, {inp.name: z})[0]

    net = torch_module(args)
    if net is not None:
        import torch
        torch.set_num_threads(args.threads)
        zt = torch.from_numpy(z)

    def time_likeness():
        bench = subprocess.run(
            [args.likeness, "bench", "--model", model, "--batch", str(args.batch), "--threads", str(args.threads),
             "--iterations", str(args.iterations), "--warmup", str(args.warmup), "--json", "--no-sgemm"],
            check=True, capture_output=True, text=True)
        result = json.loads(bench.stdout.strip().splitlines()[-1])
        return result["ms_median"] / 1e3 * args.batch, result["ms_p90"] / 1e3 * args.batch, result["cpu_ms"] / 1e3 * args.batch, result

    # Each round: ORT, PyTorch, Likeness, one after the other. Per runtime: (median, p90, cpu) per round.
    timings = {"ort": [], "torch": [], "likeness": []}
    result = None
    for _ in range(args.rounds):
        timings["ort"].append(time_calls(lambda: sess.run(None, {inp.name: z}), args.iterations, args.warmup))
        if net is not None:
            with torch.inference_mode():
                timings["torch"].append(time_calls(lambda: net(zt), args.iterations, args.warmup))
        med, p90, cpu, result = time_likeness()
        timings["likeness"].append((med, p90, cpu))

    def summary(runs):
        return tuple(statistics.median(r[i] for r in runs) for i in range(3))

    names = {"ort": "onnxruntime " + ort.__version__, "likeness": f"likeness ({result['threading']} threading)"}
    if net is not None:
        import torch
        names["torch"] = "pytorch " + torch.__version__
    ort_med, _, ort_cpu = summary(timings["ort"])
    ort_fps, ort_cpu_ms = args.batch / ort_med, ort_cpu / args.batch * 1e3

    # Accuracy on the same latents.
    with tempfile.TemporaryDirectory() as tmp:
        zpath, opath = os.path.join(tmp, "z.f32"), os.path.join(tmp, "out.f32")
        z.astype("<f4").tofile(zpath)
        subprocess.run([args.likeness, "eval", "--model", model, "--input", zpath, "--output", opath, "--threads", str(args.threads)],
                       check=True)
        ours = np.fromfile(opath, dtype="<f4").reshape(ort_out.shape)
    max_diff = float(np.abs(ours - ort_out).max())

    print(f"model    {os.path.relpath(model, ROOT)}  ({result['gflop_per_frame']:.3f} GFLOP/frame)")
    print(f"setting  batch {args.batch}, {args.threads} thread(s), {args.rounds} round(s) of {args.iterations} iterations "
          f"after {args.warmup} warm-up; likeness kernels: {result.get('kernels', '?')}")
    print(f"{'runtime':<34}{'ms/frame med':>14}{'p90':>10}{'frames/s':>11}{'vs ORT':>9}{'cpu ms/frame':>14}{'vs ORT':>9}")
    for key in ("ort", "torch", "likeness"):
        if not timings[key]:
            continue
        med, p90, cpu = summary(timings[key])
        fps, cpu_ms = args.batch / med, cpu / args.batch * 1e3
        print(f"{names[key]:<34}{med / args.batch * 1e3:>14.3f}{p90 / args.batch * 1e3:>10.3f}{fps:>11.2f}"
              f"{fps / ort_fps:>8.2f}x{cpu_ms:>14.3f}{ort_cpu_ms / cpu_ms:>8.2f}x")
    print("(vs ORT: speed-up, higher is better; the CPU-time ratio is the fair one when other work shares the cores)")
    print(f"max |likeness - onnxruntime| on the image: {max_diff:.2e}")
    print(f"likeness peak RSS {result['peak_rss_bytes'] / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
