/*
 * test_cli.c - the command line of interface.md: usage errors (status 2),
 * GNU --help/--version, --levels output in every format, --sweep, the cost
 * model's relative_to_uniform, and the report with no FILE (the sample).
 */
#include "config.h"
#include "testutil.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void expect_usage(const char *args, const char *why)
{
    char *out, *err;
    int st = tu_run(&out, &err, "%s", args);
    if (st != 2 || strncmp(err, "apotview: ", 10) != 0 || !strstr(err, why)) {
        fprintf(stderr, "'%s': status %d, stderr %s\n", args, st, err);
        fail();
    }
    free(out);
    free(err);
}

static void test_usage_errors(void **st)
{
    (void)st;
    expect_usage("--bits=9 --levels", "--bits");
    expect_usage("--bits=x --levels", "--bits");
    expect_usage("-a -1 --levels", "--alpha");
    expect_usage("-a nan --levels", "--alpha");
    expect_usage("--scheme=foo --levels", "foo");
    expect_usage("--format=xml --levels", "--format");
    expect_usage("--sweep=1:0:5", "--sweep");
    expect_usage("--sweep=0:1:5", "--sweep");
    expect_usage("--report --levels", "only one");
    expect_usage("--frobnicate", "frobnicate");
    expect_usage("--bits", "requires an argument");
    expect_usage("--report --granularity=group:0", "group:0");
    expect_usage("--report --granularity=rows", "granularity");
    expect_usage("--sweep=0.01:0.02:3 --granularity=channel", "one scale per tensor");
}

static void test_help_version(void **st)
{
    (void)st;
    char *out, *err;
    assert_int_equal(tu_run(&out, &err, "--help"), 0);
    assert_true(strncmp(out, "Usage: apotview", 15) == 0);
    assert_non_null(strstr(out, "--normalize"));
    assert_non_null(strstr(out, "Report bugs to"));
    free(out);
    free(err);
    assert_int_equal(tu_run(&out, &err, "--version"), 0);
    assert_true(strncmp(out, "apotview " PACKAGE_VERSION "\n", strlen(PACKAGE_VERSION) + 10) == 0);
    free(out);
    free(err);
}

/* interface.md's example, literally. */
static void test_levels_json(void **st)
{
    (void)st;
    char *out, *err;
    assert_int_equal(tu_run(&out, &err, "--levels -s apot -b 4 --format=json"), 0);
    json_t *doc = json_loads(out, 0, NULL);
    assert_non_null(doc);
    json_t *l = json_array_get(json_object_get(doc, "levels"), 0);
    assert_string_equal(json_string_value(json_object_get(l, "scheme")), "apot");
    assert_int_equal(json_integer_value(json_object_get(l, "bits")), 4);
    assert_true(json_is_true(json_object_get(l, "signed")));
    const double want[] = { -1.0, -0.8, -0.6, -0.4, -0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 1.0 };
    json_t *v = json_object_get(l, "values");
    assert_int_equal(json_array_size(v), 15);
    for (size_t i = 0; i < 15; i++)
        assert_true(fabs(json_number_value(json_array_get(v, i)) - want[i]) < 1e-15);
    json_decref(doc);
    free(out);
    free(err);
    /* unsigned, csv: 16 rows + header */
    assert_int_equal(tu_run(&out, &err, "--levels -s pot --unsigned -b 4 --format=csv"), 0);
    int lines = 0;
    for (char *c = out; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 17);
    assert_non_null(strstr(out, "pot,4,false,15,1,1\n"));
    free(out);
    free(err);
    /* table */
    assert_int_equal(tu_run(&out, &err, "--levels -b 3"), 0);
    assert_non_null(strstr(out, "apot, 3 bits, signed: 7 levels"));
    free(out);
    free(err);
}

static void test_sweep(void **st)
{
    (void)st;
    char *sample = tu_srcfile("data/faceapi_conv64_1_conv1.npy");
    char *out, *err;
    assert_int_equal(tu_run(&out, &err, "--sweep=0.01:0.03:5 -s apot --format=json '%s'", sample), 0);
    json_t *doc = json_loads(out, 0, NULL);
    assert_non_null(doc);
    json_t *r = json_array_get(json_object_get(json_array_get(json_object_get(doc, "tensors"), 0), "results"), 0);
    json_t *sw = json_object_get(r, "sweep");
    assert_int_equal(json_array_size(sw), 5);
    assert_true(json_number_value(json_object_get(json_array_get(sw, 0), "alpha")) == 0.01);
    assert_true(json_number_value(json_object_get(json_array_get(sw, 4), "alpha")) == 0.03);
    /* alpha 0.02 (index 2) against numpy: 5.884108678285824e-07 (test_real) */
    assert_true(tu_close_rel(json_number_value(json_object_get(json_array_get(sw, 2), "mse")),
                             5.884108678285824e-07, 1e-6));
    json_decref(doc);
    free(out);
    free(err);
    assert_int_equal(tu_run(&out, &err, "--sweep=0.01:0.03:3 --format=csv '%s'", sample), 0);
    assert_true(strncmp(out, "file,name,scheme,bits,signed,normalize,alpha,mse\n", 48) == 0);
    int lines = 0;
    for (char *c = out; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 1 + 3 * 3);
    free(out);
    free(err);
    free(sample);
}

/* Cost model by hand on a tiny tensor: w = {0.3, -0.6, 1, 0} with 4-bit
 * apot at alpha 1: levels 0.3 (3/8: 2 terms), -0.6 (3/4: 2), 1 (5/4: 2),
 * 0 (free): adds_mean = 6/4 = 1.5, adds_worst 2. uniform at alpha 1:
 * 0.3 -> 2/7 (j=2: 1 term), -0.6 -> 4/7 (j=4: 1), 1 -> j=7 (3), 0:
 * adds_mean 5/4, so relative_to_uniform = 1.5 / 1.25 = 1.2. */
static void test_cost_by_hand(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp(), *p = tu_path(dir, "tiny.npy");
    const double w[] = { 0.3, -0.6, 1, 0 };
    tu_write_npy(p, 1, "<f8", 0, "(4,)", w, sizeof w);
    char *out, *err;
    assert_int_equal(tu_run(&out, &err, "--report -a 1 --format=json '%s'", p), 0);
    json_t *doc = json_loads(out, 0, NULL);
    json_t *res = json_object_get(json_array_get(json_object_get(doc, "tensors"), 0), "results");
    json_t *u = json_array_get(res, 0), *a = json_array_get(res, 2);
    assert_string_equal(json_string_value(json_object_get(a, "scheme")), "apot");
    json_t *ca = json_object_get(a, "cost"), *cu = json_object_get(u, "cost");
    assert_true(fabs(json_number_value(json_object_get(ca, "adds_mean")) - 1.5) < 1e-12);
    assert_int_equal(json_integer_value(json_object_get(ca, "adds_worst")), 2);
    assert_true(fabs(json_number_value(json_object_get(cu, "adds_mean")) - 1.25) < 1e-12);
    assert_true(fabs(json_number_value(json_object_get(ca, "relative_to_uniform")) - 1.2) < 1e-12);
    assert_true(fabs(json_number_value(json_object_get(ca, "shifts_mean")) - 1.5) < 1e-12);
    /* apot maps every value exactly: mse 0 and sqnr null (infinite) */
    assert_true(json_number_value(json_object_get(a, "mse")) == 0);
    assert_true(json_is_null(json_object_get(a, "sqnr_db")));
    json_decref(doc);
    free(out);
    free(err);
    tu_rmdir(dir);
    free(dir);
    free(p);
}

/* No FILE and stdout not a terminal: the report of the bundled sample. */
static void test_no_file(void **st)
{
    (void)st;
    char *out, *err;
    assert_int_equal(tu_run(&out, &err, "%s", ""), 0);
    assert_non_null(strstr(out, "faceapi_conv64_1_conv1"));
    assert_non_null(strstr(out, "apot"));
    free(out);
    free(err);
    /* FILE:TENSOR and -t that match nothing */
    char *sample = tu_srcfile("data/faceapi_conv64_1_conv1.npy");
    assert_int_equal(tu_run(&out, &err, "--report '%s:nope'", sample), 1);
    assert_non_null(strstr(err, "no tensor matches 'nope'"));
    free(out);
    free(err);
    assert_int_equal(tu_run(&out, &err, "--report -t 'faceapi*' --format=csv '%s'", sample), 0);
    assert_non_null(strstr(out, "faceapi_conv64_1_conv1"));
    free(out);
    free(err);
    free(sample);
}

/* A whole-model report over several files: totals weighted by element
 * count, --sort, --min-count, and identical numbers with 1 or 4 jobs. */
static void test_model_report(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp();
    tu_rng r = { 9 };
    const int sizes[] = { 5000, 300, 12000, 40 };
    const char *names[] = { "b.npy", "a.npy", "c.npy", "bias.npy" };
    char args[4096] = "";
    for (int t = 0; t < 4; t++) {
        float *v = malloc((size_t)sizes[t] * sizeof *v);
        for (int i = 0; i < sizes[t]; i++)
            v[i] = (float)((t + 1) * 0.01 * tu_gauss(&r));
        char shape[32];
        snprintf(shape, sizeof shape, "(%d,)", sizes[t]);
        char *p = tu_path(dir, names[t]);
        tu_write_npy(p, 1, "<f4", 0, shape, v, (size_t)sizes[t] * sizeof *v);
        strcat(args, " '");
        strcat(args, p);
        strcat(args, "'");
        free(p);
        free(v);
    }
    char *out1, *out4, *err;
    assert_int_equal(tu_run(&out1, &err, "--report --format=json --jobs=1 %s", args), 0);
    free(err);
    assert_int_equal(tu_run(&out4, &err, "--report --format=json --jobs=4 %s", args), 0);
    free(err);
    assert_string_equal(out1, out4);
    json_t *doc = json_loads(out1, 0, NULL);
    json_t *ts = json_object_get(doc, "tensors");
    assert_int_equal(json_array_size(ts), 4);
    /* totals: sum(mse_i * n_i) / sum(n_i) per scheme */
    json_t *tot = json_object_get(json_object_get(doc, "totals"), "results");
    for (size_t k = 0; k < 3; k++) {
        double sse = 0, n = 0;
        for (size_t t = 0; t < 4; t++) {
            json_t *tt = json_array_get(ts, t);
            double c = (double)json_integer_value(json_object_get(tt, "count"));
            sse += c * json_number_value(json_object_get(json_array_get(json_object_get(tt, "results"), k), "mse"));
            n += c;
        }
        assert_true(tu_close_rel(json_number_value(json_object_get(json_array_get(tot, k), "mse")), sse / n, 1e-12));
    }
    json_decref(doc);
    free(out1);
    free(out4);
    /* --sort=size --min-count=100: c (12000), b (5000), a (300); bias gone */
    assert_int_equal(tu_run(&out1, &err, "--report --format=csv --sort=size --min-count=100 -s apot %s", args), 0);
    char *pc = strstr(out1, ",c,"), *pb = strstr(out1, ",b,"), *pa = strstr(out1, ",a,");
    assert_true(pc && pb && pa && pc < pb && pb < pa);
    assert_null(strstr(out1, ",bias,"));
    free(out1);
    free(err);
    assert_int_equal(tu_run(&out1, &err, "--report --format=csv --sort=name -s apot %s", args), 0);
    pa = strstr(out1, ",a,"), pb = strstr(out1, ",b,"), pc = strstr(out1, ",bias,");
    assert_true(pa && pb && pc && pa < pb && pb < pc);
    free(out1);
    free(err);
    /* the human table of a model ends with the totals */
    assert_int_equal(tu_run(&out1, &err, "--report %s", args), 0);
    assert_non_null(strstr(out1, "TOTAL"));
    assert_non_null(strstr(out1, "wins"));
    free(out1);
    free(err);
    tu_rmdir(dir);
    free(dir);
}

/* What a checkpoint holds besides tensors is reported: the scalars of the
 * fixture written by tests/lib/gen_io_fixtures.py (epoch 90, best_prec 0.7125,
 * arch 'resnet20'). */
static void test_file_metadata(void **st)
{
    (void)st;
    char *pt = tu_srcfile("tests/data/io/W_zip.pt");
    char *out, *err;
    assert_int_equal(tu_run(&out, &err, "--report -s apot -t fc.weight --format=json '%s'", pt), 0);
    json_t *doc = json_loads(out, 0, NULL);
    assert_non_null(doc);
    json_t *f = json_array_get(json_object_get(doc, "files"), 0);
    assert_string_equal(json_string_value(json_object_get(f, "format")), "torch");
    json_t *meta = json_object_get(f, "metadata");
    assert_string_equal(json_string_value(json_object_get(meta, "epoch")), "90");
    assert_string_equal(json_string_value(json_object_get(meta, "best_prec")), "0.7125");
    json_decref(doc);
    free(out);
    free(err);
    assert_int_equal(tu_run(&out, &err, "--report -s apot -t fc.weight '%s'", pt), 0);
    assert_non_null(strstr(out, "  epoch: 90\n"));
    free(out);
    free(err);
    free(pt);
}

/* --scheme=all: the table ranks the schemes by mse; rank 1 is the scheme
 * with the lowest mse in the JSON report of the same run settings. */
static void test_ranked_all(void **st)
{
    (void)st;
    char *sample = tu_srcfile("data/faceapi_conv64_1_conv1.npy");
    char *out, *err;
    assert_int_equal(tu_run(&out, &err, "--report --scheme=all -b 4 --format=json '%s'", sample), 0);
    json_t *doc = json_loads(out, 0, NULL);
    json_t *res = json_object_get(json_array_get(json_object_get(doc, "tensors"), 0), "results");
    assert_true(json_array_size(res) > 4);
    const char *best = NULL;
    double bm = INFINITY;
    for (size_t i = 0; i < json_array_size(res); i++) {
        json_t *r = json_array_get(res, i);
        json_t *m = json_object_get(r, "mse");
        assert_non_null(json_object_get(r, "gap_to_optimal_db"));
        assert_non_null(json_object_get(r, "bpw"));
        if (json_is_number(m) && json_number_value(m) < bm) {
            bm = json_number_value(m);
            best = json_string_value(json_object_get(r, "scheme"));
        }
    }
    char want[128];
    snprintf(want, sizeof want, "     1  %s ", best);
    free(out);
    free(err);
    assert_int_equal(tu_run(&out, &err, "--report --scheme=all -b 4 '%s'", sample), 0);
    assert_non_null(strstr(out, "rank  scheme"));
    assert_non_null(strstr(out, want));
    json_decref(doc);
    free(out);
    free(err);
    free(sample);
}

/* ---- hostile names (issue 10) -------------------------------------------
 * Tensor names and metadata that would drive the terminal (OSC retitle,
 * clear screen, CR/LF, the C1 CSI) must reach stdout and stderr escaped
 * (util_escape: \xNN per byte, \\ for a backslash), JSON must carry them
 * exactly, and no tensor may be lost on the way. */

/* The bytes that must never appear: ESC, BEL, CR, and any C1 control
 * (c2 80 .. c2 9f) or stray byte >= 0x80 outside valid UTF-8 sequences
 * that the files hold (the files here hold only c2 9b and 0xff). */
static void assert_terminal_safe(const char *what, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int bad = *p == 0x1b || *p == 0x07 || *p == '\r' || *p == 0xff ||
                  (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f);
        if (bad) {
            fprintf(stderr, "%s: raw byte 0x%02x at offset %ld\n", what, *p,
                    (long)(p - (const unsigned char *)s));
            fail();
        }
    }
}

static const char *const hostile[] = {
    "a\x1b]0;PWNED\x07", "b\x1b[2J", "c\rd", "e\nf", "g\xc2\x9bh", "back\\slash",
};
#define NHOSTILE (sizeof hostile / sizeof hostile[0])

/* safetensors: 8-byte little-endian header length, the JSON header (names
 * with \u escapes), then 4 float32 per tensor */
static void write_hostile_safetensors(const char *path)
{
    char hdr[2048];
    size_t h = 0;
    h += (size_t)snprintf(hdr + h, sizeof hdr - h, "{\"__metadata__\":{\"note\\u001b[2J\":\"v\\u0007\\u001b]0;X\\u0007\"}");
    const char *json_names[NHOSTILE] = {
        "a\\u001b]0;PWNED\\u0007", "b\\u001b[2J", "c\\rd", "e\\nf", "g\\u009bh", "back\\\\slash",
    };
    for (size_t i = 0; i < NHOSTILE; i++)
        h += (size_t)snprintf(hdr + h, sizeof hdr - h,
                              ",\"%s\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[%zu,%zu]}",
                              json_names[i], 16 * i, 16 * (i + 1));
    h += (size_t)snprintf(hdr + h, sizeof hdr - h, "}");
    size_t n = 8 + h + 16 * NHOSTILE;
    unsigned char *b = calloc(1, n);
    for (int k = 0; k < 8; k++)
        b[k] = (unsigned char)((uint64_t)h >> (8 * k));
    memcpy(b + 8, hdr, h);
    for (size_t i = 0; i < 4 * NHOSTILE; i++) {
        float v = (float)(i % 4) - 1.5f + 0.25f * (float)(i / 4);
        memcpy(b + 8 + h + 4 * i, &v, 4);
    }
    tu_write(path, b, n);
    free(b);
}

static void test_hostile_names(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp(), *f = tu_path(dir, "hostile.safetensors");
    write_hostile_safetensors(f);
    static const char *const runs[] = {
        "--list", "--list --format=csv", "--report", "--report --format=csv",
        "--report --scheme=all", "--report -s apot", "--sweep=0.5:1.5:3 --format=csv",
        "--report --alpha=file", "--report --alpha=file --format=csv",
    };
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        char *out, *err;
        int status = tu_run(&out, &err, "%s '%s'", runs[r], f);
        if (status != 0 && !strstr(runs[r], "alpha=file")) {
            fprintf(stderr, "%s: status %d: %s\n", runs[r], status, err);
            fail();
        }
        assert_terminal_safe(runs[r], out);
        assert_terminal_safe(runs[r], err);
        /* the escaped form appears literally, the others too */
        if (!strstr(out, "a\\x1b]0;PWNED\\x07") || !strstr(out, "b\\x1b[2J") ||
            !strstr(out, "c\\x0dd") || !strstr(out, "e\\x0af") || !strstr(out, "g\\xc2\\x9bh") ||
            !strstr(out, "back\\\\slash")) {
            fprintf(stderr, "%s: escaped names missing:\n%s\n", runs[r], out);
            fail();
        }
        /* tables and CSV: one line per tensor at most plus headers; no
         * name breaks a line (every line that starts with "e" has "f") */
        if (strncmp(runs[r], "--list", 6) == 0 && !strstr(runs[r], "csv"))
            assert_non_null(strstr(out, "note\\x1b[2J: v\\x07\\x1b]0;X\\x07"));
        if (strstr(runs[r], "alpha=file"))
            assert_non_null(strstr(err, "apotview: "));
        if (strstr(runs[r], "alpha=file") && !strstr(err, "a\\x1b]0;PWNED\\x07")) {
            fprintf(stderr, "%s: stderr lacks the escaped name:\n%s\n", runs[r], err);
            fail();
        }
        free(out);
        free(err);
    }
    /* JSON: every name exact (jansson wrote \u001b, the parser reads ESC) */
    const char *jruns[] = { "--list --format=json", "--report --format=json" };
    for (int r = 0; r < 2; r++) {
        char *out, *err;
        assert_int_equal(tu_run(&out, &err, "%s '%s'", jruns[r], f), 0);
        assert_terminal_safe(jruns[r], out);
        assert_terminal_safe(jruns[r], err);
        json_error_t je;
        json_t *doc = json_loads(out, 0, &je);
        assert_non_null(doc);
        json_t *ts = json_object_get(doc, "tensors");
        assert_int_equal(json_array_size(ts), NHOSTILE);
        int seen[NHOSTILE] = { 0 };
        for (size_t i = 0; i < json_array_size(ts); i++) {
            const char *nm = json_string_value(json_object_get(json_array_get(ts, i), "name"));
            assert_non_null(nm);
            for (size_t k = 0; k < NHOSTILE; k++)
                if (strcmp(nm, hostile[k]) == 0)
                    seen[k]++;
        }
        for (size_t k = 0; k < NHOSTILE; k++)
            assert_int_equal(seen[k], 1);
        json_t *meta = json_object_get(json_array_get(json_object_get(doc, "files"), 0), "metadata");
        assert_string_equal(json_string_value(json_object_get(meta, "note\x1b[2J")), "v\x07\x1b]0;X\x07");
        json_decref(doc);
        free(out);
        free(err);
    }
    tu_rmdir(dir);
    free(dir);
    free(f);
}

/* GGUF names are raw bytes, so they can be invalid UTF-8, which JSON
 * cannot carry: such a name comes in its escaped form with
 * "name_escaped": true, never dropped. A loader error naming a hostile
 * tensor reaches stderr escaped. */
static size_t put(unsigned char *b, size_t o, const void *p, size_t n)
{
    memcpy(b + o, p, n);
    return o + n;
}

static size_t put_u(unsigned char *b, size_t o, uint64_t v, int bytes)
{
    for (int k = 0; k < bytes; k++)
        b[o + (size_t)k] = (unsigned char)(v >> (8 * k));
    return o + (size_t)bytes;
}

static size_t put_str(unsigned char *b, size_t o, const char *s)
{
    o = put_u(b, o, strlen(s), 8);
    return put(b, o, s, strlen(s));
}

static void write_gguf(const char *path, const char *const *names, int nt, const char *mkey,
                       const char *mval)
{
    unsigned char b[4096];
    memset(b, 0, sizeof b);
    size_t o = put(b, 0, "GGUF", 4);
    o = put_u(b, o, 3, 4);
    o = put_u(b, o, (uint64_t)nt, 8);
    o = put_u(b, o, 1, 8);
    o = put_str(b, o, mkey);
    o = put_u(b, o, 8, 4); /* string */
    o = put_str(b, o, mval);
    for (int i = 0; i < nt; i++) {
        o = put_str(b, o, names[i]);
        o = put_u(b, o, 1, 4);       /* 1 dimension */
        o = put_u(b, o, 4, 8);       /* of 4 */
        o = put_u(b, o, 0, 4);       /* F32 */
        o = put_u(b, o, 32 * (uint64_t)i, 8);
    }
    o = (o + 31) / 32 * 32;
    for (int i = 0; i < nt; i++)
        for (int k = 0; k < 8; k++) {
            float v = (float)k - 3.5f;
            memcpy(b + o + 32 * (size_t)i + 4 * (size_t)k, &v, 4);
        }
    tu_write(path, b, o + 32 * (size_t)nt);
}

static void test_hostile_gguf(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp(), *f = tu_path(dir, "bad.gguf"), *g = tu_path(dir, "dup.gguf");
    const char *names[] = { "ok.weight", "bad\xff\xfe.weight", "x\x1b[2J" };
    write_gguf(f, names, 3, "general.name\xff", "v\xc0\xaf\x1b]2;T\x07");
    char *out, *err;
    assert_int_equal(tu_run(&out, &err, "--list --format=json '%s'", f), 0);
    json_t *doc = json_loads(out, 0, NULL);
    assert_non_null(doc);
    json_t *ts = json_object_get(doc, "tensors");
    assert_int_equal(json_array_size(ts), 3);
    int found = 0;
    for (size_t i = 0; i < 3; i++) {
        json_t *t = json_array_get(ts, i);
        const char *nm = json_string_value(json_object_get(t, "name"));
        if (strcmp(nm, "bad\\xff\\xfe.weight") == 0) {
            assert_true(json_is_true(json_object_get(t, "name_escaped")));
            found++;
        } else {
            assert_null(json_object_get(t, "name_escaped"));
            found += strcmp(nm, "ok.weight") == 0 || strcmp(nm, "x\x1b[2J") == 0;
        }
    }
    assert_int_equal(found, 3);
    json_t *meta = json_object_get(json_array_get(json_object_get(doc, "files"), 0), "metadata");
    assert_string_equal(json_string_value(json_object_get(meta, "general.name\\xff")),
                        "v\\xc0\\xaf\\x1b]2;T\\x07");
    json_decref(doc);
    free(out);
    free(err);
    assert_int_equal(tu_run(&out, &err, "--report --format=json '%s'", f), 0);
    doc = json_loads(out, 0, NULL);
    assert_non_null(doc);
    assert_int_equal(json_array_size(json_object_get(doc, "tensors")), 3);
    json_decref(doc);
    free(out);
    free(err);
    assert_int_equal(tu_run(&out, &err, "--list '%s'", f), 0);
    assert_terminal_safe("--list gguf", out);
    assert_non_null(strstr(out, "bad\\xff\\xfe.weight"));
    assert_non_null(strstr(out, "general.name\\xff: v\\xc0\\xaf\\x1b]2;T\\x07"));
    free(out);
    free(err);
    /* two tensors of one hostile name: the loader's message, escaped */
    const char *dup[] = { "x\x1b]0;PWNED\x07", "x\x1b]0;PWNED\x07" };
    write_gguf(g, dup, 2, "k", "v");
    assert_int_not_equal(tu_run(&out, &err, "--list '%s'", g), 0);
    assert_terminal_safe("dup stderr", err);
    assert_non_null(strstr(err, "x\\x1b]0;PWNED\\x07"));
    assert_true(strncmp(err, "apotview: ", 10) == 0);
    free(out);
    free(err);
    tu_rmdir(dir);
    free(dir);
    free(f);
    free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_help_version),
        cmocka_unit_test(test_levels_json),
        cmocka_unit_test(test_sweep),
        cmocka_unit_test(test_cost_by_hand),
        cmocka_unit_test(test_no_file),
        cmocka_unit_test(test_model_report),
        cmocka_unit_test(test_file_metadata),
        cmocka_unit_test(test_ranked_all),
        cmocka_unit_test(test_hostile_names),
        cmocka_unit_test(test_hostile_gguf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
