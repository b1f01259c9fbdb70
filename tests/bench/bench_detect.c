/* bench_detect.c -- how long re-detecting kernels (normalize + detect) and
 * detect + predict (device_view) take on a model already in memory.
 *
 *   bench_detect MODEL DEVICE [ITERATIONS]
 *
 * Prints the median and the minimum over the iterations.  A benchmark, not
 * a test: timing never decides pass or fail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "device.h"
#include "model.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_detect MODEL DEVICE [ITERATIONS]\n");
        return 1;
    }
    int iters = argc > 3 ? atoi(argv[3]) : 200;
    if (iters < 1)
        iters = 1;
    char err[1024];
    int code;
    Graph *g = model_open(argv[1], NULL, 0, err, sizeof err, &code);
    if (!g) {
        fprintf(stderr, "bench_detect: %s\n", err);
        return code;
    }
    Device dev;
    if (device_load(argv[2], &dev, err, sizeof err)) {
        fprintf(stderr, "bench_detect: %s\n", err);
        graph_free(g);
        return 2;
    }
    double *detect = malloc((size_t)iters * sizeof *detect);
    double *full = malloc((size_t)iters * sizeof *full);
    NormConfig cfg = rules_norm_config(&dev.rules);
    int kernels = 0;
    for (int i = 0; i < iters; i++) {
        double t0 = now_ms();
        NormGraph ng;
        Partition p;
        normalize(g, &cfg, &ng);
        detect_kernels(g, &ng, &dev.rules, &p);
        detect[i] = now_ms() - t0;
        kernels = p.nkernels;
        partition_free(&p);
        normgraph_free(&ng);
        t0 = now_ms();
        DeviceView v;
        device_view(g, &dev, &v);
        full[i] = now_ms() - t0;
        device_view_free(&v);
    }
    qsort(detect, (size_t)iters, sizeof *detect, cmp);
    qsort(full, (size_t)iters, sizeof *full, cmp);
    printf("%s: %d nodes, %d kernels on %s (%s predictors)\n", argv[1], g->nnodes, kernels,
           argv[2], dev.pred ? "with" : "no");
    printf("normalize + detect:           median %.3f ms, min %.3f ms (%d runs)\n",
           detect[iters / 2], detect[0], iters);
    printf("normalize + detect + predict: median %.3f ms, min %.3f ms\n", full[iters / 2],
           full[0]);
    free(detect);
    free(full);
    device_free(&dev);
    graph_free(g);
    return 0;
}
