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

typedef enum { WK_NONE, WK_TENSOR, WK_GEN, WK_UNI, WK_ASYM, WK_MXFP4, WK_Q4_0, WK_Q8_0 } wkind;

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

/* One candidate of a pass. */
typedef struct wqq {
    const wq_cand *c;
    wkind kind;
    levelset ls;
    double natmax, *nat;
    levels_lut lut;
    side sp, sn;
    scale_dtype sd;
    const kern *K;
} wqq;

/* One pass over a tensor for n candidates of the same group size. */
typedef struct wjob {
    const group_tensor *t;
    const double *a;
    uint64_t nexp, rows, R, cols, G;
    wqq *q;
    int n;
    int nparts;
    dd *wsse, *sse;        /* nparts x n */
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
static void quant_group(const wqq *j, ws *w, const double *x, size_t n, double *q, int *prepped, double *amx)
{
    switch (j->kind) {
    case WK_TENSOR: {
        double al = j->c->alpha;
        for (size_t i = 0; i < n; i++)
            q[i] = al > 0 ? al * j->ls.v[levels_lut_find(&j->lut, x[i] / al)] : 0;
        return;
    }
    case WK_UNI: {   /* uniform per group: q = ceil(x / sc - 1/2) clamped (gq.h) */
        if (!*prepped) {
            memcpy(w->x, x, n * sizeof *x);
            double S2;
            *amx = gq_group_prep(j->K, w, n, &S2);
            w->S2 = S2;
            *prepped = 1;
        }
        double al = j->c->amode == ALPHA_MAX     ? *amx
                    : j->c->amode == ALPHA_VALUE ? j->c->alpha
                                                 : gq_opt_any(j->K, &j->sp, &j->sn, w, n, w->S2, *amx);
        double sc = gq_round_scale(al / j->natmax, j->sd), hi = j->natmax, lo = -j->natmax;
        for (size_t i = 0; i < n; i++) {
            double k = sc > 0 ? ceil(x[i] / sc - 0.5) : 0;
            k = k < lo ? lo : k > hi ? hi : k;
            q[i] = sc > 0 ? k * sc : 0;
        }
        return;
    }
    case WK_GEN: {
        if (!*prepped) {   /* the group's sorted magnitudes: once for all candidates */
            memcpy(w->x, x, n * sizeof *x);
            double S2;
            *amx = gq_group_prep(j->K, w, n, &S2);
            w->S2 = S2;
            *prepped = 1;
        }
        double S2 = w->S2, amax = *amx;
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
    dd *ws_ = j->wsse + (size_t)part * (size_t)j->n, *ss = j->sse + (size_t)part * (size_t)j->n;
    uint64_t per_exp = j->rows / j->nexp;
    for (uint64_t r = r0; r < r1; r++) {
        const double *a = j->a + (j->nexp > 1 ? (r / per_exp) * j->cols : 0);
        for (uint64_t g0 = 0; g0 < j->R; g0 += G) {
            uint64_t len = j->R - g0 < G ? j->R - g0 : G;
            size_t n = 0;
            for (uint64_t i = 0; i < len; i++) {
                double v = val_at(j->t, r * j->R + g0 + i);
                if (!isfinite(v))
                    continue;
                x[n] = v;
                aw[n++] = a[(g0 + i) % j->cols];
            }
            if (n == 0)
                continue;
            int prepped = 0;
            double amx = 0;
            for (int k = 0; k < j->n; k++) {
                quant_group(&j->q[k], &w, x, n, q, &prepped, &amx);
                double s1 = 0, s2 = 0;
                for (size_t i = 0; i < n; i++) {
                    double e = x[i] - q[i];
                    s1 += aw[i] * e * e;
                    s2 += e * e;
                }
                ws_[k] = dd_add_d(ws_[k], s1);
                ss[k] = dd_add_d(ss[k], s2);
            }
        }
    }
    gq_ws_free(&w);
    free(x);
}

/* Set up candidate c; 0, or -1 when it is not supported. */
static int wqq_init(wqq *q, const wq_cand *c)
{
    memset(q, 0, sizeof *q);
    q->c = c;
    q->K = gq_kern_pick();
    levels_params prm = { 0 };
    util_err err = { { 0 } };
    if (strcmp(c->scheme, "mxfp4") == 0 || strcmp(c->scheme, "q4_0") == 0 || strcmp(c->scheme, "q8_0") == 0) {
        q->kind = kind_of(c, NULL);
        return 0;
    }
    if (!wq_supported(c) || levels_build(c->scheme, c->bits, 1, c->prm ? c->prm : &prm, &q->ls, &err) < 0)
        return -1;
    q->kind = kind_of(c, &q->ls);
    if (q->kind == WK_NONE) {
        levels_free(&q->ls);
        return -1;
    }
    q->sd = c->sdtype != SCALE_DEFAULT ? c->sdtype : strcmp(c->scheme, "nf4") == 0 ? SCALE_FP32 : SCALE_FP16;
    size_t L = q->ls.n;
    q->natmax = q->kind == WK_TENSOR ? 1 : natmax_of(&q->ls);
    if (q->kind == WK_GEN && strcmp(q->ls.scheme, "uniform") == 0 && q->natmax <= 127)
        q->kind = WK_UNI;
    q->nat = util_mallocarray(L, sizeof *q->nat);
    for (size_t k = 0; k < L; k++) {
        double v = q->ls.v[k] * q->natmax;
        if (q->natmax != 1)
            v = ldexp(nearbyint(ldexp(v, 24)), -24);
        q->nat[k] = v;
    }
    levels_lut_init(&q->lut, q->kind == WK_TENSOR ? q->ls.v : q->nat, L, L <= 16 ? 64 : 4096);
    gq_side_build(&q->sp, q->ls.v, L, 0);
    gq_side_build(&q->sn, q->ls.v, L, 1);
    gq_side_sym(&q->sp, &q->sn);
    return 0;
}

static void wqq_free(wqq *q)
{
    if (q->nat) {
        free(q->nat);
        levels_lut_free(&q->lut);
        gq_side_free(&q->sp);
        gq_side_free(&q->sn);
    }
    levels_free(&q->ls);
}

static uint64_t group_of(const wq_cand *c)
{
    return strcmp(c->scheme, "mxfp4") == 0 || strcmp(c->scheme, "q4_0") == 0 || strcmp(c->scheme, "q8_0") == 0
               ? 32 : c->group;
}

void wq_wsse_multi(const group_tensor *t, const double *a, uint64_t nexp, const wq_cand *c, int n, double *wsse,
                   double *sse)
{
    for (int k = 0; k < n; k++)
        wsse[k] = sse ? (sse[k] = NAN) : NAN;
    uint64_t rows = t->ndim > 1 ? t->shape[0] : 1, cols = t->ndim > 0 ? t->shape[t->ndim - 1] : 1;
    nexp = nexp ? nexp : 1;
    if (n <= 0 || rows == 0 || cols == 0 || rows % nexp != 0)
        return;
    /* one pass per group size */
    unsigned char *done = util_calloc((size_t)n, 1);
    wqq *q = util_calloc((size_t)n, sizeof *q);
    int *idx = util_calloc((size_t)n, sizeof *idx);
    for (int k0 = 0; k0 < n; k0++) {
        if (done[k0])
            continue;
        uint64_t G = group_of(&c[k0]);
        int m = 0;
        for (int k = k0; k < n; k++)
            if (!done[k] && group_of(&c[k]) == G) {
                done[k] = 1;
                if (wqq_init(&q[m], &c[k]) == 0)
                    idx[m++] = k;
            }
        if (m == 0)
            continue;
        wjob j = { t, a, nexp, rows, t->count / rows, cols, G, q, m, 0, NULL, NULL };
        uint64_t np = t->count / 65536 + 1;
        np = np > WQ_MAXPARTS ? WQ_MAXPARTS : np;
        j.nparts = (int)(np > rows ? rows : np);
        j.wsse = util_calloc((size_t)j.nparts * (size_t)m, sizeof *j.wsse);
        j.sse = util_calloc((size_t)j.nparts * (size_t)m, sizeof *j.sse);
        par_run(j.nparts, wkern, &j);
        for (int k = 0; k < m; k++) {
            dd w = { 0, 0 }, e = { 0, 0 };
            for (int p = 0; p < j.nparts; p++) {
                w = dd_add(w, j.wsse[(size_t)p * (size_t)m + (size_t)k]);
                e = dd_add(e, j.sse[(size_t)p * (size_t)m + (size_t)k]);
            }
            wsse[idx[k]] = dd_to_d(w);
            if (sse)
                sse[idx[k]] = dd_to_d(e);
            wqq_free(&q[k]);
        }
        free(j.wsse);
        free(j.sse);
    }
    free(done);
    free(q);
    free(idx);
}

double wq_wsse(const group_tensor *t, const double *a, uint64_t nexp, const wq_cand *c, double *sse)
{
    double w, e;
    wq_wsse_multi(t, a, nexp, c, 1, &w, &e);
    if (sse)
        *sse = e;
    return w;
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
        wq_cand c[OPTIONS_MAX_SCHEMES];
        int at[OPTIONS_MAX_SCHEMES], m = 0;
        for (int r = 0; r < o->nschemes; r++) {
            const analyze_result *res = &it->res[r];
            if (!res->ok)
                continue;
            c[m] = (wq_cand) { res->scheme, o->cfg.bits, o->cfg.gran == GRAN_GROUP ? o->cfg.group : 0,
                               o->cfg.sdtype, o->cfg.gran == GRAN_GROUP ? o->cfg.alpha : res->r.alpha,
                               o->cfg.amode, &o->cfg.lprm };
            if (wq_supported(&c[m]))
                at[m++] = r;
        }
        double wsum[OPTIONS_MAX_SCHEMES];
        wq_wsse_multi(&gt, a, 1, c, m, wsum, NULL);
        for (int q = 0; q < m; q++)
            it->wmse[at[q]] = wsum[q] / den;
        free(vals);
        loader_release_tensor(f, it->tensor);
    }
    imatrix_free(im);
    return rc;
}
