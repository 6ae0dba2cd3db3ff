/*
 * compare_stored.c - a pair's stored_nearest (compare_priv.h): the
 * original values rounded to the nearest level of the quantized tensor's
 * own grid (quant/stored.h: each value to its group's levels, with the
 * scales the file stores), beside the file's actual error. Their
 * difference is what the quantizer's own rounding (GPTQ's error feedback,
 * a searched rounding) did beyond nearest rounding on its grid.
 */
#include "config.h"
#include "cli/compare_priv.h"

#include <stdlib.h>

#include "model/session.h"
#include "model/stored_run.h"

void compare_stored(const cmp_run *r, cmp_pair *p)
{
    p->stored_have = 0;
    if (p->error || p->nleft != 1 || p->perm || p->plus_one || !loader_has_grid(r->rf, p->right))
        return;
    const loader_tensor *lt = &r->lf->tensors[p->left[0]], *rt = &r->rf->tensors[p->right];
    if (lt->count != rt->count || !lt->readable)
        return;
    util_err err = { { 0 } };
    float *v = session_read(r->lf, p->left[0], 0, &err);
    if (!v)
        return;
    analyze_result res;
    if (stored_run_values(r->rf, p->right, v, lt->count, &res) == 0 && res.ok) {
        p->stored_have = 1;
        p->stored_mse = res.r.mse;
        p->stored_sqnr_db = res.r.sqnr_db;
        p->stored_max_abs_err = res.r.max_abs_err;
    }
    free(v);
}
