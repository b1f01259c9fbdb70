/* eval.c -- `nnmeter-build eval`: predictions against measurements.
 *
 * For every measured model of a dataset the predicted model latency is
 * compared with the measured one, and (through match.c) every kernel's
 * prediction with its profiled time.  Figures: RMSE, mean absolute %
 * error, and the share within ±5% and ±10%, overall and per family (the
 * file name's prefix before '_').  With --noise B.jsonl the same models'
 * second, independent measurement gives the noise floor: how often two
 * truths agree within ±10%.
 */
#include "eval.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datafile.h"
#include "filehash.h"
#include "measure.h"
#include "match.h"
#include "model.h"

typedef struct {
    char family[32];
    int n, w5, w10;
    double se, ape;
} Acc;

static void acc_add(Acc *a, double pred, double truth)
{
    double e = fabs(pred - truth) / truth;
    a->n++;
    a->w5 += e <= 0.05;
    a->w10 += e <= 0.10;
    a->se += (pred - truth) * (pred - truth);
    a->ape += e;
}

static void acc_print(const char *label, const Acc *a)
{
    if (!a->n)
        return;
    printf("%-16s %6d %10.4f %8.2f%% %8.1f%% %8.1f%%\n", label, a->n, sqrt(a->se / a->n),
           100 * a->ape / a->n, 100.0 * a->w5 / a->n, 100.0 * a->w10 / a->n);
}

static void family_of(const char *path, char *out, size_t len)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strcspn(base, "_.");
    snprintf(out, len, "%.*s", (int)n, base);
}

static Acc *family_acc(Acc *fams, int *nf, const char *fam)
{
    for (int i = 0; i < *nf; i++)
        if (strcmp(fams[i].family, fam) == 0)
            return &fams[i];
    if (*nf >= 64)
        return &fams[63];
    Acc *a = &fams[(*nf)++];
    memset(a, 0, sizeof *a);
    snprintf(a->family, sizeof a->family, "%s", fam);
    return a;
}

/* Each line of a JSON-lines file, parsed; calls fn(record, ctx). */
static int each_record(const char *path, int (*fn)(cJSON *, void *), void *ctx)
{
    FILE *f = datafile_open(path);
    if (!f) {
        fprintf(stderr, "nnmeter-build eval: cannot open '%s': %s\n", path, strerror(errno));
        return 2;
    }
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    cJSON *header = NULL;
    while (rc == 0 && getline(&line, &cap, f) > 0) {
        cJSON *r = cJSON_Parse(line);
        if (r && !measure_record_inherit(r, &header))
            rc = fn(r, ctx);
        cJSON_Delete(r);
    }
    if (rc == 0 && ferror(f)) {
        fprintf(stderr, "nnmeter-build eval: '%s' is corrupt or cut short; restore it or "
                        "measure again\n", path);
        rc = 2;
    }
    cJSON_Delete(header);
    free(line);
    fclose(f);
    return rc;
}

/* ---- noise floor ------------------------------------------------------------ */

typedef struct {
    char (*models)[512];
    double *lat;
    int n, cap;
} LatTable;

/* 0, or 3 (the internal-error exit code) when out of memory; the table
 * keeps what it had either way, so its owner frees it as usual. */
static int table_add(LatTable *t, const char *name, double lat)
{
    if (t->n >= t->cap) {
        int cap = t->cap ? t->cap * 2 : 256;
        char (*models)[512] = realloc(t->models, (size_t)cap * sizeof *models);
        if (!models)
            return 3;
        t->models = models;
        double *l = realloc(t->lat, (size_t)cap * sizeof *l);
        if (!l)
            return 3;
        t->lat = l;
        t->cap = cap;
    }
    snprintf(t->models[t->n], 512, "%s", name);
    t->lat[t->n++] = lat;
    return 0;
}

static int table_find(const LatTable *t, const char *name)
{
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->models[i], name) == 0)
            return i;
    return -1;
}

static int collect(cJSON *rec, void *vctx)
{
    const char *model = cJSON_GetStringValue(cJSON_GetObjectItem(rec, "model"));
    double lat = cJSON_GetNumberValue(cJSON_GetObjectItem(rec, "latency_ms"));
    if (!model || !(lat > 0))
        return 0;
    return table_add(vctx, model, lat);
}

/* A profiled kernel's truth is kept under "model#index" for the kernels'
 * noise floor: the same kernel's truth from the second measurement.  One
 * function makes the name, for both sides of the lookup. */
static void kernel_entry_name(char *buf, size_t len, const char *model, int i)
{
    snprintf(buf, len, "%s#%d", model, i);
}

static int collect_kernel(LatTable *t, const char *model, int i, double truth)
{
    char name[512];
    kernel_entry_name(name, sizeof name, model, i);
    return table_add(t, name, truth);
}

/* Whether the profile timed kernel t alone (one event, or split parts). */
static int has_truth(const KernelTruth *t)
{
    return (t->events == 1 || (t->events == 0 && t->split > 0)) && t->ms > 0;
}

typedef struct {
    Device *dev;
    int covered;              /* models whose measurement lies in the predicted range */
    Acc all, kern;
    Acc fams[64];
    int nfam;
    Acc keys[64];             /* kernels per kernel key */
    int nkey;
    int failed;
    int verbose;
    LatTable kernel_records;  /* records that were kernels measured alone */
    LatTable profiled;        /* profiled kernels' truths, "model#index" */
    const char *path;         /* the dataset being read */
    int warned_cpu;           /* its CPU differs from the predictors'; said once */
    double profiler_cost;     /* ms taken off each profiled kernel, as in training */
} EvalCtx;

/* A latency predictor is for one CPU: the same runtime ran the validation
 * models 43% faster on an Intel Xeon than on the AMD EPYC the ort-cpu device
 * was built on.  Comparing across machines is allowed (it is how that was
 * found) but never silent. */
static void warn_other_cpu(EvalCtx *c, const cJSON *rec)
{
    const char *cpu = cJSON_GetStringValue(cJSON_GetObjectItem(rec, "cpu"));
    const char *want = predictor_cpu(c->dev->pred);
    if (c->warned_cpu || !cpu || !want[0] || strcmp(cpu, want) == 0)
        return;
    fprintf(stderr, "nnmeter-build eval: warning: '%s' was measured on '%s' but device '%s' "
                    "was built on '%s': these figures compare two machines; build a device "
                    "on this one (NNMETER_DEVICE=NAME src/build/build-device.sh)\n",
            c->path, cpu, c->dev->name, want);
    c->warned_cpu = 1;
}

/* Kernel truths must be made as the training labels were: with the
 * profiler cost the device's labels used (meta.json).  A device trained
 * before that was kept gets a fit on the datasets themselves, said aloud;
 * datasets without profiles need none. */
static void profiler_cost_for(EvalCtx *c, char *const *files, int n)
{
    c->profiler_cost = predictor_profiler_cost(c->dev->pred);
    if (c->profiler_cost >= 0)
        return;
    char err[512];
    int nfit = 0;
    if (match_fit_profiler_cost(files, n, &c->profiler_cost, &nfit, err, sizeof err) == 0)
        fprintf(stderr, "nnmeter-build eval: device '%s' keeps no profiler cost (retrain it); "
                        "fitted on these %d models: %.4f ms per kernel\n",
                c->dev->name, nfit, c->profiler_cost);
    else {
        if (nfit > 0)
            fprintf(stderr, "nnmeter-build eval: %s; kernel truths take no profiler cost\n",
                    err);
        c->profiler_cost = 0;
    }
}

/* The model a record measured, as the record ran it (its inputs), and the
 * device's view of it; NULL with err when the file is not the model the
 * record measured, cannot be read, or memory runs out. */
static Graph *record_view(const cJSON *rec, Device *dev, DeviceView *v, char *err,
                          size_t errlen)
{
    if (record_hash_check(rec, err, errlen))
        return NULL;
    const char *model = cJSON_GetStringValue(cJSON_GetObjectItem(rec, "model"));
    InputSpec specs[16];
    int ns = match_record_inputs(rec, specs, 16), code;
    char merr[900];
    Graph *g = model_open(model, specs, ns, merr, sizeof merr, &code);
    if (!g || device_view(g, dev, v)) {
        snprintf(err, errlen, "%s: %s", model, g ? "out of memory" : merr);
        graph_free(g);
        return NULL;
    }
    return g;
}

static int eval_record(cJSON *rec, void *vctx)
{
    EvalCtx *c = vctx;
    const char *model = cJSON_GetStringValue(cJSON_GetObjectItem(rec, "model"));
    double truth = cJSON_GetNumberValue(cJSON_GetObjectItem(rec, "latency_ms"));
    if (!model || !(truth > 0))
        return 0;
    warn_other_cpu(c, rec);
    char err[1024];
    DeviceView v;
    Graph *g = record_view(rec, c->dev, &v, err, sizeof err);
    if (!g) {
        fprintf(stderr, "nnmeter-build eval: %s\n", err);
        c->failed++;
        return 0;
    }
    const cJSON *prof = cJSON_GetObjectItem(rec, "profile");
    if (v.pred && v.part.nkernels == 1 && (!prof || cJSON_IsNull(prof))) {
        /* a kernel measured alone (sample --split, --per-model 1): a kernel
         * figure, its latency less the run's fixed cost */
        double alone = v.pred[0].ms - predictor_in_model_ms(c->dev->pred, g, &v.part.kernels[0]);
        double label = match_alone_truth(truth, predictor_total_ms(c->dev->pred, 0, 0, 0));
        acc_add(&c->kern, alone, label);
        acc_add(family_acc(c->keys, &c->nkey, v.pred[0].key), alone, label);
        if (c->verbose)
            printf("%-48s kernel %-8s measured %10.4g predicted %10.4g (%+.1f%%)\n", model,
                   v.pred[0].key, label, alone, 100 * (alone - label) / label);
        int rc = collect(rec, &c->kernel_records);
        device_view_free(&v);
        graph_free(g);
        return rc;
    }
    acc_add(&c->all, v.total_ms, truth);
    c->covered += truth >= v.total_lo && truth <= v.total_hi;
    char fam[32];
    family_of(model, fam, sizeof fam);
    acc_add(family_acc(c->fams, &c->nfam, fam), v.total_ms, truth);
    if (c->verbose)
        printf("%-48s measured %8.3f predicted %8.3f (%+.1f%%)\n", model, truth, v.total_ms,
               100 * (v.total_ms - truth) / truth);
    MatchResult m = {0};   /* freed below even when no profile was matched */
    double scale = match_truth_scale(rec, c->profiler_cost);
    int rc = 0;
    if (v.pred && scale > 0 && match_profile(g, &v, rec, &m) == 0) {
        for (int i = 0; i < m.nkernels && rc == 0; i++) {
            const KernelTruth *t = &m.k[i];
            if (!has_truth(t))
                continue;
            double truth_k = match_kernel_truth(t, scale, c->profiler_cost);
            /* out of memory: the kernel figures would silently miss rows */
            if ((rc = collect_kernel(&c->profiled, model, i, truth_k)) != 0)
                break;
            acc_add(&c->kern, v.pred[i].ms, truth_k);
            acc_add(family_acc(c->keys, &c->nkey, v.pred[i].key), v.pred[i].ms, truth_k);
            if (c->verbose)
                printf("  kernel %-4d %-10s measured %10.4g predicted %10.4g (%+.1f%%)\n", i,
                       v.pred[i].key, truth_k, v.pred[i].ms,
                       100 * (v.pred[i].ms - truth_k) / truth_k);
        }
    }
    match_free(&m);
    device_view_free(&v);
    graph_free(g);
    return rc;
}

/* The second measurement's profiled kernels against the first's truths. */
typedef struct {
    const EvalCtx *c;
    Acc acc;
} KernelNoise;

static int noise_kernels(cJSON *rec, void *vctx)
{
    KernelNoise *kn = vctx;
    const char *model = cJSON_GetStringValue(cJSON_GetObjectItem(rec, "model"));
    double scale = match_truth_scale(rec, kn->c->profiler_cost);
    char err[1024];
    if (!model || !(scale > 0))
        return 0;
    DeviceView v;
    Graph *g = record_view(rec, kn->c->dev, &v, err, sizeof err);
    if (!g) {
        fprintf(stderr, "nnmeter-build eval: --noise: %s\n", err);
        return 0;
    }
    MatchResult m = {0};
    if (match_profile(g, &v, rec, &m) == 0)
        for (int i = 0; i < m.nkernels; i++) {
            char name[512];
            kernel_entry_name(name, sizeof name, model, i);
            int j = has_truth(&m.k[i]) ? table_find(&kn->c->profiled, name) : -1;
            if (j >= 0)
                acc_add(&kn->acc, match_kernel_truth(&m.k[i], scale, kn->c->profiler_cost),
                        kn->c->profiled.lat[j]);
        }
    match_free(&m);
    device_view_free(&v);
    graph_free(g);
    return 0;
}

/* The datasets against their second measurements (the --noise files),
 * record by record: models and kernels measured alone apart. */
static int noise_floor(const EvalCtx *c, char **data, int ndata, char **noise, int nnoise)
{
    LatTable ta = {0}, tb = {0};
    int rc = 0;
    for (int i = 0; i < ndata && !rc; i++)
        rc = each_record(data[i], collect, &ta);
    for (int i = 0; i < nnoise && !rc; i++)
        rc = each_record(noise[i], collect, &tb);
    Acc models = {0}, kernels = {0};
    /* kernels alone are compared as eval compares them to predictions: less
     * the run's fixed cost (a 0.1 us add is half run cost) */
    double run_cost = predictor_total_ms(c->dev->pred, 0, 0, 0);
    for (int i = 0; i < ta.n && !rc; i++)
        for (int j = 0; j < tb.n; j++)
            if (strcmp(ta.models[i], tb.models[j]) == 0) {
                if (table_find(&c->kernel_records, ta.models[i]) >= 0)
                    acc_add(&kernels, match_alone_truth(tb.lat[j], run_cost),
                            match_alone_truth(ta.lat[i], run_cost));
                else
                    acc_add(&models, tb.lat[j], ta.lat[i]);
                break;
            }
    KernelNoise kn = {.c = c};
    for (int i = 0; i < nnoise && !rc && c->profiled.n; i++)
        rc = each_record(noise[i], noise_kernels, &kn);
    if (!rc) {
        printf("\nnoise floor: a second, independent measurement of the same models\n");
        printf("%-16s %6s %10s %9s %9s %9s\n", "", "n", "RMSE(ms)", "MAPE", "±5%", "±10%");
        acc_print("truth vs truth", &models);
        acc_print("kernels alone", &kernels);
        acc_print("kernel shares", &kn.acc);
    }
    free(ta.models);
    free(ta.lat);
    free(tb.models);
    free(tb.lat);
    return rc;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: nnmeter-build eval --device NAME [--noise B.jsonl] [--verbose] "
               "DATASET.jsonl [KERNELS.jsonl...]\n"
               "Predicts every measured model of DATASET with NAME's predictors and prints\n"
               "RMSE, mean absolute %% error and the share within ±5%% and ±10%%, overall,\n"
               "per family and for kernels.  --noise (repeatable): a second measurement\n"
               "of the same models, to print the noise floor beside the figures.  Records of\n"
               "single-kernel models measured without a profile (sample --split) count\n"
               "as kernels: their latency less the runtime's fixed cost.\n");
}

int eval_main(int argc, char **argv)
{
    const char *device = NULL;
    char *noise[8];
    int nnoise = 0;
    int verbose = 0;
    static const struct option longopts[] = {
        {"device", required_argument, 0, 'd'}, {"noise", required_argument, 0, 'n'},
        {"verbose", no_argument, 0, 'v'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":d:n:vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': device = optarg; break;
        case 'n':
            if (nnoise == 8) {
                fprintf(stderr, "nnmeter-build eval: at most 8 --noise files\n");
                return 1;
            }
            noise[nnoise++] = optarg;
            break;
        case 'v': verbose = 1; break;
        case 'h': usage(stdout); return 0;
        default:
            fprintf(stderr, "nnmeter-build eval: bad option '%s'; see --help\n",
                    argv[optind - 1]);
            return 1;
        }
    }
    if (!device || optind >= argc) {
        fprintf(stderr, "nnmeter-build eval: needs --device and a dataset; see --help\n");
        return 1;
    }
    Device dev;
    char err[1024];
    if (device_load(device, &dev, err, sizeof err)) {
        fprintf(stderr, "nnmeter-build eval: %s\n", err);
        return 2;
    }
    if (!dev.pred) {
        fprintf(stderr, "nnmeter-build eval: device '%s' has no predictors%s%s; build them "
                        "with nnmeter-build train\n", device,
                dev.pred_error[0] ? ": " : "", dev.pred_error);
        device_free(&dev);
        return 2;
    }
    EvalCtx ctx = {.dev = &dev, .verbose = verbose};
    profiler_cost_for(&ctx, argv + optind, argc - optind);
    int rc = 0;
    for (int a = optind; a < argc && rc == 0; a++) {
        ctx.path = argv[a];
        ctx.warned_cpu = 0;
        rc = each_record(argv[a], eval_record, &ctx);
    }
    if (rc == 0) {
        printf("%-16s %6s %10s %9s %9s %9s\n", "models", "n", "RMSE(ms)", "MAPE", "±5%",
               "±10%");
        for (int i = 0; i < ctx.nfam; i++)
            acc_print(ctx.fams[i].family, &ctx.fams[i]);
        acc_print("ALL MODELS", &ctx.all);
        acc_print("KERNELS", &ctx.kern);
        for (int i = 0; i < ctx.nkey; i++) {
            char label[40];
            snprintf(label, sizeof label, "  %s", ctx.keys[i].family);
            acc_print(label, &ctx.keys[i]);
        }
        if (ctx.all.n)
            printf("predicted range holds the measurement for %d of %d models (%.1f%%)\n",
                   ctx.covered, ctx.all.n, 100.0 * ctx.covered / ctx.all.n);
        if (nnoise)
            rc = noise_floor(&ctx, argv + optind, argc - optind, noise, nnoise);
    }
    device_free(&dev);
    free(ctx.kernel_records.models);
    free(ctx.kernel_records.lat);
    free(ctx.profiled.models);
    free(ctx.profiled.lat);
    if (ctx.failed)
        fprintf(stderr, "nnmeter-build eval: %d models could not be predicted\n", ctx.failed);
    if (rc == 3)
        fprintf(stderr, "nnmeter-build eval: out of memory\n");
    return rc ? rc : (ctx.failed ? 2 : 0);
}
