/* detect_rules.c -- `nnmeter-build detect-rules`: fusion rules by experiment.
 *
 * nn-Meter's method: for a pair of ops, time op1 alone (T1), op2 alone
 * (T2) and op1 -> op2 (T12); the pair runs as one kernel when
 * T1 + T2 - T12 > 0.5 * min(T1, T2) -- fusing saves at least half of the
 * cheaper op.  With a runtime that profiles (ORT), T is the profiled time
 * of the model's kernels: called from Node, a run also costs copying its
 * inputs and outputs (0.7 ms for a 1x64x56x56 tensor here), which T1 + T2
 * counts twice where T12 counts it once -- every pair would look fused.
 * Without a profile, T is the protocol's timing.  Where the runtime shows
 * what it executed (ORT's profile), the kernel count of the op1 -> op2
 * model is the second witness.  The rule file written lists every pair
 * with its evidence, then rules built from the pairs that fuse: for each
 * first op, the ops that fold into it (bn, mul, add) repeated, then one
 * activation.
 */
#include "detect_rules.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "backend.h"
#include "measure.h"
#include "netbuilder.h"
#include "onnx/onnx_write.h"
#include "util/hostcpu.h"

/* Ops under test: how to build each after a tensor x. */
typedef enum {
    OP_CONV, OP_DWCONV, OP_FC, OP_BN, OP_RELU, OP_RELU6, OP_HSWISH, OP_SIGMOID,
    OP_ADD, OP_MAXPOOL, OP_GAP, OP_COUNT
} TestOp;

static const struct {
    const char *token;
    int first;                /* tried as op1 */
    int absorb;               /* folds into a preceding compute op (not an activation) */
    int act;                  /* an activation */
} ops[OP_COUNT] = {
    [OP_CONV] = {"conv", 1, 0, 0},     [OP_DWCONV] = {"dwconv", 1, 0, 0},
    [OP_FC] = {"fc", 1, 0, 0},         [OP_BN] = {"bn", 1, 1, 0},
    [OP_RELU] = {"relu", 0, 0, 1},     [OP_RELU6] = {"relu6", 0, 0, 1},
    [OP_HSWISH] = {"hswish", 0, 0, 1}, [OP_SIGMOID] = {"sigmoid", 0, 0, 1},
    [OP_ADD] = {"add", 1, 1, 0},       [OP_MAXPOOL] = {"maxpool", 1, 0, 0},
    [OP_GAP] = {"gap", 0, 0, 0},
};

/* Which second ops make sense after a first op (shape-wise and in real
 * networks). */
static int pair_valid(TestOp a, TestOp b)
{
    if (a == OP_FC)
        return b == OP_RELU || b == OP_SIGMOID || b == OP_ADD || b == OP_HSWISH;
    if (a == OP_GAP)
        return b == OP_RELU || b == OP_ADD;
    if (b == OP_CONV || b == OP_DWCONV || b == OP_FC || b == OP_GAP)
        return 0;
    return a != b || b == OP_ADD;
}

static int apply(NetBuilder *nb, TestOp op, int x, int *extra_input, int index)
{
    const Shape *s = nb_shape(nb, x);
    int64_t c = s->ndim > 1 ? s->dims[1] : 1;
    switch (op) {
    case OP_CONV: return nb_conv(nb, x, c, 3, 1, 1, 1);
    case OP_DWCONV: return nb_conv(nb, x, c, 3, 1, c, 1);
    case OP_FC: return nb_gemm(nb, x, c, 1);
    case OP_BN: return nb_bn(nb, x);
    case OP_RELU: return nb_relu(nb, x);
    case OP_RELU6: return nb_relu6(nb, x);
    case OP_HSWISH: return nb_hswish(nb, x);
    case OP_SIGMOID: return nb_sigmoid(nb, x);
    case OP_ADD: {
        /* the residual: a second input of the same shape */
        char name[16];
        snprintf(name, sizeof name, "skip%d", index);
        int y = nb_input_shape(nb, name, s->ndim, s->dims);
        *extra_input = 1;
        return nb_add(nb, x, y);
    }
    case OP_MAXPOOL: return nb_maxpool(nb, x, 3, 1, 1);
    case OP_GAP: return nb_gap(nb, x);
    default: return -1;
    }
}

/* Writes a model of ops[0..n) applied in sequence; the input is 2-D for
 * fc, 4-D otherwise.  Returns 0 or -1. */
static int write_chain(const char *path, const TestOp *seq, int n, int hw, int ch)
{
    NetBuilder *nb = nb_new("detect", 11);
    if (!nb)
        return -1;
    int x;
    if (seq[0] == OP_FC) {
        int64_t d[2] = {1, ch * 8};
        x = nb_input_shape(nb, "input", 2, d);
    } else {
        x = nb_input(nb, "input", 1, ch, hw, hw);
    }
    for (int i = 0; i < n; i++) {
        int extra = 0;
        x = apply(nb, seq[i], x, &extra, i);
    }
    nb_output(nb, x);
    char err[512];
    Graph *g = nb_finish(nb, err, sizeof err);
    if (!g) {
        fprintf(stderr, "nnmeter-build detect-rules: %s\n", err);
        return -1;
    }
    int rc = onnx_write(g, path, 11, err, sizeof err);
    if (rc)
        fprintf(stderr, "nnmeter-build detect-rules: %s\n", err);
    graph_free(g);
    return rc;
}

/* ---- timing ---------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median over rounds of the per-round minimum, every round a fresh context
 * visiting all models (the measure protocol, in-process). */
static int time_models(Backend *b, char (*paths)[600], int n, int rounds, double *out,
                       char *err, size_t errlen)
{
    double *mins = malloc((size_t)n * (size_t)rounds * sizeof *mins);
    double times[30];
    if (!mins)
        return -1;
    for (int r = 0; r < rounds; r++) {
        if (b->open(b, err, errlen)) {
            free(mins);
            return -1;
        }
        for (int k = 0; k < n; k++) {
            int i = r % 2 ? n - 1 - k : k;
            MeasureItem it = {.path = paths[i], .inputs = NULL};
            if (b->time(b, &it, 5, 30, times, err, errlen)) {
                b->close(b);
                free(mins);
                return -1;
            }
            qsort(times, 30, sizeof *times, cmp_double);
            mins[i * rounds + r] = times[0];
        }
        b->close(b);
    }
    for (int i = 0; i < n; i++) {
        qsort(&mins[i * rounds], (size_t)rounds, sizeof *mins, cmp_double);
        out[i] = mins[i * rounds + rounds / 2];
    }
    free(mins);
    return 0;
}

/* Kernels the runtime ran for a model and their summed time (ORT's
 * profile); -1 when the backend has no profile. */
static int runtime_kernels(Backend *b, const char *path, double *sum_ms)
{
    *sum_ms = 0;
    if (!b->profile)
        return -1;
    char err[512];
    if (b->open(b, err, sizeof err))
        return -1;
    MeasureItem it = {.path = path, .inputs = NULL};
    cJSON *p = b->profile(b, &it, 20, err, sizeof err);
    b->close(b);
    if (!p)
        return -1;
    int n = 0;
    const cJSON *ks = cJSON_GetObjectItem(p, "kernels");
    for (const cJSON *k = ks ? ks->child : NULL; k; k = k->next) {
        const char *op = cJSON_GetStringValue(cJSON_GetObjectItem(k, "op_name"));
        if (op && strncmp(op, "Reorder", 7) != 0) {
            n++;
            *sum_ms += cJSON_GetNumberValue(cJSON_GetObjectItem(k, "dur_ms"));
        }
    }
    cJSON_Delete(p);
    return n;
}

typedef struct {
    TestOp a, b;
    double t1, t2, t12;
    int kernels;              /* runtime kernels of a -> b, -1 unknown */
    int fused_latency, fused_graph;
} Pair;

static int decide(const Pair *p)
{
    return p->kernels >= 0 ? p->fused_graph : p->fused_latency;
}

/* ---- the rule file ------------------------------------------------------------ */

static void write_rules(FILE *f, const char *device, const Backend *b, const Pair *pairs,
                        int np)
{
    char date[32];
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%d", gmtime(&now));
    fprintf(f, "# Fusion rules detected by `nnmeter-build detect-rules --backend %s` on %s.\n"
               "# Pair test (nn-Meter): fused when T1 + T2 - T12 > 0.5 * min(T1, T2); where\n"
               "# the runtime's profile is available, its kernel count for op1 -> op2 decides\n"
               "# (1 kernel = fused) and the latency test is shown beside it.\n"
               "# Times in ms (1x64x56x56 activations): the runtime's profiled kernel time\n"
               "# where it has a profiler, else the median over rounds of each round's\n"
               "# minimum.\n#\n",
            b->name, date);
    fprintf(f, "#   %-8s %-8s %9s %9s %9s  %-7s %-7s\n", "op1", "op2", "T1", "T2", "T12",
            "latency", "graph");
    for (int i = 0; i < np; i++) {
        const Pair *p = &pairs[i];
        char graph[32] = "-";
        if (p->kernels >= 0)
            snprintf(graph, sizeof graph, "%s(%d)", p->fused_graph ? "fused" : "split",
                     p->kernels);
        fprintf(f, "#   %-8s %-8s %9.4f %9.4f %9.4f  %-7s %-7s%s\n", ops[p->a].token,
                ops[p->b].token, p->t1, p->t2, p->t12, p->fused_latency ? "fused" : "split",
                graph,
                p->kernels >= 0 && p->fused_graph != p->fused_latency ? "  <- disagree" : "");
    }
    fprintf(f, "\ndevice    %s\nruntime   %s\nsource    detect-rules on %s, %s\n"
               "measured  yes\nfree      reshape flatten squeeze unsqueeze\n",
            device, b->runtime, host_cpu_name(), date);
    for (int a = 0; a < OP_COUNT; a++) {
        if (!ops[a].first)
            continue;
        char absorb[200] = "", acts[200] = "";
        int any = 0;
        for (int i = 0; i < np; i++) {
            if ((int)pairs[i].a != a || !decide(&pairs[i]))
                continue;
            TestOp bb = pairs[i].b;
            char *dst = ops[bb].act ? acts : absorb;
            size_t len = strlen(dst);
            snprintf(dst + len, 200 - len, "%s%s", len ? " | " : "", ops[bb].token);
            any = 1;
        }
        if (!any)
            continue;
        fprintf(f, "\nrule %s_fused -> %s : %s", ops[a].token, ops[a].token, ops[a].token);
        if (absorb[0])
            fprintf(f, " (%s)*", absorb);
        if (acts[0])
            fprintf(f, " (%s)?", acts);
        fprintf(f, "\n");
        if (strstr(absorb, "add"))
            fprintf(f, "    side add same-shape\n");
    }
}

static void usage(FILE *f)
{
    fprintf(f, "usage: nnmeter-build detect-rules --backend ort|xnnpack|cmd --device NAME "
               "--out FILE.rules\n"
               "                                  [--rounds N] [--work DIR] [cmd options]\n"
               "Times op1, op2 and op1 -> op2 for pairs of common ops and writes the\n"
               "fusion rules they imply, with the measurements as comments.\n"
               "With --backend cmd, the command backend's options (as for measure):\n"
               BACKEND_CMD_USAGE);
}

int detect_rules_main(int argc, char **argv)
{
    const char *backend = NULL, *out = NULL, *device = NULL, *work = NULL;
    int rounds = 5;
    CmdOptions co;
    cmd_options_default(&co);
    static const struct option longopts[] = {
        {"backend", required_argument, 0, 'b'}, {"out", required_argument, 0, 'o'},
        {"device", required_argument, 0, 'd'}, {"rounds", required_argument, 0, 'r'},
        {"work", required_argument, 0, 'w'}, {"help", no_argument, 0, 'h'},
        BACKEND_CMD_LONGOPTS, {0, 0, 0, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":b:o:d:r:w:h", longopts, NULL)) != -1) {
        if (c >= BACKEND_CMD_KEY && c < BACKEND_CMD_KEY + BACKEND_CMD_NOPTS) {
            if (cmd_options_parse(c, optarg, &co, "nnmeter-build detect-rules"))
                return 1;
            continue;
        }
        switch (c) {
        case 'b': backend = optarg; break;
        case 'o': out = optarg; break;
        case 'd': device = optarg; break;
        case 'r': rounds = atoi(optarg); break;
        case 'w': work = optarg; break;
        case 'h': usage(stdout); return 0;
        default:
            fprintf(stderr, "nnmeter-build detect-rules: bad option '%s'; see --help\n",
                    argv[optind - 1]);
            return 1;
        }
    }
    if (!backend || !out || !device || rounds < 1) {
        fprintf(stderr, "nnmeter-build detect-rules: needs --backend, --device and --out; "
                        "see --help\n");
        return 1;
    }
    Backend b;
    if (backend_init(&b, backend)) {
        fprintf(stderr, "nnmeter-build detect-rules: unknown backend '%s' (available: %s)\n",
                backend, backend_names());
        return 1;
    }
    if (cmd_options_check(&co, backend, "nnmeter-build detect-rules"))
        return 1;
    b.cmd = &co;
    char dir[512];
    snprintf(dir, sizeof dir, "%s", work ? work : "/tmp/nnmeter-detect-rules");
    if (mkdir(dir, 0755) && errno != EEXIST) {
        fprintf(stderr, "nnmeter-build detect-rules: cannot create '%s': %s\n", dir,
                strerror(errno));
        return 3;
    }
    /* models: each op alone (at the shapes a pair sees), each valid pair */
    Pair pairs[OP_COUNT * OP_COUNT];
    int np = 0;
    for (int a = 0; a < OP_COUNT; a++)
        for (int bb = 0; bb < OP_COUNT; bb++)
            if (ops[a].first && pair_valid((TestOp)a, (TestOp)bb))
                pairs[np++] = (Pair){.a = (TestOp)a, .b = (TestOp)bb};
    int nm = OP_COUNT * 2 + np;
    char (*paths)[600] = calloc((size_t)nm, sizeof *paths);
    double *t = calloc((size_t)nm, sizeof *t);
    int code = 0;
    if (!paths || !t) {
        code = 3;
        goto done;
    }
    /* singles: 4-D (index op) and after-fc 2-D (index OP_COUNT + op) */
    for (int o = 0; o < OP_COUNT; o++) {
        TestOp s = (TestOp)o;
        snprintf(paths[o], 600, "%s/single_%s.onnx", dir, ops[o].token);
        if (write_chain(paths[o], &s, 1, 56, 64)) {
            code = 3;
            goto done;
        }
        /* op o alone on fc's output shape (2-D), for the pairs after fc */
        snprintf(paths[OP_COUNT + o], 600, "%s/single2d_%s.onnx", dir, ops[o].token);
        NetBuilder *nb = nb_new("single2d", 11);
        int64_t d[2] = {1, 512};
        int x = nb_input_shape(nb, "input", 2, d);
        int extra = 0;
        x = o == OP_FC ? nb_gemm(nb, x, 512, 1) : apply(nb, s, x, &extra, 0);
        nb_output(nb, x);
        char err[512];
        Graph *g = nb_finish(nb, err, sizeof err);
        if (g) {
            onnx_write(g, paths[OP_COUNT + o], 11, err, sizeof err);
            graph_free(g);
        } else {
            paths[OP_COUNT + o][0] = 0; /* not meaningful in 2-D (conv, pools) */
        }
    }
    for (int i = 0; i < np; i++) {
        TestOp seq[2] = {pairs[i].a, pairs[i].b};
        snprintf(paths[OP_COUNT * 2 + i], 600, "%s/pair_%s_%s.onnx", dir, ops[seq[0]].token,
                 ops[seq[1]].token);
        if (write_chain(paths[OP_COUNT * 2 + i], seq, 2, 56, 64)) {
            code = 3;
            goto done;
        }
    }
    /* time everything that exists, interleaved, in rounds */
    char (*valid)[600] = calloc((size_t)nm + 1, sizeof *valid);
    int *map = calloc((size_t)nm + 1, sizeof *map);
    double *tv = calloc((size_t)nm + 1, sizeof *tv);
    int nv = 0;
    for (int i = 0; valid && map && i < nm; i++)
        if (paths[i][0]) {
            memcpy(valid[nv], paths[i], 600);
            map[nv++] = i;
        }
    char err[1024];
    fprintf(stderr, "detect-rules: %d models, %s\n", nv,
            b.profile ? "profiled" : "timed in rounds");
    if (!valid || !map || !tv ||
        (!b.profile && time_models(&b, valid, nv, rounds, tv, err, sizeof err))) {
        fprintf(stderr, "nnmeter-build detect-rules: %s\n", err);
        free(valid);
        free(map);
        free(tv);
        code = 2;
        goto done;
    }
    for (int i = 0; i < nv; i++)
        t[map[i]] = tv[i];
    /* a profiling backend: replace timings by the kernels' profiled time */
    if (b.profile) {
        for (int i = 0; i < nm; i++) {
            double sum;
            if (paths[i][0] && runtime_kernels(&b, paths[i], &sum) >= 0 && sum > 0)
                t[i] = sum;
        }
    }
    free(valid);
    free(map);
    free(tv);
    for (int i = 0; i < np; i++) {
        Pair *p = &pairs[i];
        int two_d = p->a == OP_FC;
        p->t1 = t[two_d ? OP_COUNT + p->a : p->a];
        p->t2 = t[two_d && paths[OP_COUNT + p->b][0] ? OP_COUNT + p->b : p->b];
        p->t12 = t[OP_COUNT * 2 + i];
        double m = p->t1 < p->t2 ? p->t1 : p->t2;
        p->fused_latency = p->t1 + p->t2 - p->t12 > 0.5 * m;
        double unused;
        p->kernels = runtime_kernels(&b, paths[OP_COUNT * 2 + i], &unused);
        p->fused_graph = p->kernels == 1;
        fprintf(stderr, "%-8s %-8s T1 %.4f T2 %.4f T12 %.4f -> %s%s\n", ops[p->a].token,
                ops[p->b].token, p->t1, p->t2, p->t12, p->fused_latency ? "fused" : "split",
                p->kernels >= 0 ? (p->fused_graph ? " (graph: fused)" : " (graph: split)") : "");
    }
    char tmp[700];
    snprintf(tmp, sizeof tmp, "%.600s.tmp", out);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "nnmeter-build detect-rules: cannot write '%s': %s\n", tmp,
                strerror(errno));
        code = 3;
        goto done;
    }
    write_rules(f, device, &b, pairs, np);
    if (fclose(f) || rename(tmp, out)) {
        fprintf(stderr, "nnmeter-build detect-rules: cannot write '%s'\n", out);
        code = 3;
    }
done:
    free(paths);
    free(t);
    return code;
}
