/* profile_match.h -- our kernels against the kernels a runtime executed.
 *
 * A runtime's profile lists the kernels it ran (ONNX Runtime: one entry
 * per node it executed after its own fusions).  Matching maps each to one
 * of our detected kernels, by the names ONNX Runtime gives fused nodes
 * (the ONNX node name, or the fused chain's output tensor + "_nchwc"),
 * then by output shape for kernels the runtime created itself (a HardSwish
 * it splits into HardSigmoid + Mul).  Layout conversions
 * (ReorderInput/ReorderOutput) are runtime overhead, not kernels of the
 * model; runtime kernels of ops the device calls free are elided work.
 *
 * Users: `nnmeter-build match`/`eval` (src/build/match.c reads the profile
 * out of a measurement record) and `nnmeter-tui --report --profile`, which
 * overlays an ONNX Runtime profile on a model as "measured" (src/overlay.c).
 * No JSON here: callers turn their profile into RuntimeKernel entries.
 */
#ifndef NNM_PROFILE_MATCH_H
#define NNM_PROFILE_MATCH_H

#include "detect.h"
#include "graph/graph.h"
#include "rules.h"

/* One kernel the runtime ran, in execution order. */
typedef struct {
    const char *name;         /* ORT: the node name without "_kernel_time" */
    const char *op;           /* ORT's op type after fusion ("FusedConv") */
    double ms;
    Shape output;             /* ndim -1 when the profile does not say */
} RuntimeKernel;

typedef struct {
    double ms;                /* summed profile time of the runtime kernels mapped here */
    int events;               /* runtime kernels mapped here by name */
    int split;                /* runtime kernels mapped here by shape (runtime-made) */
} KernelTruth;

typedef struct {
    KernelTruth *k;           /* per kernel of the partition */
    int nkernels;
    int agree;                /* kernels with exactly one runtime kernel (+ splits) */
    int ours_only;            /* kernels no runtime kernel maps to */
    int fused_more;           /* kernels several named runtime kernels map to */
    int theirs_only;          /* runtime kernels mapped to nothing */
    double theirs_only_ms;
    double reorder_ms;        /* layout conversions */
    int reorders;
    double free_ms;           /* runtime kernels for ops we call free */
    double kernel_sum_ms;     /* all runtime kernels */
    int events;               /* all runtime kernels, counted */
    char first_problem[256];  /* one example disagreement, for the report */
} MatchResult;

/* Matches rk[0..n) against partition `part` of graph g under the rule set
 * (its free tokens).  0, or -1 on out of memory. */
int profile_match(const Graph *g, const Partition *part, const RuleSet *rules,
                  const RuntimeKernel *rk, int n, MatchResult *out);
void match_free(MatchResult *m);

#endif
