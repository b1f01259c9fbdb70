/* tui.c -- start, run and end the interactive program (see tui.h).
 *
 * Order matters: everything is loaded before the terminal changes mode
 * (so a crash while loading leaves the terminal alone), then the loop
 * draws, reads one key, and handles it, until q.
 */
#include "tui.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "model.h"
#include "util/datadir.h"
#include "util/hostcpu.h"

void tui_default_model(char *buf, size_t len)
{
    snprintf(buf, len, "%s/samples/mobilenetv3.onnx", nnm_datadir());
}

/* The device names to load: as given, or all of them ("all" or none). */
static int device_list(const TuiOptions *o, char (*names)[64])
{
    int all = o->ndevices == 0;
    for (int i = 0; i < o->ndevices; i++)
        all |= strcmp(o->devices[i], "all") == 0;
    if (all)
        return device_names(names, DEVICE_MAX);
    int n = 0;
    for (int i = 0; i < o->ndevices && n < DEVICE_MAX; i++)
        snprintf(names[n++], 64, "%s", o->devices[i]);
    return n;
}

/* The first device with predictors built on this host's CPU (a
 * predictor is for one CPU), else the first with predictors, else the
 * first measured one, else 0. */
static int first_slot(const Session *s)
{
    for (int i = 0; i < s->nslots; i++)
        if (s->slots[i].ok && s->slots[i].dev.pred &&
            strcmp(predictor_cpu(s->slots[i].dev.pred), host_cpu_name()) == 0)
            return i;
    for (int i = 0; i < s->nslots; i++)
        if (s->slots[i].ok && s->slots[i].dev.pred)
            return i;
    for (int i = 0; i < s->nslots; i++)
        if (s->slots[i].ok && s->slots[i].dev.rules.measured)
            return i;
    return 0;
}

/* Devices that did not load are named on the message line at start. */
static void report_failures(App *a)
{
    char list[400] = "";
    size_t off = 0;
    int n = 0;
    for (int i = 0; i < a->s.nslots && off < sizeof list; i++)
        if (!a->s.slots[i].ok) {
            off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", n ? ", " : "",
                                    a->s.slots[i].dev.name);
            n++;
        }
    if (n)
        app_message(a, C_ERROR, "could not be loaded: %s (d shows why; in the Rules view U "
                    "loads the shipped rules)", list);
}

static int read_key(void)
{
    wint_t ch;
    int r = get_wch(&ch);
    if (r == ERR)
        return -1;
    return r == KEY_CODE_YES ? KEYCODE((int)ch) : (int)ch;
}

int tui_run(const TuiOptions *o)
{
    char model[1100], err[512];
    if (o->model)
        snprintf(model, sizeof model, "%s", o->model);
    else
        tui_default_model(model, sizeof model);
    App *a = calloc(1, sizeof *a);
    char(*names)[64] = calloc(DEVICE_MAX, 64);
    int nnames = names ? device_list(o, names) : 0;
    if (!a || !names || session_open(&a->s, model, o->inputs, o->ninputs, names, nnames)) {
        fprintf(stderr, "nnmeter-tui: out of memory\n");
        free(names);
        if (a)
            app_free(a);
        free(a);
        return EXIT_INTERNAL;
    }
    free(names);
    app_init(a, first_slot(&a->s));
    report_failures(a);
    if (o->profile && a->s.g && session_set_profile(&a->s, o->profile, err, sizeof err))
        app_message(a, C_ERROR, "profile not shown: %s", err);
    if (crt_init(err, sizeof err)) {
        fprintf(stderr, "nnmeter-tui: %s\n", err);
        app_free(a);
        free(a);
        return EXIT_USAGE;
    }
    /* get_wch waits at most CRT_WAKE_MS (crt_init): a window-size change
     * whose SIGWINCH arrives between ncurses' check of its flag and the
     * blocking read would otherwise show only at the next key press.  A
     * wake-up with no key draws nothing. */
    int dirty = 1;
    while (!a->quit) {
        if (dirty) {
            app_draw(a);
            refresh();
        }
        int key = read_key();
        dirty = key != -1;
        if (dirty)
            app_key(a, key);
    }
    crt_done();
    app_free(a);
    free(a);
    return EXIT_OK;
}
