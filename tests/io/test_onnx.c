/*
 * test_onnx.c - the ONNX and TensorFlow.js readers (issue 14, parts 3, 4).
 *
 * Fixtures come from tests/lib/gen_onnx_tfjs_fixtures.py, which writes the
 * protobuf bytes and the TensorFlow.js shards itself and saves the values
 * each tensor must have, computed by its own numpy decoders, in a .npz
 * beside each model (read here through the npz reader, a different code
 * path). Every expected tensor must be listed under exactly that name and
 * read back bit for bit, as float and as double (NaN matches NaN). The
 * real models' reference sums were computed by python3-onnx / numpy when
 * they were committed (tests/data/io/real/README.onnx-tfjs).
 */
#include "config.h"
#include "testutil.h"
#include "io/loader.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


static const loader_tensor *tensor(const loader_file *f, const char *name)
{
    long i = loader_find(f, name);
    if (i < 0)
        fail_msg("%s: no tensor %s", f->path, name);
    return &f->tensors[i];
}

static int same(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* Every tensor of the expected .npz is in f with the same shape and
 * values; returns how many were checked. */
static size_t check_against(loader_file *f, const char *expected)
{
    loader_file *e = tu_open_fixture(expected);
    for (size_t k = 0; k < e->ntensors; k++) {
        const loader_tensor *et = &e->tensors[k];
        long i = loader_find(f, et->name);
        if (i < 0)
            fail_msg("%s: tensor %s (in %s) not listed", f->path, et->name, expected);
        const loader_tensor *t = &f->tensors[i];
        if (!t->readable)
            fail_msg("%s: %s not readable: %s", f->path, t->name, t->type_note ? t->type_note : "");
        if (t->ndim != et->ndim || t->count != et->count)
            fail_msg("%s: %s: %d dims, %llu values; expected %d, %llu", f->path, t->name, t->ndim,
                     (unsigned long long)t->count, et->ndim, (unsigned long long)et->count);
        for (int d = 0; d < t->ndim; d++)
            if (t->shape[d] != et->shape[d])
                fail_msg("%s: %s: dimension %d is %llu, expected %llu", f->path, t->name, d,
                         (unsigned long long)t->shape[d], (unsigned long long)et->shape[d]);
        uint64_t n = t->count;
        double *ev = calloc(n ? n : 1, sizeof *ev), *vd = calloc(n ? n : 1, sizeof *vd);
        float *vf = calloc(n ? n : 1, sizeof *vf);
        util_err err = { { 0 } };
        if (loader_read(e, k, ev, 1, &err) < 0 || loader_read(f, (size_t)i, vd, 1, &err) < 0 ||
            loader_read(f, (size_t)i, vf, 0, &err) < 0)
            fail_msg("%s", err.msg);
        for (uint64_t j = 0; j < n; j++) {
            if (!same(vd[j], ev[j]))
                fail_msg("%s: %s[%llu] = %.17g, the generator says %.17g", f->path, t->name,
                         (unsigned long long)j, vd[j], ev[j]);
            if (!same((double)vf[j], (double)(float)ev[j]))
                fail_msg("%s: %s[%llu] as float = %.9g, expected %.9g", f->path, t->name,
                         (unsigned long long)j, vf[j], (float)ev[j]);
        }
        free(ev);
        free(vd);
        free(vf);
    }
    size_t n = e->ntensors;
    loader_close(e);
    return n;
}

static void expect_unreadable(const loader_file *f, const char *name, const char *why)
{
    const loader_tensor *t = tensor(f, name);
    if (t->readable)
        fail_msg("%s: %s is readable", f->path, name);
    if (!t->type_note || !strstr(t->type_note, why))
        fail_msg("%s: %s: note \"%s\" lacks \"%s\"", f->path, name, t->type_note ? t->type_note : "", why);
}

static void test_onnx_types(void **state)
{
    (void)state;
    loader_file *f = tu_open_fixture("onnx/types.onnx");
    assert_string_equal(f->fmt->name, "onnx");
    size_t n = check_against(f, "onnx/types.expected.npz");
    assert_int_equal(f->ntensors, n + 3);
    expect_unreadable(f, "names", "strings are not numbers");
    expect_unreadable(f, "cplx", "complex");
    expect_unreadable(f, "future", "ONNX data type 99 unknown");
    assert_string_equal(loader_dtype_name(tensor(f, "raw.float8_e4m3fnuz")), "float8_e4m3fnuz");
    assert_string_equal(loader_dtype_name(tensor(f, "raw.int4")), "int4");
    assert_string_equal(loader_dtype_name(tensor(f, "raw.bfloat16")), "bfloat16");
    assert_string_equal(loader_dtype_name(tensor(f, "typed.float8_e4m3fn")), "float8_e4m3fn");
    loader_close(f);
}

static void test_onnx_subgraphs(void **state)
{
    (void)state;
    loader_file *f = tu_open_fixture("onnx/subgraph.onnx");
    size_t n = check_against(f, "onnx/subgraph.expected.npz");
    assert_int_equal(n, 7);
    assert_int_equal(f->ntensors, 7);
    loader_close(f);
}

static void test_onnx_external(void **state)
{
    (void)state;
    loader_file *f = tu_open_fixture("onnx/external.onnx");
    assert_int_equal(check_against(f, "onnx/external.expected.npz"), 4);
    loader_close(f);
}

static void test_onnx_qdq(void **state)
{
    (void)state;
    loader_file *f = tu_open_fixture("onnx/qdq.onnx");
    size_t n = check_against(f, "onnx/qdq.expected.npz");
    /* the parts (x, scales, zero points) are not listed apart */
    assert_int_equal(f->ntensors, n + 1);
    assert_true(loader_find(f, "pt_int8_scale") < 0 && loader_find(f, "real_uint8_quantized") < 0);
    expect_unreadable(f, "odd", "its scale matches neither");
    const loader_tensor *t = tensor(f, "real_uint8");
    assert_string_equal(loader_dtype_name(t), "qdq_uint8");
    /* 8 bits a code + 64 float32 scales and 64 uint8 zero points over 36864 values */
    assert_true(fabs(t->stored_bpw - (8.0 + 64 * 40.0 / 36864)) < 1e-12);
    assert_string_equal(loader_dtype_name(tensor(f, "blk_int4")), "qdq_int4");
    assert_string_equal(loader_dtype_name(tensor(f, "ax1_dq_out")), "qdq_int8");
    loader_close(f);
}

static void test_onnx_matmulnbits(void **state)
{
    (void)state;
    loader_file *f = tu_open_fixture("onnx/matmulnbits.onnx");
    size_t n = check_against(f, "onnx/matmulnbits.expected.npz");
    assert_int_equal(f->ntensors, n + 1);
    expect_unreadable(f, "odd", "bits other than 2, 4 and 8");
    const loader_tensor *t = tensor(f, "real");
    assert_string_equal(loader_dtype_name(t), "matmulnbits_q4");
    assert_int_equal(t->shape[0], 576);
    assert_int_equal(t->shape[1], 64);
    /* 4 bits a code + a float32 scale and a 4-bit zero point per 32 */
    assert_true(fabs(t->stored_bpw - (4 + 32.0 / 32 + 4.0 / 32)) < 1e-12);
    loader_close(f);
    /* a g_idx naming a block that does not exist: refused on read */
    f = tu_open_fixture("onnx/bad_mnb_gidx.onnx");
    double v[16];
    util_err err = { { 0 } };
    assert_int_equal(loader_read(f, 0, v, 1, &err), -1);
    if (!strstr(err.msg, "w_Q4: g_idx[0] = 5 is not a block of 0..0"))
        fail_msg("%s", err.msg);
    loader_close(f);
}

static void test_tfjs(void **state)
{
    (void)state;
    loader_file *f = tu_open_fixture("tfjs/model.json");
    assert_string_equal(f->fmt->name, "tfjs");
    size_t n = check_against(f, "tfjs/model.expected.npz");
    assert_int_equal(f->ntensors, n + 1);
    expect_unreadable(f, "vocab", "strings");
    assert_string_equal(loader_dtype_name(tensor(f, "conv/bias")), "uint8_affine");
    assert_string_equal(loader_dtype_name(tensor(f, "dense/kernel")), "uint16_affine");
    assert_string_equal(loader_dtype_name(tensor(f, "half")), "float16");
    loader_close(f);
    f = tu_open_fixture("tfjs/tiny-weights_manifest.json");
    assert_int_equal(check_against(f, "tfjs/tiny.expected.npz"), 2);
    assert_int_equal(f->ntensors, 2);
    loader_close(f);
}


static void test_broken(void **state)
{
    (void)state;
    tu_expect_refused("onnx/bad_deep.onnx", "messages nested more than 100 deep at offset");
    tu_expect_refused("onnx/bad_lying_length.onnx", "field 7 at offset 68 inside onnx.ModelProto claims 82 bytes, 32 left");
    /* the raw_data payload is the file's last 16 bytes (102 in all) */
    tu_expect_refused("onnx/bad_raw_size.onnx", "w: raw_data at offset 86 holds 16 bytes, but 6 float32 elements take 24");
    tu_expect_refused("onnx/bad_typed_count.onnx", "w: 5 float32 elements need 5 typed values, the tensor holds 2");
    tu_expect_refused("onnx/bad_negative_dim.onnx", "w: dimension 0 is -1");
    tu_expect_refused("onnx/bad_wire_type.onnx", "wire type 3 at offset 2");
    tu_expect_refused("onnx/bad_no_graph.onnx", "no graph");
    tu_expect_refused("onnx/bad_ext_dotdot.onnx", "'../onnx/external.bin' has a '..' component");
    tu_expect_refused("onnx/bad_ext_absolute.onnx", "'/etc/hostname' is an absolute path");
    tu_expect_refused("onnx/bad_ext_pastend.onnx", "w: external data [70, +48) runs past the end of");
    tu_expect_refused("onnx/bad_ext_length.onnx", "w: external data length 20, but 12 float32 elements take 48");
    tu_expect_refused("onnx/bad_ext_missing.onnx", "no_such_file.bin: No such file");
    tu_expect_refused("onnx/bad_ext_offset.onnx", "external data offset '-4' is not a byte count");
    tu_expect_refused("tfjs/bad_short-weights_manifest.json",
                   "a: its 16 bytes at byte 0 of group 0 (in ");
    tu_expect_refused("tfjs/bad_dotdot-weights_manifest.json", "has a '..' component");
    tu_expect_refused("tfjs/bad_absolute-weights_manifest.json", "is an absolute path");
    tu_expect_refused("tfjs/bad_missing-weights_manifest.json", "nothing.bin: No such file");
    tu_expect_refused("tfjs/bad_dtype-weights_manifest.json", "a: dtype other than");
    tu_expect_refused("tfjs/bad_quant-weights_manifest.json", "a: quantization dtype other than");
    tu_expect_refused("tfjs/bad_shape-weights_manifest.json", "a: the shape overflows");
    tu_expect_refused("tfjs/bad_negshape-weights_manifest.json", "a: shape entry 0 is not a non-negative integer");
    tu_expect_refused("tfjs/bad_string-weights_manifest.json", "s: string 0 at byte 0 of group 0");
    tu_expect_refused("tfjs/bad_json-weights_manifest.json", "not JSON");
}

/* Every prefix of the small fixtures is refused, naming the file (the
 * generator writes the graph last, so no prefix is a whole model). */
static void test_truncated(void **state)
{
    (void)state;
    static const char *const files[] = { "onnx/types.onnx", "onnx/subgraph.onnx", "onnx/external.onnx",
                                         "tfjs/model.json", "tfjs/tiny-weights_manifest.json" };
    char *dir = tu_mkdtemp();
    for (size_t c = 0; c < sizeof files / sizeof files[0]; c++) {
        char *p = tu_io_fixture(files[c]);
        FILE *fp = fopen(p, "rb");
        assert_non_null(fp);
        static unsigned char buf[16384];
        size_t len = fread(buf, 1, sizeof buf, fp);
        fclose(fp);
        assert_true(len < sizeof buf);
        const char *base = strrchr(files[c], '/') + 1;
        char *tp = tu_path(dir, base);
        for (size_t cut = 0; cut < len; cut++) {
            tu_write(tp, buf, cut);
            util_err err = { { 0 } };
            loader_file *f = loader_open(tp, NULL, &err);
            if (f)
                fail_msg("%s cut to %zu bytes still opens", files[c], cut);
            if (!strstr(err.msg, tp))
                fail_msg("%s cut to %zu: message \"%s\" does not name the file", files[c], cut, err.msg);
        }
        free(tp);
        free(p);
    }
    tu_rmdir(dir);
    free(dir);
}

/* Sum of tensor `name` as doubles. */
static double tensor_sum(loader_file *f, const char *name, uint64_t *n)
{
    const loader_tensor *t = tensor(f, name);
    *n = t->count;
    double *v = calloc(t->count, sizeof *v);
    util_err err = { { 0 } };
    if (loader_read(f, (size_t)(t - f->tensors), v, 1, &err) < 0)
        fail_msg("%s", err.msg);
    double s = 0;
    for (uint64_t j = 0; j < t->count; j++)
        s += v[j];
    free(v);
    return s;
}

static uint64_t total_values(const loader_file *f)
{
    uint64_t n = 0;
    for (size_t i = 0; i < f->ntensors; i++)
        n += f->tensors[i].count;
    return n;
}

static void test_real_models(void **state)
{
    (void)state;
    static const struct {
        const char *file, *tensor;
        size_t ntensors;
        uint64_t nvalues, count;
        double sum;
    } m[] = {
        { "real/silero_vad_v5.onnx", "If_0_then_branch__Inline_0__stft.forward_basis_buffer", 341, 545597,
          258 * 256, 63.99999985052273 },
        { "real/openwakeword_hello_deepa.onnx", "layer1.weight", 14, 78053, 32 * 2400, 27.074992796025754 },
        { "real/ppocr_mobile_v2.0_cls.onnx", "conv2d_44.w_0", 250, 133665, 50 * 200, -171.978623801828 },
        { "real/tiny_face_detector_model-weights_manifest.json", "conv8/filters", 19, 193321, 512 * 25,
          -194.30083987861872 },
        { "real/tiny_face_detector_model-weights_manifest.json", "conv0/filters", 19, 193321, 432,
          -5.152029775083065 },
    };
    for (size_t k = 0; k < sizeof m / sizeof m[0]; k++) {
        loader_file *f = tu_open_fixture(m[k].file);
        if (f->ntensors != m[k].ntensors || total_values(f) != m[k].nvalues)
            fail_msg("%s: %zu tensors, %llu values; python3-onnx / numpy found %zu, %llu", m[k].file, f->ntensors,
                     (unsigned long long)total_values(f), m[k].ntensors, (unsigned long long)m[k].nvalues);
        uint64_t n;
        double s = tensor_sum(f, m[k].tensor, &n);
        assert_int_equal(n, m[k].count);
        if (fabs(s - m[k].sum) > 1e-12 * (1 + fabs(m[k].sum)))
            fail_msg("%s: %s sums to %.17g, the reference says %.17g", m[k].file, m[k].tensor, s, m[k].sum);
        /* every tensor reads */
        for (size_t i = 0; i < f->ntensors; i++) {
            double *v = calloc(f->tensors[i].count ? f->tensors[i].count : 1, sizeof *v);
            util_err err = { { 0 } };
            if (loader_read(f, i, v, 1, &err) < 0)
                fail_msg("%s", err.msg);
            free(v);
        }
        loader_close(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_onnx_types),
        cmocka_unit_test(test_onnx_subgraphs),
        cmocka_unit_test(test_onnx_external),
        cmocka_unit_test(test_onnx_qdq),
        cmocka_unit_test(test_onnx_matmulnbits),
        cmocka_unit_test(test_tfjs),
        cmocka_unit_test(test_broken),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_real_models),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
