#!/usr/bin/python3
"""make_tiny.py OUT.onnx -- one Relu over 1x8x8x8: its measured latency is
the runtime's fixed cost per run (src/build/match.h, MATCH_RUN_COST_MS):
  nnmeter-build measure --backend ort --profile-rounds 1 --out t.jsonl OUT.onnx"""
import sys
import onnx
from onnx import helper, TensorProto

n = helper.make_node("Relu", ["x"], ["y"])
g = helper.make_graph([n], "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 8, 8])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, 8, 8])])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), sys.argv[1])
