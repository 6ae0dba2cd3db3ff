/* gview.c - the group view's numbers (gview.h). */
#include "config.h"
#include "quant/gview.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gview_possible(const analyze_cfg *cfg, const char *scheme, char *msg, size_t mlen)
{
    const scheme_def *d = levels_find(scheme);
    if (!d) {
        snprintf(msg, mlen, "unknown scheme %s", scheme);
        return 0;
    }
    if (d->flags & SCHEME_MX)
        return 1;   /* its own blocks of 32 at every granularity */
    if (cfg->gran == GRAN_TENSOR) {
        snprintf(msg, mlen, "one scale per tensor: no groups (G cycles the granularity)");
        return 0;
    }
    if (cfg->gran == GRAN_CHANNEL && cfg->axis != 0) {
        snprintf(msg, mlen, "per channel along axis %d: the group view is drawn for channels of axis 0, "
                            "group:G and block:RxC", cfg->axis);
        return 0;
    }
    if (!gq_handles(cfg, d)) {
        snprintf(msg, mlen, "%s with --alpha=%s per group is computed one slice at a time; the group "
                            "view needs --alpha=max, mse or a number",
                 scheme, analyze_alpha_mode_name(cfg->amode));
        return 0;
    }
    return 1;
}

/* The value of element j (as group.c reads it). */
static double tval(const group_tensor *t, const group_codes *cd, uint64_t j)
{
    if (cd && cd->codes16) {
        unsigned c = (unsigned)cd->codes16[2 * j] | (unsigned)cd->codes16[2 * j + 1] << 8;
        if (cd->bf16) {
            uint32_t b = (uint32_t)c << 16;
            float f;
            memcpy(&f, &b, sizeof f);
            return f;
        }
        return cd->code_value[c];
    }
    return t->is_double ? ((const double *)t->vals)[j] : (double)((const float *)t->vals)[j];
}

/* The mean and std (n - 1) of the finite values in C order, in group.c's
 * arithmetic (blocks of 1024 summed in double, blocks added in
 * double-double, a correction pass), so that -n gives the report's m, s. */
static void moments(const group_tensor *t, const group_codes *cd, uint64_t *nout, double *mean, double *sd)
{
    uint64_t n = 0;
    dd sum = { 0, 0 };
    for (uint64_t i = 0; i < t->count; i += 1024) {
        uint64_t e = i + 1024 < t->count ? i + 1024 : t->count;
        double s = 0;
        for (uint64_t j = i; j < e; j++) {
            double w = tval(t, cd, j);
            if (isfinite(w)) {
                s += w;
                n++;
            }
        }
        sum = dd_add_d(sum, s);
    }
    double m = n ? dd_to_d(sum) / (double)n : 0;
    dd r = { 0, 0 }, q = { 0, 0 };
    for (uint64_t i = 0; i < t->count; i += 1024) {
        uint64_t e = i + 1024 < t->count ? i + 1024 : t->count;
        double s = 0;
        for (uint64_t j = i; j < e; j++) {
            double w = tval(t, cd, j);
            if (isfinite(w))
                s += w - m;
        }
        r = dd_add_d(r, s);
    }
    if (n)
        m += dd_to_d(r) / (double)n;
    for (uint64_t i = 0; i < t->count; i += 1024) {
        uint64_t e = i + 1024 < t->count ? i + 1024 : t->count;
        double s = 0;
        for (uint64_t j = i; j < e; j++) {
            double w = tval(t, cd, j);
            if (isfinite(w))
                s += (w - m) * (w - m);
        }
        q = dd_add_d(q, s);
    }
    *nout = n;
    *mean = m;
    *sd = n > 1 ? sqrt(dd_to_d(q) / (double)(n - 1)) : 0;
}

static int view_pass(const group_tensor *t, const group_codes *codes, const analyze_cfg *cfg0,
                     const char *scheme, gq_view *view, char *msg, size_t mlen)
{
    const scheme_def *d = levels_find(scheme);
    analyze_cfg cv = *cfg0;
    const analyze_cfg *cfg = &cv;
    if (cv.gran == GRAN_CHANNEL && !(d && (d->flags & SCHEME_MX))) {
        /* channels of axis 0 are the rows of [shape[0], count / shape[0]]:
         * one group per row; the per-channel engine keeps each scale
         * unrounded, the view stores it in fp32 (gview.h) */
        if (t->ndim < 2 || t->shape[0] == 0) {
            snprintf(msg, mlen, "a tensor of %d dimension%s: its channels are single values", t->ndim,
                     t->ndim == 1 ? "" : "s");
            return -1;
        }
        cv.gran = GRAN_GROUP;
        cv.group = t->count / t->shape[0];
        cv.group_along_axis = 0;
        cv.sdtype = SCALE_FP32;
    }
    levelset ls;
    util_err e = { { 0 } };
    if (levels_build(scheme, cfg->bits, cfg->is_signed, &cfg->lprm, &ls, &e) < 0) {
        snprintf(msg, mlen, "%s", e.msg);
        return -1;
    }
    double m = 0, s = 1;
    if (cfg->normalize) {
        uint64_t n;
        moments(t, codes, &n, &m, &s);
        if (n < 2 || !(s > 0) || !isfinite(s)) {
            snprintf(msg, mlen, "cannot normalize (std %s)", n < 2 ? "undefined" : "0");
            levels_free(&ls);
            return -1;
        }
    }
    analyze_result tmp;
    memset(&tmp, 0, sizeof tmp);
    gq_job job;
    memset(&job, 0, sizeof job);
    job.ls = ls;
    job.def = d;
    job.out = &tmp;
    job.view = view;
    int fixed = d && (d->flags & SCHEME_MX);
    int r = gq_run(t, codes, cfg, fixed, m, s, &job, 1, msg, mlen);
    levels_free(&ls);
    return r;
}

/* The one-pass path: at group:G or block:RxC with every scheme computed
 * by gq_run, the report's numbers and the view come from the same passes
 * group_analyze_codes makes (one gq_run for the streaming schemes with a
 * hidden uniform for relative_to_uniform when uniform is not shown, one
 * for the block formats), the view sink on the focused scheme's job; the
 * results are set up as group.c does (result_init, gran_name), and
 * tests/ui/test_ui_glayout.c checks them against group_analyze_codes field
 * by field. Returns 1 when it applied (then *rc is the return value), 0
 * when the two-pass path must run. */
#define ONE_MAX 32
static int one_pass(const group_tensor *t, const group_codes *codes, const analyze_cfg *cfg,
                    const char *const *schemes, int ns, int *handled, analyze_result *out, int focus,
                    gq_view *view, int *view_ok, char *view_msg, size_t vlen, util_err *err, int *rc)
{
    if ((cfg->gran != GRAN_GROUP && cfg->gran != GRAN_BLOCK) || ns < 1 || ns >= ONE_MAX || focus < 0 ||
        focus >= ns)
        return 0;
    const scheme_def *defs[ONE_MAX];
    for (int i = 0; i < ns; i++) {
        defs[i] = levels_find(schemes[i]);
        if (!defs[i] || (!(defs[i]->flags & SCHEME_MX) && !gq_handles(cfg, defs[i])))
            return 0;
    }
    *rc = 0;
    if ((cfg->amode == ALPHA_VALUE || cfg->amode == ALPHA_FILE) && !(cfg->alpha > 0 && isfinite(cfg->alpha))) {
        util_err_set(err, "alpha must be a positive finite number (got %g)", cfg->alpha);
        *rc = -1;
        return 1;
    }
    double m = 0, s = 1;
    if (cfg->normalize) {
        uint64_t n;
        moments(t, codes, &n, &m, &s);
        if (n < 2 || !(s > 0) || !isfinite(s)) {
            util_err_set(err, "cannot normalize: the standard deviation is %s",
                         n < 2 ? "undefined (fewer than 2 finite values)" : "0 (constant tensor)");
            *rc = -1;
            return 1;
        }
    }
    gq_job jobs[ONE_MAX + 1], fjobs[ONE_MAX];
    int nj = 0, nfj = 0, have_uni = 0, hidden = -1, fview = 0;
    memset(jobs, 0, sizeof jobs);
    memset(fjobs, 0, sizeof fjobs);
    for (int i = 0; i < ns; i++) {
        int mx = (defs[i]->flags & SCHEME_MX) != 0;
        handled[i] = 1;
        memset(&out[i], 0, sizeof out[i]);
        out[i].scheme = schemes[i];
        out[i].opt_alpha = out[i].opt_mse = out[i].relative_to_uniform = NAN;
        out[i].gap_to_optimal_db = out[i].bpw = NAN;
        out[i].granularity = mx ? "group:32" : analyze_granularity_name(cfg);
        levelset ls;
        util_err e = { { 0 } };
        if (levels_build(schemes[i], cfg->bits, cfg->is_signed, &cfg->lprm, &ls, &e) < 0) {
            snprintf(out[i].err, sizeof out[i].err, "%s", e.msg);
            continue;
        }
        out[i].scheme = ls.scheme;
        gq_job *j = mx ? &fjobs[nfj++] : &jobs[nj++];
        j->ls = ls;
        j->def = defs[i];
        j->out = &out[i];
        if (i == focus) {
            j->view = view;
            fview = mx;
        }
        if (!mx && strcmp(ls.scheme, "uniform") == 0)
            have_uni = 1;
    }
    if (!have_uni && nj > 0) {
        levelset ls;
        util_err e = { { 0 } };
        const scheme_def *ud = levels_find("uniform");
        if (levels_build("uniform", cfg->bits, cfg->is_signed, &cfg->lprm, &ls, &e) == 0) {
            if (gq_handles(cfg, ud)) {
                hidden = nj;
                jobs[nj].ls = ls;
                jobs[nj].def = ud;
                jobs[nj++].out = NULL;
            } else
                levels_free(&ls);
        }
    }
    double uni = NAN;
    int vdone = 0;
    char msg[UTIL_ERRLEN];
    if (nj > 0) {
        if (gq_run(t, codes, cfg, 0, m, s, jobs, nj, msg, sizeof msg) < 0) {
            for (int k = 0; k < nj; k++)
                if (jobs[k].out)
                    snprintf(jobs[k].out->err, sizeof jobs[k].out->err, "%s", msg);
            if (!fview)
                snprintf(view_msg, vlen, "%s", msg);
        } else {
            for (int k = 0; k < nj; k++)
                if (k == hidden || (jobs[k].out && strcmp(jobs[k].ls.scheme, "uniform") == 0))
                    uni = jobs[k].adds_mean;
            vdone |= !fview && handled[focus] && out[focus].ok;
        }
    }
    if (nfj > 0) {
        if (gq_run(t, codes, cfg, 1, m, s, fjobs, nfj, msg, sizeof msg) < 0) {
            for (int k = 0; k < nfj; k++)
                snprintf(fjobs[k].out->err, sizeof fjobs[k].out->err, "%s", msg);
            if (fview)
                snprintf(view_msg, vlen, "%s", msg);
        } else
            vdone |= fview && out[focus].ok;
    }
    for (int i = 0; i < ns; i++)
        if (out[i].ok)
            out[i].relative_to_uniform = uni > 0 ? out[i].r.adds_mean / uni : NAN;
    if (!out[focus].ok && !view_msg[0])
        snprintf(view_msg, vlen, "%s", out[focus].err);
    if (view_ok)
        *view_ok = vdone;
    for (int k = 0; k < nj; k++)
        levels_free(&jobs[k].ls);
    for (int k = 0; k < nfj; k++)
        levels_free(&fjobs[k].ls);
    return 1;
}

int gview_analyze(const group_tensor *t, const group_codes *codes, const analyze_cfg *cfg,
                  const char *const *schemes, int nschemes, int *handled, analyze_result *out,
                  int focus, gq_view *view, int *view_ok, char *view_msg, size_t vlen,
                  util_err *err)
{
    if (view_ok)
        *view_ok = 0;
    if (view_msg && vlen)
        view_msg[0] = '\0';
    int rc;
    if (view && view_msg && one_pass(t, codes, cfg, schemes, nschemes, handled, out, focus, view, view_ok,
                                     view_msg, vlen, err, &rc))
        return rc;
    if (group_analyze_codes(t, codes, cfg, schemes, nschemes, out, handled, err) < 0) {
        if (view_msg)
            snprintf(view_msg, vlen, "%s", err->msg);
        return -1;
    }
    if (!view || focus < 0 || focus >= nschemes)
        return 0;
    if (!gview_possible(cfg, schemes[focus], view_msg, vlen))
        return 0;
    if (handled[focus] && !out[focus].ok) {
        snprintf(view_msg, vlen, "%s", out[focus].err);
        return 0;
    }
    if (view_pass(t, codes, cfg, schemes[focus], view, view_msg, vlen) == 0 && view_ok)
        *view_ok = 1;
    return 0;
}

int gview_view(const group_tensor *t, const group_codes *codes, const analyze_cfg *cfg, const char *scheme,
               gq_view *view, char *msg, size_t mlen)
{
    if (!gview_possible(cfg, scheme, msg, mlen))
        return -1;
    return view_pass(t, codes, cfg, scheme, view, msg, mlen);
}

static int cmp_f(const void *x, const void *y)
{
    float a = *(const float *)x, b = *(const float *)y;
    return a < b ? -1 : a > b;
}

void gview_summary(const gq_view *v, int nh, gview_scales *out)
{
    memset(out, 0, sizeof *out);
    out->min = out->median = out->max = NAN;
    out->sse_max = NAN;
    out->nh = nh > 0 ? nh : 1;
    out->hist = util_calloc((size_t)out->nh, sizeof *out->hist);
    if (!v || !v->alpha || !v->count)
        return;
    float *a = util_mallocarray(v->ngroups ? v->ngroups : 1, sizeof *a);
    size_t n = 0;
    double smax = -INFINITY;
    for (size_t g = 0; g < v->ngroups; g++) {
        if (!v->count[g])
            continue;
        a[n++] = v->alpha[g];
        if (v->sse && v->sse[g] > smax)
            smax = v->sse[g];
    }
    out->n = n;
    if (n) {
        qsort(a, n, sizeof *a, cmp_f);
        out->min = a[0];
        out->median = a[(n - 1) / 2];
        out->max = a[n - 1];
        out->sse_max = smax;
        for (size_t i = 0; i < n; i++) {
            int b = out->max > 0 ? (int)floor((double)a[i] / out->max * out->nh) : 0;
            if (b >= out->nh)
                b = out->nh - 1;
            if (b < 0)
                b = 0;
            out->hist[b]++;
        }
    }
    free(a);
}

void gview_scales_free(gview_scales *s)
{
    free(s->hist);
    s->hist = NULL;
}
