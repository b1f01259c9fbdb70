/* backend.h -- what a measuring backend does, whatever runs the model.
 *
 * The noise-proof protocol (measure.c) is the same for every device; a
 * backend only knows how to start a fresh context (a new process for ORT),
 * time one model, and optionally profile its kernels.  ORT lives in
 * backend_ort.c, XNNPACK (in this process) in backend_xnnpack.c; backend.c
 * lists them.  A backend without a per-kernel profiler leaves profile NULL.
 */
#ifndef NNM_BACKEND_H
#define NNM_BACKEND_H

#include <stddef.h>
#include <cjson/cJSON.h>

typedef struct {
    const char *path;       /* model file, as given */
    cJSON *inputs;          /* {"name":[dims]} or NULL */
} MeasureItem;

typedef struct Backend Backend;
struct Backend {
    const char *name;
    /* Start a fresh context (called once per round). */
    int (*open)(Backend *b, char *err, size_t errlen);
    void (*close)(Backend *b);
    /* Times `runs` runs after `warmup`; writes them to times_ms.  Returns 0,
     * 1 when this model failed (err says why; others go on), -1 when the
     * backend itself failed. */
    int (*time)(Backend *b, const MeasureItem *it, int warmup, int runs,
                double *times_ms, char *err, size_t errlen);
    /* Per-kernel profile: returns {"kernels":[...],"run_ms":x} or NULL. */
    cJSON *(*profile)(Backend *b, const MeasureItem *it, int runs, char *err,
                      size_t errlen);
    char runtime[128];      /* e.g. "onnxruntime-node 1.30.0", set by open */
    int threads;
    int cpu;                /* pin to this CPU, -1 for none */
    void *state;
};

/* Fills b for a backend name (the table in backend.c); -1 when unknown. */
int backend_init(Backend *b, const char *name);
/* "ort, xnnpack": the names backend_init knows, for messages. */
const char *backend_names(void);

/* The backends; each sets name and the functions of a zeroed b. */
int backend_ort_init(Backend *b);       /* backend_ort.c */
int backend_xnnpack_init(Backend *b);   /* backend_xnnpack.c */

#endif
