/*
 * view_group.c - the group view: the main view when the granularity is
 * group:G or block:RxC (G cycles it; --granularity opens the viewer in
 * it).
 *
 * What a group quantizer decides is drawn in the units it decides in:
 * every value over its own group's stored alpha, u = x / alpha_g, pooled
 * over all groups on [-1, 1], with the focused scheme's levels under it
 * (u-levels are the level set itself). The outermost columns are marked:
 * with --alpha=max every group puts its largest |x| at +-1, so the ends
 * hold about one value per group; clipped values (|u| > 1: mse alphas,
 * mxfp4's power-of-two scales) are counted there too. Beside it the
 * distribution of the group scales, under it the sum of squared errors of
 * every group in group order (a strip, the largest per cell), and the
 * results of every scheme: the report's numbers (quant/gview.h: the same
 * group_analyze_codes call as --report).
 *
 * The work runs on the worker's thread (worker.h, the group job): a key
 * never waits for it; until it is there the view says "computing".
 * As a view it has its own draw (view_group_draw), numbers
 * (app_group_numbers, from app_calc) and idle step (app_group_poll: take
 * a finished job), the shape of issue 12's struct ui_view.
 */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/group.h"
#include "quant/levels.h"
#include "ui/app.h"
#include "ui/view_stored.h"
#include "quant/stored.h"
#include "ui/glayout.h"
#include "ui/term.h"

int app_group_mode(const app *a)
{
    return group_needed(&a->cfg, a->schemes, a->nschemes);
}

int app_group_view(const app *a)
{
    return a->cfg.gran == GRAN_GROUP || a->cfg.gran == GRAN_BLOCK || (a->cfg.gran == GRAN_CHANNEL && a->cfg.axis == 0);
}

/* The pooled histogram's bins: the columns the view has for it. */
static int view_nbins(const app *a)
{
    glayout L;
    if (glayout_make(app_body_rows(a) - 1, a->cols, &L) < 0)
        return 64;
    return L.hist.w > 0 ? L.hist.w : 64;
}

static void make_job(const app *a, size_t item, worker_gjob *j)
{
    memset(j, 0, sizeof *j);
    j->item = item;
    j->cfg = a->cfg;
    if (j->cfg.amode == ALPHA_FILE)
        j->cfg.alpha = a->stored_alpha[item];
    j->nschemes = a->nschemes < WORKER_GSCHEMES ? a->nschemes : WORKER_GSCHEMES;
    for (int i = 0; i < j->nschemes; i++)
        j->schemes[i] = a->schemes[i];
    j->focus = a->focus < j->nschemes ? a->focus : 0;
    j->nbins = view_nbins(a);
}

/* The numbers of a result are those of job (the view may be another
 * scheme's or width's). */
static int numbers_match(const worker_gres *r, const worker_gjob *job)
{
    worker_gjob x = *job;
    x.focus = r->job.focus;
    x.nbins = r->job.nbins;
    return worker_gjob_same(&r->job, &x);
}

int app_group_poll(app *a)
{
    if (!app_group_mode(a))
        return 0;
    worker_gjob job;
    make_job(a, a->cur, &job);
    if (a->gres && worker_gjob_same(&a->gres->job, &job))
        return 0;
    worker_want_group(a->w, &job);
    worker_gres *r = NULL;
    if (worker_take_group(a->w, &job, &r) != PS_DONE)
        return 0;
    worker_gres_free(a->gres);
    a->gres = r;
    return 1;
}

void app_group_free(app *a)
{
    worker_gres_free(a->gres);
    a->gres = NULL;
}

int app_group_numbers(app *a, ui_calc *c, size_t item, const prep *p)
{
    if (item != a->cur) {
        c->ok = 0;
        snprintf(c->msg, sizeof c->msg, "%s: numbers per group are computed for the tensor shown "
                 "(G back to tensor to compare)", analyze_granularity_name(&a->cfg));
        return 1;
    }
    if (a->cfg.amode == ALPHA_FILE && isnan(a->stored_alpha[item])) {
        c->ok = 0;
        snprintf(c->msg, sizeof c->msg, "--alpha=file: no stored alpha beside this tensor");
        return 1;
    }
    worker_gjob job;
    make_job(a, item, &job);
    app_group_poll(a);
    const worker_gres *r = a->gres;
    analyze_result gres[WORKER_GSCHEMES];
    int ghandled[WORKER_GSCHEMES];
    int n = job.nschemes;
    if (r && numbers_match(r, &job)) {
        if (!r->ok) {
            c->ok = 0;
            snprintf(c->msg, sizeof c->msg, "%s", r->msg);
            return 1;
        }
        memcpy(gres, r->res, (size_t)n * sizeof *gres);
        memcpy(ghandled, r->handled, (size_t)n * sizeof *ghandled);
    } else if (!worker_group_numbers(a->w, &job, gres, ghandled))
        return 0;
    if (a->cfg.gran == GRAN_TENSOR) {
        /* MX formats among per-tensor schemes: the others as ever, the
         * block formats from the group engine (as report.c does) */
        util_err e = { { 0 } };
        if (analyze_tensor(p, &a->cfg, a->schemes, n, 0, c->res, &e) < 0) {
            c->ok = 0;
            snprintf(c->msg, sizeof c->msg, "%s", e.msg);
            return 1;
        }
        for (int i = 0; i < n; i++)
            if (ghandled[i])
                c->res[i] = gres[i];
        group_finish(p, &a->cfg, c->res, ghandled, n);
    } else
        for (int i = 0; i < n; i++)
            c->res[i] = gres[i];
    for (int i = 0; i < n; i++)
        c->res[i].gap_to_optimal_db = NAN;
    c->ok = 1;
    if (!a->stored_has[item] && app_stored_any(a, item))
        app_stored_fill(a, c, item, p);   /* a pair's original on its quantized grid (view_stored.c) */
    return 1;
}

/* ---- drawing ----------------------------------------------------------- */

static const char *num(char *b, size_t n, double v)
{
    return layout_fmt_num(b, n, v, 4, 10);
}

/* A count: digits below 100000, else 1.234M. */
static const char *cnt(char *b, size_t n, uint64_t v)
{
    if (v < 100000) {
        snprintf(b, n, "%llu", (unsigned long long)v);
        return b;
    }
    return util_fmt_si(b, n, (double)v, 4);
}

static int draw_text_n(int y, int x, int w, int attr, const char *s)
{
    return draw_textf(y, x, w, attr, "%s", s);
}

static void draw_title(app *a, const worker_gres *r, ui_rect R)
{
    const char *sch = a->schemes[a->focus];
    char b1[32], b2[32], b3[32];
    const analyze_result *f = r && r->ok ? &r->res[r->job.focus] : NULL;
    int x = draw_textf(R.y, R.x, R.w, term_attr(R_TITLE), " %s  %s", sch,
                       f && f->ok && f->granularity ? f->granularity : analyze_granularity_name(&a->cfg));
    if (f && f->ok)
        x += draw_textf(R.y, R.x + x, R.w - x, 0, "  %s groups, %s scales: %d + %s = %s bpw",
                        cnt(b1, sizeof b1, f->nscales), f->scale_dtype ? f->scale_dtype : "16-bit",
                        a->cfg.bits, num(b2, sizeof b2, f->bpw - a->cfg.bits), num(b3, sizeof b3, f->bpw));
    if (a->cfg.gran == GRAN_CHANNEL)
        x += draw_textf(R.y, R.x + x, R.w - x, term_attr(R_DIM), "  (a channel = a row; view: fp32 scales)");
    if (r)
        x += draw_textf(R.y, R.x + x, R.w - x, term_attr(R_DIM), "  [%.2f s]", r->seconds);
    draw_text_n(R.y, R.x + x, R.w - x, term_attr(R_DIM), "  u = x / alpha_g: each value over its group's scale");
}

static void draw_pooled(app *a, const worker_gres *r, const glayout *L)
{
    ui_rect h = L->hist;
    int W = h.w, H = h.h, utf8 = a->utf8;
    double *col = util_calloc((size_t)W, sizeof *col);
    glayout_resample(r->view.hist, r->view.nbins, col, W);
    double mx = 0;
    for (int c = 0; c < W; c++)
        mx = fmax(mx, col[c]);
    double ulo, uhi;
    view_explore_range(a, -1, 1, &ulo, &uhi, W);  /* the cursor's geometry */
    int cc = view_explore_col(a);
    for (int c = 0; c < W; c++) {
        int e = layout_bar_eighths((uint64_t)llround(col[c]), (uint64_t)llround(mx), H, a->logscale);
        int end = c == 0 || c == W - 1;
        int attr = term_attr(end ? R_BAR_CLIP : R_BAR);
        for (int k = 0; k < H; k++) {
            const char *g = layout_bar_glyph(e, k, utf8);
            if (c == cc)
                draw_text(h.y + H - 1 - k, h.x + c, 1, g[0] == ' ' ? term_attr(R_TITLE) : attr | (int)A_REVERSE,
                          g[0] == ' ' ? (utf8 ? "\u2502" : "|") : g);
            else if (g[0] != ' ')
                draw_text(h.y + H - 1 - k, h.x + c, 1, attr, g);
        }
    }
    view_explore_group_readout(a, r->view.hist, r->view.nbins, col, L->header.y + 1, 0, L->header.w);
    char b[32];
    int m0 = h.x - LAYOUT_MARGIN;
    draw_textf(h.y, m0, LAYOUT_MARGIN - 1, term_attr(R_DIM), "%8s", util_fmt_si(b, sizeof b, mx, 3));
    if (H > 2)
        draw_text(h.y + 1, m0, LAYOUT_MARGIN - 1, term_attr(R_DIM), a->logscale ? "     log" : "     lin");
    draw_text(h.y + H - 1, m0, LAYOUT_MARGIN - 1, term_attr(R_DIM), "       0");
    free(col);
    /* axis over u in [-1, 1] */
    ui_rect ax = L->axis;
    double ticks[16], step;
    int nt = layout_ticks(-1, 1, W / 10 < 2 ? 2 : W / 10 > 16 ? 16 : W / 10, ticks, &step);
    for (int c = 0; c < W; c++)
        draw_text(ax.y, ax.x + c, 1, term_attr(R_AXIS), utf8 ? "\u2500" : "-");
    int last = -1;
    for (int i = 0; i < nt; i++) {
        int c = layout_col_of_x(ticks[i], -1, 1, W);
        if (c < 0)
            continue;
        draw_text(ax.y, ax.x + c, 1, term_attr(R_AXIS), utf8 ? "\u253c" : "+");
        layout_fmt_tick(b, sizeof b, ticks[i], step);
        int lw = (int)strlen(b), st = c - lw / 2;
        if (st < 0)
            st = 0;
        if (st + lw > W)
            st = W - lw;
        if (st <= last)
            continue;
        draw_text(ax.y + 1, ax.x + st, lw, term_attr(R_AXIS), b);
        last = st + lw;
    }
    draw_text(ax.y + 1, m0, LAYOUT_MARGIN - 1, term_attr(R_DIM), " u=x/a_g");
    /* the focused scheme's levels, in u */
    ui_rect rg = L->rug;
    int sa = term_scheme_attr(a->focus);
    int fm = 0; /* the rug's first mark: the name runs on to it (view_rug_name) */
    levelset ls;
    util_err e = { { 0 } };
    const double *su;
    size_t sn = stored_is(a->schemes[a->focus]) ? app_stored_ulevels(a, r->job.item, app_prep(a, r->job.item), &su) : 0;
    if (sn) {
        /* the file's own levels in u (view_stored.c) */
        int *rc = util_calloc((size_t)W, sizeof *rc);
        layout_rug(su, sn, -1, 1, W, rc);
        for (int c = 0; c < W; c++)
            if (rc[c])
                draw_text(rg.y, rg.x + c, 1, sa, layout_rug_glyph(rc[c], utf8, b, sizeof b));
        while (fm < W && !rc[fm])
            fm++;
        free(rc);
    } else if (levels_build(a->schemes[a->focus], a->cfg.bits, a->cfg.is_signed, &a->cfg.lprm, &ls, &e) == 0) {
        int *rc = util_calloc((size_t)W, sizeof *rc);
        layout_rug(ls.v, ls.n, -1, 1, W, rc);
        for (int c = 0; c < W; c++)
            if (rc[c])
                draw_text(rg.y, rg.x + c, 1, sa, layout_rug_glyph(rc[c], utf8, b, sizeof b));
        while (fm < W && !rc[fm])
            fm++;
        free(rc);
        levels_free(&ls);
    }
    view_rug_name(a, rg.y, m0, a->focus, fm);
}

static void draw_note(app *a, const worker_gres *r, ui_rect R)
{
    const gq_view *v = &r->view;
    uint64_t groups = r->scales.n;
    uint64_t lo = v->nbins > 0 ? v->hist[0] : 0, hi = v->nbins > 0 ? v->hist[v->nbins - 1] : 0;
    uint64_t tot = 0;
    for (int i = 0; i < v->nbins; i++)
        tot += v->hist[i];
    char b1[32], b2[32], b3[32];
    int x = draw_textf(R.y, R.x, R.w, term_attr(R_BAR_CLIP), " ends: %s at -1, %s at +1 = %.2f per group",
                       cnt(b1, sizeof b1, lo), cnt(b2, sizeof b2, hi),
                       groups ? (double)(lo + hi) / (double)groups : 0.0);
    const scheme_def *d = levels_find(a->schemes[a->focus]);
    const char *why = strcmp(a->schemes[a->focus], "mxfp4") == 0
                          ? " (power-of-two scale: each group's largest |x| lands in [2/3, 4/3); above 1 saturates)"
                    : d && (d->flags & SCHEME_MX) ? " (absmax: each block's largest |x| lands at +-1)"
                    : a->cfg.amode == ALPHA_MAX ? " (absmax: each group's largest |x| lands at +-1)"
                    : a->cfg.amode == ALPHA_MSE ? " (mse alphas clip each group's tails)" : "";
    x += draw_textf(R.y, R.x + x, R.w - x, term_attr(R_DIM), "%s", why);
    draw_textf(R.y, R.x + x, R.w - x, 0, "   clipped |u|>1: %s (%s%%)", cnt(b3, sizeof b3, v->nclip),
               num(b1, sizeof b1, tot ? 100.0 * (double)v->nclip / (double)tot : 0.0));
}

/* The scales: a small histogram (side panel) or one sparkline row. */
static void draw_scales(app *a, const worker_gres *r, const glayout *L)
{
    const gview_scales *s = &r->scales;
    ui_rect R = L->scales;
    char b1[32], b2[32], b3[32];
    const char *lab = a->cfg.normalize ? "alpha_g (x normalized)" : "alpha_g";
    if (L->side) {
        int W = R.w - 2, H = R.h - 4;
        draw_textf(R.y, R.x, R.w, term_attr(R_DIM), "group scales %s, %s groups", lab,
                   cnt(b1, sizeof b1, s->n));
        if (W < 4 || H < 1 || !s->n)
            return;
        double *col = util_calloc((size_t)W, sizeof *col);
        glayout_resample(s->hist, s->nh, col, W);
        double mx = 0;
        for (int c = 0; c < W; c++)
            mx = fmax(mx, col[c]);
        for (int c = 0; c < W; c++) {
            int e = layout_bar_eighths((uint64_t)llround(col[c]), (uint64_t)llround(mx), H, 0);
            for (int k = 0; k < H; k++) {
                const char *g = layout_bar_glyph(e, k, a->utf8);
                if (g[0] != ' ')
                    draw_text(R.y + 1 + H - 1 - k, R.x + 1 + c, 1, term_attr(R_ALPHA), g);
            }
        }
        free(col);
        for (int c = 0; c < W; c++)
            draw_text(R.y + 1 + H, R.x + 1 + c, 1, term_attr(R_AXIS), a->utf8 ? "\u2500" : "-");
        draw_text(R.y + 2 + H, R.x + 1, 2, term_attr(R_AXIS), "0");
        layout_fmt_num(b1, sizeof b1, s->max, 3, 9);
        draw_text(R.y + 2 + H, R.x + 1 + W - (int)strlen(b1), (int)strlen(b1), term_attr(R_AXIS), b1);
        draw_textf(R.y + 3 + H, R.x, R.w, 0, " min %s  med %s  max %s", num(b1, sizeof b1, s->min),
                   num(b2, sizeof b2, s->median), num(b3, sizeof b3, s->max));
        return;
    }
    int x = draw_textf(R.y, R.x, R.w, term_attr(R_DIM), " scales %s: ", lab);
    int W = R.w / 3 < 48 ? R.w / 3 : 48;
    if (s->n && W >= 4) {
        double *col = util_calloc((size_t)W, sizeof *col);
        glayout_resample(s->hist, s->nh, col, W);
        double mx = 0;
        for (int c = 0; c < W; c++)
            mx = fmax(mx, col[c]);
        for (int c = 0; c < W; c++) {
            int e = layout_bar_eighths((uint64_t)llround(col[c]), (uint64_t)llround(mx), 1, 0);
            const char *g = layout_bar_glyph(e, 0, a->utf8);
            draw_text(R.y, R.x + x + c, 1, term_attr(R_ALPHA), g[0] == ' ' ? (a->utf8 ? "\u2581" : "_") : g);
        }
        free(col);
        x += W;
    }
    draw_textf(R.y, R.x + x, R.w - x, 0, " 0..%s  min %s  med %s  max %s", num(b1, sizeof b1, s->max),
               num(b2, sizeof b2, s->min), num(b3, sizeof b3, s->median), num(b1, sizeof b1, s->max));
}

static void draw_strip(app *a, const worker_gres *r, ui_rect R)
{
    const gq_view *v = &r->view;
    int W = R.w - 2;
    if (W < 1 || !v->sse)
        return;
    double *cell = util_calloc((size_t)W, sizeof *cell);
    int n = glayout_strip(v->sse, v->count, v->ngroups, W, cell);
    /* the shades span the cells' values (with many groups per cell the
     * largest of each is drawn: its own range keeps the contrast) */
    double lo = INFINITY, hi = 0;
    for (int c = 0; c < n; c++)
        if (cell[c] > 0) {
            lo = fmin(lo, cell[c]);
            hi = fmax(hi, cell[c]);
        }
    char b1[32], b2[32];
    size_t per = v->ngroups > (size_t)W ? (v->ngroups + (size_t)W - 1) / (size_t)W : 1;
    char per_s[48] = "";
    if (per > 1)
        snprintf(per_s, sizeof per_s, " (largest of ~%zu per cell)", per);
    draw_textf(R.y, R.x, R.w, term_attr(R_DIM), " sse per group, %zu groups in order%s: light %s .. dark %s (log)",
               v->ngroups, per_s, num(b1, sizeof b1, isfinite(lo) ? lo : 0), num(b2, sizeof b2, hi));
    for (int c = 0; c < n; c++) {
        int k = isnan(cell[c]) ? -1 : hi > 0 && cell[c] > 0 ? layout_heat_level(cell[c], lo, hi, 4) + 1 : 0;
        draw_text(R.y + 1, R.x + 1 + c, 1, term_attr(R_ALPHA), layout_heat_glyph(k, a->utf8));
    }
    free(cell);
}

/* The results of every scheme: the report's numbers. */
static void draw_numbers(app *a, ui_calc *c, ui_rect R)
{
    enum { N_MSE, N_SQNR, N_CLIP, N_ALPHA, N_BPW, N_ENT, N_REL, N_ROWS };
    static const struct { const char *label; int better; } rows[N_ROWS] = {
        { "mse", -1 }, { "sqnr dB", 1 }, { "clipped", 0 }, { "alpha mean", 0 },
        { "bits/weight", 0 }, { "entropy bits", 0 }, { "vs uniform", 0 },
    };
    int ns = a->nschemes, lw = 13;
    int cw = (R.w - lw) / (ns ? ns : 1);
    if (cw > 14)
        cw = 14;
    if (cw < 6)
        cw = 6;
    draw_textf(R.y, R.x, lw, term_attr(R_DIM), "%s", c->cfg.normalize ? "x normalized" : "x = w");
    for (int i = 0; i < ns && lw + (i + 1) * cw <= R.w + 1; i++)
        draw_textf(R.y, R.x + lw + i * cw, cw - 1, term_scheme_attr(i) | (i == a->focus ? A_REVERSE : 0), "%*s",
                   cw - 1, a->schemes[i]);
    if (!c->valid || !c->ok) {
        if (R.h > 1)
            draw_textf(R.y + 1, R.x, R.w, term_attr(c->valid ? R_ERROR : R_DIM), "%s",
                       c->valid ? c->msg : "computing every group's scale and error (the report's numbers follow)...");
        return;
    }
    /* a scheme without numbers says why under the table: its rows make room */
    int nerr = 0;
    for (int i = 0; i < ns; i++)
        nerr += !c->res[i].ok;
    int nrows = R.h - 1 - nerr < 3 ? 3 : R.h - 1 - nerr;
    for (int k = 0; k < N_ROWS && k < nrows; k++) {
        int y = R.y + 1 + k;
        draw_text(y, R.x, lw, 0, rows[k].label);
        double vals[UI_MAX_SCHEMES];
        for (int i = 0; i < ns; i++) {
            const analyze_result *r = &c->res[i];
            double v = NAN;
            if (r->ok)
                switch (k) {
                case N_MSE: v = r->r.mse; break;
                case N_SQNR: v = r->r.sqnr_db; break;
                case N_CLIP: v = r->r.clipped; break;
                case N_ALPHA: v = r->r.alpha; break;
                case N_BPW: v = r->bpw; break;
                case N_ENT: v = r->r.entropy_bits; break;
                case N_REL: v = r->relative_to_uniform; break;
                }
            vals[i] = v;
        }
        int best = rows[k].better ? layout_best(vals, ns, rows[k].better < 0) : -1;
        for (int i = 0; i < ns && lw + (i + 1) * cw <= R.w + 1; i++) {
            char b[48];
            double v = vals[i];
            if (!c->res[i].ok)
                snprintf(b, sizeof b, "-");
            else if (isnan(v))
                snprintf(b, sizeof b, "n/a");
            else if (k == N_SQNR)
                snprintf(b, sizeof b, isinf(v) ? "inf" : "%.2f", v);
            else if (k == N_CLIP)
                snprintf(b, sizeof b, "%.3g%%", v * 100);
            else if (k == N_BPW || k == N_ENT || k == N_REL)
                snprintf(b, sizeof b, "%.3f", v);
            else
                layout_fmt_num(b, sizeof b, v, 4, cw - 1);
            draw_textf(y, R.x + lw + i * cw, cw - 1, i == best ? term_attr(R_BEST) : 0, "%*s", cw - 1, b);
        }
    }
    /* a scheme without numbers says why, under the table */
    for (int i = 0, y = R.y + 1 + (nrows < N_ROWS ? nrows : N_ROWS); i < ns && y < R.y + R.h; i++)
        if (!c->res[i].ok)
            draw_textf(y++, R.x, R.w, term_attr(R_ERROR), "%s: %s", a->schemes[i], c->res[i].err);
}

void view_group_draw(app *a)
{
    glayout L;
    glayout_make(app_body_rows(a) - 1, a->cols, &L);
    app_calc(a, &a->calc, a->cur);
    view_header(a, &a->calc, a->cur, L.header.y, L.header.x, L.header.w);
    worker_gjob job;
    make_job(a, a->cur, &job);
    const worker_gres *r = a->gres && worker_gjob_same(&a->gres->job, &job) ? a->gres : NULL;
    draw_title(a, r, L.title);
    draw_numbers(a, &a->calc, L.results);
    if (!app_prep(a, a->cur))
        return;
    if (!r) {
        worker_want_group(a->w, &job);
        draw_text(L.hist.y + L.hist.h / 2, L.hist.x, L.hist.w, term_attr(R_DIM),
                  "computing each group's scale and error (a key never waits for it)...");
        return;
    }
    if (!r->view_ok) {
        /* a pair's original: its numbers are on the quantized grid, the
         * groups are the quantized tensor's own */
        int pair = stored_is(a->schemes[a->focus]) && !a->stored_has[a->cur] && app_stored_any(a, a->cur);
        draw_text(L.hist.y + L.hist.h / 2, L.hist.x - LAYOUT_MARGIN + 1, a->cols - 2, term_attr(R_ERROR),
                  pair ? (a->cols >= 100 ? "stored: the groups are the quantized tensor's own (its numbers on "
                                             "that grid: below); D shows the grid beside it"
                                         : "stored: groups of the quantized side only; D shows them")
                       : r->view_msg[0] ? r->view_msg : "no group view for this scheme");
        return;
    }
    draw_pooled(a, r, &L);
    draw_note(a, r, L.note);
    draw_scales(a, r, &L);
    draw_strip(a, r, L.strip);
}
