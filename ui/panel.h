/* panel.h -- a scrollable list with a selection (htop's Panel).
 *
 * Only the numbers: how many rows, which is selected, which is at the top,
 * how many fit.  A view draws rows top..top+height and lets the panel
 * handle movement keys and clicks, so every list scrolls the same way.
 */
#ifndef NNM_PANEL_H
#define NNM_PANEL_H

#include "keys.h"

typedef struct {
    int count;      /* rows */
    int selected;   /* 0..count-1, or 0 when empty */
    int top;        /* first row shown */
    int height;     /* rows that fit (set by the view each draw) */
} Panel;

/* Sets the row count and keeps selected/top in range. */
void panel_set_count(Panel *p, int count);
/* Sets the visible height and scrolls the selection into view. */
void panel_set_height(Panel *p, int height);
void panel_select(Panel *p, int row);
/* Movement actions (up, down, page, home, end); 1 when handled. */
int panel_action(Panel *p, Action a);
/* Row at screen line `line` of the panel (0 = first shown), or -1. */
int panel_row_at(const Panel *p, int line);

#endif
