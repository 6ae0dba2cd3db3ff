/*
 * fig_plan.c - the planner's figure (--plan=BPW MODEL --figure=plan
 * --export=F): the total error (the plan's objective: count-weighted
 * squared error, imatrix-weighted with --imatrix) against bits per
 * weight, log y. The Lagrangian path through the tensors' hulls (the
 * frontier) as a black line, every candidate applied to all tensors as a
 * point in its scheme's colour (the ones no other single candidate beats
 * at as few bits labelled with bits and granularity where the label
 * has room, the best one within the budget always), the budget as a
 * dashed line and the chosen plan as a large mark.
 *
 * Blocks (and the CSV): "frontier" (x bpw, y error), "chosen" (one row),
 * one "single_N" per single candidate (scheme, bits; its granularity in
 * the tensor column).
 */
#include "config.h"
#include "plot/fig_common.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/planview.h"

/* The schemes of the single candidates, in order of appearance. */
static int plan_schemes(const model_plan *mp, const char **sch)
{
    int n = 0;
    for (size_t i = 0; i < mp->nsingle; i++) {
        int k = 0;
        while (k < n && strcmp(sch[k], mp->single[i].scheme) != 0)
            k++;
        if (k == n && n < OPTIONS_MAX_SCHEMES - 2)
            sch[n++] = mp->single[i].scheme;
    }
    return n;
}

/* The key's texts: the schemes, then the frontier and the plan. */
static int key_texts(const model_plan *mp, const fig_style *st, const char **sch, int ns, char **t)
{
    for (int i = 0; i < ns; i++) {
        sbuf b = { 0 };
        fg_txt_scheme(&b, st, sch[i]);
        t[i] = b.s ? b.s : util_strdup("");
    }
    t[ns] = util_strdup("frontier (hull)");
    t[ns + 1] = util_asprintf("plan, %.2f bpw", mp->bpw);
    return ns + 2;
}

static int key_rows(const plot_spec *s, const fig_style *st)
{
    const char *sch[OPTIONS_MAX_SCHEMES];
    int ns = plan_schemes(s->plan, sch);
    char *t[OPTIONS_MAX_SCHEMES + 2];
    int n = key_texts(s->plan, st, sch, ns, t);
    int rows = fg_key_rows_of(st, (const char *const *)t, n, st->width_cm - 0.2);
    for (int i = 0; i < n; i++)
        free(t[i]);
    return rows;
}

double fg_plan_height(const plot_spec *s, double width_cm)
{
    if (!s->plan)
        return 6;
    fig_style st = { .width_cm = width_cm, .font_pt = 8 };
    return (width_cm > 12 ? 7.0 : 6.0) + 0.40 * key_rows(s, &st);
}

/* A single candidate's label: its bits and granularity (4b g32, 4b t);
 * a fixed format: its name. */
static void single_label(sbuf *t, const fig_style *st, const model_plan_single *g)
{
    if (strncmp(g->granularity, "group:", 6) == 0 && (!strcmp(g->scheme, "q4_0") || !strcmp(g->scheme, "q8_0") ||
                                                      !strcmp(g->scheme, "mxfp4"))) {
        fg_txt_scheme(t, st, g->scheme);
        return;
    }
    sbuf_printf(t, "%db ", g->bits);
    if (strncmp(g->granularity, "group:", 6) == 0)
        sbuf_printf(t, "g%s", g->granularity + 6);
    else if (strcmp(g->granularity, "tensor") == 0)
        sbuf_puts(t, "t");
    else {
        char *e = st->latex ? fg_latex_escape(g->granularity) : NULL;
        sbuf_puts(t, e ? e : g->granularity);
        free(e);
    }
}

/* Whether no other single candidate has at most its bpw and less error
 * (or the same error at fewer bpw). */
static int efficient(const model_plan *mp, size_t i)
{
    const model_plan_single *a = &mp->single[i];
    if (!(a->err > 0))
        return 0;
    for (size_t k = 0; k < mp->nsingle; k++) {
        const model_plan_single *b = &mp->single[k];
        if (k != i && b->bpw <= a->bpw && (b->err < a->err || (b->err == a->err && b->bpw < a->bpw)))
            return 0;
    }
    return 1;
}

int fig_plan(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    const model_plan *mp = s->plan;
    if (!mp || mp->nfront == 0) {
        util_err_set(err, "the plan figure needs a plan (--plan=BPW MODEL)");
        return -1;
    }
    const char *sch[OPTIONS_MAX_SCHEMES];
    int ns = plan_schemes(mp, sch);
    fig_block *fk = fg_add_block(d, "frontier", NULL, "frontier");
    fk->bits = FIG_NO_BITS;
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
#define SEE(X, Y) do { if (isfinite(X)) { xlo = fmin(xlo, X); xhi = fmax(xhi, X); } \
                       if ((Y) > 0 && isfinite(Y)) { ylo = fmin(ylo, Y); yhi = fmax(yhi, Y); } } while (0)
    for (size_t i = 0; i < mp->nfront; i++) {
        fg_add_row(fk, mp->front[i].bpw, mp->front[i].err);
        SEE(mp->front[i].bpw, mp->front[i].err);
    }
    fig_block *ck = fg_add_block(d, "chosen", NULL, "chosen");
    ck->bits = FIG_NO_BITS;
    fg_add_row(ck, mp->bpw, mp->err);
    SEE(mp->bpw, mp->err);
    SEE(mp->target_bpw, NAN);
    int *lt = util_calloc(mp->nsingle + 1, sizeof *lt);
    for (size_t i = 0; i < mp->nsingle; i++) {
        const model_plan_single *g = &mp->single[i];
        char name[40];
        snprintf(name, sizeof name, "single_%zu", i + 1);
        fig_block *k = fg_add_block(d, name, g->scheme, "error");
        k->bits = g->bits;
        fig_row *r = fg_add_row(k, g->bpw, g->err);
        r->raw = g->granularity;
        SEE(g->bpw, g->err);
        for (int j = 0; j < ns; j++)
            if (strcmp(sch[j], g->scheme) == 0)
                lt[i] = j + 1;
    }
#undef SEE
    if (!isfinite(ylo) || !isfinite(xlo)) {
        free(lt);
        util_err_set(err, "the plan has no positive error to draw on a log axis");
        return -1;
    }
    double xpad = fmax((xhi - xlo) * 0.06, 0.1);
    xlo -= xpad, xhi += xpad;
    ylo /= 2, yhi *= 2;
    /* styles: the schemes' colours, then black for the frontier and the plan */
    plot_spec ks = *s;
    ks.schemes = sch;
    ks.nschemes = ns;
    fg_set_styles(b, &ks, st);
    sbuf_printf(b, "set linetype %d lc rgb '#000000' lw 1.2 dt 1 pt 7 ps 0.35\n", ns + 1);
    sbuf_printf(b, "set linetype %d lc rgb '#000000' lw 1.5 dt 1 pt 3 ps 1.6\n", ns + 2);
    double H = st->height_cm, W = st->width_cm, line = 0.40 * st->font_pt / 8, bm = 1.05 * st->font_pt / 8;
    char *t[OPTIONS_MAX_SCHEMES + 2];
    int nk = key_texts(mp, st, sch, ns, t);
    ks.nschemes = nk;
    int rows = fg_key_row_marks(b, &ks, st, 0.5 * line + 0.05, (const char *const *)t, 1);
    for (int i = 0; i < nk; i++)
        free(t[i]);
    double tm = rows * line + 0.15;
    if (H - tm - bm < 3.5 * line) {
        free(lt);
        util_err_set(err, "a %gx%g cm plan figure leaves %.1f cm for the curve at %g pt: give it more height "
                     "(--size=%gx%.1f) or fewer candidate schemes in its key (--plan-schemes=)", W, H, fmax(H - tm - bm, 0), st->font_pt, W, tm + bm + 3.5 * line + 0.05);
        return -1;
    }
    sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\nset rmargin at screen %.4f\nunset key\n",
                1 - tm / H, bm / H, 1 - 0.3 / W);
    sbuf_puts(b, "set xlabel offset 0, 0.5\nset xtics offset 0, 0.3\n");
    sbuf_printf(b, "set xrange [%.6g:%.6g]\n", xlo, xhi);
    fg_set_xstep(b, st, xlo, xhi, W - 1.8);
    sbuf_puts(b, st->latex ? "set logscale y\nset format y '$10^{%T}$'\n" : "set logscale y\nset format y '10^{%T}'\n");
    sbuf_printf(b, "set yrange [%.6g:%.6g]\n", ylo, yhi);
    fg_set_log_ytics(b, st, ylo, yhi, H - tm - bm);
    sbuf_puts(b, "set xlabel 'bits per weight'\nset ylabel ");
    sbuf yl = { 0 };
    sbuf_puts(&yl, strcmp(mp->objective, "weighted_mse") == 0 ? "total weighted sq. error" : "total sq. error");
    fg_put_text(b, &yl);
    sbuf_puts(b, "\n");
    /* the budget */
    sbuf_printf(b, "set arrow 10 from first %.17g, graph 0 to first %.17g, graph 1 nohead lc rgb '#808080' "
                   "lw 0.8 dt 2 back\n", mp->target_bpw, mp->target_bpw);
    sbuf_printf(b, "set label 10 'budget' at first %.17g, graph 0.97", mp->target_bpw);
    sbuf_puts(b, mp->target_bpw > (xlo + xhi) / 2 ? " right offset -0.3, 0" : " left offset 0.3, 0");
    sbuf_puts(b, " tc rgb '#606060' front\n");
    /* the efficient singles' labels, toward the middle, each where it
     * overlaps no label already placed (in bpw order) */
    double pw = W - 1.8, ph = H - tm - bm, lh = LINE_CM * st->font_pt / 8;
    double (*box)[4] = util_calloc(mp->nsingle + 1, sizeof *box);
    size_t nbox = 0;
    /* the best single quantizer within the budget (the plan's gain is over
     * it) first, then the others in order */
    long best = mp->best_single >= 0 && (size_t)mp->best_single < mp->nsingle ? mp->best_single : -1;
    for (long n = best >= 0 ? -1 : 0; n < (long)mp->nsingle; n++) {
        size_t i = n < 0 ? (size_t)best : (size_t)n;
        const model_plan_single *g = &mp->single[i];
        if ((n >= 0 && (long)i == best) || (n >= 0 && !efficient(mp, i)) || !(g->err > 0))
            continue;
        int right = g->bpw > (xlo + xhi) / 2;
        sbuf tt = { 0 };
        single_label(&tt, st, g);
        double tw = fg_text_cm(fg_vis_len(tt.s ? tt.s : ""), st);
        sbuf_free(&tt);
        double xc = (g->bpw - xlo) / (xhi - xlo) * pw, yc = log(g->err / ylo) / log(yhi / ylo) * ph;
        double x0 = right ? xc - 0.15 - tw : xc + 0.15, y0 = yc - lh / 2;
        int clash = 0;
        for (size_t k = 0; k < nbox && !clash; k++)
            clash = x0 < box[k][2] && box[k][0] < x0 + tw && y0 < box[k][3] && box[k][1] < y0 + lh;
        if (clash)
            continue;
        box[nbox][0] = x0, box[nbox][1] = y0, box[nbox][2] = x0 + tw, box[nbox][3] = y0 + lh;
        nbox++;
        sbuf_printf(b, "set label %zu ", 100 + i);
        fg_txt_colour(&tt, &ks, st, lt[i] - 1, 1);
        single_label(&tt, st, g);
        fg_txt_colour(&tt, &ks, st, lt[i] - 1, 0);
        fg_put_text(b, &tt);
        sbuf_printf(b, " at first %.17g, first %.17g", g->bpw, g->err);
        sbuf_puts(b, right ? " right offset -0.5, 0 front" : " left offset 0.5, 0 front");
        fg_put_tc(b, &ks, st, lt[i] - 1);
        sbuf_puts(b, "\n");
    }
    free(box);
    sbuf_printf(b, "plot $frontier using 1:2 with linespoints lt %d notitle", ns + 1);
    for (size_t i = 0; i < mp->nsingle; i++)
        sbuf_printf(b, ", \\\n     $single_%zu using 1:2 with points lt %d notitle", i + 1, lt[i]);
    sbuf_printf(b, ", \\\n     $chosen using 1:2 with points lt %d notitle\n", ns + 2);
    free(lt);
    return 0;
}
