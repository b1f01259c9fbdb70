/* fuzz_rules.c -- libFuzzer target: bytes -> rule parser.  A rule set that
 * parses must format to text that parses again to the same text (what the
 * TUI's save (w) relies on), and is then applied -- normalization, kernel
 * detection -- to a few small seed models, as a rule typed into the TUI
 * would be.  Run with tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "device.h"
#include "fusion/rules.h"
#include "model.h"

/* Graphs the fuzzed rules are applied to (from the seed corpus). */
static const char *const graph_files[] = {
    NNM_SOURCE_DIR "/tests/fuzz/corpus_model/seed_mobile.onnx",
    NNM_SOURCE_DIR "/tests/fuzz/corpus_model/seed_residual.onnx",
    NNM_SOURCE_DIR "/tests/fuzz/corpus_model/seed_transformer.onnx",
    NNM_SOURCE_DIR "/tests/fuzz/corpus_model/seed_shuffle.onnx",
};
#define NGRAPHS (int)(sizeof graph_files / sizeof graph_files[0])
static Graph *graphs[NGRAPHS];

static void free_graphs(void)
{
    for (int i = 0; i < NGRAPHS; i++)
        graph_free(graphs[i]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    for (int i = 0; i < NGRAPHS; i++) {
        char err[512];
        int code;
        graphs[i] = model_open(graph_files[i], NULL, 0, err, sizeof err, &code);
        if (!graphs[i]) {
            fprintf(stderr, "fuzz_rules: %s\n", err);
            exit(1);
        }
    }
    atexit(free_graphs);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    RuleSet rs;
    if (rules_parse((const char *)data, size, "fuzz.rules", &rs, err, sizeof err)) {
        if (!fuzz_is_one_line_message(err))
            abort();
        return 0;
    }
    char *text = rules_format(&rs);
    if (!text)
        abort();
    RuleSet again;
    if (rules_parse(text, strlen(text), "formatted.rules", &again, err, sizeof err)) {
        fprintf(stderr, "formatted rules do not parse: %s\n---\n%s---\n", err, text);
        abort();
    }
    char *text2 = rules_format(&again);
    if (!text2 || strcmp(text, text2) != 0) {
        fprintf(stderr, "format is not stable:\n---\n%s---\n%s---\n", text, text2 ? text2 : "");
        abort();
    }
    if (again.nrules != rs.nrules)
        abort();
    for (int i = 0; i < rs.nrules; i++)
        if (rs.rules[i].enabled != again.rules[i].enabled ||
            rs.rules[i].align != again.rules[i].align ||
            rs.rules[i].dtype != again.rules[i].dtype ||
            rs.rules[i].nsides != again.rules[i].nsides)
            abort();
    free(text2);
    free(text);
    rules_free(&again);

    /* a device with these rules and no predictors, on every graph */
    Device d;
    memset(&d, 0, sizeof d);
    snprintf(d.name, sizeof d.name, "fuzz");
    d.rules = rs;
    for (int i = 0; i < NGRAPHS; i++) {
        DeviceView v;
        memset(&v, 0, sizeof v);
        if (device_view(graphs[i], &d, &v) == 0) {
            /* every ONNX node is in one kernel or free */
            int covered = 0;
            for (int k = 0; k < v.part.nkernels; k++)
                covered += v.part.kernels[k].nnodes;
            if (covered + v.part.nfree != graphs[i]->nnodes) {
                fprintf(stderr, "%s: %d nodes in kernels + %d free != %d nodes\n",
                        graph_files[i], covered, v.part.nfree, graphs[i]->nnodes);
                abort();
            }
            device_view_free(&v);
        }
    }
    rules_free(&rs);
    return 0;
}
