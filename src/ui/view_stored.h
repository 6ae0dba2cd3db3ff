/* view_stored.h - the stored scheme in the viewer (view_stored.c). */
#ifndef APOTVIEW_UI_VIEW_STORED_H
#define APOTVIEW_UI_VIEW_STORED_H

#include "ui/app.h"

/* Index of the stored scheme in a->schemes, or -1. */
int app_stored_index(const app *a);
/* The stored scheme's result for item (cached per item and -n), NULL when
 * the tensor is not stored quantized. */
const analyze_result *app_stored_result(app *a, size_t item, const prep *p);
/* Put it into c->res at the stored scheme's index (when there is one). */
void app_stored_fill(app *a, ui_calc *c, size_t item, const prep *p);

/* The stored levels the rug shows for item: every group's levels (a
 * spread sample of RUG_GROUPS groups for big tensors), x units; 0 when
 * it is not stored quantized. Valid until the next call. */
size_t app_stored_rug(app *a, size_t item, const prep *p, const double **xs);

/* The levels of the group view's rug for item (u over a group's level
 * range: quant/stored.h, stored_view_levels); 0 when none. */
size_t app_stored_ulevels(app *a, size_t item, const prep *p, const double **u);

#endif
