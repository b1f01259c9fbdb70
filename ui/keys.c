/* keys.c -- the key table (see keys.h).  Order matters twice: the help
 * lists bindings in this order, and the function bar shows the hints of
 * the current view in this order. */
#include "keys.h"

#include <curses.h>

#define CTRL(c) ((c) & 0x1f)

const KeyBinding key_table[] = {
    {'?', "?", IN_ALL, CMD_HELP, "help: every key (this screen)", "Help"},
    {KEYCODE(KEY_F(1)), "F1", IN_ALL, CMD_HELP, "help: every key (this screen)", NULL},
    {'\t', "Tab", IN_ALL, CMD_NEXT_VIEW, "next view", NULL},
    {KEYCODE(KEY_BTAB), "S-Tab", IN_ALL, CMD_PREV_VIEW, "previous view", NULL},
    {'1', "1", IN_ALL, CMD_VIEW1, "Kernels view: one row per kernel, latency bars", NULL},
    {'2', "2", IN_ALL, CMD_VIEW2, "Compare view: devices side by side", NULL},
    {'3', "3", IN_ALL, CMD_VIEW3, "Rules view: the device's fusion rules, live", NULL},
    {'4', "4", IN_ALL, CMD_VIEW4, "Summary view: time per kernel type", NULL},
    {KEYCODE(KEY_UP), "Up", IN_ALL, CMD_UP, "move up", NULL},
    {'k', "k", IN_ALL, CMD_UP, "move up", NULL},
    {KEYCODE(KEY_DOWN), "Down", IN_ALL, CMD_DOWN, "move down", NULL},
    {'j', "j", IN_ALL, CMD_DOWN, "move down", NULL},
    {KEYCODE(KEY_PPAGE), "PgUp", IN_ALL, CMD_PGUP, "page up", NULL},
    {CTRL('b'), "C-b", IN_ALL, CMD_PGUP, "page up", NULL},
    {KEYCODE(KEY_NPAGE), "PgDn", IN_ALL, CMD_PGDN, "page down", NULL},
    {CTRL('f'), "C-f", IN_ALL, CMD_PGDN, "page down", NULL},
    {KEYCODE(KEY_HOME), "Home", IN_ALL, CMD_HOME, "first row", NULL},
    {'g', "g", IN_ALL, CMD_HOME, "first row", NULL},
    {KEYCODE(KEY_END), "End", IN_ALL, CMD_END, "last row", NULL},
    {'G', "G", IN_ALL, CMD_END, "last row", NULL},
    {KEYCODE(KEY_LEFT), "Left", IN_KERNELS | IN_RULES | IN_SUMMARY, CMD_LEFT,
     "previous device", NULL},
    {'h', "h", IN_KERNELS | IN_RULES | IN_SUMMARY, CMD_LEFT, "previous device", NULL},
    {KEYCODE(KEY_RIGHT), "Right", IN_KERNELS | IN_RULES | IN_SUMMARY, CMD_RIGHT,
     "next device", NULL},
    {'l', "l", IN_KERNELS | IN_RULES | IN_SUMMARY, CMD_RIGHT, "next device", NULL},
    {KEYCODE(KEY_LEFT), "Left", IN_COMPARE, CMD_LEFT, "select the column to the left", NULL},
    {'h', "h", IN_COMPARE, CMD_LEFT, "select the column to the left", NULL},
    {KEYCODE(KEY_RIGHT), "Right", IN_COMPARE, CMD_RIGHT, "select the column to the right",
     NULL},
    {'l', "l", IN_COMPARE, CMD_RIGHT, "select the column to the right", NULL},
    {'\r', "Enter", IN_KERNELS | IN_SUMMARY, CMD_DETAIL,
     "open/close the detail pane: member ONNX nodes, attributes, predictor features, "
     "prediction and range, FLOPs, bytes, intensity, fusing rule (Summary: filter to "
     "the type)",
     "Detail"},
    {'\n', "Enter", IN_KERNELS | IN_SUMMARY, CMD_DETAIL, NULL, NULL},
    {KEYCODE(KEY_ENTER), "Enter", IN_KERNELS | IN_SUMMARY, CMD_DETAIL, NULL, NULL},
    {'J', "J", IN_KERNELS, CMD_DETAIL_DOWN, "scroll the detail pane down", NULL},
    {'K', "K", IN_KERNELS, CMD_DETAIL_UP, "scroll the detail pane up", NULL},
    {'/', "/", IN_KERNELS | IN_COMPARE | IN_SUMMARY, CMD_FILTER,
     "filter: a PCRE2 regex over kernel names, types, ops and ONNX node names "
     "(case-insensitive unless it has capitals; empty clears)",
     "Filter"},
    {27, "Esc", IN_KERNELS | IN_COMPARE | IN_SUMMARY, CMD_ESCAPE,
     "close the detail pane, else clear the filter", NULL},
    {'s', "s", IN_KERNELS | IN_SUMMARY, CMD_SORT,
     "sort: graph order, latency, FLOPs, type", "Sort"},
    {'s', "s", IN_COMPARE, CMD_SORT, "sort: graph order or most different first", "Sort"},
    {'d', "d", IN_KERNELS | IN_RULES | IN_SUMMARY, CMD_DEVICE, "cycle the device", "Device"},
    {'d', "d", IN_COMPARE, CMD_COL_DEVICE, "cycle the device of the selected column",
     "Device"},
    {'a', "a", IN_COMPARE, CMD_COL_ADD, "add a device column (2 to 4)", "AddCol"},
    {'x', "x", IN_COMPARE, CMD_COL_REMOVE, "remove the selected column (2 stay)", "DelCol"},
    {'n', "n", IN_COMPARE, CMD_NOFUSION,
     "add the 'no fusion' variant of the selected device: every op its own kernel, "
     "same predictors (what fusion saves)",
     "NoFuse"},
    {' ', "Space", IN_RULES, CMD_TOGGLE, "enable/disable the selected rule", "Toggle"},
    {'e', "e", IN_RULES, CMD_EDIT,
     "edit the rule's pattern in place (Enter applies, Esc cancels; an invalid pattern "
     "shows its error and column and is not applied)",
     "Edit"},
    {'a', "a", IN_RULES, CMD_ADD, "add a rule: NAME [-> KERNEL] : PATTERN", "Add"},
    {'D', "D", IN_RULES, CMD_DELETE, "delete the selected rule", "Del"},
    {'w', "w", IN_RULES, CMD_SAVE,
     "save the rules to $XDG_CONFIG_HOME/nnmeter/rules/DEVICE.rules (atomic; the "
     "previous file is kept as DEVICE.rules~)",
     "Save"},
    {'u', "u", IN_RULES, CMD_REVERT, "revert to the saved rules (undo unsaved changes)",
     "Revert"},
    {'U', "U", IN_RULES, CMD_RESET,
     "reset to the shipped rules: your copy is moved to DEVICE.rules~ (asks first)", NULL},
    {CTRL('l'), "C-l", IN_ALL, CMD_REDRAW, "redraw the screen", NULL},
    {KEYCODE(KEY_MOUSE), "Mouse", IN_ALL, CMD_MOUSE,
     "click a tab, a row, a compare column or a function-bar key; click the selected "
     "row again for its details; the wheel scrolls",
     NULL},
    {KEYCODE(KEY_RESIZE), "", IN_ALL, CMD_RESIZE, NULL, NULL},
    {'q', "q", IN_ALL, CMD_QUIT, "quit (asks when rules have unsaved changes)", "Quit"},
    {KEYCODE(KEY_F(10)), "F10", IN_ALL, CMD_QUIT, "quit", NULL},
};

const int key_count = (int)(sizeof key_table / sizeof *key_table);

Action keys_lookup(int key, ViewId view)
{
    for (int i = 0; i < key_count; i++)
        if (key_table[i].key == key && (key_table[i].views & (1u << view)))
            return key_table[i].action;
    return CMD_NONE;
}

const char *view_name(ViewId v)
{
    static const char *names[VIEW_COUNT] = {"Kernels", "Compare", "Rules", "Summary"};
    return v >= 0 && v < VIEW_COUNT ? names[v] : "?";
}
