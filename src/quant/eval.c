/*
 * eval.c - exact metrics from sorted values and prefix sums (eval.h).
 *
 * For a level q in x units, the values mapped to it form one run [i, j) of
 * the sorted array. In w units its centre is c = m + s q (m, s: the
 * normalization, or 0 and 1), and with t = c - origin
 *     sum (w - c)^2 = S2 - 2 t S1 + n t^2
 * where S1, S2 are the run's sums of (w - origin) and its square, evaluated
 * in double-double. sum (x - q)^2 = sum (w - c)^2 / s^2.
 */
#include "config.h"
#include "quant/eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int eval_adds_worst(const levelset *ls, int *cost_na)
{
    int w = 0;
    *cost_na = 0;
    for (size_t k = 0; k < ls->n; k++) {
        if (ls->terms[k] > w)
            w = ls->terms[k];
        if (ls->terms[k] < 0)
            *cost_na = 1;
    }
    return *cost_na ? -1 : w;
}

void eval_result_from_totals(const levelset *ls, uint64_t n, double sse, double sumsq, double maxerr,
                             uint64_t clipped, const uint64_t *counts, eval_result *r)
{
    double alpha = r->alpha;
    memset(r, 0, sizeof *r);
    r->alpha = alpha;
    r->levels_total = ls->n;
    r->n = n;
    int cost_na;
    r->adds_worst = eval_adds_worst(ls, &cost_na);
    if (n == 0) {
        r->mse = r->sqnr_db = r->max_abs_err = r->clipped = NAN;
        r->entropy_bits = r->adds_mean = r->shifts_mean = NAN;
        return;
    }
    double dn = (double)n;
    r->mse = sse / dn;
    r->sumsq = sumsq;
    r->sqnr_db = sse > 0 ? 10.0 * log10(sumsq / sse) : (sumsq > 0 ? INFINITY : NAN);
    r->max_abs_err = maxerr;
    r->clipped = (double)clipped / dn;
    double ent = 0, adds = 0;
    for (size_t k = 0; k < ls->n; k++)
        if (counts[k]) {
            double pr = (double)counts[k] / dn;
            ent -= pr * log2(pr);
            r->levels_used++;
            if (ls->terms[k] > 0)
                adds += (double)counts[k] * ls->terms[k];
        }
    r->entropy_bits = ent > 0 ? ent : 0;
    r->adds_mean = r->shifts_mean = cost_na ? NAN : adds / dn;
}

int eval_can_normalize(const prep *p)
{
    return p->st.n >= 2 && p->st.std > 0 && isfinite(p->st.std);
}

static void xform(const prep *p, int normalize, double *m, double *s)
{
    if (normalize && eval_can_normalize(p)) {
        *m = p->st.mean;
        *s = p->st.std;
    } else {
        *m = 0;
        *s = 1;
    }
}

/* Number of values whose x = (w - m) / s, computed in double exactly as a
 * brute force would, is below bx (le: at most bx): the engine's rank_x
 * (prep.h). */
static uint64_t rank_x(const prep *p, prep_query *q, double m, double s, double bx, int le,
                       int full)
{
    return p->ops->rank_x(p, q, m, s, bx, le, full);
}

double eval_x_of_w(const prep *p, int normalize, double w)
{
    double m, s;
    xform(p, normalize, &m, &s);
    return (w - m) / s;
}

double eval_w_of_x(const prep *p, int normalize, double x)
{
    double m, s;
    xform(p, normalize, &m, &s);
    return m + s * x;
}

double eval_xabsmax(const prep *p, int normalize)
{
    if (p->st.n == 0)
        return 0;
    double m, s;
    xform(p, normalize, &m, &s);
    return fmax(fabs((p->st.min - m) / s), fabs((p->st.max - m) / s));
}

double eval_alpha_max(const prep *p, const levelset *ls, int normalize)
{
    if (!ls || !ls->asym)
        return eval_xabsmax(p, normalize);
    if (p->st.n == 0)
        return 0;
    double m, s;
    xform(p, normalize, &m, &s);
    return 0.5 * (p->st.max - p->st.min) / s;
}

double eval_shift(const prep *p, const levelset *ls, double alpha, int normalize)
{
    if (!ls->asym || ls->n < 2 || p->st.n == 0)
        return 0;
    double m, s;
    xform(p, normalize, &m, &s);
    double c = 0.5 * ((p->st.min - m) / s + (p->st.max - m) / s);
    double scale = 2 * alpha / (double)(ls->n - 1);
    double zp = round((alpha - c) / scale);
    if (zp < 0)
        zp = 0;
    if (zp > (double)(ls->n - 1))
        zp = (double)(ls->n - 1);
    return alpha - zp * scale;
}

enum { WANT_FULL = 1, WANT_LLOYD = 2 };

/* A run's sums and its end values. An engine with a resolve pass answers
 * exactly only for full evaluations (resolved boundaries); searches always
 * get its interpolation, so they find the same alpha before and after
 * resolving. */
static void run_sums(const prep *p, prep_query *q, uint64_t i, uint64_t j, int full, dd *s1,
                     dd *s2)
{
    p->ops->sums(p, q, i, j, full, s1, s2);
}

static double run_value(const prep *p, prep_query *q, uint64_t i)
{
    return p->ops->value(p, q, i, 1);
}

typedef struct walk_out {
    double sse;             /* in x units */
    double maxerr;
    double lloyd_num, lloyd_den;
    uint64_t used;
    double adds, entropy_acc;
} walk_out;

/* Visit every run of the level set at alpha. */
static void walk(const prep *p, prep_query *qy, const levelset *ls, double alpha, int normalize,
                 int want, walk_out *o, uint64_t *counts)
{
    double m, s;
    xform(p, normalize, &m, &s);
    /* sums in units of 2^sexp (prep.h): sc = 1 and org_s = origin unless
     * a double tensor's values are huge or tiny */
    const double org_s = p->origin_s;
    const double sc = p->sexp ? ldexp(1, -p->sexp) : 1;
    /* normalized, x = (w - m) / s is of order 1: the sums come back to
     * x units exactly through s sc; else they stay in units of 2^sexp */
    const double ss = p->sexp && normalize && eval_can_normalize(p) ? s * sc : s;
    const uint64_t n = p->st.n;
    memset(o, 0, sizeof *o);
    const double sh = eval_shift(p, ls, alpha, normalize);
    dd sse = { 0, 0 };
    uint64_t start = 0;
    for (size_t k = 0; k < ls->n; k++) {
        uint64_t end;
        if (k + 1 < ls->n) {
            double bx = sh + alpha * 0.5 * (ls->v[k] + ls->v[k + 1]);
            end = rank_x(p, qy, m, s, bx, 0, want & WANT_FULL);
            if (end < start)
                end = start;
        } else
            end = n;
        uint64_t cnt = end - start;
        if (counts)
            counts[k] = cnt;
        if (cnt == 0)
            continue;
        double q = sh + alpha * ls->v[k];
        double t = p->sexp ? (m + s * q) * sc - org_s : (m + s * q) - org_s;
        dd s1, s2;
        run_sums(p, qy, start, end, want & WANT_FULL, &s1, &s2);
        dd e = dd_add(s2, dd_mul_dd_d(s1, -2.0 * t));
        e = dd_add(e, dd_mul_dd_d(dd_prod(t, t), (double)cnt));
        if (e.hi < 0)
            e.hi = e.lo = 0;
        sse = dd_add(sse, e);
        if (want & WANT_FULL) {
            double e0 = fabs((run_value(p, qy, start) - m) / s - q);
            double e1 = fabs((run_value(p, qy, end - 1) - m) / s - q);
            if (e0 > o->maxerr)
                o->maxerr = e0;
            if (e1 > o->maxerr)
                o->maxerr = e1;
            o->used++;
            o->adds += (double)cnt * ls->terms[k];
            double pr = (double)cnt / (double)n;
            o->entropy_acc -= pr * log2(pr);
        }
        if (want & WANT_LLOYD) {
            /* sum of x over the run: (S1 + cnt (org - m)) / s; the level is
             * alpha * u with u = q / alpha (u = v[k] unless affine) */
            double sx = (dd_to_d(s1) + (double)cnt * (org_s - m * sc)) / ss;
            double u = q / alpha;
            o->lloyd_num += u * sx;
            o->lloyd_den += u * u * (double)cnt;
        }
        start = end;
    }
    /* sse (and lloyd_num) stay in units of 2^(2 sexp) (2^sexp): unscaled
     * by whoever reports them, so that searches compare finite numbers */
    o->sse = dd_to_d(sse) / (ss * ss);
}

/* The units of walk's sse: 2^(2 xexp), lloyd_num: 2^xexp. */
static int xexp(const prep *p, int normalize)
{
    return normalize && eval_can_normalize(p) ? 0 : p->sexp;
}

/* the mse in units of 2^(2 sexp) */
static double mse_s(const prep *p, prep_query *q, const levelset *ls, double alpha, int normalize)
{
    if (p->st.n == 0)
        return NAN;
    walk_out o;
    walk(p, q, ls, alpha, normalize, 0, &o, NULL);
    return o.sse / (double)p->st.n;
}

/* from units of 2^(2 xexp): inf when the true value exceeds DBL_MAX */
static double unscale2(const prep *p, int normalize, double v)
{
    int e = xexp(p, normalize);
    return e ? ldexp(v, 2 * e) : v;
}

double eval_mse(const prep *p, const levelset *ls, double alpha, int normalize)
{
    return unscale2(p, normalize, mse_s(p, NULL, ls, alpha, normalize));
}

void eval_curve(const prep *p, const levelset *ls, int normalize,
                const double *alphas, int n, double *mse_out)
{
    for (int i = 0; i < n; i++)
        mse_out[i] = eval_mse(p, ls, alphas[i], normalize);
}

int eval_full(const prep *p, const levelset *ls, double alpha, int normalize,
              eval_result *r, uint64_t *counts, util_err *err)
{
    return eval_full_q(p, NULL, ls, alpha, normalize, r, counts, err);
}

int eval_full_q(const prep *p, prep_query *q, const levelset *ls, double alpha, int normalize,
                eval_result *r, uint64_t *counts, util_err *err)
{
    memset(r, 0, sizeof *r);
    r->alpha = alpha;
    r->levels_total = ls->n;
    r->n = p->st.n;
    if (!(alpha > 0) || !isfinite(alpha)) {
        util_err_set(err, "alpha must be a positive finite number (got %g)", alpha);
        return -1;
    }
    if (normalize && !eval_can_normalize(p)) {
        util_err_set(err, "cannot normalize: the standard deviation is %s",
                     p->st.n < 2 ? "undefined (fewer than 2 values)" : "0 (constant tensor)");
        return -1;
    }
    int cost_na;
    r->adds_worst = eval_adds_worst(ls, &cost_na);
    if (p->st.n == 0) {
        r->mse = r->sqnr_db = r->max_abs_err = r->clipped = NAN;
        r->entropy_bits = r->adds_mean = r->shifts_mean = NAN;
        if (counts)
            memset(counts, 0, ls->n * sizeof *counts);
        return 0;
    }
    walk_out o;
    walk(p, q, ls, alpha, normalize, WANT_FULL, &o, counts);
    double n = (double)p->st.n;
    r->mse = unscale2(p, normalize, o.sse / n);
    /* sum of x^2 */
    double m, s, sumsq;
    xform(p, normalize, &m, &s);
    if (normalize) {
        dd s1, s2;
        prep_range_sums(p, 0, p->st.n, &s1, &s2);
        double sc = p->sexp ? ldexp(1, -p->sexp) : 1;
        double t = m * sc - p->origin_s;
        dd e = dd_add(s2, dd_mul_dd_d(s1, -2.0 * t));
        e = dd_add(e, dd_mul_dd_d(dd_prod(t, t), n));
        sumsq = dd_to_d(e) / ((s * sc) * (s * sc));   /* x units */
    } else
        sumsq = p->sumsq_s;
    /* both in units of 2^(2 sexp): the ratio is finite for any finite
     * input */
    r->sqnr_db = o.sse > 0 ? 10.0 * log10(sumsq / o.sse) : (sumsq > 0 ? INFINITY : NAN);
    r->sumsq = unscale2(p, normalize, sumsq);
    r->sse_u = o.sse;
    r->sumsq_u = sumsq;
    r->uexp = 2 * xexp(p, normalize);
    r->max_abs_err = o.maxerr;
    r->entropy_bits = o.entropy_acc > 0 ? o.entropy_acc : 0;
    r->levels_used = o.used;
    r->adds_mean = cost_na ? NAN : o.adds / n;
    r->shifts_mean = cost_na ? NAN : o.adds / n;
    /* clipped: |x| > alpha (unsigned: x > alpha or x < 0); affine: outside
     * shift -+ alpha */
    double sh = eval_shift(p, ls, alpha, normalize);
    uint64_t above = p->st.n - rank_x(p, q, m, s, sh + alpha, 1, 1);
    uint64_t below = rank_x(p, q, m, s, ls->asym ? sh - alpha : ls->is_signed ? -alpha : 0, 0, 1);
    r->clipped = (double)(above + below) / n;
    return 0;
}

/* Alternate: assignment at alpha -> closed-form best alpha for it. Never
 * increases the mse. */
static double refine(const prep *p, prep_query *q, const levelset *ls, int normalize, double a,
                     double amax, double *mse)
{
    double n = (double)p->st.n;
    walk_out o;
    walk(p, q, ls, a, normalize, WANT_LLOYD, &o, NULL);
    double best = o.sse / n;
    for (int it = 0; it < 200; it++) {
        if (!(o.lloyd_den > 0))
            break;
        double na = o.lloyd_num / o.lloyd_den;
        if (xexp(p, normalize))
            na = ldexp(na, xexp(p, normalize));   /* lloyd_num: units of 2^xexp */
        if (!(na > 0))
            break;
        if (na > amax)
            na = amax;
        if (na == a)
            break;
        walk_out o2;
        walk(p, q, ls, na, normalize, WANT_LLOYD, &o2, NULL);
        double e = o2.sse / n;
        if (!(e < best))
            break;
        best = e;
        a = na;
        o = o2;
    }
    *mse = best;
    return a;
}

double eval_best_alpha(const prep *p, const levelset *ls, int normalize, double *mse_out)
{
    return eval_best_alpha_q(p, NULL, ls, normalize, mse_out);
}

double eval_best_alpha_q(const prep *p, prep_query *q, const levelset *ls, int normalize,
                         double *mse_out)
{
    double amax = eval_alpha_max(p, ls, normalize);
    if (p->st.n == 0 || !(amax > 0)) {
        if (mse_out)
            *mse_out = p->st.n ? 0 : NAN;
        return amax > 0 ? amax : 1.0;
    }
    /* an engine with a resolve pass: the second round takes the first
     * one's answer (the memo of q) */
    uint64_t key = 0;
    const int memo = q && (p->caps & PREP_CAP_RESOLVE);
    if (memo) {
        double got[2];
        key = prep_hash(0, "best", 4);
        key = prep_hash(key, ls->v, ls->n * sizeof *ls->v);
        int f[3] = { ls->asym, ls->is_signed, normalize };
        key = prep_hash(key, f, sizeof f);
        if (prep_query_memo_get(q, key, got, 2) == 0) {
            if (mse_out)
                *mse_out = got[1];
            return got[0];
        }
    }
    /* A large tensor's mse(alpha) is smooth (its jaggedness shrinks like
     * 1/sqrt(N)), so fewer scan points and candidates find the same
     * minimum; small tensors get the dense search. */
    enum { KMAX = 10 };
    int large = p->st.n >= (1u << 20);
    int M = large ? 300 : ls->n <= 64 ? 1000 : 400;
    int K = large ? 4 : KMAX;
    int Z = large ? 32 : 64;
    double *mse = util_mallocarray((size_t)M + 1, sizeof *mse);
    for (int i = 1; i <= M; i++)
        mse[i] = mse_s(p, q, ls, amax * i / M, normalize);
    mse[0] = INFINITY;
    /* local minima of the scan, best first */
    int cand[KMAX];
    int nc = 0;
    for (int i = 1; i <= M; i++) {
        int lmin = mse[i] <= mse[i - 1] && (i == M || mse[i] <= mse[i + 1]);
        if (!lmin)
            continue;
        if (nc < K)
            cand[nc++] = i;
        else {
            int worst = 0;
            for (int c = 1; c < K; c++)
                if (mse[cand[c]] > mse[cand[worst]])
                    worst = c;
            if (mse[i] < mse[cand[worst]])
                cand[worst] = i;
        }
    }
    double best_a = amax, best_e = mse[M];
    for (int i = 1; i <= M; i++)
        if (mse[i] < best_e) {
            best_e = mse[i];
            best_a = amax * i / M;
        }
    /* Zoom into each candidate: a finer scan around it, then the exact
     * alternating refinement, three times at shrinking spans. mse(alpha)
     * of a finite tensor is piecewise quadratic with many shallow local
     * minima, so refinement alone can stop short of the best nearby one. */
    for (int c = 0; c < nc; c++) {
        double a = amax * cand[c] / M, e = mse[cand[c]];
        double span = amax / M;
        for (int round = 0; round < 3; round++) {
            for (int z = 0; z <= Z; z++) {
                double az = a - span + 2 * span * z / Z;
                if (!(az > 0) || az > amax)
                    continue;
                double ez = mse_s(p, q, ls, az, normalize);
                if (ez < e) {
                    e = ez;
                    a = az;
                }
            }
            double er;
            double ar = refine(p, q, ls, normalize, a, amax, &er);
            if (er < e) {
                e = er;
                a = ar;
            }
            span /= 24;
        }
        if (e < best_e) {
            best_e = e;
            best_a = a;
        }
    }
    free(mse);
    best_e = unscale2(p, normalize, best_e);   /* the search ran in units of 2^(2 sexp) */
    if (mse_out)
        *mse_out = best_e;
    if (memo) {
        double put[2] = { best_a, best_e };
        prep_query_memo_put(q, key, put, 2);
    }
    return best_a;
}

void eval_histogram(const prep *p, int normalize, double lo, double hi,
                    int nbins, uint64_t *counts)
{
    double m, s;
    xform(p, normalize, &m, &s);
    uint64_t prev = rank_x(p, NULL, m, s, lo, 0, 0);
    for (int b = 0; b < nbins; b++) {
        double edge = lo + (hi - lo) * (b + 1) / nbins;
        uint64_t r = rank_x(p, NULL, m, s, b + 1 == nbins ? hi : edge, 0, 0);
        counts[b] = r >= prev ? r - prev : 0;
        prev = r;
    }
}
