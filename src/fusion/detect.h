/* detect.h -- partition a graph into the kernels a device runs.
 *
 * Greedy, in graph order: from each unit not yet in a kernel, follow the
 * chain of single consumers while some enabled rule can still match (PCRE2
 * partial matching says when to stop), and take the longest chain a rule
 * matches in full whose side inputs the rule allows.  A unit no rule takes
 * is a kernel of its own; free units (shape-only ops the runtime elides)
 * belong to no kernel.
 */
#ifndef NNM_DETECT_H
#define NNM_DETECT_H

#include "graph/graph.h"
#include "normalize.h"
#include "rules.h"

#define KERNEL_MAX_UNITS 8

typedef struct {
    char type[64];            /* kernel type (predictor key) */
    int rule;                 /* index into the rule set, -1 for a lone op */
    int units[KERNEL_MAX_UNITS];
    int nunits;
    int *nodes;               /* ONNX node indices, graph order */
    int nnodes;
    int anchor;               /* first unit's anchor node: its attributes are the kernel's */
    int output;               /* tensor the kernel produces */
    char ops[160];            /* "Conv+BatchNormalization+Relu" (composites by token) */
} Kernel;

typedef struct {
    Kernel *kernels;          /* in graph order */
    int nkernels;
    int *node_kernel;         /* per ONNX node: kernel index, -1 when free */
    int nnodes;
    int nfree;                /* ONNX nodes in no kernel */
} Partition;

/* 0, or -1 on out of memory. */
int detect_kernels(const Graph *g, const NormGraph *ng, const RuleSet *rs, Partition *out);
void partition_free(Partition *p);

#endif
