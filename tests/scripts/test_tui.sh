#!/usr/bin/env bash
# test_tui.sh BINARY SRCDIR -- drives the real nnmeter-tui in tmux.
#
# A private tmux server (its own socket) runs a shell; the tests type into
# it with send-keys and read the screen with capture-pane, polling for the
# expected text with a timeout instead of sleeping.  The data directory is
# a temporary one: the shipped rules and samples, plus a stand-in ort-cpu
# predictor (meta.json only, so every kernel gets the roofline fallback),
# which makes the latency numbers independent of the trained predictors.
# XDG_CONFIG_HOME is temporary too, so saving rules never touches the
# user's files.  Every run checks that the terminal settings (stty -g) are
# the same after the program as before, and that stderr holds no sanitizer
# report.
set -uo pipefail
bin=$(realpath "$1"); src=$(realpath "$2")
tmp=$(mktemp -d)
sock="$tmp/tmux.sock"
pass=0; fail=0

tm() { tmux -S "$sock" "$@"; }
cleanup() { tm kill-server 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

# ---- data and config ------------------------------------------------------
mkdir -p "$tmp/data/predictors/ort-cpu" "$tmp/config" "$tmp/home"
ln -s "$src/rules" "$tmp/data/rules"
ln -s "$src/samples" "$tmp/data/samples"
cat > "$tmp/data/predictors/ort-cpu/meta.json" <<'EOF'
{"format": 1, "device": "ort-cpu", "runtime": "test stand-in", "cpu": "test",
 "overhead": {"model_ms": 0.05, "kernel_ms": 0.003},
 "fallback": {"base_ms": 0.01, "ms_per_mflop": 0.02, "ms_per_kb": 0.0005}}
EOF
printf 'not an onnx file\n' > "$tmp/bad.onnx"
shipped_sum=$(cksum < "$src/rules/ort-cpu.rules")
echo "PS1='READY\$ '" > "$tmp/bashrc"

# ---- helpers --------------------------------------------------------------
screen() { tm capture-pane -p -t t 2>/dev/null; }
keys() { tm send-keys -t t "$@"; }
# wait_for REGEX [SECONDS]: poll the screen until a line matches
wait_for() {
    local re=$1 t=${2:-15} i
    for ((i = 0; i < t * 20; i++)); do
        screen | grep -qE -- "$re" && return 0
        sleep 0.05
    done
    return 1
}
# wait_gone REGEX: poll until no line matches
wait_gone() {
    local i
    for ((i = 0; i < 200; i++)); do
        screen | grep -qE -- "$1" || return 0
        sleep 0.05
    done
    return 1
}
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() {
    fail=$((fail + 1)); echo "FAIL $1"
    screen | sed 's/^/    | /'
}
check() { if wait_for "$2" "${3:-15}"; then ok "$1"; else bad "$1 (want /$2/)"; fi; }
check_not() { if screen | grep -qE -- "$2"; then bad "$1 (unwanted /$2/)"; else ok "$1"; fi; }

# start_shell [VAR=value ...]: a fresh tmux server with a shell at 120x40
start_shell() {
    local try
    for try in 1 2 3; do
        tm kill-server 2>/dev/null
        env -i PATH="$PATH" HOME="$tmp/home" TERM=xterm-256color LC_ALL=C.UTF-8 \
            NNMETER_DATA="$tmp/data" XDG_CONFIG_HOME="$tmp/config" \
            ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
            LSAN_OPTIONS="${LSAN_OPTIONS:-}" "$@" \
            tmux -S "$sock" -f /dev/null new-session -d -x 120 -y 40 -s t \
            "bash --noprofile --rcfile $tmp/bashrc -i"
        wait_for 'READY\$' 20 && return 0
        echo "note: tmux shell not ready (try $try):"; screen | head -5
    done
    echo "FAIL tmux shell did not start"
    echo "$pass passed, $((fail + 1)) failed"
    exit 1
}

# run ARGS...: starts the program from the shell, recording the terminal
# settings before and after, its exit code and its stderr
run() {
    rm -f "$tmp/stty.before" "$tmp/stty.after" "$tmp/stderr"
    keys "clear; stty -g > $tmp/stty.before; $bin $* 2> $tmp/stderr; " \
         "echo EXIT=\$?; stty -g > $tmp/stty.after" Enter
}

# finished WHAT CODE: the program ended with CODE and left the terminal as
# it found it, with a clean stderr
finished() {
    local what=$1 code=$2
    check "$what: exit $code" "^EXIT=$code" 20
    local i=0
    while [ ! -s "$tmp/stty.after" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    if cmp -s "$tmp/stty.before" "$tmp/stty.after"; then ok "$what: terminal settings restored"
    else bad "$what: stty -g differs after the program"; fi
    if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$tmp/stderr" 2>/dev/null; then
        bad "$what: sanitizer report"; sed 's/^/    ! /' "$tmp/stderr" | head -30
    else ok "$what: no sanitizer report"; fi
}

# value REGEX: the first match of REGEX on the screen (for numbers)
value() { screen | grep -oE -- "$1" | head -1; }

# ---- the default sample: kernels, bars, total -----------------------------
start_shell
run
check "opens the bundled sample" 'model mobilenetv3\.onnx'
check "header shows the total with a range" 'total [0-9.]+ ms +range [0-9.]+-[0-9.]+'
check "kernel rows with ops and latency" '^ +[0-9]+ .*Conv\+BN\+HSwish .* [0-9.]+\*? +[0-9.]+ +[0-9.]+ '
check "latency bars (eighth blocks)" '[█▏▎▍▌▋▊▉]'
check "function bar" '\? Help .*q Quit'
if tm capture-pane -e -p -t t | grep -qE $'\e\\[[0-9;]*(3[0-7]|4[0-7])[;m]'; then ok "colours on"
else bad "colours on"; fi
keys Tab
check "Tab: next view" 'group +ops'
keys 1
keys s
check "sort by latency" 'sort: latency'
keys s s s
check "sort cycles back to graph order" 'sort: graph order'
keys Enter
check "detail pane: kernel, rule, latency" 'kernel 0: /Conv_0'
check "detail pane: features and nodes" 'features +conv: hin='
check "detail pane: rule that fused it" 'rule +conv_bn_add_act'
keys Escape
if wait_gone 'kernel 0: /Conv_0'; then ok "Esc closes the detail pane"
else bad "Esc closes the detail pane"; fi

# ---- filter ---------------------------------------------------------------
keys / 'se/'
check "filter applies as typed" 'filter: se/ \([0-9]+ of 46\)'
keys Enter
check "filtered rows are SE kernels" '^ +[0-9]+ .*(GAP|Mul|Conv\+Relu)'
keys Escape
sleep 0.2
keys / 'se/(Con'
check "invalid regex: error shown" 'column [0-9]+: missing closing parenthesis'
keys Enter
check "invalid regex: Enter keeps the prompt" 'filter \(PCRE2\): se/\(Con'
keys Escape
check "Esc restores the filter before /" 'sort: graph order *$'

# ---- compare --------------------------------------------------------------
keys 2
check "compare: device names over the columns" '^ +ort-cpu +[a-zA-Z0-9_-]+'
ncols=$(screen | sed -n 4p | wc -w)
if [ "$ncols" -ge 2 ]; then ok "compare: >= 2 device columns ($ncols)"
else bad "compare: >= 2 device columns ($ncols)"; fi
check "compare: totals and ratio" '[0-9.]+ ms x1\.00 +46 kernels'
check "compare: a split chain is marked" '^ +[0-9]+≠ '
keys n
check "compare: no-fusion variant added" 'ort-cpu \(no fusion\)'
check "compare: variant beside its device" 'x1\.00 +46 kernels +[0-9.]+ ms x[0-9.]+ +[0-9]+ kernels'
keys s
check "compare: sort most different first" 's: graph order'

# ---- rules ----------------------------------------------------------------
keys 3
check "rules view lists the rules" '\[x\] conv_bn_add_act'
check "rules view: kernel count and total" 'now: 46 kernels, total [0-9.]+ ms'
before=$(value 'now: 46 kernels, total [0-9.]+ ms')
keys Space
check "toggle a rule: kernel count changes" 'now: [0-9]+ kernels' 5
check "toggle a rule: the rule is off" '\[ \] conv_bn_add_act'
after=$(value 'now: [0-9]+ kernels, total [0-9.]+ ms')
if [ -n "$after" ] && [ "${after%%,*}" != "now: 46 kernels" ] && [ "${before#*total }" != "${after#*total }" ]; then
    ok "toggle: count and total changed ($before -> $after)"
else bad "toggle: count and total changed ($before -> $after)"; fi
check "toggle: delta against the saved rules" 'delta: \+[0-9]+ kernels'
keys j e End ' (('
check "edit: invalid pattern shows error and column" 'column [0-9]+: bad pattern: missing closing parenthesis'
keys Enter
check "edit: Enter with an error applies nothing" 'Enter applies +Esc cancels'
keys Escape
check "edit: Esc keeps the old pattern" '\[x\] bn_act .* bn \(relu'
keys a 'my_rule -> conv : conv relu' Enter
check "add a rule" 'added my_rule: kernels'
keys D
check "delete the rule" 'deleted my_rule'
keys w
check "save: message" 'saved .*/nnmeter/rules/ort-cpu\.rules'
saved="$tmp/config/nnmeter/rules/ort-cpu.rules"
if [ -f "$saved" ] && grep -q '^rule conv_bn_add_act' "$saved" && grep -qx '    off' "$saved"; then
    ok "save: the file is in XDG_CONFIG_HOME with the rule off"
else bad "save: $saved missing or without the change"; fi
if [ "$(cksum < "$src/rules/ort-cpu.rules")" = "$shipped_sum" ]; then
    ok "save: the shipped file is untouched"
else bad "save: the shipped rules file changed"; fi
check "save: nothing left modified" 'delta: \+0 kernels'

# ---- help -----------------------------------------------------------------
keys '?'
check "help: views and keys" '^ +KEYS'
check "help: generated key rows" '\? F1 +help: every key'
keys PageDown PageDown PageDown
check "help scrolls to the end" 'F10 +quit'
check "help lists the rules keys" 'Space +enable/disable the selected rule'
keys x
check "any key closes the help" 'now: [0-9]+ kernels'

# ---- resize ---------------------------------------------------------------
keys 1
tm resize-window -t t -x 80 -y 24
check "80x24: header total" 'total [0-9.]+ ms'
check "80x24: function bar" '\? Help .*Quit'
check "80x24: kernel rows" '^ +[0-9]+ (conv|dwconv) '
width=$(screen | LC_ALL=C.UTF-8 wc -L)
if [ "$width" -le 80 ]; then ok "80x24: nothing wider than 80 ($width)"; else bad "80x24: line of $width"; fi
tm resize-window -t t -x 120 -y 40
check "back to 120x40" 'nnmeter-tui +model mobilenetv3\.onnx'

# ---- mouse: a click on the Rules tab (xterm X10 report) --------------------
tabx=$(screen | sed -n 3p | grep -bo '3 Rules' | cut -d: -f1)
if [ -n "$tabx" ]; then
    # ESC [ M, button 0 at (tabx+2, row 3), 1-based, each +32; then release
    keys -l "$(printf '\033[M %b%b' "\\$(printf '%03o' $((tabx + 2 + 32)))" "\\$(printf '%03o' $((3 + 32)))")"
    keys -l "$(printf '\033[M#%b%b' "\\$(printf '%03o' $((tabx + 2 + 32)))" "\\$(printf '%03o' $((3 + 32)))")"
    check "mouse: click on a tab" 'now: [0-9]+ kernels'
fi

# ---- quit -----------------------------------------------------------------
keys q
finished "quit with q" 0
check "shell prompt back" 'READY\$ *$'

# ---- Ctrl-C ---------------------------------------------------------------
# (an interactive shell drops the rest of a command line killed by Ctrl-C,
# so the exit code and the terminal settings are read by a new command)
run
check "second start" 'total [0-9.]+ ms'
keys C-c
check "Ctrl-C: the shell prompt is back" 'READY\$ *$'
keys "echo EXIT=\$?; stty -g > $tmp/stty.after" Enter
finished "Ctrl-C" 130

# ---- the user copy is preferred; a broken one is shown, U recovers ----------
run
check "saved rules are loaded next time" '\[modified\]|device ort-cpu' 10
keys 3
check "saved copy in use" 'ort-cpu: .*/config/nnmeter/rules/ort-cpu\.rules \(your saved copy\)'
keys q
finished "quit (saved copy)" 0
printf 'device ort-cpu\nrule broken : conv (\n' > "$saved"
run --device ort-cpu --device cortexA76cpu_tflite21
check "broken rule file: error in the UI" 'could not be loaded'
keys 3 U
check "U asks first" 'Load the shipped rules'
keys y
check "U: shipped rules back" 'shipped rules loaded; your copy is now .*ort-cpu\.rules~'
check "U: the view works again" '\[x\] conv_bn_add_act'
keys q
finished "quit (after U)" 0

# ---- loading errors and other environments ---------------------------------
run "$tmp/bad.onnx"
check "bad model: error in the UI" 'The model could not be opened'
keys q
finished "quit (bad model)" 0

run --device cortexA76cpu_tflite21 --device adreno640gpu_tflite21
check "rules-only device: FLOPs note" 'no predictors: showing FLOPs'
check "rules-only device: FLOPs bars" 'FLOPs share *$'
keys 2
check "rules-only compare: columns without latency" 'kernels, no latency +[0-9]+ kernels, no latency'
keys q
finished "quit (rules-only)" 0

# ---- measured vs predicted, with an ONNX Runtime profile (when node runs) ---
if command -v node >/dev/null && [ -d "$src/node_modules/onnxruntime-node" ] &&
    prof=$(nice -n 19 node "$src/tests/scripts/ort_profile.js" "$src" \
           "$src/samples/mobilenetv3.onnx" "$tmp" 3 2>/dev/null) && [ -s "$prof" ]; then
    run --profile "$prof"
    check "profile: measured total in the header" 'measured [0-9.]+ ms'
    check "profile: meas column" ' ms +meas +% '
    keys Enter
    check "profile: measured vs predicted in the detail" \
        'measured +[0-9.]+ ms, median of 3 runs; predicted [0-9.]+ ms \([-+][0-9]+%\)'
    keys q
    finished "quit (profile)" 0
else
    echo "skip profile overlay: node or onnxruntime-node not available"
fi

start_shell LC_ALL=C NO_COLOR=1
run
check "C locale: '#' bars" '^ +0 .*#{4,}'
if tm capture-pane -e -p -t t | grep -qE $'\e\\[[0-9;]*(3[0-7]|4[0-7]|38;5|48;5)[;m]'; then
    bad "NO_COLOR: colours on screen"
else ok "NO_COLOR: no colours"; fi
keys q
finished "quit (C locale)" 0

# ---- the device built on this host's CPU comes first -----------------------
# a second stand-in, ort-xeon, claims this host's CPU (as /proc/cpuinfo
# names it): the analyzer opens on it, not on ort-cpu, the first device
# with predictors
host=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
mkdir -p "$tmp/data/predictors/ort-xeon"
/usr/bin/python3 - "$tmp/data/predictors/ort-cpu/meta.json" \
    "$tmp/data/predictors/ort-xeon/meta.json" "${host:-unknown}" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m.update(device="ort-xeon", cpu=sys.argv[3])
json.dump(m, open(sys.argv[2], "w"))
PY
start_shell
run
check "the device built on this host's CPU opens first" '^device ort-xeon '
keys q
finished "quit (host CPU)" 0

# ---- what a kernel pays inside a model ------------------------------------
# a device whose kernels were timed alone (the shipped xnnpack-xeon, whose
# meta.json charges each kernel for reading its weights again): the detail
# pane says how much of the kernel's time that is; the stand-in ort-cpu,
# whose kernels all fall back to the roofline, says nothing of the kind
cp -r "$src/predictors/xnnpack-xeon" "$tmp/data/predictors/"
rm -rf "$tmp/data/predictors/xnnpack-xeon/data"
start_shell
run --device xnnpack-xeon "$src/samples/resnet.onnx"
check "xnnpack-xeon opens" '^device xnnpack-xeon '
keys Enter
check "detail pane: the in-model part of a kernel's time" \
    '^ in model +[0-9.<]+ ms of it: timed alone, a kernel keeps its operands'
keys Escape q
finished "quit (in model)" 0
start_shell
run --device ort-cpu "$src/samples/resnet.onnx"
check "ort-cpu opens" '^device ort-cpu '
keys Enter
check "detail pane open" 'kernel 0: '
check_not "no in-model part for a roofline fallback" '^ in model '
keys Escape q
finished "quit (no in model)" 0

# ---- a transpose's contiguous run (the move family's "run" feature) --------
# vit's patch embedding transposes 1x96x100 to 1x100x96 (perm 0 2 1: one
# element at a stretch); an attention head split, 1x101x3x32 -> 1x3x101x32
# (perm 0 2 1 3), copies the head width, 32
start_shell
run --device ort-cpu "$src/samples/vit.onnx"
check "vit opens" 'model vit\.onnx'
keys / transpose Enter
check "filtered to the transposes" 'filter: transpose'
keys Enter
check "patch embedding transpose: run=1" 'features +move: .* run=1$'
keys Escape Down Enter
check "attention transpose (perm 0 2 1 3): run=32" 'features +move: .* run=32$'
keys Escape Escape q
finished "quit (transpose run)" 0

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
