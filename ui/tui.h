/* tui.h -- the interactive program: nnmeter-tui without --report.
 *
 * main.c parses the command line and hands over here; everything about
 * the terminal stays in ui/.
 */
#ifndef NNM_TUI_H
#define NNM_TUI_H

#include "graph/inputs.h"

typedef struct {
    const char *model;          /* NULL: the bundled sample */
    const InputSpec *inputs;
    int ninputs;
    char (*devices)[64];        /* names; "all" or none: every device */
    int ndevices;
    const char *profile;        /* an ONNX Runtime profile to show as measured, or NULL */
} TuiOptions;

/* Runs until the user quits; returns the exit code (EXIT_* of model.h). */
int tui_run(const TuiOptions *o);

/* The model opened when none is given. */
void tui_default_model(char *buf, size_t len);

#endif
