/*
 * prep_group.h - the group engine (group.c, gq.c) behind the prep
 * interface (prep.h): a thin adapter.
 *
 * Per-channel, per-group and per-block scales and the MX block formats
 * need the values in C order, which a per-tensor engine no longer has once
 * it has sorted them in place. So the group engine's prep is built in two
 * steps: prep_create_group() runs the group analysis (group_analyze,
 * group_analyze_codes) on the values where they are and keeps its results;
 * prep_group_attach() then adds the per-tensor engine's prep of the same
 * values (sorted, or histogram for 2-byte codes read in place), which it
 * owns from then on. Ranks, sums and values are that engine's (the group
 * prep delegates them, and its caps are that engine's plus
 * PREP_CAP_GROUP); analyze_tensor() on it returns the group results for
 * the schemes the group engine handles and the per-tensor engine's for the
 * others, with gap_to_optimal_db and relative_to_uniform from the
 * per-tensor engine (group_finish_q).
 *
 * Data: the results (one per scheme, the schemes' order at creation) and
 * the inner prep; written by the two constructors, read only afterwards
 * (analyze_tensor works on a copy of the results).
 */
#ifndef APOTVIEW_PREP_GROUP_H
#define APOTVIEW_PREP_GROUP_H

#include "quant/group.h"
#include "quant/prep.h"

/* The group analysis of t (codes may be NULL: t->vals) under cfg for the
 * schemes (at most PREP_GROUP_MAX). t is read now, not kept. A problem
 * common to all schemes (group_analyze < 0) is kept and returned by
 * analyze_tensor. Not usable before prep_group_attach(). */
#define PREP_GROUP_MAX 64
prep *prep_create_group(const group_tensor *t, const group_codes *codes, const analyze_cfg *cfg,
                        const char *const *schemes, int nschemes);
/* The per-tensor prep of the same values (taken over; freed with g). */
void prep_group_attach(prep *g, prep *inner);

#endif
