/*
 * gguf.c - GGUF reader (gguf.h).
 *
 * priv: the file mapping. Per tensor: offset = absolute data offset,
 * priv = the ggml type id (as an integer).
 */
#include "config.h"
#include "io/gguf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ggml types: name, block size (elements), bytes per block, dtype when the
 * values are stored plainly. */
static const struct {
    int id;
    const char *name;
    unsigned blck, bytes;
    dtype_id dt;
} ggml_types[] = {
    { 0, "F32", 1, 4, DT_F32 }, { 1, "F16", 1, 2, DT_F16 },
    { 2, "Q4_0", 32, 18, DT_INVALID }, { 3, "Q4_1", 32, 20, DT_INVALID },
    { 6, "Q5_0", 32, 22, DT_INVALID }, { 7, "Q5_1", 32, 24, DT_INVALID },
    { 8, "Q8_0", 32, 34, DT_INVALID }, { 9, "Q8_1", 32, 36, DT_INVALID },
    { 10, "Q2_K", 256, 84, DT_INVALID }, { 11, "Q3_K", 256, 110, DT_INVALID },
    { 12, "Q4_K", 256, 144, DT_INVALID }, { 13, "Q5_K", 256, 176, DT_INVALID },
    { 14, "Q6_K", 256, 210, DT_INVALID }, { 15, "Q8_K", 256, 292, DT_INVALID },
    { 16, "IQ2_XXS", 256, 66, DT_INVALID }, { 17, "IQ2_XS", 256, 74, DT_INVALID },
    { 18, "IQ3_XXS", 256, 98, DT_INVALID }, { 19, "IQ1_S", 256, 50, DT_INVALID },
    { 20, "IQ4_NL", 32, 18, DT_INVALID }, { 21, "IQ3_S", 256, 110, DT_INVALID },
    { 22, "IQ2_S", 256, 82, DT_INVALID }, { 23, "IQ4_XS", 256, 136, DT_INVALID },
    { 24, "I8", 1, 1, DT_I8 }, { 25, "I16", 1, 2, DT_I16 }, { 26, "I32", 1, 4, DT_I32 },
    { 27, "I64", 1, 8, DT_I64 }, { 28, "F64", 1, 8, DT_F64 },
    { 29, "IQ1_M", 256, 56, DT_INVALID }, { 30, "BF16", 1, 2, DT_BF16 },
    { 34, "TQ1_0", 256, 54, DT_INVALID }, { 35, "TQ2_0", 256, 66, DT_INVALID },
};
#define NTYPES (sizeof ggml_types / sizeof ggml_types[0])
#define GGML_Q4_0 2
#define GGML_Q8_0 8

typedef struct rd {
    const unsigned char *d;
    uint64_t size, pos;
    const char *path;
    util_err *err;
} rd;

static int need(rd *r, uint64_t n, const char *what)
{
    if (r->size - r->pos < n) {
        util_err_set(r->err, "%s: truncated at offset %llu reading %s (needs %llu bytes, %llu left)",
                     r->path, (unsigned long long)r->pos, what, (unsigned long long)n,
                     (unsigned long long)(r->size - r->pos));
        return -1;
    }
    return 0;
}

static uint64_t le(const unsigned char *p, int n)
{
    uint64_t x = 0;
    for (int i = n - 1; i >= 0; i--)
        x = (x << 8) | p[i];
    return x;
}

static int u32(rd *r, uint32_t *v, const char *what)
{
    if (need(r, 4, what) < 0)
        return -1;
    *v = (uint32_t)le(r->d + r->pos, 4);
    r->pos += 4;
    return 0;
}

static int u64(rd *r, uint64_t *v, const char *what)
{
    if (need(r, 8, what) < 0)
        return -1;
    *v = le(r->d + r->pos, 8);
    r->pos += 8;
    return 0;
}

static int str(rd *r, const char **s, uint64_t *n, const char *what)
{
    if (u64(r, n, what) < 0 || need(r, *n, what) < 0)
        return -1;
    *s = (const char *)r->d + r->pos;
    r->pos += *n;
    return 0;
}

static const unsigned scalar_size[] = { 1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8 };
static const char *const vtype_name[] = { "u8", "i8", "u16", "i16", "u32", "i32", "f32",
                                          "bool", "string", "array", "u64", "i64", "f64" };

/* Text of a scalar of type t at p (size known). */
static void scalar_text(uint32_t t, const unsigned char *p, char *buf, size_t len)
{
    switch (t) {
    case 0: snprintf(buf, len, "%u", (unsigned)p[0]); break;
    case 1: snprintf(buf, len, "%d", (int)(int8_t)p[0]); break;
    case 2: snprintf(buf, len, "%u", (unsigned)le(p, 2)); break;
    case 3: snprintf(buf, len, "%d", (int)(int16_t)le(p, 2)); break;
    case 4: snprintf(buf, len, "%lu", (unsigned long)le(p, 4)); break;
    case 5: snprintf(buf, len, "%ld", (long)(int32_t)le(p, 4)); break;
    case 6: {
        uint32_t b = (uint32_t)le(p, 4);
        float f;
        memcpy(&f, &b, 4);
        util_fmt_exact(buf, len, f);
        break;
    }
    case 7: snprintf(buf, len, "%s", p[0] ? "true" : "false"); break;
    case 10: snprintf(buf, len, "%llu", (unsigned long long)le(p, 8)); break;
    case 11: snprintf(buf, len, "%lld", (long long)le(p, 8)); break;
    case 12: {
        uint64_t b = le(p, 8);
        double f;
        memcpy(&f, &b, 8);
        util_fmt_exact(buf, len, f);
        break;
    }
    default: snprintf(buf, len, "?");
    }
}

/* Read one value of type t; append its text to out (bounded). */
static int value(rd *r, uint32_t t, const char *key, char *out, size_t olen, uint64_t *alignment)
{
    char tmp[64];
    if (t <= 12 && scalar_size[t]) {
        if (need(r, scalar_size[t], key) < 0)
            return -1;
        scalar_text(t, r->d + r->pos, tmp, sizeof tmp);
        if (alignment && strcmp(key, "general.alignment") == 0 && (t == 4 || t == 10 || t == 5))
            *alignment = le(r->d + r->pos, (int)scalar_size[t]);
        r->pos += scalar_size[t];
        snprintf(out, olen, "%s", tmp);
        return 0;
    }
    if (t == 8) {
        const char *s;
        uint64_t n;
        if (str(r, &s, &n, key) < 0)
            return -1;
        snprintf(out, olen, "%.*s", (int)(n > 400 ? 400 : n), s);
        return 0;
    }
    if (t == 9) {
        uint32_t et;
        uint64_t n;
        if (u32(r, &et, key) < 0 || u64(r, &n, key) < 0)
            return -1;
        if (et > 12 || et == 9) {
            util_err_set(r->err, "%s: metadata '%s': array of unsupported type %u at offset %llu",
                         r->path, key, et, (unsigned long long)(r->pos - 12));
            return -1;
        }
        size_t o = (size_t)snprintf(out, olen, "[%s x %llu:", vtype_name[et], (unsigned long long)n);
        for (uint64_t i = 0; i < n; i++) {
            if (et != 8) {
                uint64_t nb;
                if (i == 0 && util_mul_u64(n, scalar_size[et], &nb) < 0) {
                    util_err_set(r->err, "%s: metadata '%s': array of %llu elements overflows at offset %llu",
                                 r->path, key, (unsigned long long)n, (unsigned long long)r->pos);
                    return -1;
                }
                if (i == 0 && need(r, nb, key) < 0)
                    return -1;
                if (i < 4 && o < olen) {
                    scalar_text(et, r->d + r->pos, tmp, sizeof tmp);
                    o += (size_t)snprintf(out + o, olen - o, " %s", tmp);
                }
                r->pos += scalar_size[et];
            } else {
                const char *s;
                uint64_t sn;
                if (str(r, &s, &sn, key) < 0)
                    return -1;
                if (i < 4 && o < olen)
                    o += (size_t)snprintf(out + o, olen - o, " \"%.*s\"", (int)(sn > 40 ? 40 : sn), s);
            }
        }
        if (o < olen)
            snprintf(out + o, olen - o, "%s]", n > 4 ? " ..." : "");
        return 0;
    }
    util_err_set(r->err, "%s: metadata '%s': unknown value type %u at offset %llu", r->path, key, t,
                 (unsigned long long)(r->pos - 4));
    return -1;
}

static int gguf_probe(const unsigned char *head, size_t len, const char *path)
{
    if (head && len >= 4 && memcmp(head, "GGUF", 4) == 0)
        return 100;
    return 0;
}

static int gguf_open(loader_file *f, util_err *err)
{
    loader_map *m = util_calloc(1, sizeof *m);
    f->priv = m;
    if (loader_map_file(f->path, m, err) < 0)
        return -1;
    rd r = { m->data, m->size, 0, f->path, err };
    uint32_t ver;
    uint64_t nt, nkv;
    if (need(&r, 4, "the magic") < 0)
        return -1;
    if (memcmp(m->data, "GGUF", 4) != 0) {
        util_err_set(err, "%s: not a GGUF file (bad magic at offset 0)", f->path);
        return -1;
    }
    r.pos = 4;
    if (u32(&r, &ver, "the version") < 0)
        return -1;
    if (ver != 2 && ver != 3) {
        util_err_set(err, "%s: unsupported GGUF version %u%s (readable: 2, 3)", f->path, ver,
                     ver == 0x02000000 || ver == 0x03000000 ? " (a big-endian file)" : "");
        return -1;
    }
    if (u64(&r, &nt, "the tensor count") < 0 || u64(&r, &nkv, "the key/value count") < 0)
        return -1;
    /* Every key/value takes at least 12 bytes, every tensor info 24. */
    if (nkv > m->size / 12 || nt > m->size / 24) {
        util_err_set(err, "%s: header claims %llu tensors and %llu key/values, more than a %llu-byte file can hold",
                     f->path, (unsigned long long)nt, (unsigned long long)nkv, (unsigned long long)m->size);
        return -1;
    }
    uint64_t alignment = 32;
    char key[256], val[512];
    for (uint64_t i = 0; i < nkv; i++) {
        const char *k;
        uint64_t kl;
        uint32_t t;
        if (str(&r, &k, &kl, "a metadata key") < 0 || u32(&r, &t, "a metadata type") < 0)
            return -1;
        snprintf(key, sizeof key, "%.*s", (int)(kl > 255 ? 255 : kl), k);
        if (value(&r, t, key, val, sizeof val, &alignment) < 0)
            return -1;
        loader_add_meta(f, key, val);
    }
    if (alignment == 0 || (alignment & (alignment - 1)) || alignment > (1u << 20)) {
        util_err_set(err, "%s: general.alignment %llu is not a power of two", f->path,
                     (unsigned long long)alignment);
        return -1;
    }
    for (uint64_t i = 0; i < nt; i++) {
        const char *s;
        uint64_t sl;
        uint32_t nd, ty;
        uint64_t ne[LOADER_MAXDIM], off;
        if (str(&r, &s, &sl, "a tensor name") < 0)
            return -1;
        char *name = util_strndup(s, (size_t)sl);
        int rc = -1;
        if (u32(&r, &nd, "a tensor's dimension count") < 0)
            goto next;
        if (nd > LOADER_MAXDIM) {
            util_err_set(err, "%s: %s: %u dimensions (at most %d)", f->path, name, nd, LOADER_MAXDIM);
            goto next;
        }
        for (uint32_t k = 0; k < nd; k++)
            if (u64(&r, &ne[k], "a tensor dimension") < 0)
                goto next;
        if (u32(&r, &ty, "a tensor type") < 0 || u64(&r, &off, "a tensor offset") < 0)
            goto next;
        size_t ti;
        for (ti = 0; ti < NTYPES; ti++)
            if ((uint32_t)ggml_types[ti].id == ty)
                break;
        if (ti == NTYPES) {
            util_err_set(err, "%s: %s: unknown ggml type %u", f->path, name, ty);
            goto next;
        }
        if (loader_find(f, name) >= 0) {
            util_err_set(err, "%s: %s: two tensors have this name", f->path, name);
            goto next;
        }
        loader_tensor *t = loader_add_tensor(f, name);
        uint64_t shape[LOADER_MAXDIM];
        for (uint32_t k = 0; k < nd; k++)
            shape[k] = ne[nd - 1 - k];
        if (loader_set_shape(t, (int)nd, shape) < 0) {
            util_err_set(err, "%s: %s: the shape overflows", f->path, name);
            goto next;
        }
        if (nd > 0 && ne[0] % ggml_types[ti].blck) {
            util_err_set(err, "%s: %s: rows of %llu elements are not whole %s blocks of %u",
                         f->path, name, (unsigned long long)ne[0], ggml_types[ti].name, ggml_types[ti].blck);
            goto next;
        }
        if (nd == 0 && ggml_types[ti].blck != 1) {
            util_err_set(err, "%s: %s: a 0-d tensor of block type %s", f->path, name, ggml_types[ti].name);
            goto next;
        }
        if (off % alignment) {
            util_err_set(err, "%s: %s: data offset %llu is not a multiple of the alignment %llu",
                         f->path, name, (unsigned long long)off, (unsigned long long)alignment);
            goto next;
        }
        t->nbytes = t->count / ggml_types[ti].blck * ggml_types[ti].bytes;
        t->offset = off;
        t->priv = (void *)(uintptr_t)ty;
        t->dtype = ggml_types[ti].dt;
        if (ty == GGML_Q8_0 || ty == GGML_Q4_0) {
            t->dtype = DT_F32; /* dequantized values are exact float32 */
            t->type_note = ty == GGML_Q8_0 ? "ggml Q8_0 (dequantized)" : "ggml Q4_0 (dequantized)";
        } else if (t->dtype == DT_INVALID) {
            t->readable = 0;
            t->type_note = ggml_types[ti].name;
        }
        rc = 0;
    next:
        free(name);
        if (rc < 0)
            return -1;
    }
    uint64_t data = (r.pos + alignment - 1) / alignment * alignment;
    if (data > m->size) {
        if (nt == 0)
            return 0;
        util_err_set(err, "%s: truncated: the data section would start at offset %llu past the end (%llu bytes)",
                     f->path, (unsigned long long)data, (unsigned long long)m->size);
        return -1;
    }
    for (size_t i = 0; i < f->ntensors; i++) {
        loader_tensor *t = &f->tensors[i];
        if (t->offset > m->size - data || t->nbytes > m->size - data - t->offset) {
            util_err_set(err, "%s: %s: data [%llu, +%llu) at offset %llu runs past the end of the file (%llu bytes)",
                         f->path, t->name, (unsigned long long)t->offset, (unsigned long long)t->nbytes,
                         (unsigned long long)(data + t->offset), (unsigned long long)m->size);
            return -1;
        }
        t->offset += data;
    }
    return 0;
}

static int gguf_raw(loader_file *f, size_t i, loader_rawview *v)
{
    loader_map *m = f->priv;
    loader_tensor *t = &f->tensors[i];
    int ty = (int)(uintptr_t)t->priv;
    if (ty == GGML_Q8_0 || ty == GGML_Q4_0)
        return -1;   /* blocks with scales: read() dequantizes them */
    *v = (loader_rawview){ m->data + t->offset, m, t->offset, t->nbytes };
    return 0;
}

static int gguf_read(loader_file *f, size_t i, void *dst, int as_double, util_err *err)
{
    loader_map *m = f->priv;
    loader_tensor *t = &f->tensors[i];
    const unsigned char *p = m->data + t->offset;
    int ty = (int)(uintptr_t)t->priv;
    (void)err;
    if (ty != GGML_Q8_0 && ty != GGML_Q4_0) {
        loader_convert(t, p, dst, as_double);
        return 0;
    }
    uint64_t nb = t->count / 32;
    for (uint64_t b = 0; b < nb; b++) {
        float v[32];
        if (ty == GGML_Q8_0) {
            const unsigned char *q = p + b * 34;
            float d = dtype_half_to_float((uint16_t)le(q, 2));
            for (int j = 0; j < 32; j++)
                v[j] = d * (float)(int8_t)q[2 + j];
        } else {
            const unsigned char *q = p + b * 18;
            float d = dtype_half_to_float((uint16_t)le(q, 2));
            for (int j = 0; j < 16; j++) {
                v[j] = d * (float)((q[2 + j] & 0x0F) - 8);
                v[j + 16] = d * (float)((q[2 + j] >> 4) - 8);
            }
        }
        for (int j = 0; j < 32; j++) {
            if (as_double)
                ((double *)dst)[b * 32 + (uint64_t)j] = v[j];
            else
                ((float *)dst)[b * 32 + (uint64_t)j] = v[j];
        }
    }
    return 0;
}

static void gguf_close(loader_file *f)
{
    loader_map *m = f->priv;
    if (m) {
        loader_unmap(m);
        free(m);
    }
    f->priv = NULL;
}

const loader_format gguf_format = {
    .name = "gguf",
    .extensions = ".gguf",
    .probe = gguf_probe,
    .open = gguf_open,
    .read = gguf_read,
    .raw = gguf_raw,
    .close = gguf_close,
};
