/* view.h -- what every view provides (tig's view table).
 *
 * A view draws itself into the body area, handles the actions the key
 * table gives it, and maps clicks on its area to rows.  The App calls the
 * current view through this table and never looks inside a view.
 */
#ifndef NNM_VIEW_H
#define NNM_VIEW_H

#include "app.h"
#include "draw.h"

typedef struct {
    ViewId id;
    /* Draws rows top .. top+height-1, full width. */
    void (*draw)(App *a, int top, int height);
    /* 1 when the action was handled. */
    int (*action)(App *a, Action act);
    /* A click at screen (y, x): button 1 (left), 4 (wheel up), 5 (down). */
    void (*click)(App *a, int y, int x, int button);
    /* Text typed in a prompt this view opened changed / was accepted
     * (NULL: the view opens no prompts). */
    void (*prompt_changed)(App *a);
    void (*prompt_accept)(App *a);
    /* Frees the view's derived data at exit (NULL: nothing to free). */
    void (*release)(App *a);
} View;

extern const View kernels_view, compare_view, rules_view, summary_view;

/* The detail pane of the Kernels view (detail.c). */
void detail_draw(App *a, int kernel, int top, int height);

/* The two header lines and the tab bar (header.c). */
void header_draw(App *a);
void tabs_draw(App *a, int y);
/* The bottom line: function bar, prompt or message (funcbar.c). */
void funcbar_draw(App *a);
/* The help overlay (help.c). */
void help_draw(App *a);

/* Column layout of a table: columns as data (table.c). */
typedef struct {
    const char *title;
    int width;                /* minimum width; 0 hides the column */
    int flex;                 /* share of the spare width (0: fixed) */
    int prio;                 /* dropped first when narrow: highest; 0 never */
    Align align;
} Column;

#define TABLE_MAX_COLS 16

/* Sets x[i] and w[i] (0: hidden) for a table of total width. */
void table_layout(const Column *cols, int n, int total, int *x, int *w);
/* Draws the titles; `mark` is appended to column `marked` (sort). */
void table_header(const Column *cols, int n, const int *x, const int *w, int y, int total,
                  int marked, const char *mark);

#endif
