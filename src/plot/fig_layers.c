/*
 * fig_layers.c - the layers figure of up to LAYERS_BARS_MAX tensors (more:
 * the heatmap of fig_heat.c) and the damage figure of a compare
 * (--figure=damage ORIGINAL QUANTIZED). A row per tensor with its SQNR in
 * dB, which compares tensors of different scale (an MSE does not); rows
 * grouped by block when the names have one
 * (model.layers.3.self_attn.q_proj.weight: the block "layers.3" at the
 * left of its first row, the row named "q_proj", the shortest end of the
 * type that tells the types apart; a thin line between blocks). Bars for
 * one scheme (or a few schemes and tensors), else a dot per scheme: one
 * text line a row, so 40 tensors fit a page. The damage figure has one
 * bar per tensor coloured by its stored type, with the types' bits per
 * weight in the key; a lossless tensor (no error) is marked as such.
 */
#include "config.h"
#include "plot/fig_common.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LTYPES_MAX 64

typedef struct lrow {
    int j;          /* index in s->layers */
    long block;
    int type;       /* index into the types, -1: no block */
    char *group;    /* the block's label on its first row, else NULL */
    char *label;    /* the row's name as shown (not escaped) */
    int sep;        /* a line above this row: a new block starts */
} lrow;

typedef struct llay {
    lrow *r;
    int n;
    int grouped;
    size_t longest, glongest;  /* characters of the row and block labels */
} llay;

static void llay_free(llay *L)
{
    for (int i = 0; i < L->n; i++) {
        free(L->r[i].group);
        free(L->r[i].label);
    }
    free(L->r);
    memset(L, 0, sizeof *L);
}

static int cmp_lrow(const void *a, const void *b)
{
    const lrow *x = a, *y = b;
    if ((x->type < 0) != (y->type < 0))
        return x->type < 0 ? 1 : -1;  /* rows without a block last */
    if (x->type >= 0 && x->block != y->block)
        return x->block < y->block ? -1 : 1;
    if (x->type >= 0 && x->type != y->type)
        return x->type < y->type ? -1 : 1;
    return x->j < y->j ? -1 : x->j > y->j;
}

/* The last k dot-separated components of t (all of it when fewer). */
static const char *tail_of(const char *t, int k)
{
    const char *p = t + strlen(t);
    while (p > t) {
        p--;
        if (*p == '.' && --k == 0)
            return p + 1;
    }
    return t;
}

/* The common dot-bounded prefix and suffix of the names of rows without a
 * block (pre, suf: their lengths). */
static void affixes(const plot_spec *s, const llay *L, size_t *pre, size_t *suf)
{
    const char *a = NULL;
    size_t p = 0, q = 0, la = 0;
    int n = 0;
    for (int i = 0; i < L->n; i++) {
        if (L->grouped && L->r[i].type >= 0)
            continue;
        const char *b = s->layers[L->r[i].j].name ? s->layers[L->r[i].j].name : "";
        if (!a) {
            a = b;
            la = p = q = strlen(a);
            n = 1;
            continue;
        }
        size_t lb = strlen(b), k = 0;
        while (k < p && k < lb && a[k] == b[k])
            k++;
        p = k;
        k = 0;
        while (k < q && k < lb && a[la - 1 - k] == b[lb - 1 - k])
            k++;
        q = k;
        n++;
    }
    *pre = *suf = 0;
    if (n < 2)
        return;
    while (p > 0 && a[p - 1] != '.')
        p--;
    while (q > 0 && a[la - q] != '.')
        q--;
    *pre = p;
    *suf = q;
}

/* The rows of the figure in the order drawn, with their labels. maxc:
 * the most characters a label may take. */
static void layout_rows(const plot_spec *s, size_t maxc, llay *L)
{
    int nl = s->nlayers, ntypes = 0, parsed = 0;
    char *types[LTYPES_MAX];
    char **tp = util_calloc((size_t)nl, sizeof *tp), **gp = util_calloc((size_t)nl, sizeof *gp);
    L->r = util_calloc((size_t)nl, sizeof *L->r);
    L->n = nl;
    for (int j = 0; j < nl; j++) {
        lrow *r = &L->r[j];
        r->j = j;
        r->type = -1;
        if (!fg_block_type(s->layers[j].name ? s->layers[j].name : "", &r->block, &tp[j], &gp[j]))
            continue;
        int k = 0;
        while (k < ntypes && strcmp(types[k], tp[j]) != 0)
            k++;
        if (k == ntypes && ntypes < LTYPES_MAX)
            types[ntypes++] = tp[j];
        if (k < ntypes) {
            r->type = k;
            parsed++;
        }
    }
    /* grouped when at least half the tensors and two of them have a block,
     * and no --sort asked for another order */
    L->grouped = !s->layers_sorted && parsed >= 2 && 2 * parsed >= nl;
    if (!L->grouped)
        for (int j = 0; j < nl; j++)
            L->r[j].type = -1;
    /* the shortest end of the types that keeps them apart */
    int depth = 1;
    for (; L->grouped && depth < 8; depth++) {
        int clash = 0;
        for (int a = 0; a < ntypes && !clash; a++)
            for (int b = a + 1; b < ntypes && !clash; b++)
                clash = strcmp(tail_of(types[a], depth), tail_of(types[b], depth)) == 0;
        if (!clash)
            break;
    }
    size_t pre, suf;
    affixes(s, L, &pre, &suf);
    for (int j = 0; j < nl; j++) {
        lrow *r = &L->r[j];
        if (r->type >= 0) {
            r->label = fg_shorten_left(tail_of(types[r->type], depth), maxc);
            r->group = gp[j];
            gp[j] = NULL;
        } else {
            const char *n = s->layers[j].name ? s->layers[j].name : "";
            size_t len = strlen(n), p = pre, q = suf;
            if (p + q >= len)
                p = q = 0;
            char *mid = util_strndup(n + p, len - p - q);
            r->label = fg_shorten_left(mid, maxc);
            free(mid);
        }
    }
    if (L->grouped)
        qsort(L->r, (size_t)nl, sizeof *L->r, cmp_lrow);
    for (int i = 0; i < nl; i++) {
        lrow *r = &L->r[i];
        int first; /* the first row of a block, or of the rows without one */
        if (i == 0)
            first = 1;
        else if (r->type < 0)
            first = L->r[i - 1].type >= 0;
        else
            first = L->r[i - 1].type < 0 || r->block != L->r[i - 1].block;
        if (L->grouped) {
            r->sep = i > 0 && first;
            if (!first || r->type < 0) {
                free(r->group);
                r->group = NULL;
            }
        }
        if (r->group) {
            char *g = fg_shorten_left(r->group, maxc / 2 > 6 ? maxc / 2 : 6);
            free(r->group);
            r->group = g;
            L->glongest = fmax(L->glongest, fg_vis_len(g));
        }
        L->longest = fmax(L->longest, fg_vis_len(r->label));
    }
    for (int j = 0; j < nl; j++) {
        free(gp[j]);
        int kept = 0;
        for (int k = 0; k < ntypes; k++)
            kept |= types[k] == tp[j];
        if (!kept)
            free(tp[j]);
    }
    for (int k = 0; k < ntypes; k++)
        free(types[k]);
    free(tp);
    free(gp);
}

/* The key's spec: the schemes, or for the damage figure the stored types. */
static plot_spec key_spec(const plot_spec *s)
{
    plot_spec k = *s;
    if (s->figure == FIG_DAMAGE) {
        k.schemes = s->series;
        k.nschemes = s->nseries;
    }
    return k;
}

static int use_dots(const plot_spec *s)
{
    return s->figure != FIG_DAMAGE && !(s->nschemes == 1 || (s->nschemes <= 3 && s->nlayers <= 8));
}

/* A row's height, cm. */
static double row_cm(const plot_spec *s, double fs, int dots)
{
    double line = 0.40 * fs;
    if (dots || s->figure == FIG_DAMAGE || s->nschemes == 1)
        return 1.1 * line;
    return fmax(1.1 * line, 0.16 * s->nschemes + 0.14);
}

/* The key's entries (the damage figure: "q4_0, 4.50 bpw"), into t[]. */
static int key_texts(const plot_spec *s, const fig_style *st, char **t)
{
    plot_spec k = key_spec(s);
    fg_numfmt m = s->figure == FIG_DAMAGE ? fg_num_mode(s->series_bpw, s->nseries) : FG_NUM_AUTO;
    for (int i = 0; i < k.nschemes; i++) {
        sbuf tt = { 0 };
        fg_txt_scheme(&tt, st, k.schemes[i]);
        if (s->figure == FIG_DAMAGE) {
            sbuf_puts(&tt, ", ");
            fg_txt_num_as(&tt, st, s->series_bpw[i], m);
            sbuf_puts(&tt, " bpw");
        }
        t[i] = tt.s;
    }
    return k.nschemes;
}

static int key_rows(const plot_spec *s, const fig_style *st)
{
    char *t[OPTIONS_MAX_SCHEMES + 64] = { 0 };
    int n = key_texts(s, st, t);
    int rows = fg_key_rows_of(st, (const char *const *)t, n, st->width_cm - 0.2);
    for (int i = 0; i < n; i++)
        free(t[i]);
    return rows;
}

double fg_layers_height(const plot_spec *s, double width_cm)
{
    if (s->nlayers > LAYERS_BARS_MAX)
        return fg_heat_height(s, width_cm);
    fig_style st = { .width_cm = width_cm, .font_pt = 8 };
    int n = s->nlayers > 0 ? s->nlayers : 1;
    return key_rows(s, &st) * 0.40 + 0.2 + n * row_cm(s, 1, use_dots(s)) + 1.1 + 0.1;
}

/* The value drawn for row r and scheme i (the damage figure: its one). */
static double val(const plot_spec *s, int j, int i)
{
    return s->figure == FIG_DAMAGE ? s->layers[j].sqnr[0] : s->layers[j].sqnr[i];
}

/* The data blocks: a block per scheme (damage: per stored type) of rows
 * (row number, SQNR); damage: the lossless ones also in "lossless". */
static void layers_data(const plot_spec *s, const llay *L, fig_data *d)
{
    int damage = s->figure == FIG_DAMAGE, nb = damage ? s->nseries : s->nschemes;
    const char *const *names = damage ? s->series : s->schemes;
    for (int i = 0; i < nb; i++) {
        char name[40];
        snprintf(name, sizeof name, "layers_%d", i + 1);
        fig_block *k = fg_add_block(d, name, names[i], damage ? "sqnr_db" : "sqnr_db");
        if (damage)
            k->bits = (int)floor(s->series_bpw[i] + 1e-9);
        for (int r = 0; r < L->n; r++) {
            int j = L->r[r].j;
            if (damage && s->layers[j].series != i)
                continue;
            fig_row *row = fg_add_row(k, r, val(s, j, i));
            row->raw = s->layers[j].name;
        }
    }
    if (damage) {
        fig_block *k = fg_add_block(d, "lossless", NULL, "lossless");
        for (int r = 0; r < L->n; r++) {
            int j = L->r[r].j;
            if (isinf(val(s, j, 0)) && val(s, j, 0) > 0)
                fg_add_row(k, r, 1)->raw = s->layers[j].name;
        }
    }
}

/* The y axis: the row names, the block labels at the left, the lines
 * between blocks. */
static void put_rows(sbuf *b, const fig_style *st, const llay *L, double lm_group)
{
    int nl = L->n;
    sbuf_puts(b, "set ytics scale 0 noenhanced (");
    for (int r = 0; r < nl; r++) {
        sbuf_puts(b, r ? ", " : "");
        char *e = fg_row_label(st, L->r[r].label), *f = fg_tic_label(e);
        fig_quote(b, FQ_STRING, f);
        free(e);
        free(f);
        sbuf_printf(b, " %d", nl - 1 - r);
    }
    sbuf_puts(b, ")\n");
    for (int r = 0; r < nl; r++) {
        if (L->r[r].group) {
            sbuf_printf(b, "set label %d ", 10 + r);
            char *e = fg_row_label(st, L->r[r].group);
            fig_quote(b, FQ_STRING, e);
            free(e);
            sbuf_printf(b, " at screen %.4f, first %d left noenhanced\n", lm_group / st->width_cm, nl - 1 - r);
        }
        if (L->r[r].sep)
            sbuf_printf(b, "set arrow %d from graph 0, first %.1f to graph 1, first %.1f nohead lc rgb '#BDBDBD' "
                           "lw 0.5 back\n", 10 + r, nl - 0.5 - r, nl - 0.5 - r);
    }
}

/* The x axis of SQNR values from lo to hi over area_cm, and its label. */
static void put_xaxis(sbuf *b, const plot_spec *s, const fig_style *st, double lo, double hi, double area_cm)
{
    sbuf_printf(b, "set xrange [%.6g:%.6g]\nset format x '%% h'\n", lo, hi);
    fg_set_xstep(b, st, lo, hi, area_cm);
    sbuf_puts(b, "set grid xtics lc rgb '#E0E0E0' lw 0.5\nset xlabel offset 0, 0.5\nset xtics offset 0, 0.3\n");
    if (s->figure == FIG_DAMAGE)
        sbuf_puts(b, "set xlabel 'SQNR (dB)'\n");
    else
        sbuf_printf(b, "set xlabel 'SQNR, %d-bit (dB)'\n", s->cfg.bits);
}

/* The numbered key: when two rows' labels (the names shortened from the
 * left, with their blocks) come out the same, every row is labelled with
 * its number 1..N instead, and the names listed by number in the
 * script's comments and in the CSV (block "key": x the number, the
 * tensor column the name). */
static int number_rows(const plot_spec *s, llay *L, fig_data *d, sbuf *b)
{
    int same = 0;
    for (int r = 0; r < L->n && !same; r++)
        for (int q = r + 1; q < L->n && !same; q++) {
            const char *gr = NULL, *gq = NULL;
            for (int k = r; k >= 0 && !gr; k--) /* a row's block: its group's first row */
                gr = L->r[k].group;
            for (int k = q; k >= 0 && !gq; k--)
                gq = L->r[k].group;
            same = strcmp(L->r[r].label, L->r[q].label) == 0 &&
                   (!L->grouped || (gr && gq && strcmp(gr, gq) == 0));
        }
    if (!same)
        return 0;
    fig_block *k = fg_add_block(d, "key", NULL, "name_key");
    k->bits = FIG_NO_BITS;
    sbuf_puts(b, "# rows numbered (shortened, two names were the same): the names by number\n");
    L->longest = 0;
    for (int r = 0; r < L->n; r++) {
        const char *nm = s->layers[L->r[r].j].name ? s->layers[L->r[r].j].name : "?";
        fg_add_row(k, r + 1, NAN)->raw = nm;
        sbuf_printf(b, "# %d ", r + 1);
        fig_quote(b, FQ_COMMENT, nm);
        sbuf_puts(b, "\n");
        free(L->r[r].label);
        L->r[r].label = util_asprintf("%d", r + 1);
        free(L->r[r].group);
        L->r[r].group = NULL;
        L->longest = fmax(L->longest, strlen(L->r[r].label));
    }
    L->glongest = 0;
    return 1;
}

static int layers_draw(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    int damage = s->figure == FIG_DAMAGE, ns = damage ? 1 : s->nschemes, nl = s->nlayers;
    double W = st->width_cm, H = st->height_cm, fs = st->font_pt / 8, line = 0.40 * fs;
    double vmin = INFINITY, vmax = -INFINITY;
    int lossless = 0;
    for (int j = 0; j < nl; j++)
        for (int i = 0; i < ns; i++) {
            double v = val(s, j, i);
            if (isfinite(v)) {
                vmin = fmin(vmin, v);
                vmax = fmax(vmax, v);
            } else
                lossless |= damage && isinf(v) && v > 0;
        }
    if (!isfinite(vmin) && !lossless) {
        util_err_set(err, "no tensor has an SQNR to draw (every scheme failed or every tensor was skipped)");
        return -1;
    }
    size_t maxc = (size_t)fmax(10, 0.4 * W / fg_text_cm(1, st));
    llay L = { 0 };
    layout_rows(s, maxc, &L);
    layers_data(s, &L, d);
    int numbered = number_rows(s, &L, d, b);
    plot_spec ks = key_spec(s);
    int dots = use_dots(s);
    char *kt[OPTIONS_MAX_SCHEMES + 64] = { 0 };
    int nk = key_texts(s, st, kt);
    int krows = fg_key_rows_of(st, (const char *const *)kt, nk, W - 0.2);
    double top = krows * line + 0.2, bot = 1.1 * fs, rh = row_cm(s, fs, dots);
    double avail = H - top - bot;
    if (!dots && avail < nl * rh - 1e-9 && nl * row_cm(s, fs, 1) <= avail + 1e-9) {
        dots = 1; /* no room for the bars of every scheme: a dot each */
        rh = row_cm(s, fs, 1);
    }
    if (avail < nl * rh - 1e-9) {
        /* what to do: the height that holds every row, or how many fit */
        int fit = avail > 0 ? (int)floor((avail + 1e-9) / rh) : 0;
        char alt[80];
        if (fit >= 1)
            snprintf(alt, sizeof alt, "select at most %d tensor%s (FILE:GLOB)", fit, fit > 1 ? "s" : "");
        else
            snprintf(alt, sizeof alt, "fewer %s", damage ? "tensors" : "schemes");
        util_err_set(err, "a %gx%g cm %s figure of %d tensors leaves %.2f cm a row at %g pt: give it more "
                     "height (--size=%gx%.1f) or %s", W, H, damage ? "damage" : "layers", nl, fmax(avail, 0) / nl,
                     st->font_pt, W, top + bot + nl * rh + 0.05, alt);
        for (int i = 0; i < nk; i++)
            free(kt[i]);
        llay_free(&L);
        return -1;
    }
    fg_set_styles(b, &ks, st);
    if (!dots) /* the key's samples: swatches of the bars' fills */
        for (int i = 0; i < ks.nschemes; i++) {
            sbuf_printf(b, "set linetype %d lw 3 dt 1 lc rgb ", i + 1);
            fg_put_fill(b, &ks, st, i);
            sbuf_puts(b, "\n");
        }
    if (damage) {
        sbuf_puts(b, "# SQNR of each tensor of ");
        fig_quote(b, FQ_COMMENT, s->file_name2);
        sbuf_puts(b, " against ");
        fig_quote(b, FQ_COMMENT, s->file_name);
        sbuf_puts(b, " (the original)\n");
    }
    fg_key_row_marks(b, &ks, st, 0.5 * line + 0.05, (const char *const *)kt, dots ? 1 : 2);
    for (int i = 0; i < nk; i++)
        free(kt[i]);
    double glm = L.grouped ? fg_text_cm(L.glongest, st) + 0.25 : 0;
    double lm = 0.1 + glm + fg_text_cm(L.longest, st) + 0.3 + (numbered ? line : 0), rm = 0.4;
    if (numbered) /* the axis' title as long as the rows' height holds it */
    {
        if (fg_text_cm(22, st) <= H - top - bot)
            sbuf_puts(b, "set ylabel 'tensor no. (names: CSV)' offset 0.5, 0\n");
        else if (fg_text_cm(10, st) <= H - top - bot)
            sbuf_puts(b, "set ylabel 'tensor no.' offset 0.5, 0\n");
    }
    sbuf_printf(b, "unset key\nset border 3 lw 0.8\nunset mytics\nset yrange [-0.6:%d.6]\n", nl - 1);
    sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\n", 1 - top / H, bot / H);
    sbuf_printf(b, "set lmargin at screen %.4f\nset rmargin at screen %.4f\n", lm / W, 1 - rm / W);
    put_rows(b, st, &L, 0.1);
    double lo, hi;
    if (!isfinite(vmin))
        vmin = 0, vmax = 10;
    if (dots) {
        double pad = fmax(1, 0.05 * (vmax - vmin));
        lo = floor(vmin - pad);
        hi = ceil(vmax + pad);
    } else {
        /* bars from 0 dB (their length is the SQNR) or below */
        lo = vmin < 0 ? floor(vmin / 5) * 5 : 0;
        hi = vmax > 0 ? vmax * 1.06 : lo + 10;
    }
    put_xaxis(b, s, st, lo, hi, W - lm - rm);
    sbuf_puts(b, "set style fill solid 1.0 border lc rgb '#000000'\nplot ");
    int nb = damage ? s->nseries : ns;
    double bh = damage ? 0.6 : 0.8 / ns;
    for (int i = 0; i < nb; i++) {
        double off = damage ? 0 : ((ns - 1) / 2.0 - i) * bh;
        sbuf_puts(b, i ? ", \\\n     " : "");
        if (dots)
            sbuf_printf(b, "$layers_%d using 2:(%d-$1) with points lt %d ps 0.6 notitle", i + 1, nl - 1, i + 1);
        else {
            sbuf_printf(b, "$layers_%d using (($2+%.6g)/2):(%d-$1%+.6g):(($2-%.6g)/2):(%.6g) with boxxyerror lw 0.5 "
                           "dt 1 fc rgb ", i + 1, lo, nl - 1, off, lo, bh / 2);
            fg_put_fill(b, &ks, st, i);
            sbuf_puts(b, " notitle");
        }
    }
    if (damage && lossless) {
        sbuf_puts(b, nb ? ", \\\n     " : "");
        sbuf_printf(b, "$lossless using (%.6g):(%d-$1):('lossless') with labels left offset 0.4, 0 notitle", lo,
                    nl - 1);
    }
    sbuf_puts(b, "\n");
    llay_free(&L);
    return 0;
}

/* The numbered layout (a figure too short for a row per tensor, whose
 * names have no block x type grid or whose heatmap does not fit either):
 * the tensors along x, numbered 1..N in the rows' order (grouped by block,
 * a thin line between blocks), a dot per scheme (damage: per tensor, in
 * its stored type's colour) at its SQNR up the y axis. The names go in the
 * CSV beside the figure, whose x is the number shown, and in the script's
 * comments: the numbered key. */
static int layers_index(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    int damage = s->figure == FIG_DAMAGE, ns = damage ? 1 : s->nschemes, nl = s->nlayers;
    double W = st->width_cm, H = st->height_cm, fs = st->font_pt / 8, line = 0.40 * fs;
    double vmin = INFINITY, vmax = -INFINITY;
    for (int j = 0; j < nl; j++)
        for (int i = 0; i < ns; i++)
            if (isfinite(val(s, j, i))) {
                vmin = fmin(vmin, val(s, j, i));
                vmax = fmax(vmax, val(s, j, i));
            }
    if (!isfinite(vmin)) {
        util_err_set(err, "no tensor has a finite SQNR to draw");
        return -1;
    }
    plot_spec ks = key_spec(s);
    char *kt[OPTIONS_MAX_SCHEMES + 64] = { 0 };
    int nk = key_texts(s, st, kt);
    int krows = fg_key_rows_of(st, (const char *const *)kt, nk, W - 0.2);
    double top = krows * (fg_compact(st) ? LINE_CM - 0.02 : 0.40) * fs + 0.2, bot = 1.05 * fs, lm = 0.1 + line + 0.25 + fg_text_cm(4, st) + 0.1, rm = 0.3;
    double minh = 2.2 * line; /* two or three SQNR tic labels */
    if (H - top - bot < minh || W - lm - rm < 1.5) {
        util_err_set(err, "a %gx%g cm %s figure of %d tensors does not hold their numbered dots at %g pt: give it "
                     "more %s (--size=%.1fx%.1f) or %s", W, H, damage ? "damage" : "layers", nl, st->font_pt,
                     W - lm - rm < 1.5 ? "width" : "height", fmax(W, lm + rm + 1.5), fmax(H, ceil((top + bot + minh) * 10 + 0.5) / 10),
                     damage ? "select fewer tensors" : "fewer schemes");
        for (int i = 0; i < nk; i++)
            free(kt[i]);
        return -1;
    }
    llay L = { 0 };
    layout_rows(s, 64, &L);
    int nb = damage ? s->nseries : ns;
    for (int i = 0; i < nb; i++) {
        char name[40];
        snprintf(name, sizeof name, "layers_%d", i + 1);
        fig_block *k = fg_add_block(d, name, damage ? s->series[i] : s->schemes[i], "sqnr_db");
        if (damage)
            k->bits = (int)floor(s->series_bpw[i] + 1e-9);
        for (int r = 0; r < L.n; r++) {
            int j = L.r[r].j;
            if (damage && s->layers[j].series != i)
                continue;
            fg_add_row(k, r + 1, val(s, j, i))->raw = s->layers[j].name;
        }
    }
    fg_set_styles(b, &ks, st);
    sbuf_printf(b, "# too short for a row per tensor: tensors numbered 1..%d along x (their names: the CSV's "
                   "tensor column, x the number)\n", nl);
    for (int r = 0; r < L.n; r++) {
        sbuf_printf(b, "# %d ", r + 1);
        fig_quote(b, FQ_COMMENT, s->layers[L.r[r].j].name ? s->layers[L.r[r].j].name : "?");
        sbuf_puts(b, "\n");
    }
    fg_key_row_marks(b, &ks, st, 0.5 * line + 0.05, (const char *const *)kt, 1);
    for (int i = 0; i < nk; i++)
        free(kt[i]);
    sbuf_printf(b, "unset key\nset border 3 lw 0.8\nset tmargin at screen %.4f\nset bmargin at screen %.4f\n",
                1 - top / H, bot / H);
    sbuf_printf(b, "set lmargin at screen %.4f\nset rmargin at screen %.4f\n", lm / W, 1 - rm / W);
    /* y: from a tic to a tic (two labels at least); lossless tensors
     * (damage: SQNR +inf) on a line labelled infinity a step above */
    double ystep = fg_tick_step(vmin - 1, vmax + 1, H - top - bot, st, 0);
    double lo = floor((vmin - 0.05 * ystep) / ystep) * ystep, hi = ceil((vmax + 0.05 * ystep) / ystep) * ystep;
    int lossless = 0;
    for (int j = 0; damage && j < nl; j++)
        lossless |= isinf(val(s, j, 0)) && val(s, j, 0) > 0;
    if (lossless) {
        hi += ystep;
        fig_block *k = fg_add_block(d, "lossless", NULL, "lossless");
        for (int r = 0; r < L.n; r++)
            if (isinf(val(s, L.r[r].j, 0)) && val(s, L.r[r].j, 0) > 0)
                fg_add_row(k, r + 1, 1)->raw = s->layers[L.r[r].j].name;
    }
    int nsep = 0;
    for (int r = 0; r < L.n; r++)
        nsep += L.r[r].sep;
    for (int r = 0; r < L.n && nsep <= 12; r++) /* the blocks' bounds, while they are few */
        if (L.r[r].sep)
            sbuf_printf(b, "set arrow %d from first %.1f, graph 0 to first %.1f, graph 1 nohead lc rgb '#BDBDBD' "
                           "lw 0.5 back\n", 10 + r, r + 0.5, r + 0.5);
    /* x: multiples of a step that keeps the numbers apart, and 1 */
    double xstep = (W - lm - rm) / nl >= 0.45 ? 1 : fmax(1, round(fg_tick_step(0, nl, W - lm - rm, st, 1)));
    sbuf_printf(b, "set xrange [0.3:%.1f]\nset xtics 0, %.17g\nset mxtics 1\nset format x '%% h'\n", nl + 0.7, xstep);
    if (xstep > 1 && (xstep - 1) * (W - lm - rm) / nl >= 0.5) /* room for 1 before the first multiple */
        sbuf_puts(b, "set xtics add ('1' 1)\n");
    sbuf_printf(b, "set yrange [%.6g:%.6g]\nset ytics %.17g, %.17g, %.17g\nset format y '%% h'\n", lo, hi, lo,
                ystep, lossless ? hi - ystep : hi);
    if (lossless)
        sbuf_printf(b, st->latex ? "set ytics add ('$\\infty$' %.17g)\n" : "set ytics add ('∞' %.17g)\n", hi);
    sbuf_puts(b, "set grid ytics lc rgb '#E0E0E0' lw 0.5\nset xlabel offset 0, 0.5\nset xtics offset 0, 0.3\n");
    /* where the names are, when the axis title holds it (centred under the plot) */
    char xl[64];
    double xc = (lm + W - rm) / 2, room = 2 * fmin(xc, W - xc) - 0.2;
    if (damage)
        snprintf(xl, sizeof xl, "tensor no. (names: CSV)");
    else
        snprintf(xl, sizeof xl, "tensor no., %d-bit (names: CSV)", s->cfg.bits);
    if (fg_text_cm(strlen(xl), st) > room)
        *strstr(xl, " (names") = '\0';
    sbuf_puts(b, "set xlabel ");
    fig_quote(b, FQ_STRING, xl);
    sbuf_puts(b, "\n");
    /* the y axis title at the page's left edge (gnuplot's own place goes by
     * the tic labels' lengths as written, which LaTeX's $\infty$ inflates) */
    sbuf_printf(b, "unset ylabel\nset label 3 'SQNR (dB)' at screen %.4f, screen %.4f center rotate by 90 front\n",
                (0.1 + 0.5 * line) / W, (bot + (H - top - bot) / 2) / H);
    double ps = nl > 60 ? 0.25 : nl > 20 ? 0.4 : 0.6;
    sbuf_puts(b, "plot ");
    for (int i = 0; i < nb; i++)
    {
        sbuf_puts(b, i ? ", \\\n     " : "");
        sbuf_printf(b, "$layers_%d using 1:2 with points lt %d ps %.2f notitle", i + 1, i + 1, ps);
    }
    if (lossless)
        sbuf_printf(b, ", \\\n     $lossless using 1:(%.17g) with points lc rgb '#000000' pt 8 ps %.2f notitle", hi, ps);
    sbuf_puts(b, "\n");
    llay_free(&L);
    return 0;
}

/* Every tensor's name of the form block.N.type (the heatmap's grid). */
static int all_grid(const plot_spec *s)
{
    for (int j = 0; j < s->nlayers; j++) {
        long bk;
        char *t = NULL;
        int ok = fg_block_type(s->layers[j].name ? s->layers[j].name : "", &bk, &t, NULL);
        free(t);
        if (!ok)
            return 0;
    }
    return 1;
}

static int damage_heat(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err);

/* The rows (bars or dots); in a short figure (fg_compact) that cannot hold
 * them, the heatmap of block x type when every name has that form and it
 * fits (else the rows' refusal, naming the size they need). */
static int rows_or_heat(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    fig_data d1 = { 0 };
    sbuf b1 = { 0 };
    util_err e1 = { { 0 } };
    if (layers_draw(s, st, &d1, &b1, &e1) == 0) {
        for (int i = 0; i < d1.n; i++) {
            d->b = util_realloc(d->b, (size_t)(d->n + 1) * sizeof *d->b);
            d->b[d->n++] = d1.b[i];
        }
        free(d1.b);
        sbuf_puts(b, b1.s ? b1.s : ""); /* gp-lint: ok (a script these functions built) */
        sbuf_free(&b1);
        return 0;
    }
    fig_data_free(&d1);
    sbuf_free(&b1);
    if (fg_compact(st) && s->nlayers > 1 && all_grid(s)) {
        fig_data d2 = { 0 };
        sbuf b2 = { 0 };
        util_err e2 = { { 0 } };
        int rc = s->figure == FIG_DAMAGE ? damage_heat(s, st, &d2, &b2, &e2) : fig_layers_heat(s, st, &d2, &b2, &e2);
        if (rc == 0) {
            for (int i = 0; i < d2.n; i++) {
                d->b = util_realloc(d->b, (size_t)(d->n + 1) * sizeof *d->b);
                d->b[d->n++] = d2.b[i];
            }
            free(d2.b);
            sbuf_puts(b, "# too short for a row per tensor: the heatmap of block x type\n");
            sbuf_puts(b, b2.s ? b2.s : ""); /* gp-lint: ok (a script fig_layers_heat built) */
            sbuf_free(&b2);
            return 0;
        }
        fig_data_free(&d2);
        sbuf_free(&b2);
        if (s->figure == FIG_LAYERS && s->nschemes > 1) {
            /* what else fits: the heatmap of one scheme */
            plot_spec h = *s;
            h.nschemes = 1;
            fig_data d3 = { 0 };
            sbuf b3 = { 0 };
            util_err e3 = { { 0 } };
            int fits = fig_layers_heat(&h, st, &d3, &b3, &e3) == 0;
            fig_data_free(&d3);
            sbuf_free(&b3);
            if (fits) {
                size_t l = strlen(e1.msg);
                snprintf(e1.msg + l, sizeof e1.msg - l, ", or one scheme (-s NAME) for the heatmap of block x type");
            }
        }
    }
    if (fg_compact(st) && s->nlayers > 1) {
        /* the numbered dots; their refusal only when they do not fit either */
        util_err e4 = { { 0 } };
        if (layers_index(s, st, d, b, &e4) == 0)
            return 0;
    }
    *err = e1;
    return -1;
}

/* Over LAYERS_BARS_MAX tensors: the heatmap; in a short figure that does
 * not hold it, the numbered dots (else the heatmap's refusal). */
static int heat_or_index(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    fig_data d1 = { 0 };
    sbuf b1 = { 0 };
    int rc = s->figure == FIG_DAMAGE ? damage_heat(s, st, &d1, &b1, err) : fig_layers_heat(s, st, &d1, &b1, err);
    util_err e2 = { { 0 } };
    if (rc < 0 && fg_compact(st)) {
        fig_data_free(&d1);
        sbuf_free(&b1);
        rc = layers_index(s, st, &d1, &b1, &e2) == 0 ? 0 : -1;
    }
    if (rc == 0) {
        for (int i = 0; i < d1.n; i++) {
            d->b = util_realloc(d->b, (size_t)(d->n + 1) * sizeof *d->b);
            d->b[d->n++] = d1.b[i];
        }
        free(d1.b);
        sbuf_puts(b, b1.s ? b1.s : ""); /* gp-lint: ok (a script these functions built) */
        sbuf_free(&b1);
        return 0;
    }
    fig_data_free(&d1);
    sbuf_free(&b1);
    return -1;
}

int fig_layers(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    if (!s->layers || s->nlayers < 1) {
        util_err_set(err, "the layers figure needs at least one tensor");
        return -1;
    }
    if (s->nlayers > LAYERS_BARS_MAX)
        return heat_or_index(s, st, d, b, err);
    return rows_or_heat(s, st, d, b, err);
}

int fig_damage(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    if (!s->layers || s->nlayers < 1 || s->nseries < 1) {
        util_err_set(err, "the damage figure needs the pairs of a compare (two FILEs: ORIGINAL QUANTIZED)");
        return -1;
    }
    if (s->nlayers > LAYERS_BARS_MAX)
        return heat_or_index(s, st, d, b, err);
    return rows_or_heat(s, st, d, b, err);
}

static int damage_heat(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    {
        /* the heatmap of one series: every pair's SQNR, titled with the
         * files' names (the quantized one alone when both do not fit) */
        plot_spec h = *s;
        const char *q = s->file_name2 ? s->file_name2 : "quantized", *o = s->file_name ? s->file_name : "original";
        q = strrchr(q, '/') ? strrchr(q, '/') + 1 : q;
        o = strrchr(o, '/') ? strrchr(o, '/') + 1 : o;
        size_t maxc = (size_t)fmax(8, 0.6 * st->width_cm / fg_text_cm(1, st));
        /* the quantized side's bits per weight over all pairs, by count */
        double nb = 0, nc = 0;
        for (int j = 0; j < s->nlayers; j++)
            if (s->layers[j].series >= 0 && s->layers[j].series < s->nseries) {
                nb += s->series_bpw[s->layers[j].series] * (double)s->layers[j].count;
                nc += (double)s->layers[j].count;
            }
        /* plain text (the title is escaped as a name): 3 digits as the key's */
        char bp[32];
        snprintf(bp, sizeof bp, "%#.3g", nc > 0 ? nb / nc : 0.0);
        if (bp[strlen(bp) - 1] == '.')
            bp[strlen(bp) - 1] = '\0';
        char *t = util_asprintf("%s (%s bpw) against %s", q, bp, o);
        if (fg_vis_len(t) > maxc) {
            free(t);
            char *qs = fg_shorten_left(q, maxc > 12 ? maxc - 11 : 4);
            t = util_asprintf("%s, %s bpw", qs, bp);
            free(qs);
        }
        const char *one[1] = { t };
        h.schemes = one;
        h.nschemes = 1;
        int rc = fig_layers_heat(&h, st, d, b, err);
        for (int i = 0; i < d->n; i++) /* the title is not a scheme (and is freed) */
            if (d->b[i]->scheme == t)
                d->b[i]->scheme = NULL;
        free(t);
        return rc;
    }
}
