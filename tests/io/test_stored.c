/*
 * test_stored.c - the stored grid as a scheme (io/grid.h, quant/stored.h)
 * against tests/lib/gen_grid_fixtures.py, which parses the committed fixture
 * bytes itself and decodes each group's scales by the published layouts
 * (Q4_0, Q8_0, Q2_K, Q4_K, Q6_K, IQ4_XS, GGUF MXFP4, AutoAWQ, bitsandbytes
 * NF4, gpt-oss MXFP4, FP8 128x128 tiles):
 *
 *  - every level of every group, bit for bit (a nibble order or a scale
 *    index that is off fails here: the AWQ zero points are unpacked by
 *    the generator's own [0,2,4,6,1,3,5,7] order);
 *  - bpw against the bytes the generator counted in the file;
 *  - levels_used, levels_per_group and off_grid against the generator's
 *    brute-force census (each expected value matched exactly in its own
 *    group's levels);
 *  - on the file's own values the error is left out (NaN), and against
 *    other values (the originals, --compare) it is the distance to the
 *    nearest level, checked by brute force here.
 */
#include "config.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "io/grid.h"
#include "io/loader.h"
#include "model/stored_run.h"

static json_t *expected(void)
{
    char *p = tu_io_fixture("grid/expected.json");
    json_error_t je;
    json_t *j = json_load_file(p, 0, &je);
    if (!j)
        fail_msg("%s: %s", p, je.text);
    free(p);
    return j;
}

static float *levels_of(const char *cas, uint64_t *rows, uint64_t *cols)
{
    char *rel = util_asprintf("grid/%s.levels.npy", cas);
    loader_file *f = tu_open_fixture(rel);
    free(rel);
    assert_int_equal(f->ntensors, 1);
    assert_int_equal(f->tensors[0].ndim, 2);
    *rows = f->tensors[0].shape[0];
    *cols = f->tensors[0].shape[1];
    float *v = malloc(f->tensors[0].count * sizeof *v);
    util_err err = { { 0 } };
    if (loader_read(f, 0, v, 0, &err) < 0)
        fail_msg("%s", err.msg);
    loader_close(f);
    return v;
}

static void one_case(const char *cas, json_t *e)
{
    const char *file = json_string_value(json_object_get(e, "file"));
    const char *tensor = json_string_value(json_object_get(e, "tensor"));
    loader_file *f = tu_open_fixture(file);
    long ti = loader_find(f, tensor);
    if (ti < 0)
        fail_msg("%s: no tensor %s", file, tensor);
    assert_true(loader_has_grid(f, (size_t)ti));
    loader_grid g;
    util_err err = { { 0 } };
    if (loader_grid_get(f, (size_t)ti, &g, &err) < 0)
        fail_msg("%s: %s", cas, err.msg);
    uint64_t R, C;
    float *lv = levels_of(cas, &R, &C);
    if (g.ngroups != R || g.ncb != C)
        fail_msg("%s: %llu groups of %zu levels, expected %llu of %llu", cas, (unsigned long long)g.ngroups,
                 g.ncb, (unsigned long long)R, (unsigned long long)C);
    uint64_t compared = 0;
    const int approx = json_is_true(json_object_get(e, "approx"));
    for (uint64_t gi = 0; gi < R; gi++) {
        if (isnan(lv[gi * C]))
            continue;   /* a group the generator says has no finite grid */
        for (uint64_t k = 0; k < C; k++) {
            float a = loader_grid_level(&g, gi, (size_t)k), b = lv[gi * C + k];
            /* approx: a grid within a float rounding of the values (LLM.int8) */
            if (approx ? !tu_close_rel(a, b, 2.5e-7)
                       : memcmp(&a, &b, sizeof a) != 0 && !(a == b))
                fail_msg("%s: group %llu level %llu: %.9g, expected %.9g", cas, (unsigned long long)gi,
                         (unsigned long long)k, (double)a, (double)b);
            compared++;
        }
    }
    assert_true(compared > 0);
    TU_CLOSE(g.bpw, json_real_value(json_object_get(e, "bpw")), 1e-12);
    analyze_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.bits = 4;
    cfg.is_signed = 1;
    analyze_result r;
    if (stored_run(f, (size_t)ti, &cfg, NULL, NULL, &r, NULL) < 0)
        fail_msg("%s: %s", cas, r.err);
    assert_true(r.ok && r.stored && r.stored_self);
    assert_string_equal(r.scheme, "stored");
    TU_CLOSE(r.bpw, json_real_value(json_object_get(e, "bpw")), 1e-12);
    assert_int_equal(r.r.levels_total, C);
    assert_int_equal(r.r.levels_used, json_integer_value(json_object_get(e, "levels_used")));
    assert_int_equal(r.off_grid, json_integer_value(json_object_get(e, "off_grid")));
    TU_CLOSE(r.levels_per_group, json_real_value(json_object_get(e, "levels_per_group")), 1e-12);
    assert_true(isnan(r.r.mse) && isnan(r.r.sqnr_db));
    assert_int_equal(r.nscales, R);
    free(lv);
    loader_grid_free(&g);
    loader_close(f);
}

static void test_levels(void **state)
{
    (void)state;
    json_t *j = expected();
    const char *k;
    json_t *v;
    int n = 0;
    json_object_foreach(j, k, v) {
        one_case(k, v);
        n++;
    }
    assert_true(n >= 22);
    json_decref(j);
}

/* Against other values: the distance to the nearest level of each
 * value's group, brute force over the grid's levels here. */
static void test_against_original(void **state)
{
    (void)state;
    loader_file *f = tu_open_fixture("gguf/q4_k.gguf");
    long ti = loader_find(f, "random");
    assert_true(ti >= 0);
    loader_grid g;
    util_err err = { { 0 } };
    assert_int_equal(loader_grid_get(f, (size_t)ti, &g, &err), 0);
    uint64_t n = f->tensors[ti].count;
    float *w = malloc(n * sizeof *w), *x = malloc(n * sizeof *x);
    assert_int_equal(loader_read(f, (size_t)ti, w, 0, &err), 0);
    tu_rng rng = { 14 };
    double sse = 0, maxe = 0;
    for (uint64_t i = 0; i < n; i++) {
        x[i] = w[i] * (float)(1.0 + 0.01 * (tu_uniform(&rng) - 0.5));
        uint64_t gi = i / 32;
        double best = INFINITY;
        for (size_t k = 0; k < g.ncb; k++) {
            double e = fabs((double)x[i] - loader_grid_level(&g, gi, k));
            if (e < best)
                best = e;
        }
        sse += best * best;
        if (best > maxe)
            maxe = best;
    }
    analyze_result r;
    assert_int_equal(stored_run_values(f, (size_t)ti, x, n, &r), 0);
    assert_true(r.ok && !r.stored_self);
    TU_CLOSE(r.r.mse, sse / (double)n, 1e-9);
    TU_CLOSE(r.r.max_abs_err, maxe, 1e-12);
    assert_true(r.r.mse > 0);
    free(w);
    free(x);
    loader_grid_free(&g);
    loader_close(f);
}

/* A float tensor has no stored grid: the scheme says so. */
static void test_not_quantized(void **state)
{
    (void)state;
    loader_file *f = tu_open_fixture("gguf/plain.gguf");
    assert_false(loader_has_grid(f, 0));
    analyze_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    analyze_result r;
    assert_int_equal(stored_run(f, 0, &cfg, NULL, NULL, &r, NULL), -1);
    assert_false(r.ok);
    assert_non_null(strstr(r.err, "not stored quantized"));
    loader_close(f);
}

/* The viewer's numbers (model/stored_run.h, stored_run_detail): the
 * original of a pair (compare fixtures: model.layers.0.mlp.up_proj.weight
 * [64, 32] float32) on its quantized tensor's grid (blk.0.ffn_up.weight,
 * Q4_0: one block of 32 per row), per row (axis 0): each row's mse by
 * brute force over its group's levels here, its alpha the largest level
 * magnitude of its block, the whole tensor's mse the count-weighted mean;
 * on the file's own values the per-channel error is left out (NaN) and the
 * alphas are the same. Normalized: errors scale by 1 / s^2. */
static void test_detail_channels(void **state)
{
    (void)state;
    loader_file *q = tu_open_fixture("../compare/q.gguf"), *o = tu_open_fixture("../compare/orig.safetensors");
    long qi = loader_find(q, "blk.0.ffn_up.weight"), oi = loader_find(o, "model.layers.0.mlp.up_proj.weight");
    assert_true(qi >= 0 && oi >= 0);
    loader_grid g;
    util_err err = { { 0 } };
    assert_int_equal(loader_grid_get(q, (size_t)qi, &g, &err), 0);
    uint64_t n = o->tensors[oi].count, R = 64, C = 32;
    assert_int_equal(n, R * C);
    float *w = malloc(n * sizeof *w);
    assert_int_equal(loader_read(o, (size_t)oi, w, 0, &err), 0);
    stored_detail d;
    assert_int_equal(stored_run_detail(q, (size_t)qi, o, (size_t)oi, 0, 0, 1, 0, &d), 0);
    assert_true(d.res.ok && !d.res.stored_self);
    assert_int_equal(d.nchan, R);
    double tot = 0;
    for (uint64_t r = 0; r < R; r++) {
        double sse = 0, amax = 0;
        for (uint64_t c = 0; c < C; c++) {
            uint64_t gi = (r * C + c) / 32;   /* Q4_0: blocks of 32 along the row */
            double best = INFINITY;
            for (size_t k = 0; k < g.ncb; k++) {
                double L = loader_grid_level(&g, gi, k);
                best = fmin(best, fabs((double)w[r * C + c] - L));
                amax = fmax(amax, fabs(L));
            }
            sse += best * best;
        }
        tot += sse;
        assert_int_equal(d.chan_n[r], C);
        TU_CLOSE(d.chan_mse[r], sse / (double)C, 1e-12);
        TU_CLOSE(d.chan_alpha[r], amax, 1e-12);
    }
    TU_CLOSE(d.res.r.mse, tot / (double)n, 1e-12);
    assert_true(d.nrug == g.ngroups * g.ncb);   /* every group's levels (64 groups < 4096) */
    /* normalized by (m, s): the errors in x units */
    stored_detail dn;
    assert_int_equal(stored_run_detail(q, (size_t)qi, o, (size_t)oi, 1, 0.01, 0.5, 0, &dn), 0);
    TU_CLOSE(dn.res.r.mse, tot / (double)n / 0.25, 1e-9);
    TU_CLOSE(dn.chan_mse[7], d.chan_mse[7] / 0.25, 1e-9);
    /* its own values: no error, the same alphas */
    stored_detail ds;
    assert_int_equal(stored_run_detail(q, (size_t)qi, NULL, 0, 0, 0, 1, 0, &ds), 0);
    assert_true(ds.res.stored_self && isnan(ds.res.r.mse));
    for (uint64_t r = 0; r < R; r++) {
        assert_true(isnan(ds.chan_mse[r]));
        TU_CLOSE(ds.chan_alpha[r], d.chan_alpha[r], 1e-12);
    }
    /* a float tensor has no grid: the reason */
    stored_detail dx;
    assert_int_equal(stored_run_detail(o, (size_t)oi, NULL, 0, 0, 0, 1, -1, &dx), -1);
    assert_non_null(strstr(dx.res.err, "not stored quantized"));
    stored_detail_free(&dx);
    stored_detail_free(&ds);
    stored_detail_free(&dn);
    stored_detail_free(&d);
    free(w);
    loader_grid_free(&g);
    loader_close(q);
    loader_close(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_against_original),
        cmocka_unit_test(test_not_quantized),
        cmocka_unit_test(test_detail_channels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
