#!/usr/bin/python3
"""Check that every zoo family writes valid, deterministic ONNX models.

Usage: /usr/bin/python3 tests/scripts/check_zoo.py BUILD_DIR OUTDIR

Runs BUILD_DIR/src/build/nnmeter-build zoo --family all --count 1 twice
(OUTDIR/a and OUTDIR/b, same seed) and for every model:
  - onnx.checker.check_model(full_check=True),
  - onnx.shape_inference.infer_shapes(strict_mode=True), and the inferred
    output shape equals the one the builder declared,
  - the two runs wrote byte-identical files,
  - BUILD_DIR/src/nnmeter-tui --report reads it (exit 0), when that binary
    exists.
Also checks that another seed gives different models.  One line per
failure, then "N passed, M failed" (one model = one test); exit 1 if any
failed.  The files are removed when everything passed.  Needs the onnx Python package (Debian: python3-onnx).
"""

import filecmp
import os
import shutil
import subprocess
import sys

import onnx
from onnx import shape_inference

TIMEOUT = 120


def run_zoo(build, out, seed):
    binary = os.path.join(build, "src", "build", "nnmeter-build")
    shutil.rmtree(out, ignore_errors=True)
    cmd = [binary, "zoo", "--family", "all", "--count", "1", "--seed", str(seed),
           "--out", out]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=TIMEOUT)
    if p.returncode != 0:
        sys.exit("check_zoo: %s exited %d: %s" % (" ".join(cmd), p.returncode,
                                                 p.stderr.decode(errors="replace")))
    return sorted(f for f in os.listdir(out) if f.endswith(".onnx"))


def declared_dims(value_info):
    return [d.dim_value for d in value_info.type.tensor_type.shape.dim]


def check_model(path, tui):
    """Returns a list of problems (empty = pass)."""
    name = os.path.basename(path)
    try:
        m = onnx.load(path)
        onnx.checker.check_model(m, full_check=True)
        inferred = shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
    except Exception as e:  # the checker raises several exception types
        return ["%s: %s" % (name, str(e).strip().splitlines()[0])]
    problems = []
    shapes = {v.name: declared_dims(v) for v in inferred.graph.value_info}
    for out in m.graph.output:
        got = shapes.get(out.name)
        if got is None:
            got = declared_dims(next(o for o in inferred.graph.output if o.name == out.name))
        if got != declared_dims(out):
            problems.append("%s: output %s declared %s, inferred %s"
                            % (name, out.name, declared_dims(out), got))
    if tui:
        p = subprocess.run([tui, "--report", path], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
        if p.returncode != 0:
            problems.append("%s: nnmeter-tui --report exit %d: %s"
                            % (name, p.returncode,
                               p.stderr.decode(errors="replace").strip()[:300]))
    return problems


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: check_zoo.py BUILD_DIR OUTDIR")
    build, outdir = sys.argv[1], sys.argv[2]
    a, b, c = (os.path.join(outdir, d) for d in ("a", "b", "c"))
    files = run_zoo(build, a, 7)
    files_b = run_zoo(build, b, 7)
    files_c = run_zoo(build, c, 8)
    tui = os.path.join(build, "src", "nnmeter-tui")
    if not os.access(tui, os.X_OK):
        tui = None
    passed = failed = 0
    if files != files_b or not files:
        print("file lists differ between two runs with one seed: %s vs %s"
              % (files, files_b))
        failed += 1
    for f in files:
        problems = check_model(os.path.join(a, f), tui)
        if f in files_b and not filecmp.cmp(os.path.join(a, f), os.path.join(b, f),
                                            shallow=False):
            problems.append("%s: not byte-identical across two runs with seed 7" % f)
        if f in files_c and filecmp.cmp(os.path.join(a, f), os.path.join(c, f),
                                        shallow=False):
            problems.append("%s: seeds 7 and 8 gave the same file" % f)
        for p in problems:
            print(p)
        if problems:
            failed += 1
        else:
            passed += 1
    print("%d passed, %d failed" % (passed, failed))
    if not failed:  # keep the files only when they are needed to debug
        for d in (a, b, c):
            shutil.rmtree(d, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
