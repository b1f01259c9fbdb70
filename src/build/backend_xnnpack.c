/* backend_xnnpack.c -- XNNPACK (Debian libxnnpack-dev, a February 2022
 * snapshot) in this process, 1 thread.
 *
 * XNNPACK is the CPU engine behind TensorFlow Lite.  It runs a "subgraph"
 * of NHWC tensors; this file converts our shape-inferred graph into one,
 * the way a model converter would:
 *   - 4-D tensors become NHWC (conv weights OIHW -> OHWI, depthwise
 *     weights 1HWO); other ranks keep their layout;
 *   - BatchNormalization after a convolution is folded into the conv's
 *     weights and bias (it disappears); a BN elsewhere becomes a per-channel
 *     Multiply + Add, as TFLite converters lower it;
 *   - activations are Clamp / HardSwish / Sigmoid / LeakyRelu / ELU nodes:
 *     XNNPACK's own subgraph optimizer folds a Clamp into the producer's
 *     output_min/max (conv, depthwise conv, FC, pooling, add, multiply...)
 *     when that producer has no other consumer -- the fusion we measure;
 *   - HardSigmoid becomes Multiply(alpha) + Add(beta) clamped to [0, 1];
 *   - Flatten of a C x H x W map feeding a fully connected layer is a
 *     reshape of the NHWC map (a converter would permute the FC's rows;
 *     our weights are random anyway).
 * Weights are random (a fixed seed): our loader keeps no initializer data,
 * and latency does not depend on values.  Everything this XNNPACK version
 * cannot run (Concat, Split, Transpose, LayerNormalization, Erf, MatMul of
 * two activations, ...) is reported by name; nothing is emulated.
 *
 * Every visit of a model (time()) converts it again and creates a fresh
 * runtime (xnn_create_runtime_v2, no thread pool: 1 thread), so each round
 * of the protocol is a fresh session.  This XNNPACK has no per-operator
 * profiler (no xnn_get_runtime_profiling_info): profile is NULL.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xnnpack.h>

#include "backend.h"
#include "graph/graph.h"
#include "graph/inputs.h"
#include "model.h"

#ifndef NNM_XNNPACK_VERSION
#define NNM_XNNPACK_VERSION "Debian libxnnpack-dev 0.0~git20220216"
#endif

#define NO_ID XNN_INVALID_VALUE_ID

typedef struct {
    int pinned;
    cpu_set_t saved;
} XnnState;

/* One conversion: our graph -> an XNNPACK subgraph. */
typedef struct {
    Graph *g;
    xnn_subgraph_t sg;
    uint32_t *vid;            /* per tensor: its XNNPACK value, NO_ID if none yet */
    int *consumers;           /* per tensor: consuming nodes */
    int *fold_into;           /* per node: the BN folded into this conv, or -1 */
    unsigned char *skip;      /* per node: folded into another, nothing to emit */
    void **bufs;              /* static data, freed after the runtime */
    int nbufs, capbufs;
    uint64_t rng;
    const Node *node;         /* node being converted, for messages */
    char *err;
    size_t errlen;
} Conv;

static const char *status_name(enum xnn_status s)
{
    switch (s) {
    case xnn_status_success: return "success";
    case xnn_status_uninitialized: return "not initialized";
    case xnn_status_invalid_parameter: return "invalid parameter";
    case xnn_status_invalid_state: return "invalid state";
    case xnn_status_unsupported_parameter: return "unsupported parameter";
    case xnn_status_unsupported_hardware: return "unsupported hardware";
    case xnn_status_out_of_memory: return "out of memory";
    }
    return "error";
}

static int unsupported(Conv *c, const char *why)
{
    snprintf(c->err, c->errlen, "XNNPACK backend: op %s (node '%s') not supported: %s",
             c->node->op, c->node->name, why);
    return -1;
}

/* An xnn_define_* call failed: XNNPACK refused these parameters. */
static int refused(Conv *c, const char *what, enum xnn_status s)
{
    snprintf(c->err, c->errlen, "XNNPACK backend: op %s (node '%s'): XNNPACK's %s "
             "refused it (%s)", c->node->op, c->node->name, what, status_name(s));
    return -1;
}

/* ---- static data ----------------------------------------------------------- */

static uint64_t next_rand(Conv *c)
{
    uint64_t z = (c->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* n floats (+ XNN_EXTRA_BYTES), uniform in [-scale, scale], owned by c. */
static float *rand_data(Conv *c, size_t n, float scale)
{
    if (c->nbufs == c->capbufs) {
        int cap = c->capbufs ? 2 * c->capbufs : 64;
        void **p = realloc(c->bufs, (size_t)cap * sizeof *p);
        if (!p)
            return NULL;
        c->bufs = p;
        c->capbufs = cap;
    }
    float *d = malloc(n * sizeof *d + XNN_EXTRA_BYTES);
    if (!d)
        return NULL;
    c->bufs[c->nbufs++] = d;
    for (size_t i = 0; i < n; i++)
        d[i] = scale * (float)((double)(next_rand(c) >> 11) * 0x1.0p-53 * 2.0 - 1.0);
    return d;
}

static int static_value(Conv *c, size_t ndim, const size_t *dims, const float *data,
                        uint32_t *id)
{
    enum xnn_status s = xnn_define_tensor_value(c->sg, xnn_datatype_fp32, ndim, dims, data,
                                                NO_ID, 0, id);
    if (s != xnn_status_success) {
        snprintf(c->err, c->errlen, "XNNPACK backend: cannot define a constant for node "
                 "'%s' (%s)", c->node->name, status_name(s));
        return -1;
    }
    return 0;
}

/* A random weight of the given dims, values ~ U(-sqrt(3/fan_in), ...). */
static int weight_value(Conv *c, size_t ndim, const size_t *dims, size_t fan_in,
                        uint32_t *id)
{
    size_t n = 1;
    for (size_t i = 0; i < ndim; i++)
        n *= dims[i];
    float *d = rand_data(c, n, fan_in ? (float)sqrt(3.0 / (double)fan_in) : 0.1f);
    if (!d) {
        snprintf(c->err, c->errlen, "out of memory");
        return -1;
    }
    return static_value(c, ndim, dims, d, id);
}

/* ---- shapes and values ----------------------------------------------------- */

/* The XNNPACK dims of tensor t: NHWC for rank 4.  Returns the rank, or -1. */
static int xdims(Conv *c, const Tensor *t, size_t *d)
{
    if (!shape_known(&t->shape) || t->shape.ndim > XNN_MAX_TENSOR_DIMS) {
        char s[96];
        shape_format(&t->shape, s, sizeof s);
        snprintf(c->err, c->errlen, "XNNPACK backend: tensor '%s' has shape %s; XNNPACK "
                 "needs known shapes of rank <= %d", t->name, s, XNN_MAX_TENSOR_DIMS);
        return -1;
    }
    int r = t->shape.ndim;
    const int64_t *s = t->shape.dims;
    if (r == 4) {
        d[0] = (size_t)s[0], d[1] = (size_t)s[2], d[2] = (size_t)s[3], d[3] = (size_t)s[1];
    } else {
        for (int i = 0; i < r; i++)
            d[i] = (size_t)s[i];
    }
    return r;
}

static int is_float(const Tensor *t)
{
    return t->dtype == DT_FLOAT || t->dtype == DT_UNDEFINED;
}

/* The value a node writes tensor ti into: external when it is a graph
 * output.  Defined once. */
static int out_value(Conv *c, int ti, uint32_t *id)
{
    if (c->vid[ti] != NO_ID) {
        *id = c->vid[ti];
        return 0;
    }
    Tensor *t = &c->g->tensors[ti];
    if (!is_float(t))
        return unsupported(c, "XNNPACK runs fp32 tensors only");
    size_t d[XNN_MAX_TENSOR_DIMS];
    int r = xdims(c, t, d);
    if (r < 0)
        return -1;
    uint32_t ext = NO_ID, flags = 0;
    for (int k = 0; k < c->g->noutputs; k++)
        if (c->g->outputs[k] == ti) {
            ext = (uint32_t)(c->g->ninputs + k);
            flags = XNN_VALUE_FLAG_EXTERNAL_OUTPUT;
        }
    enum xnn_status s = xnn_define_tensor_value(c->sg, xnn_datatype_fp32, (size_t)r, d, NULL,
                                                ext, flags, id);
    if (s != xnn_status_success) {
        snprintf(c->err, c->errlen, "XNNPACK backend: cannot define tensor '%s' (%s)",
                 t->name, status_name(s));
        return -1;
    }
    c->vid[ti] = *id;
    return 0;
}

/* A constant operand of an elementwise op whose output has rank out_rank:
 * numpy-aligned to that rank, NHWC when 4-D; known values are kept
 * (permuted), unknown ones are random. */
static int const_operand(Conv *c, int ti, int out_rank, uint32_t *id)
{
    Tensor *t = &c->g->tensors[ti];
    if (!shape_known(&t->shape) || t->shape.ndim > out_rank)
        return unsupported(c, "a constant operand of unknown or larger rank");
    int64_t s[GRAPH_MAX_DIMS];
    int pad = out_rank - t->shape.ndim;
    for (int i = 0; i < out_rank; i++)
        s[i] = i < pad ? 1 : t->shape.dims[i - pad];
    size_t d[XNN_MAX_TENSOR_DIMS];
    size_t n = 1;
    for (int i = 0; i < out_rank; i++)
        n *= (size_t)s[i];
    if (out_rank == 4) {
        d[0] = (size_t)s[0], d[1] = (size_t)s[2], d[2] = (size_t)s[3], d[3] = (size_t)s[1];
    } else {
        for (int i = 0; i < out_rank; i++)
            d[i] = (size_t)s[i];
    }
    float *data = rand_data(c, n, 1.0f);
    if (!data) {
        snprintf(c->err, c->errlen, "out of memory");
        return -1;
    }
    const ConstVal *v = &t->val;
    if (t->is_const && v->n == (int64_t)n && (v->f || v->i)) {
        for (size_t e = 0; e < n; e++) {
            size_t src = e;
            if (out_rank == 4) {    /* e indexes NHWC; src indexes NCHW */
                size_t C = (size_t)s[1], H = (size_t)s[2], W = (size_t)s[3];
                size_t ch = e % C, w = e / C % W, h = e / C / W % H, nn = e / C / W / H;
                src = ((nn * C + ch) * H + h) * W + w;
            }
            data[e] = v->f ? (float)v->f[src] : (float)v->i[src];
        }
    }
    return static_value(c, (size_t)out_rank, d, data, id);
}

/* The value of node input k: an activation already defined, or a constant. */
static int in_value(Conv *c, const Node *n, int k, int out_rank, uint32_t *id)
{
    int ti = k < n->ninputs ? n->inputs[k] : -1;
    if (ti < 0)
        return unsupported(c, "a required input is missing");
    if (c->vid[ti] != NO_ID) {
        *id = c->vid[ti];
        return 0;
    }
    Tensor *t = &c->g->tensors[ti];
    if (t->is_initializer || t->is_const)
        return const_operand(c, ti, out_rank, id);
    snprintf(c->err, c->errlen, "XNNPACK backend: node '%s' (%s) reads '%s', which no "
             "converted node produced", n->name, n->op, t->name);
    return -1;
}

static const Tensor *tin(Conv *c, const Node *n, int k)
{
    return node_in(c->g, n, k);
}

static int is_constant(const Tensor *t)
{
    return t && (t->is_initializer || t->is_const);
}

/* Scalar value of an optional constant input, or def when absent. */
static int const_scalar(Conv *c, const Node *n, int k, double def, double *out)
{
    const Tensor *t = tin(c, n, k);
    if (!t) {
        *out = def;
        return 0;
    }
    if (!t->is_const || t->val.n != 1 || (!t->val.f && !t->val.i))
        return unsupported(c, "a non-constant scalar operand");
    *out = t->val.f ? t->val.f[0] : (double)t->val.i[0];
    return 0;
}

/* ---- ops ------------------------------------------------------------------- */

typedef struct {
    uint32_t pt, pl, pb, pr;          /* padding top/left/bottom/right */
    uint32_t kh, kw, sh, sw, dh, dw;
} Window;

/* Kernel window of a Conv/pool node on a 4-D input, with ONNX's pads or
 * auto_pad; the padding at the end grows until XNNPACK's floor formula
 * gives the output size shape inference found (ceil_mode). */
static int window(Conv *c, const Node *n, const Shape *in, const Shape *out, int kh, int kw,
                  Window *w)
{
    int64_t v[4];
    memset(w, 0, sizeof *w);
    w->kh = (uint32_t)kh, w->kw = (uint32_t)kw;
    w->sh = w->sw = w->dh = w->dw = 1;
    if (node_attr_ints(n, "strides", v, 2) == 2)
        w->sh = (uint32_t)v[0], w->sw = (uint32_t)v[1];
    if (node_attr_ints(n, "dilations", v, 2) == 2)
        w->dh = (uint32_t)v[0], w->dw = (uint32_t)v[1];
    if (node_attr_ints(n, "pads", v, 4) == 4) {
        if (v[0] < 0 || v[1] < 0 || v[2] < 0 || v[3] < 0)
            return unsupported(c, "negative pads");
        w->pt = (uint32_t)v[0], w->pl = (uint32_t)v[1];
        w->pb = (uint32_t)v[2], w->pr = (uint32_t)v[3];
    }
    const char *ap = node_attr_str(n, "auto_pad", "NOTSET");
    int64_t ih = in->dims[2], iw = in->dims[3], oh = out->dims[2], ow = out->dims[3];
    if (strcmp(ap, "SAME_UPPER") == 0 || strcmp(ap, "SAME_LOWER") == 0) {
        int64_t th = (oh - 1) * w->sh + (int64_t)(kh - 1) * w->dh + 1 - ih;
        int64_t tw = (ow - 1) * w->sw + (int64_t)(kw - 1) * w->dw + 1 - iw;
        th = th > 0 ? th : 0;
        tw = tw > 0 ? tw : 0;
        int lower = ap[5] == 'L';
        w->pt = (uint32_t)(lower ? th - th / 2 : th / 2), w->pb = (uint32_t)th - w->pt;
        w->pl = (uint32_t)(lower ? tw - tw / 2 : tw / 2), w->pr = (uint32_t)tw - w->pl;
    } else if (strcmp(ap, "VALID") == 0) {
        w->pt = w->pl = w->pb = w->pr = 0;
    }
    /* ceil_mode: extend the end padding until floor() reaches the output */
    int64_t eh = (int64_t)(kh - 1) * w->dh + 1, ew = (int64_t)(kw - 1) * w->dw + 1;
    int64_t need_h = (oh - 1) * w->sh + eh - (ih + w->pt + w->pb);
    int64_t need_w = (ow - 1) * w->sw + ew - (iw + w->pl + w->pr);
    if (need_h > 0)
        w->pb += (uint32_t)need_h;
    if (need_w > 0)
        w->pr += (uint32_t)need_w;
    if ((ih + w->pt + w->pb - eh) / w->sh + 1 != oh ||
        (iw + w->pl + w->pr - ew) / w->sw + 1 != ow)
        return unsupported(c, "its output size does not follow from kernel, stride and pads");
    return 0;
}

static int need_4d(Conv *c, const Node *n)
{
    const Tensor *x = tin(c, n, 0), *y = node_out(c->g, n, 0);
    if (!x || !y || x->shape.ndim != 4 || y->shape.ndim != 4)
        return unsupported(c, "only the 2-D (4-D tensor) form is supported");
    return 0;
}

static int conv_op(Conv *c, const Node *n)
{
    if (need_4d(c, n))
        return -1;
    const Tensor *x = tin(c, n, 0), *wt = tin(c, n, 1);
    if (!is_constant(wt) || wt->shape.ndim != 4)
        return unsupported(c, "the weights must be a constant 4-D tensor");
    /* the BN folded into this conv writes the output */
    int yi = n->outputs[0];
    if (c->fold_into[n - c->g->nodes] >= 0)
        yi = c->g->nodes[c->fold_into[n - c->g->nodes]].outputs[0];
    const Tensor *y = &c->g->tensors[yi];
    int64_t groups = node_attr_int(n, "group", 1);
    int64_t cin = x->shape.dims[1], cout = wt->shape.dims[0];
    int kh = (int)wt->shape.dims[2], kw = (int)wt->shape.dims[3];
    Window w;
    if (window(c, n, &x->shape, &y->shape, kh, kw, &w))
        return -1;
    uint32_t xi, wi, bi, oi;
    if (in_value(c, n, 0, 4, &xi))
        return -1;
    int dw = groups == cin && groups > 1 && cout % cin == 0;
    size_t wd[4] = {dw ? 1 : (size_t)cout, (size_t)kh, (size_t)kw,
                    dw ? (size_t)cout : (size_t)(cin / groups)};
    size_t bd[1] = {(size_t)cout};
    if (weight_value(c, 4, wd, (size_t)(kh * kw * (dw ? 1 : cin / groups)), &wi) ||
        weight_value(c, 1, bd, 0, &bi) || out_value(c, yi, &oi))
        return -1;
    enum xnn_status s;
    if (dw)
        s = xnn_define_depthwise_convolution_2d(
            c->sg, w.pt, w.pr, w.pb, w.pl, w.kh, w.kw, w.sh, w.sw, w.dh, w.dw,
            (uint32_t)(cout / cin), (size_t)cin, -INFINITY, INFINITY, xi, wi, bi, oi, 0);
    else
        s = xnn_define_convolution_2d(
            c->sg, w.pt, w.pr, w.pb, w.pl, w.kh, w.kw, w.sh, w.sw, w.dh, w.dw,
            (uint32_t)groups, (size_t)(cin / groups), (size_t)(cout / groups), -INFINITY,
            INFINITY, xi, wi, bi, oi, 0);
    return s == xnn_status_success ? 0
                                   : refused(c, dw ? "depthwise_convolution_2d"
                                                   : "convolution_2d", s);
}

typedef enum { BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV, BIN_MAX, BIN_MIN } BinOp;

static int binary(Conv *c, BinOp op, uint32_t a, uint32_t b, uint32_t o, float lo, float hi)
{
    enum xnn_status s;
    const char *what;
    switch (op) {
    case BIN_ADD: s = xnn_define_add2(c->sg, lo, hi, a, b, o, 0); what = "add2"; break;
    case BIN_SUB: s = xnn_define_subtract(c->sg, lo, hi, a, b, o, 0); what = "subtract"; break;
    case BIN_MUL: s = xnn_define_multiply2(c->sg, lo, hi, a, b, o, 0); what = "multiply2"; break;
    case BIN_DIV: s = xnn_define_divide(c->sg, lo, hi, a, b, o, 0); what = "divide"; break;
    case BIN_MAX: s = xnn_define_maximum2(c->sg, a, b, o, 0); what = "maximum2"; break;
    default: s = xnn_define_minimum2(c->sg, a, b, o, 0); what = "minimum2"; break;
    }
    return s == xnn_status_success ? 0 : refused(c, what, s);
}

static int binary_op(Conv *c, const Node *n, BinOp op)
{
    const Tensor *a = tin(c, n, 0), *b = tin(c, n, 1), *y = node_out(c->g, n, 0);
    if (!a || !b || n->ninputs != 2)
        return unsupported(c, "needs exactly two inputs");
    if (is_constant(a) && is_constant(b))
        return unsupported(c, "both inputs are constants (fold them first)");
    int r = y->shape.ndim;
    /* an activation of lower rank than a 4-D output would need NCHW
     * broadcasting of an NHWC tensor */
    if (r == 4 && ((!is_constant(a) && a->shape.ndim != 4) ||
                   (!is_constant(b) && b->shape.ndim != 4)))
        return unsupported(c, "broadcasting a lower-rank activation against a 4-D one");
    uint32_t ai, bi, oi;
    if (in_value(c, n, 0, r, &ai) || in_value(c, n, 1, r, &bi) ||
        out_value(c, n->outputs[0], &oi))
        return -1;
    return binary(c, op, ai, bi, oi, -INFINITY, INFINITY);
}

/* BatchNormalization no conv absorbed: x * scale + shift per channel. */
static int bn_op(Conv *c, const Node *n)
{
    const Tensor *x = tin(c, n, 0);
    int r = x->shape.ndim;
    if (r != 4 && r != 2)
        return unsupported(c, "only 4-D (NCHW) or 2-D (NC) inputs");
    size_t d[4] = {1, 1, 1, 1};
    d[r - 1] = (size_t)x->shape.dims[1];    /* NHWC: channels last; NC: too */
    uint32_t xi, si, bi, ti, oi;
    if (in_value(c, n, 0, r, &xi) || weight_value(c, (size_t)r, d, 1, &si) ||
        weight_value(c, (size_t)r, d, 0, &bi))
        return -1;
    size_t xd[XNN_MAX_TENSOR_DIMS];
    if (xdims(c, x, xd) < 0)
        return -1;
    enum xnn_status s = xnn_define_tensor_value(c->sg, xnn_datatype_fp32, (size_t)r, xd, NULL,
                                                NO_ID, 0, &ti);
    if (s != xnn_status_success)
        return refused(c, "tensor_value", s);
    if (out_value(c, n->outputs[0], &oi) || binary(c, BIN_MUL, xi, si, ti, -INFINITY, INFINITY))
        return -1;
    return binary(c, BIN_ADD, ti, bi, oi, -INFINITY, INFINITY);
}

/* HardSigmoid(x) = clamp(alpha * x + beta, 0, 1): Multiply + Add with the
 * clamp in the Add's output range. */
static int hsigmoid_op(Conv *c, const Node *n)
{
    const Tensor *x = tin(c, n, 0);
    int r = x->shape.ndim;
    size_t one[XNN_MAX_TENSOR_DIMS];
    for (int i = 0; i < r; i++)
        one[i] = 1;
    float *alpha = rand_data(c, 1, 1), *beta = rand_data(c, 1, 1);
    if (!alpha || !beta) {
        snprintf(c->err, c->errlen, "out of memory");
        return -1;
    }
    *alpha = (float)node_attr_float(n, "alpha", 0.2);
    *beta = (float)node_attr_float(n, "beta", 0.5);
    uint32_t xi, ai, bi, ti, oi;
    size_t xd[XNN_MAX_TENSOR_DIMS];
    if (in_value(c, n, 0, r, &xi) || static_value(c, (size_t)r, one, alpha, &ai) ||
        static_value(c, (size_t)r, one, beta, &bi) || xdims(c, x, xd) < 0)
        return -1;
    enum xnn_status s = xnn_define_tensor_value(c->sg, xnn_datatype_fp32, (size_t)r, xd, NULL,
                                                NO_ID, 0, &ti);
    if (s != xnn_status_success)
        return refused(c, "tensor_value", s);
    if (out_value(c, n->outputs[0], &oi) || binary(c, BIN_MUL, xi, ai, ti, -INFINITY, INFINITY))
        return -1;
    return binary(c, BIN_ADD, ti, bi, oi, 0.0f, 1.0f);
}

typedef enum {
    UN_CLAMP, UN_HSWISH, UN_SIGMOID, UN_LEAKY, UN_ELU, UN_ABS, UN_NEG, UN_FLOOR, UN_CEIL,
    UN_SQRT, UN_SQUARE, UN_ROUND
} UnOp;

static int unary_op(Conv *c, const Node *n, UnOp op, float p0, float p1)
{
    uint32_t xi, oi;
    int r = tin(c, n, 0) ? tin(c, n, 0)->shape.ndim : 0;
    if (in_value(c, n, 0, r, &xi) || out_value(c, n->outputs[0], &oi))
        return -1;
    enum xnn_status s;
    const char *what;
    switch (op) {
    case UN_CLAMP: s = xnn_define_clamp(c->sg, p0, p1, xi, oi, 0); what = "clamp"; break;
    case UN_HSWISH: s = xnn_define_hardswish(c->sg, xi, oi, 0); what = "hardswish"; break;
    case UN_SIGMOID: s = xnn_define_sigmoid(c->sg, xi, oi, 0); what = "sigmoid"; break;
    case UN_LEAKY: s = xnn_define_leaky_relu(c->sg, p0, xi, oi, 0); what = "leaky_relu"; break;
    case UN_ELU: s = xnn_define_elu(c->sg, p0, xi, oi, 0); what = "elu"; break;
    case UN_ABS: s = xnn_define_abs(c->sg, xi, oi, 0); what = "abs"; break;
    case UN_NEG: s = xnn_define_negate(c->sg, xi, oi, 0); what = "negate"; break;
    case UN_FLOOR: s = xnn_define_floor(c->sg, xi, oi, 0); what = "floor"; break;
    case UN_CEIL: s = xnn_define_ceiling(c->sg, xi, oi, 0); what = "ceiling"; break;
    case UN_SQRT: s = xnn_define_square_root(c->sg, xi, oi, 0); what = "square_root"; break;
    case UN_SQUARE: s = xnn_define_square(c->sg, xi, oi, 0); what = "square"; break;
    default: s = xnn_define_bankers_rounding(c->sg, xi, oi, 0); what = "bankers_rounding"; break;
    }
    return s == xnn_status_success ? 0 : refused(c, what, s);
}

static int pool_op(Conv *c, const Node *n, int is_max)
{
    if (need_4d(c, n))
        return -1;
    const Tensor *x = tin(c, n, 0), *y = node_out(c->g, n, 0);
    int64_t k[2];
    if (node_attr_ints(n, "kernel_shape", k, 2) != 2)
        return unsupported(c, "needs a 2-D kernel_shape");
    Window w;
    if (window(c, n, &x->shape, &y->shape, (int)k[0], (int)k[1], &w))
        return -1;
    uint32_t xi, oi;
    if (in_value(c, n, 0, 4, &xi) || out_value(c, n->outputs[0], &oi))
        return -1;
    enum xnn_status s;
    if (is_max) {
        s = xnn_define_max_pooling_2d(c->sg, w.pt, w.pr, w.pb, w.pl, w.kh, w.kw, w.sh, w.sw,
                                      w.dh, w.dw, -INFINITY, INFINITY, xi, oi, 0);
        return s == xnn_status_success ? 0 : refused(c, "max_pooling_2d", s);
    }
    if (w.dh != 1 || w.dw != 1)
        return unsupported(c, "dilated average pooling");
    /* XNNPACK averages over the valid pixels only (count_include_pad=0);
     * ONNX's count_include_pad=1 is explicit zero padding, then no pads */
    if (node_attr_int(n, "count_include_pad", 0) && (w.pt | w.pl | w.pb | w.pr)) {
        size_t pre[4] = {0, w.pt, w.pl, 0}, post[4] = {0, w.pb, w.pr, 0};
        size_t xd[4];
        if (xdims(c, x, xd) < 0)
            return -1;
        xd[1] += w.pt + w.pb;
        xd[2] += w.pl + w.pr;
        uint32_t pi;
        s = xnn_define_tensor_value(c->sg, xnn_datatype_fp32, 4, xd, NULL, NO_ID, 0, &pi);
        if (s == xnn_status_success)
            s = xnn_define_static_constant_pad(c->sg, pre, post, 0.0f, xi, pi, 0);
        if (s != xnn_status_success)
            return refused(c, "static_constant_pad", s);
        xi = pi;
        w.pt = w.pl = w.pb = w.pr = 0;
    }
    s = xnn_define_average_pooling_2d(c->sg, w.pt, w.pr, w.pb, w.pl, w.kh, w.kw, w.sh, w.sw,
                                      -INFINITY, INFINITY, xi, oi, 0);
    return s == xnn_status_success ? 0 : refused(c, "average_pooling_2d", s);
}

/* GlobalAveragePool, and ReduceMean over H and W of a 4-D tensor (which
 * keeps the dims, or drops them through a reshape). */
static int gap_op(Conv *c, const Node *n)
{
    const Tensor *x = tin(c, n, 0), *y = node_out(c->g, n, 0);
    if (!x || x->shape.ndim != 4)
        return unsupported(c, "only 4-D (NCHW) inputs");
    uint32_t xi, oi;
    if (in_value(c, n, 0, 4, &xi) || out_value(c, n->outputs[0], &oi))
        return -1;
    enum xnn_status s;
    if (y->shape.ndim == 4) {
        s = xnn_define_global_average_pooling_2d(c->sg, -INFINITY, INFINITY, xi, oi, 0);
    } else {
        size_t d[4] = {(size_t)x->shape.dims[0], 1, 1, (size_t)x->shape.dims[1]};
        uint32_t ti;
        s = xnn_define_tensor_value(c->sg, xnn_datatype_fp32, 4, d, NULL, NO_ID, 0, &ti);
        if (s == xnn_status_success)
            s = xnn_define_global_average_pooling_2d(c->sg, -INFINITY, INFINITY, xi, ti, 0);
        size_t od[XNN_MAX_TENSOR_DIMS];
        int r = xdims(c, y, od);
        if (r < 0)
            return -1;
        if (s == xnn_status_success)
            s = xnn_define_static_reshape(c->sg, (size_t)r, od, ti, oi, 0);
    }
    return s == xnn_status_success ? 0 : refused(c, "global_average_pooling_2d", s);
}

static int reduce_mean_op(Conv *c, const Node *n)
{
    const Tensor *x = tin(c, n, 0);
    int64_t ax[4];
    int na = node_attr_ints(n, "axes", ax, 4);
    if (na < 0 && n->ninputs > 1) {     /* opset 18: axes is an input */
        const Tensor *a = tin(c, n, 1);
        if (a && a->is_const && a->val.i && a->val.n <= 4) {
            na = (int)a->val.n;
            memcpy(ax, a->val.i, (size_t)na * sizeof *ax);
        }
    }
    if (!x || x->shape.ndim != 4 || na != 2)
        return unsupported(c, "only the mean over H and W of a 4-D tensor (global pooling)");
    for (int i = 0; i < 2; i++)
        ax[i] = ax[i] < 0 ? ax[i] + 4 : ax[i];
    if (!((ax[0] == 2 && ax[1] == 3) || (ax[0] == 3 && ax[1] == 2)))
        return unsupported(c, "only the mean over H and W of a 4-D tensor (global pooling)");
    return gap_op(c, n);
}

/* Is every consumer of tensor ti a Gemm/MatMul with constant weights? */
static int feeds_only_fc(Conv *c, int ti)
{
    int any = 0;
    for (int k = 0; k < c->g->nnodes; k++) {
        const Node *m = &c->g->nodes[k];
        for (int j = 0; j < m->ninputs; j++) {
            if (m->inputs[j] != ti)
                continue;
            if (j != 0 || (strcmp(m->op, "Gemm") && strcmp(m->op, "MatMul")) ||
                !is_constant(node_in(c->g, m, 1)))
                return 0;
            any = 1;
        }
    }
    return any;
}

/* Flatten / Reshape / Squeeze / Unsqueeze / Identity: a static reshape
 * (XNNPACK copies).  Row-major order is the same in NHWC as in NCHW only
 * when H = W = 1 or neither side is 4-D; a flatten of a C x H x W map into
 * a fully connected layer is allowed (the FC's rows would be permuted). */
static int reshape_op(Conv *c, const Node *n)
{
    const Tensor *x = tin(c, n, 0), *y = node_out(c->g, n, 0);
    if (!x || !y)
        return unsupported(c, "missing input or output");
    int rx = x->shape.ndim, ry = y->shape.ndim;
    int same_shape = rx == ry && rx >= 0 &&
                     !memcmp(x->shape.dims, y->shape.dims, (size_t)rx * sizeof x->shape.dims[0]);
    int same_order = 1;
    if (!same_shape && (rx == 4 || ry == 4)) {
        const Tensor *f = rx == 4 ? x : y;
        same_order = rx != ry && f->shape.dims[2] == 1 && f->shape.dims[3] == 1;
        if (!same_order && rx == 4 && ry == 2 && feeds_only_fc(c, n->outputs[0]))
            same_order = 1;
    }
    if (!same_order)
        return unsupported(c, "it reorders an NCHW tensor, which would need a layout "
                              "transpose (XNNPACK of 2022 has no Transpose)");
    uint32_t xi, oi;
    if (in_value(c, n, 0, rx, &xi))
        return -1;
    if (same_shape && !y->is_output) {
        c->vid[n->outputs[0]] = xi;     /* Identity, Dropout: nothing to run */
        return 0;
    }
    size_t d[XNN_MAX_TENSOR_DIMS];
    int r = xdims(c, y, d);
    if (r < 0 || out_value(c, n->outputs[0], &oi))
        return -1;
    enum xnn_status s = xnn_define_static_reshape(c->sg, (size_t)r, d, xi, oi, 0);
    return s == xnn_status_success ? 0 : refused(c, "static_reshape", s);
}

/* Gemm (A x B^T or A x B, constant B) and MatMul by a constant 2-D weight:
 * fully_connected.  The bias is C (Gemm) or zeros. */
static int fc_op(Conv *c, const Node *n, int gemm)
{
    const Tensor *a = tin(c, n, 0), *b = tin(c, n, 1);
    if (!is_constant(b) || b->shape.ndim != 2)
        return unsupported(c, gemm ? "B must be a constant 2-D weight"
                                   : "a MatMul of two activations (XNNPACK of 2022 has no "
                                     "batch matrix multiply)");
    if (gemm && node_attr_int(n, "transA", 0))
        return unsupported(c, "transA=1");
    if (a->shape.ndim == 4)
        return unsupported(c, "a 4-D input");
    int tb = gemm && node_attr_int(n, "transB", 0);
    size_t k = (size_t)b->shape.dims[tb ? 1 : 0], nout = (size_t)b->shape.dims[tb ? 0 : 1];
    size_t wd[2] = {nout, k}, bd[1] = {nout};
    uint32_t ai, wi, bi, oi;
    if (in_value(c, n, 0, a->shape.ndim, &ai) || weight_value(c, 2, wd, k, &wi) ||
        weight_value(c, 1, bd, 0, &bi) || out_value(c, n->outputs[0], &oi))
        return -1;
    enum xnn_status s = xnn_define_fully_connected(c->sg, -INFINITY, INFINITY, ai, wi, bi, oi,
                                                   0);
    return s == xnn_status_success ? 0 : refused(c, "fully_connected", s);
}

static int softmax_op(Conv *c, const Node *n)
{
    const Tensor *x = tin(c, n, 0);
    int r = x->shape.ndim;
    int64_t axis = node_attr_int(n, "axis", -1);
    axis = axis < 0 ? axis + r : axis;
    /* XNNPACK normalises over the last (NHWC: channel) dimension */
    int last = r == 4 ? axis == 1 : axis == r - 1;
    if (!last)
        return unsupported(c, "only over the channel / last axis");
    uint32_t xi, oi;
    if (in_value(c, n, 0, r, &xi) || out_value(c, n->outputs[0], &oi))
        return -1;
    enum xnn_status s = xnn_define_softmax(c->sg, xi, oi, 0);
    return s == xnn_status_success ? 0 : refused(c, "softmax", s);
}

static int pad_op(Conv *c, const Node *n)
{
    const Tensor *x = tin(c, n, 0);
    int r = x->shape.ndim;
    if (strcmp(node_attr_str(n, "mode", "constant"), "constant"))
        return unsupported(c, "only constant padding");
    int64_t p[2 * GRAPH_MAX_DIMS];
    int np = node_attr_ints(n, "pads", p, 2 * GRAPH_MAX_DIMS);
    const Tensor *pt = tin(c, n, 1);
    if (np < 0 && pt && pt->is_const && pt->val.i && pt->val.n <= 2 * GRAPH_MAX_DIMS) {
        np = (int)pt->val.n;
        memcpy(p, pt->val.i, (size_t)np * sizeof *p);
    }
    double value = node_attr_float(n, "value", 0);
    if (n->ninputs > 2 && tin(c, n, 2) && const_scalar(c, n, 2, 0, &value))
        return -1;
    if (np != 2 * r)
        return unsupported(c, "pads must be constant, one pair per axis");
    size_t pre[XNN_MAX_TENSOR_DIMS], post[XNN_MAX_TENSOR_DIMS];
    for (int i = 0; i < r; i++) {
        if (p[i] < 0 || p[r + i] < 0)
            return unsupported(c, "negative pads (cropping)");
        int j = r == 4 ? (i == 0 ? 0 : i == 1 ? 3 : i - 1) : i;   /* NCHW axis -> NHWC */
        pre[j] = (size_t)p[i];
        post[j] = (size_t)p[r + i];
    }
    uint32_t xi, oi;
    if (in_value(c, n, 0, r, &xi) || out_value(c, n->outputs[0], &oi))
        return -1;
    enum xnn_status s = xnn_define_static_constant_pad(c->sg, pre, post, (float)value, xi, oi, 0);
    return s == xnn_status_success ? 0 : refused(c, "static_constant_pad", s);
}

/* ---- the op table ---------------------------------------------------------- */

typedef enum {
    K_CONV, K_BN, K_RELU, K_CLIP, K_LEAKY, K_SIGMOID, K_HSWISH, K_HSIGMOID, K_ELU, K_PRELU,
    K_ABS, K_NEG, K_FLOOR, K_CEIL, K_SQRT, K_ROUND, K_POW, K_ADD, K_SUB, K_MUL, K_DIV, K_MAX,
    K_MIN, K_MAXPOOL, K_AVGPOOL, K_GAP, K_REDUCEMEAN, K_RESHAPE, K_GEMM, K_MATMUL, K_SOFTMAX,
    K_PAD, K_D2S
} Kind;

static const struct {
    const char *op;
    Kind kind;
} op_table[] = {
    {"Conv", K_CONV}, {"BatchNormalization", K_BN}, {"Relu", K_RELU}, {"Clip", K_CLIP},
    {"LeakyRelu", K_LEAKY}, {"Sigmoid", K_SIGMOID}, {"HardSwish", K_HSWISH},
    {"HardSigmoid", K_HSIGMOID}, {"Elu", K_ELU}, {"PRelu", K_PRELU}, {"Abs", K_ABS},
    {"Neg", K_NEG}, {"Floor", K_FLOOR}, {"Ceil", K_CEIL}, {"Sqrt", K_SQRT},
    {"Round", K_ROUND}, {"Pow", K_POW}, {"Add", K_ADD}, {"Sub", K_SUB}, {"Mul", K_MUL},
    {"Div", K_DIV}, {"Max", K_MAX}, {"Min", K_MIN}, {"MaxPool", K_MAXPOOL},
    {"AveragePool", K_AVGPOOL}, {"GlobalAveragePool", K_GAP}, {"ReduceMean", K_REDUCEMEAN},
    {"Flatten", K_RESHAPE}, {"Reshape", K_RESHAPE}, {"Squeeze", K_RESHAPE},
    {"Unsqueeze", K_RESHAPE}, {"Identity", K_RESHAPE}, {"Dropout", K_RESHAPE},
    {"Gemm", K_GEMM}, {"MatMul", K_MATMUL}, {"Softmax", K_SOFTMAX}, {"Pad", K_PAD},
    {"DepthToSpace", K_D2S},
};
#define NOPS (int)(sizeof op_table / sizeof op_table[0])

static int op_kind(const Node *n)
{
    if (n->domain && n->domain[0] && strcmp(n->domain, "ai.onnx"))
        return -1;
    for (int i = 0; i < NOPS; i++)
        if (strcmp(op_table[i].op, n->op) == 0)
            return (int)op_table[i].kind;
    return -1;
}

static int prelu_op(Conv *c, const Node *n)
{
    const Tensor *x = tin(c, n, 0), *sl = tin(c, n, 1);
    if (!x || x->shape.ndim != 4 || !is_constant(sl) || shape_numel(&sl->shape) != x->shape.dims[1])
        return unsupported(c, "only a constant per-channel slope on a 4-D tensor");
    size_t d[1] = {(size_t)x->shape.dims[1]};
    uint32_t xi, si, oi;
    if (in_value(c, n, 0, 4, &xi) || weight_value(c, 1, d, 0, &si) ||
        out_value(c, n->outputs[0], &oi))
        return -1;
    enum xnn_status s = xnn_define_prelu(c->sg, xi, si, oi, 0);
    return s == xnn_status_success ? 0 : refused(c, "prelu", s);
}

static int d2s_op(Conv *c, const Node *n)
{
    if (need_4d(c, n))
        return -1;
    if (strcmp(node_attr_str(n, "mode", "DCR"), "DCR"))
        return unsupported(c, "only mode DCR (TensorFlow's order)");
    uint32_t xi, oi;
    if (in_value(c, n, 0, 4, &xi) || out_value(c, n->outputs[0], &oi))
        return -1;
    enum xnn_status s = xnn_define_depth_to_space(c->sg, xi, oi,
                                                  (uint32_t)node_attr_int(n, "blocksize", 1), 0);
    return s == xnn_status_success ? 0 : refused(c, "depth_to_space", s);
}

static int convert_node(Conv *c, const Node *n)
{
    double lo, hi;
    switch ((Kind)op_kind(n)) {
    case K_CONV: return conv_op(c, n);
    case K_BN: return bn_op(c, n);
    case K_RELU: return unary_op(c, n, UN_CLAMP, 0.0f, INFINITY);
    case K_CLIP:
        if (n->ninputs > 1) {
            if (const_scalar(c, n, 1, -INFINITY, &lo) || const_scalar(c, n, 2, INFINITY, &hi))
                return -1;
        } else {
            lo = node_attr_float(n, "min", -FLT_MAX);
            hi = node_attr_float(n, "max", FLT_MAX);
        }
        return unary_op(c, n, UN_CLAMP, (float)lo, (float)hi);
    case K_LEAKY:
        return unary_op(c, n, UN_LEAKY, (float)node_attr_float(n, "alpha", 0.01), 0);
    case K_SIGMOID: return unary_op(c, n, UN_SIGMOID, 0, 0);
    case K_HSWISH: return unary_op(c, n, UN_HSWISH, 0, 0);
    case K_HSIGMOID: return hsigmoid_op(c, n);
    case K_ELU: return unary_op(c, n, UN_ELU, (float)node_attr_float(n, "alpha", 1.0), 0);
    case K_PRELU: return prelu_op(c, n);
    case K_ABS: return unary_op(c, n, UN_ABS, 0, 0);
    case K_NEG: return unary_op(c, n, UN_NEG, 0, 0);
    case K_FLOOR: return unary_op(c, n, UN_FLOOR, 0, 0);
    case K_CEIL: return unary_op(c, n, UN_CEIL, 0, 0);
    case K_SQRT: return unary_op(c, n, UN_SQRT, 0, 0);
    case K_ROUND: return unary_op(c, n, UN_ROUND, 0, 0);
    case K_POW: {
        double e;
        if (const_scalar(c, n, 1, 1, &e))
            return -1;
        if (e == 2)
            return unary_op(c, n, UN_SQUARE, 0, 0);
        if (e == 0.5)
            return unary_op(c, n, UN_SQRT, 0, 0);
        return unsupported(c, "only exponents 2 (square) and 0.5 (square root)");
    }
    case K_ADD: return binary_op(c, n, BIN_ADD);
    case K_SUB: return binary_op(c, n, BIN_SUB);
    case K_MUL: return binary_op(c, n, BIN_MUL);
    case K_DIV: return binary_op(c, n, BIN_DIV);
    case K_MAX: return binary_op(c, n, BIN_MAX);
    case K_MIN: return binary_op(c, n, BIN_MIN);
    case K_MAXPOOL: return pool_op(c, n, 1);
    case K_AVGPOOL: return pool_op(c, n, 0);
    case K_GAP: return gap_op(c, n);
    case K_REDUCEMEAN: return reduce_mean_op(c, n);
    case K_RESHAPE: return reshape_op(c, n);
    case K_GEMM: return fc_op(c, n, 1);
    case K_MATMUL: return fc_op(c, n, 0);
    case K_SOFTMAX: return softmax_op(c, n);
    case K_PAD: return pad_op(c, n);
    case K_D2S: return d2s_op(c, n);
    }
    return unsupported(c, "no XNNPACK operator for it");
}

/* Ops of this graph XNNPACK cannot run at all: "op Concat not supported
 * (8 nodes), op Split not supported (3 nodes)".  0 when there are none. */
static int check_ops(const Graph *g, const unsigned char *skip, char *err, size_t errlen)
{
    size_t len = 0;
    err[0] = 0;
    for (int i = 0; i < g->nnodes; i++) {
        const Node *n = &g->nodes[i];
        if (skip[i] || op_kind(n) >= 0)
            continue;
        int first = 1, count = 0;
        for (int j = 0; j < g->nnodes; j++) {
            if (skip[j] || strcmp(g->nodes[j].op, n->op))
                continue;
            first &= j >= i;
            count++;
        }
        if (!first)
            continue;
        int w = snprintf(err + len, errlen - len, "%sop %s not supported (%d node%s)",
                         len ? ", " : "XNNPACK backend: ", n->op, count, count > 1 ? "s" : "");
        if (w < 0 || (size_t)w >= errlen - len)
            break;
        len += (size_t)w;
    }
    return err[0] ? -1 : 0;
}

/* ---- building and running -------------------------------------------------- */

typedef struct {
    xnn_subgraph_t sg;
    xnn_runtime_t rt;
    void **bufs;
    int nbufs;
    struct xnn_external_value *ext;
    int next;
} Built;

static void built_free(Built *b)
{
    if (b->rt)
        xnn_delete_runtime(b->rt);
    if (b->sg)
        xnn_delete_subgraph(b->sg);
    for (int i = 0; i < b->nbufs; i++)
        free(b->bufs[i]);
    free(b->bufs);
    for (int i = 0; b->ext && i < b->next; i++)
        free(b->ext[i].data);
    free(b->ext);
    memset(b, 0, sizeof *b);
}

/* Convert g into an XNNPACK runtime with its input/output buffers set up.
 * Returns 0, or 1 (this model cannot run; err says why), -1 (out of memory
 * or XNNPACK failed). */
static int build(Graph *g, Built *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    Conv c = {.g = g, .err = err, .errlen = errlen, .rng = 0x5eed5eedULL};
    int nt = g->ntensors, nn = g->nnodes;
    c.vid = malloc((size_t)(nt ? nt : 1) * sizeof *c.vid);
    c.consumers = calloc((size_t)(nt ? nt : 1), sizeof *c.consumers);
    c.fold_into = malloc((size_t)(nn ? nn : 1) * sizeof *c.fold_into);
    c.skip = calloc((size_t)(nn ? nn : 1), 1);
    int rc = -1;
    if (!c.vid || !c.consumers || !c.fold_into || !c.skip) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    for (int i = 0; i < nt; i++)
        c.vid[i] = NO_ID;
    for (int i = 0; i < nn; i++) {
        c.fold_into[i] = -1;
        for (int k = 0; k < g->nodes[i].ninputs; k++)
            if (g->nodes[i].inputs[k] >= 0)
                c.consumers[g->nodes[i].inputs[k]]++;
    }
    for (int i = 0; i < g->noutputs; i++)
        c.consumers[g->outputs[i]]++;
    /* dead nodes (a NAS cell's unused edge) are not run, as ONNX Runtime
     * does not run them; this XNNPACK asserts on a value nobody reads */
    for (int i = nn - 1; i >= 0; i--) {
        const Node *n = &g->nodes[i];
        int live = 0;
        for (int k = 0; k < n->noutputs; k++)
            live |= n->outputs[k] >= 0 && c.consumers[n->outputs[k]] > 0;
        if (live || n->noutputs == 0)
            continue;
        c.skip[i] = 1;
        for (int k = 0; k < n->ninputs; k++)
            if (n->inputs[k] >= 0)
                c.consumers[n->inputs[k]]--;
    }
    /* constant subgraphs (shape arithmetic) were folded by shape inference;
     * a BN whose input is a conv's only use folds into that conv */
    for (int i = 0; i < nn; i++) {
        const Node *n = &g->nodes[i];
        int all_const = n->noutputs > 0;
        for (int k = 0; k < n->noutputs; k++)
            all_const &= n->outputs[k] >= 0 && g->tensors[n->outputs[k]].is_const;
        if (all_const)
            c.skip[i] = 1;
        if (strcmp(n->op, "BatchNormalization") == 0 && n->ninputs > 0 && n->inputs[0] >= 0) {
            int x = n->inputs[0], p = g->tensors[x].producer;
            if (p >= 0 && strcmp(g->nodes[p].op, "Conv") == 0 && c.consumers[x] == 1) {
                c.fold_into[p] = i;
                c.skip[i] = 1;
            }
        }
    }
    if (check_ops(g, c.skip, err, errlen)) {
        rc = 1;
        goto done;
    }
    enum xnn_status s = xnn_create_subgraph((uint32_t)(g->ninputs + g->noutputs), 0, &c.sg);
    if (s != xnn_status_success) {
        snprintf(err, errlen, "XNNPACK backend: xnn_create_subgraph failed (%s)",
                 status_name(s));
        goto done;
    }
    for (int i = 0; i < g->ninputs; i++) {
        Tensor *t = &g->tensors[g->inputs[i]];
        size_t d[XNN_MAX_TENSOR_DIMS];
        c.node = NULL;
        int r = xdims(&c, t, d);
        if (r < 0 || !is_float(t)) {
            if (r >= 0)
                snprintf(err, errlen, "XNNPACK backend: input '%s' is %s; XNNPACK runs fp32 "
                         "tensors only", t->name, dtype_name(t->dtype));
            rc = 1;
            goto done;
        }
        s = xnn_define_tensor_value(c.sg, xnn_datatype_fp32, (size_t)r, d, NULL, (uint32_t)i,
                                    XNN_VALUE_FLAG_EXTERNAL_INPUT, &c.vid[g->inputs[i]]);
        if (s != xnn_status_success) {
            snprintf(err, errlen, "XNNPACK backend: cannot define input '%s' (%s)", t->name,
                     status_name(s));
            goto done;
        }
    }
    for (int i = 0; i < nn; i++) {
        if (c.skip[i])
            continue;
        c.node = &g->nodes[i];
        if (convert_node(&c, c.node)) {
            rc = 1;
            goto done;
        }
    }
    for (int i = 0; i < g->noutputs; i++)
        if (c.vid[g->outputs[i]] == NO_ID || g->tensors[g->outputs[i]].is_input) {
            snprintf(err, errlen, "XNNPACK backend: output '%s' is not computed by any node",
                     g->tensors[g->outputs[i]].name);
            rc = 1;
            goto done;
        }
    s = xnn_create_runtime_v2(c.sg, NULL, 0, &out->rt);
    if (s != xnn_status_success) {
        snprintf(err, errlen, "XNNPACK backend: xnn_create_runtime_v2 refused the subgraph (%s)",
                 status_name(s));
        rc = 1;
        goto done;
    }
    out->next = g->ninputs + g->noutputs;
    out->ext = calloc((size_t)out->next, sizeof *out->ext);
    if (!out->ext) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    for (int i = 0; i < out->next; i++) {
        int ti = i < g->ninputs ? g->inputs[i] : g->outputs[i - g->ninputs];
        int64_t n = shape_numel(&g->tensors[ti].shape);
        float *d = malloc((size_t)(n > 0 ? n : 1) * sizeof *d + XNN_EXTRA_BYTES);
        out->ext[i].id = (uint32_t)i;
        out->ext[i].data = d;
        if (!d) {
            snprintf(err, errlen, "out of memory");
            goto done;
        }
        for (int64_t e = 0; e < n; e++)   /* inputs: U(-1, 1) */
            d[e] = (float)((double)(next_rand(&c) >> 11) * 0x1.0p-53 * 2.0 - 1.0);
    }
    s = xnn_setup_runtime(out->rt, (size_t)out->next, out->ext);
    if (s != xnn_status_success) {
        snprintf(err, errlen, "XNNPACK backend: xnn_setup_runtime failed (%s)", status_name(s));
        rc = 1;
        goto done;
    }
    rc = 0;
done:
    out->sg = c.sg;
    out->bufs = c.bufs;
    out->nbufs = c.nbufs;
    if (rc)
        built_free(out);
    free(c.vid);
    free(c.consumers);
    free(c.fold_into);
    free(c.skip);
    return rc;
}

/* {"name":[dims]} -> input specs. */
static int item_specs(const MeasureItem *it, InputSpec *specs, int max)
{
    int n = 0;
    for (const cJSON *e = it->inputs ? it->inputs->child : NULL; e && n < max; e = e->next) {
        InputSpec *s = &specs[n];
        snprintf(s->name, sizeof s->name, "%s", e->string ? e->string : "");
        s->shape.ndim = 0;
        for (const cJSON *d = e->child; d && s->shape.ndim < GRAPH_MAX_DIMS; d = d->next)
            s->shape.dims[s->shape.ndim++] = (int64_t)d->valuedouble;
        n++;
    }
    return n;
}

static int xnn_open(Backend *b, char *err, size_t errlen)
{
    enum xnn_status s = xnn_initialize(NULL);
    if (s != xnn_status_success) {
        snprintf(err, errlen, "XNNPACK backend: xnn_initialize failed (%s)", status_name(s));
        return -1;
    }
    XnnState *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (b->cpu >= 0) {      /* in-process: pin this thread, restored by close */
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(b->cpu, &set);
        if (sched_getaffinity(0, sizeof st->saved, &st->saved) ||
            sched_setaffinity(0, sizeof set, &set)) {
            snprintf(err, errlen, "cannot pin to CPU %d: %s", b->cpu, strerror(errno));
            free(st);
            return -1;
        }
        st->pinned = 1;
    }
    b->state = st;
    snprintf(b->runtime, sizeof b->runtime, "XNNPACK %s, 1 thread", NNM_XNNPACK_VERSION);
    b->threads = 1;
    return 0;
}

static void xnn_close(Backend *b)
{
    XnnState *st = b->state;
    if (st && st->pinned)
        sched_setaffinity(0, sizeof st->saved, &st->saved);
    free(st);
    b->state = NULL;
}

/* One run of bt's runtime; on failure frees bt and says why. */
static int invoke(Built *bt, char *err, size_t errlen)
{
    enum xnn_status s = xnn_invoke_runtime(bt->rt);
    if (s == xnn_status_success)
        return 0;
    snprintf(err, errlen, "XNNPACK backend: xnn_invoke_runtime failed (%s)", status_name(s));
    built_free(bt);
    return 1;
}

/* A timed run lasts at least BATCH_MS: a kernel of 0.1 us timed one run at
 * a time carries the clock's own cost and jitter (tens of ns here), so
 * short runs are timed as a batch of invocations and divided.  Longer runs
 * are one invocation each, as before.  The warm-up's mean run time sizes
 * the batch. */
#define BATCH_MS 0.05
#define BATCH_NOTE "runs-batched-to-0.05ms"

static int run_batch(double per_run_ms)
{
    if (!(per_run_ms > 0) || per_run_ms >= BATCH_MS)
        return 1;
    double n = ceil(BATCH_MS / per_run_ms);
    return n > 10000 ? 10000 : (int)n;
}

static int xnn_time(Backend *b, const MeasureItem *it, int warmup, int runs,
                    double *times_ms, char *err, size_t errlen)
{
    InputSpec specs[16];
    int ns = item_specs(it, specs, 16), code;
    Graph *g = model_open(it->path, specs, ns, err, errlen, &code);
    if (!g)
        return 1;
    Built bt;
    int rc = build(g, &bt, err, errlen);
    graph_free(g);
    if (rc)
        return rc > 0 ? 1 : -1;
    /* warm-up: `warmup` runs and at least b->warmup_ms, then the timed runs */
    double start = backend_now_ms();
    int warm = 0;
    for (; backend_warming(b, warm, warmup, start); warm++)
        if (invoke(&bt, err, errlen))
            return 1;
    int batch = run_batch(warm ? (backend_now_ms() - start) / warm : 0);
    for (int i = 0; i < runs; i++) {
        double t0 = backend_now_ms();
        for (int j = 0; j < batch; j++)
            if (invoke(&bt, err, errlen))
                return 1;
        times_ms[i] = (backend_now_ms() - t0) / batch;
    }
    built_free(&bt);
    return 0;
}

int backend_xnnpack_init(Backend *b)
{
    b->name = "xnnpack";
    b->open = xnn_open;
    b->close = xnn_close;
    b->time = xnn_time;
    b->profile = NULL;      /* this XNNPACK has no per-operator profiler */
    b->timing_note = BATCH_NOTE;
    return 0;
}
