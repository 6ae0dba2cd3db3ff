/*
 * zipread.h - a zip archive opened through libzip, shared by the formats
 * that live in zip files (.npz, PyTorch >= 1.6 checkpoints).
 *
 * The archive handle is not thread-safe, so every read goes through a
 * mutex: tensors of one file may be read from several threads at once.
 * Entry sizes are checked against the archive's size before anything is
 * allocated, and deflated entries whose declared size is far beyond what
 * their compressed data could hold (a zip bomb) are refused.
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
/* Read len bytes at offset off of the uncompressed entry i into buf. `what`
 * names the entry/tensor in messages. */
int zipread_read(zipread *z, uint64_t i, uint64_t off, uint64_t len, void *buf,
                 const char *what, util_err *err);
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
