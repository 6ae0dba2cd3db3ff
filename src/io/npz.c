/*
 * npz.c - .npz reader (npz.h).
 *
 * priv: a zipread handle. Per tensor, offset is the .npy data offset inside
 * the uncompressed entry and priv holds the entry index (as an integer).
 */
#include "config.h"
#include "io/npz.h"
#include "io/npy.h"
#include "io/zipread.h"

#include <stdlib.h>
#include <string.h>

/* A .npy header may not exceed this (numpy itself limits it to 10000 bytes
 * unless told otherwise). */
#define NPZ_MAX_HEADER (1u << 20)

static int npz_probe(const unsigned char *head, size_t len, const char *path)
{
    size_t n = strlen(path);
    int ext = n > 4 && strcmp(path + n - 4, ".npz") == 0;
    if (!head)
        return 0;
    if (len >= 4 && memcmp(head, "PK\x03\x04", 4) == 0) {
        /* The first entry of a numpy archive is a .npy file: its name
         * (at offset 30, length at 26) ends in ".npy". */
        if (len >= 30) {
            size_t nl = (size_t)head[26] | ((size_t)head[27] << 8);
            if (30 + nl <= len && nl > 4 && memcmp(head + 30 + nl - 4, ".npy", 4) == 0)
                return 90;
        }
        return ext ? 80 : 30;
    }
    if (len >= 4 && memcmp(head, "PK\x05\x06", 4) == 0) /* empty archive */
        return ext ? 80 : 20;
    return ext ? 5 : 0;
}

static int npz_open(loader_file *f, util_err *err)
{
    zipread *z = util_calloc(1, sizeof *z);
    f->priv = z;
    if (zipread_open(z, f->path, err) < 0)
        return -1;
    int64_t n = zipread_count(z);
    if (n < 0) {
        util_err_set(err, "%s: cannot list the zip archive", f->path);
        return -1;
    }
    for (int64_t i = 0; i < n; i++) {
        const char *name;
        uint64_t size;
        if (zipread_stat(z, (uint64_t)i, &name, &size, NULL, err) < 0)
            return -1;
        size_t nl = strlen(name);
        if (nl == 0 || name[nl - 1] == '/')
            continue; /* a directory */
        char *tname = util_strndup(name, nl > 4 && strcmp(name + nl - 4, ".npy") == 0 ? nl - 4 : nl);
        char *where = util_asprintf("%s: %s", f->path, tname);
        unsigned char head[12];
        npy_header h;
        int rc = -1;
        if (size < 10) {
            util_err_set(err, "%s: entry '%s' is %llu bytes, too short for a .npy header",
                         where, name, (unsigned long long)size);
            goto done;
        }
        uint64_t hl = size < sizeof head ? size : sizeof head;
        if (zipread_head(z, (uint64_t)i, hl, head, tname, err) < 0)
            goto done;
        if (memcmp(head, "\x93NUMPY", 6) != 0) {
            util_err_set(err, "%s: entry '%s' is not a .npy array (bad magic at offset 0 of the entry)",
                         where, name);
            goto done;
        }
        uint64_t hlen = head[6] == 1 ? 10 + ((uint64_t)head[8] | ((uint64_t)head[9] << 8))
                        : hl >= 12 ? 12 + ((uint64_t)head[8] | ((uint64_t)head[9] << 8) |
                                           ((uint64_t)head[10] << 16) | ((uint64_t)head[11] << 24))
                                   : 12;
        if (hlen > NPZ_MAX_HEADER) {
            util_err_set(err, "%s: .npy header of %llu bytes is too large", where,
                         (unsigned long long)hlen);
            goto done;
        }
        if (hlen > size)
            hlen = size; /* npy_parse reports the truncation */
        unsigned char *hb = util_malloc((size_t)hlen + 1);
        if (zipread_head(z, (uint64_t)i, hlen, hb, tname, err) < 0) {
            free(hb);
            goto done;
        }
        /* npy_parse looks only at the header bytes (hb holds all of them,
         * or the check against size fails first); size is the entry's, so
         * it also checks that the data fills the entry exactly. */
        rc = npy_parse(hb, size, where, &f->opts, 1, &h, err);
        free(hb);
        if (rc < 0)
            goto done;
        rc = -1;
        if (loader_find(f, tname) >= 0) {
            util_err_set(err, "%s: two entries hold a tensor of this name", where);
            goto done;
        }
        loader_tensor *t = loader_add_tensor(f, tname);
        if (npy_describe(&h, t, where, err) < 0)
            goto done;
        t->priv = (void *)(uintptr_t)i;
        rc = 0;
    done:
        free(where);
        free(tname);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int npz_read(loader_file *f, size_t i, void *dst, int as_double, util_err *err)
{
    zipread *z = f->priv;
    loader_tensor *t = &f->tensors[i];
    void *raw = malloc(t->nbytes ? (size_t)t->nbytes : 1);
    if (!raw) {
        util_err_set(err, "%s: %s: out of memory for %llu bytes", f->path, t->name,
                     (unsigned long long)t->nbytes);
        return -1;
    }
    char *what = util_asprintf("%s", t->name);
    int rc = zipread_read(z, (uint64_t)(uintptr_t)t->priv, t->offset, t->nbytes, raw, what, err);
    free(what);
    if (rc == 0)
        loader_convert(t, raw, dst, as_double);
    free(raw);
    return rc;
}

static void npz_close(loader_file *f)
{
    zipread *z = f->priv;
    if (z) {
        zipread_close(z);
        free(z);
    }
    f->priv = NULL;
}

const loader_format npz_format = {
    .name = "npz",
    .extensions = ".npz",
    .probe = npz_probe,
    .open = npz_open,
    .read = npz_read,
    .close = npz_close,
};
