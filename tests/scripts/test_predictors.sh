#!/usr/bin/env bash
# test_predictors.sh BINARY SRCDIR -- the shipped ort-cpu predictors give
# every kernel a latency and a sane total; a corrupt, missing or
# other-format predictor file gives one message naming the file and the
# fix, and the analyzer still works for the other devices.
set -uo pipefail
bin=$1; src=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { echo "FAIL $*"; fail=$((fail+1)); }
export XDG_CONFIG_HOME="$tmp/xdg"
model="$src/samples/resnet.onnx"

NNMETER_DATA="$src" "$bin" --report --format json --device ort-cpu "$model" >"$tmp/a.json" 2>"$tmp/err" || bad "report exit"
/usr/bin/python3 - "$tmp/a.json" <<'PY' && ok || bad "shipped predictors"
import json, sys
d = json.load(open(sys.argv[1]))["devices"][0]
assert d["total_ms"] > 0, d
lo, hi = d["total_range_ms"]
assert lo <= d["total_ms"] <= hi
for k in d["kernels"]:
    assert k["latency_ms"] > 0 and k["predicted"] in ("model", "family", "fallback"), k
assert sum(k["predicted"] == "fallback" for k in d["kernels"]) == 0
PY

# a data dir whose conv predictor is corrupt
mkdir -p "$tmp/data/predictors"
ln -s "$src/rules" "$tmp/data/rules"; ln -s "$src/samples" "$tmp/data/samples"
cp -r "$src/predictors/ort-cpu" "$tmp/data/predictors/ort-cpu"
printf '{"format":1,"key":"conv","family":"conv","features":[' >"$tmp/data/predictors/ort-cpu/conv.json"
NNMETER_DATA="$tmp/data" "$bin" --report --device all "$model" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 0 ] && ok || bad "corrupt predictor: exit $rc (other devices must still work)"
grep -q "conv.json" "$tmp/out" "$tmp/err" && grep -q "nnmeter-build train" "$tmp/out" "$tmp/err" && ok ||
    { bad "no message naming conv.json and the fix"; cat "$tmp/err"; }
grep -q "cortexA76cpu_tflite21" "$tmp/out" && ok || bad "other devices missing from the report"
# another format version
cp "$src/predictors/ort-cpu/conv.json" "$tmp/data/predictors/ort-cpu/conv.json"
sed -i 's/"format":1/"format":99/' "$tmp/data/predictors/ort-cpu/meta.json"
NNMETER_DATA="$tmp/data" "$bin" --report --device ort-cpu "$model" >"$tmp/out" 2>"$tmp/err"
grep -q "format 99" "$tmp/out" "$tmp/err" && ok || bad "format mismatch not named"
# missing predictors: a rules-only device, no latency, no error
rm -rf "$tmp/data/predictors/ort-cpu"
NNMETER_DATA="$tmp/data" "$bin" --report --format json --device ort-cpu "$model" >"$tmp/b.json" 2>"$tmp/err" && ok || bad "no predictors: exit"
grep -q '"total_ms":[[:space:]]*null' "$tmp/b.json" && ok || bad "no predictors: total_ms should be null"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
