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

/* ---- label placement (plot-area cm, origin at its bottom left) -------- */

typedef struct plabels {
    double pw, ph, lh;         /* the plot area, a label's height */
    double ox, oy, sx, sy;     /* x cm = (bpw - ox) sx; y cm = log(err / oy) sy */
    double (*pt)[3];           /* markers: x, y, radius */
    size_t npt;
    double (*box)[4];          /* labels placed: x0, y0, x1, y1 */
    size_t nbox, capbox;
    const model_plan_point *fr; /* the frontier's polyline */
    size_t nfr;
    double budget;             /* the budget's line, x cm */
} plabels;

static void pl_mark(plabels *P, double bpw, double err, double r)
{
    P->pt[P->npt][0] = (bpw - P->ox) * P->sx;
    P->pt[P->npt][1] = log(err / P->oy) * P->sy;
    P->pt[P->npt++][2] = r;
}

static void pl_box(plabels *P, double x0, double y0, double x1, double y1)
{
    if (P->nbox == P->capbox) {
        P->capbox = P->capbox ? 2 * P->capbox : 16;
        P->box = util_realloc(P->box, P->capbox * sizeof *P->box);
    }
    double *q = P->box[P->nbox++];
    q[0] = x0, q[1] = y0, q[2] = x1, q[3] = y1;
}

/* Does the segment (ax,ay)-(bx,by) cross the box? (sampled: 24 points) */
static int seg_hits(double ax, double ay, double bx, double by, const double *q)
{
    for (int k = 0; k <= 24; k++) {
        double x = ax + (bx - ax) * k / 24, y = ay + (by - ay) * k / 24;
        if (x > q[0] && x < q[2] && y > q[1] && y < q[3])
            return 1;
    }
    return 0;
}

/* A label tw wide for the marker at (xc, yc): its box's lower left in
 * *x0, *y0, 0 when no place keeps clear of the markers and labels. Clear:
 * 0.08 cm from a marker's edge and from other labels, inside the plot. */
static int pl_place(const plabels *P, double xc, double yc, double tw, double *x0, double *y0, int *far)
{
    const double g = 0.1, r = 0.12, lh = P->lh, d = 0.55;
    /* beside the marker, then (with a leader line) a little away from it */
    const double cx[16] = { xc + r + g, xc - r - g - tw, xc + 0.05, xc - tw - 0.05,
                            xc - tw - 0.05, xc + 0.05, xc - tw / 2, xc - tw / 2,
                            xc + d, xc - d - tw, xc + d, xc - d - tw, xc + d, xc - d - tw, xc - tw / 2, xc - tw / 2 };
    const double cy[16] = { yc - lh / 2, yc - lh / 2, yc + r + 0.02, yc - r - 0.02 - lh,
                            yc + r + 0.02, yc - r - 0.02 - lh, yc + r + 0.02, yc - r - 0.02 - lh,
                            yc - lh / 2, yc - lh / 2, yc + 0.3, yc + 0.3, yc - 0.3 - lh, yc - 0.3 - lh,
                            yc + d, yc - d - lh };
    int bestk = -1, bestc = 1 << 30;
    for (int k = 0; k < 16; k++) {
        double q[4] = { cx[k] - 0.04, cy[k] - 0.02, cx[k] + tw + 0.04, cy[k] + lh + 0.02 };
        if (q[0] < 0.05 || q[1] < 0.05 || q[2] > P->pw - 0.02 || q[3] > P->ph - 0.02)
            continue;
        int bad = 0;
        for (size_t m = 0; m < P->npt && !bad; m++) {
            double px = P->pt[m][0], py = P->pt[m][1], pr = P->pt[m][2] + 0.06;
            bad = px > q[0] - pr && px < q[2] + pr && py > q[1] - pr && py < q[3] + pr;
        }
        for (size_t m = 0; m < P->nbox && !bad; m++)
            bad = q[0] < P->box[m][2] + 0.08 && P->box[m][0] - 0.08 < q[2] && q[1] < P->box[m][3] + 0.04 &&
                  P->box[m][1] - 0.04 < q[3];
        if (bad)
            continue;
        int cost = (P->budget > q[0] && P->budget < q[2]) ? 1 : 0;
        cost += k >= 8 ? 3 : 0;
        for (size_t m = 0; m + 1 < P->nfr; m++)
            if (P->fr[m].err > 0 && P->fr[m + 1].err > 0)
                cost += 2 * seg_hits((P->fr[m].bpw - P->ox) * P->sx, log(P->fr[m].err / P->oy) * P->sy,
                                     (P->fr[m + 1].bpw - P->ox) * P->sx, log(P->fr[m + 1].err / P->oy) * P->sy, q);
        if (cost < bestc) {
            bestc = cost;
            bestk = k;
            if (cost == 0)
                break;
        }
    }
    if (bestk < 0)
        return 0;
    *x0 = cx[bestk];
    *y0 = cy[bestk];
    *far = bestk >= 8;
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
    double tm = fg_key_rows_of(st, (const char *const *)t, nk, W - 0.2) * line + 0.15;
    /* a short figure whose key of every scheme leaves too little for the
     * curve: the compact layout, the single quantizers in grey under one
     * key entry and no point labels (the CSV names every point) */
    int compact = 0, lt_front = ns + 1, lt_plan = ns + 2;
    if (H - tm - bm < 3.5 * line) {
        for (int i = 0; i < nk - 2; i++)
            free(t[i]);
        free(t[nk - 2]);
        free(t[nk - 1]);
        t[0] = util_strdup("singles");
        t[1] = util_strdup("frontier");
        t[2] = util_asprintf("plan, %.2f bpw", mp->bpw);
        nk = 3;
        ks.nschemes = nk;
        compact = 1, lt_front = 2, lt_plan = 3;
        sbuf_puts(b, "set linetype 1 lc rgb '#8a8a8a' lw 1 dt 1 pt 7 ps 0.45\n");
        sbuf_puts(b, "set linetype 2 lc rgb '#000000' lw 1.2 dt 1 pt 7 ps 0.35\n");
        sbuf_puts(b, "set linetype 3 lc rgb '#000000' lw 1.5 dt 1 pt 3 ps 1.6\n");
        for (size_t i = 0; i < mp->nsingle; i++)
            lt[i] = 1;
    }
    int rows = fg_key_row_marks(b, &ks, st, 0.5 * line + 0.05, (const char *const *)t, 1);
    for (int i = 0; i < nk; i++)
        free(t[i]);
    tm = rows * line + 0.15;
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
    fg_set_xstep(b, st, xlo, xhi, W - 1.9 * st->font_pt / 8);
    sbuf_puts(b, st->latex ? "set logscale y\nset format y '$10^{%T}$'\n" : "set logscale y\nset format y '10^{%T}'\n");
    sbuf_printf(b, "set yrange [%.6g:%.6g]\n", ylo, yhi);
    fg_set_log_ytics(b, st, ylo, yhi, H - tm - bm);
    sbuf_puts(b, "set xlabel 'bits per weight'\nset ylabel ");
    sbuf yl = { 0 };
    sbuf_puts(&yl, strcmp(mp->objective, "weighted_mse") == 0 ? "total weighted sq. error" : "total sq. error");
    fg_put_text(b, &yl);
    sbuf_puts(b, "\n");
    /* plot area (cm): margins set, so that labels can be placed by it */
    double lmc = 0.1 + line + 0.2 + 4 * 0.66 * st->font_pt / 72 * 2.54 + 0.15, pw = W - lmc - 0.3, ph = H - tm - bm;
    sbuf_printf(b, "set lmargin at screen %.4f\n", lmc / W);
    double lh = 1.164 * st->font_pt / 72 * 2.54; /* a label's box: the font's ascent + descent */
    plabels P = { .pw = pw, .ph = ph, .lh = lh };
    P.ox = xlo, P.oy = ylo, P.sx = pw / (xhi - xlo), P.sy = ph / log(yhi / ylo);
    /* the markers (their radii, cm) and the frontier: what labels keep clear of */
    P.pt = util_calloc(mp->nsingle + mp->nfront + 2, sizeof *P.pt);
    for (size_t i = 0; i < mp->nsingle; i++)
        if (mp->single[i].err > 0)
            pl_mark(&P, mp->single[i].bpw, mp->single[i].err, 0.12);
    for (size_t i = 0; i < mp->nfront; i++)
        if (mp->front[i].err > 0)
            pl_mark(&P, mp->front[i].bpw, mp->front[i].err, 0.06);
    pl_mark(&P, mp->bpw, mp->err, 0.3);
    P.fr = mp->front;
    P.nfr = mp->nfront;
    P.budget = (mp->target_bpw - xlo) * P.sx;
    /* the budget: its line and its label at the top, on the side with room */
    sbuf_printf(b, "set arrow 10 from first %.17g, graph 0 to first %.17g, graph 1 nohead lc rgb '#808080' "
                   "lw 0.8 dt 2 back\n", mp->target_bpw, mp->target_bpw);
    {
        double tw = fg_text_cm(6, st), bx = P.budget;
        int right = bx + 0.1 + tw > pw;
        double x0 = right ? bx - 0.1 - tw : bx + 0.1, y1 = ph - 0.05;
        pl_box(&P, x0, y1 - lh, x0 + tw, y1);
        sbuf_printf(b, "set label 10 'budget' at graph %.4f, graph %.4f left tc rgb '#606060' front\n", x0 / pw,
                    (y1 - lh / 2) / ph);
    }
    /* the efficient singles' labels: the best single quantizer within the
     * budget (the plan's gain is over it) first, then the others in bpw
     * order, each at the first place around its point (right, left, above,
     * below, the corners) that keeps clear of every marker, label and the
     * frontier, else the place crossing the fewest lines; none when every
     * place would cover a marker or a label */
    long best = mp->best_single >= 0 && (size_t)mp->best_single < mp->nsingle ? mp->best_single : -1;
    for (long n = best >= 0 ? -1 : 0; !compact && n < (long)mp->nsingle; n++) {
        size_t i = n < 0 ? (size_t)best : (size_t)n;
        const model_plan_single *g = &mp->single[i];
        if ((n >= 0 && (long)i == best) || (n >= 0 && !efficient(mp, i)) || !(g->err > 0))
            continue;
        sbuf tt = { 0 };
        single_label(&tt, st, g);
        double tw = fg_text_cm(fg_vis_len(tt.s ? tt.s : ""), st), x0, y0;
        double xc = (g->bpw - xlo) * P.sx, yc = log(g->err / ylo) * P.sy;
        int far = 0;
        sbuf_free(&tt);
        if (!pl_place(&P, xc, yc, tw, &x0, &y0, &far))
            continue;
        pl_box(&P, x0, y0, x0 + tw, y0 + lh);
        if (far) {
            /* a leader from the marker's edge to the label's nearest point */
            double nx = fmin(fmax(xc, x0 - 0.03), x0 + tw + 0.03), ny = fmin(fmax(yc, y0 - 0.01), y0 + lh + 0.01);
            double dx = nx - xc, dy = ny - yc, dl = hypot(dx, dy);
            if (dl > 0.2)
                sbuf_printf(b, "set arrow %zu from graph %.4f, graph %.4f to graph %.4f, graph %.4f nohead lw 0.5 "
                               "lc rgb '#808080' dt 1 front\n", 100 + i, (xc + dx / dl * 0.16) / pw,
                            (yc + dy / dl * 0.16) / ph, nx / pw, ny / ph);
        }
        sbuf_printf(b, "set label %zu ", 100 + i);
        fg_txt_colour(&tt, &ks, st, lt[i] - 1, 1);
        single_label(&tt, st, g);
        fg_txt_colour(&tt, &ks, st, lt[i] - 1, 0);
        fg_put_text(b, &tt);
        sbuf_printf(b, " at graph %.4f, graph %.4f left front", x0 / pw, (y0 + lh / 2) / ph);
        fg_put_tc(b, &ks, st, lt[i] - 1);
        sbuf_puts(b, "\n");
    }
    free(P.pt);
    free(P.box);
    sbuf_printf(b, "plot $frontier using 1:2 with linespoints lt %d notitle", lt_front);
    for (size_t i = 0; i < mp->nsingle; i++)
        sbuf_printf(b, ", \\\n     $single_%zu using 1:2 with points lt %d notitle", i + 1, lt[i]);
    sbuf_printf(b, ", \\\n     $chosen using 1:2 with points lt %d notitle\n", lt_plan);
    free(lt);
    return 0;
}
