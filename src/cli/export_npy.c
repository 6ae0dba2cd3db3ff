/* export_npy.c - --export=PATH.npy (export_npy.h). */
#include "config.h"
#include "cli/export_npy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/session.h"

#define CHUNK (1u << 20)   /* values per streamed chunk */

int export_npy_wanted(const cli_opts *o)
{
    const char *p = o->export_path;
    size_t n = p ? strlen(p) : 0;
    return n >= 4 && strcasecmp(p + n - 4, ".npy") == 0;
}

/* The .npy header for t's values as float32 or float64. */
static unsigned char *npy_header(const loader_tensor *t, int dbl, size_t *len)
{
    char shape[LOADER_MAXDIM * 24 + 8];
    size_t o = 0;
    shape[o++] = '(';
    for (int k = 0; k < t->ndim; k++)
        o += (size_t)snprintf(shape + o, sizeof shape - o, "%llu%s", (unsigned long long)t->shape[k],
                              t->ndim == 1 ? "," : k + 1 < t->ndim ? ", " : "");
    snprintf(shape + o, sizeof shape - o, ")");
    char *dict = util_asprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", dbl ? "<f8" : "<f4",
                               shape);
    size_t dl = strlen(dict);
    int v2 = 10 + dl + 1 > 65535;
    size_t pre = v2 ? 12 : 10, total = (pre + dl + 1 + 63) / 64 * 64;
    unsigned char *h = util_malloc(total);
    memcpy(h, "\x93NUMPY", 6);
    h[6] = v2 ? 2 : 1;
    h[7] = 0;
    size_t hl = total - pre;
    if (v2) {
        for (int k = 0; k < 4; k++)
            h[8 + k] = (unsigned char)(hl >> (8 * k));
    } else {
        h[8] = (unsigned char)hl;
        h[9] = (unsigned char)(hl >> 8);
    }
    memcpy(h + pre, dict, dl);
    memset(h + pre + dl, ' ', total - pre - dl - 1);
    h[total - 1] = '\n';
    free(dict);
    *len = total;
    return h;
}

static int write_all(int fd, const void *buf, size_t n)
{
    const unsigned char *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int host_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* Values to little-endian bytes in place. */
static void to_le(void *buf, size_t n, size_t esz)
{
    if (host_little_endian())
        return;
    unsigned char *p = buf;
    for (size_t i = 0; i < n; i++, p += esz)
        for (size_t a = 0, b = esz - 1; a < b; a++, b--) {
            unsigned char c = p[a];
            p[a] = p[b];
            p[b] = c;
        }
}

/* Write tensor ti's values to fd: streamed where the tensor allows. */
static int write_values(int fd, loader_file *f, size_t ti, int dbl, util_err *err)
{
    const loader_tensor *t = &f->tensors[ti];
    size_t esz = dbl ? 8 : 4;
    loader_rawview rv;
    int ranged = !dbl && loader_has_range(f, ti);
    int raw = !ranged && !t->fortran_order && loader_raw(f, ti, &rv) == 0;
    if (!ranged && !raw) {
        void *buf = session_read(f, ti, dbl, err);
        if (!buf)
            return -1;
        to_le(buf, (size_t)t->count, esz);
        int rc = write_all(fd, buf, (size_t)t->count * esz);
        free(buf);
        if (rc < 0)
            util_err_set(err, "%s", strerror(errno));
        return rc;
    }
    void *buf = util_mallocarray(CHUNK, esz);
    size_t isz = raw ? dtype_size(t->dtype) : 0;
    int rc = 0;
    for (uint64_t a = 0; a < t->count && rc == 0; a += CHUNK) {
        uint64_t n = t->count - a < CHUNK ? t->count - a : CHUNK;
        if (ranged)
            loader_read_range(f, ti, a, n, buf);
        else {
            loader_tensor tt = *t;
            tt.count = n;
            tt.ndim = 1;
            tt.shape[0] = n;
            loader_convert(&tt, rv.data + a * isz, buf, dbl);
        }
        to_le(buf, (size_t)n, esz);
        if (write_all(fd, buf, (size_t)n * esz) < 0) {
            util_err_set(err, "%s", strerror(errno));
            rc = -1;
        }
    }
    if (raw)
        loader_release(rv.map, rv.offset, rv.nbytes);
    free(buf);
    return rc;
}

/* Put tmp in place of path: link (never replacing) or, with force,
 * rename. */
static int install(const char *tmp, const char *path, int force, util_err *err)
{
    if (!force) {
        if (link(tmp, path) == 0) {
            unlink(tmp);
            return 0;
        }
        if (errno == EEXIST) {
            util_err_set(err, "%s already exists (use --force to overwrite it)", path);
            return -1;
        }
        /* file systems without hard links: check, then rename */
        if (access(path, F_OK) == 0) {
            util_err_set(err, "%s already exists (use --force to overwrite it)", path);
            return -1;
        }
    } else {
        struct stat st;
        if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
            util_err_set(err, "cannot write %s: it is %s", path,
                         S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
            return -1;
        }
    }
    if (rename(tmp, path) < 0) {
        util_err_set(err, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int export_one(const cli_opts *o, loader_file *f, size_t ti, util_err *err)
{
    const char *path = o->export_path;
    const loader_tensor *t = &f->tensors[ti];
    if (!t->readable) {
        util_err_set(err, "%s: %s: cannot read values of type %s", f->path, t->name,
                     t->type_note ? t->type_note : loader_dtype_name(t));
        return -1;
    }
    int dbl = !dtype_fits_float(t->dtype);
    const char *slash = strrchr(path, '/');
    char *dir = slash ? util_asprintf("%.*s", (int)(slash - path + 1), path) : util_strdup("");
    char *tmp = util_asprintf("%s.apotview-npy-XXXXXX", dir);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        util_err_set(err, "cannot write %s: %s", path, strerror(errno));
        free(dir);
        free(tmp);
        return -1;
    }
    size_t hl;
    unsigned char *h = npy_header(t, dbl, &hl);
    int rc = write_all(fd, h, hl);
    free(h);
    util_err werr = { { 0 } };
    if (rc < 0)
        util_err_set(&werr, "%s", strerror(errno));
    else
        rc = write_values(fd, f, ti, dbl, &werr);
    if (rc == 0 && fsync(fd) < 0) {
        util_err_set(&werr, "%s", strerror(errno));
        rc = -1;
    }
    if (close(fd) < 0 && rc == 0) {
        util_err_set(&werr, "%s", strerror(errno));
        rc = -1;
    }
    if (rc < 0)
        util_err_set(err, "cannot write %s: %s", path, werr.msg);
    else
        rc = install(tmp, path, o->force, err);
    if (rc < 0)
        unlink(tmp);
    else {
        int dfd = open(*dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    free(dir);
    free(tmp);
    return rc;
}

int export_npy_run(const cli_opts *o)
{
    /* refuse an existing file before anything is read */
    if (!o->force && access(o->export_path, F_OK) == 0) {
        util_warn("%s already exists (use --force to overwrite it)", o->export_path);
        return 1;
    }
    session s;
    if (session_open(&s, o, 0) < 0 || s.nitems == 0) {
        int failed = s.failed;
        session_close(&s);
        if (!failed)
            util_warn("--export=FILE.npy: no tensor selected");
        return 1;
    }
    int status = 0;
    if (s.nitems > 1) {
        util_warn("--export=FILE.npy writes one tensor but %zu are selected (choose one with -t NAME)",
                  s.nitems);
        status = 2;
    } else {
        loader_file *f = s.files[s.items[0].file];
        util_err err = { { 0 } };
        if (export_one(o, f, s.items[0].tensor, &err) < 0) {
            util_warn("%s", err.msg);
            status = 1;
        }
    }
    if (s.failed && status == 0)
        status = 1;
    session_close(&s);
    return status;
}
