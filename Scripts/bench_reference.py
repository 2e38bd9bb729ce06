#!/usr/bin/env python3
"""Side-by-side speed of the same .onnx in ONNX Runtime, PyTorch (optional) and Likeness.

    .venv/bin/python Scripts/bench_reference.py [--model PATH ...] [--stages] [--threads 2] [--batch 1] [--rounds 3]

ONNX Runtime runs with intra_op_num_threads=T, inter_op_num_threads=1, sequential execution and
all graph optimizations. Likeness runs through the built `likeness bench` binary (release build,
`swift build -c release`) with the same model, batch and thread count. PyTorch is timed too
(torch.set_num_threads(T), inference mode) when the model comes from our pipeline: with
--checkpoint RUN/checkpoint.pt (the EMA generator the .onnx was exported from), or with
--torch MODULE:FACTORY for any other module.

The runtimes take turns for --rounds rounds (each round times every runtime once), so a change in
the machine's load falls on all of them; the table shows each runtime's median over the rounds.
Both outputs are compared on the same latents (max |difference|, via `likeness eval`).

A detail stage (an image input [1, 3, H, W]; Docs/engine.md, "The model contract") is timed the same way on
a random picture in [-1, 1] (seeded), at its fixed batch of 1. `--model` may be repeated; `--stages`
adds the shipped chain (the generator, Models/met-refiner-256 and Models/met-painter-1024, as far as
they exist), each compared on its own and summed up in one table at the end.
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

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


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


SHIPPED = ("Models/met-portraits-128/model.onnx", "Models/met-refiner-256/model.onnx", "Models/met-painter-1024/model.onnx")


def model_input(inp, batch, rng):
    """A seeded input for the session's input: latents [batch, zDim], or a picture [1, 3, H, W] in [-1, 1]."""
    if len(inp.shape) == 4:
        if not all(isinstance(d, int) for d in inp.shape[1:]):
            sys.exit(f"a detail stage's input must have a fixed shape, not {inp.shape}")
        return rng.uniform(-1, 1, (1, *inp.shape[1:])).astype(np.float32)
    return rng.standard_normal((batch, inp.shape[1])).astype(np.float32)


def torch_module(args):
    """The PyTorch generator to time, or None."""
    if args.checkpoint:
        from pathlib import Path

        from likeness_training.generator_onnx import load_ema
        gen, _ = load_ema(Path(args.checkpoint))
        return gen.eval()
    if args.torch:
        import importlib
        module_name, factory = args.torch.split(":")
        return getattr(importlib.import_module(module_name), factory)().eval()
    return None


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", action="append", default=[],
                   help="an .onnx to compare, a generator or a detail stage (repeat for several; default: the shipped "
                        "generator, else .cache/bench-128.onnx)")
    p.add_argument("--stages", action="store_true", help="also every shipped model of the chain (generator, refiner, painter)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=1, help="frames per call (generators; a detail stage runs at 1)")
    p.add_argument("--iterations", type=int, default=50)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--rounds", type=int, default=3, help="times each runtime is timed, taking turns")
    p.add_argument("--likeness", default=os.path.join(ROOT, ".build", "release", "likeness"), help="the likeness binary")
    p.add_argument("--checkpoint", help="a training checkpoint (train.py) whose EMA generator the .onnx was exported from")
    p.add_argument("--torch", help="MODULE:FACTORY returning the torch.nn.Module the .onnx was exported from")
    return p.parse_args()


def compare(args, model, ort):
    """Times one model in ONNX Runtime (and PyTorch when given) and Likeness, taking turns; prints its table and
    returns (name, ORT ms, Likeness ms, max |difference|)."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = args.threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    rng = np.random.default_rng(1)
    z = model_input(inp, args.batch, rng)
    stage = len(inp.shape) == 4
    batch = z.shape[0]
    ort_out = sess.run(None, {inp.name: z})[0]

    net = None if stage else torch_module(args)
    if net is not None:
        import torch
        torch.set_num_threads(args.threads)
        zt = torch.from_numpy(z)

    def time_likeness():
        command = [args.likeness, "bench", "--model", model, "--threads", str(args.threads), "--iterations",
                   str(args.iterations), "--warmup", str(args.warmup), "--json", "--no-sgemm"]
        if not stage:
            command += ["--batch", str(batch)]
        bench = subprocess.run(command, check=True, capture_output=True, text=True)
        result = json.loads(bench.stdout.strip().splitlines()[-1])
        return result["ms_median"] / 1e3 * batch, result["ms_p90"] / 1e3 * batch, result["cpu_ms"] / 1e3 * batch, result

    # Each round: ORT, PyTorch, Likeness, one after the other. Per runtime: (median, p90, cpu) per round.
    timings = {"ort": [], "torch": [], "likeness": []}
    result = None
    for _ in range(args.rounds):
        timings["ort"].append(time_calls(lambda: sess.run(None, {inp.name: z}), args.iterations, args.warmup))
        if net is not None:
            import torch
            with torch.inference_mode():
                timings["torch"].append(time_calls(lambda: net(zt), args.iterations, args.warmup))
        med, p90, cpu, result = time_likeness()
        timings["likeness"].append((med, p90, cpu))

    def summary(runs):
        return tuple(statistics.median(r[i] for r in runs) for i in range(3))

    names = {"ort": "onnxruntime " + ort.__version__, "likeness": f"likeness ({result.get('threading', 'layer')} threading)"}
    if net is not None:
        import torch
        names["torch"] = "pytorch " + torch.__version__
    ort_med, _, ort_cpu = summary(timings["ort"])
    ort_fps, ort_cpu_ms = batch / ort_med, ort_cpu / batch * 1e3

    # Accuracy on the same input.
    with tempfile.TemporaryDirectory() as tmp:
        zpath, opath = os.path.join(tmp, "z.f32"), os.path.join(tmp, "out.f32")
        z.astype("<f4").tofile(zpath)
        subprocess.run([args.likeness, "eval", "--model", model, "--input", zpath, "--output", opath, "--threads", str(args.threads)],
                       check=True)
        ours = np.fromfile(opath, dtype="<f4").reshape(ort_out.shape)
    max_diff = float(np.abs(ours - ort_out).max())

    kind = f"detail stage {list(inp.shape)} -> {list(ort_out.shape)}" if stage else f"generator, batch {batch}"
    print(f"model    {os.path.relpath(model, ROOT)}  ({result['gflop_per_frame']:.3f} GFLOP/frame; {kind})")
    print(f"setting  {args.threads} thread(s), {args.rounds} round(s) of {args.iterations} iterations "
          f"after {args.warmup} warm-up; likeness kernels: {result.get('kernels', '?')}")
    print(f"{'runtime':<34}{'ms/frame med':>14}{'p90':>10}{'frames/s':>11}{'vs ORT':>9}{'cpu ms/frame':>14}{'vs ORT':>9}")
    ours_ms = None
    for key in ("ort", "torch", "likeness"):
        if not timings[key]:
            continue
        med, p90, cpu = summary(timings[key])
        fps, cpu_ms = batch / med, cpu / batch * 1e3
        if key == "likeness":
            ours_ms = med / batch * 1e3
        print(f"{names[key]:<34}{med / batch * 1e3:>14.3f}{p90 / batch * 1e3:>10.3f}{fps:>11.2f}"
              f"{fps / ort_fps:>8.2f}x{cpu_ms:>14.3f}{ort_cpu_ms / cpu_ms:>8.2f}x")
    print("(vs ORT: speed-up, higher is better; the CPU-time ratio is the fair one when other work shares the cores)")
    print(f"max |likeness - onnxruntime| on the {'picture' if stage else 'image'}: {max_diff:.2e}")
    print(f"likeness peak RSS {result['peak_rss_bytes'] / 2**20:.1f} MiB")
    return os.path.relpath(model, ROOT), ort_med / batch * 1e3, ours_ms, max_diff


def main():
    args = parse()
    import onnxruntime as ort

    models = list(args.model)
    if args.stages:
        models += [os.path.join(ROOT, m) for m in SHIPPED if os.path.exists(os.path.join(ROOT, m))]
    if not models:
        models = [default_model()]
    models = list(dict.fromkeys(os.path.abspath(m) for m in models))
    if not os.path.exists(args.likeness):
        sys.exit(f"{args.likeness} not found; build it with `swift build -c release` first")
    for m in models:
        if not os.path.exists(m):
            sys.exit(f"model '{m}' not found")
    rows = []
    for i, m in enumerate(models):
        if i:
            print()
        rows.append(compare(args, m, ort))
    if len(rows) > 1:
        print(f"\n{'model':<40}{'ORT ms':>10}{'Likeness ms':>13}{'speed-up':>10}{'max |diff|':>12}")
        for name, ort_ms, ours_ms, diff in rows:
            print(f"{name:<40}{ort_ms:>10.2f}{ours_ms:>13.2f}{ort_ms / ours_ms:>9.2f}x{diff:>12.1e}")
        total_ort, total_ours = sum(r[1] for r in rows), sum(r[2] for r in rows)
        print(f"{'all of them, one after the other':<40}{total_ort:>10.2f}{total_ours:>13.2f}{total_ort / total_ours:>9.2f}x")


if __name__ == "__main__":
    main()
