/*
 * planview.h - a plan (--plan=BPW MODEL, cli/plan.h) as the figure
 * (--figure=plan, plot/fig_plan.c) and the viewer (ui/ui.h: ui_run_plan)
 * read it, which include nothing from cli/.
 *
 * Ownership: every pointer borrows from the plan run that filled it
 * (plan_collect); valid while its sink runs.
 */
#ifndef APOTVIEW_MODEL_PLANVIEW_H
#define APOTVIEW_MODEL_PLANVIEW_H

#include <stddef.h>
#include <stdint.h>

/* one planned tensor and its choice */
typedef struct model_plan_row {
    const char *name;
    size_t idx;            /* the tensor's index in the MODEL file */
    uint64_t count;
    const char *scheme, *granularity, *scale_dtype;
    int bits;
    uint64_t group;        /* 0: one scale per tensor */
    double bpw, mse;
    double weighted_mse;   /* NaN without an imatrix entry */
} model_plan_row;

/* a point of the Lagrangian path (the frontier): model totals */
typedef struct model_plan_point {
    double bpw, mse, err;
} model_plan_point;

/* one candidate applied to every tensor */
typedef struct model_plan_single {
    const char *scheme, *granularity;
    int bits;
    double bpw, mse, err;
    int fits;              /* within the budget */
} model_plan_single;

typedef struct model_plan {
    const char *file;
    double target_bpw;
    double bpw, mse, err;  /* the chosen plan's totals (err: the objective) */
    const char *objective; /* "mse" or "weighted_mse" */
    const char *method;    /* "dp" or "hull" */
    const model_plan_row *rows;
    size_t nrows;
    const model_plan_point *front;
    size_t nfront;
    const model_plan_single *single;
    size_t nsingle;
    long best_single;      /* index into single, -1 none */
} model_plan;

/* Where a plan is handed (the figure, the viewer): the sink's return value
 * is the run's status. */
typedef int (*plan_sink)(void *ctx, const model_plan *mp);

#endif
