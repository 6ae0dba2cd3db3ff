/*
 * test_iface.c - the engine interface (prep.h), the thread budget (par.h)
 * and the leftovers of issue 11 part 1, against truths computed here: the
 * threads of the process counted in /proc/self/task, hand-computed error
 * figures, and the engines against each other where they overlap.
 */
#include "config.h"
#include "qtest.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>

#include "core/par.h"
#include "quant/analyze.h"
#include "quant/eval.h"
#include "quant/group.h"
#include "quant/levels.h"
#include "quant/lloyd.h"

/* ---- the thread budget ---------------------------------------------- */

/* Threads of this process, as the kernel lists them. */
static int task_count(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static pthread_mutex_t seen_mu = PTHREAD_MUTEX_INITIALIZER;
static int seen_max;

/* A converting source whose callback (run on the pass threads) notes how
 * many threads the process has while it runs. */
static void conv_count(void *ctx, uint64_t first, uint64_t n, float *dst)
{
    const float *v = ctx;
    memcpy(dst, v + first, n * sizeof *dst);
    int t = task_count();
    pthread_mutex_lock(&seen_mu);
    if (t > seen_max)
        seen_max = t;
    pthread_mutex_unlock(&seen_mu);
}

typedef struct sampler {
    int stop, max;
} sampler;

static void *sample_tasks(void *arg)
{
    sampler *sp = arg;
    while (!__atomic_load_n(&sp->stop, __ATOMIC_SEQ_CST)) {
        int t = task_count();
        if (t > sp->max)
            sp->max = t;
    }
    return NULL;
}

static void test_budget_counts(void **st)
{
    (void)st;
    par_set_budget(3);
    assert_int_equal(par_budget(), 3);
    assert_int_equal(par_in_use(), 1);
    assert_int_equal(par_acquire(5), 2);   /* 3 in all, this thread included */
    assert_int_equal(par_acquire(1), 0);
    par_release(1);
    assert_int_equal(par_acquire(4), 1);
    par_release(2);
    assert_int_equal(par_in_use(), 1);
    assert_int_equal(par_acquire(0), 0);
    par_set_budget(1);
    assert_int_equal(par_acquire(1), 0);
}

static void test_budget_limits_passes(void **st)
{
    (void)st;
    if (task_count() != 1)
        skip();   /* the count below needs a single-threaded start */
    size_t n = 1u << 18;
    float *v = malloc(n * sizeof *v);
    qt_rng r = { 7 };
    for (size_t i = 0; i < n; i++)
        v[i] = (float)qt_gauss(&r);
    for (int budget = 1; budget <= 2; budget++) {
        par_set_budget(budget);
        par_reset_peak();
        seen_max = 0;
        prep_source src = { NULL, conv_count, v, n, NULL, NULL };
        util_err e = { { 0 } };
        /* 4 parts per pass: on budget threads */
        prep *p = prep_create_summary(&src, 4, &e);
        assert_non_null(p);
        const char *sch[] = { "uniform" };
        analyze_cfg cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.bits = 4;
        cfg.is_signed = 1;
        cfg.amode = ALPHA_MSE;
        analyze_result res;
        assert_int_equal(analyze_tensor(p, &cfg, sch, 1, 0, &res, &e), 0);
        assert_true(res.ok);
        prep_free(p);
        assert_int_equal(seen_max, budget);
        assert_int_equal(par_peak(), budget);
        assert_int_equal(task_count(), 1);
    }
    /* the sort and the group engine under a budget of 1 (and a thread
     * count of 1): no thread besides this one and a sampler that watches
     * the process's task list meanwhile */
    par_set_budget(1);
    size_t m = (size_t)1 << 22;
    float *big = malloc(m * sizeof *big);
    qt_rng r2 = { 9 };
    for (size_t i = 0; i < m; i++)
        big[i] = (float)qt_gauss(&r2);
    sampler sp = { 0, 0 };
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, sample_tasks, &sp), 0);
    uint64_t shape[2] = { 2048, 2048 };
    group_tensor gt = { big, 0, 2, shape, m };
    analyze_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.bits = 4;
    cfg.is_signed = 1;
    cfg.amode = ALPHA_MAX;
    cfg.gran = GRAN_CHANNEL;
    cfg.nthreads = 1;
    const char *sch[] = { "uniform" };
    analyze_result res;
    int handled = 0;
    util_err e = { { 0 } };
    assert_int_equal(group_analyze(&gt, &cfg, sch, 1, &res, &handled, &e), 0);
    assert_true(handled && res.ok);
    cfg.gran = GRAN_GROUP;
    cfg.group = 64;
    assert_int_equal(group_analyze(&gt, &cfg, sch, 1, &res, &handled, &e), 0);
    assert_true(handled && res.ok);
    prep *p = prep_create_float(big, m, NULL, &e);
    assert_non_null(p);
    prep_free(p);
    __atomic_store_n(&sp.stop, 1, __ATOMIC_SEQ_CST);
    pthread_join(th, NULL);
    assert_int_equal(sp.max, 2);
    free(v);
    par_set_budget(2);
}

/* ---- the granularity string ----------------------------------------- */

typedef struct gjob {
    analyze_cfg cfg;
    const char *name;
} gjob;

static void *name_thread(void *arg)
{
    gjob *j = arg;
    j->name = analyze_granularity_name(&j->cfg);
    return NULL;
}

static void test_granularity_name_outlives(void **st)
{
    (void)st;
    analyze_cfg a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.gran = GRAN_GROUP;
    a.group = 64;
    b.gran = GRAN_GROUP;
    b.group = 128;
    const char *na = analyze_granularity_name(&a);
    const char *nb = analyze_granularity_name(&b);
    /* a second name from the same thread leaves the first one alone */
    assert_string_equal(na, "group:64");
    assert_string_equal(nb, "group:128");
    /* from a thread that has ended: still readable, and the same string */
    gjob j = { a, NULL };
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, name_thread, &j), 0);
    pthread_join(th, NULL);
    assert_string_equal(j.name, "group:64");
    assert_ptr_equal(j.name, na);
    b.gran = GRAN_BLOCK;
    b.block_r = 4;
    b.block_c = 32;
    assert_string_equal(analyze_granularity_name(&b), "block:4x32");
    b.gran = GRAN_CHANNEL;
    b.axis = 1;
    assert_string_equal(analyze_granularity_name(&b), "channel:1");
    assert_string_equal(na, "group:64");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_budget_counts),
        cmocka_unit_test(test_budget_limits_passes),
        cmocka_unit_test(test_granularity_name_outlives),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
