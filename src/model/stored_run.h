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

/* Everything a view draws of the stored scheme of one tensor, computed
 * where the loader may be called (the viewer's worker thread) and pure
 * data afterwards (the grid is a copy: io/grid.h). */
#define STORED_RUG_GROUPS 4096
typedef struct stored_detail {
    analyze_result res;    /* ok 0: res.err says why */
    int have_grid;
    loader_grid grid;      /* the grid (owned) */
    double m, s;           /* the normalization the numbers are in */
    double *rug;           /* the levels of up to STORED_RUG_GROUPS groups spread over the tensor, x units */
    size_t nrug;
    double *ulev;          /* one group's levels in the group view's u (stored_view_levels) */
    size_t nulev;
    /* per channel along axis (axis >= 0 asked): the values measured, their
     * error on the grid (NaN against the file's own values: 0 by
     * construction) and the mean of their groups' largest level (x units) */
    int axis;
    uint64_t nchan;
    uint64_t *chan_n;
    double *chan_lo, *chan_hi, *chan_mse, *chan_alpha;
} stored_detail;

/* The stored scheme of tensor gt of gf (its grid) measured on the values
 * of tensor vt of vf (vf NULL: gt's own values; else another tensor of
 * the same count, the original of a pair), normalized by (m, s) when
 * normalize (s > 0), per channel along axis (of the measured tensor's
 * shape; -1: not). 0 with d filled; -1 with d->res.ok 0 and the reason
 * in d->res.err. stored_detail_free frees it either way. */
int stored_run_detail(loader_file *gf, size_t gt, loader_file *vf, size_t vt, int normalize, double m, double s,
                      int axis, stored_detail *d);
void stored_detail_free(stored_detail *d);

#endif
