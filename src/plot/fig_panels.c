/*
 * fig_panels.c - several tensors in one figure (--panels=COLSxROWS): the
 * histogram, sweep or bits figure of each selected tensor in a grid of panels,
 * titled with the tensor's name (shortened from the left), one key for all
 * above them, and a shared log MSE axis (labels on the first column only);
 * bits panels share their x axis too (labels on the bottom row).
 */
#include "config.h"
#include "plot/fig_common.h"
#include "plot/fig_stored.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant/eval.h"
#include "quant/levels.h"

#define PANEL_MIN_W 1.3 /* cm */
#define PANEL_MIN_H 2.2 /* lines: a compact panel (titles inside) */

#define PANEL_SWEEP_N 200

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Panel k's curves into blocks p<k>_<i>; its x range in *xhi; the MSE
 * range widened into *ymin, *ymax. rel > 0: the MSE divided by rel (the
 * tensor's mean square: the relative MSE). */
static int panel_data(const plot_spec *s, int k, fig_data *d, double *xlo, double *xhi, double *ymin,
                      double *ymax, double *clip, double rel, util_err *err)
{
    double dv = rel > 0 ? rel : 1;
    const char *mse_series = rel > 0 ? "relative_mse" : "mse";
    const prep *p = s->panel_p[k];
    int ns = s->nschemes;
    analyze_cfg cfg = s->cfg;
    if (cfg.amode == ALPHA_FILE && s->panel_alpha)
        cfg.alpha = s->panel_alpha[k];
    if (p->st.n == 0) {
        util_err_set(err, "%s: no finite values to draw", s->panel_names[k]);
        return -1;
    }
    *xlo = 0;
    if (s->figure == FIG_HISTOGRAM) {
        /* the share of values per bin (comparable across panels), each
         * scheme's clipping range (+-alpha) and its result */
        analyze_result res[OPTIONS_MAX_SCHEMES];
        if (analyze_tensor(p, &cfg, s->schemes, ns, 0, res, err) < 0)
            return -1;
        double lo = eval_x_of_w(p, cfg.normalize, p->st.min), hi = eval_x_of_w(p, cfg.normalize, p->st.max);
        for (int i = 0; i < ns; i++) {
            char name[40];
            snprintf(name, sizeof name, "r%d_%d", k + 1, i + 1);
            fig_block *rk = fg_add_block(d, name, res[i].scheme, "result");
            clip[2 * i] = clip[2 * i + 1] = NAN;
            const analyze_result *sr = fg_stored_res(s, i, k);
            if (sr) {
                /* the file's own grid: its range +-alpha, the mean largest
                 * level of its groups (fig_stored.h) */
                fg_add_row(rk, sr->r.alpha, sr->stored_self ? NAN : sr->r.mse)->raw = s->panel_names[k];
                clip[2 * i] = -sr->r.alpha;
                clip[2 * i + 1] = sr->r.alpha;
                continue;
            }
            levelset ls;
            util_err e2 = { { 0 } };
            if (!res[i].ok || levels_build(res[i].scheme, cfg.bits, cfg.is_signed, &cfg.lprm, &ls, &e2) < 0)
                continue;
            fg_add_row(rk, res[i].r.alpha, res[i].r.mse)->raw = s->panel_names[k];
            double sh = eval_shift(p, &ls, res[i].r.alpha, cfg.normalize);
            clip[2 * i] = sh + res[i].r.alpha * ls.v[0];
            clip[2 * i + 1] = sh + res[i].r.alpha * ls.v[ls.n - 1];
            lo = fmin(lo, clip[2 * i]);
            hi = fmax(hi, clip[2 * i + 1]);
            levels_free(&ls);
        }
        double pad = 0.03 * (hi - lo);
        if (!(pad > 0))
            pad = 0.5;
        lo -= pad;
        hi += pad;
        int nbins = (int)lround(2 * cbrt((double)p->st.n));
        nbins = nbins < 30 ? 30 : nbins > 120 ? 120 : nbins;
        uint64_t *counts = util_calloc((size_t)nbins, sizeof *counts);
        eval_histogram(p, cfg.normalize, lo, hi, nbins, counts);
        char name[40];
        snprintf(name, sizeof name, "h%d", k + 1);
        fig_block *hk = fg_add_block(d, name, NULL, "share");
        for (int j = 0; j < nbins; j++) {
            double y = (double)counts[j] / (double)p->st.n;
            fg_add_row(hk, lo + (j + 0.5) * (hi - lo) / nbins, y)->raw = s->panel_names[k];
            if (y > 0) {
                *ymin = fmin(*ymin, y);
                *ymax = fmax(*ymax, y);
            }
        }
        free(counts);
        *xlo = lo;
        *xhi = hi;
        return 0;
    }
    if (s->figure == FIG_BITS) {
        fig_block *mk[OPTIONS_MAX_SCHEMES];
        for (int i = 0; i < ns; i++) {
            char name[40];
            snprintf(name, sizeof name, "p%d_%d", k + 1, i + 1);
            mk[i] = fg_add_block(d, name, s->schemes[i], mse_series);
            mk[i]->bits = -1;
        }
        for (int bits = LEVELS_MIN_BITS; bits <= LEVELS_MAX_BITS; bits++) {
            analyze_result res[OPTIONS_MAX_SCHEMES];
            analyze_cfg c = cfg;
            c.bits = bits;
            if (analyze_tensor(p, &c, s->schemes, ns, 0, res, err) < 0)
                return -1;
            for (int i = 0; i < ns; i++) {
                if (fg_stored_res(s, i, k) || (s->panel_stored && strcmp(s->schemes[i], "stored") == 0)) {
                    if (bits == LEVELS_MIN_BITS)   /* one point at its bpw (fig_stored.h) */
                        fg_stored_bits(s, i, k, dv, mk[i], ymin, ymax);
                    continue;
                }
                double m = res[i].ok ? res[i].r.mse / dv : NAN;
                fg_add_row(mk[i], bits, m)->raw = s->panel_names[k];
                if (m > 0) {
                    *ymin = fmin(*ymin, m);
                    *ymax = fmax(*ymax, m);
                }
            }
        }
        *xhi = LEVELS_MAX_BITS;
        for (int i = 0; i < ns; i++)
            if (fg_stored_res(s, i, k) && fg_stored_res(s, i, k)->bpw > *xhi)
                *xhi = fg_stored_res(s, i, k)->bpw;
        return 0;
    }
    analyze_result res[OPTIONS_MAX_SCHEMES];
    if (analyze_tensor(p, &cfg, s->schemes, ns, 1, res, err) < 0)
        return -1;
    double amax = eval_xabsmax(p, cfg.normalize);
    levelset ls[OPTIONS_MAX_SCHEMES];
    int have[OPTIONS_MAX_SCHEMES];
    for (int i = 0; i < ns; i++) {
        util_err e2 = { { 0 } };
        have[i] = res[i].ok && levels_build(res[i].scheme, cfg.bits, cfg.is_signed, &cfg.lprm, &ls[i], &e2) == 0;
        if (have[i])
            amax = fmax(amax, eval_alpha_max(p, &ls[i], cfg.normalize));
    }
    if (!(amax > 0))
        amax = 1;
    double al[PANEL_SWEEP_N + 1], ms[PANEL_SWEEP_N + 1];
    for (int i = 0; i < ns; i++) {
        char name[40];
        snprintf(name, sizeof name, "p%d_%d", k + 1, i + 1);
        fig_block *bk = fg_add_block(d, name, res[i].scheme, mse_series);
        snprintf(name, sizeof name, "o%d_%d", k + 1, i + 1);
        fig_block *ok = fg_add_block(d, name, res[i].scheme, "optimum");
        if (fg_stored_sweep(s, i, k, amax, dv, bk, ymin, ymax))
            continue;   /* the file's own grid: a flat line, or nothing (fig_stored.h) */
        if (!have[i])
            continue;
        int n = 0;
        for (int j = 1; j <= PANEL_SWEEP_N; j++)
            al[n++] = amax * j / PANEL_SWEEP_N;
        if (isfinite(res[i].opt_alpha) && res[i].opt_alpha > 0)
            al[n++] = res[i].opt_alpha;
        qsort(al, (size_t)n, sizeof *al, cmp_dbl);
        eval_curve(p, &ls[i], cfg.normalize, al, n, ms);
        for (int j = 0; j < n; j++) {
            ms[j] /= dv;
            if (j && al[j] == al[j - 1])
                continue;
            fg_add_row(bk, al[j], ms[j])->raw = s->panel_names[k];
            if (ms[j] > 0) {
                *ymin = fmin(*ymin, ms[j]);
                *ymax = fmax(*ymax, ms[j]);
            }
        }
        if (isfinite(res[i].opt_alpha))
            fg_add_row(ok, res[i].opt_alpha, res[i].opt_mse / dv)->raw = s->panel_names[k];
        levels_free(&ls[i]);
    }
    *xhi = amax;
    return 0;
}

/* The prefix and suffix (cut at a '.') that all n names share. */
static void affixes(const char *const *names, int n, size_t *pre, size_t *suf)
{
    *pre = *suf = 0;
    if (n < 2)
        return;
    const char *a = names[0];
    size_t la = strlen(a), p = la, q = la;
    for (int j = 1; j < n; j++) {
        const char *c = names[j];
        size_t lc = strlen(c), k = 0;
        while (k < p && k < lc && a[k] == c[k])
            k++;
        p = k;
        k = 0;
        while (k < q && k < lc && a[la - 1 - k] == c[lc - 1 - k])
            k++;
        q = k;
    }
    while (p > 0 && a[p - 1] != '.')
        p--;
    while (q > 0 && a[la - q] != '.')
        q--;
    if (p + q >= la)
        p = q = 0;
    *pre = p;
    *suf = q;
}

int fig_panels(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    int n = s->npanels, cols = s->panel_cols, rows = s->panel_rows, ns = s->nschemes;
    if (cols < 1 || rows < 1 || cols * rows < n) {
        util_err_set(err, "--panels=%dx%d holds %d panels, not the %d tensors selected", cols, rows,
                     cols * rows, n);
        return -1;
    }
    double *xhi = util_calloc((size_t)n, sizeof *xhi), *xlo = util_calloc((size_t)n, sizeof *xlo);
    double *clip = util_calloc((size_t)n * 2 * (size_t)ns, sizeof *clip);
    double ymin = INFINITY, ymax = 0;
    /* one MSE axis for tensors whose mean squares differ by more than 10x
     * would show their scales, not the schemes: the relative MSE,
     * MSE / mean(w^2), instead (--normalize: x units are comparable) */
    double msq_lo = INFINITY, msq_hi = 0;
    for (int k = 0; k < n; k++) {
        const prep *p = s->panel_p[k];
        double m = p->st.n ? p->st.sumsq / (double)p->st.n : 0;
        msq_lo = fmin(msq_lo, m);
        msq_hi = fmax(msq_hi, m);
    }
    int rel = s->figure != FIG_HISTOGRAM && !s->cfg.normalize && msq_lo > 0 && msq_hi > 10 * msq_lo;
    for (int k = 0; k < n; k++)
        if (panel_data(s, k, d, &xlo[k], &xhi[k], &ymin, &ymax, clip + 2 * ns * k,
                       rel ? s->panel_p[k]->st.sumsq / (double)s->panel_p[k]->st.n : 0, err) < 0) {
            free(xhi);
            free(xlo);
            free(clip);
            return -1;
        }
    if (!(ymax > 0)) {
        util_err_set(err, "no tensor has an error to draw");
        free(xhi);
        free(xlo);
        free(clip);
        return -1;
    }
    int bits = s->figure == FIG_BITS;
    /* tensors of similar range share the x axis (the same tics in every
     * panel, two or more of them where a panel's own range fits one) */
    double xl = INFINITY, xh = -INFINITY, xw = INFINITY;
    for (int k = 0; k < n; k++) {
        xl = fmin(xl, xlo[k]);
        xh = fmax(xh, xhi[k]);
        xw = fmin(xw, xhi[k] - xlo[k]);
    }
    if (!bits && xw > 0 && (xh - xl) < 2 * xw)
        for (int k = 0; k < n; k++) {
            xlo[k] = xl;
            xhi[k] = xh;
        }
    /* x in units of 10^e when the values are small or large: tic labels
     * of one or two digits ("0 1 2 3", "x10^-2" in the axis title) fit
     * narrow panels */
    int xe = 0;
    double xs = 1;
    if (!bits && xh > 0 && (xh < 0.1 || xh >= 1000)) {
        xe = (int)floor(log10(xh));
        xs = pow(10, -xe);
        for (int k = 0; k < n; k++) {
            xlo[k] *= xs;
            xhi[k] *= xs;
        }
    }
    double W = st->width_cm, H = st->height_cm, fs = st->font_pt / 8, line = 0.40 * fs;
    /* the key: the schemes, and for histograms the dashed +-alpha with
     * the bit width */
    int hkey = s->figure == FIG_HISTOGRAM, nk = ns + hkey;
    char *kt[OPTIONS_MAX_SCHEMES + 1] = { 0 };
    const char *ksch[OPTIONS_MAX_SCHEMES + 1];
    for (int i = 0; i < ns; i++) {
        sbuf tt = { 0 };
        fg_txt_scheme(&tt, st, s->schemes[i]);
        kt[i] = tt.s;
        ksch[i] = s->schemes[i];
    }
    if (hkey) {
        kt[ns] = util_asprintf("%s, %d-bit", st->latex ? "$\\pm\\alpha$" : "±α", s->cfg.bits);
        ksch[ns] = "custom";
    }
    plot_spec ks = *s;
    ks.schemes = ksch;
    ks.nschemes = nk;
    int krows = fg_key_rows_of(st, (const char *const *)kt, nk, W - 0.2);
    double top = krows * line + 0.15;             /* the key */
    /* the y axis title (a line) and its tic labels: 10^{-5} (about 3.6
     * digits wide), or a share with at most 4 characters (0.05) */
    double lm = 0.1 + line + 0.2 + 4 * 0.66 * st->font_pt / 72 * 2.54 + 0.15, rm = 0.3;
    double gap = 0.3, title = line + 0.05;
    double xax = 0.55 * fs;                       /* x tic labels under a panel */
    double bot = xax + line + 0.05;               /* the bottom row's tics and axis title */
    double pw = (W - lm - rm - (cols - 1) * gap) / cols;
    double rowgap = bits ? 0.15 : xax + 0.1;
    double ph = (H - top - bot - rows * title - (rows - 1) * rowgap) / rows;
    /* too short for a title line over each panel and tic labels under
     * each row: the compact grid (each title inside its panel's top
     * corner on an opaque box, one x axis for all panels, labelled under
     * the bottom row), panels at least 2.2 lines tall */
    int inside = 0, alab = 0; /* alab: the histogram's +-alpha told in its x axis title, not the key */
    double top2 = hkey ? fg_key_rows_of(st, (const char *const *)kt, ns, W - 0.2) * line + 0.15 : top;
    if (pw >= PANEL_MIN_W && ph < 4 * line) {
        double cph = (H - top - bot - (rows - 1) * 0.15) / rows, cph2 = cph + (top - top2) / rows;
        if (cph >= PANEL_MIN_H * line || cph2 >= PANEL_MIN_H * line) {
            inside = 1;
            alab = cph < PANEL_MIN_H * line;
            ph = alab ? cph2 : cph;
            top = alab ? top2 : top;
            ks.nschemes = alab ? ns : nk;
            rowgap = 0.15;
            title = 0;
        }
    }
    /* a panel at least 1.3 cm wide: its 3 or 4 short tic labels (0 1 2 3,
     * 2 4 6 8) and its title shortened to 8 characters fit */
    if (pw < PANEL_MIN_W || (!inside && ph < 4 * line)) {
        double wneed = pw < PANEL_MIN_W ? lm + rm + (cols - 1) * gap + cols * PANEL_MIN_W + 0.05 : W;
        /* the compact grid's height (the key's rows at the width asked) */
        double hneed = top2 + bot + (rows - 1) * 0.15 + rows * PANEL_MIN_H * line + 0.05;
        if (pw < PANEL_MIN_W)
            hneed = fmax(H, hneed);
        util_err_set(err, "a %gx%g cm figure of %dx%d panels leaves %.1fx%.1f cm a panel at %g pt: give it more "
                     "%s (--size=%.1fx%.1f), fewer panels or one figure a tensor (without --panels)", W, H, cols, rows, fmax(pw, 0), fmax(ph, 0),
                     st->font_pt, pw < PANEL_MIN_W ? "width" : "height", wneed, ceil(hneed * 10) / 10);
        for (int i = 0; i < nk; i++)
            free(kt[i]);
        free(xhi);
        free(xlo);
        free(clip);
        return -1;
    }
    if (inside && !bits) /* one x range for the grid: its labels under the bottom row */
        for (int k = 1; k < n; k++) {
            xlo[0] = fmin(xlo[0], xlo[k]);
            xhi[0] = fmax(xhi[0], xhi[k]);
        }
    for (int k = 1; inside && !bits && k < n; k++) {
        xlo[k] = xlo[0];
        xhi[k] = xhi[0];
    }
    int hist = s->figure == FIG_HISTOGRAM, logy = !hist || s->log_counts;
    double ylo = hist && !logy ? 0 : ymin / 2, yhi = hist && !logy ? ymax * 1.08 : ymax * 2;
    if (inside) {
        /* the top of each panel left to its title: no data under it */
        double f = fmin((line + 0.1) / ph, 0.6);
        yhi = logy ? ylo * pow(yhi / ylo, 1 / (1 - f)) : yhi / (1 - f);
    }
    size_t pre, suf; /* left out of the titles: what all names share */
    affixes(s->panel_names, n, &pre, &suf);
    size_t maxc = (size_t)fmax(6, (pw - (inside ? 0.3 : 0.1)) / fg_text_cm(1, st));
    fg_set_styles(b, s, st);
    sbuf_printf(b, "# %d tensors in %dx%d panels, the MSE axis shared\n", n, cols, rows);
    if (rel)
        sbuf_printf(b, "# their mean squares differ %.3gx: rel. MSE = MSE / mean(w^2) of the panel's tensor\n",
                    msq_hi / msq_lo);
    if (hkey)
        sbuf_printf(b, "set linetype %d lc rgb '#606060' lw 1 dt 2\n", nk);
    fg_key_row_texts(b, &ks, st, 0.5 * line + 0.05, (const char *const *)kt);
    for (int i = 0; i < nk; i++)
        free(kt[i]);
    sbuf_puts(b, logy ? "set multiplot\nunset key\nset logscale y\n" : "set multiplot\nunset key\n");
    sbuf_printf(b, "set yrange [%.6g:%.6g]\n", ylo, yhi);
    if (logy)
        fg_set_log_ytics(b, st, ylo, yhi, ph);
    else
        sbuf_printf(b, "set ytics %.17g\n", fg_tick_step(0, yhi, ph, st, 0));
    sbuf_puts(b, "set xtics offset 0, 0.3\n");
    if (inside)
        sbuf_puts(b, "set style textbox opaque noborder margins 0.5, 0.2\n");
    for (int k = 0; k < n; k++) {
        int c = k % cols, r = k / cols;
        double x0 = lm + c * (pw + gap);
        double y1 = H - top - title - r * (ph + title + rowgap), y0 = y1 - ph;
        int last_in_col = k + cols >= n, bottom = r == rows - 1 || last_in_col;
        sbuf_printf(b, "\n# panel %d\n", k + 1);
        sbuf_printf(b, "set lmargin at screen %.4f\nset rmargin at screen %.4f\n", x0 / W, (x0 + pw) / W);
        sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\n", y1 / H, y0 / H);
        if (bits)
            sbuf_printf(b, "set xrange [%g:%g]\nset xtics 2, %d, 8\n", LEVELS_MIN_BITS - 0.3, xh + 0.3,
                        pw < 3 ? 2 : 1);   /* xh: 8, or a stored grid's bpw beyond */
        else {
            sbuf_printf(b, "set xrange [%.17g:%.17g]\n", xlo[k], xhi[k]);
            fg_set_xstep(b, st, xlo[k], xhi[k], pw);
        }
        /* bits share x: its labels under the last panel of each column */
        sbuf_puts(b, (!bits && !inside) || bottom ? "set format x '% h'\n" : "set format x ''\n");
        /* one axis title for every column, centred under the figure (a
         * title per narrow panel would run into its neighbours) */
        sbuf_puts(b, "unset xlabel\n");
        if (k == n - 1) {
            sbuf_puts(b, "set label 2 ");
            sbuf t = { 0 };
            if (bits)
                sbuf_puts(&t, "bits");
            else if (hist)
                sbuf_puts(&t, fg_x_label(s, st));
            else {
                /* "clipping threshold" only where it fits: else alpha alone */
                if (fg_text_cm(20 + (xe ? 8 : 0), st) <= W - 0.3)
                    sbuf_puts(&t, "clipping threshold ");
                fg_txt_alpha(&t, st);
            }
            if (xe)
                sbuf_printf(&t, st->latex ? " ($\\times 10^{%d}$)" : " (×10^{%d})", xe);
            if (alab)
                sbuf_printf(&t, st->latex ? "; dashed $\\pm\\alpha$, %d-bit" : "; dashed ±α, %d-bit", s->cfg.bits);
            /* centred under the panels, or on the page when that would
             * push it over an edge */
            double tw = fg_text_cm(fg_vis_len(t.s), st), xc = (lm + (W - rm)) / 2;
            fg_put_text(b, &t);
            if (xc + tw / 2 > W - 0.1 || xc - tw / 2 < 0.1)
                xc = W / 2;
            sbuf_printf(b, " at screen %.4f, screen %.4f center front\n", xc / W, (0.5 * line + 0.03) / H);
        }
        if (c == 0 && hist) {
            if (logy)
                sbuf_puts(b, st->latex ? "set format y '$10^{%T}$'\n" : "set format y '10^{%T}'\n");
            else
                sbuf_puts(b, "set format y '% h'\n");
            sbuf_puts(b, "set ylabel 'share of values'\n");
        } else if (c == 0) {
            sbuf_puts(b, st->latex ? "set format y '$10^{%T}$'\n" : "set format y '10^{%T}'\n");
            if (bits)
                sbuf_puts(b, rel ? "set ylabel 'rel. MSE'\n" : "set ylabel 'MSE'\n");
            else
                sbuf_printf(b, rel ? "set ylabel 'rel. MSE, %d-bit'\n" : "set ylabel 'MSE, %d-bit'\n", s->cfg.bits);
        } else
            sbuf_puts(b, "set format y ''\nunset ylabel\n");
        if (inside) {
            /* one y axis title for the grid's rows, centred on them */
            sbuf_puts(b, "unset ylabel\n");
            if (k == n - 1) {
                sbuf_puts(b, "set label 3 ");
                if (hist)
                    sbuf_puts(b, "'share of values'");
                else if (bits)
                    sbuf_puts(b, rel ? "'rel. MSE'" : "'MSE'");
                else
                    sbuf_printf(b, rel ? "'rel. MSE, %d-bit'" : "'MSE, %d-bit'", s->cfg.bits);
                sbuf_printf(b, " at screen %.4f, screen %.4f center rotate by 90 front\n", (0.1 + 0.5 * line) / W,
                            (bot + H - top) / 2 / H);
            }
        }
        /* the panel's title: the tensor, shortened from the left */
        const char *nm = s->panel_names[k];
        size_t ln = strlen(nm), cut = pre + suf < ln ? ln - pre - suf : ln;
        char *mid = util_strndup(pre + suf < ln ? nm + pre : nm, cut);
        /* keep a short first component (a block number) and the end */
        const char *dot = strchr(mid, '.');
        size_t fl = dot ? (size_t)(dot - mid) : 0;
        char *sn;
        if (dot && fl > 0 && fl + 1 < maxc / 3 && strlen(mid) > maxc) {
            char *tail = fg_shorten_left(dot + 1, maxc - fl - 1);
            sn = util_asprintf("%.*s.%s", (int)fl, mid, tail);
            free(tail);
        } else
            sn = fg_shorten_left(mid, maxc);
        free(mid);
        char *e = fg_row_label(st, sn);
        sbuf_puts(b, "set label 1 ");
        fig_quote(b, FQ_STRING, e);
        if (!inside)
            sbuf_printf(b, " at screen %.4f, screen %.4f left front noenhanced\n", x0 / W, (y1 + 0.5 * title) / H);
        else { /* the histogram's top left is its empty tail; the curves' top right */
            sbuf_printf(b, " at screen %.4f, screen %.4f front noenhanced", (hist ? x0 + 0.12 : x0 + pw - 0.12) / W,
                        (y1 - 0.5 * line - 0.04) / H);
            sbuf_puts(b, hist ? " left" : " right");
            sbuf_puts(b, st->latex ? "\n" : " boxed\n"); /* (LaTeX's box needs the calc package) */
        }
        free(e);
        free(sn);
        if (hist) {
            /* each scheme's clipping range, dashed, and the histogram */
            for (int i = 0; i < ns; i++)
                for (int e2 = 0; e2 < 2; e2++) {
                    double x = clip[2 * ns * k + 2 * i + e2];
                    int tag = 100 + 2 * i + e2;
                    sbuf_printf(b, "unset arrow %d\n", tag);
                    if (isfinite(x) && (e2 == 1 || x != 0)) {
                        sbuf_printf(b, "set arrow %d from %.17g, graph 0 to %.17g, graph 1 nohead lt %d lw 0.8 front\n",
                                    tag, x * xs, x * xs, i + 1);
                        if (!st->mono)
                            sbuf_printf(b, "set arrow %d dt 2\n", tag);
                    }
                }
            sbuf_printf(b, "plot $h%d using ($1*%.17g):2 with boxes fs solid 1.0 noborder lc rgb '#C0C0C0' notitle\n",
                        k + 1, xs);
            if (k == 0)
                for (int i = 0; i < nk; i++)
                    sbuf_printf(b, "unset label %d\nunset arrow %d\n", 900 + i, 900 + i);
            continue;
        }
        if (bits) {
            double xm = 0;
            fg_stored_bits_mark(b, s, st, k, 90, &xm);
        }
        sbuf_puts(b, "plot ");
        for (int i = 0; i < ns; i++) {
            sbuf_puts(b, i ? ", \\\n     " : "");
            if (bits)
                sbuf_printf(b, "$p%d_%d using 1:2 with linespoints lt %d ps 0.5 notitle", k + 1, i + 1, i + 1);
            else
                sbuf_printf(b, "$p%d_%d using ($1*%.17g):2 with lines lt %d notitle, $o%d_%d using ($1*%.17g):2 with "
                               "points lt %d ps 0.7 notitle", k + 1, i + 1, xs, i + 1, k + 1, i + 1, xs, i + 1);
        }
        sbuf_puts(b, "\n");
        if (k == 0)
            for (int i = 0; i < ns; i++)
                sbuf_printf(b, "unset label %d\nunset arrow %d\n", 900 + i, 900 + i);
    }
    sbuf_puts(b, "unset multiplot\n");
    free(xhi);
    free(xlo);
    free(clip);
    return 0;
}

double fg_panels_height(const plot_spec *s, double width_cm)
{
    fig_style st = { .width_cm = width_cm, .font_pt = 8 };
    int rows = s->panel_rows > 0 ? s->panel_rows : 1, cols = s->panel_cols > 0 ? s->panel_cols : 1;
    double pw = (width_cm - 1.9 - 0.3 - (cols - 1) * 0.3) / cols;
    double ph = fmin(fmax(pw * 0.75, 2.2), 5);
    int bits = s->figure == FIG_BITS;
    const char *t[OPTIONS_MAX_SCHEMES + 1] = { 0 };
    int nk = 0;
    for (; nk < s->nschemes; nk++)
        t[nk] = fg_scheme_title(s->schemes[nk]);
    if (s->figure == FIG_HISTOGRAM)
        t[nk++] = "±α, 4-bit";
    return fg_key_rows_of(&st, t, nk, width_cm - 0.2) * 0.40 + 0.15 + rows * (ph + 0.45) +
           (rows - 1) * (bits ? 0.15 : 0.65) + 0.65;
}
