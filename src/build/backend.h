/* backend.h -- what a measuring backend does, whatever runs the model.
 *
 * The noise-proof protocol (measure.c) is the same for every device; a
 * backend only knows how to start a fresh context (a new process for ORT),
 * time one model, and optionally profile its kernels.  ORT lives in
 * backend_ort.c; XNNPACK and the command backend plug in the same way.
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

/* Fills b for a backend name; -1 when unknown. */
int backend_init(Backend *b, const char *name);

#endif
