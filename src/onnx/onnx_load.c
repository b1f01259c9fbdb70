/* onnx_load.c -- ModelProto -> Graph.
 *
 * The file is mapped, not read: wire.c finds the boundaries of the graph's
 * nodes, initializers and value infos, and protobuf-c unpacks them one at a
 * time.  Each initializer's dims are kept and its payload dropped (unless it
 * is small enough to matter for constant folding), and the mapped pages
 * behind it are released, so a 100 MB model costs about 100 MB at peak.
 */
#include "onnx_load.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "onnx.pb-c.h"
#include "wire.h"

/* ModelProto and GraphProto field numbers (onnx.proto). */
enum { MODEL_GRAPH = 7 };
enum {
    GRAPH_NODE = 1, GRAPH_NAME = 2, GRAPH_INITIALIZER = 5, GRAPH_INPUT = 11,
    GRAPH_OUTPUT = 12, GRAPH_SPARSE_INITIALIZER = 15
};

/* What protobuf-c is shown (see wire.h): every field the loader reads, and
 * none that nests without bound (subgraphs, functions, sequence types). */
static const uint32_t attr_keep[] = {1, 2, 3, 4, 5, 7, 8, 9, 10, 20, 21};
static const WireFilter attr_filter = {attr_keep, 11, {{0, 0}}, 0};
static const uint32_t node_keep[] = {1, 2, 3, 4, 5, 7};
static const WireFilter node_filter = {node_keep, 6, {{5, &attr_filter}}, 1};
static const uint32_t type_keep[] = {1, 6};
static const WireFilter type_filter = {type_keep, 2, {{0, 0}}, 0};
static const uint32_t vinfo_keep[] = {1, 2, 3, 4};
static const WireFilter vinfo_filter = {vinfo_keep, 4, {{2, &type_filter}}, 1};

typedef struct {
    Graph *g;
    char *err;
    size_t errlen;
    const uint8_t *map;      /* whole file mapping, for page release */
    size_t maplen;
    int failed;
} Loader;

static void fail(Loader *L, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void fail(Loader *L, const char *fmt, ...)
{
    if (L->failed)
        return;
    L->failed = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(L->err, L->errlen, fmt, ap);
    va_end(ap);
}

/* Release the mapped pages wholly inside [p, p+len): they were read once
 * and are not needed again.  A no-op for heap buffers. */
static void release_pages(Loader *L, const uint8_t *p, size_t len)
{
    if (!L->map || len < (1u << 20))
        return;
    long pg = sysconf(_SC_PAGESIZE);
    uintptr_t a = ((uintptr_t)p + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
    uintptr_t b = ((uintptr_t)p + len) & ~((uintptr_t)pg - 1);
    if (b > a)
        madvise((void *)a, b - a, MADV_DONTNEED);
}

/* ---- tensors ---------------------------------------------------------- */

static int is_int_type(int dt)
{
    return dt == DT_INT64 || dt == DT_INT32 || dt == DT_INT16 || dt == DT_INT8 ||
           dt == DT_UINT8 || dt == DT_UINT16 || dt == DT_UINT32 ||
           dt == DT_UINT64 || dt == DT_BOOL;
}

static int is_float_type(int dt)
{
    return dt == DT_FLOAT || dt == DT_DOUBLE;
}

static int64_t raw_int(const uint8_t *p, int dt)
{
    switch (dt) {
    case DT_INT64: { int64_t v; memcpy(&v, p, 8); return v; }
    case DT_UINT64: { uint64_t v; memcpy(&v, p, 8); return (int64_t)v; }
    case DT_INT32: { int32_t v; memcpy(&v, p, 4); return v; }
    case DT_UINT32: { uint32_t v; memcpy(&v, p, 4); return v; }
    case DT_INT16: { int16_t v; memcpy(&v, p, 2); return v; }
    case DT_UINT16: { uint16_t v; memcpy(&v, p, 2); return v; }
    case DT_INT8: return (int8_t)p[0];
    default: return p[0]; /* uint8, bool */
    }
}

static double raw_float(const uint8_t *p, int dt)
{
    if (dt == DT_DOUBLE) {
        double v;
        memcpy(&v, p, 8);
        return v;
    }
    float v;
    memcpy(&v, p, 4);
    return v;
}

/* Keep the values of a small int/float tensor (for constant folding). */
static int keep_values(Loader *L, Tensor *t, const Onnx__TensorProto *tp, int64_t n)
{
    int dt = t->dtype;
    int esz = dtype_size(dt);
    if (tp->has_raw_data) {
        if (esz && tp->raw_data.len != (size_t)n * (size_t)esz) {
            fail(L, "tensor '%s': raw_data has %zu bytes but its dims need %lld; "
                 "the file is corrupt -- re-export the model",
                 t->name, tp->raw_data.len, (long long)n * esz);
            return -1;
        }
    }
    if (n > GRAPH_MAX_CONST || (!is_int_type(dt) && !is_float_type(dt)))
        return 0;
    if (is_int_type(dt)) {
        int64_t *v = calloc((size_t)(n ? n : 1), sizeof *v);
        if (!v)
            return -1;
        int ok = 1;
        if (tp->has_raw_data) {
            for (int64_t k = 0; k < n; k++)
                v[k] = raw_int(tp->raw_data.data + k * esz, dt);
        } else if ((dt == DT_INT64) && tp->n_int64_data == (size_t)n) {
            if (n) /* int64_data is NULL when empty */
                memcpy(v, tp->int64_data, (size_t)n * sizeof *v);
        } else if (dt == DT_UINT64 && tp->n_uint64_data == (size_t)n) {
            for (int64_t k = 0; k < n; k++)
                v[k] = (int64_t)tp->uint64_data[k];
        } else if (dt == DT_UINT32 && tp->n_uint64_data == (size_t)n) {
            for (int64_t k = 0; k < n; k++)
                v[k] = (int64_t)tp->uint64_data[k];
        } else if (tp->n_int32_data == (size_t)n) {
            for (int64_t k = 0; k < n; k++)
                v[k] = tp->int32_data[k];
        } else {
            ok = 0; /* external data, or a payload that does not match */
        }
        if (ok)
            tensor_set_const_i(t, v, n);
        free(v);
    } else {
        double *v = calloc((size_t)(n ? n : 1), sizeof *v);
        if (!v)
            return -1;
        int ok = 1;
        if (tp->has_raw_data) {
            for (int64_t k = 0; k < n; k++)
                v[k] = raw_float(tp->raw_data.data + k * esz, dt);
        } else if (dt == DT_FLOAT && tp->n_float_data == (size_t)n) {
            for (int64_t k = 0; k < n; k++)
                v[k] = tp->float_data[k];
        } else if (dt == DT_DOUBLE && tp->n_double_data == (size_t)n) {
            if (n) /* double_data is NULL when empty */
                memcpy(v, tp->double_data, (size_t)n * sizeof *v);
        } else {
            ok = 0;
        }
        if (ok)
            tensor_set_const_f(t, v, n);
        free(v);
    }
    return 0;
}

/* Dims, type and (small) values of a TensorProto into tensor `ti`. */
static int load_tensor(Loader *L, int ti, const Onnx__TensorProto *tp)
{
    Tensor *t = &L->g->tensors[ti];
    t->dtype = tp->has_data_type ? tp->data_type : DT_UNDEFINED;
    if (tp->n_dims > GRAPH_MAX_DIMS) {
        graph_note(L->g, "tensor '%s' has rank %zu (more than %d): shape not tracked",
                   t->name, tp->n_dims, GRAPH_MAX_DIMS);
        shape_unknown(&t->shape);
        return 0;
    }
    int64_t n = 1;
    t->shape.ndim = (int)tp->n_dims;
    for (size_t d = 0; d < tp->n_dims; d++) {
        int64_t v = tp->dims[d];
        if (v < 0) {
            fail(L, "tensor '%s' has a negative dim (%lld); the file is corrupt",
                 t->name, (long long)v);
            return -1;
        }
        if (v && n > INT64_MAX / v) {
            fail(L, "tensor '%s': its dims overflow a 64-bit element count; "
                 "the file is corrupt", t->name);
            return -1;
        }
        n *= v;
        t->shape.dims[d] = v;
    }
    if (tp->has_data_location &&
        tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
        return 0; /* dims are all we need; the payload lives in another file */
    return keep_values(L, t, tp, n);
}

static void load_initializer(Loader *L, const WireField *f)
{
    Onnx__TensorProto *tp = onnx__tensor_proto__unpack(NULL, f->len, f->data);
    if (!tp) {
        fail(L, "an initializer is not a valid TensorProto (corrupt or truncated file)");
        return;
    }
    if (!tp->name || !tp->name[0]) {
        fail(L, "an initializer has no name; the file is corrupt");
    } else {
        int ti = graph_tensor(L->g, tp->name);
        if (ti < 0) {
            fail(L, "out of memory");
        } else if (load_tensor(L, ti, tp) == 0) {
            L->g->tensors[ti].is_initializer = 1;
            L->g->tensors[ti].is_const = 1;
        }
    }
    onnx__tensor_proto__free_unpacked(tp, NULL);
    release_pages(L, f->data, f->len);
}

static void load_sparse_initializer(Loader *L, const WireField *f)
{
    Onnx__SparseTensorProto *sp = onnx__sparse_tensor_proto__unpack(NULL, f->len, f->data);
    if (!sp) {
        fail(L, "a sparse initializer is not valid protobuf (corrupt or truncated file)");
        return;
    }
    if (!sp->values || !sp->values->name || !sp->values->name[0]) {
        fail(L, "a sparse initializer has no name; the file is corrupt");
    } else if (sp->n_dims > GRAPH_MAX_DIMS) {
        graph_note(L->g, "sparse initializer '%s' has rank %zu: shape not tracked",
                   sp->values->name, sp->n_dims);
    } else {
        int ti = graph_tensor(L->g, sp->values->name);
        if (ti < 0) {
            fail(L, "out of memory");
        } else {
            Tensor *t = &L->g->tensors[ti];
            t->is_initializer = 1;
            t->dtype = sp->values->has_data_type ? sp->values->data_type : 0;
            t->shape.ndim = (int)sp->n_dims;
            for (size_t d = 0; d < sp->n_dims; d++) {
                if (sp->dims[d] < 0) {
                    fail(L, "sparse initializer '%s' has a negative dim", t->name);
                    break;
                }
                t->shape.dims[d] = sp->dims[d];
            }
        }
    }
    onnx__sparse_tensor_proto__free_unpacked(sp, NULL);
}

/* ---- value infos (graph inputs and outputs) ---------------------------- */

static void load_value_info(Loader *L, const WireField *f, int is_input)
{
    uint8_t *buf = malloc(f->len ? f->len : 1);
    int dropped = 0;
    size_t n = buf ? wire_filter(f->data, f->len, &vinfo_filter, buf, &dropped) : (size_t)-1;
    Onnx__ValueInfoProto *vi =
        n == (size_t)-1 ? NULL : onnx__value_info_proto__unpack(NULL, n, buf);
    free(buf);
    if (!vi) {
        fail(L, "a graph %s is not valid protobuf (corrupt or truncated file)",
             is_input ? "input" : "output");
        return;
    }
    if (!vi->name || !vi->name[0]) {
        fail(L, "a graph %s has no name; the file is corrupt",
             is_input ? "input" : "output");
        goto out;
    }
    int ti = graph_tensor(L->g, vi->name);
    if (ti < 0) {
        fail(L, "out of memory");
        goto out;
    }
    Graph *g = L->g;
    int *list = is_input ? g->inputs : g->outputs;
    int cnt = is_input ? g->ninputs : g->noutputs;
    int *p = realloc(list, (size_t)(cnt + 1) * sizeof *p);
    if (!p) {
        fail(L, "out of memory");
        goto out;
    }
    p[cnt] = ti;
    if (is_input) {
        g->inputs = p;
        g->ninputs++;
    } else {
        g->outputs = p;
        g->noutputs++;
        g->tensors[ti].is_output = 1;
        goto out; /* output shapes are inferred, not trusted */
    }
    Tensor *t = &g->tensors[ti];
    t->is_input = 1;
    const Onnx__TypeProto *ty = vi->type;
    if (dropped || (ty && ty->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE &&
                    ty->value_case != ONNX__TYPE_PROTO__VALUE__NOT_SET)) {
        fail(L, "input '%s' is a sequence, map or optional value, not a tensor; "
             "nnmeter-tui analyses tensor models only", t->name);
        goto out;
    }
    if (!ty || !ty->tensor_type)
        goto out; /* no type given: rank unknown */
    const Onnx__TypeProto__Tensor *tt = ty->tensor_type;
    if (tt->has_elem_type)
        t->dtype = tt->elem_type;
    if (!tt->shape)
        goto out;
    if (tt->shape->n_dim > GRAPH_MAX_DIMS) {
        graph_note(g, "input '%s' has rank %zu: shape not tracked", t->name,
                   tt->shape->n_dim);
        goto out;
    }
    t->shape.ndim = (int)tt->shape->n_dim;
    for (size_t d = 0; d < tt->shape->n_dim; d++) {
        const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[d];
        t->shape.dims[d] = -1;
        if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
            if (dim->dim_value < 0) {
                fail(L, "input '%s' has a negative dim (%lld); the file is corrupt",
                     t->name, (long long)dim->dim_value);
                goto out;
            }
            /* 0 is how several exporters spell "dynamic" */
            t->shape.dims[d] = dim->dim_value ? dim->dim_value : -1;
        } else if (dim->value_case ==
                       ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM &&
                   dim->dim_param) {
            free(t->dim_param[d]);
            t->dim_param[d] = strdup(dim->dim_param);
        }
    }
out:
    onnx__value_info_proto__free_unpacked(vi, NULL);
}

/* ---- nodes -------------------------------------------------------------- */

static void load_attr(Loader *L, int ni, const Onnx__AttributeProto *ap)
{
    Attr *a = graph_node_add_attr(L->g, ni, ap->name ? ap->name : "");
    if (!a) {
        fail(L, "out of memory");
        return;
    }
    int type = ap->has_type ? (int)ap->type : 0;
    /* IR < 3 files may omit the type: infer it from what is set */
    if (!type) {
        if (ap->n_ints) type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
        else if (ap->n_floats) type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
        else if (ap->has_i) type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
        else if (ap->has_f) type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
        else if (ap->has_s) type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
        else if (ap->t) type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
        else if (ap->g) type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH;
    }
    switch (type) {
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT:
        a->type = ATTR_FLOAT;
        a->f = ap->f;
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT:
        a->type = ATTR_INT;
        a->i = ap->i;
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING:
        a->type = ATTR_STRING;
        a->s = malloc(ap->s.len + 1);
        if (!a->s) {
            fail(L, "out of memory");
            return;
        }
        if (ap->s.len)
            memcpy(a->s, ap->s.data, ap->s.len);
        a->s[ap->s.len] = 0;
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
        a->type = ATTR_INTS;
        a->n = (int)ap->n_ints;
        a->ints = malloc((ap->n_ints ? ap->n_ints : 1) * sizeof *a->ints);
        if (!a->ints) {
            fail(L, "out of memory");
            return;
        }
        if (ap->n_ints)
            memcpy(a->ints, ap->ints, ap->n_ints * sizeof *a->ints);
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
        a->type = ATTR_FLOATS;
        a->n = (int)ap->n_floats;
        a->floats = malloc((ap->n_floats ? ap->n_floats : 1) * sizeof *a->floats);
        if (!a->floats) {
            fail(L, "out of memory");
            return;
        }
        for (size_t k = 0; k < ap->n_floats; k++)
            a->floats[k] = ap->floats[k];
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR: {
        a->type = ATTR_TENSOR;
        if (!ap->t)
            break;
        char tname[96];
        /* attribute tensors are not graph values; the leading '$' keeps
         * them out of any ONNX name space */
        snprintf(tname, sizeof tname, "$attr%d.%.40s", ni, a->name);
        int ti = graph_tensor(L->g, tname);
        if (ti < 0) {
            fail(L, "out of memory");
            return;
        }
        a = &L->g->nodes[ni].attrs[L->g->nodes[ni].nattrs - 1];
        a->tensor = ti;
        if (load_tensor(L, ti, ap->t) == 0)
            L->g->tensors[ti].is_const = L->g->tensors[ti].val.n > 0 ||
                                         shape_numel(&L->g->tensors[ti].shape) == 0;
        break;
    }
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH:
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS:
        a->type = ATTR_GRAPH;
        L->g->nodes[ni].has_subgraph = 1;
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS:
        a->type = ATTR_STRINGS;
        a->n = (int)ap->n_strings;
        break;
    default:
        a->type = ATTR_OTHER;
        break;
    }
}

static void load_node(Loader *L, const WireField *f)
{
    uint8_t *buf = malloc(f->len ? f->len : 1);
    int dropped = 0;
    size_t n = buf ? wire_filter(f->data, f->len, &node_filter, buf, &dropped) : (size_t)-1;
    Onnx__NodeProto *np = n == (size_t)-1 ? NULL : onnx__node_proto__unpack(NULL, n, buf);
    free(buf);
    if (!np) {
        fail(L, "a node is not valid protobuf (corrupt or truncated file)");
        return;
    }
    Graph *g = L->g;
    if (!np->op_type || !np->op_type[0]) {
        fail(L, "node %d ('%s') has no op_type; the file is corrupt", g->nnodes,
             np->name ? np->name : "");
        goto out;
    }
    int ni = graph_add_node(g, np->name, np->op_type, np->domain);
    if (ni < 0) {
        fail(L, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < np->n_input && !L->failed; k++) {
        /* "" marks an omitted optional input */
        int ti = np->input[k][0] ? graph_tensor(g, np->input[k]) : -1;
        if (np->input[k][0] && ti < 0)
            fail(L, "out of memory");
        else if (graph_node_add_input(g, ni, ti))
            fail(L, "out of memory");
    }
    for (size_t k = 0; k < np->n_output && !L->failed; k++) {
        int ti = np->output[k][0] ? graph_tensor(g, np->output[k]) : -1;
        if (np->output[k][0] && ti < 0)
            fail(L, "out of memory");
        else if (graph_node_add_output(g, ni, ti))
            fail(L, "out of memory");
    }
    for (size_t k = 0; k < np->n_attribute && !L->failed; k++)
        load_attr(L, ni, np->attribute[k]);
    if (g->nodes[ni].has_subgraph)
        graph_note(g, "node '%s' (%s): subgraph attributes skipped", g->nodes[ni].name,
                   g->nodes[ni].op);
out:
    onnx__node_proto__free_unpacked(np, NULL);
}

/* ---- graph and model ---------------------------------------------------- */

static void load_graph(Loader *L, const uint8_t *p, size_t len)
{
    WireReader r = {p, p + len};
    WireField f;
    int rc = 0;
    while (!L->failed && (rc = wire_next(&r, &f)) > 0) {
        if (f.type != WIRE_LEN)
            continue;
        switch (f.field) {
        case GRAPH_NODE: load_node(L, &f); break;
        case GRAPH_INITIALIZER: load_initializer(L, &f); break;
        case GRAPH_SPARSE_INITIALIZER: load_sparse_initializer(L, &f); break;
        case GRAPH_INPUT: load_value_info(L, &f, 1); break;
        case GRAPH_OUTPUT: load_value_info(L, &f, 0); break;
        case GRAPH_NAME:
            free(L->g->name);
            L->g->name = strndup((const char *)f.data, f.len);
            break;
        default: break; /* value_info, doc_string, annotations */
        }
    }
    if (rc < 0)
        fail(L, "the graph is not valid protobuf (corrupt or truncated file)");
}

/* Unpack everything of ModelProto except the graph: opsets, producer. */
static void load_model_header(Loader *L, const uint8_t *p, size_t len,
                              const uint8_t *graph_start, const uint8_t *graph_end)
{
    size_t before = (size_t)(graph_start - p);
    size_t after = (size_t)(p + len - graph_end);
    uint8_t *buf = malloc(before + after + 1);
    if (!buf) {
        fail(L, "out of memory");
        return;
    }
    memcpy(buf, p, before);
    memcpy(buf + before, graph_end, after);
    /* training_info (20) and functions (25) hold graphs we never read */
    static const uint32_t keep[] = {1, 2, 3, 4, 5, 6, 8, 14};
    static const WireFilter header = {keep, 8, {{0, 0}}, 0};
    int dropped = 0;
    size_t n = wire_filter(buf, before + after, &header, buf, &dropped);
    Onnx__ModelProto *mp = n == (size_t)-1 ? NULL : onnx__model_proto__unpack(NULL, n, buf);
    free(buf);
    if (!mp) {
        fail(L, "not an ONNX model: the model header is not a valid ModelProto");
        return;
    }
    Graph *g = L->g;
    g->ir_version = mp->has_ir_version ? mp->ir_version : 0;
    char prod[256];
    snprintf(prod, sizeof prod, "%s%s%s", mp->producer_name ? mp->producer_name : "",
             mp->producer_version && mp->producer_version[0] ? " " : "",
             mp->producer_version ? mp->producer_version : "");
    g->producer = strdup(prod);
    g->opsets = calloc(mp->n_opset_import ? mp->n_opset_import : 1, sizeof *g->opsets);
    if (!g->opsets || !g->producer) {
        fail(L, "out of memory");
    } else {
        for (size_t k = 0; k < mp->n_opset_import; k++) {
            const Onnx__OperatorSetIdProto *o = mp->opset_import[k];
            g->opsets[k].domain = strdup(o->domain ? o->domain : "");
            g->opsets[k].version = o->has_version ? o->version : 0;
            g->nopsets++;
        }
    }
    onnx__model_proto__free_unpacked(mp, NULL);
}

static int domain_declared(const Graph *g, const char *dom)
{
    int is_default = !dom[0] || strcmp(dom, "ai.onnx") == 0;
    for (int k = 0; k < g->nopsets; k++) {
        const char *d = g->opsets[k].domain;
        if (strcmp(d, dom) == 0)
            return 1;
        if (is_default && (!d[0] || strcmp(d, "ai.onnx") == 0))
            return 1;
    }
    return 0;
}

/* Structural rules ONNX itself states: declared domains, every input
 * produced somewhere, one producer per tensor, no cycles. */
static void check_structure(Loader *L)
{
    Graph *g = L->g;
    for (int i = 0; i < g->nnodes && !L->failed; i++) {
        const Node *n = &g->nodes[i];
        if (!domain_declared(g, n->domain))
            fail(L, "node '%s' (%s) uses op domain '%s', which the model does not "
                 "import (opset_import); the file is invalid -- re-export it",
                 n->name, n->op, n->domain);
    }
    for (int t = 0; t < g->ntensors; t++)
        g->tensors[t].producer = -1;
    for (int i = 0; i < g->nnodes && !L->failed; i++) {
        const Node *n = &g->nodes[i];
        for (int k = 0; k < n->noutputs; k++) {
            int t = n->outputs[k];
            if (t < 0)
                continue;
            Tensor *tt = &g->tensors[t];
            if (tt->producer >= 0 || tt->is_initializer || tt->is_input) {
                fail(L, "tensor '%s' is produced twice (by node '%s' and %s); "
                     "the graph is invalid", tt->name, n->name,
                     tt->producer >= 0 ? "another node" : "the graph inputs");
                return;
            }
            tt->producer = i;
        }
    }
    for (int i = 0; i < g->nnodes && !L->failed; i++) {
        const Node *n = &g->nodes[i];
        for (int k = 0; k < n->ninputs; k++) {
            int t = n->inputs[k];
            if (t < 0)
                continue;
            const Tensor *tt = &g->tensors[t];
            if (tt->producer < 0 && !tt->is_initializer && !tt->is_input) {
                fail(L, "node '%s' (%s) reads tensor '%s', which no node produces "
                     "and is neither a graph input nor an initializer",
                     n->name, n->op, tt->name);
                return;
            }
        }
    }
    for (int k = 0; k < g->noutputs && !L->failed; k++) {
        const Tensor *tt = &g->tensors[g->outputs[k]];
        if (tt->producer < 0 && !tt->is_initializer && !tt->is_input)
            fail(L, "graph output '%s' is produced by no node", tt->name);
    }
    if (L->failed)
        return;
    int cyc = -1;
    if (graph_toposort(g, &cyc))
        fail(L, "the graph has a cycle through node '%s' (%s); ONNX graphs must be "
             "acyclic", cyc >= 0 ? g->nodes[cyc].name : "?",
             cyc >= 0 ? g->nodes[cyc].op : "?");
}

/* Graph inputs listed in the file that are also initializers (IR < 4
 * style) are not real inputs: drop them from g->inputs. */
static void drop_initializer_inputs(Graph *g)
{
    int w = 0;
    for (int k = 0; k < g->ninputs; k++) {
        Tensor *t = &g->tensors[g->inputs[k]];
        if (t->is_initializer) {
            t->is_input = 0;
            continue;
        }
        g->inputs[w++] = g->inputs[k];
    }
    g->ninputs = w;
}

/* `mapped`: buf is a private file mapping whose pages may be released. */
static Graph *load_bytes(const void *buf, size_t len, int mapped, char *err,
                         size_t errlen)
{
    Loader L = {.err = err, .errlen = errlen};
    if (mapped) {
        L.map = buf;
        L.maplen = len;
    }
    if (err && errlen)
        err[0] = 0;
    L.g = graph_new();
    if (!L.g) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    const uint8_t *p = buf;
    if (len == 0) {
        fail(&L, "the file is empty, not an ONNX model");
        goto done;
    }
    /* find the graph field; everything else is the small model header */
    WireReader r = {p, p + len};
    WireField f;
    const uint8_t *gstart = NULL, *gend = NULL, *gdata = NULL;
    size_t glen = 0;
    int rc;
    const uint8_t *field_start = r.p;
    while ((rc = wire_next(&r, &f)) > 0) {
        if (f.field == MODEL_GRAPH && f.type == WIRE_LEN) {
            gstart = field_start;
            gend = r.p;
            gdata = f.data;
            glen = f.len;
        }
        field_start = r.p;
    }
    if (rc < 0) {
        fail(&L, "not an ONNX model, or a truncated one: the protobuf data is malformed");
        goto done;
    }
    if (!gstart) {
        fail(&L, "not an ONNX model: no graph found in the file");
        goto done;
    }
    load_model_header(&L, p, len, gstart, gend);
    if (L.failed)
        goto done;
    load_graph(&L, gdata, glen);
    if (L.failed)
        goto done;
    if (L.g->nopsets == 0) {
        fail(&L, "not a usable ONNX model: it imports no opset (opset_import is empty)");
        goto done;
    }
    drop_initializer_inputs(L.g);
    check_structure(&L);
    if (!L.failed && graph_unique_names(L.g))
        fail(&L, "out of memory");
done:
    if (L.failed) {
        graph_free(L.g);
        return NULL;
    }
    return L.g;
}

Graph *onnx_load_buffer(const void *buf, size_t len, char *err, size_t errlen)
{
    return load_bytes(buf, len, 0, err, errlen);
}

Graph *onnx_load(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "'%s' is not a regular file", path);
        close(fd);
        return NULL;
    }
    if (st.st_size == 0) {
        close(fd);
        snprintf(err, errlen, "'%s' is empty, not an ONNX model", path);
        return NULL;
    }
    size_t len = (size_t)st.st_size;
    void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        snprintf(err, errlen, "cannot map '%s': %s", path, strerror(errno));
        return NULL;
    }
    char inner[400];
    Graph *g = load_bytes(map, len, 1, inner, sizeof inner);
    munmap(map, len);
    if (!g)
        snprintf(err, errlen, "%s: %s", path, inner);
    return g;
}
