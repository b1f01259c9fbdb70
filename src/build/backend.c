/* backend.c -- the measuring backends by name (see backend.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backend.h"

#ifndef NNM_HAVE_XNNPACK
/* Built without libxnnpack-dev: the name is known, opening says why not. */
static int xnn_missing(Backend *b, char *err, size_t errlen)
{
    (void)b;
    snprintf(err, errlen, "this nnmeter-build was built without XNNPACK; install "
             "libxnnpack-dev and libpthreadpool-dev (./setup.sh does), then rebuild");
    return -1;
}

static void xnn_missing_close(Backend *b) { (void)b; }

int backend_xnnpack_init(Backend *b)
{
    b->name = "xnnpack";
    b->open = xnn_missing;
    b->close = xnn_missing_close;
    return 0;
}
#endif

static const struct {
    const char *name;
    int (*init)(Backend *b);
} backends[] = {
    {"ort", backend_ort_init},          /* ONNX Runtime 1.30 via Node, 1 thread */
    {"xnnpack", backend_xnnpack_init},  /* XNNPACK in this process, 1 thread */
    {"cmd", backend_cmd_init},          /* any program: --cmd, --regex (backend_cmd.c) */
};
#define NBACKENDS (int)(sizeof backends / sizeof backends[0])

int backend_init(Backend *b, const char *name)
{
    memset(b, 0, sizeof *b);
    b->cpu = -1;
    b->warmup_ms = BACKEND_WARMUP_MS;
    for (int i = 0; i < NBACKENDS; i++)
        if (strcmp(name, backends[i].name) == 0)
            return backends[i].init(b);
    return -1;
}

double backend_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

int backend_warming(const Backend *b, int done, int warmup, double start_ms)
{
    return done < warmup || backend_now_ms() - start_ms < b->warmup_ms;
}

const char *backend_names(void)
{
    static char names[128];
    if (!names[0]) {
        size_t len = 0;
        for (int i = 0; i < NBACKENDS && len < sizeof names; i++)
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "",
                                    backends[i].name);
    }
    return names;
}
