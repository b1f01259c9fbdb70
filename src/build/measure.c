/* measure.c -- the noise-proof measurement protocol (see measure.h). */
#include "measure.h"

#include <errno.h>
#include <math.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "backend.h"
#include "graph/graph.h"
#include "graph/inputs.h"
#include "filehash.h"
#include "util/hostcpu.h"

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_BADINPUT = 2, EXIT_INTERNAL = 3 };

typedef struct {
    MeasureItem item;
    double *round_min;      /* one per round visited */
    int nrounds;
    double latency_ms;      /* the round minima's statistic (MeasureOpts.stat_min) */
    double median_ms;       /* median of all round minima */
    double spread;          /* (median - latency) / latency */
    char error[512];        /* non-empty: this model failed */
    cJSON *profile;
} Entry;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double min_of(const double *v, int n)
{
    double m = v[0];
    for (int i = 1; i < n; i++)
        if (v[i] < m)
            m = v[i];
    return m;
}

/* The mean of the two lowest of v (the one value when n is 1); sorts v. */
static double mean_two_lowest(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n > 1 ? 0.5 * (v[0] + v[1]) : v[0];
}

/* The latency is the mean of the two lowest round minima (the one round's
 * minimum when there is one), or with --statistic min their minimum.
 * Contention on a shared host only ever adds time, and on this host it
 * comes in spells of seconds that can cover all of one model's visits, so
 * the repeatable figure is the floor of many rounds, confirmed by a second
 * visit.  Two measure runs of the 48
 * validation models, 15 rounds each, on a noisy day agreed within ±10% for
 * 98% of the models with this statistic over all 15 rounds, 94% with the
 * minimum or the median of the lowest quarter, 90% with the median; over
 * their first 5 rounds only, 77% (mean of two lowest) and 69% (minimum).
 * On the Xeon, kernels measured alone by XNNPACK run at two or three
 * discrete speeds in spells of seconds (the same runtime and buffers: a
 * 48x48x96 depthwise conv 115 us in some visits, 142 or 155 us in others),
 * and the fast speed may come in one round of 18: two measurements of the
 * 1,090 validation kernels agree within 10% for 94.8% with the minimum,
 * 92.6% with the mean of the two lowest (README, session 10).
 * The spread is how far the median round sat above the latency: (median -
 * latency) / latency; models above --max-spread can get extra rounds. */
static void summarise(Entry *e, int stat_min)
{
    int n = e->nrounds;
    if (n == 0)
        return;
    double *v = malloc((size_t)n * sizeof *v);
    if (!v)
        return;
    memcpy(v, e->round_min, (size_t)n * sizeof *v);
    e->latency_ms = mean_two_lowest(v, n); /* sorted now */
    if (stat_min)
        e->latency_ms = v[0];
    e->median_ms = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    e->spread = e->latency_ms > 0 ? (e->median_ms - e->latency_ms) / e->latency_ms : 0;
    free(v);
}

/* "model.onnx@x=1x3x224x224,y=1x10" -> path + inputs JSON. */
static int parse_item(const char *arg, MeasureItem *it, char *err, size_t errlen)
{
    it->inputs = NULL;
    const char *at = strrchr(arg, '@');
    if (!at || !strchr(at, '=')) {
        it->path = strdup(arg);
        return it->path ? 0 : -1;
    }
    it->path = strndup(arg, (size_t)(at - arg));
    it->inputs = cJSON_CreateObject();
    char *specs = strdup(at + 1);
    if (!it->path || !it->inputs || !specs) {
        free(specs);
        return -1;
    }
    int rc = 0;
    char *save = NULL;
    for (char *tok = strtok_r(specs, ",", &save); tok && rc == 0;
         tok = strtok_r(NULL, ",", &save)) {
        InputSpec s;
        if (input_spec_parse(tok, &s, err, errlen)) {
            rc = -1;
            break;
        }
        cJSON *dims = cJSON_CreateArray();
        for (int d = 0; d < s.shape.ndim; d++)
            cJSON_AddItemToArray(dims, cJSON_CreateNumber((double)s.shape.dims[d]));
        cJSON_AddItemToObject(it->inputs, s.name, dims);
    }
    free(specs);
    return rc;
}

/* A fixed permutation per round: rotate by the round and reverse odd
 * rounds, so every model is early, late, before and after every other. */
static void round_order(int *order, int n, int round)
{
    for (int i = 0; i < n; i++) {
        int k = (i + round * (n / 3 + 1)) % n;
        order[i] = round % 2 ? n - 1 - k : k;
    }
}

/* The first entry, in the round's order, still to measure (todo: NULL for
 * all) and not failed; -1 when none is. */
static int first_live(const Entry *es, const int *order, int n, const int *todo)
{
    for (int i = 0; i < n; i++)
        if ((!todo || todo[order[i]]) && !es[order[i]].error[0])
            return order[i];
    return -1;
}

/* One round over the entries marked in `todo`.  Returns 0, or -1 when the
 * backend failed (err set). */
static int run_round(Backend *b, Entry *es, int n, const int *todo, int round,
                     const MeasureOpts *o, double *times, char *err, size_t errlen)
{
    if (b->open(b, err, errlen))
        return -1;
    int *order = malloc((size_t)n * sizeof *order);
    if (!order) {
        b->close(b);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    round_order(order, n, round);
    int rc = 0;
    /* the first session of a fresh process runs about twice as slow as the
     * next ones (start-up, first-touch page faults; seen with a reference
     * conv: 0.40-0.48 ms first, 0.22-0.30 ms after): a throwaway visit of
     * the round's first model takes that cost */
    int first = first_live(es, order, n, todo);
    char merr[512];
    if (first >= 0 && b->time(b, &es[first].item, o->warmup, 1, times, merr, sizeof merr) < 0) {
        snprintf(err, errlen, "%s", merr);
        rc = -1;
    }
    for (int i = 0; i < n && rc == 0; i++) {
        Entry *e = &es[order[i]];
        if (!todo[order[i]] || e->error[0])
            continue;
        char merr[512];
        int r = b->time(b, &e->item, o->warmup, o->runs, times, merr, sizeof merr);
        if (r > 0) {
            snprintf(e->error, sizeof e->error, "%s", merr);
            continue;
        }
        if (r < 0) {
            snprintf(err, errlen, "%s", merr);
            rc = -1;
            break;
        }
        double *p = realloc(e->round_min, (size_t)(e->nrounds + 1) * sizeof *p);
        if (!p) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
            break;
        }
        e->round_min = p;
        p[e->nrounds++] = min_of(times, o->runs);
    }
    free(order);
    b->close(b);
    return rc;
}

/* Per kernel, the mean of the two lowest rounds' times, as for a model's
 * latency; kernels are matched by name (every round runs the same
 * optimized graph).  Why not the median of three rounds (until session 4):
 * the 96 training models' profiles measured in 9 separate rounds, their
 * kernels' labels made by match from 3, 4, 5 or 6 of them, and predictors
 * trained on each: the 48 validation models came out 70.8% within 10% with
 * the median of 3 rounds, 75.0% with the median of 6, 79.2% with the
 * minimum of 6 and 83.3% with the mean of the two lowest of 6 (their second
 * measurement: 79.2, 85.4, 81.2, 87.5%; RMSE 0.30 -> 0.29 ms).  All 9
 * rounds: median 75.0%, minimum 77.1%, mean of the two lowest 81.2% (MAPE
 * 6.9%, the lowest): 6 rounds get most of the gain at two thirds the cost. */
static cJSON *merge_profiles(cJSON **prof, int n)
{
    cJSON *out = cJSON_Duplicate(prof[0], 1);
    if (!out || n < 2)
        return out;
    double *v = malloc((size_t)n * sizeof *v);
    if (!v)
        return out;
    for (int r = 0; r < n; r++)
        v[r] = cJSON_GetNumberValue(cJSON_GetObjectItem(prof[r], "run_ms"));
    cJSON_SetNumberValue(cJSON_GetObjectItem(out, "run_ms"), mean_two_lowest(v, n));
    double sum = 0;
    cJSON *ks = cJSON_GetObjectItem(out, "kernels");
    for (cJSON *k = ks ? ks->child : NULL; k; k = k->next) {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(k, "name"));
        int m = 0;
        for (int r = 0; r < n && name; r++) {
            const cJSON *kr = cJSON_GetObjectItem(prof[r], "kernels");
            for (const cJSON *e = kr ? kr->child : NULL; e; e = e->next)
                if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "name")), name) == 0) {
                    v[m++] = cJSON_GetNumberValue(cJSON_GetObjectItem(e, "dur_ms"));
                    break;
                }
        }
        if (m > 0)
            cJSON_SetNumberValue(cJSON_GetObjectItem(k, "dur_ms"), mean_two_lowest(v, m));
        sum += cJSON_GetNumberValue(cJSON_GetObjectItem(k, "dur_ms"));
    }
    /* the kernels' sum is the sum of what the record says of each kernel */
    cJSON_SetNumberValue(cJSON_GetObjectItem(out, "kernel_sum_ms"), sum);
    cJSON_AddNumberToObject(out, "rounds", n);
    free(v);
    return out;
}

/* Kernel profiles get the same treatment as whole-model times: several
 * rounds, each a fresh context visiting every model after a throwaway
 * visit (a fresh process's first session is slow), then the mean of the
 * two lowest rounds per kernel. */
static int profile_rounds(Backend *b, Entry *es, int n, const MeasureOpts *o, char *err,
                          size_t errlen)
{
    cJSON **all = calloc((size_t)n * (size_t)o->profile_rounds, sizeof *all);
    if (!all) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int *order = malloc((size_t)n * sizeof *order);
    int rc = order ? 0 : -1;
    for (int r = 0; r < o->profile_rounds && rc == 0; r++) {
        if (!o->quiet)
            fprintf(stderr, "measure: profile round %d/%d\n", r + 1, o->profile_rounds);
        if (b->open(b, err, errlen)) {
            rc = -1;
            break;
        }
        round_order(order, n, r);
        int first = first_live(es, order, n, NULL);
        char perr[512];
        if (first >= 0) /* throwaway, as in run_round */
            cJSON_Delete(b->profile(b, &es[first].item, 1, perr, sizeof perr));
        for (int i = 0; i < n; i++) {
            Entry *e = &es[order[i]];
            if (e->error[0])
                continue;
            char perr[512];
            all[order[i] * o->profile_rounds + r] =
                b->profile(b, &e->item, o->profile_runs, perr, sizeof perr);
            if (!all[order[i] * o->profile_rounds + r])
                snprintf(e->error, sizeof e->error, "profile: %.490s", perr);
        }
        b->close(b);
    }
    for (int i = 0; i < n && rc == 0; i++)
        if (!es[i].error[0])
            es[i].profile = merge_profiles(&all[i * o->profile_rounds], o->profile_rounds);
    for (int i = 0; i < n * o->profile_rounds; i++)
        cJSON_Delete(all[i]);
    free(all);
    free(order);
    return rc;
}

/* Times are kept to the nanosecond (the clocks' resolution) and spreads to
 * four digits: the shortest text that says everything measured, which
 * keeps a device's datasets within its size budget. */
static double ns(double ms)
{
    return round(ms * 1e6) / 1e6;
}

int measure_record_inherit(cJSON *rec, cJSON **header)
{
    if (cJSON_IsNumber(cJSON_GetObjectItem(rec, "records_header"))) {
        cJSON_Delete(*header);
        *header = cJSON_Duplicate(rec, 1);
        return 1;
    }
    for (const cJSON *f = *header ? (*header)->child : NULL; f; f = f->next)
        if (strcmp(f->string, "records_header") != 0 && !cJSON_HasObjectItem(rec, f->string))
            cJSON_AddItemToObject(rec, f->string, cJSON_Duplicate(f, 1));
    return 0;
}

/* The fields every record of one run shares: the header line. */
static cJSON *run_header(const Backend *b, const MeasureOpts *o, const char *date)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddNumberToObject(r, "records_header", 1);
    cJSON_AddStringToObject(r, "cpu", host_cpu_name());
    cJSON_AddStringToObject(r, "runtime", b->runtime);
    cJSON_AddStringToObject(r, "backend", b->name);
    cJSON_AddNumberToObject(r, "threads", b->threads);
    cJSON_AddStringToObject(r, "date", date);
    /* what a fresh context is depends on the backend */
    const char *fresh = strcmp(b->name, "ort") == 0 ? "process"
                        : strcmp(b->name, "xnnpack") == 0 ? "runtime" : "command";
    char prof[64] = "profile=none";
    if (b->profile && o->profile_runs > 0)
        snprintf(prof, sizeof prof, "profile=%dx%d-mean-of-two-lowest-rounds", o->profile_rounds,
                 o->profile_runs);
    char proto[448];
    snprintf(proto, sizeof proto,
             "rounds=%d warmup=%d warmup_ms=%g runs=%d max_spread=%.3f extra=%d cpu_pin=%d %s "
             "fresh-%s-per-round first-visit-discarded interleaved %s%s%s%s",
             o->rounds, o->warmup, o->warmup_ms, o->runs, o->max_spread, o->extra_rounds, o->cpu,
             prof, fresh, o->stat_min ? "min-round-min" : "mean-of-two-lowest-round-min",
             b->timing_note ? " " : "", b->timing_note ? b->timing_note : "",
             b->cmd && b->cmd->per_call && strcmp(b->name, "cmd") == 0
                 ? " cmd-averages-per-call" : "");
    cJSON_AddStringToObject(r, "protocol", proto);
    return r;
}

/* One model's record: what is its own (the header has the rest). */
static cJSON *entry_record(const Entry *e)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "model", e->item.path);
    /* which model this was, whatever the path holds later (filehash.h) */
    char hash[32], herr[512];
    if (file_hash(e->item.path, hash, sizeof hash, herr, sizeof herr) == 0)
        cJSON_AddStringToObject(r, "model_hash", hash);
    if (e->item.inputs)
        cJSON_AddItemToObject(r, "inputs", cJSON_Duplicate(e->item.inputs, 1));
    cJSON_AddNumberToObject(r, "latency_ms", ns(e->latency_ms));
    cJSON_AddNumberToObject(r, "spread", round(e->spread * 1e4) / 1e4);
    cJSON *rm = cJSON_AddArrayToObject(r, "round_min_ms");
    for (int i = 0; i < e->nrounds; i++)
        cJSON_AddItemToArray(rm, cJSON_CreateNumber(ns(e->round_min[i])));
    if (e->profile) {
        /* times to the nanosecond, as the latencies: a mean of two
         * microsecond counts needs no 17 digits */
        cJSON *p = cJSON_Duplicate(e->profile, 1);
        const cJSON *ks = p ? cJSON_GetObjectItem(p, "kernels") : NULL;
        double sum = 0;
        for (const cJSON *k = ks ? ks->child : NULL; k; k = k->next) {
            cJSON *d = cJSON_GetObjectItem(k, "dur_ms");
            if (cJSON_IsNumber(d))
                sum += cJSON_SetNumberValue(d, ns(d->valuedouble));
        }
        /* still the sum of what the record says of each kernel */
        cJSON *ksum = p ? cJSON_GetObjectItem(p, "kernel_sum_ms") : NULL;
        if (cJSON_IsNumber(ksum))
            cJSON_SetNumberValue(ksum, ns(sum));
        cJSON *run = p ? cJSON_GetObjectItem(p, "run_ms") : NULL;
        if (cJSON_IsNumber(run))
            cJSON_SetNumberValue(run, ns(run->valuedouble));
        cJSON_AddItemToObject(r, "profile", p);
    }
    return r;
}

/* Writes r as one JSON line and frees it. */
static void write_line(FILE *f, cJSON *r)
{
    char *s = cJSON_PrintUnformatted(r);
    cJSON_Delete(r);
    if (s) {
        fputs(s, f);
        fputc('\n', f);
        cJSON_free(s);
    }
}

/* Refuse to append to a file measured on another CPU or runtime. */
static int check_compatible(const char *path, const Backend *b, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char *line = NULL;
    size_t cap = 0;
    int rc = 0, lineno = 0;
    cJSON *header = NULL;
    while (rc == 0 && getline(&line, &cap, f) > 0) {
        lineno++;
        cJSON *r = cJSON_Parse(line);
        /* a header is checked itself, a record with what it inherits */
        if (r)
            measure_record_inherit(r, &header);
        const cJSON *cpu = cJSON_GetObjectItem(r, "cpu");
        const cJSON *rt = cJSON_GetObjectItem(r, "runtime");
        if (!cJSON_IsString(cpu) || !cJSON_IsString(rt)) {
            snprintf(err, errlen, "%s:%d is not a measurement record", path, lineno);
            rc = -1;
        } else if (strcmp(cpu->valuestring, host_cpu_name()) ||
                   strcmp(rt->valuestring, b->runtime)) {
            snprintf(err, errlen, "%s:%d was measured on '%s' with '%s', not '%s' with "
                     "'%s'; write to another file", path, lineno, cpu->valuestring,
                     rt->valuestring, host_cpu_name(), b->runtime);
            rc = -1;
        }
        cJSON_Delete(r);
    }
    cJSON_Delete(header);
    free(line);
    fclose(f);
    return rc;
}

/* Copy the old file (when appending) and the new records to a temp file,
 * then rename: a reader sees the old file or the new one, never half. */
static int write_records(const char *out, int append, Entry *es, int n, const Backend *b,
                         const MeasureOpts *o, char *err, size_t errlen)
{
    char tmp[700];
    snprintf(tmp, sizeof tmp, "%.600s.tmp.%d", out, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write '%s': %s", tmp, strerror(errno));
        return -1;
    }
    if (append) {
        FILE *old = fopen(out, "r");
        if (old) {
            char buf[65536];
            size_t k;
            while ((k = fread(buf, 1, sizeof buf, old)) > 0)
                fwrite(buf, 1, k, f);
            fclose(old);
        }
    }
    char date[32];
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    /* no records, no header: a run where every model failed adds nothing */
    int header = 0;
    for (int i = 0; i < n; i++) {
        if (es[i].error[0] || es[i].nrounds == 0)
            continue;
        if (!header++)
            write_line(f, run_header(b, o, date));
        write_line(f, entry_record(&es[i]));
    }
    if (fflush(f) || ferror(f) || fsync(fileno(f)) || fclose(f)) {
        snprintf(err, errlen, "cannot write '%s': %s", tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, out)) {
        snprintf(err, errlen, "cannot rename '%s' to '%.300s': %s", tmp, out, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: nnmeter-build measure --backend NAME --out FILE.jsonl [options] "
            "MODEL[@NAME=DIMS,...] ...\n"
            "  --backend NAME         runtime to measure: ort (ONNX Runtime CPU, 1 thread),\n"
            "                         xnnpack (XNNPACK in this process, 1 thread) or cmd\n"
            "                         (any program, e.g. a phone's benchmark over adb)\n"
            "  --out FILE             JSON-lines output, written atomically\n"
            "  --append               keep FILE's records (same CPU and runtime only)\n"
            "  --rounds N             rounds, fresh process each (default 15)\n"
            "  --warmup N             warm-up runs per visit (default 5)\n"
            "  --warmup-ms MS         and warm up for at least MS per visit (default 2): a\n"
            "                         kernel of a few us timed right after a bigger model\n"
            "                         runs up to 10-30%% slower for about a millisecond\n"
            "  --runs N               timed runs per visit (default 20)\n"
            "  --max-spread X         re-measure models above this spread (default 0.05)\n"
            "  --extra-rounds N       at most N extra rounds for them (default 0)\n"
            "  --profile-runs N       per-kernel profile runs, 0 for none (default 10)\n"
            "  --profile-rounds N     profile rounds, fresh process each (default 6)\n"
            "  --statistic S          a model's latency from its round minima: mean2 (the\n"
            "                         mean of the two lowest; default) or min\n"
            "  --cpu N                pin the runtime to CPU N (default: no pinning)\n"
            "  --quiet                no progress on stderr\n" BACKEND_CMD_USAGE);
}

static int parse_int(const char *s, const char *flag, int lo, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > 1000000) {
        fprintf(stderr, "nnmeter-build measure: %s needs an integer >= %d, not '%s'\n",
                flag, lo, s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* A whole argument as a number: 0, or -1 when it is not one. */
static int parse_num(const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    return *end || end == s ? -1 : 0;
}

int measure_main(int argc, char **argv)
{
    MeasureOpts o = {.rounds = 15, .warmup = 5, .warmup_ms = BACKEND_WARMUP_MS, .runs = 20,
                     .max_spread = 0.05, .extra_rounds = 0, .profile_runs = 10, .profile_rounds = 6,
                     .cpu = -1};
    const char *backend = NULL, *out = NULL;
    int append = 0;
    CmdOptions co;
    cmd_options_default(&co);
    static const struct option longopts[] = {
        {"backend", required_argument, 0, 'b'}, {"out", required_argument, 0, 'o'},
        {"append", no_argument, 0, 'a'}, {"rounds", required_argument, 0, 'r'},
        {"warmup", required_argument, 0, 'w'}, {"runs", required_argument, 0, 'n'},
        {"max-spread", required_argument, 0, 's'}, {"extra-rounds", required_argument, 0, 'x'},
        {"profile-runs", required_argument, 0, 'p'}, {"cpu", required_argument, 0, 'c'},
        {"profile-rounds", required_argument, 0, 'P'}, {"warmup-ms", required_argument, 0, 'W'},
        {"statistic", required_argument, 0, 'S'},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, BACKEND_CMD_LONGOPTS,
        {0, 0, 0, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":b:o:ar:w:W:n:s:x:p:P:c:S:qh", longopts, NULL)) != -1) {
        if (c >= BACKEND_CMD_KEY && c < BACKEND_CMD_KEY + BACKEND_CMD_NOPTS) {
            if (cmd_options_parse(c, optarg, &co, "nnmeter-build measure"))
                return EXIT_USAGE;
            continue;
        }
        int bad = 0;
        switch (c) {
        case 'b': backend = optarg; break;
        case 'o': out = optarg; break;
        case 'a': append = 1; break;
        case 'r': bad = parse_int(optarg, "--rounds", 1, &o.rounds); break;
        case 'w': bad = parse_int(optarg, "--warmup", 0, &o.warmup); break;
        case 'n': bad = parse_int(optarg, "--runs", 1, &o.runs); break;
        case 'x': bad = parse_int(optarg, "--extra-rounds", 0, &o.extra_rounds); break;
        case 'p': bad = parse_int(optarg, "--profile-runs", 0, &o.profile_runs); break;
        case 'P': bad = parse_int(optarg, "--profile-rounds", 1, &o.profile_rounds); break;
        case 'c': bad = parse_int(optarg, "--cpu", 0, &o.cpu); break;
        case 'W':
            if (parse_num(optarg, &o.warmup_ms) || !(o.warmup_ms >= 0 && o.warmup_ms <= 60000)) {
                fprintf(stderr, "nnmeter-build measure: --warmup-ms needs milliseconds from 0 "
                                "to 60000, e.g. 2\n");
                return EXIT_USAGE;
            }
            break;
        case 's':
            if (parse_num(optarg, &o.max_spread) || o.max_spread <= 0) {
                fprintf(stderr, "nnmeter-build measure: --max-spread needs a positive "
                                "number, e.g. 0.05\n");
                return EXIT_USAGE;
            }
            break;
        case 'S':
            if (strcmp(optarg, "min") && strcmp(optarg, "mean2")) {
                fprintf(stderr, "nnmeter-build measure: --statistic is min or mean2, not '%s'\n",
                        optarg);
                return EXIT_USAGE;
            }
            o.stat_min = strcmp(optarg, "min") == 0;
            break;
        case 'q': o.quiet = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        case ':':
            fprintf(stderr, "nnmeter-build measure: %s needs an argument\n", argv[optind - 1]);
            return EXIT_USAGE;
        default:
            fprintf(stderr, "nnmeter-build measure: unknown option '%s'; see --help\n",
                    argv[optind - 1]);
            return EXIT_USAGE;
        }
        if (bad)
            return EXIT_USAGE;
    }
    if (!backend || !out || optind >= argc) {
        fprintf(stderr, "nnmeter-build measure: needs --backend, --out and at least one "
                        "model; see --help\n");
        return EXIT_USAGE;
    }
    size_t ol = strlen(out);
    if (ol > 3 && strcmp(out + ol - 3, ".gz") == 0) {
        /* the readers take .gz (datafile.h); the writer stays plain, atomic */
        fprintf(stderr, "nnmeter-build measure: --out '%s': measure writes plain JSON lines; "
                        "write X.jsonl, then gzip -9n X.jsonl\n", out);
        return EXIT_USAGE;
    }
    Backend b;
    if (backend_init(&b, backend)) {
        fprintf(stderr, "nnmeter-build measure: unknown backend '%s' (available: %s)\n",
                backend, backend_names());
        return EXIT_USAGE;
    }
    if (cmd_options_check(&co, backend, "nnmeter-build measure"))
        return EXIT_USAGE;
    b.cpu = o.cpu;
    b.warmup_ms = o.warmup_ms;
    b.cmd = &co;
    int n = argc - optind;
    Entry *es = calloc((size_t)n, sizeof *es);
    int *todo = calloc((size_t)n, sizeof *todo);
    double *times = malloc((size_t)o.runs * sizeof *times);
    char err[1024];
    int code = EXIT_OK;
    if (!es || !todo || !times) {
        fprintf(stderr, "nnmeter-build measure: out of memory\n");
        code = EXIT_INTERNAL;
        goto done;
    }
    for (int i = 0; i < n; i++) {
        if (parse_item(argv[optind + i], &es[i].item, err, sizeof err)) {
            fprintf(stderr, "nnmeter-build measure: %s\n", err);
            code = EXIT_USAGE;
            n = i + 1;
            goto done;
        }
        if (access(es[i].item.path, R_OK)) {
            fprintf(stderr, "nnmeter-build measure: cannot read '%s': %s\n",
                    es[i].item.path, strerror(errno));
            code = EXIT_BADINPUT;
            n = i + 1;
            goto done;
        }
        todo[i] = 1;
    }
    /* the runtime string is known once a context is open: check the old
     * file before spending time measuring */
    if (b.open(&b, err, sizeof err)) {
        fprintf(stderr, "nnmeter-build measure: %s\n", err);
        code = EXIT_BADINPUT;
        goto done;
    }
    b.close(&b);
    if (append && check_compatible(out, &b, err, sizeof err)) {
        fprintf(stderr, "nnmeter-build measure: %s\n", err);
        code = EXIT_BADINPUT;
        goto done;
    }
    int round = 0;
    for (; round < o.rounds; round++) {
        if (!o.quiet)
            fprintf(stderr, "measure: round %d/%d over %d models\n", round + 1, o.rounds, n);
        if (run_round(&b, es, n, todo, round, &o, times, err, sizeof err)) {
            fprintf(stderr, "nnmeter-build measure: %s\n", err);
            code = EXIT_BADINPUT;
            goto done;
        }
    }
    for (int extra = 0; extra < o.extra_rounds; extra++) {
        int noisy = 0;
        for (int i = 0; i < n; i++) {
            summarise(&es[i], o.stat_min);
            todo[i] = !es[i].error[0] && es[i].spread > o.max_spread;
            noisy += todo[i];
        }
        if (!noisy)
            break;
        if (!o.quiet)
            fprintf(stderr, "measure: extra round %d for %d noisy models\n", extra + 1, noisy);
        if (run_round(&b, es, n, todo, round++, &o, times, err, sizeof err)) {
            fprintf(stderr, "nnmeter-build measure: %s\n", err);
            code = EXIT_BADINPUT;
            goto done;
        }
    }
    for (int i = 0; i < n; i++)
        summarise(&es[i], o.stat_min);
    /* a backend without a per-kernel profiler (XNNPACK) writes no profile */
    if (o.profile_runs > 0 && !b.profile && !o.quiet)
        fprintf(stderr, "measure: backend %s has no per-kernel profiler; records carry "
                        "no profile\n", b.name);
    if (o.profile_runs > 0 && b.profile && profile_rounds(&b, es, n, &o, err, sizeof err)) {
        fprintf(stderr, "nnmeter-build measure: %s\n", err);
        code = EXIT_BADINPUT;
        goto done;
    }
    int failed = 0;
    for (int i = 0; i < n; i++) {
        if (es[i].error[0]) {
            fprintf(stderr, "nnmeter-build measure: %s: %s\n", es[i].item.path, es[i].error);
            failed++;
        } else if (!o.quiet) {
            fprintf(stderr, "%-48s %9.3f ms  spread %5.1f%%  rounds %d\n", es[i].item.path,
                    es[i].latency_ms, 100 * es[i].spread, es[i].nrounds);
        }
    }
    if (write_records(out, append, es, n, &b, &o, err, sizeof err)) {
        fprintf(stderr, "nnmeter-build measure: %s\n", err);
        code = EXIT_INTERNAL;
    } else if (failed) {
        code = EXIT_BADINPUT;
    }
done:
    for (int i = 0; es && i < n; i++) {
        free((char *)es[i].item.path);
        cJSON_Delete(es[i].item.inputs);
        cJSON_Delete(es[i].profile);
        free(es[i].round_min);
    }
    free(es);
    free(todo);
    free(times);
    return code;
}
