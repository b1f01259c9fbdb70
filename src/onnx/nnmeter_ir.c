/* nnmeter_ir.c -- nn-Meter IR (JSON) -> graph IR (see nnmeter_ir.h).
 *
 * Mapping (TF op in the IR -> ONNX op here; 4-D shapes NHWC -> NCHW):
 *   Placeholder, dummy          graph input (shape from attr.shape or output_shape)
 *   Const                       initializer (tensor_shape; values kept when small)
 *   Conv2D                      Conv, W [Cout,Cin,kh,kw] from weight_shape [kh,kw,Cin,Cout]
 *   DepthwiseConv2dNative       Conv group=Cin, W [Cin*m,1,kh,kw] from [kh,kw,Cin,m]
 *   FusedBatchNorm(V3), BatchNorm  BatchNormalization (scale, B, mean, var [C])
 *   BiasAdd                     Add with a bias [C,1,1] (4-D) or [C]
 *   Relu, Relu6, Sigmoid, Tanh, Softmax, HardSwish   Relu, Clip(0,6), ...
 *   Add(V2), Sub, Mul, RealDiv, Maximum, Minimum     Add, Sub, Mul, Div, Max, Min
 *   AvgPool, MaxPool            AveragePool/MaxPool (ksize, strides, SAME/VALID);
 *                               an AvgPool over the whole map is GlobalAveragePool
 *   Mean over H,W               GlobalAveragePool (ReduceMean otherwise)
 *   MatMul, Dense               Gemm (MatMul above 2-D), W [K,N] from weight_shape
 *                               or the shapes
 *   Reshape, Squeeze, ConcatV2, Transpose, Identity  the ONNX ops, axes mapped
 * Any other type is kept in the "nnmeter" domain: listed as unsupported,
 * its outputs unknown, the rest of the graph analysed.  Inbounds that name
 * no node of the file (nn-Meter drops weight reads such as
 * ".../moving_variance/read") are skipped.  The IR's own output shapes are
 * not trusted (some are wrong in nn-Meter's files); shape inference
 * recomputes them, and the IR's shapes only size weights.
 */
#include "nnmeter_ir.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

/* Files above this are not IR graphs (nn-Meter's largest are a few MB). */
#define IR_MAX_BYTES (512u << 20)

typedef struct {
    const cJSON *ir;          /* node name -> node */
    const cJSON **nodes;      /* IR node i (tensor i is its output) */
    int n;
    Graph *g;
    int failed;
    int custom;               /* a node was kept in the nnmeter domain */
    char *err;
    size_t errlen;
} Imp;

static void fail(Imp *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(Imp *m, const char *fmt, ...)
{
    if (m->failed)
        return;
    m->failed = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->err, m->errlen, fmt, ap);
    va_end(ap);
}

/* ---- reading the IR -------------------------------------------------------- */

static const cJSON *ir_attr(const cJSON *v) { return cJSON_GetObjectItemCaseSensitive(v, "attr"); }

static const cJSON *ir_params(const cJSON *v)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(ir_attr(v), "attr");
    return cJSON_IsObject(a) ? a : NULL;
}

static const char *ir_type(const cJSON *v)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ir_attr(v), "type"));
}

static int ieq(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

/* A JSON array of dims; null or negative dims read -1.  Rank, or -1. */
static int json_dims(const cJSON *a, int64_t *dims)
{
    if (!cJSON_IsArray(a))
        return -1;
    int n = 0;
    for (const cJSON *d = a->child; d; d = d->next) {
        if (n >= GRAPH_MAX_DIMS)
            return -1;
        double x = cJSON_IsNumber(d) ? d->valuedouble : -1;
        dims[n++] = x >= 0 && x < 9.2e18 ? (int64_t)x : -1;
    }
    return n;
}

/* The k-th of a node's "input_shape" / "output_shape" lists (NHWC). */
static int ir_shape(const cJSON *v, const char *which, int k, int64_t *dims)
{
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(ir_attr(v), which);
    return json_dims(cJSON_GetArrayItem(l, k), dims);
}

/* Channels (last dim) of a node's output or input shape; -1 unknown. */
static int64_t ir_channels(const cJSON *v, const char *which, int k)
{
    int64_t d[GRAPH_MAX_DIMS];
    int r = ir_shape(v, which, k, d);
    return r >= 1 && d[r - 1] > 0 ? d[r - 1] : -1;
}

/* Integer list attribute; count, or -1 when absent. */
static int p_ints(const cJSON *p, const char *name, int64_t *out, int max)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(p, name);
    if (cJSON_IsNumber(a) && max > 0) {
        /* out of int64's range (or NaN) converts with UB: -1 as below */
        out[0] = fabs(a->valuedouble) < 9.2e18 ? (int64_t)a->valuedouble : -1;
        return 1;
    }
    if (!cJSON_IsArray(a))
        return -1;
    int n = 0;
    for (const cJSON *e = a->child; e && n < max; e = e->next)
        out[n++] = cJSON_IsNumber(e) && fabs(e->valuedouble) < 9.2e18 ? (int64_t)e->valuedouble
                                                                      : -1;
    return n;
}

/* (h, w) of a TF window attribute: [1,h,w,1], [h,w] or [k]. */
static void hw_pair(const cJSON *p, const char *name, int64_t out[2], int64_t def)
{
    int64_t v[4];
    int n = p_ints(p, name, v, 4);
    out[0] = out[1] = def;
    if (n == 4)
        out[0] = v[1], out[1] = v[2];
    else if (n == 2)
        out[0] = v[0], out[1] = v[1];
    else if (n == 1)
        out[0] = out[1] = v[0];
}

static const char *p_str(const cJSON *p, const char *name)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, name));
}

/* ---- layout ------------------------------------------------------------------ */

/* NHWC axis -> NCHW axis for 4-D tensors. */
static const int nhwc_to_nchw[4] = {0, 2, 3, 1};
/* NCHW axis -> NHWC axis. */
static const int nchw_to_nhwc[4] = {0, 3, 1, 2};

static void dims_to_nchw(int64_t *d, int rank)
{
    if (rank != 4)
        return;
    int64_t n = d[0], h = d[1], w = d[2], c = d[3];
    d[0] = n, d[1] = c, d[2] = h, d[3] = w;
}

static int64_t map_axis(int64_t a, int rank)
{
    if (a < 0)
        a += rank;
    return rank == 4 && a >= 0 && a < 4 ? nhwc_to_nchw[a] : a;
}

/* ---- building ------------------------------------------------------------------ */

/* A new tensor named base + suffix, made unique. */
static int new_tensor(Imp *m, const char *base, const char *suffix)
{
    char name[600];
    snprintf(name, sizeof name, "%.500s%s", base, suffix);
    for (int k = 1; graph_find_tensor(m->g, name) >= 0 && k < 1000; k++)
        snprintf(name, sizeof name, "%.500s%s_%d", base, suffix, k);
    int t = graph_tensor(m->g, name);
    if (t < 0)
        fail(m, "out of memory");
    return t;
}

static int add_init(Imp *m, const char *node, const char *suffix, int dtype, int rank,
                    const int64_t *dims)
{
    int t = new_tensor(m, node, suffix);
    if (t < 0)
        return -1;
    Tensor *tt = &m->g->tensors[t];
    tt->is_initializer = 1;
    tt->is_const = 1;
    tt->dtype = dtype;
    tt->shape.ndim = rank;
    for (int d = 0; d < rank; d++)
        tt->shape.dims[d] = dims[d];
    return t;
}

static int add_init_ints(Imp *m, const char *node, const char *suffix, const int64_t *v, int n)
{
    int64_t dims[1] = {n};
    int t = add_init(m, node, suffix, DT_INT64, 1, dims);
    if (t >= 0 && tensor_set_const_i(&m->g->tensors[t], v, n))
        fail(m, "out of memory");
    return t;
}

static int add_scalar(Imp *m, const char *node, const char *suffix, double v)
{
    int t = add_init(m, node, suffix, DT_FLOAT, 0, NULL);
    if (t >= 0 && tensor_set_const_f(&m->g->tensors[t], &v, 1))
        fail(m, "out of memory");
    return t;
}

static int weights(Imp *m, const char *node, const char *suffix, int rank, const int64_t *dims)
{
    for (int d = 0; d < rank; d++)
        if (dims[d] <= 0) {
            fail(m, "node '%s': cannot size its weights (no weight_shape, and the shapes "
                 "in the file do not give it)", node);
            return -1;
        }
    return add_init(m, node, suffix, DT_FLOAT, rank, dims);
}

static void add_in(Imp *m, int node, int t)
{
    if (!m->failed && (t < 0 || graph_node_add_input(m->g, node, t)))
        fail(m, "out of memory");
}

/* The ONNX node for IR node i, writing tensor i. */
static int emit(Imp *m, int i, const char *op, const char *domain)
{
    if (m->failed)
        return -1;
    int n = graph_add_node(m->g, m->nodes[i]->string, op, domain);
    if (n < 0 || graph_node_add_output(m->g, n, i)) {
        fail(m, "out of memory");
        return -1;
    }
    return n;
}

static Attr *new_attr(Imp *m, int node, const char *name)
{
    Attr *a = m->failed ? NULL : graph_node_add_attr(m->g, node, name);
    if (!a && !m->failed)
        fail(m, "out of memory");
    return a;
}

static void set_int(Imp *m, int node, const char *name, int64_t v)
{
    Attr *a = new_attr(m, node, name);
    if (a) {
        a->type = ATTR_INT;
        a->i = v;
    }
}

static void set_float(Imp *m, int node, const char *name, double v)
{
    Attr *a = new_attr(m, node, name);
    if (a) {
        a->type = ATTR_FLOAT;
        a->f = v;
    }
}

static void set_ints(Imp *m, int node, const char *name, const int64_t *v, int n)
{
    Attr *a = new_attr(m, node, name);
    if (!a)
        return;
    a->type = ATTR_INTS;
    a->ints = malloc((size_t)(n ? n : 1) * sizeof *a->ints);
    if (!a->ints) {
        fail(m, "out of memory");
        return;
    }
    memcpy(a->ints, v, (size_t)n * sizeof *v);
    a->n = n;
}

static void set_str(Imp *m, int node, const char *name, const char *s)
{
    Attr *a = new_attr(m, node, name);
    if (!a)
        return;
    a->type = ATTR_STRING;
    a->s = strdup(s);
    if (!a->s)
        fail(m, "out of memory");
}

/* ---- inputs of a node ----------------------------------------------------------- */

static int ir_index(const Imp *m, const char *name)
{
    int t = graph_find_tensor(m->g, name);
    return t >= 0 && t < m->n ? t : -1;
}

static int is_const_node(const Imp *m, int i)
{
    const char *t = ir_type(m->nodes[i]);
    return t && ieq(t, "Const");
}

/* Inbounds that are nodes of the file (skipping consts when asked). */
static int inbounds(const Imp *m, const cJSON *v, int *out, int max, int skip_const)
{
    const cJSON *ib = cJSON_GetObjectItemCaseSensitive(v, "inbounds");
    int n = 0;
    for (const cJSON *e = cJSON_IsArray(ib) ? ib->child : NULL; e && n < max; e = e->next) {
        const char *s = cJSON_GetStringValue(e);
        int k = s ? ir_index(m, s) : -1;
        if (k >= 0 && !(skip_const && is_const_node(m, k)))
            out[n++] = k;
    }
    return n;
}

/* The data input of a one-input op: the first non-const inbound. */
static int data_input(Imp *m, int i)
{
    int in[1];
    if (inbounds(m, m->nodes[i], in, 1, 1) == 1 || inbounds(m, m->nodes[i], in, 1, 0) == 1)
        return in[0];
    fail(m, "node '%s' (%s) has no input in the file", m->nodes[i]->string,
         ir_type(m->nodes[i]));
    return -1;
}

/* ---- ops -------------------------------------------------------------------- */

/* Window attributes shared by convs and pools. */
static void window(Imp *m, int node, const cJSON *p, const int64_t k[2])
{
    int64_t s[2], d[2];
    hw_pair(p, "strides", s, 1);
    hw_pair(p, "dilations", d, 1);
    set_ints(m, node, "kernel_shape", k, 2);
    set_ints(m, node, "strides", s, 2);
    if (d[0] != 1 || d[1] != 1)
        set_ints(m, node, "dilations", d, 2);
    const char *pad = p_str(p, "padding");
    int64_t pads[4];
    if (pad && strstr(pad, "SAME"))
        set_str(m, node, "auto_pad", "SAME_UPPER");
    else if (pad && strstr(pad, "VALID"))
        set_str(m, node, "auto_pad", "VALID");
    else if (p_ints(p, "pads", pads, 4) == 4)
        set_ints(m, node, "pads", pads, 4);
}

static void op_conv(Imp *m, int i, int depthwise)
{
    const cJSON *v = m->nodes[i], *p = ir_params(v);
    const char *name = v->string;
    int x = data_input(m, i);
    int64_t ws[4], k[2];
    int has_ws = p_ints(p, "weight_shape", ws, 4) == 4;
    hw_pair(p, "kernel_shape", k, -1);
    if (k[0] < 0)
        hw_pair(p, "ksize", k, -1);
    if (has_ws)
        k[0] = ws[0], k[1] = ws[1];
    int64_t cin = has_ws ? ws[2] : ir_channels(v, "input_shape", 0);
    int64_t cout = ir_channels(v, "output_shape", 0);
    int64_t w[4];
    int node = emit(m, i, "Conv", "");
    if (depthwise) {
        int64_t mult = has_ws ? ws[3] : (cin > 0 && cout > 0 ? cout / cin : -1);
        w[0] = cin > 0 && mult > 0 ? cin * mult : -1, w[1] = 1, w[2] = k[0], w[3] = k[1];
        set_int(m, node, "group", cin);
    } else {
        w[0] = has_ws ? ws[3] : cout, w[1] = cin, w[2] = k[0], w[3] = k[1];
    }
    add_in(m, node, x);
    add_in(m, node, weights(m, name, ":weight", 4, w));
    if (!m->failed)
        window(m, node, p, k);
}

static void op_batchnorm(Imp *m, int i)
{
    const cJSON *v = m->nodes[i];
    int x = data_input(m, i);
    int64_t c = ir_channels(v, "output_shape", 0);
    if (c < 0)
        c = ir_channels(v, "input_shape", 0);
    int node = emit(m, i, "BatchNormalization", "");
    add_in(m, node, x);
    static const char *const parts[] = {":scale", ":bias", ":mean", ":var"};
    for (int k = 0; k < 4; k++)
        add_in(m, node, weights(m, v->string, parts[k], 1, &c));
    const cJSON *eps = cJSON_GetObjectItemCaseSensitive(ir_params(v), "epsilon");
    if (cJSON_IsNumber(eps))
        set_float(m, node, "epsilon", eps->valuedouble);
}

static void op_biasadd(Imp *m, int i)
{
    const cJSON *v = m->nodes[i];
    int x = data_input(m, i);
    int64_t dims[3] = {ir_channels(v, "output_shape", 0), 1, 1};
    if (dims[0] < 0)
        dims[0] = ir_channels(v, "input_shape", 0);
    int64_t out[GRAPH_MAX_DIMS];
    int rank = ir_shape(v, "output_shape", 0, out);
    int node = emit(m, i, "Add", "");
    add_in(m, node, x);
    add_in(m, node, weights(m, v->string, ":bias", rank == 4 ? 3 : 1, dims));
}

static void op_unary(Imp *m, int i, const char *op)
{
    int x = data_input(m, i);
    int node = emit(m, i, op, "");
    add_in(m, node, x);
    if (strcmp(op, "Softmax") == 0) {
        int64_t d[GRAPH_MAX_DIMS];
        int r = ir_shape(m->nodes[i], "input_shape", 0, d);
        set_int(m, node, "axis", r == 4 ? 1 : -1);   /* TF: the last (channel) axis */
    }
}

static void op_relu6(Imp *m, int i)
{
    int x = data_input(m, i);
    int node = emit(m, i, "Clip", "");
    add_in(m, node, x);
    add_in(m, node, add_scalar(m, m->nodes[i]->string, ":min", 0));
    add_in(m, node, add_scalar(m, m->nodes[i]->string, ":max", 6));
}

static void op_binary(Imp *m, int i, const char *op)
{
    int in[8];
    int n = inbounds(m, m->nodes[i], in, 8, 0);
    if (n < 2) {
        fail(m, "node '%s' (%s) has %d input%s in the file, not 2", m->nodes[i]->string,
             ir_type(m->nodes[i]), n, n == 1 ? "" : "s");
        return;
    }
    /* AddN and friends: ONNX Sum/Max/Min take any number */
    if (n > 2 && (strcmp(op, "Add") == 0))
        op = "Sum";
    int node = emit(m, i, op, "");
    for (int k = 0; k < n; k++)
        add_in(m, node, in[k]);
}

static void op_pool(Imp *m, int i, int max)
{
    const cJSON *v = m->nodes[i], *p = ir_params(v);
    int x = data_input(m, i);
    int64_t k[2], in[GRAPH_MAX_DIMS];
    hw_pair(p, "ksize", k, -1);
    if (k[0] < 0)
        hw_pair(p, "kernel_shape", k, 1);
    const char *pad = p_str(p, "padding");
    int r = ir_shape(v, "input_shape", 0, in);
    /* a window over the whole map, unpadded: the global pool */
    int global = r == 4 && in[1] > 0 && k[0] == in[1] && k[1] == in[2];
    if (global && pad && strstr(pad, "SAME")) {
        int64_t s[2];
        hw_pair(p, "strides", s, 1);
        global = s[0] >= k[0] && s[1] >= k[1];   /* one window either way */
    }
    int node = emit(m, i, global ? (max ? "GlobalMaxPool" : "GlobalAveragePool")
                                 : (max ? "MaxPool" : "AveragePool"), "");
    add_in(m, node, x);
    if (!global && !m->failed)
        window(m, node, p, k);
}

/* The sole consumer's type, or NULL. */
static const char *sole_consumer_type(const Imp *m, const cJSON *v)
{
    const cJSON *ob = cJSON_GetObjectItemCaseSensitive(v, "outbounds");
    if (cJSON_GetArraySize(ob) != 1)
        return NULL;
    const char *s = cJSON_GetStringValue(ob->child);
    int k = s ? ir_index(m, s) : -1;
    return k >= 0 ? ir_type(m->nodes[k]) : NULL;
}

static void op_mean(Imp *m, int i)
{
    const cJSON *v = m->nodes[i], *p = ir_params(v);
    int x = data_input(m, i);
    int64_t axes[8], in[GRAPH_MAX_DIMS], out[GRAPH_MAX_DIMS];
    int na = p_ints(p, "reduction_indices", axes, 8);
    if (na < 0)
        na = p_ints(p, "axis", axes, 8);
    int rin = ir_shape(v, "input_shape", 0, in);
    int rout = ir_shape(v, "output_shape", 0, out);
    /* nn-Meter's own files give some Mean nodes a 2-D input_shape: rank 4
     * is what reduction_indices [1, 2] mean */
    int rank = na == 2 && axes[0] == 1 && axes[1] == 2 ? 4 : rin;
    const cJSON *kd = cJSON_GetObjectItemCaseSensitive(p, "keep_dims");
    int keep = kd ? cJSON_IsTrue(kd) || (cJSON_IsNumber(kd) && kd->valuedouble != 0)
                  : rout == rank;
    const char *next = sole_consumer_type(m, v);
    int spatial = rank == 4 && na == 2 && axes[0] == 1 && axes[1] == 2;
    if (spatial && (keep || (next && (ieq(next, "Reshape") || ieq(next, "Squeeze"))))) {
        int node = emit(m, i, "GlobalAveragePool", "");
        add_in(m, node, x);
        return;
    }
    int node = emit(m, i, "ReduceMean", "");
    add_in(m, node, x);
    for (int k = 0; k < na; k++)
        axes[k] = map_axis(axes[k], rank);
    if (na > 0)
        set_ints(m, node, "axes", axes, na);
    set_int(m, node, "keepdims", keep);
}

static void op_matmul(Imp *m, int i)
{
    const cJSON *v = m->nodes[i], *p = ir_params(v);
    int in[2];
    int n = inbounds(m, v, in, 2, 1);
    int64_t din[GRAPH_MAX_DIMS];
    int rin = ir_shape(v, "input_shape", 0, din);
    if (n == 2) {   /* two activations: a real MatMul */
        int node = emit(m, i, "MatMul", "");
        add_in(m, node, in[0]);
        add_in(m, node, in[1]);
        return;
    }
    int x = data_input(m, i);
    int64_t ws[2];
    if (p_ints(p, "weight_shape", ws, 2) != 2) {
        ws[0] = rin >= 1 ? din[rin - 1] : -1;
        ws[1] = ir_channels(v, "output_shape", 0);
    }
    int node = emit(m, i, rin == 2 ? "Gemm" : "MatMul", "");
    add_in(m, node, x);
    add_in(m, node, weights(m, v->string, ":weight", 2, ws));
}

static void op_reshape(Imp *m, int i)
{
    const cJSON *v = m->nodes[i], *p = ir_params(v);
    int x = data_input(m, i);
    int64_t s[GRAPH_MAX_DIMS];
    int r = p_ints(p, "shape", s, GRAPH_MAX_DIMS);
    if (r < 0)
        r = ir_shape(v, "output_shape", 0, s);
    if (r < 0) {
        fail(m, "node '%s' (Reshape): no target shape in the file", v->string);
        return;
    }
    dims_to_nchw(s, r);
    int node = emit(m, i, "Reshape", "");
    add_in(m, node, x);
    add_in(m, node, add_init_ints(m, v->string, ":shape", s, r));
}

static void op_squeeze(Imp *m, int i)
{
    const cJSON *v = m->nodes[i], *p = ir_params(v);
    int x = data_input(m, i);
    int64_t axes[GRAPH_MAX_DIMS], in[GRAPH_MAX_DIMS];
    int na = p_ints(p, "squeeze_dims", axes, GRAPH_MAX_DIMS);
    if (na < 0)
        na = p_ints(p, "axis", axes, GRAPH_MAX_DIMS);
    int rin = ir_shape(v, "input_shape", 0, in);
    int node = emit(m, i, "Squeeze", "");
    add_in(m, node, x);
    if (na > 0) {
        for (int k = 0; k < na; k++)
            axes[k] = map_axis(axes[k], rin);
        add_in(m, node, add_init_ints(m, v->string, ":axes", axes, na));
    }
}

static void op_concat(Imp *m, int i)
{
    const cJSON *v = m->nodes[i], *p = ir_params(v);
    int in[256];
    int n = inbounds(m, v, in, 256, 1);
    if (n < 1) {
        fail(m, "node '%s' (%s) has no input in the file", v->string, ir_type(v));
        return;
    }
    int64_t axis, d0[GRAPH_MAX_DIMS], dout[GRAPH_MAX_DIMS];
    int r0 = ir_shape(v, "input_shape", 0, d0), rout = ir_shape(v, "output_shape", 0, dout);
    if (p_ints(p, "axis", &axis, 1) != 1) {
        /* the axis the output grew along; the channel axis by default */
        axis = rout > 0 ? rout - 1 : -1;
        for (int d = 0; d < rout && d < r0; d++)
            if (d0[d] != dout[d] && d0[d] >= 0 && dout[d] >= 0)
                axis = d;
    }
    int rank = rout > 0 ? rout : r0;
    int node = emit(m, i, "Concat", "");
    for (int k = 0; k < n; k++)
        add_in(m, node, in[k]);
    set_int(m, node, "axis", rank > 0 ? map_axis(axis, rank) : axis);
}

static void op_transpose(Imp *m, int i)
{
    const cJSON *v = m->nodes[i], *p = ir_params(v);
    int x = data_input(m, i);
    int64_t perm[GRAPH_MAX_DIMS];
    int np = p_ints(p, "perm", perm, GRAPH_MAX_DIMS);
    int node = emit(m, i, "Transpose", "");
    add_in(m, node, x);
    if (np == 4) {
        /* out_nchw[a] = in_nchw[to_nchw(perm[to_nhwc(a)])] */
        int64_t q[4];
        for (int a = 0; a < 4; a++) {
            int64_t src = perm[nchw_to_nhwc[a]];
            q[a] = src >= 0 && src < 4 ? nhwc_to_nchw[src] : src;
        }
        set_ints(m, node, "perm", q, 4);
    } else if (np > 0) {
        set_ints(m, node, "perm", perm, np);
    }
}

static void op_custom(Imp *m, int i, const char *type)
{
    int in[64];
    int n = inbounds(m, m->nodes[i], in, 64, 0);
    int node = emit(m, i, type, "nnmeter");
    for (int k = 0; k < n; k++)
        add_in(m, node, in[k]);
    m->custom = 1;
}

/* ---- sources: inputs and constants --------------------------------------------- */

/* Whether some consumer of IR node i is an elementwise op on 4-D tensors
 * (a const there broadcasts along NHWC's channel, i.e. NCHW's axis 1). */
static int feeds_4d_elementwise(const Imp *m, const cJSON *v)
{
    static const char *const elementwise[] = {"Add", "AddV2", "Sub", "Mul", "RealDiv", "Div",
                                              "Maximum", "Minimum", "BiasAdd"};
    const cJSON *ob = cJSON_GetObjectItemCaseSensitive(v, "outbounds");
    for (const cJSON *e = cJSON_IsArray(ob) ? ob->child : NULL; e; e = e->next) {
        const char *s = cJSON_GetStringValue(e);
        int k = s ? ir_index(m, s) : -1;
        const char *t = k >= 0 ? ir_type(m->nodes[k]) : NULL;
        int64_t d[GRAPH_MAX_DIMS];
        if (!t || ir_shape(m->nodes[k], "output_shape", 0, d) != 4)
            continue;
        for (size_t j = 0; j < sizeof elementwise / sizeof *elementwise; j++)
            if (ieq(t, elementwise[j]))
                return 1;
    }
    return 0;
}

static void src_const(Imp *m, int i)
{
    const cJSON *v = m->nodes[i], *p = ir_params(v);
    Tensor *t = &m->g->tensors[i];
    int64_t d[GRAPH_MAX_DIMS];
    int r = p_ints(p, "tensor_shape", d, GRAPH_MAX_DIMS);
    if (r < 0)
        r = ir_shape(v, "output_shape", 0, d);
    if (r < 0)
        r = 0;
    for (int k = 0; k < r; k++)
        if (d[k] < 0) {
            fail(m, "node '%s' (Const): tensor_shape has an unknown dim", v->string);
            return;
        }
    /* a const broadcast against NHWC maps: pad to 4-D, then to NCHW */
    int nontrivial = 0;
    for (int k = 0; k < r; k++)
        nontrivial += d[k] != 1;
    int reordered = 0;
    if (r >= 1 && r < 4 && feeds_4d_elementwise(m, v)) {
        int64_t p4[4] = {1, 1, 1, 1};
        for (int k = 0; k < r; k++)
            p4[4 - r + k] = d[k];
        memcpy(d, p4, sizeof p4);
        r = 4;
    }
    if (r == 4) {
        dims_to_nchw(d, 4);
        reordered = nontrivial > 1;
    }
    t->is_initializer = 1;
    t->is_const = 1;
    const char *dt = p_str(p, "dtype");
    t->dtype = dt && strstr(dt, "int") ? DT_INT64 : DT_FLOAT;
    t->shape.ndim = r;
    int64_t numel = 1;
    for (int k = 0; k < r; k++) {
        t->shape.dims[k] = d[k];
        numel = d[k] && numel > INT64_MAX / d[k] ? -1 : numel * d[k];
        if (numel < 0) {
            fail(m, "node '%s' (Const): tensor_shape overflows", v->string);
            return;
        }
    }
    /* values, when small and not reordered by the layout change */
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(p, "constant");
    if (cJSON_IsNumber(c) && numel == 1) {
        double x = c->valuedouble;
        if (tensor_set_const_f(t, &x, 1))
            fail(m, "out of memory");
    } else if (cJSON_IsArray(c) && !reordered && numel <= GRAPH_MAX_CONST &&
               cJSON_GetArraySize(c) == numel) {
        double *vals = malloc((size_t)(numel ? numel : 1) * sizeof *vals);
        int ok = vals != NULL, k = 0;
        for (const cJSON *e = c->child; e && ok; e = e->next)
            ok = cJSON_IsNumber(e), vals[k++] = ok ? e->valuedouble : 0;
        if (ok && (t->dtype == DT_INT64 ? 0 : tensor_set_const_f(t, vals, numel)))
            fail(m, "out of memory");
        if (ok && t->dtype == DT_INT64) {
            int64_t *iv = malloc((size_t)(numel ? numel : 1) * sizeof *iv);
            for (int64_t j = 0; iv && j < numel; j++)
                iv[j] = fabs(vals[j]) < 9.2e18 ? (int64_t)vals[j] : 0;
            if (!iv || tensor_set_const_i(t, iv, numel))
                fail(m, "out of memory");
            free(iv);
        }
        free(vals);
    }
}

static int add_to_list(int **list, int *n, int t)
{
    int *p = realloc(*list, (size_t)(*n + 1) * sizeof *p);
    if (!p)
        return -1;
    *list = p;
    p[(*n)++] = t;
    return 0;
}

static void src_input(Imp *m, int i)
{
    const cJSON *v = m->nodes[i];
    Tensor *t = &m->g->tensors[i];
    int64_t d[GRAPH_MAX_DIMS];
    int r = p_ints(ir_params(v), "shape", d, GRAPH_MAX_DIMS);
    if (r < 0)
        r = ir_shape(v, "output_shape", 0, d);
    t->is_input = 1;
    t->dtype = DT_FLOAT;
    if (r < 0) {
        shape_unknown(&t->shape);
    } else {
        for (int k = 0; k < r; k++)
            d[k] = d[k] > 0 ? d[k] : -1;
        dims_to_nchw(d, r);
        t->shape.ndim = r;
        memcpy(t->shape.dims, d, (size_t)r * sizeof *d);
    }
    if (add_to_list(&m->g->inputs, &m->g->ninputs, i))
        fail(m, "out of memory");
}

/* ---- driver --------------------------------------------------------------------- */

typedef enum {
    K_INPUT, K_CONST, K_CONV, K_DWCONV, K_BN, K_BIAS, K_UNARY, K_RELU6, K_BINARY, K_AVGPOOL,
    K_MAXPOOL, K_MEAN, K_MATMUL, K_RESHAPE, K_SQUEEZE, K_CONCAT, K_TRANSPOSE
} Kind;

static const struct {
    const char *type;
    Kind kind;
    const char *onnx;
} types[] = {
    {"Placeholder", K_INPUT, NULL},     {"dummy", K_INPUT, NULL},
    {"Const", K_CONST, NULL},           {"Conv2D", K_CONV, NULL},
    {"DepthwiseConv2dNative", K_DWCONV, NULL},
    {"FusedBatchNorm", K_BN, NULL},     {"FusedBatchNormV3", K_BN, NULL},
    {"BatchNorm", K_BN, NULL},          {"BiasAdd", K_BIAS, NULL},
    {"Relu", K_UNARY, "Relu"},          {"Relu6", K_RELU6, NULL},
    {"Sigmoid", K_UNARY, "Sigmoid"},    {"Tanh", K_UNARY, "Tanh"},
    {"Softmax", K_UNARY, "Softmax"},    {"HardSwish", K_UNARY, "HardSwish"},
    {"hswish", K_UNARY, "HardSwish"},   {"Identity", K_UNARY, "Identity"},
    {"Add", K_BINARY, "Add"},           {"AddV2", K_BINARY, "Add"},
    {"AddN", K_BINARY, "Add"},          {"Sub", K_BINARY, "Sub"},
    {"Mul", K_BINARY, "Mul"},           {"RealDiv", K_BINARY, "Div"},
    {"Div", K_BINARY, "Div"},           {"Maximum", K_BINARY, "Max"},
    {"Minimum", K_BINARY, "Min"},       {"AvgPool", K_AVGPOOL, NULL},
    {"MaxPool", K_MAXPOOL, NULL},       {"Mean", K_MEAN, NULL},
    {"MatMul", K_MATMUL, NULL},         {"Dense", K_MATMUL, NULL},
    {"Reshape", K_RESHAPE, NULL},       {"Squeeze", K_SQUEEZE, NULL},
    {"ConcatV2", K_CONCAT, NULL},       {"Concat", K_CONCAT, NULL},
    {"Transpose", K_TRANSPOSE, NULL},
};

static void convert(Imp *m, int i)
{
    const char *type = ir_type(m->nodes[i]);
    for (size_t k = 0; k < sizeof types / sizeof *types; k++) {
        if (!ieq(type, types[k].type))
            continue;
        switch (types[k].kind) {
        case K_INPUT: src_input(m, i); return;
        case K_CONST: src_const(m, i); return;
        case K_CONV: op_conv(m, i, 0); return;
        case K_DWCONV: op_conv(m, i, 1); return;
        case K_BN: op_batchnorm(m, i); return;
        case K_BIAS: op_biasadd(m, i); return;
        case K_UNARY: op_unary(m, i, types[k].onnx); return;
        case K_RELU6: op_relu6(m, i); return;
        case K_BINARY: op_binary(m, i, types[k].onnx); return;
        case K_AVGPOOL: op_pool(m, i, 0); return;
        case K_MAXPOOL: op_pool(m, i, 1); return;
        case K_MEAN: op_mean(m, i); return;
        case K_MATMUL: op_matmul(m, i); return;
        case K_RESHAPE: op_reshape(m, i); return;
        case K_SQUEEZE: op_squeeze(m, i); return;
        case K_CONCAT: op_concat(m, i); return;
        case K_TRANSPOSE: op_transpose(m, i); return;
        }
    }
    op_custom(m, i, type);
}

/* A printable, bounded copy of a name for messages. */
static const char *shown(const char *s)
{
    return s ? s : "?";
}

static int add_opset(Graph *g, const char *domain, int64_t version)
{
    OpsetImport *p = realloc(g->opsets, (size_t)(g->nopsets + 1) * sizeof *p);
    if (!p)
        return -1;
    g->opsets = p;
    p[g->nopsets].domain = strdup(domain);
    p[g->nopsets].version = version;
    if (!p[g->nopsets].domain)
        return -1;
    g->nopsets++;
    return 0;
}

static Graph *import(const cJSON *ir, const char *name, char *err, size_t errlen)
{
    Imp m = {.ir = ir, .err = err, .errlen = errlen};
    m.g = graph_new();
    m.n = cJSON_GetArraySize(ir);
    m.nodes = calloc((size_t)(m.n ? m.n : 1), sizeof *m.nodes);
    if (!m.g || !m.nodes) {
        fail(&m, "out of memory");
        goto done;
    }
    if (m.n == 0) {
        fail(&m, "not an nn-Meter IR graph: the JSON object has no nodes");
        goto done;
    }
    m.g->name = strdup(name);
    m.g->producer = strdup("nn-Meter IR (JSON, NHWC; imported as NCHW)");
    if (!m.g->name || !m.g->producer || add_opset(m.g, "", 13)) {
        fail(&m, "out of memory");
        goto done;
    }
    /* pass 1: every node is an object with a type; tensor i is node i's */
    int i = 0;
    for (const cJSON *v = ir->child; v; v = v->next, i++) {
        m.nodes[i] = v;
        if (!cJSON_IsObject(v) || !v->string || !v->string[0]) {
            fail(&m, "not an nn-Meter IR graph: entry %d is not a named node object", i + 1);
            goto done;
        }
        const char *type = ir_type(v);
        if (!type || !type[0]) {
            fail(&m, "not an nn-Meter IR graph: node '%.200s' has no attr.type", v->string);
            goto done;
        }
        const cJSON *ib = cJSON_GetObjectItemCaseSensitive(v, "inbounds");
        if (ib && !cJSON_IsArray(ib)) {
            fail(&m, "node '%.200s': inbounds is not a list of names", v->string);
            goto done;
        }
        int t = graph_tensor(m.g, v->string);
        if (t < 0) {
            fail(&m, "out of memory");
            goto done;
        }
        if (t != i) {
            fail(&m, "node name '%.200s' appears twice", v->string);
            goto done;
        }
    }
    /* pass 2: sources, then ops (consts and inputs first: ops read them) */
    for (i = 0; i < m.n && !m.failed; i++) {
        const char *type = ir_type(m.nodes[i]);
        if (ieq(type, "Const") || ieq(type, "Placeholder") || ieq(type, "dummy"))
            convert(&m, i);
    }
    for (i = 0; i < m.n && !m.failed; i++) {
        const char *type = ir_type(m.nodes[i]);
        if (!(ieq(type, "Const") || ieq(type, "Placeholder") || ieq(type, "dummy")))
            convert(&m, i);
    }
    if (m.failed)
        goto done;
    if (m.g->ninputs == 0) {
        fail(&m, "the nn-Meter IR graph has no Placeholder node (its input)");
        goto done;
    }
    /* outputs: op nodes nothing in the file reads */
    int *read = calloc((size_t)m.g->ntensors, sizeof *read);
    if (!read) {
        fail(&m, "out of memory");
        goto done;
    }
    for (int k = 0; k < m.g->nnodes; k++)
        for (int j = 0; j < m.g->nodes[k].ninputs; j++)
            if (m.g->nodes[k].inputs[j] >= 0)
                read[m.g->nodes[k].inputs[j]] = 1;
    for (int k = 0; k < m.g->nnodes && !m.failed; k++) {
        int t = m.g->nodes[k].outputs[0];
        if (!read[t]) {
            m.g->tensors[t].is_output = 1;
            if (add_to_list(&m.g->outputs, &m.g->noutputs, t))
                fail(&m, "out of memory");
        }
    }
    free(read);
    if (!m.failed && m.g->noutputs == 0)
        fail(&m, "the nn-Meter IR graph has no output (every node feeds another: a cycle)");
    if (!m.failed && m.custom && add_opset(m.g, "nnmeter", 1))
        fail(&m, "out of memory");
    int cyc = -1;
    if (!m.failed && graph_toposort(m.g, &cyc))
        fail(&m, "the graph has a cycle through node '%.200s'",
             cyc >= 0 ? shown(m.g->nodes[cyc].name) : "?");
    if (!m.failed && graph_unique_names(m.g))
        fail(&m, "out of memory");
done:
    free(m.nodes);
    if (m.failed) {
        graph_free(m.g);
        return NULL;
    }
    return m.g;
}

int nnmeter_ir_sniff(const void *buf, size_t len)
{
    const unsigned char *p = buf;
    size_t i = 0;
    if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
        i = 3; /* UTF-8 byte order mark */
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
        i++;
    return i < len && (p[i] == '{' || p[i] == '[');
}

int nnmeter_ir_sniff_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    unsigned char buf[256];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return nnmeter_ir_sniff(buf, n);
}

/* The IR object of a parsed document: the graph itself, or a benchmark
 * dataset record {"id": ..., "graph": {...}, "<device>": latency}. */
static const cJSON *graph_of(const cJSON *doc, const char **id)
{
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(doc, "graph");
    if (cJSON_IsObject(g) && !cJSON_GetObjectItemCaseSensitive(g, "attr")) {
        const cJSON *i = cJSON_GetObjectItemCaseSensitive(doc, "id");
        if (cJSON_IsString(i))
            *id = i->valuestring;
        return g;
    }
    return doc;
}

Graph *nnmeter_ir_load_buffer(const void *buf, size_t len, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
    if (!doc) {
        const char *at = cJSON_GetErrorPtr();
        long off = at && at >= (const char *)buf && at <= (const char *)buf + len
                       ? (long)(at - (const char *)buf) : -1;
        if (off >= 0)
            snprintf(err, errlen, "not an nn-Meter IR graph: invalid JSON at byte %ld", off);
        else
            snprintf(err, errlen, "not an nn-Meter IR graph: invalid JSON");
        return NULL;
    }
    if (!cJSON_IsObject(doc)) {
        snprintf(err, errlen, "not an nn-Meter IR graph: the JSON is not an object of nodes");
        cJSON_Delete(doc);
        return NULL;
    }
    const char *id = "nnmeter_ir";
    const cJSON *ir = graph_of(doc, &id);
    Graph *g = import(ir, id, err, errlen);
    /* a dataset file holds one record per line: the first is shown */
    size_t used = end ? (size_t)(end - (const char *)buf) : len;
    const char *rest = (const char *)buf + used;
    while (used < len && isspace((unsigned char)*rest))
        rest++, used++;
    if (g && used < len)
        graph_note(g, "the file holds more JSON after the first graph (a dataset with one "
                   "graph per line?): only the first was read");
    cJSON_Delete(doc);
    return g;
}

Graph *nnmeter_ir_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "'%s' is not a regular file", path);
        fclose(f);
        return NULL;
    }
    if ((unsigned long long)st.st_size > IR_MAX_BYTES) {
        snprintf(err, errlen, "%s: a %lld-byte JSON file is too big for an nn-Meter IR graph",
                 path, (long long)st.st_size);
        fclose(f);
        return NULL;
    }
    size_t len = (size_t)st.st_size;
    char *buf = malloc(len ? len : 1);
    if (!buf || fread(buf, 1, len, f) != len) {
        snprintf(err, errlen, "cannot read '%s': %s", path, buf ? strerror(errno) : "out of memory");
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    char inner[400];
    Graph *g = nnmeter_ir_load_buffer(buf, len, inner, sizeof inner);
    free(buf);
    if (!g) {
        snprintf(err, errlen, "%s: %s", path, inner);
        return NULL;
    }
    /* name the graph after the file, as ONNX graphs carry a name */
    if (g->name && strcmp(g->name, "nnmeter_ir") == 0) {
        const char *base = strrchr(path, '/');
        char *nm = strdup(base ? base + 1 : path);
        if (nm) {
            char *dot = strstr(nm, ".json");
            if (dot)
                *dot = 0;
            free(g->name);
            g->name = nm;
        }
    }
    return g;
}
