#!/usr/bin/env bash
# test_mutate.sh MUTATE_MODELS NNMETER_TUI SRC_DIR -- issue 8's mutation test.
#
# Real models -- the samples in samples/ (zoo ONNX models and an nn-Meter
# IR graph), the onnx.helper test models (tests/models/make_models.py) and
# every model of Debian's libonnx-testdata -- truncated, bit-flipped and
# byte-overwritten into >= 10,000 variants.  All of them go through the
# whole pipeline in-process (mutate_models: load, shapes, costs, every
# device's kernels and predictions, the report); 60 of them, spread over
# the run, also through the real binary (`--report --device all`).
# Every variant must give exit 0 or a one-line error with exit 2, and no
# sanitizer report (run it in the ASan+UBSan build).
set -uo pipefail
driver=$1; bin=$2; src=$3
testdata=/usr/share/libonnx-testdata/data
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export NNMETER_DATA="$src" XDG_CONFIG_HOME="$tmp/config"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

/usr/bin/python3 "$src/tests/models/make_models.py" "$tmp/models" >/dev/null || {
    echo "FAIL: cannot generate the test models (python3-onnx installed?)"; exit 1; }
[ -d "$testdata" ] || { echo "FAIL: $testdata missing (apt-get install libonnx-testdata)"; exit 1; }
mkdir -p "$tmp/kept"

# 5 samples (4 ONNX, 1 nn-Meter IR) x 500 + 17 test models x 300
# + 1,072 testdata models x 4 = 11,888
"$driver" -s 8 -m 10000 -o "$tmp/kept" -k 60 \
    -n 500 "$src/samples" -n 300 "$tmp/models" -n 4 "$testdata" || {
    echo "FAIL: mutate_models (see above)"; exit 1; }

fail=0 n=0 ok=0 bad=0
for f in "$tmp"/kept/*.onnx; do
    n=$((n + 1))
    "$bin" --report --device all "$f" >/dev/null 2>"$tmp/err"
    rc=$?
    if grep -qE 'runtime error|Sanitizer|LeakSanitizer' "$tmp/err"; then
        echo "FAIL: sanitizer report on $(basename "$f"):"; head -20 "$tmp/err"; fail=1
    elif [ $rc = 0 ]; then
        ok=$((ok + 1))
    elif [ $rc = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ]; then
        bad=$((bad + 1))
    else
        echo "FAIL: exit $rc on $(basename "$f"), stderr:"; head -5 "$tmp/err"; fail=1
        cp "$f" "/tmp/nnmeter-mutate-$(basename "$f")" && echo "  kept as /tmp/nnmeter-mutate-$(basename "$f")"
    fi
done
echo "nnmeter-tui --report on $n variants: $ok exit 0, $bad exit 2 with one line"
[ "$n" -ge 50 ] || { echo "FAIL: only $n variants written"; fail=1; }
exit $fail
