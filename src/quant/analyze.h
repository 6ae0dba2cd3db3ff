/*
 * analyze.h - one tensor, several schemes, one quantizer setting: the numbers
 * every front end shows (report, TUI, figures).
 *
 * The alpha mode decides each scheme's alpha: a fixed value, max|x|, or that
 * scheme's own MSE-optimal alpha. relative_to_uniform compares adds_mean with
 * uniform at the same bits, alpha mode and tensor (interface.md).
 */
#ifndef APOTVIEW_ANALYZE_H
#define APOTVIEW_ANALYZE_H

#include "quant/eval.h"
#include "quant/levels.h"
#include "quant/prep.h"

typedef enum alpha_mode {
    ALPHA_VALUE = 0,   /* cfg.alpha */
    ALPHA_MAX,         /* max |x| */
    ALPHA_MSE,         /* global MSE minimum per scheme */
    ALPHA_FILE,        /* a value stored beside the tensor (cfg.alpha holds it) */
} alpha_mode;

const char *analyze_alpha_mode_name(alpha_mode m);

typedef struct analyze_cfg {
    int bits;
    int is_signed;
    int normalize;
    alpha_mode amode;
    double alpha;          /* for ALPHA_VALUE / ALPHA_FILE */
    levels_params lprm;
} analyze_cfg;

typedef struct analyze_result {
    const char *scheme;
    int ok;                /* 0: err holds why this scheme has no numbers */
    char err[UTIL_ERRLEN];
    eval_result r;
    double relative_to_uniform;
    double opt_alpha, opt_mse; /* the scheme's own MSE-optimal alpha (filled
                                  when amode == ALPHA_MSE or want_opt) */
} analyze_result;

/* The alpha that cfg's mode gives for this level set. */
double analyze_alpha(const prep *p, const levelset *ls, const analyze_cfg *cfg, double *opt_mse);

/* Evaluate each scheme. out has nschemes entries. want_opt: also compute each
 * scheme's optimal alpha when the mode is not mse. Returns -1 (err) only for
 * problems common to all schemes (normalization impossible, bad alpha). */
int analyze_tensor(const prep *p, const analyze_cfg *cfg, const char *const *schemes,
                   int nschemes, int want_opt, analyze_result *out, util_err *err);

#endif
