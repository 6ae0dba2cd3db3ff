/*
 * test_summary.c - the histogram engine (prep_create_summary, prep.h)
 * against brute force written here: every value quantized one by one
 * (its level found by counting the decision boundaries at or below it,
 * the rule eval.h states), sums in long double; and against the sorted
 * engine at the same alpha.
 */
#include "config.h"
#include "testutil.h"

#include <stdio.h>

#include "quant/analyze.h"
#include "quant/eval.h"
#include "quant/levels.h"
#include "quant/lloyd.h"

typedef struct bfr {
    long double sse, sumsq;
    double maxerr;
    uint64_t clipped, n;
    uint64_t *counts;
} bfr;

/* Brute force of eval_full at (ls, alpha) with x = (w - m) / s. */
static void brute(const float *w, size_t count, const levelset *ls, double alpha, double sh,
                  double m, double s, bfr *o)
{
    memset(o, 0, sizeof *o);
    o->counts = calloc(ls->n, sizeof *o->counts);
    double lo_clip = ls->asym ? sh - alpha : ls->is_signed ? -alpha : 0;
    for (size_t i = 0; i < count; i++) {
        if (!isfinite(w[i]))
            continue;
        double x = ((double)w[i] - m) / s;
        size_t k = 0;
        for (size_t b = 0; b + 1 < ls->n; b++)
            if (!(x < sh + alpha * 0.5 * (ls->v[b] + ls->v[b + 1])))
                k = b + 1;
        double q = sh + alpha * ls->v[k];
        long double e = (long double)x - q;
        o->sse += e * e;
        o->sumsq += (long double)x * x;
        if (fabs(x - q) > o->maxerr)
            o->maxerr = fabs(x - q);
        o->counts[k]++;
        if (!(x <= sh + alpha) || x < lo_clip)
            o->clipped++;
        o->n++;
    }
}

static prep *summary_of(const float *v, size_t n, int threads)
{
    prep_source src = { (const unsigned char *)v, NULL, NULL, n, NULL, NULL, NULL, 0, 0 };
    util_err e;
    memset(&e, 0, sizeof e);
    prep *p = prep_create_summary(&src, threads, &e);
    if (!p)
        fail_msg("prep_create_summary: %s", e.msg);
    return p;
}

static prep *sorted_of(const float *v, size_t n)
{
    float *c = malloc((n ? n : 1) * sizeof *c);
    memcpy(c, v, n * sizeof *c);
    util_err e;
    memset(&e, 0, sizeof e);
    return prep_create_float(c, n, NULL, &e);
}

/* Gaussian weights with outliers, and the awkward values: zeros of both
 * signs, subnormals, runs of one repeated value, huge and tiny magnitudes,
 * and non-finite values (which every engine skips). */
static float *awkward(size_t n, uint64_t seed)
{
    tu_rng r = { seed };
    float *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        double g = 0.05 * tu_gauss(&r);
        switch (tu_next(&r) % 64) {
        case 0: g *= 40; break;
        case 1: g = 0.0; break;
        case 2: g = -0.0; break;
        case 3: g = 1e-40 * (double)(1 + tu_next(&r) % 5); break;
        case 4: g = 0.25; break;
        case 5: g = -0.125; break;
        default: break;
        }
        v[i] = (float)g;
    }
    v[n / 3] = NAN;
    v[n / 2] = INFINITY;
    v[n / 2 + 1] = -INFINITY;
    return v;
}

static void test_stats(void **st)
{
    (void)st;
    size_t n = 300001;
    float *v = awkward(n, 11);
    prep *p = summary_of(v, n, 2);
    long double s = 0, mn = INFINITY, mx = -INFINITY;
    uint64_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            s += v[i];
            k++;
            if (v[i] < mn)
                mn = v[i];
            if (v[i] > mx)
                mx = v[i];
        }
    long double mean = s / k, m2 = 0, m4 = 0, sq = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            long double d = v[i] - mean;
            m2 += d * d;
            m4 += d * d * d * d;
            sq += (long double)v[i] * v[i];
        }
    assert_int_equal(p->st.count, n);
    assert_int_equal(p->st.n, k);
    assert_int_equal(p->st.nonfinite, 3);
    assert_true(p->st.min == (double)mn);
    assert_true(p->st.max == (double)mx);
    TU_CLOSE(p->st.mean, (double)mean, 1e-13);
    TU_CLOSE(p->st.std, (double)sqrtl(m2 / (k - 1)), 1e-13);
    TU_CLOSE(p->st.sumsq, (double)sq, 1e-13);
    double kurt = (double)((m4 / k) / ((m2 / k) * (m2 / k)) - 3);
    TU_CLOSE(p->st.kurtosis, kurt, 1e-5);
    prep_free(p);
    free(v);
}

/* Full evaluations noted, resolved, then exact: equal to brute force. */
static void test_exact_after_resolve(void **st)
{
    (void)st;
    size_t n = 200003;
    float *v = awkward(n, 5);
    prep *p = summary_of(v, n, 3);
    static const char *sch[] = { "uniform", "pot", "apot", "int-asym", "nf4", "fp4-e2m1", "log2-sqrt2" };
    enum { NS = sizeof sch / sizeof *sch, NA = 4 };
    /* alpha 0.25 puts the top level (and clip bound) exactly on a repeated
     * value; 3.5 = 14 * 0.25 puts a uniform boundary near it */
    static const double alphas[NA] = { 0.25, 0.1234567, 3.5, 2.0 };
    levelset ls[NS];
    util_err e;
    memset(&e, 0, sizeof e);
    levels_params prm;
    memset(&prm, 0, sizeof prm);
    for (int i = 0; i < NS; i++)
        if (levels_build(sch[i], 4, 1, &prm, &ls[i], &e) < 0)
            fail_msg("%s: %s", sch[i], e.msg);
    eval_result r;
    prep_query *q = prep_query_new(p);
    prep_query_record(q, 1);
    for (int norm = 0; norm < 2; norm++)
        for (int i = 0; i < NS; i++)
            for (int a = 0; a < NA; a++)
                assert_int_equal(eval_full_q(p, q, &ls[i], alphas[a] * (norm ? 20 : 1), norm, &r, NULL, &e), 0);
    prep_query_record(q, 0);
    assert_int_equal(prep_query_resolve(q, &e), 0);
    prep *ps = sorted_of(v, n);
    for (int norm = 0; norm < 2; norm++)
        for (int i = 0; i < NS; i++)
            for (int a = 0; a < NA; a++) {
                double alpha = alphas[a] * (norm ? 20 : 1);
                uint64_t *counts = calloc(ls[i].n, sizeof *counts);
                assert_int_equal(eval_full_q(p, q, &ls[i], alpha, norm, &r, counts, &e), 0);
                double m = norm ? p->st.mean : 0, s = norm ? p->st.std : 1;
                double sh = eval_shift(p, &ls[i], alpha, norm);
                bfr b;
                brute(v, n, &ls[i], alpha, sh, m, s, &b);
                assert_int_equal(r.n, b.n);
                for (size_t k = 0; k < ls[i].n; k++)
                    if (counts[k] != b.counts[k])
                        fail_msg("%s alpha %g norm %d level %zu: %llu values, brute force %llu", sch[i],
                                 alpha, norm, k, (unsigned long long)counts[k],
                                 (unsigned long long)b.counts[k]);
                TU_CLOSE(r.mse, (double)(b.sse / b.n), 1e-12);
                TU_CLOSE(r.max_abs_err, b.maxerr, 1e-15);
                TU_CLOSE(r.clipped, (double)b.clipped / (double)b.n, 1e-15);
                TU_CLOSE(r.sqnr_db, (double)(10 * log10l(b.sumsq / b.sse)), 1e-12);
                /* and the sorted engine at the same alpha (its own mean) */
                eval_result rs;
                assert_int_equal(eval_full(ps, &ls[i], alpha, norm, &rs, NULL, &e), 0);
                TU_CLOSE(r.mse, rs.mse, norm ? 1e-9 : 1e-13);
                free(counts);
                free(b.counts);
            }
    assert_int_equal(prep_query_misses(q), 0);
    prep_query_free(q);
    for (int i = 0; i < NS; i++)
        levels_free(&ls[i]);
    prep_free(ps);
    prep_free(p);
    free(v);
}

/* A full evaluation nobody noted is interpolated and counted as a miss. */
static void test_unresolved_is_a_miss(void **st)
{
    (void)st;
    size_t n = 50000;
    float *v = awkward(n, 9);
    prep *p = summary_of(v, n, 1);
    levelset ls;
    levels_params prm;
    util_err e;
    memset(&prm, 0, sizeof prm);
    memset(&e, 0, sizeof e);
    assert_int_equal(levels_build("apot", 4, 1, &prm, &ls, &e), 0);
    eval_result r;
    prep_query *q = prep_query_new(p);
    assert_int_equal(eval_full_q(p, q, &ls, 0.3, 0, &r, NULL, &e), 0);
    assert_true(prep_query_misses(q) > 0);
    prep_query_free(q);
    levels_free(&ls);
    prep_free(p);
    free(v);
}

/* The analysis (two rounds) on the histogram engine: every scheme exact at
 * its alpha, the alpha close to the sorted engine's optimum, no misses,
 * and the same answers from 1 or 2 threads and from a converting source. */
typedef struct dsrc {
    const double *d;
} dsrc;

static void conv(void *ctx, uint64_t first, uint64_t n, float *dst)
{
    const dsrc *s = ctx;
    for (uint64_t i = 0; i < n; i++)
        dst[i] = (float)s->d[first + i];
}

static void test_analyze(void **st)
{
    (void)st;
    size_t n = (size_t)1 << 21;
    tu_rng rg = { 21 };
    float *v = malloc(n * sizeof *v);
    double *d = malloc(n * sizeof *d);
    for (size_t i = 0; i < n; i++) {
        d[i] = tu_uniform(&rg) < 0.95 ? 0.02 * tu_gauss(&rg) : 0.05 * tu_laplace(&rg);
        v[i] = (float)d[i];
    }
    static const char *sch[] = { "uniform", "pot", "apot", "lloyd-max" };
    enum { NS = 4 };
    analyze_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.bits = 4;
    cfg.is_signed = 1;
    cfg.normalize = 1;
    cfg.amode = ALPHA_MSE;
    util_err e;
    memset(&e, 0, sizeof e);
    analyze_result a[NS], b[NS], c[NS], s[NS];
    prep *p1 = summary_of(v, n, 1), *p2 = summary_of(v, n, 2);
    dsrc ds = { d };
    prep_source src = { NULL, conv, &ds, n, NULL, NULL, NULL, 0, 0 };
    prep *p3 = prep_create_summary(&src, 2, &e);
    prep *ps = sorted_of(v, n);
    prep_query *q1 = prep_query_new(p1);
    assert_int_equal(analyze_tensor_q(p1, q1, &cfg, sch, NS, 0, a, &e), 0);
    assert_int_equal(analyze_tensor(p2, &cfg, sch, NS, 0, b, &e), 0);
    assert_int_equal(analyze_tensor(p3, &cfg, sch, NS, 0, c, &e), 0);
    assert_int_equal(analyze_tensor(ps, &cfg, sch, NS, 0, s, &e), 0);
    assert_int_equal(prep_query_misses(q1), 0);
    prep_query_free(q1);
    for (int i = 0; i < NS; i++) {
        assert_true(a[i].ok && s[i].ok);
        /* deterministic: integer sums do not depend on threads or source */
        assert_true(a[i].r.alpha == b[i].r.alpha && a[i].r.mse == b[i].r.mse);
        assert_true(a[i].r.alpha == c[i].r.alpha && a[i].r.mse == c[i].r.mse);
        /* the search finds the sorted engine's optimum closely */
        TU_CLOSE(a[i].r.mse, s[i].r.mse, 1e-4);
        if (i < 3)
            TU_CLOSE(a[i].r.alpha, s[i].r.alpha, 3e-3);
        assert_true(a[i].opt_mse == a[i].r.mse);
        assert_true(isfinite(a[i].gap_to_optimal_db));
        /* exact at its alpha: the sorted engine agrees there */
        if (i < 3) {
            levelset ls;
            assert_int_equal(levels_build(sch[i], 4, 1, &cfg.lprm, &ls, &e), 0);
            eval_result rs;
            assert_int_equal(eval_full(ps, &ls, a[i].r.alpha, 1, &rs, NULL, &e), 0);
            TU_CLOSE(a[i].r.mse, rs.mse, 1e-9);
            assert_int_equal(a[i].r.levels_used, rs.levels_used);
            levels_free(&ls);
        }
    }
    prep_free(p1);
    prep_free(p2);
    prep_free(p3);
    prep_free(ps);
    free(v);
    free(d);
}

/* IEEE half precision, decoded here by its definition */
static float half_value(unsigned h)
{
    int sign = h >> 15, e = (h >> 10) & 31, f = h & 1023;
    double v = e == 0 ? ldexp(f, -24) : e == 31 ? (f ? NAN : INFINITY) : ldexp(1024 + f, e - 25);
    return (float)(sign ? -v : v);
}

static float bf16_value(unsigned h)
{
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* 2-byte sources (bfloat16, float16): counting codes gives the same
 * stats as the same values given as float32, exact numbers at the alphas
 * found (no pass is possible: there is no f32 source), and for bfloat16
 * the sorted engine's own alphas. */
static void test_codes(void **st)
{
    (void)st;
    size_t n = 400000;
    tu_rng rg = { 33 };
    unsigned char *raw = malloc(2 * n);
    float *v = malloc(n * sizeof *v);
    static float table[65536];
    static const char *sch[] = { "uniform", "pot", "apot", "nf4" };
    enum { NS = 4 };
    for (int kind = 0; kind < 2; kind++) {
        for (unsigned c = 0; c < 65536; c++)
            table[c] = kind ? half_value(c) : bf16_value(c);
        for (size_t i = 0; i < n; i++) {
            unsigned c;
            do {
                /* a value near 0.03 * N(0, 1), rounded down to a code */
                float x = (float)(0.03 * tu_gauss(&rg));
                if (i % 1000 == 7)
                    x = 1e-30f; /* tiny: a subnormal half, or a small bf16 */
                uint32_t u;
                memcpy(&u, &x, 4);
                if (kind == 0)
                    c = u >> 16;
                else {
                    /* the nearest half below |x| by search over codes */
                    unsigned lo = 0, hi = 0x7C00;
                    float ax = fabsf(x);
                    while (lo + 1 < hi) {
                        unsigned mid = (lo + hi) / 2;
                        if (table[mid] <= ax)
                            lo = mid;
                        else
                            hi = mid;
                    }
                    c = lo | (x < 0 ? 0x8000u : 0);
                }
            } while (0);
            if (i == 5)
                c = kind ? 0x7E00u : 0x7FC0u; /* a NaN */
            raw[2 * i] = (unsigned char)(c & 0xFF);
            raw[2 * i + 1] = (unsigned char)(c >> 8);
            v[i] = table[c];
        }
        util_err e;
        memset(&e, 0, sizeof e);
        prep_source cs = { NULL, NULL, NULL, n, raw, table, NULL, 0, 0 };
        prep *pc = prep_create_summary(&cs, 2, &e);
        prep *pf = summary_of(v, n, 2);
        assert_non_null(pc);
        assert_int_equal(pc->st.nonfinite, 1);
        assert_true(pc->st.mean == pf->st.mean && pc->st.std == pf->st.std);
        assert_true(pc->st.min == pf->st.min && pc->st.max == pf->st.max);
        analyze_cfg cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.bits = 4;
        cfg.is_signed = 1;
        cfg.normalize = kind;
        cfg.amode = ALPHA_MSE;
        analyze_result a[NS], b[NS];
        prep_query *qc = prep_query_new(pc);
        assert_int_equal(analyze_tensor_q(pc, qc, &cfg, sch, NS, 0, a, &e), 0);
        assert_int_equal(analyze_tensor(pf, &cfg, sch, NS, 0, b, &e), 0);
        assert_int_equal(prep_query_misses(qc), 0);
        prep_query_free(qc);
        prep *ps = sorted_of(v, n);
        /* the sorted engine from the codes: the same sorted values */
        prep *pk = prep_create_codes16(raw, n, table, NULL, &e);
        assert_non_null(pk);
        assert_int_equal(pk->st.n, ps->st.n);
        assert_int_equal(pk->st.count, n);
        assert_int_equal(pk->st.nonfinite, 1);
        assert_memory_equal(pk->f, ps->f, ps->st.n * sizeof *ps->f);
        TU_CLOSE(pk->st.mean, ps->st.mean, 1e-14);
        TU_CLOSE(pk->st.std, ps->st.std, 1e-14);
        {
            levelset ls;
            assert_int_equal(levels_build("apot", 4, 1, &cfg.lprm, &ls, &e), 0);
            eval_result r1, r2;
            for (double al = 0.01; al < 0.2; al *= 1.7) {
                assert_int_equal(eval_full(pk, &ls, al * (kind ? 40 : 1), kind, &r1, NULL, &e), 0);
                assert_int_equal(eval_full(ps, &ls, al * (kind ? 40 : 1), kind, &r2, NULL, &e), 0);
                TU_CLOSE(r1.mse, r2.mse, 1e-12);
                assert_true(r1.clipped == r2.clipped);
            }
            levels_free(&ls);
        }
        prep_free(pk);
        analyze_result so[NS];
        assert_int_equal(analyze_tensor(ps, &cfg, sch, NS, 0, so, &e), 0);
        for (int i = 0; i < NS; i++) {
            /* bfloat16: one value per bucket, so the interpolated sums are
             * exact and the search is the sorted engine's; float16 (up to 8
             * values per bucket): as close as float32's */
            if (kind == 0) {
                TU_CLOSE(a[i].r.alpha, so[i].r.alpha, 1e-12);
                TU_CLOSE(a[i].r.mse, so[i].r.mse, 1e-12);
            } else
                TU_CLOSE(a[i].r.mse, so[i].r.mse, 5e-5);
            /* and brute force at that alpha */
            levelset ls;
            assert_int_equal(levels_build(sch[i], 4, 1, &cfg.lprm, &ls, &e), 0);
            bfr bf;
            double m = kind ? pc->st.mean : 0, sd = kind ? pc->st.std : 1;
            brute(v, n, &ls, a[i].r.alpha, eval_shift(pc, &ls, a[i].r.alpha, kind), m, sd, &bf);
            TU_CLOSE(a[i].r.mse, (double)(bf.sse / bf.n), 1e-12);
            TU_CLOSE(a[i].r.max_abs_err, bf.maxerr, 1e-15);
            free(bf.counts);
            levels_free(&ls);
        }
        prep_free(pc);
        prep_free(pf);
        prep_free(ps);
    }
    free(raw);
    free(v);
}

/* Degenerate inputs: nothing finite, one value, a constant. */
static void test_degenerate(void **st)
{
    (void)st;
    float nan3[3] = { NAN, INFINITY, NAN };
    prep *p = summary_of(nan3, 3, 2);
    assert_int_equal(p->st.n, 0);
    assert_int_equal(p->st.nonfinite, 3);
    levelset ls;
    levels_params prm;
    util_err e;
    memset(&prm, 0, sizeof prm);
    memset(&e, 0, sizeof e);
    assert_int_equal(levels_build("uniform", 3, 1, &prm, &ls, &e), 0);
    eval_result r;
    assert_int_equal(eval_full(p, &ls, 1.0, 0, &r, NULL, &e), 0);
    assert_true(isnan(r.mse));
    prep_free(p);
    float one[1] = { -0.75f };
    p = summary_of(one, 1, 1);
    assert_true(p->st.min == -0.75 && p->st.max == -0.75 && p->st.mean == -0.75);
    prep_query *q = prep_query_new(p);
    prep_query_record(q, 1);
    eval_full_q(p, q, &ls, 1.0, 0, &r, NULL, &e);
    prep_query_record(q, 0);
    assert_int_equal(prep_query_resolve(q, &e), 0);
    assert_int_equal(eval_full_q(p, q, &ls, 1.0, 0, &r, NULL, &e), 0);
    /* levels -1, -2/3, ... : -0.75 goes to -2/3 */
    TU_CLOSE(r.mse, (0.75 - 2.0 / 3) * (0.75 - 2.0 / 3), 1e-14);
    assert_int_equal(prep_query_misses(q), 0);
    prep_query_free(q);
    prep_free(p);
    float cst[1000];
    for (int i = 0; i < 1000; i++)
        cst[i] = 3.0f;
    p = summary_of(cst, 1000, 2);
    assert_true(p->st.std == 0 && p->st.mean == 3.0);
    assert_false(eval_can_normalize(p));
    prep_free(p);
    levels_free(&ls);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats),
        cmocka_unit_test(test_exact_after_resolve),
        cmocka_unit_test(test_unresolved_is_a_miss),
        cmocka_unit_test(test_analyze),
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_degenerate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
