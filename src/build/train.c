/* train.c -- train a device's kernel predictors with libxgboost (see train.h).
 *
 * Target: log(ms), so the trees fit relative error, which is what ±10%
 * accuracy asks for.  Trees are exported from XGBoost's JSON model into
 * our compact format (src/predict/predict.c documents it).
 */
#include "train.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <xgboost/c_api.h>

#include "linfit.h"
#include "match.h"
#include "measure.h"
#include "predict/kernel_features.h"
#include "predict/predict.h"
#include "util/hostcpu.h"

typedef struct {
    char model[256];
    char key[32];
    int family;
    double f[FEAT_MAX];
    double ms;
    double oof;               /* out-of-fold prediction (ms) */
    int in_model;             /* from a whole training model (--models), not a
                                 sampled kernel model (prior, adaptive round) */
} Sample;

typedef struct {
    int rounds, depth, folds, min_samples;
    double eta;
    int unit;                 /* the group's target: per this feature, or -1 */
    int no_context;           /* leave out the families' context features */
} TrainOpts;

/* ---- input ----------------------------------------------------------------- */

static int family_index(const char *name)
{
    for (int f = 0; f < FAM_COUNT; f++)
        if (strcmp(family_name((FeatureFamily)f), name) == 0)
            return f;
    return -1;
}

static Sample *load_samples(const char *path, int *n, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    Sample *s = NULL;
    int cap = 0;
    *n = 0;
    char *line = NULL;
    size_t lcap = 0;
    int lineno = 0;
    while (getline(&line, &lcap, f) > 0) {
        lineno++;
        cJSON *o = cJSON_Parse(line);
        const char *key = cJSON_GetStringValue(cJSON_GetObjectItem(o, "key"));
        const char *fam = cJSON_GetStringValue(cJSON_GetObjectItem(o, "family"));
        const char *model = cJSON_GetStringValue(cJSON_GetObjectItem(o, "model"));
        const cJSON *feat = cJSON_GetObjectItem(o, "features");
        double ms = cJSON_GetNumberValue(cJSON_GetObjectItem(o, "ms"));
        int fi = fam ? family_index(fam) : -1;
        int nf = 0;
        if (fi >= 0)
            family_feature_names((FeatureFamily)fi, &nf);
        if (!key || fi < 0 || !model || cJSON_GetArraySize(feat) != nf || !(ms > 0)) {
            snprintf(err, errlen, "%s:%d is not a kernel sample of this build "
                     "(make it with nnmeter-build match --kernels)", path, lineno);
            cJSON_Delete(o);
            free(line);
            free(s);
            fclose(f);
            return NULL;
        }
        if (*n >= cap) {
            cap = cap ? cap * 2 : 1024;
            Sample *ns = realloc(s, (size_t)cap * sizeof *ns);
            if (!ns) {
                cJSON_Delete(o);
                break;
            }
            s = ns;
        }
        Sample *x = &s[(*n)++];
        memset(x, 0, sizeof *x);
        snprintf(x->model, sizeof x->model, "%s", model);
        snprintf(x->key, sizeof x->key, "%s", key);
        x->family = fi;
        int j = 0;
        for (const cJSON *e = feat->child; e; e = e->next)
            x->f[j++] = e->valuedouble;
        x->ms = ms;
        cJSON_Delete(o);
    }
    free(line);
    fclose(f);
    return s;
}

/* ---- xgboost --------------------------------------------------------------- */

#define XGB(call)                                                                       \
    do {                                                                                \
        if ((call) != 0) {                                                              \
            fprintf(stderr, "nnmeter-build train: xgboost: %s\n", XGBGetLastError());   \
            goto fail;                                                                  \
        }                                                                               \
    } while (0)

/* The training target: log(ms per unit of a feature), or plain log(ms)
 * for unit -1 (kernel_features.h says why). */
static DMatrixHandle make_matrix(Sample *const *rows, int n, int nf, int unit, int with_labels)
{
    float *x = malloc((size_t)n * (size_t)nf * sizeof *x);
    float *y = malloc((size_t)n * sizeof *y);
    DMatrixHandle d = NULL;
    if (!x || !y)
        goto out;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < nf; j++)
            x[i * nf + j] = (float)rows[i]->f[j];
        y[i] = (float)log(rows[i]->ms / family_unit(unit, rows[i]->f));
    }
    if (XGDMatrixCreateFromMat(x, (bst_ulong)n, (bst_ulong)nf, NAN, &d) != 0) {
        d = NULL;
        goto out;
    }
    if (with_labels && XGDMatrixSetFloatInfo(d, "label", y, (bst_ulong)n) != 0) {
        XGDMatrixFree(d);
        d = NULL;
    }
out:
    free(x);
    free(y);
    return d;
}

static BoosterHandle train_booster(Sample *const *rows, int n, int nf, const TrainOpts *o,
                                   int seed)
{
    DMatrixHandle d = make_matrix(rows, n, nf, o->unit, 1);
    BoosterHandle b = NULL;
    if (!d)
        return NULL;
    char buf[32];
    XGB(XGBoosterCreate(&d, 1, &b));
    XGB(XGBoosterSetParam(b, "objective", "reg:squarederror"));
    XGB(XGBoosterSetParam(b, "tree_method", "exact"));
    snprintf(buf, sizeof buf, "%d", o->depth);
    XGB(XGBoosterSetParam(b, "max_depth", buf));
    snprintf(buf, sizeof buf, "%g", o->eta);
    XGB(XGBoosterSetParam(b, "eta", buf));
    XGB(XGBoosterSetParam(b, "subsample", "0.9"));
    XGB(XGBoosterSetParam(b, "min_child_weight", "1"));
    XGB(XGBoosterSetParam(b, "nthread", "2"));
    XGB(XGBoosterSetParam(b, "verbosity", "0"));
    snprintf(buf, sizeof buf, "%d", seed);
    XGB(XGBoosterSetParam(b, "seed", buf));
    for (int it = 0; it < o->rounds; it++)
        XGB(XGBoosterUpdateOneIter(b, it, d));
    XGDMatrixFree(d);
    return b;
fail:
    if (b)
        XGBoosterFree(b);
    XGDMatrixFree(d);
    return NULL;
}

/* Predictions in ms for rows, via xgboost itself (training-time only). */
static int booster_predict(BoosterHandle b, Sample *const *rows, int n, int nf, int unit,
                           double *out)
{
    DMatrixHandle d = make_matrix(rows, n, nf, unit, 0);
    if (!d)
        return -1;
    const bst_ulong *shape;
    bst_ulong dim;
    const float *res;
    int rc = XGBoosterPredictFromDMatrix(
        b, d, "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
              "\"iteration_end\": 0, \"strict_shape\": false}",
        &shape, &dim, &res);
    if (rc == 0)
        for (int i = 0; i < n; i++)
            out[i] = exp(res[i]) * family_unit(unit, rows[i]->f);
    XGDMatrixFree(d);
    return rc;
}

/* Appends printf-style text to a growing buffer; NULL stays NULL. */
static char *append(char *buf, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static char *append(char *buf, size_t *len, size_t *cap, const char *fmt, ...)
{
    if (!buf)
        return NULL;
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return buf;
    if (*len + (size_t)n + 1 > *cap) {
        *cap = *cap * 2 + (size_t)n + 1;
        char *nb = realloc(buf, *cap);
        if (!nb) {
            free(buf);
            return NULL;
        }
        buf = nb;
    }
    memcpy(buf + *len, tmp, (size_t)n + 1);
    *len += (size_t)n;
    return buf;
}

/* XGBoost JSON model -> {"base", "trees":[{"f","t","l","r","v"}]} as JSON
 * text.  Numbers are printed with 7 significant digits: XGBoost keeps
 * thresholds and leaves in single precision, and 17-digit doubles would
 * triple the predictor's size for nothing. */
static char *booster_export(BoosterHandle b)
{
    bst_ulong blen;
    const char *raw;
    if (XGBoosterSaveModelToBuffer(b, "{\"format\": \"json\"}", &blen, &raw) != 0)
        return NULL;
    cJSON *root = cJSON_ParseWithLength(raw, blen);
    if (!root)
        return NULL;
    cJSON *learner = cJSON_GetObjectItem(root, "learner");
    const char *bs = cJSON_GetStringValue(
        cJSON_GetObjectItem(cJSON_GetObjectItem(learner, "learner_model_param"), "base_score"));
    cJSON *trees = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(learner, "gradient_booster"), "model"), "trees");
    size_t len = 0, cap = 4096;
    char *out = malloc(cap);
    if (out)
        out[0] = 0;
    out = append(out, &len, &cap, "{\"base\":%.9g,\"trees\":[", bs ? atof(bs) : 0.5);
    int ok = 1, first = 1;
    static const char *const fields[] = {"f", "t", "l", "r", "v"};
    for (cJSON *t = trees ? trees->child : NULL; t && ok && out; t = t->next) {
        cJSON *lc = cJSON_GetObjectItem(t, "left_children");
        cJSON *rc = cJSON_GetObjectItem(t, "right_children");
        cJSON *si = cJSON_GetObjectItem(t, "split_indices");
        cJSON *sc = cJSON_GetObjectItem(t, "split_conditions");
        out = append(out, &len, &cap, "%s{", first ? "" : ",");
        first = 0;
        for (int fi = 0; fi < 5 && out; fi++) {
            out = append(out, &len, &cap, "%s\"%s\":[", fi ? "," : "", fields[fi]);
            int i = 0;
            const cJSON *l = lc ? lc->child : NULL, *r = rc ? rc->child : NULL,
                        *x = si ? si->child : NULL, *c = sc ? sc->child : NULL;
            for (; l && r && x && c && out;
                 l = l->next, r = r->next, x = x->next, c = c->next, i++) {
                int leaf = l->valueint < 0;
                if (!leaf && (l->valueint <= i || r->valueint <= i))
                    ok = 0; /* our evaluator relies on forward child links */
                const char *sep = i ? "," : "";
                switch (fi) {
                case 0: out = append(out, &len, &cap, "%s%d", sep, leaf ? -1 : x->valueint); break;
                case 1:
                    out = append(out, &len, &cap, "%s%.7g", sep, leaf ? 0 : (float)c->valuedouble);
                    break;
                case 2: out = append(out, &len, &cap, "%s%d", sep, leaf ? 0 : l->valueint); break;
                case 3: out = append(out, &len, &cap, "%s%d", sep, leaf ? 0 : r->valueint); break;
                default:
                    out = append(out, &len, &cap, "%s%.7g", sep, leaf ? (float)c->valuedouble : 0);
                    break;
                }
            }
            out = append(out, &len, &cap, "]");
        }
        out = append(out, &len, &cap, "}");
    }
    out = append(out, &len, &cap, "]}");
    cJSON_Delete(root);
    if (!ok) {
        free(out);
        return NULL;
    }
    return out;
}

/* ---- cross-validation ----------------------------------------------------- */

/* Fold of a sample: by model, so a model's kernels are held out together. */
static int fold_of(const Sample *s, int folds)
{
    unsigned h = 2166136261u;
    for (const char *p = s->model; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return (int)(h % (unsigned)folds);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Out-of-fold predictions into rows[i]->oof; returns the 90th percentile
 * of |log(pred/true)| (the error band), or -1 on failure. */
static double cross_validate(Sample **rows, int n, int nf, const TrainOpts *o)
{
    Sample **tr = malloc((size_t)n * sizeof *tr), **te = malloc((size_t)n * sizeof *te);
    double *pred = malloc((size_t)n * sizeof *pred), *err = malloc((size_t)n * sizeof *err);
    double band = -1;
    if (!tr || !te || !pred || !err)
        goto out;
    for (int k = 0; k < o->folds; k++) {
        int ntr = 0, nte = 0;
        for (int i = 0; i < n; i++) {
            if (fold_of(rows[i], o->folds) == k)
                te[nte++] = rows[i];
            else
                tr[ntr++] = rows[i];
        }
        if (nte == 0)
            continue;
        if (ntr < 2) { /* too little to learn from: predict the median */
            for (int i = 0; i < nte; i++)
                te[i]->oof = te[i]->ms;
            continue;
        }
        BoosterHandle b = train_booster(tr, ntr, nf, o, 17 + k);
        if (!b || booster_predict(b, te, nte, nf, o->unit, pred)) {
            if (b)
                XGBoosterFree(b);
            goto out;
        }
        for (int i = 0; i < nte; i++)
            te[i]->oof = pred[i];
        XGBoosterFree(b);
    }
    for (int i = 0; i < n; i++)
        err[i] = fabs(log(rows[i]->oof / rows[i]->ms));
    qsort(err, (size_t)n, sizeof *err, cmp_double);
    band = err[(int)(0.9 * (n - 1))];
out:
    free(tr);
    free(te);
    free(pred);
    free(err);
    return band;
}

/* ---- output ---------------------------------------------------------------- */

static int write_json(const char *path, cJSON *o)
{
    char *s = cJSON_PrintUnformatted(o);
    if (!s)
        return -1;
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int rc = -1;
    if (f) {
        size_t n = strlen(s);
        rc = fwrite(s, 1, n, f) == n && fputc('\n', f) != EOF ? 0 : -1;
        rc |= fclose(f);
        if (rc == 0)
            rc = rename(tmp, path);
        else
            unlink(tmp);
    }
    cJSON_free(s);
    return rc;
}

typedef struct {
    char name[32];
    int family;
    int n;
    double band;
    double within10;          /* cross-validated share within ±10% */
    double mape;
    const char *unit;         /* the target's unit feature, "-" for log(ms) */
} KeyStats;

/* Cross-validates rows with o's target: out-of-fold predictions in oof,
 * the share within ±10% and the summed absolute relative error; returns
 * the error band, or -1 on failure.  *sel: the mean absolute relative
 * error that chooses the target -- over the samples from whole training
 * models when the group has any, else over all.  Prediction serves
 * kernels inside models; the sampled kernel models (prior configs,
 * adaptive rounds) are extra data, not the test: on ort-xeon the adaptive
 * round's 28 FC kernels, timed as kernel models, flipped fc's target from
 * per-MFLOP to plain and put ViT's token FCs at 3x their time (session 8). */
static double cv_stats(Sample **rows, int n, int nf, const TrainOpts *o, int *within,
                       double *ape, double *sel)
{
    double band = cross_validate(rows, n, nf, o);
    *within = 0;
    *ape = 0;
    double in_ape = 0;
    int in_n = 0;
    for (int i = 0; band >= 0 && i < n; i++) {
        double e = fabs(rows[i]->oof - rows[i]->ms) / rows[i]->ms;
        *within += e <= 0.10;
        *ape += e;
        if (rows[i]->in_model) {
            in_ape += e;
            in_n++;
        }
    }
    *sel = in_n ? in_ape / in_n : *ape / (n ? n : 1);
    return band;
}

/* Trains and writes one ensemble (a key or a whole family). */
static int train_group(const char *dir, const char *name, int family, Sample **rows, int n,
                       const TrainOpts *o, KeyStats *st, int keep_oof)
{
    int nf;
    const char *const *names = family_feature_names((FeatureFamily)family, &nf);
    if (o->no_context)   /* the context features are the last ones */
        nf -= family_context_features((FeatureFamily)family);
    double *saved = NULL;
    if (!keep_oof) {
        saved = malloc((size_t)n * sizeof *saved);
        if (!saved)
            return -1;
        for (int i = 0; i < n; i++)
            saved[i] = rows[i]->oof;
    }
    /* the target: log(ms), or log(ms per unit) where the family has a unit
     * and that cross-validates better (kernel_features.h says why) */
    TrainOpts to = *o;
    to.unit = -1;
    int within;
    double ape, sel, band = cv_stats(rows, n, nf, &to, &within, &ape, &sel);
    int unit = family_unit_feature((FeatureFamily)family);
    double *plain = unit >= 0 && band >= 0 ? malloc((size_t)n * sizeof *plain) : NULL;
    if (plain) {
        for (int i = 0; i < n; i++)
            plain[i] = rows[i]->oof;
        to.unit = unit;
        int within_u;
        double ape_u, sel_u, band_u = cv_stats(rows, n, nf, &to, &within_u, &ape_u, &sel_u);
        if (band_u >= 0 && sel_u < sel) {
            band = band_u;
            within = within_u;
            ape = ape_u;
        } else {
            to.unit = -1;
            for (int i = 0; i < n; i++)
                rows[i]->oof = plain[i];
        }
        free(plain);
    }
    if (band < 0) {
        free(saved);
        return -1;
    }
    if (saved) {
        for (int i = 0; i < n; i++)
            rows[i]->oof = saved[i];
        free(saved);
    }
    BoosterHandle b = train_booster(rows, n, nf, &to, 7);
    char *text = b ? booster_export(b) : NULL;
    if (b)
        XGBoosterFree(b);
    cJSON *member = text ? cJSON_CreateRaw(text) : NULL;
    free(text);
    if (!member)
        return -1;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "format", PREDICTOR_FORMAT);
    cJSON_AddStringToObject(root, "key", name);
    cJSON_AddStringToObject(root, "family", family_name((FeatureFamily)family));
    cJSON *fa = cJSON_AddArrayToObject(root, "features");
    for (int j = 0; j < nf; j++)
        cJSON_AddItemToArray(fa, cJSON_CreateString(names[j]));
    if (to.unit >= 0) {
        cJSON_AddStringToObject(root, "target", "log_ms_per_unit");
        cJSON_AddStringToObject(root, "unit", names[to.unit]);
    } else {
        cJSON_AddStringToObject(root, "target", "log_ms");
    }
    cJSON_AddNumberToObject(root, "samples", n);
    cJSON_AddNumberToObject(root, "band", band);
    cJSON *members = cJSON_AddArrayToObject(root, "members");
    cJSON_AddItemToArray(members, member);
    char path[1100];
    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    int rc = write_json(path, root);
    cJSON_Delete(root);
    snprintf(st->name, sizeof st->name, "%s", name);
    st->family = family;
    st->n = n;
    st->band = band;
    st->within10 = (double)within / n;
    st->mape = ape / n;
    st->unit = to.unit >= 0 ? names[to.unit] : "-";
    return rc;
}

/* ---- overhead ---------------------------------------------------------------- */

/* A model's latency from its kernels, as meta.json's "overhead" holds it
 * and predictor_total_ms applies it (predict.h):
 *   model_ms + kernel_ms x kernels + (1 + kernel_scale + scale_per_ln_act x
 *   ln(act MB) + scale_per_act x min(act MB, act_cap)) x the sum of the
 *   kernels, each kernel with ms_per_act_mb x its act MB + ms_per_param_mb x
 *   its weight MB added (predictor_in_model_ms). */
typedef struct {
    double model_ms, kernel_ms, kernel_scale;
    double ms_per_act_mb, ms_per_param_mb;
    double scale_per_ln_act, scale_per_act, act_cap;
} Overhead;

/* ---- models ------------------------------------------------------------------ */

typedef struct {
    char model[256];
    double latency, kernel_sum;
    double label_sum;         /* its kernels measured alone (match --split) */
    double act_mb, param_mb;  /* their memory traffic */
    double run_cost;          /* the runtime's cost of a run, as match used it */
    double profiler_cost;     /* the profiler's per kernel, as match used it (< 0: none) */
    char runtime[128];
    char cpu[128];            /* the CPU it was measured on ("" in older files) */
    int kernels, events;
} ModelRec;

static ModelRec *load_models(const char *path, int *n, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    ModelRec *m = NULL;
    int cap = 0;
    *n = 0;
    char *line = NULL;
    size_t lcap = 0;
    while (getline(&line, &lcap, f) > 0) {
        cJSON *r = cJSON_Parse(line);
        const char *model = cJSON_GetStringValue(cJSON_GetObjectItem(r, "model"));
        double lat = cJSON_GetNumberValue(cJSON_GetObjectItem(r, "latency_ms"));
        if (model && lat > 0) {
            if (*n >= cap) {
                cap = cap ? cap * 2 : 256;
                ModelRec *nm = realloc(m, (size_t)cap * sizeof *nm);
                if (!nm) {
                    cJSON_Delete(r);
                    break;
                }
                m = nm;
            }
            ModelRec *x = &m[(*n)++];
            snprintf(x->model, sizeof x->model, "%s", model);
            x->latency = lat;
            x->kernel_sum = cJSON_GetNumberValue(cJSON_GetObjectItem(r, "kernel_sum_ms"));
            x->kernels = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(r, "kernels"));
            x->events = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(r, "events"));
            x->label_sum = cJSON_GetNumberValue(cJSON_GetObjectItem(r, "label_sum_ms"));
            x->act_mb = cJSON_GetNumberValue(cJSON_GetObjectItem(r, "act_mb"));
            x->param_mb = cJSON_GetNumberValue(cJSON_GetObjectItem(r, "param_mb"));
            const cJSON *rc = cJSON_GetObjectItem(r, "run_cost_ms");
            x->run_cost = cJSON_IsNumber(rc) ? rc->valuedouble : MATCH_RUN_COST_MS;
            const cJSON *pc = cJSON_GetObjectItem(r, "profiler_cost_ms");
            x->profiler_cost = cJSON_IsNumber(pc) ? pc->valuedouble : -1;
            const char *rt = cJSON_GetStringValue(cJSON_GetObjectItem(r, "runtime"));
            snprintf(x->runtime, sizeof x->runtime, "%s", rt ? rt : "");
            const char *cpu = cJSON_GetStringValue(cJSON_GetObjectItem(r, "cpu"));
            snprintf(x->cpu, sizeof x->cpu, "%s", cpu ? cpu : "");
        }
        cJSON_Delete(r);
    }
    free(line);
    fclose(f);
    if (!m)
        snprintf(err, errlen, "'%s' holds no model records (make it with nnmeter-build "
                 "match --models)", path);
    return m;
}

/* The profiler's cost per kernel it times, from the models: latency =
 * a + scale * profiled_sum + per_event * events (per_event < 0), weighted
 * by 1/latency as match fits it (match.h), so the two print the same cost
 * on the same models.  Kept in meta.json beside the cost the labels took. */
static int fit_profiler_cost(const ModelRec *m, int nm, double corr[3])
{
    FitRow *r = malloc((size_t)(nm ? nm : 1) * sizeof *r);
    int k = 0;
    for (int i = 0; r && i < nm; i++)
        if (m[i].kernel_sum > 0 && m[i].events > 0)
            r[k++] = (FitRow){m[i].kernel_sum, m[i].events, m[i].latency, m[i].latency};
    int rc = k < 5 ? -1 : fit3(r, k, corr);
    free(r);
    return rc;
}

/* The samples cross-validation got wrong by more than 10%, worst first
 * (at most 200), for adaptive sampling around them. */
static int cmp_err(const void *a, const void *b)
{
    const Sample *x = *(Sample *const *)a, *y = *(Sample *const *)b;
    double ex = fabs(log(x->oof / x->ms)), ey = fabs(log(y->oof / y->ms));
    return (ex < ey) - (ex > ey);
}

static int write_worst(const char *path, Sample *s, int n)
{
    Sample **bad = malloc((size_t)(n ? n : 1) * sizeof *bad);
    if (!bad)
        return -1;
    int nb = 0;
    for (int i = 0; i < n; i++)
        if (s[i].oof > 0 && fabs(s[i].oof - s[i].ms) > 0.10 * s[i].ms)
            bad[nb++] = &s[i];
    qsort(bad, (size_t)nb, sizeof *bad, cmp_err);
    FILE *f = fopen(path, "w");
    if (!f) {
        free(bad);
        return -1;
    }
    for (int i = 0; i < nb && i < 200; i++) {
        int nf;
        family_feature_names((FeatureFamily)bad[i]->family, &nf);
        fprintf(f, "{\"model\":\"%s\",\"key\":\"%s\",\"family\":\"%s\",\"ms\":%.6g,"
                   "\"predicted_ms\":%.6g,\"features\":[", bad[i]->model, bad[i]->key,
                family_name((FeatureFamily)bad[i]->family), bad[i]->ms, bad[i]->oof);
        for (int j = 0; j < nf; j++)
            fprintf(f, "%s%.9g", j ? "," : "", bad[i]->f[j]);
        fprintf(f, "]}\n");
    }
    free(bad);
    return fclose(f);
}

/* Every sample's label and out-of-fold prediction, one JSON line each:
 * what a study of the errors (per model, per key) starts from. */
static int write_oof(const char *path, const Sample *s, int n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    for (int i = 0; i < n; i++) {
        fprintf(f, "{\"model\":\"%s\",\"key\":\"%s\",\"ms\":%.6g,\"oof_ms\":", s[i].model,
                s[i].key, s[i].ms);
        /* null: the sample's key had too few samples to cross-validate */
        if (s[i].oof > 0)
            fprintf(f, "%.6g}\n", s[i].oof);
        else
            fprintf(f, "null}\n");
    }
    return fclose(f);
}

/* Kernels measured alone (match --split) run faster than inside a model:
 * alone, their operands and weights stay in cache between runs; inside,
 * the weights come from memory and the activations from further caches.
 * The models whose kernels were all measured alone give the difference,
 * five ways (relative error, as fit3):
 *     traffic: latency - run cost - their kernels' sum = a x act MB + b x weight MB
 *     ratio:   latency - run cost - their kernels' sum = s x the sum
 *     log:     ... = (s + q x ln(act MB)) x the sum
 *     lin:     ... = (s + r x act MB, held at the training models' largest) x the sum
 *     weights: latency - run cost = (1 + s + r x capped act MB) x (the sum + w x weight MB)
 * and the one with the lowest leave-one-out MAPE is kept.  The log and lin
 * forms are the ratio growing with the model's activations: on the Xeon a
 * model's latency over its kernels' sum went from 1.04-1.09 under 5 MB of
 * activations to 1.12-1.23 for the EfficientNets over 100 MB.  The weights
 * form adds what re-reading each kernel's weights costs in a model
 * (fit_weight_form): a 0.9 ms MobileNetV3 with 10 MB of weights ran at 1.21
 * times its kernels alone, and came out 10-11% low without it (session 11,
 * README).  On the AMD EPYC the ratio over-predicted vgg's big,
 * compute-bound convs by 9% and under-predicted mobilenets' small,
 * memory-bound kernels; on the Intel Xeon the traffic fit under-predicted
 * every model over 5 ms by 5-11% (session 8).  Fills ov's fields for the
 * form kept; -1 when too few models or no positive fit. */
static double ratio_fit_skip(const FitRow *r, int n, int skip)
{
    double sxy = 0, sxx = 0;
    for (int i = 0; i < n; i++)
        if (i != skip) {
            double s = 1.0 / (r[i].w * r[i].w);
            sxy += s * r[i].x1 * r[i].y;
            sxx += s * r[i].x1 * r[i].x1;
        }
    return sxx > 0 ? sxy / sxx : -1;
}

/* How much the in-model share grows with the activations: q ln(act MB)
 * (scale_per_ln_act) plus r x act MB up to the cap (scale_per_act,
 * act_cap), through the
 * transforms predictor_total_ms applies (predict.h) */
static double act_term(const Overhead *ov, double act_mb)
{
    return ov->scale_per_ln_act * act_mb_ln(act_mb) +
           ov->scale_per_act * act_mb_capped(act_mb, ov->act_cap);
}

/* The largest activation MB of the models (0 when none says). */
static double max_act(const ModelRec *m, int nm)
{
    double cap = 0;
    for (int i = 0; i < nm; i++)
        if (m[i].act_mb > cap)
            cap = m[i].act_mb;
    return cap;
}

/* The "weights" form: latency - run cost = (1 + a + r x act MB up to the
 * cap) x (the kernels' sum + w x weight MB).  Alone, a kernel's weights
 * stay in cache between runs; inside a model the weights of all its
 * kernels (10 MB for a MobileNetV3) do not, so each kernel pays for
 * reading its weights again: w ms per MB, a per-kernel cost the analyzer
 * shows on the kernel (predictor_in_model_ms), scaled like the rest.  It
 * is the capped-act form with w = 0.  w is not linear in the fit, so it is
 * searched on a grid (0 to 0.05 ms per MB; ~0.006 on the Xeon) for the
 * least weighted squared error, leaving out row `skip` (-1: none).  Fills
 * rows[] for the w found, c[] with a and r; returns w, or -1 when no w
 * gives a fit with 1 + a > 0 and r >= 0. */
#define WEIGHT_GRID_STEP 0.00025
#define WEIGHT_GRID_N 201

static void weight_rows(const ModelRec *m, const int *mi, int k, double cap, double w,
                        double run_ms, FitRow *rows)
{
    for (int i = 0; i < k; i++) {
        const ModelRec *x = &m[mi[i]];
        double sum = x->label_sum + w * x->param_mb;
        rows[i] = (FitRow){sum, sum * act_mb_capped(x->act_mb, cap), x->latency - run_ms - sum,
                           x->latency};
    }
}

static double fit_weight_form(const ModelRec *m, const int *mi, int k, double cap,
                              double run_ms, int skip, FitRow *rows, double c[2])
{
    double best_w = -1, best_sse = 1e300, bc[2] = {0, 0};
    for (int j = 0; j < WEIGHT_GRID_N; j++) {
        double w = j * WEIGHT_GRID_STEP, cj[2], sse = 0;
        weight_rows(m, mi, k, cap, w, run_ms, rows);
        if (fit2_skip(rows, k, skip, cj) || 1 + cj[0] <= 0 || cj[1] < 0)
            continue;
        for (int i = 0; i < k; i++)
            if (i != skip) {
                double e = (cj[0] * rows[i].x1 + cj[1] * rows[i].x2 - rows[i].y) / rows[i].w;
                sse += e * e;
            }
        if (sse < best_sse)
            best_sse = sse, best_w = w, bc[0] = cj[0], bc[1] = cj[1];
    }
    if (best_w >= 0)
        weight_rows(m, mi, k, cap, best_w, run_ms, rows);
    c[0] = bc[0];
    c[1] = bc[1];
    return best_w;
}

/* fit_weight_form's leave-one-out MAPE (w searched again without each
 * row) and count within 10%; 1 (100%) when no fit. */
static double weight_form_loo(const ModelRec *m, const int *mi, int k, double cap,
                              double run_ms, FitRow *rows, int *within)
{
    double e_sum = 0, c[2];
    *within = 0;
    for (int i = 0; i < k; i++) {
        double w = fit_weight_form(m, mi, k, cap, run_ms, i, rows, c);
        double e = 1;
        if (w >= 0)
            e = fabs(c[0] * rows[i].x1 + c[1] * rows[i].x2 - rows[i].y) / rows[i].w;
        e_sum += e / k;
        *within += e <= 0.1;
    }
    return e_sum;
}

static int fit_alone_overhead(const ModelRec *m, int nm, Overhead *ov)
{
    FitRow *t = malloc((size_t)(nm ? nm : 1) * sizeof *t);
    FitRow *r = malloc((size_t)(nm ? nm : 1) * sizeof *r);
    FitRow *g = malloc((size_t)(nm ? nm : 1) * sizeof *g);
    FitRow *h = malloc((size_t)(nm ? nm : 1) * sizeof *h);
    FitRow *hw = malloc((size_t)(nm ? nm : 1) * sizeof *hw);
    int *mi = malloc((size_t)(nm ? nm : 1) * sizeof *mi);
    double cap = max_act(m, nm);
    int k = 0, rc = -1;
    for (int i = 0; t && r && g && h && hw && mi && i < nm; i++)
        if (m[i].label_sum > 0 && m[i].latency > ov->model_ms) {
            mi[k] = i;
            double y = m[i].latency - ov->model_ms - m[i].label_sum;
            t[k] = (FitRow){m[i].act_mb, m[i].param_mb, y, m[i].latency};
            g[k] = (FitRow){m[i].label_sum, m[i].label_sum * act_mb_ln(m[i].act_mb), y,
                            m[i].latency};
            r[k++] = (FitRow){m[i].label_sum, 0, y, m[i].latency};
        }
    /* the lin form is the weights form without the weights */
    if (h && mi)
        weight_rows(m, mi, k, cap, 0, ov->model_ms, h);
    double c[2] = {0, 0}, cg[2] = {0, 0}, ch[2] = {0, 0};
    double e_traffic = 0, e_ratio = 0, e_log = 0, e_lin = 0;
    int in_traffic = 0, in_ratio = 0, in_log = 0, in_lin = 0;
    int traffic_ok = k >= 5 && fit2(t, k, c) == 0 && c[0] >= 0 && c[1] >= 0;
    int log_ok = k >= 5 && fit2(g, k, cg) == 0 && 1 + cg[0] > 0 && cg[1] >= 0;
    int lin_ok = k >= 5 && cap > 0 && fit2(h, k, ch) == 0 && 1 + ch[0] > 0 && ch[1] >= 0;
    double ratio = k >= 5 ? ratio_fit_skip(r, k, -1) : -1;
    double cw[2] = {0, 0}, e_w = 1;
    int in_w = 0;
    double wcost = -1;
    if (k >= 5 && cap > 0)
        wcost = fit_weight_form(m, mi, k, cap, ov->model_ms, -1, hw, cw);
    if (wcost >= 0)
        e_w = weight_form_loo(m, mi, k, cap, ov->model_ms, hw, &in_w);
    for (int i = 0; i < k; i++) {
        double et = fit2_loo_error(t, k, i);
        double er = fabs(ratio_fit_skip(r, k, i) * r[i].x1 - r[i].y) / r[i].w;
        double eg = fit2_loo_error(g, k, i);
        double eh = lin_ok ? fit2_loo_error(h, k, i) : 1;
        e_traffic += et / k;
        e_ratio += er / k;
        e_log += eg / k;
        e_lin += eh / k;
        in_traffic += et <= 0.1;
        in_ratio += er <= 0.1;
        in_log += eg <= 0.1;
        in_lin += eh <= 0.1;
    }
    if (k >= 5)
        printf("kernels alone -> in a model, leave-one-out over %d models: + %.5f ms per MB of "
               "activations and %.5f per MB of weights %d within 10%% (MAPE %.2f%%); x%.4f "
               "%d within 10%% (MAPE %.2f%%); x(%.4f + %.4f ln act MB) %d within 10%% (MAPE "
               "%.2f%%); x(%.4f + %.6f act MB, at most %.0f MB) %d within 10%% (MAPE %.2f%%)\n",
               k, c[0], c[1], in_traffic, 100 * e_traffic, 1 + ratio, in_ratio,
               100 * e_ratio, 1 + cg[0], cg[1], in_log, 100 * e_log, 1 + ch[0], ch[1], cap,
               in_lin, 100 * e_lin);
    if (wcost >= 0)
        printf("kernels alone -> in a model, leave-one-out: x(%.4f + %.6f act MB, at most %.0f "
               "MB) x (sum + %.5f ms per MB of weights) %d within 10%% (MAPE %.2f%%)\n",
               1 + cw[0], cw[1], cap, wcost, in_w, 100 * e_w);
    /* the lowest leave-one-out MAPE of the forms that fitted */
    enum { NONE, TRAFFIC, RATIO, LOG, LIN, WEIGHTS } form = NONE;
    double best = 1e300;
    if (traffic_ok)
        form = TRAFFIC, best = e_traffic;
    if (ratio > 0 && e_ratio < best)
        form = RATIO, best = e_ratio;
    if (log_ok && e_log < best)
        form = LOG, best = e_log;
    if (lin_ok && e_lin < best)
        form = LIN, best = e_lin;
    if (wcost >= 0 && e_w < best)
        form = WEIGHTS;
    if (form != NONE) {   /* the one kept replaces the ratio */
        *ov = (Overhead){.model_ms = ov->model_ms};
        rc = 0;
    }
    if (form == WEIGHTS) {
        /* the leave-one-out fits reused hw and cw: fit all the models again */
        fit_weight_form(m, mi, k, cap, ov->model_ms, -1, hw, cw);
        ov->kernel_scale = cw[0];
        ov->scale_per_act = cw[1];
        ov->act_cap = cap;
        ov->ms_per_param_mb = wcost;
        printf("kernels alone -> in a model: x(%.4f + %.6f act MB, at most %.0f MB) x (sum + "
               "%.5f ms per MB of weights)\n", 1 + ov->kernel_scale, ov->scale_per_act, cap,
               wcost);
    } else if (form == LIN) {
        ov->kernel_scale = ch[0];
        ov->scale_per_act = ch[1];
        ov->act_cap = cap;
        printf("kernels alone -> in a model: x(%.4f + %.6f act MB, at most %.0f MB)\n",
               1 + ov->kernel_scale, ov->scale_per_act, cap);
    } else if (form == LOG) {
        ov->kernel_scale = cg[0];
        ov->scale_per_ln_act = cg[1];
        printf("kernels alone -> in a model: x(%.4f + %.4f ln act MB)\n", 1 + ov->kernel_scale,
               ov->scale_per_ln_act);
    } else if (form == RATIO) {
        ov->kernel_scale = ratio;
        printf("kernels alone -> in a model: x%.4f (the ratio)\n", 1 + ratio);
    } else if (form == TRAFFIC) {
        ov->ms_per_act_mb = c[0];
        ov->ms_per_param_mb = c[1];
        printf("kernels alone -> in a model: + %.5f ms per MB of activations, + %.5f ms "
               "per MB of weights\n", ov->ms_per_act_mb, ov->ms_per_param_mb);
    }
    free(t);
    free(r);
    free(g);
    free(h);
    free(hw);
    free(mi);
    return rc;
}

/* The sum of a model's kernels' out-of-fold predictions; *cnt = how many. */
static double model_oof_sum(const Sample *s, int n, const char *model, int *cnt)
{
    double oof = 0;
    *cnt = 0;
    for (int i = 0; i < n; i++)
        if (strcmp(s[i].model, model) == 0 && s[i].oof > 0) {
            oof += s[i].oof;
            (*cnt)++;
        }
    return oof;
}

/* The overhead judged by what prediction will see: each training model's
 * kernels predicted out of fold (cross-validation), not their labels.  The
 * median ratio of latency to labels (ov->kernel_scale) is kept unless, leave-one-out,
 * one of
 *     latency - run cost = scale x out-of-fold sum + cost x kernels
 *     latency - run cost = (s + q x ln(act MB)) x out-of-fold sum
 *     latency - run cost = (s + r x act MB) x out-of-fold sum
 * has the lowest MAPE (the second: ort-xeon's in session 9; the third in
 * session 10, where the training models over 160 MB of activations came
 * out a median 4.4% low with the second; README).  The third holds act MB
 * at the training models' largest (ov->act_cap). */
static void oof_overhead(const Sample *s, int n, const ModelRec *m, int nm, Overhead *ov)
{
    FitRow *r = malloc((size_t)(nm ? nm : 1) * sizeof *r);
    FitRow *g = malloc((size_t)(nm ? nm : 1) * sizeof *g);
    FitRow *h = malloc((size_t)(nm ? nm : 1) * sizeof *h);
    double cap = max_act(m, nm);
    int k = 0;
    for (int j = 0; r && g && h && j < nm; j++) {
        int cnt;
        double oof = model_oof_sum(s, n, m[j].model, &cnt);
        if (cnt && m[j].latency > ov->model_ms) {
            double y = m[j].latency - ov->model_ms;
            r[k] = (FitRow){oof, cnt, y, m[j].latency};
            g[k] = (FitRow){oof, oof * act_mb_ln(m[j].act_mb), y, m[j].latency};
            h[k++] = (FitRow){oof, oof * act_mb_capped(m[j].act_mb, cap), y, m[j].latency};
        }
    }
    double c[2], cg[2] = {0, 0}, ch[2] = {0, 0};
    if (k >= 5 && fit2(r, k, c) == 0) {
        /* the fits are judged leave-one-out: in sample, two free parameters
         * would win over the one-parameter ratio by fitting noise */
        int in_ratio = 0, in_fit = 0, in_log = 0, in_lin = 0;
        double e_ratio = 0, e_fit = 0, e_log = 0, e_lin = 0;
        int log_ok = cap > 0 && fit2(g, k, cg) == 0 && cg[1] >= 0 && cg[0] > 0;
        int lin_ok = cap > 0 && fit2(h, k, ch) == 0 && ch[1] >= 0 && ch[0] > 0;
        for (int i = 0; i < k; i++) {
            const FitRow *q = &r[i];
            double er = fabs((1 + ov->kernel_scale) * q->x1 - q->y) / q->w;
            double ef = fit2_loo_error(r, k, i);
            double eg = log_ok ? fit2_loo_error(g, k, i) : 1;
            double eh = lin_ok ? fit2_loo_error(h, k, i) : 1;
            in_ratio += er <= 0.1;
            in_fit += ef <= 0.1;
            in_log += eg <= 0.1;
            in_lin += eh <= 0.1;
            e_ratio += er / k;
            e_fit += ef / k;
            e_log += eg / k;
            e_lin += eh / k;
        }
        printf("out of fold: training models within 10%%: %d/%d with the ratio (x%.3f, MAPE "
               "%.2f%%), %d/%d with x%.3f + %.5f ms/kernel (leave-one-out, MAPE %.2f%%)",
               in_ratio, k, 1 + ov->kernel_scale, 100 * e_ratio, in_fit, k, c[0], c[1],
               100 * e_fit);
        if (log_ok)
            printf(", %d/%d with x(%.3f + %.4f ln act MB) (MAPE %.2f%%)", in_log, k, cg[0],
                   cg[1], 100 * e_log);
        if (lin_ok)
            printf(", %d/%d with x(%.3f + %.6f act MB, at most %.0f MB) (MAPE %.2f%%)", in_lin,
                   k, ch[0], ch[1], cap, 100 * e_lin);
        printf("\n");
        /* judged by MAPE: a count within 10% moves with a few models */
        enum { RATIO, PER_KERNEL, LOG, LIN } form = RATIO;
        double best = e_ratio;
        /* a cost per kernel, not a refund: predictor_load refuses one below 0 */
        if (c[0] > 0 && c[1] >= 0 && e_fit < best)
            form = PER_KERNEL, best = e_fit;
        if (log_ok && e_log < best)
            form = LOG, best = e_log;
        if (lin_ok && e_lin < best)
            form = LIN;
        if (form == LIN) {
            ov->kernel_ms = 0;
            ov->kernel_scale = ch[0] - 1;
            ov->scale_per_act = ch[1];
            ov->act_cap = cap;
        } else if (form == LOG) {
            ov->kernel_ms = 0;
            ov->kernel_scale = cg[0] - 1;
            ov->scale_per_ln_act = cg[1];
        } else if (form == PER_KERNEL) {
            ov->kernel_scale = c[0] - 1;
            ov->kernel_ms = c[1];
        }
    }
    free(r);
    free(g);
    free(h);
}

/* The model-level error band: the 90th percentile over the training models
 * of |log(predicted / measured)|, predicted from out-of-fold kernel
 * predictions (profiled kernels) or from the kernels' labels plus the
 * in-model cost (kernels measured alone, whose own errors the kernel bands
 * carry).  Why: kernel errors are not independent -- a model's kernels
 * share its layout, its cache pressure, its measurement's host state -- so
 * their bands summed in quadrature made ranges that held the measurement
 * for 70-85% of held-out models, not 90%.  0 when fewer than 5 models. */
static double model_band(const Sample *s, int n, const ModelRec *m, int nm, const Overhead *ov)
{
    double *e = malloc((size_t)(nm ? nm : 1) * sizeof *e);
    int k = 0;
    for (int j = 0; e && j < nm; j++) {
        int cnt;
        double oof = model_oof_sum(s, n, m[j].model, &cnt);
        double pred = 0;
        if (cnt)
            pred = ov->model_ms + ov->kernel_ms * cnt +
                   (1 + ov->kernel_scale + act_term(ov, m[j].act_mb)) * oof;
        else if (m[j].label_sum > 0)
            pred = ov->model_ms + (1 + ov->kernel_scale + act_term(ov, m[j].act_mb)) *
                   (m[j].label_sum + ov->ms_per_act_mb * m[j].act_mb +
                    ov->ms_per_param_mb * m[j].param_mb);
        if (pred > 0 && m[j].latency > 0)
            e[k++] = fabs(log(pred / m[j].latency));
    }
    double band = 0;
    if (k >= 5) {
        qsort(e, (size_t)k, sizeof *e, cmp_double);
        band = e[(int)(0.9 * (k - 1))];
    }
    free(e);
    return band;
}

/* ---- the subcommand ---------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: nnmeter-build train --device NAME --kernels K.jsonl --models M.jsonl\n"
            "                           [--out DIR] [--rounds N] [--depth N] [--eta X]\n"
            "                           [--worst FILE] [--oof FILE] [--no-context]\n"
            "Trains one tree ensemble per kernel key and per feature family on the\n"
            "kernel samples of `nnmeter-build match`, fits the runtime overhead on the\n"
            "models, and writes predictors/<NAME>/ (or DIR).  --worst writes the kernel\n"
            "samples cross-validation predicts worst (off by more than 10%%), for\n"
            "nnmeter-build sample --around.  --oof writes every sample's label and\n"
            "out-of-fold prediction (JSON lines), for studying the errors.\n"
            "--no-context leaves out the features that describe the model around a\n"
            "kernel (an FC's model weight MB): for kernels measured alone, where the\n"
            "model is the kernel itself.\n");
}

int train_main(int argc, char **argv)
{
    TrainOpts o = {.rounds = 120, .depth = 6, .folds = 5, .min_samples = 30, .eta = 0.12};
    const char *device = NULL, *kpath = NULL, *mpath = NULL, *out = NULL, *worst = NULL;
    const char *oofpath = NULL;
    static const struct option longopts[] = {
        {"device", required_argument, 0, 'd'}, {"kernels", required_argument, 0, 'k'},
        {"models", required_argument, 0, 'm'}, {"out", required_argument, 0, 'o'},
        {"rounds", required_argument, 0, 'r'}, {"depth", required_argument, 0, 'D'},
        {"eta", required_argument, 0, 'e'}, {"worst", required_argument, 0, 'w'},
        {"oof", required_argument, 0, 'O'}, {"no-context", no_argument, 0, 'C'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":d:k:m:o:r:D:e:w:O:Ch", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': device = optarg; break;
        case 'k': kpath = optarg; break;
        case 'm': mpath = optarg; break;
        case 'o': out = optarg; break;
        case 'r': o.rounds = atoi(optarg); break;
        case 'D': o.depth = atoi(optarg); break;
        case 'e': o.eta = atof(optarg); break;
        case 'w': worst = optarg; break;
        case 'O': oofpath = optarg; break;
        case 'C': o.no_context = 1; break;
        case 'h': usage(stdout); return 0;
        default:
            fprintf(stderr, "nnmeter-build train: bad option '%s'; see --help\n",
                    argv[optind - 1]);
            return 1;
        }
    }
    if (!device || !kpath || !mpath || o.rounds < 1 || o.depth < 1 || !(o.eta > 0)) {
        fprintf(stderr, "nnmeter-build train: needs --device, --kernels and --models "
                        "(rounds, depth, eta positive); see --help\n");
        return 1;
    }
    char dir[1024], err[1024];
    if (out)
        snprintf(dir, sizeof dir, "%s", out);
    else
        snprintf(dir, sizeof dir, "predictors/%s", device);
    mkdir("predictors", 0755);
    if (mkdir(dir, 0755) && errno != EEXIST) {
        fprintf(stderr, "nnmeter-build train: cannot create '%s': %s\n", dir, strerror(errno));
        return 3;
    }
    int n;
    Sample *s = load_samples(kpath, &n, err, sizeof err);
    if (!s) {
        fprintf(stderr, "nnmeter-build train: %s\n", err);
        return 2;
    }
    int nmodels;
    ModelRec *models = load_models(mpath, &nmodels, err, sizeof err);
    if (!models) {
        fprintf(stderr, "nnmeter-build train: %s\n", err);
        free(s);
        return 2;
    }
    /* kernel samples are already shares of measured latency (match.c);
     * this fit is printed to re-derive the profiler's cost per event */
    double corr[3] = {0, 1, 0};
    if (fit_profiler_cost(models, nmodels, corr) == 0)
        printf("profiler: latency = %.4f ms + %.3f x profiled sum %+.5f ms x events "
               "(per-event cost %.4f ms)\n", corr[0], corr[1], corr[2],
               corr[1] > 0 ? -corr[2] / corr[1] : 0);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < nmodels && !s[i].in_model; j++)
            s[i].in_model = strcmp(s[i].model, models[j].model) == 0;
    Sample **rows = malloc((size_t)(n ? n : 1) * sizeof *rows);
    KeyStats *stats = calloc(256, sizeof *stats);
    int nstats = 0, code = 0;
    if (!rows || !stats) {
        code = 3;
        goto done;
    }
    /* keys with enough samples get their own ensemble; every family gets one */
    char keys[128][32];
    int nkeys = 0;
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int k = 0; k < nkeys && !seen; k++)
            seen = strcmp(keys[k], s[i].key) == 0;
        if (!seen && nkeys < 128)
            snprintf(keys[nkeys++], 32, "%s", s[i].key);
    }
    for (int f = 0; f < FAM_COUNT && code == 0; f++) {
        int m = 0;
        for (int i = 0; i < n; i++)
            if (s[i].family == f)
                rows[m++] = &s[i];
        if (m < 5)
            continue;
        /* family ensembles provide the out-of-fold predictions of samples
         * whose key has no ensemble of its own */
        if (train_group(dir, family_name((FeatureFamily)f), f, rows, m, &o, &stats[nstats++], 1))
            code = 3;
    }
    for (int k = 0; k < nkeys && code == 0; k++) {
        int m = 0, fam = -1;
        for (int i = 0; i < n; i++)
            if (strcmp(s[i].key, keys[k]) == 0) {
                rows[m++] = &s[i];
                fam = s[i].family;
            }
        if (m < o.min_samples || strcmp(keys[k], family_name((FeatureFamily)fam)) == 0)
            continue;
        if (train_group(dir, keys[k], fam, rows, m, &o, &stats[nstats++], 1))
            code = 3;
    }
    if (code) {
        fprintf(stderr, "nnmeter-build train: training failed\n");
        goto done;
    }
    /* The kernel labels add up to each model's latency less the run's
     * fixed cost and the runtime kernels no kernel of ours stands for
     * (layout conversions, elided ops).  The scale restores that share:
     * the median over the models of (latency - fixed cost) / labels.  It
     * is a property of the data, not of the trees, so it does not inherit
     * their cross-validation error. */
    Overhead overhead = {.model_ms = nmodels ? models[0].run_cost : MATCH_RUN_COST_MS};
    Overhead *ov = &overhead;
    double *ratio = malloc((size_t)(nmodels ? nmodels : 1) * sizeof *ratio);
    int nr = 0;
    for (int j = 0; j < nmodels && ratio; j++) {
        double labels = 0;
        for (int i = 0; i < n; i++)
            if (strcmp(s[i].model, models[j].model) == 0)
                labels += s[i].ms;
        /* kernels measured alone run faster than inside the model (their
         * operands stay in cache): the same scale carries them over */
        if (labels <= 0)
            labels = models[j].label_sum;
        if (labels > 0 && models[j].latency > ov->model_ms)
            ratio[nr++] = (models[j].latency - ov->model_ms) / labels;
    }
    if (nr < 5) {
        fprintf(stderr, "nnmeter-build train: too few models (%d) to fit the overhead; "
                        "using none\n", nr);
    } else {
        qsort(ratio, (size_t)nr, sizeof *ratio, cmp_double);
        ov->kernel_scale = ratio[nr / 2] - 1;
    }
    free(ratio);
    oof_overhead(s, n, models, nmodels, ov);
    fit_alone_overhead(models, nmodels, ov);
    double mband = model_band(s, n, models, nmodels, ov);
    printf("model band: 90%% of the training models within x%.3f of their prediction\n",
           exp(mband));
    cJSON *meta = cJSON_CreateObject();
    cJSON_AddNumberToObject(meta, "format", PREDICTOR_FORMAT);
    cJSON_AddStringToObject(meta, "device", device);
    /* the runtime and CPU of the measurements behind the samples */
    /* the measurements' CPU, not this host's: a device retrained elsewhere
     * is still the machine it was measured on */
    cJSON_AddStringToObject(meta, "cpu", nmodels && models[0].cpu[0] ? models[0].cpu
                                                                   : host_cpu_name());
    cJSON_AddStringToObject(meta, "runtime",
                            nmodels && models[0].runtime[0] ? models[0].runtime : "unknown");
    cJSON_AddNumberToObject(meta, "threads", 1);
    char date[32];
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    cJSON_AddStringToObject(meta, "date", date);
    cJSON_AddStringToObject(meta, "protocol", "see the measurement records' protocol field");
    cJSON *pc = cJSON_AddObjectToObject(meta, "profiler_fit");
    cJSON_AddNumberToObject(pc, "a_ms", corr[0]);
    cJSON_AddNumberToObject(pc, "scale", corr[1]);
    cJSON_AddNumberToObject(pc, "per_event_ms", corr[2]);
    /* the cost match took off each profiled kernel for the labels: eval
     * takes the same off the validation profiles (predictor.h) */
    if (nmodels > 0 && models[0].profiler_cost >= 0)
        cJSON_AddNumberToObject(pc, "cost_ms", models[0].profiler_cost);
    cJSON *oh = cJSON_AddObjectToObject(meta, "overhead");
    cJSON_AddNumberToObject(oh, "model_ms", ov->model_ms);
    cJSON_AddNumberToObject(oh, "kernel_ms", ov->kernel_ms);
    cJSON_AddNumberToObject(oh, "kernel_scale", ov->kernel_scale);
    cJSON_AddNumberToObject(oh, "ms_per_act_mb", ov->ms_per_act_mb);
    cJSON_AddNumberToObject(oh, "ms_per_param_mb", ov->ms_per_param_mb);
    cJSON_AddNumberToObject(oh, "scale_per_ln_act_mb", ov->scale_per_ln_act);
    cJSON_AddNumberToObject(oh, "scale_per_act_mb", ov->scale_per_act);
    cJSON_AddNumberToObject(oh, "act_mb_cap", ov->act_cap);
    cJSON_AddNumberToObject(oh, "model_band", mband);
    cJSON_AddNumberToObject(oh, "models", nr);
    cJSON *fb = cJSON_AddObjectToObject(meta, "fallback");
    cJSON_AddNumberToObject(fb, "base_ms", 0.005);
    cJSON_AddNumberToObject(fb, "ms_per_mflop", 0.0004);
    cJSON_AddNumberToObject(fb, "ms_per_kb", 0.00005);
    cJSON_AddNumberToObject(meta, "samples", n);
    cJSON *ks = cJSON_AddArrayToObject(meta, "cross_validation");
    printf("%-12s %-8s %7s %9s %9s %8s  %s\n", "key", "family", "samples", "cv±10%", "cv MAPE",
           "band90", "target per");
    for (int i = 0; i < nstats; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "key", stats[i].name);
        cJSON_AddNumberToObject(e, "samples", stats[i].n);
        cJSON_AddNumberToObject(e, "within10", stats[i].within10);
        cJSON_AddNumberToObject(e, "mape", stats[i].mape);
        cJSON_AddNumberToObject(e, "band", stats[i].band);
        cJSON_AddStringToObject(e, "unit", stats[i].unit);
        cJSON_AddItemToArray(ks, e);
        printf("%-12s %-8s %7d %8.1f%% %8.1f%% %8.3f  %s\n", stats[i].name,
               family_name((FeatureFamily)stats[i].family), stats[i].n,
               100 * stats[i].within10, 100 * stats[i].mape, stats[i].band, stats[i].unit);
    }
    printf("overhead: %.4f ms + %.5f ms/kernel + (%.3f + %.4f ln act MB + %.6f x act MB up to "
           "%.0f) x kernel sum, each kernel + %.5f ms per act MB + %.5f ms per weight MB "
           "(%d models)\n", ov->model_ms, ov->kernel_ms, ov->kernel_scale, ov->scale_per_ln_act,
           ov->scale_per_act, ov->act_cap, ov->ms_per_act_mb, ov->ms_per_param_mb, nr);
    if (worst && write_worst(worst, s, n)) {
        fprintf(stderr, "nnmeter-build train: cannot write '%s'\n", worst);
        code = 3;
    }
    if (oofpath && write_oof(oofpath, s, n)) {
        fprintf(stderr, "nnmeter-build train: cannot write '%s'\n", oofpath);
        code = 3;
    }
    char mpath2[1100];
    snprintf(mpath2, sizeof mpath2, "%s/meta.json", dir);
    if (write_json(mpath2, meta))
        code = 3;
    cJSON_Delete(meta);
done:
    free(rows);
    free(stats);
    free(s);
    free(models);
    return code;
}
