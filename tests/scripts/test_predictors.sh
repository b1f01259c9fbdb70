#!/usr/bin/env bash
# test_predictors.sh BINARY SRCDIR -- the shipped ort-cpu predictors give
# every kernel a latency and a sane total; a per-unit target predicts
# exp(tree) x unit (conv: MFLOPs, gap: input elements); a corrupt, missing or
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

# every measured device's shipped predictors load and predict (one device
# per CPU and runtime: ort-cpu, xnnpack-cpu on the EPYC, ort-xeon,
# xnnpack-xeon on the Xeon)
for meta in "$src"/predictors/*/meta.json; do
    d=$(basename "$(dirname "$meta")")
    NNMETER_DATA="$src" "$bin" --report --format json --device "$d" "$model" >"$tmp/a.json" 2>"$tmp/err" ||
        bad "report exit ($d)"
    /usr/bin/python3 - "$tmp/a.json" <<'PY' && ok || bad "shipped predictors of $d"
import json, sys
d = json.load(open(sys.argv[1]))["devices"][0]
assert d["total_ms"] > 0, d
lo, hi = d["total_range_ms"]
assert lo <= d["total_ms"] <= hi
for k in d["kernels"]:
    assert k["latency_ms"] > 0 and k["predicted"] in ("model", "family", "fallback"), k
assert sum(k["predicted"] == "fallback" for k in d["kernels"]) == 0
PY
done

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
# the model-level band widens the range by at least itself
/usr/bin/python3 - "$tmp/data/predictors/ort-cpu/meta.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["overhead"]["model_band"] = 0.5
json.dump(m, open(sys.argv[1], "w"), separators=(",", ":"))
PY
cp "$src/predictors/ort-cpu/conv.json" "$tmp/data/predictors/ort-cpu/conv.json"
NNMETER_DATA="$tmp/data" "$bin" --report --format json --device ort-cpu "$model" >"$tmp/w.json" 2>"$tmp/err"
/usr/bin/python3 - "$tmp/w.json" <<'PY' && ok || bad "model band"
import json, math, sys
d = json.load(open(sys.argv[1]))["devices"][0]
t, (lo, hi) = d["total_ms"], d["total_range_ms"]
assert hi - t >= t * (math.exp(0.5) - 1) - 1e-9 and t - lo >= t * (1 - math.exp(-0.5)) - 1e-9, (t, lo, hi)
PY
cp "$src/predictors/ort-cpu/meta.json" "$tmp/data/predictors/ort-cpu/meta.json"
# a per-unit target: the tree gives log(ms per MFLOP); with one leaf of 0
# and base ln(0.01), every conv kernel must predict 0.01 ms per MFLOP
# per_unit KEY UNIT MS: KEY's predictor in the data dir becomes one leaf of
# 0 on base ln(MS) with a per-UNIT target, and the in-model costs 0, so
# each KEY kernel must predict MS per unit exactly
per_unit() {
    cp "$src/predictors/ort-cpu/$1.json" "$tmp/data/predictors/ort-cpu/$1.json"
    /usr/bin/python3 - "$tmp/data/predictors/ort-cpu" "$@" <<'PY'
import json, math, sys
d, key, unit, ms = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
p = json.load(open(d + "/" + key + ".json"))
p.update(target="log_ms_per_unit", unit=unit,
         members=[{"base": math.log(ms), "trees": [{"f": [-1], "t": [0], "l": [-1], "r": [-1], "v": [0]}]}])
json.dump(p, open(d + "/" + key + ".json", "w"), separators=(",", ":"))
m = json.load(open(d + "/meta.json"))
m["overhead"].update(ms_per_act_mb=0, ms_per_param_mb=0)
json.dump(m, open(d + "/meta.json", "w"), separators=(",", ":"))
PY
}
# check_per_unit KEY MS: the report's KEY kernels each predict MS per unit
# (conv: MFLOPs; gap: thousands of input elements, the fp32 bytes read
# less the output written)
check_per_unit() {
    # shellcheck disable=SC2086  # REPORT_ARGS: extra report options, split on purpose
    NNMETER_DATA="$tmp/data" "$bin" --report --format json --device ort-cpu ${REPORT_ARGS:-} "$model" \
        >"$tmp/u.json" 2>"$tmp/err"
    /usr/bin/python3 - "$tmp/u.json" "$@" <<'PY'
import json, math, sys
key, ms = sys.argv[2], float(sys.argv[3])
ks = [k for k in json.load(open(sys.argv[1]))["devices"][0]["kernels"] if k["predictor"] == key]
assert ks, "no %s kernels" % key
for k in ks:
    units = (k["flops"] / 1e6 if key == "conv"
             else (k["bytes"] / 4 - math.prod(k["output_shape"])) / 1e3)
    want = ms * units
    assert abs(k["latency_ms"] - want) <= 1e-6 * want, (k["name"], k["latency_ms"], want)
print("  %d %s kernels at %g ms per unit" % (len(ks), key, ms))
PY
}
per_unit conv mflops 0.01
check_per_unit conv 0.01 && ok || bad "per-unit target"
# a unit this build has no feature for: named, with the fix
sed -i 's/"unit":"mflops"/"unit":"teraflops"/' "$tmp/data/predictors/ort-cpu/conv.json"
NNMETER_DATA="$tmp/data" "$bin" --report --device ort-cpu "$model" >"$tmp/out" 2>"$tmp/err"
grep -q "conv.json' has target 'log_ms_per_unit' (unit 'teraflops')" "$tmp/out" "$tmp/err" && ok ||
    { bad "unknown unit not named"; cat "$tmp/err"; }
cp "$src/predictors/ort-cpu/conv.json" "$tmp/data/predictors/ort-cpu/conv.json"
# the global pools' unit, in_k (thousands of input elements): with one
# leaf of 0 and base ln(0.001), a gap kernel predicts 0.001 ms per 1,000
# input elements (resnet's 512 x 6 x 6 map: 0.018 ms)
grep -q '"features":\["hin","win","c","in_k","aligned8","aligned16"\]' "$src/predictors/ort-cpu/gap.json" &&
    ok || bad "gap.json does not list hin, win, c, in_k, aligned8, aligned16"
pool_features='"hin","win","c","k","stride","hout","wout","is_max","reads_k","aligned8","aligned16"'
grep -qF "\"features\":[$pool_features]" "$src/predictors/ort-cpu/maxpool.json" && ok ||
    bad "maxpool.json does not list reads_k and the alignment flags"
per_unit gap in_k 0.001
check_per_unit gap 0.001 && ok || bad "gap per-unit target (in_k)"
# a batch of 2 reads twice the elements: twice the time, not the same
REPORT_ARGS="--input input=2x3x192x192" check_per_unit gap 0.001 && ok ||
    bad "gap per-unit target at batch 2 (in_k must count the batch)"
cp "$src/predictors/ort-cpu/gap.json" "$tmp/data/predictors/ort-cpu/gap.json"
# the FC context feature (model_wmb, the 7th): the whole model's weights in
# MB.  One tree splits on it just below, then just above the model's own
# weight MB: the FC kernels must take the right leaf, then the left one.
# A predictor trained --no-context (6 features) loads; its tree reading the
# 7th is corrupt; feature names that are not this build's are named.
fcj="$tmp/data/predictors/ort-cpu/fc.json"
fctest() {  # fctest NFEAT SPLIT_FEATURE THRESHOLD_FACTOR [NAME_OF_FEATURE_0]
/usr/bin/python3 - "$src/predictors/ort-cpu/fc.json" "$fcj" "$model" "$@" <<'PY'
import json, math, sys
src, out, model, nf, feat, fac = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
import onnx, numpy
m = onnx.load(model)
wmb = sum(int(numpy.prod(t.dims)) for t in m.graph.initializer) * 4 / 1e6
p = json.load(open(src))
p["features"] = p["features"][:nf]
if len(sys.argv) > 7:
    p["features"][0] = sys.argv[7]
p.update(target="log_ms", members=[{"base": 0, "trees": [
    {"f": [feat, -1, -1], "t": [wmb * fac, 0, 0], "l": [1, -1, -1], "r": [2, -1, -1],
     "v": [0, math.log(0.001), math.log(1.0)]}]}])
p.pop("unit", None)
json.dump(p, open(out, "w"), separators=(",", ":"))
PY
NNMETER_DATA="$tmp/data" "$bin" --report --format json --device ort-cpu "$model" >"$tmp/fc.json" 2>"$tmp/err"
}
fc_ms() {
/usr/bin/python3 - "$tmp/fc.json" "$1" <<'PY'
import json, sys
ks = [k for k in json.load(open(sys.argv[1]))["devices"][0]["kernels"] if k["predictor"] == "fc"]
assert ks, "no fc kernels"
for k in ks:
    assert abs(k["latency_ms"] - float(sys.argv[2])) < 1e-9, (k["name"], k["latency_ms"])
PY
}
fctest 7 6 0.99 && fc_ms 1.0 && ok || bad "fc: model_wmb just below the model's weight MB -> right leaf"
fctest 7 6 1.01 && fc_ms 0.001 && ok || bad "fc: model_wmb just above the model's weight MB -> left leaf"
fctest 6 5 1e9 && fc_ms 0.001 && ok || bad "fc: a --no-context predictor (6 features) loads and predicts"
fctest 6 6 1 && grep -q "fc.json' is corrupt" "$tmp/err" "$tmp/fc.json" && ok || bad "fc: a 6-feature tree reading feature 7 is corrupt"
fctest 7 6 1 nrows && grep -q "fc.json' was trained on 7 features that are not this build's 7 fc features" "$tmp/err" "$tmp/fc.json" &&
    ok || bad "fc: unknown feature names not named"
cp "$src/predictors/ort-cpu/fc.json" "$fcj"
# the in-model share growing with ln(activation MB) (train's log form):
# with no other overhead, total = kernel sum x (1 + q ln A), so q = 0.2
# adds twice what q = 0.1 adds, and something (resnet holds over 1 MB)
cp "$src/predictors/ort-cpu/conv.json" "$tmp/data/predictors/ort-cpu/conv.json"
cp "$src/predictors/ort-cpu/meta.json" "$tmp/data/predictors/ort-cpu/meta.json"
lnact_total() {
    /usr/bin/python3 - "$tmp/data/predictors/ort-cpu/meta.json" "$1" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["overhead"].update(model_ms=0, kernel_ms=0, kernel_scale=0, ms_per_act_mb=0, ms_per_param_mb=0,
                     scale_per_ln_act_mb=float(sys.argv[2]))
json.dump(m, open(sys.argv[1], "w"), separators=(",", ":"))
PY
    NNMETER_DATA="$tmp/data" "$bin" --report --format json --device ort-cpu "$model" >"$tmp/l$1.json"
}
lnact_total 0 && lnact_total 0.1 && lnact_total 0.2 &&
    /usr/bin/python3 - "$tmp/l0.json" "$tmp/l0.1.json" "$tmp/l0.2.json" <<'PY' && ok || bad "scale_per_ln_act_mb"
import json, sys
t0, t1, t2 = (json.load(open(f))["devices"][0] for f in sys.argv[1:])
s = sum(k["latency_ms"] for k in t0["kernels"])
assert abs(t0["total_ms"] - s) < 1e-9 * s, (t0["total_ms"], s)
d1, d2 = t1["total_ms"] - s, t2["total_ms"] - s
assert d1 > 0 and abs(d2 - 2 * d1) < 1e-9 * s, (d1, d2)
PY
# ... or linearly with the activation MB, held at the cap (train's linear
# form): total = kernel sum x (1 + r min(A, cap)); with the cap below the
# model's A, doubling the cap doubles what it adds, and a cap above A
# adds r A, the same whatever the cap
linact_total() { # r cap
    /usr/bin/python3 - "$tmp/data/predictors/ort-cpu/meta.json" "$1" "$2" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["overhead"].update(model_ms=0, kernel_ms=0, kernel_scale=0, ms_per_act_mb=0, ms_per_param_mb=0,
                     scale_per_ln_act_mb=0, scale_per_act_mb=float(sys.argv[2]),
                     act_mb_cap=float(sys.argv[3]))
json.dump(m, open(sys.argv[1], "w"), separators=(",", ":"))
PY
    NNMETER_DATA="$tmp/data" "$bin" --report --format json --device ort-cpu "$model" >"$tmp/a$1_$2.json"
}
linact_total 0.01 0.5 && linact_total 0.01 1 && linact_total 0.01 1e6 && linact_total 0.01 2e6 &&
    /usr/bin/python3 - "$tmp/a0.01_0.5.json" "$tmp/a0.01_1.json" "$tmp/a0.01_1e6.json" \
        "$tmp/a0.01_2e6.json" <<'PY' && ok || bad "scale_per_act_mb with act_mb_cap"
import json, sys
h, o, big, big2 = (json.load(open(f))["devices"][0] for f in sys.argv[1:])
s = sum(k["latency_ms"] for k in h["kernels"])
dh, do = h["total_ms"] - s, o["total_ms"] - s
assert abs(dh - 0.01 * 0.5 * s) < 1e-9 * s and abs(do - 2 * dh) < 1e-9 * s, (dh, do, s)
db = big["total_ms"] - s
assert db > do and abs(big2["total_ms"] - big["total_ms"]) < 1e-12, (db, big2["total_ms"])
PY
# ... and each kernel re-reading its weights in a model (train's weights
# form): every predicted kernel gains ms_per_param_mb x its weight MB (4 bytes a
# parameter), and the total scales the kernels' sum with them in it
weight_total() { # kernel_scale ms_per_param_mb
    /usr/bin/python3 - "$tmp/data/predictors/ort-cpu/meta.json" "$1" "$2" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["overhead"].update(model_ms=0, kernel_ms=0, kernel_scale=float(sys.argv[2]), ms_per_act_mb=0,
                     ms_per_param_mb=float(sys.argv[3]), scale_per_ln_act_mb=0,
                     scale_per_act_mb=0, act_mb_cap=0)
json.dump(m, open(sys.argv[1], "w"), separators=(",", ":"))
PY
    NNMETER_DATA="$tmp/data" "$bin" --report --format json --device ort-cpu "$model" >"$tmp/w$2.json"
}
weight_total 0.5 0 && weight_total 0.5 0.002 &&
    /usr/bin/python3 - "$tmp/w0.json" "$tmp/w0.002.json" <<'PY' && ok || bad "ms_per_param_mb in the weights form"
import json, sys
d0, dw = (json.load(open(f))["devices"][0] for f in sys.argv[1:])
for a, b in zip(d0["kernels"], dw["kernels"]):
    # a roofline fallback counts every byte already
    w = 0 if a["predicted"] == "fallback" else 0.002
    want = a["latency_ms"] + w * 4 * a["params"] / 1e6
    assert abs(b["latency_ms"] - want) < 1e-12, (b["name"], b["latency_ms"], want)
for d in (d0, dw):
    s = sum(k["latency_ms"] for k in d["kernels"])
    assert abs(d["total_ms"] - 1.5 * s) < 1e-9 * s, (d["total_ms"], s)
assert dw["total_ms"] > d0["total_ms"]
PY
# overhead terms that cannot be: refused by name, the device left without
# latencies, the others still predicted
bad_term() { # FIELD VALUE SHOWN: the message must say "has FIELD = SHOWN"
    cp "$src/predictors/ort-cpu/meta.json" "$tmp/data/predictors/ort-cpu/meta.json"
    /usr/bin/python3 - "$tmp/data/predictors/ort-cpu/meta.json" "$1" "$2" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
sect, key = sys.argv[2].split(".")
m[sect][key] = float(sys.argv[3])
json.dump(m, open(sys.argv[1], "w"), separators=(",", ":"))
PY
    # 7777777 stands for a number JSON can hold but a double cannot: 1e999
    sed -i 's/7777777\.0/1e999/' "$tmp/data/predictors/ort-cpu/meta.json"
    NNMETER_DATA="$tmp/data" "$bin" --report --device all "$model" >"$tmp/out" 2>"$tmp/err" &&
        grep -q "meta.json' has $1 = $3" "$tmp/out" "$tmp/err" &&
        grep -q "cortexA76cpu_tflite21" "$tmp/out" &&
        NNMETER_DATA="$tmp/data" "$bin" --report --format json --device ort-cpu "$model" >"$tmp/b.json" &&
        grep -q '"total_ms":[[:space:]]*null' "$tmp/b.json"
}
bad_term overhead.ms_per_param_mb -0.5 "-0.5, which must be a finite number >= 0" && ok ||
    bad "negative ms_per_param_mb"
bad_term fallback.ms_per_kb -1 "-1, which must be a finite number >= 0" && ok ||
    bad "negative fallback.ms_per_kb"
bad_term overhead.model_ms 7777777 "inf, which must be a finite number >= 0" && ok ||
    bad "model_ms of 1e999 (inf)"
bad_term overhead.kernel_scale -1.5 "-1.5: the kernels' sum would be scaled by -0.5" && ok ||
    bad "kernel_scale below -1"
cp "$src/predictors/ort-cpu/meta.json" "$tmp/data/predictors/ort-cpu/meta.json"
# trees whose leaves can reach e^50 ms, or a negative band: corrupt, named
bad_tree() { # FIELD VALUE
    /usr/bin/python3 - "$src/predictors/ort-cpu/conv.json" "$tmp/data/predictors/ort-cpu/conv.json" \
        "$1" "$2" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
if sys.argv[3] == "leaf":
    t = p["members"][0]["trees"][0]
    t["v"][next(i for i, f in enumerate(t["f"]) if f < 0)] = float(sys.argv[4])
else:
    p[sys.argv[3]] = float(sys.argv[4])
json.dump(p, open(sys.argv[2], "w"), separators=(",", ":"))
PY
    NNMETER_DATA="$tmp/data" "$bin" --report --device ort-cpu "$model" >"$tmp/out" 2>"$tmp/err"
    grep -q "conv.json' is corrupt (a band that is negative or infinite, or trees that can predict over e^50 ms)" \
        "$tmp/out" "$tmp/err"
}
bad_tree leaf 1e6 && ok || bad "a leaf of 1e6 (log ms) not refused"
bad_tree leaf -1e6 && ok || bad "a leaf of -1e6 (log ms) not refused"
bad_tree band -0.1 && ok || bad "a negative band not refused"
cp "$src/predictors/ort-cpu/conv.json" "$tmp/data/predictors/ort-cpu/conv.json"
# a file's own string with a newline in it (the fuzzer's find): the message
# quoting it stays one line
/usr/bin/python3 - "$src/predictors/ort-cpu/conv.json" "$tmp/data/predictors/ort-cpu/conv.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["target"] = "log_ms\nper_unit"
json.dump(p, open(sys.argv[2], "w"), separators=(",", ":"))
PY
NNMETER_DATA="$tmp/data" "$bin" --report --device ort-cpu "$model" >"$tmp/out" 2>"$tmp/err"
grep -q "has target 'log_ms?per_unit' (unit 'mflops'), which this build cannot evaluate" \
    "$tmp/out" "$tmp/err" && ok || bad "a newline in a quoted target breaks the message's line"
cp "$src/predictors/ort-cpu/conv.json" "$tmp/data/predictors/ort-cpu/conv.json"
# another format version
cp "$src/predictors/ort-cpu/conv.json" "$tmp/data/predictors/ort-cpu/conv.json"
sed -i 's/"format":1/"format":99/' "$tmp/data/predictors/ort-cpu/meta.json"
NNMETER_DATA="$tmp/data" "$bin" --report --device ort-cpu "$model" >"$tmp/out" 2>"$tmp/err"
grep -q "format 99" "$tmp/out" "$tmp/err" && ok || bad "format mismatch not named"
# missing predictors: a rules-only device, no latency, no error
rm -rf "$tmp/data/predictors/ort-cpu"
NNMETER_DATA="$tmp/data" "$bin" --report --format json --device ort-cpu "$model" >"$tmp/b.json" 2>"$tmp/err" && ok || bad "no predictors: exit"
grep -q '"total_ms":[[:space:]]*null' "$tmp/b.json" && ok || bad "no predictors: total_ms should be null"
# the issue's size budget: every shipped device directory, data included,
# holds at most 5 MB (5,000,000 bytes)
for d in "$src"/predictors/*/; do
    [ -f "$d/meta.json" ] || continue
    size=$(du -sb "$d" | cut -f1)
    [ "$size" -le 5000000 ] && ok || bad "$(basename "$d"): $size bytes, over 5 MB"
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
