/* graph.c -- building, querying and freeing the graph IR (see graph.h). */
#include "graph.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_str(const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Grow *arr (of elem bytes) so index `need` fits; zeroes the new part. */
static int grow(void **arr, int *cap, int need, size_t elem)
{
    if (need < *cap)
        return 0;
    int nc = *cap ? *cap : 16;
    while (nc <= need)
        nc *= 2;
    void *p = realloc(*arr, (size_t)nc * elem);
    if (!p)
        return -1;
    memset((char *)p + (size_t)*cap * elem, 0, (size_t)(nc - *cap) * elem);
    *arr = p;
    *cap = nc;
    return 0;
}

Graph *graph_new(void)
{
    Graph *g = calloc(1, sizeof *g);
    return g;
}

static void attr_free(Attr *a)
{
    free(a->name);
    free(a->s);
    free(a->ints);
    free(a->floats);
}

void graph_free(Graph *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->ntensors; i++) {
        Tensor *t = &g->tensors[i];
        free(t->name);
        free(t->val.i);
        free(t->val.f);
        for (int d = 0; d < GRAPH_MAX_DIMS; d++)
            free(t->dim_param[d]);
    }
    for (int i = 0; i < g->nnodes; i++) {
        Node *n = &g->nodes[i];
        free(n->name);
        free(n->op);
        free(n->domain);
        free(n->inputs);
        free(n->outputs);
        for (int a = 0; a < n->nattrs; a++)
            attr_free(&n->attrs[a]);
        free(n->attrs);
    }
    for (int i = 0; i < g->nopsets; i++)
        free(g->opsets[i].domain);
    for (int i = 0; i < g->nnotes; i++)
        free(g->notes[i]);
    free(g->notes);
    free(g->opsets);
    free(g->tensors);
    free(g->nodes);
    free(g->inputs);
    free(g->outputs);
    free(g->map.slots);
    free(g->name);
    free(g->producer);
    free(g);
}

/* FNV-1a: short names, good enough spread for open addressing. */
static size_t hash_name(const char *s)
{
    size_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void map_put(NameMap *m, const Graph *g, int idx)
{
    size_t mask = m->cap - 1;
    size_t h = hash_name(g->tensors[idx].name) & mask;
    while (m->slots[h])
        h = (h + 1) & mask;
    m->slots[h] = idx + 1;
}

static int map_rehash(Graph *g, size_t cap)
{
    int *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    free(g->map.slots);
    g->map.slots = slots;
    g->map.cap = cap;
    for (int i = 0; i < g->ntensors; i++)
        map_put(&g->map, g, i);
    return 0;
}

int graph_find_tensor(const Graph *g, const char *name)
{
    if (!g->map.cap || !name)
        return -1;
    size_t mask = g->map.cap - 1;
    size_t h = hash_name(name) & mask;
    while (g->map.slots[h]) {
        int idx = g->map.slots[h] - 1;
        if (strcmp(g->tensors[idx].name, name) == 0)
            return idx;
        h = (h + 1) & mask;
    }
    return -1;
}

int graph_tensor(Graph *g, const char *name)
{
    int idx = graph_find_tensor(g, name);
    if (idx >= 0)
        return idx;
    if (grow((void **)&g->tensors, &g->cap_tensors, g->ntensors, sizeof(Tensor)))
        return -1;
    /* keep the load factor under 1/2 */
    if ((size_t)(g->ntensors + 1) * 2 > g->map.cap &&
        map_rehash(g, g->map.cap ? g->map.cap * 2 : 64))
        return -1;
    Tensor *t = &g->tensors[g->ntensors];
    memset(t, 0, sizeof *t);
    t->name = dup_str(name);
    if (!t->name)
        return -1;
    t->producer = -1;
    shape_unknown(&t->shape);
    idx = g->ntensors++;
    map_put(&g->map, g, idx);
    return idx;
}

int graph_add_node(Graph *g, const char *name, const char *op, const char *domain)
{
    if (grow((void **)&g->nodes, &g->cap_nodes, g->nnodes, sizeof(Node)))
        return -1;
    Node *n = &g->nodes[g->nnodes];
    memset(n, 0, sizeof *n);
    n->name = dup_str(name);
    n->op = dup_str(op);
    n->domain = dup_str(domain);
    if (!n->name || !n->op || !n->domain)
        return -1;
    return g->nnodes++;
}

static int push_int(int **arr, int *n, int v)
{
    int *p = realloc(*arr, (size_t)(*n + 1) * sizeof *p);
    if (!p)
        return -1;
    p[(*n)++] = v;
    *arr = p;
    return 0;
}

int graph_node_add_input(Graph *g, int node, int tensor)
{
    Node *n = &g->nodes[node];
    return push_int(&n->inputs, &n->ninputs, tensor);
}

int graph_node_add_output(Graph *g, int node, int tensor)
{
    Node *n = &g->nodes[node];
    return push_int(&n->outputs, &n->noutputs, tensor);
}

Attr *graph_node_add_attr(Graph *g, int node, const char *name)
{
    Node *n = &g->nodes[node];
    Attr *p = realloc(n->attrs, (size_t)(n->nattrs + 1) * sizeof *p);
    if (!p)
        return NULL;
    n->attrs = p;
    Attr *a = &p[n->nattrs];
    memset(a, 0, sizeof *a);
    a->tensor = -1;
    a->name = dup_str(name);
    if (!a->name)
        return NULL;
    n->nattrs++;
    return a;
}

void graph_note(Graph *g, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **p = realloc(g->notes, (size_t)(g->nnotes + 1) * sizeof *p);
    if (!p)
        return;
    g->notes = p;
    p[g->nnotes] = dup_str(buf);
    if (p[g->nnotes])
        g->nnotes++;
}

const Attr *node_attr(const Node *n, const char *name)
{
    for (int i = 0; i < n->nattrs; i++)
        if (strcmp(n->attrs[i].name, name) == 0)
            return &n->attrs[i];
    return NULL;
}

int64_t node_attr_int(const Node *n, const char *name, int64_t def)
{
    const Attr *a = node_attr(n, name);
    if (!a)
        return def;
    if (a->type == ATTR_INT)
        return a->i;
    /* a float where an int belongs: converting NaN or 1e300 would be UB */
    if (a->type == ATTR_FLOAT)
        return (a->f >= -9.2e18 && a->f <= 9.2e18) ? (int64_t)a->f : def;
    return def;
}

double node_attr_float(const Node *n, const char *name, double def)
{
    const Attr *a = node_attr(n, name);
    if (!a)
        return def;
    if (a->type == ATTR_FLOAT)
        return a->f;
    if (a->type == ATTR_INT)
        return (double)a->i;
    return def;
}

const char *node_attr_str(const Node *n, const char *name, const char *def)
{
    const Attr *a = node_attr(n, name);
    return (a && a->type == ATTR_STRING && a->s) ? a->s : def;
}

int node_attr_ints(const Node *n, const char *name, int64_t *out, int max)
{
    const Attr *a = node_attr(n, name);
    if (!a)
        return -1;
    if (a->type == ATTR_INT) {
        if (max > 0)
            out[0] = a->i;
        return 1;
    }
    if (a->type != ATTR_INTS)
        return -1;
    int k = a->n < max ? a->n : max;
    for (int i = 0; i < k; i++)
        out[i] = a->ints[i];
    return a->n;
}

Tensor *node_in(Graph *g, const Node *n, int k)
{
    if (k < 0 || k >= n->ninputs || n->inputs[k] < 0)
        return NULL;
    return &g->tensors[n->inputs[k]];
}

Tensor *node_out(Graph *g, const Node *n, int k)
{
    if (k < 0 || k >= n->noutputs || n->outputs[k] < 0)
        return NULL;
    return &g->tensors[n->outputs[k]];
}

int64_t shape_numel(const Shape *s)
{
    if (s->ndim < 0)
        return -1;
    int64_t n = 1;
    for (int i = 0; i < s->ndim; i++) {
        if (s->dims[i] < 0)
            return -1;
        if (s->dims[i] && n > INT64_MAX / s->dims[i])
            return -1;
        n *= s->dims[i];
    }
    return n;
}

int shape_known(const Shape *s)
{
    if (s->ndim < 0)
        return 0;
    for (int i = 0; i < s->ndim; i++)
        if (s->dims[i] < 0)
            return 0;
    return 1;
}

void shape_unknown(Shape *s)
{
    s->ndim = -1;
    for (int i = 0; i < GRAPH_MAX_DIMS; i++)
        s->dims[i] = -1;
}

void shape_format(const Shape *s, char *buf, size_t len)
{
    if (!len)
        return;
    buf[0] = 0;
    if (s->ndim < 0) {
        snprintf(buf, len, "?");
        return;
    }
    if (s->ndim == 0) {
        snprintf(buf, len, "scalar");
        return;
    }
    size_t off = 0;
    for (int i = 0; i < s->ndim && off < len; i++) {
        int w;
        if (s->dims[i] < 0)
            w = snprintf(buf + off, len - off, "%s?", i ? "x" : "");
        else
            w = snprintf(buf + off, len - off, "%s%lld", i ? "x" : "",
                         (long long)s->dims[i]);
        if (w < 0)
            break;
        off += (size_t)w;
    }
}

int dtype_size(int dtype)
{
    switch (dtype) {
    case DT_FLOAT: case DT_INT32: case DT_UINT32: return 4;
    case DT_UINT8: case DT_INT8: case DT_BOOL: return 1;
    case DT_UINT16: case DT_INT16: case DT_FLOAT16: case DT_BFLOAT16: return 2;
    case DT_INT64: case DT_DOUBLE: case DT_UINT64: case DT_COMPLEX64: return 8;
    case DT_COMPLEX128: return 16;
    default: return 0;
    }
}

const char *dtype_name(int dtype)
{
    static const char *names[] = {
        "undefined", "float", "uint8", "int8", "uint16", "int16", "int32",
        "int64", "string", "bool", "float16", "double", "uint32", "uint64",
        "complex64", "complex128", "bfloat16"};
    if (dtype < 0 || dtype > DT_BFLOAT16)
        return "unknown";
    return names[dtype];
}

/* Kahn's algorithm over producer links; keeps file order among ready nodes
 * so a graph that is already sorted is left exactly as it is. */
int graph_toposort(Graph *g, int *cycle_node)
{
    int n = g->nnodes;
    if (n == 0)
        return 0;
    int *order = malloc((size_t)n * sizeof *order);
    int *done = calloc((size_t)n, sizeof *done);
    int rc = -1;
    if (!order || !done)
        goto out;
    /* producer of each tensor */
    for (int t = 0; t < g->ntensors; t++)
        g->tensors[t].producer = -1;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < g->nodes[i].noutputs; k++)
            if (g->nodes[i].outputs[k] >= 0)
                g->tensors[g->nodes[i].outputs[k]].producer = i;
    /* Simple O(n * passes) scan: pick the first node whose producers are all
     * done.  Graphs arrive sorted in practice, so this is one pass. */
    int count = 0;
    int progress = 1;
    while (count < n && progress) {
        progress = 0;
        for (int i = 0; i < n; i++) {
            if (done[i])
                continue;
            const Node *nd = &g->nodes[i];
            int ready = 1;
            for (int k = 0; k < nd->ninputs && ready; k++) {
                int t = nd->inputs[k];
                if (t < 0)
                    continue;
                int p = g->tensors[t].producer;
                if (p >= 0 && p != i && !done[p])
                    ready = 0;
                if (p == i)
                    ready = 0; /* self loop */
            }
            if (ready) {
                done[i] = 1;
                order[count++] = i;
                progress = 1;
            }
        }
    }
    if (count < n) {
        for (int i = 0; i < n; i++)
            if (!done[i]) {
                if (cycle_node)
                    *cycle_node = i;
                break;
            }
        goto out;
    }
    int identity = 1;
    for (int i = 0; i < n; i++)
        if (order[i] != i)
            identity = 0;
    if (!identity) {
        Node *sorted = malloc((size_t)n * sizeof *sorted);
        if (!sorted)
            goto out;
        for (int i = 0; i < n; i++)
            sorted[i] = g->nodes[order[i]];
        memcpy(g->nodes, sorted, (size_t)n * sizeof *sorted);
        free(sorted);
        for (int i = 0; i < n; i++)
            for (int k = 0; k < g->nodes[i].noutputs; k++)
                if (g->nodes[i].outputs[k] >= 0)
                    g->tensors[g->nodes[i].outputs[k]].producer = i;
    }
    rc = 0;
out:
    free(order);
    free(done);
    return rc;
}

/* Node names live in their own small hash set built here on demand. */
int graph_unique_names(Graph *g)
{
    size_t cap = 64;
    while (cap < (size_t)g->nnodes * 2 + 2)
        cap *= 2;
    char **set = calloc(cap, sizeof *set);
    if (!set)
        return -1;
    int rc = 0;
    for (int i = 0; i < g->nnodes && rc == 0; i++) {
        Node *n = &g->nodes[i];
        char buf[600];
        const char *want = n->name;
        if (!want[0]) {
            snprintf(buf, sizeof buf, "%s_%d", n->op, i);
            want = buf;
        }
        /* find a free variant */
        char cand[640];
        snprintf(cand, sizeof cand, "%s", want);
        for (int k = 1;; k++) {
            size_t h = hash_name(cand) & (cap - 1);
            int clash = 0;
            while (set[h]) {
                if (strcmp(set[h], cand) == 0) {
                    clash = 1;
                    break;
                }
                h = (h + 1) & (cap - 1);
            }
            if (!clash) {
                if (strcmp(cand, n->name) != 0) {
                    char *d = dup_str(cand);
                    if (!d) {
                        rc = -1;
                        break;
                    }
                    free(n->name);
                    n->name = d;
                }
                set[h] = n->name;
                break;
            }
            snprintf(cand, sizeof cand, "%s__%d", want, k);
        }
    }
    free(set);
    return rc;
}

int tensor_set_const_i(Tensor *t, const int64_t *iv, int64_t n)
{
    int64_t *p = malloc((size_t)(n > 0 ? n : 1) * sizeof *p);
    if (!p)
        return -1;
    if (n > 0)
        memcpy(p, iv, (size_t)n * sizeof *p);
    free(t->val.i);
    free(t->val.f);
    t->val.f = NULL;
    t->val.i = p;
    t->val.n = n;
    t->is_const = 1;
    return 0;
}

int tensor_set_const_f(Tensor *t, const double *fv, int64_t n)
{
    double *p = malloc((size_t)(n > 0 ? n : 1) * sizeof *p);
    if (!p)
        return -1;
    if (n > 0)
        memcpy(p, fv, (size_t)n * sizeof *p);
    free(t->val.i);
    free(t->val.f);
    t->val.i = NULL;
    t->val.f = p;
    t->val.n = n;
    t->is_const = 1;
    return 0;
}
