/* crt.c -- terminal set-up and tear-down (see crt.h).
 *
 * Signals: SIGINT, SIGTERM, SIGHUP, SIGQUIT and the fatal ones get a handler
 * that leaves curses mode, puts the previous handler back and re-raises, so
 * the process ends the way it would have (exit status, core, a sanitizer
 * report) with a usable terminal.  The handlers go in before newterm(), so
 * ncurses does not install its own.
 */
#include "crt.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static SCREEN *screen;
static volatile sig_atomic_t active;
static int utf8, color;
static int attrs[C_COUNT];

static const int handled_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT,
                                      SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL};
#define NSIG_HANDLED (int)(sizeof handled_signals / sizeof *handled_signals)
static struct sigaction previous[NSIG_HANDLED];

static void on_signal(int sig)
{
    if (active) {
        active = 0;
        endwin();
    }
    for (int i = 0; i < NSIG_HANDLED; i++)
        if (handled_signals[i] == sig)
            sigaction(sig, &previous[i], NULL);
    raise(sig);
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < NSIG_HANDLED; i++) {
        sigaction(handled_signals[i], NULL, &previous[i]);
        /* an ignored SIGINT (nohup, a background job) stays ignored */
        if (previous[i].sa_handler != SIG_IGN)
            sigaction(handled_signals[i], &sa, NULL);
    }
}

static void restore_signals(void)
{
    for (int i = 0; i < NSIG_HANDLED; i++)
        sigaction(handled_signals[i], &previous[i], NULL);
}

/* Colour roles: foreground, background (-1 = terminal default), extra
 * attributes; and the attribute used instead when there is no colour. */
static const struct {
    short fg, bg;
    int extra;
    int mono;
} roles[C_COUNT] = {
    [C_NORMAL] = {-1, -1, 0, A_NORMAL},
    [C_TITLE] = {COLOR_CYAN, -1, A_BOLD, A_BOLD},
    [C_HEADER] = {COLOR_CYAN, -1, 0, A_NORMAL},
    [C_VALUE] = {-1, -1, A_BOLD, A_BOLD},
    [C_TAB] = {-1, -1, 0, A_NORMAL},
    [C_TAB_ACTIVE] = {COLOR_BLACK, COLOR_CYAN, A_BOLD, A_REVERSE | A_BOLD},
    [C_COLHEAD] = {COLOR_BLACK, COLOR_GREEN, 0, A_BOLD | A_UNDERLINE},
    [C_SELECTED] = {COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE},
    [C_BAR] = {COLOR_GREEN, -1, 0, A_NORMAL},
    [C_BAR_FLOPS] = {COLOR_BLUE, -1, A_BOLD, A_NORMAL},
    [C_DIM] = {-1, -1, A_DIM, A_DIM},
    [C_ERROR] = {COLOR_RED, -1, A_BOLD, A_BOLD},
    [C_OK] = {COLOR_GREEN, -1, A_BOLD, A_BOLD},
    [C_WARN] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD},
    [C_FKEY] = {-1, -1, A_BOLD, A_BOLD},
    [C_FLABEL] = {COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE},
    [C_HILITE] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD},
    [C_SPLIT] = {COLOR_MAGENTA, -1, A_BOLD, A_UNDERLINE},
    [C_EDIT] = {-1, -1, A_UNDERLINE, A_UNDERLINE},
};

static void setup_colors(void)
{
    const char *nc = getenv("NO_COLOR");
    color = !(nc && nc[0]) && has_colors() && start_color() == OK;
    if (color)
        use_default_colors();
    for (int r = 0; r < C_COUNT; r++) {
        if (!color) {
            attrs[r] = roles[r].mono;
            continue;
        }
        init_pair((short)(r + 1), roles[r].fg, roles[r].bg);
        attrs[r] = (int)COLOR_PAIR(r + 1) | roles[r].extra;
    }
}

static int start(const char *term, FILE *out, FILE *in)
{
    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C"); /* numbers in files and on screen use '.' */
    const char *cs = nl_langinfo(CODESET);
    utf8 = cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
    install_signals();
    screen = newterm(term, out, in);
    if (!screen) {
        restore_signals();
        return -1;
    }
    active = 1;
    set_escdelay(25);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    timeout(CRT_WAKE_MS); /* why: tui.c's loop */
    curs_set(0);
    mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
    mouseinterval(0);
    setup_colors();
    return 0;
}

int crt_init(char *err, size_t errlen)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        snprintf(err, errlen, "the interactive view needs a terminal; "
                              "use --report for text, JSON or CSV output");
        return -1;
    }
    if (start(NULL, stdout, stdin)) {
        const char *term = getenv("TERM");
        snprintf(err, errlen, "cannot use terminal type '%s' (check TERM)", term ? term : "");
        return -1;
    }
    return 0;
}

int crt_init_file(const char *term, FILE *out, FILE *in)
{
    return start(term, out, in);
}

void crt_done(void)
{
    if (!screen)
        return;
    if (active) {
        active = 0;
        endwin();
    }
    delscreen(screen);
    screen = NULL;
    restore_signals();
}

int crt_utf8(void)
{
    return utf8;
}

int crt_color(void)
{
    return color;
}

int crt_attr(ColorRole role)
{
    return role >= 0 && role < C_COUNT ? attrs[role] : (int)A_NORMAL;
}
