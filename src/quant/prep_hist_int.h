/*
 * prep_hist_int.h - the histogram engine's parts (prep_hist.h), shared by
 * its three files: prep_hist.c (the counting pass, the buckets and the
 * prep), prep_hist_query.c (interpolated answers and the lookups of
 * what a query resolved) and prep_hist_resolve.c (the pass that resolves
 * the boundaries a query noted).
 *
 * Buckets are addressed two ways: by raw key k (the top 16 bits of a
 * float: sign, 8 exponent bits, 7 mantissa bits) while counting, and by
 * ordered index b (ascending value) for prefix sums and searches. A value in
 * bucket k is sigma * (e + m * u) with sigma its sign, e the bucket's
 * smallest magnitude, u the float spacing there and m the low 16 bits;
 * sums of m (< 2^16 each) and m^2 (< 2^32) are kept as 64-bit integers,
 * which cannot overflow below 2^31 values per thread and PREP_SUMMARY_MAX
 * in all.
 */
#ifndef APOTVIEW_PREP_HIST_INT_H
#define APOTVIEW_PREP_HIST_INT_H

#include "quant/prep.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define NB 65536u
#define CHUNK 8192u
#define RIDX 4096u

typedef struct hb {
    uint64_t c, s1, s2, pad;
} hb;

typedef struct squery {      /* a boundary: values with (w - m) / s < bx (<= if le) */
    double m, s, bx;
    int le;
    uint64_t rank;           /* when resolved */
} squery;

typedef struct srank {       /* an exact position in the sorted order */
    uint64_t rank;
    dd s1, s2;               /* sums of (w - origin), ^2 over the first rank values */
    double below, above;     /* the values at rank - 1 and rank (NaN: none) */
} srank;


/* What the prep holds: written by prep_create_summary, read only after. */
struct prep_summary {
    prep_source src;
    int nthreads;
    uint64_t *C;             /* NB + 1 cumulative counts (ordered buckets) */
    unsigned *ridx;          /* RIDX + 1: bucket of rank j n / RIDX (speeds
                                bucket_of_rank) */
    dd *P1, *P2;             /* NB + 1 cumulative sums of (w - origin), ^2 */
    uint64_t *codecnt;       /* 2-byte sources: the count of each code */
    float *codeval;          /* and its value */
    float *bmin, *bmax;      /* 2-byte sources: each ordered bucket's
                                extreme values (else NULL) */
};

/* The engine's prep: the interface's part first. */
typedef struct hprep {
    prep p;
    struct prep_summary *s;
} hprep;

static inline const struct prep_summary *SM(const prep *p)
{
    return ((const hprep *)p)->s;
}

/* The engine's part of a prep_query (q->eng): what one analysis noted and
 * resolved, and a lookup cache. */
typedef struct hquery {
    squery *done;            /* resolved, sorted by (m, s, bx, le) */
    size_t ndone;
    squery *pend;            /* noted, not yet resolved */
    size_t npend, cappend;
    srank *rk;               /* sorted by rank, unique */
    size_t nrk;
    uint64_t cache_r[2];     /* the last ranks whose bucket was looked up */
    unsigned cache_b[2];
} hquery;

/* ---- bucket geometry ------------------------------------------------- */

static inline unsigned ord_of_key(unsigned k) { return k ^ ((k & 0x8000u) ? 0xFFFFu : 0x8000u); }
static inline unsigned key_of_ord(unsigned b) { return b ^ ((b & 0x8000u) ? 0x8000u : 0xFFFFu); }
static inline int key_finite(unsigned k) { return ((k >> 7) & 0xFFu) != 0xFFu; }

static inline double key_emag(unsigned k)
{
    uint32_t u = (uint32_t)(k & 0x7FFFu) << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* 2^(E - 150) (2^-149 for subnormals), built from its bits */
static inline double key_ulp(unsigned k)
{
    int e = (int)((k >> 7) & 0xFFu);
    uint64_t b = (uint64_t)((e ? e : 1) - 150 + 1023) << 52;
    double d;
    memcpy(&d, &b, 8);
    return d;
}

/* Value range [lo, hi] of ordered bucket b (the geometry alone). */
static inline void bucket_range(unsigned b, double *lo, double *hi)
{
    unsigned k = key_of_ord(b);
    double e = key_emag(k), w = 65536.0 * key_ulp(k);
    if (k & 0x8000u) {
        *lo = -(e + w);
        *hi = -e;
    } else {
        *lo = e;
        *hi = e + w;
    }
}

/* Sums of (x - o) and (x - o)^2 over c values of bucket k whose low bits
 * sum to s1 and their squares to s2. */
static inline void bucket_sums(unsigned k, uint64_t c, uint64_t s1, uint64_t s2, double o, dd *r1, dd *r2)
{
    double sg = (k & 0x8000u) ? -1.0 : 1.0;
    double u = sg * key_ulp(k);
    dd a = dd_add_d((dd){ sg * key_emag(k), 0 }, -o); /* A = sigma e - o, exact */
    double dc = (double)c, d1 = (double)s1, d2 = (double)s2;
    /* sum (A + u m) = c A + u S1 */
    *r1 = dd_add(dd_mul_dd_d(a, dc), dd_prod(u, d1));
    /* sum (A + u m)^2 = c A^2 + 2 A u S1 + u^2 S2 */
    dd a2 = dd_add_d(dd_prod(a.hi, a.hi), 2.0 * a.hi * a.lo);
    dd t = dd_mul_dd_d(a2, dc);
    t = dd_add(t, dd_mul_dd_d(a, 2.0 * u * d1));
    t = dd_add(t, dd_prod(u * u, d2));
    *r2 = t;
}

static inline unsigned ord_of_float(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return ord_of_key(u >> 16);
}

static inline float clamp_float(double d)
{
    if (d >= FLT_MAX)
        return FLT_MAX;
    if (d <= -FLT_MAX)
        return -FLT_MAX;
    return (float)d;
}

static inline unsigned ord_of_double(double w) { return ord_of_float(clamp_float(w)); }

static inline unsigned ord_down(double w)
{
    float f = clamp_float(w);
    if ((double)f > w)
        f = nextafterf(f, -INFINITY);
    return ord_of_float(f);
}

static inline unsigned ord_up(double w)
{
    float f = clamp_float(w);
    if ((double)f < w)
        f = nextafterf(f, INFINITY);
    return ord_of_float(f);
}

static inline uint32_t okey(uint32_t u) { return u ^ ((uint32_t)((int32_t)u >> 31) | 0x80000000u); }

static inline float float_of_okey(uint32_t o)
{
    uint32_t u = (o & 0x80000000u) ? o ^ 0x80000000u : ~o;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* ---- passes over the values (prep_hist.c) ---------------------------- */

typedef struct pass {
    const prep_source *src;
    void (*chunk)(struct pass *ps, int t, const unsigned char *p, size_t n);
    int nthreads;
    void *state;             /* per pass */
    void **tstate;           /* per thread */
    /* a weighted source: the same work on (value, count) pairs */
    void (*wchunk)(struct pass *ps, int t, const grid_wpair *p, size_t n);
    int failed;              /* a weighted source could not be read */
} pass;

typedef struct pjob {
    pass *ps;
    int t;
} pjob;


/* ps->nthreads parts (fixed: they decide nothing but the work split), on
 * as many threads as the budget grants (par.h). */
void ph_pass_run(pass *ps);

/* ---- shared by the files -------------------------------------------- */

/* q's engine part, made on first use (NULL without a query). */
hquery *ph_hq(prep_query *q);
void *ph_grow(void *p, size_t n, size_t size);
/* The ordered bucket holding sorted index r (C[b] <= r < C[b + 1]),
 * searched in [lo, hi). */
unsigned ph_bucket_of_rank_in(const struct prep_summary *s, uint64_t r, unsigned lo, unsigned hi);
int ph_qcmp(const squery *a, const squery *b);
int ph_qcmp_v(const void *a, const void *b);
const squery *ph_find_done(const hquery *s, const squery *q);

/* the engine's queries (prep_ops, prep_hist_query.c) */
uint64_t ph_hist_rank(const prep *p, double w, int le);
uint64_t ph_hist_rank_x(const prep *p, prep_query *qy, double m, double s, double bx, int le, int rec);
void ph_hist_sums(const prep *p, prep_query *q, uint64_t i, uint64_t j, int exact, dd *s1, dd *s2);
double ph_hist_value(const prep *p, prep_query *qy, uint64_t i, int exact);
/* the resolve pass (prep_ops.resolve, prep_hist_resolve.c) */
int ph_hist_resolve(const prep *p, prep_query *qy, util_err *err);

#endif
