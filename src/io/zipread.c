/* zipread.c - locked, bounds-checked entry reads from a zip archive (zipread.h). */
#include "config.h"
#include "io/zipread.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int zipread_open(zipread *z, const char *path, util_err *err)
{
    memset(z, 0, sizeof *z);
    z->path = path;
    struct stat st;
    if (stat(path, &st) < 0) {
        util_err_set(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    z->file_size = (uint64_t)st.st_size;
    int ze = 0;
    z->za = zip_open(path, ZIP_RDONLY, &ze);
    if (!z->za) {
        zip_error_t e;
        zip_error_init_with_code(&e, ze);
        util_err_set(err, "%s: not a readable zip archive: %s", path, zip_error_strerror(&e));
        zip_error_fini(&e);
        return -1;
    }
    pthread_mutex_init(&z->lock, NULL);
    z->locked_init = 1;
    return 0;
}

void zipread_close(zipread *z)
{
    if (z->za)
        zip_discard(z->za);
    if (z->locked_init)
        pthread_mutex_destroy(&z->lock);
    memset(z, 0, sizeof *z);
}

int64_t zipread_count(zipread *z)
{
    return zip_get_num_entries(z->za, 0);
}

int64_t zipread_find(zipread *z, const char *name)
{
    return zip_name_locate(z->za, name, 0);
}

int zipread_stat(zipread *z, uint64_t i, const char **name, uint64_t *size,
                 int *stored, util_err *err)
{
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(z->za, i, 0, &st) < 0) {
        util_err_set(err, "%s: zip entry #%llu: %s", z->path, (unsigned long long)i,
                     zip_strerror(z->za));
        return -1;
    }
    const char *nm = (st.valid & ZIP_STAT_NAME) && st.name ? st.name : "?";
    if (name)
        *name = nm;
    if (!(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE) ||
        !(st.valid & ZIP_STAT_COMP_METHOD)) {
        util_err_set(err, "%s: zip entry '%s': sizes unknown", z->path, nm);
        return -1;
    }
    if (st.comp_size > z->file_size) {
        util_err_set(err, "%s: zip entry '%s': compressed size %llu is larger than the file (%llu bytes)",
                     z->path, nm, (unsigned long long)st.comp_size, (unsigned long long)z->file_size);
        return -1;
    }
    if (st.comp_method == ZIP_CM_STORE) {
        if (st.size != st.comp_size) {
            util_err_set(err, "%s: zip entry '%s': stored entry with size %llu but %llu bytes of data",
                         z->path, nm, (unsigned long long)st.size, (unsigned long long)st.comp_size);
            return -1;
        }
    } else if (st.comp_method == ZIP_CM_DEFLATE) {
        uint64_t lim;
        if (util_mul_u64(st.comp_size + 64, ZIPREAD_MAX_RATIO, &lim) < 0 || st.size > lim ||
            (st.size > ZIPREAD_BIG && st.size / (st.comp_size + 1) > ZIPREAD_BIG_RATIO)) {
            util_err_set(err, "%s: zip entry '%s': declares %llu bytes from %llu compressed bytes, a zip bomb (more than %d:1 for a large entry); refusing",
                         z->path, nm, (unsigned long long)st.size, (unsigned long long)st.comp_size, ZIPREAD_BIG_RATIO);
            return -1;
        }
    } else {
        util_err_set(err, "%s: zip entry '%s': unsupported compression method %d (readable: stored, deflate)",
                     z->path, nm, (int)st.comp_method);
        return -1;
    }
    if (st.valid & ZIP_STAT_ENCRYPTION_METHOD && st.encryption_method != ZIP_EM_NONE) {
        util_err_set(err, "%s: zip entry '%s' is encrypted", z->path, nm);
        return -1;
    }
    *size = st.size;
    if (stored)
        *stored = st.comp_method == ZIP_CM_STORE;
    return 0;
}

int zipread_read(zipread *z, uint64_t i, uint64_t off, uint64_t len, void *buf,
                 const char *what, util_err *err)
{
    int rc = -1;
    pthread_mutex_lock(&z->lock);
    zip_file_t *zf = zip_fopen_index(z->za, i, 0);
    if (!zf) {
        util_err_set(err, "%s: %s: cannot open zip entry: %s", z->path, what, zip_strerror(z->za));
        goto out;
    }
    if (off > 0 && zip_fseek(zf, (zip_int64_t)off, SEEK_SET) < 0) {
        /* Compressed entries cannot seek: read and drop. */
        unsigned char tmp[65536];
        zip_fclose(zf);
        zf = zip_fopen_index(z->za, i, 0);
        if (!zf) {
            util_err_set(err, "%s: %s: cannot open zip entry: %s", z->path, what, zip_strerror(z->za));
            goto out;
        }
        uint64_t left = off;
        while (left > 0) {
            zip_uint64_t want = left < sizeof tmp ? left : sizeof tmp;
            zip_int64_t r = zip_fread(zf, tmp, want);
            if (r <= 0) {
                util_err_set(err, "%s: %s: zip entry data ends early (before offset %llu)%s%s",
                             z->path, what, (unsigned long long)off, r < 0 ? ": " : "",
                             r < 0 ? zip_file_strerror(zf) : "");
                goto out;
            }
            left -= (uint64_t)r;
        }
    }
    unsigned char *p = buf;
    uint64_t got = 0;
    while (got < len) {
        zip_int64_t r = zip_fread(zf, p + got, len - got);
        if (r <= 0) {
            util_err_set(err, "%s: %s: zip entry data ends early: %llu of %llu bytes at offset %llu%s%s",
                         z->path, what, (unsigned long long)got, (unsigned long long)len,
                         (unsigned long long)off, r < 0 ? ": " : "",
                         r < 0 ? zip_file_strerror(zf) : "");
            goto out;
        }
        got += (uint64_t)r;
    }
    rc = 0;
out:
    if (zf)
        zip_fclose(zf);
    pthread_mutex_unlock(&z->lock);
    return rc;
}
