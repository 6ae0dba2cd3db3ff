/*
 * prep_sorted.c - the sorted engine (prep_sorted.h): sorting and prefix
 * sums behind the exact, instant evaluator.
 *
 * The radix sort maps each float's bits to an unsigned key whose order is
 * the numeric order (flip all bits of negatives, the sign bit of the rest)
 * and runs LSD passes of 11 bits (float) or 16 bits (double), skipping
 * passes where every key has the same digit. A coarse index of every
 * PREP_COARSE-th value makes binary searches cache-friendly.
 */
#include "config.h"
#include "quant/prep.h"
#include "core/par.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PREP_COARSE 256

static inline uint32_t key_f(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u ^ ((uint32_t)((int32_t)u >> 31) | 0x80000000u);
}

static inline uint64_t key_d(double f)
{
    uint64_t u;
    memcpy(&u, &f, 8);
    return u ^ ((uint64_t)((int64_t)u >> 63) | 0x8000000000000000ull);
}

/*
 * Float sort: one MSD pass on the top 16 key bits (sign, exponent and 7
 * mantissa bits) scatters the values into buckets, then each bucket is
 * sorted on its low 16 bits by two LSD passes of 8 bits. A bucket is
 * usually small enough to stay in cache, so only two passes touch main
 * memory; buckets are independent and are shared among threads.
 */
enum { MSD_BITS = 12, MSD_NB = 1 << MSD_BITS, LOW_BITS = 32 - MSD_BITS };

typedef struct sort_job {
    float *v, *scratch;
    const uint64_t *start;   /* MSD_NB + 1 bucket starts */
    uint32_t b0, b1;         /* bucket range [b0, b1) */
} sort_job;

/* Sort src[0..m) (all with the same top 16 key bits) into dst. */
static void sort_bucket(float *src, float *dst, uint64_t m)
{
    if (m < 48) {
        /* insertion sort on keys, src -> dst */
        for (uint64_t i = 0; i < m; i++) {
            float x = src[i];
            uint32_t kx = key_f(x);
            uint64_t j = i;
            while (j > 0 && key_f(dst[j - 1]) > kx) {
                dst[j] = dst[j - 1];
                j--;
            }
            dst[j] = x;
        }
        return;
    }
    /* all digit histograms of the low key bits in one pass, then one
     * scatter pass per digit */
    enum { NP = 3, DB = 7 };
    uint64_t cnt[NP][1 << DB];
    memset(cnt, 0, sizeof cnt);
    const uint32_t mask = (1u << DB) - 1;
    for (uint64_t i = 0; i < m; i++) {
        uint32_t k = key_f(src[i]);
        cnt[0][k & mask]++;
        cnt[1][(k >> DB) & mask]++;
        cnt[2][(k >> (2 * DB)) & mask]++;
    }
    float *a = src, *b = dst;
    for (int p = 0; p < NP; p++) {
        int sh = DB * p;
        if (cnt[p][(key_f(a[0]) >> sh) & mask] == m)
            continue; /* every key has this digit */
        uint64_t sum = 0;
        for (uint32_t d = 0; d <= mask; d++) {
            uint64_t c = cnt[p][d];
            cnt[p][d] = sum;
            sum += c;
        }
        for (uint64_t i = 0; i < m; i++)
            b[cnt[p][(key_f(a[i]) >> sh) & mask]++] = a[i];
        float *t = a;
        a = b;
        b = t;
    }
    if (a != dst)
        memcpy(dst, a, m * sizeof *dst);
}

static void *sort_buckets(void *arg)
{
    sort_job *j = arg;
    for (uint32_t b = j->b0; b < j->b1; b++) {
        uint64_t s = j->start[b], m = j->start[b + 1] - s;
        if (m)
            sort_bucket(j->scratch + s, j->v + s, m);
    }
    return NULL;
}

static void sort_part(void *ctx, int t)
{
    sort_buckets((sort_job *)ctx + t);
}

/* The MSD bucket of a float: its top 16 key bits. */
static inline uint32_t msd_bucket(float f)
{
    return key_f(f) >> LOW_BITS;
}

/* Sort v (result in v; scratch clobbered). start: MSD_NB + 1 entries with
 * start[b + 1] = how many values fall in bucket b (counted by the caller
 * while it had the values in cache anyway), or NULL to count here. Frees
 * start. */
static void msd_sort_float(float *v, uint64_t n, float *scratch, uint64_t *start)
{
    if (n < 2) {
        free(start);
        return;
    }
    if (!start) {
        start = util_calloc(MSD_NB + 1, sizeof *start);
        for (uint64_t i = 0; i < n; i++)
            start[msd_bucket(v[i]) + 1]++;
    }
    for (uint32_t b = 0; b < MSD_NB; b++)
        start[b + 1] += start[b];
    uint64_t *pos = util_mallocarray(MSD_NB, sizeof *pos);
    memcpy(pos, start, MSD_NB * sizeof *pos);
    for (uint64_t i = 0; i < n; i++)
        scratch[pos[msd_bucket(v[i])]++] = v[i];
    free(pos);
    /* Buckets back into v, cut into parts by element count, on the
     * threads the budget grants (par.h) */
    int nt = n >= (1u << 22) ? util_ncpus() : 1;
    if (nt > 8)
        nt = 8;
    sort_job jobs[8];
    uint32_t b = 0;
    for (int t = 0; t < nt; t++) {
        jobs[t].v = v;
        jobs[t].scratch = scratch;
        jobs[t].start = start;
        jobs[t].b0 = b;
        uint64_t goal = n / (uint64_t)nt * (uint64_t)(t + 1);
        while (b < MSD_NB && (t == nt - 1 || start[b] < goal))
            b++;
        jobs[t].b1 = t == nt - 1 ? MSD_NB : b;
    }
    par_run(nt, sort_part, jobs);
    free(start);
}

/* Sorts v; the result ends up in v (scratch is clobbered). */
void prep_sort_float(float *v, uint64_t n, float *scratch)
{
    msd_sort_float(v, n, scratch, NULL);
}

void prep_sort_double(double *v, uint64_t n, double *scratch)
{
    enum { BITS = 16, NB = 1 << BITS, PASSES = 4 };
    if (n < 2)
        return;
    uint64_t (*cnt)[NB] = util_calloc(PASSES, sizeof *cnt);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t k = key_d(v[i]);
        for (int p = 0; p < PASSES; p++)
            cnt[p][(k >> (p * BITS)) & (NB - 1)]++;
    }
    double *src = v, *dst = scratch;
    for (int p = 0; p < PASSES; p++) {
        int shift = p * BITS;
        uint64_t d0 = (key_d(src[0]) >> shift) & (NB - 1);
        if (cnt[p][d0] == n)
            continue;
        uint64_t sum = 0;
        for (int b = 0; b < NB; b++) {
            uint64_t c = cnt[p][b];
            cnt[p][b] = sum;
            sum += c;
        }
        for (uint64_t i = 0; i < n; i++) {
            uint64_t k = (key_d(src[i]) >> shift) & (NB - 1);
            dst[cnt[p][k]++] = src[i];
        }
        double *t = src;
        src = dst;
        dst = t;
    }
    if (src != v)
        memcpy(v, src, n * sizeof *v);
    free(cnt);
}

/* ---- shared construction ------------------------------------------------ */

typedef struct coarse {
    uint64_t n;
    double *key;     /* key[c] = value at index c * PREP_COARSE */
} coarse;

/* The engine's prep: the interface's part first, then what only this
 * file reads. Written while building, read only afterwards. */
struct prep_ext {
    prep p;
    float *f;              /* the sorted values (owned; p.f / p.d point here) */
    double *d;
    uint64_t block;        /* values per prefix entry: 1, 8 or PREP_BLOCK */
    uint64_t nblocks;      /* n / block + 1 prefix entries */
    dd *p1, *p2;           /* p1[k] = sum_{i < k*B} (w_i 2^-sexp - origin_s), p2 of squares */
    coarse c;
};

static inline const struct prep_ext *ext(const prep *p)
{
    return (const struct prep_ext *)p;
}

static int progress_tick(prep_progress *pg, double frac)
{
    if (!pg)
        return 0;
    pg->frac = frac;
    return pg->cancel;
}

/*
 * Building a prep takes three passes over the values besides the sort:
 * (1) drop non-finite values, sum them (double within blocks of 1024, dd
 * across) and, for floats, count the sort's MSD buckets; (2) the sort;
 * (3) blocked prefix sums of d = w - origin and d^2 with origin = that mean,
 * which also give the exact mean (origin + S1 / n) and the central moments.
 */
static void sorted_free(prep *p);
#define PREP_BUILD(FN, T, FIELD, ISDBL, HIST_ALLOC, HIST_ADD, SORT_CALL)              \
    prep *FN(T *vals, uint64_t count, prep_progress *pg, util_err *err)          \
    {                                                                            \
        struct prep_ext *x = util_calloc(1, sizeof *x);                          \
        prep *p = &x->p;                                                         \
        p->ops = &prep_sorted_ops;                                               \
        p->caps = prep_sorted_ops.caps;                                          \
        p->is_double = ISDBL;                                                    \
        p->st.count = count;                                                     \
        uint64_t *hist = HIST_ALLOC;                                             \
        uint64_t n = 0;                                                          \
        dd sum = { 0, 0 };                                                       \
        double blk = 0;                                                          \
        for (uint64_t i = 0; i < count; i++) {                                   \
            T v = vals[i];                                                       \
            if (!isfinite(v))                                                    \
                continue;                                                        \
            vals[n++] = v;                                                       \
            blk += (double)v;                                                    \
            HIST_ADD;                                                            \
            if ((n & 1023) == 0) {                                               \
                sum = dd_add_d(sum, blk);                                        \
                blk = 0;                                                         \
            }                                                                    \
            if ((i & 0xfffff) == 0 && progress_tick(pg, 0.1 * (double)i / (double)count)) { \
                free(hist);                                                      \
                goto cancelled;                                                  \
            }                                                                    \
        }                                                                        \
        sum = dd_add_d(sum, blk);                                                \
        p->st.n = n;                                                             \
        p->st.nonfinite = count - n;                                             \
        if (n > 0 && n < count)                                                  \
            vals = util_realloc(vals, n * sizeof *vals);                         \
        if (progress_tick(pg, 0.15)) {                                           \
            free(hist);                                                          \
            goto cancelled;                                                      \
        }                                                                        \
        {                                                                        \
            T *scratch = malloc((n ? n : 1) * sizeof *scratch);                  \
            if (!scratch) {                                                      \
                util_err_set(err, "out of memory sorting %llu values",           \
                             (unsigned long long)n);                             \
                free(hist);                                                      \
                free(vals);                                                      \
                free(x);                                                         \
                return NULL;                                                     \
            }                                                                    \
            SORT_CALL;                                                           \
            free(scratch);                                                       \
        }                                                                        \
        x->FIELD = vals;                                                         \
        p->FIELD = vals;                                                         \
        if (progress_tick(pg, 0.6))                                              \
            goto cancelled_sorted;                                               \
        double mn = n ? (double)vals[0] : 0, mx = n ? (double)vals[n - 1] : 0;   \
        /* doubles beyond 2^+-200: sums in units of 2^sexp (prep.h), the    \
         * mean summed again in those units (the first sum may overflow) */ \
        int sexp = 0;                                                            \
        double sc = 1;                                                           \
        if (ISDBL && n) {                                                        \
            double am = fmax(fabs(mn), fabs(mx));                                \
            if (am > 0x1p200 || (am > 0 && am < 0x1p-200)) {                     \
                frexp(am, &sexp);                                                \
                if (sexp < -1000)                                                \
                    sexp = -1000;                                                \
                sc = ldexp(1, -sexp);                                            \
                dd ss = { 0, 0 };                                                \
                for (uint64_t i = 0; i < n; i++)                                 \
                    ss = dd_add_d(ss, (double)vals[i] * sc);                     \
                sum = ss;                                                        \
            }                                                                    \
        }                                                                        \
        double origin = n ? dd_to_d(sum) / (double)n : 0;                        \
        p->sexp = sexp;                                                          \
        p->origin_s = origin;                                                    \
        origin = ldexp(origin, sexp);                                            \
        p->origin = origin;                                                      \
        const double org_s = p->origin_s;                                        \
        x->block = n <= PREP_SMALL_N ? 1 : n <= ((uint64_t)1 << 20) ? 8 : PREP_BLOCK; \
        const uint64_t B = x->block;                                             \
        x->nblocks = n / B + 1;                                                  \
        x->p1 = util_mallocarray(x->nblocks, sizeof *x->p1);                     \
        x->p2 = util_mallocarray(x->nblocks, sizeof *x->p2);                     \
        dd s1 = { 0, 0 }, s2 = { 0, 0 };                                         \
        dd m4 = { 0, 0 };                                                        \
        x->p1[0] = s1;                                                           \
        x->p2[0] = s2;                                                           \
        for (uint64_t b = 0; b + 1 < x->nblocks; b++) {                          \
            double a1 = 0, a2 = 0, a4 = 0;                                       \
            const T *bv = vals + b * B;                                          \
            if (sexp == 0)                                                       \
                for (uint64_t j = 0; j < B; j++) {                               \
                    double d = (double)bv[j] - org_s;                            \
                    double d2 = d * d;                                           \
                    a1 += d;                                                     \
                    a2 += d2;                                                    \
                    a4 += d2 * d2;                                               \
                }                                                                \
            else                                                                 \
                for (uint64_t j = 0; j < B; j++) {                               \
                    double d = (double)bv[j] * sc - org_s;                       \
                    double d2 = d * d;                                           \
                    a1 += d;                                                     \
                    a2 += d2;                                                    \
                    a4 += d2 * d2;                                               \
                }                                                                \
            s1 = dd_add_d(s1, a1);                                               \
            s2 = dd_add_d(s2, a2);                                               \
            m4 = dd_add_d(m4, a4);                                               \
            x->p1[b + 1] = s1;                                                   \
            x->p2[b + 1] = s2;                                                   \
            if ((b & 0x3fff) == 0 &&                                             \
                progress_tick(pg, 0.6 + 0.4 * (double)b / (double)x->nblocks))   \
                goto cancelled_sorted;                                           \
        }                                                                        \
        /* the ragged tail */                                                    \
        for (uint64_t i = (x->nblocks - 1) * B; i < n; i++) {                    \
            double d = (double)vals[i] * sc - org_s;                             \
            s1 = dd_add_d(s1, d);                                                \
            s2 = dd_add_d(s2, d * d);                                            \
            m4 = dd_add_d(m4, d * d * d * d);                                    \
        }                                                                        \
        /* mean = origin + S1 / n; sum (w - mean)^2 = S2 - S1 (S1 / n), all  \
         * in units of 2^sexp until the end */                                  \
        double delta = n ? dd_to_d(s1) / (double)n : 0;                          \
        double mean = ldexp(org_s + delta, sexp);                                \
        double m2tot = fmax(0, dd_to_d(dd_sub(s2, dd_mul_dd_d(s1, delta))));     \
        p->st.mean = mean;                                                       \
        p->st.min = mn;                                                          \
        p->st.max = mx;                                                          \
        p->st.absmax = fmax(fabs(mn), fabs(mx));                                 \
        /* inf only when the true std exceeds DBL_MAX (values near +-DBL_MAX) */ \
        p->st.std = n > 1 ? ldexp(sqrt(m2tot / (double)(n - 1)), sexp) : 0;     \
        {                                                                        \
            /* m4 about the origin: it differs from the mean by rounding;   \
             * the ratio does not depend on the units */                        \
            double m2 = n ? m2tot / (double)n : 0;                               \
            double m4p = n ? dd_to_d(m4) / (double)n : 0;                        \
            p->st.kurtosis = m2 > 0 ? m4p / (m2 * m2) - 3.0 : 0;                 \
        }                                                                        \
        /* sum w^2 = sum (d + o)^2 = S2 + 2 o S1 + n o^2 */                      \
        {                                                                        \
            dd t = s2;                                                           \
            t = dd_add(t, dd_mul_dd_d(s1, 2 * org_s));                           \
            t = dd_add(t, dd_mul_dd_d(dd_prod(org_s, org_s), (double)n));        \
            p->sumsq_s = fmax(0, dd_to_d(t));                                    \
            p->st.sumsq = ldexp(p->sumsq_s, 2 * sexp); /* inf: not a double */   \
        }                                                                        \
        x->c.n = n ? (n - 1) / PREP_COARSE + 1 : 0;                              \
        x->c.key = util_mallocarray(x->c.n ? x->c.n : 1, sizeof *x->c.key);      \
        for (uint64_t c = 0; c < x->c.n; c++)                                    \
            x->c.key[c] = (double)vals[c * PREP_COARSE];                         \
        progress_tick(pg, 1.0);                                                  \
        return p;                                                                \
    cancelled:                                                                   \
        free(vals);                                                              \
        free(x);                                                                 \
        return NULL;                                                             \
    cancelled_sorted:                                                            \
        sorted_free(p);                                                          \
        return NULL;                                                             \
    }

PREP_BUILD(prep_create_float, float, f, 0, util_calloc(MSD_NB + 1, sizeof(uint64_t)),
           hist[msd_bucket(v) + 1]++, (msd_sort_float(vals, n, scratch, hist), hist = NULL))
PREP_BUILD(prep_create_double, double, d, 1, NULL, (void)0, prep_sort_double(vals, n, scratch))
/* values already sorted and finite: no sort */
static prep *presorted_float(float *vals, uint64_t count, prep_progress *pg, util_err *err);
PREP_BUILD(presorted_float, float, f, 0, NULL, (void)0, (void)scratch)

static int cmp_code_key(const void *a, const void *b, void *arg)
{
    const float *val = arg;
    uint32_t x = key_f(val[*(const uint32_t *)a]), y = key_f(val[*(const uint32_t *)b]);
    return (x > y) - (x < y);
}

prep *prep_create_codes16(const unsigned char *raw, uint64_t count, const float *code_value,
                          prep_progress *pg, util_err *err)
{
    uint64_t *cnt = util_calloc(65536, sizeof *cnt);
    for (uint64_t i = 0; i < count; i++) {
        cnt[raw[2 * i] | (unsigned)raw[2 * i + 1] << 8]++;
        if ((i & 0xffffff) == 0 && progress_tick(pg, 0.1 * (double)i / (double)count)) {
            free(cnt);
            return NULL;
        }
    }
    /* the codes present, in the sorted engine's order of their values */
    uint32_t *codes = util_mallocarray(65536, sizeof *codes);
    size_t m = 0;
    uint64_t nfin = 0;
    for (uint32_t c = 0; c < 65536; c++)
        if (cnt[c] && isfinite(code_value[c])) {
            codes[m++] = c;
            nfin += cnt[c];
        }
    qsort_r(codes, m, sizeof *codes, cmp_code_key, (void *)code_value);
    float *vals = malloc((nfin ? nfin : 1) * sizeof *vals);
    if (!vals) {
        util_err_set(err, "out of memory for %llu values", (unsigned long long)nfin);
        free(cnt);
        free(codes);
        return NULL;
    }
    uint64_t k = 0;
    for (size_t j = 0; j < m; j++) {
        float v = code_value[codes[j]];
        for (uint64_t r = 0; r < cnt[codes[j]]; r++)
            vals[k++] = v;
    }
    free(cnt);
    free(codes);
    prep *p = presorted_float(vals, nfin, pg, err);
    if (p) {
        p->st.count = count;
        p->st.nonfinite = count - p->st.n;
    }
    return p;
}

static void sorted_free(prep *p)
{
    struct prep_ext *x = (struct prep_ext *)p;
    free(x->f);
    free(x->d);
    free(x->p1);
    free(x->p2);
    free(x->c.key);
    free(x);
}

/* First index in [lo, hi) whose value is not below w (strict) or above w. */
#define SEARCH(LESS)                                                             \
    const struct prep_ext *x = ext(p);                                           \
    uint64_t n = p->st.n;                                                        \
    if (n == 0)                                                                  \
        return 0;                                                                \
    /* coarse: number of coarse keys that are LESS than w */                    \
    uint64_t lo = 0, hi = x->c.n;                                                \
    while (lo < hi) {                                                            \
        uint64_t mid = lo + (hi - lo) / 2;                                       \
        if (LESS(x->c.key[mid], w))                                              \
            lo = mid + 1;                                                        \
        else                                                                     \
            hi = mid;                                                            \
    }                                                                            \
    /* the answer lies in ((lo-1)*C, lo*C] */                                    \
    uint64_t a = lo ? (lo - 1) * PREP_COARSE + 1 : 0;                            \
    uint64_t b = lo * PREP_COARSE < n ? lo * PREP_COARSE : n;                    \
    if (p->is_double) {                                                          \
        while (a < b) {                                                          \
            uint64_t mid = a + (b - a) / 2;                                      \
            if (LESS(x->d[mid], w))                                              \
                a = mid + 1;                                                     \
            else                                                                 \
                b = mid;                                                         \
        }                                                                        \
    } else {                                                                     \
        while (a < b) {                                                          \
            uint64_t mid = a + (b - a) / 2;                                      \
            if (LESS((double)x->f[mid], w))                                      \
                a = mid + 1;                                                     \
            else                                                                 \
                b = mid;                                                         \
        }                                                                        \
    }                                                                            \
    return a;

#define LT(v, w) ((v) < (w))
#define LE(v, w) ((v) <= (w))

static uint64_t rank_lt(const prep *p, double w)
{
    SEARCH(LT)
}

static uint64_t rank_le(const prep *p, double w)
{
    SEARCH(LE)
}

static uint64_t sorted_rank(const prep *p, double w, int le)
{
    return le ? rank_le(p, w) : rank_lt(p, w);
}

static double sorted_value(const prep *p, prep_query *q, uint64_t i, int full)
{
    return p->is_double ? ext(p)->d[i] : (double)ext(p)->f[i];
}

/* The search runs in w units; the few values next to the boundary are
 * then checked in x units so that rounding of m + s bx never miscounts a
 * value on the boundary. */
static uint64_t sorted_rank_x(const prep *p, prep_query *q, double m, double s, double bx, int le,
                              int full)
{
    double bw = m + s * bx;
    uint64_t i = le ? prep_rank_le(p, bw) : prep_rank_lt(p, bw);
    const uint64_t n = p->st.n;
#define XIN(k) (le ? (sorted_value(p, q, k, 0) - m) / s <= bx : (sorted_value(p, q, k, 0) - m) / s < bx)
    while (i > 0 && !XIN(i - 1))
        i--;
    while (i < n && XIN(i))
        i++;
#undef XIN
    return i;
}

static void direct_sums(const prep *p, uint64_t i, uint64_t j, dd *s1, dd *s2)
{
    const struct prep_ext *x = ext(p);
    double a1 = 0, a2 = 0;
    double o = p->origin_s;
    if (p->sexp) {
        /* in units of 2^sexp (prep.h): only doubles are ever scaled */
        double sc = ldexp(1, -p->sexp);
        for (uint64_t k = i; k < j; k++) {
            double d = x->d[k] * sc - o;
            a1 += d;
            a2 += d * d;
        }
    } else if (p->is_double)
        for (uint64_t k = i; k < j; k++) {
            double d = x->d[k] - o;
            a1 += d;
            a2 += d * d;
        }
    else
        for (uint64_t k = i; k < j; k++) {
            double d = (double)x->f[k] - o;
            a1 += d;
            a2 += d * d;
        }
    *s1 = dd_add_d(*s1, a1);
    *s2 = dd_add_d(*s2, a2);
}

static void sorted_sums(const prep *p, prep_query *q, uint64_t i, uint64_t j, int full, dd *s1,
                        dd *s2)
{
    const struct prep_ext *x = ext(p);
    dd z = { 0, 0 };
    *s1 = z;
    *s2 = z;
    if (j <= i)
        return;
    const uint64_t B = x->block;
    uint64_t bi = (i + B - 1) / B; /* first full block */
    uint64_t bj = j / B;           /* end of full blocks */
    if (bj <= bi) {
        direct_sums(p, i, j, s1, s2);
        return;
    }
    *s1 = dd_sub(x->p1[bj], x->p1[bi]);
    *s2 = dd_sub(x->p2[bj], x->p2[bi]);
    if (i < bi * B)
        direct_sums(p, i, bi * B, s1, s2);
    if (bj * B < j)
        direct_sums(p, bj * B, j, s1, s2);
}

static uint64_t sorted_hash(const prep *p)
{
    const struct prep_ext *x = ext(p);
    uint64_t n = p->st.n;
    uint64_t h = prep_hash(0, x, sizeof *x);
    if (x->f)
        h = prep_hash(h, x->f, n * sizeof *x->f);
    if (x->d)
        h = prep_hash(h, x->d, n * sizeof *x->d);
    h = prep_hash(h, x->p1, x->nblocks * sizeof *x->p1);
    h = prep_hash(h, x->p2, x->nblocks * sizeof *x->p2);
    return prep_hash(h, x->c.key, x->c.n * sizeof *x->c.key);
}

const prep_ops prep_sorted_ops = {
    .name = "sorted",
    .caps = PREP_CAP_VALUES | PREP_CAP_EXACT | PREP_CAP_DOUBLE | PREP_CAP_LARGE,
    .auto_from = 0,
    .rank = sorted_rank,
    .rank_x = sorted_rank_x,
    .sums = sorted_sums,
    .value = sorted_value,
    .resolve = NULL,
    .analyze = NULL,
    .state_hash = sorted_hash,
    .free = sorted_free,
};
