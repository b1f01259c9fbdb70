/* lineedit.c -- the one-line editor (see lineedit.h). */
#include "lineedit.h"

#include <curses.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "draw.h"
#include "keys.h"

#define CTRL(c) ((c) & 0x1f)

static int is_cont(char c)
{
    return ((unsigned char)c & 0xc0) == 0x80;
}

void le_set(LineEdit *e, const char *text)
{
    snprintf(e->buf, sizeof e->buf, "%s", text ? text : "");
    e->len = (int)strlen(e->buf);
    e->cur = e->len;
}

static int prev_char(const LineEdit *e, int i)
{
    if (i > 0)
        i--;
    while (i > 0 && is_cont(e->buf[i]))
        i--;
    return i;
}

static int next_char(const LineEdit *e, int i)
{
    if (i < e->len)
        i++;
    while (i < e->len && is_cont(e->buf[i]))
        i++;
    return i;
}

static void cut(LineEdit *e, int from, int to)
{
    memmove(e->buf + from, e->buf + to, (size_t)(e->len - to + 1));
    e->len -= to - from;
    e->cur = from;
}

static int insert(LineEdit *e, int key)
{
    char mb[MB_LEN_MAX];
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t n = 1;
    if (key < 0x80)
        mb[0] = (char)key;
    else
        n = wcrtomb(mb, (wchar_t)key, &st);
    if (n == (size_t)-1 || e->len + (int)n >= LINEEDIT_MAX)
        return 0;
    memmove(e->buf + e->cur + n, e->buf + e->cur, (size_t)(e->len - e->cur + 1));
    memcpy(e->buf + e->cur, mb, n);
    e->len += (int)n;
    e->cur += (int)n;
    return 1;
}

static int word_start(const LineEdit *e)
{
    int i = e->cur;
    while (i > 0 && e->buf[i - 1] == ' ')
        i--;
    while (i > 0 && e->buf[i - 1] != ' ')
        i--;
    return i;
}

LineEditResult le_key(LineEdit *e, int key)
{
    int old_len = e->len;
    switch (key) {
    case '\r': case '\n': case KEYCODE(KEY_ENTER): return LE_ACCEPT;
    case 27: return LE_CANCEL;
    case KEYCODE(KEY_LEFT): case CTRL('b'): e->cur = prev_char(e, e->cur); return LE_NONE;
    case KEYCODE(KEY_RIGHT): case CTRL('f'): e->cur = next_char(e, e->cur); return LE_NONE;
    case KEYCODE(KEY_HOME): case CTRL('a'): e->cur = 0; return LE_NONE;
    case KEYCODE(KEY_END): case CTRL('e'): e->cur = e->len; return LE_NONE;
    case KEYCODE(KEY_BACKSPACE): case 127: case CTRL('h'):
        if (e->cur > 0)
            cut(e, prev_char(e, e->cur), e->cur);
        break;
    case KEYCODE(KEY_DC): case CTRL('d'):
        if (e->cur < e->len)
            cut(e, e->cur, next_char(e, e->cur));
        break;
    case CTRL('u'): cut(e, 0, e->cur); break;
    case CTRL('k'): e->buf[e->cur] = 0; e->len = e->cur; break;
    case CTRL('w'): cut(e, word_start(e), e->cur); break;
    default:
        if (key >= 0x20 && key != 0x7f && key < 0x1000000 && insert(e, key))
            return LE_CHANGED;
        return LE_NONE;
    }
    return e->len != old_len ? LE_CHANGED : LE_NONE;
}

int le_column(const LineEdit *e, int off)
{
    char tmp[LINEEDIT_MAX];
    if (off > e->len)
        off = e->len;
    memcpy(tmp, e->buf, (size_t)off);
    tmp[off] = 0;
    return text_width(tmp);
}

int le_draw(const LineEdit *e, int y, int x, int w, int attr)
{
    if (w <= 1)
        return 0;
    int ccol = le_column(e, e->cur);
    /* scroll: start at a character so the cursor is inside the field */
    int start = 0;
    while (ccol - le_column(e, start) >= w)
        start = next_char(e, start);
    draw_fill(y, x, w, attr);
    draw_text(y, x, w, attr, e->buf + start);
    int scrolled = le_column(e, start);
    move(y, x + ccol - scrolled);
    return scrolled;
}
