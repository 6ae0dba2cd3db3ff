/*
 * view_curve.c - the error-vs-alpha view: each scheme's mse over alpha in
 * (0, max(max|x|, alpha)] on a log scale, one column per alpha (eval_curve:
 * O(L log N) per point), the current alpha as a dotted vertical line and
 * each scheme's MSE-optimal alpha marked on its curve; and where each
 * clipping method of --alpha (clip.h through analyze_alpha) lands on the
 * focused scheme's curve, one letter per method with a legend.
 *
 * The stored scheme (quant/stored.h) has no alpha: its scales are the
 * file's. Measured on other values (the original of a pair) its mse is a
 * horizontal reference line across the curve, labelled with its format
 * and true bits per weight; on the file's own values (error 0 by
 * construction) the legend says so, with the bpw, and no line is drawn.
 */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/analyze.h"
#include "quant/eval.h"
#include "quant/levels.h"
#include "quant/stored.h"
#include "ui/app.h"
#include "ui/term.h"
#include "ui/view_stored.h"

/* The stored format's name: its parameters' text up to the first ':'. */
static const char *strtok_first(const char *params)
{
    static char b[48];
    size_t k = strcspn(params, ":");
    snprintf(b, sizeof b, "%.*s", (int)(k < sizeof b - 1 ? k : sizeof b - 1), params);
    return b;
}

/* The clipping methods marked on the focused scheme's curve. */
static const struct {
    char letter;
    const char *name, *short_name;
    alpha_mode mode;
    double param;
} methods[] = {
    { 'M', "mse", "mse", ALPHA_MSE, 0 },
    { 'X', "max", "max", ALPHA_MAX, 0 },
    { 'P', "percentile:99.9", "p99.9", ALPHA_PERCENTILE, 99.9 },
    { 'S', "sigma:3", "3sigma", ALPHA_SIGMA, 3 },
    { 'K', "kl", "kl", ALPHA_KL, 0 },
    { 'A', "aciq", "aciq", ALPHA_ACIQ, 0 },
};
#define NMETHODS ((int)(sizeof methods / sizeof methods[0]))

/* Each method's alpha and mse for the focused scheme (NaN when it has none). */
static void clip_points(app *a, const ui_calc *c, const prep *p, double *al, double *ms)
{
    levelset ls;
    util_err e = { { 0 } };
    for (int k = 0; k < NMETHODS; k++)
        al[k] = ms[k] = NAN;
    if (levels_build(a->schemes[a->focus], c->cfg.bits, c->cfg.is_signed, &c->cfg.lprm, &ls, &e) < 0)
        return;
    const scheme_def *d = levels_find(a->schemes[a->focus]);
    for (int k = 0; k < NMETHODS; k++) {
        analyze_cfg m = c->cfg;
        m.amode = methods[k].mode;
        m.alpha = methods[k].param;
        if (m.amode == ALPHA_MSE && c->opt_valid)
            al[k] = c->opt_alpha[a->focus];
        else if (d && (d->flags & SCHEME_DATA) && m.amode == ALPHA_MSE)
            al[k] = NAN;
        else
            al[k] = analyze_alpha(p, &ls, &m, NULL);
        if (al[k] > 0 && isfinite(al[k]))
            ms[k] = eval_mse(p, &ls, al[k], c->cfg.normalize);
        else
            al[k] = NAN;
    }
    levels_free(&ls);
}

/* The y labels (log mse) and the alpha axis with its ticks. */
static void draw_curve_axes(app *a, int y0, int M, int W, int H, double top, double ylo, double yhi, int norm)
{
    int utf8 = a->utf8;
    char b[32];
    draw_textf(y0, 0, M - 1, term_attr(R_DIM), "%8s", layout_fmt_num(b, sizeof b, yhi, 3, 8));
    draw_textf(y0 + H / 2, 0, M - 1, term_attr(R_DIM), "%8s",
               layout_fmt_num(b, sizeof b, sqrt(ylo * yhi), 3, 8));
    draw_textf(y0 + H - 1, 0, M - 1, term_attr(R_DIM), "%8s", layout_fmt_num(b, sizeof b, ylo, 3, 8));
    draw_text(y0 + 1, 0, M - 1, term_attr(R_DIM), "mse log");
    /* x axis */
    int ay = y0 + H;
    for (int i = 0; i < W; i++)
        draw_text(ay, M + i, 1, term_attr(R_AXIS), utf8 ? "\u2500" : "-");
    double ticks[64], step;
    int maxt = W / 10 < 2 ? 2 : W / 10 > 60 ? 60 : W / 10;
    int nt = layout_ticks(0, top, maxt, ticks, &step);
    int last_end = -1;
    for (int i = 0; i < nt; i++) {
        int col = layout_col_of_x(ticks[i], 0, top, W);
        if (col < 0)
            continue;
        draw_text(ay, M + col, 1, term_attr(R_AXIS), utf8 ? "\u253c" : "+");
        layout_fmt_tick(b, sizeof b, ticks[i], step);
        int lw = (int)strlen(b);
        int st = col - lw / 2 < 0 ? 0 : col - lw / 2;
        if (st + lw > W)
            st = W - lw;
        if (st <= last_end)
            continue;
        draw_text(ay + 1, M + st, lw, term_attr(R_AXIS), b);
        last_end = st + lw;
    }
    draw_text(ay + 1, 0, M - 1, term_attr(R_DIM), norm ? "alpha(x)" : "alpha");
}

/* One legend entry as a unit: on the row where it fits whole, else on the
 * next (split at its spaces only when wider than a row), so a number is
 * never cut. */
static void leg_item(ui_flow *f, int attr, const char *sep, const char *text)
{
    char b[256];
    snprintf(b, sizeof b, "%s%s", f->col > 0 ? sep : "", text);
    if (text_width(text) <= f->w)
        flow_word(f, attr, b, strlen(b));
    else
        flow_put(f, attr, b);
}

/* The stored scheme's mse on the curve's values (NaN: none, or the
 * file's own values), its result in *r when there is one. */
static double stored_mse(app *a, const analyze_result **r)
{
    *r = app_stored_result(a, a->cur, app_prep(a, a->cur));
    return *r && !(*r)->stored_self && (*r)->r.mse > 0 ? (*r)->r.mse : NAN;
}

/* The stored scheme's legend entry. */
static const char *stored_text(app *a, char *b, size_t n)
{
    const analyze_result *r;
    double m = stored_mse(a, &r);
    char mb[24];
    const char *dash = a->utf8 ? "\u254c" : "-";
    if (!r) {
        const char *why = NULL;
        const struct stored_detail *d;
        app_stored_detail(a, a->cur, app_prep(a, a->cur), -1, &d, &why);
        snprintf(b, n, "%s stored: %s", dash, why ? why : "-");
    } else if (isnan(m))
        snprintf(b, n, "%s stored %s %.4g bpw: the file's own values, error 0 (no alpha)", dash,
                 r->stored_params ? strtok_first(r->stored_params) : "", r->bpw);
    else
        snprintf(b, n, "%s stored %s %.4g bpw: mse %s on the file's own scales (no alpha)", dash,
                 r->stored_params ? strtok_first(r->stored_params) : "", r->bpw, layout_fmt_num(mb, sizeof mb, m, 4, 10));
    return b;
}

/* The legend (the schemes' optima, the current-alpha mark, the focused
 * scheme's clipping methods) flowed over rows from f->y; f->dry measures. */
static void curve_legend_flow(app *a, const ui_calc *c, ui_flow *f, const double *cal)
{
    int utf8 = a->utf8, ns = a->nschemes;
    for (int s = 0; s < ns; s++) {
        char ob[24], mb[24], it[200];
        if (stored_is(a->schemes[s])) {
            leg_item(f, term_scheme_attr(s), "   ", stored_text(a, it, sizeof it));
            continue;
        }
        snprintf(it, sizeof it, "%s %s opt %s mse %s", utf8 ? "\u2022" : "*", a->schemes[s],
                 c->opt_valid ? layout_fmt_num(ob, sizeof ob, c->opt_alpha[s], 4, 10) : "?",
                 c->opt_valid ? layout_fmt_num(mb, sizeof mb, c->opt_mse[s], 4, 10) : "?");
        leg_item(f, term_scheme_attr(s), "   ", it);
    }
    leg_item(f, term_attr(R_ALPHA), "   ", utf8 ? "\u250a current alpha" : ": current alpha");
    if (f->col > 0)
        flow_newline(f);
    char hd[160];
    if (stored_is(a->schemes[a->focus])) {
        leg_item(f, term_scheme_attr(a->focus), "", "stored: no clipping alpha (the file's own scales)");
        flow_newline(f);
        return;
    }
    snprintf(hd, sizeof hd, "%s clipping alpha:", a->schemes[a->focus]);
    leg_item(f, term_scheme_attr(a->focus), "", hd);
    for (int k = 0; k < NMETHODS; k++) {
        char ab[24], it[64];
        snprintf(it, sizeof it, "%c %s %s", methods[k].letter, methods[k].short_name,
                 isnan(cal[k]) ? "-" : layout_fmt_num(ab, sizeof ab, cal[k], 4, 8));
        leg_item(f, 0, "  ", it);
    }
    if (f->col > 0)
        flow_newline(f);
}

/* The rows the legend takes at the screen's width. */
static int curve_legend_rows(app *a, const ui_calc *c, const double *cal)
{
    ui_flow f = { 0, 1 << 20, 1, a->cols - 1, 0, 1, 0 };
    curve_legend_flow(a, c, &f, cal);
    return f.y;
}

/* The legend in rows [ly, ly + rows): all of it when it fits, else a
 * window from a->curve_leg with its last row saying how to scroll. */
static void draw_curve_legend(app *a, const ui_calc *c, int ly, int rows, int need, const double *cal)
{
    if (need <= rows) {
        a->curve_leg = 0;
        ui_flow f = { ly, ly + rows, 1, a->cols - 1, 0, 0, 0 };
        curve_legend_flow(a, c, &f, cal);
        return;
    }
    int shown = rows - 1 < 1 ? 1 : rows - 1;
    if (a->curve_leg > need - shown)
        a->curve_leg = need - shown;
    if (a->curve_leg < 0)
        a->curve_leg = 0;
    ui_flow f = { ly - a->curve_leg, ly + shown, 1, a->cols - 1, 0, 0, ly };
    curve_legend_flow(a, c, &f, cal);
    if (rows > 1)
        draw_textf(ly + shown, 1, a->cols - 1, term_attr(R_DIM), "legend rows %d-%d of %d (PgUp/PgDn)",
                   a->curve_leg + 1, a->curve_leg + shown, need);
}

int view_curve_action(app *a, ui_action act)
{
    switch (act) {
    case ACT_PAGE_DOWN: a->curve_leg += 2; return RD_VIEW;
    case ACT_PAGE_UP: a->curve_leg = a->curve_leg > 2 ? a->curve_leg - 2 : 0; return RD_VIEW;
    default: return RD_NONE;
    }
}

void view_curve_draw(app *a)
{
    app_calc(a, &a->calc, a->cur);
    ui_calc *c = &a->calc;
    const loader_tensor *t = app_item_tensor(a, a->cur);
    int utf8 = a->utf8;
    draw_fill(0, 0, a->cols, term_attr(R_HEADER));
    char en[512];
    draw_textf(0, 0, a->cols, term_attr(R_HEADER), "mse vs alpha   %s   bits %d   norm %s   (c: back)",
               app_esc(en, sizeof en, t->name), a->cfg.bits, a->cfg.normalize ? "on" : "off");
    if (a->cfg.gran != GRAN_TENSOR) {
        draw_textf(2, 2, a->cols - 4, term_attr(R_DIM),
                   "the curve is the error of one scale per tensor; at %s every group has its own alpha "
                   "(G back to tensor)", analyze_granularity_name(&a->cfg));
        return;
    }
    const prep *p = app_prep(a, a->cur);
    if (!p || !c->valid || !c->ok) {
        draw_text(2, 2, a->cols - 4, term_attr(c->valid && !c->ok ? R_ERROR : R_DIM),
                  c->valid && !c->ok ? c->msg : "waiting for the tensor to be prepared");
        return;
    }
    int M = 9;
    int W = a->cols - M - 1;
    if (W < 10)
        return;
    int norm = c->cfg.normalize;
    double amax = eval_xabsmax(p, norm);
    double fa = app_alpha(a);
    double top = fmax(amax, isnan(fa) ? 0 : fa);
    double cal[NMETHODS], cms[NMETHODS];
    clip_points(a, c, p, cal, cms);
    for (int k = 0; k < NMETHODS; k++)
        if (cal[k] > top && isfinite(cal[k]))
            top = cal[k];
    if (!(top > 0)) {
        draw_text(2, 2, a->cols - 4, term_attr(R_DIM), "all values are zero: every alpha gives mse 0");
        return;
    }
    /* the legend takes the rows it needs, the curve keeps at least 4 */
    int need = curve_legend_rows(a, c, cal);
    int room = app_body_rows(a) - 1 - 1 - 2;
    int legend_rows = room - need >= 4 ? need : room - 4;
    int H = room - legend_rows;
    if (legend_rows < 1 || H < 4)
        return;
    int ns = a->nschemes;
    double *alphas = util_mallocarray((size_t)W, sizeof *alphas);
    double *mse = util_mallocarray((size_t)W * (size_t)ns, sizeof *mse);
    for (int i = 0; i < W; i++)
        alphas[i] = top * (i + 1) / W;
    double ylo = INFINITY, yhi = 0;
    const analyze_result *sres;
    double smse = app_stored_index(a) >= 0 ? stored_mse(a, &sres) : NAN;
    if (smse > 0) {
        ylo = smse;
        yhi = smse;
    }
    for (int s = 0; s < ns; s++) {
        levelset ls;
        util_err e = { { 0 } };
        if (stored_is(a->schemes[s]) ||
            levels_build(a->schemes[s], c->cfg.bits, c->cfg.is_signed, &c->cfg.lprm, &ls, &e) < 0) {
            for (int i = 0; i < W; i++)
                mse[s * W + i] = NAN;
            continue;
        }
        eval_curve(p, &ls, norm, alphas, W, mse + (size_t)s * W);
        levels_free(&ls);
        for (int i = 0; i < W; i++) {
            double v = mse[s * W + i];
            if (v > 0 && isfinite(v)) {
                ylo = fmin(ylo, v);
                yhi = fmax(yhi, v);
            }
        }
        if (c->opt_valid && c->opt_mse[s] > 0)
            ylo = fmin(ylo, c->opt_mse[s]);
    }
    for (int k = 0; k < NMETHODS; k++)
        if (cms[k] > 0 && isfinite(cms[k])) {
            ylo = fmin(ylo, cms[k]);
            yhi = fmax(yhi, cms[k]);
        }
    if (!(yhi > 0)) {
        draw_text(2, 2, a->cols - 4, term_attr(R_DIM), "mse is 0 at every alpha");
        free(alphas);
        free(mse);
        return;
    }
    if (!(yhi > ylo))
        yhi = ylo * 10;
    ylo /= 1.2;
    yhi *= 1.2;
    int y0 = 1;
    /* current alpha */
    int fc = isnan(fa) ? -1 : layout_col_of_x(fa, 0, top, W);
    if (fc >= 0)
        for (int r = 0; r < H; r++)
            draw_text(y0 + r, M + fc, 1, term_attr(R_ALPHA), utf8 ? "\u250a" : ":");
    /* the stored grid: one mse whatever the alpha, a line across */
    int si = app_stored_index(a), srow = smse > 0 ? layout_row_of_logy(smse, ylo, yhi, H) : -1;
    if (si >= 0 && srow >= 0) {
        for (int i = 0; i < W; i++)
            draw_text(y0 + srow, M + i, 1, term_scheme_attr(si), utf8 ? "\u254c" : "-");
        char sb[48];
        snprintf(sb, sizeof sb, " stored %.4g bpw ", sres->bpw);
        draw_text(y0 + srow, M + 1, W - 1, term_scheme_attr(si) | A_REVERSE, sb);
    }
    for (int s = 0; s < ns; s++) {
        int sa = term_scheme_attr(s);
        int prev = -1;
        for (int i = 0; i < W; i++) {
            int r = layout_row_of_logy(mse[s * W + i], ylo, yhi, H);
            if (r < 0) {
                prev = -1;
                continue;
            }
            int from = r, to = r;
            if (prev >= 0) {
                from = prev < r ? prev + 1 : r;
                to = prev > r ? prev - 1 : r;
                if (from > to) {
                    from = r;
                    to = r;
                }
            }
            for (int rr = from; rr <= to; rr++)
                draw_text(y0 + rr, M + i, 1, sa, utf8 ? "\u2022" : "*");
            prev = r;
        }
        if (c->opt_valid) {
            int oc = layout_col_of_x(c->opt_alpha[s], 0, top, W);
            int orow = layout_row_of_logy(c->opt_mse[s], ylo, yhi, H);
            if (oc >= 0 && orow >= 0)
                draw_text(y0 + orow, M + oc, 1, sa | A_REVERSE, utf8 ? "\u25c6" : "O");
        }
    }
    /* the clipping methods on the focused scheme's curve */
    int crow[NMETHODS], ccol[NMETHODS], lift[NMETHODS];
    for (int k = 0; k < NMETHODS; k++)
        crow[k] = layout_row_of_logy(cms[k], ylo, yhi, H);
    layout_marks(cal, crow, NMETHODS, top, W, ccol, lift);
    for (int k = 0; k < NMETHODS; k++) {
        if (ccol[k] < 0)
            continue;
        int r = crow[k] - lift[k];
        if (r < 0)
            r = 0;
        char lb[2] = { methods[k].letter, 0 };
        draw_text(y0 + r, M + ccol[k], 1, term_attr(R_ALPHA) | A_REVERSE, lb);
    }
    draw_curve_axes(a, y0, M, W, H, top, ylo, yhi, norm);
    draw_curve_legend(a, c, y0 + H + 2, legend_rows, need, cal);
    free(alphas);
    free(mse);
}
