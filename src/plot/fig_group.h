/*
 * fig_group.h - internal to plot/: the group figure (fig_group.c), drawn
 * for --figure=histogram at a group or block granularity.
 */
#ifndef APOTVIEW_PLOT_FIG_GROUP_H
#define APOTVIEW_PLOT_FIG_GROUP_H

#include "plot/fig_common.h"

/* The figure's data and commands (as figures_build); needs s->raw (the
 * values in C order). */
int fig_group(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err);
/* Its default height (cm) for a width. */
double fig_group_height(const plot_spec *s, double width_cm);

#endif
