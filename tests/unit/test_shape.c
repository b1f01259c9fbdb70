/* test_shape.c -- unit tests for shape inference, constant folding and
 * costs, on small graphs built by hand through the graph.h API.
 *
 * Each test builds a graph with add_node("Op", "in1,in2", "out") (an empty
 * name between commas is an omitted optional input), runs shape_infer()
 * and cost_compute(), and checks shapes as shape_format() prints them
 * ("1x64x112x112", "scalar", "?"), so a failure reads like the report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "graph.h"
#include "shape_infer.h"
#include "cost.h"

/* ---- graph building helpers -------------------------------------------- */

static char *dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    assert_non_null(d);
    memcpy(d, s, n);
    return d;
}

static Graph *new_graph(int64_t opset)
{
    Graph *g = graph_new();
    assert_non_null(g);
    g->opsets = calloc(1, sizeof *g->opsets);
    assert_non_null(g->opsets);
    g->opsets[0].domain = dup("");
    g->opsets[0].version = opset;
    g->nopsets = 1;
    return g;
}

static void set_shape(Tensor *t, int nd, const int64_t *d)
{
    shape_unknown(&t->shape);
    t->shape.ndim = nd;
    for (int i = 0; i < nd && i < GRAPH_MAX_DIMS; i++)
        t->shape.dims[i] = d[i];
}

#define DIMS(...) (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), \
                  (const int64_t[]){__VA_ARGS__}

/* A float graph input with a shape. */
static int input(Graph *g, const char *name, int nd, const int64_t *d)
{
    int t = graph_tensor(g, name);
    assert_true(t >= 0);
    Tensor *x = &g->tensors[t];
    x->is_input = 1;
    x->dtype = DT_FLOAT;
    set_shape(x, nd, d);
    return t;
}

/* A float initializer (weights): shape only, values dropped. */
static int weight(Graph *g, const char *name, int nd, const int64_t *d)
{
    int t = input(g, name, nd, d);
    g->tensors[t].is_input = 0;
    g->tensors[t].is_initializer = 1;
    return t;
}

/* An int64 initializer with values, 1-D (or a scalar when scalar=1). */
static int ints_const(Graph *g, const char *name, int scalar, int n,
                      const int64_t *v)
{
    int t = weight(g, name, 1, (int64_t[]){n});
    Tensor *x = &g->tensors[t];
    x->dtype = DT_INT64;
    if (scalar)
        x->shape.ndim = 0;
    assert_int_equal(tensor_set_const_i(x, v, n), 0);
    return t;
}
#define INTS(g, name, ...) ints_const(g, name, 0, DIMS(__VA_ARGS__))
#define SCALAR(g, name, v) ints_const(g, name, 1, 1, (int64_t[]){v})

static int floats_const(Graph *g, const char *name, int n, const double *v)
{
    int t = weight(g, name, 1, (int64_t[]){n});
    assert_int_equal(tensor_set_const_f(&g->tensors[t], v, n), 0);
    return t;
}
#define FLOATS(g, name, ...) floats_const(g, name, \
    (int)(sizeof((double[]){__VA_ARGS__}) / sizeof(double)), (const double[]){__VA_ARGS__})

/* Node with comma-separated input/output names ("" = omitted). */
static int add_node(Graph *g, const char *op, const char *ins, const char *outs)
{
    static int counter;
    char name[32];
    snprintf(name, sizeof name, "n%d", counter++);
    int nd = graph_add_node(g, name, op, "");
    assert_true(nd >= 0);
    const char *lists[2] = {ins, outs};
    for (int l = 0; l < 2; l++) {
        const char *p = lists[l];
        while (p && *p) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            char buf[64];
            snprintf(buf, sizeof buf, "%.*s", (int)len, p);
            int t = len ? graph_tensor(g, buf) : -1;
            if (l == 0)
                graph_node_add_input(g, nd, t);
            else
                graph_node_add_output(g, nd, t);
            if (!e)
                break;
            p = e + 1;
            if (!*p && l == 0)          /* trailing comma: omitted input */
                graph_node_add_input(g, nd, -1);
        }
    }
    return nd;
}

static void attr_i(Graph *g, int nd, const char *name, int64_t v)
{
    Attr *a = graph_node_add_attr(g, nd, name);
    assert_non_null(a);
    a->type = ATTR_INT;
    a->i = v;
}

static void attr_f(Graph *g, int nd, const char *name, double v)
{
    Attr *a = graph_node_add_attr(g, nd, name);
    assert_non_null(a);
    a->type = ATTR_FLOAT;
    a->f = v;
}

static void attr_ints(Graph *g, int nd, const char *name, int n, const int64_t *v)
{
    Attr *a = graph_node_add_attr(g, nd, name);
    assert_non_null(a);
    a->type = ATTR_INTS;
    a->n = n;
    a->ints = malloc((size_t)(n ? n : 1) * sizeof *a->ints);
    assert_non_null(a->ints);
    memcpy(a->ints, v, (size_t)n * sizeof *v);
}
#define ATTR_INTS(g, nd, name, ...) attr_ints(g, nd, name, DIMS(__VA_ARGS__))

static void attr_floats(Graph *g, int nd, const char *name, int n, const double *v)
{
    Attr *a = graph_node_add_attr(g, nd, name);
    assert_non_null(a);
    a->type = ATTR_FLOATS;
    a->n = n;
    a->floats = malloc((size_t)n * sizeof *a->floats);
    assert_non_null(a->floats);
    memcpy(a->floats, v, (size_t)n * sizeof *v);
}

static void attr_s(Graph *g, int nd, const char *name, const char *s)
{
    Attr *a = graph_node_add_attr(g, nd, name);
    assert_non_null(a);
    a->type = ATTR_STRING;
    a->s = dup(s);
}

/* ---- checking helpers -------------------------------------------------- */

static void infer(Graph *g)
{
    char err[256] = "";
    int rc = shape_infer(g, err, sizeof err);
    if (rc != 0)
        fail_msg("shape_infer failed: %s", err);
    cost_compute(g);
}

static Tensor *T(Graph *g, const char *name)
{
    int t = graph_find_tensor(g, name);
    assert_true(t >= 0);
    return &g->tensors[t];
}

static void check_shape(Graph *g, const char *name, const char *want)
{
    char buf[128];
    shape_format(&T(g, name)->shape, buf, sizeof buf);
    if (strcmp(buf, want) != 0)
        fail_msg("tensor '%s': shape %s, expected %s", name, buf, want);
}

static void check_ints(Graph *g, const char *name, int n, const int64_t *want)
{
    Tensor *t = T(g, name);
    if (!t->is_const || !t->val.i)
        fail_msg("tensor '%s' is not an integer constant", name);
    assert_int_equal(t->val.n, n);
    for (int i = 0; i < n; i++)
        assert_int_equal(t->val.i[i], want[i]);
}
#define CHECK_INTS(g, name, ...) check_ints(g, name, DIMS(__VA_ARGS__))

static Node *node(Graph *g, int nd) { return &g->nodes[nd]; }

/* ---- conv and friends -------------------------------------------------- */

static void test_conv_stem(void **state)
{
    (void)state;
    Graph *g = new_graph(13);
    input(g, "x", DIMS(1, 3, 224, 224));
    weight(g, "w", DIMS(64, 3, 7, 7));
    weight(g, "b", DIMS(64));
    int n = add_node(g, "Conv", "x,w,b", "y");
    ATTR_INTS(g, n, "strides", 2, 2);
    ATTR_INTS(g, n, "pads", 3, 3, 3, 3);
    infer(g);
    check_shape(g, "y", "1x64x112x112");
    double out = 64.0 * 112 * 112;
    assert_true(node(g, n)->cost.flops == 2 * out * 3 * 7 * 7 + out);
    assert_int_equal(node(g, n)->cost.params, 64 * 3 * 7 * 7 + 64);
    assert_int_equal(node(g, n)->cost.bytes_read,
                     4 * (3 * 224 * 224 + 64 * 3 * 49 + 64));
    assert_int_equal(node(g, n)->cost.bytes_written, 4 * 64 * 112 * 112);
    assert_true(node(g, n)->supported);
    graph_free(g);
}

static void test_conv_dilation_groups(void **state)
{
    (void)state;
    Graph *g = new_graph(13);
    input(g, "x", DIMS(2, 32, 56, 56));
    weight(g, "w", DIMS(32, 1, 3, 3));
    int n = add_node(g, "Conv", "x,w", "y");
    attr_i(g, n, "group", 32);
    ATTR_INTS(g, n, "dilations", 2, 2);
    ATTR_INTS(g, n, "pads", 2, 2, 2, 2);
    /* grouped conv, 1-D kernel dims from kernel_shape, asymmetric pads */
    weight(g, "w2", DIMS(16, 8, 3, 5));
    int n2 = add_node(g, "Conv", "y,w2", "z");
    attr_i(g, n2, "group", 4);
    ATTR_INTS(g, n2, "kernel_shape", 3, 5);
    ATTR_INTS(g, n2, "strides", 2, 3);
    ATTR_INTS(g, n2, "pads", 1, 0, 0, 0);
    /* SAME_UPPER ignores pads: ceil(56 / 2) */
    weight(g, "w3", DIMS(8, 16, 3, 3));
    int n3 = add_node(g, "Conv", "z,w3", "s");
    attr_s(g, n3, "auto_pad", "SAME_UPPER");
    ATTR_INTS(g, n3, "strides", 2, 2);
    infer(g);
    check_shape(g, "y", "2x32x56x56");
    assert_true(node(g, n)->cost.flops == 2.0 * 2 * 32 * 56 * 56 * 1 * 9);
    /* H: (56 + 1 - 3) / 2 + 1 = 28; W: (56 - 5) / 3 + 1 = 18 */
    check_shape(g, "z", "2x16x28x18");
    assert_true(node(g, n2)->cost.flops == 2.0 * 2 * 16 * 28 * 18 * 8 * 15);
    check_shape(g, "s", "2x8x14x9");
    graph_free(g);
}

static void test_conv_mismatch_is_a_note(void **state)
{
    (void)state;
    Graph *g = new_graph(13);
    input(g, "x", DIMS(1, 4, 8, 8));
    weight(g, "w", DIMS(8, 3, 3, 3));
    int n = add_node(g, "Conv", "x,w", "y");
    add_node(g, "Relu", "y", "z");
    infer(g);
    check_shape(g, "y", "?");
    check_shape(g, "z", "?");
    assert_true(g->nnotes >= 1);
    assert_true(node(g, n)->supported);
    assert_true(node(g, n)->cost.flops == 0);
    graph_free(g);
}

static void test_convtranspose(void **state)
{
    (void)state;
    Graph *g = new_graph(13);
    input(g, "x", DIMS(1, 16, 14, 14));
    weight(g, "w", DIMS(16, 8, 4, 4));
    weight(g, "b", DIMS(8));
    int n = add_node(g, "ConvTranspose", "x,w,b", "y");
    ATTR_INTS(g, n, "strides", 2, 2);
    ATTR_INTS(g, n, "pads", 1, 1, 1, 1);
    int n2 = add_node(g, "ConvTranspose", "x,w", "y2");
    ATTR_INTS(g, n2, "strides", 2, 2);
    ATTR_INTS(g, n2, "output_padding", 1, 0);
    attr_i(g, n2, "group", 2);
    weight(g, "wd", DIMS(16, 8, 3, 3));
    int n3 = add_node(g, "ConvTranspose", "x,wd", "y3");
    ATTR_INTS(g, n3, "strides", 2, 2);
    ATTR_INTS(g, n3, "dilations", 2, 2);
    int n4 = add_node(g, "ConvTranspose", "x,w", "y4");
    ATTR_INTS(g, n4, "output_shape", 30, 31);
    ATTR_INTS(g, n4, "strides", 2, 2);
    int n5 = add_node(g, "ConvTranspose", "x,w", "y5");
    ATTR_INTS(g, n5, "strides", 3, 3);
    attr_s(g, n5, "auto_pad", "SAME_LOWER");
    infer(g);
    /* 2*(14-1) + 4 - 2 = 28 */
    check_shape(g, "y", "1x8x28x28");
    assert_true(node(g, n)->cost.flops ==
                2.0 * 16 * 14 * 14 * 8 * 16 + 8.0 * 28 * 28);
    /* groups multiply the output channels; output_padding adds 1 to H */
    check_shape(g, "y2", "1x16x31x30");
    /* 2*13 + (3-1)*2 + 1 = 31 */
    check_shape(g, "y3", "1x8x31x31");
    check_shape(g, "y4", "1x8x30x31");
    check_shape(g, "y5", "1x8x42x42");
    graph_free(g);
}

static void test_pools(void **state)
{
    (void)state;
    Graph *g = new_graph(13);
    input(g, "x", DIMS(1, 2, 5, 5));
    int n = add_node(g, "MaxPool", "x", "p,idx");
    ATTR_INTS(g, n, "kernel_shape", 2, 2);
    ATTR_INTS(g, n, "strides", 2, 2);
    attr_i(g, n, "ceil_mode", 1);
    int n2 = add_node(g, "MaxPool", "x", "q");
    ATTR_INTS(g, n2, "kernel_shape", 2, 2);
    ATTR_INTS(g, n2, "strides", 2, 2);
    /* ceil_mode with padding: (5+1+1-2)/2 = 2.5 -> 4 windows by ceil, but
     * the 4th would start at 6, past input+left pad (6): so 3 */
    int n3 = add_node(g, "AveragePool", "x", "r");
    ATTR_INTS(g, n3, "kernel_shape", 2, 2);
    ATTR_INTS(g, n3, "strides", 2, 2);
    ATTR_INTS(g, n3, "pads", 1, 1, 1, 1);
    attr_i(g, n3, "ceil_mode", 1);
    input(g, "x7", DIMS(1, 2, 7, 7));
    int n4 = add_node(g, "MaxPool", "x7", "d");
    ATTR_INTS(g, n4, "kernel_shape", 3, 3);
    ATTR_INTS(g, n4, "dilations", 2, 2);
    int n5 = add_node(g, "AveragePool", "x7", "sl");
    ATTR_INTS(g, n5, "kernel_shape", 3, 3);
    ATTR_INTS(g, n5, "strides", 2, 2);
    attr_s(g, n5, "auto_pad", "SAME_LOWER");
    int n6 = add_node(g, "GlobalAveragePool", "x7", "gap");
    infer(g);
    check_shape(g, "p", "1x2x3x3");
    check_shape(g, "idx", "1x2x3x3");
    assert_int_equal(T(g, "idx")->dtype, DT_INT64);
    check_shape(g, "q", "1x2x2x2");
    check_shape(g, "r", "1x2x3x3");
    check_shape(g, "d", "1x2x3x3");
    check_shape(g, "sl", "1x2x4x4");
    check_shape(g, "gap", "1x2x1x1");
    assert_true(node(g, n)->cost.flops == 2.0 * 3 * 3 * 4);
    assert_true(node(g, n4)->cost.flops == 2.0 * 3 * 3 * 9);
    assert_true(node(g, n6)->cost.flops == 2.0 * 49);
    graph_free(g);
}

/* ---- elementwise and matrix products ----------------------------------- */

static void test_broadcasting(void **state)
{
    (void)state;
    Graph *g = new_graph(13);
    input(g, "a", DIMS(2, 1, 4));
    input(g, "b", DIMS(3, 1));
    input(g, "s", 0, NULL);
    input(g, "u", DIMS(-1, 4));
    input(g, "v", DIMS(5));
    int n = add_node(g, "Add", "a,b", "ab");
    add_node(g, "Mul", "ab,s", "abs");
    add_node(g, "Sub", "u,b", "ub");
    add_node(g, "Greater", "a,b", "gt");
    add_node(g, "Max", "a,b,s", "mx");
    add_node(g, "Div", "a,v", "bad");
    add_node(g, "Relu", "bad", "bad2");
    infer(g);
    check_shape(g, "ab", "2x3x4");
    check_shape(g, "abs", "2x3x4");
    check_shape(g, "ub", "3x4");
    check_shape(g, "gt", "2x3x4");
    assert_int_equal(T(g, "gt")->dtype, DT_BOOL);
    assert_int_equal(T(g, "ab")->dtype, DT_FLOAT);
    check_shape(g, "mx", "2x3x4");
    check_shape(g, "bad", "?");
    check_shape(g, "bad2", "?");
    assert_int_equal(g->nnotes, 1);
    assert_true(node(g, n)->cost.flops == 24);
    graph_free(g);
}

static void test_matmul(void **state)
{
    (void)state;
    Graph *g = new_graph(13);
    input(g, "a", DIMS(2, 1, 3, 4));
    input(g, "b", DIMS(5, 4, 6));
    input(g, "v", DIMS(4));
    input(g, "m", DIMS(4, 6));
    input(g, "k", DIMS(3, 4));
    int n = add_node(g, "MatMul", "a,b", "y");
    int n2 = add_node(g, "MatMul", "v,m", "vm");
    add_node(g, "MatMul", "k,v", "kv");
    add_node(g, "MatMul", "v,v", "dot");
    add_node(g, "MatMul", "k,k", "bad");
    infer(g);
    check_shape(g, "y", "2x5x3x6");
    assert_true(node(g, n)->cost.flops == 2.0 * 2 * 5 * 3 * 6 * 4);
    check_shape(g, "vm", "6");
    assert_true(node(g, n2)->cost.flops == 2.0 * 6 * 4);
    check_shape(g, "kv", "3");
    check_shape(g, "dot", "scalar");
    check_shape(g, "bad", "?");
    graph_free(g);
}

static void test_gemm_transb_bias(void **state)
{
    (void)state;
    Graph *g = new_graph(13);
    input(g, "a", DIMS(8, 16));
    weight(g, "b", DIMS(32, 16));
    weight(g, "c", DIMS(32));
    int n = add_node(g, "Gemm", "a,b,c", "y");
    attr_i(g, n, "transB", 1);
    int n2 = add_node(g, "Gemm", "a,b", "bad");   /* K 16 vs 32 */
    infer(g);
    check_shape(g, "y", "8x32");
    assert_true(node(g, n)->cost.flops == 2.0 * 8 * 32 * 16 + 8 * 32);
    assert_int_equal(node(g, n)->cost.params, 32 * 16 + 32);
    check_shape(g, "bad", "?");
    assert_true(node(g, n2)->cost.flops == 0);
    assert_int_equal(node(g, n2)->cost.bytes_written, 0);
    graph_free(g);
}

/* ---- folding ----------------------------------------------------------- */

/* The exporter idiom: Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), -1)) */
static void test_fold_chain(void **state)
{
    (void)state;
    for (int opset = 11; opset <= 13; opset += 2) {
        Graph *g = new_graph(opset);
        input(g, "x", DIMS(2, 3, 4, 5));
        add_node(g, "Shape", "x", "shp");
        int c = add_node(g, "Constant", "", "zero");
        Attr *a = graph_node_add_attr(g, c, "value");
        a->type = ATTR_TENSOR;
        a->tensor = graph_tensor(g, "zero_value");
        Tensor *zv = &g->tensors[a->tensor];
        zv->dtype = DT_INT64;
        zv->shape.ndim = 0;
        tensor_set_const_i(zv, (int64_t[]){0}, 1);
        add_node(g, "Gather", "shp,zero", "batch");
        int u;
        if (opset >= 13) {
            INTS(g, "axes0", 0);
            u = add_node(g, "Unsqueeze", "batch,axes0", "b1");
        } else {
            u = add_node(g, "Unsqueeze", "batch", "b1");
            ATTR_INTS(g, u, "axes", 0);
        }
        int m1 = add_node(g, "Constant", "", "minus1");
        ATTR_INTS(g, m1, "value_ints", -1);
        int cc = add_node(g, "Concat", "b1,minus1", "target");
        attr_i(g, cc, "axis", 0);
        add_node(g, "Reshape", "x,target", "y");
        infer(g);
        CHECK_INTS(g, "shp", 2, 3, 4, 5);
        check_shape(g, "batch", "scalar");
        CHECK_INTS(g, "batch", 2);
        check_shape(g, "b1", "1");
        CHECK_INTS(g, "target", 2, -1);
        check_shape(g, "y", "2x60");
        assert_int_equal(T(g, "shp")->dtype, DT_INT64);
        assert_true(node(g, cc)->cost.flops == 0);
        assert_int_equal(g->nnotes, 0);
        graph_free(g);
    }
}

static void test_fold_arith(void **state)
{
    (void)state;
    Graph *g = new_graph(17);
    input(g, "x", DIMS(4, 6, 10));
    add_node(g, "Shape", "x", "s");
    INTS(g, "two", 2);
    add_node(g, "Div", "s,two", "half");
    INTS(g, "m7", -7);
    add_node(g, "Div", "m7,two", "trunc");     /* C truncation: -3 */
    add_node(g, "Mul", "s,two", "dbl");
    add_node(g, "Equal", "s,two", "eq");
    add_node(g, "Where", "eq,s,dbl", "w");
    int cs = add_node(g, "Cast", "s", "sf");
    attr_i(g, cs, "to", DT_FLOAT);
    add_node(g, "Size", "x", "sz");
    int sh = add_node(g, "Shape", "x", "tail");
    attr_i(g, sh, "start", -2);
    int rp = add_node(g, "ReduceProd", "tail", "prod");
    attr_i(g, rp, "keepdims", 0);
    add_node(g, "ConstantOfShape", "tail", "zeros");
    SCALAR(g, "r0", 0);
    SCALAR(g, "r1", 10);
    SCALAR(g, "r2", 3);
    add_node(g, "Range", "r0,r1,r2", "rng");
    INTS(g, "st", 1);
    INTS(g, "en", 3);
    INTS(g, "ax", 0);
    add_node(g, "Slice", "s,st,en,ax", "mid");
    add_node(g, "Neg", "mid", "negmid");
    add_node(g, "Min", "s,two", "mn");
    add_node(g, "Expand", "two,tail", "ex");
    int cf = add_node(g, "Constant", "", "pi");
    attr_f(g, cf, "value_float", 3.25);
    add_node(g, "Mul", "pi,pi", "pi2");
    infer(g);
    CHECK_INTS(g, "half", 2, 3, 5);
    CHECK_INTS(g, "trunc", -3);
    CHECK_INTS(g, "dbl", 8, 12, 20);
    CHECK_INTS(g, "eq", 0, 0, 0);
    assert_int_equal(T(g, "eq")->dtype, DT_BOOL);
    CHECK_INTS(g, "w", 8, 12, 20);
    assert_int_equal(T(g, "sf")->dtype, DT_FLOAT);
    assert_non_null(T(g, "sf")->val.f);
    assert_true(T(g, "sf")->val.f[2] == 10.0);
    check_shape(g, "sz", "scalar");
    CHECK_INTS(g, "sz", 240);
    CHECK_INTS(g, "tail", 6, 10);
    check_shape(g, "prod", "scalar");
    CHECK_INTS(g, "prod", 60);
    check_shape(g, "zeros", "6x10");
    assert_int_equal(T(g, "zeros")->dtype, DT_FLOAT);
    check_shape(g, "rng", "4");
    CHECK_INTS(g, "rng", 0, 3, 6, 9);
    CHECK_INTS(g, "mid", 6, 10);
    CHECK_INTS(g, "negmid", -6, -10);
    CHECK_INTS(g, "mn", 2, 2, 2);
    check_shape(g, "ex", "6x10");
    assert_int_equal(T(g, "ex")->val.n, 60);
    check_shape(g, "pi2", "scalar");
    assert_int_equal(T(g, "pi2")->dtype, DT_FLOAT);
    assert_non_null(T(g, "pi2")->val.f);
    assert_true(T(g, "pi2")->val.f[0] == 3.25 * 3.25);
    graph_free(g);
}

/* Folding on 2-D constants and float ranges: index maps beyond 1-D. */
static void test_fold_2d(void **state)
{
    (void)state;
    Graph *g = new_graph(13);
    int m = INTS(g, "m", 0, 1, 2, 3, 4, 5);
    set_shape(&g->tensors[m], DIMS(2, 3));          /* [[0,1,2],[3,4,5]] */
    INTS(g, "s", 0, -1);
    INTS(g, "e", 2, INT64_MIN);
    INTS(g, "a", 0, 1);
    INTS(g, "st", 1, -2);
    add_node(g, "Slice", "m,s,e,a,st", "sl");       /* cols 2, 0 */
    int c = add_node(g, "Concat", "m,m", "cat");
    attr_i(g, c, "axis", 1);
    INTS(g, "i1", 2, 0);
    int ga = add_node(g, "Gather", "m,i1", "ga");
    attr_i(g, ga, "axis", 1);
    INTS(g, "rep", 1, 2);
    add_node(g, "Tile", "m,rep", "tl");
    INTS(g, "ax1", 1);
    int rs = add_node(g, "ReduceSum", "m,ax1", "rsum");
    attr_i(g, rs, "keepdims", 1);
    int rm = add_node(g, "ReduceMax", "m", "rmax");
    ATTR_INTS(g, rm, "axes", 0);
    attr_i(g, rm, "keepdims", 0);
    FLOATS(g, "f0", 0.5);
    FLOATS(g, "f1", 2.0);
    FLOATS(g, "fd", 0.5);
    for (int k = 0; k < 3; k++)
        g->tensors[graph_find_tensor(g, k == 0 ? "f0" : k == 1 ? "f1" : "fd")].shape.ndim = 0;
    add_node(g, "Range", "f0,f1,fd", "fr");
    infer(g);
    check_shape(g, "sl", "2x2");
    CHECK_INTS(g, "sl", 2, 0, 5, 3);
    check_shape(g, "cat", "2x6");
    CHECK_INTS(g, "cat", 0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5);
    check_shape(g, "ga", "2x2");
    CHECK_INTS(g, "ga", 2, 0, 5, 3);
    check_shape(g, "tl", "2x6");
    CHECK_INTS(g, "tl", 0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5);
    check_shape(g, "rsum", "2x1");
    CHECK_INTS(g, "rsum", 3, 12);
    check_shape(g, "rmax", "3");
    CHECK_INTS(g, "rmax", 3, 4, 5);
    check_shape(g, "fr", "3");
    assert_non_null(T(g, "fr")->val.f);
    assert_true(T(g, "fr")->val.f[2] == 1.5);
    graph_free(g);
}

/* ---- shape ops --------------------------------------------------------- */

static void test_reshape(void **state)
{
    (void)state;
    Graph *g = new_graph(14);
    input(g, "x", DIMS(2, 3, 4));
    INTS(g, "t1", 0, -1);
    add_node(g, "Reshape", "x,t1", "a");
    INTS(g, "t2", -1, 0, 2);
    add_node(g, "Reshape", "x,t2", "b");
    INTS(g, "t3", 5, -1);
    add_node(g, "Reshape", "x,t3", "bad");      /* 24 is not a multiple of 5 */
    INTS(g, "t4", -1, -1);
    add_node(g, "Reshape", "x,t4", "bad2");
    input(g, "e", DIMS(0, 3));
    INTS(g, "t5", 3, 0);
    int z = add_node(g, "Reshape", "e,t5", "zero");
    attr_i(g, z, "allowzero", 1);
    input(g, "dyn", DIMS(3));
    add_node(g, "Reshape", "x,dyn", "r3");     /* values unknown: rank known */
    add_node(g, "Flatten", "x", "f1");
    int f = add_node(g, "Flatten", "x", "f2");
    attr_i(g, f, "axis", -1);
    int f0 = add_node(g, "Flatten", "x", "f0");
    attr_i(g, f0, "axis", 0);
    int tr = add_node(g, "Transpose", "x", "tdef");
    (void)tr;
    int tp = add_node(g, "Transpose", "x", "tperm");
    ATTR_INTS(g, tp, "perm", 1, 0, 2);
    infer(g);
    check_shape(g, "a", "2x12");
    check_shape(g, "b", "4x3x2");
    check_shape(g, "bad", "?");
    check_shape(g, "bad2", "?");
    check_shape(g, "zero", "3x0");
    check_shape(g, "r3", "?x?x?");
    check_shape(g, "f1", "2x12");
    check_shape(g, "f2", "6x4");
    check_shape(g, "f0", "1x24");
    check_shape(g, "tdef", "4x3x2");
    check_shape(g, "tperm", "3x2x4");
    graph_free(g);
}

static void test_split(void **state)
{
    (void)state;
    /* opset 11: split attribute */
    Graph *g = new_graph(11);
    input(g, "x", DIMS(1, 5, 4));
    int n = add_node(g, "Split", "x", "a,b");
    attr_i(g, n, "axis", 1);
    ATTR_INTS(g, n, "split", 2, 3);
    int e = add_node(g, "Split", "x", "e0,e1,e2,e3,e4");
    attr_i(g, e, "axis", -2);
    add_node(g, "Split", "x", "u0,u1");        /* dim 1 on axis 0: uneven */
    infer(g);
    check_shape(g, "a", "1x2x4");
    check_shape(g, "b", "1x3x4");
    check_shape(g, "e4", "1x1x4");
    check_shape(g, "u0", "?");
    graph_free(g);

    /* opset 13: split input; opset 18: num_outputs with a short last piece */
    g = new_graph(18);
    input(g, "x", DIMS(10, 4));
    INTS(g, "sp", 1, 9);
    add_node(g, "Split", "x,sp", "c,d");
    int m = add_node(g, "Split", "x", "p,q,r");
    attr_i(g, m, "num_outputs", 3);
    INTS(g, "badsp", 3, 3);
    add_node(g, "Split", "x,badsp", "bad0,bad1");
    infer(g);
    check_shape(g, "c", "1x4");
    check_shape(g, "d", "9x4");
    check_shape(g, "p", "4x4");
    check_shape(g, "r", "2x4");
    check_shape(g, "bad1", "?");
    graph_free(g);
}

static void test_slice(void **state)
{
    (void)state;
    Graph *g = new_graph(13);
    input(g, "x", DIMS(10, 20));
    INTS(g, "s1", -3);
    INTS(g, "e1", INT64_MAX);
    INTS(g, "a1", 1);
    add_node(g, "Slice", "x,s1,e1,a1", "last3");
    INTS(g, "s2", -1);
    INTS(g, "e2", INT64_MIN);
    INTS(g, "a2", 0);
    INTS(g, "st2", -2);
    add_node(g, "Slice", "x,s2,e2,a2,st2", "rev2");
    INTS(g, "s3", 2, 100);
    INTS(g, "e3", -2, 200);
    add_node(g, "Slice", "x,s3,e3", "mid");       /* axes default 0, 1 */
    INTS(g, "st0", 0);
    add_node(g, "Slice", "x,s1,e1,a1,st0", "bad");   /* step 0 */
    INTS(g, "vals", 10, 11, 12, 13, 14);
    INTS(g, "s4", -1);
    INTS(g, "e4", -6);
    INTS(g, "st4", -2);
    add_node(g, "Slice", "vals,s4,e4,,st4", "fold");
    infer(g);
    check_shape(g, "last3", "10x3");
    check_shape(g, "rev2", "5x20");
    check_shape(g, "mid", "6x0");
    check_shape(g, "bad", "?");
    CHECK_INTS(g, "fold", 14, 12, 10);
    graph_free(g);

    /* opset 1 attribute form */
    g = new_graph(9);
    input(g, "x", DIMS(10, 20, 30));
    int n = add_node(g, "Slice", "x", "y");
    ATTR_INTS(g, n, "starts", 1, -10);
    ATTR_INTS(g, n, "ends", 1000, -1);
    ATTR_INTS(g, n, "axes", 0, 2);
    infer(g);
    check_shape(g, "y", "9x20x9");
    graph_free(g);
}

static void test_squeeze_unsqueeze(void **state)
{
    (void)state;
    Graph *g = new_graph(11);
    input(g, "x", DIMS(1, 3, 1, 5));
    int n = add_node(g, "Squeeze", "x", "a");
    ATTR_INTS(g, n, "axes", 0, -2);
    add_node(g, "Squeeze", "x", "all");
    int u = add_node(g, "Unsqueeze", "a", "b");
    ATTR_INTS(g, u, "axes", 0, 3);
    int bad = add_node(g, "Squeeze", "x", "bad");
    ATTR_INTS(g, bad, "axes", 1);
    infer(g);
    check_shape(g, "a", "3x5");
    check_shape(g, "all", "3x5");
    check_shape(g, "b", "1x3x5x1");
    check_shape(g, "bad", "?");
    graph_free(g);

    g = new_graph(13);
    input(g, "x", DIMS(3, 1));
    INTS(g, "last", -1);
    add_node(g, "Squeeze", "x,last", "a");
    add_node(g, "Unsqueeze", "a,last", "b");
    INTS(g, "many", 0, 1, 2, 3, 4, 5, 6, 7);
    add_node(g, "Unsqueeze", "x,many", "toobig");   /* rank 10 > 8 */
    input(g, "q", DIMS(-1, 1));
    add_node(g, "Squeeze", "q", "qq");              /* ? might be 1 */
    infer(g);
    check_shape(g, "a", "3");
    check_shape(g, "b", "3x1");
    check_shape(g, "toobig", "?");
    check_shape(g, "qq", "?");
    graph_free(g);
}

static void test_pad_concat(void **state)
{
    (void)state;
    Graph *g = new_graph(18);
    input(g, "x", DIMS(1, 3, 8, 8));
    INTS(g, "p", 0, 0, 1, 2, 0, 0, 3, -1);
    add_node(g, "Pad", "x,p", "y");
    INTS(g, "p2", 1, 1, 1, 1);
    INTS(g, "pax", -2, -1);
    add_node(g, "Pad", "x,p2,,pax", "z");
    input(g, "w", DIMS(1, 5, 8, 8));
    int c = add_node(g, "Concat", "x,w,x", "cat");
    attr_i(g, c, "axis", -3);
    int c2 = add_node(g, "Concat", "x,y", "badcat");
    attr_i(g, c2, "axis", 1);
    infer(g);
    check_shape(g, "y", "1x3x12x9");
    check_shape(g, "z", "1x3x10x10");
    check_shape(g, "cat", "1x11x8x8");
    check_shape(g, "badcat", "?");
    graph_free(g);

    g = new_graph(2);
    input(g, "x", DIMS(2, 2));
    int n = add_node(g, "Pad", "x", "y");
    ATTR_INTS(g, n, "pads", 1, 0, 1, 0);
    infer(g);
    check_shape(g, "y", "4x2");
    graph_free(g);
}

static void test_resize(void **state)
{
    (void)state;
    Graph *g = new_graph(13);
    input(g, "x", DIMS(1, 3, 10, 10));
    FLOATS(g, "sc", 1, 1, 2, 2.5);
    int n = add_node(g, "Resize", "x,,sc", "up");
    attr_s(g, n, "mode", "linear");
    INTS(g, "sz", 1, 3, 15, 7);
    add_node(g, "Resize", "x,,,sz", "sized");
    weight(g, "empty", DIMS(0));
    add_node(g, "Resize", "x,empty,empty,sz", "sized2");
    int k = add_node(g, "Resize", "x,,,sz", "keep");
    attr_s(g, k, "keep_aspect_ratio_policy", "not_larger");
    input(g, "dyn", DIMS(4));
    add_node(g, "Resize", "x,,dyn", "dynamic");
    infer(g);
    check_shape(g, "up", "1x3x20x25");
    /* bilinear over 2 resized axes: 4 taps, 2 FLOPs each */
    assert_true(node(g, n)->cost.flops == 8.0 * 3 * 20 * 25);
    check_shape(g, "sized", "1x3x15x7");
    check_shape(g, "sized2", "1x3x15x7");
    check_shape(g, "keep", "1x2x7x7");   /* scale min(1,1,1.5,0.7)=0.7 */
    check_shape(g, "dynamic", "?x?x?x?");   /* no axes: any dim may scale */
    graph_free(g);

    g = new_graph(10);
    input(g, "x", DIMS(1, 3, 10, 10));
    FLOATS(g, "sc", 1, 1, 0.5, 3);
    add_node(g, "Resize", "x,sc", "r10");
    add_node(g, "Upsample", "x,sc", "u9");
    infer(g);
    check_shape(g, "r10", "1x3x5x30");
    check_shape(g, "u9", "1x3x5x30");
    graph_free(g);

    g = new_graph(7);
    input(g, "x", DIMS(1, 3, 10, 10));
    int u = add_node(g, "Upsample", "x", "u7");
    attr_floats(g, u, "scales", 4, (double[]){1, 1, 2, 2});
    infer(g);
    check_shape(g, "u7", "1x3x20x20");
    graph_free(g);
}

static void test_reduce_gather_misc(void **state)
{
    (void)state;
    Graph *g = new_graph(18);
    input(g, "x", DIMS(2, 3, 4));
    int r = add_node(g, "ReduceMean", "x", "m");
    ATTR_INTS(g, r, "axes", -1);
    INTS(g, "ax", 0, 2);
    int r2 = add_node(g, "ReduceSum", "x,ax", "s");
    attr_i(g, r2, "keepdims", 0);
    add_node(g, "ReduceMax", "x", "all");
    int r4 = add_node(g, "ReduceL2", "x", "noop");
    attr_i(g, r4, "noop_with_empty_axes", 1);
    int am = add_node(g, "ArgMax", "x", "am");
    attr_i(g, am, "axis", 1);
    attr_i(g, am, "keepdims", 0);
    input(g, "ix", DIMS(5, 6));
    int ga = add_node(g, "Gather", "x,ix", "g");
    attr_i(g, ga, "axis", 1);
    add_node(g, "GatherElements", "x,x", "ge");
    INTS(g, "k", 2);
    add_node(g, "TopK", "x,k", "tv,ti");
    add_node(g, "NonZero", "x", "nz");
    INTS(g, "rep", 1, 2, 3);
    add_node(g, "Tile", "x,rep", "tile");
    add_node(g, "Where", "x,x,x", "wh");
    int ln = add_node(g, "LayerNormalization", "x", "ln,lm,lv");
    attr_i(g, ln, "axis", -2);
    int d = add_node(g, "Dropout", "x", "dr,mask");
    (void)d;
    int ct = add_node(g, "Cast", "x", "ci");
    attr_i(g, ct, "to", DT_INT32);
    infer(g);
    check_shape(g, "m", "2x3x1");
    check_shape(g, "s", "3");
    check_shape(g, "all", "1x1x1");
    check_shape(g, "noop", "2x3x4");
    check_shape(g, "am", "2x4");
    assert_int_equal(T(g, "am")->dtype, DT_INT64);
    check_shape(g, "g", "2x5x6x4");
    check_shape(g, "ge", "2x3x4");
    check_shape(g, "tv", "2x3x2");
    assert_int_equal(T(g, "ti")->dtype, DT_INT64);
    check_shape(g, "nz", "3x?");
    check_shape(g, "tile", "2x6x12");
    check_shape(g, "wh", "2x3x4");
    check_shape(g, "ln", "2x3x4");
    check_shape(g, "lm", "2x1x1");
    check_shape(g, "mask", "2x3x4");
    assert_int_equal(T(g, "mask")->dtype, DT_BOOL);
    assert_int_equal(T(g, "ci")->dtype, DT_INT32);
    assert_true(node(g, r)->cost.flops == 24);
    graph_free(g);
}

/* ---- unknowns, errors, hostile input ----------------------------------- */

static void test_unknown_op(void **state)
{
    (void)state;
    Graph *g = new_graph(13);
    input(g, "x", DIMS(1, 3, 8, 8));
    int f = add_node(g, "FrobnicateV2", "x", "y");
    int r = add_node(g, "Relu", "y", "z");
    weight(g, "w", DIMS(16, 3, 3, 3));
    add_node(g, "Conv", "z,w", "c");
    add_node(g, "Shape", "y", "sy");
    int ms = graph_add_node(g, "ms", "Attention", "com.microsoft");
    graph_node_add_input(g, ms, graph_tensor(g, "x"));
    graph_node_add_output(g, ms, graph_tensor(g, "att"));
    int mg = graph_add_node(g, "mg", "FastGelu", "com.microsoft");
    graph_node_add_input(g, mg, graph_tensor(g, "x"));
    graph_node_add_output(g, mg, graph_tensor(g, "fg"));
    int relu_other = graph_add_node(g, "ro", "Relu", "org.custom");
    graph_node_add_input(g, relu_other, graph_tensor(g, "x"));
    graph_node_add_output(g, relu_other, graph_tensor(g, "ro_out"));
    infer(g);
    assert_false(node(g, f)->supported);
    assert_true(node(g, r)->supported);
    assert_false(node(g, ms)->supported);
    assert_true(node(g, mg)->supported);
    assert_false(node(g, relu_other)->supported);
    check_shape(g, "y", "?");
    check_shape(g, "z", "?");
    check_shape(g, "c", "?x16x?x?");   /* the weight still tells us a lot */
    check_shape(g, "sy", "?");
    check_shape(g, "fg", "1x3x8x8");
    check_shape(g, "ro_out", "?");
    assert_int_equal(T(g, "sy")->shape.ndim, 1);
    assert_false(T(g, "sy")->is_const);
    /* unknown nodes still count bytes of what is known */
    assert_int_equal(node(g, f)->cost.bytes_read, 4 * 3 * 64);
    assert_true(node(g, f)->cost.flops == 0);
    assert_true(shape_op_known("", "Conv"));
    assert_true(shape_op_known("ai.onnx", "Conv"));
    assert_false(shape_op_known("", "Einsum"));
    assert_false(shape_op_known("com.microsoft", "Conv"));
    graph_free(g);
}

static void test_overflow_errors(void **state)
{
    (void)state;
    char err[256];
    Graph *g = new_graph(13);
    input(g, "huge", DIMS(1LL << 40, 1LL << 40));
    add_node(g, "Relu", "huge", "y");
    assert_int_equal(shape_infer(g, err, sizeof err), -1);
    assert_non_null(strstr(err, "huge"));
    assert_non_null(strstr(err, "overflow"));
    assert_null(strchr(err, '\n'));
    graph_free(g);

    g = new_graph(13);
    input(g, "x", DIMS(1, 3));
    weight(g, "w", DIMS(3, -4));
    add_node(g, "MatMul", "x,w", "y");
    assert_int_equal(shape_infer(g, err, sizeof err), -1);
    assert_non_null(strstr(err, "'w'"));
    assert_non_null(strstr(err, "read by node"));
    graph_free(g);

    g = new_graph(13);
    input(g, "x", DIMS(1LL << 31, 4));
    INTS(g, "rep", 1LL << 33, 1);
    add_node(g, "Tile", "x,rep", "y");   /* 2^64 rows */
    assert_int_equal(shape_infer(g, err, sizeof err), -1);
    assert_non_null(strstr(err, "overflow"));
    graph_free(g);

    g = new_graph(13);
    input(g, "x", DIMS(1LL << 40, 1));
    INTS(g, "shp", 1LL << 40, 1LL << 40);
    add_node(g, "Expand", "x,shp", "y");
    assert_int_equal(shape_infer(g, err, sizeof err), -1);
    assert_non_null(strstr(err, "'y'"));
    graph_free(g);
}

static void test_hostile_attributes(void **state)
{
    (void)state;
    Graph *g = new_graph(13);
    input(g, "x", DIMS(1, 3, 8, 8));
    weight(g, "w", DIMS(4, 3, 3, 3));
    int n = add_node(g, "Conv", "x,w", "s0");
    ATTR_INTS(g, n, "strides", 0, 1);
    n = add_node(g, "Conv", "x,w", "negpad");
    ATTR_INTS(g, n, "pads", -5, 0, 0, 0);
    n = add_node(g, "Conv", "x,w", "shortpads");
    ATTR_INTS(g, n, "pads", 1);
    n = add_node(g, "Conv", "x,w", "group0");
    attr_i(g, n, "group", 0);
    n = add_node(g, "Conv", "x,w", "hugestride");
    ATTR_INTS(g, n, "strides", INT64_MAX, INT64_MAX);
    n = add_node(g, "MaxPool", "x", "bigk");
    ATTR_INTS(g, n, "kernel_shape", 9, 9);
    n = add_node(g, "MaxPool", "x", "nok");
    n = add_node(g, "MaxPool", "x", "k0");
    ATTR_INTS(g, n, "kernel_shape", 0, 2);
    n = add_node(g, "AveragePool", "x", "manyk");
    ATTR_INTS(g, n, "kernel_shape", 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
    n = add_node(g, "MaxPool", "x", "badpad");
    ATTR_INTS(g, n, "kernel_shape", 2, 2);
    attr_s(g, n, "auto_pad", "SIDEWAYS");
    n = add_node(g, "Transpose", "x", "badperm");
    ATTR_INTS(g, n, "perm", 0, 0, 1, 2);
    n = add_node(g, "Transpose", "x", "badperm2");
    ATTR_INTS(g, n, "perm", 0, 1, 2, 99);
    n = add_node(g, "Concat", "x,x", "badaxis");
    attr_i(g, n, "axis", INT64_MIN);
    n = add_node(g, "Flatten", "x", "badflat");
    attr_i(g, n, "axis", 99);
    INTS(g, "idx", 7);
    add_node(g, "Shape", "x", "sx");
    add_node(g, "Gather", "sx,idx", "oob");     /* index 7 of 4 */
    n = add_node(g, "Constant", "", "badconst");
    Attr *a = graph_node_add_attr(g, n, "value");
    a->type = ATTR_TENSOR;
    a->tensor = 12345;
    add_node(g, "Constant", "", "noval");
    INTS(g, "bigshape", 1, 2, 3, 4, 5, 6, 7, 8, 9);
    add_node(g, "Reshape", "x,bigshape", "rank9");
    add_node(g, "ConstantOfShape", "bigshape", "cos9");
    n = add_node(g, "Split", "x", "sp0,sp1,sp2");
    ATTR_INTS(g, n, "split", 1, 1);
    SCALAR(g, "zero", 0);
    add_node(g, "Range", "zero,zero,zero", "rng0");
    n = add_node(g, "Cast", "x", "weirdcast");
    attr_i(g, n, "to", 1LL << 40);
    n = add_node(g, "Gemm", "x,x", "gemm4d");
    n = add_node(g, "Resize", "x,,", "noscales");
    FLOATS(g, "negsc", 1, 1, -2, 2);
    add_node(g, "Resize", "x,,negsc", "negscale");
    n = add_node(g, "Pad", "x", "nopads");
    INTS(g, "crop", 0, 0, -9, 0, 0, 0, 0, 0);
    add_node(g, "Pad", "x,crop", "overcrop");
    n = add_node(g, "DepthToSpace", "x", "d2s");
    attr_i(g, n, "blocksize", INT64_MAX);
    n = add_node(g, "Unsqueeze", "x", "unsq_noaxes");
    n = add_node(g, "LayerNormalization", "x", "lnbad");
    attr_i(g, n, "axis", 17);
    n = add_node(g, "Squeeze", "x", "sqbad");
    ATTR_INTS(g, n, "axes", INT64_MIN);
    infer(g);
    const char *unknown[] = {
        "s0", "negpad", "shortpads", "group0", "bigk", "nok", "k0", "manyk",
        "badpad", "badperm", "badperm2", "badaxis", "badflat", "oob",
        "badconst", "noval", "rank9", "cos9", "sp0", "rng0", "gemm4d",
        "noscales", "negscale", "nopads", "overcrop", "d2s", "unsq_noaxes",
        "lnbad", "sqbad"};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
        check_shape(g, unknown[i], "?");
    check_shape(g, "hugestride", "1x4x1x1");
    check_shape(g, "weirdcast", "1x3x8x8");
    assert_true(g->nnotes >= 25);
    graph_free(g);

    /* a dilation that overflows the window size is an error, not UB */
    char err[256];
    g = new_graph(13);
    input(g, "x", DIMS(1, 3, 8, 8));
    weight(g, "w", DIMS(4, 3, 3, 3));
    n = add_node(g, "Conv", "x,w", "y");
    ATTR_INTS(g, n, "dilations", INT64_MAX, 1);
    assert_int_equal(shape_infer(g, err, sizeof err), -1);
    graph_free(g);

    /* rank above GRAPH_MAX_DIMS on an input: unknown + note */
    g = new_graph(13);
    int x = input(g, "x", DIMS(1, 2));
    g->tensors[x].shape.ndim = 99;
    add_node(g, "Relu", "x", "y");
    infer(g);
    check_shape(g, "y", "?");
    assert_int_equal(g->nnotes, 1);
    graph_free(g);
}

/* Constants whose recorded value count disagrees with their shape are never
 * read (a loader bug or a hostile file must not cause an overread). */
static void test_inconsistent_const(void **state)
{
    (void)state;
    Graph *g = new_graph(13);
    input(g, "x", DIMS(2, 3));
    int t = INTS(g, "shp", 3, 2);
    g->tensors[t].shape.dims[0] = 5;   /* claims 5 values, holds 2 */
    add_node(g, "Reshape", "x,shp", "y");
    add_node(g, "Add", "shp,shp", "z");
    infer(g);
    check_shape(g, "y", "?x?x?x?x?");
    assert_false(T(g, "z")->is_const);
    graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_stem),
        cmocka_unit_test(test_conv_dilation_groups),
        cmocka_unit_test(test_conv_mismatch_is_a_note),
        cmocka_unit_test(test_convtranspose),
        cmocka_unit_test(test_pools),
        cmocka_unit_test(test_broadcasting),
        cmocka_unit_test(test_matmul),
        cmocka_unit_test(test_gemm_transb_bias),
        cmocka_unit_test(test_fold_chain),
        cmocka_unit_test(test_fold_arith),
        cmocka_unit_test(test_fold_2d),
        cmocka_unit_test(test_reshape),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_slice),
        cmocka_unit_test(test_squeeze_unsqueeze),
        cmocka_unit_test(test_pad_concat),
        cmocka_unit_test(test_resize),
        cmocka_unit_test(test_reduce_gather_misc),
        cmocka_unit_test(test_unknown_op),
        cmocka_unit_test(test_overflow_errors),
        cmocka_unit_test(test_hostile_attributes),
        cmocka_unit_test(test_inconsistent_const),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
