/* normalize.c -- ONNX nodes -> units (see normalize.h).
 *
 * Composite patterns are matched on the ONNX graph by small functions that
 * walk producer/consumer links from one distinctive node (the Erf of a
 * GELU, the Mul of a swish, ...).  A match claims its nodes only if every
 * intermediate tensor stays inside the pattern: a value used elsewhere
 * must be computed anyway, so the runtime cannot have fused it away.
 */
#include "normalize.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- tokens ------------------------------------------------------------ */

typedef struct {
    const char *op;
    const char *token;
} OpToken;

/* ONNX op -> token where the lowercased op name is not the token. */
static const OpToken op_tokens[] = {
    {"BatchNormalization", "bn"}, {"InstanceNormalization", "instnorm"},
    {"LayerNormalization", "layernorm"}, {"ConvTranspose", "convtrans"},
    {"MaxPool", "maxpool"}, {"AveragePool", "avgpool"}, {"LpPool", "lppool"},
    {"GlobalAveragePool", "gap"}, {"GlobalMaxPool", "gmp"},
    {"HardSigmoid", "hsigmoid"}, {"HardSwish", "hswish"}, {"Gemm", "fc"},
    {"Upsample", "resize"}, {"ReduceMean", "reducemean"},
};

/* Tokens units can carry besides lowercased ONNX op names. */
static const char *const extra_tokens[] = {
    "conv", "dwconv", "gconv", "relu6", "clip", "fc", "matmul", "hswish",
    "hsigmoid", "swish", "gelu", "layernorm", "se", "shuffle", "bn", "gap", "gmp",
    "maxpool", "avgpool", "convtrans", "instnorm", "resize", "lppool",
};

/* Lowercased ONNX ops accepted in rule patterns (those the shape rules know
 * and a few common others). */
static const char *const onnx_ops[] = {
    "relu", "leakyrelu", "prelu", "sigmoid", "tanh", "erf", "softmax",
    "logsoftmax", "add", "sub", "mul", "div", "pow", "sqrt", "max", "min", "sum",
    "mean", "exp", "log", "neg", "abs", "reciprocal", "floor", "ceil", "concat",
    "split", "slice", "reshape", "flatten", "squeeze", "unsqueeze", "transpose",
    "pad", "gather", "gatherelements", "shape", "size", "cast", "castlike",
    "identity", "dropout", "constant", "constantofshape", "expand", "where", "tile",
    "range", "topk", "reducesum", "reducemax", "reducemin", "reduceprod",
    "reducel2", "argmax", "argmin", "equal", "less", "greater", "and", "or", "not",
    "nonzero", "einsum", "elu", "selu", "softplus", "gelu", "depthtospace",
    "spacetodepth",
};

static int in_list(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return 1;
    return 0;
}

int token_known(const char *tok)
{
    return in_list(extra_tokens, sizeof extra_tokens / sizeof *extra_tokens, tok) ||
           in_list(onnx_ops, sizeof onnx_ops / sizeof *onnx_ops, tok);
}

unsigned composite_flag(const char *name)
{
    static const struct { const char *name; unsigned flag; } comps[] = {
        {"hswish", COMP_HSWISH}, {"hsigmoid", COMP_HSIGMOID}, {"swish", COMP_SWISH},
        {"gelu", COMP_GELU}, {"layernorm", COMP_LAYERNORM}, {"se", COMP_SE},
        {"shuffle", COMP_SHUFFLE}};
    for (size_t i = 0; i < sizeof comps / sizeof *comps; i++)
        if (strcmp(comps[i].name, name) == 0)
            return comps[i].flag;
    return 0;
}

static int is_op(const Node *n, const char *op)
{
    return strcmp(n->op, op) == 0 && (!n->domain[0] || strcmp(n->domain, "ai.onnx") == 0);
}

/* A constant scalar (or all-equal small constant) value of tensor t. */
static int const_value(const Graph *g, int t, double *v)
{
    if (t < 0 || !g->tensors[t].is_const || g->tensors[t].val.n < 1)
        return 0;
    const ConstVal *c = &g->tensors[t].val;
    double first = c->f ? c->f[0] : (double)c->i[0];
    for (int64_t k = 1; k < c->n; k++) {
        double x = c->f ? c->f[k] : (double)c->i[k];
        if (x != first)
            return 0;
    }
    *v = first;
    return 1;
}

static int near(double a, double b)
{
    return fabs(a - b) <= 1e-3 * (fabs(b) > 1 ? fabs(b) : 1);
}

/* Clip bounds from attributes (opset < 11) or inputs; NAN when absent. */
static void clip_bounds(const Graph *g, const Node *n, double *lo, double *hi)
{
    *lo = node_attr_float(n, "min", NAN);
    *hi = node_attr_float(n, "max", NAN);
    double v;
    if (n->ninputs > 1 && const_value(g, n->inputs[1], &v))
        *lo = v;
    if (n->ninputs > 2 && const_value(g, n->inputs[2], &v))
        *hi = v;
}

void node_token(const Graph *g, const Node *n, char out[TOKEN_MAX])
{
    if (is_op(n, "Conv")) {
        int64_t group = node_attr_int(n, "group", 1);
        const Tensor *x = n->ninputs > 0 && n->inputs[0] >= 0 ? &g->tensors[n->inputs[0]] : NULL;
        int64_t cin = x && x->shape.ndim >= 2 ? x->shape.dims[1] : -1;
        const char *t = group <= 1 ? "conv" : (group == cin ? "dwconv" : "gconv");
        snprintf(out, TOKEN_MAX, "%s", t);
        return;
    }
    if (is_op(n, "Clip")) {
        double lo, hi;
        clip_bounds(g, n, &lo, &hi);
        if (lo == 0 && hi == 6)
            snprintf(out, TOKEN_MAX, "relu6");
        else if (lo == 0 && isnan(hi))
            snprintf(out, TOKEN_MAX, "relu");
        else
            snprintf(out, TOKEN_MAX, "clip");
        return;
    }
    if (is_op(n, "MatMul")) {
        /* a constant 2-D right operand is a fully connected layer */
        int b = n->ninputs > 1 ? n->inputs[1] : -1;
        int fc = b >= 0 && g->tensors[b].is_initializer && g->tensors[b].shape.ndim == 2;
        snprintf(out, TOKEN_MAX, "%s", fc ? "fc" : "matmul");
        return;
    }
    for (size_t i = 0; i < sizeof op_tokens / sizeof *op_tokens; i++)
        if (strcmp(op_tokens[i].op, n->op) == 0) {
            snprintf(out, TOKEN_MAX, "%s", op_tokens[i].token);
            return;
        }
    size_t k = 0;
    for (; n->op[k] && k < TOKEN_MAX - 1; k++)
        out[k] = (char)tolower((unsigned char)n->op[k]);
    out[k] = 0;
}

/* ---- consumers ----------------------------------------------------------- */

typedef struct {
    const Graph *g;
    int *start;               /* CSR: consumers of tensor t are cons[start[t]..start[t+1]) */
    int *cons;
    int *claimed;             /* per node: unit index + 1 once claimed */
} Ctx;

static int build_consumers(Ctx *c)
{
    const Graph *g = c->g;
    c->start = calloc((size_t)g->ntensors + 1, sizeof *c->start);
    int total = 0;
    for (int i = 0; i < g->nnodes; i++)
        total += g->nodes[i].ninputs;
    c->cons = malloc((size_t)(total ? total : 1) * sizeof *c->cons);
    int *fill = calloc((size_t)g->ntensors + 1, sizeof *fill);
    if (!c->start || !c->cons || !fill) {
        free(fill);
        return -1;
    }
    for (int i = 0; i < g->nnodes; i++)
        for (int k = 0; k < g->nodes[i].ninputs; k++)
            if (g->nodes[i].inputs[k] >= 0)
                c->start[g->nodes[i].inputs[k] + 1]++;
    for (int t = 0; t < g->ntensors; t++)
        c->start[t + 1] += c->start[t];
    for (int i = 0; i < g->nnodes; i++)
        for (int k = 0; k < g->nodes[i].ninputs; k++) {
            int t = g->nodes[i].inputs[k];
            if (t < 0)
                continue;
            /* a node reading t twice (Mul(x, x)) is listed once */
            int dup = 0;
            for (int j = c->start[t]; j < c->start[t] + fill[t]; j++)
                dup |= c->cons[j] == i;
            if (!dup)
                c->cons[c->start[t] + fill[t]++] = i;
        }
    /* compact duplicates away: shift counts */
    for (int t = 0; t < g->ntensors; t++) {
        int have = c->start[t + 1] - c->start[t];
        for (int j = fill[t]; j < have; j++)
            c->cons[c->start[t] + j] = -1;
    }
    free(fill);
    return 0;
}

static int nconsumers(const Ctx *c, int t)
{
    if (t < 0)
        return 0;
    int n = 0;
    for (int j = c->start[t]; j < c->start[t + 1]; j++)
        n += c->cons[j] >= 0;
    return n;
}

/* The only consumer of t, when t is not a graph output; -1 otherwise. */
static int sole_consumer(const Ctx *c, int t)
{
    if (t < 0 || c->g->tensors[t].is_output || nconsumers(c, t) != 1)
        return -1;
    for (int j = c->start[t]; j < c->start[t + 1]; j++)
        if (c->cons[j] >= 0)
            return c->cons[j];
    return -1;
}

static int out0(const Graph *g, int node)
{
    return node >= 0 && g->nodes[node].noutputs > 0 ? g->nodes[node].outputs[0] : -1;
}

static int in_k(const Graph *g, int node, int k)
{
    return node >= 0 && k < g->nodes[node].ninputs ? g->nodes[node].inputs[k] : -1;
}

/* The input of binary node `n` other than tensor `t` (-1 if t is not one). */
static int other_input(const Graph *g, int n, int t)
{
    if (n < 0 || g->nodes[n].ninputs != 2)
        return -1;
    if (g->nodes[n].inputs[0] == t)
        return g->nodes[n].inputs[1];
    if (g->nodes[n].inputs[1] == t)
        return g->nodes[n].inputs[0];
    return -1;
}

/* Binary node n = OP(t, const c) with c ~ want (either order for Add/Mul). */
static int binary_const(const Graph *g, int n, const char *op, int t, double want)
{
    if (n < 0 || !is_op(&g->nodes[n], op))
        return 0;
    int o = other_input(g, n, t);
    double v;
    if (o < 0 || !const_value(g, o, &v) || !near(v, want))
        return 0;
    if ((strcmp(op, "Div") == 0 || strcmp(op, "Sub") == 0 || strcmp(op, "Pow") == 0) &&
        g->nodes[n].inputs[0] != t)
        return 0;
    return 1;
}

/* Producer node of tensor t, or -1. */
static int producer(const Graph *g, int t)
{
    return t >= 0 ? g->tensors[t].producer : -1;
}

/* ---- composite patterns ---------------------------------------------------
 * Each returns the node count written to `nodes` (graph order not needed:
 * the caller sorts), the pattern's input in *x, or 0 when no match. */

#define PAT_MAX 16

typedef struct {
    int nodes[PAT_MAX];
    int n;
} Pat;

static void pat_add(Pat *p, int node)
{
    if (p->n < PAT_MAX && node >= 0)
        p->nodes[p->n++] = node;
}

/* Add(x, 3) whose only consumer is Clip(0, 6): the head both hard-sigmoid
 * and the decomposed hard-swish start with.  Returns the Clip, or -1. */
static int add3_clip6(const Ctx *c, int add, int *x)
{
    const Graph *g = c->g;
    if (add < 0 || !is_op(&g->nodes[add], "Add") || g->nodes[add].ninputs != 2)
        return -1;
    double v;
    int xin = -1;
    for (int k = 0; k < 2; k++)
        if (const_value(g, g->nodes[add].inputs[1 - k], &v) && near(v, 3))
            xin = g->nodes[add].inputs[k];
    int clip = xin >= 0 ? sole_consumer(c, out0(g, add)) : -1;
    if (clip < 0 || !is_op(&g->nodes[clip], "Clip"))
        return -1;
    double lo, hi;
    clip_bounds(g, &g->nodes[clip], &lo, &hi);
    if (lo != 0 || hi != 6)
        return -1;
    *x = xin;
    return clip;
}

/* Node n divides tensor t by 6 (Div(t, 6) or Mul(t, 1/6)). */
static int div6(const Graph *g, int n, int t)
{
    return binary_const(g, n, "Div", t, 6) || binary_const(g, n, "Mul", t, 1.0 / 6);
}

/* The Mul that alone consumes tensor t and multiplies it by x (the outer
 * "x * f(x)" of swish and hard-swish), or -1. */
static int mul_by(const Ctx *c, int t, int x)
{
    const Graph *g = c->g;
    int mul = sole_consumer(c, t);
    if (mul < 0 || !is_op(&g->nodes[mul], "Mul") || other_input(g, mul, t) != x)
        return -1;
    return mul;
}

/* Add(x,3) -> Clip(0,6) -> Div(6)|Mul(1/6); starting at the Add. */
static int match_hsigmoid_at(const Ctx *c, int add, int *x, Pat *p)
{
    const Graph *g = c->g;
    int clip = add3_clip6(c, add, x);
    if (clip < 0)
        return 0;
    int scale = sole_consumer(c, out0(g, clip));
    if (!div6(g, scale, out0(g, clip)))
        return 0;
    pat_add(p, add);
    pat_add(p, clip);
    pat_add(p, scale);
    return 1;
}

static int match_hsigmoid(const Ctx *c, int node, Pat *p)
{
    int x;
    return match_hsigmoid_at(c, node, &x, p);
}

/* x*HardSigmoid(x), x*hsigmoid(x), or Add->Clip->Mul(x)->Div(6); at the Add
 * or HardSigmoid. */
static int match_hswish(const Ctx *c, int node, Pat *p)
{
    const Graph *g = c->g;
    if (is_op(&g->nodes[node], "HardSigmoid")) {
        int x = in_k(g, node, 0);
        int mul = mul_by(c, out0(g, node), x);
        if (mul < 0)
            return 0;
        pat_add(p, node);
        pat_add(p, mul);
        return 1;
    }
    int x;
    Pat hs = {.n = 0};
    if (match_hsigmoid_at(c, node, &x, &hs)) {
        int last = hs.nodes[hs.n - 1];
        int mul = mul_by(c, out0(g, last), x);
        if (mul < 0)
            return 0;
        *p = hs;
        pat_add(p, mul);
        return 1;
    }
    /* Add(x,3) -> Clip(0,6) -> Mul(x, .) -> Div(6) */
    int xin;
    int clip = add3_clip6(c, node, &xin);
    if (clip < 0)
        return 0;
    int mul = mul_by(c, out0(g, clip), xin);
    if (mul < 0)
        return 0;
    int div = sole_consumer(c, out0(g, mul));
    if (!div6(g, div, out0(g, mul)))
        return 0;
    pat_add(p, node);
    pat_add(p, clip);
    pat_add(p, mul);
    pat_add(p, div);
    return 1;
}

/* Sigmoid(x) -> Mul(x, .); at the Sigmoid. */
static int match_swish(const Ctx *c, int node, Pat *p)
{
    const Graph *g = c->g;
    if (!is_op(&g->nodes[node], "Sigmoid"))
        return 0;
    int mul = mul_by(c, out0(g, node), in_k(g, node, 0));
    if (mul < 0)
        return 0;
    pat_add(p, node);
    pat_add(p, mul);
    return 1;
}

/* The tail shared by both GELU forms: t -> Add(1) -> Mul with x and 0.5 in
 * either order.  `half` is a Mul(x, 0.5) node feeding the Mul, if any. */
static int gelu_tail(const Ctx *c, int t, int x, Pat *p)
{
    const Graph *g = c->g;
    int add = sole_consumer(c, t);
    if (!binary_const(g, add, "Add", t, 1))
        return 0;
    int m1 = sole_consumer(c, out0(g, add));
    if (m1 < 0 || !is_op(&g->nodes[m1], "Mul"))
        return 0;
    int o = other_input(g, m1, out0(g, add));
    pat_add(p, add);
    pat_add(p, m1);
    if (o == x) { /* (x * (1+erf)) * 0.5 */
        int m2 = sole_consumer(c, out0(g, m1));
        if (!binary_const(g, m2, "Mul", out0(g, m1), 0.5))
            return 0;
        pat_add(p, m2);
        return 1;
    }
    int half = producer(g, o); /* (x * 0.5) * (1+erf) */
    if (half >= 0 && binary_const(g, half, "Mul", x, 0.5) && sole_consumer(c, o) == m1) {
        pat_add(p, half);
        return 1;
    }
    return 0;
}

/* Erf form at the Erf; tanh form at the Tanh. */
static int match_gelu(const Ctx *c, int node, Pat *p)
{
    const Graph *g = c->g;
    if (is_op(&g->nodes[node], "Erf")) {
        int d = producer(g, in_k(g, node, 0));
        if (d < 0 || sole_consumer(c, out0(g, d)) != node)
            return 0;
        int x = in_k(g, d, 0);
        if (!binary_const(g, d, "Div", x, sqrt(2.0)) &&
            !(binary_const(g, d, "Mul", x, 1 / sqrt(2.0)) ||
              binary_const(g, d, "Mul", in_k(g, d, 1), 1 / sqrt(2.0))))
            return 0;
        if (is_op(&g->nodes[d], "Mul") && !binary_const(g, d, "Mul", x, 1 / sqrt(2.0)))
            x = in_k(g, d, 1);
        pat_add(p, d);
        pat_add(p, node);
        return gelu_tail(c, out0(g, node), x, p);
    }
    if (is_op(&g->nodes[node], "Tanh")) {
        /* x -> Pow(3) -> Mul(0.044715) -> Add(x) -> Mul(sqrt(2/pi)) -> Tanh */
        int m3 = producer(g, in_k(g, node, 0));
        if (m3 < 0 || !is_op(&g->nodes[m3], "Mul"))
            return 0;
        int a1 = -1;
        for (int k = 0; k < 2 && a1 < 0; k++) {
            int cand = producer(g, in_k(g, m3, k));
            if (cand >= 0 && is_op(&g->nodes[cand], "Add") &&
                binary_const(g, m3, "Mul", out0(g, cand), sqrt(2 / M_PI)))
                a1 = cand;
        }
        if (a1 < 0)
            return 0;
        for (int k = 0; k < 2; k++) {
            int m2 = producer(g, in_k(g, a1, k));
            int x = in_k(g, a1, 1 - k);
            if (m2 < 0 || !is_op(&g->nodes[m2], "Mul"))
                continue;
            int pw = -1;
            for (int j = 0; j < 2 && pw < 0; j++) {
                int cand = producer(g, in_k(g, m2, j));
                if (cand >= 0 && binary_const(g, cand, "Pow", x, 3) &&
                    binary_const(g, m2, "Mul", out0(g, cand), 0.044715))
                    pw = cand;
            }
            if (pw < 0)
                continue;
            pat_add(p, pw);
            pat_add(p, m2);
            pat_add(p, a1);
            pat_add(p, m3);
            pat_add(p, node);
            return gelu_tail(c, out0(g, node), x, p);
        }
    }
    return 0;
}

/* ReduceMean(x) -> Sub(x, mean) -> Pow(2)|Mul(d,d) -> ReduceMean -> Add(eps)
 * -> Sqrt -> Div(d, .) [-> Mul(gamma) -> Add(beta)]; at the first ReduceMean. */
static int match_layernorm(const Ctx *c, int node, Pat *p)
{
    const Graph *g = c->g;
    if (!is_op(&g->nodes[node], "ReduceMean"))
        return 0;
    int x = in_k(g, node, 0);
    int sub = sole_consumer(c, out0(g, node));
    if (sub < 0 || !is_op(&g->nodes[sub], "Sub") || in_k(g, sub, 0) != x ||
        in_k(g, sub, 1) != out0(g, node))
        return 0;
    int d = out0(g, sub);
    if (nconsumers(c, d) != 2 || g->tensors[d].is_output)
        return 0;
    int sq = -1, div = -1;
    for (int j = c->start[d]; j < c->start[d + 1]; j++) {
        int n = c->cons[j];
        if (n < 0)
            continue;
        if (binary_const(g, n, "Pow", d, 2) ||
            (is_op(&g->nodes[n], "Mul") && in_k(g, n, 0) == d && in_k(g, n, 1) == d))
            sq = n;
        else if (is_op(&g->nodes[n], "Div") && in_k(g, n, 0) == d)
            div = n;
    }
    if (sq < 0 || div < 0)
        return 0;
    int rm2 = sole_consumer(c, out0(g, sq));
    if (rm2 < 0 || !is_op(&g->nodes[rm2], "ReduceMean"))
        return 0;
    int add = sole_consumer(c, out0(g, rm2));
    double eps;
    if (add < 0 || !is_op(&g->nodes[add], "Add") ||
        !const_value(g, other_input(g, add, out0(g, rm2)), &eps))
        return 0;
    int sqrt_n = sole_consumer(c, out0(g, add));
    if (sqrt_n < 0 || !is_op(&g->nodes[sqrt_n], "Sqrt") ||
        sole_consumer(c, out0(g, sqrt_n)) != div)
        return 0;
    int nodes[] = {node, sub, sq, rm2, add, sqrt_n, div};
    for (size_t k = 0; k < sizeof nodes / sizeof *nodes; k++)
        pat_add(p, nodes[k]);
    /* optional affine part with constant gamma and beta */
    int mul = sole_consumer(c, out0(g, div));
    int gamma = other_input(g, mul, out0(g, div));
    if (mul >= 0 && is_op(&g->nodes[mul], "Mul") && gamma >= 0 &&
        g->tensors[gamma].is_initializer) {
        pat_add(p, mul);
        int ad = sole_consumer(c, out0(g, mul));
        int beta = other_input(g, ad, out0(g, mul));
        if (ad >= 0 && is_op(&g->nodes[ad], "Add") && beta >= 0 &&
            g->tensors[beta].is_initializer)
            pat_add(p, ad);
    }
    return 1;
}

/* Reshape(5-D) -> Transpose(perm 0,2,1,3,4) -> Reshape(4-D); at the Transpose. */
static int match_shuffle(const Ctx *c, int node, Pat *p)
{
    const Graph *g = c->g;
    if (!is_op(&g->nodes[node], "Transpose"))
        return 0;
    int64_t perm[8];
    if (node_attr_ints(&g->nodes[node], "perm", perm, 8) != 5 || perm[0] != 0 ||
        perm[1] != 2 || perm[2] != 1 || perm[3] != 3 || perm[4] != 4)
        return 0;
    int r1 = producer(g, in_k(g, node, 0));
    int r2 = sole_consumer(c, out0(g, node));
    if (r1 < 0 || r2 < 0 || !is_op(&g->nodes[r1], "Reshape") ||
        !is_op(&g->nodes[r2], "Reshape") || sole_consumer(c, out0(g, r1)) != node)
        return 0;
    pat_add(p, r1);
    pat_add(p, node);
    pat_add(p, r2);
    return 1;
}

static int is_shape_only(const Node *n)
{
    return is_op(n, "Reshape") || is_op(n, "Flatten") || is_op(n, "Squeeze") ||
           is_op(n, "Unsqueeze") || is_op(n, "Identity") || is_op(n, "Dropout");
}

/* Walk back from t over shape-only nodes (adding them to p); returns the
 * first real producer, or -1. */
static int back_real(const Ctx *c, int t, Pat *p)
{
    const Graph *g = c->g;
    int n = producer(g, t);
    while (n >= 0 && is_shape_only(&g->nodes[n])) {
        if (sole_consumer(c, out0(g, n)) < 0)
            return -1;
        pat_add(p, n);
        n = producer(g, in_k(g, n, 0));
    }
    return n;
}

static int is_fc_like(const Graph *g, int n)
{
    if (n < 0)
        return 0;
    const Node *nd = &g->nodes[n];
    if (is_op(nd, "Gemm") || is_op(nd, "MatMul"))
        return 1;
    if (!is_op(nd, "Conv"))
        return 0;
    int64_t k[2];
    return node_attr_ints(nd, "kernel_shape", k, 2) != 2 || (k[0] == 1 && k[1] == 1);
}

/* Mul(x, gate(FC(act(FC(pool(x)))))); at the Mul. */
static int match_se(const Ctx *c, int node, Pat *p)
{
    const Graph *g = c->g;
    if (!is_op(&g->nodes[node], "Mul") || g->nodes[node].ninputs != 2)
        return 0;
    for (int side = 0; side < 2; side++) {
        Pat q = {.n = 0};
        int x = in_k(g, node, side);
        int gt = in_k(g, node, 1 - side);
        if (sole_consumer(c, gt) != node)
            continue;
        int gate = back_real(c, gt, &q);
        if (gate < 0)
            continue;
        /* gate: Sigmoid, HardSigmoid, or the Add-Clip-Div hsigmoid */
        int fc2_out;
        if (is_op(&g->nodes[gate], "Sigmoid") || is_op(&g->nodes[gate], "HardSigmoid")) {
            pat_add(&q, gate);
            fc2_out = in_k(g, gate, 0);
        } else {
            /* Div/Mul <- Clip <- Add(.,3) */
            int clip = producer(g, in_k(g, gate, 0));
            int add = clip >= 0 ? producer(g, in_k(g, clip, 0)) : -1;
            int xh;
            Pat hs = {.n = 0};
            if (add < 0 || !match_hsigmoid_at(c, add, &xh, &hs) || hs.nodes[hs.n - 1] != gate)
                continue;
            for (int k = 0; k < hs.n; k++)
                pat_add(&q, hs.nodes[k]);
            fc2_out = xh;
        }
        if (sole_consumer(c, fc2_out) < 0)
            continue;
        int fc2 = back_real(c, fc2_out, &q);
        /* Gemm-less exports: MatMul + Add(bias) */
        if (fc2 >= 0 && is_op(&g->nodes[fc2], "Add")) {
            pat_add(&q, fc2);
            fc2 = producer(g, in_k(g, fc2, 0));
        }
        if (!is_fc_like(g, fc2))
            continue;
        pat_add(&q, fc2);
        if (sole_consumer(c, in_k(g, fc2, 0)) < 0)
            continue;
        int act = back_real(c, in_k(g, fc2, 0), &q);
        if (act < 0 || !(is_op(&g->nodes[act], "Relu") || is_op(&g->nodes[act], "Clip") ||
                         is_op(&g->nodes[act], "Sigmoid") || is_op(&g->nodes[act], "HardSwish")))
            continue;
        pat_add(&q, act);
        if (sole_consumer(c, in_k(g, act, 0)) < 0)
            continue;
        int fc1 = back_real(c, in_k(g, act, 0), &q);
        if (fc1 >= 0 && is_op(&g->nodes[fc1], "Add")) {
            pat_add(&q, fc1);
            fc1 = producer(g, in_k(g, fc1, 0));
        }
        if (!is_fc_like(g, fc1))
            continue;
        pat_add(&q, fc1);
        if (sole_consumer(c, in_k(g, fc1, 0)) < 0)
            continue;
        int pool = back_real(c, in_k(g, fc1, 0), &q);
        if (pool < 0 || !(is_op(&g->nodes[pool], "GlobalAveragePool") ||
                          is_op(&g->nodes[pool], "ReduceMean")))
            continue;
        if (in_k(g, pool, 0) != x)
            continue;
        pat_add(&q, pool);
        pat_add(&q, node);
        *p = q;
        return 1;
    }
    return 0;
}

typedef int (*MatchFn)(const Ctx *c, int node, Pat *p);

/* Order matters: larger patterns first, so SE claims its gate before the
 * gate is claimed as a lone hsigmoid. */
static const struct {
    unsigned flag;
    const char *token;
    MatchFn match;
} composites[] = {
    {COMP_SE, "se", match_se},
    {COMP_LAYERNORM, "layernorm", match_layernorm},
    {COMP_GELU, "gelu", match_gelu},
    {COMP_HSWISH, "hswish", match_hswish},
    {COMP_HSIGMOID, "hsigmoid", match_hsigmoid},
    {COMP_SWISH, "swish", match_swish},
    {COMP_SHUFFLE, "shuffle", match_shuffle},
};

/* ---- units ------------------------------------------------------------- */

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

static int add_unit(NormGraph *ng, int *cap, const char *token, const int *nodes, int n)
{
    if (ng->nunits >= *cap) {
        int nc = *cap ? *cap * 2 : 64;
        Unit *u = realloc(ng->units, (size_t)nc * sizeof *u);
        if (!u)
            return -1;
        ng->units = u;
        *cap = nc;
    }
    Unit *u = &ng->units[ng->nunits];
    memset(u, 0, sizeof *u);
    snprintf(u->token, TOKEN_MAX, "%s", token);
    u->nodes = malloc((size_t)n * sizeof *u->nodes);
    if (!u->nodes)
        return -1;
    memcpy(u->nodes, nodes, (size_t)n * sizeof *nodes);
    qsort(u->nodes, (size_t)n, sizeof *u->nodes, cmp_int);
    u->nnodes = n;
    u->anchor = u->nodes[0];
    u->output = -1;
    u->twin = -1;
    for (int k = 0; k < n; k++)
        ng->node_unit[nodes[k]] = ng->nunits;
    return ng->nunits++;
}

static int is_free_token(const NormConfig *cfg, const char *tok)
{
    for (int i = 0; cfg && i < cfg->nfree; i++)
        if (strcmp(cfg->free_tokens[i], tok) == 0)
            return 1;
    return 0;
}

/* Does nothing at run time: Identity, Dropout, a Cast to the same type,
 * or a node whose outputs are all constants (the runtime folds it). */
static int is_noop(const Graph *g, const Node *n)
{
    if (is_op(n, "Identity") || is_op(n, "Dropout") || is_op(n, "Constant"))
        return 1;
    if (is_op(n, "Cast") && n->ninputs > 0 && n->inputs[0] >= 0 &&
        g->tensors[n->inputs[0]].dtype == node_attr_int(n, "to", -1))
        return 1;
    if (n->noutputs == 0)
        return 0;
    for (int k = 0; k < n->noutputs; k++)
        if (n->outputs[k] >= 0 && !g->tensors[n->outputs[k]].is_const)
            return 0;
    return 1;
}

static int attrs_equal(const Node *a, const Node *b)
{
    if (a->nattrs != b->nattrs)
        return 0;
    for (int i = 0; i < a->nattrs; i++) {
        const Attr *x = &a->attrs[i];
        const Attr *y = node_attr(b, x->name);
        if (!y || x->type != y->type || x->i != y->i || x->f != y->f || x->n != y->n ||
            x->tensor >= 0 || y->tensor >= 0 || x->type == ATTR_GRAPH)
            return 0;
        if ((x->s || y->s) && (!x->s || !y->s || strcmp(x->s, y->s)))
            return 0;
        if (x->ints && memcmp(x->ints, y->ints, (size_t)x->n * sizeof *x->ints))
            return 0;
        if (x->floats && memcmp(x->floats, y->floats, (size_t)x->n * sizeof *x->floats))
            return 0;
    }
    return 1;
}

/* Common subexpressions: a node computing exactly what an earlier node
 * computes (same op, inputs and attributes -- NAS cells apply one Relu per
 * edge to the same tensor) is merged away by runtimes (ORT's
 * CommonSubexpressionElimination).  Returns, per node, the earlier twin or
 * -1. */
static int *find_duplicates(const Ctx *c, const unsigned char *dead, int keep)
{
    const Graph *g = c->g;
    int *dup = malloc((size_t)(g->nnodes > 0 ? g->nnodes : 1) * sizeof *dup);
    if (!dup)
        return NULL;
    for (int i = 0; i < g->nnodes; i++)
        dup[i] = -1;
    if (keep)   /* `cse no`: the runtime runs every repeat */
        return dup;
    for (int i = 0; i < g->nnodes; i++) {
        const Node *a = &g->nodes[i];
        if (dead[i] || a->ninputs < 1 || a->inputs[0] < 0 || a->noutputs != 1 || a->has_subgraph ||
            is_op(a, "Dropout") || strncmp(a->op, "Random", 6) == 0)
            continue;
        int t = a->inputs[0];
        for (int j = c->start[t]; j < c->start[t + 1]; j++) {
            int b = c->cons[j];
            if (b < 0 || b >= i || dup[b] >= 0 || dead[b])
                continue; /* a dead node runs nowhere: it cannot stand for i */
            const Node *nb = &g->nodes[b];
            if (nb->ninputs != a->ninputs || nb->noutputs != 1 || strcmp(nb->op, a->op) ||
                strcmp(nb->domain, a->domain) ||
                memcmp(nb->inputs, a->inputs, (size_t)a->ninputs * sizeof *a->inputs) ||
                !attrs_equal(a, nb) || g->tensors[a->outputs[0]].is_output)
                continue;
            dup[i] = b;
            break;
        }
    }
    return dup;
}

/* A unit's output is its last node's first output, except that a unit whose
 * nodes are not a chain keeps the node feeding outside. */
static int unit_output(const Graph *g, const NormGraph *ng, int u)
{
    const Unit *un = &ng->units[u];
    return out0(g, un->nodes[un->nnodes - 1]);
}

/* Nodes nothing reads from, directly or through other dead nodes (a NAS
 * cell's unused edge): ONNX Runtime removes them, XNNPACK never runs
 * them.  Returns a flag per node (NULL when out of memory). */
static unsigned char *find_dead(const Ctx *c)
{
    const Graph *g = c->g;
    unsigned char *dead = calloc((size_t)(g->nnodes ? g->nnodes : 1), 1);
    int *readers = calloc((size_t)(g->ntensors ? g->ntensors : 1), sizeof *readers);
    if (!dead || !readers) {
        free(dead);
        free(readers);
        return NULL;
    }
    for (int t = 0; t < g->ntensors; t++) {
        readers[t] = g->tensors[t].is_output;
        for (int j = c->start[t]; j < c->start[t + 1]; j++)
            readers[t] += c->cons[j] >= 0;
    }
    for (int changed = 1; changed;) {
        changed = 0;
        for (int i = g->nnodes - 1; i >= 0; i--) {
            const Node *n = &g->nodes[i];
            int live = n->noutputs == 0;
            for (int k = 0; k < n->noutputs && !live; k++)
                live = n->outputs[k] >= 0 && readers[n->outputs[k]] > 0;
            if (live || dead[i])
                continue;
            dead[i] = 1;
            changed = 1;
            for (int k = 0; k < n->ninputs; k++) {
                int t = n->inputs[k], seen = 0;
                for (int j = 0; j < k; j++)   /* Mul(x, x) reads x once */
                    seen |= n->inputs[j] == t;
                if (t >= 0 && !seen)
                    readers[t]--;
            }
        }
    }
    free(readers);
    return dead;
}

static int cmp_units(const void *a, const void *b)
{
    const Unit *x = a, *y = b;
    return x->nodes[x->nnodes - 1] - y->nodes[y->nnodes - 1];
}

int normalize(const Graph *g, const NormConfig *cfg, NormGraph *out)
{
    memset(out, 0, sizeof *out);
    Ctx c = {.g = g};
    out->nnodes = g->nnodes;
    out->node_unit = malloc((size_t)(g->nnodes ? g->nnodes : 1) * sizeof *out->node_unit);
    if (!out->node_unit || build_consumers(&c)) {
        free(c.start);
        free(c.cons);
        return -1;
    }
    for (int i = 0; i < g->nnodes; i++)
        out->node_unit[i] = -1;
    int cap = 0, rc = 0;
    unsigned comps = cfg ? cfg->composites : 0;
    unsigned char *dead = find_dead(&c);
    int *dup = dead ? find_duplicates(&c, dead, cfg && cfg->keep_duplicates) : NULL;
    if (!dup || !dead) {
        free(dup);
        free(dead);
        free(c.start);
        free(c.cons);
        return -1;
    }
    for (int i = 0; i < g->nnodes && rc == 0; i++) {
        if (dup[i] < 0 && !dead[i])
            continue;
        char tok[TOKEN_MAX];
        node_token(g, &g->nodes[i], tok);
        int u = add_unit(out, &cap, tok, &i, 1);
        if (u < 0) {
            rc = -1;
        } else {
            out->units[u].noop = out->units[u].free = 1;
            out->units[u].duplicate = dup[i] >= 0;
            out->units[u].twin = dup[i];
            out->units[u].dead = dead[i];
        }
    }
    free(dup);
    free(dead);
    for (size_t p = 0; p < sizeof composites / sizeof *composites && rc == 0; p++) {
        if (!(comps & composites[p].flag))
            continue;
        for (int i = 0; i < g->nnodes && rc == 0; i++) {
            if (out->node_unit[i] >= 0)
                continue;
            Pat pat = {.n = 0};
            if (!composites[p].match(&c, i, &pat) || pat.n == 0)
                continue;
            int taken = 0;
            for (int k = 0; k < pat.n; k++)
                taken |= out->node_unit[pat.nodes[k]] >= 0;
            if (!taken && add_unit(out, &cap, composites[p].token, pat.nodes, pat.n) < 0)
                rc = -1;
        }
    }
    for (int i = 0; i < g->nnodes && rc == 0; i++) {
        if (out->node_unit[i] >= 0)
            continue;
        char tok[TOKEN_MAX];
        node_token(g, &g->nodes[i], tok);
        int u = add_unit(out, &cap, tok, &i, 1);
        if (u < 0) {
            rc = -1;
            break;
        }
        out->units[u].noop = is_noop(g, &g->nodes[i]);
        out->units[u].free = out->units[u].noop || is_free_token(cfg, tok);
    }
    if (rc == 0) {
        /* graph order = order of each unit's last node: topological */
        if (out->nunits > 1) /* units is NULL for a graph without nodes */
            qsort(out->units, (size_t)out->nunits, sizeof *out->units, cmp_units);
        for (int u = 0; u < out->nunits; u++) {
            for (int k = 0; k < out->units[u].nnodes; k++)
                out->node_unit[out->units[u].nodes[k]] = u;
            out->units[u].output = unit_output(g, out, u);
        }
    }
    free(c.start);
    free(c.cons);
    if (rc)
        normgraph_free(out);
    return rc;
}

void normgraph_free(NormGraph *ng)
{
    for (int u = 0; u < ng->nunits; u++)
        free(ng->units[u].nodes);
    free(ng->units);
    free(ng->node_unit);
    memset(ng, 0, sizeof *ng);
}
