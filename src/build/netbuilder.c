/* netbuilder.c -- ops of the network builder (see netbuilder.h).
 *
 * Each op makes one node (or a short chain of them, the way PyTorch's
 * exporter would), creates and sizes its weights as initializers named
 * after the node, computes its output shape and adds its FLOPs.  Weight
 * values are not kept: onnx_write draws them from the seed.
 */
#include "netbuilder.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef NNM_VERSION
#define NNM_VERSION "dev"
#endif

enum { OPSET = 17, MAX_SCOPES = 16 };

struct NetBuilder {
    Graph *g;
    uint64_t rng;
    char scope[256];            /* "/layer1/0" */
    int marks[MAX_SCOPES];      /* scope length before each push */
    int depth;
    int counter;                /* makes node names unique */
    double flops;
    int failed;
    char err[256];
};

static int fail(NetBuilder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(NetBuilder *b, const char *fmt, ...)
{
    if (!b->failed) {
        b->failed = 1;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(b->err, sizeof b->err, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* True when the builder is healthy and x names a tensor. */
static int ok(NetBuilder *b, int x)
{
    if (b->failed)
        return 0;
    if (x < 0 || x >= b->g->ntensors) {
        fail(b, "invalid tensor index %d", x);
        return 0;
    }
    return 1;
}

/* ---- builder life ---------------------------------------------------------- */

NetBuilder *nb_new(const char *name, uint64_t seed)
{
    NetBuilder *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->g = graph_new();
    if (!b->g) {
        free(b);
        return NULL;
    }
    b->g->name = strdup(name ? name : "model");
    b->g->producer = strdup("nnmeter-build " NNM_VERSION);
    b->g->ir_version = 8;
    b->g->opsets = calloc(1, sizeof *b->g->opsets);
    if (!b->g->name || !b->g->producer || !b->g->opsets) {
        nb_free(b);
        return NULL;
    }
    b->g->opsets[0].domain = strdup("");
    b->g->opsets[0].version = OPSET;
    if (!b->g->opsets[0].domain) {
        nb_free(b);
        return NULL;
    }
    b->g->nopsets = 1;
    b->rng = seed;
    return b;
}

void nb_free(NetBuilder *b)
{
    if (!b)
        return;
    graph_free(b->g);
    free(b);
}

void nb_output(NetBuilder *b, int x)
{
    if (!ok(b, x))
        return;
    Graph *g = b->g;
    int *p = realloc(g->outputs, (size_t)(g->noutputs + 1) * sizeof *p);
    if (!p) {
        fail(b, "out of memory");
        return;
    }
    g->outputs = p;
    g->outputs[g->noutputs++] = x;
    g->tensors[x].is_output = 1;
}

Graph *nb_finish(NetBuilder *b, char *err, size_t errlen)
{
    if (!b) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!b->failed && b->g->noutputs == 0)
        fail(b, "the model has no output");
    if (b->failed) {
        snprintf(err, errlen, "%s", b->err);
        nb_free(b);
        return NULL;
    }
    Graph *g = b->g;
    b->g = NULL;
    free(b);
    return g;
}

const Graph *nb_graph(const NetBuilder *b) { return b->g; }
int nb_failed(const NetBuilder *b) { return b->failed; }
double nb_flops(const NetBuilder *b) { return b->flops; }

int64_t nb_params(const NetBuilder *b)
{
    int64_t n = 0;
    for (int t = 0; t < b->g->ntensors; t++) {
        const Tensor *tt = &b->g->tensors[t];
        if (tt->is_initializer && tt->dtype == DT_FLOAT && !tt->val.f)
            n += shape_numel(&tt->shape);
    }
    return n;
}

/* ---- random choices ---------------------------------------------------------- */

uint64_t nb_rand(NetBuilder *b)
{
    uint64_t z = (b->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int nb_rand_int(NetBuilder *b, int lo, int hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int)(nb_rand(b) % (uint64_t)(hi - lo + 1));
}

int nb_pick(NetBuilder *b, const int *choices, int n)
{
    return choices[nb_rand_int(b, 0, n - 1)];
}

double nb_pick_f(NetBuilder *b, const double *choices, int n)
{
    return choices[nb_rand_int(b, 0, n - 1)];
}

/* ---- names and scopes ---------------------------------------------------- */

void nb_push(NetBuilder *b, const char *fmt, ...)
{
    int len = (int)strlen(b->scope);
    if (b->depth < MAX_SCOPES)
        b->marks[b->depth] = len;
    b->depth++;
    if (len + 2 >= (int)sizeof b->scope)
        return;
    b->scope[len] = '/';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->scope + len + 1, sizeof b->scope - (size_t)len - 1, fmt, ap);
    va_end(ap);
}

void nb_pop(NetBuilder *b)
{
    if (b->depth == 0)
        return;
    b->depth--;
    if (b->depth < MAX_SCOPES)
        b->scope[b->marks[b->depth]] = 0;
}

/* ---- shapes ---------------------------------------------------------------- */

const Shape *nb_shape(const NetBuilder *b, int x)
{
    return &b->g->tensors[x].shape;
}

int64_t nb_dim(const NetBuilder *b, int x, int axis)
{
    if (x < 0 || x >= b->g->ntensors)
        return -1;
    const Shape *s = &b->g->tensors[x].shape;
    if (axis < 0)
        axis += s->ndim;
    return axis >= 0 && axis < s->ndim ? s->dims[axis] : -1;
}

static Shape make_shape(int ndim, const int64_t *dims)
{
    Shape s;
    shape_unknown(&s);
    s.ndim = ndim;
    for (int d = 0; d < ndim; d++)
        s.dims[d] = dims[d];
    return s;
}

static double numel(const Shape *s)
{
    return (double)shape_numel(s);
}

/* numpy broadcasting; -1 when the shapes do not broadcast. */
static int broadcast(const Shape *a, const Shape *c, Shape *out)
{
    int n = a->ndim > c->ndim ? a->ndim : c->ndim;
    shape_unknown(out);
    out->ndim = n;
    for (int i = 0; i < n; i++) {
        int ia = i - (n - a->ndim), ic = i - (n - c->ndim);
        int64_t da = ia >= 0 ? a->dims[ia] : 1, dc = ic >= 0 ? c->dims[ic] : 1;
        if (da != dc && da != 1 && dc != 1)
            return -1;
        out->dims[i] = da == 1 ? dc : da;
    }
    return 0;
}

/* ---- tensors, nodes, attributes ---------------------------------------------- */

static int new_tensor(NetBuilder *b, const char *name, int dtype, const Shape *s)
{
    int before = b->g->ntensors;
    int t = graph_tensor(b->g, name);
    if (t < 0)
        return fail(b, "out of memory");
    if (t < before)
        return fail(b, "tensor name '%s' is used twice", name);
    b->g->tensors[t].dtype = dtype;
    b->g->tensors[t].shape = *s;
    return t;
}

int nb_input_shape(NetBuilder *b, const char *name, int ndim, const int64_t *dims)
{
    if (b->failed)
        return -1;
    if (ndim < 0 || ndim > GRAPH_MAX_DIMS)
        return fail(b, "input '%s': rank %d is not supported", name, ndim);
    Shape s = make_shape(ndim, dims);
    int t = new_tensor(b, name, DT_FLOAT, &s);
    if (t < 0)
        return -1;
    Graph *g = b->g;
    int *p = realloc(g->inputs, (size_t)(g->ninputs + 1) * sizeof *p);
    if (!p)
        return fail(b, "out of memory");
    g->inputs = p;
    g->inputs[g->ninputs++] = t;
    g->tensors[t].is_input = 1;
    return t;
}

int nb_input(NetBuilder *b, const char *name, int64_t n, int64_t c, int64_t h, int64_t w)
{
    int64_t dims[4] = {n, c, h, w};
    return nb_input_shape(b, name, 4, dims);
}

/* A float initializer whose values onnx_write draws at random. */
static int weight(NetBuilder *b, const char *name, int ndim, const int64_t *dims)
{
    Shape s = make_shape(ndim, dims);
    int t = new_tensor(b, name, DT_FLOAT, &s);
    if (t >= 0) {
        b->g->tensors[t].is_initializer = 1;
        b->g->tensors[t].is_const = 1;
    }
    return t;
}

/* Weight "<node>.<suffix>" added as the node's next input. */
static int node_weight(NetBuilder *b, int ni, const char *suffix, int ndim,
                       const int64_t *dims)
{
    char name[400];
    snprintf(name, sizeof name, "%s.%s", b->g->nodes[ni].name, suffix);
    int t = weight(b, name, ndim, dims);
    if (t >= 0 && graph_node_add_input(b->g, ni, t))
        return fail(b, "out of memory");
    return t;
}

/* int64 constant "<node>.<suffix>" (rank 1, or rank 0 when scalar) added as
 * the node's next input. */
static int node_const_i64(NetBuilder *b, int ni, const char *suffix, int n,
                          const int64_t *vals, int scalar)
{
    char name[400];
    snprintf(name, sizeof name, "%s.%s", b->g->nodes[ni].name, suffix);
    int64_t dims[1] = {n};
    Shape s = make_shape(scalar ? 0 : 1, dims);
    int t = new_tensor(b, name, DT_INT64, &s);
    if (t < 0)
        return -1;
    Tensor *tt = &b->g->tensors[t];
    tt->is_initializer = 1;
    if (tensor_set_const_i(tt, vals, n) || graph_node_add_input(b->g, ni, t))
        return fail(b, "out of memory");
    return t;
}

static int const_f32(NetBuilder *b, const char *name, int ndim, const int64_t *dims,
                     const double *vals)
{
    int t = graph_find_tensor(b->g, name);
    if (t >= 0)
        return t;
    Shape s = make_shape(ndim, dims);
    t = new_tensor(b, name, DT_FLOAT, &s);
    if (t < 0)
        return -1;
    b->g->tensors[t].is_initializer = 1;
    if (tensor_set_const_f(&b->g->tensors[t], vals, shape_numel(&s)))
        return fail(b, "out of memory");
    return t;
}

int nb_scalar(NetBuilder *b, double v)
{
    if (b->failed)
        return -1;
    char name[64];
    snprintf(name, sizeof name, "const_%.9g", v);
    return const_f32(b, name, 0, NULL, &v);
}

int nb_param(NetBuilder *b, const char *suffix, int ndim, const int64_t *dims)
{
    if (b->failed)
        return -1;
    char name[400];
    snprintf(name, sizeof name, "%s/%s", b->scope, suffix);
    return weight(b, name, ndim, dims);
}

/* A node "<scope>/<op>_<n>" reading ins[] (-1: omitted optional input). */
static int node(NetBuilder *b, const char *op, const int *ins, int nin)
{
    char name[320];
    snprintf(name, sizeof name, "%s/%s_%d", b->scope, op, b->counter++);
    int ni = graph_add_node(b->g, name, op, "");
    if (ni < 0)
        return fail(b, "out of memory");
    for (int k = 0; k < nin; k++)
        if (graph_node_add_input(b->g, ni, ins[k]))
            return fail(b, "out of memory");
    return ni;
}

/* The node's next output, a float tensor of shape s. */
static int node_output(NetBuilder *b, int ni, const Shape *s)
{
    char name[400];
    snprintf(name, sizeof name, "%s_output_%d", b->g->nodes[ni].name,
             b->g->nodes[ni].noutputs);
    int t = new_tensor(b, name, DT_FLOAT, s);
    if (t < 0)
        return -1;
    if (graph_node_add_output(b->g, ni, t))
        return fail(b, "out of memory");
    b->g->tensors[t].producer = ni;
    return t;
}

static Attr *attr(NetBuilder *b, int ni, const char *name, AttrType type)
{
    Attr *a = graph_node_add_attr(b->g, ni, name);
    if (!a) {
        fail(b, "out of memory");
        return NULL;
    }
    a->type = type;
    return a;
}

static void attr_int(NetBuilder *b, int ni, const char *name, int64_t v)
{
    Attr *a = attr(b, ni, name, ATTR_INT);
    if (a)
        a->i = v;
}

static void attr_float(NetBuilder *b, int ni, const char *name, double v)
{
    Attr *a = attr(b, ni, name, ATTR_FLOAT);
    if (a)
        a->f = v;
}

static void attr_str(NetBuilder *b, int ni, const char *name, const char *v)
{
    Attr *a = attr(b, ni, name, ATTR_STRING);
    if (a && !(a->s = strdup(v)))
        fail(b, "out of memory");
}

static void attr_ints(NetBuilder *b, int ni, const char *name, int n, const int64_t *v)
{
    Attr *a = attr(b, ni, name, ATTR_INTS);
    if (!a)
        return;
    a->ints = malloc((size_t)(n ? n : 1) * sizeof *a->ints);
    if (!a->ints) {
        fail(b, "out of memory");
        return;
    }
    memcpy(a->ints, v, (size_t)n * sizeof *v);
    a->n = n;
}

/* kernel_shape, strides and pads of a square 2-D window. */
static void window_attrs(NetBuilder *b, int ni, int k, int stride, int pad)
{
    int64_t ks[2] = {k, k}, st[2] = {stride, stride}, pd[4] = {pad, pad, pad, pad};
    attr_ints(b, ni, "kernel_shape", 2, ks);
    attr_ints(b, ni, "pads", 4, pd);
    attr_ints(b, ni, "strides", 2, st);
}

/* Output shape of a k/stride/pad window over NCHW x with cout channels. */
static int window_shape(NetBuilder *b, int x, int64_t cout, int k, int stride, int pad,
                        Shape *out)
{
    const Shape *s = nb_shape(b, x);
    if (s->ndim != 4)
        return fail(b, "%s: a 2-D window needs an NCHW input, got rank %d", b->scope,
                    s->ndim);
    if (k < 1 || stride < 1 || pad < 0 || pad >= k)
        return fail(b, "%s: bad window k=%d stride=%d pad=%d", b->scope, k, stride, pad);
    int64_t dims[4] = {s->dims[0], cout, (s->dims[2] + 2 * pad - k) / stride + 1,
                       (s->dims[3] + 2 * pad - k) / stride + 1};
    if (dims[2] < 1 || dims[3] < 1)
        return fail(b, "%s: a %dx%d window does not fit a %lldx%lld input", b->scope,
                    k, k, (long long)s->dims[2], (long long)s->dims[3]);
    *out = make_shape(4, dims);
    return 0;
}

/* ---- convolution and pooling ---------------------------------------------- */

int nb_conv_pad(NetBuilder *b, int x, int64_t cout, int k, int stride, int pad,
                int64_t groups, int bias)
{
    if (!ok(b, x))
        return -1;
    int64_t cin = nb_dim(b, x, 1);
    if (groups < 1 || cout < 1 || cin % groups || cout % groups)
        return fail(b, "%s: conv %lld -> %lld channels in %lld groups", b->scope,
                    (long long)cin, (long long)cout, (long long)groups);
    Shape out;
    if (window_shape(b, x, cout, k, stride, pad, &out))
        return -1;
    int ni = node(b, "Conv", &x, 1);
    if (ni < 0)
        return -1;
    int64_t wd[4] = {cout, cin / groups, k, k};
    node_weight(b, ni, "weight", 4, wd);
    if (bias)
        node_weight(b, ni, "bias", 1, &cout);
    int64_t dil[2] = {1, 1};
    attr_ints(b, ni, "dilations", 2, dil);
    attr_int(b, ni, "group", groups);
    window_attrs(b, ni, k, stride, pad);
    double outn = numel(&out);
    b->flops += 2.0 * outn * (double)(cin / groups) * k * k + (bias ? outn : 0);
    return node_output(b, ni, &out);
}

int nb_conv(NetBuilder *b, int x, int64_t cout, int k, int stride, int64_t groups, int bias)
{
    return nb_conv_pad(b, x, cout, k, stride, k / 2, groups, bias);
}

int nb_bn(NetBuilder *b, int x)
{
    if (!ok(b, x))
        return -1;
    int64_t c = nb_dim(b, x, 1);
    int ni = node(b, "BatchNormalization", &x, 1);
    if (ni < 0)
        return -1;
    node_weight(b, ni, "weight", 1, &c);
    node_weight(b, ni, "bias", 1, &c);
    node_weight(b, ni, "running_mean", 1, &c);
    node_weight(b, ni, "running_var", 1, &c);
    attr_float(b, ni, "epsilon", 1e-5);
    attr_float(b, ni, "momentum", 0.9);
    b->flops += 2.0 * numel(nb_shape(b, x));
    Shape s = *nb_shape(b, x);
    return node_output(b, ni, &s);
}

static int pool(NetBuilder *b, const char *op, int x, int k, int stride, int pad)
{
    if (!ok(b, x))
        return -1;
    Shape out;
    if (window_shape(b, x, nb_dim(b, x, 1), k, stride, pad, &out))
        return -1;
    int ni = node(b, op, &x, 1);
    if (ni < 0)
        return -1;
    window_attrs(b, ni, k, stride, pad);
    b->flops += numel(&out) * k * k;
    return node_output(b, ni, &out);
}

int nb_maxpool(NetBuilder *b, int x, int k, int stride, int pad)
{
    return pool(b, "MaxPool", x, k, stride, pad);
}

int nb_avgpool(NetBuilder *b, int x, int k, int stride, int pad)
{
    return pool(b, "AveragePool", x, k, stride, pad);
}

int nb_gap(NetBuilder *b, int x)
{
    if (!ok(b, x))
        return -1;
    const Shape *s = nb_shape(b, x);
    if (s->ndim != 4)
        return fail(b, "%s: GlobalAveragePool needs NCHW", b->scope);
    int64_t dims[4] = {s->dims[0], s->dims[1], 1, 1};
    Shape out = make_shape(4, dims);
    b->flops += numel(s);
    int ni = node(b, "GlobalAveragePool", &x, 1);
    return ni < 0 ? -1 : node_output(b, ni, &out);
}

int nb_resize(NetBuilder *b, int x, int scale)
{
    if (!ok(b, x))
        return -1;
    Shape out = *nb_shape(b, x);
    if (out.ndim != 4 || scale < 1)
        return fail(b, "%s: Resize needs NCHW and a scale >= 1", b->scope);
    out.dims[2] *= scale;
    out.dims[3] *= scale;
    int ins[2] = {x, -1};   /* no roi */
    int ni = node(b, "Resize", ins, 2);
    if (ni < 0)
        return -1;
    char name[400];
    snprintf(name, sizeof name, "%s.scales", b->g->nodes[ni].name);
    int64_t four = 4;
    double sc[4] = {1, 1, scale, scale};
    int t = const_f32(b, name, 1, &four, sc);
    if (t < 0 || graph_node_add_input(b->g, ni, t))
        return fail(b, "out of memory");
    attr_str(b, ni, "coordinate_transformation_mode", "asymmetric");
    attr_str(b, ni, "mode", "nearest");
    attr_str(b, ni, "nearest_mode", "floor");
    b->flops += numel(&out);
    return node_output(b, ni, &out);
}

/* ---- activations ------------------------------------------------------------ */

/* One node, one input besides optional constants, output shaped like x. */
static int unary(NetBuilder *b, const char *op, int x, const int *consts, int nconst)
{
    if (!ok(b, x))
        return -1;
    int ins[4] = {x};
    for (int k = 0; k < nconst; k++) {
        if (consts[k] < 0)
            return -1;
        ins[k + 1] = consts[k];
    }
    int ni = node(b, op, ins, 1 + nconst);
    if (ni < 0)
        return -1;
    Shape s = *nb_shape(b, x);
    b->flops += numel(&s);
    return node_output(b, ni, &s);
}

int nb_relu(NetBuilder *b, int x) { return unary(b, "Relu", x, NULL, 0); }
int nb_sigmoid(NetBuilder *b, int x) { return unary(b, "Sigmoid", x, NULL, 0); }
int nb_hswish(NetBuilder *b, int x) { return unary(b, "HardSwish", x, NULL, 0); }

int nb_relu6(NetBuilder *b, int x)
{
    int lim[2];
    lim[0] = nb_scalar(b, 0);   /* separate statements: fixed tensor order */
    lim[1] = nb_scalar(b, 6);
    return unary(b, "Clip", x, lim, 2);
}

int nb_hsigmoid(NetBuilder *b, int x)
{
    int y = unary(b, "HardSigmoid", x, NULL, 0);
    if (y >= 0) {   /* PyTorch's relu6(x + 3) / 6 */
        int ni = b->g->tensors[y].producer;
        attr_float(b, ni, "alpha", 1.0 / 6);
        attr_float(b, ni, "beta", 0.5);
    }
    return y;
}

int nb_swish(NetBuilder *b, int x)
{
    return nb_mul(b, x, nb_sigmoid(b, x));
}

int nb_gelu(NetBuilder *b, int x)
{
    int t = nb_div(b, x, nb_scalar(b, 1.4142135623730951));
    t = unary(b, "Erf", t, NULL, 0);
    t = nb_add(b, t, nb_scalar(b, 1.0));
    t = nb_mul(b, x, t);
    return nb_mul(b, t, nb_scalar(b, 0.5));
}

int nb_softmax(NetBuilder *b, int x, int axis)
{
    int y = unary(b, "Softmax", x, NULL, 0);
    if (y >= 0)
        attr_int(b, b->g->tensors[y].producer, "axis", axis);
    return y;
}

typedef int (*ActFn)(NetBuilder *, int);

static const ActFn act_fns[] = {
    [ACT_NONE] = NULL,          [ACT_RELU] = nb_relu,         [ACT_RELU6] = nb_relu6,
    [ACT_HSWISH] = nb_hswish,   [ACT_HSIGMOID] = nb_hsigmoid, [ACT_SIGMOID] = nb_sigmoid,
    [ACT_SWISH] = nb_swish,     [ACT_GELU] = nb_gelu,
};

int nb_act(NetBuilder *b, int x, Act act)
{
    if ((unsigned)act >= sizeof act_fns / sizeof act_fns[0])
        return fail(b, "unknown activation %d", (int)act);
    return act_fns[act] ? act_fns[act](b, x) : x;
}

/* ---- elementwise -------------------------------------------------------------- */

static int binary(NetBuilder *b, const char *op, int x, int y)
{
    if (!ok(b, x) || !ok(b, y))
        return -1;
    Shape out;
    if (broadcast(nb_shape(b, x), nb_shape(b, y), &out))
        return fail(b, "%s: %s of shapes that do not broadcast", b->scope, op);
    int ins[2] = {x, y};
    int ni = node(b, op, ins, 2);
    if (ni < 0)
        return -1;
    b->flops += numel(&out);
    return node_output(b, ni, &out);
}

int nb_add(NetBuilder *b, int x, int y) { return binary(b, "Add", x, y); }
int nb_mul(NetBuilder *b, int x, int y) { return binary(b, "Mul", x, y); }
int nb_div(NetBuilder *b, int x, int y) { return binary(b, "Div", x, y); }

/* ---- tensor plumbing -------------------------------------------------------- */

static int norm_axis(NetBuilder *b, int x, int axis)
{
    int r = nb_shape(b, x)->ndim;
    if (axis < 0)
        axis += r;
    if (axis < 0 || axis >= r)
        return fail(b, "%s: axis out of range for rank %d", b->scope, r);
    return axis;
}

int nb_concat(NetBuilder *b, const int *xs, int n, int axis)
{
    if (n < 1 || !ok(b, xs[0]))
        return -1;
    int ax = norm_axis(b, xs[0], axis);
    if (ax < 0)
        return -1;
    Shape out = *nb_shape(b, xs[0]);
    for (int k = 1; k < n; k++) {
        if (!ok(b, xs[k]))
            return -1;
        const Shape *s = nb_shape(b, xs[k]);
        for (int d = 0; d < out.ndim; d++)
            if (s->ndim != out.ndim || (d != ax && s->dims[d] != out.dims[d]))
                return fail(b, "%s: Concat of mismatched shapes", b->scope);
        out.dims[ax] += s->dims[ax];
    }
    int ni = node(b, "Concat", xs, n);
    if (ni < 0)
        return -1;
    attr_int(b, ni, "axis", axis);
    return node_output(b, ni, &out);
}

int nb_split(NetBuilder *b, int x, int axis, int n, const int64_t *sizes, int *outs)
{
    if (!ok(b, x) || n < 1 || n > 64)
        return -1;
    int ax = norm_axis(b, x, axis);
    if (ax < 0)
        return -1;
    int64_t total = nb_dim(b, x, ax), sz[64], sum = 0;
    for (int k = 0; k < n; k++) {
        sz[k] = sizes ? sizes[k] : total / n;
        sum += sz[k];
    }
    if (sum != total)
        return fail(b, "%s: Split sizes do not add up to %lld", b->scope, (long long)total);
    int ni = node(b, "Split", &x, 1);
    if (ni < 0)
        return -1;
    node_const_i64(b, ni, "split", n, sz, 0);
    attr_int(b, ni, "axis", axis);
    for (int k = 0; k < n; k++) {
        Shape s = *nb_shape(b, x);
        s.dims[ax] = sz[k];
        outs[k] = node_output(b, ni, &s);
    }
    return b->failed ? -1 : 0;
}

int nb_flatten(NetBuilder *b, int x, int axis)
{
    if (!ok(b, x))
        return -1;
    const Shape *s = nb_shape(b, x);
    int64_t d[2] = {1, 1};
    for (int i = 0; i < s->ndim; i++)
        d[i >= axis] *= s->dims[i];
    Shape out = make_shape(2, d);
    int ni = node(b, "Flatten", &x, 1);
    if (ni < 0)
        return -1;
    attr_int(b, ni, "axis", axis);
    return node_output(b, ni, &out);
}

int nb_reshape(NetBuilder *b, int x, int ndim, const int64_t *dims)
{
    if (!ok(b, x))
        return -1;
    const Shape *s = nb_shape(b, x);
    if (ndim < 1 || ndim > GRAPH_MAX_DIMS)
        return fail(b, "%s: Reshape to rank %d", b->scope, ndim);
    Shape out = make_shape(ndim, dims);
    int64_t known = 1;
    int infer = -1;
    for (int d = 0; d < ndim; d++) {
        if (dims[d] == 0)
            out.dims[d] = d < s->ndim ? s->dims[d] : 0;
        if (dims[d] == -1)
            infer = d;
        else
            known *= out.dims[d];
    }
    int64_t total = shape_numel(s);
    if (infer >= 0 && known > 0)
        out.dims[infer] = total / known;
    if (shape_numel(&out) != total)
        return fail(b, "%s: Reshape changes the element count", b->scope);
    int ni = node(b, "Reshape", &x, 1);
    if (ni < 0)
        return -1;
    node_const_i64(b, ni, "shape", ndim, dims, 0);
    return node_output(b, ni, &out);
}

int nb_transpose(NetBuilder *b, int x, int ndim, const int64_t *perm)
{
    if (!ok(b, x))
        return -1;
    const Shape *s = nb_shape(b, x);
    if (ndim != s->ndim)
        return fail(b, "%s: Transpose perm of length %d for rank %d", b->scope, ndim,
                    s->ndim);
    Shape out = *s;
    for (int d = 0; d < ndim; d++) {
        if (perm[d] < 0 || perm[d] >= ndim)
            return fail(b, "%s: bad Transpose perm", b->scope);
        out.dims[d] = s->dims[perm[d]];
    }
    int ni = node(b, "Transpose", &x, 1);
    if (ni < 0)
        return -1;
    attr_ints(b, ni, "perm", ndim, perm);
    return node_output(b, ni, &out);
}

int nb_gather(NetBuilder *b, int x, int axis, int64_t index)
{
    if (!ok(b, x))
        return -1;
    int ax = norm_axis(b, x, axis);
    if (ax < 0)
        return -1;
    const Shape *s = nb_shape(b, x);
    Shape out;
    shape_unknown(&out);
    out.ndim = 0;
    for (int d = 0; d < s->ndim; d++)
        if (d != ax)
            out.dims[out.ndim++] = s->dims[d];
    int ni = node(b, "Gather", &x, 1);
    if (ni < 0)
        return -1;
    node_const_i64(b, ni, "indices", 1, &index, 1);
    attr_int(b, ni, "axis", axis);
    return node_output(b, ni, &out);
}

/* ---- dense and normalisation ------------------------------------------------ */

int nb_gemm(NetBuilder *b, int x, int64_t nout, int bias)
{
    if (!ok(b, x))
        return -1;
    const Shape *s = nb_shape(b, x);
    if (s->ndim != 2)
        return fail(b, "%s: Gemm needs a rank-2 input, got rank %d", b->scope, s->ndim);
    int64_t m = s->dims[0], k = s->dims[1];
    int ni = node(b, "Gemm", &x, 1);
    if (ni < 0)
        return -1;
    int64_t wd[2] = {nout, k};
    node_weight(b, ni, "weight", 2, wd);
    if (bias)
        node_weight(b, ni, "bias", 1, &nout);
    attr_float(b, ni, "alpha", 1.0);
    attr_float(b, ni, "beta", 1.0);
    attr_int(b, ni, "transB", 1);
    int64_t od[2] = {m, nout};
    Shape out = make_shape(2, od);
    b->flops += 2.0 * (double)m * (double)nout * (double)k + (bias ? (double)(m * nout) : 0);
    return node_output(b, ni, &out);
}

/* MatMul shape: batch dims broadcast, [.., M, K] x [.., K, N]. */
static int matmul_shape(NetBuilder *b, const Shape *a, const Shape *c, Shape *out)
{
    if (a->ndim < 2 || c->ndim < 2 || a->dims[a->ndim - 1] != c->dims[c->ndim - 2])
        return fail(b, "%s: MatMul of incompatible shapes", b->scope);
    Shape ba = *a, bc = *c;
    ba.ndim -= 2;
    bc.ndim -= 2;
    if (broadcast(&ba, &bc, out))
        return fail(b, "%s: MatMul batch dims do not broadcast", b->scope);
    out->dims[out->ndim++] = a->dims[a->ndim - 2];
    out->dims[out->ndim++] = c->dims[c->ndim - 1];
    return 0;
}

int nb_matmul(NetBuilder *b, int x, int y)
{
    if (!ok(b, x) || !ok(b, y))
        return -1;
    Shape out;
    if (matmul_shape(b, nb_shape(b, x), nb_shape(b, y), &out))
        return -1;
    int ins[2] = {x, y};
    int ni = node(b, "MatMul", ins, 2);
    if (ni < 0)
        return -1;
    b->flops += 2.0 * numel(&out) * (double)nb_dim(b, x, -1);
    return node_output(b, ni, &out);
}

int nb_linear(NetBuilder *b, int x, int64_t nout, int bias)
{
    if (!ok(b, x))
        return -1;
    const Shape *s = nb_shape(b, x);
    int64_t wd[2] = {s->ndim ? s->dims[s->ndim - 1] : 0, nout};
    Shape ws = make_shape(2, wd), out;
    if (matmul_shape(b, s, &ws, &out))
        return -1;
    int ni = node(b, "MatMul", &x, 1);
    if (ni < 0)
        return -1;
    node_weight(b, ni, "weight", 2, wd);
    b->flops += 2.0 * numel(&out) * (double)wd[0];
    int y = node_output(b, ni, &out);
    if (!bias || y < 0)
        return y;
    char name[400];
    snprintf(name, sizeof name, "%s.bias", b->g->nodes[ni].name);
    return nb_add(b, y, weight(b, name, 1, &nout));
}

int nb_layernorm(NetBuilder *b, int x)
{
    if (!ok(b, x))
        return -1;
    int64_t d = nb_dim(b, x, -1);
    int ni = node(b, "LayerNormalization", &x, 1);
    if (ni < 0)
        return -1;
    node_weight(b, ni, "weight", 1, &d);
    node_weight(b, ni, "bias", 1, &d);
    attr_int(b, ni, "axis", -1);
    attr_float(b, ni, "epsilon", 1e-5);
    Shape s = *nb_shape(b, x);
    b->flops += 5.0 * numel(&s);
    return node_output(b, ni, &s);
}

/* ---- composites ------------------------------------------------------------- */

int nb_conv_bn_act(NetBuilder *b, int x, int64_t cout, int k, int stride,
                   int64_t groups, Act act)
{
    int y = nb_conv(b, x, cout, k, stride, groups, 0);
    return nb_act(b, nb_bn(b, y), act);
}

int nb_se(NetBuilder *b, int x, int64_t cmid, Act gate)
{
    if (!ok(b, x))
        return -1;
    int64_t c = nb_dim(b, x, 1);
    nb_push(b, "se");
    int s = nb_gap(b, x);
    s = nb_relu(b, nb_conv(b, s, cmid, 1, 1, 1, 1));
    s = nb_act(b, nb_conv(b, s, c, 1, 1, 1, 1), gate);
    int y = nb_mul(b, x, s);
    nb_pop(b);
    return y;
}

int nb_channel_shuffle(NetBuilder *b, int x, int64_t groups)
{
    if (!ok(b, x))
        return -1;
    const Shape *s = nb_shape(b, x);
    if (s->ndim != 4 || groups < 1 || s->dims[1] % groups)
        return fail(b, "%s: channel shuffle of %lld channels in %lld groups", b->scope,
                    (long long)s->dims[1], (long long)groups);
    int64_t n = s->dims[0], c = s->dims[1], h = s->dims[2], w = s->dims[3];
    int64_t split[5] = {n, groups, c / groups, h, w};
    int64_t perm[5] = {0, 2, 1, 3, 4};
    int64_t back[4] = {n, c, h, w};
    int y = nb_reshape(b, x, 5, split);
    y = nb_transpose(b, y, 5, perm);
    return nb_reshape(b, y, 4, back);
}
