/*
 * metric.h - the one table of a scheme's numbers (interface.md): its JSON
 * key and CSV column, its row label in the table report, which way is
 * better, and how to read it from an analyze_result. The table report,
 * the CSV header, the JSON results and the viewer's results panel all walk
 * this table, so their keys, order, stars and highlights cannot drift.
 *
 * Which way is better: lower mse, max |err|, adds, gap; higher SQNR. The
 * clipped share, the entropy of the codes, the levels used, alpha and bits
 * per weight are facts, not scores: the MSE-optimal alpha clips on purpose
 * and a wider code use is not less error, so none of them gets a star or
 * a highlight. The rank (the best scheme of a tensor, the "wins" of a
 * model) is by mse.
 */
#ifndef APOTVIEW_MODEL_METRIC_H
#define APOTVIEW_MODEL_METRIC_H

#include <stddef.h>
#include "quant/analyze.h"

typedef enum metric_id {
    M_ALPHA, M_MSE, M_SQNR, M_MAXERR, M_CLIP, M_ENT, M_USED, M_TOTAL,
    M_ADDS, M_WORST, M_SHIFTS, M_REL, M_OPT_ALPHA, M_GAP, M_BPW, M_OPT_MSE,
    M_LPG, M_SCALE_MED, M_OFF_GRID,
    M_N
} metric_id;

/* How a metric is written in a table cell (metric_cell). */
typedef enum metric_cellfmt {
    MC_SI,       /* 4 significant digits with an SI prefix: 12.34m */
    MC_FIXED3,   /* 3 decimals: 18.340; inf, -inf */
    MC_FIXED3F,  /* 3 decimals where finite, else "-" (a gap to an optimum
                    of mse 0) */
    MC_PCT,      /* a share as a percentage, 3 digits: 0.461% */
    MC_USED,     /* levels used of levels_total: 15/15 */
    MC_INT,      /* an integer */
    MC_G4,       /* 4 significant digits: 4.007 */
} metric_cellfmt;

/* where it goes */
enum {
    METRIC_CSV = 1,        /* a column of the --report CSV */
    METRIC_INTEGER = 2,    /* JSON integer (null when absent), CSV integer */
    METRIC_COST = 4,       /* JSON: inside the result's "cost" object */
    METRIC_OPT = 8,        /* JSON: only when the scheme's own MSE-optimal
                              alpha is known; table: only when alpha is not
                              already the MSE-optimal one */
    METRIC_STORED = 16,    /* the stored scheme's (quant/stored.h): JSON only
                              in its result; table row only beside it */
};

typedef struct metric {
    metric_id id;
    const char *key;       /* JSON key and CSV column */
    const char *label;     /* row of the table report; NULL: not a row */
    int better;            /* -1 lower is better, +1 higher, 0 neither:
                              the report's star, the viewer's highlight */
    metric_cellfmt cell;
    unsigned flags;
    double (*get)(const analyze_result *a);   /* NAN: none (a->ok is 1) */
} metric;

/* In CSV and JSON order; metric_table[id].id == id. */
extern const metric metric_table[M_N];

/* The metric the schemes are ranked by (mse). */
#define METRIC_RANK M_MSE

/* From this many schemes on, a tensor's results are one row per scheme,
 * ranked by METRIC_RANK (the report's and the viewer's ranked layout),
 * instead of one column per scheme. */
#define METRIC_RANKED_MIN 5

/* The index in res[0..n) of the scheme that gets m's star: the best value
 * among the results that have one (ok, some values, not NaN; never an
 * infinity where lower is better: an mse beyond DBL_MAX gets no star, its
 * SQNR row tells); the first of those tied for it. -1 when none has, when
 * two or more have and all are equal (nothing to prefer), or when m has
 * no better side. The table's stars, the model's wins (METRIC_RANK) and
 * the viewer's highlights all come from here. */
int metric_best(const metric *m, const analyze_result *res, int n);

/* Compare two results by m, the better first (qsort-style); results
 * without a value last. */
int metric_cmp(const metric *m, const analyze_result *x, const analyze_result *y);

/* m's value of a as table text ("-" when there is none). */
const char *metric_cell(const metric *m, const analyze_result *a, char *buf, size_t len);

/* The same in at most width columns (a narrow panel or terminal): the
 * table text when it fits, else the closest number that does
 * (core/numfmt.h; a share keeps its '%'), else '#' across the field
 * ("15/15" when it does not fit, too). Never a cut number. */
const char *metric_fit(const metric *m, const analyze_result *a, char *buf, size_t len, int width);

#endif
