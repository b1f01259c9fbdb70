/* inputs.c -- --input parsing and open-dim defaults (see inputs.h). */
#include "inputs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int input_spec_parse(const char *arg, InputSpec *out, char *err, size_t errlen)
{
    const char *eq = strrchr(arg, '=');
    if (!eq || eq == arg) {
        snprintf(err, errlen, "--input '%s': expected NAME=DIMS, e.g. --input "
                 "images=1x3x640x640", arg);
        return -1;
    }
    size_t nlen = (size_t)(eq - arg);
    if (nlen >= sizeof out->name) {
        snprintf(err, errlen, "--input: input name too long (%zu bytes)", nlen);
        return -1;
    }
    memcpy(out->name, arg, nlen);
    out->name[nlen] = 0;
    shape_unknown(&out->shape);
    out->shape.ndim = 0;
    const char *p = eq + 1;
    int64_t numel = 1;
    while (*p) {
        if (out->shape.ndim >= GRAPH_MAX_DIMS) {
            snprintf(err, errlen, "--input '%s': more than %d dims", arg, GRAPH_MAX_DIMS);
            return -1;
        }
        char *end;
        errno = 0;
        long long v = strtoll(p, &end, 10);
        if (end == p || errno || v <= 0 || (*end && *end != 'x' && *end != 'X') ||
            (*end && !end[1])) {
            snprintf(err, errlen, "--input '%s': dims must be positive integers "
                     "joined by 'x', e.g. 1x3x224x224", arg);
            return -1;
        }
        if (numel > INT64_MAX / v) {
            snprintf(err, errlen, "--input '%s': the dims overflow", arg);
            return -1;
        }
        numel *= v;
        out->shape.dims[out->shape.ndim++] = v;
        p = *end ? end + 1 : end;
    }
    return 0;
}

static void list_inputs(const Graph *g, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = 0;
    for (int k = 0; k < g->ninputs && off < len; k++) {
        int w = snprintf(buf + off, len - off, "%s'%s'", k ? ", " : "",
                         g->tensors[g->inputs[k]].name);
        if (w < 0)
            break;
        off += (size_t)w;
    }
    if (!g->ninputs)
        snprintf(buf, len, "(none)");
}

int graph_set_inputs(Graph *g, const InputSpec *specs, int nspecs, char *err,
                     size_t errlen)
{
    for (int s = 0; s < nspecs; s++) {
        int found = -1;
        for (int k = 0; k < g->ninputs; k++)
            if (strcmp(g->tensors[g->inputs[k]].name, specs[s].name) == 0)
                found = g->inputs[k];
        if (found < 0) {
            char names[200];
            list_inputs(g, names, sizeof names);
            snprintf(err, errlen, "--input names '%s', but the model's inputs are %s",
                     specs[s].name, names);
            return INPUTS_USAGE;
        }
        Tensor *t = &g->tensors[found];
        if (t->shape.ndim >= 0 && t->shape.ndim != specs[s].shape.ndim) {
            snprintf(err, errlen, "--input %s: the model declares rank %d but %d "
                     "dims were given", t->name, t->shape.ndim, specs[s].shape.ndim);
            return INPUTS_USAGE;
        }
        for (int d = 0; d < specs[s].shape.ndim; d++) {
            int64_t decl = t->shape.ndim >= 0 ? t->shape.dims[d] : -1;
            if (decl > 0 && decl != specs[s].shape.dims[d]) {
                /* a fixed dim of the model overridden: allowed, noted */
                graph_note(g, "--input %s: dim %d set to %lld (the model declares %lld)",
                           t->name, d, (long long)specs[s].shape.dims[d],
                           (long long)decl);
            }
        }
        t->shape = specs[s].shape;
    }
    for (int k = 0; k < g->ninputs; k++) {
        Tensor *t = &g->tensors[g->inputs[k]];
        if (t->shape.ndim < 0) {
            snprintf(err, errlen, "input '%s' has no declared shape; give it with "
                     "--input %s=DIMS (e.g. 1x3x224x224)", t->name, t->name);
            return INPUTS_MODEL;
        }
        for (int d = 0; d < t->shape.ndim; d++) {
            if (t->shape.dims[d] >= 0)
                continue;
            if (d == 0 && t->shape.ndim >= 2) {
                t->shape.dims[d] = 1; /* open batch dim */
                continue;
            }
            char shp[128];
            shape_format(&t->shape, shp, sizeof shp);
            snprintf(err, errlen, "input '%s' has an open dim %d%s%s%s (shape %s); "
                     "give it with --input %s=DIMS", t->name, d,
                     t->dim_param[d] ? " ('" : "", t->dim_param[d] ? t->dim_param[d] : "",
                     t->dim_param[d] ? "')" : "", shp, t->name);
            return INPUTS_MODEL;
        }
    }
    return INPUTS_OK;
}
