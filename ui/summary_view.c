/* summary_view.c -- view 4: the kernels grouped by type.
 *
 * One row per kernel type (the predictor key: conv, dwconv, fc, ...) with
 * the kernel count, FLOPs, predicted time (or FLOPs), share and a bar:
 * where the time goes, by kind of work.  The filter applies; Enter shows
 * the kernels of the selected type in the Kernels view.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bar.h"
#include "format.h"
#include "view.h"

enum { S_TYPE, S_COUNT, S_FLOPS, S_VALUE, S_PCT, S_BAR, S_NCOLS };

static const Column columns[S_NCOLS] = {
    [S_TYPE] = {"type", 12, 0, 0, ALIGN_LEFT},
    [S_COUNT] = {"kernels", 7, 0, 0, ALIGN_RIGHT},
    [S_FLOPS] = {"FLOPs", 7, 0, 1, ALIGN_RIGHT},
    [S_VALUE] = {"ms", 8, 0, 0, ALIGN_RIGHT},
    [S_PCT] = {"%", 5, 0, 0, ALIGN_RIGHT},
    [S_BAR] = {"", 10, 1, 0, ALIGN_LEFT},
};

static const int sort_column[SORT_COUNT] = {-1, S_VALUE, S_FLOPS, S_TYPE};

static int find_row(const SummaryState *sv, const char *key)
{
    for (int i = 0; i < sv->nrows; i++)
        if (strcmp(sv->rows[i].key, key) == 0)
            return i;
    return -1;
}

static int cmp_rows(const void *pa, const void *pb, void *arg)
{
    const SummaryRow *a = pa, *b = pb;
    SortKey s = *(const SortKey *)arg;
    double d = s == SORT_VALUE ? b->value - a->value
             : s == SORT_FLOPS ? b->flops - a->flops
             : s == SORT_TYPE ? strcmp(a->key, b->key) : a->first - b->first;
    return d < 0 ? -1 : d > 0 ? 1 : a->first - b->first;
}

static void rebuild(App *a, const Slot *sl)
{
    SummaryState *sv = &a->sv;
    a->stale &= ~(1u << VIEW_SUMMARY);
    sv->nrows = 0;
    int n = sl->has_view ? sl->view.part.nkernels : 0;
    free(sv->rows);
    sv->rows = calloc((size_t)(n ? n : 1), sizeof *sv->rows);
    if (!sv->rows) {
        panel_set_count(&sv->panel, 0);
        return;
    }
    for (int k = 0; k < n; k++) {
        if (!filter_kernel(&a->filter, a->s.g, &sl->view, k))
            continue;
        char key[32];
        kernel_key(&sl->view.ng, &sl->view.part.kernels[k], key);
        int r = find_row(sv, key);
        if (r < 0) {
            r = sv->nrows++;
            snprintf(sv->rows[r].key, sizeof sv->rows[r].key, "%s", key);
            sv->rows[r].first = k;
        }
        sv->rows[r].count++;
        sv->rows[r].value += sl->value[k];
        sv->rows[r].flops += sl->flops[k];
    }
    SortKey s = a->sort;
    qsort_r(sv->rows, (size_t)sv->nrows, sizeof *sv->rows, cmp_rows, &s);
    panel_set_count(&sv->panel, sv->nrows);
}

static void draw_row(App *a, const Slot *sl, const SummaryRow *r, double max, int y, int sel,
                     const int *x, const int *w)
{
    int attr = crt_attr(sel ? C_SELECTED : C_NORMAL);
    if (sel)
        draw_fill(y, 0, a->cols, attr);
    char buf[64];
    draw_cell(y, x[S_TYPE], w[S_TYPE], attr, ALIGN_LEFT, r->key);
    snprintf(buf, sizeof buf, "%d", r->count);
    draw_cell(y, x[S_COUNT], w[S_COUNT], attr, ALIGN_RIGHT, buf);
    fmt_si(r->flops, buf, sizeof buf);
    draw_cell(y, x[S_FLOPS], w[S_FLOPS], attr, ALIGN_RIGHT, buf);
    if (slot_latency(sl))
        fmt_ms(r->value, buf, sizeof buf);
    else
        snprintf(buf, sizeof buf, "-");
    draw_cell(y, x[S_VALUE], w[S_VALUE], attr, ALIGN_RIGHT, buf);
    snprintf(buf, sizeof buf, "%.1f", sl->sum_value > 0 ? 100 * r->value / sl->sum_value : 0);
    draw_cell(y, x[S_PCT], w[S_PCT], attr, ALIGN_RIGHT, buf);
    bar_draw(y, x[S_BAR], w[S_BAR], max > 0 ? r->value / max : 0,
             sel ? attr : crt_attr(slot_latency(sl) ? C_BAR : C_BAR_FLOPS));
}

static void draw(App *a, int top, int height)
{
    Slot *sl = app_slot(a);
    if (!sl || !sl->ok) {
        draw_text(top + 1, 2, a->cols - 4, crt_attr(C_ERROR),
                  sl ? sl->error : "no device");
        return;
    }
    if (a->stale & (1u << VIEW_SUMMARY))
        rebuild(a, sl);
    SummaryState *sv = &a->sv;
    Column cols[S_NCOLS];
    memcpy(cols, columns, sizeof cols);
    cols[S_BAR].title = slot_latency(sl) ? "latency" : "FLOPs share";
    int x[S_NCOLS], w[S_NCOLS];
    table_layout(cols, S_NCOLS, a->cols, x, w);
    const char *mark = crt_utf8() ? (a->sort == SORT_VALUE || a->sort == SORT_FLOPS ? "\u25bc"
                                                                                     : "\u25b2")
                                  : "*";
    table_header(cols, S_NCOLS, x, w, top, a->cols, sort_column[a->sort], mark);
    panel_set_height(&sv->panel, height - 1);
    sv->list_top = top + 1;
    double max = 0;
    for (int i = 0; i < sv->nrows; i++)
        max = sv->rows[i].value > max ? sv->rows[i].value : max;
    for (int line = 0; line < height - 1; line++) {
        int r = panel_row_at(&sv->panel, line);
        if (r >= 0)
            draw_row(a, sl, &sv->rows[r], max, top + 1 + line, r == sv->panel.selected, x, w);
    }
}

/* Enter: the Kernels view, filtered to the selected type. */
static void show_kernels(App *a)
{
    SummaryState *sv = &a->sv;
    if (!sv->nrows)
        return;
    char pattern[64];
    /* case-sensitive, whole key: "conv" must not match ONNX op "Conv" */
    snprintf(pattern, sizeof pattern, "(?-i)^%s$", sv->rows[sv->panel.selected].key);
    app_set_filter(a, pattern);
    a->view = VIEW_KERNELS;
}

static int action(App *a, Action act)
{
    if (panel_action(&a->sv.panel, act))
        return 1;
    if (act == CMD_DETAIL) {
        show_kernels(a);
        return 1;
    }
    return 0;
}

static void click(App *a, int y, int x, int button)
{
    (void)x;
    SummaryState *sv = &a->sv;
    if (button != 1) {
        panel_select(&sv->panel, sv->panel.selected + (button == 4 ? -3 : 3));
        return;
    }
    int row = panel_row_at(&sv->panel, y - sv->list_top);
    if (row >= 0 && row == sv->panel.selected)
        show_kernels(a);
    else if (row >= 0)
        panel_select(&sv->panel, row);
}

static void release(App *a)
{
    free(a->sv.rows);
    a->sv.rows = NULL;
    a->sv.nrows = 0;
}

const View summary_view = {VIEW_SUMMARY, draw, action, click, NULL, NULL, release};
