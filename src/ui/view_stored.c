/*
 * view_stored.c - the stored scheme in the viewer (quant/stored.h): its
 * result, rug and per-channel numbers for a tensor, from the worker
 * (worker_want_stored: the pass reads the file, so it runs on the
 * worker's thread; "preparing the stored grid..." until it is there, the
 * reason when it fails), copied into the results beside the other
 * schemes; and the text of its format for the i overlay.
 *
 * Which grid and which values: a quantized tensor is measured on its own
 * grid (its own values: error 0 by construction, left out); in the pairs
 * viewer (ORIGINAL QUANTIZED) the original of a pair is measured on its
 * quantized tensor's grid (the nearest level of each value's group: the
 * error --compare reports as stored_nearest), so its mse, the curve
 * view's reference line and the per-channel errors are real.
 */
#include "config.h"
#include "ui/view_stored.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/stored_run.h"
#include "quant/eval.h"

int app_stored_index(const app *a)
{
    for (int i = 0; i < a->nschemes; i++)
        if (stored_is(a->schemes[i]))
            return i;
    return -1;
}

/* The item whose grid item's stored scheme uses (*ref: the item whose
 * values are measured, -1 its own); -1 with why set when there is none. */
static long grid_item(const app *a, size_t item, long *ref, const char **why)
{
    *ref = -1;
    *why = "not stored quantized (the stored grid is that of a quantized tensor's file)";
    if (!a->stored_has || item >= a->s.nitems)
        return -1;
    if (a->stored_has[item])
        return (long)item;
    if (!a->pairs || !a->pair_of || a->pair_of[item] < 0)
        return -1;
    const model_pair *p = &a->pairs->p[a->pair_of[item]];
    const session_item *it = &a->s.items[item];
    if (it->file != 0)
        return -1;
    if (p->perm || p->plus_one) {
        *why = "the pair's quantized side is stored in another layout (rows permuted or +1): "
               "the original is not measured on its grid";
        return -1;
    }
    for (size_t j = 0; j < a->s.nitems; j++)
        if (a->s.items[j].file == 1 && a->s.items[j].tensor == p->right) {
            if (!a->stored_has[j]) {
                *why = "the pair's quantized side is stored as floats: no stored grid";
                return -1;
            }
            if (app_item_tensor(a, j)->count != app_item_tensor(a, item)->count) {
                *why = "the pair's two sides differ in size: no value meets its level";
                return -1;
            }
            *ref = (long)item;
            return (long)j;
        }
    return -1;
}

static int job_of(const app *a, size_t item, const prep *p, int axis, worker_sjob *j, const char **why)
{
    long ref;
    long gi = grid_item(a, item, &ref, why);
    if (gi < 0)
        return -1;
    memset(j, 0, sizeof *j);
    j->item = (size_t)gi;
    j->ref = ref;
    j->normalize = a->cfg.normalize && p && eval_can_normalize(p);
    if (j->normalize) {
        j->mean = p->st.mean;
        j->std = p->st.std;
    }
    j->axis = axis;
    return 0;
}

prep_state app_stored_detail(app *a, size_t item, const prep *p, int axis, const stored_detail **d, const char **why)
{
    *d = NULL;
    worker_sjob j;
    if (job_of(a, item, p, axis, &j, why) < 0)
        return PS_FAILED;
    if (a->cfg.normalize && !p) {
        *why = "preparing the tensor...";
        return PS_RUNNING;
    }
    worker_want_stored(a->w, &j);
    prep_state st = worker_get_stored(a->w, &j, d);
    *why = "preparing the stored grid...";
    if (st == PS_DONE && !(*d)->res.ok) {
        *why = (*d)->res.err;
        return PS_FAILED;
    }
    return st == PS_DONE ? PS_DONE : PS_RUNNING;
}

const analyze_result *app_stored_result(app *a, size_t item, const prep *p)
{
    const stored_detail *d;
    const char *why;
    return app_stored_detail(a, item, p, -1, &d, &why) == PS_DONE ? &d->res : NULL;
}

int app_stored_any(const app *a, size_t item)
{
    long ref;
    const char *why;
    return grid_item(a, item, &ref, &why) >= 0;
}

size_t app_stored_rug(app *a, size_t item, const prep *p, const double **xs)
{
    const stored_detail *d;
    const char *why;
    *xs = NULL;
    if (app_stored_detail(a, item, p, -1, &d, &why) != PS_DONE)
        return 0;
    *xs = d->rug;
    return d->nrug;
}

void app_stored_fill(app *a, ui_calc *c, size_t item, const prep *p)
{
    int i = app_stored_index(a);
    if (i < 0)
        return;
    const stored_detail *d;
    const char *why;
    prep_state st = app_stored_detail(a, item, p, -1, &d, &why);
    if (st == PS_DONE) {
        c->res[i] = d->res;
        return;
    }
    analyze_result *r = &c->res[i];
    memset(r, 0, sizeof *r);
    r->scheme = STORED_NAME;
    r->opt_alpha = r->opt_mse = r->relative_to_uniform = r->gap_to_optimal_db = NAN;
    snprintf(r->err, sizeof r->err, "%s", why);
}

size_t app_stored_ulevels(app *a, size_t item, const prep *p, const double **u)
{
    const stored_detail *d;
    const char *why;
    *u = NULL;
    if (app_stored_detail(a, item, p, -1, &d, &why) != PS_DONE)
        return 0;
    *u = d->ulev;
    return d->nulev;
}
