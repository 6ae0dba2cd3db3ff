/*
 * prep_hist.h - the histogram engine (prep.h): the same interface without
 * sorting or copying the values, for whole-model reports on large tensors.
 *
 * Data structure: one pass over the values fills 65536 buckets keyed by the
 * top 16 bits of each float (sign, exponent, 7 mantissa bits: a bucket
 * spans 1/128 of an octave). A value is edge + m * ulp with m its low 16
 * bits, so the integer sums of m and m^2 give each bucket's count, sum and
 * sum of squares exactly; cumulative sums over the ordered buckets replace
 * the per-value prefix sums. Ranks, sums and values inside a bucket are
 * interpolated (a uniform spread, corrected to the bucket's exact totals):
 * good enough for searching alpha, and the same whether or not anything
 * was resolved, so a search gives the same alpha twice.
 *
 * Exact answers (PREP_CAP_RESOLVE): while a prep_query records, every
 * decision boundary that an evaluation with full = 1 asks for (eval.c) is
 * noted in the query; prep_query_resolve then makes one more pass over the
 * values that counts, sums and finds the neighbours of every noted
 * boundary exactly, in the bucket that holds it, and keeps the answers in
 * the query. After that, eval_full_q() with that query at the same
 * boundaries is exact, to the same comparison in x units as the sorted
 * engine makes. Without a query (or for boundaries it did not note) the
 * answers are interpolated, and counted in q->misses when q is given.
 *
 * Ownership and const-ness: the prep holds the buckets and the cumulative
 * arrays, written once by prep_create_summary and only read afterwards;
 * the source is read, never owned. Noted and resolved boundaries, the
 * memo and a lookup cache live in the query (one per analysis and thread).
 * Memory: about 3 MiB per prep plus 2 MiB per part while a pass runs; the
 * values are never copied.
 *
 * Stats: count, n, mean, std, min, max and sumsq are exact (as the sorted
 * engine's); the kurtosis takes each bucket's exact mean and variance and
 * a uniform spread within it (relative error below 1e-5).
 */
#ifndef APOTVIEW_PREP_HIST_H
#define APOTVIEW_PREP_HIST_H

#include "quant/prep.h"
#include "io/grid.h"

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
    /* Or a weighted source (io/grid.h): count / unit units of unit
     * values; weigh(ctx, first, n, out) writes the values of units
     * [first, first + n) as (value, count) pairs, at most wmax per unit,
     * and returns their number (-1: unreadable). A block-quantized
     * tensor's sub-block of 32 4-bit codes is at most 16 pairs: every
     * pass counts those, not each value, and the answers are those of
     * the same values one by one (the sums are integers). */
    int64_t (*weigh)(void *ctx, uint64_t first, uint64_t n, grid_wpair *out);
    unsigned unit, wmax;
} prep_source;

/* The source must stay readable until the last prep_query_resolve() has
 * run (or the prep is freed). nthreads: parts of each pass (>= 1), run on
 * the threads the budget grants (core/par.h); the answers do not depend on
 * either. At most PREP_SUMMARY_MAX - 1 values (else NULL, err set). */
#define PREP_SUMMARY_MAX PREP_LARGE
prep *prep_create_summary(const prep_source *src, int nthreads, util_err *err);
/* The same prep for a 2-byte source (src->codes16) from the count of
 * every code (count: 65536 entries adding up to src->count, malloc'd,
 * taken over: freed with the prep or on error; e.g. counted by the group
 * engine's pass: group_codes.count), without a pass of its own: the same
 * prep as prep_create_summary makes of those codes. NULL (err set) when
 * the counts do not add up. */
prep *prep_create_summary_counts(const prep_source *src, uint64_t *count, int nthreads,
                                 util_err *err);
/* A thread that built histogram preps keeps a 2 MiB table for the next
 * one; it frees it with this before it ends. */
void prep_summary_thread_done(void);

#endif
