#!/usr/bin/env bash
# test_measure.sh NNMETER_BUILD SRCDIR -- `nnmeter-build measure --backend ort`
# end to end on two small models: valid records with the protocol's fields,
# a broken model gives one clear line and no record, a missing runtime
# package names the fix, and a failed run leaves no half-written file.
set -uo pipefail
nb=$1; src=$2
# records.py: the data files with their header lines applied
export PYTHONPATH="$src/tests/scripts${PYTHONPATH:+:$PYTHONPATH}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { echo "FAIL $*"; fail=$((fail+1)); }
cd "$src"
if [ ! -d node_modules/onnxruntime-node ]; then
    echo "onnxruntime-node missing: run npm ci --ignore-scripts"; exit 77
fi
quick="--rounds 2 --runs 3 --warmup 1 --extra-rounds 0 --profile-rounds 1 --profile-runs 2 --quiet"
"$nb" measure --backend ort $quick --out "$tmp/a.jsonl" samples/nasbench201.onnx samples/mobilenetv3.onnx \
    2>"$tmp/err" && ok || { bad "measure exit $?"; cat "$tmp/err"; }
/usr/bin/python3 - "$tmp/a.jsonl" <<'PY' && ok || bad "records"
import json, sys, records
rs = records.load(sys.argv[1])
assert len(rs) == 2, rs
for r in rs:
    for k in ("model", "latency_ms", "spread", "cpu", "runtime", "threads", "date", "protocol", "round_min_ms"):
        assert k in r, k
    assert r["latency_ms"] > 0 and r["runtime"].startswith("onnxruntime-node 1.30.0"), r
    assert r["profile"]["kernels"], "no profile"
    assert min(r["round_min_ms"]) <= r["latency_ms"] <= max(r["round_min_ms"])
    p = r["profile"]
    # the kernels' sum is the sum of what the record says of each kernel
    assert abs(p["kernel_sum_ms"] - sum(k["dur_ms"] for k in p["kernels"])) < 1e-6, p
    assert "profile=1x2-mean-of-two-lowest-rounds" in r["protocol"], r["protocol"]
PY
# the noise floor of profiled kernels: a dataset against itself agrees
"$nb" eval --device ort-cpu --noise "$tmp/a.jsonl" "$tmp/a.jsonl" >"$tmp/ev" 2>"$tmp/err" && ok ||
    { bad "eval --noise exit $?"; cat "$tmp/err"; }
grep -qE "^kernel shares +[0-9]+ +0\.0000 +0\.00% +100\.0% +100\.0%" "$tmp/ev" && ok ||
    { bad "eval: no kernel-share noise floor"; cat "$tmp/ev"; }
# the profiler's cost per kernel is fitted on the models (match.h): 24
# records made from these two with latency = 0.05 + 0.9 (profiled sum - 4 us
# x events) give back 0.0040 ms; two models are too few to fit and the
# message names the fix; --profiler-cost is taken as given and recorded
/usr/bin/python3 - "$tmp/a.jsonl" "$tmp/fit.jsonl" <<'PY' && ok || bad "fit records"
import json, sys, records
out = open(sys.argv[2], "w")
for i, r in enumerate(records.load(sys.argv[1]) * 12):
    f = 0.5 + 0.1 * i
    for k in r["profile"]["kernels"]:
        k["dur_ms"] *= f
    p = r["profile"]["kernels"]
    r["latency_ms"] = 0.05 + 0.9 * (sum(k["dur_ms"] for k in p) - 0.004 * len(p))
    out.write(json.dumps(r) + "\n")
PY
"$nb" match --device ort-cpu --models "$tmp/fm.jsonl" "$tmp/fit.jsonl" >"$tmp/out" 2>"$tmp/err" &&
    grep -q "^profiler: 0.0040 ms per kernel it times (fitted on 24 profiled models)" "$tmp/out" &&
    grep -q '"profiler_cost_ms":0.0040' "$tmp/fm.jsonl" && ok ||
    { bad "match: profiler cost fit"; cat "$tmp/out" "$tmp/err"; }
"$nb" match --device ort-cpu --kernels "$tmp/k2.jsonl" "$tmp/a.jsonl" >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q "2 profiled models are too few.*--profiler-cost MS" "$tmp/err" && ok ||
    { bad "match: too few models for the cost fit"; cat "$tmp/err"; }
"$nb" match --device ort-cpu --profiler-cost 0.003 --models "$tmp/m2.jsonl" "$tmp/a.jsonl" \
    >/dev/null 2>"$tmp/err" && [ "$(grep -c '"profiler_cost_ms":0.003000' "$tmp/m2.jsonl")" = 2 ] &&
    ok || { bad "match --profiler-cost"; cat "$tmp/err"; }
# and each model record carries its kernels' activation MB (train's log form)
/usr/bin/python3 - "$tmp/m2.jsonl" <<'PY' && ok || bad "match --models: act_mb"
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
assert len(rs) == 2 and all(r["act_mb"] > 0.1 for r in rs), rs
PY
"$nb" match --device ort-cpu --profiler-cost -1 --models "$tmp/m2.jsonl" "$tmp/a.jsonl" \
    >/dev/null 2>"$tmp/err"
[ $? = 1 ] && grep -q "profiler-cost wants milliseconds" "$tmp/err" && ok || bad "bad --profiler-cost"
# a conv kernel's features name the activation it fused (act_kind: 1 +
# its index in kernel_features.c's act_tokens; 0 none): relu 1, hswish 6
"$nb" match --device ort-cpu --profiler-cost 0.003 --kernels "$tmp/k3.jsonl" "$tmp/a.jsonl" \
    >/dev/null 2>"$tmp/err" || { bad "match --kernels"; cat "$tmp/err"; }
/usr/bin/python3 - "$tmp/k3.jsonl" <<'PY' && ok || bad "conv act_kind"
import json, sys
ks = [json.loads(l) for l in open(sys.argv[1])]
kind = {k["ops"]: k["features"][15] for k in ks if k["key"] == "conv"}
want = {"Conv+BatchNormalization+Relu": 1, "Conv+BatchNormalization+HardSwish": 6,
        "Conv+BatchNormalization": 0}
for ops, v in want.items():
    assert kind.get(ops) == v, (ops, kind)
PY
# gzipped data read as plain (datafile.h); a cut-short one is an error
gzip -9nc "$tmp/a.jsonl" >"$tmp/a.jsonl.gz"
"$nb" eval --device ort-cpu "$tmp/a.jsonl.gz" >"$tmp/evz" 2>"$tmp/err" &&
    cmp -s <(grep -v '^kernel shares' "$tmp/ev" | sed -n '/^models/,/^predicted/p') "$tmp/evz" && ok ||
    { bad "eval of the gzipped data differs"; cat "$tmp/err"; }
# data measured on another CPU than the device's: the figures come, with
# one warning naming both CPUs; on the device's own CPU, no warning
sed 's/"cpu":"[^"]*"/"cpu":"Test CPU 9000"/' "$tmp/a.jsonl" >"$tmp/o.jsonl"
"$nb" eval --device ort-cpu "$tmp/o.jsonl" >/dev/null 2>"$tmp/err" && ok || bad "eval, other CPU: exit"
[ "$(grep -c "measured on 'Test CPU 9000' but device 'ort-cpu' was built on" "$tmp/err")" = 1 ] && ok ||
    { bad "eval, other CPU: no single warning"; cat "$tmp/err"; }
devcpu=$(sed -n 's/.*"cpu":"\([^"]*\)".*/\1/p' predictors/ort-cpu/meta.json)
sed "s/\"cpu\":\"[^\"]*\"/\"cpu\":\"$devcpu\"/" "$tmp/a.jsonl" >"$tmp/s.jsonl"
"$nb" eval --device ort-cpu "$tmp/s.jsonl" >/dev/null 2>"$tmp/err" && ! grep -q warning "$tmp/err" && ok ||
    { bad "eval, same CPU: warned"; cat "$tmp/err"; }
head -c $(($(stat -c %s "$tmp/a.jsonl.gz") / 2)) "$tmp/a.jsonl.gz" >"$tmp/cut.jsonl.gz"
"$nb" eval --device ort-cpu "$tmp/cut.jsonl.gz" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 2 ] && grep -q "cut.jsonl.gz' is corrupt or cut short" "$tmp/err" && ok ||
    { bad "cut-short .gz: exit $rc"; cat "$tmp/err"; }
"$nb" match --device ort-cpu --kernels "$tmp/ck.jsonl" "$tmp/cut.jsonl.gz" >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q "is corrupt or cut short" "$tmp/err" && ok || { bad "match: cut-short .gz"; cat "$tmp/err"; }
"$nb" measure --backend ort --out "$tmp/x.jsonl.gz" samples/nasbench201.onnx 2>"$tmp/err"
[ $? = 1 ] && grep -q "gzip -9n" "$tmp/err" && ok || bad "measure --out .gz not refused"
# a record keeps its model's hash: a path that now holds another model is
# refused by match and eval, naming the file and the fix
cp samples/nasbench201.onnx "$tmp/m.onnx"
"$nb" measure --backend ort --rounds 1 --runs 2 --warmup 1 --profile-runs 0 --quiet \
    --out "$tmp/h.jsonl" "$tmp/m.onnx" 2>"$tmp/err" && ok || bad "hash: measure exit"
grep -q '"model_hash":"fnv1a64:[0-9a-f]\{16\}"' "$tmp/h.jsonl" && ok || bad "no model_hash in the record"
"$nb" match --device ort-cpu --kernels "$tmp/hk.jsonl" "$tmp/h.jsonl" >/dev/null 2>"$tmp/err" && ok ||
    { bad "hash: match of the unchanged model"; cat "$tmp/err"; }
cp samples/mobilenetv3.onnx "$tmp/m.onnx"
"$nb" match --device ort-cpu --kernels "$tmp/hk.jsonl" "$tmp/h.jsonl" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 2 ] && grep -q "m.onnx' is not the model this record measured.*measure it again" "$tmp/err" && ok ||
    { bad "hash: changed model not refused by match (exit $rc)"; cat "$tmp/err"; }
"$nb" eval --device ort-cpu "$tmp/h.jsonl" >/dev/null 2>"$tmp/err"
grep -q "is not the model this record measured" "$tmp/err" && ok || { bad "hash: eval"; cat "$tmp/err"; }
# a file ORT refuses: one line, exit 2, only the good model recorded
printf 'not a model' >"$tmp/broken.onnx"
"$nb" measure --backend ort $quick --out "$tmp/b.jsonl" samples/nasbench201.onnx "$tmp/broken.onnx" 2>"$tmp/err"
rc=$?
[ $rc = 2 ] && ok || bad "broken model exit $rc"
grep -q "broken.onnx" "$tmp/err" && ok || bad "no message naming the broken model"
[ "$(grep -c '"model"' "$tmp/b.jsonl")" = 1 ] && ok || bad "expected 1 record"
# the npm package missing: the message names the fix; no output file
mkdir -p "$tmp/fake/src/build" && cp src/build/ort_harness.js "$tmp/fake/src/build/"
NNMETER_DATA="$tmp/fake" "$nb" measure --backend ort $quick --out "$tmp/c.jsonl" samples/nasbench201.onnx 2>"$tmp/err"
rc=$?
[ $rc != 0 ] && grep -q "npm ci" "$tmp/err" && ok || { bad "missing runtime: exit $rc"; cat "$tmp/err"; }
[ ! -e "$tmp/c.jsonl" ] && ok || bad "a failed run wrote $tmp/c.jsonl"
# bad flags
"$nb" measure --backend nope --out x.jsonl samples/nasbench201.onnx 2>/dev/null; [ $? = 1 ] && ok || bad "unknown backend"
"$nb" measure --backend ort --rounds 0 --out x.jsonl samples/nasbench201.onnx 2>/dev/null; [ $? = 1 ] && ok || bad "rounds 0"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
