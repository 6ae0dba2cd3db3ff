/*
 * test_stquant.c - quantized safetensors (io/stquant.h) against the
 * fixtures of tests/lib/gen_stquant_fixtures.py: each logical tensor's values,
 * bit for bit, equal the values the generator computed from the integers
 * and scales it packed (every code drawn at random; the generator asserts
 * that the swapped nibble order of each format decodes to something else,
 * so a decoder with the wrong order fails here). Also: the parts are gone
 * from the list, the logical name and shape are the module's, the stored
 * type and bits per weight from the bytes, ranged reads equal whole reads
 * at every split, and each broken variant is listed unreadable with a
 * message naming the part.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "io/loader.h"

static loader_file *open_ok(const char *name)
{
    char *rel = util_asprintf("stq/%s", name);
    loader_file *f = tu_open_fixture(rel);
    free(rel);
    return f;
}

static float *npy_floats(const char *name, const loader_tensor **shape_of, loader_file **keep)
{
    loader_file *e = open_ok(name);
    assert_int_equal(e->ntensors, 1);
    uint64_t n = e->tensors[0].count;
    float *v = calloc(n ? n : 1, sizeof *v);
    util_err err = { { 0 } };
    if (loader_read(e, 0, v, 0, &err) < 0)
        fail_msg("%s", err.msg);
    *shape_of = &e->tensors[0];
    *keep = e;
    return v;
}

typedef struct tcase {
    const char *dir, *tensor, *type;
    double bpw;              /* 0: not checked */
} tcase;

/* bits per weight from the bytes each fixture stores (see the generator) */
static const tcase cases[] = {
    { "fp8", "model.layers.0.mlp.up_proj.weight", "fp8_e4m3-b128x128", (60000 + 2 * 3 * 4) * 8.0 / 60000 },
    { "fp8", "model.layers.0.mlp.down_proj.weight", "fp8_e5m2-b128x128", (16770 + 2 * 2 * 4) * 8.0 / 16770 },
    { "fp8", "model.norm.weight", NULL, 0 },
    /* qweight 384*8*4 + qzeros 3*8*4 + scales 3*64*2 bytes */
    { "awq", "model.layers.0.self_attn.q_proj.weight", "awq-int4-g128", (12288 + 96 + 384) * 8.0 / 24576 },
    { "awq", "model.layers.0.self_attn.o_proj.weight", "awq-int4-g128", (12288 + 96 + 384) * 8.0 / 24576 },
    /* qweight 32*64*4 + qzeros 4*8*4 + scales 4*64*2 + g_idx 256*4 */
    { "gptq", "model.layers.1.mlp.gate_proj.weight", "gptq-int4-g64-act", (8192 + 128 + 512 + 1024) * 8.0 / 16384 },
    { "gptq", "model.layers.1.mlp.gate_proj.bias", NULL, 0 },
    { "gptq8", "model.layers.1.mlp.gate_proj.weight", "gptq-int8-g128", (16384 + 128 + 256) * 8.0 / 16384 },
    /* 3 bits (AutoGPTQ's layout across words): qweight 9*64*4 + qzeros 3*6*4 + scales 3*64*2 */
    { "gptq3", "model.layers.2.mlp.up_proj.weight", "gptq-int3-g32", (2304 + 72 + 384) * 8.0 / 6144 },
    { "ct_int4", "model.layers.0.self_attn.k_proj.weight", "int4-pack-g32", (48 * 13 * 4 + 48 * 4 * 2 + 16) * 8.0 / 4800 },
    { "ct_int4", "model.layers.0.self_attn.v_proj.weight", "int4-pack-g32", 0 },
    { "ct_int4", "model.layers.0.self_attn.q_proj.weight", "int4-pack-g32", 0 },
    /* packed 48*13*4 + scales 48*4*2 + shape 16 + g_idx 100*4 */
    { "ct_int4", "model.layers.0.self_attn.o_proj.weight", "int4-pack-g32-act", (48 * 13 * 4 + 48 * 4 * 2 + 16 + 400) * 8.0 / 4800 },
    { "ct_int8", "model.layers.2.mlp.up_proj.weight", "int8-pack-ch", (16 * 10 * 4 + 16 * 4 + 8) * 8.0 / 640 },
    { "ct_fp8", "model.layers.0.mlp.gate_proj.weight", "fp8_e4m3-ch", (1728 + 24 * 4) * 8.0 / 1728 },
    { "ct_fp8", "model.layers.0.mlp.up_proj.weight", "fp8_e4m3", (128 + 4) * 8.0 / 128 },
    { "bnb", "model.layers.0.mlp.down_proj.weight", "nf4-b64", 0 },
    { "bnb", "model.layers.0.mlp.up_proj.weight", "fp4-b64", 0 },
    { "bnb", "model.layers.0.mlp.gate_proj.weight", "nf4-b64", 0 },
    /* NVFP4: packed 12*32 + e4m3 scales 12*4 + global scale 4 bytes */
    { "nvfp4", "model.layers.0.mlp.down_proj.weight", "nvfp4-g16", (384 + 48 + 4) * 8.0 / 768 },
    /* LLM.int8: int8 400 + SCB 10*4 + weight_format 1 bytes */
    { "bnb8", "model.layers.0.self_attn.k_proj.weight", "llm-int8", (400 + 40 + 1) * 8.0 / 400 },
    { "mxfp4", "model.layers.0.mlp.experts.gate_up_proj", "mxfp4", 4.25 },
    { "mxfp4", "model.layers.0.mlp.experts.down_proj", "mxfp4", 4.25 },
};

static int same_bits(float a, float b)
{
    uint32_t x, y;
    memcpy(&x, &a, 4);
    memcpy(&y, &b, 4);
    return x == y;
}

static void test_values(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const tcase *tc = &cases[c];
        char *mp = util_asprintf("%s/model.safetensors", tc->dir);
        loader_file *f = open_ok(mp);
        long i = loader_find(f, tc->tensor);
        if (i < 0)
            fail_msg("%s: no tensor %s", mp, tc->tensor);
        const loader_tensor *t = &f->tensors[i];
        if (!t->readable)
            fail_msg("%s: %s not readable: %s", mp, tc->tensor, t->type_note);
        if (tc->type) {
            if (!t->stored_type || strcmp(t->stored_type, tc->type) != 0)
                fail_msg("%s: %s: stored type %s, expected %s", mp, tc->tensor,
                         t->stored_type ? t->stored_type : "(plain)", tc->type);
            assert_int_equal(t->dtype, DT_F32);
        } else
            assert_null(t->stored_type);
        if (tc->bpw && (t->stored_bpw < tc->bpw - 1e-9 || t->stored_bpw > tc->bpw + 1e-9))
            fail_msg("%s: %s: stored_bpw %.9g, expected %.9g", mp, tc->tensor, t->stored_bpw, tc->bpw);
        char *en = util_asprintf("%s/%s.npy", tc->dir, tc->tensor);
        const loader_tensor *et;
        loader_file *ef;
        float *ev = npy_floats(en, &et, &ef);
        assert_int_equal(t->ndim, et->ndim);
        for (int k = 0; k < t->ndim; k++)
            if (t->shape[k] != et->shape[k])
                fail_msg("%s: %s: shape[%d] %llu, expected %llu", mp, tc->tensor, k,
                         (unsigned long long)t->shape[k], (unsigned long long)et->shape[k]);
        uint64_t n = t->count;
        float *v = calloc(n, sizeof *v), *r = calloc(n, sizeof *r);
        double *vd = calloc(n, sizeof *vd);
        util_err err = { { 0 } };
        if (loader_read(f, (size_t)i, v, 0, &err) < 0 || loader_read(f, (size_t)i, vd, 1, &err) < 0)
            fail_msg("%s", err.msg);
        for (uint64_t j = 0; j < n; j++) {
            if (!same_bits(v[j], ev[j]))
                fail_msg("%s: %s[%llu] = %.9g, the generator says %.9g", mp, tc->tensor, (unsigned long long)j,
                         v[j], ev[j]);
            if (!same_bits((float)vd[j], ev[j]) || vd[j] != (double)v[j])
                fail_msg("%s: %s[%llu] as double: %.17g", mp, tc->tensor, (unsigned long long)j, vd[j]);
        }
        /* ranged reads (the report's chunked source) at odd splits */
        if (t->stored_type) {
            tu_rng rg = { 1000 + c };
            for (int rep = 0; rep < 40; rep++) {
                uint64_t a = tu_next(&rg) % n, len = 1 + tu_next(&rg) % (n - a);
                memset(r, 0xff, n * sizeof *r);
                assert_int_equal(loader_read_range(f, (size_t)i, a, len, r), 0);
                for (uint64_t j = 0; j < len; j++)
                    if (!same_bits(r[j], ev[a + j]))
                        fail_msg("%s: %s: range [%llu, +%llu) element %llu differs", mp, tc->tensor,
                                 (unsigned long long)a, (unsigned long long)len, (unsigned long long)j);
            }
            assert_int_equal(loader_read_range(f, (size_t)i, n, 1, r), -1);
        } else
            assert_int_equal(loader_has_range(f, (size_t)i), 0);
        free(v);
        free(r);
        free(vd);
        free(ev);
        loader_close(ef);
        free(en);
        loader_close(f);
        free(mp);
    }
}

/* A sharded model: one weight's parts in two shards, the config beside
 * the index; opened as the directory and as the index file. */
static void test_sharded(void **state)
{
    (void)state;
    const char *names[] = { "sharded_awq", "sharded_awq/model.safetensors.index.json" };
    for (int k = 0; k < 2; k++) {
        loader_file *f = open_ok(names[k]);
        assert_int_equal(f->ntensors, 1);
        const loader_tensor *t = &f->tensors[0];
        assert_string_equal(t->name, "model.layers.3.mlp.down_proj.weight");
        assert_string_equal(loader_dtype_name(t), "awq-int4-g64");
        const loader_tensor *et;
        loader_file *ef;
        float *ev = npy_floats("sharded_awq/model.layers.3.mlp.down_proj.weight.npy", &et, &ef);
        assert_int_equal(t->count, et->count);
        assert_int_equal(t->shape[0], 16);
        assert_int_equal(t->shape[1], 128);
        float *v = calloc(t->count, sizeof *v);
        util_err err = { { 0 } };
        if (loader_read(f, 0, v, 0, &err) < 0)
            fail_msg("%s", err.msg);
        for (uint64_t j = 0; j < t->count; j++)
            if (!same_bits(v[j], ev[j]))
                fail_msg("sharded_awq[%llu] = %.9g, the generator says %.9g", (unsigned long long)j, v[j], ev[j]);
        free(v);
        free(ev);
        loader_close(ef);
        loader_close(f);
    }
}

/* The parts are gone: each fixture lists exactly its logical tensors. */
static void test_parts_merged(void **state)
{
    (void)state;
    static const struct { const char *dir; size_t n; } want[] = {
        { "fp8", 3 }, { "awq", 2 }, { "gptq", 2 }, { "gptq8", 2 }, { "ct_int4", 4 },
        { "ct_int8", 1 }, { "ct_fp8", 2 }, { "bnb", 3 }, { "mxfp4", 2 },
    };
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        char *mp = util_asprintf("%s/model.safetensors", want[k].dir);
        loader_file *f = open_ok(mp);
        if (f->ntensors != want[k].n)
            fail_msg("%s: %zu tensors listed, expected %zu (first: %s)", mp, f->ntensors, want[k].n,
                     f->tensors[0].name);
        for (size_t i = 0; i < f->ntensors; i++) {
            const char *nm = f->tensors[i].name;
            assert_null(strstr(nm, "qweight"));
            assert_null(strstr(nm, "_scale"));
            assert_null(strstr(nm, "absmax"));
            assert_null(strstr(nm, "_blocks"));
            assert_int_equal(loader_find(f, nm), (long)i);
        }
        loader_close(f);
        free(mp);
    }
}

/* Broken variants: listed, not readable, the message names the part. */
static void test_broken(void **state)
{
    (void)state;
    static const struct { const char *file, *tensor, *msg; } bad[] = {
        { "bad/awq_noscales.safetensors", "m.weight", "m.scales is missing" },
        { "bad/awq_shape.safetensors", "m.weight", "shapes do not fit: qweight [128, 8] (out 64, in 128), scales [1, 60]" },
        { "bad/fp8_scale_shape.safetensors", "w.weight", "w.weight_scale_inv has shape [1, 3] but 128x128 tiles of [200, 300] need [2, 3]" },
        { "bad/bnb_lying.safetensors", "l.weight", "l.weight holds 1000 bytes of uint8 but the quant_state shape needs 5000 packed bytes" },
        { "bad/bnb_notjson.safetensors", "l.weight", "l.weight.quant_state.bitsandbytes__nf4 is not a JSON object" },
        { "bad/mxfp4_noscales.safetensors", "e.down_proj", "e.down_proj_scales is missing" },
        { "bad/mxfp4_shape.safetensors", "e.down_proj", "e.down_proj_scales is uint8 [2, 3, 3] but the blocks [2, 3, 2, 16] need uint8 [2, 3, 2]" },
        { "bad/gptq_gidx.safetensors", "g.weight", "g.g_idx[77] = 9 names no group (there are 2)" },
        { "bad/ct_words.safetensors", "c.weight", "c.weight_packed has shape [8, 5]: no code width of 2, 4 or 8 bits packs [8, 64] into it" },
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        loader_file *f = open_ok(bad[k].file);
        long i = loader_find(f, bad[k].tensor);
        if (i < 0)
            fail_msg("%s: no tensor %s", bad[k].file, bad[k].tensor);
        const loader_tensor *t = &f->tensors[i];
        assert_int_equal(t->readable, 0);
        if (!t->type_note || !strstr(t->type_note, bad[k].msg))
            fail_msg("%s: note '%s', expected '%s'", bad[k].file, t->type_note ? t->type_note : "(none)",
                     bad[k].msg);
        float x[8];
        util_err err = { { 0 } };
        assert_int_equal(loader_read(f, (size_t)i, x, 0, &err), -1);
        if (!strstr(err.msg, bad[k].tensor) || !strstr(err.msg, bad[k].msg))
            fail_msg("%s: read error '%s'", bad[k].file, err.msg);
        assert_int_equal(loader_read_range(f, (size_t)i, 0, 1, x), -1);
        loader_close(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_parts_merged),
        cmocka_unit_test(test_sharded),
        cmocka_unit_test(test_broken),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
