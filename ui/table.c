/* table.c -- column layout for the table views (see view.h).
 *
 * Columns are data: a minimum width, a flex share of the spare width, and
 * a priority saying which columns go first when the terminal is narrow,
 * so the same table reads at 80 columns and at 200.
 */
#include "view.h"

#include <curses.h>

static int needed(const Column *cols, int n, const int *on)
{
    int sum = 0, k = 0;
    for (int i = 0; i < n; i++)
        if (on[i]) {
            sum += cols[i].width;
            k++;
        }
    return sum + (k ? k - 1 : 0);
}

/* Hides the highest-priority-number column that is still shown. */
static int drop_one(const Column *cols, int n, int *on)
{
    int worst = -1;
    for (int i = 0; i < n; i++)
        if (on[i] && cols[i].prio > 0 && (worst < 0 || cols[i].prio > cols[worst].prio))
            worst = i;
    if (worst < 0)
        return 0;
    on[worst] = 0;
    return 1;
}

void table_layout(const Column *cols, int n, int total, int *x, int *w)
{
    int on[TABLE_MAX_COLS];
    for (int i = 0; i < n; i++)
        on[i] = cols[i].width > 0; /* width 0: not wanted now */
    while (needed(cols, n, on) > total && drop_one(cols, n, on))
        ;
    int spare = total - needed(cols, n, on), shares = 0;
    for (int i = 0; i < n; i++)
        shares += on[i] ? cols[i].flex : 0;
    int pos = 0, given = 0, seen = 0;
    for (int i = 0; i < n; i++) {
        w[i] = 0;
        x[i] = pos;
        if (!on[i])
            continue;
        int extra = 0;
        if (cols[i].flex && spare > 0) {
            seen += cols[i].flex;
            extra = spare * seen / shares - given; /* rounding lands on the last */
            given += extra;
        }
        w[i] = cols[i].width + extra;
        pos += w[i] + 1;
    }
}

void table_header(const Column *cols, int n, const int *x, const int *w, int y, int total,
                  int marked, const char *mark)
{
    int attr = crt_attr(C_COLHEAD);
    draw_fill(y, 0, total, attr);
    for (int i = 0; i < n; i++) {
        if (!w[i])
            continue;
        char t[64];
        snprintf(t, sizeof t, "%s%s", cols[i].title, i == marked ? mark : "");
        draw_cell(y, x[i], w[i], attr, cols[i].align, t);
    }
}
