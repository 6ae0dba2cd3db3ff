/* test_util.c - core helpers: SI formatting, exact formatting, double-double
 * products, overflow-checked multiplication, globs, dtype conversions. */
#include "config.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/dtype.h"
#include "core/util.h"

static void test_fmt_si(void **st)
{
    (void)st;
    char b[64];
    assert_string_equal(util_fmt_si(b, sizeof b, 1234, 4), "1.234k");
    assert_string_equal(util_fmt_si(b, sizeof b, 0.000123, 4), "123.0u");
    assert_string_equal(util_fmt_si(b, sizeof b, -0.0015, 4), "-1.500m");
    assert_string_equal(util_fmt_si(b, sizeof b, 36864, 4), "36.86k");
    assert_string_equal(util_fmt_si(b, sizeof b, 1e20, 4), "1.000e+20");
    assert_string_equal(util_fmt_si(b, sizeof b, 1e-12, 3), "1.00e-12");
    assert_string_equal(util_fmt_si(b, sizeof b, 0, 4), "0");
    assert_string_equal(util_fmt_si(b, sizeof b, NAN, 4), "nan");
    assert_string_equal(util_fmt_si(b, sizeof b, -INFINITY, 4), "-inf");
    assert_string_equal(util_fmt_si(b, sizeof b, 5.5, 3), "5.50");
}

static void test_fmt_exact(void **st)
{
    (void)st;
    char b[64];
    const double v[] = { 0.1, 1.0 / 3, 5.866850485038366e-07, -1e-300, 123456789.0, 0.3 };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        assert_true(strtod(util_fmt_exact(b, sizeof b, v[i]), NULL) == v[i]);
    assert_string_equal(util_fmt_exact(b, sizeof b, 0.1), "0.1");
}

static void test_dd(void **st)
{
    (void)st;
    /* (1 + 2^-30)^2 = 1 + 2^-29 + 2^-60: the last term is lost in double */
    double a = 1 + ldexp(1, -30);
    dd p = dd_prod(a, a);
    assert_true(p.hi == 1 + ldexp(1, -29));
    assert_true(p.lo == ldexp(1, -60));
    dd s = { 1e16, 0 };
    s = dd_add_d(s, 1.0);
    s = dd_add_d(s, -1e16);
    assert_true(dd_to_d(s) == 1.0);
}

static void test_mul_glob(void **st)
{
    (void)st;
    uint64_t r;
    assert_int_equal(util_mul_u64(1ull << 32, 1ull << 31, &r), 0);
    assert_true(r == 1ull << 63);
    assert_int_equal(util_mul_u64(1ull << 32, 1ull << 32, &r), -1);
    assert_true(util_glob("conv*.weight", "conv1.weight"));
    assert_false(util_glob("conv*.weight", "conv1.bias"));
    assert_true(util_glob("*", "a.b.c"));
}

/* dtype conversions against bit patterns decoded by hand (OCP 8-bit floats:
 * E4M3 0x7E = 448 (largest), 0x01 = 2^-9 (smallest subnormal); E5M2 0x7B =
 * 57344 (largest), 0x7C = inf). */
static void test_dtypes(void **st)
{
    (void)st;
    assert_true(dtype_e4m3_to_float(0x7E) == 448.0f);
    assert_true(dtype_e4m3_to_float(0x01) == ldexpf(1, -9));
    assert_true(isnan(dtype_e4m3_to_float(0x7F)));
    assert_true(dtype_e4m3_to_float(0xB8) == -1.0f);
    assert_true(dtype_e5m2_to_float(0x7B) == 57344.0f);
    assert_true(isinf(dtype_e5m2_to_float(0x7C)));
    assert_true(dtype_e5m2_to_float(0x01) == ldexpf(1, -16));
    assert_true(dtype_half_to_float(0x7BFF) == 65504.0f);
    assert_true(dtype_bf16_to_float(0x3F80) == 1.0f);
    assert_int_equal(dtype_from_name("bfloat16"), DT_BF16);
    assert_int_equal(dtype_from_name("nope"), DT_INVALID);
    const unsigned char be[4] = { 0xC0, 0x49, 0x0F, 0xDB }; /* -3.14159274 */
    float f;
    dtype_to_float(DT_F32, 1, be, 1, &f);
    assert_true(f == -3.14159274f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fmt_si),
        cmocka_unit_test(test_fmt_exact),
        cmocka_unit_test(test_dd),
        cmocka_unit_test(test_mul_glob),
        cmocka_unit_test(test_dtypes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
