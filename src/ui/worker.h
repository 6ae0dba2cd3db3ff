/*
 * worker.h - background preparation of tensors (read + sort + prefix
 * sums) on one pthread, so the viewer stays responsive.
 *
 * Data structure: one slot per session item (state, prepared tensor,
 * error, time taken). The main thread says which items it wants now
 * (worker_want); the worker prepares those first, in order, cancelling a
 * preparation nobody wants any more, then prefetches the other items in
 * list order while the prepared bytes stay under the budget.
 *
 * Ownership: a prepared tensor belongs to the worker object; the main
 * thread may use it from the moment worker_get() reports PS_DONE until it
 * calls worker_evict()/worker_stop(). The worker never touches a slot
 * once it is done. The session must outlive the worker.
 */
#ifndef APOTVIEW_UI_WORKER_H
#define APOTVIEW_UI_WORKER_H

#include <stddef.h>
#include <stdint.h>
#include "model/session.h"
#include "quant/gview.h"

typedef enum prep_state { PS_NONE = 0, PS_RUNNING, PS_DONE, PS_FAILED } prep_state;

typedef struct ui_worker ui_worker;

/* Start the thread. budget: bytes of prepared tensors kept for prefetch. */
ui_worker *worker_start(session *s, uint64_t budget);
/* The items wanted now, most important first (n <= 4). */
void worker_want(ui_worker *w, const size_t *items, int n);
/* State of item; when PS_DONE *p is set; when PS_RUNNING *frac is the
 * progress; when PS_FAILED err gets the message. Any pointer may be NULL. */
prep_state worker_get(ui_worker *w, size_t item, const prep **p, double *frac,
                      char *err, size_t errlen, double *seconds);
/* The raw C-order values of up to WORKER_RAW items (the per-channel view
 * and the compare view's difference need them; loaders are not
 * thread-safe, so the worker reads them, after the wanted preparations
 * and before prefetching). Asking for other items drops the old buffers.
 * worker_get_raw: PS_DONE with *vals (float, or double when *is_double)
 * valid until the next worker_want_raw()/worker_stop(). */
#define WORKER_RAW 2
void worker_want_raw(ui_worker *w, const size_t *items, int n);
prep_state worker_get_raw(ui_worker *w, size_t item, const void **vals, int *is_double, char *err,
                          size_t errlen);

/* The group view's numbers (quant/gview.h) for one item and setting,
 * computed on the worker's thread after the wanted preparations (the
 * values in C order: 2-byte types read in place, others read once per
 * item and kept while the item is asked for). The main thread asks for
 * one job (worker_want_group; NULL: none) and takes the result when it is
 * there: worker_take_group returns PS_DONE with *res (the caller owns it:
 * worker_gres_free) only for a job equal to the one asked for
 * (worker_gjob_same); a job asked for while another runs waits for it
 * (gq_run is not interrupted) and the stale result is dropped. */
#define WORKER_GSCHEMES 16
typedef struct worker_gjob {
    size_t item;
    analyze_cfg cfg;
    const char *schemes[WORKER_GSCHEMES];
    int nschemes;
    int focus;             /* the scheme whose view is computed */
    int nbins;             /* bins of the pooled histogram */
} worker_gjob;

typedef struct worker_gres {
    worker_gjob job;
    int ok;                /* 0: msg says why there are no numbers */
    char msg[UTIL_ERRLEN];
    analyze_result res[WORKER_GSCHEMES];
    int handled[WORKER_GSCHEMES];
    int view_ok;           /* 0: view_msg says why there is no view */
    char view_msg[UTIL_ERRLEN];
    gq_view view;          /* hist owned here */
    gview_scales scales;
    double seconds;
} worker_gres;

int worker_gjob_same(const worker_gjob *a, const worker_gjob *b);
void worker_want_group(ui_worker *w, const worker_gjob *job);
prep_state worker_take_group(ui_worker *w, const worker_gjob *job, worker_gres **res);
void worker_gres_free(worker_gres *r);
/* The numbers of job's item, settings and schemes (whatever its focus and
 * width) when the worker has them (also while another focus's view is
 * computed): 1 with res and handled (job->nschemes entries) filled, else
 * 0. */
int worker_group_numbers(ui_worker *w, const worker_gjob *job, analyze_result *res, int *handled);
/* Bins of the scale histogram in a result. */
#define WORKER_SCALE_BINS 64

/* The stored scheme (model/stored_run.h) of an item, computed on the
 * worker's thread (it reads the file: a big tensor would freeze the
 * screen), after the wanted preparations and before the group job. A job
 * names the item whose grid is used, the item whose values are measured
 * on it (-1: the grid item's own values; else the original of a pair),
 * the normalization and the per-channel axis (-1: none). Up to
 * WORKER_STORED results are kept (the least recently asked for goes);
 * worker_get_stored returns PS_DONE with *d valid until WORKER_STORED
 * other jobs have been asked for, PS_RUNNING while it is computed (or
 * waits), PS_NONE for a job never asked for. */
#define WORKER_STORED 4
typedef struct worker_sjob {
    size_t item;           /* the tensor whose grid is used */
    long ref;              /* the tensor whose values are measured, -1: item's own */
    int normalize;
    double mean, std;      /* of the measured values (normalize) */
    int axis;              /* per channel along it, -1: none */
} worker_sjob;
struct stored_detail;
void worker_want_stored(ui_worker *w, const worker_sjob *job);
prep_state worker_get_stored(ui_worker *w, const worker_sjob *job, const struct stored_detail **d);

/* Incremented whenever a slot changes state (to notice completions). */
uint64_t worker_generation(ui_worker *w);
/* Is the thread preparing something? */
int worker_busy(ui_worker *w);
/* Free prepared tensors other than keep[0..n) while over budget. */
void worker_evict(ui_worker *w, const size_t *keep, int n);
/* Cancel, and wait up to timeout seconds for the thread. Returns 0 when it
 * ended (everything is freed), -1 when it is still inside a read that
 * cannot be interrupted (it is detached; the process is about to exit). */
int worker_stop(ui_worker *w, double timeout);

#endif
