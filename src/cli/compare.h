/*
 * compare.h - --compare ORIGINAL QUANTIZED (interface.md, issue 15): every
 * tensor of the original paired by name with its form in the quantized
 * file (names mapped through model/namemap.h; llama.cpp's q/k row
 * permutation, Gemma's norm + 1 and stacked MoE experts undone), and per
 * pair the error of the quantized values against the original: mse,
 * sqnr_db, cosine, max_abs_err, with the stored type and bits per weight,
 * sorted by damage (lowest SQNR first); count-weighted totals; the
 * tensors left unmatched on either side; table, JSON or CSV. Per pair also
 * best_at_same_bpw (compare_best.c): the apotview quantizer with the
 * lowest mse on the original at no more bits per weight (--no-best: not).
 *
 * Files: compare.c pairs and computes, compare_best.c the best quantizer,
 * compare_out.c the three formats; compare_priv.h their shared structs.
 *
 * Streaming: one pair at a time; each side is read in row chunks straight
 * from the mapped file (plain types converted in place, block-quantized
 * types through loader_read_range) by all threads of the budget, and the
 * pair's pages are released afterwards. Only a tensor with neither path
 * (compressed or Fortran-ordered storage) is read whole.
 *
 * Sums are double-double (core/util.h dd) over chunks of doubles, so the
 * metrics do not depend on the thread count.
 */
#ifndef APOTVIEW_CLI_COMPARE_H
#define APOTVIEW_CLI_COMPARE_H

#include "model/options.h"
#include "model/pairs.h"

/* Run the compare of o->files[0] (original) against o->files[1]. Returns
 * the exit status (0; 1 when a file or a pair could not be read). */
int compare_run(const cli_opts *o);

/* The compare of compare_run without best_at_same_bpw and without output:
 * the pairs in the original's order go to sink (its return value is
 * returned; 1 when a file or a pair could not be read and sink returned 0). */
int compare_collect(const cli_opts *o, compare_sink sink, void *ctx);
/* The same pairs and metrics (without best_at_same_bpw), for the viewer:
 * out filled (model_pairs_free), sorted by damage. -1 when a file cannot
 * be opened (said on stderr), else 0, or 1 when a pair failed (its error
 * set). */
int compare_pairs(const cli_opts *o, model_pairs *out);
/* Does either of o's two files hold quantized tensors? (0 when it cannot
 * be opened: the viewer says why) */
int compare_is_quantized(const cli_opts *o);

#endif
