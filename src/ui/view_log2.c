/*
 * view_log2.c - the log2|x| axis (X, issue 12): the histogram of the
 * magnitudes on a log2 axis, where PoT's levels alpha 2^-j fall on equally
 * spaced columns (one per octave) and APoT's between them; under it a rug
 * of each scheme's level magnitudes at its alpha (the focused scheme's
 * first), and the zeros and the values below the axis counted apart.
 *
 * The axis runs from an octave below the smallest nonzero level of the
 * schemes shown (or the smallest nonzero |x|, when larger) to the largest
 * |x| and alpha. Counts are quant/errhist.h's errhist_log2_bins (rank
 * queries, exact). Labels are powers of two (2⁻⁴, or 2^-4 without UTF-8).
 */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/errhist.h"
#include "quant/eval.h"
#include "quant/pow2.h"
#include "ui/app.h"
#include "ui/term.h"

/* 2^e as a label */
static int pow_label(char *b, size_t len, int e, int utf8)
{
    pow2_terms t = { 1, 1, { e } };
    return pow2_format(&t, utf8, b, len);
}

void view_log2_draw(app *a)
{
    int rows = app_body_rows(a) - 1, cols = a->cols;
    const prep *p = app_prep(a, a->cur);
    draw_fill(0, 0, cols, term_attr(R_HEADER));
    ui_flow h = { 0, 1, 0, cols, 0, 0, 0 };
    flow_put(&h, term_attr(R_HEADER), "log2|x| axis");
    flow_put(&h, term_attr(R_DIM), "  PoT levels one octave apart (X: back, g: log counts)");
    char en[512];
    draw_textf(1, 0, cols, 0, "%s", app_esc(en, sizeof en, app_item_name(a, a->cur)));
    levelset fls;
    double fal, fsh;
    char why[UTIL_ERRLEN + 200];
    if (app_focus_levels(a, p, &fls, &fal, &fsh, why, sizeof why) < 0) {
        view_reason(a, 3, "no log2 axis: ", why, term_attr(p ? R_ERROR : R_DIM));
        return;
    }
    levels_free(&fls);
    int norm = a->cfg.normalize && eval_can_normalize(p);
    const ui_calc *c = &a->calc;
    /* range: the largest |x| or alpha, down to below the smallest level */
    double xmax = eval_xabsmax(p, norm), top = xmax, lowlev = INFINITY;
    int nr = app_rug_rows(a);
    for (int i = 0; i < a->nschemes; i++) {
        const scheme_def *d = levels_find(a->schemes[i]);
        levelset ls;
        util_err e = { { 0 } };
        if (!c->res[i].ok || (d && (d->flags & (SCHEME_MX | SCHEME_DATA))) ||
            levels_build(a->schemes[i], c->cfg.bits, c->cfg.is_signed, &c->cfg.lprm, &ls, &e) < 0)
            continue;
        double al = c->res[i].r.alpha;
        if (al > top)
            top = al;
        for (size_t k = 0; k < ls.n; k++)
            if (ls.v[k] != 0 && fabs(al * ls.v[k]) < lowlev)
                lowlev = fabs(al * ls.v[k]);
        levels_free(&ls);
    }
    double t1 = ceil(log2(top) * 4) / 4, t0 = isfinite(lowlev) ? floor(log2(lowlev)) - 1 : t1 - 8;
    if (t1 - t0 > 60)
        t0 = floor(t1 - 60);
    if (t1 - t0 < 2)
        t0 = floor(t1 - 2);
    int y0 = 3, W = cols - LAYOUT_MARGIN - 1, H = rows - y0 - 2 - nr - 2;
    if (H < 2 || W < 8)
        return;
    /* z / Z and the cursor (view_explore.c) over the log2 axis */
    double f0 = t0, f1 = t1;
    view_explore_range(a, f0, f1, &t0, &t1, W);
    int zoomed = t0 != f0 || t1 != f1;
    uint64_t *cnt = util_calloc((size_t)W, sizeof *cnt), below = 0, zeros = 0, above = 0;
    errhist_log2_bins(p, norm, t0, t1, W, cnt, &below, &zeros, &above);
    ui_rect R = { y0, LAYOUT_MARGIN, H, W };
    view_bars(a, R, cnt, NULL, NULL);
    int ccol = view_explore_col(a);
    if (ccol >= 0) {
        double e0 = t0 + (t1 - t0) * ccol / W, e1 = t0 + (t1 - t0) * (ccol + 1) / W;
        char r0[24], r1[24], r2[24], r3[24], r4[24];
        draw_fill(1, 0, cols, 0);
        draw_textf(1, 0, cols, term_attr(R_TITLE), "log2|x| in [%s, %s): |x| in [%s, %s): %llu value%s (%s%%)",
                   layout_fmt_num(r0, sizeof r0, e0, 4, 10), layout_fmt_num(r1, sizeof r1, e1, 4, 10),
                   layout_fmt_num(r2, sizeof r2, exp2(e0), 4, 10), layout_fmt_num(r3, sizeof r3, exp2(e1), 4, 10),
                   (unsigned long long)cnt[ccol], UI_PL(cnt[ccol]),
                   layout_fmt_num(r4, sizeof r4, p->st.n ? 100.0 * (double)cnt[ccol] / (double)p->st.n : 0, 3, 8));
    }
    free(cnt);
    /* axis: an octave tick at every integer, labelled where they fit */
    int ay = y0 + H;
    for (int x = 0; x < W; x++)
        draw_text(ay, LAYOUT_MARGIN + x, 1, term_attr(R_AXIS), a->utf8 ? "\u2500" : "-");
    int last = -1, lstep = 1;
    double colw = (t1 - t0) / W; /* octaves per column */
    while (lstep / colw < 7 && lstep < 64)
        lstep *= 2;
    for (int e = (int)ceil(t0); e <= (int)floor(t1); e++) {
        int col = layout_col_of_x(e, t0, t1, W);
        if (col < 0)
            continue;
        draw_text(ay, LAYOUT_MARGIN + col, 1, term_attr(R_AXIS), a->utf8 ? "\u253c" : "+");
        if (e % lstep)
            continue;
        char b[32];
        int lw = pow_label(b, sizeof b, e, a->utf8), st = col - lw / 2;
        st = st < 0 ? 0 : st + lw > W ? W - lw : st;
        if (st <= last)
            continue;
        draw_text(ay + 1, LAYOUT_MARGIN + st, lw, term_attr(R_AXIS), b);
        last = st + lw;
    }
    draw_text(ay + 1, 0, LAYOUT_MARGIN - 1, term_attr(R_DIM), norm ? "   |x|" : "   |w|");
    if (ccol >= 0) /* the cursor: a mark on the axis under its column */
        draw_text(ay, LAYOUT_MARGIN + ccol, 1, term_attr(R_TITLE) | (int)A_REVERSE, a->utf8 ? "\u25b2" : "^");
    /* rugs: each scheme's level magnitudes at its alpha */
    int first = a->rug_first;
    for (int r = 0; r < nr && first + r < a->nschemes; r++) {
        int i = first + r, y = ay + 2 + r;
        const scheme_def *d = levels_find(a->schemes[i]);
        levelset ls;
        util_err e = { { 0 } };
        if (!c->res[i].ok || (d && (d->flags & (SCHEME_MX | SCHEME_DATA))) ||
            levels_build(a->schemes[i], c->cfg.bits, c->cfg.is_signed, &c->cfg.lprm, &ls, &e) < 0) {
            draw_text(y, LAYOUT_MARGIN, W, term_attr(R_DIM), "- (no one level set for the tensor)");
            view_rug_name(a, y, 0, i, 0);
            continue;
        }
        double al = c->res[i].r.alpha;
        int fm = W;
        for (size_t k = 0; k < ls.n; k++) {
            if (ls.v[k] <= 0 && !(ls.v[k] < 0 && !ls.is_signed))
                continue; /* the positive half: magnitudes once */
            int col = layout_col_of_x(log2(al * ls.v[k]), t0, t1, W);
            if (col >= 0)
                draw_text(y, LAYOUT_MARGIN + col, 1, term_scheme_attr(i), a->utf8 ? "\u2502" : "|");
            if (col >= 0 && col < fm)
                fm = col;
        }
        view_rug_name(a, y, 0, i, fm);
        levels_free(&ls);
    }
    char b0[24];
    ui_flow l = { ay + 2 + nr, rows, 0, cols, 0, 0, 0 };
    flow_putf(&l, term_attr(R_DIM), "not on the axis: %llu zero%s, %llu below ", (unsigned long long)zeros, UI_PL(zeros),
              (unsigned long long)below);
    if (zoomed) /* the zoom's ends are not octaves */
        flow_putf(&l, term_attr(R_DIM), "2^%s,", layout_fmt_num(b0, sizeof b0, t0, 4, 10));
    else {
        pow_label(b0, sizeof b0, (int)t0, a->utf8); /* t0 is an integer */
        flow_putf(&l, term_attr(R_DIM), "%s,", b0);
    }
    flow_putf(&l, term_attr(R_DIM), " %llu above", (unsigned long long)above);
}
