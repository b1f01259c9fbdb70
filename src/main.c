/* main.c -- nnmeter-tui: command line of the analyzer.
 *
 * Options are a table (name, argument, help) so --help, getopt and the man
 * page test all read one list.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "device.h"
#include "model.h"
#include "overlay.h"
#include "report/report.h"
#include "tui.h"
#include "util/datadir.h"

typedef struct {
    const char *name;
    int has_arg;
    int key;
    const char *arg;
    const char *help;
} Option;

enum { OPT_REPORT = 'r', OPT_FORMAT = 'f', OPT_INPUT = 'i', OPT_DEVICE = 'd',
       OPT_LIST_DEVICES = 'L', OPT_PROFILE = 'p', OPT_HELP = 'h', OPT_VERSION = 'V' };

static const Option options[] = {
    {"report", no_argument, OPT_REPORT, NULL,
     "print the analysis and exit (no interactive view)"},
    {"format", required_argument, OPT_FORMAT, "text|json|csv",
     "report format (default text)"},
    {"input", required_argument, OPT_INPUT, "NAME=DIMS",
     "shape of a model input, e.g. images=1x3x640x640 (repeatable)"},
    {"device", required_argument, OPT_DEVICE, "NAME|all",
     "show kernels as device NAME runs them (repeatable; 'all' for every device)"},
    {"profile", required_argument, OPT_PROFILE, "FILE.json",
     "overlay an ONNX Runtime profile on the kernels as measured (interactive: on "
     "the measured devices)"},
    {"list-devices", no_argument, OPT_LIST_DEVICES, NULL,
     "list the known devices and exit (with --format json: as JSON)"},
    {"help", no_argument, OPT_HELP, NULL, "show this help and exit"},
    {"version", no_argument, OPT_VERSION, NULL, "show the version and exit"},
};
#define NOPTIONS (int)(sizeof options / sizeof options[0])

#define MAX_INPUT_SPECS 64

static void usage(FILE *out)
{
    fprintf(out,
            "usage: nnmeter-tui [OPTIONS] [MODEL.onnx | NNMETER_IR.json]\n"
            "Predict and explain the latency of a neural network, kernel by kernel.\n"
            "Without --report it opens the interactive view (? there lists every key);\n"
            "without MODEL, a bundled sample.\n\n");
    for (int i = 0; i < NOPTIONS; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", options[i].name, options[i].arg ? " " : "",
                 options[i].arg ? options[i].arg : "");
        fprintf(out, "  %-28s %s\n", left, options[i].help);
    }
    fprintf(out, "\nExit codes: 0 ok, 1 usage error, 2 bad input file, 3 internal error.\n"
                 "Data directory: %s (override with NNMETER_DATA).\n",
            nnm_datadir());
}

typedef struct {
    int report;
    int list_devices;
    char devices[DEVICE_MAX][64];
    int ndevices;
    ReportFormat format;
    InputSpec inputs[MAX_INPUT_SPECS];
    int ninputs;
    const char *model;
    const char *profile;      /* --profile: ORT profiler output to overlay */
} Args;

/* Returns -1 to continue, or an exit code. */
static int parse_args(int argc, char **argv, Args *a)
{
    struct option longopts[NOPTIONS + 1];
    char shortopts[2 * NOPTIONS + 2];
    int s = 0;
    shortopts[s++] = ':';
    for (int i = 0; i < NOPTIONS; i++) {
        longopts[i] = (struct option){options[i].name, options[i].has_arg, NULL, options[i].key};
        shortopts[s++] = (char)options[i].key;
        if (options[i].has_arg)
            shortopts[s++] = ':';
    }
    longopts[NOPTIONS] = (struct option){0};
    shortopts[s] = 0;
    int c;
    char err[512];
    opterr = 0;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        switch (c) {
        case OPT_REPORT: a->report = 1; break;
        case OPT_FORMAT:
            if (report_format_parse(optarg, &a->format)) {
                fprintf(stderr, "nnmeter-tui: --format '%s' is unknown; use text, json or csv\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_INPUT:
            if (a->ninputs >= MAX_INPUT_SPECS) {
                fprintf(stderr, "nnmeter-tui: more than %d --input flags\n", MAX_INPUT_SPECS);
                return EXIT_USAGE;
            }
            if (input_spec_parse(optarg, &a->inputs[a->ninputs], err, sizeof err)) {
                fprintf(stderr, "nnmeter-tui: %s\n", err);
                return EXIT_USAGE;
            }
            a->ninputs++;
            break;
        case OPT_DEVICE:
            if (a->ndevices >= DEVICE_MAX) {
                fprintf(stderr, "nnmeter-tui: more than %d --device flags\n", DEVICE_MAX);
                return EXIT_USAGE;
            }
            snprintf(a->devices[a->ndevices++], 64, "%s", optarg);
            break;
        case OPT_LIST_DEVICES: a->list_devices = 1; break;
        case OPT_PROFILE: a->profile = optarg; break;
        case OPT_HELP: usage(stdout); return EXIT_OK;
        case OPT_VERSION: printf("nnmeter-tui %s\n", NNM_VERSION); return EXIT_OK;
        case ':':
            fprintf(stderr, "nnmeter-tui: option '%s' needs an argument; see --help\n",
                    argv[optind - 1]);
            return EXIT_USAGE;
        default:
            fprintf(stderr, "nnmeter-tui: unknown option '%s'; see --help\n",
                    argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    if (optind < argc)
        a->model = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "nnmeter-tui: one model at a time ('%s' is extra); see --help\n",
                argv[optind]);
        return EXIT_USAGE;
    }
    if (a->profile && a->report && a->ndevices == 0) {
        fprintf(stderr, "nnmeter-tui: --profile with --report goes with --device NAME: the "
                        "profile is mapped onto that device's kernels\n");
        return EXIT_USAGE;
    }
    return -1;
}

/* Expands "all" and loads every named device; returns an exit code. */
static int load_devices(const Args *a, Device **out, int *n)
{
    char names[DEVICE_MAX][64];
    int count = 0;
    for (int i = 0; i < a->ndevices; i++) {
        if (strcmp(a->devices[i], "all") == 0) {
            count = device_names(names, DEVICE_MAX);
            break;
        }
        snprintf(names[count++], 64, "%s", a->devices[i]);
    }
    *out = calloc((size_t)(count ? count : 1), sizeof **out);
    *n = 0;
    if (!*out)
        return EXIT_INTERNAL;
    for (int i = 0; i < count; i++) {
        char err[1024];
        if (device_load(names[i], &(*out)[i], err, sizeof err)) {
            fprintf(stderr, "nnmeter-tui: %s\n", err);
            return strncmp(err, "unknown device", 14) == 0 ? EXIT_USAGE : EXIT_BADINPUT;
        }
        (*n)++;
    }
    return EXIT_OK;
}

static void free_devices(Device *devs, int n)
{
    for (int i = 0; i < n; i++)
        device_free(&devs[i]);
    free(devs);
}

static int list_devices(const Args *a)
{
    char names[DEVICE_MAX][64];
    int n = device_names(names, DEVICE_MAX);
    cJSON *arr = cJSON_CreateArray();
    int code = EXIT_OK;
    if (a->format != REPORT_JSON)
        printf("%-28s %-8s %-6s %-10s %s\n", "device", "measured", "user", "predictors",
               "runtime");
    for (int i = 0; i < n; i++) {
        Device d;
        char err[1024];
        if (device_load(names[i], &d, err, sizeof err)) {
            fprintf(stderr, "nnmeter-tui: %s\n", err);
            code = EXIT_BADINPUT;
            continue;
        }
        if (a->format == REPORT_JSON) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "name", d.name);
            cJSON_AddStringToObject(o, "runtime", d.rules.runtime);
            cJSON_AddStringToObject(o, "provenance", d.rules.source);
            cJSON_AddBoolToObject(o, "measured", d.rules.measured);
            cJSON_AddBoolToObject(o, "predictors", d.pred != NULL);
            if (d.pred_error[0])
                cJSON_AddStringToObject(o, "predictor_error", d.pred_error);
            cJSON_AddStringToObject(o, "rules", d.user_copy ? d.user_path : d.shipped_path);
            cJSON_AddNumberToObject(o, "rule_count", d.rules.nrules);
            cJSON_AddItemToArray(arr, o);
        } else {
            printf("%-28s %-8s %-6s %-10s %s\n", d.name, d.rules.measured ? "yes" : "no",
                   d.user_copy ? "yes" : "no",
                   d.pred ? "yes" : d.pred_error[0] ? "broken" : "no", d.rules.runtime);
            if (d.pred_error[0])
                fprintf(stderr, "nnmeter-tui: %s\n", d.pred_error);
        }
        device_free(&d);
    }
    if (a->format == REPORT_JSON) {
        char *s = cJSON_Print(arr);
        if (s)
            puts(s);
        cJSON_free(s);
    }
    cJSON_Delete(arr);
    return code;
}

static int run_report(const Args *a)
{
    if (!a->model) {
        fprintf(stderr, "nnmeter-tui: --report needs a model file, e.g. "
                        "nnmeter-tui --report model.onnx\n");
        return EXIT_USAGE;
    }
    char err[1024];
    int code;
    Graph *g = model_open(a->model, a->inputs, a->ninputs, err, sizeof err, &code);
    if (!g) {
        fprintf(stderr, "nnmeter-tui: %s\n", err);
        return code;
    }
    Device *devs = NULL;
    int ndev = 0;
    code = load_devices(a, &devs, &ndev);
    DeviceView *views = calloc((size_t)(ndev ? ndev : 1), sizeof *views);
    int nviews = 0;
    if (code == EXIT_OK && !views)
        code = EXIT_INTERNAL;
    for (int i = 0; code == EXIT_OK && i < ndev; i++) {
        if (device_view(g, &devs[i], &views[i]))
            code = EXIT_INTERNAL;
        else
            nviews++;
    }
    Profile prof = {0};
    if (code == EXIT_OK && a->profile && profile_read_ort(a->profile, &prof, err, sizeof err)) {
        fprintf(stderr, "nnmeter-tui: %s\n", err);
        code = EXIT_BADINPUT;
    }
    for (int i = 0; code == EXIT_OK && a->profile && i < nviews; i++)
        if (device_view_overlay(g, &views[i], &prof, a->profile))
            code = EXIT_INTERNAL;
    int rc = code == EXIT_OK ? report_write(stdout, g, a->model, a->format, views, nviews) : 0;
    profile_free(&prof);
    for (int i = 0; i < nviews; i++)
        device_view_free(&views[i]);
    free(views);
    free_devices(devs, ndev);
    graph_free(g);
    if (code != EXIT_OK)
        return code;
    if (rc || fflush(stdout)) {
        fprintf(stderr, "nnmeter-tui: cannot write the report: %s\n", "output error");
        return EXIT_INTERNAL;
    }
    return EXIT_OK;
}

/* Without --report: the interactive view (ui/).  Unknown device names are
 * usage errors here, before the screen changes; everything else that can
 * go wrong loading is shown inside the view. */
static int run_tui(const Args *a)
{
    char names[DEVICE_MAX][64];
    int n = device_names(names, DEVICE_MAX);
    for (int i = 0; i < a->ndevices; i++) {
        int known = strcmp(a->devices[i], "all") == 0;
        for (int j = 0; j < n; j++)
            known |= strcmp(names[j], a->devices[i]) == 0;
        if (!known) {
            fprintf(stderr, "nnmeter-tui: unknown device '%s'; see --list-devices\n",
                    a->devices[i]);
            return EXIT_USAGE;
        }
    }
    TuiOptions t = {a->model, a->inputs, a->ninputs, (char (*)[64])a->devices, a->ndevices,
                    a->profile};
    return tui_run(&t);
}

int main(int argc, char **argv)
{
    Args a = {0};
    a.format = REPORT_TEXT;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    if (a.list_devices)
        return list_devices(&a);
    if (!a.report)
        return run_tui(&a);
    return run_report(&a);
}
