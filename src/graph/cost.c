/* cost.c -- FLOPs, parameters and memory traffic per node (see cost.h).
 *
 * Why: the report ranks nodes by work and traffic, so every node gets the
 * same three numbers computed from the shapes shape_infer() found.  Bytes
 * and params follow one rule for all ops; FLOPs come from a per-op rule in
 * FLOPS[] (op name -> function).  An op not in the table has 0 FLOPs.
 *
 * FLOP conventions (a multiply-add is 2; cost.h has the headline ones):
 *  - Conv: 2*N*Cout*out_spatial*(Cin/group)*prod(kernel), + N*Cout*out_spatial
 *    with a bias.  ConvTranspose: 2*N*Cin*in_spatial*(Cout/group)*prod(kernel),
 *    + N*Cout*out_spatial with a bias (each input pixel scatters a kernel).
 *  - Gemm: 2*M*N*K, + M*N with a C input.  MatMul: 2*M*N*K per batch.
 *  - elementwise ops and activations (Relu, Sigmoid, Gelu, Add, Where,
 *    comparisons, Clip...): 1 per output element, however costly the
 *    function; variadic Sum/Max/Min: inputs-1 per element, Mean: inputs.
 *  - BatchNormalization: 2 per element (the inference-time scale + shift).
 *  - LayerNorm/InstanceNorm/GroupNorm/MeanVarianceNormalization: 5 per
 *    element: 1 for the mean, 2 for the variance (square, accumulate) and 2
 *    for the normalize+affine folded into one multiply-add.
 *  - Softmax/LogSoftmax: 3 per element (exp, sum, divide).
 *  - Quantize/DequantizeLinear: 2 per element (scale, zero point).
 *  - MaxPool/AveragePool/LpPool: output elements * kernel window size.
 *  - GlobalAveragePool/GlobalMaxPool, Reduce*, ArgMax/ArgMin, TopK: input
 *    elements (one accumulate or compare each).
 *  - Resize/Upsample: nearest 0; linear 2 per tap with 2^k taps, cubic 4^k
 *    taps, k = number of resized axes; per output element.
 *  - LSTM/GRU/RNN: 2*seq*batch*(elements of W + elements of R), the gate
 *    matrix products; the gate nonlinearities are ignored.
 *  - data movement and shape ops (Reshape, Flatten, Squeeze, Unsqueeze,
 *    Transpose, Concat, Split, Slice, Pad, Gather, Tile, Expand, Cast,
 *    Identity, Dropout, Shape, Constant...): 0 FLOPs; their cost is bytes.
 */
#include "cost.h"

#include <string.h>

/* Elements of t as a double (FLOPs can exceed int64); -1 when unknown. */
static double elems(const Tensor *t)
{
    if (!t)
        return -1;
    int64_t n = shape_numel(&t->shape);
    return n < 0 ? -1 : (double)n;
}

typedef double (*FlopFn)(Graph *g, const Node *n, double k);

typedef struct {
    const char *op;
    FlopFn fn;
    double k;           /* the rule's per-element factor, where it has one */
} CostRule;

/* k per output element. */
static double fl_out(Graph *g, const Node *n, double k)
{
    double y = elems(node_out(g, n, 0));
    return y < 0 ? 0 : k * y;
}

/* k per element of input 0. */
static double fl_in(Graph *g, const Node *n, double k)
{
    double x = elems(node_in(g, n, 0));
    return x < 0 ? 0 : k * x;
}

/* Sum/Max/Min fold inputs-1 ops per element; Mean adds k=1 (the divide). */
static double fl_variadic(Graph *g, const Node *n, double k)
{
    int present = 0;
    for (int i = 0; i < n->ninputs; i++)
        present += node_in(g, n, i) != NULL;
    double per = (present > 1 ? present - 1 : 1) + k;
    return fl_out(g, n, per);
}

/* Multiply-adds per output element of a Conv: the weight's elements per
 * output channel, or (Cin/group)*prod(kernel_shape) when W is unknown. */
static double conv_macs(Graph *g, const Node *n)
{
    const Tensor *w = node_in(g, n, 1);
    double we = elems(w);
    if (we >= 0 && w->shape.ndim >= 1 && w->shape.dims[0] > 0)
        return we / (double)w->shape.dims[0];
    const Tensor *x = node_in(g, n, 0);
    int64_t group = node_attr_int(n, "group", 1);
    int64_t ks[GRAPH_MAX_DIMS];
    int nk = node_attr_ints(n, "kernel_shape", ks, GRAPH_MAX_DIMS);
    if (!x || x->shape.ndim < 2 || x->shape.dims[1] < 0 || group < 1 ||
        nk < 0 || nk > GRAPH_MAX_DIMS)
        return -1;
    double m = (double)(x->shape.dims[1] / group);
    for (int i = 0; i < nk; i++)
        m *= (double)(ks[i] > 0 ? ks[i] : 0);
    return m;
}

static double fl_conv(Graph *g, const Node *n, double k)
{
    (void)k;
    double y = elems(node_out(g, n, 0)), macs = conv_macs(g, n);
    if (y < 0 || macs < 0)
        return 0;
    return 2 * y * macs + (node_in(g, n, 2) ? y : 0);
}

/* ConvTranspose: every input element scatters W[ci] (Cout/group * kernel). */
static double fl_convtranspose(Graph *g, const Node *n, double k)
{
    (void)k;
    const Tensor *w = node_in(g, n, 1);
    double x = elems(node_in(g, n, 0)), y = elems(node_out(g, n, 0));
    double we = elems(w);
    if (x < 0 || we < 0 || w->shape.ndim < 1 || w->shape.dims[0] <= 0)
        return 0;
    double f = 2 * x * (we / (double)w->shape.dims[0]);
    if (node_in(g, n, 2) && y >= 0)
        f += y;
    return f;
}

static double fl_gemm(Graph *g, const Node *n, double k)
{
    (void)k;
    const Tensor *a = node_in(g, n, 0);
    double y = elems(node_out(g, n, 0));
    if (y < 0 || !a || a->shape.ndim != 2)
        return 0;
    int64_t kk = a->shape.dims[node_attr_int(n, "transA", 0) ? 0 : 1];
    if (kk < 0)
        return 0;
    return 2 * y * (double)kk + (node_in(g, n, 2) ? y : 0);
}

/* MatMul: output elements (batch*M*N) times K, the last dim of A. */
static double fl_matmul(Graph *g, const Node *n, double k)
{
    (void)k;
    const Tensor *a = node_in(g, n, 0);
    double y = elems(node_out(g, n, 0));
    if (y < 0 || !a || a->shape.ndim < 1)
        return 0;
    int64_t kk = a->shape.dims[a->shape.ndim - 1];
    return kk < 0 ? 0 : 2 * y * (double)kk;
}

/* Pools: every output element reads a kernel window. */
static double fl_pool(Graph *g, const Node *n, double k)
{
    (void)k;
    int64_t ks[GRAPH_MAX_DIMS];
    int nk = node_attr_ints(n, "kernel_shape", ks, GRAPH_MAX_DIMS);
    double y = elems(node_out(g, n, 0));
    if (y < 0 || nk < 0 || nk > GRAPH_MAX_DIMS)
        return 0;
    double win = 1;
    for (int i = 0; i < nk; i++)
        win *= (double)(ks[i] > 0 ? ks[i] : 0);
    return y * win;
}

static double fl_resize(Graph *g, const Node *n, double k)
{
    (void)k;
    const char *mode = node_attr_str(n, "mode", "nearest");
    const Tensor *x = node_in(g, n, 0), *o = node_out(g, n, 0);
    double y = elems(o);
    if (y < 0 || !x || x->shape.ndim != o->shape.ndim)
        return 0;
    double taps_per_axis = !strcmp(mode, "cubic") ? 4 :
                           (!strcmp(mode, "linear") || !strcmp(mode, "bilinear")) ? 2 : 0;
    if (taps_per_axis == 0)
        return 0;
    double taps = 1;
    for (int d = 0; d < o->shape.ndim; d++)
        if (x->shape.dims[d] != o->shape.dims[d])
            taps *= taps_per_axis;
    return 2 * taps * y;
}

static double fl_rnn(Graph *g, const Node *n, double k)
{
    (void)k;
    const Tensor *x = node_in(g, n, 0);
    double w = elems(node_in(g, n, 1)), r = elems(node_in(g, n, 2));
    if (!x || x->shape.ndim != 3 || w < 0 || r < 0)
        return 0;
    int layout = node_attr_int(n, "layout", 0) != 0;
    int64_t seq = x->shape.dims[layout ? 1 : 0], batch = x->shape.dims[layout ? 0 : 1];
    if (seq < 0 || batch < 0)
        return 0;
    return 2 * (double)seq * (double)batch * (w + r);
}

static const CostRule FLOPS[] = {
    {"Conv", fl_conv, 0}, {"ConvTranspose", fl_convtranspose, 0},
    {"Gemm", fl_gemm, 0}, {"MatMul", fl_matmul, 0},
    {"MatMulInteger", fl_matmul, 0},
    {"MaxPool", fl_pool, 0}, {"AveragePool", fl_pool, 0},
    {"LpPool", fl_pool, 0},
    {"GlobalAveragePool", fl_in, 1}, {"GlobalMaxPool", fl_in, 1},
    {"GlobalLpPool", fl_in, 1},
    {"ReduceMean", fl_in, 1}, {"ReduceSum", fl_in, 1}, {"ReduceMax", fl_in, 1},
    {"ReduceMin", fl_in, 1}, {"ReduceProd", fl_in, 1}, {"ReduceL1", fl_in, 1},
    {"ReduceL2", fl_in, 1}, {"ReduceLogSum", fl_in, 1},
    {"ReduceLogSumExp", fl_in, 1}, {"ReduceSumSquare", fl_in, 1},
    {"ArgMax", fl_in, 1}, {"ArgMin", fl_in, 1}, {"TopK", fl_in, 1},
    {"BatchNormalization", fl_out, 2},
    {"LayerNormalization", fl_out, 5}, {"InstanceNormalization", fl_out, 5},
    {"GroupNormalization", fl_out, 5},
    {"MeanVarianceNormalization", fl_out, 5},
    {"Softmax", fl_out, 3}, {"LogSoftmax", fl_out, 3},
    {"QuantizeLinear", fl_out, 2}, {"DequantizeLinear", fl_out, 2},
    {"Resize", fl_resize, 0}, {"Upsample", fl_resize, 0},
    {"LSTM", fl_rnn, 0}, {"GRU", fl_rnn, 0}, {"RNN", fl_rnn, 0},
    {"Sum", fl_variadic, 0}, {"Max", fl_variadic, 0}, {"Min", fl_variadic, 0},
    {"Mean", fl_variadic, 1},
    /* elementwise: 1 per output element */
    {"Add", fl_out, 1}, {"Sub", fl_out, 1}, {"Mul", fl_out, 1},
    {"Div", fl_out, 1}, {"Pow", fl_out, 1}, {"Mod", fl_out, 1},
    {"Sqrt", fl_out, 1}, {"Exp", fl_out, 1}, {"Log", fl_out, 1},
    {"Neg", fl_out, 1}, {"Abs", fl_out, 1}, {"Reciprocal", fl_out, 1},
    {"Floor", fl_out, 1}, {"Ceil", fl_out, 1}, {"Round", fl_out, 1},
    {"Sign", fl_out, 1}, {"Sin", fl_out, 1}, {"Cos", fl_out, 1},
    {"Tan", fl_out, 1}, {"Not", fl_out, 1}, {"IsNaN", fl_out, 1},
    {"IsInf", fl_out, 1}, {"BitShift", fl_out, 1},
    {"Equal", fl_out, 1}, {"Less", fl_out, 1}, {"Greater", fl_out, 1},
    {"LessOrEqual", fl_out, 1}, {"GreaterOrEqual", fl_out, 1},
    {"And", fl_out, 1}, {"Or", fl_out, 1}, {"Xor", fl_out, 1},
    {"Where", fl_out, 1},
    {"Relu", fl_out, 1}, {"Clip", fl_out, 1}, {"LeakyRelu", fl_out, 1},
    {"PRelu", fl_out, 1}, {"Sigmoid", fl_out, 1}, {"HardSigmoid", fl_out, 1},
    {"HardSwish", fl_out, 1}, {"Tanh", fl_out, 1}, {"Erf", fl_out, 1},
    {"Gelu", fl_out, 1}, {"Elu", fl_out, 1}, {"Selu", fl_out, 1},
    {"Celu", fl_out, 1}, {"Softplus", fl_out, 1}, {"Softsign", fl_out, 1},
    {"ThresholdedRelu", fl_out, 1}, {"Mish", fl_out, 1},
    {"Shrink", fl_out, 1}, {"Hardmax", fl_out, 1}, {"LRN", fl_out, 1},
    {"CumSum", fl_out, 1},
};

/* com.microsoft activations shape_infer() knows: also 1 per element. */
static const CostRule MS_FLOPS[] = {
    {"Gelu", fl_out, 1}, {"FastGelu", fl_out, 1}, {"BiasGelu", fl_out, 1},
    {"QuickGelu", fl_out, 1},
};

static const CostRule *find_cost(const Node *n)
{
    const CostRule *tab = FLOPS;
    size_t cnt = sizeof FLOPS / sizeof FLOPS[0];
    if (n->domain && n->domain[0] && strcmp(n->domain, "ai.onnx") != 0) {
        if (strcmp(n->domain, "com.microsoft") != 0)
            return NULL;
        tab = MS_FLOPS;
        cnt = sizeof MS_FLOPS / sizeof MS_FLOPS[0];
    }
    for (size_t i = 0; i < cnt; i++)
        if (strcmp(tab[i].op, n->op) == 0)
            return &tab[i];
    return NULL;
}

/* Saturating int64 sums: a hostile shape must not wrap a counter.  They
 * stop at COST_MAX (2^52, 4.5e15: far beyond any real model), not at
 * INT64_MAX, so that adding up saturated nodes (a kernel's cost, read
 * + written bytes) cannot overflow int64 either. */
#define COST_MAX ((int64_t)1 << 52)

static int64_t sat_add(int64_t a, int64_t b)
{
    int64_t r;
    return __builtin_add_overflow(a, b, &r) || r > COST_MAX ? COST_MAX : r;
}

/* fp32-sized bytes of a tensor; 0 when its shape is unknown. */
static int64_t tensor_bytes(const Tensor *t)
{
    int64_t n = t ? shape_numel(&t->shape) : -1;
    if (n < 0)
        return 0;
    return n > COST_MAX / 4 ? COST_MAX : n * 4;
}

static void node_cost(Graph *g, Node *n)
{
    Cost c = {0, 0, 0, 0};
    for (int k = 0; k < n->ninputs; k++) {
        const Tensor *t = node_in(g, n, k);
        if (!t)
            continue;
        c.bytes_read = sat_add(c.bytes_read, tensor_bytes(t));
        int64_t e = shape_numel(&t->shape);
        if (t->is_initializer && e > 0)
            c.params = sat_add(c.params, e);
    }
    for (int k = 0; k < n->noutputs; k++)
        c.bytes_written = sat_add(c.bytes_written, tensor_bytes(node_out(g, n, k)));
    const CostRule *r = find_cost(n);
    if (r)
        c.flops = r->fn(g, n, r->k);
    n->cost = c;
}

void cost_compute(Graph *g)
{
    for (int i = 0; i < g->nnodes; i++)
        node_cost(g, &g->nodes[i]);
}
