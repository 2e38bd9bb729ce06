"""prepare.py (likeness_training/crops.py): license refusal, unreadable images, manifest contents, alignment output."""
import csv
import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from likeness_training import crops

HEADER = ["face_id", "met_object_id", "image", "face_box_x0", "face_box_y0", "face_box_x1",
          "face_box_y1", "license", "source_url"]


def real_rows(dataset: Path, count: int) -> list[dict]:
    with (dataset / "faces.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))[:count]


def make_dataset(tmp: Path, dataset: Path, rows: list[dict]) -> Path:
    """A small dataset folder: copies (in tmp, never in the repo) of a few shared images."""
    (tmp / "images").mkdir(parents=True)
    for row in rows:
        source = dataset / row["image"]
        if source.is_file() and not (tmp / row["image"]).exists():
            shutil.copy(source, tmp / row["image"])
    with (tmp / "faces.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return tmp


def test_keeps_licensed_faces_and_writes_manifest(tmp_path, dataset):
    rows = real_rows(dataset, 6)
    data = make_dataset(tmp_path / "data", dataset, rows)
    report = crops.prepare(data, tmp_path / "out", size=128, min_side=64, workers=1)
    assert report["faces_listed"] == 6
    assert report["kept"] + sum(report["dropped"].values()) == 6
    assert report["kept"] >= 4, report["drops"]
    with (tmp_path / "out" / "manifest.csv").open(newline="") as handle:
        kept = list(csv.DictReader(handle))
    assert len(kept) == report["kept"]
    by_id = {r["face_id"]: r for r in rows}
    for row in kept:
        source = by_id[row["face_id"]]
        assert row["met_object_id"] == source["met_object_id"]
        assert row["license"] == source["license"] == "CC0-1.0"
        assert row["source_url"] == source["source_url"]
        with Image.open(tmp_path / "out" / f"{row['face_id']}.png") as crop:
            assert crop.size == (128, 128) and crop.mode == "RGB"
    saved = json.loads((tmp_path / "out" / "report.json").read_text())
    assert saved["kept"] == report["kept"]


def test_refuses_missing_and_unaccepted_licenses(tmp_path, dataset):
    rows = real_rows(dataset, 3)
    rows[0] = {**rows[0], "license": ""}
    rows[1] = {**rows[1], "license": "CC-BY-NC-2.0"}
    data = make_dataset(tmp_path / "data", dataset, rows)
    report = crops.prepare(data, tmp_path / "out", size=64, min_side=32, workers=1)
    reasons = {d["face_id"]: d["reason"] for d in report["drops"]}
    assert reasons[rows[0]["face_id"]] == "no-license"
    assert reasons[rows[1]["face_id"]] == "license-not-accepted"
    assert not (tmp_path / "out" / f"{rows[0]['face_id']}.png").exists()
    assert not (tmp_path / "out" / f"{rows[1]['face_id']}.png").exists()
    assert report["kept"] <= 1


def test_image_without_manifest_entry_is_refused(tmp_path, dataset):
    rows = real_rows(dataset, 2)
    data = make_dataset(tmp_path / "data", dataset, rows)
    shutil.copy(dataset / rows[0]["image"], data / "images" / "image-unlisted.jpg")
    report = crops.prepare(data, tmp_path / "out", size=64, min_side=32, workers=1)
    assert report["dropped"].get("image-without-manifest-entry") == 1
    assert not any("unlisted" in r["face_id"] for r in csv.DictReader((tmp_path / "out" / "manifest.csv").open()))


def test_unreadable_and_missing_images_are_dropped_with_reason(tmp_path, dataset):
    rows = real_rows(dataset, 2)
    data = make_dataset(tmp_path / "data", dataset, rows)
    (data / rows[0]["image"]).write_bytes(b"this is not a jpeg")
    rows.append({**rows[1], "face_id": "999-00", "image": "images/image-missing.jpg"})
    make_dataset_rows = data / "faces.csv"
    with make_dataset_rows.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    report = crops.prepare(data, tmp_path / "out", size=64, min_side=32, workers=1)
    reasons = {d["face_id"]: d["reason"] for d in report["drops"]}
    assert reasons[rows[0]["face_id"]] == "unreadable-image"
    assert reasons["999-00"] == "unreadable-image"


def test_manifest_errors_are_clear(tmp_path):
    with pytest.raises(crops.PrepareError, match="no faces.csv"):
        crops.prepare(tmp_path, tmp_path / "out")
    (tmp_path / "faces.csv").write_text("face_id,image\nx,images/x.jpg\n")
    with pytest.raises(crops.PrepareError, match="missing columns"):
        crops.prepare(tmp_path, tmp_path / "out")


def test_alignment_quad_is_a_square_centred_between_eyes_and_mouth():
    import numpy as np
    landmarks = np.zeros((68, 2))
    landmarks[36:42] = [100, 100]
    landmarks[42:48] = [140, 100]
    landmarks[48] = [105, 150]
    landmarks[54] = [135, 150]
    quad, side, measures = crops.alignment_quad(landmarks)
    assert measures["eye_distance"] == pytest.approx(40)
    edges = [np.linalg.norm(quad[(i + 1) % 4] - quad[i]) for i in range(4)]
    assert edges == pytest.approx([side] * 4)
    assert quad.mean(axis=0) == pytest.approx([120, 105])  # eye centre + 0.1 * eye-to-mouth
