/* compare_priv.h - the pairs of a compare (compare.c) and their output
 * (compare_out.c). Private to cli/compare*. */
#ifndef APOTVIEW_CLI_COMPARE_PRIV_H
#define APOTVIEW_CLI_COMPARE_PRIV_H

#include "cli/compare.h"
#include "io/loader.h"
#include "core/util.h"
#include "io/imatrix.h"

/* best_at_same_bpw (compare_best.c) */
typedef struct cmp_best {
    int have;
    const char *scheme, *granularity, *scale_dtype;  /* static / interned */
    int bits;
    double bpw, mse;
} cmp_best;

typedef struct cmp_pair {
    size_t right;          /* tensor index in the right file */
    size_t *left;          /* left tensor(s): one, or the E experts stacked */
    int nleft;
    char *left_name;       /* display name of the left side (owned) */
    uint64_t count;
    int perm;              /* 0; 1 q rows, 2 k rows: the permutation undone */
    uint64_t n_head;       /* the n_head it was undone with */
    int plus_one;          /* 1: the GGUF side's values - 1 (Gemma norms) */
    int gguf_side;         /* 1 left, 2 right: the side a transform applies to */
    char *error;           /* NULL, or why the pair has no metrics (owned) */
    /* results */
    uint64_t nonfinite;
    double mse, sqnr_db, cosine, max_abs_err;
    double sum_e2, sum_a2, sum_b2, sum_ab;
    double right_bpw;
    cmp_best best;
    /* the original rounded to the nearest level of the quantized file's
     * own grid (compare_stored.c; have 0: no grid, or a transformed pair) */
    int stored_have;
    double stored_mse, stored_sqnr_db, stored_max_abs_err;
    /* --imatrix: have_w 1 with weighted_mse; 0 no entry (w_note says so) */
    int have_w;
    double weighted_mse, sum_we2, sum_wden;
    const char *w_note;    /* static: why there is no weighted_mse */
} cmp_pair;

typedef struct cmp_run {
    const cli_opts *o;
    loader_file *lf, *rf;
    cmp_pair *pairs;
    size_t npairs;
    size_t *unmatched_left, *unmatched_right;
    size_t nul, nur;
    const char *arch;      /* the GGUF side's general.architecture, or NULL */
    long head_count, head_count_kv;
    int nperm;             /* pairs whose permutation was undone */
    int nplus;             /* pairs whose + 1 was undone */
    int nstacked;          /* pairs of stacked experts */
    imatrix *im;           /* --imatrix, or NULL */
    int nweighted;         /* pairs with weighted_mse */
} cmp_run;

void compare_print(const cmp_run *r);
/* Fill *b for pair p (b->have = 0: no candidate fits). -1 with err set
 * when the original cannot be read again. */
int compare_best(const cmp_run *r, const cmp_pair *p, cmp_best *b, util_err *err);

/* Fill p's stored_* for a pair whose right tensor has a stored grid
 * (io/grid.h) and no transform: the left values measured on that grid.
 * Never fails (stored_have stays 0). */
void compare_stored(const cmp_run *r, cmp_pair *p);

#endif
