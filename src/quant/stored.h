/*
 * stored.h - the stored grid as a scheme (issue 14, part 5): the scheme
 * `stored` of a quantized tensor is the grid its file can represent
 * (io/grid.h: per group the levels level(g, k) from the file's own
 * scales, zero points and codebook), evaluated like any other scheme.
 *
 * What its numbers mean (the man page, THE STORED GRID):
 *
 *  - Q(x) is the level of x's own group nearest to x. On the file's own
 *    dequantized values every value IS a level (Q(x) = x), so the error
 *    against itself is zero by construction and says nothing: mse,
 *    sqnr_db and max_abs_err are then left out (NaN: "-" in the table,
 *    null in JSON; stored_self = 1) and off_grid counts the values that
 *    are farther than a float rounding from every level of their group
 *    (0 unless the grid description and the decoder disagree: a check).
 *    Given other values (the original float weights: --compare), the
 *    error is real: the distance of each original value to the nearest
 *    level the file could have stored, with the file's own scales.
 *  - bpw: the file's own bits per weight, from its bytes (codes, scales,
 *    minima, zero points, g_idx).
 *  - levels_total: the distinct code values of the format (Q4_K 16,
 *    Q8_0 256, FP8 e4m3 253); levels_used: of those, how many hold a
 *    value in at least one group (pooled over groups); entropy_bits: of
 *    the pooled code use; levels_per_group: the mean over groups (with
 *    values) of the distinct levels a group holds.
 *  - alpha: the mean over groups with values of the group's largest
 *    level magnitude (its clipping bound); scale_min / median / max: of
 *    |scale| over the groups with values.
 *  - cost: integer codes without zero point or minimum cost their
 *    popcount (as uniform); codebooks and affine grids have none (n/a).
 *  - granularity: "group:G" (runs of G along the rows), "block:RxC"
 *    (tiles), "channel" (one scale per row), "column" (one per column:
 *    ONNX per-axis on the last axis), "tensor" (one scale), with
 *    "group:G@g_idx" for an activation-order map.
 *
 * Everything here is pure: the values come from the caller's reader.
 */
#ifndef APOTVIEW_STORED_H
#define APOTVIEW_STORED_H

#include "io/grid.h"
#include "quant/analyze.h"
#include "quant/gq.h"

#define STORED_NAME "stored"

/* Values [first, first + n) of the tensor in C order as float. 0, or -1
 * when they cannot be read. */
typedef int (*stored_read_fn)(void *ctx, uint64_t first, uint64_t n, float *dst);

/* Evaluate the stored grid g on the count values rd gives (C order, count
 * == rows * cols of g), normalized by x = (w - m) / s (m 0, s 1: none).
 * self: the values are the file's own (dequantized): the error is left
 * out (above). view (optional): the group view's sink (gq.h), u = (x -
 * c_g) / alpha_g with [c_g - alpha_g, c_g + alpha_g] the group's level
 * range (c_g = 0 when the grid has no zero point or minimum). out gets
 * scheme "stored". Returns 0, or -1 with out->ok 0 and out->err set. */
int stored_analyze(const loader_grid *g, stored_read_fn rd, void *ctx, uint64_t count, double m, double s,
                   int self, analyze_result *out, gq_view *view);

/* The same with a sink told of every finite value: its index i (C
 * order), its group gi and its error (value - level, x units). fn may
 * be NULL (then it is stored_analyze). */
typedef void (*stored_elem_fn)(void *ctx, uint64_t i, uint64_t gi, double err);
int stored_analyze_each(const loader_grid *g, stored_read_fn rd, void *ctx, uint64_t count, double m, double s,
                        int self, analyze_result *out, gq_view *view, stored_elem_fn fn, void *fctx);

/* The group's largest level magnitude in x units ((level - m) / s): its
 * clipping bound, as alpha is averaged. */
double stored_group_alpha(const loader_grid *g, uint64_t gi, double m, double s);

/* The same census (self: the file's own values, no view) from the
 * weighted view of the tensor (io/grid.h): wf writes the pairs of whole
 * blocks [first, first + n) of blck values each (at most wmax pairs per
 * block) and returns their number (-1: unreadable). Every count, level
 * and scale is the per-value pass's; only the sum of squares is summed
 * in another order (it is not reported for the file's own values). */
typedef int64_t (*stored_weigh_fn)(void *ctx, uint64_t first, uint64_t n, grid_wpair *out);
int stored_analyze_weighted(const loader_grid *g, stored_weigh_fn wf, void *ctx, uint64_t count, unsigned blck,
                            unsigned wmax, double m, double s, analyze_result *out);

/* The group's levels in u units of the view (ascending, ncb of them) for
 * the first group with a nonzero scale; for a rug. Returns the count
 * written to out (at most max). */
size_t stored_view_levels(const loader_grid *g, double *out, size_t max);

/* 1 when name is the stored scheme. */
int stored_is(const char *name);

#endif
