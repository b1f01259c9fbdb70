#!/usr/bin/env bash
# test_man.sh NNMETER_TUI NNMETER_BUILD SRC_DIR -- the man pages against the
# programs: `man -l` renders man/nnmeter-tui.1 and man/nnmeter-build.1
# without warnings; every long option printed by `nnmeter-tui --help`,
# `nnmeter-build --help` and `nnmeter-build COMMAND --help` (every command
# its --help lists) appears in the corresponding page, and every command has
# its own subsection; every key of the TUI's key table (ui/keys.c) is
# listed in nnmeter-tui(1)'s KEYS section.
set -uo pipefail
tui=$1; build=$2; src=$3
man_tui="$src/man/nnmeter-tui.1"; man_build="$src/man/nnmeter-build.1"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
command -v man >/dev/null || { echo "FAIL: no man (apt-get install man-db)"; exit 1; }

# ---- rendering --------------------------------------------------------------
for page in "$man_tui" "$man_build"; do
    name=$(basename "$page")
    if ! MANWIDTH=80 man -l --warnings "$page" >"$tmp/$name.80" 2>"$tmp/$name.warn"; then
        echo "FAIL: man -l $name exits non-zero:"; cat "$tmp/$name.warn"; fail=1
    elif [ -s "$tmp/$name.warn" ]; then
        echo "FAIL: man -l --warnings $name:"; cat "$tmp/$name.warn"; fail=1
    elif [ "$(wc -l <"$tmp/$name.80")" -lt 50 ]; then
        echo "FAIL: $name renders to almost nothing"; fail=1
    else
        echo "ok   $name renders without warnings ($(wc -l <"$tmp/$name.80") lines at 80 columns)"
    fi
    # plain ASCII, wide: options come out as typed, one per word
    LC_ALL=C MANWIDTH=250 man -l "$page" 2>/dev/null | col -bx >"$tmp/$name.txt"
done

# options: every --word of a help text must be in the rendered page
check_options() { # label helpfile page.txt
    local label=$1 help=$2 page=$3 n=0 miss=0
    for opt in $(grep -oE -- '--[a-z][a-z0-9-]*' "$help" | sort -u); do
        n=$((n + 1))
        if ! grep -qF -- "$opt" "$page"; then
            echo "FAIL: $label: option $opt is not in $(basename "$page" .txt)"
            miss=1
        fi
    done
    [ $n -gt 0 ] || { echo "FAIL: $label: --help printed no options"; miss=1; }
    [ $miss = 0 ] && echo "ok   $label: all $n options documented"
    return $miss
}

# ---- nnmeter-tui ------------------------------------------------------------
"$tui" --help >"$tmp/tui.help" 2>&1 || { echo "FAIL: nnmeter-tui --help exits non-zero"; fail=1; }
check_options "nnmeter-tui --help" "$tmp/tui.help" "$tmp/nnmeter-tui.1.txt" || fail=1

# ---- nnmeter-build and its commands ----------------------------------------
"$build" --help >"$tmp/build.help" 2>&1 || { echo "FAIL: nnmeter-build --help exits non-zero"; fail=1; }
check_options "nnmeter-build --help" "$tmp/build.help" "$tmp/nnmeter-build.1.txt" || fail=1
cmds=$(awk '/^Commands:/ {on = 1; next} on && /^[^ ]/ {on = 0} on && NF {print $1}' "$tmp/build.help")
[ -n "$cmds" ] || { echo "FAIL: no commands in nnmeter-build --help"; fail=1; }
for c in $cmds; do
    if ! "$build" "$c" --help >"$tmp/cmd.help" 2>&1; then
        echo "FAIL: nnmeter-build $c --help exits non-zero"; fail=1
    fi
    check_options "nnmeter-build $c --help" "$tmp/cmd.help" "$tmp/nnmeter-build.1.txt" || fail=1
    # a subsection of COMMANDS: the command name alone on an indented line
    grep -qE "^ {3}$c\$" "$tmp/nnmeter-build.1.txt" ||
        { echo "FAIL: nnmeter-build.1 has no subsection for command '$c'"; fail=1; }
done

# ---- the TUI's keys ---------------------------------------------------------
if [ -f "$src/ui/keys.c" ]; then
    /usr/bin/python3 - "$src/ui/keys.c" "$man_tui" <<'PY' || fail=1
import re, sys
table = open(sys.argv[1]).read()
table = table[table.index("key_table[]"):]
table = table[:table.index("};")]
# {KEY, "LABEL", VIEWS, ACTION, HELP, HINT}: keep labels of documented keys
labels = set()
for m in re.finditer(r'\{\s*(?:\'(?:\\.|[^\'])\'|[^,{}"]+)\s*,\s*"([^"]*)"\s*,[^,]*,[^,]*,\s*(NULL|")',
                     table):
    if m.group(1) and m.group(2) != "NULL":
        labels.add(m.group(1))
if len(labels) < 10:
    sys.exit("FAIL: found only %d key labels in ui/keys.c (format changed?)" % len(labels))
page = open(sys.argv[2]).read()
keys = page[page.index(".SH KEYS"):]
keys = keys[:keys.index("\n.SH ", 1)]
# the key names of every .TP item: `.B x`, `.BR a ", " b`
documented = set()
for line in re.findall(r'^\.TP[^\n]*\n(\.BR? [^\n]*)', keys, re.M):
    for tok in re.findall(r'"[^"]*"|\S+', line.split(None, 1)[1]):
        tok = tok.strip('"').replace("\\-", "-").replace("\\&", "").strip(", ")
        if tok:
            documented.add(tok)
def manname(label):
    if label.startswith("S-"):
        return "Shift-" + label[2:]
    if label.startswith("C-"):
        return "Ctrl-" + label[2:].upper()
    return label
missing = sorted(l for l in labels if manname(l) not in documented)
if missing:
    print("FAIL: keys of ui/keys.c missing from nnmeter-tui.1 KEYS: " + " ".join(missing))
    sys.exit(1)
print("ok   all %d keys of ui/keys.c are in nnmeter-tui.1 KEYS" % len(labels))
PY
else
    echo "note: no ui/keys.c, key check skipped"
fi
exit $fail
