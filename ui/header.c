/* header.c -- the two header lines (model, device) and the tab bar.
 *
 * Line 1: model file, input shapes, nodes, FLOPs, params.  Line 2: the
 * current device, its predicted total with the range, kernel count, and
 * why there is no latency when there is none.  Line 3: the view tabs
 * (clickable), and the sort and filter in force.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "view.h"

/* Draws "label value" pairs left to right; x advances, nothing past w. */
typedef struct {
    int y, x, w;
} Line;

static void put(Line *l, ColorRole role, const char *s)
{
    if (l->x < l->w)
        l->x += draw_text(l->y, l->x, l->w - l->x, crt_attr(role), s);
}

/* A "label value" segment, whole or not at all (narrow terminals lose the
 * last segments, never half of one). */
static void seg(Line *l, const char *label, ColorRole role, const char *value)
{
    if (l->x + text_width(label) + text_width(value) > l->w)
        return;
    put(l, C_HEADER, label);
    put(l, role, value);
    put(l, C_NORMAL, "  ");
}

static void pair(Line *l, const char *label, const char *value)
{
    seg(l, label, C_VALUE, value);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static void input_shapes(const Graph *g, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = 0;
    for (int i = 0; i < g->ninputs && off + 1 < len; i++) {
        const Tensor *t = &g->tensors[g->inputs[i]];
        char s[128];
        shape_format(&t->shape, s, sizeof s);
        int n = snprintf(buf + off, len - off, "%s%s %s", i ? ", " : "", t->name, s);
        off += n > 0 ? (size_t)n : 0;
    }
}

static void model_line(App *a)
{
    Line l = {0, 0, a->cols};
    if (a->cols >= 100)
        put(&l, C_TITLE, "nnmeter-tui  ");
    pair(&l, "model ", base_name(a->s.model));
    if (!a->s.g) {
        put(&l, C_ERROR, "cannot open the model");
        return;
    }
    char buf[512];
    input_shapes(a->s.g, buf, sizeof buf);
    pair(&l, "input ", buf);
    snprintf(buf, sizeof buf, "%d", a->s.g->nnodes);
    pair(&l, "nodes ", buf);
    fmt_si(a->s.flops, buf, sizeof buf);
    pair(&l, "FLOPs ", buf);
    fmt_si((double)a->s.params, buf, sizeof buf);
    pair(&l, "params ", buf);
}

static void no_latency_note(Line *l, const Slot *sl)
{
    if (sl->dev.pred_error[0]) {
        put(l, C_ERROR, "predictors failed to load: showing FLOPs  ");
        put(l, C_DIM, sl->dev.pred_error);
    } else {
        put(l, C_WARN, "no predictors: showing FLOPs  ");
    }
}

static void totals(Line *l, const Slot *sl)
{
    const DeviceView *v = &sl->view;
    char buf[128], lo[32], hi[32];
    if (slot_latency(sl)) {
        fmt_ms(v->total_ms, buf, sizeof buf);
        strcat(buf, " ms");
        seg(l, "total ", C_VALUE, buf);
        fmt_ms(v->total_lo, lo, sizeof lo);
        fmt_ms(v->total_hi, hi, sizeof hi);
        snprintf(buf, sizeof buf, "%s-%s", lo, hi);
        seg(l, "range ", C_NORMAL, buf);
    }
    snprintf(buf, sizeof buf, "%d", v->part.nkernels);
    seg(l, "kernels ", C_VALUE, buf);
    if (!slot_latency(sl)) {
        no_latency_note(l, sl);
    } else if (v->nfallback) {
        snprintf(buf, sizeof buf, "%d", v->nfallback);
        seg(l, "fallback* ", C_WARN, buf);
    }
    if (v->measured_ms) {
        fmt_ms(v->measured_sum_ms, buf, sizeof buf);
        strcat(buf, " ms");
        seg(l, "measured ", C_OK, buf);
    }
}

static void device_line(App *a)
{
    Line l = {1, 0, a->cols};
    Slot *sl = app_slot(a);
    if (!sl) {
        put(&l, C_ERROR, "no devices: add rule files to the data directory's rules/");
        return;
    }
    put(&l, C_HEADER, "device ");
    put(&l, C_VALUE, sl->dev.name);
    /* without latency the note says enough */
    put(&l, C_DIM, !slot_latency(sl) ? "  " : sl->dev.rules.measured ? " (measured)  "
                                                                   : " (rules only)  ");
    if (sl->dirty)
        put(&l, C_WARN, "[modified]  ");
    if (!sl->ok)
        put(&l, C_ERROR, sl->error);
    else if (sl->has_view)
        totals(&l, sl);
}

void header_draw(App *a)
{
    model_line(a);
    device_line(a);
}

void tabs_draw(App *a, int y)
{
    static const char *sort_names[SORT_COUNT] = {"graph order", "latency", "FLOPs", "type"};
    draw_fill(y, 0, a->cols, crt_attr(C_TAB));
    int x = 0;
    for (int v = 0; v < VIEW_COUNT; v++) {
        char t[32];
        snprintf(t, sizeof t, " %d %s ", v + 1, view_name((ViewId)v));
        int w = draw_text(y, x, a->cols - x, crt_attr(v == (int)a->view ? C_TAB_ACTIVE : C_TAB), t);
        a->tabs[v] = (HitBox){x, w, (Action)(CMD_VIEW1 + v)};
        x += w + (a->cols >= 100);
    }
    char sort[64] = "", filter[600] = "";
    if (a->view == VIEW_KERNELS || a->view == VIEW_SUMMARY) {
        const char *name = sort_names[a->sort];
        if (a->sort == SORT_VALUE && app_slot(a) && !slot_latency(app_slot(a)))
            name = "latency (FLOPs)";
        snprintf(sort, sizeof sort, "sort: %s  ", name);
    }
    const Slot *sl = app_slot(a);
    if (filter_on(&a->filter) && a->view == VIEW_KERNELS && sl && sl->has_view)
        snprintf(filter, sizeof filter, "filter: %s (%d of %d)  ", a->filter.pattern,
                 a->kv.norder, sl->view.part.nkernels);
    else if (filter_on(&a->filter) && a->view != VIEW_RULES)
        snprintf(filter, sizeof filter, "filter: %s  ", a->filter.pattern);
    char both[700];
    snprintf(both, sizeof both, "%s%s", sort, filter);
    const char *choice[] = {both, filter, sort};
    for (int i = 0; i < 3; i++) {
        int w = text_width(choice[i]);
        if (w && x + w < a->cols) {
            draw_text(y, a->cols - w, w, crt_attr(C_HEADER), choice[i]);
            return;
        }
    }
}
