/* backend_ort.c -- ONNX Runtime 1.30 on this host's CPU, via the Node
 * harness (src/build/ort_harness.js).  One harness process per round, so
 * every round starts from a fresh process and a fresh session: the
 * session-to-session variance is part of what the rounds average out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "harness.h"

static int ort_open(Backend *b, char *err, size_t errlen)
{
    const char *script = harness_ort_script();
    if (!script) {
        snprintf(err, errlen, "ort_harness.js not found under the data directory; "
                 "set NNMETER_DATA to the nnmeter-tui source tree");
        return -1;
    }
    Harness *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char *argv[] = {"node", (char *)script, NULL};
    if (harness_start(h, argv, b->cpu, err, errlen)) {
        free(h);
        return -1;
    }
    b->state = h;
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "cmd", "info");
    cJSON *ans = harness_call(h, req, 60, err, errlen);
    cJSON_Delete(req);
    if (!ans) {
        b->close(b);
        return -1;
    }
    const cJSON *rt = cJSON_GetObjectItem(ans, "runtime");
    snprintf(b->runtime, sizeof b->runtime, "%s",
             cJSON_IsString(rt) ? rt->valuestring : "onnxruntime-node ?");
    cJSON_Delete(ans);
    b->threads = 1;
    return 0;
}

/* EOF on its stdin ends the harness (it answers "quit" the same way). */
static void ort_close(Backend *b)
{
    Harness *h = b->state;
    if (h) {
        harness_stop(h);
        free(h);
    }
    b->state = NULL;
}

static cJSON *time_request(const MeasureItem *it, int warmup, double warmup_ms, int runs,
                           int profile)
{
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "cmd", "time");
    cJSON_AddStringToObject(req, "model", it->path);
    if (it->inputs)
        cJSON_AddItemToObject(req, "inputs", cJSON_Duplicate(it->inputs, 1));
    cJSON_AddNumberToObject(req, "warmup", warmup);
    cJSON_AddNumberToObject(req, "warmup_ms", warmup_ms);
    cJSON_AddNumberToObject(req, "runs", runs);
    cJSON_AddBoolToObject(req, "profile", profile);
    return req;
}

/* Sends a time request; returns the answer when ok, NULL with err set and
 * *fatal telling whether the harness itself failed. */
static cJSON *call_time(Backend *b, cJSON *req, char *err, size_t errlen, int *fatal)
{
    *fatal = 0;
    cJSON *ans = harness_call(b->state, req, 900, err, errlen);
    cJSON_Delete(req);
    if (!ans) {
        *fatal = 1;
        return NULL;
    }
    if (!cJSON_IsTrue(cJSON_GetObjectItem(ans, "ok"))) {
        const cJSON *e = cJSON_GetObjectItem(ans, "error");
        snprintf(err, errlen, "ONNX Runtime: %s",
                 cJSON_IsString(e) ? e->valuestring : "refused the model");
        cJSON_Delete(ans);
        return NULL;
    }
    return ans;
}

static int ort_time(Backend *b, const MeasureItem *it, int warmup, int runs,
                    double *times_ms, char *err, size_t errlen)
{
    int fatal;
    cJSON *ans = call_time(b, time_request(it, warmup, b->warmup_ms, runs, 0), err, errlen, &fatal);
    if (!ans)
        return fatal ? -1 : 1;
    const cJSON *t = cJSON_GetObjectItem(ans, "times_ms");
    int n = cJSON_GetArraySize(t);
    if (n != runs) {
        snprintf(err, errlen, "the harness returned %d times for %d runs", n, runs);
        cJSON_Delete(ans);
        return -1;
    }
    int i = 0;
    for (const cJSON *e = t->child; e; e = e->next)
        times_ms[i++] = e->valuedouble;
    cJSON_Delete(ans);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static double trimmed_mean(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    int cut = n / 5, m = 0;
    double s = 0;
    for (int i = cut; i < n - cut; i++, m++)
        s += v[i];
    return m ? s / m : 0;
}

/* First output's dims from ORT's [{"float":[1,64,56,56]}] form. */
static cJSON *first_shape(const cJSON *shapes)
{
    const cJSON *o = cJSON_GetArrayItem(shapes, 0);
    const cJSON *dims = o ? o->child : NULL;
    return dims && cJSON_IsArray(dims) ? cJSON_Duplicate(dims, 1) : cJSON_CreateNull();
}

/* Per kernel (in execution order of run 0), the median duration over runs. */
static cJSON *ort_profile(Backend *b, const MeasureItem *it, int runs, char *err,
                          size_t errlen)
{
    int fatal;
    cJSON *ans = call_time(b, time_request(it, 3, b->warmup_ms, runs, 1), err, errlen, &fatal);
    if (!ans)
        return NULL;
    const cJSON *prof = cJSON_GetObjectItem(ans, "profile");
    cJSON *kernels = cJSON_CreateArray();
    double *durs = malloc((size_t)(runs > 0 ? runs : 1) * sizeof *durs);
    double sum = 0;
    /* events of run 0 define the kernel list; match the other runs' events
     * by name (walking the list: indexing a cJSON array is linear) */
    for (const cJSON *ev = prof ? prof->child : NULL; ev && durs; ev = ev->next) {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(ev, "name"));
        if (!name || cJSON_GetNumberValue(cJSON_GetObjectItem(ev, "run")) != 0)
            continue;
        int nd = 0;
        for (const cJSON *e2 = prof->child; e2 && nd < runs; e2 = e2->next) {
            const char *n2 = cJSON_GetStringValue(cJSON_GetObjectItem(e2, "name"));
            if (n2 && strcmp(n2, name) == 0)
                durs[nd++] = cJSON_GetNumberValue(cJSON_GetObjectItem(e2, "dur_us")) / 1000.0;
        }
        /* the profiler counts whole microseconds: a trimmed mean over the
         * runs resolves kernels of a few microseconds better than a median */
        double med = trimmed_mean(durs, nd);
        sum += med;
        cJSON *k = cJSON_CreateObject();
        cJSON_AddStringToObject(k, "name", name);
        const cJSON *op = cJSON_GetObjectItem(ev, "op_name");
        cJSON_AddStringToObject(k, "op_name", cJSON_IsString(op) ? op->valuestring : "");
        cJSON_AddNumberToObject(k, "dur_ms", med);
        cJSON_AddItemToObject(k, "output_shape",
                              first_shape(cJSON_GetObjectItem(ev, "output_shapes")));
        cJSON_AddItemToArray(kernels, k);
    }
    double run_med = 0;
    const cJSON *ru = cJSON_GetObjectItem(ans, "run_us");
    int nr = cJSON_GetArraySize(ru);
    if (nr > 0 && durs) {
        double *rv = malloc((size_t)nr * sizeof *rv);
        if (rv) {
            int i = 0;
            for (const cJSON *e = ru->child; e; e = e->next)
                rv[i++] = e->valuedouble / 1000.0;
            run_med = median(rv, nr);
            free(rv);
        }
    }
    free(durs);
    cJSON_Delete(ans);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "kernels", kernels);
    cJSON_AddNumberToObject(out, "kernel_sum_ms", sum);
    cJSON_AddNumberToObject(out, "run_ms", run_med);
    return out;
}

int backend_ort_init(Backend *b)
{
    b->name = "ort";
    b->open = ort_open;
    b->close = ort_close;
    b->time = ort_time;
    b->profile = ort_profile;
    return 0;
}
