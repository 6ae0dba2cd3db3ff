/*
 * fig_stored.h - the stored scheme (a quantized tensor's own grid,
 * quant/stored.h) in the sweep and bits figures and their panels
 * (fig_stored.c). Pure: it reads the results plot/cli.c put into the
 * spec (stored_res, panel_stored), never a file.
 *
 * The stored grid has no alpha and one bit width, the file's true bits
 * per weight: in a sweep (MSE against alpha) its MSE on the values is a
 * horizontal line, drawn when there is one (measured on other values; on
 * the file's own values it is 0 by construction and only the key names
 * it); in the bits figure it is one point at x = its bpw (its MSE, none
 * on its own values) and a dotted vertical line at that bpw, so that
 * each scheme's curve can be read at the file's size.
 */
#ifndef APOTVIEW_PLOT_FIG_STORED_H
#define APOTVIEW_PLOT_FIG_STORED_H

#include "plot/fig_common.h"

/* The stored result of scheme i of s for panel k (-1: the single
 * tensor's, stored_res), NULL when scheme i is not the stored grid or the
 * tensor has none. */
const analyze_result *fg_stored_res(const plot_spec *s, int i, int k);

/* sweep: scheme i's block k (series mse): a flat line at its MSE / dv over
 * [0, amax] when it has one (ymin, ymax widened); 1 when scheme i is the
 * stored grid (nothing else to compute for it). */
int fg_stored_sweep(const plot_spec *s, int i, int k, double amax, double dv, fig_block *blk, double *ymin,
                    double *ymax);

/* bits: its point (bpw, MSE / dv) in blk; 1 when scheme i is the stored grid. */
int fg_stored_bits(const plot_spec *s, int i, int k, double dv, fig_block *blk, double *ymin, double *ymax);

/* bits: the dotted vertical line (arrow tag) at the stored grid's bpw with
 * its label, in scheme i's line type, for panel k (-1: the single figure);
 * nothing when there is none. *xmax widened to hold it. */
void fg_stored_bits_mark(sbuf *b, const plot_spec *s, const fig_style *st, int k, int tag, double *xmax);

/* The key text of scheme i: "stored q4_k, 4.5 bpw" (t gets it; 0 when
 * scheme i is not the stored grid). */
int fg_stored_key(sbuf *t, const plot_spec *s, const fig_style *st, int i);

#endif
