/* split.h -- one kernel of a model, cut out as a model of its own.
 *
 * nn-Meter measures kernels as single-kernel models.  A runtime without a
 * per-operator profiler (XNNPACK here, a phone's benchmark tool) can only
 * time whole models, so a kernel's latency is learned by cutting it out of
 * the real architectures it occurs in: the kernel's nodes, its operands
 * from outside as graph inputs (same shapes and types), its weights and
 * constants as initializers, and what the rest of the graph reads from it
 * as graph outputs.  `nnmeter-build sample --split` writes one such model
 * per distinct kernel (same ops, attributes and shapes = same kernel).
 */
#ifndef NNM_SPLIT_H
#define NNM_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "graph/graph.h"

/* A new graph holding kernel ki of view v (of g) alone; NULL with err. */
Graph *split_kernel(const Graph *g, const DeviceView *v, int ki, char *err, size_t errlen);

/* A hash of what decides the kernel's latency: its ops, their attributes
 * and every operand's shape and type.  Equal hashes = the same test model. */
uint64_t split_signature(const Graph *g, const DeviceView *v, int ki);

/* `nnmeter-build sample --split --device D --out DIR MODEL...`: writes one
 * model per distinct kernel into DIR and DIR/split.jsonl, one line per
 * kernel of every model: {"model", "kernel", "key", "file"}.  Returns an
 * exit code. */
int split_models(const char *device, const char *dir, char **paths, int npaths, uint64_t seed);

#endif
