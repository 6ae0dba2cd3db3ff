/*
 * prep_hist_query.c - the histogram engine's answers (prep_hist.h):
 * ranks, sums and values interpolated inside a bucket, or exact at the
 * boundaries a query resolved (prep_hist_resolve.c), and the query's own
 * part (what it noted and resolved, a lookup cache).
 */
#include "config.h"
#include "quant/prep_hist_int.h"

#include <stdlib.h>

static void hquery_free(void *e)
{
    hquery *h = e;
    free(h->done);
    free(h->pend);
    free(h->rk);
    free(h);
}

hquery *ph_hq(prep_query *q)
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

void *ph_grow(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        abort();
    return util_realloc(p, n * size);
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
unsigned ph_bucket_of_rank_in(const struct prep_summary *s, uint64_t r, unsigned lo, unsigned hi)
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
        unsigned b = ph_bucket_of_rank_in(s, r, s->ridx[j], s->ridx[j + 1] + 1 < NB ? s->ridx[j + 1] + 1 : NB);
        if (s->C[b] <= r && r < s->C[b + 1])
            return b;
    }
    return ph_bucket_of_rank_in(s, r, 0, NB);
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

int ph_qcmp(const squery *a, const squery *b)
{
    if (a->m != b->m)
        return a->m < b->m ? -1 : 1;
    if (a->s != b->s)
        return a->s < b->s ? -1 : 1;
    if (a->bx != b->bx)
        return a->bx < b->bx ? -1 : 1;
    return a->le - b->le;
}

int ph_qcmp_v(const void *a, const void *b) { return ph_qcmp(a, b); }

const squery *ph_find_done(const hquery *s, const squery *q)
{
    size_t lo = 0, hi = s ? s->ndone : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = ph_qcmp(&s->done[mid], q);
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

uint64_t ph_hist_rank_x(const prep *p, prep_query *qy, double m, double s, double bx, int le,
                            int rec)
{
    hquery *h = ph_hq(qy);
    squery q = { m, s, bx, le ? 1 : 0, 0 };
    if (rec && h) {
        const squery *d = ph_find_done(h, &q);
        if (d)
            return d->rank;
        if (qy->recording) {
            if (h->npend == h->cappend) {
                h->cappend = h->cappend ? 2 * h->cappend : 64;
                h->pend = ph_grow(h->pend, h->cappend, sizeof *h->pend);
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
    hquery *h = ph_hq(qy);
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

void ph_hist_sums(const prep *p, prep_query *q, uint64_t i, uint64_t j, int exact, dd *s1,
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

double ph_hist_value(const prep *p, prep_query *qy, uint64_t i, int exact)
{
    if (!exact)
        return value_approx(p, i);
    if (i == 0)
        return p->st.min;
    if (i + 1 >= p->st.n)
        return p->st.max;
    const hquery *h = ph_hq(qy);
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

uint64_t ph_hist_rank(const prep *p, double w, int le)
{
    return rank_approx(p, w);
}

