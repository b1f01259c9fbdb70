/* app.h -- the state of the interactive program and its main operations.
 *
 * One App holds the session (model, devices, views), which view is shown,
 * the filter and sort shared by the views, the prompt (a line being typed:
 * filter, pattern, new rule, or a yes/no question) and the message line.
 * Each view keeps its own small state struct here; its code lives in its
 * own file (kernels_view.c, compare_view.c, rules_view.c, summary_view.c)
 * behind the View interface (view.h).
 */
#ifndef NNM_APP_H
#define NNM_APP_H

#include "align.h"
#include "crt.h"
#include "filter.h"
#include "keys.h"
#include "lineedit.h"
#include "panel.h"
#include "session.h"

typedef struct App App;

typedef enum { SORT_GRAPH, SORT_VALUE, SORT_FLOPS, SORT_TYPE, SORT_COUNT } SortKey;

typedef enum {
    PROMPT_NONE,
    PROMPT_FILTER,      /* / */
    PROMPT_PATTERN,     /* e in Rules: drawn in the rule's row */
    PROMPT_ADD,         /* a in Rules */
    PROMPT_CONFIRM,     /* y/n */
} PromptKind;

typedef struct {
    PromptKind kind;
    LineEdit edit;
    char label[160];
    char error[300];          /* the text does not parse: why */
    int error_col;            /* 1-based column of the error in the text, 0 none */
    char before[512];         /* the filter before / (Esc restores it) */
    void (*on_yes)(App *a);   /* PROMPT_CONFIRM: run when the answer is y */
    ViewId owner;             /* the view that opened it (its prompt hooks) */
    int field_x, field_scroll; /* where the editor was drawn (error carets) */
} Prompt;

typedef struct {
    Panel panel;
    int *order;               /* kernel indices shown, filtered and sorted */
    int norder;
    int detail;               /* the detail pane is open */
    int detail_top;           /* its first line shown */
    int list_top;             /* screen row of the first list row (mouse) */
    int detail_row;           /* screen row where the detail pane starts */
} KernelsState;

typedef struct {
    Panel panel;              /* over lines */
    int cols[ALIGN_MAX_COLS]; /* slots shown */
    int ncols;
    int selcol;
    int by_difference;        /* sort: most different first */
    Alignment al;
    int *group_order;         /* groups shown, in display order */
    int ngroups;
    int (*lines)[2];          /* per line: group, sub-row */
    int nlines;
    double *sums;             /* per group and column: value of its kernels */
    double *spread;           /* per group: spread of its share across columns */
    double hot;               /* spreads >= hot are highlighted */
    int list_top;             /* screen row of the first line (mouse) */
    int col_x[ALIGN_MAX_COLS], col_w;
} CompareState;

typedef struct {
    Panel panel;
    int list_top;
} RulesState;

typedef struct {
    char key[32];
    int count;
    double value, flops;
    int first;                /* graph order of its first kernel */
} SummaryRow;

typedef struct {
    Panel panel;
    SummaryRow *rows;
    int nrows;
    int list_top;
} SummaryState;

/* A clickable region of the tab bar or the function bar. */
typedef struct {
    int x, w;
    Action action;
} HitBox;

#define MAX_HITS 24

struct App {
    Session s;
    int cur;                  /* slot of the Kernels, Rules and Summary views */
    ViewId view;
    SortKey sort;
    Filter filter;
    unsigned stale;           /* per view (1 << ViewId): its derived data (orders,
                               * alignment) must be rebuilt */
    KernelsState kv;
    CompareState cv;
    RulesState rv;
    SummaryState sv;
    Prompt prompt;
    char message[600];
    ColorRole message_role;
    int help;                 /* the help overlay is open */
    int help_top;
    int quit;
    int rows, cols;           /* screen size at the last draw */
    int body_top, body_h;     /* the view's area */
    HitBox tabs[VIEW_COUNT];
    HitBox fkeys[MAX_HITS];
    int nfkeys;
    int cursor_y, cursor_x;   /* where the text cursor goes (-1: hidden) */
};

/* Sets up an App for a session (taken over).  cur: the first slot shown. */
void app_init(App *a, int cur);
void app_free(App *a);
/* Draws the whole screen (without refresh). */
void app_draw(App *a);
/* Handles one key (a character or KEYCODE()). */
void app_key(App *a, int key);

/* For views. */
Slot *app_slot(App *a);
void app_message(App *a, ColorRole role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void app_changed(App *a);
void app_set_device(App *a, int slot);
void app_prompt(App *a, PromptKind kind, const char *label, const char *text);
/* A yes/no question; on_yes runs when the answer is y. */
void app_confirm(App *a, const char *question, void (*on_yes)(App *a));
/* Draws the prompt's line editor and remembers where the cursor goes. */
void app_draw_edit(App *a, int y, int x, int w);
/* Draws the prompt's error on line y: a caret under its column, then why. */
void app_draw_edit_error(App *a, int y);
void app_set_filter(App *a, const char *pattern);
/* "ms" or "FLOPs" as the slot's values are. */
const char *app_unit(const Slot *sl);
/* Formats a value of the slot (ms or FLOPs). */
void app_fmt_value(const Slot *sl, double v, char *buf, size_t len);

#endif
