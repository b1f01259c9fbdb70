/* predict.c -- load and evaluate a device's predictors (see predict.h).
 *
 * File format (format 1), all JSON:
 *   meta.json  {"format":1, "device", "runtime", "cpu", "threads", "date",
 *               "protocol", "overhead":{"model_ms", "kernel_ms", "kernel_scale",
 *               "ms_per_act_mb", "ms_per_param_mb", "scale_per_ln_act_mb",
 *               "scale_per_act_mb", "act_mb_cap"},
 *               "profiler_fit":{"cost_ms" (what the labels took off each profiled
 *               kernel; for nnmeter-build eval), ...},
 *               "fallback":{"base_ms", "ms_per_mflop", "ms_per_kb"}, ...}
 *   KEY.json   {"format":1, "key", "family", "features":[names], "target":"log_ms"
 *               or "log_ms_per_unit" with "unit":feature name (the tree gives log(ms
 *               per unit of that feature); kernel_features.h says why),
 *               "members":[{"base":b, "trees":[{"f":[..],"t":[..],"l":[..],
 *               "r":[..],"v":[..]}, ...]}, ...]}
 * A tree is arrays over its nodes: f = feature index (-1 at a leaf), t =
 * threshold (go left when x < t), l/r = children, v = leaf value.  The
 * prediction of a member is exp(base + sum of leaves); the range widens
 * the members' spread by "band", the ensemble's cross-validated 90th
 * percentile of |log(predicted/measured)|.
 */
#include "predict.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "util/datadir.h"
#include "util/text.h"

typedef struct {
    int n;
    int *f, *l, *r;
    double *t, *v;
} Tree;

typedef struct {
    double base;
    Tree *trees;
    int ntrees;
} Member;

typedef struct {
    char key[32];
    FeatureFamily family;
    int nfeatures;
    int unit;                 /* target per this feature (-1: log_ms) */
    Member *members;
    int nmembers;
    double band;              /* cross-validated 90% |log error|, for the range */
} Ensemble;

struct Predictor {
    char device[64];
    char runtime[160];
    char cpu[160];
    double model_ms, kernel_ms, kernel_scale; /* overhead terms */
    double ms_per_act_mb, ms_per_param_mb;    /* in a model vs alone */
    double scale_per_ln_act;                  /* kernel_scale grows with ln(act MB) */
    double scale_per_act, act_cap;            /* ... or with act MB, held at act_cap */
    double model_band;                        /* 90% |log error| of whole models */
    double profiler_cost;                     /* ms per profiled kernel (< 0: none) */
    double fb_base, fb_per_mflop, fb_per_kb; /* roofline fallback */
    Ensemble *ens;
    int nens;
};

static void ensemble_free(Ensemble *e)
{
    for (int m = 0; m < e->nmembers; m++) {
        for (int t = 0; t < e->members[m].ntrees; t++) {
            Tree *tr = &e->members[m].trees[t];
            free(tr->f);
            free(tr->l);
            free(tr->r);
            free(tr->t);
            free(tr->v);
        }
        free(e->members[m].trees);
    }
    free(e->members);
}

void predictor_free(Predictor *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->nens; i++)
        ensemble_free(&p->ens[i]);
    free(p->ens);
    free(p);
}

static char *read_text(const char *path, size_t max)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = n >= 0 && (size_t)n <= max ? malloc((size_t)n + 1) : NULL;
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n] = 0;
    fclose(f);
    return s;
}

static double num(const cJSON *o, const char *k, double def)
{
    const cJSON *v = cJSON_GetObjectItem(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : def;
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItem(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* The overhead and fallback terms train writes are costs, slopes and
 * bounds that cannot be negative (nor infinite: cJSON reads 1e999 as
 * inf), and the scale of a kernel sum must stay positive: a meta.json that says otherwise (edited, or from a broken
 * build) would print negative or upside-down latencies, so it is refused
 * by name like a corrupt file. */
static int check_terms(const Predictor *p, const char *path, char *err, size_t errlen)
{
    const struct {
        const char *name;
        double v;
    } terms[] = {
        {"overhead.model_ms", p->model_ms},
        {"overhead.kernel_ms", p->kernel_ms},
        {"overhead.ms_per_act_mb", p->ms_per_act_mb},
        {"overhead.ms_per_param_mb", p->ms_per_param_mb},
        {"overhead.scale_per_ln_act_mb", p->scale_per_ln_act},
        {"overhead.scale_per_act_mb", p->scale_per_act},
        {"overhead.act_mb_cap", p->act_cap},
        {"overhead.model_band", p->model_band},
        {"fallback.base_ms", p->fb_base},
        {"fallback.ms_per_mflop", p->fb_per_mflop},
        {"fallback.ms_per_kb", p->fb_per_kb},
    };
    for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++)
        if (!(terms[i].v >= 0) || !isfinite(terms[i].v)) {
            snprintf(err, errlen, "'%s' has %s = %g, which must be a finite number >= 0; "
                     "rebuild with nnmeter-build train", path, terms[i].name, terms[i].v);
            return -1;
        }
    if (!(1 + p->kernel_scale > 0) || !isfinite(p->kernel_scale)) {
        snprintf(err, errlen, "'%s' has overhead.kernel_scale = %g: the kernels' sum would be "
                 "scaled by %g, not a positive factor; rebuild with nnmeter-build train", path,
                 p->kernel_scale, 1 + p->kernel_scale);
        return -1;
    }
    return 0;
}

/* Reads an array of n numbers into a new double array. */
static int read_doubles(const cJSON *a, int n, double **out)
{
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != n)
        return -1;
    *out = malloc((size_t)(n ? n : 1) * sizeof **out);
    if (!*out)
        return -1;
    int i = 0;
    for (const cJSON *e = a->child; e; e = e->next) {
        if (!cJSON_IsNumber(e))
            return -1;
        (*out)[i++] = e->valuedouble;
    }
    return 0;
}

/* The same for indices: numbers that must be whole and fit an int. */
static int read_ints(const cJSON *a, int n, int **out)
{
    double *d = NULL;
    *out = NULL;
    if (read_doubles(a, n, &d)) {
        free(d);
        return -1;
    }
    *out = malloc((size_t)(n ? n : 1) * sizeof **out);
    int rc = *out ? 0 : -1;
    for (int i = 0; i < n && rc == 0; i++) {
        /* range first: casting an out-of-range double to int is undefined */
        if (!(d[i] >= -1 && d[i] <= 1e9) || d[i] != (double)(int)d[i])
            rc = -1;
        else
            (*out)[i] = (int)d[i];
    }
    free(d);
    return rc;
}

/* A tree is valid when every child index is in range and points forward,
 * so evaluation always ends at a leaf. */
static int read_tree(const cJSON *o, int nfeat, Tree *t)
{
    const cJSON *f = cJSON_GetObjectItem(o, "f");
    int n = cJSON_GetArraySize(f);
    t->n = n;
    if (n < 1 || read_ints(f, n, &t->f) || read_ints(cJSON_GetObjectItem(o, "l"), n, &t->l) ||
        read_ints(cJSON_GetObjectItem(o, "r"), n, &t->r) ||
        read_doubles(cJSON_GetObjectItem(o, "t"), n, &t->t) ||
        read_doubles(cJSON_GetObjectItem(o, "v"), n, &t->v))
        return -1;
    for (int i = 0; i < n; i++) {
        if (t->f[i] < 0)
            continue;
        if (t->f[i] >= nfeat || t->l[i] <= i || t->r[i] <= i || t->l[i] >= n || t->r[i] >= n)
            return -1;
    }
    return 0;
}

/* The largest |log output| a member can reach: |base| plus each tree's
 * largest |leaf|.  Trained ensembles stay under 16 (e^16 ms is hours); a
 * file whose trees can reach e^50 is not a predictor but a way to print
 * infinite latencies, and is refused as corrupt. */
#define MAX_LOG_OUTPUT 50

static double member_log_bound(const Member *mb)
{
    double bound = fabs(mb->base);
    for (int t = 0; t < mb->ntrees; t++) {
        const Tree *tr = &mb->trees[t];
        double leaf = 0;
        for (int i = 0; i < tr->n; i++)
            if (tr->f[i] < 0 && fabs(tr->v[i]) > leaf)
                leaf = fabs(tr->v[i]);
        bound += leaf;
    }
    return bound;
}

/* "target": "log_ms", or "log_ms_per_unit" with "unit" naming one of the
 * family's features (kernel_features.h: family_unit_feature). */
static int read_target(const cJSON *root, Ensemble *e, const char *path, char *err,
                       size_t errlen)
{
    const char *target = str(root, "target");
    e->unit = -1;
    if (strcmp(target, "log_ms") == 0)
        return 0;
    int nf;
    const char *const *names = family_feature_names(e->family, &nf);
    const char *unit = str(root, "unit");
    for (int j = 0; j < nf && strcmp(target, "log_ms_per_unit") == 0; j++)
        if (strcmp(names[j], unit) == 0) {
            e->unit = j;
            return 0;
        }
    snprintf(err, errlen, "predictor '%s' has target '%s' (unit '%s'), which this build "
             "cannot evaluate; rebuild it with nnmeter-build train", path, target, unit);
    return -1;
}

static int read_ensemble(const char *path, Ensemble *e, char *err, size_t errlen)
{
    char *text = read_text(path, 64u << 20);
    if (!text) {
        snprintf(err, errlen, "cannot read predictor '%s'", path);
        return -1;
    }
    cJSON *root = cJSON_Parse(text);
    free(text);
    int rc = -1;
    if (!root) {
        snprintf(err, errlen, "predictor '%s' is not valid JSON; rebuild it with "
                 "nnmeter-build train", path);
        return -1;
    }
    if (num(root, "format", -1) != PREDICTOR_FORMAT) {
        snprintf(err, errlen, "predictor '%s' has format %g, this build reads format %d; "
                 "rebuild it with nnmeter-build train", path, num(root, "format", -1),
                 PREDICTOR_FORMAT);
        goto out;
    }
    snprintf(e->key, sizeof e->key, "%s", str(root, "key"));
    e->band = num(root, "band", 0);
    e->family = feature_family(str(root, "family"));
    /* the family name is stored; map it back through the table */
    for (int f = 0; f < FAM_COUNT; f++)
        if (strcmp(family_name((FeatureFamily)f), str(root, "family")) == 0)
            e->family = (FeatureFamily)f;
    /* all the family's features, or all but its context features (a
     * predictor trained with --no-context): a prefix of the vector */
    int nf, nctx = family_context_features(e->family);
    const char *const *names = family_feature_names(e->family, &nf);
    const cJSON *fa = cJSON_GetObjectItem(root, "features");
    e->nfeatures = cJSON_GetArraySize(fa);
    int names_ok = e->nfeatures == nf || (nctx > 0 && e->nfeatures == nf - nctx);
    int j = 0;
    for (const cJSON *x = fa ? fa->child : NULL; x && names_ok; x = x->next, j++)
        names_ok = cJSON_IsString(x) && strcmp(x->valuestring, names[j]) == 0;
    if (!names_ok) {
        snprintf(err, errlen, "predictor '%s' was trained on %d features that are not this "
                 "build's %d %s features; rebuild it with nnmeter-build train", path,
                 e->nfeatures, nf, family_name(e->family));
        goto out;
    }
    if (read_target(root, e, path, err, errlen))
        goto out;
    const cJSON *members = cJSON_GetObjectItem(root, "members");
    int nm = cJSON_GetArraySize(members);
    e->members = calloc((size_t)(nm ? nm : 1), sizeof *e->members);
    if (nm < 1 || !e->members)
        goto bad;
    for (const cJSON *m = members->child; m; m = m->next) {
        Member *mb = &e->members[e->nmembers++];
        mb->base = num(m, "base", 0);
        const cJSON *trees = cJSON_GetObjectItem(m, "trees");
        int nt = cJSON_GetArraySize(trees);
        mb->trees = calloc((size_t)(nt ? nt : 1), sizeof *mb->trees);
        if (!mb->trees)
            goto bad;
        for (const cJSON *t = trees ? trees->child : NULL; t; t = t->next)
            if (read_tree(t, e->nfeatures, &mb->trees[mb->ntrees++]))
                goto bad;
        if (!(member_log_bound(mb) <= MAX_LOG_OUTPUT))
            goto range;
    }
    if (!(e->band >= 0) || !isfinite(e->band))
        goto range;
    rc = 0;
    goto out;
range:
    snprintf(err, errlen, "predictor '%s' is corrupt (a band that is negative or infinite, "
             "or trees that can predict over e^%d ms); rebuild it with nnmeter-build train", path,
             MAX_LOG_OUTPUT);
    goto out;
bad:
    snprintf(err, errlen, "predictor '%s' is corrupt (bad tree arrays); rebuild it with "
             "nnmeter-build train", path);
out:
    cJSON_Delete(root);
    return rc;
}

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n > k && strcmp(s + n - k, suf) == 0;
}

static Predictor *load_predictor(const char *device, char *err, size_t errlen)
{
    err[0] = 0;
    char dir[600], path[900];
    snprintf(dir, sizeof dir, "%s/predictors/%s", nnm_datadir(), device);
    snprintf(path, sizeof path, "%s/meta.json", dir);
    char *text = read_text(path, 16u << 20);
    if (!text)
        return NULL; /* no predictors: a rules-only device */
    cJSON *meta = cJSON_Parse(text);
    free(text);
    if (!meta) {
        snprintf(err, errlen, "'%s' is not valid JSON; rebuild with nnmeter-build train", path);
        return NULL;
    }
    Predictor *p = calloc(1, sizeof *p);
    if (!p) {
        cJSON_Delete(meta);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (num(meta, "format", -1) != PREDICTOR_FORMAT) {
        snprintf(err, errlen, "'%s' has format %g, this build reads format %d; rebuild with "
                 "nnmeter-build train", path, num(meta, "format", -1), PREDICTOR_FORMAT);
        goto fail;
    }
    snprintf(p->device, sizeof p->device, "%s", device);
    snprintf(p->runtime, sizeof p->runtime, "%s", str(meta, "runtime"));
    snprintf(p->cpu, sizeof p->cpu, "%s", str(meta, "cpu"));
    const cJSON *ov = cJSON_GetObjectItem(meta, "overhead");
    p->model_ms = num(ov, "model_ms", 0);
    p->kernel_ms = num(ov, "kernel_ms", 0);
    p->kernel_scale = num(ov, "kernel_scale", 0);
    p->ms_per_act_mb = num(ov, "ms_per_act_mb", 0);
    p->scale_per_ln_act = num(ov, "scale_per_ln_act_mb", 0);
    p->scale_per_act = num(ov, "scale_per_act_mb", 0);
    p->act_cap = num(ov, "act_mb_cap", 0);
    p->ms_per_param_mb = num(ov, "ms_per_param_mb", 0);
    p->model_band = num(ov, "model_band", 0);
    p->profiler_cost = num(cJSON_GetObjectItem(meta, "profiler_fit"), "cost_ms", -1);
    const cJSON *fb = cJSON_GetObjectItem(meta, "fallback");
    p->fb_base = num(fb, "base_ms", 0.001);
    p->fb_per_mflop = num(fb, "ms_per_mflop", 1e-3);
    p->fb_per_kb = num(fb, "ms_per_kb", 1e-4);
    cJSON_Delete(meta);
    meta = NULL;
    if (check_terms(p, path, err, errlen))
        goto fail;
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (!has_suffix(de->d_name, ".json") || strcmp(de->d_name, "meta.json") == 0)
            continue;
        Ensemble *ne = realloc(p->ens, (size_t)(p->nens + 1) * sizeof *ne);
        if (!ne)
            break;
        p->ens = ne;
        memset(&p->ens[p->nens], 0, sizeof *ne);
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (read_ensemble(path, &p->ens[p->nens], err, errlen)) {
            ensemble_free(&p->ens[p->nens]);
            closedir(d);
            goto fail;
        }
        p->nens++;
    }
    if (d)
        closedir(d);
    return p;
fail:
    cJSON_Delete(meta);
    predictor_free(p);
    return NULL;
}

/* Messages quote the files' own strings (a target, a unit): one line. */
Predictor *predictor_load(const char *device, char *err, size_t errlen)
{
    Predictor *p = load_predictor(device, err, errlen);
    if (!p)
        text_one_line(err);
    return p;
}

void kernel_key(const NormGraph *ng, const Kernel *k, char out[32])
{
    const char *first = ng->units[k->units[0]].token;
    snprintf(out, 32, "%.31s", feature_family(first) == FAM_CONV ? first : k->type);
}

static double tree_eval(const Tree *t, const double *x)
{
    int i = 0;
    /* compared in single precision, as XGBoost trained them */
    while (t->f[i] >= 0)
        i = (float)x[t->f[i]] < (float)t->t[i] ? t->l[i] : t->r[i];
    return t->v[i];
}

static const Ensemble *find(const Predictor *p, const char *key)
{
    for (int i = 0; i < p->nens; i++)
        if (strcmp(p->ens[i].key, key) == 0)
            return &p->ens[i];
    return NULL;
}

static void roofline(const Predictor *p, const Graph *g, const Kernel *k, Prediction *out)
{
    double flops = 0, bytes = 0;
    for (int i = 0; i < k->nnodes; i++) {
        const Cost *c = &g->nodes[k->nodes[i]].cost;
        flops += c->flops;
        bytes += (double)(c->bytes_read + c->bytes_written);
    }
    double base = p ? p->fb_base : 0.001, pf = p ? p->fb_per_mflop : 1e-3,
           pb = p ? p->fb_per_kb : 1e-4;
    out->ms = base + pf * flops / 1e6 + pb * bytes / 1e3;
    out->lo = out->ms * 0.5;
    out->hi = out->ms * 2.0;
    out->source = PRED_FALLBACK;
}

void predict_kernel(const Predictor *p, const Graph *g, const NormGraph *ng, const Kernel *k,
                    Prediction *out)
{
    memset(out, 0, sizeof *out);
    kernel_key(ng, k, out->key);
    Features f;
    const Ensemble *e = NULL;
    int ok = kernel_features(g, ng, k, &f) == 0;
    if (p && ok) {
        e = find(p, out->key);
        out->source = PRED_MODEL;
        if (!e || e->family != f.family) {
            e = find(p, family_name(f.family));
            out->source = PRED_FAMILY;
        }
        if (e && e->family != f.family)
            e = NULL;
    }
    if (!e) {
        roofline(p, g, k, out);
        return;
    }
    double sum = 0, lo = INFINITY, hi = 0;
    for (int m = 0; m < e->nmembers; m++) {
        const Member *mb = &e->members[m];
        double s = mb->base;
        for (int t = 0; t < mb->ntrees; t++)
            s += tree_eval(&mb->trees[t], f.v);
        double ms = exp(s) * family_unit(e->unit, f.v);
        sum += ms;
        lo = ms < lo ? ms : lo;
        hi = ms > hi ? ms : hi;
    }
    double extra = predictor_in_model_ms(p, g, k);
    out->ms = sum / e->nmembers + extra;
    out->lo = lo * exp(-e->band) + extra;
    out->hi = hi * exp(e->band) + extra;
}

void kernel_traffic(const Graph *g, const Kernel *k, double *act_mb, double *param_mb)
{
    double bytes = 0, params = 0;
    for (int i = 0; i < k->nnodes; i++) {
        const Cost *c = &g->nodes[k->nodes[i]].cost;
        bytes += (double)c->bytes_read + (double)c->bytes_written;
        params += 4.0 * (double)c->params;
    }
    *param_mb = params / 1e6;
    *act_mb = bytes > params ? (bytes - params) / 1e6 : 0;
}

void partition_traffic(const Graph *g, const Partition *part, double *act_mb, double *param_mb)
{
    *act_mb = *param_mb = 0;
    for (int i = 0; i < part->nkernels; i++) {
        double a, w;
        kernel_traffic(g, &part->kernels[i], &a, &w);
        *act_mb += a;
        *param_mb += w;
    }
}

void predictor_in_model_parts(const Predictor *p, const Graph *g, const Kernel *k,
                              double *weights_ms, double *act_ms)
{
    *weights_ms = *act_ms = 0;
    if (!p || (p->ms_per_act_mb == 0 && p->ms_per_param_mb == 0))
        return;
    double act, param;
    kernel_traffic(g, k, &act, &param);
    *weights_ms = p->ms_per_param_mb * param;
    *act_ms = p->ms_per_act_mb * act;
}

double predictor_in_model_ms(const Predictor *p, const Graph *g, const Kernel *k)
{
    double w, a;
    predictor_in_model_parts(p, g, k, &w, &a);
    return a + w;
}

double predictor_model_band(const Predictor *p)
{
    return p ? p->model_band : 0;
}

double act_mb_ln(double act_mb)
{
    return log(act_mb > 1 ? act_mb : 1);
}

double act_mb_capped(double act_mb, double cap)
{
    return act_mb < cap ? act_mb : cap;
}

double predictor_total_ms(const Predictor *p, double kernel_sum_ms, int nkernels, double act_mb)
{
    if (!p)
        return kernel_sum_ms;
    double scale = 1 + p->kernel_scale + p->scale_per_ln_act * act_mb_ln(act_mb) +
                   p->scale_per_act * act_mb_capped(act_mb, p->act_cap);
    return p->model_ms + p->kernel_ms * nkernels + scale * kernel_sum_ms;
}

const char *predictor_runtime(const Predictor *p)
{
    return p ? p->runtime : "";
}

const char *predictor_cpu(const Predictor *p)
{
    return p ? p->cpu : "";
}

double predictor_profiler_cost(const Predictor *p)
{
    return p ? p->profiler_cost : -1;
}
