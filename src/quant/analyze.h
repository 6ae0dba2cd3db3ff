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
    ALPHA_PERCENTILE,  /* percentile:P of |x| (cfg.alpha = P), clip.h */
    ALPHA_SIGMA,       /* sigma:K, K std (cfg.alpha = K) */
    ALPHA_KL,          /* TensorRT entropy calibration */
    ALPHA_ACIQ,        /* Banner et al. analytic clipping */
} alpha_mode;

/* --granularity: one alpha per tensor, per channel (slices along axis), or
 * per group of `group` consecutive values in C order (group.h). */
typedef enum granularity { GRAN_TENSOR = 0, GRAN_CHANNEL, GRAN_GROUP, GRAN_BLOCK } granularity;

/* --scale-dtype: how a group's scale is stored (gq.h). DEFAULT: fp16, nf4
 * fp32 (bitsandbytes' absmax); fixed formats use their own (mxfp4 e8m0,
 * q4_0/q8_0 fp16). */
typedef enum scale_dtype { SCALE_DEFAULT = 0, SCALE_FP32, SCALE_FP16, SCALE_BF16, SCALE_E8M0 } scale_dtype;

const char *analyze_scale_dtype_name(scale_dtype d);

const char *analyze_alpha_mode_name(alpha_mode m);

typedef struct analyze_cfg {
    int bits;
    int is_signed;
    int normalize;
    alpha_mode amode;
    double alpha;          /* for ALPHA_VALUE / ALPHA_FILE; P or K for
                              ALPHA_PERCENTILE / ALPHA_SIGMA */
    levels_params lprm;
    granularity gran;      /* GRAN_TENSOR unless --granularity */
    uint64_t group;        /* G for GRAN_GROUP */
    int axis;              /* channel axis for GRAN_CHANNEL (default 0) */
    int group_along_axis;  /* GRAN_GROUP: 0 (default) groups run along the
                              axes after the first; 1: along cfg.axis (--axis) */
    uint64_t block_r, block_c; /* GRAN_BLOCK: tiles of block_r x block_c */
    scale_dtype sdtype;    /* --scale-dtype */
    int nthreads;          /* group engine threads in all (this one included:
                              the caller holds nthreads - 1 slots of the
                              budget, core/par.h); 0: util_ncpus() */
    int no_gap;            /* 1: leave gap_to_optimal_db NaN and skip its
                              Lloyd-Max fit (the viewer, per keypress) */
} analyze_cfg;

typedef struct analyze_result {
    const char *scheme;
    int ok;                /* 0: err holds why this scheme has no numbers */
    char err[UTIL_ERRLEN];
    eval_result r;
    double relative_to_uniform;
    double opt_alpha, opt_mse; /* the scheme's own MSE-optimal alpha (filled
                                  when amode == ALPHA_MSE or want_opt) */
    double gap_to_optimal_db;  /* 10 log10(mse / mse of the whole tensor's
                                  Lloyd-Max quantizer with levels_total levels) */
    double bpw;                /* bits per weight including scales (group.h) */
    const char *granularity;   /* "tensor", "channel:K", "group:G" (static or
                                  interned: valid for the life of the process) */
    uint64_t nscales;          /* scales (slices) the result uses */
    const char *scale_dtype;   /* "fp16", "e8m0", ... for group/block scales;
                                  NULL per tensor and per channel */
    /* The stored scheme (quant/stored.h): stored is 1 and these are set;
     * 0 for every other scheme. */
    int stored;
    int stored_self;           /* evaluated on the file's own values: mse n/a */
    double levels_per_group;   /* distinct levels held, mean over groups */
    double scale_min, scale_median, scale_max;   /* |scale| over groups with values */
    uint64_t off_grid;         /* values not on a level of their group */
    const char *stored_params; /* the format and its parameters (interned) */
} analyze_result;

/* "tensor", "channel:K", "group:G", "group:G@K" (along axis K) or
 * "block:RxC": an interned string (analyze_intern), valid for the life of
 * the process and the same pointer for the same name, whichever thread
 * asked (results outlive the report's worker threads). */
const char *analyze_granularity_name(const analyze_cfg *cfg);
/* The one process-wide copy of s (thread-safe; never freed). */
const char *analyze_intern(const char *s);

/* Bits per weight: bits plus the scales' storage: 16 bits per scale, +8 for
 * an int-asym zero point, +16 per level for a lloyd-max codebook; mxfp4 4.25. */
double analyze_bpw(const levelset *ls, int bits, int flags, uint64_t count, uint64_t nscales);

/* mse of p's Lloyd-Max quantizer with L levels; cache: NULL, or the opaque
 * cache analyze_tensor keeps per tensor. */
double analyze_lloyd_mse(const prep *p, int normalize, size_t L, void *cache);
/* The same within an analysis (q: its query, prep.h; may be NULL). */
double analyze_lloyd_mse_q(const prep *p, prep_query *q, int normalize, size_t L, void *cache);
/* gap_to_optimal_db of result r against lm, the mse of p's Lloyd-Max
 * quantizer with r->levels_total levels: 10 log10(mse / lm), taken from
 * the difference of the two SQNRs when either mse is beyond DBL_MAX (the
 * SQNRs stay finite); 0 when equal, inf when only lm is 0. */
double analyze_gap_db(const prep *p, prep_query *q, int normalize, const eval_result *r, double lm);

/* The alpha that cfg's mode gives for this level set. */
double analyze_alpha(const prep *p, const levelset *ls, const analyze_cfg *cfg, double *opt_mse);

/* Evaluate each scheme. out has nschemes entries. want_opt: also compute each
 * scheme's optimal alpha when the mode is not mse. Returns -1 (err) only for
 * problems common to all schemes (normalization impossible, bad alpha). */
int analyze_tensor(const prep *p, const analyze_cfg *cfg, const char *const *schemes,
                   int nschemes, int want_opt, analyze_result *out, util_err *err);
/* The same within an analysis whose query q (prep.h) the caller keeps, so
 * that what one call resolved serves the next (NULL: a query of its own
 * for an engine that needs one). p is never changed. */
int analyze_tensor_q(const prep *p, prep_query *q, const analyze_cfg *cfg,
                     const char *const *schemes, int nschemes, int want_opt,
                     analyze_result *out, util_err *err);
/* analyze.c's own analysis on the prep interface, whatever ops->analyze
 * says (for engines that wrap another). */
int analyze_tensor_generic(const prep *p, prep_query *q, const analyze_cfg *cfg,
                           const char *const *schemes, int nschemes, int want_opt,
                           analyze_result *out, util_err *err);

#endif
