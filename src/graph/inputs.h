/* inputs.h -- concrete shapes for the graph inputs.
 *
 * Exported models leave dims open (dim_param "batch", or 0).  Shape
 * inference needs numbers, so the user gives them with
 * --input NAME=1x3x640x640; a leading batch dim left open defaults to 1,
 * and any other open dim is an error naming the input and the flag.
 */
#ifndef NNM_INPUTS_H
#define NNM_INPUTS_H

#include <stddef.h>
#include "graph.h"

typedef struct {
    char name[256];
    Shape shape;
} InputSpec;

/* Parses "NAME=1x3x224x224" (a scalar is "NAME=").  0 or -1 with err. */
int input_spec_parse(const char *arg, InputSpec *out, char *err, size_t errlen);

enum { INPUTS_OK = 0, INPUTS_USAGE = 1, INPUTS_MODEL = 2 };

/* Applies specs, then defaults; returns INPUTS_OK, INPUTS_USAGE (a spec
 * names no input, or its rank disagrees) or INPUTS_MODEL (an open dim the
 * user must give), with a one-line message in err. */
int graph_set_inputs(Graph *g, const InputSpec *specs, int nspecs, char *err,
                     size_t errlen);

#endif
