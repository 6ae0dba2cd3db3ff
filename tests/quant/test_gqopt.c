/*
 * test_gqopt.c - the exact per-group mse optimum (gq_opt.c, reached by
 * gq_opt_alpha and by --granularity=group:G --alpha=mse) against a brute
 * force written here:
 *   - the exact global optimum by enumeration: every alpha where some x_i
 *     / alpha crosses a midpoint of the level set is a breakpoint; between
 *     two, each value's level is fixed (found here by a nearest-level
 *     search at the piece's middle), SSE is a quadratic whose minimum is
 *     B / C clamped to the piece; the SSE at every such candidate and at
 *     every breakpoint is summed directly in long double;
 *   - a dense 2000-point search over (0, max|x|];
 * for uniform, pot and apot, bits 2..8, on random and adversarial groups
 * (ties, all equal, one outlier, zeros, values on the decision boundaries
 * of alpha = max|x|, tiny and ragged groups); and the engine on a tensor
 * with a NaN, an all-zero group and a ragged last group: 1 and 2 threads
 * bit-identical, and the total within the fp32 scale's rounding of the
 * sum of the enumerated optima.
 */
#include "config.h"
#include "testutil.h"
#include "quant/gq.h"
#include "quant/group.h"
#include "quant/levels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const levels_params LP = { 0, NULL };

/* the nearest level to t of v (ascending, L), ties to the lower */
static long double nearest(const double *v, size_t L, long double t)
{
    size_t lo = 0, hi = L - 1;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if ((long double)v[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    long double a = v[lo], b = v[hi];
    return fabsl(t - a) <= fabsl(b - t) ? a : b;
}

/* the SSE at alpha, the nearest level of each value summed directly */
static long double sse_at(const double *v, size_t L, const double *x, size_t n, long double a)
{
    long double s = 0;
    for (size_t i = 0; i < n; i++) {
        long double q = a > 0 ? a * nearest(v, L, (long double)x[i] / a) : 0;
        long double e = (long double)x[i] - q;
        s += e * e;
    }
    return s;
}

static int cmp_ld(const void *p, const void *q)
{
    long double a = *(const long double *)p, b = *(const long double *)q;
    return a < b ? -1 : a > b;
}

/* the exact minimum of SSE over alpha in (0, amax] by enumeration */
static long double exact_min(const double *v, size_t L, const double *x, size_t n, double amax)
{
    size_t cap = n * L + 2, nb = 0;
    long double *bp = malloc(cap * sizeof *bp);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k + 1 < L; k++) {
            long double md = ((long double)v[k] + v[k + 1]) / 2;
            if (md == 0 || x[i] == 0)
                continue;
            long double a = (long double)x[i] / md;
            if (a > 0 && a <= amax)
                bp[nb++] = a;
        }
    bp[nb++] = amax;
    qsort(bp, nb, sizeof *bp, cmp_ld);
    long double best = sse_at(v, L, x, n, amax), lo = 0;
    for (size_t p = 0; p < nb; p++) {
        long double hi = bp[p];
        if (!(hi > lo))
            continue;
        long double mid = lo > 0 ? (lo + hi) / 2 : hi / 2, B = 0, C = 0;
        for (size_t i = 0; i < n; i++) {
            long double l = nearest(v, L, (long double)x[i] / mid);
            B += (long double)x[i] * l;
            C += l * l;
        }
        long double a = C > 0 ? B / C : hi;
        a = a > hi ? hi : a < lo ? lo : a;
        long double f = a > 0 ? sse_at(v, L, x, n, a) : INFINITY;
        long double fh = sse_at(v, L, x, n, hi);
        best = f < best ? f : best;
        best = fh < best ? fh : best;
        lo = hi;
    }
    free(bp);
    return best;
}

static double amax_of(const double *x, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(x[i]));
    return m;
}

static double bf16(double d)
{
    float f = (float)d;
    uint32_t b;
    memcpy(&b, &f, 4);
    b = (b + 0x7fffu + ((b >> 16) & 1)) & 0xffff0000u;
    memcpy(&f, &b, 4);
    return f;
}

static int nchecked;

/* gq_opt_alpha on one group: alpha in (0, amax] (0 for an all-zero
 * group), its SSE (summed here) equal to the enumerated optimum within
 * 1e-10 and no worse than the dense search */
static void check_group(const char *scheme, int bits, const double *x, size_t n, const char *what)
{
    levelset ls;
    util_err e = { { 0 } };
    assert_int_equal(levels_build(scheme, bits, 1, &LP, &ls, &e), 0);
    double sse_prog;
    double a = gq_opt_alpha(&ls, x, n, &sse_prog);
    double am = amax_of(x, n);
    if (!(am > 0)) {
        assert_true(a == 0 && sse_prog == 0);
        levels_free(&ls);
        return;
    }
    if (!(a > 0 && a <= am)) {
        print_error("%s %d-bit %s: alpha %.17g outside (0, %.17g]\n", scheme, bits, what, a, am);
        fail();
    }
    long double got = sse_at(ls.v, ls.n, x, n, a);
    long double ref = exact_min(ls.v, ls.n, x, n, am);
    long double dense = INFINITY;
    for (int k = 1; k <= 2000; k++) {
        long double f = sse_at(ls.v, ls.n, x, n, (long double)am * k / 2000);
        dense = f < dense ? f : dense;
    }
    long double tiny = 1e-300L;
    if (!(got <= ref * (1 + 1e-10L) + tiny) || !(got <= dense * (1 + 1e-12L) + tiny)) {
        print_error("%s %d-bit %s (n %zu): alpha %.17g sse %.17Lg, enumerated %.17Lg, dense %.17Lg\n",
                    scheme, bits, what, n, a, got, ref, dense);
        fail();
    }
    /* (the enumeration is exact: nothing beats it) */
    assert_true(ref <= got * (1 + 1e-12L) + tiny && ref <= dense * (1 + 1e-12L) + tiny);
    nchecked++;
    levels_free(&ls);
}

enum { GN = 128 };

/* the groups: kind k of n values */
static size_t make_group(int k, tu_rng *g, double *x, const char *scheme, int bits,
                         const char **what)
{
    size_t n = GN;
    switch (k) {
    case 0:
        *what = "gauss";
        for (size_t i = 0; i < n; i++)
            x[i] = bf16(tu_gauss(g) * 0.02);
        break;
    case 1:
        *what = "laplace";
        for (size_t i = 0; i < n; i++)
            x[i] = bf16(tu_laplace(g));
        break;
    case 2:
        *what = "uniform values";
        for (size_t i = 0; i < n; i++)
            x[i] = tu_uniform(g) * 2 - 1;
        break;
    case 3:   /* many ties: a coarse grid of both signs */
        *what = "ties";
        for (size_t i = 0; i < n; i++)
            x[i] = (double)(int)(tu_gauss(g) * 3) / 4;
        x[5] = 2.5;
        break;
    case 4:
        *what = "all equal";
        for (size_t i = 0; i < n; i++)
            x[i] = 0.375;
        break;
    case 5:
        *what = "all equal, both signs";
        for (size_t i = 0; i < n; i++)
            x[i] = i % 3 ? 1.25 : -1.25;
        break;
    case 6:
        *what = "one outlier";
        for (size_t i = 0; i < n; i++)
            x[i] = i == 77 ? -40 : tu_gauss(g);
        break;
    case 7:
        *what = "zeros";
        for (size_t i = 0; i < n; i++)
            x[i] = i % 4 ? 0 : tu_gauss(g);
        break;
    case 8: { /* values on the decision boundaries of alpha = 1 */
        *what = "on the boundaries";
        levelset ls;
        util_err e = { { 0 } };
        assert_int_equal(levels_build(scheme, bits, 1, &LP, &ls, &e), 0);
        for (size_t i = 0; i < n; i++) {
            size_t j = (size_t)(tu_uniform(g) * (double)(ls.n - 1));
            double md = (ls.v[j] + ls.v[j + 1]) / 2;
            x[i] = i % 5 == 0 ? tu_gauss(g) * 0.3 : md;
        }
        x[0] = 1;
        levels_free(&ls);
        break;
    }
    case 9:
        *what = "n 1";
        x[0] = -0.7;
        n = 1;
        break;
    case 10:
        *what = "n 2";
        x[0] = 0.3;
        x[1] = -1.1;
        n = 2;
        break;
    case 11:
        *what = "n 7 (ragged)";
        n = 7;
        for (size_t i = 0; i < n; i++)
            x[i] = tu_gauss(g);
        break;
    case 12:
        *what = "n 37 heavy tail";
        n = 37;
        for (size_t i = 0; i < n; i++)
            x[i] = tu_laplace(g) * tu_laplace(g);
        break;
    case 13:
        *what = "all zero";
        for (size_t i = 0; i < n; i++)
            x[i] = 0;
        break;
    default:
        *what = "gauss, n 300";
        n = 300;
        for (size_t i = 0; i < n; i++)
            x[i] = tu_gauss(g);
        break;
    }
    return n;
}

static void t_groups(void **st)
{
    (void)st;
    const char *sch[] = { "uniform", "pot", "apot" };
    double x[300];
    tu_rng g = { 17 };
    for (int s = 0; s < 3; s++)
        for (int bits = 2; bits <= 8; bits++)
            for (int k = 0; k <= 14; k++) {
                /* (8 bits: the enumeration is n * 255 pieces of n
                 * searches; a few kinds suffice) */
                if (bits == 8 && k != 0 && k != 3 && k != 6 && k != 8)
                    continue;
                const char *what;
                size_t n = make_group(k, &g, x, sch[s], bits, &what);
                check_group(sch[s], bits, x, n, what);
            }
    /* more random groups at the bit widths people use */
    for (int rep = 0; rep < 40; rep++)
        for (int s = 0; s < 3; s++) {
            const char *what;
            size_t n = make_group(rep % 3, &g, x, sch[s], 4, &what);
            check_group(sch[s], rep % 7 == 6 ? 3 : 4, x, n, what);
        }
    assert_true(nchecked > 300);
}

/* ---- the engine: NaN, zeros, ragged, threads ------------------------------------ */

enum { ROWS = 40, COLS = 300, G = 128 };   /* 300 = 128 + 128 + 44: ragged */

static void t_engine(void **st)
{
    (void)st;
    static double w[ROWS * COLS];
    tu_rng g = { 23 };
    for (int i = 0; i < ROWS * COLS; i++)
        w[i] = bf16(tu_gauss(&g) * (1 + (i / COLS) % 5) * 0.01);
    w[3 * COLS + 17] = NAN;          /* a NaN inside a group */
    for (int j = 0; j < G; j++)      /* row 7's first group all zero */
        w[7 * COLS + j] = 0;
    w[9 * COLS + 299] = 0.5;         /* an outlier in a ragged group */
    uint64_t sh[2] = { ROWS, COLS };
    group_tensor t = { w, 1, 2, sh, ROWS * COLS };
    const char *sc[3] = { "uniform", "pot", "apot" };
    analyze_cfg c;
    memset(&c, 0, sizeof c);
    c.bits = 4;
    c.is_signed = 1;
    c.amode = ALPHA_MSE;
    c.sdtype = SCALE_FP32;
    c.gran = GRAN_GROUP;
    c.group = G;
    analyze_result r1[3], r2[3];
    int h[3];
    util_err e = { { 0 } };
    c.nthreads = 1;
    assert_int_equal(group_analyze(&t, &c, sc, 3, r1, h, &e), 0);
    c.nthreads = 2;
    assert_int_equal(group_analyze(&t, &c, sc, 3, r2, h, &e), 0);
    for (int s = 0; s < 3; s++) {
        assert_true(r1[s].ok && r2[s].ok);
        assert_memory_equal(&r1[s].r.mse, &r2[s].r.mse, sizeof(double));
        assert_memory_equal(&r1[s].r.alpha, &r2[s].r.alpha, sizeof(double));
        assert_int_equal(r1[s].r.n, ROWS * COLS - 1);   /* the NaN is left out */
        /* the enumerated optimum of every group (the NaN dropped) */
        levelset ls;
        assert_int_equal(levels_build(sc[s], 4, 1, &LP, &ls, &e), 0);
        long double tot = 0;
        double x[G];
        for (int r = 0; r < ROWS; r++)
            for (int c0 = 0; c0 < COLS; c0 += G) {
                size_t n = 0;
                for (int j = c0; j < COLS && j < c0 + G; j++)
                    if (isfinite(w[r * COLS + j]))
                        x[n++] = w[r * COLS + j];
                double am = amax_of(x, n);
                if (am > 0)
                    tot += exact_min(ls.v, ls.n, x, n, am);
            }
        levels_free(&ls);
        double sse = r1[s].r.mse * (double)r1[s].r.n;
        /* the fp32 scale moves alpha by < 2^-24 relative: the SSE by
         * less than 1e-6 of it, never below the optimum (but for the
         * engine's own rounding of the sums: its float kernels, 1e-9) */
        if (!(sse <= (double)tot * (1 + 1e-6) && sse >= (double)tot * (1 - 1e-9))) {
            print_error("%s: engine sse %.17g, enumerated %.17Lg\n", sc[s], sse, tot);
            fail();
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_groups),
        cmocka_unit_test(t_engine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
