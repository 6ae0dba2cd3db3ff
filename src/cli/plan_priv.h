/* plan_priv.h - a plan's tensors and options (plan.c) and their output
 * (plan_out.c). Private to cli/plan*. */
#ifndef APOTVIEW_CLI_PLAN_PRIV_H
#define APOTVIEW_CLI_PLAN_PRIV_H

#include "cli/plan.h"
#include "io/imatrix.h"
#include "io/loader.h"

#include <pthread.h>

typedef struct plan_opt {
    const char *scheme, *granularity, *scale_dtype;   /* static / interned */
    int bits;
    uint64_t group;        /* 0 per tensor; 32 for the fixed formats */
    double bpw, mse;
    double weighted_mse;   /* NaN without an imatrix entry */
    double alpha;          /* per tensor: the alpha (for the weighted pass) */
    uint64_t cost;         /* stored bits: llround(bpw * count) */
    double err;            /* objective: count * (weighted_)mse */
    int on_hull;
} plan_opt;

typedef struct plan_tensor {
    size_t idx;            /* in the file */
    const char *name;
    uint64_t count;
    int ndim;
    const uint64_t *shape;
    plan_opt *opt;
    int nopt;              /* at most 65535 (the knapsack's choice table) */
    int choice;            /* index into opt, -1 none */
    int have_w;            /* an imatrix entry */
    char *gguf_name;       /* the llama.cpp name, or NULL */
    int expert;            /* >= 0: a per-expert tensor GGUF stacks */
    char *skip;            /* why the tensor is not planned (owned), or NULL */
    int failed;            /* skip says why it could not be read */
} plan_tensor;

typedef struct plan_point {
    double bpw, mse;       /* model totals */
    double err;            /* the objective */
} plan_point;

typedef struct plan_single {
    const char *scheme, *granularity;
    int bits;
    double bpw, mse, err;
    int fits;
} plan_single;

typedef struct plan_run_st {
    const cli_opts *o;
    loader_file *f;
    imatrix *im;
    plan_tensor *t;
    size_t nt;
    uint64_t count;        /* values of the planned tensors */
    uint64_t budget;       /* bits */
    const char *method;    /* "dp" or "hull" */
    int exact, feasible;
    int on_hull;           /* the chosen plan minimizes error + lambda bits */
    double err, lp_bound, hull_err;
    double lambda;         /* on_hull: a lambda certifying it (certify) */
    uint64_t bits, hull_bits;
    double min_bpw, max_bpw;
    plan_point *frontier;
    size_t nfront;
    plan_single *single;
    size_t nsingle;
    long best_single;      /* index into single, -1 none */
    double seconds;
    char dp_note[160];
    pthread_mutex_t *fmu;  /* the file's lock (loaders need not be thread-safe) */
} plan_run_st;

void plan_print(const plan_run_st *r);

/* plan_solve.c (plan.h's method): the hull plan (marks on_hull, fills
 * the frontier, feasible, lp_bound); the exact knapsack when small enough
 * (1 done, 0 not: dp_note says why); whether the chosen plan is on the
 * hull (on_hull, lambda); the single quantizers (single, best_single). */
void plan_solve_hull(plan_run_st *r);
int plan_solve_dp(plan_run_st *r);
void plan_certify(plan_run_st *r);
void plan_singles(plan_run_st *r);
/* llama.cpp's type name of a fixed-format scheme, or NULL */
const char *plan_llama_type(const char *scheme);

#endif
