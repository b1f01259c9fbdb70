/* textout.h -- scrolled text for panes that are not lists (help, detail).
 *
 * A pane lays out its lines top to bottom through a TextOut; only the
 * lines inside the window (top .. top+h) reach the screen.  Laying out
 * with h = 0 draws nothing and just counts lines, so a pane can clamp its
 * scroll position with the same code that draws it.
 */
#ifndef NNM_TEXTOUT_H
#define NNM_TEXTOUT_H

typedef struct {
    int y0, h, x0, w;         /* the window on the screen */
    int line;                 /* the line being written (0 = first of the text) */
    int top;                  /* the first line shown */
} TextOut;

/* Text at column x (relative to x0), at most w columns, on the current line. */
void out_text(TextOut *o, int x, int w, int attr, const char *s);
/* s word-wrapped into w columns from column x: the current line and as
 * many more as needed; the last one stays current. */
void out_wrapped(TextOut *o, int x, int w, int attr, const char *s);
/* A whole-width fill of the current line. */
void out_fill(TextOut *o, int attr);

#endif
