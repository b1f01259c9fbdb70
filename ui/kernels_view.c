/* kernels_view.c -- view 1: one row per kernel of the current device.
 *
 * Columns: index, kernel name (its first ONNX node), type (the predictor
 * key: conv, dwconv, fc, ...), member ops, output shape, FLOPs, predicted
 * ms (and the measured ms when a runtime profile is laid over the device),
 * % of the kernels' total, cumulative % in display order (reaching 100%;
 * the header's model total adds the runtime's overhead), and a bar scaled to the
 * largest kernel.  Without predictors the values are FLOPs.  Rows are
 * the kernels the filter lets through, in the chosen sort order; Enter
 * opens the detail pane (detail.c) under the list.
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bar.h"
#include "format.h"
#include "view.h"

enum { K_IDX, K_NAME, K_TYPE, K_OPS, K_OUT, K_FLOPS, K_MS, K_MEAS, K_PCT, K_CUM, K_BAR, K_NCOLS };

static const Column columns[K_NCOLS] = {
    [K_IDX] = {"#", 4, 0, 0, ALIGN_RIGHT},
    [K_NAME] = {"kernel", 14, 2, 6, ALIGN_LEFT},
    [K_TYPE] = {"type", 8, 0, 2, ALIGN_LEFT},
    [K_OPS] = {"ops", 14, 3, 0, ALIGN_LEFT},
    [K_OUT] = {"output", 13, 0, 5, ALIGN_LEFT},
    [K_FLOPS] = {"FLOPs", 7, 0, 3, ALIGN_RIGHT},
    [K_MS] = {"ms", 7, 0, 0, ALIGN_RIGHT},
    [K_MEAS] = {"meas", 7, 0, 1, ALIGN_RIGHT}, /* only with a runtime profile */
    [K_PCT] = {"%", 5, 0, 0, ALIGN_RIGHT},
    [K_CUM] = {"cum%", 5, 0, 4, ALIGN_RIGHT},
    [K_BAR] = {"", 8, 4, 0, ALIGN_LEFT},
};

/* The column each sort key sorts by (for the header mark and clicks). */
static const int sort_column[SORT_COUNT] = {K_IDX, K_MS, K_FLOPS, K_TYPE};

/* ---- order --------------------------------------------------------------- */

typedef struct {
    const Slot *sl;
    SortKey sort;
} SortCtx;

static int cmp_kernels(const void *pa, const void *pb, void *arg)
{
    const SortCtx *c = arg;
    int a = *(const int *)pa, b = *(const int *)pb;
    double d = 0;
    if (c->sort == SORT_VALUE)
        d = c->sl->value[b] - c->sl->value[a];
    else if (c->sort == SORT_FLOPS)
        d = c->sl->flops[b] - c->sl->flops[a];
    else if (c->sort == SORT_TYPE) {
        char ka[32], kb[32];
        kernel_key(&c->sl->view.ng, &c->sl->view.part.kernels[a], ka);
        kernel_key(&c->sl->view.ng, &c->sl->view.part.kernels[b], kb);
        d = strcmp(ka, kb);
    }
    return d < 0 ? -1 : d > 0 ? 1 : a - b;
}

static void rebuild(App *a, const Slot *sl)
{
    KernelsState *kv = &a->kv;
    int keep = kv->norder ? kv->order[kv->panel.selected] : -1;
    free(kv->order);
    kv->order = NULL;
    kv->norder = 0;
    a->stale &= ~(1u << VIEW_KERNELS);
    int n = sl && sl->has_view ? sl->view.part.nkernels : 0;
    kv->order = malloc((size_t)(n ? n : 1) * sizeof *kv->order);
    if (!kv->order) {
        panel_set_count(&kv->panel, 0);
        return;
    }
    for (int k = 0; k < n; k++)
        if (filter_kernel(&a->filter, a->s.g, &sl->view, k))
            kv->order[kv->norder++] = k;
    SortCtx ctx = {sl, a->sort};
    qsort_r(kv->order, (size_t)kv->norder, sizeof *kv->order, cmp_kernels, &ctx);
    panel_set_count(&kv->panel, kv->norder);
    for (int i = 0; i < kv->norder; i++)
        if (kv->order[i] == keep)
            panel_select(&kv->panel, i);
}

/* ---- drawing ------------------------------------------------------------- */

static void draw_row(App *a, const Slot *sl, int k, int y, int sel, double cum, const int *x,
                     const int *w)
{
    const Kernel *kn = &sl->view.part.kernels[k];
    const Graph *g = a->s.g;
    int attr = crt_attr(sel ? C_SELECTED : C_NORMAL);
    if (sel)
        draw_fill(y, 0, a->cols, attr);
    char buf[256];
    snprintf(buf, sizeof buf, "%d", k);
    draw_cell(y, x[K_IDX], w[K_IDX], attr, ALIGN_RIGHT, buf);
    draw_cell(y, x[K_NAME], w[K_NAME], attr, ALIGN_LEFT, g->nodes[kn->nodes[0]].name);
    kernel_key(&sl->view.ng, kn, buf);
    draw_cell(y, x[K_TYPE], w[K_TYPE], attr, ALIGN_LEFT, buf);
    fmt_ops(kn->ops, buf, sizeof buf);
    draw_cell(y, x[K_OPS], w[K_OPS], attr, ALIGN_LEFT, buf);
    if (kn->output >= 0)
        shape_format(&g->tensors[kn->output].shape, buf, sizeof buf);
    else
        snprintf(buf, sizeof buf, "?");
    draw_cell(y, x[K_OUT], w[K_OUT], attr, ALIGN_LEFT, buf);
    fmt_si(sl->flops[k], buf, sizeof buf);
    draw_cell(y, x[K_FLOPS], w[K_FLOPS], attr, ALIGN_RIGHT, buf);
    if (slot_latency(sl)) {
        fmt_ms(sl->view.pred[k].ms, buf, sizeof buf);
        if (sl->view.pred[k].source == PRED_FALLBACK)
            strcat(buf, "*");
    } else {
        snprintf(buf, sizeof buf, "-");
    }
    draw_cell(y, x[K_MS], w[K_MS], attr, ALIGN_RIGHT, buf);
    if (w[K_MEAS]) {
        double m = sl->view.measured_ms[k];
        if (isnan(m))
            snprintf(buf, sizeof buf, "-");
        else
            fmt_ms(m, buf, sizeof buf);
        draw_cell(y, x[K_MEAS], w[K_MEAS], attr, ALIGN_RIGHT, buf);
    }
    double total = sl->sum_value > 0 ? sl->sum_value : 1;
    snprintf(buf, sizeof buf, "%.1f", 100 * sl->value[k] / total);
    draw_cell(y, x[K_PCT], w[K_PCT], attr, ALIGN_RIGHT, buf);
    snprintf(buf, sizeof buf, "%.1f", 100 * cum / total);
    draw_cell(y, x[K_CUM], w[K_CUM], attr, ALIGN_RIGHT, buf);
    double frac = sl->max_value > 0 ? sl->value[k] / sl->max_value : 0;
    bar_draw(y, x[K_BAR], w[K_BAR], frac,
             sel ? attr : crt_attr(slot_latency(sl) ? C_BAR : C_BAR_FLOPS));
}

static void draw_error(App *a, const Slot *sl, int top)
{
    int w = a->cols - 4;
    draw_textf(top + 1, 2, w, crt_attr(C_ERROR), "Device %s could not be loaded:", sl->dev.name);
    draw_text(top + 3, 4, w - 2, crt_attr(C_NORMAL), sl->error);
    if (sl->dev.user_copy)
        draw_text(top + 5, 2, w, crt_attr(C_DIM),
                  "Your edited copy is broken: in the Rules view (3), U resets to the shipped "
                  "rules and moves your copy aside.");
    draw_text(top + 6, 2, w, crt_attr(C_DIM), "d or Left/Right: another device.");
}

static int list_height(const App *a, int height)
{
    if (!a->kv.detail)
        return height - 1;
    int h = (height - 2) * 2 / 5;
    return h < 3 ? 3 : h;
}

static void draw_list(App *a, const Slot *sl, int top, int list_h)
{
    KernelsState *kv = &a->kv;
    Column cols[K_NCOLS];
    memcpy(cols, columns, sizeof cols);
    cols[K_BAR].title = slot_latency(sl) ? "latency" : "FLOPs share";
    if (!sl->view.measured_ms)
        cols[K_MEAS].width = 0;
    int x[K_NCOLS], w[K_NCOLS];
    table_layout(cols, K_NCOLS, a->cols, x, w);
    int up = a->sort == SORT_TYPE || a->sort == SORT_GRAPH;
    const char *mark = crt_utf8() ? (up ? "\u25b2" : "\u25bc") : "*";
    table_header(cols, K_NCOLS, x, w, top, a->cols, sort_column[a->sort], mark);
    panel_set_height(&kv->panel, list_h);
    kv->list_top = top + 1;
    double cum = 0;
    for (int i = 0; i < kv->norder && i <= kv->panel.top + list_h; i++) {
        cum += sl->value[kv->order[i]];
        int line = i - kv->panel.top;
        if (line >= 0 && line < list_h)
            draw_row(a, sl, kv->order[i], top + 1 + line, i == kv->panel.selected, cum, x, w);
    }
    if (kv->norder == 0)
        draw_textf(top + 2, 2, a->cols - 4, crt_attr(C_DIM),
                   filter_on(&a->filter) ? "No kernel matches the filter '%s' (Esc clears it)."
                                         : "No kernels.%s",
                   a->filter.pattern);
}

static void draw(App *a, int top, int height)
{
    Slot *sl = app_slot(a);
    if (!sl)
        return;
    if (!sl->ok) {
        draw_error(a, sl, top);
        return;
    }
    if (a->stale & (1u << VIEW_KERNELS))
        rebuild(a, sl);
    KernelsState *kv = &a->kv;
    int list_h = list_height(a, height);
    draw_list(a, sl, top, list_h);
    kv->detail_row = top + 1 + list_h;
    if (kv->detail && kv->norder)
        detail_draw(a, kv->order[kv->panel.selected], kv->detail_row, height - 1 - list_h);
}

/* ---- input --------------------------------------------------------------- */

static int action(App *a, Action act)
{
    KernelsState *kv = &a->kv;
    int before = kv->panel.selected;
    if (panel_action(&kv->panel, act)) {
        if (kv->panel.selected != before)
            kv->detail_top = 0;
        return 1;
    }
    switch (act) {
    case CMD_DETAIL: kv->detail = !kv->detail; kv->detail_top = 0; return 1;
    case CMD_DETAIL_DOWN: kv->detail_top++; return 1;
    case CMD_DETAIL_UP: kv->detail_top -= kv->detail_top > 0; return 1;
    case CMD_ESCAPE:
        if (!kv->detail)
            return 0;
        kv->detail = 0;
        return 1;
    default: return 0;
    }
}

static void click_header(App *a, int x)
{
    Column cols[K_NCOLS];
    memcpy(cols, columns, sizeof cols);
    int cx[K_NCOLS], cw[K_NCOLS];
    table_layout(cols, K_NCOLS, a->cols, cx, cw);
    for (int s = 0; s < SORT_COUNT; s++) {
        int c = sort_column[s];
        if (cw[c] && x >= cx[c] && x < cx[c] + cw[c]) {
            a->sort = (SortKey)s;
            app_changed(a);
        }
    }
}

static void click(App *a, int y, int x, int button)
{
    KernelsState *kv = &a->kv;
    int step = button == 4 ? -3 : button == 5 ? 3 : 0;
    if (kv->detail && y >= kv->detail_row) {
        kv->detail_top += step;
        kv->detail_top = kv->detail_top < 0 ? 0 : kv->detail_top;
        return;
    }
    if (step) {
        panel_select(&kv->panel, kv->panel.selected + step);
        return;
    }
    if (y == kv->list_top - 1) {
        click_header(a, x);
        return;
    }
    int row = panel_row_at(&kv->panel, y - kv->list_top);
    if (row < 0)
        return;
    if (row == kv->panel.selected)
        kv->detail = !kv->detail;
    else
        kv->detail_top = 0;
    panel_select(&kv->panel, row);
}

static void release(App *a)
{
    free(a->kv.order);
    a->kv.order = NULL;
    a->kv.norder = 0;
}

const View kernels_view = {VIEW_KERNELS, draw, action, click, NULL, NULL, release};
