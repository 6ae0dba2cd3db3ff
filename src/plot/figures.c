/*
 * figures.c - the table of figure kinds (figures.h): each kind's name, what
 * it needs, its default height and the function that builds it (in
 * fig_hist.c, fig_curves.c, fig_channels.c, ...), and the CSV of a built
 * figure's data. Adding a kind is one entry in fig_kinds.
 */
#include "config.h"
#include "plot/fig_common.h"
#include "plot/fig_group.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant/eval.h"
#include "quant/group.h"
#include "quant/levels.h"

/* ---- the kinds ---------------------------------------------------------------------- */

static double h_levels(const plot_spec *s, double w)
{
    (void)w;
    return 1.5 + 0.7 * (s->nschemes > 0 ? s->nschemes : 3);
}

static double h_histogram(const plot_spec *s, double w)
{
    if (s->cfg.gran != GRAN_TENSOR)
        return fig_group_height(s, w);
    if (s->npanels > 0)
        return fg_panels_height(s, w);
    return w > 12 ? 7.0 : 6.2 + 0.25 * (s->nschemes > 3 ? s->nschemes - 3 : 0);
}

static double h_layers(const plot_spec *s, double w)
{
    return fg_layers_height(s, w);
}

static double h_damage(const plot_spec *s, double w)
{
    plot_spec h = *s;
    h.nschemes = 1;
    return s->nlayers > LAYERS_BARS_MAX ? fg_heat_height(&h, w) : fg_layers_height(s, w);
}

static double h_curves(const plot_spec *s, double w)
{
    if (s->npanels > 0)
        return fg_panels_height(s, w);
    /* the plot and a key row above it per row its entries need (a
     * scheme's name and its optimal alpha, about 13 more characters) */
    fig_style st = { .width_cm = w, .font_pt = 8 };
    const char *t[OPTIONS_MAX_SCHEMES];
    char buf[OPTIONS_MAX_SCHEMES][64];
    for (int i = 0; i < s->nschemes; i++) {
        snprintf(buf[i], sizeof buf[i], "%s, a* = 0.0000", fg_scheme_title(s->schemes[i]));
        t[i] = buf[i];
    }
    int rows = s->figure == FIG_SWEEP ? fg_key_rows_of(&st, t, s->nschemes, w - 0.2) : fg_key_rows(s, &st, w - 0.2);
    return (w > 12 ? 6.0 : 5.0) + 0.40 * rows;
}

static double h_channels(const plot_spec *s, double w)
{
    fig_style st = { .width_cm = w, .font_pt = 8 };
    const char *t[OPTIONS_MAX_SCHEMES] = { 0 };
    char buf[OPTIONS_MAX_SCHEMES][64];
    for (int i = 0; i < s->nschemes; i++) {
        snprintf(buf[i], sizeof buf[i], "%s: 6.11x10-7", fg_scheme_title(s->schemes[i]));
        t[i] = buf[i];
    }
    return (w > 12 ? 7.2 : 6.4) + 0.40 * fg_key_rows_of(&st, t, s->nschemes, w - 0.2);
}

static double h_compare(const plot_spec *s, double w)
{
    return (w > 12 ? 8.5 : 7.8) + 0.36 * (s->nschemes > 0 ? s->nschemes : 3);
}

static double h_transfer(const plot_spec *s, double w)
{
    /* square panels: (w - margins) / 2 high, plus the key, titles, x axis */
    double pw = (w - 1.25 - 0.25 - 0.45) / 2;
    int ns = s->nschemes > 0 ? s->nschemes : 3;
    fig_style st = { .width_cm = w, .font_pt = 8 };
    (void)ns;
    return pw + 1.05 + 0.40 * (fg_key_rows(s, &st, w - 0.2) + 1) + 0.15;
}

/* histogram at a group or block granularity: the group figure (the
 * pooled u = x / alpha_g histogram and the scales, fig_group.c) */
static int b_histogram(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    if (s->cfg.gran != GRAN_TENSOR)
        return fig_group(s, st, d, b, err);
    return fig_histogram(s, st, d, b, err);
}

/* The figure kinds: adding one is one entry here (and its FIG_ value). */
const fig_kind fig_kinds[] = {
    { "histogram", FIG_HISTOGRAM, FN_TENSOR, h_histogram, b_histogram },
    { "levels", FIG_LEVELS, FN_NONE, h_levels, fig_levels },
    { "sweep", FIG_SWEEP, FN_TENSOR, h_curves, fig_sweep },
    { "bits", FIG_BITS, FN_TENSOR, h_curves, fig_bits },
    { "layers", FIG_LAYERS, FN_TENSORS, h_layers, fig_layers },
    { "channels", FIG_CHANNELS, FN_RAW, h_channels, fig_channels },
    { "compare", FIG_COMPARE, FN_PAIR, h_compare, fig_compare },
    { "transfer", FIG_TRANSFER, FN_NONE, h_transfer, fig_transfer },
    { "damage", FIG_DAMAGE, FN_COMPARE, h_damage, fig_damage },
    { "plan", FIG_PLAN, FN_PLAN, fg_plan_height, fig_plan },
    { NULL, 0, 0, NULL, NULL },
};

const fig_kind *fig_kind_of(plot_figure f)
{
    for (const fig_kind *k = fig_kinds; k->name; k++)
        if (k->fig == f)
            return k;
    return NULL;
}

int plot_parse_figure(const char *name, plot_figure *out)
{
    for (const fig_kind *k = fig_kinds; k->name; k++)
        if (name && strcmp(name, k->name) == 0) {
            *out = k->fig;
            return 0;
        }
    return -1;
}

const char *plot_figure_name(plot_figure f)
{
    const fig_kind *k = fig_kind_of(f);
    return k ? k->name : "?";
}

double figures_default_height(const plot_spec *s, double width_cm)
{
    const fig_kind *k = fig_kind_of(s->figure);
    return k ? k->height(s, width_cm) : 6;
}

/* Does kind k build at width w and height h (cm)? */
static int builds_at(const fig_kind *k, const plot_spec *s, const fig_style *st, double w, double h)
{
    fig_style t = *st;
    t.width_cm = w;
    t.height_cm = h;
    fig_data d = { 0 };
    sbuf b = { 0 };
    util_err e = { { 0 } };
    int ok = k->build(s, &t, &d, &b, &e) == 0;
    fig_data_free(&d);
    sbuf_free(&b);
    return ok;
}

/* A refusal names a size (--size=WxH): the smallest height at that width
 * that builds (searched from the refused height up in 0.5 cm, then 0.1 cm
 * steps), so that the size it names works; left as it is when none does
 * by 40 cm. */
static void named_size(const fig_kind *k, const plot_spec *s, const fig_style *st, util_err *err)
{
    char *at = strstr(err->msg, "(--size=");
    if (!at)
        return;
    char *p = at + 8, *end;
    double w = strtod(p, &end);
    if (end == p || *end != 'x' || !(w > 0))
        return;
    char *hp = end + 1;
    double h = strtod(hp, &end);
    if (end == hp || (*end != ')' && *end != ' ' && *end != ',' && *end != ';'))
        return;
    double lo = fmax(st->height_cm, 0.5), found = NAN;
    if (builds_at(k, s, st, w, h) && !builds_at(k, s, st, w, fmax(lo, h - 0.5)))
        return; /* it holds, and half a centimetre less does not */
    double prev = lo;
    for (double c = lo + 0.5; c < 40.05; c += 0.5) {
        if (builds_at(k, s, st, w, c)) {
            found = c;
            for (double f = prev + 0.1; f < c - 0.05; f += 0.1)
                if (builds_at(k, s, st, w, f)) {
                    found = f;
                    break;
                }
            break;
        }
        prev = c;
    }
    if (!isfinite(found))
        return;
    char rest[sizeof err->msg], num[32];
    snprintf(rest, sizeof rest, "%s", end);
    snprintf(num, sizeof num, "%.1f", found);
    size_t off = (size_t)(hp - err->msg);
    snprintf(err->msg + off, sizeof err->msg - off, "%s%s", num, rest);
}

int figures_build(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *body, util_err *err)
{
    const fig_kind *k = fig_kind_of(s->figure);
    if (!k) {
        util_err_set(err, "unknown figure kind %d", (int)s->figure);
        return -1;
    }
    int rc = k->build(s, st, d, body, err);
    if (rc < 0)
        named_size(k, s, st, err);
    return rc;
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
            /* a block with a z column: one CSV row for y, one for z */
            for (int col = 0; col < (k->zseries ? 2 : 1); col++) {
                fprintf(fp, "%s,", plot_figure_name(s->figure));
                util_csv_field(fp, r->raw ? r->raw : fig_kind_of(s->figure)->needs == FN_NONE ? NULL : s->tensor_name);
                fputc(',', fp);
                util_csv_field(fp, k->scheme);
                if (k->bits == FIG_NO_BITS)
                    fputc(',', fp);
                else if (k->bits < 0)
                    fprintf(fp, ",%d", (int)r->x);
                else
                    fprintf(fp, ",%d", k->bits ? k->bits : s->cfg.bits);
                fprintf(fp, ",%s,%s,%s,", s->cfg.is_signed && !k->is_unsigned ? "true" : "false",
                        s->cfg.normalize ? "true" : "false", col ? k->zseries : k->series);
                csv_num(fp, r->x);
                fputc(',', fp);
                csv_num(fp, col ? r->z : r->y);
                fputc('\n', fp);
            }
        }
    }
}

