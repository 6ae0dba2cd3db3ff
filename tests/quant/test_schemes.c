/*
 * test_schemes.c - the level sets of issue 6 against values written out by
 * hand from their specifications, and the engine on them against brute force.
 */
#include "config.h"
#include "testutil.h"

#include <stdio.h>
#include <unistd.h>
#include "quant/levels.h"
#include "quant/schemes.h"
#include "quant/eval.h"
#include "quant/analyze.h"

static levelset build(const char *s, int bits, int is_signed)
{
    levelset ls;
    util_err e = { { 0 } };
    if (levels_build(s, bits, is_signed, NULL, &ls, &e) < 0)
        fail_msg("%s: %s", s, e.msg);
    return ls;
}

/* positive values of a signed set, times `scale` */
static void check_positive(const levelset *ls, double scale, const double *want, size_t n)
{
    size_t pos = 0;
    for (size_t k = 0; k < ls->n; k++)
        if (ls->v[k] > 0) {
            assert_true(pos < n);
            TU_CLOSE(ls->v[k] * scale, want[pos], 1e-15);
            pos++;
        }
    assert_int_equal(pos, n);
}

static void test_fp4_e2m1(void **st)
{
    (void)st;
    /* OCP MX v1.0, table 5: E2M1, bias 1, max normal 6.0, min subnormal 0.5 */
    levelset ls = build("fp4-e2m1", 4, 1);
    assert_int_equal(ls.n, 15);
    static const double want[] = { 0.5, 1, 1.5, 2, 3, 4, 6 };
    check_positive(&ls, 6.0, want, 7);
    assert_true(ls.v[7] == 0);
    /* costs: 1.5 = 1 + 0.5 and 3, 6 have two ones; powers of two one */
    assert_int_equal(ls.terms[14], 2);
    assert_int_equal(ls.terms[13], 1);
    levels_free(&ls);
}

static void test_fp6(void **st)
{
    (void)st;
    /* E2M3: bias 1, max normal 7.5, min subnormal 0.125 */
    levelset a = build("fp6-e2m3", 6, 1);
    assert_int_equal(a.n, 63);
    TU_CLOSE(a.v[32] * 7.5, 0.125, 1e-15);
    TU_CLOSE(a.v[33] * 7.5, 0.25, 1e-15);
    TU_CLOSE(a.v[61] * 7.5, 7.0, 1e-15);
    levels_free(&a);
    /* E3M2: bias 3, max normal 28, min subnormal 0.0625 */
    levelset b = build("fp6-e3m2", 6, 1);
    assert_int_equal(b.n, 63);
    TU_CLOSE(b.v[32] * 28, 0.0625, 1e-15);
    TU_CLOSE(b.v[61] * 28, 24, 1e-15);
    /* smallest normal 2^(1-3) = 0.25 is the 4th positive value */
    TU_CLOSE(b.v[35] * 28, 0.25, 1e-15);
    levels_free(&b);
}

static void test_fp8(void **st)
{
    (void)st;
    /* OFP8 E4M3: bias 7, max 448 = 1.75 * 2^8, S.1111.111 is NaN, no inf;
     * min subnormal 2^-9, min normal 2^-6; 127 magnitudes incl. 0 */
    levelset a = build("fp8-e4m3", 8, 1);
    assert_int_equal(a.n, 253);
    TU_CLOSE(a.v[127] * 448, ldexp(1, -9), 1e-15);
    TU_CLOSE(a.v[127 + 7] * 448, ldexp(1, -6), 1e-15);   /* 7 subnormals then 2^-6 */
    TU_CLOSE(a.v[251] * 448, 416, 1e-15);
    assert_true(a.v[252] == 1.0);
    levels_free(&a);
    /* E5M2: bias 15, max 57344 = 1.75 * 2^15, min subnormal 2^-16; exponent
     * 31 is inf/NaN: 124 magnitudes incl. 0 */
    levelset b = build("fp8-e5m2", 8, 1);
    assert_int_equal(b.n, 247);
    TU_CLOSE(b.v[124] * 57344, ldexp(1, -16), 1e-15);
    TU_CLOSE(b.v[245] * 57344, 49152, 1e-15);
    levels_free(&b);
}

static void test_nf4(void **st)
{
    (void)st;
    /* QLoRA (Dettmers et al. 2023), appendix E, NF4 data type values */
    static const double want[16] = {
        -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
        -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
        0.07958029955625534, 0.16093020141124725, 0.24611230194568634,
        0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
        0.7229568362236023, 1.0,
    };
    levelset ls = build("nf4", 4, 1);
    assert_int_equal(ls.n, 16);
    for (int i = 0; i < 16; i++)
        assert_true(ls.v[i] == want[i]);
    levels_free(&ls);
    levelset bad;
    util_err e = { { 0 } };
    assert_int_equal(levels_build("nf4", 3, 1, NULL, &bad, &e), -1);
    assert_int_equal(levels_build("nf4", 4, 0, NULL, &bad, &e), -1);
}

static void test_log2_sqrt2(void **st)
{
    (void)st;
    levelset ls = build("log2-sqrt2", 4, 1);
    assert_int_equal(ls.n, 15);
    /* 0 and sqrt(2)^-j, j = 0..6 */
    static const double want[] = { 0.125, 0.17677669529663687, 0.25, 0.35355339059327379,
                                   0.5, 0.70710678118654757, 1 };
    check_positive(&ls, 1, want, 7);
    levels_free(&ls);
}

static void test_apot_k(void **st)
{
    (void)st;
    levels_params k1 = { 1, NULL }, k3 = { 3, NULL };
    levelset ls;
    util_err e = { { 0 } };
    /* k = 1: n = B terms p_i in {0, 2^-i}: all multiples of 2^-(B-1) up to
     * 2 - 2^-(B-1): uniform 0..7 / 7 for 4-bit signed */
    assert_int_equal(levels_build("apot", 4, 1, &k1, &ls, &e), 0);
    assert_int_equal(ls.n, 15);
    for (int j = 0; j < 8; j++)
        TU_CLOSE(ls.v[7 + j], j / 7.0, 1e-15);
    levels_free(&ls);
    /* k = 3, B = 3: n = 1, p_0 in {0, 2^0, 2^-1, ..., 2^-6}: PoT */
    assert_int_equal(levels_build("apot", 4, 1, &k3, &ls, &e), 0);
    assert_int_equal(ls.n, 15);
    for (int j = 0; j < 7; j++)
        TU_CLOSE(ls.v[14 - j], ldexp(1, -j), 1e-15);
    levels_free(&ls);
    /* k = 3, B = 6 (7-bit signed): n = 2, p_0 in {0, 1, 2^-2, ..., 2^-12},
     * p_1 in {0, 2^-1, 2^-3, ..., 2^-13}: 64 sums, all distinct */
    assert_int_equal(levels_build("apot", 7, 1, &k3, &ls, &e), 0);
    assert_int_equal(ls.n, 127);
    /* the largest sum 1 + 1/2 normalizes to 1; the next is 1 + 1/8 */
    TU_CLOSE(ls.v[125], (1 + 0.125) / 1.5, 1e-15);
    TU_CLOSE(ls.v[64], ldexp(1, -13) / 1.5, 1e-15);
    levels_free(&ls);
    /* k = 2 stays the paper's: 4-bit signed {0, .1, .2, .3, .4, .6, .8, 1} */
    levels_params k2 = { 2, NULL };
    assert_int_equal(levels_build("apot", 4, 1, &k2, &ls, &e), 0);
    static const double want[] = { 0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 1 };
    check_positive(&ls, 1, want, 7);
    levels_free(&ls);
}

static void test_int_asym(void **st)
{
    (void)st;
    levelset ls = build("int-asym", 4, 1);
    assert_int_equal(ls.n, 16);
    assert_true(ls.asym);
    /* a skewed tensor: brute force with the zero-point definition */
    tu_rng r = { 7 };
    size_t n = 3000;
    double *x = malloc(n * sizeof *x);
    double mn = INFINITY, mx = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        x[i] = 0.3 + fabs(tu_gauss(&r)) * 0.5 - 0.1 * tu_uniform(&r);
        mn = fmin(mn, x[i]);
        mx = fmax(mx, x[i]);
    }
    prep *p = tu_prep(x, n);
    TU_CLOSE(eval_alpha_max(p, &ls, 0), (mx - mn) / 2, 1e-12);
    double alphas[] = { 0.1, 0.2, (mx - mn) / 2, 0.37 };
    for (int t = 0; t < 4; t++) {
        double a = alphas[t], scale = 2 * a / 15, c = (mn + mx) / 2;
        double zp = round((a - c) / scale);
        zp = zp < 0 ? 0 : zp > 15 ? 15 : zp;
        double q[16];
        for (int j = 0; j < 16; j++)
            q[j] = (j - zp) * scale;
        TU_CLOSE(eval_mse(p, &ls, a, 0), tu_sse(x, n, q, 16) / (double)n, 1e-9);
    }
    /* at alpha max with a zero point the range covers [min, max] up to half
     * a step; with min > 0 the zero point is 0 and the levels are j * scale */
    double best_mse, best = eval_best_alpha(p, &ls, 0, &best_mse);
    for (int i = 1; i <= 400; i++) {
        double a = (mx - mn) / 2 * i / 400.0, scale = 2 * a / 15, c = (mn + mx) / 2;
        double zp = round((a - c) / scale);
        zp = zp < 0 ? 0 : zp > 15 ? 15 : zp;
        double q[16];
        for (int j = 0; j < 16; j++)
            q[j] = (j - zp) * scale;
        assert_true(best_mse <= tu_sse(x, n, q, 16) / (double)n * (1 + 1e-6));
    }
    assert_true(best > 0);
    prep_free(p);
    free(x);
    levels_free(&ls);
}

/* Every scheme of the table: sorted, max |v| = 1, and the engine's mse on a
 * heavy-tailed tensor equals brute force at a few alphas. */
static void test_all_schemes_vs_brute(void **st)
{
    (void)st;
    tu_rng r = { 11 };
    size_t n = 2000;
    double *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = 0.05 * tu_laplace(&r) + 0.01;
    prep *p = tu_prep(x, n);
    for (size_t s = 0; levels_schemes[s]; s++) {
        const scheme_def *d = levels_schemes[s];
        if (d->flags & SCHEME_ARG)
            continue;
        for (int sg = 0; sg < 2; sg++) {
            levelset ls;
            util_err e = { { 0 } };
            if (levels_build(d->name, d->max_bits, sg, NULL, &ls, &e) < 0)
                continue;
            double top = 0;
            for (size_t k = 0; k < ls.n; k++) {
                if (k)
                    assert_true(ls.v[k] > ls.v[k - 1]);
                top = fmax(top, fabs(ls.v[k]));
            }
            assert_true(top == 1.0);
            if (ls.asym) {
                levels_free(&ls);
                continue;
            }
            double *q = malloc(ls.n * sizeof *q);
            for (double a = 0.02; a < 0.5; a *= 2.3) {
                for (size_t k = 0; k < ls.n; k++)
                    q[k] = a * ls.v[k];
                TU_CLOSE(eval_mse(p, &ls, a, 0), tu_sse(x, n, q, ls.n) / (double)n, 1e-9);
            }
            free(q);
            levels_free(&ls);
        }
    }
    prep_free(p);
    free(x);
}

static void test_custom(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp(), *path = tu_path(dir, "levels.txt"), name[4200];
    FILE *fp = fopen(path, "w");
    fputs("# my levels\n-2\n\n  -0.5\n0\n1.0 # comment\n4\n1\n", fp);
    fclose(fp);
    snprintf(name, sizeof name, "custom:%s", path);
    levelset ls = build(name, 4, 1);
    assert_int_equal(ls.n, 5);
    static const double want[] = { -0.5, -0.125, 0, 0.25, 1 };
    for (int i = 0; i < 5; i++)
        TU_CLOSE(ls.v[i], want[i], 1e-15);
    assert_string_equal(ls.scheme, name);
    levels_free(&ls);
    /* errors */
    util_err e = { { 0 } };
    fp = fopen(path, "w");
    fputs("0.5\nabc\n", fp);
    fclose(fp);
    assert_int_equal(levels_build(name, 4, 1, NULL, &ls, &e), -1);
    assert_non_null(strstr(e.msg, "line 2"));
    fp = fopen(path, "w");
    fputs("3\n3\n", fp);
    fclose(fp);
    e.msg[0] = '\0';
    assert_int_equal(levels_build(name, 4, 1, NULL, &ls, &e), -1);
    assert_non_null(strstr(e.msg, "at least 2"));
    remove(path);
    e.msg[0] = '\0';
    assert_int_equal(levels_build(name, 4, 1, NULL, &ls, &e), -1);
    assert_non_null(strstr(e.msg, "No such file"));
    tu_rmdir(dir);
    free(path);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fp4_e2m1),
        cmocka_unit_test(test_fp6),
        cmocka_unit_test(test_fp8),
        cmocka_unit_test(test_nf4),
        cmocka_unit_test(test_log2_sqrt2),
        cmocka_unit_test(test_apot_k),
        cmocka_unit_test(test_int_asym),
        cmocka_unit_test(test_all_schemes_vs_brute),
        cmocka_unit_test(test_custom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
