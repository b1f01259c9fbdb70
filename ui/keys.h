/* keys.h -- every key binding, as data.
 *
 * One table says which key does what in which view, with its help text and
 * its function-bar label.  The main loop looks keys up here, the help
 * overlay (?) and the function bar are generated from it, so a binding
 * cannot exist without being documented.
 */
#ifndef NNM_KEYS_H
#define NNM_KEYS_H

typedef enum { VIEW_KERNELS, VIEW_COMPARE, VIEW_RULES, VIEW_SUMMARY, VIEW_COUNT } ViewId;

#define IN_KERNELS (1u << VIEW_KERNELS)
#define IN_COMPARE (1u << VIEW_COMPARE)
#define IN_RULES (1u << VIEW_RULES)
#define IN_SUMMARY (1u << VIEW_SUMMARY)
#define IN_ALL ((1u << VIEW_COUNT) - 1)

typedef enum {
    CMD_NONE,
    CMD_QUIT, CMD_HELP, CMD_REDRAW, CMD_MOUSE, CMD_RESIZE,
    CMD_UP, CMD_DOWN, CMD_PGUP, CMD_PGDN, CMD_HOME, CMD_END, CMD_LEFT, CMD_RIGHT,
    CMD_NEXT_VIEW, CMD_PREV_VIEW, CMD_VIEW1, CMD_VIEW2, CMD_VIEW3, CMD_VIEW4,
    CMD_DEVICE, CMD_SORT, CMD_FILTER, CMD_ESCAPE,
    CMD_DETAIL, CMD_DETAIL_UP, CMD_DETAIL_DOWN,
    CMD_COL_DEVICE, CMD_COL_ADD, CMD_COL_REMOVE, CMD_NOFUSION,
    CMD_TOGGLE, CMD_EDIT, CMD_ADD, CMD_DELETE, CMD_SAVE, CMD_REVERT, CMD_RESET,
} Action;

/* Curses key codes (KEY_UP, ...) are flagged so they cannot collide with
 * the wide characters get_wch() returns. */
#define KEYCODE(k) ((k) | 0x1000000)

typedef struct {
    int key;            /* a character, or KEYCODE(KEY_...) */
    const char *label;  /* how the help shows the key */
    unsigned views;     /* IN_* mask */
    Action action;
    const char *help;   /* NULL: not listed (internal events) */
    const char *hint;   /* function-bar label, NULL when not on the bar */
} KeyBinding;

extern const KeyBinding key_table[];
extern const int key_count;

/* The action of key in view, or CMD_NONE. */
Action keys_lookup(int key, ViewId view);
/* Names of the views, for tabs and help. */
const char *view_name(ViewId v);

#endif
