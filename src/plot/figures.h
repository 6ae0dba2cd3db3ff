/*
 * figures.h - internal to plot/: the data and the gnuplot commands of the
 * seven figure kinds, kept apart from the process and file handling in
 * plot.c.
 *
 * Data structure: a figure is a list of blocks. Each block becomes one
 * gnuplot datablock ($name << EOD) in the script and the same rows in the
 * CSV of --format=csv, so the two can never disagree. A row is (x, y), or
 * (x, y, z) in a block with a zseries (a band from y to z), plus
 * an optional label (a tensor name in the layers figure). The gnuplot
 * commands that draw the blocks are generated into a string buffer.
 *
 * Ownership: fig_data owns its blocks and rows (fig_data_free); labels point
 * into the plot_spec, which the caller keeps alive.
 */
#ifndef APOTVIEW_PLOT_FIGURES_H
#define APOTVIEW_PLOT_FIGURES_H

#include <stdio.h>
#include "core/strbuf.h"
#include "plot/plot.h"

/* Every string that is not a fixed literal reaches a script through
 * fig_quote (the rule: top of plot.c): a single-quoted gnuplot string
 * (FQ_STRING), the same as the text of a comment (FQ_COMMENT), or a
 * double-quoted datablock field (FQ_DATUM). */
typedef enum fig_ctx { FQ_STRING, FQ_COMMENT, FQ_DATUM } fig_ctx;
void fig_quote(sbuf *b, fig_ctx ctx, const char *s);
/* Whether fig_quote(FQ_STRING) keeps s exactly (a file name must be). */
int fig_quote_exact(const char *s);

/* Output formats, picked by the extension of the path. */
typedef enum plot_format {
    PF_PDF = 0, PF_PNG, PF_SVG, PF_EPS, PF_TEX, PF_GP, PF_UNKNOWN
} plot_format;

plot_format plot_format_of(const char *path);

/* A file that goes with the figure at path: path + ext (fig.pdf ->
 * fig.pdf.gp, fig.pdf.csv); a .gp export is its own script. Caller frees. */
char *plot_data_name(const char *path, const char *ext);

/* --size: single (8.5 cm), double (17.5 cm) or WxH in cm; *h = 0 when the
 * figure's default height applies. -1 when s is not one of those. */
int plot_parse_size(const char *s, double *w, double *h);

typedef struct fig_row {
    double x, y;
    double z;              /* a third column, for blocks with zseries */
    char *label;           /* owned; NULL, or a tensor name as the script
                              shows it (LaTeX-escaped for .tex) */
    const char *raw;       /* the same name as in the file (for CSV) */
} fig_row;

#define FIG_NO_BITS (-1000)
typedef struct fig_block {
    char name[40];         /* datablock name without '$' */
    const char *scheme;    /* NULL for blocks that belong to no scheme */
    const char *series;    /* what the rows are: count, level, mse, ... */
    const char *zseries;   /* NULL, or what z is: each row is then "x y z"
                              in the script and two CSV rows (series x y,
                              zseries x z) */
    int bits;              /* 0: the spec's bits; FIG_NO_BITS: none (CSV empty) */
    int is_unsigned;       /* the rows are of unsigned sets whatever the spec says */
    fig_row *rows;
    size_t n, cap;
} fig_block;

typedef struct fig_data {
    fig_block **b;          /* each block allocated on its own: pointers stay valid */
    int n;
} fig_data;

void fig_data_free(fig_data *d);

/* How text is written: gnuplot enhanced text, or LaTeX (cairolatex). */
typedef struct fig_style {
    plot_format fmt;
    int latex;
    int mono;
    double width_cm, height_cm;
    double font_pt;
} fig_style;

/* What a figure kind draws from: nothing (level sets), one prepared
 * tensor, every selected tensor's errors (layers), one tensor's values in
 * C order (channels), two tensors (compare), or the pairs of a --compare
 * of two files (damage). */
typedef enum fig_needs { FN_NONE, FN_TENSOR, FN_TENSORS, FN_RAW, FN_PAIR, FN_COMPARE, FN_PLAN } fig_needs;

/* One figure kind: its --figure name, what it needs, its default height
 * (cm) for a width, and the function that computes its data and writes
 * its plot commands. fig_kinds ends with a NULL name. */
typedef struct fig_kind {
    const char *name;
    plot_figure fig;
    fig_needs needs;
    double (*height)(const plot_spec *s, double width_cm);
    int (*build)(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *body, util_err *err);
} fig_kind;

extern const fig_kind fig_kinds[];
const fig_kind *fig_kind_of(plot_figure f);

/* Compute the figure's data and write its plot commands (everything after
 * the terminal/output lines and the datablocks) into body. -1 with err set
 * when the spec cannot be drawn. */
int figures_build(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *body,
                  util_err *err);

/* The default height (cm) of a figure kind for a given width. */
double figures_default_height(const plot_spec *s, double width_cm);

/* The data of a built figure as CSV (header + one row per data row). */
void figures_write_csv(FILE *fp, const plot_spec *s, const fig_data *d);

/* The whole script plot_export would write for s (s->path picks the
 * format), without running gnuplot or touching a file: for the tests and
 * the fuzzer. -1 with err set when the spec cannot be drawn. */
int plot_build_script(const plot_spec *s, sbuf *out, util_err *err);

/* plot_export that also writes the figure's data as CSV to csv (when not
 * NULL) once the figure has been written. */
int plot_export_csv(const plot_spec *s, FILE *csv, util_err *err);

#endif
