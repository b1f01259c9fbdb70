/* shape_infer.c -- output shapes, dtypes and small constant values for every
 * node (see shape_infer.h).
 *
 * Why: costs need concrete shapes, and exporters hide many of them behind
 * little integer subgraphs (Shape -> Gather -> Unsqueeze -> Concat ->
 * Reshape).  So besides shapes we fold small constant tensors, which turns
 * those Reshape targets into known values.
 *
 * How: one rule per op in OPS[] (op name -> infer function).  A rule reads
 * its inputs' shapes and values and writes its outputs'.  It returns OK, or
 * BAD after adding a note when the inputs disagree (the outputs are then
 * reset to unknown).  Dim arithmetic goes through add64()/mul64(), which flag
 * an int64 overflow; the driver turns that into the one fatal error.
 *
 * Every attribute and every constant is treated as hostile (this code is
 * fuzzed): lengths are checked before indexing, divisors before dividing,
 * and a result rank above GRAPH_MAX_DIMS becomes an unknown shape.
 *
 * Where an op moved an argument from an attribute to an input across opset
 * versions (Reshape, Squeeze, Split, Slice, Pad, Reduce*, TopK...), we take
 * whichever form the node actually carries, so a model with a slightly wrong
 * opset_import still works.  The opset version decides only where the two
 * forms mean different things (Resize-10 vs 11 inputs, Split-18 uneven
 * chunks, legacy broadcast before opset 7...).
 */
#include "shape_infer.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- context ----------------------------------------------------------- */

enum { OK = 0, BAD = 1 };

typedef struct {
    Graph *g;
    Node *n;
    int64_t opset;      /* default-domain opset version */
    int arg;            /* the rule's variant: which fold op, which reduce... */
    int overflow;       /* a dim computation overflowed int64 */
    Shape none;         /* what an omitted input's shape reads as */
} Ctx;

typedef int (*InferFn)(Ctx *c);

typedef struct {
    const char *op;
    InferFn fn;
    int arg;
} OpRule;

static Tensor *in_t(Ctx *c, int k) { return node_in(c->g, c->n, k); }
static Tensor *out_t(Ctx *c, int k) { return node_out(c->g, c->n, k); }

static const Shape *in_s(Ctx *c, int k)
{
    Tensor *t = in_t(c, k);
    return t ? &t->shape : &c->none;
}

static int in_dt(Ctx *c, int k)
{
    Tensor *t = in_t(c, k);
    return t ? t->dtype : DT_UNDEFINED;
}

static void set_out(Ctx *c, int k, const Shape *s)
{
    Tensor *t = out_t(c, k);
    if (t)
        t->shape = *s;
}

static void set_dt(Ctx *c, int k, int dt)
{
    Tensor *t = out_t(c, k);
    if (t)
        t->dtype = dt;
}

/* A shape of known rank whose dims are all unknown (yet). */
static void shape_rank(Shape *s, int ndim)
{
    shape_unknown(s);
    s->ndim = ndim;
}

/* Notes why a node's outputs stay unknown; returns BAD for the rule. */
__attribute__((format(printf, 2, 3)))
static int bad(Ctx *c, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    graph_note(c->g, "node '%s' (%s): %s; outputs left unknown",
               c->n->name, c->n->op, msg);
    return BAD;
}

/* Checked dim arithmetic: an overflow sets c->overflow (fatal later). */
static int64_t add64(Ctx *c, int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r)) {
        c->overflow = 1;
        return 1;
    }
    return r;
}

static int64_t mul64(Ctx *c, int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r)) {
        c->overflow = 1;
        return 1;
    }
    return r;
}

/* Product of dims [from, to): 0 if any is 0, else -1 if any is unknown. */
static int64_t dims_prod(Ctx *c, const Shape *s, int from, int to)
{
    int64_t p = 1;
    int unknown = 0;
    for (int i = from; i < to; i++) {
        if (s->dims[i] == 0)
            return 0;
        if (s->dims[i] < 0)
            unknown = 1;
        else if (!unknown)
            p = mul64(c, p, s->dims[i]);
    }
    return unknown ? -1 : p;
}

/* Maps a possibly negative axis into [0, rank); -1 when out of range. */
static int norm_axis(int64_t axis, int rank)
{
    if (axis < 0)
        axis += rank;
    return (axis >= 0 && axis < rank) ? (int)axis : -1;
}

static int64_t default_opset(const Graph *g)
{
    for (int i = 0; i < g->nopsets; i++) {
        const char *d = g->opsets[i].domain;
        if (!d || !d[0] || strcmp(d, "ai.onnx") == 0)
            return g->opsets[i].version;
    }
    return 1;   /* ONNX: no import of the default domain means opset 1 */
}

/* ---- constant values --------------------------------------------------- */

static int dt_is_int(int dt)
{
    switch (dt) {
    case DT_UINT8: case DT_INT8: case DT_UINT16: case DT_INT16:
    case DT_INT32: case DT_INT64: case DT_BOOL: case DT_UINT32:
    case DT_UINT64:
        return 1;
    default:
        return 0;
    }
}

static int dt_is_float(int dt)
{
    return dt == DT_FLOAT || dt == DT_DOUBLE || dt == DT_FLOAT16 ||
           dt == DT_BFLOAT16;
}

/* True when t's values are known, small, and agree with its shape -- the
 * only condition under which a rule may index them. */
static int has_vals(const Tensor *t)
{
    if (!t || !t->is_const || !t->val.i == !t->val.f)
        return 0;
    if (t->val.n < 0 || t->val.n > GRAPH_MAX_CONST)
        return 0;
    return shape_known(&t->shape) && shape_numel(&t->shape) == t->val.n;
}

static double val_f(const Tensor *t, int64_t k)
{
    return t->val.f ? t->val.f[k] : (double)t->val.i[k];
}

/* C-cast semantics (truncation) for doubles that fit int64; -1 otherwise. */
static int f2i(double f, int64_t *out)
{
    if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0))
        return -1;
    *out = (int64_t)f;
    return 0;
}

/* t's values as integers; the count, or -1 when unknown, non-integral or
 * more than max. */
static int read_ints(const Tensor *t, int64_t *out, int max)
{
    if (!has_vals(t) || t->val.n > max)
        return -1;
    for (int64_t k = 0; k < t->val.n; k++) {
        if (t->val.i)
            out[k] = t->val.i[k];
        else if (t->val.f[k] != floor(t->val.f[k]) || f2i(t->val.f[k], &out[k]))
            return -1;
    }
    return (int)t->val.n;
}

static int read_floats(const Tensor *t, double *out, int max)
{
    if (!has_vals(t) || t->val.n > max)
        return -1;
    for (int64_t k = 0; k < t->val.n; k++)
        out[k] = val_f(t, k);
    return (int)t->val.n;
}

static int attr_floats(const Node *n, const char *name, double *out, int max)
{
    const Attr *a = node_attr(n, name);
    if (!a)
        return -1;
    if (a->type == ATTR_FLOAT) {
        if (max > 0)
            out[0] = a->f;
        return 1;
    }
    if (a->type != ATTR_FLOATS || a->n < 0 || (a->n > 0 && !a->floats))
        return -1;
    for (int i = 0; i < a->n && i < max; i++)
        out[i] = a->floats[i];
    return a->n;
}

enum { LIST_ABSENT = -1, LIST_UNKNOWN = -2, LIST_LONG = -3 };

/* An int list that is input k in newer opsets and attribute attr in older
 * ones (either may be absent: k < 0 or attr NULL).  Returns the count,
 * LIST_ABSENT, LIST_UNKNOWN (an input whose values are not known) or
 * LIST_LONG (more than max values). */
static int int_list(Ctx *c, int k, const char *attr, int64_t *out, int max)
{
    Tensor *t = k >= 0 ? in_t(c, k) : NULL;
    if (t) {
        if (!has_vals(t))
            return LIST_UNKNOWN;
        if (t->val.n > max)
            return LIST_LONG;
        int n = read_ints(t, out, max);
        return n < 0 ? LIST_UNKNOWN : n;
    }
    if (!attr)
        return LIST_ABSENT;
    int n = node_attr_ints(c->n, attr, out, max);
    return n > max ? LIST_LONG : n;
}

static int int_fits(int dt, int64_t v)
{
    switch (dt) {
    case DT_BOOL: return v == 0 || v == 1;
    case DT_INT8: return v >= INT8_MIN && v <= INT8_MAX;
    case DT_UINT8: return v >= 0 && v <= UINT8_MAX;
    case DT_INT16: return v >= INT16_MIN && v <= INT16_MAX;
    case DT_UINT16: return v >= 0 && v <= UINT16_MAX;
    case DT_INT32: return v >= INT32_MIN && v <= INT32_MAX;
    case DT_UINT32: return v >= 0 && v <= (int64_t)UINT32_MAX;
    case DT_UINT64: return v >= 0;
    default: return 1;
    }
}

/* Stores n folded values (ints in iv, or doubles in fv) into t as type dt,
 * converting like Cast.  A value dt cannot hold leaves t unfolded: a wrong
 * constant is worse than none. */
static void store(Tensor *t, int dt, const int64_t *iv, const double *fv,
                  int64_t n)
{
    if (!t || n < 0 || n > GRAPH_MAX_CONST || (!iv && !fv))
        return;
    size_t cnt = (size_t)(n > 0 ? n : 1);
    if (dt_is_int(dt) || (dt == DT_UNDEFINED && iv)) {
        int64_t *buf = malloc(cnt * sizeof *buf);
        if (!buf)
            return;
        int ok = 1;
        for (int64_t k = 0; k < n && ok; k++) {
            int64_t v = 0;
            if (iv)
                v = iv[k];
            else if (dt == DT_BOOL)
                v = fv[k] != 0;
            else if (f2i(fv[k], &v))
                ok = 0;
            if (dt == DT_BOOL)
                v = v != 0;
            else if (!int_fits(dt, v))
                ok = 0;
            buf[k] = v;
        }
        if (ok)
            tensor_set_const_i(t, buf, n);
        free(buf);
    } else if (dt_is_float(dt) || dt == DT_UNDEFINED) {
        double *buf = malloc(cnt * sizeof *buf);
        if (!buf)
            return;
        for (int64_t k = 0; k < n; k++) {
            double v = fv ? fv[k] : (double)iv[k];
            if (dt == DT_FLOAT && fabs(v) <= FLT_MAX)
                v = (float)v;
            buf[k] = v;
        }
        tensor_set_const_f(t, buf, n);
        free(buf);
    }
    /* strings and exotic types are never folded */
}

/* Output k takes input 0's values unchanged (converted to dt). */
static void fold_copy(Ctx *c, int k, int dt)
{
    Tensor *x = in_t(c, 0), *o = out_t(c, k);
    if (!o || !has_vals(x) || !shape_known(&o->shape) ||
        shape_numel(&o->shape) != x->val.n)
        return;
    store(o, dt, x->val.i, x->val.f, x->val.n);
}

/* Output k = src values picked by map (map[e]: flat index into src). */
static void fold_pick(Ctx *c, int k, const Tensor *src, const int64_t *map,
                      int64_t n)
{
    Tensor *o = out_t(c, k);
    if (!o || n < 0 || n > GRAPH_MAX_CONST)
        return;
    size_t cnt = (size_t)(n > 0 ? n : 1);
    int64_t *iv = src->val.i ? malloc(cnt * sizeof *iv) : NULL;
    double *fv = src->val.i ? NULL : malloc(cnt * sizeof *fv);
    if (!iv && !fv)
        return;
    for (int64_t e = 0; e < n; e++) {
        int64_t m = map[e];
        if (m < 0 || m >= src->val.n)
            goto out;
        if (iv)
            iv[e] = src->val.i[m];
        else
            fv[e] = src->val.f[m];
    }
    store(o, o->dtype, iv, fv, n);
out:
    free(iv);
    free(fv);
}

/* Element count of out k when it is known and small enough to fold. */
static int64_t fold_count(Ctx *c, int k)
{
    Tensor *o = out_t(c, k);
    if (!o || !shape_known(&o->shape))
        return -1;
    int64_t n = shape_numel(&o->shape);
    return (n >= 0 && n <= GRAPH_MAX_CONST) ? n : -1;
}

static int64_t *map_alloc(int64_t n)
{
    return malloc((size_t)(n > 0 ? n : 1) * sizeof(int64_t));
}

/* Row-major flat index <-> multi-index (dims must all be > 0). */
static void unflatten(const Shape *s, int64_t e, int64_t *idx)
{
    for (int d = s->ndim - 1; d >= 0; d--) {
        idx[d] = e % s->dims[d];
        e /= s->dims[d];
    }
}

static int64_t flatten_idx(const Shape *s, const int64_t *idx)
{
    int64_t e = 0;
    for (int d = 0; d < s->ndim; d++)
        e = e * s->dims[d] + idx[d];
    return e;
}

/* True when in broadcasts to out: right-aligned, each dim equal or 1. */
static int bcast_ok(const Shape *out, const Shape *in)
{
    if (!shape_known(in) || !shape_known(out) || in->ndim > out->ndim)
        return 0;
    for (int i = 1; i <= in->ndim; i++) {
        int64_t d = in->dims[in->ndim - i], od = out->dims[out->ndim - i];
        if (d != od && d != 1)
            return 0;
    }
    return 1;
}

/* Flat index into in for flat output index e (bcast_ok must hold). */
static int64_t bcast_index(const Shape *out, const Shape *in, int64_t e)
{
    int64_t ii = 0, stride = 1;
    for (int d = out->ndim - 1, j = in->ndim - 1; d >= 0 && j >= 0; d--, j--) {
        int64_t pos = e % out->dims[d];
        e /= out->dims[d];
        if (in->dims[j] != 1)
            ii += pos * stride;
        stride *= in->dims[j];
    }
    return ii;
}

/* Fold ops for elementwise arithmetic (the rule's arg). */
enum {
    F_NONE, F_ADD, F_SUB, F_MUL, F_DIV, F_MIN, F_MAX, F_EQ, F_LESS,
    F_GREATER, F_NEG, F_ABS, F_IDENT
};

static int op_int(int op, int64_t a, int64_t b, int64_t *r)
{
    switch (op) {
    case F_ADD: return __builtin_add_overflow(a, b, r) ? -1 : 0;
    case F_SUB: return __builtin_sub_overflow(a, b, r) ? -1 : 0;
    case F_MUL: return __builtin_mul_overflow(a, b, r) ? -1 : 0;
    case F_DIV:
        /* ONNX integer Div truncates toward zero, like C */
        if (b == 0 || (a == INT64_MIN && b == -1))
            return -1;
        *r = a / b;
        return 0;
    case F_MIN: *r = a < b ? a : b; return 0;
    case F_MAX: *r = a > b ? a : b; return 0;
    case F_EQ: *r = a == b; return 0;
    case F_LESS: *r = a < b; return 0;
    case F_GREATER: *r = a > b; return 0;
    default: return -1;
    }
}

static double op_float(int op, double a, double b)
{
    switch (op) {
    case F_ADD: return a + b;
    case F_SUB: return a - b;
    case F_MUL: return a * b;
    case F_DIV: return a / b;
    case F_MIN: return a < b ? a : b;
    case F_MAX: return a > b ? a : b;
    case F_EQ: return a == b;
    case F_LESS: return a < b;
    case F_GREATER: return a > b;
    default: return NAN;
    }
}

/* Folds a broadcasting n-ary op, left to right over the inputs. */
static void fold_nary(Ctx *c, int op)
{
    int nin = c->n->ninputs;
    int64_t n = fold_count(c, 0);
    if (op == F_NONE || nin < 1 || n < 0)
        return;
    Tensor *o = out_t(c, 0);
    int ints = 1;
    for (int k = 0; k < nin; k++) {
        Tensor *t = in_t(c, k);
        if (!has_vals(t) || !bcast_ok(&o->shape, &t->shape))
            return;
        if (!t->val.i)
            ints = 0;
    }
    size_t cnt = (size_t)(n > 0 ? n : 1);
    int64_t *iv = ints ? malloc(cnt * sizeof *iv) : NULL;
    double *fv = ints ? NULL : malloc(cnt * sizeof *fv);
    if (!iv && !fv)
        return;
    for (int64_t e = 0; e < n; e++) {
        Tensor *t0 = in_t(c, 0);
        int64_t i0 = bcast_index(&o->shape, &t0->shape, e);
        int64_t ai = ints ? t0->val.i[i0] : 0;
        double af = ints ? 0 : val_f(t0, i0);
        for (int k = 1; k < nin; k++) {
            Tensor *t = in_t(c, k);
            int64_t ik = bcast_index(&o->shape, &t->shape, e);
            if (ints) {
                if (op_int(op, ai, t->val.i[ik], &ai))
                    goto out;
            } else {
                af = op_float(op, af, val_f(t, ik));
            }
        }
        if (ints)
            iv[e] = ai;
        else
            fv[e] = af;
    }
    store(o, o->dtype, iv, fv, n);
out:
    free(iv);
    free(fv);
}

static void fold_unary(Ctx *c, int op)
{
    Tensor *x = in_t(c, 0), *o = out_t(c, 0);
    if (op == F_IDENT) {
        fold_copy(c, 0, o ? o->dtype : DT_UNDEFINED);
        return;
    }
    if ((op != F_NEG && op != F_ABS) || !o || !has_vals(x) ||
        fold_count(c, 0) != x->val.n)
        return;
    int64_t n = x->val.n;
    size_t cnt = (size_t)(n > 0 ? n : 1);
    int64_t *iv = x->val.i ? malloc(cnt * sizeof *iv) : NULL;
    double *fv = x->val.i ? NULL : malloc(cnt * sizeof *fv);
    if (!iv && !fv)
        return;
    for (int64_t e = 0; e < n; e++) {
        if (iv) {
            int64_t v = x->val.i[e];
            if (v == INT64_MIN)
                goto out;
            iv[e] = (op == F_NEG || v < 0) ? -v : v;
        } else {
            double v = x->val.f[e];
            fv[e] = op == F_NEG ? -v : fabs(v);
        }
    }
    store(o, o->dtype, iv, fv, n);
out:
    free(iv);
    free(fv);
}

/* ---- elementwise ------------------------------------------------------- */

/* Output 0 has input 0's shape (activations, normalizations...). */
static int infer_same(Ctx *c)
{
    set_out(c, 0, in_s(c, 0));
    fold_unary(c, c->arg);
    return OK;
}

static int infer_bool_unary(Ctx *c)
{
    set_out(c, 0, in_s(c, 0));
    set_dt(c, 0, DT_BOOL);
    return OK;
}

/* numpy multidirectional broadcasting.  An unknown dim takes the other
 * side's dim unless that is 1.  -1 when two known dims clash. */
static int broadcast(Shape *out, const Shape *a, const Shape *b)
{
    if (a->ndim < 0 || b->ndim < 0) {
        shape_unknown(out);
        return 0;
    }
    int r = a->ndim > b->ndim ? a->ndim : b->ndim;
    Shape o;
    shape_rank(&o, r);
    for (int i = 0; i < r; i++) {
        int ia = i - (r - a->ndim), ib = i - (r - b->ndim);
        int64_t da = ia >= 0 ? a->dims[ia] : 1;
        int64_t db = ib >= 0 ? b->dims[ib] : 1;
        if (da == db || db == 1)
            o.dims[i] = da;
        else if (da == 1)
            o.dims[i] = db;
        else if (da < 0)
            o.dims[i] = db;
        else if (db < 0)
            o.dims[i] = da;
        else
            return -1;
    }
    *out = o;
    return 0;
}

/* Broadcast shape of every present input into out. */
static int broadcast_inputs(Ctx *c, Shape *out)
{
    int seen = 0;
    for (int k = 0; k < c->n->ninputs; k++) {
        const Shape *s = in_s(c, k);
        if (!in_t(c, k))
            continue;
        if (!seen) {
            *out = *s;
            seen = 1;
            continue;
        }
        Shape prev = *out;
        if (broadcast(out, &prev, s) < 0) {
            char a[96], b[96];
            shape_format(&prev, a, sizeof a);
            shape_format(s, b, sizeof b);
            return bad(c, "shapes %s and %s do not broadcast", a, b);
        }
    }
    if (!seen)
        return bad(c, "no inputs");
    return OK;
}

/* Add/Sub/Mul/Div/Pow/Max/Min/Sum/Mean...: output dtype of input 0. */
static int infer_bcast(Ctx *c)
{
    /* Before opset 7, broadcast=1 meant B is aligned to A at `axis`:
     * the output is always A's shape. */
    if (c->opset < 7 && node_attr_int(c->n, "broadcast", 0)) {
        set_out(c, 0, in_s(c, 0));
        return OK;
    }
    Shape o;
    if (broadcast_inputs(c, &o) != OK)
        return BAD;
    set_out(c, 0, &o);
    fold_nary(c, c->arg);
    return OK;
}

/* Equal/Less/Greater/And/Or...: broadcast, bool output. */
static int infer_compare(Ctx *c)
{
    set_dt(c, 0, DT_BOOL);
    if (c->opset < 7 && node_attr_int(c->n, "broadcast", 0)) {
        set_out(c, 0, in_s(c, 0));
        return OK;
    }
    Shape o;
    if (broadcast_inputs(c, &o) != OK)
        return BAD;
    set_out(c, 0, &o);
    fold_nary(c, c->arg);
    return OK;
}

static int infer_where(Ctx *c)
{
    Shape o;
    if (broadcast_inputs(c, &o) != OK)
        return BAD;
    set_out(c, 0, &o);
    set_dt(c, 0, in_dt(c, 1));
    int64_t n = fold_count(c, 0);
    Tensor *cond = in_t(c, 0), *x = in_t(c, 1), *y = in_t(c, 2), *out = out_t(c, 0);
    if (n < 0 || !has_vals(cond) || !has_vals(x) || !has_vals(y) ||
        !bcast_ok(&o, &cond->shape) || !bcast_ok(&o, &x->shape) ||
        !bcast_ok(&o, &y->shape))
        return OK;
    int ints = x->val.i && y->val.i;
    size_t cnt = (size_t)(n > 0 ? n : 1);
    int64_t *iv = ints ? malloc(cnt * sizeof *iv) : NULL;
    double *fv = ints ? NULL : malloc(cnt * sizeof *fv);
    if (iv || fv) {
        for (int64_t e = 0; e < n; e++) {
            int pick = val_f(cond, bcast_index(&o, &cond->shape, e)) != 0;
            Tensor *src = pick ? x : y;
            int64_t i = bcast_index(&o, &src->shape, e);
            if (ints)
                iv[e] = src->val.i[i];
            else
                fv[e] = val_f(src, i);
        }
        store(out, out->dtype, iv, fv, n);
    }
    free(iv);
    free(fv);
    return OK;
}

/* PRelu: slope broadcasts to X one way; the output is X. */
static int infer_prelu(Ctx *c)
{
    Shape o;
    if (broadcast(&o, in_s(c, 0), in_s(c, 1)) < 0)
        return bad(c, "slope does not broadcast to the input");
    set_out(c, 0, in_s(c, 0));
    return OK;
}

static int infer_cast(Ctx *c)
{
    int64_t to = node_attr_int(c->n, "to", DT_UNDEFINED);
    int dt = (to >= 0 && to <= 64) ? (int)to : DT_UNDEFINED;
    set_out(c, 0, in_s(c, 0));
    set_dt(c, 0, dt);
    fold_copy(c, 0, dt);
    return OK;
}

static int infer_castlike(Ctx *c)
{
    set_out(c, 0, in_s(c, 0));
    set_dt(c, 0, in_dt(c, 1));
    fold_copy(c, 0, in_dt(c, 1));
    return OK;
}

/* Dropout: output 0 is X; the optional mask too (bool from opset 10). */
static int infer_dropout(Ctx *c)
{
    set_out(c, 0, in_s(c, 0));
    set_out(c, 1, in_s(c, 0));
    if (c->opset >= 10)
        set_dt(c, 1, DT_BOOL);
    fold_copy(c, 0, in_dt(c, 0));
    return OK;
}

/* ---- normalization ----------------------------------------------------- */

/* BatchNormalization: Y is X; training outputs (mean, var...) are [C]. */
static int infer_batchnorm(Ctx *c)
{
    const Shape *x = in_s(c, 0);
    set_out(c, 0, x);
    Shape ch;
    shape_rank(&ch, 1);
    if (x->ndim >= 2)
        ch.dims[0] = x->dims[1];
    for (int k = 1; k < c->n->noutputs; k++)
        set_out(c, k, &ch);
    return OK;
}

/* LayerNormalization: Y is X; Mean and InvStdDev keep dims before axis and
 * are 1 from axis on. */
static int infer_layernorm(Ctx *c)
{
    const Shape *x = in_s(c, 0);
    set_out(c, 0, x);
    if (x->ndim < 0)
        return OK;
    int axis = norm_axis(node_attr_int(c->n, "axis", -1), x->ndim);
    if (axis < 0)
        return bad(c, "axis out of range for rank %d", x->ndim);
    Shape st = *x;
    for (int d = axis; d < st.ndim; d++)
        st.dims[d] = 1;
    for (int k = 1; k < 3; k++) {
        set_out(c, k, &st);
        set_dt(c, k, DT_FLOAT);
    }
    return OK;
}

/* ---- conv and pooling windows ------------------------------------------ */

enum { PAD_NOTSET, PAD_SAME_UPPER, PAD_SAME_LOWER, PAD_VALID };

typedef struct {
    int k;                                 /* spatial dims */
    int64_t kernel[GRAPH_MAX_DIMS];        /* -1: unknown (weight unknown) */
    int64_t stride[GRAPH_MAX_DIMS];
    int64_t dil[GRAPH_MAX_DIMS];
    int64_t pad_b[GRAPH_MAX_DIMS], pad_e[GRAPH_MAX_DIMS];
    int auto_pad;
    int ceil_mode;
} Window;

/* Reads a positive per-spatial-dim attribute (strides, dilations). */
static int window_ints(Ctx *c, const char *name, int k, int64_t *out)
{
    int64_t buf[GRAPH_MAX_DIMS];
    int n = node_attr_ints(c->n, name, buf, GRAPH_MAX_DIMS);
    for (int i = 0; i < k; i++)
        out[i] = 1;
    if (n < 0)
        return OK;
    if (n != k)
        return bad(c, "%s has %d values for %d spatial dims", name, n, k);
    for (int i = 0; i < k; i++) {
        if (buf[i] < 1)
            return bad(c, "%s[%d] is %lld", name, i, (long long)buf[i]);
        out[i] = buf[i];
    }
    return OK;
}

/* kernel_shape/strides/dilations/pads/auto_pad/ceil_mode for k spatial
 * dims.  The kernel comes from kernel_shape, else from the weight's dims
 * 2.. (w may be NULL for pools, which must have kernel_shape). */
static int read_window(Ctx *c, int k, const Shape *w, Window *win)
{
    memset(win, 0, sizeof *win);
    win->k = k;
    int64_t buf[2 * GRAPH_MAX_DIMS];
    int n = node_attr_ints(c->n, "kernel_shape", buf, GRAPH_MAX_DIMS);
    for (int i = 0; i < k; i++)
        win->kernel[i] = -1;
    if (n >= 0) {
        if (n != k)
            return bad(c, "kernel_shape has %d values for %d spatial dims", n, k);
        for (int i = 0; i < k; i++)
            win->kernel[i] = buf[i];
    } else if (!w) {
        return bad(c, "no kernel_shape");
    } else if (w->ndim == k + 2) {
        for (int i = 0; i < k; i++)
            win->kernel[i] = w->dims[2 + i];
    }
    for (int i = 0; i < k; i++)
        if (win->kernel[i] == 0 || win->kernel[i] < -1)
            return bad(c, "kernel dim %d is %lld", i, (long long)win->kernel[i]);
    if (window_ints(c, "strides", k, win->stride) != OK ||
        window_ints(c, "dilations", k, win->dil) != OK)
        return BAD;
    n = node_attr_ints(c->n, "pads", buf, 2 * GRAPH_MAX_DIMS);
    if (n >= 0 && n != 2 * k)
        return bad(c, "pads has %d values for %d spatial dims", n, k);
    for (int i = 0; i < k && n >= 0; i++) {
        if (buf[i] < 0 || buf[k + i] < 0)
            return bad(c, "negative pads");
        win->pad_b[i] = buf[i];
        win->pad_e[i] = buf[k + i];
    }
    const char *ap = node_attr_str(c->n, "auto_pad", "NOTSET");
    if (!strcmp(ap, "NOTSET") || !ap[0])
        win->auto_pad = PAD_NOTSET;
    else if (!strcmp(ap, "SAME_UPPER"))
        win->auto_pad = PAD_SAME_UPPER;
    else if (!strcmp(ap, "SAME_LOWER"))
        win->auto_pad = PAD_SAME_LOWER;
    else if (!strcmp(ap, "VALID"))
        win->auto_pad = PAD_VALID;
    else
        return bad(c, "auto_pad '%.40s'", ap);
    win->ceil_mode = node_attr_int(c->n, "ceil_mode", 0) != 0;
    return OK;
}

/* One spatial output dim of a Conv or pool (the ONNX formulas).  -1 when
 * unknown, -2 when the window does not fit in the (padded) input. */
static int64_t window_out(Ctx *c, const Window *w, int i, int64_t in)
{
    int64_t s = w->stride[i];
    if (in < 0)
        return -1;
    if (w->auto_pad == PAD_SAME_UPPER || w->auto_pad == PAD_SAME_LOWER)
        return in == 0 ? 0 : (in - 1) / s + 1;           /* ceil(in / s) */
    if (w->kernel[i] < 0)
        return -1;
    int64_t ek = add64(c, mul64(c, w->kernel[i] - 1, w->dil[i]), 1);
    int64_t pb = w->auto_pad == PAD_VALID ? 0 : w->pad_b[i];
    int64_t pe = w->auto_pad == PAD_VALID ? 0 : w->pad_e[i];
    int64_t span = add64(c, add64(c, in, pb), pe);
    if (c->overflow)
        return -1;
    if (span < ek)
        return -2;
    int64_t num = span - ek;
    int64_t out = num / s + 1;
    if (w->ceil_mode && w->auto_pad == PAD_NOTSET && num % s) {
        /* ceil_mode adds a partial window, but only if it starts inside
         * the input or the left padding (not wholly in the right pad). */
        if (mul64(c, out, s) < add64(c, in, pb))
            out++;
    }
    return out;
}

/* Conv: X [N, C, D...], W [M, C/group, k...] -> [N, M, out...]. */
static int infer_conv(Ctx *c)
{
    const Shape *x = in_s(c, 0), *w = in_s(c, 1);
    int r = x->ndim >= 0 ? x->ndim : w->ndim;
    if (r < 0)
        return OK;
    if (r < 3)
        return bad(c, "rank %d, expected at least 3", r);
    if (w->ndim >= 0 && w->ndim != r)
        return bad(c, "weight rank %d, input rank %d", w->ndim, r);
    int64_t group = node_attr_int(c->n, "group", 1);
    if (group < 1)
        return bad(c, "group %lld", (long long)group);
    int64_t cin = x->ndim >= 0 ? x->dims[1] : -1;
    int64_t wc = w->ndim >= 0 ? w->dims[1] : -1;
    if (cin >= 0 && wc >= 0 && (cin % group || cin / group != wc))
        return bad(c, "input has %lld channels, weight expects %lld x group %lld",
                   (long long)cin, (long long)wc, (long long)group);
    Window win;
    if (read_window(c, r - 2, w->ndim >= 0 ? w : NULL, &win) != OK)
        return BAD;
    Shape o;
    shape_rank(&o, r);
    o.dims[0] = x->ndim >= 0 ? x->dims[0] : -1;
    o.dims[1] = w->ndim >= 0 ? w->dims[0] : -1;
    for (int i = 0; i < win.k; i++) {
        int64_t in = x->ndim >= 0 ? x->dims[2 + i] : -1;
        int64_t d = window_out(c, &win, i, in);
        if (d == -2)
            return bad(c, "kernel does not fit spatial dim %d (%lld)", i,
                       (long long)in);
        o.dims[2 + i] = d;
    }
    set_out(c, 0, &o);
    return OK;
}

/* ConvTranspose: X [N, C, D...], W [C, M/group, k...] -> [N, M, out...],
 * out = stride*(in-1) + output_padding + (k-1)*dilation + 1 - pads, or
 * output_shape when given, or in*stride for SAME_*. */
static int infer_convtranspose(Ctx *c)
{
    const Shape *x = in_s(c, 0), *w = in_s(c, 1);
    int r = x->ndim >= 0 ? x->ndim : w->ndim;
    if (r < 0)
        return OK;
    if (r < 3)
        return bad(c, "rank %d, expected at least 3", r);
    if (w->ndim >= 0 && w->ndim != r)
        return bad(c, "weight rank %d, input rank %d", w->ndim, r);
    int64_t group = node_attr_int(c->n, "group", 1);
    if (group < 1)
        return bad(c, "group %lld", (long long)group);
    int64_t cin = x->ndim >= 0 ? x->dims[1] : -1;
    if (cin >= 0 && w->ndim >= 0 && w->dims[0] >= 0 && cin != w->dims[0])
        return bad(c, "input has %lld channels, weight expects %lld",
                   (long long)cin, (long long)w->dims[0]);
    Window win;
    if (read_window(c, r - 2, w->ndim >= 0 ? w : NULL, &win) != OK)
        return BAD;
    int k = win.k;
    int64_t opad[GRAPH_MAX_DIMS] = {0}, oshape[GRAPH_MAX_DIMS + 2];
    int n = node_attr_ints(c->n, "output_padding", opad, GRAPH_MAX_DIMS);
    if (n >= 0 && n != k)
        return bad(c, "output_padding has %d values for %d spatial dims", n, k);
    for (int i = 0; i < k; i++)
        if (n < 0)
            opad[i] = 0;
        else if (opad[i] < 0)
            return bad(c, "negative output_padding");
    int nos = node_attr_ints(c->n, "output_shape", oshape, GRAPH_MAX_DIMS + 2);
    int os_off = nos == k + 2 ? 2 : 0;
    if (nos >= 0 && nos != k && nos != k + 2)
        return bad(c, "output_shape has %d values for %d spatial dims", nos, k);

    Shape o;
    shape_rank(&o, r);
    o.dims[0] = x->ndim >= 0 ? x->dims[0] : -1;
    o.dims[1] = (w->ndim >= 0 && w->dims[1] >= 0) ? mul64(c, w->dims[1], group) : -1;
    for (int i = 0; i < k; i++) {
        int64_t in = x->ndim >= 0 ? x->dims[2 + i] : -1;
        int64_t s = win.stride[i], d;
        if (nos >= 0) {
            d = oshape[os_off + i];
            if (d < 0)
                return bad(c, "negative output_shape");
        } else if (in < 0) {
            d = -1;
        } else if (win.auto_pad == PAD_SAME_UPPER || win.auto_pad == PAD_SAME_LOWER) {
            d = mul64(c, in, s);
        } else if (win.kernel[i] < 0) {
            d = -1;
        } else {
            int64_t ek = add64(c, mul64(c, win.kernel[i] - 1, win.dil[i]), 1);
            int64_t pads = win.auto_pad == PAD_VALID ? 0 :
                           add64(c, win.pad_b[i], win.pad_e[i]);
            d = add64(c, add64(c, mul64(c, s, in - 1), opad[i]), ek);
            d = add64(c, d, -pads);
            if (!c->overflow && d < 0)
                return bad(c, "pads exceed the output in spatial dim %d", i);
        }
        o.dims[2 + i] = d;
    }
    set_out(c, 0, &o);
    return OK;
}

/* MaxPool/AveragePool/LpPool: [N, C, out...]; MaxPool's Indices too. */
static int infer_pool(Ctx *c)
{
    const Shape *x = in_s(c, 0);
    set_dt(c, 1, DT_INT64);
    if (x->ndim < 0)
        return OK;
    if (x->ndim < 3)
        return bad(c, "rank %d, expected at least 3", x->ndim);
    Window win;
    if (read_window(c, x->ndim - 2, NULL, &win) != OK)
        return BAD;
    Shape o = *x;
    for (int i = 0; i < win.k; i++) {
        int64_t d = window_out(c, &win, i, x->dims[2 + i]);
        if (d == -2)
            return bad(c, "kernel larger than padded input in spatial dim %d (%lld)",
                       i, (long long)x->dims[2 + i]);
        o.dims[2 + i] = d;
    }
    set_out(c, 0, &o);
    set_out(c, 1, &o);
    return OK;
}

/* GlobalAveragePool/GlobalMaxPool/GlobalLpPool: spatial dims become 1. */
static int infer_global_pool(Ctx *c)
{
    const Shape *x = in_s(c, 0);
    if (x->ndim < 0)
        return OK;
    if (x->ndim < 2)
        return bad(c, "rank %d, expected at least 2", x->ndim);
    Shape o = *x;
    for (int d = 2; d < o.ndim; d++)
        o.dims[d] = 1;
    set_out(c, 0, &o);
    return OK;
}

/* ---- matrix products --------------------------------------------------- */

/* Gemm: A [M, K] (or [K, M] with transA), B [K, N] (or [N, K]) -> [M, N]. */
static int infer_gemm(Ctx *c)
{
    const Shape *a = in_s(c, 0), *b = in_s(c, 1);
    if ((a->ndim >= 0 && a->ndim != 2) || (b->ndim >= 0 && b->ndim != 2))
        return bad(c, "operands of rank %d and %d, expected 2", a->ndim, b->ndim);
    int ta = node_attr_int(c->n, "transA", 0) != 0;
    int tb = node_attr_int(c->n, "transB", 0) != 0;
    int64_t m = a->ndim == 2 ? a->dims[ta ? 1 : 0] : -1;
    int64_t ka = a->ndim == 2 ? a->dims[ta ? 0 : 1] : -1;
    int64_t kb = b->ndim == 2 ? b->dims[tb ? 1 : 0] : -1;
    int64_t nn = b->ndim == 2 ? b->dims[tb ? 0 : 1] : -1;
    if (ka >= 0 && kb >= 0 && ka != kb)
        return bad(c, "inner dims %lld and %lld differ", (long long)ka,
                   (long long)kb);
    Shape o;
    shape_rank(&o, 2);
    o.dims[0] = m;
    o.dims[1] = nn;
    set_out(c, 0, &o);
    return OK;
}

/* MatMul (numpy matmul): 1-D operands are promoted then squeezed out, the
 * batch dims broadcast.  MatMulInteger has the same shape, int32 out. */
static int infer_matmul(Ctx *c)
{
    const Shape *a = in_s(c, 0), *b = in_s(c, 1);
    if (c->arg)
        set_dt(c, 0, DT_INT32);
    if (a->ndim < 0 || b->ndim < 0)
        return OK;
    if (a->ndim == 0 || b->ndim == 0)
        return bad(c, "scalar operand");
    Shape A = *a, B = *b;
    int a1 = a->ndim == 1, b1 = b->ndim == 1;
    if (a1) {
        shape_rank(&A, 2);
        A.dims[0] = 1;
        A.dims[1] = a->dims[0];
    }
    if (b1) {
        shape_rank(&B, 2);
        B.dims[0] = b->dims[0];
        B.dims[1] = 1;
    }
    int64_t ka = A.dims[A.ndim - 1], kb = B.dims[B.ndim - 2];
    if (ka >= 0 && kb >= 0 && ka != kb)
        return bad(c, "inner dims %lld and %lld differ", (long long)ka,
                   (long long)kb);
    Shape ba = A, bb = B, o;
    ba.ndim -= 2;
    bb.ndim -= 2;
    if (broadcast(&o, &ba, &bb) < 0)
        return bad(c, "batch dims do not broadcast");
    if (!a1)
        o.dims[o.ndim++] = A.dims[A.ndim - 2];
    if (!b1)
        o.dims[o.ndim++] = B.dims[B.ndim - 1];
    set_out(c, 0, &o);
    return OK;
}

/* ---- shape manipulation ------------------------------------------------ */

/* Flatten: [prod(d[:axis]), prod(d[axis:])]. */
static int infer_flatten(Ctx *c)
{
    const Shape *x = in_s(c, 0);
    int64_t axis = node_attr_int(c->n, "axis", 1);
    Shape o;
    shape_rank(&o, 2);
    if (x->ndim < 0) {
        if (axis == 0)
            o.dims[0] = 1;
        set_out(c, 0, &o);
        return OK;
    }
    if (axis < 0)
        axis += x->ndim;
    if (axis < 0 || axis > x->ndim)
        return bad(c, "axis out of range for rank %d", x->ndim);
    o.dims[0] = dims_prod(c, x, 0, (int)axis);
    o.dims[1] = dims_prod(c, x, (int)axis, x->ndim);
    set_out(c, 0, &o);
    fold_copy(c, 0, in_dt(c, 0));
    return OK;
}

/* Reshape: 0 copies the input dim (unless allowzero=1), one -1 is inferred
 * from the element count. */
static int infer_reshape(Ctx *c)
{
    const Shape *x = in_s(c, 0);
    int64_t sh[GRAPH_MAX_DIMS];
    int n = int_list(c, 1, "shape", sh, GRAPH_MAX_DIMS);
    if (n == LIST_LONG)
        return bad(c, "target rank above %d", GRAPH_MAX_DIMS);
    if (n == LIST_ABSENT)
        return bad(c, "no target shape");
    if (n == LIST_UNKNOWN) {
        /* the target's length still gives the rank */
        const Shape *ts = in_s(c, 1);
        if (ts->ndim == 1 && ts->dims[0] >= 0 && ts->dims[0] <= GRAPH_MAX_DIMS) {
            Shape o;
            shape_rank(&o, (int)ts->dims[0]);
            set_out(c, 0, &o);
        }
        return OK;
    }
    int allowzero = node_attr_int(c->n, "allowzero", 0) != 0;
    Shape o;
    shape_rank(&o, n);
    int infer_at = -1, prod_known = 1;
    int64_t prod = 1;
    for (int i = 0; i < n; i++) {
        int64_t v = sh[i], d;
        if (v == -1) {
            if (infer_at >= 0)
                return bad(c, "more than one -1 in the target shape");
            infer_at = i;
            continue;
        }
        if (v < -1)
            return bad(c, "target dim %lld", (long long)v);
        if (v == 0 && !allowzero) {
            if (x->ndim >= 0 && i >= x->ndim)
                return bad(c, "0 at %d copies a dim the rank-%d input lacks",
                           i, x->ndim);
            d = x->ndim >= 0 ? x->dims[i] : -1;
        } else {
            d = v;
        }
        o.dims[i] = d;
        if (d < 0)
            prod_known = 0;
        else
            prod = mul64(c, prod, d);
    }
    int64_t total = shape_numel(x);
    if (infer_at >= 0) {
        if (total >= 0 && prod_known && prod > 0) {
            if (total % prod)
                return bad(c, "%lld elements do not reshape with %lld per -1",
                           (long long)total, (long long)prod);
            o.dims[infer_at] = total / prod;
        }
    } else if (total >= 0 && prod_known && total != prod) {
        return bad(c, "%lld elements cannot become %lld", (long long)total,
                   (long long)prod);
    }
    set_out(c, 0, &o);
    fold_copy(c, 0, in_dt(c, 0));
    return OK;
}

/* Transpose: perm, by default reversed dims. */
static int infer_transpose(Ctx *c)
{
    const Shape *x = in_s(c, 0);
    int64_t perm[GRAPH_MAX_DIMS];
    int n = node_attr_ints(c->n, "perm", perm, GRAPH_MAX_DIMS);
    if (n > GRAPH_MAX_DIMS)
        return bad(c, "perm longer than %d", GRAPH_MAX_DIMS);
    if (x->ndim < 0) {
        if (n >= 0) {
            Shape o;
            shape_rank(&o, n);
            set_out(c, 0, &o);
        }
        return OK;
    }
    if (n < 0) {
        n = x->ndim;
        for (int i = 0; i < n; i++)
            perm[i] = n - 1 - i;
    }
    if (n != x->ndim)
        return bad(c, "perm has %d values for rank %d", n, x->ndim);
    int seen[GRAPH_MAX_DIMS] = {0};
    Shape o;
    shape_rank(&o, n);
    for (int i = 0; i < n; i++) {
        if (perm[i] < 0 || perm[i] >= n || seen[perm[i]])
            return bad(c, "perm is not a permutation");
        seen[perm[i]] = 1;
        o.dims[i] = x->dims[perm[i]];
    }
    set_out(c, 0, &o);
    return OK;
}

/* Concat along axis: other dims agree, the axis dims add up. */
static int infer_concat(Ctx *c)
{
    int64_t axis = node_attr_int(c->n, "axis", c->opset < 4 ? 1 : 0);
    int r = -1, present = 0;
    for (int k = 0; k < c->n->ninputs; k++)
        if (in_t(c, k)) {
            present = 1;
            if (r < 0)
                r = in_s(c, k)->ndim;
        }
    if (!present)
        return bad(c, "no inputs");
    if (r < 0)
        return OK;
    int ax = norm_axis(axis, r);
    if (ax < 0)
        return bad(c, "axis %lld out of range for rank %d", (long long)axis, r);
    Shape o;
    shape_rank(&o, r);
    int64_t sum = 0;
    int sum_unknown = 0;
    for (int k = 0; k < c->n->ninputs; k++) {
        if (!in_t(c, k))
            continue;
        const Shape *s = in_s(c, k);
        if (s->ndim < 0) {
            sum_unknown = 1;
            continue;
        }
        if (s->ndim != r)
            return bad(c, "inputs of rank %d and %d", r, s->ndim);
        for (int d = 0; d < r; d++) {
            if (d == ax) {
                if (s->dims[d] < 0)
                    sum_unknown = 1;
                else
                    sum = add64(c, sum, s->dims[d]);
            } else if (o.dims[d] < 0) {
                o.dims[d] = s->dims[d];
            } else if (s->dims[d] >= 0 && s->dims[d] != o.dims[d]) {
                return bad(c, "dim %d differs between inputs (%lld vs %lld)", d,
                           (long long)o.dims[d], (long long)s->dims[d]);
            }
        }
    }
    o.dims[ax] = sum_unknown ? -1 : sum;
    set_out(c, 0, &o);

    /* fold: each input contributes a chunk of prod(dims[ax:]) per outer row */
    int64_t n = fold_count(c, 0);
    if (n < 0)
        return OK;
    int ints = 1;
    for (int k = 0; k < c->n->ninputs; k++) {
        Tensor *t = in_t(c, k);
        if (t && !has_vals(t))
            return OK;
        if (t && !t->val.i)
            ints = 0;
    }
    int64_t outer = dims_prod(c, &o, 0, ax);
    size_t cnt = (size_t)(n > 0 ? n : 1);
    int64_t *iv = ints ? malloc(cnt * sizeof *iv) : NULL;
    double *fv = ints ? NULL : malloc(cnt * sizeof *fv);
    int64_t e = 0;
    for (int64_t row = 0; (iv || fv) && row < outer; row++)
        for (int k = 0; k < c->n->ninputs; k++) {
            Tensor *t = in_t(c, k);
            if (!t)
                continue;
            int64_t chunk = dims_prod(c, &t->shape, ax, r);
            for (int64_t j = 0; j < chunk && e < n; j++, e++) {
                int64_t src = row * chunk + j;
                if (ints)
                    iv[e] = t->val.i[src];
                else
                    fv[e] = val_f(t, src);
            }
        }
    if (e == n)
        store(out_t(c, 0), out_t(c, 0)->dtype, iv, fv, n);
    free(iv);
    free(fv);
    return OK;
}

/* Split along axis into noutputs pieces: sizes from the split attribute
 * (opset < 13) or input (>= 13), else equal pieces; opset 18's
 * num_outputs allows a smaller last piece. */
static int infer_split(Ctx *c)
{
    const Shape *x = in_s(c, 0);
    int nout = c->n->noutputs;
    if (x->ndim < 0 || nout < 1)
        return OK;
    int ax = norm_axis(node_attr_int(c->n, "axis", 0), x->ndim);
    if (ax < 0)
        return bad(c, "axis out of range for rank %d", x->ndim);
    int64_t dim = x->dims[ax];
    int64_t *sz = malloc((size_t)nout * sizeof *sz);
    if (!sz)
        return bad(c, "out of memory");
    int rc = OK;
    int n = int_list(c, 1, "split", sz, nout);
    int64_t num = node_attr_int(c->n, "num_outputs", nout);
    if (n == LIST_LONG || (n > 0 && n != nout)) {
        rc = bad(c, "split has %s values than the %d outputs",
                 n == LIST_LONG ? "more" : "fewer", nout);
    } else if (n == LIST_UNKNOWN) {
        for (int k = 0; k < nout; k++)
            sz[k] = -1;
    } else if (n > 0) {
        int64_t sum = 0;
        for (int k = 0; k < nout && rc == OK; k++)
            if (sz[k] < 0)
                rc = bad(c, "negative split size");
            else
                sum = add64(c, sum, sz[k]);
        if (rc == OK && dim >= 0 && sum != dim)
            rc = bad(c, "split sizes add up to %lld, dim is %lld",
                     (long long)sum, (long long)dim);
    } else if (num != nout) {
        rc = bad(c, "num_outputs %lld but %d outputs", (long long)num, nout);
    } else {
        int64_t chunk = dim < 0 ? -1 : dim / nout;
        if (dim >= 0 && dim % nout) {
            if (c->opset < 18 && !node_attr(c->n, "num_outputs"))
                rc = bad(c, "dim %lld does not split evenly %d ways",
                         (long long)dim, nout);
            chunk = dim / nout + 1;
        }
        for (int k = 0; k < nout; k++)
            sz[k] = chunk;
        /* the last piece takes what is left (only smaller when uneven) */
        if (rc == OK && dim >= 0) {
            int64_t last = dim - chunk * (nout - 1);
            if (last < 0)
                rc = bad(c, "dim %lld cannot give %d pieces of %lld",
                         (long long)dim, nout, (long long)chunk);
            sz[nout - 1] = last;
        }
    }
    for (int k = 0; k < nout && rc == OK; k++) {
        Shape o = *x;
        o.dims[ax] = sz[k];
        set_out(c, k, &o);
    }
    free(sz);
    return rc;
}

/* One sliced dim per ONNX Slice: negative indices count from the end,
 * then clamp; returns the element count and the first index in *first. */
static int64_t slice_len(int64_t dim, int64_t start, int64_t end, int64_t step,
                         int64_t *first)
{
    if (start < 0)
        start += dim;
    if (end < 0)
        end += dim;
    /* starts clamp to [0, dim] (or [0, dim-1] stepping backwards), ends
     * to [0, dim] (or [-1, dim-1]) */
    int64_t lo = step > 0 ? 0 : -1, hi = step > 0 ? dim : dim - 1;
    if (start < 0)
        start = 0;
    if (start > hi)
        start = hi;
    if (end < lo)
        end = lo;
    if (end > hi)
        end = hi;
    *first = start;
    uint64_t span = step > 0 ? (end > start ? (uint64_t)(end - start) : 0)
                             : (start > end ? (uint64_t)(start - end) : 0);
    uint64_t ustep = step > 0 ? (uint64_t)step : 0 - (uint64_t)step;
    return span ? (int64_t)((span - 1) / ustep + 1) : 0;
}

/* Slice: starts/ends/axes attributes (opset 1) or inputs 1-4 (opset 10+). */
static int infer_slice(Ctx *c)
{
    const Shape *x = in_s(c, 0);
    int64_t starts[GRAPH_MAX_DIMS], ends[GRAPH_MAX_DIMS];
    int64_t axes[GRAPH_MAX_DIMS], steps[GRAPH_MAX_DIMS];
    int ns = int_list(c, 1, "starts", starts, GRAPH_MAX_DIMS);
    int ne = int_list(c, 2, "ends", ends, GRAPH_MAX_DIMS);
    int na = int_list(c, 3, "axes", axes, GRAPH_MAX_DIMS);
    int nst = int_list(c, 4, NULL, steps, GRAPH_MAX_DIMS);
    if (ns == LIST_LONG || ne == LIST_LONG || na == LIST_LONG || nst == LIST_LONG)
        return bad(c, "more than %d sliced axes", GRAPH_MAX_DIMS);
    if (ns == LIST_ABSENT || ne == LIST_ABSENT)
        return bad(c, "no starts or ends");
    if (x->ndim < 0)
        return OK;
    int r = x->ndim;
    Shape o = *x;
    if (ns == LIST_UNKNOWN || ne == LIST_UNKNOWN || na == LIST_UNKNOWN ||
        nst == LIST_UNKNOWN) {
        /* the rank survives; the sliced dims (all, if axes unknown) do not */
        for (int i = 0; i < r; i++)
            if (na < 0)
                o.dims[i] = -1;
        for (int i = 0; i < na; i++) {
            int a = norm_axis(axes[i], r);
            if (a < 0)
                return bad(c, "axis %lld out of range", (long long)axes[i]);
            o.dims[a] = -1;
        }
        set_out(c, 0, &o);
        return OK;
    }
    if (ns != ne)
        return bad(c, "%d starts but %d ends", ns, ne);
    if (na == LIST_ABSENT) {
        if (ns > r)
            return bad(c, "%d starts for rank %d", ns, r);
        na = ns;
        for (int i = 0; i < na; i++)
            axes[i] = i;
    }
    if (nst == LIST_ABSENT) {
        nst = ns;
        for (int i = 0; i < nst; i++)
            steps[i] = 1;
    }
    if (na != ns || nst != ns)
        return bad(c, "starts/ends/axes/steps lengths differ");
    int64_t first[GRAPH_MAX_DIMS], step_of[GRAPH_MAX_DIMS];
    int seen[GRAPH_MAX_DIMS] = {0};
    for (int d = 0; d < r; d++) {
        first[d] = 0;
        step_of[d] = 1;
    }
    for (int i = 0; i < ns; i++) {
        int a = norm_axis(axes[i], r);
        if (a < 0 || seen[a])
            return bad(c, "axis %lld out of range or repeated", (long long)axes[i]);
        seen[a] = 1;
        if (steps[i] == 0)
            return bad(c, "step 0");
        if (x->dims[a] < 0) {
            o.dims[a] = -1;
            continue;
        }
        o.dims[a] = slice_len(x->dims[a], starts[i], ends[i], steps[i], &first[a]);
        step_of[a] = steps[i];
    }
    set_out(c, 0, &o);

    Tensor *xt = in_t(c, 0);
    int64_t n = fold_count(c, 0);
    if (n < 0 || !has_vals(xt))
        return OK;
    int64_t *map = map_alloc(n), idx[GRAPH_MAX_DIMS];
    if (!map)
        return OK;
    for (int64_t e = 0; e < n; e++) {
        unflatten(&o, e, idx);
        for (int d = 0; d < r; d++)
            idx[d] = first[d] + idx[d] * step_of[d];
        map[e] = flatten_idx(x, idx);
    }
    fold_pick(c, 0, xt, map, n);
    free(map);
    return OK;
}

/* Squeeze: listed axes (must be 1), or every 1 dim when none are listed. */
static int infer_squeeze(Ctx *c)
{
    const Shape *x = in_s(c, 0);
    int64_t axes[GRAPH_MAX_DIMS];
    int n = int_list(c, 1, "axes", axes, GRAPH_MAX_DIMS);
    if (n == LIST_LONG)
        return bad(c, "more than %d axes", GRAPH_MAX_DIMS);
    if (n == LIST_UNKNOWN || x->ndim < 0)
        return OK;
    int drop[GRAPH_MAX_DIMS] = {0};
    if (n <= 0) {
        for (int d = 0; d < x->ndim; d++) {
            if (x->dims[d] < 0)
                return OK;  /* might be 1: the rank is unknown */
            drop[d] = x->dims[d] == 1;
        }
    }
    for (int i = 0; i < n; i++) {
        int a = norm_axis(axes[i], x->ndim);
        if (a < 0)
            return bad(c, "axis %lld out of range", (long long)axes[i]);
        if (x->dims[a] >= 0 && x->dims[a] != 1)
            return bad(c, "dim %d is %lld, not 1", a, (long long)x->dims[a]);
        drop[a] = 1;
    }
    Shape o;
    shape_rank(&o, 0);
    for (int d = 0; d < x->ndim; d++)
        if (!drop[d])
            o.dims[o.ndim++] = x->dims[d];
    set_out(c, 0, &o);
    fold_copy(c, 0, in_dt(c, 0));
    return OK;
}

/* Unsqueeze: axes index the output, which has rank + len(axes) dims. */
static int infer_unsqueeze(Ctx *c)
{
    const Shape *x = in_s(c, 0);
    int64_t axes[GRAPH_MAX_DIMS];
    int n = int_list(c, 1, "axes", axes, GRAPH_MAX_DIMS);
    if (n == LIST_LONG)
        return bad(c, "more than %d axes", GRAPH_MAX_DIMS);
    if (n == LIST_ABSENT)
        return bad(c, "no axes");
    if (n == LIST_UNKNOWN || x->ndim < 0)
        return OK;
    int r = x->ndim + n;
    if (r > GRAPH_MAX_DIMS)
        return bad(c, "rank %d exceeds %d", r, GRAPH_MAX_DIMS);
    int ins[GRAPH_MAX_DIMS] = {0};
    for (int i = 0; i < n; i++) {
        int a = norm_axis(axes[i], r);
        if (a < 0 || ins[a])
            return bad(c, "axis %lld out of range or repeated", (long long)axes[i]);
        ins[a] = 1;
    }
    Shape o;
    shape_rank(&o, r);
    for (int d = 0, j = 0; d < r; d++)
        o.dims[d] = ins[d] ? 1 : x->dims[j++];
    set_out(c, 0, &o);
    fold_copy(c, 0, in_dt(c, 0));
    return OK;
}

/* Pad: pads [begin..., end...] from the attribute (opset < 11; "paddings"
 * in opset 1) or input 1, over all axes or input 3's axes (opset 18).
 * Negative pads crop. */
static int infer_pad(Ctx *c)
{
    const Shape *x = in_s(c, 0);
    int64_t pads[2 * GRAPH_MAX_DIMS], axes[GRAPH_MAX_DIMS];
    int np = int_list(c, 1, node_attr(c->n, "paddings") ? "paddings" : "pads",
                      pads, 2 * GRAPH_MAX_DIMS);
    int na = int_list(c, 3, NULL, axes, GRAPH_MAX_DIMS);
    if (np == LIST_LONG || na == LIST_LONG)
        return bad(c, "more pads than dims");
    if (np == LIST_ABSENT)
        return bad(c, "no pads");
    if (x->ndim < 0)
        return OK;
    int r = x->ndim;
    Shape o = *x;
    if (np == LIST_UNKNOWN || na == LIST_UNKNOWN) {
        for (int d = 0; d < r; d++)
            o.dims[d] = -1;
        set_out(c, 0, &o);
        return OK;
    }
    if (na == LIST_ABSENT) {
        na = r;
        for (int i = 0; i < r; i++)
            axes[i] = i;
    }
    if (np != 2 * na)
        return bad(c, "%d pads for %d axes", np, na);
    int seen[GRAPH_MAX_DIMS] = {0};
    for (int i = 0; i < na; i++) {
        int a = norm_axis(axes[i], r);
        if (a < 0 || seen[a])
            return bad(c, "axis %lld out of range or repeated", (long long)axes[i]);
        seen[a] = 1;
        if (x->dims[a] < 0)
            continue;
        int64_t d = add64(c, add64(c, x->dims[a], pads[i]), pads[na + i]);
        if (!c->overflow && d < 0)
            return bad(c, "pads crop dim %d below zero", a);
        o.dims[a] = d;
    }
    set_out(c, 0, &o);
    return OK;
}

/* floor(in * scale) as Resize/Upsample define it (rounded to nearest for
 * keep_aspect_ratio_policy); -1 unknown. */
static int64_t scaled_dim(Ctx *c, int64_t in, double scale, int round_it)
{
    if (in < 0)
        return -1;
    double v = floor((double)in * scale + (round_it ? 0.5 : 0.0));
    if (v >= 9223372036854775807.0) {
        c->overflow = 1;
        return -1;
    }
    return (int64_t)v;
}

/* A scales/sizes input counts as absent when omitted or empty (opset
 * 11-12 exporters pass an empty scales tensor next to sizes). */
static Tensor *nonempty_in(Ctx *c, int k)
{
    Tensor *t = in_t(c, k);
    if (!t || (t->shape.ndim >= 0 && shape_numel(&t->shape) == 0))
        return NULL;
    return t;
}

/* Resize (arg 0) and Upsample (arg 1). */
static int infer_resize(Ctx *c)
{
    const Shape *x = in_s(c, 0);
    int upsample = c->arg;
    Tensor *scales_t, *sizes_t = NULL;
    if (upsample) {
        scales_t = nonempty_in(c, 1);
    } else if (c->n->ninputs >= 3 || c->opset >= 11) {
        /* opset 11+: X, roi, scales, sizes.  A two-input node is still
         * read as X, scales: nothing else would make sense. */
        scales_t = nonempty_in(c, c->n->ninputs == 2 ? 1 : 2);
        sizes_t = nonempty_in(c, 3);
    } else {
        scales_t = nonempty_in(c, 1);
    }
    if (x->ndim < 0)
        return OK;
    int r = x->ndim;
    int64_t axes[GRAPH_MAX_DIMS];
    int na = node_attr_ints(c->n, "axes", axes, GRAPH_MAX_DIMS);
    if (na > GRAPH_MAX_DIMS)
        return bad(c, "more axes than dims");
    if (na < 0) {
        na = r;
        for (int i = 0; i < r; i++)
            axes[i] = i;
    }
    int ax[GRAPH_MAX_DIMS], seen[GRAPH_MAX_DIMS] = {0};
    for (int i = 0; i < na; i++) {
        ax[i] = norm_axis(axes[i], r);
        if (ax[i] < 0 || seen[ax[i]])
            return bad(c, "axis %lld out of range or repeated", (long long)axes[i]);
        seen[ax[i]] = 1;
    }
    Shape o = *x;
    if (sizes_t) {
        int64_t sizes[GRAPH_MAX_DIMS];
        int n = read_ints(sizes_t, sizes, GRAPH_MAX_DIMS);
        if (n < 0) {
            for (int i = 0; i < na; i++)
                o.dims[ax[i]] = -1;
            set_out(c, 0, &o);
            return OK;
        }
        if (n != na)
            return bad(c, "%d sizes for %d axes", n, na);
        const char *policy = node_attr_str(c->n, "keep_aspect_ratio_policy", "stretch");
        int larger = !strcmp(policy, "not_larger"), smaller = !strcmp(policy, "not_smaller");
        double scale = larger ? INFINITY : 0;
        int in_unknown = 0;
        for (int i = 0; i < n; i++) {
            if (sizes[i] < 0)
                return bad(c, "negative size");
            o.dims[ax[i]] = sizes[i];
            int64_t in = x->dims[ax[i]];
            if (in <= 0) {
                in_unknown = 1;
                continue;
            }
            double s = (double)sizes[i] / (double)in;
            scale = larger ? fmin(scale, s) : fmax(scale, s);
        }
        if (larger || smaller)   /* one scale for all axes, then round */
            for (int i = 0; i < n; i++)
                o.dims[ax[i]] = in_unknown ? -1 :
                    scaled_dim(c, x->dims[ax[i]], scale, 1);
        set_out(c, 0, &o);
        return OK;
    }
    double sc[GRAPH_MAX_DIMS];
    int n;
    if (scales_t)
        n = read_floats(scales_t, sc, GRAPH_MAX_DIMS);
    else if (upsample && node_attr(c->n, "scales"))
        n = attr_floats(c->n, "scales", sc, GRAPH_MAX_DIMS);
    else
        return bad(c, "neither scales nor sizes");
    if (n < 0 || n > GRAPH_MAX_DIMS) {
        for (int i = 0; i < na; i++)
            o.dims[ax[i]] = -1;
        set_out(c, 0, &o);
        return OK;
    }
    if (n != na)
        return bad(c, "%d scales for %d axes", n, na);
    for (int i = 0; i < n; i++) {
        if (!(sc[i] > 0) || isinf(sc[i]))
            return bad(c, "scale %g", sc[i]);
        o.dims[ax[i]] = scaled_dim(c, x->dims[ax[i]], sc[i], 0);
    }
    set_out(c, 0, &o);
    return OK;
}

/* Tile: each dim times its repeat. */
static int infer_tile(Ctx *c)
{
    const Shape *x = in_s(c, 0);
    int64_t rep[GRAPH_MAX_DIMS];
    int n = int_list(c, 1, NULL, rep, GRAPH_MAX_DIMS);
    if (x->ndim < 0)
        return OK;
    Shape o = *x;
    if (n == LIST_UNKNOWN) {
        for (int d = 0; d < o.ndim; d++)
            o.dims[d] = -1;
        set_out(c, 0, &o);
        return OK;
    }
    if (n != x->ndim)
        return bad(c, "%d repeats for rank %d", n, x->ndim);
    for (int d = 0; d < n; d++) {
        if (rep[d] < 0)
            return bad(c, "negative repeat");
        o.dims[d] = x->dims[d] < 0 ? -1 : mul64(c, x->dims[d], rep[d]);
    }
    set_out(c, 0, &o);
    Tensor *xt = in_t(c, 0);
    int64_t cnt = fold_count(c, 0);
    if (cnt < 0 || !has_vals(xt) || c->overflow)
        return OK;
    int64_t *map = map_alloc(cnt), idx[GRAPH_MAX_DIMS];
    if (!map)
        return OK;
    for (int64_t e = 0; e < cnt; e++) {
        unflatten(&o, e, idx);
        for (int d = 0; d < n; d++)
            idx[d] %= x->dims[d];
        map[e] = flatten_idx(x, idx);
    }
    fold_pick(c, 0, xt, map, cnt);
    free(map);
    return OK;
}

/* Expand: bidirectional broadcast of X with the shape input. */
static int infer_expand(Ctx *c)
{
    const Shape *x = in_s(c, 0);
    Tensor *st = in_t(c, 1);
    int64_t sh[GRAPH_MAX_DIMS];
    if (st && has_vals(st) && st->val.n > GRAPH_MAX_DIMS)
        return bad(c, "target rank above %d", GRAPH_MAX_DIMS);
    int n = read_ints(st, sh, GRAPH_MAX_DIMS);
    if (n < 0) {
        const Shape *ss = in_s(c, 1);
        if (ss->ndim == 1 && ss->dims[0] >= 0 && ss->dims[0] <= GRAPH_MAX_DIMS &&
            x->ndim >= 0) {
            Shape o;
            shape_rank(&o, x->ndim > ss->dims[0] ? x->ndim : (int)ss->dims[0]);
            set_out(c, 0, &o);
        }
        return OK;
    }
    Shape target, o;
    shape_rank(&target, n);
    for (int i = 0; i < n; i++) {
        if (sh[i] < 0)
            return bad(c, "negative target dim");
        target.dims[i] = sh[i];
    }
    if (broadcast(&o, x, &target) < 0)
        return bad(c, "input does not broadcast to the target shape");
    set_out(c, 0, &o);
    Tensor *xt = in_t(c, 0);
    int64_t cnt = fold_count(c, 0);
    if (cnt < 0 || !has_vals(xt) || !bcast_ok(&o, &xt->shape))
        return OK;
    int64_t *map = map_alloc(cnt);
    if (!map)
        return OK;
    for (int64_t e = 0; e < cnt; e++)
        map[e] = bcast_index(&o, &xt->shape, e);
    fold_pick(c, 0, xt, map, cnt);
    free(map);
    return OK;
}

/* ---- reductions -------------------------------------------------------- */

enum { R_OTHER, R_SUM, R_PROD, R_MAX, R_MIN };

/* Folds an integer reduction: every input element lands in the output
 * element whose index has the reduced dims zeroed. */
static void fold_reduce(Ctx *c, const int *red)
{
    Tensor *x = in_t(c, 0);
    int64_t n = fold_count(c, 0);
    if (c->arg == R_OTHER || n < 0 || !has_vals(x) || !x->val.i)
        return;
    if (n == 0 || (x->val.n == 0 && (c->arg == R_MAX || c->arg == R_MIN)))
        return;
    const Shape *s = &x->shape;
    Shape kd = *s;      /* the keepdims shape: same flat order as the output */
    for (int d = 0; d < kd.ndim; d++)
        if (red[d])
            kd.dims[d] = 1;
    int64_t *acc = malloc((size_t)n * sizeof *acc);
    char *seen = calloc((size_t)n, 1);
    int64_t idx[GRAPH_MAX_DIMS];
    if (!acc || !seen)
        goto out;
    for (int64_t e = 0; e < n; e++)
        acc[e] = c->arg == R_PROD ? 1 : 0;
    for (int64_t e = 0; e < x->val.n; e++) {
        unflatten(s, e, idx);
        for (int d = 0; d < s->ndim; d++)
            if (red[d])
                idx[d] = 0;
        int64_t oi = flatten_idx(&kd, idx), v = x->val.i[e];
        if (oi < 0 || oi >= n)
            goto out;
        int64_t *a = &acc[oi];
        if (c->arg == R_SUM && __builtin_add_overflow(*a, v, a))
            goto out;
        if (c->arg == R_PROD && __builtin_mul_overflow(*a, v, a))
            goto out;
        if ((c->arg == R_MAX && (!seen[oi] || v > *a)) ||
            (c->arg == R_MIN && (!seen[oi] || v < *a)))
            *a = v;
        seen[oi] = 1;
    }
    store(out_t(c, 0), out_t(c, 0)->dtype, acc, NULL, n);
out:
    free(acc);
    free(seen);
}

/* Reduce*: axes attribute, or input 1 (ReduceSum from opset 13, the rest
 * from 18); keepdims; noop_with_empty_axes turns no axes into identity. */
static int infer_reduce(Ctx *c)
{
    const Shape *x = in_s(c, 0);
    int keep = node_attr_int(c->n, "keepdims", 1) != 0;
    int noop = node_attr_int(c->n, "noop_with_empty_axes", 0) != 0;
    int64_t axes[GRAPH_MAX_DIMS];
    int n = int_list(c, 1, "axes", axes, GRAPH_MAX_DIMS);
    if (n == LIST_LONG)
        return bad(c, "more than %d axes", GRAPH_MAX_DIMS);
    if (x->ndim < 0)
        return OK;
    if (n == LIST_UNKNOWN) {
        if (keep) {
            Shape o;
            shape_rank(&o, x->ndim);
            set_out(c, 0, &o);
        }
        return OK;
    }
    int red[GRAPH_MAX_DIMS] = {0};
    if (n <= 0) {
        if (noop) {
            set_out(c, 0, x);
            fold_copy(c, 0, in_dt(c, 0));
            return OK;
        }
        for (int d = 0; d < x->ndim; d++)
            red[d] = 1;
    }
    for (int i = 0; i < n; i++) {
        int a = norm_axis(axes[i], x->ndim);
        if (a < 0)
            return bad(c, "axis %lld out of range", (long long)axes[i]);
        red[a] = 1;
    }
    Shape o;
    shape_rank(&o, 0);
    for (int d = 0; d < x->ndim; d++)
        if (!red[d])
            o.dims[o.ndim++] = x->dims[d];
        else if (keep)
            o.dims[o.ndim++] = 1;
    set_out(c, 0, &o);
    fold_reduce(c, red);
    return OK;
}

/* ArgMax/ArgMin: one axis reduced, int64 indices out. */
static int infer_argmax(Ctx *c)
{
    const Shape *x = in_s(c, 0);
    set_dt(c, 0, DT_INT64);
    if (x->ndim < 0)
        return OK;
    int a = norm_axis(node_attr_int(c->n, "axis", 0), x->ndim);
    if (a < 0)
        return bad(c, "axis out of range for rank %d", x->ndim);
    int keep = node_attr_int(c->n, "keepdims", 1) != 0;
    Shape o;
    shape_rank(&o, 0);
    for (int d = 0; d < x->ndim; d++)
        if (d != a)
            o.dims[o.ndim++] = x->dims[d];
        else if (keep)
            o.dims[o.ndim++] = 1;
    set_out(c, 0, &o);
    return OK;
}

/* TopK: the axis dim becomes K; values and int64 indices. */
static int infer_topk(Ctx *c)
{
    const Shape *x = in_s(c, 0);
    set_dt(c, 1, DT_INT64);
    int64_t kv[1];
    int n = int_list(c, 1, "k", kv, 1);
    if (x->ndim < 0)
        return OK;
    int a = norm_axis(node_attr_int(c->n, "axis", -1), x->ndim);
    if (a < 0)
        return bad(c, "axis out of range for rank %d", x->ndim);
    if (n == LIST_ABSENT || n == LIST_LONG || n == 0)
        return bad(c, "no single K");
    int64_t k = n == 1 ? kv[0] : -1;
    if (n == 1 && (k < 0 || (x->dims[a] >= 0 && k > x->dims[a])))
        return bad(c, "K %lld for a dim of %lld", (long long)k,
                   (long long)x->dims[a]);
    Shape o = *x;
    o.dims[a] = k;
    set_out(c, 0, &o);
    set_out(c, 1, &o);
    return OK;
}

/* ---- shape queries and gathers ----------------------------------------- */

/* Shape: int64 [end - start] (opset 15 start/end clamp like Slice);
 * folded when those dims are known. */
static int infer_shape(Ctx *c)
{
    const Shape *x = in_s(c, 0);
    set_dt(c, 0, DT_INT64);
    Shape o;
    shape_rank(&o, 1);
    if (x->ndim < 0) {
        set_out(c, 0, &o);
        return OK;
    }
    int64_t r = x->ndim;
    int64_t start = node_attr_int(c->n, "start", 0);
    int64_t end = node_attr_int(c->n, "end", r);
    if (start < 0)
        start += r;
    if (end < 0)
        end += r;
    start = start < 0 ? 0 : start > r ? r : start;
    end = end < 0 ? 0 : end > r ? r : end;
    o.dims[0] = end > start ? end - start : 0;
    set_out(c, 0, &o);
    int64_t v[GRAPH_MAX_DIMS];
    for (int64_t d = start; d < end; d++) {
        if (x->dims[d] < 0)
            return OK;
        v[d - start] = x->dims[d];
    }
    store(out_t(c, 0), DT_INT64, v, NULL, o.dims[0]);
    return OK;
}

/* Size: int64 scalar element count. */
static int infer_size(Ctx *c)
{
    Shape o;
    shape_rank(&o, 0);
    set_out(c, 0, &o);
    set_dt(c, 0, DT_INT64);
    int64_t n = shape_numel(in_s(c, 0));
    if (n >= 0)
        store(out_t(c, 0), DT_INT64, &n, NULL, 1);
    return OK;
}

/* Gather: data[:axis] + indices.shape + data[axis+1:]. */
static int infer_gather(Ctx *c)
{
    const Shape *x = in_s(c, 0), *ix = in_s(c, 1);
    if (x->ndim < 0 || ix->ndim < 0)
        return OK;
    if (x->ndim < 1)
        return bad(c, "scalar data");
    int a = norm_axis(node_attr_int(c->n, "axis", 0), x->ndim);
    if (a < 0)
        return bad(c, "axis out of range for rank %d", x->ndim);
    int r = x->ndim - 1 + ix->ndim;
    if (r > GRAPH_MAX_DIMS)
        return bad(c, "rank %d exceeds %d", r, GRAPH_MAX_DIMS);
    Shape o;
    shape_rank(&o, 0);
    for (int d = 0; d < a; d++)
        o.dims[o.ndim++] = x->dims[d];
    for (int d = 0; d < ix->ndim; d++)
        o.dims[o.ndim++] = ix->dims[d];
    for (int d = a + 1; d < x->ndim; d++)
        o.dims[o.ndim++] = x->dims[d];
    set_out(c, 0, &o);

    Tensor *xt = in_t(c, 0), *it = in_t(c, 1);
    int64_t n = fold_count(c, 0);
    if (n < 0 || !has_vals(xt) || !has_vals(it) || !it->val.i)
        return OK;
    int64_t ad = x->dims[a], inner = dims_prod(c, x, a + 1, x->ndim);
    int64_t ni = it->val.n;
    int64_t *map = map_alloc(n);
    if (!map)
        return OK;
    for (int64_t e = 0; e < n; e++) {
        /* e = (outer * ni + j) * inner + in */
        int64_t in = inner ? e % inner : 0, rest = inner ? e / inner : 0;
        int64_t j = ni ? rest % ni : 0, outer = ni ? rest / ni : 0;
        int64_t v = it->val.i[j];
        if (v < 0)
            v += ad;
        if (v < 0 || v >= ad) {
            free(map);
            return bad(c, "index %lld out of range for dim %lld",
                       (long long)it->val.i[j], (long long)ad);
        }
        map[e] = (outer * ad + v) * inner + in;
    }
    fold_pick(c, 0, xt, map, n);
    free(map);
    return OK;
}

/* GatherElements, ScatterElements-like ops: output has indices' shape. */
static int infer_gather_elements(Ctx *c)
{
    const Shape *x = in_s(c, 0), *ix = in_s(c, 1);
    if (x->ndim >= 0 && ix->ndim >= 0 && x->ndim != ix->ndim)
        return bad(c, "data rank %d, indices rank %d", x->ndim, ix->ndim);
    set_out(c, 0, ix);
    return OK;
}

/* GatherND: indices[:-1] + data[batch_dims + indices[-1]:]. */
static int infer_gather_nd(Ctx *c)
{
    const Shape *x = in_s(c, 0), *ix = in_s(c, 1);
    if (x->ndim < 0 || ix->ndim < 0)
        return OK;
    int64_t b = node_attr_int(c->n, "batch_dims", 0);
    if (ix->ndim < 1 || b < 0 || b >= ix->ndim || b >= x->ndim)
        return bad(c, "bad ranks or batch_dims");
    int64_t last = ix->dims[ix->ndim - 1];
    if (last < 0)
        return OK;
    if (last > x->ndim - b)
        return bad(c, "index tuples longer than the data rank");
    int r = ix->ndim - 1 + x->ndim - (int)b - (int)last;
    if (r > GRAPH_MAX_DIMS)
        return bad(c, "rank %d exceeds %d", r, GRAPH_MAX_DIMS);
    Shape o;
    shape_rank(&o, 0);
    for (int d = 0; d < ix->ndim - 1; d++)
        o.dims[o.ndim++] = ix->dims[d];
    for (int d = (int)(b + last); d < x->ndim; d++)
        o.dims[o.ndim++] = x->dims[d];
    set_out(c, 0, &o);
    return OK;
}

/* ---- constants and generators ------------------------------------------ */

/* Constant: value (a tensor), value_float(s), value_int(s), value_string(s). */
static int infer_constant(Ctx *c)
{
    const Node *n = c->n;
    Tensor *o = out_t(c, 0);
    Shape s;
    shape_rank(&s, 0);
    const Attr *a;
    if ((a = node_attr(n, "value")) != NULL) {
        if (a->type != ATTR_TENSOR || a->tensor < 0 || a->tensor >= c->g->ntensors)
            return bad(c, "value is not a tensor");
        Tensor *src = &c->g->tensors[a->tensor];
        for (int d = 0; d < src->shape.ndim; d++)
            if (src->shape.dims[d] < 0)
                return bad(c, "value has a negative dim");
        set_out(c, 0, &src->shape);
        set_dt(c, 0, src->dtype);
        if (o && has_vals(src))
            store(o, DT_UNDEFINED, src->val.i, src->val.f, src->val.n);
        return OK;
    }
    if ((a = node_attr(n, "value_float")) != NULL) {
        set_out(c, 0, &s);
        set_dt(c, 0, DT_FLOAT);
        store(o, DT_FLOAT, NULL, &a->f, 1);
        return OK;
    }
    if ((a = node_attr(n, "value_int")) != NULL) {
        set_out(c, 0, &s);
        set_dt(c, 0, DT_INT64);
        store(o, DT_INT64, &a->i, NULL, 1);
        return OK;
    }
    if ((a = node_attr(n, "value_string")) != NULL) {
        set_out(c, 0, &s);
        set_dt(c, 0, DT_STRING);
        return OK;
    }
    const char *lists[] = {"value_floats", "value_ints", "value_strings"};
    for (int k = 0; k < 3; k++) {
        if ((a = node_attr(n, lists[k])) == NULL)
            continue;
        s.ndim = 1;
        s.dims[0] = a->n < 0 ? 0 : a->n;
        set_out(c, 0, &s);
        set_dt(c, 0, k == 0 ? DT_FLOAT : k == 1 ? DT_INT64 : DT_STRING);
        if (k == 0 && a->type == ATTR_FLOATS && (a->floats || a->n <= 0))
            store(o, DT_FLOAT, NULL, a->floats ? a->floats : &a->f, s.dims[0]);
        if (k == 1 && a->type == ATTR_INTS && (a->ints || a->n <= 0))
            store(o, DT_INT64, a->ints ? a->ints : &a->i, NULL, s.dims[0]);
        return OK;
    }
    return bad(c, "no value attribute");   /* e.g. sparse_value */
}

/* ConstantOfShape: the input's values are the shape; value attr (a
 * one-element tensor) gives dtype and fill, default float 0. */
static int infer_constant_of_shape(Ctx *c)
{
    const Attr *a = node_attr(c->n, "value");
    const Tensor *vt = (a && a->type == ATTR_TENSOR && a->tensor >= 0 &&
                        a->tensor < c->g->ntensors) ? &c->g->tensors[a->tensor] : NULL;
    int dt = vt ? vt->dtype : DT_FLOAT;
    set_dt(c, 0, dt);
    Tensor *st = in_t(c, 0);
    int64_t sh[GRAPH_MAX_DIMS];
    if (st && has_vals(st) && st->val.n > GRAPH_MAX_DIMS)
        return bad(c, "rank above %d", GRAPH_MAX_DIMS);
    int n = read_ints(st, sh, GRAPH_MAX_DIMS);
    Shape o;
    if (n < 0) {
        const Shape *ss = in_s(c, 0);
        if (ss->ndim == 1 && ss->dims[0] >= 0 && ss->dims[0] <= GRAPH_MAX_DIMS) {
            shape_rank(&o, (int)ss->dims[0]);
            set_out(c, 0, &o);
        }
        return OK;
    }
    shape_rank(&o, n);
    for (int i = 0; i < n; i++) {
        if (sh[i] < 0)
            return bad(c, "negative dim %lld", (long long)sh[i]);
        o.dims[i] = sh[i];
    }
    set_out(c, 0, &o);
    int64_t cnt = fold_count(c, 0);
    if (cnt < 0 || (vt && (!has_vals(vt) || vt->val.n != 1)))
        return OK;
    double fill = vt ? val_f(vt, 0) : 0.0;
    int64_t ifill = vt && vt->val.i ? vt->val.i[0] : 0;
    int64_t *iv = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *iv);
    double *fv = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *fv);
    if (iv && fv) {
        for (int64_t e = 0; e < cnt; e++) {
            iv[e] = ifill;
            fv[e] = fill;
        }
        int ints = vt && vt->val.i;
        store(out_t(c, 0), dt, ints ? iv : NULL, ints ? NULL : fv, cnt);
    }
    free(iv);
    free(fv);
    return OK;
}

/* Range: 1-D, max(ceil((limit - start) / delta), 0) elements. */
static int infer_range(Ctx *c)
{
    Tensor *t[3] = {in_t(c, 0), in_t(c, 1), in_t(c, 2)};
    Shape o;
    shape_rank(&o, 1);
    for (int k = 0; k < 3; k++)
        if (!has_vals(t[k]) || t[k]->val.n != 1) {
            set_out(c, 0, &o);
            return OK;
        }
    int64_t count;
    int ints = t[0]->val.i && t[1]->val.i && t[2]->val.i;
    if (ints) {
        int64_t s = t[0]->val.i[0], l = t[1]->val.i[0], d = t[2]->val.i[0];
        if (d == 0)
            return bad(c, "delta 0");
        /* unsigned: the true distance always fits in 64 bits */
        uint64_t span = d > 0 ? (l > s ? (uint64_t)l - (uint64_t)s : 0)
                              : (s > l ? (uint64_t)s - (uint64_t)l : 0);
        uint64_t ud = d > 0 ? (uint64_t)d : 0 - (uint64_t)d;
        uint64_t cu = span ? (span - 1) / ud + 1 : 0;
        if (cu > (uint64_t)INT64_MAX) {
            c->overflow = 1;
            return OK;
        }
        count = (int64_t)cu;
    } else {
        double s = val_f(t[0], 0), l = val_f(t[1], 0), d = val_f(t[2], 0);
        double v = ceil((l - s) / d);
        if (d == 0 || isnan(v))
            return bad(c, "delta 0 or not finite");
        if (v < 0)
            v = 0;
        if (v >= 9223372036854775807.0) {
            c->overflow = 1;
            return OK;
        }
        count = (int64_t)v;
    }
    o.dims[0] = count;
    set_out(c, 0, &o);
    if (count > GRAPH_MAX_CONST)
        return OK;
    int64_t *iv = malloc((size_t)(count > 0 ? count : 1) * sizeof *iv);
    double *fv = malloc((size_t)(count > 0 ? count : 1) * sizeof *fv);
    if (iv && fv) {
        int64_t vi = ints ? t[0]->val.i[0] : 0;
        for (int64_t e = 0; e < count; e++) {
            fv[e] = val_f(t[0], 0) + (double)e * val_f(t[2], 0);
            iv[e] = vi;
            if (ints && e + 1 < count)
                vi += t[2]->val.i[0];   /* stays between start and limit */
        }
        Tensor *out = out_t(c, 0);
        if (out)
            store(out, out->dtype, ints ? iv : NULL, ints ? NULL : fv, count);
    }
    free(iv);
    free(fv);
    return OK;
}

/* NonZero: int64 [rank, count]; count known only for constant input. */
static int infer_nonzero(Ctx *c)
{
    const Shape *x = in_s(c, 0);
    Tensor *xt = in_t(c, 0);
    set_dt(c, 0, DT_INT64);
    Shape o;
    shape_rank(&o, 2);
    o.dims[0] = x->ndim >= 0 ? (x->ndim ? x->ndim : 1) : -1;
    if (has_vals(xt)) {
        int64_t cnt = 0;
        for (int64_t e = 0; e < xt->val.n; e++)
            cnt += val_f(xt, e) != 0;
        o.dims[1] = cnt;
    }
    set_out(c, 0, &o);
    return OK;
}

/* OneHot: indices with a depth dim inserted at axis; dtype of values. */
static int infer_onehot(Ctx *c)
{
    const Shape *ix = in_s(c, 0);
    set_dt(c, 0, in_dt(c, 2));
    if (ix->ndim < 0)
        return OK;
    int r = ix->ndim + 1;
    if (r > GRAPH_MAX_DIMS)
        return bad(c, "rank %d exceeds %d", r, GRAPH_MAX_DIMS);
    int a = norm_axis(node_attr_int(c->n, "axis", -1), r);
    if (a < 0)
        return bad(c, "axis out of range for rank %d", r);
    int64_t depth = -1;
    Tensor *dt = in_t(c, 1);
    if (has_vals(dt) && dt->val.n == 1) {
        double d = val_f(dt, 0);
        if (!(d >= 0 && d < 9.2e18))
            return bad(c, "depth %g", d);
        depth = (int64_t)d;
    }
    Shape o;
    shape_rank(&o, r);
    for (int d = 0, j = 0; d < r; d++)
        o.dims[d] = d == a ? depth : ix->dims[j++];
    set_out(c, 0, &o);
    return OK;
}

/* DepthToSpace (arg 0) / SpaceToDepth (arg 1) on NCHW with blocksize b. */
static int infer_depth_space(Ctx *c)
{
    const Shape *x = in_s(c, 0);
    int64_t b = node_attr_int(c->n, "blocksize", 0);
    if (x->ndim < 0)
        return OK;
    if (x->ndim != 4 || b < 1 || b > 65536)
        return bad(c, "needs rank 4 and a blocksize in 1..65536");
    Shape o = *x;
    int64_t bb = b * b;
    if (c->arg == 0) {
        if (x->dims[1] >= 0 && x->dims[1] % bb)
            return bad(c, "channels not divisible by blocksize^2");
        o.dims[1] = x->dims[1] < 0 ? -1 : x->dims[1] / bb;
        for (int d = 2; d < 4; d++)
            o.dims[d] = x->dims[d] < 0 ? -1 : mul64(c, x->dims[d], b);
    } else {
        o.dims[1] = x->dims[1] < 0 ? -1 : mul64(c, x->dims[1], bb);
        for (int d = 2; d < 4; d++) {
            if (x->dims[d] >= 0 && x->dims[d] % b)
                return bad(c, "spatial dim not divisible by blocksize");
            o.dims[d] = x->dims[d] < 0 ? -1 : x->dims[d] / b;
        }
    }
    set_out(c, 0, &o);
    return OK;
}

/* QuantizeLinear (arg 1: dtype of the zero point, uint8 by default) and
 * DequantizeLinear (arg 0: dtype of the scale). */
static int infer_quant(Ctx *c)
{
    set_out(c, 0, in_s(c, 0));
    if (c->arg)
        set_dt(c, 0, in_t(c, 2) ? in_dt(c, 2) : DT_UINT8);
    else
        set_dt(c, 0, in_t(c, 1) ? in_dt(c, 1) : DT_FLOAT);
    return OK;
}

/* LSTM/GRU/RNN: Y [seq, dirs, batch, hidden] (layout 0) or
 * [batch, seq, dirs, hidden] (layout 1); Y_h, Y_c [dirs, batch, hidden]
 * or [batch, dirs, hidden]. */
static int infer_rnn(Ctx *c)
{
    const Shape *x = in_s(c, 0), *rw = in_s(c, 2);
    int layout = node_attr_int(c->n, "layout", 0) != 0;
    const char *dir = node_attr_str(c->n, "direction", "forward");
    int64_t dirs = strcmp(dir, "bidirectional") == 0 ? 2 : 1;
    int64_t hidden = node_attr_int(c->n, "hidden_size", -1);
    if (hidden < 0 && rw->ndim == 3)
        hidden = rw->dims[2];
    if (hidden < -1)
        hidden = -1;
    if (x->ndim >= 0 && x->ndim != 3)
        return bad(c, "input rank %d, expected 3", x->ndim);
    int64_t seq = x->ndim == 3 ? x->dims[layout ? 1 : 0] : -1;
    int64_t batch = x->ndim == 3 ? x->dims[layout ? 0 : 1] : -1;
    Shape y, h;
    shape_rank(&y, 4);
    shape_rank(&h, 3);
    if (layout) {
        y.dims[0] = batch; y.dims[1] = seq; y.dims[2] = dirs;
        h.dims[0] = batch; h.dims[1] = dirs;
    } else {
        y.dims[0] = seq; y.dims[1] = dirs; y.dims[2] = batch;
        h.dims[0] = dirs; h.dims[1] = batch;
    }
    y.dims[3] = hidden;
    h.dims[2] = hidden;
    set_out(c, 0, &y);
    set_out(c, 1, &h);
    set_out(c, 2, &h);
    return OK;
}

/* ---- the op table ------------------------------------------------------ */

static const OpRule OPS[] = {
    /* activations and other elementwise ops: output = input 0 */
    {"Relu", infer_same, 0}, {"Clip", infer_same, 0},
    {"LeakyRelu", infer_same, 0}, {"Sigmoid", infer_same, 0},
    {"HardSigmoid", infer_same, 0}, {"HardSwish", infer_same, 0},
    {"Tanh", infer_same, 0}, {"Erf", infer_same, 0}, {"Gelu", infer_same, 0},
    {"Softmax", infer_same, 0}, {"LogSoftmax", infer_same, 0},
    {"Hardmax", infer_same, 0}, {"Elu", infer_same, 0},
    {"Selu", infer_same, 0}, {"Celu", infer_same, 0},
    {"Softplus", infer_same, 0}, {"Softsign", infer_same, 0},
    {"ThresholdedRelu", infer_same, 0}, {"Mish", infer_same, 0},
    {"Shrink", infer_same, 0}, {"Sqrt", infer_same, 0},
    {"Exp", infer_same, 0}, {"Log", infer_same, 0},
    {"Neg", infer_same, F_NEG}, {"Abs", infer_same, F_ABS},
    {"Reciprocal", infer_same, 0}, {"Floor", infer_same, 0},
    {"Ceil", infer_same, 0}, {"Round", infer_same, 0},
    {"Sign", infer_same, 0}, {"Sin", infer_same, 0}, {"Cos", infer_same, 0},
    {"Tan", infer_same, 0}, {"Identity", infer_same, F_IDENT},
    {"LRN", infer_same, 0}, {"MeanVarianceNormalization", infer_same, 0},
    {"InstanceNormalization", infer_same, 0},
    {"GroupNormalization", infer_same, 0},
    {"CumSum", infer_same, 0}, {"Trilu", infer_same, 0},
    {"ScatterElements", infer_same, 0}, {"ScatterND", infer_same, 0},
    {"Scatter", infer_same, 0},
    {"Not", infer_bool_unary, 0}, {"IsNaN", infer_bool_unary, 0},
    {"IsInf", infer_bool_unary, 0},
    {"PRelu", infer_prelu, 0},
    {"Cast", infer_cast, 0}, {"CastLike", infer_castlike, 0},
    {"Dropout", infer_dropout, 0},
    {"BatchNormalization", infer_batchnorm, 0},
    {"LayerNormalization", infer_layernorm, 0},
    /* broadcasting */
    {"Add", infer_bcast, F_ADD}, {"Sub", infer_bcast, F_SUB},
    {"Mul", infer_bcast, F_MUL}, {"Div", infer_bcast, F_DIV},
    {"Pow", infer_bcast, F_NONE}, {"Mod", infer_bcast, F_NONE},
    {"Max", infer_bcast, F_MAX}, {"Min", infer_bcast, F_MIN},
    {"Sum", infer_bcast, F_ADD}, {"Mean", infer_bcast, F_NONE},
    {"BitShift", infer_bcast, F_NONE},
    {"Equal", infer_compare, F_EQ}, {"Less", infer_compare, F_LESS},
    {"Greater", infer_compare, F_GREATER},
    {"LessOrEqual", infer_compare, F_NONE},
    {"GreaterOrEqual", infer_compare, F_NONE},
    {"And", infer_compare, F_NONE}, {"Or", infer_compare, F_NONE},
    {"Xor", infer_compare, F_NONE},
    {"Where", infer_where, 0},
    /* windows */
    {"Conv", infer_conv, 0}, {"ConvTranspose", infer_convtranspose, 0},
    {"MaxPool", infer_pool, 0}, {"AveragePool", infer_pool, 0},
    {"LpPool", infer_pool, 0},
    {"GlobalAveragePool", infer_global_pool, 0},
    {"GlobalMaxPool", infer_global_pool, 0},
    {"GlobalLpPool", infer_global_pool, 0},
    /* matrix products */
    {"Gemm", infer_gemm, 0}, {"MatMul", infer_matmul, 0},
    {"MatMulInteger", infer_matmul, 1},
    /* shape manipulation */
    {"Flatten", infer_flatten, 0}, {"Reshape", infer_reshape, 0},
    {"Transpose", infer_transpose, 0}, {"Concat", infer_concat, 0},
    {"Split", infer_split, 0}, {"Slice", infer_slice, 0},
    {"Squeeze", infer_squeeze, 0}, {"Unsqueeze", infer_unsqueeze, 0},
    {"Pad", infer_pad, 0}, {"Resize", infer_resize, 0},
    {"Upsample", infer_resize, 1}, {"Tile", infer_tile, 0},
    {"Expand", infer_expand, 0},
    {"DepthToSpace", infer_depth_space, 0},
    {"SpaceToDepth", infer_depth_space, 1},
    /* reductions */
    {"ReduceMean", infer_reduce, R_OTHER}, {"ReduceSum", infer_reduce, R_SUM},
    {"ReduceMax", infer_reduce, R_MAX}, {"ReduceMin", infer_reduce, R_MIN},
    {"ReduceProd", infer_reduce, R_PROD}, {"ReduceL1", infer_reduce, R_OTHER},
    {"ReduceL2", infer_reduce, R_OTHER},
    {"ReduceLogSum", infer_reduce, R_OTHER},
    {"ReduceLogSumExp", infer_reduce, R_OTHER},
    {"ReduceSumSquare", infer_reduce, R_OTHER},
    {"ArgMax", infer_argmax, 0}, {"ArgMin", infer_argmax, 0},
    {"TopK", infer_topk, 0},
    /* queries, gathers, generators */
    {"Shape", infer_shape, 0}, {"Size", infer_size, 0},
    {"Gather", infer_gather, 0},
    {"GatherElements", infer_gather_elements, 0},
    {"GatherND", infer_gather_nd, 0},
    {"Constant", infer_constant, 0},
    {"ConstantOfShape", infer_constant_of_shape, 0},
    {"Range", infer_range, 0}, {"NonZero", infer_nonzero, 0},
    {"OneHot", infer_onehot, 0},
    {"QuantizeLinear", infer_quant, 1}, {"DequantizeLinear", infer_quant, 0},
    {"LSTM", infer_rnn, 0}, {"GRU", infer_rnn, 0}, {"RNN", infer_rnn, 0},
};

/* com.microsoft contrib ops whose output is shaped like input 0. */
static const OpRule MS_OPS[] = {
    {"Gelu", infer_same, 0}, {"FastGelu", infer_same, 0},
    {"BiasGelu", infer_same, 0}, {"QuickGelu", infer_same, 0},
};

static const OpRule *find_rule(const char *domain, const char *op)
{
    const OpRule *tab = OPS;
    size_t n = sizeof OPS / sizeof OPS[0];
    if (domain && domain[0] && strcmp(domain, "ai.onnx") != 0) {
        if (strcmp(domain, "com.microsoft") != 0)
            return NULL;
        tab = MS_OPS;
        n = sizeof MS_OPS / sizeof MS_OPS[0];
    }
    for (size_t i = 0; op && i < n; i++)
        if (strcmp(tab[i].op, op) == 0)
            return &tab[i];
    return NULL;
}

int shape_op_known(const char *domain, const char *op)
{
    return find_rule(domain, op) != NULL;
}

/* ---- driver ------------------------------------------------------------ */

static void clear_const(Tensor *t)
{
    free(t->val.i);
    free(t->val.f);
    t->val.i = NULL;
    t->val.f = NULL;
    t->val.n = 0;
    t->is_const = 0;
}

/* Before (and after a BAD) rule: outputs unknown, not constant. */
static void reset_outputs(Graph *g, Node *n)
{
    for (int k = 0; k < n->noutputs; k++) {
        Tensor *t = node_out(g, n, k);
        if (!t)
            continue;
        shape_unknown(&t->shape);
        clear_const(t);
    }
}

/* Name of the first node reading tensor t, for messages. */
static const char *reader_of(const Graph *g, int t)
{
    for (int i = 0; i < g->nnodes; i++)
        for (int k = 0; k < g->nodes[i].ninputs; k++)
            if (g->nodes[i].inputs[k] == t)
                return g->nodes[i].name;
    return "(none)";
}

/* Element count overflow check; 0 dims make any product fine. */
static int numel_overflows(const Shape *s)
{
    int64_t p = 1;
    for (int d = 0; d < s->ndim; d++)
        if (s->dims[d] == 0)
            return 0;
    for (int d = 0; d < s->ndim; d++)
        if (s->dims[d] > 0 && __builtin_mul_overflow(p, s->dims[d], &p))
            return 1;
    return 0;
}

/* Every tensor's rank is brought into range first, so rules can index
 * dims freely; dims below -1 on computed tensors become unknown. */
static void sanitize_shapes(Graph *g)
{
    for (int i = 0; i < g->ntensors; i++) {
        Tensor *t = &g->tensors[i];
        Shape *s = &t->shape;
        if (s->ndim > GRAPH_MAX_DIMS || s->ndim < -1) {
            if (t->is_input || t->is_initializer)
                graph_note(g, "tensor '%s': rank %d exceeds %d, shape unknown",
                           t->name, s->ndim, GRAPH_MAX_DIMS);
            shape_unknown(s);
            continue;
        }
        for (int d = 0; d < s->ndim; d++)
            if (s->dims[d] < -1 && !t->is_input && !t->is_initializer)
                s->dims[d] = -1;
    }
}

/* Graph inputs and initializers come from the file, so their dims are
 * checked before anything is computed from them.  An initializer has no
 * unknown dims, so any negative one is corrupt; on an input -1 means
 * unknown. */
static int check_sources(Graph *g, char *err, size_t errlen)
{
    sanitize_shapes(g);
    for (int i = 0; i < g->ntensors; i++) {
        Tensor *t = &g->tensors[i];
        const Shape *s = &t->shape;
        if (!t->is_input && !t->is_initializer)
            continue;
        const char *what = t->is_initializer ? "initializer" : "graph input";
        for (int d = 0; d < s->ndim; d++) {
            int64_t v = s->dims[d];
            if (t->is_initializer ? v < 0 : v < -1) {
                snprintf(err, errlen, "tensor '%s' (%s read by node '%s'): "
                         "negative dim %lld at axis %d", t->name, what,
                         reader_of(g, i), (long long)v, d);
                return -1;
            }
        }
        if (numel_overflows(s)) {
            snprintf(err, errlen, "tensor '%s' (%s read by node '%s'): "
                     "element count overflows int64", t->name, what,
                     reader_of(g, i));
            return -1;
        }
    }
    return 0;
}

int shape_infer(Graph *g, char *err, size_t errlen)
{
    char dummy[1];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = 0;
    if (check_sources(g, err, errlen))
        return -1;
    int64_t opset = default_opset(g);
    for (int i = 0; i < g->nnodes; i++) {
        Node *n = &g->nodes[i];
        const OpRule *rule = find_rule(n->domain, n->op);
        reset_outputs(g, n);
        n->supported = rule != NULL;
        if (!rule)
            continue;
        /* most ops keep input 0's dtype; rules override the rest */
        Tensor *x = node_in(g, n, 0);
        for (int k = 0; k < n->noutputs && x; k++) {
            Tensor *t = node_out(g, n, k);
            if (t)
                t->dtype = x->dtype;
        }
        Ctx c;
        memset(&c, 0, sizeof c);
        c.g = g;
        c.n = n;
        c.opset = opset;
        c.arg = rule->arg;
        shape_unknown(&c.none);
        int rc = rule->fn(&c);
        Tensor *o0 = node_out(g, n, 0);
        if (c.overflow) {
            reset_outputs(g, n);    /* no half-computed dims left behind */
            snprintf(err, errlen, "tensor '%s' (output of node '%s' (%s)): "
                     "a dim overflows int64", o0 ? o0->name : "?", n->name, n->op);
            return -1;
        }
        if (rc != OK) {
            reset_outputs(g, n);
            continue;
        }
        for (int k = 0; k < n->noutputs; k++) {
            Tensor *t = node_out(g, n, k);
            if (t && numel_overflows(&t->shape)) {
                snprintf(err, errlen, "tensor '%s' (output of node '%s' (%s)): "
                         "element count overflows int64", t->name, n->name, n->op);
                return -1;
            }
        }
    }
    return 0;
}
