/*
 * npy.h - NumPy .npy files (format versions 1.0, 2.0, 3.0).
 *
 * The file is memory-mapped; values are converted straight from the
 * mapping. npy_parse() is shared with formats that embed .npy data (.npz).
 */
#ifndef APOTVIEW_NPY_H
#define APOTVIEW_NPY_H

#include "io/loader.h"

extern const loader_format npy_format;

typedef struct npy_header {
    dtype_id dtype;
    int big_endian;
    int fortran_order;
    int ndim;
    uint64_t shape[LOADER_MAXDIM];
    uint64_t count;
    uint64_t data_offset;  /* from the start of the buffer */
    uint64_t data_bytes;
} npy_header;

/* Parse the header of .npy data in buf[0..size). `where` names the file (and
 * entry) in messages. Checks that the data the header describes is present
 * (size >= data_offset + data_bytes) and, when exact_size, that nothing
 * follows it. */
int npy_parse(const unsigned char *buf, uint64_t size, const char *where,
              const loader_opts *opts, int exact_size, npy_header *h, util_err *err);

/* Fill a loader_tensor description from a parsed header. */
int npy_describe(const npy_header *h, loader_tensor *t, const char *where, util_err *err);

#endif
