/* overlay.c -- ONNX Runtime profiles over a model's kernels (see overlay.h). */
#include "overlay.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#define PROFILE_MAX_BYTES (1u << 30)

static const char SUFFIX[] = "_kernel_time";

typedef struct {
    char *name, *op;
    Shape output;
    double *durs;
    int n, cap;
} Acc;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* [{"float": [1, 64, 56, 56]}, ...] -> the first output's shape. */
static void first_shape(const cJSON *shapes, Shape *s)
{
    shape_unknown(s);
    const cJSON *o = cJSON_GetArrayItem(shapes, 0);
    const cJSON *dims = o ? o->child : NULL;
    if (!cJSON_IsArray(dims) || cJSON_GetArraySize(dims) > GRAPH_MAX_DIMS)
        return;
    s->ndim = 0;
    for (const cJSON *d = dims->child; d; d = d->next) {
        /* a dim int64 cannot hold (or NaN) is no shape: converting it is UB */
        if (!cJSON_IsNumber(d) || !(d->valuedouble >= -1 && d->valuedouble < 9e18)) {
            shape_unknown(s);
            return;
        }
        s->dims[s->ndim++] = (int64_t)d->valuedouble;
    }
}

static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open profile '%s': %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode) ||
        (unsigned long long)st.st_size > PROFILE_MAX_BYTES) {
        snprintf(err, errlen, "profile '%s' is not a regular file of at most 1 GB", path);
        fclose(f);
        return NULL;
    }
    *len = (size_t)st.st_size;
    char *buf = malloc(*len + 1);
    if (!buf || fread(buf, 1, *len, f) != *len) {
        snprintf(err, errlen, "cannot read profile '%s'", path);
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[*len] = 0;
    return buf;
}

int profile_read_ort(const char *path, Profile *p, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    size_t len;
    char *buf = read_file(path, &len, err, errlen);
    if (!buf)
        return -1;
    cJSON *doc = cJSON_ParseWithLength(buf, len);
    free(buf);
    /* ORT writes a bare array; Chrome's trace format also allows
     * {"traceEvents": [...]} */
    const cJSON *events = cJSON_IsArray(doc) ? doc
                                             : cJSON_GetObjectItemCaseSensitive(doc, "traceEvents");
    if (!cJSON_IsArray(events)) {
        snprintf(err, errlen, "profile '%s' is not ONNX Runtime's profiler output (a JSON "
                 "array of trace events)%s", path, doc ? "" : ": invalid JSON");
        cJSON_Delete(doc);
        return -1;
    }
    Acc *acc = NULL;
    int nacc = 0, cap = 0, model_runs = 0, last = -1, rc = 0;
    for (const cJSON *e = events->child; e && rc == 0; e = e->next) {
        const char *cat = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "cat"));
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "name"));
        if (!cat || !name)
            continue;
        if (strcmp(cat, "Session") == 0 && strcmp(name, "model_run") == 0)
            model_runs++;
        size_t nl = strlen(name), sl = sizeof SUFFIX - 1;
        const cJSON *dur = cJSON_GetObjectItemCaseSensitive(e, "dur");
        if (strcmp(cat, "Node") || nl <= sl || strcmp(name + nl - sl, SUFFIX) ||
            !cJSON_IsNumber(dur))
            continue;
        /* the node: usually the one after the last (execution order) */
        int k = -1;
        if (last + 1 < nacc && strlen(acc[last + 1].name) == nl - sl &&
            strncmp(acc[last + 1].name, name, nl - sl) == 0)
            k = last + 1;
        for (int j = 0; j < nacc && k < 0; j++)
            if (strlen(acc[j].name) == nl - sl && strncmp(acc[j].name, name, nl - sl) == 0)
                k = j;
        if (k < 0) {
            if (nacc == cap) {
                cap = cap ? cap * 2 : 64;
                Acc *na = realloc(acc, (size_t)cap * sizeof *na);
                if (!na) {
                    rc = -1;
                    break;
                }
                acc = na;
            }
            Acc *a = &acc[nacc];
            memset(a, 0, sizeof *a);
            const cJSON *args = cJSON_GetObjectItemCaseSensitive(e, "args");
            const char *op = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(args, "op_name"));
            a->name = strndup(name, nl - sl);
            a->op = strdup(op ? op : "");
            first_shape(cJSON_GetObjectItemCaseSensitive(args, "output_type_shape"), &a->output);
            if (!a->name || !a->op) {
                free(a->name);
                free(a->op);
                rc = -1;
                break;
            }
            k = nacc++;
        }
        Acc *a = &acc[k];
        if (a->n == a->cap) {
            a->cap = a->cap ? a->cap * 2 : 16;
            double *nd = realloc(a->durs, (size_t)a->cap * sizeof *nd);
            if (!nd) {
                rc = -1;
                break;
            }
            a->durs = nd;
        }
        a->durs[a->n++] = dur->valuedouble / 1000.0;
        last = k;
    }
    cJSON_Delete(doc);
    if (rc == 0 && nacc == 0) {
        snprintf(err, errlen, "profile '%s' has no kernel events (cat \"Node\", name "
                 "\"<node>_kernel_time\"): not an ONNX Runtime profile, or profiling was off",
                 path);
        rc = -1;
    } else if (rc) {
        snprintf(err, errlen, "out of memory");
    }
    if (rc == 0) {
        p->k = calloc((size_t)nacc, sizeof *p->k);
        p->strings = calloc((size_t)nacc * 2, sizeof *p->strings);
        if (!p->k || !p->strings) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        }
    }
    int most = 0;
    for (int j = 0; j < nacc; j++) {
        Acc *a = &acc[j];
        if (rc == 0) {
            qsort(a->durs, (size_t)a->n, sizeof *a->durs, cmp_double);
            RuntimeKernel *r = &p->k[p->n++];
            r->name = a->name;
            r->op = a->op;
            r->ms = a->n % 2 ? a->durs[a->n / 2] : 0.5 * (a->durs[a->n / 2 - 1] + a->durs[a->n / 2]);
            r->output = a->output;
            p->strings[p->nstrings++] = a->name;
            p->strings[p->nstrings++] = a->op;
            most = a->n > most ? a->n : most;
        } else {
            free(a->name);
            free(a->op);
        }
        free(a->durs);
    }
    free(acc);
    p->runs = model_runs ? model_runs : most;
    if (rc)
        profile_free(p);
    return rc;
}

void profile_free(Profile *p)
{
    for (int i = 0; i < p->nstrings; i++)
        free(p->strings[i]);
    free(p->strings);
    free(p->k);
    memset(p, 0, sizeof *p);
}

int device_view_overlay(const Graph *g, DeviceView *v, const Profile *p, const char *source)
{
    MatchResult m;
    if (profile_match(g, &v->part, &v->dev->rules, p->k, p->n, &m))
        return -1;
    free(v->measured_ms);
    v->measured_ms = malloc((size_t)(v->part.nkernels ? v->part.nkernels : 1) *
                            sizeof *v->measured_ms);
    if (!v->measured_ms) {
        match_free(&m);
        return -1;
    }
    double on_kernels = 0;
    for (int i = 0; i < v->part.nkernels; i++) {
        const KernelTruth *t = &m.k[i];
        v->measured_ms[i] = t->events + t->split > 0 ? t->ms : NAN;
        on_kernels += t->ms;
    }
    v->measured_from = source;
    v->measured_sum_ms = m.kernel_sum_ms;
    v->measured_other_ms = m.kernel_sum_ms - on_kernels;
    v->measured_unmatched = m.theirs_only;
    v->measured_runs = p->runs;
    match_free(&m);
    return 0;
}
