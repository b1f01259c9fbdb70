#!/usr/bin/env bash
# nn-Meter IR import: the shipped sample (nn-Meter's golden MobileNetV3-Small
# graph) opens like an ONNX model -- every node mapped and shaped, conv/fc
# FLOPs equal to the MACs computed independently from the IR file, 4-D
# shapes in NCHW agreeing with the file's NHWC ones, its kernels on the
# paper's CPU device (SE and hard-swish found) -- a benchmark-dataset
# record ({"graph": ...} per line) opens too, and malformed IR files exit 2
# with one line.
# usage: test_nnmeter_ir.sh NNMETER_TUI SOURCE_DIR
set -u
TUI=$1 SRC=$2
PY=/usr/bin/python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
check() {   # check NAME COMMAND...
    if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi
}
IR="$SRC/samples/mobilenetv3small_0.nnmeter.json"

# 1. the graph: nodes, shapes, FLOPs against the file
nice -n 19 "$TUI" --report --format json --device cortexA76cpu_tflite21 "$IR" >"$T/r.json" \
    2>"$T/r.err"
check "report exits 0" test $? -eq 0
check "graph matches the IR file" "$PY" - "$T/r.json" "$IR" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
ir = json.load(open(sys.argv[2]))
types = [v["attr"]["type"] for v in ir.values()]
ops = len(types) - types.count("Const") - types.count("Placeholder")
assert r["totals"]["nodes"] == ops == 247, (r["totals"]["nodes"], ops)
assert r["totals"]["unsupported_nodes"] == 0 and r["unsupported_ops"] == [], r["unsupported_ops"]
assert r["inputs"][0]["shape"] == [1, 3, 224, 224], r["inputs"]
for n in r["nodes"]:
    s = n["outputs"][0]["shape"]
    assert s is not None and all(d > 0 for d in s), (n["name"], s)
nodes = {n["name"]: n for n in r["nodes"]}
macs = 0
for name, v in ir.items():
    a = v["attr"]
    if a["type"] in ("Conv2D", "DepthwiseConv2dNative"):
        kh, kw, cin, cout = a["attr"]["weight_shape"]
        n, h, w, c = a["output_shape"][0]
        macs += n * h * w * c * kh * kw * (1 if a["type"] == "DepthwiseConv2dNative" else cin)
        # our NCHW output is the file's NHWC one, transposed
        assert nodes[name]["outputs"][0]["shape"] == [n, c, h, w], name
        assert nodes[name]["op"] == "Conv", name
macs += 1024 * 1000                                   # fc15: 1024 -> 1000
conv = sum(n["flops"] for n in r["nodes"] if n["op"] in ("Conv", "Gemm"))
assert conv == 2 * macs, (conv, macs)
total = r["totals"]["flops"]
assert 115e6 <= total <= 135e6, total
assert r["outputs"][0]["shape"] == [1, 1000], r["outputs"]
print("  %d nodes, %.2f M MACs in conv/fc (%.2f MFLOPs), %.2f MFLOPs in all, %.3f M params"
      % (r["totals"]["nodes"], macs / 1e6, conv / 1e6, total / 1e6, r["totals"]["params"] / 1e6))
EOF

# 2. kernels on the paper's CPU device
check "kernels on cortexA76cpu_tflite21" "$PY" - "$T/r.json" <<'EOF'
import collections, json, sys
r = json.load(open(sys.argv[1]))
d = r["devices"][0]
assert d["name"] == "cortexA76cpu_tflite21"
ks = d["kernels"]
types = collections.Counter(k["type"] for k in ks)
assert types["se"] == 9, types                       # SE and SE_1 .. SE_8
assert types["conv"] >= 20 and types["dwconv"] == 11 and types["fc"] == 1, types
assert types["gap"] == 1 and types["hswish"] >= 1, types
first = ks[0]
assert first["type"] == "conv" and "hswish" in first["ops"], first   # conv+bn+hswish
members = [m for k in ks for m in k["nodes"]]
assert len(members) == len(set(members)), "a node in two kernels"
assert len(members) + len(d["free_nodes"]) == r["totals"]["nodes"]
print("  %d kernels: %s" % (len(ks), ", ".join("%s %d" % kv for kv in sorted(types.items()))))
EOF
nice -n 19 "$TUI" --report --device all "$IR" >"$T/all.txt" 2>&1
check "every device partitions it" test $? -eq 0

# 3. a benchmark-dataset record: one graph per line under "graph"
"$PY" - "$IR" "$T/set.jsonl" <<'EOF'
import json, sys
g = json.load(open(sys.argv[1]))
with open(sys.argv[2], "w") as f:
    for i in range(2):
        f.write(json.dumps({"id": "mobilenetv3small_%d" % i, "graph": g,
                            "cortexA76cpu_tflite21": 12.5589}) + "\n")
EOF
nice -n 19 "$TUI" --report --format json "$T/set.jsonl" >"$T/set.json" 2>"$T/set.err"
check "dataset record opens" test $? -eq 0
check "dataset record: first graph, noted" "$PY" - "$T/set.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["graph"] == "mobilenetv3small_0" and r["totals"]["nodes"] == 247, r["graph"]
assert any("only the first" in n for n in r["notes"]), r["notes"]
EOF

# 4. malformed IR files: exit 2, one line naming the problem
bad() {   # bad NAME CONTENT EXPECTED-TEXT
    printf '%s' "$2" >"$T/bad.json"
    nice -n 19 "$TUI" --report "$T/bad.json" >"$T/bad.out" 2>"$T/bad.err"
    local rc=$?
    check "malformed ($1): exit 2" test $rc -eq 2
    check "malformed ($1): one line" test "$(wc -l <"$T/bad.err")" -eq 1
    check "malformed ($1): says why" grep -q "$3" "$T/bad.err"
    check "malformed ($1): no report" test ! -s "$T/bad.out"
}
head -c 5000 "$IR" >"$T/trunc.json"
bad truncated "$(cat "$T/trunc.json")" "not an nn-Meter IR graph: invalid JSON at byte"
bad "not nodes" '{"a": 3}' "entry 1 is not a named node object"
bad "no type" '{"a": {"inbounds": [], "attr": {}}}' "node 'a' has no attr.type"
bad "array" '[{"a": 1}]' "the JSON is not an object of nodes"
bad "no input" '{"a": {"inbounds": [], "attr": {"type": "Relu"}}}' "node 'a' (Relu) has no input"
bad "unsized conv" '{"x": {"attr": {"type": "Placeholder", "attr": {"shape": [1, 8, 8, 3]}}},
 "c": {"inbounds": ["x"], "attr": {"type": "Conv2D", "attr": {"kernel_shape": [3, 3]}}}}' \
    "node 'c': cannot size its weights"
bad cycle '{"x": {"attr": {"type": "Placeholder", "attr": {"shape": [1, 8, 8, 3]}}},
 "a": {"inbounds": ["x", "b"], "attr": {"type": "Add"}},
 "b": {"inbounds": ["a"], "attr": {"type": "Relu"}},
 "o": {"inbounds": ["x"], "attr": {"type": "Relu"}}}' "the graph has a cycle through node"

exit $fail
