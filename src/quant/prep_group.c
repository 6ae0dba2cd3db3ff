/* prep_group.c - the group engine behind the prep interface (prep_group.h). */
#include "config.h"
#include "quant/prep_group.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct gprep {
    prep p;                /* the interface's part: a copy of inner's */
    prep *inner;           /* the per-tensor engine (owned) */
    int nschemes;
    analyze_result res[PREP_GROUP_MAX];
    int handled[PREP_GROUP_MAX];
    int failed;            /* group_analyze failed for all schemes: msg */
    char msg[UTIL_ERRLEN];
} gprep;

static const prep *in(const prep *p)
{
    return ((const gprep *)p)->inner;
}

static uint64_t g_rank(const prep *p, double w, int le)
{
    return in(p)->ops->rank(in(p), w, le);
}

static uint64_t g_rank_x(const prep *p, prep_query *q, double m, double s, double bx, int le,
                         int full)
{
    return in(p)->ops->rank_x(in(p), q, m, s, bx, le, full);
}

static void g_sums(const prep *p, prep_query *q, uint64_t i, uint64_t j, int full, dd *s1, dd *s2)
{
    in(p)->ops->sums(in(p), q, i, j, full, s1, s2);
}

static double g_value(const prep *p, prep_query *q, uint64_t i, int full)
{
    return in(p)->ops->value(in(p), q, i, full);
}

static int g_resolve(const prep *p, prep_query *q, util_err *err)
{
    return in(p)->ops->resolve ? in(p)->ops->resolve(in(p), q, err) : 0;
}

static int g_analyze(const prep *p, prep_query *q, const analyze_cfg *cfg,
                     const char *const *schemes, int nschemes, int want_opt, analyze_result *out,
                     util_err *err)
{
    const gprep *g = (const gprep *)p;
    if (g->failed) {
        util_err_set(err, "%s", g->msg);
        return -1;
    }
    if (nschemes != g->nschemes) {
        util_err_set(err, "the group engine was prepared for %d schemes, not %d", g->nschemes,
                     nschemes);
        return -1;
    }
    /* per tensor: the schemes the group engine does not handle (the
     * others' results are replaced below) */
    if (cfg->gran == GRAN_TENSOR &&
        analyze_tensor_q(g->inner, q, cfg, schemes, nschemes, want_opt, out, err) < 0)
        return -1;
    analyze_result res[PREP_GROUP_MAX];
    memcpy(res, g->res, (size_t)nschemes * sizeof *res);
    group_finish_q(g->inner, q, cfg, res, g->handled, nschemes);
    for (int i = 0; i < nschemes; i++)
        if (g->handled[i])
            out[i] = res[i];
    return 0;
}

static uint64_t g_hash(const prep *p)
{
    const gprep *g = (const gprep *)p;
    uint64_t h = prep_hash(0, g, sizeof *g);
    return g->inner ? h ^ prep_state_hash(g->inner) : h;
}

static void g_free(prep *p)
{
    gprep *g = (gprep *)p;
    prep_free(g->inner);
    free(g);
}

const prep_ops prep_group_ops = {
    .name = "group",
    /* what it can answer with the sorted engine inside */
    .caps = PREP_CAP_GROUP | PREP_CAP_EXACT | PREP_CAP_DOUBLE | PREP_CAP_LARGE,
    .auto_from = UINT64_MAX,   /* only where its capability is needed */
    .rank = g_rank,
    .rank_x = g_rank_x,
    .sums = g_sums,
    .value = g_value,
    .resolve = g_resolve,
    .analyze = g_analyze,
    .state_hash = g_hash,
    .free = g_free,
};

prep *prep_create_group(const group_tensor *t, const group_codes *codes, const analyze_cfg *cfg,
                        const char *const *schemes, int nschemes)
{
    gprep *g = util_calloc(1, sizeof *g);
    g->p.ops = &prep_group_ops;
    g->p.caps = PREP_CAP_GROUP;
    if (nschemes > PREP_GROUP_MAX) {
        g->failed = 1;
        snprintf(g->msg, sizeof g->msg, "at most %d schemes", PREP_GROUP_MAX);
        return &g->p;
    }
    g->nschemes = nschemes;
    util_err e = { { 0 } };
    if (group_analyze_codes(t, codes, cfg, schemes, nschemes, g->res, g->handled, &e) < 0) {
        g->failed = 1;
        snprintf(g->msg, sizeof g->msg, "%s", e.msg);
    }
    return &g->p;
}

void prep_group_attach(prep *gp, prep *inner)
{
    gprep *g = (gprep *)gp;
    g->inner = inner;
    g->p = *inner;
    g->p.ops = &prep_group_ops;
    g->p.caps = inner->caps | PREP_CAP_GROUP;
}
