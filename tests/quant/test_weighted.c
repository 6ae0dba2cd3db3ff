/*
 * test_weighted.c - the weighted view of GGUF blocks (io/ggml_quants.h:
 * (value, code, count) pairs per sub-block), and what is built on it: the
 * histogram engine's weighted source (quant/prep_hist.h) and the stored
 * scheme's census from the codes (quant/stored.h).
 *
 * The truth is this file's own decoder of Q4_K, Q6_K and Q8_0, written
 * from the block layouts of llama.cpp's ggml-common.h (one value at a
 * time, fp16 by ldexp), on blocks of random bits (so fp16 scales that are
 * NaN, Inf or subnormal occur) and on blocks with realistic scales, for
 * 1, 3, 37 and 67 blocks (ragged against the engine's chunks and thread
 * split):
 *
 *  - every pair's count equals the number of values of its group with its
 *    code, and its value is the decoded value bit for bit;
 *  - the histogram prep of the weighted source has the brute-force stats
 *    (count, finite count, min, max exactly; mean, std and sum of squares
 *    against long double sums), and every analysis answer (alpha, mse,
 *    sqnr, levels used) equals the one of the same prep built from the
 *    decoded floats one by one;
 *  - the stored census from the pairs equals the per-value census on the
 *    decoded floats in every reported field, and on realistic blocks its
 *    levels used and entropy are those of the codes this file counts.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "io/ggml_quants.h"
#include "io/grid.h"
#include "quant/analyze.h"
#include "quant/prep.h"
#include "quant/stored.h"

/* ---- this file's decoder ------------------------------------------------ */

static float f16(const unsigned char *p)
{
    unsigned h = (unsigned)p[0] | (unsigned)p[1] << 8;
    int e = (int)((h >> 10) & 31), m = (int)(h & 1023);
    float v = e == 0 ? ldexpf((float)m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexpf((float)(m + 1024), e - 25);
    return (h & 0x8000) ? -v : v;
}

typedef struct tinfo {
    uint32_t id;
    unsigned blck, bytes, sub; /* values and bytes per block, values per group */
} tinfo;

static const tinfo Q4K = { 12, 256, 144, 32 }, Q6K = { 14, 256, 210, 16 }, Q80 = { 8, 32, 34, 32 };

/* Value e of block x, and its code (index into the grid's codebook). */
static float decode(const tinfo *t, const unsigned char *x, unsigned e, unsigned *code)
{
    if (t->id == 8) {
        int q = (int8_t)x[2 + e];
        *code = (unsigned)(q + 128);
        return (float)q * f16(x);
    }
    if (t->id == 12) {
        unsigned j = e / 32, l = e % 32;
        const unsigned char *s = x + 4;
        unsigned b = x[16 + 32 * (j / 2) + l], q = j % 2 ? b >> 4 : b & 15;
        int sc, m;
        if (j < 4) {
            sc = s[j] & 63;
            m = s[j + 4] & 63;
        } else {
            sc = (s[j + 4] & 15) | ((s[j - 4] >> 6) << 4);
            m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
        }
        float d1 = f16(x) * (float)sc, m1 = f16(x + 2) * (float)m;
        float dq = d1 * (float)q;
        *code = q;
        return dq - m1;
    }
    /* Q6_K: ql[128], qh[64], int8 scales[16], fp16 d */
    unsigned n = e / 128, r = e % 128, t4 = r / 32, l = r % 32;
    unsigned lb = x[64 * n + l + 32 * (t4 & 1)], nib = t4 < 2 ? lb & 15 : lb >> 4;
    unsigned hb = (x[128 + 32 * n + l] >> (2 * t4)) & 3, raw = nib | hb << 4;
    float ds = f16(x + 208) * (float)(int8_t)x[192 + 8 * n + l / 16 + 2 * t4];
    *code = raw;
    return ds * (float)((int)raw - 32);
}

/* nb blocks: random bits, or realistic (fp16 d about 1e-3, dmin about
 * 1e-2, no sub-block scale 0: finite scales, distinct levels) */
static unsigned char *blocks(const tinfo *t, size_t nb, int real, uint64_t seed)
{
    tu_rng r = { seed };
    unsigned char *b = malloc(nb * t->bytes);
    for (size_t i = 0; i < nb * t->bytes; i++)
        b[i] = (unsigned char)tu_next(&r);
    if (real)
        for (size_t i = 0; i < nb; i++) {
            unsigned char *x = b + i * t->bytes;
            /* fp16 0x1400 + 0..255 ulps: about 1e-3; 0x2000..: about 1e-2 */
            unsigned d = 0x1400 + (unsigned)(tu_next(&r) % 256), dm = 0x2000 + (unsigned)(tu_next(&r) % 256);
            unsigned char *dp = t->id == 14 ? x + 208 : x;
            dp[0] = (unsigned char)d;
            dp[1] = (unsigned char)(d >> 8);
            if (t->id == 12) {
                x[2] = (unsigned char)dm;
                x[3] = (unsigned char)(dm >> 8);
                /* no 6-bit scale 0 (its 16 levels would be one) */
                for (int j = 0; j < 4; j++) {
                    x[4 + j] |= 1;
                    x[12 + j] |= 1;
                }
            }
            if (t->id == 14)
                for (int j = 0; j < 16; j++)
                    x[192 + j] = x[192 + j] ? x[192 + j] : 1;
        }
    return b;
}

typedef struct wsrc {
    const unsigned char *b;
    const ggml_type_info *ti;
    ggml_weigh_fn fn;
} wsrc;

static int64_t weigh(void *ctx, uint64_t first, uint64_t n, grid_wpair *out)
{
    const wsrc *w = ctx;
    return (int64_t)w->fn(w->b + first * w->ti->bytes, (size_t)n, out);
}

static float *decode_all(const tinfo *t, const unsigned char *b, size_t nb, unsigned *codes)
{
    float *v = malloc(nb * t->blck * sizeof *v);
    for (size_t i = 0; i < nb; i++)
        for (unsigned e = 0; e < t->blck; e++)
            v[i * t->blck + e] = decode(t, b + i * t->bytes, e, &codes[i * t->blck + e]);
    return v;
}

static int same_value(float a, float b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* ---- the pairs against the decoder -------------------------------------- */

static void check_pairs(const tinfo *t, size_t nb, int real, uint64_t seed)
{
    const ggml_type_info *ti = ggml_type_find(t->id);
    unsigned wmax = 0;
    ggml_weigh_fn fn = ggml_weigh_find(ti, &wmax);
    assert_non_null(fn);
    unsigned char *b = blocks(t, nb, real, seed);
    unsigned *codes = malloc(nb * t->blck * sizeof *codes);
    float *v = decode_all(t, b, nb, codes);
    grid_wpair *p = malloc(nb * wmax * sizeof *p);
    size_t np = fn(b, nb, p);
    assert_true(np <= nb * wmax);
    const size_t ngroups = nb * t->blck / t->sub;
    uint32_t *cnt = calloc(ngroups * 256, sizeof *cnt);   /* per group and code, from the pairs */
    uint64_t tot = 0;
    uint32_t last = 0;
    for (size_t j = 0; j < np; j++) {
        assert_true(p[j].grp < ngroups && p[j].code < 256 && p[j].cnt > 0);
        assert_true(p[j].grp >= last);   /* group by group */
        last = p[j].grp;
        cnt[p[j].grp * 256 + p[j].code] += p[j].cnt;
        tot += p[j].cnt;
        /* its value: that of every value of its group with its code */
        int found = 0;
        for (size_t e = (size_t)p[j].grp * t->sub; e < ((size_t)p[j].grp + 1) * t->sub; e++)
            if (codes[e] == p[j].code) {
                if (!same_value(v[e], p[j].v))
                    fail_msg("type %u block %zu: value %a, decoded %a", (unsigned)t->id, e / t->blck,
                             (double)p[j].v, (double)v[e]);
                found = 1;
            }
        assert_true(found);
    }
    assert_int_equal(tot, nb * t->blck);
    for (size_t e = 0; e < nb * t->blck; e++)
        cnt[(e / t->sub) * 256 + codes[e]]--;
    for (size_t k = 0; k < ngroups * 256; k++)
        assert_int_equal(cnt[k], 0);
    free(cnt);
    free(p);
    free(v);
    free(codes);
    free(b);
}

static const size_t NBS[] = { 1, 3, 37, 67 };

static void test_pairs(void **st)
{
    (void)st;
    const tinfo *ts[] = { &Q4K, &Q6K, &Q80 };
    /* both nibble counters: the run-time choice (AVX2 where the CPU has
     * it) and the baseline code */
    for (int simd = 1; simd >= 0; simd--) {
        ggml_weigh_simd(simd);
        for (int k = 0; k < 3; k++)
            for (size_t i = 0; i < sizeof NBS / sizeof NBS[0]; i++)
                for (int real = 0; real < 2; real++)
                    check_pairs(ts[k], NBS[i] * (ts[k]->id == 8 ? 8 : 1), real, 100 + i + 10 * (uint64_t)k);
    }
    ggml_weigh_simd(1);
}

/* ---- the histogram engine's weighted source ------------------------------ */

static void check_hist(const tinfo *t, size_t nb, int real, int threads, uint64_t seed)
{
    const ggml_type_info *ti = ggml_type_find(t->id);
    unsigned wmax = 0;
    wsrc w = { NULL, ti, ggml_weigh_find(ti, &wmax) };
    unsigned char *b = blocks(t, nb, real, seed);
    w.b = b;
    const size_t n = nb * t->blck;
    unsigned *codes = malloc(n * sizeof *codes);
    float *v = decode_all(t, b, nb, codes);
    util_err e;
    memset(&e, 0, sizeof e);
    prep_source ws = { NULL, NULL, &w, n, NULL, NULL, weigh, t->blck, wmax };
    prep_source fs = { (const unsigned char *)v, NULL, NULL, n, NULL, NULL, NULL, 0, 0 };
    prep *pw = prep_create_summary(&ws, threads, &e);
    prep *pf = prep_create_summary(&fs, threads, &e);
    assert_non_null(pw);
    assert_non_null(pf);
    /* brute force */
    long double s1 = 0, s2 = 0;
    uint64_t k = 0;
    float mn = INFINITY, mx = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            s1 += v[i];
            s2 += (long double)v[i] * v[i];
            k++;
            mn = v[i] < mn ? v[i] : mn;
            mx = v[i] > mx ? v[i] : mx;
        }
    assert_int_equal(pw->st.count, n);
    assert_int_equal(pw->st.n, k);
    assert_int_equal(pw->st.nonfinite, n - k);
    if (k) {
        assert_true(pw->st.min == (double)mn);
        assert_true(pw->st.max == (double)mx);
        long double mean = s1 / k, m2 = 0;
        for (size_t i = 0; i < n; i++)
            if (isfinite(v[i]))
                m2 += ((long double)v[i] - mean) * ((long double)v[i] - mean);
        TU_CLOSE(pw->st.mean, (double)mean, 1e-12 * (1 + fabs((double)(sqrtl(s2 / k) / (mean ? mean : 1)))));
        if (k > 1)
            TU_CLOSE(pw->st.std, (double)sqrtl(m2 / (k - 1)), 1e-12);
        TU_CLOSE(pw->st.sumsq, (double)s2, 1e-12);
    }
    /* the same answers as the one-by-one prep */
    assert_true(pw->st.mean == pf->st.mean && pw->st.std == pf->st.std);
    assert_true(pw->st.kurtosis == pf->st.kurtosis || (isnan(pw->st.kurtosis) && isnan(pf->st.kurtosis)));
    if (k > 1) {
        analyze_cfg cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.bits = 4;
        cfg.is_signed = 1;
        cfg.normalize = 1;
        cfg.amode = ALPHA_MSE;
        const char *sch[] = { "uniform", "pot", "apot" };
        analyze_result a[3], c[3];
        prep_query *qa = prep_query_new(pw), *qc = prep_query_new(pf);
        assert_int_equal(analyze_tensor_q(pw, qa, &cfg, sch, 3, 0, a, &e), 0);
        assert_int_equal(analyze_tensor_q(pf, qc, &cfg, sch, 3, 0, c, &e), 0);
        for (int i = 0; i < 3; i++) {
            assert_int_equal(a[i].ok, c[i].ok);
            assert_true(a[i].r.alpha == c[i].r.alpha);
            assert_true(a[i].r.mse == c[i].r.mse || (isnan(a[i].r.mse) && isnan(c[i].r.mse)));
            assert_true(a[i].r.sqnr_db == c[i].r.sqnr_db || (isnan(a[i].r.sqnr_db) && isnan(c[i].r.sqnr_db)));
            assert_int_equal(a[i].r.levels_used, c[i].r.levels_used);
        }
        prep_query_free(qa);
        prep_query_free(qc);
    }
    prep_free(pw);
    prep_free(pf);
    free(v);
    free(codes);
    free(b);
}

static void test_hist(void **st)
{
    (void)st;
    const tinfo *ts[] = { &Q4K, &Q6K, &Q80 };
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < sizeof NBS / sizeof NBS[0]; i++)
            for (int real = 0; real < 2; real++)
                for (int th = 1; th <= 3; th += 2)
                    check_hist(ts[k], NBS[i] * (ts[k]->id == 8 ? 8 : 1), real, th, 200 + i + 10 * (uint64_t)k);
}

/* ---- the stored census from the pairs ------------------------------------ */

typedef struct fsrc {
    const float *v;
} fsrc;

static int read_floats(void *ctx, uint64_t first, uint64_t n, float *dst)
{
    memcpy(dst, ((const fsrc *)ctx)->v + first, (size_t)n * sizeof *dst);
    return 0;
}

static int same_d(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

static void check_census(const tinfo *t, size_t nb, size_t rows, int real, uint64_t seed)
{
    const ggml_type_info *ti = ggml_type_find(t->id);
    unsigned wmax = 0;
    wsrc w = { NULL, ti, ggml_weigh_find(ti, &wmax) };
    unsigned char *b = blocks(t, nb, real, seed);
    w.b = b;
    const size_t n = nb * t->blck;
    unsigned *codes = malloc(n * sizeof *codes);
    float *v = decode_all(t, b, nb, codes);
    loader_grid g;
    assert_int_equal(ggml_grid_fill(ti, b, n, n / rows, &g), 0);
    analyze_result rw, rv;
    fsrc fs = { v };
    assert_int_equal(stored_analyze_weighted(&g, weigh, &w, n, t->blck, wmax, 0.01, 2.0, &rw), 0);
    assert_int_equal(stored_analyze(&g, read_floats, &fs, n, 0.01, 2.0, 1, &rv, NULL), 0);
    assert_int_equal(rw.ok, 1);
    assert_int_equal(rw.r.n, rv.r.n);
    assert_int_equal(rw.r.levels_used, rv.r.levels_used);
    assert_int_equal(rw.r.levels_total, rv.r.levels_total);
    assert_true(same_d(rw.r.entropy_bits, rv.r.entropy_bits));
    assert_true(same_d(rw.r.alpha, rv.r.alpha));
    assert_true(same_d(rw.levels_per_group, rv.levels_per_group));
    assert_int_equal(rw.off_grid, rv.off_grid);
    assert_true(same_d(rw.scale_min, rv.scale_min) && same_d(rw.scale_max, rv.scale_max) &&
                same_d(rw.scale_median, rv.scale_median));
    assert_true(isnan(rw.r.mse) && isnan(rw.r.sqnr_db) && isnan(rw.r.max_abs_err));
    TU_CLOSE(rw.r.sumsq, rv.r.sumsq, 1e-12);
    if (real) {
        /* finite, distinct levels: the census counts the codes themselves */
        uint64_t *c = calloc(256, sizeof *c);
        for (size_t i = 0; i < n; i++)
            c[codes[i]]++;
        double ent = 0;
        uint64_t used = 0;
        for (int k = 0; k < 256; k++)
            if (c[k]) {
                double pr = (double)c[k] / (double)n;
                ent -= pr * log2(pr);
                used++;
            }
        assert_int_equal(rw.r.n, n);
        assert_int_equal(rw.r.levels_used, used);
        TU_CLOSE(rw.r.entropy_bits, ent, 1e-12);
        assert_int_equal(rw.off_grid, 0);
        free(c);
    }
    loader_grid_free(&g);
    free(v);
    free(codes);
    free(b);
}

static void test_census(void **st)
{
    (void)st;
    const tinfo *ts[] = { &Q4K, &Q6K, &Q80 };
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < sizeof NBS / sizeof NBS[0]; i++)
            for (int real = 0; real < 2; real++) {
                size_t nb = NBS[i] * (ts[k]->id == 8 ? 8 : 1);
                check_census(ts[k], nb, 1, real, 300 + i + 10 * (uint64_t)k);
                if (nb % 3 == 0)
                    check_census(ts[k], nb, 3, real, 400 + i + 10 * (uint64_t)k);   /* 3 rows */
            }
}

/* A type without a weighted view says so. */
static void test_none(void **st)
{
    (void)st;
    assert_null(ggml_weigh_find(ggml_type_find(10), NULL));   /* q2_k */
    assert_null(ggml_weigh_find(ggml_type_find(0), NULL));    /* f32 */
    assert_null(ggml_weigh_find(NULL, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pairs),
        cmocka_unit_test(test_hist),
        cmocka_unit_test(test_census),
        cmocka_unit_test(test_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
