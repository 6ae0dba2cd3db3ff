/*
 * test_levels_c.c - --levels --format=c (issue 12): the header is compiled
 * by the C compiler (cc -c, warnings as errors), and a program written
 * here includes it and checks every level against the hand values of the
 * paper's 4-bit APoT set ({0, ±0.1, ±0.2, ±0.3, ±0.4, ±0.6, ±0.8, ±1})
 * and against its own power-of-two terms; the header's comment names the
 * scheme, bits and alpha, and a custom level file whose path holds the
 * end of a C comment cannot end it.
 */
#include "config.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *cc(void)
{
    const char *c = getenv("CC");
    return c && *c ? c : "cc";
}

/* cd DIR && CC ARGS */
static int sh(const char *dir, const char *args)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cd '%s' && %s %s", dir, cc(), args);
    int st = system(cmd);
    return st == -1 ? -1 : WEXITSTATUS(st);
}

static const char checker[] =
    "#include <math.h>\n#include <stdio.h>\n#include \"lv.h\"\n"
    "static int check(const char *nm, const double *lv, const int8_t *sg, const int8_t *nt,\n"
    "                 const int16_t *ex, int count, int slots, double unit) {\n"
    "    int bad = 0;\n"
    "    for (int k = 0; k < count; k++) {\n"
    "        double s = 0;\n"
    "        for (int t = 0; t < nt[k]; t++) s += ldexp(1.0, ex[k * slots + t]);\n"
    "        double v = sg[k] * s / unit;\n"
    "        if (fabs(v - lv[k]) > 1e-15) { printf(\"%s %d: %.17g vs %.17g\\n\", nm, k, v, lv[k]); bad = 1; }\n"
    "    }\n"
    "    return bad;\n"
    "}\n"
    "int main(void) {\n"
    "    static const double hand[15] = { -1, -.8, -.6, -.4, -.3, -.2, -.1, 0, .1, .2, .3, .4, .6, .8, 1 };\n"
    "    static const int hterms[15] = { 2, 1, 2, 1, 2, 1, 1, 0, 1, 1, 2, 1, 2, 1, 2 };\n"
    "    int bad = APOT_4_COUNT != 15 || APOT_4_MAX_TERMS != 2 || UNIFORM_4_COUNT != 15 || POT_4_COUNT != 15;\n"
    "    for (int k = 0; k < 15; k++) {\n"
    "        if (fabs(apot_4_levels[k] - hand[k]) > 1e-15 || apot_4_nterms[k] != hterms[k] ||\n"
    "            apot_4_codes[k] != k || fabs(apot_4_scaled[k] - 0.05 * hand[k]) > 1e-16) {\n"
    "            printf(\"apot level %d wrong\\n\", k); bad = 1; }\n"
    "    }\n"
    "    /* uniform 4-bit signed: code j/7, terms the bits of j (7 = 3 terms) */\n"
    "    if (uniform_4_nterms[14] != 3 || uniform_4_unit != 7 || UNIFORM_4_MAX_TERMS != 3) bad = 1;\n"
    "    if (pot_4_nterms[0] != 1 || pot_4_exp[8][0] != -6 || POT_4_MAX_TERMS != 1) bad = 1;\n"
    "    bad |= check(\"apot\", apot_4_levels, apot_4_sign, apot_4_nterms, &apot_4_exp[0][0], 15, 2, apot_4_unit);\n"
    "    bad |= check(\"pot\", pot_4_levels, pot_4_sign, pot_4_nterms, &pot_4_exp[0][0], 15, 1, pot_4_unit);\n"
    "    bad |= check(\"uniform\", uniform_4_levels, uniform_4_sign, uniform_4_nterms, &uniform_4_exp[0][0], 15, 3,\n"
    "                 uniform_4_unit);\n"
    "    return bad;\n"
    "}\n";

static void test_header_compiles(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp();
    char *out = NULL, *err = NULL;
    assert_int_equal(tu_run(&out, &err, "--levels -s apot,uniform,pot -b 4 -a 0.05 --format=c"), 0);
    assert_non_null(strstr(out, "#ifndef APOTVIEW_LEVELS_APOT_4_UNIFORM_4_POT_4_H"));
    assert_non_null(strstr(out, "#include <stdint.h>"));
    assert_non_null(strstr(out, "scheme apot, 4 bits, signed, alpha 0.05"));
    assert_non_null(strstr(out, "scheme uniform, 4 bits, signed, alpha 0.05"));
    assert_non_null(strstr(out, "#endif"));
    char *h = tu_path(dir, "lv.h"), *c1 = tu_path(dir, "only.c"), *c2 = tu_path(dir, "check.c");
    tu_write(h, out, strlen(out));
    const char only[] = "#include \"lv.h\"\nint apotview_count(void);\nint apotview_count(void) { return APOT_4_COUNT; }\n";
    tu_write(c1, only, strlen(only));
    tu_write(c2, checker, strlen(checker));
    /* cc -c of a file that includes it and uses one macro: no warnings */
    if (sh(dir, "-std=c99 -Wall -Wextra -Werror -pedantic -c only.c -o only.o") != 0)
        fail_msg("the header does not compile (%s)", h);
    if (sh(dir, "-std=c99 -Wall -Wextra -Werror -o check check.c -lm && ./check") != 0)
        fail_msg("the checker over the header's tables failed");
    free(out);
    free(err);
    free(h);
    free(c1);
    free(c2);
    tu_rmdir(dir);
    free(dir);
}

/* A custom level file under a directory named "x*": its path holds the end
 * of a comment; the header still compiles, and the file name is only in a
 * comment. Under --unsigned negatives are refused with a reason. */
static void test_hostile_custom(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp();
    char *sub = tu_path(dir, "x*"), lv[4096], hp[4096];
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(lv, sizeof lv, "%s/l.txt", sub);
    const char levels[] = "-1\n-0.25\n0\n0.5\n1\n";
    tu_write(lv, levels, strlen(levels));
    char *out = NULL, *err = NULL;
    assert_int_equal(tu_run(&out, &err, "--levels -s 'custom:%s' -b 3 --format=c", lv), 0);
    assert_null(strstr(out, "x*/"));
    snprintf(hp, sizeof hp, "%s/c.h", dir);
    tu_write(hp, out, strlen(out));
    char *c1 = tu_path(dir, "u.c");
    const char use[] = "#include \"c.h\"\nint f(void);\nint f(void) { return 0; }\n";
    tu_write(c1, use, strlen(use));
    if (sh(dir, "-std=c99 -Wall -Wextra -Werror -pedantic -c u.c -o u.o") != 0)
        fail_msg("a custom set's header does not compile:\n%s", out);
    free(out);
    free(err);
    assert_int_not_equal(tu_run(&out, &err, "--levels -s 'custom:%s' -b 3 --unsigned --format=c", lv), 0);
    assert_non_null(strstr(err, "--unsigned needs levels >= 0"));
    free(out);
    free(err);
    assert_int_equal(tu_run(&out, &err, "--report --format=c x.npy"), 2);
    assert_non_null(strstr(err, "--levels"));
    free(out);
    free(err);
    free(c1);
    free(sub);
    tu_rmdir(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_compiles),
        cmocka_unit_test(test_hostile_custom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
