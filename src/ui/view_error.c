/*
 * view_error.c - the error histogram (E, issue 12): e = w - Q(w) of the
 * focused scheme over every finite value of the tensor (x - Q(x) in x
 * units when normalized), with its mean, rms and largest error, the
 * clipped tails (values beyond the outer levels, whose error exceeds half
 * a step) drawn in the clip colour and counted, the +-half-step range of
 * the unclipped errors marked, and the clipped values' share of the
 * squared error: where the error comes from.
 *
 * The numbers are quant/errhist.h's (exact, from the prepared tensor's
 * rank and sum queries); this file only draws. Also the flow and bar
 * helpers the other issue-12 views use (app.h).
 */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/numfmt.h"
#include "quant/errhist.h"
#include "quant/eval.h"
#include "ui/app.h"
#include "ui/term.h"

void flow_newline(ui_flow *f)
{
    f->y++;
    f->col = 0;
}

/* one word (with the spaces before it) where it fits whole */
void flow_word(ui_flow *f, int attr, const char *s, size_t n)
{
    char b[512];
    snprintf(b, sizeof b, "%.*s", (int)(n < sizeof b - 1 ? n : sizeof b - 1), s);
    int w = text_width(b);
    if (f->col > 0 && f->col + w > f->w) {
        flow_newline(f);
        while (*s == ' ' && n > 0) { /* a new row starts with the word */
            s++;
            n--;
        }
        snprintf(b, sizeof b, "%.*s", (int)(n < sizeof b - 1 ? n : sizeof b - 1), s);
        w = text_width(b);
    }
    if (f->y >= f->ymax)
        return;
    /* a word wider than a row (a long tensor name) is cut at its end */
    if (!f->dry && f->y >= f->ymin)
        draw_text(f->y, f->x + f->col, f->w - f->col, attr, b);
    f->col += w < f->w - f->col ? w : f->w - f->col;
}

void flow_put(ui_flow *f, int attr, const char *s)
{
    while (*s) {
        size_t i = 0;
        while (s[i] == ' ')
            i++;
        while (s[i] && s[i] != ' ')
            i++;
        flow_word(f, attr, s, i);
        s += i;
    }
}

void view_reason(app *a, int y, const char *lead, const char *why, int attr)
{
    ui_flow f = { y, app_body_rows(a) - 1, 2, a->cols - 4, 0, 0, 0 };
    flow_put(&f, attr, lead);
    flow_put(&f, attr, why);
}

void flow_putf(ui_flow *f, int attr, const char *fmt, ...)
{
    char b[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    flow_put(f, attr, b);
}

void view_bars(app *a, ui_rect R, const uint64_t *cnt, const uint64_t *hi, const unsigned char *marks)
{
    int W = R.w, H = R.h;
    if (W <= 0 || H <= 0)
        return;
    uint64_t mx = 0;
    for (int i = 0; i < W; i++)
        if (cnt[i] > mx)
            mx = cnt[i];
    for (int col = 0; col < W; col++) {
        int e = layout_bar_eighths(cnt[col], mx, H, a->logscale);
        /* the clipped part on top of the rest, in its own colour */
        int eh = hi && hi[col] ? layout_bar_eighths(cnt[col] - hi[col], mx, H, a->logscale) : e;
        if (hi && hi[col] == cnt[col])
            eh = 0;
        for (int r = 0; r < H; r++) {
            const char *g = layout_bar_glyph(e, r, a->utf8);
            int y = R.y + H - 1 - r;
            if (g[0] == ' ') {
                if (marks && marks[col])
                    draw_text(y, R.x + col, 1, term_attr(R_ALPHA), a->utf8 ? "\u250a" : ":");
                continue;
            }
            int clip = hi && hi[col] && r * 8 >= eh;
            draw_text(y, R.x + col, 1, term_attr(clip ? R_BAR_CLIP : R_BAR), g);
        }
    }
    char b[32];
    int mx0 = R.x - LAYOUT_MARGIN;
    draw_textf(R.y, mx0, LAYOUT_MARGIN - 1, term_attr(R_DIM), "%8s", util_fmt_si(b, sizeof b, (double)mx, 3));
    if (H > 2)
        draw_text(R.y + 1, mx0, LAYOUT_MARGIN - 1, term_attr(R_DIM), a->logscale ? "     log" : "     lin");
    draw_text(R.y + H - 1, mx0, LAYOUT_MARGIN - 1, term_attr(R_DIM), "       0");
    if (a->logscale)
        view_count_decades(mx, R.y, H, mx0);
}

void view_count_decades(uint64_t mx, int y, int H, int x)
{
    uint64_t dec[24];
    int row[24];
    int n = layout_log_decades(mx, H, dec, row, 24);
    for (int i = 0; i < n; i++) {
        char b[32];
        draw_textf(y + row[i], x, LAYOUT_MARGIN - 1, term_attr(R_DIM), "%8s",
                   numfmt_fit(b, sizeof b, (double)dec[i], 8, 3, NUMFMT_PLAIN | NUMFMT_SI));
    }
}

/* axis line and tick labels under bars over [lo, hi] */
static void draw_axis(app *a, int y, int x, int W, double lo, double hi)
{
    double ticks[64], step;
    int maxt = W / 10;
    maxt = maxt < 2 ? 2 : maxt > 60 ? 60 : maxt;
    int nt = layout_ticks(lo, hi, maxt, ticks, &step);
    for (int c = 0; c < W; c++)
        draw_text(y, x + c, 1, term_attr(R_AXIS), a->utf8 ? "\u2500" : "-");
    int last = -1;
    for (int i = 0; i < nt; i++) {
        int c = layout_col_of_x(ticks[i], lo, hi, W);
        if (c < 0)
            continue;
        draw_text(y, x + c, 1, term_attr(R_AXIS), a->utf8 ? "\u253c" : "+");
        char b[32];
        layout_fmt_tick(b, sizeof b, ticks[i], step);
        int lw = (int)strlen(b), st = c - lw / 2;
        st = st < 0 ? 0 : st + lw > W ? W - lw : st;
        if (st <= last || st < 0)
            continue;
        draw_text(y + 1, x + st, lw, term_attr(R_AXIS), b);
        last = st + lw;
    }
}

void view_error_draw(app *a)
{
    int rows = app_body_rows(a) - 1, cols = a->cols;
    const char *name = a->schemes[a->focus];
    const prep *p = app_prep(a, a->cur);
    int norm = a->cfg.normalize && p && eval_can_normalize(p);
    draw_fill(0, 0, cols, term_attr(R_HEADER));
    ui_flow f = { 0, 1, 0, cols, 0, 0, 0 };
    flow_putf(&f, term_attr(R_HEADER), "error histogram %s", norm ? "x - Q(x)" : "w - Q(w)");
    flow_putf(&f, term_scheme_attr(a->focus) | A_BOLD, "  %s", name);
    flow_putf(&f, term_attr(R_HEADER), "  %d bits", a->cfg.bits);
    static const char keys[] = "  (E: back, g: log counts)"; /* whole or not at all */
    flow_word(&f, term_attr(R_DIM), keys, sizeof keys - 1);
    char en[512];
    draw_textf(1, 0, cols, 0, "%s", app_esc(en, sizeof en, app_item_name(a, a->cur)));
    levelset ls;
    double al, sh;
    char why[UTIL_ERRLEN + 200];
    if (app_focus_levels(a, p, &ls, &al, &sh, why, sizeof why) < 0) {
        view_reason(a, 3, "no error histogram: ", why, term_attr(p ? R_ERROR : R_DIM));
        return;
    }
    errhist_stats es;
    if (errhist_stats_of(p, norm, &ls, sh, al, &es) < 0) {
        draw_text(3, 2, cols - 4, term_attr(R_ERROR), "no error histogram: alpha or normalization not usable");
        levels_free(&ls);
        return;
    }
    char b0[24], b1[24], b2[24], b3[24], b4[24];
    /* each label with its number as one piece: a row ends before "half
     * step 0.03", never between the two */
    ui_flow s = { 2, 6, 0, cols, 0, 0, 0 };
    char pc[160];
    double emax = fabs(es.emin) > fabs(es.emax) ? es.emin : es.emax;
    int ncl_attr = es.clipped_lo + es.clipped_hi ? term_attr(R_BAR_CLIP) : 0;
    struct { int attr; const char *label; const char *num; } pieces[] = {
        { 0, "mean", layout_fmt_num(b0, sizeof b0, es.mean, 3, 10) },
        { 0, "  rms", layout_fmt_num(b1, sizeof b1, es.rms, 4, 10) },
        { 0, "  max |e|", layout_fmt_num(b2, sizeof b2, fabs(emax), 4, 10) },
        { 0, "  alpha", layout_fmt_num(b3, sizeof b3, al, 4, 10) },
        { term_attr(R_ALPHA), "  half step", layout_fmt_num(b4, sizeof b4, es.step_half, 3, 10) },
    };
    for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
        snprintf(pc, sizeof pc, "%s %s", pieces[k].label, pieces[k].num);
        flow_word(&s, pieces[k].attr, pc, strlen(pc));
    }
    flow_newline(&s);
    snprintf(pc, sizeof pc, "clipped %llu below,", (unsigned long long)es.clipped_lo);
    flow_word(&s, ncl_attr, pc, strlen(pc));
    snprintf(pc, sizeof pc, " %llu above", (unsigned long long)es.clipped_hi);
    flow_word(&s, ncl_attr, pc, strlen(pc));
    snprintf(pc, sizeof pc, " (%s%% of values,",
             layout_fmt_num(b0, sizeof b0, 100.0 * (double)(es.clipped_lo + es.clipped_hi) / (double)es.n, 3, 8));
    flow_word(&s, ncl_attr, pc, strlen(pc));
    flow_putf(&s, ncl_attr, " %s%% of the squared error)",
              layout_fmt_num(b1, sizeof b1, es.sse > 0 ? 100 * es.sse_clip / es.sse : 0, 3, 8));
    /* bars over [-M, M] (M: the largest |e|, at least the half step) */
    int y0 = s.y + 1, W = cols - LAYOUT_MARGIN - 1, H = rows - y0 - 3;
    if (H < 2 || W < 8) {
        levels_free(&ls);
        return;
    }
    double M = fmax(fabs(es.emin), fabs(es.emax));
    if (!(M >= es.step_half))
        M = es.step_half;
    if (!(M > 0))
        M = 1;
    M = nextafter(M, INFINITY);
    /* z / Z and the cursor [ ] { } (view_explore.c) over the error axis */
    double lo, hi_e;
    view_explore_range(a, -M, M, &lo, &hi_e, W);
    uint64_t *cnt = util_calloc((size_t)W, sizeof *cnt), *hi = util_calloc((size_t)W, sizeof *hi);
    unsigned char *marks = util_calloc((size_t)W, 1);
    errhist_bins(p, norm, &ls, sh, al, lo, hi_e, W, cnt, hi);
    int c0 = layout_col_of_x(-es.step_half, lo, hi_e, W), c1 = layout_col_of_x(es.step_half, lo, hi_e, W);
    if (c0 >= 0)
        marks[c0] = 1;
    if (c1 >= 0)
        marks[c1] = 1;
    ui_rect R = { y0, LAYOUT_MARGIN, H, W };
    view_bars(a, R, cnt, hi, marks);
    int ccol = view_explore_col(a);
    if (ccol >= 0) {
        /* the cursor column, and its readout in place of the name */
        double e0 = lo + (hi_e - lo) * ccol / W, e1 = lo + (hi_e - lo) * (ccol + 1) / W;
        char r0[24], r1[24], r2[24], r3[24];
        draw_fill(1, 0, cols, 0);
        draw_textf(1, 0, cols, term_attr(R_TITLE), "e in [%s, %s): %llu value%s (%s%%), %llu clipped",
                   layout_fmt_num(r0, sizeof r0, e0, 4, 10), layout_fmt_num(r1, sizeof r1, e1, 4, 10),
                   (unsigned long long)cnt[ccol], UI_PL(cnt[ccol]),
                   layout_fmt_num(r2, sizeof r2, es.n ? 100.0 * (double)cnt[ccol] / (double)es.n : 0, 3, 8),
                   (unsigned long long)hi[ccol]);
        (void)r3;
    }
    draw_axis(a, y0 + H, LAYOUT_MARGIN, W, lo, hi_e);
    if (ccol >= 0) /* the cursor: a mark on the axis under its column */
        draw_text(y0 + H, LAYOUT_MARGIN + ccol, 1, term_attr(R_TITLE) | (int)A_REVERSE, a->utf8 ? "\u25b2" : "^");
    draw_text(y0 + H + 1, 0, LAYOUT_MARGIN - 1, term_attr(R_DIM), norm ? "       e" : "  w-Q(w)");
    ui_flow l = { y0 + H + 2, rows, 0, cols, 0, 0, 0 };
    flow_put(&l, term_attr(R_BAR_CLIP), a->utf8 ? "\u2588" : "#");
    flow_put(&l, term_attr(R_DIM), " clipped (beyond the outer levels)  ");
    flow_put(&l, term_attr(R_ALPHA), a->utf8 ? "\u250a" : ":");
    flow_putf(&l, term_attr(R_DIM), " +-half step: the rounding errors lie inside");
    free(cnt);
    free(hi);
    free(marks);
    levels_free(&ls);
}
