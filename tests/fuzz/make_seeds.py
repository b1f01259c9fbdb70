#!/usr/bin/python3
"""Write the tiny multi-node seed models of tests/fuzz/corpus_model/.

Usage: /usr/bin/python3 tests/fuzz/make_seeds.py tests/fuzz/corpus_model

The libonnx-testdata seeds there are single ops; these are small chains
(4-8 channels, so a few hundred bytes to a few KB) that reach what single
ops cannot: residual fusion, depthwise chains, the composites normalization
recognises (hard-swish, SE, GELU, LayerNorm, channel shuffle, swish) and the
Shape -> Gather -> Unsqueeze -> Concat -> Reshape folding.  Reuses the
builder of tests/models/make_models.py; deterministic (fixed seeds).
"""

import math
import os
import sys

import numpy as np
from onnx import numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models"))
import make_models as mm  # noqa: E402


def hswish(b, x):
    t = b.op("Clip", [b.op("Add", [x, b.f32(3.0, "three")]), b.f32(0.0, "lo"), b.f32(6.0, "hi")])
    return b.op("Div", [b.op("Mul", [x, t]), b.f32(6.0, "six")])


def s_residual():
    b = mm.Builder("seed_residual", 13, seed=1, named_nodes=True)
    x = b.input("input", [1, 4, 8, 8])
    y = b.op("MaxPool", [b.conv_bn(x, 4, 4, 3)], kernel_shape=[2, 2], strides=[2, 2])
    y = mm.basic_block(b, y, 4, 4, 1)
    y = mm.basic_block(b, y, 4, 8, 2)
    mm.head(b, y, 8, classes=4)
    return b


def s_mobile():
    b = mm.Builder("seed_mobile", 13, seed=2)
    x = b.input("input", [1, 4, 8, 8])
    y = hswish(b, b.conv(x, 4, 8, 1))
    y = hswish(b, b.conv(y, 8, 8, 3, group=8))        # depthwise
    y = mm.se(b, y, 8, 4, "hardsigmoid")
    y = b.conv(y, 8, 4, 1)
    y = b.op("Add", [x, y])
    mm.inverted_residual(b, y, 4, 4, 1, 2, lambda t: b.op("Clip", [t, b.f32(0.0, "lo6"),
                                                                  b.f32(6.0, "hi6")]))
    return b


def s_transformer():
    S, D, H = 4, 8, 2
    b = mm.Builder("seed_transformer", 17, seed=3)
    x = b.input("x", [1, S, D])

    def linear(t, din, dout):
        return b.op("Add", [b.op("MatMul", [t, b.weight([din, dout], "lin_w")]),
                            b.weight([dout], "lin_b")])

    q = b.op("Transpose", [b.op("Reshape", [linear(x, D, D), b.i64([0, 0, H, D // H])])],
             perm=[0, 2, 1, 3])
    k = b.op("Transpose", [b.op("Reshape", [linear(x, D, D), b.i64([1, -1, H, D // H])])],
             perm=[0, 2, 3, 1])
    att = b.op("Softmax", [b.op("Div", [b.op("MatMul", [q, k]), b.f32(2.0, "scale")])], axis=-1)
    ctx = b.op("Reshape", [b.op("Transpose", [b.op("MatMul", [att, q])], perm=[0, 2, 1, 3]),
                           b.i64([0, 0, D])])
    y = b.op("Add", [x, ctx])
    # Erf GELU
    g = b.op("Erf", [b.op("Div", [y, b.f32(math.sqrt(2.0), "sqrt2")])])
    g = b.op("Mul", [b.op("Mul", [y, b.op("Add", [g, b.f32(1.0, "one")])]), b.f32(0.5, "half")])
    # decomposed LayerNorm
    mu = b.op("ReduceMean", [g], axes=[-1], keepdims=1)
    d = b.op("Sub", [g, mu])
    var = b.op("ReduceMean", [b.op("Pow", [d, b.f32(2.0, "two")])], axes=[-1], keepdims=1)
    n = b.op("Div", [d, b.op("Sqrt", [b.op("Add", [var, b.f32(1e-5, "eps")])])])
    b.op("Add", [b.op("Mul", [n, b.weight([D], "ln_g")]), b.weight([D], "ln_b")])
    return b


def s_shape_subgraph():
    b = mm.Builder("seed_shape", 13, seed=4, named_nodes=True)
    x = b.input("x", ["batch", 4, 4, 4], concrete=[2, 4, 4, 4])
    y = b.op("Relu", [b.conv(x, 4, 2, 3)])
    s = b.op("Shape", [y])
    idx = b.op("Constant", [], value=numpy_helper.from_array(np.array(0, dtype=np.int64)))
    u = b.op("Unsqueeze", [b.op("Gather", [s, idx], axis=0), b.i64([0])])
    c = b.op("Concat", [u, b.i64([-1])], axis=0)
    o = b.op("Gemm", [b.op("Reshape", [y, c]), b.weight([3, 32], "fc_w"), b.weight([3], "fc_b")],
             transB=1)
    b.output_shapes[o] = ["batch", 3]
    return b


def s_shuffle():
    b = mm.Builder("seed_shuffle", 13, seed=5)
    x = b.input("input", [1, 8, 6, 6])
    a, c = b.op("Split", [x, b.i64([4, 4])], n_out=2, axis=1)
    c = b.op("Relu", [b.conv(c, 4, 4, 1)])
    y = b.op("Concat", [a, c], axis=1)
    y = b.op("Reshape", [y, b.i64([1, 2, 4, 6, 6])])
    y = b.op("Transpose", [y], perm=[0, 2, 1, 3, 4])
    y = b.op("Reshape", [y, b.i64([1, 8, 6, 6])])
    y = b.op("AveragePool", [y], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    s = b.op("Sigmoid", [y])
    y = b.op("Mul", [y, s])                           # swish
    b.op("Resize", [y, "", b.f32([1, 1, 2, 2], "scales")], mode="nearest")
    return b


def s_gelu_tanh():
    b = mm.Builder("seed_gelu_tanh", 17, seed=6)
    x = b.input("x", [1, 4, 8])
    h = b.op("MatMul", [x, b.weight([8, 8], "w")])
    # 0.5 * h * (1 + tanh(sqrt(2/pi) * (h + 0.044715 * h^3)))
    cube = b.op("Mul", [b.op("Pow", [h, b.f32(3.0, "three")]), b.f32(0.044715, "k")])
    t = b.op("Tanh", [b.op("Mul", [b.op("Add", [h, cube]), b.f32(math.sqrt(2 / math.pi), "c")])])
    g = b.op("Mul", [b.op("Mul", [h, b.f32(0.5, "half")]), b.op("Add", [t, b.f32(1.0, "one")])])
    b.op("LayerNormalization", [g, b.weight([8], "g"), b.weight([8], "bb")], axis=-1)
    return b


SEEDS = [s_residual, s_mobile, s_transformer, s_shape_subgraph, s_shuffle, s_gelu_tanh]


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: make_seeds.py OUTDIR")
    os.makedirs(argv[1], exist_ok=True)
    for f in SEEDS:
        b = f()
        m = b.build()
        path = os.path.join(argv[1], b.name + ".onnx")
        with open(path, "wb") as fh:
            fh.write(m.SerializeToString())
        print("%s: %d bytes" % (path, os.path.getsize(path)))


if __name__ == "__main__":
    main(sys.argv)
