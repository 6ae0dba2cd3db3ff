/*
 * par.h - one thread budget for the whole process (--jobs=N: N threads in
 * all).
 *
 * The budget counts threads doing work: the process's first thread holds
 * one slot from the start, and every other thread the engines start holds
 * one slot from par_acquire() until par_release(). Acquiring never waits:
 * it grants what is free right now (possibly nothing), and the work then
 * runs on fewer threads. So nested parallelism (the report's workers, each
 * preparing a tensor whose passes could use more threads) never exceeds
 * the budget: an inner pass gets only the slots nobody else holds.
 *
 * Engines that start threads themselves (the group engines, group.c and
 * gq.c) take a thread count from their caller (analyze_cfg.nthreads); the
 * caller holds that many slots minus its own for the duration.
 *
 * Results never depend on how many threads ran: work is cut into a fixed
 * number of parts and combined in part order by the caller.
 *
 * Thread-safe (one mutex). Until par_set_budget() is called the budget is
 * util_ncpus().
 */
#ifndef APOTVIEW_PAR_H
#define APOTVIEW_PAR_H

/* Threads in all (>= 1; larger values are cut to 1024). Call it before
 * starting work (slots already held stay held). */
void par_set_budget(int n);
int par_budget(void);
/* Up to k more threads (k <= 0: none); returns how many were granted. */
int par_acquire(int k);
void par_release(int k);

/* Run fn(ctx, part) once for every part in [0, nparts): on the calling
 * thread and on up to nparts - 1 more threads from the budget, each taking
 * the next part not yet taken. Returns when all parts are done. */
void par_run(int nparts, void (*fn)(void *ctx, int part), void *ctx);

/* For tests: the most slots held at once (the first thread included) since
 * the last par_reset_peak(), and the slots held now. */
int par_peak(void);
int par_in_use(void);
void par_reset_peak(void);

#endif
