/*
 * errhist.h - the error histogram of a quantizer on a prepared tensor
 * (issue 12): the distribution of e = x - Q(x) over the finite values, with
 * its mean, rms and extremes, and the clipped tails apart.
 *
 * x is the quantizer's input (eval.h: w, or (w - mean) / std normalized);
 * Q(x) the nearest of the levels shift + alpha v[k] (a value on a midpoint
 * goes to the upper level, as eval.c cuts). Clipped: x below the lowest
 * level or above the highest (their error is beyond half a step).
 *
 * Exact: each level's run of values (between two decision boundaries) is
 * cut by rank queries at the bin edges moved by the level (x in
 * [L + e0, L + e1)), so a bin's count is what binning every value's e
 * would give, up to the rounding of L + e0 in double at an edge; the sums
 * come from the prep's prefix sums and the extremes from each run's first
 * and last value. O(L nbins log N), no pass over the values.
 */
#ifndef APOTVIEW_ERRHIST_H
#define APOTVIEW_ERRHIST_H

#include <stdint.h>
#include "quant/levels.h"
#include "quant/prep.h"

typedef struct errhist_stats {
    uint64_t n;            /* finite values */
    uint64_t clipped_lo, clipped_hi; /* below the lowest / above the highest level */
    double mean, rms;      /* of e */
    double emin, emax;     /* smallest and largest e (0, 0 when n is 0) */
    double sse, sse_clip;  /* sum of e^2: all values, the clipped ones */
    double step_half;      /* half the largest gap between levels (alpha units
                              applied): |e| of an unclipped value is at most this */
} errhist_stats;

/* The statistics of e at (shift, alpha); 0, or -1 when alpha is not a
 * positive finite number, ls is empty or normalize is impossible. */
int errhist_stats_of(const prep *p, int normalize, const levelset *ls, double shift, double alpha,
                     errhist_stats *st);

/* Counts of e in nbins equal bins over [lo, hi) (the last bin includes
 * hi; values outside are not counted): count[b] all of them, clipped[b]
 * (NULL: not wanted) those clipped. 0, or -1 as errhist_stats_of. */
int errhist_bins(const prep *p, int normalize, const levelset *ls, double shift, double alpha, double lo,
                 double hi, int nbins, uint64_t *count, uint64_t *clipped);

/* Magnitudes on a log2 axis: counts of log2|x| in nbins equal bins over
 * [t0, t1) (the last bin includes t1); *below gets the nonzero values
 * with |x| < 2^t0, *zeros the values equal to 0, *above those beyond
 * 2^t1 (any pointer may be NULL). 0, or -1 when the range is empty or
 * normalize is impossible. */
int errhist_log2_bins(const prep *p, int normalize, double t0, double t1, int nbins, uint64_t *count,
                      uint64_t *below, uint64_t *zeros, uint64_t *above);

#endif
