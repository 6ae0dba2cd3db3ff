/* errhist.c - see errhist.h. */
#include "config.h"
#include "quant/errhist.h"

#include <math.h>
#include <string.h>

#include "quant/eval.h"

typedef struct ctx {
    const prep *p;
    double m, s;           /* x = (w - m) / s */
    double k, c0;          /* x = k d + c0 for the prep's d (prep.h) */
    const levelset *ls;
    double shift, alpha;
} ctx;

static int setup(ctx *c, const prep *p, int normalize, const levelset *ls, double shift, double alpha)
{
    memset(c, 0, sizeof *c);
    if (!(alpha > 0) || !isfinite(alpha) || ls->n == 0 || !isfinite(shift))
        return -1;
    if (normalize && !eval_can_normalize(p))
        return -1;
    c->p = p;
    c->m = normalize ? p->st.mean : 0;
    c->s = normalize ? p->st.std : 1;
    c->k = ldexp(1.0, p->sexp) / c->s;
    c->c0 = (ldexp(p->origin_s, p->sexp) - c->m) / c->s;
    c->ls = ls;
    c->shift = shift;
    c->alpha = alpha;
    return 0;
}

static double level(const ctx *c, size_t q)
{
    return c->shift + c->alpha * c->ls->v[q];
}

/* number of values with x < bx (le: <= bx); -inf / +inf: 0 / n */
static uint64_t rk(const ctx *c, double bx, int le)
{
    if (bx == -INFINITY)
        return 0;
    if (bx == INFINITY)
        return c->p->st.n;
    return c->p->ops->rank_x(c->p, NULL, c->m, c->s, bx, le, 0);
}

/* the run of level q: sorted indices [*i, *j) */
static void run(const ctx *c, size_t q, uint64_t *i, uint64_t *j)
{
    size_t L = c->ls->n;
    *i = q == 0 ? 0 : rk(c, c->shift + c->alpha * 0.5 * (c->ls->v[q - 1] + c->ls->v[q]), 0);
    *j = q + 1 == L ? c->p->st.n : rk(c, c->shift + c->alpha * 0.5 * (c->ls->v[q] + c->ls->v[q + 1]), 0);
    if (*j < *i)
        *j = *i;
}

static double x_at(const ctx *c, uint64_t i)
{
    return (prep_value(c->p, i) - c->m) / c->s;
}

int errhist_stats_of(const prep *p, int normalize, const levelset *ls, double shift, double alpha,
                     errhist_stats *st)
{
    memset(st, 0, sizeof *st);
    ctx c;
    if (setup(&c, p, normalize, ls, shift, alpha) < 0)
        return -1;
    st->n = p->st.n;
    for (size_t q = 0; q + 1 < ls->n; q++) {
        double h = alpha * (ls->v[q + 1] - ls->v[q]) / 2;
        if (h > st->step_half)
            st->step_half = h;
    }
    if (p->st.n == 0)
        return 0;
    double se = 0, se2 = 0;
    int first = 1;
    for (size_t q = 0; q < ls->n; q++) {
        uint64_t i, j;
        run(&c, q, &i, &j);
        if (j == i)
            continue;
        double L = level(&c, q), t = c.c0 - L, n = (double)(j - i);
        dd d1, d2;
        prep_range_sums(p, i, j, &d1, &d2);
        double s1 = dd_to_d(d1), s2 = dd_to_d(d2);
        se += c.k * s1 + n * t;
        double v = c.k * c.k * s2 + 2 * c.k * t * s1 + n * t * t;
        se2 += v > 0 ? v : 0;
        double e0 = x_at(&c, i) - L, e1 = x_at(&c, j - 1) - L;
        if (first || e0 < st->emin)
            st->emin = e0;
        if (first || e1 > st->emax)
            st->emax = e1;
        first = 0;
    }
    double lo = level(&c, 0), hi = level(&c, ls->n - 1);
    st->clipped_lo = rk(&c, lo, 0);
    st->clipped_hi = p->st.n - rk(&c, hi, 1);
    /* the clipped values' share of the squared error */
    uint64_t seg[2][2] = { { 0, st->clipped_lo }, { p->st.n - st->clipped_hi, p->st.n } };
    double lev[2] = { lo, hi };
    for (int k = 0; k < 2; k++) {
        uint64_t i = seg[k][0], j = seg[k][1];
        if (j <= i)
            continue;
        dd d1, d2;
        prep_range_sums(p, i, j, &d1, &d2);
        double t = c.c0 - lev[k], n = (double)(j - i), s1 = dd_to_d(d1);
        double v = c.k * c.k * dd_to_d(d2) + 2 * c.k * t * s1 + n * t * t;
        st->sse_clip += v > 0 ? v : 0;
    }
    st->sse = se2;
    st->mean = se / (double)p->st.n;
    st->rms = sqrt(se2 / (double)p->st.n);
    return 0;
}

/* add the values of [i, j) whose x lies in [a, b) to bin b (a, b in x;
 * the interval is also cut to [xa, xb) with the edges' rank rules) */
static uint64_t count_in(const ctx *c, uint64_t i, uint64_t j, double a, int ale, double b, int ble)
{
    uint64_t r0 = rk(c, a, ale), r1 = rk(c, b, ble);
    if (r0 < i)
        r0 = i;
    if (r1 > j)
        r1 = j;
    return r1 > r0 ? r1 - r0 : 0;
}

int errhist_bins(const prep *p, int normalize, const levelset *ls, double shift, double alpha, double lo,
                 double hi, int nbins, uint64_t *count, uint64_t *clipped)
{
    ctx c;
    if (nbins < 1 || !(hi > lo) || setup(&c, p, normalize, ls, shift, alpha) < 0)
        return -1;
    memset(count, 0, (size_t)nbins * sizeof *count);
    if (clipped)
        memset(clipped, 0, (size_t)nbins * sizeof *clipped);
    double wd = (hi - lo) / nbins;
    size_t Lq = ls->n;
    for (size_t q = 0; q < Lq; q++) {
        uint64_t i, j;
        run(&c, q, &i, &j);
        if (j == i)
            continue;
        double L = level(&c, q);
        for (int b = 0; b < nbins; b++) {
            double e0 = lo + b * wd, e1 = b + 1 == nbins ? hi : lo + (b + 1) * wd;
            double a = L + e0, z = L + e1;
            int zle = b + 1 == nbins; /* the last bin holds hi */
            uint64_t n = count_in(&c, i, j, a, 0, z, zle);
            count[b] += n;
            if (!clipped || n == 0)
                continue;
            /* clipped: x < the lowest level (run 0) or > the highest */
            if (q == 0 && e0 < 0)
                clipped[b] += count_in(&c, i, j, a, 0, e1 < 0 ? z : L, e1 < 0 ? zle : 0);
            if (q + 1 == Lq && e1 > 0)
                clipped[b] += count_in(&c, i, j, e0 > 0 ? a : L, e0 > 0 ? 0 : 1, z, zle);
        }
    }
    return 0;
}

int errhist_log2_bins(const prep *p, int normalize, double t0, double t1, int nbins, uint64_t *count,
                      uint64_t *below, uint64_t *zeros, uint64_t *above)
{
    if (nbins < 1 || !(t1 > t0) || !isfinite(t0) || !isfinite(t1) || (normalize && !eval_can_normalize(p)))
        return -1;
    double m = normalize ? p->st.mean : 0, s = normalize ? p->st.std : 1;
    /* #{|x| < 2^t} = #{x < 2^t} - #{x <= -2^t} */
    #define ABS_BELOW(b) (p->ops->rank_x(p, NULL, m, s, (b), 0, 0) - p->ops->rank_x(p, NULL, m, s, -(b), 1, 0))
    uint64_t z = p->ops->rank_x(p, NULL, m, s, 0, 1, 0) - p->ops->rank_x(p, NULL, m, s, 0, 0, 0);
    uint64_t prev = ABS_BELOW(exp2(t0));
    if (zeros)
        *zeros = z;
    if (below)
        *below = prev - z;
    double wd = (t1 - t0) / nbins;
    for (int b = 0; b < nbins; b++) {
        uint64_t r;
        if (b + 1 == nbins) {
            double e = exp2(t1); /* |x| <= 2^t1 */
            r = p->ops->rank_x(p, NULL, m, s, e, 1, 0) - p->ops->rank_x(p, NULL, m, s, -e, 0, 0);
        } else
            r = ABS_BELOW(exp2(t0 + (b + 1) * wd));
        count[b] = r > prev ? r - prev : 0;
        prev = r > prev ? r : prev;
    }
    #undef ABS_BELOW
    if (above)
        *above = p->st.n - prev;
    return 0;
}
