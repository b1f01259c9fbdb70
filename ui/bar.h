/* bar.h -- horizontal bars with sub-cell resolution.
 *
 * A bar w cells wide shows a fraction in eighths of a cell with the Unicode
 * block elements (U+2588..U+258F), so two kernels a few percent apart still
 * get visibly different bars; without a UTF-8 locale it falls back to '#'
 * per whole cell.
 */
#ifndef NNM_BAR_H
#define NNM_BAR_H

#include <wchar.h>

/* Writes the w cells of a bar for frac (clamped to 0..1) into out (w wide
 * characters, space-padded, not terminated); returns the filled cells. */
int bar_format(double frac, int w, int utf8, wchar_t *out);

/* Draws it at (y, x) on the screen. */
void bar_draw(int y, int x, int w, double frac, int attr);

#endif
