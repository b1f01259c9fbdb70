/* compare_view.c -- view 2: devices side by side.
 *
 * Two to four columns, one device each (or a device's "no fusion"
 * variant).  Rows are the node groups of align.c: each block of rows
 * covers the same ONNX nodes on every device, so Conv+BN+Relu as one
 * kernel on one device sits beside Conv, BN, Relu on another; the gutter
 * marks such blocks.  Above the rows: each device's total, its ratio to
 * the first device with latency, and its kernel count.  Blocks whose share
 * of the time differs most between devices are highlighted; `s` puts them
 * first.
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "view.h"

#define GUTTER 6
#define HOT_GROUPS 5

static Slot *col_slot(App *a, int c)
{
    return &a->s.slots[a->cv.cols[c]];
}

static int shown(const CompareState *cv, int slot)
{
    for (int c = 0; c < cv->ncols; c++)
        if (cv->cols[c] == slot)
            return 1;
    return 0;
}

/* The next slot after `from` that is not shown, or -1. */
static int next_free_slot(const App *a, int from)
{
    int n = a->s.nslots;
    for (int i = 1; i <= n; i++) {
        int s = ((from + i) % n + n) % n;
        if (!shown(&a->cv, s))
            return s;
    }
    return -1;
}

static void default_columns(App *a)
{
    CompareState *cv = &a->cv;
    int want = a->s.nslots < 3 ? a->s.nslots : 3;
    cv->cols[cv->ncols++] = a->cur;
    while (cv->ncols < want) {
        int s = next_free_slot(a, cv->cols[cv->ncols - 1]);
        if (s < 0)
            break;
        cv->cols[cv->ncols++] = s;
    }
}

/* ---- derived data -------------------------------------------------------- */

static void free_derived(CompareState *cv)
{
    align_free(&cv->al);
    free(cv->group_order);
    free(cv->lines);
    free(cv->sums);
    free(cv->spread);
    cv->group_order = NULL;
    cv->lines = NULL;
    cv->sums = cv->spread = NULL;
    cv->ngroups = cv->nlines = 0;
}

static void group_sums(App *a)
{
    CompareState *cv = &a->cv;
    for (int g = 0; g < cv->al.ngroups; g++) {
        const AlignGroup *gr = &cv->al.groups[g];
        double lo = INFINITY, hi = -INFINITY;
        int nlat = 0;
        for (int c = 0; c < cv->ncols; c++) {
            const Slot *sl = col_slot(a, c);
            double sum = 0;
            for (int i = 0; i < gr->n[c]; i++)
                sum += sl->value[cv->al.members[gr->off[c] + i]];
            cv->sums[g * ALIGN_MAX_COLS + c] = sum;
            if (slot_latency(sl) && sl->sum_value > 0) {
                double share = sum / sl->sum_value;
                lo = share < lo ? share : lo;
                hi = share > hi ? share : hi;
                nlat++;
            }
        }
        cv->spread[g] = nlat >= 2 ? hi - lo : 0;
    }
}

/* Spreads at or above the HOT_GROUPS-th largest (and over 0.5%) are hot. */
static void hot_threshold(CompareState *cv)
{
    double top[HOT_GROUPS] = {0};
    for (int g = 0; g < cv->al.ngroups; g++) {
        double v = cv->spread[g];
        for (int i = 0; i < HOT_GROUPS; i++)
            if (v > top[i]) {
                double t = top[i];
                top[i] = v;
                v = t;
            }
    }
    double t = 0; /* the smallest positive of the top spreads */
    for (int i = 0; i < HOT_GROUPS; i++)
        if (top[i] > 0)
            t = top[i];
    cv->hot = t > 0.005 ? t : 0.005;
}

static int group_matches(App *a, int g)
{
    if (!filter_on(&a->filter))
        return 1;
    const AlignGroup *gr = &a->cv.al.groups[g];
    for (int c = 0; c < a->cv.ncols; c++)
        for (int i = 0; i < gr->n[c]; i++)
            if (filter_kernel(&a->filter, a->s.g, &col_slot(a, c)->view,
                              a->cv.al.members[gr->off[c] + i]))
                return 1;
    return 0;
}

static int cmp_difference(const void *pa, const void *pb, void *arg)
{
    const CompareState *cv = arg;
    int a = *(const int *)pa, b = *(const int *)pb;
    double d = cv->spread[b] - cv->spread[a];
    if (d == 0)
        d = cv->al.groups[b].split - cv->al.groups[a].split;
    return d < 0 ? -1 : d > 0 ? 1 : a - b;
}

static int order_lines(App *a)
{
    CompareState *cv = &a->cv;
    int ng = cv->al.ngroups, nl = 0;
    cv->group_order = malloc((size_t)(ng ? ng : 1) * sizeof *cv->group_order);
    if (!cv->group_order)
        return -1;
    for (int g = 0; g < ng; g++)
        if (group_matches(a, g)) {
            cv->group_order[cv->ngroups++] = g;
            nl += cv->al.groups[g].lines;
        }
    if (cv->by_difference)
        qsort_r(cv->group_order, (size_t)cv->ngroups, sizeof *cv->group_order, cmp_difference, cv);
    cv->lines = malloc((size_t)(nl ? nl : 1) * sizeof *cv->lines);
    if (!cv->lines)
        return -1;
    for (int i = 0; i < cv->ngroups; i++)
        for (int s = 0; s < cv->al.groups[cv->group_order[i]].lines; s++) {
            cv->lines[cv->nlines][0] = cv->group_order[i];
            cv->lines[cv->nlines++][1] = s;
        }
    return 0;
}

static void rebuild(App *a)
{
    CompareState *cv = &a->cv;
    a->stale &= ~(1u << VIEW_COMPARE);
    free_derived(cv);
    const Partition *parts[ALIGN_MAX_COLS] = {0};
    for (int c = 0; c < cv->ncols; c++)
        parts[c] = col_slot(a, c)->has_view ? &col_slot(a, c)->view.part : NULL;
    int ok = align_build(a->s.g, parts, cv->ncols, &cv->al) == 0;
    int ng = cv->al.ngroups ? cv->al.ngroups : 1;
    cv->sums = ok ? calloc((size_t)ng * ALIGN_MAX_COLS, sizeof *cv->sums) : NULL;
    cv->spread = ok ? calloc((size_t)ng, sizeof *cv->spread) : NULL;
    if (!cv->sums || !cv->spread) {
        free_derived(cv);
        panel_set_count(&cv->panel, 0);
        return;
    }
    group_sums(a);
    hot_threshold(cv);
    if (order_lines(a))
        cv->nlines = 0;
    panel_set_count(&cv->panel, cv->nlines);
}

/* ---- drawing ------------------------------------------------------------- */

static const Slot *reference(App *a)
{
    for (int c = 0; c < a->cv.ncols; c++)
        if (slot_latency(col_slot(a, c)))
            return col_slot(a, c);
    return NULL;
}

static void draw_column_head(App *a, int c, int top)
{
    CompareState *cv = &a->cv;
    const Slot *sl = col_slot(a, c), *ref = reference(a);
    int x = cv->col_x[c], w = cv->col_w;
    draw_cell(top, x, w, crt_attr(c == cv->selcol ? C_TAB_ACTIVE : C_VALUE), ALIGN_LEFT,
              sl->dev.name);
    char buf[1100], t[32];
    if (!sl->ok)
        snprintf(buf, sizeof buf, "not loaded: %s", sl->error);
    else if (slot_latency(sl)) {
        fmt_ms(sl->total_value, t, sizeof t);
        snprintf(buf, sizeof buf, w >= 26 ? "%s ms x%.2f  %d kernels" : "%s ms x%.2f %dk", t,
                 ref && ref->total_value > 0 ? sl->total_value / ref->total_value : 1.0,
                 sl->view.part.nkernels);
    } else
        snprintf(buf, sizeof buf, w >= 26 ? "%d kernels, no latency" : "%dk, no latency",
                 sl->has_view ? sl->view.part.nkernels : 0);
    draw_cell(top + 1, x, w, crt_attr(sl->ok ? C_NORMAL : C_ERROR), ALIGN_LEFT, buf);
}

/* One device's cell of a line: its kernel at this sub-row, or a marker. */
static void draw_cell_of(App *a, int c, int g, int s, int y, int attr, int sel)
{
    CompareState *cv = &a->cv;
    const AlignGroup *gr = &cv->al.groups[g];
    const Slot *sl = col_slot(a, c);
    int x = cv->col_x[c], w = cv->col_w, msw = 7;
    char buf[200];
    if (!slot_latency(sl))
        msw = -1; /* no ms sub-column: the ops get the width */
    if (s < gr->n[c]) {
        int k = cv->al.members[gr->off[c] + s];
        fmt_ops(sl->view.part.kernels[k].ops, buf, sizeof buf);
        draw_cell(y, x, w - msw - 1, attr, ALIGN_LEFT, buf);
        if (msw > 0) {
            fmt_ms(sl->value[k], buf, sizeof buf);
            draw_cell(y, x + w - msw, msw, attr, ALIGN_RIGHT, buf);
        }
    } else if (gr->n[c] == 1) { /* the one kernel spans the block */
        draw_text(y, x, 1, sel ? attr : crt_attr(C_SPLIT), crt_utf8() ? "\u2502" : "|");
    } else if (gr->n[c] == 0 && s == 0 && sl->has_view) {
        draw_text(y, x, w, sel ? attr : crt_attr(C_DIM), "(no kernel: free ops)");
    }
}

static void draw_line(App *a, int line, int y)
{
    CompareState *cv = &a->cv;
    int g = cv->lines[line][0], s = cv->lines[line][1];
    const AlignGroup *gr = &cv->al.groups[g];
    int sel = line == cv->panel.selected;
    int attr = crt_attr(sel ? C_SELECTED : cv->spread[g] >= cv->hot ? C_HILITE : C_NORMAL);
    if (sel)
        draw_fill(y, 0, a->cols, attr);
    if (s == 0) {
        char buf[32];
        snprintf(buf, sizeof buf, "%d", g);
        draw_cell(y, 0, GUTTER - 2, attr, ALIGN_RIGHT, buf);
        if (gr->split)
            draw_text(y, GUTTER - 2, 1, sel ? attr : crt_attr(C_SPLIT),
                      crt_utf8() ? "\u2260" : "*");
    }
    for (int c = 0; c < cv->ncols; c++)
        draw_cell_of(a, c, g, s, y, attr, sel);
}

static void legend(App *a, int y)
{
    char buf[300];
    snprintf(buf, sizeof buf, "%s fused differently   highlighted: biggest difference in share "
             "of time   s: %s   n: no-fusion variant", crt_utf8() ? "\u2260" : "*",
             a->cv.by_difference ? "graph order" : "most different first");
    draw_text(y, 0, a->cols, crt_attr(C_DIM), buf);
}

static void draw(App *a, int top, int height)
{
    CompareState *cv = &a->cv;
    if (!a->s.nslots) {
        draw_text(top + 1, 2, a->cols - 4, crt_attr(C_ERROR), "No devices to compare.");
        return;
    }
    if (!cv->ncols)
        default_columns(a);
    if (a->stale & (1u << VIEW_COMPARE))
        rebuild(a);
    cv->col_w = (a->cols - GUTTER) / cv->ncols - 1;
    for (int c = 0; c < cv->ncols; c++)
        cv->col_x[c] = GUTTER + c * (cv->col_w + 1);
    for (int c = 0; c < cv->ncols; c++)
        draw_column_head(a, c, top);
    draw_fill(top + 2, 0, a->cols, crt_attr(C_COLHEAD));
    draw_text(top + 2, 0, GUTTER, crt_attr(C_COLHEAD), "group");
    for (int c = 0; c < cv->ncols; c++) {
        draw_text(top + 2, cv->col_x[c], cv->col_w, crt_attr(C_COLHEAD), "ops");
        if (slot_latency(col_slot(a, c)))
            draw_cell(top + 2, cv->col_x[c] + cv->col_w - 7, 7, crt_attr(C_COLHEAD), ALIGN_RIGHT,
                      "ms");
    }
    int rows = height - 3 - (height > 12);
    panel_set_height(&cv->panel, rows);
    cv->list_top = top + 3;
    for (int line = 0; line < rows; line++) {
        int l = panel_row_at(&cv->panel, line);
        if (l >= 0)
            draw_line(a, l, top + 3 + line);
    }
    if (height > 12)
        legend(a, top + height - 1);
}

/* ---- actions ------------------------------------------------------------- */

static void add_nofusion(App *a)
{
    CompareState *cv = &a->cv;
    int j = session_nofusion(&a->s, cv->cols[cv->selcol]);
    if (j < 0) {
        app_message(a, C_ERROR, "%s is not loaded", col_slot(a, cv->selcol)->dev.name);
        return;
    }
    for (int c = 0; c < cv->ncols; c++)
        if (cv->cols[c] == j) {
            cv->selcol = c;
            return;
        }
    if (cv->ncols < ALIGN_MAX_COLS) {
        memmove(&cv->cols[cv->selcol + 2], &cv->cols[cv->selcol + 1],
                (size_t)(cv->ncols - cv->selcol - 1) * sizeof cv->cols[0]);
        cv->ncols++;
        cv->selcol++;
    } else {
        cv->selcol = cv->ncols - 1;
    }
    cv->cols[cv->selcol] = j;
    app_message(a, C_OK, "added %s: every op its own kernel, same predictors",
                a->s.slots[j].dev.name);
}

static int column_action(App *a, Action act)
{
    CompareState *cv = &a->cv;
    int s;
    switch (act) {
    case CMD_LEFT: cv->selcol -= cv->selcol > 0; return 1;
    case CMD_RIGHT: cv->selcol += cv->selcol < cv->ncols - 1; return 1;
    case CMD_COL_DEVICE:
        s = next_free_slot(a, cv->cols[cv->selcol]);
        if (s >= 0)
            cv->cols[cv->selcol] = s;
        break;
    case CMD_COL_ADD:
        s = next_free_slot(a, cv->cols[cv->ncols - 1]);
        if (cv->ncols >= ALIGN_MAX_COLS || s < 0) {
            app_message(a, C_WARN, "at most %d columns, each a different device", ALIGN_MAX_COLS);
            return 1;
        }
        cv->cols[cv->ncols++] = s;
        cv->selcol = cv->ncols - 1;
        break;
    case CMD_COL_REMOVE:
        if (cv->ncols <= 2) {
            app_message(a, C_WARN, "Compare shows at least 2 columns (d changes this one)");
            return 1;
        }
        memmove(&cv->cols[cv->selcol], &cv->cols[cv->selcol + 1],
                (size_t)(cv->ncols - cv->selcol - 1) * sizeof cv->cols[0]);
        cv->ncols--;
        cv->selcol -= cv->selcol >= cv->ncols;
        break;
    case CMD_NOFUSION: add_nofusion(a); break;
    case CMD_SORT: cv->by_difference = !cv->by_difference; cv->panel.selected = 0; break;
    default: return 0;
    }
    a->stale |= 1u << VIEW_COMPARE;
    return 1;
}

static int action(App *a, Action act)
{
    if (!a->s.nslots)
        return 0;
    if (!a->cv.ncols)
        default_columns(a);
    if (panel_action(&a->cv.panel, act))
        return 1;
    return column_action(a, act);
}

static void click(App *a, int y, int x, int button)
{
    CompareState *cv = &a->cv;
    if (button != 1) {
        panel_select(&cv->panel, cv->panel.selected + (button == 4 ? -3 : 3));
        return;
    }
    for (int c = 0; c < cv->ncols; c++)
        if (x >= cv->col_x[c] && x < cv->col_x[c] + cv->col_w)
            cv->selcol = c;
    int line = panel_row_at(&cv->panel, y - cv->list_top);
    if (line >= 0)
        panel_select(&cv->panel, line);
}

static void release(App *a)
{
    free_derived(&a->cv);
}

const View compare_view = {VIEW_COMPARE, draw, action, click, NULL, NULL, release};
