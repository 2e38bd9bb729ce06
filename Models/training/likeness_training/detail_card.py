"""The model card of a detail stage, assembled from what the pipeline recorded.

Sources: the run's config.json and log.jsonl (train_detail.py: what the stage learned from, its
Met object ids, the held-out ids, recipe, hardware, steps, wall time), the exported file (size,
operators, shapes) and metrics.json (evaluate_detail.py). Observations from looking at the
pictures are passed in by hand (`card.py --detail --observation "..."`), as for the generator.
"""
from __future__ import annotations

from likeness_training.cards import credit

HELDOUT_RULE = ("5% of the CC0 Met object ids in faces.csv (rounded up): the first when sorted by SHA-256 of "
                "\"likeness-heldout-v1/<id>\" (Models/training/heldout.py, committed as Models/training/heldout.txt); "
                "no detail stage trains on them")

DESCRIPTIONS = {
    "refiner": "A detail stage after the 128 px generator: it turns a 128x128 generated face into a 256x256 one, "
               "trained to remove the generator's grid and to sharpen eyes, mouths and hair (see the metrics and "
               "limitations for how far it gets).",
    "painter": "A detail stage after the refiner: it turns a 256x256 face into a 1024x1024 picture, trained to "
               "restore the fine detail of whole paintings at their native resolution (see the metrics and "
               "limitations for how far it gets).",
}


def chain_cost(gflop: dict | None) -> str:
    """The painter's sentence on what the whole chain costs, from the evaluation's `chain_gflop` ("" without it)."""
    if not gflop or gflop.get("total") is None:
        return ""
    return (f" The whole chain, generator {gflop['generator']:.2f} + refiner {gflop['refiner']:.2f} + painter "
            f"{gflop['painter']:.2f}, costs about {gflop['total']:.2f} GFLOP per 1024 px frame.")


def build_detail_card(name: str, config: dict, last: dict, model_info: dict | None = None,
                      metrics: dict | None = None, observations: list[str] = ()) -> dict:
    stage, scale, size = config["stage"], config["scale"], config["input_size"]
    ids, held = config["met_object_ids"], config["heldout_ids"]
    source = config["source"]
    what = "portraits" if stage == "refiner" else "paintings"
    learned = (f"{source.get('crops')} aligned 256 px face crops from {len(ids)} paintings"
               if stage == "refiner" else
               f"{source.get('paintings')} whole paintings at native resolution (faces, costume, backgrounds)")
    minutes = last.get("minutes", round(config.get("elapsed_seconds", 0) / 60, 1))
    card = {
        "name": name,
        "stage": "detail",
        "role": stage,
        "scale": scale,
        "input": [1, 3, size, size],
        "output": [1, 3, scale * size, scale * size],
        "description": DESCRIPTIONS[stage] + chain_cost((metrics or {}).get("chain_gflop")),
        "credit": credit(len(ids), what),
        "license": "Model weights: CC0-1.0 (trained only on CC0 images); code: MIT",
        "data": {
            "source": "The Metropolitan Museum of Art Open Access collection (the CC0 source paintings behind "
                      "MetFaces), read from ../shared/datasets/met-portraits; every image without an accepted "
                      "license in faces.csv is refused (prepare.py's rule); NVIDIA's CC BY-NC crops were not used",
            "learned_from": learned,
            "kind": source.get("kind"),
            "met_object_ids": ids,
            "heldout_rule": HELDOUT_RULE,
            "heldout_ids": held,
        },
        "training": {
            "recipe": config["architecture"],
            "degradation": config["degradation"],
            "hyperparameters": {k: config[k] for k in ("patch", "batch", "lr", "lr_d", "adv", "warmup", "d_base",
                                                        "ema", "seed", "channels", "blocks", "canvas", "texture",
                                                        "texture_weights", "pixel_pool", "scale_min") if k in config},
            "budget_minutes": config["minutes"],
            "steps": last.get("step", config.get("steps")),
            "patches_seen": last.get("patches_seen"),
            "wall_time_minutes": minutes,
            "hardware": f"{config['device']} ({config['cpu']}, {config['cpu_threads']} torch thread"
                        f"{'s' if config['cpu_threads'] != 1 else ''}, beside other work)",
            "torch": config["torch"],
            "parameters": config["parameters"],
            "gflop_per_frame": round(config["gflop_per_frame"], 3),
        },
        "model": model_info or {},
        "metrics": metrics or {},
        "intended_use": "One stage of Likeness's detail chain (generator 128 -> refiner 256 -> painter 1024) for "
                        "showing imaginary portraits at gallery scale. Not a general photo upscaler; not for "
                        "identifying, depicting or impersonating real people.",
        "limitations": [
            f"Small on purpose ({config['gflop_per_frame']:.2f} GFLOP per frame) so that the chain runs in real "
            f"time; trained for {minutes} minutes on one CPU thread.",
            "It adds detail that looks like the paintings it learned from; it does not recover what a sitter "
            "looked like, and its texture is invented.",
            *observations,
            "Reflects the collection: mostly European and American paintings of the 16th-19th centuries.",
        ],
    }
    return card


def _table(rows: list[tuple[str, dict]], keys: list[str]) -> list[str]:
    out = ["| | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    out += [f"| {label} | " + " | ".join(str(values.get(k, "")) for k in keys) + " |" for label, values in rows]
    return out


def metrics_markdown(m: dict) -> list[str]:
    lines: list[str] = []
    if "restoration" in m:
        r = m["restoration"]
        lines += [f"**Restoration on held-out images** ({r['what']}; {r['images']} images, degraded with the "
                  f"stage's standard recipe, seed {r['seed']}), mean over images:", ""]
        lines += _table([(k, v) for k, v in r["scores"].items()], ["psnr_db", "ssim"])
        lines += ["", f"Stage minus Lanczos: {r['psnr_gain_db']:+.2f} dB PSNR, {r['ssim_gain']:+.4f} SSIM.", ""]
    for key in ("swd_generated", "swd_heldout", "swd_chain", "grid", "grid_chain"):
        if key not in m:
            continue
        s = m[key]
        levels = list(next(iter(s["sets"].values())))
        unit = "" if key.startswith("grid") else "x1e3, lower is better; "
        lines += [f"**{s['title']}** ({unit}{s['what']}):", ""]
        lines += _table(list(s["sets"].items()), levels)
        if "ratio_stage_to_lanczos" in s:
            lines += ["", "Stage / Lanczos: " + ", ".join(f"{k} {v}" for k, v in s["ratio_stage_to_lanczos"].items())]
        lines += [""]
    for key in ("memorization", "memorization_chain_256"):
        if key not in m:
            continue
        mem = m[key]
        lines += [f"**Memorisation** ({mem['what']}; {mem['samples']} samples; {mem['distance']}): nearest training "
                  f"crop min {mem['sample_to_nearest_crop']['min']}, median {mem['sample_to_nearest_crop']['median']}; "
                  f"each crop to its nearest other crop: min {mem['crop_to_nearest_other_crop']['min']}, median "
                  f"{mem['crop_to_nearest_other_crop']['median']}. Near-copies (distance < "
                  f"{mem['near_copy_threshold']}): {mem['near_copies']}.", ""]
    if "seconds" in m:
        lines += [f"Evaluation took {m['seconds']} s on {m.get('threads', 1)} thread(s); reproduce with "
                  f"`{m.get('command', 'make detail')}`.", ""]
    return lines


def detail_markdown(card: dict) -> str:
    d, t, mi, m = card["data"], card["training"], card.get("model", {}), card.get("metrics", {})
    hp = t["hyperparameters"]
    lines = [f"# {card['name']}", "", card["description"], "",
             f"**Contract:** input `image` {card['input']} -> output `upscaled` {card['output']}, float32 in [-1, 1]; "
             f"metadata `likeness.stage` = detail, `likeness.scale` = {card['scale']}, `likeness.card`, "
             "`likeness.credit`.", "",
             f"**Credit:** {card['credit']}", "", f"**License:** {card['license']}", "",
             "## What it learned from", "", d["source"] + ".", "",
             f"- Learned from: {d['learned_from']}; {len(d['met_object_ids'])} Met object ids (listed below and in "
             "the ONNX metadata, `likeness.card` -> data.met_object_ids)",
             f"- Held out ({len(d['heldout_ids'])} ids): {d['heldout_rule']}. Ids: "
             + ", ".join(str(i) for i in d["heldout_ids"]), ""]
    if card["role"] == "refiner":
        lines += ["- Caveat: the generator whose faces this stage refines (met-portraits-128) was trained on all "
                  "1,085 face crops, held-out ids included, so generated faces are not independent of the held-out "
                  "set; the held-out restoration scores below use real held-out crops only.", ""]
    else:
        lines += ["- Caveat: the chain's first stage, the generator met-portraits-128, was trained on all 1,085 face "
                  "crops, held-out ids included; the painter itself never saw a held-out painting.", ""]
    lines += ["## Recipe", "", t["recipe"] + ".", "",
              "- Degradations (input made from the real high-resolution patch): "
              + ", ".join(f"{k} {v}" for k, v in t["degradation"].items()),
              "- Hyperparameters: " + ", ".join(f"{k}={v}" for k, v in hp.items()),
              f"- Budget: {t['budget_minutes']} minutes wall clock; {t['steps']} steps, {t['patches_seen']} patches "
              f"seen, {t['wall_time_minutes']} minutes on {t['hardware']}; torch {t['torch']}",
              f"- Architecture: {t['parameters']} parameters, {t['gflop_per_frame']} GFLOP per frame "
              f"({card['input'][2]}x{card['input'][3]} -> {card['output'][2]}x{card['output'][3]})", ""]
    if mi:
        lines += [f"- ONNX: {mi['bytes'] / 2**20:.2f} MB, opset {mi['opset']}, operators "
                  + ", ".join(f"{k} x{v}" for k, v in mi["operators"].items())
                  + f"; DepthToSpace {mi['attributes'].get('DepthToSpace')}; Resize {mi['attributes'].get('Resize')}"
                  + f"; ONNX Runtime vs PyTorch max |diff| {mi.get('runtime_max_abs_diff', 'n/a')}", ""]
    if m:
        lines += ["## Metrics", ""] + metrics_markdown(m)
        lines += ["![compare](compare.png)", "", card.get("compare_caption", ""), ""]
    lines += ["## Intended use", "", card["intended_use"], "", "## Known limitations", ""]
    lines += [f"- {x}" for x in card["limitations"]]
    lines += ["", "## Met object ids learned from", "", ", ".join(str(i) for i in d["met_object_ids"]), ""]
    return "\n".join(lines)
