/*
 * lloyd.h - the Lloyd-Max quantizer of a prepared tensor: the L levels that
 * minimize the mean squared error, the lower bound every other scheme with
 * L levels is measured against (gap_to_optimal_db).
 *
 * Lloyd's algorithm runs on the sorted values: the decision thresholds (the
 * midpoints between neighbouring levels) split the sorted array into runs,
 * found by binary search, and each level moves to the centroid of its run,
 * computed from the prefix sums. One iteration is O(L (log N + PREP_BLOCK));
 * it stops when the runs no longer change (an exact fixed point). Lloyd
 * finds local optima, so it starts from several initializations and keeps
 * the best: quantiles, uniform over [min, max], the Gaussian Max quantizer
 * scaled by mean and std, and seeded random picks of data values (more of
 * them for small tensors). An empty run re-seeds its level inside the run
 * with the largest squared error.
 */
#ifndef APOTVIEW_LLOYD_H
#define APOTVIEW_LLOYD_H

#include <stddef.h>
#include "quant/prep.h"

/* The best L-level quantizer found for x (w, or (w - mean) / std when
 * normalize): levels ascending in lev[0..L) (x units). Returns its mse in
 * x units (NaN when the tensor is empty). */
double lloyd_levels(const prep *p, int normalize, size_t L, double *lev);
/* The same within an analysis (q: its query, prep.h; may be NULL). */
double lloyd_levels_q(const prep *p, prep_query *q, int normalize, size_t L, double *lev);

/* Statistics of the last call in this thread (for benchmarks). */
typedef struct lloyd_stats {
    int restarts;
    long iterations;   /* summed over restarts */
} lloyd_stats;
extern _Thread_local lloyd_stats lloyd_last;

#endif
