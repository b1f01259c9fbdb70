/* sample.c -- `nnmeter-build sample`: kernel test models.
 *
 * nn-Meter samples kernels first from the layer configurations of real
 * architectures (the prior), then around the configurations its
 * predictors get wrong.  Both are here: --prior draws from the CSV files
 * in predictors/prior/ with jitter on size and channels, --around reads
 * the kernel samples `nnmeter-build train --worst` wrote and perturbs them.
 *
 * Each model holds several independent branches (input -> kernel ->
 * output), so one ORT session profiles many kernels; the profile times
 * each kernel on its own, as a single-kernel model would.
 */
#include "sample.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "datafile.h"
#include "netbuilder.h"
#include "split.h"
#include "onnx/onnx_write.h"
#include "util/datadir.h"

typedef enum { K_CONV, K_DWCONV, K_FC, K_POOL, K_ELT, K_GAP, K_COUNT } Kind;

static const char *const kind_names[K_COUNT] = {"conv", "dwconv", "fc", "pool", "elt", "gap"};

/* Elementwise kernels (K_ELT) sampled around bad predictions: the op, in
 * Config.act.  A gate is squeeze-and-excitation's Mul of a map by a
 * per-channel [1,C,1,1] vector. */
enum { E_GATE, E_MUL, E_ADD, E_ADD_RELU, E_HSWISH, E_HSIGMOID, E_SIGMOID, E_RELU, E_COUNT };
static const char *const elt_keys[E_COUNT] = {"mul", "mul", "add", "add", "hswish",
                                              "hsigmoid", "sigmoid", "relu"};

typedef struct {
    Kind kind;
    int h, w, cin, cout, ks, stride;
    int act;                  /* Act for convs, max (1) / avg (0) for pools */
} Config;

#define MAX_MFLOPS 400.0
#define MAX_PARAMS 2000000.0      /* keeps fc test models small on disk */

/* ---- configs ------------------------------------------------------------- */

typedef struct {
    Config *c;
    int n, cap;
} Configs;

static int push(Configs *cs, Config c)
{
    if (cs->n >= cs->cap) {
        cs->cap = cs->cap ? cs->cap * 2 : 256;
        Config *p = realloc(cs->c, (size_t)cs->cap * sizeof *p);
        if (!p)
            return -1;
        cs->c = p;
    }
    cs->c[cs->n++] = c;
    return 0;
}

static int read_prior(const char *path, Kind kind, Configs *cs)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[512];
    int first = 1;
    while (fgets(line, sizeof line, f)) {
        if (first) {
            first = 0;
            continue;
        }
        int v[7] = {0};
        char *p = strchr(line, ',');
        int k = 0;
        while (p && k < 7) {
            v[k++] = atoi(p + 1);
            p = strchr(p + 1, ',');
        }
        Config c = {.kind = kind};
        if (kind == K_FC) {
            c.cin = v[0];
            c.cout = v[1];
        } else {
            c.h = v[0];
            c.w = v[1];
            c.cin = v[2];
            c.cout = v[3];
            c.ks = v[4];
            c.stride = v[5];
        }
        if (push(cs, c)) {
            fclose(f);
            return -1;
        }
    }
    fclose(f);
    return 0;
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static double urand(uint64_t *s)
{
    return (double)(rng_next(s) >> 11) / (double)(1ull << 53);
}

/* Channels scaled, mostly kept to multiples of 8 (what real nets use and
 * what blocked layouts care about), sometimes not. */
static int jitter_ch(int c, double lo, double hi, uint64_t *s)
{
    double v = c * (lo + (hi - lo) * urand(s));
    int r = (int)v;
    if (urand(s) < 0.75)
        r = (r + 4) / 8 * 8;
    return r < 1 ? 1 : r;
}

static int jitter_hw(int h, uint64_t *s)
{
    /* our zoo runs 128-256 inputs; the prior is from 224 nets */
    int r = (int)(h * (0.45 + 0.75 * urand(s)));
    return r < 1 ? 1 : r;
}

static double config_mflops(const Config *c)
{
    int ho = c->stride ? (c->h + c->stride - 1) / c->stride : c->h;
    int wo = c->stride ? (c->w + c->stride - 1) / c->stride : c->w;
    switch (c->kind) {
    case K_CONV: return 2.0 * ho * wo * c->cout * c->cin * c->ks * c->ks / 1e6;
    case K_DWCONV: return 2.0 * ho * wo * c->cout * c->ks * c->ks / 1e6;
    case K_FC: return 2.0 * c->cin * c->cout / 1e6;
    default: return (double)ho * wo * c->cout * c->ks * c->ks / 1e6;
    }
}

static double config_params(const Config *c)
{
    switch (c->kind) {
    case K_CONV: return (double)c->cout * c->cin * c->ks * c->ks;
    case K_DWCONV: return (double)c->cout * c->ks * c->ks;
    case K_FC: return (double)c->cin * c->cout;
    default: return 0;
    }
}

/* The elementwise op a kernel sample stands for, or -1: its key, whether
 * an operand was broadcast, and how many units it fused (Add+Relu). */
static int elt_op(const char *key, double bcast, double units)
{
    for (int e = 0; e < E_COUNT; e++)
        if (strcmp(key, elt_keys[e]) == 0) {
            if (e == E_GATE)
                return bcast > 0 ? E_GATE : E_MUL;
            if (e == E_ADD)
                return units > 1 ? E_ADD_RELU : E_ADD;
            return e;
        }
    return -1;
}

static Config perturb(Config c, uint64_t *s)
{
    if (c.kind == K_FC) {
        c.cin = jitter_ch(c.cin, 0.5, 1.5, s);
        c.cout = jitter_ch(c.cout, 0.5, 1.5, s);
        return c;
    }
    c.h = c.w = jitter_hw(c.h, s);
    c.cin = jitter_ch(c.cin, 0.5, 1.5, s);
    c.cout = c.kind == K_CONV ? jitter_ch(c.cout, 0.5, 1.5, s) : c.cin;
    static const int acts[] = {ACT_RELU, ACT_NONE, ACT_RELU6, ACT_HSWISH};
    c.act = c.kind == K_POOL ? (int)(rng_next(s) % 2) : acts[rng_next(s) % 4];
    if (c.ks < 1)
        c.ks = 1;
    if (c.stride < 1)
        c.stride = 1;
    if (c.ks > c.h + 2 * (c.ks / 2))
        c.ks = 1;
    return c;
}

/* Configs near a kernel sample the predictors got wrong (features of the
 * conv/fc/pool families, see src/predict/kernel_features.c). */
static int read_around(const char *path, Configs *cs, uint64_t *s, int per)
{
    FILE *f = datafile_open(path);
    if (!f)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        cJSON *o = cJSON_Parse(line);
        const char *fam = cJSON_GetStringValue(cJSON_GetObjectItem(o, "family"));
        const char *key = cJSON_GetStringValue(cJSON_GetObjectItem(o, "key"));
        const cJSON *ft = cJSON_GetObjectItem(o, "features");
        double v[16] = {0};
        int k = 0;
        for (const cJSON *e = ft ? ft->child : NULL; e && k < 16; e = e->next)
            v[k++] = e->valuedouble;
        Config c = {.kind = K_COUNT};
        if (fam && key && strcmp(fam, "conv") == 0 && k >= 8) {
            c = (Config){.kind = strcmp(key, "dwconv") == 0 ? K_DWCONV : K_CONV,
                         .h = (int)v[0], .w = (int)v[1], .cin = (int)v[2], .cout = (int)v[3],
                         .ks = (int)v[4], .stride = (int)v[6]};
            if (v[7] > 1 && c.kind == K_CONV)
                c.kind = K_COUNT; /* grouped convs: not sampled yet */
        } else if (fam && strcmp(fam, "fc") == 0 && k >= 3) {
            c = (Config){.kind = K_FC, .cin = (int)v[1], .cout = (int)v[2]};
        } else if (fam && strcmp(fam, "pool") == 0 && k >= 5) {
            c = (Config){.kind = K_POOL, .h = (int)v[0], .w = (int)v[1], .cin = (int)v[2],
                         .cout = (int)v[2], .ks = (int)v[3], .stride = (int)v[4]};
        } else if (fam && key && strcmp(fam, "eltwise") == 0 && k >= 7 && v[5] > 0 &&
                   elt_op(key, v[4], v[3]) >= 0) {
            int hw = (int)(sqrt(v[6]) + 0.5);
            c = (Config){.kind = K_ELT, .h = hw, .w = hw, .cin = (int)v[5], .cout = (int)v[5],
                         .ks = 1, .stride = 1, .act = elt_op(key, v[4], v[3])};
        } else if (fam && strcmp(fam, "gpool") == 0 && k >= 3) {
            c = (Config){.kind = K_GAP, .h = (int)v[0], .w = (int)v[1], .cin = (int)v[2],
                         .cout = (int)v[2], .ks = 1, .stride = 1};
        }
        cJSON_Delete(o);
        if (c.kind == K_COUNT || c.cin < 1 || c.cout < 1)
            continue;
        for (int i = 0; i < per; i++) {
            /* small steps: same kind, sizes within ±25% */
            Config p = c;
            if (c.kind != K_FC) {
                p.h = p.w = (int)(c.h * (0.8 + 0.45 * urand(s)));
                if (p.h < 1)
                    p.h = p.w = 1;
            }
            p.cin = jitter_ch(c.cin, 0.75, 1.25, s);
            p.cout = c.kind == K_CONV || c.kind == K_FC ? jitter_ch(c.cout, 0.75, 1.25, s) : p.cin;
            p.act = c.kind == K_POOL ? (int)(rng_next(s) % 2) : c.kind == K_ELT ? c.act : ACT_RELU;
            if (push(cs, p)) {
                free(line);
                fclose(f);
                return -1;
            }
        }
    }
    free(line);
    fclose(f);
    return 0;
}

/* ---- models ------------------------------------------------------------------- */

/* An elementwise kernel on a 1 x C x H x W map (a second input where the
 * op has one: the map's shape, or C x 1 x 1 for a gate). */
static int add_elt(NetBuilder *b, const char *name, const Config *c)
{
    char name2[40];
    snprintf(name2, sizeof name2, "%s_b", name);
    int x = nb_input(b, name, 1, c->cin, c->h, c->w);
    switch (c->act) {
    case E_GATE: return nb_mul(b, x, nb_input(b, name2, 1, c->cin, 1, 1));
    case E_MUL: return nb_mul(b, x, nb_input(b, name2, 1, c->cin, c->h, c->w));
    case E_ADD: return nb_add(b, x, nb_input(b, name2, 1, c->cin, c->h, c->w));
    case E_ADD_RELU:
        return nb_relu(b, nb_add(b, x, nb_input(b, name2, 1, c->cin, c->h, c->w)));
    case E_HSWISH: return nb_hswish(b, x);
    case E_HSIGMOID: return nb_hsigmoid(b, x);
    case E_SIGMOID: return nb_sigmoid(b, x);
    default: return nb_relu(b, x);
    }
}

static void add_branch(NetBuilder *b, int i, const Config *c)
{
    char name[32];
    snprintf(name, sizeof name, "in%d", i);
    nb_push(b, "k%d", i);
    int x;
    switch (c->kind) {
    case K_FC: {
        int64_t dims[2] = {1, c->cin};
        x = nb_input_shape(b, name, 2, dims);
        x = nb_gemm(b, x, c->cout, 1);
        break;
    }
    case K_POOL:
        x = nb_input(b, name, 1, c->cin, c->h, c->w);
        x = c->act ? nb_maxpool(b, x, c->ks, c->stride, c->ks / 2)
                   : nb_avgpool(b, x, c->ks, c->stride, c->ks / 2);
        break;
    case K_GAP:
        x = nb_gap(b, nb_input(b, name, 1, c->cin, c->h, c->w));
        break;
    case K_ELT:
        x = add_elt(b, name, c);
        break;
    default:
        x = nb_input(b, name, 1, c->cin, c->h, c->w);
        x = nb_conv_bn_act(b, x, c->cout, c->ks, c->stride,
                           c->kind == K_DWCONV ? c->cin : 1, (Act)c->act);
        break;
    }
    nb_pop(b);
    nb_output(b, x);
}

static int write_model(const char *dir, const char *prefix, int index, const Config *cs, int n,
                       uint64_t seed)
{
    char name[64], path[1100], err[512];
    snprintf(name, sizeof name, "%s_%d", prefix, index);
    NetBuilder *b = nb_new(name, seed);
    if (!b)
        return -1;
    for (int i = 0; i < n; i++)
        add_branch(b, i, &cs[i]);
    Graph *g = nb_finish(b, err, sizeof err);
    if (!g) {
        fprintf(stderr, "nnmeter-build sample: %s: %s\n", name, err);
        return -1;
    }
    snprintf(path, sizeof path, "%s/%s.onnx", dir, name);
    int rc = onnx_write(g, path, seed, err, sizeof err);
    if (rc)
        fprintf(stderr, "nnmeter-build sample: %s\n", err);
    graph_free(g);
    return rc;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: nnmeter-build sample --out DIR [--prior] [--around WORST.jsonl]\n"
            "                            [--count N] [--per-model B] [--seed S]\n"
            "       nnmeter-build sample --out DIR --split --device NAME MODEL...\n"
            "Writes kernel test models, B independent kernels each:\n"
            "  --prior            N configs drawn from predictors/prior/*.csv (real\n"
            "                     architectures' layers) with size and channel jitter\n"
            "  --around FILE      4 configs near each kernel sample in FILE (written by\n"
            "                     nnmeter-build train --worst: its worst predictions)\n"
            "  --count N          prior configs to draw (default 600)\n"
            "  --per-model B      kernels per model (default 16)\n"
            "  --seed S           random seed (default 1)\n"
            "or, with --split, every distinct kernel NAME's rules find in the models as\n"
            "a model of its own (operands from outside as inputs, weights kept), for\n"
            "runtimes without a per-kernel profiler; DIR/split.jsonl maps each kernel\n"
            "of each model to its file.\n");
}

int sample_main(int argc, char **argv)
{
    const char *out = NULL, *around = NULL, *device = NULL;
    int prior = 0, split = 0, count = 600, per = 16;
    uint64_t seed = 1;
    static const struct option longopts[] = {
        {"out", required_argument, 0, 'o'}, {"prior", no_argument, 0, 'p'},
        {"around", required_argument, 0, 'a'}, {"count", required_argument, 0, 'n'},
        {"per-model", required_argument, 0, 'b'}, {"seed", required_argument, 0, 's'},
        {"split", no_argument, 0, 'S'}, {"device", required_argument, 0, 'd'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:pa:n:b:s:Sd:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'p': prior = 1; break;
        case 'a': around = optarg; break;
        case 'n': count = atoi(optarg); break;
        case 'b': per = atoi(optarg); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        case 'S': split = 1; break;
        case 'd': device = optarg; break;
        case 'h': usage(stdout); return 0;
        default:
            fprintf(stderr, "nnmeter-build sample: bad option '%s'; see --help\n",
                    argv[optind - 1]);
            return 1;
        }
    }
    if (split && (!out || !device || optind >= argc || prior || around)) {
        fprintf(stderr, "nnmeter-build sample: --split needs --out, --device and models "
                        "(and no --prior/--around); see --help\n");
        return 1;
    }
    if (!split && optind < argc) {
        fprintf(stderr, "nnmeter-build sample: unexpected argument '%s' (models are for "
                        "--split); see --help\n", argv[optind]);
        return 1;
    }
    if (!split && (!out || (!prior && !around) || count < 1 || per < 1 || per > 64)) {
        fprintf(stderr, "nnmeter-build sample: needs --out and --prior and/or --around "
                        "(count >= 1, per-model 1..64); see --help\n");
        return 1;
    }
    if (mkdir(out, 0755) && errno != EEXIST) {
        fprintf(stderr, "nnmeter-build sample: cannot create '%s': %s\n", out, strerror(errno));
        return 3;
    }
    if (split)
        return split_models(device, out, argv + optind, argc - optind, seed);
    uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
    Configs pool = {0}, pick = {0};
    if (prior) {
        static const char *const files[K_POOL + 1] = {"conv.csv", "dwconv.csv", "fc.csv",
                                                   "pooling.csv"};
        for (int k = 0; k <= K_POOL; k++) {   /* the kinds nn-Meter published */
            char path[1024];
            snprintf(path, sizeof path, "%s/predictors/prior/%s", nnm_datadir(), files[k]);
            if (read_prior(path, (Kind)k, &pool)) {
                fprintf(stderr, "nnmeter-build sample: cannot read '%s'\n", path);
                return 2;
            }
        }
        for (int i = 0; i < count * 4 && pick.n < count; i++) {
            Config cfg = perturb(pool.c[rng_next(&s) % (uint64_t)pool.n], &s);
            if (config_mflops(&cfg) <= MAX_MFLOPS && config_params(&cfg) <= MAX_PARAMS &&
                push(&pick, cfg))
                return 3;
        }
    }
    if (around && read_around(around, &pick, &s, 4)) {
        fprintf(stderr, "nnmeter-build sample: cannot read '%s'\n", around);
        return 2;
    }
    /* one model per kind and batch, so a model's kernels are alike */
    int models = 0, code = 0;
    for (int k = 0; k < K_COUNT && !code; k++) {
        Config *batch = malloc((size_t)per * sizeof *batch);
        int nb = 0;
        for (int i = 0; i < pick.n && batch; i++) {
            if (pick.c[i].kind != (Kind)k || config_mflops(&pick.c[i]) > MAX_MFLOPS ||
                config_params(&pick.c[i]) > MAX_PARAMS)
                continue;
            batch[nb++] = pick.c[i];
            if (nb == per) {
                code |= write_model(out, kind_names[k], models, batch, nb, seed + (uint64_t)models);
                models++;
                nb = 0;
            }
        }
        if (nb && batch) {
            code |= write_model(out, kind_names[k], models, batch, nb, seed + (uint64_t)models);
            models++;
        }
        free(batch);
    }
    printf("sample: %d kernels in %d models under %s\n", pick.n, models, out);
    free(pool.c);
    free(pick.c);
    return code ? 3 : 0;
}
