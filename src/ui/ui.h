/*
 * ui.h - the interactive viewer (the only part of apotview that uses
 * curses). ui_run() opens the files of o (or the bundled sample), runs the
 * viewer until the user quits and restores the terminal on every way out.
 *
 * Benchmark hook: with APOTVIEW_BENCH_KEYS=KEYS in the environment the
 * viewer draws on a virtual screen (APOTVIEW_BENCH_SIZE=COLSxROWS, default
 * 100x30; output goes to /dev/null, no terminal needed), waits for the
 * first tensor to be prepared, replays KEYS (each repeated
 * APOTVIEW_BENCH_REPEAT times, default 20) through the same dispatch and
 * redraw as real keys, and prints the preparation time and per-key
 * keypress-to-redraw times on stdout.
 */
#ifndef APOTVIEW_UI_H
#define APOTVIEW_UI_H

#include "model/options.h"
#include "model/pairs.h"
#include "model/planview.h"

/* Returns the exit status: 0, 1 when no file could be opened or the
 * terminal could not be used. */
int ui_run(const cli_opts *o);
/* The viewer on the pairs of an original (o->files[0]) and its quantized
 * form (o->files[1]) as the compare found them: the list shows each
 * pair's damage (SQNR, mse) and sorts by it, D shows the pair on one
 * axis with the element-wise error histogram. */
int ui_run_pairs(const cli_opts *o, const model_pairs *mp);

/* The viewer on a plan (--plan=BPW MODEL on a terminal): the list of the
 * planned tensors with their chosen quantizers (model/planview.h). */
int ui_run_plan(const cli_opts *o, const model_plan *plan);

#endif
