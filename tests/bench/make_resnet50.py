#!/usr/bin/python3
"""make_resnet50.py OUT.onnx -- ResNet-50's layer structure (bottleneck
blocks 3-4-6-3, 224x224 input) as a PyTorch export has it: Conv,
BatchNorm, Relu, Add, MaxPool, GlobalAveragePool, Flatten, Gemm; constant
weights of the real shapes (~100 MB).  For the detect + predict benchmark."""
import sys
import numpy as np
import onnx
from onnx import helper, TensorProto, numpy_helper

nodes, inits = [], []
n = [0]


def name(op):
    n[0] += 1
    return f"/{op}_{n[0]}"


def w(shape):
    t = name("w")
    inits.append(numpy_helper.from_array(np.full(shape, 0.01, np.float32), t))
    return t


def node(op, ins, **a):
    nm = name(op)
    nodes.append(helper.make_node(op, ins, [nm + "_out"], name=nm, **a))
    return nm + "_out"


def conv_bn(x, cin, cout, k, s, relu=True):
    y = node("Conv", [x, w([cout, cin, k, k])], kernel_shape=[k, k], strides=[s, s], pads=[k // 2] * 4)
    y = node("BatchNormalization", [y, w([cout]), w([cout]), w([cout]), w([cout])])
    return node("Relu", [y]) if relu else y


x = conv_bn("input", 3, 64, 7, 2)
x = node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
cin = 64
for stage, (blocks, width) in enumerate([(3, 64), (4, 128), (6, 256), (3, 512)]):
    for b in range(blocks):
        s = 2 if b == 0 and stage > 0 else 1
        y = conv_bn(x, cin, width, 1, 1)
        y = conv_bn(y, width, width, 3, s)
        y = conv_bn(y, width, width * 4, 1, 1, relu=False)
        sc = conv_bn(x, cin, width * 4, 1, s, relu=False) if b == 0 else x
        x = node("Relu", [node("Add", [y, sc])])
        cin = width * 4
x = node("Flatten", [node("GlobalAveragePool", [x])], axis=1)
x = node("Gemm", [x, w([1000, 2048]), w([1000])], transB=1)
g = helper.make_graph(nodes, "resnet50", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 224, 224])],
                      [helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, 1000])], inits)
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), sys.argv[1])
print(f"{sys.argv[1]}: {len(nodes)} nodes")
