/* shape_infer.h -- output shapes for every node, and constant folding of
 * the small integer subgraphs (Shape -> Gather -> Unsqueeze -> Concat ->
 * Reshape) that exporters emit, so Reshape targets become known.
 *
 * Runs over a toposorted graph whose graph inputs already have concrete
 * shapes.  An op it does not know gets unknown output shapes and
 * node->supported = 0; everything downstream still runs.
 */
#ifndef NNM_SHAPE_INFER_H
#define NNM_SHAPE_INFER_H

#include <stddef.h>
#include "graph.h"

/* Returns 0, or -1 with a one-line message in err for input no model can
 * legitimately have (a dim product overflowing int64, a negative dim).
 * Inconsistent shapes between inputs of one node are not fatal: the node's
 * outputs become unknown and a note is added to the graph. */
int shape_infer(Graph *g, char *err, size_t errlen);

/* True when shape inference has a rule for this op (domain "" or "ai.onnx"). */
int shape_op_known(const char *domain, const char *op);

#endif
