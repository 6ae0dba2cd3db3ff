/*
 * view_compare.c - the compare view (D): two tensor panels side by side
 * over one x-range (view_tensor_panel, view_main.c), and under them each
 * scheme's mse right / left (the stored grid: the original's mse on the
 * quantized side's grid) and the difference of the two tensors.
 */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/numfmt.h"
#include "model/namemap.h"
#include "quant/eval.h"
#include "quant/stored.h"
#include "ui/app.h"
#include "ui/term.h"

/* ---- compare: the difference ---------------------------------------------- */

static int same_shape(const loader_tensor *x, const loader_tensor *y)
{
    if (x->ndim != y->ndim || x->count != y->count)
        return 0;
    for (int i = 0; i < x->ndim; i++)
        if (x->shape[i] != y->shape[i])
            return 0;
    return 1;
}

static double val_at(const void *v, int dbl, uint64_t i)
{
    return dbl ? ((const double *)v)[i] : (double)((const float *)v)[i];
}

/* How the two sides of a compare line up: for the pairs of ORIGINAL
 * QUANTIZED, the layout the compare undid on the GGUF side (llama.cpp's
 * q/k row permutation, Gemma's norm + 1), so element i of the original
 * meets its own quantized value. */
typedef struct pair_layout {
    int gguf;              /* 0 none, 1: a is the GGUF side, 2: b is */
    int perm;
    uint64_t rows, cols, n_head;
    double offset;         /* subtracted from the GGUF side */
} pair_layout;

static void pair_layout_of(const app *a, size_t ia, size_t ib, const loader_tensor *t, pair_layout *L)
{
    memset(L, 0, sizeof *L);
    if (!a->pairs || a->pair_of[ia] < 0 || a->pair_of[ia] != a->pair_of[ib])
        return;
    const model_pair *p = &a->pairs->p[a->pair_of[ia]];
    if (!p->gguf_side)
        return;
    /* the file the GGUF side is (1 or 2) against the items' files */
    L->gguf = a->s.items[ia].file + 1 == p->gguf_side ? 1 : a->s.items[ib].file + 1 == p->gguf_side ? 2 : 0;
    L->cols = t->ndim > 0 ? t->shape[t->ndim - 1] : 1;
    L->rows = L->cols ? t->count / L->cols : 0;
    L->n_head = p->n_head;
    L->perm = p->perm && p->n_head > 0 && L->rows % (2 * p->n_head) == 0;
    L->offset = p->plus_one ? 1.0 : 0.0;
}

/* b - a at element i of the original's layout. */
static double pair_diff(const pair_layout *L, const void *va, int da, const void *vb, int db, uint64_t i)
{
    uint64_t ia = i, ib = i;
    if (L->gguf && L->perm) {
        uint64_t r = i / L->cols, c = i % L->cols;
        uint64_t g = namemap_unpermute_row(r, L->rows, L->n_head) * L->cols + c;
        if (L->gguf == 1)
            ia = g;
        else
            ib = g;
    }
    double x = val_at(va, da, ia), y = val_at(vb, db, ib);
    if (L->gguf == 1)
        x -= L->offset;
    else if (L->gguf == 2)
        y -= L->offset;
    return y - x;
}

/* 1 when a->diff holds the difference of items (a, b) at width W. */
static int diff_compute(app *a, size_t ia, size_t ib, int W)
{
    if (a->diff.valid && a->diff.a == ia && a->diff.b == ib && a->diff.w == W)
        return 1;
    const loader_tensor *ta = app_item_tensor(a, ia), *tb = app_item_tensor(a, ib);
    int elem = same_shape(ta, tb);
    if (elem) {
        size_t want[2] = { ia, ib };
        worker_want_raw(a->w, want, 2);
        const void *va, *vb;
        int da, db;
        if (worker_get_raw(a->w, ia, &va, &da, NULL, 0) != PS_DONE ||
            worker_get_raw(a->w, ib, &vb, &db, NULL, 0) != PS_DONE)
            return 0;
        free(a->diff.v);
        memset(&a->diff, 0, sizeof a->diff);
        a->diff.v = util_calloc((size_t)W, sizeof *a->diff.v);
        double s = 0, s2 = 0, m = 0;
        uint64_t n = 0, nz = 0;
        pair_layout L;
        pair_layout_of(a, ia, ib, ta, &L);
        for (uint64_t i = 0; i < ta->count; i++) {
            double d = pair_diff(&L, va, da, vb, db, i);
            if (!isfinite(d))
                continue;
            s += d;
            s2 += d * d;
            m = fmax(m, fabs(d));
            n++;
            nz += d != 0;
        }
        a->diff.lo = -(m > 0 ? m : 1);
        a->diff.hi = m > 0 ? m : 1;
        for (uint64_t i = 0; i < ta->count; i++) {
            double d = pair_diff(&L, va, da, vb, db, i);
            int c = isfinite(d) ? layout_col_of_x(d, a->diff.lo, a->diff.hi, W) : -1;
            if (c >= 0)
                a->diff.v[c] += 1;
        }
        a->diff.mean = n ? s / (double)n : NAN;
        a->diff.rms = n ? sqrt(s2 / (double)n) : NAN;
        a->diff.dmax = m;
        a->diff.n = n;
        a->diff.nz = nz;
    } else {
        const prep *pa = app_prep(a, ia), *pb = app_prep(a, ib);
        if (!pa || !pb || pa->st.n == 0 || pb->st.n == 0)
            return 0;
        free(a->diff.v);
        memset(&a->diff, 0, sizeof a->diff);
        a->diff.v = util_calloc((size_t)W, sizeof *a->diff.v);
        double lo = fmin(pa->st.min, pb->st.min), hi = fmax(pa->st.max, pb->st.max);
        if (!(hi > lo)) {
            lo -= 1;
            hi += 1;
        }
        a->diff.lo = lo;
        a->diff.hi = hi;
        uint64_t *ca = util_calloc((size_t)W, sizeof *ca), *cb = util_calloc((size_t)W, sizeof *cb);
        eval_histogram(pa, 0, lo, nextafter(hi, INFINITY), W, ca);
        eval_histogram(pb, 0, lo, nextafter(hi, INFINITY), W, cb);
        for (int c = 0; c < W; c++)
            a->diff.v[c] = (double)cb[c] / (double)pb->st.n - (double)ca[c] / (double)pa->st.n;
        free(ca);
        free(cb);
    }
    a->diff.valid = 1;
    a->diff.a = ia;
    a->diff.b = ib;
    a->diff.w = W;
    a->diff.elementwise = elem;
    return 1;
}

static void draw_diff(app *a, size_t ia, size_t ib, int y, int h)
{
    int M = LAYOUT_MARGIN, W = a->cols - M - 1;
    char b1[24], b2[24], b3[24];
    draw_fill(y, 0, a->cols, term_attr(R_HEADER));
    /* per-scheme mse of both, as a ratio */
    int narrow = a->cols < 100;
    int x = draw_textf(y, 0, a->cols, term_attr(R_HEADER), narrow ? " mse r/l:" : " mse right/left:");
    for (int i = 0; i < a->nschemes && x < a->cols; i++) {
        double ml = a->calc.valid && a->calc.ok && a->calc.res[i].ok ? a->calc.res[i].r.mse : NAN;
        double mr = a->calc_other.valid && a->calc_other.ok && a->calc_other.res[i].ok ? a->calc_other.res[i].r.mse
                                                                                        : NAN;
        if (stored_is(a->schemes[i])) {
            /* no ratio: the stored grid is the quantized side's; the
             * original's nearest levels on it (the pair's stored_nearest) */
            if (isfinite(ml))
                x += draw_textf(y, x, a->cols - x, term_scheme_attr(i),
                                narrow ? " stored %s" : "  stored: left on right's grid, mse %s",
                                narrow ? util_fmt_si(b1, sizeof b1, ml, 3) : layout_fmt_num(b1, sizeof b1, ml, 3, 8));
            else
                x += draw_textf(y, x, a->cols - x, term_scheme_attr(i), " stored -");
            continue;
        }
        x += draw_textf(y, x, a->cols - x, term_scheme_attr(i), " %s %s", a->schemes[i],
                        ml > 0 && !isnan(mr) ? layout_fmt_num(b1, sizeof b1, mr / ml, 3, 8) : "-") ;
        x += draw_textf(y, x, a->cols - x, term_attr(R_HEADER), "x");
    }
    if (!diff_compute(a, ia, ib, W)) {
        draw_text(y + 1, 1, a->cols - 2, term_attr(R_DIM), "difference: waiting for both tensors...");
        return;
    }
    char line[320];
    if (a->diff.elementwise) {
        /* the long form when it fits whole, else the short one */
        snprintf(line, sizeof line, " right - left, element-wise (same shape): mean %s  rms %s  max|d| %s  %llu of %llu differ",
                 layout_fmt_num(b1, sizeof b1, a->diff.mean, 4, 10), layout_fmt_num(b2, sizeof b2, a->diff.rms, 4, 10),
                 layout_fmt_num(b3, sizeof b3, a->diff.dmax, 4, 10), (unsigned long long)a->diff.nz,
                 (unsigned long long)a->diff.n);
        if ((int)strlen(line) > a->cols)
            snprintf(line, sizeof line, " element-wise r-l: mean %s rms %s max|d| %s",
                     layout_fmt_num(b1, sizeof b1, a->diff.mean, 4, 10), layout_fmt_num(b2, sizeof b2, a->diff.rms, 4, 10),
                     layout_fmt_num(b3, sizeof b3, a->diff.dmax, 4, 10));
        draw_text(y + 1, 0, a->cols, 0, line);
    }
    else
        draw_textf(y + 1, 0, a->cols, 0,
                   " shapes differ: right histogram - left histogram (share of values per column; up: more on the right)");
    int H = h - 3;
    if (H < 1)
        return;
    double mx = 0;
    for (int c = 0; c < W; c++)
        mx = fmax(mx, fabs(a->diff.v[c]));
    int by = y + 2;
    if (a->diff.elementwise) {
        for (int c = 0; c < W; c++) {
            int e = layout_bar_eighths((uint64_t)a->diff.v[c], (uint64_t)mx, H, a->logscale);
            for (int r = 0; r < H; r++) {
                const char *g = layout_bar_glyph(e, r, a->utf8);
                if (g[0] != ' ')
                    draw_text(by + H - 1 - r, M + c, 1, term_attr(R_BAR), g);
            }
        }
    } else {
        /* up half: positive, down half: negative, whole cells */
        int up = H / 2 > 0 ? H / 2 : 1, dn = H - up;
        for (int c = 0; c < W; c++) {
            if (!(mx > 0) || a->diff.v[c] == 0)
                continue;
            int k = (int)ceil(fabs(a->diff.v[c]) / mx * (a->diff.v[c] > 0 ? up : dn));
            for (int r = 0; r < k; r++)
                draw_text(a->diff.v[c] > 0 ? by + up - 1 - r : by + up + r, M + c, 1,
                          term_attr(a->diff.v[c] > 0 ? R_BAR : R_BAR_CLIP), a->utf8 ? "\u2588" : "#");
        }
    }
    layout_fmt_tick(b1, sizeof b1, a->diff.lo, fabs(a->diff.hi - a->diff.lo) / 10);
    layout_fmt_tick(b2, sizeof b2, a->diff.hi, fabs(a->diff.hi - a->diff.lo) / 10);
    draw_textf(by + H, M, W, term_attr(R_AXIS), "%s", b1);
    draw_textf(by + H, M + W - (int)strlen(b2), (int)strlen(b2), term_attr(R_AXIS), "%s", b2);
    draw_text(by + H, 0, M - 1, term_attr(R_DIM), a->diff.elementwise ? "  d=r-l" : "       w");
}

void view_compare_draw(app *a)
{
    /* two panels of the same width over one x-range: the same bins */
    int pw = (a->cols - 1) / 2;
    int h = app_body_rows(a) - 1;
    /* the difference under the two panels when there is room */
    int dh = a->other >= 0 && h >= 26 ? 7 : a->other >= 0 && h >= 18 ? 5 : 0;
    int ph = h - dh;
    app_calc(a, &a->calc, a->cur);
    const prep *pl = app_prep(a, a->cur), *pr = a->other >= 0 ? app_prep(a, (size_t)a->other) : NULL;
    if (a->other >= 0)
        app_calc(a, &a->calc_other, (size_t)a->other);
    if (pl && pr && a->calc.valid && a->calc_other.valid) {
        double l0, h0, l1, h1;
        view_panel_range(a, &a->calc, pl, &l0, &h0);
        view_panel_range(a, &a->calc_other, pr, &l1, &h1);
        a->range_fixed = 1;
        a->range_lo = fmin(l0, l1);
        a->range_hi = fmax(h0, h1);
    }
    view_tensor_panel(a, &a->calc, a->cur, 0, 0, ph, pw, 1);
    for (int y = 0; y < ph; y++)
        draw_text(y, pw, 1, term_attr(R_DIM), a->utf8 ? "\u2502" : "|");
    if (a->other < 0) {
        a->range_fixed = 0;
        draw_text(h / 2, pw + 2, a->cols - pw - 2, term_attr(R_DIM),
                  a->s.nfiles < 2 ? "compare needs a second file: apotview A.npz B.npz"
                                  : "no tensor of this name in the other file");
        return;
    }
    view_tensor_panel(a, &a->calc_other, (size_t)a->other, 0, pw + 1, ph, pw, 1);
    a->range_fixed = 0;
    if (dh)
        draw_diff(a, a->cur, (size_t)a->other, ph, dh);
}
