/*
 * view_stored.c - the stored scheme in the viewer (quant/stored.h): its
 * result for the current tensor, computed once per (tensor, normalize)
 * from the file's own grid (model/stored_run.h) and copied into the
 * results beside the other schemes; and the text of its format for the
 * i overlay. The cache is app.stored (app.h), dropped by app_caches_reset.
 */
#include "config.h"
#include "ui/view_stored.h"

#include <stdlib.h>
#include <string.h>

#include "model/stored_run.h"

#define RUG_GROUPS 4096
#define RUG_MAX (1u << 18)

/* The levels of up to RUG_GROUPS groups spread over the tensor (all of
 * them for smaller tensors), in x units. */
static void build_rug(ui_stored *cache, loader_file *f, size_t t, const prep *p, int normalize)
{
    loader_grid g;
    util_err err = { { 0 } };
    if (loader_grid_get(f, t, &g, &err) < 0)
        return;
    double m = 0, s = 1;
    if (normalize && p && p->st.n >= 2 && p->st.std > 0)
        m = p->st.mean, s = p->st.std;
    uint64_t step = g.ngroups > RUG_GROUPS ? g.ngroups / RUG_GROUPS : 1;
    size_t cap = (size_t)((g.ngroups + step - 1) / step) * g.ncb;
    if (cap > RUG_MAX)
        cap = RUG_MAX;
    cache->rug = util_mallocarray(cap ? cap : 1, sizeof *cache->rug);
    for (uint64_t gi = 0; gi < g.ngroups && cache->nrug + g.ncb <= cap; gi += step)
        for (size_t k = 0; k < g.ncb; k++)
            cache->rug[cache->nrug++] = ((double)loader_grid_level(&g, gi, k) - m) / s;
    cache->ulev = util_mallocarray(g.ncb, sizeof *cache->ulev);
    cache->nulev = stored_view_levels(&g, cache->ulev, g.ncb);
    loader_grid_free(&g);
}

int app_stored_index(const app *a)
{
    for (int i = 0; i < a->nschemes; i++)
        if (stored_is(a->schemes[i]))
            return i;
    return -1;
}

const analyze_result *app_stored_result(app *a, size_t item, const prep *p)
{
    int nz = a->cfg.normalize ? 1 : 0;
    if (a->stored.valid && a->stored.item == item && a->stored.normalize == nz)
        return a->stored.r.ok ? &a->stored.r : NULL;
    const session_item *it = &a->s.items[item];
    loader_file *f = a->s.files[it->file];
    free(a->stored.rug);
    free(a->stored.ulev);
    memset(&a->stored, 0, sizeof a->stored);
    a->stored.valid = 1;
    a->stored.item = item;
    a->stored.normalize = nz;
    if (!loader_has_grid(f, it->tensor))
        return NULL;
    stored_run(f, it->tensor, &a->cfg, p ? &p->st : NULL, NULL, &a->stored.r, NULL);
    if (a->stored.r.ok)
        build_rug(&a->stored, f, it->tensor, p, nz);
    return a->stored.r.ok ? &a->stored.r : NULL;
}

size_t app_stored_rug(app *a, size_t item, const prep *p, const double **xs)
{
    *xs = NULL;
    if (!app_stored_result(a, item, p))
        return 0;
    *xs = a->stored.rug;
    return a->stored.nrug;
}

void app_stored_fill(app *a, ui_calc *c, size_t item, const prep *p)
{
    int i = app_stored_index(a);
    if (i < 0)
        return;
    const analyze_result *r = app_stored_result(a, item, p);
    if (r)
        c->res[i] = *r;
}

size_t app_stored_ulevels(app *a, size_t item, const prep *p, const double **u)
{
    *u = NULL;
    if (!app_stored_result(a, item, p))
        return 0;
    *u = a->stored.ulev;
    return a->stored.nulev;
}
