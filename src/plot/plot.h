/*
 * plot.h - figures through gnuplot (the only module that talks to gnuplot).
 *
 * A plot_spec says what to draw; plot_export() writes the gnuplot script
 * with its data inline (datablocks) and the data as CSV next to the figure
 * (fig.pdf -> fig.pdf.gp, fig.pdf.csv),
 * runs gnuplot on it through a pipe with its output captured (never on the
 * terminal), writes the figure under a temporary name and renames it into
 * place, so a failed export leaves an existing file intact. It never
 * prints: every problem comes back in err (missing gnuplot: names the
 * Debian package; gnuplot errors: gnuplot's own message).
 *
 * Ownership: the spec and everything it points to belong to the caller.
 */
#ifndef APOTVIEW_PLOT_H
#define APOTVIEW_PLOT_H

#include "model/options.h"
#include "model/pairs.h"
#include "model/planview.h"
#include "quant/analyze.h"
#include "quant/group.h"
#include "quant/prep.h"

typedef enum plot_figure {
    FIG_HISTOGRAM = 0, /* histogram + level rugs + +-alpha, legend with mse */
    FIG_LEVELS,        /* level sets on a number line, one row per scheme */
    FIG_SWEEP,         /* mse against alpha per scheme, optimal alphas marked */
    FIG_BITS,          /* mse against bits 2..8 per scheme at optimal alpha */
    FIG_LAYERS,        /* per-tensor error per scheme, grouped bars */
    FIG_CHANNELS,      /* per-channel min..max sorted by range, outliers, mse per channel */
    FIG_COMPARE,       /* two tensors' histograms, mse of both, their difference */
    FIG_TRANSFER,      /* Q(x) staircases of the schemes at 3 and 4 bits, unsigned, alpha 1 */
    FIG_DAMAGE,        /* per-tensor SQNR of a quantized file against its original (two FILEs) */
    FIG_PLAN,          /* --plan's total error against bpw: frontier, single quantizers, the plan */
} plot_figure;

typedef struct plot_layer {
    const char *name;
    uint64_t count;
    double mse[OPTIONS_MAX_SCHEMES]; /* one per spec scheme, NAN if none */
    double sqnr[OPTIONS_MAX_SCHEMES]; /* dB, the same; what the figure draws */
    int series;            /* damage: the index of the stored type in
                              plot_spec.series (sqnr[0], mse[0] its values) */
} plot_layer;

typedef struct plot_spec {
    plot_figure figure;
    const char *path;          /* output; the extension picks the terminal */
    const char *size;          /* single|double|WxH (cm), NULL: single */
    const char *font;          /* NULL: default */
    int mono;                  /* greyscale with dash patterns */
    const char *colors;        /* NULL, or SCHEME:#RRGGBB,... overrides */
    int force;                 /* overwrite an existing file */
    analyze_cfg cfg;           /* bits, signed, normalize, alpha mode/value */
    const char *const *schemes;
    int nschemes;
    /* histogram / sweep / bits: the tensor */
    const prep *p;
    const char *tensor_name;
    const char *file_name;
    int log_counts;            /* histogram: log y axis */
    /* histogram of a quantized tensor: the stored scheme's result and the
     * levels of (a sample of) its groups, x units (quant/stored.h); NULL
     * and 0 otherwise */
    const struct analyze_result *stored_res;
    const double *stored_levels;
    size_t nstored_levels;
    /* layers */
    const plot_layer *layers;
    int nlayers;
    int layers_sorted;         /* --sort given: rows in that order, not grouped by block */
    /* damage: layers are the pairs of a compare (file_name: the original,
     * file_name2: the quantized file), coloured by their stored type */
    const char *const *series; /* the stored types (f16, q4_0, ...) */
    const double *series_bpw;  /* their count-weighted bits per weight */
    int nseries;
    /* channels: the tensor's values in C order (slices along cfg.axis,
     * group_channel_stats); compare: the same for both tensors, used for
     * the element-wise difference when both are there and the shapes
     * match (else the difference of the two histograms) */
    group_tensor raw;
    /* compare: the right-hand tensor (p, tensor_name, file_name: the left) */
    const prep *p2;
    const char *tensor_name2;
    const char *file_name2;
    group_tensor raw2;
    double alpha_right;        /* compare, --alpha=file: the right tensor's alpha */
    /* bits over a whole model (several tensors selected): per bit width
     * (LEVELS_MIN_BITS..MAX) and scheme the count-weighted MSE of all
     * model_tensors tensors, [(bits - MIN) * nschemes + i], NAN where a
     * tensor had no result; NULL: the bits of the tensor p */
    const double *model_mse;
    /* the same for the whole selection's SQNR (dB): all signal power over
     * all noise, sum(n_t * E[x^2]_t) / sum(n_t * mse_t) -- relative, so
     * tensors of different scale count by their share of the signal */
    const double *model_sqnr;
    int model_tensors;
    /* sweep, bits with --panels=COLSxROWS: a panel per tensor */
    const prep *const *panel_p;
    const char *const *panel_names;
    const double *panel_alpha;  /* --alpha=file: each tensor's; NULL otherwise */
    /* each panel's stored-scheme result (quant/stored.h; NULL: none) */
    const struct analyze_result *const *panel_stored;
    int npanels, panel_cols, panel_rows;
    /* plan (--plan=BPW MODEL --figure=plan): the plan (model/planview.h) */
    const struct model_plan *plan;
} plot_spec;

int plot_parse_figure(const char *name, plot_figure *out);
const char *plot_figure_name(plot_figure f);

/* Whether colors is a valid --colors value (SCHEME:#RRGGBB,...); -1 with
 * err set when not. */
int plot_check_colors(const char *colors, util_err *err);

/* Draw one figure. 0 on success; -1 with err set. */
int plot_export(const plot_spec *s, util_err *err);

/* Where the figures of a compare (damage) and of a plan get their data:
 * the front end that computes them (cli/) is passed in, so plot/ includes
 * nothing from cli/. */
typedef struct plot_sources {
    int (*pairs)(const cli_opts *o, compare_sink sink, void *ctx);
    int (*plan)(const cli_opts *o, plan_sink sink, void *ctx);
} plot_sources;

/* The --export mode: open the files of o, prepare the selected tensor(s)
 * and export. Returns the exit status. */
int plot_cli(const cli_opts *o, const plot_sources *src);

#endif
