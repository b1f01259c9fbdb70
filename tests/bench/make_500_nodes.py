#!/usr/bin/python3
"""make_500_nodes.py OUT.onnx -- a MobileNetV3-style model of ~520 ONNX nodes
(inverted residual blocks with hard-swish, SE and residual adds, small
widths) for the kernel-detection and TUI benchmarks."""
import sys
import numpy as np
import onnx
from onnx import helper, TensorProto, numpy_helper

rng = np.random.default_rng(5)
nodes, inits = [], []
count = [0]


def name(op):
    count[0] += 1
    return f"/{op}_{count[0]}"


def init(shape, scale=0.1):
    n = name("w")
    inits.append(numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), n))
    return n


def node(op, inputs, **attrs):
    n = name(op)
    nodes.append(helper.make_node(op, inputs, [n + "_out"], name=n, **attrs))
    return n + "_out"


def conv(x, cin, cout, k, groups=1):
    w = init([cout, cin // groups, k, k])
    return node("Conv", [x, w], kernel_shape=[k, k], pads=[k // 2] * 4, group=groups)


def ones(c):
    n = name("var")
    inits.append(numpy_helper.from_array(np.ones(c, np.float32), n))
    return n


def bn(x, c):
    """BatchNormalization with a positive variance."""
    return node("BatchNormalization", [x, init([c]), init([c]), init([c]), ones(c)])


x = "input"
c = 16
x = node("HardSwish", [bn(conv(x, 3, c, 3), c)])
for b in range(34):
    e = c * 4
    h = node("HardSwish", [bn(conv(x, c, e, 1), e)])
    h = node("HardSwish", [bn(conv(h, e, e, 3, groups=e), e)])
    s = node("GlobalAveragePool", [h])
    s = node("Relu", [conv(s, e, e // 4, 1)])
    s = node("HardSigmoid", [conv(s, e // 4, e, 1)])
    h = node("Mul", [h, s])
    h = bn(conv(h, e, c, 1), c)
    x = node("Add", [x, h])
out = node("GlobalAveragePool", [x])
graph = helper.make_graph(nodes, "bench500",
                          [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 64, 64])],
                          [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.save(model, sys.argv[1])
print(f"{sys.argv[1]}: {len(nodes)} nodes")
