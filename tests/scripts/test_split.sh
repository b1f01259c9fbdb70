#!/usr/bin/env bash
# Kernels cut out as models of their own (`nnmeter-build sample --split`),
# the way a runtime without a per-kernel profiler (XNNPACK) is trained:
# every kernel of every model is in the manifest, distinct kernels are
# written once, each written model is valid ONNX and comes back as exactly
# one kernel of the same key; measured alone, `match` labels each with its
# latency less the run cost and gives every whole model the sum of its
# kernels; `eval` counts such records as kernels.  Bad arguments fail with
# one line.
# usage: test_split.sh NNMETER_BUILD NNMETER_TUI SOURCE_DIR
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

"$BUILD" zoo --family nasbench201 --count 6 --seed 100 --out "$T/zoo" >/dev/null
"$BUILD" zoo --family mobilenetv3 --count 1 --seed 5 --out "$T/zoo" >/dev/null
MODELS="$SRC/samples/resnet.onnx $T/zoo/mobilenetv3_0.onnx $T/zoo/nasbench201_4.onnx"

# 1. the manifest covers every kernel; written models are valid and alone
for dev in xnnpack-cpu ort-cpu; do
    "$BUILD" sample --split --device $dev --out "$T/$dev" $MODELS >"$T/$dev.out" 2>"$T/$dev.err"
    check "$dev: split exits 0" test $? -eq 0
    check "$dev: summary line" grep -q "distinct written under $T/$dev, 0 not separable" "$T/$dev.out"
    check "$dev: manifest = kernels of the report; files valid, one kernel each" \
        "$PY" - "$TUI" "$dev" "$T/$dev/split.jsonl" $MODELS <<'EOF'
import json, subprocess, sys
import onnx
tui, dev, manifest, models = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
lines = [json.loads(l) for l in open(manifest)]
def kernels(path):
    out = subprocess.run([tui, "--report", "--format", "json", "--device", dev, path],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["devices"][0]["kernels"]
for m in models:
    mine = [l for l in lines if l["model"] == m]
    assert len(mine) == len(kernels(m)), (m, len(mine), len(kernels(m)))
files = sorted({l["file"] for l in lines})
assert len(files) < len(lines), "no kernel was shared: dedup did nothing"
for f in files:
    onnx.checker.check_model(onnx.load(f), full_check=True)
    ks = kernels(f)
    assert len(ks) == 1, (f, ks)
    want = {l["key"] for l in lines if l["file"] == f}
    assert len(want) == 1, (f, want)
print(f"     {dev}: {len(lines)} kernels, {len(files)} files")
EOF
done

# 2. XNNPACK: measure the kernels alone, match labels them
if nice -n 19 "$BUILD" measure --backend xnnpack --rounds 1 --warmup 1 --runs 3 \
       --extra-rounds 0 --quiet --out "$T/whole.jsonl" "$SRC/samples/resnet.onnx" 2>"$T/w.err"; then
    grep resnet "$T/xnnpack-cpu/split.jsonl" | "$PY" -c '
import json, sys
print("\n".join(sorted({json.loads(l)["file"] for l in sys.stdin})))' >"$T/files"
    nice -n 19 "$BUILD" measure --backend xnnpack --rounds 1 --warmup 1 --runs 3 \
        --extra-rounds 0 --quiet --out "$T/alone.jsonl" $(cat "$T/files") 2>"$T/a.err"
    check "alone: every resnet kernel measured" test "$(grep -c '"model"' "$T/alone.jsonl")" -eq "$(wc -l <"$T/files")"
    "$BUILD" match --device xnnpack-cpu --run-cost 0.001 --split "$T/xnnpack-cpu/split.jsonl" \
        --kernels "$T/k.jsonl" --models "$T/m.jsonl" "$T/whole.jsonl" "$T/alone.jsonl" >"$T/match.out"
    check "match exits 0" test $? -eq 0
    check "match: kernels measured alone counted" grep -q "kernels measured alone (run cost 0.0010 ms)" "$T/match.out"
    check "match: labels = latency - run cost; model = sum of its kernels" \
        "$PY" - "$T/alone.jsonl" "$T/k.jsonl" "$T/m.jsonl" "$T/xnnpack-cpu/split.jsonl" <<'EOF'
import json, sys, records
alone = {r["model"]: r["latency_ms"] for r in records.load(sys.argv[1])}
samples = [json.loads(l) for l in open(sys.argv[2])]
assert len(samples) == len(alone), (len(samples), len(alone))
def label(lat):   # latency less the run cost, never under a quarter of it
    return max(lat - 0.001, 0.25 * lat)
for s in samples:
    assert abs(s["ms"] - label(alone[s["model"]])) < 1e-9, s
    assert s["features"] and s["key"] and s["family"], s
models = [json.loads(l) for l in open(sys.argv[3])]
assert len(models) == 1, models
m = models[0]
want = sum(label(alone[l["file"]]) for l in map(json.loads, open(sys.argv[4]))
           if l["model"] == m["model"])
assert abs(m["label_sum_ms"] - want) < 1e-5 and m["run_cost_ms"] == 0.001, (m, want)
assert m["runtime"].startswith("XNNPACK"), m
EOF
    # a whole device from kernels measured alone: six NAS-Bench-201 models
    # whole, their kernels alone; train fits the in-model cost; eval counts
    # the alone records as kernels, with their noise floor
    Z=$(ls "$T/zoo"/nasbench201_*.onnx)
    "$BUILD" sample --split --device xnnpack-cpu --out "$T/nsplit" $Z >/dev/null
    nice -n 19 "$BUILD" measure --backend xnnpack --rounds 1 --warmup 1 --runs 3 \
        --extra-rounds 0 --quiet --out "$T/nw.jsonl" $Z 2>/dev/null
    nice -n 19 "$BUILD" measure --backend xnnpack --rounds 1 --warmup 1 --runs 3 \
        --extra-rounds 0 --quiet --out "$T/na.jsonl" "$T/nsplit"/*.onnx 2>/dev/null
    cp "$T/na.jsonl" "$T/na2.jsonl"
    "$BUILD" match --device xnnpack-cpu --run-cost 0.0001 --split "$T/nsplit/split.jsonl" \
        --kernels "$T/nk.jsonl" --models "$T/nm.jsonl" "$T/nw.jsonl" "$T/na.jsonl" >/dev/null
    check "six whole models with all kernels alone" test "$(wc -l <"$T/nm.jsonl")" -eq 6
    # with --split a record's profile is not used: the same records with
    # a (made-up) profile give the same samples and models
    "$PY" -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if "model" in r:
        r["profile"] = {"kernels": [{"name": "x", "op_name": "Conv", "dur_ms": 9.0}]}
    print(json.dumps(r))' "$T/nw.jsonl" >"$T/nwp.jsonl"
    "$BUILD" match --device xnnpack-cpu --run-cost 0.0001 --split "$T/nsplit/split.jsonl" \
        --kernels "$T/nkp.jsonl" --models "$T/nmp.jsonl" "$T/nwp.jsonl" "$T/na.jsonl" >/dev/null
    check "--split: profiles in the records are not used (samples)" cmp -s "$T/nk.jsonl" "$T/nkp.jsonl"
    check "--split: profiled whole models get their kernels' sum" cmp -s "$T/nm.jsonl" "$T/nmp.jsonl"
    "$BUILD" train --device xnnpack-cpu --kernels "$T/nk.jsonl" --models "$T/nm.jsonl" \
        --rounds 20 --out "$T/pred" --oof "$T/oof.jsonl" >"$T/train.out" 2>&1
    check "train from kernels alone exits 0" test $? -eq 0
    check "train --oof: one line per sample, label and out-of-fold prediction" \
        "$PY" - "$T/nk.jsonl" "$T/oof.jsonl" <<'EOF'
import json, sys
k = [json.loads(l) for l in open(sys.argv[1])]
o = [json.loads(l) for l in open(sys.argv[2])]
assert len(k) == len(o), (len(k), len(o))
assert sorted((r["model"], r["key"]) for r in k) == sorted((r["model"], r["key"]) for r in o)
# null: a key with too few samples to cross-validate
assert all(r["ms"] > 0 and (r["oof_ms"] is None or r["oof_ms"] > 0) for r in o), o[:3]
assert sum(r["oof_ms"] is not None for r in o) > len(o) / 2, o[:3]
EOF
    check "meta: runtime and in-model terms" "$PY" - "$T/pred/meta.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
assert m["runtime"].startswith("XNNPACK"), m["runtime"]
o = m["overhead"]
assert o["model_ms"] == 0.0001 and o["ms_per_act_mb"] >= 0 and o["ms_per_param_mb"] >= 0, o
assert m["samples"] > 20, m["samples"]
EOF
    # the weights form: models whose latency is (1.05 + 0.001 act MB) x
    # (their kernels alone + 0.01 ms per weight MB) -- train finds w and
    # keeps that form (leave-one-out, it is exact)
    "$PY" - "$T/nm.jsonl" >"$T/nmw.jsonl" <<'EOF'
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    r["latency_ms"] = r["run_cost_ms"] + (1.05 + 0.001 * r["act_mb"]) * (
        r["label_sum_ms"] + 0.01 * r["param_mb"])
    print(json.dumps(r))
EOF
    "$BUILD" train --device xnnpack-cpu --kernels "$T/nk.jsonl" --models "$T/nmw.jsonl" \
        --rounds 20 --out "$T/predw" >"$T/trainw.out" 2>&1
    check "train: the weights form found" "$PY" - "$T/predw/meta.json" <<'EOF'
import json, sys
o = json.load(open(sys.argv[1]))["overhead"]
assert abs(o["ms_per_param_mb"] - 0.01) < 1e-6 and abs(o["kernel_scale"] - 0.05) < 1e-6, o
assert abs(o["scale_per_act_mb"] - 0.001) < 1e-6 and o["ms_per_act_mb"] == 0, o
EOF
    check "train: the weights form printed" grep -q "x (sum + 0.01000 ms per MB of weights)$" \
        "$T/trainw.out"
    mkdir -p "$T/data/predictors" && cp -r "$SRC/rules" "$T/data/" &&
        cp -r "$T/pred" "$T/data/predictors/xnnpack-cpu"
    NNMETER_DATA="$T/data" "$BUILD" eval --device xnnpack-cpu --noise "$T/na2.jsonl" \
        "$T/nw.jsonl" "$T/na.jsonl" >"$T/eval.out" 2>&1
    check "eval exits 0" test $? -eq 0
    check "eval: 6 models" grep -q "^ALL MODELS *6 " "$T/eval.out"
    check "eval: alone records are kernels" \
        test "$(awk '/^KERNELS/ {print $2}' "$T/eval.out")" -eq "$(grep -c '"model"' "$T/na.jsonl")"
    check "eval: kernel noise floor (same file: all within 5%)" \
        grep -q "^kernels alone .* 100.0% *100.0%" "$T/eval.out"
else
    echo "skip: XNNPACK measurements ($(head -c 200 "$T/w.err"))"
fi

# 3. bad arguments: one line, defined exit codes
"$BUILD" sample --split --out "$T/x" "$SRC/samples/resnet.onnx" 2>"$T/e1"
check "no --device: exit 1" test $? -eq 1
check "no --device: says so" grep -q -- "--split needs --out, --device and models" "$T/e1"
"$BUILD" sample --split --device nope --out "$T/x" "$SRC/samples/resnet.onnx" 2>"$T/e2"
check "unknown device: exit 2" test $? -eq 2
"$BUILD" sample --split --device ort-cpu --out "$T/x" "$T/missing.onnx" 2>"$T/e3"
check "missing model: exit 2, one line naming it" \
    test $? -eq 2 -a "$(wc -l <"$T/e3")" -eq 1
check "missing model: named" grep -q "missing.onnx" "$T/e3"
"$BUILD" sample --prior --out "$T/x" "$SRC/samples/resnet.onnx" 2>"$T/e4"
check "models without --split: exit 1" test $? -eq 1
"$BUILD" match --device ort-cpu --run-cost -3 "$T/whole.jsonl" 2>"$T/e5"
check "negative --run-cost: exit 1" test $? -eq 1

exit $fail
