/*
 * gq.h - group-wise quantization in one streaming pass (issue 11).
 *
 * The engine behind --granularity=group:G and block:RxC for the alpha
 * modes max, a number, file and mse, and behind the fixed block formats
 * (mxfp4, q4_0, q8_0) at every granularity. It reads the tensor's values
 * where they are (float32, float64, or 2-byte codes such as bfloat16
 * converted on the fly), one group at a time: per group the finite values
 * are gathered (normalized when -n), the scale is chosen, rounded to the
 * scale's storage type, and every value is quantized with the rounded
 * scale; squared error, largest error, clipped count and level usage are
 * accumulated. No copy of the tensor, no sort of it (--alpha=mse sorts
 * each group's magnitudes, once for all schemes). The per-value loops are
 * vector kernels (gq_kern.h: the baseline build and AVX2, chosen at run
 * time, with the same results bit for bit); float32 and 2-byte sources
 * (bfloat16 codes converted in the same pass as the group's max and sum
 * of squares) are held as floats, on which every level decision is made
 * exactly (gq_kern.h), the errors in double unless exact in float. Files:
 * gq.c (the pass), gq_eval.c (scales, quantizers), gq_opt.c (mse
 * optimum), gq_kern.c (kernels), gq_int.h (their shared internals).
 *
 * Groups. group:G: the tensor is a matrix [shape[0], R] (R = count /
 * shape[0]; a 1-D tensor is one row) and each row is cut into groups of G
 * consecutive values; with --axis=K (group_along_axis) the groups run
 * along axis K instead: G consecutive indices of axis K, the other indices
 * fixed. block:RxC: tiles of R rows by C columns of the matrix [shape[0],
 * R]. A last group (tile) shorter than G (R x C) is allowed and is
 * quantized on its own ("ragged").
 *
 * Scales. Level set v (max |v| = 1) in natural units: nat = v * natmax,
 * natmax = 2^(b-1) - 1 for signed uniform (2^b - 1 unsigned), the largest
 * finite value for minifloats (6, 7.5, 28, 448, 57344), 1 otherwise. A
 * group's alpha gives the scale s = alpha / natmax, stored as
 * cfg->sdtype (gq_round_scale); every value x goes to the level nearest to
 * x / s_stored (ties to the lower level; uniform: q = ceil(x/s - 1/2)
 * clamped), x^ = s_stored * nat. Presets follow their reference formulas
 * exactly (man page, SCHEMES AND SCALES): int-asym (AWQ min/max), nf4
 * with --alpha=max (bitsandbytes, float arithmetic), mxfp4 (OCP MX v1.0),
 * q4_0 / q8_0 (llama.cpp reference quantizers).
 *
 * --alpha=mse: each group's own optimum over alpha in (0, max|x|], exact
 * (gq_opt_alpha), then its scale is rounded like any other.
 *
 * Code counts: with 2-byte codes and group_codes.count (group.h) given
 * and still all zero, the pass also counts every code of the tensor as
 * it gathers it (per thread, merged at the end: integers, any order),
 * so that the per-tensor histogram engine is built from those counts
 * (prep_create_summary_counts) without a pass of its own.
 *
 * Determinism: groups are processed in units of consecutive groups; the
 * floating-point sums of a unit are computed in one fixed order and units
 * are combined in unit order (double-double), so results are bit for bit
 * the same with any number of threads.
 */
#ifndef APOTVIEW_GQ_H
#define APOTVIEW_GQ_H

#include "quant/group.h"

/* A view sink (optional, per job): what a viewer draws for a group
 * quantizer, filled by gq_run in the same pass.
 *
 * u. For a value x (normalized when -n) of group g with stored alpha
 * alpha_g (s_stored * natmax; mxfp4: 6 X; q4_0: 8 |d|; q8_0: 127 d; nf4:
 * the stored absmax), u = x / alpha_g, with u = 0 when x = 0 (so an
 * all-zero group, alpha 0, counts at u = 0) and +-inf when x != 0 and
 * alpha_g = 0 (a scale rounded to zero). int-asym (scale sc, zero point z,
 * grid lo = -z sc .. hi = (maxq - z) sc): u = (x - c) / alpha_g with c =
 * (lo + hi) / 2, alpha_g = (hi - lo) / 2 = sc maxq / 2, i.e. x's position in
 * the group's [lo, hi] mapped to [-1, 1] (u = 0 when x = c).
 *
 * Histogram. nbins equal bins over [-1, 1]: bin b = floor((u + 1) / 2 *
 * nbins) (double arithmetic), clamped to 0 .. nbins - 1 (so u = 1 and
 * every u > 1 land in the last bin, u < -1 in bin 0). Values with |u| > 1
 * are also counted in nclip. gq_run overwrites hist[0 .. nbins).
 *
 * Groups. Index gi is the engine's order (group:G along the rows: gi =
 * row * gpr + j, gpr = ceil(ncols / G), j the group within the row, the
 * tensor seen as [shape[0], count / shape[0]], a 1-D tensor one row;
 * --axis=K (group_along_axis): with outer = prod shape[0..K), inner = prod
 * shape(K..ndim), gpa = ceil(shape[K] / G): gi = (o gpa + ga) inner + i,
 * o the outer index, ga the group along axis K, i the inner index (2-D,
 * axis 0: gi = ga ncols + col); block:RxC: gi = tile_row tpr + tile_col,
 * tpr = ceil(ncols / C); fixed formats (mxfp4, q4_0, q8_0): groups of 32
 * along the rows as group:32). gcols: the groups form a row-major grid
 * [ngroups / gcols, gcols] (gpr; inner when grouped along an axis with
 * inner > 1, else gpa; tpr), the shape a per-group error strip or map is
 * drawn in. Per group: the stored alpha (0 for a group with no value or
 * only zeros, unless the alpha is fixed: --alpha=VALUE/FILE), its sum of
 * squared errors (normalized units, the sum the report's mse adds up) and
 * its count of finite values.
 *
 * Every output is the same with any number of threads. On error (gq_run
 * returns -1) the outputs are ngroups 0 and NULL arrays. */
typedef struct gq_view {
    int nbins;          /* in: bins of the pooled histogram over [-1, 1] (e.g. 201) */
    uint64_t *hist;     /* out: nbins counts of u = x / alpha_g for every finite value
                           (x normalized value, alpha_g its group's clipping alpha after
                           scale rounding, i.e. s_stored * natmax); u beyond [-1,1]
                           (clipped) is counted in the end bin and also in nclip.
                           NULL or nbins < 1: no histogram */
    uint64_t nclip;     /* out: values with |u| > 1 */
    size_t ngroups;     /* out */
    float *alpha;       /* out: malloc'd [ngroups], each group's stored alpha (0 for an all-zero/empty group) */
    float *sse;         /* out: malloc'd [ngroups], each group's sum of squared error (normalized units) */
    uint32_t *count;    /* out: malloc'd [ngroups], finite values in each group */
    size_t gcols;       /* out: groups per row of the group grid (above) */
} gq_view;

/* Frees alpha, sse and count (and sets them NULL); hist is the caller's. */
void gq_view_free(gq_view *v);

/* One scheme for gq_run: ls built by the caller (kept), def its table
 * entry, out the result to fill (granularity etc. set by the caller). */
typedef struct gq_job {
    levelset ls;
    const scheme_def *def;
    analyze_result *out;   /* NULL: computed but not reported (hidden uniform) */
    double adds_mean;      /* filled: the result's adds_mean */
    gq_view *view;         /* NULL: not wanted; else filled (gq_view) */
} gq_job;

/* Whether gq_run computes scheme d under cfg (the alpha mode and scheme
 * kind are supported); fixed formats (SCHEME_MX) always are. */
int gq_handles(const analyze_cfg *cfg, const scheme_def *d);

/* Run jobs over t with cfg's slicing (fixed: the fixed formats' blocks of
 * 32 along rows, whatever cfg->gran). m, s: normalization (x = (w - m)/s).
 * Returns 0; -1 with msg for a slicing that does not fit the tensor. */
int gq_run(const group_tensor *t, const group_codes *codes, const analyze_cfg *cfg, int fixed, double m, double s,
           gq_job *jobs, int njobs, char *msg, size_t mlen);

/* The scale s > 0 as stored in format d (round to nearest even; values
 * beyond the format's range saturate to its largest finite value; e8m0:
 * the smallest power of two >= s, exponent clamped to -127..127). 0 stays 0. */
double gq_round_scale(double s, scale_dtype d);

/* Bits of one stored scale. */
int gq_scale_bits(scale_dtype d);

/* The exact MSE-optimal alpha in (0, amax] for values x[0..n) (finite)
 * with level set ls (nearest level, no scale rounding); *sse its sum of
 * squared errors. Ties: the largest alpha. For tests and the engine. */
double gq_opt_alpha(const levelset *ls, const double *x, size_t n, double *sse);

/* The kernels: 0 the best the CPU has (AVX2 when there, else the
 * baseline build), 1 the baseline build, 2 AVX2. All give the same bits
 * (gq_kern.h); for tests. Returns -1 (nothing changed) when path 2 is not
 * available. Not thread-safe: set it before gq_run. */
int gq_set_kernel(int path);

#endif
