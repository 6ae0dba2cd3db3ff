/*
 * glayout.h - the pure part of the group view (view_group.c) and the
 * group figure: where its parts go for a window size, how the pooled
 * histogram of u = x / alpha_g over [-1, 1] (gq_view, quant/gq.h) maps to
 * columns, how a per-group strip is cut down to the columns there are.
 * No curses here (tests/ui/test_ui_glayout.c).
 */
#ifndef APOTVIEW_UI_GLAYOUT_H
#define APOTVIEW_UI_GLAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include "ui/layout.h"

/* The bin of u among nbins equal bins over [-1, 1], as gq_run counts it:
 * floor((u + 1) / 2 * nbins) clamped to 0 .. nbins - 1 (u = 1 and every
 * u > 1 in the last bin, u < -1 in bin 0); -1 for NaN. */
int glayout_bin(double u, int nbins);

/* Counts of nb bins over an interval spread over W columns over the same
 * interval: column c gets the part of every bin that overlaps it
 * (proportionally; nb == W copies). out[W]. */
void glayout_resample(const uint64_t *h, int nb, double *out, int W);

/* A per-group quantity v[0..n) (groups in order) cut to at most W cells:
 * cell c covers groups [c n / W, (c + 1) n / W) (one group per cell when
 * n <= W) and gets the largest v of its groups that have values (count[g]
 * > 0; count may be NULL: all), NaN when none. Returns the cells used
 * (min(n, W)). */
int glayout_strip(const float *v, const uint32_t *count, size_t n, int W, double *out);

/* The group view for a rows x cols body (the status line not included):
 * a 2-row header, a title row, the pooled histogram (hist) with its axis
 * (2 rows) and the focused scheme's levels (1 rug row), a note row, the
 * scales (side panel right of the histogram from GLAYOUT_SIDE_COLS
 * columns, else one sparkline row), the error strip (a label row and a
 * strip row) and the results (a header row and one row per metric, as
 * many as fit, at most GLAYOUT_RESULT_ROWS). -1 when below the minimum. */
#define GLAYOUT_SIDE_COLS 110
#define GLAYOUT_RESULT_ROWS 7
typedef struct glayout {
    ui_rect header, title, hist, axis, rug, note;
    ui_rect scales;        /* side panel (h > 1), or one row */
    int side;              /* 1: scales is a side panel */
    ui_rect strip;         /* 2 rows: label, strip */
    ui_rect results;
} glayout;

int glayout_make(int rows, int cols, glayout *L);

#endif
