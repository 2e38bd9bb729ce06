"""Detail stages as ONNX files: export, checks, metadata, and a runner for evaluation.

The contract (Docs/engine.md, "The model contract"; checked by the engine's `DetailStage` at load): one
input `image` float32 of a fixed shape [1, 3, H, W] in [-1, 1], one output `upscaled` float32
[1, 3, sH, sW] in [-1, 1] (ONNX graphs are in single static assignment form, so the output cannot
share the input's name), opset 17, and `metadata_props` `likeness.stage` = `detail`,
`likeness.scale` = s, `likeness.card` (JSON) and `likeness.credit`. PyTorch's PixelShuffle must
come out as `DepthToSpace` in CRD mode and the graph may hold only the operators the engine plans
for detail stages.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import torch

from likeness_training.cards import attach_card
from likeness_training.detail import DetailStage, make_stage

INPUT_NAME, OUTPUT_NAME = "image", "upscaled"
# Constant nodes (the Resize scales, the Clip bounds) are evaluated by the engine at load time.
ENGINE_OPERATORS = {"Constant", "Concat", "Conv", "LeakyRelu", "DepthToSpace", "SpaceToDepth", "Resize", "Add", "Mul", "Clip", "Pad",
                    "Relu", "Sigmoid", "Tanh"}
MAX_BYTES = 5 * 2**20


class ExportError(Exception):
    """An exported stage breaks the contract (message ends with what to do)."""


def load_ema_stage(checkpoint: Path) -> tuple[DetailStage, dict]:
    """The EMA weights of a train_detail.py checkpoint as an eval-mode DetailStage, and its config (+ steps)."""
    if not checkpoint.is_file():
        raise ExportError(f"{checkpoint} not found; train first (train_detail.py --stage refiner|painter)")
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    config = state["config"]
    model = make_stage(config["stage"], channels=config["channels"], blocks=config["blocks"], canvas=config.get("canvas", 0))
    model.load_state_dict(state["ema"])
    return model.eval(), {**config, "steps": state["step"], "elapsed_seconds": round(state["elapsed_seconds"], 1)}


def export_stage(model: DetailStage, path: Path, size: int, opset: int = 17) -> None:
    """Write `model` for one fixed [1, 3, size, size] input (TorchScript exporter, constants folded)."""
    model.eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(model, (torch.zeros(1, 3, size, size),), str(path), input_names=[INPUT_NAME],
                      output_names=[OUTPUT_NAME], opset_version=opset, do_constant_folding=True, dynamo=False)


def _dims(value) -> list:
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in value.type.tensor_type.shape.dim]


def describe(path: Path) -> dict:
    """Operators (with counts), DepthToSpace and Resize modes, input and output shapes, size of an ONNX file."""
    import onnx
    proto = onnx.load(str(path))
    graph = proto.graph
    attributes = {}
    for node in graph.node:
        if node.op_type in ("DepthToSpace", "Resize"):
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            attributes.setdefault(node.op_type, []).append(
                {k: (v.decode() if isinstance(v, bytes) else v) for k, v in attrs.items()})
    return {
        "operators": dict(sorted(Counter(n.op_type for n in graph.node).items())),
        "attributes": attributes,
        "inputs": {i.name: _dims(i) for i in graph.input},
        "outputs": {o.name: _dims(o) for o in graph.output},
        "opset": max(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")),
        "bytes": path.stat().st_size,
        "metadata_keys": sorted(p.key for p in proto.metadata_props),
    }


def check_contract(path: Path, size: int, scale: int) -> dict:
    """onnx.checker plus the contract: fixed shapes, allowed operators, DepthToSpace CRD, size limit."""
    import onnx
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    info = describe(path)
    hint = "; re-export with Models/training/export_detail.py"
    if info["inputs"] != {INPUT_NAME: [1, 3, size, size]}:
        raise ExportError(f"inputs {info['inputs']}, expected {INPUT_NAME} [1, 3, {size}, {size}]{hint}")
    if info["outputs"] != {OUTPUT_NAME: [1, 3, scale * size, scale * size]}:
        raise ExportError(f"outputs {info['outputs']}, expected {OUTPUT_NAME} [1, 3, {scale * size}, "
                          f"{scale * size}]{hint}")
    extra = set(info["operators"]) - ENGINE_OPERATORS
    if extra:
        raise ExportError(f"operators {sorted(extra)} are not planned by the engine for detail stages "
                          f"(supported: {', '.join(sorted(ENGINE_OPERATORS))}){hint}")
    modes = [a.get("mode", "DCR") for a in info["attributes"].get("DepthToSpace", [])]
    if not modes or any(m != "CRD" for m in modes):
        raise ExportError(f"DepthToSpace modes {modes}, expected one or more in CRD mode (PyTorch's PixelShuffle){hint}")
    if info["bytes"] > MAX_BYTES:
        raise ExportError(f"{path} is {info['bytes'] / 2**20:.1f} MB, over the 5 MB limit; use fewer channels")
    return info


def compare_runtime(model: DetailStage, path: Path, size: int, tolerance: float = 1e-4, seed: int = 7) -> float:
    """ONNX Runtime against PyTorch on random images in [-1, 1]: max |difference|; ExportError over `tolerance`."""
    import onnxruntime as ort
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = torch.rand(2, 1, 3, size, size, generator=torch.Generator().manual_seed(seed)) * 2 - 1
    diff = 0.0
    for image in x:
        with torch.no_grad():
            expected = model(image).numpy()
        got = session.run([OUTPUT_NAME], {INPUT_NAME: image.numpy()})[0]
        diff = max(diff, float(np.abs(got - expected).max()))
    if diff > tolerance:
        raise ExportError(f"ONNX Runtime differs from PyTorch by {diff:.2e} > {tolerance:.0e}; check the exporter "
                          "(torch.onnx.export, dynamo=False) and the operators")
    return diff


def attach_metadata(path: Path, scale: int, card: dict) -> None:
    """Set `likeness.stage`, `likeness.scale`, `likeness.card` (JSON) and `likeness.credit`, replacing older ones."""
    attach_card(path, card, {"likeness.stage": "detail", "likeness.scale": str(scale)})


def metadata(path: Path) -> dict[str, str]:
    import onnx
    return {p.key: p.value for p in onnx.load(str(path)).metadata_props}


def card_gflop(path: Path) -> float | None:
    """The GFLOP per frame a model's card (`likeness.card`) records: a detail stage's or the generator's."""
    card = json.loads(metadata(path).get("likeness.card", "{}"))
    training = card.get("training", {})
    value = training.get("gflop_per_frame", training.get("generator_gflop_per_frame"))
    return float(value) if value is not None else None


def _slice_constant_canvases(proto, size) -> None:
    """In an open-size copy, cut each constant plane block beside the image (a noise canvas) to the input's H x W.

    The file carries the canvas at its own input size as a constant input of a `Concat`; PyTorch's
    stage slices its canvas to the top-left H x W, so the copy does the same with `Shape` and `Slice`
    (evaluation only: ONNX Runtime runs these, the engine never sees them).
    """
    from onnx import helper, numpy_helper
    graph = proto.graph
    shapes = {t.name: list(t.dims) for t in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant":
            for a in node.attribute:
                if a.name == "value":
                    shapes[node.output[0]] = list(a.t.dims)
    image = graph.input[0].name
    nodes = []
    for node in graph.node:
        for i, name in enumerate(node.input if node.op_type == "Concat" else []):
            dims = shapes.get(name)
            if dims is None or len(dims) != 4 or dims[2:] != [size, size]:
                continue
            prefix = f"likeness_open_{name}"
            nodes += [helper.make_node("Shape", [image], [f"{prefix}_shape"], start=2, end=4),
                      helper.make_node("Slice", [name, f"{prefix}_starts", f"{prefix}_shape", f"{prefix}_axes"],
                                       [f"{prefix}_sliced"])]
            graph.initializer.extend([numpy_helper.from_array(np.zeros(2, np.int64), f"{prefix}_starts"),
                                      numpy_helper.from_array(np.array([2, 3], np.int64), f"{prefix}_axes")])
            node.input[i] = f"{prefix}_sliced"
        nodes.append(node)
    del graph.node[:]
    graph.node.extend(nodes)


class OnnxStage:
    """Runs an exported stage in ONNX Runtime on a batch [N, 3, h, w] in [-1, 1], one image at a time.

    At the file's own input size the file runs as it is. For evaluation at another size (the
    painter on 128 px held-out inputs) a copy of the graph with the input and output dimensions
    left open is run instead: the same nodes and weights (the Resize carries constant scales), so
    only the size changes.
    """

    def __init__(self, path: Path, threads: int = 1):
        import onnx
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._options, self._ort = options, ort
        proto = onnx.load(str(path))
        self.size = _dims(proto.graph.input[0])[2]
        self.scale = int(_dims(proto.graph.output[0])[2]) // int(self.size)
        self.session = ort.InferenceSession(proto.SerializeToString(), options, providers=["CPUExecutionProvider"])
        for value in (*proto.graph.input, *proto.graph.output):
            for axis, dim in enumerate(value.type.tensor_type.shape.dim):
                dim.Clear()
                dim.dim_param = ("N", "C", "H", "W")[axis]
        _slice_constant_canvases(proto, self.size)
        self._open_bytes = proto.SerializeToString()
        self._open = None

    def _session_for(self, h: int, w: int):
        if h == w == self.size:
            return self.session
        if self._open is None:
            self._open = self._ort.InferenceSession(self._open_bytes, self._options, providers=["CPUExecutionProvider"])
        return self._open

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        session = self._session_for(x.shape[-2], x.shape[-1])
        out = [session.run([OUTPUT_NAME], {INPUT_NAME: x[i:i + 1].numpy().astype(np.float32)})[0]
               for i in range(len(x))]
        return torch.from_numpy(np.concatenate(out))
