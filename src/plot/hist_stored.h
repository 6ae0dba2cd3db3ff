/* hist_stored.h - the stored scheme in the histogram figure (hist_stored.c; named so that the script fuzzer, which links plot*.c and fig*.c without the loaders, leaves it out). */
#ifndef APOTVIEW_PLOT_STORED_H
#define APOTVIEW_PLOT_STORED_H

#include "io/loader.h"
#include "plot/plot.h"
#include "quant/analyze.h"

typedef struct plot_stored_data {
    analyze_result res;
    double *levels;
    size_t n;
} plot_stored_data;

/* For the histogram of tensor ti of f (prepared as p): when it has a
 * stored grid, its result and the levels of up to 4096 of its groups
 * (spread over the tensor) go into d and s (s->stored_*), and the scheme
 * list becomes s's schemes plus `stored` (in sch, OPTIONS_MAX_SCHEMES
 * entries). Otherwise nothing changes (d zeroed). */
void plot_stored_prepare(plot_spec *s, loader_file *f, size_t ti, const prep *p, const char **sch,
                         plot_stored_data *d);
void plot_stored_free(plot_stored_data *d);

/* For panels (histogram, sweep, bits of each panel's tensor f[k], ti[k],
 * p[k]): each one's stored result into res[k] (out[k] &res[k], or NULL
 * when it has none) and, when any has one, the scheme list becomes s's
 * plus `stored` (in sch) with s->panel_stored = out. */
void plot_stored_panels(plot_spec *s, loader_file *const *f, const size_t *ti, const prep *const *p, int n,
                        analyze_result *res, const analyze_result **out, const char **sch);

#endif
