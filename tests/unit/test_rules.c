/* test_rules.c -- the fusion rule language, normalization and kernel
 * detection (src/fusion).
 *
 * Rule text is parsed from strings; every error must read
 * "file:line:col: message" with the line and column of the offending text.
 * Kernel detection runs on small graphs built by hand through the graph.h
 * API (as in test_shape.c), with shape_infer() and cost_compute() run first
 * so side-input shapes are known.  The shipped rule files (rules/NAME.rules in
 * the source tree) must load and survive a format -> parse round trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fusion/detect.h"
#include "fusion/normalize.h"
#include "fusion/rules.h"
#include "graph/cost.h"
#include "graph/graph.h"
#include "graph/shape_infer.h"

#ifndef NNM_SRCDIR
#define NNM_SRCDIR "."
#endif

/* ---- rule text helpers ------------------------------------------------- */

static void parse_ok(const char *text, RuleSet *rs)
{
    char err[512] = "";
    if (rules_parse(text, strlen(text), "t.rules", rs, err, sizeof err) != 0)
        fail_msg("rules_parse failed: %s\n--- text ---\n%s", err, text);
}

/* Parsing must fail with "t.rules:LINE:COL: ..." and a message containing
 * `what`. */
static void parse_err(const char *text, int line, int col, const char *what)
{
    RuleSet rs;
    char err[512] = "";
    int rc = rules_parse(text, strlen(text), "t.rules", &rs, err, sizeof err);
    if (rc == 0) {
        rules_free(&rs);
        fail_msg("expected an error for:\n%s", text);
    }
    char prefix[64];
    snprintf(prefix, sizeof prefix, "t.rules:%d:%d: ", line, col);
    if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, what))
        fail_msg("error '%s'\n  expected prefix '%s' and '%s'\n--- text ---\n%s", err,
                 prefix, what, text);
    /* the rule set is left empty on failure */
    assert_int_equal(rs.nrules, 0);
    assert_null(rs.rules);
}

/* ---- parsing ------------------------------------------------------------- */

static const char good_text[] =
    "# a comment line\n"
    "device    test-dev_1\n"
    "runtime   Some Runtime 1.0, CPU   # trailing comment\n"
    "source    hand written\n"
    "measured  yes\n"
    "composite gelu layernorm\n"
    "composite se\n"
    "free      reshape flatten\n"
    "\n"
    "rule conv_bn_act -> conv : (conv | dwconv) bn? add? (relu | relu6)?\n"
    "    side add same-shape\n"
    "    side concat any\n"
    "\tdtype float\n"
    "rule fc : fc add?\n"
    "    side add const\n"
    "    align 8\n"
    "    off\n"
    "rule two-words : . relu{1,2}\n";

static void test_parse_good(void **state)
{
    (void)state;
    RuleSet rs;
    parse_ok(good_text, &rs);
    assert_string_equal(rs.path, "t.rules");
    assert_string_equal(rs.device, "test-dev_1");
    assert_string_equal(rs.runtime, "Some Runtime 1.0, CPU");
    assert_string_equal(rs.source, "hand written");
    assert_int_equal(rs.measured, 1);
    assert_int_equal(rs.composites, COMP_GELU | COMP_LAYERNORM | COMP_SE);
    assert_int_equal(rs.nfree, 2);
    assert_string_equal(rs.free_tokens[0], "reshape");
    assert_string_equal(rs.free_tokens[1], "flatten");
    assert_int_equal(rs.nrules, 3);

    const Rule *r = &rs.rules[0];
    assert_string_equal(r->name, "conv_bn_act");
    assert_string_equal(r->kernel, "conv");
    assert_string_equal(r->pattern, "(conv | dwconv) bn? add? (relu | relu6)?");
    assert_int_equal(r->line, 10);
    assert_int_equal(r->nsides, 2);
    assert_string_equal(r->sides[0].token, "add");
    assert_int_equal(r->sides[0].kind, SIDE_SAME_SHAPE);
    assert_string_equal(r->sides[1].token, "concat");
    assert_int_equal(r->sides[1].kind, SIDE_ANY);
    assert_int_equal(r->dtype, DT_FLOAT);
    assert_int_equal(r->enabled, 1);
    assert_non_null(r->re);

    r = &rs.rules[1];
    assert_string_equal(r->name, "fc");
    assert_string_equal(r->kernel, "fc"); /* the rule name when not given */
    assert_int_equal(r->nsides, 1);
    assert_int_equal(r->sides[0].kind, SIDE_CONST);
    assert_int_equal(r->align, 8);
    assert_int_equal(r->enabled, 0);
    assert_int_equal(r->line, 14);
    assert_int_equal(rs.rules[0].align, 0);

    assert_string_equal(rs.rules[2].name, "two-words");
    assert_string_equal(rs.rules[2].pattern, ". relu{1,2}");
    rules_free(&rs);

    /* minimal file; measured defaults to no; CRLF-free text without a
     * final newline */
    parse_ok("device d", &rs);
    assert_string_equal(rs.device, "d");
    assert_int_equal(rs.measured, 0);
    assert_int_equal(rs.nrules, 0);
    rules_free(&rs);
}

static void test_parse_errors(void **state)
{
    (void)state;
    /* "rule r : conv foo": 'foo' starts at column 15 */
    parse_err("device d\nrule r : conv foo\n", 2, 15, "unknown op token 'foo'");
    /* unknown token inside a group, later line */
    parse_err("device d\n\n# c\nrule r : (conv | Relu)\n", 4, 18, "unknown op token 'Relu'");
    /* bad regex: the PCRE2 error offset is mapped back to the source
     * column.  Missing ')' is reported at the end of the pattern (col 18,
     * one past "conv (bn" which starts at col 10); a stray ')' at itself. */
    parse_err("device d\nrule r : conv (bn\n", 2, 18, "bad pattern: missing closing parenthesis");
    parse_err("device d\nrule r : conv bn)\n", 2, 17, "bad pattern");
    parse_err("device d\nrule r : conv | | (relu\n", 2, 24, "bad pattern");
    parse_err("device d\nrule r :   relu{2,1}\n", 2, 20, "bad pattern");
    /* a character the language does not have */
    parse_err("device d\nrule r : conv $\n", 2, 15, "unexpected character '$'");
    /* cse takes yes or no: the value's column */
    parse_err("device d\ncse maybe\n", 2, 5, "cse must be yes");
    /* empty pattern */

    parse_err("device d\nrule r : ( )\n", 2, 10, "empty pattern");
    parse_err("device d\nrule r :\n", 2, 9, "empty pattern");
    /* missing name / colon / bad arrow */
    parse_err("device d\nrule conv relu\n", 2, 6, "expected 'rule NAME");
    parse_err("device d\nrule : conv\n", 2, 6, "a rule needs a name");
    parse_err("device d\nrule r => k : conv\n", 2, 8, "expected '-> KERNEL_TYPE'");
    /* duplicate rule name: column of the second name, line of the first */
    parse_err("device d\nrule a : conv\n\nrule  a : relu\n", 4, 7,
              "duplicate rule name 'a' (first defined on line 2)");
    /* unknown keyword */
    parse_err("device d\nfrob bar\n", 2, 1, "unknown keyword 'frob'");
    parse_err("device d\nrule r : conv\n   frob\n", 3, 4, "unknown rule clause 'frob'");
    /* bad side kind / token / arity */
    parse_err("device d\nrule a : conv add\n    side add sometimes\n", 3, 14,
              "side must be const, same-shape or any, not 'sometimes'");
    parse_err("device d\nrule a : conv add\n    side plus any\n", 3, 10, "unknown op token 'plus'");
    parse_err("device d\nrule a : conv add\n    side add\n", 3, 1, "expected 'side TOKEN");
    /* dtype, measured, device name */
    parse_err("device d\nrule a : conv\n  dtype float128\n", 3, 9, "unknown dtype 'float128'");
    parse_err("device d\nmeasured  maybe\n", 2, 11, "measured must be yes or no");
    parse_err("device  9lives\n", 1, 9, "device needs a name");
    parse_err("device d\nrule a : conv\n  align 0\n", 3, 3, "expected 'align N'");
    parse_err("device d\nrule a : conv\n  align 8x\n", 3, 3, "expected 'align N'");
    /* missing device line: reported at 1:1 */
    parse_err("# no device\nrule a : conv\n", 1, 1, "missing 'device NAME' line");
    parse_err("", 1, 1, "missing 'device NAME' line");
    /* unknown composite, and a free op that is not a token */
    parse_err("device d\ncomposite hswish mish\n", 2, 18, "unknown composite 'mish'");
    parse_err("device d\ncomposite\n", 2, 1, "'composite' needs at least one token");
    parse_err("device d\nfree reshape Foo\n", 2, 14, "unknown op token 'Foo'");
    /* indented clause outside a rule */
    parse_err("device d\n    side add any\n", 2, 5, "indented line outside a rule");
    parse_err("\tdtype float\ndevice d\n", 1, 2, "indented line outside a rule");
    /* an error after good rules still frees everything (ASan checks) */
    parse_err("device d\nrule a : conv\nrule b : relu\nrule c : bogus\n", 4, 10,
              "unknown op token 'bogus'");
    /* NUL byte */
    static const char nul[] = "device d\nrule a : co\0nv\n";
    RuleSet rs;
    char err[256];
    assert_int_equal(rules_parse(nul, sizeof nul - 1, "t.rules", &rs, err, sizeof err), -1);
    assert_non_null(strstr(err, "t.rules:2:1: NUL byte"));
}

static void test_rule_set_pattern(void **state)
{
    (void)state;
    RuleSet rs;
    parse_ok("device d\nrule r : conv relu\n", &rs);
    Rule *r = &rs.rules[0];
    char err[256];
    int col = -1;
    assert_int_equal(rule_set_pattern(r, "conv (bn", err, sizeof err, &col), -1);
    assert_int_equal(col, 9);
    assert_non_null(strstr(err, "missing closing parenthesis"));
    assert_string_equal(r->pattern, "conv relu"); /* unchanged on error */
    assert_int_equal(rule_set_pattern(r, "conv bn)", err, sizeof err, &col), -1);
    assert_int_equal(col, 8);
    assert_int_equal(rule_set_pattern(r, "  conv nope", err, sizeof err, &col), -1);
    assert_int_equal(col, 8);
    assert_int_equal(rule_set_pattern(r, "", err, sizeof err, &col), -1);
    assert_int_equal(col, 1);
    assert_int_equal(rule_set_pattern(r, "dwconv bn? relu6?", err, sizeof err, &col), 0);
    assert_string_equal(r->pattern, "dwconv bn? relu6?");
    rules_free(&rs);
}

/* ---- round trip and saving ----------------------------------------------- */

static void assert_same_rules(const RuleSet *a, const RuleSet *b)
{
    assert_string_equal(a->device, b->device);
    assert_string_equal(a->runtime, b->runtime);
    assert_string_equal(a->source, b->source);
    assert_int_equal(a->measured, b->measured);
    assert_int_equal(a->composites, b->composites);
    assert_int_equal(a->keep_duplicates, b->keep_duplicates);
    assert_int_equal(a->nfree, b->nfree);
    for (int i = 0; i < a->nfree; i++)
        assert_string_equal(a->free_tokens[i], b->free_tokens[i]);
    assert_int_equal(a->nrules, b->nrules);
    for (int i = 0; i < a->nrules; i++) {
        const Rule *x = &a->rules[i], *y = &b->rules[i];
        assert_string_equal(x->name, y->name);
        assert_string_equal(x->kernel, y->kernel);
        assert_string_equal(x->pattern, y->pattern);
        assert_int_equal(x->nsides, y->nsides);
        for (int k = 0; k < x->nsides; k++) {
            assert_string_equal(x->sides[k].token, y->sides[k].token);
            assert_int_equal(x->sides[k].kind, y->sides[k].kind);
        }
        assert_int_equal(x->dtype, y->dtype);
        assert_int_equal(x->align, y->align);
        assert_int_equal(x->enabled, y->enabled);
    }
}

static void round_trip(const RuleSet *rs)
{
    char *text = rules_format(rs);
    assert_non_null(text);
    RuleSet back;
    parse_ok(text, &back);
    assert_same_rules(rs, &back);
    char *again = rules_format(&back);
    assert_non_null(again);
    assert_string_equal(text, again); /* formatting is a fixed point */
    free(text);
    free(again);
    rules_free(&back);
}

static void test_round_trip(void **state)
{
    (void)state;
    RuleSet rs;
    parse_ok(good_text, &rs);
    round_trip(&rs);
    rules_free(&rs);
    parse_ok("device d\ncomposite hswish hsigmoid swish gelu layernorm se shuffle\n"
             "free reshape squeeze unsqueeze flatten\n"
             "rule a -> k : conv\n  side add any\n  side mul same-shape\n  dtype float16\n"
             "rule b : . .?\n  off\n", &rs);
    round_trip(&rs);
    rs.keep_duplicates = 1; /* `cse no` round-trips */
    round_trip(&rs);
    /* a rule edited in memory (as the TUI does) round-trips too */
    char err[256];
    int col;
    assert_int_equal(rule_set_pattern(&rs.rules[0], "conv (bn | mul)* relu?", err,
                                      sizeof err, &col), 0);
    rs.rules[1].enabled = 1;
    round_trip(&rs);
    rules_free(&rs);
}

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n > k && strcmp(s + n - k, suf) == 0;
}

/* Every shipped rule file loads, names the device after its file, and
 * round-trips. */
static void test_shipped_rules(void **state)
{
    (void)state;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/rules", NNM_SRCDIR);
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("cannot open %s", dir);
    struct dirent *e;
    int count = 0;
    while ((e = readdir(d))) {
        if (!has_suffix(e->d_name, ".rules"))
            continue;
        char path[1400], err[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        RuleSet rs;
        if (rules_load(path, &rs, err, sizeof err) != 0)
            fail_msg("%s", err);
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(strlen(e->d_name) - 6), e->d_name);
        assert_string_equal(rs.device, name);
        assert_true(rs.runtime[0] && rs.source[0]);
        assert_true(rs.nrules > 0);
        round_trip(&rs);
        rules_free(&rs);
        count++;
    }
    closedir(d);
    assert_true(count >= 5);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 16);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void test_save(void **state)
{
    (void)state;
    char dir[] = "/tmp/nnm_test_rules.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128], bak[130], err[512];
    snprintf(path, sizeof path, "%s/dev.rules", dir);
    snprintf(bak, sizeof bak, "%s~", path);

    RuleSet rs;
    parse_ok(good_text, &rs);
    char *v1 = rules_format(&rs);
    assert_non_null(v1);

    /* first save: the file, no backup, no temp file left behind */
    assert_int_equal(rules_save(&rs, path, err, sizeof err), 0);
    char *got = slurp(path);
    assert_non_null(got);
    assert_string_equal(got, v1);
    free(got);
    assert_int_equal(access(bak, F_OK), -1);
    assert_int_equal(count_entries(dir), 1);

    /* second save after an edit: new text in place, old text in path~ */
    rs.rules[0].enabled = 0;
    rs.measured = 0;
    char *v2 = rules_format(&rs);
    assert_non_null(v2);
    assert_string_not_equal(v1, v2);
    assert_int_equal(rules_save(&rs, path, err, sizeof err), 0);
    got = slurp(path);
    assert_string_equal(got, v2);
    free(got);
    got = slurp(bak);
    assert_non_null(got);
    assert_string_equal(got, v1);
    free(got);
    assert_int_equal(count_entries(dir), 2);

    /* the saved file loads back to the same rules */
    RuleSet back;
    assert_int_equal(rules_load(path, &back, err, sizeof err), 0);
    assert_same_rules(&rs, &back);
    assert_string_equal(back.path, path);
    rules_free(&back);

    /* third save: the backup is the previous version, not the first */
    rs.rules[0].enabled = 1;
    assert_int_equal(rules_save(&rs, path, err, sizeof err), 0);
    got = slurp(bak);
    assert_string_equal(got, v2);
    free(got);
    assert_int_equal(count_entries(dir), 2);

    /* failures say why and leave nothing behind */
    char bad[160];
    snprintf(bad, sizeof bad, "%s/no/such/dir.rules", dir);
    assert_int_equal(rules_save(&rs, bad, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot write"));
    assert_int_equal(rules_load(bad, &back, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot open rule file"));
    assert_int_equal(count_entries(dir), 2);

    free(v1);
    free(v2);
    rules_free(&rs);
    unlink(path);
    unlink(bak);
    assert_int_equal(rmdir(dir), 0);
}

/* ---- graph building (as in test_shape.c) ---------------------------------- */

static char *xstrdup(const char *s)
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
    g->opsets[0].domain = xstrdup("");
    g->opsets[0].version = opset;
    g->nopsets = 1;
    return g;
}

#define DIMS(...) (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), \
                  (const int64_t[]){__VA_ARGS__}

static int input(Graph *g, const char *name, int nd, const int64_t *d)
{
    int t = graph_tensor(g, name);
    assert_true(t >= 0);
    Tensor *x = &g->tensors[t];
    x->is_input = 1;
    x->dtype = DT_FLOAT;
    shape_unknown(&x->shape);
    x->shape.ndim = nd;
    for (int i = 0; i < nd; i++)
        x->shape.dims[i] = d[i];
    return t;
}

static int weight(Graph *g, const char *name, int nd, const int64_t *d)
{
    int t = input(g, name, nd, d);
    g->tensors[t].is_input = 0;
    g->tensors[t].is_initializer = 1;
    return t;
}

/* A float scalar-like constant ([1]) with a value. */
static int fconst(Graph *g, const char *name, double v)
{
    int t = weight(g, name, DIMS(1));
    assert_int_equal(tensor_set_const_f(&g->tensors[t], &v, 1), 0);
    return t;
}

static int ints_const(Graph *g, const char *name, int n, const int64_t *v)
{
    int t = weight(g, name, 1, (int64_t[]){n});
    g->tensors[t].dtype = DT_INT64;
    assert_int_equal(tensor_set_const_i(&g->tensors[t], v, n), 0);
    return t;
}
#define INTS(g, name, ...) ints_const(g, name, DIMS(__VA_ARGS__))

/* Node with comma-separated input/output names. */
static int add_node(Graph *g, const char *op, const char *ins, const char *outs)
{
    char name[32];
    snprintf(name, sizeof name, "%s_%d", op, g->nnodes);
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
            int t = graph_tensor(g, buf);
            assert_true(t >= 0);
            if (l == 0)
                assert_int_equal(graph_node_add_input(g, nd, t), 0);
            else
                assert_int_equal(graph_node_add_output(g, nd, t), 0);
            if (!e)
                break;
            p = e + 1;
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

static void attr_ints(Graph *g, int nd, const char *name, int n, const int64_t *v)
{
    Attr *a = graph_node_add_attr(g, nd, name);
    assert_non_null(a);
    a->type = ATTR_INTS;
    a->n = n;
    a->ints = malloc((size_t)n * sizeof *a->ints);
    assert_non_null(a->ints);
    memcpy(a->ints, v, (size_t)n * sizeof *v);
}
#define ATTR_INTS(g, nd, name, ...) attr_ints(g, nd, name, DIMS(__VA_ARGS__))

/* Marks a tensor as a graph output. */
static void output(Graph *g, const char *name)
{
    int t = graph_find_tensor(g, name);
    assert_true(t >= 0);
    int *o = realloc(g->outputs, (size_t)(g->noutputs + 1) * sizeof *o);
    assert_non_null(o);
    g->outputs = o;
    g->outputs[g->noutputs++] = t;
    g->tensors[t].is_output = 1;
}

/* Producers, shapes and costs, as the loader leaves them. */
static void finish(Graph *g)
{
    int cyc = -1;
    assert_int_equal(graph_toposort(g, &cyc), 0);
    char err[256] = "";
    if (shape_infer(g, err, sizeof err) != 0)
        fail_msg("shape_infer failed: %s", err);
    cost_compute(g);
}

/* Conv 3x3 same padding, cin -> cout, named `out`, from tensor `in`. */
static int conv(Graph *g, const char *in, const char *out, int64_t cin, int64_t cout)
{
    char w[64], b[64], ins[200];
    snprintf(w, sizeof w, "%s_w", out);
    snprintf(b, sizeof b, "%s_b", out);
    weight(g, w, DIMS(cout, cin, 3, 3));
    weight(g, b, DIMS(cout));
    snprintf(ins, sizeof ins, "%s,%s,%s", in, w, b);
    int n = add_node(g, "Conv", ins, out);
    ATTR_INTS(g, n, "pads", 1, 1, 1, 1);
    return n;
}

static int bn(Graph *g, const char *in, const char *out, int64_t c)
{
    const char *parts[] = {"s", "b", "m", "v"};
    char ins[300];
    int off = snprintf(ins, sizeof ins, "%s", in);
    for (int i = 0; i < 4; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s_%s", out, parts[i]);
        weight(g, name, DIMS(c));
        off += snprintf(ins + off, sizeof ins - (size_t)off, ",%s", name);
    }
    return add_node(g, "BatchNormalization", ins, out);
}

/* ---- detection helpers --------------------------------------------------- */

typedef struct {
    RuleSet rs;
    NormGraph ng;
    Partition p;
} Run;

static void run_rules(const Graph *g, const char *rules, Run *r)
{
    parse_ok(rules, &r->rs);
    NormConfig cfg = rules_norm_config(&r->rs);
    assert_int_equal(normalize(g, &cfg, &r->ng), 0);
    assert_int_equal(detect_kernels(g, &r->ng, &r->rs, &r->p), 0);
}

/* Re-detect with the same (possibly edited) rules. */
static void rerun(const Graph *g, Run *r)
{
    partition_free(&r->p);
    normgraph_free(&r->ng);
    NormConfig cfg = rules_norm_config(&r->rs);
    assert_int_equal(normalize(g, &cfg, &r->ng), 0);
    assert_int_equal(detect_kernels(g, &r->ng, &r->rs, &r->p), 0);
}

static void run_free(Run *r)
{
    partition_free(&r->p);
    normgraph_free(&r->ng);
    rules_free(&r->rs);
}

/* Every node is in exactly one kernel or free, and the bookkeeping agrees. */
static void check_partition(const Graph *g, const Partition *p)
{
    assert_int_equal(p->nnodes, g->nnodes);
    int *seen = calloc((size_t)g->nnodes + 1, sizeof *seen);
    assert_non_null(seen);
    for (int k = 0; k < p->nkernels; k++)
        for (int j = 0; j < p->kernels[k].nnodes; j++) {
            int n = p->kernels[k].nodes[j];
            assert_true(n >= 0 && n < g->nnodes);
            seen[n]++;
            assert_int_equal(p->node_kernel[n], k);
        }
    int nfree = 0;
    for (int n = 0; n < g->nnodes; n++) {
        assert_true(seen[n] <= 1);
        if (!seen[n]) {
            assert_int_equal(p->node_kernel[n], -1);
            nfree++;
        }
    }
    assert_int_equal(nfree, p->nfree);
    free(seen);
}

/* Kernel k holds exactly these nodes (in graph order). */
static void check_kernel(const Partition *p, int k, int n, const int *nodes)
{
    assert_true(k < p->nkernels);
    const Kernel *kn = &p->kernels[k];
    if (kn->nnodes != n)
        fail_msg("kernel %d (%s: %s) has %d nodes, expected %d", k, kn->type, kn->ops,
                 kn->nnodes, n);
    for (int i = 0; i < n; i++)
        assert_int_equal(kn->nodes[i], nodes[i]);
}
#define NODES(...) (int)(sizeof((int[]){__VA_ARGS__}) / sizeof(int)), (const int[]){__VA_ARGS__}

/* ---- detection ------------------------------------------------------------- */

static Graph *conv_bn_relu_graph(int *c, int *b, int *r)
{
    Graph *g = new_graph(13);
    input(g, "x", DIMS(1, 3, 8, 8));
    *c = conv(g, "x", "c", 3, 8);
    *b = bn(g, "c", "n", 8);
    *r = add_node(g, "Relu", "n", "y");
    output(g, "y");
    finish(g);
    return g;
}

/* A branch nothing reads (a NAS cell's unused edge) is dead: no kernel,
 * as ONNX Runtime removes it and XNNPACK never runs it; a node feeding
 * only dead nodes is dead too. */
static void test_dead_nodes(void **state)
{
    (void)state;
    int c, b, r;
    Graph *g = conv_bn_relu_graph(&c, &b, &r);
    int s = add_node(g, "Sigmoid", "n", "s");
    int m = add_node(g, "Mul", "n,s", "unused");
    finish(g);
    Run run;
    run_rules(g, "device d\nrule cbr -> conv : conv bn? relu?\n", &run);
    check_partition(g, &run.p);
    assert_int_equal(run.p.nkernels, 1);
    check_kernel(&run.p, 0, NODES(c, b, r));
    assert_int_equal(run.p.nfree, 2);
    for (int n = 0; n < 2; n++) {
        const Unit *u = &run.ng.units[run.ng.node_unit[n == 0 ? s : m]];
        assert_true(u->dead && u->free);
    }
    assert_false(run.ng.units[run.ng.node_unit[r]].dead);
    run_free(&run);
    graph_free(g);
}

/* Two Relus of one tensor (a NAS cell: one per edge) are one to ONNX
 * Runtime (CommonSubexpressionElimination): with `cse yes` (the default)
 * the second is free and its reader reads the first, so the BN feeds one
 * Relu and conv+bn+relu is one kernel (what ORT's profile shows).  With
 * `cse no` (XNNPACK runs both) the BN has two readers: no fusion. */
static void test_duplicates(void **state)
{
    (void)state;
    Graph *g = new_graph(13);
    input(g, "x", DIMS(1, 8, 8, 8));
    int c = conv(g, "x", "c", 8, 8);
    int b = bn(g, "c", "n", 8);
    int r1 = add_node(g, "Relu", "n", "r1");
    int c1 = conv(g, "r1", "y1", 8, 8);
    int r2 = add_node(g, "Relu", "n", "r2");
    int c2 = conv(g, "r2", "y2", 8, 8);
    output(g, "y1");
    output(g, "y2");
    finish(g);
    Run run;
    run_rules(g, "device d\nrule cbr -> conv : conv bn? relu?\n", &run);
    check_partition(g, &run.p);
    const Unit *u2 = &run.ng.units[run.ng.node_unit[r2]];
    assert_true(u2->duplicate && u2->free);
    assert_int_equal(u2->twin, r1);
    assert_int_equal(run.p.nkernels, 3);
    check_kernel(&run.p, 0, NODES(c, b, r1));
    check_kernel(&run.p, 1, NODES(c1));
    check_kernel(&run.p, 2, NODES(c2));
    assert_int_equal(run.p.nfree, 1);
    run_free(&run);

    run_rules(g, "device d\ncse no\nrule cbr -> conv : conv bn? relu?\n", &run);
    check_partition(g, &run.p);
    assert_false(run.ng.units[run.ng.node_unit[r2]].duplicate);
    assert_int_equal(run.p.nkernels, 5);
    check_kernel(&run.p, 0, NODES(c, b));
    check_kernel(&run.p, 1, NODES(r1));
    check_kernel(&run.p, 3, NODES(r2));
    assert_int_equal(run.p.nfree, 0);
    run_free(&run);
    graph_free(g);

    /* the earlier twin is dead (nothing reads it): the later one runs, so it
     * is no duplicate and fuses (it was merged into the dead one before) */
    g = new_graph(13);
    input(g, "x", DIMS(1, 8, 8, 8));
    c = conv(g, "x", "c", 8, 8);
    b = bn(g, "c", "n", 8);
    r1 = add_node(g, "Relu", "n", "r1");
    r2 = add_node(g, "Relu", "n", "r2");
    c2 = conv(g, "r2", "y2", 8, 8);
    output(g, "y2");
    finish(g);
    run_rules(g, "device d\nrule cbr -> conv : conv bn? relu?\n", &run);
    check_partition(g, &run.p);
    assert_true(run.ng.units[run.ng.node_unit[r1]].dead);
    assert_false(run.ng.units[run.ng.node_unit[r2]].duplicate);
    assert_int_equal(run.p.nkernels, 2);
    check_kernel(&run.p, 0, NODES(c, b, r2));
    check_kernel(&run.p, 1, NODES(c2));
    run_free(&run);
    graph_free(g);
}

static void test_conv_bn_relu(void **state)
{
    (void)state;
    int c, b, r;
    Graph *g = conv_bn_relu_graph(&c, &b, &r);
    Run run;
    run_rules(g, "device d\nrule cbr -> conv : conv bn? relu?\n", &run);
    check_partition(g, &run.p);
    assert_int_equal(run.p.nkernels, 1);
    check_kernel(&run.p, 0, NODES(c, b, r));
    assert_string_equal(run.p.kernels[0].type, "conv");
    assert_string_equal(run.p.kernels[0].ops, "Conv+BatchNormalization+Relu");
    assert_int_equal(run.p.kernels[0].rule, 0);
    assert_int_equal(run.p.kernels[0].anchor, c);
    assert_int_equal(run.p.kernels[0].output, graph_find_tensor(g, "y"));
    assert_int_equal(run.p.nfree, 0);
    run_free(&run);

    /* no rules: one kernel per op, typed by token, no rule */
    run_rules(g, "device d\n", &run);
    check_partition(g, &run.p);
    assert_int_equal(run.p.nkernels, 3);
    check_kernel(&run.p, 0, NODES(c));
    check_kernel(&run.p, 1, NODES(b));
    check_kernel(&run.p, 2, NODES(r));
    assert_string_equal(run.p.kernels[1].type, "bn");
    assert_string_equal(run.p.kernels[2].type, "relu");
    for (int k = 0; k < 3; k++)
        assert_int_equal(run.p.kernels[k].rule, -1);
    run_free(&run);

    /* align: every unit's output channels must be a multiple (8 here) */
    run_rules(g, "device d\nrule cbr -> conv : conv bn? relu?\n    align 8\n", &run);
    assert_int_equal(run.p.nkernels, 1);
    run_free(&run);
    run_rules(g, "device d\nrule cbr -> conv : conv bn? relu?\n    align 16\n", &run);
    assert_int_equal(run.p.nkernels, 3);
    run_free(&run);

    /* a rule that does not match the chain changes nothing */
    run_rules(g, "device d\nrule x : dwconv bn relu\n", &run);
    assert_int_equal(run.p.nkernels, 3);
    run_free(&run);
    graph_free(g);
}

/* Quantifiers apply to the whole token: "bn?" makes the bn optional (it
 * once applied to the token's closing delimiter only). */
static void test_quantified_tokens(void **state)
{
    (void)state;
    Graph *g = new_graph(13);
    input(g, "x", DIMS(1, 3, 8, 8));
    int c = conv(g, "x", "c", 3, 8);
    int r1 = add_node(g, "Relu", "c", "r1");
    int r2 = add_node(g, "Relu", "r1", "y");
    output(g, "y");
    finish(g);
    static const char *const pats[] = {
        "conv bn? relu relu", "conv bn* relu+", "conv relu{2}", "conv relu{1,3}",
        "conv (bn | add)? relu*", "conv . .", "conv .+", "conv .? relu",
    };
    for (size_t i = 0; i < sizeof pats / sizeof *pats; i++) {
        char text[128];
        snprintf(text, sizeof text, "device d\nrule r : %s\n", pats[i]);
        Run run;
        run_rules(g, text, &run);
        if (run.p.nkernels != 1)
            fail_msg("pattern '%s': %d kernels, expected 1", pats[i], run.p.nkernels);
        check_kernel(&run.p, 0, NODES(c, r1, r2));
        run_free(&run);
    }
    /* and a bounded count stops the chain */
    Run run;
    run_rules(g, "device d\nrule r : conv relu{1}\n", &run);
    assert_int_equal(run.p.nkernels, 2);
    check_kernel(&run.p, 0, NODES(c, r1));
    check_kernel(&run.p, 1, NODES(r2));
    run_free(&run);
    graph_free(g);
}

/* Conv -> Add(conv, other): the add joins only as `side add` allows. */
static Graph *residual_graph(const char *other_shape, int *c, int *a)
{
    Graph *g = new_graph(13);
    input(g, "x", DIMS(1, 8, 8, 8));
    if (strcmp(other_shape, "same") == 0) {
        *c = conv(g, "x", "c", 8, 8);
        *a = add_node(g, "Add", "c,x", "y");
    } else {
        input(g, "z", DIMS(1, 8, 1, 1)); /* broadcast, not a constant */
        *c = conv(g, "x", "c", 8, 8);
        *a = add_node(g, "Add", "c,z", "y");
    }
    output(g, "y");
    finish(g);
    return g;
}

static void test_residual_add(void **state)
{
    (void)state;
    int c, a;
    Graph *g = residual_graph("same", &c, &a);
    Run run;
    run_rules(g, "device d\nrule ca -> conv : conv add?\n    side add same-shape\n", &run);
    check_partition(g, &run.p);
    assert_int_equal(run.p.nkernels, 1);
    check_kernel(&run.p, 0, NODES(c, a));
    assert_string_equal(run.p.kernels[0].ops, "Conv+Add");
    run_free(&run);

    /* default side kind is const: a residual does not join */
    run_rules(g, "device d\nrule ca -> conv : conv add?\n", &run);
    assert_int_equal(run.p.nkernels, 2);
    check_kernel(&run.p, 0, NODES(c));
    check_kernel(&run.p, 1, NODES(a));
    run_free(&run);
    /* a side clause for another token does not help */
    run_rules(g, "device d\nrule ca -> conv : conv add?\n    side mul any\n", &run);
    assert_int_equal(run.p.nkernels, 2);
    run_free(&run);
    graph_free(g);

    /* shapes differ: same-shape refuses, any accepts */
    g = residual_graph("broadcast", &c, &a);
    run_rules(g, "device d\nrule ca -> conv : conv add?\n    side add same-shape\n", &run);
    check_partition(g, &run.p);
    assert_int_equal(run.p.nkernels, 2);
    run_free(&run);
    run_rules(g, "device d\nrule ca -> conv : conv add?\n    side add any\n", &run);
    assert_int_equal(run.p.nkernels, 1);
    check_kernel(&run.p, 0, NODES(c, a));
    run_free(&run);
    graph_free(g);

    /* a constant operand (a bias) is always fine */
    g = new_graph(13);
    input(g, "x", DIMS(1, 8, 8, 8));
    c = conv(g, "x", "c", 8, 8);
    weight(g, "bias", DIMS(1, 8, 1, 1));
    a = add_node(g, "Add", "c,bias", "y");
    output(g, "y");
    finish(g);
    run_rules(g, "device d\nrule ca -> conv : conv add?\n", &run);
    assert_int_equal(run.p.nkernels, 1);
    check_kernel(&run.p, 0, NODES(c, a));
    run_free(&run);
    graph_free(g);
}

/* A value read by two ops, or a graph output, ends the chain. */
static void test_multi_consumer(void **state)
{
    (void)state;
    Graph *g = new_graph(13);
    input(g, "x", DIMS(1, 3, 8, 8));
    int c = conv(g, "x", "c", 3, 8);
    int r = add_node(g, "Relu", "c", "r");
    int s = add_node(g, "Sigmoid", "c", "s");
    int a = add_node(g, "Add", "r,s", "y");
    output(g, "y");
    finish(g);
    Run run;
    run_rules(g, "device d\nrule cr -> conv : conv relu?\n", &run);
    check_partition(g, &run.p);
    assert_int_equal(run.p.nkernels, 4);
    check_kernel(&run.p, 0, NODES(c));
    check_kernel(&run.p, 1, NODES(r));
    check_kernel(&run.p, 2, NODES(s));
    check_kernel(&run.p, 3, NODES(a));
    assert_int_equal(run.p.kernels[1].rule, -1);
    run_free(&run);
    graph_free(g);

    /* the conv output is also a graph output */
    g = new_graph(13);
    input(g, "x", DIMS(1, 3, 8, 8));
    c = conv(g, "x", "c", 3, 8);
    r = add_node(g, "Relu", "c", "y");
    output(g, "c");
    output(g, "y");
    finish(g);
    run_rules(g, "device d\nrule cr -> conv : conv relu?\n", &run);
    assert_int_equal(run.p.nkernels, 2);
    check_kernel(&run.p, 0, NODES(c));
    check_kernel(&run.p, 1, NODES(r));
    run_free(&run);
    graph_free(g);
}

/* Free ops (and no-ops) belong to no kernel and end chains. */
static void test_free_ops(void **state)
{
    (void)state;
    Graph *g = new_graph(13);
    input(g, "x", DIMS(1, 3, 8, 8));
    int c = conv(g, "x", "c", 3, 8);
    int r = add_node(g, "Relu", "c", "r");
    INTS(g, "shape", 1, -1);
    int rs = add_node(g, "Reshape", "r,shape", "f");
    weight(g, "fw", DIMS(10, 512));
    weight(g, "fb", DIMS(10));
    int fc = add_node(g, "Gemm", "f,fw,fb", "o");
    attr_i(g, fc, "transB", 1);
    int id = add_node(g, "Identity", "o", "y");
    output(g, "y");
    finish(g);

    Run run;
    run_rules(g, "device d\nfree reshape\nrule cr -> conv : conv relu? reshape? fc?\n", &run);
    check_partition(g, &run.p);
    assert_int_equal(run.p.nfree, 2); /* the Reshape, and the Identity (a no-op) */
    assert_int_equal(run.p.node_kernel[rs], -1);
    assert_int_equal(run.p.node_kernel[id], -1);
    assert_int_equal(run.p.nkernels, 2);
    check_kernel(&run.p, 0, NODES(c, r));
    check_kernel(&run.p, 1, NODES(fc));
    assert_string_equal(run.p.kernels[1].type, "fc");
    run_free(&run);

    /* not free: the reshape is an op of its own, or joins a rule */
    run_rules(g, "device d\nrule cr -> conv : conv relu? reshape? fc?\n", &run);
    check_partition(g, &run.p);
    assert_int_equal(run.p.nfree, 1);
    assert_int_equal(run.p.nkernels, 1);
    check_kernel(&run.p, 0, NODES(c, r, rs, fc));
    run_free(&run);
    graph_free(g);
}

static void test_disable_rule(void **state)
{
    (void)state;
    int c, b, r;
    Graph *g = conv_bn_relu_graph(&c, &b, &r);
    Run run;
    run_rules(g, "device d\nrule cbr -> conv : conv bn relu\nrule br : bn relu\n", &run);
    assert_int_equal(run.p.nkernels, 1);
    run.rs.rules[0].enabled = 0;
    rerun(g, &run);
    check_partition(g, &run.p);
    assert_int_equal(run.p.nkernels, 2);
    check_kernel(&run.p, 0, NODES(c));
    check_kernel(&run.p, 1, NODES(b, r));
    assert_int_equal(run.p.kernels[1].rule, 1);
    assert_string_equal(run.p.kernels[1].type, "br");
    run.rs.rules[1].enabled = 0;
    rerun(g, &run);
    assert_int_equal(run.p.nkernels, 3);
    run.rs.rules[0].enabled = 1;
    rerun(g, &run);
    assert_int_equal(run.p.nkernels, 1);
    run_free(&run);

    /* `off` in the file */
    run_rules(g, "device d\nrule cbr -> conv : conv bn relu\n    off\n", &run);
    assert_int_equal(run.rs.rules[0].enabled, 0);
    assert_int_equal(run.p.nkernels, 3);
    run_free(&run);
    graph_free(g);
}

static void test_longest_match(void **state)
{
    (void)state;
    int c, b, r;
    Graph *g = conv_bn_relu_graph(&c, &b, &r);
    Run run;
    /* the shorter rule comes first; the longer chain still wins */
    run_rules(g, "device d\nrule cb -> short : conv bn\nrule cbr -> long : conv bn relu\n",
              &run);
    assert_int_equal(run.p.nkernels, 1);
    assert_string_equal(run.p.kernels[0].type, "long");
    assert_int_equal(run.p.kernels[0].rule, 1);
    run_free(&run);
    /* among equally long matches, the first rule */
    run_rules(g, "device d\nrule one -> a : conv bn relu\nrule two -> b : conv . .\n", &run);
    assert_int_equal(run.p.nkernels, 1);
    assert_string_equal(run.p.kernels[0].type, "a");
    run_free(&run);
    /* a longer rule that fails on the last op falls back to the longest
     * full match so far */
    run_rules(g, "device d\nrule cb -> short : conv bn\nrule cbs : conv bn sigmoid\n", &run);
    assert_int_equal(run.p.nkernels, 2);
    check_kernel(&run.p, 0, NODES(c, b));
    assert_string_equal(run.p.kernels[0].type, "short");
    run_free(&run);
    graph_free(g);
}

/* ---- composites ------------------------------------------------------------ */

/* Normalizes with and without the composite: with it, exactly one unit with
 * `token` holding `nodes`; without, one unit per node.  Detection with no
 * rules gives one kernel for the composite. */
static void check_composite(const Graph *g, const char *comp, const char *token, int n,
                            const int *nodes)
{
    NormConfig cfg = {composite_flag(comp), NULL, 0, 0};
    assert_true(cfg.composites != 0);
    NormGraph ng;
    assert_int_equal(normalize(g, &cfg, &ng), 0);
    int found = -1;
    for (int u = 0; u < ng.nunits; u++)
        if (strcmp(ng.units[u].token, token) == 0) {
            assert_int_equal(found, -1);
            found = u;
        }
    if (found < 0)
        fail_msg("composite %s not recognised", comp);
    const Unit *un = &ng.units[found];
    if (un->nnodes != n)
        fail_msg("composite %s: %d nodes, expected %d", comp, un->nnodes, n);
    for (int i = 0; i < n; i++) {
        assert_int_equal(un->nodes[i], nodes[i]);
        assert_int_equal(ng.node_unit[nodes[i]], found);
    }
    assert_int_equal(ng.nunits, g->nnodes - n + 1);
    assert_int_equal(un->output, g->nodes[nodes[n - 1]].outputs[0]);

    RuleSet rs;
    parse_ok("device d\n", &rs);
    rs.composites = cfg.composites;
    Partition p;
    assert_int_equal(detect_kernels(g, &ng, &rs, &p), 0);
    check_partition(g, &p);
    assert_int_equal(p.nkernels, g->nnodes - n + 1);
    int k = p.node_kernel[nodes[0]];
    check_kernel(&p, k, n, nodes);
    assert_string_equal(p.kernels[k].type, token);
    assert_string_equal(p.kernels[k].ops, token);
    partition_free(&p);
    rules_free(&rs);
    normgraph_free(&ng);

    /* not enabled: every node is a unit of its own */
    NormConfig none = {0, NULL, 0, 0};
    assert_int_equal(normalize(g, &none, &ng), 0);
    assert_int_equal(ng.nunits, g->nnodes);
    for (int u = 0; u < ng.nunits; u++) {
        assert_int_equal(ng.units[u].nnodes, 1);
        assert_string_not_equal(ng.units[u].token, token);
    }
    normgraph_free(&ng);
}

/* x * Clip(x + 3, 0, 6) / 6 */
static void build_hswish(Graph *g, const char *x, const char *y, int *nodes)
{
    char a[64], cl[64], m[64], ins[200], k3[64], k0[64], k6[64], k6b[64];
    snprintf(a, sizeof a, "%s_a", y);
    snprintf(cl, sizeof cl, "%s_cl", y);
    snprintf(m, sizeof m, "%s_m", y);
    snprintf(k3, sizeof k3, "%s_3", y);
    snprintf(k0, sizeof k0, "%s_0", y);
    snprintf(k6, sizeof k6, "%s_6", y);
    snprintf(k6b, sizeof k6b, "%s_6b", y);
    fconst(g, k3, 3);
    fconst(g, k0, 0);
    fconst(g, k6, 6);
    fconst(g, k6b, 6);
    snprintf(ins, sizeof ins, "%s,%s", x, k3);
    nodes[0] = add_node(g, "Add", ins, a);
    snprintf(ins, sizeof ins, "%s,%s,%s", a, k0, k6);
    nodes[1] = add_node(g, "Clip", ins, cl);
    snprintf(ins, sizeof ins, "%s,%s", x, cl);
    nodes[2] = add_node(g, "Mul", ins, m);
    snprintf(ins, sizeof ins, "%s,%s", m, k6b);
    nodes[3] = add_node(g, "Div", ins, y);
}

static void test_composite_hswish(void **state)
{
    (void)state;
    Graph *g = new_graph(13);
    input(g, "x", DIMS(1, 8, 4, 4));
    int n[4];
    build_hswish(g, "x", "y", n);
    output(g, "y");
    finish(g);
    check_composite(g, "hswish", "hswish", NODES(n[0], n[1], n[2], n[3]));
    graph_free(g);

    /* an intermediate value used elsewhere: not a composite */
    g = new_graph(13);
    input(g, "x", DIMS(1, 8, 4, 4));
    build_hswish(g, "x", "y", n);
    output(g, "y");
    output(g, "y_cl");
    finish(g);
    NormConfig cfg = {COMP_HSWISH, NULL, 0, 0};
    NormGraph ng;
    assert_int_equal(normalize(g, &cfg, &ng), 0);
    assert_int_equal(ng.nunits, 4);
    normgraph_free(&ng);
    graph_free(g);
}

/* A composite whose input is read by two of its nodes (hswish reads x in
 * the Add and the Mul) still follows the op before it in a chain. */
static void test_composite_in_chain(void **state)
{
    (void)state;
    Graph *g = new_graph(13);
    input(g, "x", DIMS(1, 3, 8, 8));
    int c = conv(g, "x", "c", 3, 8);
    int n[4];
    build_hswish(g, "c", "h", n);
    int r = add_node(g, "Relu", "h", "y");
    output(g, "y");
    finish(g);
    Run run;
    run_rules(g, "device d\ncomposite hswish\nrule ch -> conv : conv hswish\n", &run);
    check_partition(g, &run.p);
    assert_int_equal(run.p.nkernels, 2);
    check_kernel(&run.p, 0, NODES(c, n[0], n[1], n[2], n[3]));
    assert_string_equal(run.p.kernels[0].ops, "Conv+hswish");
    check_kernel(&run.p, 1, NODES(r));
    run_free(&run);

    /* ... and a composite that starts a chain */
    run_rules(g, "device d\ncomposite hswish\nrule hr : hswish relu\n", &run);
    assert_int_equal(run.p.nkernels, 2);
    check_kernel(&run.p, 1, NODES(n[0], n[1], n[2], n[3], r));
    run_free(&run);

    /* without the composite the Add/Clip/Mul/Div are separate ops and the
     * conv output has two consumers: nothing fuses */
    run_rules(g, "device d\nrule ch -> conv : conv (add | relu6 | mul | div)*\n", &run);
    assert_int_equal(run.p.nkernels, 6);
    run_free(&run);
    graph_free(g);
}

static void test_composite_swish(void **state)
{
    (void)state;
    Graph *g = new_graph(13);
    input(g, "x", DIMS(1, 8, 4, 4));
    int s = add_node(g, "Sigmoid", "x", "s");
    int m = add_node(g, "Mul", "x,s", "y");
    output(g, "y");
    finish(g);
    check_composite(g, "swish", "swish", NODES(s, m));
    graph_free(g);
}

/* x * 0.5 * (1 + erf(x / sqrt 2)), as torch exports it */
static void test_composite_gelu(void **state)
{
    (void)state;
    Graph *g = new_graph(13);
    input(g, "x", DIMS(1, 4, 16));
    fconst(g, "sqrt2", 1.4142135623730951);
    fconst(g, "one", 1);
    fconst(g, "half", 0.5);
    int d = add_node(g, "Div", "x,sqrt2", "d");
    int e = add_node(g, "Erf", "d", "e");
    int a = add_node(g, "Add", "e,one", "a");
    int m1 = add_node(g, "Mul", "x,a", "m");
    int m2 = add_node(g, "Mul", "m,half", "y");
    output(g, "y");
    finish(g);
    check_composite(g, "gelu", "gelu", NODES(d, e, a, m1, m2));
    graph_free(g);
}

static void test_composite_layernorm(void **state)
{
    (void)state;
    Graph *g = new_graph(13);
    input(g, "x", DIMS(1, 4, 16));
    fconst(g, "two", 2);
    fconst(g, "eps", 1e-5);
    weight(g, "gamma", DIMS(16));
    weight(g, "beta", DIMS(16));
    int rm1 = add_node(g, "ReduceMean", "x", "mu");
    ATTR_INTS(g, rm1, "axes", -1);
    int sub = add_node(g, "Sub", "x,mu", "d");
    int pw = add_node(g, "Pow", "d,two", "sq");
    int rm2 = add_node(g, "ReduceMean", "sq", "var");
    ATTR_INTS(g, rm2, "axes", -1);
    int ad = add_node(g, "Add", "var,eps", "ve");
    int sq = add_node(g, "Sqrt", "ve", "sd");
    int dv = add_node(g, "Div", "d,sd", "nrm");
    int mu = add_node(g, "Mul", "nrm,gamma", "g");
    int ab = add_node(g, "Add", "g,beta", "y");
    output(g, "y");
    finish(g);
    check_composite(g, "layernorm", "layernorm", NODES(rm1, sub, pw, rm2, ad, sq, dv, mu, ab));
    graph_free(g);
}

/* x * Sigmoid(Conv1x1(Relu(Conv1x1(GAP(x))))) */
static void test_composite_se(void **state)
{
    (void)state;
    Graph *g = new_graph(13);
    input(g, "x", DIMS(1, 8, 4, 4));
    weight(g, "w1", DIMS(2, 8, 1, 1));
    weight(g, "b1", DIMS(2));
    weight(g, "w2", DIMS(8, 2, 1, 1));
    weight(g, "b2", DIMS(8));
    int gap = add_node(g, "GlobalAveragePool", "x", "p");
    int c1 = add_node(g, "Conv", "p,w1,b1", "f1");
    int r = add_node(g, "Relu", "f1", "r");
    int c2 = add_node(g, "Conv", "r,w2,b2", "f2");
    int s = add_node(g, "Sigmoid", "f2", "s");
    int m = add_node(g, "Mul", "x,s", "y");
    output(g, "y");
    finish(g);
    check_composite(g, "se", "se", NODES(gap, c1, r, c2, s, m));
    graph_free(g);
}

/* Reshape(N,g,C/g,H,W) -> Transpose(0,2,1,3,4) -> Reshape(N,C,H,W) */
static void test_composite_shuffle(void **state)
{
    (void)state;
    Graph *g = new_graph(13);
    input(g, "x", DIMS(1, 8, 4, 4));
    INTS(g, "s5", 1, 2, 4, 4, 4);
    INTS(g, "s4", 1, 8, 4, 4);
    int r1 = add_node(g, "Reshape", "x,s5", "a");
    int t = add_node(g, "Transpose", "a", "b");
    ATTR_INTS(g, t, "perm", 0, 2, 1, 3, 4);
    int r2 = add_node(g, "Reshape", "b,s4", "y");
    output(g, "y");
    finish(g);
    check_composite(g, "shuffle", "shuffle", NODES(r1, t, r2));
    graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_rule_set_pattern),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_shipped_rules),
        cmocka_unit_test(test_save),
        cmocka_unit_test(test_conv_bn_relu),
        cmocka_unit_test(test_dead_nodes),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_quantified_tokens),
        cmocka_unit_test(test_residual_add),
        cmocka_unit_test(test_multi_consumer),
        cmocka_unit_test(test_free_ops),
        cmocka_unit_test(test_disable_rule),
        cmocka_unit_test(test_longest_match),
        cmocka_unit_test(test_composite_hswish),
        cmocka_unit_test(test_composite_in_chain),
        cmocka_unit_test(test_composite_swish),
        cmocka_unit_test(test_composite_gelu),
        cmocka_unit_test(test_composite_layernorm),
        cmocka_unit_test(test_composite_se),
        cmocka_unit_test(test_composite_shuffle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
