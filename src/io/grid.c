/*
 * grid.c - the helpers formats use to describe a stored grid (grid.h),
 * and the loader's entry to it (loader_grid_get, loader.h).
 */
#include "config.h"
#include "io/grid.h"
#include "io/loader.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void loader_grid_init(loader_grid *g, const char *format, size_t ncb, uint64_t rows, uint64_t cols,
                      uint64_t tr, uint64_t tc, int with_zero, int with_bias)
{
    memset(g, 0, sizeof *g);
    g->format = format;
    g->ncb = ncb;
    g->cb = util_mallocarray(ncb ? ncb : 1, sizeof *g->cb);
    g->rows = rows ? rows : 1;
    g->cols = cols ? cols : 1;
    g->tr = tr ? tr : 1;
    g->tc = tc ? tc : 1;
    g->gcols = (g->cols + g->tc - 1) / g->tc;
    g->ngroups = ((g->rows + g->tr - 1) / g->tr) * g->gcols;
    size_t n = g->ngroups ? (size_t)g->ngroups : 1;
    g->scale = util_calloc(n, sizeof *g->scale);
    if (with_zero)
        g->zero = util_calloc(n, sizeof *g->zero);
    if (with_bias)
        g->bias = util_calloc(n, sizeof *g->bias);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void loader_grid_finish_cb(loader_grid *g)
{
    size_t u = 0;
    for (size_t k = 0; k < g->ncb; k++)
        if (isfinite(g->cb[k]))
            g->cb[u++] = g->cb[k] == 0 ? 0.0 : g->cb[k];   /* -0 is 0 */
    qsort(g->cb, u, sizeof *g->cb, cmp_double);
    size_t n = 0;
    for (size_t k = 0; k < u; k++)
        if (n == 0 || g->cb[k] != g->cb[n - 1])
            g->cb[n++] = g->cb[k];
    g->ncb = n;
    g->int_codes = 1;
    for (size_t k = 0; k < n; k++)
        if (g->cb[k] != floor(g->cb[k]))
            g->int_codes = 0;
}

void loader_grid_set_bytes(loader_grid *g, uint64_t nbytes)
{
    g->nbytes = nbytes;
    double count = (double)g->rows * (double)g->cols;
    g->bpw = count > 0 ? (double)nbytes * 8.0 / count : 0;
}

void loader_grid_free(loader_grid *g)
{
    if (!g)
        return;
    free(g->cb);
    free(g->scale);
    free(g->zero);
    free(g->bias);
    free(g->gmap);
    free(g->rmap);
    memset(g, 0, sizeof *g);
}

int loader_has_grid(loader_file *f, size_t i)
{
    if (i >= f->ntensors || !f->fmt->grid || !f->tensors[i].readable || !f->tensors[i].stored_type ||
        f->tensors[i].count == 0)
        return 0;
    return f->fmt->grid(f, i, NULL, NULL) == 0;
}

int loader_grid_get(loader_file *f, size_t i, loader_grid *g, util_err *err)
{
    memset(g, 0, sizeof *g);
    if (i >= f->ntensors || !f->fmt->grid || !f->tensors[i].readable || !f->tensors[i].stored_type ||
        f->tensors[i].count == 0) {
        util_err_set(err, "%s: %s: not stored quantized (no stored grid)", f->path,
                     i < f->ntensors ? f->tensors[i].name : "?");
        return -1;
    }
    if (f->fmt->grid(f, i, g, err) < 0) {
        loader_grid_free(g);
        if (!util_err_isset(err))
            util_err_set(err, "%s: %s: no stored grid for its layout", f->path, f->tensors[i].name);
        return -1;
    }
    /* every group holds a value: a grid with more groups than values, or
     * not the tensor's size, describes something else */
    if (g->rows * g->cols != f->tensors[i].count || g->ngroups > f->tensors[i].count) {
        util_err_set(err, "%s: %s: the stored grid (%llu x %llu, %llu groups) does not fit its %llu values",
                     f->path, f->tensors[i].name, (unsigned long long)g->rows, (unsigned long long)g->cols,
                     (unsigned long long)g->ngroups, (unsigned long long)f->tensors[i].count);
        loader_grid_free(g);
        return -1;
    }
    return 0;
}
