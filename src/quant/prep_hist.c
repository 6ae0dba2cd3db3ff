/*
 * prep_hist.c - the histogram engine behind prep_create_summary
 * (prep_hist.h).
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
#include "config.h"
#include "quant/prep.h"
#include "core/par.h"

#include <float.h>
#include <stdint.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NB 65536u
#define CHUNK 8192u
#define RIDX 4096u

#ifdef __SSE__
#include <xmmintrin.h>
#endif

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

struct prep_summary;
static unsigned bucket_of_rank_in(const struct prep_summary *s, uint64_t r, unsigned lo, unsigned hi);

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

static void hquery_free(void *e)
{
    hquery *h = e;
    free(h->done);
    free(h->pend);
    free(h->rk);
    free(h);
}

/* q's engine part, made on first use (NULL without a query). */
static hquery *HQ(prep_query *q)
{
    if (!q)
        return NULL;
    if (!q->eng) {
        hquery *h = util_calloc(1, sizeof *h);
        h->cache_b[0] = h->cache_b[1] = NB;   /* no entry */
        q->eng = h;
        q->eng_free = hquery_free;
    }
    return q->eng;
}

static void *grow(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        abort();
    return util_realloc(p, n * size);
}

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
static void bucket_range(unsigned b, double *lo, double *hi)
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
static void bucket_sums(unsigned k, uint64_t c, uint64_t s1, uint64_t s2, double o, dd *r1, dd *r2)
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

static float clamp_float(double d)
{
    if (d >= FLT_MAX)
        return FLT_MAX;
    if (d <= -FLT_MAX)
        return -FLT_MAX;
    return (float)d;
}

static unsigned ord_of_double(double w) { return ord_of_float(clamp_float(w)); }

static unsigned ord_down(double w)
{
    float f = clamp_float(w);
    if ((double)f > w)
        f = nextafterf(f, -INFINITY);
    return ord_of_float(f);
}

static unsigned ord_up(double w)
{
    float f = clamp_float(w);
    if ((double)f < w)
        f = nextafterf(f, INFINITY);
    return ord_of_float(f);
}

static inline uint32_t okey(uint32_t u) { return u ^ ((uint32_t)((int32_t)u >> 31) | 0x80000000u); }

static float float_of_okey(uint32_t o)
{
    uint32_t u = (o & 0x80000000u) ? o ^ 0x80000000u : ~o;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* ---- passes over the values ----------------------------------------- */

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

/* A weighted source's part: its units in runs of CHUNK values. */
static void wpass_thread(pjob *j)
{
    pass *ps = j->ps;
    const prep_source *src = ps->src;
    uint64_t nu = src->count / src->unit, a = nu * (uint64_t)j->t / (uint64_t)ps->nthreads,
             b = nu * (uint64_t)(j->t + 1) / (uint64_t)ps->nthreads;
    uint64_t step = CHUNK / src->unit ? CHUNK / src->unit : 1;
    grid_wpair *buf = util_mallocarray((size_t)(step * src->wmax), sizeof *buf);
    for (uint64_t i = a; i < b; i += step) {
        uint64_t len = b - i < step ? b - i : step;
        int64_t np = src->weigh(src->ctx, i, len, buf);
        if (np < 0 || (uint64_t)np > len * src->wmax) {
            ps->failed = 1;
            continue;
        }
        ps->wchunk(ps, j->t, buf, (size_t)np);
    }
    free(buf);
}

static void *pass_thread(void *arg)
{
    pjob *j = arg;
    pass *ps = j->ps;
    const prep_source *src = ps->src;
    if (src->weigh) {
        wpass_thread(j);
        return NULL;
    }
    uint64_t n = src->count, a = n * (uint64_t)j->t / (uint64_t)ps->nthreads,
             b = n * (uint64_t)(j->t + 1) / (uint64_t)ps->nthreads;
    float *buf = src->f32 || src->codes16 ? NULL : util_mallocarray(CHUNK, sizeof *buf);
    for (uint64_t i = a; i < b; i += CHUNK) {
        size_t len = (size_t)(b - i < CHUNK ? b - i : CHUNK);
        const unsigned char *p;
        if (src->codes16)
            p = src->codes16 + 2 * i;
        else if (src->f32)
            p = src->f32 + 4 * i;
        else {
            src->convert(src->ctx, i, len, buf);
            p = (const unsigned char *)buf;
        }
        ps->chunk(ps, j->t, p, len);
    }
    free(buf);
    return NULL;
}

static void pass_part(void *ctx, int t)
{
    pjob j = { ctx, t };
    pass_thread(&j);
}

/* ps->nthreads parts (fixed: they decide nothing but the work split), on
 * as many threads as the budget grants (par.h). */
static void pass_run(pass *ps)
{
    if (ps->nthreads > 64)
        ps->nthreads = 64;
    par_run(ps->nthreads, pass_part, ps);
}

/* Pass 1: the histogram, and min/max over ordered keys. */
typedef struct h_state {
    hb *h;
    float fmin, fmax;
    uint32_t omin, omax;     /* ordered keys (finite-only rescan) */
} h_state;

static void minmax_finite(const unsigned char *p, size_t n, uint32_t *mn, uint32_t *mx);

static void minmax_chunk(pass *ps, int t, const unsigned char *p, size_t n)
{
    h_state *hs = ps->tstate[t];
    minmax_finite(p, n, &hs->omin, &hs->omax);
}

/* The calling thread keeps its table between tensors (no page faults and
 * no kernel zeroing of 2 MiB per tensor). */
static _Thread_local hb *cached_table;

static hb *table_get(int t)
{
    if (t == 0 && cached_table) {
        hb *h = cached_table;
        cached_table = NULL;
        memset(h, 0, NB * sizeof *h);
        return h;
    }
    return calloc(NB, sizeof(hb));
}

static void table_put(hb *h)
{
    if (!cached_table)
        cached_table = h;
    else
        free(h);
}

void prep_summary_thread_done(void)
{
    free(cached_table);
    cached_table = NULL;
}

/* min and max of a chunk (still in cache), as floats so that SSE's
 * minps/maxps serve; meaningless when some values are not finite (NaN),
 * which the caller then recomputes with minmax_finite */
static void minmax_floats(const unsigned char *p, size_t n, float *mn, float *mx)
{
    float a = *mn, b = *mx;
    size_t i = 0;
#ifdef __SSE__
    if (n >= 8) {
        __m128 a0 = _mm_set1_ps(a), a1 = a0, b0 = _mm_set1_ps(b), b1 = b0;
        for (; i + 8 <= n; i += 8) {
            __m128 x0 = _mm_loadu_ps((const float *)(const void *)(p + 4 * i));
            __m128 x1 = _mm_loadu_ps((const float *)(const void *)(p + 4 * i + 16));
            a0 = _mm_min_ps(a0, x0);
            a1 = _mm_min_ps(a1, x1);
            b0 = _mm_max_ps(b0, x0);
            b1 = _mm_max_ps(b1, x1);
        }
        float la[8], lb[8];
        _mm_storeu_ps(la, a0);
        _mm_storeu_ps(la + 4, a1);
        _mm_storeu_ps(lb, b0);
        _mm_storeu_ps(lb + 4, b1);
        for (int k = 0; k < 8; k++) {
            a = la[k] < a ? la[k] : a;
            b = lb[k] > b ? lb[k] : b;
        }
    }
#endif
    for (; i < n; i++) {
        float x;
        memcpy(&x, p + 4 * i, 4);
        a = x < a ? x : a;
        b = x > b ? x : b;
    }
    *mn = a;
    *mx = b;
}

/* 2-byte sources: count the codes */
static void code_chunk(pass *ps, int t, const unsigned char *p, size_t n)
{
    /* four tables in turn: a run of equal codes does not wait on one
     * counter's store */
    uint32_t *c0 = ps->tstate[t], *c1 = c0 + 65536, *c2 = c1 + 65536, *c3 = c2 + 65536;
    size_t i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; i + 4 <= n; i += 4) {
        uint64_t w;
        memcpy(&w, p + 2 * i, 8);
        c0[w & 0xFFFF]++;
        c1[(w >> 16) & 0xFFFF]++;
        c2[(w >> 32) & 0xFFFF]++;
        c3[w >> 48]++;
    }
#else
    (void)c1;
    (void)c2;
    (void)c3;
#endif
    for (; i < n; i++)
        c0[p[2 * i] | (unsigned)p[2 * i + 1] << 8]++;
}

/* min and max over the finite values of a chunk (some are not finite) */
static void minmax_finite(const unsigned char *p, size_t n, uint32_t *mn, uint32_t *mx)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, p + 4 * i, 4);
        if (!key_finite(u >> 16))
            continue;
        uint32_t o = okey(u);
        *mn = o < *mn ? o : *mn;
        *mx = o > *mx ? o : *mx;
    }
}

static void hist_chunk(pass *ps, int t, const unsigned char *p, size_t n)
{
    h_state *hs = ps->tstate[t];
    hb *h = hs->h;
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, p + 4 * i, 4);
        hb *e = &h[u >> 16];
        uint64_t m = u & 0xFFFFu;
        e->c++;
        e->s1 += m;
        e->s2 += m * m;
    }
    minmax_floats(p, n, &hs->fmin, &hs->fmax);
}

/* a weighted source: count each pair's values at once; min and max over
 * ordered keys of the finite ones */
static void hist_wchunk(pass *ps, int t, const grid_wpair *p, size_t n)
{
    h_state *hs = ps->tstate[t];
    hb *h = hs->h;
    uint32_t mn = hs->omin, mx = hs->omax;
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &p[i].v, 4);
        hb *e = &h[u >> 16];
        uint64_t m = u & 0xFFFFu, k = p[i].cnt;
        e->c += k;
        e->s1 += k * m;
        e->s2 += k * (m * m);
        uint32_t o = key_finite(u >> 16) ? okey(u) : 0;
        mx = o > mx ? o : mx;
        o = key_finite(u >> 16) ? o : UINT32_MAX;
        mn = o < mn ? o : mn;
    }
    hs->omin = mn;
    hs->omax = mx;
}

/* The cumulative arrays P1, P2, C of a prep: one block (2.5 MiB), kept
 * for the next prep when freed (a whole-model report makes one prep per
 * tensor: no fresh pages, whatever malloc does with blocks that large).
 * Every entry is written by finish. */
#define ARR_KEEP 8
static pthread_mutex_t arr_mu = PTHREAD_MUTEX_INITIALIZER;
static void *arr_kept[ARR_KEEP];
static int arr_n;

static void arrays_get(struct prep_summary *s)
{
    void *b = NULL;
    pthread_mutex_lock(&arr_mu);
    if (arr_n > 0)
        b = arr_kept[--arr_n];
    pthread_mutex_unlock(&arr_mu);
    if (!b)
        b = util_mallocarray(NB + 1, 2 * sizeof(dd) + sizeof(uint64_t));
    s->P1 = b;
    s->P2 = s->P1 + (NB + 1);
    s->C = (uint64_t *)(s->P2 + (NB + 1));
}

static void arrays_put(struct prep_summary *s)
{
    void *b = s->P1;
    if (!b)
        return;
    pthread_mutex_lock(&arr_mu);
    if (arr_n < ARR_KEEP) {
        arr_kept[arr_n++] = b;
        b = NULL;
    }
    pthread_mutex_unlock(&arr_mu);
    free(b);
}

static void summary_free(struct prep_summary *s)
{
    if (!s)
        return;
    arrays_put(s);
    free(s->ridx);
    free(s->codecnt);
    free(s->codeval);
    free(s->bmin);
    free(s->bmax);
    free(s);
}

static prep *finish(const prep_source *src, int nthreads, hb *h, uint64_t *codecnt, float *codeval);
static void set_minmax(prep *p, float fmn, float fmx);
static prep *create_from_codes(const prep_source *src, int nthreads, util_err *err);
static prep *from_counts(const prep_source *src, int nthreads, uint64_t *codecnt);

prep *prep_create_summary(const prep_source *src, int nthreads, util_err *err)
{
    if (nthreads < 1)
        nthreads = 1;
    if (nthreads > 64)
        nthreads = 64;
    if (src->count < (uint64_t)nthreads * CHUNK)
        nthreads = 1;
    /* the integer sums stay exact: at most 2^31 values per thread, and
     * below 2^32 in all (sum of m^2 < 2^32 * 65535^2 < 2^64) */
    if (src->count >= PREP_SUMMARY_MAX) {
        util_err_set(err, "%llu values: the histogram engine takes fewer than %llu",
                     (unsigned long long)src->count, (unsigned long long)PREP_SUMMARY_MAX);
        return NULL;
    }
    if (src->count > ((uint64_t)1 << 31) && nthreads < 2)
        nthreads = 2;
    if (src->codes16)
        return create_from_codes(src, nthreads, err);
    if (src->weigh && (!src->unit || !src->wmax || src->count % src->unit)) {
        util_err_set(err, "a weighted source of %llu values in units of %u", (unsigned long long)src->count,
                     src->unit);
        return NULL;
    }
    pass ps = { src, hist_chunk, nthreads, NULL, NULL, hist_wchunk, 0 };
    h_state *hs = util_calloc((size_t)nthreads, sizeof *hs);
    void *tp[64];
    ps.tstate = tp;
    int fail = 0;
    for (int t = 0; t < nthreads && t < 64; t++) {
        hs[t].h = table_get(t);
        hs[t].fmin = INFINITY;
        hs[t].fmax = -INFINITY;
        hs[t].omin = UINT32_MAX;
        hs[t].omax = 0;
        tp[t] = &hs[t];
        if (!hs[t].h)
            fail = 1;
    }
    if (fail) {
        for (int t = 0; t < nthreads && t < 64; t++)
            free(hs[t].h);
        free(hs);
        util_err_set(err, "out of memory for the histogram of %llu values",
                     (unsigned long long)src->count);
        return NULL;
    }
    pass_run(&ps);
    hb *h = hs[0].h;
    float fmn = hs[0].fmin, fmx = hs[0].fmax;
    for (int t = 1; t < ps.nthreads; t++) {
        for (unsigned k = 0; k < NB; k++) {
            const hb *o = &hs[t].h[k];
            if (!o->c)
                continue;
            h[k].c += o->c;
            h[k].s1 += o->s1;
            h[k].s2 += o->s2;
        }
        fmn = hs[t].fmin < fmn ? hs[t].fmin : fmn;
        fmx = hs[t].fmax > fmx ? hs[t].fmax : fmx;
        hs[0].omin = hs[t].omin < hs[0].omin ? hs[t].omin : hs[0].omin;
        hs[0].omax = hs[t].omax > hs[0].omax ? hs[t].omax : hs[0].omax;
        free(hs[t].h);
    }
    if (ps.failed) {
        free(hs);
        table_put(h);
        util_err_set(err, "the stored blocks of %llu values could not be read", (unsigned long long)src->count);
        return NULL;
    }

    prep *p = finish(src, nthreads, h, NULL, NULL);
    if (src->weigh) {
        /* the finite extremes came with the counts */
        fmn = float_of_okey(hs[0].omin);
        fmx = float_of_okey(hs[0].omax);
    } else if (p->st.n && p->st.nonfinite) {
        /* the float extremes were NaN or infinite: once more, finite only */
        pass pm = { src, minmax_chunk, nthreads, NULL, tp, NULL, 0 };
        for (int t = 0; t < nthreads; t++) {
            hs[t].omin = UINT32_MAX;
            hs[t].omax = 0;
        }
        pass_run(&pm);
        uint32_t omin = UINT32_MAX, omax = 0;
        for (int t = 0; t < pm.nthreads; t++) {
            omin = hs[t].omin < omin ? hs[t].omin : omin;
            omax = hs[t].omax > omax ? hs[t].omax : omax;
        }
        fmn = float_of_okey(omin);
        fmx = float_of_okey(omax);
    }
    free(hs);
    set_minmax(p, fmn, fmx);
    table_put(h);
    return p;
}

/* Everything after the counting: from the table h (NB buckets), the
 * cumulative arrays, the stats (but min/max) and the rank index. */
static prep *finish(const prep_source *src, int nthreads, hb *h, uint64_t *codecnt, float *codeval)
{
    hprep *hp = util_calloc(1, sizeof *hp);
    prep *p = &hp->p;
    struct prep_summary *s = util_calloc(1, sizeof *s);
    hp->s = s;
    p->ops = &prep_hist_ops;
    p->caps = prep_hist_ops.caps;
    s->src = *src;
    s->nthreads = nthreads;
    s->codecnt = codecnt;
    s->codeval = codeval;
    arrays_get(s);
    uint64_t n = 0;
    for (unsigned k = 0; k < NB; k++) {
        if (!key_finite(k))
            h[k].c = h[k].s1 = h[k].s2 = 0;
        n += h[k].c;
    }
    p->st.count = src->count;
    p->st.n = n;
    p->st.nonfinite = src->count - n;
    /* the mean from sums about 0, then everything about it */
    dd tot = { 0, 0 };
    for (unsigned k = 0; k < NB; k++)
        if (h[k].c) {
            dd a1, a2;
            bucket_sums(k, h[k].c, h[k].s1, h[k].s2, 0, &a1, &a2);
            tot = dd_add(tot, a1);
        }
    double origin = n ? dd_to_d(tot) / (double)n : 0;
    p->origin = origin;
    dd z = { 0, 0 }, c1 = z, c2 = z;
    s->C[0] = 0;
    s->P1[0] = s->P2[0] = z;
    for (unsigned b = 0; b < NB; b++) {
        unsigned k = key_of_ord(b);
        if (h[k].c) {
            dd a1, a2;
            bucket_sums(k, h[k].c, h[k].s1, h[k].s2, origin, &a1, &a2);
            c1 = dd_add(c1, a1);
            c2 = dd_add(c2, a2);
        }
        s->C[b + 1] = s->C[b] + h[k].c;
        s->P1[b + 1] = c1;
        s->P2[b + 1] = c2;
    }
    s->ridx = util_mallocarray(RIDX + 1, sizeof *s->ridx);
    for (unsigned j = 0; j <= RIDX; j++)
        s->ridx[j] = bucket_of_rank_in(s, (uint64_t)((double)n * j / RIDX), 0, NB);
    double delta = n ? dd_to_d(c1) / (double)n : 0;
    double mean = origin + delta;
    double m2tot = fmax(0, dd_to_d(dd_sub(c2, dd_mul_dd_d(c1, delta))));
    p->st.mean = mean;
    p->st.std = n > 1 ? sqrt(m2tot / (double)(n - 1)) : 0;
    {
        dd t = c2;
        t = dd_add(t, dd_mul_dd_d(c1, 2 * origin));
        t = dd_add(t, dd_mul_dd_d(dd_prod(origin, origin), (double)n));
        p->st.sumsq = fmax(0, dd_to_d(t));
    }
    /* float32 only: max^2 ~ 1.2e77 and the fourth powers ~ 1.3e154 times
     * the count stay finite, subnormals squared (~1e-90) stay normal, so
     * no scaling (prep.h) */
    p->sexp = 0;
    p->origin_s = origin;
    p->sumsq_s = p->st.sumsq;
    /* kurtosis: per bucket, mean xb and variance v exact; the fourth
     * central moment about xb taken as a uniform spread's 1.8 v^2 and the
     * third as 0 (both are below 2^-21 of the bucket's (xb - mean)^4 term
     * unless the bucket holds the mean, where its contribution is ~0) */
    double m4 = 0;
    for (unsigned k = 0; k < NB; k++) {
        if (!h[k].c)
            continue;
        double c = (double)h[k].c, u = key_ulp(k);
        double mm = (double)h[k].s1 / c;
        double v = u * u * fmax(0, (double)h[k].s2 / c - mm * mm);
        double xb = ((k & 0x8000u) ? -1.0 : 1.0) * (key_emag(k) + u * mm);
        double d = xb - mean, d2 = d * d;
        m4 += c * (d2 * d2 + 6 * d2 * v + 1.8 * v * v);
    }
    {
        double m2 = n ? m2tot / (double)n : 0;
        p->st.kurtosis = m2 > 0 ? (m4 / (double)n) / (m2 * m2) - 3.0 : 0;
    }
    return p;
}

/* min and max (exact floats from the caller), with the sign of a zero
 * extreme from the zero buckets (-0 and +0 compare equal) */
static void set_minmax(prep *p, float fmn, float fmx)
{
    const struct prep_summary *s = SM(p);
    if (!p->st.n)
        return;
    if (fmn == 0)
        fmn = s->C[ord_of_key(0x8000u) + 1] > s->C[ord_of_key(0x8000u)] ? -0.0f : 0.0f;
    if (fmx == 0)
        fmx = s->C[ord_of_key(0x0000u) + 1] > s->C[ord_of_key(0x0000u)] ? 0.0f : -0.0f;
    p->st.min = fmn;
    p->st.max = fmx;
    p->st.absmax = fmax(fabs(p->st.min), fabs(p->st.max));
}

/* 2-byte sources: count the codes, then fill the buckets from the counts
 * (a code's value is one float: its bucket and low bits are exact). */
static prep *create_from_codes(const prep_source *src, int nthreads, util_err *err)
{
    uint32_t *cnt[64];
    void *tp[64];
    for (int t = 0; t < nthreads; t++) {
        cnt[t] = calloc(4 * 65536, sizeof **cnt);
        if (!cnt[t]) {
            for (int u = 0; u < t; u++)
                free(cnt[u]);
            util_err_set(err, "out of memory for the histogram of %llu values",
                         (unsigned long long)src->count);
            return NULL;
        }
        tp[t] = cnt[t];
    }
    pass ps = { src, code_chunk, nthreads, NULL, tp, NULL, 0 };
    pass_run(&ps);
    uint64_t *codecnt = util_calloc(65536, sizeof *codecnt);
    for (int t = 0; t < nthreads; t++) {
        for (unsigned c = 0; c < 4 * 65536; c++)
            codecnt[c & 0xFFFF] += cnt[t][c];
        free(cnt[t]);
    }
    return from_counts(src, nthreads, codecnt);
}

prep *prep_create_summary_counts(const prep_source *src, uint64_t *count, int nthreads,
                                 util_err *err)
{
    if (!src->codes16) {
        util_err_set(err, "code counts without codes");
        free(count);
        return NULL;
    }
    uint64_t tot = 0;
    for (unsigned c = 0; c < 65536; c++)
        tot += count[c];
    if (tot != src->count) {
        util_err_set(err, "the code counts add up to %llu, not %llu values",
                     (unsigned long long)tot, (unsigned long long)src->count);
        free(count);
        return NULL;
    }
    if (src->count >= PREP_SUMMARY_MAX) {
        util_err_set(err, "%llu values: the histogram engine takes fewer than %llu",
                     (unsigned long long)src->count, (unsigned long long)PREP_SUMMARY_MAX);
        free(count);
        return NULL;
    }
    if (nthreads < 1)
        nthreads = 1;
    if (nthreads > 64)
        nthreads = 64;
    if (src->count < (uint64_t)nthreads * CHUNK)
        nthreads = 1;
    if (src->count > ((uint64_t)1 << 31) && nthreads < 2)
        nthreads = 2;
    return from_counts(src, nthreads, count);
}

/* the prep of a 2-byte source from its codes' counts (taken over) */
static prep *from_counts(const prep_source *src, int nthreads, uint64_t *codecnt)
{
    float *codeval = util_mallocarray(65536, sizeof *codeval);
    memcpy(codeval, src->code_value, 65536 * sizeof *codeval);
    hb *h = table_get(0);
    float fmn = INFINITY, fmx = -INFINITY;
    for (unsigned c = 0; c < 65536; c++) {
        if (!codecnt[c])
            continue;
        float v = codeval[c];
        uint32_t u;
        memcpy(&u, &v, 4);
        uint64_t m = u & 0xFFFFu, k = codecnt[c];
        hb *e = &h[u >> 16];
        e->c += k;
        e->s1 += k * m;
        e->s2 += k * m * m;
        if (isfinite(v)) {
            fmn = v < fmn ? v : fmn;
            fmx = v > fmx ? v : fmx;
        }
    }
    prep *p = finish(src, nthreads, h, codecnt, codeval);
    set_minmax(p, fmn, fmx);
    table_put(h);
    /* every value is known: each bucket's exact extremes tighten the
     * interpolation (a bfloat16 bucket holds one value) */
    struct prep_summary *sm = ((hprep *)p)->s;
    sm->bmin = util_mallocarray(NB, sizeof *sm->bmin);
    sm->bmax = util_mallocarray(NB, sizeof *sm->bmax);
    for (unsigned b = 0; b < NB; b++) {
        sm->bmin[b] = INFINITY;
        sm->bmax[b] = -INFINITY;
    }
    for (unsigned c = 0; c < 65536; c++) {
        float v = codeval[c];
        if (!codecnt[c] || !isfinite(v))
            continue;
        unsigned b = ord_of_float(v);
        sm->bmin[b] = v < sm->bmin[b] ? v : sm->bmin[b];
        sm->bmax[b] = v > sm->bmax[b] ? v : sm->bmax[b];
    }
    return p;
}

static void hist_free(prep *p)
{
    summary_free(((hprep *)p)->s);
    free(p);
}

/* ---- interpolation inside a bucket ---------------------------------- */

/* The range the values of bucket b can take: its geometry cut to the
 * tensor's exact min and max (the end buckets are often partly empty, as
 * at the edge of a uniform distribution). */
static void value_range(const prep *p, unsigned b, double *lo, double *hi)
{
    const struct prep_summary *s = SM(p);
    if (s->bmin && s->bmin[b] <= s->bmax[b]) {
        *lo = s->bmin[b];
        *hi = s->bmax[b];
        return;
    }
    bucket_range(b, lo, hi);
    if (*lo < p->st.min)
        *lo = p->st.min;
    if (*hi > p->st.max)
        *hi = p->st.max;
    if (*hi < *lo)
        *hi = *lo;
}

/* The ordered bucket holding sorted index r (C[b] <= r < C[b + 1]),
 * searched in [lo, hi). */
static unsigned bucket_of_rank_in(const struct prep_summary *s, uint64_t r, unsigned lo, unsigned hi)
{
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (s->C[mid + 1] > r)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo < NB ? lo : NB - 1;
}

static unsigned bucket_of_rank(const struct prep_summary *s, uint64_t r)
{
    uint64_t n = s->C[NB];
    if (s->ridx && n && r < n) {
        /* the window of r's quantile; checked, as the index is a hint */
        uint64_t j = (uint64_t)((double)r / (double)n * RIDX);
        if (j >= RIDX)
            j = RIDX - 1;
        unsigned b = bucket_of_rank_in(s, r, s->ridx[j], s->ridx[j + 1] + 1 < NB ? s->ridx[j + 1] + 1 : NB);
        if (s->C[b] <= r && r < s->C[b + 1])
            return b;
    }
    return bucket_of_rank_in(s, r, 0, NB);
}

/* bucket_of_rank, remembering the last two answers in the query (when
 * there is one): a walk asks for each run's start and end, and every end
 * is the next run's start. An entry is checked against C before use. */
static unsigned bucket_of_rank_cached(const struct prep_summary *s, hquery *h, uint64_t r)
{
    if (!h)
        return bucket_of_rank(s, r);
    for (int i = 0; i < 2; i++)
        if (h->cache_r[i] == r && h->cache_b[i] < NB && s->C[h->cache_b[i]] <= r &&
            r < s->C[h->cache_b[i] + 1])
            return h->cache_b[i];
    unsigned b = bucket_of_rank(s, r);
    h->cache_r[1] = h->cache_r[0];
    h->cache_b[1] = h->cache_b[0];
    h->cache_r[0] = r;
    h->cache_b[0] = b;
    return b;
}

/* Sums over sorted indices [0, r), interpolated inside the bucket: values
 * spread evenly over the bucket's range, plus the share r'/c of the
 * difference between that model and the bucket's exact sums. */
static void cum_approx(const prep *p, hquery *h, uint64_t r, dd *s1, dd *s2)
{
    const struct prep_summary *s = SM(p);
    unsigned b = bucket_of_rank_cached(s, h, r);
    uint64_t rr = r - s->C[b], c = s->C[b + 1] - s->C[b];
    *s1 = s->P1[b];
    *s2 = s->P2[b];
    if (rr == 0 || c == 0)
        return;
    double lo, hi;
    value_range(p, b, &lo, &hi);
    double d = (hi - lo) / (double)c, a = lo - p->origin + 0.5 * d;
    double R = (double)rr, Cc = (double)c;
    /* sum_{k<R} (a + k d) and its squares */
    double m1 = R * a + d * R * (R - 1) / 2;
    double m2 = R * a * a + 2 * a * d * R * (R - 1) / 2 + d * d * (R - 1) * R * (2 * R - 1) / 6;
    double f1 = Cc * a + d * Cc * (Cc - 1) / 2;
    double f2 = Cc * a * a + 2 * a * d * Cc * (Cc - 1) / 2 + d * d * (Cc - 1) * Cc * (2 * Cc - 1) / 6;
    double e1 = dd_to_d(dd_sub(s->P1[b + 1], s->P1[b])), e2 = dd_to_d(dd_sub(s->P2[b + 1], s->P2[b]));
    double fr = R / Cc;
    *s1 = dd_add_d(*s1, m1 + fr * (e1 - f1));
    *s2 = dd_add_d(*s2, m2 + fr * (e2 - f2));
}

static double value_approx(const prep *p, uint64_t i)
{
    const struct prep_summary *s = SM(p);
    if (i == 0)
        return p->st.min;
    if (i + 1 >= p->st.n)
        return p->st.max;
    unsigned b = bucket_of_rank(s, i);
    uint64_t c = s->C[b + 1] - s->C[b];
    double lo, hi;
    value_range(p, b, &lo, &hi);
    double v = lo + ((double)(i - s->C[b]) + 0.5) / (double)(c ? c : 1) * (hi - lo);
    return fmin(fmax(v, p->st.min), p->st.max);
}

/* Number of values below w, interpolated inside w's bucket. */
static uint64_t rank_approx(const prep *p, double w)
{
    const struct prep_summary *s = SM(p);
    uint64_t n = p->st.n;
    if (n == 0 || !(w > p->st.min))
        return 0;
    if (w > p->st.max)
        return n;
    unsigned b = ord_of_double(w);
    double lo, hi;
    value_range(p, b, &lo, &hi);
    uint64_t c = s->C[b + 1] - s->C[b];
    double f = (w - lo) / (hi - lo);
    if (!(f > 0))
        f = 0;
    if (f > 1)
        f = 1;
    return s->C[b] + (uint64_t)(f * (double)c + 0.5);
}

/* ---- lookups ---------------------------------------------------------- */

static int qcmp(const squery *a, const squery *b)
{
    if (a->m != b->m)
        return a->m < b->m ? -1 : 1;
    if (a->s != b->s)
        return a->s < b->s ? -1 : 1;
    if (a->bx != b->bx)
        return a->bx < b->bx ? -1 : 1;
    return a->le - b->le;
}

static int qcmp_v(const void *a, const void *b) { return qcmp(a, b); }

static const squery *find_done(const hquery *s, const squery *q)
{
    size_t lo = 0, hi = s ? s->ndone : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = qcmp(&s->done[mid], q);
        if (c == 0)
            return &s->done[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static const srank *find_rank(const hquery *s, uint64_t r)
{
    size_t lo = 0, hi = s ? s->nrk : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->rk[mid].rank == r)
            return &s->rk[mid];
        if (s->rk[mid].rank < r)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static uint64_t hist_rank_x(const prep *p, prep_query *qy, double m, double s, double bx, int le,
                            int rec)
{
    hquery *h = HQ(qy);
    squery q = { m, s, bx, le ? 1 : 0, 0 };
    if (rec && h) {
        const squery *d = find_done(h, &q);
        if (d)
            return d->rank;
        if (qy->recording) {
            if (h->npend == h->cappend) {
                h->cappend = h->cappend ? 2 * h->cappend : 64;
                h->pend = grow(h->pend, h->cappend, sizeof *h->pend);
            }
            h->pend[h->npend++] = q;
        } else
            qy->misses++;
    }
    double bw = m + s * bx;
    if (isnan(bw))
        return 0;
    return rank_approx(p, bw);
}

static void cum(const prep *p, prep_query *qy, uint64_t r, int exact, dd *s1, dd *s2)
{
    const struct prep_summary *s = SM(p);
    if (r == 0) {
        *s1 = s->P1[0];
        *s2 = s->P2[0];
        return;
    }
    if (r >= p->st.n) {
        *s1 = s->P1[NB];
        *s2 = s->P2[NB];
        return;
    }
    hquery *h = HQ(qy);
    if (exact && h) {
        const srank *k = find_rank(h, r);
        if (k) {
            *s1 = k->s1;
            *s2 = k->s2;
            return;
        }
        if (!qy->recording)
            qy->misses++;
    }
    cum_approx(p, h, r, s1, s2);
}

static void hist_sums(const prep *p, prep_query *q, uint64_t i, uint64_t j, int exact, dd *s1,
                      dd *s2)
{
    dd z = { 0, 0 };
    *s1 = *s2 = z;
    if (j <= i)
        return;
    dd a1, a2, b1, b2;
    cum(p, q, i, exact, &a1, &a2);
    cum(p, q, j, exact, &b1, &b2);
    *s1 = dd_sub(b1, a1);
    *s2 = dd_sub(b2, a2);
}

static double hist_value(const prep *p, prep_query *qy, uint64_t i, int exact)
{
    if (!exact)
        return value_approx(p, i);
    if (i == 0)
        return p->st.min;
    if (i + 1 >= p->st.n)
        return p->st.max;
    const hquery *h = HQ(qy);
    if (h) {
        const srank *k = find_rank(h, i);
        if (k && !isnan(k->above))
            return k->above;
        k = find_rank(h, i + 1);
        if (k && !isnan(k->below))
            return k->below;
        if (!qy->recording)
            qy->misses++;
    }
    return value_approx(p, i);
}

static uint64_t hist_rank(const prep *p, double w, int le)
{
    return rank_approx(p, w);
}

/* ---- resolving noted boundaries: the second pass -------------------- */

typedef struct rpair {       /* boundary q tested in flagged bucket slot */
    size_t q;
    unsigned slot;
    uint32_t thr;            /* ordered keys below thr are inside the boundary */
} rpair;

typedef struct racc {
    uint64_t c, s1, s2;
    uint32_t maxin, minout;  /* ordered keys; 0 / UINT32_MAX: none */
} racc;

typedef struct r_tstate {
    racc *acc;               /* per pair */
    uint32_t *mn, *mx;       /* per slot: extreme ordered keys */
} r_tstate;

typedef struct r_state {
    uint64_t bitmap[NB / 64];
    uint32_t slot_of[NB];    /* raw key -> slot + 1 */
    unsigned nslots;
    unsigned *key_of_slot;
    size_t *first;           /* per slot: its pairs are first[slot] .. first[slot + 1] */
    rpair *pairs;
    const squery *q;
} r_state;

static void resolve_chunk(pass *ps, int t, const unsigned char *p, size_t n)
{
    const r_state *rs = ps->state;
    r_tstate *ts = ps->tstate[t];
    /* keep the values of flagged buckets (a few per cent), without a
     * branch per value */
    uint32_t hit[CHUNK];
    size_t nh = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, p + 4 * i, 4);
        unsigned k = u >> 16;
        hit[nh] = u;
        nh += (size_t)((rs->bitmap[k >> 6] >> (k & 63)) & 1);
    }
    for (size_t h = 0; h < nh; h++) {
        uint32_t u = hit[h];
        unsigned sl = rs->slot_of[u >> 16] - 1u;
        uint64_t m = u & 0xFFFFu;
        uint32_t o = okey(u);
        ts->mn[sl] = o < ts->mn[sl] ? o : ts->mn[sl];
        ts->mx[sl] = o > ts->mx[sl] ? o : ts->mx[sl];
        for (size_t j = rs->first[sl]; j < rs->first[sl + 1]; j++) {
            uint64_t in = o < rs->pairs[j].thr;
            uint64_t mask = 0 - in;
            racc *a = &ts->acc[j];
            a->c += in;
            a->s1 += m & mask;
            a->s2 += (m * m) & mask;
            uint32_t mi = in ? o : 0, mo = in ? UINT32_MAX : o;
            a->maxin = mi > a->maxin ? mi : a->maxin;
            a->minout = mo < a->minout ? mo : a->minout;
        }
    }
}

/* a weighted source: each pair counts for its cnt values */
static void resolve_wchunk(pass *ps, int t, const grid_wpair *p, size_t n)
{
    const r_state *rs = ps->state;
    r_tstate *ts = ps->tstate[t];
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &p[i].v, 4);
        unsigned k = u >> 16;
        if (!((rs->bitmap[k >> 6] >> (k & 63)) & 1))
            continue;
        unsigned sl = rs->slot_of[k] - 1u;
        uint64_t m = u & 0xFFFFu, c = p[i].cnt;
        uint32_t o = okey(u);
        ts->mn[sl] = o < ts->mn[sl] ? o : ts->mn[sl];
        ts->mx[sl] = o > ts->mx[sl] ? o : ts->mx[sl];
        for (size_t j = rs->first[sl]; j < rs->first[sl + 1]; j++) {
            racc *a = &ts->acc[j];
            if (o < rs->pairs[j].thr) {
                a->c += c;
                a->s1 += c * m;
                a->s2 += c * (m * m);
                a->maxin = o > a->maxin ? o : a->maxin;
            } else
                a->minout = o < a->minout ? o : a->minout;
        }
    }
}

/* The neighbour pass: extremes (ordered keys) of a few flagged buckets. */
typedef struct nb_state {
    uint64_t bitmap[NB / 64];
    uint32_t slot_of[NB];    /* raw key -> slot + 1 */
    unsigned nslots;
} nb_state;

typedef struct nb_tstate {
    uint32_t *mn, *mx;
} nb_tstate;

static void nb_flag(nb_state *nb, unsigned k)
{
    if (nb->slot_of[k])
        return;
    nb->slot_of[k] = ++nb->nslots;
    nb->bitmap[k >> 6] |= 1ull << (k & 63);
}

static void nb_chunk(pass *ps, int t, const unsigned char *p, size_t n)
{
    const nb_state *nb = ps->state;
    nb_tstate *ts = ps->tstate[t];
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, p + 4 * i, 4);
        unsigned k = u >> 16;
        if (!((nb->bitmap[k >> 6] >> (k & 63)) & 1))
            continue;
        unsigned sl = nb->slot_of[k] - 1u;
        uint32_t o = okey(u);
        ts->mn[sl] = o < ts->mn[sl] ? o : ts->mn[sl];
        ts->mx[sl] = o > ts->mx[sl] ? o : ts->mx[sl];
    }
}

static void nb_wchunk(pass *ps, int t, const grid_wpair *p, size_t n)
{
    const nb_state *nb = ps->state;
    nb_tstate *ts = ps->tstate[t];
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &p[i].v, 4);
        unsigned k = u >> 16;
        if (!((nb->bitmap[k >> 6] >> (k & 63)) & 1))
            continue;
        unsigned sl = nb->slot_of[k] - 1u;
        uint32_t o = okey(u);
        ts->mn[sl] = o < ts->mn[sl] ? o : ts->mn[sl];
        ts->mx[sl] = o > ts->mx[sl] ? o : ts->mx[sl];
    }
}

static int pair_cmp(const void *a, const void *b)
{
    const rpair *x = a, *y = b;
    if (x->slot != y->slot)
        return x->slot < y->slot ? -1 : 1;
    return x->q < y->q ? -1 : x->q > y->q;
}

static int rank_cmp(const void *a, const void *b)
{
    const srank *x = a, *y = b;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* 2-byte sources: the splits and extremes from the code counts (every
 * value of a code is the same), with no pass over the values. */
static void resolve_codes(const struct prep_summary *s, const r_state *rs, r_tstate *ts)
{
    for (unsigned c = 0; c < 65536; c++) {
        uint64_t k = s->codecnt[c];
        if (!k)
            continue;
        uint32_t u;
        memcpy(&u, &s->codeval[c], 4);
        unsigned sl1 = rs->slot_of[u >> 16];
        if (!sl1)
            continue;
        unsigned sl = sl1 - 1;
        uint64_t m = u & 0xFFFFu;
        uint32_t o = okey(u);
        ts->mn[sl] = o < ts->mn[sl] ? o : ts->mn[sl];
        ts->mx[sl] = o > ts->mx[sl] ? o : ts->mx[sl];
        for (size_t j = rs->first[sl]; j < rs->first[sl + 1]; j++) {
            racc *a = &ts->acc[j];
            if (o < rs->pairs[j].thr) {
                a->c += k;
                a->s1 += k * m;
                a->s2 += k * m * m;
                a->maxin = o > a->maxin ? o : a->maxin;
            } else
                a->minout = o < a->minout ? o : a->minout;
        }
    }
}

static void nb_codes(const struct prep_summary *s, const nb_state *nb, nb_tstate *ts)
{
    for (unsigned c = 0; c < 65536; c++) {
        if (!s->codecnt[c])
            continue;
        uint32_t u;
        memcpy(&u, &s->codeval[c], 4);
        unsigned sl1 = nb->slot_of[u >> 16];
        if (!sl1)
            continue;
        uint32_t o = okey(u);
        ts->mn[sl1 - 1] = o < ts->mn[sl1 - 1] ? o : ts->mn[sl1 - 1];
        ts->mx[sl1 - 1] = o > ts->mx[sl1 - 1] ? o : ts->mx[sl1 - 1];
    }
}

/* The noted boundaries of qy, resolved into qy (the prep is only read). */
static int hist_resolve(const prep *p, prep_query *qy, util_err *err)
{
    const struct prep_summary *s = SM(p);
    hquery *h = HQ(qy);
    (void)err;
    if (!h || h->npend == 0)
        return 0;
    /* distinct, not yet resolved */
    qsort(h->pend, h->npend, sizeof *h->pend, qcmp_v);
    size_t nq = 0;
    for (size_t i = 0; i < h->npend; i++)
        if ((nq == 0 || qcmp(&h->pend[nq - 1], &h->pend[i]) != 0) && !find_done(h, &h->pend[i]))
            h->pend[nq++] = h->pend[i];
    h->npend = 0;
    if (nq == 0)
        return 0;
    const uint64_t n = p->st.n;
    squery *q = h->pend;
    /* per boundary: the ordered buckets [blo, bhi] it may fall in, and the
     * nearest non-empty buckets outside them (for the neighbour values) */
    unsigned *blo = util_mallocarray(nq, sizeof *blo), *bhi = util_mallocarray(nq, sizeof *bhi);
    long *bprev = util_mallocarray(nq, sizeof *bprev), *bnext = util_mallocarray(nq, sizeof *bnext);
    r_state *rs = util_calloc(1, sizeof *rs);
    rs->key_of_slot = util_mallocarray(NB, sizeof *rs->key_of_slot);
    size_t npairs = 0, cappairs = 64;
    rpair *pairs = util_mallocarray(cappairs, sizeof *pairs);
#define FLAG(B)                                                                  \
    do {                                                                         \
        unsigned k_ = key_of_ord(B);                                             \
        if (!rs->slot_of[k_]) {                                                  \
            rs->key_of_slot[rs->nslots] = k_;                                    \
            rs->slot_of[k_] = ++rs->nslots;                          \
            rs->bitmap[k_ >> 6] |= 1ull << (k_ & 63);                            \
        }                                                                        \
    } while (0)
    for (size_t i = 0; i < nq; i++) {
        double bw = q[i].m + q[i].s * q[i].bx;
        double d = 8 * DBL_EPSILON * (fabs(q[i].m) + fabs(bw) + fabs(q[i].s * q[i].bx)) + DBL_MIN;
        if (isnan(bw)) {
            blo[i] = bhi[i] = 0;
            bprev[i] = bnext[i] = -1;
            continue;
        }
        blo[i] = ord_down(bw - d);
        bhi[i] = ord_up(bw + d);
        bprev[i] = bnext[i] = -1;
        for (long b = (long)blo[i] - 1; b >= 0; b--)
            if (s->C[b + 1] > s->C[b]) {
                bprev[i] = b;
                break;
            }
        for (unsigned b = bhi[i] + 1; b < NB; b++)
            if (s->C[b + 1] > s->C[b]) {
                bnext[i] = (long)b;
                break;
            }
        /* Likely one-sided (a sparse range, or the boundary at an edge of
         * its bucket): the neighbour buckets join this pass, so that the
         * values beside the boundary need no pass of their own. */
        uint64_t cnt = s->C[bhi[i] + 1] - s->C[blo[i]];
        double lo_w, hi_w, lo2, hi2;
        bucket_range(blo[i], &lo_w, &hi2);
        bucket_range(bhi[i], &lo2, &hi_w);
        double fr = (bw - lo_w) / (hi_w - lo_w);
        if (bprev[i] >= 0 && (cnt < 256 || !(fr > 1.0 / 1024)))
            FLAG((unsigned)bprev[i]);
        if (bnext[i] >= 0 && (cnt < 256 || !(fr < 1023.0 / 1024)))
            FLAG((unsigned)bnext[i]);
        for (unsigned b = blo[i]; b <= bhi[i]; b++) {
            if (s->C[b + 1] == s->C[b])
                continue;
            FLAG(b);
            if (npairs == cappairs) {
                cappairs *= 2;
                pairs = grow(pairs, cappairs, sizeof *pairs);
            }
            pairs[npairs++] = (rpair){ i, rs->slot_of[key_of_ord(b)] - 1u, 0 };
        }
    }
#undef FLAG
    /* The test (w - m) / s < bx in double, exactly as the sorted engine
     * makes it (eval.c), is monotone in w: find once per pair the first
     * float of the bucket where it fails, and compare keys per value. */
    for (size_t j = 0; j < npairs; j++) {
        const squery *qq = &q[pairs[j].q];
        uint32_t k = rs->key_of_slot[pairs[j].slot];
        uint32_t lo = okey(k << 16), hi = okey((k << 16) | 0xFFFFu);
        if (lo > hi) {
            uint32_t t = lo;
            lo = hi;
            hi = t;
        }
        hi++;                        /* search [lo, hi]: hi = none fails */
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            double xv = ((double)float_of_okey(mid) - qq->m) / qq->s;
            int in = qq->le ? xv <= qq->bx : xv < qq->bx;
            if (in)
                lo = mid + 1;
            else
                hi = mid;
        }
        pairs[j].thr = lo;
    }
    qsort(pairs, npairs, sizeof *pairs, pair_cmp);
    rs->first = util_calloc((size_t)rs->nslots + 1, sizeof *rs->first);
    for (size_t j = 0; j < npairs; j++)
        rs->first[pairs[j].slot + 1]++;
    for (unsigned sl = 0; sl < rs->nslots; sl++)
        rs->first[sl + 1] += rs->first[sl];
    rs->pairs = pairs;
    rs->q = q;
    int T = s->nthreads;
    r_tstate ts[64];
    void *tp[64];
    pass ps = { &s->src, resolve_chunk, T, rs, tp, resolve_wchunk, 0 };
    for (int t = 0; t < T && t < 64; t++) {
        ts[t].acc = util_mallocarray(npairs ? npairs : 1, sizeof *ts[t].acc);
        for (size_t j = 0; j < npairs; j++)
            ts[t].acc[j] = (racc){ 0, 0, 0, 0, UINT32_MAX };
        ts[t].mn = util_mallocarray(rs->nslots ? rs->nslots : 1, sizeof *ts[t].mn);
        ts[t].mx = util_calloc(rs->nslots ? rs->nslots : 1, sizeof *ts[t].mx);
        for (unsigned sl = 0; sl < rs->nslots; sl++)
            ts[t].mn[sl] = UINT32_MAX;
        tp[t] = &ts[t];
    }
    if (s->codecnt)
        resolve_codes(s, rs, &ts[0]);
    else if (npairs || rs->nslots)
        pass_run(&ps);
    for (int t = 1; t < ps.nthreads && !s->codecnt; t++) {
        for (size_t j = 0; j < npairs; j++) {
            racc *a = &ts[0].acc[j], *b = &ts[t].acc[j];
            a->c += b->c;
            a->s1 += b->s1;
            a->s2 += b->s2;
            a->maxin = b->maxin > a->maxin ? b->maxin : a->maxin;
            a->minout = b->minout < a->minout ? b->minout : a->minout;
        }
        for (unsigned sl = 0; sl < rs->nslots; sl++) {
            ts[0].mn[sl] = ts[t].mn[sl] < ts[0].mn[sl] ? ts[t].mn[sl] : ts[0].mn[sl];
            ts[0].mx[sl] = ts[t].mx[sl] > ts[0].mx[sl] ? ts[t].mx[sl] : ts[0].mx[sl];
        }
    }
    /* per boundary: the exact rank, sums and neighbours */
    srank *nr = util_mallocarray(nq, sizeof *nr);
    for (size_t i = 0; i < nq; i++) {
        nr[i].rank = s->C[blo[i]];
        nr[i].s1 = s->P1[blo[i]];
        nr[i].s2 = s->P2[blo[i]];
        nr[i].below = nr[i].above = NAN;
    }
    for (size_t j = 0; j < npairs; j++) {
        size_t i = pairs[j].q;
        const racc *a = &ts[0].acc[j];
        unsigned k = rs->key_of_slot[pairs[j].slot];
        nr[i].rank += a->c;
        if (a->c) {
            dd a1, a2;
            bucket_sums(k, a->c, a->s1, a->s2, p->origin, &a1, &a2);
            nr[i].s1 = dd_add(nr[i].s1, a1);
            nr[i].s2 = dd_add(nr[i].s2, a2);
            double v = float_of_okey(a->maxin);
            if (isnan(nr[i].below) || v > nr[i].below)
                nr[i].below = v;
        }
        if (a->minout != UINT32_MAX) {
            double v = float_of_okey(a->minout);
            if (isnan(nr[i].above) || v < nr[i].above)
                nr[i].above = v;
        }
    }
    /* A boundary with no value on one side inside its buckets takes the
     * neighbour from the nearest non-empty bucket beyond them: their
     * extremes come from one more pass, run only when some boundary needs
     * one (rare: in sparse tails). */
    nb_state *nb = util_calloc(1, sizeof *nb);
    for (size_t i = 0; i < nq; i++) {
        /* from this pass, when the neighbour bucket was in it */
        if (nr[i].rank > 0 && isnan(nr[i].below) && bprev[i] >= 0) {
            unsigned sl = rs->slot_of[key_of_ord((unsigned)bprev[i])];
            if (sl)
                nr[i].below = float_of_okey(ts[0].mx[sl - 1]);
        }
        if (nr[i].rank < n && isnan(nr[i].above) && bnext[i] >= 0) {
            unsigned sl = rs->slot_of[key_of_ord((unsigned)bnext[i])];
            if (sl)
                nr[i].above = float_of_okey(ts[0].mn[sl - 1]);
        }
        if (nr[i].rank > 0 && isnan(nr[i].below) && bprev[i] >= 0)
            nb_flag(nb, key_of_ord((unsigned)bprev[i]));
        if (nr[i].rank < n && isnan(nr[i].above) && bnext[i] >= 0)
            nb_flag(nb, key_of_ord((unsigned)bnext[i]));
    }
    if (nb->nslots) {
        nb_tstate nts[64];
        void *ntp[64];
        pass pn = { &s->src, nb_chunk, s->codecnt ? 1 : T, nb, ntp, nb_wchunk, 0 };
        for (int t = 0; t < T; t++) {
            nts[t].mn = util_mallocarray(nb->nslots, sizeof *nts[t].mn);
            nts[t].mx = util_calloc(nb->nslots, sizeof *nts[t].mx);
            for (unsigned sl = 0; sl < nb->nslots; sl++)
                nts[t].mn[sl] = UINT32_MAX;
            ntp[t] = &nts[t];
        }
        if (s->codecnt)
            nb_codes(s, nb, &nts[0]);
        else
            pass_run(&pn);
        for (int t = 1; t < pn.nthreads; t++)
            for (unsigned sl = 0; sl < nb->nslots; sl++) {
                nts[0].mn[sl] = nts[t].mn[sl] < nts[0].mn[sl] ? nts[t].mn[sl] : nts[0].mn[sl];
                nts[0].mx[sl] = nts[t].mx[sl] > nts[0].mx[sl] ? nts[t].mx[sl] : nts[0].mx[sl];
            }
        for (size_t i = 0; i < nq; i++) {
            if (nr[i].rank > 0 && isnan(nr[i].below) && bprev[i] >= 0)
                nr[i].below = float_of_okey(nts[0].mx[nb->slot_of[key_of_ord((unsigned)bprev[i])] - 1]);
            if (nr[i].rank < n && isnan(nr[i].above) && bnext[i] >= 0)
                nr[i].above = float_of_okey(nts[0].mn[nb->slot_of[key_of_ord((unsigned)bnext[i])] - 1]);
        }
        for (int t = 0; t < T; t++) {
            free(nts[t].mn);
            free(nts[t].mx);
        }
    }
    free(nb);
    for (size_t i = 0; i < nq; i++) {
        if (nr[i].rank == 0)
            nr[i].below = NAN;
        if (nr[i].rank >= n)
            nr[i].above = NAN;
        q[i].rank = nr[i].rank;
    }
    /* merge into the query's resolved tables */
    h->done = grow(h->done, h->ndone + nq, sizeof *h->done);
    memcpy(h->done + h->ndone, q, nq * sizeof *q);
    h->ndone += nq;
    qsort(h->done, h->ndone, sizeof *h->done, qcmp_v);
    h->rk = grow(h->rk, h->nrk + nq, sizeof *h->rk);
    memcpy(h->rk + h->nrk, nr, nq * sizeof *nr);
    size_t m = h->nrk + nq;
    qsort(h->rk, m, sizeof *h->rk, rank_cmp);
    size_t u = 0;
    for (size_t i = 0; i < m; i++) {
        if (u && h->rk[u - 1].rank == h->rk[i].rank) {
            /* same rank, same values: keep the known neighbours */
            if (isnan(h->rk[u - 1].below))
                h->rk[u - 1].below = h->rk[i].below;
            if (isnan(h->rk[u - 1].above))
                h->rk[u - 1].above = h->rk[i].above;
            continue;
        }
        h->rk[u++] = h->rk[i];
    }
    h->nrk = u;
    for (int t = 0; t < T && t < 64; t++) {
        free(ts[t].mn);
        free(ts[t].mx);
        free(ts[t].acc);
    }
    free(nr);
    free(blo);
    free(bhi);
    free(bprev);
    free(bnext);
    free(rs->key_of_slot);
    free(rs->first);
    free(pairs);
    free(rs);
    return 0;
}

static uint64_t hist_hash(const prep *p)
{
    const struct prep_summary *s = SM(p);
    uint64_t h = prep_hash(0, s, sizeof *s);
    h = prep_hash(h, s->C, (NB + 1) * sizeof *s->C);
    h = prep_hash(h, s->ridx, (RIDX + 1) * sizeof *s->ridx);
    h = prep_hash(h, s->P1, (NB + 1) * sizeof *s->P1);
    h = prep_hash(h, s->P2, (NB + 1) * sizeof *s->P2);
    if (s->codecnt)
        h = prep_hash(h, s->codecnt, 65536 * sizeof *s->codecnt);
    if (s->codeval)
        h = prep_hash(h, s->codeval, 65536 * sizeof *s->codeval);
    if (s->bmin) {
        h = prep_hash(h, s->bmin, NB * sizeof *s->bmin);
        h = prep_hash(h, s->bmax, NB * sizeof *s->bmax);
    }
    return h;
}

const prep_ops prep_hist_ops = {
    .name = "histogram",
    .caps = PREP_CAP_RESOLVE,
    .auto_from = (uint64_t)1 << 20,   /* below it, sorting costs little and the search is dense */
    .rank = hist_rank,
    .rank_x = hist_rank_x,
    .sums = hist_sums,
    .value = hist_value,
    .resolve = hist_resolve,
    .analyze = NULL,
    .state_hash = hist_hash,
    .free = hist_free,
};
