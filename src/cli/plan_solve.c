/* plan_solve.c - see plan.h: the per-tensor hulls, the Lagrangian
 * greedy and its LP bound, the exact knapsack, the hull certificate and
 * the single quantizers. */
#include "config.h"
#include "cli/plan_priv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
void plan_solve_hull(plan_run_st *r)
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
int plan_solve_dp(plan_run_st *r)
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
void plan_certify(plan_run_st *r)
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
void plan_singles(plan_run_st *r)
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

