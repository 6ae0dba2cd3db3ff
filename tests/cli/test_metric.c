/*
 * test_metric.c - the metric table (model/metric.h) and the outputs that
 * walk it: which result gets the star (hand-made results), the CSV header
 * and the JSON result keys as interface.md and the man page list them,
 * and the table report's stars checked against the same run's JSON
 * numbers (lower mse, max |err|, adds, gap; higher SQNR; no star on
 * clipped, entropy, levels used, alpha, bits per weight).
 */
#include "config.h"
#include "testutil.h"

#include <jansson.h>

#include "core/numfmt.h"
#include "model/metric.h"

static analyze_result res_of(double mse, double sqnr, int ok)
{
    analyze_result a;
    memset(&a, 0, sizeof a);
    a.scheme = "x";
    a.ok = ok;
    a.r.n = 100;
    a.r.mse = mse;
    a.r.sqnr_db = sqnr;
    a.r.clipped = mse;
    return a;
}

static void test_best(void **state)
{
    (void)state;
    analyze_result r[5] = { res_of(2, 1, 1), res_of(NAN, NAN, 1), res_of(1, 5, 1),
                            res_of(INFINITY, INFINITY, 1), res_of(0.5, 9, 0) };
    /* lower: 1 (NaN, inf and the failed one never) */
    assert_int_equal(metric_best(&metric_table[M_MSE], r, 5), 2);
    /* higher: an infinite SQNR (zero error) is the best */
    assert_int_equal(metric_best(&metric_table[M_SQNR], r, 5), 3);
    /* facts, not scores */
    assert_int_equal(metric_best(&metric_table[M_CLIP], r, 5), -1);
    assert_int_equal(metric_best(&metric_table[M_ENT], r, 5), -1);
    assert_int_equal(metric_best(&metric_table[M_USED], r, 5), -1);
    assert_int_equal(metric_best(&metric_table[M_ALPHA], r, 5), -1);
    assert_int_equal(metric_best(&metric_table[M_BPW], r, 5), -1);
    /* a tie of all of them: no star; a tie for the best: the first */
    analyze_result tie[3] = { res_of(3, 1, 1), res_of(3, 1, 1), res_of(3, 1, 1) };
    assert_int_equal(metric_best(&metric_table[M_MSE], tie, 3), -1);
    tie[0].r.mse = 4;
    assert_int_equal(metric_best(&metric_table[M_MSE], tie, 3), 1);
    assert_int_equal(metric_best(&metric_table[M_MSE], tie, 1), 0);
    analyze_result inf_only[2] = { res_of(INFINITY, 1, 1), res_of(NAN, 1, 1) };
    assert_int_equal(metric_best(&metric_table[M_MSE], inf_only, 2), -1);
    /* rank order: better first, no value last */
    assert_true(metric_cmp(&metric_table[M_MSE], &r[2], &r[0]) < 0);
    assert_true(metric_cmp(&metric_table[M_SQNR], &r[2], &r[0]) < 0);
    assert_true(metric_cmp(&metric_table[M_MSE], &r[4], &r[0]) > 0);
    for (int i = 0; i < M_N; i++)
        assert_int_equal(metric_table[i].id, i);
}

/* the documented CSV columns (interface.md, man page) */
static const char csv_doc[] =
    "file,name,dtype,shape,count,nonfinite,mean,std,min,max,absmax,kurtosis,"
    "scheme,bits,signed,normalize,alpha_mode,alpha,mse,sqnr_db,max_abs_err,clipped,"
    "entropy_bits,levels_used,levels_total,adds_mean,adds_worst,shifts_mean,relative_to_uniform,"
    "gap_to_optimal_db,bpw,granularity,scale_dtype,levels_per_group,scale_median,off_grid\n";

static void test_csv_header(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(tu_run(&out, NULL, "--report --format=csv --demo=gaussian --demo-size=1000"), 0);
    assert_true(strncmp(out, csv_doc, strlen(csv_doc)) == 0);
    /* every data line has as many fields as the header (a quoted field
     * counts once) */
    int hdr = 1;
    for (const char *p = csv_doc; *p; p++)
        hdr += *p == ',';
    const char *line = strchr(out, '\n') + 1;
    int lines = 0;
    while (*line) {
        int n = 1;
        const char *e = strchr(line, '\n');
        int q = 0;
        for (const char *p = line; p < e; p++) {
            q ^= *p == '"';
            n += *p == ',' && !q;
        }
        assert_int_equal(n, hdr);
        lines++;
        line = e + 1;
    }
    assert_int_equal(lines, 3);
    free(out);
}

static json_t *run_json(const char *args)
{
    char *out;
    assert_int_equal(tu_run(&out, NULL, "--report --format=json %s", args), 0);
    json_error_t je;
    json_t *doc = json_loads(out, 0, &je);
    free(out);
    assert_non_null(doc);
    return doc;
}

static void test_json_keys(void **state)
{
    (void)state;
    static const char *const doc_keys[] = {
        "scheme", "bits", "signed", "normalize", "alpha_mode", "alpha", "mse", "sqnr_db",
        "max_abs_err", "clipped", "entropy_bits", "levels_used", "levels_total",
        "gap_to_optimal_db", "bpw", "granularity", "scale_dtype", "cost", "opt_alpha", "opt_mse",
    };
    static const char *const cost_keys[] = { "adds_mean", "adds_worst", "shifts_mean",
                                             "relative_to_uniform" };
    json_t *doc = run_json("--demo=laplace --demo-size=2000");
    json_t *r = json_array_get(json_object_get(json_array_get(json_object_get(doc, "tensors"), 0),
                                               "results"), 0);
    assert_non_null(r);
    size_t nk = sizeof doc_keys / sizeof *doc_keys;
    assert_int_equal(json_object_size(r), nk);
    /* in the documented order */
    size_t i = 0;
    const char *key;
    json_t *val;
    json_object_foreach(r, key, val) {
        assert_string_equal(key, doc_keys[i]);
        i++;
    }
    json_t *cost = json_object_get(r, "cost");
    assert_int_equal(json_object_size(cost), 4);
    for (i = 0; i < 4; i++)
        assert_non_null(json_object_get(cost, cost_keys[i]));
    assert_true(json_is_integer(json_object_get(r, "levels_used")));
    assert_true(json_is_integer(json_object_get(cost, "adds_worst")));
    json_decref(doc);
}

/* The table report of the same run as the JSON: the star of each row is
 * on the best of the JSON's numbers for that row, and rows that are facts
 * carry none. */
static void test_table_stars(void **state)
{
    (void)state;
    static const struct {
        const char *label, *key, *group;
        int better;
    } rows[] = {
        { "mse", "mse", NULL, -1 },          { "sqnr dB", "sqnr_db", NULL, +1 },
        { "max |err|", "max_abs_err", NULL, -1 }, { "clipped", "clipped", NULL, 0 },
        { "entropy bits", "entropy_bits", NULL, 0 }, { "levels used", "levels_used", NULL, 0 },
        { "adds/MAC mean", "adds_mean", "cost", -1 }, { "vs uniform", "relative_to_uniform", "cost", -1 },
        { "gap to opt dB", "gap_to_optimal_db", NULL, -1 }, { "bits/weight", "bpw", NULL, 0 },
        { "alpha", "alpha", NULL, 0 },
    };
    const char *args = "-s uniform,pot,apot,nf4 -b 3 --demo=student-t:3 --demo-size=5000";
    json_t *doc = run_json(args);
    json_t *res = json_object_get(json_array_get(json_object_get(doc, "tensors"), 0), "results");
    char *out;
    assert_int_equal(tu_run(&out, NULL, "--report %s", args), 0);
    for (size_t r = 0; r < sizeof rows / sizeof *rows; r++) {
        /* the row: two spaces, the label padded to 14, then 4 cells of a
         * space, 10 columns and the star's place */
        char pat[32];
        snprintf(pat, sizeof pat, "\n  %-14s", rows[r].label);
        const char *line = strstr(out, pat);
        assert_non_null(line);
        line += strlen(pat);
        int star = -1;
        for (int k = 0; k < 4; k++)
            if (line[12 * k + 11] == '*')
                star = k;
        int best = -1, nv = 0, alleq = 1;
        double bv = 0;
        for (int k = 0; k < 4 && rows[r].better; k++) {
            json_t *o = json_array_get(res, (size_t)k);
            if (rows[r].group)
                o = json_object_get(o, rows[r].group);
            json_t *j = json_object_get(o, rows[r].key);
            if (!json_is_number(j))
                continue;
            double v = json_number_value(j);
            if (nv++ && v != bv)
                alleq = 0;
            if (best < 0 || (rows[r].better < 0 ? v < bv : v > bv)) {
                best = k;
                bv = v;
            }
        }
        if (nv > 1 && alleq)
            best = -1;   /* all tie: no star */
        if (star != best)
            fail_msg("row '%s': star on %d, best by the JSON %d", rows[r].label, star, best);
    }
    free(out);
    json_decref(doc);
}

/* a number token (numfmt.h's grammar), a share with '%', used/total, or
 * '#' fill: nothing cut */
static int whole(const char *s, const metric *m)
{
    double v;
    size_t n = strlen(s);
    if (n && strspn(s, "#") == n)
        return 1;
    if (!strcmp(s, "-"))
        return 1;
    if (m->cell == MC_USED)
        return strchr(s, '/') && s[n - 1] != '/';
    if (m->cell == MC_PCT) {
        char t[64];
        if (n < 2 || s[n - 1] != '%')
            return 0;
        snprintf(t, sizeof t, "%.*s", (int)n - 1, s);
        return numfmt_parse(t, &v) == 0;
    }
    return numfmt_parse(s, &v) == 0;
}

static void test_fit(void **state)
{
    (void)state;
    analyze_result a = res_of(6.3812e-7, 18.3397, 1);
    a.r.alpha = 0.0195234;
    a.r.max_abs_err = 4.7499e-3;
    a.r.clipped = 0.0046132;
    a.r.entropy_bits = 3.68919;
    a.r.levels_used = 255;
    a.r.levels_total = 255;
    a.r.adds_mean = 1.18294;
    a.r.adds_worst = 2;
    a.relative_to_uniform = 1.0347;
    a.gap_to_optimal_db = INFINITY;
    a.bpw = 4.13889;
    a.opt_alpha = 123456.7;
    a.opt_mse = 1e-300;
    for (int k = 0; k < M_N; k++)
        for (int w = 1; w <= 12; w++) {
            char cell[64], b[64];
            const metric *m = &metric_table[k];
            metric_cell(m, &a, cell, sizeof cell);
            metric_fit(m, &a, b, sizeof b, w);
            if ((int)strlen(b) > w || !whole(b, m))
                fail_msg("%s at width %d: '%s'", m->key, w, b);
            if ((int)strlen(cell) <= w)
                assert_string_equal(b, cell);
        }
    char b[64];
    assert_string_equal(metric_fit(&metric_table[M_MSE], &a, b, sizeof b, 4), "638n");
    assert_string_equal(metric_fit(&metric_table[M_CLIP], &a, b, sizeof b, 4), "0.5%");
    assert_string_equal(metric_fit(&metric_table[M_SQNR], &a, b, sizeof b, 4), "18.3");
    assert_string_equal(metric_fit(&metric_table[M_USED], &a, b, sizeof b, 5), "#####");
    assert_string_equal(metric_fit(&metric_table[M_OPT_MSE], &a, b, sizeof b, 6), "1e-300");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_best),
        cmocka_unit_test(test_csv_header),
        cmocka_unit_test(test_json_keys),
        cmocka_unit_test(test_table_stars),
        cmocka_unit_test(test_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
