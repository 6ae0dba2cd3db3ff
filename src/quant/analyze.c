/* analyze.c - see analyze.h. */
#include "config.h"
#include "quant/analyze.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *analyze_alpha_mode_name(alpha_mode m)
{
    switch (m) {
    case ALPHA_VALUE: return "value";
    case ALPHA_MAX: return "max";
    case ALPHA_MSE: return "mse";
    case ALPHA_FILE: return "file";
    }
    return "?";
}

double analyze_alpha(const prep *p, const levelset *ls, const analyze_cfg *cfg, double *opt_mse)
{
    switch (cfg->amode) {
    case ALPHA_MAX: {
        double a = eval_alpha_max(p, ls, cfg->normalize);
        return a > 0 ? a : 1.0;
    }
    case ALPHA_MSE:
        return eval_best_alpha(p, ls, cfg->normalize, opt_mse);
    case ALPHA_VALUE:
    case ALPHA_FILE:
        break;
    }
    return cfg->alpha;
}

static int one(const prep *p, const analyze_cfg *cfg, const char *scheme, int want_opt,
               analyze_result *out, util_err *err)
{
    memset(out, 0, sizeof *out);
    out->scheme = scheme;
    out->opt_alpha = out->opt_mse = NAN;
    out->relative_to_uniform = NAN;
    levelset ls;
    util_err e = { { 0 } };
    if (levels_build(scheme, cfg->bits, cfg->is_signed, &cfg->lprm, &ls, &e) < 0) {
        snprintf(out->err, sizeof out->err, "%s", e.msg);
        return 0;
    }
    out->scheme = ls.scheme;
    double omse = NAN;
    double a = analyze_alpha(p, &ls, cfg, &omse);
    if (cfg->amode == ALPHA_MSE) {
        out->opt_alpha = a;
        out->opt_mse = omse;
    } else if (want_opt)
        out->opt_alpha = eval_best_alpha(p, &ls, cfg->normalize, &out->opt_mse);
    int r = eval_full(p, &ls, a, cfg->normalize, &out->r, NULL, err);
    levels_free(&ls);
    if (r < 0)
        return -1;
    out->ok = 1;
    return 0;
}

int analyze_tensor(const prep *p, const analyze_cfg *cfg, const char *const *schemes,
                   int nschemes, int want_opt, analyze_result *out, util_err *err)
{
    if (cfg->normalize && !eval_can_normalize(p)) {
        util_err_set(err, "cannot normalize: the standard deviation is %s",
                     p->st.n < 2 ? "undefined (fewer than 2 finite values)" : "0 (constant tensor)");
        return -1;
    }
    if ((cfg->amode == ALPHA_VALUE || cfg->amode == ALPHA_FILE) &&
        !(cfg->alpha > 0 && isfinite(cfg->alpha))) {
        util_err_set(err, "alpha must be a positive finite number (got %g)", cfg->alpha);
        return -1;
    }
    double uni_adds = NAN;
    for (int i = 0; i < nschemes; i++) {
        if (one(p, cfg, schemes[i], want_opt, &out[i], err) < 0)
            return -1;
        if (out[i].ok && strcmp(out[i].scheme, "uniform") == 0)
            uni_adds = out[i].r.adds_mean;
    }
    if (isnan(uni_adds)) {
        analyze_result u;
        if (one(p, cfg, "uniform", 0, &u, err) < 0)
            return -1;
        if (u.ok)
            uni_adds = u.r.adds_mean;
    }
    for (int i = 0; i < nschemes; i++)
        if (out[i].ok)
            out[i].relative_to_uniform = uni_adds > 0 ? out[i].r.adds_mean / uni_adds : NAN;
    return 0;
}
