/*
 * test_group.c - per-channel / per-group scales and mxfp4 (quant/group.h)
 * against brute force written here: every element quantized with its
 * slice's alpha by a linear scan of the levels; MX blocks from the OCP
 * definition (scale 2^(floor(log2 amax) - 2), E2M1 values written out).
 */
#include "config.h"
#include "testutil.h"
#include "quant/group.h"

#include <stdio.h>

typedef struct bf {
    double sse, sumsq, maxerr;
    uint64_t n, clipped;
} bf;

/* nearest level by a linear scan; q = sh + a v */
static double bf_q(const levelset *ls, double x, double a, double sh)
{
    double best = 0, be = INFINITY;
    for (size_t k = 0; k < ls->n; k++) {
        double q = sh + a * ls->v[k];
        if (fabs(x - q) < be) {
            be = fabs(x - q);
            best = q;
        }
    }
    return best;
}

static void bf_add(bf *b, const levelset *ls, const double *x, size_t n, double a)
{
    for (size_t i = 0; i < n; i++) {
        double e = x[i] - bf_q(ls, x[i], a, 0);
        b->sse += e * e;
        b->sumsq += x[i] * x[i];
        if (fabs(e) > b->maxerr)
            b->maxerr = fabs(e);
        if (fabs(x[i]) > a)
            b->clipped++;
        b->n++;
    }
}

static double bf_sse(const levelset *ls, const double *x, size_t n, double a)
{
    bf b = { 0 };
    bf_add(&b, ls, x, n, a);
    return b.sse;
}

static double amax_of(const double *x, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(x[i]));
    return m;
}

static void close_rel(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol * fmax(fabs(want), 1e-300))) {
        print_error("got %.17g want %.17g\n", got, want);
        fail();
    }
}

/* A [5, 7, 9] tensor: channel c (axis 0) scaled by 10^(c - 2), channel 3
 * constant 0.7, one NaN in channel 1. */
enum { D0 = 5, D1 = 7, D2 = 9, N = D0 * D1 * D2 };
static double W[N];
static const levels_params LP = { 0, NULL };
static const uint64_t SHAPE[3] = { D0, D1, D2 };

static void make_tensor(void)
{
    tu_rng r = { 42 };
    for (int c = 0; c < D0; c++)
        for (int i = 0; i < D1 * D2; i++) {
            double v = tu_laplace(&r) * pow(10.0, c - 2);
            W[c * D1 * D2 + i] = c == 3 ? 0.7 : v;
        }
    W[1 * D1 * D2 + 20] = NAN;
}

static group_tensor tensor(void)
{
    group_tensor t = { W, 1, 3, SHAPE, N };
    return t;
}

static analyze_cfg cfg_of(int bits, alpha_mode m, granularity g, uint64_t G, int axis)
{
    analyze_cfg c;
    memset(&c, 0, sizeof c);
    c.bits = bits;
    c.is_signed = 1;
    c.amode = m;
    c.gran = g;
    c.group = G;
    c.axis = axis;
    c.no_gap = 1;
    return c;
}

/* gather channel ch along axis (finite only) */
static size_t chan(int axis, uint64_t ch, double *out)
{
    size_t n = 0;
    for (int i = 0; i < D0; i++)
        for (int j = 0; j < D1; j++)
            for (int k = 0; k < D2; k++) {
                int idx[3] = { i, j, k };
                if ((uint64_t)idx[axis] != ch)
                    continue;
                double v = W[(i * D1 + j) * D2 + k];
                if (isfinite(v))
                    out[n++] = v;
            }
    return n;
}

static void check_channel_max(int axis, const char *scheme, int bits)
{
    group_tensor t = tensor();
    analyze_cfg c = cfg_of(bits, ALPHA_MAX, GRAN_CHANNEL, 0, axis);
    analyze_result r;
    int h;
    util_err e = { { 0 } };
    assert_int_equal(group_analyze(&t, &c, &scheme, 1, &r, &h, &e), 0);
    assert_true(h && r.ok);
    levelset ls;
    assert_int_equal(levels_build(scheme, bits, 1, &LP, &ls, &e), 0);
    bf b = { 0 };
    double x[N];
    for (uint64_t ch = 0; ch < SHAPE[axis]; ch++) {
        size_t n = chan(axis, ch, x);
        double a = amax_of(x, n);
        bf_add(&b, &ls, x, n, a > 0 ? a : 1);
    }
    assert_int_equal(r.r.n, N - 1);
    close_rel(r.r.mse, b.sse / (double)b.n, 1e-9);
    close_rel(r.r.max_abs_err, b.maxerr, 1e-12);
    assert_true(r.r.clipped == 0);
    close_rel(r.r.sqnr_db, 10 * log10(b.sumsq / b.sse), 1e-9);
    close_rel(r.bpw, bits + 16.0 * (double)SHAPE[axis] / N, 1e-15);
    char want[32];
    snprintf(want, sizeof want, "channel:%d", axis);
    assert_string_equal(r.granularity, want);
    levels_free(&ls);
}

static void t_channel_max(void **st)
{
    (void)st;
    make_tensor();
    check_channel_max(0, "apot", 4);
    check_channel_max(1, "uniform", 5);
    check_channel_max(2, "pot", 3);
}

/* mse per channel: each channel's mse (group_channel_stats) equals brute
 * force at its alpha and is no worse than brute force at any of 300
 * alphas; the aggregate is their count-weighted mean. */

/* counts its calls; nonzero from the third on */
static int stop_third(void *ctx)
{
    int *n = ctx;
    return ++*n >= 3;
}

static void t_channel_mse(void **st)
{
    (void)st;
    enum { C = 4, K = 400 };
    static double w[C * K];
    tu_rng g = { 5 };
    for (int c = 0; c < C; c++)
        for (int i = 0; i < K; i++)
            w[c * K + i] = c == 2 ? -0.3 : tu_laplace(&g) * pow(10.0, c - 1) + (c == 3 ? 5 : 0);
    w[7] = NAN;
    uint64_t shape[2] = { C, K };
    group_tensor t = { w, 1, 2, shape, C * K };
    analyze_cfg c = cfg_of(4, ALPHA_MSE, GRAN_CHANNEL, 0, 0);
    const char *sc = "apot";
    uint64_t nch = 0;
    util_err e = { { 0 } };
    /* a stop callback: asked between channels on the calling thread; the
     * first nonzero answer ends the work with NULL and stopped = 1 */
    int calls = 0, stopped = -1;
    assert_null(group_channel_stats(&t, sc, &c, &nch, &e, stop_third, &calls, &stopped));
    assert_int_equal(stopped, 1);
    assert_int_equal(calls, 3);
    calls = -1000;
    group_chan_stat *cs = group_channel_stats(&t, sc, &c, &nch, &e, stop_third, &calls, &stopped);
    assert_int_equal(stopped, 0);
    assert_true(calls > -1000);
    assert_non_null(cs);
    assert_int_equal(nch, C);
    levelset ls;
    assert_int_equal(levels_build(sc, 4, 1, &LP, &ls, &e), 0);
    double tot = 0;
    uint64_t tn = 0;
    for (uint64_t ch = 0; ch < nch; ch++) {
        double x[K];
        size_t n = 0;
        for (int i = 0; i < K; i++)
            if (isfinite(w[ch * K + i]))
                x[n++] = w[ch * K + i];
        assert_int_equal(cs[ch].n, n);
        double mn = INFINITY, mx = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            mn = fmin(mn, x[i]);
            mx = fmax(mx, x[i]);
        }
        assert_true(cs[ch].min == mn && cs[ch].max == mx);
        double a = amax_of(x, n);
        double m = bf_sse(&ls, x, n, cs[ch].alpha) / (double)n;
        close_rel(cs[ch].mse, m, 1e-7);
        for (int k = 1; k <= 300; k++) {
            double mk = bf_sse(&ls, x, n, a * k / 300) / (double)n;
            assert_true(cs[ch].mse <= mk * (1 + 1e-6) + 1e-300);
        }
        if (ch == 2) {
            if (!(cs[ch].mse < 1e-20 && cs[ch].std == 0))
                print_error("mse %g std %g\n", cs[ch].mse, cs[ch].std);
            assert_true(cs[ch].mse < 1e-20 && cs[ch].std == 0);
        }
        tot += m * (double)n;
        tn += n;
    }
    analyze_result r;
    int h;
    assert_int_equal(group_analyze(&t, &c, &sc, 1, &r, &h, &e), 0);
    close_rel(r.r.mse, tot / (double)tn, 1e-7);
    close_rel(r.bpw, 4 + 16.0 * C / (C * K), 1e-15);
    free(cs);
    levels_free(&ls);
}

/* group:G with the streaming engine: tests/quant/test_gq.c (brute force for
 * every scale type, axis and tile; exact mse per group). */

/* ---- mxfp4 ------------------------------------------------------------- */

static const double E2M1[8] = { 0, 0.5, 1, 1.5, 2, 3, 4, 6 };

static double ocp_mx(double x, double X)
{
    double v = fabs(x) / X;
    if (v > 6)
        v = 6;
    double best = 0;
    for (int k = 0; k < 8; k++)
        if (fabs(v - E2M1[k]) < fabs(v - best))
            best = E2M1[k];
    return copysign(best * X, x);
}

static double ocp_scale(double amax)
{
    return pow(2.0, floor(log2(amax)) - 2);
}

static analyze_result run_mx(const double *x, const uint64_t *shape, int ndim, uint64_t n)
{
    group_tensor t = { x, 1, ndim, shape, n };
    analyze_cfg c = cfg_of(4, ALPHA_MSE, GRAN_TENSOR, 0, 0);
    const char *sc = "mxfp4";
    analyze_result r;
    int h = 0;
    util_err e = { { 0 } };
    assert_int_equal(group_analyze(&t, &c, &sc, 1, &r, &h, &e), 0);
    assert_true(h && r.ok);
    return r;
}

static void t_mx_hand(void **st)
{
    (void)st;
    /* block 1: E2M1 values, amax 6 -> scale 1, exact; block 2: amax 0.75
     * -> floor(log2 0.75) = -1, scale 2^-3; 0.0625 = 0.5 * 2^-3 is exact
     * there (with 2^-2 it would be a tie between 0 and 0.125). */
    double x[64];
    for (int i = 0; i < 32; i++)
        x[i] = (i & 1 ? -1 : 1) * E2M1[i % 8];
    for (int i = 0; i < 32; i++)
        x[32 + i] = (i & 1 ? -1 : 1) * E2M1[i % 8] * 0.125;
    x[33] = 0.0625;
    uint64_t shape[1] = { 64 };
    analyze_result r = run_mx(x, shape, 1, 64);
    assert_true(r.r.mse == 0);
    assert_true(r.bpw == 4.25);
    assert_string_equal(r.granularity, "group:32");
    assert_true(ocp_scale(6.0) == 1.0 && ocp_scale(0.75) == 0.125);
    /* alpha = mean of 6 X: (6 + 0.75) / 2 */
    close_rel(r.r.alpha, 3.375, 1e-15);
    /* saturation: a block with amax 7 (scale 1): 7 -> 6, error 1 */
    double y[32] = { 7, 1, 0.25 };
    r = run_mx(y, shape, 1, 32);
    close_rel(r.r.max_abs_err, 1.0, 1e-15);
    close_rel(r.r.mse, (1.0 + 0.0625) / 32, 1e-15);
    close_rel(r.r.clipped, 1.0 / 32, 1e-15);
}

static void t_mx_random(void **st)
{
    (void)st;
    enum { R = 6, C = 80 };   /* rows of 80: blocks of 32, 32, 16 */
    static double x[R * C];
    tu_rng g = { 7 };
    for (int i = 0; i < R * C; i++)
        x[i] = tu_gauss(&g) * pow(4.0, (i / 37) % 5 - 2);
    x[100] = NAN;
    uint64_t shape[2] = { R, C };
    analyze_result r = run_mx(x, shape, 2, R * C);
    double sse = 0, mx = 0;
    uint64_t n = 0, blocks = 0;
    for (int row = 0; row < R; row++)
        for (int b = 0; b < C; b += 32) {
            int e = b + 32 < C ? b + 32 : C;
            double am = 0;
            for (int i = b; i < e; i++)
                if (isfinite(x[row * C + i]))
                    am = fmax(am, fabs(x[row * C + i]));
            double X = ocp_scale(am);
            blocks++;
            for (int i = b; i < e; i++) {
                double v = x[row * C + i];
                if (!isfinite(v))
                    continue;
                double d = v - ocp_mx(v, X);
                sse += d * d;
                mx = fmax(mx, fabs(d));
                n++;
            }
        }
    assert_int_equal(r.r.n, n);
    close_rel(r.r.mse, sse / (double)n, 1e-12);
    close_rel(r.r.max_abs_err, mx, 1e-12);
    close_rel(r.bpw, 4 + 8.0 * (double)blocks / (R * C), 1e-15);
}

/* float32 input, 1M values: threads and the float path */
static void t_mx_float_threads(void **st)
{
    (void)st;
    enum { M = 1 << 20 };
    float *f = malloc(M * sizeof *f);
    tu_rng g = { 9 };
    for (int i = 0; i < M; i++)
        f[i] = (float)(tu_gauss(&g) * (1 + (i >> 12) % 7));
    uint64_t shape[2] = { 1024, 1024 };
    group_tensor t = { f, 0, 2, shape, M };
    analyze_cfg c = cfg_of(4, ALPHA_MSE, GRAN_TENSOR, 0, 0);
    const char *sc = "mxfp4";
    analyze_result r;
    int h;
    util_err e = { { 0 } };
    assert_int_equal(group_analyze(&t, &c, &sc, 1, &r, &h, &e), 0);
    double sse = 0;
    for (int b = 0; b < M; b += 32) {
        double am = 0;
        for (int i = b; i < b + 32; i++)
            am = fmax(am, fabs((double)f[i]));
        double X = ocp_scale(am);
        for (int i = b; i < b + 32; i++) {
            double d = (double)f[i] - ocp_mx(f[i], X);
            sse += d * d;
        }
    }
    close_rel(r.r.mse, sse / M, 1e-10);
    assert_true(r.bpw == 4.25);
    free(f);
}

/* ---- errors -------------------------------------------------------------- */

static void t_errors(void **st)
{
    (void)st;
    make_tensor();
    group_tensor t = tensor();
    const char *sc[2] = { "uniform", "apot" };
    analyze_result r[2];
    int h[2];
    util_err e = { { 0 } };
    /* a ragged last group is allowed (63 = 6 x 10 + 3) */
    analyze_cfg c = cfg_of(4, ALPHA_MSE, GRAN_GROUP, 10, 0);
    assert_int_equal(group_analyze(&t, &c, sc, 2, r, h, &e), 0);
    assert_true(h[0] && r[0].ok && r[1].ok);
    assert_int_equal(r[0].nscales, D0 * 7);
    /* groups along an axis that does not exist */
    c.group_along_axis = 1;
    c.axis = 3;
    assert_int_equal(group_analyze(&t, &c, sc, 2, r, h, &e), 0);
    assert_true(!r[0].ok && strstr(r[0].err, "--axis=3 is out of range") != NULL);
    c = cfg_of(4, ALPHA_MSE, GRAN_CHANNEL, 0, 3);
    assert_int_equal(group_analyze(&t, &c, sc, 2, r, h, &e), 0);
    assert_true(!r[0].ok);
    assert_non_null(strstr(r[0].err, "--axis=3 is out of range for shape [5, 7, 9]"));
    /* clipping methods are refused per small group, and along an axis */
    c = cfg_of(4, ALPHA_KL, GRAN_GROUP, 9, 0);
    assert_int_equal(group_analyze(&t, &c, sc, 2, r, h, &e), 0);
    assert_true(!r[0].ok && strstr(r[0].err, "--alpha=kl") != NULL);
    c.group_along_axis = 1;
    assert_int_equal(group_analyze(&t, &c, sc, 2, r, h, &e), 0);
    assert_true(!r[0].ok && strstr(r[0].err, "--alpha=kl") != NULL);
    /* normalizing a constant tensor */
    double k[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
    uint64_t s8[1] = { 8 };
    group_tensor tk = { k, 1, 1, s8, 8 };
    c = cfg_of(4, ALPHA_MSE, GRAN_GROUP, 4, 0);
    c.normalize = 1;
    assert_int_equal(group_analyze(&tk, &c, sc, 2, r, h, &e), -1);
    assert_non_null(strstr(e.msg, "cannot normalize"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_channel_max),
        cmocka_unit_test(t_channel_mse),
        cmocka_unit_test(t_mx_hand),
        cmocka_unit_test(t_mx_random),
        cmocka_unit_test(t_mx_float_threads),
        cmocka_unit_test(t_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
