/* match.h -- our kernels against the kernels a runtime really executed.
 *
 * A measurement record (measure.c) carries the runtime's per-kernel
 * profile.  Matching maps every profiled kernel to one of our detected
 * kernels, by the names ONNX Runtime gives fused nodes (the ONNX node
 * name, or the fused chain's output tensor + "_nchwc"), then by output
 * shape for kernels the runtime created itself (a HardSwish it splits into
 * HardSigmoid + Mul).  Layout conversions (ReorderInput/ReorderOutput) are
 * runtime overhead, not kernels of the model.
 *
 * The matching itself lives in src/fusion/profile_match.c (the analyzer's
 * --profile overlay uses it too); this module reads measurement records.
 *
 * Two uses: checking a device's rules (a kernel agrees when exactly one
 * runtime kernel maps to it, or several that the runtime split from it),
 * and turning whole-model profiles into per-kernel training samples.
 */
#ifndef NNM_MATCH_H
#define NNM_MATCH_H

#include <cjson/cJSON.h>

#include "device.h"
#include "graph/inputs.h"
#include "fusion/profile_match.h"   /* KernelTruth, MatchResult, match_free */

/* The fixed cost of one unprofiled run outside its kernels (Node, the
 * session's run call): measured on a model of one Relu over 512 elements,
 * 47.5 us per run, 12.7 us of it the profiled Relu, so about 45 us outside
 * the kernel (`nnmeter-build measure` of that model; see tests/bench/). */
#define MATCH_RUN_COST_MS 0.045

/* What the ORT profiler adds to each kernel it times is a property of the
 * CPU: 7.5 us on the AMD EPYC (an older, unweighted fit said 11), 3.0 us on
 * the Intel Xeon.  It is fitted on the measured models -- latency = a + s *
 * profiled sum + p * events,
 * least squares weighted by 1/latency, cost = -p / s -- over every record
 * with a profile in files[0..n) (at least MATCH_COST_MIN_MODELS of them).
 * Returns 0 with *cost_ms (>= 0) and *nmodels, or -1 with a message. */
#define MATCH_COST_MIN_MODELS 20
int match_fit_profiler_cost(char *const *files, int n, double *cost_ms, int *nmodels,
                            char *err, size_t errlen);

/* The factor that turns a record's debiased profiled times (each less
 * profiler_cost_ms) into shares of its measured latency (0 when the record
 * has no usable profile). */
double match_truth_scale(const cJSON *record, double profiler_cost_ms);
/* A matched kernel's time in an unprofiled run (see match.c). */
double match_kernel_truth(const KernelTruth *t, double scale, double profiler_cost_ms);

/* A kernel's time from the latency of its single-kernel model measured
 * whole: less the runtime's fixed cost of a run (see match.c). */
double match_alone_truth(double latency, double run_cost);

/* Matches the "profile" of a measurement record against view v of graph g
 * (profile_match() on the record's kernels).  Returns 0, or -1 when the
 * record has no profile (or out of memory). */
int match_profile(const Graph *g, const DeviceView *v, const cJSON *record, MatchResult *out);

/* The --input shapes a measurement record was measured with (its "inputs"
 * object); returns how many were written to specs. */
int match_record_inputs(const cJSON *rec, InputSpec *specs, int max);

/* `nnmeter-build match --device D [--kernels OUT.jsonl] DATA.jsonl...` */
int match_main(int argc, char **argv);

#endif
