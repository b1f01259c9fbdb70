/* funcbar.c -- the bottom line (htop's FunctionBar).
 *
 * Normally the key hints of the current view, generated from the key
 * table and clickable.  While a line is typed it is the prompt (with the
 * error, if any, on the line above); after an action, its message until
 * the next key; for a question, the question.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "view.h"

static int shown_already(const App *a, Action act)
{
    for (int i = 0; i < a->nfkeys; i++)
        if (a->fkeys[i].action == act)
            return 1;
    return 0;
}

static void hints(App *a, int y)
{
    int x = 0;
    a->nfkeys = 0;
    draw_fill(y, 0, a->cols, crt_attr(C_FLABEL));
    for (int i = 0; i < key_count && a->nfkeys < MAX_HITS; i++) {
        const KeyBinding *b = &key_table[i];
        if (!b->hint || !(b->views & (1u << a->view)) || shown_already(a, b->action))
            continue;
        int need = text_width(b->label) + text_width(b->hint) + 2;
        if (x + need > a->cols)
            break;
        int x0 = x;
        x += draw_text(y, x, a->cols - x, crt_attr(C_FKEY), b->label);
        x += draw_text(y, x, a->cols - x, crt_attr(C_FLABEL), " ");
        x += draw_text(y, x, a->cols - x, crt_attr(C_FLABEL), b->hint);
        x += draw_text(y, x, a->cols - x, crt_attr(C_FLABEL), " ");
        a->fkeys[a->nfkeys++] = (HitBox){x0, x - x0, b->action};
    }
}

static void prompt_line(App *a, int y)
{
    Prompt *p = &a->prompt;
    draw_fill(y, 0, a->cols, crt_attr(C_NORMAL));
    if (p->kind == PROMPT_CONFIRM) {
        draw_text(y, 0, a->cols, crt_attr(C_WARN), p->label);
        return;
    }
    if (p->kind == PROMPT_PATTERN) { /* the editor is in the rule's row */
        draw_text(y, 0, a->cols, crt_attr(C_DIM),
                  "Enter applies  Esc cancels  pattern: op tokens, '.', ( ) | ? * + {m,n}");
        return;
    }
    int x = draw_text(y, 0, a->cols, crt_attr(C_HEADER), p->label);
    app_draw_edit(a, y, x, a->cols - x);
    app_draw_edit_error(a, y - 1);
}

void funcbar_draw(App *a)
{
    int y = a->rows - 1;
    a->nfkeys = 0;
    if (a->prompt.kind != PROMPT_NONE)
        prompt_line(a, y);
    else if (a->message[0]) {
        draw_fill(y, 0, a->cols, crt_attr(C_NORMAL));
        draw_text(y, 0, a->cols, crt_attr(a->message_role), a->message);
    } else
        hints(a, y);
}
