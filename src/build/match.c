/* match.c -- runtime profiles against detected kernels (see match.h). */
#include "match.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datafile.h"
#include "filehash.h"
#include "linfit.h"
#include "measure.h"
#include "model.h"
#include "predict/kernel_features.h"
#include "predict/predict.h"

/* The record's profile as RuntimeKernel entries (pointing into record). */
static RuntimeKernel *record_kernels(const cJSON *prof, int *n)
{
    int cap = cJSON_GetArraySize(prof);
    RuntimeKernel *rk = calloc((size_t)(cap ? cap : 1), sizeof *rk);
    *n = 0;
    if (!rk)
        return NULL;
    for (const cJSON *e = prof->child; e && *n < cap; e = e->next) {
        RuntimeKernel *r = &rk[(*n)++];
        r->name = cJSON_GetStringValue(cJSON_GetObjectItem(e, "name"));
        r->op = cJSON_GetStringValue(cJSON_GetObjectItem(e, "op_name"));
        r->ms = cJSON_GetNumberValue(cJSON_GetObjectItem(e, "dur_ms"));
        shape_unknown(&r->output);
        const cJSON *dims = cJSON_GetObjectItem(e, "output_shape");
        if (cJSON_IsArray(dims) && cJSON_GetArraySize(dims) <= GRAPH_MAX_DIMS) {
            r->output.ndim = 0;
            for (const cJSON *d = dims->child; d; d = d->next) {
                if (!cJSON_IsNumber(d)) {
                    shape_unknown(&r->output);
                    break;
                }
                r->output.dims[r->output.ndim++] = (int64_t)d->valuedouble;
            }
        }
    }
    return rk;
}

int match_profile(const Graph *g, const DeviceView *v, const cJSON *record, MatchResult *m)
{
    memset(m, 0, sizeof *m);
    const cJSON *prof = cJSON_GetObjectItem(cJSON_GetObjectItem(record, "profile"), "kernels");
    if (!cJSON_IsArray(prof))
        return -1;
    int n;
    RuntimeKernel *rk = record_kernels(prof, &n);
    if (!rk)
        return -1;
    int rc = profile_match(g, &v->part, &v->dev->rules, rk, n, m);
    free(rk);
    return rc;
}

/* ---- kernel truth ---------------------------------------------------------
 * The profiler inflates what it times: every kernel it records costs
 * some microseconds more than in an unprofiled run, and a contended
 * moment inflates all of them.  A whole model's profiled kernels can add
 * up to three times its measured latency.  So a kernel's time is taken as
 * its share of the measured (unprofiled) latency: each profiled time less
 * the per-kernel profiler cost (the device's, fitted on its models: see
 * match.h), scaled so that all of a model's runtime kernels add up to its
 * latency less the fixed cost of a run.  A cost taken from another CPU
 * distorts every label: the EPYC's 11 us on the Xeon (3.0 us) cut each
 * kernel under 15 us to a quarter of its profiled time and gave the time
 * to the big kernels -- more of it the more small kernels a model has. */

static double debiased(double ms, double cost)
{
    double d = ms - cost;
    return d > 0.25 * ms ? d : 0.25 * ms;
}

double match_truth_scale(const cJSON *record, double profiler_cost_ms)
{
    const cJSON *prof = cJSON_GetObjectItem(cJSON_GetObjectItem(record, "profile"), "kernels");
    double lat = cJSON_GetNumberValue(cJSON_GetObjectItem(record, "latency_ms"));
    double sum = 0;
    for (const cJSON *e = prof ? prof->child : NULL; e; e = e->next)
        sum += debiased(cJSON_GetNumberValue(cJSON_GetObjectItem(e, "dur_ms")), profiler_cost_ms);
    double avail = lat - MATCH_RUN_COST_MS;
    return sum > 0 && avail > 0 ? avail / sum : 0;
}

double match_kernel_truth(const KernelTruth *t, double scale, double profiler_cost_ms)
{
    int n = t->events + t->split;
    if (n < 1 || scale <= 0)
        return 0;
    /* the kernel's events share its summed time; debias each */
    return n * debiased(t->ms / n, profiler_cost_ms) * scale;
}

/* Room for element n of *p (doubling). */
static int grow_array(void **p, int *cap, int n, size_t size)
{
    if (n < *cap)
        return 0;
    int nc = *cap ? *cap * 2 : 256;
    void *q = realloc(*p, (size_t)nc * size);
    if (!q)
        return -1;
    *p = q;
    *cap = nc;
    return 0;
}

/* One fit row per profiled record: its profiled sum, events and latency. */
static int cost_rows_of_file(const char *path, FitRow **rows, int *n, int *cap, char *err,
                             size_t errlen)
{
    FILE *in = datafile_open(path);
    if (!in) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t lcap = 0;
    cJSON *header = NULL;
    int rc = 0;
    while (rc == 0 && getline(&line, &lcap, in) > 0) {
        cJSON *rec = cJSON_Parse(line);
        if (!rec || measure_record_inherit(rec, &header)) {
            cJSON_Delete(rec);  /* a bad line is reported by the main pass */
            continue;
        }
        const cJSON *prof =
            cJSON_GetObjectItem(cJSON_GetObjectItem(rec, "profile"), "kernels");
        double lat = cJSON_GetNumberValue(cJSON_GetObjectItem(rec, "latency_ms"));
        double sum = 0;
        int events = 0;
        for (const cJSON *e = cJSON_IsArray(prof) ? prof->child : NULL; e; e = e->next, events++)
            sum += cJSON_GetNumberValue(cJSON_GetObjectItem(e, "dur_ms"));
        if (events > 0 && sum > 0 && lat > 0) {
            if (grow_array((void **)rows, cap, *n, sizeof **rows))
                rc = -1;
            else
                (*rows)[(*n)++] = (FitRow){sum, events, lat, lat};
        }
        cJSON_Delete(rec);
    }
    if (rc)
        snprintf(err, errlen, "out of memory");
    else if (ferror(in)) {
        snprintf(err, errlen, "'%s' is corrupt or cut short; restore it or measure again", path);
        rc = -1;
    }
    cJSON_Delete(header);
    free(line);
    fclose(in);
    return rc;
}

int match_fit_profiler_cost(char *const *files, int n, double *cost_ms, int *nmodels,
                            char *err, size_t errlen)
{
    FitRow *rows = NULL;
    int nr = 0, cap = 0, rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        rc = cost_rows_of_file(files[i], &rows, &nr, &cap, err, errlen);
    double c[3];
    if (rc == 0 && nr < MATCH_COST_MIN_MODELS) {
        snprintf(err, errlen, "%d profiled models are too few to fit the profiler's cost per "
                 "kernel (at least %d: give the zoo models' measurements, or "
                 "--profiler-cost MS)", nr, MATCH_COST_MIN_MODELS);
        rc = -1;
    } else if (rc == 0 && (fit3(rows, nr, c) || !(c[1] > 0))) {
        snprintf(err, errlen, "the profiler's cost per kernel does not fit these %d models "
                 "(latency does not grow with the profiled sum); give --profiler-cost MS", nr);
        rc = -1;
    }
    *nmodels = nr;
    if (rc == 0)
        *cost_ms = -c[2] / c[1] > 0 ? -c[2] / c[1] : 0;
    free(rows);
    return rc;
}

/* ---- kernels measured alone -------------------------------------------- */

/* A kernel's time from its single-kernel model's latency: less the run's
 * fixed cost, but never below a quarter of the latency (a copy-only
 * kernel can measure under the run cost; a zero would drop it). */
double match_alone_truth(double latency, double run_cost)
{
    double d = latency - run_cost;
    return d > 0.25 * latency ? d : 0.25 * latency;
}

/* One kernel sample as a JSON line: the kernel's key, family, ops and
 * features, its time ms and, for a profiled kernel, profiled_ms (< 0:
 * none).  Returns -1 when the kernel's features are unknown. */
static int write_sample(FILE *f, const Graph *g, const DeviceView *v, const Kernel *k,
                        const char *model, double ms, double profiled_ms)
{
    Features ft;
    if (kernel_features(g, &v->ng, k, &ft))
        return -1;
    char key[32];
    kernel_key(&v->ng, k, key);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "model", model);
    cJSON_AddStringToObject(o, "kernel", g->nodes[k->anchor].name);
    cJSON_AddStringToObject(o, "key", key);
    cJSON_AddStringToObject(o, "family", family_name(ft.family));
    cJSON_AddStringToObject(o, "ops", k->ops);
    cJSON *fa = cJSON_AddArrayToObject(o, "features");
    for (int j = 0; j < ft.n; j++)
        cJSON_AddItemToArray(fa, cJSON_CreateNumber(ft.v[j]));
    cJSON_AddNumberToObject(o, "ms", ms);
    if (profiled_ms >= 0)
        cJSON_AddNumberToObject(o, "profiled_ms", profiled_ms);
    char *s = cJSON_PrintUnformatted(o);
    if (s)
        fprintf(f, "%s\n", s);
    cJSON_free(s);
    cJSON_Delete(o);
    return 0;
}

/* A single-kernel model measured whole: one kernel sample, labelled with
 * its latency less the runtime's cost of a run. */
static int write_alone_sample(FILE *f, const Graph *g, const DeviceView *v, const char *model,
                              double label)
{
    if (v->part.nkernels != 1 || !(label > 0))
        return -1;
    return write_sample(f, g, v, &v->part.kernels[0], model, label, -1);
}

/* What the measurements say about the models of a --split manifest. */
typedef struct {
    char *file;               /* a measured single-kernel model */
    double label;             /* its latency less the run cost */
} AloneLabel;

typedef struct {
    char *model;              /* a whole model measured without a profile */
    double latency;
    double act_mb, param_mb;  /* its kernels' memory traffic (kernel_traffic) */
    char runtime[128];
    char cpu[128];            /* where it was measured: train names the device's CPU */
} WholeRec;

typedef struct {
    AloneLabel *lab;
    int nlab, caplab;
    WholeRec *whole;
    int nwhole, capwhole;
} SplitData;

static double alone_label(const SplitData *sd, const char *file)
{
    for (int i = 0; i < sd->nlab; i++)
        if (strcmp(sd->lab[i].file, file) == 0)
            return sd->lab[i].label;
    return -1;
}

/* For every whole model of the manifest that was measured: the sum of its
 * kernels' alone labels.  One kernel the runtime cannot run alone may be
 * missing (XNNPACK: the Flatten of a feature map into the classifier,
 * a copy of a few KB, about a microsecond); with more, no record, since
 * the sum would say less than the model runs. */
static int write_split_models(FILE *mf, const char *manifest, const SplitData *sd,
                              double run_cost)
{
    FILE *in = fopen(manifest, "r");
    if (!in)
        return -1;
    double *sum = calloc((size_t)(sd->nwhole ? sd->nwhole : 1), sizeof *sum);
    int *count = calloc((size_t)(sd->nwhole ? sd->nwhole : 1), sizeof *count);
    int *missing = calloc((size_t)(sd->nwhole ? sd->nwhole : 1), sizeof *missing);
    char *line = NULL;
    size_t cap = 0;
    while (sum && count && missing && getline(&line, &cap, in) > 0) {
        cJSON *o = cJSON_Parse(line);
        const char *model = cJSON_GetStringValue(cJSON_GetObjectItem(o, "model"));
        const char *file = cJSON_GetStringValue(cJSON_GetObjectItem(o, "file"));
        for (int w = 0; model && file && w < sd->nwhole; w++)
            if (strcmp(sd->whole[w].model, model) == 0) {
                double l = alone_label(sd, file);
                count[w]++;
                if (l > 0)
                    sum[w] += l;
                else
                    missing[w]++;
            }
        cJSON_Delete(o);
    }
    free(line);
    fclose(in);
    int written = 0;
    for (int w = 0; sum && count && missing && w < sd->nwhole; w++)
        if (count[w] > 0 && missing[w] <= 1) {
            fprintf(mf, "{\"model\":\"%s\",\"latency_ms\":%.6f,\"label_sum_ms\":%.6f,"
                    "\"kernels\":%d,\"unmeasured\":%d,\"act_mb\":%.6f,\"param_mb\":%.6f,"
                    "\"run_cost_ms\":%.6f,\"runtime\":\"%s\",\"cpu\":\"%s\"}\n",
                    sd->whole[w].model, sd->whole[w].latency, sum[w], count[w], missing[w],
                    sd->whole[w].act_mb, sd->whole[w].param_mb, run_cost, sd->whole[w].runtime,
                    sd->whole[w].cpu);
            written++;
        }
    free(sum);
    free(count);
    free(missing);
    return written;
}

static void split_data_free(SplitData *sd)
{
    for (int i = 0; i < sd->nlab; i++)
        free(sd->lab[i].file);
    for (int i = 0; i < sd->nwhole; i++)
        free(sd->whole[i].model);
    free(sd->lab);
    free(sd->whole);
}

/* ---- the subcommand ---------------------------------------------------- */

int match_record_inputs(const cJSON *rec, InputSpec *specs, int max)
{
    const cJSON *in = cJSON_GetObjectItem(rec, "inputs");
    int n = 0;
    for (const cJSON *e = in ? in->child : NULL; e && n < max; e = e->next) {
        InputSpec *s = &specs[n++];
        snprintf(s->name, sizeof s->name, "%s", e->string);
        shape_unknown(&s->shape);
        s->shape.ndim = 0;
        for (const cJSON *d = e->child; d && s->shape.ndim < GRAPH_MAX_DIMS; d = d->next)
            s->shape.dims[s->shape.ndim++] = (int64_t)d->valuedouble;
    }
    return n;
}

static void write_kernel_samples(FILE *f, const Graph *g, const DeviceView *v,
                                 const MatchResult *m, const char *model, double scale,
                                 double cost)
{
    for (int i = 0; i < v->part.nkernels; i++) {
        const KernelTruth *t = &m->k[i];
        if (t->events == 1 || (t->events == 0 && t->split > 0))
            write_sample(f, g, v, &v->part.kernels[i], model,
                         match_kernel_truth(t, scale, cost), t->ms);
    }
}

/* A flag's milliseconds from 0 to max into *out; -1 when s is not one. */
static int parse_ms(const char *s, double max, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (*end || end == s || !(v >= 0) || v > max)
        return -1;
    *out = v;
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: nnmeter-build match --device NAME [--kernels OUT.jsonl] "
               "[--models OUT.jsonl] [--split SPLIT.jsonl] [--run-cost MS]\n"
               "                           [--profiler-cost MS] [--verbose] DATA.jsonl...\n"
               "Compares the kernels NAME's rules detect with the kernels the runtime\n"
               "executed (the profiles in measurement records), prints the agreement,\n"
               "and writes per-kernel training samples and per-model overheads.\n"
               "A record without a profile whose model is one kernel (sample --split,\n"
               "sample --per-model 1) is a sample of that kernel: its latency less\n"
               "--run-cost (the runtime's cost of an empty run; default %.3f ms, ONNX\n"
               "Runtime through Node).  --split: the manifest sample --split wrote;\n"
               "whole models then get, in --models, the sum of their kernels' samples,\n"
               "and profiles are not used: every label is a time measured alone.\n"
               "A profiled kernel's label is its share of the model's latency, each\n"
               "profiled time less what the profiler adds per kernel on this CPU:\n"
               "fitted on the profiled records given (at least %d; the fit is printed\n"
               "and kept in --models' records as profiler_cost_ms), or --profiler-cost\n"
               "MS (the build passes the training models' fit to its kernel match).\n",
               MATCH_RUN_COST_MS, MATCH_COST_MIN_MODELS);
}

int match_main(int argc, char **argv)
{
    const char *device = NULL, *kout = NULL, *mout = NULL, *split = NULL;
    int verbose = 0;
    double run_cost = MATCH_RUN_COST_MS, cost = -1;
    static const struct option longopts[] = {
        {"device", required_argument, 0, 'd'}, {"kernels", required_argument, 0, 'k'},
        {"models", required_argument, 0, 'm'}, {"verbose", no_argument, 0, 'v'},
        {"split", required_argument, 0, 's'}, {"run-cost", required_argument, 0, 'r'},
        {"profiler-cost", required_argument, 0, 'c'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":d:k:m:s:r:c:vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': device = optarg; break;
        case 'k': kout = optarg; break;
        case 'm': mout = optarg; break;
        case 'v': verbose = 1; break;
        case 's': split = optarg; break;
        case 'r':
            if (parse_ms(optarg, 1000, &run_cost)) {
                fprintf(stderr, "nnmeter-build match: --run-cost wants milliseconds >= 0, "
                                "not '%s'\n", optarg);
                return 1;
            }
            break;
        case 'c':
            if (parse_ms(optarg, 1, &cost)) {
                fprintf(stderr, "nnmeter-build match: --profiler-cost wants milliseconds "
                                "from 0 to 1, not '%s'\n", optarg);
                return 1;
            }
            break;
        case 'h': usage(stdout); return 0;
        default:
            fprintf(stderr, "nnmeter-build match: bad option '%s'; see --help\n",
                    argv[optind - 1]);
            return 1;
        }
    }
    if (!device || optind >= argc) {
        fprintf(stderr, "nnmeter-build match: needs --device and measurement files; see --help\n");
        return 1;
    }
    char err[1024];
    Device dev;
    if (device_load(device, &dev, err, sizeof err)) {
        fprintf(stderr, "nnmeter-build match: %s\n", err);
        return 2;
    }
    FILE *kf = kout ? fopen(kout, "w") : NULL;
    FILE *mf = mout ? fopen(mout, "w") : NULL;
    if ((kout && !kf) || (mout && !mf)) {
        fprintf(stderr, "nnmeter-build match: cannot write output: %s\n", strerror(errno));
        device_free(&dev);
        return 3;
    }
    if (cost < 0 && !split) {
        int nfit = 0;
        if (match_fit_profiler_cost(argv + optind, argc - optind, &cost, &nfit, err,
                                    sizeof err) == 0)
            printf("profiler: %.4f ms per kernel it times (fitted on %d profiled models)\n",
                   cost, nfit);
        else if (nfit > 0) {
            fprintf(stderr, "nnmeter-build match: %s\n", err);
            if (kf)
                fclose(kf);
            if (mf)
                fclose(mf);
            device_free(&dev);
            return 2;
        }
        else
            cost = 0;  /* nothing profiled: the cost is never used */
    }
    long agree = 0, total = 0, models = 0, perfect = 0, alone = 0;
    SplitData sd = {0};
    int code = 0;
    for (int a = optind; a < argc; a++) {
        FILE *in = datafile_open(argv[a]);
        if (!in) {
            fprintf(stderr, "nnmeter-build match: cannot open '%s': %s\n", argv[a],
                    strerror(errno));
            code = 2;
            continue;
        }
        char *line = NULL;
        size_t cap = 0;
        int lineno = 0;
        cJSON *header = NULL;    /* the run's shared fields (measure.h) */
        while (getline(&line, &cap, in) > 0) {
            lineno++;
            cJSON *rec = cJSON_Parse(line);
            if (rec && measure_record_inherit(rec, &header)) {
                cJSON_Delete(rec);
                continue;
            }
            const char *model = cJSON_GetStringValue(cJSON_GetObjectItem(rec, "model"));
            if (!model) {
                fprintf(stderr, "nnmeter-build match: %s:%d is not a measurement record\n",
                        argv[a], lineno);
                cJSON_Delete(rec);
                code = 2;
                continue;
            }
            if (record_hash_check(rec, err, sizeof err)) {
                fprintf(stderr, "nnmeter-build match: %s:%d: %s\n", argv[a], lineno, err);
                cJSON_Delete(rec);
                code = 2;
                continue;
            }
            InputSpec specs[16];
            int ns = match_record_inputs(rec, specs, 16);
            int oc;
            Graph *g = model_open(model, specs, ns, err, sizeof err, &oc);
            DeviceView v;
            MatchResult m;
            if (!g || device_view(g, &dev, &v)) {
                fprintf(stderr, "nnmeter-build match: %s: %s\n", model, g ? "out of memory" : err);
                graph_free(g);
                cJSON_Delete(rec);
                code = 2;
                continue;
            }
            /* with --split every kernel label comes from a model measured
             * alone: a profile is not mixed in (its labels are shares of a
             * model's latency, not times of their own) */
            memset(&m, 0, sizeof m);
            if (!split && match_profile(g, &v, rec, &m) == 0) {
                int t = m.nkernels + m.theirs_only;
                agree += m.agree;
                total += t;
                models++;
                perfect += m.agree == t;
                if (verbose || m.agree != t)
                    printf("%-50s %4d/%-4d kernels agree%s%s\n", model, m.agree, t,
                           m.first_problem[0] ? "  e.g. " : "", m.first_problem);
                double scale = match_truth_scale(rec, cost);
                if (kf && scale > 0)
                    write_kernel_samples(kf, g, &v, &m, model, scale, cost);
                if (mf) {
                    double lat = cJSON_GetNumberValue(cJSON_GetObjectItem(rec, "latency_ms"));
                    double act, param;  /* as predictor_total_ms takes it */
                    partition_traffic(g, &v.part, &act, &param);
                    const char *rt = cJSON_GetStringValue(cJSON_GetObjectItem(rec, "runtime"));
                    const char *cpu = cJSON_GetStringValue(cJSON_GetObjectItem(rec, "cpu"));
                    fprintf(mf, "{\"model\":\"%s\",\"latency_ms\":%.6f,\"kernel_sum_ms\":%.6f,"
                            "\"reorder_ms\":%.6f,\"reorders\":%d,\"free_ms\":%.6f,"
                            "\"kernels\":%d,\"matched\":%d,\"events\":%d,"
                            "\"truth_scale\":%.6f,\"run_cost_ms\":%.6f,\"profiler_cost_ms\":%.6f,"
                            "\"act_mb\":%.6f,\"runtime\":\"%s\",\"cpu\":\"%s\"}\n",
                            model, lat, m.kernel_sum_ms, m.reorder_ms, m.reorders, m.free_ms,
                            m.nkernels, m.agree, m.events, scale, MATCH_RUN_COST_MS, cost, act,
                            rt ? rt : "", cpu ? cpu : "");
                }
            }
            else if (split || !cJSON_GetObjectItem(rec, "profile") ||
                     cJSON_IsNull(cJSON_GetObjectItem(rec, "profile"))) {
                double lat = cJSON_GetNumberValue(cJSON_GetObjectItem(rec, "latency_ms"));
                const char *rt = cJSON_GetStringValue(cJSON_GetObjectItem(rec, "runtime"));
                const char *cpu = cJSON_GetStringValue(cJSON_GetObjectItem(rec, "cpu"));
                double label = match_alone_truth(lat, run_cost);
                if (v.part.nkernels == 1 &&
                    (!kf || write_alone_sample(kf, g, &v, model, label) == 0)) {
                    alone++;
                    if (!grow_array((void **)&sd.lab, &sd.caplab, sd.nlab, sizeof *sd.lab) &&
                        (sd.lab[sd.nlab].file = strdup(model)))
                        sd.lab[sd.nlab++].label = label;
                } else if (v.part.nkernels > 1 &&
                           !grow_array((void **)&sd.whole, &sd.capwhole, sd.nwhole,
                                       sizeof *sd.whole) &&
                           (sd.whole[sd.nwhole].model = strdup(model))) {
                    WholeRec *wr = &sd.whole[sd.nwhole];
                    wr->latency = lat;
                    partition_traffic(g, &v.part, &wr->act_mb, &wr->param_mb);
                    snprintf(wr->runtime, sizeof wr->runtime, "%s", rt ? rt : "");
                    snprintf(wr->cpu, sizeof wr->cpu, "%s", cpu ? cpu : "");
                    sd.nwhole++;
                }
            }
            match_free(&m);
            device_view_free(&v);
            graph_free(g);
            cJSON_Delete(rec);
        }
        if (ferror(in)) {
            fprintf(stderr, "nnmeter-build match: '%s' is corrupt or cut short; restore it or "
                            "measure again\n", argv[a]);
            code = 2;
        }
        cJSON_Delete(header);
        free(line);
        fclose(in);
    }
    if (models || !alone)
        printf("device %s: %ld/%ld kernels agree (%.2f%%) over %ld models, %ld models fully\n",
               device, agree, total, total ? 100.0 * agree / total : 0, models, perfect);
    if (split && mf) {
        int w = write_split_models(mf, split, &sd, run_cost);
        if (w < 0) {
            fprintf(stderr, "nnmeter-build match: cannot read '%s': %s\n", split, strerror(errno));
            code = 2;
        } else {
            printf("device %s: %d of %d whole models have their kernels measured alone\n",
                   device, w, sd.nwhole);
        }
    }
    if (alone)
        printf("device %s: %ld kernels measured alone (run cost %.4f ms)\n", device, alone,
               run_cost);
    split_data_free(&sd);
    if (kf)
        fclose(kf);
    if (mf)
        fclose(mf);
    device_free(&dev);
    return code;
}
