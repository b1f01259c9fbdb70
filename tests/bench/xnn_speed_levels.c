/* xnn_speed_levels.c -- does a kernel's speed move with its buffers or
 * with the host?  One XNNPACK depthwise convolution (3x3, stride 1, 48x48
 * map, 96 channels, NHWC: efficientnet_0's validation kernel k27), timed
 * in VISITS visits (default 40) of 2 ms warm-up + the minimum of 20
 * runs, pinned to CPU 1:
 *
 *   xnn_speed_levels same [VISITS]   one runtime and one set of buffers
 *   xnn_speed_levels fresh [VISITS]  a fresh runtime and fresh buffers every
 *                                    visit (what measure does)
 *   xnn_speed_levels reuse [VISITS]  a fresh runtime every visit, the same
 *                                    buffers
 *
 * Prints each visit's minimum in us, ten to a line.  On the Xeon (session
 * 10) all three showed the same discrete levels (about 113, 142 and 150
 * us) in spells of a second or more, "same" included (one run of 300
 * visits: 252 at 110-120 us, 28 at 140-150): the speed is the host's, not
 * the addresses', so rounds spread in time and their minimum find the fast
 * level (measure --statistic min).  A benchmark, not a test.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <math.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xnnpack.h>

enum { H = 48, W = 48, C = 96, RUNS = 20 };

static float weights[C * 9], bias[C];

typedef struct {
    xnn_subgraph_t sg;
    xnn_runtime_t rt;
} Runtime;

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static float *new_map(void)
{
    float *m = malloc((size_t)H * W * C * sizeof *m + XNN_EXTRA_BYTES);
    if (!m) {
        fprintf(stderr, "xnn_speed_levels: out of memory\n");
        exit(3);
    }
    for (int i = 0; i < H * W * C; i++)
        m[i] = (float)(i % 7) * 0.1f;
    return m;
}

/* The depthwise conv over in -> out; exits with a message on failure. */
static void runtime_make(Runtime *r, float *in, float *out)
{
    uint32_t x = XNN_INVALID_VALUE_ID, y = XNN_INVALID_VALUE_ID;
    uint32_t w = XNN_INVALID_VALUE_ID, b = XNN_INVALID_VALUE_ID;
    size_t map[4] = {1, H, W, C}, filter[4] = {1, 3, 3, C}, nb[1] = {C};
    int ok = xnn_create_subgraph(2, 0, &r->sg) == xnn_status_success &&
             xnn_define_tensor_value(r->sg, xnn_datatype_fp32, 4, map, NULL, 0,
                                     XNN_VALUE_FLAG_EXTERNAL_INPUT, &x) == xnn_status_success &&
             xnn_define_tensor_value(r->sg, xnn_datatype_fp32, 4, map, NULL, 1,
                                     XNN_VALUE_FLAG_EXTERNAL_OUTPUT, &y) == xnn_status_success &&
             xnn_define_tensor_value(r->sg, xnn_datatype_fp32, 4, filter, weights,
                                     XNN_INVALID_VALUE_ID, 0, &w) == xnn_status_success &&
             xnn_define_tensor_value(r->sg, xnn_datatype_fp32, 1, nb, bias,
                                     XNN_INVALID_VALUE_ID, 0, &b) == xnn_status_success &&
             xnn_define_depthwise_convolution_2d(r->sg, 1, 1, 1, 1, 3, 3, 1, 1, 1, 1, 1, C,
                                                 -INFINITY, INFINITY, x, w, b, y,
                                                 0) == xnn_status_success &&
             xnn_create_runtime_v2(r->sg, NULL, 0, &r->rt) == xnn_status_success;
    struct xnn_external_value ext[2] = {{0, in}, {1, out}};
    if (!ok || xnn_setup_runtime(r->rt, 2, ext) != xnn_status_success) {
        fprintf(stderr, "xnn_speed_levels: XNNPACK refused the depthwise convolution\n");
        exit(3);
    }
}

static void runtime_free(Runtime *r)
{
    xnn_delete_runtime(r->rt);
    xnn_delete_subgraph(r->sg);
}

/* One visit as measure makes it: 2 ms of warm-up, the minimum of RUNS. */
static double visit_us(const Runtime *r)
{
    double start = now_ms(), best = INFINITY;
    while (now_ms() - start < 2)
        xnn_invoke_runtime(r->rt);
    for (int i = 0; i < RUNS; i++) {
        double t0 = now_ms();
        xnn_invoke_runtime(r->rt);
        double d = now_ms() - t0;
        if (d < best)
            best = d;
    }
    return best * 1e3;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    int same = strcmp(mode, "same") == 0, fresh = strcmp(mode, "fresh") == 0,
        reuse = strcmp(mode, "reuse") == 0;
    int visits = argc > 2 ? atoi(argv[2]) : 40;
    if ((!same && !fresh && !reuse) || visits < 1) {
        fprintf(stderr, "usage: xnn_speed_levels same|fresh|reuse [VISITS (default 40)]\n");
        return 1;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(1, &set);
    if (sched_setaffinity(0, sizeof set, &set))
        fprintf(stderr, "xnn_speed_levels: cannot pin to CPU 1; timing unpinned\n");
    if (xnn_initialize(NULL) != xnn_status_success) {
        fprintf(stderr, "xnn_speed_levels: xnn_initialize failed\n");
        return 3;
    }
    for (int i = 0; i < C * 9; i++)
        weights[i] = 0.01f * (float)i;
    float *in = new_map(), *out = new_map();
    Runtime r;
    if (same)
        runtime_make(&r, in, out);
    for (int v = 0; v < visits; v++) {
        float *vin = fresh ? new_map() : in, *vout = fresh ? new_map() : out;
        if (!same)
            runtime_make(&r, vin, vout);
        printf("%.1f%c", visit_us(&r), v % 10 == 9 ? '\n' : ' ');
        if (!same)
            runtime_free(&r);
        if (fresh) {
            free(vin);
            free(vout);
        }
    }
    if (same)
        runtime_free(&r);
    free(in);
    free(out);
    xnn_deinitialize();
    return 0;
}
