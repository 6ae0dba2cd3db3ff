/* imatrix.c - see imatrix.h: llama.cpp's importance matrix, GGUF and
 * legacy .dat forms. */
#include "config.h"
#include "io/imatrix.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "io/loader.h"

#define IMX_MAX_FILE ((uint64_t)1 << 36)
#define IMX_MAX_NAME 4096

static int entry_cmp(const void *x, const void *y)
{
    return strcmp(((const imatrix_entry *)x)->name, ((const imatrix_entry *)y)->name);
}

void imatrix_free(imatrix *im)
{
    if (!im)
        return;
    for (size_t i = 0; i < im->n; i++) {
        free(im->e[i].name);
        free(im->e[i].a);
    }
    free(im->e);
    free(im->path);
    free(im->dataset);
    free(im);
}

const imatrix_entry *imatrix_find(const imatrix *im, const char *name)
{
    size_t lo = 0, hi = im ? im->n : 0;
    while (lo < hi) {
        size_t md = (lo + hi) / 2;
        int c = strcmp(im->e[md].name, name);
        if (c == 0)
            return &im->e[md];
        if (c < 0)
            lo = md + 1;
        else
            hi = md;
    }
    return NULL;
}

static imatrix_entry *add_entry(imatrix *im, const char *name, size_t len)
{
    im->e = util_realloc(im->e, (im->n + 1) * sizeof *im->e);
    imatrix_entry *e = &im->e[im->n++];
    memset(e, 0, sizeof *e);
    e->name = util_malloc(len + 1);
    memcpy(e->name, name, len);
    e->name[len] = '\0';
    return e;
}

/* Sort, and refuse a name given twice. */
static int finish(imatrix *im, util_err *err)
{
    if (im->n == 0) {
        util_err_set(err, "%s: no importance matrix entries in the file", im->path);
        return -1;
    }
    qsort(im->e, im->n, sizeof *im->e, entry_cmp);
    for (size_t i = 1; i < im->n; i++)
        if (strcmp(im->e[i - 1].name, im->e[i].name) == 0) {
            util_err_set(err, "%s: entry %s is given twice", im->path, im->e[i].name);
            return -1;
        }
    return 0;
}

/* ---- legacy .dat -------------------------------------------------------- */

static int rd_i32(const file_map *m, uint64_t *off, int32_t *v)
{
    if (*off > m->size || m->size - *off < 4)
        return -1;
    const unsigned char *p = m->data + *off;
    *v = (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
    *off += 4;
    return 0;
}

static int load_dat(imatrix *im, const file_map *m, util_err *err)
{
    uint64_t off = 0;
    int32_t n;
    if (rd_i32(m, &off, &n) < 0 || n < 1) {
        util_err_set(err, "%s: not an importance matrix (no GGUF header, and no entry count at offset 0 "
                     "of a legacy .dat file)", im->path);
        return -1;
    }
    for (int32_t i = 0; i < n; i++) {
        uint64_t at = off;
        int32_t len, ncall, nval;
        if (rd_i32(m, &off, &len) < 0) {
            util_err_set(err, "%s: cut short at offset %llu: entry %d of %d has no name length", im->path,
                         (unsigned long long)at, i + 1, n);
            return -1;
        }
        if (len < 1 || len > IMX_MAX_NAME || m->size - off < (uint64_t)len) {
            util_err_set(err, "%s: entry %d of %d at offset %llu: name length %d %s", im->path, i + 1, n,
                         (unsigned long long)at, len,
                         len < 1 || len > IMX_MAX_NAME ? "is out of range" : "runs past the end of the file");
            return -1;
        }
        const char *name = (const char *)m->data + off;
        off += (uint64_t)len;
        imatrix_entry *e = add_entry(im, name, (size_t)len);
        if (memchr(e->name, '\0', (size_t)len)) {
            util_err_set(err, "%s: entry %d at offset %llu: the name holds a NUL byte", im->path, i + 1,
                         (unsigned long long)at);
            return -1;
        }
        at = off;
        if (rd_i32(m, &off, &ncall) < 0 || rd_i32(m, &off, &nval) < 0) {
            util_err_set(err, "%s: %s: cut short at offset %llu (ncall, nval)", im->path, e->name,
                         (unsigned long long)at);
            return -1;
        }
        if (nval < 1 || ncall < 1) {
            util_err_set(err, "%s: %s at offset %llu: %s %d (must be positive)", im->path, e->name,
                         (unsigned long long)at, nval < 1 ? "nval" : "ncall", nval < 1 ? nval : ncall);
            return -1;
        }
        if ((m->size - off) / 4 < (uint64_t)nval) {
            util_err_set(err, "%s: %s: cut short at offset %llu: %d values (%llu bytes) announced, %llu bytes left",
                         im->path, e->name, (unsigned long long)off, nval, 4ull * (unsigned long long)nval,
                         (unsigned long long)(m->size - off));
            return -1;
        }
        e->nmat = 1;
        e->nval = (uint64_t)nval;
        e->a = util_mallocarray((size_t)nval, sizeof *e->a);
        for (int32_t k = 0; k < nval; k++) {
            const unsigned char *p = m->data + off + 4 * (uint64_t)k;
            uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
            float f;
            memcpy(&f, &u, 4);
            if (!isfinite(f) || f < 0) {
                util_err_set(err, "%s: %s: value %d at offset %llu is %g (must be finite and >= 0)", im->path,
                             e->name, k, (unsigned long long)(off + 4 * (uint64_t)k), (double)f);
                return -1;
            }
            e->a[k] = (double)f / (double)ncall;
        }
        off += 4 * (uint64_t)nval;
    }
    /* optional: last_call, then the dataset's name */
    int32_t last, dl;
    if (rd_i32(m, &off, &last) == 0 && rd_i32(m, &off, &dl) == 0 && dl > 0 && dl <= IMX_MAX_NAME &&
        m->size - off >= (uint64_t)dl) {
        im->dataset = util_malloc((size_t)dl + 1);
        memcpy(im->dataset, m->data + off, (size_t)dl);
        im->dataset[dl] = '\0';
    }
    return 0;
}

/* ---- GGUF ---------------------------------------------------------------- */

static int ends_with(const char *s, const char *suf, size_t *stem)
{
    size_t n = strlen(s), k = strlen(suf);
    if (n <= k || strcmp(s + n - k, suf) != 0)
        return 0;
    *stem = n - k;
    return 1;
}

static int load_gguf(imatrix *im, util_err *err)
{
    loader_opts lo = { 0 };
    loader_file *f = loader_open(im->path, &lo, err);
    if (!f)
        return -1;
    int rc = -1;
    if (strcmp(f->fmt->name, "gguf") != 0) {
        util_err_set(err, "%s: not a GGUF file", im->path);
        goto out;
    }
    for (size_t i = 0; i < f->nmeta; i++) {
        if (strcmp(f->meta[i].key, "general.type") == 0 && strcmp(f->meta[i].value, "imatrix") != 0) {
            util_err_set(err, "%s: a GGUF file of general.type '%s', not an importance matrix (imatrix)",
                         im->path, f->meta[i].value);
            goto out;
        }
        if (strcmp(f->meta[i].key, "imatrix.datasets") == 0 && !im->dataset)
            im->dataset = util_strdup(f->meta[i].value);
    }
    for (size_t i = 0; i < f->ntensors; i++) {
        const loader_tensor *t = &f->tensors[i];
        size_t stem;
        if (!ends_with(t->name, ".in_sum2", &stem))
            continue;
        imatrix_entry *e = add_entry(im, t->name, stem);
        char *cname = util_asprintf("%s.counts", e->name);
        long c = loader_find(f, cname);
        free(cname);
        if (c < 0) {
            util_err_set(err, "%s: %s has no %s.counts tensor", im->path, t->name, e->name);
            goto out;
        }
        const loader_tensor *ct = &f->tensors[c];
        if (t->dtype != DT_F32 || ct->dtype != DT_F32 || !t->readable || !ct->readable) {
            util_err_set(err, "%s: %s: in_sum2 and counts must be float32 (are %s, %s)", im->path, e->name,
                         loader_dtype_name(t), loader_dtype_name(ct));
            goto out;
        }
        uint64_t nmat = t->ndim >= 2 ? t->count / t->shape[t->ndim - 1] : 1;
        if (t->count == 0 || ct->count != nmat) {
            util_err_set(err, "%s: %s: %llu counts for %llu matrices of in_sum2 (shape of %llu values)", im->path,
                         e->name, (unsigned long long)ct->count, (unsigned long long)nmat,
                         (unsigned long long)t->count);
            goto out;
        }
        double *cnt = util_mallocarray((size_t)nmat, sizeof *cnt);
        e->a = util_mallocarray((size_t)t->count, sizeof *e->a);
        e->nmat = nmat;
        e->nval = t->count;
        if (loader_read(f, i, e->a, 1, err) < 0 || loader_read(f, (size_t)c, cnt, 1, err) < 0) {
            free(cnt);
            goto out;
        }
        uint64_t per = t->count / nmat;
        for (uint64_t m = 0; m < nmat; m++) {
            if (!isfinite(cnt[m]) || cnt[m] < 0) {
                util_err_set(err, "%s: %s.counts[%llu] is %g (must be finite and >= 0)", im->path, e->name,
                             (unsigned long long)m, cnt[m]);
                free(cnt);
                goto out;
            }
            for (uint64_t j = 0; j < per; j++) {
                double *v = &e->a[m * per + j];
                if (!isfinite(*v) || *v < 0) {
                    util_err_set(err, "%s: %s.in_sum2[%llu] is %g (must be finite and >= 0)", im->path,
                                 e->name, (unsigned long long)(m * per + j), *v);
                    free(cnt);
                    goto out;
                }
                *v = cnt[m] > 0 ? *v / cnt[m] : 1.0;
            }
        }
        free(cnt);
    }
    rc = 0;
out:
    loader_close(f);
    return rc;
}

imatrix *imatrix_load(const char *path, util_err *err)
{
    imatrix *im = util_calloc(1, sizeof *im);
    im->path = util_strdup(path);
    file_map m;
    if (file_map_regular(path, IMX_MAX_FILE, &m, err) < 0) {
        imatrix_free(im);
        return NULL;
    }
    int gguf = m.size >= 4 && memcmp(m.data, "GGUF", 4) == 0;
    int rc;
    if (gguf) {
        file_unmap(&m);
        rc = load_gguf(im, err);
    } else {
        im->legacy = 1;
        rc = load_dat(im, &m, err);
        file_unmap(&m);
    }
    if (rc == 0)
        rc = finish(im, err);
    if (rc < 0) {
        imatrix_free(im);
        return NULL;
    }
    return im;
}
