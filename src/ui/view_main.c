/*
 * view_main.c - the main view (header, histogram with eighth blocks, axis,
 * level rugs with legend and +-alpha, results panel) and the tensor panel
 * the compare view (view_compare.c) draws twice, plus small drawing
 * helpers.
 *
 * A tensor panel is drawn from a ui_calc (the numbers) and the prepared
 * tensor (the histogram, O(columns log N) through eval_histogram); the
 * geometry comes from layout.c.
 */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "core/numfmt.h"
#include "model/metric.h"
#include "model/namemap.h"
#include "quant/eval.h"
#include "quant/levels.h"
#include "ui/app.h"
#include "ui/view_stored.h"
#include "quant/stored.h"
#include "ui/term.h"

static const char *num(char *b, size_t n, double v)
{
    return layout_fmt_num(b, n, v, 4, 10);
}

/* ---- header ------------------------------------------------------------ */

/* Few distinct values (already-quantized data, an int16 or bf16 tensor
 * on a coarse grid): their number, and whether the histogram's columns
 * give each its own bar (the comb's gaps are then the grid's) or some
 * column holds several. */
static int distinct_note(app *a, const prep *p, char *piece, size_t plen)
{
    static double v[UI_DISTINCT_MAX + 1];
    uint64_t nd = app_distinct(p, UI_DISTINCT_MAX, v, UI_DISTINCT_MAX + 1);
    if (nd == 0 || nd > UI_DISTINCT_MAX || nd * 2 > p->st.n)
        return 0;
    size_t sizeof_piece = plen;
    int len = snprintf(piece, plen, "  %llu distinct", (unsigned long long)nd);
    if (a->plot_w > 0 && a->plot_hi > a->plot_lo && a->explore_item == a->cur) {
        /* distinct values per column, over the columns from the first
         * value's to the last's */
        int first = -1, last = -1, run = 0, lo = -1, hi = 0, prev = -1;
        for (uint64_t i = 0; i <= nd; i++) {
            int col = i < nd ? layout_col_of_x(eval_x_of_w(p, a->cfg.normalize, v[i]), a->plot_lo, a->plot_hi, a->plot_w)
                             : -1;
            if (i < nd && col < 0)
                continue;
            if (col == prev) {
                run++;
                continue;
            }
            if (prev >= 0) { /* the run of column prev ends; the empty columns between count 0 */
                hi = run > hi ? run : hi;
                lo = lo < 0 || run < lo ? run : lo;
                if (col > prev + 1)
                    lo = 0;
                last = prev;
            }
            if (first < 0)
                first = col;
            prev = col;
            run = 1;
        }
        (void)last;
        if (hi <= 1)
            len += snprintf(piece + len, sizeof_piece - (size_t)len, " (a bar each)");
        else if (lo == hi)
            len += snprintf(piece + len, sizeof_piece - (size_t)len, " (%d a column)", hi);
        else
            len += snprintf(piece + len, sizeof_piece - (size_t)len,
                            " (%d-%d a column: uneven bars)", lo, hi);
    }
    return len;
}

static void draw_header(app *a, ui_calc *c, size_t item, int y, int x, int w, int compact)
{
    const loader_tensor *t = app_item_tensor(a, item);
    char shape[256];
    session_shape_str(t, shape, sizeof shape);
    char cnt[32];
    if (t->count < 100000)
        snprintf(cnt, sizeof cnt, "%llu", (unsigned long long)t->count);
    else
        util_fmt_si(cnt, sizeof cnt, (double)t->count, 3);
    const char *file = app_item_file(a, item);
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    draw_fill(y, x, w, term_attr(R_HEADER));
    char eb[256], en[512];
    app_esc(eb, sizeof eb, base);
    app_esc(en, sizeof en, t->name);
    if (compact) {
        /* a half-width panel: a long name keeps its distinguishing end
         * (...mlp.down_proj.weight) rather than vanish; the shape goes first */
        const char *dots = a->utf8 ? "\u2026" : "..";
        int dw = a->utf8 ? 1 : 2, avail = w - (int)strlen(eb) - 2 - (int)strlen(shape) - 1;
        if ((int)strlen(en) > avail) {
            shape[0] = '\0';
            avail = w - (int)strlen(eb) - 2;
        }
        if ((int)strlen(en) > avail) {
            /* from a '.' on, so that no part of the name is cut */
            const char *cut = avail > dw + 4 ? strchr(en + strlen(en) - (size_t)(avail - dw), '.') : NULL;
            char tail[512];
            snprintf(tail, sizeof tail, "%s%s", cut ? dots : "", cut ? cut : "");
            snprintf(en, sizeof en, "%s", tail);
        }
        draw_textf(y, x, w, term_attr(R_HEADER), "%s: %s %s", eb, en, shape);
    }
    else
        draw_textf(y, x, w, term_attr(R_HEADER), "%s  %s [%zu/%zu]  %s %s  %s values", eb,
                   en, item + 1, a->s.nitems, loader_dtype_name(t), shape, cnt);
    const prep *p = app_prep(a, item);
    double frac;
    char err[UTIL_ERRLEN];
    prep_state ps = worker_get(a->w, item, NULL, &frac, err, sizeof err, NULL);
    if (!p) {
        if (ps == PS_FAILED)
            draw_textf(y + 1, x, w, term_attr(R_ERROR), "cannot show this tensor: %s", err);
        else
            draw_textf(y + 1, x, w, term_attr(R_DIM), "preparing (read, sort, prefix sums) %3.0f%%  numbers follow when ready",
                       frac * 100);
        return;
    }
    char b[6][24];
    const prep_stats *st = &p->st;
    int n = 0;
    if (st->n == 0) {
        draw_textf(y + 1, x, w, term_attr(R_DIM), "no finite values (%llu non-finite)",
                   (unsigned long long)st->nonfinite);
        return;
    }
    /* each statistic whole or not at all: a narrow screen drops the last
     * ones instead of cutting a number */
    ui_flow fl = { y + 1, y + 2, x, w, 0, 0, 0 };
    const char *lab[6] = { "mean", "std", "min", "max", "|w|max", compact ? "kurt" : "kurtosis" };
    const double val[6] = { st->mean, st->std, st->min, st->max, st->absmax, st->kurtosis };
    char pieces[6][64], note[128];
    int pw[6], tot = 0, nshow = 6;
    for (int i = 0; i < 6; i++) {
        pw[i] = compact && (i == 2 || i == 3) ? 0
              : snprintf(pieces[i], sizeof pieces[i], "%s%s %s", i ? (compact ? " " : "  ") : "", lab[i],
                         num(b[i], 24, val[i]));
        tot += pw[i];
    }
    /* a few distinct values: the note wins over kurtosis and |w|max */
    int nw = compact ? 0 : distinct_note(a, p, note, sizeof note);
    while (nw && tot + nw > w && nshow > 4)
        tot -= pw[--nshow];
    if (nw && tot + nw > w && strstr(note, " (")) /* then without how they fall in the columns */
        nw = (int)(strstr(note, " (") - note);
    for (int i = 0; i < nshow; i++)
        if (pw[i])
            flow_word(&fl, 0, pieces[i], (size_t)pw[i]);
    if (nw)
        flow_word(&fl, term_attr(R_TITLE), note, (size_t)nw);
    n = fl.col;
    if (st->nonfinite)
        draw_textf(y + 1, x + n, w - n, term_attr(R_ERROR), "  nonfinite %llu (left out)",
                   (unsigned long long)st->nonfinite);
    (void)c;
}

void view_header(app *a, ui_calc *c, size_t item, int y, int x, int w)
{
    draw_header(a, c, item, y, x, w, 0);
}

/* ---- histogram, axis, rugs --------------------------------------------- */

static double scheme_alpha(const ui_calc *c, int i)
{
    return c->valid && c->ok && c->res[i].ok ? c->res[i].r.alpha : NAN;
}

/* The x-range a panel shows for c's numbers on p: [min, max] of x and
 * every scheme's +-alpha (layout_range). */
void view_panel_range(const app *a, const ui_calc *c, const prep *p, double *lo, double *hi)
{
    int norm = c->cfg.normalize && eval_can_normalize(p);
    double xmin = eval_x_of_w(p, norm, p->st.min);
    double xmax = eval_x_of_w(p, norm, p->st.max);
    if (p->st.n == 0)
        xmin = xmax = 0;
    double amax = 0;
    for (int i = 0; i < a->nschemes; i++) {
        double al = scheme_alpha(c, i);
        if (al > amax)
            amax = al;
    }
    layout_range(xmin, xmax, amax, c->cfg.is_signed, lo, hi);
}

static void draw_rug(app *a, ui_calc *c, const prep *p, int i, int y, int x0, int W, double lo, double hi, int norm,
                     int *rc);

static void draw_plot(app *a, ui_calc *c, const prep *p, ui_rect hist, ui_rect axis, ui_rect rugs)
{
    int W = hist.w, H = hist.h;
    if (W <= 0 || H <= 0)
        return;
    int norm = c->cfg.normalize && eval_can_normalize(p);
    double lo, hi;
    view_panel_range(a, c, p, &lo, &hi);
    if (a->range_fixed) { /* the compare view: one axis for both sides */
        lo = a->range_lo;
        hi = a->range_hi;
    }
    int main_panel = c == &a->calc && a->view == VIEW_MAIN;
    if (main_panel) /* the zoom (view_explore.c) */
        view_explore_range(a, lo, hi, &lo, &hi, W);
    int ccol = main_panel ? view_explore_col(a) : -1;
    uint64_t *cnt = util_calloc((size_t)W, sizeof *cnt);
    if (p->st.n > 0)
        eval_histogram(p, norm, lo, nextafter(hi, INFINITY), W, cnt);
    uint64_t mx = 0;
    for (int i = 0; i < W; i++)
        if (cnt[i] > mx)
            mx = cnt[i];
    double fa = scheme_alpha(c, a->focus);
    int ca_lo = -1, ca_hi = -1;
    if (fa > 0) {
        ca_lo = c->cfg.is_signed ? layout_col_of_x(-fa, lo, hi, W) : layout_col_of_x(0, lo, hi, W);
        ca_hi = layout_col_of_x(fa, lo, hi, W);
    }
    int utf8 = a->utf8;
    for (int col = 0; col < W; col++) {
        int e = layout_bar_eighths(cnt[col], mx, H, a->logscale);
        double xc = layout_x_of_col(col, lo, hi, W);
        int clipped = fa > 0 && (c->cfg.is_signed ? fabs(xc) > fa : (xc > fa || xc < 0));
        int attr = term_attr(clipped ? R_BAR_CLIP : R_BAR);
        for (int r = 0; r < H; r++) {
            const char *g = layout_bar_glyph(e, r, utf8);
            int y = hist.y + H - 1 - r;
            if (col == ccol) {
                draw_text(y, hist.x + col, 1, g[0] == ' ' ? term_attr(R_TITLE) : attr | (int)A_REVERSE,
                          g[0] == ' ' ? (utf8 ? "\u2502" : "|") : g);
                continue;
            }
            if (g[0] == ' ' && (col == ca_lo || col == ca_hi)) {
                draw_text(y, hist.x + col, 1, term_attr(R_ALPHA), utf8 ? "\u250a" : ":");
                continue;
            }
            if (g[0] != ' ')
                draw_text(y, hist.x + col, 1, attr, g);
        }
    }
    /* y labels */
    char b[32];
    int mx0 = hist.x - LAYOUT_MARGIN;
    draw_textf(hist.y, mx0, LAYOUT_MARGIN - 1, term_attr(R_DIM), "%8s", util_fmt_si(b, sizeof b, (double)mx, 3));
    draw_text(hist.y + 1 < hist.y + H - 1 ? hist.y + 1 : hist.y, mx0, LAYOUT_MARGIN - 1, term_attr(R_DIM),
              a->logscale ? "     log" : "     lin");
    draw_text(hist.y + H - 1, mx0, LAYOUT_MARGIN - 1, term_attr(R_DIM), "       0");
    if (a->logscale)
        view_count_decades(mx, hist.y, H, mx0);
    free(cnt);

    /* axis: line with tick marks, then labels */
    double ticks[64], step;
    int maxt = W / 10;
    if (maxt < 2)
        maxt = 2;
    if (maxt > 60)
        maxt = 60;
    int nt = layout_ticks(lo, hi, maxt, ticks, &step);
    for (int col = 0; col < W; col++)
        draw_text(axis.y, axis.x + col, 1, term_attr(R_AXIS), utf8 ? "\u2500" : "-");
    int last_end = -1;
    for (int i = 0; i < nt; i++) {
        int col = layout_col_of_x(ticks[i], lo, hi, W);
        if (col < 0)
            continue;
        draw_text(axis.y, axis.x + col, 1, term_attr(R_AXIS), utf8 ? "\u253c" : "+");
        layout_fmt_tick(b, sizeof b, ticks[i], step);
        int lw = (int)strlen(b);
        int start = col - lw / 2;
        if (start < 0)
            start = 0;
        if (start + lw > W)
            start = W - lw;
        if (start <= last_end)
            continue;
        draw_text(axis.y + 1, axis.x + start, lw, term_attr(R_AXIS), b);
        last_end = start + lw;
    }
    draw_text(axis.y + 1, mx0, LAYOUT_MARGIN - 1, term_attr(R_DIM), norm ? "  x=norm" : "       w");
    if (ca_hi >= 0)
        draw_text(axis.y, axis.x + ca_hi, 1, term_attr(R_ALPHA), utf8 ? "\u25b2" : "^");
    if (ca_lo >= 0 && c->cfg.is_signed)
        draw_text(axis.y, axis.x + ca_lo, 1, term_attr(R_ALPHA), utf8 ? "\u25b2" : "^");

    /* rugs: one row per scheme, legend in the margin */
    int *rc = util_calloc((size_t)W, sizeof *rc);
    int first = rugs.h < a->nschemes ? a->rug_first : 0;
    for (int i = first; i < a->nschemes && i - first < rugs.h; i++) {
        int y = rugs.y + i - first;
        memset(rc, 0, (size_t)W * sizeof *rc);
        draw_rug(a, c, p, i, y, rugs.x, W, lo, hi, norm, rc);
        /* the name in the margin, and on into the rug's empty columns
         * before its first mark when it is longer (int-asym, lloyd-max):
         * whole unless the marks begin at the margin (zoomed in) */
        int fc = 0;
        while (fc < W && !rc[fc])
            fc++;
        view_rug_name(a, y, mx0, i, fc);
    }
    free(rc);
}

void view_rug_name(app *a, int y, int x, int i, int first_mark)
{
    int room = LAYOUT_MARGIN - 2 + (first_mark > 1 ? first_mark - 1 : 0);
    draw_textf(y, x, room + 1, term_scheme_attr(i) | (i == a->focus ? (int)A_REVERSE : 0), "%c%-7.*s",
               i == a->focus ? '>' : ' ', room, a->schemes[i]);
}

/* One scheme's rug on row y: its levels' columns marked (rc[col] the
 * count of levels in the column, left for the caller). */
static void draw_rug(app *a, ui_calc *c, const prep *p, int i, int y, int x0, int W, double lo, double hi, int norm,
                     int *rc)
{
    int utf8 = a->utf8, sa = term_scheme_attr(i);
    char b[8];
    {
        double al = scheme_alpha(c, i);
        levelset ls;
        util_err e = { { 0 } };
        if (stored_is(a->schemes[i])) {
            /* the file's own levels, group by group (view_stored.c) */
            const double *sx;
            size_t sn = app_stored_rug(a, c->item, p, &sx);
            if (sn)
                layout_rug(sx, sn, lo, hi, W, rc);
            for (int col = 0; sn && col < W; col++)
                if (rc[col])
                    draw_text(y, x0 + col, 1, sa, layout_rug_glyph(rc[col], utf8, b, sizeof b));
            return;
        }
        if (!(al > 0) || levels_build(a->schemes[i], c->cfg.bits, c->cfg.is_signed, &c->cfg.lprm, &ls, &e) < 0)
            return;
        double *xs = util_mallocarray(ls.n, sizeof *xs);
        double sh = eval_shift(p, &ls, al, norm);
        for (size_t k = 0; k < ls.n; k++)
            xs[k] = sh + al * ls.v[k];
        layout_rug(xs, ls.n, lo, hi, W, rc);
        for (int col = 0; col < W; col++) {
            if (!rc[col])
                continue;
            const char *g = layout_rug_glyph(rc[col], utf8, b, sizeof b);
            if (rc[col] == 1 && col == layout_col_of_x(xs[ls.n - 1], lo, hi, W))
                g = "]";
            else if (rc[col] == 1 && ls.n > 1 && xs[0] < 0 && col == layout_col_of_x(xs[0], lo, hi, W))
                g = "[";
            draw_text(y, x0 + col, 1, sa, g);
        }
        free(xs);
        levels_free(&ls);
    }
}

/* ---- results panel ------------------------------------------------------ */

enum { ROW_ALPHA, ROW_MSE, ROW_SQNR, ROW_CLIP, ROW_ENT, ROW_LEVELS, ROW_ADDS, ROW_REL, ROW_OPTA, ROW_OPTM, NROWS };

/* Each row's metric: which way is better (the highlight) is the metric
 * table's, the report's stars (model/metric.h), so the two cannot drift. */
static const struct {
    const char *label;
    metric_id m;
} rowdef[NROWS] = {
    { "alpha", M_ALPHA },        { "mse", M_MSE },          { "sqnr dB", M_SQNR },   { "clipped", M_CLIP },
    { "entropy bits", M_ENT },   { "levels used", M_USED }, { "adds/MAC", M_ADDS },  { "vs uniform", M_REL },
    { "opt alpha", M_OPT_ALPHA }, { "opt mse", M_OPT_MSE },
};

static double row_value(const ui_calc *c, int i, int row)
{
    const analyze_result *r = &c->res[i];
    if (!r->ok)
        return NAN;
    switch (row) {
    case ROW_ALPHA: return r->r.alpha;
    case ROW_MSE: return r->r.mse;
    case ROW_SQNR: return r->r.sqnr_db;
    case ROW_CLIP: return r->r.clipped;
    case ROW_ENT: return r->r.entropy_bits;
    case ROW_LEVELS: return r->r.levels_total ? (double)r->r.levels_used / (double)r->r.levels_total : NAN;
    case ROW_ADDS: return r->r.adds_mean;
    case ROW_REL: return r->relative_to_uniform;
    case ROW_OPTA: return c->opt_valid ? c->opt_alpha[i] : NAN;
    case ROW_OPTM: return c->opt_valid ? c->opt_mse[i] : NAN;
    }
    return NAN;
}

/* The cell in at most width columns: a number that does not fit is
 * written shorter (numfmt_fit), never cut. */
static void row_text_w(const ui_calc *c, int i, int row, char *b, size_t n, int width)
{
    const analyze_result *r = &c->res[i];
    double v = row_value(c, i, row);
    if (!r->ok) {
        snprintf(b, n, "-");
        return;
    }
    if (isnan(v) && row != ROW_OPTA && row != ROW_OPTM) {
        snprintf(b, n, "n/a");   /* e.g. no add/shift cost for non-dyadic levels */
        return;
    }
    if (isnan(v)) {
        /* an optimum not computed yet, or none (block formats, groups) */
        snprintf(b, n, "%s", c->opt_valid ? "-" : "...");
        return;
    }
    switch (row) {
    case ROW_SQNR:
        if (isinf(v))
            snprintf(b, n, "%s", v > 0 ? "inf" : "-inf");
        else
            snprintf(b, n, "%.2f", v);
        break;
    case ROW_CLIP: snprintf(b, n, "%.3g%%", v * 100); break;
    case ROW_ENT: snprintf(b, n, "%.3f", v); break;
    case ROW_LEVELS:
        snprintf(b, n, "%llu/%llu", (unsigned long long)r->r.levels_used,
                 (unsigned long long)r->r.levels_total);
        break;
    case ROW_ADDS:
    case ROW_REL: snprintf(b, n, "%.3f", v); break;
    default: layout_fmt_num(b, n, v, 4, 11); break;
    }
    if (text_width(b) > width && isfinite(v) && row != ROW_LEVELS)
        numfmt_fit(b, n, row == ROW_CLIP ? v * 100 : v, row == ROW_CLIP ? width - 1 : width, 4,
                   row == ROW_SQNR ? NUMFMT_PLAIN | NUMFMT_EXP : NUMFMT_ANY);
    if (row == ROW_CLIP && b[0] != '#' && !strchr(b, '%') && (int)strlen(b) + 1 <= width && strlen(b) + 2 <= n)
        strcat(b, "%");
}

/* Many schemes: one row per scheme, ranked by mse, with the gap to the
 * Lloyd-Max optimum ("..." until it is computed, after the redraw) and
 * the bits per weight. */
static void draw_ranked(app *a, ui_calc *c, ui_rect R, int compact)
{
    static const struct {
        const char *h;
        int w;
    } col[] = { { "#", 3 }, { "scheme", 11 }, { "alpha", 10 }, { "mse", 11 }, { "gap dB", 8 }, { "bpw", 7 },
                { "sqnr dB", 9 }, { "clipped", 9 }, { "adds/MAC", 9 }, { "opt mse", 11 } };
    int ncol = (int)(sizeof col / sizeof col[0]);
    int x = R.x;
    for (int k = 0; k < ncol; k++) {
        if (x + col[k].w > R.x + R.w)
            break;
        draw_textf(R.y, x, col[k].w, term_attr(R_DIM), k == 1 ? "%-*s" : "%*s", col[k].w - 1, col[k].h);
        x += col[k].w;
    }
    if (x + 20 < R.x + R.w && !compact)
        draw_textf(R.y, x + 1, R.x + R.w - x - 1, term_attr(R_DIM), "%s, ranked by mse",
                   c->cfg.amode == ALPHA_MSE ? "each at its optimal alpha" : c->cfg.normalize ? "x normalized" : "x = w");
    if (!c->valid || !c->ok) {
        if (R.h > 1)
            draw_textf(R.y + 1, R.x, R.w, term_attr(c->valid ? R_ERROR : R_DIM), "%s",
                       c->valid ? c->msg : "numbers follow when the tensor is prepared");
        return;
    }
    int ns = a->nschemes, order[UI_MAX_SCHEMES];
    double key[UI_MAX_SCHEMES];
    for (int i = 0; i < ns; i++) {
        order[i] = i;
        key[i] = c->res[i].ok ? c->res[i].r.mse : INFINITY;
    }
    for (int i = 1; i < ns; i++) /* insertion sort, stable */
        for (int j = i; j > 0 && key[order[j]] < key[order[j - 1]]; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    int rows = R.h - 1, fpos = 0;
    for (int k = 0; k < ns; k++)
        if (order[k] == a->focus)
            fpos = k;
    for (int k = 0; k < ns && k < rows; k++) {
        int rank = k;
        if (k == rows - 1 && fpos >= rows)
            rank = fpos; /* keep the focused scheme on screen */
        int i = order[rank];
        const analyze_result *r = &c->res[i];
        int y = R.y + 1 + k;
        char v[10][32];
        snprintf(v[0], 32, "%d", rank + 1);
        snprintf(v[1], 32, "%s", a->schemes[i]);
        if (!r->ok) {
            x = R.x;
            draw_textf(y, x, 3, 0, "%2s", v[0]);
            draw_textf(y, x + 3, 11, term_scheme_attr(i) | (i == a->focus ? (int)A_REVERSE : 0), "%-10.10s", v[1]);
            draw_textf(y, x + 14, R.w - 14, term_attr(R_DIM), "- %s", r->err);
            continue;
        }
        layout_fmt_num(v[2], 32, r->r.alpha, 4, 9);
        layout_fmt_num(v[3], 32, r->r.mse, 4, 10);
        if (isnan(r->gap_to_optimal_db))
            snprintf(v[4], 32, "%s", a->utf8 ? "\u2026" : "...");
        else
            snprintf(v[4], 32, "%.2f", fabs(r->gap_to_optimal_db) < 0.005 ? 0.0 : r->gap_to_optimal_db);
        snprintf(v[5], 32, "%.3f", r->bpw);
        snprintf(v[6], 32, isinf(r->r.sqnr_db) ? "inf" : "%.2f", r->r.sqnr_db);
        snprintf(v[7], 32, "%.3g%%", r->r.clipped * 100);
        if (text_width(v[7]) > col[7].w - 1) { /* 0.000763%: a shorter number, never a cut one */
            numfmt_fit(v[7], 32, r->r.clipped * 100, col[7].w - 2, 3, NUMFMT_PLAIN | NUMFMT_EXP);
            if (v[7][0] != '#')
                strcat(v[7], "%");
        }
        if (isnan(r->r.adds_mean))
            snprintf(v[8], 32, "n/a");
        else
            snprintf(v[8], 32, "%.3f", r->r.adds_mean);
        if (c->opt_valid)
            layout_fmt_num(v[9], 32, c->opt_mse[i], 4, 10);
        else
            snprintf(v[9], 32, "%s", a->utf8 ? "\u2026" : "...");
        x = R.x;
        for (int kk = 0; kk < ncol; kk++) {
            if (x + col[kk].w > R.x + R.w)
                break;
            int at = kk == 1 ? term_scheme_attr(i) | (i == a->focus ? (int)A_REVERSE : 0)
                             : kk == 3 && rank == 0 ? term_attr(R_BEST) : 0;
            draw_textf(y, x, col[kk].w - 1, at, kk == 1 ? "%-*.*s" : "%*.*s", col[kk].w - 1, col[kk].w - 1, v[kk]);
            x += col[kk].w;
        }
    }
}

static void draw_results(app *a, ui_calc *c, ui_rect R, int compact)
{
    if (R.h <= 0)
        return;
    if (app_ranked(a)) {
        draw_ranked(a, c, R, compact);
        return;
    }
    int ns = a->nschemes;
    int lw = compact ? 9 : 13;
    int cw = (R.w - lw) / (ns ? ns : 1);
    if (cw > 14)
        cw = 14;
    if (cw < 6)
        cw = 6;
    /* the columns that fit: when not all, the focused scheme and the
     * stored grid first, the others in order, shown in scheme order */
    int vis[UI_MAX_SCHEMES], nv = 0, fit = (R.w - lw + 1) / cw;
    if (fit < ns) {
        unsigned char pick[UI_MAX_SCHEMES] = { 0 };
        int want = fit < 1 ? 1 : fit, np = 0;
        pick[a->focus] = 1, np++;
        for (int i = 0; i < ns && np < want; i++)
            if (!pick[i] && stored_is(a->schemes[i]))
                pick[i] = 1, np++;
        for (int i = 0; i < ns && np < want; i++)
            if (!pick[i])
                pick[i] = 1, np++;
        for (int i = 0; i < ns; i++)
            if (pick[i])
                vis[nv++] = i;
    } else
        for (int i = 0; i < ns; i++)
            vis[nv++] = i;
    const char *amode = c->cfg.amode == ALPHA_MSE ? "opt" : c->cfg.amode == ALPHA_MAX ? "max" : "set";
    draw_textf(R.y, R.x, lw, term_attr(R_DIM), "%s", compact ? "" : c->cfg.normalize ? "x normalized" : "x = w");
    for (int v = 0; v < nv; v++) {
        int i = vis[v];
        draw_textf(R.y, R.x + lw + v * cw, cw - 1, term_scheme_attr(i) | (i == a->focus ? A_REVERSE : 0),
                   "%*s", cw - 1, a->schemes[i]);
    }
    if (!c->valid || !c->ok) {
        if (c->valid && !c->ok && R.h > 1)
            draw_textf(R.y + 1, R.x, R.w, term_attr(R_ERROR), "%s", c->msg);
        else if (R.h > 1)
            draw_text(R.y + 1, R.x, R.w, term_attr(R_DIM), "numbers follow when the tensor is prepared");
        return;
    }
    static const int compact_rows[] = { ROW_ALPHA, ROW_MSE, ROW_SQNR, ROW_CLIP, ROW_OPTA, ROW_OPTM };
    int nrows = compact ? (int)(sizeof compact_rows / sizeof compact_rows[0]) : NROWS;
    for (int k = 0; k < nrows && k + 1 < R.h; k++) {
        int row = compact ? compact_rows[k] : k;
        int y = R.y + 1 + k;
        const char *lab = rowdef[row].label;
        if (row == ROW_ALPHA && !compact)
            draw_textf(y, R.x, lw, 0, "alpha (%s)", amode);
        else
            draw_text(y, R.x, lw, 0, lab);
        double vals[UI_MAX_SCHEMES];
        for (int i = 0; i < ns; i++)
            vals[i] = row_value(c, i, row);
        int better = metric_table[rowdef[row].m].better;
        int best = better ? layout_best(vals, ns, better < 0) : -1;
        for (int v = 0; v < nv; v++) {
            int i = vis[v];
            char b[48];
            row_text_w(c, i, row, b, sizeof b, cw - 1);
            if (!c->res[i].ok) {
                /* the reason, wrapped down the scheme's column where its
                 * numbers would be */
                int st[16], ln[16], nl = layout_wrap(c->res[i].err, cw - 1, st, ln, 16);
                if (k < nl)
                    draw_textf(y, R.x + lw + v * cw, cw - 1, term_attr(R_ERROR), "%.*s", ln[k], c->res[i].err + st[k]);
                else if (k == 0)
                    draw_textf(y, R.x + lw + v * cw, cw - 1, term_attr(R_ERROR), "%*s", cw - 1, "-");
                continue;
            }
            draw_textf(y, R.x + lw + v * cw, cw - 1, i == best ? term_attr(R_BEST) : 0, "%*s", cw - 1, b);
        }
    }
}

/* ---- panels -------------------------------------------------------------- */

static void draw_panel_rects(app *a, ui_calc *c, size_t item, ui_rect head, ui_rect hist, ui_rect axis,
                             ui_rect rugs, ui_rect res, int compact)
{
    const prep *p = app_prep(a, item);
    int plotted = p && !(c->valid && !c->ok && p->st.n == 0);
    /* the plot first: the header's distinct-values note reads its columns */
    if (plotted)
        draw_plot(a, c, p, hist, axis, rugs);
    draw_header(a, c, item, head.y, head.x, head.w, compact);
    if (!compact && c == &a->calc)
        view_explore_readout(a, c, p, head.y + 1, head.x, head.w);
    if (p && !plotted)
        draw_textf(hist.y + hist.h / 2, hist.x, hist.w, term_attr(R_DIM), "%s", c->msg);
    draw_results(a, c, res, compact);
}

void view_tensor_panel(app *a, ui_calc *c, size_t item, int y, int x, int h, int w, int compact)
{
    int ns = app_rug_rows(a);
    int resrows = 7;
    int H = h - 2 - 2 - ns - resrows;
    if (H < 3) {
        resrows -= 3 - H;
        H = 3;
    }
    ui_rect head = { y, x, 2, w };
    ui_rect hist = { y + 2, x + LAYOUT_MARGIN, H, w - LAYOUT_MARGIN - 1 };
    ui_rect axis = { y + 2 + H, x + LAYOUT_MARGIN, 2, hist.w };
    ui_rect rugs = { y + 4 + H, x + LAYOUT_MARGIN, ns, hist.w };
    ui_rect res = { y + 4 + H + ns, x, resrows, w - 1 };
    /* the margin labels are drawn at column 0 by draw_plot: shift them */
    (void)compact;
    draw_panel_rects(a, c, item, head, hist, axis, rugs, res, 1);
}

void view_main_draw(app *a)
{
    ui_layout L;
    int nr = app_rug_rows(a);
    if (a->focus < a->rug_first)
        a->rug_first = a->focus;
    if (a->focus >= a->rug_first + nr)
        a->rug_first = a->focus - nr + 1;
    layout_main(app_body_rows(a), a->cols, nr, &L);
    app_calc(a, &a->calc, a->cur);
    draw_panel_rects(a, &a->calc, a->cur, L.header, L.hist, L.axis, L.rugs, L.results, 0);
}

