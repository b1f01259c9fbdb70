/* align.h -- lining up several devices' kernels by the ONNX nodes they cover.
 *
 * Two devices partition the same nodes differently: Conv+BN+Relu is one
 * kernel on one and three on another.  A group is the smallest set of nodes
 * that every device's kernels cover whole (the connected components of
 * "these nodes are in one kernel on some device"); the Compare view shows
 * one group per block of rows, each device's kernels of the group side by
 * side, so a chain fused on one device and split on another lines up.
 * Groups are in graph order (by their first node).
 */
#ifndef NNM_ALIGN_H
#define NNM_ALIGN_H

#include "fusion/detect.h"
#include "graph/graph.h"

#define ALIGN_MAX_COLS 4

typedef struct {
    int first_node;
    int off[ALIGN_MAX_COLS];  /* column c's kernels: members[off[c] .. off[c]+n[c]) */
    int n[ALIGN_MAX_COLS];
    int lines;                /* rows the group needs: max n, at least 1 */
    int split;                /* the columns do not agree on the kernels (some
                               * column has several, or none: free ops) */
} AlignGroup;

typedef struct {
    AlignGroup *groups;
    int ngroups;
    int *members;             /* kernel indices */
    int ncols;
} Alignment;

/* parts[c] may be NULL (a device without a view: no kernels).  0 or -1. */
int align_build(const Graph *g, const Partition *const *parts, int ncols, Alignment *out);
void align_free(Alignment *a);

#endif
