/*
 * view_explore.c - the exploration keys of the main view (issue 12, part
 * 1): z / Z zoom the histogram in and out around a cursor, [ ] move the
 * cursor one column ({ } ten), and a readout line (in place of the
 * statistics line while the cursor is on) gives the cursor column's range
 * of x, how many values it holds and their share, the level the focused
 * scheme maps its centre to, and the squared error its values add (with
 * its share of the total, i.e. of mse x count). Esc turns the cursor off
 * and zooms out.
 *
 * State (app.h): the zoom range and the cursor in x units, for one tensor
 * and normalization (another tensor or n resets them); the geometry of the
 * last drawn histogram, in whose columns the keys move. The pure parts are
 * explore.c.
 */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "quant/eval.h"
#include "quant/levels.h"
#include "ui/app.h"
#include "ui/explore.h"
#include "ui/term.h"

/* The zoom and cursor belong to one tensor, normalization and kind of
 * view (x of the histogram, or u of the group view). */
static void reset_if_stale(app *a)
{
    /* E's axis is the error's, not x: its own zoom and cursor */
    int kind = a->view == VIEW_ERROR ? 2 : a->view == VIEW_LOG2 ? 3 : app_group_view(a);
    if (a->explore_item != a->cur || a->explore_norm != a->cfg.normalize || a->explore_kind != kind) {
        a->zoomed = a->cursor_on = 0;
        a->explore_item = a->cur;
        a->explore_norm = a->cfg.normalize;
        a->explore_kind = kind;
    }
}

void view_explore_range(app *a, double flo, double fhi, double *lo, double *hi, int w)
{
    reset_if_stale(a);
    a->plot_flo = flo;
    a->plot_fhi = fhi;
    *lo = flo;
    *hi = fhi;
    if (a->zoomed && a->zoom_lo >= flo && a->zoom_hi <= fhi && a->zoom_hi > a->zoom_lo) {
        *lo = a->zoom_lo;
        *hi = a->zoom_hi;
    } else
        a->zoomed = 0;
    a->plot_lo = *lo;
    a->plot_hi = *hi;
    a->plot_w = w;
}

int view_explore_col(const app *a)
{
    if (!a->cursor_on || a->explore_item != a->cur || a->plot_w < 1)
        return -1;
    return layout_col_of_x(a->cur_x, a->plot_lo, a->plot_hi, a->plot_w);
}

/* The group view's cursor: in u over [-1, 1] (view_group.c sets the
 * geometry through view_explore_range with that range). Its readout: the
 * column's u range, its count and share of the pooled values, and the
 * focused scheme's level there (in u the level set itself). */
void view_explore_group_readout(app *a, const uint64_t *hist, int nbins, const double *col, int y, int x, int w)
{
    int c = view_explore_col(a);
    if (c < 0 || !hist)
        return;
    double W = a->plot_w, b0 = -1 + 2.0 * c / W, b1 = -1 + 2.0 * (c + 1) / W;
    uint64_t tot = 0;
    for (int i = 0; i < nbins; i++)
        tot += hist[i];
    char s0[24], s1[24], s2[24], s3[24];
    draw_fill(y, x, w, 0);
    int n = draw_textf(y, x, w, term_attr(R_TITLE), "u in [%s, %s%s", layout_fmt_num(s0, sizeof s0, b0, 4, 10),
                       layout_fmt_num(s1, sizeof s1, b1, 4, 10), c == a->plot_w - 1 ? "]" : ")");
    n += draw_textf(y, x + n, w - n, 0, " %.0f values (%s%% of all)%s", col[c],
                    layout_fmt_num(s2, sizeof s2, tot ? 100.0 * col[c] / (double)tot : 0, 3, 8),
                    c == 0 || c == a->plot_w - 1 ? ", clipped ones included" : "");
    levelset ls;
    util_err e = { { 0 } };
    if (levels_build(a->schemes[a->focus], a->cfg.bits, a->cfg.is_signed, &a->cfg.lprm, &ls, &e) < 0)
        return;
    size_t k = explore_level(&ls, 0, 1, (b0 + b1) / 2);
    draw_textf(y, x + n, w - n, term_scheme_attr(a->focus), "  %s level %zu/%zu at u = %s", a->schemes[a->focus],
               k + 1, ls.n, layout_fmt_num(s3, sizeof s3, ls.v[k], 4, 10));
    levels_free(&ls);
}

int view_explore_action(app *a, ui_action act)
{
    if (act != ACT_ZOOM_IN && act != ACT_ZOOM_OUT && act != ACT_CUR_LEFT && act != ACT_CUR_RIGHT &&
        act != ACT_CUR_LEFT10 && act != ACT_CUR_RIGHT10 && act != ACT_CLOSE)
        return 0;
    if (act == ACT_CLOSE) {
        if ((a->view != VIEW_MAIN && a->view != VIEW_ERROR && a->view != VIEW_LOG2) || (!a->cursor_on && !a->zoomed) || a->overlay)
            return 0;
        a->cursor_on = a->zoomed = 0;
        app_message(a, 0, "cursor off, full range");
        return RD_VIEW;
    }
    if (app_group_view(a) && (act == ACT_ZOOM_IN || act == ACT_ZOOM_OUT)) {
        app_message(a, 0, "the pooled histogram has one bin per column: no zoom (G back to tensor to zoom into w)");
        return RD_STATUS;
    }
    reset_if_stale(a);
    if (a->plot_w < 1 || !(a->plot_hi > a->plot_lo) || !app_prep(a, a->cur)) {
        app_message(a, 1, "the histogram is not drawn yet");
        return RD_STATUS;
    }
    if (!a->cursor_on) {
        a->cursor_on = 1;
        a->cur_x = explore_move((a->plot_lo + a->plot_hi) / 2, a->plot_lo, a->plot_hi, a->plot_w, 0);
    }
    int dc = act == ACT_CUR_LEFT ? -1 : act == ACT_CUR_RIGHT ? 1 : act == ACT_CUR_LEFT10 ? -10
           : act == ACT_CUR_RIGHT10 ? 10 : 0;
    if (dc) {
        a->cur_x = explore_move(a->cur_x, a->plot_lo, a->plot_hi, a->plot_w, dc);
        a->msg[0] = '\0';
        return RD_VIEW;
    }
    double f = act == ACT_ZOOM_IN ? 2 : 0.5, lo, hi;
    int z = explore_zoom(a->plot_flo, a->plot_fhi, a->plot_lo, a->plot_hi, a->cur_x, f, &lo, &hi);
    if (z && (hi - lo) < (a->plot_fhi - a->plot_flo) * 1e-6) {
        app_message(a, 0, "zoomed in as far as it goes (a millionth of the range)");
        return RD_STATUS;
    }
    a->zoomed = z;
    a->zoom_lo = lo;
    a->zoom_hi = hi;
    a->plot_lo = lo;
    a->plot_hi = hi;
    a->cur_x = explore_move(a->cur_x, lo, hi, a->plot_w, 0);
    app_message(a, 0, z ? "zoom %.3gx (Z out, Esc: full range)" : "full range",
                (a->plot_fhi - a->plot_flo) / (hi - lo));
    return RD_VIEW;
}

void view_explore_readout(app *a, ui_calc *c, const prep *p, int y, int x, int w)
{
    int col = view_explore_col(a);
    if (col < 0 || !p)
        return;
    double W = a->plot_w, lo = a->plot_lo, hi = a->plot_hi;
    double b0 = lo + col * (hi - lo) / W, b1 = lo + (col + 1) * (hi - lo) / W;
    draw_fill(y, x, w, 0);
    char s0[24], s1[24], s2[24], s3[24], s4[24];
    int at = term_attr(R_TITLE);
    int n = draw_textf(y, x, w, at, "[%s, %s)", layout_fmt_num(s0, sizeof s0, b0, 4, 10),
                       layout_fmt_num(s1, sizeof s1, b1, 4, 10));
    const analyze_result *r = c->valid && c->ok ? &c->res[a->focus] : NULL;
    levelset ls;
    util_err e = { { 0 } };
    if (!r || !r->ok || !(r->r.alpha > 0) ||
        levels_build(a->schemes[a->focus], c->cfg.bits, c->cfg.is_signed, &c->cfg.lprm, &ls, &e) < 0) {
        uint64_t cnt = 0;
        eval_histogram(p, c->cfg.normalize, b0, b1, 1, &cnt);
        draw_textf(y, x + n, w - n, 0, " %llu value%s (%s%%)", (unsigned long long)cnt, UI_PL(cnt),
                   layout_fmt_num(s2, sizeof s2, p->st.n ? 100.0 * (double)cnt / (double)p->st.n : 0, 3, 8));
        return;
    }
    double al = r->r.alpha, sh = eval_shift(p, &ls, al, c->cfg.normalize);
    uint64_t cnt;
    double sse;
    explore_range(p, c->cfg.normalize, &ls, sh, al, b0, b1, &cnt, &sse);
    size_t k = explore_level(&ls, sh, al, (b0 + b1) / 2);
    size_t k0 = explore_level(&ls, sh, al, b0), k1 = explore_level(&ls, sh, al, nextafter(b1, -INFINITY));
    double tot = r->r.mse * (double)p->st.n;
    n += draw_textf(y, x + n, w - n, 0, " %llu value%s (%s%%)", (unsigned long long)cnt, UI_PL(cnt),
                    layout_fmt_num(s2, sizeof s2, p->st.n ? 100.0 * (double)cnt / (double)p->st.n : 0, 3, 8));
    n += draw_textf(y, x + n, w - n, term_scheme_attr(a->focus), "  %s level %zu/%zu = %s%s", a->schemes[a->focus],
                    k + 1, ls.n, layout_fmt_num(s3, sizeof s3, sh + al * ls.v[k], 4, 10),
                    k1 > k0 ? " (column spans a decision boundary)" : "");
    draw_textf(y, x + n, w - n, 0, "  sq. err %s (%s%% of the total)", layout_fmt_num(s4, sizeof s4, sse, 4, 10),
               layout_fmt_num(s0, sizeof s0, tot > 0 ? 100 * sse / tot : 0, 3, 8));
    levels_free(&ls);
}
