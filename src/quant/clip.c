/* clip.c - clipping methods (clip.h). */
#include "config.h"
#include "quant/clip.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant/eval.h"

static void xf(const prep *p, int normalize, double *m, double *s)
{
    *m = 0;
    *s = 1;
    if (normalize && eval_can_normalize(p)) {
        *m = p->st.mean;
        *s = p->st.std;
    }
}

/* #{ |x - c| <= t } (le) or #{ |x - c| < t } */
static uint64_t count_abs(const prep *p, double m, double s, double c, double t, int le)
{
    if (t < 0 || (!le && t == 0))
        return 0;
    double hi = m + s * (c + t), lo = m + s * (c - t);
    return le ? prep_rank_le(p, hi) - prep_rank_lt(p, lo) : prep_rank_lt(p, hi) - prep_rank_le(p, lo);
}

static double max_dev(const prep *p, double m, double s, double c)
{
    return fmax(fabs((p->st.min - m) / s - c), fabs((p->st.max - m) / s - c));
}

double clip_percentile(const prep *p, int normalize, double center, double P)
{
    uint64_t n = p->st.n;
    if (n == 0)
        return NAN;
    double m, s;
    xf(p, normalize, &m, &s);
    double kk = ceil(P / 100.0 * (double)n);
    uint64_t k = kk < 1 ? 1 : kk > (double)n ? n : (uint64_t)kk;
    double top = max_dev(p, m, s, center);
    if (count_abs(p, m, s, center, 0, 1) >= k)
        return 0;
    /* bisection on the bit patterns of non-negative doubles: the smallest t
     * with count(|x - c| <= t) >= k */
    uint64_t lo, hi;
    memcpy(&lo, &(double){ 0.0 }, 8);
    memcpy(&hi, &top, 8);
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        double t;
        memcpy(&t, &mid, 8);
        if (count_abs(p, m, s, center, t, 1) >= k)
            hi = mid;
        else
            lo = mid;
    }
    double t;
    memcpy(&t, &hi, 8);
    return t;
}

double clip_kl(const prep *p, int normalize, double center, int nq)
{
    enum { NB = CLIP_KL_BINS };
    if (p->st.n == 0)
        return NAN;
    double m, s;
    xf(p, normalize, &m, &s);
    double top = max_dev(p, m, s, center);
    if (!(top > 0))
        return top;
    if (nq < 1)
        nq = 1;
    if (nq > NB)
        nq = NB;
    double width = top / NB;
    double *hist = util_mallocarray(NB, sizeof *hist);
    uint64_t prev = 0;
    for (int j = 0; j < NB; j++) {
        uint64_t c = j + 1 < NB ? count_abs(p, m, s, center, (j + 1) * width, 0)
                                : count_abs(p, m, s, center, top, 1);
        hist[j] = (double)(c - prev);
        prev = c;
    }
    double *P = util_mallocarray(NB, sizeof *P), *Q = util_mallocarray(NB, sizeof *Q);
    double total = 0;
    for (int j = 0; j < NB; j++)
        total += hist[j];
    double best_kl = INFINITY;
    int best_i = NB;
    double outliers = 0;
    for (int j = nq; j < NB; j++)
        outliers += hist[j];
    for (int i = nq; i <= NB; i++) {
        if (i > nq)
            outliers -= hist[i - 1];
        /* P: the first i bins, outliers folded into the last */
        memcpy(P, hist, (size_t)i * sizeof *P);
        P[i - 1] += outliers;
        /* Q: the first i bins merged into nq groups, spread back evenly over
         * each group's nonzero bins */
        int merged = i / nq;
        for (int g = 0; g < nq; g++) {
            int a = g * merged, b = g + 1 == nq ? i : a + merged;
            double sum = 0;
            int nz = 0;
            for (int k = a; k < b; k++) {
                sum += hist[k];
                nz += hist[k] != 0;
            }
            for (int k = a; k < b; k++)
                Q[k] = hist[k] != 0 ? sum / nz : 0;
        }
        double sp = 0, sq = 0;
        for (int k = 0; k < i; k++) {
            sp += P[k];
            sq += Q[k];
        }
        double kl = 0;
        for (int k = 0; k < i && isfinite(kl); k++) {
            if (P[k] == 0)
                continue;
            if (Q[k] == 0) {
                kl = INFINITY;
                break;
            }
            double pk = P[k] / sp, qk = Q[k] / sq;
            kl += pk * log(pk / qk);
        }
        if (kl < best_kl) {
            best_kl = kl;
            best_i = i;
        }
    }
    (void)total;
    free(hist);
    free(P);
    free(Q);
    return (best_i + 0.5) * width;
}

double clip_aciq_laplace(double b, int bits)
{
    /* d/da [2 b^2 e^(-a/b) + a^2 / (3 4^M)] = 0  <=>  a / (3 4^M) = b e^(-a/b) */
    if (!(b > 0))
        return 0;
    double q = 3 * ldexp(1.0, 2 * bits);
    double lo = 0, hi = 200 * b;
    for (int it = 0; it < 200; it++) {
        double mid = 0.5 * (lo + hi);
        if (mid / q < b * exp(-mid / b))
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

static double gauss_noise(double a, double sg, int bits)
{
    double clip = (a * a + sg * sg) * erfc(a / (sg * M_SQRT2)) -
                  a * sg * sqrt(2 / M_PI) * exp(-a * a / (2 * sg * sg));
    return clip + a * a / (3 * ldexp(1.0, 2 * bits));
}

double clip_aciq_gauss(double sg, int bits)
{
    if (!(sg > 0))
        return 0;
    /* the noise is unimodal in a: golden-section search on [0, 40 sigma] */
    double lo = 0, hi = 40 * sg, g = (sqrt(5) - 1) / 2;
    double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo);
    double f1 = gauss_noise(x1, sg, bits), f2 = gauss_noise(x2, sg, bits);
    for (int it = 0; it < 300; it++) {
        if (f1 < f2) {
            hi = x2;
            x2 = x1;
            f2 = f1;
            x1 = hi - g * (hi - lo);
            f1 = gauss_noise(x1, sg, bits);
        } else {
            lo = x1;
            x1 = x2;
            f1 = f2;
            x2 = lo + g * (hi - lo);
            f2 = gauss_noise(x2, sg, bits);
        }
    }
    return 0.5 * (lo + hi);
}

double clip_mean_absdev(const prep *p, int normalize)
{
    uint64_t n = p->st.n;
    if (n == 0)
        return NAN;
    double m, s;
    xf(p, normalize, &m, &s);
    double mu = p->st.mean;
    uint64_t r = prep_rank_lt(p, mu);
    dd lo1, lo2, hi1, hi2;
    prep_range_sums(p, 0, r, &lo1, &lo2);
    prep_range_sums(p, r, n, &hi1, &hi2);
    /* sums of (w - origin) in units of 2^sexp (prep.h); shift to (w - mu) */
    double d = p->origin_s - (p->sexp ? mu * ldexp(1, -p->sexp) : mu);
    double upper = dd_to_d(hi1) + (double)(n - r) * d;
    double lower = dd_to_d(lo1) + (double)r * d;
    double mad = (upper - lower) / (double)n;
    return (p->sexp ? ldexp(mad, p->sexp) : mad) / s;
}

double clip_alpha(const prep *p, const levelset *ls, int normalize, alpha_mode mode,
                  double param, int bits)
{
    if (p->st.n == 0)
        return NAN;
    double m, s;
    xf(p, normalize, &m, &s);
    double center = 0;
    if (ls && ls->asym)
        center = 0.5 * ((p->st.min - m) / s + (p->st.max - m) / s);
    switch (mode) {
    case ALPHA_PERCENTILE:
        return clip_percentile(p, normalize, center, param);
    case ALPHA_SIGMA:
        return param * p->st.std / s;
    case ALPHA_KL: {
        int signed_ = ls ? ls->is_signed : 1;
        int nq = signed_ && !(ls && ls->asym) ? 1 << (bits - 1) : 1 << bits;
        return clip_kl(p, normalize, center, nq);
    }
    case ALPHA_ACIQ:
        if (p->st.kurtosis > 1.5)
            return clip_aciq_laplace(clip_mean_absdev(p, normalize), bits);
        return clip_aciq_gauss(p->st.std / s, bits);
    default:
        return NAN;
    }
}
