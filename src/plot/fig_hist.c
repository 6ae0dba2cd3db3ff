/*
 * fig_hist.c - the histogram, levels and transfer figures (the level sets on their
 * own, on a tensor's histogram, and as Q(x) staircases: the APoT paper's
 * Figure 2).
 */
#include "config.h"
#include "plot/fig_common.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant/eval.h"
#include "quant/group.h"
#include "quant/levels.h"
#include "quant/stored.h"

/* ---- histogram --------------------------------------------------------------- */

int fig_histogram(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    if (s->npanels > 0)
        return fig_panels(s, st, d, b, err);
    if (fg_need_tensor(s, err) < 0)
        return -1;
    analyze_result res[OPTIONS_MAX_SCHEMES];
    int ns = s->nschemes;
    if (analyze_tensor(s->p, &s->cfg, s->schemes, ns, 0, res, err) < 0)
        return -1;
    /* Each scheme's clipping range: its extreme levels (+-alpha, or [0, alpha]
     * unsigned, or shifted for an affine set). */
    double rlo[OPTIONS_MAX_SCHEMES], rhi[OPTIONS_MAX_SCHEMES], shift[OPTIONS_MAX_SCHEMES];
    double lo = fg_xlo_of(s), hi = fg_xhi_of(s);
    for (int i = 0; i < ns; i++) {
        rlo[i] = rhi[i] = shift[i] = 0;
        if (stored_is(res[i].scheme) && s->stored_res) {
            /* the file's own grid (quant/stored.h): its result as given,
             * its range that of the levels of its groups */
            res[i] = *s->stored_res;
            for (size_t j = 0; j < s->nstored_levels; j++) {
                double v = s->stored_levels[j];
                rlo[i] = j == 0 || v < rlo[i] ? v : rlo[i];
                rhi[i] = j == 0 || v > rhi[i] ? v : rhi[i];
            }
            continue;
        }
        levelset ls;
        util_err e2 = { { 0 } };
        if (!res[i].ok ||
            levels_build(res[i].scheme, s->cfg.bits, s->cfg.is_signed, &s->cfg.lprm, &ls, &e2) < 0)
            continue;
        shift[i] = eval_shift(s->p, &ls, res[i].r.alpha, s->cfg.normalize);
        rlo[i] = shift[i] + res[i].r.alpha * ls.v[0];
        rhi[i] = shift[i] + res[i].r.alpha * ls.v[ls.n - 1];
        lo = fmin(lo, rlo[i]);
        hi = fmax(hi, rhi[i]);
        levels_free(&ls);
    }
    double pad = 0.03 * (hi - lo);
    if (!(pad > 0))
        pad = 0.5;
    lo -= pad;
    hi += pad;
    uint64_t n = s->p->st.n;
    int nbins = (int)lround(2 * cbrt((double)n)); /* Rice's rule, at least 40 */
    nbins = nbins < 40 ? 40 : nbins > 200 ? 200 : nbins;
    uint64_t *counts = util_calloc((size_t)nbins, sizeof *counts);
    eval_histogram(s->p, s->cfg.normalize, lo, hi, nbins, counts);
    double bw = (hi - lo) / nbins, peak = 0;
    fig_block *hk = fg_add_block(d, "hist", NULL, "count");
    for (int i = 0; i < nbins; i++) {
        fg_add_row(hk, lo + (i + 0.5) * bw, (double)counts[i]);
        if ((double)counts[i] > peak)
            peak = (double)counts[i];
    }
    free(counts);
    for (int i = 0; i < ns; i++) {
        char name[40];
        snprintf(name, sizeof name, "levels_%d", i + 1);
        fig_block *k = fg_add_block(d, name, res[i].scheme, "level");
        snprintf(name, sizeof name, "result_%d", i + 1);
        fig_block *r = fg_add_block(d, name, res[i].scheme, "result");
        if (!res[i].ok)
            continue;
        fg_add_row(r, res[i].r.alpha, res[i].r.mse);
        if (res[i].stored) {
            /* the levels of the file's groups (a spread sample), one each */
            for (size_t j = 0; j < s->nstored_levels; j++)
                if (s->stored_levels[j] >= lo && s->stored_levels[j] <= hi)
                    fg_add_row(k, s->stored_levels[j], 1);
            continue;
        }
        levelset ls;
        util_err e2 = { { 0 } };
        if (levels_build(res[i].scheme, s->cfg.bits, s->cfg.is_signed, &s->cfg.lprm, &ls, &e2) < 0)
            continue;
        uint64_t *lc = util_calloc(ls.n, sizeof *lc);
        eval_result er;
        if (eval_full(s->p, &ls, res[i].r.alpha, s->cfg.normalize, &er, lc, &e2) == 0)
            for (size_t j = 0; j < ls.n; j++)
                fg_add_row(k, shift[i] + res[i].r.alpha * ls.v[j], (double)lc[j]);
        free(lc);
        levels_free(&ls);
    }

    /* Layout: the histogram on top with each scheme's +-alpha dashed; below
     * it one row per scheme with its levels (the rug) and, at the right,
     * its MSE: the legend. Both panels share the x axis and margins.
     * Heights in cm -> screen fractions. */
    double H = st->height_cm, fs = st->font_pt / 8.0, line = LINE_CM * fs;
    double bot = 1.0 * fs / H;                       /* x tics + label */
    double strip = line * (ns + 0.75) / H;
    double top = 1 - 0.3 * line / H;
    double split = bot + strip;
    double panel = (top - split) * H - 0.08;         /* the histogram's height, cm */
    if (panel < 2.5 * line) {
        util_err_set(err, "a %gx%g cm histogram of %d schemes leaves %.1f cm for the counts at %g pt: "
                     "give it more height (--size=%gx%.1f) or fewer schemes",
                     st->width_cm, H, ns, panel > 0 ? panel : 0, st->font_pt, st->width_cm,
                     H + 2.5 * line - panel + 0.05);
        return -1;
    }
    char peakbuf[32];
    snprintf(peakbuf, sizeof peakbuf, "%.0f", fmax(peak, 1));
    size_t longest = strlen(peakbuf);
    for (int i = 0; i < ns; i++)
        longest = fmax(longest, strlen(fg_scheme_title(res[i].scheme)));
    double lm = 0.5 * fs + fg_text_cm(longest, st) + 0.3, rm = fg_text_cm(10, st) + 0.25;
    fg_set_styles(b, s, st);
    sbuf_printf(b, "set multiplot\nset lmargin at screen %.4f\nset rmargin at screen %.4f\n", lm / st->width_cm,
                1 - rm / st->width_cm);
    sbuf_printf(b, "set xrange [%.17g:%.17g]\n", lo, hi);
    fg_set_xstep(b, st, lo, hi, st->width_cm - lm - rm);
    sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\n", top, split + 0.08 / H);
    sbuf_puts(b, "set format x ''\nset ylabel 'count'\nunset key\n");
    if (s->log_counts) {
        sbuf_printf(b, "set logscale y\nset yrange [0.8:%.6g]\n", fmax(peak, 1) * 1.5);
        sbuf_puts(b, st->latex ? "set format y '$10^{%T}$'\n" : "set format y '10^{%T}'\n");
        int dec = (int)ceil(log10(fmax(peak, 1) * 1.5));
        int every = (int)ceil((dec + 1) * 1.6 * line / panel);
        sbuf_printf(b, "set ytics 10**%d\n", every < 1 ? 1 : every);
    } else
        sbuf_printf(b, "set yrange [0:%.6g]\nset ytics 0, %.17g format '%%.0f'\n", fmax(peak, 1) * 1.05,
                    fmax(1, fg_nice_step(fmax(peak, 1) * 1.05, panel, 1.7 * line)));
    for (int i = 0; i < ns; i++) {
        if (!res[i].ok)
            continue;
        for (int k = 0; k < (rlo[i] != 0 ? 2 : 1); k++) {
            double x = k ? rlo[i] : rhi[i];
            sbuf_printf(b, "set arrow from %.17g, graph 0 to %.17g, graph 1 nohead lt %d lw 1", x, x, i + 1);
            sbuf_puts(b, st->mono ? " front\n" : " dt 2 front\n");
        }
    }
    /* the key of the dashed lines, in the right margin at the top: a
     * short dashed line and "±alpha" */
    {
        double W = st->width_cm, kx = (W - rm + 0.2) / W, ky = top - 0.5 * line / H;
        sbuf_printf(b, "set arrow 90 from screen %.4f, screen %.4f to screen %.4f, screen %.4f nohead "
                       "lc rgb '#404040' lw 1 front\n", kx, ky, kx + 0.6 * fs / W, ky);
        sbuf_puts(b, st->mono ? "" : "set arrow 90 dt 2\n");
        sbuf_puts(b, "set label 90 ");
        sbuf t = { 0 };
        sbuf_puts(&t, st->latex ? "$\\pm\\alpha$" : "±α");
        fg_put_text(b, &t);
        sbuf_printf(b, " at screen %.4f, screen %.4f left front\n", kx + 0.72 * fs / W, ky);
    }
    sbuf_printf(b, "plot $hist using 1:2:(%.17g) with boxes fs solid 1.0 noborder lc rgb '#C8C8C8' notitle\n",
                bw);
    sbuf_puts(b, "\n# The level sets at each scheme's alpha, one row per scheme, and the MSE.\n");
    sbuf_puts(b, "unset arrow\nunset label 90\nunset logscale y\nunset ylabel\nset format x '% h'\n");
    sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\n", split, bot);
    sbuf_printf(b, "set yrange [0.5:%d.3]\nset border 1 lw 0.8\n", ns + 1);
    const char *names[OPTIONS_MAX_SCHEMES];
    double mses[OPTIONS_MAX_SCHEMES];
    for (int i = 0; i < ns; i++) {
        names[i] = res[i].scheme;
        mses[i] = res[i].ok ? res[i].r.mse : NAN;
    }
    fg_row_labels(b, s, st, names, mses);
    sbuf_puts(b, "set xlabel ");
    fig_quote(b, FQ_STRING, fg_x_label(s, st));
    sbuf_puts(b, " offset 0, 0.6\nset xtics offset 0, 0.3\n");
    for (int i = 0; i < ns; i++)
        if (res[i].ok)
            sbuf_printf(b, "set arrow from %.17g,%d to %.17g,%d nohead lt %d lw 0.6 back\n",
                        rlo[i], ns - i, rhi[i], ns - i, i + 1);
    sbuf_puts(b, "plot ");
    for (int i = 0; i < ns; i++) {
        sbuf_puts(b, i ? ", \\\n     " : "");
        sbuf_printf(b, "$levels_%d using 1:(%d-0.32):(0):(0.64) with vectors nohead lt %d dt 1 lw 1 notitle",
                    i + 1, ns - i, i + 1);
    }
    sbuf_puts(b, "\nunset multiplot\n");
    return 0;
}

/* ---- levels --------------------------------------------------------------- */

int fig_levels(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    int ns = s->nschemes;
    size_t maxn = 0;
    for (int i = 0; i < ns; i++) {
        levelset ls;
        if (levels_build(s->schemes[i], s->cfg.bits, s->cfg.is_signed, &s->cfg.lprm, &ls, err) < 0)
            return -1;
        char name[40];
        snprintf(name, sizeof name, "levels_%d", i + 1);
        fig_block *k = fg_add_block(d, name, ls.scheme, "level");
        for (size_t j = 0; j < ls.n; j++)
            fg_add_row(k, ls.v[j], ls.terms[j]);
        if (ls.n > maxn)
            maxn = ls.n;
        levels_free(&ls);
    }
    fg_set_styles(b, s, st);
    size_t longest = 0;
    for (int i = 0; i < ns; i++)
        longest = fmax(longest, strlen(fg_scheme_title(s->schemes[i])));
    sbuf_printf(b, "unset key\nset lmargin at screen %.4f\nset rmargin at screen %.4f\nset tmargin 0.6\n",
                (fg_text_cm(longest, st) + 0.35) / st->width_cm, 1 - 0.35 / st->width_cm);
    double pw = st->width_cm - fg_text_cm(longest, st) - 0.35 - 0.35;
    if (s->cfg.is_signed) {
        double stp = fmax(0.5, fg_tick_step(-1, 1, pw * 2 / 2.1, st, 1));
        sbuf_printf(b, "set xrange [-1.05:1.05]\nset xtics -1, %g, 1 format '%% h'\nset mxtics 2\n", stp);
    } else {
        double stp = fmax(0.25, fg_tick_step(0, 1, pw / 1.05, st, 1));
        sbuf_printf(b, "set xrange [-0.025:1.025]\nset xtics 0, %g, 1 format '%% h'\nset mxtics 2\n", stp);
    }
    sbuf_printf(b, "set yrange [0.45:%d.55]\nset border 1 lw 0.8\n", ns);
    const char *names[OPTIONS_MAX_SCHEMES];
    for (int i = 0; i < ns; i++)
        names[i] = d->b[i]->scheme;
    fg_row_labels(b, s, st, names, NULL);
    /* the axis title centred on the figure (a long one would run off a
     * narrow plot area) */
    sbuf_puts(b, "set bmargin at screen ");
    sbuf_printf(b, "%.4f\nset label 99 ", 0.95 * st->font_pt / 8 / st->height_cm);
    sbuf t = { 0 };
    sbuf_printf(&t, "%d-bit %s levels (", s->cfg.bits, s->cfg.is_signed ? "signed" : "unsigned");
    fg_txt_alpha(&t, st);
    sbuf_puts(&t, " = 1)");
    fg_put_text(b, &t);
    sbuf_printf(b, " at screen 0.5, screen %.4f center", 0.5 * LINE_CM * st->font_pt / 8 / st->height_cm);
    sbuf_puts(b, "\n");
    double x0 = s->cfg.is_signed ? -1 : 0;
    for (int i = 0; i < ns; i++)
        sbuf_printf(b, "set arrow from %g,%d to 1,%d nohead lc rgb '#9E9E9E' lw 0.6 back\n", x0,
                    ns - i, ns - i);
    /* Points while they stay apart; thin ticks alone for dense sets. */
    int dots = maxn <= 33;
    sbuf_puts(b, "plot ");
    for (int i = 0; i < ns; i++) {
        sbuf_puts(b, i ? ", \\\n     " : "");
        sbuf_printf(b, "$levels_%d using 1:(%d-0.22):(0):(0.44) with vectors nohead lt %d dt 1 lw %.1f",
                    i + 1, ns - i, i + 1, dots ? 0.8 : 0.6);
        if (dots)
            sbuf_printf(b, ", \\\n     $levels_%d using 1:(%d) with points lt %d ps 0.5", i + 1, ns - i, i + 1);
    }
    sbuf_puts(b, "\n");
    return 0;
}

/* ---- transfer ------------------------------------------------------------------- */

/* The paper's Figure 2: Q(x) against x for each scheme, unsigned, alpha 1,
 * at 3 bits (left panel) and 4 bits (right): round to the nearest level,
 * so each step runs between the midpoints of its level's neighbours. */
int fig_transfer(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    static const int bits[2] = { 3, 4 };
    int ns = s->nschemes, have[2][OPTIONS_MAX_SCHEMES], any = 0;
    char why[2][OPTIONS_MAX_SCHEMES][UTIL_ERRLEN];
    for (int p = 0; p < 2; p++)
        for (int i = 0; i < ns; i++) {
            levelset ls;
            util_err e = { { 0 } };
            have[p][i] = levels_build(s->schemes[i], bits[p], 0, &s->cfg.lprm, &ls, &e) == 0;
            snprintf(why[p][i], sizeof why[p][i], "%s", e.msg);
            if (!have[p][i]) {
                if (p == 1 && !any)
                    util_err_set(err, "%s", why[p][i]);
                continue;
            }
            any = 1;
            char name[40];
            snprintf(name, sizeof name, "q%d_%d", bits[p], i + 1);
            fig_block *k = fg_add_block(d, name, s->schemes[i], "q");
            k->bits = bits[p];
            k->is_unsigned = 1;
            for (size_t j = 0; j < ls.n; j++) {
                double lo = j ? 0.5 * (ls.v[j - 1] + ls.v[j]) : ls.v[0];
                double hi = j + 1 < ls.n ? 0.5 * (ls.v[j] + ls.v[j + 1]) : ls.v[ls.n - 1];
                fg_add_row(k, lo, ls.v[j]);
                fg_add_row(k, hi, ls.v[j]);
            }
            levels_free(&ls);
        }
    if (!any)
        return -1;
    for (int p = 0; p < 2; p++)
        for (int i = 0; i < ns; i++)
            if (!have[p][i]) {
                /* a scheme without a set at this width: left out of the panel */
                sbuf_printf(b, "# not drawn at %d bits: ", bits[p]);
                fig_quote(b, FQ_COMMENT, why[p][i]);
                sbuf_puts(b, "\n");
            }
    /* Layout in cm: the key on one row at the top (two when it does not
     * fit), the panel titles under it, two square-ish panels side by
     * side sharing the y axis, x ticks and label below. */
    double W = st->width_cm, H = st->height_cm, fs = st->font_pt / 8.0, line = 0.40 * fs;
    int keyrows = fg_key_rows(s, st, W - 0.2);
    double left = 1.25 * fs, right = 0.25, gap = 0.45 * fs, bot = 1.05 * fs;
    double top = line * keyrows + 0.15 + line;     /* key rows + the panel titles */
    double pw = (W - left - right - gap) / 2, ph = H - top - bot;
    if (ph < 1.2 - 1e-9 || pw < 1.2 - 1e-9) {
        /* panels of under 1.2 cm do not hold their 0, 0.5 and 1 ticks */
        util_err_set(err, "a %gx%g cm transfer figure of %d schemes leaves %.1fx%.1f cm a panel at %g pt: give it "
                     "more %s (--size=%.1fx%.1f) or fewer schemes", W, H, ns, fmax(pw, 0), fmax(ph, 0), st->font_pt,
                     pw < 1.2 ? "width" : "height", fmax(W, W - 2 * pw + 2.4), fmax(H, top + bot + 1.25));
        return -1;
    }
    sbuf_puts(b, "# Q(x) = the nearest level (alpha = 1, unsigned); each row pair is one step.\n");
    fg_set_styles(b, s, st);
    sbuf_puts(b, "set multiplot\nset xrange [0:1]\nset yrange [0:1]\nset size ratio -1\nunset size\n");
    sbuf_puts(b, "set xtics 0, 0.5, 1 format '% h'\nset mxtics 2\nset ytics 0, 0.5, 1 format '% h'\nset mytics 2\n");
    sbuf_puts(b, st->latex ? "set xlabel '$x$' offset 0, 0.5\n" : "set xlabel '{/:Italic x}' offset 0, 0.5\n");
    for (int p = 0; p < 2; p++) {
        double x0 = left + p * (pw + gap), x1 = x0 + pw;
        sbuf_printf(b, "\n# %d bits\n", bits[p]);
        sbuf_printf(b, "set lmargin at screen %.4f\nset rmargin at screen %.4f\n", x0 / W, x1 / W);
        sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\n", 1 - top / H, bot / H);
        sbuf_printf(b, "set label 1 '%d-bit' at graph 0.5, screen %.4f center front\n", bits[p],
                    1 - (top - 0.5 * line) / H);
        if (p == 0) {
            sbuf_puts(b, st->latex ? "set ylabel '$Q(x)$' offset 1.2, 0\n"
                                   : "set ylabel '{/:Italic Q}({/:Italic x})' offset 1.2, 0\n");
            fg_key_row(b, s, st, 0.5 * line + 0.05);
        } else
        {
            sbuf_puts(b, "unset ylabel\nset format y ''\nunset arrow\n");
            for (int i = 0; i < ns; i++)
                sbuf_printf(b, "unset label %d\n", 900 + i);
        }
        sbuf_puts(b, "unset key\n");
        sbuf_puts(b, "plot x with lines lc rgb '#B0B0B0' lw 0.6 dt 3 notitle");
        for (int i = 0; i < ns; i++)
            if (have[p][i])
                sbuf_printf(b, ", \\\n     $q%d_%d using 1:2 with lines lt %d lw 1.2 notitle", bits[p], i + 1, i + 1);
        sbuf_puts(b, "\n");
    }
    sbuf_puts(b, "unset multiplot\n");
    return 0;
}

