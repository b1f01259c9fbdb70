/* fuzz_predictor.c -- libFuzzer target: bytes -> a device's conv.json
 * (one tree ensemble, as nnmeter-build train writes it) -> predictor_load
 * -> the prediction of every kernel of a seed model.  The loader takes a
 * device name under the data directory, so the target makes a scratch
 * data directory (the shipped rules, ort-cpu's meta.json, the input as
 * its conv.json) and points NNMETER_DATA at it.  A file the loader
 * refuses must say why in one line; one it accepts must give every kernel
 * a latency that is a number.  Run with tests/fuzz/run.sh.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "device.h"
#include "model.h"

static Graph *graph;
static char dir[64] = "/tmp/nnmeter-fuzz-predictor-XXXXXX";
static char conv[128], meta[128], devdir[128], preddir[128], rules[128];

static void cleanup(void)
{
    graph_free(graph);
    unlink(conv);
    unlink(meta);
    rmdir(devdir);
    rmdir(preddir);
    unlink(rules);
    rmdir(dir);
}

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[8192];
    size_t n;
    int rc = in && out ? 0 : -1;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            rc = -1;
    if (in)
        fclose(in);
    if (out && fclose(out))
        rc = -1;
    return rc;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_shipped_rules_only();
    if (!mkdtemp(dir)) {
        perror("fuzz_predictor: mkdtemp");
        exit(1);
    }
    snprintf(preddir, sizeof preddir, "%s/predictors", dir);
    snprintf(devdir, sizeof devdir, "%s/ort-cpu", preddir);
    snprintf(conv, sizeof conv, "%s/conv.json", devdir);
    snprintf(meta, sizeof meta, "%s/meta.json", devdir);
    snprintf(rules, sizeof rules, "%s/rules", dir);
    atexit(cleanup);
    if (symlink(NNM_SOURCE_DIR "/rules", rules) || mkdir(preddir, 0700) || mkdir(devdir, 0700) ||
        copy_file(NNM_SOURCE_DIR "/predictors/ort-cpu/meta.json", meta)) {
        perror("fuzz_predictor: scratch data directory");
        exit(1);
    }
    setenv("NNMETER_DATA", dir, 1);
    char err[600];
    int code;
    graph = model_open(NNM_SOURCE_DIR "/tests/fuzz/corpus_model/seed_mobile.onnx", NULL, 0, err,
                       sizeof err, &code);
    if (!graph) {
        fprintf(stderr, "fuzz_predictor: %s\n", err);
        exit(1);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(conv, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f))
        abort();
    Device dev;
    char err[512];
    if (device_load("ort-cpu", &dev, err, sizeof err))
        abort();   /* the rules are the shipped ones: loading them cannot fail */
    if (!dev.pred) {
        if (!fuzz_is_one_line_message(dev.pred_error))
            abort();
        device_free(&dev);
        return 0;
    }
    DeviceView v;
    memset(&v, 0, sizeof v);
    if (device_view(graph, &dev, &v) == 0) {
        for (int i = 0; i < v.part.nkernels; i++)
            if (isnan(v.pred[i].ms))
                abort();
        device_view_free(&v);
    }
    device_free(&dev);
    return 0;
}
