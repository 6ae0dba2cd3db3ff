/* loader.c - format dispatch and helpers shared by the formats (loader.h). */
#include "config.h"
#include "io/loader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the name index ---------------------------------------------------- */

static uint64_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h ^ (h >> 29);
}

static void names_grow(loader_names *ix)
{
    size_t cap = ix->cap ? ix->cap * 2 : 64;
    loader_name_slot *sl = util_mallocarray(cap, sizeof *sl);
    memset(sl, 0, cap * sizeof *sl);
    for (size_t i = 0; i < ix->cap; i++) {
        if (!ix->slots[i].key)
            continue;
        size_t j = (size_t)name_hash(ix->slots[i].key) & (cap - 1);
        while (sl[j].key)
            j = (j + 1) & (cap - 1);
        sl[j] = ix->slots[i];
    }
    free(ix->slots);
    ix->slots = sl;
    ix->cap = cap;
}

size_t loader_names_put(loader_names *ix, const char *key, size_t value)
{
    if (2 * (ix->n + 1) > ix->cap)
        names_grow(ix);
    size_t j = (size_t)name_hash(key) & (ix->cap - 1);
    while (ix->slots[j].key) {
        if (strcmp(ix->slots[j].key, key) == 0)
            return ix->slots[j].value;
        j = (j + 1) & (ix->cap - 1);
    }
    ix->slots[j].key = key;
    ix->slots[j].value = value;
    ix->n++;
    return value;
}

long loader_names_get(const loader_names *ix, const char *key)
{
    if (!ix->cap)
        return -1;
    size_t j = (size_t)name_hash(key) & (ix->cap - 1);
    while (ix->slots[j].key) {
        if (strcmp(ix->slots[j].key, key) == 0)
            return (long)ix->slots[j].value;
        j = (j + 1) & (ix->cap - 1);
    }
    return -1;
}

void loader_names_free(loader_names *ix)
{
    free(ix->slots);
    memset(ix, 0, sizeof *ix);
}

/* ---- descriptions ------------------------------------------------------ */

/* Grow an array of *cap elements of size sz to hold need (doubling). */
static void *grow(void *p, size_t *cap, size_t need, size_t sz)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    p = util_realloc(p, c * sz);
    *cap = c;
    return p;
}

loader_tensor *loader_add_tensor(loader_file *f, const char *name)
{
    f->tensors = grow(f->tensors, &f->tcap, f->ntensors + 1, sizeof *f->tensors);
    loader_tensor *t = &f->tensors[f->ntensors++];
    memset(t, 0, sizeof *t);
    t->name = util_strdup(name);
    t->readable = 1;
    t->count = 1;
    if (f->nnamed == f->ntensors - 1) {
        loader_names_put(&f->names, t->name, f->ntensors - 1);
        f->nnamed++;
    }
    return t;
}

void loader_add_meta(loader_file *f, const char *key, const char *value)
{
    f->meta = grow(f->meta, &f->mcap, f->nmeta + 1, sizeof *f->meta);
    f->meta[f->nmeta].key = util_strdup(key);
    f->meta[f->nmeta].value = util_strdup(value);
    f->nmeta++;
}

int loader_set_shape(loader_tensor *t, int ndim, const uint64_t *shape)
{
    if (ndim < 0 || ndim > LOADER_MAXDIM)
        return -1;
    uint64_t c = 1;
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++) {
        t->shape[i] = shape[i];
        if (util_mul_u64(c, shape[i], &c) < 0)
            return -1;
    }
    /* Element counts must also fit a byte count of the widest type. */
    if (c > (UINT64_MAX >> 4))
        return -1;
    t->count = c;
    return 0;
}

long loader_find(const loader_file *f, const char *name)
{
    if (f->nnamed == f->ntensors)
        return loader_names_get(&f->names, name);
    /* descriptions added behind loader_add_tensor's back */
    for (size_t i = 0; i < f->ntensors; i++)
        if (strcmp(f->tensors[i].name, name) == 0)
            return (long)i;
    return -1;
}

char *loader_sibling_alpha_name(const loader_file *f, size_t i)
{
    if (i >= f->ntensors)
        return NULL;
    const char *n = f->tensors[i].name;
    size_t len = strlen(n);
    if (len < 6 || strcmp(n + len - 6, "weight") != 0 || (len > 6 && n[len - 7] != '.'))
        return NULL;
    return util_asprintf("%.*sweight_quant.wgt_alpha", (int)(len - 6), n);
}

int loader_sibling_alpha(loader_file *f, size_t i, double *alpha)
{
    char *sn = loader_sibling_alpha_name(f, i);
    if (!sn)
        return -1;
    long j = loader_find(f, sn);
    free(sn);
    if (j < 0 || f->tensors[j].count != 1 || !f->tensors[j].readable)
        return -1;
    double v;
    util_err e = { { 0 } };
    if (loader_read(f, (size_t)j, &v, 1, &e) < 0)
        return -1;
    *alpha = v;
    return 0;
}

int loader_map_file(const char *path, loader_map *m, util_err *err)
{
    return file_map_regular(path, FILE_NO_LIMIT, m, err);
}

/* madvise the whole pages covering [off, off + len) of a mapping */
static void advise_range(const loader_map *m, uint64_t off, uint64_t len, int advice)
{
    if (!m->mapped || len == 0)
        return;
    long pg = sysconf(_SC_PAGESIZE);
    uint64_t a = off / (uint64_t)pg * (uint64_t)pg;
    uint64_t e = off + len;
    if (e > m->size)
        e = m->size;
    madvise((void *)(m->data + a), (size_t)(e - a), advice);
}

void loader_release(const loader_map *m, uint64_t off, uint64_t len)
{
    advise_range(m, off, len, MADV_DONTNEED);
}

void loader_willneed(const loader_map *m, uint64_t off, uint64_t len)
{
    advise_range(m, off, len, MADV_WILLNEED);
}

void loader_unmap(loader_map *m)
{
    file_unmap(m);
}

void loader_convert(const loader_tensor *t, const void *src, void *dst, int as_double)
{
    uint64_t n = t->count;
    if (!t->fortran_order || t->ndim < 2) {
        if (as_double)
            dtype_to_double(t->dtype, t->big_endian, src, (size_t)n, dst);
        else
            dtype_to_float(t->dtype, t->big_endian, src, (size_t)n, dst);
        return;
    }
    /* Fortran order: walk storage order (first index fastest) and scatter
     * each element to its C-order position. */
    size_t esz = as_double ? sizeof(double) : sizeof(float);
    size_t isz = dtype_size(t->dtype);
    uint64_t cstride[LOADER_MAXDIM], idx[LOADER_MAXDIM] = { 0 };
    cstride[t->ndim - 1] = 1;
    for (int k = t->ndim - 2; k >= 0; k--)
        cstride[k] = cstride[k + 1] * t->shape[k + 1];
    const unsigned char *s = src;
    unsigned char *d = dst;
    uint64_t cpos = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (as_double)
            dtype_to_double(t->dtype, t->big_endian, s + i * isz, 1, (double *)(void *)(d + cpos * esz));
        else
            dtype_to_float(t->dtype, t->big_endian, s + i * isz, 1, (float *)(void *)(d + cpos * esz));
        for (int k = 0; k < t->ndim; k++) {
            idx[k]++;
            cpos += cstride[k];
            if (idx[k] < t->shape[k])
                break;
            cpos -= cstride[k] * idx[k];
            idx[k] = 0;
        }
    }
}

static const loader_format *loader_pick(const char *path, util_err *err)
{
    unsigned char head[512];
    size_t len = 0;
    struct stat st;
    if (stat(path, &st) < 0) {
        /* a pseudo-file (demo:KIND) exists only by name: a probe that is
         * given no bytes and answers 100 claims it */
        for (size_t i = 0; strchr(path, ':') && loader_formats[i]; i++)
            if (loader_formats[i]->probe(NULL, 0, path) >= 100)
                return loader_formats[i];
        util_err_set(err, "%s: %s", path, strerror(errno));
        return NULL;
    }
    if (!S_ISDIR(st.st_mode)) {
        /* the same open as every other file: a FIFO or device is refused
         * here, before any byte is read */
        int fd = file_open_regular(path, FILE_NO_LIMIT, NULL, err);
        if (fd < 0)
            return NULL;
        for (;;) {
            ssize_t r = read(fd, head + len, sizeof head - len);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            len += (size_t)r;
        }
        close(fd);
        if (len == 0) {
            util_err_set(err, "%s: empty file (0 bytes): nothing to read", path);
            return NULL;
        }
    }
    const loader_format *best = NULL;
    int best_score = 0;
    for (size_t i = 0; loader_formats[i]; i++) {
        int s = loader_formats[i]->probe(S_ISDIR(st.st_mode) ? NULL : head, len, path);
        if (s > best_score) {
            best_score = s;
            best = loader_formats[i];
        }
    }
    if (!best) {
        if (S_ISDIR(st.st_mode))
            util_err_set(err, "%s: is a directory without a model index", path);
        else
            util_err_set(err, "%s: unknown file format (not .npy%s)", path,
                         loader_formats[1] ? ", .npz, .safetensors, .pt, .gguf, .onnx or a TensorFlow.js model.json" : "");
    }
    return best;
}

loader_file *loader_open(const char *path, const loader_opts *opts, util_err *err)
{
    const loader_format *fmt = loader_pick(path, err);
    if (!fmt)
        return NULL;
    loader_file *f = util_calloc(1, sizeof *f);
    f->path = util_strdup(path);
    f->fmt = fmt;
    if (opts)
        f->opts = *opts;
    if (fmt->open(f, err) < 0) {
        if (!util_err_isset(err))
            util_err_set(err, "%s: cannot read as %s", path, fmt->name);
        loader_close(f);
        return NULL;
    }
    return f;
}

int loader_read(loader_file *f, size_t i, void *dst, int as_double, util_err *err)
{
    if (i >= f->ntensors) {
        util_err_set(err, "%s: no tensor #%zu", f->path, i);
        return -1;
    }
    loader_tensor *t = &f->tensors[i];
    if (!t->readable) {
        util_err_set(err, "%s: %s: cannot read values of type %s", f->path, t->name,
                     t->type_note ? t->type_note : dtype_name(t->dtype));
        return -1;
    }
    return f->fmt->read(f, i, dst, as_double, err);
}

int loader_read_range(loader_file *f, size_t i, uint64_t first, uint64_t n, float *dst)
{
    if (i >= f->ntensors || !f->tensors[i].readable || !f->fmt->read_range)
        return -1;
    const loader_tensor *t = &f->tensors[i];
    if (first > t->count || n > t->count - first)
        return -1;
    return f->fmt->read_range(f, i, first, n, dst);
}

int loader_has_range(loader_file *f, size_t i)
{
    float x;
    return loader_read_range(f, i, 0, 0, &x) == 0;
}

int loader_weigh_info(loader_file *f, size_t i, unsigned *blck, unsigned *wmax)
{
    if (i >= f->ntensors || !f->tensors[i].readable || !f->fmt->weigh)
        return -1;
    unsigned b = 0, w = 0;
    if (f->fmt->weigh(f, i, 0, 0, NULL, &b, &w) < 0 || b == 0 || w == 0 || f->tensors[i].count % b)
        return -1;
    if (blck)
        *blck = b;
    if (wmax)
        *wmax = w;
    return 0;
}

int64_t loader_weigh(loader_file *f, size_t i, uint64_t first, uint64_t n, struct grid_wpair *out)
{
    unsigned b, w;
    if (!out || loader_weigh_info(f, i, &b, &w) < 0)
        return -1;
    uint64_t nb = f->tensors[i].count / b;
    if (first > nb || n > nb - first)
        return -1;
    return f->fmt->weigh(f, i, first, n, out, &b, &w);
}

void loader_release_tensor(loader_file *f, size_t i)
{
    if (i < f->ntensors && f->fmt->release)
        f->fmt->release(f, i);
}

void loader_compact(loader_file *f, const unsigned char *drop)
{
    size_t o = 0;
    for (size_t i = 0; i < f->ntensors; i++) {
        if (drop[i]) {
            free(f->tensors[i].name);
            continue;
        }
        f->tensors[o++] = f->tensors[i];
    }
    f->ntensors = o;
    loader_names_free(&f->names);
    f->nnamed = 0;
    for (size_t i = 0; i < f->ntensors; i++)
        loader_names_put(&f->names, f->tensors[i].name, i);
    f->nnamed = f->ntensors;
}

int loader_raw(loader_file *f, size_t i, loader_rawview *v)
{
    memset(v, 0, sizeof *v);
    if (i >= f->ntensors || !f->tensors[i].readable || !f->fmt->raw)
        return -1;
    if (f->fmt->raw(f, i, v) < 0 || !v->data) {
        memset(v, 0, sizeof *v);
        return -1;
    }
    return 0;
}

void loader_close(loader_file *f)
{
    if (!f)
        return;
    if (f->fmt && f->fmt->close)
        f->fmt->close(f);
    for (size_t i = 0; i < f->ntensors; i++)
        free(f->tensors[i].name);
    free(f->tensors);
    loader_names_free(&f->names);
    for (size_t i = 0; i < f->nmeta; i++) {
        free(f->meta[i].key);
        free(f->meta[i].value);
    }
    free(f->meta);
    free(f->path);
    free(f);
}
