/*
 * test_levels.c - level sets against hand-written values and against a
 * transcription of the paper's official code (yhhhli/APoT_Quantization,
 * quant_layer.py, build_power_value), written here independently of
 * src/quant/levels.c.
 */
#include "config.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant/levels.h"

static void build(const char *s, int bits, int sgn, levelset *ls)
{
    util_err err = { { 0 } };
    levels_params prm = { 0 };
    assert_int_equal(levels_build(s, bits, sgn, &prm, ls, &err), 0);
}

static void expect_mags(const char *scheme, int bits, int sgn, const double *mag, size_t m)
{
    levelset ls;
    build(scheme, bits, sgn, &ls);
    size_t n = sgn ? 2 * m - 1 : m;
    assert_int_equal(ls.n, n);
    for (size_t k = 0; k < m; k++) {
        double want = mag[k];
        double got = ls.v[sgn ? m - 1 + k : k];
        if (fabs(got - want) > 1e-15) {
            fprintf(stderr, "%s %d bits: level %zu is %.17g, want %.17g\n", scheme, bits, k, got, want);
            fail();
        }
        if (sgn)
            assert_true(ls.v[m - 1 - k] == -got);
    }
    levels_free(&ls);
}

/* interface.md: 4-bit signed apot = {0, ±0.1, ±0.2, ±0.3, ±0.4, ±0.6, ±0.8, ±1} */
static void test_apot4_hand(void **st)
{
    (void)st;
    const double mag[] = { 0, 0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 1 };
    expect_mags("apot", 4, 1, mag, 8);
}

/* 5-bit signed: B = 4 = 2n, n = 2: p0 in {0, 1, 2^-2, 2^-4}, p1 in {0, 2^-1,
 * 2^-3, 2^-5}. In units of 2^-5 the sums are {0,32,8,2} + {0,16,4,1}:
 * 0 1 2 3 4 6 8 9 12 16 18 24 32 33 36 48, normalized by 48. */
static void test_apot5_hand(void **st)
{
    (void)st;
    const int u[] = { 0, 1, 2, 3, 4, 6, 8, 9, 12, 16, 18, 24, 32, 33, 36, 48 };
    double mag[16];
    for (int i = 0; i < 16; i++)
        mag[i] = u[i] / 48.0;
    expect_mags("apot", 5, 1, mag, 16);
    /* the same 16 magnitudes form the 4-bit unsigned set */
    expect_mags("apot", 4, 0, mag, 16);
}

/* PoT: {0} and 2^-j, j = 0 .. 2^B - 2. */
static void test_pot_hand(void **st)
{
    (void)st;
    const double pot4[] = { 0, 1.0 / 64, 1.0 / 32, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0 / 2, 1 };
    expect_mags("pot", 4, 1, pot4, 8);
    double pot5[16];
    pot5[0] = 0;
    for (int j = 0; j <= 14; j++)
        pot5[15 - j] = 1.0 / (double)(1 << j);
    expect_mags("pot", 5, 1, pot5, 16);
}

static void test_uniform_hand(void **st)
{
    (void)st;
    const double u4[] = { 0, 1 / 7.0, 2 / 7.0, 3 / 7.0, 4 / 7.0, 5 / 7.0, 6 / 7.0, 1 };
    expect_mags("uniform", 4, 1, u4, 8);
}

/* b = 2: every scheme is ternary {-1, 0, 1}. */
static void test_ternary(void **st)
{
    (void)st;
    const char *s[] = { "uniform", "pot", "apot" };
    const double mag[] = { 0, 1 };
    for (int i = 0; i < 3; i++)
        expect_mags(s[i], 2, 1, mag, 2);
}

/* The official code, transcribed: build_power_value(B, additive=True). */
static int official(int B, double *out)
{
    double a[8] = { 0 }, b[8] = { 0 }, c[8] = { 0 };
    int na = 1, nb = 1, nc = 1;
    switch (B) {
    case 2:
        for (int i = 0; i < 3; i++)
            a[na++] = pow(2, -i - 1);
        break;
    case 4:
        for (int i = 0; i < 3; i++) {
            a[na++] = pow(2, -2 * i - 1);
            b[nb++] = pow(2, -2 * i - 2);
        }
        break;
    case 6:
        for (int i = 0; i < 3; i++) {
            a[na++] = pow(2, -3 * i - 1);
            b[nb++] = pow(2, -3 * i - 2);
            c[nc++] = pow(2, -3 * i - 3);
        }
        break;
    case 3:
        for (int i = 0; i < 3; i++) {
            if (i < 2)
                a[na++] = pow(2, -i - 1);
            else {
                b[nb++] = pow(2, -i - 1);
                a[na++] = pow(2, -i - 2);
            }
        }
        break;
    case 5:
        for (int i = 0; i < 3; i++) {
            if (i < 2) {
                a[na++] = pow(2, -2 * i - 1);
                b[nb++] = pow(2, -2 * i - 2);
            } else {
                c[nc++] = pow(2, -2 * i - 1);
                a[na++] = pow(2, -2 * i - 2);
                b[nb++] = pow(2, -2 * i - 3);
            }
        }
        break;
    default:
        return 0;
    }
    int n = 0;
    for (int i = 0; i < na; i++)
        for (int j = 0; j < nb; j++)
            for (int k = 0; k < nc; k++) {
                double v = a[i] + b[j] + c[k];
                int dup = 0;
                for (int t = 0; t < n; t++)
                    dup |= out[t] == v;
                if (!dup)
                    out[n++] = v;
            }
    double mx = 0;
    for (int i = 0; i < n; i++)
        mx = fmax(mx, out[i]);
    for (int i = 0; i < n; i++)
        out[i] /= mx;
    /* sort */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && out[j] < out[j - 1]; j--) {
            double t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

/* Signed weights with b bits use B = b - 1 in the official code
 * (weight_quantize_fn: self.w_bit = w_bit - 1); activations (unsigned)
 * use B = b. b = 2 (B = 1) is uniform there; interface.md gives {0, 1}. */
static void test_official(void **st)
{
    (void)st;
    double off[128];
    for (int bits = 3; bits <= 6; bits++) {
        int m = official(bits - 1, off);
        assert_int_equal(m, 1 << (bits - 1));
        expect_mags("apot", bits, 1, off, (size_t)m);
    }
    for (int bits = 2; bits <= 6; bits++) {
        int m = official(bits, off);
        assert_int_equal(m, 1 << bits);
        expect_mags("apot", bits, 0, off, (size_t)m);
    }
}

/* 7 and 8 bits extend the k = 2 formula: B = 6 (even) matches official(6);
 * B = 7: n = 3 terms {0, 2^-i, 2^-(i+3), 2^-(i+7)} plus {0, 2^-6}. */
static void test_apot78(void **st)
{
    (void)st;
    double off[128];
    int m = official(6, off);
    expect_mags("apot", 7, 1, off, (size_t)m);
    /* B = 7 by brute force from the formula */
    double mag[128];
    int n = 0;
    for (int c0 = 0; c0 < 4; c0++)
        for (int c1 = 0; c1 < 4; c1++)
            for (int c2 = 0; c2 < 4; c2++)
                for (int c3 = 0; c3 < 2; c3++) {
                    int cs[3] = { c0, c1, c2 };
                    double s = 0;
                    for (int i = 0; i < 3; i++) {
                        int e[4] = { -1, i, i + 3, i + 7 };
                        if (e[cs[i]] >= 0)
                            s += pow(2, -e[cs[i]]);
                    }
                    if (c3)
                        s += pow(2, -6);
                    mag[n++] = s;
                }
    assert_int_equal(n, 128);
    double mx = 0;
    for (int i = 0; i < n; i++)
        mx = fmax(mx, mag[i]);
    for (int i = 0; i < n; i++)
        mag[i] /= mx;
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && mag[j] < mag[j - 1]; j--) {
            double t = mag[j];
            mag[j] = mag[j - 1];
            mag[j - 1] = t;
        }
    for (int i = 1; i < n; i++)
        assert_true(mag[i] > mag[i - 1]); /* all distinct */
    expect_mags("apot", 8, 1, mag, 128);
}

/* Every scheme, every width: counts, ascending, symmetric, max exactly 1. */
static void test_invariants(void **st)
{
    (void)st;
    const char *s[] = { "uniform", "pot", "apot" };
    for (int i = 0; i < 3; i++)
        for (int bits = 2; bits <= 8; bits++)
            for (int sgn = 0; sgn <= 1; sgn++) {
                levelset ls;
                build(s[i], bits, sgn, &ls);
                size_t want = sgn ? ((size_t)1 << bits) - 1 : (size_t)1 << bits;
                assert_int_equal(ls.n, want);
                assert_true(ls.v[ls.n - 1] == 1.0);
                assert_true(ls.v[0] == (sgn ? -1.0 : 0.0));
                for (size_t k = 1; k < ls.n; k++)
                    assert_true(ls.v[k] > ls.v[k - 1]);
                for (size_t k = 0; sgn && k < ls.n; k++)
                    assert_true(ls.v[k] == -ls.v[ls.n - 1 - k]);
                levels_free(&ls);
            }
}

/* Cost model: terms per level. pot: 1; uniform: popcount(j); apot: number
 * of nonzero additive terms (4-bit: 0.1 = 1/8 * 0.8 -> ... by hand below). */
static void test_costs(void **st)
{
    (void)st;
    levelset ls;
    build("uniform", 4, 1, &ls); /* j = 0..7 -> popcount 0 1 1 2 1 2 2 3 */
    const int pu[] = { 0, 1, 1, 2, 1, 2, 2, 3 };
    for (int j = 0; j < 8; j++)
        assert_int_equal(ls.terms[7 + j], pu[j]);
    levels_free(&ls);
    build("pot", 4, 1, &ls);
    for (size_t k = 0; k < ls.n; k++)
        assert_int_equal(ls.terms[k], ls.v[k] == 0 ? 0 : 1);
    levels_free(&ls);
    /* 4-bit apot, unnormalized sums (x 5/4 ... in units of 1/8):
     * 0.1->1/8 (1 term), 0.2->1/4 (1), 0.3->3/8 = 1/4+1/8 (2), 0.4->1/2 (1),
     * 0.6->3/4 = 1/2+1/4 (2), 0.8->1 (1), 1->5/4 = 1+1/4 (2). */
    build("apot", 4, 1, &ls);
    const int pa[] = { 0, 1, 1, 2, 1, 2, 1, 2 };
    for (int j = 0; j < 8; j++)
        assert_int_equal(ls.terms[7 + j], pa[j]);
    levels_free(&ls);
    assert_int_equal(levels_popcount_dyadic(0.375), 2);
    assert_int_equal(levels_popcount_dyadic(7), 3);
    assert_int_equal(levels_popcount_dyadic(0), 0);
}

static void test_errors(void **st)
{
    (void)st;
    levelset ls;
    util_err err = { { 0 } };
    assert_int_equal(levels_build("nope", 4, 1, NULL, &ls, &err), -1);
    assert_non_null(strstr(err.msg, "nope"));
    util_err_clear(&err);
    assert_int_equal(levels_build("apot", 9, 1, NULL, &ls, &err), -1);
    assert_non_null(strstr(err.msg, "bits"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apot4_hand),
        cmocka_unit_test(test_apot5_hand),
        cmocka_unit_test(test_pot_hand),
        cmocka_unit_test(test_uniform_hand),
        cmocka_unit_test(test_ternary),
        cmocka_unit_test(test_official),
        cmocka_unit_test(test_apot78),
        cmocka_unit_test(test_invariants),
        cmocka_unit_test(test_costs),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
