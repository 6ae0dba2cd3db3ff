/* view_stored.h - the stored scheme in the viewer (view_stored.c). */
#ifndef APOTVIEW_UI_VIEW_STORED_H
#define APOTVIEW_UI_VIEW_STORED_H

#include "ui/app.h"

struct stored_detail;
/* The stored scheme's numbers for item (model/stored_run.h; per channel
 * along axis when axis >= 0) from the worker: PS_DONE with *d valid
 * until the next frame, PS_RUNNING while they are computed, PS_FAILED
 * with why (also set while running: "preparing..."). */
prep_state app_stored_detail(app *a, size_t item, const prep *p, int axis, const struct stored_detail **d,
                             const char **why);
/* 1 when item has a stored scheme: its own grid, or (pairs) its pair's. */
int app_stored_any(const app *a, size_t item);

/* Index of the stored scheme in a->schemes, or -1. */
int app_stored_index(const app *a);
/* The stored scheme's result for item, NULL when the tensor has none or
 * it is not computed yet. */
const analyze_result *app_stored_result(app *a, size_t item, const prep *p);
/* Put it into c->res at the stored scheme's index (when there is one):
 * the result, or ok 0 with "preparing the stored grid..." or the reason. */
void app_stored_fill(app *a, ui_calc *c, size_t item, const prep *p);

/* The stored levels the rug shows for item: every group's levels (a
 * spread sample of RUG_GROUPS groups for big tensors), x units; 0 when
 * it is not stored quantized. Valid until the next call. */
size_t app_stored_rug(app *a, size_t item, const prep *p, const double **xs);

/* The levels of the group view's rug for item (u over a group's level
 * range: quant/stored.h, stored_view_levels); 0 when none. */
size_t app_stored_ulevels(app *a, size_t item, const prep *p, const double **u);

#endif
