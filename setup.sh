#!/usr/bin/env bash
# setup.sh -- everything a fresh Debian 12 machine needs, then one job.
#
#   ./setup.sh run    install what is missing, build, open the TUI on the bundled sample
#   ./setup.sh test   install what is missing, build with ASan+UBSan, run all tests,
#                     then fuzz the model loader, the rule parser, the
#                     profile reader and the predictor loader (clang)
#
# Idempotent: packages already present are not reinstalled, builds are
# incremental.  Needs root or sudo for apt-get.
set -euo pipefail
cd "$(dirname "$0")"

# Build and run-time packages (Debian 12 names), then test-only ones.
PKGS_BUILD="build-essential meson ninja-build pkg-config protobuf-c-compiler
  libprotobuf-c-dev libonnx-dev libncurses-dev libcjson-dev libpcre2-dev
  libxgboost-dev libxnnpack-dev libpthreadpool-dev zlib1g-dev nodejs npm"
PKGS_TEST="libcmocka-dev libonnx-testdata python3 python3-onnx python3-numpy tmux
  clang libclang-rt-14-dev man-db"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_packages() {
    local missing=()
    for p in $PKGS_BUILD $PKGS_TEST; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    # node/npm may come from elsewhere than Debian (e.g. nodesource): accept them
    if command -v node >/dev/null && command -v npm >/dev/null; then
        missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
    fi
    local want=()
    for p in "${missing[@]}"; do [ -n "$p" ] && want+=("$p"); done
    if [ ${#want[@]} -gt 0 ]; then
        echo "setup: installing ${want[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${want[@]}"
    fi
    if [ -f package-lock.json ] && [ ! -d node_modules/onnxruntime-node ]; then
        echo "setup: npm ci --ignore-scripts"
        npm ci --ignore-scripts --no-audit --no-fund >/dev/null
    fi
}

configure() { # dir [meson options...]
    local dir=$1; shift
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" "$@" >/dev/null
    fi
    ninja -C "$dir" >/dev/null
}

case "${1:-}" in
run)
    install_packages
    configure build
    # the interactive analyzer on a terminal; its report when piped
    if [ -t 0 ] && [ -t 1 ]; then
        exec ./build/src/nnmeter-tui samples/mobilenetv3.onnx
    fi
    exec ./build/src/nnmeter-tui --report --device ort-cpu samples/mobilenetv3.onnx
    ;;
test)
    install_packages
    configure build-san -Db_sanitize=address,undefined -Db_lundef=false
    rc=0
    meson test -C build-san --print-errorlogs --num-processes 2 || rc=$?
    # a short libFuzzer run (clang build of the fuzz targets only)
    [ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz -Dfuzz=true >/dev/null
    ninja -C build-fuzz tests/fuzz/fuzz_model tests/fuzz/fuzz_rules tests/fuzz/fuzz_profile \
        tests/fuzz/fuzz_predictor >/dev/null
    echo "setup: fuzzing, 20 s per target"
    tests/fuzz/run.sh build-fuzz 20 || rc=1
    exit $rc
    ;;
*)
    echo "usage: ./setup.sh run|test" >&2
    exit 1
    ;;
esac
