#!/usr/bin/env bash
# `nnmeter-tui --report --profile FILE`: a raw ONNX Runtime profile (made
# here by onnxruntime-node with enableProfiling, 5 runs of a small sample)
# is laid over the device's kernels as "measured": every kernel of the
# profiled model gets the median time of the runtime kernels mapped to it,
# and kernels + the rest add up to the profile; text, JSON and CSV show it;
# a profile of another model leaves kernels unmatched instead of failing;
# files that are not ORT profiles exit 2 with one line.
# usage: test_profile_overlay.sh NNMETER_TUI SOURCE_DIR
set -u
TUI=$1 SRC=$2
PY=/usr/bin/python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
check() {   # check NAME COMMAND...
    if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi
}
M="$SRC/samples/nasbench201.onnx"
command -v node >/dev/null || { echo "skip: no node"; exit 77; }
P=$(nice -n 19 node "$SRC/tests/scripts/ort_profile.js" "$SRC" "$M" "$T" 5)
rc=$?
[ $rc -eq 77 ] && { echo "skip: onnxruntime-node is not installed"; exit 77; }
check "onnxruntime-node wrote a profile" test $rc -eq 0 -a -s "$P"

# 1. JSON: every kernel measured; kernels + other = the profile's medians
nice -n 19 "$TUI" --report --format json --device ort-cpu --profile "$P" "$M" \
    >"$T/r.json" 2>"$T/r.err"
check "report with --profile exits 0" test $? -eq 0
check "measured kernels add up to the profile" "$PY" - "$T/r.json" "$P" <<'EOF'
import json, statistics, sys
r = json.load(open(sys.argv[1]))
events = json.load(open(sys.argv[2]))
durs = {}
for e in events:
    if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
        durs.setdefault(e["name"][:-len("_kernel_time")], []).append(e["dur"] / 1000)
medians = {k: statistics.median(v) for k, v in durs.items()}
runs = sum(1 for e in events if e.get("cat") == "Session" and e["name"] == "model_run")
d = r["devices"][0]
m = d["measured"]
assert m["runs"] == runs == 5, m
assert abs(m["kernel_sum_ms"] - sum(medians.values())) < 1e-9, (m, sum(medians.values()))
assert m["unmatched_runtime_kernels"] == 0, m
ks = d["kernels"]
assert all(k["measured_ms"] is not None and k["measured_ms"] > 0 for k in ks), ks
on = sum(k["measured_ms"] for k in ks)
assert abs(on + m["other_ms"] - m["kernel_sum_ms"]) < 1e-9, (on, m)
# the stem: ORT's fused Conv+BN is named after the BN's output tensor + _nchwc
stem = [k for k in ks if k["name"] == "/stem/Conv_0"][0]
want = medians["/stem/BatchNormalization_1_output_0_nchwc"]
assert abs(stem["measured_ms"] - want) < 1e-12, (stem["measured_ms"], want)
print("  %d kernels, %.3f ms measured on them, %.3f ms elsewhere, %d runs"
      % (len(ks), on, m["other_ms"], m["runs"]))
EOF

# 2. text and CSV carry the column
nice -n 19 "$TUI" --report --device ort-cpu --profile "$P" "$M" >"$T/r.txt" 2>&1
check "text: measured line" grep -q "^measured  .* ms of runtime kernels (median of 5 runs)" "$T/r.txt"
check "text: measured column" grep -q " ms   measured$" "$T/r.txt"
nice -n 19 "$TUI" --report --format csv --device ort-cpu --profile "$P" "$M" >"$T/r.csv" 2>&1
check "csv: measured_ms column" "$PY" - "$T/r.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert rows and all(float(r["measured_ms"]) > 0 for r in rows), rows[:2]
EOF

# 3. a profile of another model: unmatched runtime kernels, no failure
nice -n 19 "$TUI" --report --format json --device ort-cpu --profile "$P" \
    "$SRC/samples/resnet.onnx" >"$T/o.json" 2>"$T/o.err"
check "foreign profile: exit 0" test $? -eq 0
check "foreign profile: unmatched, kernels without measurement" "$PY" - "$T/o.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))["devices"][0]
assert d["measured"]["unmatched_runtime_kernels"] > 0, d["measured"]
assert any(k["measured_ms"] is None for k in d["kernels"])
EOF

# 4. usage and bad files
nice -n 19 "$TUI" --report --profile "$P" "$M" >/dev/null 2>"$T/e1"
check "--profile without --device: exit 1" test $? -eq 1
printf '{"traceEvents": 3}' >"$T/bad1.json"
printf '[{"cat": "Session", "name": "model_run", "dur": 5}]' >"$T/bad2.json"
printf '[{"cat": "Node", "name": "x_kernel' >"$T/bad3.json"
for b in bad1 bad2 bad3; do
    nice -n 19 "$TUI" --report --device ort-cpu --profile "$T/$b.json" "$M" >"$T/$b.out" 2>"$T/$b.err"
    check "$b: exit 2" test $? -eq 2
    check "$b: one line, no report" test "$(wc -l <"$T/$b.err")" -eq 1 -a ! -s "$T/$b.out"
done
check "no kernel events: said" grep -q "has no kernel events" "$T/bad2.err"
nice -n 19 "$TUI" --report --device ort-cpu --profile "$T/missing.json" "$M" >/dev/null 2>"$T/e2"
check "missing profile: exit 2" test $? -eq 2

exit $fail
