/* report.c -- text, JSON and CSV renderings of an analysed graph. */
#include "report.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <string.h>

int report_format_parse(const char *s, ReportFormat *out)
{
    static const struct { const char *name; ReportFormat fmt; } formats[] = {
        {"text", REPORT_TEXT}, {"json", REPORT_JSON}, {"csv", REPORT_CSV}};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcmp(s, formats[i].name) == 0) {
            *out = formats[i].fmt;
            return 0;
        }
    return -1;
}

/* Sums in double: per-node counts saturate at INT64_MAX on hostile shapes
 * and an int64 sum of them would overflow. */
typedef struct {
    double flops;
    double params;
    double bytes;
    int unsupported;
} Totals;

static Totals graph_totals(const Graph *g)
{
    Totals t = {0};
    for (int i = 0; i < g->nnodes; i++) {
        const Node *n = &g->nodes[i];
        t.flops += n->cost.flops;
        t.params += (double)n->cost.params;
        t.bytes += (double)n->cost.bytes_read + (double)n->cost.bytes_written;
        if (!n->supported)
            t.unsupported++;
    }
    return t;
}

/* Human units: 1.23 G, 456.7 M, ... */
static void human(double v, char *buf, size_t len)
{
    static const char *units[] = {"", "K", "M", "G", "T", "P"};
    int u = 0;
    while (v >= 1000.0 && u < 5) {
        v /= 1000.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "%.2f%s", v, units[u]);
}

/* ---- JSON ---------------------------------------------------------------- */

static cJSON *shape_json(const Shape *s)
{
    if (s->ndim < 0)
        return cJSON_CreateNull();
    cJSON *a = cJSON_CreateArray();
    for (int d = 0; d < s->ndim && a; d++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber((double)s->dims[d]));
    return a;
}

static cJSON *node_json(const Graph *g, const Node *n)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", n->name);
    cJSON_AddStringToObject(o, "op", n->op);
    if (n->domain[0])
        cJSON_AddStringToObject(o, "domain", n->domain);
    cJSON *ins = cJSON_AddArrayToObject(o, "inputs");
    for (int k = 0; k < n->ninputs; k++)
        cJSON_AddItemToArray(ins, cJSON_CreateString(
            n->inputs[k] >= 0 ? g->tensors[n->inputs[k]].name : ""));
    cJSON *outs = cJSON_AddArrayToObject(o, "outputs");
    for (int k = 0; k < n->noutputs; k++) {
        cJSON *t = cJSON_CreateObject();
        int ti = n->outputs[k];
        cJSON_AddStringToObject(t, "name", ti >= 0 ? g->tensors[ti].name : "");
        Shape unk;
        shape_unknown(&unk);
        cJSON_AddItemToObject(t, "shape", shape_json(ti >= 0 ? &g->tensors[ti].shape : &unk));
        cJSON_AddStringToObject(t, "dtype", dtype_name(ti >= 0 ? g->tensors[ti].dtype : 0));
        cJSON_AddItemToArray(outs, t);
    }
    cJSON_AddNumberToObject(o, "flops", n->cost.flops);
    cJSON_AddNumberToObject(o, "params", (double)n->cost.params);
    cJSON_AddNumberToObject(o, "bytes", (double)(n->cost.bytes_read + n->cost.bytes_written));
    cJSON_AddNumberToObject(o, "bytes_read", (double)n->cost.bytes_read);
    cJSON_AddNumberToObject(o, "bytes_written", (double)n->cost.bytes_written);
    cJSON_AddBoolToObject(o, "supported", n->supported);
    return o;
}

Cost kernel_cost(const Graph *g, const Kernel *k)
{
    Cost c = {0};
    for (int i = 0; i < k->nnodes; i++) {
        const Cost *n = &g->nodes[k->nodes[i]].cost;
        c.flops += n->flops;
        c.params += n->params;
        c.bytes_read += n->bytes_read;
        c.bytes_written += n->bytes_written;
    }
    return c;
}

static const char *kernel_rule(const DeviceView *v, const Kernel *k)
{
    return k->rule >= 0 ? v->dev->rules.rules[k->rule].name : "";
}

static const Shape *kernel_shape(const Graph *g, const Kernel *k)
{
    static const Shape unknown = {.ndim = -1};
    return k->output >= 0 ? &g->tensors[k->output].shape : &unknown;
}

static cJSON *device_json(const Graph *g, const DeviceView *v)
{
    cJSON *d = cJSON_CreateObject();
    const RuleSet *rs = &v->dev->rules;
    cJSON_AddStringToObject(d, "name", v->dev->name);
    cJSON_AddStringToObject(d, "runtime", rs->runtime);
    cJSON_AddStringToObject(d, "rules", v->dev->user_copy ? v->dev->user_path
                                                           : v->dev->shipped_path);
    if (v->pred) {
        cJSON_AddNumberToObject(d, "total_ms", v->total_ms);
        cJSON *range = cJSON_AddArrayToObject(d, "total_range_ms");
        cJSON_AddItemToArray(range, cJSON_CreateNumber(v->total_lo));
        cJSON_AddItemToArray(range, cJSON_CreateNumber(v->total_hi));
        cJSON_AddNumberToObject(d, "fallback_kernels", v->nfallback);
    } else {
        cJSON_AddNullToObject(d, "total_ms");
        cJSON_AddStringToObject(d, "latency", v->dev->pred_error[0]
                                                  ? v->dev->pred_error
                                                  : "rules-only device: no predictors");
    }
    if (v->measured_ms) {
        cJSON *m = cJSON_AddObjectToObject(d, "measured");
        cJSON_AddStringToObject(m, "profile", v->measured_from ? v->measured_from : "");
        cJSON_AddNumberToObject(m, "runs", v->measured_runs);
        cJSON_AddNumberToObject(m, "kernel_sum_ms", v->measured_sum_ms);
        cJSON_AddNumberToObject(m, "other_ms", v->measured_other_ms);
        cJSON_AddNumberToObject(m, "unmatched_runtime_kernels", v->measured_unmatched);
    }
    cJSON *ks = cJSON_AddArrayToObject(d, "kernels");
    for (int i = 0; i < v->part.nkernels; i++) {
        const Kernel *k = &v->part.kernels[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", g->nodes[k->anchor].name);
        cJSON_AddStringToObject(o, "type", k->type);
        cJSON_AddStringToObject(o, "ops", k->ops);
        cJSON *nodes = cJSON_AddArrayToObject(o, "nodes");
        for (int j = 0; j < k->nnodes; j++)
            cJSON_AddItemToArray(nodes, cJSON_CreateString(g->nodes[k->nodes[j]].name));
        cJSON_AddItemToObject(o, "output_shape", shape_json(kernel_shape(g, k)));
        cJSON_AddStringToObject(o, "rule", kernel_rule(v, k));
        if (v->pred) {
            const Prediction *p = &v->pred[i];
            cJSON_AddNumberToObject(o, "latency_ms", p->ms);
            cJSON *r = cJSON_AddArrayToObject(o, "range_ms");
            cJSON_AddItemToArray(r, cJSON_CreateNumber(p->lo));
            cJSON_AddItemToArray(r, cJSON_CreateNumber(p->hi));
            static const char *const src[] = {"model", "family", "fallback"};
            cJSON_AddStringToObject(o, "predicted", src[p->source]);
            cJSON_AddStringToObject(o, "predictor", p->key);
        }
        if (v->measured_ms) {
            if (isnan(v->measured_ms[i]))
                cJSON_AddNullToObject(o, "measured_ms");
            else
                cJSON_AddNumberToObject(o, "measured_ms", v->measured_ms[i]);
        }
        Cost c = kernel_cost(g, k);
        cJSON_AddNumberToObject(o, "flops", c.flops);
        cJSON_AddNumberToObject(o, "params", (double)c.params);
        cJSON_AddNumberToObject(o, "bytes", (double)(c.bytes_read + c.bytes_written));
        cJSON_AddItemToArray(ks, o);
    }
    cJSON *fr = cJSON_AddArrayToObject(d, "free_nodes");
    for (int i = 0; i < g->nnodes; i++)
        if (v->part.node_kernel[i] < 0)
            cJSON_AddItemToArray(fr, cJSON_CreateString(g->nodes[i].name));
    return d;
}

static int write_json(FILE *out, const Graph *g, const char *model, const DeviceView *views,
                      int nviews)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return -1;
    cJSON_AddStringToObject(root, "model", model);
    cJSON_AddStringToObject(root, "graph", g->name ? g->name : "");
    cJSON_AddStringToObject(root, "producer", g->producer ? g->producer : "");
    cJSON_AddNumberToObject(root, "ir_version", (double)g->ir_version);
    cJSON *ops = cJSON_AddArrayToObject(root, "opsets");
    for (int k = 0; k < g->nopsets; k++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "domain", g->opsets[k].domain);
        cJSON_AddNumberToObject(o, "version", (double)g->opsets[k].version);
        cJSON_AddItemToArray(ops, o);
    }
    cJSON *ins = cJSON_AddArrayToObject(root, "inputs");
    for (int k = 0; k < g->ninputs; k++) {
        const Tensor *t = &g->tensors[g->inputs[k]];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", t->name);
        cJSON_AddItemToObject(o, "shape", shape_json(&t->shape));
        cJSON_AddStringToObject(o, "dtype", dtype_name(t->dtype));
        cJSON_AddItemToArray(ins, o);
    }
    cJSON *outs = cJSON_AddArrayToObject(root, "outputs");
    for (int k = 0; k < g->noutputs; k++) {
        const Tensor *t = &g->tensors[g->outputs[k]];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", t->name);
        cJSON_AddItemToObject(o, "shape", shape_json(&t->shape));
        cJSON_AddItemToArray(outs, o);
    }
    cJSON *nodes = cJSON_AddArrayToObject(root, "nodes");
    for (int i = 0; i < g->nnodes; i++)
        cJSON_AddItemToArray(nodes, node_json(g, &g->nodes[i]));
    Totals tot = graph_totals(g);
    cJSON *t = cJSON_AddObjectToObject(root, "totals");
    cJSON_AddNumberToObject(t, "nodes", g->nnodes);
    cJSON_AddNumberToObject(t, "flops", tot.flops);
    cJSON_AddNumberToObject(t, "params", tot.params);
    cJSON_AddNumberToObject(t, "bytes", tot.bytes);
    cJSON_AddNumberToObject(t, "unsupported_nodes", tot.unsupported);
    cJSON *unsup = cJSON_AddArrayToObject(root, "unsupported_ops");
    for (int i = 0; i < g->nnodes; i++) {
        const Node *n = &g->nodes[i];
        if (n->supported)
            continue;
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = !g->nodes[j].supported && strcmp(g->nodes[j].op, n->op) == 0 &&
                   strcmp(g->nodes[j].domain, n->domain) == 0;
        if (!seen)
            cJSON_AddItemToArray(unsup, cJSON_CreateString(n->op));
    }
    if (nviews > 0) {
        cJSON *devs = cJSON_AddArrayToObject(root, "devices");
        for (int i = 0; i < nviews; i++)
            cJSON_AddItemToArray(devs, device_json(g, &views[i]));
    }
    cJSON *notes = cJSON_AddArrayToObject(root, "notes");
    for (int k = 0; k < g->nnotes; k++)
        cJSON_AddItemToArray(notes, cJSON_CreateString(g->notes[k]));
    char *s = cJSON_Print(root);
    cJSON_Delete(root);
    if (!s) {
        errno = ENOMEM;
        return -1;
    }
    int rc = fputs(s, out) < 0 || fputc('\n', out) == EOF ? -1 : 0;
    cJSON_free(s);
    return rc;
}

/* ---- CSV ----------------------------------------------------------------- */

/* RFC 4180 quoting: every field quoted, quotes doubled. */
static void csv_field(FILE *out, const char *s, int last)
{
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
    fputc(last ? '\n' : ',', out);
}

static int write_csv_kernels(FILE *out, const Graph *g, const DeviceView *views, int nviews)
{
    int measured = 0;
    for (int d = 0; d < nviews; d++)
        measured |= views[d].measured_ms != NULL;
    fputs("device,index,name,type,ops,output_shape,flops,params,bytes,rule,latency_ms,predicted",
          out);
    fputs(measured ? ",measured_ms\n" : "\n", out);
    for (int d = 0; d < nviews; d++) {
        const DeviceView *v = &views[d];
        for (int i = 0; i < v->part.nkernels; i++) {
            const Kernel *k = &v->part.kernels[i];
            char shp[128];
            shape_format(kernel_shape(g, k), shp, sizeof shp);
            Cost c = kernel_cost(g, k);
            csv_field(out, v->dev->name, 0);
            fprintf(out, "%d,", i);
            csv_field(out, g->nodes[k->anchor].name, 0);
            csv_field(out, k->type, 0);
            csv_field(out, k->ops, 0);
            csv_field(out, shp, 0);
            fprintf(out, "%.0f,%lld,%lld,", c.flops, (long long)c.params,
                    (long long)(c.bytes_read + c.bytes_written));
            csv_field(out, kernel_rule(v, k), 0);
            static const char *const src[] = {"model", "family", "fallback"};
            if (v->pred)
                fprintf(out, "%.6f,%s", v->pred[i].ms, src[v->pred[i].source]);
            else
                fputs(",", out);
            if (measured && v->measured_ms && !isnan(v->measured_ms[i]))
                fprintf(out, ",%.6f", v->measured_ms[i]);
            else if (measured)
                fputs(",", out);
            fputs("\n", out);
        }
    }
    return ferror(out) ? -1 : 0;
}

static int write_csv(FILE *out, const Graph *g)
{
    fputs("index,name,op,domain,output_shapes,flops,params,bytes_read,bytes_written,supported\n",
          out);
    for (int i = 0; i < g->nnodes; i++) {
        const Node *n = &g->nodes[i];
        char shapes[512] = "";
        size_t off = 0;
        for (int k = 0; k < n->noutputs && off < sizeof shapes - 1; k++) {
            char one[128] = "?";
            if (n->outputs[k] >= 0)
                shape_format(&g->tensors[n->outputs[k]].shape, one, sizeof one);
            int w = snprintf(shapes + off, sizeof shapes - off, "%s%s", k ? ";" : "", one);
            if (w < 0)
                break;
            off += (size_t)w;
        }
        fprintf(out, "%d,", i);
        csv_field(out, n->name, 0);
        csv_field(out, n->op, 0);
        csv_field(out, n->domain, 0);
        csv_field(out, shapes, 0);
        fprintf(out, "%.0f,%lld,%lld,%lld,%d\n", n->cost.flops, (long long)n->cost.params,
                (long long)n->cost.bytes_read, (long long)n->cost.bytes_written,
                n->supported ? 1 : 0);
    }
    return ferror(out) ? -1 : 0;
}

/* ---- text ---------------------------------------------------------------- */

static int write_text(FILE *out, const Graph *g, const char *model)
{
    Totals tot = graph_totals(g);
    char fl[32], pa[32], by[32];
    human(tot.flops, fl, sizeof fl);
    human(tot.params, pa, sizeof pa);
    human(tot.bytes, by, sizeof by);
    fprintf(out, "model     %s\n", model);
    if (g->producer && g->producer[0])
        fprintf(out, "producer  %s (IR %lld)\n", g->producer, (long long)g->ir_version);
    for (int k = 0; k < g->ninputs; k++) {
        const Tensor *t = &g->tensors[g->inputs[k]];
        char s[128];
        shape_format(&t->shape, s, sizeof s);
        fprintf(out, "input     %s %s %s\n", t->name, s, dtype_name(t->dtype));
    }
    fprintf(out, "nodes     %d (%d unsupported)\n", g->nnodes, tot.unsupported);
    fprintf(out, "FLOPs     %s   params %s   bytes %s\n\n", fl, pa, by);
    fprintf(out, "%5s  %-32s %-20s %-22s %10s %10s %10s\n", "#", "node", "op", "output",
            "FLOPs", "params", "bytes");
    for (int i = 0; i < g->nnodes; i++) {
        const Node *n = &g->nodes[i];
        char s[128] = "-";
        if (n->noutputs && n->outputs[0] >= 0)
            shape_format(&g->tensors[n->outputs[0]].shape, s, sizeof s);
        human(n->cost.flops, fl, sizeof fl);
        human((double)n->cost.params, pa, sizeof pa);
        human((double)(n->cost.bytes_read + n->cost.bytes_written), by, sizeof by);
        fprintf(out, "%5d  %-32.32s %-20.20s %-22.22s %10s %10s %10s%s\n", i, n->name,
                n->op, s, fl, pa, by, n->supported ? "" : "  (unsupported)");
    }
    for (int k = 0; k < g->nnotes; k++)
        fprintf(out, "%snote: %s\n", k ? "" : "\n", g->notes[k]);
    return ferror(out) ? -1 : 0;
}

static void write_text_device(FILE *out, const Graph *g, const DeviceView *v)
{
    char fl[32];
    fprintf(out, "\ndevice    %s  (%s)\n", v->dev->name, v->dev->rules.runtime);
    fprintf(out, "kernels   %d from %d nodes (%d free)\n", v->part.nkernels, g->nnodes,
            v->part.nfree);
    if (v->pred)
        fprintf(out, "latency   %.3f ms predicted (range %.3f - %.3f)%s\n\n", v->total_ms,
                v->total_lo, v->total_hi,
                v->nfallback ? "; some kernels by the fallback fit (*)" : "");
    else
        fprintf(out, "latency   none: %s\n\n", v->dev->pred_error[0]
                                                     ? v->dev->pred_error
                                                     : "rules-only device, no predictors");
    if (v->measured_ms)
        fprintf(out, "measured  %.3f ms of runtime kernels (median of %d runs) from %s; %.3f ms "
                "on no kernel (layout, free ops, %d unmatched)\n\n", v->measured_sum_ms,
                v->measured_runs, v->measured_from ? v->measured_from : "the profile",
                v->measured_other_ms, v->measured_unmatched);
    fprintf(out, "%5s  %-28s %-14s %-34s %-18s %10s %10s%s\n", "#", "kernel", "type", "ops",
            "output", "FLOPs", "ms", v->measured_ms ? "   measured" : "");
    for (int i = 0; i < v->part.nkernels; i++) {
        const Kernel *k = &v->part.kernels[i];
        char shp[128];
        shape_format(kernel_shape(g, k), shp, sizeof shp);
        human(kernel_cost(g, k).flops, fl, sizeof fl);
        char ms[32] = "-";
        if (v->pred)
            snprintf(ms, sizeof ms, "%.4f%s", v->pred[i].ms,
                     v->pred[i].source == PRED_FALLBACK ? "*" : "");
        char meas[32] = "";
        if (v->measured_ms && isnan(v->measured_ms[i]))
            snprintf(meas, sizeof meas, " %10s", "-");
        else if (v->measured_ms)
            snprintf(meas, sizeof meas, " %10.4f", v->measured_ms[i]);
        fprintf(out, "%5d  %-28.28s %-14.14s %-34.34s %-18.18s %10s %10s%s\n", i,
                g->nodes[k->anchor].name, k->type, k->ops, shp, fl, ms, meas);
    }
}

int report_write(FILE *out, const Graph *g, const char *model, ReportFormat fmt,
                 const DeviceView *views, int nviews)
{
    switch (fmt) {
    case REPORT_JSON: return write_json(out, g, model, views, nviews);
    case REPORT_CSV:
        return nviews > 0 ? write_csv_kernels(out, g, views, nviews) : write_csv(out, g);
    default:
        if (write_text(out, g, model))
            return -1;
        for (int i = 0; i < nviews; i++)
            write_text_device(out, g, &views[i]);
        return ferror(out) ? -1 : 0;
    }
}
