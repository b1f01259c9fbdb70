#!/usr/bin/python3
"""Write a large (~100 MB by default) but simple ONNX model for the memory
benchmark of nnmeter-tui: peak RSS while loading should stay near the file
size (or below it, if weights are skipped/mapped), not a multiple of it.

Usage: /usr/bin/python3 tests/scripts/make_big_model.py OUT.onnx [MB]

The model is a chain of 3x3 Conv layers (512 -> 512 channels, 9.4 MB of
float32 weights each, stored as raw_data initializers) followed by
GlobalAveragePool, Flatten and two Gemm layers whose size tops the file up to
MB megabytes (10^6 bytes).  Input [1,64,16,16] (fixed, no --input needed).
Weights are random float32 from a fixed seed; the script prints the
expected total FLOPs and params so a benchmark can sanity-check the report.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

C = 512
HW = 16
CONV_BYTES = C * C * 9 * 4


def main(argv):
    if len(argv) not in (2, 3):
        sys.stderr.write("usage: %s OUT.onnx [MB]\n" % argv[0])
        return 1
    out = argv[1]
    target = int(float(argv[2]) * 1e6) if len(argv) == 3 else 100 * 10**6
    rng = np.random.default_rng(42)

    def rand(shape):
        return rng.standard_normal(shape, dtype=np.float32) * np.float32(0.01)

    nodes, inits = [], []
    flops = params = 0

    def init(name, arr):
        nonlocal params
        inits.append(numpy_helper.from_array(arr, name))
        params += arr.size
        return name

    # stem 64 -> 512
    nodes.append(helper.make_node("Conv", ["x", init("stem_w", rand([C, 64, 3, 3])),
                                           init("stem_b", rand([C]))], ["c0"],
                                  kernel_shape=[3, 3], pads=[1, 1, 1, 1]))
    flops += 2 * C * HW * HW * 64 * 9 + C * HW * HW
    budget = target - C * 64 * 9 * 4
    n_conv = max(0, (budget * 3 // 4) // CONV_BYTES)  # ~3/4 of the bytes in convs
    t = "c0"
    for i in range(n_conv):
        w = init("conv%d_w" % i, rand([C, C, 3, 3]))
        b = init("conv%d_b" % i, rand([C]))
        nodes.append(helper.make_node("Conv", [t, w, b], ["c%d" % (i + 1)], kernel_shape=[3, 3],
                                      pads=[1, 1, 1, 1]))
        nodes.append(helper.make_node("Relu", ["c%d" % (i + 1)], ["r%d" % (i + 1)]))
        flops += 2 * C * HW * HW * C * 9 + C * HW * HW
        t = "r%d" % (i + 1)
    nodes.append(helper.make_node("GlobalAveragePool", [t], ["gap"]))
    nodes.append(helper.make_node("Flatten", ["gap"], ["flat"], axis=1))
    # two Gemms [512 -> H] and [H -> 1000] fill the rest: 4*(512*H + H*1000) bytes
    rest = max(0, budget - n_conv * CONV_BYTES)
    hidden = max(16, rest // (4 * (C + 1000)))
    nodes.append(helper.make_node("Gemm", ["flat", init("fc1_w", rand([hidden, C])),
                                           init("fc1_b", rand([hidden]))], ["fc1"], transB=1))
    flops += 2 * hidden * C + hidden
    nodes.append(helper.make_node("Relu", ["fc1"], ["fc1r"]))
    nodes.append(helper.make_node("Gemm", ["fc1r", init("fc2_w", rand([1000, hidden])),
                                           init("fc2_b", rand([1000]))], ["y"], transB=1))
    flops += 2 * 1000 * hidden + 1000

    graph = helper.make_graph(nodes, "big_model",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64, HW, HW])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1000])],
                              inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="nnmeter-tui-tests")
    onnx.checker.check_model(model)
    onnx.save(model, out)
    size = os.path.getsize(out)
    print("%s: %.1f MB, %d nodes (%d big convs, gemm hidden %d), params=%d flops=%d" % (
        out, size / 1e6, len(nodes), n_conv, hidden, params, flops))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
