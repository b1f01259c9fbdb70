#!/usr/bin/python3
"""ort_profile_rounds.py -- how repeatable are ONNX Runtime's per-kernel
profiles, and does a different reduction of the rounds help?  (README,
"Predictors": the profile is the labels' weak point.)

  measure ROUNDS OUT.jsonl MODEL.onnx...   every round a fresh harness
      (src/build/ort_harness.js, pinned to CPU 1) profiles every model in a
      shuffled order, as `measure` does, and OUT gets one line per (round,
      model): the profiled runs' median and the fastest fifth's mean, and
      per runtime kernel the trimmed mean over the runs (backend_ort.c's
      reduction) and the mean over the fastest fifth of the runs.
      RUNS=N (environment) profiled runs per visit, default 10.
  floor OUT.jsonl MEASURED.jsonl.gz   the rounds' first half against their
      second half: each kernel's label (its debiased time's share of the
      model's measured latency less the run cost, as match.c makes it) under
      several reductions of the rounds, and how often the two halves agree
      within 10% (all kernels, and kernels over 50 us).
  rounds MEASURED.jsonl.gz   the measurement's round minima against each
      model's latency (the mean of the two lowest): how many rounds come
      within 10% of it, and the mean ratio per round -- whether slow rounds
      are slow moments of the host (all models of a round) or visits.
  truths A.jsonl[.gz] B.jsonl[.gz] [N]   A's latencies remade from its first
      N round minima (the mean of the two lowest; default all) against B's
      latencies: the median ratio and the share within 10% -- how much
      more rounds move a measurement, apart from the host.
"""
import gzip
import json
import os
import random
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HARNESS = os.path.join(HERE, "..", "..", "src", "build", "ort_harness.js")
PROFILER_COST_MS, RUN_COST_MS = 0.011, 0.045   # match.h


def trimmed_mean(v):
    v = sorted(v)
    cut = len(v) // 5
    w = v[cut:len(v) - cut]
    return sum(w) / len(w) if w else 0


def first_shape(ev):
    o = ev.get("output_shapes") or []
    return list(o[0].values())[0] if o and isinstance(o[0], dict) and o[0] else None


def visit(harness, model, runs):
    req = {"cmd": "time", "model": model, "warmup": 3, "warmup_ms": 2, "runs": runs,
           "profile": True}
    harness.stdin.write(json.dumps(req) + "\n")
    return json.loads(harness.stdout.readline())


def reduce_visit(ans):
    ev = ans["profile"]
    run_us = ans["run_us"]
    nfast = max(2, len(run_us) // 5)
    fast = set(sorted(range(len(run_us)), key=lambda i: run_us[i])[:nfast])
    every, quick = {}, {}
    for e in ev:
        every.setdefault(e["name"], []).append(e["dur_us"] / 1000)
        if e["run"] in fast:
            quick.setdefault(e["name"], []).append(e["dur_us"] / 1000)
    first = [e for e in ev if e["run"] == 0]
    kernels = [[e["name"], e["op_name"], trimmed_mean(every[e["name"]]), first_shape(e),
                statistics.mean(quick.get(e["name"], [0]))] for e in first]
    runs = sorted(x / 1000 for x in run_us)
    return {"run_med": statistics.median(runs), "run_fast": statistics.mean(runs[:nfast]),
            "kernels": kernels}


def measure(rounds, out, models):
    runs = int(os.environ.get("RUNS", "10"))
    rng = random.Random(7)
    with open(out, "a") as f:
        for r in range(rounds):
            h = subprocess.Popen(["taskset", "-c", "1", "node", HARNESS], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True, bufsize=1)
            order = list(models)
            rng.shuffle(order)
            visit(h, order[0], 1)   # the first visit of a process warms it up
            t0 = time.time()
            for m in order:
                ans = visit(h, m, runs)
                if not ans.get("ok"):
                    print("failed:", m, ans, file=sys.stderr)
                    continue
                rec = {"round": r, "model": m}
                rec.update(reduce_visit(ans))
                f.write(json.dumps(rec) + "\n")
            f.flush()
            h.stdin.close()
            h.wait()
            print("round %d: %.1f s" % (r, time.time() - t0), file=sys.stderr, flush=True)


def mean_two_lowest(v):
    v = sorted(v)
    return (v[0] + v[1]) / 2 if len(v) > 1 else v[0]


def kernel_times(rounds, how):
    """Per kernel name, its time from these rounds reduced as `how` says."""
    col = 4 if how.endswith("/fast-runs") else 2
    how = how.split("/")[0]
    names = [k[0] for k in rounds[0]["kernels"]]
    tab = [{k[0]: k[col] for k in x["kernels"]} for x in rounds]
    if how == "per-kernel-two-lowest":    # measure.c's merge_profiles
        return {n: mean_two_lowest([t[n] for t in tab if n in t]) for n in names}
    if how == "mean":
        return {n: statistics.mean([t[n] for t in tab if n in t]) for n in names}
    if how.startswith("fastest-"):         # the k rounds whose profiled runs were fastest
        k = int(how.split("-")[1])
        key = "run_fast" if col == 4 else "run_med"
        best = sorted(range(len(rounds)), key=lambda i: rounds[i][key])[:k]
        return {n: statistics.mean([tab[i][n] for i in best if n in tab[i]]) for n in names}
    if how == "share-mean":                # each round's times as shares of its sum
        out = dict.fromkeys(names, 0.0)
        for t in tab:
            s = sum(t.values())
            for n in names:
                out[n] += t.get(n, 0) / s / len(tab)
        return out
    raise SystemExit("unknown reduction " + how)


def read_records(path):
    """Measurement records by model (plain or gzipped JSON lines)."""
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rt") as f:
        return {x["model"]: x for x in map(json.loads, f) if "model" in x}


def labels(times, latency):
    deb = {n: max(v - PROFILER_COST_MS, 0.25 * v) for n, v in times.items()}
    s = sum(deb.values())
    return {n: v * (latency - RUN_COST_MS) / s for n, v in deb.items()}


def floor(path, measured):
    lat = {m: x["latency_ms"] for m, x in read_records(measured).items()}
    by_model = {}
    with open(path) as f:
        for line in f:
            x = json.loads(line)
            if x["model"] in lat:
                by_model.setdefault(x["model"], {})[x["round"]] = x
    nr = 1 + max(r for rs in by_model.values() for r in rs)
    half = nr // 2
    print("%d models, rounds 0-%d against %d-%d" % (len(by_model), half - 1, half, nr - 1))
    for how in ["per-kernel-two-lowest", "fastest-1", "fastest-2", "mean", "share-mean",
                "per-kernel-two-lowest/fast-runs", "fastest-1/fast-runs", "mean/fast-runs"]:
        agree = total = big_agree = big = 0
        for m, rs in by_model.items():
            a = [x for r, x in sorted(rs.items()) if r < half]
            b = [x for r, x in sorted(rs.items()) if r >= half]
            if not a or not b:
                continue
            la, lb = labels(kernel_times(a, how), lat[m]), labels(kernel_times(b, how), lat[m])
            for n in la:
                if n in lb and lb[n] > 0:
                    same = abs(la[n] / lb[n] - 1) <= 0.10
                    total += 1
                    agree += same
                    if la[n] > 0.05:
                        big += 1
                        big_agree += same
        print("%-34s kernels within 10%%: %4d/%d = %5.1f%%   over 50 us: %5.1f%%" %
              (how, agree, total, 100 * agree / total, 100 * big_agree / max(big, 1)))


def rounds_study(measured):
    ratios = [[m / x["latency_ms"] for m in x["round_min_ms"]]
              for x in read_records(measured).values()]
    n = min(len(r) for r in ratios)
    flat = [v for r in ratios for v in r[:n]]
    print("%d models x %d rounds: %.1f%% of round minima within 10%% of the latency, "
          "median ratio %.2f" % (len(ratios), n, 100 * sum(v <= 1.10 for v in flat) / len(flat),
                                 statistics.median(flat)))
    print("mean ratio per round: " + " ".join("%.2f" % statistics.mean(r[i] for r in ratios)
                                               for i in range(n)))


def truths(a_path, b_path, n):
    a, b = read_records(a_path), read_records(b_path)
    ratios = [mean_two_lowest(a[m]["round_min_ms"][:n] if n else a[m]["round_min_ms"]) /
              b[m]["latency_ms"] for m in a if m in b]
    print("%d models: median ratio %.3f, %.1f%% within 10%%" %
          (len(ratios), statistics.median(ratios),
           100 * sum(abs(r - 1) <= 0.10 for r in ratios) / len(ratios)))


def main():
    if len(sys.argv) > 3 and sys.argv[1] == "measure":
        measure(int(sys.argv[2]), sys.argv[3], sys.argv[4:])
    elif len(sys.argv) == 4 and sys.argv[1] == "floor":
        floor(sys.argv[2], sys.argv[3])
    elif len(sys.argv) in (4, 5) and sys.argv[1] == "truths":
        truths(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) == 5 else 0)
    elif len(sys.argv) == 3 and sys.argv[1] == "rounds":
        rounds_study(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
