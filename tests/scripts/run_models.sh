#!/usr/bin/env bash
# run_models.sh BINARY TESTS_DIR -- generate the onnx.helper test models into
# a temporary directory and check every node's shapes and FLOPs against
# onnx.shape_inference and the FLOP formulas (tests/models/README.md).
set -euo pipefail
bin=$1; tests=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$tests/models/make_models.py" "$tmp" >/dev/null
exec /usr/bin/python3 "$tests/scripts/check_models.py" "$bin" "$tmp"
