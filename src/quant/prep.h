/*
 * prep.h - a tensor prepared for exact, instant evaluation.
 *
 * Data structure: the finite values of the tensor sorted ascending (float
 * when the dtype converts to float exactly, else double), plus blocked
 * prefix sums of d = w - origin and d^2 in double-double, one entry per
 * block of values (origin = the mean, which keeps the sums small and
 * avoids cancellation). A sum over any index range [i, j) costs two prefix
 * lookups plus at most 2 blocks of values at the ragged ends, so one
 * evaluation of a level set never touches all N values. A block is
 * PREP_BLOCK values, 8 up to 2^20 values and 1 up to PREP_SMALL_N.
 *
 * Memory: the sorted values (1x) plus the prefix blocks (32 bytes per
 * block), plus a same-sized scratch buffer during the sort.
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
/* Tensors this small get a prefix entry per value (and up to 2^20 values
 * one per 8): their evaluations then read no values at the ragged ends,
 * for 32 bytes per value of memory they can afford. */
#define PREP_SMALL_N 65536

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

struct prep_summary;

typedef struct prep {
    prep_stats st;
    struct prep_summary *sm; /* non-NULL: the histogram engine (below); f, d,
                                p1, p2 are then NULL */
    int is_double;
    float *f;              /* sorted finite values (when !is_double) */
    double *d;             /* sorted finite values (when is_double) */
    double origin;
    uint64_t block;        /* values per prefix entry: 1, 8 or PREP_BLOCK */
    uint64_t nblocks;      /* n / block + 1 prefix entries */
    dd *p1, *p2;           /* p1[k] = sum_{i < k*B} (w_i 2^-sexp - origin_s), p2 of squares */
    /* Scaling, so that no sum of squares or fourth powers overflows or
     * underflows for any finite input: the prefix sums (and
     * prep_range_sums) are in units of 2^sexp, about origin_s =
     * origin 2^-sexp. sexp is 0 (origin_s == origin) except for double
     * tensors whose max|w| is above 2^200 or below 2^-200. */
    int sexp;
    double origin_s;
    double sumsq_s;        /* sum of w^2 in those units: always finite */
} prep;

/* Take ownership of vals (count floats / doubles), drop non-finite values,
 * sort, compute stats and prefix sums. Returns NULL when cancelled (vals is
 * freed) or when memory runs out (err set). */
prep *prep_create_float(float *vals, uint64_t count, prep_progress *pg, util_err *err);
prep *prep_create_double(double *vals, uint64_t count, prep_progress *pg, util_err *err);
void prep_free(prep *p);
/* The same from count 2-byte codes (code = byte0 | byte1 << 8) whose
 * values are code_value[code] (bfloat16, float16, int16, ...): counting
 * the codes replaces the sort. */
prep *prep_create_codes16(const unsigned char *raw, uint64_t count, const float *code_value,
                          prep_progress *pg, util_err *err);

double prep_summary_value(const prep *p, uint64_t i);

static inline double prep_value(const prep *p, uint64_t i)
{
    if (p->sm)
        return prep_summary_value(p, i);
    return p->is_double ? p->d[i] : (double)p->f[i];
}

/* Number of sorted values < w (strict: values equal to w are not counted). */
uint64_t prep_rank_lt(const prep *p, double w);
/* Number of sorted values <= w. */
uint64_t prep_rank_le(const prep *p, double w);
/* Sums of d = w 2^-sexp - origin_s and d^2 over sorted indices [i, j)
 * (w - origin and its square when sexp is 0, as it nearly always is). */
void prep_range_sums(const prep *p, uint64_t i, uint64_t j, dd *s1, dd *s2);

/*
 * The histogram engine: the same prep interface without sorting or copying
 * the values, for whole-model reports on large tensors (summary.c).
 *
 * One pass over the values fills 65536 buckets keyed by the top 16 bits of
 * each float (sign, exponent, 7 mantissa bits: a bucket spans 1/128 of an
 * octave). A value is edge + m * ulp with m its low 16 bits, so the
 * integer sums of m and m^2 give each bucket's count, sum and sum of
 * squares exactly; cumulative sums over the ordered buckets replace the
 * per-value prefix sums. Ranks, sums and values inside a bucket are
 * interpolated (a uniform spread, corrected to the bucket's exact totals):
 * good enough for searching alpha, and the same whether or not anything
 * was resolved, so a search gives the same alpha twice.
 *
 * Exact answers: while recording is on, every decision boundary that an
 * evaluation with WANT_FULL asks for (eval.c) is noted; prep_summary_resolve
 * then makes one more pass over the values that counts, sums and finds the
 * neighbours of every noted boundary exactly, in the bucket that holds it.
 * After that, eval_full() at the same boundaries is exact, to the same
 * comparison in x units as the sorted engine makes. Memory: about 3 MiB per
 * prep plus 2 MiB per thread while a pass runs; the values are never copied.
 *
 * Stats: count, n, mean, std, min, max and sumsq are exact (as the sorted
 * engine's); the kurtosis takes each bucket's exact mean and variance and
 * a uniform spread within it (relative error below 1e-5).
 */
typedef struct prep_source {
    /* count float32 values in the host's byte order, any alignment; or
     * NULL and: */
    const unsigned char *f32;
    /* convert values [first, first + n) to float into dst (thread-safe) */
    void (*convert)(void *ctx, uint64_t first, uint64_t n, float *dst);
    void *ctx;
    uint64_t count;
    /* Or a 2-byte type (bfloat16, float16, int16, ...): count codes of 2
     * bytes, code = byte0 | byte1 << 8, whose values are code_value[code]
     * (65536 entries, copied). The engine then counts codes: the count of
     * every distinct value is known, so no pass resolves anything. */
    const unsigned char *codes16;
    const float *code_value;
} prep_source;

/* The source must stay readable until prep_summary_resolve() has run (or
 * the prep is freed). nthreads: threads for each pass (>= 1). At most
 * PREP_SUMMARY_MAX - 1 values (else NULL, err set). */
#define PREP_SUMMARY_MAX ((uint64_t)0xFFFFFFFFu)
prep *prep_create_summary(const prep_source *src, int nthreads, util_err *err);
/* A thread that built histogram preps keeps a 2 MiB table for the next
 * one; it frees it with this before it ends. */
void prep_summary_thread_done(void);
/* Note (on) or stop noting the boundaries that full evaluations ask for. */
void prep_summary_record(const prep *p, int on);
/* One pass over the values that resolves every noted boundary. */
int prep_summary_resolve(const prep *p, util_err *err);
/* Boundaries asked for while not recording and not resolved (each answer
 * was interpolated). */
uint64_t prep_summary_misses(const prep *p);
/* For eval.c: the number of values whose (w - m) / s is < bx (<= when le);
 * exact when resolved, recorded when rec and recording. */
uint64_t prep_summary_rank_x(const prep *p, double m, double s, double bx, int le, int rec);
/* For eval.c: the exact range sums / value at a resolved rank (or 0, n),
 * interpolated otherwise (and counted as a miss when exact is asked). */
void prep_summary_range_sums(const prep *p, uint64_t i, uint64_t j, int exact, dd *s1, dd *s2);
double prep_summary_value_at(const prep *p, uint64_t i, int exact);
/* A memo for the two rounds of analyze.c: a search stores its answer
 * (n doubles) under a key, the second round reads it back instead of
 * searching again. get returns 0 when found. prep_hash: FNV-1a. */
int prep_summary_memo_get(const prep *p, uint64_t key, double *v, size_t n);
void prep_summary_memo_put(const prep *p, uint64_t key, const double *v, size_t n);
uint64_t prep_hash(uint64_t h, const void *data, size_t len);
/* Behind prep_free, prep_rank_lt/le and prep_range_sums (interpolated). */
void prep_summary_free(prep *p);
uint64_t prep_summary_rank_w(const prep *p, double w);
void prep_summary_sums_approx(const prep *p, uint64_t i, uint64_t j, dd *s1, dd *s2);

/* Sort helpers, exposed for tests and benchmarks (LSD radix on the bits). */
void prep_sort_float(float *v, uint64_t n, float *scratch);
void prep_sort_double(double *v, uint64_t n, double *scratch);

#endif
