/* onnx_write.h -- write the graph IR out as an ONNX file.
 *
 * The builder (src/build) makes synthetic models in the graph IR; this turns
 * them into files ONNX Runtime and onnx.checker accept.  The IR keeps no big
 * weight payloads, so initializers whose values are unknown are filled with
 * deterministic pseudo-random fp32 numbers drawn from `seed` and the tensor's
 * name: the same graph and seed always give byte-identical files.
 */
#ifndef NNM_ONNX_WRITE_H
#define NNM_ONNX_WRITE_H

#include <stddef.h>
#include <stdint.h>
#include "graph/graph.h"

/* Writes g to path atomically (a temporary file in the same folder, then
 * rename).  Returns 0, or -1 with a one-line reason in err: a graph the
 * format cannot express (subgraph or string-list attributes, string
 * initializers) or an I/O failure. */
int onnx_write(const Graph *g, const char *path, uint64_t seed, char *err,
               size_t errlen);

#endif
