#!/usr/bin/python3
"""Robustness walk: run nnmeter-tui over every model.onnx of the ONNX
backend test data (Debian's libonnx-testdata, 1,072 models) and make sure it
never crashes, hangs or trips a sanitizer.

Usage: /usr/bin/python3 tests/scripts/walk_testdata.py BINARY [DATADIR]
       (DATADIR defaults to /usr/share/libonnx-testdata/data)

Each model runs as `BINARY --report --format json MODEL`, 20 s timeout, two
at a time (2-core machines).  A model passes when
  - exit 0 and stdout parses as JSON, or
  - exit 2 with exactly one non-empty line on stderr (a clean rejection, e.g.
    a model with dynamic non-batch dims and no --input),
and in both cases stderr holds no sanitizer report ("AddressSanitizer",
"LeakSanitizer", "runtime error:" ...).  Anything else - a signal, another
exit code, a timeout - fails.  Prints one line per failure, how many exited
0 and 2, then "N passed, M failed"; exits 1 if any failed.
Options: -v prints every exit-2 message; -j N changes the parallelism.
Only the standard library is needed.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

TIMEOUT = 20
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "MemorySanitizer", "ThreadSanitizer", "runtime error:")


def run_one(binary, model):
    """-> (model, ok, exit_code or None, message)."""
    cmd = [binary, "--report", "--format", "json", model]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return model, False, None, "timeout after %ds" % TIMEOUT
    err = p.stderr.decode("utf-8", "replace")
    rc = p.returncode
    for mark in SANITIZER_MARKS:
        if mark in err:
            first = next((l for l in err.splitlines() if mark in l), mark)
            return model, False, rc, "sanitizer: %s" % first.strip()[:300]
    if rc < 0:
        try:
            name = signal.Signals(-rc).name
        except ValueError:
            name = str(-rc)
        return model, False, rc, "killed by signal %s; stderr: %s" % (name, err.strip()[:300])
    if rc == 0:
        try:
            json.loads(p.stdout)
        except ValueError as e:
            return model, False, rc, "exit 0 but stdout is not JSON: %s" % e
        return model, True, rc, ""
    if rc == 2:
        lines = [l for l in err.splitlines() if l.strip()]
        if len(lines) == 1:
            return model, True, rc, lines[0].strip()
        return model, False, rc, "exit 2 with %d non-empty stderr lines: %r" % (len(lines), err[:300])
    return model, False, rc, "exit %d; stderr: %s" % (rc, err.strip()[:300])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("binary")
    ap.add_argument("datadir", nargs="?", default="/usr/share/libonnx-testdata/data")
    ap.add_argument("-j", type=int, default=2, help="models run at once (default 2)")
    ap.add_argument("-v", action="store_true", help="print the exit-2 messages too")
    args = ap.parse_args()

    binary = os.path.abspath(args.binary)
    models = []
    for root, _dirs, files in os.walk(args.datadir, followlinks=True):
        if "model.onnx" in files:
            models.append(os.path.join(root, "model.onnx"))
    models.sort()
    if not models:
        sys.stderr.write("no model.onnx below %s\n" % args.datadir)
        return 1

    passed = failed = exit0 = exit2 = 0
    # Threads only wait on the child processes: the pool keeps -j binaries
    # running at once.
    with ThreadPoolExecutor(max_workers=args.j) as pool:
        for model, ok, rc, msg in pool.map(lambda m: run_one(binary, m), models):
            rel = os.path.relpath(model, args.datadir)
            if rc == 0:
                exit0 += 1
            elif rc == 2:
                exit2 += 1
            if ok:
                passed += 1
                if rc == 2 and args.v:
                    print("exit 2  %s: %s" % (rel, msg))
            else:
                failed += 1
                print("FAIL %s: %s" % (rel, msg))
    print("%d models: %d exited 0, %d exited 2, %d other" % (
        len(models), exit0, exit2, len(models) - exit0 - exit2))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
