/* draw.h -- the shared draw layer: text cells, fills, lines.
 *
 * Every view draws through these, so clipping, alignment and what happens
 * to odd bytes is decided once.  Text from model files may hold anything:
 * invalid UTF-8 and control characters are shown as '?', and text never
 * runs past the width it is given (wide characters included).
 */
#ifndef NNM_DRAW_H
#define NNM_DRAW_H

typedef enum { ALIGN_LEFT, ALIGN_RIGHT } Align;

/* Writes s at (y, x), at most w columns; returns the columns used. */
int draw_text(int y, int x, int w, int attr, const char *s);
int draw_textf(int y, int x, int w, int attr, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* A table cell: s aligned in exactly w columns (padded with spaces), cut
 * with an ellipsis when longer. */
void draw_cell(int y, int x, int w, int attr, Align align, const char *s);
/* w spaces. */
void draw_fill(int y, int x, int w, int attr);
/* A horizontal rule of w columns. */
void draw_hline(int y, int x, int w, int attr);

/* Display width of s in columns (as draw_text would show it). */
int text_width(const char *s);

#endif
