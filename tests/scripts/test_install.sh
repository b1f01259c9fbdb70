#!/usr/bin/env bash
# test_install.sh SRC_DIR -- `meson install` and the installed programs.
#
# The data directory an installed program uses is found through the
# compiled-in install prefix (src/util/datadir.c), so this configures a
# build of its own with --prefix in a temporary directory, builds only the
# two programs, installs, and checks: the files are there; with
# NNMETER_DATA unset and an empty HOME/XDG_CONFIG_HOME the installed
# nnmeter-tui names the installed data directory, lists the installed
# devices and reports on an installed sample, and nnmeter-build reads the
# installed prior configurations; and the same after the installed tree is
# moved elsewhere (a relocated prefix: <dir>/bin next to <dir>/share).
set -uo pipefail
src=$(cd "$1" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
fail=0
unset NNMETER_DATA
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config"
mkdir -p "$HOME"

if ! meson setup "$tmp/build" "$src" --prefix="$prefix" -Dbuildtype=plain >"$tmp/setup.log" 2>&1 ||
   ! ninja -C "$tmp/build" src/nnmeter-tui src/build/nnmeter-build >"$tmp/ninja.log" 2>&1 ||
   ! meson install -C "$tmp/build" --no-rebuild >"$tmp/install.log" 2>&1; then
    echo "FAIL: configure, build or install"; tail -20 "$tmp"/*.log; exit 1
fi

data="$prefix/share/nnmeter-tui"
for f in bin/nnmeter-tui bin/nnmeter-build share/man/man1/nnmeter-tui.1 \
         share/man/man1/nnmeter-build.1 share/nnmeter-tui/ort_harness.js \
         share/nnmeter-tui/package.json share/nnmeter-tui/package-lock.json \
         share/nnmeter-tui/samples/README.md; do
    [ -f "$prefix/$f" ] || { echo "FAIL: $f not installed"; fail=1; }
done
# every shipped data file, recursively
for d in rules predictors samples; do
    (cd "$src/$d" && find . -type f | sort) >"$tmp/want"
    (cd "$data/$d" 2>/dev/null && find . -type f | sort) >"$tmp/got"
    if ! cmp -s "$tmp/want" "$tmp/got"; then
        echo "FAIL: $d/ installed differs from the source tree:"; diff "$tmp/want" "$tmp/got" | head
        fail=1
    fi
done
[ $fail = 0 ] && echo "ok   installed: programs, man pages, rules/, predictors/, samples/, harness"

check_run() { # label bindir datadir
    local label=$1 bin=$2 want=$3 out
    out=$("$bin/nnmeter-tui" --help 2>&1)
    if ! grep -qF "Data directory: $want " <<<"$out"; then
        echo "FAIL: $label: nnmeter-tui does not use $want:"; grep 'Data directory' <<<"$out"
        return 1
    fi
    out=$("$bin/nnmeter-tui" --list-devices --format json 2>&1) ||
        { echo "FAIL: $label: --list-devices: $out"; return 1; }
    local ndev
    ndev=$(grep -c "\"rules\":.*\"$want/rules/" <<<"$out")
    if [ "$ndev" -lt 5 ]; then
        echo "FAIL: $label: --list-devices found $ndev installed rule files"; return 1
    fi
    local sample
    sample=$(ls "$want"/samples/*.onnx | head -1)
    out=$("$bin/nnmeter-tui" --report --device all "$sample" 2>&1) ||
        { echo "FAIL: $label: --report on $sample: $out" | head -5; return 1; }
    grep -q kernel <<<"$out" || { echo "FAIL: $label: no kernels in the report"; return 1; }
    out=$("$bin/nnmeter-build" sample --prior --count 2 --per-model 2 --out "$tmp/kernels" 2>&1) ||
        { echo "FAIL: $label: nnmeter-build sample --prior: $out" | head -5; return 1; }
    ls "$tmp"/kernels/*.onnx >/dev/null 2>&1 ||
        { echo "FAIL: $label: nnmeter-build sample wrote no models"; return 1; }
    rm -rf "$tmp/kernels"
    echo "ok   $label: data from $want ($ndev devices, report on $(basename "$sample"))"
}

check_run "installed" "$prefix/bin" "$data" || fail=1
mv "$prefix" "$tmp/moved"
check_run "moved prefix" "$tmp/moved/bin" "$tmp/moved/share/nnmeter-tui" || fail=1
exit $fail
