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
 * The stored scheme (quant/stored.h): each channel's values on the file's
 * own grid, from the worker (model/stored_run.h, stored_run_detail): the
 * original of a pair measured on its quantized tensor's grid gives each
 * channel's real error; a quantized tensor's own values lie on its grid
 * (error 0 by construction), so the heat shows each channel's alpha (the
 * mean largest level of its groups: how the file scaled it) instead.
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

#include "model/stored_run.h"
#include "quant/group.h"
#include "quant/levels.h"
#include "quant/stored.h"
#include "ui/app.h"
#include "ui/term.h"
#include "ui/view_stored.h"


static void chan_free(ui_chan *c)
{
    free(c->lo);
    free(c->hi);
    free(c->mse);
    free(c->alpha);
    free(c->order);
    free(c->outlier);
    free(c->dh);
    c->dh = NULL;
    c->dh_valid = 0;
    c->lo = c->hi = c->mse = c->alpha = NULL;
    c->order = NULL;
    c->outlier = NULL;
    c->n = 0;
}

void app_chan_free(app *a)
{
    chan_free(&a->chan);
}

/* The axis for the current tensor: the chosen one when it has it, else 0. */
static int chan_axis(const app *a)
{
    const loader_tensor *t = app_item_tensor(a, a->cur);
    return a->chan_axis < t->ndim ? a->chan_axis : 0;
}

static int chan_same(const app *a)
{
    const ui_chan *c = &a->chan;
    const analyze_cfg *x = &c->cfg, *y = &a->cfg;
    return c->item == a->cur && c->scheme == a->schemes[a->focus] && c->axis == chan_axis(a) && x->bits == y->bits &&
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

/* Fill c from the channels' numbers (lo, hi raw; the order by range). */
static void chan_fill(ui_chan *c, size_t n, const double *lo, const double *hi, const double *mse,
                      const double *alpha, const uint64_t *cnt)
{
    c->n = n;
    c->lo = util_mallocarray(n ? n : 1, sizeof *c->lo);
    c->hi = util_mallocarray(n ? n : 1, sizeof *c->hi);
    c->mse = util_mallocarray(n ? n : 1, sizeof *c->mse);
    c->alpha = util_mallocarray(n ? n : 1, sizeof *c->alpha);
    c->order = util_mallocarray(n ? n : 1, sizeof *c->order);
    c->outlier = util_calloc(n ? n : 1, 1);
    double *range = util_mallocarray(n ? n : 1, sizeof *range);
    double sse = 0;
    uint64_t tot = 0;
    for (size_t i = 0; i < n; i++) {
        if (cnt[i] && !isnan(mse[i])) {
            sse += mse[i] * (double)cnt[i];
            tot += cnt[i];
        }
        c->lo[i] = lo[i];
        c->hi[i] = hi[i];
        c->mse[i] = mse[i];
        c->alpha[i] = alpha[i];
        range[i] = cnt[i] ? hi[i] - lo[i] : NAN;
    }
    c->mse_all = tot ? sse / (double)tot : NAN;
    c->noutliers = group_channel_order(range, n, GROUP_OUTLIER_FACTOR, c->order, c->outlier, &c->median_range);
    free(range);
    c->ok = 1;
    c->valid = 1;
    c->pending = 0;
    c->msg[0] = '\0';
}

/* The stored scheme's channels, from the worker. */
static int chan_stored(app *a, ui_chan *c)
{
    size_t it = a->cur;
    worker_want_raw(a->w, &it, 1);   /* the values of one channel (Enter) */
    const stored_detail *d;
    const char *why = NULL;
    prep_state st = app_stored_detail(a, a->cur, app_prep(a, a->cur), c->axis, &d, &why);
    if (st == PS_RUNNING) {
        c->pending = 1;
        snprintf(c->msg, sizeof c->msg, "%s", why ? why : "preparing the stored grid...");
        return 0;
    }
    c->valid = 1;
    c->pending = 0;
    if (st != PS_DONE || d->nchan == 0) {
        c->ok = 0;
        snprintf(c->msg, sizeof c->msg, "stored: %s", why ? why : "no channels");
        return 1;
    }
    size_t n = (size_t)d->nchan;
    double *lo = util_mallocarray(n, sizeof *lo), *hi = util_mallocarray(n, sizeof *hi);
    for (size_t i = 0; i < n; i++) {
        /* raw units, as group_channel_stats gives them */
        lo[i] = d->chan_lo[i] * d->s + d->m;
        hi[i] = d->chan_hi[i] * d->s + d->m;
    }
    chan_fill(c, n, lo, hi, d->chan_mse, d->chan_alpha, d->chan_n);
    c->stored_self = d->res.stored_self;
    free(lo);
    free(hi);
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
        c->sel = 0;
        c->drill = 0;
        c->shown = 0;
        c->axis = chan_axis(a);
        c->item = a->cur;
        c->scheme = a->schemes[a->focus];
        c->cfg = a->cfg;
        c->msg[0] = '\0';
        c->stored_self = 0;
    }
    size_t it = a->cur;
    const loader_tensor *t1 = app_item_tensor(a, it);
    if (t1->ndim >= 2 && stored_is(c->scheme))
        return chan_stored(a, c);
    if (t1->ndim < 2) {
        /* refused before any work: a value per channel is no view */
        c->valid = 1;
        c->pending = 0;
        c->ok = 0;
        snprintf(c->msg, sizeof c->msg, "a %d-D tensor (%llu values) has no channels: per-channel needs 2 or more dimensions",
                 t1->ndim, (unsigned long long)t1->count);
        return 0;
    }
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
    cfg.axis = c->axis;
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
    double *v = util_mallocarray(4 * (n ? n : 1), sizeof *v);
    uint64_t *cnt = util_mallocarray(n ? n : 1, sizeof *cnt);
    for (size_t i = 0; i < n; i++) {
        v[i] = cs[i].min;
        v[n + i] = cs[i].max;
        v[2 * n + i] = cs[i].mse;
        v[3 * n + i] = cs[i].alpha;
        cnt[i] = cs[i].n;
    }
    chan_fill(c, n, v, v + n, v + 2 * n, v + 3 * n, cnt);
    free(v);
    free(cnt);
    free(cs);
    return 1;
}

static double val_at(const void *v, int dbl, uint64_t i)
{
    return dbl ? ((const double *)v)[i] : (double)((const float *)v)[i];
}

/* The histogram of channel ch (along c->axis) in W columns over the
 * channel's own +-max|w|, from the values in C order. */
static int drill_hist(app *a, size_t ch, int W)
{
    ui_chan *c = &a->chan;
    if (c->dh_valid && c->dh_ch == ch && c->dh_w == W)
        return 1;
    const void *vals;
    int dbl;
    if (worker_get_raw(a->w, a->cur, &vals, &dbl, NULL, 0) != PS_DONE)
        return 0;
    const loader_tensor *t = app_item_tensor(a, a->cur);
    uint64_t stride = 1;
    for (int k = c->axis + 1; k < t->ndim; k++)
        stride *= t->shape[k];
    uint64_t nax = t->shape[c->axis];
    double r = fmax(fabs(c->lo[ch]), fabs(c->hi[ch]));
    if (!(r > 0) || !isfinite(r))
        r = 1;
    free(c->dh);
    c->dh = util_calloc((size_t)W, sizeof *c->dh);
    c->dh_lo = -r;
    c->dh_hi = r;
    c->dh_n = 0;
    /* the elements of channel ch: index / stride % nax == ch */
    for (uint64_t blk = 0; blk * stride * nax < t->count; blk++) {
        uint64_t base = (blk * nax + ch) * stride;
        for (uint64_t j = 0; j < stride && base + j < t->count; j++) {
            double v = val_at(vals, dbl, base + j);
            int col = isfinite(v) ? layout_col_of_x(v, -r, r, W) : -1;
            if (col >= 0) {
                c->dh[col]++;
                c->dh_n++;
            }
        }
    }
    c->dh_ch = ch;
    c->dh_w = W;
    c->dh_valid = 1;
    return 1;
}

/* The stored grid's levels of (up to 64 of) the groups channel ch's
 * values are in, as a rug at row y (raw units: the drill's axis). */
static void drill_stored_levels(app *a, size_t ch, int y, int M, int W)
{
    ui_chan *c = &a->chan;
    const stored_detail *d;
    const char *why;
    if (app_stored_detail(a, a->cur, app_prep(a, a->cur), c->axis, &d, &why) != PS_DONE)
        return;
    const loader_tensor *t = app_item_tensor(a, a->cur);
    const loader_grid *g = &d->grid;
    uint64_t stride = 1;
    for (int k = c->axis + 1; k < t->ndim; k++)
        stride *= t->shape[k];
    uint64_t nax = t->shape[c->axis], per = (t->count / nax + 63) / 64, seen = 0, last = UINT64_MAX;
    unsigned char *mark = util_calloc((size_t)W, 1);
    for (uint64_t blk = 0; blk * stride * nax < t->count; blk++)
        for (uint64_t j = 0; j < stride; j++, seen++) {
            uint64_t i = (blk * nax + ch) * stride + j;
            if (i >= g->rows * g->cols || (per > 1 && seen % per))
                continue;
            uint64_t gi = loader_grid_group(g, i);
            if (gi == last)
                continue;
            last = gi;
            for (size_t k = 0; k < g->ncb; k++) {
                int col = layout_col_of_x((double)loader_grid_level(g, gi, k), c->dh_lo, c->dh_hi, W);
                if (col >= 0)
                    mark[col] = 1;
            }
        }
    for (int x = 0; x < W; x++)
        if (mark[x])
            draw_text(y, M + x, 1, term_scheme_attr(a->focus), a->utf8 ? "\u2502" : "|");
    draw_text(y, 0, M - 1, term_attr(R_DIM), "stored");
    free(mark);
}

/* Enter: the selected channel's histogram, with the focused scheme's
 * levels at the channel's own alpha (raw units when not normalized). */
static void draw_drill(app *a, int rows)
{
    ui_chan *c = &a->chan;
    size_t ch = c->order[c->sel];
    int M = LAYOUT_MARGIN, W = a->cols - M - 1;
    char b1[24], b2[24], b3[24], b4[24];
    draw_textf(1, 0, a->cols, 0, " channel %zu of %zu%s: min %s  max %s  alpha %s  mse %s  (Enter/Esc: the channels)",
               ch, c->n, c->outlier[ch] ? " (outlier)" : "", layout_fmt_num(b1, sizeof b1, c->lo[ch], 4, 10),
               layout_fmt_num(b2, sizeof b2, c->hi[ch], 4, 10), layout_fmt_num(b3, sizeof b3, c->alpha[ch], 4, 10),
               isnan(c->mse[ch]) ? (c->stored_self ? "0 (the file's own values)" : "-")
                                 : layout_fmt_num(b4, sizeof b4, c->mse[ch], 4, 10));
    if (W < 8 || !drill_hist(a, ch, W)) {
        draw_text(3, 2, a->cols - 4, term_attr(R_DIM), "reading the values...");
        return;
    }
    int H = rows - 6;
    if (H < 2)
        return;
    uint64_t mx = 0;
    for (int x = 0; x < W; x++)
        mx = c->dh[x] > mx ? c->dh[x] : mx;
    int y0 = 2;
    for (int x = 0; x < W; x++) {
        int e = layout_bar_eighths(c->dh[x], mx, H, a->logscale);
        for (int r = 0; r < H; r++) {
            const char *g = layout_bar_glyph(e, r, a->utf8);
            if (g[0] != ' ')
                draw_text(y0 + H - 1 - r, M + x, 1, term_scheme_attr(a->focus), g);
        }
    }
    draw_textf(y0, 0, M - 1, term_attr(R_DIM), "%*llu", M - 1, (unsigned long long)mx);
    /* the levels of the focused scheme at the channel's alpha (the
     * stored grid: the levels of the channel's own groups) */
    levelset ls;
    util_err le = { { 0 } };
    if (stored_is(a->schemes[a->focus]))
        drill_stored_levels(a, ch, y0 + H, M, W);
    else if (!a->cfg.normalize && isfinite(c->alpha[ch]) &&
        levels_build(a->schemes[a->focus], a->cfg.bits, a->cfg.is_signed, &a->cfg.lprm, &ls, &le) == 0) {
        for (size_t i = 0; i < ls.n; i++) {
            int col = layout_col_of_x(ls.v[i] * c->alpha[ch], c->dh_lo, c->dh_hi, W);
            if (col >= 0)
                draw_text(y0 + H, M + col, 1, term_scheme_attr(a->focus), a->utf8 ? "\u2502" : "|");
        }
        levels_free(&ls);
        draw_text(y0 + H, 0, M - 1, term_attr(R_DIM), "levels");
    }
    layout_fmt_tick(b1, sizeof b1, c->dh_lo, (c->dh_hi - c->dh_lo) / 10);
    layout_fmt_tick(b2, sizeof b2, c->dh_hi, (c->dh_hi - c->dh_lo) / 10);
    draw_textf(y0 + H + 1, M, W, term_attr(R_AXIS), "%s", b1);
    draw_textf(y0 + H + 1, M + W - (int)strlen(b2), (int)strlen(b2), term_attr(R_AXIS), "%s", b2);
    draw_textf(y0 + H + 2, 1, a->cols - 2, term_attr(R_DIM), " %llu value%s in this channel", (unsigned long long)c->dh_n,
               UI_PL(c->dh_n));
}

int view_channel_action(app *a, ui_action act)
{
    ui_chan *c = &a->chan;
    int page = c->body > 1 ? c->body - 1 : 1;
    int d = 0;
    switch (act) {
    case ACT_TENSOR_NEXT: d = 1; break;
    case ACT_TENSOR_PREV: d = -1; break;
    case ACT_PAGE_DOWN: d = page; break;
    case ACT_PAGE_UP: d = -page; break;
    case ACT_WHEEL_DOWN: d = 3; break;
    case ACT_WHEEL_UP: d = -3; break;
    case ACT_HOME: d = -(int)(c->n > 0 ? c->n : 1); break;
    case ACT_END: d = (int)(c->n > 0 ? c->n : 1); break;
    case ACT_SELECT:
        if (!c->valid || !c->ok || c->n == 0) {
            app_message(a, 1, "Enter: %s", c->valid && !c->ok ? c->msg : "the channels are not computed yet");
            return RD_STATUS;
        }
        c->drill = !c->drill;
        return RD_VIEW;
    case ACT_CLOSE:
        if (c->drill) {
            c->drill = 0;
            return RD_VIEW;
        }
        return RD_NONE;
    case ACT_AXIS: {
        const loader_tensor *t = app_item_tensor(a, a->cur);
        if (t->ndim < 2) {
            app_message(a, 1, "A: a %d-D tensor has no channels", t->ndim);
            return RD_STATUS;
        }
        a->chan_axis = (chan_axis(a) + 1) % t->ndim;
        app_message(a, 0, "channels along axis %d (%llu of them)", a->chan_axis,
                    (unsigned long long)t->shape[a->chan_axis]);
        return RD_VIEW;
    }
    default: return RD_NONE;
    }
    if (!c->valid || !c->ok || c->n == 0)
        return RD_STATUS;
    long s = (long)c->sel + d;
    s = s < 0 ? 0 : s >= (long)c->n ? (long)c->n - 1 : s;
    c->sel = (int)s;
    c->dh_valid = c->dh_valid && c->dh_ch == c->order[c->sel];
    return RD_VIEW;
}

void view_channel_draw(app *a)
{
    ui_chan *c = &a->chan;
    const loader_tensor *t = app_item_tensor(a, a->cur);
    int rows = app_body_rows(a) - 1;
    int utf8 = a->utf8;
    app_chan(a, 0);
    const char *am = stored_is(a->schemes[a->focus]) ? "the file's own scales"
                     : a->cfg.amode == ALPHA_MSE ? "own mse-opt" : a->cfg.amode == ALPHA_MAX ? "own max|x|" : "as set";
    draw_fill(0, 0, a->cols, term_attr(R_HEADER));
    char en[512];
    int ax = chan_axis(a);
    /* the title in pieces, each whole or not at all (one row) */
    char pc[640];
    ui_flow hf = { 0, 1, 0, a->cols, 0, 0, 0 };
    snprintf(pc, sizeof pc, "per channel  %s", app_esc(en, sizeof en, t->name));
    flow_word(&hf, term_attr(R_HEADER), pc, strlen(pc));
    snprintf(pc, sizeof pc, "  %llu ch (axis %d, A: next)", (unsigned long long)(t->ndim >= 1 ? t->shape[ax] : 0), ax);
    flow_word(&hf, term_attr(R_HEADER), pc, strlen(pc));
    snprintf(pc, sizeof pc, "  %s, alpha per channel: %s", a->schemes[a->focus], am);
    flow_word(&hf, term_attr(R_HEADER), pc, strlen(pc));
    flow_word(&hf, term_attr(R_HEADER), "  (Enter: one channel, p: back)", 31);
    if (c->valid && c->ok && c->drill) {
        draw_drill(a, rows);
        return;
    }
    if (!c->valid || !c->ok) {
        draw_text(2, 2, a->cols - 4, term_attr(c->valid ? R_ERROR : R_DIM), c->msg[0] ? c->msg : "...");
        return;
    }
    char b1[24], b2[24];
    if (c->stored_self)
        draw_textf(1, 0, a->cols, 0, " median range %s; %zu outlier channel%s (range > %.0fx median: !)  stored: the file's "
                   "own values lie on its grid (error 0); heat: each channel's alpha (its groups' mean largest level)",
                   layout_fmt_num(b1, sizeof b1, c->median_range, 4, 10), c->noutliers, c->noutliers == 1 ? "" : "s",
                   GROUP_OUTLIER_FACTOR);
    else
        draw_textf(1, 0, a->cols, 0, " median range %s; %zu outlier channel%s (range > %.0fx median: !)  all channels: mse %s",
                   layout_fmt_num(b1, sizeof b1, c->median_range, 4, 10), c->noutliers, c->noutliers == 1 ? "" : "s",
                   GROUP_OUTLIER_FACTOR, layout_fmt_num(b2, sizeof b2, c->mse_all, 4, 12));
    /* common axis over all channels' ranges */
    /* the heat: each channel's mse (its alpha for the stored grid on the
     * file's own values, whose error is 0 by construction) */
    const double *heat = c->stored_self ? c->alpha : c->mse;
    const char *hname = c->stored_self ? "alpha" : "mse";
    double lo = INFINITY, hi = -INFINITY, mlo = INFINITY, mhi = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (isfinite(c->lo[i]))
            lo = fmin(lo, c->lo[i]);
        if (isfinite(c->hi[i]))
            hi = fmax(hi, c->hi[i]);
        if (heat[i] > 0 && isfinite(heat[i])) {
            mlo = fmin(mlo, heat[i]);
            mhi = fmax(mhi, heat[i]);
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
    draw_textf(2, left + W + 1, right - 1, term_attr(R_DIM), utf8 ? "   range \u2591..\u2588 %s" : "   range .. # %s", hname);
    int c0 = layout_col_of_x(0, lo, hi, W);
    c->body = body;
    if (c->sel < 0 || (size_t)c->sel >= c->n)
        c->sel = 0;
    if (c->sel < c->top)
        c->top = c->sel;
    if (body > 0 && c->sel >= c->top + body)
        c->top = c->sel - body + 1;
    if (c->top < 0 || (size_t)c->top >= c->n)
        c->top = 0;
    int shown = 0;
    for (int k = 0; k < body && (size_t)(c->top + k) < c->n; k++) {
        size_t ch = c->order[c->top + k];
        int y = 3 + k;
        int out = c->outlier[ch];
        if (c->top + k == c->sel)
            draw_fill(y, 0, a->cols, term_attr(R_SELECT));
        draw_textf(y, 0, left, (out ? term_attr(R_ERROR) : 0) | (c->top + k == c->sel ? term_attr(R_SELECT) : 0),
                   "%c %7zu", out ? '!' : ' ', ch);
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
        int hl = layout_heat_level(heat[ch], mlo, mhi, 4);
        draw_textf(y, left + W + 1, 9, 0, "%8s", layout_fmt_num(b1, sizeof b1, c->hi[ch] - c->lo[ch], 3, 8));
        const char *g = layout_heat_glyph(hl < 0 ? -1 : hl + 1, utf8);
        for (int i = 0; i < 3; i++)
            draw_text(y, left + W + 12 + i, 1, term_attr(R_ALPHA), g);
        draw_textf(y, left + W + 16, right - 16, 0, "%s", layout_fmt_num(b2, sizeof b2, heat[ch], 3, 8));
        shown++;
    }
    if ((size_t)(c->top + shown) < c->n)
        draw_textf(3 + shown, 0, a->cols, term_attr(R_DIM),
                   "  ... %zu more channels (smaller ranges)", c->n - (size_t)(c->top + shown));
    /* heat strip in channel order: one cell per channel, or the largest
     * mse of each group of channels when there are more than columns */
    int sy = rows - strip_rows;
    {
        ui_flow sf = { sy, sy + 1, 0, a->cols, 0, 0, 0 };
        snprintf(pc, sizeof pc, " %s %s per channel, channel order 0..%zu%s", a->schemes[a->focus], hname,
                 c->n ? c->n - 1 : 0, c->n > (size_t)(a->cols - 2) ? "" : ":");
        flow_word(&sf, term_attr(R_DIM), pc, strlen(pc));
        if (c->n > (size_t)(a->cols - 2))
            flow_word(&sf, term_attr(R_DIM), " (largest per cell):", 20);
    }
    int SW = a->cols - 2;
    size_t per = c->n > (size_t)SW ? (c->n + (size_t)SW - 1) / (size_t)SW : 1;
    for (int x = 0; x < SW && (size_t)x * per < c->n; x++) {
        double m = NAN;
        for (size_t i = (size_t)x * per; i < (size_t)(x + 1) * per && i < c->n; i++)
            if (!isnan(heat[i]) && (isnan(m) || heat[i] > m))
                m = heat[i];
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
