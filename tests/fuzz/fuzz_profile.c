/* fuzz_profile.c -- libFuzzer target: bytes -> the ONNX Runtime profile
 * reader (nnmeter-tui --profile) -> the overlay of the profile on a seed
 * model's ort-cpu kernels.  The reader takes a path, so each input is
 * written to a memfd and read back through /proc/self/fd.  Run with
 * tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "device.h"
#include "model.h"
#include "overlay.h"

static Graph *graph;
static Device device;
static int fd = -1;
static char path[64];

static void cleanup(void)
{
    graph_free(graph);
    device_free(&device);
    if (fd >= 0)
        close(fd);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_shipped_rules_only();
    char err[600];
    int code;
    graph = model_open(NNM_SOURCE_DIR "/tests/fuzz/corpus_model/seed_mobile.onnx", NULL, 0, err,
                       sizeof err, &code);
    if (!graph || device_load("ort-cpu", &device, err, sizeof err)) {
        fprintf(stderr, "fuzz_profile: %s\n", err);
        exit(1);
    }
    fd = memfd_create("profile", 0);
    if (fd < 0) {
        perror("fuzz_profile: memfd_create");
        exit(1);
    }
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    atexit(cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
        abort();
    char err[512];
    Profile p;
    memset(&p, 0, sizeof p);
    if (profile_read_ort(path, &p, err, sizeof err)) {
        if (!fuzz_is_one_line_message(err))
            abort();
        profile_free(&p);
        return 0;
    }
    DeviceView v;
    memset(&v, 0, sizeof v);
    if (device_view(graph, &device, &v) == 0) {
        device_view_overlay(graph, &v, &p, "fuzz.json");
        device_view_free(&v);
    }
    profile_free(&p);
    return 0;
}
