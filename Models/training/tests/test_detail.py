"""Detail stages: degradations, stage shapes, the held-out rule, export under the contract, evaluation."""
import csv
import json
import random

import numpy as np
import pytest
import torch
from PIL import Image

from likeness_training import detail_eval
from likeness_training.commands import export_detail, train_detail
from likeness_training.crops import license_refusal, read_manifest
from likeness_training.detail import (DEGRADATIONS, HELDOUT_FILE, cc0_paintings, count_flops, degrade, heldout_ids, make_stage,
                                      periodic_pattern, read_heldout)
from likeness_training.detail_onnx import (ExportError, OnnxStage, attach_metadata, card_gflop, check_contract,
                                           compare_runtime, describe, export_stage, metadata)


def random_images(n, size, seed=0):
    return torch.rand(n, 3, size, size, generator=torch.Generator().manual_seed(seed)) * 2 - 1


# MARK: - Degradations

@pytest.mark.parametrize("stage,factor", [("refiner", 2), ("painter", 4)])
def test_degrade_keeps_shape_and_range_and_is_seeded(stage, factor):
    hr = random_images(6, 32)
    a = degrade(hr, factor, np.random.default_rng(3), DEGRADATIONS[stage])
    b = degrade(hr, factor, np.random.default_rng(3), DEGRADATIONS[stage])
    assert a.shape == (6, 3, 32 // factor, 32 // factor)
    assert torch.isfinite(a).all() and a.min() >= -1 and a.max() <= 1
    assert torch.equal(a, b)
    assert not torch.equal(a, degrade(hr, factor, np.random.default_rng(4), DEGRADATIONS[stage]))


def test_degrade_of_a_flat_image_stays_near_flat():
    flat = torch.full((4, 3, 32, 32), 0.2)
    low = degrade(flat, 2, np.random.default_rng(0), DEGRADATIONS["refiner"])
    assert (low.mean(dim=(1, 2, 3)) - 0.2).abs().max() < 0.05


def test_periodic_pattern_is_zero_mean_unit_rms_and_periodic():
    p = periodic_pattern(3, 16, 16, np.random.default_rng(1))
    assert p.shape == (3, 3, 16, 16)
    assert p.mean(dim=(2, 3)).abs().max() < 1e-4
    assert ((p ** 2).mean(dim=(1, 2, 3)) - 1).abs().max() < 1e-3
    assert torch.allclose(p[..., :, 4:], p[..., :, :-4])  # period 2 or 4


# MARK: - Stages

@pytest.mark.parametrize("stage,scale", [("refiner", 2), ("painter", 4)])
def test_stage_shapes_and_range(stage, scale):
    model = make_stage(stage).eval()
    with torch.no_grad():
        out = model(random_images(2, 12) * 1.5)
    assert out.shape == (2, 3, 12 * scale, 12 * scale)
    assert out.min() >= -1 and out.max() <= 1


def test_flop_count_matches_the_convolutions():
    model = make_stage("refiner", channels=8, blocks=1)
    pixels = 16 * 16
    expected = 2 * pixels * 9 * (3 * 8 + 8 * 8 + 8 * 12) / 1e9
    assert count_flops(model, (1, 3, 16, 16)) == pytest.approx(expected)


# MARK: - Held-out ids

def cc0_ids(dataset):
    return sorted({int(r.object_id) for r in read_manifest(dataset) if license_refusal(r) is None})


def test_heldout_rule_reproduces_the_committed_list(dataset):
    ids = cc0_ids(dataset)
    held = heldout_ids(ids)
    assert set(held) == read_heldout(HELDOUT_FILE)
    assert len(held) == int(np.ceil(0.05 * len(ids)))
    shuffled = ids[:]
    random.Random(0).shuffle(shuffled)
    assert heldout_ids(shuffled + ids[:10]) == held  # order and duplicates do not matter


def test_paintings_for_training_and_evaluation_are_disjoint(dataset):
    held = read_heldout(HELDOUT_FILE)
    train = cc0_paintings(dataset, held)
    evaluation = cc0_paintings(dataset, held, only_heldout=True)
    assert train and evaluation
    assert not {oid for oid, _ in train} & held
    assert {oid for oid, _ in evaluation} <= held
    assert {oid for oid, _ in train} | {oid for oid, _ in evaluation} == set(cc0_ids(dataset))


def test_face_crops_leave_out_heldout_ids(tmp_path):
    rows = [("1-00", 1), ("2-00", 2), ("3-00", 3)]
    with (tmp_path / "manifest.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["face_id", "met_object_id"])
        for face_id, oid in rows:
            writer.writerow([face_id, oid])
            Image.new("RGB", (8, 8), (oid * 40, 0, 0)).save(tmp_path / f"{face_id}.png")
    data, kept = train_detail.face_crops(tmp_path, {2})
    assert [r["met_object_id"] for r in kept] == ["1", "3"]
    assert data.shape == (2, 3, 8, 8) and data[1, 0, 0, 0] == 120


# MARK: - Export

@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory, dataset):
    run = tmp_path_factory.mktemp("detail") / "run"
    assert train_detail.main(["--stage", "refiner", "--dataset", str(dataset), "--out", str(run), "--channels", "4",
                              "--blocks", "1", "--patch", "8", "--batch", "2", "--steps", "3", "--threads", "1",
                              "--limit", "2", "--crops", str(tiny_crops(run.parent)), "--warmup", "0"]) == 0
    return run


def tiny_crops(root):
    crops = root / "crops"
    crops.mkdir()
    rng = np.random.default_rng(0)
    with (crops / "manifest.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["face_id", "met_object_id"])
        for i in range(3):
            writer.writerow([f"{i}-00", i + 1])
            Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(crops / f"{i}-00.png")
    return crops


def test_export_round_trip_under_the_contract(tiny_checkpoint, tmp_path):
    model_path = tmp_path / "tiny" / "model.onnx"
    assert export_detail.main(["--checkpoint", str(tiny_checkpoint / "checkpoint.pt"), "--out", str(model_path),
                               "--size", "16"]) == 0
    info = describe(model_path)
    assert info["inputs"] == {"image": [1, 3, 16, 16]} and info["outputs"] == {"upscaled": [1, 3, 32, 32]}
    assert info["attributes"]["DepthToSpace"] == [{"blocksize": 2, "mode": "CRD"}]
    assert set(info["operators"]) <= {"Constant", "Conv", "LeakyRelu", "DepthToSpace", "Resize", "Add", "Clip"}
    props = metadata(model_path)
    assert props["likeness.stage"] == "detail" and props["likeness.scale"] == "2"
    card = json.loads(props["likeness.card"])
    assert card["credit"] == props["likeness.credit"] and "Metropolitan Museum" in card["credit"]
    assert card["data"]["heldout_ids"] == sorted(read_heldout(HELDOUT_FILE))
    assert not set(card["data"]["met_object_ids"]) & set(card["data"]["heldout_ids"])
    assert card["model"]["runtime_max_abs_diff"] <= 1e-4
    config = json.loads((tiny_checkpoint / "config.json").read_text())
    assert card_gflop(model_path) == round(config["gflop_per_frame"], 3) > 0   # what the chain's cost is summed from


def test_the_painter_card_states_the_chain_cost_the_evaluation_measured():
    from likeness_training.detail_card import chain_cost
    costs = {"generator": 0.345, "refiner": 1.048, "painter": 1.504, "total": 2.897}
    assert chain_cost(costs) == (" The whole chain, generator 0.34 + refiner 1.05 + painter 1.50, costs about 2.90 "
                                 "GFLOP per 1024 px frame.")
    assert chain_cost(None) == "" and chain_cost({**costs, "refiner": None, "total": None}) == ""


def test_export_of_a_random_stage_matches_pytorch_and_runs_at_other_sizes(tmp_path):
    torch.manual_seed(0)
    model = make_stage("painter", channels=4, blocks=1, canvas=0).eval()
    with torch.no_grad():
        model.tail.weight.normal_(0, 0.3)  # make the learned branch matter
    path = tmp_path / "stage.onnx"
    export_stage(model, path, 8)
    check_contract(path, 8, 4)
    assert compare_runtime(model, path, 8) <= 1e-4
    attach_metadata(path, 4, {"credit": "test credit", "name": "t"})
    assert metadata(path)["likeness.credit"] == "test credit"
    runner = OnnxStage(path)
    x = random_images(2, 12, seed=5)
    with torch.no_grad():
        assert (runner(x) - model(x)).abs().max() <= 1e-4  # the open-shape copy of the same graph
    with pytest.raises(ExportError, match="expected image"):
        check_contract(path, 16, 4)


def test_a_stage_with_a_noise_canvas_exports_and_runs_smaller_with_its_canvas_cut_to_size(tmp_path):
    torch.manual_seed(1)
    model = make_stage("painter", channels=4, blocks=1, canvas=2, input=16).eval()
    with torch.no_grad():
        model.tail.weight.normal_(0, 0.3)
        model.head.weight[:, 3:].mul_(20)  # make the canvas matter
    path = tmp_path / "canvas.onnx"
    export_stage(model, path, 16)
    info = check_contract(path, 16, 4)
    assert "Concat" in info["operators"] and compare_runtime(model, path, 16) <= 1e-4
    runner = OnnxStage(path)
    x = random_images(2, 10, seed=6)
    with torch.no_grad():
        expected = model(x)
        assert (runner(x) - expected).abs().max() <= 1e-4  # the top-left 10 x 10 of the same canvas
        model.canvas.copy_(model.canvas.roll(3, -1))
        assert (model(x) - expected).abs().max() > 1e-2  # the canvas is read: another draw paints otherwise


# MARK: - Evaluation

def test_lanczos_keeps_flat_images_and_shapes():
    flat = torch.full((2, 3, 6, 6), -0.3)
    up = detail_eval.lanczos(flat, 4)
    assert up.shape == (2, 3, 24, 24) and torch.allclose(up, flat[..., :1, :1].expand_as(up), atol=1e-5)


def test_restoration_scores_a_perfect_stage_above_lanczos():
    real = torch.nn.functional.interpolate(random_images(3, 8), size=32, mode="bilinear", align_corners=False)
    lanczos_only = detail_eval.restoration(lambda x: detail_eval.lanczos(x, 2), real, 2, DEGRADATIONS["refiner"], 1)
    assert lanczos_only["psnr_gain_db"] == 0 and lanczos_only["images"] == 3
    oracle = iter([real])
    perfect = detail_eval.restoration(lambda x: next(oracle), real, 2, DEGRADATIONS["refiner"], 1)
    assert perfect["scores"]["stage"]["psnr_db"] >= 99 and perfect["psnr_gain_db"] > 10


def test_swd_table_ranks_the_closer_set_first_and_keeps_the_finest_levels():
    real = random_images(8, 32, seed=1) * 0.5
    table = detail_eval.swd_table(real, {"same": random_images(8, 32, seed=2) * 0.5,
                                         "flat": torch.zeros(8, 3, 32, 32)}, levels=2, patches_per_image=16)
    assert list(table["same"]) == ["32px", "16px", "mean"]
    assert table["same"]["32px"] < table["flat"]["32px"]
    assert detail_eval.ratios({"stage": {"a": 1.0}, "lanczos": {"a": 4.0}}) == {"a": 0.25}


def test_grid_measure_sees_a_fixed_grid_and_not_picture_content():
    smooth = torch.nn.functional.interpolate(random_images(4, 8), size=64, mode="bilinear", align_corners=False)
    tile = torch.tensor([[1.0, -1.0], [-1.0, 1.0]]).repeat(32, 32) * (4 / 127.5)  # +-4 levels, period 2
    assert detail_eval.grid_levels(detail_eval.phase_pattern(smooth, 2)) < 0.5
    assert detail_eval.grid_levels(detail_eval.phase_pattern(smooth + tile, 2)) == pytest.approx(4, rel=0.15)


def test_memorisation_counts_copies():
    crops = random_images(6, 32, seed=3)
    copies = detail_eval.memorisation(crops[:2] + 0.001, crops, 0.3)
    assert copies["near_copies"] == 2
    fresh = detail_eval.memorisation(random_images(3, 32, seed=9), crops, 0.3)
    assert fresh["near_copies"] == 0 and fresh["sample_to_nearest_crop"]["min"] > 0.3


def test_compare_picture_layout():
    faces = random_images(2, 64)
    picture = detail_eval.chain_compare(faces, faces, overview=32)
    eyes = detail_eval.region(faces[0], "eyes")
    assert eyes.shape[-1] == 32 and picture.height == 2 * (32 + 14 + 4)
    assert picture.width == 2 * (32 + 4) + 2 * (32 + 4) + 4 * (16 + 4)


# MARK: - Texture loss

def test_the_texture_loss_asks_for_the_amount_and_kind_of_detail_not_its_place():
    from likeness_training.detail import band_texture_loss
    g = torch.Generator().manual_seed(3)
    real = (torch.rand(2, 3, 64, 64, generator=g) * 2 - 1) * 0.5
    same = band_texture_loss(real, real, generator=torch.Generator().manual_seed(1))
    moved = band_texture_loss(real.roll((7, 5), (-2, -1)), real, generator=torch.Generator().manual_seed(1))
    smooth = torch.nn.functional.avg_pool2d(real, 4).repeat_interleave(4, -1).repeat_interleave(4, -2)
    flat = band_texture_loss(smooth, real, generator=torch.Generator().manual_seed(1))
    assert float(same) == 0.0
    assert float(moved) < 0.35 * float(flat), (float(moved), float(flat))  # sampling noise only
    x = smooth.clone().requires_grad_(True)
    band_texture_loss(x, real).backward()
    assert x.grad is not None and float(x.grad.abs().sum()) > 0


def test_the_texture_loss_weighs_each_band():
    from likeness_training.detail import band_texture_loss
    g = torch.Generator().manual_seed(4)
    real = (torch.rand(2, 3, 64, 64, generator=g) * 2 - 1) * 0.5
    smooth = torch.nn.functional.avg_pool2d(real, 4).repeat_interleave(4, -1).repeat_interleave(4, -2)

    def loss(weights):
        return float(band_texture_loss(smooth, real, weights, generator=torch.Generator().manual_seed(1)))

    fine, coarse = loss((2.0, 0.0)), loss((0.0, 2.0))
    assert fine > 0 and coarse > 0 and fine != coarse
    assert abs(loss((1.0, 1.0)) - (fine + coarse) / 2) < 1e-6   # the mean of the weighted bands
    assert abs(loss((2.0, 4.0)) - (fine + 2 * coarse)) < 1e-6
    assert loss((1.0, 1.0, 1.0)) > 0                                  # a third band (4 px) is measured too


def test_texture_weights_and_blur_reach_the_run_and_bad_lists_are_refused(tmp_path, dataset, capsys):
    run = tmp_path / "run"
    assert train_detail.main(["--stage", "refiner", "--dataset", str(dataset), "--out", str(run), "--channels", "4",
                              "--blocks", "1", "--patch", "16", "--batch", "2", "--steps", "2", "--threads", "1",
                              "--limit", "2", "--crops", str(tiny_crops(tmp_path)), "--warmup", "0",
                              "--texture", "1", "--texture-weights", "1,2,0.5", "--blur-hr", "0.5,1"]) == 0
    config = json.loads((run / "config.json").read_text())
    assert config["texture_weights"] == [1.0, 2.0, 0.5]
    assert config["degradation"]["blur_hr"] == [0.5, 1.0]
    assert "finest 3 Laplacian bands, weighted 1, 2, 0.5" in config["architecture"]
    assert "2 3x3 convolutions of 4 channels" in config["architecture"]   # head + 1 body; the tail is counted apart
    for bad in (["--blur-hr", "3,1"], ["--blur-hr", "1"], ["--texture-weights", "1,x"], ["--texture-weights", "-1"]):
        with pytest.raises(SystemExit):
            train_detail.parse(["--stage", "painter", "--out", str(tmp_path / "x"), *bad])
    assert "--blur-hr" in capsys.readouterr().err
