/* test_ui.c -- the parts of the interactive view that need no terminal:
 * bars, number formatting, kernel alignment across devices, in-memory rule
 * edits, the filter, the line editor, table layout, and the key table
 * (no key means two things in one view; every command is in the help).
 * The screen itself is tested end to end in tests/scripts/test_tui.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "align.h"
#include "bar.h"
#include "filter.h"
#include "format.h"
#include "keys.h"
#include "lineedit.h"
#include "panel.h"
#include "ruleedit.h"
#include "view.h"

static void test_bar_eighths(void **state)
{
    (void)state;
    wchar_t out[8];
    assert_int_equal(bar_format(0.5, 4, 1, out), 2);
    assert_true(out[0] == L'\u2588' && out[1] == L'\u2588' && out[2] == L' ');
    bar_format(1.0 / 32, 4, 1, out); /* one eighth of a cell */
    assert_true(out[0] == L'\u258f' && out[1] == L' ');
    bar_format(7.0 / 32, 4, 1, out); /* seven eighths */
    assert_true(out[0] == L'\u2589');
    bar_format(1e-9, 4, 1, out); /* anything non-zero shows */
    assert_true(out[0] == L'\u258f');
    assert_int_equal(bar_format(0, 4, 1, out), 0);
    assert_int_equal(bar_format(2.0, 4, 1, out), 4); /* clamped */
}

static void test_bar_ascii(void **state)
{
    (void)state;
    wchar_t out[10];
    assert_int_equal(bar_format(0.5, 10, 0, out), 5);
    assert_true(out[4] == L'#' && out[5] == L' ');
    assert_int_equal(bar_format(NAN, 10, 0, out), 0); /* NaN */
}

static void test_format(void **state)
{
    (void)state;
    char b[32];
    fmt_si(56820000, b, sizeof b);
    assert_string_equal(b, "56.8M");
    fmt_si(999, b, sizeof b);
    assert_string_equal(b, "999");
    fmt_si(1234567, b, sizeof b);
    assert_string_equal(b, "1.23M");
    fmt_ms(12.345, b, sizeof b);
    assert_string_equal(b, "12.35");
    fmt_ms(0.01234, b, sizeof b);
    assert_string_equal(b, "0.0123");
    fmt_ms(0, b, sizeof b);
    assert_string_equal(b, "0");
    fmt_ms(0.0000118, b, sizeof b);   /* 12 ns: small, not nothing */
    assert_string_equal(b, "<0.0001");
    fmt_ms(1e-17, b, sizeof b);       /* rounding in a delta of equal sums */
    assert_string_equal(b, "0");
    fmt_ops("Conv+BatchNormalization+Relu", b, sizeof b);
    assert_string_equal(b, "Conv+BN+Relu");
    fmt_ops("GlobalAveragePool", b, sizeof b);
    assert_string_equal(b, "GAP");
}

/* A chain of n nodes; partitions are built by hand. */
static Graph *chain(int n)
{
    Graph *g = graph_new();
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "n%d", i);
        assert_true(graph_add_node(g, name, "Relu", "") >= 0);
    }
    return g;
}

/* groups: sizes of consecutive kernels covering nodes 0..n-1 (0: a free node) */
static void partition(Partition *p, int n, const int *sizes, int nk)
{
    memset(p, 0, sizeof *p);
    p->kernels = calloc((size_t)nk, sizeof *p->kernels);
    p->node_kernel = malloc((size_t)n * sizeof *p->node_kernel);
    p->nnodes = n;
    int node = 0;
    for (int k = 0; k < nk; k++) {
        if (sizes[k] == 0) { /* free node */
            p->node_kernel[node++] = -1;
            continue;
        }
        Kernel *kn = &p->kernels[p->nkernels];
        kn->nodes = malloc((size_t)sizes[k] * sizeof *kn->nodes);
        for (int j = 0; j < sizes[k]; j++) {
            kn->nodes[kn->nnodes++] = node;
            p->node_kernel[node++] = p->nkernels;
        }
        p->nkernels++;
    }
}

static void partition_release(Partition *p)
{
    for (int k = 0; k < p->nkernels; k++)
        free(p->kernels[k].nodes);
    free(p->kernels);
    free(p->node_kernel);
}

static void test_align_fused_vs_split(void **state)
{
    (void)state;
    Graph *g = chain(5);
    Partition a, b;
    partition(&a, 5, (int[]){3, 1, 1}, 3);    /* Conv+BN+Relu, Add, Relu */
    partition(&b, 5, (int[]){1, 1, 1, 1, 0}, 5); /* split; the last node free */
    const Partition *parts[2] = {&a, &b};
    Alignment al;
    assert_int_equal(align_build(g, parts, 2, &al), 0);
    assert_int_equal(al.ngroups, 3);
    assert_int_equal(al.groups[0].n[0], 1); /* fused on a */
    assert_int_equal(al.groups[0].n[1], 3); /* split on b */
    assert_int_equal(al.groups[0].lines, 3);
    assert_true(al.groups[0].split);
    assert_int_equal(al.groups[1].n[0], 1);
    assert_int_equal(al.groups[1].n[1], 1);
    assert_false(al.groups[1].split);
    assert_int_equal(al.groups[2].n[1], 0); /* free on b */
    assert_true(al.groups[2].split);
    assert_int_equal(al.members[al.groups[0].off[1] + 2], 2); /* b's third kernel */
    align_free(&al);
    partition_release(&a);
    partition_release(&b);
    graph_free(g);
}

static void test_align_overlap_merges(void **state)
{
    (void)state;
    /* a: {0,1} {2,3}; b: {0} {1,2} {3} -> one group of four nodes */
    Graph *g = chain(4);
    Partition a, b;
    partition(&a, 4, (int[]){2, 2}, 2);
    partition(&b, 4, (int[]){1, 2, 1}, 3);
    const Partition *parts[2] = {&a, &b};
    Alignment al;
    assert_int_equal(align_build(g, parts, 2, &al), 0);
    assert_int_equal(al.ngroups, 1);
    assert_int_equal(al.groups[0].lines, 3);
    align_free(&al);
    partition_release(&a);
    partition_release(&b);
    graph_free(g);
}

static void test_ruleedit(void **state)
{
    (void)state;
    RuleSet rs;
    char err[300];
    int col = 0;
    const char *text = "device t\nrule a : conv relu\n";
    assert_int_equal(rules_parse(text, strlen(text), "t", &rs, err, sizeof err), 0);
    assert_int_equal(ruleset_add(&rs, "b -> conv : conv add ; side add same-shape", err,
                                 sizeof err, &col), 0);
    assert_int_equal(rs.nrules, 2);
    assert_string_equal(rs.rules[1].kernel, "conv");
    assert_int_equal(rs.rules[1].nsides, 1);
    assert_int_equal(rs.rules[1].line, 0);
    /* errors point into what was typed */
    assert_int_equal(ruleset_add(&rs, "c : conv (", err, sizeof err, &col), -1);
    assert_true(col >= 5 && col <= 11);
    assert_int_equal(ruleset_add(&rs, "c : conv ; side foo any", err, sizeof err, &col), -1);
    assert_int_equal(col, 17);
    assert_non_null(strstr(err, "foo"));
    assert_int_equal(ruleset_add(&rs, "a : conv", err, sizeof err, &col), -1); /* duplicate */
    assert_int_equal(rs.nrules, 2);
    ruleset_delete(&rs, 0);
    assert_int_equal(rs.nrules, 1);
    assert_string_equal(rs.rules[0].name, "b");
    assert_int_equal(rule_check_pattern("conv bn? relu", err, sizeof err, &col), 0);
    assert_int_equal(rule_check_pattern("conv xyz", err, sizeof err, &col), -1);
    assert_int_equal(col, 6);
    rules_free(&rs);
}

static void test_filter(void **state)
{
    (void)state;
    Filter f;
    memset(&f, 0, sizeof f);
    char err[300];
    int col;
    assert_int_equal(filter_set(&f, "conv", err, sizeof err, &col), 0);
    assert_true(filter_text(&f, "Conv+BN")); /* smart case: no capitals, caseless */
    assert_int_equal(filter_set(&f, "Conv", err, sizeof err, &col), 0);
    assert_false(filter_text(&f, "dwconv"));
    assert_int_equal(filter_set(&f, "se/(Con", err, sizeof err, &col), -1);
    assert_int_equal(col, 8);
    assert_string_equal(f.pattern, "Conv"); /* the old filter stays */
    assert_int_equal(filter_set(&f, "", err, sizeof err, &col), 0);
    assert_false(filter_on(&f));
    assert_true(filter_text(&f, "anything"));
    filter_free(&f);
}

static void test_lineedit(void **state)
{
    (void)state;
    LineEdit e;
    le_set(&e, "conv");
    assert_int_equal(le_key(&e, ' '), LE_CHANGED);
    assert_int_equal(le_key(&e, 'r'), LE_CHANGED);
    assert_string_equal(e.buf, "conv r");
    assert_int_equal(le_key(&e, 0x17), LE_CHANGED); /* C-w */
    assert_string_equal(e.buf, "conv ");
    assert_int_equal(le_key(&e, KEYCODE(KEY_HOME)), LE_NONE);
    assert_int_equal(le_key(&e, KEYCODE(KEY_DC)), LE_CHANGED);
    assert_string_equal(e.buf, "onv ");
    assert_int_equal(le_key(&e, '\r'), LE_ACCEPT);
    assert_int_equal(le_key(&e, 27), LE_CANCEL);
    le_set(&e, "x\xc3\xa9"); /* x + e-acute: backspace removes both bytes */
    le_key(&e, 127);
    assert_string_equal(e.buf, "x");
}

static void test_table_layout(void **state)
{
    (void)state;
    const Column cols[] = {
        {"#", 4, 0, 0, ALIGN_RIGHT}, {"name", 20, 1, 2, ALIGN_LEFT},
        {"ops", 10, 1, 0, ALIGN_LEFT}, {"ms", 7, 0, 1, ALIGN_RIGHT},
    };
    int x[4], w[4];
    table_layout(cols, 4, 100, x, w);
    assert_true(w[0] == 4 && w[1] > 20 && w[2] > 10 && w[3] == 7);
    assert_true(x[3] + w[3] <= 100);
    table_layout(cols, 4, 30, x, w); /* name (prio 2) goes first */
    assert_int_equal(w[1], 0);
    assert_true(w[3] == 7 && x[3] + w[3] <= 30);
    table_layout(cols, 4, 16, x, w); /* then ms; prio 0 stays */
    assert_int_equal(w[3], 0);
    assert_int_equal(w[0], 4);
}

static void test_panel(void **state)
{
    (void)state;
    Panel p = {0};
    panel_set_count(&p, 100);
    panel_set_height(&p, 10);
    panel_action(&p, CMD_PGDN);
    assert_int_equal(p.selected, 9);
    panel_action(&p, CMD_END);
    assert_int_equal(p.selected, 99);
    assert_int_equal(p.top, 90);
    assert_int_equal(panel_row_at(&p, 9), 99);
    assert_int_equal(panel_row_at(&p, 10), -1);
    panel_set_count(&p, 5);
    assert_int_equal(p.selected, 4);
    assert_int_equal(p.top, 0);
}

/* No key may mean two different things in one view. */
static void test_keys_unambiguous(void **state)
{
    (void)state;
    for (int i = 0; i < key_count; i++)
        for (int j = i + 1; j < key_count; j++) {
            const KeyBinding *a = &key_table[i], *b = &key_table[j];
            if (a->key == b->key && (a->views & b->views) && a->action != b->action)
                fail_msg("key %s: two commands in one view", a->label);
        }
}

/* Every command a key can give is listed in the help with a label. */
static void test_keys_documented(void **state)
{
    (void)state;
    for (int c = CMD_QUIT; c <= CMD_RESET; c++) {
        if (c == CMD_RESIZE)
            continue;
        int found = 0;
        for (int i = 0; i < key_count; i++)
            found |= (int)key_table[i].action == c && key_table[i].help && key_table[i].label[0];
        if (!found)
            fail_msg("command %d has no documented key", c);
    }
    for (int v = 0; v < VIEW_COUNT; v++)
        assert_int_equal(keys_lookup('q', (ViewId)v), CMD_QUIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bar_eighths),
        cmocka_unit_test(test_bar_ascii),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_align_fused_vs_split),
        cmocka_unit_test(test_align_overlap_merges),
        cmocka_unit_test(test_ruleedit),
        cmocka_unit_test(test_filter),
        cmocka_unit_test(test_lineedit),
        cmocka_unit_test(test_table_layout),
        cmocka_unit_test(test_panel),
        cmocka_unit_test(test_keys_unambiguous),
        cmocka_unit_test(test_keys_documented),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
