/*
 * calc.c - the viewer's numbers and their caches, in one place: the
 * accessors of items, app_calc (one tensor's results at the current
 * settings, analyze_tensor exactly as --report), each scheme's optimal
 * alpha per (bits, normalize), the Lloyd-Max gaps, and app_caches_reset
 * (what a change of the scheme list invalidates). Every cache is a member
 * of app (app.h: calc, calc_other, chan, list, gres, diff), filled by its
 * view (view_channel.c, view_list.c, view_group.c, view_compare.c), the
 * stored scheme's in the worker (worker_want_stored); app_caches_reset drops them all, app_caches_free frees
 * them.
 */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dtype.h"
#include "quant/eval.h"
#include "quant/prep.h"
#include "quant/levels.h"
#include "model/metric.h"
#include "ui/app.h"
#include "ui/view_stored.h"
#include "model/stored_run.h"
#include "ui/uimodel.h"

/* ---- small accessors ------------------------------------------------------ */

const loader_tensor *app_item_tensor(const app *a, size_t item)
{
    const session_item *it = &a->s.items[item];
    return &a->s.files[it->file]->tensors[it->tensor];
}

const char *app_item_name(const app *a, size_t item)
{
    return app_item_tensor(a, item)->name;
}

const char *app_item_file(const app *a, size_t item)
{
    return a->s.files[a->s.items[item].file]->path;
}

const prep *app_prep(app *a, size_t item)
{
    const prep *p = NULL;
    if (worker_get(a->w, item, &p, NULL, NULL, 0, NULL) != PS_DONE)
        return NULL;
    return p;
}

void app_message(app *a, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->msg, sizeof a->msg, fmt, ap);
    va_end(ap);
    a->msg_err = err;
}

/* ---- each scheme's alpha ----------------------------------------------------- */

void app_scheme_cfg(const app *a, int i, size_t item, const prep *p, analyze_cfg *out)
{
    *out = a->cfg;
    const ui_alpha *s = &a->salpha[i];
    if (s->mode == ALPHA_VALUE) {
        double xm = p && p->st.n ? eval_xabsmax(p, a->cfg.normalize) : NAN;
        out->amode = ALPHA_VALUE;
        out->alpha = isnan(s->frac) && s->item != item ? NAN : uim_alpha_on(s, item, a->cfg.normalize, xm);
        if (isnan(out->alpha))
            out->amode = ALPHA_MAX; /* set on a tensor not read yet: max|x| meanwhile */
    } else if (s->mode == ALPHA_MSE || s->mode == ALPHA_MAX)
        out->amode = (alpha_mode)s->mode;
}

void app_alpha_sync(app *a)
{
    ui_alpha *s = &a->salpha[a->focus];
    const prep *p = app_prep(a, a->cur);
    /* a fixed alpha given before its tensor was read gets its fraction */
    for (int i = 0; i < a->nschemes; i++) {
        ui_alpha *t = &a->salpha[i];
        if (t->mode == ALPHA_VALUE && isnan(t->frac) && t->item == a->cur && p && p->st.n &&
            (!t->norm || eval_can_normalize(p)))
            uim_alpha_fix(t, t->val, t->item, t->norm, eval_xabsmax(p, t->norm));
    }
    analyze_cfg c;
    app_scheme_cfg(a, a->focus, a->cur, p, &c);
    if (s->mode == ALPHA_VALUE && c.amode == ALPHA_VALUE) {
        a->cfg.amode = ALPHA_VALUE;
        a->cfg.alpha = c.alpha;
    } else if (s->mode != ALPHA_VALUE)
        a->cfg.amode = (alpha_mode)s->mode;
}

void app_alpha_all(app *a, int mode, double alpha)
{
    for (int i = 0; i < UI_MAX_SCHEMES; i++) {
        a->salpha[i].mode = mode;
        a->salpha[i].val = alpha;
        a->salpha[i].frac = NAN;
        a->salpha[i].item = a->cur;
        a->salpha[i].norm = a->cfg.normalize;
    }
    a->cfg.amode = (alpha_mode)mode;
    if (mode == ALPHA_VALUE || mode == ALPHA_FILE)
        a->cfg.alpha = alpha;
}

/* Every scheme at its own MSE optimum? (then the optima table serves) */
static int all_mse(const app *a)
{
    for (int i = 0; i < a->nschemes; i++)
        if (a->salpha[i].mode != ALPHA_MSE)
            return 0;
    return 1;
}

/* The per-scheme alphas of item as a cache key: the alpha, or -1 - mode. */
static void alpha_keys(const app *a, size_t item, const prep *p, double *k)
{
    for (int i = 0; i < UI_MAX_SCHEMES; i++) {
        if (i >= a->nschemes) {
            k[i] = 0;
            continue;
        }
        analyze_cfg c;
        app_scheme_cfg(a, i, item, p, &c);
        k[i] = c.amode == ALPHA_VALUE || c.amode == ALPHA_FILE ? c.alpha : -1.0 - (double)c.amode;
    }
}

static int same_settings(const analyze_cfg *x, const analyze_cfg *y)
{
    return x->bits == y->bits && x->is_signed == y->is_signed && x->normalize == y->normalize &&
           x->lprm.apot_k == y->lprm.apot_k && x->gran == y->gran && x->group == y->group &&
           x->axis == y->axis && x->group_along_axis == y->group_along_axis && x->block_r == y->block_r &&
           x->block_c == y->block_c && x->sdtype == y->sdtype;
}

/* --alpha=mse numbers when each scheme's optimal alpha is already known:
 * the same analyze_tensor() per scheme at that alpha, and adds relative to
 * uniform at its own optimum (as analyze_tensor does in mse mode). -2 when
 * uniform is not among the schemes (then the caller does it the long way). */
static int calc_from_opt(app *a, ui_calc *c, const prep *p, util_err *e)
{
    int nz = a->cfg.normalize ? 1 : 0, b = a->cfg.bits, uni = -1;
    for (int i = 0; i < a->nschemes; i++)
        if (strcmp(a->schemes[i], "uniform") == 0)
            uni = i;
    if (uni < 0)
        return -2;
    for (int i = 0; i < a->nschemes; i++) {
        analyze_cfg one = a->cfg;
        double al = c->opt_tab_a[nz][b][i];
        if (stored_is(a->schemes[i]))
            al = 1;   /* no alpha of its own: app_stored_fill fills it */
        if (!(al > 0) || !isfinite(al))
            return -2;
        one.amode = ALPHA_VALUE;
        one.alpha = al;
        if (analyze_tensor(p, &one, &a->schemes[i], 1, 0, &c->res[i], e) < 0)
            return -1;
        c->res[i].opt_alpha = al;
        c->res[i].opt_mse = c->opt_tab_m[nz][b][i];
    }
    double ua = c->res[uni].ok ? c->res[uni].r.adds_mean : NAN;
    for (int i = 0; i < a->nschemes; i++)
        if (c->res[i].ok)
            c->res[i].relative_to_uniform = ua > 0 ? c->res[i].r.adds_mean / ua : NAN;
    return 0;
}

/* Each scheme at its own alpha (fixed, max|x| or its optimum), adds
 * relative to uniform's as analyze_tensor computes them. */
static int calc_each(app *a, ui_calc *c, size_t item, const prep *p, util_err *e)
{
    int nz = a->cfg.normalize ? 1 : 0, b = a->cfg.bits, uni = -1;
    for (int i = 0; i < a->nschemes; i++) {
        analyze_cfg one;
        app_scheme_cfg(a, i, item, p, &one);
        if (strcmp(a->schemes[i], "uniform") == 0)
            uni = i;
        if (one.amode == ALPHA_MSE && c->opt_have[nz][b] && c->opt_tab_a[nz][b][i] > 0) {
            one.amode = ALPHA_VALUE;
            one.alpha = c->opt_tab_a[nz][b][i];
        }
        if (analyze_tensor(p, &one, &a->schemes[i], 1, 0, &c->res[i], e) < 0)
            return -1;
        if (c->opt_have[nz][b]) {
            c->res[i].opt_alpha = c->opt_tab_a[nz][b][i];
            c->res[i].opt_mse = c->opt_tab_m[nz][b][i];
        }
    }
    double ua = uni >= 0 && c->res[uni].ok ? c->res[uni].r.adds_mean : NAN;
    for (int i = 0; i < a->nschemes; i++)
        if (c->res[i].ok)
            c->res[i].relative_to_uniform = ua > 0 ? c->res[i].r.adds_mean / ua : NAN;
    return 0;
}

void app_calc(app *a, ui_calc *c, size_t item)
{
    const prep *p = app_prep(a, item);
    if (!p) {
        c->valid = 0;
        return;
    }
    double keys[UI_MAX_SCHEMES];
    app_alpha_sync(a);
    alpha_keys(a, item, p, keys);
    int grp = app_group_mode(a);
    if (c->valid && c->item == item && same_settings(&c->cfg, &a->cfg) &&
        (grp ? c->cfg.amode == a->cfg.amode && c->cfg.alpha == a->cfg.alpha
             : memcmp(keys, c->akey, sizeof keys) == 0)) {
        if (c->ok && (!grp || (!a->stored_has[item] && app_stored_any(a, item))))
            app_stored_fill(a, c, item, p);   /* the worker's stored pass may have finished */
        return;
    }
    memcpy(c->akey, keys, sizeof keys);
    double t0 = util_now();
    if (c->item != item || !c->valid) {
        memset(c->opt_have, 0, sizeof c->opt_have);
        c->gap_n = 0;
    }
    c->item = item;
    c->cfg = a->cfg;
    c->valid = 1;
    c->ok = 0;
    c->opt_valid = 0;
    c->opt_pending = 0;
    c->msg[0] = '\0';
    if (p->st.n == 0) {
        snprintf(c->msg, sizeof c->msg, "no finite values to show (%llu element%s, %llu non-finite)",
                 (unsigned long long)p->st.count, UI_PL(p->st.count), (unsigned long long)p->st.nonfinite);
        return;
    }
    if (app_group_mode(a)) {
        /* per group (or MX blocks): the group engine on the worker's
         * thread, as --report computes it; no per-tensor optimal alpha */
        if (!app_group_numbers(a, c, item, p))
            c->valid = 0;
        else if (c->ok && a->cfg.gran == GRAN_TENSOR)
            c->opt_pending = 1;  /* the per-tensor schemes' optima, after the redraw */
        else if (c->ok && app_ranked(a))
            app_calc_gap(a, c, 0);
        c->calc_seconds = util_now() - t0;
        return;
    }
    util_err e = { { 0 } };
    int nz = a->cfg.normalize ? 1 : 0, b = a->cfg.bits;
    int mse = all_mse(a);
    int r = !mse ? calc_each(a, c, item, p, &e) : c->opt_have[nz][b] ? calc_from_opt(a, c, p, &e) : -2;
    if (r == -2) {
        analyze_cfg all = a->cfg;
        all.amode = ALPHA_MSE;
        r = analyze_tensor(p, &all, a->schemes, a->nschemes, 0, c->res, &e);
    }
    if (r < 0) {
        snprintf(c->msg, sizeof c->msg, "%s", e.msg);
        return;
    }
    c->ok = 1;
    app_stored_fill(a, c, item, p);   /* the file's own grid (view_stored.c) */
    if (mse && !c->opt_have[nz][b]) {
        /* analyze_tensor has just found them */
        for (int i = 0; i < a->nschemes; i++) {
            c->opt_tab_a[nz][b][i] = c->res[i].ok ? c->res[i].opt_alpha : NAN;
            c->opt_tab_m[nz][b][i] = c->res[i].ok ? c->res[i].opt_mse : NAN;
        }
        c->opt_have[nz][b] = 1;
    }
    if (c->opt_have[nz][b]) {
        memcpy(c->opt_alpha, c->opt_tab_a[nz][b], sizeof c->opt_alpha);
        memcpy(c->opt_mse, c->opt_tab_m[nz][b], sizeof c->opt_mse);
        c->opt_valid = 1;
    } else
        c->opt_pending = 1;
    if (app_ranked(a))
        app_calc_gap(a, c, 0);
    c->calc_seconds = util_now() - t0;
}

int app_calc_gap(app *a, ui_calc *c, int compute)
{
    if (!c->valid || !c->ok)
        return 0;
    const prep *p = app_prep(a, c->item);
    if (!p || p->st.n == 0)
        return 0;
    int nz = c->cfg.normalize ? 1 : 0, did = 0;
    c->gap_pending = 0;
    for (int i = 0; i < a->nschemes; i++) {
        analyze_result *r = &c->res[i];
        if (!r->ok)
            continue;
        size_t L = (size_t)r->r.levels_total;
        double lm = NAN;
        int k;
        for (k = 0; k < c->gap_n; k++)
            if (c->gap_nz[k] == nz && c->gap_L[k] == L) {
                lm = c->gap_mse[k];
                break;
            }
        if (k == c->gap_n) {
            if (!compute) {
                c->gap_pending = 1;
                r->gap_to_optimal_db = NAN;
                continue;
            }
            lm = analyze_lloyd_mse(p, c->cfg.normalize, L, NULL);
            did = 1;
            if (c->gap_n < UI_GAP_SLOTS) {
                c->gap_nz[c->gap_n] = nz;
                c->gap_L[c->gap_n] = L;
                c->gap_mse[c->gap_n++] = lm;
            }
        }
        double e = r->r.mse;
        /* as analyze_tensor computes it for --report */
        r->gap_to_optimal_db = e == lm ? 0 : lm > 0 ? 10 * log10(e / lm) : e > 0 ? INFINITY : 0;
    }
    return did;
}

int app_calc_opt(app *a, ui_calc *c)
{
    if (!c->valid || !c->ok || !c->opt_pending)
        return 0;
    const prep *p = app_prep(a, c->item);
    if (!p)
        return 0;
    int nz = c->cfg.normalize ? 1 : 0, b = c->cfg.bits;
    for (int i = 0; i < a->nschemes; i++) {
        c->opt_tab_a[nz][b][i] = c->opt_tab_m[nz][b][i] = NAN;
        const scheme_def *d = levels_find(a->schemes[i]);
        if (!c->res[i].ok)
            continue;
        if (d && (d->flags & SCHEME_MX))
            continue; /* block scales: no alpha of the tensor */
        if (d && (d->flags & SCHEME_DATA)) {
            /* lloyd-max: its alpha is its own fit */
            c->opt_tab_a[nz][b][i] = c->res[i].opt_alpha;
            c->opt_tab_m[nz][b][i] = c->res[i].opt_mse;
            continue;
        }
        levelset ls;
        util_err le = { { 0 } };
        if (levels_build(a->schemes[i], b, c->cfg.is_signed, &c->cfg.lprm, &ls, &le) < 0)
            continue;
        c->opt_tab_a[nz][b][i] = eval_best_alpha(p, &ls, c->cfg.normalize, &c->opt_tab_m[nz][b][i]);
        levels_free(&ls);
    }
    c->opt_have[nz][b] = 1;
    memcpy(c->opt_alpha, c->opt_tab_a[nz][b], sizeof c->opt_alpha);
    memcpy(c->opt_mse, c->opt_tab_m[nz][b], sizeof c->opt_mse);
    c->opt_valid = 1;
    c->opt_pending = 0;
    return 1;
}

double app_alpha(const app *a)
{
    const ui_calc *c = &a->calc;
    if (c->valid && c->ok && c->item == a->cur && c->res[a->focus].ok)
        return c->res[a->focus].r.alpha;
    return NAN;
}

const char *app_view_engine(app *a, size_t item)
{
    const prep *p = app_prep(a, item);
    return p ? p->ops->name : NULL;
}

const char *app_report_engine(app *a, size_t item)
{
    const loader_tensor *lt = app_item_tensor(a, item);
    unsigned need = 0;
    if (a->cfg.amode == ALPHA_PERCENTILE || a->cfg.amode == ALPHA_KL || a->cfg.amode == ALPHA_ACIQ)
        need |= PREP_CAP_EXACT;
    if (!dtype_fits_float(lt->dtype))
        need |= PREP_CAP_DOUBLE;
    if (lt->count >= PREP_LARGE)
        need |= PREP_CAP_LARGE;
    if (a->cfg.gran != GRAN_TENSOR)
        need |= PREP_CAP_GROUP;
    const prep_ops *e = prep_engine_pick(NULL, need, lt->count);
    if (!e || (e == &prep_hist_ops && !lt->readable))
        e = &prep_sorted_ops;
    return e->name;
}

uint64_t app_distinct(const prep *p, uint64_t cap, double *v, size_t nv)
{
    if (!(p->caps & (PREP_CAP_VALUES | PREP_CAP_EXACT)) || p->st.n == 0)
        return 0;
    uint64_t i = 0, k = 0;
    while (i < p->st.n && k <= cap) {
        double x = prep_value(p, i);
        if (k < nv)
            v[k] = x;
        k++;
        uint64_t j = prep_rank_le(p, x); /* the first index past x's run */
        i = j > i ? j : i + 1;
    }
    return k;
}

int app_body_rows(const app *a)
{
    return a->tour ? a->rows - 1 - TOUR_TEXT_ROWS : a->rows;
}

/* From as many schemes as the report (model/metric.h), one row per scheme
 * ranked by mse. */
int app_ranked(const app *a)
{
    return a->nschemes >= METRIC_RANKED_MIN;
}

int app_rug_rows(const app *a)
{
    return app_ranked(a) && a->nschemes > UI_RUG_ROWS ? UI_RUG_ROWS : a->nschemes;
}


/* The scheme list changed: every cached number is indexed by scheme. */
void app_caches_reset(app *a)
{
    a->calc.valid = 0;
    a->calc_other.valid = 0;
    a->chan.valid = 0;
    a->list.nschemes = -1;
    a->diff.valid = 0;
    a->rug_first = 0;
}

void app_caches_free(app *a)
{
    view_list_free(a);
    app_chan_free(a);
    app_group_free(a);
    free(a->diff.v);
    memset(&a->diff, 0, sizeof a->diff);
}
