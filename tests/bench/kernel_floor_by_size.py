#!/usr/bin/python3
"""kernel_floor_by_size.py -- how ORT's per-kernel truth and predictions
fare by kernel size (README, "Where the accuracy targets stand").

  floor A.jsonl[.gz] B.jsonl[.gz]
      two measurements of the same models with profiles: the share of
      kernels whose share of their model's profiled sum agrees within 10%,
      per power-of-two bucket of the kernel's profiled time (us)
  eval EVAL_VERBOSE.txt
      the output of `nnmeter-build eval --verbose`: the share of kernels
      predicted within 10% of their measured share, per bucket of the
      measured time (us)
"""
import collections
import gzip
import json
import math
import re
import sys


def load(path):
    f = gzip.open(path, "rt") if path.endswith(".gz") else open(path)
    return {r["model"]: r for r in map(json.loads, f) if "model" in r and "profile" in r}


def bucket(ms):
    return 2 ** int(math.log2(max(ms * 1000, 1)))


def show(counts):
    ok = sum(c[0] for c in counts.values())
    n = sum(c[1] for c in counts.values())
    print(f"all: {ok}/{n} = {100 * ok / max(n, 1):.1f}% within 10%")
    for b in sorted(counts):
        g, t = counts[b]
        print(f"{b:>6} us and up: {g:>5}/{t:<5} {100 * g / t:5.1f}%")


def floor(a_path, b_path):
    a, b = load(a_path), load(b_path)
    counts = collections.defaultdict(lambda: [0, 0])
    for m in a.keys() & b.keys():
        ka = {k["name"]: k["dur_ms"] for k in a[m]["profile"]["kernels"]}
        kb = {k["name"]: k["dur_ms"] for k in b[m]["profile"]["kernels"]}
        sa, sb = sum(ka.values()), sum(kb.values())
        for name in ka.keys() & kb.keys():
            if ka[name] <= 0 or kb[name] <= 0:
                continue
            r = (ka[name] / sa) / (kb[name] / sb)
            c = counts[bucket(ka[name])]
            c[0] += abs(r - 1) <= 0.1
            c[1] += 1
    show(counts)


def evaluated(path):
    counts = collections.defaultdict(lambda: [0, 0])
    pat = re.compile(r"\s+kernel \d+\s+\S+\s+measured\s+(\S+) predicted\s+(\S+)")
    for line in open(path):
        m = pat.match(line)
        if m:
            t, p = float(m.group(1)), float(m.group(2))
            if t > 0:
                c = counts[bucket(t)]
                c[0] += abs(p / t - 1) <= 0.1
                c[1] += 1
    show(counts)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "floor":
        floor(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "eval":
        evaluated(sys.argv[2])
    else:
        sys.exit(__doc__)
