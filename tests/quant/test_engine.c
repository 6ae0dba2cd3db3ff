/*
 * test_engine.c - the exact engine (prep + eval) against brute force:
 * every element quantized one by one with Q(x) = alpha * nearest level of
 * clamp(x / alpha), sums in long double. Relative difference at most 1e-6.
 */
#include "config.h"
#include "testutil.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/eval.h"
#include "quant/levels.h"
#include "quant/prep.h"

typedef struct bf {
    double mse, sqnr_db, maxerr, clipped, entropy, adds;
    uint64_t used;
} bf;

static void moments(const double *w, size_t n, long double *mean, long double *std)
{
    long double s = 0;
    for (size_t i = 0; i < n; i++)
        s += w[i];
    *mean = s / n;
    long double s2 = 0;
    for (size_t i = 0; i < n; i++)
        s2 += (w[i] - *mean) * (w[i] - *mean);
    *std = sqrtl(s2 / (n - 1));
}

static void brute(const double *w, size_t n, const levelset *ls, double alpha, int norm, bf *o)
{
    long double mean = 0, std = 1;
    if (norm)
        moments(w, n, &mean, &std);
    long double sse = 0, sx2 = 0;
    uint64_t *cnt = calloc(ls->n, sizeof *cnt);
    uint64_t clipped = 0;
    long double adds = 0;
    double maxerr = 0;
    for (size_t i = 0; i < n; i++) {
        long double x = norm ? (w[i] - mean) / std : (long double)w[i];
        double t = (double)(x / alpha);
        double lo = ls->is_signed ? -1 : 0;
        if (t < lo)
            t = lo;
        if (t > 1)
            t = 1;
        size_t k = tu_nearest(ls->v, ls->n, t);
        long double e = x - (long double)alpha * ls->v[k];
        sse += e * e;
        sx2 += x * x;
        if (fabsl(e) > maxerr)
            maxerr = (double)fabsl(e);
        if (ls->is_signed ? fabsl(x) > alpha : (x > alpha || x < 0))
            clipped++;
        cnt[k]++;
        adds += ls->terms[k];
    }
    o->mse = (double)(sse / n);
    o->sqnr_db = (double)(10 * log10l(sx2 / sse));
    o->maxerr = maxerr;
    o->clipped = (double)clipped / (double)n;
    o->adds = (double)(adds / n);
    o->entropy = 0;
    o->used = 0;
    for (size_t k = 0; k < ls->n; k++)
        if (cnt[k]) {
            double p = (double)cnt[k] / (double)n;
            o->entropy -= p * log2(p);
            o->used++;
        }
    free(cnt);
}

static prep *make_prep(const double *w, size_t n, int as_double)
{
    util_err err = { { 0 } };
    prep *p;
    if (as_double) {
        double *b = malloc(n * sizeof *b);
        memcpy(b, w, n * sizeof *b);
        p = prep_create_double(b, n, NULL, &err);
    } else {
        float *b = malloc(n * sizeof *b);
        for (size_t i = 0; i < n; i++)
            b[i] = (float)w[i];
        p = prep_create_float(b, n, NULL, &err);
    }
    assert_non_null(p);
    return p;
}

#define CHECK_REL(what, got, want, rel)                                                   \
    do {                                                                                  \
        if (!tu_close_rel((got), (want), (rel))) {                                        \
            fprintf(stderr, "%s: %s %d bits %s alpha %.6g norm %d: %s = %.17g, brute %.17g\n", \
                    label, ls.scheme, bits, sgn ? "signed" : "unsigned", alpha, norm, what,  \
                    (double)(got), (double)(want));                                       \
            fail();                                                                       \
        }                                                                                 \
    } while (0)

/* w must already hold exactly representable values of the prep's type. */
static void compare_all(const char *label, const double *w, size_t n, int as_double,
                        const double *alpha_fracs, int nalpha)
{
    prep *p = make_prep(w, n, as_double);
    const char *schemes[] = { "uniform", "pot", "apot" };
    for (int s = 0; s < 3; s++)
        for (int bits = 2; bits <= 8; bits++)
            for (int sgn = 0; sgn <= 1; sgn++)
                for (int norm = 0; norm <= 1; norm++)
                    for (int ai = 0; ai < nalpha; ai++) {
                        levelset ls;
                        util_err err = { { 0 } };
                        assert_int_equal(levels_build(schemes[s], bits, sgn, NULL, &ls, &err), 0);
                        double alpha = alpha_fracs[ai] * eval_xabsmax(p, norm);
                        eval_result r;
                        assert_int_equal(eval_full(p, &ls, alpha, norm, &r, NULL, &err), 0);
                        bf b;
                        brute(w, n, &ls, alpha, norm, &b);
                        CHECK_REL("mse", r.mse, b.mse, 1e-6);
                        CHECK_REL("mse (fast path)", eval_mse(p, &ls, alpha, norm), b.mse, 1e-6);
                        assert_true(fabs(r.sqnr_db - b.sqnr_db) < 1e-5);
                        CHECK_REL("max_abs_err", r.max_abs_err, b.maxerr, 1e-6);
                        CHECK_REL("clipped", r.clipped, b.clipped, 0);
                        CHECK_REL("entropy", r.entropy_bits, b.entropy, 1e-9);
                        CHECK_REL("adds_mean", r.adds_mean, b.adds, 1e-12);
                        assert_int_equal(r.levels_used, b.used);
                        levels_free(&ls);
                    }
    prep_free(p);
}

/* below, inside, at (just under: alpha equal to a data value is a tie) and
 * above the data range */
static const double alpha_fracs[] = { 0.05, 0.3, 0.7, 0.9999, 1.5 };

static void test_gauss_float(void **st)
{
    (void)st;
    tu_rng r = { 1 };
    size_t n = 3001;
    double *w = malloc(n * sizeof *w);
    for (size_t i = 0; i < n; i++)
        w[i] = (float)(0.02 * tu_gauss(&r) + 0.001);
    compare_all("gauss-f32", w, n, 0, alpha_fracs, 5);
    free(w);
}

static void test_laplace_double(void **st)
{
    (void)st;
    tu_rng r = { 2 };
    size_t n = 2000;
    double *w = malloc(n * sizeof *w);
    for (size_t i = 0; i < n; i++)
        w[i] = 3.0 * tu_laplace(&r) - 0.5;
    compare_all("laplace-f64", w, n, 1, alpha_fracs, 5);
    free(w);
}

/* Large mean, tiny spread: the sums must not cancel. */
static void test_cancellation(void **st)
{
    (void)st;
    tu_rng r = { 3 };
    size_t n = 4000;
    double *w = malloc(n * sizeof *w);
    for (size_t i = 0; i < n; i++)
        w[i] = 1e4 + 1e-3 * tu_gauss(&r);
    compare_all("cancel-f64", w, n, 1, alpha_fracs, 5);
    for (size_t i = 0; i < n; i++)
        w[i] = (float)(100.0 + 0.01 * tu_gauss(&r));
    compare_all("cancel-f32", w, n, 0, alpha_fracs, 5);
    free(w);
}

/* Many values in one prefix block boundary region: a tiny tensor, and a
 * tensor whose size is not a multiple of the block. */
static void test_small_sizes(void **st)
{
    (void)st;
    tu_rng r = { 4 };
    for (size_t n = 2; n <= 70; n += 17) {
        double *w = malloc(n * sizeof *w);
        for (size_t i = 0; i < n; i++)
            w[i] = (float)tu_gauss(&r);
        compare_all("small", w, n, 0, alpha_fracs + 1, 2);
        free(w);
    }
}

/* Brute-force mse at alpha by binary search of the midpoints. */
static double bf_mse_fast(const double *x, size_t n, const levelset *ls, double alpha)
{
    long double sse = 0;
    for (size_t i = 0; i < n; i++) {
        size_t lo = 0, hi = ls->n - 1;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (x[i] < alpha * 0.5 * (ls->v[mid] + ls->v[mid + 1]))
                hi = mid;
            else
                lo = mid + 1;
        }
        long double e = x[i] - alpha * ls->v[lo];
        sse += e * e;
    }
    return (double)(sse / n);
}

/* --alpha=mse is no worse than a dense brute-force scan of alpha. */
static void test_best_alpha_vs_scan(void **st)
{
    (void)st;
    tu_rng r = { 5 };
    size_t n = 1000;
    double *w = malloc(n * sizeof *w), *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        w[i] = (float)(tu_gauss(&r) * (1 + (tu_uniform(&r) < 0.05 ? 4 : 0)));
    prep *p = make_prep(w, n, 0);
    const char *schemes[] = { "uniform", "pot", "apot" };
    const int bitsv[] = { 2, 3, 4, 6, 8 };
    for (int norm = 0; norm <= 1; norm++) {
        long double mean = 0, std = 1;
        if (norm)
            moments(w, n, &mean, &std);
        double amax = 0;
        for (size_t i = 0; i < n; i++) {
            x[i] = (double)((w[i] - mean) / std);
            amax = fmax(amax, fabs(x[i]));
        }
        for (int s = 0; s < 3; s++)
            for (int bi = 0; bi < 5; bi++) {
                levelset ls;
                util_err err = { { 0 } };
                assert_int_equal(levels_build(schemes[s], bitsv[bi], 1, NULL, &ls, &err), 0);
                double got;
                double a = eval_best_alpha(p, &ls, norm, &got);
                assert_true(a > 0 && a <= amax * (1 + 1e-12));
                /* its reported mse is the mse at that alpha */
                assert_true(tu_close_rel(got, bf_mse_fast(x, n, &ls, a), 1e-6));
                const int M = 3000;
                double scan = INFINITY;
                for (int k = 1; k <= M; k++)
                    scan = fmin(scan, bf_mse_fast(x, n, &ls, amax * k / M));
                if (got > scan * (1 + 1e-6)) {
                    fprintf(stderr, "%s %d bits norm %d: best alpha mse %.17g > scan %.17g\n",
                            schemes[s], bitsv[bi], norm, got, scan);
                    fail();
                }
                levels_free(&ls);
            }
    }
    prep_free(p);
    free(w);
    free(x);
}

/* The search on a large tensor (>= 2^20 values: a coarser scan) is no worse
 * than a dense scan of exact evaluations (eval_mse, itself checked against
 * brute force above) over (0, max|x|]. */
static void test_best_alpha_large(void **st)
{
    (void)st;
    tu_rng r = { 11 };
    size_t n = (1u << 20) + 12345;
    double *w = malloc(n * sizeof *w);
    for (size_t i = 0; i < n; i++)
        w[i] = (float)(i % 3 ? tu_gauss(&r) : 0.5 * tu_laplace(&r));
    prep *p = make_prep(w, n, 0);
    const char *schemes[] = { "uniform", "pot", "apot" };
    const int bitsv[] = { 3, 4, 6 };
    for (int norm = 0; norm <= 1; norm++)
        for (int s = 0; s < 3; s++)
            for (int bi = 0; bi < 3; bi++) {
                levelset ls;
                util_err err = { { 0 } };
                assert_int_equal(levels_build(schemes[s], bitsv[bi], 1, NULL, &ls, &err), 0);
                double got;
                eval_best_alpha(p, &ls, norm, &got);
                double amax = eval_xabsmax(p, norm), scan = INFINITY;
                for (int k = 1; k <= 2000; k++)
                    scan = fmin(scan, eval_mse(p, &ls, amax * k / 2000, norm));
                if (got > scan * (1 + 1e-6)) {
                    fprintf(stderr, "%s %d bits norm %d: %.17g > scan %.17g\n", schemes[s], bitsv[bi],
                            norm, got, scan);
                    fail();
                }
                levels_free(&ls);
            }
    prep_free(p);
    free(w);
}

/* Stats, non-finite values, histogram and the sort itself. */
static void test_stats_nonfinite_hist(void **st)
{
    (void)st;
    tu_rng r = { 6 };
    size_t n = 5000;
    float *b = malloc((n + 3) * sizeof *b);
    double *w = malloc(n * sizeof *w);
    for (size_t i = 0; i < n; i++)
        w[i] = b[i] = (float)(tu_gauss(&r) * 2 + 1);
    b[n] = NAN;
    b[n + 1] = INFINITY;
    b[n + 2] = -INFINITY;
    util_err err = { { 0 } };
    prep *p = prep_create_float(b, n + 3, NULL, &err);
    assert_non_null(p);
    assert_int_equal(p->st.count, n + 3);
    assert_int_equal(p->st.n, n);
    assert_int_equal(p->st.nonfinite, 3);
    long double mean, std;
    moments(w, n, &mean, &std);
    long double m2 = 0, m4 = 0, mn = INFINITY, mx = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        long double d = w[i] - mean;
        m2 += d * d;
        m4 += d * d * d * d;
        mn = fminl(mn, w[i]);
        mx = fmaxl(mx, w[i]);
    }
    m2 /= n;
    m4 /= n;
    assert_true(tu_close_rel(p->st.mean, (double)mean, 1e-12));
    assert_true(tu_close_rel(p->st.std, (double)std, 1e-12));
    assert_true(tu_close_rel(p->st.kurtosis, (double)(m4 / (m2 * m2) - 3), 1e-9));
    assert_true(p->st.min == (double)mn && p->st.max == (double)mx);
    for (size_t i = 1; i < p->st.n; i++)
        assert_true(p->f[i - 1] <= p->f[i]);
    /* histogram of x = w over [-3, 5) in 16 bins */
    uint64_t h[16], hb[16] = { 0 };
    eval_histogram(p, 0, -3, 5, 16, h);
    for (size_t i = 0; i < n; i++) {
        if (w[i] < -3 || w[i] >= 5)
            continue;
        int k = (int)floor((w[i] + 3) / 0.5);
        if (k > 15)
            k = 15;
        /* edges computed the same way as bins: lo + (hi-lo)*(k+1)/nbins */
        while (k > 0 && w[i] < -3 + 8.0 * k / 16)
            k--;
        while (k < 15 && w[i] >= -3 + 8.0 * (k + 1) / 16)
            k++;
        hb[k]++;
    }
    for (int k = 0; k < 16; k++)
        assert_int_equal(h[k], hb[k]);
    prep_free(p);
    free(w);
}

static int cmpf(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static void test_radix(void **st)
{
    (void)st;
    tu_rng r = { 7 };
    size_t n = 100000;
    float *v = malloc(n * sizeof *v), *s = malloc(n * sizeof *s), *ref = malloc(n * sizeof *ref);
    for (size_t i = 0; i < n; i++) {
        double u = tu_uniform(&r);
        v[i] = u < 0.01 ? -0.0f : u < 0.02 ? 1e-40f : u < 0.03 ? -1e-40f : (float)(tu_gauss(&r) * 1e3);
    }
    memcpy(ref, v, n * sizeof *v);
    qsort(ref, n, sizeof *ref, cmpf);
    prep_sort_float(v, n, s);
    for (size_t i = 0; i < n; i++)
        assert_true(v[i] == ref[i]);
    free(v);
    free(s);
    free(ref);
    /* large enough for the threaded bucket sort: ascending, and the same
     * multiset (sum and xor of the bit patterns) */
    n = 5u << 20;
    v = malloc(n * sizeof *v);
    s = malloc(n * sizeof *s);
    uint64_t sum0 = 0, xor0 = 0, sum1 = 0, xor1 = 0;
    for (size_t i = 0; i < n; i++) {
        v[i] = (float)(tu_gauss(&r) * (i % 7 == 0 ? 100 : 0.01));
        uint32_t u;
        memcpy(&u, &v[i], 4);
        sum0 += u;
        xor0 ^= (uint64_t)u * 0x9e3779b97f4a7c15ull;
    }
    prep_sort_float(v, n, s);
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &v[i], 4);
        sum1 += u;
        xor1 ^= (uint64_t)u * 0x9e3779b97f4a7c15ull;
        if (i)
            assert_true(v[i - 1] <= v[i]);
    }
    assert_true(sum0 == sum1 && xor0 == xor1);
    free(v);
    free(s);
}

/* Degenerate tensors never crash and give sensible answers. */
static void test_degenerate(void **st)
{
    (void)st;
    util_err err = { { 0 } };
    levelset ls;
    assert_int_equal(levels_build("apot", 4, 1, NULL, &ls, &err), 0);
    /* constant */
    float *b = malloc(10 * sizeof *b);
    for (int i = 0; i < 10; i++)
        b[i] = 0.5f;
    prep *p = prep_create_float(b, 10, NULL, &err);
    assert_false(eval_can_normalize(p));
    eval_result r;
    assert_int_equal(eval_full(p, &ls, 1.0, 1, &r, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "constant"));
    util_err_clear(&err);
    assert_int_equal(eval_full(p, &ls, 0.5, 0, &r, NULL, &err), 0);
    assert_true(r.mse == 0);
    double m;
    double a = eval_best_alpha(p, &ls, 0, &m);
    assert_true(a == 0.5 && m == 0);
    prep_free(p);
    /* empty and all-NaN */
    b = malloc(sizeof *b);
    b[0] = NAN;
    p = prep_create_float(b, 1, NULL, &err);
    assert_int_equal(p->st.n, 0);
    assert_int_equal(eval_full(p, &ls, 1.0, 0, &r, NULL, &err), 0);
    assert_true(isnan(r.mse));
    a = eval_best_alpha(p, &ls, 0, &m);
    assert_true(a > 0);
    prep_free(p);
    p = prep_create_float(malloc(4), 0, NULL, &err);
    assert_int_equal(p->st.n, 0);
    prep_free(p);
    /* one element */
    b = malloc(sizeof *b);
    b[0] = -2;
    p = prep_create_float(b, 1, NULL, &err);
    assert_int_equal(eval_full(p, &ls, 2.0, 0, &r, NULL, &err), 0);
    assert_true(r.mse == 0 && r.levels_used == 1);
    /* bad alpha */
    assert_int_equal(eval_full(p, &ls, 0, 0, &r, NULL, &err), -1);
    prep_free(p);
    levels_free(&ls);
}

/* ---- statistics that cannot overflow (issue 10) ----------------------------
 * Truths by hand: for w = (a, a, -a) the mean is a/3, the deviations are
 * 2a/3, 2a/3, -4a/3, so sum d^2 = 24/9 a^2, std (n - 1) = sqrt(4/3) a,
 * population m2 = 8/9 a^2, m4 = 96/81 a^4 / 3 = 32/27 a^4 and the excess
 * kurtosis (32/27) / (64/81) - 3 = -1.5, whatever a is. For +-a in equal
 * numbers (2m values): mean 0, std a sqrt(2m / (2m - 1)), kurtosis -2. */
static prep *dprep(const double *w, size_t n)
{
    double *b = malloc(n * sizeof *b);
    memcpy(b, w, n * sizeof *b);
    util_err err = { { 0 } };
    prep *p = prep_create_double(b, n, NULL, &err);
    assert_non_null(p);
    return p;
}

static void check_aaa(double a, double rel)
{
    const double w[3] = { a, a, -a };
    prep *p = dprep(w, 3);
    if (!tu_close_rel(p->st.mean, (double)((long double)a / 3), rel) ||
        !tu_close_rel(p->st.std, (double)(sqrtl(4.0L / 3) * fabs(a)), rel) ||
        !tu_close_rel(p->st.kurtosis, -1.5, 1e-12) || p->st.absmax != fabs(a)) {
        fprintf(stderr, "a = %g: mean %.17g std %.17g kurtosis %.17g\n", a, p->st.mean, p->st.std,
                p->st.kurtosis);
        fail();
    }
    prep_free(p);
}

static void test_stats_no_overflow(void **st)
{
    (void)st;
    check_aaa(1e308, 1e-15);
    check_aaa(-1e308, 1e-15);
    check_aaa(1.7e308, 1e-15);
    check_aaa(1e200, 1e-15);
    check_aaa(3.0, 1e-15);          /* the ordinary path, same truths */
    check_aaa(1e-200, 1e-15);
    check_aaa(1e-308, 1e-12);       /* subnormal means (1e-308 / 3) */
    check_aaa(ldexp(1, -1060), 1e-4); /* subnormal values: 14 bits */
    /* +-1.7e308, 50 each */
    double w[100];
    for (int i = 0; i < 100; i++)
        w[i] = i % 2 ? -1.7e308 : 1.7e308;
    prep *p = dprep(w, 100);
    assert_true(p->st.mean == 0);
    assert_true(tu_close_rel(p->st.std, (double)(1.7e308L * sqrtl(100.0L / 99)), 1e-15));
    assert_true(tu_close_rel(p->st.kurtosis, -2, 1e-12));
    /* sum of squares 2.89e618: not a double, reported as inf */
    assert_true(isinf(p->st.sumsq));
    prep_free(p);
    /* +-DBL_MAX: the true std sqrt(2) DBL_MAX is no double either */
    const double m[2] = { DBL_MAX, -DBL_MAX };
    p = dprep(m, 2);
    assert_true(p->st.mean == 0);
    assert_true(isinf(p->st.std));
    assert_true(tu_close_rel(p->st.kurtosis, -2, 1e-12));
    prep_free(p);
    /* 1e-308 .. 4e-308: mean 2.5e-308, std sqrt(5/3) 1e-308 */
    const double sub[4] = { 1e-308, 2e-308, 3e-308, 4e-308 };
    p = dprep(sub, 4);
    assert_true(tu_close_rel(p->st.mean, 2.5e-308, 1e-12));
    assert_true(tu_close_rel(p->st.std, (double)(sqrtl(5.0L / 3) * 1e-308L), 1e-12));
    assert_true(tu_close_rel(p->st.kurtosis, (double)((2 * (powl(1.5L, 4) + powl(0.5L, 4)) / 4) /
                                                       powl((2 * (1.5L * 1.5L + 0.25L)) / 4, 2) - 3), 1e-12));
    prep_free(p);
}

/* Scaling by 2^k is exact, so a tensor 2^k w has mean, std, optimal alpha
 * 2^k times those of w, mse 2^2k times and the same kurtosis and SQNR. The
 * scaled tensors are far outside the ordinary path's range (2^+-450,
 * 2^900); w itself is checked against brute force in the tests above. */
static void test_eval_scale_invariance(void **st)
{
    (void)st;
    enum { N = 2000 };
    double *w = malloc(N * sizeof *w), *ws = malloc(N * sizeof *ws);
    tu_rng r = { 10 };
    for (int i = 0; i < N; i++)
        w[i] = tu_laplace(&r) + 0.3;
    prep *p = dprep(w, N);
    const int ks[] = { 450, -450, 900, -900 };
    const char *schemes[] = { "uniform", "pot", "apot" };
    for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
        int k = ks[ki];
        for (int i = 0; i < N; i++)
            ws[i] = ldexp(w[i], k);
        prep *q = dprep(ws, N);
        assert_true(tu_close_rel(q->st.mean, ldexp(p->st.mean, k), 1e-12));
        assert_true(tu_close_rel(q->st.std, ldexp(p->st.std, k), 1e-12));
        assert_true(tu_close_rel(q->st.kurtosis, p->st.kurtosis, 1e-12));
        assert_true(q->st.absmax == ldexp(p->st.absmax, k));
        for (int s = 0; s < 3; s++)
            for (int norm = 0; norm <= 1; norm++) {
                levelset ls;
                util_err err = { { 0 } };
                assert_int_equal(levels_build(schemes[s], 4, 1, NULL, &ls, &err), 0);
                double m0, m1;
                double a0 = eval_best_alpha(p, &ls, norm, &m0);
                double a1 = eval_best_alpha(q, &ls, norm, &m1);
                /* alpha is in x units: scaled with w unless normalized */
                double aw = norm ? a0 : ldexp(a0, k);
                eval_result r0, r1;
                assert_int_equal(eval_full(p, &ls, a0, norm, &r0, NULL, &err), 0);
                assert_int_equal(eval_full(q, &ls, aw, norm, &r1, NULL, &err), 0);
                int ok = tu_close_rel(a1, aw, 1e-9) && fabs(r1.sqnr_db - r0.sqnr_db) < 1e-9 &&
                         isfinite(r1.sqnr_db) &&
                         tu_close_rel(r1.max_abs_err, norm ? r0.max_abs_err : ldexp(r0.max_abs_err, k), 1e-9) &&
                         r1.clipped == r0.clipped;
                /* the mse: 2^2k times (x units follow w unless normalized),
                 * inf when that is beyond DBL_MAX, 0 below the subnormals */
                double want = norm ? r0.mse : ldexp(r0.mse, 2 * k);
                if (isinf(want) || want == 0)
                    ok = ok && r1.mse == want && m1 == (norm ? m0 : ldexp(m0, 2 * k));
                else
                    ok = ok && tu_close_rel(r1.mse, want, 1e-9) &&
                         tu_close_rel(eval_mse(q, &ls, aw, norm), want, 1e-9) &&
                         tu_close_rel(m1, norm ? m0 : ldexp(m0, 2 * k), 1e-9);
                if (!ok) {
                    fprintf(stderr, "2^%d %s norm %d: alpha %.17g want %.17g, sqnr %.17g want %.17g, "
                            "mse %.17g want %.17g\n", k, schemes[s], norm, a1, aw, r1.sqnr_db,
                            r0.sqnr_db, r1.mse, want);
                    fail();
                }
                levels_free(&ls);
            }
        prep_free(q);
    }
    prep_free(p);
    free(w);
    free(ws);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gauss_float),
        cmocka_unit_test(test_laplace_double),
        cmocka_unit_test(test_cancellation),
        cmocka_unit_test(test_small_sizes),
        cmocka_unit_test(test_best_alpha_vs_scan),
        cmocka_unit_test(test_best_alpha_large),
        cmocka_unit_test(test_stats_nonfinite_hist),
        cmocka_unit_test(test_radix),
        cmocka_unit_test(test_degenerate),
        cmocka_unit_test(test_stats_no_overflow),
        cmocka_unit_test(test_eval_scale_invariance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
