/*
 * prep_hist.c - the histogram engine behind prep_create_summary
 * (prep_hist.h): the passes over the values (float32, converted, 2-byte
 * codes or weighted pairs), the counting pass, the buckets' cumulative
 * arrays and stats, the prep and its ops table. The buckets' geometry is
 * in prep_hist_int.h; the queries in prep_hist_query.c; the resolve pass
 * in prep_hist_resolve.c.
 */
#include "config.h"
#include "quant/prep_hist_int.h"
#include "core/par.h"

#include <pthread.h>
#include <stdlib.h>

#ifdef __SSE__
#include <xmmintrin.h>
#endif

/* ---- passes over the values ----------------------------------------- */

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
void ph_pass_run(pass *ps)
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
    ph_pass_run(&ps);
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
        ph_pass_run(&pm);
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
        s->ridx[j] = ph_bucket_of_rank_in(s, (uint64_t)((double)n * j / RIDX), 0, NB);
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
    ph_pass_run(&ps);
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
    .rank = ph_hist_rank,
    .rank_x = ph_hist_rank_x,
    .sums = ph_hist_sums,
    .value = ph_hist_value,
    .resolve = ph_hist_resolve,
    .analyze = NULL,
    .state_hash = hist_hash,
    .free = hist_free,
};

