#!/usr/bin/env bash
# run.sh BUILD_DIR SECONDS [TARGET...] -- run each libFuzzer target for
# SECONDS, starting from its seed corpus; exit 1 on any crash, leak,
# sanitizer report or timeout.
#
# BUILD_DIR is a clang build configured with -Dfuzz=true, e.g.
#   CC=clang meson setup -Dfuzz=true build-fuzz
#   ninja -C build-fuzz tests/fuzz/fuzz_model tests/fuzz/fuzz_rules tests/fuzz/fuzz_profile \
#       tests/fuzz/fuzz_predictor
#   tests/fuzz/run.sh build-fuzz 20
# Targets: fuzz_model, fuzz_rules, fuzz_profile, fuzz_predictor (default: all four).
# What a run finds is left in BUILD_DIR/fuzz-artifacts/ (TARGET-crash-*,
# -leak-*, -timeout-*, -oom-*, and TARGET.log); reproduce one with
# NNMETER_DATA=. BUILD_DIR/tests/fuzz/TARGET FILE
set -uo pipefail
if [ $# -lt 2 ] || ! [[ $2 =~ ^[0-9]+$ ]]; then
    echo "usage: tests/fuzz/run.sh BUILD_DIR SECONDS [fuzz_model|fuzz_rules|fuzz_profile|fuzz_predictor ...]" >&2
    exit 1
fi
build=$(cd "$1" && pwd) || exit 1
secs=$2
shift 2
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_model fuzz_rules fuzz_profile fuzz_predictor)
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)

export NNMETER_DATA="$src"            # shipped rules/ and predictors/
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:allocator_may_return_null=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

fail=0
for t in "${targets[@]}"; do
    bin="$build/tests/fuzz/$t"
    case $t in
    fuzz_model) seeds=("$here/corpus_model"); maxlen=32768 ;;
    fuzz_rules) seeds=("$here/corpus_rules" "$src/rules"); maxlen=8192 ;;
    fuzz_profile) seeds=("$here/corpus_profile"); maxlen=32768 ;;
    fuzz_predictor) seeds=("$here/corpus_predictor"); maxlen=16384 ;;
    *) echo "run.sh: unknown target '$t'" >&2; exit 1 ;;
    esac
    if [ ! -x "$bin" ]; then
        echo "run.sh: $bin not built (meson setup -Dfuzz=true with CC=clang, then ninja)" >&2
        exit 1
    fi
    mkdir -p "$scratch/$t"
    log="$artifacts/$t.log"
    # -timeout: an input that takes 10 s is a hang; -rss_limit_mb: one that
    # needs 2 GB is a memory blow-up (both count as failures)
    "$bin" "$scratch/$t" "${seeds[@]}" -max_total_time="$secs" -timeout=10 \
        -rss_limit_mb=2048 -max_len="$maxlen" -print_final_stats=1 \
        -dict="$here/$t.dict" -artifact_prefix="$artifacts/$t-" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1)
    if [ $rc -ne 0 ]; then
        echo "FAIL $t (exit $rc after ${runs:-?} runs): see $log"
        # the report, with what the target printed just before it
        awk '/==ERROR|runtime error|ERROR: libFuzzer/ && !n {n = NR}
             {l[NR] = $0} END {for (i = (n > 15 ? n - 15 : 1); n && i < n + 30 && i <= NR; i++) print l[i]}' \
            "$log" | cut -c1-300
        ls "$artifacts" | grep "^$t-" | sed "s|^|  artifact: $artifacts/|"
        fail=1
    else
        echo "ok   $t: ${runs:-?} runs in ${secs}s, ${cov:-cov: ?} edges, no crash"
    fi
done
exit $fail
