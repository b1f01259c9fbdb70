/* app.c -- the App: screen layout, key and mouse dispatch, prompts.
 *
 * A key goes first to an open prompt (a line being typed, a y/n question),
 * then to the help overlay, then through the key table to the current view,
 * and what the view does not handle to the global actions here (views,
 * devices, filter, sort, quit).
 */
#include "app.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "format.h"
#include "view.h"

#define MIN_COLS 40
#define MIN_ROWS 10

static const View *const views[VIEW_COUNT] = {&kernels_view, &compare_view, &rules_view,
                                              &summary_view};

void app_init(App *a, int cur)
{
    a->cur = cur;
    a->view = VIEW_KERNELS;
    a->sort = SORT_GRAPH;
    a->stale = ~0u;
    a->cursor_y = -1;
}

void app_free(App *a)
{
    for (int v = 0; v < VIEW_COUNT; v++)
        if (views[v]->release)
            views[v]->release(a);
    filter_free(&a->filter);
    session_close(&a->s);
}

Slot *app_slot(App *a)
{
    return a->s.nslots ? &a->s.slots[a->cur] : NULL;
}

void app_message(App *a, ColorRole role, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->message, sizeof a->message, fmt, ap);
    va_end(ap);
    a->message_role = role;
}

void app_changed(App *a)
{
    a->stale = ~0u;
}

void app_set_device(App *a, int slot)
{
    if (slot < 0 || slot >= a->s.nslots)
        return;
    a->cur = slot;
    a->kv.detail_top = 0;
    app_changed(a);
}

const char *app_unit(const Slot *sl)
{
    return slot_latency(sl) ? "ms" : "FLOPs";
}

void app_fmt_value(const Slot *sl, double v, char *buf, size_t len)
{
    if (slot_latency(sl))
        fmt_ms(v, buf, len);
    else
        fmt_si(v, buf, len);
}

/* ---- prompts ------------------------------------------------------------- */

void app_prompt(App *a, PromptKind kind, const char *label, const char *text)
{
    Prompt *p = &a->prompt;
    p->kind = kind;
    p->owner = a->view;
    snprintf(p->label, sizeof p->label, "%s", label);
    le_set(&p->edit, text);
    p->error[0] = 0;
    p->error_col = 0;
    snprintf(p->before, sizeof p->before, "%s", a->filter.pattern);
}

void app_confirm(App *a, const char *question, void (*on_yes)(App *a))
{
    app_prompt(a, PROMPT_CONFIRM, question, "");
    a->prompt.on_yes = on_yes;
}

void app_draw_edit(App *a, int y, int x, int w)
{
    Prompt *p = &a->prompt;
    p->field_x = x;
    p->field_scroll = le_draw(&p->edit, y, x, w, crt_attr(C_EDIT));
    getyx(stdscr, a->cursor_y, a->cursor_x);
}

void app_draw_edit_error(App *a, int y)
{
    Prompt *p = &a->prompt;
    if (!p->error[0])
        return;
    int x = p->field_x;
    if (p->error_col > 0)
        x += le_column(&p->edit, p->error_col - 1) - p->field_scroll;
    if (x < 0 || x >= a->cols)
        x = p->field_x;
    char msg[400];
    snprintf(msg, sizeof msg, "column %d: %s", p->error_col, p->error);
    draw_fill(y, 0, a->cols, crt_attr(C_NORMAL));
    draw_text(y, x, 1, crt_attr(C_ERROR), "^");
    int right = a->cols - x - 2, left = x - 1, len = text_width(msg);
    if (len <= right || right >= left) /* after the caret, or where there is more room */
        draw_cell(y, x + 2, right, crt_attr(C_ERROR), ALIGN_LEFT, msg);
    else
        draw_cell(y, 0, left, crt_attr(C_ERROR), ALIGN_RIGHT, msg);
}

void app_set_filter(App *a, const char *pattern)
{
    char err[300];
    int col;
    if (filter_set(&a->filter, pattern, err, sizeof err, &col) == 0)
        app_changed(a);
}

static void filter_changed(App *a)
{
    Prompt *p = &a->prompt;
    p->error[0] = 0;
    p->error_col = 0;
    if (filter_set(&a->filter, p->edit.buf, p->error, sizeof p->error, &p->error_col) == 0)
        app_changed(a);
}

static void prompt_close(App *a)
{
    a->prompt.kind = PROMPT_NONE;
}

static void prompt_line(App *a, LineEditResult r)
{
    Prompt *p = &a->prompt;
    const View *owner = views[p->owner];
    if (r == LE_CHANGED) {
        if (p->kind == PROMPT_FILTER)
            filter_changed(a);
        else if (owner->prompt_changed)
            owner->prompt_changed(a);
    } else if (r == LE_ACCEPT) {
        if (p->kind != PROMPT_FILTER && owner->prompt_accept)
            owner->prompt_accept(a); /* closes the prompt when it applied */
        else if (!p->error[0])
            prompt_close(a);
    } else if (r == LE_CANCEL) {
        if (p->kind == PROMPT_FILTER)
            app_set_filter(a, p->before);
        prompt_close(a);
    }
}

static void prompt_key(App *a, int key)
{
    Prompt *p = &a->prompt;
    if (key == KEYCODE(KEY_MOUSE)) {
        MEVENT ev;
        getmouse(&ev); /* consumed: a prompt wants the keyboard */
        return;
    }
    if (key == KEYCODE(KEY_RESIZE))
        return;
    if (p->kind == PROMPT_CONFIRM) {
        prompt_close(a);
        if (key == 'y' || key == 'Y')
            p->on_yes(a);
        else
            app_message(a, C_DIM, "cancelled");
        return;
    }
    prompt_line(a, le_key(&p->edit, key));
}

/* ---- actions ------------------------------------------------------------- */

static int dirty_slot(const App *a)
{
    for (int i = 0; i < a->s.nslots; i++)
        if (a->s.slots[i].dirty)
            return i;
    return -1;
}

static void quit_yes(App *a)
{
    a->quit = 1;
}

static void quit(App *a)
{
    int d = dirty_slot(a);
    if (d < 0) {
        a->quit = 1;
        return;
    }
    char q[200];
    snprintf(q, sizeof q, "The rules of %s are changed and not saved (w saves). Quit anyway? (y/n)",
             a->s.slots[d].dev.name);
    app_confirm(a, q, quit_yes);
}

static void cycle_device(App *a, int step)
{
    int n = a->s.nslots;
    if (n < 2)
        return;
    app_set_device(a, ((a->cur + step) % n + n) % n);
}

static void set_view(App *a, ViewId v)
{
    a->view = v;
}

static int global_action(App *a, Action act)
{
    switch (act) {
    case CMD_QUIT: quit(a); return 1;
    case CMD_HELP: a->help = 1; a->help_top = 0; return 1;
    case CMD_REDRAW: clearok(curscr, TRUE); return 1;
    case CMD_RESIZE: return 1;
    case CMD_NEXT_VIEW: set_view(a, (ViewId)((a->view + 1) % VIEW_COUNT)); return 1;
    case CMD_PREV_VIEW: set_view(a, (ViewId)((a->view + VIEW_COUNT - 1) % VIEW_COUNT)); return 1;
    case CMD_VIEW1: case CMD_VIEW2: case CMD_VIEW3: case CMD_VIEW4:
        set_view(a, (ViewId)(act - CMD_VIEW1));
        return 1;
    case CMD_DEVICE: case CMD_RIGHT: cycle_device(a, 1); return 1;
    case CMD_LEFT: cycle_device(a, -1); return 1;
    case CMD_SORT:
        a->sort = (SortKey)((a->sort + 1) % SORT_COUNT);
        app_changed(a);
        return 1;
    case CMD_FILTER: app_prompt(a, PROMPT_FILTER, "filter (PCRE2): ", a->filter.pattern); return 1;
    case CMD_ESCAPE:
        if (filter_on(&a->filter))
            app_set_filter(a, "");
        return 1;
    default: return 0;
    }
}

static void run_action(App *a, Action act)
{
    if (act == CMD_NONE)
        return;
    if (!a->s.g && act != CMD_QUIT && act != CMD_HELP)
        return; /* no model: only the error, help and quit */
    if (!views[a->view]->action(a, act))
        global_action(a, act);
}

/* ---- mouse --------------------------------------------------------------- */

static int hit(const HitBox *boxes, int n, int x)
{
    for (int i = 0; i < n; i++)
        if (x >= boxes[i].x && x < boxes[i].x + boxes[i].w)
            return i;
    return -1;
}

static void mouse(App *a)
{
    MEVENT ev;
    if (getmouse(&ev) != OK)
        return;
    if (a->help) {
        a->help = 0;
        return;
    }
    int button = ev.bstate & BUTTON4_PRESSED ? 4 : ev.bstate & BUTTON5_PRESSED ? 5
               : ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED) ? 1 : 0;
    if (!button)
        return;
    if (button == 1 && ev.y == a->body_top - 1) {
        int t = hit(a->tabs, VIEW_COUNT, ev.x);
        if (t >= 0)
            set_view(a, (ViewId)t);
    } else if (button == 1 && ev.y == a->rows - 1) {
        int f = hit(a->fkeys, a->nfkeys, ev.x);
        if (f >= 0)
            run_action(a, a->fkeys[f].action);
    } else if (ev.y >= a->body_top && ev.y < a->body_top + a->body_h && a->s.g) {
        views[a->view]->click(a, ev.y, ev.x, button);
    }
}

static void help_key(App *a, int key)
{
    Action act = keys_lookup(key, a->view);
    int page = a->rows > 6 ? a->rows - 6 : 1;
    switch (act) {
    case CMD_UP: a->help_top--; break;
    case CMD_DOWN: a->help_top++; break;
    case CMD_PGUP: a->help_top -= page; break;
    case CMD_PGDN: a->help_top += page; break;
    case CMD_HOME: a->help_top = 0; break;
    case CMD_RESIZE: break;
    case CMD_MOUSE: mouse(a); break;
    default: a->help = 0; break;
    }
    if (a->help_top < 0)
        a->help_top = 0;
}

void app_key(App *a, int key)
{
    if (a->prompt.kind != PROMPT_NONE) {
        prompt_key(a, key);
        return;
    }
    a->message[0] = 0;
    if (a->help) {
        help_key(a, key);
        return;
    }
    Action act = keys_lookup(key, a->view);
    if (act == CMD_MOUSE)
        mouse(a);
    else
        run_action(a, act);
}

/* ---- drawing ------------------------------------------------------------- */

static void draw_no_model(App *a)
{
    int y = a->body_top + 1, w = a->cols - 4;
    draw_text(y, 2, w, crt_attr(C_ERROR), "The model could not be opened:");
    draw_text(y + 2, 4, w - 2, crt_attr(C_NORMAL), a->s.error);
    draw_text(y + 4, 2, w, crt_attr(C_DIM),
              "Usage: nnmeter-tui [--device NAME ...] [--input NAME=DIMS ...] [MODEL.onnx]");
    draw_text(y + 5, 2, w, crt_attr(C_DIM), "Press q to quit, ? for help.");
}

void app_draw(App *a)
{
    getmaxyx(stdscr, a->rows, a->cols);
    erase();
    a->cursor_y = -1;
    if (a->rows < MIN_ROWS || a->cols < MIN_COLS) {
        draw_textf(0, 0, a->cols, crt_attr(C_ERROR), "terminal too small (%dx%d, need %dx%d)",
                   a->cols, a->rows, MIN_COLS, MIN_ROWS);
        return;
    }
    a->body_top = 3;
    a->body_h = a->rows - a->body_top - 1;
    if (a->s.g) /* first: the header shows what the view counted */
        views[a->view]->draw(a, a->body_top, a->body_h);
    else
        draw_no_model(a);
    header_draw(a);
    tabs_draw(a, 2);
    funcbar_draw(a);
    if (a->help)
        help_draw(a);
    if (a->cursor_y >= 0 && !a->help) {
        curs_set(1);
        move(a->cursor_y, a->cursor_x);
    } else {
        curs_set(0);
    }
}
