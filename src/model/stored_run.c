/* stored_run.c - the stored scheme of a session's tensor (stored_run.h). */
#include "config.h"
#include "model/stored_run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/grid.h"

int stored_run_any(session *s)
{
    for (size_t i = 0; i < s->nitems; i++)
        if (loader_has_grid(s->files[s->items[i].file], s->items[i].tensor))
            return 1;
    return 0;
}

int stored_run_add(const char **schemes, int *n, int max)
{
    for (int i = 0; i < *n; i++)
        if (stored_is(schemes[i]))
            return 0;
    if (*n >= max)
        return 0;
    schemes[(*n)++] = STORED_NAME;
    return 1;
}

typedef struct src {
    loader_file *f;
    size_t t;
    const float *buf;
} src;

static int read_src(void *ctx, uint64_t first, uint64_t n, float *dst)
{
    const src *s = ctx;
    if (s->buf) {
        memcpy(dst, s->buf + first, (size_t)n * sizeof *dst);
        return 0;
    }
    return loader_read_range(s->f, s->t, first, n, dst);
}

static int64_t weigh_src(void *ctx, uint64_t first, uint64_t n, grid_wpair *out)
{
    const src *s = ctx;
    return loader_weigh(s->f, s->t, first, n, out);
}

static void not_stored(analyze_result *out, const char *msg)
{
    memset(out, 0, sizeof *out);
    out->scheme = STORED_NAME;
    out->opt_alpha = out->opt_mse = out->relative_to_uniform = out->gap_to_optimal_db = NAN;
    snprintf(out->err, sizeof out->err, "%s", msg);
}

int stored_run(loader_file *f, size_t t, const analyze_cfg *cfg, const prep_stats *st, pthread_mutex_t *mu,
               analyze_result *out, gq_view *view)
{
    loader_grid g;
    util_err err = { { 0 } };
    if (mu)
        pthread_mutex_lock(mu);
    int have = loader_has_grid(f, t) && loader_grid_get(f, t, &g, &err) == 0;
    int ranged = have && loader_has_range(f, t);
    float *buf = NULL;
    if (have && !ranged)
        buf = session_read(f, t, 0, &err);
    if (mu)
        pthread_mutex_unlock(mu);
    if (!have || (!ranged && !buf)) {
        if (have)
            loader_grid_free(&g);
        not_stored(out, err.msg[0] ? err.msg
                                   : "not stored quantized (the stored grid is that of a quantized tensor's file)");
        return -1;
    }
    double m = 0, s = 1;
    if (cfg->normalize && st && st->n >= 2 && st->std > 0 && isfinite(st->std))
        m = st->mean, s = st->std;
    src sc = { f, t, buf };
    unsigned blck, wmax;
    int rc;
    if (!view && loader_weigh_info(f, t, &blck, &wmax) == 0)
        /* the census from the stored codes, counted group by group */
        rc = stored_analyze_weighted(&g, weigh_src, &sc, f->tensors[t].count, blck, wmax, m, s, out);
    else
        rc = stored_analyze(&g, read_src, &sc, f->tensors[t].count, m, s, 1, out, view);
    if (ranged)
        loader_release_tensor(f, t);
    free(buf);
    loader_grid_free(&g);
    return rc;
}

int stored_run_values(loader_file *f, size_t t, const float *vals, uint64_t count, analyze_result *out)
{
    loader_grid g;
    util_err err = { { 0 } };
    if (!loader_has_grid(f, t) || loader_grid_get(f, t, &g, &err) < 0) {
        not_stored(out, err.msg[0] ? err.msg : "not stored quantized");
        return -1;
    }
    src sc = { f, t, vals };
    int rc = stored_analyze(&g, read_src, &sc, count, 0, 1, 0, out, NULL);
    loader_grid_free(&g);
    return rc;
}
