/* plan_imx.c - see plan_imx.h: imatrix weights by name, and the weighted
 * error of one quantizer evaluated value by value.
 *
 * The per-group alpha is the group engine's own (gq_opt_any over the
 * group's values, quant/gq_int.h: the engine's internals, used here so
 * that the weighted error is that of exactly the quantizer --report
 * evaluates). Work is split into a fixed number of parts of whole rows
 * (by size, not by thread count) summed in part order, so the result does
 * not depend on the threads. */
#include "config.h"
#include "cli/plan_imx.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/par.h"
#include "model/namemap.h"
#include "quant/gq_int.h"
#include "cli/report_rows.h"
#include "model/session.h"

#define WQ_MAXPARTS 64

int imx_weights(const imatrix *im, const char *name, const char *arch, uint64_t cols, uint64_t nexp,
                const double **a, util_err *err)
{
    const imatrix_entry *e = imatrix_find(im, name);
    int ex = -1;
    char buf[512];
    if (!e && namemap_to_gguf(name, arch, buf, sizeof buf, &ex))
        e = imatrix_find(im, buf);
    else
        ex = -1;
    if (!e)
        return 0;
    if (ex >= 0) {
        if (nexp == 1 && cols > 0 && e->nval % cols == 0 && (uint64_t)ex < e->nval / cols) {
            *a = e->a + (uint64_t)ex * cols;
            return 1;
        }
    } else if (e->nval == cols * nexp) {
        *a = e->a;
        return 1;
    }
    if (ex >= 0)
        util_err_set(err, "%s: %s: entry %s has %llu values, not the %llu columns of expert %d (x %llu experts "
                     "at most)", im->path, name, e->name, (unsigned long long)e->nval, (unsigned long long)cols,
                     ex, (unsigned long long)(cols ? e->nval / cols : 0));
    else if (nexp > 1)
        util_err_set(err, "%s: %s: entry %s has %llu values, the tensor %llu input columns x %llu experts",
                     im->path, name, e->name, (unsigned long long)e->nval, (unsigned long long)cols,
                     (unsigned long long)nexp);
    else
        util_err_set(err, "%s: %s: entry %s has %llu values, the tensor %llu input columns", im->path, name,
                     e->name, (unsigned long long)e->nval, (unsigned long long)cols);
    return -1;
}

double imx_sum(const double *a, uint64_t cols)
{
    dd s = { 0, 0 };
    for (uint64_t j = 0; j < cols; j++)
        s = dd_add_d(s, a[j]);
    return dd_to_d(s);
}

/* ---- the quantizer ------------------------------------------------------- */

typedef enum { WK_NONE, WK_TENSOR, WK_GEN, WK_ASYM, WK_MXFP4, WK_Q4_0, WK_Q8_0 } wkind;

static wkind kind_of(const wq_cand *c, const levelset *ls)
{
    if (strcmp(c->scheme, "mxfp4") == 0)
        return WK_MXFP4;
    if (strcmp(c->scheme, "q4_0") == 0)
        return WK_Q4_0;
    if (strcmp(c->scheme, "q8_0") == 0)
        return WK_Q8_0;
    const scheme_def *d = levels_find(c->scheme);
    if (!d || (d->flags & (SCHEME_DATA | SCHEME_ARG | SCHEME_MX)))
        return WK_NONE;
    if (ls && ls->asym)
        return c->group ? WK_ASYM : WK_NONE;
    return c->group ? WK_GEN : WK_TENSOR;
}

int wq_supported(const wq_cand *c)
{
    levelset ls = { 0 };
    util_err err = { { 0 } };
    levels_params prm = { 0 };
    if (strcmp(c->scheme, "mxfp4") == 0 || strcmp(c->scheme, "q4_0") == 0 || strcmp(c->scheme, "q8_0") == 0)
        return 1;
    if (levels_build(c->scheme, c->bits, 1, c->prm ? c->prm : &prm, &ls, &err) < 0)
        return 0;
    if (c->group && c->amode != ALPHA_MSE && c->amode != ALPHA_MAX && c->amode != ALPHA_VALUE && !ls.asym) {
        levels_free(&ls);
        return 0;
    }
    wkind k = kind_of(c, &ls);
    levels_free(&ls);
    return k != WK_NONE;
}

static double natmax_of(const levelset *ls)
{
    if (strcmp(ls->scheme, "uniform") == 0)
        return (double)((ls->n - 1) / 2);
    if (strcmp(ls->scheme, "fp4-e2m1") == 0)
        return 6;
    if (strcmp(ls->scheme, "fp6-e2m3") == 0)
        return 7.5;
    if (strcmp(ls->scheme, "fp6-e3m2") == 0)
        return 28;
    if (strcmp(ls->scheme, "fp8-e4m3") == 0)
        return 448;
    if (strcmp(ls->scheme, "fp8-e5m2") == 0)
        return 57344;
    return 1;
}

typedef struct wjob {
    const group_tensor *t;
    const double *a;
    uint64_t nexp, rows, R, cols, G;
    wkind kind;
    const wq_cand *c;
    levelset ls;
    double natmax, *nat;
    levels_lut lut;
    side sp, sn;
    scale_dtype sd;
    const kern *K;
    int nparts;
    dd wsse[WQ_MAXPARTS], sse[WQ_MAXPARTS];
} wjob;

static inline double val_at(const group_tensor *t, uint64_t i)
{
    if (t->is_double) {
        double d;
        memcpy(&d, (const unsigned char *)t->vals + 8 * i, 8);
        return d;
    }
    float f;
    memcpy(&f, (const unsigned char *)t->vals + 4 * i, 4);
    return (double)f;
}

/* The E2M1 magnitude of m >= 0 (x / X), ties to the even code, saturating at 6. */
static inline double e2m1(double m)
{
    static const double mag[8] = { 0, 0.5, 1, 1.5, 2, 3, 4, 6 };
    int k = (m > 0.25) + (m >= 0.75) + (m > 1.25) + (m >= 1.75) + (m > 2.5) + (m >= 3.5) + (m > 5);
    return mag[k];
}

/* d rounded to float16 (gq_round_scale takes magnitudes) */
static double f16r(double d)
{
    return d < 0 ? -gq_round_scale(-d, SCALE_FP16) : gq_round_scale(d, SCALE_FP16);
}

/* Q of the n finite values x of one group into q. */
static void quant_group(const wjob *j, ws *w, const double *x, size_t n, double *q)
{
    switch (j->kind) {
    case WK_TENSOR: {
        double al = j->c->alpha;
        for (size_t i = 0; i < n; i++)
            q[i] = al > 0 ? al * j->ls.v[levels_lut_find(&j->lut, x[i] / al)] : 0;
        return;
    }
    case WK_GEN: {
        memcpy(w->x, x, n * sizeof *x);
        double S2;
        double amax = gq_group_prep(j->K, w, n, &S2);
        w->S2 = S2;
        double al = j->c->amode == ALPHA_MAX     ? amax
                    : j->c->amode == ALPHA_VALUE ? j->c->alpha
                                                 : gq_opt_any(j->K, &j->sp, &j->sn, w, n, S2, amax);
        double sc = gq_round_scale(al / j->natmax, j->sd);
        for (size_t i = 0; i < n; i++)
            q[i] = sc > 0 ? sc * j->nat[levels_lut_find(&j->lut, x[i] / sc)] : 0;
        return;
    }
    case WK_ASYM: {
        double mn = INFINITY, mx = -INFINITY, maxq = (double)(j->ls.n - 1);
        for (size_t i = 0; i < n; i++) {
            mn = x[i] < mn ? x[i] : mn;
            mx = x[i] > mx ? x[i] : mx;
        }
        double s = (mx - mn) / maxq;
        if (!(s > 0))
            s = fabs(mx) / maxq;
        if (!(s > 0))
            s = 1;
        double sc = gq_round_scale(s, j->sd);
        double z = sc > 0 ? nearbyint(-mn / sc) : 0;
        z = z < 0 ? 0 : z > maxq ? maxq : z;
        for (size_t i = 0; i < n; i++) {
            if (!(sc > 0)) {
                q[i] = 0;
                continue;
            }
            double k = nearbyint(x[i] / sc) + z;
            k = k < 0 ? 0 : k > maxq ? maxq : k;
            q[i] = (k - z) * sc;
        }
        return;
    }
    case WK_MXFP4: {
        double amax = 0;
        for (size_t i = 0; i < n; i++)
            amax = fabs(x[i]) > amax ? fabs(x[i]) : amax;
        double X = 0;
        if (amax > 0) {
            int e;
            frexp(amax, &e);
            int ex = e - 3;
            ex = ex < -127 ? -127 : ex > 127 ? 127 : ex;
            X = ldexp(1.0, ex);
        }
        for (size_t i = 0; i < n; i++) {
            double m = X > 0 ? e2m1(fabs(x[i]) * (1 / X)) * X : 0;
            q[i] = x[i] < 0 ? -m : m;
        }
        return;
    }
    case WK_Q4_0: {
        /* llama.cpp quantize_row_q4_0_ref */
        float famax = 0, fmx = 0;
        for (size_t i = 0; i < n; i++) {
            float v = (float)x[i];
            if (fabsf(v) > famax) {
                famax = fabsf(v);
                fmx = v;
            }
        }
        float d = fmx / -8, id = d != 0 ? 1.0f / d : 0.0f;
        double dq = f16r(d);
        for (size_t i = 0; i < n; i++) {
            float t = (float)x[i] * id + 8.5f;
            int k = (int)(signed char)t;
            k = k > 15 ? 15 : k;
            q[i] = dq * (double)(k - 8);
        }
        return;
    }
    case WK_Q8_0: {
        float famax = 0;
        for (size_t i = 0; i < n; i++)
            famax = fabsf((float)x[i]) > famax ? fabsf((float)x[i]) : famax;
        float d = famax / 127, id = d != 0 ? 1.0f / d : 0.0f;
        double dq = f16r(d);
        for (size_t i = 0; i < n; i++)
            q[i] = dq * (double)roundf((float)x[i] * id);
        return;
    }
    case WK_NONE:
        break;
    }
    for (size_t i = 0; i < n; i++)
        q[i] = NAN;
}

static void wkern(void *ctx, int part)
{
    wjob *j = ctx;
    uint64_t r0 = j->rows * (uint64_t)part / (uint64_t)j->nparts;
    uint64_t r1 = j->rows * (uint64_t)(part + 1) / (uint64_t)j->nparts;
    uint64_t G = j->G ? j->G : j->R;
    if (G > j->R)
        G = j->R;
    double *x = util_mallocarray((size_t)(3 * G + 8), sizeof *x), *aw = x + G, *q = aw + G;
    ws w;
    gq_ws_init(&w, (size_t)G);
    dd ws_ = { 0, 0 }, ss = { 0, 0 };
    uint64_t per_exp = j->rows / j->nexp;
    for (uint64_t r = r0; r < r1; r++) {
        const double *a = j->a + (j->nexp > 1 ? (r / per_exp) * j->cols : 0);
        for (uint64_t g0 = 0; g0 < j->R; g0 += G) {
            uint64_t len = j->R - g0 < G ? j->R - g0 : G;
            size_t n = 0;
            for (uint64_t i = 0; i < len; i++) {
                uint64_t fi = r * j->R + g0 + i;
                double v = val_at(j->t, fi);
                if (!isfinite(v))
                    continue;
                x[n] = v;
                aw[n++] = a[(g0 + i) % j->cols];
            }
            if (n == 0)
                continue;
            quant_group(j, &w, x, n, q);
            double s1 = 0, s2 = 0;
            for (size_t i = 0; i < n; i++) {
                double e = x[i] - q[i];
                s1 += aw[i] * e * e;
                s2 += e * e;
            }
            ws_ = dd_add_d(ws_, s1);
            ss = dd_add_d(ss, s2);
        }
    }
    gq_ws_free(&w);
    free(x);
    j->wsse[part] = ws_;
    j->sse[part] = ss;
}

double wq_wsse(const group_tensor *t, const double *a, uint64_t nexp, const wq_cand *c, double *sse)
{
    wjob *j = util_calloc(1, sizeof *j);
    j->t = t;
    j->a = a;
    j->c = c;
    j->nexp = nexp ? nexp : 1;
    j->cols = t->ndim > 0 ? t->shape[t->ndim - 1] : 1;
    j->rows = t->ndim > 1 ? t->shape[0] : 1;
    j->R = j->rows ? t->count / j->rows : 0;
    j->G = c->group;
    j->K = gq_kern_pick();
    double out = NAN;
    levels_params prm = { 0 };
    util_err err = { { 0 } };
    int fixed = strcmp(c->scheme, "mxfp4") == 0 || strcmp(c->scheme, "q4_0") == 0 || strcmp(c->scheme, "q8_0") == 0;
    if (fixed) {
        j->kind = kind_of(c, NULL);
        j->G = 32;
    } else if (wq_supported(c) && levels_build(c->scheme, c->bits, 1, c->prm ? c->prm : &prm, &j->ls, &err) == 0)
        j->kind = kind_of(c, &j->ls);
    if (j->kind == WK_NONE || j->rows == 0 || j->cols == 0 || j->rows % j->nexp != 0) {
        levels_free(&j->ls);
        free(j);
        if (sse)
            *sse = NAN;
        return NAN;
    }
    j->sd = c->sdtype != SCALE_DEFAULT ? c->sdtype : strcmp(c->scheme, "nf4") == 0 ? SCALE_FP32 : SCALE_FP16;
    if (!fixed) {
        size_t L = j->ls.n;
        j->natmax = j->kind == WK_TENSOR ? 1 : natmax_of(&j->ls);
        j->nat = util_mallocarray(L, sizeof *j->nat);
        for (size_t k = 0; k < L; k++) {
            double v = j->ls.v[k] * j->natmax;
            if (j->natmax != 1)
                v = ldexp(nearbyint(ldexp(v, 24)), -24);
            j->nat[k] = v;
        }
        levels_lut_init(&j->lut, j->kind == WK_TENSOR ? j->ls.v : j->nat, L, L <= 16 ? 64 : 4096);
        gq_side_build(&j->sp, j->ls.v, L, 0);
        gq_side_build(&j->sn, j->ls.v, L, 1);
        gq_side_sym(&j->sp, &j->sn);
    }
    uint64_t np = t->count / 65536 + 1;
    np = np > WQ_MAXPARTS ? WQ_MAXPARTS : np;
    j->nparts = (int)(np > j->rows ? j->rows : np);
    par_run(j->nparts, wkern, j);
    dd w = { 0, 0 }, s = { 0, 0 };
    for (int k = 0; k < j->nparts; k++) {
        w = dd_add(w, j->wsse[k]);
        s = dd_add(s, j->sse[k]);
    }
    out = dd_to_d(w);
    if (sse)
        *sse = dd_to_d(s);
    if (!fixed) {
        free(j->nat);
        levels_lut_free(&j->lut);
        gq_side_free(&j->sp);
        gq_side_free(&j->sn);
    }
    levels_free(&j->ls);
    free(j);
    return out;
}

/* ---- --report ----------------------------------------------------------- */

/* Why result a of this setting has no weighted_mse (NULL: it can have one). */
static const char *report_unsupported(const cli_opts *o)
{
    if (o->cfg.normalize)
        return "not with -n (the error is in normalized units)";
    if (!o->cfg.is_signed)
        return "not with --unsigned";
    if (o->cfg.gran == GRAN_CHANNEL || o->cfg.gran == GRAN_BLOCK)
        return "not computed per channel or block (tensor and group granularity only)";
    if (o->cfg.gran == GRAN_GROUP && o->cfg.group_along_axis)
        return "not computed for groups along --axis";
    return NULL;
}

int imx_report(const struct cli_opts *o, struct session *s, struct report_item *items, size_t n)
{
    util_err err = { { 0 } };
    imatrix *im = imatrix_load(o->imatrix, &err);
    if (!im) {
        util_warn("%s", err.msg);
        for (size_t i = 0; i < n; i++) {
            for (int k = 0; k < OPTIONS_MAX_SCHEMES; k++)
                items[i].wmse[k] = NAN;
            items[i].wnote = "the imatrix could not be read";
        }
        return -1;
    }
    int rc = 0;
    const char *why = report_unsupported(o);
    for (size_t i = 0; i < n; i++) {
        report_item *it = &items[i];
        for (int k = 0; k < OPTIONS_MAX_SCHEMES; k++)
            it->wmse[k] = NAN;
        if (!it->ok)
            continue;
        loader_file *f = s->files[it->file];
        const loader_tensor *lt = &f->tensors[it->tensor];
        uint64_t cols = lt->ndim > 0 ? lt->shape[lt->ndim - 1] : lt->count;
        const double *a = NULL;
        int k = imx_weights(im, lt->name, NULL, cols, 1, &a, &err);
        if (k < 0) {
            util_warn("%s", err.msg);
            it->wnote = "the imatrix entry does not fit the tensor";
            rc = -1;
            continue;
        }
        double den = k ? (double)(lt->count / (cols ? cols : 1)) * imx_sum(a, cols) : 0;
        if (k == 0 || !(den > 0)) {
            it->wnote = k == 0 ? "no imatrix entry" : "the imatrix entry is all zero";
            continue;
        }
        if (why) {
            it->wnote = why;
            continue;
        }
        int dbl = !dtype_fits_float(lt->dtype);
        void *vals = session_read(f, it->tensor, dbl, &err);
        if (!vals) {
            util_warn("%s", err.msg);
            it->wnote = "the tensor could not be read again";
            rc = -1;
            continue;
        }
        group_tensor gt = { vals, dbl, lt->ndim, lt->shape, lt->count };
        it->have_w = 1;
        for (int r = 0; r < o->nschemes; r++) {
            const analyze_result *res = &it->res[r];
            if (!res->ok)
                continue;
            wq_cand c = { res->scheme, o->cfg.bits, o->cfg.gran == GRAN_GROUP ? o->cfg.group : 0, o->cfg.sdtype,
                          o->cfg.gran == GRAN_GROUP ? o->cfg.alpha : res->r.alpha, o->cfg.amode, &o->cfg.lprm };
            if (wq_supported(&c))
                it->wmse[r] = wq_wsse(&gt, a, 1, &c, NULL) / den;
        }
        free(vals);
        loader_release_tensor(f, it->tensor);
    }
    imatrix_free(im);
    return rc;
}
