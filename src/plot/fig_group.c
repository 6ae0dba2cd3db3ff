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

/* A tic step of 1, 2 or 5 times a power of ten giving about n tics up to v. */
static double step_for(double v, int n)
{
    if (!(v > 0))
        return 1;
    double raw = v / n, p = pow(10, floor(log10(raw)));
    return raw <= p ? p : raw <= 2 * p ? 2 * p : raw <= 5 * p ? 5 * p : 10 * p;
}

double fig_group_height(const plot_spec *s, double width_cm)
{
    (void)s;
    return width_cm > 12 ? 8.0 : 7.4;
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

    /* layout: a title line (scheme, granularity, bpw, mse), the u
     * histogram (58%), the scales under it */
    double H = st->height_cm, fs = st->font_pt / 8.0;
    double bot = 1.25 * fs / H, top = 1 - 0.62 * fs / H;
    double split = bot + 0.36 * (top - bot);
    char line[512];
    /* colours (Okabe-Ito blue, vermillion, bluish green) or, with --mono, greys */
    sbuf_puts(b, st->mono ? "set linetype 1 lc rgb '#000000' lw 1\n" : "set linetype 1 lc rgb '#0072B2' lw 1\n");
    sbuf_puts(b, "set border 3 lw 0.8\nset tics nomirror out scale 0.5\n"
                 "set key top left samplen 1 spacing 1.05 width -2\n");
    sbuf_puts(b, "set multiplot\nset lmargin 8\nset rmargin 2\n");
    snprintf(line, sizeof line, "%s %s, %.3g bpw, MSE %.2g", f->scheme,
             f->granularity ? f->granularity : "group", f->bpw, f->r.mse);
    sbuf t0 = { 0 };
    txt(&t0, st, line);
    sbuf_puts(b, "set label 1 ");
    put(b, &t0);
    sbuf_printf(b, " at screen 0.5, screen %.4f center\n", 1 - 0.3 * fs / H);
    if (!st->latex)
        sbuf_puts(b, "set label 1 noenhanced\n");
    sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\n", top, split + 1.15 * fs / H);
    sbuf_puts(b, "set xrange [-1.06:1.06]\nset xtics 0.5\nset mxtics 5\nset format x '% h'\n");
    sbuf_printf(b, "set yrange [0:%.6g]\nset ytics %.17g format '%%.0f'\nset ylabel 'count'\n", peak * 1.45,
                step_for(peak, 4));
    sbuf_puts(b, "set xlabel ");
    sbuf t = { 0 };
    sbuf_puts(&t, st->latex ? "$u = x/\\alpha_g$" : "u = x / α_g");
    put(b, &t);
    sbuf_puts(b, " offset 0, 0.6\n");
    /* the levels: a faint line over the bars and a tick at the foot */
    for (size_t j = 0; j < lk->n; j++)
        sbuf_printf(b, "set arrow from %.17g, graph 0 to %.17g, graph 1 nohead lt 1 lw 0.4 dt 3 back\n",
                    lk->rows[j].x, lk->rows[j].x);
    uint64_t ends = hist[0] + hist[FG_BINS - 1];
    snprintf(line, sizeof line, "%s %.2f per group", st->latex ? "$\\pm 1$:" : "±1:",
             sc.n ? (double)ends / (double)sc.n : 0.0);
    sbuf t3 = { 0 };
    sbuf_puts(&t3, line);
    sbuf_printf(b, "plot $u using 1:2:(%.17g) with boxes fs solid 1.0 noborder lc rgb '#B0B0B0' notitle, \\\n", bw);
    sbuf_printf(b, "     $ends using 1:2:(%.17g) with boxes fs solid 1.0 noborder lc rgb ", bw);
    sbuf_puts(b, st->mono ? "'#404040' title " : "'#D55E00' title ");
    put(b, &t3);
    sbuf_printf(b, ", \\\n     $levels using 1:(0):(0):(%.6g) with vectors nohead lt 1 lw 1.5 title 'levels'\n",
                peak * 0.1);
    sbuf_puts(b, "\n# The group scales.\nunset arrow\nunset label\nunset mxtics\nset key top left\n");
    sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\n", split, bot);
    double xmax = (sc.max > 0 ? sc.max : 1) * 1.02;
    double stp = step_for(xmax, 3);
    sbuf_printf(b, "set xrange [0:%.17g]\nset xtics %.17g\nset format x '%%g'\n", xmax, stp);
    sbuf_printf(b, "set yrange [0:%.6g]\nset ytics %.17g\nset ylabel 'groups'\n", speak * 1.25,
                step_for(speak, 2));
    sbuf t4 = { 0 };
    sbuf_puts(&t4, st->latex ? "group scale $\\alpha_g$" : "group scale α_g");
    sbuf_puts(b, "set xlabel ");
    put(b, &t4);
    sbuf_puts(b, " offset 0, 0.6\n");
    snprintf(line, sizeof line, "%llu groups", (unsigned long long)sc.n);
    sbuf t5 = { 0 };
    sbuf_puts(&t5, line);
    sbuf_printf(b, "plot $scales using 1:2:(%.17g) with boxes fs solid 1.0 noborder lc rgb ", sw);
    sbuf_puts(b, st->mono ? "'#808080' title " : "'#009E73' title ");
    put(b, &t5);
    sbuf_puts(b, "\nunset multiplot\n");
    gview_scales_free(&sc);
    gq_view_free(&v);
    return 0;
}
