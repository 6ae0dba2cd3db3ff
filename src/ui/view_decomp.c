/*
 * view_decomp.c - the decomposition view (d, issue 12): a patch of the
 * tensor -- the focused channel's first rows (a channel is a slice of
 * axis 0; its values in C order, as many per row as fit) -- with every
 * quantized weight written as its sum of powers of two (2⁻³+2⁻⁵, ASCII
 * 2^-3+2^-5 without UTF-8), shaded by the magnitude rank of its level,
 * so the shift-add cost of each multiplication is visible.
 *
 * Beside the data-dependent cost (the mean number of terms of this patch
 * and of the whole tensor: one shift per term, an add between terms) it
 * shows the fixed-hardware count the paper's "about 2x faster
 * multiplication" refers to: the partial products a multiplier built for
 * the level set provides whatever the weight (b - 1 for signed b-bit
 * uniform, n additive terms for APoT), labelled as the paper's framing
 * (Li, Dong & Wang, ICLR 2020). The terms are quant/pow2.h's; the values
 * are read by the worker in C order (worker_want_raw). Keys: [ ] the
 * previous / next channel, { } the previous / next rows of it.
 */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/eval.h"
#include "quant/pow2.h"
#include "ui/app.h"
#include "ui/term.h"

/* the patch geometry: cells per row, rows, channel size */
typedef struct patch {
    size_t nchan, per;     /* channels (axis 0) and values per channel */
    int cellw, ncell, nrow;
} patch;

static void geometry(app *a, const levelset *ls, int rows_free, patch *g)
{
    const loader_tensor *t = app_item_tensor(a, a->cur);
    g->nchan = t->ndim >= 2 && t->shape[0] > 0 ? t->shape[0] : 1;
    g->per = g->nchan ? t->count / g->nchan : t->count;
    int w = 3; /* "nan" */
    for (size_t k = 0; k < ls->n; k++) {
        pow2_terms tm;
        char b[POW2_MAX_TERMS * 16];
        if (pow2_level(ls, k, &tm) == 0) {
            int cw = pow2_format(&tm, a->utf8, b, sizeof b);
            if (cw > w)
                w = cw;
        }
    }
    g->cellw = w + 1;
    int avail = a->cols - 8;
    g->ncell = avail / g->cellw > 0 ? avail / g->cellw : 1;
    g->nrow = rows_free > 0 ? rows_free : 0;
}

static void clamp_pos(app *a, const patch *g)
{
    if (a->decomp_item != a->cur) {
        a->decomp_item = a->cur;
        a->decomp_chan = a->decomp_row = 0;
    }
    if (a->decomp_chan >= g->nchan)
        a->decomp_chan = g->nchan ? g->nchan - 1 : 0;
    size_t rows_in_chan = g->ncell ? (g->per + (size_t)g->ncell - 1) / (size_t)g->ncell : 0;
    if (a->decomp_row >= rows_in_chan)
        a->decomp_row = rows_in_chan ? rows_in_chan - 1 : 0;
}

/* rows the cost lines take below the grid */
static int cost_rows(const app *a)
{
    return a->cols >= 110 ? 3 : a->cols >= 80 ? 4 : 5;
}

/* the rows the grid may use at the current size (below a header of 3) */
static int grid_rows(const app *a)
{
    return app_body_rows(a) - 1 - 3 - cost_rows(a);
}

int view_decomp_action(app *a, ui_action act)
{
    if (act != ACT_CUR_LEFT && act != ACT_CUR_RIGHT && act != ACT_CUR_LEFT10 && act != ACT_CUR_RIGHT10)
        return 0;
    const loader_tensor *t = app_item_tensor(a, a->cur);
    size_t nchan = t->ndim >= 2 && t->shape[0] > 0 ? t->shape[0] : 1;
    if (a->decomp_item != a->cur) {
        a->decomp_item = a->cur;
        a->decomp_chan = a->decomp_row = 0;
    }
    int page = grid_rows(a) > 1 ? grid_rows(a) : 1;
    if (act == ACT_CUR_LEFT || act == ACT_CUR_RIGHT) {
        if (nchan == 1) {
            app_message(a, 0, "one channel (a 1-D tensor): { } move through its rows");
            return RD_STATUS;
        }
        if (act == ACT_CUR_LEFT && a->decomp_chan > 0)
            a->decomp_chan--;
        else if (act == ACT_CUR_RIGHT && a->decomp_chan + 1 < nchan)
            a->decomp_chan++;
        a->decomp_row = 0;
    } else if (act == ACT_CUR_LEFT10)
        a->decomp_row = a->decomp_row > (size_t)page ? a->decomp_row - (size_t)page : 0;
    else
        a->decomp_row += (size_t)page; /* clamped when drawn */
    a->msg[0] = '\0';
    return RD_VIEW;
}

/* the level index of a raw value, or -1 (not finite): the first level
 * whose upper decision boundary is above x, the boundaries computed as
 * eval.c cuts (a value on one goes up) */
static long level_of(const prep *p, int norm, const levelset *ls, double sh, double al, double w)
{
    if (!isfinite(w))
        return -1;
    double x = eval_x_of_w(p, norm, w);
    size_t lo = 0, hi = ls->n - 1; /* answer in [lo, hi] */
    while (lo < hi) {
        size_t md = (lo + hi) / 2;
        if (x < sh + al * 0.5 * (ls->v[md] + ls->v[md + 1]))
            hi = md;
        else
            lo = md + 1;
    }
    return (long)lo;
}

static void draw_costs(app *a, int y, const levelset *ls, double patch_terms, size_t patch_n)
{
    char b0[24], b1[24];
    ui_flow f = { y, app_body_rows(a) - 1, 0, a->cols, 0, 0, 0 };
    const analyze_result *r = &a->calc.res[a->focus];
    flow_put(&f, term_attr(R_TITLE), "cost:");
    flow_putf(&f, 0, " terms per weight (shift-adds, data-dependent): this patch %s",
              patch_n ? layout_fmt_num(b0, sizeof b0, patch_terms / (double)patch_n, 3, 8) : "-");
    flow_putf(&f, 0, ", whole tensor %s", isnan(r->r.adds_mean) ? "n/a" : layout_fmt_num(b1, sizeof b1, r->r.adds_mean, 3, 8));
    flow_newline(&f);
    int fx = pow2_fixed_terms(ls);
    levelset u;
    util_err e = { { 0 } };
    int fu = -1;
    if (levels_build("uniform", ls->bits, ls->is_signed, NULL, &u, &e) == 0) {
        fu = pow2_fixed_terms(&u);
        levels_free(&u);
    }
    flow_put(&f, term_attr(R_TITLE), "fixed hardware:");
    flow_put(&f, term_attr(R_DIM), " the paper's framing (Li, Dong & Wang, ICLR 2020),");
    flow_putf(&f, 0, " partial products per multiply: uniform %d-bit %s = %d,", ls->bits,
              ls->is_signed ? "b-1" : "b", fu);
    if (strcmp(a->schemes[a->focus], "uniform") != 0)
        flow_putf(&f, term_scheme_attr(a->focus), " %s %d", a->schemes[a->focus], fx);
    if (fx > 0 && fu > 0 && fx != fu)
        flow_putf(&f, 0, " (%sx fewer)", layout_fmt_num(b0, sizeof b0, (double)fu / fx, 3, 6));
}

void view_decomp_draw(app *a)
{
    int cols = a->cols;
    const char *name = a->schemes[a->focus];
    const prep *p = app_prep(a, a->cur);
    draw_fill(0, 0, cols, term_attr(R_HEADER));
    ui_flow h = { 0, 1, 0, cols, 0, 0, 0 };
    flow_put(&h, term_attr(R_HEADER), "decomposition");
    flow_putf(&h, term_scheme_attr(a->focus) | A_BOLD, "  %s", name);
    flow_putf(&h, term_attr(R_HEADER), "  %d bits", a->cfg.bits);
    flow_put(&h, term_attr(R_DIM), "  ([ ] channel, { } rows, d: back)");
    levelset ls;
    double al, sh;
    char why[UTIL_ERRLEN + 200];
    if (app_focus_levels(a, p, &ls, &al, &sh, why, sizeof why) < 0) {
        view_reason(a, 2, "no decomposition: ", why, term_attr(p ? R_ERROR : R_DIM));
        return;
    }
    if (!(ls.unit > 0) || pow2_fixed_terms(&ls) < 0) {
        view_reason(a, 2, "no decomposition: ",
                    ls.asym ? "int-asym's levels are affine (a zero point added): s focuses another scheme"
                            : "the levels are not sums of powers of two (codebook values): s focuses another scheme",
                    term_attr(R_ERROR));
        levels_free(&ls);
        return;
    }
    int norm = a->cfg.normalize && eval_can_normalize(p);
    size_t it = a->cur;
    worker_want_raw(a->w, &it, 1);
    const void *vals = NULL;
    int dbl = 0;
    char err[UTIL_ERRLEN];
    prep_state st = worker_get_raw(a->w, it, &vals, &dbl, err, sizeof err);
    patch g;
    geometry(a, &ls, grid_rows(a), &g);
    clamp_pos(a, &g);
    char b0[24], b1[24], en[256];
    ui_flow f = { 1, 3, 0, cols, 0, 0, 0 };
    if (cols >= 100)
        f.ymax = 2; /* one row is enough: the grid starts at row 2 */
    flow_putf(&f, 0, "Q(w) = alpha/unit x (sum of +-2^e): alpha %s / unit %s = %s", layout_fmt_num(b0, sizeof b0, al, 4, 10),
              layout_fmt_num(b1, sizeof b1, ls.unit, 6, 10), layout_fmt_num(en, 24, al / ls.unit, 4, 10));
    flow_put(&f, 0, norm ? " (x units)" : "");
    size_t first = a->decomp_row * (size_t)g.ncell;
    flow_putf(&f, term_attr(R_TITLE), "  channel %zu of %zu,", a->decomp_chan, g.nchan);
    size_t last = first + (size_t)g.ncell * (size_t)(g.nrow > 0 ? g.nrow : 1);
    flow_putf(&f, term_attr(R_TITLE), " values %zu-%zu of %zu", first, (last < g.per ? last : g.per) - 1, g.per);
    int y0 = f.y + 1;
    g.nrow = app_body_rows(a) - 1 - y0 - cost_rows(a);
    if (st == PS_FAILED || st != PS_DONE) {
        view_reason(a, y0, st == PS_FAILED ? "cannot read the values: " : "",
                    st == PS_FAILED ? err : "reading the values in C order...",
                    term_attr(st == PS_FAILED ? R_ERROR : R_DIM));
        levels_free(&ls);
        return;
    }
    /* magnitude rank of each level: its distance from the zero level */
    size_t zero = 0;
    for (size_t k = 0; k < ls.n; k++)
        if (fabs(ls.v[k]) < fabs(ls.v[zero]))
            zero = k;
    size_t far = zero > ls.n - 1 - zero ? zero : ls.n - 1 - zero;
    double terms = 0;
    size_t counted = 0;
    for (int r = 0; r < g.nrow; r++) {
        size_t off = first + (size_t)r * (size_t)g.ncell;
        if (off >= g.per)
            break;
        draw_textf(y0 + r, 0, 7, term_attr(R_DIM), "%6zu", off);
        for (int c = 0; c < g.ncell && off + (size_t)c < g.per; c++) {
            size_t i = a->decomp_chan * g.per + off + (size_t)c;
            double w = dbl ? ((const double *)vals)[i] : (double)((const float *)vals)[i];
            long k = level_of(p, norm, &ls, sh, al, w);
            int x = 8 + c * g.cellw;
            if (k < 0) {
                draw_text(y0 + r, x, g.cellw - 1, term_attr(R_DIM), isnan(w) ? "nan" : w > 0 ? "inf" : "-inf");
                continue;
            }
            pow2_terms tm;
            char b[POW2_MAX_TERMS * 16];
            pow2_level(&ls, (size_t)k, &tm);
            pow2_format(&tm, a->utf8, b, sizeof b);
            size_t dist = (size_t)labs(k - (long)zero);
            int shade = far ? (int)((dist * TERM_NSHADES - 1) / far) : 0;
            if (dist == 0)
                shade = 0;
            draw_text(y0 + r, x, g.cellw - 1, dist == 0 ? term_attr(R_DIM) : term_shade_attr(shade), b);
            terms += tm.n;
            counted++;
        }
    }
    draw_costs(a, app_body_rows(a) - 1 - cost_rows(a), &ls, terms, counted);
    levels_free(&ls);
}
