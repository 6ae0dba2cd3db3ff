/*
 * fig_common.h - internal to plot/: what the figure kinds share
 * (fig_common.c) and their build functions, which fig_kinds (figures.c)
 * lists. Every string a kind puts into a script goes through fig_quote or
 * the fg_put_text/fg_txt_* helpers built on it (the rule: top of plot.c).
 */
#ifndef APOTVIEW_PLOT_FIG_COMMON_H
#define APOTVIEW_PLOT_FIG_COMMON_H

#include "plot/figures.h"

#define NELEM(a) ((int)(sizeof(a) / sizeof *(a)))
/* One line of text, cm, at 8 pt (9.6 pt of line spacing and a little). */
#define LINE_CM 0.36

fig_block *fg_add_block(fig_data *d, const char *name, const char *scheme, const char *series);
fig_row *fg_add_row(fig_block *k, double x, double y);
size_t fg_utf8_len(const unsigned char *s);
char *fg_latex_escape(const char *s);
char *fg_row_label(const fig_style *st, const char *name);
char *fg_tic_label(const char *s);
const char *fg_scheme_title(const char *s);
void fg_txt_scheme(sbuf *t, const fig_style *st, const char *s);
void fg_txt_alpha(sbuf *t, const fig_style *st);
void fg_txt_num(sbuf *t, const fig_style *st, double v);
void fg_put_text(sbuf *b, sbuf *t);
int fg_scheme_slot(const plot_spec *s, int i);
int fg_colour_override(const char *colors, const char *name, char *out);
void fg_scheme_rgb(const plot_spec *s, const fig_style *st, int i, char *out);
void fg_scheme_text_rgb(const plot_spec *s, const fig_style *st, int i, char *out);
void fg_put_tc(sbuf *b, const plot_spec *s, const fig_style *st, int i);
void fg_txt_colour(sbuf *t, const plot_spec *s, const fig_style *st, int i, int open);
void fg_set_styles(sbuf *b, const plot_spec *s, const fig_style *st);
void fg_put_fill(sbuf *b, const plot_spec *s, const fig_style *st, int i);
double fg_text_cm(size_t n, const fig_style *st);
size_t fg_vis_len(const char *t);
int fg_compact(const fig_style *st);
double fg_key_samp_cm(const fig_style *st);
double fg_key_gap_cm(const fig_style *st);
double fg_key_entry_cm(const fig_style *st, const char *text);
int fg_key_cols(const fig_style *st, const char *const *texts, int n, double width_cm, double *cw);
int fg_key_rows_of(const fig_style *st, const char *const *texts, int n, double width_cm);
int fg_key_rows(const plot_spec *s, const fig_style *st, double width_cm);
int fg_key_row_texts(sbuf *b, const plot_spec *s, const fig_style *st, double top_cm,
                         const char *const *texts);
int fg_key_row_marks(sbuf *b, const plot_spec *s, const fig_style *st, double top_cm,
                     const char *const *texts, int marks);
void fg_key_row(sbuf *b, const plot_spec *s, const fig_style *st, double top_cm);
int fg_side_key_fits(const plot_spec *s, const fig_style *st, const char *const *texts);
double fg_key_column_cm(const plot_spec *s, const fig_style *st, const char *const *texts);
void fg_key_column(sbuf *b, const plot_spec *s, const fig_style *st, double top_cm, const char *const *texts,
                   int marks);
void fg_set_log_ytics(sbuf *b, const fig_style *st, double lo, double hi, double len_cm);
double fg_nice_step(double range, double len_cm, double per_cm);
double fg_tick_step(double lo, double hi, double len_cm, const fig_style *st, int across);
void fg_set_xstep(sbuf *b, const fig_style *st, double lo, double hi, double area_cm);
void fg_row_labels(sbuf *b, const plot_spec *s, const fig_style *st, const char *const *names,
                       const double *mse);
double fg_xlo_of(const plot_spec *s);
double fg_xhi_of(const plot_spec *s);
const char *fg_x_label(const plot_spec *s, const fig_style *st);
int fg_need_tensor(const plot_spec *s, util_err *err);
char *fg_shorten_left(const char *name, size_t maxc);
int fg_block_type(const char *name, long *block, char **type, char **group);
/* one notation for every number of a figure (fg_num_mode over them all) */
typedef enum fg_numfmt { FG_NUM_AUTO = 0, FG_NUM_FIXED, FG_NUM_SCI } fg_numfmt;
fg_numfmt fg_num_mode(const double *v, int n);
void fg_txt_num_as(sbuf *t, const fig_style *st, double v, fg_numfmt mode);

/* The kinds (their entries in fig_kinds). */
int fig_histogram(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err);
int fig_levels(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err);
int fig_transfer(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err);
int fig_sweep(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err);
int fig_bits(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err);
int fig_layers(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err);
int fig_channels(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err);
int fig_compare(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err);
/* layers of up to LAYERS_BARS_MAX tensors and the damage figure (fig_layers.c) */
int fig_damage(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err);
double fg_layers_height(const plot_spec *s, double width_cm);
/* the planner's error against bpw (fig_plan.c), and its height */
int fig_plan(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err);
double fg_plan_height(const plot_spec *s, double width_cm);
/* layers of a whole model (fig_heat.c): the SQNR heatmap, and its height */
#define LAYERS_BARS_MAX 40
int fig_layers_heat(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err);
double fg_heat_height(const plot_spec *s, double width_cm);
/* several tensors in panels (fig_panels.c): sweep and bits */
int fig_panels(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err);
double fg_panels_height(const plot_spec *s, double width_cm);

#endif
