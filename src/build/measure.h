/* measure.h -- `nnmeter-build measure`: the noise-proof timing protocol.
 *
 * This host is shared and has two cores: one model's latency moves 5-20%
 * between fresh sessions and single runs spike.  So: rounds; each round
 * starts a fresh backend context and visits every model once, in a
 * different order each round (interleaved, so a slow minute hits all
 * models alike); per round the minimum of N timed runs after warm-up; the
 * result is the mean of the two lowest of those minima over 15 rounds
 * (or their minimum: --statistic; measure.c says why), with its spread;
 * models whose spread is above a threshold can get extra rounds.  Every
 * record names
 * the CPU, runtime, threads, date and protocol, and records from different
 * CPUs or runtimes are never mixed in one file.
 */
#ifndef NNM_MEASURE_H
#define NNM_MEASURE_H

#include <cjson/cJSON.h>

typedef struct {
    int rounds;             /* base rounds per model */
    int warmup;             /* warm-up runs per visit */
    double warmup_ms;       /* ... and at least this long (Backend.warmup_ms) */
    int runs;               /* timed runs per visit */
    double max_spread;      /* re-measure above this relative spread */
    int extra_rounds;       /* at most this many extra rounds */
    int profile_runs;       /* runs of the per-kernel profile; 0 = none */
    int profile_rounds;     /* profiles, each in a fresh context; per kernel
                             * the mean of the two lowest */
    int cpu;                /* pin the backend to this CPU; -1 = no pinning */
    int stat_min;           /* latency = the lowest round minimum, not the two lowest's mean */
    int quiet;
} MeasureOpts;

/* `nnmeter-build measure ...`; returns an exit code. */
int measure_main(int argc, char **argv);

/* Data files: one header line per measure run,
 *   {"records_header":1,"cpu":..,"runtime":..,"backend":..,"threads":..,"date":..,"protocol":..}
 * gives those fields to the records after it (until the next header; a
 * record's own fields win, and files from before headers carry them in
 * every record).  Why: they were ~350 of a kernel record's ~530 bytes.
 * Returns 1 when rec is a header (it becomes *header, which the caller
 * frees with cJSON_Delete), 0 after copying the header's fields into rec. */
int measure_record_inherit(cJSON *rec, cJSON **header);


#endif
