/*
 * test_lloyd_clip.c - Lloyd-Max against an exact 1-D k-means (dynamic
 * programming over contiguous partitions of the sorted values, written here)
 * and never worse than any other scheme with the same number of levels; each
 * clipping method against an independent computation on the raw values.
 */
#include "config.h"
#include "testutil.h"

#include <stdio.h>
#include "quant/analyze.h"
#include "quant/clip.h"
#include "quant/eval.h"
#include "quant/levels.h"
#include "quant/lloyd.h"

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* optimal k-means sse of sorted x[0..n) with K clusters, O(K n^2) */
static double kmeans_dp(const double *x, size_t n, size_t K)
{
    double *c1 = calloc(n + 1, sizeof *c1), *c2 = calloc(n + 1, sizeof *c2);
    for (size_t i = 0; i < n; i++) {
        c1[i + 1] = c1[i] + x[i];
        c2[i + 1] = c2[i] + x[i] * x[i];
    }
#define COST(i, j) (c2[j] - c2[i] - (c1[j] - c1[i]) * (c1[j] - c1[i]) / (double)((j) - (i)))
    double *D = malloc((n + 1) * sizeof *D), *E = malloc((n + 1) * sizeof *E);
    for (size_t j = 0; j <= n; j++)
        D[j] = j ? COST(0, j) : 0;
    for (size_t k = 2; k <= K; k++) {
        for (size_t j = 0; j <= n; j++) {
            double best = D[j];
            for (size_t i = 1; i < j; i++) {
                double v = D[i] + COST(i, j);
                if (v < best)
                    best = v;
            }
            E[j] = best;
        }
        memcpy(D, E, (n + 1) * sizeof *D);
    }
    double r = D[n];
    free(c1);
    free(c2);
    free(D);
    free(E);
    return r > 0 ? r : 0;
#undef COST
}

static void test_lloyd_vs_dp(void **st)
{
    (void)st;
    tu_rng r = { 3 };
    for (int trial = 0; trial < 36; trial++) {
        /* the last trials: sizes where lloyd_levels takes the
         * divide-and-conquer DP and the old heuristic missed the optimum */
        size_t n = trial < 30 ? 20 + tu_next(&r) % 180 : 1000 + tu_next(&r) % 1500;
        size_t L = trial < 30 ? 2 + tu_next(&r) % 14 : 8 + tu_next(&r) % 9;
        double *x = malloc(n * sizeof *x);
        for (size_t i = 0; i < n; i++)
            x[i] = trial % 3 == 0 ? tu_gauss(&r) : trial % 3 == 1 ? tu_laplace(&r) * 0.1 + 2
                                  : (tu_uniform(&r) < 0.3 ? -1 : 1) + 0.2 * tu_gauss(&r);
        prep *p = tu_prep(x, n);
        double *lev = malloc(L * sizeof *lev);
        double m = lloyd_levels(p, 0, L, lev);
        qsort(x, n, sizeof *x, cmpd);
        double opt = kmeans_dp(x, n, L) / (double)n;
        if (!(m <= opt * (1 + 1e-9) + 1e-15))
            fail_msg("trial %d n %zu L %zu: lloyd %.17g, optimum %.17g", trial, n, L, m, opt);
        /* the levels give that mse by brute force */
        TU_CLOSE(tu_sse(x, n, lev, L) / (double)n, m, 1e-9);
        free(lev);
        free(x);
        prep_free(p);
    }
}

/* no more values than levels: the optimum puts a level on every value, so
 * its mse is 0 (by brute force over the returned levels, in x units also
 * when normalized) */
static void test_lloyd_few_values(void **st)
{
    (void)st;
    tu_rng r = { 11 };
    for (int trial = 0; trial < 24; trial++) {
        size_t n = 1 + tu_next(&r) % 96, L = n + tu_next(&r) % (256 - n);
        int norm = trial % 2 && n > 1;
        double *x = malloc(n * sizeof *x), *xs = malloc(n * sizeof *xs);
        for (size_t i = 0; i < n; i++)
            x[i] = 0.05 * tu_gauss(&r) + (trial % 3 ? 0 : 1.5);
        double mean = 0, var = 0;
        for (size_t i = 0; i < n; i++)
            mean += x[i] / (double)n;
        for (size_t i = 0; i < n; i++)
            var += (x[i] - mean) * (x[i] - mean) / (double)(n - 1 ? n - 1 : 1);
        for (size_t i = 0; i < n; i++)
            xs[i] = norm ? (x[i] - mean) / sqrt(var) : x[i];
        prep *p = tu_prep(x, n);
        double *lev = malloc(L * sizeof *lev);
        double m = lloyd_levels(p, norm, L, lev);
        if (m != 0)
            fail_msg("trial %d n %zu L %zu: mse %.17g, expected 0", trial, n, L, m);
        /* each level is a value (up to the rounding of the normalization) */
        double bf = tu_sse(xs, n, lev, L) / (double)n;
        if (!(bf <= 1e-28))
            fail_msg("trial %d n %zu L %zu: the levels give mse %.17g by brute force", trial, n, L, bf);
        free(lev);
        free(x);
        free(xs);
        prep_free(p);
    }
}

/* lloyd-max through analyze is never worse than any scheme with as many
 * levels, and every result's gap is >= 0 (tensor granularity) */
static void test_lloyd_not_worse(void **st)
{
    (void)st;
    tu_rng r = { 5 };
    size_t n = 20000;
    double *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = tu_uniform(&r) < 0.9 ? 0.02 * tu_gauss(&r) : 0.1 * tu_laplace(&r);
    prep *p = tu_prep(x, n);
    static const char *sch[] = { "uniform", "pot", "apot", "int-asym", "nf4", "fp4-e2m1",
                                 "log2-sqrt2", "lloyd-max" };
    analyze_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.bits = 4;
    cfg.is_signed = 1;
    cfg.amode = ALPHA_MSE;
    analyze_result res[8];
    util_err e = { { 0 } };
    assert_int_equal(analyze_tensor(p, &cfg, sch, 8, 0, res, &e), 0);
    for (int i = 0; i < 8; i++) {
        assert_true(res[i].ok);
        assert_true(res[i].gap_to_optimal_db >= -1e-9);
        if (res[i].r.levels_total == 15)
            assert_true(res[7].r.mse <= res[i].r.mse * (1 + 1e-12));
    }
    assert_true(res[7].gap_to_optimal_db == 0);
    /* the gap is 10 log10(mse / mse_lloyd) */
    TU_CLOSE(res[0].gap_to_optimal_db, 10 * log10(res[0].r.mse / res[7].r.mse), 1e-12);
    prep_free(p);
    free(x);
}

/* ---- clipping methods ------------------------------------------------------ */

static double *sorted_abs(const double *x, size_t n, double c)
{
    double *a = malloc(n * sizeof *a);
    for (size_t i = 0; i < n; i++)
        a[i] = fabs(x[i] - c);
    qsort(a, n, sizeof *a, cmpd);
    return a;
}

static void test_percentile_sigma(void **st)
{
    (void)st;
    tu_rng r = { 9 };
    size_t n = 10007;
    double *x = malloc(n * sizeof *x);
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        x[i] = tu_laplace(&r) * 0.3 + 0.05;
        sum += x[i];
    }
    prep *p = tu_prep(x, n);
    double *a = sorted_abs(x, n, 0);
    double Ps[] = { 50, 90, 99, 99.9, 100, 0.001 };
    for (int t = 0; t < 6; t++) {
        /* nearest rank: the ceil(P n / 100)-th smallest |x| */
        size_t k = (size_t)ceil(Ps[t] / 100 * (double)n);
        if (k < 1)
            k = 1;
        assert_true(clip_percentile(p, 0, 0, Ps[t]) == a[k - 1]);
    }
    /* sigma:K = K * std (N - 1) */
    double mean = sum / (double)n, ss = 0;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    double sd = sqrt(ss / (double)(n - 1));
    TU_CLOSE(clip_alpha(p, NULL, 0, ALPHA_SIGMA, 3, 4), 3 * sd, 1e-12);
    /* normalized: x = (w - mean) / std, so sigma:K = K */
    TU_CLOSE(clip_alpha(p, NULL, 1, ALPHA_SIGMA, 2.5, 4), 2.5, 1e-12);
    /* mean absolute deviation */
    double mad = 0;
    for (size_t i = 0; i < n; i++)
        mad += fabs(x[i] - mean);
    TU_CLOSE(clip_mean_absdev(p, 0), mad / (double)n, 1e-10);
    free(a);
    free(x);
    prep_free(p);
}

static void test_aciq_table(void **st)
{
    (void)st;
    /* Banner, Nahshan & Soudry (NeurIPS 2019), sec. 4 / their code's tables:
     * Laplace alpha* / b for M = 2, 3, 4, 8 bits; Gaussian alpha* / sigma */
    static const int M[] = { 2, 3, 4, 8 };
    static const double lap[] = { 2.83, 3.89, 5.03, 9.89 };
    static const double gau[] = { 1.71, 2.15, 2.55, 3.92 };
    for (int i = 0; i < 4; i++) {
        assert_true(fabs(clip_aciq_laplace(1, M[i]) - lap[i]) < 0.01);
        assert_true(fabs(clip_aciq_gauss(1, M[i]) - gau[i]) < 0.01);
        TU_CLOSE(clip_aciq_laplace(0.25, M[i]), 0.25 * clip_aciq_laplace(1, M[i]), 1e-9);
    }
    /* on a Laplace tensor (kurtosis ~3) aciq picks the Laplace prior */
    tu_rng r = { 21 };
    size_t n = 50000;
    double *x = malloc(n * sizeof *x);
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        x[i] = 0.1 * tu_laplace(&r);
        s += x[i];
    }
    double mean = s / (double)n, mad = 0;
    for (size_t i = 0; i < n; i++)
        mad += fabs(x[i] - mean);
    mad /= (double)n;
    prep *p = tu_prep(x, n);
    TU_CLOSE(clip_alpha(p, NULL, 0, ALPHA_ACIQ, 0, 4), clip_aciq_laplace(mad, 4), 1e-9);
    prep_free(p);
    free(x);
}

/* TensorRT entropy calibration written again from the slides (Migacz 2017) */
static double kl_ref(const double *x, size_t n, int nq)
{
    enum { NB = 2048 };
    double top = 0;
    for (size_t i = 0; i < n; i++)
        top = fmax(top, fabs(x[i]));
    double w = top / NB, hist[NB] = { 0 };
    for (size_t i = 0; i < n; i++) {
        double a = fabs(x[i]);
        int b = 0;
        while (b < NB - 1 && a >= (b + 1) * w) /* bins [b w, (b+1) w) */
            b++;
        hist[b]++;
    }
    double best = INFINITY;
    int bi = NB;
    for (int i = nq; i <= NB; i++) {
        double P[NB], Q[NB], out = 0;
        for (int k = i; k < NB; k++)
            out += hist[k];
        for (int k = 0; k < i; k++)
            P[k] = hist[k];
        P[i - 1] += out;
        int per = i / nq;
        for (int g = 0; g < nq; g++) {
            int a = g * per, b = g == nq - 1 ? i : a + per;
            double s = 0;
            int nz = 0;
            for (int k = a; k < b; k++) {
                s += hist[k];
                nz += hist[k] > 0;
            }
            for (int k = a; k < b; k++)
                Q[k] = hist[k] > 0 ? s / nz : 0;
        }
        double sp = 0, sq = 0, kl = 0;
        for (int k = 0; k < i; k++) {
            sp += P[k];
            sq += Q[k];
        }
        for (int k = 0; k < i; k++)
            if (P[k] > 0)
                kl += Q[k] > 0 ? P[k] / sp * log((P[k] / sp) / (Q[k] / sq)) : INFINITY;
        if (kl < best) {
            best = kl;
            bi = i;
        }
    }
    return (bi + 0.5) * w;
}

static void test_kl(void **st)
{
    (void)st;
    tu_rng r = { 33 };
    size_t n = 30000;
    double *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = tu_gauss(&r) * (tu_uniform(&r) < 0.05 ? 4 : 1);
    prep *p = tu_prep(x, n);
    for (int bits = 4; bits <= 8; bits += 4) {
        double ref = kl_ref(x, n, 1 << (bits - 1));
        TU_CLOSE(clip_alpha(p, NULL, 0, ALPHA_KL, 0, bits), ref, 1e-12);
    }
    prep_free(p);
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lloyd_vs_dp),
        cmocka_unit_test(test_lloyd_few_values),
        cmocka_unit_test(test_lloyd_not_worse),
        cmocka_unit_test(test_percentile_sigma),
        cmocka_unit_test(test_aciq_table),
        cmocka_unit_test(test_kl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
