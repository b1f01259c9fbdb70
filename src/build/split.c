/* split.c -- one kernel of a model as a model of its own (see split.h). */
#include "split.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s", what);
    return -1;
}

/* Copies tensor t of g into h under the same name, type, shape and known
 * values (a tensor already there is returned as it is). */
static int copy_tensor(Graph *h, const Graph *g, int t)
{
    const Tensor *src = &g->tensors[t];
    int had = graph_find_tensor(h, src->name);
    if (had >= 0)
        return had;
    int x = graph_tensor(h, src->name);
    if (x < 0)
        return -1;
    Tensor *dst = &h->tensors[x];
    dst->dtype = src->dtype;
    dst->shape = src->shape;
    if (src->val.i && tensor_set_const_i(dst, src->val.i, src->val.n))
        return -1;
    if (src->val.f && tensor_set_const_f(dst, src->val.f, src->val.n))
        return -1;
    return x;
}

static int copy_attr(Graph *h, int node, const Graph *g, const Attr *a)
{
    if (a->type != ATTR_INT && a->type != ATTR_FLOAT && a->type != ATTR_STRING &&
        a->type != ATTR_INTS && a->type != ATTR_FLOATS && a->type != ATTR_TENSOR)
        return -1;
    Attr *b = graph_node_add_attr(h, node, a->name);
    if (!b)
        return -1;
    b->type = a->type;
    b->i = a->i;
    b->f = a->f;
    b->n = a->n;
    if (a->s && !(b->s = strdup(a->s)))
        return -1;
    if (a->ints) {
        if (!(b->ints = malloc((size_t)(a->n ? a->n : 1) * sizeof *b->ints)))
            return -1;
        memcpy(b->ints, a->ints, (size_t)a->n * sizeof *b->ints);
    }
    if (a->floats) {
        if (!(b->floats = malloc((size_t)(a->n ? a->n : 1) * sizeof *b->floats)))
            return -1;
        memcpy(b->floats, a->floats, (size_t)a->n * sizeof *b->floats);
    }
    if (a->type == ATTR_TENSOR) {
        if (a->tensor < 0 || (b->tensor = copy_tensor(h, g, a->tensor)) < 0)
            return -1;
    }
    return 0;
}

static int append(int **arr, int *n, int v)
{
    int *p = realloc(*arr, (size_t)(*n + 1) * sizeof *p);
    if (!p)
        return -1;
    p[(*n)++] = v;
    *arr = p;
    return 0;
}

/* An operand from outside the kernel: a weight or constant stays one, an
 * activation becomes a graph input of its shape. */
static int outside_operand(Graph *h, const Graph *g, int t, int x)
{
    const Tensor *src = &g->tensors[t];
    Tensor *dst = &h->tensors[x];
    if (dst->is_input || dst->is_initializer)
        return 0;
    if (src->is_initializer || src->is_const) {
        dst->is_initializer = 1;
        dst->is_const = 1;
        return 0;
    }
    if (!shape_known(&src->shape))
        return -1;
    dst->is_input = 1;
    if (dst->dtype == DT_UNDEFINED)
        dst->dtype = DT_FLOAT;
    return append(&h->inputs, &h->ninputs, x);
}

static int in_kernel(const DeviceView *v, int ki, int node)
{
    return node >= 0 && node < v->part.nnodes && v->part.node_kernel[node] == ki;
}

/* True when some node outside kernel ki reads tensor t, or t is a graph
 * output.  Readers that never run do not count: a dead node (a NAS cell's
 * unused edge) and a duplicate the runtime merged into its twin. */
static int read_outside(const Graph *g, const DeviceView *v, int ki, int t)
{
    if (g->tensors[t].is_output)
        return 1;
    for (int n = 0; n < g->nnodes; n++) {
        int u = v->ng.node_unit[n];
        if (in_kernel(v, ki, n) || (u >= 0 && !unit_runs(&v->ng.units[u])))
            continue;
        for (int j = 0; j < g->nodes[n].ninputs; j++)
            if (g->nodes[n].inputs[j] == t)
                return 1;
    }
    return 0;
}

static int copy_node(Graph *h, const Graph *g, const DeviceView *v, int ki, int ni)
{
    const Node *n = &g->nodes[ni];
    int m = graph_add_node(h, n->name, n->op, n->domain);
    if (m < 0)
        return -1;
    for (int j = 0; j < n->ninputs; j++) {
        int t = n->inputs[j];
        if (t < 0) {
            if (graph_node_add_input(h, m, -1))
                return -1;
            continue;
        }
        int x = copy_tensor(h, g, t);
        if (x < 0 || graph_node_add_input(h, m, x))
            return -1;
        if (!in_kernel(v, ki, g->tensors[t].producer) && outside_operand(h, g, t, x))
            return -1;
    }
    for (int j = 0; j < n->noutputs; j++) {
        int t = n->outputs[j];
        int x = t < 0 ? -1 : copy_tensor(h, g, t);
        if (t >= 0 && x < 0)
            return -1;
        if (graph_node_add_output(h, m, x))
            return -1;
        if (t >= 0 && read_outside(g, v, ki, t)) {
            h->tensors[x].is_output = 1;
            if (append(&h->outputs, &h->noutputs, x))
                return -1;
        }
    }
    for (int a = 0; a < n->nattrs; a++)
        if (copy_attr(h, m, g, &n->attrs[a]))
            return -1;
    return 0;
}

Graph *split_kernel(const Graph *g, const DeviceView *v, int ki, char *err, size_t errlen)
{
    const Kernel *k = &v->part.kernels[ki];
    Graph *h = graph_new();
    if (!h) {
        fail(err, errlen, "out of memory");
        return NULL;
    }
    h->name = strdup(g->nodes[k->anchor].name);
    h->producer = strdup("nnmeter-build sample --split");
    h->ir_version = g->ir_version ? g->ir_version : 8;
    h->opsets = calloc((size_t)(g->nopsets ? g->nopsets : 1), sizeof *h->opsets);
    int bad = !h->name || !h->producer || !h->opsets;
    for (int i = 0; i < g->nopsets && !bad; i++) {
        h->opsets[i].version = g->opsets[i].version;
        bad = !(h->opsets[i].domain = strdup(g->opsets[i].domain ? g->opsets[i].domain : ""));
        h->nopsets++;
    }
    for (int i = 0; i < k->nnodes && !bad; i++) {
        const Node *n = &g->nodes[k->nodes[i]];
        bad = copy_node(h, g, v, ki, k->nodes[i]);
        if (bad)
            snprintf(err, errlen, "kernel '%s': node '%s' (%s) has an operand of unknown "
                     "shape or an attribute the writer cannot express",
                     g->nodes[k->anchor].name, n->name, n->op);
    }
    if (!bad && (h->noutputs == 0 || h->ninputs == 0)) {
        snprintf(err, errlen, "kernel '%s' has no %s", g->nodes[k->anchor].name,
                 h->noutputs == 0 ? "output read elsewhere" : "activation input");
        bad = 1;
    }
    if (bad) {
        graph_free(h);
        return NULL;
    }
    return h;
}

/* ---- signature ---------------------------------------------------------- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
    return fnv(h, s ? s : "", strlen(s ? s : "") + 1);
}

static uint64_t hash_tensor(uint64_t h, const Tensor *t)
{
    h = fnv(h, &t->dtype, sizeof t->dtype);
    h = fnv(h, &t->shape.ndim, sizeof t->shape.ndim);
    for (int d = 0; d < t->shape.ndim; d++)
        h = fnv(h, &t->shape.dims[d], sizeof t->shape.dims[d]);
    unsigned role = t->is_initializer | (unsigned)t->is_const << 1;
    h = fnv(h, &role, sizeof role);
    if (t->val.i)
        h = fnv(h, t->val.i, (size_t)t->val.n * sizeof *t->val.i);
    return h;
}

uint64_t split_signature(const Graph *g, const DeviceView *v, int ki)
{
    const Kernel *k = &v->part.kernels[ki];
    uint64_t h = fnv_str(0xcbf29ce484222325ull, k->type);
    for (int i = 0; i < k->nnodes; i++) {
        const Node *n = &g->nodes[k->nodes[i]];
        h = fnv_str(fnv_str(h, n->op), n->domain);
        for (int j = 0; j < n->ninputs; j++)
            if (n->inputs[j] >= 0)
                h = hash_tensor(h, &g->tensors[n->inputs[j]]);
        for (int j = 0; j < n->noutputs; j++)
            if (n->outputs[j] >= 0)
                h = hash_tensor(h, &g->tensors[n->outputs[j]]);
        for (int a = 0; a < n->nattrs; a++) {
            const Attr *at = &n->attrs[a];
            h = fnv_str(h, at->name);
            h = fnv(h, &at->i, sizeof at->i);
            h = fnv(h, &at->f, sizeof at->f);
            h = fnv_str(h, at->s);
            if (at->ints)
                h = fnv(h, at->ints, (size_t)at->n * sizeof *at->ints);
            if (at->floats)
                h = fnv(h, at->floats, (size_t)at->n * sizeof *at->floats);
        }
    }
    return h;
}

/* ---- sample --split ---------------------------------------------------- */

#include <errno.h>
#include <unistd.h>

#include "model.h"
#include "onnx/onnx_write.h"
#include "predict/kernel_features.h"
#include "predict/predict.h"

/* Open-addressing set of signatures, each with the file written for it. */
typedef struct {
    uint64_t *keys;           /* 0 = empty */
    int *file;                /* index of the written model */
    size_t cap;
} SigSet;

static int *sigset_slot(SigSet *s, uint64_t key, int *fresh)
{
    if (key == 0)
        key = 1;
    size_t i = (size_t)key & (s->cap - 1);
    while (s->keys[i] && s->keys[i] != key)
        i = (i + 1) & (s->cap - 1);
    *fresh = s->keys[i] == 0;
    s->keys[i] = key;
    return &s->file[i];
}

/* The written model must come back as one kernel of the same key and
 * features, or its measurement would label something else. */
static int check_split(const char *path, Device *dev, const char *key, const Features *ft,
                       char *err, size_t errlen)
{
    int code;
    Graph *h = model_open(path, NULL, 0, err, errlen, &code);
    DeviceView hv;
    if (!h)
        return -1;
    if (device_view(h, dev, &hv)) {
        graph_free(h);
        return fail(err, errlen, "out of memory");
    }
    int ok = hv.part.nkernels == 1;
    Features f2;
    char key2[32] = "";
    if (ok) {
        kernel_key(&hv.ng, &hv.part.kernels[0], key2);
        /* the kernel's own features, not its context (alone, the model
         * around it is the kernel itself) */
        int own = ft->n - family_context_features(ft->family);
        ok = strcmp(key, key2) == 0 && kernel_features(h, &hv.ng, &hv.part.kernels[0], &f2) == 0 &&
             f2.n == ft->n && memcmp(f2.v, ft->v, (size_t)own * sizeof *ft->v) == 0;
    }
    if (!ok)
        snprintf(err, errlen, "alone it is %d kernel(s)%s%s, not one %s", hv.part.nkernels,
                 key2[0] ? " of key " : "", key2, key);
    device_view_free(&hv);
    graph_free(h);
    return ok ? 0 : -1;
}

static void base_name(const char *path, char *out, size_t len)
{
    const char *b = strrchr(path, '/');
    snprintf(out, len, "%s", b ? b + 1 : path);
    char *dot = strrchr(out, '.');
    if (dot)
        *dot = 0;
}

/* One model file per distinct kernel of the models, and DIR/split.jsonl
 * naming, for every kernel of every model, the file that stands for it. */
/* One line of the manifest: which model's kernel is in which file. */
static void manifest_line(FILE *man, const char *model, const char *kernel, const char *key,
                          const char *file)
{
    fprintf(man, "{\"model\":\"%s\",\"kernel\":\"%s\",\"key\":\"%s\",\"file\":\"%s\"}\n",
            model, kernel, key, file);
}

int split_models(const char *device, const char *dir, char **paths, int npaths, uint64_t seed)
{
    char err[1024];
    Device dev;
    if (device_load(device, &dev, err, sizeof err)) {
        fprintf(stderr, "nnmeter-build sample: %s\n", err);
        return 2;
    }
    char mpath[1100], tmp[1200];
    snprintf(mpath, sizeof mpath, "%s/split.jsonl", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", mpath);
    FILE *man = fopen(tmp, "w");
    SigSet set = {.cap = 1 << 16};
    set.keys = calloc(set.cap, sizeof *set.keys);
    set.file = calloc(set.cap, sizeof *set.file);
    if (!man || !set.keys || !set.file) {
        fprintf(stderr, "nnmeter-build sample: cannot write '%s': %s\n", tmp, strerror(errno));
        if (man)
            fclose(man);
        free(set.keys);
        free(set.file);
        device_free(&dev);
        return 3;
    }
    char **files = NULL;      /* the written models, by index */
    int written = 0, kernels = 0, skipped = 0, code = 0;
    for (int a = 0; a < npaths && code != 3; a++) {
        int oc;
        Graph *g = model_open(paths[a], NULL, 0, err, sizeof err, &oc);
        DeviceView v;
        if (!g || device_view(g, &dev, &v)) {
            fprintf(stderr, "nnmeter-build sample: %s: %s\n", paths[a], g ? "out of memory" : err);
            graph_free(g);
            code = 2;
            continue;
        }
        char base[256];
        base_name(paths[a], base, sizeof base);
        for (int ki = 0; ki < v.part.nkernels && code != 3; ki++) {
            const Kernel *k = &v.part.kernels[ki];
            Features ft;
            char key[32];
            kernel_key(&v.ng, k, key);
            if (kernel_features(g, &v.ng, k, &ft))
                continue;
            kernels++;
            int fresh;
            int *slot = sigset_slot(&set, split_signature(g, &v, ki), &fresh);
            char path[1400];
            if (fresh) {
                *slot = -1;
                snprintf(path, sizeof path, "%s/%s_k%d.onnx", dir, base, ki);
                Graph *h = split_kernel(g, &v, ki, err, sizeof err);
                if (!h || onnx_write(h, path, seed + (uint64_t)written, err, sizeof err) ||
                    check_split(path, &dev, key, &ft, err, sizeof err)) {
                    if (h)
                        unlink(path);
                    if (skipped++ < 5)
                        fprintf(stderr, "nnmeter-build sample: %s kernel %d (%s): %s; skipped\n",
                                base, ki, k->ops, err);
                    graph_free(h);
                    continue;
                }
                graph_free(h);
                char **nf = realloc(files, (size_t)(written + 1) * sizeof *nf);
                if (!nf || !(nf[written] = strdup(path))) {
                    files = nf ? nf : files;
                    code = 3;
                    break;
                }
                files = nf;
                *slot = written++;
                manifest_line(man, paths[a], g->nodes[k->anchor].name, key, path);
            } else if (*slot >= 0) {
                /* the same kernel as one already written: name that file */
                manifest_line(man, paths[a], g->nodes[k->anchor].name, key, files[*slot]);
            }
        }
        device_view_free(&v);
        graph_free(g);
    }
    if (fclose(man) || rename(tmp, mpath)) {
        fprintf(stderr, "nnmeter-build sample: cannot write '%s': %s\n", mpath, strerror(errno));
        code = 3;
    }
    printf("sample: %d kernels of %d models, %d distinct written under %s, %d not separable\n",
           kernels, npaths, written, dir, skipped);
    for (int i = 0; i < written; i++)
        free(files[i]);
    free(files);
    free(set.keys);
    free(set.file);
    device_free(&dev);
    return code;
}
