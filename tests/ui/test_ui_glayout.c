/*
 * test_ui_glayout.c - the group view's pure logic (ui/glayout.h), its
 * teaching text (teach_group_cost) and the scale summary (quant/gview.h),
 * against values worked out by hand in the comments; and the view pass
 * of gview_analyze on a tensor small enough to follow on paper.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "quant/gview.h"
#include "ui/explore.h"
#include "ui/glayout.h"
#include "ui/teach.h"
#include "kit.h"

static void test_bin(void **state)
{
    (void)state;
    /* 4 bins over [-1, 1]: [-1,-.5) [-.5,0) [0,.5) [.5,1], 1 and beyond in
     * the last, below -1 in the first */
    assert_int_equal(glayout_bin(-1.0, 4), 0);
    assert_int_equal(glayout_bin(-0.5, 4), 1);
    assert_int_equal(glayout_bin(-0.25, 4), 1);
    assert_int_equal(glayout_bin(0.0, 4), 2);
    assert_int_equal(glayout_bin(0.49, 4), 2);
    assert_int_equal(glayout_bin(0.5, 4), 3);
    assert_int_equal(glayout_bin(1.0, 4), 3);
    assert_int_equal(glayout_bin(7.0, 4), 3);
    assert_int_equal(glayout_bin(-7.0, 4), 0);
    assert_int_equal(glayout_bin(NAN, 4), -1);
    /* 101 bins: 0 is the middle one (floor(50.5) = 50) */
    assert_int_equal(glayout_bin(0.0, 101), 50);
}

static void test_resample(void **state)
{
    (void)state;
    double out[4];
    /* same width: copied */
    const uint64_t h4[4] = { 1, 2, 3, 4 };
    glayout_resample(h4, 4, out, 4);
    assert_true(out[0] == 1 && out[1] == 2 && out[2] == 3 && out[3] == 4);
    /* 4 bins into 2 columns: pairs summed */
    glayout_resample(h4, 4, out, 2);
    assert_true(out[0] == 3 && out[1] == 7);
    /* 3 bins into 2 columns: the middle bin split in halves: 6 + 5, 5 + 9 */
    const uint64_t h3[3] = { 6, 10, 9 };
    glayout_resample(h3, 3, out, 2);
    assert_true(fabs(out[0] - 11) < 1e-12 && fabs(out[1] - 14) < 1e-12);
    /* 2 bins into 4 columns: each bin spread over two columns */
    const uint64_t h2[2] = { 8, 4 };
    glayout_resample(h2, 2, out, 4);
    assert_true(out[0] == 4 && out[1] == 4 && out[2] == 2 && out[3] == 2);
    /* 3 bins into 4 columns: column c covers [3c/4, 3(c+1)/4) bins:
     * col0 = 3/4 b0, col1 = 1/4 b0 + 1/2 b1, col2 = 1/2 b1 + 1/4 b2,
     * col3 = 3/4 b2; with b = 4, 8, 12: 3, 5, 7, 9 (sum 24 kept) */
    const uint64_t h3b[3] = { 4, 8, 12 };
    glayout_resample(h3b, 3, out, 4);
    assert_true(fabs(out[0] - 3) < 1e-12 && fabs(out[1] - 5) < 1e-12 && fabs(out[2] - 7) < 1e-12 &&
                fabs(out[3] - 9) < 1e-12);
}

static void test_strip(void **state)
{
    (void)state;
    double out[8];
    const float v[7] = { 1, 5, 2, 9, 3, 4, 7 };
    /* fewer groups than cells: one per cell */
    assert_int_equal(glayout_strip(v, NULL, 7, 8, out), 7);
    assert_true(out[0] == 1 && out[3] == 9 && out[6] == 7);
    /* 7 groups in 3 cells: [0, 7/3) = 0..1, [2, 14/3) = 2..4, [4, 7) but
     * floor(14/3) = 4: groups 4..6; maxima 5, 9, 7 */
    assert_int_equal(glayout_strip(v, NULL, 7, 3, out), 3);
    assert_true(out[0] == 5 && out[1] == 9 && out[2] == 7);
    /* groups without values are left out; a cell with none is NaN */
    const uint32_t cnt[7] = { 1, 0, 1, 0, 0, 0, 1 };
    assert_int_equal(glayout_strip(v, cnt, 7, 3, out), 3);
    assert_true(out[0] == 1 && out[1] == 2 && out[2] == 7);
    const uint32_t none[7] = { 0, 0, 1, 1, 1, 1, 1 };
    glayout_strip(v, none, 7, 3, out);
    assert_true(isnan(out[0]));
    assert_int_equal(glayout_strip(v, NULL, 0, 3, out), 0);
}

static void test_layout(void **state)
{
    (void)state;
    glayout L;
    /* 120 x 39 body: side panel (120 >= 110) 40 wide; fixed rows 2 + 1 +
     * 2 + 1 + 1 + 2 + 1 = 10, results 7, bars 39 - 10 - 7 = 22 */
    assert_int_equal(glayout_make(39, 120, &L), 0);
    assert_int_equal(L.side, 1);
    assert_int_equal(L.hist.y, 3);
    assert_int_equal(L.hist.h, 22);
    assert_int_equal(L.hist.w, 120 - LAYOUT_MARGIN - 1 - 41);
    assert_int_equal(L.scales.x, 80);
    assert_int_equal(L.axis.y, 25);
    assert_int_equal(L.rug.y, 27);
    assert_int_equal(L.note.y, 28);
    assert_int_equal(L.strip.y, 29);
    assert_int_equal(L.results.y, 31);
    assert_int_equal(L.results.y + L.results.h, 39);
    /* 60 x 17: no side panel (a scales row), fixed 11, results 17 - 11 -
     * 3 = 3 rows, bars 3 */
    assert_int_equal(glayout_make(17, 60, &L), 0);
    assert_int_equal(L.side, 0);
    assert_int_equal(L.hist.h, 3);
    assert_int_equal(L.hist.w, 60 - LAYOUT_MARGIN - 1);
    assert_int_equal(L.scales.h, 1);
    assert_int_equal(L.results.y + L.results.h, 17);
    assert_int_equal(glayout_make(12, 40, &L), -1);
}

static void test_teach_cost(void **state)
{
    (void)state;
    char b[800];
    /* fp16 per 128: 16/128 = 0.125; 4 + 0.125 = 4.125 */
    teach_group_cost(b, sizeof b, 4, "fp16", 16, 128, 128, 0, 4.125);
    assert_non_null(strstr(b, "16 / 128 = 0.125 bits"));
    assert_non_null(strstr(b, "4 + 0.125 = 4.125 bits per weight"));
    assert_null(strstr(b, "on average"));
    /* ragged rows: 36864 values in 320 groups = 115.2 per group,
     * 16 / 115.2 = 0.1389 (4 digits) */
    teach_group_cost(b, sizeof b, 4, "fp16", 16, 115.2, 128, 0, 4 + 16 / 115.2);
    assert_non_null(strstr(b, "groups of 128; 115.2 on average"));
    assert_non_null(strstr(b, "16 / 115.2 = 0.1389"));
    /* int-asym with a 4-bit zero point per 64: 16/64 + 4/64 = 0.3125 */
    teach_group_cost(b, sizeof b, 4, "fp16", 16, 64, 64, 0.0625, 4.3125);
    assert_non_null(strstr(b, "4 + 0.25 + 0.0625 (a zero point per group) = 4.312"));
}

static void test_summary(void **state)
{
    (void)state;
    /* 5 groups, one empty: alphas 0.5 1 0.25 (x) 0.75 -> over the 4 with
     * values: min 0.25, median (lower middle of 0.25 .5 .75 1) 0.5, max 1;
     * 4 bins over [0, 1]: 0.25 -> 1, 0.5 -> 2, 0.75 -> 3, 1 -> 3 */
    float al[5] = { 0.5f, 1.0f, 0.25f, 9.0f, 0.75f }, sse[5] = { 1, 2, 3, 100, 4 };
    uint32_t cnt[5] = { 3, 3, 3, 0, 3 };
    gq_view v;
    memset(&v, 0, sizeof v);
    v.ngroups = 5;
    v.alpha = al;
    v.sse = sse;
    v.count = cnt;
    gview_scales s;
    gview_summary(&v, 4, &s);
    assert_int_equal(s.n, 4);
    assert_true(s.min == 0.25 && s.median == 0.5 && s.max == 1.0 && s.sse_max == 4);
    assert_true(s.hist[0] == 0 && s.hist[1] == 1 && s.hist[2] == 1 && s.hist[3] == 2);
    gview_scales_free(&s);
}

/* gview_analyze on [2, 4] float values, group:2, uniform 4 bits, absmax,
 * fp32 scales: groups (7/8, -7/16) (7/32, 7/64) (0 0) (-7/4, 7/8), so
 * s = max/7 = 1/8, 1/32, -, 1/4 exactly and alpha_g = 7 s = the max:
 * u = x / alpha_g is 1, -0.5; 1, 0.5; 0, 0 (the zero group, alpha 0);
 * -1, 0.5. With 4 bins: -1 -> 0, -0.5 -> 1, 0 -> 2, 0.5 and 1 -> 3. */
static void test_view_pass(void **state)
{
    (void)state;
    const float x[8] = { 0.875f, -0.4375f, 0.21875f, 0.109375f, 0, 0, -1.75f, 0.875f };
    const uint64_t shape[2] = { 2, 4 };
    group_tensor t = { x, 0, 2, shape, 8 };
    analyze_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.bits = 4;
    cfg.is_signed = 1;
    cfg.amode = ALPHA_MAX;
    cfg.gran = GRAN_GROUP;
    cfg.group = 2;
    cfg.sdtype = SCALE_FP32;
    cfg.nthreads = 1;
    const char *sch[1] = { "uniform" };
    analyze_result res[1];
    int handled[1];
    gq_view v;
    memset(&v, 0, sizeof v);
    uint64_t h[4] = { 0 };
    v.nbins = 4;
    v.hist = h;
    int vok = 0;
    char msg[256];
    util_err e = { { 0 } };
    assert_int_equal(gview_analyze(&t, NULL, &cfg, sch, 1, handled, res, 0, &v, &vok, msg, sizeof msg, &e), 0);
    assert_int_equal(vok, 1);
    assert_int_equal(handled[0], 1);
    assert_true(res[0].ok);
    assert_int_equal(v.ngroups, 4);
    assert_true(h[0] == 1 && h[1] == 1 && h[2] == 2 && h[3] == 4);
    assert_int_equal(v.nclip, 0);
    assert_true(v.alpha[2] == 0);
    assert_true(v.alpha[3] == 1.75f && v.alpha[0] == 0.875f);
    /* the groups' sse add up to the report's mse times the count */
    double sse = 0;
    for (size_t g = 0; g < v.ngroups; g++)
        sse += v.sse[g];
    assert_true(fabs(sse / 8 - res[0].r.mse) <= 1e-6 * res[0].r.mse + 1e-30);
    gq_view_free(&v);
    /* per channel (axis 0): one group per row, rows (7/8, -7/16, 7/32,
     * 7/64) and (0, 0, -7/4, 7/8): u = 1, -0.5, 0.25, 0.125 and 0, 0, -1,
     * 0.5 -> bins 3 1 2 2 and 2 2 0 3 */
    cfg.gran = GRAN_CHANNEL;
    cfg.axis = 0;
    memset(h, 0, sizeof h);
    assert_int_equal(gview_view(&t, NULL, &cfg, "uniform", &v, msg, sizeof msg), 0);
    assert_int_equal(v.ngroups, 2);
    assert_true(h[0] == 1 && h[1] == 1 && h[2] == 4 && h[3] == 2);
    assert_true(v.alpha[0] == 0.875f && v.alpha[1] == 1.75f);
    gq_view_free(&v);
    cfg.axis = 1;
    assert_int_equal(gview_possible(&cfg, "uniform", msg, sizeof msg), 0);
    cfg.axis = 0;
    /* per tensor: no group view, and why */
    cfg.gran = GRAN_TENSOR;
    assert_int_equal(gview_possible(&cfg, "uniform", msg, sizeof msg), 0);
    assert_non_null(strstr(msg, "one scale per tensor"));
    assert_int_equal(gview_possible(&cfg, "mxfp4", msg, sizeof msg), 1);
    cfg.gran = GRAN_GROUP;
    cfg.amode = ALPHA_KL;
    assert_int_equal(gview_possible(&cfg, "uniform", msg, sizeof msg), 0);
}

static void test_explore_zoom(void **state)
{
    (void)state;
    double lo, hi;
    /* full [-1, 1], 2x around 0.5: width 1 -> [0, 1] */
    assert_int_equal(explore_zoom(-1, 1, -1, 1, 0.5, 2, &lo, &hi), 1);
    assert_true(lo == 0 && hi == 1);
    /* 2x around 0.9 from [0, 1]: width 0.5 centred at 0.9 would reach 1.15:
     * moved inside: [0.5, 1] */
    assert_int_equal(explore_zoom(-1, 1, 0, 1, 0.9, 2, &lo, &hi), 1);
    assert_true(fabs(lo - 0.5) < 1e-15 && hi == 1);
    /* out 2x from [0.5, 1] around 0.75: width 1 -> [0.25, 1.25] -> [0, 1] */
    assert_int_equal(explore_zoom(-1, 1, 0.5, 1, 0.75, 0.5, &lo, &hi), 1);
    assert_true(fabs(lo - 0) < 1e-15 && hi == 1);
    /* out from [0, 1]: width 2 = the full range -> not zoomed */
    assert_int_equal(explore_zoom(-1, 1, 0, 1, 0.5, 0.5, &lo, &hi), 0);
    assert_true(lo == -1 && hi == 1);
    /* a cursor outside: the middle of the shown range */
    assert_int_equal(explore_zoom(-1, 1, -1, 1, 5, 4, &lo, &hi), 1);
    assert_true(lo == -0.25 && hi == 0.25);
}

static void test_explore_move(void **state)
{
    (void)state;
    /* [0, 10] in 10 columns: centres 0.5 .. 9.5 */
    assert_true(explore_move(3.2, 0, 10, 10, 1) == 4.5);
    assert_true(explore_move(3.2, 0, 10, 10, -10) == 0.5);
    assert_true(explore_move(3.2, 0, 10, 10, 10) == 9.5);
    assert_true(explore_move(-4, 0, 10, 10, 0) == 0.5);
    assert_true(explore_move(40, 0, 10, 10, -1) == 8.5);
}

/* explore_range against a brute force: 4-bit uniform levels at alpha 1
 * (v = j / 7), values k / 100 for k = -120 .. 120 (some clipped) */
static void test_explore_range(void **state)
{
    (void)state;
    levelset ls;
    util_err e = { { 0 } };
    assert_int_equal(levels_build("uniform", 4, 1, NULL, &ls, &e), 0);
    float *vals = util_mallocarray(241, sizeof *vals); /* the prep takes it */
    for (int k = -120; k <= 120; k++)
        vals[k + 120] = (float)k / 100;
    prep *p = prep_create_float(vals, 241, NULL, &e);
    assert_non_null(p);
    const double ranges[][2] = { { -2, 2 }, { 0.05, 0.31 }, { -1.3, -0.9 }, { 0.0714, 0.0715 } };
    for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
        uint64_t n = 0, bn = 0;
        double sse, bs = 0;
        explore_range(p, 0, &ls, 0, 1, ranges[r][0], ranges[r][1], &n, &sse);
        for (int k = -120; k <= 120; k++) {
            double x = (double)(float)((float)k / 100);
            if (!(x >= ranges[r][0] && x < ranges[r][1]))
                continue;
            double best = INFINITY;
            for (size_t j = 0; j < ls.n; j++)
                best = fmin(best, (x - ls.v[j]) * (x - ls.v[j]));
            bs += best;
            bn++;
        }
        assert_int_equal(n, bn);
        assert_true(fabs(sse - bs) <= 1e-12 + 1e-9 * bs);
    }
    /* the level of 0.5: nearest j/7 is 3/7 (0.4286) or 4/7 (0.5714):
     * 0.5 - 3/7 = 0.0714 = 4/7 - 0.5, a tie -> the upper, 4/7 */
    size_t k = explore_level(&ls, 0, 1, 0.5);
    assert_true(fabs(ls.v[k] - 4.0 / 7) < 1e-15);
    assert_true(explore_level(&ls, 0, 1, 9) == ls.n - 1 && explore_level(&ls, 0, 1, -9) == 0);
    prep_free(p);
    levels_free(&ls);
}

/* gview_analyze with a view (its one-pass path) gives group_analyze_codes'
 * results field by field: a [48, 200] tensor (ragged at group:64), some
 * outliers, one zero row, a NaN; every preset gq_run computes. */
static void same_result(const analyze_result *x, const analyze_result *y)
{
    assert_int_equal(x->ok, y->ok);
    assert_string_equal(x->err, y->err);
    assert_string_equal(x->scheme, y->scheme);
    assert_string_equal(x->granularity ? x->granularity : "", y->granularity ? y->granularity : "");
    assert_string_equal(x->scale_dtype ? x->scale_dtype : "", y->scale_dtype ? y->scale_dtype : "");
    if (!x->ok)
        return;
    const double a[] = { x->r.mse, x->r.alpha, x->r.sqnr_db, x->r.clipped, x->r.entropy_bits, x->r.adds_mean,
                         x->r.max_abs_err, x->relative_to_uniform, x->bpw };
    const double b[] = { y->r.mse, y->r.alpha, y->r.sqnr_db, y->r.clipped, y->r.entropy_bits, y->r.adds_mean,
                         y->r.max_abs_err, y->relative_to_uniform, y->bpw };
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++)
        assert_true(memcmp(&a[i], &b[i], sizeof a[i]) == 0 || (isnan(a[i]) && isnan(b[i])));
    assert_int_equal(x->r.levels_used, y->r.levels_used);
    assert_int_equal(x->nscales, y->nscales);
}

static void test_one_pass(void **state)
{
    (void)state;
    enum { R = 48, C = 200 };
    float *x = util_mallocarray(R * C, sizeof *x);
    tu_rng st = { 12345 };
    for (int i = 0; i < R * C; i++) {
        double u = tu_uniform(&st);
        x[i] = (float)((u - 0.5) * 0.1 * (i % 97 == 0 ? 9 : 1));
    }
    for (int c = 0; c < C; c++)
        x[7 * C + c] = 0;
    x[5] = NAN;
    const uint64_t shape[2] = { R, C };
    group_tensor t = { x, 0, 2, shape, R * C };
    const char *sch[] = { "uniform", "pot", "apot", "nf4", "int-asym", "mxfp4", "q4_0" };
    const char *nouni[] = { "apot", "pot", "q8_0" };
    const alpha_mode modes[] = { ALPHA_MAX, ALPHA_MSE, ALPHA_VALUE };
    for (int g = 0; g < 2; g++)
        for (int mi = 0; mi < 3; mi++)
            for (int nz = 0; nz < 2; nz++)
                for (int set = 0; set < 2; set++) {
                    analyze_cfg cfg;
                    memset(&cfg, 0, sizeof cfg);
                    cfg.bits = 4;
                    cfg.is_signed = 1;
                    cfg.amode = modes[mi];
                    cfg.alpha = 0.03;
                    cfg.normalize = nz;
                    cfg.nthreads = 1 + nz;
                    cfg.gran = g ? GRAN_BLOCK : GRAN_GROUP;
                    cfg.group = 64;
                    cfg.block_r = 8;
                    cfg.block_c = 16;
                    cfg.sdtype = set ? SCALE_BF16 : SCALE_DEFAULT;
                    const char *const *ss = set ? nouni : sch;
                    int ns = set ? 3 : 7;
                    analyze_result a[7], b[7];
                    int ha[7], hb[7];
                    util_err e1 = { { 0 } }, e2 = { { 0 } };
                    gq_view v;
                    memset(&v, 0, sizeof v);
                    uint64_t h[16];
                    v.nbins = 16;
                    v.hist = h;
                    int vok = 0;
                    char msg[256];
                    int focus = (g + mi + nz) % ns;
                    assert_int_equal(gview_analyze(&t, NULL, &cfg, ss, ns, ha, a, focus, &v, &vok, msg, sizeof msg,
                                                   &e1), 0);
                    assert_int_equal(group_analyze(&t, &cfg, ss, ns, b, hb, &e2), 0);
                    for (int i = 0; i < ns; i++) {
                        assert_int_equal(ha[i], hb[i]);
                        same_result(&a[i], &b[i]);
                    }
                    /* the view belongs to the focused scheme: its groups'
                     * sse add up to its mse times the finite count */
                    assert_int_equal(vok, a[focus].ok);
                    if (vok) {
                        double sse = 0;
                        uint64_t n = 0;
                        for (size_t k = 0; k < v.ngroups; k++) {
                            sse += v.sse[k];
                            n += v.count[k];
                        }
                        assert_int_equal(n, R * C - 1);
                        assert_true(fabs(sse / (double)n - a[focus].r.mse) <= 1e-5 * a[focus].r.mse);
                    }
                    gq_view_free(&v);
                }
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bin),       cmocka_unit_test(test_resample), cmocka_unit_test(test_strip),
        cmocka_unit_test(test_layout),    cmocka_unit_test(test_teach_cost), cmocka_unit_test(test_summary),
        cmocka_unit_test(test_view_pass), cmocka_unit_test(test_explore_zoom), cmocka_unit_test(test_explore_move),
        cmocka_unit_test(test_explore_range), cmocka_unit_test(test_one_pass),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
