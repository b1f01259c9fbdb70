#!/usr/bin/python3
"""Run nnmeter-tui on the files from make_bad_models.py and check that each
is handled cleanly.

Usage: /usr/bin/python3 tests/scripts/check_bad_models.py BINARY BADDIR

For each entry of BADDIR/bad_models.json, `BINARY --report --format json
FILE` (20 s timeout) must exit with one of the allowed codes; exit 2 must
print exactly one non-empty line on stderr; exit 0 must print JSON with no
negative flops/params/bytes (a wrapped-around count); no sanitizer report
may appear.  Prints one line per failure and "N passed, M failed"; exits 1
if any failed.  Only the standard library is needed.
"""

import json
import os
import subprocess
import sys

TIMEOUT = 20
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "runtime error:")


def negative_counts(report):
    bad = []
    for n in report.get("nodes", []):
        for k in ("flops", "params", "bytes"):
            if isinstance(n.get(k), int) and n[k] < 0:
                bad.append("%s.%s=%d" % (n.get("name"), k, n[k]))
    for k, v in report.get("totals", {}).items():
        if isinstance(v, int) and v < 0:
            bad.append("totals.%s=%d" % (k, v))
    return bad


def check(binary, path, expect):
    try:
        p = subprocess.run([binary, "--report", "--format", "json", path], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return "timeout after %ds" % TIMEOUT
    err = p.stderr.decode("utf-8", "replace")
    for mark in SANITIZER_MARKS:
        if mark in err:
            return "sanitizer: " + next(l for l in err.splitlines() if mark in l).strip()[:300]
    rc = p.returncode
    if rc not in expect:
        return "exit %d (allowed %s); stderr: %s" % (rc, expect, err.strip()[:300])
    if rc == 2:
        lines = [l for l in err.splitlines() if l.strip()]
        if len(lines) != 1:
            return "exit 2 with %d non-empty stderr lines: %r" % (len(lines), err[:300])
    if rc == 0:
        try:
            report = json.loads(p.stdout)
        except ValueError as e:
            return "exit 0 but stdout is not JSON: %s" % e
        neg = negative_counts(report)
        if neg:
            return "negative counts: " + ", ".join(neg[:5])
    return None


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: %s BINARY BADDIR\n" % argv[0])
        return 1
    binary, bad_dir = os.path.abspath(argv[1]), argv[2]
    with open(os.path.join(bad_dir, "bad_models.json")) as f:
        manifest = json.load(f)
    passed = failed = 0
    for name in sorted(manifest):
        msg = check(binary, os.path.join(bad_dir, name), manifest[name]["expect_exit"])
        if msg:
            failed += 1
            print("FAIL %s (%s): %s" % (name, manifest[name]["why"], msg))
        else:
            passed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
