"""Training under torchrun (gloo, 2 processes on localhost), exact resumption after a kill, and the
v2 architecture's pieces (grid-free upsampling, the adaptive augmentation strength)."""
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import TRAINING
from likeness_training.fastgan import AdaptiveAugment, DiscriminatorV2, GeneratorV2
from likeness_training.gan import read_log, truncate_log

TINY = ["--size", "32", "--g-base", "32", "--d-base", "8", "--batch", "4", "--log-every", "1",
        "--sample-every", "1000", "--threads", "1", "--device", "cpu", "--checkpoint-minutes", "1000"]


@pytest.fixture(scope="module")
def tiny_crops(tmp_path_factory) -> Path:
    """Twelve made-up 32 px 'faces' (gradients and discs) with a manifest, no dataset needed."""
    root = tmp_path_factory.mktemp("tiny-crops")
    rng = np.random.default_rng(3)
    with (root / "manifest.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["face_id", "met_object_id", "license"])
        for i in range(12):
            y, x = np.mgrid[0:32, 0:32]
            disc = ((y - 16) ** 2 + (x - 16) ** 2 < rng.integers(40, 120)).astype(np.float32)
            image = np.stack([disc * rng.uniform(80, 250), x * 7.0, y * rng.uniform(2, 7)], axis=-1)
            Image.fromarray(image.clip(0, 255).astype(np.uint8)).save(root / f"f{i}.png")
            writer.writerow([f"f{i}", str(1000 + i), "CC0-1.0"])
    return root


def torchrun(crops: Path, out: Path, *flags: str, processes: int = 2) -> list[str]:
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}",
            str(TRAINING / "train.py"), "--crops", str(crops), "--out", str(out), *TINY, *flags]


def descendants(pid: int) -> list[int]:
    """Every process below pid (torchrun starts its workers in sessions of their own)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def kill_tree(process: subprocess.Popen) -> None:
    """SIGKILL a launcher and all its workers at once, as a power cut or the OOM killer would, and wait
    until every one of them is gone."""
    pids = [process.pid, *descendants(process.pid)]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=60)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() and
                                              "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1][:3]
                                              for pid in pids[1:]):
        time.sleep(0.05)


def failure(result: subprocess.CompletedProcess) -> str:
    """The lines of a failed run worth reading: the workers' errors, not torchrun's summary."""
    lines = [line for line in result.stderr.splitlines() if "rror" in line or "what()" in line or "train:" in line
             or "terminate" in line]
    return "\n".join(lines[:40]) or result.stderr[-3000:]


def losses(out: Path) -> list[tuple]:
    return [(r["step"], r["loss_d"], r["loss_g"], r["d_real"], r["recon"], r["augment_p"]) for r in read_log(out / "log.jsonl")]


def test_torchrun_two_replicas_hold_identical_weights(tiny_crops, tmp_path):
    result = subprocess.run(torchrun(tiny_crops, tmp_path, "--steps", "4"), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, failure(result)
    assert "2 replicas hold identical weights" in result.stdout
    state = torch.load(tmp_path / "checkpoint.pt", weights_only=False)
    assert state["step"] == 4 and state["images_seen"] == 16
    assert len(state["rng"]) == 2, "one random state per replica"
    assert state["rng"][0]["torch"].ne(state["rng"][1]["torch"]).any(), "replicas draw different images"
    assert [leg["processes"] for leg in state["legs"]] == [2]
    assert [r["step"] for r in read_log(tmp_path / "log.jsonl")] == [1, 2, 3, 4]


def test_a_killed_run_resumed_continues_the_same_losses(tiny_crops, tmp_path):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    # A run killed (SIGKILL to torchrun and its workers) at some step after its first checkpoint.
    process = subprocess.Popen(torchrun(tiny_crops, killed, "--steps", "100000", "--checkpoint-steps", "3"),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not any(r["step"] >= 4 for r in read_log(killed / "log.jsonl")):
        time.sleep(0.02)
    kill_tree(process)
    at = torch.load(killed / "checkpoint.pt", weights_only=False)["step"]
    assert at >= 3 and at % 3 == 0, at
    logged = max(r["step"] for r in read_log(killed / "log.jsonl"))
    end = at + 5

    result = subprocess.run(torchrun(tiny_crops, killed, "--steps", str(end), "--resume"), capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, failure(result)
    assert f"resumed at step {at}" in result.stdout
    # The same run, never interrupted.
    result = subprocess.run(torchrun(tiny_crops, whole, "--steps", str(end), "--checkpoint-steps", "3"),
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, failure(result)
    assert [r[0] for r in losses(killed)] == list(range(1, end + 1)), f"steps {at + 1}..{logged} logged twice"
    assert losses(killed) == losses(whole), "the resumed run must repeat the uninterrupted run's losses exactly"
    legs = torch.load(killed / "checkpoint.pt", weights_only=False)["legs"]
    assert len(legs) == 2 and legs[0]["until_step"] == at and legs[1]["steps"] == 5


def test_single_process_resume_keeps_the_recipe_and_refuses_a_missing_checkpoint(tiny_crops, tmp_path):
    command = [sys.executable, str(TRAINING / "train.py"), "--crops", str(tiny_crops), "--out", str(tmp_path), *TINY]
    missing = subprocess.run([*command, "--resume", "--steps", "2"], capture_output=True, text=True, timeout=300)
    assert missing.returncode == 2 and "--resume but" in missing.stderr and "Traceback" not in missing.stderr
    assert subprocess.run([*command, "--steps", "2"], capture_output=True, timeout=300).returncode == 0
    # A resumed run keeps the checkpoint's recipe even when flags say otherwise.
    assert subprocess.run([*command, "--steps", "3", "--resume", "--lr-g", "0.5"], capture_output=True,
                          timeout=300).returncode == 0
    config = torch.load(tmp_path / "checkpoint.pt", weights_only=False)["config"]
    assert config["lr_g"] == 2e-4


def test_truncate_log_drops_what_came_after_the_checkpoint(tmp_path):
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps({"step": s}) + "\n" for s in range(1, 8)) + '{"step": 8, "lo')
    assert [r["step"] for r in read_log(log)] == list(range(1, 8)), "a half-written line is skipped"
    truncate_log(log, 4)
    assert [r["step"] for r in read_log(log)] == [1, 2, 3, 4]


def test_generator_v2_has_no_transposed_convolution_past_4x4_and_keeps_its_shapes():
    gen = GeneratorV2(z_dim=16, size=64, base=32).eval()
    transposed = [m for m in gen.modules() if isinstance(m, torch.nn.ConvTranspose2d)]
    assert len(transposed) == 1 and transposed[0].stride == (1, 1), "only the 1x1 -> 4x4 start is transposed"
    image = gen(torch.randn(2, 16))
    assert image.shape == (2, 3, 64, 64) and image.abs().max() <= 1
    disc = DiscriminatorV2(size=64, base=8)
    logits, redraw = disc(torch.randn(2, 3, 64, 64), reconstruct=True)
    assert logits.shape == (2,) and redraw.shape == (2, 3, 64, 64)


def test_adaptive_augmentation_rises_when_d_overfits_and_falls_when_it_does_not():
    ada = AdaptiveAugment(target=0.6, speed_images=1000, interval=4, p=0.5)
    for _ in range(8):
        ada.observe(16.0, 16, 16)  # every real image judged real: overfitting
    assert ada.p == pytest.approx(0.5 + 2 * 64 / 1000)
    for _ in range(400):
        ada.observe(-16.0, 16, 16)
    assert ada.p == 0.0, "clamped at zero"
    restored = AdaptiveAugment()
    restored.load_state_dict(ada.state_dict())
    assert restored.state_dict() == ada.state_dict()


def test_a_slim_checkpoint_resumes_without_the_optimisers(tiny_crops, tmp_path):
    """make save-run keeps a checkpoint for git: no optimiser moments, EMA in bfloat16; --resume continues it."""
    from likeness_training.gan import slim_checkpoint
    run, kept = tmp_path / "run", tmp_path / "kept"
    command = [sys.executable, str(TRAINING / "train.py"), "--crops", str(tiny_crops), *TINY]
    assert subprocess.run([*command, "--out", str(run), "--steps", "2"], capture_output=True, timeout=300).returncode == 0
    slim_checkpoint(run / "checkpoint.pt", kept / "checkpoint.pt")
    full, slim = torch.load(run / "checkpoint.pt", weights_only=False), torch.load(kept / "checkpoint.pt", weights_only=False)
    assert "opt_g" not in slim and "opt_d" not in slim and slim["step"] == full["step"] == 2
    assert all(v.dtype == torch.bfloat16 for v in slim["ema"].values() if v.is_floating_point())
    assert (kept / "checkpoint.pt").stat().st_size < 0.6 * (run / "checkpoint.pt").stat().st_size
    shutil.copy(run / "config.json", kept / "config.json")
    shutil.copy(run / "log.jsonl", kept / "log.jsonl")
    result = subprocess.run([*command, "--out", str(kept), "--steps", "4", "--resume"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "optimisers start afresh" in result.stdout
    assert torch.load(kept / "checkpoint.pt", weights_only=False)["step"] == 4
