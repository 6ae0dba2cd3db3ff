/*
 * figures.c - the five figure kinds: their data (from the same engine calls
 * as --report, so the numbers agree) and the gnuplot commands that draw it
 * (figures.h).
 *
 * Style: one colour, dash type and point type per scheme, by its position
 * in the scheme list. Colours are the Okabe-Ito palette (safe for the common
 * colour-vision deficiencies, and of different lightness so a greyscale
 * print still separates them); with mono, greys with dash patterns. Point
 * types differ per scheme in every mode. Text is gnuplot enhanced text,
 * or LaTeX for .tex (cairolatex), produced by the txt_* helpers.
 */
#include "config.h"
#include "plot/figures.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant/eval.h"
#include "quant/levels.h"

/* ---- data --------------------------------------------------------------- */

static fig_block *add_block(fig_data *d, const char *name, const char *scheme, const char *series)
{
    /* Blocks are allocated one by one so a block pointer stays valid while
     * more blocks are added. */
    d->b = util_realloc(d->b, (size_t)(d->n + 1) * sizeof *d->b);
    fig_block *k = util_calloc(1, sizeof *k);
    d->b[d->n++] = k;
    snprintf(k->name, sizeof k->name, "%s", name);
    k->scheme = scheme;
    k->series = series;
    return k;
}

static fig_row *add_row(fig_block *k, double x, double y)
{
    if (k->n == k->cap) {
        k->cap = k->cap ? 2 * k->cap : 64;
        k->rows = util_realloc(k->rows, k->cap * sizeof *k->rows);
    }
    fig_row *r = &k->rows[k->n++];
    r->x = x;
    r->y = y;
    r->label = NULL;
    r->raw = NULL;
    return r;
}

void fig_data_free(fig_data *d)
{
    for (int i = 0; i < d->n; i++) {
        for (size_t j = 0; j < d->b[i]->n; j++)
            free(d->b[i]->rows[j].label);
        free(d->b[i]->rows);
        free(d->b[i]);
    }
    free(d->b);
    memset(d, 0, sizeof *d);
}

/* ---- text ----------------------------------------------------------------- */

/* Append s as a gnuplot double-quoted string (no enhanced-text escaping). */
void fig_quote(sbuf *b, const char *s)
{
    sbuf_puts(b, "\"");
    for (; *s; s++) {
        char c[3] = { *s, 0, 0 };
        if (*s == '"' || *s == '\\') {
            c[0] = '\\';
            c[1] = *s;
        } else if ((unsigned char)*s < 0x20)
            c[0] = ' ';
        sbuf_puts(b, c);
    }
    sbuf_puts(b, "\"");
}

/* s escaped for LaTeX text mode. Caller frees. */
static char *latex_escape(const char *s)
{
    sbuf b = { 0 };
    sbuf_puts(&b, "");
    for (; *s; s++) {
        switch (*s) {
        case '_': case '%': case '&': case '#': case '$': case '{': case '}': {
            char t[3] = { '\\', *s, 0 };
            sbuf_puts(&b, t);
            break;
        }
        case '~': sbuf_puts(&b, "\\textasciitilde{}"); break;
        case '^': sbuf_puts(&b, "\\textasciicircum{}"); break;
        case '\\': sbuf_puts(&b, "\\textbackslash{}"); break;
        case '"': sbuf_puts(&b, "''"); break;
        default: {
            char t[2] = { (unsigned char)*s < 0x20 ? ' ' : *s, 0 };
            sbuf_puts(&b, t);
        }
        }
    }
    return b.s;
}

/* A name for a data row label (no quotes inside, escaped for LaTeX). */
static char *row_label(const fig_style *st, const char *name)
{
    char *l = st->latex ? latex_escape(name) : util_strdup(name);
    for (char *p = l; *p; p++)
        if (*p == '"' || (unsigned char)*p < 0x20)
            *p = '\'';
    return l;
}

/* The scheme as papers write it. */
static const char *scheme_title(const char *s)
{
    if (strcmp(s, "uniform") == 0)
        return "Uniform";
    if (strcmp(s, "pot") == 0)
        return "PoT";
    if (strcmp(s, "apot") == 0)
        return "APoT";
    return s;
}

static void txt_scheme(sbuf *b, const fig_style *st, const char *s)
{
    if (st->latex) {
        char *e = latex_escape(scheme_title(s));
        sbuf_puts(b, e);
        free(e);
    } else
        sbuf_puts(b, scheme_title(s));
}

static void txt_alpha(sbuf *b, const fig_style *st)
{
    sbuf_puts(b, st->latex ? "$\\alpha$" : "α");
}

/* A number with 3 significant digits; powers of ten as 1.23×10^{-5}. */
static void txt_num(sbuf *b, const fig_style *st, double v)
{
    if (!isfinite(v)) {
        sbuf_puts(b, isnan(v) ? "–" : v > 0 ? "∞" : "-∞");
        return;
    }
    double a = fabs(v);
    if (a == 0 || (a >= 1e-3 && a < 1e4)) {
        char t[32];
        snprintf(t, sizeof t, "%.3g", v);
        sbuf_puts(b, st->latex ? "$" : "");
        sbuf_puts(b, t);
        sbuf_puts(b, st->latex ? "$" : "");
        return;
    }
    int e = (int)floor(log10(a));
    double m = v / pow(10, e);
    if (fabs(m) >= 9.995) {
        m /= 10;
        e++;
    }
    if (st->latex)
        sbuf_printf(b, "$%.3g\\times 10^{%d}$", m, e);
    else
        sbuf_printf(b, "%.3g×10^{%d}", m, e);
}

/* Build a label text in t (an sbuf) then append it quoted to b. */
static void put_text(sbuf *b, sbuf *t)
{
    fig_quote(b, t->s ? t->s : "");
    sbuf_free(t);
}

/* ---- style -------------------------------------------------------------- */

static const char *const okabe_ito[] = {
    "#0072B2", /* blue */
    "#D55E00", /* vermillion */
    "#009E73", /* bluish green */
    "#CC79A7", /* reddish purple */
    "#E69F00", /* orange */
    "#56B4E9", /* sky blue */
    "#000000", /* black */
    "#F0E442", /* yellow */
};
static const char *const greys[] = { "#000000", "#5A5A5A", "#8C8C8C", "#000000", "#5A5A5A", "#8C8C8C" };
static const int dashes[] = { 1, 2, 4, 5, 3, 1 };
static const int points[] = { 7, 5, 9, 13, 11, 15, 6, 4 };
static const char *const bar_greys[] = { "#1A1A1A", "#808080", "#D0D0D0", "#4D4D4D", "#B3B3B3", "#FFFFFF" };

#define NELEM(a) ((int)(sizeof(a) / sizeof *(a)))

static void set_styles(sbuf *b, const plot_spec *s, const fig_style *st)
{
    sbuf_puts(b, "# One line type per scheme: colour (Okabe-Ito) or grey, dashes, points.\n");
    for (int i = 0; i < s->nschemes; i++) {
        if (st->mono)
            sbuf_printf(b, "set linetype %d lc rgb \"%s\" lw 1.5 dt %d pt %d ps 0.7\n", i + 1,
                        greys[i % NELEM(greys)], dashes[i % NELEM(dashes)], points[i % NELEM(points)]);
        else
            sbuf_printf(b, "set linetype %d lc rgb \"%s\" lw 1.5 dt 1 pt %d ps 0.7\n", i + 1,
                        okabe_ito[i % NELEM(okabe_ito)], points[i % NELEM(points)]);
    }
    sbuf_puts(b, "set border 3 lw 0.8\nset tics nomirror out scale 0.5\n"
                 "set key samplen 2 spacing 1.1 width 1\n");
}


/* A tic step of 1, 2, 2.5 or 5 times a power of ten that puts at most
 * about one label per `per_cm` cm on an axis `len_cm` long. */
static double nice_step(double range, double len_cm, double per_cm)
{
    int maxt = (int)(len_cm / per_cm) + 1;
    if (maxt < 2)
        maxt = 2;
    double raw = range / maxt;
    if (!(raw > 0))
        return 1;
    double p = pow(10, floor(log10(raw)));
    static const double m[] = { 1, 2, 2.5, 5, 10 };
    for (int i = 0; i < 5; i++)
        if (m[i] * p >= raw * (1 - 1e-9))
            return m[i] * p;
    return 10 * p;
}

/* x tics for a figure of the given plot-area width. */
static void set_xstep(sbuf *b, const fig_style *st, double lo, double hi, double chars)
{
    double fs = st->font_pt / 8.0;
    double area = st->width_cm - 2.2 * fs;
    double step = nice_step(hi - lo, area, (chars * 0.16 + 0.45) * fs);
    sbuf_printf(b, "set xtics %.17g\nset mxtics 2\n", step);
}

/* Row labels of a strip of schemes: names at the left of the rows (row 1 at
 * the top); with mse, each scheme's MSE at the right under a heading. */
static void row_labels(sbuf *b, const plot_spec *s, const fig_style *st, const char *const *names,
                       const double *mse)
{
    int ns = s->nschemes;
    sbuf_puts(b, "unset ytics\n");
    for (int i = 0; i < ns; i++) {
        sbuf_printf(b, "set label %d ", 100 + i);
        sbuf t = { 0 };
        txt_scheme(&t, st, names[i]);
        put_text(b, &t);
        sbuf_printf(b, " at graph 0, first %d right offset -0.8, 0\n", ns - i);
        if (mse) {
            sbuf_printf(b, "set label %d ", 200 + i);
            sbuf tt = { 0 };
            txt_num(&tt, st, mse[i]);
            put_text(b, &tt);
            sbuf_printf(b, " at graph 1, first %d left offset 0.8, 0 tc lt %d\n", ns - i, i + 1);
        }
    }
    if (mse)
        sbuf_printf(b, "set label 300 \"MSE\" at graph 1, first %d.05 left offset 0.8, 0\n", ns + 1);
}

/* ---- histogram --------------------------------------------------------------- */

static double xlo_of(const plot_spec *s)
{
    return eval_x_of_w(s->p, s->cfg.normalize, s->p->st.min);
}

static double xhi_of(const plot_spec *s)
{
    return eval_x_of_w(s->p, s->cfg.normalize, s->p->st.max);
}

static const char *x_label(const plot_spec *s, const fig_style *st)
{
    if (s->cfg.normalize)
        return st->latex ? "normalized weight $(w-\\mu)/\\sigma$" : "normalized weight (w - μ)/σ";
    return st->latex ? "weight $w$" : "weight {/:Italic w}";
}

static int need_tensor(const plot_spec *s, util_err *err)
{
    if (!s->p) {
        util_err_set(err, "the %s figure needs a tensor", plot_figure_name(s->figure));
        return -1;
    }
    if (s->p->st.n == 0) {
        util_err_set(err, "%s: no finite values to draw", s->tensor_name ? s->tensor_name : "tensor");
        return -1;
    }
    return 0;
}

static int fig_histogram(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    if (need_tensor(s, err) < 0)
        return -1;
    analyze_result res[OPTIONS_MAX_SCHEMES];
    int ns = s->nschemes;
    if (analyze_tensor(s->p, &s->cfg, s->schemes, ns, 0, res, err) < 0)
        return -1;
    /* Each scheme's clipping range: its extreme levels (+-alpha, or [0, alpha]
     * unsigned, or shifted for an affine set). */
    double rlo[OPTIONS_MAX_SCHEMES], rhi[OPTIONS_MAX_SCHEMES], shift[OPTIONS_MAX_SCHEMES];
    double lo = xlo_of(s), hi = xhi_of(s);
    for (int i = 0; i < ns; i++) {
        rlo[i] = rhi[i] = shift[i] = 0;
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
    fig_block *hk = add_block(d, "hist", NULL, "count");
    for (int i = 0; i < nbins; i++) {
        add_row(hk, lo + (i + 0.5) * bw, (double)counts[i]);
        if ((double)counts[i] > peak)
            peak = (double)counts[i];
    }
    free(counts);
    for (int i = 0; i < ns; i++) {
        char name[40];
        snprintf(name, sizeof name, "levels_%d", i + 1);
        fig_block *k = add_block(d, name, res[i].scheme, "level");
        snprintf(name, sizeof name, "result_%d", i + 1);
        fig_block *r = add_block(d, name, res[i].scheme, "result");
        if (!res[i].ok)
            continue;
        add_row(r, res[i].r.alpha, res[i].r.mse);
        levelset ls;
        util_err e2 = { { 0 } };
        if (levels_build(res[i].scheme, s->cfg.bits, s->cfg.is_signed, &s->cfg.lprm, &ls, &e2) < 0)
            continue;
        uint64_t *lc = util_calloc(ls.n, sizeof *lc);
        eval_result er;
        if (eval_full(s->p, &ls, res[i].r.alpha, s->cfg.normalize, &er, lc, &e2) == 0)
            for (size_t j = 0; j < ls.n; j++)
                add_row(k, shift[i] + res[i].r.alpha * ls.v[j], (double)lc[j]);
        free(lc);
        levels_free(&ls);
    }

    /* Layout: the histogram on top with each scheme's +-alpha dashed; below
     * it one row per scheme with its levels (the rug) and, at the right,
     * its MSE: the legend. Both panels share the x axis and margins.
     * Heights in cm -> screen fractions. */
    double H = st->height_cm, fs = st->font_pt / 8.0;
    double bot = 1.5 * fs / H;                       /* x tics + label */
    double strip = 0.36 * (ns + 0.8) * fs / H;
    double top = 1 - 0.15 / H;
    double split = bot + strip;
    set_styles(b, s, st);
    sbuf_puts(b, "set multiplot\nset lmargin 9\nset rmargin 10.5\n");
    sbuf_printf(b, "set xrange [%.17g:%.17g]\n", lo, hi);
    set_xstep(b, st, lo, hi, 5);
    sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\n", top, split + 0.08 / H);
    sbuf_puts(b, "set format x \"\"\nset ylabel \"count\"\nunset key\n");
    if (s->log_counts) {
        sbuf_printf(b, "set logscale y\nset yrange [0.8:%.6g]\n", fmax(peak, 1) * 1.5);
        sbuf_puts(b, "set format y \"10^{%T}\"\n");
    } else
        sbuf_printf(b, "set yrange [0:%.6g]\nset ytics format \"%%.0f\"\n", fmax(peak, 1) * 1.05);
    for (int i = 0; i < ns; i++) {
        if (!res[i].ok)
            continue;
        const char *dt = st->mono ? "" : " dt 2";
        sbuf_printf(b, "set arrow from %.17g, graph 0 to %.17g, graph 1 nohead lt %d lw 1%s front\n",
                    rhi[i], rhi[i], i + 1, dt);
        if (rlo[i] != 0)
            sbuf_printf(b, "set arrow from %.17g, graph 0 to %.17g, graph 1 nohead lt %d lw 1%s front\n",
                        rlo[i], rlo[i], i + 1, dt);
    }
    sbuf_printf(b, "plot $hist using 1:2:(%.17g) with boxes fs solid 1.0 noborder lc rgb \"#C8C8C8\" notitle\n",
                bw);
    sbuf_puts(b, "\n# The level sets at each scheme's alpha, one row per scheme, and the MSE.\n");
    sbuf_puts(b, "unset arrow\nunset logscale y\nunset ylabel\nset format x \"% h\"\n");
    sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\n", split, bot);
    sbuf_printf(b, "set yrange [0.5:%d.3]\nset border 1 lw 0.8\n", ns + 1);
    const char *names[OPTIONS_MAX_SCHEMES];
    double mses[OPTIONS_MAX_SCHEMES];
    for (int i = 0; i < ns; i++) {
        names[i] = res[i].scheme;
        mses[i] = res[i].ok ? res[i].r.mse : NAN;
    }
    row_labels(b, s, st, names, mses);
    sbuf_puts(b, "set xlabel ");
    fig_quote(b, x_label(s, st));
    sbuf_puts(b, "\n");
    for (int i = 0; i < ns; i++)
        if (res[i].ok)
            sbuf_printf(b, "set arrow from %.17g,%d to %.17g,%d nohead lt %d lw 0.6 back\n",
                        rlo[i], ns - i, rhi[i], ns - i, i + 1);
    sbuf_puts(b, "plot ");
    for (int i = 0; i < ns; i++)
        sbuf_printf(b, "%s$levels_%d using 1:(%d-0.32):(0):(0.64) with vectors nohead lt %d dt 1 lw 1 notitle",
                    i ? ", \\\n     " : "", i + 1, ns - i, i + 1);
    sbuf_puts(b, "\nunset multiplot\n");
    return 0;
}

/* ---- levels --------------------------------------------------------------- */

static int fig_levels(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    int ns = s->nschemes;
    size_t maxn = 0;
    for (int i = 0; i < ns; i++) {
        levelset ls;
        if (levels_build(s->schemes[i], s->cfg.bits, s->cfg.is_signed, &s->cfg.lprm, &ls, err) < 0)
            return -1;
        char name[40];
        snprintf(name, sizeof name, "levels_%d", i + 1);
        fig_block *k = add_block(d, name, ls.scheme, "level");
        for (size_t j = 0; j < ls.n; j++)
            add_row(k, ls.v[j], ls.terms[j]);
        if (ls.n > maxn)
            maxn = ls.n;
        levels_free(&ls);
    }
    set_styles(b, s, st);
    sbuf_puts(b, "unset key\nset lmargin 8\nset rmargin 2\nset tmargin 0.6\n");
    if (s->cfg.is_signed)
        sbuf_puts(b, "set xrange [-1.05:1.05]\nset xtics -1, 0.5, 1 format \"% h\"\nset mxtics 2\n");
    else
        sbuf_puts(b, "set xrange [-0.025:1.025]\nset xtics 0, 0.25, 1 format \"% h\"\nset mxtics 2\n");
    sbuf_printf(b, "set yrange [0.45:%d.55]\nset border 1 lw 0.8\n", ns);
    const char *names[OPTIONS_MAX_SCHEMES];
    for (int i = 0; i < ns; i++)
        names[i] = d->b[i]->scheme;
    row_labels(b, s, st, names, NULL);
    sbuf_puts(b, "set xlabel ");
    sbuf t = { 0 };
    sbuf_printf(&t, "%d-bit %s levels (", s->cfg.bits, s->cfg.is_signed ? "signed" : "unsigned");
    txt_alpha(&t, st);
    sbuf_puts(&t, " = 1)");
    put_text(b, &t);
    sbuf_puts(b, "\n");
    double x0 = s->cfg.is_signed ? -1 : 0;
    for (int i = 0; i < ns; i++)
        sbuf_printf(b, "set arrow from %g,%d to 1,%d nohead lc rgb \"#9E9E9E\" lw 0.6 back\n", x0,
                    ns - i, ns - i);
    /* Points while they stay apart; thin ticks alone for dense sets. */
    int dots = maxn <= 33;
    sbuf_puts(b, "plot ");
    for (int i = 0; i < ns; i++) {
        sbuf_printf(b, "%s$levels_%d using 1:(%d-0.22):(0):(0.44) with vectors nohead lt %d dt 1 lw %s",
                    i ? ", \\\n     " : "", i + 1, ns - i, i + 1, dots ? "0.8" : "0.6");
        if (dots)
            sbuf_printf(b, ", \\\n     $levels_%d using 1:(%d) with points lt %d ps 0.5", i + 1, ns - i, i + 1);
    }
    sbuf_puts(b, "\n");
    return 0;
}

/* ---- sweep ---------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#define SWEEP_N 300

static int fig_sweep(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    if (need_tensor(s, err) < 0)
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
        fig_block *k = add_block(d, name, res[i].scheme, "mse");
        snprintf(name, sizeof name, "opt_%d", i + 1);
        fig_block *o = add_block(d, name, res[i].scheme, "optimum");
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
            add_row(k, al[j], ms[j]);
            if (ms[j] > 0 && ms[j] < ymin)
                ymin = ms[j];
            if (ms[j] > ymax)
                ymax = ms[j];
        }
        if (isfinite(res[i].opt_alpha))
            add_row(o, res[i].opt_alpha, res[i].opt_mse);
        levels_free(&ls);
    }
    free(al);
    free(ms);
    set_styles(b, s, st);
    sbuf_puts(b, "set logscale y\nset format y \"10^{%T}\"\nset ylabel \"MSE\"\nset xlabel ");
    sbuf t = { 0 };
    sbuf_puts(&t, "clipping threshold ");
    txt_alpha(&t, st);
    if (s->cfg.normalize)
        sbuf_puts(&t, " (normalized units)");
    put_text(b, &t);
    sbuf_printf(b, "\nset xrange [0:%.17g]\n", amax);
    if (isfinite(ymin) && ymax > 0)
        sbuf_printf(b, "set yrange [%.6g:%.6g]\n", ymin / 1.6, ymax * 6);
    set_xstep(b, st, 0, amax, 5);
    sbuf_puts(b, "set format x \"% h\"\nset key top right reverse Left samplen 1 width -2\n");
    if (s->cfg.amode == ALPHA_VALUE)
        sbuf_printf(b, "set arrow from %.17g, graph 0 to %.17g, graph 1 nohead lc rgb \"#9E9E9E\" dt 3 back\n",
                    s->cfg.alpha, s->cfg.alpha);
    sbuf_puts(b, "plot ");
    for (int i = 0; i < ns; i++) {
        sbuf_printf(b, "%s$sweep_%d using 1:2 with lines lt %d notitle, \\\n     ", i ? ", \\\n     " : "",
                    i + 1, i + 1);
        sbuf_printf(b, "$opt_%d using 1:2 with points lt %d ps 1.0 title ", i + 1, i + 1);
        sbuf tt = { 0 };
        txt_scheme(&tt, st, res[i].scheme);
        if (res[i].ok && isfinite(res[i].opt_alpha)) {
            sbuf_puts(&tt, st->latex ? ", $\\alpha^*$ = " : ", α* = ");
            txt_num(&tt, st, res[i].opt_alpha);
        }
        put_text(b, &tt);
    }
    sbuf_puts(b, "\n");
    return 0;
}

/* ---- bits ------------------------------------------------------------------ */

static int fig_bits(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    if (need_tensor(s, err) < 0)
        return -1;
    int ns = s->nschemes;
    fig_block *mk[OPTIONS_MAX_SCHEMES], *ak[OPTIONS_MAX_SCHEMES];
    for (int i = 0; i < ns; i++) {
        char name[40];
        snprintf(name, sizeof name, "bits_%d", i + 1);
        mk[i] = add_block(d, name, s->schemes[i], "mse");
        mk[i]->bits = -1;
        snprintf(name, sizeof name, "alpha_%d", i + 1);
        ak[i] = add_block(d, name, s->schemes[i], "alpha");
        ak[i]->bits = -1;
    }
    analyze_result res[OPTIONS_MAX_SCHEMES];
    for (int bits = LEVELS_MIN_BITS; bits <= LEVELS_MAX_BITS; bits++) {
        analyze_cfg c = s->cfg;
        c.bits = bits;
        if (analyze_tensor(s->p, &c, s->schemes, ns, 0, res, err) < 0)
            return -1;
        for (int i = 0; i < ns; i++) {
            add_row(mk[i], bits, res[i].ok ? res[i].r.mse : NAN);
            add_row(ak[i], bits, res[i].ok ? res[i].r.alpha : NAN);
        }
    }
    double ymin = INFINITY, ymax = 0;
    for (int i = 0; i < ns; i++)
        for (size_t j = 0; j < mk[i]->n; j++) {
            double m = mk[i]->rows[j].y;
            if (m > 0 && m < ymin)
                ymin = m;
            if (m > ymax)
                ymax = m;
        }
    set_styles(b, s, st);
    sbuf_puts(b, "set logscale y\nset format y \"10^{%T}\"\n");
    if (isfinite(ymin) && ymax > 0)
        sbuf_printf(b, "set yrange [%.6g:%.6g]\n", ymin / 2, ymax * 2);
    sbuf_printf(b, "set xrange [%g:%g]\nset xtics 1\nset xlabel \"bits\"\n", LEVELS_MIN_BITS - 0.3,
                LEVELS_MAX_BITS + 0.3);
    sbuf_puts(b, "set key bottom left reverse Left samplen 2\n");
    sbuf t = { 0 };
    sbuf_puts(&t, "MSE at ");
    if (s->cfg.amode == ALPHA_MSE) {
        sbuf_puts(&t, "optimal ");
        txt_alpha(&t, st);
    } else if (s->cfg.amode == ALPHA_MAX) {
        txt_alpha(&t, st);
        sbuf_puts(&t, st->latex ? " = $\\max|x|$" : " = max|x|");
    } else {
        txt_alpha(&t, st);
        sbuf_puts(&t, " = ");
        txt_num(&t, st, s->cfg.alpha);
    }
    sbuf_puts(b, "set ylabel ");
    put_text(b, &t);
    sbuf_puts(b, "\nplot ");
    for (int i = 0; i < ns; i++) {
        sbuf_printf(b, "%s$bits_%d using 1:2 with linespoints lt %d title ", i ? ", \\\n     " : "", i + 1,
                    i + 1);
        sbuf tt = { 0 };
        txt_scheme(&tt, st, s->schemes[i]);
        put_text(b, &tt);
    }
    sbuf_puts(b, "\n");
    return 0;
}

/* ---- layers ------------------------------------------------------------------ */

/* Shorter tensor names for the axis: the prefix and suffix (cut at a '.')
 * that all names share are left out, and what stays is kept under about
 * 26 characters by cutting its middle. Returns a new string. */
static char *short_name(const plot_spec *s, int j, size_t pre, size_t suf)
{
    const char *n = s->layers[j].name ? s->layers[j].name : "";
    size_t len = strlen(n);
    if (pre + suf >= len)
        pre = suf = 0;
    const char *p = n + pre;
    size_t m = len - pre - suf;
    if (m > 26)
        return util_asprintf("%.11s…%.*s", p, 12, p + m - 12);
    return util_strndup(p, m);
}

static void common_affixes(const plot_spec *s, size_t *pre, size_t *suf)
{
    *pre = *suf = 0;
    if (s->nlayers < 2)
        return;
    const char *a = s->layers[0].name ? s->layers[0].name : "";
    size_t la = strlen(a), p = la, q = la;
    for (int j = 1; j < s->nlayers; j++) {
        const char *b = s->layers[j].name ? s->layers[j].name : "";
        size_t lb = strlen(b), k = 0;
        while (k < p && k < lb && a[k] == b[k])
            k++;
        p = k;
        k = 0;
        while (k < q && k < lb && a[la - 1 - k] == b[lb - 1 - k])
            k++;
        q = k;
    }
    /* cut only after / before a '.' */
    while (p > 0 && a[p - 1] != '.')
        p--;
    while (q > 0 && a[la - q] != '.')
        q--;
    *pre = p;
    *suf = q;
}

static int fig_layers(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    if (!s->layers || s->nlayers < 1) {
        util_err_set(err, "the layers figure needs at least one tensor");
        return -1;
    }
    int ns = s->nschemes, nl = s->nlayers;
    double ymin = INFINITY, ymax = 0;
    size_t pre, suf;
    common_affixes(s, &pre, &suf);
    for (int i = 0; i < ns; i++) {
        char name[40];
        snprintf(name, sizeof name, "layers_%d", i + 1);
        fig_block *k = add_block(d, name, s->schemes[i], "mse");
        for (int j = 0; j < nl; j++) {
            double m = s->layers[j].mse[i];
            fig_row *r = add_row(k, j, m);
            r->raw = s->layers[j].name;
            char *sn = short_name(s, j, pre, suf);
            r->label = row_label(st, sn);
            free(sn);
            if (m > 0 && m < ymin)
                ymin = m;
            if (m > ymax)
                ymax = m;
        }
    }
    set_styles(b, s, st);
    if (pre || suf) {
        const char *n0 = s->layers[0].name;
        sbuf_printf(b, "# Tensor names shown without their common prefix '%.*s' and suffix '%s'.\n",
                    (int)pre, n0, n0 + strlen(n0) - suf);
    }
    /* Horizontal grouped bars: one row per tensor (first at the top), one
     * bar per scheme; names stay horizontal and readable. A linear axis
     * from 0 (bar length means something) unless the errors span more than
     * two decades. */
    int logx = isfinite(ymin) && ymax > 0 && ymax / ymin > 100;
    double bh = 0.8 / ns;
    sbuf_puts(b, "set border 3 lw 0.8\nset ytics scale 0 noenhanced\nunset mytics\n");
    sbuf_printf(b, "set yrange [-0.6:%d.6]\n", nl - 1);
    sbuf_printf(b, "set tmargin %.3g\nset key at screen 0.5, screen %.4f center top horizontal "
                "maxcols %d reverse Left samplen 1.2 width 0.5\n", 2.2, 1 - 0.08 / st->height_cm, ns);
    size_t longest = 0;
    for (int j = 0; j < nl; j++)
        if (strlen(d->b[0]->rows[j].label) > longest)
            longest = strlen(d->b[0]->rows[j].label);
    sbuf_puts(b, "set style fill solid 1.0 border lc rgb \"#000000\"\nset grid xtics lc rgb \"#E0E0E0\" lw 0.5\n");
    double scale = 1;
    double xlo = 0;
    if (logx) {
        xlo = ymin / 3;
        sbuf_printf(b, "set logscale x\nset xrange [%.6g:%.6g]\nset format x \"10^{%%T}\"\n", xlo, ymax * 2);
        sbuf_puts(b, "set xlabel \"MSE\"\n");
    } else {
        int e = ymax > 0 ? (int)floor(log10(ymax)) : 0;
        if (e < -2 || e > 3)
            scale = pow(10, -e);
        sbuf_printf(b, "set xrange [0:%.6g]\nset format x \"%% h\"\n", ymax * scale * 1.04);
        fig_style narrow = *st;
        narrow.width_cm -= (double)longest * 0.16 * st->font_pt / 8;
        set_xstep(b, &narrow, 0, ymax * scale * 1.04, 3);
        if (scale != 1)
            sbuf_printf(b, st->latex ? "set xlabel \"MSE ($\\\\times 10^{%d}$)\"\n"
                                     : "set xlabel \"MSE (×10^{%d})\"\n", e);
        else
            sbuf_puts(b, "set xlabel \"MSE\"\n");
    }
    sbuf_puts(b, "plot ");
    for (int i = 0; i < ns; i++) {
        double off = ((ns - 1) / 2.0 - i) * bh;
        if (logx)
            sbuf_printf(b, "%s$layers_%d using (%.6g):(%d-$1%+.6g):(%.6g):2:(%d-$1%+.6g):(%d-$1%+.6g) "
                        "with boxxyerror lw 0.5 dt 1 ", i ? ", \\\n     " : "", i + 1, xlo, nl - 1, off, xlo,
                        nl - 1, off - bh / 2, nl - 1, off + bh / 2);
        else
            sbuf_printf(b, "%s$layers_%d using ($2*%.6g/2):(%d-$1%+.6g):($2*%.6g/2):(%.6g) "
                        "with boxxyerror lw 0.5 dt 1 ", i ? ", \\\n     " : "", i + 1, scale, nl - 1, off, scale,
                        bh / 2);
        if (st->mono)
            sbuf_printf(b, "fc rgb \"%s\" ", bar_greys[i % NELEM(bar_greys)]);
        else
            sbuf_printf(b, "fc rgb \"%s\" ", okabe_ito[i % NELEM(okabe_ito)]);
        sbuf_puts(b, "title ");
        sbuf tt = { 0 };
        txt_scheme(&tt, st, s->schemes[i]);
        put_text(b, &tt);
    }
    sbuf_printf(b, ", \\\n     $layers_1 using (NaN):(%d-$1):ytic(3) notitle\n", nl - 1);
    return 0;
}

/* ---- entry points -------------------------------------------------------------- */

double figures_default_height(const plot_spec *s, double width_cm)
{
    double wide = width_cm > 12 ? 1 : 0;
    switch (s->figure) {
    case FIG_LEVELS:
        return 1.5 + 0.7 * (s->nschemes > 0 ? s->nschemes : 3);
    case FIG_HISTOGRAM:
        return wide ? 7.0 : 6.2 + 0.25 * (s->nschemes > 3 ? s->nschemes - 3 : 0);
    case FIG_LAYERS: {
        int ns = s->nschemes > 0 ? s->nschemes : 3;
        double row = 0.16 * ns + 0.14;
        return 1.9 + (row < 0.5 ? 0.5 : row) * (s->nlayers > 0 ? s->nlayers : 1);
    }
    case FIG_SWEEP:
    case FIG_BITS:
        return wide ? 6.5 : 5.5;
    }
    return 6;
}

int figures_build(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *body, util_err *err)
{
    switch (s->figure) {
    case FIG_HISTOGRAM: return fig_histogram(s, st, d, body, err);
    case FIG_LEVELS: return fig_levels(s, st, d, body, err);
    case FIG_SWEEP: return fig_sweep(s, st, d, body, err);
    case FIG_BITS: return fig_bits(s, st, d, body, err);
    case FIG_LAYERS: return fig_layers(s, st, d, body, err);
    }
    util_err_set(err, "unknown figure kind %d", (int)s->figure);
    return -1;
}

static void csv_field(FILE *fp, const char *s)
{
    if (!s)
        return;
    if (strpbrk(s, ",\"\n\r")) {
        fputc('"', fp);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', fp);
            fputc(*s, fp);
        }
        fputc('"', fp);
    } else
        fputs(s, fp);
}

static void csv_num(FILE *fp, double v)
{
    char buf[40];
    if (isfinite(v))
        fputs(util_fmt_exact(buf, sizeof buf, v), fp);
    else if (!isnan(v))
        fputs(v > 0 ? "inf" : "-inf", fp);
}

void figures_write_csv(FILE *fp, const plot_spec *s, const fig_data *d)
{
    fputs("figure,tensor,scheme,bits,signed,normalize,series,x,y\n", fp);
    for (int i = 0; i < d->n; i++) {
        const fig_block *k = d->b[i];
        for (size_t j = 0; j < k->n; j++) {
            const fig_row *r = &k->rows[j];
            fprintf(fp, "%s,", plot_figure_name(s->figure));
            csv_field(fp, r->raw ? r->raw : s->figure == FIG_LEVELS ? NULL : s->tensor_name);
            fputc(',', fp);
            csv_field(fp, k->scheme);
            if (k->bits < 0)
                fprintf(fp, ",%d", (int)r->x);
            else
                fprintf(fp, ",%d", k->bits ? k->bits : s->cfg.bits);
            fprintf(fp, ",%s,%s,%s,", s->cfg.is_signed ? "true" : "false",
                    s->cfg.normalize ? "true" : "false", k->series);
            csv_num(fp, r->x);
            fputc(',', fp);
            csv_num(fp, r->y);
            fputc('\n', fp);
        }
    }
}
