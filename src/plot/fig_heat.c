/*
 * fig_heat.c - the layers figure for a whole model (more tensors than rows
 * of bars fit on a page): a heatmap of each tensor's SQNR, which compares
 * layers of different scale. Transformer-style names (a block number and
 * a type after it: model.layers.11.mlp.down_proj.weight) give one panel per
 * scheme with a row per type (the projections, in order of appearance) and
 * a column per block; other names one panel with a row per scheme and a
 * column per tensor in the figure's order.
 */
#include "config.h"
#include "plot/fig_common.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The block number and type of a tensor name: the first dot-separated
 * component that is all digits, and what follows it without a last
 * ".weight"/".bias"; *group (when not NULL) the component before the
 * number with it ("layers.11", "blk.3"). 0 when the name has none. The
 * type and group are new memory. */
int fg_block_type(const char *name, long *block, char **type, char **group)
{
    const char *p = name, *prev = NULL;
    while (*p) {
        const char *q = p;
        while (*q && *q != '.')
            q++;
        int digits = q > p;
        for (const char *c = p; c < q; c++)
            digits &= isdigit((unsigned char)*c) != 0;
        if (digits && *q == '.' && q - p < 9) {
            *block = strtol(p, NULL, 10);
            const char *t = q + 1;
            size_t n = strlen(t);
            if (n > 7 && strcmp(t + n - 7, ".weight") == 0)
                n -= 7;
            else if (n > 5 && strcmp(t + n - 5, ".bias") == 0)
                n -= 5;
            if (n == 0)
                return 0;
            *type = util_strndup(t, n);
            if (group)
                *group = util_strndup(prev ? prev : p, (size_t)(q - (prev ? prev : p)));
            return 1;
        }
        prev = p;
        p = *q ? q + 1 : q;
    }
    return 0;
}

#define HEAT_MAX_TYPES 24

double fg_heat_height(const plot_spec *s, double width_cm)
{
    (void)width_cm;
    int nl = s->nlayers, ns = s->nschemes > 0 ? s->nschemes : 3, ntypes = 0, parsed = 0;
    char *types[HEAT_MAX_TYPES];
    long bmin = 0, bmax = -1;
    for (int j = 0; j < nl; j++) {
        long bk;
        char *t = NULL;
        if (!fg_block_type(s->layers[j].name ? s->layers[j].name : "", &bk, &t, NULL))
            continue;
        int k = 0;
        while (k < ntypes && strcmp(types[k], t) != 0)
            k++;
        if (k == ntypes && ntypes < HEAT_MAX_TYPES)
            types[ntypes++] = util_strdup(t);
        free(t);
        if (k == ntypes)
            continue;
        bmin = parsed == 0 || bk < bmin ? bk : bmin;
        bmax = parsed == 0 || bk > bmax ? bk : bmax;
        parsed++;
    }
    for (int k = 0; k < ntypes; k++)
        free(types[k]);
    int grid = parsed >= nl * 9 / 10 && bmax - bmin < 400 && ntypes >= 1;
    int npan = grid ? ns : 1, nrows = grid ? ntypes : ns;
    /* as fig_layers_heat lays it out, at 8 pt, with cells of 1.5 lines */
    return 1.05 + npan * (0.45 + nrows * 0.60) + 0.1;
}

int fig_layers_heat(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    int ns = s->nschemes, nl = s->nlayers;
    long *blk = util_calloc((size_t)nl, sizeof *blk);
    int *row = util_calloc((size_t)nl, sizeof *row);
    char *types[HEAT_MAX_TYPES];
    int ntypes = 0, parsed = 0;
    long bmin = 0, bmax = -1;
    for (int j = 0; j < nl; j++) {
        char *t = NULL;
        row[j] = -1;
        if (!fg_block_type(s->layers[j].name ? s->layers[j].name : "", &blk[j], &t, NULL))
            continue;
        int k = 0;
        while (k < ntypes && strcmp(types[k], t) != 0)
            k++;
        if (k == ntypes && ntypes < HEAT_MAX_TYPES)
            types[ntypes++] = util_strdup(t);
        free(t);
        if (k == ntypes)
            continue; /* too many types: not a grid */
        row[j] = k;
        if (parsed == 0 || blk[j] < bmin)
            bmin = blk[j];
        if (parsed == 0 || blk[j] > bmax)
            bmax = blk[j];
        parsed++;
    }
    /* a grid when nearly every tensor has a block and a type, and the
     * blocks are not too many for the columns */
    int grid = parsed >= nl * 9 / 10 && bmax - bmin < 400 && ntypes >= 1;
    double smin = INFINITY, smax = -INFINITY;
    for (int i = 0; i < ns; i++)
        for (int j = 0; j < nl; j++) {
            double q = s->layers[j].sqnr[i];
            if (isfinite(q)) {
                smin = fmin(smin, q);
                smax = fmax(smax, q);
            }
        }
    if (!isfinite(smin)) {
        util_err_set(err, "no tensor has an SQNR to draw (every scheme failed or every tensor was skipped)");
        goto fail;
    }
    if (smax - smin < 1) {
        smin -= 0.5;
        smax += 0.5;
    }
    int npan = grid ? ns : 1, nrows = grid ? ntypes : ns;
    long ncols = grid ? bmax - bmin + 1 : nl;
    /* the cells: one block per panel, x = column, y = row (0 at the top),
     * z = SQNR (dB) */
    for (int p = 0; p < npan; p++) {
        char name[40];
        snprintf(name, sizeof name, "heat_%d", p + 1);
        fig_block *k = fg_add_block(d, name, grid ? s->schemes[p] : NULL, "row");
        k->zseries = "sqnr_db";
        for (int j = 0; j < nl; j++) {
            if (grid && row[j] < 0)
                continue;
            for (int i = 0; i < ns; i++) {
                if (grid && i != p)
                    continue;
                fig_row *r = fg_add_row(k, grid ? (double)(blk[j] - bmin) : j, grid ? row[j] : i);
                r->z = s->layers[j].sqnr[i];
                r->raw = s->layers[j].name;
            }
        }
    }
    /* Layout in cm: per panel a title line and nrows cells of one text
     * line; the x axis (block or tensor numbers) under the last; the
     * colour box at the right. */
    double W = st->width_cm, H = st->height_cm, fs = st->font_pt / 8, line = 0.40 * fs;
    size_t longest = 1;
    for (int r = 0; r < nrows; r++)
        longest = fmax(longest, fg_vis_len(grid ? types[r] : fg_scheme_title(s->schemes[r])));
    size_t maxc = (size_t)fmax(8, 0.35 * W / fg_text_cm(1, st));
    if (longest > maxc)
        longest = maxc;
    double lm = fg_text_cm(longest, st) + 0.35;
    /* the colour box (0.3 cm), its tic labels (3 digits) and its title */
    double rm = 0.2 + 0.3 * fs + 0.15 + 3 * 0.66 * st->font_pt / 72 * 2.54 + 0.2 + line + 0.1;
    /* a short figure (fg_compact): rows of 0.75 line (8 pt labels keep
     * apart) and no x axis title (the panel title says "by block") */
    int compact = fg_compact(st);
    double bot = (compact ? 0.6 : 1.05) * fs, ptitle = line + 0.05, cell = compact ? 0.75 * line : line;
    double need = bot + npan * (ptitle + nrows * cell) + 0.1;
    if (H < need - 1e-9) {
        /* what to do: the height, or (a panel per scheme) one scheme */
        double need1 = bot + ptitle + nrows * cell + 0.1;
        char alt[96] = "";
        if (npan > 1)
            snprintf(alt, sizeof alt, " or one scheme (-s NAME; --size=%gx%.1f)", W, need1 + 0.05);
        util_err_set(err, "a %gx%g cm layers heatmap of %d tensors needs %.1f cm of height at %g pt: give it more "
                     "height (--size=%gx%.1f)%s", W, H, nl, need, st->font_pt, W, need + 0.05, alt);
        goto fail;
    }
    double ph = (H - bot - 0.1 - npan * ptitle) / npan; /* a panel's cells, cm */
    fg_set_styles(b, s, st);
    sbuf_printf(b, "# SQNR (dB) of %d tensors", nl);
    sbuf_puts(b, grid ? ": a row per tensor type, a column per block, a panel per scheme\n" : ", a row per scheme\n");
    if (st->mono)
        sbuf_puts(b, "set palette gray negative\n");
    else /* viridis: perceptually uniform, readable in grey */
        sbuf_puts(b, "set palette defined (0 '#440154', 0.25 '#3B528B', 0.5 '#21918C', 0.75 '#5EC962', "
                     "1 '#FDE725')\n");
    sbuf_printf(b, "set cbrange [%.6g:%.6g]\nset multiplot\nunset key\nset border 3 lw 0.8\n", floor(smin),
                ceil(smax));
    sbuf_printf(b, "set lmargin at screen %.4f\nset rmargin at screen %.4f\n", lm / W, 1 - rm / W);
    sbuf_printf(b, "set xrange [-0.5:%ld.5]\nset yrange [%d.5:-0.5]\n", ncols - 1, nrows - 1);
    double xstep = fmax(1, fg_tick_step(0, (double)ncols - 1, W - lm - rm, st, 1));
    /* blocks and tensors are counted: a whole step (1, 2, 5, 10, ...), never 2.5 */
    for (double m = 1;; m *= 10) {
        double c = xstep <= m ? m : xstep <= 2 * m ? 2 * m : xstep <= 5 * m ? 5 * m : 0;
        if (c > 0) {
            xstep = c;
            break;
        }
    }
    sbuf_printf(b, "set xtics %.17g out scale 0.5 nomirror\nset ytics scale 0 nomirror noenhanced\n",
                xstep);
    sbuf_puts(b, "set ytics (");
    for (int r = 0; r < nrows; r++) {
        sbuf_puts(b, r ? ", " : "");
        char *lab = fg_shorten_left(grid ? types[r] : fg_scheme_title(s->schemes[r]), maxc);
        char *e = fg_row_label(st, lab), *f = fg_tic_label(e);
        fig_quote(b, FQ_STRING, f);
        free(e);
        free(f);
        free(lab);
        sbuf_printf(b, " %d", r);
    }
    sbuf_puts(b, ")\n");
    for (int p = 0; p < npan; p++) {
        double top = H - p * (ptitle + ph) - ptitle, bottom = top - ph;
        sbuf_printf(b, "\n# panel %d\nset tmargin at screen %.4f\nset bmargin at screen %.4f\n", p + 1, top / H,
                    bottom / H);
        sbuf_puts(b, "set label 1 ");
        sbuf t = { 0 };
        if (grid)
            fg_txt_scheme(&t, st, s->schemes[p]);
        else
            sbuf_printf(&t, "%d tensors", nl);
        if (compact && grid && s->figure != FIG_DAMAGE)
            sbuf_printf(&t, " %d-bit", s->cfg.bits); /* (the colour box's title is short) */
        if (compact && p == 0)
            sbuf_puts(&t, grid ? ", by block" : ", by number");
        fg_put_text(b, &t);
        sbuf_printf(b, " at screen %.4f, screen %.4f left front\n", lm / W, (top + 0.5 * ptitle) / H);
        if (p == npan - 1) {
            sbuf_puts(b, "set format x '%.0f'\n");
            if (compact)
                sbuf_puts(b, "unset xlabel\n");
            else {
                sbuf_puts(b, "set xlabel ");
                fig_quote(b, FQ_STRING, grid ? "block" : "tensor");
                sbuf_puts(b, " offset 0, 0.6\n");
            }
            sbuf_puts(b, "set xtics offset 0, 0.3\n");
        } else
            sbuf_puts(b, "set format x ''\nunset xlabel\n");
        if (p == 0) {
            /* the colour box at the right over all panels */
            sbuf_printf(b, "set colorbox user origin screen %.4f, screen %.4f size screen %.4f, screen %.4f\n",
                        1 - (rm - 0.2) / W, bot / H, 0.3 * fs / W, (H - bot - ptitle - 0.1) / H);
            sbuf_printf(b, "set cbtics out scale 0.5 %.17g\n",
                        fmax(1, fg_tick_step(floor(smin), ceil(smax), H - bot - ptitle - 0.1, st, 0)));
            if (s->figure == FIG_DAMAGE)
                sbuf_puts(b, compact ? "set cblabel 'SQNR (dB)'\n" : "set cblabel 'SQNR, quantized (dB)'\n");
            else if (compact && grid)
                sbuf_puts(b, "set cblabel 'SQNR (dB)'\n");
            else
                sbuf_printf(b, "set cblabel 'SQNR, %d-bit (dB)'\n", s->cfg.bits);
        } else
            sbuf_puts(b, "unset colorbox\n");
        sbuf_printf(b, "plot $heat_%d using 1:2:(0.52):(0.52):3 with boxxyerror fs solid 1.0 noborder "
                       "lc palette notitle\n", p + 1);
    }
    sbuf_puts(b, "unset multiplot\n");
    for (int k = 0; k < ntypes; k++)
        free(types[k]);
    free(blk);
    free(row);
    return 0;
fail:
    for (int k = 0; k < ntypes; k++)
        free(types[k]);
    free(blk);
    free(row);
    return -1;
}
