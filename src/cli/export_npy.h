/*
 * export_npy.h - `--export=PATH.npy`: the one selected tensor's values, as
 * the file holds them after dequantization, written as a NumPy .npy file.
 *
 * The values are float32 ('<f4'), or float64 ('<f8') for a tensor whose
 * values float32 cannot hold exactly (float64, int32, int64, ...), in C
 * order with the shape as listed (a quantized tensor's logical shape). The
 * header is format 1.0 (2.0 when it would exceed 65535 bytes), padded to a
 * multiple of 64 bytes as numpy writes it.
 *
 * The write is atomic: the data goes to a temporary file in the
 * destination's directory, is fsync'ed, and is then linked into place
 * (fails if the name exists: no race with another writer) or, with
 * --force, renamed over the old file; the directory is fsync'ed after. An
 * existing PATH without --force is refused before anything is read; a
 * failed write (a full disk) leaves no file behind and PATH untouched.
 *
 * Values are streamed: a quantized tensor is decoded in chunks
 * (loader_read_range), a plain one converted in chunks from its raw view,
 * so memory stays bounded; other tensors are read whole.
 */
#ifndef APOTVIEW_EXPORT_NPY_H
#define APOTVIEW_EXPORT_NPY_H

#include "model/options.h"

/* 1 when --export names a .npy file. */
int export_npy_wanted(const cli_opts *o);
/* Run it; returns the exit status (0, 1 on a file/tensor error, 2 usage). */
int export_npy_run(const cli_opts *o);

#endif
