"""Aligned face crops from a folder of portrait images and a manifest (`prepare.py` runs `prepare`).

Input: a dataset folder holding `faces.csv` (one row per face: face_id, met_object_id, image,
face_box_x0, face_box_y0, face_box_x1, face_box_y1, license, source_url) and the images it names.
Output (outside the repository, by default `.cache/crops-256`):
  - `<face_id>.png`: the face, aligned and cropped to SIZE x SIZE (256 by default);
  - `manifest.csv`: one row per kept crop, carrying the source id, license and URL;
  - `report.json`: counts kept and dropped, each drop with its reason.

Alignment follows the FFHQ / MetFaces recipe (Karras et al. 2019, 2020): from 68 facial landmarks
take the eye centres and the mouth corners, build an oriented square around them (its side is
about four eye distances), and resample that square to SIZE x SIZE. Landmarks come from dlib's
68-point shape predictor, which ships inside the `face_recognition_models` wheel, so nothing is
downloaded at run time. The face boxes in faces.csv are hints: dlib's HOG detector looks for the
face near each hint and the best-overlapping detection wins; without one the hint itself is used
and the landmarks must pass plausibility checks.

Every image must have a license entry: a row with an empty license, or a license outside the
accepted list, is refused (reason `no-license` / `license-not-accepted`).
"""
from __future__ import annotations

import csv
import importlib.util
import json
from dataclasses import dataclass, field
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

ACCEPTED_LICENSES = {"CC0-1.0", "CC0", "PUBLIC-DOMAIN", "PDM-1.0"}
REQUIRED_COLUMNS = [
    "face_id", "met_object_id", "image",
    "face_box_x0", "face_box_y0", "face_box_x1", "face_box_y1",
    "license", "source_url",
]


class PrepareError(Exception):
    """A problem with the dataset as a whole (not with one face)."""


@dataclass
class FaceRow:
    face_id: str
    object_id: str
    image: str
    box: tuple[float, float, float, float]
    license: str
    source_url: str


@dataclass
class Outcome:
    face_id: str
    kept: bool
    reason: str = ""
    detail: str = ""
    row: dict = field(default_factory=dict)


# MARK: - Manifest

def read_manifest(dataset: Path) -> list[FaceRow]:
    """Read faces.csv; raise PrepareError with a hint when the file or a column is missing."""
    path = dataset / "faces.csv"
    if not path.is_file():
        raise PrepareError(f"{path}: no faces.csv; a dataset needs a manifest with a license for every image")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise PrepareError(f"{path}: missing columns {missing}; expected {REQUIRED_COLUMNS}")
        rows = []
        for line, record in enumerate(reader, start=2):
            try:
                box = tuple(float(record[k]) for k in ("face_box_x0", "face_box_y0", "face_box_x1", "face_box_y1"))
            except ValueError as error:
                raise PrepareError(f"{path}:{line}: face box is not numeric ({error})") from None
            rows.append(FaceRow(
                face_id=record["face_id"].strip(),
                object_id=record["met_object_id"].strip(),
                image=record["image"].strip(),
                box=box,  # type: ignore[arg-type]
                license=(record["license"] or "").strip(),
                source_url=(record["source_url"] or "").strip(),
            ))
    return rows


def license_refusal(row: FaceRow) -> str | None:
    """The reason a row is refused for its license, or None when it is acceptable."""
    if not row.license:
        return "no-license"
    if row.license.upper() not in ACCEPTED_LICENSES:
        return "license-not-accepted"
    return None


# MARK: - Landmarks and alignment

_detector = None
_predictor = None


def _models():
    global _detector, _predictor
    if _predictor is None:
        import dlib
        spec = importlib.util.find_spec("face_recognition_models")
        if spec is None or not spec.submodule_search_locations:
            raise PrepareError("face_recognition_models is not installed; run `make venv`")
        model = Path(list(spec.submodule_search_locations)[0]) / "models" / "shape_predictor_68_face_landmarks.dat"
        _detector = dlib.get_frontal_face_detector()
        _predictor = dlib.shape_predictor(str(model))
    return _detector, _predictor


def _iou(a, b) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def find_landmarks(gray: np.ndarray, hint: tuple[float, float, float, float]) -> tuple[np.ndarray, str]:
    """68 landmarks [68, 2] (x, y) for the face near `hint`, and which box was used."""
    import dlib
    detector, predictor = _models()
    h, w = gray.shape
    bw, bh = hint[2] - hint[0], hint[3] - hint[1]
    # Search a window of twice the hint's size around it; upsample small faces once.
    x0, y0 = int(max(0, hint[0] - bw / 2)), int(max(0, hint[1] - bh / 2))
    x1, y1 = int(min(w, hint[2] + bw / 2)), int(min(h, hint[3] + bh / 2))
    window = np.ascontiguousarray(gray[y0:y1, x0:x1])
    upsample = 1 if max(bw, bh) < 160 else 0
    best, best_iou = None, 0.3
    for rect in detector(window, upsample):
        box = (rect.left() + x0, rect.top() + y0, rect.right() + x0, rect.bottom() + y0)
        overlap = _iou(box, hint)
        if overlap > best_iou:
            best, best_iou = box, overlap
    source = "detector" if best is not None else "hint"
    box = best if best is not None else hint
    rect = dlib.rectangle(int(box[0]), int(box[1]), int(box[2]), int(box[3]))
    shape = predictor(gray, rect)
    points = np.array([[shape.part(i).x, shape.part(i).y] for i in range(68)], dtype=np.float64)
    return points, source


def alignment_quad(landmarks: np.ndarray) -> tuple[np.ndarray, float, dict]:
    """The FFHQ-style oriented crop square: 4 corners [4, 2], its side length, and measurements."""
    eye_left = landmarks[36:42].mean(axis=0)
    eye_right = landmarks[42:48].mean(axis=0)
    eye_avg = (eye_left + eye_right) / 2
    eye_to_eye = eye_right - eye_left
    mouth_avg = (landmarks[48] + landmarks[54]) / 2
    eye_to_mouth = mouth_avg - eye_avg
    x = eye_to_eye - np.flipud(eye_to_mouth) * [-1, 1]
    x /= np.hypot(*x)
    x *= max(np.hypot(*eye_to_eye) * 2.0, np.hypot(*eye_to_mouth) * 1.8)
    y = np.flipud(x) * [-1, 1]
    centre = eye_avg + eye_to_mouth * 0.1
    quad = np.stack([centre - x - y, centre - x + y, centre + x + y, centre + x - y])
    measures = {
        "eye_distance": float(np.hypot(*eye_to_eye)),
        "eye_to_mouth": float(np.hypot(*eye_to_mouth)),
    }
    return quad, float(np.hypot(*x) * 2), measures


def plausible(landmarks: np.ndarray, hint, measures: dict) -> str | None:
    """Why the landmarks look wrong, or None. Catches a predictor that latched onto nothing."""
    ed, em = measures["eye_distance"], measures["eye_to_mouth"]
    width = hint[2] - hint[0]
    if ed <= 0 or em <= 0:
        return "degenerate landmarks"
    ratio = em / ed
    if not 0.6 <= ratio <= 2.0:
        return f"eye-mouth/eye-eye ratio {ratio:.2f} outside [0.6, 2.0]"
    if not 0.15 * width <= ed <= 0.8 * width:
        return f"eye distance {ed:.0f}px does not fit the face box ({width:.0f}px)"
    return None


def crop(image: Image.Image, quad: np.ndarray, qsize: float, size: int) -> tuple[Image.Image, float]:
    """Resample the oriented square to size x size, padding outside the painting by reflection.

    Returns the crop and the fraction of the square that lay outside the image.
    """
    w, h = image.size
    lo = quad.min(axis=0)
    hi = quad.max(axis=0)
    pad = [int(np.ceil(max(0, -lo[0]))), int(np.ceil(max(0, -lo[1]))),
           int(np.ceil(max(0, hi[0] - w))), int(np.ceil(max(0, hi[1] - h)))]
    outside = (pad[0] + pad[2]) / max(1.0, hi[0] - lo[0]) + (pad[1] + pad[3]) / max(1.0, hi[1] - lo[1])
    if any(pad):
        array = np.asarray(image)
        array = np.pad(array, ((pad[1], pad[3]), (pad[0], pad[2]), (0, 0)), mode="reflect")
        padded = Image.fromarray(array)
        # Soften the mirrored margin so it reads as background, not as a second face.
        blurred = padded.filter(ImageFilter.GaussianBlur(radius=max(2.0, qsize * 0.02)))
        yy, xx = np.mgrid[0:array.shape[0], 0:array.shape[1]]
        # Distance (px) outside the original painting, 0 inside it.
        dist = np.maximum.reduce([
            np.maximum(0, pad[0] - xx), np.maximum(0, xx - (pad[0] + w - 1)),
            np.maximum(0, pad[1] - yy), np.maximum(0, yy - (pad[1] + h - 1)),
        ])
        mask = np.clip(dist / max(1.0, qsize * 0.05), 0, 1)[..., None]
        mixed = np.asarray(padded, dtype=np.float32) * (1 - mask) + np.asarray(blurred, dtype=np.float32) * mask
        image = Image.fromarray(np.clip(mixed + 0.5, 0, 255).astype(np.uint8))
        quad = quad + [pad[0], pad[1]]
    # Supersample: transform to 2x, then a Lanczos reduction (antialiasing for large sources).
    big = image.transform((size * 2, size * 2), Image.Transform.QUAD, tuple((quad + 0.5).flatten()),
                          Image.Resampling.BILINEAR)
    return big.resize((size, size), Image.Resampling.LANCZOS), outside


# MARK: - One face

def process(args) -> Outcome:
    row, dataset, out_dir, size, min_side, max_outside = args
    refusal = license_refusal(row)
    if refusal:
        return Outcome(row.face_id, False, refusal, f"license '{row.license}'")
    path = dataset / row.image
    try:
        with Image.open(path) as opened:
            image = opened.convert("RGB")
    except (OSError, ValueError) as error:
        return Outcome(row.face_id, False, "unreadable-image", f"{path.name}: {error}")
    gray = np.asarray(image.convert("L"))
    try:
        landmarks, source = find_landmarks(gray, row.box)
    except Exception as error:  # dlib raises RuntimeError subclasses without a common base
        return Outcome(row.face_id, False, "no-landmarks", str(error))
    quad, qsize, measures = alignment_quad(landmarks)
    problem = plausible(landmarks, row.box, measures)
    if problem:
        return Outcome(row.face_id, False, "implausible-landmarks", problem)
    if qsize < min_side:
        return Outcome(row.face_id, False, "too-small", f"crop side {qsize:.0f}px < {min_side}px")
    face, outside = crop(image, quad, qsize, size)
    if outside > max_outside:
        return Outcome(row.face_id, False, "mostly-outside", f"{outside:.0%} of the crop outside the painting")
    face.save(out_dir / f"{row.face_id}.png", optimize=False)
    return Outcome(row.face_id, True, row={
        "face_id": row.face_id, "met_object_id": row.object_id, "image": row.image,
        "license": row.license, "source_url": row.source_url, "landmarks_from": source,
        "crop_side_px": f"{qsize:.1f}", "outside_fraction": f"{outside:.3f}",
    })


# MARK: - The dataset

def prepare(dataset: Path, out_dir: Path, size: int = 256, min_side: int = 112,
            max_outside: float = 0.35, workers: int = 2, limit: int | None = None) -> dict:
    rows = read_manifest(dataset)
    if limit:
        rows = rows[:limit]
    listed = {row.image for row in rows}
    images_dir = dataset / "images"
    unlisted = sorted(
        str(p.relative_to(dataset)) for p in images_dir.glob("*")
        if p.is_file() and str(p.relative_to(dataset)) not in listed
    ) if images_dir.is_dir() and not limit else []
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = [(row, dataset, out_dir, size, min_side, max_outside) for row in rows]
    if workers > 1:
        with Pool(workers) as pool:
            outcomes = pool.map(process, jobs, chunksize=8)
    else:
        outcomes = [process(job) for job in jobs]
    kept = [o.row for o in outcomes if o.kept]
    with (out_dir / "manifest.csv").open("w", newline="", encoding="utf-8") as handle:
        fields = ["face_id", "met_object_id", "image", "license", "source_url",
                  "landmarks_from", "crop_side_px", "outside_fraction"]
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(kept)
    dropped: dict[str, int] = {}
    for o in outcomes:
        if not o.kept:
            dropped[o.reason] = dropped.get(o.reason, 0) + 1
    if unlisted:
        dropped["image-without-manifest-entry"] = len(unlisted)
    report = {
        "dataset": str(dataset),
        "faces_listed": len(rows),
        "images_listed": len(listed),
        "kept": len(kept),
        "kept_objects": len({r["met_object_id"] for r in kept}),
        "dropped": dropped,
        "drops": [{"face_id": o.face_id, "reason": o.reason, "detail": o.detail} for o in outcomes if not o.kept]
                 + [{"image": name, "reason": "image-without-manifest-entry", "detail": "refused: no license"}
                    for name in unlisted],
        "size": size,
        "min_crop_side_px": min_side,
        "max_outside_fraction": max_outside,
        "landmarks": "dlib shape_predictor_68_face_landmarks (face_recognition_models 0.3.0)",
    }
    (out_dir / "report.json").write_text(json.dumps(report, indent=2))
    return report
