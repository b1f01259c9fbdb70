#!/usr/bin/env bash
# test_bad_inputs.sh BINARY TESTS_DIR -- every bad file and bad flag gets one
# clear line on stderr and its documented exit code (1 usage, 2 bad input),
# never a crash or a sanitizer report.
set -uo pipefail
bin=$1; tests=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0

# expect CODE DESCRIPTION -- ARGS...
expect() {
    local want=$1 what=$2; shift 3
    "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$? lines
    lines=$(grep -c . "$tmp/err")
    if [ "$rc" != "$want" ]; then
        echo "FAIL $what: exit $rc, want $want"; sed 's/^/    /' "$tmp/err" | head -5
        fail=$((fail+1)); return
    fi
    if grep -qE 'AddressSanitizer|runtime error:|LeakSanitizer' "$tmp/err"; then
        echo "FAIL $what: sanitizer report"; head -20 "$tmp/err"; fail=$((fail+1)); return
    fi
    if [ "$want" != 0 ] && [ "$lines" != 1 ]; then
        echo "FAIL $what: $lines lines on stderr, want exactly 1"; cat "$tmp/err"
        fail=$((fail+1)); return
    fi
    pass=$((pass+1))
}

good=/usr/share/libonnx-testdata/data/pytorch-converted/test_Conv2d/model.onnx
expect 0 "help" -- --help
expect 0 "version" -- --version
expect 0 "good model" -- --report "$good"
expect 0 "json" -- --report --format json "$good"
expect 0 "csv" -- --report --format csv "$good"
expect 1 "unknown flag" -- --bogus
expect 1 "missing flag argument" -- --report --format
expect 1 "bad format" -- --report --format xml "$good"
expect 1 "bad --input syntax" -- --report --input foo "$good"
expect 1 "bad --input dims" -- --report --input x=1x-3 "$good"
expect 1 "--input for no such input" -- --report --input nosuch=1x3 "$good"
expect 1 "--report without model" -- --report
expect 1 "two models" -- --report "$good" "$good"
expect 2 "missing file" -- --report "$tmp/none.onnx"
expect 2 "a directory" -- --report "$tmp"

# bad model files: tests/scripts/make_bad_models.py lists each with the exit
# codes it may give; check_bad_models.py holds the binary to them
/usr/bin/python3 "$tests/scripts/make_bad_models.py" "$tmp/bad" >/dev/null &&
    /usr/bin/python3 "$tests/scripts/check_bad_models.py" "$bin" "$tmp/bad" >"$tmp/bad.log" 2>&1
if [ $? = 0 ]; then pass=$((pass+1)); else
    echo "FAIL bad model files:"; sed 's/^/    /' "$tmp/bad.log"; fail=$((fail+1)); fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
