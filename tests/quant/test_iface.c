/*
 * test_iface.c - the engine interface (prep.h), the thread budget (par.h)
 * and the leftovers of issue 11 part 1, against truths computed here: the
 * threads of the process counted in /proc/self/task, hand-computed error
 * figures, and the engines against each other where they overlap.
 */
#include "config.h"
#include "testutil.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>

#include "core/par.h"
#include "quant/analyze.h"
#include "quant/eval.h"
#include "quant/group.h"
#include "quant/levels.h"
#include "quant/lloyd.h"
#include "quant/prep_group.h"

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
    tu_rng r = { 7 };
    for (size_t i = 0; i < n; i++)
        v[i] = (float)tu_gauss(&r);
    for (int budget = 1; budget <= 2; budget++) {
        par_set_budget(budget);
        par_reset_peak();
        seen_max = 0;
        prep_source src = { NULL, conv_count, v, n, NULL, NULL, NULL, 0, 0 };
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
    tu_rng r2 = { 9 };
    for (size_t i = 0; i < m; i++)
        big[i] = (float)tu_gauss(&r2);
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


/* ---- queries on a const prep change nothing ---------------------------- */

static float *gauss_floats(size_t n, uint64_t seed)
{
    float *v = malloc(n * sizeof *v);
    tu_rng r = { seed };
    for (size_t i = 0; i < n; i++)
        v[i] = (float)(tu_gauss(&r) * (i % 97 == 0 ? 6 : 1));
    return v;
}

static const char *const CSCH[] = { "uniform", "apot", "nf4", "lloyd-max", "int-asym" };
enum { NCS = sizeof CSCH / sizeof *CSCH };

typedef struct ajob {
    const prep *p;
    analyze_cfg cfg;
    analyze_result res[NCS];
    int rc;
    uint64_t misses;
} ajob;

static void *analyze_thread(void *arg)
{
    ajob *j = arg;
    util_err e = { { 0 } };
    prep_query *q = prep_query_new(j->p);
    j->rc = analyze_tensor_q(j->p, q, &j->cfg, CSCH, NCS, 1, j->res, &e);
    j->misses = prep_query_misses(q);
    prep_query_free(q);
    return NULL;
}

static void same_results(const analyze_result *a, const analyze_result *b, int n)
{
    for (int i = 0; i < n; i++) {
        assert_int_equal(a[i].ok, b[i].ok);
        assert_memory_equal(&a[i].r, &b[i].r, sizeof a[i].r);
        assert_true(a[i].gap_to_optimal_db == b[i].gap_to_optimal_db ||
                    (isnan(a[i].gap_to_optimal_db) && isnan(b[i].gap_to_optimal_db)));
        assert_true(a[i].opt_alpha == b[i].opt_alpha);
    }
}

/* Two analyses of one prep at once, each with its own query, give the
 * answers of one alone, and the prep (every byte it holds, hashed) is
 * the same before and after. */
static void const_queries(prep *p)
{
    ajob one;
    memset(&one, 0, sizeof one);
    one.p = p;
    one.cfg.bits = 4;
    one.cfg.is_signed = 1;
    one.cfg.amode = ALPHA_MSE;
    const uint64_t h0 = prep_state_hash(p);
    analyze_thread(&one);
    assert_int_equal(one.rc, 0);
    assert_int_equal(one.misses, 0);
    assert_true(prep_state_hash(p) == h0);
    ajob two[2];
    pthread_t th[2];
    for (int t = 0; t < 2; t++) {
        two[t] = one;
        memset(two[t].res, 0, sizeof two[t].res);
        assert_int_equal(pthread_create(&th[t], NULL, analyze_thread, &two[t]), 0);
    }
    for (int t = 0; t < 2; t++) {
        pthread_join(th[t], NULL);
        assert_int_equal(two[t].rc, 0);
        same_results(one.res, two[t].res, NCS);
    }
    /* queries without a query object, too */
    levelset ls;
    util_err e = { { 0 } };
    assert_int_equal(levels_build("pot", 4, 1, &one.cfg.lprm, &ls, &e), 0);
    eval_result r;
    assert_int_equal(eval_full(p, &ls, 1.5, 0, &r, NULL, &e), 0);
    (void)eval_best_alpha(p, &ls, 1, NULL);
    double lev[8];
    (void)lloyd_levels(p, 0, 8, lev);
    (void)prep_rank_lt(p, 0.25);
    levels_free(&ls);
    assert_true(prep_state_hash(p) == h0);
}

static void test_const_hist(void **st)
{
    (void)st;
    size_t n = 300007;
    float *v = gauss_floats(n, 11);
    prep_source src = { (const unsigned char *)v, NULL, NULL, n, NULL, NULL, NULL, 0, 0 };
    util_err e = { { 0 } };
    prep *p = prep_create_summary(&src, 2, &e);
    assert_non_null(p);
    assert_true(p->caps & PREP_CAP_RESOLVE);
    const_queries(p);
    prep_free(p);
    free(v);
}

static void test_const_sorted(void **st)
{
    (void)st;
    size_t n = 100003;
    float *v = gauss_floats(n, 12);
    util_err e = { { 0 } };
    prep *p = prep_create_float(v, n, NULL, &e);
    assert_non_null(p);
    assert_true((p->caps & (PREP_CAP_EXACT | PREP_CAP_VALUES)) == (PREP_CAP_EXACT | PREP_CAP_VALUES));
    const_queries(p);
    prep_free(p);
}

/* ---- the engines agree where they overlap ------------------------------ */

/* The per-tensor case: one tensor [1, N] through the sorted engine, the
 * histogram engine, and the group engine with one slice of all N values
 * (per channel along axis 0: one channel; group:N: one group), at
 * alpha = max and mse. */
static void test_engines_agree(void **st)
{
    (void)st;
    const size_t n = 40000;
    float *v = gauss_floats(n, 21);
    uint64_t shape[2] = { 1, n };
    static const char *const sch[] = { "uniform", "pot", "apot", "nf4" };
    enum { NS = 4 };
    for (int am = 0; am < 2; am++) {
        analyze_cfg cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.bits = 4;
        cfg.is_signed = 1;
        cfg.amode = am ? ALPHA_MSE : ALPHA_MAX;
        util_err e = { { 0 } };
        float *c = malloc(n * sizeof *c);
        memcpy(c, v, n * sizeof *c);
        prep *ps = prep_create_float(c, n, NULL, &e);
        prep_source src = { (const unsigned char *)v, NULL, NULL, n, NULL, NULL, NULL, 0, 0 };
        prep *ph = prep_create_summary(&src, 1, &e);
        assert_non_null(ps);
        assert_non_null(ph);
        analyze_result rs[NS], rh[NS], rc[NS], rg[NS];
        assert_int_equal(analyze_tensor(ps, &cfg, sch, NS, 0, rs, &e), 0);
        assert_int_equal(analyze_tensor(ph, &cfg, sch, NS, 0, rh, &e), 0);
        /* the group engine through its adapter: per channel (one channel,
         * exact slice path) */
        analyze_cfg cc = cfg;
        cc.gran = GRAN_CHANNEL;
        cc.nthreads = 1;
        group_tensor gt = { v, 0, 2, shape, n };
        prep *pg = prep_create_group(&gt, NULL, &cc, sch, NS);
        c = malloc(n * sizeof *c);
        memcpy(c, v, n * sizeof *c);
        prep_group_attach(pg, prep_create_float(c, n, NULL, &e));
        assert_true(pg->caps & PREP_CAP_GROUP);
        assert_int_equal(analyze_tensor(pg, &cc, sch, NS, 0, rc, &e), 0);
        /* and group:N, the streaming engine (gq.c), with fp32 scales */
        analyze_cfg cg = cfg;
        cg.gran = GRAN_GROUP;
        cg.group = n;
        cg.sdtype = SCALE_FP32;
        cg.nthreads = 1;
        int handled[NS];
        assert_int_equal(group_analyze(&gt, &cg, sch, NS, rg, handled, &e), 0);
        for (int i = 0; i < NS; i++) {
            assert_true(rs[i].ok && rh[i].ok && rc[i].ok);
            assert_true(handled[i] && rg[i].ok);
            /* sorted and per channel: the same exact evaluation of one
             * slice at the same alpha */
            assert_true(rs[i].r.alpha == rc[i].r.alpha);
            TU_CLOSE(rs[i].r.mse, rc[i].r.mse, 1e-15);
            assert_int_equal(rs[i].r.levels_used, rc[i].r.levels_used);
            TU_CLOSE(rs[i].r.clipped, rc[i].r.clipped, 1e-15);
            TU_CLOSE(rs[i].gap_to_optimal_db, rc[i].gap_to_optimal_db, 1e-12);
            if (!am) {
                /* alpha = max|w|: every engine has it exactly, and the
                 * histogram engine is exact at it */
                assert_true(rs[i].r.alpha == rh[i].r.alpha);
                TU_CLOSE(rs[i].r.mse, rh[i].r.mse, 1e-12);
                assert_int_equal(rs[i].r.levels_used, rh[i].r.levels_used);
                /* gq quantizes with the fp32 scale alpha / natmax (and
                 * reports alpha = that scale x natmax) */
                TU_CLOSE(rs[i].r.alpha, rg[i].r.alpha, 1e-7);
                TU_CLOSE(rs[i].r.mse, rg[i].r.mse, 1e-6);
                assert_int_equal(rs[i].r.levels_used, rg[i].r.levels_used);
            } else {
                /* the optimum: searched (sorted, histogram) or exact
                 * (gq_opt_alpha), then the fp32 scale */
                TU_CLOSE(rs[i].r.mse, rh[i].r.mse, 1e-4);
                TU_CLOSE(rs[i].r.mse, rg[i].r.mse, 1e-4);
                assert_true(rg[i].r.mse <= rs[i].r.mse * (1 + 1e-6));
            }
        }
        prep_free(ps);
        prep_free(ph);
        prep_free(pg);
    }
    free(v);
}

/* ---- values beyond 2^+-200 in float64 ----------------------------------- */

/* The gap to Lloyd-Max does not depend on the scale of the tensor: with
 * every value times 2^600 (exact) the mse overflows to inf, yet the gap is
 * the unscaled tensor's (it used to be inf / inf = NaN). */
static void test_gap_huge_values(void **st)
{
    (void)st;
    const size_t n = 3001;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    tu_rng r = { 5 };
    for (size_t i = 0; i < n; i++) {
        x[i] = tu_laplace(&r);
        y[i] = ldexp(x[i], 600);
    }
    prep *px = tu_prep(x, n), *py = tu_prep(y, n);
    assert_true(py->sexp != 0);
    static const char *const sch[] = { "uniform", "pot", "apot" };
    analyze_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.bits = 3;
    cfg.is_signed = 1;
    cfg.amode = ALPHA_MAX;
    analyze_result a[3], b[3];
    util_err e = { { 0 } };
    assert_int_equal(analyze_tensor(px, &cfg, sch, 3, 0, a, &e), 0);
    assert_int_equal(analyze_tensor(py, &cfg, sch, 3, 0, b, &e), 0);
    for (int i = 0; i < 3; i++) {
        assert_true(isinf(b[i].r.mse));
        assert_true(isfinite(a[i].gap_to_optimal_db) && a[i].gap_to_optimal_db > 0);
        TU_CLOSE(b[i].gap_to_optimal_db, a[i].gap_to_optimal_db, 1e-9);
        TU_CLOSE(b[i].r.sqnr_db, a[i].r.sqnr_db, 1e-12);
    }
    prep_free(px);
    prep_free(py);
    free(x);
    free(y);
}

/* Lloyd-Max's exact dynamic programme on values times 2^600: the optimum
 * of {1, 2, 3, 10, 11, 12} with 2 levels is {2, 11} (each run's mean; any
 * other split costs more: {1,2,3,10 | 11,12} leaves 1..10 with sse 50),
 * times 2^600. */
static void test_lloyd_exact_huge(void **st)
{
    (void)st;
    const double v[6] = { 1, 2, 3, 10, 11, 12 };
    for (int sc = 0; sc < 2; sc++) {
        double x[6];
        for (int i = 0; i < 6; i++)
            x[i] = ldexp(v[i], sc ? 600 : 0);
        prep *p = tu_prep(x, 6);
        double lev[2];
        lloyd_levels(p, 0, 2, lev);
        assert_true(lev[0] == ldexp(2, sc ? 600 : 0));
        assert_true(lev[1] == ldexp(11, sc ? 600 : 0));
        /* 3 levels: three optimal splits tie at sse 2.5 ({1,2,3 | 10,11 |
         * 12}, {1,2,3 | 10 | 11,12}... ): whichever comes out, its levels
         * scaled back cost 2.5 on the values */
        double l3[3];
        lloyd_levels(p, 0, 3, l3);
        for (int k = 0; k < 3; k++)
            l3[k] = ldexp(l3[k], sc ? -600 : 0);
        assert_true(tu_sse(v, 6, l3, 3) == 2.5);
        prep_free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_budget_counts),
        cmocka_unit_test(test_budget_limits_passes),
        cmocka_unit_test(test_granularity_name_outlives),
        cmocka_unit_test(test_const_hist),
        cmocka_unit_test(test_const_sorted),
        cmocka_unit_test(test_engines_agree),
        cmocka_unit_test(test_gap_huge_values),
        cmocka_unit_test(test_lloyd_exact_huge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
