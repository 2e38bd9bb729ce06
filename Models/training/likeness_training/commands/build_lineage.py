"""Build a generator's lineage beside its model.onnx: the extractor (lineage.onnx), the index (lineage.json),
the thumbnail atlas (lineage-atlas.png), the model's rows of works.csv, and the evaluation (retrieval on
augmented training crops, lineage.png with 16 generated sitters beside their three nearest works).

The faces indexed are the crops of the works the model's card lists (data.met_object_ids).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from likeness_training import lineage as L

EVAL_SEED = 12345            # the augmented queries (never used in training the encoder)


def model_work_ids(model: Path) -> set[int]:
    import onnx
    meta = {p.key: p.value for p in onnx.load(str(model), load_external_data=False).metadata_props}
    card = json.loads(meta.get("likeness.card", "{}"))
    ids = card.get("data", {}).get("met_object_ids")
    if not ids:
        raise SystemExit(f"build_lineage: {model} has no data.met_object_ids in its card; "
                         "hint: export the generator with Models/training/export.py, which writes the card")
    return {int(i) for i in ids}


def build(model: Path, crops: Path, dataset: Path, extractor: str = "encoder", steps: int = 250,
          dimension: int = 128, power: float = 0.5, threads: int = 1, log=print) -> dict:
    """Everything beside `model`; returns the figures (also stored in the extractor's card)."""
    import torch
    torch.set_num_threads(threads)
    folder = model.parent
    ids = model_work_ids(model)
    faces = L.load_faces(crops, ids)
    if not faces:
        raise SystemExit(f"build_lineage: no crops of the model's works in {crops}; hint: run `make crops` first")
    log(f"lineage: {len(faces)} faces of {len({f.met_object_id for f in faces})} works")
    images = L.load_images(faces)
    training = {"kind": extractor}
    if extractor == "encoder":
        body, info = L.train_encoder(faces, steps=steps, threads=threads, log=log)
        training.update(info)
    else:
        body = L.make_extractor(extractor).eval()
    head_w, head_b = L.pca_head(L.features(body, images), dimension, power=power)
    net = L.WithHead(body, head_w, head_b)
    card = {
        "name": f"{folder.name}-lineage",
        "credit": "Made from the model's CC0 training faces (The Metropolitan Museum of Art Open Access).",
        "license": "CC0-1.0",
        "description": "Lineage extractor: a 128 px face in, an embedding out; nearest training works by cosine.",
        "extractor": training,
        "head": {"dimension": int(head_w.shape[0]), "whitening_power": power},
    }
    path = folder / L.EXTRACTOR_FILE
    L.export_extractor(net, path, card)
    embeddings = L.run_onnx(path, images)
    atlas = L.make_atlas(faces, folder / L.ATLAS_FILE)
    L.write_index(folder / L.INDEX_FILE, faces, embeddings, atlas, L.EXTRACTOR_FILE, L.sha256(path))
    titled = L.copy_works(dataset / "works.csv", ids, folder / L.WORKS_FILE)
    log(f"lineage: wrote {L.EXTRACTOR_FILE}, {L.INDEX_FILE} ({(folder / L.INDEX_FILE).stat().st_size} bytes), "
        f"{L.ATLAS_FILE} ({(folder / L.ATLAS_FILE).stat().st_size} bytes), {L.WORKS_FILE} ({titled} rows)")
    figures = evaluate(folder, faces, crops, log=log)
    figures.update({"index_bytes": (folder / L.INDEX_FILE).stat().st_size,
                    "atlas_bytes": (folder / L.ATLAS_FILE).stat().st_size,
                    "extractor_bytes": path.stat().st_size})
    (folder / "lineage-metrics.json").write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    return figures


def evaluate(folder: Path, faces: list[L.Face], crops: Path, log=print) -> dict:
    """Retrieval of every training face, augmented (EVAL_SEED), through the exported extractor."""
    index, embeddings = L.read_index(folder / L.INDEX_FILE)
    queries = L.normalise(L.run_onnx(folder / L.EXTRACTOR_FILE, L.augmented_images(faces, EVAL_SEED)))
    ids = np.array([f.met_object_id for f in faces])
    result = L.retrieval(queries, embeddings, ids, ids)
    result = {k: float(v) for k, v in result.items()}
    log(f"lineage: augmented retrieval top-1 {result['top1']:.3f}, top-3 {result['top3']:.3f} of {int(result['queries'])}")
    return {"retrieval_augmented": result, "eval_seed": EVAL_SEED}


def sitters_sheet(folder: Path, out: Path, count: int = 16, seed: int = 7, truncation: float = 0.8) -> list:
    """`count` generated sitters (z ~ N(0, 1)·truncation, numpy seed), each beside its three works' thumbnails."""
    import onnxruntime as ort
    from PIL import Image, ImageDraw
    index, embeddings = L.read_index(folder / L.INDEX_FILE)
    atlas = Image.open(folder / index["atlas"]["file"]).convert("RGB")
    t, columns = index["atlas"]["thumb"], index["atlas"]["columns"]
    generator = ort.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])
    z_dim = generator.get_inputs()[0].shape[1]
    rng = np.random.default_rng(seed)
    ids = np.array([f["met_object_id"] for f in index["faces"]])
    face_ids = [f["face_id"] for f in index["faces"]]
    cell = 128
    sheet = Image.new("RGB", (2 * 4 * cell + 16, 8 * cell + 8 * 4), "white")
    rows = []
    for i in range(count):
        z = (rng.standard_normal((1, z_dim)) * truncation).astype(np.float32)
        image = generator.run(None, {generator.get_inputs()[0].name: z})[0][0]
        emb = L.normalise(L.run_onnx(folder / L.EXTRACTOR_FILE, image[None].astype(np.float32)))[0]
        near = L.nearest_works(emb, embeddings, ids, face_ids, 3)
        rows.append([(oid, round(sim, 4)) for oid, sim, _ in near])
        pil = Image.fromarray(np.clip(np.round((image.transpose(1, 2, 0) + 1) * 127.5), 0, 255).astype(np.uint8))
        x0, y0 = (i // 8) * (4 * cell + 16), (i % 8) * (cell + 4)
        sheet.paste(pil, (x0, y0))
        for j, (_, _, face) in enumerate(near):
            thumb = atlas.crop(((face % columns) * t, (face // columns) * t, (face % columns + 1) * t, (face // columns + 1) * t))
            sheet.paste(thumb.resize((cell, cell), Image.LANCZOS), (x0 + (j + 1) * cell, y0))
        ImageDraw.Draw(sheet).rectangle([x0 + cell - 1, y0, x0 + cell, y0 + cell], fill="white")
    sheet.save(out, optimize=True)
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", type=Path, default=Path("Models/met-portraits-128/model.onnx"))
    p.add_argument("--crops", type=Path, default=Path(".cache/crops-256"))
    p.add_argument("--dataset", type=Path, default=Path("../shared/datasets/met-portraits"))
    p.add_argument("--extractor", choices=["encoder", "randconv", "pixels"], default="encoder")
    p.add_argument("--steps", type=int, default=250, help="encoder training steps (batch 128; 250 for the shipped index)")
    p.add_argument("--dimension", type=int, default=128)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--sheet", action="store_true", help="also draw lineage.png (16 sitters and their works)")
    args = p.parse_args(argv)
    start = time.monotonic()
    figures = build(args.model, args.crops, args.dataset, args.extractor, args.steps, args.dimension, threads=args.threads)
    if args.sheet:
        rows = sitters_sheet(args.model.parent, args.model.parent / "lineage.png")
        figures["sheet"] = rows
        (args.model.parent / "lineage-metrics.json").write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    print(f"lineage: done in {time.monotonic() - start:.0f} s")
    return 0
