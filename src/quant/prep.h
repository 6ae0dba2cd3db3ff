/*
 * prep.h - a tensor prepared for exact, instant evaluation.
 *
 * Data structure: the finite values of the tensor sorted ascending (float
 * when the dtype converts to float exactly, else double), plus blocked
 * prefix sums of d = w - origin and d^2 in double-double, one entry per
 * PREP_BLOCK values (origin = the mean, which keeps the sums small and
 * avoids cancellation). A sum over any index range [i, j) costs two prefix
 * lookups plus at most 2 * PREP_BLOCK values at the ragged ends, so one
 * evaluation of a level set never touches all N values.
 *
 * Memory: the sorted values (1x) plus the prefix blocks (32 bytes per
 * PREP_BLOCK values), plus a same-sized scratch buffer during the sort.
 *
 * Ownership: prep_create_* takes ownership of the buffer it is given (it
 * sorts it in place, may shrink it) and prep_free() frees everything.
 */
#ifndef APOTVIEW_PREP_H
#define APOTVIEW_PREP_H

#include <stddef.h>
#include <stdint.h>
#include "core/util.h"

#define PREP_BLOCK 32

/* Shared with a worker thread: the caller may set cancel at any time;
 * the preparation sets frac (0..1) as it goes. NULL is allowed. */
typedef struct prep_progress {
    volatile int cancel;
    volatile double frac;
} prep_progress;

typedef struct prep_stats {
    uint64_t count;        /* all elements */
    uint64_t n;            /* finite elements */
    uint64_t nonfinite;
    double mean, std;      /* std with N - 1 (0 when n < 2) */
    double min, max, absmax;
    double kurtosis;       /* excess, population moments; 0 when m2 == 0 */
    double sumsq;          /* sum of w^2 */
} prep_stats;

typedef struct prep {
    prep_stats st;
    int is_double;
    float *f;              /* sorted finite values (when !is_double) */
    double *d;             /* sorted finite values (when is_double) */
    double origin;
    uint64_t nblocks;      /* n / PREP_BLOCK + 1 prefix entries */
    dd *p1, *p2;           /* p1[k] = sum_{i < k*B} (w_i - origin), p2 of squares */
} prep;

/* Take ownership of vals (count floats / doubles), drop non-finite values,
 * sort, compute stats and prefix sums. Returns NULL when cancelled (vals is
 * freed) or when memory runs out (err set). */
prep *prep_create_float(float *vals, uint64_t count, prep_progress *pg, util_err *err);
prep *prep_create_double(double *vals, uint64_t count, prep_progress *pg, util_err *err);
void prep_free(prep *p);

static inline double prep_value(const prep *p, uint64_t i)
{
    return p->is_double ? p->d[i] : (double)p->f[i];
}

/* Number of sorted values < w (strict: values equal to w are not counted). */
uint64_t prep_rank_lt(const prep *p, double w);
/* Number of sorted values <= w. */
uint64_t prep_rank_le(const prep *p, double w);
/* Sums of (w - origin) and (w - origin)^2 over sorted indices [i, j). */
void prep_range_sums(const prep *p, uint64_t i, uint64_t j, dd *s1, dd *s2);

/* Sort helpers, exposed for tests and benchmarks (LSD radix on the bits). */
void prep_sort_float(float *v, uint64_t n, float *scratch);
void prep_sort_double(double *v, uint64_t n, double *scratch);

#endif
