/* lineedit.h -- a one-line text editor (the / filter, rule patterns).
 *
 * Holds UTF-8 text and a cursor; keys are the usual readline subset:
 * Left/Right, Home/End (C-a/C-e), Backspace, Delete, C-u (clear to start),
 * C-k (clear to end), C-w (delete a word), Enter accepts, Esc cancels.
 */
#ifndef NNM_LINEEDIT_H
#define NNM_LINEEDIT_H

#define LINEEDIT_MAX 512

typedef struct {
    char buf[LINEEDIT_MAX];
    int len;                /* bytes */
    int cur;                /* cursor, a byte offset on a character start */
} LineEdit;

typedef enum { LE_NONE, LE_CHANGED, LE_ACCEPT, LE_CANCEL } LineEditResult;

void le_set(LineEdit *e, const char *text);
/* key: a character or KEYCODE(KEY_...) (keys.h). */
LineEditResult le_key(LineEdit *e, int key);
/* Draws the text in w columns at (y, x), scrolled so the cursor shows, and
 * leaves the terminal cursor there.  Returns the columns scrolled off. */
int le_draw(const LineEdit *e, int y, int x, int w, int attr);
/* Column of byte offset `off` in the text (for error carets). */
int le_column(const LineEdit *e, int off);

#endif
