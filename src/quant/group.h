/*
 * group.h - per-channel and per-group scales (--granularity, --axis) and
 * MX block scaling (mxfp4), computed from a tensor's values in C order.
 *
 * Slices. channel (axis K): the values whose index along axis K is fixed;
 * shape[K] slices. group:G: the tensor is seen as a matrix [shape[0], R]
 * with R = count / shape[0] (a 1-D or 0-D tensor is one row of all its
 * values) and each row is cut into groups of G consecutive values in C
 * order. For a linear weight [out, in] the groups run along the last axis;
 * for a conv weight [out, in, kh, kw] along in*kh*kw, the way group
 * quantizers (GPTQ, AWQ) reshape such weights. G must divide R; otherwise
 * every result of that tensor carries an error message. mxfp4 always uses
 * its own blocks of 32 along the same rows, whatever --granularity says; a
 * row whose length is not a multiple of 32 ends in a shorter block (the
 * OCP spec pads it; padding never changes a block's scale).
 *
 * Alphas per slice. The alpha mode chooses each slice's alpha from that
 * slice's values: a number as is, max = the slice's max|x| (int-asym: its
 * half range), mse = the slice's MSE-optimal alpha. Slices longer than
 * GROUP_SMALL values, when there are at most GROUP_MAX_EXACT of them, are
 * prepared (sorted, prefix sums: prep.h) and evaluated exactly with
 * eval.h, so every alpha mode (also percentile, sigma, kl, aciq) and
 * lloyd-max (one codebook per slice) work as per tensor. Other slices
 * (small groups, or very many channels) are evaluated directly: mse picks
 * the best of GROUP_GRID alphas evenly spaced over [0.5, 1] x max|x| (each
 * candidate's error computed exactly on the slice's values); kl,
 * percentile, sigma, aciq and lloyd-max are refused there with a message.
 *
 * mxfp4 (OCP Microscaling v1.0): per block, shared scale
 * X = 2^(floor(log2(amax)) - 2) (E8M0, exponent clamped to -127..127),
 * each value rounded to the nearest E2M1 value of x / X with saturation at
 * +-6; i.e. alpha = 6 X. The alpha mode does not apply to it.
 *
 * Normalization (-n) stays per tensor: x = (w - mean) / std of the whole
 * tensor, then the per-slice scales apply. Non-finite values are left out.
 *
 * Metrics are exact over the whole tensor: mse and sqnr_db from the sum of
 * squared errors of every slice, max_abs_err the largest, clipped the
 * fraction of all values outside their slice's range, entropy_bits and the
 * cost from the level usage summed over slices. alpha (in the result) is
 * the mean of the per-slice alphas over slices with a nonzero max|x|.
 * bpw = bits + scale bits x slices / count: 16 bits per scale (+8 for an
 * int-asym zero point, +16 per level for a lloyd-max codebook: see
 * analyze_bpw); mxfp4: 4 + 8 x blocks / count (4.25 when rows are
 * multiples of 32).
 *
 * Memory: one slice (or one group per thread) of doubles besides the
 * caller's buffer, which is only read. Threads: up to cfg->nthreads
 * (util_ncpus() when 0) over slices when the tensor has at least
 * GROUP_THREAD_MIN values; a caller under the thread budget (core/par.h)
 * holds cfg->nthreads - 1 slots for the call.
 */
#ifndef APOTVIEW_GROUP_H
#define APOTVIEW_GROUP_H

#include <stdint.h>
#include "quant/analyze.h"

#define GROUP_SMALL 256
#define GROUP_MAX_EXACT 4096
#define GROUP_GRID 32
#define GROUP_THREAD_MIN (1u << 20)

/* The C-order values of one tensor (the caller keeps ownership). */
typedef struct group_tensor {
    const void *vals;
    int is_double;         /* double values, else float */
    int ndim;
    const uint64_t *shape;
    uint64_t count;
} group_tensor;

/* A 2-byte type read in place (group_analyze_codes; t->vals unused): code
 * i is codes16[2i] | codes16[2i+1] << 8 and its value code_value[code]
 * (65536 entries); bf16: the codes are little-endian bfloat16, whose value
 * is the float with bits code << 16 (code_value may be NULL). */
typedef struct group_codes {
    const unsigned char *codes16;
    const float *code_value;
    int bf16;
    /* Optional (NULL: not wanted), 65536 entries the caller zeroed: the
     * first streaming pass of group_analyze_codes (gq.h) over the codes
     * adds every code's count of the whole tensor (the per-tensor
     * histogram engine's input, prep_create_summary_counts, without a pass
     * of its own). Left all zero when no such pass ran (slicings gq.h does
     * not take, or more than 2^32 - 1 values): count them yourself. */
    uint64_t *count;
    /* Optional (NULL: not called): the pass is done with values [first,
     * first + n) (with a lag: a slow thread may still read some of them),
     * e.g. to let the pages of a mapped file go while the pass runs, so
     * that a tensor's pages are not all resident at once. */
    void (*release)(void *ctx, uint64_t first, uint64_t n);
    void *release_ctx;
} group_codes;

/* Whether group_analyze has work for this setting (granularity other than
 * tensor, or an MX scheme among schemes). */
int group_needed(const analyze_cfg *cfg, const char *const *schemes, int nschemes);

/* Results for the schemes grouped analysis owns: every scheme when
 * cfg->gran != GRAN_TENSOR, else only MX schemes. handled[i] is set to 1
 * for those (out[i] filled: ok, or ok == 0 with err); the others are left
 * to analyze_tensor. relative_to_uniform is filled when cfg->gran is not
 * tensor (against uniform at the same granularity and alpha mode).
 * gap_to_optimal_db is left NaN: group_finish fills it from the prepared
 * tensor. Returns -1 (err) for problems common to all schemes (normalizing
 * a tensor without spread). */
int group_analyze(const group_tensor *t, const analyze_cfg *cfg, const char *const *schemes,
                  int nschemes, analyze_result *out, int *handled, util_err *err);
/* The same with the values as 2-byte codes (codes may be NULL: t->vals). */
int group_analyze_codes(const group_tensor *t, const group_codes *codes, const analyze_cfg *cfg,
                        const char *const *schemes, int nschemes, analyze_result *out,
                        int *handled, util_err *err);

/* After the tensor is prepared: gap_to_optimal_db of the handled results
 * (against the whole tensor's Lloyd-Max quantizer with as many levels, so
 * it may be negative: per-slice scales can beat one optimal codebook), and
 * for GRAN_TENSOR the MX results' relative_to_uniform (per-tensor uniform). */
void group_finish(const prep *p, const analyze_cfg *cfg, analyze_result *out, const int *handled,
                  int nschemes);
/* The same within an analysis (q: its query, prep.h; may be NULL). */
void group_finish_q(const prep *p, prep_query *q, const analyze_cfg *cfg, analyze_result *out,
                    const int *handled, int nschemes);

/* Per-channel summary for a per-channel view (pure, no I/O). */
typedef struct group_chan_stat {
    uint64_t n;            /* finite values in the channel */
    double min, max, absmax, std;   /* of w (raw, before normalization); std with n - 1 */
    double alpha;          /* the channel's alpha (x units) */
    double mse;            /* in x units; NaN when n == 0 */
} group_chan_stat;

/* One entry per channel along cfg->axis (cfg->gran is ignored): the
 * channel's statistics and its mse with scheme at cfg's bits, alpha mode
 * and normalization (per-channel alphas as with --granularity=channel).
 * Returns a malloc'd array of *nch entries, or NULL (err).
 * stop (may be NULL) is called from the calling thread between channels;
 * when it returns nonzero the work stops: NULL with *stopped = 1 (the
 * viewer stops when a key is waiting, so the key never waits for it). */
group_chan_stat *group_channel_stats(const group_tensor *t, const char *scheme,
                                     const analyze_cfg *cfg, uint64_t *nch, util_err *err,
                                     int (*stop)(void *ctx), void *ctx, int *stopped);

/* Channels ordered for display: order[] gets the channel indices by range,
 * largest first (ties: lower index first; NaN ranges, i.e. empty channels,
 * last); *median the median of the finite ranges (mean of the two middle
 * ones for an even count; NaN when none); outlier[i] = 1 when range[i] >
 * factor * median (with median 0: any range > 0). Returns the number of
 * outliers. The viewer's per-channel view and the channels figure share it. */
#define GROUP_OUTLIER_FACTOR 3.0
size_t group_channel_order(const double *range, size_t n, double factor, size_t *order,
                           unsigned char *outlier, double *median);

#endif
