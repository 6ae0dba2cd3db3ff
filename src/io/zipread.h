/*
 * zipread.h - a zip archive opened through libzip, shared by the formats
 * that live in zip files (.npz, PyTorch >= 1.6 checkpoints).
 *
 * The archive handle is not thread-safe, so every read goes through a
 * mutex: tensors of one file may be read from several threads at once.
 * Entry sizes are checked against the archive's size before anything is
 * allocated, and deflated entries whose declared size is far beyond what
 * their compressed data could hold (a zip bomb) are refused.
 *
 * The archive is opened through core/file.h (a regular file or refused)
 * and handed to libzip as a stream on that descriptor.
 *
 * CRC-32: the first zipread_read of an entry streams the whole entry (a
 * stored one raw, a deflated one through libzip's inflater), copying the
 * bytes asked for and computing zlib's crc32 over all of them, and fails
 * with "FILE: MEMBER: CRC-32 mismatch (stored 0x..., computed 0x...): the
 * archive is corrupt" unless it matches the central directory. Only then
 * are the bytes returned; the entry is marked verified and later reads of
 * it seek straight to what they need. zipread_head reads the start of an
 * entry without the check, for the headers a listing shows (the values
 * behind them are always read through zipread_read, which then checks the
 * header bytes too).
 */
#ifndef APOTVIEW_ZIPREAD_H
#define APOTVIEW_ZIPREAD_H

#include <pthread.h>
#include <stdint.h>
#include <zip.h>
#include "core/util.h"

typedef struct zipread {
    zip_t *za;
    const char *path;      /* borrowed: the loader_file's path */
    uint64_t file_size;
    uint64_t nentries;
    unsigned char *verified; /* per entry: 1 once its CRC-32 matched (owned) */
    pthread_mutex_t lock;
    int locked_init;
} zipread;

/* Open path as a zip archive. -1 with a message on failure. */
int zipread_open(zipread *z, const char *path, util_err *err);
void zipread_close(zipread *z);
int64_t zipread_count(zipread *z);
/* Name, uncompressed size and method of entry i; -1 (with a message naming
 * `what`) for an entry that cannot be read, or whose declared size is
 * impossible for its compressed size. */
int zipread_stat(zipread *z, uint64_t i, const char **name, uint64_t *size,
                 int *stored, util_err *err);
/* Read len bytes at offset off of the uncompressed entry i into buf, the
 * entry's CRC-32 checked first (see above). `what` names the entry/tensor
 * in messages. */
int zipread_read(zipread *z, uint64_t i, uint64_t off, uint64_t len, void *buf,
                 const char *what, util_err *err);
/* The first len bytes of entry i, not CRC-checked (headers only). */
int zipread_head(zipread *z, uint64_t i, uint64_t len, void *buf, const char *what,
                 util_err *err);
/* Index of the entry named name, or -1. */
int64_t zipread_find(zipread *z, const char *name);

/* Largest deflate expansion accepted (deflate cannot exceed about 1032:1). */
#define ZIPREAD_MAX_RATIO 1100
/* Entries larger than ZIPREAD_BIG bytes must not expand more than
 * ZIPREAD_BIG_RATIO:1: trained weights compress barely at all, so a large
 * entry that shrinks a hundredfold is zeros, i.e. a bomb. */
#define ZIPREAD_BIG (16ull << 20)
#define ZIPREAD_BIG_RATIO 100

#endif
