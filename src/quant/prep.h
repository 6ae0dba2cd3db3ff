/*
 * prep.h - a tensor prepared for exact, instant evaluation: the one
 * interface of the engines (sorted, histogram, group).
 *
 * A prepared tensor (prep) answers a few questions about its finite
 * values in ascending order: how many lie below a boundary (rank), the
 * sums of d = w 2^-sexp - origin_s and d^2 over a range of sorted indices
 * (sums), and the value at a sorted index (value). Everything else (eval.h,
 * analyze.h, lloyd.h, clip.h) is built on those answers, so an engine is a
 * table of functions (struct prep_ops, like the loaders' loader_format) and
 * a fourth engine needs a new table, not new branches elsewhere.
 *
 * Capabilities (caps) say what an engine answers exactly; the report picks
 * an engine by asking which ones can answer a setting (prep_engine_pick),
 * never by a list of exceptions.
 *
 * Const-ness: a prep is immutable once created; every query takes a const
 * prep and changes nothing in it, so any number of threads may query one
 * prep at once. What an analysis accumulates (boundaries noted for an
 * engine's resolve pass, what that pass resolved, a memo of searches for
 * the second round, counters, lookup caches) lives in a separate,
 * non-const prep_query that the analysis owns (one per thread).
 *
 * Ownership: each constructor returns a prep that prep_free() frees with
 * everything it owns; a prep_query is freed with prep_query_free() before
 * (or after) its prep, and belongs to one prep.
 *
 * The engines: prep_sorted.h (sorted values + double-double prefix sums:
 * every answer exact), prep_hist.h (histogram of the float bits: searches
 * interpolated, full evaluations exact after one resolve pass), and
 * prep_group.h (per-channel / group / block scales and MX blocks beside a
 * per-tensor engine). Their constructors are declared there; this header
 * includes them.
 */
#ifndef APOTVIEW_PREP_H
#define APOTVIEW_PREP_H

#include <stddef.h>
#include <stdint.h>
#include "core/util.h"

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

typedef struct prep prep;
typedef struct prep_query prep_query;
struct analyze_cfg;
struct analyze_result;

/* What an engine answers. */
enum {
    /* value(i) is the exact i-th sorted value, read from p->f / p->d */
    PREP_CAP_VALUES = 1u << 0,
    /* every answer exact with no resolve pass: searches, mse curves
     * (--sweep) and quantiles (percentile, kl, aciq) included */
    PREP_CAP_EXACT = 1u << 1,
    /* full evaluations exact after a resolve pass over the boundaries an
     * analysis noted (ops->resolve); searches interpolated */
    PREP_CAP_RESOLVE = 1u << 2,
    /* values that are not floats (float64 and 64-bit integers) */
    PREP_CAP_DOUBLE = 1u << 3,
    /* PREP_LARGE values or more */
    PREP_CAP_LARGE = 1u << 4,
    /* per-channel, per-group and per-block scales and MX blocks (the
     * values in C order) */
    PREP_CAP_GROUP = 1u << 5,
};
#define PREP_LARGE ((uint64_t)0xFFFFFFFFu)

typedef struct prep_ops {
    const char *name;      /* "sorted", "histogram", "group" (--engine) */
    unsigned caps;         /* PREP_CAP_*: what the engine can answer */
    /* prep_engine_pick under --engine=auto: the engine for tensors of
     * this many values or more among those that can answer (the largest
     * such threshold wins) */
    uint64_t auto_from;
    /* Number of values < w (le: <= w). Exact with PREP_CAP_EXACT, else
     * interpolated. w is not NaN. */
    uint64_t (*rank)(const prep *p, double w, int le);
    /* Number of values whose x = (w - m) / s, computed in double exactly
     * as a brute force would, is < bx (<= when le). full: a full
     * evaluation's boundary (eval_full): exact when q resolved it, noted
     * in q while q records. q may be NULL. */
    uint64_t (*rank_x)(const prep *p, prep_query *q, double m, double s, double bx, int le,
                       int full);
    /* Sums of d and d^2 over sorted indices [i, j), i < j; full as for
     * rank_x (at resolved ranks: exact). */
    void (*sums)(const prep *p, prep_query *q, uint64_t i, uint64_t j, int full, dd *s1, dd *s2);
    /* The value at sorted index i < n (full: exact at resolved ranks). */
    double (*value)(const prep *p, prep_query *q, uint64_t i, int full);
    /* One pass that resolves every boundary q noted (and clears them).
     * NULL: always exact, nothing to resolve. The prep is not changed:
     * what is resolved is kept in q. */
    int (*resolve)(const prep *p, prep_query *q, util_err *err);
    /* The analysis of analyze_tensor for engines that answer it their own
     * way (the group engine); NULL: analyze.c's, on the queries above. */
    int (*analyze)(const prep *p, prep_query *q, const struct analyze_cfg *cfg,
                   const char *const *schemes, int nschemes, int want_opt,
                   struct analyze_result *out, util_err *err);
    /* A hash of everything the prep holds (tests: queries change nothing). */
    uint64_t (*state_hash)(const prep *p);
    void (*free)(prep *p);
} prep_ops;

/* The engines, in the order prep_engine_pick prefers them on ties. */
extern const prep_ops prep_sorted_ops, prep_hist_ops, prep_group_ops;

/* The engine for a tensor of count values when the answers need every
 * capability in need: the one named name when it can ("auto" or NULL:
 * none named), else among those that can, the one with the largest
 * auto_from <= count (none: the smallest auto_from). NULL when no engine
 * has every capability in need. */
const prep_ops *prep_engine_pick(const char *name, unsigned need, uint64_t count);

struct prep {
    const prep_ops *ops;
    unsigned caps;         /* what this prep answers (ops->caps, or, for
                              the group engine, also its per-tensor engine's) */
    prep_stats st;
    int is_double;
    const float *f;        /* PREP_CAP_VALUES: sorted finite values (!is_double) */
    const double *d;       /* PREP_CAP_VALUES: sorted finite values (is_double) */
    double origin;
    /* Scaling, so that no sum of squares or fourth powers overflows or
     * underflows for any finite input: sums (and prep_range_sums) are in
     * units of 2^sexp, about origin_s = origin 2^-sexp. sexp is 0
     * (origin_s == origin) except for double tensors whose max|w| is above
     * 2^200 or below 2^-200. */
    int sexp;
    double origin_s;
    double sumsq_s;        /* sum of w^2 in those units: always finite */
};

void prep_free(prep *p);

static inline double prep_value(const prep *p, uint64_t i)
{
    if (p->caps & PREP_CAP_VALUES)
        return p->is_double ? p->d[i] : (double)p->f[i];
    return p->ops->value(p, NULL, i, 0);
}

/* Number of sorted values < w (strict: values equal to w are not counted). */
uint64_t prep_rank_lt(const prep *p, double w);
/* Number of sorted values <= w. */
uint64_t prep_rank_le(const prep *p, double w);
/* Sums of d = w 2^-sexp - origin_s and d^2 over sorted indices [i, j)
 * (w - origin and its square when sexp is 0, as it nearly always is). */
void prep_range_sums(const prep *p, uint64_t i, uint64_t j, dd *s1, dd *s2);

/* ---- the mutable side of an analysis --------------------------------- */

struct prep_query {
    const prep *p;         /* the prep it belongs to */
    int recording;         /* note the boundaries full evaluations ask for */
    uint64_t misses;       /* full-evaluation answers that were interpolated
                              (neither resolved nor noted) */
    struct prep_memo *memo;
    void *eng;             /* the engine's own part (created by the engine
                              on first use, freed with eng_free) */
    void (*eng_free)(void *eng);
};

prep_query *prep_query_new(const prep *p);
void prep_query_free(prep_query *q);
/* Note (on) or stop noting the boundaries that full evaluations ask for. */
void prep_query_record(prep_query *q, int on);
/* The engine's resolve pass (0 at once for engines without one). */
int prep_query_resolve(prep_query *q, util_err *err);
uint64_t prep_query_misses(const prep_query *q);
/* A memo for the two rounds of analyze.c: a search stores its answer (n
 * doubles) under a key, the second round reads it back instead of
 * searching again. get returns 0 when found. prep_hash: FNV-1a. */
int prep_query_memo_get(const prep_query *q, uint64_t key, double *v, size_t n);
void prep_query_memo_put(prep_query *q, uint64_t key, const double *v, size_t n);
uint64_t prep_hash(uint64_t h, const void *data, size_t len);

/* A hash of the prep and everything it holds (for tests). */
uint64_t prep_state_hash(const prep *p);

#include "quant/prep_sorted.h"
#include "quant/prep_hist.h"

#endif
