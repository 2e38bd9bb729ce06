"""A face-structure measure of our own, with dlib's models (they ship inside face_recognition_models).

For each picture (upscaled to 256 px, where dlib's detector works best on these crops):
- found: dlib's HOG frontal-face detector finds a face (a drawn face, not a smear, is what it needs),
  and its score (the detector's margin: how clearly the gradients read as a frontal face);
- the 68 landmarks, fitted in the detected box (or, without one, in the box the real crops' detections
  average to: the crops are aligned, so faces sit in one place);
- plausible: the landmarks, normalised by the eye centres (eye line horizontal, inter-ocular distance 1),
  lie within the real crops' 95th percentile of distance to the real mean shape;
- eye asymmetry: |log(left eye area / right eye area)| (0 for a symmetric pair);
- mouth offset: the mouth centre's horizontal offset from the eyes' midline, in inter-ocular distances;
- the 128-D face descriptor of dlib's ResNet (a face-recognition network trained on photographs,
  independent of our models), for a Fréchet distance between two sets in that face space.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import linalg

_MODELS = {}


def _dlib_models():
    if not _MODELS:
        import dlib
        spec = importlib.util.find_spec("face_recognition_models")
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError("face_recognition_models is not installed; run `make venv`")
        folder = Path(list(spec.submodule_search_locations)[0]) / "models"
        _MODELS["detector"] = dlib.get_frontal_face_detector()
        _MODELS["predictor"] = dlib.shape_predictor(str(folder / "shape_predictor_68_face_landmarks.dat"))
        _MODELS["encoder"] = dlib.face_recognition_model_v1(str(folder / "dlib_face_recognition_resnet_model_v1.dat"))
        _MODELS["dlib"] = dlib
    return _MODELS


@dataclass
class FaceFit:
    found: bool
    score: float  # the HOG detector's best score (its SVM margin; below 0 it would not call it a face)
    landmarks: np.ndarray  # [68, 2] in pixels
    descriptor: np.ndarray  # [128]


def fit(image: np.ndarray, fallback_box: tuple[int, int, int, int]) -> FaceFit:
    """image uint8 [H, W, 3] (RGB)."""
    models = _dlib_models()
    dlib = models["dlib"]
    rects, scores, _ = models["detector"].run(image, 1, -2.0)
    found = [i for i, s in enumerate(scores) if s >= 0]
    best = max(range(len(scores)), key=lambda i: scores[i]) if len(scores) else None
    rect = rects[best] if found else dlib.rectangle(*fallback_box)
    shape = models["predictor"](image, rect)
    points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)
    descriptor = np.array(models["encoder"].compute_face_descriptor(image, shape), dtype=np.float64)
    return FaceFit(bool(found), float(scores[best]) if best is not None else -2.0, points, descriptor)


def normalised(points: np.ndarray) -> np.ndarray:
    """Landmarks in the eyes' frame: left eye centre at (-0.5, 0), right eye centre at (0.5, 0)."""
    left, right = points[36:42].mean(0), points[42:48].mean(0)
    centre, axis = (left + right) / 2, right - left
    distance = np.linalg.norm(axis) + 1e-9
    cos, sin = axis / distance
    rotation = np.array([[cos, sin], [-sin, cos]])
    return (points - centre) @ rotation.T / distance


def _eye_area(points: np.ndarray) -> float:
    x, y = points[:, 0], points[:, 1]
    return 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))


def fit_all(images: np.ndarray) -> list[FaceFit]:
    """images uint8 [N, H, W, 3]; the fallback box is the middle half of the picture."""
    n, h, w, _ = images.shape
    box = (w // 4, h // 4, 3 * w // 4, 3 * h // 4)
    return [fit(np.ascontiguousarray(image), box) for image in images]


def frechet(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two sets of vectors [N, D]."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root, _ = linalg.sqrtm(cov_a @ cov_b, disp=False)
    root = root.real
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * root))


def structure(fits: list[FaceFit], reference: list[FaceFit] | None = None) -> dict:
    """Rates and medians for one set; `reference` (the real crops) defines the plausible shape."""
    shapes = np.stack([normalised(f.landmarks) for f in fits])
    base = np.stack([normalised(f.landmarks) for f in (reference or fits)])
    mean = base.mean(0)
    base_distance = np.sqrt(((base - mean) ** 2).sum(-1).mean(-1))
    limit = float(np.quantile(base_distance, 0.95))
    distance = np.sqrt(((shapes - mean) ** 2).sum(-1).mean(-1))
    asymmetry = np.array([abs(np.log((_eye_area(f.landmarks[36:42]) + 1e-6) / (_eye_area(f.landmarks[42:48]) + 1e-6)))
                          for f in fits])
    mouth = np.abs(shapes[:, 48:68, 0].mean(1))
    return {
        "faces": len(fits),
        "found_rate": round(float(np.mean([f.found for f in fits])), 4),
        "detector_score_median": round(float(np.median([f.score for f in fits])), 4),
        "detector_score_p10": round(float(np.quantile([f.score for f in fits], 0.1)), 4),
        "plausible_rate": round(float((distance <= limit).mean()), 4),
        "shape_distance_median": round(float(np.median(distance)), 4),
        "eye_asymmetry_median": round(float(np.median(asymmetry)), 4),
        "mouth_offset_median": round(float(np.median(mouth)), 4),
    }
