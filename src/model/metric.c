/* metric.c - the table of a scheme's numbers (metric.h). */
#include "config.h"
#include "model/metric.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/numfmt.h"
#include "core/util.h"

static double g_alpha(const analyze_result *a) { return a->r.alpha; }
static double g_mse(const analyze_result *a) { return a->r.mse; }
static double g_sqnr(const analyze_result *a) { return a->r.sqnr_db; }
static double g_maxerr(const analyze_result *a) { return a->r.max_abs_err; }
static double g_clip(const analyze_result *a) { return a->r.clipped; }
static double g_ent(const analyze_result *a) { return a->r.entropy_bits; }
static double g_used(const analyze_result *a) { return (double)a->r.levels_used; }
static double g_total(const analyze_result *a) { return (double)a->r.levels_total; }
static double g_adds(const analyze_result *a) { return a->r.adds_mean; }
/* -1: the levels are not sums of powers of two (no shift-add cost) */
static double g_worst(const analyze_result *a) { return a->r.adds_worst < 0 ? NAN : a->r.adds_worst; }
static double g_shifts(const analyze_result *a) { return a->r.shifts_mean; }
static double g_rel(const analyze_result *a) { return a->relative_to_uniform; }
static double g_opt_alpha(const analyze_result *a) { return a->opt_alpha; }
static double g_gap(const analyze_result *a) { return a->gap_to_optimal_db; }
static double g_bpw(const analyze_result *a) { return a->bpw; }
static double g_opt_mse(const analyze_result *a) { return a->opt_mse; }
static double g_lpg(const analyze_result *a) { return a->stored ? a->levels_per_group : NAN; }
static double g_scale_med(const analyze_result *a) { return a->stored ? a->scale_median : NAN; }
static double g_off_grid(const analyze_result *a) { return a->stored ? (double)a->off_grid : NAN; }

const metric metric_table[M_N] = {
    { M_ALPHA, "alpha", "alpha", 0, MC_SI, METRIC_CSV, g_alpha },
    { M_MSE, "mse", "mse", -1, MC_SI, METRIC_CSV, g_mse },
    { M_SQNR, "sqnr_db", "sqnr dB", +1, MC_FIXED3, METRIC_CSV, g_sqnr },
    { M_MAXERR, "max_abs_err", "max |err|", -1, MC_SI, METRIC_CSV, g_maxerr },
    { M_CLIP, "clipped", "clipped", 0, MC_PCT, METRIC_CSV, g_clip },
    { M_ENT, "entropy_bits", "entropy bits", 0, MC_FIXED3, METRIC_CSV, g_ent },
    { M_USED, "levels_used", "levels used", 0, MC_USED, METRIC_CSV | METRIC_INTEGER, g_used },
    { M_TOTAL, "levels_total", NULL, 0, MC_INT, METRIC_CSV | METRIC_INTEGER, g_total },
    { M_ADDS, "adds_mean", "adds/MAC mean", -1, MC_FIXED3, METRIC_CSV | METRIC_COST, g_adds },
    { M_WORST, "adds_worst", "adds worst", -1, MC_INT, METRIC_CSV | METRIC_INTEGER | METRIC_COST,
      g_worst },
    { M_SHIFTS, "shifts_mean", NULL, -1, MC_FIXED3, METRIC_CSV | METRIC_COST, g_shifts },
    { M_REL, "relative_to_uniform", "vs uniform", -1, MC_FIXED3, METRIC_CSV | METRIC_COST, g_rel },
    { M_OPT_ALPHA, "opt_alpha", "mse-opt alpha", 0, MC_SI, METRIC_OPT, g_opt_alpha },
    { M_GAP, "gap_to_optimal_db", "gap to opt dB", -1, MC_FIXED3F, METRIC_CSV, g_gap },
    { M_BPW, "bpw", "bits/weight", 0, MC_G4, METRIC_CSV, g_bpw },
    { M_OPT_MSE, "opt_mse", NULL, -1, MC_SI, METRIC_OPT, g_opt_mse },
    { M_LPG, "levels_per_group", "levels/group", 0, MC_G4, METRIC_CSV | METRIC_STORED, g_lpg },
    { M_SCALE_MED, "scale_median", "scale median", 0, MC_SI, METRIC_CSV | METRIC_STORED, g_scale_med },
    { M_OFF_GRID, "off_grid", NULL, 0, MC_INT, METRIC_CSV | METRIC_INTEGER | METRIC_STORED, g_off_grid },
};

static int has_value(const metric *m, const analyze_result *a, double *v)
{
    if (!a->ok || a->r.n == 0)
        return 0;
    *v = m->get(a);
    return !isnan(*v) && (m->better >= 0 || isfinite(*v));
}

int metric_best(const metric *m, const analyze_result *res, int n)
{
    int best = -1, nvalid = 0, alleq = 1;
    double bv = 0, v;
    if (!m->better)
        return -1;
    for (int i = 0; i < n; i++) {
        if (!has_value(m, &res[i], &v))
            continue;
        if (nvalid++ && v != bv)
            alleq = 0;
        if (best < 0 || (m->better < 0 ? v < bv : v > bv)) {
            best = i;
            bv = v;
        }
    }
    /* a tie of all of them is no one's star */
    return nvalid > 1 && alleq ? -1 : best;
}

int metric_cmp(const metric *m, const analyze_result *x, const analyze_result *y)
{
    int okx = x->ok && x->r.n > 0, oky = y->ok && y->r.n > 0;
    if (okx != oky)
        return oky - okx;
    if (!okx)
        return 0;
    double a = m->get(x), b = m->get(y);
    if (m->better > 0) {
        double t = a;
        a = b;
        b = t;
    }
    return (a > b) - (a < b);
}

const char *metric_cell(const metric *m, const analyze_result *a, char *buf, size_t len)
{
    if (!a->ok) {
        snprintf(buf, len, "-");
        return buf;
    }
    double v = m->get(a);
    if (isnan(v)) {
        snprintf(buf, len, "-");
        return buf;
    }
    switch (m->cell) {
    case MC_PCT:
        snprintf(buf, len, "%.3g%%", 100 * v);
        break;
    case MC_FIXED3:
        if (isfinite(v))
            snprintf(buf, len, "%.3f", v);
        else
            snprintf(buf, len, "%s", v > 0 ? "inf" : "-inf");
        break;
    case MC_FIXED3F:
        snprintf(buf, len, isfinite(v) ? "%.3f" : "-", v);
        break;
    case MC_USED:
        snprintf(buf, len, "%llu/%llu", (unsigned long long)a->r.levels_used,
                 (unsigned long long)a->r.levels_total);
        break;
    case MC_INT:
        snprintf(buf, len, "%.0f", v);
        break;
    case MC_G4:
        snprintf(buf, len, isfinite(v) ? "%.4g" : "-", v);
        break;
    case MC_SI:
    default:
        util_fmt_si(buf, len, v, 4);
        break;
    }
    return buf;
}

const char *metric_fit(const metric *m, const analyze_result *a, char *buf, size_t len, int width)
{
    char t[64];
    if (len == 0)
        return buf;
    if (width < 1)
        width = 1;
    metric_cell(m, a, t, sizeof t);
    if ((int)strlen(t) <= width) {
        snprintf(buf, len, "%s", t);
        return buf;
    }
    double v = a->ok ? m->get(a) : NAN;
    switch (m->cell) {
    case MC_PCT:
        numfmt_fit(t, sizeof t, 100 * v, width - 1, 3, NUMFMT_PLAIN | NUMFMT_EXP);
        if (width > 1 && t[0] != '#' && strcmp(t, "nan") != 0) {
            snprintf(buf, len, "%s%%", t);
            return buf;
        }
        break;
    case MC_USED:
        break;
    case MC_SI:
        numfmt_fit(buf, len, v, width, 4, NUMFMT_ANY);
        return buf;
    default:
        numfmt_fit(buf, len, v, width, 4, NUMFMT_PLAIN | NUMFMT_EXP);
        return buf;
    }
    size_t n = (size_t)width < len - 1 ? (size_t)width : len - 1;
    memset(buf, '#', n);
    buf[n] = '\0';
    return buf;
}
