/*
 * fig_group.c - the group figure: --figure=histogram at a group
 * granularity (group:G, block:RxC, and the MX block formats) draws what
 * the viewer's group view shows (ui/view_group.c): the pooled histogram
 * of every value over its own group's stored alpha, u = x / alpha_g on
 * [-1, 1], with the scheme's levels (u-levels are the level set) and the
 * end bins marked (absmax puts one value of every group at +-1), and
 * under it the distribution of the group scales alpha_g.
 *
 * Numbers: quant/gview.h, the same group_analyze_codes call as --report
 * for every scheme, and the view of the first scheme (one gq_run with the
 * view sink). The quoting rule of plot.c holds here too (tests/
 * plot-quote.sh lints this file): scripts are fixed literals, numbers and
 * fig_quote.
 */
#include "config.h"
#include "plot/fig_group.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/gview.h"
#include "quant/levels.h"

#define FG_BINS 101         /* bins of u over [-1, 1] (odd: one centred on 0) */
#define FG_SCALE_BINS 40

/* Blocks as figures.c makes them (fig_data_free frees them). */
static fig_block *block(fig_data *d, const char *name, const char *scheme, const char *series)
{
    d->b = util_realloc(d->b, (size_t)(d->n + 1) * sizeof *d->b);
    fig_block *k = util_calloc(1, sizeof *k);
    d->b[d->n++] = k;
    snprintf(k->name, sizeof k->name, "%s", name);
    k->scheme = scheme;
    k->series = series;
    return k;
}

static void row(fig_block *k, double x, double y)
{
    if (k->n == k->cap) {
        k->cap = k->cap ? 2 * k->cap : 64;
        k->rows = util_realloc(k->rows, k->cap * sizeof *k->rows);
    }
    fig_row *r = &k->rows[k->n++];
    memset(r, 0, sizeof *r);
    r->x = x;
    r->y = y;
    r->z = NAN;
}

/* Text for .tex (cairolatex): LaTeX specials escaped; else as is. */
static void txt(sbuf *t, const fig_style *st, const char *s)
{
    if (!st->latex) {
        sbuf_puts(t, s);
        return;
    }
    for (; *s; s++) {
        char c[3] = { *s, 0, 0 };
        switch (*s) {
        case '_': case '%': case '&': case '#': case '$': case '{': case '}':
            c[0] = '\\';
            c[1] = *s;
            sbuf_puts(t, c);
            break;
        case '~': sbuf_puts(t, "\\textasciitilde{}"); break;
        case '^': sbuf_puts(t, "\\textasciicircum{}"); break;
        case '\\': sbuf_puts(t, "\\textbackslash{}"); break;
        case '\'': sbuf_puts(t, "{'}"); break;
        default: sbuf_puts(t, c); break;
        }
    }
}

/* Append t quoted as a gnuplot string and free it. */
static void put(sbuf *b, sbuf *t)
{
    fig_quote(b, FQ_STRING, t->s ? t->s : "");
    sbuf_free(t);
}

double fig_group_height(const plot_spec *s, double width_cm)
{
    (void)s;
    return width_cm > 12 ? 8.0 : width_cm < 7 ? 6.4 : 7.4;
}

int fig_group(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    if (!s->raw.vals || s->raw.count == 0) {
        util_err_set(err, "the group figure needs the tensor's values in C order");
        return -1;
    }
    int ns = s->nschemes;
    if (ns < 1 || ns > OPTIONS_MAX_SCHEMES) {
        util_err_set(err, "the group figure needs 1 to %d schemes", OPTIONS_MAX_SCHEMES);
        return -1;
    }
    char vmsg[UTIL_ERRLEN];
    if (!gview_possible(&s->cfg, s->schemes[0], vmsg, sizeof vmsg)) {
        util_err_set(err, "no group figure: %s", vmsg);
        return -1;
    }
    analyze_result res[OPTIONS_MAX_SCHEMES];
    int handled[OPTIONS_MAX_SCHEMES];
    gq_view v;
    memset(&v, 0, sizeof v);
    v.nbins = FG_BINS;
    uint64_t hist[FG_BINS] = { 0 };
    v.hist = hist;
    int vok = 0;
    if (gview_analyze(&s->raw, NULL, &s->cfg, s->schemes, ns, handled, res, 0, &v, &vok, vmsg, sizeof vmsg,
                      err) < 0)
        return -1;
    if (!vok) {
        gq_view_free(&v);
        util_err_set(err, "%s: %s", s->schemes[0], vmsg);
        return -1;
    }
    gview_scales sc;
    gview_summary(&v, FG_SCALE_BINS, &sc);
    const analyze_result *f = &res[0];

    /* data: u histogram (end bins apart), levels, scales, results */
    double bw = 2.0 / FG_BINS, peak = 1;
    fig_block *hk = block(d, "u", s->schemes[0], "count");
    fig_block *ek = block(d, "ends", s->schemes[0], "end_count");
    for (int i = 0; i < FG_BINS; i++) {
        double x = -1 + (i + 0.5) * bw;
        row(i == 0 || i == FG_BINS - 1 ? ek : hk, x, (double)hist[i]);
        peak = fmax(peak, (double)hist[i]);
    }
    fig_block *lk = block(d, "levels", s->schemes[0], "level");
    levelset ls;
    util_err e2 = { { 0 } };
    if (levels_build(s->schemes[0], s->cfg.bits, s->cfg.is_signed, &s->cfg.lprm, &ls, &e2) == 0) {
        for (size_t j = 0; j < ls.n; j++)
            row(lk, ls.v[j], 0);
        levels_free(&ls);
    }
    fig_block *sk = block(d, "scales", s->schemes[0], "scale_count");
    double sw = sc.max > 0 ? sc.max / sc.nh : 1, speak = 1;
    for (int i = 0; i < sc.nh; i++) {
        row(sk, (i + 0.5) * sw, (double)sc.hist[i]);
        speak = fmax(speak, (double)sc.hist[i]);
    }
    for (int i = 0; i < ns; i++) {
        char name[40];
        snprintf(name, sizeof name, "result_%d", i + 1);
        fig_block *r = block(d, name, res[i].scheme, "mse_at_bpw");
        if (res[i].ok)
            row(r, res[i].bpw, res[i].r.mse);
    }

    /* Layout, in cm: a title (scheme, bits, granularity; bpw and MSE: one
     * line or two), a key row (the levels, the end bins), the u histogram
     * (60 % of what is left), its axis, the scales, their axis. */
    double W = st->width_cm, H = st->height_cm, fs = st->font_pt / 8.0, line = 0.40 * fs;
    int logy = s->log_counts;
    sbuf ta = { 0 }, tb = { 0 };
    fg_txt_scheme(&ta, st, f->scheme);
    sbuf_printf(&ta, " %d-bit, ", s->cfg.bits);
    txt(&ta, st, f->granularity ? f->granularity : "group");
    tb.s = NULL;
    fg_txt_num_as(&tb, st, f->bpw, FG_NUM_FIXED);
    sbuf_puts(&tb, " bpw, MSE ");
    fg_txt_num(&tb, st, f->r.mse);
    int tl = fg_text_cm(fg_vis_len(ta.s) + 2 + fg_vis_len(tb.s), st) <= W - 0.3 ? 1 : 2;
    uint64_t ends = hist[0] + hist[FG_BINS - 1];
    char kend[64];
    snprintf(kend, sizeof kend, "%s %.2f per group", st->latex ? "$\\pm 1$:" : "±1:",
             sc.n ? (double)ends / (double)sc.n : 0.0);
    double e1 = fg_key_entry_cm(st, "levels"), e2w = fg_key_entry_cm(st, kend);
    int krows = e1 + e2w <= W - 0.2 ? 1 : 2;
    double top = (tl + krows) * line + 0.15, bm = 1.05 * fs, mid = 1.15 * fs;
    double avail = H - top - bm - mid, h1 = 0.6 * avail, h2 = avail - h1;
    /* too small for both panels (5x3.5 cm): the u histogram alone under a
     * one-line title, when that fits (the rest is in the CSV) */
    int compact = 0;
    if ((h1 < 3 * line || h2 < 2 * line) && H - (line + 0.15) - bm >= 3 * line &&
        fg_text_cm(fg_vis_len(ta.s), st) <= W - 0.2) {
        compact = 1;
        tl = 1;
        krows = 0;
        top = line + 0.15;
        h1 = H - top - bm;
        h2 = 2 * line;
    }
    if (h1 < 3 * line || h2 < 2 * line) {
        sbuf_free(&ta);
        sbuf_free(&tb);
        gview_scales_free(&sc);
        gq_view_free(&v);
        util_err_set(err, "a %gx%g cm group figure leaves %.1f cm for its two panels at %g pt: give it more height "
                     "(--size=%gx%.1f)", W, H, fmax(avail, 0), st->font_pt, W,
                     top + bm + mid + fmax(3 * line / 0.6, 2 * line / 0.4) + 0.05);
        return -1;
    }
    /* tick labels of the counts: at most 5 digits, or 10^k */
    double ymax1 = logy ? peak * 2 : peak * 1.12, ymax2 = logy ? speak * 2 : speak * 1.12;
    int dig = logy ? 4 : (int)floor(log10(fmax(ymax1, ymax2))) + 1;
    double lm = 0.1 + line + fg_text_cm((size_t)dig, st) * 1.2 + 0.25, rm = 0.35;
    /* colours (Okabe-Ito blue, vermillion, bluish green) or, with --mono, greys */
    sbuf_puts(b, st->mono ? "set linetype 1 lc rgb '#000000' lw 1\nset linetype 2 lc rgb '#404040' lw 3\n"
                          : "set linetype 1 lc rgb '#0072B2' lw 1\nset linetype 2 lc rgb '#D55E00' lw 3\n");
    sbuf_puts(b, "set border 3 lw 0.8\nset tics nomirror out scale 0.5\nunset key\n");
    sbuf_printf(b, "set multiplot\nset lmargin at screen %.4f\nset rmargin at screen %.4f\n", lm / W, 1 - rm / W);
    if (compact) {
        sbuf_free(&tb);
        sbuf_puts(b, "# compact: no room for the bpw and MSE, the key and the scales (they are in the CSV)\n");
    } else if (tl == 1) {
        sbuf_puts(&ta, ", ");
        sbuf_puts(&ta, tb.s);
        sbuf_free(&tb);
    }
    sbuf_puts(b, "set label 1 ");
    put(b, &ta);
    sbuf_printf(b, " at screen 0.5, screen %.4f center\n", 1 - (0.5 * line + 0.05) / H);
    if (tl == 2 && !compact) {
        sbuf_puts(b, "set label 2 ");
        put(b, &tb);
        sbuf_printf(b, " at screen 0.5, screen %.4f center\n", 1 - (1.5 * line + 0.05) / H);
    }
    /* the key: a sample line and a text per entry, centred in its rows */
    if (!compact) {
        double y1 = 1 - ((tl + 0.5) * line + 0.1) / H, y2 = krows == 2 ? y1 - line / H : y1;
        double samp = fg_key_samp_cm(st), gap = fg_key_gap_cm(st);
        double x1 = krows == 1 ? (W - e1 - e2w + gap) / 2 : (W - e2w + gap) / 2;
        double x2 = krows == 1 ? x1 + e1 : x1;
        const char *kt[2] = { "levels", kend };
        double kx[2] = { x1, x2 }, ky[2] = { y1, y2 };
        for (int k = 0; k < 2; k++) {
            sbuf_printf(b, "set arrow %d from screen %.4f, screen %.4f to screen %.4f, screen %.4f nohead lt %d lw %g\n",
                        900 + k, kx[k] / W, ky[k], (kx[k] + samp) / W, ky[k], k + 1, k ? 3.0 : 1.5);
            sbuf_printf(b, "set label %d ", 900 + k);
            fig_quote(b, FQ_STRING, kt[k]);
            sbuf_printf(b, " at screen %.4f, screen %.4f left front\n", (kx[k] + samp + 0.12) / W, ky[k]);
        }
    }
    double u_top = H - top, u_bot = u_top - h1;
    sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\n", u_top / H, u_bot / H);
    sbuf_printf(b, "set xrange [-1.06:1.06]\nset xtics %.17g\nset mxtics 2\nset format x '%% h'\n",
                fg_tick_step(-1, 1, W - lm - rm, st, 1));
    sbuf_puts(b, "set xlabel offset 0, 0.5\nset xtics offset 0, 0.3\nset ylabel 'count'\n");
    if (logy) {
        sbuf_printf(b, "set logscale y\nset yrange [0.8:%.6g]\n", ymax1);
        sbuf_puts(b, st->latex ? "set format y '$10^{%T}$'\n" : "set format y '10^{%T}'\n");
        fg_set_log_ytics(b, st, 0.8, ymax1, h1);
    } else
        sbuf_printf(b, "set yrange [0:%.6g]\nset ytics %.17g format '%%.0f'\n", ymax1,
                    fmax(1, fg_tick_step(0, ymax1, h1, st, 0)));
    sbuf_puts(b, "set xlabel ");
    sbuf t = { 0 };
    sbuf_puts(&t, st->latex ? "$u = x/\\alpha_g$" : "u = x / α_g");
    put(b, &t);
    sbuf_puts(b, "\n");
    /* the levels: a faint line over the bars and a tick at the foot */
    for (size_t j = 0; j < lk->n; j++)
        sbuf_printf(b, "set arrow from %.17g, graph 0 to %.17g, graph 1 nohead lt 1 lw 0.4 dt 3 back\n",
                    lk->rows[j].x, lk->rows[j].x);
    double foot = logy ? 0.8 : 0;
    sbuf_printf(b, "plot $u using 1:2:(%.17g) with boxes fs solid 1.0 noborder lc rgb '#B0B0B0' notitle, \\\n", bw);
    sbuf_printf(b, "     $ends using 1:2:(%.17g) with boxes fs solid 1.0 noborder lt 2 notitle", bw);
    if (logy)
        sbuf_printf(b, ", \\\n     $levels using 1:(%.6g):(0):(%.6g) with vectors nohead lt 1 lw 1.5 notitle\n", foot,
                    foot * (pow(ymax1 / foot, 0.1) - 1));
    else
        sbuf_printf(b, ", \\\n     $levels using 1:(0):(0):(%.6g) with vectors nohead lt 1 lw 1.5 notitle\n",
                    ymax1 * 0.08);
    if (compact) {
        sbuf_puts(b, "unset multiplot\n");
        gview_scales_free(&sc);
        gq_view_free(&v);
        return 0;
    }
    sbuf_puts(b, "\n# The group scales.\nunset arrow\nunset label\nunset mxtics\nunset logscale y\n");
    sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\n", (u_bot - mid) / H, bm / H);
    double xmax = (sc.max > 0 ? sc.max : 1) * 1.02;
    sbuf_printf(b, "set xrange [0:%.17g]\nset xtics %.17g\nset format x '%% h'\n", xmax,
                fg_tick_step(0, xmax, W - lm - rm, st, 1));
    sbuf_puts(b, "set ylabel 'groups'\n");
    if (logy) {
        sbuf_printf(b, "set logscale y\nset yrange [0.8:%.6g]\n", ymax2);
        sbuf_puts(b, st->latex ? "set format y '$10^{%T}$'\n" : "set format y '10^{%T}'\n");
        fg_set_log_ytics(b, st, 0.8, ymax2, h2);
    } else
        sbuf_printf(b, "set yrange [0:%.6g]\nset ytics %.17g format '%%.0f'\n", ymax2,
                    fmax(1, fg_tick_step(0, ymax2, h2, st, 0)));
    sbuf t4 = { 0 };
    /* centred on the plot: the long form when it fits there */
    char ng[32];
    snprintf(ng, sizeof ng, "%llu groups", (unsigned long long)sc.n);
    int longf = fg_text_cm(strlen(ng) + 18, st) <= W - lm - rm + 2 * fmin(lm, rm) - 0.2;
    sbuf_printf(&t4, "%s%s%s%s", longf ? "group scale " : "", st->latex ? "$\\alpha_g$" : "α_g", longf ? " (" : ", ",
                ng);
    if (longf)
        sbuf_puts(&t4, ")");
    sbuf_puts(b, "set xlabel ");
    put(b, &t4);
    sbuf_puts(b, "\n");
    sbuf_printf(b, "plot $scales using 1:2:(%.17g) with boxes fs solid 1.0 noborder lc rgb ", sw);
    sbuf_puts(b, st->mono ? "'#808080' notitle" : "'#009E73' notitle");
    sbuf_puts(b, "\nunset multiplot\n");
    gview_scales_free(&sc);
    gq_view_free(&v);
    return 0;
}
