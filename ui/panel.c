/* panel.c -- list scrolling and selection (see panel.h). */
#include "panel.h"

static void clamp(Panel *p)
{
    if (p->selected >= p->count)
        p->selected = p->count - 1;
    if (p->selected < 0)
        p->selected = 0;
    int h = p->height > 0 ? p->height : 1;
    if (p->selected < p->top)
        p->top = p->selected;
    if (p->selected >= p->top + h)
        p->top = p->selected - h + 1;
    if (p->top > p->count - h)
        p->top = p->count - h;
    if (p->top < 0)
        p->top = 0;
}

void panel_set_count(Panel *p, int count)
{
    p->count = count;
    clamp(p);
}

void panel_set_height(Panel *p, int height)
{
    p->height = height;
    clamp(p);
}

void panel_select(Panel *p, int row)
{
    p->selected = row;
    clamp(p);
}

int panel_action(Panel *p, Action a)
{
    int page = p->height > 1 ? p->height - 1 : 1;
    switch (a) {
    case CMD_UP: p->selected--; break;
    case CMD_DOWN: p->selected++; break;
    case CMD_PGUP: p->selected -= page; p->top -= page; break;
    case CMD_PGDN: p->selected += page; p->top += page; break;
    case CMD_HOME: p->selected = 0; break;
    case CMD_END: p->selected = p->count - 1; break;
    default: return 0;
    }
    clamp(p);
    return 1;
}

int panel_row_at(const Panel *p, int line)
{
    int row = p->top + line;
    return line >= 0 && line < p->height && row < p->count ? row : -1;
}
