#!/usr/bin/python3
"""Check nnmeter-tui's shapes, FLOPs and params against the expectations
written by tests/models/make_models.py.

Usage: /usr/bin/python3 tests/scripts/check_models.py BINARY MODELDIR

For every MODELDIR/NAME.expect.json this runs
    BINARY --report --format json [input_flags...] MODELDIR/NAME.onnx
and compares, node by node in file order (names are not compared: the
binary invents names for unnamed nodes):
  - node count and op type,
  - every output shape (outputs matched by tensor name),
  - flops exactly, for Conv / ConvTranspose / Gemm / MatMul,
  - params (element count of the node's initializer inputs), every node,
  - the shapes of the graph inputs,
  - totals.flops == sum of the reported node flops.
One line per mismatch ("MODEL node IDX (OP, out TENSOR): WHAT expected X got
Y"), then "N passed, M failed" (one model = one test); exit 1 if any failed.
Only the standard library is needed.
"""

import glob
import json
import os
import subprocess
import sys

TIMEOUT = 60
FLOP_OPS = ("Conv", "ConvTranspose", "Gemm", "MatMul")


def check_model(binary, exp_path):
    """Returns a list of mismatch strings (empty = pass)."""
    with open(exp_path) as f:
        exp = json.load(f)
    model = os.path.join(os.path.dirname(exp_path), exp["model"])
    tag = exp["model"]
    cmd = [binary, "--report", "--format", "json"] + exp["input_flags"] + [model]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return ["%s: timeout after %ds" % (tag, TIMEOUT)]
    err = p.stderr.decode("utf-8", "replace").strip()
    if p.returncode != 0:
        return ["%s: exit %d, stderr: %s" % (tag, p.returncode, err[:500])]
    try:
        got = json.loads(p.stdout)
    except ValueError as e:
        return ["%s: stdout is not JSON (%s): %r" % (tag, e, p.stdout[:200])]

    bad = []
    try:
        bad += compare(tag, exp, got)
    except (KeyError, TypeError, IndexError) as e:  # malformed report
        bad.append("%s: malformed report (%s: %s)" % (tag, type(e).__name__, e))
    return bad


def compare(tag, exp, got):
    bad = []
    got_inputs = {i["name"]: i["shape"] for i in got["inputs"]}
    for i in exp["inputs"]:
        if i["name"] not in got_inputs:
            bad.append("%s: input %s missing" % (tag, i["name"]))
        elif got_inputs[i["name"]] != i["shape"]:
            bad.append("%s: input %s: shape expected %s got %s"
                       % (tag, i["name"], i["shape"], got_inputs[i["name"]]))

    en, gn = exp["nodes"], got["nodes"]
    if len(en) != len(gn):
        bad.append("%s: node count expected %d got %d" % (tag, len(en), len(gn)))
    for e, g in zip(en, gn):
        where = "%s node %d (%s)" % (tag, e["index"], e["op"])
        if g["op"] != e["op"]:
            bad.append("%s: op expected %s got %s" % (where, e["op"], g["op"]))
            continue
        gouts = {o["name"]: o["shape"] for o in g["outputs"]}
        for o in e["outputs"]:
            if o["name"] not in gouts:
                bad.append("%s: output %s missing" % (where, o["name"]))
            elif gouts[o["name"]] != o["shape"]:
                bad.append("%s, out %s: shape expected %s got %s"
                           % (where, o["name"], o["shape"], gouts[o["name"]]))
        if "flops" in e and g["flops"] != e["flops"]:
            bad.append("%s: flops expected %d got %s" % (where, e["flops"], g["flops"]))
        if g["params"] != e["params"]:
            bad.append("%s: params expected %d got %s" % (where, e["params"], g["params"]))

    s = sum(g["flops"] for g in gn if isinstance(g["flops"], int))
    if got["totals"]["flops"] != s:
        bad.append("%s: totals.flops %s != sum of node flops %d" % (tag, got["totals"]["flops"], s))
    return bad


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: %s BINARY MODELDIR\n" % argv[0])
        return 1
    binary, modeldir = os.path.abspath(argv[1]), argv[2]
    exps = sorted(glob.glob(os.path.join(modeldir, "*.expect.json")))
    if not exps:
        sys.stderr.write("no *.expect.json in %s (run tests/models/make_models.py)\n" % modeldir)
        return 1
    passed = failed = 0
    for ep in exps:
        bad = check_model(binary, ep)
        if bad:
            failed += 1
            for line in bad:
                print("FAIL " + line)
        else:
            passed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
