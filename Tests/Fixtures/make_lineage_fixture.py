#!/usr/bin/env python3
"""Golden fixtures for the lineage extractor contract (LikenessEngine.LineageExtractor).

Writes Tests/Fixtures/models/tiny-lineage.onnx (the shipped extractor's architecture, Models/training/
likeness_training/lineage.py, with fixed random weights and a random 16-number head) and its input and
ONNX Runtime output (tiny-lineage.in.f32 / .out.f32, two pictures one after the other), and the same
input/output pair for the shipped Models/met-portraits-128/lineage.onnx (lineage-128.in.f32 / .out.f32).
Run from the repository root: .venv/bin/python Tests/Fixtures/make_lineage_fixture.py
"""
from pathlib import Path

import numpy as np
import torch

from likeness_training import lineage as L

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests/Fixtures/models"


def pictures(seed: int, count: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.tanh(rng.standard_normal((count, 3, L.INPUT_SIZE, L.INPUT_SIZE)).astype(np.float32))


def write(name: str, onnx_path: Path, seed: int) -> None:
    x = pictures(seed)
    y = L.run_onnx(onnx_path, x)
    x.astype("<f4").tofile(OUT / f"{name}.in.f32")
    y.astype("<f4").tofile(OUT / f"{name}.out.f32")
    print(f"{name}: {x.shape} -> {y.shape}")


def main() -> None:
    torch.manual_seed(3)
    body = L.make_extractor("randconv", seed=3).eval()
    rng = np.random.default_rng(3)
    features = 96 * 16
    w = (rng.standard_normal((16, features)) / np.sqrt(features)).astype(np.float32)
    b = rng.standard_normal(16).astype(np.float32) * 0.1
    path = OUT / "tiny-lineage.onnx"
    L.export_extractor(L.WithHead(body, w, b), path, {"name": "tiny-lineage", "credit": "test fixture"})
    write("tiny-lineage", path, seed=4)
    shipped = ROOT / "Models/met-portraits-128" / L.EXTRACTOR_FILE
    if shipped.exists():
        write("lineage-128", shipped, seed=5)


if __name__ == "__main__":
    main()
