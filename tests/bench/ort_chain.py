#!/usr/bin/python3
"""ort_chain.py -- kernel times by differential chains, a study for ONNX
Runtime, whose profiler repeats a kernel's share within 10% for only ~62%
of kernels and whose lone kernels are mostly run cost (README, session 7).

  make SPLIT_DIR OUT_DIR R1 R2 [N]   for up to N (default 60) single-kernel
      models of SPLIT_DIR (`nnmeter-build sample --split`) whose one input
      has the output's shape, write OUT_DIR/<kernel>_R<R>.onnx for R = R1
      and R2: R copies of the kernel in sequence, sharing its weights.
  compare A.jsonl B.jsonl R1 R2   two measurements of those models
      (`nnmeter-build measure --backend ort --profile-runs 0`): per kernel,
      (T(R2) - T(R1)) / (R2 - R1) -- the run's fixed cost, the input and
      output copies and the layout conversions at the chain's ends cancel --
      and how often A and B agree within 10%, beside the lone kernel's
      latency less the 45 us run cost.
  share SPLIT_DIR   how many of the split models' kernel instances (its
      split.jsonl manifest) keep their input's shape, per first op.
"""
import copy
import glob
import json
import os
import random
import statistics
import sys

import onnx

# the record reader and match.h's run cost, shared with the profile study
from ort_profile_rounds import RUN_COST_MS, read_records


def dims(value_info):
    return [d.dim_value for d in value_info.type.tensor_type.shape.dim]


def chain(model, copies):
    """The model's nodes repeated `copies` times, each copy fed by the last."""
    g = model.graph
    out = copy.deepcopy(model)
    nodes, prev = [], g.input[0].name
    for r in range(copies):
        renamed = {g.input[0].name: prev}
        for node in g.node:
            n = copy.deepcopy(node)
            n.name = "%s_r%d" % (node.name, r)
            for i, x in enumerate(n.input):
                n.input[i] = renamed.get(x, x)
            for i, x in enumerate(n.output):
                renamed[x] = n.output[i] = "%s_r%d" % (x, r)
            nodes.append(n)
        prev = renamed[g.output[0].name]
    del out.graph.node[:]
    out.graph.node.extend(nodes)
    out.graph.output[0].name = prev
    del out.graph.value_info[:]
    return out


def make(split_dir, out_dir, r1, r2, limit):
    files = sorted(glob.glob(os.path.join(split_dir, "*.onnx")))
    random.Random(3).shuffle(files)
    os.makedirs(out_dir, exist_ok=True)
    made = 0
    for path in files:
        m = onnx.load(path)
        g = m.graph
        if len(g.input) != 1 or len(g.output) != 1:
            continue
        shape = dims(g.input[0])
        if shape != dims(g.output[0]) or 0 in shape:
            continue
        base = os.path.basename(path)[:-len(".onnx")]
        for r in (r1, r2):
            onnx.save(chain(m, r), os.path.join(out_dir, "%s_R%d.onnx" % (base, r)))
        made += 1
        if made >= limit:
            break
    print("%d kernels chained (R = %d and %d) under %s" % (made, r1, r2, out_dir))


def keeps_shape(path):
    g = onnx.load(path, load_external_data=False).graph
    return (len(g.input) == 1 and len(g.output) == 1 and dims(g.input[0]) == dims(g.output[0])
            and 0 not in dims(g.input[0])), g.node[0].op_type


def share(split_dir):
    with open(os.path.join(split_dir, "split.jsonl")) as f:
        files = [json.loads(line).get("file") for line in f]
    kinds = {p: keeps_shape(p) for p in set(files) if p}
    total, kept = 0, 0
    by_op, kept_op = {}, {}
    for p in files:
        if p in kinds:
            ok, op = kinds[p]
            total += 1
            kept += ok
            by_op[op] = by_op.get(op, 0) + 1
            kept_op[op] = kept_op.get(op, 0) + ok
    print("%d kernel instances, %.1f%% keep their input's shape" % (total, 100 * kept / total))
    for op in sorted(by_op, key=lambda o: -by_op[o])[:12]:
        print("  %-20s %5d, %5d keep it" % (op, by_op[op], kept_op[op]))


def latencies(path):
    return {m: x["latency_ms"] for m, x in read_records(path).items()}


def per_kernel(lat, r1, r2):
    out = {}
    for model, t1 in lat.items():
        tail = "_R%d.onnx" % r1
        if model.endswith(tail):
            t2 = lat.get(model[:-len(tail)] + "_R%d.onnx" % r2)
            if t2 is not None:
                lone = t1 - RUN_COST_MS if r1 == 1 else float("nan")
                out[model[:-len(tail)]] = ((t2 - t1) / (r2 - r1), lone)
    return out


def within(a, b):
    return b > 0 and abs(a / b - 1) <= 0.10


def compare(a_path, b_path, r1, r2):
    a, b = per_kernel(latencies(a_path), r1, r2), per_kernel(latencies(b_path), r1, r2)
    both = [k for k in a if k in b]
    chained = sum(within(a[k][0], b[k][0]) for k in both)
    lone = sum(within(a[k][1], b[k][1]) for k in both)
    print("%d kernels: chain times (R = %d vs %d) agree within 10%% for %.1f%%, lone latency less "
          "45 us for %.1f%%" % (len(both), r1, r2, 100 * chained / len(both), 100 * lone / len(both)))
    ratios = [a[k][0] / a[k][1] for k in both if a[k][1] > 0]
    if ratios:
        print("chain time / lone time: median %.2f" % statistics.median(ratios))


def main():
    if len(sys.argv) in (6, 7) and sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]),
             int(sys.argv[6]) if len(sys.argv) == 7 else 60)
    elif len(sys.argv) == 3 and sys.argv[1] == "share":
        share(sys.argv[2])
    elif len(sys.argv) == 6 and sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
