/*
 * test_ui_model.c - the viewer's pure list and alpha logic (ui/uimodel.h):
 * the sort order of the list's columns (error = lowest SQNR first, values
 * not there last whatever the direction, ties in file order), the filter,
 * and a fixed alpha carried across tensors as a fraction of max|x|.
 * Expected orders and values are worked out by hand in the comments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "quant/analyze.h"
#include "ui/uimodel.h"

static void check_order(const size_t *got, const size_t *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(got[i], want[i]);
}

static void test_sort_sqnr(void **state)
{
    (void)state;
    /* SQNR per item: the lowest first (the damaged tensors on top); item 4
     * has none yet (NaN): last; items 1 and 3 tie at 20: item order */
    double q[6] = { 30, 20, 10, 20, NAN, 15 };
    size_t idx[6] = { 5, 4, 3, 2, 1, 0 };
    uim_sort_num(idx, 6, q, uim_col_desc(UIM_COL_SCHEME0));
    size_t want[6] = { 2, 5, 1, 3, 0, 4 };
    check_order(idx, want, 6);
    /* R: reversed, the NaN still last, ties still in item order */
    uim_sort_num(idx, 6, q, !uim_col_desc(UIM_COL_SCHEME0));
    size_t rev[6] = { 0, 1, 3, 5, 2, 4 };
    check_order(idx, rev, 6);
}

static void test_sort_dirs(void **state)
{
    (void)state;
    /* count and relative mse: the largest first; name and file order ascend */
    assert_int_equal(uim_col_desc(UIM_COL_COUNT), 1);
    assert_int_equal(uim_col_desc(UIM_COL_SCHEME0 + 1), 1);   /* scheme 0's relative mse */
    assert_int_equal(uim_col_desc(UIM_COL_SCHEME0 + 4), 0);   /* scheme 2's SQNR */
    assert_int_equal(uim_col_desc(UIM_COL_NAME), 0);
    assert_int_equal(uim_col_desc(UIM_COL_FILE), 0);
    assert_int_equal(uim_col_desc(UIM_COL_PAIR_SQNR), 0);
    assert_int_equal(uim_col_desc(UIM_COL_PAIR_MSE), 1);
    int rel;
    assert_int_equal(uim_col_scheme(UIM_COL_SCHEME0 + 5, &rel), 2);
    assert_int_equal(rel, 1);
    assert_int_equal(uim_col_scheme(UIM_COL_COUNT, &rel), -1);
    /* S cycles every column; without pairs the pair columns are skipped:
     * 3 schemes: 0 1 2 5 6 7 8 9 10 0 */
    int c = UIM_COL_COUNT;
    c = uim_col_next(c, 3, 0);
    assert_int_equal(c, UIM_COL_SCHEME0);
    c = uim_col_next(UIM_COL_COUNT, 3, 1);
    assert_int_equal(c, UIM_COL_PAIR_SQNR);
    assert_int_equal(uim_col_next(UIM_COL_SCHEME0 + 5, 3, 0), UIM_COL_FILE);
    assert_int_equal(UIM_NCOLS(3), 11);
}

static void test_sort_names(void **state)
{
    (void)state;
    const char *nm[4] = { "b.w", "a.w", "c.w", "a.w" };
    size_t idx[4] = { 0, 1, 2, 3 };
    uim_sort_str(idx, 4, nm, 0);
    size_t want[4] = { 1, 3, 0, 2 };  /* a.w (items 1, 3), b.w, c.w */
    check_order(idx, want, 4);
    uim_sort_str(idx, 4, nm, 1);
    size_t rev[4] = { 2, 0, 1, 3 };
    check_order(idx, rev, 4);
}

static void test_sort_long(void **state)
{
    (void)state;
    /* 1000 items, key = item % 7 descending: stable merge, ties by item */
    enum { N = 1000 };
    static double k[N];
    static size_t idx[N];
    for (size_t i = 0; i < N; i++) {
        k[i] = (double)(i % 7);
        idx[i] = N - 1 - i;
    }
    uim_sort_num(idx, N, k, 1);
    for (size_t i = 1; i < N; i++) {
        assert_true(k[idx[i - 1]] >= k[idx[i]]);
        if (k[idx[i - 1]] == k[idx[i]])
            assert_true(idx[i - 1] < idx[i]);
    }
    assert_int_equal(idx[0], 6);   /* the first item with key 6 */
}

static void test_filter(void **state)
{
    (void)state;
    const char *nm[5] = { "blk.0.attn_q.weight", "blk.0.ffn_up.weight", "blk.1.ATTN_Q.weight", "output.weight",
                          "blk.10.attn_q.bias" };
    size_t order[5] = { 4, 3, 2, 1, 0 }, out[5];
    /* substring, case-insensitive, in list order */
    assert_int_equal(uim_filter(order, 5, "attn_q", nm, out), 3);
    assert_int_equal(out[0], 4);
    assert_int_equal(out[1], 2);
    assert_int_equal(out[2], 0);
    /* a glob matches the whole name */
    assert_int_equal(uim_filter(order, 5, "blk.?.*weight", nm, out), 3);
    assert_int_equal(out[0], 2);
    assert_int_equal(out[1], 1);
    assert_int_equal(out[2], 0);
    /* empty: all; nothing matching: none */
    assert_int_equal(uim_filter(order, 5, "", nm, out), 5);
    assert_int_equal(uim_filter(order, 5, "nope", nm, out), 0);
}

static void test_alpha_carry(void **state)
{
    (void)state;
    ui_alpha s = { ALPHA_MSE, 0, 0, 0, 0 };
    /* not fixed: no value of its own */
    assert_true(isnan(uim_alpha_on(&s, 0, 0, 0.02)));
    /* l on a 0.02-scale matrix (item 3, max|x| 0.02) to 0.015: 3/4 of max|x| */
    uim_alpha_fix(&s, 0.015, 3, 0, 0.02);
    assert_int_equal(s.mode, ALPHA_VALUE);
    assert_true(fabs(s.frac - 0.75) < 1e-15);
    /* the tensor it was set on keeps the value exactly */
    assert_true(uim_alpha_on(&s, 3, 0, 0.02) == 0.015);
    /* a layernorm next (max|x| 1.2): 0.75 * 1.2 = 0.9, not 0.015 (which
     * would clip every value) */
    assert_true(fabs(uim_alpha_on(&s, 4, 0, 1.2) - 0.9) < 1e-12);
    /* normalized (x in sigma units, max|x| 4 sigma): 3 sigma */
    assert_true(fabs(uim_alpha_on(&s, 3, 1, 4.0) - 3.0) < 1e-12);
    /* back on item 3 raw: the exact value again */
    assert_true(uim_alpha_on(&s, 3, 0, 0.02) == 0.015);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sort_sqnr), cmocka_unit_test(test_sort_dirs), cmocka_unit_test(test_sort_names),
        cmocka_unit_test(test_sort_long), cmocka_unit_test(test_filter),   cmocka_unit_test(test_alpha_carry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
