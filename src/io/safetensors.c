/*
 * safetensors.c - .safetensors reader (safetensors.h).
 *
 * priv: an st_model, the array of mapped shards (one for a plain file),
 * with two indexes over it for a sharded model: normalised shard name ->
 * shard, and file identity (device:inode) -> shard, so that "./s" and "s",
 * or two links to one file, are one shard. The st_model owns the strings
 * both indexes borrow (strs).
 * Per tensor: priv = shard index, offset = absolute file offset of the data.
 */
#include "config.h"
#include "io/safetensors.h"
#include "io/stquant.h"
#include "io/stquant_priv.h"
#include "io/grid.h"

#include "core/jarena.h"
#include "io/sidefile.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct st_shard {
    char *path;            /* as opened: the index's directory + name */
    const char *name;      /* normalised name in the index (borrowed from strs) */
    loader_map map;
} st_shard;

typedef struct st_model {
    size_t nshards, cap;
    st_shard *shards;
    loader_names by_name;  /* normalised shard name -> shard index */
    loader_names by_file;  /* "dev:ino" -> shard index */
    char **strs;           /* owned keys of by_name and by_file */
    size_t nstrs, strcap;
    stq_model *quant;      /* quantized weights merged into logical tensors (stquant.h) */
} st_model;

/* An index is JSON text of about 100 bytes per tensor. */
#define SAFETENSORS_MAX_INDEX (256ull << 20)

static const struct {
    const char *name;
    dtype_id t;
    unsigned size; /* bytes per element for types we only list */
} st_dtypes[] = {
    { "F16", DT_F16, 2 }, { "BF16", DT_BF16, 2 }, { "F32", DT_F32, 4 }, { "F64", DT_F64, 8 },
    { "I8", DT_I8, 1 }, { "I16", DT_I16, 2 }, { "I32", DT_I32, 4 }, { "I64", DT_I64, 8 },
    { "U8", DT_U8, 1 }, { "U16", DT_U16, 2 }, { "U32", DT_U32, 4 }, { "U64", DT_U64, 8 },
    { "BOOL", DT_BOOL, 1 }, { "F8_E4M3", DT_F8_E4M3, 1 }, { "F8_E5M2", DT_F8_E5M2, 1 },
    /* Listed, not readable. */
    { "F8_E8M0", DT_INVALID, 1 }, { "C64", DT_INVALID, 8 },
};

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

static int st_probe(const unsigned char *head, size_t len, const char *path)
{
    if (!head) {
        char *ix = util_asprintf("%s/model.safetensors.index.json", path);
        int ok = access(ix, R_OK) == 0;
        free(ix);
        return ok ? 90 : 0;
    }
    if (has_suffix(path, ".index.json") && len >= 1)
        return 90;
    if (len >= 9) {
        uint64_t n = 0;
        for (int i = 7; i >= 0; i--)
            n = (n << 8) | head[i];
        if (n >= 2 && n <= SAFETENSORS_MAX_HEADER && head[8] == '{')
            return 80;
    }
    return has_suffix(path, ".safetensors") ? 10 : 0;
}

typedef struct st_span {
    uint64_t begin, end;
    size_t tensor;
} st_span;

static int span_cmp(const void *a, const void *b)
{
    const st_span *x = a, *y = b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

static int get_u64(json_t *v, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return -1;
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

/* Parse one mapped shard and append its tensors to f (priv = shard index). */
static int st_parse(loader_file *f, size_t shard, const char *path, const loader_map *m,
                    util_err *err)
{
    if (m->size < 8) {
        util_err_set(err, "%s: truncated: %llu bytes, too short for the 8-byte header length",
                     path, (unsigned long long)m->size);
        return -1;
    }
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = (n << 8) | m->data[i];
    if (n > SAFETENSORS_MAX_HEADER) {
        util_err_set(err, "%s: header length %llu at offset 0 exceeds the 100 MB limit",
                     path, (unsigned long long)n);
        return -1;
    }
    if (n > m->size - 8) {
        util_err_set(err, "%s: truncated: the header claims %llu bytes at offset 8 but the file has %llu bytes",
                     path, (unsigned long long)n, (unsigned long long)m->size);
        return -1;
    }
    if (n < 2 || m->data[8] != '{') {
        util_err_set(err, "%s: the header at offset 8 is not a JSON object", path);
        return -1;
    }
    json_error_t je;
    /* the header's nodes live in an arena, freed at once (jarena.h) */
    jarena *ja = jarena_begin((size_t)n);
    json_t *root = json_loadb((const char *)m->data + 8, (size_t)n, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        jarena_end(ja);
        util_err_set(err, "%s: malformed JSON header near offset %llu: %s", path,
                     (unsigned long long)(8 + (uint64_t)(je.position > 0 ? je.position : 0)), je.text);
        return -1;
    }
    int rc = -1;
    st_span *spans = NULL;
    size_t nspans = 0;
    uint64_t buf_start = 8 + n, buf_len = m->size - buf_start;
    if (!json_is_object(root)) {
        util_err_set(err, "%s: the header is not a JSON object", path);
        goto out;
    }
    size_t first = f->ntensors;
    spans = util_mallocarray(json_object_size(root) + 1, sizeof *spans);
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val) {
        if (strcmp(key, "__metadata__") == 0) {
            if (!json_is_object(val)) {
                util_err_set(err, "%s: __metadata__ is not an object", path);
                goto out;
            }
            const char *mk;
            json_t *mv;
            json_object_foreach(val, mk, mv) {
                if (!json_is_string(mv)) {
                    util_err_set(err, "%s: __metadata__ value of '%s' is not a string", path, mk);
                    goto out;
                }
                loader_add_meta(f, mk, json_string_value(mv));
            }
            continue;
        }
        if (!json_is_object(val)) {
            util_err_set(err, "%s: %s: the header entry is not an object", path, key);
            goto out;
        }
        json_t *jd = json_object_get(val, "dtype"), *js = json_object_get(val, "shape"),
               *jo = json_object_get(val, "data_offsets");
        if (!json_is_string(jd) || !json_is_array(js) || !json_is_array(jo) || json_array_size(jo) != 2) {
            util_err_set(err, "%s: %s: the header entry needs \"dtype\" (a string), \"shape\" (an array) and \"data_offsets\" ([begin, end])",
                         path, key);
            goto out;
        }
        const char *dn = json_string_value(jd);
        size_t di;
        for (di = 0; di < sizeof st_dtypes / sizeof st_dtypes[0]; di++)
            if (strcmp(st_dtypes[di].name, dn) == 0)
                break;
        if (di == sizeof st_dtypes / sizeof st_dtypes[0]) {
            util_err_set(err, "%s: %s: unknown dtype \"%s\"", path, key, dn);
            goto out;
        }
        size_t nd = json_array_size(js);
        if (nd > LOADER_MAXDIM) {
            util_err_set(err, "%s: %s: %zu dimensions (at most %d)", path, key, nd, LOADER_MAXDIM);
            goto out;
        }
        uint64_t shape[LOADER_MAXDIM], b, e;
        for (size_t k = 0; k < nd; k++)
            if (get_u64(json_array_get(js, k), &shape[k]) < 0) {
                util_err_set(err, "%s: %s: shape[%zu] is not a non-negative integer", path, key, k);
                goto out;
            }
        if (get_u64(json_array_get(jo, 0), &b) < 0 || get_u64(json_array_get(jo, 1), &e) < 0) {
            util_err_set(err, "%s: %s: data_offsets are not non-negative integers", path, key);
            goto out;
        }
        if (loader_find(f, key) >= 0) {
            util_err_set(err, "%s: %s: a tensor of this name is already in the model", path, key);
            goto out;
        }
        loader_tensor *t = loader_add_tensor(f, key);
        if (loader_set_shape(t, (int)nd, shape) < 0) {
            util_err_set(err, "%s: %s: the shape overflows (its element count does not fit 64 bits)", path, key);
            goto out;
        }
        t->dtype = st_dtypes[di].t;
        if (t->dtype == DT_INVALID) {
            t->readable = 0;
            t->type_note = st_dtypes[di].name;
        }
        if (e < b) {
            util_err_set(err, "%s: %s: data_offsets [%llu, %llu] end before they begin", path, key,
                         (unsigned long long)b, (unsigned long long)e);
            goto out;
        }
        uint64_t want;
        if (util_mul_u64(t->count, st_dtypes[di].size, &want) < 0 || e - b != want) {
            util_err_set(err, "%s: %s: data_offsets [%llu, %llu] hold %llu bytes but shape and dtype %s need %llu",
                         path, key, (unsigned long long)b, (unsigned long long)e,
                         (unsigned long long)(e - b), dn, (unsigned long long)t->count * st_dtypes[di].size);
            goto out;
        }
        t->nbytes = want;
        t->offset = b; /* made absolute below */
        t->priv = (void *)(uintptr_t)shard;
        spans[nspans].begin = b;
        spans[nspans].end = e;
        spans[nspans].tensor = f->ntensors - 1;
        nspans++;
    }
    /* The reference check: sorted by offset, the tensors tile the buffer. */
    qsort(spans, nspans, sizeof *spans, span_cmp);
    uint64_t pos = 0;
    for (size_t k = 0; k < nspans; k++) {
        const char *tn = f->tensors[spans[k].tensor].name;
        if (spans[k].begin != pos) {
            if (spans[k].begin < pos)
                util_err_set(err, "%s: %s: data_offsets [%llu, %llu] overlap the previous tensor (which ends at %llu)",
                             path, tn, (unsigned long long)spans[k].begin,
                             (unsigned long long)spans[k].end, (unsigned long long)pos);
            else
                util_err_set(err, "%s: %s: data_offsets [%llu, %llu] leave a gap after byte %llu of the data buffer",
                             path, tn, (unsigned long long)spans[k].begin,
                             (unsigned long long)spans[k].end, (unsigned long long)pos);
            goto out;
        }
        if (spans[k].end > buf_len) {
            util_err_set(err, "%s: %s: data_offsets [%llu, %llu] go past the end of the file (the data buffer at offset %llu has %llu bytes)",
                         path, tn, (unsigned long long)spans[k].begin, (unsigned long long)spans[k].end,
                         (unsigned long long)buf_start, (unsigned long long)buf_len);
            goto out;
        }
        pos = spans[k].end;
    }
    if (pos != buf_len) {
        util_err_set(err, "%s: the tensors describe %llu bytes of data but %llu bytes follow the header at offset %llu",
                     path, (unsigned long long)pos, (unsigned long long)buf_len,
                     (unsigned long long)buf_start);
        goto out;
    }
    for (size_t k = first; k < f->ntensors; k++)
        f->tensors[k].offset += buf_start;
    rc = 0;
out:
    free(spans);
    if (jarena_on(ja))
        jarena_end(ja);
    else
        json_decref(root);
    return rc;
}

static st_shard *add_shard(st_model *md, const char *path)
{
    if (md->nshards == md->cap) {
        md->cap = md->cap ? 2 * md->cap : 8;
        md->shards = util_realloc(md->shards, md->cap * sizeof *md->shards);
    }
    st_shard *s = &md->shards[md->nshards++];
    memset(s, 0, sizeof *s);
    s->path = util_strdup(path);
    return s;
}

/* Keep s (malloc'd) for as long as the model: index keys live here. */
static const char *keep(st_model *md, char *s)
{
    if (md->nstrs == md->strcap) {
        md->strcap = md->strcap ? 2 * md->strcap : 16;
        md->strs = util_realloc(md->strs, md->strcap * sizeof *md->strs);
    }
    md->strs[md->nstrs++] = s;
    return s;
}

/* Shard names from the index are put in normal form by sidefile_normalise
 * ("./s.safetensors" is "s.safetensors", "d//s" is "d/s"; absolute names
 * and ".." components refused; "a..b.safetensors" is an ordinary name). */
/* The shard for normalised name nm (mapped and parsed on first use), or -1. */
static long shard_for(loader_file *f, st_model *md, const char *dir, const char *nm,
                      const char *tensor, util_err *err)
{
    long k = loader_names_get(&md->by_name, nm);
    if (k >= 0)
        return k;
    const char *name = keep(md, util_strdup(nm));
    char *sp = util_asprintf("%s%s", dir, nm);
    loader_map m;
    util_err e = { { 0 } };
    if (loader_map_file(sp, &m, &e) < 0) {
        util_err_set(err, "%s (the shard the index names for %s)", e.msg, tensor);
        free(sp);
        return -1;
    }
    /* another name of a shard already open (a symlink, a hard link) */
    const char *id = keep(md, util_asprintf("%llx:%llx", (unsigned long long)m.dev,
                                            (unsigned long long)m.ino));
    k = loader_names_get(&md->by_file, id);
    if (k >= 0) {
        loader_unmap(&m);
        free(sp);
        loader_names_put(&md->by_name, name, (size_t)k);
        return k;
    }
    k = (long)md->nshards;
    st_shard *s = add_shard(md, sp);
    free(sp);
    s->name = name;
    s->map = m;
    loader_names_put(&md->by_name, name, (size_t)k);
    loader_names_put(&md->by_file, id, (size_t)k);
    if (st_parse(f, (size_t)k, s->path, &s->map, err) < 0)
        return -1;
    return k;
}

static int st_open_index(loader_file *f, st_model *md, const char *ixpath, util_err *err)
{
    size_t len;
    char *text = file_read_regular(ixpath, SAFETENSORS_MAX_INDEX, &len, err);
    if (!text)
        return -1;
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    free(text);
    if (!root) {
        util_err_set(err, "%s: malformed index JSON at line %d: %s", ixpath, je.line, je.text);
        return -1;
    }
    int rc = -1;
    char *dir = util_strdup(ixpath);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[1] = '\0';
    else
        dir[0] = '\0';
    json_t *wm = json_object_get(root, "weight_map");
    if (!json_is_object(wm)) {
        util_err_set(err, "%s: the index has no \"weight_map\" object", ixpath);
        goto out;
    }
    json_t *meta = json_object_get(root, "metadata");
    if (json_is_object(meta)) {
        const char *mk;
        json_t *mv;
        json_object_foreach(meta, mk, mv) {
            char *s = json_dumps(mv, JSON_ENCODE_ANY | JSON_COMPACT);
            loader_add_meta(f, mk, s ? s : "?");
            free(s);
        }
    }
    const char *key;
    json_t *val;
    /* Shards in order of first mention. */
    json_object_foreach(wm, key, val) {
        if (!json_is_string(val)) {
            util_err_set(err, "%s: weight_map entry '%s' is not a file name", ixpath, key);
            goto out;
        }
        const char *sn = json_string_value(val), *why;
        char *nm = sidefile_normalise(sn, &why);
        if (!nm) {
            util_err_set(err, "%s: %s: shard name '%s' %s", ixpath, key, sn, why);
            goto out;
        }
        long k = shard_for(f, md, dir, nm, key, err);
        free(nm);
        if (k < 0)
            goto out;
    }
    /* The index and the shards' headers agree: every tensor named in the
     * index is in the shard it names ... */
    json_object_foreach(wm, key, val) {
        const char *why;
        char *nm = sidefile_normalise(json_string_value(val), &why);
        long k = loader_names_get(&md->by_name, nm);
        free(nm);
        long ti = loader_find(f, key);
        if (ti < 0) {
            util_err_set(err, "%s: %s: the weight_map places it in %s but that shard does not hold it (no shard does)",
                         ixpath, key, json_string_value(val));
            goto out;
        }
        size_t in = (size_t)(uintptr_t)f->tensors[ti].priv;
        if ((long)in != k) {
            util_err_set(err, "%s: %s: the weight_map places it in %s but that shard does not hold it (%s does)",
                         ixpath, key, json_string_value(val), md->shards[in].name);
            goto out;
        }
    }
    /* ... and every tensor of every shard is named in the index. */
    for (size_t i = 0; i < f->ntensors; i++)
        if (!json_object_get(wm, f->tensors[i].name)) {
            util_err_set(err, "%s: %s: shard %s holds it but the weight_map does not list it",
                         ixpath, f->tensors[i].name,
                         md->shards[(uintptr_t)f->tensors[i].priv].name);
            goto out;
        }
    rc = 0;
out:
    free(dir);
    json_decref(root);
    return rc;
}

/* Quantized weights (stquant.h), with config.json looked for beside the
 * file or index at `at` (a path whose directory part is used). */
static void st_quant(loader_file *f, st_model *md, const char *at)
{
    const loader_map **maps = util_mallocarray(md->nshards + 1, sizeof *maps);
    for (size_t k = 0; k < md->nshards; k++)
        maps[k] = &md->shards[k].map;
    const char *slash = strrchr(at, '/');
    char *dir = util_asprintf("%.*s", slash ? (int)(slash - at + 1) : 0, at);
    md->quant = stquant_apply(f, maps, dir);
    free(dir);
    free(maps);
}

static int st_open(loader_file *f, util_err *err)
{
    st_model *md = util_calloc(1, sizeof *md);
    f->priv = md;
    struct stat st;
    int rc;
    if (stat(f->path, &st) == 0 && S_ISDIR(st.st_mode)) {
        char *ix = util_asprintf("%s/model.safetensors.index.json", f->path);
        rc = st_open_index(f, md, ix, err);
        if (rc == 0)
            st_quant(f, md, ix);
        free(ix);
        return rc;
    }
    if (has_suffix(f->path, ".index.json"))
        rc = st_open_index(f, md, f->path, err);
    else {
        st_shard *s = add_shard(md, f->path);
        if (loader_map_file(f->path, &s->map, err) < 0)
            return -1;
        rc = st_parse(f, 0, f->path, &s->map, err);
    }
    if (rc == 0)
        st_quant(f, md, f->path);
    return rc;
}

static int st_read(loader_file *f, size_t i, void *dst, int as_double, util_err *err)
{
    st_model *md = f->priv;
    loader_tensor *t = &f->tensors[i];
    if (t->stored_type)
        return stquant_read(f, i, dst, as_double, err);
    st_shard *s = &md->shards[(uintptr_t)t->priv];
    const unsigned char *p = s->map.data + t->offset;
    loader_convert(t, p, dst, as_double);
    /* resident memory tracks the tensors in flight, not the file */
    loader_release(&s->map, t->offset, t->nbytes);
    return 0;
}

static int st_raw(loader_file *f, size_t i, loader_rawview *v)
{
    st_model *md = f->priv;
    loader_tensor *t = &f->tensors[i];
    if (t->stored_type)
        return -1;   /* dequantized by read() */
    st_shard *s = &md->shards[(uintptr_t)t->priv];
    *v = (loader_rawview){ s->map.data + t->offset, &s->map, t->offset, t->nbytes };
    return 0;
}

static int st_read_range(loader_file *f, size_t i, uint64_t first, uint64_t n, float *dst)
{
    const loader_tensor *t = &f->tensors[i];
    if (!t->stored_type)
        return -1;   /* plain tensors have a raw view */
    stquant_read_range(t, first, n, dst);
    return 0;
}

static int st_grid(loader_file *f, size_t i, loader_grid *g, util_err *err)
{
    (void)err;
    const loader_tensor *t = &f->tensors[i];
    return t->stored_type ? stquant_grid(t, g) : -1;
}

static void st_release(loader_file *f, size_t i)
{
    st_model *md = f->priv;
    const loader_tensor *t = &f->tensors[i];
    if (t->stored_type)
        stquant_release(t);
    else
        loader_release(&md->shards[(uintptr_t)t->priv].map, t->offset, t->nbytes);
}

static void st_close(loader_file *f)
{
    st_model *md = f->priv;
    if (md) {
        stquant_free(md->quant);
        for (size_t k = 0; k < md->nshards; k++) {
            loader_unmap(&md->shards[k].map);
            free(md->shards[k].path);
        }
        free(md->shards);
        loader_names_free(&md->by_name);
        loader_names_free(&md->by_file);
        for (size_t k = 0; k < md->nstrs; k++)
            free(md->strs[k]);
        free(md->strs);
        free(md);
    }
    f->priv = NULL;
}

const loader_format safetensors_format = {
    .name = "safetensors",
    .extensions = ".safetensors .json",
    .probe = st_probe,
    .open = st_open,
    .read = st_read,
    .raw = st_raw,
    .read_range = st_read_range,
    .release = st_release,
    .grid = st_grid,
    .close = st_close,
};
