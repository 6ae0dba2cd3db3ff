/*
 * gview.h - the numbers of the group view (viewer, figure): for one tensor
 * in C order under a group or block granularity, every scheme's results
 * exactly as --report computes them (group_analyze_codes, the same engine
 * and the same call) and, for one scheme, what gq_run's view sink
 * (gq_view, gq.h) holds: the pooled histogram of u = x / alpha_g over
 * [-1, 1], each group's stored alpha, sum of squared errors and count.
 *
 * The view is a second gq_run over the values with one job (the focused
 * scheme) and the same cfg, m and s as the report's pass, so its groups'
 * sse add up to the report's mse times the count. Normalization (-n) uses
 * the whole tensor's mean and std computed in C order in the same
 * arithmetic as group.c (so m and s are the report's bits).
 *
 * Per channel (--granularity=channel, axis 0; not a format gq_run
 * computes): the view is that of one group per row of the matrix
 * [shape[0], count / shape[0]] with each row's scale stored in fp32 (the
 * per-channel engine keeps it unrounded: a relative difference below
 * 6e-8 in the picture; the numbers are the per-channel engine's).
 *
 * Summary (gview_summary): what the viewer and the figure print about the
 * scales: their min, median and max over the groups that have values, and
 * a histogram of them.
 */
#ifndef APOTVIEW_GVIEW_H
#define APOTVIEW_GVIEW_H

#include "quant/gq.h"

/* Whether the group view can be drawn for scheme under cfg: 1, or 0 with
 * why in msg (a per-tensor granularity that is not an MX format, channels
 * of another axis than 0, a scheme or alpha mode gq_run does not compute
 * per group). */
int gview_possible(const analyze_cfg *cfg, const char *scheme, char *msg, size_t mlen);

/* The report's results for schemes (out[nschemes], as group_analyze_codes:
 * handled[i] says which it computed; with cfg->gran != GRAN_TENSOR all)
 * and, when view is not NULL and gview_possible(cfg, schemes[focus]), the
 * view of schemes[focus] (view->nbins and view->hist set by the caller;
 * *view_ok 1 when filled, else 0 with view_msg). Returns 0, or -1 with err
 * for a problem common to all schemes (as group_analyze_codes). */
int gview_analyze(const group_tensor *t, const group_codes *codes, const analyze_cfg *cfg,
                  const char *const *schemes, int nschemes, int *handled, analyze_result *out,
                  int focus, gq_view *view, int *view_ok, char *view_msg, size_t vlen,
                  util_err *err);

/* Only the view of scheme (as gview_analyze's second pass): 0 with view
 * filled, -1 with msg. */
int gview_view(const group_tensor *t, const group_codes *codes, const analyze_cfg *cfg, const char *scheme,
               gq_view *view, char *msg, size_t mlen);

/* The scales of a view, over the groups with at least one value: min,
 * median (the lower middle one for an even number) and max (NaN when
 * none), and nh counts of alpha over [0, max] (bin b = floor(alpha / max *
 * nh), alpha = max in the last bin; all in bin 0 when max is 0). */
typedef struct gview_scales {
    uint64_t n;            /* groups with values */
    double min, median, max;
    double sse_max;        /* the largest group sse */
    int nh;
    uint64_t *hist;        /* nh (owned; gview_scales_free) */
} gview_scales;

void gview_summary(const gq_view *v, int nh, gview_scales *out);
void gview_scales_free(gview_scales *s);

#endif
