/*
 * test_gq.c - the streaming group engine (quant/gq.h) against brute force
 * written here: groups enumerated by their definition, the scale rounded
 * by an independent route (the compiler's float / _Float16 conversions,
 * bracketing bf16 codes, a loop over powers of two), every value sent to
 * the nearest level by a linear scan, sums in long double; the per-group
 * mse optimum against a dense search; the presets against blocks worked
 * out by hand (codes written in the test).
 */
#include "config.h"
#include "testutil.h"
#include "quant/gq.h"
#include "quant/prep.h"
#include "quant/schemes.h"

#include <float.h>
#include <pthread.h>
#include <stdio.h>

static const levels_params LP = { 0, NULL };

static void close_rel(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol * fmax(fabs(want), 1e-300))) {
        print_error("got %.17g want %.17g\n", got, want);
        fail();
    }
}

/* ---- independent scale rounding ------------------------------------------ */

static double bf_round_scale(double s, scale_dtype d)
{
    if (!(s > 0))
        return 0;
    switch (d) {
    case SCALE_FP32: {
        float f = (float)s;
        return isinf(f) ? FLT_MAX : f;
    }
    case SCALE_BF16: {
        /* the two bf16 values around s, from s's float neighbours */
        float f = (float)s;
        uint32_t b;
        memcpy(&b, &f, 4);
        uint32_t lo = b & 0xffff0000u, hi = lo + 0x10000u;
        float fl, fh;
        memcpy(&fl, &lo, 4);
        memcpy(&fh, &hi, 4);
        if (fl > s) {          /* (float)s rounded up onto a bf16 value */
            hi = lo;
            lo -= 0x10000u;
            memcpy(&fl, &lo, 4);
            memcpy(&fh, &hi, 4);
        }
        long double dl = (long double)s - fl, dh = (long double)fh - s;
        if (dl < dh || (dl == dh && !((lo >> 16) & 1)))
            return fl;
        return fh;
    }
    case SCALE_E8M0: {
        for (int k = -127; k < 127; k++)
            if (ldexp(1.0, k) >= s)
                return ldexp(1.0, k);
        return ldexp(1.0, 127);
    }
    default: {
        _Float16 h = (_Float16)s;
        double r = (double)h;
        return isinf(r) ? 65504.0 : r;
    }
    }
}

/* ---- brute force ------------------------------------------------------------ */

typedef struct bft {
    long double sse, sumsq;
    double maxerr;
    uint64_t n, clipped, groups;
    uint64_t lev[300];     /* level usage (the level nearest 0 when the scale is 0) */
} bft;

/* natural-unit levels of a scheme (written out here) */
static size_t nat_levels(const char *scheme, int bits, double *nat)
{
    if (strcmp(scheme, "uniform") == 0) {
        int M = (1 << (bits - 1)) - 1;
        for (int k = -M; k <= M; k++)
            nat[k + M] = k;
        return (size_t)(2 * M + 1);
    }
    if (strcmp(scheme, "fp4-e2m1") == 0) {
        static const double e[8] = { 0, 0.5, 1, 1.5, 2, 3, 4, 6 };
        for (int k = 0; k < 7; k++)
            nat[k] = -e[7 - k];
        for (int k = 0; k < 8; k++)
            nat[7 + k] = e[k];
        return 15;
    }
    levelset ls;
    util_err e = { { 0 } };
    assert_int_equal(levels_build(scheme, bits, 1, &LP, &ls, &e), 0);
    size_t L = ls.n;
    memcpy(nat, ls.v, L * sizeof *nat);
    levels_free(&ls);
    return L;
}

static double natmax_bf(const char *scheme, int bits)
{
    if (strcmp(scheme, "uniform") == 0)
        return (1 << (bits - 1)) - 1;
    if (strcmp(scheme, "fp4-e2m1") == 0)
        return 6;
    return 1;
}

/* one group x[0..n) (finite) at alpha a */
static void bf_group(bft *b, const char *scheme, int bits, scale_dtype sd, const double *x, size_t n,
                     double a)
{
    double nat[300];
    size_t L = nat_levels(scheme, bits, nat);
    double s = bf_round_scale(a / natmax_bf(scheme, bits), sd);
    for (size_t i = 0; i < n; i++) {
        double q;
        if (s > 0) {
            double t = x[i] / s;
            size_t best = 0;
            for (size_t k = 1; k < L; k++)
                if (fabs(t - nat[k]) < fabs(t - nat[best]))
                    best = k;
            q = s * nat[best];
            b->lev[best]++;
        } else {
            size_t z = 0;
            for (size_t k = 1; k < L; k++)
                if (fabs(nat[k]) < fabs(nat[z]))
                    z = k;
            b->lev[z]++;
            q = 0;
        }
        long double e = (long double)x[i] - q;
        b->sse += e * e;
        b->sumsq += (long double)x[i] * x[i];
        b->maxerr = fmax(b->maxerr, fabs((double)e));
        b->clipped += x[i] > s * nat[L - 1] || x[i] < s * nat[0];
        b->n++;
    }
}

static double bf_sse_at(const char *scheme, int bits, const double *x, size_t n, double a)
{
    bft b = { 0 };
    bf_group(&b, scheme, bits, SCALE_FP32, x, n, a);
    return (double)b.sse;
}

/* exact SSE at alpha (no scale rounding): nearest normalized level */
static long double sse_exact(const levelset *ls, const double *x, size_t n, double a)
{
    long double s = 0;
    for (size_t i = 0; i < n; i++) {
        long double be = INFINITY;
        for (size_t k = 0; k < ls->n; k++) {
            long double e = (long double)x[i] - (long double)a * ls->v[k];
            if (e * e < be)
                be = e * e;
        }
        s += be;
    }
    return s;
}

static double amax_of(const double *x, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(x[i]));
    return m;
}

/* ---- the tensor ------------------------------------------------------------- */

enum { R0 = 12, C0 = 50, NV = R0 * C0 };
static double W[NV];
static const uint64_t SH[2] = { R0, C0 };

/* How run1 hands the values over: 0 doubles, 1 floats, 2 bfloat16 codes
 * (the engine's float kernels); with 1 and 2 the test's values are
 * bfloat16 values (rep_round), exact in all three. */
static int w_rep;

static double rep_round(double d)
{
    if (!w_rep || !isfinite(d))
        return d;
    float f = (float)d;
    uint32_t b;
    memcpy(&b, &f, 4);
    b = (b + 0x7fffu + ((b >> 16) & 1)) & 0xffff0000u;
    memcpy(&f, &b, 4);
    return f;
}

static void make_w(void)
{
    tu_rng r = { 11 };
    for (int i = 0; i < NV; i++)
        W[i] = rep_round(tu_gauss(&r) * (1 + (i / C0) % 4));
    W[7] = NAN;                  /* a NaN inside a group */
    for (int j = 0; j < C0; j++)  /* row 5 all zero */
        W[5 * C0 + j] = 0;
}

static analyze_cfg cfg_of(alpha_mode m, scale_dtype sd)
{
    analyze_cfg c;
    memset(&c, 0, sizeof c);
    c.bits = 4;
    c.is_signed = 1;
    c.amode = m;
    c.alpha = 2.0;
    c.sdtype = sd;
    return c;
}

static analyze_result run1(const double *w, const uint64_t *sh, int nd, uint64_t cnt,
                           const analyze_cfg *c, const char *scheme)
{
    group_tensor t = { w, 1, nd, sh, cnt };
    analyze_result r;
    int h = 0;
    util_err e = { { 0 } };
    float *f = NULL;
    unsigned char *raw = NULL;
    if (w_rep) {
        f = malloc(sizeof *f * cnt);
        raw = malloc(2 * cnt);
        for (uint64_t i = 0; i < cnt; i++) {
            f[i] = (float)w[i];
            assert_true(!isfinite(w[i]) || f[i] == w[i]);
            uint32_t b;
            memcpy(&b, &f[i], 4);
            raw[2 * i] = (unsigned char)(b >> 16);
            raw[2 * i + 1] = (unsigned char)(b >> 24);
        }
        t.vals = f;
        t.is_double = 0;
    }
    /* 3: the codes counted in the pass (uniform and mxfp4 then quantize
     * from the codes' bits, gq.c uniunit / mxunit) */
    uint64_t *codecnt = w_rep == 3 ? calloc(65536, sizeof *codecnt) : NULL;
    group_codes cd = { raw, NULL, 1, codecnt, NULL, NULL };
    assert_int_equal(group_analyze_codes(&t, w_rep >= 2 ? &cd : NULL, c, &scheme, 1, &r, &h, &e), 0);
    free(codecnt);
    free(f);
    free(raw);
    assert_true(h);
    if (!r.ok)
        print_error("%s\n", r.err);
    assert_true(r.ok);
    return r;
}

/* Groups by their definition: kind 0 rows of C0 cut into G (ragged), kind
 * 1 along axis 0 (columns cut into G), kind 2 tiles TRxTC. Calls f per
 * group with its finite values. */
typedef void (*group_fn)(void *ctx, const double *x, size_t n);

static uint64_t for_groups(int kind, uint64_t G, uint64_t TR, uint64_t TC, group_fn f, void *ctx)
{
    double x[NV];
    uint64_t ng = 0;
    if (kind == 0) {
        for (uint64_t r = 0; r < R0; r++)
            for (uint64_t c0 = 0; c0 < C0; c0 += G, ng++) {
                size_t n = 0;
                for (uint64_t c = c0; c < c0 + G && c < C0; c++)
                    if (isfinite(W[r * C0 + c]))
                        x[n++] = W[r * C0 + c];
                f(ctx, x, n);   /* (n may be 0: every group) */
            }
    } else if (kind == 1) {
        for (uint64_t r0 = 0; r0 < R0; r0 += G)
            for (uint64_t c = 0; c < C0; c++, ng++) {
                size_t n = 0;
                for (uint64_t r = r0; r < r0 + G && r < R0; r++)
                    if (isfinite(W[r * C0 + c]))
                        x[n++] = W[r * C0 + c];
                f(ctx, x, n);   /* (n may be 0: every group) */
            }
    } else {
        for (uint64_t r0 = 0; r0 < R0; r0 += TR)
            for (uint64_t c0 = 0; c0 < C0; c0 += TC, ng++) {
                size_t n = 0;
                for (uint64_t r = r0; r < r0 + TR && r < R0; r++)
                    for (uint64_t c = c0; c < c0 + TC && c < C0; c++)
                        if (isfinite(W[r * C0 + c]))
                            x[n++] = W[r * C0 + c];
                f(ctx, x, n);   /* (n may be 0: every group) */
            }
    }
    return ng;
}

typedef struct bctx {
    bft b;
    const char *scheme;
    int bits;
    scale_dtype sd;
    alpha_mode mode;
    double alpha;
    long double dense;     /* mse mode: sum of each group's dense minimum */
} bctx;

static void bf_cb(void *ctx, const double *x, size_t n)
{
    bctx *c = ctx;
    double a = c->mode == ALPHA_MAX ? amax_of(x, n) : c->alpha;
    bf_group(&c->b, c->scheme, c->bits, c->sd, x, n, a);
}

static void check_bf(int kind, uint64_t G, uint64_t TR, uint64_t TC, const char *scheme,
                     scale_dtype sd, alpha_mode mode)
{
    analyze_cfg c = cfg_of(mode, sd);
    if (kind == 2) {
        c.gran = GRAN_BLOCK;
        c.block_r = TR;
        c.block_c = TC;
    } else {
        c.gran = GRAN_GROUP;
        c.group = G;
        c.group_along_axis = kind == 1;
        c.axis = 0;
    }
    analyze_result r = run1(W, SH, 2, NV, &c, scheme);
    bctx bc = { .scheme = scheme, .bits = 4, .sd = sd == SCALE_DEFAULT ? SCALE_FP16 : sd,
                .mode = mode, .alpha = 2.0 };
    uint64_t ng = for_groups(kind, G, TR, TC, bf_cb, &bc);
    assert_int_equal(r.r.n, bc.b.n);
    close_rel(r.r.mse, (double)(bc.b.sse / bc.b.n), 1e-12);
    close_rel(r.r.sumsq, (double)bc.b.sumsq, 1e-12);
    close_rel(r.r.max_abs_err, bc.b.maxerr, 1e-12);
    close_rel(r.r.clipped, (double)bc.b.clipped / (double)bc.b.n, 1e-12);
    double ent = 0;
    uint64_t used = 0;
    for (size_t k = 0; k < 300; k++)
        if (bc.b.lev[k]) {
            double p = (double)bc.b.lev[k] / (double)bc.b.n;
            ent -= p * log2(p);
            used++;
        }
    close_rel(r.r.entropy_bits, ent, 1e-12);
    assert_int_equal(r.r.levels_used, used);
    assert_int_equal(r.nscales, ng);
    int sb = bc.sd == SCALE_FP32 ? 32 : bc.sd == SCALE_E8M0 ? 8 : 16;
    close_rel(r.bpw, 4 + (double)sb * (double)ng / NV, 1e-15);
}

static void t_bruteforce(void **st)
{
    (void)st;
    for (w_rep = 0; w_rep < 4; w_rep++) {
    make_w();
    const char *sch[] = { "uniform", "pot", "apot", "fp4-e2m1" };
    const scale_dtype sds[] = { SCALE_FP32, SCALE_FP16, SCALE_BF16, SCALE_E8M0, SCALE_DEFAULT };
    for (int s = 0; s < 4; s++)
        for (int d = 0; d < 5; d++) {
            check_bf(0, 16, 0, 0, sch[s], sds[d], ALPHA_MAX);   /* 50 = 16+16+16+2 */
            check_bf(1, 5, 0, 0, sch[s], sds[d], ALPHA_MAX);    /* 12 = 5+5+2 */
            check_bf(2, 0, 5, 7, sch[s], sds[d], ALPHA_MAX);    /* ragged tiles */
        }
    check_bf(0, 10, 0, 0, "uniform", SCALE_FP16, ALPHA_VALUE);
    check_bf(2, 0, 4, 25, "apot", SCALE_BF16, ALPHA_VALUE);
    check_bf(1, 4, 0, 0, "uniform", SCALE_FP32, ALPHA_VALUE);
    }
    w_rep = 0;
}

/* ---- mse per group ------------------------------------------------------------ */

static void mse_cb(void *ctx, const double *x, size_t n)
{
    bctx *c = ctx;
    double am = amax_of(x, n), best = INFINITY;
    for (int k = 1; k <= 2000; k++) {
        double e = bf_sse_at(c->scheme, 4, x, n, am * k / 2000.0);
        best = fmin(best, e);
    }
    c->dense += best;
    bft b = { 0 };
    (void)b;
}

static void check_mse(int kind, uint64_t G, uint64_t TR, uint64_t TC, const char *scheme)
{
    analyze_cfg c = cfg_of(ALPHA_MSE, SCALE_FP32);
    c.gran = kind == 2 ? GRAN_BLOCK : GRAN_GROUP;
    c.group = G;
    c.block_r = TR;
    c.block_c = TC;
    c.group_along_axis = kind == 1;
    analyze_result r = run1(W, SH, 2, NV, &c, scheme);
    bctx bc = { .scheme = scheme };
    for_groups(kind, G, TR, TC, mse_cb, &bc);
    double sse = r.r.mse * (double)r.r.n;
    /* never worse than the dense search (the fp32 scale costs < 1e-6) */
    if (!(sse <= (double)bc.dense * (1 + 1e-6))) {
        print_error("%s: sse %.17g dense %.17g\n", scheme, sse, (double)bc.dense);
        fail();
    }
}

/* gq_opt_alpha per group: its sse is the exact sse at its alpha, no
 * worse than a dense 2000-point search, and a refined search around the
 * dense optimum comes within 1e-6 of it (never below it) */
static int opt_unsigned;   /* check_opt with unsigned levels (asymmetric sides) */

static void check_opt(const char *scheme, int bits, const double *x, size_t n)
{
    levelset ls;
    util_err e = { { 0 } };
    assert_int_equal(levels_build(scheme, bits, !opt_unsigned, &LP, &ls, &e), 0);
    double sse;
    double a = gq_opt_alpha(&ls, x, n, &sse);
    double am = amax_of(x, n);
    assert_true(a > 0 && a <= am);
    close_rel(sse, (double)sse_exact(&ls, x, n, a), 1e-9);
    double best = INFINITY, ba = am;
    for (int k = 1; k <= 2000; k++) {
        double ak = am * k / 2000.0;
        double ek = (double)sse_exact(&ls, x, n, ak);
        if (ek < best) {
            best = ek;
            ba = ak;
        }
    }
    if (!(sse <= best * (1 + 1e-12))) {
        print_error("%s/%d n=%zu: exact %.17g at %.17g, dense %.17g at %.17g\n", scheme, bits, n, sse,
                    a, best, ba);
        fail();
    }
    double lo = fmax(ba - am / 2000, am * 1e-9), hi = fmin(ba + am / 2000, am), rb = best;
    for (int it = 0; it < 4; it++) {
        double b2 = ba;
        for (int k = 0; k <= 200; k++) {
            double ak = lo + (hi - lo) * k / 200.0;
            double ek = (double)sse_exact(&ls, x, n, ak);
            if (ek < rb) {
                rb = ek;
                b2 = ak;
            }
        }
        double w = (hi - lo) / 100;
        ba = b2;
        lo = fmax(ba - w, am * 1e-9);
        hi = fmin(ba + w, am);
    }
    assert_true(sse <= rb * (1 + 1e-12));
    if (!(rb <= sse * (1 + 1e-6) + 1e-300)) {
        print_error("%s n=%zu: refined %.17g exact %.17g\n", scheme, n, rb, sse);
        fail();
    }
    levels_free(&ls);
}

static void t_mse(void **st)
{
    (void)st;
    for (w_rep = 0; w_rep < 4; w_rep++) {
        make_w();
        check_mse(0, 16, 0, 0, "uniform");
        check_mse(0, 16, 0, 0, "pot");
        check_mse(1, 5, 0, 0, "apot");
        check_mse(2, 0, 5, 7, "nf4");
    }
    w_rep = 0;
    tu_rng g = { 5 };
    double x[300];
    const char *sch[] = { "uniform", "pot", "apot", "nf4", "fp4-e2m1", "log2-sqrt2" };
    for (int rep = 0; rep < 12; rep++) {
        size_t n = 8 + (size_t)(tu_uniform(&g) * 250);
        for (size_t i = 0; i < n; i++)
            x[i] = rep % 3 == 0 ? tu_laplace(&g) : rep % 3 == 1 ? tu_gauss(&g) : tu_uniform(&g) - 0.3;
        check_opt(sch[rep % 6], 4, x, n);
    }
    for (size_t i = 0; i < 128; i++)
        x[i] = tu_gauss(&g);
    check_opt("uniform", 8, x, 128);
    check_opt("uniform", 2, x, 128);
    check_opt("apot", 6, x, 128);
    /* the sorted walk's corners: many equal magnitudes (coarse values of
     * both signs), tiny groups, one outlier, all equal */
    for (size_t i = 0; i < 128; i++)
        x[i] = (double)(int)(tu_gauss(&g) * 3) / 4;
    x[3] = 2.5;
    check_opt("uniform", 4, x, 128);
    check_opt("pot", 4, x, 128);
    check_opt("apot", 4, x, 128);
    check_opt("uniform", 3, x, 7);
    check_opt("pot", 4, x + 3, 1);
    check_opt("uniform", 4, x, 2);
    for (size_t i = 0; i < 64; i++)
        x[i] = i == 9 ? -40 : tu_gauss(&g);
    check_opt("uniform", 4, x, 64);
    check_opt("apot", 4, x, 64);
    for (size_t i = 0; i < 16; i++)
        x[i] = i % 2 ? 0.5 : -0.5;
    check_opt("uniform", 4, x, 16);
    check_opt("pot", 5, x, 16);
    /* unsigned levels: the two sides differ (the bucket walk; 8 bits: its
     * table lookup) */
    for (size_t i = 0; i < 128; i++)
        x[i] = tu_gauss(&g) + 0.5;
    opt_unsigned = 1;
    check_opt("uniform", 8, x, 128);
    check_opt("uniform", 4, x, 128);
    check_opt("uniform", 3, x, 37);
    opt_unsigned = 0;
    /* all zero: alpha 0, sse 0 */
    double z[4] = { 0, 0, 0, 0 }, s0;
    levelset ls;
    util_err e = { { 0 } };
    assert_int_equal(levels_build("uniform", 4, 1, &LP, &ls, &e), 0);
    assert_true(gq_opt_alpha(&ls, z, 4, &s0) == 0 && s0 == 0);
    levels_free(&ls);
}

/* ---- threads --------------------------------------------------------------------- */

static void t_threads(void **st)
{
    (void)st;
    enum { M = 300, K = 700 };
    float *f = malloc(sizeof *f * M * K);
    tu_rng g = { 3 };
    for (int i = 0; i < M * K; i++)
        f[i] = (float)(tu_gauss(&g) * (1 + i % 7));
    uint64_t sh[2] = { M, K };
    group_tensor t = { f, 0, 2, sh, M * K };
    const char *sc[4] = { "uniform", "pot", "apot", "mxfp4" };
    for (int mode = 0; mode < 2; mode++) {
        analyze_result r1[4], r2[4];
        int h[4];
        util_err e = { { 0 } };
        analyze_cfg c = cfg_of(mode ? ALPHA_MSE : ALPHA_MAX, SCALE_FP16);
        c.gran = GRAN_GROUP;
        c.group = 64;
        c.nthreads = 1;
        assert_int_equal(group_analyze(&t, &c, sc, 4, r1, h, &e), 0);
        c.nthreads = 2;
        assert_int_equal(group_analyze(&t, &c, sc, 4, r2, h, &e), 0);
        for (int k = 0; k < 4; k++) {
            assert_true(r1[k].ok && r2[k].ok);
            assert_memory_equal(&r1[k].r.mse, &r2[k].r.mse, sizeof(double));
            assert_memory_equal(&r1[k].r.alpha, &r2[k].r.alpha, sizeof(double));
            assert_memory_equal(&r1[k].r.entropy_bits, &r2[k].r.entropy_bits, sizeof(double));
            assert_true(r1[k].r.max_abs_err == r2[k].r.max_abs_err);
        }
    }
    free(f);
}

/* ---- 2-byte codes in place -------------------------------------------------------- */

static void t_bf16_codes(void **st)
{
    (void)st;
    enum { M = 16, K = 96 };
    unsigned char raw[2 * M * K];
    float fv[M * K];
    tu_rng g = { 9 };
    for (int i = 0; i < M * K; i++) {
        float f = (float)tu_gauss(&g);
        uint32_t b;
        memcpy(&b, &f, 4);
        b &= 0xffff0000u;              /* a bfloat16 value */
        memcpy(&fv[i], &b, 4);
        raw[2 * i] = (unsigned char)(b >> 16);
        raw[2 * i + 1] = (unsigned char)(b >> 24);
    }
    uint64_t sh[2] = { M, K };
    group_tensor t = { fv, 0, 2, sh, M * K };
    group_codes cd = { raw, NULL, 1, NULL, NULL, NULL };
    const char *sc[2] = { "uniform", "q4_0" };
    analyze_result a[2], b[2];
    int h[2];
    util_err e = { { 0 } };
    analyze_cfg c = cfg_of(ALPHA_MSE, SCALE_FP16);
    c.gran = GRAN_GROUP;
    c.group = 32;
    assert_int_equal(group_analyze(&t, &c, sc, 2, a, h, &e), 0);
    group_tensor t2 = { NULL, 0, 2, sh, M * K };
    assert_int_equal(group_analyze_codes(&t2, &cd, &c, sc, 2, b, h, &e), 0);
    for (int k = 0; k < 2; k++) {
        assert_true(a[k].ok && b[k].ok);
        assert_true(a[k].r.mse == b[k].r.mse);
    }
}

/* group_codes.count: the first streaming pass counts every code of the
 * tensor (non-finite ones and those of ragged groups and tiles included),
 * against a count written here; a second pass over the same array adds
 * nothing; and the histogram prep built from the counts is the one its
 * own pass over the codes builds. */
/* group_codes.release: windows of values, inside the tensor, disjoint
 * and ascending, only for groups along the rows; the results do not
 * change */
typedef struct rel_log {
    uint64_t first[256], n[256];
    int k;
} rel_log;

static void rel_note(void *ctx, uint64_t first, uint64_t n)
{
    rel_log *l = ctx;
    if (l->k < 256) {
        l->first[l->k] = first;
        l->n[l->k] = n;
    }
    l->k++;
}

static void t_code_release(void **st)
{
    (void)st;
    enum { ROWS = 2048, COLS = 4096, N = ROWS * COLS };   /* 256 units of 32768 values */
    unsigned char *raw = malloc(2 * (size_t)N);
    tu_rng g = { 5 };
    for (size_t i = 0; i < N; i++) {
        float f = (float)tu_gauss(&g);
        uint32_t b;
        memcpy(&b, &f, 4);
        raw[2 * i] = (unsigned char)(b >> 16);
        raw[2 * i + 1] = (unsigned char)(b >> 24);
    }
    uint64_t sh[2] = { ROWS, COLS };
    group_tensor t = { NULL, 0, 2, sh, N };
    const char *schemes[2] = { "uniform", "mxfp4" };   /* (one at a time: one pass each) */
    analyze_result keep[5];
    for (int axis = -1; axis <= 0; axis++)
        for (int th = 1; th <= 4; th++) {
            analyze_cfg c = cfg_of(ALPHA_MAX, SCALE_FP16);
            c.gran = GRAN_GROUP;
            c.group = 128;
            c.nthreads = th > 2 ? th - 2 : th;
            const char *const *sch = &schemes[th > 2];
            if (axis == 0) {
                c.group_along_axis = 1;
                c.axis = 0;
            }
            uint64_t *cnt = calloc(65536, sizeof *cnt);
            rel_log lg;
            memset(&lg, 0, sizeof lg);
            group_codes cd = { raw, NULL, 1, cnt, rel_note, &lg };
            group_codes plain = { raw, NULL, 1, NULL, NULL, NULL };
            analyze_result r[1], q[1];
            int h[1];
            util_err e = { { 0 } };
            assert_int_equal(group_analyze_codes(&t, &cd, &c, sch, 1, r, h, &e), 0);
            assert_int_equal(group_analyze_codes(&t, &plain, &c, sch, 1, q, h, &e), 0);
            assert_true(r[0].r.mse == q[0].r.mse && r[0].r.max_abs_err == q[0].r.max_abs_err);
            /* the counting pass (code counts, sums of squares from them,
             * quantized from the codes) on 1 and 2 threads: the same bits */
            keep[th] = r[0];
            if (th == 2 || th == 4) {
                const analyze_result *a = &keep[th - 1], *b = &keep[th];
                assert_memory_equal(&a->r.mse, &b->r.mse, sizeof(double));
                assert_memory_equal(&a->r.sqnr_db, &b->r.sqnr_db, sizeof(double));
                assert_memory_equal(&a->r.entropy_bits, &b->r.entropy_bits, sizeof(double));
                assert_memory_equal(&a->r.alpha, &b->r.alpha, sizeof(double));
            }
            if (axis == 0 && th <= 2) {
                assert_int_equal(lg.k, 0);   /* strided groups: nothing released */
            } else {
                assert_true(lg.k >= 1 && lg.k <= 256);
                /* (uniform: 256 units, windows of 32 units at units 63, 95, ..., 255:
                 * 7, tiling values [0, 224 units)) */
                uint64_t tot = 0, lo = N;
                for (int i = 0; i < lg.k; i++) {
                    tot += lg.n[i];
                    lo = lg.first[i] < lo ? lg.first[i] : lo;
                }
                if (th <= 2) {
                    assert_int_equal(lg.k, 7);
                    assert_true(lo == 0 && tot == (uint64_t)224 * 32768);
                }
                for (int i = 0; i < lg.k; i++) {
                    assert_true(lg.n[i] > 0 && lg.first[i] + lg.n[i] <= N);
                    if (i > 0)   /* (one thread: in order; two: any order, disjoint) */
                        for (int j = 0; j < i; j++)
                            assert_true(lg.first[i] >= lg.first[j] + lg.n[j] ||
                                        lg.first[j] >= lg.first[i] + lg.n[i]);
                }
            }
            free(cnt);
        }
    free(raw);
}

static void t_code_counts(void **st)
{
    (void)st;
    enum { M = 7, K = 75, N = M * K };
    unsigned char raw[2 * N];
    tu_rng g = { 17 };
    for (int i = 0; i < N; i++) {
        float f = (float)tu_gauss(&g);
        if (i % 9 == 0)
            f = (float)(i % 4);           /* repeated codes */
        if (i == 11)
            f = NAN;
        if (i == 200)
            f = -INFINITY;
        uint32_t b;
        memcpy(&b, &f, 4);
        raw[2 * i] = (unsigned char)(b >> 16);
        raw[2 * i + 1] = (unsigned char)(b >> 24);
    }
    static uint64_t want[65536], got[65536];
    memset(want, 0, sizeof want);
    for (int i = 0; i < N; i++)
        want[raw[2 * i] | raw[2 * i + 1] << 8]++;
    uint64_t sh[2] = { M, K };
    group_tensor t = { NULL, 0, 2, sh, N };
    struct {
        granularity gran;
        int axis, fixed;
        const char *scheme;
        alpha_mode am;
    } cases[] = {
        { GRAN_GROUP, -1, 0, "uniform", ALPHA_MAX },   /* rows, ragged (75 = 2 x 32 + 11) */
        { GRAN_GROUP, 0, 0, "pot", ALPHA_MSE },        /* along axis 0 (strided) */
        { GRAN_BLOCK, -1, 0, "uniform", ALPHA_MAX },   /* tiles */
        { GRAN_TENSOR, -1, 1, "mxfp4", ALPHA_MAX },    /* blocks of 32 */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        memset(got, 0, sizeof got);
        group_codes cd = { raw, NULL, 1, got, NULL, NULL };
        analyze_cfg c = cfg_of(cases[k].am, SCALE_FP16);
        c.gran = cases[k].gran;
        c.group = 32;
        c.block_r = 3;
        c.block_c = 16;
        if (cases[k].axis >= 0) {
            c.group_along_axis = 1;
            c.axis = cases[k].axis;
        }
        const char *sc = cases[k].scheme;
        analyze_result r;
        int h;
        util_err e = { { 0 } };
        assert_int_equal(group_analyze_codes(&t, &cd, &c, &sc, 1, &r, &h, &e), 0);
        assert_true(h && r.ok);
        assert_memory_equal(got, want, sizeof want);
        /* counted once: a second analysis with the same array adds nothing
         * (and sums the squares per group: the counting pass took them from
         * the counts) */
        analyze_result r2;
        assert_int_equal(group_analyze_codes(&t, &cd, &c, &sc, 1, &r2, &h, &e), 0);
        assert_memory_equal(got, want, sizeof want);
        long double s2 = 0;
        for (int i = 0; i < N; i++) {
            uint32_t b = (uint32_t)raw[2 * i] << 16 | (uint32_t)raw[2 * i + 1] << 24;
            float f;
            memcpy(&f, &b, 4);
            if (isfinite(f))
                s2 += (long double)f * f;
        }
        close_rel(r.r.sumsq, (double)s2, 1e-15);
        close_rel(r2.r.sumsq, (double)s2, 1e-15);
        assert_true(r.r.mse == r2.r.mse && r.r.sqnr_db == r2.r.sqnr_db);
    }
    static float cv[65536];
    for (unsigned u = 0; u < 65536; u++) {
        uint32_t b = u << 16;
        memcpy(&cv[u], &b, 4);
    }
    prep_source src = { NULL, NULL, NULL, N, raw, cv, NULL, 0, 0 };
    util_err e = { { 0 } };
    uint64_t *own = malloc(sizeof want);   /* (taken over) */
    memcpy(own, want, sizeof want);
    prep *a = prep_create_summary(&src, 1, &e), *b = prep_create_summary_counts(&src, own, 1, &e);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a->st.n == N - 2 && b->st.n == N - 2);
    assert_memory_equal(&a->st, &b->st, sizeof a->st);
    for (uint64_t i = 0; i < a->st.n; i++) {
        double v = prep_value(a, i);
        assert_true(prep_value(b, i) == v);
        assert_int_equal(prep_rank_lt(a, v), prep_rank_lt(b, v));
        assert_int_equal(prep_rank_le(a, v), prep_rank_le(b, v));
        dd s1a, s2a, s1b, s2b;
        prep_range_sums(a, 0, i + 1, &s1a, &s2a);
        prep_range_sums(b, 0, i + 1, &s1b, &s2b);
        assert_memory_equal(&s1a, &s1b, sizeof s1a);
        assert_memory_equal(&s2a, &s2b, sizeof s2a);
    }
    prep_free(a);
    prep_free(b);
    own = malloc(sizeof want);   /* counts that do not add up are refused */
    memcpy(own, want, sizeof want);
    own[0]++;
    assert_null(prep_create_summary_counts(&src, own, 1, &e));
    assert_non_null(strstr(e.msg, "add up"));
}

/* ---- fixed formats over a ragged tensor, against formulas written here ------------ */

/* llama.cpp / OCP reference quantizers for one block, scalar */
static void bf_fixed(const char *fmt, const double *x, size_t n, long double *sse, double *me,
                     uint64_t *cl, uint64_t *cnt)
{
    if (strcmp(fmt, "q8_0") == 0) {
        float amax = 0;
        for (size_t i = 0; i < n; i++)
            amax = fmaxf(amax, fabsf((float)x[i]));
        float d = amax / 127, id = d != 0 ? 1.0f / d : 0.0f;
        double dq = bf_round_scale(d, SCALE_FP16);
        for (size_t i = 0; i < n; i++) {
            int q = (int)roundf((float)x[i] * id);
            long double e = (long double)x[i] - (long double)q * dq;
            *sse += e * e;
            *me = fmax(*me, fabs((double)e));
            cnt[q + 127]++;
        }
    } else if (strcmp(fmt, "q4_0") == 0) {
        float amax = 0, mx = 0;
        for (size_t i = 0; i < n; i++)
            if (amax < fabsf((float)x[i])) {
                amax = fabsf((float)x[i]);
                mx = (float)x[i];
            }
        float d = mx / -8, id = d != 0 ? 1.0f / d : 0.0f;
        double dq = bf_round_scale(fabsf(d), SCALE_FP16) * (d < 0 ? -1 : 1);
        for (size_t i = 0; i < n; i++) {
            float y = (float)x[i] * id + 8.5f;
            int q = (int)(int8_t)y;
            if (q > 15)
                q = 15;
            long double e = (long double)x[i] - (long double)(q - 8) * dq;
            *sse += e * e;
            *me = fmax(*me, fabs((double)e));
            *cl += y >= 16.0f;
            cnt[q]++;
        }
    } else {   /* mxfp4: X = 2^(floor(log2 amax) - 2), nearest E2M1, ties to even code */
        static const double mag[8] = { 0, 0.5, 1, 1.5, 2, 3, 4, 6 };
        double amax = 0;
        for (size_t i = 0; i < n; i++)
            amax = fmax(amax, fabs(x[i]));
        double X = 0;
        if (amax > 0)
            for (int k = -127; k <= 127; k++)
                if (ldexp(1.0, k + 2) <= amax)
                    X = ldexp(1.0, k);
        if (amax > 0 && X == 0)
            X = ldexp(1.0, -127);
        for (size_t i = 0; i < n; i++) {
            double t = X > 0 ? fabs(x[i]) / X : 0;
            int b = 0;
            for (int k = 1; k < 8; k++) {
                double dk = fabs(t - mag[k]), db = fabs(t - mag[b]);
                if (dk < db || (dk == db && (k & 1) == 0))
                    b = k;
            }
            double q = (x[i] < 0 ? -mag[b] : mag[b]) * X;
            long double e = (long double)x[i] - q;
            *sse += e * e;
            *me = fmax(*me, fabs((double)e));
            *cl += fabs(x[i]) > 6 * X;
            cnt[x[i] < 0 && b ? 7 - b : 7 + b]++;
        }
    }
}

/* rows of 45: blocks of 32 and 13 (a 4-lane tail of 1); exact ties placed
 * on q8_0's .5 points, q4_0's and mxfp4's decision points */
static void check_fixed(const char *fmt, int bits)
{
    enum { FR = 7, FC = 45 };
    double x[FR * FC];
    tu_rng g = { 21 };
    for (int i = 0; i < FR * FC; i++)
        x[i] = rep_round((double)(float)(tu_gauss(&g) * (1 + i % 3)));
    /* row 0, block 0: amax 127 -> q8_0 d = 1 and t = x: ties at k + 1/2 */
    static const double t8[8] = { 127, 2.5, -2.5, 3.5, -0.5, 0.5, -1.5, 126.5 };
    for (int i = 0; i < 8; i++)
        x[i] = t8[i];
    /* row 1, block 0: amax 6 -> mxfp4 X = 1: every decision point */
    static const double tm[9] = { 6, 0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5, -1.25 };
    for (int i = 0; i < 9; i++)
        x[FC + i] = tm[i];
    for (int i = 0; i < FC; i++)    /* row 2: all zero */
        x[2 * FC + i] = 0;
    uint64_t sh[2] = { FR, FC };
    analyze_cfg c = cfg_of(ALPHA_MAX, SCALE_DEFAULT);
    c.bits = bits;
    analyze_result r = run1(x, sh, 2, FR * FC, &c, fmt);
    long double sse = 0, sq = 0;
    double me = 0;
    uint64_t cl = 0, cnt[256] = { 0 }, nb = 0;
    for (int row = 0; row < FR; row++)
        for (int c0 = 0; c0 < FC; c0 += 32, nb++) {
            size_t n = c0 + 32 <= FC ? 32 : (size_t)(FC - c0);
            bf_fixed(fmt, x + row * FC + c0, n, &sse, &me, &cl, cnt);
        }
    for (int i = 0; i < FR * FC; i++)
        sq += (long double)x[i] * x[i];
    close_rel(r.r.mse, (double)(sse / (FR * FC)), 1e-12);
    close_rel(r.r.sumsq, (double)sq, 1e-12);
    close_rel(r.r.max_abs_err, me, 1e-12);
    if (strcmp(fmt, "q8_0") != 0)
        close_rel(r.r.clipped, (double)cl / (FR * FC), 1e-12);
    double ent = 0;
    size_t used = 0;
    for (int k = 0; k < 256; k++)
        if (cnt[k]) {
            double p = (double)cnt[k] / (FR * FC);
            ent -= p * log2(p);
            used++;
        }
    close_rel(r.r.entropy_bits, ent, 1e-12);
    assert_int_equal(r.r.levels_used, used);
    assert_int_equal(r.nscales, nb);
}

/* mxfp4 over every bfloat16 value below 8 (both signs), in blocks of 32
 * led by +-6 (X = 1), against the reference written here (bf_fixed):
 * every E2M1 decision of the kernels, ties included, on both kernel
 * paths and every source representation */
static void t_mxfp4_every_bf16(void **st)
{
    (void)st;
    enum { NV8 = 0x4100 - 1 };   /* the codes 0x0001 .. 0x40ff: (0, 8) */
    size_t rows = (NV8 + 30) / 31, n = rows * 32;
    double *x = calloc(n, sizeof *x);
    for (size_t v = 0; v < NV8; v++) {
        uint32_t b = (uint32_t)(v + 1) << 16;
        float f;
        memcpy(&f, &b, 4);
        x[(v / 31) * 32 + 1 + v % 31] = v % 2 ? -(double)f : (double)f;
    }
    for (size_t r = 0; r < rows; r++)
        x[r * 32] = r % 2 ? -6.0 : 6.0;
    uint64_t sh[2] = { rows, 32 };
    long double sse = 0;
    double me = 0;
    uint64_t cl = 0, cnt[256] = { 0 };
    for (size_t r = 0; r < rows; r++)
        bf_fixed("mxfp4", x + r * 32, 32, &sse, &me, &cl, cnt);
    double ent = 0;
    for (int k = 0; k < 256; k++)
        if (cnt[k])
            ent -= (double)cnt[k] / (double)n * log2((double)cnt[k] / (double)n);
    int keep = w_rep;
    for (int path = 1; path <= 2; path++) {
        if (gq_set_kernel(path) < 0)
            continue;
        for (w_rep = 0; w_rep < 4; w_rep++) {
            analyze_cfg c = cfg_of(ALPHA_MAX, SCALE_DEFAULT);
            analyze_result r = run1(x, sh, 2, n, &c, "mxfp4");
            close_rel(r.r.mse, (double)(sse / (long double)n), 1e-12);
            close_rel(r.r.max_abs_err, me, 1e-12);
            close_rel(r.r.clipped, (double)cl / (double)n, 1e-12);
            close_rel(r.r.entropy_bits, ent, 1e-12);
        }
    }
    gq_set_kernel(0);
    w_rep = keep;
    free(x);
}

/* ---- mxfp4 from bfloat16 codes (gq.c mx_unit, the codes' bits) ----------------- */

/* bfloat16 code of f (truncated: f is one already where it matters) */
static uint16_t bf16_of(float f)
{
    uint32_t b;
    memcpy(&b, &f, 4);
    return (uint16_t)(b >> 16);
}

static double bf16_dbl(uint16_t c)
{
    uint32_t b = (uint32_t)c << 16;
    float f;
    memcpy(&f, &b, 4);
    return (double)f;
}

/* MXFP4 by its definition (OCP MX v1.0 section 6.3, E2M1 elements):
 * over the finite values of a group, X = 2^(floor(log2 max|x|) - 2)
 * clamped to the E8M0 range [2^-127, 2^127] (X = 0 for an all-zero
 * group), each element the nearest of +-{0, 0.5, 1, 1.5, 2, 3, 4, 6} X,
 * a tie to the even code, beyond 6 X saturated; long double sums. */
typedef struct mxbf {
    long double sse, asum;
    double me;
    uint64_t n, cl, ngroups, lev[15];
} mxbf;

static void mx_brute(mxbf *b, const uint16_t *c, size_t len)
{
    static const long double mag[8] = { 0, 0.5L, 1, 1.5L, 2, 3, 4, 6 };
    long double amax = 0;
    size_t nf = 0;
    for (size_t i = 0; i < len; i++) {
        double v = bf16_dbl(c[i]);
        if (!isfinite(v))
            continue;
        nf++;
        amax = fabsl((long double)v) > amax ? fabsl((long double)v) : amax;
    }
    if (nf == 0)
        return;
    long double X = 0;
    if (amax > 0) {
        int e = 0;
        long double p = 1;   /* the largest power of two <= amax, by halving / doubling */
        while (p * 2 <= amax) {
            p *= 2;
            e++;
        }
        while (p > amax) {
            p /= 2;
            e--;
        }
        e -= 2;
        e = e < -127 ? -127 : e > 127 ? 127 : e;
        X = ldexpl(1.0L, e);
    }
    b->ngroups++;
    b->asum += 6 * X;
    for (size_t i = 0; i < len; i++) {
        double v = bf16_dbl(c[i]);
        if (!isfinite(v))
            continue;
        long double a = fabsl((long double)v), t = X > 0 ? a / X : 0;
        int k = 0;
        for (int j = 1; j < 8; j++) {
            long double dj = fabsl(t - mag[j]), dk = fabsl(t - mag[k]);
            if (dj < dk || (dj == dk && j % 2 == 0))
                k = j;
        }
        long double e = a - mag[k] * X;
        b->sse += e * e;
        b->me = fabs((double)e) > b->me ? fabs((double)e) : b->me;
        b->cl += a > 6 * X;
        b->lev[v < 0 && k > 0 ? 7 - k : 7 + k]++;
        b->n++;
    }
}

/* groups of 32 along rows of COLS = 31 x 32 + 8 (a ragged 8 at each row's
 * end), of kinds: Gaussian at a random binade from 2^-120 to 2^120; the
 * E2M1 midpoints t X (0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5) and their
 * bfloat16 neighbours; zeros of both signs; subnormals alone and under a
 * small normal max (the exponents where the code path hands over); a NaN
 * or an infinity among finite values; the largest finite bfloat16;
 * saturation (t up to 8); bfloat16 steps around X; magnitudes 2^40 apart
 * (sums in double that round: the order of the additions shows) */
static void mx_fill(uint16_t *c, size_t n, size_t cols, int only, int exlo, int exhi, uint64_t seed)
{
    tu_rng g = { 2026 + seed * 1000 + (uint64_t)(only + 1) * 7 + (uint64_t)(exlo + 200) };
    static const float mids[7] = { 0.25f, 0.75f, 1.25f, 1.75f, 2.5f, 3.5f, 5.0f };
    for (size_t g0 = 0; g0 < n; g0 += 32) {
        size_t len = cols - g0 % cols < 32 ? cols - g0 % cols : 32;
        if (g0 % cols + len > cols)
            len = cols - g0 % cols;
        int kind = only >= 0 ? only : (int)(tu_next(&g) % 11);
        int ex = exlo + (int)(tu_next(&g) % (uint64_t)(exhi - exlo + 1));
        float X = ldexpf(1.0f, ex);
        for (size_t i = 0; i < len; i++) {
            float f;
            uint64_t u = tu_next(&g);
            switch (kind) {
            case 0:
            case 1:
                f = (float)tu_gauss(&g) * X;
                break;
            case 2: {   /* midpoints, one ulp either side; the max sets X */
                uint16_t m = bf16_of(mids[u % 7] * X);
                int d = (int)((u >> 8) % 3) - 1;
                f = i == 0 ? 7.5f * X : (float)bf16_dbl((uint16_t)(m + d));
                break;
            }
            case 3:
                f = (u >> 3) % 2 ? 0.0f : -0.0f;
                break;
            case 4: {   /* subnormals; under a normal max with exponent field 1 .. 8 */
                uint16_t m = (uint16_t)(1 + (u >> 8) % 127);
                int top = (int)((u >> 20) % 9);
                f = (float)bf16_dbl(m);
                if (i == 0 && top > 0)
                    f = (float)bf16_dbl((uint16_t)((top << 7) | (int)((u >> 30) % 128)));
                break;
            }
            case 5:
                f = (float)tu_gauss(&g) * X;
                if (i == 3)
                    f = (u >> 5) % 3 == 0 ? NAN : (u >> 5) % 3 == 1 ? INFINITY : -INFINITY;
                break;
            case 6:
                f = (float)bf16_dbl((uint16_t)(0x7f00 + (u >> 8) % 0x80));   /* 2^127 .. max */
                break;
            case 7:   /* a whole binade up to 8 X, both signs */
                f = (float)(tu_uniform(&g) * 8) * X;
                break;
            case 8:   /* bfloat16 steps around X */
                f = (float)bf16_dbl((uint16_t)(bf16_of(X) - 400 + (int)((u >> 8) % 800)));
                break;
            default:  /* magnitudes 2^40 apart in one group: double sums that round */
                f = i == 0 ? 7.0f * X : (float)tu_gauss(&g) * ldexpf(X, -(int)((u >> 8) % 41));
                break;
            }
            if ((u >> 40) % 2 && kind != 3)
                f = -f;
            c[g0 + i] = bf16_of(f);
        }
        g0 -= 32 - len;   /* (the ragged group: the next row starts after it) */
    }
}

/* one tensor ROWS x COLS of mx_fill's groups (kind only, or all: -1; X
 * from 2^exlo to 2^exhi) against mx_brute, on both kernel paths, 1 and 2 threads,
 * with the codes counted in the pass (gq.c mx_unit) and without (the
 * per-group path): the same bits every time, and the code counts */
static void mx_codes_case(int only, int exlo, int exhi, size_t ROWS, size_t COLS, uint64_t seed)
{
    size_t N = ROWS * COLS;
    uint16_t *c = malloc(sizeof *c * N);
    mx_fill(c, N, COLS, only, exlo, exhi, seed);
    unsigned char *raw = malloc(2 * (size_t)N);
    for (size_t i = 0; i < N; i++) {
        raw[2 * i] = (unsigned char)(c[i] & 0xff);
        raw[2 * i + 1] = (unsigned char)(c[i] >> 8);
    }
    mxbf b;
    memset(&b, 0, sizeof b);
    uint64_t *want = calloc(65536, sizeof *want);
    for (size_t r = 0; r < ROWS; r++)
        for (size_t j = 0; j < COLS; j += 32)
            mx_brute(&b, c + r * COLS + j, COLS - j < 32 ? COLS - j : 32);
    for (size_t i = 0; i < N; i++)
        want[c[i]]++;
    double ent = 0;
    uint64_t used = 0;
    for (int k = 0; k < 15; k++)
        if (b.lev[k]) {
            double p = (double)b.lev[k] / (double)b.n;
            ent -= p * log2(p);
            used++;
        }
    uint64_t sh[2] = { ROWS, COLS };
    group_tensor t = { NULL, 0, 2, sh, N };
    const char *sc = "mxfp4";
    analyze_result first[2];
    int have[2] = { 0, 0 };
    for (int path = 1; path <= 2; path++) {
        if (gq_set_kernel(path) < 0)
            continue;
        for (int th = 1; th <= 2; th++)
            for (int counting = 0; counting <= 1; counting++) {
                uint64_t *got = counting ? calloc(65536, sizeof *got) : NULL;
                group_codes cd = { raw, NULL, 1, got, NULL, NULL };
                analyze_cfg cf = cfg_of(ALPHA_MAX, SCALE_DEFAULT);
                cf.nthreads = th;
                analyze_result r;
                int h = 0;
                util_err e = { { 0 } };
                assert_int_equal(group_analyze_codes(&t, &cd, &cf, &sc, 1, &r, &h, &e), 0);
                assert_true(h && r.ok);
                close_rel(r.r.mse, (double)(b.sse / (long double)b.n), 1e-13);
                assert_true(r.r.max_abs_err == b.me);
                close_rel(r.r.clipped, (double)b.cl / (double)b.n, 1e-15);
                close_rel(r.r.alpha, (double)(b.asum / (long double)b.ngroups), 1e-13);
                close_rel(r.r.entropy_bits, ent, 1e-13);
                assert_int_equal(r.r.levels_used, used);
                assert_int_equal(r.nscales, ROWS * ((COLS + 31) / 32));
                if (got) {
                    assert_memory_equal(got, want, 65536 * sizeof *got);
                    free(got);
                }
                /* every path, thread count, with or without counting: the
                 * same bits (the sum of squares: per group without the
                 * counts, exact from them with) */
                const analyze_result *f = have[0] ? &first[0] : &r;
                assert_memory_equal(&r.r.mse, &f->r.mse, sizeof(double));
                assert_memory_equal(&r.r.alpha, &f->r.alpha, sizeof(double));
                assert_memory_equal(&r.r.entropy_bits, &f->r.entropy_bits, sizeof(double));
                assert_memory_equal(&r.r.max_abs_err, &f->r.max_abs_err, sizeof(double));
                assert_memory_equal(&r.r.clipped, &f->r.clipped, sizeof(double));
                if (have[counting])
                    assert_memory_equal(&r.r.sumsq, &first[counting].r.sumsq, sizeof(double));
                else {
                    first[counting] = r;
                    have[counting] = 1;
                }
            }
    }
    gq_set_kernel(0);
    free(want);
    free(raw);
    free(c);
}

static void t_mxfp4_codes(void **st)
{
    (void)st;
    enum { COLS = 31 * 32 + 8, ROWS = 130 };   /* rows of 31 groups and a ragged 8: 4 units and a part */
    mx_codes_case(-1, -120, 120, ROWS, COLS, 0);    /* all kinds, scales far apart */
    for (int k = 0; k < 11; k++)
        mx_codes_case(k, -2, 2, ROWS, COLS, 0);     /* each kind alone (its mse not drowned) */
    mx_codes_case(0, -126, -118, ROWS, COLS, 0);    /* X about 2^-123: the codes' path hands over */
    mx_codes_case(2, -126, -118, ROWS, COLS, 0);
    mx_codes_case(8, -126, -118, ROWS, COLS, 0);
    /* one or two groups alone, where a group's sum shows in the mse's last
     * bits (in a big tensor the unit sums round it away) */
    for (uint64_t sd = 1; sd <= 60; sd++)
        mx_codes_case(10, -2, 2, 1, sd % 2 ? 32 : 64, sd);
}

static void t_fixed_bruteforce(void **st)
{
    (void)st;
    int keep = w_rep;
    for (w_rep = 0; w_rep < 4; w_rep++) {
        check_fixed("q8_0", 8);
        check_fixed("q4_0", 4);
        check_fixed("mxfp4", 4);
    }
    w_rep = keep;
}

/* values exactly on the uniform midpoints, x = (k + 1/2) s with s an
 * fp32 scale (x / s exact; x * (1 / s) need not be) go to the lower
 * level, with every kernel path */
static void t_uniform_ties(void **st)
{
    (void)st;
    double x[40];
    uint64_t sh[2] = { 2, 20 };
    static const double s0[8] = { 0.1, 0.3, 0.7, 1.1, 1.3, 0.017, 3.3, 0.9 };
    for (int p = 1; p <= 2; p++) {
        if (gq_set_kernel(p) < 0)
            continue;
        for (int q = 0; q < 8; q++) {
            double sc = (double)(float)s0[q];
            for (int i = 0; i < 40; i++)
                x[i] = sc * ((i % 20) - 10 + 0.5) * (i < 20 ? 1 : -1);
            analyze_cfg c = cfg_of(ALPHA_VALUE, SCALE_FP32);
            c.alpha = 7 * sc;
            c.gran = GRAN_GROUP;
            c.group = 20;
            analyze_result r = run1(x, sh, 2, 40, &c, "uniform");
            bft b = { 0 };
            bf_group(&b, "uniform", 4, SCALE_FP32, x, 40, c.alpha);
            close_rel(r.r.mse, (double)(b.sse / 40), 1e-15);
            close_rel(r.r.max_abs_err, b.maxerr, 1e-15);
            /* t = k + 1/2 for k = -10..9 goes to k, clamped to -7..7: the
             * level counts are then 4 at -7 and 7 ... : the entropy by hand */
            double ent = 0;
            int cnt[15] = { 0 };
            for (int i = 0; i < 40; i++) {
                int k = (i % 20) - 10;           /* t = k + 1/2 -> k (lower) */
                if (i >= 20)
                    k = -k - 1;                  /* t = -(k + 1/2) -> -k - 1 */
                k = k < -7 ? -7 : k > 7 ? 7 : k;
                cnt[k + 7]++;
            }
            for (int k = 0; k < 15; k++)
                if (cnt[k])
                    ent -= cnt[k] / 40.0 * log2(cnt[k] / 40.0);
            close_rel(r.r.entropy_bits, ent, 1e-15);
        }
    }
    gq_set_kernel(0);
}

/* ---- kernel paths: the baseline build and AVX2 give the same bits ------------------- */

static void run_paths(const group_tensor *t, const group_codes *cd, analyze_cfg c,
                      const char *const *sc, int ns)
{
    analyze_result r[2][8];
    int h[8];
    util_err e = { { 0 } };
    int np = 1;
    for (int p = 0; p < 2; p++) {
        if (gq_set_kernel(p + 1) < 0)
            break;
        np = p + 1;
        if (cd)
            assert_int_equal(group_analyze_codes(t, cd, &c, sc, ns, r[p], h, &e), 0);
        else
            assert_int_equal(group_analyze(t, &c, sc, ns, r[p], h, &e), 0);
    }
    gq_set_kernel(0);
    if (np < 2) {
        print_message("    (no AVX2 on this CPU: the baseline path only)\n");
        return;
    }
    for (int k = 0; k < ns; k++) {
        assert_true(r[0][k].ok && r[1][k].ok);
        assert_memory_equal(&r[0][k].r.mse, &r[1][k].r.mse, sizeof(double));
        assert_memory_equal(&r[0][k].r.sumsq, &r[1][k].r.sumsq, sizeof(double));
        assert_memory_equal(&r[0][k].r.alpha, &r[1][k].r.alpha, sizeof(double));
        assert_memory_equal(&r[0][k].r.entropy_bits, &r[1][k].r.entropy_bits, sizeof(double));
        assert_memory_equal(&r[0][k].r.max_abs_err, &r[1][k].r.max_abs_err, sizeof(double));
        assert_memory_equal(&r[0][k].r.clipped, &r[1][k].r.clipped, sizeof(double));
    }
}

static void t_kernel_paths(void **st)
{
    (void)st;
    /* the brute-force checks again with each path forced */
    for (int p = 1; p <= 2; p++) {
        if (gq_set_kernel(p) < 0)
            continue;
        make_w();
        check_bf(0, 16, 0, 0, "uniform", SCALE_FP16, ALPHA_MAX);
        check_bf(2, 0, 5, 7, "apot", SCALE_BF16, ALPHA_MAX);
        check_bf(1, 5, 0, 0, "pot", SCALE_FP32, ALPHA_VALUE);
        check_mse(0, 16, 0, 0, "uniform");
        check_mse(1, 5, 0, 0, "apot");
        t_fixed_bruteforce(NULL);
    }
    gq_set_kernel(0);
    /* and bit for bit the same results: groups of 13 (4-lane tails) */
    enum { M = 40, K = 117 };
    float *f = malloc(sizeof *f * M * K);
    unsigned char *raw = malloc(2 * M * K);
    tu_rng g = { 17 };
    for (int i = 0; i < M * K; i++) {
        float v = (float)(tu_gauss(&g) * (1 + i % 5));
        uint32_t b;
        memcpy(&b, &v, 4);
        b &= 0xffff0000u;
        memcpy(&f[i], &b, 4);
        raw[2 * i] = (unsigned char)(b >> 16);
        raw[2 * i + 1] = (unsigned char)(b >> 24);
    }
    f[100] = NAN;
    raw[200] = 0xc0; raw[201] = 0x7f;   /* the same NaN as a code */
    uint64_t sh[2] = { M, K };
    group_tensor t = { f, 0, 2, sh, M * K };
    group_tensor tc = { NULL, 0, 2, sh, M * K };
    group_codes cd = { raw, NULL, 1, NULL, NULL, NULL };
    const char *sc[8] = { "uniform", "pot", "apot", "nf4", "int-asym", "fp4-e2m1", "mxfp4", "q4_0" };
    for (int mode = 0; mode < 3; mode++) {
        analyze_cfg c = cfg_of(mode == 0 ? ALPHA_MAX : mode == 1 ? ALPHA_MSE : ALPHA_VALUE,
                               SCALE_FP16);
        c.gran = GRAN_GROUP;
        c.group = 13;
        run_paths(&t, NULL, c, sc, mode == 1 ? 3 : 8);
        run_paths(&tc, &cd, c, sc, mode == 1 ? 3 : 8);
        c.normalize = 1;
        run_paths(&tc, &cd, c, sc, mode == 1 ? 3 : 8);
    }
    analyze_cfg c = cfg_of(ALPHA_MAX, SCALE_FP16);
    c.bits = 8;
    const char *s8[1] = { "q8_0" };
    run_paths(&t, NULL, c, s8, 1);
    run_paths(&tc, &cd, c, s8, 1);
    free(f);
    free(raw);
}

/* ---- result strings outlive the thread that computed them ------------------------ */

typedef struct gthr {
    analyze_cfg c;
    analyze_result r;
} gthr;

static void *gthr_run(void *arg)
{
    gthr *g = arg;
    static const double x[64] = { 1, -2, 3, 0.5 };
    static const uint64_t sh[2] = { 2, 32 };
    group_tensor t = { x, 1, 2, sh, 64 };
    const char *sc = "uniform";
    int h;
    util_err e = { { 0 } };
    group_analyze(&t, &g->c, &sc, 1, &g->r, &h, &e);
    return NULL;
}

static void t_names_outlive_threads(void **st)
{
    (void)st;
    gthr a, b;
    a.c = cfg_of(ALPHA_MAX, SCALE_FP16);
    a.c.gran = GRAN_GROUP;
    a.c.group = 16;
    b = a;
    b.c.group = 8;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, gthr_run, &a), 0);
    pthread_join(th, NULL);
    /* a second thread (likely on the first one's stack and TLS) */
    assert_int_equal(pthread_create(&th, NULL, gthr_run, &b), 0);
    pthread_join(th, NULL);
    assert_true(a.r.ok && b.r.ok);
    assert_string_equal(a.r.granularity, "group:16");
    assert_string_equal(b.r.granularity, "group:8");
}

/* ---- presets against hand-computed blocks ----------------------------------------- */

static void t_q4_0_hand(void **st)
{
    (void)st;
    /* x = 0.1 k (as float); the first value of largest magnitude is -0.8,
     * so d = -0.8 / -8 = 0.1, stored as fp16 0.0999755859375 (0.1 =
     * 1.6 x 2^-4; 0.6 x 1024 = 614.4 -> 614). id = 1/d = 10, q = (int8)(x
     * id + 8.5) = k + 8, except 0.8: 16.5 -> 16 -> min(15) = 15. */
    static const int k[32] = { -8, 3, 0, 8, -1, 2, 7, -7, 5, -3, 1, 1, 0, -2, 4, 6,
                               -4, -5, -6, 2, 3, 0, 0, -1, 8, 5, -8, 7, 1, -2, 0, 4 };
    static const int code[32] = { 0, 11, 8, 15, 7, 10, 15, 1, 13, 5, 9, 9, 8, 6, 12, 14,
                                  4, 3, 2, 10, 11, 8, 8, 7, 15, 13, 0, 15, 9, 6, 8, 12 };
    double x[32];
    for (int i = 0; i < 32; i++)
        x[i] = (double)(float)(0.1 * k[i]);
    uint64_t sh[2] = { 1, 32 };
    analyze_cfg c = cfg_of(ALPHA_MAX, SCALE_DEFAULT);
    analyze_result r = run1(x, sh, 2, 32, &c, "q4_0");
    long double sse = 0;
    for (int i = 0; i < 32; i++) {
        long double e = (long double)x[i] - (code[i] - 8) * 0.0999755859375L;
        sse += e * e;
    }
    close_rel(r.r.mse, (double)(sse / 32), 1e-13);
    close_rel(r.bpw, 4.5, 1e-15);
    assert_string_equal(r.scale_dtype, "fp16");
    /* levels used: codes 0..15 except none missing? count them */
    int used[16] = { 0 }, nu = 0;
    for (int i = 0; i < 32; i++)
        used[code[i]] = 1;
    for (int i = 0; i < 16; i++)
        nu += used[i];
    assert_int_equal(r.r.levels_used, nu);
}

static void t_q8_0_hand(void **st)
{
    (void)st;
    /* amax 1.27 -> d = 0.01, fp16 0.01000213623046875 (0.01 = 1.28 x
     * 2^-7; 0.28 x 1024 = 286.72 -> 287); q = round(x / d) = k */
    double x[32];
    for (int i = 0; i < 32; i++)
        x[i] = (double)(float)(0.01 * (i * 37 % 255 - 127));
    x[5] = (double)(float)1.27;
    uint64_t sh[1] = { 32 };
    analyze_cfg c = cfg_of(ALPHA_MAX, SCALE_DEFAULT);
    c.bits = 8;
    analyze_result r = run1(x, sh, 1, 32, &c, "q8_0");
    long double sse = 0;
    for (int i = 0; i < 32; i++) {
        int k = i == 5 ? 127 : i * 37 % 255 - 127;
        long double e = (long double)x[i] - k * 0.01000213623046875L;
        sse += e * e;
    }
    close_rel(r.r.mse, (double)(sse / 32), 1e-13);
    close_rel(r.bpw, 8.5, 1e-15);
}

static void t_nf4_hand(void **st)
{
    (void)st;
    /* one block of 64 with absmax 2 (fp32): x = 2 v_k is exact (error 0);
     * then x = 1.0 (t = 0.5 < midpoint 0.50166 of 0.4407 and 0.5626: code
     * 12, x^ = 0.8814196586608887) and x = -0.1 (t = -0.05, below the
     * midpoint -0.04552 of -0.09105 and 0: code 6, x^ = -0.1821000725030899) */
    double x[64];
    for (int i = 0; i < 64; i++)
        x[i] = 2 * schemes_nf4_values[i % 16];
    x[17] = 1.0;
    x[18] = -0.1;
    uint64_t sh[2] = { 1, 64 };
    analyze_cfg c = cfg_of(ALPHA_MAX, SCALE_DEFAULT);
    c.gran = GRAN_GROUP;
    c.group = 64;
    analyze_result r = run1(x, sh, 2, 64, &c, "nf4");
    long double e1 = 1.0L - 2 * (long double)(float)0.44070982933044434;
    long double e2 = -0.1L + 2 * (long double)(float)0.09105003625154495;
    close_rel(r.r.mse, (double)((e1 * e1 + e2 * e2) / 64), 1e-12);
    close_rel(r.bpw, 4.5, 1e-15);
    assert_string_equal(r.scale_dtype, "fp32");
}

static void t_mxfp4_hand(void **st)
{
    (void)st;
    /* amax 6 -> X = 2^(2 - 2) = 1; ties to even: 0.25 -> 0, 0.75 -> 1,
     * 1.25 -> 1, 1.75 -> 2, 2.5 -> 2, 3.5 -> 4, 5 -> 4; 7 saturates at 6 */
    double x[32] = { 6, 0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5, -0.75, -2.5, 7 };
    static const double want[11] = { 6, 0, 1, 1, 2, 2, 4, 4, -1, -2, 6 };
    uint64_t sh[1] = { 32 };
    analyze_cfg c = cfg_of(ALPHA_MAX, SCALE_DEFAULT);
    analyze_result r;
    /* amax is 7 here: floor(log2 7) = 2, X = 1 still */
    r = run1(x, sh, 1, 32, &c, "mxfp4");
    long double sse = 0;
    for (int i = 0; i < 11; i++)
        sse += ((long double)x[i] - want[i]) * ((long double)x[i] - want[i]);
    close_rel(r.r.mse, (double)(sse / 32), 1e-15);
    close_rel(r.r.clipped, 1.0 / 32, 1e-15);
    assert_string_equal(r.scale_dtype, "e8m0");
    /* a tie's error is the same either way: the codes show the rule. By
     * hand: 6 twice (6, 7), 0 22 times (0.25 and 21 zeros), 1 twice (0.75,
     * 1.25), 2 twice (1.75, 2.5), 4 twice (3.5, 5), -1 once, -2 once */
    static const int cnt[7] = { 2, 22, 2, 2, 2, 1, 1 };
    double ent = 0;
    for (int i = 0; i < 7; i++)
        ent -= cnt[i] / 32.0 * log2(cnt[i] / 32.0);
    close_rel(r.r.entropy_bits, ent, 1e-12);
    assert_int_equal(r.r.levels_used, 7);
}

static void t_intasym_hand(void **st)
{
    (void)st;
    /* AWQ: min -1, max 2: scale 3/15 = 0.2 -> fp16 0.199951171875; z =
     * round(1 / 0.19995) = 5; x = 2: round(10.0024) + 5 = 15 -> 10 s;
     * -1: 0 -> -5 s; 0.5: round(2.5006) = 3 -> 8 -> 3 s; 0.1: round(0.50012)
     * = 1 -> 6 -> 1 s; 0: 5 -> 0 */
    double x[8] = { 2, -1, 0.5, 0.1, 0, 0, 0, 0 };
    static const int qz[8] = { 10, -5, 3, 1, 0, 0, 0, 0 };
    uint64_t sh[1] = { 8 };
    analyze_cfg c = cfg_of(ALPHA_MAX, SCALE_DEFAULT);
    c.gran = GRAN_GROUP;
    c.group = 8;
    analyze_result r = run1(x, sh, 1, 8, &c, "int-asym");
    long double sse = 0;
    for (int i = 0; i < 8; i++) {
        long double e = x[i] - qz[i] * 0.199951171875L;
        sse += e * e;
    }
    close_rel(r.r.mse, (double)(sse / 8), 1e-13);
    close_rel(r.bpw, 4 + 20.0 / 8, 1e-15);
}

static void t_scale_round(void **st)
{
    (void)st;
    tu_rng g = { 1 };
    const scale_dtype sds[] = { SCALE_FP32, SCALE_FP16, SCALE_BF16, SCALE_E8M0 };
    for (int i = 0; i < 20000; i++) {
        double s = exp((tu_uniform(&g) - 0.5) * 60);
        for (int d = 0; d < 4; d++) {
            double a = gq_round_scale(s, sds[d]), b = bf_round_scale(s, sds[d]);
            if (a != b) {
                print_error("s %.17g dtype %d: %.17g vs %.17g\n", s, d, a, b);
                fail();
            }
        }
    }
    /* hand values */
    assert_true(gq_round_scale(0.1, SCALE_FP16) == 0.0999755859375);
    /* ties to even, a carry into the exponent, saturation, the edge of
     * the normal range (fp16: steps of 1 in [1024, 2048), 2^-24 below 2^-14) */
    assert_true(gq_round_scale(2046.5, SCALE_FP16) == 2046.0);
    assert_true(gq_round_scale(2047.5, SCALE_FP16) == 2048.0);
    assert_true(gq_round_scale(1025.5, SCALE_FP16) == 1026.0);
    assert_true(gq_round_scale(65519.0, SCALE_FP16) == 65504.0);
    assert_true(gq_round_scale(65520.0, SCALE_FP16) == 65504.0);
    assert_true(gq_round_scale(0x1p-14, SCALE_FP16) == 0x1p-14);
    assert_true(gq_round_scale(0x1p-14 - 0x1p-26, SCALE_FP16) == 0x1p-14);
    assert_true(gq_round_scale(0x1.8p-24, SCALE_FP16) == 0x1p-23);
    assert_true(gq_round_scale(1.0 + 0x1p-24, SCALE_FP32) == 1.0);
    assert_true(gq_round_scale(1.0 + 0x1.8p-23, SCALE_FP32) == 1.0 + 0x1p-22);
    assert_true(gq_round_scale(0.75, SCALE_E8M0) == 1.0);
    assert_true(gq_round_scale(1.0, SCALE_E8M0) == 1.0);
    assert_true(gq_round_scale(1e6, SCALE_FP16) == 65504.0);
    assert_true(gq_round_scale(1.0 + 1.0 / 256, SCALE_BF16) == 1.0);      /* tie to even */
    assert_true(gq_round_scale(1.0 + 3.0 / 256, SCALE_BF16) == 1.015625); /* tie to even */
}

/* ---- the view sink (gq_view) --------------------------------------------------- */

/* Per group by its definition (for_groups): the stored alpha by the
 * format's own rule, the group's errors by brute force, u = x / alpha
 * (int-asym: the position in [lo, hi]) binned into NB bins over [-1, 1]. */
enum { VB = 21 };
typedef struct vctx {
    const char *scheme;
    scale_dtype sd;
    uint64_t gi;
    const gq_view *v;
    uint64_t hist[VB], nclip;
    int fails;
} vctx;

static void vbin(vctx *c, double x, double a, double ctr)
{
    double u = x - ctr == 0 ? 0 : (x - ctr) / a;
    double f = (u + 1) / 2 * VB;
    long b = f <= 0 ? 0 : f >= VB ? VB - 1 : (long)f;
    c->hist[b]++;
    c->nclip += fabs(u) > 1;
}

static void view_cb(void *ctx, const double *x, size_t n)
{
    vctx *c = ctx;
    uint64_t gi = c->gi++;
    double am = amax_of(x, n), a = 0, ctr = 0;
    long double sse = 0;
    if (strcmp(c->scheme, "int-asym") == 0) {
        double mn = INFINITY, mx = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            mn = fmin(mn, x[i]);
            mx = fmax(mx, x[i]);
        }
        double s = (mx - mn) / 15;
        if (!(s > 0))
            s = fabs(mx) / 15;
        if (!(s > 0))
            s = 1;
        double sc = bf_round_scale(s, SCALE_FP16), z = n ? fmin(fmax(nearbyint(-mn / sc), 0), 15) : 0;
        double lo = -z * sc, hi = (15 - z) * sc;
        if (am > 0) {
            a = (hi - lo) / 2;
            ctr = (lo + hi) / 2;
        }
        for (size_t i = 0; i < n; i++) {
            double q = fmin(fmax(nearbyint(x[i] / sc) + z, 0), 15);
            long double e = (long double)x[i] - (q - z) * sc;
            sse += e * e;
        }
    } else if (strcmp(c->scheme, "mxfp4") == 0 || strcmp(c->scheme, "q4_0") == 0) {
        double me = 0;
        uint64_t cl = 0, cnt[256] = { 0 };
        bf_fixed(c->scheme, x, n, &sse, &me, &cl, cnt);
        if (c->scheme[0] == 'm') {
            for (int k = -127; k <= 127 && am > 0; k++)   /* X as bf_fixed chooses it */
                if (ldexp(1.0, k + 2) <= am || k == -127)
                    a = 6 * ldexp(1.0, k);
        } else {
            float fa = 0, fm = 0;
            for (size_t i = 0; i < n; i++)
                if (fa < fabsf((float)x[i])) {
                    fa = fabsf((float)x[i]);
                    fm = (float)x[i];
                }
            a = 8 * bf_round_scale(fabsf(fm / -8), SCALE_FP16);
        }
    } else {
        bft b = { 0 };
        a = am > 0 ? bf_round_scale(am / natmax_bf(c->scheme, 4), c->sd) * natmax_bf(c->scheme, 4) : 0;
        bf_group(&b, c->scheme, 4, c->sd, x, n, am);
        sse = b.sse;
    }
    for (size_t i = 0; i < n; i++)
        vbin(c, x[i], a, ctr);
    const gq_view *v = c->v;
    if (gi >= v->ngroups || v->count[gi] != n || v->alpha[gi] != (float)a ||
        !(fabsf(v->sse[gi] - (float)sse) <= 1e-6f * fmaxf((float)sse, 1e-30f))) {
        if (c->fails++ < 5)
            print_error("%s group %llu: n %zu/%u alpha %.9g/%.9g sse %.9g/%.9g\n", c->scheme,
                        (unsigned long long)gi, n, gi < v->ngroups ? v->count[gi] : 0, a,
                        gi < v->ngroups ? v->alpha[gi] : 0, (double)sse,
                        gi < v->ngroups ? v->sse[gi] : 0);
    }
}

static void view_run(const double *w, const uint64_t *sh, uint64_t cnt, const analyze_cfg *c,
                     int fixed, const char *scheme, gq_view *v, uint64_t *hist)
{
    group_tensor t = { w, 1, 2, sh, cnt };
    gq_job j;
    memset(&j, 0, sizeof j);
    util_err e = { { 0 } };
    assert_int_equal(levels_build(scheme, c->bits, c->is_signed, &LP, &j.ls, &e), 0);
    j.def = levels_find(scheme);
    analyze_result r;
    memset(&r, 0, sizeof r);
    j.out = &r;
    memset(v, 0, sizeof *v);
    v->nbins = VB;
    v->hist = hist;
    j.view = v;
    char msg[200];
    assert_int_equal(gq_run(&t, NULL, c, fixed, 0, 1, &j, 1, msg, sizeof msg), 0);
    assert_true(r.ok);
    assert_int_equal(v->ngroups, r.nscales);
    levels_free(&j.ls);
}

static void check_view(int kind, uint64_t G, uint64_t TR, uint64_t TC, const char *scheme,
                       scale_dtype sd, size_t gcols)
{
    analyze_cfg c = cfg_of(ALPHA_MAX, sd);
    int fixed = strcmp(scheme, "mxfp4") == 0 || strcmp(scheme, "q4_0") == 0;
    if (kind == 2) {
        c.gran = GRAN_BLOCK;
        c.block_r = TR;
        c.block_c = TC;
    } else {
        c.gran = GRAN_GROUP;
        c.group = G;
        c.group_along_axis = kind == 1;
    }
    gq_view v;
    uint64_t hist[VB];
    memset(hist, 0xff, sizeof hist);   /* gq_run overwrites it */
    view_run(W, SH, NV, &c, fixed, scheme, &v, hist);
    vctx bc = { .scheme = scheme, .sd = sd, .v = &v };
    uint64_t ng = for_groups(kind, G, TR, TC, view_cb, &bc);
    assert_int_equal(bc.fails, 0);
    assert_int_equal(v.ngroups, ng);
    assert_int_equal(v.gcols, gcols);
    assert_memory_equal(hist, bc.hist, sizeof hist);
    assert_int_equal(v.nclip, bc.nclip);
    uint64_t tot = 0;
    for (int b = 0; b < VB; b++)
        tot += hist[b];
    assert_int_equal(tot, NV - 1);    /* every finite value (one NaN) */
    gq_view_free(&v);
    assert_null(v.alpha);
}

static void t_view(void **st)
{
    (void)st;
    make_w();
    check_view(0, 16, 0, 0, "uniform", SCALE_FP16, 4);   /* rows of 50: 4 groups (ragged) */
    check_view(1, 5, 0, 0, "uniform", SCALE_FP16, C0);   /* along axis 0: [3, 50] */
    check_view(2, 0, 5, 7, "uniform", SCALE_BF16, 8);    /* tiles: [3, 8] */
    check_view(0, 16, 0, 0, "pot", SCALE_BF16, 4);
    check_view(2, 0, 4, 25, "apot", SCALE_E8M0, 2);
    check_view(0, 16, 0, 0, "int-asym", SCALE_FP16, 4);
    check_view(0, 32, 0, 0, "mxfp4", SCALE_DEFAULT, 2);  /* blocks of 32 along the rows */
    check_view(0, 32, 0, 0, "q4_0", SCALE_DEFAULT, 2);
    /* the all-zero row 5 (groups 20..23): alpha 0, every value at u = 0 */
    analyze_cfg c = cfg_of(ALPHA_MAX, SCALE_FP16);
    c.gran = GRAN_GROUP;
    c.group = 16;
    gq_view v;
    uint64_t hist[VB];
    view_run(W, SH, NV, &c, 0, "uniform", &v, hist);
    for (int g = 20; g < 24; g++)
        assert_true(v.alpha[g] == 0 && v.sse[g] == 0 && v.count[g] == (g < 23 ? 16 : 2));
    assert_true(v.count[0] == 15);   /* W[7] is NaN */
    gq_view_free(&v);
    /* --alpha=mse: each group's sse is the brute-force sse at its alpha,
     * which is no worse than the dense search */
    c.amode = ALPHA_MSE;
    c.sdtype = SCALE_FP32;
    view_run(W, SH, NV, &c, 0, "apot", &v, NULL);
    for (uint64_t r0 = 0; r0 < R0; r0++)
        for (int g = 0; g < 4; g++) {
            double x[16];
            size_t n = 0;
            for (int k = 16 * g; k < 16 * g + 16 && k < C0; k++)
                if (isfinite(W[r0 * C0 + (uint64_t)k]))
                    x[n++] = W[r0 * C0 + (uint64_t)k];
            size_t gi = r0 * 4 + (size_t)g;
            assert_int_equal(v.count[gi], n);
            if (n == 0 || amax_of(x, n) == 0)
                continue;
            bft b = { 0 };
            bf_group(&b, "apot", 4, SCALE_FP32, x, n, v.alpha[gi]);
            close_rel(v.sse[gi], (double)b.sse, 1e-6);
            double am = amax_of(x, n), best = INFINITY;
            for (int k = 1; k <= 2000; k++)
                best = fmin(best, bf_sse_at("apot", 4, x, n, am * k / 2000.0));
            assert_true(v.sse[gi] <= best * (1 + 1e-5));
        }
    gq_view_free(&v);
    /* threads: the same bits */
    enum { M = 300, K = 700 };
    double *f = malloc(sizeof *f * M * K);
    tu_rng g = { 3 };
    for (int i = 0; i < M * K; i++)
        f[i] = tu_gauss(&g) * (1 + i % 7);
    uint64_t sh[2] = { M, K };
    const char *sc[3] = { "uniform", "int-asym", "mxfp4" };
    for (int k = 0; k < 3; k++) {
        gq_view v1, v2;
        uint64_t h1[VB], h2[VB];
        c = cfg_of(k == 0 ? ALPHA_MSE : ALPHA_MAX, SCALE_FP16);
        c.gran = GRAN_GROUP;
        c.group = 64;
        c.nthreads = 1;
        view_run(f, sh, M * K, &c, k == 2, sc[k], &v1, h1);
        c.nthreads = 2;
        view_run(f, sh, M * K, &c, k == 2, sc[k], &v2, h2);
        assert_int_equal(v1.ngroups, v2.ngroups);
        assert_memory_equal(h1, h2, sizeof h1);
        assert_memory_equal(v1.alpha, v2.alpha, v1.ngroups * sizeof *v1.alpha);
        assert_memory_equal(v1.sse, v2.sse, v1.ngroups * sizeof *v1.sse);
        assert_memory_equal(v1.count, v2.count, v1.ngroups * sizeof *v1.count);
        gq_view_free(&v1);
        gq_view_free(&v2);
    }
    free(f);
}

/* ---- the shared nearest-level table (levels.h) --------------------------------- */

static void t_levels_lut(void **st)
{
    (void)st;
    const char *sch[] = { "uniform", "pot", "apot", "nf4", "fp4-e2m1", "log2-sqrt2" };
    tu_rng g = { 31 };
    for (int s = 0; s < 6; s++)
        for (int bits = 2; bits <= 8; bits += 3) {
            levelset ls;
            util_err e = { { 0 } };
            if (levels_build(sch[s], bits, 1, &LP, &ls, &e) < 0)
                continue;
            for (int nc = 1; nc <= 4096; nc *= 8) {   /* (1 cell: the search does all) */
                levels_lut t;
                levels_lut_init(&t, ls.v, ls.n, nc);
                for (int i = 0; i < 4000; i++) {
                    double u;
                    size_t j = (size_t)(tu_uniform(&g) * (double)(ls.n - 1));
                    if (i % 4 == 0)   /* a midpoint exactly: ties to the lower */
                        u = 0.5 * (ls.v[j] + ls.v[j + 1]);
                    else if (i % 4 == 1)
                        u = nextafter(0.5 * (ls.v[j] + ls.v[j + 1]), INFINITY);
                    else
                        u = (tu_uniform(&g) - 0.5) * 2.6;
                    size_t want = 0;   /* the definition: midpoints below u, by a scan */
                    for (size_t k = 0; k + 1 < ls.n; k++)
                        want += 0.5 * (ls.v[k] + ls.v[k + 1]) < u;
                    size_t got = levels_lut_find(&t, u);
                    for (size_t k = 0; k < ls.n; k++)   /* and it is the nearest */
                        assert_true(fabs(u - ls.v[got]) <= fabs(u - ls.v[k]) + 1e-15);
                    if (got != want) {
                        print_error("%s/%d cells %d: u %.17g got %zu want %zu\n", sch[s], bits, nc,
                                    u, got, want);
                        fail();
                    }
                    if (i % 4 == 0)
                        assert_int_equal(got, j);
                }
                assert_int_equal(levels_lut_find(&t, NAN), 0);
                levels_lut_free(&t);
            }
            levels_free(&ls);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_scale_round),
        cmocka_unit_test(t_bruteforce),
        cmocka_unit_test(t_mse),
        cmocka_unit_test(t_threads),
        cmocka_unit_test(t_bf16_codes),
        cmocka_unit_test(t_code_counts),
        cmocka_unit_test(t_code_release),
        cmocka_unit_test(t_q4_0_hand),
        cmocka_unit_test(t_q8_0_hand),
        cmocka_unit_test(t_nf4_hand),
        cmocka_unit_test(t_mxfp4_hand),
        cmocka_unit_test(t_intasym_hand),
        cmocka_unit_test(t_fixed_bruteforce),
        cmocka_unit_test(t_mxfp4_every_bf16),
        cmocka_unit_test(t_kernel_paths),
        cmocka_unit_test(t_uniform_ties),
        cmocka_unit_test(t_mxfp4_codes),
        cmocka_unit_test(t_names_outlive_threads),
        cmocka_unit_test(t_view),
        cmocka_unit_test(t_levels_lut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
