/* kernel_features.c -- the kernel feature table (see kernel_features.h). */
#include "kernel_features.h"

#include <string.h>

typedef struct {
    const char *type;
    FeatureFamily family;
} TypeFamily;

/* Kernel types (rule kernel names and unit tokens) -> family. */
static const TypeFamily type_families[] = {
    {"conv", FAM_CONV}, {"dwconv", FAM_CONV}, {"gconv", FAM_CONV},
    {"convtrans", FAM_CONV}, {"fc", FAM_FC}, {"matmul", FAM_MATMUL},
    {"maxpool", FAM_POOL}, {"avgpool", FAM_POOL}, {"lppool", FAM_POOL},
    {"gap", FAM_GPOOL}, {"gmp", FAM_GPOOL}, {"reducemean", FAM_GPOOL},
    {"relu", FAM_ELTWISE}, {"relu6", FAM_ELTWISE}, {"clip", FAM_ELTWISE},
    {"sigmoid", FAM_ELTWISE}, {"hsigmoid", FAM_ELTWISE}, {"hswish", FAM_ELTWISE},
    {"swish", FAM_ELTWISE}, {"gelu", FAM_ELTWISE}, {"tanh", FAM_ELTWISE},
    {"leakyrelu", FAM_ELTWISE}, {"prelu", FAM_ELTWISE}, {"erf", FAM_ELTWISE},
    {"add", FAM_ELTWISE}, {"sub", FAM_ELTWISE}, {"mul", FAM_ELTWISE},
    {"div", FAM_ELTWISE}, {"pow", FAM_ELTWISE}, {"sqrt", FAM_ELTWISE},
    {"max", FAM_ELTWISE}, {"min", FAM_ELTWISE}, {"exp", FAM_ELTWISE},
    {"bn", FAM_ELTWISE}, {"add_relu", FAM_ELTWISE}, {"bn_relu", FAM_ELTWISE},
    {"layernorm", FAM_NORM}, {"softmax", FAM_NORM}, {"instnorm", FAM_NORM},
    {"logsoftmax", FAM_NORM},
    {"concat", FAM_MOVE}, {"split", FAM_MOVE}, {"shuffle", FAM_MOVE},
    {"transpose", FAM_MOVE}, {"slice", FAM_MOVE}, {"pad", FAM_MOVE},
    {"resize", FAM_MOVE}, {"gather", FAM_MOVE}, {"expand", FAM_MOVE},
    {"tile", FAM_MOVE}, {"reshape", FAM_MOVE}, {"flatten", FAM_MOVE},
    {"se", FAM_SE},
};

static const char *const conv_names[] = {
    "hin", "win", "cin", "cout", "kh", "kw", "stride", "groups", "hout", "wout",
    "mflops", "kparams", "in_kb", "out_kb", "fused_add", "act_kind", "aligned8",
    "cin_per_group", "aligned16"};
static const char *const fc_names[] = {"rows", "cin", "cout", "mflops", "kparams", "act_kind",
                                       "model_wmb"};
static const char *const matmul_names[] = {"batch", "m", "k", "n", "mflops"};
static const char *const pool_names[] = {"hin", "win", "c", "k", "stride", "hout", "wout",
                                         "is_max", "reads_k", "aligned8", "aligned16"};
static const char *const gpool_names[] = {"hin", "win", "c", "in_k", "aligned8", "aligned16"};
static const char *const eltwise_names[] = {"out_k", "in_k", "inputs", "ops", "broadcast",
                                            "c", "hw"};
static const char *const norm_names[] = {"rows", "cols", "elems_k", "ops", "aligned16"};
static const char *const move_names[] = {"in_k", "out_k", "inputs", "outputs", "aligned8",
                                         "aligned16", "run"};
static const char *const se_names[] = {"h", "w", "c", "mid"};
static const char *const generic_names[] = {"mflops", "kbytes", "out_k", "nodes"};

/* unit: the feature the family's latency grows with (FLOPs for the
 * compute kernels); -1 for none.  See family_unit_feature.  context: how
 * many trailing features describe the model around the kernel (see
 * family_context_features). */
static const struct {
    const char *name;
    const char *const *features;
    int n;
    int unit;
    int context;
} families[FAM_COUNT] = {
    [FAM_CONV] = {"conv", conv_names, 19, 10, 0},
    [FAM_FC] = {"fc", fc_names, 7, 3, 1},
    [FAM_MATMUL] = {"matmul", matmul_names, 5, 4, 0},
    [FAM_POOL] = {"pool", pool_names, 11, 8, 0},
    [FAM_GPOOL] = {"gpool", gpool_names, 6, 3, 0},
    [FAM_ELTWISE] = {"eltwise", eltwise_names, 7, 0, 0},
    [FAM_NORM] = {"norm", norm_names, 5, 2, 0},
    [FAM_MOVE] = {"move", move_names, 7, 1, 0},
    [FAM_SE] = {"se", se_names, 4, -1, 0},
    [FAM_GENERIC] = {"generic", generic_names, 4, -1, 0},
};

FeatureFamily feature_family(const char *type)
{
    for (size_t i = 0; i < sizeof type_families / sizeof *type_families; i++)
        if (strcmp(type_families[i].type, type) == 0)
            return type_families[i].family;
    return FAM_GENERIC;
}

const char *family_name(FeatureFamily f)
{
    return f >= 0 && f < FAM_COUNT ? families[f].name : "?";
}

const char *const *family_feature_names(FeatureFamily f, int *n)
{
    *n = families[f].n;
    return families[f].features;
}

int family_context_features(FeatureFamily f)
{
    return f >= 0 && f < FAM_COUNT ? families[f].context : 0;
}

int family_unit_feature(FeatureFamily f)
{
    return f >= 0 && f < FAM_COUNT ? families[f].unit : -1;
}

double family_unit(int unit, const double *v)
{
    if (unit < 0)
        return 1;
    return v[unit] > FEAT_UNIT_FLOOR ? v[unit] : FEAT_UNIT_FLOOR;
}

static const Shape *tshape(const Graph *g, int t)
{
    static const Shape unknown = {.ndim = -1};
    return t >= 0 ? &g->tensors[t].shape : &unknown;
}

static double dim(const Shape *s, int i)
{
    if (i < 0)
        i += s->ndim;
    return s->ndim > i && i >= 0 && s->dims[i] >= 0 ? (double)s->dims[i] : 0;
}

static double numel_k(const Shape *s)
{
    int64_t n = shape_numel(s);
    return n > 0 ? (double)n / 1000.0 : 0;
}

/* Elements from dim `from` on: the contiguous block one copy moves. */
static double tail_numel(const Shape *s, int from)
{
    double n = 1;
    for (int i = from; i < s->ndim; i++)
        n *= s->dims[i] > 0 ? (double)s->dims[i] : 0;
    return n;
}

/* A data-movement kernel's contiguous run: how many elements it copies at
 * a stretch.  A transpose keeps the trailing axes its perm leaves in
 * place together (NCHW -> NHWC: 1 element; ViT's heads split, perm 0 2 1
 * 3: the head width), a concat or split copies blocks of its axis and the
 * dims after it, anything else (reshape, slice, pad, ...) the whole
 * output.  Same bytes, very different times: ORT's transposes of 1-element
 * runs cost several times those of 32. */
static double move_run(const Graph *g, const Kernel *k, const Shape *out)
{
    for (int j = 0; j < k->nnodes; j++) {
        const Node *n = &g->nodes[k->nodes[j]];
        const Shape *in = tshape(g, n->ninputs ? n->inputs[0] : -1);
        if (strcmp(n->op, "Transpose") == 0 && in->ndim > 0 && in->ndim <= 8) {
            int64_t perm[8];
            int np = node_attr_ints(n, "perm", perm, 8);
            double run = 1;
            for (int i = in->ndim - 1; i >= 0; i--) {
                int64_t p = np == in->ndim ? perm[i] : in->ndim - 1 - i; /* default: reversed */
                if (p != i)
                    break;
                run *= in->dims[i] > 0 ? (double)in->dims[i] : 0;
            }
            return run;
        }
        int concat = strcmp(n->op, "Concat") == 0, split = strcmp(n->op, "Split") == 0;
        if (concat || split) {
            int nt = concat ? n->ninputs : n->noutputs;
            int64_t axis0 = node_attr_int(n, "axis", 0);
            double run = 0;
            for (int t = 0; t < nt; t++) {
                const Shape *s = tshape(g, concat ? n->inputs[t] : n->outputs[t]);
                int64_t axis = axis0;
                if (axis < 0)
                    axis += s->ndim;
                double r = axis >= 0 && axis < s->ndim ? tail_numel(s, (int)axis) : 0;
                run = t == 0 || r < run ? r : run;
            }
            return run;
        }
    }
    int64_t all = shape_numel(out);
    return all > 0 ? (double)all : 0;
}

static int in0(const Graph *g, int node)
{
    return g->nodes[node].ninputs > 0 ? g->nodes[node].inputs[0] : -1;
}

/* Does the kernel contain a unit with one of these tokens? */
static int has_token(const NormGraph *ng, const Kernel *k, const char *const *toks, int n)
{
    for (int i = 0; i < k->nunits; i++)
        for (int j = 0; j < n; j++)
            if (strcmp(ng->units[k->units[i]].token, toks[j]) == 0)
                return 1;
    return 0;
}

/* 1 when channel (or column) count n fills blocks of `block` -- ORT's NCHWc
 * layout needs it (8 wide with AVX2, 16 with AVX-512); an unknown count
 * (dim() gives 0) counts as filled, as it always has for convs */
static double multiple_of(double n, int block)
{
    return (int64_t)n % block == 0;
}

static const char *const act_tokens[] = {"relu", "relu6", "clip", "sigmoid", "hsigmoid",
                                         "hswish", "swish", "tanh", "leakyrelu", "gelu"};

/* Which activation the kernel fused: 1 + its index in act_tokens, 0 for
 * none.  A conv's epilogue costs what its activation costs: with a yes/no
 * flag, ORT's convs ending in Clip came out 6.5% low and those ending in
 * Relu 3.8% high (out of fold, ort-xeon, session 9), the same features
 * otherwise.  Older files name the flag fused_act and are refused by name. */
static double act_kind(const NormGraph *ng, const Kernel *k)
{
    for (int j = 0; j < 10; j++)
        if (has_token(ng, k, &act_tokens[j], 1))
            return j + 1;
    return 0;
}

static void conv_features(const Graph *g, const NormGraph *ng, const Kernel *k, Features *f,
                          const Cost *c)
{
    const Node *n = &g->nodes[k->anchor];
    const Shape *x = tshape(g, in0(g, k->anchor));
    const Shape *w = tshape(g, n->ninputs > 1 ? n->inputs[1] : -1);
    const Shape *y = tshape(g, n->noutputs ? n->outputs[0] : -1);
    int64_t st[2] = {1, 1};
    node_attr_ints(n, "strides", st, 2);
    static const char *const add_tok[] = {"add"};
    /* ORT on x86 runs convs whose channels are multiples of its NCHWc
     * block in that blocked layout, others in plain NCHW: two different
     * kernels.  The block is 8 channels with AVX2 (ort-cpu's EPYC), 16 with
     * AVX-512 (ort-xeon): both flags, and each device's trees use its own.
     * Predictor files trained before aligned16 list 18 conv features: the
     * loader refuses them by name, and a retrain makes them anew. */
    double group = (double)node_attr_int(n, "group", 1);
    double aligned = multiple_of(dim(x, 1), 8) && multiple_of(dim(y, 1), 8);
    double aligned16 = multiple_of(dim(x, 1), 16) && multiple_of(dim(y, 1), 16);
    double v[19] = {dim(x, 2), dim(x, 3), dim(x, 1), dim(y, 1), dim(w, 2), dim(w, 3),
                    (double)st[0], (double)node_attr_int(n, "group", 1), dim(y, 2), dim(y, 3),
                    c->flops / 1e6, (double)c->params / 1e3,
                    numel_k(x) * 4, numel_k(tshape(g, k->output)) * 4,
                    has_token(ng, k, add_tok, 1), act_kind(ng, k), aligned,
                    group > 0 ? dim(x, 1) / group : 0, aligned16};
    memcpy(f->v, v, sizeof v);
}

/* The whole model's weights in MB (fp32): an FC kernel's context feature.
 * A classifier's weights are megabytes read once per run -- from cache
 * when the rest of the model leaves them there between runs, from memory
 * when it does not: in ORT's profiles the same FC ran 5% under its
 * prediction in big models and 12% over in small ones.  As a feature it
 * put 85.4% / 83.3% of the 48 validation models within 10% against 81.2% /
 * 81.2% (session-4 study; README). */
static double model_weight_mb(const Graph *g)
{
    double p = 0;
    for (int i = 0; i < g->nnodes; i++)
        p += (double)g->nodes[i].cost.params;
    return p * 4 / 1e6;
}

int kernel_features(const Graph *g, const NormGraph *ng, const Kernel *k, Features *f)
{
    memset(f, 0, sizeof *f);
    const Unit *first = &ng->units[k->units[0]];
    /* conv kernels are keyed by their conv flavour, whatever the rule is called */
    f->family = feature_family(first->token);
    if (f->family != FAM_CONV)
        f->family = feature_family(k->type) == FAM_GENERIC ? feature_family(first->token)
                                                           : feature_family(k->type);
    f->n = families[f->family].n;
    Cost c = {0};
    for (int i = 0; i < k->nnodes; i++) {
        const Cost *nc = &g->nodes[k->nodes[i]].cost;
        c.flops += nc->flops;
        c.params += nc->params;
        c.bytes_read += nc->bytes_read;
        c.bytes_written += nc->bytes_written;
    }
    const Shape *out = tshape(g, k->output);
    const Shape *x = tshape(g, in0(g, k->anchor));
    if (!shape_known(out))
        return -1;
    const Node *an = &g->nodes[k->anchor];
    switch (f->family) {
    case FAM_CONV:
        conv_features(g, ng, k, f, &c);
        break;
    case FAM_FC: {
        /* rows = all output elements / output features */
        double cout = dim(out, -1);
        double rows = cout > 0 ? (double)shape_numel(out) / cout : 0;
        double v[7] = {rows, c.params && cout ? (double)(c.params) / cout : dim(x, -1), cout,
                       c.flops / 1e6, (double)c.params / 1e3,
                       act_kind(ng, k), model_weight_mb(g)};
        memcpy(f->v, v, sizeof v);
        break;
    }
    case FAM_MATMUL: {
        const Shape *b = tshape(g, an->ninputs > 1 ? an->inputs[1] : -1);
        double m = dim(out, -2), n = dim(out, -1);
        double batch = m * n > 0 ? (double)shape_numel(out) / (m * n) : 0;
        double v[5] = {batch, m, dim(b, -2), n, c.flops / 1e6};
        memcpy(f->v, v, sizeof v);
        break;
    }
    case FAM_POOL: {
        int64_t ks[2] = {1, 1}, st[2] = {1, 1};
        node_attr_ints(an, "kernel_shape", ks, 2);
        node_attr_ints(an, "strides", st, 2);
        /* reads_k, thousands of window reads (output elements, batch
         * included, x k x k): the unit of a per-read target (XNNPACK's
         * pools: cross-validated 68% -> 92%) */
        double v[11] = {dim(x, 2), dim(x, 3), dim(x, 1), (double)ks[0], (double)st[0],
                        dim(out, 2), dim(out, 3), strcmp(an->op, "MaxPool") == 0,
                        numel_k(out) * (double)(ks[0] * ks[1]),
                        multiple_of(dim(x, 1), 8), multiple_of(dim(x, 1), 16)};
        memcpy(f->v, v, sizeof v);
        break;
    }
    case FAM_GPOOL: {
        /* in_k, thousands of input elements: the unit of a per-element
         * target (train), which trees on H, W, C alone could not learn
         * across sizes (XNNPACK's gaps: cross-validated 71% -> 89%).  The
         * batch counts, as in the elementwise in_k: a batch of 8 reads 8
         * maps, and the per-unit prediction grows with it */
        double v[6] = {dim(x, 2), dim(x, 3), dim(x, 1), numel_k(x), multiple_of(dim(x, 1), 8),
                       multiple_of(dim(x, 1), 16)};
        memcpy(f->v, v, sizeof v);
        break;
    }
    case FAM_ELTWISE: {
        double in_k = 0;
        int bcast = 0, inputs = 0;
        for (int i = 0; i < an->ninputs; i++) {
            const Shape *s = tshape(g, an->inputs[i]);
            in_k += numel_k(s);
            inputs++;
            bcast |= shape_numel(s) != shape_numel(out);
        }
        /* channels and spatial size apart: a runtime keeping maps NHWC
         * broadcasts an SE gate along C, and a small C is a short loop */
        double ch = out->ndim >= 3 ? dim(out, 1) : 0;
        double hw = ch > 0 && dim(out, 0) > 0 ? (double)shape_numel(out) / (dim(out, 0) * ch) : 0;
        double v[7] = {numel_k(out), in_k, inputs, k->nunits, bcast, ch, hw};
        memcpy(f->v, v, sizeof v);
        break;
    }
    case FAM_NORM: {
        double cols = dim(out, -1);
        double v[5] = {cols > 0 ? (double)shape_numel(out) / cols : 0, cols, numel_k(out),
                       k->nunits, cols > 0 && multiple_of(cols, 16)};
        memcpy(f->v, v, sizeof v);
        break;
    }
    case FAM_MOVE: {
        double run = move_run(g, k, out);
        double in_k = 0;
        int a8 = 1, a16 = 1;
        for (int i = 0; i < an->ninputs; i++) {
            const Shape *s = tshape(g, an->inputs[i]);
            in_k += numel_k(s);
            int64_t c = s->ndim >= 3 ? s->dims[1] : 0;
            a8 &= c > 0 && multiple_of((double)c, 8);
            a16 &= c > 0 && multiple_of((double)c, 16);
        }
        double v[7] = {in_k, numel_k(out), an->ninputs, an->noutputs, a8, a16, run};
        memcpy(f->v, v, sizeof v);
        break;
    }
    case FAM_SE: {
        /* mid = output channels of the first FC / 1x1 conv in the block */
        double mid = 0;
        for (int i = 0; i < k->nnodes && mid == 0; i++) {
            const Node *n = &g->nodes[k->nodes[i]];
            if (strcmp(n->op, "Conv") == 0 || strcmp(n->op, "Gemm") == 0 ||
                strcmp(n->op, "MatMul") == 0)
                mid = dim(tshape(g, n->noutputs ? n->outputs[0] : -1),
                          strcmp(n->op, "Conv") == 0 ? 1 : -1);
        }
        double v[4] = {dim(x, 2), dim(x, 3), dim(x, 1), mid};
        memcpy(f->v, v, sizeof v);
        break;
    }
    default: {
        double v[4] = {c.flops / 1e6, (double)(c.bytes_read + c.bytes_written) / 1e3,
                       numel_k(out), k->nnodes};
        memcpy(f->v, v, sizeof v);
        break;
    }
    }
    return 0;
}
