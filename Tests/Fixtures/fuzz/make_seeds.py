#!/usr/bin/env python3
"""Makes the two generator-shaped seeds of the ONNX fuzz corpus (Tests/Fixtures/fuzz/onnx/).

    .venv/bin/python Tests/Fixtures/fuzz/make_seeds.py

The other ONNX seeds are copies of small fixtures from Tests/Fixtures/ops and Tests/Fixtures/bad. These
two follow the generator contract ('z' [N, 8] -> 'image' [N, 3, 4, 4]) in a few hundred bytes, so that
mutations reach Generator(data:) and a run of the planned model. Seeded: re-running gives the same bytes.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "onnx")
rng = np.random.default_rng(20261202)


def weights(*shape):
    return (rng.standard_normal(shape) * 0.1).astype(np.float32)


def save(name, nodes, inits):
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, ["N", 8])],
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 3, 4, 4])],
        initializer=[numpy_helper.from_array(v, k) for k, v in inits.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, name + ".onnx"))


def main():
    os.makedirs(HERE, exist_ok=True)
    # z -> Gemm -> [N, 3, 4, 4] -> Tanh
    save("generator-gemm", [
        helper.make_node("Gemm", ["z", "w", "b"], ["h"], name="dense", transB=1),
        helper.make_node("Reshape", ["h", "shape"], ["r"], name="to_image"),
        helper.make_node("Tanh", ["r"], ["image"], name="tanh"),
    ], {"w": weights(48, 8), "b": weights(48), "shape": np.array([-1, 3, 4, 4], dtype=np.int64)})
    # z -> Gemm -> [N, 2, 2, 2] -> ConvTranspose k4 s2 p1 -> [N, 3, 4, 4] -> Sigmoid
    save("generator-convtranspose", [
        helper.make_node("Gemm", ["z", "w", "b"], ["h"], name="dense", transB=1),
        helper.make_node("Reshape", ["h", "shape"], ["r"], name="to_planes"),
        helper.make_node("ConvTranspose", ["r", "k"], ["u"], name="up", kernel_shape=[4, 4], strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("Sigmoid", ["u"], ["image"], name="sigmoid"),
    ], {"w": weights(8, 8), "b": weights(8), "shape": np.array([-1, 2, 2, 2], dtype=np.int64), "k": weights(2, 3, 4, 4)})


if __name__ == "__main__":
    main()
