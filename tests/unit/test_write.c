/* test_write.c -- the ONNX writer, the network builder and the zoo.
 *
 * Round trips: a hand-made graph using every attribute type the IR has, and
 * builder-made nets, go through onnx_write and back through onnx_load; the
 * loaded graph must say what was written (ops, attributes, shapes, known
 * constant values), shape inference on it must agree with the shapes the
 * builder tracked, and the same seed must give byte-identical files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <math.h>
#include <unistd.h>
#include <cmocka.h>

#include "graph/graph.h"
#include "graph/shape_infer.h"
#include "netbuilder.h"
#include "onnx/onnx_load.h"
#include "onnx/onnx_write.h"
#include "zoo.h"

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/nnm_test_write.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    char p[512];
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
            unlink(p);
        }
    if (d)
        closedir(d);
    rmdir(tmpdir);
    return 0;
}

static const char *tmp_path(const char *name)
{
    static char p[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", tmpdir, name);
    return p[k];
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static int same_bytes(const char *a, const char *b)
{
    size_t la, lb;
    unsigned char *pa = slurp(a, &la), *pb = slurp(b, &lb);
    int same = pa && pb && la == lb && memcmp(pa, pb, la) == 0;
    free(pa);
    free(pb);
    return same;
}

/* ---- a hand-made graph with every attribute type ---------------------------- */

static int tensor(Graph *g, const char *name, int dtype, int ndim, const int64_t *dims)
{
    int t = graph_tensor(g, name);
    assert_true(t >= 0);
    g->tensors[t].dtype = dtype;
    g->tensors[t].shape.ndim = ndim;
    for (int d = 0; d < ndim; d++)
        g->tensors[t].shape.dims[d] = dims[d];
    return t;
}

static int init(Graph *g, const char *name, int dtype, int ndim, const int64_t *dims)
{
    int t = tensor(g, name, dtype, ndim, dims);
    g->tensors[t].is_initializer = 1;
    g->tensors[t].is_const = 1;
    return t;
}

static int add_node(Graph *g, const char *name, const char *op, const int *in, int nin,
                    int out)
{
    int n = graph_add_node(g, name, op, "");
    assert_true(n >= 0);
    for (int k = 0; k < nin; k++)
        assert_int_equal(graph_node_add_input(g, n, in[k]), 0);
    assert_int_equal(graph_node_add_output(g, n, out), 0);
    return n;
}

static Graph *hand_graph(void)
{
    Graph *g = graph_new();
    assert_non_null(g);
    g->name = strdup("hand");
    g->opsets = calloc(1, sizeof *g->opsets);
    g->opsets[0].domain = strdup("");
    g->opsets[0].version = 17;
    g->nopsets = 1;
    int64_t xd[4] = {1, 3, 8, 8}, wd[4] = {4, 3, 3, 3}, c4 = 4, yd[4] = {1, 4, 8, 8};
    int x = tensor(g, "x", DT_FLOAT, 4, xd);
    g->tensors[x].is_input = 1;
    g->inputs = malloc(sizeof *g->inputs);
    g->inputs[g->ninputs++] = x;
    /* Conv: INTS and INT attributes, random weights */
    int w = init(g, "conv.weight", DT_FLOAT, 4, wd);
    int bias = init(g, "conv.bias", DT_FLOAT, 1, &c4);
    int y = tensor(g, "y", DT_FLOAT, 4, yd);
    int n = add_node(g, "conv", "Conv", (int[]){x, w, bias}, 3, y);
    int64_t ks[2] = {3, 3}, pads[4] = {1, 1, 1, 1};
    Attr *a = graph_node_add_attr(g, n, "kernel_shape");
    a->type = ATTR_INTS;
    a->ints = malloc(sizeof ks);
    memcpy(a->ints, ks, sizeof ks);
    a->n = 2;
    a = graph_node_add_attr(g, n, "pads");
    a->type = ATTR_INTS;
    a->ints = malloc(sizeof pads);
    memcpy(a->ints, pads, sizeof pads);
    a->n = 4;
    a = graph_node_add_attr(g, n, "group");
    a->type = ATTR_INT;
    a->i = 1;
    /* BatchNormalization: running variance must come out positive */
    int bn[4];
    const char *bn_names[4] = {"bn.scale", "bn.bias", "bn.mean", "bn.var"};
    for (int k = 0; k < 4; k++)
        bn[k] = init(g, bn_names[k], DT_FLOAT, 1, &c4);
    int z = tensor(g, "z", DT_FLOAT, 4, yd);
    n = add_node(g, "bn", "BatchNormalization", (int[]){y, bn[0], bn[1], bn[2], bn[3]}, 5, z);
    a = graph_node_add_attr(g, n, "epsilon");
    a->type = ATTR_FLOAT;
    a->f = 0.25;
    /* Resize: STRING attribute, omitted optional input, known float constant */
    int64_t four = 4, rd[4] = {1, 4, 16, 16};
    int sc = init(g, "scales", DT_FLOAT, 1, &four);
    double scv[4] = {1, 1, 2, 2};
    tensor_set_const_f(&g->tensors[sc], scv, 4);
    int r = tensor(g, "r", DT_FLOAT, 4, rd);
    n = add_node(g, "resize", "Resize", (int[]){z, -1, sc}, 3, r);
    a = graph_node_add_attr(g, n, "mode");
    a->type = ATTR_STRING;
    a->s = strdup("nearest");
    /* Reshape with a known int64 shape */
    int64_t two = 2, fd[2] = {1, 1024};
    int shp = init(g, "shape", DT_INT64, 1, &two);
    int64_t shv[2] = {1, -1};
    tensor_set_const_i(&g->tensors[shp], shv, 2);
    int f = tensor(g, "f", DT_FLOAT, 2, fd);
    add_node(g, "reshape", "Reshape", (int[]){r, shp}, 2, f);
    /* Constant nodes: TENSOR and FLOATS attributes */
    int64_t three = 3;
    int c1 = tensor(g, "c1", DT_FLOAT, 1, &three);
    n = add_node(g, "const_t", "Constant", NULL, 0, c1);
    a = graph_node_add_attr(g, n, "value");
    a->type = ATTR_TENSOR;
    int at = tensor(g, "$value", DT_FLOAT, 1, &three);
    double atv[3] = {1.5, -2, 0.25};
    tensor_set_const_f(&g->tensors[at], atv, 3);
    g->nodes[n].attrs[0].tensor = at;
    int c2 = tensor(g, "c2", DT_FLOAT, 1, &three);
    n = add_node(g, "const_f", "Constant", NULL, 0, c2);
    a = graph_node_add_attr(g, n, "value_floats");
    a->type = ATTR_FLOATS;
    a->floats = malloc(3 * sizeof *a->floats);
    a->floats[0] = 0.5;
    a->floats[1] = -1;
    a->floats[2] = 4;
    a->n = 3;
    int s = tensor(g, "s", DT_FLOAT, 1, &three);
    add_node(g, "add", "Add", (int[]){c1, c2}, 2, s);
    g->outputs = malloc(2 * sizeof *g->outputs);
    g->outputs[g->noutputs++] = f;
    g->outputs[g->noutputs++] = s;
    g->tensors[f].is_output = g->tensors[s].is_output = 1;
    return g;
}

static const Node *find_node(const Graph *g, const char *name)
{
    for (int i = 0; i < g->nnodes; i++)
        if (strcmp(g->nodes[i].name, name) == 0)
            return &g->nodes[i];
    fail_msg("node %s missing", name);
    return NULL;
}

static const Tensor *find_tensor(const Graph *g, const char *name)
{
    int t = graph_find_tensor(g, name);
    assert_true(t >= 0);
    return &g->tensors[t];
}

static void test_hand_round_trip(void **state)
{
    (void)state;
    char err[256];
    Graph *g = hand_graph();
    const char *path = tmp_path("hand.onnx");
    assert_int_equal(onnx_write(g, path, 42, err, sizeof err), 0);
    Graph *h = onnx_load(path, err, sizeof err);
    if (!h)
        fail_msg("load: %s", err);
    assert_int_equal(h->ir_version, 8);
    assert_int_equal(h->nopsets, 1);
    assert_int_equal(h->opsets[0].version, 17);
    assert_int_equal(h->nnodes, g->nnodes);
    for (int i = 0; i < g->nnodes; i++) {
        assert_string_equal(h->nodes[i].op, g->nodes[i].op);
        assert_int_equal(h->nodes[i].ninputs, g->nodes[i].ninputs);
        assert_int_equal(h->nodes[i].nattrs, g->nodes[i].nattrs);
    }
    assert_int_equal(h->ninputs, 1);
    const Tensor *x = &h->tensors[h->inputs[0]];
    assert_string_equal(x->name, "x");
    assert_int_equal(x->dtype, DT_FLOAT);
    assert_int_equal(x->shape.ndim, 4);
    assert_int_equal(x->shape.dims[3], 8);
    assert_int_equal(h->noutputs, 2);

    const Node *conv = find_node(h, "conv");
    int64_t pads[8];
    assert_int_equal(node_attr_ints(conv, "pads", pads, 8), 4);
    assert_int_equal(pads[3], 1);
    assert_int_equal(node_attr_int(conv, "group", 0), 1);
    assert_true(node_attr_float(find_node(h, "bn"), "epsilon", 0) == 0.25);
    const Node *rs = find_node(h, "resize");
    assert_string_equal(node_attr_str(rs, "mode", ""), "nearest");
    assert_int_equal(rs->inputs[1], -1);
    const Attr *vf = node_attr(find_node(h, "const_f"), "value_floats");
    assert_non_null(vf);
    assert_int_equal(vf->type, ATTR_FLOATS);
    assert_int_equal(vf->n, 3);
    assert_true(vf->floats[2] == 4);
    const Attr *vt = node_attr(find_node(h, "const_t"), "value");
    assert_non_null(vt);
    assert_int_equal(vt->type, ATTR_TENSOR);
    assert_true(vt->tensor >= 0);
    assert_true(h->tensors[vt->tensor].val.f[1] == -2);

    /* known constants keep their values */
    const Tensor *shp = find_tensor(h, "shape");
    assert_non_null(shp->val.i);
    assert_int_equal(shp->val.i[1], -1);
    assert_true(find_tensor(h, "scales")->val.f[3] == 2);
    /* random weights: in the fan-in range, not all equal; variance > 0 */
    const Tensor *w = find_tensor(h, "conv.weight");
    assert_int_equal(w->val.n, 108);
    double bound = 1 / sqrt(27.0) + 1e-6, lo = 1, hi = -1;
    for (int k = 0; k < 108; k++) {
        assert_true(fabs(w->val.f[k]) <= bound);
        lo = fmin(lo, w->val.f[k]);
        hi = fmax(hi, w->val.f[k]);
    }
    assert_true(hi - lo > bound);
    const Tensor *var = find_tensor(h, "bn.var");
    for (int k = 0; k < 4; k++)
        assert_true(var->val.f[k] > 0);
    graph_free(h);
    graph_free(g);
}

static void test_deterministic(void **state)
{
    (void)state;
    char err[256];
    Graph *g = hand_graph();
    const char *a = tmp_path("a.onnx"), *b = tmp_path("b.onnx"), *c = tmp_path("c.onnx");
    assert_int_equal(onnx_write(g, a, 7, err, sizeof err), 0);
    assert_int_equal(onnx_write(g, b, 7, err, sizeof err), 0);
    assert_int_equal(onnx_write(g, c, 8, err, sizeof err), 0);
    assert_true(same_bytes(a, b));
    assert_false(same_bytes(a, c));
    graph_free(g);
}

static void test_write_errors(void **state)
{
    (void)state;
    char err[256] = "";
    Graph *g = hand_graph();
    assert_int_equal(onnx_write(g, "/nonexistent-dir/x.onnx", 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent-dir"));
    /* a subgraph attribute cannot be written */
    Attr *a = graph_node_add_attr(g, 0, "body");
    a->type = ATTR_GRAPH;
    err[0] = 0;
    assert_int_equal(onnx_write(g, tmp_path("bad.onnx"), 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "body"));
    assert_int_equal(access(tmp_path("bad.onnx"), F_OK), -1);
    graph_free(g);
}

/* ---- the builder ---------------------------------------------------------------- */

/* Every node output of the builder's graph, as the loader + shape inference
 * see it after a write, must have the builder's shape. */
static void check_builder_round_trip(Graph *g, const char *file)
{
    char err[256];
    const char *path = tmp_path(file);
    assert_int_equal(onnx_write(g, path, 3, err, sizeof err), 0);
    Graph *h = onnx_load(path, err, sizeof err);
    if (!h)
        fail_msg("%s: load: %s", file, err);
    if (shape_infer(h, err, sizeof err))
        fail_msg("%s: shape_infer: %s", file, err);
    assert_int_equal(h->nnodes, g->nnodes);
    for (int i = 0; i < g->nnodes; i++) {
        const Node *n = &g->nodes[i];
        for (int k = 0; k < n->noutputs; k++) {
            const Tensor *want = &g->tensors[n->outputs[k]];
            const Tensor *got = find_tensor(h, want->name);
            char a[96], b[96];
            shape_format(&want->shape, a, sizeof a);
            shape_format(&got->shape, b, sizeof b);
            if (strcmp(a, b) != 0)
                fail_msg("%s: %s (%s): builder %s, inferred %s", file, n->name, n->op, a, b);
        }
    }
    graph_free(h);
}

static void test_builder_ops(void **state)
{
    (void)state;
    char err[256];
    NetBuilder *b = nb_new("ops", 5);
    int x = nb_input(b, "input", 1, 3, 32, 32);
    nb_push(b, "stem");
    x = nb_conv_bn_act(b, x, 16, 3, 2, 1, ACT_RELU6);
    nb_pop(b);
    x = nb_se(b, nb_conv_bn_act(b, x, 16, 5, 1, 16, ACT_HSWISH), 8, ACT_HSIGMOID);
    x = nb_channel_shuffle(b, x, 4);
    int parts[2];
    assert_int_equal(nb_split(b, x, 1, 2, NULL, parts), 0);
    int cat[2] = {nb_swish(b, parts[0]), nb_maxpool(b, parts[1], 3, 1, 1)};
    x = nb_concat(b, cat, 2, 1);
    x = nb_resize(b, nb_avgpool(b, x, 2, 2, 0), 2);
    assert_int_equal(nb_dim(b, x, 2), 16);
    int64_t to_nhwc[4] = {0, 2, 3, 1}, tok[3] = {1, -1, 16};
    int t = nb_reshape(b, nb_transpose(b, x, 4, to_nhwc), 3, tok);
    assert_int_equal(nb_dim(b, t, 1), 256);
    t = nb_gelu(b, nb_linear(b, nb_layernorm(b, t), 32, 1));
    t = nb_softmax(b, nb_matmul(b, t, nb_transpose(b, t, 3, (int64_t[]){0, 2, 1})), -1);
    t = nb_gather(b, t, 1, 0);
    assert_int_equal(nb_shape(b, t)->ndim, 2);
    t = nb_gemm(b, nb_sigmoid(b, t), 10, 1);
    nb_output(b, t);
    assert_true(nb_flops(b) > 0);
    assert_true(nb_params(b) > 0);
    Graph *g = nb_finish(b, err, sizeof err);
    if (!g)
        fail_msg("builder: %s", err);
    check_builder_round_trip(g, "ops.onnx");
    graph_free(g);
}

static void test_builder_errors(void **state)
{
    (void)state;
    char err[256] = "";
    NetBuilder *b = nb_new("bad", 1);
    int x = nb_input(b, "input", 1, 6, 8, 8);
    assert_int_equal(nb_conv(b, x, 8, 3, 1, 4, 0), -1);    /* 6 channels, 4 groups */
    assert_true(nb_failed(b));
    assert_int_equal(nb_relu(b, x), -1);                   /* errors are sticky */
    assert_null(nb_finish(b, err, sizeof err));
    assert_non_null(strstr(err, "groups"));
    b = nb_new("nooutput", 1);
    nb_input(b, "input", 1, 3, 8, 8);
    assert_null(nb_finish(b, err, sizeof err));
}

/* ---- the zoo -------------------------------------------------------------------- */

static void test_zoo_families(void **state)
{
    (void)state;
    char err[256], file[64];
    for (int i = 0; i < zoo_nfamilies; i++) {
        const ZooFamily *f = &zoo_families[i];
        ZooInfo a, b;
        Graph *g = zoo_build(f, 11, 0, &a, err, sizeof err);
        if (!g)
            fail_msg("%s: %s", f->name, err);
        Graph *g2 = zoo_build(f, 11, 0, &b, err, sizeof err);
        assert_non_null(g2);
        assert_true(a.seed == b.seed && a.flops == b.flops && a.params == b.params);
        assert_int_equal(g->nnodes, g2->nnodes);
        assert_true(a.flops <= ZOO_MAX_GFLOPS * 1e9);
        assert_int_equal(a.input.ndim, 4);
        snprintf(file, sizeof file, "%s.onnx", f->name);
        check_builder_round_trip(g, file);
        unlink(tmp_path(file));
        graph_free(g);
        graph_free(g2);
    }
    assert_non_null(zoo_find("resnet"));
    assert_null(zoo_find("nope"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_round_trip),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_write_errors),
        cmocka_unit_test(test_builder_ops),
        cmocka_unit_test(test_builder_errors),
        cmocka_unit_test(test_zoo_families),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
