"""bench_reference.py against the built binary: a generator and a detail stage side by side with ONNX Runtime."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "Scripts" / "bench_reference.py"
MODELS = REPO / "Tests" / "Fixtures" / "models"


def test_a_generator_and_a_detail_stage_are_timed_against_onnx_runtime_and_agree():
    binary = Path(os.environ.get("LIKENESS_BIN", REPO / ".build" / "debug" / "likeness"))
    if not binary.is_file():
        pytest.fail(f"{binary} not found: build the Swift package first (`swift build`, as `make test` does)")
    run = subprocess.run(
        [sys.executable, str(BENCH), "--model", str(MODELS / "tiny-generator.onnx"),
         "--model", str(MODELS / "tiny-stage-32.onnx"), "--likeness", str(binary), "--threads", "1",
         "--iterations", "2", "--warmup", "1", "--rounds", "1"],
        capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "generator, batch 1" in out and "detail stage [1, 3, 32, 32] -> [1, 3, 64, 64]" in out, out
    diffs = [float(x) for x in re.findall(r"max \|likeness - onnxruntime\| on the \w+: (\S+)", out)]
    assert len(diffs) == 2 and max(diffs) <= 1e-4, out
    summary = out.split("ORT ms")[1].splitlines()
    assert len([line for line in summary if "tiny-" in line]) == 2 and "one after the other" in out, out


def test_a_missing_model_is_one_clear_line():
    run = subprocess.run([sys.executable, str(BENCH), "--model", "/nonexistent.onnx",
                          "--likeness", sys.executable], capture_output=True, text=True, timeout=120)
    assert run.returncode != 0 and "model '/nonexistent.onnx' not found" in run.stderr
