/*
 * test_io.c - the file formats of issue 4 (.npz, .safetensors, sharded
 * models, PyTorch zip and legacy checkpoints, GGUF).
 *
 * Fixtures come from tests/gen_io_fixtures.py (numpy + the standard pickle
 * module); expected values are the reference .npy arrays numpy wrote, or
 * hand-written constants, never apotview output.
 */
#include "config.h"
#include "testutil.h"
#include "io/loader.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *fx(const char *name)
{
    char *rel = util_asprintf("tests/data/io/%s", name);
    char *p = tu_srcfile(rel);
    free(rel);
    return p;
}

static loader_file *open_ok(const char *name)
{
    char *p = fx(name);
    util_err err = { { 0 } };
    loader_file *f = loader_open(p, NULL, &err);
    if (!f)
        fail_msg("%s: %s", p, err.msg);
    free(p);
    return f;
}

/* Read tensor `name` of f as doubles (count in *n). */
static double *read_d(loader_file *f, const char *name, uint64_t *n)
{
    long i = loader_find(f, name);
    if (i < 0)
        fail_msg("%s: no tensor %s", f->path, name);
    *n = f->tensors[i].count;
    double *v = calloc(*n ? *n : 1, sizeof *v);
    util_err err = { { 0 } };
    if (loader_read(f, (size_t)i, v, 1, &err) < 0)
        fail_msg("%s", err.msg);
    return v;
}

static float *read_f(loader_file *f, const char *name, uint64_t *n)
{
    long i = loader_find(f, name);
    if (i < 0)
        fail_msg("%s: no tensor %s", f->path, name);
    *n = f->tensors[i].count;
    float *v = calloc(*n ? *n : 1, sizeof *v);
    util_err err = { { 0 } };
    if (loader_read(f, (size_t)i, v, 0, &err) < 0)
        fail_msg("%s", err.msg);
    return v;
}

static const char *meta(const loader_file *f, const char *key)
{
    for (size_t i = 0; i < f->nmeta; i++)
        if (strcmp(f->meta[i].key, key) == 0)
            return f->meta[i].value;
    return NULL;
}

static void test_same_tensor_every_format(void **state)
{
    (void)state;
    loader_file *ref = open_ok("W.npy");
    uint64_t n0;
    float *w0 = read_f(ref, "W", &n0);
    assert_int_equal(n0, 8 * 4 * 3 * 3);
    static const struct { const char *file, *tensor; } cases[] = {
        { "W_stored.npz", "W" }, { "W_deflate.npz", "W" }, { "W.safetensors", "W" },
        { "sharded", "W" }, { "sharded/model.safetensors.index.json", "W" },
        { "W_zip.pt", "conv.weight" }, { "W_legacy.pt", "conv.weight" }, { "W.gguf", "W" },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        loader_file *f = open_ok(cases[c].file);
        long i = loader_find(f, cases[c].tensor);
        if (i < 0)
            fail_msg("%s: no %s", cases[c].file, cases[c].tensor);
        const loader_tensor *t = &f->tensors[i];
        assert_int_equal(t->dtype, DT_F32);
        assert_int_equal(t->ndim, 4);
        assert_int_equal(t->shape[0], 8);
        assert_int_equal(t->shape[1], 4);
        assert_int_equal(t->shape[2], 3);
        assert_int_equal(t->shape[3], 3);
        uint64_t n;
        float *w = read_f(f, cases[c].tensor, &n);
        assert_int_equal(n, n0);
        if (memcmp(w, w0, n * sizeof *w) != 0)
            fail_msg("%s:%s differs from W.npy", cases[c].file, cases[c].tensor);
        double *wd = read_d(f, cases[c].tensor, &n);
        for (uint64_t k = 0; k < n; k++)
            assert_true(wd[k] == (double)w0[k]);
        free(w);
        free(wd);
        loader_close(f);
    }
    free(w0);
    loader_close(ref);
}

static void test_npz_listing(void **state)
{
    (void)state;
    loader_file *f = open_ok("W_deflate.npz");
    assert_int_equal(f->ntensors, 2);
    uint64_t n;
    double *b = read_d(f, "b", &n);
    assert_int_equal(n, 8);
    for (int k = 0; k < 8; k++)
        assert_true(b[k] == k);
    free(b);
    loader_close(f);
    /* The real face-api archive: 8 filters, the README's shape. */
    f = open_ok("real/faceapi_facerec_conv64_deflate.npz");
    assert_int_equal(f->ntensors, 8);
    long i = loader_find(f, "conv64_down.conv1.conv.filters");
    assert_true(i >= 0);
    assert_int_equal(f->tensors[i].count, 18432);
    loader_close(f);
}

static void test_safetensors_meta_sharded(void **state)
{
    (void)state;
    loader_file *f = open_ok("W.safetensors");
    assert_string_equal(meta(f, "format"), "pt");
    assert_string_equal(meta(f, "source"), "apotview tests");
    loader_close(f);
    f = open_ok("sharded");
    assert_int_equal(f->ntensors, 3);
    uint64_t n;
    double *h = read_d(f, "h", &n);
    assert_int_equal(n, 4);
    assert_true(h[0] == 1.5 && h[1] == -2.0 && h[2] == 65504.0 && h[3] == ldexp(1, -24));
    free(h);
    assert_non_null(meta(f, "total_size"));
    loader_close(f);
    /* A real file from another writer (silero-vad). */
    f = open_ok("real/upstream_silero_vad_16k.safetensors");
    long i = loader_find(f, "stft_conv.weight");
    assert_true(i >= 0);
    assert_int_equal(f->tensors[i].shape[0], 258);
    assert_int_equal(f->tensors[i].shape[2], 256);
    loader_close(f);
}

static void check_torch(const char *file)
{
    loader_file *f = open_ok(file);
    /* {'epoch', 'best_prec', 'arch', 'state_dict'}: state_dict unwrapped,
     * its _metadata (a BUILD state) ignored, scalars shown. */
    assert_string_equal(meta(f, "epoch"), "90");
    assert_string_equal(meta(f, "best_prec"), "0.7125");
    assert_string_equal(meta(f, "arch"), "'resnet20'");
    assert_int_equal(f->ntensors, 7);
    uint64_t n, m;
    /* fc.weight: a transposed view (size (4, 6), stride (1, 4)). */
    double *fc = read_d(f, "fc.weight", &n);
    loader_file *e = open_ok("fc_weight_expected.npy");
    double *fe = read_d(e, "fc_weight_expected", &m);
    assert_int_equal(n, m);
    for (uint64_t k = 0; k < n; k++)
        assert_true(fc[k] == fe[k]);
    /* by hand: element [r][c] = storage[c * 4 + r] = (c * 4 + r) / 8 */
    assert_true(fc[1] == 4.0 / 8 && fc[6] == 1.0 / 8);
    free(fc);
    free(fe);
    loader_close(e);
    /* Shared float64 storage linspace(-1, 1, 10): [0:4] and [6:10] as 2x2. */
    double *a = read_d(f, "d.first", &n), *b = read_d(f, "d.last", &m);
    assert_int_equal(n, 4);
    assert_int_equal(m, 4);
    for (int k = 0; k < 4; k++) {
        assert_true(fabs(a[k] - (-1 + 2.0 * k / 9)) < 1e-15);
        assert_true(fabs(b[k] - (-1 + 2.0 * (k + 6) / 9)) < 1e-15);
    }
    free(a);
    free(b);
    double *l = read_d(f, "n.num_batches_tracked", &n);
    assert_true(l[0] == 7 && l[1] == -3 && l[2] == ldexp(1, 40));
    free(l);
    double *h = read_d(f, "h", &n);
    assert_true(h[0] == 1.5 && h[1] == -2.0 && h[2] == 65504.0 && h[3] == ldexp(1, -24));
    free(h);
    long wi = loader_find(f, "conv.weight");
    assert_int_equal(f->tensors[loader_find(f, "h")].dtype, DT_F16);
    assert_int_equal(f->tensors[loader_find(f, "d.first")].dtype, DT_F64);
    /* The APoT sibling alpha. */
    double alpha = 0;
    assert_int_equal(loader_sibling_alpha(f, (size_t)wi, &alpha), 0);
    assert_true(alpha == 3.25);
    assert_int_equal(loader_sibling_alpha(f, (size_t)loader_find(f, "fc.weight"), &alpha), -1);
    assert_int_equal(loader_sibling_alpha(f, (size_t)loader_find(f, "h"), &alpha), -1);
    loader_close(f);
}

static void test_torch_zip(void **state)
{
    (void)state;
    check_torch("W_zip.pt");
}

static void test_torch_legacy(void **state)
{
    (void)state;
    check_torch("W_legacy.pt");
}

static void test_gguf(void **state)
{
    (void)state;
    loader_file *f = open_ok("W.gguf");
    assert_string_equal(meta(f, "general.architecture"), "test");
    assert_string_equal(meta(f, "general.alignment"), "64");
    assert_non_null(strstr(meta(f, "tokenizer.tokens"), "string x 5"));
    static const char *const q[] = { "q8", "q4" };
    for (int k = 0; k < 2; k++) {
        uint64_t n, m;
        double *v = read_d(f, q[k], &n);
        char *en = util_asprintf("%s_expected.npy", q[k]);
        loader_file *e = open_ok(en);
        double *ev = read_d(e, f == NULL ? "" : (k ? "q4_expected" : "q8_expected"), &m);
        assert_int_equal(n, 256);
        assert_int_equal(m, 256);
        long i = loader_find(f, q[k]);
        assert_int_equal(f->tensors[i].shape[0], 4);
        assert_int_equal(f->tensors[i].shape[1], 64);
        for (uint64_t j = 0; j < n; j++)
            if (v[j] != ev[j])
                fail_msg("%s[%llu]: %.9g, numpy says %.9g", q[k], (unsigned long long)j, v[j], ev[j]);
        free(v);
        free(ev);
        free(en);
        loader_close(e);
    }
    long k6 = loader_find(f, "k6");
    assert_true(k6 >= 0);
    assert_int_equal(f->tensors[k6].readable, 0);
    assert_string_equal(f->tensors[k6].type_note, "Q6_K");
    float x;
    util_err err = { { 0 } };
    assert_int_equal(loader_read(f, (size_t)k6, &x, 0, &err), -1);
    assert_non_null(strstr(err.msg, "Q6_K"));
    loader_close(f);
}

static void expect_refused(const char *file, const char *what)
{
    char *p = fx(file);
    util_err err = { { 0 } };
    loader_file *f = loader_open(p, NULL, &err);
    if (f)
        fail_msg("%s opened", p);
    if (!strstr(err.msg, p) || !strstr(err.msg, what))
        fail_msg("%s: message \"%s\" lacks \"%s\"", file, err.msg, what);
    free(p);
}

static void test_broken_corpus(void **state)
{
    (void)state;
    expect_refused("bad_os_system.pt", "posix.system");
    expect_refused("bad_os_system_legacy.pt", "posix.system");
    expect_refused("bad_zipbomb.npz", "zip bomb");
    expect_refused("bad_overlap.safetensors", "b: data_offsets [8, 24] overlap");
    expect_refused("bad_gap.safetensors", "gap");
    expect_refused("bad_pastend.safetensors", "b: data_offsets [16, 4016] go past the end");
    expect_refused("bad_shape_overflow.safetensors", "a: the shape overflows");
    expect_refused("bad_wrong_length.safetensors", "a: data_offsets [0, 16] hold 16 bytes");
    expect_refused("bad_pastend.gguf", "W: data");
    expect_refused("bad_counts.gguf", "more than a 24-byte file can hold");
    expect_refused("bad_legacy_count.pt", "storage '0'");
}

/* Every prefix of every good fixture is refused with a message naming the
 * file (a truncation at every structural boundary, and everywhere else). */
static void test_truncated_everywhere(void **state)
{
    (void)state;
    static const char *const files[] = { "W.npy", "W_stored.npz", "W_deflate.npz", "W.safetensors",
                                         "W_zip.pt", "W_legacy.pt", "W.gguf" };
    char *dir = tu_mkdtemp();
    for (size_t c = 0; c < sizeof files / sizeof files[0]; c++) {
        char *p = fx(files[c]);
        FILE *fp = fopen(p, "rb");
        assert_non_null(fp);
        unsigned char buf[8192];
        size_t len = fread(buf, 1, sizeof buf, fp);
        fclose(fp);
        assert_true(len < sizeof buf);
        const char *ext = strrchr(files[c], '.');
        char *tn = util_asprintf("cut%s", ext);
        char *tp = tu_path(dir, tn);
        for (size_t cut = 0; cut < len; cut++) {
            tu_write(tp, buf, cut);
            util_err err = { { 0 } };
            loader_file *f = loader_open(tp, NULL, &err);
            if (f)
                fail_msg("%s cut to %zu bytes still opens", files[c], cut);
            if (!strstr(err.msg, tp))
                fail_msg("%s cut to %zu: message \"%s\" does not name the file", files[c], cut, err.msg);
        }
        free(tn);
        free(tp);
        free(p);
    }
    tu_rmdir(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_tensor_every_format),
        cmocka_unit_test(test_npz_listing),
        cmocka_unit_test(test_safetensors_meta_sharded),
        cmocka_unit_test(test_torch_zip),
        cmocka_unit_test(test_torch_legacy),
        cmocka_unit_test(test_gguf),
        cmocka_unit_test(test_broken_corpus),
        cmocka_unit_test(test_truncated_everywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
