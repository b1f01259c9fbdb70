/* textout.c -- windowed text lines (see textout.h). */
#include "textout.h"

#include <stdio.h>
#include <string.h>

#include "draw.h"

void out_text(TextOut *o, int x, int w, int attr, const char *s)
{
    int y = o->line - o->top;
    if (o->h > 0 && y >= 0 && y < o->h && w > 0)
        draw_text(o->y0 + y, o->x0 + x, w, attr, s);
}

void out_fill(TextOut *o, int attr)
{
    int y = o->line - o->top;
    if (o->h > 0 && y >= 0 && y < o->h)
        draw_fill(o->y0 + y, o->x0, o->w, attr);
}

void out_wrapped(TextOut *o, int x, int w, int attr, const char *s)
{
    if (w < 8)
        w = 8;
    size_t len = strlen(s);
    for (;;) {
        size_t n = len;
        if ((int)n > w) {
            n = (size_t)w;
            while (n > 0 && s[n] != ' ')
                n--;
            if (n == 0)
                n = (size_t)w;
        }
        char buf[1024];
        snprintf(buf, sizeof buf, "%.*s", (int)(n < sizeof buf ? n : sizeof buf - 1), s);
        out_text(o, x, w, attr, buf);
        s += n;
        len -= n;
        while (*s == ' ') {
            s++;
            len--;
        }
        if (!len)
            break;
        o->line++;
    }
}
