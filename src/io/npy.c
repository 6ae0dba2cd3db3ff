/*
 * npy.c - NumPy .npy reader.
 *
 * Layout: "\x93NUMPY", major, minor, header length (2 bytes LE for 1.0,
 * 4 bytes LE for 2.0/3.0), then an ASCII (3.0: UTF-8) Python dict literal
 * {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with
 * spaces and a newline, then the raw data.
 */
#include "config.h"
#include "io/npy.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* Parse a quoted Python string literal; returns pointer past it. */
static const char *parse_str(const char *p, const char *end, char *out, size_t outlen)
{
    if (p >= end || (*p != '\'' && *p != '"'))
        return NULL;
    char q = *p++;
    size_t n = 0;
    while (p < end && *p != q) {
        if (*p == '\\')
            return NULL;
        if (n + 1 < outlen)
            out[n++] = *p;
        else
            return NULL;
        p++;
    }
    if (p >= end)
        return NULL;
    out[n] = '\0';
    return p + 1;
}

static int parse_descr(const char *d, const loader_opts *opts, npy_header *h,
                       const char *where, util_err *err)
{
    char order = d[0];
    if (order != '<' && order != '>' && order != '|' && order != '=') {
        util_err_set(err, "%s: unsupported dtype '%s' in header", where, d);
        return -1;
    }
    h->big_endian = order == '>';
    const char *kind = d + 1;
    static const struct { const char *code; dtype_id t; } tab[] = {
        { "f2", DT_F16 }, { "f4", DT_F32 }, { "f8", DT_F64 },
        { "i1", DT_I8 }, { "i2", DT_I16 }, { "i4", DT_I32 }, { "i8", DT_I64 },
        { "u1", DT_U8 }, { "u2", DT_U16 }, { "u4", DT_U32 }, { "u8", DT_U64 },
        { "b1", DT_BOOL }, { "V2", DT_INVALID },
    };
    if (kind[0] == 'O') {
        util_err_set(err, "%s: object arrays (dtype '%s') hold Python objects, not numbers; refusing to read them", where, d);
        return -1;
    }
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        if (strcmp(kind, tab[i].code) != 0)
            continue;
        h->dtype = tab[i].t;
        if (opts && opts->dtype_override != DT_INVALID) {
            size_t stored = h->dtype == DT_INVALID ? 2 : dtype_size(h->dtype);
            if (dtype_size(opts->dtype_override) != stored) {
                util_err_set(err, "%s: --dtype=%s does not fit stored dtype '%s' (%zu-byte elements)",
                             where, dtype_name(opts->dtype_override), d, stored);
                return -1;
            }
            h->dtype = opts->dtype_override;
        }
        if (h->dtype == DT_INVALID) {
            util_err_set(err, "%s: raw 2-byte dtype '%s': pass --dtype=bfloat16 (or float16) to say what it holds", where, d);
            return -1;
        }
        return 0;
    }
    util_err_set(err, "%s: unsupported dtype '%s' (readable: float16/32/64, int8..64, uint8..64, bool; bfloat16 as <V2 or <u2 with --dtype=bfloat16)", where, d);
    return -1;
}

int npy_parse(const unsigned char *buf, uint64_t size, const char *where,
              const loader_opts *opts, int exact_size, npy_header *h, util_err *err)
{
    memset(h, 0, sizeof *h);
    if (size < 10 || memcmp(buf, "\x93NUMPY", 6) != 0) {
        util_err_set(err, "%s: not a .npy file (bad magic at offset 0)", where);
        return -1;
    }
    int major = buf[6], minor = buf[7];
    uint64_t hlen, hstart;
    if (major == 1) {
        hlen = (uint64_t)buf[8] | ((uint64_t)buf[9] << 8);
        hstart = 10;
    } else if (major == 2 || major == 3) {
        if (size < 12) {
            util_err_set(err, "%s: truncated in the header length at offset 8 (file is %llu bytes)",
                         where, (unsigned long long)size);
            return -1;
        }
        hlen = (uint64_t)buf[8] | ((uint64_t)buf[9] << 8) | ((uint64_t)buf[10] << 16) |
               ((uint64_t)buf[11] << 24);
        hstart = 12;
    } else {
        util_err_set(err, "%s: unsupported .npy format version %d.%d (readable: 1.0, 2.0, 3.0)",
                     where, major, minor);
        return -1;
    }
    if (minor != 0) {
        util_err_set(err, "%s: unsupported .npy format version %d.%d (readable: 1.0, 2.0, 3.0)",
                     where, major, minor);
        return -1;
    }
    if (hstart + hlen > size) {
        util_err_set(err, "%s: truncated: the header claims %llu bytes at offset %llu but the file has %llu bytes",
                     where, (unsigned long long)hlen, (unsigned long long)hstart,
                     (unsigned long long)size);
        return -1;
    }
    const char *p = (const char *)buf + hstart, *end = p + hlen;
    char descr[64] = "";
    int have_descr = 0, have_fo = 0, have_shape = 0;
    p = skip_ws(p, end);
    if (p >= end || *p != '{') {
        util_err_set(err, "%s: malformed header at offset %llu: expected '{'", where,
                     (unsigned long long)hstart);
        return -1;
    }
    p++;
    for (;;) {
        p = skip_ws(p, end);
        if (p < end && *p == '}')
            break;
        char key[32];
        const char *q = parse_str(p, end, key, sizeof key);
        if (!q) {
            util_err_set(err, "%s: malformed header at offset %llu: expected a quoted key",
                         where, (unsigned long long)(hstart + (uint64_t)(p - ((const char *)buf + hstart))));
            return -1;
        }
        p = skip_ws(q, end);
        if (p >= end || *p != ':')
            goto malformed;
        p = skip_ws(p + 1, end);
        if (strcmp(key, "descr") == 0) {
            if (p < end && *p == '[') {
                util_err_set(err, "%s: structured dtype in header (a record array): only plain numeric arrays can be quantized", where);
                return -1;
            }
            q = parse_str(p, end, descr, sizeof descr);
            if (!q)
                goto malformed;
            p = q;
            have_descr = 1;
        } else if (strcmp(key, "fortran_order") == 0) {
            if (end - p >= 4 && memcmp(p, "True", 4) == 0) {
                h->fortran_order = 1;
                p += 4;
            } else if (end - p >= 5 && memcmp(p, "False", 5) == 0) {
                h->fortran_order = 0;
                p += 5;
            } else
                goto malformed;
            have_fo = 1;
        } else if (strcmp(key, "shape") == 0) {
            if (p >= end || *p != '(')
                goto malformed;
            p++;
            h->ndim = 0;
            for (;;) {
                p = skip_ws(p, end);
                if (p < end && *p == ')') {
                    p++;
                    break;
                }
                if (p >= end || !isdigit((unsigned char)*p))
                    goto malformed;
                uint64_t v = 0;
                while (p < end && isdigit((unsigned char)*p)) {
                    if (v > (UINT64_MAX - 9) / 10) {
                        util_err_set(err, "%s: shape dimension too large in header", where);
                        return -1;
                    }
                    v = v * 10 + (uint64_t)(*p - '0');
                    p++;
                }
                while (p < end && *p == 'L') /* Python 2 longs */
                    p++;
                if (h->ndim >= LOADER_MAXDIM) {
                    util_err_set(err, "%s: more than %d dimensions", where, LOADER_MAXDIM);
                    return -1;
                }
                h->shape[h->ndim++] = v;
                p = skip_ws(p, end);
                if (p < end && *p == ',')
                    p++;
                else if (p < end && *p == ')') {
                    p++;
                    break;
                } else
                    goto malformed;
            }
            have_shape = 1;
        } else {
            util_err_set(err, "%s: unexpected key '%s' in header", where, key);
            return -1;
        }
        p = skip_ws(p, end);
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (p < end && *p == '}')
            break;
        goto malformed;
    }
    if (!have_descr || !have_fo || !have_shape) {
        util_err_set(err, "%s: header lacks '%s'", where,
                     !have_descr ? "descr" : !have_fo ? "fortran_order" : "shape");
        return -1;
    }
    if (parse_descr(descr, opts, h, where, err) < 0)
        return -1;
    h->count = 1;
    for (int i = 0; i < h->ndim; i++)
        if (util_mul_u64(h->count, h->shape[i], &h->count) < 0 || h->count > (UINT64_MAX >> 4)) {
            util_err_set(err, "%s: the shape in the header overflows (its product does not fit 64 bits)", where);
            return -1;
        }
    h->data_offset = hstart + hlen;
    h->data_bytes = h->count * dtype_size(h->dtype);
    uint64_t have = size - h->data_offset;
    if (have < h->data_bytes) {
        util_err_set(err, "%s: truncated data: the header promises %llu elements (%llu bytes from offset %llu) but only %llu bytes follow",
                     where, (unsigned long long)h->count, (unsigned long long)h->data_bytes,
                     (unsigned long long)h->data_offset, (unsigned long long)have);
        return -1;
    }
    if (exact_size && have > h->data_bytes) {
        util_err_set(err, "%s: the header describes %llu bytes of data at offset %llu but %llu bytes follow (wrong shape or dtype in the header?)",
                     where, (unsigned long long)h->data_bytes, (unsigned long long)h->data_offset,
                     (unsigned long long)have);
        return -1;
    }
    return 0;

malformed:
    util_err_set(err, "%s: malformed header near offset %llu", where,
                 (unsigned long long)(hstart + (uint64_t)(p - ((const char *)buf + hstart))));
    return -1;
}

int npy_describe(const npy_header *h, loader_tensor *t, const char *where, util_err *err)
{
    if (loader_set_shape(t, h->ndim, h->shape) < 0) {
        util_err_set(err, "%s: the shape overflows", where);
        return -1;
    }
    t->dtype = h->dtype;
    t->big_endian = h->big_endian;
    t->fortran_order = h->fortran_order;
    t->offset = h->data_offset;
    t->nbytes = h->data_bytes;
    return 0;
}

/* ---- the .npy format -------------------------------------------------- */

static int npy_probe(const unsigned char *head, size_t len, const char *path)
{
    if (head && len >= 6 && memcmp(head, "\x93NUMPY", 6) == 0)
        return 100;
    size_t n = strlen(path);
    if (head && n > 4 && strcmp(path + n - 4, ".npy") == 0)
        return 10;
    return 0;
}

static char *npy_tensor_name(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 4 && strcmp(base + n - 4, ".npy") == 0)
        n -= 4;
    return util_strndup(base, n);
}

static int npy_open(loader_file *f, util_err *err)
{
    loader_map *m = util_calloc(1, sizeof *m);
    f->priv = m;
    if (loader_map_file(f->path, m, err) < 0)
        return -1;
    npy_header h;
    if (npy_parse(m->data, m->size, f->path, &f->opts, 1, &h, err) < 0)
        return -1;
    char *name = npy_tensor_name(f->path);
    loader_tensor *t = loader_add_tensor(f, name);
    free(name);
    return npy_describe(&h, t, f->path, err);
}

static int npy_read(loader_file *f, size_t i, void *dst, int as_double, util_err *err)
{
    loader_map *m = f->priv;
    loader_tensor *t = &f->tensors[i];
    (void)err;
    loader_convert(t, m->data + t->offset, dst, as_double);
    loader_release(m, t->offset, t->nbytes);
    return 0;
}

static int npy_raw(loader_file *f, size_t i, loader_rawview *v)
{
    loader_map *m = f->priv;
    loader_tensor *t = &f->tensors[i];
    *v = (loader_rawview){ m->data + t->offset, m, t->offset, t->nbytes };
    return 0;
}

static void npy_close(loader_file *f)
{
    loader_map *m = f->priv;
    if (m) {
        loader_unmap(m);
        free(m);
    }
    f->priv = NULL;
}

const loader_format npy_format = {
    .name = "npy",
    .extensions = ".npy",
    .probe = npy_probe,
    .open = npy_open,
    .read = npy_read,
    .raw = npy_raw,
    .close = npy_close,
};
