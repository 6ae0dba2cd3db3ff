/* test_util.c - core helpers: SI formatting, exact formatting, double-double
 * products, overflow-checked multiplication, globs, dtype conversions. */
#include "config.h"
#include "testutil.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/dtype.h"
#include "core/jarena.h"
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

/* util_escape against hand-written expectations. */
static const char *esc(const char *s)
{
    static char b[512];
    size_t n = util_escape(s, b, sizeof b);
    assert_int_equal(n, strlen(b));
    return b;
}

static void test_escape_controls(void **st)
{
    (void)st;
    assert_string_equal(esc("conv1.weight"), "conv1.weight");
    assert_string_equal(esc(""), "");
    assert_string_equal(esc("\x1b]0;PWNED\x07"), "\\x1b]0;PWNED\\x07");
    assert_string_equal(esc("a\x1b[2Jb"), "a\\x1b[2Jb");
    assert_string_equal(esc("\r\n\t"), "\\x0d\\x0a\\x09");
    assert_string_equal(esc("\x01\x1f\x7f"), "\\x01\\x1f\\x7f");
    assert_string_equal(esc(" ~"), " ~");
    /* a backslash doubles, so "\x1b" typed literally differs from ESC */
    assert_string_equal(esc("a\\b"), "a\\\\b");
    assert_string_equal(esc("\\x1b"), "\\\\x1b");
    /* C1: U+0080, U+009B (CSI), U+009F; U+00A0 is printable */
    assert_string_equal(esc("\xc2\x80"), "\\xc2\\x80");
    assert_string_equal(esc("x\xc2\x9b" "31m"), "x\\xc2\\x9b31m");
    assert_string_equal(esc("\xc2\x9f"), "\\xc2\\x9f");
    assert_string_equal(esc("\xc2\xa0"), "\xc2\xa0");
    /* bidi overrides and isolates: U+202E RLO, U+202A, U+2066, U+2069;
     * U+2029 and U+2070 are left alone */
    assert_string_equal(esc("a\xe2\x80\xae" "b"), "a\\xe2\\x80\\xaeb");
    assert_string_equal(esc("\xe2\x80\xaa"), "\\xe2\\x80\\xaa");
    assert_string_equal(esc("\xe2\x81\xa6\xe2\x81\xa9"), "\\xe2\\x81\\xa6\\xe2\\x81\\xa9");
    assert_string_equal(esc("\xe2\x80\xa9\xe2\x81\xb0"), "\xe2\x80\xa9\xe2\x81\xb0");
}

static void test_escape_invalid_utf8(void **st)
{
    (void)st;
    /* stray continuation bytes, lone lead bytes */
    assert_string_equal(esc("\x80"), "\\x80");
    assert_string_equal(esc("a\xbf" "b"), "a\\xbfb");
    assert_string_equal(esc("\xff\xfe"), "\\xff\\xfe");
    /* overlongs: C0 80 (NUL), E0 80 AF ('/'), F0 82 82 AC (euro) */
    assert_string_equal(esc("\xc0\x80"), "\\xc0\\x80");
    assert_string_equal(esc("\xc1\xbf"), "\\xc1\\xbf");
    assert_string_equal(esc("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");
    assert_string_equal(esc("\xf0\x82\x82\xac"), "\\xf0\\x82\\x82\\xac");
    /* surrogates U+D800, U+DFFF */
    assert_string_equal(esc("\xed\xa0\x80"), "\\xed\\xa0\\x80");
    assert_string_equal(esc("\xed\xbf\xbf"), "\\xed\\xbf\\xbf");
    /* U+D7FF is fine */
    assert_string_equal(esc("\xed\x9f\xbf"), "\xed\x9f\xbf");
    /* above U+10FFFF: F4 90 80 80, F5 80 80 80 */
    assert_string_equal(esc("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
    assert_string_equal(esc("\xf5\x80\x80\x80"), "\\xf5\\x80\\x80\\x80");
    /* U+10FFFF itself is valid */
    assert_string_equal(esc("\xf4\x8f\xbf\xbf"), "\xf4\x8f\xbf\xbf");
    /* truncated: a lead byte then ASCII, and at the end of the string;
     * decoding resumes right after the bad byte */
    assert_string_equal(esc("\xe4\xb8" "a"), "\\xe4\\xb8a");
    assert_string_equal(esc("ab\xf0\x9f\x98"), "ab\\xf0\\x9f\\x98");
    assert_string_equal(esc("\xc3"), "\\xc3");
    assert_string_equal(esc("\xc3\xc3\xa9"), "\\xc3\xc3\xa9");
}

static void test_escape_valid_and_width(void **st)
{
    (void)st;
    /* a 4-byte emoji (U+1F600), CJK, Latin with accents pass through */
    assert_string_equal(esc("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");
    const char *cjk = "\xe6\x9d\x83\xe9\x87\x8d.\xe5\xb1\x82"; /* 权重.层 */
    assert_string_equal(esc(cjk), cjk);
    assert_string_equal(esc("caf\xc3\xa9"), "caf\xc3\xa9");
    /* widths: 3 CJK characters of 2 columns and one '.', the emoji 2,
     * e-acute 1, an escape 4 per byte */
    assert_int_equal(util_text_width(cjk), 7);
    assert_int_equal(util_text_width("\xf0\x9f\x98\x80"), 2);
    assert_int_equal(util_text_width("caf\xc3\xa9"), 4);
    assert_int_equal(util_text_width(esc("\x1b[2J")), 7);
    /* a combining acute accent (U+0301) takes no column */
    assert_int_equal(util_text_width("e\xcc\x81"), 1);

    /* fitting to columns: padded to exactly the width, cut between whole
     * characters and whole escapes */
    char b[128];
    assert_string_equal(util_escape_fit("ab", 5, 0, b, sizeof b), "ab   ");
    assert_string_equal(util_escape_fit(cjk, 6, 0, b, sizeof b), "\xe6\x9d\x83\xe9\x87\x8d.\x20");
    /* 4 columns cannot hold "权重" + '.' (5), and half a character never */
    assert_string_equal(util_escape_fit(cjk, 4, 0, b, sizeof b), "\xe6\x9d\x83\xe9\x87\x8d");
    assert_string_equal(util_escape_fit(cjk, 3, 0, b, sizeof b), "\xe6\x9d\x83 ");
    /* keep_tail: the end of the name stays */
    assert_string_equal(util_escape_fit(cjk, 4, 1, b, sizeof b), ".\xe5\xb1\x82 ");
    assert_string_equal(util_escape_fit("layer.\x1b[2J", 7, 1, b, sizeof b), "\\x1b[2J");
    assert_string_equal(util_escape_fit("layer.\x1b[2J", 6, 1, b, sizeof b), "[2J   ");
    assert_string_equal(util_escape_fit("\x1b" "abc", 5, 0, b, sizeof b), "\\x1ba");
    assert_string_equal(util_escape_fit("\x1b" "abc", 3, 0, b, sizeof b), "   ");
    assert_int_equal(util_text_width(util_escape_fit(cjk, 9, 0, b, sizeof b)), 9);
    /* plain ASCII (the fast path): padded when it fits, else cut like the
     * rest; a backslash is never plain (it is escaped as two columns) */
    assert_string_equal(util_escape_fit("abcd", 4, 0, b, sizeof b), "abcd");
    assert_string_equal(util_escape_fit("abcdef", 4, 0, b, sizeof b), "abcd");
    assert_string_equal(util_escape_fit("abcdef", 4, 1, b, sizeof b), "cdef");
    assert_string_equal(util_escape_fit("a\\b", 5, 0, b, sizeof b), "a\\\\b ");
    /* the width of the escaped form, counted without building it: an
     * escape 4 columns a byte, a backslash 2, CJK 2, combining 0 */
    assert_int_equal(util_escaped_width("abc"), 3);
    assert_int_equal(util_escaped_width("a\\b"), 4);
    assert_int_equal(util_escaped_width("ab\x1b[2J"), 9);
    assert_int_equal(util_escaped_width("\xff\xfe"), 8);
    assert_int_equal(util_escaped_width(cjk), 7);
    assert_int_equal(util_escaped_width(""), 0);
    {
        const char *mix[] = { "layer.\x1b[2J", "\xc3\xc3\xa9x", "e\xcc\x81\\", "w`id`$(x)\n" };
        for (size_t i = 0; i < sizeof mix / sizeof mix[0]; i++) {
            char *copy = util_escape_dup(mix[i]);
            assert_int_equal(util_escaped_width(mix[i]), util_text_width(copy));
            free(copy);
        }
    }

    /* a small buffer cuts between whole escapes, NUL-terminated */
    char sm[7];
    assert_int_equal(util_escape("\x1b\x1b", sm, sizeof sm), 8);
    assert_string_equal(sm, "\\x1b");
    char *d = util_escape_dup("x\x07y");
    assert_string_equal(d, "x\\x07y");
    free(d);

    /* the message form keeps backslashes and is idempotent */
    char m[64], m2[64];
    util_sanitize("a\\b\x1b[0m\xc2\x9b", m, sizeof m);
    assert_string_equal(m, "a\\b\\x1b[0m\\xc2\\x9b");
    util_sanitize(m, m2, sizeof m2);
    assert_string_equal(m2, m);
    util_err e = { { 0 } };
    util_err_set(&e, "%s: bad tensor '%s'", "f.safetensors", "\x1b]0;X\x07");
    assert_string_equal(e.msg, "f.safetensors: bad tensor '\\x1b]0;X\\x07'");
}

/* the same in a UTF-8 locale, where wcwidth knows the characters */
static void test_escape_width_utf8_locale(void **st)
{
    if (!setlocale(LC_CTYPE, "C.UTF-8") && !setlocale(LC_CTYPE, "C.utf8"))
        skip();
    test_escape_valid_and_width(st);
    setlocale(LC_CTYPE, "C");
}

/* The jansson arena: values parsed inside a bracket read back as parsed,
 * a value made outside it and freed inside is really freed (ASan would
 * see a leak or a bad free otherwise), brackets do not nest, and after
 * the bracket jansson allocates with malloc again. */
static void test_jarena(void **st)
{
    (void)st;
    json_t *outside = json_pack("{s:s}", "k", "made before the bracket");
    jarena *a = jarena_begin(64);
    assert_non_null(a);
    assert_true(jarena_on(a));
    assert_null(jarena_begin(64)); /* no nesting */
    json_decref(outside);          /* a malloc'd value, freed with free */
    json_error_t je;
    json_t *r = json_loads("{\"a\": [1, 2, 3], \"b\": {\"c\": \"x\"}}", 0, &je);
    assert_non_null(r);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(r, "a"), 2)), 3);
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "b"), "c")), "x");
    /* a large document grows the arena past its first block */
    json_t *big = json_array();
    for (int i = 0; i < 200000; i++)
        json_array_append_new(big, json_integer(i));
    assert_int_equal(json_integer_value(json_array_get(big, 199999)), 199999);
    jarena_end(a);                 /* r and big go with it */
    json_t *after = json_integer(7);
    assert_int_equal(json_integer_value(after), 7);
    json_decref(after);
    assert_false(jarena_on(NULL));
    jarena_end(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fmt_si),
        cmocka_unit_test(test_fmt_exact),
        cmocka_unit_test(test_dd),
        cmocka_unit_test(test_mul_glob),
        cmocka_unit_test(test_dtypes),
        cmocka_unit_test(test_escape_controls),
        cmocka_unit_test(test_escape_invalid_utf8),
        cmocka_unit_test(test_escape_valid_and_width),
        cmocka_unit_test(test_escape_width_utf8_locale),
        cmocka_unit_test(test_jarena),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
