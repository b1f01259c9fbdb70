#!/usr/bin/env python3
"""make_chains.py OUTDIR -- single-op models and the same op chained 33 times.

A kernel's own time, free of the runtime's fixed cost per run (Node's
~45 us for onnxruntime-node), is the slope: (T(33) - T(1)) / 32.  Compare
it with a predictor's figure for the single-op model:

    tests/bench/make_chains.py /tmp/chains
    build/src/build/nnmeter-build measure --backend ort --cpu 1 --rounds 8 \\
        --profile-runs 0 --out /tmp/chains/m.jsonl /tmp/chains/*.onnx
    build/src/nnmeter-tui --report --format json --device ort-cpu /tmp/chains/Relu_64x28_n1.onnx
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper, save


def chain(op, n, c, hw, path):
    rng = np.random.default_rng(1)
    nodes, inits, x = [], [], "x"
    for i in range(n):
        y = f"y{i}"
        if op in ("Relu", "Sigmoid"):
            nodes.append(helper.make_node(op, [x], [y]))
        else:  # Conv (dense) or DW (depthwise), 3x3, same padding
            w = f"w{i}"
            shape = (c, c, 3, 3) if op == "Conv" else (c, 1, 3, 3)
            inits.append(numpy_helper.from_array(
                ((rng.random(shape) - 0.5) * 0.1).astype(np.float32), w))
            nodes.append(helper.make_node("Conv", [x, w], [y], pads=[1, 1, 1, 1],
                                          group=1 if op == "Conv" else c))
        x = y
    g = helper.make_graph(
        nodes, os.path.basename(path)[:-5],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, hw, hw])],
        [helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, c, hw, hw])], inits)
    save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for op, c, hw in [("Relu", 64, 28), ("Sigmoid", 64, 28), ("Conv", 32, 28),
                      ("DW", 96, 28), ("Relu", 256, 7)]:
        for n in (1, 33):
            chain(op, n, c, hw, os.path.join(out, f"{op}_{c}x{hw}_n{n}.onnx"))


if __name__ == "__main__":
    main()
