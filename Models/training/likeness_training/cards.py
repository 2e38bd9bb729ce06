"""What every Likeness model card shares: the credit line, the run's log it reads, and its place in the .onnx.

A card (the generator's from commands/card.py, a detail stage's from detail_card.py) is stored in the
ONNX `metadata_props` under `likeness.card` (JSON), with the credit line also under `likeness.credit`,
so the exhibition can show it; a detail stage adds `likeness.stage` and `likeness.scale` before them.
"""
from __future__ import annotations

import json
from pathlib import Path

from likeness_training.gan import LOG, read_log

CREDIT = ("Trained on {images} public-domain {what} from The Metropolitan Museum of Art "
          "Open Access collection (CC0).")


def credit(images: int, what: str = "portraits") -> str:
    """The credit line: `images` counts the Met objects learned from, `what` names them (portraits, paintings)."""
    return CREDIT.format(images=images, what=what)


def last_record(run: Path) -> dict:
    """The last complete record of a run's log.jsonl ({} without one): step, minutes, images or patches seen."""
    records = read_log(run / LOG)
    return records[-1] if records else {}


def attach_card(model: Path, card: dict, entries: dict[str, str] | None = None) -> None:
    """Store `entries`, then `likeness.card` (JSON) and `likeness.credit`, in the ONNX metadata_props, replacing
    every earlier `likeness.` entry; the file is checked and replaced in one step."""
    import onnx
    proto = onnx.load(str(model))
    keep = [p for p in proto.metadata_props if not p.key.startswith("likeness.")]
    del proto.metadata_props[:]
    proto.metadata_props.extend(keep)
    entries = {**(entries or {}), "likeness.card": json.dumps(card, separators=(",", ":")),
               "likeness.credit": card["credit"]}
    for key, value in entries.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto)
    tmp = model.with_suffix(".tmp")
    onnx.save(proto, str(tmp))
    tmp.replace(model)
