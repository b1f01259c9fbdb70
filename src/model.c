/* model.c -- the analysis pipeline up to costs (see model.h). */
#include "model.h"

#include <stdio.h>

#include "graph/cost.h"
#include "graph/shape_infer.h"
#include "onnx/nnmeter_ir.h"
#include "onnx/onnx_load.h"
#include "util/text.h"


static Graph *analyse(Graph *g, const InputSpec *specs, int nspecs, char *err,
                      size_t errlen, int *code)
{
    int rc = graph_set_inputs(g, specs, nspecs, err, errlen);
    if (rc != INPUTS_OK) {
        text_one_line(err);
        *code = rc == INPUTS_USAGE ? EXIT_USAGE : EXIT_BADINPUT;
        graph_free(g);
        return NULL;
    }
    if (shape_infer(g, err, errlen)) {
        text_one_line(err);
        *code = EXIT_BADINPUT;
        graph_free(g);
        return NULL;
    }
    cost_compute(g);
    *code = EXIT_OK;
    return g;
}

Graph *model_open(const char *path, const InputSpec *specs, int nspecs, char *err,
                  size_t errlen, int *code)
{
    /* a JSON file is an nn-Meter IR graph; anything else is read as ONNX */
    Graph *g = nnmeter_ir_sniff_file(path) ? nnmeter_ir_load(path, err, errlen)
                                           : onnx_load(path, err, errlen);
    if (!g) {
        text_one_line(err);
        *code = EXIT_BADINPUT;
        return NULL;
    }
    return analyse(g, specs, nspecs, err, errlen, code);
}

Graph *model_open_buffer(const void *buf, size_t len, const InputSpec *specs,
                         int nspecs, char *err, size_t errlen, int *code)
{
    Graph *g = nnmeter_ir_sniff(buf, len) ? nnmeter_ir_load_buffer(buf, len, err, errlen)
                                          : onnx_load_buffer(buf, len, err, errlen);
    if (!g) {
        text_one_line(err);
        *code = EXIT_BADINPUT;
        return NULL;
    }
    return analyse(g, specs, nspecs, err, errlen, code);
}
