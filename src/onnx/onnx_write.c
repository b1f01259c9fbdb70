/* onnx_write.c -- Graph -> ModelProto -> file (see onnx_write.h).
 *
 * Every protobuf-c struct, array and weight payload of one write lives in a
 * bump arena freed at the end, so building the message needs no per-field
 * cleanup.  Strings and int lists point straight into the graph (packing
 * only reads them).  Weights without known values are drawn on the fly
 * from a per-tensor random stream (seed + tensor name), with a range that
 * suits the tensor's role: fan-in scaled for Conv/Gemm/MatMul weights, near
 * 1 for norm scales, positive for BatchNormalization running variance.
 * Payloads go in raw_data, which ONNX defines as little-endian.
 */
#include "onnx_write.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "onnx.pb-c.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "onnx_write.c copies host-order numbers into raw_data: little-endian only"
#endif

enum { IR_VERSION = 8, DEFAULT_OPSET = 17 };

/* ---- arena ---------------------------------------------------------------- */

typedef struct Block {
    struct Block *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} Block;

typedef struct {
    Block *head;
} Arena;

/* Zeroed memory that lives until arena_free; NULL when out of memory. */
static void *arena_alloc(Arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (!a->head || a->head->cap - a->head->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        Block *b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->next = a->head;
        b->used = 0;
        b->cap = cap;
        a->head = b;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += n;
    memset(p, 0, n);
    return p;
}

static void arena_free(Arena *a)
{
    while (a->head) {
        Block *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}

/* ---- writer state --------------------------------------------------------- */

/* Value range of a random initializer. */
typedef struct {
    double lo, hi;
} Range;

typedef struct {
    const Graph *g;
    Arena a;
    uint64_t seed;
    Range *range;          /* per tensor; used by initializers only */
    char *err;
    size_t errlen;
    int failed;
} Writer;

static void fail(Writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(Writer *w, const char *fmt, ...)
{
    if (w->failed)
        return;
    w->failed = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->err, w->errlen, fmt, ap);
    va_end(ap);
}

static void *alloc(Writer *w, size_t n)
{
    void *p = arena_alloc(&w->a, n);
    if (!p)
        fail(w, "out of memory");
    return p;
}

/* ---- random weights ------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* How to draw an initializer, by the op and input slot that reads it. */
enum { R_DEFAULT, R_WEIGHT, R_ONE, R_SMALL, R_VAR };

static const struct {
    const char *op;
    int input;
    int role;
} roles[] = {
    {"Conv", 1, R_WEIGHT},          {"Conv", 2, R_WEIGHT},
    {"ConvTranspose", 1, R_WEIGHT}, {"ConvTranspose", 2, R_WEIGHT},
    {"Gemm", 0, R_WEIGHT},          {"Gemm", 1, R_WEIGHT},
    {"Gemm", 2, R_WEIGHT},          {"MatMul", 0, R_WEIGHT},
    {"MatMul", 1, R_WEIGHT},
    {"BatchNormalization", 1, R_ONE}, {"BatchNormalization", 2, R_SMALL},
    {"BatchNormalization", 3, R_SMALL}, {"BatchNormalization", 4, R_VAR},
    {"LayerNormalization", 1, R_ONE}, {"LayerNormalization", 2, R_SMALL},
    {"InstanceNormalization", 1, R_ONE}, {"InstanceNormalization", 2, R_SMALL},
};

/* Inputs summed per output of the node (K of a matmul, Cin*k*k of a conv);
 * 0 when the shapes do not say. */
static int64_t node_fan_in(const Graph *g, const Node *n)
{
    const Tensor *a = n->ninputs > 0 && n->inputs[0] >= 0 ? &g->tensors[n->inputs[0]] : NULL;
    const Tensor *b = n->ninputs > 1 && n->inputs[1] >= 0 ? &g->tensors[n->inputs[1]] : NULL;
    if (!b || !shape_known(&b->shape))
        return 0;
    const Shape *s = &b->shape;
    if (strcmp(n->op, "Conv") == 0 || strcmp(n->op, "ConvTranspose") == 0)
        return s->ndim >= 2 && s->dims[0] ? shape_numel(s) / s->dims[0] : 0;
    if (strcmp(n->op, "Gemm") == 0 && s->ndim == 2)
        return node_attr_int(n, "transB", 0) ? s->dims[1] : s->dims[0];
    if (strcmp(n->op, "MatMul") == 0) {
        if (s->ndim >= 2)
            return s->dims[s->ndim - 2];
        if (a && a->shape.ndim >= 1 && a->shape.dims[a->shape.ndim - 1] > 0)
            return a->shape.dims[a->shape.ndim - 1];
    }
    return 0;
}

static Range role_range(const Graph *g, const Node *n, int role)
{
    switch (role) {
    case R_WEIGHT: {
        int64_t fan = node_fan_in(g, n);
        double b = fan > 0 ? sqrt(1.0 / (double)fan) : 0.1;
        return (Range){-b, b};
    }
    case R_ONE: return (Range){0.9, 1.1};
    case R_VAR: return (Range){0.5, 1.5};   /* running variance must be > 0 */
    case R_SMALL:
    default: return (Range){-0.1, 0.1};
    }
}

/* The first reader of each initializer decides its range. */
static int assign_ranges(Writer *w)
{
    const Graph *g = w->g;
    w->range = calloc((size_t)(g->ntensors ? g->ntensors : 1), sizeof *w->range);
    unsigned char *seen = calloc((size_t)(g->ntensors ? g->ntensors : 1), 1);
    if (!w->range || !seen) {
        free(seen);
        fail(w, "out of memory");
        return -1;
    }
    for (int t = 0; t < g->ntensors; t++)
        w->range[t] = role_range(g, NULL, R_DEFAULT);
    for (int i = 0; i < g->nnodes; i++) {
        const Node *n = &g->nodes[i];
        for (int k = 0; k < n->ninputs; k++) {
            int t = n->inputs[k];
            if (t < 0 || seen[t] || !g->tensors[t].is_initializer)
                continue;
            seen[t] = 1;
            int role = R_DEFAULT;
            for (size_t r = 0; r < sizeof roles / sizeof roles[0]; r++)
                if (roles[r].input == k && strcmp(roles[r].op, n->op) == 0)
                    role = roles[r].role;
            w->range[t] = role_range(g, n, role);
        }
    }
    free(seen);
    return 0;
}

/* ---- tensor payloads ------------------------------------------------------ */

static int is_float_dtype(int dt)
{
    return dt == DT_FLOAT || dt == DT_DOUBLE || dt == DT_FLOAT16 || dt == DT_BFLOAT16;
}

/* fp32 -> IEEE half, round to nearest; enough for weights. */
static uint16_t to_half(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    int32_t e = (int32_t)((x >> 23) & 0xff) - 127 + 15;
    uint32_t m = x & 0x7fffff;
    if (e >= 31)
        return sign | 0x7c00;
    if (e <= 0)
        return sign; /* flush tiny values to zero */
    uint16_t h = (uint16_t)(sign | (uint16_t)(e << 10) | (uint16_t)(m >> 13));
    if (m & 0x1000)
        h++;
    return h;
}

/* One element of type dt at p, from a float (f) or integer (i) value. */
static void put_elem(uint8_t *p, int dt, int is_int, double f, int64_t i)
{
    double d = is_int ? (double)i : f;
    int64_t v = is_int ? i : (int64_t)f;
    switch (dt) {
    case DT_FLOAT: { float x = (float)d; memcpy(p, &x, 4); break; }
    case DT_DOUBLE: memcpy(p, &d, 8); break;
    case DT_FLOAT16: { uint16_t h = to_half((float)d); memcpy(p, &h, 2); break; }
    case DT_BFLOAT16: {
        float x = (float)d;
        uint32_t u;
        memcpy(&u, &x, 4);
        uint16_t h = (uint16_t)(u >> 16);
        memcpy(p, &h, 2);
        break;
    }
    case DT_INT64: case DT_UINT64: memcpy(p, &v, 8); break;
    case DT_INT32: case DT_UINT32: { int32_t x = (int32_t)v; memcpy(p, &x, 4); break; }
    case DT_INT16: case DT_UINT16: { int16_t x = (int16_t)v; memcpy(p, &x, 2); break; }
    case DT_BOOL: *p = v != 0; break;
    default: *p = (uint8_t)v; break; /* int8, uint8 */
    }
}

/* Fill raw_data: the known constant values, else random floats, else 0. */
static void fill_payload(Writer *w, Onnx__TensorProto *tp, const Tensor *t, int ti)
{
    int64_t n = shape_numel(&t->shape);
    int esz = dtype_size(t->dtype);
    if (n < 0) {
        fail(w, "tensor '%s' has an unknown shape; cannot write its data", t->name);
        return;
    }
    if (esz == 0) {
        fail(w, "tensor '%s' has type %s, which the writer cannot fill", t->name,
             dtype_name(t->dtype));
        return;
    }
    uint8_t *p = alloc(w, (size_t)n * (size_t)esz + 1);
    if (!p)
        return;
    tp->has_raw_data = 1;
    tp->raw_data.data = p;
    tp->raw_data.len = (size_t)n * (size_t)esz;
    if (t->val.n == n && (t->val.i || t->val.f)) {
        for (int64_t k = 0; k < n; k++)
            put_elem(p + k * esz, t->dtype, t->val.i != NULL,
                     t->val.f ? t->val.f[k] : 0, t->val.i ? t->val.i[k] : 0);
        return;
    }
    if (!is_float_dtype(t->dtype))
        return; /* integer data of unknown value: zeros */
    Range r = w->range && ti >= 0 ? w->range[ti] : role_range(w->g, NULL, R_DEFAULT);
    uint64_t s = w->seed ^ hash_str(t->name);
    for (int64_t k = 0; k < n; k++) {
        double u = (double)(splitmix64(&s) >> 11) * 0x1.0p-53;
        put_elem(p + k * esz, t->dtype, 0, r.lo + (r.hi - r.lo) * u, 0);
    }
}

/* A TensorProto for tensor ti; named unless it is an attribute value. */
static Onnx__TensorProto *tensor_proto(Writer *w, int ti, int named)
{
    const Tensor *t = &w->g->tensors[ti];
    Onnx__TensorProto *tp = alloc(w, sizeof *tp);
    if (!tp)
        return NULL;
    onnx__tensor_proto__init(tp);
    if (named)
        tp->name = t->name;
    tp->has_data_type = 1;
    tp->data_type = t->dtype;
    if (t->shape.ndim > 0) {
        tp->n_dims = (size_t)t->shape.ndim;
        tp->dims = (int64_t *)t->shape.dims;
    }
    fill_payload(w, tp, t, ti);
    return tp;
}

/* ---- value infos, attributes, nodes --------------------------------------- */

static Onnx__ValueInfoProto *value_info(Writer *w, const Tensor *t)
{
    Onnx__ValueInfoProto *vi = alloc(w, sizeof *vi);
    Onnx__TypeProto *ty = alloc(w, sizeof *ty);
    Onnx__TypeProto__Tensor *tt = alloc(w, sizeof *tt);
    if (!vi || !ty || !tt)
        return NULL;
    onnx__value_info_proto__init(vi);
    onnx__type_proto__init(ty);
    onnx__type_proto__tensor__init(tt);
    vi->name = t->name;
    vi->type = ty;
    ty->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    ty->tensor_type = tt;
    if (t->dtype != DT_UNDEFINED) {
        tt->has_elem_type = 1;
        tt->elem_type = t->dtype;
    }
    if (t->shape.ndim < 0)
        return vi; /* rank unknown: no shape at all */
    Onnx__TensorShapeProto *sp = alloc(w, sizeof *sp);
    Onnx__TensorShapeProto__Dimension **dims =
        alloc(w, (size_t)(t->shape.ndim + 1) * sizeof *dims);
    if (!sp || !dims)
        return NULL;
    onnx__tensor_shape_proto__init(sp);
    sp->n_dim = (size_t)t->shape.ndim;
    sp->dim = dims;
    tt->shape = sp;
    for (int d = 0; d < t->shape.ndim; d++) {
        Onnx__TensorShapeProto__Dimension *dm = alloc(w, sizeof *dm);
        if (!dm)
            return NULL;
        onnx__tensor_shape_proto__dimension__init(dm);
        if (t->shape.dims[d] >= 0) {
            dm->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
            dm->dim_value = t->shape.dims[d];
        } else if (t->dim_param[d]) {
            dm->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            dm->dim_param = t->dim_param[d];
        }
        dims[d] = dm;
    }
    return vi;
}

static Onnx__AttributeProto *attr_proto(Writer *w, const Node *n, const Attr *a)
{
    Onnx__AttributeProto *ap = alloc(w, sizeof *ap);
    if (!ap)
        return NULL;
    onnx__attribute_proto__init(ap);
    ap->name = a->name;
    ap->has_type = 1;
    switch (a->type) {
    case ATTR_FLOAT:
        ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
        ap->has_f = 1;
        ap->f = (float)a->f;
        break;
    case ATTR_INT:
        ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
        ap->has_i = 1;
        ap->i = a->i;
        break;
    case ATTR_STRING:
        ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
        ap->has_s = 1;
        ap->s.data = (uint8_t *)(a->s ? a->s : "");
        ap->s.len = a->s ? strlen(a->s) : 0;
        break;
    case ATTR_INTS:
        ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
        ap->n_ints = (size_t)a->n;
        ap->ints = a->ints;
        break;
    case ATTR_FLOATS:
        ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
        ap->n_floats = (size_t)a->n;
        ap->floats = alloc(w, (size_t)(a->n + 1) * sizeof *ap->floats);
        if (!ap->floats)
            return NULL;
        for (int k = 0; k < a->n; k++)
            ap->floats[k] = (float)a->floats[k];
        break;
    case ATTR_TENSOR:
        if (a->tensor < 0) {
            fail(w, "node '%s': tensor attribute '%s' has no value", n->name, a->name);
            return NULL;
        }
        ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
        ap->t = tensor_proto(w, a->tensor, 0);
        break;
    default:
        fail(w, "node '%s' (%s): attribute '%s' is a subgraph or string list, "
             "which the writer cannot express", n->name, n->op, a->name);
        return NULL;
    }
    return ap;
}

static Onnx__NodeProto *node_proto(Writer *w, const Node *n)
{
    Onnx__NodeProto *np = alloc(w, sizeof *np);
    char **in = alloc(w, (size_t)(n->ninputs + 1) * sizeof *in);
    char **out = alloc(w, (size_t)(n->noutputs + 1) * sizeof *out);
    Onnx__AttributeProto **at = alloc(w, (size_t)(n->nattrs + 1) * sizeof *at);
    if (!np || !in || !out || !at)
        return NULL;
    onnx__node_proto__init(np);
    np->name = n->name;
    np->op_type = n->op;
    np->domain = n->domain && n->domain[0] ? n->domain : NULL;
    for (int k = 0; k < n->ninputs; k++)   /* "" marks an omitted input */
        in[k] = n->inputs[k] >= 0 ? w->g->tensors[n->inputs[k]].name : "";
    for (int k = 0; k < n->noutputs; k++)
        out[k] = n->outputs[k] >= 0 ? w->g->tensors[n->outputs[k]].name : "";
    for (int k = 0; k < n->nattrs && !w->failed; k++)
        at[k] = attr_proto(w, n, &n->attrs[k]);
    np->n_input = (size_t)n->ninputs;
    np->input = in;
    np->n_output = (size_t)n->noutputs;
    np->output = out;
    np->n_attribute = (size_t)n->nattrs;
    np->attribute = at;
    return np;
}

/* ---- graph and model ------------------------------------------------------ */

static Onnx__GraphProto *graph_proto(Writer *w)
{
    const Graph *g = w->g;
    Onnx__GraphProto *gp = alloc(w, sizeof *gp);
    if (!gp)
        return NULL;
    onnx__graph_proto__init(gp);
    gp->name = g->name && g->name[0] ? g->name : "graph";
    gp->node = alloc(w, (size_t)(g->nnodes + 1) * sizeof *gp->node);
    gp->input = alloc(w, (size_t)(g->ninputs + 1) * sizeof *gp->input);
    gp->output = alloc(w, (size_t)(g->noutputs + 1) * sizeof *gp->output);
    int ninit = 0;
    for (int t = 0; t < g->ntensors; t++)
        ninit += g->tensors[t].is_initializer;
    gp->initializer = alloc(w, (size_t)(ninit + 1) * sizeof *gp->initializer);
    if (w->failed)
        return NULL;
    for (int k = 0; k < g->ninputs && !w->failed; k++)
        gp->input[gp->n_input++] = value_info(w, &g->tensors[g->inputs[k]]);
    for (int k = 0; k < g->noutputs && !w->failed; k++)
        gp->output[gp->n_output++] = value_info(w, &g->tensors[g->outputs[k]]);
    for (int i = 0; i < g->nnodes && !w->failed; i++)
        gp->node[gp->n_node++] = node_proto(w, &g->nodes[i]);
    for (int t = 0; t < g->ntensors && !w->failed; t++)
        if (g->tensors[t].is_initializer)
            gp->initializer[gp->n_initializer++] = tensor_proto(w, t, 1);
    return w->failed ? NULL : gp;
}

static Onnx__ModelProto *model_proto(Writer *w)
{
    const Graph *g = w->g;
    Onnx__ModelProto *mp = alloc(w, sizeof *mp);
    int nops = g->nopsets ? g->nopsets : 1;
    Onnx__OperatorSetIdProto **ops = alloc(w, (size_t)nops * sizeof *ops);
    if (!mp || !ops)
        return NULL;
    onnx__model_proto__init(mp);
    mp->has_ir_version = 1;
    mp->ir_version = IR_VERSION;
    mp->producer_name = g->producer && g->producer[0] ? g->producer : "nnmeter-tui";
    for (int k = 0; k < nops; k++) {
        ops[k] = alloc(w, sizeof *ops[k]);
        if (!ops[k])
            return NULL;
        onnx__operator_set_id_proto__init(ops[k]);
        ops[k]->domain = g->nopsets ? g->opsets[k].domain : "";
        ops[k]->has_version = 1;
        ops[k]->version = g->nopsets ? g->opsets[k].version : DEFAULT_OPSET;
    }
    mp->n_opset_import = (size_t)nops;
    mp->opset_import = ops;
    mp->graph = graph_proto(w);
    return w->failed ? NULL : mp;
}

/* ---- file ----------------------------------------------------------------- */

typedef struct {
    ProtobufCBuffer base;
    FILE *f;
    int err;                /* errno of the first failed write */
} FileBuf;

static void file_append(ProtobufCBuffer *b, size_t len, const uint8_t *data)
{
    FileBuf *fb = (FileBuf *)b;
    if (!fb->err && len && fwrite(data, 1, len, fb->f) != len)
        fb->err = errno ? errno : EIO;
}

/* Pack into a temporary file next to path, then rename over it, so a
 * reader never sees half a model. */
static int write_atomic(Writer *w, const Onnx__ModelProto *mp, const char *path)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp) {
        fail(w, "out of memory");
        return -1;
    }
    snprintf(tmp, plen + 16, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fail(w, "cannot create '%s': %s", tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    mode_t um = umask(0);
    umask(um);
    fchmod(fd, 0666 & ~um);  /* mkstemp makes 0600; give the usual mode */
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        fail(w, "cannot write '%s': %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        free(tmp);
        return -1;
    }
    FileBuf fb = {.base = {.append = file_append}, .f = f};
    protobuf_c_message_pack_to_buffer(&mp->base, &fb.base);
    if (fclose(f) != 0 && !fb.err)
        fb.err = errno ? errno : EIO;
    if (!fb.err && rename(tmp, path) != 0)
        fb.err = errno;
    if (fb.err) {
        fail(w, "cannot write '%s': %s", path, strerror(fb.err));
        unlink(tmp);
    }
    free(tmp);
    return fb.err ? -1 : 0;
}

int onnx_write(const Graph *g, const char *path, uint64_t seed, char *err, size_t errlen)
{
    Writer w = {.g = g, .seed = seed, .err = err, .errlen = errlen};
    if (err && errlen)
        err[0] = 0;
    int rc = -1;
    if (assign_ranges(&w) == 0) {
        Onnx__ModelProto *mp = model_proto(&w);
        if (mp)
            rc = write_atomic(&w, mp, path);
    }
    free(w.range);
    arena_free(&w.a);
    return rc;
}
