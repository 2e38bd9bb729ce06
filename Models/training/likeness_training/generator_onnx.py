"""A trained Likeness generator (the EMA weights) as ONNX under the engine's contract (`export.py` runs it).

Contract: one input `z` float32 [N, zDim], one output `image` float32 [N, 3, H, W] in [-1, 1],
opset 17, batch size dynamic (`N`). Before export the EMA generator's batch-norm statistics are
recalibrated: the running statistics seen in training belong to the raw generator, not to its
moving average, so they are recomputed from many forward passes of the EMA weights in training mode
(a cumulative average, momentum None), then the model is put in eval mode.

Checks: onnx.checker, then ONNX Runtime against PyTorch on the same latents (max |difference| <=
1e-4, else the export fails). The model card (card.py) is attached afterwards, once evaluated.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from likeness_training.gan import build_generator


def load_ema(checkpoint: Path) -> tuple[torch.nn.Module, dict]:
    """The EMA generator of a training checkpoint (v1 or v2; checkpoints from before v2 name no arch)."""
    if not checkpoint.is_file():
        raise SystemExit(f"export: {checkpoint} not found; train first (train.py)")
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    config = {"arch": "v1", **state["config"]}
    gen = build_generator(config)
    gen.load_state_dict(state["ema"])
    return gen, {**config, "steps": state["step"], "elapsed_seconds": state["elapsed_seconds"]}


@torch.no_grad()
def recalibrate_batch_norm(gen: torch.nn.Module, batches: int = 100, batch: int = 64, seed: int = 0) -> None:
    """Recompute every BatchNorm's running mean/var as the average over `batches` random batches."""
    norms = [m for m in gen.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None
    gen.train()
    rng = torch.Generator().manual_seed(seed)
    for _ in range(batches):
        gen(torch.randn(batch, gen.z_dim, generator=rng))
    gen.eval()


def export(gen: torch.nn.Module, path: Path, opset: int = 17) -> None:
    gen.eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        gen, (torch.randn(1, gen.z_dim),), str(path),
        input_names=["z"], output_names=["image"], opset_version=opset,
        dynamic_axes={"z": {0: "N"}, "image": {0: "N"}}, do_constant_folding=True, dynamo=False,
    )


def verify(gen: torch.nn.Module, path: Path, tolerance: float = 1e-4) -> float:
    """onnx.checker plus ONNX Runtime vs PyTorch; returns max |difference|."""
    import onnx
    import onnxruntime as ort
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    z = torch.randn(4, gen.z_dim, generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        expected = gen(z).numpy()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(["image"], {"z": z.numpy()})[0]
    diff = float(np.abs(got - expected).max())
    if diff > tolerance:
        raise SystemExit(f"export: ONNX Runtime differs from PyTorch by {diff:.2e} > {tolerance:.0e}")
    return diff
