#!/usr/bin/env bash
# The command backend end to end, with a local program standing in for a
# phone's benchmark tool (fake_benchmark.sh: avg = 1000 + size/10 us):
# records carry exactly the latencies the tool printed (per-call and
# per-run modes, --push, file names a shell would mangle); a failing
# command, a regex that does not match, a missing program and a bad regex
# give one clean line and no record; detect-rules builds a rules-only
# device from the tool's figures that the analyzer then uses.
# usage: test_cmd_backend.sh NNMETER_BUILD NNMETER_TUI SOURCE_DIR
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
FAKE="$SRC/tests/scripts/fake_benchmark.sh"
RE='avg=([0-9.e+]+)'
Q="--rounds 2 --extra-rounds 0 --quiet"
mkdir -p "$T/m" "$T/dev"
cp "$SRC/samples/nasbench201.onnx" "$SRC/samples/mobilenetv3.onnx" "$T/m/"
# a name a shell would split and expand: it must reach the tool unchanged
cp "$SRC/samples/resnet.onnx" "$T/m/res net;\$(touch pwned)'x.onnx"

# the latencies records must carry: (1000 + size/10 + 0.5) us, in ms
expect() {   # expect RECORDS.jsonl COUNT
    "$PY" - "$1" "$2" <<'EOF'
import json, os, sys, records
recs = records.load(sys.argv[1])
assert len(recs) == int(sys.argv[2]), recs
for r in recs:
    want = (1000 + os.path.getsize(r["model"]) // 10 + 0.5) / 1000
    assert abs(r["latency_ms"] - want) < 1e-9, (r["model"], r["latency_ms"], want)
    assert r["backend"] == "cmd" and r["runtime"].startswith("cmd: "), r
    assert r["spread"] == 0 and "profile" not in r, r
    print("  %-40s %.4f ms" % (os.path.basename(r["model"]), r["latency_ms"]))
EOF
}

# 1. per-call: one run per visit, three models
nice -n 19 "$BUILD" measure --backend cmd --cmd "sh '$FAKE' {model}" --regex "$RE" \
    --unit us --per-call $Q --out "$T/a.jsonl" "$T"/m/*.onnx 2>"$T/a.err"
check "per-call measure exits 0" test $? -eq 0
check "per-call latencies are the tool's" expect "$T/a.jsonl" 3
check "no shell ran the file name" test ! -e pwned -a ! -e "$T/m/pwned"

# 2. per-run (the tool prints one run), with warm-up; --push copies the
#    model where the command reads it ({name} = file name)
nice -n 19 "$BUILD" measure --backend cmd --push "cp {model} '$T/dev/{name}'" \
    --cmd "sh '$FAKE' '$T/dev/{name}'" --regex "$RE" --unit us --warmup 1 --runs 3 \
    $Q --out "$T/b.jsonl" "$T/m/nasbench201.onnx" 2>"$T/b.err"
check "push + per-run measure exits 0" test $? -eq 0
check "pushed file was timed" test -f "$T/dev/nasbench201.onnx"
check "per-run latency is the tool's" expect "$T/b.jsonl" 1

# 2b. warm-up lasts --warmup-ms as well as --warmup runs: one round of a
#    model is its discarded first visit (1 run after warm-up) and 2 timed
#    runs, so 3 runs without warm-up; 300 ms of warm-up adds runs (each
#    here a shell of a few ms) until 300 ms have passed, twice
count_runs() {   # count_runs WARMUP_MS -> how many times the tool ran
    rm -f "$T/count"
    nice -n 19 "$BUILD" measure --backend cmd --cmd "sh -c 'echo >>\"\$0\"; sh \"\$1\" \"\$2\"' '$T/count' '$FAKE' {model}" \
        --regex "$RE" --unit us --rounds 1 --extra-rounds 0 --quiet --warmup 0 --warmup-ms "$1" --runs 2 \
        --out "$T/w.jsonl" "$T/m/nasbench201.onnx" 2>"$T/w.err" || echo "exit $?" >&2
    wc -l <"$T/count"
}
n0=$(count_runs 0) n300=$(count_runs 300)
echo "  runs of the tool: $n0 with --warmup-ms 0, $n300 with 300"
check "--warmup-ms 0: no warm-up runs" test "$n0" -eq 3
check "--warmup-ms 300: warm-up runs until 300 ms" test "$n300" -gt 6
check "--warmup-ms in the protocol" grep -q '"protocol":"rounds=1 warmup=0 warmup_ms=300 runs=2 ' "$T/w.jsonl"
nice -n 19 "$BUILD" measure --backend cmd --cmd "sh x" --regex "$RE" --warmup-ms -1 \
    --out "$T/w2.jsonl" "$T/m/nasbench201.onnx" 2>"$T/w2.err"
check "--warmup-ms -1: exit 1" test $? -eq 1
check "--warmup-ms -1: message" grep -q -- "--warmup-ms needs milliseconds from 0 to 60000" "$T/w2.err"

# 3. a failing command: exit 2, its last line shown, no record
nice -n 19 "$BUILD" measure --backend cmd --cmd "sh '$FAKE' {model} --fail" --regex "$RE" \
    --per-call $Q --out "$T/c.jsonl" "$T/m/nasbench201.onnx" 2>"$T/c.err"
check "failing command: exit 2" test $? -eq 2
check "failing command: code and last line" grep -q \
    "exited with code 3; its last line: ERROR: Failed to allocate tensors" "$T/c.err"
check "failing command: no record" test ! -s "$T/c.jsonl"

# 4. a regex that does not match: exit 2, the output's start shown, no record
nice -n 19 "$BUILD" measure --backend cmd --cmd "sh '$FAKE' {model}" \
    --regex 'mean=([0-9.]+)' --per-call $Q --out "$T/d.jsonl" "$T/m/nasbench201.onnx" \
    2>"$T/d.err"
check "regex mismatch: exit 2" test $? -eq 2
check "regex mismatch: message with the output" grep -q \
    "does not match the output of --cmd (its first 200 chars: STARTING! | Graph:" "$T/d.err"
check "regex mismatch: no record" test ! -s "$T/d.jsonl"

# 5. a program that does not exist: exit 2, named
nice -n 19 "$BUILD" measure --backend cmd --cmd "no-such-benchmark-tool {model}" \
    --regex "$RE" $Q --out "$T/e.jsonl" "$T/m/nasbench201.onnx" 2>"$T/e.err"
check "missing program: exit 2" test $? -eq 2
check "missing program: named" grep -q "program 'no-such-benchmark-tool' not found" "$T/e.err"
check "missing program: no record" test ! -s "$T/e.jsonl"

# 6. usage errors: bad regex (with its column), unclosed quote, cmd options
#    on another backend, --backend cmd without --cmd
nice -n 19 "$BUILD" measure --backend cmd --cmd "sh x" --regex 'avg=([0-9' \
    --out "$T/f.jsonl" "$T/m/nasbench201.onnx" 2>"$T/f.err"
check "bad regex: exit 1" test $? -eq 1
check "bad regex: column" grep -q "^nnmeter-build measure: --regex 'avg=(\[0-9': .* at column 10$" "$T/f.err"
check "bad regex: one line" test "$(wc -l <"$T/f.err")" -eq 1
nice -n 19 "$BUILD" measure --backend cmd --cmd "sh 'x" --regex "$RE" \
    --out "$T/f.jsonl" "$T/m/nasbench201.onnx" 2>"$T/g.err"
check "unclosed quote: exit 1" test $? -eq 1
check "unclosed quote: column" grep -q "unterminated ' at column 4" "$T/g.err"
nice -n 19 "$BUILD" measure --backend ort --cmd "sh x" --out "$T/f.jsonl" \
    "$T/m/nasbench201.onnx" 2>"$T/h.err"
check "cmd options on ort: exit 1" test $? -eq 1
nice -n 19 "$BUILD" measure --backend cmd --regex "$RE" --out "$T/f.jsonl" \
    "$T/m/nasbench201.onnx" 2>"$T/i.err"
check "cmd without --cmd: exit 1" test $? -eq 1

# 7. a device from the tool: detect-rules over the cmd backend writes a rule
#    file; as a user device it partitions a model like any other
export XDG_CONFIG_HOME="$T/config"
mkdir -p "$XDG_CONFIG_HOME/nnmeter/rules"
R="$XDG_CONFIG_HOME/nnmeter/rules/fake-phone.rules"
nice -n 19 "$BUILD" detect-rules --backend cmd --cmd "sh '$FAKE' {model}" --regex "$RE" \
    --unit us --per-call --rounds 1 --device fake-phone --work "$T/work" --out "$R" \
    2>"$T/j.err"
check "detect-rules over cmd exits 0" test $? -eq 0
check "rule file names the command" grep -q "^runtime   cmd: sh .*fake_benchmark.sh' {model}" "$R"
check "rule file has the pair table" grep -q "^#   conv     relu " "$R"
nice -n 19 "$TUI" --report --format json --device fake-phone "$SRC/samples/resnet.onnx" \
    >"$T/k.json" 2>"$T/k.err"
check "the analyzer uses the new device" "$PY" - "$T/k.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
d = r["devices"][0]
assert d["name"] == "fake-phone" and d["runtime"].startswith("cmd: "), d["name"]
assert len(d["kernels"]) > 0, d
print("  fake-phone: %d kernels from %d nodes" % (len(d["kernels"]), r["totals"]["nodes"]))
EOF

exit $fail
