/* par.c - the thread budget (par.h). */
#include "config.h"
#include "core/par.h"
#include "core/util.h"

#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int budget;           /* 0: not set yet (util_ncpus() on first use) */
static int in_use = 1;       /* the first thread */
static int peak = 1;

static void ensure_budget(void)
{
    if (budget == 0) {
        budget = util_ncpus();
        if (budget < 1)
            budget = 1;
    }
}

void par_set_budget(int n)
{
    pthread_mutex_lock(&mu);
    budget = n < 1 ? 1 : n > 1024 ? 1024 : n;
    pthread_mutex_unlock(&mu);
}

int par_budget(void)
{
    pthread_mutex_lock(&mu);
    ensure_budget();
    int b = budget;
    pthread_mutex_unlock(&mu);
    return b;
}

int par_acquire(int k)
{
    if (k <= 0)
        return 0;
    pthread_mutex_lock(&mu);
    ensure_budget();
    int free_ = budget - in_use;
    int g = k < free_ ? k : free_;
    if (g < 0)
        g = 0;
    in_use += g;
    if (in_use > peak)
        peak = in_use;
    pthread_mutex_unlock(&mu);
    return g;
}

void par_release(int k)
{
    if (k <= 0)
        return;
    pthread_mutex_lock(&mu);
    in_use -= k;
    if (in_use < 1)
        in_use = 1;
    pthread_mutex_unlock(&mu);
}

int par_peak(void)
{
    pthread_mutex_lock(&mu);
    int p = peak;
    pthread_mutex_unlock(&mu);
    return p;
}

int par_in_use(void)
{
    pthread_mutex_lock(&mu);
    int p = in_use;
    pthread_mutex_unlock(&mu);
    return p;
}

void par_reset_peak(void)
{
    pthread_mutex_lock(&mu);
    peak = in_use;
    pthread_mutex_unlock(&mu);
}

typedef struct run {
    void (*fn)(void *ctx, int part);
    void *ctx;
    int nparts;
    int next;                /* the next part nobody has taken */
    pthread_mutex_t mu;
} run;

static void *run_parts(void *arg)
{
    run *r = arg;
    for (;;) {
        pthread_mutex_lock(&r->mu);
        int i = r->next < r->nparts ? r->next++ : -1;
        pthread_mutex_unlock(&r->mu);
        if (i < 0)
            return NULL;
        r->fn(r->ctx, i);
    }
}

void par_run(int nparts, void (*fn)(void *ctx, int part), void *ctx)
{
    if (nparts <= 0)
        return;
    if (nparts == 1) {
        fn(ctx, 0);
        return;
    }
    run r = { fn, ctx, nparts, 0, PTHREAD_MUTEX_INITIALIZER };
    int g = par_acquire(nparts - 1);
    pthread_t *th = g ? util_calloc((size_t)g, sizeof *th) : NULL;
    int started = 0;
    for (int t = 0; t < g; t++) {
        if (pthread_create(&th[t], NULL, run_parts, &r) != 0)
            break;
        started++;
    }
    par_release(g - started);   /* threads that could not start */
    run_parts(&r);
    for (int t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    par_release(started);
    free(th);
    pthread_mutex_destroy(&r.mu);
}
