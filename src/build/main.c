/* main.c -- nnmeter-build: makes the data behind the predictors.
 *
 *   nnmeter-build zoo --family NAME|all --count N --seed S --out DIR
 *
 * Subcommands are a table (name, function, summary) so the dispatcher and
 * --help read one list.  Each subcommand parses its own options from its
 * own table, the same way nnmeter-tui does.  Exit codes: 0 ok, 1 usage, 2 bad input,
 * 3 internal (out of memory, cannot write output).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "eval.h"
#include "detect_rules.h"
#include "match.h"
#include "sample.h"
#include "train.h"
#include "measure.h"
#include "model.h"
#include "onnx/onnx_write.h"
#include "zoo.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} Command;

typedef struct {
    const char *name;
    int has_arg;
    int key;
    const char *arg;
    const char *help;
} Option;

static int cmd_zoo(int argc, char **argv);

static const Command commands[] = {
    {"zoo", cmd_zoo, "write synthetic models of classic CNN and transformer families"},
    {"measure", measure_main, "time models on a runtime with a noise-proof protocol"},
    {"sample", sample_main, "write kernel test models (prior configs, around bad predictions)"},
    {"match", match_main, "compare detected kernels with the kernels a runtime ran"},
    {"detect-rules", detect_rules_main, "find fusion rules by timing op pairs (nn-Meter's test)"},
    {"train", train_main, "train kernel predictors (libxgboost) from kernel samples"},
    {"eval", eval_main, "accuracy of a device's predictors on measured models"},
};
#define NCOMMANDS (int)(sizeof commands / sizeof commands[0])

/* ---- option tables ---------------------------------------------------------- */

static void print_options(FILE *out, const Option *opts, int n)
{
    for (int i = 0; i < n; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", opts[i].name, opts[i].arg ? " " : "",
                 opts[i].arg ? opts[i].arg : "");
        fprintf(out, "  %-28s %s\n", left, opts[i].help);
    }
}

/* getopt_long tables from an Option table. */
static void getopt_tables(const Option *opts, int n, struct option *longopts,
                          char *shortopts)
{
    int s = 0;
    shortopts[s++] = ':';
    for (int i = 0; i < n; i++) {
        longopts[i] = (struct option){opts[i].name, opts[i].has_arg, NULL, opts[i].key};
        if (opts[i].key < 256) {
            shortopts[s++] = (char)opts[i].key;
            if (opts[i].has_arg)
                shortopts[s++] = ':';
        }
    }
    longopts[n] = (struct option){0};
    shortopts[s] = 0;
}

/* One line for a getopt error (c is ':' or '?'). */
static int option_error(const char *cmd, int c, char **argv)
{
    const char *opt = argv[optind - 1];
    if (c == ':')
        fprintf(stderr, "nnmeter-build %s: option '%s' needs an argument; see --help\n",
                cmd, opt);
    else
        fprintf(stderr, "nnmeter-build %s: unknown option '%s'; see --help\n", cmd, opt);
    return EXIT_USAGE;
}

/* Whole-string unsigned number; -1 when s is not one or exceeds max. */
static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    if (!s[0] || s[0] == '-' || s[0] == '+' || s[0] == ' ')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

/* mkdir -p; 0 or -1 with errno. */
static int make_dirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0777) && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0777) && errno != EEXIST)
        return -1;
    struct stat st;
    if (stat(buf, &st) || !S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* ---- zoo ------------------------------------------------------------------------ */

enum { ZOO_FAMILY = 'f', ZOO_COUNT = 'n', ZOO_SEED = 's', ZOO_OUT = 'o', ZOO_LIST = 'l',
       ZOO_HELP = 'h' };

static const Option zoo_options[] = {
    {"family", required_argument, ZOO_FAMILY, "NAME[,NAME..]|all",
     "families to generate (default all; see --list-families)"},
    {"count", required_argument, ZOO_COUNT, "N", "models per family (default 1)"},
    {"seed", required_argument, ZOO_SEED, "S", "random seed (default 1)"},
    {"out", required_argument, ZOO_OUT, "DIR", "output folder (created if missing)"},
    {"list-families", no_argument, ZOO_LIST, NULL, "list the families and exit"},
    {"help", no_argument, ZOO_HELP, NULL, "show this help and exit"},
};
#define NZOO_OPTIONS (int)(sizeof zoo_options / sizeof zoo_options[0])

#define MAX_COUNT 1000000

static void zoo_usage(FILE *out)
{
    fprintf(out, "usage: nnmeter-build zoo --out DIR [OPTIONS]\n"
                 "Write DIR/<family>_<k>.onnx for k = 0..N-1: classic architectures with\n"
                 "re-sampled widths, kernel sizes, depths and input resolution, at most\n"
                 "%.1f GFLOPs each.  The same seed always gives byte-identical files.\n\n",
            ZOO_MAX_GFLOPS);
    print_options(out, zoo_options, NZOO_OPTIONS);
    fprintf(out, "\nPrints one line per model: name, input shape, nodes, GFLOPs, params.\n");
}

static void list_families(void)
{
    for (int i = 0; i < zoo_nfamilies; i++)
        printf("%-14s %s\n", zoo_families[i].name, zoo_families[i].about);
}

/* Fills picks[] from "all" or a comma list; returns the count or -1. */
static int parse_families(const char *arg, const ZooFamily **picks)
{
    if (strcmp(arg, "all") == 0) {
        for (int i = 0; i < zoo_nfamilies; i++)
            picks[i] = &zoo_families[i];
        return zoo_nfamilies;
    }
    int n = 0;
    const char *p = arg;
    while (*p) {
        size_t len = strcspn(p, ",");
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(len < 63 ? len : 63), p);
        const ZooFamily *f = zoo_find(name);
        if (!f || n >= zoo_nfamilies) {
            fprintf(stderr, "nnmeter-build zoo: unknown family '%s'; see --list-families\n",
                    name);
            return -1;
        }
        picks[n++] = f;
        p += len;
        if (*p == ',')
            p++;
    }
    if (n == 0)
        fprintf(stderr, "nnmeter-build zoo: --family is empty; see --list-families\n");
    return n ? n : -1;
}

/* Builds and writes one model; prints its line.  Returns an exit code. */
static int zoo_one(const ZooFamily *f, uint64_t seed, int k, const char *dir)
{
    char err[512], path[4096];
    ZooInfo info;
    Graph *g = zoo_build(f, seed, k, &info, err, sizeof err);
    if (!g) {
        fprintf(stderr, "nnmeter-build zoo: %s_%d: %s\n", f->name, k, err);
        return EXIT_INTERNAL;
    }
    snprintf(path, sizeof path, "%s/%s_%d.onnx", dir, f->name, k);
    int rc = onnx_write(g, path, info.seed, err, sizeof err);
    if (rc == 0) {
        char shape[96];
        shape_format(&info.input, shape, sizeof shape);
        printf("%s_%d input=%s nodes=%d gflops=%.3f params=%lld\n", f->name, k, shape,
               g->nnodes, info.flops / 1e9, (long long)info.params);
    } else {
        fprintf(stderr, "nnmeter-build zoo: %s\n", err);
    }
    graph_free(g);
    return rc ? EXIT_INTERNAL : EXIT_OK;
}

static int cmd_zoo(int argc, char **argv)
{
    struct option longopts[NZOO_OPTIONS + 1];
    char shortopts[2 * NZOO_OPTIONS + 2];
    getopt_tables(zoo_options, NZOO_OPTIONS, longopts, shortopts);
    const ZooFamily *picks[64];
    int npicks = parse_families("all", picks);
    uint64_t count = 1, seed = 1;
    const char *out = NULL;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        switch (c) {
        case ZOO_FAMILY:
            if ((npicks = parse_families(optarg, picks)) < 0)
                return EXIT_USAGE;
            break;
        case ZOO_COUNT:
            if (parse_u64(optarg, MAX_COUNT, &count) || count == 0) {
                fprintf(stderr, "nnmeter-build zoo: --count '%s' is not a number in "
                        "1..%d\n", optarg, MAX_COUNT);
                return EXIT_USAGE;
            }
            break;
        case ZOO_SEED:
            if (parse_u64(optarg, UINT64_MAX, &seed)) {
                fprintf(stderr, "nnmeter-build zoo: --seed '%s' is not a non-negative "
                        "integer\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case ZOO_OUT: out = optarg; break;
        case ZOO_LIST: list_families(); return EXIT_OK;
        case ZOO_HELP: zoo_usage(stdout); return EXIT_OK;
        default: return option_error("zoo", c, argv);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "nnmeter-build zoo: unexpected argument '%s'; see --help\n",
                argv[optind]);
        return EXIT_USAGE;
    }
    if (!out) {
        fprintf(stderr, "nnmeter-build zoo: --out DIR is required; see --help\n");
        return EXIT_USAGE;
    }
    if (make_dirs(out)) {
        fprintf(stderr, "nnmeter-build zoo: cannot create '%s': %s\n", out, strerror(errno));
        return EXIT_INTERNAL;
    }
    for (int i = 0; i < npicks; i++)
        for (uint64_t k = 0; k < count; k++) {
            int rc = zoo_one(picks[i], seed, (int)k, out);
            if (rc)
                return rc;
        }
    if (fflush(stdout)) {
        fprintf(stderr, "nnmeter-build zoo: cannot write to stdout\n");
        return EXIT_INTERNAL;
    }
    return EXIT_OK;
}

/* ---- dispatch -------------------------------------------------------------------- */

static void usage(FILE *out)
{
    fprintf(out, "usage: nnmeter-build COMMAND [OPTIONS]\n"
                 "Build the data behind nnmeter-tui's latency predictors.\n\n"
                 "Commands:\n");
    for (int i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nOptions:\n"
                 "  --help       show this help and exit\n"
                 "  --version    show the version and exit\n\n"
                 "Run 'nnmeter-build COMMAND --help' for a command's options.\n"
                 "Exit codes: 0 ok, 1 usage error, 2 bad input file, 3 internal error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "nnmeter-build: a command is needed; see --help\n");
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("nnmeter-build %s\n", NNM_VERSION);
        return EXIT_OK;
    }
    for (int i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, cmd) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "nnmeter-build: unknown %s '%s'; see --help\n",
            cmd[0] == '-' ? "option" : "command", cmd);
    return EXIT_USAGE;
}
