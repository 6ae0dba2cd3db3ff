/*
 * test_ui_layout.c - the viewer's pure logic without a terminal: window
 * layout, histogram columns and bar heights, eighth-block glyphs, rug
 * (overlay) columns, axis ticks, number formatting, best-of-row, the key
 * table. Expected values are worked out by hand in the comments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "quant/levels.h"
#include "ui/keys.h"
#include "ui/layout.h"
#include "quant/group.h"
#include "ui/teach.h"

static void test_layout_main(void **state)
{
    (void)state;
    ui_layout L;
    /* 100x30, 3 schemes: 2 header + 1 status leave 27; axis 2 + rugs 3
     * leave 22; results get 11 rows, the bars 11. */
    assert_int_equal(layout_main(30, 100, 3, &L), 0);
    assert_int_equal(L.header.h, 2);
    assert_int_equal(L.status.y, 29);
    assert_int_equal(L.hist.y, 2);
    assert_int_equal(L.hist.h, 11);
    assert_int_equal(L.hist.x, LAYOUT_MARGIN);
    assert_int_equal(L.hist.w, 100 - LAYOUT_MARGIN - 1);
    assert_int_equal(L.axis.y, 13);
    assert_int_equal(L.rugs.y, 15);
    assert_int_equal(L.rugs.h, 3);
    assert_int_equal(L.results.y, 18);
    assert_int_equal(L.results.h, 11);
    assert_int_equal(L.results.y + L.results.h, L.status.y);
    /* too small */
    assert_int_equal(layout_main(12, 40, 3, &L), -1);
    assert_true(L.too_small);
    assert_int_equal(layout_main(LAYOUT_MIN_ROWS, LAYOUT_MIN_COLS - 1, 3, &L), -1);
    assert_int_equal(layout_main(LAYOUT_MIN_ROWS, LAYOUT_MIN_COLS, 3, &L), 0);
    /* the minimum still leaves bars and a few result rows */
    assert_true(L.hist.h >= 4);
    assert_true(L.results.h >= 4);
    assert_true(L.results.y + L.results.h <= L.status.y);
    /* wide: results to the right, 13 + 12 per scheme columns */
    assert_int_equal(layout_main(40, 160, 3, &L), 0);
    assert_int_equal(L.results.x, 160 - 49);
    assert_true(L.hist.x + L.hist.w < L.results.x);
    /* many schemes need more rows */
    assert_true(layout_min_rows(8) > layout_min_rows(3));
}

static void test_columns(void **state)
{
    (void)state;
    /* [-1, 1] over 10 columns: each 0.2 wide */
    assert_int_equal(layout_col_of_x(-1, -1, 1, 10), 0);
    assert_int_equal(layout_col_of_x(1, -1, 1, 10), 9);
    assert_int_equal(layout_col_of_x(0, -1, 1, 10), 5);
    assert_int_equal(layout_col_of_x(-0.95, -1, 1, 10), 0);
    assert_int_equal(layout_col_of_x(0.19, -1, 1, 10), 5);
    assert_int_equal(layout_col_of_x(0.21, -1, 1, 10), 6);
    assert_int_equal(layout_col_of_x(1.01, -1, 1, 10), -1);
    assert_int_equal(layout_col_of_x(NAN, -1, 1, 10), -1);
    assert_int_equal(layout_col_of_x(INFINITY, -1, 1, 10), -1);
    assert_true(fabs(layout_x_of_col(0, -1, 1, 10) - (-0.9)) < 1e-12);
    assert_true(fabs(layout_x_of_col(9, -1, 1, 10) - 0.9) < 1e-12);
}

static void test_range(void **state)
{
    (void)state;
    double lo, hi;
    /* signed: symmetric, the larger of |min|, |max|, alpha */
    layout_range(-0.03, 0.04, 0.02, 1, &lo, &hi);
    assert_true(lo == -0.04 && hi == 0.04);
    layout_range(-0.03, 0.04, 0.05, 1, &lo, &hi);
    assert_true(lo == -0.05 && hi == 0.05);
    /* unsigned: from min(xmin, 0) to max(xmax, alpha) */
    layout_range(0.1, 0.5, 0.8, 0, &lo, &hi);
    assert_true(lo == 0 && hi == 0.8);
    /* all zeros: never an empty interval */
    layout_range(0, 0, 0, 1, &lo, &hi);
    assert_true(hi > lo);
    layout_range(NAN, NAN, NAN, 1, &lo, &hi);
    assert_true(hi > lo);
}

static void test_bars(void **state)
{
    (void)state;
    /* 4 rows = 32 eighths */
    assert_int_equal(layout_bar_eighths(100, 100, 4, 0), 32);
    assert_int_equal(layout_bar_eighths(50, 100, 4, 0), 16);
    assert_int_equal(layout_bar_eighths(0, 100, 4, 0), 0);
    /* 1 of 1000 rounds to 0 eighths but must stay visible */
    assert_int_equal(layout_bar_eighths(1, 1000, 4, 0), 1);
    /* log: log(1+9)/log(1+99) = 1/2 */
    assert_int_equal(layout_bar_eighths(9, 99, 4, 1), 16);
    assert_int_equal(layout_bar_eighths(99, 99, 4, 1), 32);
    /* glyphs: 12 eighths = a full bottom cell and half of the next */
    assert_string_equal(layout_bar_glyph(12, 0, 1), "\u2588");
    assert_string_equal(layout_bar_glyph(12, 1, 1), "\u2584");
    assert_string_equal(layout_bar_glyph(12, 2, 1), " ");
    assert_string_equal(layout_bar_glyph(1, 0, 1), "\u2581");
    assert_string_equal(layout_bar_glyph(7, 0, 1), "\u2587");
    assert_string_equal(layout_bar_glyph(12, 0, 0), "#");
    assert_string_equal(layout_bar_glyph(12, 1, 0), "+");
    assert_string_equal(layout_bar_glyph(2, 0, 0), ".");
    assert_string_equal(layout_bar_glyph(0, 0, 0), " ");
}

static void test_rugs(void **state)
{
    (void)state;
    /* 4-bit apot (interface.md) times alpha 1 over [-1, 1], 20 columns of
     * 0.1: 0.1 -> column 11, 0 -> 10, -0.1 -> 9 (floor(0.9/0.1)), 1 -> 19 */
    static const double apot[] = { -1, -0.8, -0.6, -0.4, -0.3, -0.2, -0.1, 0,
                                   0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 1 };
    int cnt[20];
    layout_rug(apot, 15, -1, 1, 20, cnt);
    int sum = 0;
    for (int i = 0; i < 20; i++)
        sum += cnt[i];
    assert_int_equal(sum, 15);
    assert_int_equal(cnt[10], 1);
    assert_int_equal(cnt[11], 1);
    assert_int_equal(cnt[9], 1);
    assert_int_equal(cnt[19], 1);
    assert_int_equal(cnt[0], 1);
    /* -0.8 sits on the boundary of columns 1 and 2 (either is right) */
    assert_int_equal(cnt[1] + cnt[2], 1);
    assert_int_equal(cnt[3], 0);   /* nothing in [-0.7, -0.6) */
    /* 4-bit pot: 0, 1/64..1 crowd near zero: 10 columns of 0.2, column 5
     * = [0, 0.2) holds 0, 1/64, 1/32, 1/16, 1/8 */
    static const double pot[] = { -1, -0.5, -0.25, -0.125, -0.0625, -0.03125, -0.015625, 0,
                                  0.015625, 0.03125, 0.0625, 0.125, 0.25, 0.5, 1 };
    int c2[10];
    layout_rug(pot, 15, -1, 1, 10, c2);
    assert_int_equal(c2[5], 5);
    assert_int_equal(c2[4], 4);   /* -1/64 .. -1/8 */
    assert_int_equal(c2[9], 1);
    char b[8];
    assert_string_equal(layout_rug_glyph(0, 1, b, sizeof b), " ");
    assert_string_equal(layout_rug_glyph(1, 0, b, sizeof b), "|");
    assert_string_equal(layout_rug_glyph(5, 1, b, sizeof b), "5");
    assert_string_equal(layout_rug_glyph(12, 1, b, sizeof b), "+");
}

static void test_ticks(void **state)
{
    (void)state;
    double t[64], step;
    /* range 0.0667 / 8 = 0.0083 -> step 0.01: -0.03 .. 0.03 */
    int n = layout_ticks(-0.03, 0.0367, 8, t, &step);
    assert_true(fabs(step - 0.01) < 1e-15);
    assert_int_equal(n, 7);
    assert_true(fabs(t[0] + 0.03) < 1e-12);
    assert_true(t[3] == 0);
    char b[32];
    assert_string_equal(layout_fmt_tick(b, sizeof b, t[0], step), "-0.03");
    assert_string_equal(layout_fmt_tick(b, sizeof b, t[3], step), "0");
    assert_string_equal(layout_fmt_tick(b, sizeof b, 2.5, 0.5), "2.5");
    assert_string_equal(layout_fmt_tick(b, sizeof b, 20, 10), "20");
    /* 0 .. 5, at most 5 ticks: step 1 -> 0 1 2 3 4 5 */
    n = layout_ticks(0, 5, 5, t, &step);
    assert_int_equal(n, 6);
    assert_true(step == 1);
    assert_int_equal(layout_ticks(1, 1, 5, t, &step), 0);
}

static void test_numbers(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(layout_fmt_num(b, sizeof b, 6.755e-07, 4, 10), "6.755e-07");
    assert_string_equal(layout_fmt_num(b, sizeof b, 0.01697, 4, 10), "0.01697");
    assert_string_equal(layout_fmt_num(b, sizeof b, 123456789, 4, 10), "1.235e+08");
    /* narrower than %g's text: the closest number that fits (short
     * exponent), never a cut one; '#' when not even 1e8 fits */
    assert_string_equal(layout_fmt_num(b, sizeof b, 123456789, 4, 6), "1.23e8");
    assert_string_equal(layout_fmt_num(b, sizeof b, 6.755e-07, 4, 6), "6.8e-7");
    assert_string_equal(layout_fmt_num(b, sizeof b, 123456789, 4, 3), "1e8");
    assert_string_equal(layout_fmt_num(b, sizeof b, 123456789, 4, 2), "##");
    assert_string_equal(layout_fmt_num(b, sizeof b, NAN, 4, 10), "nan");
    assert_string_equal(layout_fmt_num(b, sizeof b, -INFINITY, 4, 10), "-inf");
    assert_string_equal(layout_fmt_num(b, sizeof b, 0, 4, 10), "0");
    double v[3] = { 3, 1, 2 };
    assert_int_equal(layout_best(v, 3, 1), 1);
    assert_int_equal(layout_best(v, 3, 0), 0);
    double w[3] = { NAN, 2, 1 };
    assert_int_equal(layout_best(w, 3, 1), 2);
    double e[3] = { 1, 1, 1 };
    assert_int_equal(layout_best(e, 3, 1), -1);
    /* log rows: 1e-3 is halfway between 1e-4 and 1e-2: row 5 of 11 */
    assert_int_equal(layout_row_of_logy(1e-3, 1e-4, 1e-2, 11), 5);
    assert_int_equal(layout_row_of_logy(1e-2, 1e-4, 1e-2, 11), 0);
    assert_int_equal(layout_row_of_logy(1e-4, 1e-4, 1e-2, 11), 10);
    assert_int_equal(layout_row_of_logy(0, 1e-4, 1e-2, 11), -1);
    assert_int_equal(layout_row_of_logy(1, 1e-4, 1e-2, 11), -1);
    assert_true(layout_name_matches("Conv", "layer1.conv.weight"));
    assert_false(layout_name_matches("bias", "layer1.conv.weight"));
    assert_true(layout_name_matches("*.bias", "fc.bias"));
    assert_false(layout_name_matches("*.bias", "fc.bias.x"));
}

static void test_keys(void **state)
{
    (void)state;
    ui_keycodes kc = { 1001, 1002, 1003, 1004, 1005, 27, 1006, 12, 3, 1007, 1008, 1009, 1010 };
    keys_init(&kc);
    /* the interface.md keys */
    assert_int_equal(keys_lookup('q', KV_MAIN), ACT_QUIT);
    assert_int_equal(keys_lookup('?', KV_MAIN), ACT_HELP);
    assert_int_equal(keys_lookup('+', KV_MAIN), ACT_BITS_UP);
    assert_int_equal(keys_lookup('-', KV_MAIN), ACT_BITS_DOWN);
    assert_int_equal(keys_lookup('l', KV_MAIN), ACT_ALPHA_UP);
    assert_int_equal(keys_lookup(1002, KV_MAIN), ACT_ALPHA_UP);   /* right arrow */
    assert_int_equal(keys_lookup('h', KV_MAIN), ACT_ALPHA_DOWN);
    assert_int_equal(keys_lookup(1001, KV_MAIN), ACT_ALPHA_DOWN); /* left arrow */
    assert_int_equal(keys_lookup('L', KV_MAIN), ACT_ALPHA_UP_BIG);
    assert_int_equal(keys_lookup('H', KV_MAIN), ACT_ALPHA_DOWN_BIG);
    assert_int_equal(keys_lookup('o', KV_MAIN), ACT_ALPHA_OPT);
    assert_int_equal(keys_lookup('m', KV_MAIN), ACT_ALPHA_MAX);
    assert_int_equal(keys_lookup('n', KV_MAIN), ACT_NORMALIZE);
    assert_int_equal(keys_lookup('s', KV_MAIN), ACT_SCHEME_NEXT);
    assert_int_equal(keys_lookup('j', KV_MAIN), ACT_TENSOR_NEXT);
    assert_int_equal(keys_lookup(1004, KV_MAIN), ACT_TENSOR_NEXT); /* down */
    assert_int_equal(keys_lookup('k', KV_MAIN), ACT_TENSOR_PREV);
    assert_int_equal(keys_lookup('/', KV_MAIN), ACT_SEARCH);
    assert_int_equal(keys_lookup('g', KV_MAIN), ACT_LOG);
    assert_int_equal(keys_lookup('c', KV_MAIN), ACT_CURVE);
    assert_int_equal(keys_lookup('e', KV_MAIN), ACT_EXPORT);
    assert_int_equal(keys_lookup('D', KV_MAIN), ACT_COMPARE);
    assert_int_equal(keys_lookup(27, KV_MAIN), ACT_CLOSE);
    assert_int_equal(keys_lookup('S', KV_LIST), ACT_SORT);
    assert_int_equal(keys_lookup('S', KV_MAIN), ACT_NONE);
    assert_int_equal(keys_lookup('W', KV_MAIN), ACT_NONE);
    /* the exploration keys (issue 12) in the main view only; G everywhere */
    assert_int_equal(keys_lookup('z', KV_MAIN), ACT_ZOOM_IN);
    assert_int_equal(keys_lookup('Z', KV_MAIN), ACT_ZOOM_OUT);
    assert_int_equal(keys_lookup('[', KV_MAIN), ACT_CUR_LEFT);
    assert_int_equal(keys_lookup(']', KV_MAIN), ACT_CUR_RIGHT);
    assert_int_equal(keys_lookup('{', KV_MAIN), ACT_CUR_LEFT10);
    assert_int_equal(keys_lookup('}', KV_MAIN), ACT_CUR_RIGHT10);
    assert_int_equal(keys_lookup('z', KV_LIST), ACT_NONE);
    assert_int_equal(keys_lookup('G', KV_MAIN), ACT_GRAN);
    assert_int_equal(keys_lookup('G', KV_LIST), ACT_GRAN);
    assert_int_equal(keys_lookup('x', KV_MAIN), ACT_EXPLAIN);
    assert_int_equal(keys_lookup('x', KV_CURVE), ACT_EXPLAIN);
    /* the tour's keys win over the same keys' ordinary bindings */
    assert_int_equal(keys_lookup(' ', KV_MAIN | KV_TOUR), ACT_TOUR_NEXT);
    assert_int_equal(keys_lookup(1002, KV_MAIN | KV_TOUR), ACT_TOUR_NEXT);
    assert_int_equal(keys_lookup(1001, KV_MAIN | KV_TOUR), ACT_TOUR_PREV);
    assert_int_equal(keys_lookup(1001, KV_CURVE | KV_TOUR), ACT_TOUR_PREV);
    assert_int_equal(keys_lookup('l', KV_MAIN | KV_TOUR), ACT_ALPHA_UP);
    assert_int_equal(keys_lookup(' ', KV_MAIN), ACT_NONE);
    /* every action a key reaches has a help line (a labelled entry, or it
     * follows one that describes the pair) and no code is bound twice in
     * the same view */
    int n;
    const ui_key *k = keys_table(&n);
    assert_non_null(k[0].label);
    for (int i = 0; i < n; i++) {
        if (k[i].label)
            assert_non_null(k[i].help);
        for (int a = 0; a < 4 && k[i].codes[a]; a++)
            for (int j = i + 1; j < n; j++)
                for (int b = 0; b < 4 && k[j].codes[b]; b++)
                    if (k[i].codes[a] == k[j].codes[b])
                        assert_true((k[i].views & k[j].views) == 0);
    }
}

/* Every scheme of the level-set table has an explanation for the x
 * overlay, with a formula and a note; no text names a scheme that does not
 * exist; NAME:ARG finds NAME. */
static void test_explain_complete(void **state)
{
    (void)state;
    int ns = 0;
    for (size_t i = 0; levels_schemes[i]; i++, ns++) {
        const teach_text *t = teach_explain(levels_schemes[i]->name);
        if (!t)
            fail_msg("scheme '%s' has no explanation in src/ui/teach.c", levels_schemes[i]->name);
        assert_string_equal(t->scheme, levels_schemes[i]->name);
        assert_true(strlen(t->formula) > 10);
        assert_true(strlen(t->notice) > 20);
        /* two or three lines in the 74-column overlay */
        int st[32], ln[32];
        int lines = layout_wrap(t->formula, 74, st, ln, 32) + layout_wrap(t->notice, 74, st, ln, 32);
        assert_true(lines >= 2 && lines <= 5);
    }
    int n;
    const teach_text *tab = teach_table(&n);
    assert_int_equal(n, ns);
    for (int i = 0; i < n; i++) {
        int found = 0;
        for (size_t k = 0; levels_schemes[k]; k++)
            found |= strcmp(levels_schemes[k]->name, tab[i].scheme) == 0;
        assert_true(found);
    }
    assert_non_null(teach_explain("custom:/tmp/levels.txt"));
    assert_string_equal(teach_explain("custom:x")->scheme, "custom");
    assert_null(teach_explain("nosuch"));
    assert_null(teach_explain(NULL));
    /* the texts the brief asks for */
    assert_non_null(strstr(teach_explain("pot")->notice, "crowd near zero"));
    assert_non_null(strstr(teach_explain("apot")->formula, "gamma"));
}

/* The tour: uniform -> PoT -> APoT -> normalization -> clipping, each step
 * a valid viewer state whose focus is among its schemes. */
static void test_tour_steps(void **state)
{
    (void)state;
    int n;
    const teach_step *t = teach_tour(&n);
    assert_true(n >= 5);
    static const char *const focus[] = { "uniform", "pot", "apot", "apot", "apot" };
    for (int i = 0; i < n; i++) {
        int has = 0;
        for (int k = 0; k < TEACH_MAX_SCHEMES && t[i].schemes[k]; k++) {
            assert_non_null(levels_find(t[i].schemes[k]));
            has |= strcmp(t[i].schemes[k], t[i].focus) == 0;
        }
        assert_true(has);
        assert_true(t[i].bits >= LEVELS_MIN_BITS && t[i].bits <= LEVELS_MAX_BITS);
        assert_true(strlen(t[i].caption) > 40);
        if (i < 5)
            assert_string_equal(t[i].focus, focus[i]);
    }
    /* normalization comes on at step 4, clipping (optimal alpha) at 5 */
    assert_int_equal(t[0].normalize, 0);
    assert_int_equal(t[2].normalize, 0);
    assert_int_equal(t[3].normalize, 1);
    assert_int_equal(t[3].alpha, TA_MAX);
    assert_int_equal(t[4].alpha, TA_MSE);
    assert_non_null(strstr(t[1].caption, "crowd near zero"));
}

/* Clipping-method markers on the curve view: columns as layout_col_of_x
 * over [0, top]; markers in the same cell are lifted one row each. */
static void test_marks(void **state)
{
    (void)state;
    /* top 2 over 20 columns: 0.1 per column. 0.55 -> 5, 1.0 -> 10, 2.0 -> 19
     * (top belongs to the last column), 0.56 -> 5 again, 3 -> outside */
    double x[6] = { 0.55, 1.0, 2.0, 0.56, 3.0, NAN };
    int row[6] = { 4, 7, 2, 4, 1, 3 };
    int col[6], lift[6];
    layout_marks(x, row, 6, 2.0, 20, col, lift);
    assert_int_equal(col[0], 5);
    assert_int_equal(col[1], 10);
    assert_int_equal(col[2], 19);
    assert_int_equal(col[3], 5);
    assert_int_equal(col[4], -1);
    assert_int_equal(col[5], -1);
    assert_int_equal(lift[0], 0);
    assert_int_equal(lift[1], 0);
    assert_int_equal(lift[3], 1);  /* same cell as marker 0: one row up */
    /* a third marker in that cell goes two up; one in the cell above
     * marker 0 (row 3) that a lifted marker took goes further */
    double x2[3] = { 0.55, 0.55, 0.55 };
    int r2[3] = { 4, 4, 3 };
    int c2[3], l2[3];
    layout_marks(x2, r2, 3, 2.0, 20, c2, l2);
    assert_int_equal(l2[0], 0);
    assert_int_equal(l2[1], 1);    /* at row 3 */
    assert_int_equal(l2[2], 1);    /* row 3 is taken: row 2 */
    /* off the plot (row -1): no column */
    int r3[1] = { -1 };
    layout_marks(x2, r3, 1, 2.0, 20, c2, l2);
    assert_int_equal(c2[0], -1);
}

/* Per-channel view: sorted by range, largest first; median; outliers
 * above 3x the median. Ranges {1, 5, 2, NaN, 1.5, 0.9, 2}: finite sorted
 * 0.9 1 1.5 2 2 5 -> median (1.5 + 2) / 2 = 1.75; 3 x 1.75 = 5.25 so 5 is
 * no outlier; with factor 2.5 (4.375) it is. */
static void test_chan_order(void **state)
{
    (void)state;
    double r[7] = { 1, 5, 2, NAN, 1.5, 0.9, 2 };
    size_t ord[7];
    unsigned char out[7];
    double med;
    assert_int_equal(group_channel_order(r, 7, 3.0, ord, out, &med), 0);
    assert_true(fabs(med - 1.75) < 1e-15);
    size_t want[7] = { 1, 2, 6, 4, 0, 5, 3 }; /* ties 2, 2: lower index first; NaN last */
    for (int i = 0; i < 7; i++)
        assert_int_equal(ord[i], want[i]);
    assert_int_equal(group_channel_order(r, 7, 2.5, ord, out, &med), 1);
    assert_int_equal(out[1], 1);
    assert_int_equal(out[3], 0);
    assert_int_equal(out[2], 0);
    /* odd count: the middle value; all zero ranges but one */
    double z[3] = { 0, 0, 0.1 };
    assert_int_equal(group_channel_order(z, 3, 3.0, ord, out, &med), 1);
    assert_true(med == 0);
    assert_int_equal(ord[0], 2);
    assert_int_equal(out[2], 1);
    /* nothing finite */
    double nn[2] = { NAN, NAN };
    assert_int_equal(group_channel_order(nn, 2, 3.0, ord, out, &med), 0);
    assert_true(isnan(med));
    /* heat levels: log scale 1e-6 .. 1e-2 over 5 levels: 1e-4 is the middle */
    assert_int_equal(layout_heat_level(1e-6, 1e-6, 1e-2, 5), 0);
    assert_int_equal(layout_heat_level(1e-2, 1e-6, 1e-2, 5), 4);
    assert_int_equal(layout_heat_level(1e-4, 1e-6, 1e-2, 5), 2);
    assert_int_equal(layout_heat_level(1e-9, 1e-6, 1e-2, 5), 0);
    assert_int_equal(layout_heat_level(0, 1e-6, 1e-2, 5), 0);
    assert_int_equal(layout_heat_level(NAN, 1e-6, 1e-2, 5), -1);
    assert_string_equal(layout_heat_glyph(4, 0), "#");
    assert_string_equal(layout_heat_glyph(-1, 1), "?");
}

static void test_wrap(void **state)
{
    (void)state;
    int st[8], ln[8];
    /* "aaa bbb ccc" at width 7: "aaa bbb" / "ccc" */
    assert_int_equal(layout_wrap("aaa bbb ccc", 7, st, ln, 8), 2);
    assert_int_equal(st[0], 0);
    assert_int_equal(ln[0], 7);
    assert_int_equal(st[1], 8);
    assert_int_equal(ln[1], 3);
    /* width 5: "aaa" / "bbb" / "ccc" */
    assert_int_equal(layout_wrap("aaa bbb ccc", 5, st, ln, 8), 3);
    assert_int_equal(ln[1], 3);
    /* a word longer than the width is cut */
    assert_int_equal(layout_wrap("abcdefgh", 3, st, ln, 8), 3);
    assert_int_equal(ln[2], 2);
    /* max lines */
    assert_int_equal(layout_wrap("a b c d e", 1, st, ln, 2), 2);
    assert_int_equal(layout_wrap("   ", 4, st, ln, 8), 0);
}

/* The log axis's decades: each label sits on the row where a bar of that
 * count tops out (the row holding its top eighth, counted from the
 * layout_bar_eighths of that count), the decades are 10, 100, ... below
 * the maximum, and no label is on rows 0, 1 (max, "log") or next to the
 * "0" row or another label. At mx = 1e6 over 20 rows: log1p(10^k) /
 * log1p(10^6) * 160 eighths = 27.8, 53.5, 80.0, 106.7, 133.3 -> tops in
 * rows from the bottom 3, 6, 9, 13, 16 (1-based), rows from the top 16,
 * 13, 10, 6, 3 (hand-computed). */
static void test_log_decades(void **st)
{
    (void)st;
    uint64_t dec[24];
    int row[24];
    int n = layout_log_decades(1000000, 20, dec, row, 24);
    assert_int_equal(n, 5);
    static const int want[] = { 16, 13, 10, 6, 3 };
    uint64_t d = 10;
    for (int i = 0; i < n; i++, d *= 10) {
        assert_int_equal(dec[i], d);
        assert_int_equal(row[i], want[i]);
        int e = layout_bar_eighths(d, 1000000, 20, 1);
        assert_int_equal(row[i], 20 - (e + 7) / 8);
    }
    /* 4 rows: only row 2 could take a label, and it is next to "0" */
    assert_int_equal(layout_log_decades(1000000, 4, dec, row, 24), 0);
    /* the maximum below 10: no decade */
    assert_int_equal(layout_log_decades(9, 20, dec, row, 24), 0);
    /* adjacent decades: at 5 rows of 1e12 two labels never touch */
    n = layout_log_decades(1000000000000ULL, 8, dec, row, 24);
    for (int i = 1; i < n; i++)
        assert_true(row[i - 1] - row[i] >= 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_main), cmocka_unit_test(test_range),
        cmocka_unit_test(test_columns),     cmocka_unit_test(test_bars),
        cmocka_unit_test(test_rugs),        cmocka_unit_test(test_ticks),
        cmocka_unit_test(test_numbers),     cmocka_unit_test(test_keys),
        cmocka_unit_test(test_explain_complete), cmocka_unit_test(test_tour_steps),
        cmocka_unit_test(test_wrap),        cmocka_unit_test(test_marks),
        cmocka_unit_test(test_chan_order),  cmocka_unit_test(test_log_decades),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
