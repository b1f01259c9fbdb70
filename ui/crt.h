/* crt.h -- the terminal: curses set-up and tear-down, colours, signals.
 *
 * One place knows how the terminal is put into and out of curses mode, so
 * every way out (q, an error, Ctrl-C, a crash) restores it the same way.
 * Colours are roles, not numbers: a view asks for crt_attr(C_BAR) and gets
 * a colour pair, or a plain attribute when NO_COLOR is set or the terminal
 * has no colours.
 */
#ifndef NNM_CRT_H
#define NNM_CRT_H

/* The longest a key read waits before it returns with no key (ms). */
#define CRT_WAKE_MS 250

#include <stdio.h>

typedef enum {
    C_NORMAL,
    C_TITLE,        /* program name in the header */
    C_HEADER,       /* header labels */
    C_VALUE,        /* header values */
    C_TAB,          /* inactive view tab */
    C_TAB_ACTIVE,
    C_COLHEAD,      /* table column titles */
    C_SELECTED,     /* the selected row */
    C_BAR,          /* latency bars */
    C_BAR_FLOPS,    /* bars when there is no latency (FLOPs) */
    C_DIM,          /* secondary text */
    C_ERROR,
    C_OK,
    C_WARN,
    C_FKEY,         /* function bar key */
    C_FLABEL,       /* function bar label */
    C_HILITE,       /* compare: rows that differ most */
    C_SPLIT,        /* compare: fused on one device, split on another */
    C_EDIT,         /* the line editor */
    C_COUNT
} ColorRole;

/* Enters curses mode on the terminal (stdin/stdout).  Returns 0, or -1 with
 * a message in err (not a terminal, unknown TERM). */
int crt_init(char *err, size_t errlen);
/* The same on any stream pair and terminal type (benchmarks, tests). */
int crt_init_file(const char *term, FILE *out, FILE *in);
/* Leaves curses mode; safe to call twice. */
void crt_done(void);

/* Locale is UTF-8: Unicode blocks and lines may be drawn. */
int crt_utf8(void);
/* Colours are on (a colour terminal and NO_COLOR unset or empty). */
int crt_color(void);
int crt_attr(ColorRole role);

#endif
