/*
 * compare_best.c - a pair's best_at_same_bpw (compare.h): the apotview
 * quantizer with the lowest mse on the original tensor among those that
 * use no more bits per weight than the quantized side stores.
 *
 * Candidates (documented in the man page): uniform, pot, apot, int-asym
 * and nf4 (4 bits only) with one fp16 scale per group of 32, 64 or 128
 * values along the last axis (nf4: its fp32 absmax), each at the most bits
 * (2..8) that fit the budget (bits + scale bits / G, + 8 / G for
 * int-asym's zero point); and the fixed block formats mxfp4 (4.25), q4_0
 * (4.5) and q8_0 (8.5). Each group's alpha is its own MSE-optimal one
 * (--alpha=mse), on w itself (no -n), signed levels: the setting of
 * `apotview --report -s SCHEME -b BITS --granularity=group:G` on the
 * original tensor, through the same engine (group_analyze), so its mse is
 * the number that report prints. A candidate whose result's bpw exceeds
 * the budget is dropped.
 */
#include "config.h"
#include "cli/compare_priv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/par.h"
#include "model/session.h"
#include "quant/group.h"

static const char *const grouped[] = { "uniform", "pot", "apot", "int-asym", "nf4" };
#define NGROUPED (sizeof grouped / sizeof *grouped)
static const uint64_t gsizes[] = { 32, 64, 128 };

static void consider(cmp_best *b, const analyze_result *res, double budget, int bits)
{
    if (!res->ok || !(res->bpw <= budget + 1e-12) || !isfinite(res->r.mse))
        return;
    if (b->have && !(res->r.mse < b->mse))
        return;
    b->have = 1;
    b->scheme = res->scheme;
    b->bits = bits;
    b->granularity = res->granularity;
    b->scale_dtype = res->scale_dtype ? res->scale_dtype : "";
    b->bpw = res->bpw;
    b->mse = res->r.mse;
}

/* Run group_analyze for the schemes at these settings. */
static void run(cmp_best *b, const group_tensor *gt, const analyze_cfg *base, granularity gran, uint64_t g,
                int bits, const char *const *schemes, int n, double budget)
{
    if (n == 0)
        return;
    analyze_cfg cfg = *base;
    cfg.bits = bits;
    cfg.gran = gran;
    cfg.group = g;
    analyze_result res[NGROUPED + 3];
    int handled[NGROUPED + 3];
    memset(res, 0, sizeof res);
    memset(handled, 0, sizeof handled);
    util_err err = { { 0 } };
    if (group_analyze(gt, &cfg, schemes, n, res, handled, &err) < 0)
        return;
    for (int i = 0; i < n; i++)
        if (handled[i])
            consider(b, &res[i], budget, bits);
}

int compare_best(const cmp_run *r, const cmp_pair *p, cmp_best *b, util_err *err)
{
    memset(b, 0, sizeof *b);
    double budget = p->right_bpw;
    if (!(budget >= 2.0 + 16.0 / 128))
        return 0;             /* below every candidate: none */
    /* the original's values in C order (the experts one after another) */
    const loader_tensor *lt = &r->lf->tensors[p->left[0]];
    const loader_tensor *rt = &r->rf->tensors[p->right];
    int dbl = 0;
    for (int e = 0; e < p->nleft; e++)
        dbl |= !dtype_fits_float(r->lf->tensors[p->left[e]].dtype);
    size_t esz = dbl ? sizeof(double) : sizeof(float);
    unsigned char *vals = malloc((size_t)(p->count ? p->count : 1) * esz);
    if (!vals) {
        util_err_set(err, "%s: %s: out of memory for %llu values", r->lf->path, lt->name,
                     (unsigned long long)p->count);
        return -1;
    }
    for (int e = 0; e < p->nleft; e++) {
        void *one = session_read(r->lf, p->left[e], dbl, err);
        if (!one) {
            free(vals);
            return -1;
        }
        memcpy(vals + (size_t)e * lt->count * esz, one, (size_t)lt->count * esz);
        free(one);
        loader_release_tensor(r->lf, p->left[e]);
    }
    group_tensor gt = { vals, dbl, rt->ndim, rt->shape, p->count };
    analyze_cfg base = r->o->cfg;
    base.normalize = 0;
    base.is_signed = 1;
    base.amode = ALPHA_MSE;
    base.axis = 0;
    base.group_along_axis = 0;
    base.sdtype = SCALE_DEFAULT;
    base.no_gap = 1;
    int extra = p->count >= GROUP_THREAD_MIN ? par_acquire(par_budget() - 1) : 0;
    base.nthreads = 1 + extra;
    uint64_t cols = rt->ndim > 0 ? rt->shape[rt->ndim - 1] : 1;
    for (size_t k = 0; k < sizeof gsizes / sizeof *gsizes; k++) {
        uint64_t g = gsizes[k];
        if (cols < g)
            continue;
        /* per bits, the schemes whose budget allows exactly those bits */
        for (int bits = 2; bits <= 8; bits++) {
            const char *s[NGROUPED];
            int n = 0;
            for (size_t i = 0; i < NGROUPED; i++) {
                const char *nm = grouped[i];
                double over = (strcmp(nm, "nf4") == 0 ? 32.0 : 16.0) / (double)g +
                              (strcmp(nm, "int-asym") == 0 ? 8.0 / (double)g : 0.0);
                int most = (int)floor(budget - over + 1e-12);
                most = most > 8 ? 8 : most;
                if (strcmp(nm, "nf4") == 0 ? (bits == 4 && most >= 4) : most == bits)
                    s[n++] = nm;
            }
            run(b, &gt, &base, GRAN_GROUP, g, bits, s, n, budget);
        }
    }
    const char *mx4[] = { "mxfp4", "q4_0" }, *mx8[] = { "q8_0" };
    if (cols % 32 == 0) {
        run(b, &gt, &base, GRAN_TENSOR, 0, 4, mx4, 2, budget);
        run(b, &gt, &base, GRAN_TENSOR, 0, 8, mx8, 1, budget);
    }
    par_release(extra);
    free(vals);
    return 0;
}
