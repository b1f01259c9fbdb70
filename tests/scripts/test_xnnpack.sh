#!/usr/bin/env bash
# The XNNPACK backend end to end: tiny models measured with
# `nnmeter-build measure --backend xnnpack` give valid records, an op
# XNNPACK cannot run gives a clean error naming it and no record, records
# from another runtime are never mixed in, and the xnnpack-cpu device
# partitions a ResNet into other kernels than ort-cpu (its residual adds do
# not fuse into the convolutions).
# usage: test_xnnpack.sh NNMETER_BUILD NNMETER_TUI SOURCE_DIR
set -u
BUILD=$1 TUI=$2 SRC=$3
# records.py: the data files with their header lines applied
export PYTHONPATH="$SRC/tests/scripts${PYTHONPATH:+:$PYTHONPATH}"
PY=/usr/bin/python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
check() {   # check NAME COMMAND...
    if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi
}

"$PY" "$SRC/tests/scripts/xnnpack_models.py" test "$T" || { echo "FAIL cannot write models"; exit 1; }
M="--backend xnnpack --rounds 1 --warmup 1 --runs 3 --extra-rounds 0"

# built without libxnnpack-dev: the backend says so; nothing else to test
nice -n 19 "$BUILD" measure $M --out "$T/probe.jsonl" "$T/conv_bn_relu.onnx" 2>"$T/probe.err"
if grep -q "built without XNNPACK" "$T/probe.err"; then
    echo "skip: $(cat "$T/probe.err")"
    exit 77
fi

# 1. two models: one valid record each
nice -n 19 "$BUILD" measure $M --out "$T/ok.jsonl" "$T/conv_bn_relu.onnx" \
    "$T/conv_add_relu.onnx" 2>"$T/ok.err"
check "measure exits 0" test $? -eq 0
check "records are valid" "$PY" - "$T/ok.jsonl" "$T" <<'EOF'
import json, sys, records
recs = records.load(sys.argv[1])
assert len(recs) == 2, recs
assert {r["model"] for r in recs} == {sys.argv[2] + "/conv_bn_relu.onnx",
                                      sys.argv[2] + "/conv_add_relu.onnx"}
for r in recs:
    assert r["backend"] == "xnnpack" and r["threads"] == 1, r
    assert r["runtime"].startswith("XNNPACK ") and r["runtime"].endswith(", 1 thread"), r
    assert r["cpu"] and r["date"] and " warmup_ms=2 " in r["protocol"], r
    assert 0 < r["latency_ms"] < 1000 and r["spread"] >= 0, r
    assert len(r["round_min_ms"]) == 1 and "profile" not in r, r
EOF

# 1b. --statistic min: the latency is the lowest round minimum (the default
# is the mean of the two lowest); the protocol says which, and that short
# runs are batched; a statistic we do not know is refused by name
nice -n 19 "$BUILD" measure --backend xnnpack --rounds 3 --warmup 1 --runs 3 --extra-rounds 0 \
    --statistic min --out "$T/min.jsonl" "$T/conv_bn_relu.onnx" 2>"$T/min.err"
check "--statistic min exits 0" test $? -eq 0
check "--statistic min: latency is the lowest round" "$PY" - "$T/min.jsonl" "$T/ok.jsonl" <<'EOF'
import sys, records
r = records.load(sys.argv[1])[0]
assert len(r["round_min_ms"]) == 3 and r["latency_ms"] == min(r["round_min_ms"]), r
assert r["protocol"].endswith(" min-round-min runs-batched-to-0.05ms"), r["protocol"]
d = records.load(sys.argv[2])[0]
assert " mean-of-two-lowest-round-min " in d["protocol"], d["protocol"]
EOF
"$BUILD" measure --backend xnnpack --statistic median --out "$T/x.jsonl" "$T/conv_bn_relu.onnx" \
    2>"$T/stat.err"
check "--statistic median: usage exit 1" test $? -eq 1
check "--statistic median: message" grep -q "^nnmeter-build measure: --statistic is min or mean2, not 'median'$" "$T/stat.err"

# 2. unsupported ops: the op is named, the model gets no record, the other does
nice -n 19 "$BUILD" measure $M --out "$T/bad.jsonl" "$T/layernorm.onnx" \
    "$T/conv_bn_relu.onnx" "$T/concat.onnx" 2>"$T/bad.err"
check "unsupported op: exit 2" test $? -eq 2
check "unsupported op: LayerNormalization named" \
    grep -q "layernorm.onnx: XNNPACK backend: op LayerNormalization not supported" "$T/bad.err"
check "unsupported op: Concat named" \
    grep -q "concat.onnx: XNNPACK backend: op Concat not supported" "$T/bad.err"
check "unsupported op: only the good model recorded" "$PY" - "$T/bad.jsonl" <<'EOF'
import json, sys, records
recs = records.load(sys.argv[1])
assert [r["model"].rsplit("/", 1)[1] for r in recs] == ["conv_bn_relu.onnx"], recs
EOF

# 3. never mix runtimes: appending to an ORT file is refused
"$PY" -c 'import json,sys; r=json.loads(open(sys.argv[1]).readline()); r["runtime"]="onnxruntime-node 1.30.0"; print(json.dumps(r))' \
    "$T/ok.jsonl" >"$T/ort.jsonl"
nice -n 19 "$BUILD" measure $M --append --out "$T/ort.jsonl" "$T/conv_bn_relu.onnx" 2>"$T/mix.err"
check "mixing runtimes refused" test $? -ne 0
check "mixing runtimes: message" grep -q "write to another file" "$T/mix.err"
check "mixing runtimes: file untouched" test "$(wc -l <"$T/ort.jsonl")" -eq 1

# 4. unknown backends list the known ones
"$BUILD" measure --backend nope --out "$T/x.jsonl" "$T/conv_bn_relu.onnx" 2>"$T/nope.err"
check "unknown backend lists xnnpack" grep -q "available: ort, xnnpack" "$T/nope.err"

# 5. kernel partitions differ: ORT fuses conv+BN+add+relu (residual), XNNPACK
# folds BN into the conv and fuses the relu into the add
kernels() {   # kernels MODEL -> "ort xnnpack" kernel counts
    "$TUI" --report --format json --device ort-cpu --device xnnpack-cpu "$1" |
        "$PY" -c 'import json,sys; d=json.load(sys.stdin)
k={v["name"]: len(v["kernels"]) for v in d["devices"]}
print(k["ort-cpu"], k["xnnpack-cpu"])'
}
read -r ort xnn < <(kernels "$SRC/samples/resnet.onnx")
echo "     samples/resnet.onnx: ort-cpu $ort kernels, xnnpack-cpu $xnn kernels"
check "resnet: kernel counts differ" test "${ort:-0}" -gt 0 -a "${xnn:-0}" -gt "${ort:-0}"
"$BUILD" zoo --family resnet --count 1 --seed 3 --out "$T/zoo" >/dev/null
read -r ort xnn < <(kernels "$T/zoo/resnet_0.onnx")
echo "     zoo resnet_0 (seed 3): ort-cpu $ort kernels, xnnpack-cpu $xnn kernels"
check "zoo resnet: kernel counts differ" test "${ort:-0}" -gt 0 -a "${xnn:-0}" -gt "${ort:-0}"
read -r ort xnn < <(kernels "$T/conv_add_relu.onnx")
check "dwconv+add+relu+maxpool: ort 2 kernels, xnnpack 3" test "$ort $xnn" = "2 3"

# 6. dead nodes (a NAS-Bench-201 cell whose node feeds nothing) are not
# run, as ONNX Runtime does not run them (XNNPACK asserted on them)
"$BUILD" zoo --family nasbench201 --count 6 --seed 100 --out "$T/nas" >/dev/null
nice -n 19 "$BUILD" measure $M --out "$T/nas.jsonl" "$T/nas/nasbench201_4.onnx" 2>"$T/nas.err"
check "model with dead nodes measured" test $? -eq 0 -a "$(grep -c '"model"' "$T/nas.jsonl")" -eq 1

exit $fail
