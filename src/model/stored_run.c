/* stored_run.c - the stored scheme of a session's tensor (stored_run.h). */
#include "config.h"
#include "model/stored_run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/grid.h"

int stored_run_any(session *s)
{
    for (size_t i = 0; i < s->nitems; i++)
        if (loader_has_grid(s->files[s->items[i].file], s->items[i].tensor))
            return 1;
    return 0;
}

int stored_run_add(const char **schemes, int *n, int max)
{
    for (int i = 0; i < *n; i++)
        if (stored_is(schemes[i]))
            return 0;
    if (*n >= max)
        return 0;
    schemes[(*n)++] = STORED_NAME;
    return 1;
}

typedef struct src {
    loader_file *f;
    size_t t;
    const float *buf;
} src;

static int read_src(void *ctx, uint64_t first, uint64_t n, float *dst)
{
    const src *s = ctx;
    if (s->buf) {
        memcpy(dst, s->buf + first, (size_t)n * sizeof *dst);
        return 0;
    }
    return loader_read_range(s->f, s->t, first, n, dst);
}

static int64_t weigh_src(void *ctx, uint64_t first, uint64_t n, grid_wpair *out)
{
    const src *s = ctx;
    return loader_weigh(s->f, s->t, first, n, out);
}

static void not_stored(analyze_result *out, const char *msg)
{
    memset(out, 0, sizeof *out);
    out->scheme = STORED_NAME;
    out->opt_alpha = out->opt_mse = out->relative_to_uniform = out->gap_to_optimal_db = NAN;
    snprintf(out->err, sizeof out->err, "%s", msg);
}

int stored_run(loader_file *f, size_t t, const analyze_cfg *cfg, const prep_stats *st, pthread_mutex_t *mu,
               analyze_result *out, gq_view *view)
{
    loader_grid g;
    util_err err = { { 0 } };
    if (mu)
        pthread_mutex_lock(mu);
    int have = loader_has_grid(f, t) && loader_grid_get(f, t, &g, &err) == 0;
    int ranged = have && loader_has_range(f, t);
    float *buf = NULL;
    if (have && !ranged)
        buf = session_read(f, t, 0, &err);
    if (mu)
        pthread_mutex_unlock(mu);
    if (!have || (!ranged && !buf)) {
        if (have)
            loader_grid_free(&g);
        not_stored(out, err.msg[0] ? err.msg
                                   : "not stored quantized (the stored grid is that of a quantized tensor's file)");
        return -1;
    }
    double m = 0, s = 1;
    if (cfg->normalize && st && st->n >= 2 && st->std > 0 && isfinite(st->std))
        m = st->mean, s = st->std;
    src sc = { f, t, buf };
    unsigned blck, wmax;
    int rc;
    if (!view && loader_weigh_info(f, t, &blck, &wmax) == 0)
        /* the census from the stored codes, counted group by group */
        rc = stored_analyze_weighted(&g, weigh_src, &sc, f->tensors[t].count, blck, wmax, m, s, out);
    else
        rc = stored_analyze(&g, read_src, &sc, f->tensors[t].count, m, s, 1, out, view);
    if (ranged)
        loader_release_tensor(f, t);
    free(buf);
    loader_grid_free(&g);
    return rc;
}

int stored_run_values(loader_file *f, size_t t, const float *vals, uint64_t count, analyze_result *out)
{
    loader_grid g;
    util_err err = { { 0 } };
    if (!loader_has_grid(f, t) || loader_grid_get(f, t, &g, &err) < 0) {
        not_stored(out, err.msg[0] ? err.msg : "not stored quantized");
        return -1;
    }
    src sc = { f, t, vals };
    int rc = stored_analyze(&g, read_src, &sc, count, 0, 1, 0, out, NULL);
    loader_grid_free(&g);
    return rc;
}

void stored_detail_free(stored_detail *d)
{
    if (!d)
        return;
    if (d->have_grid)
        loader_grid_free(&d->grid);
    free(d->rug);
    free(d->ulev);
    free(d->chan_n);
    free(d->chan_lo);
    free(d->chan_hi);
    free(d->chan_mse);
    free(d->chan_alpha);
    memset(d, 0, sizeof *d);
}

/* per channel: the element's channel along the axis */
typedef struct chan_acc {
    stored_detail *d;
    const float *vals;     /* the values when read whole, else NULL */
    loader_file *f;
    size_t t;
    uint64_t stride, nax;
    double *sse, *asum;
    int self;
} chan_acc;

static void chan_elem(void *ctx, uint64_t i, uint64_t gi, double err)
{
    chan_acc *c = ctx;
    uint64_t ch = (i / c->stride) % c->nax;
    stored_detail *d = c->d;
    d->chan_n[ch]++;
    c->sse[ch] += err * err;
    c->asum[ch] += stored_group_alpha(&d->grid, gi, d->m, d->s);
}

/* the channels' value ranges, from the values (x units) */
static void chan_ranges(stored_detail *d, const chan_acc *c, uint64_t count)
{
    float *buf = c->vals ? NULL : util_mallocarray(65536, sizeof *buf);
    for (uint64_t first = 0; first < count; first += 65536) {
        uint64_t n = count - first < 65536 ? count - first : 65536;
        const float *v = c->vals ? c->vals + first : buf;
        if (!c->vals && loader_read_range(c->f, c->t, first, n, buf) < 0)
            break;
        for (uint64_t j = 0; j < n; j++) {
            if (!isfinite(v[j]))
                continue;
            uint64_t ch = ((first + j) / c->stride) % c->nax;
            double x = ((double)v[j] - d->m) / d->s;
            d->chan_lo[ch] = isnan(d->chan_lo[ch]) || x < d->chan_lo[ch] ? x : d->chan_lo[ch];
            d->chan_hi[ch] = isnan(d->chan_hi[ch]) || x > d->chan_hi[ch] ? x : d->chan_hi[ch];
        }
    }
    free(buf);
}

static void detail_rug(stored_detail *d)
{
    const loader_grid *g = &d->grid;
    uint64_t step = g->ngroups > STORED_RUG_GROUPS ? g->ngroups / STORED_RUG_GROUPS : 1;
    size_t cap = (size_t)((g->ngroups + step - 1) / step) * g->ncb;
    if (cap > ((size_t)1 << 18))
        cap = (size_t)1 << 18;
    d->rug = util_mallocarray(cap ? cap : 1, sizeof *d->rug);
    for (uint64_t gi = 0; gi < g->ngroups && d->nrug + g->ncb <= cap; gi += step)
        for (size_t k = 0; k < g->ncb; k++)
            d->rug[d->nrug++] = ((double)loader_grid_level(g, gi, k) - d->m) / d->s;
    d->ulev = util_mallocarray(g->ncb ? g->ncb : 1, sizeof *d->ulev);
    d->nulev = stored_view_levels(g, d->ulev, g->ncb);
}

int stored_run_detail(loader_file *gf, size_t gt, loader_file *vf, size_t vt, int normalize, double m, double s,
                      int axis, stored_detail *d)
{
    memset(d, 0, sizeof *d);
    d->axis = -1;
    util_err err = { { 0 } };
    if (!loader_has_grid(gf, gt) || loader_grid_get(gf, gt, &d->grid, &err) < 0) {
        not_stored(&d->res, err.msg[0] ? err.msg
                                       : "not stored quantized (the stored grid is that of a quantized tensor's file)");
        return -1;
    }
    d->have_grid = 1;
    d->m = 0, d->s = 1;
    if (normalize && s > 0 && isfinite(s) && isfinite(m))
        d->m = m, d->s = s;
    int self = vf == NULL;
    loader_file *f = self ? gf : vf;
    size_t t = self ? gt : vt;
    const loader_tensor *lt = &f->tensors[t];
    if (lt->count != gf->tensors[gt].count) {
        not_stored(&d->res, "the two tensors differ in size: no value meets its level");
        return -1;
    }
    int ranged = self && loader_has_range(f, t);
    float *buf = ranged ? NULL : session_read(f, t, 0, &err);
    if (!ranged && !buf) {
        not_stored(&d->res, err.msg[0] ? err.msg : "the values could not be read");
        return -1;
    }
    chan_acc ca = { d, buf, f, t, 1, 1, NULL, NULL, self };
    if (axis >= 0 && axis < lt->ndim) {
        for (int k = axis + 1; k < lt->ndim; k++)
            ca.stride *= lt->shape[k];
        ca.nax = lt->shape[axis] ? lt->shape[axis] : 1;
        d->axis = axis;
        d->nchan = ca.nax;
        size_t n = (size_t)ca.nax;
        d->chan_n = util_calloc(n, sizeof *d->chan_n);
        d->chan_lo = util_mallocarray(n, sizeof *d->chan_lo);
        d->chan_hi = util_mallocarray(n, sizeof *d->chan_hi);
        d->chan_mse = util_mallocarray(n, sizeof *d->chan_mse);
        d->chan_alpha = util_mallocarray(n, sizeof *d->chan_alpha);
        ca.sse = util_calloc(n, sizeof *ca.sse);
        ca.asum = util_calloc(n, sizeof *ca.asum);
        for (size_t i = 0; i < n; i++)
            d->chan_lo[i] = d->chan_hi[i] = NAN;
    }
    src sc = { f, t, buf };
    int rc = stored_analyze_each(&d->grid, read_src, &sc, lt->count, d->m, d->s, self, &d->res, NULL,
                                 d->axis >= 0 ? chan_elem : NULL, &ca);
    if (rc == 0 && d->axis >= 0) {
        chan_ranges(d, &ca, lt->count);
        for (uint64_t i = 0; i < d->nchan; i++) {
            uint64_t n = d->chan_n[i];
            d->chan_mse[i] = !n || self ? NAN : ca.sse[i] / (double)n;
            d->chan_alpha[i] = n ? ca.asum[i] / (double)n : NAN;
        }
    }
    if (rc == 0)
        detail_rug(d);
    if (ranged)
        loader_release_tensor(f, t);
    free(buf);
    free(ca.sse);
    free(ca.asum);
    return rc;
}
