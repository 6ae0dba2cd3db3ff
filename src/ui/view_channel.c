/*
 * view_channel.c - the per-channel view (key p): one row per channel
 * (slices along the first axis), sorted by range (max - min of the raw
 * values), largest first, each drawn as a band from min to max on a
 * common axis; channels whose range exceeds GROUP_OUTLIER_FACTOR x the median
 * range are marked; a heat cell per row and a heat strip in channel order
 * show each channel's mse for the focused scheme at the current bits,
 * normalization and alpha mode (each channel at its own alpha, as
 * --granularity=channel does).
 *
 * Numbers: group_channel_stats() (quant/group.h) on the tensor's values in
 * C order, which the worker reads (worker_want_raw: loaders are not
 * thread-safe). They are computed after the redraw that says "computing"
 * and kept in a->chan for the tensor, scheme and settings.
 */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/group.h"
#include "ui/app.h"
#include "ui/term.h"


static void chan_free(ui_chan *c)
{
    free(c->lo);
    free(c->hi);
    free(c->mse);
    free(c->alpha);
    free(c->order);
    free(c->outlier);
    c->lo = c->hi = c->mse = c->alpha = NULL;
    c->order = NULL;
    c->outlier = NULL;
    c->n = 0;
}

void app_chan_free(app *a)
{
    chan_free(&a->chan);
}

static int chan_same(const app *a)
{
    const ui_chan *c = &a->chan;
    const analyze_cfg *x = &c->cfg, *y = &a->cfg;
    return c->item == a->cur && c->scheme == a->schemes[a->focus] && x->bits == y->bits &&
           x->is_signed == y->is_signed && x->normalize == y->normalize && x->amode == y->amode &&
           x->alpha == y->alpha && x->lprm.apot_k == y->lprm.apot_k;
}

/* Is a key (or mouse event) waiting? It stays waiting: getch() gets it
 * next. Asked between channels, at most every 20 ms. */
static int key_waiting(void *ctx)
{
    static double last;
    (void)ctx;
    double now = util_now();
    if (now - last < 0.02)
        return 0;
    last = now;
    nodelay(stdscr, TRUE);
    int ch = getch();
    nodelay(stdscr, FALSE);
    if (ch == ERR)
        return 0;
    if (ch == KEY_MOUSE) {
        MEVENT ev;
        if (getmouse(&ev) == OK)
            ungetmouse(&ev);
        else
            ungetch(ch);
    } else
        ungetch(ch);
    return 1;
}

int app_chan(app *a, int compute)
{
    ui_chan *c = &a->chan;
    if ((c->valid || c->pending) && chan_same(a) && !(c->pending && compute))
        return 0;
    if (!chan_same(a) || (!c->valid && !c->pending)) {
        chan_free(c);
        c->valid = 0;
        c->pending = 0;
        c->top = 0;
        c->shown = 0;
        c->item = a->cur;
        c->scheme = a->schemes[a->focus];
        c->cfg = a->cfg;
        c->msg[0] = '\0';
    }
    size_t it = a->cur;
    worker_want_raw(a->w, &it, 1);
    const void *vals = NULL;
    int dbl = 0;
    char err[UTIL_ERRLEN];
    prep_state st = worker_get_raw(a->w, it, &vals, &dbl, err, sizeof err);
    if (st == PS_FAILED) {
        c->valid = 1;
        c->pending = 0;
        c->ok = 0;
        snprintf(c->msg, sizeof c->msg, "%s", err);
        return 0;
    }
    if (st != PS_DONE) {
        c->pending = 1;
        snprintf(c->msg, sizeof c->msg, "reading the values in C order...");
        return 0;
    }
    if (!compute || !c->shown) {
        /* say so first: the work starts after this is on the screen */
        c->pending = 1;
        snprintf(c->msg, sizeof c->msg, "computing each channel's error...");
        if (!compute)
            return 0;
        c->shown = 1;
        return 1;
    }
    const loader_tensor *t = app_item_tensor(a, it);
    group_tensor gt = { vals, dbl, t->ndim, t->shape, t->count };
    analyze_cfg cfg = a->cfg;
    cfg.axis = 0;
    cfg.gran = GRAN_CHANNEL;
    util_err e = { { 0 } };
    uint64_t nch = 0;
    double t0 = util_now();
    int stopped = 0;
    group_chan_stat *cs = t->ndim >= 1 ? group_channel_stats(&gt, c->scheme, &cfg, &nch, &e,
                                                             key_waiting, NULL, &stopped)
                                       : NULL;
    if (stopped) {
        /* a key came first: it is handled, and the work starts over when
         * the viewer is idle again */
        c->pending = 1;
        snprintf(c->msg, sizeof c->msg, "computing each channel's error...");
        return 0;
    }
    c->seconds = util_now() - t0;
    c->valid = 1;
    c->pending = 0;
    if (!cs) {
        c->ok = 0;
        snprintf(c->msg, sizeof c->msg, "%s", t->ndim < 1 ? "a 0-d tensor has no channels" : e.msg);
        return 1;
    }
    size_t n = (size_t)nch;
    c->n = n;
    c->lo = util_mallocarray(n ? n : 1, sizeof *c->lo);
    c->hi = util_mallocarray(n ? n : 1, sizeof *c->hi);
    c->mse = util_mallocarray(n ? n : 1, sizeof *c->mse);
    c->alpha = util_mallocarray(n ? n : 1, sizeof *c->alpha);
    c->order = util_mallocarray(n ? n : 1, sizeof *c->order);
    c->outlier = util_calloc(n ? n : 1, 1);
    double *range = util_mallocarray(n ? n : 1, sizeof *range);
    double sse = 0;
    uint64_t cnt = 0;
    for (size_t i = 0; i < n; i++) {
        if (cs[i].n) {
            sse += cs[i].mse * (double)cs[i].n;
            cnt += cs[i].n;
        }
        c->lo[i] = cs[i].min;
        c->hi[i] = cs[i].max;
        c->mse[i] = cs[i].mse;
        c->alpha[i] = cs[i].alpha;
        range[i] = cs[i].n ? cs[i].max - cs[i].min : NAN;
    }
    c->mse_all = cnt ? sse / (double)cnt : NAN;
    c->noutliers = group_channel_order(range, n, GROUP_OUTLIER_FACTOR, c->order, c->outlier, &c->median_range);
    free(range);
    free(cs);
    c->ok = 1;
    c->msg[0] = '\0';
    return 1;
}

void view_channel_draw(app *a)
{
    ui_chan *c = &a->chan;
    const loader_tensor *t = app_item_tensor(a, a->cur);
    int rows = app_body_rows(a) - 1;
    int utf8 = a->utf8;
    app_chan(a, 0);
    const char *am = a->cfg.amode == ALPHA_MSE ? "own mse-opt" : a->cfg.amode == ALPHA_MAX ? "own max|x|" : "as set";
    draw_fill(0, 0, a->cols, term_attr(R_HEADER));
    char en[512];
    draw_textf(0, 0, a->cols, term_attr(R_HEADER), "per channel  %s  %llu ch (axis 0)  %s, alpha per channel: %s  (p: back)",
               app_esc(en, sizeof en, t->name), (unsigned long long)(t->ndim >= 1 ? t->shape[0] : 0), a->schemes[a->focus], am);
    if (!c->valid || !c->ok) {
        draw_text(2, 2, a->cols - 4, term_attr(c->valid ? R_ERROR : R_DIM), c->msg[0] ? c->msg : "...");
        return;
    }
    char b1[24], b2[24];
    draw_textf(1, 0, a->cols, 0, " median range %s; %zu outlier channel%s (range > %.0fx median: !)  all channels: mse %s",
               layout_fmt_num(b1, sizeof b1, c->median_range, 4, 10), c->noutliers, c->noutliers == 1 ? "" : "s",
               GROUP_OUTLIER_FACTOR, layout_fmt_num(b2, sizeof b2, c->mse_all, 4, 12));
    /* common axis over all channels' ranges */
    double lo = INFINITY, hi = -INFINITY, mlo = INFINITY, mhi = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (isfinite(c->lo[i]))
            lo = fmin(lo, c->lo[i]);
        if (isfinite(c->hi[i]))
            hi = fmax(hi, c->hi[i]);
        if (c->mse[i] > 0 && isfinite(c->mse[i])) {
            mlo = fmin(mlo, c->mse[i]);
            mhi = fmax(mhi, c->mse[i]);
        }
    }
    if (!(hi > lo)) {
        lo = isfinite(lo) ? lo - 1 : -1;
        hi = isfinite(hi) ? hi + 1 : 1;
    }
    double r = fmax(fabs(lo), fabs(hi));
    lo = -r;
    hi = r;
    /* columns: "! ch%5zu " band "  range  heat mse" */
    int left = 10, right = 24;
    int W = a->cols - left - right;
    if (W < 10)
        W = 10;
    int strip_rows = 3;
    int body = rows - 3 - 1 - strip_rows;
    draw_text(2, 0, left, term_attr(R_DIM), "  channel ");
    draw_textf(2, left, W, term_attr(R_DIM), "%-*s", W, "min .. max of w (common axis, | at 0)");
    draw_text(2, left + W + 1, right - 1, term_attr(R_DIM), utf8 ? "   range \u2591..\u2588 mse" : "   range .. # mse");
    int c0 = layout_col_of_x(0, lo, hi, W);
    if (c->top < 0 || (size_t)c->top >= c->n)
        c->top = 0;
    int shown = 0;
    for (int k = 0; k < body && (size_t)(c->top + k) < c->n; k++) {
        size_t ch = c->order[c->top + k];
        int y = 3 + k;
        int out = c->outlier[ch];
        draw_textf(y, 0, left, out ? term_attr(R_ERROR) : 0, "%c %7zu", out ? '!' : ' ', ch);
        if (isfinite(c->lo[ch]) && isfinite(c->hi[ch])) {
            int ca = layout_col_of_x(c->lo[ch], lo, hi, W), cb = layout_col_of_x(c->hi[ch], lo, hi, W);
            for (int x = 0; x < W; x++) {
                if (x >= ca && x <= cb)
                    draw_text(y, left + x, 1, out ? term_attr(R_BAR_CLIP) : term_scheme_attr(a->focus),
                              utf8 ? "\u2501" : "=");
                else if (x == c0)
                    draw_text(y, left + x, 1, term_attr(R_DIM), utf8 ? "\u2502" : "|");
            }
        }
        int hl = layout_heat_level(c->mse[ch], mlo, mhi, 4);
        draw_textf(y, left + W + 1, 9, 0, "%8s", layout_fmt_num(b1, sizeof b1, c->hi[ch] - c->lo[ch], 3, 8));
        const char *g = layout_heat_glyph(hl < 0 ? -1 : hl + 1, utf8);
        for (int i = 0; i < 3; i++)
            draw_text(y, left + W + 12 + i, 1, term_attr(R_ALPHA), g);
        draw_textf(y, left + W + 16, right - 16, 0, "%s", layout_fmt_num(b2, sizeof b2, c->mse[ch], 3, 8));
        shown++;
    }
    if ((size_t)(c->top + shown) < c->n)
        draw_textf(3 + shown, 0, a->cols, term_attr(R_DIM),
                   "  ... %zu more channels (smaller ranges)", c->n - (size_t)(c->top + shown));
    /* heat strip in channel order: one cell per channel, or the largest
     * mse of each group of channels when there are more than columns */
    int sy = rows - strip_rows;
    draw_textf(sy, 0, a->cols, term_attr(R_DIM), " %s mse per channel, channel order 0..%zu%s:", a->schemes[a->focus],
               c->n ? c->n - 1 : 0, c->n > (size_t)(a->cols - 2) ? " (largest per cell)" : "");
    int SW = a->cols - 2;
    size_t per = c->n > (size_t)SW ? (c->n + (size_t)SW - 1) / (size_t)SW : 1;
    for (int x = 0; x < SW && (size_t)x * per < c->n; x++) {
        double m = NAN;
        for (size_t i = (size_t)x * per; i < (size_t)(x + 1) * per && i < c->n; i++)
            if (!isnan(c->mse[i]) && (isnan(m) || c->mse[i] > m))
                m = c->mse[i];
        int hl = layout_heat_level(m, mlo, mhi, 4);
        const char *g = layout_heat_glyph(hl < 0 ? -1 : hl + 1, utf8);
        int anyout = 0;
        for (size_t i = (size_t)x * per; i < (size_t)(x + 1) * per && i < c->n; i++)
            anyout |= c->outlier[i];
        draw_text(sy + 1, 1 + x, 1, term_attr(R_ALPHA), g);
        if (anyout)
            draw_text(sy + 2, 1 + x, 1, term_attr(R_ERROR), "!");
    }
}
