/*
 * test_cmdline.c - model/cmdline.h (the viewer's y and :): a quoted word
 * read back by /bin/sh is the original string, hostile characters
 * included; the glob escape makes a --tensor pattern that fnmatch matches
 * against the name only; the --report command line has the settings'
 * options; the : line's forms parse to the exact value or say why not.
 */
#include "config.h"
#include "testutil.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "model/cmdline.h"

/* s through sh: printf '%s' WORD */
static void shell_roundtrip(const char *s)
{
    char q[4096], cmd[8192];
    cmdline_quote(q, sizeof q, s);
    char *dir = tu_mkdtemp(), *out = tu_path(dir, "o");
    snprintf(cmd, sizeof cmd, "cd '%s' && printf '%%s' %s > '%s'", dir, q, out);
    assert_int_equal(system(cmd), 0);
    FILE *f = fopen(out, "rb");
    assert_non_null(f);
    char back[4096];
    size_t n = fread(back, 1, sizeof back - 1, f);
    fclose(f);
    back[n] = '\0';
    assert_string_equal(back, s);
    /* nothing ran: the directory holds the output only */
    char *pw = tu_path(dir, "PWNED");
    FILE *g = fopen(pw, "r");
    assert_null(g);
    free(pw);
    free(out);
    tu_rmdir(dir);
    free(dir);
}

static void test_quote(void **st)
{
    (void)st;
    static const char *const hostile[] = {
        "plain.npy", "a b", "it's", "$(touch PWNED)", "`touch PWNED`", "a;touch PWNED", "x\ny", "*", "''",
        "\\", "-n", "a'b\"c$d`e!f", "tab\there", "é", NULL,
    };
    for (int i = 0; hostile[i]; i++)
        shell_roundtrip(hostile[i]);
    char b[64];
    assert_int_equal(cmdline_quote(b, sizeof b, "w.npy"), 5);
    assert_string_equal(b, "w.npy");
    cmdline_quote(b, sizeof b, "it's");
    assert_string_equal(b, "'it'\\''s'");
    cmdline_quote(b, sizeof b, "");
    assert_string_equal(b, "''");
    /* a short buffer is cut, the length needed returned */
    char s[4];
    assert_int_equal(cmdline_quote(s, sizeof s, "a b c"), 7);
    assert_string_equal(s, "'a ");
}

static void test_glob_escape(void **st)
{
    (void)st;
    static const char *const names[] = { "w[x]*", "a?b", "back\\slash", "plain", NULL };
    static const char *const decoys[] = { "wx!", "aXb", "backslash", "plainer", NULL };
    for (int i = 0; names[i]; i++) {
        char p[256];
        cmdline_glob_escape(p, sizeof p, names[i]);
        assert_int_equal(fnmatch(p, names[i], 0), 0);
        assert_int_not_equal(fnmatch(p, decoys[i], 0), 0);
    }
}

static void test_report_line(void **st)
{
    (void)st;
    analyze_cfg c;
    memset(&c, 0, sizeof c);
    c.bits = 3;
    c.is_signed = 0;
    c.normalize = 1;
    c.amode = ALPHA_VALUE;
    c.alpha = 0.1 + 0.2; /* 0.30000000000000004: exact digits */
    c.gran = GRAN_GROUP;
    c.group = 64;
    const char *sch[] = { "uniform", "apot" };
    char b[1024];
    size_t n = cmdline_report(b, sizeof b, &c, sch, 2, "-odd.npy", "layer.0");
    assert_int_equal(n, strlen(b));
    assert_string_equal(b, "apotview --report --bits=3 --unsigned --normalize --scheme=uniform,apot "
                           "--alpha=0.30000000000000004 --granularity=group:64 --tensor=layer.0 -- -odd.npy");
    c.amode = ALPHA_MSE;
    c.gran = GRAN_TENSOR;
    c.is_signed = 1;
    c.normalize = 0;
    cmdline_report(b, sizeof b, &c, sch, 1, "w.npy", "a b");
    assert_string_equal(b, "apotview --report --bits=3 --scheme=uniform --alpha=mse '--tensor=a b' w.npy");
}

static void test_parse_set(void **st)
{
    (void)st;
    double v;
    char err[200];
    assert_int_equal(cmdline_parse_set("alpha 0.05", &v, err, sizeof err), CMDLINE_ALPHA);
    assert_true(v == 0.05);
    assert_int_equal(cmdline_parse_set("  a=5e-2 ", &v, err, sizeof err), CMDLINE_ALPHA);
    assert_true(v == 0.05);
    assert_int_equal(cmdline_parse_set("0.07", &v, err, sizeof err), CMDLINE_ALPHA);
    assert_true(v == 0.07);
    assert_int_equal(cmdline_parse_set("50m", &v, err, sizeof err), CMDLINE_ALPHA);
    assert_true(v == 0.05);
    assert_int_equal(cmdline_parse_set("bits 3", &v, err, sizeof err), CMDLINE_BITS);
    assert_true(v == 3);
    assert_int_equal(cmdline_parse_set("b=8", &v, err, sizeof err), CMDLINE_BITS);
    assert_int_equal(cmdline_parse_set("bits 9", &v, err, sizeof err), -1);
    assert_non_null(strstr(err, "2..8"));
    assert_int_equal(cmdline_parse_set("bits 3.5", &v, err, sizeof err), -1);
    assert_int_equal(cmdline_parse_set("alpha -1", &v, err, sizeof err), -1);
    assert_non_null(strstr(err, "positive"));
    assert_int_equal(cmdline_parse_set("alpha 0", &v, err, sizeof err), -1);
    assert_int_equal(cmdline_parse_set("alpha inf", &v, err, sizeof err), -1);
    assert_int_equal(cmdline_parse_set("zz", &v, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a number"));
    assert_int_equal(cmdline_parse_set("", &v, err, sizeof err), -1);
    assert_int_equal(cmdline_parse_set("alpha", &v, err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quote),
        cmocka_unit_test(test_glob_escape),
        cmocka_unit_test(test_report_line),
        cmocka_unit_test(test_parse_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
