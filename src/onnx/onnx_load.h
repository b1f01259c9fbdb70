/* onnx_load.h -- read an ONNX file into the graph IR.
 *
 * The loader checks structure (protobuf validity, dangling tensor names,
 * cycles, undeclared op domains, initializer sizes) and records shapes;
 * it does not infer shapes (src/graph/shape_infer.c does).  Initializer
 * payloads are kept only for small tensors (graph.h: GRAPH_MAX_CONST), so a
 * model costs about its file size in memory, not a multiple of it.
 */
#ifndef NNM_ONNX_LOAD_H
#define NNM_ONNX_LOAD_H

#include <stddef.h>
#include "graph/graph.h"

/* Returns a graph, or NULL with a one-line reason in err (a missing file,
 * a file that is not ONNX, a model that breaks ONNX's structural rules). */
Graph *onnx_load(const char *path, char *err, size_t errlen);

/* Same, from bytes in memory (the fuzzers' entry point). */
Graph *onnx_load_buffer(const void *buf, size_t len, char *err, size_t errlen);

#endif
