/* lloyd.c - Lloyd-Max on sorted values and prefix sums (lloyd.h). */
#include "config.h"
#include "quant/lloyd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant/schemes.h"

_Thread_local lloyd_stats lloyd_last;

#define LLOYD_MAXIT 20000

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* sum of squared deviations from the centroid over [i, j), in units of
 * 2^(2 sexp) (w units unless a double tensor's values are beyond 2^+-200:
 * prep.h), so that every sse Lloyd compares is finite */
static double run_sse(const prep *p, uint64_t i, uint64_t j, double *centroid)
{
    dd s1, s2;
    prep_range_sums(p, i, j, &s1, &s2);
    double n = (double)(j - i);
    double m1 = dd_to_d(s1) / n;
    /* the sums are in units of 2^sexp (prep.h; sexp is nearly always 0) */
    if (centroid)
        *centroid = p->sexp ? ldexp(p->origin_s + m1, p->sexp) : p->origin + m1;
    /* S2 - S1^2 / n in double-double */
    dd e = dd_add(s2, dd_mul_dd_d(s1, -m1));
    double v = dd_to_d(e);
    return v > 0 ? v : 0;
}

/* Lloyd from the levels in c (w units, any order); returns the sse (in
 * units of 2^(2 sexp), as run_sse). */
static double lloyd_run(const prep *p, size_t L, double *c, uint64_t *r, uint64_t *prev,
                        long *iters, long maxit)
{
    const uint64_t n = p->st.n;
    qsort(c, L, sizeof *c, cmp_double);
    double sse = 0;
    for (long it = 0; it < maxit; it++) {
        r[0] = 0;
        r[L] = n;
        for (size_t k = 1; k < L; k++) {
            r[k] = prep_rank_lt(p, 0.5 * (c[k - 1] + c[k]));
            if (r[k] < r[k - 1])
                r[k] = r[k - 1];
        }
        (*iters)++;
        if (it > 0 && memcmp(r, prev, (L + 1) * sizeof *r) == 0)
            break;
        memcpy(prev, r, (L + 1) * sizeof *r);
        double last_sse = sse;
        sse = 0;
        size_t empty = 0;
        double worst = -1;
        size_t wk = 0;
        for (size_t k = 0; k < L; k++) {
            if (r[k + 1] == r[k]) {
                empty++;
                continue;
            }
            double e = run_sse(p, r[k], r[k + 1], &c[k]);
            sse += e;
            if (e > worst && prep_value(p, r[k]) < prep_value(p, r[k + 1] - 1)) {
                worst = e;
                wk = k;
            }
        }
        /* Converged for every practical purpose: with hundreds of levels
         * the runs keep shifting by a value or two for thousands of
         * iterations while the error no longer moves. */
        if (!empty && it > 0 && last_sse - sse <= 1e-10 * sse)
            break;
        if (empty && worst > 0) {
            /* move one empty level into the worst run, splitting it */
            for (size_t k = 0; k < L; k++)
                if (r[k + 1] == r[k]) {
                    uint64_t a = r[wk], b = r[wk + 1];
                    c[k] = prep_value(p, a + 3 * (b - a) / 4);
                    c[wk] = prep_value(p, a + (b - a) / 4);
                    break;
                }
            qsort(c, L, sizeof *c, cmp_double);
            prev[0] = UINT64_MAX; /* the runs changed */
        }
    }
    /* the sse of the final assignment with the final levels */
    sse = 0;
    for (size_t k = 0; k < L; k++) {
        if (r[k + 1] == r[k])
            continue;
        dd s1, s2;
        prep_range_sums(p, r[k], r[k + 1], &s1, &s2);
        double t = p->sexp ? c[k] * ldexp(1, -p->sexp) - p->origin_s : c[k] - p->origin;
        dd e = dd_add(s2, dd_mul_dd_d(s1, -2.0 * t));
        e = dd_add(e, dd_mul_dd_d(dd_prod(t, t), (double)(r[k + 1] - r[k])));
        double v = dd_to_d(e);
        sse += v > 0 ? v : 0;
    }
    return sse;
}

/* k-means++ seeding (D^2 sampling) over a sample of at most 4096 values. */
static void kmeanspp(const prep *p, size_t L, double *c, uint64_t *tmp, uint64_t *seed)
{
    (void)tmp;
    const uint64_t n = p->st.n;
    size_t m = n < 4096 ? (size_t)n : 4096;
    double *x = util_mallocarray(m, sizeof *x), *d = util_mallocarray(m, sizeof *d);
    for (size_t i = 0; i < m; i++)
        x[i] = prep_value(p, m == n ? i : splitmix(seed) % n);
    /* distances in units of 2^sexp (prep.h): finite squares */
    const double sc = p->sexp ? ldexp(1, -p->sexp) : 1;
    c[0] = x[splitmix(seed) % m];
    for (size_t i = 0; i < m; i++)
        d[i] = ((x[i] - c[0]) * sc) * ((x[i] - c[0]) * sc);
    for (size_t k = 1; k < L; k++) {
        double tot = 0;
        for (size_t i = 0; i < m; i++)
            tot += d[i];
        size_t pick = splitmix(seed) % m;
        if (tot > 0) {
            double u = (double)(splitmix(seed) >> 11) * 0x1.0p-53 * tot, acc = 0;
            for (size_t i = 0; i < m; i++) {
                acc += d[i];
                if (acc >= u) {
                    pick = i;
                    break;
                }
            }
        }
        c[k] = x[pick];
        for (size_t i = 0; i < m; i++) {
            double e = ((x[i] - c[k]) * sc) * ((x[i] - c[k]) * sc);
            if (e < d[i])
                d[i] = e;
        }
    }
    free(x);
    free(d);
}

/* One swap: remove the level whose merge with a neighbour adds the least
 * error (variant 0), or the variant-th cheapest, and split the run with the
 * largest error. Returns 0 when there is nothing to do. */
static int swap_move(const prep *p, size_t L, double *c, uint64_t *r, int variant, long split)
{
    if (L < 2)
        return 0;
    r[0] = 0;
    r[L] = p->st.n;
    for (size_t k = 1; k < L; k++) {
        r[k] = prep_rank_lt(p, 0.5 * (c[k - 1] + c[k]));
        if (r[k] < r[k - 1])
            r[k] = r[k - 1];
    }
    double worst = -1;
    size_t wk = 0;
    double costs[3] = { INFINITY, INFINITY, INFINITY };
    size_t ck[3] = { 0, 0, 0 };
    for (size_t k = 0; k < L; k++) {
        double e = r[k + 1] > r[k] ? run_sse(p, r[k], r[k + 1], NULL) : 0;
        if (e > worst && r[k + 1] > r[k] && prep_value(p, r[k]) < prep_value(p, r[k + 1] - 1)) {
            worst = e;
            wk = k;
        }
        if (k + 1 < L) {
            double e2 = r[k + 2] > r[k + 1] ? run_sse(p, r[k + 1], r[k + 2], NULL) : 0;
            double em = r[k + 2] > r[k] ? run_sse(p, r[k], r[k + 2], NULL) : 0;
            double cost = em - e - e2;
            for (int v = 0; v < 3; v++)
                if (cost < costs[v]) {
                    for (int u = 2; u > v; u--) {
                        costs[u] = costs[u - 1];
                        ck[u] = ck[u - 1];
                    }
                    costs[v] = cost;
                    ck[v] = k;
                    break;
                }
        }
    }
    size_t k;
    if (variant < 0) {
        k = (size_t)(-1 - variant); /* merge k and k + 1 */
    } else {
        if (!isfinite(costs[variant]))
            return 0;
        k = ck[variant];
    }
    if (split >= 0) {
        wk = (size_t)split;
        if (!(r[wk + 1] > r[wk] && prep_value(p, r[wk]) < prep_value(p, r[wk + 1] - 1)))
            return 0;
    } else if (worst <= 0)
        return 0;
    if (k == wk || k + 1 == wk)
        return 0;
    /* merge runs k and k+1 into level k, reuse level k+1 to split run wk */
    double cen;
    if (r[k + 2] > r[k])
        run_sse(p, r[k], r[k + 2], &cen);
    else
        cen = c[k];
    c[k] = cen;
    uint64_t a = r[wk], b = r[wk + 1];
    c[k + 1] = prep_value(p, a + 3 * (b - a) / 4);
    c[wk] = prep_value(p, a + (b - a) / 4);
    return 1;
}

/* The exact optimum: dynamic programming over contiguous runs of the
 * sorted values, D_k[j] = min_i D_{k-1}[i] + sse(i, j). The best i is
 * monotone in j (the cost of 1-D k-means is Monge), so each layer is found
 * by divide and conquer in O(n log n) with O(1) run costs from prefix sums
 * (doubles about the origin: they only choose the runs; the levels and
 * the mse are recomputed exactly afterwards). */
typedef struct dpx {
    const double *P1, *P2, *D;
    double *E;
    uint32_t *arg;
    const double *inv;     /* inv[k] = 1 / k: no division in the inner loop */
} dpx;

static inline double dp_sse(const dpx *x, size_t i, size_t j)
{
    if (j <= i)
        return 0;
    double s1 = x->P1[j] - x->P1[i], s2 = x->P2[j] - x->P2[i];
    double v = s2 - s1 * s1 * x->inv[j - i];
    return v > 0 ? v : 0;
}

static void dp_layer(const dpx *x, size_t lo, size_t hi, size_t olo, size_t ohi)
{
    while (lo <= hi) {
        size_t mid = lo + (hi - lo) / 2, top = ohi < mid ? ohi : mid, bi = olo;
        double best = INFINITY;
        for (size_t i = olo; i <= top; i++) {
            double v = x->D[i] + dp_sse(x, i, mid);
            if (v < best) {
                best = v;
                bi = i;
            }
        }
        x->E[mid] = best;
        x->arg[mid] = (uint32_t)bi;
        if (mid > lo)
            dp_layer(x, lo, mid - 1, olo, bi);
        lo = mid + 1;
        olo = bi;
    }
}

static void exact_dp(const prep *p, size_t L, double *c)
{
    size_t n = (size_t)p->st.n;
    double *P1 = util_mallocarray(n + 1, sizeof *P1), *P2 = util_mallocarray(n + 1, sizeof *P2);
    double *D = util_mallocarray(n + 1, sizeof *D), *E = util_mallocarray(n + 1, sizeof *E);
    uint32_t *arg = util_mallocarray(L * (n + 1), sizeof *arg);
    P1[0] = P2[0] = 0;
    /* in units of 2^sexp about origin_s, as the engine's own sums (prep.h):
     * a double tensor beyond 2^+-200 would otherwise square to inf or 0 */
    const double sc = p->sexp ? ldexp(1, -p->sexp) : 1;
    for (size_t i = 0; i < n; i++) {
        double d = p->sexp ? prep_value(p, i) * sc - p->origin_s : prep_value(p, i) - p->origin;
        P1[i + 1] = P1[i] + d;
        P2[i + 1] = P2[i] + d * d;
    }
    double *inv = util_mallocarray(n + 1, sizeof *inv);
    inv[0] = 0;
    for (size_t k = 1; k <= n; k++)
        inv[k] = 1.0 / (double)k;
    dpx x = { P1, P2, D, E, NULL, inv };
    for (size_t j = 0; j <= n; j++) {
        D[j] = dp_sse(&x, 0, j);
        arg[j] = 0;
    }
    for (size_t k = 1; k < L; k++) {
        x.arg = arg + k * (n + 1);
        dp_layer(&x, 0, n, 0, n);
        memcpy(D, E, (n + 1) * sizeof *D);
    }
    size_t j = n;
    for (size_t k = L; k-- > 0;) {
        size_t i = k ? arg[k * (n + 1) + j] : 0;
        if (j > i)
            run_sse(p, i, j, &c[k]);
        else
            c[k] = prep_value(p, i < n ? i : n - 1);
        j = i;
    }
    free(P1);
    free(P2);
    free(D);
    free(E);
    free(arg);
    free(inv);
}

double lloyd_levels(const prep *p, int normalize, size_t L, double *lev)
{
    return lloyd_levels_q(p, NULL, normalize, L, lev);
}

double lloyd_levels_q(const prep *p, prep_query *q, int normalize, size_t L, double *lev)
{
    const uint64_t n = p->st.n;
    memset(&lloyd_last, 0, sizeof lloyd_last);
    if (n == 0 || L == 0) {
        for (size_t k = 0; k < L; k++)
            lev[k] = 0;
        return NAN;
    }
    /* an engine with a resolve pass: the second round takes the first
     * one's answer from q's memo (prep.h) */
    uint64_t key = 0;
    const int memo = q && (p->caps & PREP_CAP_RESOLVE);
    if (memo) {
        uint64_t f[2] = { L, (uint64_t)normalize };
        key = prep_hash(prep_hash(0, "lloyd", 5), f, sizeof f);
        double *got = util_mallocarray(L + 1, sizeof *got);
        int hit = prep_query_memo_get(q, key, got, L + 1) == 0;
        if (hit)
            memcpy(lev, got, L * sizeof *lev);
        double e = got[L];
        free(got);
        if (hit)
            return e;
    }
    double m = 0, s = 1;
    int norm = 0;
    if (normalize && n >= 2 && p->st.std > 0 && isfinite(p->st.std)) {
        m = p->st.mean;
        s = p->st.std;
        norm = 1;
    }
    /* no more values than levels: each value is a level of its own (the
     * spare levels repeat the largest), so the optimum has no error; the
     * restarts below would search for it at length (255 levels on 96
     * values: half a second) */
    if ((p->caps & PREP_CAP_VALUES) && n <= L) {
        for (size_t k = 0; k < L; k++)
            lev[k] = (prep_value(p, k < n ? (uint64_t)k : n - 1) - m) / s;
        return 0;
    }
    double *c = util_mallocarray(L, sizeof *c), *best = util_mallocarray(L, sizeof *best);
    uint64_t *r = util_mallocarray(L + 1, sizeof *r), *prev = util_mallocarray(L + 1, sizeof *prev);
    double best_sse = INFINITY;
    long iters = 0;
    uint64_t seed = 0x5eed1e55u ^ n;
    /* Restarts: many on small problems, few on large ones (each Lloyd run
     * costs O(L log N) per iteration); the Gaussian-quantizer start comes
     * first because on weights it is usually the best. */
    int large = (double)n * (double)L > 1e8;
    /* small tensors: the exact optimum (exact_dp) instead of restarts */
    int exact = (p->caps & PREP_CAP_VALUES) && L > 1 && n > L && n < UINT32_MAX &&
                (double)n * (double)L * log2((double)n + 1) <= 1.5e7;
    int nrand = n * L <= 200000 ? 40 : large ? 0 : 6;
    int ninit = exact ? 0 : large ? 2 : 3 + nrand;
    long maxit = large ? 1500 : LLOYD_MAXIT;
    for (int pass = 0; pass < ninit; pass++) {
        int init = pass == 0 ? 2 : pass == 2 ? 0 : pass;
        if (init == 0) {
            for (size_t k = 0; k < L; k++)
                c[k] = prep_value(p, (uint64_t)(((double)k + 0.5) * (double)n / (double)L));
        } else if (init == 1) {
            for (size_t k = 0; k < L; k++)
                c[k] = p->st.min + (p->st.max - p->st.min) * ((double)k + 0.5) / (double)L;
        } else if (init == 2) {
            schemes_gauss_lloyd(L, c);
            for (size_t k = 0; k < L; k++)
                c[k] = p->st.mean + p->st.std * c[k];
        } else if (init % 2) {
            for (size_t k = 0; k < L; k++)
                c[k] = prep_value(p, splitmix(&seed) % n);
        } else
            kmeanspp(p, L, c, r, &seed);
        double sse = lloyd_run(p, L, c, r, prev, &iters, maxit);
        if (sse < best_sse) {
            best_sse = sse;
            memcpy(best, c, L * sizeof *c);
        }
    }
    /* local search on the best: move the level whose removal costs least
     * into the run with the largest error, run Lloyd again, keep it when
     * better */
    /* small tensors: the exact optimum by dynamic programming over
     * contiguous runs of the sorted values (O(L n log n)); Lloyd from it
     * stays there, and no local search can improve it */
    if (exact) {
        exact_dp(p, L, c);
        double sse = lloyd_run(p, L, c, r, prev, &iters, maxit);
        if (sse < best_sse) {
            best_sse = sse;
            memcpy(best, c, L * sizeof *c);
        }
    }
    int full = n * L <= 200000;   /* small: try every merge, else the 3 cheapest */
    for (int round = 0; round < 64 && !exact; round++) {
        int improved = 0;
        int tries = full ? (int)L - 1 : 3;
        long nsplit = full ? (long)L : 1;
        for (int v = 0; v < tries; v++)
        for (long sp = 0; sp < nsplit; sp++) {
            memcpy(c, best, L * sizeof *c);
            if (!swap_move(p, L, c, r, full ? -1 - v : v, full ? sp : -1))
                continue;
            double sse = lloyd_run(p, L, c, r, prev, &iters, maxit);
            if (sse < best_sse * (1 - 1e-12)) {
                best_sse = sse;
                memcpy(best, c, L * sizeof *c);
                improved = 1;
            }
        }
        if (!improved)
            break;
    }
    lloyd_last.restarts = ninit;
    lloyd_last.iterations = iters;
    for (size_t k = 0; k < L; k++)
        lev[k] = (best[k] - m) / s;
    free(c);
    free(best);
    free(r);
    free(prev);
    /* best_sse is in units of 2^(2 sexp): normalized, s 2^-sexp brings it
     * to x units; else the mse is unscaled (inf beyond DBL_MAX) */
    double e;
    if (!p->sexp)
        e = best_sse / (s * s) / (double)n;
    else if (norm) {
        double ss = s * ldexp(1, -p->sexp);
        e = best_sse / (ss * ss) / (double)n;
    } else
        e = ldexp(best_sse / (double)n, 2 * p->sexp);
    if (memo) {
        double *put = util_mallocarray(L + 1, sizeof *put);
        memcpy(put, lev, L * sizeof *lev);
        put[L] = e;
        prep_query_memo_put(q, key, put, L + 1);
        free(put);
    }
    return e;
}
