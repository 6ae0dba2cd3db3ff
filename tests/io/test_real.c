/*
 * test_real.c - the bundled real weights (face-api conv64_1.conv1 filters,
 * data/faceapi_conv64_1_conv1.npy) against numbers computed independently
 * with numpy 1.24 (Debian python3-numpy) in float64:
 *
 *   w = np.load('data/faceapi_conv64_1_conv1.npy').astype(np.float64).ravel()
 *   w.mean(), w.std(ddof=1), w.min(), w.max()
 *   m = w - w.mean(); np.mean(m**4) / np.mean(m**2)**2 - 3
 *   L = np.array([-1,-.8,-.6,-.4,-.3,-.2,-.1,0,.1,.2,.3,.4,.6,.8,1])
 *   x = w (or (w - w.mean()) / w.std(ddof=1) with -n)
 *   q = L[np.abs(np.clip(x/a,-1,1)[:,None] - L[None,:]).argmin(1)] * a
 *   e = x - q; np.mean(e**2), 10*np.log10(np.sum(x**2)/np.sum(e**2)),
 *   np.abs(e).max(), np.mean(np.abs(x) > a)
 *
 * and the MSE-optimal 4-bit APoT alpha by a 20000-point numpy scan around
 * the best of a 3000-point scan: mse 5.866850485038366e-07 at alpha
 * 0.0195167.
 */
#include "config.h"
#include "testutil.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *run_json(const char *args)
{
    char *sample = tu_srcfile("data/faceapi_conv64_1_conv1.npy");
    char *out, *err;
    int st = tu_run(&out, &err, "%s --format=json '%s'", args, sample);
    if (st != 0)
        fprintf(stderr, "status %d: %s\n", st, err);
    assert_int_equal(st, 0);
    json_error_t je;
    json_t *doc = json_loads(out, 0, &je);
    if (!doc)
        fprintf(stderr, "bad json: %s\n%s\n", je.text, out);
    assert_non_null(doc);
    free(out);
    free(err);
    free(sample);
    return doc;
}

static double num(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    assert_non_null(v);
    assert_true(json_is_number(v));
    return json_number_value(v);
}

static void test_stats(void **st)
{
    (void)st;
    json_t *doc = run_json("--report -s apot");
    json_t *t = json_array_get(json_object_get(doc, "tensors"), 0);
    assert_string_equal(json_string_value(json_object_get(t, "name")), "faceapi_conv64_1_conv1");
    assert_string_equal(json_string_value(json_object_get(t, "dtype")), "float32");
    assert_int_equal(json_integer_value(json_object_get(t, "count")), 36864);
    json_t *shape = json_object_get(t, "shape");
    assert_int_equal(json_array_size(shape), 4);
    assert_int_equal(json_integer_value(json_array_get(shape, 0)), 64);
    assert_int_equal(json_integer_value(json_array_get(shape, 3)), 3);
    json_t *s = json_object_get(t, "stats");
    assert_true(tu_close_rel(num(s, "mean"), -0.0005818390066531941, 1e-10));
    assert_true(tu_close_rel(num(s, "std"), 0.006300324636220663, 1e-10));
    assert_true(num(s, "min") == -0.02967042475938797);
    assert_true(num(s, "max") == 0.03665708377957344);
    assert_true(num(s, "absmax") == 0.03665708377957344);
    assert_true(tu_close_rel(num(s, "kurtosis"), 0.4847180635767141, 1e-9));
    /* optimal alpha */
    json_t *r = json_array_get(json_object_get(t, "results"), 0);
    assert_string_equal(json_string_value(json_object_get(r, "alpha_mode")), "mse");
    double mse = num(r, "mse");
    assert_true(mse <= 5.866850485038366e-07 * (1 + 1e-6));
    assert_true(fabs(num(r, "alpha") - 0.0195167) < 2e-6);
    json_decref(doc);
}

static void test_fixed_alpha(void **st)
{
    (void)st;
    json_t *doc = run_json("--report -s apot -b 4 -a 0.02");
    json_t *r = json_array_get(json_object_get(json_array_get(json_object_get(doc, "tensors"), 0), "results"), 0);
    assert_true(tu_close_rel(num(r, "mse"), 5.884108678285824e-07, 1e-6));
    assert_true(fabs(num(r, "sqnr_db") - 18.327217247444654) < 1e-6);
    assert_true(tu_close_rel(num(r, "max_abs_err"), 0.01665708377957344, 1e-9));
    assert_true(num(r, "clipped") == 0.004014756944444444);
    json_decref(doc);
    doc = run_json("--report -s apot -b 4 -a 2.5 -n");
    r = json_array_get(json_object_get(json_array_get(json_object_get(doc, "tensors"), 0), "results"), 0);
    assert_true(json_is_true(json_object_get(r, "normalize")));
    assert_true(tu_close_rel(num(r, "mse"), 0.01682004051621814, 1e-6));
    assert_true(fabs(num(r, "sqnr_db") - 17.741611812540015) < 1e-6);
    assert_true(tu_close_rel(num(r, "max_abs_err"), 3.410635552355428, 1e-9));
    assert_true(tu_close_rel(num(r, "clipped"), 0.015407986111111112, 1e-12));
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats),
        cmocka_unit_test(test_fixed_alpha),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
