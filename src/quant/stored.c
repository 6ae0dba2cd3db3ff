/*
 * stored.c - the stored grid as a scheme (stored.h).
 *
 * One pass over the values in C order, in chunks from the caller's
 * reader: each finite value's group (loader_grid_group), the code nearest
 * to it by the group's inverse map u = (v - bias) / scale + zero looked
 * up in the codebook (levels_lut), corrected against the exact float
 * levels of its neighbours; its distance to that level, the pooled code
 * counts, the codes each group holds (a bitmap of ncb bits per group, or
 * one bitmap reused group after group when the groups are runs along the
 * rows, as in every block format), and the group's count.
 */
#include "config.h"
#include "quant/stored.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 65536

int stored_is(const char *name)
{
    return name && strcmp(name, STORED_NAME) == 0;
}

static size_t popcount_words(const uint64_t *w, size_t nw)
{
    size_t n = 0;
    for (size_t k = 0; k < nw; k++)
        n += (size_t)__builtin_popcountll(w[k]);
    return n;
}

/* The k-th smallest of x[0..n) (Hoare's selection; x is reordered). */
static float select_kth(float *x, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        float piv = x[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (x[i] < piv)
                i++;
            while (x[j] > piv)
                j--;
            if (i <= j) {
                float t = x[i];
                x[i] = x[j];
                x[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break;
    }
    return x[k];
}

static const char *granularity_of(const loader_grid *g)
{
    char b[96];
    if (g->gmap)
        snprintf(b, sizeof b, "group:%llu@g_idx", (unsigned long long)g->tc);
    else if (g->rmap)
        snprintf(b, sizeof b, "block:%llux%llu@g_idx", (unsigned long long)g->tr, (unsigned long long)g->tc);
    else if (g->ngroups == 1)
        snprintf(b, sizeof b, "tensor");
    else if (g->tr == 1 && g->tc >= g->cols)
        snprintf(b, sizeof b, "channel");
    else if (g->tc == 1 && g->tr >= g->rows)
        snprintf(b, sizeof b, "column");
    else if (g->tr == 1)
        snprintf(b, sizeof b, "group:%llu", (unsigned long long)g->tc);
    else
        snprintf(b, sizeof b, "block:%llux%llu", (unsigned long long)g->tr, (unsigned long long)g->tc);
    return analyze_intern(b);
}

/* The level nearest to v in group gi, starting from the codebook index k
 * the inverse map gave (its float rounding may be one off). */
static size_t nearest(const loader_grid *g, uint64_t gi, size_t k, float v, float *lv)
{
    float L = loader_grid_level(g, gi, k);
    double e = fabs((double)v - L);
    while (k > 0) {
        float Lm = loader_grid_level(g, gi, k - 1);
        if (!(fabs((double)v - Lm) < e))
            break;
        k--, L = Lm, e = fabs((double)v - Lm);
    }
    while (k + 1 < g->ncb) {
        float Lp = loader_grid_level(g, gi, k + 1);
        if (!(fabs((double)v - Lp) < e))
            break;
        k++, L = Lp, e = fabs((double)v - Lp);
    }
    *lv = L;
    return k;
}

/* nearbyint in the default rounding mode, without a call for |u| < 2^51
 * (the sign of a zero aside, which the caller does not see) */
static inline double round_even(double u)
{
    if (fabs(u) < 0x1p51) {
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
        double t = u + 0x1.8p52;   /* (rounded to double: no excess precision) */
#else
        volatile double t = u + 0x1.8p52;
#endif
        return t - 0x1.8p52;
    }
    return nearbyint(u);
}

/* The group's level range [lo, hi] (w units). */
static void group_range(const loader_grid *g, uint64_t gi, double *lo, double *hi)
{
    double a = loader_grid_level(g, gi, 0), b = loader_grid_level(g, gi, g->ncb - 1);
    *lo = a < b ? a : b;
    *hi = a < b ? b : a;
}

static int affine(const loader_grid *g)
{
    return g->zero || g->bias;
}

static void fail(analyze_result *out, const char *msg)
{
    out->ok = 0;
    snprintf(out->err, sizeof out->err, "%s", msg);
}

typedef struct acc {
    double sse, sumsq, maxerr;
    uint64_t n, off;
    uint64_t *pooled;
    uint32_t *nval;
    uint64_t *bits;          /* codes held: per group, or one reused */
    size_t words;            /* words per bitmap */
    int run;                 /* groups are runs along the rows: one bitmap */
    uint64_t cur;            /* the group of that bitmap */
    double lpg_sum;
    uint64_t lpg_n;
} acc;

static void close_run(acc *a)
{
    if (a->cur != UINT64_MAX) {
        size_t held = popcount_words(a->bits, a->words);
        if (held) {   /* (a group of no finite value is no group with values) */
            a->lpg_sum += (double)held;
            a->lpg_n++;
        }
        memset(a->bits, 0, a->words * sizeof *a->bits);
    }
}

static void view_value(const loader_grid *g, uint64_t gi, double x, double err, double m, double s, gq_view *view)
{
    double lo, hi, c = 0, al;
    group_range(g, gi, &lo, &hi);
    lo = (lo - m) / s, hi = (hi - m) / s;
    if (affine(g)) {
        c = 0.5 * (lo + hi);
        al = 0.5 * (hi - lo);
    } else
        al = fmax(fabs(lo), fabs(hi));
    view->alpha[gi] = (float)al;
    view->sse[gi] += (float)(err * err);
    view->count[gi]++;
    double u = x - c == 0 ? 0 : al > 0 ? (x - c) / al : (x - c > 0 ? INFINITY : -INFINITY);
    if (fabs(u) > 1)
        view->nclip++;
    if (view->hist && view->nbins > 0) {
        double f = (u + 1) / 2 * view->nbins;
        long b = f >= 0 ? (f < view->nbins ? (long)f : view->nbins - 1) : 0;
        view->hist[b]++;
    }
}

static void finish_result(const loader_grid *g, acc *a, double m, double s, int self, analyze_result *out)
{
    levelset ls;
    memset(&ls, 0, sizeof ls);
    ls.scheme = STORED_NAME;
    ls.n = g->ncb;
    ls.terms = util_mallocarray(g->ncb, sizeof *ls.terms);
    int pc = g->int_codes && !affine(g);
    for (size_t k = 0; k < g->ncb; k++)
        ls.terms[k] = g->cb[k] == 0 ? 0 : pc ? levels_popcount_dyadic(fabs(g->cb[k])) : -1;
    /* alpha: the mean largest level magnitude (x units) of the groups with values */
    double asum = 0;
    uint64_t an = 0;
    float *sc = util_mallocarray(g->ngroups ? (size_t)g->ngroups : 1, sizeof *sc);
    size_t nsc = 0;
    for (uint64_t gi = 0; gi < g->ngroups; gi++) {
        if (!a->nval[gi])
            continue;
        double lo, hi;
        group_range(g, gi, &lo, &hi);
        asum += fmax(fabs((lo - m) / s), fabs((hi - m) / s));
        an++;
        sc[nsc++] = fabsf(g->scale[gi]);
        if (!a->run) {
            a->lpg_sum += (double)popcount_words(a->bits + gi * a->words, a->words);
            a->lpg_n++;
        }
    }
    out->r.alpha = an ? asum / (double)an : NAN;
    eval_result_from_totals(&ls, a->n, a->sse, a->sumsq, a->maxerr, 0, a->pooled, &out->r);
    if (self)
        out->r.mse = out->r.sqnr_db = out->r.max_abs_err = NAN;
    out->scale_min = out->scale_max = out->scale_median = NAN;
    if (nsc) {
        float lo = sc[0], hi = sc[0];
        for (size_t i = 1; i < nsc; i++) {
            lo = sc[i] < lo ? sc[i] : lo;
            hi = sc[i] > hi ? sc[i] : hi;
        }
        out->scale_min = lo;
        out->scale_max = hi;
        out->scale_median = select_kth(sc, nsc, (nsc - 1) / 2);
    }
    out->levels_per_group = a->lpg_n ? a->lpg_sum / (double)a->lpg_n : NAN;
    out->off_grid = a->off;
    out->relative_to_uniform = NAN;
    out->opt_alpha = out->opt_mse = NAN;
    out->gap_to_optimal_db = NAN;
    free(sc);
    free(ls.terms);
}

/* The result's header and the census's tables (0), or -1 with out failed. */
static int census_begin(const loader_grid *g, uint64_t count, double *m, double *s, int self,
                        analyze_result *out, gq_view *view, acc *a)
{
    memset(out, 0, sizeof *out);
    out->scheme = STORED_NAME;
    out->stored = 1;
    out->stored_self = self;
    out->bpw = g->bpw;
    out->nscales = g->ngroups;
    out->scale_dtype = g->scale_dtype;
    out->granularity = granularity_of(g);
    out->stored_params = analyze_intern(g->params);
    if (view) {
        view->ngroups = 0;
        view->alpha = NULL, view->sse = NULL, view->count = NULL;
        view->nclip = 0;
    }
    if (!(*s > 0) || !isfinite(*s) || !isfinite(*m))
        *s = 1, *m = 0;
    if (g->rows * g->cols != count || !g->ncb || !g->ngroups) {
        fail(out, "the stored grid does not describe this tensor");
        return -1;
    }
    size_t words = (g->ncb + 63) / 64;
    int run = g->tr == 1 && !g->gmap && !g->rmap;
    if (!run && (double)g->ngroups * (double)words * 8.0 > (double)(1u << 30)) {
        fail(out, "too many groups x levels for the stored grid's level census");
        return -1;
    }
    memset(a, 0, sizeof *a);
    a->run = run;
    a->words = words;
    a->cur = UINT64_MAX;
    a->pooled = util_calloc(g->ncb, sizeof *a->pooled);
    a->nval = util_calloc((size_t)g->ngroups, sizeof *a->nval);
    a->bits = util_calloc(run ? words : (size_t)g->ngroups * words, sizeof *a->bits);
    if (view) {
        view->ngroups = (size_t)g->ngroups;
        view->gcols = (size_t)g->gcols;
        view->alpha = util_calloc((size_t)g->ngroups, sizeof *view->alpha);
        view->sse = util_calloc((size_t)g->ngroups, sizeof *view->sse);
        view->count = util_calloc((size_t)g->ngroups, sizeof *view->count);
        if (view->hist && view->nbins > 0)
            memset(view->hist, 0, (size_t)view->nbins * sizeof *view->hist);
    }
    return 0;
}

static int census_end(const loader_grid *g, acc *a, int rc, double m, double s, int self, analyze_result *out,
                      gq_view *view)
{
    if (rc == 0) {
        if (a->run)
            close_run(a);
        out->ok = 1;
        finish_result(g, a, m, s, self, out);
    } else if (view)
        gq_view_free(view);
    free(a->pooled);
    free(a->nval);
    free(a->bits);
    return rc;
}

/* The largest distance from a level of group gi that is a float rounding. */
static double group_tol(const loader_grid *g, uint64_t gi, double cbmax)
{
    const float sc = g->scale[gi], z = g->zero ? g->zero[gi] : 0.0f, b = g->bias ? g->bias[gi] : 0.0f;
    return 4 * FLT_EPSILON * fmax(fabs((double)sc) * (cbmax + fabs(z)), fabs((double)b));
}

/* The values vv[0..len) of group gi (a finite scale): each one's code
 * (the inverse map rounded or looked up, then the nearest level), its
 * distance to that level, and the counts. */
static void census_run(const loader_grid *g, const levels_lut *lut, acc *a, uint64_t gi, const float *vv, size_t len,
                       double m, double s, double tol, gq_view *view, stored_elem_fn fn, void *fctx, uint64_t i0)
{
    const float sc = g->scale[gi], z = g->zero ? g->zero[gi] : 0.0f, b = g->bias ? g->bias[gi] : 0.0f;
    const double inv = sc != 0 ? 1.0 / sc : 0, is = 1.0 / s;
    const double cb0 = (double)(long)g->cb[0], top = (double)(g->ncb - 1);
    const double *cb = g->cb;
    const int plain = !g->round && g->int_codes;   /* levels by the float ops of loader_grid_level */
    const size_t ncb = g->ncb;
    uint64_t *bits = a->run ? a->bits : a->bits + gi * a->words;
    uint64_t *pooled = a->pooled, off = a->off;
    double sse = a->sse, mx = a->maxerr, sumsq = a->sumsq;
    uint32_t nv = 0;
#define LEVEL(k) (plain ? ((float)cb[k] - z) * sc + b : loader_grid_level(g, gi, (k)))
    for (size_t t = 0; t < len; t++) {
        const float v = vv[t];
        if (!isfinite(v))
            continue;
        const double u = sc != 0 ? ((double)v - b) * inv + z : z;
        size_t k;
        if (g->int_codes) {
            /* integer codes: the code is u rounded (then checked) */
            double r = round_even(u) - cb0;
            k = r <= 0 ? 0 : r >= top ? ncb - 1 : (size_t)r;
        } else
            k = levels_lut_find(lut, u);
        float L = LEVEL(k);
        if (L != v) {
            /* nearest() stays at k when neither neighbour is strictly nearer */
            const double e = fabs((double)v - L);
            if ((k > 0 && fabs((double)v - LEVEL(k - 1)) < e) || (k + 1 < ncb && fabs((double)v - LEVEL(k + 1)) < e))
                k = nearest(g, gi, k, v, &L);
        }
        const double ew = (double)v - L, x = ((double)v - m) * is;
        if (ew != 0) {
            const double err = ew * is;
            if (!(fabs(ew) <= tol))
                off++;
            sse += err * err;
            if (fabs(err) > mx)
                mx = fabs(err);
        }
        sumsq += x * x;
        nv++;
        pooled[k]++;
        bits[k >> 6] |= (uint64_t)1 << (k & 63);
        if (view)
            view_value(g, gi, x, ew * is, m, s, view);
        if (fn)
            fn(fctx, i0 + t, gi, ew * is);
    }
#undef LEVEL
    a->off = off;
    a->sse = sse;
    a->maxerr = mx;
    a->sumsq = sumsq;
    a->n += nv;
    a->nval[gi] += nv;
}

double stored_group_alpha(const loader_grid *g, uint64_t gi, double m, double s)
{
    double lo, hi;
    group_range(g, gi, &lo, &hi);
    return fmax(fabs((lo - m) / s), fabs((hi - m) / s));
}

int stored_analyze(const loader_grid *g, stored_read_fn rd, void *ctx, uint64_t count, double m, double s,
                   int self, analyze_result *out, gq_view *view)
{
    return stored_analyze_each(g, rd, ctx, count, m, s, self, out, view, NULL, NULL);
}

int stored_analyze_each(const loader_grid *g, stored_read_fn rd, void *ctx, uint64_t count, double m, double s,
                        int self, analyze_result *out, gq_view *view, stored_elem_fn fn, void *fctx)
{
    acc a;
    if (census_begin(g, count, &m, &s, self, out, view, &a) < 0)
        return -1;
    const int run = a.run;
    levels_lut lut;
    levels_lut_init(&lut, g->cb, g->ncb, g->ncb * 4 < 64 ? 64 : (int)(g->ncb * 4 > 262144 ? 262144 : g->ncb * 4));
    const double cbmax = fmax(fabs(g->cb[0]), fabs(g->cb[g->ncb - 1]));
    float *buf = util_mallocarray(CHUNK, sizeof *buf);
    int rc = 0;
    for (uint64_t first = 0; first < count && rc == 0; first += CHUNK) {
        uint64_t n = count - first < CHUNK ? count - first : CHUNK;
        if (rd(ctx, first, n, buf) < 0) {
            fail(out, "the values could not be read");
            rc = -1;
            break;
        }
        for (uint64_t j = 0; j < n;) {
            /* a run of values of one group: within a row, up to the end of
             * its group (tiles and act-order maps: one value) */
            const uint64_t i0 = first + j;
            const uint64_t gi = loader_grid_group(g, i0);
            uint64_t len = 1;
            if (run) {
                uint64_t c = i0 % g->cols, ge = (c / g->tc + 1) * g->tc;
                len = (ge < g->cols ? ge : g->cols) - c;
                if (len > n - j)
                    len = n - j;
            }
            const float *vv = buf + j;
            j += len;
            if (gi >= g->ngroups)
                continue;
            if (!isfinite(g->scale[gi])) {
                /* a scale beyond float (MXFP4 E8M0 255, NaN in OCP MX):
                 * no finite grid; its finite values are off it and left
                 * out of the census */
                for (uint64_t t = 0; t < len; t++)
                    a.off += isfinite(vv[t]) != 0;
                continue;
            }
            const double tol = group_tol(g, gi, cbmax);
            if (run && gi != a.cur) {
                close_run(&a);
                a.cur = gi;
            }
            census_run(g, &lut, &a, gi, vv, (size_t)len, m, s, tol, view, fn, fctx, i0);
        }
    }
    free(buf);
    levels_lut_free(&lut);
    return census_end(g, &a, rc, m, s, self, out, view);
}

/* What the census of one group needs, computed once per group. */
typedef struct gpar {
    uint64_t gi;
    float sc, z, b;
    double inv, tol;
    int strict;              /* the group's levels are strictly monotone */
} gpar;

static void gpar_set(const loader_grid *g, uint64_t gi, double cbmax, gpar *p)
{
    p->gi = gi;
    p->sc = g->scale[gi];
    p->z = g->zero ? g->zero[gi] : 0.0f;
    p->b = g->bias ? g->bias[gi] : 0.0f;
    p->inv = p->sc != 0 ? 1.0 / p->sc : 0;
    p->tol = group_tol(g, gi, cbmax);
    /* Levels fl(fl(cb[k] sc) + b) of integer codes one apart differ by
     * |sc| before rounding, and each is within 2^-23 M (M = max|cb| |sc|
     * + |b|, plus 2^-149 twice below the normal range) of its exact value:
     * with |sc| above twice that, no two levels meet or cross. */
    const double M = cbmax * fabs((double)p->sc) + fabs((double)p->b);
    p->strict = g->int_codes && !g->zero && !g->round && isfinite(M) && p->sc != 0 &&
                fabs((double)p->sc) > 0x1p-21 * M + 0x1p-140;
}

/* The code of group gp->gi whose level the per-value pass takes for the
 * finite value v (stored_analyze: the inverse map rounded or looked up,
 * then the nearest level), and that level in *L. Levels that collide
 * (a scale so small beside its minimum that codes round to one value)
 * make the code ambiguous: this is the one the per-value pass counts. */
static size_t code_of(const loader_grid *g, const levels_lut *lut, const gpar *gp, float v, float *L)
{
    const double u = gp->sc != 0 ? ((double)v - gp->b) * gp->inv + gp->z : gp->z;
    size_t k;
    if (g->int_codes) {
        double r = round_even(u) - (double)(long)g->cb[0];
        k = r <= 0 ? 0 : r >= (double)(g->ncb - 1) ? g->ncb - 1 : (size_t)r;
    } else
        k = levels_lut_find(lut, u);
    *L = loader_grid_level(g, gp->gi, k);
    if (*L != v)
        k = nearest(g, gp->gi, k, v, L);
    return k;
}

/* The pairs p[0..n) of group gp->gi (a group with a finite scale): cnt
 * values v each whose code the format says is code (an index into cb),
 * counted as the per-value pass counts each value. */
static void census_group(const loader_grid *g, const levels_lut *lut, acc *a, const gpar *gp, const grid_wpair *p,
                         size_t n, double m, double is)
{
    const uint64_t gi = gp->gi;
    if (a->run && gi != a->cur) {
        close_run(a);
        a->cur = gi;
    }
    uint64_t *bits = a->run ? a->bits : a->bits + gi * a->words, *pooled = a->pooled;
    uint64_t nv = 0, off = 0;
    double s2 = 0, sse = 0, mx = a->maxerr;
    const double *cb = g->cb;
    const size_t ncb = g->ncb;
    const float sc = gp->sc, bb = gp->b;   /* (strict: no zero point, no rounding) */
    for (size_t t = 0; t < n; t++) {
        const float v = p[t].v;
        if (!isfinite(v))
            continue;
        const uint64_t c = p[t].cnt;
        const size_t code = p[t].code;
        float L;
        size_t k;
        if (gp->strict && code < ncb && (L = (float)cb[code] * sc + bb) == v)
            /* strictly monotone levels: the per-value pass's walk from any
             * start ends at the one level equal to v */
            k = code;
        else {
            k = code_of(g, lut, gp, v, &L);
            const double ew = (double)v - L;
            if (ew != 0) {
                const double err = ew * is;
                if (!(fabs(ew) <= gp->tol))
                    off += c;
                sse += (double)c * (err * err);
                mx = fabs(err) > mx ? fabs(err) : mx;
            }
        }
        const double x = ((double)v - m) * is;
        s2 += (double)c * (x * x);
        nv += c;
        pooled[k] += c;
        bits[k >> 6] |= (uint64_t)1 << (k & 63);
    }
    a->n += nv;
    a->nval[gi] += (uint32_t)nv;
    a->off += off;
    a->sse += sse;
    a->sumsq += s2;
    a->maxerr = mx;
}

int stored_analyze_weighted(const loader_grid *g, stored_weigh_fn wf, void *ctx, uint64_t count, unsigned blck,
                            unsigned wmax, double m, double s, analyze_result *out)
{
    acc a;
    if (census_begin(g, count, &m, &s, 1, out, NULL, &a) < 0)
        return -1;
    /* whole blocks along whole rows of whole groups */
    if (!blck || !wmax || count % blck || g->tr != 1 || g->gmap || g->rmap || g->cols % blck || blck % g->tc) {
        fail(out, "the weighted view does not fit the stored grid");
        return census_end(g, &a, -1, m, s, 1, out, NULL);
    }
    const uint64_t nblocks = count / blck, per = blck / g->tc, step = CHUNK / 8 / blck ? CHUNK / 8 / blck : 1;
    const double cbmax = fmax(fabs(g->cb[0]), fabs(g->cb[g->ncb - 1])), is = 1.0 / s;
    grid_wpair *pr = util_mallocarray((size_t)(step * wmax), sizeof *pr);
    levels_lut lut;
    levels_lut_init(&lut, g->cb, g->ncb, g->ncb * 4 < 64 ? 64 : (int)(g->ncb * 4 > 262144 ? 262144 : g->ncb * 4));
    int rc = 0;
    gpar gp = { UINT64_MAX, 0, 0, 0, 0, 0, 0 };
    for (uint64_t b0 = 0; b0 < nblocks && rc == 0; b0 += step) {
        uint64_t nb = nblocks - b0 < step ? nblocks - b0 : step;
        int64_t np = wf(ctx, b0, nb, pr);
        if (np < 0 || (uint64_t)np > nb * wmax) {
            fail(out, "the values could not be read");
            rc = -1;
            break;
        }
        const uint64_t gbase = b0 * per;
        for (size_t j = 0, e; j < (size_t)np; j = e) {
            /* the pairs of one group */
            for (e = j + 1; e < (size_t)np && pr[e].grp == pr[j].grp;)
                e++;
            const uint64_t gi = gbase + pr[j].grp;
            if (gi >= g->ngroups)
                continue;
            if (!isfinite(g->scale[gi])) {
                for (size_t t = j; t < e; t++)
                    a.off += isfinite(pr[t].v) ? pr[t].cnt : 0;   /* (as in stored_analyze) */
                continue;
            }
            if (gi != gp.gi)
                gpar_set(g, gi, cbmax, &gp);
            census_group(g, &lut, &a, &gp, pr + j, e - j, m, is);
        }
    }
    free(pr);
    levels_lut_free(&lut);
    return census_end(g, &a, rc, m, s, 1, out, NULL);
}

size_t stored_view_levels(const loader_grid *g, double *out, size_t max)
{
    uint64_t gi = 0;
    while (gi < g->ngroups && !(g->scale[gi] != 0 && isfinite(g->scale[gi])))
        gi++;
    if (gi >= g->ngroups)
        return 0;
    double lo, hi;
    group_range(g, gi, &lo, &hi);
    double c = affine(g) ? 0.5 * (lo + hi) : 0, al = affine(g) ? 0.5 * (hi - lo) : fmax(fabs(lo), fabs(hi));
    size_t n = 0;
    for (size_t k = 0; k < g->ncb && n < max; k++) {
        double L = loader_grid_level(g, gi, k);
        out[n++] = al > 0 ? (L - c) / al : 0;
    }
    /* ascending (a negative scale reverses the codebook) */
    if (n > 1 && out[0] > out[n - 1])
        for (size_t i = 0, j = n - 1; i < j; i++, j--) {
            double t = out[i];
            out[i] = out[j];
            out[j] = t;
        }
    return n;
}
