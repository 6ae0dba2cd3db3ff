/* zipread.c - locked, bounds-checked, CRC-checked entry reads from a zip archive (zipread.h). */
#include "config.h"
#include "io/zipread.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "core/file.h"

int zipread_open(zipread *z, const char *path, util_err *err)
{
    memset(z, 0, sizeof *z);
    z->path = path;
    uint64_t size;
    int fd = file_open_regular(path, FILE_NO_LIMIT, &size, err);
    if (fd < 0)
        return -1;
    z->file_size = size;
    FILE *fp = fdopen(fd, "rb");
    if (!fp) {
        util_err_set(err, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    zip_error_t ze;
    zip_error_init(&ze);
    /* the source owns fp from here: freeing it closes the file */
    zip_source_t *src = zip_source_filep_create(fp, 0, -1, &ze);
    if (!src) {
        fclose(fp);
    } else {
        z->za = zip_open_from_source(src, ZIP_RDONLY, &ze);
        if (!z->za)
            zip_source_free(src);
    }
    if (!z->za) {
        util_err_set(err, "%s: not a readable zip archive: %s", path, zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return -1;
    }
    zip_error_fini(&ze);
    zip_int64_t n = zip_get_num_entries(z->za, 0);
    z->nentries = n > 0 ? (uint64_t)n : 0;
    z->verified = util_calloc(z->nentries ? (size_t)z->nentries : 1, 1);
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
    free(z->verified);
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

/* Read [off, off + len) of entry i, seeking (stored) or reading and
 * dropping (deflated) to off; no CRC check. The caller holds the lock. */
static int read_window(zipread *z, uint64_t i, uint64_t off, uint64_t len, void *buf,
                       const char *what, util_err *err)
{
    int rc = -1;
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
    return rc;
}

#define ZIPREAD_CHUNK (1u << 20)

/* ---- CRC-32 at memory speed ---------------------------------------------
 * zlib's crc32 runs at about 2.4 GB/s here, which would make checking a
 * stored member cost as much as reading it. On x86-64 with PCLMULQDQ the
 * CRC is folded 64 bytes at a time with carry-less multiplies (Gopal et
 * al., "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ",
 * Intel 2009; the constants are the paper's for the bit-reflected
 * polynomial 0xEDB88320, as in zlib-ng and Chromium's zlib), about 12 GB/s;
 * the tail and other machines use zlib. Same results as zlib's crc32 (the
 * fixtures' CRCs are checked with it; the bench reads 1 GB through it). */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define ZIPREAD_FOLD 1

/* The raw (not inverted) CRC register over len bytes, len >= 64 and a
 * multiple of 16. */
__attribute__((target("pclmul,sse4.1")))
static uint32_t crc_fold(const unsigned char *buf, size_t len, uint32_t crc)
{
    const __m128i k1k2 = _mm_set_epi64x(0x01c6e41596, 0x0154442bd4);
    const __m128i k3k4 = _mm_set_epi64x(0x00ccaa009e, 0x01751997d0);
    const __m128i k5k0 = _mm_set_epi64x(0, 0x0163cd6124);
    const __m128i poly = _mm_set_epi64x(0x01f7011641, 0x01db710641);
    __m128i x0, x1, x2, x3, x4, x5, x6, x7, x8, y5, y6, y7, y8;
    x1 = _mm_loadu_si128((const __m128i *)(buf + 0x00));
    x2 = _mm_loadu_si128((const __m128i *)(buf + 0x10));
    x3 = _mm_loadu_si128((const __m128i *)(buf + 0x20));
    x4 = _mm_loadu_si128((const __m128i *)(buf + 0x30));
    x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)crc));
    x0 = k1k2;
    buf += 64; len -= 64;
    while (len >= 64) {
        x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
        x6 = _mm_clmulepi64_si128(x2, x0, 0x00);
        x7 = _mm_clmulepi64_si128(x3, x0, 0x00);
        x8 = _mm_clmulepi64_si128(x4, x0, 0x00);
        x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
        x2 = _mm_clmulepi64_si128(x2, x0, 0x11);
        x3 = _mm_clmulepi64_si128(x3, x0, 0x11);
        x4 = _mm_clmulepi64_si128(x4, x0, 0x11);
        y5 = _mm_loadu_si128((const __m128i *)(buf + 0x00));
        y6 = _mm_loadu_si128((const __m128i *)(buf + 0x10));
        y7 = _mm_loadu_si128((const __m128i *)(buf + 0x20));
        y8 = _mm_loadu_si128((const __m128i *)(buf + 0x30));
        x1 = _mm_xor_si128(_mm_xor_si128(x1, x5), y5);
        x2 = _mm_xor_si128(_mm_xor_si128(x2, x6), y6);
        x3 = _mm_xor_si128(_mm_xor_si128(x3, x7), y7);
        x4 = _mm_xor_si128(_mm_xor_si128(x4, x8), y8);
        buf += 64; len -= 64;
    }
    x0 = k3k4;
    x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
    x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
    x1 = _mm_xor_si128(_mm_xor_si128(x1, x2), x5);
    x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
    x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
    x1 = _mm_xor_si128(_mm_xor_si128(x1, x3), x5);
    x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
    x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
    x1 = _mm_xor_si128(_mm_xor_si128(x1, x4), x5);
    while (len >= 16) {
        x2 = _mm_loadu_si128((const __m128i *)buf);
        x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
        x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
        x1 = _mm_xor_si128(_mm_xor_si128(x1, x2), x5);
        buf += 16; len -= 16;
    }
    x2 = _mm_clmulepi64_si128(x1, x0, 0x10);
    x3 = _mm_setr_epi32(~0, 0, ~0, 0);
    x1 = _mm_srli_si128(x1, 8);
    x1 = _mm_xor_si128(x1, x2);
    x0 = k5k0;
    x2 = _mm_srli_si128(x1, 4);
    x1 = _mm_and_si128(x1, x3);
    x1 = _mm_clmulepi64_si128(x1, x0, 0x00);
    x1 = _mm_xor_si128(x1, x2);
    x0 = poly;
    x2 = _mm_and_si128(x1, x3);
    x2 = _mm_clmulepi64_si128(x2, x0, 0x10);
    x2 = _mm_and_si128(x2, x3);
    x2 = _mm_clmulepi64_si128(x2, x0, 0x00);
    x1 = _mm_xor_si128(x1, x2);
    return (uint32_t)_mm_extract_epi32(x1, 1);
}
#endif

static uint32_t zip_crc32(uint32_t crc, const unsigned char *b, size_t n)
{
#ifdef ZIPREAD_FOLD
    /* a load of libgcc's CPU table: cheap, and no shared state to race on */
    if (n >= 64 && __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1")) {
        size_t k = n & ~(size_t)15;
        crc = ~crc_fold(b, k, ~crc);
        b += k;
        n -= k;
    }
#endif
    return (uint32_t)crc32_z(crc, b, (z_size_t)n);
}

static int crc_error(zip_file_t *zf)
{
    return zip_error_code_zip(zip_file_get_error(zf)) == ZIP_ER_CRC;
}

/* Read positions [from, to) of an open entry, copying the part inside
 * [off, off + len) to buf and folding everything into *crc. */
static int stream(zipread *z, zip_file_t *zf, const char *nm, uint64_t from, uint64_t to,
                  uint64_t off, uint64_t len, void *buf, unsigned char **tmp, uint32_t *crc,
                  util_err *err)
{
    uint64_t pos = from;
    while (pos < to) {
        unsigned char *dst;
        uint64_t want;
        if (pos >= off && pos < off + len) {
            dst = (unsigned char *)buf + (pos - off);
            want = (off + len < to ? off + len : to) - pos;
        } else {
            if (!*tmp)
                *tmp = util_malloc(ZIPREAD_CHUNK);
            dst = *tmp;
            want = (pos < off && off < to ? off : to) - pos;
        }
        if (want > ZIPREAD_CHUNK) /* checked while still in cache */
            want = ZIPREAD_CHUNK;
        zip_int64_t r = zip_fread(zf, dst, want);
        if (r <= 0) {
            util_err_set(err, "%s: %s: zip entry data ends early: %llu of %llu bytes%s%s", z->path,
                         nm, (unsigned long long)pos, (unsigned long long)to,
                         r < 0 ? ": " : "", r < 0 ? zip_file_strerror(zf) : "");
            return -1;
        }
        *crc = zip_crc32(*crc, dst, (size_t)r);
        pos += (uint64_t)r;
    }
    return 0;
}

/* Stream all of entry i, copying [off, off + len) into buf, and check its
 * CRC-32. The caller holds the lock. */
static int read_checked(zipread *z, uint64_t i, uint64_t off, uint64_t len, void *buf,
                        const char *what, util_err *err)
{
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(z->za, i, 0, &st) < 0) {
        util_err_set(err, "%s: %s: zip entry #%llu: %s", z->path, what, (unsigned long long)i,
                     zip_strerror(z->za));
        return -1;
    }
    const char *nm = (st.valid & ZIP_STAT_NAME) && st.name ? st.name : "?";
    if (!(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_CRC) ||
        !(st.valid & ZIP_STAT_COMP_METHOD)) {
        util_err_set(err, "%s: %s: the zip entry's size or CRC-32 is unknown", z->path, nm);
        return -1;
    }
    uint64_t size = st.size;
    if (off > size || len > size - off) {
        util_err_set(err, "%s: %s: %llu bytes at offset %llu are past the end of the %llu-byte zip entry",
                     z->path, what, (unsigned long long)len, (unsigned long long)off,
                     (unsigned long long)size);
        return -1;
    }
    int stored = st.comp_method == ZIP_CM_STORE;
    zip_file_t *zf = zip_fopen_index(z->za, i, stored ? ZIP_FL_COMPRESSED : 0);
    if (!zf) {
        util_err_set(err, "%s: %s: cannot open zip entry: %s", z->path, what, zip_strerror(z->za));
        return -1;
    }
    int rc = -1;
    unsigned char *tmp = NULL, one;
    uint32_t crc = 0;
    zip_int64_t r = 0;
    if (stored && size > 1 && zip_fseek(zf, 1, SEEK_SET) == 0) {
        /* A stored entry: bytes 1.. first, then byte 0. libzip computes
         * its own (zlib-speed) CRC of a stored entry read from its start
         * to its end; read in this order it does not, and ours is the
         * only pass. */
        uint32_t rest = 0;
        if (stream(z, zf, nm, 1, size, off, len, buf, &tmp, &rest, err) < 0 ||
            zip_fseek(zf, 0, SEEK_SET) < 0 ||
            stream(z, zf, nm, 0, 1, off, len, buf, &tmp, &crc, err) < 0) {
            util_err_set(err, "%s: %s: cannot read the zip entry: %s", z->path, nm, zip_file_strerror(zf));
            goto out;
        }
        crc = (uint32_t)crc32_combine(crc, rest, (z_off_t)(size - 1));
    } else {
        if (stream(z, zf, nm, 0, size, off, len, buf, &tmp, &crc, err) < 0)
            goto out;
        /* the end of the entry: nothing more (libzip checks the CRC of a
         * deflated entry here too; ours gives the numbers) */
        r = zip_fread(zf, &one, 1);
        if (r > 0) {
            util_err_set(err, "%s: %s: the zip entry holds more than its declared %llu bytes",
                         z->path, nm, (unsigned long long)size);
            goto out;
        }
        if (r < 0 && !crc_error(zf)) {
            util_err_set(err, "%s: %s: %s", z->path, nm, zip_file_strerror(zf));
            goto out;
        }
    }
    if (crc != (uint32_t)st.crc || r < 0) {
        util_err_set(err, "%s: %s: CRC-32 mismatch (stored 0x%08lx, computed 0x%08lx): the archive is corrupt",
                     z->path, nm, (unsigned long)st.crc, (unsigned long)crc);
        goto out;
    }
    z->verified[i] = 1;
    rc = 0;
out:
    free(tmp);
    zip_fclose(zf);
    return rc;
}

int zipread_read(zipread *z, uint64_t i, uint64_t off, uint64_t len, void *buf,
                 const char *what, util_err *err)
{
    if (i >= z->nentries) {
        util_err_set(err, "%s: %s: no zip entry #%llu", z->path, what, (unsigned long long)i);
        return -1;
    }
    pthread_mutex_lock(&z->lock);
    int rc = z->verified[i] ? read_window(z, i, off, len, buf, what, err)
                            : read_checked(z, i, off, len, buf, what, err);
    pthread_mutex_unlock(&z->lock);
    return rc;
}

int zipread_head(zipread *z, uint64_t i, uint64_t len, void *buf, const char *what,
                 util_err *err)
{
    pthread_mutex_lock(&z->lock);
    int rc = read_window(z, i, 0, len, buf, what, err);
    pthread_mutex_unlock(&z->lock);
    return rc;
}
