/* plan.c - see plan.h: the candidates and their evaluation (tensors in
 * parallel); the optimization is plan_solve.c. */
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

/* The plan of o into r: the status (r->t NULL: nothing to free; print
 * when r->feasible). */
static int plan_compute(const cli_opts *o, plan_run_st *r_out)
{
    memset(r_out, 0, sizeof *r_out);
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
    plan_solve_hull(&r);
    const char *m = o->plan_method ? o->plan_method : "auto";
    if (!r.feasible) {
        util_warn("%s: --plan=%g is below the smallest plan the candidates allow (%.6g bits per weight)",
                  r.f->path, o->plan_bpw, r.min_bpw);
        status = 1;
    } else if (strcmp(m, "hull") != 0 && !plan_solve_dp(&r) && strcmp(m, "dp") == 0) {
        util_warn("%s: --plan-method=dp: %s", r.f->path, r.dp_note);
        status = 1;
    }
    if (r.feasible)
        plan_certify(&r);
    plan_singles(&r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    r.seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    *r_out = r;
    return status;
}

int plan_run(const cli_opts *o)
{
    plan_run_st r;
    int status = plan_compute(o, &r);
    if (r.feasible)
        plan_print(&r);
    if (r.f)
        free_run(&r);
    return status;
}

int plan_collect(const cli_opts *o, plan_sink sink, void *ctx)
{
    plan_run_st r;
    int status = plan_compute(o, &r);
    if (!r.f)
        return status;
    if (!r.feasible) {
        free_run(&r);
        return status ? status : 1;
    }
    model_plan mp = { 0 };
    model_plan_row *rows = util_calloc(r.nt + 1, sizeof *rows);
    model_plan_point *fr = util_calloc(r.nfront + 1, sizeof *fr);
    model_plan_single *sg = util_calloc(r.nsingle + 1, sizeof *sg);
    for (size_t i = 0; i < r.nt; i++) {
        const plan_tensor *pt = &r.t[i];
        if (pt->skip)
            continue;
        const plan_opt *c = &pt->opt[pt->choice];
        rows[mp.nrows++] = (model_plan_row) { pt->name, pt->idx, pt->count, c->scheme, c->granularity,
                                              c->scale_dtype, c->bits, c->group, c->bpw, c->mse,
                                              pt->have_w ? c->weighted_mse : NAN };
    }
    for (size_t i = 0; i < r.nfront; i++)
        fr[i] = (model_plan_point) { r.frontier[i].bpw, r.frontier[i].mse, r.frontier[i].err };
    for (size_t i = 0; i < r.nsingle; i++) {
        const plan_single *s = &r.single[i];
        sg[i] = (model_plan_single) { s->scheme, s->granularity, s->bits, s->bpw, s->mse, s->err, s->fits };
    }
    mp.file = r.f->path;
    mp.target_bpw = o->plan_bpw;
    mp.bpw = (double)r.bits / (double)r.count;
    double sse = 0;
    for (size_t i = 0; i < mp.nrows; i++)
        sse += rows[i].mse * (double)rows[i].count;
    mp.mse = sse / (double)r.count;
    mp.err = r.err;
    mp.objective = r.im ? "weighted_mse" : "mse";
    mp.method = r.method;
    mp.rows = rows;
    mp.front = fr;
    mp.nfront = r.nfront;
    mp.single = sg;
    mp.nsingle = r.nsingle;
    mp.best_single = r.best_single;
    int rc = sink(ctx, &mp);
    free(rows);
    free(fr);
    free(sg);
    free_run(&r);
    return status ? status : rc;
}
