/* rules_view.c -- view 3: the current device's fusion rules, edited live.
 *
 * One row per rule: on/off, name, kernel type, how many kernels it makes
 * in this model and their time, and its pattern.  Every change (space
 * toggles, e edits the pattern in place, a adds, D deletes) re-detects and
 * re-predicts at once; the status line shows the kernel count and total
 * now, with the saved rules, and the difference.  A pattern that does not
 * compile shows its error under the column it points at and is not
 * applied.  w saves the user copy, u reverts to the saved rules, U goes
 * back to the shipped file (moving the user copy aside).
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "ruleedit.h"
#include "view.h"

enum { R_ON, R_NAME, R_KERNEL, R_COUNT, R_VALUE, R_PCT, R_PATTERN, R_NCOLS };

static const Column columns[R_NCOLS] = {
    [R_ON] = {"on", 3, 0, 0, ALIGN_LEFT},
    [R_NAME] = {"rule", 16, 0, 0, ALIGN_LEFT},
    [R_KERNEL] = {"kernel", 9, 0, 3, ALIGN_LEFT},
    [R_COUNT] = {"kernels", 7, 0, 0, ALIGN_RIGHT},
    [R_VALUE] = {"ms", 7, 0, 2, ALIGN_RIGHT},
    [R_PCT] = {"%", 5, 0, 1, ALIGN_RIGHT},
    [R_PATTERN] = {"pattern", 20, 1, 0, ALIGN_LEFT},
};

#define HEAD_LINES 3 /* file; now and saved; delta and free ops */

static Slot *editable(App *a)
{
    Slot *sl = app_slot(a);
    if (!sl || !sl->ok || sl->base >= 0) {
        app_message(a, C_WARN, "%s has no rules to edit", sl ? sl->dev.name : "no device");
        return NULL;
    }
    panel_set_count(&a->rv.panel, sl->dev.rules.nrules); /* the device may have changed */
    return sl;
}

/* ---- the head: file, totals now and saved, delta ------------------------ */

static void draw_head(App *a, const Slot *sl, int top)
{
    char buf[900], now[32], saved[32], delta[32];
    snprintf(buf, sizeof buf, "%s: %s (%s)%s", sl->dev.name, sl->dev.rules.path,
             sl->dev.user_copy ? "your saved copy" : "shipped", sl->dirty ? "  [modified]" : "");
    draw_text(top, 0, a->cols, crt_attr(sl->dirty ? C_WARN : C_HEADER), buf);
    const char *unit = app_unit(sl);
    double dv = sl->total_value - sl->saved_total;
    app_fmt_value(sl, sl->total_value, now, sizeof now);
    app_fmt_value(sl, sl->saved_total, saved, sizeof saved);
    app_fmt_value(sl, dv, delta, sizeof delta);
    snprintf(buf, sizeof buf, "now: %d kernels, total %s %s   saved: %d kernels, %s %s",
             sl->view.part.nkernels, now, unit, sl->saved_kernels, saved, unit);
    draw_text(top + 1, 0, a->cols, crt_attr(C_VALUE), buf);
    int x = draw_textf(top + 2, 0, a->cols, crt_attr(sl->dirty ? C_WARN : C_NORMAL),
                       "delta: %+d kernels, %s%s %s (%+.1f%%)",
                       sl->view.part.nkernels - sl->saved_kernels, dv > 0 ? "+" : "", delta, unit,
                       sl->saved_total > 0 ? 100 * dv / sl->saved_total : 0.0);
    size_t off = (size_t)snprintf(buf, sizeof buf, "   free ops:");
    for (int i = 0; i < sl->dev.rules.nfree && off < sizeof buf; i++)
        off += (size_t)snprintf(buf + off, sizeof buf - off, " %s", sl->dev.rules.free_tokens[i]);
    draw_text(top + 2, x, a->cols - x, crt_attr(C_DIM), sl->dev.rules.nfree ? buf : "");
}

/* ---- rows ---------------------------------------------------------------- */

static void rule_stats(const Slot *sl, int r, int *count, double *value)
{
    *count = 0;
    *value = 0;
    for (int k = 0; k < sl->view.part.nkernels; k++)
        if (sl->view.part.kernels[k].rule == r) {
            (*count)++;
            *value += sl->value[k];
        }
}

static void draw_rule(App *a, const Slot *sl, int r, int y, const int *x, const int *w)
{
    const Rule *rule = &sl->dev.rules.rules[r];
    int sel = r == a->rv.panel.selected;
    int attr = crt_attr(sel ? C_SELECTED : rule->enabled ? C_NORMAL : C_DIM);
    if (sel)
        draw_fill(y, 0, a->cols, attr);
    char buf[64];
    draw_cell(y, x[R_ON], w[R_ON], attr, ALIGN_LEFT, rule->enabled ? "[x]" : "[ ]");
    draw_cell(y, x[R_NAME], w[R_NAME], attr, ALIGN_LEFT, rule->name);
    draw_cell(y, x[R_KERNEL], w[R_KERNEL], attr, ALIGN_LEFT, rule->kernel);
    int count;
    double value;
    rule_stats(sl, r, &count, &value);
    snprintf(buf, sizeof buf, "%d", count);
    draw_cell(y, x[R_COUNT], w[R_COUNT], attr, ALIGN_RIGHT, buf);
    if (count)
        app_fmt_value(sl, value, buf, sizeof buf);
    else
        snprintf(buf, sizeof buf, "-");
    draw_cell(y, x[R_VALUE], w[R_VALUE], attr, ALIGN_RIGHT, buf);
    snprintf(buf, sizeof buf, "%.1f", sl->sum_value > 0 ? 100 * value / sl->sum_value : 0);
    draw_cell(y, x[R_PCT], w[R_PCT], attr, ALIGN_RIGHT, buf);
    if (sel && a->prompt.kind == PROMPT_PATTERN) {
        app_draw_edit(a, y, x[R_PATTERN], w[R_PATTERN]);
    } else {
        draw_cell(y, x[R_PATTERN], w[R_PATTERN], attr, ALIGN_LEFT, rule->pattern);
    }
}

/* The selected rule's other clauses, and a reminder of the language. */
static void draw_foot(App *a, const Slot *sl, int y)
{
    static const char *side_names[] = {"const", "same-shape", "any"};
    char buf[600] = "";
    if (sl->dev.rules.nrules) {
        const Rule *r = &sl->dev.rules.rules[a->rv.panel.selected];
        size_t off = (size_t)snprintf(buf, sizeof buf, "%s: %s", r->name,
                                      r->line ? "" : "added here; ");
        if (r->line)
            off += (size_t)snprintf(buf + off, sizeof buf - off, "line %d; ", r->line);
        for (int i = 0; i < r->nsides && off < sizeof buf; i++)
            off += (size_t)snprintf(buf + off, sizeof buf - off, "side %s %s; ", r->sides[i].token,
                                    side_names[r->sides[i].kind]);
        if (r->dtype && off < sizeof buf)
            off += (size_t)snprintf(buf + off, sizeof buf - off, "dtype %s; ", dtype_name(r->dtype));
        if (r->align && off < sizeof buf)
            snprintf(buf + off, sizeof buf - off, "align %d; ", r->align);
    }
    draw_text(y, 0, a->cols, crt_attr(C_DIM), buf);
    draw_text(y + 1, 0, a->cols, crt_attr(C_DIM),
              "patterns: op tokens (conv dwconv bn relu add fc ...), '.', ( ) | ? * + {m,n};  "
              "later ops take side inputs only as 'side' allows");
}

static void draw_problem(App *a, const Slot *sl, int top)
{
    int w = a->cols - 4;
    if (sl->base >= 0) {
        draw_textf(top + 1, 2, w, crt_attr(C_NORMAL), "%s has no rules: every op is its own "
                   "kernel, predicted with %s's predictors.", sl->dev.name,
                   a->s.slots[sl->base].dev.name);
        return;
    }
    draw_textf(top + 1, 2, w, crt_attr(C_ERROR), "The rules of %s could not be loaded:",
               sl->dev.name);
    draw_text(top + 3, 4, w - 2, crt_attr(C_NORMAL), sl->error);
    draw_text(top + 5, 2, w, crt_attr(C_DIM),
              "U loads the shipped rules (a broken copy of yours is moved to DEVICE.rules~).");
}

static void draw(App *a, int top, int height)
{
    Slot *sl = app_slot(a);
    if (!sl)
        return;
    if (!sl->ok || sl->base >= 0 || !sl->has_view) {
        draw_problem(a, sl, top);
        return;
    }
    draw_head(a, sl, top);
    Column cols[R_NCOLS];
    memcpy(cols, columns, sizeof cols);
    cols[R_VALUE].title = slot_latency(sl) ? "ms" : "FLOPs";
    int x[R_NCOLS], w[R_NCOLS];
    table_layout(cols, R_NCOLS, a->cols, x, w);
    table_header(cols, R_NCOLS, x, w, top + HEAD_LINES, a->cols, -1, "");
    int foot = height > 12 ? 2 : 0;
    int rows = height - HEAD_LINES - 1 - foot;
    RulesState *rv = &a->rv;
    panel_set_count(&rv->panel, sl->dev.rules.nrules);
    panel_set_height(&rv->panel, rows);
    rv->list_top = top + HEAD_LINES + 1;
    for (int line = 0; line < rows; line++) {
        int r = panel_row_at(&rv->panel, line);
        if (r >= 0)
            draw_rule(a, sl, r, rv->list_top + line, x, w);
    }
    if (!sl->dev.rules.nrules)
        draw_text(rv->list_top + 1, 2, a->cols - 4, crt_attr(C_DIM), "No rules: a adds one.");
    if (foot)
        draw_foot(a, sl, top + height - 2);
    if (a->prompt.kind == PROMPT_PATTERN) /* under the edited row, over the next */
        app_draw_edit_error(a, rv->list_top + rv->panel.selected - rv->panel.top + 1);
}

/* ---- changes ------------------------------------------------------------- */

/* Re-runs detection and prediction, and says what changed. */
static void changed(App *a, const char *what)
{
    Slot *sl = app_slot(a);
    int n0 = sl->view.part.nkernels;
    double v0 = sl->total_value;
    if (session_update(&a->s, a->cur)) {
        app_message(a, C_ERROR, "%s", sl->error);
        return;
    }
    app_changed(a);
    char before[32], after[32];
    app_fmt_value(sl, v0, before, sizeof before);
    app_fmt_value(sl, sl->total_value, after, sizeof after);
    app_message(a, C_OK, "%s: kernels %d -> %d, total %s -> %s %s", what, n0,
                sl->view.part.nkernels, before, after, app_unit(sl));
}

static void toggle(App *a)
{
    Slot *sl = editable(a);
    if (!sl || !sl->dev.rules.nrules)
        return;
    Rule *r = &sl->dev.rules.rules[a->rv.panel.selected];
    r->enabled = !r->enabled;
    char what[120];
    snprintf(what, sizeof what, "%s %s", r->name, r->enabled ? "on" : "off");
    changed(a, what);
}

static void delete_rule(App *a)
{
    Slot *sl = editable(a);
    if (!sl || !sl->dev.rules.nrules)
        return;
    char what[120];
    snprintf(what, sizeof what, "deleted %s (u reverts)",
             sl->dev.rules.rules[a->rv.panel.selected].name);
    ruleset_delete(&sl->dev.rules, a->rv.panel.selected);
    panel_set_count(&a->rv.panel, sl->dev.rules.nrules);
    changed(a, what);
}

static void file_result(App *a, int rc, const char *msg)
{
    app_changed(a);
    app_message(a, rc ? C_ERROR : C_OK, "%s", msg);
}

static void reset_yes(App *a)
{
    char msg[900];
    int rc = session_reset(&a->s, a->cur, msg, sizeof msg);
    file_result(a, rc, msg);
}

static void file_action(App *a, Action act)
{
    char msg[900];
    Slot *sl = app_slot(a);
    if (act == CMD_RESET) {
        if (sl && sl->base < 0)
            app_confirm(a, "Load the shipped rules (your saved copy, if any, is moved to "
                           "DEVICE.rules~)? (y/n)", reset_yes);
        return;
    }
    if (!editable(a))
        return;
    int rc = act == CMD_SAVE ? session_save(&a->s, a->cur, msg, sizeof msg)
                             : session_revert(&a->s, a->cur, msg, sizeof msg);
    file_result(a, rc, msg);
}

static int action(App *a, Action act)
{
    if (panel_action(&a->rv.panel, act))
        return 1;
    Slot *sl;
    switch (act) {
    case CMD_TOGGLE: toggle(a); return 1;
    case CMD_DELETE: delete_rule(a); return 1;
    case CMD_EDIT:
        if ((sl = editable(a)) && sl->dev.rules.nrules)
            app_prompt(a, PROMPT_PATTERN, "pattern: ",
                       sl->dev.rules.rules[a->rv.panel.selected].pattern);
        return 1;
    case CMD_ADD:
        if (editable(a))
            app_prompt(a, PROMPT_ADD, "new rule (NAME -> KERNEL : PATTERN): ", "");
        return 1;
    case CMD_SAVE: case CMD_REVERT: case CMD_RESET: file_action(a, act); return 1;
    default: return 0;
    }
}

/* ---- prompts ------------------------------------------------------------- */

static int check(App *a)
{
    Prompt *p = &a->prompt;
    p->error[0] = 0;
    p->error_col = 0;
    if (p->kind == PROMPT_PATTERN)
        return rule_check_pattern(p->edit.buf, p->error, sizeof p->error, &p->error_col);
    RuleSet scratch;
    memset(&scratch, 0, sizeof scratch);
    int rc = ruleset_add(&scratch, p->edit.buf, p->error, sizeof p->error, &p->error_col);
    rules_free(&scratch);
    return rc;
}

static void prompt_changed(App *a)
{
    check(a);
}

static void prompt_accept(App *a)
{
    Prompt *p = &a->prompt;
    Slot *sl = app_slot(a);
    if (check(a))
        return; /* the error stays on screen; nothing applied */
    char what[200];
    if (p->kind == PROMPT_PATTERN) {
        Rule *r = &sl->dev.rules.rules[a->rv.panel.selected];
        if (rule_set_pattern(r, p->edit.buf, p->error, sizeof p->error, &p->error_col))
            return;
        snprintf(what, sizeof what, "pattern of %s changed", r->name);
    } else {
        if (ruleset_add(&sl->dev.rules, p->edit.buf, p->error, sizeof p->error, &p->error_col))
            return;
        snprintf(what, sizeof what, "added %s", sl->dev.rules.rules[sl->dev.rules.nrules - 1].name);
        panel_set_count(&a->rv.panel, sl->dev.rules.nrules);
        panel_select(&a->rv.panel, sl->dev.rules.nrules - 1);
    }
    p->kind = PROMPT_NONE;
    changed(a, what);
}

static void click(App *a, int y, int x, int button)
{
    RulesState *rv = &a->rv;
    if (button != 1) {
        panel_select(&rv->panel, rv->panel.selected + (button == 4 ? -3 : 3));
        return;
    }
    int r = panel_row_at(&rv->panel, y - rv->list_top);
    if (r < 0)
        return;
    panel_select(&rv->panel, r);
    if (x < columns[R_ON].width) /* the [x] box */
        toggle(a);
}

const View rules_view = {VIEW_RULES, draw, action, click, prompt_changed, prompt_accept, NULL};
