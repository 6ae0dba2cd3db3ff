/*
 * eval.h - exact quantization metrics from a prepared tensor.
 *
 * x is the tensor entering the quantizer: w, or (w - mean) / std when
 * normalize is set. The quantizer maps x to the nearest of alpha * v[k]
 * (clamping to the level range is implied: the extreme levels are the
 * clipping bounds). The decision boundaries (midpoints) split the sorted
 * values into runs; each run's squared error comes from prefix sums, so an
 * evaluation costs O(L (log N + PREP_BLOCK)) for L levels.
 *
 * Everything here is pure: no allocation except where noted, no I/O.
 */
#ifndef APOTVIEW_EVAL_H
#define APOTVIEW_EVAL_H

#include <stdint.h>
#include "quant/prep.h"
#include "quant/levels.h"

typedef struct eval_result {
    double alpha;
    double mse;
    double sqnr_db;        /* +inf when mse == 0 (and sum x^2 > 0) */
    double max_abs_err;
    double clipped;        /* fraction */
    double entropy_bits;
    double adds_mean, shifts_mean;   /* NaN when a level is not a sum of powers of two */
    int adds_worst;                  /* -1 then */
    uint64_t levels_used;
    uint64_t levels_total;
    uint64_t n;            /* finite elements evaluated */
    double sumsq;          /* sum of x^2 (for SQNR over several tensors) */
    /* The sum of squared errors and sum of x^2 in units of 2^uexp: finite
     * for any finite input, where mse * n and sumsq may overflow to inf
     * (float64 values beyond ~1e154); uexp is 0 but for such tensors. 0, 0
     * when the producer does not fill them (group results). */
    double sse_u, sumsq_u;
    int uexp;
} eval_result;

/* The worst-case additions of a level set's levels (-1 when a level is not
 * a sum of powers of two: a codebook value), and whether that is so. */
int eval_adds_worst(const levelset *ls, int *cost_na);
/* An eval_result (all but alpha) from the totals of one pass over n values
 * (the group engines): the sum of squared errors and of x^2, the largest
 * error, the count outside its range and how often each of ls's levels was
 * used (ls->n counts). */
void eval_result_from_totals(const levelset *ls, uint64_t n, double sse, double sumsq, double maxerr,
                             uint64_t clipped, const uint64_t *counts, eval_result *r);

/* Whether normalization is possible for p (finite, std > 0). */
int eval_can_normalize(const prep *p);
/* max |x| over the tensor, in x units. */
double eval_xabsmax(const prep *p, int normalize);
/* The largest useful alpha for this level set: max |x|, or for an affine
 * set (ls->asym) the half-range (max x - min x) / 2. */
double eval_alpha_max(const prep *p, const levelset *ls, int normalize);
/* The offset of the levels in x units: level k is shift + alpha * v[k].
 * 0 unless ls->asym; then the range [c - alpha, c + alpha] around the
 * tensor's midrange c, moved so that 0 is a level (integer zero point
 * zp = round((alpha - c) / scale), scale = 2 alpha / (n - 1), clamped to
 * 0 .. n - 1): shift = alpha - zp * scale. */
double eval_shift(const prep *p, const levelset *ls, double alpha, int normalize);
/* The x-space transform and its inverse. */
double eval_x_of_w(const prep *p, int normalize, double w);
double eval_w_of_x(const prep *p, int normalize, double x);

/* All metrics at one alpha (> 0). counts (optional, ls->n entries) receives
 * how many values map to each level. Returns -1 (err set) when normalize is
 * impossible or alpha is not a positive finite number. */
int eval_full(const prep *p, const levelset *ls, double alpha, int normalize,
              eval_result *r, uint64_t *counts, util_err *err);

/* The same with the query of an analysis (prep.h): an engine with a
 * resolve pass answers exactly at the boundaries q resolved, and notes
 * them while q records. q may be NULL (eval_full). */
int eval_full_q(const prep *p, prep_query *q, const levelset *ls, double alpha, int normalize,
                eval_result *r, uint64_t *counts, util_err *err);

/* Only the mse (fast path used by sweeps and the optimizer). */
double eval_mse(const prep *p, const levelset *ls, double alpha, int normalize);

/* Global MSE minimum over alpha in (0, max|x|]: dense scan plus exact
 * refinement (alternating assignment / closed-form alpha). */
double eval_best_alpha(const prep *p, const levelset *ls, int normalize, double *mse_out);
/* The same within an analysis: with q and an engine with a resolve pass,
 * the second round reads the first one's answer from q's memo. */
double eval_best_alpha_q(const prep *p, prep_query *q, const levelset *ls, int normalize,
                         double *mse_out);

/* mse at each of n alphas. */
void eval_curve(const prep *p, const levelset *ls, int normalize,
                const double *alphas, int n, double *mse_out);

/* Histogram of x over [lo, hi) in nbins equal bins (values outside are not
 * counted). O(nbins log N). */
void eval_histogram(const prep *p, int normalize, double lo, double hi,
                    int nbins, uint64_t *counts);

#endif
