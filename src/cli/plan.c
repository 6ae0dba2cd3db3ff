/* plan.c - see plan.h: the candidates, their evaluation, the hull and the
 * exact knapsack. */
#include "config.h"
#include "cli/plan_priv.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/plan_imx.h"
#include "core/par.h"
#include "model/namemap.h"
#include "model/session.h"
#include "quant/group.h"

#define MAXSPEC 64

typedef struct spec {
    const char *scheme;    /* interned */
    uint64_t group;        /* 0: per tensor */
    int fixed;             /* mxfp4, q4_0, q8_0 */
} spec;

static int is_fixed(const char *s)
{
    return strcmp(s, "mxfp4") == 0 || strcmp(s, "q4_0") == 0 || strcmp(s, "q8_0") == 0;
}

const char *plan_llama_type(const char *scheme)
{
    return is_fixed(scheme) ? scheme : NULL;
}

static int add_spec(spec *sp, int *n, const char *scheme, uint64_t g, util_err *err)
{
    const scheme_def *d = levels_find(scheme);
    if (!d || (d->flags & (SCHEME_DATA | SCHEME_ARG))) {
        util_err_set(err, "--plan-schemes: '%s' is no scheme the planner can use", scheme);
        return -1;
    }
    int fx = is_fixed(scheme);
    for (int i = 0; i < *n; i++)
        if (strcmp(sp[i].scheme, scheme) == 0 && (fx || sp[i].group == g))
            return 0;
    if (*n >= MAXSPEC) {
        util_err_set(err, "--plan-schemes: more than %d items", MAXSPEC);
        return -1;
    }
    sp[*n].scheme = analyze_intern(scheme);
    sp[*n].group = fx ? 32 : g;
    sp[*n].fixed = fx;
    ++*n;
    return 0;
}

/* LIST -> specs */
static int parse_specs(const char *list, spec *sp, int *n, util_err *err)
{
    char *dup = util_strdup(list), *save = NULL;
    *n = 0;
    int rc = 0;
    for (char *it = strtok_r(dup, ",", &save); it && rc == 0; it = strtok_r(NULL, ",", &save)) {
        char *at = strchr(it, '@');
        if (at)
            *at++ = '\0';
        if (strcmp(it, "gguf") == 0 && !at) {
            rc = add_spec(sp, n, "q4_0", 32, err);
            rc = rc ? rc : add_spec(sp, n, "q8_0", 32, err);
            rc = rc ? rc : add_spec(sp, n, "mxfp4", 32, err);
            continue;
        }
        if (!at || is_fixed(it)) {
            rc = add_spec(sp, n, it, 32, err);
            if (rc == 0 && !is_fixed(it))
                rc = add_spec(sp, n, it, 128, err);
            continue;
        }
        char *end;
        unsigned long long g;
        if (strcmp(at, "tensor") == 0)
            rc = add_spec(sp, n, it, 0, err);
        else if (strncmp(at, "group:", 6) == 0 && (g = strtoull(at + 6, &end, 10)) >= 2 && *end == '\0' &&
                 g <= (1u << 20))
            rc = add_spec(sp, n, it, g, err);
        else {
            util_err_set(err, "--plan-schemes: granularity '%s' of %s must be tensor or group:N", at, it);
            rc = -1;
        }
    }
    free(dup);
    if (rc == 0 && *n == 0) {
        util_err_set(err, "--plan-schemes: no candidates in '%s'", list);
        rc = -1;
    }
    return rc;
}

/* ---- evaluation --------------------------------------------------------- */

typedef struct evalctx {
    plan_run_st *r;
    plan_tensor *pt;
    group_tensor gt;
    const double *wa;      /* imatrix weights or NULL */
    double wden;           /* rows * sum a */
} evalctx;

static void add_opt(evalctx *c, const analyze_result *res, int bits, uint64_t g)
{
    plan_tensor *pt = c->pt;
    if (!res->ok || !isfinite(res->r.mse))
        return;
    plan_opt o = { 0 };
    o.scheme = res->scheme;
    o.granularity = g ? res->granularity : "tensor";
    o.scale_dtype = res->scale_dtype ? res->scale_dtype : g ? "fp16" : "none";
    o.bits = is_fixed(res->scheme) ? (strcmp(res->scheme, "q8_0") == 0 ? 8 : 4) : bits;
    o.group = g;
    o.bpw = res->bpw > 0 ? res->bpw : bits;
    o.mse = res->r.mse;
    o.cost = (uint64_t)llround(o.bpw * (double)pt->count);
    o.weighted_mse = NAN;
    o.err = o.mse * (double)res->r.n;
    if (c->wa) {
        /* a candidate whose weighted error cannot be evaluated is left out
         * (its error would be in other units than the others') */
        wq_cand wc = { res->scheme, o.bits, is_fixed(res->scheme) ? 32 : g, SCALE_DEFAULT, res->r.alpha, ALPHA_MSE,
                       NULL };
        if (!wq_supported(&wc))
            return;
        o.alpha = res->r.alpha;   /* weighted in one pass for all: weigh_all */
    }
    pt->opt = util_realloc(pt->opt, (size_t)(pt->nopt + 1) * sizeof *pt->opt);
    pt->opt[pt->nopt++] = o;
}

static void eval_group(evalctx *c, const analyze_cfg *base, uint64_t g, int bits, const char **s, int n)
{
    if (n == 0)
        return;
    analyze_cfg cfg = *base;
    cfg.bits = bits;
    cfg.gran = g ? GRAN_GROUP : GRAN_TENSOR;
    cfg.group = g;
    analyze_result res[MAXSPEC];
    int handled[MAXSPEC];
    memset(res, 0, sizeof res);
    memset(handled, 0, sizeof handled);
    util_err err = { { 0 } };
    if (group_analyze(&c->gt, &cfg, s, n, res, handled, &err) < 0)
        return;
    for (int i = 0; i < n; i++)
        if (handled[i])
            add_opt(c, &res[i], bits, is_fixed(s[i]) ? 32 : g);
}

static void eval_tensor_gran(evalctx *c, const analyze_cfg *base, const spec *sp, int nsp, util_err *err)
{
    int any = 0;
    for (int i = 0; i < nsp; i++)
        any |= sp[i].group == 0 && !sp[i].fixed;
    if (!any)
        return;
    pthread_mutex_lock(c->r->fmu);
    prep *p = session_prepare(c->r->f, c->pt->idx, NULL, err);
    pthread_mutex_unlock(c->r->fmu);
    if (!p)
        return;
    for (int bits = LEVELS_MIN_BITS; bits <= LEVELS_MAX_BITS; bits++) {
        const char *s[MAXSPEC];
        int n = 0;
        for (int i = 0; i < nsp; i++) {
            const scheme_def *d = levels_find(sp[i].scheme);
            if (sp[i].group == 0 && !sp[i].fixed && d && bits >= d->min_bits && bits <= d->max_bits)
                s[n++] = sp[i].scheme;
        }
        if (n == 0)
            continue;
        analyze_cfg cfg = *base;
        cfg.bits = bits;
        cfg.gran = GRAN_TENSOR;
        analyze_result res[MAXSPEC];
        memset(res, 0, sizeof res);
        util_err e2 = { { 0 } };
        if (analyze_tensor(p, &cfg, s, n, 0, res, &e2) < 0)
            continue;
        for (int i = 0; i < n; i++)
            add_opt(c, &res[i], bits, 0);
    }
    prep_free(p);
}

/* The weighted errors of all of c->pt's options (plan_imx.h): one pass
 * per group size. */
static void weigh_all(evalctx *c)
{
    plan_tensor *pt = c->pt;
    if (pt->nopt == 0)
        return;
    wq_cand *wc = util_calloc((size_t)pt->nopt, sizeof *wc);
    double *ws = util_calloc((size_t)pt->nopt, sizeof *ws);
    for (int k = 0; k < pt->nopt; k++) {
        const plan_opt *o = &pt->opt[k];
        wc[k] = (wq_cand) { o->scheme, o->bits, o->group, SCALE_DEFAULT, o->alpha, ALPHA_MSE, NULL };
    }
    wq_wsse_multi(&c->gt, c->wa, 1, wc, pt->nopt, ws, NULL);
    for (int k = 0; k < pt->nopt; k++) {
        pt->opt[k].weighted_mse = ws[k] / c->wden;
        pt->opt[k].err = pt->opt[k].weighted_mse * (double)pt->count;
    }
    free(wc);
    free(ws);
}

/* All options of tensor pt. -1 (err) when it cannot be read. */
static int eval_tensor(plan_run_st *r, plan_tensor *pt, const spec *sp, int nsp, util_err *err)
{
    const loader_tensor *lt = &r->f->tensors[pt->idx];
    int dbl = !dtype_fits_float(lt->dtype);
    pthread_mutex_lock(r->fmu);   /* loaders need not be thread-safe */
    void *vals = session_read(r->f, pt->idx, dbl, err);
    pthread_mutex_unlock(r->fmu);
    if (!vals)
        return -1;
    evalctx c = { r, pt, { vals, dbl, lt->ndim, lt->shape, lt->count }, NULL, 0 };
    uint64_t cols = lt->shape[lt->ndim - 1];
    if (r->im) {
        int k = imx_weights(r->im, lt->name, NULL, cols, 1, &c.wa, err);
        if (k < 0) {
            free(vals);
            return -1;
        }
        if (k == 1) {
            c.wden = (double)(lt->count / cols) * imx_sum(c.wa, cols);
            if (!(c.wden > 0))
                c.wa = NULL;   /* all weights zero: no weighting possible */
        }
        pt->have_w = c.wa != NULL;
    }
    analyze_cfg base = r->o->cfg;
    base.normalize = 0;
    base.is_signed = 1;
    base.amode = ALPHA_MSE;
    base.axis = 0;
    base.group_along_axis = 0;
    base.sdtype = SCALE_DEFAULT;
    base.no_gap = 1;
    int extra = lt->count >= GROUP_THREAD_MIN ? par_acquire(par_budget() - 1) : 0;
    base.nthreads = 1 + extra;
    uint64_t gs[MAXSPEC];
    int ng = 0;
    for (int i = 0; i < nsp; i++) {
        if (sp[i].fixed || sp[i].group == 0)
            continue;
        int seen = 0;
        for (int k = 0; k < ng; k++)
            seen |= gs[k] == sp[i].group;
        if (!seen)
            gs[ng++] = sp[i].group;
    }
    for (int k = 0; k < ng; k++) {
        if (cols % gs[k] != 0)
            continue;
        for (int bits = LEVELS_MIN_BITS; bits <= LEVELS_MAX_BITS; bits++) {
            const char *s[MAXSPEC];
            int n = 0;
            for (int i = 0; i < nsp; i++) {
                const scheme_def *d = levels_find(sp[i].scheme);
                if (!sp[i].fixed && sp[i].group == gs[k] && d && bits >= d->min_bits && bits <= d->max_bits)
                    s[n++] = sp[i].scheme;
            }
            eval_group(&c, &base, gs[k], bits, s, n);
        }
    }
    const char *fx4[3], *fx8[3];
    int n4 = 0, n8 = 0;
    for (int i = 0; i < nsp; i++)
        if (sp[i].fixed && strcmp(sp[i].scheme, "q8_0") == 0)
            fx8[n8++] = sp[i].scheme;
        else if (sp[i].fixed)
            fx4[n4++] = sp[i].scheme;
    if (cols % 32 == 0) {
        eval_group(&c, &base, 0, 4, fx4, n4);
        eval_group(&c, &base, 0, 8, fx8, n8);
    }
    par_release(extra);
    util_err e2 = { { 0 } };
    eval_tensor_gran(&c, &base, sp, nsp, &e2);
    if (c.wa)
        weigh_all(&c);
    free(vals);
    pthread_mutex_lock(r->fmu);
    loader_release_tensor(r->f, pt->idx);
    pthread_mutex_unlock(r->fmu);
    return 0;
}

/* ---- the tensors in parallel ------------------------------------------------ */

#define PLAN_INFLIGHT_MIN (1ull << 28)   /* values read at once, at least */

typedef struct evjob {
    plan_run_st *r;
    const spec *sp;
    int nsp;
    size_t *order;         /* planned tensors, largest first */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t inflight, cap;
} evjob;

static void eval_part(void *ctx, int part)
{
    evjob *j = ctx;
    plan_tensor *pt = &j->r->t[j->order[part]];
    pthread_mutex_lock(&j->mu);
    while (j->inflight > 0 && j->inflight + pt->count > j->cap)
        pthread_cond_wait(&j->cv, &j->mu);
    j->inflight += pt->count;
    pthread_mutex_unlock(&j->mu);
    util_err err = { { 0 } };
    if (eval_tensor(j->r, pt, j->sp, j->nsp, &err) < 0) {
        pt->skip = util_strdup(err.msg);
        pt->failed = 1;
    }
    pthread_mutex_lock(&j->mu);
    j->inflight -= pt->count;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
}

static plan_run_st *sort_run;

static int size_desc(const void *x, const void *y)
{
    const plan_tensor *a = &sort_run->t[*(const size_t *)x], *b = &sort_run->t[*(const size_t *)y];
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return *(const size_t *)x < *(const size_t *)y ? -1 : 1;
}

/* Evaluate every tensor not skipped, several at once (each with the
 * threads the budget has left), at most max(the largest, 2^28) values
 * read at once. */
static void eval_all(plan_run_st *r, const spec *sp, int nsp)
{
    evjob j = { r, sp, nsp, util_calloc(r->nt + 1, sizeof *j.order), PTHREAD_MUTEX_INITIALIZER,
                PTHREAD_COND_INITIALIZER, 0, PLAN_INFLIGHT_MIN };
    size_t n = 0;
    for (size_t i = 0; i < r->nt; i++)
        if (!r->t[i].skip) {
            j.order[n++] = i;
            j.cap = r->t[i].count > j.cap ? r->t[i].count : j.cap;
        }
    sort_run = r;
    qsort(j.order, n, sizeof *j.order, size_desc);
    if (n)
        par_run((int)n, eval_part, &j);
    free(j.order);
    pthread_mutex_destroy(&j.mu);
    pthread_cond_destroy(&j.cv);
}

/* ---- the optimization ---------------------------------------------------- */

static int opt_cmp(const void *x, const void *y)
{
    const plan_opt *a = x, *b = y;
    if (a->cost != b->cost)
        return a->cost < b->cost ? -1 : 1;
    if (a->err != b->err)
        return a->err < b->err ? -1 : 1;
    return 0;
}

/* Sort the options by cost and mark the lower convex hull; returns its
 * vertex indices in h (cost ascending, error descending). */
static int hull_of(plan_tensor *pt, int *h)
{
    qsort(pt->opt, (size_t)pt->nopt, sizeof *pt->opt, opt_cmp);
    int nh = 0;
    for (int i = 0; i < pt->nopt; i++) {
        const plan_opt *o = &pt->opt[i];
        if (nh > 0 && !(o->err < pt->opt[h[nh - 1]].err))
            continue;     /* no better than a cheaper one */
        while (nh >= 2) {
            const plan_opt *a = &pt->opt[h[nh - 2]], *b = &pt->opt[h[nh - 1]];
            /* b is above the line a -> o: drop it */
            double lhs = (b->err - a->err) * (double)(o->cost - a->cost);
            double rhs = (o->err - a->err) * (double)(b->cost - a->cost);
            if (lhs >= rhs)
                nh--;
            else
                break;
        }
        h[nh++] = i;
    }
    for (int i = 0; i < nh; i++)
        pt->opt[h[i]].on_hull = 1;
    return nh;
}

typedef struct step {
    size_t t;
    int k;                 /* hull vertex k -> k + 1 */
    double gain;           /* error saved per bit */
} step;

static int step_cmp(const void *x, const void *y)
{
    const step *a = x, *b = y;
    if (a->gain != b->gain)
        return a->gain > b->gain ? -1 : 1;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    return a->k - b->k;
}

static double total_err(const plan_run_st *r, uint64_t *bits)
{
    dd e = { 0, 0 };
    uint64_t b = 0;
    for (size_t i = 0; i < r->nt; i++)
        if (!r->t[i].skip) {
            e = dd_add_d(e, r->t[i].opt[r->t[i].choice].err);
            b += r->t[i].opt[r->t[i].choice].cost;
        }
    if (bits)
        *bits = b;
    return dd_to_d(e);
}

static double total_mse(const plan_run_st *r)
{
    dd e = { 0, 0 };
    for (size_t i = 0; i < r->nt; i++)
        if (!r->t[i].skip)
            e = dd_add_d(e, r->t[i].opt[r->t[i].choice].mse * (double)r->t[i].count);
    return r->count ? dd_to_d(e) / (double)r->count : NAN;
}

/* The hull method (plan.h); fills the frontier. */
static void solve_hull(plan_run_st *r)
{
    int **h = util_calloc(r->nt + 1, sizeof *h);
    int *nh = util_calloc(r->nt + 1, sizeof *nh);
    size_t ns = 0;
    uint64_t used = 0, maxb = 0;
    for (size_t i = 0; i < r->nt; i++) {
        plan_tensor *pt = &r->t[i];
        if (pt->skip)
            continue;
        h[i] = util_mallocarray((size_t)pt->nopt, sizeof **h);
        nh[i] = hull_of(pt, h[i]);
        ns += (size_t)nh[i] - 1;
        pt->choice = h[i][0];
        used += pt->opt[pt->choice].cost;
        maxb += pt->opt[h[i][nh[i] - 1]].cost;
    }
    r->min_bpw = r->count ? (double)used / (double)r->count : NAN;
    r->max_bpw = r->count ? (double)maxb / (double)r->count : NAN;
    step *st = util_calloc(ns + 1, sizeof *st);
    size_t k = 0;
    for (size_t i = 0; i < r->nt; i++)
        for (int j = 0; j + 1 < nh[i]; j++) {
            const plan_opt *a = &r->t[i].opt[h[i][j]], *b = &r->t[i].opt[h[i][j + 1]];
            st[k++] = (step) { i, j, (a->err - b->err) / (double)(b->cost - a->cost) };
        }
    qsort(st, ns, sizeof *st, step_cmp);
    r->feasible = used <= r->budget;
    r->frontier = util_calloc(ns + 2, sizeof *r->frontier);
    r->nfront = 0;
    uint64_t bits;
    double err = total_err(r, &bits);
    r->frontier[r->nfront++] = (plan_point) { (double)bits / (double)r->count, total_mse(r), err };
    /* the whole Lagrangian path (the frontier), remembering where the budget stops it */
    int *at = util_calloc(r->nt + 1, sizeof *at);   /* hull vertex per tensor */
    int *stop_at = util_calloc(r->nt + 1, sizeof *stop_at);
    int stopped = !r->feasible;
    r->lp_bound = stopped ? NAN : err;
    r->hull_err = err;
    uint64_t hull_used = used;
    for (size_t s = 0; s < ns; s++) {
        const step *p = &st[s];
        plan_tensor *pt = &r->t[p->t];
        const plan_opt *a = &pt->opt[h[p->t][p->k]], *b = &pt->opt[h[p->t][p->k + 1]];
        if (!stopped && used + (b->cost - a->cost) > r->budget) {
            stopped = 1;
            memcpy(stop_at, at, (r->nt + 1) * sizeof *at);
            r->hull_err = err;
            hull_used = used;
            r->lp_bound = err - p->gain * (double)(r->budget - used);
        }
        used += b->cost - a->cost;
        err -= a->err - b->err;
        at[p->t] = p->k + 1;
        pt->choice = h[p->t][p->k + 1];
        r->frontier[r->nfront++] = (plan_point) { (double)used / (double)r->count, total_mse(r), err };
    }
    if (!stopped) {
        memcpy(stop_at, at, (r->nt + 1) * sizeof *at);
        r->hull_err = err;
        hull_used = used;
        r->lp_bound = err;
    }
    /* the hull plan, then fill with the steps that still fit */
    for (size_t i = 0; i < r->nt; i++)
        if (!r->t[i].skip)
            r->t[i].choice = h[i][stop_at[i]];
    used = hull_used;
    r->hull_bits = hull_used;
    r->on_hull = 1;
    if (r->feasible) {
        unsigned char *blocked = util_calloc(r->nt + 1, 1);
        for (size_t s = 0; s < ns; s++) {
            const step *p = &st[s];
            if (p->k < stop_at[p->t] || blocked[p->t])
                continue;
            plan_tensor *pt = &r->t[p->t];
            const plan_opt *a = &pt->opt[h[p->t][p->k]], *b = &pt->opt[h[p->t][p->k + 1]];
            if (used + (b->cost - a->cost) > r->budget) {
                blocked[p->t] = 1;
                continue;
            }
            used += b->cost - a->cost;
            pt->choice = h[p->t][p->k + 1];
            r->on_hull = 0;
        }
        free(blocked);
    }
    r->err = total_err(r, &r->bits);
    r->method = "hull";
    for (size_t i = 0; i < r->nt; i++)
        free(h[i]);
    free(h);
    free(nh);
    free(st);
    free(at);
    free(stop_at);
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* The exact knapsack (plan.h), when small enough: 1 done, 0 not. */
static int solve_dp(plan_run_st *r)
{
    uint64_t base = 0, g = 0, nopt = 0, T = 0;
    for (size_t i = 0; i < r->nt; i++) {
        plan_tensor *pt = &r->t[i];
        if (pt->skip)
            continue;
        T++;
        uint64_t mn = UINT64_MAX;
        for (int k = 0; k < pt->nopt; k++)
            mn = pt->opt[k].cost < mn ? pt->opt[k].cost : mn;
        base += mn;
        for (int k = 0; k < pt->nopt; k++)
            g = gcd64(g, pt->opt[k].cost - mn);
        nopt += (uint64_t)pt->nopt;
    }
    if (base > r->budget)
        return 0;
    if (g == 0)
        g = 1;
    uint64_t S = (r->budget - base) / g + 1;
    if (T == 0 || (double)T * (double)S > (double)PLAN_DP_MAX_CELLS ||
        (double)nopt * (double)S > (double)PLAN_DP_MAX_WORK) {
        snprintf(r->dp_note, sizeof r->dp_note, "exact knapsack skipped: %llu tensors x %llu units of %llu bits "
                 "is beyond its limits", (unsigned long long)T, (unsigned long long)S, (unsigned long long)g);
        return 0;
    }
    double *f = util_mallocarray((size_t)S, sizeof *f), *nf = util_mallocarray((size_t)S, sizeof *nf);
    uint16_t *ch = util_mallocarray((size_t)(T * S), sizeof *ch);
    for (uint64_t s = 0; s < S; s++)
        f[s] = 0;
    size_t ti = 0;
    for (size_t i = 0; i < r->nt; i++) {
        plan_tensor *pt = &r->t[i];
        if (pt->skip)
            continue;
        uint64_t mn = UINT64_MAX;
        for (int k = 0; k < pt->nopt; k++)
            mn = pt->opt[k].cost < mn ? pt->opt[k].cost : mn;
        uint16_t *c = ch + ti * S;
        for (uint64_t s = 0; s < S; s++) {
            double best = INFINITY;
            int bk = 0;
            for (int k = 0; k < pt->nopt; k++) {
                uint64_t u = (pt->opt[k].cost - mn) / g;
                if (u > s)
                    continue;
                double v = f[s - u] + pt->opt[k].err;
                if (v < best) {
                    best = v;
                    bk = k;
                }
            }
            nf[s] = best;
            c[s] = (uint16_t)bk;
        }
        double *tmp = f;
        f = nf;
        nf = tmp;
        ti++;
    }
    /* back from the full budget */
    uint64_t s = S - 1;
    for (size_t i = r->nt; i-- > 0;) {
        plan_tensor *pt = &r->t[i];
        if (pt->skip)
            continue;
        ti--;
        uint64_t mn = UINT64_MAX;
        for (int k = 0; k < pt->nopt; k++)
            mn = pt->opt[k].cost < mn ? pt->opt[k].cost : mn;
        int k = ch[ti * S + s];
        pt->choice = k;
        s -= (pt->opt[k].cost - mn) / g;
    }
    free(f);
    free(nf);
    free(ch);
    r->err = total_err(r, &r->bits);
    r->method = "dp";
    r->exact = 1;
    snprintf(r->dp_note, sizeof r->dp_note, "exact knapsack: %llu tensors x %llu units of %llu bits",
             (unsigned long long)T, (unsigned long long)S, (unsigned long long)g);
    return 1;
}

/* Whether the chosen plan lies on the hull: some lambda >= 0 for which
 * every tensor's choice minimizes error + lambda * bits over its options
 * (a hull vertex whose two neighbouring slopes bracket lambda); then no
 * plan of at most its bits has less error. Sets on_hull, lambda. */
static void certify(plan_run_st *r)
{
    double lo = 0, hi = INFINITY;
    int ok = 1;
    for (size_t i = 0; i < r->nt && ok; i++) {
        const plan_tensor *pt = &r->t[i];
        if (pt->skip)
            continue;
        const plan_opt *c = &pt->opt[pt->choice];
        if (!c->on_hull) {
            /* an option of the same cost and error as a vertex will do */
            int twin = 0;
            for (int k = 0; k < pt->nopt && !twin; k++)
                twin = pt->opt[k].on_hull && pt->opt[k].cost == c->cost && pt->opt[k].err == c->err;
            if (!twin) {
                ok = 0;
                break;
            }
        }
        /* the vertices before and after (options are sorted by cost) */
        const plan_opt *prev = NULL, *next = NULL;
        for (int k = 0; k < pt->nopt; k++) {
            const plan_opt *o = &pt->opt[k];
            if (!o->on_hull)
                continue;
            if (o->cost < c->cost)
                prev = o;
            else if (o->cost > c->cost && !next)
                next = o;
        }
        if (next) {
            double g = (c->err - next->err) / (double)(next->cost - c->cost);
            lo = g > lo ? g : lo;
        }
        if (prev) {
            double g = (prev->err - c->err) / (double)(c->cost - prev->cost);
            hi = g < hi ? g : hi;
        }
    }
    r->on_hull = ok && lo <= hi * (1 + 1e-12);
    r->lambda = r->on_hull ? lo : NAN;
}

/* The same quantizer for every tensor: each (scheme, bits, granularity)
 * that every planned tensor has. */
static void singles(plan_run_st *r)
{
    plan_tensor *t0 = NULL;
    for (size_t i = 0; i < r->nt && !t0; i++)
        if (!r->t[i].skip)
            t0 = &r->t[i];
    r->best_single = -1;
    if (!t0)
        return;
    r->single = util_calloc((size_t)t0->nopt + 1, sizeof *r->single);
    for (int k = 0; k < t0->nopt; k++) {
        const plan_opt *o = &t0->opt[k];
        dd e = { 0, 0 }, m = { 0, 0 };
        uint64_t bits = 0;
        int all = 1;
        for (size_t i = 0; i < r->nt && all; i++) {
            plan_tensor *pt = &r->t[i];
            if (pt->skip)
                continue;
            int f = -1;
            for (int j = 0; j < pt->nopt && f < 0; j++)
                if (strcmp(pt->opt[j].scheme, o->scheme) == 0 && pt->opt[j].bits == o->bits &&
                    strcmp(pt->opt[j].granularity, o->granularity) == 0)
                    f = j;
            if (f < 0)
                all = 0;
            else {
                e = dd_add_d(e, pt->opt[f].err);
                m = dd_add_d(m, pt->opt[f].mse * (double)pt->count);
                bits += pt->opt[f].cost;
            }
        }
        if (!all)
            continue;
        plan_single *s = &r->single[r->nsingle++];
        s->scheme = o->scheme, s->granularity = o->granularity, s->bits = o->bits;
        s->bpw = (double)bits / (double)r->count;
        s->mse = dd_to_d(m) / (double)r->count;
        s->err = dd_to_d(e);
        s->fits = bits <= r->budget;
        if (s->fits && (r->best_single < 0 || s->err < r->single[r->best_single].err))
            r->best_single = (long)(s - r->single);
    }
}

static void free_run(plan_run_st *r)
{
    for (size_t i = 0; i < r->nt; i++) {
        free(r->t[i].opt);
        free(r->t[i].gguf_name);
        free(r->t[i].skip);
    }
    free(r->t);
    free(r->frontier);
    free(r->single);
    imatrix_free(r->im);
    loader_close(r->f);
}

int plan_run(const cli_opts *o)
{
    spec sp[MAXSPEC];
    int nsp;
    util_err err = { { 0 } };
    if (parse_specs(o->plan_schemes ? o->plan_schemes : PLAN_DEFAULT_SCHEMES, sp, &nsp, &err) < 0) {
        util_warn("%s", err.msg);
        return 2;
    }
    if (o->jobs > 0)
        par_set_budget(o->jobs);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    plan_run_st r = { 0 };
    r.o = o;
    loader_opts lo = { .dtype_override = o->dtype_override };
    r.f = loader_open(o->files[0].path, &lo, &err);
    if (!r.f) {
        util_warn("%s", err.msg);
        return 1;
    }
    if (o->imatrix && !(r.im = imatrix_load(o->imatrix, &err))) {
        util_warn("%s", err.msg);
        free_run(&r);
        return 1;
    }
    int status = 0;
    r.t = util_calloc(r.f->ntensors + 1, sizeof *r.t);
    for (size_t i = 0; i < r.f->ntensors; i++) {
        const loader_tensor *lt = &r.f->tensors[i];
        if (!options_selects(o, 0, lt->name))
            continue;
        plan_tensor *pt = &r.t[r.nt++];
        pt->idx = i, pt->name = lt->name, pt->count = lt->count, pt->ndim = lt->ndim, pt->shape = lt->shape;
        pt->choice = -1;
        char buf[512];
        int ex = -1;
        if (strcmp(r.f->fmt->name, "gguf") == 0)
            pt->gguf_name = util_strdup(lt->name);   /* already llama.cpp's name */
        else if (namemap_to_gguf(lt->name, NULL, buf, sizeof buf, &ex))
            pt->gguf_name = util_strdup(buf);
        pt->expert = ex;
        if (lt->ndim < 2 || lt->count == 0)
            pt->skip = util_strdup("fewer than 2 dimensions: kept as stored");
        else if (!lt->readable) {
            pt->skip = util_asprintf("%s: %s: %s", r.f->path, lt->name,
                                     lt->type_note ? lt->type_note : "cannot be read");
            pt->failed = 1;
        }
    }
    pthread_mutex_t fmu = PTHREAD_MUTEX_INITIALIZER;
    r.fmu = &fmu;
    eval_all(&r, sp, nsp);
    for (size_t i = 0; i < r.nt; i++) {
        plan_tensor *pt = &r.t[i];
        if (pt->failed) {
            util_warn("%s", pt->skip);
            status = 1;
        }
        if (pt->skip)
            continue;
        if (pt->nopt == 0) {
            pt->skip = util_strdup("no candidate applies (columns not a multiple of the group sizes)");
            continue;
        }
        r.count += pt->count;
    }
    if (r.count == 0) {
        util_warn("%s: no tensor to plan (none with 2 or more dimensions that a candidate applies to)",
                  r.f->path);
        free_run(&r);
        return 1;
    }
    long double B = (long double)o->plan_bpw * (long double)r.count;
    r.budget = (uint64_t)floorl(B + 1e-9L);
    solve_hull(&r);
    const char *m = o->plan_method ? o->plan_method : "auto";
    if (!r.feasible) {
        util_warn("%s: --plan=%g is below the smallest plan the candidates allow (%.6g bits per weight)",
                  r.f->path, o->plan_bpw, r.min_bpw);
        status = 1;
    } else if (strcmp(m, "hull") != 0 && !solve_dp(&r) && strcmp(m, "dp") == 0) {
        util_warn("%s: --plan-method=dp: %s", r.f->path, r.dp_note);
        status = 1;
    }
    if (r.feasible)
        certify(&r);
    singles(&r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    r.seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    if (r.feasible)
        plan_print(&r);
    free_run(&r);
    return status;
}
