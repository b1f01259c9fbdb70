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

/* The command backend's settings (backend_cmd.c): --cmd, --push, --regex,
 * --unit, --per-call, --timeout of measure and detect-rules. */
typedef struct {
    const char *cmd;        /* argv template; {model} = path, {name} = basename */
    const char *push;       /* optional; run before the first timing of a model */
    const char *regex;      /* PCRE2; its first capture group is the latency */
    double unit_ms;         /* ms per unit of the captured number (us: 0.001) */
    int per_call;           /* the command averages itself: once per time call */
    int timeout_s;          /* per command run */
} CmdOptions;

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
    /* Warm-up lasts at least this long too (ms), besides `warmup` runs: a
     * kernel of a few us timed right after a bigger model runs slower for
     * about a millisecond (measure --warmup-ms; backend_init sets
     * BACKEND_WARMUP_MS). */
    double warmup_ms;
    const CmdOptions *cmd;  /* the cmd backend's settings (NULL for the others) */
    /* How the backend times a run, when the protocol should say more than
     * the options do (XNNPACK batches short runs); NULL for nothing. */
    const char *timing_note;
    void *state;
};

/* Fills b for a backend name (the table in backend.c); -1 when unknown. */
int backend_init(Backend *b, const char *name);
/* The default warm-up time per visit, ms (measure --warmup-ms). */
#define BACKEND_WARMUP_MS 2.0
/* A monotonic clock, ms. */
double backend_now_ms(void);
/* Whether a visit that started warming up at start_ms and has done `done`
 * warm-up runs needs another: until `warmup` runs and b->warmup_ms. */
int backend_warming(const Backend *b, int done, int warmup, double start_ms);
/* "ort, xnnpack": the names backend_init knows, for messages. */
const char *backend_names(void);

/* The backends; each sets name and the functions of a zeroed b. */
int backend_ort_init(Backend *b);       /* backend_ort.c */
int backend_xnnpack_init(Backend *b);   /* backend_xnnpack.c */
int backend_cmd_init(Backend *b);       /* backend_cmd.c */

/* The cmd backend's options, shared by measure and detect-rules: long
 * options with keys from BACKEND_CMD_KEY, their --help lines, and the
 * parser for one of them (0, or -1 after printing a one-line error). */
enum { BACKEND_CMD_KEY = 1000 };
#define BACKEND_CMD_LONGOPTS                                                   \
    {"cmd", required_argument, 0, BACKEND_CMD_KEY},                            \
    {"push", required_argument, 0, BACKEND_CMD_KEY + 1},                       \
    {"regex", required_argument, 0, BACKEND_CMD_KEY + 2},                      \
    {"unit", required_argument, 0, BACKEND_CMD_KEY + 3},                       \
    {"per-call", no_argument, 0, BACKEND_CMD_KEY + 4},                         \
    {"timeout", required_argument, 0, BACKEND_CMD_KEY + 5}
#define BACKEND_CMD_NOPTS 6
#define BACKEND_CMD_USAGE                                                      \
    "  --cmd 'PROGRAM ARGS'   (backend cmd) the command timing one model, split\n" \
    "                         into words once (quotes work), never run by a shell;\n" \
    "                         {model} is the model path, {name} its file name\n" \
    "  --push 'PROGRAM ARGS'  (backend cmd) run before a model's first timing in\n" \
    "                         each round, e.g. 'adb push {model} /data/local/tmp/{name}'\n" \
    "  --regex RE             (backend cmd) PCRE2 whose first group captures the\n" \
    "                         latency in the command's output (stdout + stderr)\n" \
    "  --unit us|ms|s|ns      (backend cmd) unit of the captured number (default ms)\n" \
    "  --per-call             (backend cmd) the command averages many runs itself:\n" \
    "                         run it once per visit instead of --runs times\n" \
    "  --timeout SECONDS      (backend cmd) per command run (default 600)\n"
void cmd_options_default(CmdOptions *o);
int cmd_options_parse(int key, const char *arg, CmdOptions *o, const char *prog);
/* Whether any cmd option was given; checks they go with backend `name`
 * (prints the error and returns -1 when not). */
int cmd_options_check(const CmdOptions *o, const char *name, const char *prog);

#endif
