/* mutate_models.c -- real models, damaged: truncated, bit-flipped and with
 * bytes overwritten, through the whole pipeline of `nnmeter-tui --report
 * --device all` (load, input shapes, shape inference, costs, every shipped
 * device's normalization, kernel detection and prediction, the report in
 * text, JSON or CSV into /dev/null), in one process.
 *
 *   mutate_models [-s SEED] [-m MIN_TOTAL] [-o DIR -k K] -n N PATH... [-n N PATH...]
 *
 * Each PATH (a file, or a directory searched for *.onnx and nn-Meter IR
 * *.nnmeter.json) gets N variants
 * (-n applies to the paths after it).  Every variant must give a graph
 * (what `nnmeter-tui --report` turns into exit 0) or a one-line error with
 * code 2 (EXIT_BADINPUT); anything else, or a sanitizer report, fails.
 * Built in the ASan+UBSan build this is issue 8's mutation test; -m fails
 * the run when fewer variants were tried.  -o DIR -k K also writes K of
 * the variants, spread over the run, to DIR for the real binary
 * (tests/scripts/test_mutate.sh).  Deterministic for a given SEED.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "device.h"
#include "model.h"
#include "report/report.h"

static Device devices[DEVICE_MAX];
static int ndevices;
static FILE *devnull;

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

typedef struct {
    long variants, loaded, rejected, kernels;
    long truncations, flips, overwrites;
    /* variant writing (-o/-k) */
    const char *outdir;
    long keep, kept, stride;
} Stats;

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n > 0 && fseek(f, 0, SEEK_SET) == 0) {
            buf = malloc((size_t)n);
            if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
                free(buf);
                buf = NULL;
            }
            *len = (size_t)n;
        }
    }
    fclose(f);
    return buf;
}

/* A position to damage: the graph's nodes come first in an ONNX file and
 * its inputs, outputs and opset imports last, with the weights between;
 * most damage goes to the two ends, where the structure is. */
static size_t pick_pos(size_t len)
{
    size_t head = len < 65536 ? len : 65536, tail = len < 16384 ? len : 16384;
    switch (rnd() % 4) {
    case 0:
    case 1:
        return (size_t)(rnd() % head);
    case 2:
        return len - 1 - (size_t)(rnd() % tail);
    default:
        return (size_t)(rnd() % len);
    }
}

/* One variant: returns 0, or -1 after printing why it failed. */
static int try_variant(const unsigned char *buf, size_t len, const char *what, Stats *st)
{
    char err[512] = "";
    int code = -1;
    st->variants++;
    Graph *g = model_open_buffer(buf, len, NULL, 0, err, sizeof err, &code);
    if (!g) {
        if (code != EXIT_BADINPUT || !err[0] || strchr(err, '\n')) {
            fprintf(stderr, "FAIL %s: code %d, message '%s'\n", what, code, err);
            return -1;
        }
        st->rejected++;
        return 0;
    }
    st->loaded++;
    DeviceView views[DEVICE_MAX];
    int nviews = 0, rc = 0;
    for (int i = 0; i < ndevices && rc == 0; i++) {
        memset(&views[nviews], 0, sizeof views[nviews]);
        if (device_view(g, &devices[i], &views[nviews]) != 0) {
            fprintf(stderr, "FAIL %s: device %s: out of memory\n", what, devices[i].name);
            rc = -1;
            break;
        }
        st->kernels += views[nviews++].part.nkernels;
    }
    static const ReportFormat fmts[] = {REPORT_TEXT, REPORT_JSON, REPORT_CSV};
    if (rc == 0 && report_write(devnull, g, "variant.onnx", fmts[st->variants % 3], views,
                                nviews)) {
        fprintf(stderr, "FAIL %s: the report could not be written\n", what);
        rc = -1;
    }
    for (int i = 0; i < nviews; i++)
        device_view_free(&views[i]);
    graph_free(g);
    return rc;
}

static void keep_variant(const unsigned char *buf, size_t len, Stats *st)
{
    if (!st->outdir || st->kept >= st->keep || st->variants % st->stride)
        return;
    char path[1200];
    snprintf(path, sizeof path, "%s/variant_%05ld.onnx", st->outdir, st->kept++);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
        fprintf(stderr, "mutate_models: cannot write %s\n", path);
        exit(3);
    }
}

static int mutate_file(const char *path, long n, Stats *st)
{
    size_t len = 0;
    unsigned char *orig = read_file(path, &len);
    if (!orig) {
        fprintf(stderr, "mutate_models: cannot read %s\n", path);
        return -1;
    }
    unsigned char *buf = malloc(len);
    if (!buf) {
        free(orig);
        return -1;
    }
    memcpy(buf, orig, len);
    int rc = 0;
    char what[1300];
    for (long k = 0; k < n && rc == 0; k++) {
        if (k % 4 == 0) {
            /* a truncated copy of exactly the kept length, so ASan sees
             * any read past the end */
            size_t cut = k == 0 ? len / 2 : pick_pos(len);
            unsigned char *t = malloc(cut ? cut : 1);
            if (!t)
                break;
            memcpy(t, orig, cut);
            snprintf(what, sizeof what, "%s truncated to %zu of %zu bytes", path, cut, len);
            keep_variant(t, cut, st);
            rc = try_variant(t, cut, what, st);
            st->truncations++;
            free(t);
            continue;
        }
        /* flip 1-4 bits, or overwrite one byte with a value that changes
         * varints and lengths most (in place, restored afterwards) */
        size_t pos[4];
        int m = 0;
        if (k % 4 == 3) {
            static const unsigned char vals[] = {0x00, 0xff, 0x7f, 0x80, 0x01};
            pos[m++] = pick_pos(len);
            unsigned char v = rnd() % 2 ? vals[rnd() % sizeof vals] : (unsigned char)rnd();
            buf[pos[0]] = v;
            snprintf(what, sizeof what, "%s with byte %zu set to 0x%02x", path, pos[0], v);
            st->overwrites++;
        } else {
            m = 1 + (int)(rnd() % 4);
            int o = snprintf(what, sizeof what, "%s with bits flipped at", path);
            for (int i = 0; i < m; i++) {
                pos[i] = pick_pos(len);
                unsigned bit = (unsigned)(rnd() % 8);
                buf[pos[i]] ^= (unsigned char)(1u << bit);
                if (o > 0 && (size_t)o < sizeof what)
                    o += snprintf(what + o, sizeof what - (size_t)o, " %zu.%u", pos[i], bit);
            }
            st->flips++;
        }
        keep_variant(buf, len, st);
        rc = try_variant(buf, len, what, st);
        for (int i = 0; i < m; i++)
            buf[pos[i]] = orig[pos[i]];
    }
    free(buf);
    free(orig);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Models under dir: *.onnx, and *.nnmeter.json (nn-Meter IR graphs),
 * sorted (deterministic order). */
static int collect(const char *dir, char ***list, int *n, int *cap)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    char **local = NULL;
    int nl = 0, cl = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (nl == cl) {
            cl = cl ? 2 * cl : 64;
            local = realloc(local, (size_t)cl * sizeof *local);
            if (!local)
                exit(3);
        }
        size_t need = strlen(dir) + strlen(e->d_name) + 2;
        local[nl] = malloc(need);
        if (!local[nl])
            exit(3);
        snprintf(local[nl++], need, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (nl)
        qsort(local, (size_t)nl, sizeof *local, cmp_str);
    for (int i = 0; i < nl; i++) {
        struct stat sb;
        size_t L = strlen(local[i]);
        if (stat(local[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
            collect(local[i], list, n, cap);
        } else if ((L > 5 && strcmp(local[i] + L - 5, ".onnx") == 0) ||
                   (L > 13 && strcmp(local[i] + L - 13, ".nnmeter.json") == 0)) {
            if (*n == *cap) {
                *cap = *cap ? 2 * *cap : 256;
                *list = realloc(*list, (size_t)*cap * sizeof **list);
                if (!*list)
                    exit(3);
            }
            (*list)[(*n)++] = local[i];
            continue;
        }
        free(local[i]);
    }
    free(local);
    return 0;
}

static void free_devices(void)
{
    for (int i = 0; i < ndevices; i++)
        device_free(&devices[i]);
    ndevices = 0;
}

int main(int argc, char **argv)
{
    long n = 100, min_total = 0;
    Stats st = {0};
    int nfiles = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    devnull = fopen("/dev/null", "w");
    if (!devnull) {
        perror("mutate_models: /dev/null");
        return 3;
    }
    char names[DEVICE_MAX][64];
    int nd = device_names(names, DEVICE_MAX);
    for (int i = 0; i < nd; i++) {
        char err[600];
        if (device_load(names[i], &devices[ndevices], err, sizeof err)) {
            fprintf(stderr, "mutate_models: device %s: %s\n", names[i], err);
            free_devices();
            return 3;
        }
        ndevices++;
    }
    if (!ndevices) {
        fprintf(stderr, "mutate_models: no devices found (NNMETER_DATA?)\n");
        return 3;
    }

    int rc = 0;
    for (int i = 1; i < argc && rc == 0; i++) {
        const char *a = argv[i];
        if ((!strcmp(a, "-n") || !strcmp(a, "-s") || !strcmp(a, "-m") || !strcmp(a, "-o") ||
             !strcmp(a, "-k")) && i + 1 < argc) {
            const char *v = argv[++i];
            if (!strcmp(a, "-n"))
                n = atol(v);
            else if (!strcmp(a, "-s"))
                rng_state = strtoull(v, NULL, 0) | 1;
            else if (!strcmp(a, "-m"))
                min_total = atol(v);
            else if (!strcmp(a, "-o"))
                st.outdir = v;
            else
                st.keep = atol(v);
            continue;
        }
        if (a[0] == '-') {
            fprintf(stderr, "usage: mutate_models [-s SEED] [-m MIN_TOTAL] [-o DIR -k K] "
                            "-n N PATH... [-n N PATH...]\n");
            rc = 1;
            break;
        }
        if (st.outdir && st.keep > 0 && !st.stride)
            st.stride = min_total > st.keep ? min_total / st.keep : 1;
        struct stat sb;
        if (stat(a, &sb) != 0) {
            fprintf(stderr, "mutate_models: %s: %s\n", a, strerror(errno));
            rc = 1;
            break;
        }
        if (S_ISDIR(sb.st_mode)) {
            char **list = NULL;
            int nl = 0, cl = 0;
            collect(a, &list, &nl, &cl);
            for (int k = 0; k < nl; k++) {
                if (rc == 0 && mutate_file(list[k], n, &st))
                    rc = 2;
                nfiles++;
                free(list[k]);
            }
            free(list);
        } else {
            nfiles++;
            if (mutate_file(a, n, &st))
                rc = 2;
        }
    }
    int ndev = ndevices;
    free_devices();
    fclose(devnull);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    printf("mutate_models: %ld variants of %d models (%ld truncated, %ld bit-flipped, "
           "%ld byte-overwritten) in %.1f s: %ld analysed (%ld kernels over %d devices), "
           "%ld rejected with a one-line error (exit 2)%s\n",
           st.variants, nfiles, st.truncations, st.flips, st.overwrites, secs, st.loaded,
           st.kernels, ndev, st.rejected, rc ? "; FAILED" : "");
    if (rc == 0 && st.variants < min_total) {
        fprintf(stderr, "mutate_models: only %ld variants, wanted >= %ld\n", st.variants,
                min_total);
        rc = 1;
    }
    return rc;
}
