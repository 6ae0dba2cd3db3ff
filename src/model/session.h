/*
 * session.h - the files named on the command line, opened, and the tensors
 * they select, in order; plus reading and preparing one tensor.
 *
 * Ownership: session_open() fills a session that owns its loader_files;
 * session_close() frees them. Files that fail to open are reported (message
 * on stderr, or collected in errs) and skipped; the session remembers that
 * something failed (exit status 1).
 */
#ifndef APOTVIEW_MODEL_SESSION_H
#define APOTVIEW_MODEL_SESSION_H

#include "model/options.h"
#include "io/loader.h"
#include "quant/prep.h"

typedef struct session_item {
    int file;            /* index into files */
    size_t tensor;       /* index into files[file]->tensors */
} session_item;

typedef struct session {
    loader_file **files;
    int nfiles;
    session_item *items;
    size_t nitems;
    int failed;          /* a file or tensor could not be used */
} session;

/* Path of the bundled sample (APOTVIEW_DATADIR, the build or source tree,
 * then the installed pkgdatadir); NULL when none is found. Caller frees. */
char *session_sample_path(void);

/* Open every file in o (or the sample when there is none) and select tensors.
 * quiet: do not print errors (the TUI shows them itself). */
int session_open(session *s, const cli_opts *o, int quiet);
void session_close(session *s);

/* Read tensor t of f as float (as_double == 0) or double values into a new
 * buffer (the caller frees it); NULL with err set on failure. */
void *session_read(loader_file *f, size_t t, int as_double, util_err *err);

/* Read tensor t of f and prepare it. NULL with err set on failure. */
prep *session_prepare(loader_file *f, size_t t, prep_progress *pg, util_err *err);
/* For a 2-byte type lying in place in the file (bfloat16, float16, ...):
 * prepare it by counting its codes instead of sorting (*done = 1; NULL
 * then means failure, err set); otherwise *done = 0 and nothing happens. */
prep *session_prepare_codes(loader_file *f, size_t t, prep_progress *pg, util_err *err, int *done);
/* The float value of each of the 65536 codes of a 2-byte type, made once
 * per type and byte order (the tables live until exit). */
const float *session_code_values(dtype_id t, int big_endian);

/* "float32 [64, 64, 3, 3]"-style shape text. */
void session_shape_str(const loader_tensor *t, char *buf, size_t len);

#endif
