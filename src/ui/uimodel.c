/*
 * uimodel.c - the viewer's pure list and alpha logic (uimodel.h).
 */
#include "config.h"
#include "ui/uimodel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant/analyze.h"
#include "ui/layout.h"

void uim_alpha_fix(ui_alpha *s, double alpha, size_t item, int norm, double xabsmax)
{
    s->mode = ALPHA_VALUE;
    s->val = alpha;
    s->item = item;
    s->norm = norm;
    s->frac = xabsmax > 0 && isfinite(xabsmax) ? alpha / xabsmax : 1;
}

double uim_alpha_on(const ui_alpha *s, size_t item, int norm, double xabsmax)
{
    if (s->mode != ALPHA_VALUE)
        return NAN;
    if (s->item == item && s->norm == norm)
        return s->val;
    return s->frac * (xabsmax > 0 && isfinite(xabsmax) ? xabsmax : 1);
}

int uim_col_scheme(int col, int *is_rel)
{
    if (col < UIM_COL_SCHEME0) {
        if (is_rel)
            *is_rel = 0;
        return -1;
    }
    if (is_rel)
        *is_rel = (col - UIM_COL_SCHEME0) % 2;
    return (col - UIM_COL_SCHEME0) / 2;
}

int uim_col_desc(int col)
{
    int rel;
    if (col == UIM_COL_COUNT || col == UIM_COL_PAIR_MSE)
        return 1;
    if (uim_col_scheme(col, &rel) >= 0)
        return rel;
    return 0;
}

int uim_col_next(int col, int nschemes, int pairs)
{
    col = (col + 1) % UIM_NCOLS(nschemes);
    if (!pairs && (col == UIM_COL_PAIR_SQNR || col == UIM_COL_PAIR_MSE))
        col = UIM_COL_SCHEME0 < UIM_NCOLS(nschemes) ? UIM_COL_SCHEME0 : 0;
    return col;
}

/* merge sort (stable) of idx by cmp */
typedef int (*uim_cmp)(size_t i, size_t j, const void *ctx);

static void msort(size_t *v, size_t *tmp, size_t n, uim_cmp cmp, const void *ctx)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    msort(v, tmp, h, cmp, ctx);
    msort(v + h, tmp, n - h, cmp, ctx);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = cmp(v[j], v[i], ctx) < 0 ? v[j++] : v[i++];
    while (i < h)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

typedef struct { const double *key; const char *const *name; int desc; } sort_ctx;

static int cmp_num(size_t i, size_t j, const void *c)
{
    const sort_ctx *s = c;
    double a = s->key[i], b = s->key[j];
    int na = isnan(a), nb = isnan(b);
    if (na || nb)
        return na - nb;
    if (a == b)
        return 0;
    return (a < b) == !s->desc ? -1 : 1;
}

static int cmp_str(size_t i, size_t j, const void *c)
{
    const sort_ctx *s = c;
    int r = strcmp(s->name[i], s->name[j]);
    return s->desc ? -r : r;
}

static int cmp_item(size_t i, size_t j, const void *c)
{
    (void)c;
    return i < j ? -1 : i > j;
}

static void sort_by(size_t *idx, size_t n, uim_cmp cmp, const sort_ctx *c)
{
    size_t *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!tmp)
        return;
    /* ties in item order: by item first, then stably by the key */
    msort(idx, tmp, n, cmp_item, NULL);
    msort(idx, tmp, n, cmp, c);
    free(tmp);
}

void uim_sort_num(size_t *idx, size_t n, const double *key, int desc)
{
    sort_ctx c = { key, NULL, desc };
    sort_by(idx, n, cmp_num, &c);
}

void uim_sort_str(size_t *idx, size_t n, const char *const *name, int desc)
{
    sort_ctx c = { NULL, name, desc };
    sort_by(idx, n, cmp_str, &c);
}

size_t uim_filter(const size_t *order, size_t n, const char *pat, const char *const *name, size_t *out)
{
    size_t m = 0;
    for (size_t k = 0; k < n; k++)
        if (layout_name_matches(pat, name[order[k]]))
            out[m++] = order[k];
    return m;
}
