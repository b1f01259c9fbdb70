/* detail.c -- the detail pane of the Kernels view: all we know about one
 * kernel.
 *
 * Its type and the rule that fused it, the prediction with its range and
 * where it came from (trained model, family model, roofline fallback),
 * the measured time when a runtime profile was given (--profile), FLOPs,
 * params, bytes and arithmetic intensity, the features its
 * predictor was fed, and every member ONNX node with its input and output
 * shapes and attributes.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "report/report.h"
#include "textout.h"
#include "view.h"

#define LABEL_W 10

typedef struct {
    App *a;
    const Slot *sl;
    const Kernel *k;
    int index;
    TextOut *o;
} Detail;

static void field(Detail *d, const char *label, int role, const char *value)
{
    out_text(d->o, 1, LABEL_W, crt_attr(C_HEADER), label);
    out_wrapped(d->o, LABEL_W + 1, d->o->w - LABEL_W - 2, crt_attr(role), value);
    d->o->line++;
}

static void rule_field(Detail *d)
{
    char buf[700];
    const RuleSet *rs = &d->sl->dev.rules;
    if (d->k->rule >= 0 && d->k->rule < rs->nrules) {
        const Rule *r = &rs->rules[d->k->rule];
        snprintf(buf, sizeof buf, "%s -> %s : %s", r->name, r->kernel, r->pattern);
        field(d, "rule", C_NORMAL, buf);
    } else {
        field(d, "rule", C_DIM, "none: a lone op (no rule fuses it with its neighbours)");
    }
}

static void latency_field(Detail *d)
{
    char buf[400], ms[32], lo[32], hi[32];
    if (!slot_latency(d->sl)) {
        snprintf(buf, sizeof buf, "no predictors for %s: no latency (bars show FLOPs)",
                 d->sl->dev.name);
        field(d, "latency", C_WARN, buf);
        return;
    }
    const Prediction *p = &d->sl->view.pred[d->index];
    fmt_ms(p->ms, ms, sizeof ms);
    fmt_ms(p->lo, lo, sizeof lo);
    fmt_ms(p->hi, hi, sizeof hi);
    static const char *source[] = {"trained model for '%s'", "its family's model ('%s' has none)",
                                   "roofline fallback: no trained model for '%s' or its family"};
    char src[160];
    snprintf(src, sizeof src, source[p->source], p->key);
    double share = d->sl->sum_value > 0 ? 100 * p->ms / d->sl->sum_value : 0;
    snprintf(buf, sizeof buf, "%s ms  range %s-%s  (%.1f%% of the kernels' time; %s)", ms, lo,
             hi, share, src);
    field(d, "latency", p->source == PRED_FALLBACK ? C_WARN : C_VALUE, buf);
}

/* For a device whose kernels were timed alone: the part of the kernel's
 * time that is the model's doing (predictor_in_model_ms) -- alone its
 * operands stay in cache from run to run, inside a model they are read
 * again.  Nothing for profiled devices, whose labels are in-model shares. */
static void in_model_field(Detail *d)
{
    if (!slot_latency(d->sl) || d->sl->view.pred[d->index].source == PRED_FALLBACK)
        return;
    double wms, ams, act, param;
    predictor_in_model_parts(d->sl->dev.pred, d->a->s.g, d->k, &wms, &ams);
    if (wms + ams <= 0)
        return;
    kernel_traffic(d->a->s.g, d->k, &act, &param);
    char ms[32], buf[400];
    fmt_ms(wms + ams, ms, sizeof ms);
    int n = snprintf(buf, sizeof buf, "%s ms of it: timed alone, a kernel keeps its operands in "
                     "cache; inside a model it reads", ms);
    if (wms > 0 && n > 0 && (size_t)n < sizeof buf)
        n += snprintf(buf + n, sizeof buf - (size_t)n, " its %.3f MB of weights", param);
    if (ams > 0 && n > 0 && (size_t)n < sizeof buf)
        n += snprintf(buf + n, sizeof buf - (size_t)n, "%s %.3f MB of activations",
                      wms > 0 ? " and" : "", act);
    if (n > 0 && (size_t)n < sizeof buf)
        snprintf(buf + n, sizeof buf - (size_t)n, " again");
    field(d, "in model", C_NORMAL, buf);
}

/* With a runtime profile: the measured time against the prediction. */
static void measured_field(Detail *d)
{
    const DeviceView *v = &d->sl->view;
    if (!v->measured_ms)
        return;
    double m = v->measured_ms[d->index];
    char buf[1400], ms[32], pr[32];
    if (isnan(m)) {
        snprintf(buf, sizeof buf, "no runtime kernel of the profile maps to this kernel (%s)",
                 v->measured_from);
        field(d, "measured", C_DIM, buf);
        return;
    }
    fmt_ms(m, ms, sizeof ms);
    const char *file = strrchr(v->measured_from, '/');
    file = file ? file + 1 : v->measured_from;
    int n = snprintf(buf, sizeof buf, "%s ms, median of %d runs", ms, v->measured_runs);
    if (slot_latency(d->sl) && m > 0 && n > 0) {
        double p = v->pred[d->index].ms;
        fmt_ms(p, pr, sizeof pr);
        n += snprintf(buf + n, sizeof buf - (size_t)n, "; predicted %s ms (%+.0f%%)", pr,
                      100 * (p - m) / m);
    }
    if (n > 0 && (size_t)n < sizeof buf)
        snprintf(buf + n, sizeof buf - (size_t)n, "; profile %s", file);
    field(d, "measured", C_OK, buf);
}

static void cost_field(Detail *d)
{
    Cost c = kernel_cost(d->a->s.g, d->k);
    char fl[32], pa[32], by[32], rd[32], wr[32], buf[300];
    double bytes = (double)(c.bytes_read + c.bytes_written);
    fmt_si(c.flops, fl, sizeof fl);
    fmt_si((double)c.params, pa, sizeof pa);
    fmt_si(bytes, by, sizeof by);
    fmt_si((double)c.bytes_read, rd, sizeof rd);
    fmt_si((double)c.bytes_written, wr, sizeof wr);
    snprintf(buf, sizeof buf, "FLOPs %s  params %s  bytes %s (read %s, written %s)  "
             "intensity %.2f FLOP/byte", fl, pa, by, rd, wr, bytes > 0 ? c.flops / bytes : 0);
    field(d, "cost", C_NORMAL, buf);
}

static void features_field(Detail *d)
{
    Features f;
    if (kernel_features(d->a->s.g, &d->sl->view.ng, d->k, &f)) {
        field(d, "features", C_DIM, "unknown (the output shape is not known)");
        return;
    }
    int n;
    const char *const *names = family_feature_names(f.family, &n);
    char buf[900];
    size_t off = (size_t)snprintf(buf, sizeof buf, "%s:", family_name(f.family));
    for (int i = 0; i < n && i < f.n && off < sizeof buf; i++)
        off += (size_t)snprintf(buf + off, sizeof buf - off, " %s=%g", names[i], f.v[i]);
    field(d, "features", C_NORMAL, buf);
}

static void tensors(const Graph *g, const int *ts, int n, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = 0;
    for (int i = 0; i < n && off + 1 < len; i++) {
        char s[128] = "-";
        int t = ts[i];
        if (t >= 0)
            shape_format(&g->tensors[t].shape, s, sizeof s);
        int w = snprintf(buf + off, len - off, "%s%s%s", i ? ", " : "", s,
                         t >= 0 && g->tensors[t].is_const ? " (const)" : "");
        off += w > 0 ? (size_t)w : 0;
    }
}

static void attr_value(const Attr *at, char *buf, size_t len)
{
    size_t off = 0;
    switch (at->type) {
    case ATTR_INT: snprintf(buf, len, "%lld", (long long)at->i); return;
    case ATTR_FLOAT: snprintf(buf, len, "%g", at->f); return;
    case ATTR_STRING: snprintf(buf, len, "'%s'", at->s ? at->s : ""); return;
    case ATTR_INTS: case ATTR_FLOATS:
        off = (size_t)snprintf(buf, len, "[");
        for (int i = 0; i < at->n && i < 8 && off < len; i++)
            off += at->type == ATTR_INTS
                       ? (size_t)snprintf(buf + off, len - off, "%s%lld", i ? "," : "",
                                          (long long)at->ints[i])
                       : (size_t)snprintf(buf + off, len - off, "%s%g", i ? "," : "",
                                          at->floats[i]);
        if (off < len)
            snprintf(buf + off, len - off, "%s]", at->n > 8 ? ",..." : "");
        return;
    case ATTR_TENSOR: snprintf(buf, len, "<tensor>"); return;
    case ATTR_GRAPH: snprintf(buf, len, "<graph>"); return;
    default: snprintf(buf, len, "<%d values>", at->n); return;
    }
}

static void node_lines(Detail *d, const Node *n)
{
    const Graph *g = d->a->s.g;
    TextOut *o = d->o;
    int w = o->w - 8;
    char buf[900];
    snprintf(buf, sizeof buf, "%s  %s%s%s", n->name, n->op, n->domain[0] ? " @" : "", n->domain);
    out_text(o, 3, o->w - 4, crt_attr(C_VALUE), buf);
    o->line++;
    tensors(g, n->inputs, n->ninputs, buf, sizeof buf);
    out_text(o, 7, 5, crt_attr(C_DIM), "in");
    out_wrapped(o, 12, w - 5, crt_attr(C_NORMAL), buf);
    o->line++;
    tensors(g, n->outputs, n->noutputs, buf, sizeof buf);
    out_text(o, 7, 5, crt_attr(C_DIM), "out");
    out_wrapped(o, 12, w - 5, crt_attr(C_NORMAL), buf);
    o->line++;
    if (!n->nattrs)
        return;
    size_t off = 0;
    for (int i = 0; i < n->nattrs && off < sizeof buf; i++) {
        char v[200];
        attr_value(&n->attrs[i], v, sizeof v);
        off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s=%s", i ? " " : "",
                                n->attrs[i].name, v);
    }
    out_text(o, 7, 5, crt_attr(C_DIM), "attr");
    out_wrapped(o, 12, w - 5, crt_attr(C_NORMAL), buf);
    o->line++;
}

static void layout(Detail *d)
{
    char buf[300], key[32];
    kernel_key(&d->sl->view.ng, d->k, key);
    snprintf(buf, sizeof buf, "%s (kernel type %s, feature family %s)", key, d->k->type,
             family_name(feature_family(key)));
    field(d, "type", C_VALUE, buf);
    rule_field(d);
    field(d, "ops", C_NORMAL, d->k->ops);
    latency_field(d);
    in_model_field(d);
    measured_field(d);
    cost_field(d);
    features_field(d);
    snprintf(buf, sizeof buf, "%d ONNX node%s", d->k->nnodes, d->k->nnodes == 1 ? "" : "s");
    field(d, "nodes", C_NORMAL, buf);
    for (int i = 0; i < d->k->nnodes; i++)
        node_lines(d, &d->a->s.g->nodes[d->k->nodes[i]]);
}

void detail_draw(App *a, int kernel, int top, int height)
{
    Slot *sl = app_slot(a);
    const Kernel *k = &sl->view.part.kernels[kernel];
    char title[600];
    snprintf(title, sizeof title, " kernel %d: %s   (J/K or the wheel scroll, Enter closes)",
             kernel, a->s.g->nodes[k->nodes[0]].name);
    draw_fill(top, 0, a->cols, crt_attr(C_COLHEAD));
    draw_text(top, 0, a->cols, crt_attr(C_COLHEAD), title);
    int h = height - 1;
    TextOut count = {top + 1, 0, 0, a->cols, 0, 0};
    Detail d = {a, sl, k, kernel, &count};
    layout(&d);
    int max_top = count.line - h;
    if (a->kv.detail_top > max_top)
        a->kv.detail_top = max_top > 0 ? max_top : 0;
    TextOut o = {top + 1, h, 0, a->cols, 0, a->kv.detail_top};
    d.o = &o;
    layout(&d);
}
