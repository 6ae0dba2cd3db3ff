/*
 * fig_curves.c - the sweep (MSE against alpha) and bits (MSE against bits)
 * figures (the layers figure: fig_layers.c).
 */
#include "config.h"
#include "plot/fig_common.h"
#include "plot/fig_stored.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant/eval.h"
#include "quant/group.h"
#include "quant/levels.h"

/* ---- sweep ---------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#define SWEEP_N 300

int fig_sweep(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    if (s->npanels > 0)
        return fig_panels(s, st, d, b, err);
    if (fg_need_tensor(s, err) < 0)
        return -1;
    analyze_result res[OPTIONS_MAX_SCHEMES];
    int ns = s->nschemes;
    if (analyze_tensor(s->p, &s->cfg, s->schemes, ns, 1, res, err) < 0)
        return -1;
    double amax = eval_xabsmax(s->p, s->cfg.normalize);
    for (int i = 0; i < ns; i++) {
        levelset ls;
        util_err e2 = { { 0 } };
        if (res[i].ok &&
            levels_build(res[i].scheme, s->cfg.bits, s->cfg.is_signed, &s->cfg.lprm, &ls, &e2) == 0) {
            amax = fmax(amax, eval_alpha_max(s->p, &ls, s->cfg.normalize));
            levels_free(&ls);
        }
    }
    if (!(amax > 0))
        amax = 1;
    double ymin = INFINITY, ymax = 0;
    double *al = util_mallocarray(SWEEP_N + 1, sizeof *al);
    double *ms = util_mallocarray(SWEEP_N + 1, sizeof *ms);
    for (int i = 0; i < ns; i++) {
        char name[40];
        snprintf(name, sizeof name, "sweep_%d", i + 1);
        fig_block *k = fg_add_block(d, name, res[i].scheme, "mse");
        snprintf(name, sizeof name, "opt_%d", i + 1);
        fig_block *o = fg_add_block(d, name, res[i].scheme, "optimum");
        if (fg_stored_sweep(s, i, -1, amax, 1, k, &ymin, &ymax))
            continue;   /* the file's own grid: no alpha, one mse (fig_stored.h) */
        levelset ls;
        util_err e2 = { { 0 } };
        if (!res[i].ok ||
            levels_build(res[i].scheme, s->cfg.bits, s->cfg.is_signed, &s->cfg.lprm, &ls, &e2) < 0)
            continue;
        int n = 0;
        for (int j = 1; j <= SWEEP_N; j++)
            al[n++] = amax * j / SWEEP_N;
        if (isfinite(res[i].opt_alpha) && res[i].opt_alpha > 0)
            al[n++] = res[i].opt_alpha;
        qsort(al, (size_t)n, sizeof *al, cmp_double);
        eval_curve(s->p, &ls, s->cfg.normalize, al, n, ms);
        for (int j = 0; j < n; j++) {
            if (j && al[j] == al[j - 1])
                continue;
            fg_add_row(k, al[j], ms[j]);
            if (ms[j] > 0 && ms[j] < ymin)
                ymin = ms[j];
            if (ms[j] > ymax)
                ymax = ms[j];
        }
        if (isfinite(res[i].opt_alpha))
            fg_add_row(o, res[i].opt_alpha, res[i].opt_mse);
        levels_free(&ls);
    }
    free(al);
    free(ms);
    fg_set_styles(b, s, st);
    /* the key above the plot, in as many rows as it needs: each scheme
     * with its optimal alpha */
    char *kt[OPTIONS_MAX_SCHEMES] = { 0 };
    double av[OPTIONS_MAX_SCHEMES];
    for (int i = 0; i < ns; i++)
        av[i] = res[i].ok ? res[i].opt_alpha : NAN;
    fg_numfmt amode = fg_num_mode(av, ns);
    for (int i = 0; i < ns; i++) {
        sbuf tt = { 0 };
        if (fg_stored_key(&tt, s, st, i)) {
            kt[i] = tt.s;
            continue;
        }
        fg_txt_scheme(&tt, st, res[i].scheme);
        if (res[i].ok && isfinite(res[i].opt_alpha)) {
            sbuf_puts(&tt, st->latex ? ", $\\alpha^*$ = " : ", α* = ");
            fg_txt_num_as(&tt, st, res[i].opt_alpha, amode);
        }
        kt[i] = tt.s;
    }
    double H = st->height_cm, line = 0.40 * st->font_pt / 8, bm = 1.05 * st->font_pt / 8;
    int rows = fg_key_rows_of(st, (const char *const *)kt, ns, st->width_cm - 0.2);
    int rows1 = fg_key_rows(s, st, st->width_cm - 0.2);
    double side = 0; /* the key's column at the right (short figures of many schemes), cm */
    if (H - (rows1 * line + 0.15) - bm < 3.5 * line && fg_side_key_fits(s, st, NULL))
        side = fg_key_column_cm(s, st, NULL) + 0.35;
    if (side > 0) {
        sbuf_puts(b, "# the key in a column at the right: too little height for it above the curves\n");
        fg_key_column(b, s, st, 0.5 * line + 0.05, NULL, 0);
        rows = 0;
    } else if (H - (rows * line + 0.15) - bm < 3.5 * line) {
        /* no room for the optimal alphas in the key: names only (the
         * optima stay marked on the curves, their values in the CSV) */
        sbuf_puts(b, "# the key shows the names only: too little height for the optimal alphas\n");
        rows = fg_key_row_texts(b, s, st, 0.5 * line + 0.05, NULL);
    } else
        fg_key_row_texts(b, s, st, 0.5 * line + 0.05, (const char *const *)kt);
    for (int i = 0; i < ns; i++)
        free(kt[i]);
    double tm = rows * line + 0.15 + (side > 0) * 0.1;
    if (H - tm - bm < 3.5 * line) {
        util_err_set(err, "a %gx%g cm sweep of %d schemes leaves %.1f cm for the curves at %g pt: give it "
                     "more height (--size=%gx%.1f) or fewer schemes", st->width_cm, H, ns, fmax(H - tm - bm, 0),
                     st->font_pt, st->width_cm, tm + bm + 3.5 * line + 0.05);
        return -1;
    }
    sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\nunset key\n", 1 - tm / H, bm / H);
    if (side > 0)
        sbuf_printf(b, "set rmargin at screen %.4f\n", 1 - side / st->width_cm);
    if (isfinite(ymin) && ymax > 0)
        fg_set_log_ytics(b, st, ymin / 1.6, ymax * 2, H - tm - bm);
    sbuf_printf(b, "set ylabel 'MSE, %d-bit'\n", s->cfg.bits);
    sbuf_puts(b, st->latex ? "set logscale y\nset format y '$10^{%T}$'\n" : "set logscale y\nset format y '10^{%T}'\n");
    sbuf_puts(b, "set xlabel ");
    /* beside a key's column the plot is narrow: alpha in units of 10^e
     * (tic labels of a digit or two), its title short when it must be */
    int xe = side > 0 && (amax < 0.1 || amax >= 1000) ? (int)floor(log10(amax)) : 0;
    double xs = pow(10, -xe), pw = st->width_cm - (side > 0 ? side + 1.45 : 2.4) * st->font_pt / 8;
    double xc = st->width_cm - side - pw / 2, room = 2 * fmin(xc, st->width_cm - xc) - 0.2;
    sbuf t = { 0 };
    if (side == 0 || fg_text_cm(19 + (xe ? 8 : 0) + (s->cfg.normalize ? 19 : 0), st) <= room)
        sbuf_puts(&t, "clipping threshold ");
    fg_txt_alpha(&t, st);
    if (s->cfg.normalize && fg_text_cm(40, st) <= room)
        sbuf_puts(&t, " (normalized units)");
    if (xe)
        sbuf_printf(&t, st->latex ? " ($\\times 10^{%d}$)" : " (×10^{%d})", xe);
    fg_put_text(b, &t);
    sbuf_printf(b, "\nset xrange [0:%.17g]\n", amax * xs);
    if (isfinite(ymin) && ymax > 0)
        sbuf_printf(b, "set yrange [%.6g:%.6g]\n", ymin / 1.6, ymax * 2);
    fg_set_xstep(b, st, 0, amax * xs, pw);
    sbuf_puts(b, "set format x '% h'\nset xlabel offset 0, 0.5\nset xtics offset 0, 0.3\n");
    if (s->cfg.amode == ALPHA_VALUE)
        sbuf_printf(b, "set arrow from %.17g, graph 0 to %.17g, graph 1 nohead lc rgb '#9E9E9E' dt 3 back\n",
                    s->cfg.alpha * xs, s->cfg.alpha * xs);
    sbuf_puts(b, "plot ");
    for (int i = 0; i < ns; i++) {
        sbuf_puts(b, i ? ", \\\n     " : "");
        sbuf_printf(b, "$sweep_%d using ($1*%.17g):2 with lines lt %d notitle, \\\n     ", i + 1, xs, i + 1);
        sbuf_printf(b, "$opt_%d using ($1*%.17g):2 with points lt %d ps 1.0 notitle", i + 1, xs, i + 1);
    }
    sbuf_puts(b, "\n");
    return 0;
}

/* ---- bits ------------------------------------------------------------------ */

static int stored_scheme(const plot_spec *s, int i)
{
    return fg_stored_res(s, i, -1) != NULL || (s->stored_res && strcmp(s->schemes[i], "stored") == 0);
}

int fig_bits(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    if (s->npanels > 0)
        return fig_panels(s, st, d, b, err);
    if (!s->model_mse && fg_need_tensor(s, err) < 0)
        return -1;
    int ns = s->nschemes;
    fig_block *mk[OPTIONS_MAX_SCHEMES], *ak[OPTIONS_MAX_SCHEMES];
    double plot_h = st->height_cm;
    for (int i = 0; i < ns; i++) {
        char name[40];
        snprintf(name, sizeof name, "bits_%d", i + 1);
        mk[i] = fg_add_block(d, name, s->schemes[i], "mse");
        mk[i]->bits = -1;
        snprintf(name, sizeof name, "alpha_%d", i + 1);
        ak[i] = fg_add_block(d, name, s->schemes[i], "alpha");
        ak[i]->bits = -1;
    }
    analyze_result res[OPTIONS_MAX_SCHEMES];
    /* a model: its totals (the alphas are per tensor); its SQNR is drawn
     * (tensors of different scale: the MSE is the large ones') */
    fig_block *qk[OPTIONS_MAX_SCHEMES] = { 0 };
    int rel = s->model_mse && s->model_sqnr;
    for (int i = 0; rel && i < ns; i++) {
        char name[40];
        snprintf(name, sizeof name, "sqnr_%d", i + 1);
        qk[i] = fg_add_block(d, name, s->schemes[i], "sqnr_db");
        qk[i]->bits = -1;
    }
    for (int bits = LEVELS_MIN_BITS; s->model_mse && bits <= LEVELS_MAX_BITS; bits++)
        for (int i = 0; i < ns; i++) {
            fg_add_row(mk[i], bits, s->model_mse[(bits - LEVELS_MIN_BITS) * ns + i]);
            if (rel)
                fg_add_row(qk[i], bits, s->model_sqnr[(bits - LEVELS_MIN_BITS) * ns + i]);
        }
    for (int bits = LEVELS_MIN_BITS; !s->model_mse && bits <= LEVELS_MAX_BITS; bits++) {
        analyze_cfg c = s->cfg;
        c.bits = bits;
        if (analyze_tensor(s->p, &c, s->schemes, ns, 0, res, err) < 0)
            return -1;
        for (int i = 0; i < ns; i++) {
            if (stored_scheme(s, i))
                continue;   /* one point at its bpw, below */
            fg_add_row(mk[i], bits, res[i].ok ? res[i].r.mse : NAN);
            fg_add_row(ak[i], bits, res[i].ok ? res[i].r.alpha : NAN);
        }
    }
    double xmax = LEVELS_MAX_BITS + 0.3, ylo_s = INFINITY, yhi_s = 0;
    for (int i = 0; !s->model_mse && i < ns; i++)
        fg_stored_bits(s, i, -1, 1, mk[i], &ylo_s, &yhi_s);
    double ymin = INFINITY, ymax = rel ? -INFINITY : 0;
    for (int i = 0; i < ns; i++)
        for (size_t j = 0; j < mk[i]->n; j++) {
            double m = rel ? qk[i]->rows[j].y : mk[i]->rows[j].y;
            if ((rel ? isfinite(m) : m > 0) && m < ymin)
                ymin = m;
            if (m > ymax)
                ymax = m;
        }
    fg_set_styles(b, s, st);
    if (rel) {
        double lo = isfinite(ymin) ? floor(ymin / 5) * 5 : 0, hi = isfinite(ymax) ? ceil(ymax / 5) * 5 : 10;
        sbuf_printf(b, "set yrange [%.6g:%.6g]\nset format y '%% h'\n", lo, hi > lo ? hi : lo + 5);
        ymin = lo;
        ymax = hi > lo ? hi : lo + 5;
    } else {
        sbuf_puts(b, st->latex ? "set logscale y\nset format y '$10^{%T}$'\n" : "set logscale y\nset format y '10^{%T}'\n");
        if (isfinite(ymin) && ymax > 0)
            sbuf_printf(b, "set yrange [%.6g:%.6g]\n", ymin / 2, ymax * 2);
    }
    if (!s->model_mse)
        fg_stored_bits_mark(b, s, st, -1, 90, &xmax);
    sbuf_printf(b, "set xrange [%g:%g]\nset xtics 1\nset xlabel 'bits'\n", LEVELS_MIN_BITS - 0.3, xmax);
    /* the key above the plot, in rows of columns */
    {
        double H = st->height_cm, line = 0.40 * st->font_pt / 8, bm = 1.05 * st->font_pt / 8;
        double side = 0; /* the key's column at the right (short figures of many schemes), cm */
        int rows = fg_key_rows(s, st, st->width_cm - 0.2);
        if (H - (rows * line + 0.15) - bm < 3.5 * line && fg_side_key_fits(s, st, NULL)) {
            side = fg_key_column_cm(s, st, NULL) + 0.35;
            sbuf_puts(b, "# the key in a column at the right: too little height for it above the curves\n");
            fg_key_column(b, s, st, 0.5 * line + 0.05, NULL, 1);
            rows = 0;
            sbuf_printf(b, "set rmargin at screen %.4f\n", 1 - side / st->width_cm);
        } else
            rows = fg_key_row_texts(b, s, st, 0.5 * line + 0.05, NULL);
        double tm = rows * line + 0.15 + (side > 0) * 0.1;
        if (H - tm - bm < 3.5 * line) {
            util_err_set(err, "a %gx%g cm bits figure of %d schemes leaves %.1f cm for the curves at %g pt: give "
                         "it more height (--size=%gx%.1f) or fewer schemes", st->width_cm, H, ns,
                         fmax(H - tm - bm, 0), st->font_pt, st->width_cm, tm + bm + 3.5 * line + 0.05);
            return -1;
        }
        sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\nunset key\n", 1 - tm / H, bm / H);
        sbuf_puts(b, "set xlabel offset 0, 0.5\nset xtics offset 0, 0.3\n");
        if (side > 0) { /* a narrow plot: every k-th bit width, labels 0.45 cm apart */
            double pw = st->width_cm - (side + 1.45) * st->font_pt / 8;
            int every = (int)ceil(0.45 * st->font_pt / 8 * (LEVELS_MAX_BITS - LEVELS_MIN_BITS + 0.6) / fmax(pw, 0.3));
            sbuf_printf(b, "set xtics %d, %d\n", LEVELS_MIN_BITS, every < 1 ? 1 : every);
        }
        if (rel)
            sbuf_printf(b, "set ytics %.17g\n", fg_tick_step(ymin, ymax, H - tm - bm, st, 0));
        else if (isfinite(ymin) && ymax > 0)
            fg_set_log_ytics(b, st, ymin / 2, ymax * 2, H - tm - bm);
        plot_h = H - tm - bm;
    }
    sbuf t = { 0 };
    if (rel) {
        /* all signal over all noise of every tensor, each at its own alpha */
        sbuf_printf(b, "# each point: the SQNR of all %d tensors, sum(n E[x^2]) / sum(n mse) (the count-weighted MSE "
                       "is in the CSV)\n", s->model_tensors);
        sbuf_printf(&t, "SQNR (dB), %d tensors, ", s->model_tensors);
    } else if (s->model_mse) {
        /* the count-weighted MSE of every tensor, each at its own alpha */
        sbuf_printf(b, "# each point: the MSE of all %d tensors, weighted by their sizes\n", s->model_tensors);
        sbuf_printf(&t, "MSE, %d tensors, ", s->model_tensors);
    } else
        sbuf_puts(&t, "MSE at ");
    if (s->model_mse && s->cfg.amode == ALPHA_MSE) {
        sbuf_puts(&t, "opt. ");
        fg_txt_alpha(&t, st);
    } else if (s->cfg.amode == ALPHA_FILE) {
        sbuf_puts(&t, "stored ");
        fg_txt_alpha(&t, st);
    } else if (s->cfg.amode == ALPHA_MSE) {
        sbuf_puts(&t, "optimal ");
        fg_txt_alpha(&t, st);
    } else if (s->cfg.amode == ALPHA_MAX) {
        fg_txt_alpha(&t, st);
        sbuf_puts(&t, st->latex ? " = $\\max|x|$" : " = max|x|");
    } else {
        fg_txt_alpha(&t, st);
        sbuf_puts(&t, " = ");
        fg_txt_num(&t, st, s->cfg.alpha);
    }
    sbuf_puts(b, "set ylabel ");
    if (rel && fg_text_cm(fg_vis_len(t.s), st) > plot_h + 0.5) {
        /* the long form does not fit along the axis: what the points are
         * goes under the bits when it fits there */
        sbuf x = { 0 };
        sbuf_puts(&x, "bits; ");
        sbuf_puts(&x, t.s + strlen("SQNR (dB), "));
        if (fg_text_cm(fg_vis_len(x.s), st) <= st->width_cm - 1.5) {
            sbuf_puts(b, "'SQNR (dB)'\nset xlabel ");
            fg_put_text(b, &x);
        } else {
            sbuf_free(&x);
            sbuf_puts(b, "'SQNR (dB)'");
        }
        sbuf_free(&t);
    } else
        fg_put_text(b, &t);
    sbuf_puts(b, "\nplot ");
    for (int i = 0; i < ns; i++) {
        sbuf_puts(b, i ? ", \\\n     " : "");
        sbuf_puts(b, rel ? "$sqnr_" : "$bits_");
        sbuf_printf(b, "%d using 1:2 with linespoints lt %d title ", i + 1, i + 1);
        sbuf tt = { 0 };
        fg_txt_scheme(&tt, st, s->schemes[i]);
        fg_put_text(b, &tt);
    }
    sbuf_puts(b, "\n");
    return 0;
}
