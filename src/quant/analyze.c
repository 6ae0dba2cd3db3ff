/* analyze.c - see analyze.h. */
#include "config.h"
#include "quant/analyze.h"
#include "quant/clip.h"
#include "quant/lloyd.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *analyze_alpha_mode_name(alpha_mode m)
{
    switch (m) {
    case ALPHA_VALUE: return "value";
    case ALPHA_MAX: return "max";
    case ALPHA_MSE: return "mse";
    case ALPHA_FILE: return "file";
    case ALPHA_PERCENTILE: return "percentile";
    case ALPHA_SIGMA: return "sigma";
    case ALPHA_KL: return "kl";
    case ALPHA_ACIQ: return "aciq";
    }
    return "?";
}

static double alpha_q(const prep *p, prep_query *q, const levelset *ls, const analyze_cfg *cfg,
                      double *opt_mse);

double analyze_alpha(const prep *p, const levelset *ls, const analyze_cfg *cfg, double *opt_mse)
{
    return alpha_q(p, NULL, ls, cfg, opt_mse);
}

static double alpha_q(const prep *p, prep_query *q, const levelset *ls, const analyze_cfg *cfg,
                      double *opt_mse)
{
    switch (cfg->amode) {
    case ALPHA_MAX: {
        double a = eval_alpha_max(p, ls, cfg->normalize);
        return a > 0 ? a : 1.0;
    }
    case ALPHA_MSE:
        return eval_best_alpha_q(p, q, ls, cfg->normalize, opt_mse);
    case ALPHA_PERCENTILE:
    case ALPHA_SIGMA:
    case ALPHA_KL:
    case ALPHA_ACIQ: {
        double a = clip_alpha(p, ls, cfg->normalize, cfg->amode, cfg->alpha, cfg->bits);
        return a > 0 && isfinite(a) ? a : 1.0;
    }
    case ALPHA_VALUE:
    case ALPHA_FILE:
        break;
    }
    return cfg->alpha;
}

/* Interned strings: one copy of each, kept for the life of the process
 * (a handful of distinct names per run), so that a result may hold the
 * pointer after the thread that made it has ended. */
typedef struct istr {
    struct istr *next;
    char s[];
} istr;
static istr *interned;
static pthread_mutex_t intern_mu = PTHREAD_MUTEX_INITIALIZER;

const char *analyze_intern(const char *s)
{
    pthread_mutex_lock(&intern_mu);
    istr *i = interned;
    while (i && strcmp(i->s, s) != 0)
        i = i->next;
    if (!i) {
        size_t len = strlen(s);
        i = util_malloc(sizeof *i + len + 1);
        memcpy(i->s, s, len + 1);
        i->next = interned;
        interned = i;
    }
    pthread_mutex_unlock(&intern_mu);
    return i->s;
}

const char *analyze_granularity_name(const analyze_cfg *cfg)
{
    char buf[64];
    switch (cfg->gran) {
    case GRAN_TENSOR: return "tensor";
    case GRAN_CHANNEL:
        snprintf(buf, sizeof buf, "channel:%d", cfg->axis);
        break;
    case GRAN_GROUP:
        if (cfg->group_along_axis)
            snprintf(buf, sizeof buf, "group:%llu@%d", (unsigned long long)cfg->group, cfg->axis);
        else
            snprintf(buf, sizeof buf, "group:%llu", (unsigned long long)cfg->group);
        break;
    case GRAN_BLOCK:
        snprintf(buf, sizeof buf, "block:%llux%llu", (unsigned long long)cfg->block_r,
                 (unsigned long long)cfg->block_c);
        break;
    default:
        return "?";
    }
    return analyze_intern(buf);
}

const char *analyze_scale_dtype_name(scale_dtype d)
{
    switch (d) {
    case SCALE_DEFAULT: return "default";
    case SCALE_FP32: return "fp32";
    case SCALE_FP16: return "fp16";
    case SCALE_BF16: return "bf16";
    case SCALE_E8M0: return "e8m0";
    }
    return "?";
}

double analyze_bpw(const levelset *ls, int bits, int flags, uint64_t count, uint64_t nscales)
{
    if (flags & SCHEME_MX)
        return 4.0 + 8.0 / 32.0;
    if (count == 0)
        return NAN;
    double per_scale = 16;                   /* an fp16 scale */
    if (ls->asym)
        per_scale += 8;                      /* and an 8-bit zero point */
    if (flags & SCHEME_DATA)
        per_scale += 16.0 * (double)ls->n;  /* a codebook of fp16 levels */
    return (double)bits + per_scale * (double)nscales / (double)count;
}

/* The whole tensor's Lloyd-Max mse with L levels, cached per L. */
#define OPT_CACHE 8
typedef struct lloyd_cache {
    size_t L[OPT_CACHE];
    double mse[OPT_CACHE];
    int n;
} lloyd_cache;

static int cache_has(const lloyd_cache *c, size_t L)
{
    if (c->n >= OPT_CACHE)
        return 1;
    for (int i = 0; i < c->n; i++)
        if (c->L[i] == L)
            return 1;
    return 0;
}

double analyze_lloyd_mse(const prep *p, int normalize, size_t L, void *cache)
{
    return analyze_lloyd_mse_q(p, NULL, normalize, L, cache);
}

/* The Lloyd-Max levels of p evaluated like any level set: the result's
 * mse (exact where q resolved its boundaries) and sqnr_db. */
static int lloyd_eval(const prep *p, prep_query *q, int normalize, size_t L, const double *lev,
                      eval_result *r)
{
    double a = fmax(fabs(lev[0]), fabs(lev[L - 1]));
    if (!(a > 0))
        return -1;
    levelset ls;
    levels_alloc(&ls, "lloyd-max", 0, 1, L);
    for (size_t k = 0; k < L; k++) {
        ls.v[k] = lev[k] / a;
        ls.terms[k] = -1;
    }
    util_err e = { { 0 } };
    int rc = eval_full_q(p, q, &ls, a, normalize, r, NULL, &e);
    levels_free(&ls);
    return rc;
}

double analyze_lloyd_mse_q(const prep *p, prep_query *q, int normalize, size_t L, void *cache)
{
    lloyd_cache *c = cache;
    for (int i = 0; c && i < c->n; i++)
        if (c->L[i] == L)
            return c->mse[i];
    double *lev = util_mallocarray(L, sizeof *lev);
    double m = lloyd_levels_q(p, q, normalize, L, lev);
    if (!(p->caps & PREP_CAP_EXACT) && !isnan(m)) {
        /* an engine whose searches are interpolated: lloyd's own mse is
         * too; evaluate its levels exactly like any level set (prep.h) */
        double a = fmax(fabs(lev[0]), fabs(lev[L - 1]));
        if (a > 0) {
            levelset ls;
            levels_alloc(&ls, "lloyd-max", 0, 1, L);
            for (size_t k = 0; k < L; k++) {
                ls.v[k] = lev[k] / a;
                ls.terms[k] = -1;
            }
            eval_result r;
            util_err e = { { 0 } };
            if (eval_full_q(p, q, &ls, a, normalize, &r, NULL, &e) == 0)
                m = r.mse;
            levels_free(&ls);
        }
    }
    free(lev);
    if (c && c->n < OPT_CACHE) {
        c->L[c->n] = L;
        c->mse[c->n++] = m;
    }
    return m;
}

double analyze_gap_db(const prep *p, prep_query *q, int normalize, const eval_result *r, double lm)
{
    double e = r->mse;
    if (isfinite(e) && isfinite(lm))
        return e == lm ? 0 : lm > 0 ? 10 * log10(e / lm) : e > 0 ? INFINITY : 0;
    /* an mse beyond DBL_MAX (values above ~1e154 in float64): the ratio
     * from the two SQNRs, which stay finite (both against the same sum of
     * x^2, eval.c) */
    double sq = NAN;
    size_t L = (size_t)r->levels_total;
    if (L > 0 && p->st.n > 0) {
        double *lev = util_mallocarray(L, sizeof *lev);
        eval_result lr;
        if (!isnan(lloyd_levels_q(p, q, normalize, L, lev)) &&
            lloyd_eval(p, q, normalize, L, lev, &lr) == 0)
            sq = lr.sqnr_db;
        free(lev);
    }
    if (isfinite(sq) && isfinite(r->sqnr_db))
        return sq - r->sqnr_db;
    return NAN;
}

static int one(const prep *p, prep_query *q, const analyze_cfg *cfg, const char *scheme,
               int want_opt, analyze_result *out, util_err *err)
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
    double a;
    const scheme_def *def = levels_find(scheme);
    if (def && (def->flags & SCHEME_MX)) {
        /* block scales need the values in C order, which a prep (sorted)
         * no longer has: group.c computes them before the prep (report) */
        snprintf(out->err, sizeof out->err,
                 "%s: per-block scales are computed by --report only (use fp4-e2m1 for one scale)",
                 ls.scheme);
        levels_free(&ls);
        return 0;
    }
    if (def && (def->flags & SCHEME_DATA)) {
        /* lloyd-max: this tensor's own levels; their scale is the alpha */
        double *lev = util_mallocarray(ls.n, sizeof *lev);
        omse = lloyd_levels_q(p, q, cfg->normalize, ls.n, lev);
        a = fmax(fabs(lev[0]), fabs(lev[ls.n - 1]));
        if (!(a > 0))
            a = 1;
        for (size_t k = 0; k < ls.n; k++)
            ls.v[k] = lev[k] / a;
        free(lev);
        out->opt_alpha = a;
        out->opt_mse = omse;
    } else {
        a = alpha_q(p, q, &ls, cfg, &omse);
        if (cfg->amode == ALPHA_MSE) {
            out->opt_alpha = a;
            out->opt_mse = omse;
        } else if (want_opt)
            out->opt_alpha = eval_best_alpha_q(p, q, &ls, cfg->normalize, &out->opt_mse);
    }
    int r = eval_full_q(p, q, &ls, a, cfg->normalize, &out->r, NULL, err);
    out->granularity = "tensor";
    out->nscales = 1;
    out->bpw = analyze_bpw(&ls, cfg->bits, def ? def->flags : 0, p->st.count, 1);
    levels_free(&ls);
    if (r < 0)
        return -1;
    out->ok = 1;
    return 0;
}

static int analyze_once(const prep *p, prep_query *q, const analyze_cfg *cfg,
                        const char *const *schemes, int nschemes, int want_opt,
                        analyze_result *out, util_err *err)
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
    lloyd_cache cache = { { 0 }, { 0 }, 0 };
    for (int i = 0; i < nschemes; i++) {
        if (one(p, q, cfg, schemes[i], want_opt, &out[i], err) < 0)
            return -1;
        if (out[i].ok && strcmp(out[i].scheme, "uniform") == 0)
            uni_adds = out[i].r.adds_mean;
    }
    if (isnan(uni_adds)) {
        analyze_result u;
        if (one(p, q, cfg, "uniform", 0, &u, err) < 0)
            return -1;
        if (u.ok)
            uni_adds = u.r.adds_mean;
    }
    /* A lloyd-max result is the optimum for its level count: seed the cache
     * with it so the other schemes' gaps do not fit it again. */
    for (int i = 0; i < nschemes; i++) {
        const scheme_def *d = out[i].ok ? levels_find(out[i].scheme) : NULL;
        if (d && (d->flags & SCHEME_DATA) && cfg->gran == GRAN_TENSOR &&
            !cache_has(&cache, (size_t)out[i].r.levels_total)) {
            cache.L[cache.n] = (size_t)out[i].r.levels_total;
            cache.mse[cache.n++] = out[i].r.mse;
        }
    }
    for (int i = 0; i < nschemes; i++) {
        if (!out[i].ok)
            continue;
        out[i].relative_to_uniform = uni_adds > 0 ? out[i].r.adds_mean / uni_adds : NAN;
        if (cfg->no_gap) {
            out[i].gap_to_optimal_db = NAN;
            continue;
        }
        double lm = analyze_lloyd_mse_q(p, q, cfg->normalize, (size_t)out[i].r.levels_total, &cache);
        out[i].gap_to_optimal_db = analyze_gap_db(p, q, cfg->normalize, &out[i].r, lm);
    }
    return 0;
}

/* An engine with a resolve pass (PREP_CAP_RESOLVE) answers in two rounds:
 * the first searches on interpolated sums and notes in q every boundary
 * its full evaluations need, one pass over the values resolves them (into
 * q), and the second round finds the same alphas again (q's memo) and
 * evaluates them exactly. An engine with its own analysis (ops->analyze)
 * answers it. The prep itself is only read. */
int analyze_tensor_q(const prep *p, prep_query *q, const analyze_cfg *cfg,
                     const char *const *schemes, int nschemes, int want_opt,
                     analyze_result *out, util_err *err)
{
    if (p->ops->analyze)
        return p->ops->analyze(p, q, cfg, schemes, nschemes, want_opt, out, err);
    return analyze_tensor_generic(p, q, cfg, schemes, nschemes, want_opt, out, err);
}

int analyze_tensor_generic(const prep *p, prep_query *q, const analyze_cfg *cfg,
                           const char *const *schemes, int nschemes, int want_opt,
                           analyze_result *out, util_err *err)
{
    if (!(p->caps & PREP_CAP_RESOLVE))
        return analyze_once(p, q, cfg, schemes, nschemes, want_opt, out, err);
    prep_query *own = q ? NULL : prep_query_new(p);
    if (own)
        q = own;
    prep_query_record(q, 1);
    int r = analyze_once(p, q, cfg, schemes, nschemes, want_opt, out, err);
    prep_query_record(q, 0);
    if (r == 0 && prep_query_resolve(q, err) < 0)
        r = -1;
    if (r == 0)
        r = analyze_once(p, q, cfg, schemes, nschemes, want_opt, out, err);
    for (int i = 0; r == 0 && i < nschemes; i++)
        if (out[i].ok && out[i].opt_alpha == out[i].r.alpha)
            out[i].opt_mse = out[i].r.mse;
    prep_query_free(own);
    return r < 0 ? -1 : r;
}

int analyze_tensor(const prep *p, const analyze_cfg *cfg, const char *const *schemes,
                   int nschemes, int want_opt, analyze_result *out, util_err *err)
{
    return analyze_tensor_q(p, NULL, cfg, schemes, nschemes, want_opt, out, err);
}
