/*
 * keys.c - the key table (keys.h). Arrow keys and other curses codes are
 * filled in by keys_init(), so this file needs no curses header and is
 * testable on its own.
 */
#include "config.h"
#include "ui/keys.h"

#include <stddef.h>

enum { K_LEFT = -1, K_RIGHT = -2, K_UP = -3, K_DOWN = -4, K_ENTER = -5, K_ESC = -6,
       K_CTRL_L = -7, K_CTRL_C = -8, K_PGUP = -9, K_PGDN = -10, K_HOME = -11, K_END = -12 };

static ui_key table[] = {
    { { 'q', K_CTRL_C }, "q", ACT_QUIT, KV_ALL, "quit (Esc closes an overlay or view first)" },
    { { '?' }, "?", ACT_HELP, KV_ALL, "this help (generated from the key table)" },
    { { ' ', K_RIGHT }, "Space \u2192 / \u2190", ACT_TOUR_NEXT, KV_TOUR,
      "--tour: next / previous step (q quits)" },
    { { K_LEFT }, NULL, ACT_TOUR_PREV, KV_TOUR, NULL },
    { { 'i' }, "i", ACT_INFO, KV_ALL,
      "file info: format, tensors, and what the file holds besides them (safetensors __metadata__, "
      "GGUF key/values, checkpoint scalars) (again: close)" },
    { { 'x' }, "x", ACT_EXPLAIN, KV_ALL, "explain the focused scheme: its formula and what to notice (again: close)" },
    { { '+', '=' }, "+ / -", ACT_BITS_UP, KV_ALL, "bits up / down (2..8, sign bit included)" },
    { { '-', '_' }, NULL, ACT_BITS_DOWN, KV_ALL, NULL },
    { { 'l', K_RIGHT }, "l \u2192 / h \u2190", ACT_ALPHA_UP, KV_MAIN | KV_CURVE | KV_COMPARE | KV_CHANNEL,
      "the focused scheme's alpha up / down, small step (1% of max|x|; the wheel too, but in the list and the "
      "channels); fixed from then on: the next tensor gets the same fraction of its max|x| (sigma units when "
      "normalized), shown as both" },
    { { 'h', K_LEFT }, NULL, ACT_ALPHA_DOWN, KV_MAIN | KV_CURVE | KV_COMPARE | KV_CHANNEL, NULL },
    { { 'L' }, "L / H", ACT_ALPHA_UP_BIG, KV_ALL, "alpha up / down by a large step (10% of max|x|)" },
    { { 'H' }, NULL, ACT_ALPHA_DOWN_BIG, KV_ALL, NULL },
    { { 'o' }, "o", ACT_ALPHA_OPT, KV_ALL, "the focused scheme at its own MSE-optimal alpha (on every tensor)" },
    { { 'O' }, "O", ACT_ALPHA_OPT_EACH, KV_ALL, "each scheme at its own MSE-optimal alpha (--alpha=mse)" },
    { { 'm' }, "m", ACT_ALPHA_MAX, KV_ALL, "the focused scheme's alpha := max|x| (no clipping)" },
    { { 'n' }, "n", ACT_NORMALIZE, KV_ALL, "weight normalization (w - mean) / std on / off" },
    { { 'a' }, "a", ACT_ALPHA_FILE, KV_ALL,
      "alpha := the alpha an APoT checkpoint stores beside this weight (<layer>.weight_quant.wgt_alpha), "
      "normalization on, as the paper's code quantizes" },
    { { 's', '\t' }, "s", ACT_SCHEME_NEXT, KV_ALL, "focus the next scheme" },
    { { 'j', K_DOWN }, "j \u2193 / k \u2191", ACT_TENSOR_NEXT, KV_ALL, "next / previous tensor" },
    { { 'k', K_UP }, NULL, ACT_TENSOR_PREV, KV_ALL, NULL },
    { { '/' }, "/", ACT_SEARCH, KV_ALL,
      "find a tensor by name (substring or glob; empty: again); in the list: a filter that narrows the list "
      "as you type (Enter keeps it, Esc or an empty filter shows all)" },
    { { 'g' }, "g", ACT_LOG, KV_MAIN | KV_COMPARE, "linear / log histogram counts" },
    { { 'c' }, "c", ACT_CURVE, KV_ALL,
      "error-vs-alpha curve view, where each clipping method lands marked (again: back)" },
    { { 't' }, "t", ACT_LIST, KV_ALL, "tensor list: every scheme's SQNR (dB) and relative mse per tensor, each at its own optimum unless "
      "alpha is fixed (again: back)" },
    { { 'S' }, "S / R", ACT_SORT, KV_LIST,
      "tensor list: sort by the next column (file order, name, count, then each scheme's SQNR and relative "
      "mse; SQNR: lowest first, the damaged layers on top) / reverse the order" },
    { { 'R' }, NULL, ACT_SORT_REV, KV_LIST, NULL },
    { { K_PGUP }, "PgUp PgDn", ACT_PAGE_UP, KV_LIST | KV_CHANNEL | KV_CURVE,
      "page up / down (Home / End: first / last row) in the list and the channels; the mouse wheel scrolls there; "
      "in the curve view: the legend when it needs more rows than the screen has" },
    { { K_PGDN }, NULL, ACT_PAGE_DOWN, KV_LIST | KV_CHANNEL | KV_CURVE, NULL },
    { { K_HOME }, NULL, ACT_HOME, KV_LIST | KV_CHANNEL, NULL },
    { { K_END }, NULL, ACT_END, KV_LIST | KV_CHANNEL, NULL },
    { { K_ENTER, '\r', '\n' }, "Enter", ACT_SELECT, KV_LIST | KV_CHANNEL,
      "tensor list: show the tensor (mouse: click it); per-channel view: the selected channel's histogram "
      "(Enter or Esc: back to the channels)" },
    { { 'p' }, "p", ACT_CHANNELS, KV_ALL,
      "per-channel view: channels (slices along --axis, first axis by default) sorted by range, outliers (!), "
      "error heat per channel; j/k move, Enter shows one channel's histogram (again: back); refused on 1-D tensors" },
    { { 'A' }, "A", ACT_AXIS, KV_CHANNEL, "per-channel view: the next axis the channels are taken along" },
    { { 'D' }, "D", ACT_COMPARE, KV_ALL, "compare view over one axis: the pair (ORIGINAL QUANTIZED), the same name in the other file, or the "
      "other single-tensor file" },
    { { 'z' }, "z / Z", ACT_ZOOM_IN, KV_MAIN,
      "zoom the histogram in / out (2x) around the cursor; Z at 2x: the full range again (the main view, the "
      "error histogram E and the log2 axis X)" },
    { { 'Z' }, NULL, ACT_ZOOM_OUT, KV_MAIN, NULL },
    { { '[' }, "[ / ]", ACT_CUR_LEFT, KV_MAIN,
      "move the cursor one column left / right ({ / } ten); the readout (second line) gives the column's "
      "range, count, share, the focused scheme's level and the squared error it adds (Esc: off); in E: the "
      "column's error range, count, share and clipped count; in X: its log2|x| and |x| ranges, count and share" },
    { { ']' }, NULL, ACT_CUR_RIGHT, KV_MAIN, NULL },
    { { '{' }, NULL, ACT_CUR_LEFT10, KV_MAIN, NULL },
    { { '}' }, NULL, ACT_CUR_RIGHT10, KV_MAIN, NULL },
    { { 'E' }, "E", ACT_ERRHIST, KV_ALL,
      "error histogram: w - Q(w) of the focused scheme (x - Q(x) normalized) with its mean, rms and max; "
      "the clipped tails (values beyond the outer levels) in the clip colour, the +-half-step range marked "
      "(g: log counts; again: back)" },
    { { 'd' }, "d", ACT_DECOMP, KV_ALL,
      "decomposition: the focused channel's first rows with every quantized weight written as its sum of "
      "powers of two, shaded by magnitude; its shift-add cost beside the fixed-hardware count of the paper "
      "([ ] channel, { } rows; again: back)" },
    { { 'X' }, "X", ACT_LOG2, KV_ALL,
      "x-axis log2|x|: the histogram of log2 of the magnitudes, where PoT levels are equally spaced and "
      "APoT's fall between (again: back to the linear axis)" },
    { { ':' }, ":", ACT_TYPE, KV_ALL,
      "type a value: ':alpha 0.05' (x units) or ':bits 3', a plain number is alpha; set exactly" },
    { { 'y' }, "y", ACT_COPY, KV_ALL,
      "copy the apotview --report command line of the current view (OSC 52 to the terminal's clipboard; "
      "shown on the status line)" },
    { { 'G' }, "G", ACT_GRAN, KV_ALL,
      "granularity: tensor -> channel -> group:32 -> group:64 -> group:128 -> tensor (--granularity); "
      "in a group mode the main view shows every value over its own group's scale" },
    { { 'e' }, "e", ACT_EXPORT, KV_ALL, "export the current view as a figure (asks for a file name)" },
    { { K_ESC }, "Esc", ACT_CLOSE, KV_ALL, "close the overlay or view, back to the main view" },
    { { K_CTRL_L }, "^L", ACT_REDRAW, KV_ALL, "redraw the screen" },
};

#define NKEYS ((int)(sizeof table / sizeof table[0]))

static ui_keycodes codes;
static int inited;

static int resolve(int c)
{
    switch (c) {
    case K_LEFT: return codes.left;
    case K_RIGHT: return codes.right;
    case K_UP: return codes.up;
    case K_DOWN: return codes.down;
    case K_ENTER: return codes.enter;
    case K_ESC: return codes.esc;
    case K_CTRL_L: return codes.ctrl_l;
    case K_CTRL_C: return codes.ctrl_c;
    case K_PGUP: return codes.pgup;
    case K_PGDN: return codes.pgdn;
    case K_HOME: return codes.home;
    case K_END: return codes.end;
    }
    return c;
}

void keys_init(const ui_keycodes *kc)
{
    codes = *kc;
    inited = 1;
}

const ui_key *keys_table(int *n)
{
    *n = NKEYS;
    return table;
}

ui_action keys_lookup(int c, int view)
{
    if (c == 0)
        return ACT_NONE;
    for (int i = 0; i < NKEYS; i++) {
        if (!(table[i].views & view))
            continue;
        for (int k = 0; k < 4 && table[i].codes[k]; k++) {
            int code = table[i].codes[k];
            if (code < 0) {
                if (!inited)
                    continue;
                code = resolve(code);
            }
            if (code == c)
                return table[i].action;
        }
    }
    return ACT_NONE;
}
