/*
 * torch.c - PyTorch checkpoint reader (torch.h).
 *
 * priv: a tp_file holding the pickle context (which owns the storages and
 * tensor descriptions), and the zip handle or the file mapping.
 * Per loader_tensor: priv points at the pk_tensor.
 */
#include "config.h"
#include "io/torch.h"
#include "io/pickle.h"
#include "io/zipread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A pickle larger than this is refused (a state dict's pickle is small:
 * about 200 bytes per tensor). */
#define TP_MAX_PICKLE (1ull << 30)

typedef struct tp_file {
    pk_ctx pk;
    int is_zip;
    zipread zip;
    loader_map map;
} tp_file;

static const unsigned char legacy_magic[] = { 0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46,
                                              0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19 };

static int has_ext(const char *path)
{
    static const char *const ex[] = { ".pt", ".pth", ".bin", ".ckpt", ".tar", ".pkl", NULL };
    size_t n = strlen(path);
    for (int i = 0; ex[i]; i++) {
        size_t m = strlen(ex[i]);
        if (n > m && strcmp(path + n - m, ex[i]) == 0)
            return 1;
    }
    return 0;
}

static int tz_probe(const unsigned char *head, size_t len, const char *path)
{
    if (!head || len < 30 || memcmp(head, "PK\x03\x04", 4) != 0)
        return 0;
    size_t nl = (size_t)head[26] | ((size_t)head[27] << 8);
    if (30 + nl <= len && nl >= 8 && memcmp(head + 30 + nl - 8, "data.pkl", 8) == 0)
        return 95;
    return has_ext(path) ? 60 : 0;
}

static int tl_probe(const unsigned char *head, size_t len, const char *path)
{
    if (head && len >= sizeof legacy_magic && memcmp(head, legacy_magic, sizeof legacy_magic) == 0)
        return 100;
    if (head && len >= 2 && head[0] == 0x80 && head[1] <= 5 && has_ext(path))
        return 20;
    return 0;
}

/* ---- naming ----------------------------------------------------------- */

static int holds_tensor(const pk_obj *o, int depth)
{
    if (depth > PK_MAX_DEPTH)
        return 0;
    if (o->type == PK_TENSOR)
        return 1;
    if (o->type == PK_DICT) {
        for (size_t k = 0; k < o->n; k++)
            if (holds_tensor(o->items[2 * k + 1], depth + 1))
                return 1;
    } else if (o->type == PK_LIST || o->type == PK_TUPLE) {
        for (size_t k = 0; k < o->n; k++)
            if (holds_tensor(o->items[k], depth + 1))
                return 1;
    }
    return 0;
}

static char *key_str(const pk_obj *k)
{
    if (k->type == PK_STR)
        return util_strdup(k->s);
    char *s = pk_scalar_str(k);
    return s ? s : util_strdup("?");
}

static char *join(const char *prefix, const char *k)
{
    return prefix && *prefix ? util_asprintf("%s.%s", prefix, k) : util_strdup(k);
}

static int walk(loader_file *f, const pk_obj *o, const char *name, int depth, util_err *err)
{
    if (depth > PK_MAX_DEPTH) {
        util_err_set(err, "%s: %s: containers nest more than %d deep (or refer to themselves)",
                     f->path, name && *name ? name : "(top level)", PK_MAX_DEPTH);
        return -1;
    }
    if (o->type == PK_TENSOR) {
        const char *nm = name && *name ? name : "tensor";
        if (loader_find(f, nm) >= 0) {
            util_err_set(err, "%s: %s: two tensors have this name", f->path, nm);
            return -1;
        }
        loader_tensor *t = loader_add_tensor(f, nm);
        pk_tensor *pt = o->tensor;
        if (loader_set_shape(t, pt->ndim, pt->size) < 0) {
            util_err_set(err, "%s: %s: the shape overflows (its element count does not fit 64 bits)",
                         f->path, nm);
            return -1;
        }
        t->dtype = pt->storage->dtype;
        t->priv = pt;
        t->offset = pt->offset;
        t->nbytes = t->count * dtype_size(t->dtype);
        return 0;
    }
    if (o->type == PK_DICT) {
        for (size_t k = 0; k < o->n; k++) {
            char *ks = key_str(o->items[2 * k]);
            char *nm = join(name, ks);
            int rc = walk(f, o->items[2 * k + 1], nm, depth + 1, err);
            free(ks);
            free(nm);
            if (rc < 0)
                return -1;
        }
        return 0;
    }
    if (o->type == PK_LIST || o->type == PK_TUPLE) {
        if (!holds_tensor(o, depth)) {
            char *v = util_asprintf("(%s of %zu items)", o->type == PK_LIST ? "list" : "tuple", o->n);
            loader_add_meta(f, name && *name ? name : "(top level)", v);
            free(v);
            return 0;
        }
        for (size_t k = 0; k < o->n; k++) {
            char ks[24];
            snprintf(ks, sizeof ks, "%zu", k);
            char *nm = join(name, ks);
            int rc = walk(f, o->items[k], nm, depth + 1, err);
            free(nm);
            if (rc < 0)
                return -1;
        }
        return 0;
    }
    char *v = pk_scalar_str(o);
    loader_add_meta(f, name && *name ? name : "(top level)", v ? v : "(object)");
    free(v);
    return 0;
}

static int name_all(loader_file *f, const pk_obj *root, util_err *err)
{
    if (root->type == PK_DICT) {
        int direct = 0;
        size_t nheld = 0, pick = (size_t)-1;
        for (size_t k = 0; k < root->n; k++) {
            const pk_obj *x = root->items[2 * k + 1];
            if (x->type == PK_TENSOR)
                direct = 1;
            else if (x->type == PK_DICT && holds_tensor(x, 1))
                nheld++, pick = k;
        }
        if (!direct && nheld > 1) {
            static const char *const pref[] = { "state_dict", "model_state_dict", "model", "net",
                                                "module", "weights", NULL };
            pick = (size_t)-1;
            for (int p = 0; pref[p] && pick == (size_t)-1; p++)
                for (size_t k = 0; k < root->n; k++) {
                    const pk_obj *kk = root->items[2 * k], *x = root->items[2 * k + 1];
                    if (kk->type == PK_STR && strcmp(kk->s, pref[p]) == 0 && x->type == PK_DICT &&
                        holds_tensor(x, 1)) {
                        pick = k;
                        break;
                    }
                }
        }
        if (!direct && pick != (size_t)-1) {
            if (walk(f, root->items[2 * pick + 1], "", 1, err) < 0)
                return -1;
            for (size_t k = 0; k < root->n; k++) {
                if (k == pick)
                    continue;
                char *ks = key_str(root->items[2 * k]);
                int rc = walk(f, root->items[2 * k + 1], ks, 1, err);
                free(ks);
                if (rc < 0)
                    return -1;
            }
            return 0;
        }
    }
    return walk(f, root, "", 0, err);
}

/* ---- validation and reading ------------------------------------------ */

/* Check that every tensor's view lies inside its storage's bytes. */
static int check_tensors(loader_file *f, util_err *err)
{
    for (size_t i = 0; i < f->ntensors; i++) {
        loader_tensor *t = &f->tensors[i];
        pk_tensor *pt = t->priv;
        pk_storage *s = pt->storage;
        uint64_t base_off = 0;
        if (s->base) {
            if (s->base_offset > s->base->avail || s->numel > s->base->avail - s->base_offset) {
                util_err_set(err, "%s: %s: storage view [%llu, +%llu) is outside its storage of %llu elements",
                             f->path, t->name, (unsigned long long)s->base_offset,
                             (unsigned long long)s->numel, (unsigned long long)s->base->avail);
                return -1;
            }
            base_off = s->base_offset;
            s = s->base;
        }
        if (!s->located) {
            util_err_set(err, "%s: %s: the data of storage '%s' is missing from the file", f->path,
                         t->name, s->key);
            return -1;
        }
        if (dtype_size(s->dtype) == 0) {
            util_err_set(err, "%s: %s: storage '%s' has no element type", f->path, t->name, s->key);
            return -1;
        }
        uint64_t limit = pt->storage->base ? pt->storage->numel : s->avail;
        if (t->count == 0)
            continue;
        /* A view may repeat its storage (stride 0, as expand() makes), but a
         * tiny storage must not stand for a huge tensor: that would make the
         * reader allocate without bound for a few bytes of file. */
        if (t->count / 64 > limit + 65536) {
            util_err_set(err, "%s: %s: %llu elements viewed from a storage of %llu (stride 0?): refusing to expand it",
                         f->path, t->name, (unsigned long long)t->count, (unsigned long long)limit);
            return -1;
        }
        uint64_t hi = pt->offset, tmp;
        for (int k = 0; k < pt->ndim; k++) {
            if (util_mul_u64(pt->size[k] - 1, pt->stride[k], &tmp) < 0 || hi + tmp < hi) {
                util_err_set(err, "%s: %s: size and stride overflow", f->path, t->name);
                return -1;
            }
            hi += tmp;
        }
        if (hi >= limit) {
            util_err_set(err, "%s: %s: the tensor (offset %llu, last element %llu) reaches past its storage '%s' of %llu elements",
                         f->path, t->name, (unsigned long long)pt->offset, (unsigned long long)hi,
                         s->key, (unsigned long long)limit);
            return -1;
        }
        (void)base_off;
    }
    return 0;
}

static int tp_read(loader_file *f, size_t i, void *dst, int as_double, util_err *err)
{
    tp_file *tf = f->priv;
    loader_tensor *t = &f->tensors[i];
    pk_tensor *pt = t->priv;
    pk_storage *s = pt->storage;
    uint64_t off = pt->offset;
    if (s->base) {
        off += s->base_offset;
        s = s->base;
    }
    size_t es = dtype_size(t->dtype);
    if (t->count == 0)
        return 0;
    uint64_t hi = off;
    int contiguous = 1;
    uint64_t expect = 1;
    for (int k = pt->ndim - 1; k >= 0; k--) {
        hi += (pt->size[k] - 1) * pt->stride[k];
        if (pt->size[k] != 1 && pt->stride[k] != expect)
            contiguous = 0;
        expect *= pt->size[k];
    }
    uint64_t nel = hi - off + 1, nb = nel * es;
    const unsigned char *raw;
    unsigned char *own = NULL;
    if (tf->is_zip) {
        own = malloc(nb ? (size_t)nb : 1);
        if (!own) {
            util_err_set(err, "%s: %s: out of memory for %llu bytes", f->path, t->name,
                         (unsigned long long)nb);
            return -1;
        }
        if (zipread_read(&tf->zip, (uint64_t)s->zip_index, off * es, nb, own, t->name, err) < 0) {
            free(own);
            return -1;
        }
        raw = own;
    } else
        raw = tf->map.data + s->file_offset + off * es;
    loader_tensor tt = *t;
    tt.big_endian = tf->pk.big_endian_storages;
    if (contiguous)
        loader_convert(&tt, raw, dst, as_double);
    else {
        uint64_t idx[LOADER_MAXDIM] = { 0 }, pos = 0;
        for (uint64_t e = 0; e < t->count; e++) {
            if (as_double)
                dtype_to_double(t->dtype, tt.big_endian, raw + pos * es, 1, (double *)dst + e);
            else
                dtype_to_float(t->dtype, tt.big_endian, raw + pos * es, 1, (float *)dst + e);
            for (int k = pt->ndim - 1; k >= 0; k--) {
                idx[k]++;
                pos += pt->stride[k];
                if (idx[k] < pt->size[k])
                    break;
                pos -= pt->stride[k] * idx[k];
                idx[k] = 0;
            }
        }
    }
    free(own);
    return 0;
}

static void tp_close(loader_file *f)
{
    tp_file *tf = f->priv;
    if (tf) {
        pk_free(&tf->pk);
        if (tf->is_zip)
            zipread_close(&tf->zip);
        else
            loader_unmap(&tf->map);
        free(tf);
    }
    f->priv = NULL;
}

/* ---- zip layout ------------------------------------------------------- */

static int tz_open(loader_file *f, util_err *err)
{
    tp_file *tf = util_calloc(1, sizeof *tf);
    f->priv = tf;
    tf->is_zip = 1;
    pk_init(&tf->pk, f->path);
    if (zipread_open(&tf->zip, f->path, err) < 0)
        return -1;
    int64_t n = zipread_count(&tf->zip), pkl = -1;
    const char *name = NULL;
    uint64_t size = 0;
    for (int64_t i = 0; i < n && pkl < 0; i++) {
        const char *nm;
        uint64_t sz;
        if (zipread_stat(&tf->zip, (uint64_t)i, &nm, &sz, NULL, err) < 0)
            return -1;
        const char *sl = strchr(nm, '/');
        if (sl && strcmp(sl, "/data.pkl") == 0) {
            pkl = i;
            name = nm;
            size = sz;
        }
    }
    if (pkl < 0) {
        util_err_set(err, "%s: a zip archive without a PREFIX/data.pkl entry: not a PyTorch checkpoint", f->path);
        return -1;
    }
    char *prefix = util_strndup(name, (size_t)(strchr(name, '/') - name));
    int rc = -1;
    unsigned char *buf = NULL;
    char *what = util_asprintf("%s/data.pkl", prefix);
    if (size > TP_MAX_PICKLE) {
        util_err_set(err, "%s: %s is %llu bytes, too large for a checkpoint's pickle", f->path, what,
                     (unsigned long long)size);
        goto out;
    }
    /* Byte order (absent in older files: little-endian). */
    char *bo = util_asprintf("%s/byteorder", prefix);
    int64_t bi = zipread_find(&tf->zip, bo);
    free(bo);
    if (bi >= 0) {
        uint64_t bsz;
        char tmp[8] = "";
        if (zipread_stat(&tf->zip, (uint64_t)bi, NULL, &bsz, NULL, err) < 0)
            goto out;
        if (bsz < sizeof tmp && zipread_read(&tf->zip, (uint64_t)bi, 0, bsz, tmp, "byteorder", err) < 0)
            goto out;
        if (strncmp(tmp, "big", 3) == 0)
            tf->pk.big_endian_storages = 1;
    }
    buf = util_malloc((size_t)size + 1);
    if (zipread_read(&tf->zip, (uint64_t)pkl, 0, size, buf, what, err) < 0)
        goto out;
    pk_obj *root = pk_run(&tf->pk, buf, (size_t)size, 0, what, NULL, err);
    if (!root)
        goto out;
    for (size_t k = 0; k < tf->pk.nstorages; k++) {
        pk_storage *s = tf->pk.storages[k];
        if (s->base)
            continue;
        char *en = util_asprintf("%s/data/%s", prefix, s->key);
        int64_t ei = zipread_find(&tf->zip, en);
        if (ei < 0) {
            util_err_set(err, "%s: storage '%s' (%s): the entry %s is missing", f->path, s->key,
                         s->type_name, en);
            free(en);
            goto out;
        }
        free(en);
        uint64_t esz;
        if (zipread_stat(&tf->zip, (uint64_t)ei, NULL, &esz, NULL, err) < 0)
            goto out;
        size_t es = dtype_size(s->dtype);
        if (es == 0 || esz / es < s->numel) {
            util_err_set(err, "%s: storage '%s' (%s) should hold %llu elements but its entry has %llu bytes",
                         f->path, s->key, s->type_name, (unsigned long long)s->numel,
                         (unsigned long long)esz);
            goto out;
        }
        s->zip_index = ei;
        s->avail = s->numel;
        s->located = 1;
    }
    if (name_all(f, root, err) < 0 || check_tensors(f, err) < 0)
        goto out;
    rc = 0;
out:
    free(buf);
    free(what);
    free(prefix);
    return rc;
}

/* ---- legacy layout ---------------------------------------------------- */

static int tl_open(loader_file *f, util_err *err)
{
    tp_file *tf = util_calloc(1, sizeof *tf);
    f->priv = tf;
    pk_init(&tf->pk, f->path);
    if (loader_map_file(f->path, &tf->map, err) < 0)
        return -1;
    const unsigned char *d = tf->map.data;
    uint64_t size = tf->map.size, pos = 0;
    size_t used;
    static const char *const what[] = { "the magic-number pickle", "the protocol-version pickle",
                                        "the sys_info pickle", "the data pickle",
                                        "the storage-keys pickle" };
    pk_obj *obj[5];
    for (int k = 0; k < 5; k++) {
        obj[k] = pk_run(&tf->pk, d + pos, (size_t)(size - pos), pos, what[k], &used, err);
        if (!obj[k])
            return -1;
        if (k == 0 && (obj[k]->type != PK_BIGINT || obj[k]->slen != 10 ||
                       memcmp(obj[k]->s, legacy_magic + 4, 10) != 0)) {
            util_err_set(err, "%s: not a PyTorch checkpoint (wrong magic number at offset 0)", f->path);
            return -1;
        }
        if (k == 1 && (obj[k]->type != PK_INT || obj[k]->i != 1001)) {
            util_err_set(err, "%s: unsupported legacy protocol version (expected 1001) at offset %llu",
                         f->path, (unsigned long long)pos);
            return -1;
        }
        if (k == 2 && obj[k]->type == PK_DICT)
            for (size_t j = 0; j < obj[k]->n; j++) {
                pk_obj *kk = obj[k]->items[2 * j], *vv = obj[k]->items[2 * j + 1];
                if (kk->type == PK_STR && strcmp(kk->s, "little_endian") == 0 && vv->type == PK_BOOL)
                    tf->pk.big_endian_storages = !vv->i;
            }
        pos += used;
    }
    pk_obj *keys = obj[4];
    if (keys->type != PK_LIST) {
        util_err_set(err, "%s: the storage-keys pickle is not a list", f->path);
        return -1;
    }
    for (size_t j = 0; j < keys->n; j++) {
        pk_obj *ko = keys->items[j];
        if (ko->type != PK_STR) {
            util_err_set(err, "%s: storage key #%zu is not a string", f->path, j);
            return -1;
        }
        pk_storage *s = pk_find_storage(&tf->pk, ko->s);
        if (!s) {
            util_err_set(err, "%s: storage '%s' is listed but no tensor uses it: its element size is unknown",
                         f->path, ko->s);
            return -1;
        }
        if (size - pos < 8) {
            util_err_set(err, "%s: storage '%s' (%s): truncated at offset %llu before its 8-byte element count",
                         f->path, s->key, s->type_name, (unsigned long long)pos);
            return -1;
        }
        uint64_t cnt = 0;
        for (int b = 7; b >= 0; b--)
            cnt = (cnt << 8) | d[pos + (uint64_t)b];
        pos += 8;
        size_t es = dtype_size(s->dtype);
        uint64_t nb;
        if (util_mul_u64(cnt, es, &nb) < 0 || nb > size - pos) {
            util_err_set(err, "%s: storage '%s' (%s): %llu elements at offset %llu run past the end of the file (%llu bytes)",
                         f->path, s->key, s->type_name, (unsigned long long)cnt,
                         (unsigned long long)pos, (unsigned long long)size);
            return -1;
        }
        s->file_offset = pos;
        s->avail = cnt;
        s->located = 1;
        pos += nb;
    }
    return name_all(f, obj[3], err) < 0 || check_tensors(f, err) < 0 ? -1 : 0;
}

const loader_format torch_zip_format = {
    .name = "torch",
    .extensions = ".pt .pth .bin .ckpt",
    .probe = tz_probe,
    .open = tz_open,
    .read = tp_read,
    .close = tp_close,
};

const loader_format torch_legacy_format = {
    .name = "torch-legacy",
    .extensions = ".pt .pth .bin .ckpt",
    .probe = tl_probe,
    .open = tl_open,
    .read = tp_read,
    .close = tp_close,
};
