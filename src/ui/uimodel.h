/*
 * uimodel.h - the viewer's pure logic for the tensor list and the alphas,
 * no curses and no app (tests/ui/test_ui_model.c):
 *
 *  - each scheme's alpha (ui_alpha): at its own MSE optimum, at max|x|, or
 *    fixed by the user; a fixed alpha is kept as the value it was set to on
 *    the tensor (and normalization) it was set on, and carried to any other
 *    tensor as the same fraction of that tensor's max|x| (x units: sigma
 *    units when normalized), so a clipping chosen on a 0.02-scale matrix
 *    means the same clipping on a layernorm of scale 1;
 *  - the list's columns, their sort order (error = lowest SQNR first) and
 *    a stable sort with the values that are not there (NaN) always last;
 *  - the filter that narrows the list (substring or glob, as / finds).
 */
#ifndef APOTVIEW_UI_UIMODEL_H
#define APOTVIEW_UI_UIMODEL_H

#include <stddef.h>

typedef struct ui_alpha {
    int mode;          /* alpha_mode (quant/analyze.h): ALPHA_MSE, ALPHA_MAX or ALPHA_VALUE */
    double frac;       /* ALPHA_VALUE: alpha / max|x| of the tensor it was set on */
    double val;        /* the alpha as set, exact on (item, norm) */
    size_t item;
    int norm;
} ui_alpha;

/* Fix s at alpha on item (x units, normalization norm), whose max|x| is
 * xabsmax (> 0). */
void uim_alpha_fix(ui_alpha *s, double alpha, size_t item, int norm, double xabsmax);
/* The fixed alpha of s on item (x units at norm, max|x| xabsmax): the value
 * as set on its own tensor, else frac * xabsmax. NaN when s is not fixed. */
double uim_alpha_on(const ui_alpha *s, size_t item, int norm, double xabsmax);

/* The list's columns: file order, name, count, the pair's SQNR and mse
 * (ORIGINAL QUANTIZED only: the quantized file's damage), then two per
 * scheme (SQNR in dB, relative mse = mse / mean(x^2)). */
enum { UIM_COL_FILE = 0, UIM_COL_NAME, UIM_COL_COUNT, UIM_COL_PAIR_SQNR, UIM_COL_PAIR_MSE, UIM_COL_SCHEME0 };
#define UIM_NCOLS(nschemes) (UIM_COL_SCHEME0 + 2 * (nschemes))
/* The scheme of column col (-1 for the others) and whether it is the
 * relative-mse column (else SQNR). */
int uim_col_scheme(int col, int *is_rel);
/* Whether col sorts largest first before R reverses it: count and relative
 * mse and the pair's mse do (the big, the damaged first); SQNR does not
 * (lowest first: the damaged first); file order and name ascend. */
int uim_col_desc(int col);
/* The column after col, skipping the pair's columns without pairs. */
int uim_col_next(int col, int nschemes, int pairs);

/* Sort idx[0..n) (item numbers) by key[item], largest first when desc;
 * items whose key is NaN go last whatever the direction; ties keep item
 * order. Stable; O(n log n). */
void uim_sort_num(size_t *idx, size_t n, const double *key, int desc);
/* The same by name[item] (strcmp), ties in item order. */
void uim_sort_str(size_t *idx, size_t n, const char *const *name, int desc);

/* Copy to out the items of order[0..n) whose name[item] matches pat
 * (case-insensitive substring, or a glob when pat has * ? [; empty: all),
 * in order. Returns how many. */
size_t uim_filter(const size_t *order, size_t n, const char *pat, const char *const *name, size_t *out);

#endif
