#!/usr/bin/env bash
# load_100mb.sh [BUILD_DIR] -- time and peak memory of `nnmeter-tui --report`
# on a generated 100 MB model (not a pass/fail test: prints the figures).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$here/tests/scripts/make_big_model.py" "$tmp/big.onnx" >/dev/null
size=$(stat -c %s "$tmp/big.onnx")
for i in 1 2 3; do
    /usr/bin/time -v "$build/src/nnmeter-tui" --report "$tmp/big.onnx" 2>"$tmp/time" >/dev/null
    wall=$(grep "Elapsed (wall clock)" "$tmp/time" | awk '{print $NF}')
    rss=$(grep "Maximum resident set size" "$tmp/time" | awk '{print $NF}')
    echo "run $i: file $((size / 1000000)) MB, wall $wall, peak RSS $((rss / 1000)) MB ($(awk -v r="$rss" -v s="$size" 'BEGIN{printf "%.2f", r*1000/s}')x file size)"
done
