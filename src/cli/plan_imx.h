/*
 * plan_imx.h - importance-weighted error (--imatrix, io/imatrix.h) for
 * --compare, --report and --plan:
 *
 *   weighted_mse = sum_ij a_j (w_ij - q_ij)^2 / (rows * sum_j a_j)
 *
 * with a_j the imatrix's mean squared activation of input column j (the
 * last axis of an [out, in] weight; of a tensor of more axes, the last
 * one), rows = count / cols. With every a_j equal it is the mse.
 *
 * Names: an imatrix names tensors as GGUF does (blk.0.attn_q.weight); a
 * tensor is looked up under its own name, then under the GGUF name
 * model/namemap.h gives it. A Hugging Face expert of a MoE tensor that
 * GGUF stacks (model.layers.0.mlp.experts.3.up_proj.weight) takes row 3 of
 * the stacked entry (blk.0.ffn_up_exps.weight).
 *
 * wq_wsse: the weighted sum of squared errors of one apotview quantizer
 * on a tensor, evaluated value by value with the quantizer's own rules
 * (the group engine's, gq.h: per group the same exact mse-optimal alpha
 * (gq_opt_any), the scale rounded to its storage type, the nearest level
 * with ties to the lower; int-asym's AWQ min/max; mxfp4, q4_0, q8_0 as
 * their reference quantizers), so that with every a_j = 1 it is the sse
 * behind --report's mse. Per tensor: the alpha given (the one --report
 * chose), Q(x) = alpha * the level nearest to x / alpha.
 */
#ifndef APOTVIEW_CLI_PLAN_IMX_H
#define APOTVIEW_CLI_PLAN_IMX_H

#include "io/imatrix.h"
#include "quant/analyze.h"
#include "quant/group.h"

/* The imatrix weights of tensor `name` (arch: the GGUF architecture for
 * the name table, or NULL): *a points at nexp * cols values (nexp
 * matrices of cols columns, one after another: the experts of a stacked
 * tensor; 1 otherwise). Returns 1 found, 0 no entry, -1 (err) when the
 * entry's length does not fit the tensor. */
int imx_weights(const imatrix *im, const char *name, const char *arch, uint64_t cols, uint64_t nexp,
                const double **a, util_err *err);

/* sum_j a_j over cols values */
double imx_sum(const double *a, uint64_t cols);

/* One quantizer for wq_wsse. */
typedef struct wq_cand {
    const char *scheme;    /* a scheme name (levels.h) */
    int bits;
    uint64_t group;        /* 0: per tensor (alpha below) */
    scale_dtype sdtype;    /* SCALE_DEFAULT: fp16 (nf4 fp32) */
    double alpha;          /* per tensor: the alpha (w units); per group
                              with amode ALPHA_VALUE: every group's alpha */
    alpha_mode amode;      /* per group: ALPHA_MSE (0 is taken as it), ALPHA_MAX
                              or ALPHA_VALUE */
    const levels_params *prm;  /* NULL: the defaults */
} wq_cand;

/* Whether wq_wsse evaluates this candidate (per group: uniform, pot,
 * apot, nf4 and the other symmetric level sets with --alpha=mse, int-asym,
 * mxfp4, q4_0, q8_0; per tensor: the symmetric level sets). */
int wq_supported(const wq_cand *c);

/* sum_ij a_j (w_ij - Q(w_ij))^2 over the finite values of t (C order; a
 * has cols = the last dimension values, or nexp * cols for t's first axis
 * split in nexp equal parts), and *sse (may be NULL) the unweighted sum.
 * Uses the thread budget (core/par.h). NaN when c is not supported. */
double wq_wsse(const group_tensor *t, const double *a, uint64_t nexp, const wq_cand *c, double *sse);
/* The same for n candidates at once (one pass per group size: each group
 * gathered and its magnitudes sorted once for all): wsse[n], sse[n] (sse
 * may be NULL), NaN for a candidate not supported. */
void wq_wsse_multi(const group_tensor *t, const double *a, uint64_t nexp, const wq_cand *c, int n, double *wsse,
                   double *sse);

/* --report --imatrix: items[0..n)'s wmse (NaN where the result has none)
 * and wnote; -1 (a message printed) when an entry does not fit its
 * tensor or a tensor cannot be read again. */
struct report_item;
struct session;
struct cli_opts;
int imx_report(const struct cli_opts *o, struct session *s, struct report_item *items, size_t n);

#endif
