"""Lineage: which training paintings a picture resembles.

A lineage index is made per generator at export: every training face gets an embedding from a small
feature extractor (an ONNX model the Likeness engine runs, the third contract beside the generator and
the detail stages), stored beside `model.onnx` with its `face_id` and `met_object_id`, together with a
thumbnail atlas of the faces and the rows of works.csv for the model's works, so the model carries its
own credits. At run time a sitter's nearest works are the k highest cosine similarities, one per work.

Files beside model.onnx (names fixed, so a model folder is self-describing):
- `lineage.onnx`  the extractor: input `image` [1, 3, S, S] in [-1, 1], output `embedding` [1, D];
                  metadata `likeness.stage` = `lineage`, `likeness.card` (JSON), `likeness.credit`;
- `lineage.json`  the index (schema `likeness.lineage/1`): faces (face_id, met_object_id, atlas cell) and the
                  L2-normalised embeddings, float32 little-endian, base64;
- `lineage-atlas.png` the thumbnails (THUMB px each, row-major in face order);
- `works.csv`     works.csv's rows for the model's works (the same columns).

Extractors measured (see `evaluate_retrieval`): every training crop, augmented (another crop box, colour
jitter, blur, JPEG), must find its own work as top-1.
"""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SCHEMA = "likeness.lineage/1"
INPUT_SIZE = 128           # the extractor's input side (the generator paints 128 px)
THUMB = 48                 # atlas cell side (the dataset README allows at most 96; 64 px made 7.5 MB, over the 5 MB budget)
EXTRACTOR_FILE = "lineage.onnx"
INDEX_FILE = "lineage.json"
ATLAS_FILE = "lineage-atlas.png"
WORKS_FILE = "works.csv"
MAX_INDEX_BYTES = 5 * 1024 * 1024
MAX_ATLAS_BYTES = 5 * 1024 * 1024
MET_URL = "https://www.metmuseum.org/art/collection/search/{id}"


# MARK: - Data

@dataclass(frozen=True)
class Face:
    face_id: str
    met_object_id: int
    path: Path


def load_faces(crops: Path, met_object_ids: set[int] | None = None) -> list[Face]:
    """The faces in `crops`/manifest.csv (those of `met_object_ids`, when given), sorted by face_id."""
    faces = []
    with open(crops / "manifest.csv", newline="") as f:
        for row in csv.DictReader(f):
            oid = int(row["met_object_id"])
            if met_object_ids is not None and oid not in met_object_ids:
                continue
            faces.append(Face(row["face_id"], oid, crops / f"{row['face_id']}.png"))
    faces.sort(key=lambda face: face.face_id)
    return faces


def to_array(image, size: int = INPUT_SIZE) -> np.ndarray:
    """A PIL image as float32 [3, size, size] in [-1, 1] (bicubic resize)."""
    from PIL import Image
    image = image.convert("RGB")
    if image.size != (size, size):
        image = image.resize((size, size), Image.BICUBIC)
    return (np.asarray(image, dtype=np.float32).transpose(2, 0, 1) / 127.5 - 1.0).copy()


def load_images(faces: list[Face], size: int = INPUT_SIZE) -> np.ndarray:
    from PIL import Image
    return np.stack([to_array(Image.open(face.path), size) for face in faces])


# MARK: - Augmentation (the evaluation's queries)

def augment(image, rng: random.Random):
    """Another look at the same face: a different crop box (82–100% of the side, shifted), colour jitter
    (brightness, contrast, saturation ×0.8–1.2), Gaussian blur (radius 0–1.5 px at 256) and JPEG (quality 30–90)."""
    from PIL import Image, ImageEnhance, ImageFilter
    image = image.convert("RGB")
    w, h = image.size
    side = rng.uniform(0.82, 1.0) * min(w, h)
    x0 = rng.uniform(0, w - side)
    y0 = rng.uniform(0, h - side)
    image = image.crop((round(x0), round(y0), round(x0 + side), round(y0 + side))).resize((w, h), Image.BICUBIC)
    image = ImageEnhance.Brightness(image).enhance(rng.uniform(0.8, 1.2))
    image = ImageEnhance.Contrast(image).enhance(rng.uniform(0.8, 1.2))
    image = ImageEnhance.Color(image).enhance(rng.uniform(0.8, 1.2))
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.0, 1.5)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=rng.randint(30, 90))
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def augmented_images(faces: list[Face], seed: int, size: int = INPUT_SIZE) -> np.ndarray:
    from PIL import Image
    rng = random.Random(seed)
    return np.stack([to_array(augment(Image.open(face.path), rng), size) for face in faces])


# MARK: - Extractors

def _torch():
    import torch
    return torch


def make_extractor(kind: str, seed: int = 0):
    """An untrained extractor body (before the PCA head): `pixels` (the picture pooled to 8×8, 192 numbers),
    `randconv` (three fixed random 3×3 conv + ReLU layers, pooled to 4×4), `encoder` (the same shape, to be trained)."""
    torch = _torch()
    nn = torch.nn

    class Pixels(nn.Module):
        def __init__(self):
            super().__init__()
            self.pool = nn.AvgPool2d(INPUT_SIZE // 8)

        def forward(self, x):                          # [1, 3, 128, 128] -> [1, 192]
            return self.pool(x).reshape(x.shape[0], -1)

    class Conv(nn.Module):
        def __init__(self, widths=(3, 32, 64, 96), grid=4):
            super().__init__()
            layers = [nn.AvgPool2d(2)]                 # 128 -> 64
            for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
                layers += [nn.Conv2d(a, b, 3, padding=1), nn.ReLU()]
                if i < len(widths) - 2:
                    layers.append(nn.AvgPool2d(2))     # 64 -> 32 -> 16
            self.body = nn.Sequential(*layers)
            self.pool = nn.AvgPool2d((INPUT_SIZE // 8) // grid)  # 16 -> grid

        def forward(self, x):
            return self.pool(self.body(x)).reshape(x.shape[0], -1)

    torch.manual_seed(seed)
    if kind == "pixels":
        return Pixels()
    if kind in ("randconv", "encoder"):
        model = Conv()
        if kind == "randconv":
            for m in model.modules():
                if isinstance(m, nn.Conv2d):           # zero-mean filters: edges and textures, not brightness
                    nn.init.kaiming_normal_(m.weight)
                    with torch.no_grad():
                        m.weight -= m.weight.mean(dim=(2, 3), keepdim=True) * (m.weight.shape[1] > 3)
                        m.bias.zero_()
        return model
    raise ValueError(f"unknown extractor {kind!r} (pixels, randconv, encoder)")


def features(body, images: np.ndarray, batch: int = 64) -> np.ndarray:
    torch = _torch()
    out = []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            out.append(body(torch.from_numpy(images[i:i + batch])).numpy())
    return np.concatenate(out).astype(np.float64)


def pca_head(train_features: np.ndarray, dimension: int, power: float = 0.5, floor: float = 1e-3):
    """A linear head fitted on the index's features: centre, project on the top `dimension` principal
    axes, scale axis i by 1 / (λ_i + floor·λ_0)^power (power 0.5 = whitening). Returns (W [D, F], b [D])."""
    mean = train_features.mean(axis=0)
    centred = train_features - mean
    u, s, vt = np.linalg.svd(centred, full_matrices=False)
    lam = s ** 2 / max(len(train_features) - 1, 1)
    d = min(dimension, vt.shape[0])
    scale = 1.0 / (lam[:d] + floor * lam[0]) ** power
    w = vt[:d] * scale[:, None]
    # Sign convention (deterministic across LAPACKs): the largest-magnitude weight of each axis is positive.
    signs = np.sign(w[np.arange(d), np.abs(w).argmax(axis=1)])
    w = w * signs[:, None]
    return w.astype(np.float32), (-w @ mean).astype(np.float32)


class WithHead:
    """body followed by the PCA head, as one torch module for export."""

    def __new__(cls, body, w: np.ndarray, b: np.ndarray):
        torch = _torch()
        nn = torch.nn

        class Extractor(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = body
                self.head = nn.Linear(w.shape[1], w.shape[0])
                with torch.no_grad():
                    self.head.weight.copy_(torch.from_numpy(w))
                    self.head.bias.copy_(torch.from_numpy(b))

            def forward(self, x):
                return self.head(self.body(x))

        return Extractor().eval()


def normalise(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


# MARK: - Nearest works

def nearest_works(query: np.ndarray, index: np.ndarray, work_ids: np.ndarray, face_ids: list[str], k: int = 3):
    """The k nearest distinct works of one L2-normalised query: [(met_object_id, similarity, face position)],
    a work scored by its most similar face; ties (equal float32 similarity) go to the lower met_object_id,
    then the lower face_id. Brute force, the reference for the Swift lookup."""
    sims = (index @ query.astype(np.float32)).astype(np.float32)
    order = sorted(range(len(sims)), key=lambda i: (-float(sims[i]), int(work_ids[i]), face_ids[i]))
    out, seen = [], set()
    for i in order:
        oid = int(work_ids[i])
        if oid in seen:
            continue
        seen.add(oid)
        out.append((oid, float(sims[i]), i))
        if len(out) == k:
            break
    return out


def retrieval(queries: np.ndarray, index: np.ndarray, work_ids: np.ndarray, truth: np.ndarray) -> dict:
    """Top-1 and top-3 rates: does query i find work truth[i] among its nearest works? (Vectorised.)"""
    sims = queries @ index.T
    top1 = top3 = 0
    for i in range(len(queries)):
        order = np.argsort(-sims[i], kind="stable")
        works = []
        for j in order:
            oid = int(work_ids[j])
            if oid not in works:
                works.append(oid)
                if len(works) == 3:
                    break
        top1 += works[0] == truth[i]
        top3 += truth[i] in works
    n = len(queries)
    return {"top1": top1 / n, "top3": top3 / n, "queries": n}


# MARK: - Training the encoder (contrastive, on the CC0 crops only)

def train_encoder(faces: list[Face], steps: int, seed: int = 1, views: int = 6, threads: int = 1,
                  log=print):
    """The `encoder` body trained with SimCLR's NT-Xent loss: two augmented looks at a face (augment(),
    with seeds unrelated to the evaluation's) should be nearer each other than any other face in the batch.
    A fixed number of steps on one thread with fixed seeds: the same encoder on every run."""
    torch = _torch()
    import time
    from PIL import Image
    torch.set_num_threads(threads)
    rng = random.Random(seed + 1000)
    log(f"encoder: making {views} augmented views of {len(faces)} faces")
    bank = np.stack([np.stack([to_array(augment(Image.open(f.path), rng)) for f in faces]) for _ in range(views)])
    bank = torch.from_numpy(bank)                      # [views, N, 3, 128, 128]
    body = make_extractor("encoder", seed)
    projector = torch.nn.Sequential(torch.nn.Linear(96 * 16, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128))
    params = list(body.parameters()) + list(projector.parameters())
    optimiser = torch.optim.Adam(params, lr=1e-3)
    generator = torch.Generator().manual_seed(seed)
    n = len(faces)
    batch, temperature, step = 128, 0.2, 0
    start = time.monotonic()
    while step < steps:
        idx = torch.randperm(n, generator=generator)[:batch]
        a, b = torch.randint(views, (2,), generator=generator).tolist()
        if a == b:
            b = (a + 1) % views
        x = torch.cat([bank[a, idx], bank[b, idx]])
        flip = torch.rand(len(x), generator=generator) < 0.5
        x = torch.where(flip[:, None, None, None], x.flip(3), x)
        z = torch.nn.functional.normalize(projector(body(x)), dim=1)
        logits = z @ z.T / temperature
        logits.fill_diagonal_(-1e9)
        target = torch.cat([torch.arange(batch) + batch, torch.arange(batch)])
        loss = torch.nn.functional.cross_entropy(logits, target)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        step += 1
        if step % 25 == 0:
            log(f"encoder: step {step}, loss {loss.item():.3f}, {time.monotonic() - start:.0f} s")
    body.eval()
    return body, {"steps": step, "batch": batch, "views": views, "temperature": temperature,
                  "minutes": round((time.monotonic() - start) / 60, 2), "seed": seed}


# MARK: - Export

def export_extractor(model, path: Path, card: dict, opset: int = 17) -> None:
    """The extractor as ONNX (fixed [1, 3, S, S] input `image`, output `embedding`), with its metadata."""
    torch = _torch()
    import onnx
    dummy = torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE)
    tmp = path.with_suffix(".export.onnx")
    torch.onnx.export(model, dummy, str(tmp), input_names=["image"], output_names=["embedding"],
                      opset_version=opset, do_constant_folding=True, dynamo=False)
    proto = onnx.load(str(tmp))
    for key, value in {"likeness.stage": "lineage", "likeness.card": json.dumps(card, separators=(",", ":")),
                       "likeness.credit": card["credit"]}.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))
    tmp.unlink()


def run_onnx(path: Path, images: np.ndarray) -> np.ndarray:
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return np.concatenate([session.run(None, {"image": images[i:i + 1]})[0] for i in range(len(images))])


def make_atlas(faces: list[Face], path: Path, thumb: int = THUMB) -> dict:
    """The thumbnails, `columns` to a row in face order, as one PNG (optimised); returns its geometry."""
    from PIL import Image
    columns = int(np.ceil(np.sqrt(len(faces))))
    rows = int(np.ceil(len(faces) / columns))
    atlas = Image.new("RGB", (columns * thumb, rows * thumb))
    for i, face in enumerate(faces):
        image = Image.open(face.path).convert("RGB").resize((thumb, thumb), Image.LANCZOS)
        atlas.paste(image, ((i % columns) * thumb, (i // columns) * thumb))
    atlas.save(path, optimize=True)
    return {"file": path.name, "thumb": thumb, "columns": columns, "rows": rows}


def write_index(path: Path, faces: list[Face], embeddings: np.ndarray, atlas: dict, extractor: str,
                extractor_sha256: str) -> dict:
    embeddings = normalise(embeddings).astype("<f4")
    index = {
        "schema": SCHEMA,
        "extractor": extractor,
        "extractor_sha256": extractor_sha256,
        "dimension": int(embeddings.shape[1]),
        "count": len(faces),
        "atlas": atlas,
        "works": WORKS_FILE,
        "faces": [{"face_id": f.face_id, "met_object_id": f.met_object_id} for f in faces],
        "embeddings": base64.b64encode(embeddings.tobytes()).decode("ascii"),
    }
    text = json.dumps(index, separators=(",", ":"), sort_keys=True) + "\n"
    path.write_text(text)
    return index


def read_index(path: Path) -> tuple[dict, np.ndarray]:
    index = json.loads(path.read_text())
    if index.get("schema") != SCHEMA:
        raise ValueError(f"{path}: schema {index.get('schema')!r}, expected {SCHEMA!r}")
    raw = base64.b64decode(index["embeddings"])
    embeddings = np.frombuffer(raw, dtype="<f4").reshape(index["count"], index["dimension"])
    return index, embeddings


def copy_works(works_csv: Path, met_object_ids: set[int], out: Path) -> int:
    """works.csv's rows for `met_object_ids` (header and columns kept), sorted by id; returns the count."""
    with open(works_csv, newline="") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames or []
        rows = [r for r in reader if int(r["met_object_id"]) in met_object_ids]
    rows.sort(key=lambda r: int(r["met_object_id"]))
    with open(out, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
