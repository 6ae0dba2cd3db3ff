/*
 * imatrix.h - llama.cpp's importance matrix (llama-imatrix, tools/imatrix),
 * read for --imatrix=FILE: per weight tensor (GGUF name, such as
 * blk.0.attn_q.weight) the mean of the squared activations of each input
 * column, a_j = E[x_j^2], over the calibration text.
 *
 * Two file forms, told apart by the first four bytes:
 *
 *  - GGUF (the default since 2025; general.type = "imatrix", keys
 *    imatrix.datasets, imatrix.chunk_count, imatrix.chunk_size): per
 *    weight NAME two float32 tensors, NAME.in_sum2 with ggml ne = [ncols,
 *    nmat] (the sums of x_j^2 over the tokens seen, one row per matrix:
 *    nmat = 1, or the number of experts of a stacked MoE tensor) and
 *    NAME.counts with ne = [1, nmat] (the tokens each matrix saw); an
 *    optional NAME.in_sum (sums of x_j) is ignored. a = in_sum2 / counts
 *    per matrix; a matrix with count 0 (an expert the text never reached)
 *    gets a_j = 1 for every column, as llama.cpp stores such partial data.
 *    Read through the GGUF loader (io/loader.h).
 *
 *  - legacy .dat (llama.cpp's save_imatrix_legacy): little-endian int32
 *    n_entries, then per entry int32 name length, the name's bytes, int32
 *    ncall, int32 nval, float32 values[nval] (stored as (sum / count) *
 *    ncall); then optionally int32 last_call and int32 length + the dataset
 *    name. a = values / ncall; nmat = 1 (the format does not tell experts
 *    apart: a stacked tensor's entry holds E * ncols values, taken as E
 *    rows of ncols).
 *
 * Errors name the file, the entry and the byte offset (cut short, a
 * negative or oversized length, in_sum2 without counts, a count or value
 * that is not finite).
 *
 * Ownership: imatrix_load returns a malloc'd set freed by imatrix_free.
 */
#ifndef APOTVIEW_IO_IMATRIX_H
#define APOTVIEW_IO_IMATRIX_H

#include <stddef.h>
#include <stdint.h>
#include "core/util.h"

typedef struct imatrix_entry {
    char *name;            /* the weight's GGUF name (no .in_sum2 suffix) */
    uint64_t nmat;         /* matrices (experts): rows of a */
    uint64_t nval;         /* values in all: nmat * (columns per matrix) */
    double *a;             /* nval: a_j per matrix, row after row */
} imatrix_entry;

typedef struct imatrix {
    char *path;
    int legacy;            /* 1: .dat form */
    size_t n;
    imatrix_entry *e;      /* sorted by name */
    char *dataset;         /* the calibration text's name when stored, or NULL */
} imatrix;

/* Read path (either form). NULL with err set. */
imatrix *imatrix_load(const char *path, util_err *err);
void imatrix_free(imatrix *im);

/* The entry of GGUF weight name, or NULL. */
const imatrix_entry *imatrix_find(const imatrix *im, const char *name);

#endif
