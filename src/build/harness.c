/* harness.c -- child process with JSON-line pipes (see harness.h). */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/datadir.h"

/* Exit code by which ort_harness.js says onnxruntime-node is missing. */
#define HARNESS_EXIT_NO_RUNTIME 3

int harness_start(Harness *h, char *const argv[], int cpu, char *err, size_t errlen)
{
    memset(h, 0, sizeof *h);
    h->pid = -1;
    h->to_child = h->from_child = -1;
    h->cpu = cpu;
    int in[2], out[2], ex[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) {
        snprintf(err, errlen, "cannot create pipes: %s", strerror(errno));
        return -1;
    }
    /* ex carries errno of a failed exec back to the parent */
    if (pipe2(ex, O_CLOEXEC)) {
        snprintf(err, errlen, "cannot create pipes: %s", strerror(errno));
        return -1;
    }
    signal(SIGPIPE, SIG_IGN);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "cannot fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
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
    close(in[0]);
    close(out[1]);
    close(ex[1]);
    int e = 0;
    ssize_t n = read(ex[0], &e, sizeof e);
    close(ex[0]);
    if (n == (ssize_t)sizeof e) {
        waitpid(pid, NULL, 0);
        close(in[1]);
        close(out[0]);
        if (e == ENOENT)
            snprintf(err, errlen, "'%s' not found: install Node.js (apt-get install nodejs)",
                     argv[0]);
        else
            snprintf(err, errlen, "cannot run '%s': %s", argv[0], strerror(e));
        return -1;
    }
    h->pid = pid;
    h->to_child = in[1];
    h->from_child = out[0];
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Why the child went away, as a message naming the fix. */
static void child_gone(Harness *h, char *err, size_t errlen)
{
    int status = 0;
    if (h->pid > 0 && waitpid(h->pid, &status, 0) == h->pid) {
        h->pid = -1;
        if (WIFEXITED(status) && WEXITSTATUS(status) == HARNESS_EXIT_NO_RUNTIME) {
            snprintf(err, errlen, "onnxruntime-node is not installed: run "
                     "'npm ci --ignore-scripts' in %s", nnm_datadir());
            return;
        }
        if (WIFSIGNALED(status)) {
            snprintf(err, errlen, "the ONNX Runtime harness died (signal %d)",
                     WTERMSIG(status));
            return;
        }
        snprintf(err, errlen, "the ONNX Runtime harness exited (code %d) without "
                 "answering", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return;
    }
    snprintf(err, errlen, "the ONNX Runtime harness went away");
}

static int write_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads until a newline; returns the line (in h->buf) length or -1. */
static ssize_t read_line(Harness *h, int timeout_s, int *timed_out)
{
    double deadline = now_s() + timeout_s;
    *timed_out = 0;
    for (;;) {
        char *nl = h->len ? memchr(h->buf, '\n', h->len) : NULL;
        if (nl)
            return nl - h->buf;
        double left = deadline - now_s();
        if (left <= 0) {
            *timed_out = 1;
            return -1;
        }
        struct pollfd p = {h->from_child, POLLIN, 0};
        int pr = poll(&p, 1, (int)(left * 1000) + 1);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            continue;
        if (h->cap - h->len < 65536) {
            size_t nc = h->cap ? h->cap * 2 : 1 << 20;
            char *nb = realloc(h->buf, nc);
            if (!nb)
                return -1;
            h->buf = nb;
            h->cap = nc;
        }
        ssize_t r = read(h->from_child, h->buf + h->len, h->cap - h->len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        h->len += (size_t)r;
    }
}

cJSON *harness_call(Harness *h, const cJSON *req, int timeout_s, char *err, size_t errlen)
{
    if (h->pid <= 0) {
        snprintf(err, errlen, "the ONNX Runtime harness is not running");
        return NULL;
    }
    char *line = cJSON_PrintUnformatted(req);
    if (!line) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int wr = write_all(h->to_child, line, strlen(line)) || write_all(h->to_child, "\n", 1);
    cJSON_free(line);
    if (wr) {
        child_gone(h, err, errlen);
        return NULL;
    }
    int timed_out;
    ssize_t n = read_line(h, timeout_s, &timed_out);
    if (n < 0) {
        if (timed_out) {
            snprintf(err, errlen, "the ONNX Runtime harness did not answer within %d s",
                     timeout_s);
            harness_stop(h);
        } else {
            child_gone(h, err, errlen);
        }
        return NULL;
    }
    h->buf[n] = 0;
    cJSON *ans = cJSON_Parse(h->buf);
    memmove(h->buf, h->buf + n + 1, h->len - (size_t)n - 1);
    h->len -= (size_t)n + 1;
    if (!ans)
        snprintf(err, errlen, "the ONNX Runtime harness answered something that is not JSON");
    return ans;
}

void harness_stop(Harness *h)
{
    if (h->to_child >= 0)
        close(h->to_child);
    h->to_child = -1;
    if (h->pid > 0) {
        for (int i = 0; i < 50; i++) {
            if (waitpid(h->pid, NULL, WNOHANG) == h->pid) {
                h->pid = -1;
                break;
            }
            usleep(20000);
        }
        if (h->pid > 0) {
            kill(h->pid, SIGKILL);
            waitpid(h->pid, NULL, 0);
            h->pid = -1;
        }
    }
    if (h->from_child >= 0)
        close(h->from_child);
    h->from_child = -1;
    free(h->buf);
    h->buf = NULL;
    h->len = h->cap = 0;
}

const char *harness_ort_script(void)
{
    static char path[PATH_MAX];
    const char *env = getenv("NNMETER_ORT_HARNESS");
    if (env && env[0])
        return env;
    snprintf(path, sizeof path, "%s/src/build/ort_harness.js", nnm_datadir());
    if (access(path, R_OK) == 0)
        return path;
    snprintf(path, sizeof path, "%s/ort_harness.js", nnm_datadir());
    return access(path, R_OK) == 0 ? path : NULL;
}
