/*
 * prep.c - the engine interface (prep.h): dispatch, the engine registry,
 * and the query object that holds what an analysis accumulates.
 */
#include "config.h"
#include "quant/prep.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const prep_ops *const engines[] = { &prep_sorted_ops, &prep_hist_ops, &prep_group_ops };
#define NENGINES (sizeof engines / sizeof *engines)

const prep_ops *prep_engine_pick(const char *name, unsigned need, uint64_t count)
{
    const prep_ops *best = NULL, *lowest = NULL;
    for (size_t i = 0; i < NENGINES; i++) {
        const prep_ops *e = engines[i];
        if ((e->caps & need) != need)
            continue;
        if (name && strcmp(name, e->name) == 0)
            return e;
        if (e->auto_from <= count && (!best || e->auto_from > best->auto_from))
            best = e;
        if (!lowest || e->auto_from < lowest->auto_from)
            lowest = e;
    }
    return best ? best : lowest;
}

void prep_free(prep *p)
{
    if (p)
        p->ops->free(p);
}

uint64_t prep_rank_lt(const prep *p, double w)
{
    if (isnan(w))
        return 0;
    return p->ops->rank(p, w, 0);
}

uint64_t prep_rank_le(const prep *p, double w)
{
    if (isnan(w))
        return 0;
    return p->ops->rank(p, w, 1);
}

void prep_range_sums(const prep *p, uint64_t i, uint64_t j, dd *s1, dd *s2)
{
    dd z = { 0, 0 };
    *s1 = z;
    *s2 = z;
    if (j <= i)
        return;
    p->ops->sums(p, NULL, i, j, 0, s1, s2);
}

uint64_t prep_state_hash(const prep *p)
{
    uint64_t h = prep_hash(0, p, sizeof *p);
    return p->ops->state_hash ? p->ops->state_hash(p) ^ h : h;
}

/* ---- queries ------------------------------------------------------------ */

typedef struct prep_memo {
    struct prep_memo *next;
    uint64_t key;
    size_t n;
    double v[];
} prep_memo;

prep_query *prep_query_new(const prep *p)
{
    prep_query *q = util_calloc(1, sizeof *q);
    q->p = p;
    return q;
}

void prep_query_free(prep_query *q)
{
    if (!q)
        return;
    while (q->memo) {
        prep_memo *m = q->memo;
        q->memo = m->next;
        free(m);
    }
    if (q->eng && q->eng_free)
        q->eng_free(q->eng);
    free(q);
}

void prep_query_record(prep_query *q, int on)
{
    if (q)
        q->recording = on;
}

int prep_query_resolve(prep_query *q, util_err *err)
{
    if (!q || !q->p->ops->resolve)
        return 0;
    return q->p->ops->resolve(q->p, q, err);
}

uint64_t prep_query_misses(const prep_query *q)
{
    return q ? q->misses : 0;
}

uint64_t prep_hash(uint64_t h, const void *data, size_t len)
{
    const unsigned char *b = data;
    if (!h)
        h = 14695981039346656037ull;
    for (size_t i = 0; i < len; i++) {
        h ^= b[i];
        h *= 1099511628211ull;
    }
    return h;
}

int prep_query_memo_get(const prep_query *q, uint64_t key, double *v, size_t n)
{
    if (!q)
        return -1;
    for (const prep_memo *m = q->memo; m; m = m->next)
        if (m->key == key && m->n == n) {
            memcpy(v, m->v, n * sizeof *v);
            return 0;
        }
    return -1;
}

void prep_query_memo_put(prep_query *q, uint64_t key, const double *v, size_t n)
{
    if (!q)
        return;
    prep_memo *m = util_calloc(1, sizeof *m + n * sizeof *v);
    m->key = key;
    m->n = n;
    memcpy(m->v, v, n * sizeof *v);
    m->next = q->memo;
    q->memo = m;
}
