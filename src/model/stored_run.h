/*
 * stored_run.h - the stored scheme (quant/stored.h) of a session's tensor:
 * its grid from the loader (io/grid.h), its values read (ranged where the
 * format has ranged reads, else whole), one stored_analyze pass. Shared
 * by the report, the viewer and the figures.
 */
#ifndef APOTVIEW_MODEL_STORED_RUN_H
#define APOTVIEW_MODEL_STORED_RUN_H

#include <pthread.h>
#include "model/session.h"
#include "quant/stored.h"

/* 1 when some selected tensor of s has a stored grid. */
int stored_run_any(session *s);

/* Append STORED_NAME to schemes[0..*n) (capacity max) when it is not
 * there; 1 when added. */
int stored_run_add(const char **schemes, int *n, int max);

/* Evaluate tensor t of f against its own stored grid, normalized with
 * st's mean and std when cfg->normalize (and the tensor allows it). mu
 * (may be NULL): held around the loader calls that are not thread-safe.
 * view: optional (stored.h). 0 with out filled; -1 with out->ok 0 and
 * out->err saying why (not quantized: the scheme's message). */
int stored_run(loader_file *f, size_t t, const analyze_cfg *cfg, const prep_stats *st, pthread_mutex_t *mu,
               analyze_result *out, gq_view *view);

/* The same against other values: vals (count floats, C order; the
 * original weights) measured on the grid of tensor t of f (--compare). */
int stored_run_values(loader_file *f, size_t t, const float *vals, uint64_t count, analyze_result *out);

#endif
