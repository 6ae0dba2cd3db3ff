/*
 * gguf.c - GGUF reader (gguf.h).
 *
 * priv: the file mapping. Per tensor: offset = absolute data offset,
 * priv = the ggml type id (as an integer).
 */
#include "config.h"
#include "io/gguf.h"
#include "io/ggml_quants.h"
#include "io/grid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct gguf_priv {
    loader_map map;
    char **notes;          /* type notes made for this file (freed at close) */
    size_t nnotes, cap;
} gguf_priv;

static const char *keep_note(gguf_priv *g, char *s)
{
    if (g->nnotes == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 16;
        g->notes = util_realloc(g->notes, g->cap * sizeof *g->notes);
    }
    g->notes[g->nnotes++] = s;
    return s;
}

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

/* For the overlap check: tensors ordered by data offset (no global state:
 * files may be opened in parallel). */
typedef struct span {
    uint64_t offset, nbytes;
    size_t index;
} span;
static int cmp_span(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int gguf_open(loader_file *f, util_err *err)
{
    gguf_priv *g = util_calloc(1, sizeof *g);
    f->priv = g;
    loader_map *m = &g->map;
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
        uint64_t sl, info_at = r.pos;
        uint32_t nd, ty;
        uint64_t ne[LOADER_MAXDIM], off;
        if (str(&r, &s, &sl, "a tensor name") < 0)
            return -1;
        char *name = util_strndup(s, (size_t)sl);
        int rc = -1;
        if (u32(&r, &nd, "a tensor's dimension count") < 0)
            goto next;
        if (nd > LOADER_MAXDIM) {
            util_err_set(err, "%s: %s: %u dimensions (at most %d) in the tensor info at offset %llu", f->path,
                         name, nd, LOADER_MAXDIM, (unsigned long long)info_at);
            goto next;
        }
        for (uint32_t k = 0; k < nd; k++)
            if (u64(&r, &ne[k], "a tensor dimension") < 0)
                goto next;
        if (u32(&r, &ty, "a tensor type") < 0 || u64(&r, &off, "a tensor offset") < 0)
            goto next;
        if (loader_find(f, name) >= 0) {
            util_err_set(err, "%s: %s: two tensors have this name (tensor info at offset %llu)", f->path, name,
                         (unsigned long long)info_at);
            goto next;
        }
        const ggml_type_info *ti = ggml_type_find(ty);
        loader_tensor *t = loader_add_tensor(f, name);
        uint64_t shape[LOADER_MAXDIM];
        for (uint32_t k = 0; k < nd; k++)
            shape[k] = ne[nd - 1 - k];
        if (loader_set_shape(t, (int)nd, shape) < 0) {
            util_err_set(err, "%s: %s: the shape overflows (tensor info at offset %llu)", f->path, name,
                         (unsigned long long)info_at);
            goto next;
        }
        if (off % alignment) {
            util_err_set(err, "%s: %s: data offset %llu is not a multiple of the alignment %llu",
                         f->path, name, (unsigned long long)off, (unsigned long long)alignment);
            goto next;
        }
        t->offset = off;
        t->priv = (void *)ti;
        if (!ti) {
            /* An id this build does not know: its block size is unknown, so
             * its byte size is too (nbytes 0: only its offset is checked).
             * GGUF gives every tensor its own offset, so the others still
             * open. */
            t->dtype = DT_INVALID;
            t->readable = 0;
            t->stored_type = "unknown";
            t->type_note = keep_note(g, util_asprintf("ggml type %u unknown to apotview", ty));
            rc = 0;
            goto next;
        }
        if (nd > 0 && ne[0] % ti->blck) {
            util_err_set(err, "%s: %s: rows of %llu elements are not whole %s blocks of %u (tensor info at offset %llu)",
                         f->path, name, (unsigned long long)ne[0], ti->name, ti->blck, (unsigned long long)info_at);
            goto next;
        }
        if (nd == 0 && ti->blck != 1) {
            util_err_set(err, "%s: %s: a 0-d tensor of block type %s", f->path, name, ti->name);
            goto next;
        }
        /* count is a multiple of blck here; count / blck * bytes may overflow */
        if (util_mul_u64(t->count / ti->blck, ti->bytes, &t->nbytes) < 0) {
            util_err_set(err, "%s: %s: %llu elements of %s overflow a 64-bit byte size", f->path, name,
                         (unsigned long long)t->count, ti->name);
            goto next;
        }
        t->stored_bpw = ggml_type_bpw(ti);
        if (ti->plain != DT_INVALID) {
            t->dtype = ti->plain;
        } else {
            t->stored_type = ti->name;
            t->dtype = DT_F32; /* dequantized values are exact float32 */
            if (!ti->dequant) {
                t->readable = 0;
                t->type_note = keep_note(g, util_asprintf("%s: %s", ti->name, ti->why));
            }
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
    /* No two tensors' data may overlap (a file that lies about sizes). */
    if (f->ntensors > 1) {
        span *ord = util_malloc(f->ntensors * sizeof *ord);
        for (size_t i = 0; i < f->ntensors; i++)
            ord[i] = (span){ f->tensors[i].offset, f->tensors[i].nbytes, i };
        qsort(ord, f->ntensors, sizeof *ord, cmp_span);
        uint64_t end = 0;
        size_t last = 0;
        for (size_t i = 0; i < f->ntensors; i++) {
            if (!ord[i].nbytes)
                continue;
            if (end > ord[i].offset) {
                const loader_tensor *a = &f->tensors[last], *b = &f->tensors[ord[i].index];
                util_err_set(err, "%s: %s: data at offset %llu (%llu bytes) overlaps %s at offset %llu", f->path,
                             b->name, (unsigned long long)b->offset, (unsigned long long)b->nbytes, a->name,
                             (unsigned long long)a->offset);
                free(ord);
                return -1;
            }
            end = ord[i].offset + ord[i].nbytes;   /* > every earlier end: no overlap so far */
            last = ord[i].index;
        }
        free(ord);
    }
    return 0;
}

static int gguf_raw(loader_file *f, size_t i, loader_rawview *v)
{
    gguf_priv *g = f->priv;
    loader_tensor *t = &f->tensors[i];
    const ggml_type_info *ti = t->priv;
    if (!ti || ti->plain == DT_INVALID)
        return -1;   /* blocks with scales: read() dequantizes them */
    *v = (loader_rawview){ g->map.data + t->offset, &g->map, t->offset, t->nbytes };
    return 0;
}

static int gguf_read(loader_file *f, size_t i, void *dst, int as_double, util_err *err)
{
    gguf_priv *g = f->priv;
    loader_tensor *t = &f->tensors[i];
    const unsigned char *p = g->map.data + t->offset;
    const ggml_type_info *ti = t->priv;
    if (!t->readable) {
        util_err_set(err, "%s: %s: values not readable (%s)", f->path, t->name,
                     t->type_note ? t->type_note : "?");
        return -1;
    }
    if (ti->plain != DT_INVALID) {
        loader_convert(t, p, dst, as_double);
        return 0;
    }
    uint64_t nb = t->count / ti->blck;
    loader_willneed(&g->map, t->offset, t->nbytes);
    if (!as_double) {
        /* in runs of about 1 MiB of blocks */
        uint64_t run = (1u << 20) / ti->bytes + 1;
        for (uint64_t b = 0; b < nb; b += run) {
            uint64_t n = nb - b < run ? nb - b : run;
            ti->dequant(p + b * ti->bytes, (float *)dst + b * ti->blck, (size_t)n);
        }
    } else {
        float buf[4096];
        uint64_t run = sizeof buf / sizeof buf[0] / ti->blck;
        double *d = dst;
        for (uint64_t b = 0; b < nb; b += run) {
            uint64_t n = nb - b < run ? nb - b : run;
            ti->dequant(p + b * ti->bytes, buf, (size_t)n);
            uint64_t k = n * ti->blck;
            for (uint64_t j = 0; j < k; j++)
                d[b * ti->blck + j] = buf[j];
        }
    }
    loader_release(&g->map, t->offset, t->nbytes);
    return 0;
}

/* Values [first, first + n) of a block-quantized tensor: the blocks that
 * hold them decoded straight into dst, the partial blocks at either end
 * through a block-sized buffer. Reads only the mapping (thread-safe). */
static int gguf_read_range(loader_file *f, size_t i, uint64_t first, uint64_t n, float *dst)
{
    gguf_priv *g = f->priv;
    const loader_tensor *t = &f->tensors[i];
    const ggml_type_info *ti = t->priv;
    if (!t->readable || !ti || ti->plain != DT_INVALID || !ti->dequant || ti->blck > 256)
        return -1;
    const unsigned char *p = g->map.data + t->offset;
    const uint64_t B = ti->blck;
    uint64_t end = first + n, pos = first;
    float buf[256];
    while (pos < end) {
        uint64_t b = pos / B, in = pos - b * B;
        if (in == 0 && end - pos >= B) {
            /* whole blocks, up to 64 at a time */
            uint64_t nb = (end - pos) / B;
            if (nb > 64)
                nb = 64;
            ti->dequant(p + b * ti->bytes, dst + (pos - first), (size_t)nb);
            pos += nb * B;
            continue;
        }
        ti->dequant(p + b * ti->bytes, buf, 1);
        uint64_t k = B - in < end - pos ? B - in : end - pos;
        memcpy(dst + (pos - first), buf + in, (size_t)k * sizeof *buf);
        pos += k;
    }
    return 0;
}

/* The stored grid of a block-quantized tensor (grid.h): the blocks'
 * scales, read from the mapping (thread-safe). */
static int gguf_grid(loader_file *f, size_t i, loader_grid *gr, util_err *err)
{
    gguf_priv *g = f->priv;
    const loader_tensor *t = &f->tensors[i];
    const ggml_type_info *ti = t->priv;
    if (!t->readable || !ti || ti->plain != DT_INVALID || !ggml_has_grid(ti) || t->ndim < 1)
        return -1;
    if (!gr)
        return 0;
    if (ggml_grid_fill(ti, g->map.data + t->offset, t->count, t->shape[t->ndim - 1], gr) < 0) {
        util_err_set(err, "%s: %s: rows of %llu do not hold whole %s blocks", f->path, t->name,
                     (unsigned long long)t->shape[t->ndim - 1], ti->name);
        return -1;
    }
    return 0;
}

/* The weighted view of whole blocks [first, first + n) (ggml_weigh_fn),
 * from the mapping (thread-safe). */
static int64_t gguf_weigh(loader_file *f, size_t i, uint64_t first, uint64_t n, grid_wpair *out,
                          unsigned *blck, unsigned *wmax)
{
    gguf_priv *g = f->priv;
    const loader_tensor *t = &f->tensors[i];
    const ggml_type_info *ti = t->priv;
    unsigned w = 0;
    ggml_weigh_fn fn = t->readable && ti && ti->plain == DT_INVALID ? ggml_weigh_find(ti, &w) : NULL;
    if (!fn)
        return -1;
    *blck = ti->blck;
    *wmax = w;
    if (!out)
        return 0;
    return (int64_t)fn(g->map.data + t->offset + first * ti->bytes, (size_t)n, out);
}

static void gguf_release(loader_file *f, size_t i)
{
    gguf_priv *g = f->priv;
    loader_release(&g->map, f->tensors[i].offset, f->tensors[i].nbytes);
}

static void gguf_close(loader_file *f)
{
    gguf_priv *g = f->priv;
    if (g) {
        loader_unmap(&g->map);
        for (size_t i = 0; i < g->nnotes; i++)
            free(g->notes[i]);
        free(g->notes);
        free(g);
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
    .read_range = gguf_read_range,
    .release = gguf_release,
    .grid = gguf_grid,
    .weigh = gguf_weigh,
    .close = gguf_close,
};
