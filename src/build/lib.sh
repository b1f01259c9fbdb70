# lib.sh -- what the device build scripts (build-device.sh for ONNX Runtime
# devices, build-xnnpack.sh for XNNPACK ones) share; sourced, not run.
#
# Before sourcing: set -euo pipefail, dev=<device>, and the script's
# arguments in "$@" ([BUILD_DIR] [retrain]).  After: here (the repo), B
# (nnmeter-build), mode (measure or retrain), work (the models, under /tmp
# unless NNMETER_WORK says otherwise), out and data (predictors/$dev and
# its data/), log (build.log when measuring; a retrain logs to $work so the
# build's log stays the record of its measurements), step() (a log line
# with the seconds since the start) and pin (measure's --cpu: the second
# core, away from whatever else runs on the first).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$here/build}
mode=${2:-measure}
case $mode in
measure | retrain) ;;
*) echo "usage: $0 [BUILD_DIR] [retrain]" >&2; exit 1 ;;
esac
B="$build/src/build/nnmeter-build"
if [ ! -f "$here/rules/$dev.rules" ]; then
    echo "$0: no rules/$dev.rules: write the device's fusion rules first (README, \"Devices\")" >&2
    exit 1
fi
work=${NNMETER_WORK:-/tmp/nnmeter-build-$dev}
out=$here/predictors/$dev
data=$out/data
mkdir -p "$work" "$data"
log=$out/build.log
[ "$mode" = retrain ] && log=$work/retrain.log
: >"$log"
start=$(date +%s)
step() { echo "[$(($(date +%s) - start)) s] $*" | tee -a "$log"; }
cd "$here"
pin="--cpu $(($(nproc) > 1 ? 1 : 0))"
# keep FILE: the measured data ship gzipped (about 8x smaller; match, eval
# and sample read .gz as plain, src/build/datafile.h); -n: no name or time
# in the header, so the same records give the same bytes
keep() { if [ -f "$1" ]; then gzip -9nf "$1"; fi; }
