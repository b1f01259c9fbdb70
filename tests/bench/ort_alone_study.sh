#!/usr/bin/env bash
# ort_alone_study.sh [WORK_DIR] -- could ONNX Runtime's kernels be learned
# the way XNNPACK's are, nn-Meter's way, from single-kernel models measured
# alone?  (README, "Predictors": ORT keeps its profile-based labels.)  On the
# ort-xeon device's zoo models (the build's work dir must hold them: run
# `NNMETER_DEVICE=ort-xeon src/build/build-device.sh build retrain` first),
# this cuts the kernels out of the 48 validation models and of 96 training
# models (each family's first six), times them alone with XNNPACK's kernel
# protocol (15 rounds, up to 6 extra, the minimum), the validation kernels
# twice, trains a scratch device "ort-alone" on them with train's in-model
# forms, and evaluates it: kernels alone against their second measurement
# (the noise floor), and whole models.  About 17 minutes of measuring on the
# Xeon (session 11: 4 min per validation pass, 7 for the training kernels).
# Nothing under predictors/ changes: the scratch device lives in WORK_DIR.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
B="$root/build/src/build/nnmeter-build"
w=${1:-/tmp/nnmeter-ort-alone}
src=/tmp/nnmeter-build-ort-xeon
[ -d "$src/val" ] && [ -d "$src/train" ] ||
    { echo "ort_alone_study: no zoo models in $src; run build-device.sh build retrain first" >&2; exit 2; }
rm -rf "$w" && mkdir -p "$w/data/rules" "$w/data/predictors"
cp "$root"/rules/*.rules "$w/data/rules/"
cp "$root/rules/ort-xeon.rules" "$w/data/rules/ort-alone.rules"
# the scratch device's rules and predictors: match, train and eval look
# there (measure finds its ORT harness in the source tree, not there)
D="env NNMETER_DATA=$w/data"
pin="--cpu $(($(nproc) > 1 ? 1 : 0))"

"$B" sample --split --device ort-xeon --out "$w/valsplit" "$src"/val/*.onnx
"$B" sample --split --device ort-xeon --out "$w/split" "$src"/train/*_[0-5].onnx
/usr/bin/python3 "$root/tests/bench/make_tiny.py" "$w/tiny.onnx"

M="$B measure --backend ort $pin --quiet --profile-runs 0 --statistic min"
K="--rounds 15 --extra-rounds 6"
$M --out "$w/tiny.jsonl" "$w/tiny.onnx"
rc=$(sed -n 's/.*"latency_ms":\([0-9.e+-]*\).*/\1/p' "$w/tiny.jsonl")
$M $K --out "$w/valA.jsonl" "$w"/valsplit/*.onnx
$M $K --out "$w/train.jsonl" "$w"/split/*.onnx
$M $K --out "$w/valB.jsonl" "$w"/valsplit/*.onnx

# the training models' whole-model records, as the device measured them
zcat "$root/predictors/ort-xeon/data/train.jsonl.gz" | /usr/bin/python3 -c '
import json, re, sys
for l in sys.stdin:
    r = json.loads(l)
    if "model" not in r or re.search(r"/train/[a-z0-9]+_[0-5]\.onnx$", r["model"]):
        print(l, end="")' >"$w/train_whole.jsonl"

$D "$B" match --device ort-alone --run-cost "$rc" --split "$w/split/split.jsonl" \
    --kernels "$w/kernels.jsonl" --models "$w/models.jsonl" "$w/train_whole.jsonl" "$w/train.jsonl"
$D "$B" train --device ort-alone --no-context --depth 7 --kernels "$w/kernels.jsonl" \
    --models "$w/models.jsonl" --out "$w/data/predictors/ort-alone" | tee "$w/train.out"
$D "$B" eval --device ort-alone --noise "$w/valB.jsonl" "$w/valA.jsonl" | tee "$w/eval-kernels.out"
$D "$B" eval --device ort-alone "$root/predictors/ort-xeon/data/val5.jsonl.gz" | tee "$w/eval-models.out"
