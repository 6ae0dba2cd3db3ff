/*
 * layout.h - the pure geometry and formatting of the viewer: where each
 * part of a view goes for a window size, which column a value falls in,
 * how tall a histogram bar is in eighths of a cell, which tick values an
 * axis gets, how numbers are written. No curses here, so all of it is
 * tested without a terminal (tests/ui/test_ui_layout.c).
 *
 * Coordinates: rows y and columns x from the top-left, 0-based. A plot
 * area of width w maps the value interval [lo, hi] onto columns 0..w-1:
 * column c covers [lo + c*(hi-lo)/w, lo + (c+1)*(hi-lo)/w), and hi itself
 * belongs to the last column.
 */
#ifndef APOTVIEW_UI_LAYOUT_H
#define APOTVIEW_UI_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#define LAYOUT_MIN_COLS 60
#define LAYOUT_MIN_ROWS 18
/* The results panel goes to the right of the histogram from this width. */
#define LAYOUT_SIDE_COLS 140
#define LAYOUT_MARGIN 9          /* left margin: y labels, rug legend */
#define LAYOUT_RESULT_ROWS 11    /* header + 10 metric rows */

typedef struct ui_rect {
    int y, x, h, w;
} ui_rect;

typedef struct ui_layout {
    int too_small;
    ui_rect header;    /* 2 rows: file/tensor, statistics */
    ui_rect hist;      /* the bars (right of the margin) */
    ui_rect axis;      /* 2 rows under the bars: tick marks, tick labels */
    ui_rect rugs;      /* one row per scheme */
    ui_rect results;   /* the results panel (may have fewer rows than wanted) */
    ui_rect status;    /* the last row */
} ui_layout;

/* Lay the main view out in a rows x cols window for nschemes schemes.
 * Returns 0, or -1 (and too_small set) when the window is below the
 * minimum (LAYOUT_MIN_COLS x LAYOUT_MIN_ROWS, more rows with many schemes). */
int layout_main(int rows, int cols, int nschemes, ui_layout *L);
/* Minimum rows for nschemes. */
int layout_min_rows(int nschemes);

/* The x interval a histogram shows: the data [xmin, xmax] and the clipping
 * range up to amax (the largest alpha shown), symmetric around 0 for signed
 * level sets, [min(xmin, 0), max(xmax, amax)] otherwise; never empty. */
void layout_range(double xmin, double xmax, double amax, int is_signed, double *lo, double *hi);

/* Column of x in [lo, hi] over w columns; -1 when x is outside or not
 * finite. */
int layout_col_of_x(double x, double lo, double hi, int w);
/* The value at the centre of column c. */
double layout_x_of_col(int c, double lo, double hi, int w);

/* Bar height in eighths of a cell (0..rows*8) for count against the
 * largest count; log: log(1+count)/log(1+maxcount). A nonzero count is
 * always at least one eighth tall. */
int layout_bar_eighths(uint64_t count, uint64_t maxcount, int rows, int logscale);
/* The log-count axis's intermediate labels: for the decades 10, 100, ...
 * below maxcount, the row (0 = top of `rows`) a bar of that count tops out
 * in (layout_bar_eighths, log scale), skipping rows 0, 1 (the maximum and
 * "log") and rows-1 (0) and any decade whose row is taken or adjacent to
 * the previous label. dec[] gets the counts, row[] the rows; returns how
 * many (at most max). */
int layout_log_decades(uint64_t maxcount, int rows, uint64_t *dec, int *row, int max);
/* The glyph of a bar `eighths` tall (total) in the cell `row` (0 = bottom
 * row): " " or U+2581..U+2588, or ASCII " ", ".", "+", "#" when !utf8. */
const char *layout_bar_glyph(int eighths, int row, int utf8);

/* How many of the n values (ascending or not) fall in each of w columns. */
void layout_rug(const double *xs, size_t n, double lo, double hi, int w, int *cnt);
/* Glyph for a rug cell holding cnt levels: "" (0), a bar (1), digits 2..9,
 * "+" for ten or more. */
const char *layout_rug_glyph(int cnt, int utf8, char *buf, size_t len);

/* Up to maxticks "nice" tick values (1, 2, 5 x 10^k steps) inside
 * [lo, hi]; returns how many, *step gets the spacing. */
int layout_ticks(double lo, double hi, int maxticks, double *ticks, double *step);
/* A tick label: as many decimals as the step needs, "0" for zero. */
const char *layout_fmt_tick(char *buf, size_t len, double v, double step);

/* Compact number, `sig` significant digits, fixed or exponent, whichever
 * is shorter; "nan"/"inf" as such; never wider than width when width > 0
 * (fewer digits first, then exponent form). */
const char *layout_fmt_num(char *buf, size_t len, double v, int sig, int width);

/* Index of the best value among n (lower_better or not), skipping NaN;
 * -1 when none, or when all are equal (nothing to highlight). */
int layout_best(const double *v, int n, int lower_better);

/* Row (0 = top) of a y value on a log10 scale between ylo and yhi over
 * h rows; -1 when outside or not positive. */
int layout_row_of_logy(double y, double ylo, double yhi, int h);

/* Markers on a curve plot: marker i at value x[i] on [0, top] over w
 * columns and at row row[i] (-1: off the plot). col[i] gets its column
 * (-1 when x[i] is not finite or outside), lift[i] how many rows above
 * row[i] its letter goes so markers in the same cell stay readable: 0 for
 * the first marker in a cell, 1 for the next, ... (the caller draws a
 * lifted letter above its point). */
void layout_marks(const double *x, const int *row, int n, double top, int w, int *col, int *lift);


/* Heat level 0..nlevels-1 of v on a log scale between lo and hi (both
 * > 0): lo -> 0, hi -> nlevels-1; v <= 0 -> 0; NaN -> -1. */
int layout_heat_level(double v, double lo, double hi, int nlevels);
/* The glyph of heat level k (0..4): " ", light, medium, dark shade, full
 * block; ASCII " ", ".", ":", "o", "#"; "?" for -1. */
const char *layout_heat_glyph(int k, int utf8);

/* Wrap text at width w on spaces (a word longer than w is cut): up to max
 * lines, line i being the len[i] bytes from start[i] (no leading or
 * trailing spaces). Returns the number of lines. Byte-based: for ASCII
 * text. */
int layout_wrap(const char *s, int w, int *start, int *len, int max);

/* Case-insensitive substring match, or a shell glob when the pattern has
 * * ? or [. */
int layout_name_matches(const char *pattern, const char *name);

#endif
