/* model.h -- one call from a file name to an analysed graph.
 *
 * load (src/onnx: an ONNX file, or an nn-Meter IR graph when the file is
 * JSON) -> input shapes -> shape inference -> costs (src/graph).
 * Shared by the report, the TUI and the builder so they all see the same
 * graph for the same file and flags.
 */
#ifndef NNM_MODEL_H
#define NNM_MODEL_H

#include <stddef.h>
#include "graph/graph.h"
#include "graph/inputs.h"

/* Exit codes of both programs (documented in the man pages). */
enum {
    EXIT_OK = 0,
    EXIT_USAGE = 1,     /* bad flag or argument */
    EXIT_BADINPUT = 2,  /* bad model, rule or predictor file */
    EXIT_INTERNAL = 3   /* out of memory, I/O failure on output */
};

/* Returns the graph, or NULL with err set and *code one of EXIT_*. */
Graph *model_open(const char *path, const InputSpec *specs, int nspecs,
                  char *err, size_t errlen, int *code);

/* Same from a buffer (fuzzers). */
Graph *model_open_buffer(const void *buf, size_t len, const InputSpec *specs,
                         int nspecs, char *err, size_t errlen, int *code);

#endif
