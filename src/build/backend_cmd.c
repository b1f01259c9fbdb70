/* backend_cmd.c -- any program as a device: a phone over adb, a board over
 * ssh, a local benchmark tool.
 *
 *   --cmd 'adb shell /data/local/tmp/benchmark_model --graph=/data/local/tmp/{name}'
 *   --push 'adb push {model} /data/local/tmp/{name}'
 *   --regex 'avg=([0-9.e+]+)' --unit us --per-call
 *
 * The command strings are split into words once, shell-style (single and
 * double quotes, backslash escapes), and never given to a local shell:
 * {model} (the path as given) and {name} (its file name) are substituted
 * inside each word, so a file name is always exactly one argument.  (A
 * remote side may still use a shell: `adb shell` and `ssh` join their
 * arguments into one command line there.)  Each run is fork + execvp with
 * stdout and stderr captured together and a time limit; the latency is the
 * first capture group of a PCRE2 regex over the output, times --unit.
 *
 * A `time` call runs the command `runs` times (after `warmup` runs), or
 * once with --per-call when the command averages many runs itself (TFLite's
 * benchmark_model); that one figure then stands for every run.  No
 * per-kernel profile.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pcre2.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"

/* Output kept per run; a benchmark tool prints a few KB. */
#define OUT_MAX (4u << 20)

typedef struct {
    char **words;
    int n;
} Words;

typedef struct {
    Words cmd, push;
    pcre2_code *re;
    pcre2_match_data *md;
    char **pushed;            /* models pushed in this context */
    int npushed;
} CmdState;

/* ---- options ------------------------------------------------------------- */

void cmd_options_default(CmdOptions *o)
{
    memset(o, 0, sizeof *o);
    o->unit_ms = 1;
    o->timeout_s = 600;
}

int cmd_options_parse(int key, const char *arg, CmdOptions *o, const char *prog)
{
    switch (key - BACKEND_CMD_KEY) {
    case 0: o->cmd = arg; return 0;
    case 1: o->push = arg; return 0;
    case 2: o->regex = arg; return 0;
    case 3: {
        static const struct { const char *name; double ms; } units[] = {
            {"ns", 1e-6}, {"us", 1e-3}, {"ms", 1}, {"s", 1e3}};
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if (strcmp(arg, units[i].name) == 0) {
                o->unit_ms = units[i].ms;
                return 0;
            }
        fprintf(stderr, "%s: --unit '%s' is unknown; use ns, us, ms or s\n", prog, arg);
        return -1;
    }
    case 4: o->per_call = 1; return 0;
    case 5: {
        char *end;
        errno = 0;
        long v = strtol(arg, &end, 10);
        if (errno || *end || end == arg || v < 1 || v > 86400) {
            fprintf(stderr, "%s: --timeout needs seconds in 1..86400, not '%s'\n", prog, arg);
            return -1;
        }
        o->timeout_s = (int)v;
        return 0;
    }
    default:
        return -1;
    }
}

static int cmd_open(Backend *b, char *err, size_t errlen);
static void cmd_close(Backend *b);

int cmd_options_check(const CmdOptions *o, const char *name, const char *prog)
{
    int given = o->cmd || o->push || o->regex || o->unit_ms != 1 || o->per_call ||
                o->timeout_s != 600;
    if (strcmp(name, "cmd") == 0) {
        if (!o->cmd || !o->regex) {
            fprintf(stderr, "%s: --backend cmd needs --cmd 'PROGRAM ARGS' and --regex RE; "
                    "see --help\n", prog);
            return -1;
        }
        /* a bad pattern or quote is a usage error, found before any run */
        Backend b = {.cmd = o, .cpu = -1};
        char err[600];
        if (cmd_open(&b, err, sizeof err)) {
            fprintf(stderr, "%s: %s\n", prog, err);
            return -1;
        }
        cmd_close(&b);
        return 0;
    }
    if (given) {
        fprintf(stderr, "%s: --cmd, --push, --regex, --unit, --per-call and --timeout go "
                "with --backend cmd, not '%s'\n", prog, name);
        return -1;
    }
    return 0;
}

/* ---- splitting ------------------------------------------------------------ */

static void words_free(Words *w)
{
    for (int i = 0; i < w->n; i++)
        free(w->words[i]);
    free(w->words);
    w->words = NULL;
    w->n = 0;
}

/* Shell-style words: blanks separate; '...' is literal; "..." keeps blanks
 * and honours \" \\ \$ \`; a backslash elsewhere quotes the next char.
 * Nothing is expanded.  0, or -1 with err. */
static int split_words(const char *s, Words *w, char *err, size_t errlen)
{
    memset(w, 0, sizeof *w);
    size_t len = strlen(s);
    char *buf = malloc(len + 1);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const char *p = s;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        if (!*p)
            break;
        size_t k = 0;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
            if (*p == '\'') {
                const char *q = strchr(p + 1, '\'');
                if (!q) {
                    snprintf(err, errlen, "unterminated ' at column %d", (int)(p - s) + 1);
                    goto fail;
                }
                memcpy(buf + k, p + 1, (size_t)(q - p - 1));
                k += (size_t)(q - p - 1);
                p = q + 1;
            } else if (*p == '"') {
                const char *start = p++;
                while (*p && *p != '"') {
                    if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
                        p++;
                    buf[k++] = *p++;
                }
                if (!*p) {
                    snprintf(err, errlen, "unterminated \" at column %d",
                             (int)(start - s) + 1);
                    goto fail;
                }
                p++;
            } else if (*p == '\\' && p[1]) {
                buf[k++] = p[1];
                p += 2;
            } else {
                buf[k++] = *p++;
            }
        }
        char **nw = realloc(w->words, (size_t)(w->n + 2) * sizeof *nw);
        if (!nw || !(nw[w->n] = strndup(buf, k))) {
            if (nw)
                w->words = nw;
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        w->words = nw;
        w->words[++w->n] = NULL;
    }
    free(buf);
    if (w->n == 0) {
        snprintf(err, errlen, "the command is empty");
        return -1;
    }
    return 0;
fail:
    free(buf);
    words_free(w);
    return -1;
}

/* Copy of `word` with every {model} and {name} replaced. */
static char *substitute(const char *word, const char *model, const char *name)
{
    size_t cap = strlen(word) + 1, len = 0;
    for (const char *p = word; (p = strchr(p, '{')); p++)
        cap += strlen(model) + strlen(name);
    char *out = malloc(cap);
    if (!out)
        return NULL;
    for (const char *p = word; *p;) {
        const char *v = NULL;
        size_t skip = 0;
        if (strncmp(p, "{model}", 7) == 0)
            v = model, skip = 7;
        else if (strncmp(p, "{name}", 6) == 0)
            v = name, skip = 6;
        if (v) {
            memcpy(out + len, v, strlen(v));
            len += strlen(v);
            p += skip;
        } else {
            out[len++] = *p++;
        }
    }
    out[len] = 0;
    return out;
}

/* ---- running -------------------------------------------------------------- */

typedef struct {
    char *out;                /* stdout + stderr, NUL-terminated */
    size_t len;
    int status;               /* waitpid status */
    int timed_out;
    int exec_errno;           /* execvp failed with this (0: it ran) */
} RunResult;

/* Runs argv with output captured and a time limit.  0, or -1 with err when
 * the run could not be started at all (pipes, fork). */
static int run_capture(char *const argv[], int cpu, int timeout_s, RunResult *r, char *err,
                       size_t errlen)
{
    memset(r, 0, sizeof *r);
    int out[2], ex[2];
    if (pipe2(out, O_CLOEXEC)) {
        snprintf(err, errlen, "cannot create pipes: %s", strerror(errno));
        return -1;
    }
    if (pipe2(ex, O_CLOEXEC)) {
        snprintf(err, errlen, "cannot create pipes: %s", strerror(errno));
        close(out[0]);
        close(out[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "cannot fork: %s", strerror(errno));
        close(out[0]);
        close(out[1]);
        close(ex[0]);
        close(ex[1]);
        return -1;
    }
    if (pid == 0) {
        /* own process group, so a timeout kills whatever it started */
        setpgid(0, 0);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(out[1], 1);
        dup2(out[1], 2);
        if (cpu >= 0) {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(cpu, &set);
            sched_setaffinity(0, sizeof set, &set);
        }
        execvp(argv[0], argv);
        int e = errno;
        if (write(ex[1], &e, sizeof e) < 0)
            _exit(127);
        _exit(127);
    }
    close(out[1]);
    close(ex[1]);
    int e = 0;
    ssize_t n = read(ex[0], &e, sizeof e);
    close(ex[0]);
    if (n == (ssize_t)sizeof e) {
        waitpid(pid, &r->status, 0);
        close(out[0]);
        r->exec_errno = e;
        return 0;
    }
    size_t cap = 65536;
    r->out = malloc(cap);
    double deadline = backend_now_ms() / 1e3 + timeout_s;
    /* read until EOF, or until the child has exited and its output is
     * drained: a daemon it started (adb's server) may hold the pipe open */
    int exited = 0;
    for (;;) {
        double left = deadline - backend_now_ms() / 1e3;
        if (left <= 0 && !exited) {
            r->timed_out = 1;
            break;
        }
        if (!exited && waitpid(pid, &r->status, WNOHANG) == pid)
            exited = 1;
        struct pollfd p = {out[0], POLLIN, 0};
        int pr = poll(&p, 1, exited ? 0 : (int)(left < 0.1 ? left * 1000 : 100) + 1);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0) {
            if (exited)
                break;
            continue;
        }
        char buf[65536];
        ssize_t k = read(out[0], buf, sizeof buf);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        if (r->out && r->len + (size_t)k + 1 > cap && cap < OUT_MAX) {
            size_t nc = cap;
            while (nc < r->len + (size_t)k + 1 && nc < OUT_MAX)
                nc *= 2;
            char *nb = realloc(r->out, nc);
            if (nb) {
                r->out = nb;
                cap = nc;
            }
        }
        size_t room = r->out && cap > r->len + 1 ? cap - r->len - 1 : 0;
        size_t take = (size_t)k < room ? (size_t)k : room;
        if (take) {
            memcpy(r->out + r->len, buf, take);
            r->len += take;
        }
    }
    close(out[0]);
    if (r->timed_out) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
    }
    if (!exited)
        waitpid(pid, &r->status, 0);
    if (!r->out) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->out[r->len] = 0;
    return 0;
}

/* The output's last non-empty line, at most max chars, printable. */
static void last_line(const char *s, size_t len, char *dst, size_t max)
{
    size_t end = len;
    while (end > 0 && (s[end - 1] == '\n' || s[end - 1] == '\r' || s[end - 1] == ' '))
        end--;
    size_t start = end;
    while (start > 0 && s[start - 1] != '\n')
        start--;
    size_t n = end - start < max - 1 ? end - start : max - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[start + i];
        dst[i] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
    }
    dst[n] = 0;
}

/* The first 200 chars of the output, newlines shown as " | ". */
static void output_head(const char *s, size_t len, char *dst, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < len && i < 200 && k + 4 < max; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') {
            memcpy(dst + k, " | ", 3);
            k += 3;
        } else {
            dst[k++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
        }
    }
    dst[k] = 0;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Runs template w for model path.  Returns 0 with r filled (caller frees
 * r->out), 1 when this model's run failed, -1 when the command cannot run
 * at all (err says why). */
static int run_template(const Backend *b, const Words *w, const char *what, const char *path,
                        RunResult *r, char *err, size_t errlen)
{
    char **argv = calloc((size_t)w->n + 1, sizeof *argv);
    int rc = argv ? 0 : -1;
    for (int i = 0; i < w->n && rc == 0; i++)
        if (!(argv[i] = substitute(w->words[i], path, base_name(path))))
            rc = -1;
    if (rc)
        snprintf(err, errlen, "out of memory");
    else
        rc = run_capture(argv, b->cpu, b->cmd->timeout_s, r, err, errlen);
    if (rc == 0 && r->exec_errno) {
        if (r->exec_errno == ENOENT)
            snprintf(err, errlen, "%s: program '%s' not found (is it on PATH?)", what,
                     argv[0]);
        else
            snprintf(err, errlen, "%s: cannot run '%s': %s", what, argv[0],
                     strerror(r->exec_errno));
        rc = -1;
    } else if (rc == 0 && r->timed_out) {
        snprintf(err, errlen, "%s: '%s' did not finish within %d s (--timeout)", what,
                 argv[0], b->cmd->timeout_s);
        rc = 1;
    } else if (rc == 0 && !(WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0)) {
        char line[240];
        last_line(r->out, r->len, line, sizeof line);
        if (WIFSIGNALED(r->status))
            snprintf(err, errlen, "%s: '%s' was killed by signal %d; its last line: %s", what,
                     argv[0], WTERMSIG(r->status), line[0] ? line : "(no output)");
        else
            snprintf(err, errlen, "%s: '%s' exited with code %d; its last line: %s", what,
                     argv[0], WEXITSTATUS(r->status), line[0] ? line : "(no output)");
        rc = 1;
    }
    if (rc) {
        free(r->out);
        r->out = NULL;
    }
    for (int i = 0; argv && i < w->n; i++)
        free(argv[i]);
    free(argv);
    return rc;
}

/* ---- the backend ---------------------------------------------------------- */

static void cmd_close(Backend *b)
{
    CmdState *s = b->state;
    if (!s)
        return;
    words_free(&s->cmd);
    words_free(&s->push);
    pcre2_match_data_free(s->md);
    pcre2_code_free(s->re);
    for (int i = 0; i < s->npushed; i++)
        free(s->pushed[i]);
    free(s->pushed);
    free(s);
    b->state = NULL;
}

static int cmd_open(Backend *b, char *err, size_t errlen)
{
    const CmdOptions *o = b->cmd;
    if (!o || !o->cmd || !o->regex) {
        snprintf(err, errlen, "the cmd backend needs --cmd and --regex");
        return -1;
    }
    CmdState *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    b->state = s;
    char why[256];
    if (split_words(o->cmd, &s->cmd, why, sizeof why)) {
        snprintf(err, errlen, "--cmd: %s", why);
        cmd_close(b);
        return -1;
    }
    if (o->push && split_words(o->push, &s->push, why, sizeof why)) {
        snprintf(err, errlen, "--push: %s", why);
        cmd_close(b);
        return -1;
    }
    int ecode;
    PCRE2_SIZE eoff;
    s->re = pcre2_compile((PCRE2_SPTR)o->regex, PCRE2_ZERO_TERMINATED, 0, &ecode, &eoff, NULL);
    if (!s->re) {
        PCRE2_UCHAR msg[200];
        pcre2_get_error_message(ecode, msg, sizeof msg);
        snprintf(err, errlen, "--regex '%s': %s at column %d", o->regex, (char *)msg,
                 (int)eoff + 1);
        cmd_close(b);
        return -1;
    }
    uint32_t groups = 0;
    pcre2_pattern_info(s->re, PCRE2_INFO_CAPTURECOUNT, &groups);
    if (groups < 1) {
        snprintf(err, errlen, "--regex '%s' has no capture group; put the number in "
                 "parentheses, e.g. 'avg=([0-9.e+]+)'", o->regex);
        cmd_close(b);
        return -1;
    }
    s->md = pcre2_match_data_create_from_pattern(s->re, NULL);
    if (!s->md) {
        snprintf(err, errlen, "out of memory");
        cmd_close(b);
        return -1;
    }
    /* the command string names the runtime: records of different commands
     * never mix in one file (measure --append checks it) */
    snprintf(b->runtime, sizeof b->runtime, "cmd: %s", o->cmd);
    b->threads = 1;
    return 0;
}

/* Pushes the model once per context.  0, 1 (this model failed), -1. */
static int push_model(Backend *b, const char *path, char *err, size_t errlen)
{
    CmdState *s = b->state;
    if (!s->push.n)
        return 0;
    for (int i = 0; i < s->npushed; i++)
        if (strcmp(s->pushed[i], path) == 0)
            return 0;
    RunResult r;
    int rc = run_template(b, &s->push, "--push", path, &r, err, errlen);
    if (rc)
        return rc;
    free(r.out);
    char **np = realloc(s->pushed, (size_t)(s->npushed + 1) * sizeof *np);
    if (!np || !(np[s->npushed] = strdup(path))) {
        if (np)
            s->pushed = np;
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->pushed = np;
    s->npushed++;
    return 0;
}

/* One run of the command: the latency in ms, or 1 / -1 with err. */
static int run_once(Backend *b, const char *path, double *ms, char *err, size_t errlen)
{
    CmdState *s = b->state;
    RunResult r;
    int rc = run_template(b, &s->cmd, "--cmd", path, &r, err, errlen);
    if (rc)
        return rc;
    int m = pcre2_match(s->re, (PCRE2_SPTR)r.out, r.len, 0, 0, s->md, NULL);
    char head[700];
    if (m < 2) {
        output_head(r.out, r.len, head, sizeof head);
        snprintf(err, errlen, "--regex '%s' does not match the output of --cmd (its first "
                 "200 chars: %s)", b->cmd->regex, head[0] ? head : "(no output)");
        free(r.out);
        return 1;
    }
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
    char num[64];
    size_t n = ov[3] - ov[2];
    snprintf(num, sizeof num, "%.*s", (int)(n < sizeof num - 1 ? n : sizeof num - 1),
             r.out + ov[2]);
    free(r.out);
    char *end;
    double v = strtod(num, &end);
    if (end == num || *end || !isfinite(v) || v < 0) {
        snprintf(err, errlen, "--regex captured '%s', which is not a latency (a "
                 "non-negative number)", num);
        return 1;
    }
    *ms = v * b->cmd->unit_ms;
    return 0;
}

static int cmd_time(Backend *b, const MeasureItem *it, int warmup, int runs,
                    double *times_ms, char *err, size_t errlen)
{
    if (it->inputs) {
        snprintf(err, errlen, "the cmd backend cannot set input shapes (@NAME=DIMS): the "
                 "command runs the model as it is");
        return 1;
    }
    int rc = push_model(b, it->path, err, errlen);
    if (rc)
        return rc;
    double ms;
    if (b->cmd->per_call) {
        if ((rc = run_once(b, it->path, &ms, err, errlen)))
            return rc;
        for (int i = 0; i < runs; i++)
            times_ms[i] = ms;
        return 0;
    }
    double start = backend_now_ms();
    for (int i = 0; backend_warming(b, i, warmup, start); i++)
        if ((rc = run_once(b, it->path, &ms, err, errlen)))
            return rc;
    for (int i = 0; i < runs; i++)
        if ((rc = run_once(b, it->path, &times_ms[i], err, errlen)))
            return rc;
    return 0;
}

int backend_cmd_init(Backend *b)
{
    b->name = "cmd";
    b->open = cmd_open;
    b->close = cmd_close;
    b->time = cmd_time;
    b->profile = NULL;
    return 0;
}
