"""End to end: prepare a handful of crops -> a few training steps -> export -> card ->
the Swift engine (`likeness eval`) renders the model and matches ONNX Runtime."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, TRAINING
from likeness_training import crops
from likeness_training.commands import card, export


def likeness_binary() -> Path:
    path = Path(os.environ.get("LIKENESS_BIN", REPO / ".build" / "debug" / "likeness"))
    if not path.is_file():
        pytest.fail(f"{path} not found: build the Swift package first (`swift build`, as `make test` does)")
    return path


def train(*flags: str) -> int:
    """train.py as `make train` runs it (it is a script beside the package, not a module of it)."""
    run = subprocess.run([sys.executable, str(TRAINING / "train.py"), *flags], capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr
    return run.returncode


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, dataset):
    root = tmp_path_factory.mktemp("pipeline")
    report = crops.prepare(dataset, root / "crops", size=64, min_side=64, workers=1, limit=8)
    assert report["kept"] >= 4
    run = root / "run"
    assert train("--crops", str(root / "crops"), "--out", str(run), "--size", "64", "--g-base", "64",
                 "--d-base", "16", "--batch", "4", "--steps", "3", "--log-every", "1",
                 "--sample-every", "2", "--threads", "2", "--device", "cpu") == 0
    return root, run


def test_training_writes_checkpoint_log_and_samples(tiny_run):
    _, run = tiny_run
    assert (run / "checkpoint.pt").is_file()
    log = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == [1, 2, 3]
    assert all(np.isfinite(r["loss_d"]) and np.isfinite(r["loss_g"]) for r in log)
    assert (run / "samples" / "step-000002.png").is_file()


def test_resume_continues_from_the_checkpoint(tiny_run, tmp_path):
    _, run = tiny_run
    import shutil
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    root = run.parent
    assert train("--crops", str(root / "crops"), "--out", str(copy), "--size", "64", "--g-base", "64",
                 "--d-base", "16", "--batch", "4", "--steps", "5", "--log-every", "1",
                 "--threads", "2", "--device", "cpu", "--resume") == 0
    steps = [json.loads(line)["step"] for line in (copy / "log.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3, 4, 5]


def test_export_card_and_swift_engine_match_onnx_runtime(tiny_run, tmp_path):
    import onnx
    import onnxruntime as ort
    root, run = tiny_run
    model = tmp_path / "tiny" / "model.onnx"
    assert export.main(["--checkpoint", str(run / "checkpoint.pt"), "--out", str(model), "--bn-batches", "4"]) == 0
    assert card.main(["--model", str(model), "--name", "tiny-test", "--crops", str(root / "crops"),
                      "--run", str(run)]) == 0
    props = {p.key: p.value for p in onnx.load(str(model)).metadata_props}
    meta = json.loads(props["likeness.card"])
    assert meta["name"] == "tiny-test"
    assert meta["data"]["faces_kept"] >= 4 and meta["data"]["met_object_ids"]
    assert "Metropolitan Museum" in meta["credit"] and props["likeness.credit"] == meta["credit"]
    assert (model.parent / "MODEL_CARD.md").read_text().startswith("# tiny-test")

    z = np.random.default_rng(5).standard_normal((3, 128)).astype(np.float32)
    expected = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"]).run(["image"], {"z": z})[0]
    (tmp_path / "z.f32").write_bytes(z.tobytes())
    result = subprocess.run([str(likeness_binary()), "eval", "--model", str(model), "--input", str(tmp_path / "z.f32"),
                             "--output", str(tmp_path / "image.f32")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    got = np.fromfile(tmp_path / "image.f32", dtype="<f4").reshape(expected.shape)
    diff = np.abs(got - expected)
    assert diff.max() <= 1e-4, f"max |diff| {diff.max():.3e} at {np.unravel_index(diff.argmax(), diff.shape)}"
