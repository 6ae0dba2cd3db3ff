/*
 * group.c - per-slice scales and MX blocks (group.h).
 *
 * A pass walks the slices of one slicing (channels along an axis, groups
 * of G along the rows, or MX blocks of 32) with a few threads. Each thread
 * gathers a slice's finite values into x units (double), then for every
 * scheme of the pass either prepares the slice and evaluates it with
 * eval.h (large slices: exact for every alpha mode) or sorts it and walks
 * the level runs directly (small slices). Each thread sums into its own
 * accumulators (squared error in double-double, level counts, clipped
 * count, max error); the pass merges them at the end.
 *
 * Direct evaluation of a sorted slice xs[0..n) at alpha a and shift sh:
 * the level of xs[i] is found through a lookup table over the normalized
 * range (then a binary search inside the cell), and every following value
 * below that level's upper decision boundary sh + a * mid[k] shares it, so
 * a slice costs O(n + runs) and never O(n L).
 */
#include "config.h"
#include "quant/group.h"
#include "quant/gq.h"
#include "quant/clip.h"
#include "quant/lloyd.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NLUT 2048

typedef struct gscheme {
    int out;               /* index into out[], -1: the hidden uniform */
    levelset ls;
    const scheme_def *def;
    int mx, data;
    double *mid;           /* L - 1 decision midpoints (normalized): lt.mid */
    levels_lut lt;         /* the nearest level (levels.h) */
    int bad;               /* refused for this pass: err holds why */
    char err[UTIL_ERRLEN];
} gscheme;

typedef struct gacc {
    dd sse, sumsq;
    double maxerr, adds, alpha_sum;
    uint64_t n, clipped, nalpha;
    uint64_t *counts;      /* ls.n */
} gacc;

typedef struct slicing {
    int channel;           /* 1: slices along an axis; 0: groups in rows */
    uint64_t nslices, maxlen;
    uint64_t rowlen, G, gpr;          /* groups: row length, group size, groups per row */
    uint64_t outer, nch, inner;       /* channels */
    int exact;
    int mx;
} slicing;

typedef struct pass {
    const group_tensor *t;
    const group_codes *codes;
    const analyze_cfg *cfg;
    double m, s;           /* normalization */
    const slicing *sl;
    gscheme *gs;
    int ngs;
    gacc *acc;             /* nthreads * ngs, merged into acc[0..ngs) */
    uint64_t next;
    pthread_mutex_t mu;
    /* per-slice record for group_channel_stats (scheme 0), or NULL */
    double *slice_sse, *slice_alpha;
    uint64_t *slice_n;
    /* asked between slices on the calling thread; stopped: every thread
     * takes no more slices */
    int (*stop)(void *ctx);
    void *stop_ctx;
    volatile int stopped;
} pass;

static double tval(const group_tensor *t, const group_codes *cd, uint64_t j)
{
    if (cd && cd->codes16) {
        unsigned c = (unsigned)cd->codes16[2 * j] | (unsigned)cd->codes16[2 * j + 1] << 8;
        if (cd->bf16) {
            uint32_t b = (uint32_t)c << 16;
            float f;
            memcpy(&f, &b, sizeof f);
            return f;
        }
        return cd->code_value[c];
    }
    return t->is_double ? ((const double *)t->vals)[j] : (double)((const float *)t->vals)[j];
}

/* ---- level sets ---------------------------------------------------------- */

static void gs_index(gscheme *g)
{
    levels_lut_init(&g->lt, g->ls.v, g->ls.n, NLUT);
    g->mid = g->lt.mid;
}

/* Index of the level nearest to u (normalized units). */
static inline size_t level_of(const gscheme *g, double u)
{
    return levels_lut_find(&g->lt, u);
}

static void gs_free(gscheme *g)
{
    levels_free(&g->ls);
    levels_lut_free(&g->lt);
}

/* ---- slices -------------------------------------------------------------- */

static uint64_t slice_len(const slicing *sl, uint64_t s)
{
    if (sl->channel)
        return sl->outer * sl->inner;
    uint64_t g = s % sl->gpr;
    uint64_t st = g * sl->G;
    return sl->rowlen - st < sl->G ? sl->rowlen - st : sl->G;
}

/* Gather slice s as x = (w - m) / s, finite values only; returns n. With
 * raw (not NULL) also the raw w values. */
static uint64_t gather(const group_tensor *t, const group_codes *cd, const slicing *sl, uint64_t s,
                       double m, double sd, double *x, double *raw)
{
    uint64_t n = 0;
#define PUT(IDX)                                                                  \
    do {                                                                          \
        double w_ = tval(t, cd, IDX);                                             \
        if (isfinite(w_)) {                                                       \
            if (raw)                                                              \
                raw[n] = w_;                                                      \
            x[n++] = (w_ - m) / sd;                                               \
        }                                                                         \
    } while (0)
    if (sl->channel) {
        uint64_t c = s;
        for (uint64_t o = 0; o < sl->outer; o++) {
            uint64_t base = (o * sl->nch + c) * sl->inner;
            for (uint64_t i = 0; i < sl->inner; i++)
                PUT(base + i);
        }
    } else {
        uint64_t r = s / sl->gpr, g = s % sl->gpr;
        uint64_t base = r * sl->rowlen + g * sl->G;
        uint64_t len = slice_len(sl, s);
        for (uint64_t i = 0; i < len; i++)
            PUT(base + i);
    }
#undef PUT
    return n;
}

static void sort_small(double *v, uint64_t n, double *tmp)
{
    if (n <= 48) {
        for (uint64_t i = 1; i < n; i++) {
            double x = v[i];
            uint64_t j = i;
            while (j > 0 && v[j - 1] > x) {
                v[j] = v[j - 1];
                j--;
            }
            v[j] = x;
        }
        return;
    }
    /* bottom-up merge sort over runs of 16 sorted by insertion */
    for (uint64_t i = 0; i < n; i += 16)
        sort_small(v + i, n - i < 16 ? n - i : 16, tmp);
    double *a = v, *b = tmp;
    for (uint64_t w = 16; w < n; w *= 2) {
        for (uint64_t i = 0; i < n; i += 2 * w) {
            uint64_t l = i, le = i + w < n ? i + w : n, r = le, re = i + 2 * w < n ? i + 2 * w : n;
            uint64_t o = i;
            while (l < le && r < re)
                b[o++] = a[r] < a[l] ? a[r++] : a[l++];
            while (l < le)
                b[o++] = a[l++];
            while (r < re)
                b[o++] = a[r++];
        }
        double *t = a;
        a = b;
        b = t;
    }
    if (a != v)
        memcpy(v, a, n * sizeof *v);
}

/* ---- direct evaluation of a sorted slice --------------------------------- */

/* The affine shift of eval_shift() for a slice with range [x0, x1]. */
static double slice_shift(const gscheme *g, double x0, double x1, double a)
{
    if (!g->ls.asym || g->ls.n < 2)
        return 0;
    double c = 0.5 * (x0 + x1);
    double scale = 2 * a / (double)(g->ls.n - 1);
    double zp = round((a - c) / scale);
    if (zp < 0)
        zp = 0;
    if (zp > (double)(g->ls.n - 1))
        zp = (double)(g->ls.n - 1);
    return a - zp * scale;
}

/* The level of xs[i] given that it is at least level k's (k ascends with
 * i): a few steps up, else a lookup. Returns the level and its upper
 * decision boundary in *bound (INFINITY for the last level). */
static inline size_t next_level(const gscheme *g, double x, size_t k, double sh, double a,
                                double inva, double *bound)
{
    size_t L = g->ls.n;
    for (int step = 0; step < 4; step++) {
        double b = k + 1 < L ? sh + a * g->mid[k] : INFINITY;
        if (x < b) {
            *bound = b;
            return k;
        }
        k++;
    }
    size_t j = level_of(g, (x - sh) * inva);
    if (j > k)
        k = j;
    for (;;) {
        double b = k + 1 < L ? sh + a * g->mid[k] : INFINITY;
        if (x < b) {
            *bound = b;
            return k;
        }
        k++;
    }
}

/* The grid search of mode mse: GROUP_GRID alphas a_c = amax (0.5 + 0.5 c /
 * (GROUP_GRID - 1)), ascending; returns the one of least squared error
 * (the largest on ties). Each boundary's rank in xs moves little from one
 * candidate to the next, so it is carried over and walked (no search). */
static double grid_best(const gscheme *g, const double *xs, const double *P1, const double *P2,
                        uint64_t n, double amax, uint64_t *rk)
{
    size_t L = g->ls.n;
    double best = INFINITY, best_a = amax;
    for (int c = 0; c < GROUP_GRID; c++) {
        double a = c == GROUP_GRID - 1 ? amax : amax * (0.5 + 0.5 * c / (GROUP_GRID - 1));
        double sh = slice_shift(g, xs[0], xs[n - 1], a);
        double sse = 0;
        uint64_t prev = 0;
        for (size_t k = 0; k < L; k++) {
            uint64_t r = n;
            if (k + 1 < L) {
                double b = sh + a * g->mid[k];
                r = c == 0 ? (k ? rk[k - 1] : 0) : rk[k];
                while (r < n && xs[r] < b)
                    r++;
                while (r > 0 && !(xs[r - 1] < b))
                    r--;
                rk[k] = r;
            }
            double q = sh + a * g->ls.v[k];
            /* no clamp at 0: a branch here costs more than the rounding
             * of an empty run (exactly 0) or a tiny one matters */
            sse += (P2[r] - P2[prev]) - 2 * q * (P1[r] - P1[prev]) + (double)(r - prev) * q * q;
            prev = r;
        }
        if (sse <= best) {
            best = sse;
            best_a = a;
        }
    }
    return best_a;
}

/* Every statistic of the sorted xs at alpha a, each error computed from
 * its value. */
static double direct(const gscheme *g, const double *xs, uint64_t n, double a, gacc *acc)
{
    double sh = slice_shift(g, xs[0], xs[n - 1], a);
    double inva = 1.0 / a, sse = 0, bound;
    size_t k = level_of(g, (xs[0] - sh) * inva);
    if (k > 0)
        k--;
    uint64_t i = 0;
    while (i < n) {
        k = next_level(g, xs[i], k, sh, a, inva, &bound);
        double q = sh + a * g->ls.v[k];
        uint64_t j = i;
        double s = 0;
        while (j < n && xs[j] < bound) {
            double e = xs[j] - q;
            s += e * e;
            j++;
        }
        sse += s;
        acc->counts[k] += j - i;
        double e0 = fabs(xs[i] - q), e1 = fabs(xs[j - 1] - q);
        if (e0 > acc->maxerr)
            acc->maxerr = e0;
        if (e1 > acc->maxerr)
            acc->maxerr = e1;
        if (g->ls.terms[k] > 0)
            acc->adds += (double)(j - i) * g->ls.terms[k];
        i = j;
        k++;
    }
    /* clipped: outside [sh - a, sh + a] (signed or affine), [0, a] unsigned */
    double lo = g->ls.asym ? sh - a : g->ls.is_signed ? -a : 0, hi = sh + a;
    uint64_t c = 0;
    for (uint64_t j = 0; j < n && xs[j] < lo; j++)
        c++;
    for (uint64_t j = n; j > 0 && xs[j - 1] > hi; j--)
        c++;
    acc->clipped += c;
    acc->sse = dd_add_d(acc->sse, sse);
    acc->n += n;
    return sse;
}

/* OCP MX v1.0 shared scale of a block: 2^(floor(log2 amax) - emax_elem),
 * emax_elem = 2 for E2M1, exponent clamped to the E8M0 range. */
static double mx_scale(double amax)
{
    if (!(amax > 0))
        return ldexp(1.0, -127);
    int e;
    frexp(amax, &e);           /* amax = f 2^e, f in [0.5, 1): floor(log2) = e - 1 */
    int x = e - 1 - 2;
    if (x < -127)
        x = -127;
    if (x > 127)
        x = 127;
    return ldexp(1.0, x);
}

static void slice_direct(pass *ps, gscheme *g, gacc *acc, const double *xs, const double *P1,
                         const double *P2, uint64_t n, uint64_t sidx, uint64_t *rk)
{
    const analyze_cfg *cfg = ps->cfg;
    double amax = g->ls.asym ? 0.5 * (xs[n - 1] - xs[0]) : fmax(fabs(xs[0]), fabs(xs[n - 1]));
    double a;
    if (g->mx)
        a = 6.0 * mx_scale(fmax(fabs(xs[0]), fabs(xs[n - 1])));
    else if (cfg->amode == ALPHA_VALUE || cfg->amode == ALPHA_FILE)
        a = cfg->alpha;
    else if (!(amax > 0))
        a = 1.0;
    else if (cfg->amode == ALPHA_MAX)
        a = amax;
    else
        a = grid_best(g, xs, P1, P2, n, amax, rk);
    dd s0 = acc->sse;
    direct(g, xs, n, a, acc);
    if (amax > 0 || g->mx) {
        acc->alpha_sum += a;
        acc->nalpha++;
    }
    if (ps->slice_sse && g == &ps->gs[0]) {
        dd d = dd_sub(acc->sse, s0);
        ps->slice_sse[sidx] = dd_to_d(d);
        ps->slice_alpha[sidx] = a;
    }
}

static void slice_exact(pass *ps, gscheme *g, gacc *acc, const prep *p, uint64_t sidx,
                        uint64_t *tmpc)
{
    analyze_cfg c0 = *ps->cfg;
    c0.normalize = 0;
    levelset ls = g->ls;
    double *v = NULL;
    double a;
    if (g->data) {
        v = util_mallocarray(ls.n, sizeof *v);
        lloyd_levels(p, 0, ls.n, v);
        a = fmax(fabs(v[0]), fabs(v[ls.n - 1]));
        if (!(a > 0))
            a = 1;
        for (size_t k = 0; k < ls.n; k++)
            v[k] /= a;
        ls.v = v;
    } else {
        double om;
        a = analyze_alpha(p, &ls, &c0, &om);
    }
    eval_result r;
    util_err e = { { 0 } };
    if (eval_full(p, &ls, a, 0, &r, tmpc, &e) == 0) {
        acc->sse = dd_add(acc->sse, dd_prod(r.mse, (double)r.n));
        acc->n += r.n;
        if (r.max_abs_err > acc->maxerr)
            acc->maxerr = r.max_abs_err;
        acc->clipped += (uint64_t)llround(r.clipped * (double)r.n);
        for (size_t k = 0; k < ls.n; k++) {
            acc->counts[k] += tmpc[k];
            if (ls.terms[k] > 0)
                acc->adds += (double)tmpc[k] * ls.terms[k];
        }
        if (eval_alpha_max(p, &ls, 0) > 0) {
            acc->alpha_sum += a;
            acc->nalpha++;
        }
        if (ps->slice_sse && g == &ps->gs[0]) {
            ps->slice_sse[sidx] = r.mse * (double)r.n;
            ps->slice_alpha[sidx] = a;
        }
    }
    free(v);
}

static void *pass_worker(void *arg)
{
    void **a2 = arg;
    pass *ps = a2[0];
    gacc *acc = a2[1];
    const slicing *sl = ps->sl;
    double *x = util_mallocarray(sl->maxlen ? sl->maxlen : 1, sizeof *x);
    double *tmp = sl->exact ? NULL : util_mallocarray(sl->maxlen ? sl->maxlen : 1, sizeof *tmp);
    double *P1 = sl->exact ? NULL : util_mallocarray(sl->maxlen + 1, sizeof *P1);
    double *P2 = sl->exact ? NULL : util_mallocarray(sl->maxlen + 1, sizeof *P2);
    size_t maxL = 1;
    for (int k = 0; k < ps->ngs; k++)
        if (ps->gs[k].ls.n > maxL)
            maxL = ps->gs[k].ls.n;
    uint64_t *tmpc = util_mallocarray(maxL, sizeof *tmpc);
    const uint64_t chunk = sl->exact ? 1 : 256;
    int caller = a2[2] != NULL;
    for (;;) {
        if (ps->stopped)
            break;
        if (caller && ps->stop && ps->stop(ps->stop_ctx)) {
            ps->stopped = 1;
            break;
        }
        pthread_mutex_lock(&ps->mu);
        uint64_t s0 = ps->next;
        ps->next = s0 + chunk < sl->nslices ? s0 + chunk : sl->nslices;
        uint64_t s1 = ps->next;
        pthread_mutex_unlock(&ps->mu);
        if (s0 >= s1)
            break;
        for (uint64_t s = s0; s < s1; s++) {
            uint64_t n = gather(ps->t, ps->codes, sl, s, ps->m, ps->s, x, NULL);
            if (ps->slice_n)
                ps->slice_n[s] = n;
            if (n == 0)
                continue;
            dd sq = { 0, 0 };
            {
                double q = 0;
                for (uint64_t i = 0; i < n; i++)
                    q += x[i] * x[i];
                sq = dd_add_d(sq, q);
            }
            if (sl->exact) {
                double *cp = util_mallocarray(n, sizeof *cp);
                memcpy(cp, x, n * sizeof *cp);
                util_err e = { { 0 } };
                prep *p = prep_create_double(cp, n, NULL, &e);
                if (!p)
                    continue;
                for (int k = 0; k < ps->ngs; k++) {
                    if (ps->gs[k].bad)
                        continue;
                    acc[k].sumsq = dd_add(acc[k].sumsq, sq);
                    slice_exact(ps, &ps->gs[k], &acc[k], p, s, tmpc);
                }
                prep_free(p);
            } else {
                sort_small(x, n, tmp);
                P1[0] = P2[0] = 0;
                for (uint64_t i = 0; i < n; i++) {
                    P1[i + 1] = P1[i] + x[i];
                    P2[i + 1] = P2[i] + x[i] * x[i];
                }
                for (int k = 0; k < ps->ngs; k++) {
                    if (ps->gs[k].bad)
                        continue;
                    acc[k].sumsq = dd_add(acc[k].sumsq, sq);
                    slice_direct(ps, &ps->gs[k], &acc[k], x, P1, P2, n, s, tmpc);
                }
            }
        }
    }
    free(x);
    free(tmp);
    free(P1);
    free(P2);
    free(tmpc);
    return NULL;
}

static void acc_init(gacc *a, size_t L)
{
    memset(a, 0, sizeof *a);
    a->counts = util_calloc(L ? L : 1, sizeof *a->counts);
}

static void run_pass(pass *ps)
{
    int nth = 1;
    if (ps->t->count >= GROUP_THREAD_MIN && ps->sl->nslices > 1) {
        nth = ps->cfg->nthreads > 0 ? ps->cfg->nthreads : util_ncpus();
        if (nth > 16)
            nth = 16;
        if ((uint64_t)nth > ps->sl->nslices)
            nth = (int)ps->sl->nslices;
        if (nth < 1)
            nth = 1;
    }
    ps->acc = util_calloc((size_t)nth * (size_t)ps->ngs, sizeof *ps->acc);
    for (int t = 0; t < nth; t++)
        for (int k = 0; k < ps->ngs; k++)
            acc_init(&ps->acc[t * ps->ngs + k], ps->gs[k].ls.n);
    pthread_mutex_init(&ps->mu, NULL);
    ps->next = 0;
    void *(*args)[3] = util_calloc((size_t)nth, sizeof *args);
    pthread_t *th = util_calloc((size_t)nth, sizeof *th);
    int started = 0;
    for (int t = 1; t < nth; t++) {
        args[t][0] = ps;
        args[t][1] = &ps->acc[t * ps->ngs];
        if (pthread_create(&th[t], NULL, pass_worker, args[t]) != 0)
            break;
        started = t;
    }
    args[0][0] = ps;
    args[0][1] = &ps->acc[0];
    args[0][2] = ps;   /* the calling thread: asks ps->stop */
    pass_worker(args[0]);
    for (int t = 1; t <= started; t++)
        pthread_join(th[t], NULL);
    /* merge into acc[0..ngs) */
    for (int t = 1; t < nth; t++)
        for (int k = 0; k < ps->ngs; k++) {
            gacc *d = &ps->acc[k], *s = &ps->acc[t * ps->ngs + k];
            d->sse = dd_add(d->sse, s->sse);
            d->sumsq = dd_add(d->sumsq, s->sumsq);
            if (s->maxerr > d->maxerr)
                d->maxerr = s->maxerr;
            d->adds += s->adds;
            d->alpha_sum += s->alpha_sum;
            d->n += s->n;
            d->clipped += s->clipped;
            d->nalpha += s->nalpha;
            for (size_t l = 0; l < ps->gs[k].ls.n; l++)
                d->counts[l] += s->counts[l];
            free(s->counts);
        }
    pthread_mutex_destroy(&ps->mu);
    free(args);
    free(th);
}

/* ---- setup ----------------------------------------------------------------- */

static void shape_str(const group_tensor *t, char *buf, size_t len)
{
    size_t j = (size_t)snprintf(buf, len, "[");
    for (int i = 0; i < t->ndim && j < len; i++)
        j += (size_t)snprintf(buf + j, len - j, "%s%llu", i ? ", " : "",
                              (unsigned long long)t->shape[i]);
    if (j < len)
        snprintf(buf + j, len - j, "]");
}

/* The slicing for cfg (mx: MX blocks); 0, or -1 with msg. */
static int make_slicing(const group_tensor *t, granularity gran, uint64_t G, int axis, int mx,
                        slicing *sl, char *msg, size_t mlen)
{
    memset(sl, 0, sizeof *sl);
    char sh[160];
    shape_str(t, sh, sizeof sh);
    uint64_t d0 = t->ndim > 0 ? t->shape[0] : 1;
    if (mx) {
        gran = GRAN_GROUP;
        G = 32;
    }
    if (gran == GRAN_CHANNEL) {
        int nd = t->ndim > 0 ? t->ndim : 1;
        if (axis < 0 || axis >= nd) {
            snprintf(msg, mlen, "--axis=%d is out of range for shape %s (%d dimension%s)", axis, sh,
                     t->ndim, t->ndim == 1 ? "" : "s");
            return -1;
        }
        sl->channel = 1;
        sl->nch = t->ndim > 0 ? t->shape[axis] : 1;
        sl->outer = sl->inner = 1;
        for (int i = 0; i < axis; i++)
            sl->outer *= t->shape[i];
        for (int i = axis + 1; i < t->ndim; i++)
            sl->inner *= t->shape[i];
        sl->nslices = sl->nch;
        sl->maxlen = sl->outer * sl->inner;
    } else {
        uint64_t rows = t->ndim > 1 ? d0 : 1;
        uint64_t R = rows ? t->count / rows : 0;
        if (t->count == 0) {
            snprintf(msg, mlen, "empty tensor");
            return -1;
        }
        if (!mx && R % G != 0) {
            snprintf(msg, mlen,
                     "group:%llu does not divide the row length %llu of shape %s (groups run "
                     "along the axes after the first)",
                     (unsigned long long)G, (unsigned long long)R, sh);
            return -1;
        }
        sl->rowlen = R;
        sl->G = G;
        sl->gpr = (R + G - 1) / G;
        sl->nslices = rows * sl->gpr;
        sl->maxlen = G < R ? G : R;
    }
    sl->mx = mx;
    sl->exact = !mx && sl->maxlen > GROUP_SMALL && sl->nslices <= GROUP_MAX_EXACT;
    return 0;
}

int group_needed(const analyze_cfg *cfg, const char *const *schemes, int nschemes)
{
    if (cfg->gran != GRAN_TENSOR)
        return 1;
    for (int i = 0; i < nschemes; i++) {
        const scheme_def *d = levels_find(schemes[i]);
        if (d && (d->flags & SCHEME_MX))
            return 1;
    }
    return 0;
}

/* mean and std (n - 1) of the finite values, in C order */
static void tensor_moments(const group_tensor *t, const group_codes *cd, uint64_t *nout, double *mean, double *sd)
{
    uint64_t n = 0;
    dd sum = { 0, 0 };
    for (uint64_t i = 0; i < t->count; i += 1024) {
        uint64_t e = i + 1024 < t->count ? i + 1024 : t->count;
        double s = 0;
        for (uint64_t j = i; j < e; j++) {
            double w = tval(t, cd, j);
            if (isfinite(w)) {
                s += w;
                n++;
            }
        }
        sum = dd_add_d(sum, s);
    }
    double m = n ? dd_to_d(sum) / (double)n : 0;
    dd r = { 0, 0 }, q = { 0, 0 };
    for (uint64_t i = 0; i < t->count; i += 1024) {
        uint64_t e = i + 1024 < t->count ? i + 1024 : t->count;
        double s = 0;
        for (uint64_t j = i; j < e; j++) {
            double w = tval(t, cd, j);
            if (isfinite(w))
                s += w - m;
        }
        r = dd_add_d(r, s);
    }
    if (n)
        m += dd_to_d(r) / (double)n;
    for (uint64_t i = 0; i < t->count; i += 1024) {
        uint64_t e = i + 1024 < t->count ? i + 1024 : t->count;
        double s = 0;
        for (uint64_t j = i; j < e; j++) {
            double w = tval(t, cd, j);
            if (isfinite(w))
                s += (w - m) * (w - m);
        }
        q = dd_add_d(q, s);
    }
    *nout = n;
    *mean = m;
    *sd = n > 1 ? sqrt(dd_to_d(q) / (double)(n - 1)) : 0;
}

static int norm_params(const group_tensor *t, const group_codes *cd, const analyze_cfg *cfg,
                       double *m, double *s, util_err *err)
{
    *m = 0;
    *s = 1;
    if (!cfg->normalize)
        return 0;
    uint64_t n;
    tensor_moments(t, cd, &n, m, s);
    if (n < 2 || !(*s > 0) || !isfinite(*s)) {
        util_err_set(err, "cannot normalize: the standard deviation is %s",
                     n < 2 ? "undefined (fewer than 2 finite values)" : "0 (constant tensor)");
        return -1;
    }
    return 0;
}

/* Fill out from an accumulator. */
static void fill(analyze_result *out, const gscheme *g, const gacc *a, const group_tensor *t,
                 const analyze_cfg *cfg, const slicing *sl)
{
    eval_result *r = &out->r;
    r->alpha = a->nalpha ? a->alpha_sum / (double)a->nalpha : cfg->amode == ALPHA_VALUE ? cfg->alpha : NAN;
    eval_result_from_totals(&g->ls, a->n, dd_to_d(a->sse), dd_to_d(a->sumsq), a->maxerr, a->clipped,
                            a->counts, r);
    out->ok = 1;
    out->nscales = sl->nslices;
    if (g->mx)
        out->bpw = t->count ? 4.0 + 8.0 * (double)sl->nslices / (double)t->count : NAN;
    else
        out->bpw = analyze_bpw(&g->ls, cfg->bits, g->def ? g->def->flags : 0, t->count, sl->nslices);
}

static const char *gran_name(const analyze_cfg *cfg, int mx)
{
    /* interned (analyze.h): results outlive the thread that made them */
    return mx ? "group:32" : analyze_granularity_name(cfg);
}

/* One pass over slicing sl for the schemes in gs (errors already set are
 * skipped), filling out[]. */
static void do_pass(const group_tensor *t, const group_codes *codes, const analyze_cfg *cfg,
                    double m, double s,
                    const slicing *sl, gscheme *gs, int ngs, analyze_result *out,
                    double *uni_adds, pass *rec, int *halted)
{
    pass ps;
    memset(&ps, 0, sizeof ps);
    if (rec)
        ps = *rec;
    ps.t = t;
    ps.codes = codes;
    ps.cfg = cfg;
    ps.m = m;
    ps.s = s;
    ps.sl = sl;
    ps.gs = gs;
    ps.ngs = ngs;
    for (int k = 0; k < ngs; k++) {
        gscheme *g = &gs[k];
        if (g->bad)
            continue;
        if (!sl->exact) {
            if (g->data) {
                g->bad = 1;
                snprintf(g->err, sizeof g->err,
                         "%s: one codebook per small slice is not supported (use "
                         "--granularity=channel or tensor)", g->ls.scheme);
            } else if (!g->mx && cfg->amode != ALPHA_VALUE && cfg->amode != ALPHA_FILE &&
                       cfg->amode != ALPHA_MAX && cfg->amode != ALPHA_MSE) {
                g->bad = 1;
                snprintf(g->err, sizeof g->err,
                         "--alpha=%s is not available per small group (slices of %llu values): "
                         "use mse, max or a number",
                         analyze_alpha_mode_name(cfg->amode), (unsigned long long)sl->maxlen);
            }
        }
        if (!g->bad)
            gs_index(g);
    }
    run_pass(&ps);
    if (halted)
        *halted = ps.stopped;
    for (int k = 0; k < ngs; k++) {
        gscheme *g = &gs[k];
        if (g->out < 0) {
            if (!g->bad && uni_adds && ps.acc[k].n)
                *uni_adds = ps.acc[k].adds / (double)ps.acc[k].n;
        } else if (g->bad) {
            snprintf(out[g->out].err, sizeof out[g->out].err, "%s", g->err);
        } else
            fill(&out[g->out], g, &ps.acc[k], t, cfg, sl);
        if (g->out >= 0)
            out[g->out].granularity = gran_name(cfg, g->mx);
        free(ps.acc[k].counts);
    }
    free(ps.acc);
}

static void result_init(analyze_result *o, const char *scheme)
{
    memset(o, 0, sizeof *o);
    o->scheme = scheme;
    o->opt_alpha = o->opt_mse = NAN;
    o->relative_to_uniform = NAN;
    o->gap_to_optimal_db = NAN;
    o->bpw = NAN;
}

static void job_add(gq_job **jobs, int *n, levelset ls, const scheme_def *d, analyze_result *out)
{
    *jobs = util_realloc(*jobs, (size_t)(*n + 1) * sizeof **jobs);
    memset(&(*jobs)[*n], 0, sizeof **jobs);
    (*jobs)[*n].ls = ls;
    (*jobs)[*n].def = d;
    (*jobs)[*n].out = out;
    (*n)++;
}

int group_analyze(const group_tensor *t, const analyze_cfg *cfg, const char *const *schemes,
                  int nschemes, analyze_result *out, int *handled, util_err *err)
{
    return group_analyze_codes(t, NULL, cfg, schemes, nschemes, out, handled, err);
}

int group_analyze_codes(const group_tensor *t, const group_codes *codes, const analyze_cfg *cfg,
                        const char *const *schemes, int nschemes, analyze_result *out,
                        int *handled, util_err *err)
{
    for (int i = 0; i < nschemes; i++)
        handled[i] = 0;
    if (!group_needed(cfg, schemes, nschemes))
        return 0;
    if ((cfg->amode == ALPHA_VALUE || cfg->amode == ALPHA_FILE) &&
        !(cfg->alpha > 0 && isfinite(cfg->alpha))) {
        util_err_set(err, "alpha must be a positive finite number (got %g)", cfg->alpha);
        return -1;
    }
    double m, s;
    if (norm_params(t, codes, cfg, &m, &s, err) < 0)
        return -1;
    int streaming = cfg->gran == GRAN_GROUP || cfg->gran == GRAN_BLOCK;
    /* schemes: the per-slice pass below (channels; groups for the alpha
     * modes and codebooks the streaming engine does not do), the streaming
     * engine (gq.h) and the fixed block formats (mxfp4, q4_0, q8_0) */
    gscheme *gs = util_calloc((size_t)nschemes + 1, sizeof *gs);
    gq_job *jobs = NULL, *fjobs = NULL;
    int ngs = 0, nj = 0, nfj = 0, have_uni = 0;
    for (int i = 0; i < nschemes; i++) {
        const scheme_def *d = levels_find(schemes[i]);
        int mx = d && (d->flags & SCHEME_MX);
        if (!mx && cfg->gran == GRAN_TENSOR)
            continue;
        handled[i] = 1;
        result_init(&out[i], schemes[i]);
        out[i].granularity = gran_name(cfg, mx);
        levelset ls;
        util_err e = { { 0 } };
        if (levels_build(schemes[i], cfg->bits, cfg->is_signed, &cfg->lprm, &ls, &e) < 0) {
            snprintf(out[i].err, sizeof out[i].err, "%s", e.msg);
            continue;
        }
        out[i].scheme = ls.scheme;
        if (mx) {
            job_add(&fjobs, &nfj, ls, d, &out[i]);
            continue;
        }
        if (strcmp(ls.scheme, "uniform") == 0)
            have_uni = 1;
        if (streaming && gq_handles(cfg, d)) {
            job_add(&jobs, &nj, ls, d, &out[i]);
            continue;
        }
        if (cfg->gran != GRAN_CHANNEL && (cfg->gran == GRAN_BLOCK || cfg->group_along_axis)) {
            snprintf(out[i].err, sizeof out[i].err,
                     "%s with --alpha=%s: only --granularity=channel or group:G along the rows "
                     "(no --axis, no block:RxC)",
                     ls.scheme, analyze_alpha_mode_name(cfg->amode));
            levels_free(&ls);
            continue;
        }
        gscheme *g = &gs[ngs++];
        g->out = i;
        g->ls = ls;
        g->def = d;
        g->mx = 0;
        g->data = d && (d->flags & SCHEME_DATA);
    }
    double uni_adds = NAN;
    int hidden_job = -1;
    if (cfg->gran != GRAN_TENSOR && !have_uni && (ngs > 0 || nj > 0)) {
        levelset ls;
        util_err e = { { 0 } };
        const scheme_def *ud = levels_find("uniform");
        if (levels_build("uniform", cfg->bits, cfg->is_signed, &cfg->lprm, &ls, &e) == 0) {
            if (streaming && gq_handles(cfg, ud)) {
                hidden_job = nj;
                job_add(&jobs, &nj, ls, ud, NULL);
            } else {
                gscheme *g = &gs[ngs++];
                g->out = -1;
                g->ls = ls;
                g->def = ud;
            }
        }
    }
    if (ngs > 0) {
        slicing sl;
        char msg[UTIL_ERRLEN];
        if (make_slicing(t, cfg->gran, cfg->group, cfg->axis, 0, &sl, msg, sizeof msg) < 0) {
            for (int k = 0; k < ngs; k++)
                if (gs[k].out >= 0)
                    snprintf(out[gs[k].out].err, sizeof out[gs[k].out].err, "%s", msg);
        } else
            do_pass(t, codes, cfg, m, s, &sl, gs, ngs, out, &uni_adds, NULL, NULL);
        for (int k = 0; k < ngs; k++)
            if (gs[k].out >= 0 && out[gs[k].out].ok && strcmp(out[gs[k].out].scheme, "uniform") == 0)
                uni_adds = out[gs[k].out].r.adds_mean;
    }
    if (nj > 0) {
        char msg[UTIL_ERRLEN];
        if (gq_run(t, codes, cfg, 0, m, s, jobs, nj, msg, sizeof msg) < 0) {
            for (int k = 0; k < nj; k++)
                if (jobs[k].out)
                    snprintf(jobs[k].out->err, sizeof jobs[k].out->err, "%s", msg);
        } else
            for (int k = 0; k < nj; k++)
                if (k == hidden_job || (jobs[k].out && strcmp(jobs[k].ls.scheme, "uniform") == 0))
                    uni_adds = jobs[k].adds_mean;
    }
    if (nfj > 0) {
        char msg[UTIL_ERRLEN];
        if (gq_run(t, codes, cfg, 1, m, s, fjobs, nfj, msg, sizeof msg) < 0)
            for (int k = 0; k < nfj; k++)
                snprintf(fjobs[k].out->err, sizeof fjobs[k].out->err, "%s", msg);
    }
    if (cfg->gran != GRAN_TENSOR)
        for (int i = 0; i < nschemes; i++)
            if (handled[i] && out[i].ok)
                out[i].relative_to_uniform = uni_adds > 0 ? out[i].r.adds_mean / uni_adds : NAN;
    for (int k = 0; k < ngs; k++)
        gs_free(&gs[k]);
    for (int k = 0; k < nj; k++)
        levels_free(&jobs[k].ls);
    for (int k = 0; k < nfj; k++)
        levels_free(&fjobs[k].ls);
    free(gs);
    free(jobs);
    free(fjobs);
    return 0;
}

void group_finish(const prep *p, const analyze_cfg *cfg, analyze_result *out, const int *handled,
                  int nschemes)
{
    group_finish_q(p, NULL, cfg, out, handled, nschemes);
}

void group_finish_q(const prep *p, prep_query *q, const analyze_cfg *cfg, analyze_result *out,
                    const int *handled, int nschemes)
{
    double uni_adds = NAN;
    if (cfg->gran == GRAN_TENSOR && p->st.n > 0) {
        analyze_result u;
        util_err e = { { 0 } };
        const char *un = "uniform";
        analyze_cfg c = *cfg;
        c.no_gap = 1;
        if (analyze_tensor_q(p, q, &c, &un, 1, 0, &u, &e) == 0 && u.ok)
            uni_adds = u.r.adds_mean;
    }
    for (int i = 0; i < nschemes; i++) {
        if (!handled[i] || !out[i].ok)
            continue;
        if (cfg->gran == GRAN_TENSOR)
            out[i].relative_to_uniform = uni_adds > 0 ? out[i].r.adds_mean / uni_adds : NAN;
        if (cfg->no_gap || p->st.n == 0)
            continue;
        double lm = analyze_lloyd_mse_q(p, q, cfg->normalize, (size_t)out[i].r.levels_total, NULL);
        out[i].gap_to_optimal_db = analyze_gap_db(p, q, cfg->normalize, &out[i].r, lm);
    }
}

group_chan_stat *group_channel_stats(const group_tensor *t, const char *scheme,
                                     const analyze_cfg *cfg, uint64_t *nch, util_err *err,
                                     int (*stop)(void *ctx), void *ctx, int *stopped)
{
    if (stopped)
        *stopped = 0;
    analyze_cfg c = *cfg;
    c.gran = GRAN_CHANNEL;
    slicing sl;
    char msg[UTIL_ERRLEN];
    if (make_slicing(t, GRAN_CHANNEL, 0, cfg->axis, 0, &sl, msg, sizeof msg) < 0) {
        util_err_set(err, "%s", msg);
        return NULL;
    }
    if ((c.amode == ALPHA_VALUE || c.amode == ALPHA_FILE) && !(c.alpha > 0 && isfinite(c.alpha))) {
        util_err_set(err, "alpha must be a positive finite number (got %g)", c.alpha);
        return NULL;
    }
    double m, s;
    if (norm_params(t, NULL, &c, &m, &s, err) < 0)
        return NULL;
    gscheme g;
    memset(&g, 0, sizeof g);
    util_err e = { { 0 } };
    if (levels_build(scheme, c.bits, c.is_signed, &c.lprm, &g.ls, &e) < 0) {
        util_err_set(err, "%s", e.msg);
        return NULL;
    }
    g.def = levels_find(scheme);
    g.mx = g.def && (g.def->flags & SCHEME_MX);
    if (g.mx) {
        util_err_set(err, "%s: its scales are per block of 32, not per channel", g.ls.scheme);
        levels_free(&g.ls);
        return NULL;
    }
    g.data = g.def && (g.def->flags & SCHEME_DATA);
    group_chan_stat *st = util_calloc(sl.nslices ? sl.nslices : 1, sizeof *st);
    pass rec;
    memset(&rec, 0, sizeof rec);
    rec.slice_sse = util_calloc(sl.nslices ? sl.nslices : 1, sizeof *rec.slice_sse);
    rec.slice_alpha = util_calloc(sl.nslices ? sl.nslices : 1, sizeof *rec.slice_alpha);
    rec.slice_n = util_calloc(sl.nslices ? sl.nslices : 1, sizeof *rec.slice_n);
    analyze_result r;
    result_init(&r, scheme);
    g.out = 0;
    rec.stop = stop;
    rec.stop_ctx = ctx;
    int halted = 0;
    do_pass(t, NULL, &c, m, s, &sl, &g, 1, &r, NULL, &rec, &halted);
    if (halted) {
        util_err_set(err, "stopped");
        if (stopped)
            *stopped = 1;
        free(st);
        st = NULL;
    } else if (g.bad) {
        util_err_set(err, "%s", g.err);
        free(st);
        st = NULL;
    } else {
        double *x = util_mallocarray(sl.maxlen ? sl.maxlen : 1, sizeof *x);
        double *w = util_mallocarray(sl.maxlen ? sl.maxlen : 1, sizeof *w);
        for (uint64_t ch = 0; ch < sl.nslices; ch++) {
            uint64_t n = gather(t, NULL, &sl, ch, 0, 1, x, w);
            group_chan_stat *q = &st[ch];
            q->n = n;
            q->alpha = n ? rec.slice_alpha[ch] : NAN;
            q->mse = n ? rec.slice_sse[ch] / (double)n : NAN;
            if (!n) {
                q->min = q->max = q->absmax = q->std = NAN;
                continue;
            }
            double mn = INFINITY, mx = -INFINITY, sum = 0;
            for (uint64_t i = 0; i < n; i++) {
                mn = fmin(mn, w[i]);
                mx = fmax(mx, w[i]);
                sum += w[i];
            }
            double mean = sum / (double)n, ss = 0, corr = 0;
            for (uint64_t i = 0; i < n; i++)
                corr += w[i] - mean;
            mean += corr / (double)n;
            if (mn == mx)
                mean = mn;
            for (uint64_t i = 0; i < n; i++)
                ss += (w[i] - mean) * (w[i] - mean);
            q->min = mn;
            q->max = mx;
            q->absmax = fmax(fabs(mn), fabs(mx));
            q->std = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
        }
        free(x);
        free(w);
        *nch = sl.nslices;
    }
    gs_free(&g);
    free(rec.slice_sse);
    free(rec.slice_alpha);
    free(rec.slice_n);
    return st;
}

/* ---- channel order for display ------------------------------------------ */

static int chan_cmp(const void *x, const void *y, void *arg)
{
    const double *key = arg;
    size_t i = *(const size_t *)x, j = *(const size_t *)y;
    double a = key[i], b = key[j];
    int na = isnan(a), nb = isnan(b);
    if (na != nb)
        return na - nb;
    if (!na && a != b)
        return a > b ? -1 : 1;
    return i < j ? -1 : i > j;
}

static int dbl_cmp(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

size_t group_channel_order(const double *range, size_t n, double factor, size_t *order,
                           unsigned char *outlier, double *median)
{
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    qsort_r(order, n, sizeof *order, chan_cmp, (void *)range);
    double *v = util_mallocarray(n ? n : 1, sizeof *v);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(range[i]))
            v[m++] = range[i];
    qsort(v, m, sizeof *v, dbl_cmp);
    double med = m == 0 ? NAN : m % 2 ? v[m / 2] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
    free(v);
    *median = med;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int o = isfinite(range[i]) && !isnan(med) && (med > 0 ? range[i] > factor * med : range[i] > 0);
        outlier[i] = (unsigned char)o;
        k += (size_t)o;
    }
    return k;
}
