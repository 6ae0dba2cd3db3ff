/*
 * report_rows.h - inside cli/: what the report modes produce and the
 * formatters print. report.c makes rows (one per tensor: its statistics
 * and each scheme's results, report_pool.c computes them), the model's
 * totals, level sets and tensor lists; fmt_table.c, fmt_json.c and
 * fmt_csv.c print them, each a report_fmt. The numbers of a result and
 * their names come from one table (model/metric.h).
 */
#ifndef APOTVIEW_REPORT_ROWS_H
#define APOTVIEW_REPORT_ROWS_H

#include <stdint.h>

#include "cli/options.h"
#include "model/metric.h"
#include "model/session.h"
#include "quant/levels.h"
#include "quant/prep.h"

/* One selected tensor on its way through the report (report_pool.c). */
typedef struct report_item {
    int file;
    size_t tensor;
    int ok;                  /* analyzed: st and res are filled */
    prep_stats st;
    analyze_result res[OPTIONS_MAX_SCHEMES];
    double *sweep[OPTIONS_MAX_SCHEMES];   /* --sweep: sweep_n mse values */
    uint64_t cost;           /* bytes the preparation holds at its peak */
    int hist;                /* the histogram engine prepares it */
    const prep_ops *engine;  /* the engine that prepares it */
    int threads;             /* threads for its passes (histogram engine) */
    /* --imatrix (plan_imx.h): weighted_mse per result (NaN: none), or
     * wnote (static) why the tensor has none */
    double wmse[OPTIONS_MAX_SCHEMES];
    int have_w;
    const char *wnote;
} report_item;

/* Evaluate s's selected tensors into items[0..s->nitems) (file and tensor
 * filled by the caller) on o->jobs threads; alphas: --sweep's, or NULL.
 * Messages go to stderr; returns 1 when some tensor failed, else 0. */
int report_pool_run(const cli_opts *o, session *s, report_item *items, const double *alphas);

/* One tensor of the output. */
typedef struct report_row {
    const loader_file *f;
    const loader_tensor *lt;
    int ok;                       /* 0: it failed (a message was printed) */
    const prep_stats *st;
    const analyze_result *res;    /* o->nschemes results */
    double *const *sweep;         /* --sweep: per scheme sweep_n mse values
                                     (an entry NULL: none); else NULL */
    int hist;                     /* the histogram engine prepared it */
    const double *wmse;           /* --imatrix: o->nschemes weighted_mse (NaN:
                                     none); NULL without --imatrix */
    const char *wnote;            /* --imatrix: why no weighted_mse, or NULL */
} report_row;

/* A sum of non-negative terms kept as m 2^e (m in [0.5, 1), or 0, or not
 * finite once a term was): finite where the sum is, whatever its size. */
typedef struct report_xsum {
    double m;
    int e;
} report_xsum;

/* One scheme over the whole model, weighted by element count. */
typedef struct report_total {
    uint64_t n;
    double sse, sumsq, clipped, adds, uni_adds;
    report_xsum sse_x, sumsq_x;   /* the same sums, finite where they are */
    int wins;                     /* tensors where it has the best mse */
    int valid;
} report_total;

/* Weighted mse and SQNR: the plain sums while they are finite (as they
 * nearly always are), else the scaled ones; inf / NaN (null in JSON) only
 * where the true value is not a finite double. */
double report_total_mse(const report_total *t);
double report_total_sqnr(const report_total *t);
/* adds per MAC relative to uniform on the same tensors (NaN: none) */
double report_total_rel(const report_total *t);

typedef struct report_doc {
    const cli_opts *o;
    const session *s;
    const double *alphas;         /* --sweep: o->sweep_n alphas; else NULL */
    const report_row *rows;       /* every selected tensor, in output order */
    size_t nrows;
    size_t nok;                   /* rows with ok set */
    const report_total *tot;      /* o->nschemes totals over the ok rows */
} report_doc;

/* One output format. */
typedef struct report_fmt {
    /* --levels: ls[0..n) built; complete: all o->nschemes were (else the
     * next one failed, its message printed) */
    void (*levels)(const cli_opts *o, const levelset *ls, int n, int complete);
    void (*report)(const report_doc *d);   /* --report and --sweep */
    void (*list)(const report_doc *d);     /* --list: rows' f and lt only */
} report_fmt;

extern const report_fmt report_fmt_table, report_fmt_json, report_fmt_csv;
/* --levels --format=c only (fmt_c.c): report and list are NULL */
extern const report_fmt report_fmt_c;

#endif
