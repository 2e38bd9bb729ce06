#!/usr/bin/env python3
"""Side-by-side speed of the same .onnx in ONNX Runtime, PyTorch (optional) and Likeness.

    .venv/bin/python Models/training/bench_reference.py [--model PATH] [--threads 2] [--batch 1]

ONNX Runtime runs with intra_op_num_threads=T, inter_op_num_threads=1, sequential execution and
all graph optimizations. Likeness runs through the built `likeness bench` binary (release build,
`swift build -c release`) with the same model, batch and thread count. With --torch MODULE:FACTORY
the PyTorch model that the .onnx came from is timed too (torch.set_num_threads(T)).
Both outputs are compared on the same latents (max |difference|, via `likeness eval`).
Prints frames per second for each and the ratios.
"""
import argparse
import json
import os
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
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iterations):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, int(round((len(times) - 1) * 0.9)))]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", help="the .onnx to compare (default: the shipped model, else .cache/bench-128.onnx)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--iterations", type=int, default=50)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--likeness", default=os.path.join(ROOT, ".build", "release", "likeness"), help="the likeness binary")
    p.add_argument("--torch", help="optional MODULE:FACTORY returning the torch.nn.Module the .onnx was exported from")
    args = p.parse_args()

    import onnxruntime as ort

    model = os.path.abspath(args.model or default_model())
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
    ort_med, ort_p90 = time_calls(lambda: sess.run(None, {inp.name: z}), args.iterations, args.warmup)
    ort_fps = args.batch / ort_med

    rows = [("onnxruntime " + ort.__version__, ort_med / args.batch * 1e3, ort_p90 / args.batch * 1e3, ort_fps)]

    if args.torch:
        import importlib
        import torch
        torch.set_num_threads(args.threads)
        module_name, factory = args.torch.split(":")
        net = getattr(importlib.import_module(module_name), factory)().eval()
        zt = torch.from_numpy(z)
        with torch.inference_mode():
            t_med, t_p90 = time_calls(lambda: net(zt), args.iterations, args.warmup)
        rows.append(("pytorch " + torch.__version__, t_med / args.batch * 1e3, t_p90 / args.batch * 1e3, args.batch / t_med))

    if not os.path.exists(args.likeness):
        sys.exit(f"{args.likeness} not found; build it with `swift build -c release` first")
    bench = subprocess.run(
        [args.likeness, "bench", "--model", model, "--batch", str(args.batch), "--threads", str(args.threads),
         "--iterations", str(args.iterations), "--warmup", str(args.warmup), "--json", "--no-sgemm"],
        check=True, capture_output=True, text=True)
    result = json.loads(bench.stdout.strip().splitlines()[-1])
    rows.append((f"likeness ({result['threading']} threading)", result["ms_median"], result["ms_p90"], result["fps"]))

    # Accuracy on the same latents.
    with tempfile.TemporaryDirectory() as tmp:
        zpath, opath = os.path.join(tmp, "z.f32"), os.path.join(tmp, "out.f32")
        z.astype("<f4").tofile(zpath)
        subprocess.run([args.likeness, "eval", "--model", model, "--input", zpath, "--output", opath, "--threads", str(args.threads)],
                       check=True)
        ours = np.fromfile(opath, dtype="<f4").reshape(ort_out.shape)
    max_diff = float(np.abs(ours - ort_out).max())

    print(f"model    {os.path.relpath(model, ROOT)}  ({result['gflop_per_frame']:.3f} GFLOP/frame)")
    print(f"setting  batch {args.batch}, {args.threads} thread(s), {args.iterations} iterations after {args.warmup} warm-up")
    print(f"{'runtime':<34}{'ms/frame med':>14}{'p90':>10}{'frames/s':>11}{'vs ORT':>9}")
    for name, med, p90, fps in rows:
        print(f"{name:<34}{med:>14.3f}{p90:>10.3f}{fps:>11.2f}{fps / ort_fps:>8.2f}x")
    print(f"max |likeness - onnxruntime| on the image: {max_diff:.2e}")
    print(f"likeness peak RSS {result['peak_rss_bytes'] / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
