/* bar.c -- eighth-block bars (see bar.h). */
#include "bar.h"

#include <curses.h>
#include <math.h>

#include "crt.h"

#define BAR_MAX 512

int bar_format(double frac, int w, int utf8, wchar_t *out)
{
    if (!(frac > 0))
        frac = 0; /* also NaN */
    if (frac > 1)
        frac = 1;
    int units = utf8 ? 8 : 1;
    long total = lround(frac * w * units);
    if (total == 0 && frac > 0 && utf8)
        total = 1; /* anything non-zero shows */
    int full = (int)(total / units), rem = (int)(total % units), i = 0;
    for (; i < full && i < w; i++)
        out[i] = utf8 ? L'\u2588' : L'#';
    if (rem && i < w)
        out[i++] = (wchar_t)(0x2590 - rem); /* U+258F is 1/8, U+2589 is 7/8 */
    int filled = i;
    for (; i < w; i++)
        out[i] = L' ';
    return filled;
}

void bar_draw(int y, int x, int w, double frac, int attr)
{
    if (w <= 0)
        return;
    if (w > BAR_MAX)
        w = BAR_MAX;
    wchar_t buf[BAR_MAX];
    bar_format(frac, w, crt_utf8(), buf);
    attrset(attr);
    mvaddnwstr(y, x, buf, w);
    attrset(A_NORMAL);
}
