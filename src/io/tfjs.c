/*
 * tfjs.c - TensorFlow.js weights manifests and shards (tfjs.h).
 *
 * priv: tj_priv (the shards of every group, each weight's place). Per
 * tensor: priv = 1 + the weight's index.
 */
#include "config.h"
#include "io/tfjs.h"
#include "io/grid.h"
#include "io/sidefile.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TJ_MAX_JSON (512ull << 20)

enum { K_F32, K_I32, K_BOOL, K_STRING, K_COMPLEX, K_Q8, K_Q16, K_F16 };

typedef struct tj_shard {
    char *path;
    uint64_t size, start;  /* start: offset in its group's concatenation */
    file_map map;
    int mapped;
} tj_shard;

typedef struct tj_group {
    size_t first, n;       /* its shards */
    uint64_t total;
} tj_group;

typedef struct tj_w {
    size_t group;
    uint64_t off, nbytes;
    int kind, to_int;
    double scale, min;
} tj_w;

typedef struct tj_priv {
    tj_shard *sh;
    size_t nsh;
    tj_group *gr;
    size_t ngr;
    tj_w *w;
    size_t nw;
} tj_priv;

static int tfjs_probe(const unsigned char *head, size_t len, const char *path)
{
    if (!head || !path)
        return 0;
    size_t i = 0;
    while (i < len && (head[i] == ' ' || head[i] == '\n' || head[i] == '\r' || head[i] == '\t'))
        i++;
    if (i == len || (head[i] != '{' && head[i] != '['))
        return 0;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t bl = strlen(base);
    if (strcmp(base, "model.json") == 0 || (bl >= 21 && strcmp(base + bl - 21, "weights_manifest.json") == 0))
        return 90;
    if (bl > 5 && strcmp(base + bl - 5, ".json") == 0 &&
        memmem(head, len, "weightsManifest", 15) != NULL)
        return 70;
    return 0;
}

/* Make sure shard s is mapped. */
static int map_shard(loader_file *f, tj_shard *s, util_err *err)
{
    if (s->mapped)
        return 0;
    if (file_map_regular(s->path, FILE_NO_LIMIT, &s->map, err) < 0)
        return -1;
    s->mapped = 1;
    if (s->map.size != s->size) {
        util_err_set(err, "%s: %s changed size (%llu bytes, %llu when opened)", f->path, s->path,
                     (unsigned long long)s->map.size, (unsigned long long)s->size);
        return -1;
    }
    return 0;
}

/* Bytes [off, off + n) of group g: in place when one shard holds them
 * (*own NULL), else gathered into a malloc'd copy (*own). */
static const unsigned char *group_bytes(loader_file *f, tj_priv *p, size_t g, uint64_t off, uint64_t n,
                                        unsigned char **own, util_err *err)
{
    static const unsigned char none[1];
    tj_group *gr = &p->gr[g];
    *own = NULL;
    if (n == 0) /* an empty weight: no shard need exist or be mapped */
        return none;
    if (gr->n == 0) {
        util_err_set(err, "%s: group %zu has no shards for %llu bytes at byte %llu", f->path, g,
                     (unsigned long long)n, (unsigned long long)off);
        return NULL;
    }
    size_t k = gr->first;
    while (k + 1 < gr->first + gr->n && p->sh[k + 1].start <= off)
        k++;
    if (map_shard(f, &p->sh[k], err) < 0)
        return NULL;
    if (off + n <= p->sh[k].start + p->sh[k].size)
        return p->sh[k].map.data + (off - p->sh[k].start);
    unsigned char *buf = util_malloc(n ? n : 1);
    uint64_t done = 0;
    for (; done < n && k < gr->first + gr->n; k++) {
        if (map_shard(f, &p->sh[k], err) < 0) {
            free(buf);
            return NULL;
        }
        uint64_t in = off + done - p->sh[k].start, m = p->sh[k].size - in;
        if (m > n - done)
            m = n - done;
        if (m == 0) /* an empty shard maps to no pages */
            continue;
        memcpy(buf + done, p->sh[k].map.data + in, m);
        done += m;
    }
    *own = buf;
    return buf;
}

/* The shard of group g holding byte off (for messages). */
static const char *shard_at(const tj_priv *p, size_t g, uint64_t off)
{
    const tj_group *gr = &p->gr[g];
    size_t k = gr->first;
    while (k + 1 < gr->first + gr->n && p->sh[k + 1].start <= off)
        k++;
    return gr->n ? p->sh[k].path : "(no shard)";
}

static int kind_of(const char *dt, json_t *q, double *scale, double *min, const char **why)
{
    *why = NULL;
    if (q && json_is_object(q)) {
        const char *qd = json_string_value(json_object_get(q, "dtype"));
        if (qd && strcmp(qd, "float16") == 0)
            return K_F16;
        json_t *s = json_object_get(q, "scale"), *m = json_object_get(q, "min");
        if (qd && (strcmp(qd, "uint8") == 0 || strcmp(qd, "uint16") == 0)) {
            if (!json_is_number(s) || !json_is_number(m)) {
                *why = "quantization without a numeric scale and min";
                return -1;
            }
            *scale = json_number_value(s);
            *min = json_number_value(m);
            return qd[4] == '8' ? K_Q8 : K_Q16;
        }
        *why = "quantization dtype other than uint8, uint16 and float16";
        return -1;
    }
    if (q && !json_is_null(q)) {
        *why = "quantization is not an object";
        return -1;
    }
    if (!dt) {
        *why = "no dtype";
        return -1;
    }
    if (strcmp(dt, "float32") == 0)
        return K_F32;
    if (strcmp(dt, "int32") == 0)
        return K_I32;
    if (strcmp(dt, "bool") == 0)
        return K_BOOL;
    if (strcmp(dt, "string") == 0)
        return K_STRING;
    if (strcmp(dt, "complex64") == 0)
        return K_COMPLEX;
    *why = "dtype other than float32, int32, bool, string and complex64";
    return -1;
}

/* The byte size of `count` strings at off in group g (4-byte lengths). */
static int strings_size(loader_file *f, tj_priv *p, size_t g, uint64_t off, uint64_t count, const char *name,
                        uint64_t *nbytes, util_err *err)
{
    uint64_t at = off;
    for (uint64_t i = 0; i < count; i++) {
        unsigned char *own;
        if (at > p->gr[g].total || p->gr[g].total - at < 4) {
            util_err_set(err, "%s: %s: string %llu's length at byte %llu of group %zu runs past its shards (%llu bytes)",
                         f->path, name, (unsigned long long)i, (unsigned long long)at, g,
                         (unsigned long long)p->gr[g].total);
            return -1;
        }
        const unsigned char *b = group_bytes(f, p, g, at, 4, &own, err);
        if (!b)
            return -1;
        uint64_t len = (uint64_t)b[0] | (uint64_t)b[1] << 8 | (uint64_t)b[2] << 16 | (uint64_t)b[3] << 24;
        free(own);
        at += 4;
        if (len > p->gr[g].total - at) {
            util_err_set(err, "%s: %s: string %llu at byte %llu of group %zu (%s) claims %llu bytes, %llu are left",
                         f->path, name, (unsigned long long)i, (unsigned long long)(at - 4), g, shard_at(p, g, at - 4),
                         (unsigned long long)len, (unsigned long long)(p->gr[g].total - at));
            return -1;
        }
        at += len;
    }
    *nbytes = at - off;
    return 0;
}

static int add_group(loader_file *f, tj_priv *p, json_t *grp, size_t gi, util_err *err)
{
    json_t *paths = json_object_get(grp, "paths"), *ws = json_object_get(grp, "weights");
    if (!json_is_object(grp) || !json_is_array(paths) || !json_is_array(ws)) {
        util_err_set(err, "%s: weights manifest group %zu is not an object with 'paths' and 'weights' arrays",
                     f->path, gi);
        return -1;
    }
    p->gr = util_realloc(p->gr, (p->ngr + 1) * sizeof *p->gr);
    tj_group *gr = &p->gr[p->ngr++];
    gr->first = p->nsh;
    gr->n = 0;
    gr->total = 0;
    for (size_t k = 0; k < json_array_size(paths); k++) {
        const char *nm = json_string_value(json_array_get(paths, k));
        if (!nm) {
            util_err_set(err, "%s: group %zu: path %zu is not a string", f->path, gi, k);
            return -1;
        }
        char *path = sidefile_path(f->path, nm, "shard", err);
        if (!path)
            return -1;
        p->sh = util_realloc(p->sh, (p->nsh + 1) * sizeof *p->sh);
        tj_shard *s = &p->sh[p->nsh++];
        memset(s, 0, sizeof *s);
        s->path = path;
        gr = &p->gr[p->ngr - 1];
        gr->n++;
        util_err e2 = { { 0 } };
        int fd = file_open_regular(path, FILE_NO_LIMIT, &s->size, &e2);
        if (fd < 0) {
            util_err_set(err, "%s: group %zu: shard: %s", f->path, gi, e2.msg);
            return -1;
        }
        close(fd);
        s->start = gr->total;
        gr->total += s->size;
    }
    uint64_t off = 0;
    for (size_t k = 0; k < json_array_size(ws); k++) {
        json_t *w = json_array_get(ws, k), *shape = json_object_get(w, "shape");
        const char *name = json_string_value(json_object_get(w, "name"));
        if (!name || !json_is_array(shape)) {
            util_err_set(err, "%s: group %zu: weight %zu has no 'name' string and 'shape' array", f->path, gi, k);
            return -1;
        }
        if (loader_find(f, name) >= 0) {
            util_err_set(err, "%s: %s: two weights have this name", f->path, name);
            return -1;
        }
        double scale = 0, min = 0;
        const char *why;
        const char *dts = json_string_value(json_object_get(w, "dtype"));
        int kind = kind_of(dts, json_object_get(w, "quantization"), &scale, &min, &why);
        if (kind < 0) {
            util_err_set(err, "%s: %s: %s (dtype %s): the weights after it cannot be placed", f->path, name, why,
                         dts ? dts : "?");
            return -1;
        }
        loader_tensor *t = loader_add_tensor(f, name);
        uint64_t sh[LOADER_MAXDIM];
        size_t nd = json_array_size(shape);
        for (size_t d = 0; d < nd && d < LOADER_MAXDIM; d++) {
            json_t *v = json_array_get(shape, d);
            if (!json_is_integer(v) || json_integer_value(v) < 0) {
                util_err_set(err, "%s: %s: shape entry %zu is not a non-negative integer", f->path, name, d);
                return -1;
            }
            sh[d] = (uint64_t)json_integer_value(v);
        }
        if (nd > LOADER_MAXDIM || loader_set_shape(t, (int)nd, sh) < 0) {
            util_err_set(err, "%s: %s: the shape overflows (or has more than %d dimensions)", f->path, name,
                         LOADER_MAXDIM);
            return -1;
        }
        int to_int = dts && strcmp(dts, "int32") == 0;
        static const unsigned esz[] = { 4, 4, 1, 0, 8, 1, 2, 2 };
        uint64_t nbytes = t->count * esz[kind];
        if (kind == K_STRING && strings_size(f, p, p->ngr - 1, off, t->count, name, &nbytes, err) < 0)
            return -1;
        if (off > p->gr[p->ngr - 1].total || nbytes > p->gr[p->ngr - 1].total - off) {
            util_err_set(err, "%s: %s: its %llu bytes at byte %llu of group %zu (in %s) run past the end of the "
                         "group's shards (%llu bytes)", f->path, name, (unsigned long long)nbytes,
                         (unsigned long long)off, gi, shard_at(p, p->ngr - 1, off),
                         (unsigned long long)p->gr[p->ngr - 1].total);
            return -1;
        }
        p->w = util_realloc(p->w, (p->nw + 1) * sizeof *p->w);
        p->w[p->nw] = (tj_w){ p->ngr - 1, off, nbytes, kind, to_int, scale, min };
        t->priv = (void *)(uintptr_t)(++p->nw);
        t->offset = off;
        t->nbytes = nbytes;
        off += nbytes;
        switch (kind) {
        case K_F32: t->dtype = DT_F32; break;
        case K_I32: t->dtype = DT_I32; break;
        case K_BOOL: t->dtype = DT_BOOL; break;
        case K_STRING: case K_COMPLEX:
            t->readable = 0;
            t->stored_type = kind == K_STRING ? "string" : "complex64";
            t->type_note = kind == K_STRING ? "string: strings are not numbers"
                                            : "complex64: complex values are not shown";
            break;
        default:
            t->dtype = to_int ? DT_I32 : DT_F32;
            t->stored_type = kind == K_Q8 ? "uint8_affine" : kind == K_Q16 ? "uint16_affine" : "float16";
            t->stored_bpw = kind == K_Q8 ? 8 : 16;
        }
    }
    return 0;
}

static int tfjs_open(loader_file *f, util_err *err)
{
    tj_priv *p = util_calloc(1, sizeof *p);
    f->priv = p;
    size_t len;
    char *text = file_read_regular(f->path, TJ_MAX_JSON, &len, err);
    if (!text)
        return -1;
    json_error_t je;
    json_t *root = json_loadb(text, len, 0, &je);
    free(text);
    if (!root) {
        util_err_set(err, "%s: not JSON: %s (line %d, column %d, byte %d)", f->path, je.text, je.line, je.column,
                     je.position);
        return -1;
    }
    json_t *man = root;
    if (json_is_object(root)) {
        man = json_object_get(root, "weightsManifest");
        static const char *const keys[] = { "format", "generatedBy", "convertedBy" };
        for (size_t k = 0; k < 3; k++) {
            const char *v = json_string_value(json_object_get(root, keys[k]));
            if (v)
                loader_add_meta(f, keys[k], v);
        }
    }
    int rc = 0;
    if (!json_is_array(man)) {
        util_err_set(err, "%s: not a TensorFlow.js model: no weightsManifest array", f->path);
        rc = -1;
    }
    for (size_t g = 0; rc == 0 && g < json_array_size(man); g++)
        rc = add_group(f, p, json_array_get(man, g), g, err);
    json_decref(root);
    return rc;
}

static int tfjs_read(loader_file *f, size_t i, void *dst, int as_double, util_err *err)
{
    tj_priv *p = f->priv;
    loader_tensor *t = &f->tensors[i];
    const tj_w *w = &p->w[(uintptr_t)t->priv - 1];
    if (!t->readable) {
        util_err_set(err, "%s: %s: values not readable (%s)", f->path, t->name, t->type_note ? t->type_note : "?");
        return -1;
    }
    unsigned char *own;
    const unsigned char *b = group_bytes(f, p, w->group, w->off, w->nbytes, &own, err);
    if (!b)
        return -1;
    uint64_t n = t->count;
    switch (w->kind) {
    case K_F32: case K_I32: case K_BOOL:
        if (as_double)
            dtype_to_double(t->dtype, 0, b, (size_t)n, dst);
        else
            dtype_to_float(t->dtype, 0, b, (size_t)n, dst);
        break;
    case K_F16:
        if (as_double)
            dtype_to_double(DT_F16, 0, b, (size_t)n, dst);
        else
            dtype_to_float(DT_F16, 0, b, (size_t)n, dst);
        break;
    default:
        for (uint64_t k = 0; k < n; k++) {
            double q = w->kind == K_Q8 ? b[k] : (double)(b[2 * k] | b[2 * k + 1] << 8);
            /* tfjs: q * scale + min in double, stored in a Float32Array
             * (an Int32Array through Math.round for int32 weights) */
            double v = w->to_int ? floor(q * w->scale + w->min + 0.5) : (double)(float)(q * w->scale + w->min);
            if (as_double)
                ((double *)dst)[k] = v;
            else
                ((float *)dst)[k] = (float)v;
        }
    }
    free(own);
    return 0;
}

/* The stored grid of a uint8/uint16-affine weight (grid.h): one group,
 * levels q * scale + min for every code q (tfjs computes them in double:
 * the grid's float operations are within a rounding of its values). */
static int tfjs_grid(loader_file *f, size_t i, loader_grid *g, util_err *err)
{
    (void)err;
    tj_priv *p = f->priv;
    const loader_tensor *t = &f->tensors[i];
    const tj_w *w = &p->w[(uintptr_t)t->priv - 1];
    if (!t->readable || (w->kind != K_Q8 && w->kind != K_Q16) || w->to_int)
        return -1;
    if (!g)
        return 0;
    size_t ncb = w->kind == K_Q8 ? 256 : 65536;
    loader_grid_init(g, t->stored_type, ncb, 1, t->count, 1, t->count, 0, 1);
    for (size_t k = 0; k < ncb; k++)
        g->cb[k] = (double)k;
    loader_grid_finish_cb(g);
    g->scale[0] = (float)w->scale;
    g->bias[0] = (float)w->min;
    g->scale_dtype = "fp64 (manifest)";
    loader_grid_set_bytes(g, w->nbytes);
    snprintf(g->params, sizeof g->params, "%s: TensorFlow.js %s codes q, one scale %.9g and min %.9g for the tensor: "
             "w = q * scale + min", t->stored_type, w->kind == K_Q8 ? "uint8" : "uint16", w->scale, w->min);
    return 0;
}

static void tfjs_close(loader_file *f)
{
    tj_priv *p = f->priv;
    if (p) {
        for (size_t i = 0; i < p->nsh; i++) {
            if (p->sh[i].mapped)
                file_unmap(&p->sh[i].map);
            free(p->sh[i].path);
        }
        free(p->sh);
        free(p->gr);
        free(p->w);
        free(p);
    }
    f->priv = NULL;
}

const loader_format tfjs_format = {
    .name = "tfjs",
    .extensions = ".json",
    .probe = tfjs_probe,
    .open = tfjs_open,
    .read = tfjs_read,
    .grid = tfjs_grid,
    .close = tfjs_close,
};
