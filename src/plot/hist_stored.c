/*
 * hist_stored.c - the stored scheme in the histogram figure: the file's own
 * grid of a quantized tensor (quant/stored.h) as one more scheme row, its
 * rug the levels of the file's groups, its legend its bits per weight.
 */
#include "config.h"
#include "plot/hist_stored.h"

#include <stdlib.h>
#include <string.h>

#include "io/grid.h"
#include "model/stored_run.h"

#define PLOT_STORED_GROUPS 4096

void plot_stored_free(plot_stored_data *d)
{
    free(d->levels);
    memset(d, 0, sizeof *d);
}

static void add_scheme(plot_spec *s, const char **sch)
{
    int n = 0;
    for (int i = 0; i < s->nschemes && n < OPTIONS_MAX_SCHEMES; i++)
        sch[n++] = s->schemes[i];
    stored_run_add(sch, &n, OPTIONS_MAX_SCHEMES);
    s->schemes = sch;
    s->nschemes = n;
}

void plot_stored_panels(plot_spec *s, loader_file *const *f, const size_t *ti, const prep *const *p, int n,
                        analyze_result *res, const analyze_result **out, const char **sch)
{
    int any = 0;
    for (int k = 0; k < n; k++) {
        out[k] = NULL;
        if (s->cfg.gran == GRAN_TENSOR && loader_has_grid(f[k], ti[k]) &&
            stored_run(f[k], ti[k], &s->cfg, &p[k]->st, NULL, &res[k], NULL) == 0 && res[k].ok)
            out[k] = &res[k], any = 1;
    }
    if (!any)
        return;
    add_scheme(s, sch);
    s->panel_stored = out;
}

void plot_stored_prepare(plot_spec *s, loader_file *f, size_t ti, const prep *p, const char **sch,
                         plot_stored_data *d)
{
    memset(d, 0, sizeof *d);
    if ((s->figure != FIG_HISTOGRAM && s->figure != FIG_SWEEP && s->figure != FIG_BITS) ||
        s->cfg.gran != GRAN_TENSOR || !loader_has_grid(f, ti))
        return;
    if (stored_run(f, ti, &s->cfg, &p->st, NULL, &d->res, NULL) < 0 || !d->res.ok)
        return;
    loader_grid g;
    util_err err = { { 0 } };
    if (loader_grid_get(f, ti, &g, &err) < 0)
        return;
    double m = 0, sd = 1;
    if (s->cfg.normalize && p->st.n >= 2 && p->st.std > 0)
        m = p->st.mean, sd = p->st.std;
    uint64_t step = g.ngroups > PLOT_STORED_GROUPS ? g.ngroups / PLOT_STORED_GROUPS : 1;
    size_t cap = (size_t)((g.ngroups + step - 1) / step) * g.ncb;
    d->levels = util_mallocarray(cap ? cap : 1, sizeof *d->levels);
    for (uint64_t gi = 0; gi < g.ngroups && d->n + g.ncb <= cap; gi += step)
        for (size_t k = 0; k < g.ncb; k++)
            d->levels[d->n++] = ((double)loader_grid_level(&g, gi, k) - m) / sd;
    loader_grid_free(&g);
    add_scheme(s, sch);
    s->stored_res = &d->res;
    s->stored_levels = d->levels;
    s->nstored_levels = d->n;
}
