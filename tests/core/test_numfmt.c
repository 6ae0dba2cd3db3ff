/*
 * test_numfmt.c - numbers that fit (core/numfmt.h), at every width 1..12
 * for values from 1e-300 to 1e300: every output is one whole token that
 * parses back (never ending in "e-", "e" or "."), fits the width, and is
 * as good as any text of that width can be -- the shortest of those exact
 * enough, else the closest. The oracle enumerates every text of the
 * grammar (plain, each SI prefix, scientific, every number of digits)
 * with its own rendering and rounding; hand-checked cases pin the forms.
 */
#include "config.h"
#include "testutil.h"

#include <float.h>

#include "core/numfmt.h"

/* [-]D+[.D+][T|G|M|k|m|u|n | e[-]D+], or nan/inf/-inf, or all '#' */
static int token_ok(const char *s)
{
    if (!strcmp(s, "nan") || !strcmp(s, "inf") || !strcmp(s, "-inf"))
        return 1;
    if (s[0] == '#') {
        while (*s == '#')
            s++;
        return *s == '\0';
    }
    const char *p = s;
    if (*p == '-')
        p++;
    int d = 0;
    while (*p >= '0' && *p <= '9')
        p++, d++;
    if (!d)
        return 0;
    if (*p == '.') {
        p++;
        d = 0;
        while (*p >= '0' && *p <= '9')
            p++, d++;
        if (!d)
            return 0;
    }
    if (*p && strchr("TGMkmun", *p) && p[1] == '\0')
        return 1;
    if (*p == 'e') {
        p++;
        if (*p == '-')
            p++;
        d = 0;
        while (*p >= '0' && *p <= '9')
            p++, d++;
        return d > 0 && *p == '\0';
    }
    return *p == '\0';
}

/* The oracle's reading of a text: mantissa and a power of ten, each
 * parsed by strtod (SI suffixes by their exponent, not numfmt_parse). */
static double oracle_value(const char *s)
{
    static const char pre[] = "TGMkmun";
    static const int ex[] = { 12, 9, 6, 3, -3, -6, -9 };
    char t[96];
    size_t n = strlen(s);
    const char *q = n ? strchr(pre, s[n - 1]) : NULL;
    if (q && *q) {
        snprintf(t, sizeof t, "%.*se%d", (int)n - 1, s, ex[q - pre]);
        return strtod(t, NULL);
    }
    return strtod(s, NULL);
}

typedef struct oracle {
    int fits;          /* some admissible text fits */
    int enough;        /* some exact-enough text fits */
    int short_len;     /* the shortest exact-enough length */
    double min_err;    /* the smallest error of any admissible text */
} oracle;

static void oracle_take(oracle *o, const char *s, double v, double tol, int width)
{
    if ((int)strlen(s) > width)
        return;
    double err = fabs(oracle_value(s) - v);
    if (!(err < 0.5 * fabs(v)))
        return;
    if (!o->fits || err < o->min_err)
        o->min_err = err;
    o->fits = 1;
    if (err <= tol && (!o->enough || (int)strlen(s) < o->short_len)) {
        o->enough = 1;
        o->short_len = (int)strlen(s);
    }
}

/* Every text of the grammar with 0..20 digits after the point, in every
 * form, whatever its length (no early stop, no range restriction). */
static oracle oracle_best(double v, int width, double tol)
{
    static const int ex[] = { 12, 9, 6, 3, -3, -6, -9 };
    static const char pre[] = "TGMkmun";
    oracle o = { 0, 0, 0, 0 };
    char t[512], u[600];
    for (int p = 0; p <= 20; p++) {
        if (fabs(v) < 1e30) {
            snprintf(t, sizeof t, "%.*f", p, v);
            oracle_take(&o, t, v, tol, width);
        }
        for (int i = 0; i < 7; i++) {
            double m = v / pow(10, ex[i]);
            if (fabs(m) < 1e30) {
                snprintf(u, sizeof u, "%.*f%c", p, m, pre[i]);
                oracle_take(&o, u, v, tol, width);
            }
        }
        /* scientific: mantissa and exponent written apart */
        snprintf(t, sizeof t, "%.*e", p, v);
        char *e = strchr(t, 'e');
        long x = strtol(e + 1, NULL, 10);
        *e = '\0';
        snprintf(u, sizeof u, "%se%ld", t, x);
        oracle_take(&o, u, v, tol, width);
    }
    return o;
}

static void check_one(double v, int width, int sig)
{
    char buf[64];
    numfmt_fit(buf, sizeof buf, v, width, sig, NUMFMT_ANY);
    int len = (int)strlen(buf);
    if (len > width || len == 0)
        fail_msg("%.17g at width %d: '%s' (%d columns)", v, width, buf, len);
    if (!token_ok(buf))
        fail_msg("%.17g at width %d: '%s' is not one whole token", v, width, buf);
    double tol = sig ? 0.5 * pow(10, floor(log10(fabs(v))) - sig + 1) * (1 + 1e-9) : 0;
    oracle o = oracle_best(v, width, tol);
    if (buf[0] == '#') {
        if (o.fits)
            fail_msg("%.17g at width %d sig %d: '#' though some text fits", v, width, sig);
        if (len != width)
            fail_msg("%.17g at width %d: '#' fill of %d", v, width, len);
        return;
    }
    double x;
    if (numfmt_parse(buf, &x) < 0)
        fail_msg("%.17g at width %d: '%s' does not parse back", v, width, buf);
    if (x != oracle_value(buf))
        fail_msg("'%s': numfmt_parse %.17g, strtod %.17g", buf, x, oracle_value(buf));
    double err = fabs(x - v);
    if (!o.fits)
        fail_msg("%.17g at width %d: '%s' where the oracle finds nothing", v, width, buf);
    if (o.enough) {
        if (!(err <= tol) || len != o.short_len)
            fail_msg("%.17g at width %d sig %d: '%s' (err %g, %d cols); shortest exact enough: %d cols",
                     v, width, sig, buf, err, len, o.short_len);
    } else if (err > o.min_err)
        fail_msg("%.17g at width %d sig %d: '%s' err %g; the closest at that width: %g", v, width,
                 sig, buf, err, o.min_err);
}

static void test_every_width(void **state)
{
    (void)state;
    static const double mant[] = { 1, 1.5, 2.5, 3.14159265358979, 6.4, 9.95, 9.9999, 1.0 / 3 };
    long n = 0;
    for (int e = -300; e <= 300; e += 7)
        for (size_t k = 0; k < sizeof mant / sizeof *mant; k++)
            for (int neg = 0; neg < 2; neg++) {
                double v = mant[k] * pow(10, e) * (neg ? -1 : 1);
                for (int w = 1; w <= 12; w++) {
                    check_one(v, w, 4);
                    check_one(v, w, 0);
                    n += 2;
                }
            }
    /* the ends of the double range and the SI prefix boundaries */
    static const double edge[] = { DBL_MAX, -DBL_MAX, DBL_MIN, 4.9e-324, 1e300, 1e-300,
                                   999.5, 999.49, 0.9995, 999.5e-9, 1e-9, 999e12, 1e15,
                                   0.5, 0.3, 0.6, 0.05, 36864, 6.4e-5, 0.0063003246 };
    for (size_t k = 0; k < sizeof edge / sizeof *edge; k++)
        for (int w = 1; w <= 12; w++)
            for (int sig = 0; sig <= 6; sig++) {
                check_one(edge[k], w, sig);
                n++;
            }
    assert_true(n > 20000);
}

static const char *fit(double v, int w, int sig)
{
    static char b[64];
    return numfmt_fit(b, sizeof b, v, w, sig, NUMFMT_ANY);
}

/* hand-checked */
static void test_forms(void **state)
{
    (void)state;
    assert_string_equal(fit(6.4e-5, 12, 4), "64u");
    assert_string_equal(numfmt_fit((char[16]){ 0 }, 16, 6.4e-5, 12, 4, NUMFMT_PLAIN | NUMFMT_EXP),
                        "6.4e-5");
    assert_string_equal(fit(0.0063003246, 12, 4), "6.3m");     /* 6.300m: zeros add nothing */
    assert_string_equal(fit(0.0063003246, 3, 4), "6m");        /* the closest in 3 */
    assert_string_equal(fit(36864, 12, 4), "36864");           /* exact and shorter than 36.86k */
    assert_string_equal(fit(36864, 4, 4), "37k");
    assert_string_equal(fit(1e300, 5, 4), "1e300");
    assert_string_equal(fit(1e300, 4, 4), "####");             /* no 4-column text of 1e300 */
    assert_string_equal(fit(1.5e-300, 6, 4), "2e-300");
    assert_string_equal(fit(1.5e-300, 8, 4), "1.5e-300");
    assert_string_equal(fit(-2.5, 2, 4), "-2");                /* -2.5 -> -2 (to even), err 0.5 */
    assert_string_equal(fit(0.3, 1, 4), "#");                  /* "0" would be off by all of it */
    assert_string_equal(fit(0.5, 1, 4), "#");
    assert_string_equal(fit(0.3, 3, 4), "0.3");
    assert_string_equal(fit(0, 1, 4), "0");
    assert_string_equal(fit(-0.0, 3, 4), "0");
    assert_string_equal(fit(NAN, 3, 4), "nan");
    assert_string_equal(fit(NAN, 2, 4), "##");
    assert_string_equal(fit(-INFINITY, 4, 4), "-inf");
    assert_string_equal(fit(-INFINITY, 3, 4), "###");
    assert_string_equal(fit(0.1, 0, 0), "0.1");                /* exact: the shortest round trip */
    assert_string_equal(fit(1.0 / 3, 0, 0), "0.3333333333333333");   /* 16 digits round-trip */
    assert_string_equal(fit(999.7, 5, 4), "999.7");
    assert_string_equal(fit(999.7, 4, 4), "1k");               /* 1000 and 1.0k: as close, longer */
    assert_string_equal(fit(999.7, 3, 4), "1k");
}

static void test_parse(void **state)
{
    (void)state;
    double v;
    assert_int_equal(numfmt_parse("64u", &v), 0);
    assert_true(v == 64e-6);
    assert_int_equal(numfmt_parse("-1.5e-300", &v), 0);
    assert_true(v == -1.5e-300);
    assert_int_equal(numfmt_parse("6.4e-", &v), -1);
    assert_int_equal(numfmt_parse("6.", &v), -1);
    assert_int_equal(numfmt_parse("6.4e", &v), -1);
    assert_int_equal(numfmt_parse("k", &v), -1);
    assert_int_equal(numfmt_parse("", &v), -1);
    assert_int_equal(numfmt_parse("1x", &v), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_every_width),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
