/*
 * fig_channels.c - the channels (per-channel ranges and MSE) and compare (two tensors
 * and their difference) figures.
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

/* ---- channels ------------------------------------------------------------------ */

/* The x tic step for n ranked items on an axis len_cm long. */
static double rank_step(size_t n, const fig_style *st, double len_cm)
{
    int digits = n >= 1000 ? 4 : n >= 100 ? 3 : 2;
    double s = fg_nice_step((double)n, len_cm, ((digits + 1.5) * 0.235) * st->font_pt / 8.0);
    return s < 1 ? 1 : s;
}

int fig_channels(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    const group_tensor *t = &s->raw;
    if (!t->vals) {
        util_err_set(err, "the channels figure needs the tensor's values");
        return -1;
    }
    if (t->ndim < 1) {
        util_err_set(err, "a 0-d tensor has no channels");
        return -1;
    }
    int ns = s->nschemes;
    analyze_cfg cfg = s->cfg;
    cfg.gran = GRAN_CHANNEL;
    group_chan_stat *cs[OPTIONS_MAX_SCHEMES];
    char why[OPTIONS_MAX_SCHEMES][UTIL_ERRLEN];
    uint64_t nch = 0;
    const group_chan_stat *any = NULL;
    int first_bad = -1;
    for (int i = 0; i < ns; i++) {
        util_err e = { { 0 } };
        uint64_t n = 0;
        cs[i] = group_channel_stats(t, s->schemes[i], &cfg, &n, &e, NULL, NULL, NULL);
        why[i][0] = '\0';
        if (cs[i]) {
            nch = n;
            if (!any)
                any = cs[i];
        } else {
            snprintf(why[i], sizeof why[i], "%s", e.msg);
            if (first_bad < 0)
                first_bad = i;
        }
    }
    if (!any) {
        util_err_set(err, "%s: %s", s->schemes[first_bad], why[first_bad]);
        for (int i = 0; i < ns; i++)
            free(cs[i]);
        return -1;
    }
    size_t n = (size_t)nch;
    double *range = util_mallocarray(n ? n : 1, sizeof *range);
    size_t *order = util_mallocarray(n ? n : 1, sizeof *order);
    unsigned char *outlier = util_mallocarray(n ? n : 1, sizeof *outlier);
    double wlo = INFINITY, whi = -INFINITY;
    for (size_t c = 0; c < n; c++) {
        range[c] = any[c].n ? any[c].max - any[c].min : NAN;
        if (isfinite(range[c])) {
            wlo = fmin(wlo, any[c].min);
            whi = fmax(whi, any[c].max);
        }
    }
    double med;
    group_channel_order(range, n, GROUP_OUTLIER_FACTOR, order, outlier, &med);

    /* Blocks, rows in the drawing order (widest channel first), x = the
     * channel's index along the axis: the rank is the row number. */
    fig_block *band = fg_add_block(d, "band", NULL, "min");
    band->zseries = "max";
    fig_block *ab = fg_add_block(d, "absmax", NULL, "absmax");
    fig_block *ob = fg_add_block(d, "outliers", NULL, "outlier_range");
    size_t nout = 0;
    for (size_t k = 0; k < n; k++) {
        size_t c = order[k];
        fig_row *r = fg_add_row(band, (double)c, any[c].min);
        r->z = any[c].max;
        fg_add_row(ab, (double)c, any[c].absmax);
        if (outlier[c]) {
            /* the outliers are the widest channels: ranks 0 .. nout-1 */
            fg_add_row(ob, (double)c, range[c]);
            nout++;
        }
    }
    double mlo = INFINITY, mhi = 0;
    fig_block *tk[OPTIONS_MAX_SCHEMES];
    for (int i = 0; i < ns; i++) {
        char name[40];
        snprintf(name, sizeof name, "mse_%d", i + 1);
        fig_block *k = fg_add_block(d, name, s->schemes[i], "mse");
        k->zseries = "alpha";
        snprintf(name, sizeof name, "total_%d", i + 1);
        tk[i] = fg_add_block(d, name, s->schemes[i], "result");
        if (!cs[i])
            continue;
        double sse = 0, asum = 0;
        uint64_t cnt = 0, na = 0;
        for (size_t j = 0; j < n; j++) {
            size_t c = order[j];
            fig_row *r = fg_add_row(k, (double)c, cs[i][c].mse);
            r->z = cs[i][c].alpha;
            if (cs[i][c].n) {
                sse += cs[i][c].mse * (double)cs[i][c].n;
                cnt += cs[i][c].n;
                if (cs[i][c].absmax > 0) {
                    asum += cs[i][c].alpha;
                    na++;
                }
            }
            if (cs[i][c].mse > 0 && isfinite(cs[i][c].mse)) {
                mlo = fmin(mlo, cs[i][c].mse);
                mhi = fmax(mhi, cs[i][c].mse);
            }
        }
        /* the whole tensor: what --report --granularity=channel gives
         * (alpha: the mean of the channels' alphas) */
        fg_add_row(tk[i], na ? asum / (double)na : NAN, cnt ? sse / (double)cnt : NAN);
    }

    /* Layout: a line saying what is drawn; the channels' ranges as
     * vertical bars (min to max), widest first, outliers in a second
     * colour (black in mono) with a mark above; below, on the same ranks,
     * each channel's MSE per scheme (log scale) with the whole tensor's
     * MSE in the legend above it. Heights in cm -> screen fractions. */
    double H = st->height_cm, fs = st->font_pt / 8.0, line = 0.40 * fs;
    int nlines = nout ? 2 : 1;
    /* the key: each scheme with its MSE over the whole tensor (=
     * --report --granularity=channel), in rows under the lines on top */
    char *kt[OPTIONS_MAX_SCHEMES] = { 0 };
    double kv[OPTIONS_MAX_SCHEMES];
    for (int i = 0; i < ns; i++)
        kv[i] = cs[i] && tk[i]->n ? tk[i]->rows[0].y : NAN;
    fg_numfmt kmode = fg_num_mode(kv, ns); /* one notation for the key's numbers */
    for (int i = 0; i < ns; i++) {
        sbuf u = { 0 };
        fg_txt_scheme(&u, st, s->schemes[i]);
        sbuf_puts(&u, ": ");
        if (cs[i] && tk[i]->n)
            fg_txt_num_as(&u, st, tk[i]->rows[0].y, kmode);
        else
            sbuf_puts(&u, "n/a");
        kt[i] = u.s;
    }
    int krows = fg_key_rows_of(st, (const char *const *)kt, ns, st->width_cm - 0.2);
    double bot = 1.05 * fs / H;
    double top = 1 - (line * (nlines + krows) + 0.2) / H;
    /* a short figure (fg_compact) without room for both panels: the MSE
     * panel alone under a key of the names (the ranges and the whole
     * tensor's MSEs are in the CSV) */
    int mse_only = 0;
    if ((top - bot) * H < 8 * line && fg_compact(st)) {
        int kr1 = fg_key_rows(s, st, st->width_cm - 0.2);
        double top1 = 1 - (line * (1 + kr1) + 0.2) / H;
        if ((top1 - bot) * H >= 3 * line) {
            mse_only = 1;
            nlines = 1;
            top = top1;
        }
    }
    if ((top - bot) * H < 8 * line && !mse_only) {
        util_err_set(err, "a %gx%g cm channels figure of %d schemes leaves %.1f cm for its two panels at %g pt: "
                     "give it more height (--size=%gx%.1f) or fewer schemes", st->width_cm, H, ns,
                     fmax((top - bot) * H, 0), st->font_pt, st->width_cm, H - (top - bot) * H + 8 * line + 0.05);
        for (int i = 0; i < ns; i++)
            free(kt[i]), free(cs[i]);
        free(range);
        free(order);
        free(outlier);
        return -1;
    }
    double avail = (top - bot) * H - 0.35 * fs;     /* cm for both panels */
    double h2 = 0.40 * avail;
    double split2 = bot + h2 / H;                    /* MSE panel top */
    double split1 = split2 + 0.30 * fs / H;          /* bars panel bottom */
    double xmax = (double)(n ? n : 1) + 0.5;
    double bw = n > 150 ? 1.0 : 0.7;
    fg_set_styles(b, s, st);
    const char *fill = st->mono ? "#A8A8A8" : "#56B4E9", *ofill = st->mono ? "#000000" : "#D55E00";
    sbuf_puts(b, "# Rows of $band: channel, min, max, widest channel first ($0 + 1 = rank).\n"
                 "# $absmax is not drawn; it is there for other tools (--format=csv).\n");
    double lm = 0.55 * fs + fg_text_cm(6, st) + 0.3, rm = 0.4;
    sbuf_printf(b, "set multiplot\nset lmargin at screen %.4f\nset rmargin at screen %.4f\n", lm / st->width_cm,
                1 - rm / st->width_cm);
    if (mse_only)
        sbuf_puts(b, "# too short for both panels: the MSE per channel alone (the ranges: $band)\n");
    fg_key_row_texts(b, s, st, (nlines + 0.5) * line + 0.1, mse_only ? NULL : (const char *const *)kt);
    for (int i = 0; i < ns; i++)
        free(kt[i]);
    /* the lines on top: channels and median range; the outliers */
    {
        sbuf t2 = { 0 };
        sbuf_printf(&t2, "%zu channels, median range ", n);
        fg_txt_num(&t2, st, med);
        sbuf_puts(b, "set label 1 ");
        fg_put_text(b, &t2);
        sbuf_printf(b, " at screen 0.5, screen %.4f center front\n", 1 - (0.5 * line + 0.1) / H);
        if (nout && !mse_only) {
            sbuf t3 = { 0 };
            const char *times = st->latex ? "$\\times$" : "×";
            sbuf_puts(&t3, st->latex ? "$\\blacktriangle$ " : "▲ ");
            if (nout <= 3) {
                sbuf_printf(&t3, "range > %g%s median: ch", GROUP_OUTLIER_FACTOR, times);
                for (size_t j = 0; j < nout; j++)
                    sbuf_printf(&t3, "%s %.0f", j ? "," : "", ob->rows[j].x);
            } else
                sbuf_printf(&t3, "%zu channels with range > %g%s median", nout, GROUP_OUTLIER_FACTOR, times);
            sbuf_puts(b, "set label 2 ");
            fg_put_text(b, &t3);
            sbuf_printf(b, " at screen 0.5, screen %.4f center front tc rgb ", 1 - (1.5 * line + 0.1) / H);
            fig_quote(b, FQ_STRING, ofill);
            sbuf_puts(b, "\n");
        }
    }
    sbuf_printf(b, "set xrange [%.17g:%.17g]\n", 0.5 - 0.012 * (xmax - 0.5), xmax);
    double pw = st->width_cm - lm - rm; /* the plot area's width, cm */
    pw = pw < 1 ? 1 : pw;
    double xs = rank_step(n, st, pw);
    sbuf_printf(b, "set xtics %.17g, %.17g\nunset mxtics\n", xs, xs);
    if (!mse_only) {
        sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\n", top, split1);
        sbuf_puts(b, "set format x ''\nunset key\nset ylabel ");
        fig_quote(b, FQ_STRING, st->latex ? "weight $w$" : "weight {/:Italic w}");
        sbuf_puts(b, "\n");
        if (!(whi > wlo)) {
            wlo = isfinite(wlo) ? wlo - 1 : -1;
            whi = isfinite(whi) ? whi + 1 : 1;
    }
    double pad = 0.04 * (whi - wlo);
    double ylo = wlo - pad, yhi = whi + pad * (nout ? 2.5 : 1);
    sbuf_printf(b, "set yrange [%.17g:%.17g]\nset format y '%% h'\n", ylo, yhi);
    sbuf_printf(b, "set ytics %.17g\nset mytics 2\n", fg_nice_step(yhi - ylo, (top - split1) * H, 0.55 * fs));
    if (wlo < 0 && whi > 0)
        sbuf_puts(b, "set arrow from graph 0, first 0 to graph 1, first 0 nohead lc rgb '#606060' lw 0.5 dt 3 front\n");
    sbuf_printf(b, "plot $band using ($0+1):(($2+$3)/2):($0+1-%g):($0+1+%g):2:3 with boxxyerror "
                   "fs solid 1.0 noborder lc rgb ",
                bw / 2, bw / 2);
    fig_quote(b, FQ_STRING, fill);
    sbuf_puts(b, " notitle");
    if (nout) {
        sbuf_printf(b, ", \\\n     $band using ($0 < %zu ? $0+1 : NaN):(($2+$3)/2):($0+1-%g):($0+1+%g):2:3 "
                       "with boxxyerror fs solid 1.0 noborder lc rgb ",
                    nout, bw / 2, bw / 2);
        fig_quote(b, FQ_STRING, ofill);
        sbuf_puts(b, " notitle");
        sbuf_printf(b, ", \\\n     $band using ($0 < %zu ? $0+1 : NaN):($3 + %.17g) with points pt 11 ps 0.55 "
                       "lc rgb ",
                    nout, 0.9 * pad);
        fig_quote(b, FQ_STRING, ofill);
        sbuf_puts(b, " notitle");
    }
    sbuf_puts(b, "\n");
    sbuf_puts(b, "unset arrow\nunset label\n");
    }

    sbuf_puts(b, "\n# Each channel's MSE per scheme, same ranks; the legend gives the whole tensor's MSE.\n");
    sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\n", mse_only ? top : split2, bot);
    sbuf_puts(b, "set format x '%.0f'\nset xlabel 'channels, widest first' offset 0, 0.5\n");
    sbuf_puts(b, "set logscale y\nset ytics autofreq\nset mytics default\nset ylabel 'MSE'\n");
    sbuf_puts(b, st->latex ? "set format y '$10^{%T}$'\n" : "set format y '10^{%T}'\n");
    if (isfinite(mlo) && mhi > 0) {
        double dec = log10(mhi / mlo);
        double l10lo = log10(mlo) - 0.08 * fmax(dec, 0.5), l10hi = log10(mhi) + 0.08 * fmax(dec, 0.5);
        if (l10hi - l10lo < 1) { /* at least a decade, so a tic shows */
            double c = 0.5 * (l10hi + l10lo);
            l10lo = c - 0.5;
            l10hi = c + 0.5;
        }
        sbuf_printf(b, "set yrange [%.6g:%.6g]\n", pow(10, l10lo), pow(10, l10hi));
        if (l10hi - l10lo < 2.5)
            sbuf_puts(b, "set mytics 10\n");
    }
    sbuf_puts(b, "unset key\n");
    sbuf_printf(b, "set ylabel 'MSE, %d-bit'\n", s->cfg.bits);
    sbuf_puts(b, "plot ");
    for (int i = 0; i < ns; i++) {
        sbuf_puts(b, i ? ", \\\n     " : "");
        sbuf_printf(b, "$mse_%d using ", i + 1);
        sbuf_puts(b, n > 40 ? "($0+0.5):2 with steps" : "($0+1):2 with linespoints");
        sbuf_printf(b, " lt %d lw 1 notitle", i + 1);
    }
    sbuf_puts(b, "\nunset multiplot\n");
    for (int i = 0; i < ns; i++)
        if (!cs[i]) {
            sbuf_puts(b, "# ");
            fig_quote(b, FQ_COMMENT, s->schemes[i]);
            sbuf_puts(b, ": no per-channel numbers: ");
            fig_quote(b, FQ_COMMENT, why[i]);
            sbuf_puts(b, "\n");
        }
    for (int i = 0; i < ns; i++)
        free(cs[i]);
    free(range);
    free(order);
    free(outlier);
    return 0;
}

/* ---- compare -------------------------------------------------------------------- */

static double gt_at(const group_tensor *t, uint64_t i)
{
    return t->is_double ? ((const double *)t->vals)[i] : (double)((const float *)t->vals)[i];
}

static int gt_same_shape(const group_tensor *a, const group_tensor *b)
{
    if (!a->vals || !b->vals || a->ndim != b->ndim || a->count != b->count)
        return 0;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i])
            return 0;
    return 1;
}

/* The last component of a path. */
static const char *path_base(const char *p)
{
    const char *sl = p ? strrchr(p, '/') : NULL;
    return sl ? sl + 1 : p;
}

/* The legend of one side: the tensor's name, or the file's when both
 * tensors have the same name; long names cut in the middle. */
static void txt_side(sbuf *t, const fig_style *st, const char *side, const char *name, const char *file,
                     int same_name, size_t maxc)
{
    const char *what = same_name && file ? path_base(file) : name ? name : "?";
    char *cut = fg_shorten_left(what, maxc);
    char *e = st->latex ? fg_latex_escape(cut) : util_strdup(cut);
    sbuf_printf(t, "%s: %s", side, e);
    free(e);
    free(cut);
}

/* The compact compare figure's key: "left: NAME" beside a grey swatch and
 * "right: NAME" beside a black line, on one row at the top (labels and
 * arrows 5 and 6), each name shortened to half the width. */
static void cmp_key_row(sbuf *b, const plot_spec *s, const fig_style *st, const char *const *tname, int same_name,
                        double line)
{
    double W = st->width_cm, H = st->height_cm, samp = fg_key_samp_cm(st), y = 1 - (0.5 * line + 0.05) / H;
    double half = (W - 0.2) / 2, room = half - samp - 0.12 - fg_key_gap_cm(st);
    const char *side[2] = { "left", "right" }, *file[2] = { s->file_name, s->file_name2 };
    for (int k = 0; k < 2; k++) {
        double x0 = 0.1 + k * half;
        size_t maxc = (size_t)fmax(1, room / fg_text_cm(1, st) - strlen(side[k]) - 2);
        sbuf t = { 0 };
        if (maxc >= 8) /* else the names are in the CSV */
            txt_side(&t, st, side[k], tname[k], file[k], same_name, maxc);
        else
            sbuf_puts(&t, side[k]);
        sbuf_printf(b, "set arrow %d from screen %.4f, screen %.4f to screen %.4f, screen %.4f nohead dt 1 front\n",
                    5 + k, x0 / W, y, (x0 + samp) / W, y);
        sbuf_printf(b, k ? "set arrow %d lc rgb '#000000' lw 1.2\n" : "set arrow %d lc rgb '#BDBDBD' lw 4\n", 5 + k);
        sbuf_printf(b, "set label %d ", 5 + k);
        fg_put_text(b, &t);
        sbuf_printf(b, " at screen %.4f, screen %.4f left front", (x0 + samp + 0.12) / W, y);
        sbuf_puts(b, st->latex ? "\n" : " noenhanced\n");
    }
}

/* Does a compare figure H cm tall hold its histograms, table and
 * difference panel (fig_compare's layout, at the font scale fs)? */
static int cmp_fits(double H, double fs, int ns)
{
    double line = 0.40 * fs, dpan = 0.36 * (H - 2.6 * fs - line * (ns + 1));
    double hist = H - (2 * line + 0.15) - 1.05 * fs - dpan - (line * (ns + 1) + 1.35 * fs);
    return hist >= 3 * line && dpan >= 2.5 * line;
}

int fig_compare(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    if (!s->p || !s->p2) {
        util_err_set(err, "the compare figure needs two tensors");
        return -1;
    }
    if (s->p->st.n == 0 || s->p2->st.n == 0) {
        util_err_set(err, "%s: no finite values to draw",
                     s->p->st.n == 0 ? (s->tensor_name ? s->tensor_name : "left tensor")
                                     : (s->tensor_name2 ? s->tensor_name2 : "right tensor"));
        return -1;
    }
    int ns = s->nschemes;
    const prep *pp[2] = { s->p, s->p2 };
    const char *side[2] = { "left", "right" };
    const char *tname[2] = { s->tensor_name, s->tensor_name2 ? s->tensor_name2 : s->tensor_name };
    analyze_result res[2][OPTIONS_MAX_SCHEMES];
    for (int k = 0; k < 2; k++)
    {
        analyze_cfg c = s->cfg;
        if (k == 1 && c.amode == ALPHA_FILE && s->alpha_right > 0)
            c.alpha = s->alpha_right;
        if (analyze_tensor(pp[k], &c, s->schemes, ns, 0, res[k], err) < 0)
            return -1;
    }
    /* the two histograms over a common range (x units) */
    double lo = fmin(fg_xlo_of(s), eval_x_of_w(s->p2, s->cfg.normalize, s->p2->st.min));
    double hi = fmax(fg_xhi_of(s), eval_x_of_w(s->p2, s->cfg.normalize, s->p2->st.max));
    double pad = 0.03 * (hi - lo);
    if (!(pad > 0))
        pad = 0.5;
    lo -= pad;
    hi += pad;
    uint64_t nmax = s->p->st.n > s->p2->st.n ? s->p->st.n : s->p2->st.n;
    int share = s->p->st.n != s->p2->st.n; /* different sizes: shares, not counts */
    int nbins = (int)lround(2 * cbrt((double)nmax));
    nbins = nbins < 40 ? 40 : nbins > 200 ? 200 : nbins;
    uint64_t *counts = util_calloc((size_t)nbins, sizeof *counts);
    double bw = (hi - lo) / nbins, peak = 0;
    for (int k = 0; k < 2; k++) {
        char name[40], *series = k ? (share ? "right_share" : "right_count") : (share ? "left_share" : "left_count");
        snprintf(name, sizeof name, "hist_%s", side[k]);
        fig_block *hk = fg_add_block(d, name, NULL, series);
        memset(counts, 0, (size_t)nbins * sizeof *counts);
        eval_histogram(pp[k], s->cfg.normalize, lo, hi, nbins, counts);
        for (int i = 0; i < nbins; i++) {
            double y = share ? (double)counts[i] / (double)pp[k]->st.n : (double)counts[i];
            fig_row *r = fg_add_row(hk, lo + (i + 0.5) * bw, y);
            r->raw = tname[k];
            peak = fmax(peak, y);
        }
    }
    free(counts);
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < ns; i++) {
            char name[40];
            snprintf(name, sizeof name, "result_%s_%d", side[k], i + 1);
            fig_block *r = fg_add_block(d, name, res[k][i].scheme, k ? "right_result" : "left_result");
            if (res[k][i].ok)
                fg_add_row(r, res[k][i].r.alpha, res[k][i].r.mse)->raw = tname[k];
        }
    /* the difference: element-wise right - left when the shapes match,
     * else right's share - left's share per bin of w */
    int elem = gt_same_shape(&s->raw, &s->raw2);
    int dbins = nbins;
    double dlo, dhi, dmean = NAN, drms = NAN, dmax = 0, dpeak = 0;
    uint64_t dn = 0, dnz = 0;
    fig_block *dk;
    if (elem) {
        double sum = 0, s2 = 0;
        for (uint64_t i = 0; i < s->raw.count; i++) {
            double dv = gt_at(&s->raw2, i) - gt_at(&s->raw, i);
            if (!isfinite(dv))
                continue;
            sum += dv;
            s2 += dv * dv;
            dmax = fmax(dmax, fabs(dv));
            dn++;
            dnz += dv != 0;
        }
        dmean = dn ? sum / (double)dn : NAN;
        drms = dn ? sqrt(s2 / (double)dn) : NAN;
        dhi = dmax > 0 ? dmax * (1 + 1e-9) : 1;
        dlo = -dhi;
        dbins += dbins % 2 == 0; /* odd: one bin centred on 0 */
        uint64_t *dc = util_calloc((size_t)dbins, sizeof *dc);
        double w = (dhi - dlo) / dbins;
        for (uint64_t i = 0; i < s->raw.count; i++) {
            double dv = gt_at(&s->raw2, i) - gt_at(&s->raw, i);
            if (!isfinite(dv))
                continue;
            long j = (long)floor((dv - dlo) / w);
            dc[j < 0 ? 0 : j >= dbins ? dbins - 1 : j]++;
        }
        dk = fg_add_block(d, "diff", NULL, "diff_count");
        for (int j = 0; j < dbins; j++) {
            fg_add_row(dk, dlo + (j + 0.5) * w, (double)dc[j]);
            dpeak = fmax(dpeak, (double)dc[j]);
        }
        free(dc);
    } else {
        dlo = fmin(s->p->st.min, s->p2->st.min);
        dhi = fmax(s->p->st.max, s->p2->st.max);
        if (!(dhi > dlo)) {
            dlo -= 1;
            dhi += 1;
        }
        double dp = 0.03 * (dhi - dlo);
        dlo -= dp;
        dhi += dp;
        uint64_t *ca = util_calloc((size_t)dbins, sizeof *ca), *cb = util_calloc((size_t)dbins, sizeof *cb);
        eval_histogram(s->p, 0, dlo, dhi, dbins, ca);
        eval_histogram(s->p2, 0, dlo, dhi, dbins, cb);
        dk = fg_add_block(d, "diff", NULL, "share_diff");
        double w = (dhi - dlo) / dbins;
        for (int j = 0; j < dbins; j++) {
            double y = (double)cb[j] / (double)s->p2->st.n - (double)ca[j] / (double)s->p->st.n;
            fg_add_row(dk, dlo + (j + 0.5) * w, y);
            dpeak = fmax(dpeak, fabs(y));
        }
        free(ca);
        free(cb);
    }
    double dw = (dhi - dlo) / dbins;

    /* Layout, top to bottom: the two histograms overlaid (left filled
     * grey, right a black outline); a table of each scheme's MSE for both
     * and their ratio; the difference histogram. */
    double H = st->height_cm, W = st->width_cm, fs = st->font_pt / 8.0;
    double line = 0.40 * fs;                       /* one text row, cm */
    double bot = 1.05 * fs / H;
    double dpan = 0.36 * (H - 2.6 * fs - line * (ns + 1));
    double dtop = bot + dpan / H;
    double tab = (line * (ns + 1) + 1.0 * fs + 0.35 * fs) / H; /* table + the top panel's x axis */
    double htop = 1 - (2 * line + 0.15) / H, hbot = dtop + tab; /* the key's two rows above */
    /* the table's columns, cm: a scheme's name, then left, right and
     * (when it fits) their ratio, right-aligned */
    size_t longest = 5;
    for (int i = 0; i < ns; i++)
        longest = fmax(longest, strlen(fg_scheme_title(s->schemes[i])));
    double namew = 0.6 * fs + fg_text_cm(longest, st) + 0.2, colw = fg_text_cm(9, st) + 0.4;
    /* the columns that fit: left, right and ratio; left and right; or
     * (narrow figures) the ratio alone, the MSEs in the CSV */
    int ncol = namew + 3 * colw <= W - 0.2 ? 3 : namew + 2 * colw <= W - 0.2 ? 2 : 1;
    /* a short figure that does not hold the three: the compact one (the
     * key on one row of screen labels, the histograms' x axis title at the
     * axis' end, the table at 9.6 pt rows, no difference panel: its
     * histogram stays in the CSV) */
    int cpt = 0;
    double cline = (LINE_CM - 0.02) * fs, cneed = cline + 0.15 + 2.2 * cline + 0.55 * fs + cline * (ns + 1) + 0.24;
    if (namew + ncol * colw <= W - 0.2 &&
        ((htop - hbot) * H < 3 * line || dpan < 2.5 * line) && cneed <= H + 1e-9) {
        cpt = 1;
        line = cline;
        dpan = 0;
        bot = dtop = 0.12 / H;
        htop = 1 - (line + 0.15) / H;
        hbot = dtop + (line * (ns + 1) + 0.55 * fs + 0.12) / H;
    }
    if (!cpt && (namew + ncol * colw > W - 0.2 || (htop - hbot) * H < 3 * line || dpan < 2.5 * line)) {
        double wneed = fmax(W, namew + colw + 0.25), hneed = H;
        while (hneed < 200 && !cmp_fits(hneed, fs, ns))
            hneed += 0.05;
        if (wneed <= W)
            hneed = fmin(hneed, cneed + 0.05);
        util_err_set(err, "a %gx%g cm compare figure of %d schemes does not hold its panels and table at %g pt: "
                     "give it more %s (--size=%.1fx%.1f) or fewer schemes", W, H, ns, st->font_pt,
                     wneed > W ? "width" : "height", wneed, ceil(fmax(H, hneed) * 10) / 10);
        return -1;
    }
    double lm = 0.55 * fs + 7 * 0.66 * st->font_pt / 72 * 2.54 + 0.3, rm = 0.35;
    if (cpt) /* the x axis' title at its right end */
        rm = 0.12 + fg_text_cm(s->cfg.normalize ? 9 : 1, st) + 0.15;
    size_t maxc = (size_t)fmax(8, (W - 0.3 - 1.0 * fs) / fg_text_cm(1, st) - 7);
    int same_name = tname[0] && tname[1] && strcmp(tname[0], tname[1]) == 0;
    fg_set_styles(b, s, st);
    sbuf_printf(b, "set multiplot\nset lmargin at screen %.4f\nset rmargin at screen %.4f\n", lm / W, 1 - rm / W);
    sbuf_printf(b, "set xrange [%.17g:%.17g]\n", lo, hi);
    fg_set_xstep(b, st, lo, hi, W - lm - rm);
    sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\n", htop, hbot);
    sbuf_puts(b, "set format x '% h'\nset xlabel ");
    fig_quote(b, FQ_STRING, cpt ? "" : fg_x_label(s, st));
    if (!share)
        sbuf_puts(b, " offset 0, 0.4\nset ylabel 'count'\n");
    else if (cpt)
        sbuf_puts(b, " offset 0, 0.4\nset ylabel 'share'\n");
    else
        sbuf_puts(b, " offset 0, 0.4\nset ylabel 'share of values'\n");
    if (s->log_counts) {
        double floor_y = share ? 0.5 / (double)nmax : 0.8;
        sbuf_printf(b, "set logscale y\nset yrange [%.6g:%.6g]\n", floor_y, fmax(peak, floor_y) * 3);
        sbuf_puts(b, st->latex ? "set format y '$10^{%T}$'\n" : "set format y '10^{%T}'\n");
    } else {
        /* up to a tic (a short panel: else 0 might be its only label) */
        double ytop = fmax(peak, 1e-300) * 1.1, ystep = fg_tick_step(0, ytop, (htop - hbot) * H, st, 0);
        if (cpt)
            ytop = ceil(ytop / ystep - 1e-9) * ystep;
        sbuf_printf(b, "set yrange [0:%.6g]\nset ytics %.17g format '%% h'\n", ytop, ystep);
    }
    if (cpt) {
        /* no key of gnuplot's (its own rows); the axis' title at its end */
        sbuf_puts(b, "unset key\n");
        cmp_key_row(b, s, st, tname, same_name, line);
        sbuf_puts(b, "set label 7 ");
        sbuf t = { 0 };
        sbuf_puts(&t, s->cfg.normalize ? (st->latex ? "$(w-\\mu)/\\sigma$" : "(w − μ)/σ")
                                       : (st->latex ? "$w$" : "{/:Italic w}"));
        fg_put_text(b, &t);
        sbuf_printf(b, " at screen %.4f, screen %.4f left front\n", (W - rm + 0.12) / W, hbot);
    } else
        sbuf_printf(b, "set key at screen %.4f, screen 1 left top reverse Left samplen 1.5 width 0 spacing 1.05\n",
                    0.1 / W);
    sbuf_printf(b, "plot $hist_left using 1:2:(%.17g) with boxes fs solid 1.0 noborder lc rgb '#BDBDBD' title ",
                bw);
    {
        sbuf t = { 0 };
        txt_side(&t, st, "left", tname[0], s->file_name, same_name, maxc);
        fg_put_text(b, &t);
    }
    sbuf_puts(b, st->latex ? "" : " noenhanced");
    sbuf_puts(b, ", \\\n     $hist_right using 1:2 with histeps lc rgb '#000000' lw 1.2 dt 1 title ");
    {
        sbuf t = { 0 };
        txt_side(&t, st, "right", tname[1], s->file_name2, same_name, maxc);
        fg_put_text(b, &t);
    }
    sbuf_puts(b, st->latex ? "\n" : " noenhanced\n");
    if (cpt)
        sbuf_puts(b, "unset label 5\nunset label 6\nunset arrow 5\nunset arrow 6\nunset label 7\n");

    /* the MSE table: heading and one row per scheme, in screen coordinates */
    sbuf_puts(b, "\n# Each scheme's MSE for both tensors (their own alphas) and right / left.\n");
    double ty = dtop + (cpt ? 0.5 * line : 0.5 * fs) / H + line * ns / H;   /* heading row */
    double c1 = 0.1 / W, c4 = (W - 0.15) / W, c3 = ncol == 3 ? c4 - colw / W : c4, c2 = c3 - colw / W;
    sbuf_printf(b, "set label 10 'MSE, %d-bit' at screen %.4f, screen %.4f left front\n", s->cfg.bits, c1, ty);
    if (ncol >= 2) {
        sbuf_printf(b, "set label 11 'left' at screen %.4f, screen %.4f right front\n", c2, ty);
        sbuf_printf(b, "set label 12 'right' at screen %.4f, screen %.4f right front\n", c3, ty);
    } else
        sbuf_printf(b, "set label 13 'right/left' at screen %.4f, screen %.4f right front\n"
                       "# no room for the MSE columns (they are in the CSV): their ratio alone\n", c4, ty);
    if (ncol == 3)
        sbuf_printf(b, "set label 13 'ratio' at screen %.4f, screen %.4f right front\n", c4, ty);
    else if (ncol == 2)
        sbuf_puts(b, "# no room for the ratio column (it is in the CSV's numbers: right / left)\n");
    /* one notation for the MSE columns, one for the ratios */
    double mv[2 * OPTIONS_MAX_SCHEMES], rv[OPTIONS_MAX_SCHEMES];
    for (int i = 0; i < ns; i++) {
        mv[2 * i] = res[0][i].ok ? res[0][i].r.mse : NAN;
        mv[2 * i + 1] = res[1][i].ok ? res[1][i].r.mse : NAN;
        rv[i] = mv[2 * i] > 0 ? mv[2 * i + 1] / mv[2 * i] : NAN;
    }
    fg_numfmt mmode = fg_num_mode(mv, 2 * ns), rmode = fg_num_mode(rv, ns);
    for (int i = 0; i < ns; i++) {
        double y = ty - line * (i + 1) / H;
        sbuf t = { 0 };
        fg_txt_colour(&t, s, st, i, 1);
        fg_txt_scheme(&t, st, s->schemes[i]);
        fg_txt_colour(&t, s, st, i, 0);
        sbuf_printf(b, "set label %d ", 20 + 4 * i);
        fg_put_text(b, &t);
        sbuf_printf(b, " at screen %.4f, screen %.4f left front", c1 + 0.6 * fs / W, y);
        fg_put_tc(b, s, st, i);
        sbuf_puts(b, "\n");
        double ml = res[0][i].ok ? res[0][i].r.mse : NAN, mr = res[1][i].ok ? res[1][i].r.mse : NAN;
        double cx[3] = { c2, c3, c4 }, val[3] = { ml, mr, ml > 0 ? mr / ml : NAN };
        for (int c = ncol == 1 ? 2 : 0; c < (ncol == 1 ? 3 : ncol); c++) {
            sbuf u = { 0 };
            fg_txt_num_as(&u, st, val[c], c == 2 ? rmode : mmode);
            if (c == 2 && isfinite(val[c]))
                sbuf_puts(&u, st->latex ? "$\\times$" : "×");
            sbuf_printf(b, "set label %d ", 21 + 4 * i + c);
            fg_put_text(b, &u);
            sbuf_printf(b, " at screen %.4f, screen %.4f right front\n", cx[c], y);
        }
        /* a short line in the scheme's style before the name */
        sbuf_printf(b, "set arrow %d from screen %.4f, screen %.4f to screen %.4f, screen %.4f nohead lt %d lw 1.5\n",
                    10 + i, c1, y, c1 + 0.45 * fs / W, y, i + 1);
    }

    if (cpt) {
        /* an empty plot draws the table's labels */
        sbuf_puts(b, "# too short for the difference panel: its histogram is in the CSV\n"
                     "unset border\nunset xtics\nunset ytics\nunset xlabel\nunset ylabel\nunset logscale y\n"
                     "set xrange [0:1]\nset yrange [0:1]\nplot NaN notitle\nunset multiplot\n");
        return 0;
    }
    sbuf_puts(b, "\n# The difference.\n");
    sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\n", dtop, bot);
    sbuf_puts(b, "unset logscale y\nunset key\n");
    sbuf_printf(b, "set xrange [%.17g:%.17g]\n", dlo, dhi);
    fg_set_xstep(b, st, dlo, dhi, st->width_cm - 2.2 * st->font_pt / 8);
    /* the difference's axis title in full where the width holds it */
    int dlong = fg_text_cm(38, st) <= W - 0.3; /* (wide glyphs: 0.53 em a character underestimates it) */
    if (elem) {
        sbuf t = { 0 };
        if (dlong)
            sbuf_puts(&t, st->latex ? "right $-$ left, element-wise ($w$)"
                                    : "right − left, element-wise ({/:Italic w})");
        else
            sbuf_puts(&t, st->latex ? "right $-$ left ($w$)" : "right − left ({/:Italic w})");
        sbuf_puts(b, "set xlabel ");
        fg_put_text(b, &t);
        sbuf_puts(b, " offset 0, 0.4\nset ylabel 'count'\n");
        sbuf_printf(b, "set yrange [0:%.6g]\nset ytics format '%% h'\n", fmax(dpeak, 1) * 1.3);
        sbuf u = { 0 }, u2 = { 0 };
        double dv[2] = { drms, dmax };
        fg_numfmt dmode = fg_num_mode(dv, 2);
        sbuf_puts(&u, "rms ");
        fg_txt_num_as(&u, st, drms, dmode);
        sbuf_puts(&u2, st->latex ? "max $|d|$ " : "max |{/:Italic d}| ");
        fg_txt_num_as(&u2, st, dmax, dmode);
        sbuf_puts(b, "set label 2 ");
        fg_put_text(b, &u);
        sbuf_puts(b, " at graph 0.02, graph 0.85 left front\nset label 3 ");
        fg_put_text(b, &u2);
        sbuf_puts(b, " at graph 0.98, graph 0.85 right front\n");
        sbuf_printf(b, "# %llu of %llu values differ\n", (unsigned long long)dnz, (unsigned long long)dn);
        sbuf_printf(b, "set ytics %.17g\n", fg_nice_step(fmax(dpeak, 1) * 1.3, dpan, 0.45 * fs));
        sbuf_printf(b, "# mean of the difference: %.17g\n", dmean);
        sbuf_printf(b, "plot $diff using 1:2:(%.17g) with boxes fs solid 1.0 noborder lc rgb '#6A6A6A'\n", dw);
    } else {
        sbuf t = { 0 };
        if (dlong)
            sbuf_puts(&t, st->latex ? "weight $w$ (right $-$ left share)"
                                    : "weight {/:Italic w} (right − left share)");
        else
            sbuf_puts(&t, st->latex ? "weight $w$" : "weight {/:Italic w}");
        sbuf_puts(b, "set xlabel ");
        fg_put_text(b, &t);
        sbuf_puts(b, " offset 0, 0.4\nset ylabel 'Δ share'\n");
        if (st->latex)
            sbuf_puts(b, "set ylabel '$\\Delta$ share'\n");
        double m = dpeak > 0 ? dpeak * 1.15 : 1;
        sbuf_printf(b, "set yrange [%.6g:%.6g]\nset ytics %.17g format '%% h'\n", -m, m,
                    fg_nice_step(2 * m, dpan, 0.45 * fs));
        sbuf_puts(b, "# shapes differ: the histograms' shares of values subtracted, bin by bin\n");
        sbuf_puts(b, "set arrow from graph 0, first 0 to graph 1, first 0 nohead lc rgb '#707070' lw 0.5 back\n");
        sbuf_printf(b, "plot $diff using 1:($2 > 0 ? $2 : 0):(%.17g) with boxes fs solid 1.0 noborder lc rgb '#000000', \\\n"
                       "     $diff using 1:($2 < 0 ? $2 : 0):(%.17g) with boxes fs solid 1.0 noborder lc rgb '#A0A0A0'\n",
                    dw, dw);
    }
    sbuf_puts(b, "unset multiplot\n");
    return 0;
}

