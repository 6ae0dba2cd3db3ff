/*
 * test_io.c - the file formats of issue 4 (.npz, .safetensors, sharded
 * models, PyTorch zip and legacy checkpoints, GGUF).
 *
 * Fixtures come from tests/lib/gen_io_fixtures.py (numpy + the standard pickle
 * module); expected values are the reference .npy arrays numpy wrote, or
 * hand-written constants, never apotview output. The issue-10 tests make
 * their inputs here: a 200,000-tensor model written byte by byte, and
 * copies of the zip fixtures with one byte flipped where this file's own
 * reading of the zip local headers says a member's data lies.
 */
#include "config.h"
#include "testutil.h"
#include "io/loader.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


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
    loader_file *ref = tu_open_fixture("W.npy");
    uint64_t n0;
    float *w0 = read_f(ref, "W", &n0);
    assert_int_equal(n0, 8 * 4 * 3 * 3);
    static const struct { const char *file, *tensor; } cases[] = {
        { "W_stored.npz", "W" }, { "W_deflate.npz", "W" }, { "W.safetensors", "W" },
        { "sharded", "W" }, { "sharded/model.safetensors.index.json", "W" },
        { "W_zip.pt", "conv.weight" }, { "W_legacy.pt", "conv.weight" }, { "W.gguf", "W" },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        loader_file *f = tu_open_fixture(cases[c].file);
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
    loader_file *f = tu_open_fixture("W_deflate.npz");
    assert_int_equal(f->ntensors, 2);
    uint64_t n;
    double *b = read_d(f, "b", &n);
    assert_int_equal(n, 8);
    for (int k = 0; k < 8; k++)
        assert_true(b[k] == k);
    free(b);
    loader_close(f);
    /* The real face-api archive: 8 filters, the README's shape. */
    f = tu_open_fixture("real/faceapi_facerec_conv64_deflate.npz");
    assert_int_equal(f->ntensors, 8);
    long i = loader_find(f, "conv64_down.conv1.conv.filters");
    assert_true(i >= 0);
    assert_int_equal(f->tensors[i].count, 18432);
    loader_close(f);
}

static void test_safetensors_meta_sharded(void **state)
{
    (void)state;
    loader_file *f = tu_open_fixture("W.safetensors");
    assert_string_equal(meta(f, "format"), "pt");
    assert_string_equal(meta(f, "source"), "apotview tests");
    loader_close(f);
    f = tu_open_fixture("sharded");
    assert_int_equal(f->ntensors, 3);
    uint64_t n;
    double *h = read_d(f, "h", &n);
    assert_int_equal(n, 4);
    assert_true(h[0] == 1.5 && h[1] == -2.0 && h[2] == 65504.0 && h[3] == ldexp(1, -24));
    free(h);
    assert_non_null(meta(f, "total_size"));
    loader_close(f);
    /* A real file from another writer (silero-vad). */
    f = tu_open_fixture("real/upstream_silero_vad_16k.safetensors");
    long i = loader_find(f, "stft_conv.weight");
    assert_true(i >= 0);
    assert_int_equal(f->tensors[i].shape[0], 258);
    assert_int_equal(f->tensors[i].shape[2], 256);
    loader_close(f);
}

static void check_torch(const char *file)
{
    loader_file *f = tu_open_fixture(file);
    /* {'epoch', 'best_prec', 'arch', 'state_dict'}: state_dict unwrapped,
     * its _metadata (a BUILD state) ignored, scalars shown. */
    assert_string_equal(meta(f, "epoch"), "90");
    assert_string_equal(meta(f, "best_prec"), "0.7125");
    assert_string_equal(meta(f, "arch"), "'resnet20'");
    assert_int_equal(f->ntensors, 7);
    uint64_t n, m;
    /* fc.weight: a transposed view (size (4, 6), stride (1, 4)). */
    double *fc = read_d(f, "fc.weight", &n);
    loader_file *e = tu_open_fixture("fc_weight_expected.npy");
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
    loader_file *f = tu_open_fixture("W.gguf");
    assert_string_equal(meta(f, "general.architecture"), "test");
    assert_string_equal(meta(f, "general.alignment"), "64");
    assert_non_null(strstr(meta(f, "tokenizer.tokens"), "string x 5"));
    static const char *const q[] = { "q8", "q4" };
    for (int k = 0; k < 2; k++) {
        uint64_t n, m;
        double *v = read_d(f, q[k], &n);
        char *en = util_asprintf("%s_expected.npy", q[k]);
        loader_file *e = tu_open_fixture(en);
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
    /* k6: one Q6_K block of zero bytes (d = 0): readable now, all zeros */
    long k6 = loader_find(f, "k6");
    assert_true(k6 >= 0);
    assert_int_equal(f->tensors[k6].readable, 1);
    assert_string_equal(f->tensors[k6].stored_type, "q6_k");
    uint64_t n;
    double *z = read_d(f, "k6", &n);
    for (uint64_t j = 0; j < n; j++)
        assert_true(z[j] == 0);
    free(z);
    loader_close(f);
}

/* Issue 14: every GGUF block type. tests/data/io/gguf/TYPE.gguf holds
 * 'real' (weights encoded by the generator's simple quantizer) and
 * 'random' (blocks of random bits); TYPE.real.npy / TYPE.random.npy are
 * the values the generator's numpy decoder (written from the published
 * layouts) gives. Every value must match bit for bit, as float and as
 * double. */
static const char *const gguf_types[] = { "q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "q8_1", "q2_k", "q3_k",
                                          "q4_k", "q5_k", "q6_k", "q8_k", "iq4_nl", "iq4_xs", "tq1_0",
                                          "tq2_0", "mxfp4" };
static const double gguf_bpw[] = { 4.5, 5, 5.5, 6, 8.5, 9, 2.625, 3.4375, 4.5, 5.5, 6.5625, 9.125, 4.5,
                                   4.25, 1.6875, 2.0625, 4.25 };
#define NGGUF_TYPES (sizeof gguf_types / sizeof gguf_types[0])

/* Values of the only tensor of an .npy as float (count in *n). */
static float *npy_floats(const char *name, uint64_t *n)
{
    loader_file *e = tu_open_fixture(name);
    assert_int_equal(e->ntensors, 1);
    *n = e->tensors[0].count;
    float *v = calloc(*n ? *n : 1, sizeof *v);
    util_err err = { { 0 } };
    if (loader_read(e, 0, v, 0, &err) < 0)
        fail_msg("%s", err.msg);
    loader_close(e);
    return v;
}

static void check_bits(const char *what, const float *v, const double *vd, const float *ev, uint64_t n)
{
    for (uint64_t j = 0; j < n; j++) {
        uint32_t a, b;
        memcpy(&a, &v[j], 4);
        memcpy(&b, &ev[j], 4);
        if (a != b)
            fail_msg("%s[%llu]: %.9g (0x%08x), numpy says %.9g (0x%08x)", what, (unsigned long long)j, v[j],
                     a, ev[j], b);
        double e = ev[j];
        if (memcmp(&vd[j], &e, sizeof e) != 0)
            fail_msg("%s[%llu] as double: %.17g, numpy says %.17g", what, (unsigned long long)j, vd[j], e);
    }
}

static void test_gguf_every_type(void **state)
{
    (void)state;
    for (size_t k = 0; k < NGGUF_TYPES; k++) {
        char *gn = util_asprintf("gguf/%s.gguf", gguf_types[k]);
        loader_file *f = tu_open_fixture(gn);
        assert_int_equal(f->ntensors, 2);
        static const char *const which[] = { "real", "random" };
        for (int w = 0; w < 2; w++) {
            long i = loader_find(f, which[w]);
            assert_true(i >= 0);
            const loader_tensor *t = &f->tensors[i];
            if (!t->stored_type || strcmp(t->stored_type, gguf_types[k]) != 0)
                fail_msg("%s: stored_type %s", gn, t->stored_type ? t->stored_type : "NULL");
            assert_string_equal(loader_dtype_name(t), gguf_types[k]);
            assert_int_equal(t->dtype, DT_F32);
            assert_int_equal(t->readable, 1);
            assert_null(t->type_note);
            if (t->stored_bpw != gguf_bpw[k])
                fail_msg("%s: stored_bpw %g, expected %g", gn, t->stored_bpw, gguf_bpw[k]);
            char *en = util_asprintf("gguf/%s.%s.npy", gguf_types[k], which[w]);
            uint64_t n, m;
            float *ev = npy_floats(en, &m);
            float *v = read_f(f, which[w], &n);
            double *vd = read_d(f, which[w], &n);
            assert_int_equal(n, m);
            char *what = util_asprintf("%s:%s", gn, which[w]);
            check_bits(what, v, vd, ev, n);
            free(what);
            free(v);
            free(vd);
            free(ev);
            free(en);
        }
        /* C-order shapes: ggml ne reversed */
        const loader_tensor *r = &f->tensors[loader_find(f, "random")];
        assert_int_equal(r->ndim, 2);
        assert_int_equal(r->shape[0], 3);
        loader_close(f);
        free(gn);
    }
}

static void test_gguf_plain_types(void **state)
{
    (void)state;
    loader_file *f = tu_open_fixture("gguf/plain.gguf");
    static const struct { const char *name; dtype_id dt; } p[] = {
        { "f32", DT_F32 }, { "f16", DT_F16 }, { "i8", DT_I8 }, { "i16", DT_I16 }, { "i32", DT_I32 },
        { "i64", DT_I64 }, { "f64", DT_F64 }, { "bf16", DT_BF16 },
    };
    for (size_t k = 0; k < sizeof p / sizeof p[0]; k++) {
        long i = loader_find(f, p[k].name);
        assert_true(i >= 0);
        const loader_tensor *t = &f->tensors[i];
        assert_int_equal(t->dtype, p[k].dt);
        assert_null(t->stored_type);   /* plain: numpy names */
        assert_string_equal(loader_dtype_name(t), dtype_name(p[k].dt));
        uint64_t n, m;
        double *v = read_d(f, p[k].name, &n);
        char *en = util_asprintf("gguf/plain.%s.npy", p[k].name);
        loader_file *e = tu_open_fixture(en);
        double *ev = calloc(e->tensors[0].count, sizeof *ev);
        util_err err = { { 0 } };
        assert_int_equal(loader_read(e, 0, ev, 1, &err), 0);
        m = e->tensors[0].count;
        assert_int_equal(n, m);
        for (uint64_t j = 0; j < n; j++)
            if (memcmp(&v[j], &ev[j], sizeof v[j]) != 0)
                fail_msg("plain %s[%llu]: %.17g, numpy says %.17g", p[k].name, (unsigned long long)j, v[j], ev[j]);
        loader_rawview rv;
        assert_int_equal(loader_raw(f, (size_t)i, &rv), 0);   /* plain data: a raw view */
        loader_close(e);
        free(en);
        free(v);
        free(ev);
    }
    loader_close(f);
}

/* An unknown type id and a type apotview does not decode are listed with a
 * reason; the tensors around them still read. */
static void test_gguf_unknown_type(void **state)
{
    (void)state;
    loader_file *f = tu_open_fixture("gguf/unknown.gguf");
    assert_int_equal(f->ntensors, 4);
    long u = loader_find(f, "mystery"), g = loader_find(f, "grid");
    assert_true(u >= 0 && g >= 0);
    assert_int_equal(f->tensors[u].readable, 0);
    assert_string_equal(f->tensors[u].type_note, "ggml type 99 unknown to apotview");
    assert_int_equal(f->tensors[u].shape[0], 64);
    assert_int_equal(f->tensors[g].readable, 0);
    assert_string_equal(f->tensors[g].stored_type, "iq2_xxs");
    assert_non_null(strstr(f->tensors[g].type_note, "iq2_xxs"));
    float x[256];
    util_err err = { { 0 } };
    assert_int_equal(loader_read(f, (size_t)u, x, 0, &err), -1);
    assert_non_null(strstr(err.msg, "ggml type 99 unknown to apotview"));
    assert_non_null(strstr(err.msg, "mystery"));
    uint64_t n, m;
    float *a = read_f(f, "a", &n);
    double *ad = read_d(f, "a", &n);
    float *ea = npy_floats("gguf/unknown.a.npy", &m);
    assert_int_equal(n, m);
    check_bits("unknown.gguf:a", a, ad, ea, n);
    double *b = read_d(f, "b", &n);
    for (uint64_t j = 0; j < 8; j++)
        assert_true(b[j] == (double)j);
    free(a);
    free(ad);
    free(ea);
    free(b);
    loader_close(f);
}


static void test_broken_corpus(void **state)
{
    (void)state;
    tu_expect_refused("bad_os_system.pt", "posix.system");
    tu_expect_refused("bad_os_system_legacy.pt", "posix.system");
    tu_expect_refused("bad_zipbomb.npz", "zip bomb");
    tu_expect_refused("bad_overlap.safetensors", "b: data_offsets [8, 24] overlap");
    tu_expect_refused("bad_gap.safetensors", "gap");
    tu_expect_refused("bad_pastend.safetensors", "b: data_offsets [16, 4016] go past the end");
    tu_expect_refused("bad_shape_overflow.safetensors", "a: the shape overflows");
    tu_expect_refused("bad_wrong_length.safetensors", "a: data_offsets [0, 16] hold 16 bytes");
    tu_expect_refused("bad_pastend.gguf", "W: data");
    tu_expect_refused("bad_counts.gguf", "more than a 24-byte file can hold");
    tu_expect_refused("bad_legacy_count.pt", "storage '0'");
    tu_expect_refused("gguf/bad_pastend_q4_k.gguf", "big: data [0, +144000) at offset");
    tu_expect_refused("gguf/bad_overlap.gguf", "b: data at offset 160 (144 bytes) overlaps a at offset 96");
    tu_expect_refused("gguf/bad_rows.gguf", "r: rows of 100 elements are not whole q4_k blocks of 256");
}

/* Every prefix of every good fixture is refused with a message naming the
 * file (a truncation at every structural boundary, and everywhere else). */
static void test_truncated_everywhere(void **state)
{
    (void)state;
    static const char *const files[] = { "W.npy", "W_stored.npz", "W_deflate.npz", "W.safetensors",
                                         "W_zip.pt", "W_legacy.pt", "W.gguf", "gguf/q4_0.gguf",
                                         "gguf/q4_1.gguf", "gguf/q5_0.gguf", "gguf/q5_1.gguf",
                                         "gguf/q8_0.gguf", "gguf/q8_1.gguf", "gguf/q2_k.gguf",
                                         "gguf/q3_k.gguf", "gguf/q4_k.gguf", "gguf/q5_k.gguf",
                                         "gguf/q6_k.gguf", "gguf/q8_k.gguf", "gguf/iq4_nl.gguf",
                                         "gguf/iq4_xs.gguf", "gguf/tq1_0.gguf", "gguf/tq2_0.gguf",
                                         "gguf/mxfp4.gguf", "gguf/plain.gguf", "gguf/unknown.gguf" };
    char *dir = tu_mkdtemp();
    for (size_t c = 0; c < sizeof files / sizeof files[0]; c++) {
        char *p = tu_io_fixture(files[c]);
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


/* ---- issue 10: many tensors ------------------------------------------- */

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (b->p && (size_t)k < b->cap - b->n) {
            b->n += (size_t)k;
            return;
        }
        b->cap = b->cap ? 2 * b->cap : 1 << 16;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
}

/* A safetensors file of one-element F32 tensors t<first> .. t<first+n-1>
 * (value = the number in the name), plus `extra` (value -1) unless NULL. */
static void write_many(const char *path, size_t first, size_t n, const char *extra)
{
    sbuf h = { 0 };
    size_t nt = n + (extra != NULL);
    sb_add(&h, "{");
    for (size_t i = 0; i < nt; i++) {
        char nm[32];
        if (i < n)
            snprintf(nm, sizeof nm, "t%zu", first + i);
        sb_add(&h, "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[%zu,%zu]}",
               i ? "," : "", i < n ? nm : extra, 4 * i, 4 * i + 4);
    }
    sb_add(&h, "}");
    while (h.n % 8)
        sb_add(&h, " ");
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    unsigned char len[8];
    for (int k = 0; k < 8; k++)
        len[k] = (unsigned char)((uint64_t)h.n >> (8 * k));
    fwrite(len, 1, 8, fp);
    fwrite(h.p, 1, h.n, fp);
    for (size_t i = 0; i < nt; i++) {
        float v = i < n ? (float)(first + i) : -1.0f;
        fwrite(&v, sizeof v, 1, fp); /* little-endian hosts only, as the fixtures */
    }
    fclose(fp);
    free(h.p);
}

static double secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* 200,000 tensors: all listed, every lookup right, duplicates still found
 * (across shards). Opening was quadratic in the tensor count (minutes for
 * this file); the bound below is only a generous sanity limit. */
static void test_many_tensors(void **state)
{
    (void)state;
    enum { N = 200000 };
    char *dir = tu_mkdtemp();
    char *p = tu_path(dir, "many.safetensors");
    write_many(p, 0, N, NULL);
    util_err err = { { 0 } };
    double t0 = secs();
    loader_file *f = loader_open(p, NULL, &err);
    double dt = secs() - t0;
    if (!f)
        fail_msg("%s", err.msg);
    assert_int_equal(f->ntensors, N);
    static const size_t probe[] = { 0, 1, 9, 10, 99999, 123456, N - 1 };
    for (size_t k = 0; k < sizeof probe / sizeof probe[0]; k++) {
        char nm[32];
        snprintf(nm, sizeof nm, "t%zu", probe[k]);
        long i = loader_find(f, nm);
        assert_int_equal(i, (long)probe[k]);
        assert_string_equal(f->tensors[i].name, nm);
        float v;
        assert_int_equal(loader_read(f, (size_t)i, &v, 0, &err), 0);
        assert_true(v == (float)probe[k]);
    }
    assert_int_equal(loader_find(f, "t200000"), -1);
    assert_int_equal(loader_find(f, "t"), -1);
    assert_int_equal(loader_find(f, ""), -1);
    loader_close(f);
    if (dt > 60)
        fail_msg("opening %d tensors took %.1f s", N, dt);

    /* two shards of 100,000 tensors; the second also holds t77777 */
    char *a = tu_path(dir, "a.safetensors"), *b = tu_path(dir, "b.safetensors");
    write_many(a, 0, N / 2, NULL);
    write_many(b, N / 2, N / 2, "t77777");
    sbuf ix = { 0 };
    sb_add(&ix, "{\"weight_map\": {");
    for (size_t i = 0; i < N; i++)
        sb_add(&ix, "%s\"t%zu\": \"%s\"", i ? ", " : "", i, i < N / 2 ? "a.safetensors" : "b.safetensors");
    sb_add(&ix, "}}");
    char *ixp = tu_path(dir, "model.safetensors.index.json");
    tu_write(ixp, ix.p, ix.n);
    util_err_clear(&err);
    t0 = secs();
    f = loader_open(dir, NULL, &err);
    dt = secs() - t0;
    if (f)
        fail_msg("a model with t77777 in both shards opened");
    if (!strstr(err.msg, b) || !strstr(err.msg, "t77777: a tensor of this name is already in the model"))
        fail_msg("duplicate across shards: \"%s\"", err.msg);
    if (dt > 60)
        fail_msg("finding the duplicate among %d tensors took %.1f s", N, dt);
    /* without the duplicate the same model opens whole */
    write_many(b, N / 2, N / 2, NULL);
    util_err_clear(&err);
    f = loader_open(dir, NULL, &err);
    if (!f)
        fail_msg("%s", err.msg);
    assert_int_equal(f->ntensors, N);
    assert_int_equal(loader_find(f, "t150000"), 150000);
    loader_close(f);
    free(ix.p);
    free(ixp);
    free(a);
    free(b);
    free(p);
    tu_rmdir(dir);
    free(dir);
}

/* ---- issue 10: CRC-32 of zip members --------------------------------- */

static unsigned rd16(const unsigned char *p) { return p[0] | (unsigned)p[1] << 8; }
static uint32_t rd32(const unsigned char *p) { return rd16(p) | (uint32_t)rd16(p + 2) << 16; }

/* Read a fixture into memory (*len bytes, malloc'd). */
static unsigned char *slurp(const char *name, size_t *len)
{
    char *p = tu_io_fixture(name);
    FILE *fp = fopen(p, "rb");
    assert_non_null(fp);
    unsigned char *buf = malloc(1 << 16);
    *len = fread(buf, 1, 1 << 16, fp);
    assert_true(*len < (1 << 16));
    fclose(fp);
    free(p);
    return buf;
}

/* Walk the local file headers (PK\3\4; compressed size at +18, name and
 * extra lengths at +26, +28; data after them) to member `name`: its data
 * offset and compressed size. */
static void member(const unsigned char *z, size_t len, const char *name, size_t *data, size_t *csz)
{
    size_t off = 0;
    while (off + 30 <= len && rd32(z + off) == 0x04034b50) {
        size_t c = rd32(z + off + 18), nl = rd16(z + off + 26), xl = rd16(z + off + 28);
        size_t d = off + 30 + nl + xl;
        if (nl == strlen(name) && memcmp(z + off + 30, name, nl) == 0) {
            *data = d;
            *csz = c;
            return;
        }
        off = d + c;
    }
    fail_msg("no zip member %s", name);
}

/* A copy of fixture `name` in dir with byte `at` of member `mem` flipped. */
static char *flipped(const char *dir, const char *name, const char *mem, size_t at, size_t *csz)
{
    size_t len, data = 0;
    unsigned char *z = slurp(name, &len);
    member(z, len, mem, &data, csz);
    assert_true(at < *csz);
    z[data + at] ^= 0x01;
    char *p = tu_path(dir, name);
    tu_write(p, z, len);
    free(z);
    return p;
}

static void expect_read_refused(loader_file *f, const char *tensor, const char *what)
{
    long i = loader_find(f, tensor);
    assert_true(i >= 0);
    double *v = calloc(f->tensors[i].count + 1, sizeof *v);
    util_err err = { { 0 } };
    if (loader_read(f, (size_t)i, v, 1, &err) == 0)
        fail_msg("%s: %s read despite the flipped byte", f->path, tensor);
    if (!strstr(err.msg, f->path) || !strstr(err.msg, what))
        fail_msg("%s: %s: \"%s\" lacks \"%s\"", f->path, tensor, err.msg, what);
    free(v);
}

static void test_zip_crc(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    size_t csz;
    util_err err = { { 0 } };
    /* a stored .npz: the last data byte of W.npy */
    char *p = flipped(dir, "W_stored.npz", "W.npy", 1279, &csz);
    assert_int_equal(csz, 1280);
    loader_file *f = loader_open(p, NULL, &err);
    if (!f)
        fail_msg("%s", err.msg); /* the header is intact: it lists */
    expect_read_refused(f, "W", "W.npy: CRC-32 mismatch (stored 0x");
    expect_read_refused(f, "W", "): the archive is corrupt");
    uint64_t n;
    double *b = read_d(f, "b", &n); /* the other member is intact */
    for (int k = 0; k < 8; k++)
        assert_true(b[k] == k);
    free(b);
    loader_close(f);
    free(p);
    /* a deflated .npz: a byte in the middle of the compressed stream */
    p = flipped(dir, "W_deflate.npz", "W.npy", 600, &csz);
    f = loader_open(p, NULL, &err);
    if (f) {
        expect_read_refused(f, "W", "W.npy");
        loader_close(f);
    } else if (!strstr(err.msg, p))
        fail_msg("%s", err.msg);
    free(p);
    /* a .pt: the last byte of the float64 storage that d.first and d.last
     * view ([0:4] and [6:10] of 10): reading d.first, which needs only the
     * first 32 bytes, must still check the whole member */
    p = flipped(dir, "W_zip.pt", "archive/data/2", 79, &csz);
    assert_int_equal(csz, 80);
    util_err_clear(&err);
    f = loader_open(p, NULL, &err);
    if (!f)
        fail_msg("%s", err.msg);
    expect_read_refused(f, "d.first", "archive/data/2: CRC-32 mismatch");
    expect_read_refused(f, "d.last", "archive/data/2: CRC-32 mismatch");
    double *w = read_d(f, "conv.weight", &n); /* another storage: intact */
    assert_int_equal(n, 288);
    free(w);
    loader_close(f);
    free(p);
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
        cmocka_unit_test(test_gguf_every_type),
        cmocka_unit_test(test_gguf_plain_types),
        cmocka_unit_test(test_gguf_unknown_type),
        cmocka_unit_test(test_broken_corpus),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_many_tensors),
        cmocka_unit_test(test_zip_crc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
