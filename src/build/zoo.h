/* zoo.h -- synthetic model families for latency datasets.
 *
 * Like nn-Meter's dataset generator, each family is a classic architecture
 * whose widths (channel multipliers), kernel sizes, depths and input
 * resolution are re-sampled per model.  A model is a pure function of
 * (family, seed, index): the same triple always gives the same graph and,
 * through onnx_write with ZooInfo.seed, byte-identical files.  Models are
 * kept small (at most ZOO_MAX_GFLOPS) so ONNX Runtime runs each in tens of
 * milliseconds on one core.
 */
#ifndef NNM_ZOO_H
#define NNM_ZOO_H

#include <stddef.h>
#include <stdint.h>
#include "graph/graph.h"
#include "netbuilder.h"

/* FLOP budget per model (multiply-add = 2); samples over it are redrawn. */
#define ZOO_MAX_GFLOPS 1.2

typedef struct {
    const char *name;
    const char *about;          /* one line for --list-families */
    int (*build)(NetBuilder *b); /* makes input and body; returns the output */
} ZooFamily;

extern const ZooFamily zoo_families[];
extern const int zoo_nfamilies;

const ZooFamily *zoo_find(const char *name);

typedef struct {
    uint64_t seed;              /* the model's seed: pass it to onnx_write */
    double flops;
    int64_t params;
    Shape input;
} ZooInfo;

/* Builds model `index` of family f named "<family>_<index>".  Returns the
 * graph, or NULL with err set (out of memory, or a generator bug). */
Graph *zoo_build(const ZooFamily *f, uint64_t seed, int index, ZooInfo *info,
                 char *err, size_t errlen);

#endif
