/*
 * fig_key.c - internal to plot/: the keys the figure kinds draw (in rows
 * of columns above a plot, or in one column beside it) and their sizes.
 */
#include "config.h"
#include "plot/fig_common.h"

#include <math.h>

/* One key entry's width, cm: the sample line, a gap, the text, a gap. */
/* A short figure (an explicit height under 4.5 cm, as --size=5x3.5):
 * compact keys (shorter samples, closer entries) so that they keep to
 * fewer rows; the automatic heights are computed for the full key. */
int fg_compact(const fig_style *st)
{
    return st->height_cm > 0 && st->height_cm < 4.5;
}

/* A key sample's length and the gap after an entry, cm. */
double fg_key_samp_cm(const fig_style *st)
{
    return (fg_compact(st) ? 0.32 : 0.55) * st->font_pt / 8;
}

double fg_key_gap_cm(const fig_style *st)
{
    return fg_compact(st) ? 0.22 : 0.35;
}

double fg_key_entry_cm(const fig_style *st, const char *text)
{
    return fg_key_samp_cm(st) + 0.12 + fg_text_cm(fg_vis_len(text), st) + fg_key_gap_cm(st);
}

/* The columns of a key of entries texts[0..n-1] across width_cm: all in
 * one row when they fit side by side (*cw = 0: each its own width), else
 * the most columns (entry k in column k % cols) whose widths, each its
 * widest entry's, fit; *cw then the widest column (colw[c] each, when
 * colw is not NULL). */
static int key_grid(const fig_style *st, const char *const *texts, int n, double width_cm, double *cw,
                    double *colw)
{
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += fg_key_entry_cm(st, texts[i]);
    if (sum <= width_cm) {
        *cw = 0;
        return n > 0 ? n : 1;
    }
    for (int c = n - 1; c >= 1; c--) {
        double w[OPTIONS_MAX_SCHEMES + 64] = { 0 }, tot = 0, mx = 0;
        for (int i = 0; i < n && c <= NELEM(w); i++)
            w[i % c] = fmax(w[i % c], fg_key_entry_cm(st, texts[i]));
        for (int k = 0; k < c && k < NELEM(w); k++) {
            tot += w[k];
            mx = fmax(mx, w[k]);
        }
        if (tot <= width_cm || c == 1) {
            *cw = mx;
            for (int k = 0; colw && k < c && k < NELEM(w); k++)
                colw[k] = w[k];
            return c;
        }
    }
    *cw = 0;
    return 1;
}

int fg_key_cols(const fig_style *st, const char *const *texts, int n, double width_cm, double *cw)
{
    return key_grid(st, texts, n, width_cm, cw, NULL);
}

int fg_key_rows_of(const fig_style *st, const char *const *texts, int n, double width_cm)
{
    double cw;
    int c = fg_key_cols(st, texts, n, width_cm, &cw);
    return (n + c - 1) / c > 0 ? (n + c - 1) / c : 1;
}

/* The rows a key of every scheme's name takes across width_cm. */
int fg_key_rows(const plot_spec *s, const fig_style *st, double width_cm)
{
    const char *t[OPTIONS_MAX_SCHEMES] = { 0 };
    for (int i = 0; i < s->nschemes; i++)
        t[i] = fg_scheme_title(s->schemes[i]);
    return fg_key_rows_of(st, t, s->nschemes, width_cm);
}

/* A key (a short line in scheme i's style and texts[i], or its name when
 * texts is NULL) in rows across the figure, centred, the first row's
 * centre top_cm below the top: labels and arrows tagged 900 and up, in
 * screen coordinates. Returns the number of rows. */
int fg_key_row_texts(sbuf *b, const plot_spec *s, const fig_style *st, double top_cm,
                         const char *const *texts)
{
    return fg_key_row_marks(b, s, st, top_cm, texts, 0);
}

/* Key entry k: its sample from x0 (cm) at y (screen fraction), lt k + 1,
 * and its text (texts[k], else the scheme's name); a point of the
 * scheme's type on the sample when marks is 1, the sample edged in black
 * when 2 (a swatch of a bar's fill: a white fill shows). */
static void key_entry(sbuf *b, const plot_spec *s, const fig_style *st, int k, double x0, double y,
                      const char *const *texts, int marks)
{
    double W = st->width_cm, samp = fg_key_samp_cm(st);
    if (marks == 2)
        sbuf_printf(b, "set arrow %d from screen %.4f, screen %.4f to screen %.4f, screen %.4f nohead "
                       "lc rgb '#000000' lw 4.5 dt 1\n", 800 + k, x0 / W, y, (x0 + samp) / W, y);
    sbuf_printf(b, "set arrow %d from screen %.4f, screen %.4f to screen %.4f, screen %.4f nohead lt %d\n",
                900 + k, x0 / W, y, (x0 + samp) / W, y, k + 1);
    sbuf_printf(b, "set label %d ", 900 + k);
    if (texts)
        fig_quote(b, FQ_STRING, texts[k]);
    else {
        sbuf tt = { 0 };
        fg_txt_scheme(&tt, st, s->schemes[k]);
        fg_put_text(b, &tt);
    }
    sbuf_printf(b, " at screen %.4f, screen %.4f left front\n", (x0 + samp + 0.12) / W, y);
    if (marks == 1)
        sbuf_printf(b, "set label %d '' at screen %.4f, screen %.4f point lt %d ps 0.6 front\n", 960 + k,
                    (x0 + samp / 2) / W, y, k + 1);
}

/* fg_key_row_texts, with a point of the scheme's type on each sample when
 * marks is 1 (for figures that draw points only), or each sample edged in
 * black when 2 (swatches of bars' fills). */
int fg_key_row_marks(sbuf *b, const plot_spec *s, const fig_style *st, double top_cm,
                     const char *const *texts, int marks)
{
    /* rows 9.6 pt apart in a short figure (its text's leading), else 11.3 */
    double W = st->width_cm, H = st->height_cm, line = (fg_compact(st) ? LINE_CM - 0.02 : 0.40) * st->font_pt / 8;
    int ns = s->nschemes;
    const char *t[OPTIONS_MAX_SCHEMES] = { 0 };
    for (int i = 0; i < ns; i++)
        t[i] = texts ? texts[i] : fg_scheme_title(s->schemes[i]);
    double cw, colw[OPTIONS_MAX_SCHEMES + 64] = { 0 };
    int cols = key_grid(st, t, ns, W - 0.2, &cw, colw);
    double total = 0;
    for (int i = 0; i < cols && i < ns; i++)
        total += cw > 0 ? colw[i] : fg_key_entry_cm(st, t[i]);
    double xs = (W - total + fg_key_gap_cm(st)) / 2, x0 = xs;
    for (int k = 0; k < ns; k++) {
        int row = k / cols;
        if (k % cols == 0)
            x0 = xs;
        double y = 1 - (top_cm + row * line) / H;
        key_entry(b, s, st, k, x0, y, texts, marks);
        x0 += cw > 0 ? colw[k % cols] : fg_key_entry_cm(st, t[k]);
    }
    return (ns + cols - 1) / cols;
}

/* The width (cm) of a key in one column (fg_key_column) of texts[i], or
 * of the schemes' names when texts is NULL. */
double fg_key_column_cm(const plot_spec *s, const fig_style *st, const char *const *texts)
{
    double w = 0;
    for (int i = 0; i < s->nschemes; i++)
        w = fmax(w, fg_key_entry_cm(st, texts ? texts[i] : fg_scheme_title(s->schemes[i])) - fg_key_gap_cm(st));
    return w;
}

/* Does the key's column (fg_key_column) fit a figure's height above its
 * x tic labels, and leave the plot at least 1.2 cm of width beside it (a
 * y axis with its tic labels and title: about 1.4 cm)? */
int fg_side_key_fits(const plot_spec *s, const fig_style *st, const char *const *texts)
{
    double line = LINE_CM * st->font_pt / 8 - 0.02;
    return s->nschemes > 1 && 0.5 * line + 0.05 + s->nschemes * line <= st->height_cm - 0.45 &&
           st->width_cm - fg_key_column_cm(s, st, texts) - 0.35 - 1.4 * st->font_pt / 8 >= 1.2;
}

/* The key in one column at the right edge of the figure, its first entry's
 * centre top_cm below the top, a line apart (9.6 pt at 8 pt: the text's
 * height and its line gap): for short figures whose key would take
 * several rows above the plot. Tags and marks as fg_key_row_marks. */
void fg_key_column(sbuf *b, const plot_spec *s, const fig_style *st, double top_cm, const char *const *texts,
                   int marks)
{
    double W = st->width_cm, H = st->height_cm, line = LINE_CM * st->font_pt / 8 - 0.02;
    double x0 = W - 0.05 - fg_key_column_cm(s, st, texts);
    for (int k = 0; k < s->nschemes; k++) {
        double y = 1 - (top_cm + k * line) / H;
        key_entry(b, s, st, k, x0, y, texts, marks);
    }
}

void fg_key_row(sbuf *b, const plot_spec *s, const fig_style *st, double top_cm)
{
    fg_key_row_texts(b, s, st, top_cm, NULL);
}
