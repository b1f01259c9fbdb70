#!/bin/sh
# fake_benchmark.sh MODEL [--fail] -- stands in for a device's benchmark
# tool in the command-backend test (test_cmd_backend.sh): prints lines like
# TFLite's benchmark_model, with a deterministic average derived from the
# model file's size: avg = 1000 + size / 10 microseconds.
set -eu
model=$1
if [ "${2:-}" = "--fail" ]; then
    echo "STARTING!" >&2
    echo "ERROR: Failed to allocate tensors for $model" >&2
    exit 3
fi
size=$(wc -c <"$model")
echo "STARTING!"
echo "Graph: [$model]"
echo "count=50 first=1200 curr=1100 min=1000 max=1300 avg=$((1000 + size / 10)).5 std=12"
