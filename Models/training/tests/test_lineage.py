"""Lineage: the index (schema, determinism, size), nearest works against brute force, the works table copy,
and the shipped index of Models/met-portraits-128."""
from __future__ import annotations

import base64
import csv
import json
from pathlib import Path

import numpy as np
import pytest

from likeness_training import lineage as L

REPO = Path(__file__).resolve().parents[3]
SHIPPED = REPO / "Models" / "met-portraits-128"


def fake_faces(tmp: Path, count: int = 12) -> list[L.Face]:
    from PIL import Image
    rng = np.random.default_rng(0)
    faces = []
    for i in range(count):
        pixels = (rng.random((96, 96, 3)) * 255).astype(np.uint8)
        path = tmp / f"{i:04d}-00.png"
        Image.fromarray(pixels).save(path)
        faces.append(L.Face(f"{i:04d}-00", 100 + i // 2, path))
    return faces


def build_fake(folder: Path, faces: list[L.Face]) -> bytes:
    folder.mkdir(parents=True, exist_ok=True)
    body = L.make_extractor("randconv", seed=0).eval()
    images = L.load_images(faces)
    w, b = L.pca_head(L.features(body, images), 8)
    path = folder / L.EXTRACTOR_FILE
    L.export_extractor(L.WithHead(body, w, b), path, {"name": "t", "credit": "c"})
    atlas = L.make_atlas(faces, folder / L.ATLAS_FILE, thumb=32)
    L.write_index(folder / L.INDEX_FILE, faces, L.run_onnx(path, images), atlas, L.EXTRACTOR_FILE, L.sha256(path))
    return (folder / L.INDEX_FILE).read_bytes()


def test_index_is_deterministic_and_keeps_its_schema(tmp_path):
    faces = fake_faces(tmp_path)
    first = build_fake(tmp_path / "a", faces)
    second = build_fake(tmp_path / "b", faces)
    assert first == second
    index, embeddings = L.read_index(tmp_path / "a" / L.INDEX_FILE)
    assert index["schema"] == L.SCHEMA
    assert set(index) == {"schema", "extractor", "extractor_sha256", "dimension", "count", "atlas", "works", "faces", "embeddings"}
    assert index["count"] == len(faces) == len(index["faces"]) == embeddings.shape[0]
    assert index["faces"][0] == {"face_id": "0000-00", "met_object_id": 100}
    assert np.allclose(np.linalg.norm(embeddings, axis=1), 1, atol=1e-5)
    assert index["atlas"]["columns"] * index["atlas"]["rows"] >= len(faces)


def test_nearest_works_equal_brute_force_with_ties_to_the_lower_id():
    rng = np.random.default_rng(1)
    index = L.normalise(rng.standard_normal((200, 16)))
    ids = np.array([1000 + i // 3 for i in range(200)])
    face_ids = [f"{i:04d}" for i in range(200)]
    for _ in range(30):
        q = L.normalise(rng.standard_normal((1, 16)))[0]
        got = L.nearest_works(q, index, ids, face_ids, 3)
        sims = index @ q
        best = {}
        for i, s in enumerate(sims):
            if ids[i] not in best or s > best[ids[i]][0]:
                best[ids[i]] = (s, i)
        expected = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))[:3]
        assert [g[0] for g in got] == [int(k) for k, _ in expected]
    # Two works with the same embedding: the lower id first.
    same = L.normalise(np.array([[1.0, 0], [1.0, 0], [0, 1.0]]))
    got = L.nearest_works(np.array([1.0, 0]), same, np.array([9, 4, 1]), ["a", "b", "c"], 2)
    assert [g[0] for g in got] == [4, 9]


def test_copy_works_keeps_columns_and_only_the_models_works(tmp_path, dataset):
    out = tmp_path / "works.csv"
    n = L.copy_works(dataset / "works.csv", {436105, 483, 10075}, out)
    rows = list(csv.DictReader(out.open()))
    assert n == len(rows) == len({int(r["met_object_id"]) for r in rows})
    assert {int(r["met_object_id"]) for r in rows} <= {436105, 483, 10075}
    with open(dataset / "works.csv") as f:
        assert next(csv.reader(f)) == next(csv.reader(out.open()))


@pytest.mark.skipif(not (SHIPPED / L.INDEX_FILE).exists(), reason="no lineage shipped yet")
def test_shipped_lineage_sizes_and_contents():
    index_bytes = (SHIPPED / L.INDEX_FILE).stat().st_size
    atlas_bytes = (SHIPPED / L.ATLAS_FILE).stat().st_size
    assert index_bytes <= L.MAX_INDEX_BYTES and atlas_bytes <= L.MAX_ATLAS_BYTES
    index, embeddings = L.read_index(SHIPPED / L.INDEX_FILE)
    assert index["atlas"]["thumb"] <= 96
    assert index["count"] == 1085 and len({f["met_object_id"] for f in index["faces"]}) == 1042
    from PIL import Image
    atlas = Image.open(SHIPPED / L.ATLAS_FILE)
    assert atlas.size == (index["atlas"]["columns"] * index["atlas"]["thumb"], index["atlas"]["rows"] * index["atlas"]["thumb"])
    assert L.sha256(SHIPPED / L.EXTRACTOR_FILE) == index["extractor_sha256"]
    metrics = json.loads((SHIPPED / "lineage-metrics.json").read_text())
    assert metrics["retrieval_augmented"]["top1"] >= 0.9
