/* device.c -- finding and loading devices (see device.h). */
#include "device.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/datadir.h"

void device_user_dir(char *buf, size_t len)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    if (xdg && xdg[0])
        snprintf(buf, len, "%s/nnmeter/rules", xdg);
    else
        snprintf(buf, len, "%s/.config/nnmeter/rules", home ? home : ".");
}

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n > k && strcmp(s + n - k, suf) == 0;
}

static int add_dir(const char *dir, char names[][64], int n, int max)
{
    DIR *d = opendir(dir);
    if (!d)
        return n;
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        if (!has_suffix(e->d_name, ".rules") || strlen(e->d_name) - 6 >= 64)
            continue;
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(strlen(e->d_name) - 6), e->d_name);
        int dup = 0;
        for (int i = 0; i < n; i++)
            dup |= strcmp(names[i], name) == 0;
        if (!dup)
            snprintf(names[n++], 64, "%s", name);
    }
    closedir(d);
    return n;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

int device_names(char names[][64], int max)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/rules", nnm_datadir());
    int n = add_dir(dir, names, 0, max);
    device_user_dir(dir, sizeof dir);
    n = add_dir(dir, names, n, max);
    qsort(names, (size_t)n, 64, cmp_name);
    return n;
}

int device_load(const char *name, Device *d, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "%s", name);
    char dir[500];
    snprintf(d->shipped_path, sizeof d->shipped_path, "%s/rules/%s.rules", nnm_datadir(), name);
    device_user_dir(dir, sizeof dir);
    snprintf(d->user_path, sizeof d->user_path, "%s/%s.rules", dir, name);
    const char *path = NULL;
    if (access(d->user_path, R_OK) == 0) {
        path = d->user_path;
        d->user_copy = 1;
    } else if (access(d->shipped_path, R_OK) == 0) {
        path = d->shipped_path;
    }
    if (!path) {
        char names[DEVICE_MAX][64];
        int n = device_names(names, DEVICE_MAX);
        char list[400] = "";
        size_t off = 0;
        for (int i = 0; i < n && off < sizeof list; i++) {
            int w = snprintf(list + off, sizeof list - off, "%s%s", i ? ", " : "", names[i]);
            if (w > 0)
                off += (size_t)w;
        }
        snprintf(err, errlen, "unknown device '%s'; known devices: %s (see --list-devices)",
                 name, n ? list : "none");
        return -1;
    }
    if (rules_load(path, &d->rules, err, errlen))
        return -1;
    /* a broken predictor costs this device its latencies, not the run */
    d->pred = predictor_load(name, d->pred_error, sizeof d->pred_error);
    return 0;
}

void device_free(Device *d)
{
    rules_free(&d->rules);
    predictor_free(d->pred);
    d->pred = NULL;
}

/* The model's range: kernel errors are summed in quadrature.  Adding each
 * kernel's 90% bound would assume every kernel misses the same way at
 * once; but the errors kernels share (a model's cache pressure, its
 * measurement's host state) are not independent either, so the device's
 * model-level band (predictor_model_band) joins in quadrature; eval
 * prints how often the range holds the measurement. */
static int predict_view(const Graph *g, DeviceView *v)
{
    const Predictor *p = v->dev->pred;
    v->total_ms = v->total_lo = v->total_hi = 0;
    v->nfallback = 0;
    if (!p)
        return 0;
    v->pred = calloc((size_t)(v->part.nkernels ? v->part.nkernels : 1), sizeof *v->pred);
    if (!v->pred)
        return -1;
    double down = 0, up = 0;
    for (int i = 0; i < v->part.nkernels; i++) {
        Prediction *pr = &v->pred[i];
        predict_kernel(p, g, &v->ng, &v->part.kernels[i], pr);
        v->total_ms += pr->ms;
        down += (pr->ms - pr->lo) * (pr->ms - pr->lo);
        up += (pr->hi - pr->ms) * (pr->hi - pr->ms);
        v->nfallback += pr->source == PRED_FALLBACK;
    }
    int n = v->part.nkernels;
    double sum = v->total_ms, act, param;
    partition_traffic(g, &v->part, &act, &param);
    v->total_ms = predictor_total_ms(p, sum, n, act);
    v->total_lo = predictor_total_ms(p, sum - sqrt(down) > 0 ? sum - sqrt(down) : 0, n, act);
    v->total_hi = predictor_total_ms(p, sum + sqrt(up), n, act);
    /* the errors kernels share, in quadrature with their own */
    double b = predictor_model_band(p);
    double dlo = v->total_ms - v->total_lo, dhi = v->total_hi - v->total_ms;
    double mlo = v->total_ms * (1 - exp(-b)), mhi = v->total_ms * (exp(b) - 1);
    v->total_lo = v->total_ms - sqrt(dlo * dlo + mlo * mlo);
    if (v->total_lo < 0)
        v->total_lo = 0;
    v->total_hi = v->total_ms + sqrt(dhi * dhi + mhi * mhi);
    return 0;
}

int device_view(const Graph *g, Device *d, DeviceView *v)
{
    memset(v, 0, sizeof *v);
    v->dev = d;
    NormConfig cfg = rules_norm_config(&d->rules);
    if (normalize(g, &cfg, &v->ng))
        return -1;
    if (detect_kernels(g, &v->ng, &d->rules, &v->part) || predict_view(g, v)) {
        device_view_free(v);
        return -1;
    }
    return 0;
}

void device_view_free(DeviceView *v)
{
    free(v->pred);
    v->pred = NULL;
    free(v->measured_ms);
    v->measured_ms = NULL;
    partition_free(&v->part);
    normgraph_free(&v->ng);
}
