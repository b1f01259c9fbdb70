/* fuzz_model.c -- libFuzzer target: bytes -> ONNX loader -> input shapes ->
 * shape inference -> costs -> every shipped device's normalization, kernel
 * detection and prediction -> the --report writer (text, JSON or CSV, by
 * the input's length, into /dev/null).
 *
 * The devices are loaded once (their rule files are not the input here;
 * fuzz_rules.c fuzzes the rule language).  Run with tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "device.h"
#include "model.h"
#include "report/report.h"

static Device devices[DEVICE_MAX];
static int ndevices;
static FILE *devnull;

static void free_devices(void)
{
    for (int i = 0; i < ndevices; i++)
        device_free(&devices[i]);
    ndevices = 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_shipped_rules_only();
    char names[DEVICE_MAX][64];
    int n = device_names(names, DEVICE_MAX);
    for (int i = 0; i < n; i++) {
        char err[600];
        if (device_load(names[i], &devices[ndevices], err, sizeof err) == 0)
            ndevices++;
        else
            fprintf(stderr, "fuzz_model: device %s: %s\n", names[i], err);
    }
    if (ndevices == 0) {
        fprintf(stderr, "fuzz_model: no devices (is NNMETER_DATA right?)\n");
        exit(1);
    }
    devnull = fopen("/dev/null", "w");
    if (!devnull) {
        perror("fuzz_model: /dev/null");
        exit(1);
    }
    atexit(free_devices);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    int code = -1;
    Graph *g = model_open_buffer(data, size, NULL, 0, err, sizeof err, &code);
    if (!g) {
        /* a failure is a clean one-line message with the bad-input code
         * (no --input flags here, so never a usage error) */
        if (code != EXIT_BADINPUT || !fuzz_is_one_line_message(err))
            abort();
        return 0;
    }
    DeviceView views[DEVICE_MAX];
    int nviews = 0;
    for (int i = 0; i < ndevices; i++) {
        memset(&views[nviews], 0, sizeof views[nviews]);
        if (device_view(g, &devices[i], &views[nviews]) == 0)
            nviews++;
    }
    static const ReportFormat fmts[] = {REPORT_TEXT, REPORT_JSON, REPORT_CSV};
    report_write(devnull, g, "fuzz.onnx", fmts[size % 3], views, nviews);
    for (int i = 0; i < nviews; i++)
        device_view_free(&views[i]);
    graph_free(g);
    return 0;
}
