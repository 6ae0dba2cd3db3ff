/*
 * keys.h - the one key table of the viewer. Each entry binds up to four
 * key codes to an action and carries the help text; ui.c dispatches from
 * it and the `?` overlay is generated from it, so the help can never drift
 * from the keys that work. No curses types here: key codes are plain ints
 * (curses KEY_* values are passed in by the caller through keys_init()).
 */
#ifndef APOTVIEW_UI_KEYS_H
#define APOTVIEW_UI_KEYS_H

typedef enum ui_action {
    ACT_NONE = 0,
    ACT_QUIT,
    ACT_HELP,
    ACT_BITS_UP,
    ACT_BITS_DOWN,
    ACT_ALPHA_UP,
    ACT_ALPHA_DOWN,
    ACT_ALPHA_UP_BIG,
    ACT_ALPHA_DOWN_BIG,
    ACT_ALPHA_OPT,
    ACT_ALPHA_OPT_EACH,
    ACT_ALPHA_MAX,
    ACT_NORMALIZE,
    ACT_SCHEME_NEXT,
    ACT_TENSOR_NEXT,
    ACT_TENSOR_PREV,
    ACT_SEARCH,
    ACT_LOG,
    ACT_CURVE,
    ACT_LIST,
    ACT_SORT,
    ACT_SELECT,
    ACT_COMPARE,
    ACT_EXPORT,
    ACT_CLOSE,
    ACT_REDRAW,
    ACT_EXPLAIN,
    ACT_TOUR_NEXT,
    ACT_TOUR_PREV,
    ACT_ALPHA_FILE,
    ACT_CHANNELS,
    ACT_INFO,
    ACT_GRAN,
    ACT_ZOOM_IN,
    ACT_ZOOM_OUT,
    ACT_CUR_LEFT,
    ACT_CUR_RIGHT,
    ACT_CUR_LEFT10,
    ACT_CUR_RIGHT10,
    ACT_ERRHIST,           /* issue 12: views and keys of view_error.c, view_decomp.c, view_log2.c, ui_cmd.c */
    ACT_DECOMP,
    ACT_LOG2,
    ACT_TYPE,
    ACT_COPY,
    ACT_PAGE_UP,
    ACT_PAGE_DOWN,
    ACT_HOME,
    ACT_END,
    ACT_WHEEL_UP,          /* the mouse wheel (no key): the view's, else alpha */
    ACT_WHEEL_DOWN,
    ACT_SORT_REV,
    ACT_AXIS,
    ACT__COUNT
} ui_action;

/* Where a binding applies (bit mask of views). KV_TOUR is added to the
 * view's bit during --tour (its entries come first in the table, so they
 * win over the same key's ordinary binding). */
enum { KV_MAIN = 1, KV_CURVE = 2, KV_LIST = 4, KV_COMPARE = 8, KV_CHANNEL = 16, KV_ALL = 31,
       KV_TOUR = 32 };

typedef struct ui_key {
    int codes[4];          /* 0-terminated when fewer */
    const char *label;     /* as shown in help: "l  →" */
    ui_action action;
    int views;             /* KV_* mask */
    const char *help;
} ui_key;

/* Symbolic codes set by keys_init() before the table is used. */
typedef struct ui_keycodes {
    int left, right, up, down, enter, esc, resize, ctrl_l, ctrl_c, pgup, pgdn, home, end;
} ui_keycodes;

void keys_init(const ui_keycodes *kc);
/* The table and its length. */
const ui_key *keys_table(int *n);
/* The action of key code c in view (KV_*); ACT_NONE when unbound. */
ui_action keys_lookup(int c, int view);

#endif
