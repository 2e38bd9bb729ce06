#!/usr/bin/env python3
"""Makes the engine's test fixtures: small ONNX models with ONNX Runtime's outputs.

Run from the repository root (``make fixtures`` does):

    .venv/bin/python Tests/Fixtures/make_fixtures.py            # everything
    .venv/bin/python Tests/Fixtures/make_fixtures.py --bench    # only .cache/bench-128.onnx

Writes
  Tests/Fixtures/golden.json               one entry per golden case (model, input, expected output)
  Tests/Fixtures/ops/*.onnx, *.f32         one small model per operator family, odd shapes
  Tests/Fixtures/models/*.onnx, *.f32      whole random-weight generators (DCGAN, FastGAN families)
  Tests/Fixtures/models/tiny-generator.onnx  zDim 16, 32x32, with a likeness.card (used by CLI tests)
  Tests/Fixtures/models/tiny-stage-32.onnx, tiny-stage-64.onnx
                                           a random-weight x2 detail chain after it: 32 -> 64 -> 128
                                           (the auto-detail tests; --chain-stages writes only these)
  Tests/Fixtures/bad/*.onnx + bad.json     the bad-input suite (each must fail to load, cleanly)
  .cache/bench-128.onnx                    ~1.2 GFLOP 128x128 DCGAN-style generator for `likeness bench`
                                           (32 MB of random weights, so not committed)

.f32 files are raw little-endian float32. Everything is seeded: re-running gives the same bytes
for the models (ONNX Runtime outputs may differ in the last bit across versions).
"""
import argparse
import io
import json
import os
import sys
import warnings

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIX = os.path.join(ROOT, "Tests", "Fixtures")
OPSET = 17

rng = np.random.default_rng(20240611)


def rand(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def ort_run(model_bytes, x):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(model_bytes, opts, providers=["CPUExecutionProvider"])
    return sess.run(None, {sess.get_inputs()[0].name: x})[0]


def write_f32(path, array):
    np.ascontiguousarray(array, dtype="<f4").tofile(path)


# MARK: - Operator cases (onnx.helper)

def make_model(nodes, in_shape, inits=None, dynamic_batch=True, opset=OPSET, metadata=None):
    dims = ["N"] + list(in_shape[1:]) if dynamic_batch else list(in_shape)
    graph = helper.make_graph(
        nodes, "case",
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, dims)],
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(v, k) for k, v in (inits or {}).items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    for k, v in (metadata or {}).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = k, v
    return model


def node(op, inputs, outputs, name=None, **attrs):
    return helper.make_node(op, inputs, outputs, name=name or f"{op.lower()}_{outputs[0]}", **attrs)


def op_cases():
    """(name, model, input shape) for every operator family, odd shapes included."""
    cases = []
    add = lambda name, nodes, shape, inits=None, **kw: cases.append((name, make_model(nodes, shape, inits, **kw), shape))

    # Conv: kernels, strides, pads, dilations, groups, auto_pad, fused BN + activation.
    add("conv3x3_pad1_bias", [node("Conv", ["z", "w", "b"], ["image"], pads=[1, 1, 1, 1])],
        [2, 3, 7, 9], {"w": rand(5, 3, 3, 3), "b": rand(5)})
    add("conv5x5_stride2_asympad", [node("Conv", ["z", "w"], ["image"], strides=[2, 2], pads=[1, 2, 2, 0])],
        [1, 4, 11, 10], {"w": rand(6, 4, 5, 5, scale=0.3)})
    add("conv1x1", [node("Conv", ["z", "w", "b"], ["image"])], [2, 7, 5, 3], {"w": rand(9, 7, 1, 1), "b": rand(9)})
    add("conv_dilation2", [node("Conv", ["z", "w"], ["image"], dilations=[2, 2], pads=[2, 2, 2, 2])],
        [1, 3, 9, 8], {"w": rand(4, 3, 3, 3)})
    add("conv_groups2", [node("Conv", ["z", "w", "b"], ["image"], group=2, pads=[1, 1, 1, 1])],
        [1, 6, 5, 7], {"w": rand(4, 3, 3, 3), "b": rand(4)})
    add("conv_depthwise", [node("Conv", ["z", "w"], ["image"], group=5, strides=[2, 1], pads=[1, 1, 1, 1])],
        [1, 5, 9, 6], {"w": rand(5, 1, 3, 3)})
    add("conv_same_upper", [node("Conv", ["z", "w"], ["image"], auto_pad="SAME_UPPER", strides=[2, 2])],
        [1, 2, 7, 6], {"w": rand(3, 2, 4, 4)})
    add("conv_bn_leakyrelu", [
        node("Conv", ["z", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
        node("BatchNormalization", ["c", "g", "beta", "mean", "var"], ["bn"], epsilon=1e-3),
        node("LeakyRelu", ["bn"], ["image"], alpha=0.2)],
        [2, 3, 6, 5], {"w": rand(4, 3, 3, 3), "b": rand(4), "g": rand(4), "beta": rand(4), "mean": rand(4),
                       "var": np.abs(rand(4)) + 0.5})
    add("conv_wide_k7", [node("Conv", ["z", "w", "b"], ["image"], pads=[3, 3, 3, 3])],
        [1, 17, 13, 11], {"w": rand(19, 17, 7, 7, scale=0.1), "b": rand(19)})

    # ConvTranspose: the DCGAN block, output_padding, groups, 1x1 -> 4x4, odd kernels.
    add("convT_k4s2p1_bn_relu", [
        node("ConvTranspose", ["z", "w"], ["c"], strides=[2, 2], pads=[1, 1, 1, 1]),
        node("BatchNormalization", ["c", "g", "beta", "mean", "var"], ["bn"]),
        node("Relu", ["bn"], ["image"])],
        [2, 6, 5, 7], {"w": rand(6, 4, 4, 4), "g": rand(4), "beta": rand(4), "mean": rand(4), "var": np.abs(rand(4)) + 0.5})
    add("convT_k3s2p1_outpad1", [node("ConvTranspose", ["z", "w", "b"], ["image"], strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1])],
        [1, 3, 4, 5], {"w": rand(3, 5, 3, 3), "b": rand(5)})
    add("convT_groups2", [node("ConvTranspose", ["z", "w"], ["image"], group=2, strides=[2, 2])],
        [1, 4, 3, 3], {"w": rand(4, 3, 2, 2)})
    add("convT_1x1_to_4x4", [
        node("Reshape", ["z", "shape"], ["r"]),
        node("ConvTranspose", ["r", "w", "b"], ["c"]),
        node("Tanh", ["c"], ["image"])],
        [3, 10], {"shape": np.array([-1, 10, 1, 1], dtype=np.int64), "w": rand(10, 7, 4, 4, scale=0.3), "b": rand(7)})
    add("convT_k5s3_asym_dilation", [node("ConvTranspose", ["z", "w"], ["image"], strides=[3, 2], pads=[2, 1, 1, 0], dilations=[1, 2])],
        [1, 2, 4, 3], {"w": rand(2, 3, 5, 3)})

    # Gemm / MatMul with bias and activations.
    add("gemm_transB_bias_relu", [node("Gemm", ["z", "w", "b"], ["g"], transB=1, alpha=0.7, beta=1.3), node("Relu", ["g"], ["image"])],
        [3, 13], {"w": rand(11, 13), "b": rand(11)})
    add("matmul_add_sigmoid", [node("MatMul", ["z", "w"], ["m"]), node("Add", ["m", "b"], ["a"]), node("Sigmoid", ["a"], ["image"])],
        [2, 9], {"w": rand(9, 20), "b": rand(20)})

    # Normalizations.
    add("batchnorm_standalone_clip", [
        node("Add", ["z", "one"], ["x"]),
        node("BatchNormalization", ["x", "g", "beta", "mean", "var"], ["bn"]),
        node("Clip", ["bn", "lo", "hi"], ["image"])],
        [2, 3, 4, 5], {"one": np.array(1.0, np.float32), "g": rand(3), "beta": rand(3), "mean": rand(3),
                       "var": np.abs(rand(3)) + 0.1, "lo": np.array(-0.5, np.float32), "hi": np.array(0.7, np.float32)})
    add("instancenorm_relu", [node("InstanceNormalization", ["z", "s", "b"], ["n"], epsilon=1e-5), node("Relu", ["n"], ["image"])],
        [2, 3, 5, 7], {"s": rand(3), "b": rand(3)})

    # Elementwise activations and broadcasting arithmetic.
    add("activations_chain", [
        node("LeakyRelu", ["z"], ["a"], alpha=0.1), node("Sigmoid", ["a"], ["b"]), node("Mul", ["z", "b"], ["c"]),
        node("Tanh", ["c"], ["d"]), node("PRelu", ["d", "slope"], ["e"]), node("Elu", ["e"], ["f"], alpha=0.5),
        node("Neg", ["f"], ["g"]), node("Relu", ["g"], ["image"])],
        [2, 3, 5, 37], {"slope": rand(3, 1, 1)})
    add("broadcast_arith", [
        node("Add", ["z", "c1"], ["a"]), node("Sub", ["a", "c2"], ["b"]), node("Mul", ["b", "c3"], ["c"]),
        node("Div", ["c", "c4"], ["d"]), node("Sub", ["c5", "d"], ["image"])],
        [2, 3, 4, 33], {"c1": rand(3, 1, 1), "c2": rand(1, 3, 1, 33), "c3": rand(33), "c4": np.abs(rand(2, 1, 4, 1)) + 0.5,
                        "c5": np.array(0.25, np.float32)})
    add("runtime_broadcast_mul", [
        node("GlobalAveragePool", ["z"], ["p"]), node("Sigmoid", ["p"], ["s"]), node("Mul", ["z", "s"], ["image"])],
        [2, 5, 7, 9])

    # GLU through Split, Slice with steps / negative indices, Concat with constants.
    add("glu_split", [node("Split", ["z"], ["a", "b"], axis=1, num_outputs=2), node("Sigmoid", ["b"], ["s"]), node("Mul", ["a", "s"], ["image"])],
        [2, 6, 5, 3], opset=18)
    add("glu_split_sizes", [node("Split", ["z", "sizes"], ["a", "b"], axis=1), node("Sigmoid", ["b"], ["s"]), node("Mul", ["a", "s"], ["image"])],
        [1, 8, 3, 5], {"sizes": np.array([4, 4], np.int64)})
    add("slice_steps_negative", [node("Slice", ["z", "st", "en", "ax", "sp"], ["image"])],
        [2, 7, 9, 8], {"st": np.array([-1, 1, 0], np.int64), "en": np.array([-1000, 8, 100], np.int64),
                       "ax": np.array([1, 2, 3], np.int64), "sp": np.array([-2, 3, 2], np.int64)})
    add("concat_with_constant", [node("Relu", ["z"], ["r"]), node("Concat", ["z", "k", "r"], ["image"], axis=1)],
        [2, 3, 4, 5], {"k": np.broadcast_to(rand(1, 2, 4, 5), (2, 2, 4, 5)).copy()}, dynamic_batch=False)

    # Resize / upsample.
    add("resize_nearest_2x", [node("Resize", ["z", "", "scales"], ["image"], mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")],
        [1, 3, 5, 7], {"scales": np.array([1, 1, 2, 2], np.float32)})
    add("resize_nearest_sizes_odd", [node("Resize", ["z", "", "", "sizes"], ["image"], mode="nearest")],
        [1, 2, 5, 4], {"sizes": np.array([1, 2, 7, 9], np.int64)}, dynamic_batch=False)
    add("resize_linear_half_pixel", [node("Resize", ["z", "", "scales"], ["image"], mode="linear")],
        [2, 3, 4, 6], {"scales": np.array([1, 1, 2, 1.5], np.float32)})
    add("resize_linear_align_corners", [node("Resize", ["z", "", "scales"], ["image"], mode="linear", coordinate_transformation_mode="align_corners")],
        [1, 2, 5, 3], {"scales": np.array([1, 1, 2, 3], np.float32)})
    add("resize_linear_pytorch_half_pixel", [node("Resize", ["z", "", "scales"], ["image"], mode="linear", coordinate_transformation_mode="pytorch_half_pixel")],
        [1, 2, 3, 5], {"scales": np.array([1, 1, 2, 2], np.float32)})

    # Pooling.
    add("avgpool_k3s2p1", [node("AveragePool", ["z"], ["image"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])], [1, 3, 9, 8])
    add("avgpool_count_include_pad", [node("AveragePool", ["z"], ["image"], kernel_shape=[3, 2], strides=[1, 2], pads=[1, 0, 1, 1], count_include_pad=1)], [2, 2, 5, 7])
    add("avgpool_adaptive_4", [node("AveragePool", ["z"], ["image"], kernel_shape=[2, 2], strides=[2, 2])], [1, 4, 8, 8])
    add("maxpool_k2", [node("MaxPool", ["z"], ["image"], kernel_shape=[2, 2], strides=[2, 2])], [1, 3, 6, 7])

    # Views, transposes, shape chains that fold to constants.
    add("shape_gather_concat_reshape", [
        node("Shape", ["z"], ["s"]), node("Gather", ["s", "i0"], ["n"], axis=0),
        node("Unsqueeze", ["n", "ax0"], ["nn"]), node("Concat", ["nn", "rest"], ["target"], axis=0),
        node("Reshape", ["z", "target"], ["r"]), node("Relu", ["r"], ["image"])],
        [2, 24], {"i0": np.array(0, np.int64), "ax0": np.array([0], np.int64), "rest": np.array([6, 2, 2], np.int64)})
    add("flatten_unsqueeze_squeeze_transpose", [
        node("Flatten", ["z"], ["f"], axis=1), node("Unsqueeze", ["f", "ax"], ["u"]), node("Squeeze", ["u", "ax"], ["s"]),
        node("Reshape", ["s", "shape"], ["r"]), node("Transpose", ["r"], ["t"], perm=[0, 3, 1, 2]), node("Identity", ["t"], ["image"])],
        [2, 3, 4, 5], {"ax": np.array([2], np.int64), "shape": np.array([2, 5, 3, 4], np.int64)})
    add("expand_constant_of_shape", [
        node("Shape", ["z"], ["s"]), node("ConstantOfShape", ["s"], ["ones"], value=helper.make_tensor("v", TensorProto.FLOAT, [1], [0.5])),
        node("Expand", ["z", "eshape"], ["e"]), node("Mul", ["e", "ones"], ["image"])],
        [2, 1, 3, 1], {"eshape": np.array([2, 4, 3, 5], np.int64)}, dynamic_batch=False)
    add("constant_node", [
        helper.make_node("Constant", [], ["k"], value=helper.make_tensor("kv", TensorProto.FLOAT, [3, 1, 1], [1.0, -2.0, 0.5])),
        node("Mul", ["z", "k"], ["image"])], [2, 3, 2, 2])

    # float16 weights (converted at load).
    w16 = rand(4, 3, 3, 3).astype(np.float16)
    m = make_model([node("Conv", ["z", "w"], ["image"], pads=[1, 1, 1, 1])], [1, 3, 5, 5], {})
    m.graph.initializer.append(numpy_helper.from_array(w16, "w"))
    m.graph.node.insert(0, node("Cast", ["w"], ["w32"], to=TensorProto.FLOAT))
    m.graph.node[1].input[1] = "w32"
    cases.append(("conv_float16_weights", m, [1, 3, 5, 5]))
    return cases


# MARK: - Whole generators (torch)

def torch_models():
    import torch
    import torch.nn as nn

    torch.manual_seed(7)

    def randomize_bn(module):
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.data.uniform_(0.5, 1.5)
                m.bias.data.uniform_(-0.2, 0.2)

    class SLE(nn.Module):
        """Skip-layer excitation (FastGAN): small feature map gates the channels of a large one."""
        def __init__(self, small, big, small_size):
            super().__init__()
            # AdaptiveAvgPool2d(4) as a plain AvgPool2d: the legacy exporter cannot export the adaptive
            # pool when the batch is dynamic; both give the same AveragePool node.
            self.body = nn.Sequential(nn.AvgPool2d(small_size // 4), nn.Conv2d(small, big, 4, 1, 0), nn.LeakyReLU(0.1),
                                      nn.Conv2d(big, big, 1, 1, 0), nn.Sigmoid())

        def forward(self, small, big):
            return big * self.body(small)

    def up_dcgan(cin, cout):
        return nn.Sequential(nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())

    class DCGAN(nn.Module):
        """ConvTranspose+BN+ReLU blocks from 1x1; optional SLE like the shipped model; Conv3x3 + Tanh."""
        def __init__(self, z, widths, sle=None):
            super().__init__()
            self.z = z
            self.first = nn.Sequential(nn.ConvTranspose2d(z, widths[0], 4, 1, 0, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU())
            self.blocks = nn.ModuleList(up_dcgan(a, b) for a, b in zip(widths[:-1], widths[1:]))
            self.sle = sle or []
            self.sles = nn.ModuleList(SLE(widths[s], widths[b], 4 << s) for s, b in self.sle)
            self.last = nn.Sequential(nn.Conv2d(widths[-1], 3, 3, 1, 1), nn.Tanh())

        def forward(self, z):
            x = self.first(z.view(-1, self.z, 1, 1))
            feats = [x]
            for i, block in enumerate(self.blocks):
                x = block(x)
                for (s, b), m in zip(self.sle, self.sles):
                    if b == i + 1:
                        x = m(feats[s], x)
                feats.append(x)
            return self.last(x)

    class GLU(nn.Module):
        def forward(self, x):
            a, b = x.chunk(2, dim=1)
            return a * torch.sigmoid(b)

    def up_fastgan(cin, cout):
        return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(cin, cout * 2, 3, 1, 1, bias=False),
                             nn.BatchNorm2d(cout * 2), GLU())

    class FastGAN(nn.Module):
        """FastGAN-style: ConvTranspose 1->4 + BN + GLU, nearest-upsample + conv + BN + GLU blocks, SLE."""
        def __init__(self, z=32, widths=(32, 24, 16, 16, 8)):
            super().__init__()
            self.z = z
            self.init = nn.Sequential(nn.ConvTranspose2d(z, widths[0] * 2, 4, 1, 0, bias=False), nn.BatchNorm2d(widths[0] * 2), GLU())
            self.ups = nn.ModuleList(up_fastgan(a, b) for a, b in zip(widths[:-1], widths[1:]))
            self.sle = SLE(widths[1], widths[3], 8)   # 8x8 onto 32x32
            self.out = nn.Sequential(nn.Conv2d(widths[-1], 3, 3, 1, 1, bias=False), nn.Tanh())

        def forward(self, z):
            x4 = self.init(z.view(z.shape[0], -1, 1, 1))
            x8 = self.ups[0](x4)
            x16 = self.ups[1](x8)
            x32 = self.sle(x8, self.ups[2](x16))
            x64 = self.ups[3](x32)
            return self.out(x64)

    def export(model, z_dim, path, card=None, dynamo=False):
        model.eval()
        randomize_bn(model)
        z = torch.randn(2, z_dim)
        buf = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if dynamo:
                torch.onnx.export(model, (z,), buf, input_names=["z"], output_names=["image"],
                                  dynamic_shapes=({0: torch.export.Dim("N")},), opset_version=18, dynamo=True)
            else:
                torch.onnx.export(model, (z,), buf, input_names=["z"], output_names=["image"],
                                  dynamic_axes={"z": {0: "N"}, "image": {0: "N"}}, opset_version=OPSET, dynamo=False)
        m = onnx.load_from_string(buf.getvalue())
        if card:
            entry = m.metadata_props.add()
            entry.key, entry.value = "likeness.card", json.dumps(card)
        onnx.save(m, path)
        return m

    out = []
    tiny_card = {"name": "Tiny random generator", "credit": "Likeness test fixture (random weights)",
                 "license": "CC0-1.0", "description": "A 32x32 DCGAN-style generator with random weights, for tests only. zDim 16."}
    models = os.path.join(FIX, "models")
    export(DCGAN(16, [64, 32, 16, 8]), 16, os.path.join(models, "tiny-generator.onnx"), tiny_card)
    out.append(("tiny-generator", "models/tiny-generator.onnx", 16))
    export(DCGAN(24, [48, 40, 24, 16, 8], sle=[(1, 3), (2, 4)]), 24, os.path.join(models, "dcgan-sle-64.onnx"))
    out.append(("dcgan-sle-64", "models/dcgan-sle-64.onnx", 24))
    export(FastGAN(), 32, os.path.join(models, "fastgan-64.onnx"))
    out.append(("fastgan-64", "models/fastgan-64.onnx", 32))
    export(FastGAN(), 32, os.path.join(models, "fastgan-64-dynamo.onnx"), dynamo=True)
    out.append(("fastgan-64-dynamo", "models/fastgan-64-dynamo.onnx", 32))
    return out


def bench_model(path):
    """~1.24 GFLOP/frame 128x128 DCGAN-style generator like the shipped one (widths 512-512-256-128-64-32, SLE)."""
    import torch
    import torch.nn as nn

    torch.manual_seed(128)

    class SLE(nn.Module):
        def __init__(self, small, big, small_size):
            super().__init__()
            # AdaptiveAvgPool2d(4) as a plain AvgPool2d: the legacy exporter cannot export the adaptive
            # pool when the batch is dynamic; both give the same AveragePool node.
            self.body = nn.Sequential(nn.AvgPool2d(small_size // 4), nn.Conv2d(small, big, 4, 1, 0), nn.LeakyReLU(0.1),
                                      nn.Conv2d(big, big, 1, 1, 0), nn.Sigmoid())

        def forward(self, small, big):
            return big * self.body(small)

    def up(cin, cout):
        return nn.Sequential(nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())

    class Bench(nn.Module):
        def __init__(self):
            super().__init__()
            w = [512, 512, 256, 128, 64, 32]
            self.first = nn.Sequential(nn.ConvTranspose2d(128, w[0], 4, 1, 0, bias=False), nn.BatchNorm2d(w[0]), nn.ReLU())
            self.b8, self.b16, self.b32, self.b64, self.b128 = (up(a, b) for a, b in zip(w[:-1], w[1:]))
            self.sle64 = SLE(w[1], w[4], 8)
            self.sle128 = SLE(w[2], w[5], 16)
            self.last = nn.Sequential(nn.Conv2d(w[5], 3, 3, 1, 1), nn.Tanh())

        def forward(self, z):
            x4 = self.first(z.view(-1, 128, 1, 1))
            x8 = self.b8(x4)
            x16 = self.b16(x8)
            x32 = self.b32(x16)
            x64 = self.sle64(x8, self.b64(x32))
            x128 = self.sle128(x16, self.b128(x64))
            return self.last(x128)

    model = Bench().eval()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.randn(1, 128),), buf, input_names=["z"], output_names=["image"],
                          dynamic_axes={"z": {0: "N"}, "image": {0: "N"}}, opset_version=OPSET, dynamo=False)
    m = onnx.load_from_string(buf.getvalue())
    entry = m.metadata_props.add()
    entry.key, entry.value = "likeness.card", json.dumps({
        "name": "Benchmark generator (random weights)", "credit": "Likeness benchmark fixture", "license": "CC0-1.0",
        "description": "128x128 DCGAN-style generator, widths 512-512-256-128-64-32, skip-layer excitation, ~1.2 GFLOP/frame."})
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.save(m, path)
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path) / 1e6:.1f} MB)")


# MARK: - Bad inputs

def bad_cases():
    """(file, expected error case name, bytes) — every one must fail to load with a clear error."""
    out = []
    good = make_model([node("Conv", ["z", "w"], ["image"])], [1, 3, 4, 4], {"w": rand(2, 3, 1, 1)})

    def save(name, model, expect):
        out.append((name, expect, model.SerializeToString()))

    data = good.SerializeToString()
    out.append(("truncated", "notONNX", data[: len(data) // 2]))
    out.append(("not_protobuf", "notONNX", b"This is a README, not an ONNX model.\n" * 4))
    out.append(("empty", "notONNX", b""))

    m = make_model([node("Relu", ["z"], ["image"])], [1, 4])
    del m.graph.input[:]
    save("missing_input", m, "inputOutputCount")

    m = make_model([node("Add", ["z", "y"], ["image"])], [1, 4])
    m.graph.input.append(helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4]))
    save("extra_input", m, "inputOutputCount")

    m = make_model([node("Relu", ["z"], ["image"])], [1, 4, 2])
    save("wrong_input_rank", m, "badSignature")

    m = make_model([node("Relu", ["z"], ["image"])], [1, 4])
    m.graph.input[0].type.tensor_type.elem_type = TensorProto.INT64
    save("wrong_input_dtype", m, "badSignature")

    m = make_model([node("Einsum", ["z", "z"], ["image"], equation="ij,ij->ij")], [1, 4])
    save("unsupported_operator", m, "unsupportedOperator")

    m = make_model([node("MatMul", ["z", "w"], ["image"])], [1, 4], {"w": rand(4, 4)})
    t = m.graph.initializer[0]
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    e = t.external_data.add(); e.key, e.value = "location", "weights.bin"
    save("external_data", m, "externalData")

    w = rand(4, 4); w[1, 2] = np.nan
    save("nan_weight", make_model([node("MatMul", ["z", "w"], ["image"])], [1, 4], {"w": w}), "nonFiniteWeight")
    w = rand(4, 4); w[3, 0] = np.inf
    save("inf_weight", make_model([node("MatMul", ["z", "w"], ["image"])], [1, 4], {"w": w}), "nonFiniteWeight")

    # A weight claiming 2^40 elements without the data: must be refused before allocating.
    m = make_model([node("MatMul", ["z", "w"], ["image"])], [1, 4], {"w": rand(4, 4)})
    del m.graph.initializer[0].dims[:]
    m.graph.initializer[0].dims.extend([1 << 20, 1 << 20])
    save("absurd_weight_dims", m, "tooLarge")

    # A reshape/resize chain whose activations would need hundreds of gigabytes.
    m = make_model([node("Reshape", ["z", "s"], ["r"]), node("Resize", ["r", "", "scales"], ["r2"], mode="nearest"),
                    node("Resize", ["r2", "", "scales"], ["image"], mode="nearest")],
                   [1, 12], {"s": np.array([1, 3, 2, 2], np.int64), "scales": np.array([1, 1, 1000, 1000], np.float32)})
    save("absurd_activation", m, "tooLarge")
    m = make_model([node("ConvTranspose", ["r", "w"], ["image"], strides=[60, 60]), node("Reshape", ["z", "s"], ["r"])],
                   [1, 4], {"s": np.array([1, 4, 1, 1], np.int64), "w": rand(4, 3, 4, 4)})
    m.graph.input[0].type.tensor_type.shape.dim[1].dim_value = 1 << 40
    save("absurd_input_dims", m, "tooLarge")

    m = make_model([node("Relu", ["b"], ["a"]), node("Relu", ["a"], ["b"]), node("Add", ["z", "b"], ["image"])], [1, 4])
    save("cycle", m, "cycle")

    m = make_model([node("Relu", ["nowhere"], ["image"])], [1, 4])
    save("undefined_value", m, "undefinedValue")

    m = make_model([node("Relu", ["z"], ["image"])], [1, 4], opset=9)
    save("old_opset", m, "unsupportedOpset")

    m = make_model([node("MatMul", ["z", "w"], ["image"])], [1, 4], {"w": rand(5, 4)})
    save("shape_mismatch", m, "shapeMismatch")
    return out


# MARK: - Main

def stage_op_cases():
    """Operators of the detail stages (pixel shuffle, padding, cubic resize) and a random-weight stage.

    Drawn from their own seeded generator, so adding them left every earlier fixture unchanged.
    """
    local = np.random.default_rng(20261202)
    r = lambda *shape, scale=1.0: (local.standard_normal(shape) * scale).astype(np.float32)
    cases = []
    add = lambda name, nodes, shape, inits=None, **kw: cases.append((name, make_model(nodes, shape, inits, **kw), shape, local))
    add("depth_to_space_dcr", [node("DepthToSpace", ["z"], ["image"], blocksize=2, mode="DCR")], [1, 12, 5, 7])
    add("depth_to_space_crd", [node("DepthToSpace", ["z"], ["image"], blocksize=3, mode="CRD")], [2, 18, 4, 3])
    add("space_to_depth", [node("SpaceToDepth", ["z"], ["image"], blocksize=2)], [1, 3, 6, 8])
    add("pad_constant", [node("Pad", ["z", "pads", "value"], ["image"], mode="constant")], [1, 3, 5, 7],
        {"pads": np.array([0, 0, 1, 2, 0, 0, 3, 1], np.int64), "value": np.array(0.5, np.float32)})
    add("pad_reflect", [node("Pad", ["z", "pads"], ["image"], mode="reflect")], [2, 2, 6, 5],
        {"pads": np.array([0, 0, 2, 3, 0, 0, 1, 4], np.int64)})
    add("pad_edge_crop", [node("Pad", ["z", "pads"], ["image"], mode="edge")], [1, 2, 5, 6],
        {"pads": np.array([0, 0, 2, -1, 0, 0, -2, 3], np.int64)})
    add("resize_cubic_half_pixel", [node("Resize", ["z", "", "scales"], ["image"], mode="cubic")],
        [1, 3, 5, 7], {"scales": np.array([1, 1, 2, 2], np.float32)})
    add("resize_cubic_align_corners", [node("Resize", ["z", "", "scales"], ["image"], mode="cubic", coordinate_transformation_mode="align_corners")],
        [1, 2, 4, 6], {"scales": np.array([1, 1, 3, 2], np.float32)})
    add("resize_cubic_pytorch_a05_exclude", [node("Resize", ["z", "", "", "sizes"], ["image"], mode="cubic", cubic_coeff_a=-0.5,
                                                  exclude_outside=1, coordinate_transformation_mode="pytorch_half_pixel")],
        [1, 2, 5, 4], {"sizes": np.array([1, 2, 9, 11], np.int64)}, dynamic_batch=False)
    # A x2 detail stage of the agreed architecture at an odd size: conv -> leaky -> conv -> pixel
    # shuffle (CRD, as PyTorch exports it) plus a bilinear upscale of the input (global residual), clipped.
    add("stage_x2_residual", [
        node("Conv", ["z", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]), node("LeakyRelu", ["c1"], ["a1"], alpha=0.2),
        node("Conv", ["a1", "w2", "b2"], ["c2"], pads=[1, 1, 1, 1]), node("LeakyRelu", ["c2"], ["a2"], alpha=0.2),
        node("Conv", ["a2", "w3", "b3"], ["c3"], pads=[1, 1, 1, 1]),
        node("DepthToSpace", ["c3"], ["shuffled"], blocksize=2, mode="CRD"),
        node("Resize", ["z", "", "scales"], ["up"], mode="linear", coordinate_transformation_mode="half_pixel"),
        node("Add", ["up", "shuffled"], ["sum"]), node("Clip", ["sum", "lo", "hi"], ["image"])],
        [1, 3, 9, 11], {"w1": r(16, 3, 3, 3, scale=0.3), "b1": r(16, scale=0.1), "w2": r(16, 16, 3, 3, scale=0.1),
                        "b2": r(16, scale=0.1), "w3": r(12, 16, 3, 3, scale=0.1), "b3": r(12, scale=0.1),
                        "scales": np.array([1, 1, 2, 2], np.float32), "lo": np.array(-1, np.float32), "hi": np.array(1, np.float32)},
        dynamic_batch=False, metadata={"likeness.stage": "detail", "likeness.scale": "2"})
    # Band chains (the engine's fused-layer tiling), from their own generator so the cases above keep
    # their draws: a x4 painter-shaped stage with a noise canvas beside the image, a skip over the
    # body and the residual at an odd size; a x2 stage with a 5x5 head, DCR shuffle and no residual.
    chain = np.random.default_rng(20261203)
    q = lambda *shape, scale=1.0: (chain.standard_normal(shape) * scale).astype(np.float32)
    add("stage_x4_band_chain", [
        node("Concat", ["z", "canvas"], ["features"], axis=1),
        node("Conv", ["features", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]), node("LeakyRelu", ["c1"], ["a1"], alpha=0.2),
        node("Conv", ["a1", "w2", "b2"], ["c2"], pads=[1, 1, 1, 1]), node("LeakyRelu", ["c2"], ["a2"], alpha=0.2),
        node("Conv", ["a2", "w3", "b3"], ["c3"], pads=[1, 1, 1, 1]), node("LeakyRelu", ["c3"], ["a3"], alpha=0.2),
        node("Add", ["a3", "a1"], ["skip"]),
        node("Conv", ["skip", "w4", "b4"], ["c4"], pads=[1, 1, 1, 1]),
        node("DepthToSpace", ["c4"], ["shuffled"], blocksize=4, mode="CRD"),
        node("Resize", ["z", "", "scales"], ["up"], mode="linear", coordinate_transformation_mode="half_pixel"),
        node("Add", ["up", "shuffled"], ["sum"]), node("Clip", ["sum", "lo", "hi"], ["image"])],
        [1, 3, 23, 37], {"canvas": q(1, 2, 23, 37), "w1": q(16, 5, 3, 3, scale=0.3), "b1": q(16, scale=0.1),
                         "w2": q(16, 16, 3, 3, scale=0.1), "b2": q(16, scale=0.1), "w3": q(16, 16, 3, 3, scale=0.1),
                         "b3": q(16, scale=0.1), "w4": q(48, 16, 3, 3, scale=0.1), "b4": q(48, scale=0.1),
                         "scales": np.array([1, 1, 4, 4], np.float32), "lo": np.array(-1, np.float32), "hi": np.array(1, np.float32)},
        dynamic_batch=False, metadata={"likeness.stage": "detail", "likeness.scale": "4"})
    add("stage_x2_dcr_5x5", [
        node("Conv", ["z", "w1", "b1"], ["c1"], pads=[2, 2, 2, 2]), node("Relu", ["c1"], ["a1"]),
        node("Conv", ["a1", "w2", "b2"], ["c2"], pads=[1, 1, 1, 1]), node("Tanh", ["c2"], ["a2"]),
        node("Conv", ["a2", "w3", "b3"], ["c3"], pads=[1, 1, 1, 1]),
        node("DepthToSpace", ["c3"], ["image"], blocksize=2, mode="DCR")],
        [1, 3, 17, 19], {"w1": q(8, 3, 5, 5, scale=0.2), "b1": q(8, scale=0.1), "w2": q(24, 8, 3, 3, scale=0.15),
                         "b2": q(24, scale=0.1), "w3": q(12, 24, 3, 3, scale=0.1), "b3": q(12, scale=0.1)},
        dynamic_batch=False, metadata={"likeness.stage": "detail", "likeness.scale": "2"})
    return cases


def chain_stages():
    """Two random-weight x2 detail stages of the shipped stages' architecture (conv, leaky, conv, pixel
    shuffle CRD, plus a bilinear upscale of the input, clipped) that follow tiny-generator: 32 -> 64 -> 128.

    Narrow (8 channels), so a frame of the whole chain costs little; their own seeded generator, so they
    leave every other fixture unchanged.
    """
    local = np.random.default_rng(20261215)
    r = lambda *shape, scale=1.0: (local.standard_normal(shape) * scale).astype(np.float32)
    stages = []
    for size in (32, 64):
        nodes = [
            node("Conv", ["z", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]), node("LeakyRelu", ["c1"], ["a1"], alpha=0.2),
            node("Conv", ["a1", "w2", "b2"], ["c2"], pads=[1, 1, 1, 1]),
            node("DepthToSpace", ["c2"], ["shuffled"], blocksize=2, mode="CRD"),
            node("Resize", ["z", "", "scales"], ["up"], mode="linear", coordinate_transformation_mode="half_pixel"),
            node("Add", ["up", "shuffled"], ["sum"]), node("Clip", ["sum", "lo", "hi"], ["image"])]
        inits = {"w1": r(8, 3, 3, 3, scale=0.3), "b1": r(8, scale=0.1), "w2": r(12, 8, 3, 3, scale=0.1), "b2": r(12, scale=0.1),
                 "scales": np.array([1, 1, 2, 2], np.float32), "lo": np.array(-1, np.float32), "hi": np.array(1, np.float32)}
        card = json.dumps({"name": f"Tiny x2 stage {size}", "credit": "Likeness test fixture (random weights)", "license": "CC0-1.0",
                           "description": f"A random-weight x2 detail stage, {size} -> {2 * size}, for tests only."})
        model = make_model(nodes, [1, 3, size, size], inits, dynamic_batch=False,
                           metadata={"likeness.stage": "detail", "likeness.scale": "2", "likeness.card": card})
        x = (local.standard_normal((1, 3, size, size)) * 0.6).astype(np.float32)
        assert ort_run(model.SerializeToString(), x).shape == (1, 3, 2 * size, 2 * size)
        stages.append((os.path.join(FIX, "models", f"tiny-stage-{size}.onnx"), model))
    return stages


def write_chain_stages():
    for path, model in chain_stages():
        with open(path, "wb") as f:
            f.write(model.SerializeToString())


def write_stage_ops(golden):
    for name, model, shape, local in stage_op_cases():
        data = model.SerializeToString()
        x = (local.standard_normal(shape) * 0.6).astype(np.float32)
        y = ort_run(data, x)
        base = os.path.join("ops", name)
        with open(os.path.join(FIX, base + ".onnx"), "wb") as f:
            f.write(data)
        write_f32(os.path.join(FIX, base + ".in.f32"), x)
        write_f32(os.path.join(FIX, base + ".out.f32"), y)
        golden.append({"name": name, "model": base + ".onnx", "input": base + ".in.f32", "inputShape": list(shape),
                       "expected": base + ".out.f32", "outputShape": list(y.shape), "generator": False})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bench", action="store_true", help="only write .cache/bench-128.onnx")
    parser.add_argument("--stage-ops", action="store_true", help="only (re)write the detail stages' operator cases into golden.json")
    parser.add_argument("--chain-stages", action="store_true", help="only (re)write tiny-stage-32.onnx and tiny-stage-64.onnx")
    args = parser.parse_args()
    if args.chain_stages:
        write_chain_stages()
        return
    bench_path = os.path.join(ROOT, ".cache", "bench-128.onnx")
    if args.bench:
        bench_model(bench_path)
        return
    if args.stage_ops:
        names = {name for name, *_ in stage_op_cases()}
        with open(os.path.join(FIX, "golden.json")) as f:
            golden = [g for g in json.load(f) if g["name"] not in names]
        write_stage_ops(golden)
        with open(os.path.join(FIX, "golden.json"), "w") as f:
            json.dump(golden, f, indent=1)
        return

    for sub in ("ops", "models", "bad"):
        os.makedirs(os.path.join(FIX, sub), exist_ok=True)
    golden = []

    for name, model, shape in op_cases():
        data = model.SerializeToString()
        x = rand(*shape)
        y = ort_run(data, x)
        base = os.path.join("ops", name)
        with open(os.path.join(FIX, base + ".onnx"), "wb") as f:
            f.write(data)
        write_f32(os.path.join(FIX, base + ".in.f32"), x)
        write_f32(os.path.join(FIX, base + ".out.f32"), y)
        golden.append({"name": name, "model": base + ".onnx", "input": base + ".in.f32", "inputShape": list(shape),
                       "expected": base + ".out.f32", "outputShape": list(y.shape), "generator": False})

    for name, path, z_dim in torch_models():
        data = open(os.path.join(FIX, path), "rb").read()
        for batch in (1, 3):
            x = rand(batch, z_dim)
            y = ort_run(data, x)
            base = os.path.join("models", f"{name}.b{batch}")
            write_f32(os.path.join(FIX, base + ".in.f32"), x)
            write_f32(os.path.join(FIX, base + ".out.f32"), y)
            golden.append({"name": f"{name} batch {batch}", "model": path, "input": base + ".in.f32", "inputShape": [batch, z_dim],
                           "expected": base + ".out.f32", "outputShape": list(y.shape), "generator": True})

    write_stage_ops(golden)
    write_chain_stages()
    with open(os.path.join(FIX, "golden.json"), "w") as f:
        json.dump(golden, f, indent=1)

    bad = []
    for name, expect, data in bad_cases():
        with open(os.path.join(FIX, "bad", name + ".onnx"), "wb") as f:
            f.write(data)
        bad.append({"file": f"bad/{name}.onnx", "expect": expect})
    with open(os.path.join(FIX, "bad.json"), "w") as f:
        json.dump(bad, f, indent=1)

    total = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(FIX) for n in ns)
    print(f"wrote {len(golden)} golden cases and {len(bad)} bad inputs; Tests/Fixtures is {total / 1e6:.2f} MB")
    bench_model(bench_path)


if __name__ == "__main__":
    sys.exit(main())
