/*
 * test_pow2.c - issue 12's pure logic below the viewer: levels written as
 * sums of powers of two (quant/pow2.h) against hand-written decompositions
 * of the paper's APoT sets and against every level's own value, the
 * fixed-hardware counts against the paper's framing (b - 1 partial
 * products for signed b-bit uniform, n terms for APoT), and the error
 * histogram (quant/errhist.h) against a brute force over every value.
 */
#include "config.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant/errhist.h"
#include "quant/eval.h"
#include "quant/levels.h"
#include "quant/pow2.h"

static void build(const char *s, int bits, int sgn, levelset *ls)
{
    util_err err = { { 0 } };
    levels_params prm = { 0 };
    assert_int_equal(levels_build(s, bits, sgn, &prm, ls, &err), 0);
}

/* Each positive level of a signed set (ascending) against its terms, given
 * as the integers u of the magnitude in units of 2^-shift: the terms are
 * the one bits of u (the paper's additive terms are distinct powers). */
static void expect_terms(const char *scheme, int bits, const int *u, size_t m, int shift)
{
    levelset ls;
    build(scheme, bits, 1, &ls);
    assert_int_equal(ls.n, 2 * m - 1);
    for (size_t k = 0; k < m; k++) {
        size_t idx = m - 1 + k;
        pow2_terms t;
        assert_int_equal(pow2_level(&ls, idx, &t), 0);
        int want[32], nw = 0;
        for (int b = 30; b >= 0; b--)
            if (u[k] & (1 << b))
                want[nw++] = b - shift;
        if (t.n != nw) {
            fprintf(stderr, "%s %d: level %zu has %d terms, want %d\n", scheme, bits, k, t.n, nw);
            fail();
        }
        for (int i = 0; i < nw; i++)
            assert_int_equal(t.exp[i], want[i]);
        assert_int_equal(t.sign, u[k] ? 1 : 0);
        /* the mirrored level: the same terms, negative */
        pow2_terms tn;
        assert_int_equal(pow2_level(&ls, m - 1 - k, &tn), 0);
        assert_int_equal(tn.n, nw);
        assert_int_equal(tn.sign, u[k] ? -1 : 0);
    }
    levels_free(&ls);
}

/* 4-bit signed apot (B = 3): p0 in {0, 2^0, 2^-1, 2^-3}, p1 in {0, 2^-2};
 * in units of 2^-3 the sums are 0 1 2 3 4 6 8 10 (normalized by 10). */
static void test_apot4_hand(void **st)
{
    (void)st;
    const int u[] = { 0, 1, 2, 3, 4, 6, 8, 10 };
    expect_terms("apot", 4, u, 8, 3);
    levelset ls;
    build("apot", 4, 1, &ls);
    assert_true(ls.unit == 1.25);
    levels_free(&ls);
}

/* 5-bit signed (B = 4, n = 2): in units of 2^-5, {0,32,8,2} + {0,16,4,1}. */
static void test_apot5_hand(void **st)
{
    (void)st;
    const int u[] = { 0, 1, 2, 3, 4, 6, 8, 9, 12, 16, 18, 24, 32, 33, 36, 48 };
    expect_terms("apot", 5, u, 16, 5);
}

/* pot: 2^-j exactly, one term each. */
static void test_pot_hand(void **st)
{
    (void)st;
    levelset ls;
    build("pot", 5, 1, &ls); /* 2^0 .. 2^-14 */
    for (size_t k = 0; k < ls.n; k++) {
        pow2_terms t;
        assert_int_equal(pow2_level(&ls, k, &t), 0);
        if (ls.v[k] == 0) {
            assert_int_equal(t.n, 0);
            continue;
        }
        assert_int_equal(t.n, 1);
        assert_true(ldexp(1.0, t.exp[0]) == fabs(ls.v[k]));
    }
    levels_free(&ls);
}

/* Every level of every set built from dyadic magnitudes: its terms,
 * summed and divided by the unit, give the level back; the count is the
 * level's cost in the level set (levels.h terms); exponents descend. */
static void test_every_level(void **st)
{
    (void)st;
    static const char *const sch[] = { "uniform", "pot", "apot", "fp4-e2m1", "fp6-e2m3", "fp6-e3m2",
                                       "fp8-e4m3", "fp8-e5m2", NULL };
    int checked = 0;
    for (int s = 0; sch[s]; s++)
        for (int bits = LEVELS_MIN_BITS; bits <= LEVELS_MAX_BITS; bits++)
            for (int sgn = 0; sgn <= 1; sgn++) {
                levelset ls;
                util_err err = { { 0 } };
                levels_params prm = { 0 };
                if (levels_build(sch[s], bits, sgn, &prm, &ls, &err) < 0)
                    continue; /* fixed-width formats at other widths */
                assert_true(ls.unit > 0);
                for (size_t k = 0; k < ls.n; k++) {
                    pow2_terms t;
                    if (pow2_level(&ls, k, &t) != 0) {
                        fprintf(stderr, "%s %d %s: level %zu (%.17g) not decomposed\n", sch[s], bits,
                                sgn ? "signed" : "unsigned", k, ls.v[k]);
                        fail();
                    }
                    double back = pow2_value(&t) / ls.unit;
                    if (fabs(back - ls.v[k]) > 4e-16 * fabs(ls.v[k])) {
                        fprintf(stderr, "%s %d: level %zu is %.17g, its terms give %.17g\n", sch[s], bits, k,
                                ls.v[k], back);
                        fail();
                    }
                    assert_int_equal(t.n, ls.terms[k]);
                    for (int i = 1; i < t.n; i++)
                        assert_true(t.exp[i] < t.exp[i - 1]);
                    checked++;
                }
                levels_free(&ls);
            }
    assert_true(checked > 3000);
}

/* The paper's framing: a multiplier for b-bit uniform needs b - 1 partial
 * products (signed: b - 1 magnitude bits; unsigned b), one for APoT's each
 * additive term: n = ceil(B / 2) for k = 2 (B magnitude bits, the odd
 * bit one more term), and PoT one. Codebooks have none. */
static void test_fixed_counts(void **st)
{
    (void)st;
    for (int b = 2; b <= 8; b++) {
        levelset ls;
        build("uniform", b, 1, &ls);
        assert_int_equal(pow2_fixed_terms(&ls), b - 1);
        levels_free(&ls);
        build("uniform", b, 0, &ls);
        assert_int_equal(pow2_fixed_terms(&ls), b);
        levels_free(&ls);
        build("pot", b, 1, &ls);
        assert_int_equal(pow2_fixed_terms(&ls), 1);
        levels_free(&ls);
        build("apot", b, 1, &ls);
        int B = b - 1;
        assert_int_equal(pow2_fixed_terms(&ls), (B + 1) / 2);
        levels_free(&ls);
    }
    levelset ls;
    build("nf4", 4, 1, &ls);
    assert_int_equal(pow2_fixed_terms(&ls), -1);
    pow2_terms t;
    assert_int_equal(pow2_level(&ls, 0, &t), -1);
    levels_free(&ls);
}

static void test_format(void **st)
{
    (void)st;
    char b[128];
    pow2_terms t = { 1, 2, { -3, -5 } };
    assert_int_equal(pow2_format(&t, 1, b, sizeof b), 7);
    assert_string_equal(b, "2\u207b\u00b3+2\u207b\u2075");
    assert_int_equal(pow2_format(&t, 0, b, sizeof b), 9);
    assert_string_equal(b, "2^-3+2^-5");
    pow2_terms n = { -1, 2, { 0, -2 } };
    pow2_format(&n, 0, b, sizeof b);
    assert_string_equal(b, "-2^0-2^-2");
    pow2_format(&n, 1, b, sizeof b);
    assert_string_equal(b, "-2\u2070-2\u207b\u00b2");
    pow2_terms z = { 0, 0, { 0 } };
    assert_int_equal(pow2_format(&z, 1, b, sizeof b), 1);
    assert_string_equal(b, "0");
    pow2_terms big = { 1, 1, { 12 } };
    assert_int_equal(pow2_format(&big, 1, b, sizeof b), 3);
    assert_string_equal(b, "2\u00b9\u00b2");
    /* a short buffer is cut, never overrun */
    char s[5];
    pow2_format(&t, 0, s, sizeof s);
    assert_string_equal(s, "2^-3");
}

/* ---- the error histogram against every value ----------------------------- */

static void check_errhist(const double *w, size_t n, const char *scheme, int bits, int sgn, int norm,
                          double alpha)
{
    levelset ls;
    build(scheme, bits, sgn, &ls);
    prep *p = tu_prep(w, n);
    double sh = eval_shift(p, &ls, alpha, norm);
    double m = 0, s = 1;
    if (norm) {
        m = p->st.mean;
        s = p->st.std;
    }
    double *q = malloc(ls.n * sizeof *q);
    for (size_t k = 0; k < ls.n; k++)
        q[k] = sh + alpha * ls.v[k];
    /* brute force */
    double se = 0, se2 = 0, emin = INFINITY, emax = -INFINITY;
    uint64_t clo = 0, chi = 0;
    enum { NB = 37 };
    errhist_stats es;
    assert_int_equal(errhist_stats_of(p, norm, &ls, sh, alpha, &es), 0);
    double lo = es.emin, hi = es.emax;
    uint64_t bc[NB] = { 0 }, bk[NB] = { 0 }, gc[NB], gk[NB];
    double wd = (hi - lo) / NB;
    for (size_t i = 0; i < n; i++) {
        double x = (w[i] - m) / s;
        size_t k = tu_nearest(q, ls.n, x);
        double e = x - q[k];
        se += e;
        se2 += e * e;
        if (e < emin)
            emin = e;
        if (e > emax)
            emax = e;
        int cl = x < q[0] || x > q[ls.n - 1];
        clo += x < q[0];
        chi += x > q[ls.n - 1];
        for (int b = 0; b < NB; b++) {
            double e0 = lo + b * wd, e1 = b + 1 == NB ? hi : lo + (b + 1) * wd;
            if (e >= e0 && (e < e1 || (b + 1 == NB && e <= e1))) {
                bc[b]++;
                bk[b] += cl;
                break;
            }
        }
    }
    assert_true(es.n == n);
    assert_true(es.emin == emin);
    assert_true(es.emax == emax);
    assert_true(es.clipped_lo == clo);
    assert_true(es.clipped_hi == chi);
    double bsc = 0;
    for (size_t i = 0; i < n; i++) {
        double x = (w[i] - m) / s;
        if (x < q[0] || x > q[ls.n - 1]) {
            double e = x - q[tu_nearest(q, ls.n, x)];
            bsc += e * e;
        }
    }
    TU_CLOSE(es.sse_clip, bsc, 1e-9);
    TU_CLOSE(es.sse, se2, 1e-9);
    TU_CLOSE(es.mean, se / (double)n, 1e-9);
    TU_CLOSE(es.rms, sqrt(se2 / (double)n), 1e-9);
    assert_int_equal(errhist_bins(p, norm, &ls, sh, alpha, lo, hi, NB, gc, gk), 0);
    uint64_t tot = 0;
    for (int b = 0; b < NB; b++) {
        if (gc[b] != bc[b] || gk[b] != bk[b]) {
            fprintf(stderr, "%s %d bits alpha %g bin %d: %llu (%llu clipped), brute force %llu (%llu)\n", scheme,
                    bits, alpha, b, (unsigned long long)gc[b], (unsigned long long)gk[b],
                    (unsigned long long)bc[b], (unsigned long long)bk[b]);
            fail();
        }
        tot += gc[b];
    }
    assert_true(tot == n);
    /* unclipped errors are within half the largest step */
    for (size_t i = 0; i < n; i++) {
        double x = (w[i] - m) / s;
        if (x >= q[0] && x <= q[ls.n - 1])
            assert_true(fabs(x - q[tu_nearest(q, ls.n, x)]) <= es.step_half * (1 + 1e-12));
    }
    free(q);
    prep_free(p);
    levels_free(&ls);
}

static void test_errhist_brute(void **st)
{
    (void)st;
    tu_rng r = { 12 };
    enum { N = 6000 };
    double *w = malloc(N * sizeof *w);
    for (size_t i = 0; i < N; i++)
        w[i] = 0.02 * tu_gauss(&r) + (i % 97 == 0 ? 0.3 * tu_laplace(&r) : 0) + 0.001;
    static const char *const sch[] = { "uniform", "pot", "apot", "int-asym", "nf4", NULL };
    for (int s = 0; sch[s]; s++)
        for (int norm = 0; norm <= 1; norm++) {
            double xm = norm ? 8 : 0.3;
            check_errhist(w, N, sch[s], 4, 1, norm, xm * 0.2);   /* heavy clipping */
            check_errhist(w, N, sch[s], strcmp(sch[s], "nf4") ? 3 : 4, 1, norm, xm * 0.7);
        }
    /* unsigned: every negative value goes to the zero level (clipped below) */
    check_errhist(w, N, "apot", 4, 0, 0, 0.05);
    check_errhist(w, N, "uniform", 5, 0, 0, 0.1);
    /* no clipping at alpha = max|w| */
    prep *p = tu_prep(w, N);
    double am = p->st.absmax;
    prep_free(p);
    check_errhist(w, N, "pot", 4, 1, 0, am);
    free(w);
}

/* log2|x| bins against every value's own log2 (the edges are exact
 * powers of two here: t0, t1 integers, one bin per octave) */
static void test_log2_bins(void **st)
{
    (void)st;
    tu_rng r = { 5 };
    enum { N = 3000, NB = 12 };
    double *w = malloc(N * sizeof *w);
    for (size_t i = 0; i < N; i++)
        w[i] = i % 50 == 0 ? 0 : ldexp(tu_gauss(&r), -3) + (i % 7 == 0 ? 0.25 : 0);
    w[1] = 0.5;     /* on an edge: 2^-1 goes to the bin starting there */
    w[2] = -0.125;
    w[3] = 8;       /* above 2^2 */
    w[4] = 1e-9;    /* below 2^-10 */
    prep *p = tu_prep(w, N);
    uint64_t cnt[NB], below, zeros, above, bc[NB] = { 0 }, bb = 0, bz = 0, ba = 0;
    assert_int_equal(errhist_log2_bins(p, 0, -10, 2, NB, cnt, &below, &zeros, &above), 0);
    for (size_t i = 0; i < N; i++) {
        double a = fabs(w[i]);
        if (a == 0) {
            bz++;
            continue;
        }
        int e;
        frexp(a, &e); /* a in [2^(e-1), 2^e) */
        int b = e - 1 + 10;
        if (a == 4.0)
            b = NB - 1; /* the last bin includes 2^2 */
        if (b < 0)
            bb++;
        else if (b >= NB)
            ba++;
        else
            bc[b]++;
    }
    assert_true(zeros == bz);
    assert_true(below == bb);
    assert_true(above == ba);
    for (int b = 0; b < NB; b++)
        assert_true(cnt[b] == bc[b]);
    assert_int_equal(errhist_log2_bins(p, 0, 1, 1, NB, cnt, NULL, NULL, NULL), -1);
    prep_free(p);
    free(w);
}

static void test_errhist_refuses(void **st)
{
    (void)st;
    double w[3] = { 1, 1, 1 };
    prep *p = tu_prep(w, 3);
    levelset ls;
    build("apot", 4, 1, &ls);
    errhist_stats es;
    uint64_t c[4];
    assert_int_equal(errhist_stats_of(p, 0, &ls, 0, 0, &es), -1);     /* alpha 0 */
    assert_int_equal(errhist_stats_of(p, 0, &ls, 0, NAN, &es), -1);
    assert_int_equal(errhist_stats_of(p, 1, &ls, 0, 1, &es), -1);     /* std 0: no normalization */
    assert_int_equal(errhist_bins(p, 0, &ls, 0, 1, 1, 1, 4, c, NULL), -1); /* empty range */
    assert_int_equal(errhist_stats_of(p, 0, &ls, 0, 1, &es), 0);
    assert_true(es.emin == 0 && es.emax == 0 && es.clipped_hi == 0);
    levels_free(&ls);
    prep_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apot4_hand),
        cmocka_unit_test(test_apot5_hand),
        cmocka_unit_test(test_pot_hand),
        cmocka_unit_test(test_every_level),
        cmocka_unit_test(test_fixed_counts),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_errhist_brute),
        cmocka_unit_test(test_log2_bins),
        cmocka_unit_test(test_errhist_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
