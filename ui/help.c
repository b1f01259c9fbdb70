/* help.c -- the ? overlay: what the program shows, and every key.
 *
 * The key list is generated from the key table (keys.c): bindings with
 * the same action, help and views are merged into one row ("Up k").  A
 * new user should find every feature here without the README.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "textout.h"
#include "view.h"

/* The text before the keys: headings (text NULL), paragraphs (term NULL)
 * and definitions (term, text); wrapped to the width of the overlay. */
static const struct {
    const char *term, *text;
} intro[] = {
    {NULL, "nnmeter-tui predicts a neural network's latency kernel by kernel (nn-Meter, "
           "MobiSys'21): a runtime fuses chains of ONNX ops into kernels by its device's "
           "rules, and each kernel gets a latency from the device's predictors."},
    {"VIEWS", NULL},
    {"1 Kernels", "one row per kernel: type, member ops, output shape, FLOPs, predicted ms, "
                  "% of total, cumulative %, latency bar. Enter opens the detail pane."},
    {"2 Compare", "2-4 devices side by side, rows aligned by the ONNX nodes they cover: a "
                  "chain fused on one device and split on another is one block of rows, "
                  "marked in the gutter; highlighted rows differ most in their share of the "
                  "time. Totals and ratios on top; n adds a 'no fusion' variant."},
    {"3 Rules", "the device's fusion rules. Every change re-detects the kernels and "
                "re-predicts at once, and shows the new total and kernel count with the "
                "delta against the saved rules."},
    {"4 Summary", "kernels grouped by type: count, FLOPs, time, share."},
    {"NOTES", NULL},
    {NULL, "Bars show predicted latency, or FLOPs when the device has no predictors (the "
           "header says so). ms* = predicted by the roofline fallback (no trained model "
           "for that kernel)."},
    {NULL, "Rule patterns are regexes over op tokens (conv dwconv gconv bn relu relu6 hswish "
           "add mul fc matmul layernorm ...), '.' for any op, and ( ) | ? * + {m,n}; "
           "e.g. conv bn? (relu | relu6)?"},
    {NULL, "Saved rules go to $XDG_CONFIG_HOME/nnmeter/rules/DEVICE.rules (default "
           "~/.config), which then takes precedence; the shipped rule files are never "
           "changed."},
    {NULL, "Command line: nnmeter-tui [--device NAME ...] [--input NAME=DIMS ...] "
           "[--profile ORT_PROFILE.json] [MODEL.onnx] (no model: a bundled sample); "
           "--report prints the analysis instead. With --profile, measured devices show "
           "each kernel's measured time (meas column, detail pane) beside the prediction."},
    {"KEYS", NULL},
};

static void scope(unsigned views, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = 0;
    if (views == IN_ALL) {
        snprintf(buf, len, "all views");
        return;
    }
    for (int v = 0; v < VIEW_COUNT; v++)
        if (views & (1u << v)) {
            int n = snprintf(buf + off, len - off, "%s%s", off ? ", " : "", view_name((ViewId)v));
            off += n > 0 ? (size_t)n : 0;
        }
}

static int same_row(const KeyBinding *a, const KeyBinding *b)
{
    return a->action == b->action && a->views == b->views && a->help && b->help &&
           strcmp(a->help, b->help) == 0;
}

/* The keys of the row starting at binding i ("Up k"); 0 when an earlier
 * binding already listed this row. */
static int row_keys(int i, char *buf, size_t len)
{
    for (int j = 0; j < i; j++)
        if (same_row(&key_table[j], &key_table[i]))
            return 0;
    size_t off = 0;
    for (int j = i; j < key_count; j++)
        if (same_row(&key_table[j], &key_table[i])) {
            int n = snprintf(buf + off, len - off, "%s%s", off ? " " : "", key_table[j].label);
            off += n > 0 && (size_t)n < len - off ? (size_t)n : 0;
        }
    return 1;
}

static void layout_intro(TextOut *o)
{
    int n = (int)(sizeof intro / sizeof *intro);
    for (int i = 0; i < n; i++) {
        if (!intro[i].text) {
            o->line++;
            out_text(o, 1, o->w - 2, crt_attr(C_TITLE), intro[i].term);
        } else if (!intro[i].term) {
            out_wrapped(o, 1, o->w - 2, crt_attr(C_NORMAL), intro[i].text);
        } else {
            out_text(o, 3, 10, crt_attr(C_FKEY), intro[i].term);
            out_wrapped(o, 14, o->w - 15, crt_attr(C_NORMAL), intro[i].text);
        }
        o->line++;
    }
}

static void layout(TextOut *o)
{
    layout_intro(o);
    int kw = 16, sw = o->w >= 100 ? 26 : 0;
    int hw = o->w - 3 - kw - sw - 2;
    for (int i = 0; i < key_count; i++) {
        char keys[64], where[64];
        if (!key_table[i].help || !row_keys(i, keys, sizeof keys))
            continue;
        out_text(o, 3, kw, crt_attr(C_FKEY), keys);
        if (sw) {
            scope(key_table[i].views, where, sizeof where);
            out_text(o, o->w - sw - 1, sw, crt_attr(C_DIM), where);
        } else if (key_table[i].views != IN_ALL) {
            scope(key_table[i].views, where, sizeof where);
            char both[400];
            snprintf(both, sizeof both, "%s [%s]", key_table[i].help, where);
            out_wrapped(o, 3 + kw, hw, crt_attr(C_NORMAL), both);
            o->line++;
            continue;
        }
        out_wrapped(o, 3 + kw, hw, crt_attr(C_NORMAL), key_table[i].help);
        o->line++;
    }
    o->line++;
    out_text(o, 1, o->w - 2, crt_attr(C_DIM), "Up/Down/PgUp/PgDn scroll, any other key closes.");
    o->line++;
}

void help_draw(App *a)
{
    int y0 = 0, x0 = 0;
    int h = a->rows - 1, w = a->cols;
    TextOut count = {y0 + 1, 0, x0 + 1, w - 2, 0, 0};
    layout(&count);
    int inner = h - 2, max_top = count.line - inner;
    if (a->help_top > max_top)
        a->help_top = max_top > 0 ? max_top : 0;
    for (int y = y0; y < y0 + h; y++)
        draw_fill(y, x0, w, crt_attr(C_NORMAL));
    attrset(crt_attr(C_HEADER));
    mvhline(y0, x0, crt_utf8() ? ACS_HLINE : '-', w);
    mvhline(y0 + h - 1, x0, crt_utf8() ? ACS_HLINE : '-', w);
    attrset(A_NORMAL);
    draw_text(y0, x0 + 2, w - 4, crt_attr(C_TITLE), " Help (? or F1) ");
    TextOut o = {y0 + 1, inner, x0 + 1, w - 2, 0, a->help_top};
    layout(&o);
}
