"""Write a Likeness model's card: MODEL_CARD.md beside the model and the same JSON in the ONNX file.

The card is assembled from what the pipeline recorded, never typed by hand: the crops' manifest and
report (prepare.py: sources, licenses, counts kept and dropped with reasons, Met object ids), the
training config (train.py: recipe, hyperparameters, hardware, steps, wall time) and the metrics
(evaluate.py). It is stored in the ONNX `metadata_props` under `likeness.card` (JSON), with the
credit line also under `likeness.credit`, so the exhibition can show it.

With --detail the model is a detail stage (train_detail.py, export_detail.py, evaluate_detail.py):
its card comes from the run's config.json and log.jsonl, the exported graph and metrics.json
(likeness_training/detail_card.py), and `likeness.stage` / `likeness.scale` are kept.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from likeness_training.cards import attach_card, credit, last_record


def run_summary(run: Path) -> dict:
    """Steps, minutes and recipe of one training run, from its config.json and log.jsonl."""
    config = json.loads((run / "config.json").read_text())
    last = last_record(run)
    return {"run": run.name, "recipe": config["architecture"], "steps_logged": last.get("step"),
            "minutes": last.get("minutes"), "batch": config["batch"], "lr_g": config["lr_g"], "lr_d": config["lr_d"],
            "betas": [config["beta1"], config.get("beta2", 0.999)], "device": config["device"],
            "cpu_threads": config["cpu_threads"]}


def training_legs(run: Path) -> list[dict]:
    """The sittings of a run that was continued with --resume (train.py records one leg per sitting in
    its checkpoint: minutes, steps, images seen, processes, device); empty for runs from before legs."""
    checkpoint = run / "checkpoint.pt"
    if not checkpoint.is_file():
        return []
    import torch
    return list(torch.load(checkpoint, map_location="cpu", weights_only=False).get("legs", []))


def build_card(name: str, crops: Path, run: Path, metrics_path: Path | None, model_size_mb: float,
               previous: list[Path] = (), observations: list[str] = ()) -> dict:
    report = json.loads((crops / "report.json").read_text())
    with (crops / "manifest.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    config = json.loads((run / "config.json").read_text())
    last = last_record(run)
    metrics = json.loads(metrics_path.read_text()) if metrics_path and metrics_path.is_file() else {}
    object_ids = sorted({int(r["met_object_id"]) for r in rows})
    history = [run_summary(p) for p in previous] + [run_summary(run)]
    total_minutes = round(sum(h["minutes"] or 0 for h in history), 1)
    licenses = sorted({r["license"] for r in rows})
    return {
        "name": name,
        "description": "An unconditional portrait generator: a latent vector z of 128 standard-normal numbers "
                       f"becomes a {config['size']}x{config['size']} painted face of a sitter who never existed.",
        "credit": credit(len(object_ids), "portraits"),
        "license": "Model weights: CC0-1.0 (trained only on CC0 images); code: MIT",
        "data": {
            "source": "The Metropolitan Museum of Art Open Access collection (the CC0 source paintings behind "
                      "MetFaces), faces cropped and aligned by Likeness's own prepare.py; NVIDIA's CC BY-NC crops "
                      "were not used",
            "licenses": licenses,
            "faces_listed": report["faces_listed"],
            "paintings_listed": report["images_listed"],
            "faces_kept": report["kept"],
            "paintings_kept": len(object_ids),
            "dropped": report["dropped"],
            "alignment": "FFHQ-style from dlib 68-point landmarks; min crop side "
                         f"{report['min_crop_side_px']}px; at most {report['max_outside_fraction']:.0%} "
                         "outside the painting (reflect-padded, blurred)",
            "met_object_ids": object_ids,
        },
        "training": {
            "recipe": config["architecture"],
            "resolution": config["size"], "z_dim": config["z_dim"],
            "hyperparameters": {k: config[k] for k in ("batch", "lr_g", "lr_d", "beta1", "beta2", "ema", "augment",
                                                        "g_base", "d_base", "seed")},
            "steps": last.get("step"), "images_seen": last.get("images_seen"),
            "wall_time_minutes": last.get("minutes"),
            "total_wall_time_minutes": total_minutes,
            "runs": history,
            "legs": training_legs(run),
            "hardware": f"{config['device']} ({config['cpu']}, {config['cpu_threads']} torch threads)",
            "torch": config["torch"],
            "generator_parameters": config["generator_parameters"],
            "generator_gflop_per_frame": round(config["generator_gflop_per_frame"], 3),
            "model_size_mb": round(model_size_mb, 1),
        },
        "metrics": metrics,
        "intended_use": "Generative art: an endless exhibition of imaginary portraits, looping videos, "
                        "artistic experiments. Not for identifying, depicting or impersonating real people.",
        "limitations": [
            f"Low resolution ({config['size']}x{config['size']}), shown upscaled; fine detail is soft.",
            f"Trained for a short budget ({total_minutes:g} minutes on {config['device']}, "
            f"{config['cpu_threads']} threads) on about {report['kept']} faces.",
            *observations,
            "Reflects the collection: mostly European and American sitters of the 16th-19th centuries, "
            "mostly white, often wealthy; many more men than women; it cannot paint who was not painted.",
            "Prints, drawings and miniatures are mixed with oil paintings, so the style varies.",
        ],
    }


def markdown(card: dict) -> str:
    d, t, m = card["data"], card["training"], card.get("metrics", {})
    lines = [f"# {card['name']}", "", card["description"], "", f"**Credit:** {card['credit']}", "",
             f"**License:** {card['license']}", "", "## Data", "", d["source"] + ".", "",
             f"- Licenses of every image used: {', '.join(d['licenses'])}",
             f"- Faces listed: {d['faces_listed']} in {d['paintings_listed']} paintings; "
             f"kept: {d['faces_kept']} faces from {d['paintings_kept']} paintings",
             f"- Dropped: {', '.join(f'{k}: {v}' for k, v in d['dropped'].items()) or 'none'}",
             f"- Alignment: {d['alignment']}",
             f"- Met object ids used ({len(d['met_object_ids'])}): listed in the ONNX metadata "
             "(`likeness.card` → data.met_object_ids) and below.", "",
             "## Training", "", t["recipe"] + ".", "",
             f"- Resolution {t['resolution']}x{t['resolution']}, zDim {t['z_dim']}, "
             f"{t['generator_parameters'] / 1e6:.2f} M generator parameters, "
             f"{t['generator_gflop_per_frame']} GFLOP per frame, {t['model_size_mb']} MB",
             f"- Hyperparameters: " + ", ".join(f"{k}={v}" for k, v in t["hyperparameters"].items()),
             f"- {t['steps']} steps (last logged), {t['images_seen']} images seen, {t['wall_time_minutes']} minutes "
             f"on {t['hardware']}, torch {t['torch']}",
             (f"- All training runs behind these weights, {t['total_wall_time_minutes']} minutes in all "
              "(each run continued the generator of the one before):" if len(t["runs"]) > 1 else
              "- One uninterrupted run from randomly initialised weights:"), ""]
    lines += [f"  {i + 1}. {h['run']}: {h['steps_logged']} steps logged, {h['minutes']} min, batch {h['batch']}, "
              f"lr G {h['lr_g']} / D {h['lr_d']}, betas {h['betas']}, {h['device']} x{h['cpu_threads']} threads; "
              f"{h['recipe']}" for i, h in enumerate(t["runs"])]
    if t.get("legs"):
        lines += ["", "  Sittings of the last run (each resumed exactly from the checkpoint of the one before):", ""]
        lines += [f"  - leg {i + 1}, started {leg['started']}: {leg['minutes']} min, {leg['steps']} steps, "
                  f"{leg['images_seen']} images seen (to step {leg['until_step']}), {leg['processes']} process(es) "
                  f"on {leg['device']}, {leg['precision']}" for i, leg in enumerate(t["legs"])]
    lines += [""]
    if m:
        swd = m["swd_x1e3"]
        mem = m["memorization"]
        levels = [k for k in swd["model_vs_real"] if k != "mean"]
        lines += ["## Metrics", "",
                  "Multi-scale sliced Wasserstein distance (x1e3, Karras et al. 2018), lower is better:", "",
                  "| | " + " | ".join(levels) + " | mean |", "|---" * (len(levels) + 2) + "|",
                  "| model vs real | " + " | ".join(str(swd["model_vs_real"][k]) for k in levels)
                  + f" | {swd['model_vs_real']['mean']} |",
                  "| real half vs real half (floor) | " + " | ".join(str(swd["real_half_vs_real_half"][k]) for k in levels)
                  + f" | {swd['real_half_vs_real_half']['mean']} |", "",
                  f"Memorisation ({mem['samples']} samples; {mem['distance']}): nearest training crop "
                  f"min {mem['sample_to_nearest_crop']['min']}, median {mem['sample_to_nearest_crop']['median']}; "
                  f"for comparison, each crop to its nearest other crop: min {mem['crop_to_nearest_other_crop']['min']}, "
                  f"median {mem['crop_to_nearest_other_crop']['median']}. Near-copies (distance < "
                  f"{mem['near_copy_threshold']}): {mem['near_copies']}.", "",
                  "![samples](samples.png)", "", "Closest pairs (sample above, nearest training crop below):", "",
                  "![closest pairs](closest-pairs.png)", ""]
    lines += ["## Intended use", "", card["intended_use"], "", "## Known limitations", ""]
    lines += [f"- {x}" for x in card["limitations"]]
    lines += ["", "## Met object ids", "", ", ".join(str(i) for i in d["met_object_ids"]), ""]
    return "\n".join(lines)


def detail_card(args) -> int:
    from likeness_training.detail_card import build_detail_card, detail_markdown
    from likeness_training.detail_onnx import attach_metadata, describe, metadata
    config = json.loads((args.run / "config.json").read_text())
    exported = json.loads(metadata(args.model).get("likeness.card", "{}"))
    info = {**describe(args.model), "runtime_max_abs_diff": exported.get("model", {}).get("runtime_max_abs_diff")}
    info["metadata_keys"] = sorted(set(info["metadata_keys"]) | {"likeness.stage", "likeness.scale", "likeness.card",
                                                                  "likeness.credit"})
    metrics_path = args.model.parent / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    size = info["inputs"][next(iter(info["inputs"]))][2]
    notes = json.loads(args.notes.read_text()) if args.notes and args.notes.is_file() else {}
    if args.notes and not notes:
        print(f"card: no notes in {args.notes}; the card says nothing about the pictures", file=sys.stderr)
    card = build_detail_card(args.name, {**config, "input_size": size}, last_record(args.run), info, metrics,
                             [*notes.get("observations", []), *args.observation])
    card["compare_caption"] = " ".join([*notes.get("picture", []), *args.picture])
    attach_metadata(args.model, config["scale"], card)
    (args.model.parent / "MODEL_CARD.md").write_text(detail_markdown(card))
    print(f"card: {args.model.parent / 'MODEL_CARD.md'} and likeness.card in {args.model}")
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", type=Path, default=Path("Models/met-portraits-128/model.onnx"))
    p.add_argument("--name", default="met-portraits-128")
    p.add_argument("--crops", type=Path, default=Path(".cache/crops-256"))
    p.add_argument("--run", type=Path, default=Path(".cache/run"))
    p.add_argument("--previous", type=Path, action="append", default=[],
                   help="an earlier run whose generator this run continued (--init-from); repeat, oldest first")
    p.add_argument("--observation", action="append", default=[],
                   help="a known limitation seen in the samples (repeat), listed in the card after the budget")
    p.add_argument("--detail", action="store_true", help="the model is a detail stage (train_detail.py's --run)")
    p.add_argument("--picture", action="append", default=[],
                   help="what compare.png shows (detail stages; repeat), written under the picture")
    p.add_argument("--notes", type=Path, help="detail stages: a JSON file {\"observations\": [...], \"picture\": [...]} "
                   "written after looking at compare.png")
    args = p.parse_args(argv)
    if args.detail:
        return detail_card(args)
    card = build_card(args.name, args.crops, args.run, args.model.parent / "metrics.json",
                      args.model.stat().st_size / 2**20, args.previous, args.observation)
    attach_card(args.model, card)
    (args.model.parent / "MODEL_CARD.md").write_text(markdown(card))
    print(f"card: {args.model.parent / 'MODEL_CARD.md'} and likeness.card in {args.model}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
