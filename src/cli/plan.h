/*
 * plan.h - --plan=BPW MODEL (interface.md, issue 15): choose per tensor a
 * quantizer from a candidate set so that the count-weighted bits per
 * weight is at most BPW and the total squared error (imatrix-weighted
 * with --imatrix) is least.
 *
 * Candidates (--plan-schemes=LIST, default PLAN_DEFAULT_SCHEMES): items
 * SCHEME or SCHEME@GRAN, GRAN tensor or group:N; a bare scheme stands for
 * group:32 and group:128; every scheme at each of its bits 2..8 (nf4: 4);
 * the fixed formats mxfp4, q4_0, q8_0 as themselves; 'gguf' = q4_0, q8_0,
 * mxfp4 (llama.cpp's types). Each candidate's mse is --report's for that
 * setting (the same engine: group_analyze per group, analyze_tensor per
 * tensor; --alpha=mse, fp16 group scales, nf4 fp32), its bpw that
 * result's bpw, its cost the stored bits count * bpw (an integer).
 * Tensors planned: the selected tensors with at least 2 dimensions; the
 * others (norms, biases) are listed as kept and left out of the bpw.
 *
 * Objective: sum over tensors of count * mse (with --imatrix: count *
 * weighted_mse for a tensor with an imatrix entry, plan_imx.h, i.e. the
 * entry's weights normalized to mean 1 per tensor; count * mse for one
 * without).
 *
 * Method (plan_solve.c): per tensor the lower convex hull of its (cost, error)
 * options; the Lagrangian greedy from every tensor's cheapest hull point
 * takes the hull steps in order of error saved per bit while they fit.
 * Stopped at the first step that does not fit, the plan minimizes
 * error + lambda * bits for lambda = that step's slope, so no plan of at
 * most its bits has less error (on the hull: optimal for the bits it
 * uses); the LP relaxation's optimum at the budget (the fractional
 * step) bounds every plan within the budget from below: gap = error -
 * lp_bound. The greedy then fills the budget with further steps that fit
 * (the plan is then no longer certified on the hull; the bound stands).
 * Exact: a multiple-choice knapsack by dynamic programming over the bits
 * above each tensor's cheapest option in units of their gcd, when
 * tensors x units x options is small enough (PLAN_DP_MAX_*); it replaces
 * the hull plan (method "dp", exact).
 */
#ifndef APOTVIEW_CLI_PLAN_H
#define APOTVIEW_CLI_PLAN_H

#include "model/options.h"
#include "model/planview.h"

#define PLAN_DEFAULT_SCHEMES "uniform,apot,int-asym,q4_0,q8_0,mxfp4"
#define PLAN_DP_MAX_CELLS 50000000ull    /* tensors x units (choice bytes) */
#define PLAN_DP_MAX_WORK 1000000000ull   /* tensors x units x options */

int plan_run(const cli_opts *o);

/* The same plan handed to sink (the figure, the viewer) instead of
 * printed: its return value is returned (a failed plan's status first). */
int plan_collect(const cli_opts *o, plan_sink sink, void *ctx);

#endif
