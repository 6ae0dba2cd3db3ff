/* test_demo.c - demo tensors: deterministic, the documented shape, and the
 * moments of their distributions (computed here from the values). */
#include "config.h"
#include "testutil.h"

#include <stdio.h>
#include "io/demo.h"
#include "io/loader.h"

static double *load(const char *path, uint64_t *n, loader_file **fo)
{
    util_err e = { { 0 } };
    loader_file *f = loader_open(path, NULL, &e);
    if (!f)
        fail_msg("%s", e.msg);
    assert_int_equal(f->ntensors, 1);
    *n = f->tensors[0].count;
    double *v = malloc(*n * sizeof *v);
    assert_int_equal(loader_read(f, 0, v, 1, &e), 0);
    *fo = f;
    return v;
}

static void moments(const double *v, uint64_t n, double *mean, double *var, double *kurt)
{
    double s = 0, m2 = 0, m4 = 0;
    for (uint64_t i = 0; i < n; i++)
        s += v[i];
    *mean = s / (double)n;
    for (uint64_t i = 0; i < n; i++) {
        double d = (v[i] - *mean) * (v[i] - *mean);
        m2 += d;
        m4 += d * d;
    }
    *var = m2 / (double)n;
    *kurt = (m4 / (double)n) / (*var * *var) - 3;
}

static void test_demo(void **st)
{
    (void)st;
    static const struct { const char *kind; double var, kurt; } k[] = {
        { "gaussian", 1, 0 }, { "laplace", 1, 3 }, { "uniform", 1, -1.2 },
        { "student-t:10", 10.0 / 8, 6.0 / 6 }, { "bimodal", 1 + 0.0625, NAN },
    };
    for (size_t i = 0; i < sizeof k / sizeof *k; i++) {
        char *path = demo_path(k[i].kind, 1 << 18, 42);
        uint64_t n;
        loader_file *f;
        double *v = load(path, &n, &f);
        assert_int_equal(n, 1 << 18);
        assert_int_equal(f->tensors[0].ndim, 2);
        assert_int_equal(f->tensors[0].shape[0], 64);
        double mean, var, kurt;
        moments(v, n, &mean, &var, &kurt);
        assert_true(fabs(mean) < 0.02);
        assert_true(fabs(var / k[i].var - 1) < 0.03);
        if (!isnan(k[i].kurt))
            assert_true(fabs(kurt - k[i].kurt) < 0.35);
        /* same path, same values */
        uint64_t n2;
        loader_file *f2;
        double *w = load(path, &n2, &f2);
        assert_memory_equal(v, w, n * sizeof *v);
        free(v);
        free(w);
        loader_close(f);
        loader_close(f2);
        free(path);
    }
    /* other seeds differ; odd sizes are 1-D */
    uint64_t n;
    loader_file *f;
    double *v = load("demo:gaussian,n=1001,seed=3", &n, &f);
    assert_int_equal(n, 1001);
    assert_int_equal(f->tensors[0].ndim, 1);
    free(v);
    loader_close(f);
    util_err e = { { 0 } };
    assert_null(loader_open("demo:nope", NULL, &e));
    assert_non_null(strstr(e.msg, "unknown kind"));
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(test_demo) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
