/*
 * test_npy.c - the .npy reader on files written here byte by byte (each
 * dtype, byte order, version, fortran order, 0-d, empty, bfloat16), and a
 * corpus of broken files: each must give exit status 1 and a message naming
 * the file, never a crash.
 */
#include "config.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/loader.h"

static char *dir;

static int setup(void **st)
{
    (void)st;
    dir = tu_mkdtemp();
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    tu_rmdir(dir);
    free(dir);
    return 0;
}

static double *read_all(const char *path, dtype_id override, loader_tensor *desc)
{
    util_err err = { { 0 } };
    loader_opts lo = { .dtype_override = override };
    loader_file *f = loader_open(path, &lo, &err);
    if (!f) {
        fprintf(stderr, "open failed: %s\n", err.msg);
        fail();
    }
    assert_int_equal(f->ntensors, 1);
    *desc = f->tensors[0];
    double *v = malloc((f->tensors[0].count + 1) * sizeof *v);
    assert_int_equal(loader_read(f, 0, v, 1, &err), 0);
    /* float path gives the same values */
    float *fv = malloc((f->tensors[0].count + 1) * sizeof *fv);
    assert_int_equal(loader_read(f, 0, fv, 0, &err), 0);
    if (dtype_fits_float(f->tensors[0].dtype))
        for (uint64_t i = 0; i < f->tensors[0].count; i++)
            assert_true((double)fv[i] == v[i] || (isnan(fv[i]) && isnan(v[i])));
    free(fv);
    desc->name = NULL;
    loader_close(f);
    return v;
}

static void put(unsigned char *b, uint64_t u, int size, int be)
{
    for (int i = 0; i < size; i++)
        b[be ? size - 1 - i : i] = (unsigned char)(u >> (8 * i));
}

static void check_values(const char *name, int major, const char *descr, const unsigned char *raw,
                         size_t nbytes, const double *want, size_t n, dtype_id override,
                         const char *want_dtype)
{
    char *p = tu_path(dir, name);
    char shape[32];
    snprintf(shape, sizeof shape, "(%zu,)", n);
    tu_write_npy(p, major, descr, 0, shape, raw, nbytes);
    loader_tensor d;
    double *v = read_all(p, override, &d);
    assert_int_equal(d.count, n);
    assert_string_equal(dtype_name(d.dtype), want_dtype);
    for (size_t i = 0; i < n; i++) {
        if (v[i] != want[i]) {
            fprintf(stderr, "%s: element %zu = %.17g, want %.17g\n", name, i, v[i], want[i]);
            fail();
        }
    }
    free(v);
    free(p);
}

static void test_float_dtypes(void **st)
{
    (void)st;
    unsigned char b[64];
    /* float16 bit patterns written by hand: 1.0, -2.0, 0.5, 65504, 2^-24 */
    const uint16_t h[] = { 0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001 };
    const double hv[] = { 1.0, -2.0, 0.5, 65504.0, 5.9604644775390625e-08 };
    for (int be = 0; be <= 1; be++) {
        for (int i = 0; i < 5; i++)
            put(b + 2 * i, h[i], 2, be);
        check_values(be ? "f2be.npy" : "f2le.npy", 1, be ? ">f2" : "<f2", b, 10, hv, 5, DT_INVALID, "float16");
    }
    /* float32: 1.5 = 0x3FC00000, -0.15625 = 0xBE200000, 1e-45 ~ 0x00000001 */
    const uint32_t f[] = { 0x3FC00000u, 0xBE200000u, 0x00000001u };
    const double fv[] = { 1.5, -0.15625, 1.4012984643248171e-45 };
    for (int be = 0; be <= 1; be++)
        for (int major = 1; major <= 3; major++) {
            for (int i = 0; i < 3; i++)
                put(b + 4 * i, f[i], 4, be);
            char name[32];
            snprintf(name, sizeof name, "f4_%d_%d.npy", be, major);
            check_values(name, major, be ? ">f4" : "<f4", b, 12, fv, 3, DT_INVALID, "float32");
        }
    /* float64: 0.1 = 0x3FB999999999999A, -1024.5 = 0xC090020000000000 */
    const uint64_t d[] = { 0x3FB999999999999Aull, 0xC090020000000000ull };
    const double dv[] = { 0.1, -1024.5 };
    for (int be = 0; be <= 1; be++) {
        for (int i = 0; i < 2; i++)
            put(b + 8 * i, d[i], 8, be);
        check_values(be ? "f8be.npy" : "f8le.npy", 2, be ? ">f8" : "<f8", b, 16, dv, 2, DT_INVALID, "float64");
    }
}

static void test_int_dtypes(void **st)
{
    (void)st;
    unsigned char b[64];
    const unsigned char i1[] = { 0x80, 0xFF, 0x00, 0x7F };
    const double i1v[] = { -128, -1, 0, 127 };
    check_values("i1.npy", 1, "|i1", i1, 4, i1v, 4, DT_INVALID, "int8");
    const double u1v[] = { 128, 255, 0, 127 };
    check_values("u1.npy", 1, "|u1", i1, 4, u1v, 4, DT_INVALID, "uint8");
    put(b, 0x8000, 2, 0);
    put(b + 2, 0x1234, 2, 0);
    const double i2v[] = { -32768, 0x1234 };
    check_values("i2.npy", 1, "<i2", b, 4, i2v, 2, DT_INVALID, "int16");
    put(b, 0x80000000u, 4, 1);
    put(b + 4, 0x7FFFFFFFu, 4, 1);
    const double i4v[] = { -2147483648.0, 2147483647.0 };
    check_values("i4be.npy", 1, ">i4", b, 8, i4v, 2, DT_INVALID, "int32");
}

/* bfloat16 saved by ml_dtypes as <V2, or as raw <u2, needs --dtype. */
static void test_bfloat16(void **st)
{
    (void)st;
    unsigned char b[8];
    const uint16_t h[] = { 0x3F80, 0xC000, 0x4049 }; /* 1, -2, 3.140625 */
    const double v[] = { 1.0, -2.0, 3.140625 };
    for (int i = 0; i < 3; i++)
        put(b + 2 * i, h[i], 2, 0);
    check_values("bf_v2.npy", 1, "<V2", b, 6, v, 3, DT_BF16, "bfloat16");
    check_values("bf_u2.npy", 1, "<u2", b, 6, v, 3, DT_BF16, "bfloat16");
    /* without --dtype, <V2 is refused with a hint */
    char *p = tu_path(dir, "bf_v2.npy");
    util_err err = { { 0 } };
    assert_null(loader_open(p, NULL, &err));
    assert_non_null(strstr(err.msg, "--dtype=bfloat16"));
    char *out, *e;
    assert_int_equal(tu_run(&out, &e, "--report --dtype=bfloat16 --format=csv '%s'", p), 0);
    assert_non_null(strstr(out, "bfloat16"));
    free(out);
    free(e);
    free(p);
}

static void test_fortran_0d_empty(void **st)
{
    (void)st;
    /* C [[1,2,3],[4,5,6]] stored in Fortran order: 1 4 2 5 3 6 */
    const float fo[] = { 1, 4, 2, 5, 3, 6 };
    char *p = tu_path(dir, "fortran.npy");
    tu_write_npy(p, 1, "<f4", 1, "(2, 3)", fo, sizeof fo);
    loader_tensor d;
    double *v = read_all(p, DT_INVALID, &d);
    assert_int_equal(d.ndim, 2);
    assert_true(d.fortran_order);
    for (int i = 0; i < 6; i++)
        assert_true(v[i] == i + 1);
    free(v);
    free(p);
    /* 3-d Fortran: element (i,j,k) of shape (2,3,4) holds 100i+10j+k */
    float f3[24];
    for (int k = 0; k < 4; k++)
        for (int j = 0; j < 3; j++)
            for (int i = 0; i < 2; i++)
                f3[i + 2 * (j + 3 * k)] = (float)(100 * i + 10 * j + k);
    p = tu_path(dir, "fortran3.npy");
    tu_write_npy(p, 1, "<f4", 1, "(2, 3, 4)", f3, sizeof f3);
    v = read_all(p, DT_INVALID, &d);
    for (int i = 0, c = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 4; k++, c++)
                assert_true(v[c] == 100 * i + 10 * j + k);
    free(v);
    free(p);
    /* 0-d */
    const double x = 2.5;
    p = tu_path(dir, "scalar.npy");
    tu_write_npy(p, 1, "<f8", 0, "()", &x, 8);
    v = read_all(p, DT_INVALID, &d);
    assert_int_equal(d.ndim, 0);
    assert_int_equal(d.count, 1);
    assert_true(v[0] == 2.5);
    free(v);
    char *out, *e;
    assert_int_equal(tu_run(&out, &e, "--report --format=json '%s'", p), 0);
    assert_non_null(strstr(out, "\"count\": 1"));
    free(out);
    free(e);
    free(p);
    /* empty */
    p = tu_path(dir, "empty.npy");
    tu_write_npy(p, 1, "<f4", 0, "(0, 5)", NULL, 0);
    v = read_all(p, DT_INVALID, &d);
    assert_int_equal(d.count, 0);
    free(v);
    assert_int_equal(tu_run(&out, &e, "--report '%s'", p), 0);
    assert_non_null(strstr(out, "no finite values"));
    free(out);
    free(e);
    free(p);
}

/* Non-finite values are counted and left out (interface.md). */
static void test_nonfinite_report(void **st)
{
    (void)st;
    const float v[] = { 1, NAN, -1, INFINITY, 0.5f, -0.5f };
    char *p = tu_path(dir, "nan.npy");
    tu_write_npy(p, 1, "<f4", 0, "(6,)", v, sizeof v);
    char *out, *e;
    assert_int_equal(tu_run(&out, &e, "--report --format=json -a max '%s'", p), 0);
    assert_non_null(strstr(out, "\"nonfinite\": 2"));
    assert_non_null(strstr(out, "\"count\": 6"));
    /* mean of {1, -1, 0.5, -0.5} is 0; max|x| = 1 */
    assert_non_null(strstr(out, "\"mean\": 0.0"));
    assert_non_null(strstr(out, "\"absmax\": 1.0"));
    free(out);
    free(e);
    free(p);
}

typedef struct broken {
    const char *name;
    const char *why;     /* substring expected in the message */
} broken;

static void write_raw(const char *name, const void *b, size_t n)
{
    char *p = tu_path(dir, name);
    tu_write(p, b, n);
    free(p);
}

static void test_broken_corpus(void **st)
{
    (void)st;
    float data[10] = { 0 };
    char *p;
    /* truncated data: 10 floats promised, 5 present */
    p = tu_path(dir, "b_trunc.npy");
    tu_write_npy(p, 1, "<f4", 0, "(10,)", data, 20);
    free(p);
    /* header length larger than the file */
    unsigned char h[16] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0xff, 0x7f, '{', '}' };
    write_raw("b_hlen.npy", h, 12);
    /* shape whose product overflows 64 bits */
    p = tu_path(dir, "b_overflow.npy");
    tu_write_npy(p, 1, "<f4", 0, "(4294967296, 4294967296, 4294967296)", data, 40);
    free(p);
    /* object array */
    p = tu_path(dir, "b_object.npy");
    tu_write_npy(p, 1, "|O", 0, "(2,)", data, 16);
    free(p);
    /* structured dtype */
    p = tu_path(dir, "b_struct.npy");
    {
        const char hdr[] = "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }";
        unsigned char buf[256] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0 };
        size_t hl = sizeof hdr - 1;
        buf[8] = (unsigned char)hl;
        buf[9] = 0;
        memcpy(buf + 10, hdr, hl);
        tu_write(p, buf, 10 + hl + 8);
    }
    free(p);
    write_raw("b_magic.npy", "NUMPY\x01\x00 garbage", 16);
    unsigned char v4[] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 4, 0, 2, 0, '{', '}' };
    write_raw("b_version.npy", v4, sizeof v4);
    write_raw("b_empty.npy", "", 0);
    /* header without 'shape' */
    p = tu_path(dir, "b_noshape.npy");
    {
        const char hdr[] = "{'descr': '<f4', 'fortran_order': False}";
        unsigned char buf[128] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0 };
        buf[8] = sizeof hdr - 1;
        memcpy(buf + 10, hdr, sizeof hdr - 1);
        tu_write(p, buf, 10 + sizeof hdr - 1);
    }
    free(p);
    /* data longer than the header says: a lying header */
    p = tu_path(dir, "b_long.npy");
    tu_write_npy(p, 1, "<f4", 0, "(2,)", data, 40);
    free(p);
    /* version 2 header length 0xffffffff */
    unsigned char v2[] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0xff, 0xff, 0xff, 0xff, '{' };
    write_raw("b_v2len.npy", v2, sizeof v2);
    /* negative dimension */
    p = tu_path(dir, "b_negdim.npy");
    tu_write_npy(p, 1, "<f4", 0, "(-1,)", data, 4);
    free(p);
    /* unknown dtype */
    p = tu_path(dir, "b_complex.npy");
    tu_write_npy(p, 1, "<c8", 0, "(1,)", data, 8);
    free(p);
    /* header cut in the middle of the magic */
    write_raw("b_short.npy", "\x93NUM", 4);

    const broken corpus[] = {
        { "b_trunc.npy", "truncated" },
        { "b_hlen.npy", "truncated" },
        { "b_overflow.npy", "overflow" },
        { "b_object.npy", "object" },
        { "b_struct.npy", "structured" },
        { "b_magic.npy", "" },
        { "b_version.npy", "version 4.0" },
        { "b_empty.npy", "empty" },
        { "b_noshape.npy", "shape" },
        { "b_long.npy", "header describes" },
        { "b_v2len.npy", "truncated" },
        { "b_negdim.npy", "malformed" },
        { "b_complex.npy", "unsupported dtype" },
        { "b_short.npy", "" },
        { "does_not_exist.npy", "No such file" },
    };
    for (size_t i = 0; i < sizeof corpus / sizeof corpus[0]; i++) {
        char *path = tu_path(dir, corpus[i].name);
        char *out, *err;
        int stt = tu_run(&out, &err, "--report '%s'", path);
        if (stt != 1 || strncmp(err, "apotview: ", 10) != 0 || !strstr(err, path) ||
            !strstr(err, corpus[i].why) || strstr(err, "Sanitizer") || err[strlen(err) - 1] != '\n') {
            fprintf(stderr, "%s: status %d, stderr: %s\n", corpus[i].name, stt, err);
            fail();
        }
        free(out);
        free(err);
        free(path);
    }
}

/* Several files: all reported; one bad file gives status 1 but the good
 * ones still print. */
static void test_several_files(void **st)
{
    (void)st;
    const float a[] = { 1, 2, 3, 4 }, b[] = { -1, 0, 1 };
    char *pa = tu_path(dir, "ma.npy"), *pb = tu_path(dir, "mb.npy"), *pc = tu_path(dir, "b_trunc.npy");
    tu_write_npy(pa, 1, "<f4", 0, "(4,)", a, sizeof a);
    tu_write_npy(pb, 1, "<f4", 0, "(3,)", b, sizeof b);
    char *out, *err;
    assert_int_equal(tu_run(&out, &err, "--report --format=csv '%s' '%s'", pa, pb), 0);
    assert_non_null(strstr(out, ",ma,"));
    assert_non_null(strstr(out, ",mb,"));
    free(out);
    free(err);
    assert_int_equal(tu_run(&out, &err, "--report --format=csv '%s' '%s' '%s'", pa, pc, pb), 1);
    assert_non_null(strstr(out, ",ma,"));
    assert_non_null(strstr(out, ",mb,"));
    assert_non_null(strstr(err, "b_trunc.npy"));
    free(out);
    free(err);
    free(pa);
    free(pb);
    free(pc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_float_dtypes),
        cmocka_unit_test(test_int_dtypes),
        cmocka_unit_test(test_bfloat16),
        cmocka_unit_test(test_fortran_0d_empty),
        cmocka_unit_test(test_nonfinite_report),
        cmocka_unit_test(test_broken_corpus),
        cmocka_unit_test(test_several_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
