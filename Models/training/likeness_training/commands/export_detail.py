"""Export a trained detail stage (the EMA weights of train_detail.py) to ONNX under the detail contract.

Contract (Docs/engine.md, "The model contract"): input `image` float32 of a fixed shape [1, 3, H, W] (the
refiner 128x128, the painter 256x256), output `upscaled` float32 [1, 3, sH, sW], values in [-1, 1],
opset 17, TorchScript exporter (dynamo=False); PixelShuffle as DepthToSpace (CRD); metadata
`likeness.stage` = detail, `likeness.scale`, `likeness.card` (a card without metrics until card.py
--detail replaces it) and `likeness.credit`.

Checks, any of which fails the export: onnx.checker, fixed shapes, only operators the engine plans
for detail stages, DepthToSpace in CRD mode, at most 5 MB, and ONNX Runtime against PyTorch on
random images (max |difference| <= 1e-4).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from likeness_training.detail_card import build_detail_card
from likeness_training.detail_onnx import (ExportError, attach_metadata, check_contract, compare_runtime,
                                           export_stage, load_ema_stage)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--checkpoint", type=Path, required=True, help="e.g. .cache/refiner-run/checkpoint.pt")
    p.add_argument("--out", type=Path, required=True, help="e.g. Models/met-refiner-256/model.onnx")
    p.add_argument("--name", default="", help="the card's name (default: the output folder's name)")
    p.add_argument("--size", type=int, default=0, help="input side (default: the stage's, refiner 128, painter 256)")
    args = p.parse_args(argv)
    try:
        model, config = load_ema_stage(args.checkpoint)
        size = args.size or config["input_size"]
        export_stage(model, args.out, size)
        info = check_contract(args.out, size, config["scale"])
        info["runtime_max_abs_diff"] = float(f"{compare_runtime(model, args.out, size):.2e}")
        last = {"step": config["steps"], "minutes": round(config["elapsed_seconds"] / 60, 1)}
        card = build_detail_card(args.name or args.out.parent.name, {**config, "input_size": size}, last, info)
        attach_metadata(args.out, config["scale"], card)
    except ExportError as error:
        print(f"export_detail: {error}", file=sys.stderr)
        return 2
    print(f"export_detail: {args.out} ({info['bytes'] / 2**20:.2f} MB), {config['stage']} x{config['scale']} "
          f"{info['inputs']} -> {info['outputs']}; operators {info['operators']}; "
          f"DepthToSpace {info['attributes'].get('DepthToSpace')}; "
          f"ONNX Runtime vs PyTorch max |diff| {info['runtime_max_abs_diff']:.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
