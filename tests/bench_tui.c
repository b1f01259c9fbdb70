/* bench_tui.c -- how long a rule edit takes to reach the screen.
 *
 * The Rules view's promise is that toggling or editing a rule re-detects
 * the kernels, re-predicts them and redraws at once (target: under 16 ms,
 * one frame, on a 500-node model).  This builds a MobileNetV3-like model
 * of at least 500 ONNX nodes with the network builder, opens it like the
 * program does, and times the real path -- the Space key in the Rules view
 * (rule toggle + device_view) followed by a full redraw through curses
 * (to /dev/null, 120x40) -- for every view.  It prints the figures; the
 * timing is not a pass/fail test (machines differ).
 *
 * When the device has no trained predictors yet, it gets synthetic ones of
 * the size `nnmeter-build train` makes (one ensemble per feature family,
 * 120 trees of depth 6), so the prediction path is timed as it will run.
 *
 *   bench_tui [--device NAME] [--nodes N] [--runs N]
 *   meson test -C BUILD --benchmark tui-rule-edit -v
 */
#include <curses.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "netbuilder.h"
#include "onnx/onnx_write.h"
#include "predict/kernel_features.h"
#include "util/datadir.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Inverted-residual blocks (expand, depthwise, SE, project, residual:
 * 17 nodes each) until the graph has `nodes` nodes. */
static Graph *make_model(int nodes, char *err, size_t errlen)
{
    NetBuilder *b = nb_new("bench500", 1);
    int x = nb_input(b, "input", 1, 3, 112, 112);
    x = nb_conv_bn_act(b, x, 16, 3, 2, 1, ACT_HSWISH);
    for (int i = 0; nb_graph(b)->nnodes + 3 < nodes; i++) {
        nb_push(b, "block%d", i);
        int c = (int)nb_dim(b, x, 1), stride = i % 8 == 7 && nb_dim(b, x, 2) > 7 ? 2 : 1;
        int y = nb_conv_bn_act(b, x, c * 4, 1, 1, 1, ACT_HSWISH);
        y = nb_conv_bn_act(b, y, c * 4, 3, stride, c * 4, ACT_RELU);
        y = nb_se(b, y, c, ACT_HSIGMOID);
        y = nb_conv(b, y, c, 1, 1, 1, 0);
        y = nb_bn(b, y);
        x = stride == 1 ? nb_add(b, x, y) : y;
        nb_pop(b);
    }
    x = nb_gap(b, x);
    x = nb_flatten(b, x, 1);
    x = nb_gemm(b, x, 1000, 1);
    nb_output(b, x);
    return nb_finish(b, err, errlen);
}

/* ---- synthetic predictors ------------------------------------------------ */

#define TREES 120
#define DEPTH 6

static char synth_dir[PATH_MAX];

/* One ensemble file: full binary trees, every split on some feature. */
static int write_ensemble(const char *dir, FeatureFamily fam)
{
    char path[2 * PATH_MAX];
    snprintf(path, sizeof path, "%s/%s.json", dir, family_name(fam));
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int nf, nodes = (1 << (DEPTH + 1)) - 1, inner = (1 << DEPTH) - 1;
    const char *const *names = family_feature_names(fam, &nf);
    fprintf(f, "{\"format\":1,\"key\":\"%s\",\"family\":\"%s\",\"target\":\"log_ms\","
            "\"features\":[", family_name(fam), family_name(fam));
    for (int i = 0; i < nf; i++)
        fprintf(f, "%s\"%s\"", i ? "," : "", names[i]);
    fprintf(f, "],\"members\":[{\"base\":-3,\"trees\":[");
    for (int t = 0; t < TREES; t++) {
        const char *key[5] = {"f", "t", "l", "r", "v"};
        fprintf(f, "%s{", t ? "," : "");
        for (int k = 0; k < 5; k++) {
            fprintf(f, "%s\"%s\":[", k ? "," : "", key[k]);
            for (int i = 0; i < nodes; i++) {
                int leaf = i >= inner;
                long v = k == 0 ? (leaf ? -1 : (i + t) % nf) : k == 2 ? (leaf ? 0 : 2 * i + 1)
                       : k == 3 ? (leaf ? 0 : 2 * i + 2) : 0;
                if (k == 1 || k == 4)
                    fprintf(f, "%s%g", i ? "," : "", k == 1 ? 1.0 + i % 7 : 0.001 * (i % 5));
                else
                    fprintf(f, "%s%ld", i ? "," : "", v);
            }
            fprintf(f, "]");
        }
        fprintf(f, "}");
    }
    fprintf(f, "]}]}\n");
    return fclose(f);
}

/* A data directory with the real rules and synthetic predictors. */
static int make_synthetic(const char *device)
{
    char d[PATH_MAX + 128];
    snprintf(synth_dir, sizeof synth_dir, "/tmp/bench_tui_data_XXXXXX");
    if (!mkdtemp(synth_dir))
        return -1;
    snprintf(d, sizeof d, "%s/rules", nnm_datadir());
    char link[PATH_MAX + 64];
    snprintf(link, sizeof link, "%s/rules", synth_dir);
    if (symlink(d, link))
        return -1;
    snprintf(d, sizeof d, "%s/predictors", synth_dir);
    mkdir(d, 0755);
    snprintf(d, sizeof d, "%s/predictors/%s", synth_dir, device);
    mkdir(d, 0755);
    char meta[PATH_MAX + 200];
    snprintf(meta, sizeof meta, "%s/meta.json", d);
    FILE *f = fopen(meta, "w");
    if (!f)
        return -1;
    fprintf(f, "{\"format\":1,\"device\":\"%s\",\"runtime\":\"synthetic\","
            "\"overhead\":{\"model_ms\":0.05,\"kernel_ms\":0.003}}\n", device);
    fclose(f);
    for (int fam = 0; fam < FAM_COUNT; fam++)
        if (write_ensemble(d, (FeatureFamily)fam))
            return -1;
    setenv("NNMETER_DATA", synth_dir, 1);
    return 0;
}

static void remove_synthetic(void)
{
    if (!synth_dir[0])
        return;
    char cmd[PATH_MAX + 32];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", synth_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_tui: could not remove %s\n", synth_dir);
}

static int cmp_double(const void *a, const void *b)
{
    double d = *(const double *)a - *(const double *)b;
    return d < 0 ? -1 : d > 0;
}

static void report(const char *what, double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    printf("  %-34s median %7.3f ms   p95 %7.3f ms   max %7.3f ms\n", what, t[n / 2],
           t[(n * 95) / 100], t[n - 1]);
}

/* Space in the Rules view, then a redraw of `view`; returns per-run times. */
static void time_edits(App *a, ViewId view, int runs, double *edit, double *draw, double *total)
{
    for (int i = 0; i < runs; i++) {
        a->view = VIEW_RULES;
        double t0 = now_ms();
        app_key(a, ' ');
        double t1 = now_ms();
        a->view = view;
        app_draw(a);
        refresh();
        double t2 = now_ms();
        edit[i] = t1 - t0;
        draw[i] = t2 - t1;
        total[i] = t2 - t0;
    }
}

int main(int argc, char **argv)
{
    const char *device = "ort-cpu";
    int nodes = 500, runs = 200;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--device") == 0)
            device = argv[i + 1];
        else if (strcmp(argv[i], "--nodes") == 0)
            nodes = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--runs") == 0)
            runs = atoi(argv[i + 1]);
    }
    if (runs < 1)
        runs = 1;
    char err[512], path[] = "/tmp/bench_tui_XXXXXX";
    Graph *g = make_model(nodes, err, sizeof err);
    int fd = mkstemp(path);
    if (!g || fd < 0 || onnx_write(g, path, 1, err, sizeof err)) {
        fprintf(stderr, "bench_tui: cannot make the model: %s\n", g ? err : "builder failed");
        return 1;
    }
    close(fd);
    graph_free(g);

    char perr[512];
    Predictor *real = predictor_load(device, perr, sizeof perr);
    const char *pred_kind = real ? "trained predictors" : "synthetic predictors";
    predictor_free(real);
    if (!real && make_synthetic(device)) {
        fprintf(stderr, "bench_tui: cannot write synthetic predictors\n");
        return 1;
    }
    App *a = calloc(1, sizeof *a);
    char names[1][64];
    snprintf(names[0], sizeof names[0], "%s", device);
    if (!a || session_open(&a->s, path, NULL, 0, names, 1) || !a->s.g || !a->s.slots[0].ok) {
        fprintf(stderr, "bench_tui: cannot open the model or device: %s %s\n",
                a ? a->s.error : "", a && a->s.nslots ? a->s.slots[0].error : "");
        return 1;
    }
    unlink(path);
    app_init(a, 0);
    setenv("LINES", "40", 1);
    setenv("COLUMNS", "120", 1);
    FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
    if (!out || !in || crt_init_file("xterm-256color", out, in)) {
        fprintf(stderr, "bench_tui: cannot start curses on /dev/null\n");
        return 1;
    }
    const Slot *sl = &a->s.slots[0];
    printf("bench_tui: %d ONNX nodes, device %s (%s%s), %d rules, %d kernels, %d runs, "
           "120x40\n", a->s.g->nnodes, device, pred_kind,
           slot_latency(sl) ? "" : " failed to load: FLOPs", sl->dev.rules.nrules,
           sl->view.part.nkernels, runs);
    double *t = malloc(3 * (size_t)runs * sizeof *t);
    static const ViewId shown[] = {VIEW_RULES, VIEW_KERNELS, VIEW_SUMMARY, VIEW_COMPARE};
    for (size_t v = 0; t && v < sizeof shown / sizeof *shown; v++) {
        time_edits(a, shown[v], runs, t, t + runs, t + 2 * runs);
        char what[80];
        printf("toggle rule 0, redraw the %s view:\n", view_name(shown[v]));
        report("re-detect + re-predict", t, runs);
        report("redraw (curses, to /dev/null)", t + runs, runs);
        snprintf(what, sizeof what, "total (target < 16 ms)");
        report(what, t + 2 * runs, runs);
    }
    free(t);
    crt_done();
    fclose(out);
    fclose(in);
    app_free(a);
    free(a);
    remove_synthetic();
    return 0;
}
