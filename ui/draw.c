/* draw.c -- text cells on the curses screen (see draw.h). */
#include "draw.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "crt.h"

#define DRAW_MAX 1024

/* Decodes s into at most w columns of printable wide characters; returns
 * the character count, the columns in *cols and whether s was cut. */
static int decode(const char *s, int w, wchar_t *out, int cap, int *cols, int *cut)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    int n = 0, used = 0, utf8 = crt_utf8();
    size_t len = strlen(s), i = 0;
    *cut = 0;
    while (i < len && n < cap) {
        wchar_t wc = '?';
        size_t k = 1;
        if (utf8) {
            k = mbrtowc(&wc, s + i, len - i, &st);
            if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
                memset(&st, 0, sizeof st);
                wc = '?';
                k = 1;
            }
        } else {
            unsigned char c = (unsigned char)s[i];
            wc = c >= 0x20 && c < 0x7f ? c : '?';
        }
        int cw = wcwidth(wc);
        if (cw < 0) {
            wc = '?';
            cw = 1;
        }
        if (used + cw > w) {
            *cut = 1;
            break;
        }
        out[n++] = wc;
        used += cw;
        i += k;
    }
    *cols = used;
    return n;
}

int draw_text(int y, int x, int w, int attr, const char *s)
{
    if (w <= 0 || !s)
        return 0;
    wchar_t buf[DRAW_MAX];
    int cols, cut;
    int n = decode(s, w < DRAW_MAX ? w : DRAW_MAX, buf, DRAW_MAX, &cols, &cut);
    attrset(attr);
    mvaddnwstr(y, x, buf, n);
    attrset(A_NORMAL);
    return cols;
}

int draw_textf(int y, int x, int w, int attr, const char *fmt, ...)
{
    char buf[DRAW_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return draw_text(y, x, w, attr, buf);
}

void draw_fill(int y, int x, int w, int attr)
{
    if (w <= 0)
        return;
    attrset(attr);
    mvhline(y, x, ' ', w);
    attrset(A_NORMAL);
}

void draw_hline(int y, int x, int w, int attr)
{
    if (w <= 0)
        return;
    attrset(attr);
    mvhline(y, x, crt_utf8() ? ACS_HLINE : '-', w);
    attrset(A_NORMAL);
}

int text_width(const char *s)
{
    wchar_t buf[DRAW_MAX];
    int cols, cut;
    decode(s, DRAW_MAX, buf, DRAW_MAX, &cols, &cut);
    return cols;
}

void draw_cell(int y, int x, int w, int attr, Align align, const char *s)
{
    if (w <= 0)
        return;
    wchar_t buf[DRAW_MAX];
    int cols, cut;
    int cap = w < DRAW_MAX ? w : DRAW_MAX;
    int n = decode(s, cap, buf, DRAW_MAX, &cols, &cut);
    if (cut && n > 0) {
        /* room for the ellipsis: drop characters until one column is free */
        while (n > 0 && cols >= cap) {
            int cw = wcwidth(buf[--n]);
            cols -= cw > 0 ? cw : 1;
        }
        buf[n++] = crt_utf8() ? L'\u2026' : L'~';
        cols++;
    }
    draw_fill(y, x, w, attr);
    attrset(attr);
    mvaddnwstr(y, align == ALIGN_RIGHT ? x + w - cols : x, buf, n);
    attrset(A_NORMAL);
}
