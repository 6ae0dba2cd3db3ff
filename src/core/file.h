/*
 * file.h - the one way apotview opens a file it reads.
 *
 * Every file the program reads (the file named on the command line, the
 * shards and index of a sharded model, zip archives, custom level files)
 * is opened here, so none of them can hang or run without bound:
 *   - open(2) with O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_NOCTTY: opening a FIFO
 *     does not wait for a writer, opening a terminal does not make it ours;
 *   - fstat(2) on the open descriptor (no stat-then-open race): anything
 *     but a regular file is refused with "PATH: not a regular file (a
 *     FIFO)" (a symlink is followed: its target is what counts);
 *   - O_NONBLOCK cleared again, and the size checked against the caller's
 *     limit before anything is read or allocated, so a reader never reads
 *     more than the file's size (fixed at open) or the limit.
 *
 * Ownership: file_open_regular returns a descriptor the caller closes;
 * file_map_regular fills a file_map the caller releases with file_unmap;
 * file_read_regular returns a malloc'd buffer; file_fopen_regular returns
 * a FILE * the caller fcloses. Errors fill a util_err (message without the
 * "apotview: " prefix, naming the path) and return -1 / NULL.
 */
#ifndef APOTVIEW_FILE_H
#define APOTVIEW_FILE_H

#include <stdint.h>
#include <stdio.h>
#include "core/util.h"

/* No limit on the size (beyond what the address space can map). */
#define FILE_NO_LIMIT UINT64_MAX

/* A read-only view of a whole regular file: mmap, or (where mmap fails) a
 * malloc'd copy of exactly size bytes. dev/ino identify the file (two
 * names of one file compare equal). */
typedef struct file_map {
    const unsigned char *data;
    uint64_t size;
    int mapped;            /* 1: mmap, 0: malloc'd copy (or size 0) */
    uint64_t dev, ino;
} file_map;

/* What a non-regular file is ("a FIFO", "a character device", ...) for a
 * message; "a directory" for one. */
const char *file_kind(unsigned mode);

/* Open path for reading as above. Returns the descriptor (blocking again)
 * and its size in *size (may be NULL), or -1. A size over max_size is
 * refused: "PATH: N bytes, more than the M accepted". */
int file_open_regular(const char *path, uint64_t max_size, uint64_t *size, util_err *err);

/* Map the whole file (at most max_size bytes). */
int file_map_regular(const char *path, uint64_t max_size, file_map *m, util_err *err);
void file_unmap(file_map *m);

/* Read the whole file (at most max_size bytes) into a malloc'd buffer with
 * a NUL after the last byte; its length in *len. */
char *file_read_regular(const char *path, uint64_t max_size, size_t *len, util_err *err);

/* A stdio stream on the file, for text readers. */
FILE *file_fopen_regular(const char *path, uint64_t max_size, util_err *err);

#endif
