#!/usr/bin/env bash
# test_devices.sh BINARY SRCDIR -- every shipped device on every test model.
#
# Generates the test models (tests/models/make_models.py), then checks that
#   - every device `--list-devices` names loads (a report with --device NAME);
#   - `--report --format json --device all` works on every model, lists every
#     device, and puts every ONNX node in exactly one kernel or in free_nodes;
#   - devices with identical rules (adreno630/adreno640) partition alike;
#   - at least one model has a different kernel count on two devices (the
#     rules make a difference; the model and counts are printed).
# Uses the shipped rules only (NNMETER_DATA=SRCDIR, an empty XDG config dir,
# so a user's edited copies do not count).  Prints "N passed, M failed";
# exits 1 on any failure.
set -uo pipefail
if [ $# -ne 2 ]; then
    echo "usage: $0 BINARY SRCDIR" >&2
    exit 2
fi
bin=$1; src=$2
py=/usr/bin/python3   # Debian's python3 has onnx; the one on PATH may not
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export NNMETER_DATA=$src XDG_CONFIG_HOME=$tmp/config
pass=0; fail=0

ok() { pass=$((pass+1)); }
bad() { echo "FAIL $*"; fail=$((fail+1)); }
finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" = 0 ]
    exit $?
}

# sanitized SANITIZER_LOG -- true when stderr has a sanitizer report
sanitized() { grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$1"; }

if ! "$py" "$src/tests/models/make_models.py" "$tmp/models" >"$tmp/gen.log" 2>&1; then
    bad "make_models.py"; sed 's/^/    /' "$tmp/gen.log" | tail -5
    finish
fi
models=("$tmp"/models/*.onnx)
if [ ! -e "${models[0]}" ]; then
    bad "make_models.py wrote no models"; finish
fi

# ---- devices ---------------------------------------------------------------
if ! "$bin" --list-devices --format json >"$tmp/devices.json" 2>"$tmp/err" || sanitized "$tmp/err"; then
    bad "--list-devices --format json"; sed 's/^/    /' "$tmp/err" | head -5
    finish
fi
mapfile -t devices < <("$py" -c '
import json, sys
for d in json.load(open(sys.argv[1])):
    print(d["name"])' "$tmp/devices.json")
if [ "${#devices[@]}" -lt 2 ]; then
    bad "--list-devices lists ${#devices[@]} devices, want at least 2"
fi
for dev in "${devices[@]}"; do
    if "$bin" --report --device "$dev" "${models[0]}" >"$tmp/out" 2>"$tmp/err" &&
       ! sanitized "$tmp/err" && grep -q "^device *$dev " "$tmp/out"; then
        ok
    else
        bad "device $dev does not load"; sed 's/^/    /' "$tmp/err" | head -5
    fi
done

# ---- every model on every device --------------------------------------------
: >"$tmp/counts"
for m in "${models[@]}"; do
    name=$(basename "$m" .onnx)
    flags=()
    if [ -f "$tmp/models/$name.expect.json" ]; then
        mapfile -t flags < <("$py" -c '
import json, sys
for f in json.load(open(sys.argv[1])).get("input_flags", []):
    print(f)' "$tmp/models/$name.expect.json")
    fi
    if ! "$bin" --report --format json --device all "${flags[@]}" "$m" >"$tmp/$name.json" \
         2>"$tmp/err" || sanitized "$tmp/err"; then
        bad "$name: --report --format json --device all"; sed 's/^/    /' "$tmp/err" | head -5
        continue
    fi
    # every ONNX node in exactly one kernel or free; appends "model device count"
    if "$py" - "$tmp/$name.json" "$name" "$tmp/devices.json" >>"$tmp/counts" 2>"$tmp/err" <<'EOF'
import collections, json, sys
report, model, devfile = sys.argv[1], sys.argv[2], sys.argv[3]
d = json.load(open(report))
want = sorted(x["name"] for x in json.load(open(devfile)))
nodes = [n["name"] for n in d["nodes"]]
errors = []
if len(set(nodes)) != len(nodes):
    errors.append("duplicate node names in the report")
got = sorted(dev["name"] for dev in d.get("devices", []))
if got != want:
    errors.append("devices %s, want %s" % (got, want))
for dev in d.get("devices", []):
    seen = collections.Counter()
    for k in dev["kernels"]:
        if not k["nodes"]:
            errors.append("%s: kernel %s has no nodes" % (dev["name"], k.get("name")))
        seen.update(k["nodes"])
    seen.update(dev.get("free_nodes", []))
    for n in nodes:
        if seen[n] != 1:
            errors.append("%s: node %s is in %d kernels/free lists" % (dev["name"], n, seen[n]))
    for n in seen:
        if n not in nodes:
            errors.append("%s: unknown node %s" % (dev["name"], n))
    print(model, dev["name"], len(dev["kernels"]))
for e in errors[:10]:
    print("%s: %s" % (model, e), file=sys.stderr)
sys.exit(1 if errors else 0)
EOF
    then
        ok
    else
        bad "$name: partition"; sed 's/^/    /' "$tmp/err" | head -10
    fi
done

# ---- the rules make a difference ----------------------------------------------
if "$py" - "$tmp/counts" <<'EOF'
import collections, sys
counts = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    model, dev, n = line.split()
    counts[model][dev] = int(n)
differ = 0
for model in sorted(counts):
    c = counts[model]
    if len(set(c.values())) > 1:
        lo = min(c, key=lambda k: (c[k], k))
        hi = max(c, key=lambda k: (c[k], k))
        print("  %s: %d kernels on %s, %d on %s" % (model, c[lo], lo, c[hi], hi))
        differ += 1
print("  %d of %d models have different kernel counts on different devices"
      % (differ, len(counts)))
sys.exit(0 if differ else 1)
EOF
then ok; else bad "no model has different kernel counts on two devices"; fi

# devices shipped with identical rules must agree kernel for kernel
a=adreno630gpu_tflite21; b=adreno640gpu_tflite21
if printf '%s\n' "${devices[@]}" | grep -qx "$a" && printf '%s\n' "${devices[@]}" | grep -qx "$b"; then
    if "$py" - "$a" "$b" "$tmp"/*.json <<'EOF'
import json, sys
a, b = sys.argv[1], sys.argv[2]
bad = []
for path in sys.argv[3:]:
    d = json.load(open(path))
    if not isinstance(d, dict) or "devices" not in d:
        continue
    parts = {dev["name"]: [k["nodes"] for k in dev["kernels"]] for dev in d["devices"]}
    if a in parts and b in parts and parts[a] != parts[b]:
        bad.append(d["model"])
for m in bad:
    print("  %s: %s and %s differ" % (m, a, b), file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
    then ok; else bad "$a and $b partition differently"; fi
fi

finish
