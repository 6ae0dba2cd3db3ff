/*
 * explore.h - the pure part of the viewer's exploration keys (issue 12):
 * zoom ranges around a cursor, cursor moves by columns, the level a value
 * maps to, and the squared error a range of values contributes (from a
 * prepared tensor's rank and sum queries, exact with the sorted engine).
 * No curses (tests/ui/test_ui_glayout.c).
 */
#ifndef APOTVIEW_UI_EXPLORE_H
#define APOTVIEW_UI_EXPLORE_H

#include <stdint.h>
#include "quant/levels.h"
#include "quant/prep.h"

/* Zoom by factor (> 1: in, < 1: out) around x in the shown range
 * [lo, hi], inside the full range [flo, fhi]: the new width is
 * (hi - lo) / factor, centred on x, moved to lie inside [flo, fhi].
 * Returns 1 with [*nlo, *nhi] when zoomed, 0 (and the full range) when
 * the new width reaches the full one. */
int explore_zoom(double flo, double fhi, double lo, double hi, double x, double factor, double *nlo, double *nhi);

/* The centre of the column dcol columns from x's column (clamped to
 * 0 .. w - 1) over [lo, hi] in w columns (x outside: from the nearer
 * end). */
double explore_move(double x, double lo, double hi, int w, int dcol);

/* The index of the level nearest to x among shift + alpha * v[k] (ties:
 * the upper level, as explore_range cuts at the midpoints; beyond the
 * ends: the end level). */
size_t explore_level(const levelset *ls, double shift, double alpha, double x);

/* Values with x in [a, b) (x = (w - m) / s, normalized or not: eval.h):
 * *count of them and *sse, their sum of squared errors against ls at
 * alpha (levels shift + alpha v, nearest). */
void explore_range(const prep *p, int normalize, const levelset *ls, double shift, double alpha, double a,
                   double b, uint64_t *count, double *sse);

#endif
