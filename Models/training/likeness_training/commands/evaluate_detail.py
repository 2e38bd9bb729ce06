"""Evaluate an exported detail stage (the .onnx itself, in ONNX Runtime) against Lanczos.

--stage refiner: PSNR/SSIM on the held-out face crops degraded 256 -> 128 with the standard recipe;
  SWD at 256 of refiner(generated faces) and Lanczos(generated faces) against real crops, and the
  floor (real half against real half); memorisation of the refined faces; compare.png.
--stage painter: PSNR/SSIM on held-out native 512 px patches degraded to 128 (the same graph run at
  that size); SWD of those against other held-out patches; the whole chain (generator -> refiner ->
  painter, 1024 px) against real native tiles at the finest two pyramid levels, next to Lanczos x8
  and refiner + Lanczos x4; memorisation of the chain's output shrunk to 256; compare.png.

Writes metrics.json and compare.png (generated faces only) beside the model, and a held-out comparison
(degraded input, Lanczos, stage, real) to --private-out: it shows dataset images, which never go into the
repository. Fails (exit 3) on a near-copy.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from likeness_training.detail import DEGRADATIONS, HELDOUT_FILE, cc0_paintings, degrade, read_heldout
from likeness_training.detail_eval import (area_down, chain_compare, generate_faces, grid_levels,
                                           in_batches, labelled_canvas, lanczos, memorisation, native_patches,
                                           phase_pattern, random_tiles, ratios, read_crops, region, restoration,
                                           swd_table)
from likeness_training.detail_onnx import OnnxStage, card_gflop


def nearest(x: torch.Tensor, scale: int) -> torch.Tensor:
    return x.repeat_interleave(scale, -1).repeat_interleave(scale, -2)


def save_private(picture: Image.Image, args) -> None:
    """The held-out comparison shows dataset images, so it goes to --private-out, never into the repository."""
    args.private_out.mkdir(parents=True, exist_ok=True)
    path = args.private_out / f"{args.model.parent.name}-heldout.png"
    picture.save(path)
    print(f"evaluate_detail: held-out comparison (dataset images, not for the repository) in {path}", flush=True)


def evaluate_refiner(args, clock) -> dict:
    stage = OnnxStage(args.model, args.threads)
    heldout = read_heldout(args.heldout)
    held_u8, held_rows = read_crops(args.crops, lambda oid: oid in heldout)
    held = held_u8.float() / 127.5 - 1
    rest = restoration(stage, held, 2, DEGRADATIONS["refiner"], args.seed)
    rest["what"] = (f"{len(held)} aligned 256 px face crops of the {len(heldout)} held-out object ids, degraded to "
                    "128 px")
    clock("restoration")

    faces = generate_faces(args.generator, args.samples, args.seed, args.threads)
    refined = in_batches(stage, faces)
    lz = lanczos(faces, 2)
    clock(f"{args.samples} generated faces refined")
    all_u8, _ = read_crops(args.crops, lambda oid: True)
    perm = torch.randperm(len(all_u8), generator=torch.Generator().manual_seed(0))
    n = min(args.samples, len(all_u8) // 2)
    real_a = all_u8[perm[:n]].float() / 127.5 - 1
    real_b = all_u8[perm[n:2 * n]].float() / 127.5 - 1
    table = swd_table(real_a, {"stage": refined[:n], "lanczos": lz[:n], "real half (floor)": real_b})
    swd = {"title": "SWD at 256 px, generated faces against real crops", "sets": table,
           "what": f"{n} generated faces (generator met-portraits-128, seed {args.seed}) refined or Lanczos x2, "
                   f"against {n} random real 256 px crops; the floor is {n} other real crops",
           "ratio_stage_to_lanczos": ratios(table)}
    clock("sliced Wasserstein distances")
    grid = {"title": "Grid at 256 px", "what": f"luma detail averaged at each phase of a period x period tile over "
            f"{len(faces)} generated faces, RMS in 8-bit levels; a fixed-position grid survives the average",
            "sets": {name: {f"period {p}": grid_levels(phase_pattern(images, p)) for p in (2, 4, 8)}
                     for name, images in (("stage", refined), ("lanczos", lz),
                                          ("generator, nearest x2", nearest(faces, 2)))}}
    mem = memorisation(refined, all_u8.float() / 127.5 - 1, args.near_copy)
    mem["what"] = "refined generated faces (256 px) against every face crop"
    clock("memorisation")

    rows = []
    for i in range(4):
        rows.append([(f"face {i + 1}: generator 128 (nearest x2)", nearest(faces[i], 2)),
                     ("Lanczos x2", lz[i]), ("refiner", refined[i]),
                     ("eyes, Lanczos (x2 nearest)", nearest(region(lz[i], "eyes"), 2)),
                     ("eyes, refiner (x2 nearest)", nearest(region(refined[i], "eyes"), 2))])
    labelled_canvas(rows).save(args.model.parent / "compare.png")
    low = degrade(held[:3], 2, np.random.default_rng(args.seed), DEGRADATIONS["refiner"])
    up = stage(low)
    rows = [[(f"held-out {held_rows[i]['face_id']}: degraded input (nearest x2)", nearest(low[i], 2)),
             ("Lanczos x2", lanczos(low[i:i + 1], 2)[0]), ("refiner", up[i]), ("real", held[i])]
            for i in range(len(low))]
    save_private(labelled_canvas(rows), args)
    return {"restoration": rest, "swd_generated": swd, "grid": grid, "memorization": mem}


def evaluate_painter(args, clock) -> dict:
    stage = OnnxStage(args.model, args.threads)
    refiner = OnnxStage(args.refiner, args.threads)
    heldout = read_heldout(args.heldout)
    paintings = [path for _, path in cc0_paintings(args.dataset, heldout, only_heldout=True)]
    patches = native_patches(paintings, 512, 2, args.seed)
    rest = restoration(stage, patches, 4, DEGRADATIONS["painter"], args.seed)
    rest["what"] = (f"{len(patches)} native 512 px patches (2 per held-out painting of >= 512 px) degraded to 128 px "
                    f"by the painter's standard recipe (blur {DEGRADATIONS['painter']['blur_hr']} px before the "
                    "reduction, whatever range the run trained on); the painter's graph run at 128 -> 512")
    clock("restoration")

    half = len(patches) // 2
    low_b = degrade(patches[half:2 * half], 4, np.random.default_rng(args.seed + 1), DEGRADATIONS["painter"])
    table = swd_table(patches[:half], {"stage": in_batches(stage, low_b), "lanczos": lanczos(low_b, 4),
                                       "real half (floor)": patches[half:2 * half]})
    swd_heldout = {"title": "SWD at 512 px, held-out native patches", "sets": table,
                   "what": f"{half} degraded held-out patches upscaled x4, against {half} other held-out patches; "
                           "the floor is the real patches behind the degraded ones",
                   "ratio_stage_to_lanczos": ratios(table)}
    clock("held-out SWD")

    faces = generate_faces(args.generator, args.chain_samples, args.seed, args.threads)
    rng = np.random.default_rng(args.seed)
    tiles = {"stage": [], "lanczos": [], "refiner + Lanczos x4": []}
    shown, shrunk = [], []
    periods = (4, 8, 16)
    patterns = {name: {p: torch.zeros(p, p) for p in periods} for name in tiles}
    for i in range(len(faces)):
        refined = refiner(faces[i:i + 1])
        chain = stage(refined)
        lz = lanczos(faces[i:i + 1], 8)
        state = rng.bit_generator.state
        for name, image in (("stage", chain), ("lanczos", lz), ("refiner + Lanczos x4", lanczos(refined, 4))):
            rng.bit_generator.state = state  # the same tile positions in every set
            tiles[name].append(random_tiles(image, 256, 4, rng))
            for p in periods:
                patterns[name][p] += phase_pattern(image, p) / len(faces)
        shrunk.append(area_down(chain, 256))
        if i < 4:
            shown.append((lz[0], chain[0]))
    tiles = {k: torch.cat(v) for k, v in tiles.items()}
    clock(f"chain on {len(faces)} generated faces")
    grid = {"title": "Grid at 1024 px", "what": f"luma detail averaged at each phase of a period x period tile over "
            f"{len(faces)} generated faces through the chain, RMS in 8-bit levels; a fixed-position grid survives "
            "the average",
            "sets": {name: {f"period {p}": grid_levels(patterns[name][p]) for p in periods} for name in patterns}}
    real = native_patches(paintings, 256, 5, args.seed + 2)
    real = real[torch.randperm(len(real), generator=torch.Generator().manual_seed(0))]
    n = min(len(tiles["stage"]), len(real) // 2)
    table = swd_table(real[:n], {"stage": tiles["stage"][:n], "lanczos": tiles["lanczos"][:n],
                                 "refiner + Lanczos x4": tiles["refiner + Lanczos x4"][:n],
                                 "real (other tiles, floor)": real[n:2 * n]}, levels=2)
    table = {k: {("1 px band" if j == 0 else "2 px band" if j == 1 else key): v
                 for j, (key, v) in enumerate(row.items())} for k, row in table.items()}
    swd_chain = {"title": "SWD of the whole chain at 1024 px, finest two pyramid levels", "sets": table,
                 "what": f"{n} random 256 px tiles of {len(faces)} generated faces at 1024 px (generator -> refiner -> "
                         f"painter; Lanczos x8 of the generator; refiner then Lanczos x4), against {n} native 256 px "
                         "tiles of held-out paintings; the floor is other native tiles of the same paintings",
                 "ratio_stage_to_lanczos": ratios(table)}
    clock("chain SWD")
    crops_u8, _ = read_crops(args.crops, lambda oid: True)
    mem = memorisation(torch.cat(shrunk), crops_u8.float() / 127.5 - 1, args.near_copy)
    mem["what"] = "the chain's 1024 px output shrunk to 256 px, against every face crop"

    chain_compare(torch.stack([a for a, _ in shown]), torch.stack([b for _, b in shown])).save(
        args.model.parent / "compare.png")
    low = degrade(patches[:2], 4, np.random.default_rng(args.seed), DEGRADATIONS["painter"])
    up = stage(low)
    rows = [[("held-out patch: degraded input (nearest x4)", nearest(low[i], 4)),
             ("Lanczos x4", lanczos(low[i:i + 1], 4)[0]), ("painter", up[i]), ("real", patches[i])]
            for i in range(len(low))]
    save_private(labelled_canvas(rows), args)
    costs = {"generator": card_gflop(args.generator), "refiner": card_gflop(args.refiner), "painter": card_gflop(args.model)}
    chain_gflop = {**costs, "total": round(sum(costs.values()), 3) if None not in costs.values() else None,
                   "what": "GFLOP per 1024 px frame of each model in the evaluated chain, from its card"}
    return {"restoration": rest, "swd_heldout": swd_heldout, "swd_chain": swd_chain, "grid_chain": grid,
            "memorization_chain_256": mem, "chain_gflop": chain_gflop}


def parse(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--stage", required=True, choices=["refiner", "painter"])
    p.add_argument("--model", type=Path, required=True, help="the stage's model.onnx")
    p.add_argument("--generator", type=Path, default=Path("Models/met-portraits-128/model.onnx"))
    p.add_argument("--refiner", type=Path, default=Path("Models/met-refiner-256/model.onnx"),
                   help="the refiner the painter follows in the chain (painter)")
    p.add_argument("--crops", type=Path, default=Path(".cache/crops-256"))
    p.add_argument("--dataset", type=Path, default=Path("../shared/datasets/met-portraits"))
    p.add_argument("--heldout", type=Path, default=HELDOUT_FILE)
    p.add_argument("--samples", type=int, default=256, help="generated faces for the refiner's SWD")
    p.add_argument("--chain-samples", type=int, default=32, help="generated faces through the whole chain")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--near-copy", type=float, default=0.30)
    p.add_argument("--private-out", type=Path, default=Path(".cache/detail-eval"),
                   help="where the held-out comparison picture goes (it shows dataset images; outside the repository)")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse(argv)
    torch.set_num_threads(args.threads)
    start = time.monotonic()

    def clock(name: str) -> None:
        print(f"evaluate_detail: {name} ({time.monotonic() - start:.0f} s)", flush=True)

    metrics = (evaluate_refiner if args.stage == "refiner" else evaluate_painter)(args, clock)
    metrics.update({"evaluation_seed": args.seed, "seconds": round(time.monotonic() - start),
                    "threads": args.threads, "command": f"make {args.stage}"})
    (args.model.parent / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    for key, value in metrics.items():
        if isinstance(value, dict) and "scores" in value:
            print(key, json.dumps(value["scores"]), f"gain {value['psnr_gain_db']:+.2f} dB")
        elif isinstance(value, dict) and "sets" in value:
            print(key, json.dumps(value["sets"]))
        elif isinstance(value, dict) and "near_copies" in value:
            print(key, "near-copies:", value["near_copies"], "nearest:", value["sample_to_nearest_crop"])
    copies = sum(v["near_copies"] for v in metrics.values() if isinstance(v, dict) and "near_copies" in v)
    if copies:
        print(f"evaluate_detail: {copies} near-copies of training crops (distance < {args.near_copy})", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
