/* explore.c - see explore.h. */
#include "config.h"
#include "ui/explore.h"

#include <math.h>

#include "quant/eval.h"
#include "ui/layout.h"

int explore_zoom(double flo, double fhi, double lo, double hi, double x, double factor, double *nlo, double *nhi)
{
    double fw = fhi - flo, w = (hi - lo) / factor;
    if (!(w < fw * (1 - 1e-9)) || !(factor > 0)) {
        *nlo = flo;
        *nhi = fhi;
        return 0;
    }
    if (!(x >= flo && x <= fhi))
        x = (lo + hi) / 2;
    double a = x - w / 2, b = x + w / 2;
    if (a < flo) {
        b += flo - a;
        a = flo;
    }
    if (b > fhi) {
        a -= b - fhi;
        b = fhi;
    }
    *nlo = a;
    *nhi = b;
    return 1;
}

double explore_move(double x, double lo, double hi, int w, int dcol)
{
    if (w < 1)
        return x;
    int c = layout_col_of_x(x, lo, hi, w);
    if (c < 0)
        c = x < lo ? 0 : w - 1;
    c += dcol;
    if (c < 0)
        c = 0;
    if (c > w - 1)
        c = w - 1;
    return layout_x_of_col(c, lo, hi, w);
}

size_t explore_level(const levelset *ls, double shift, double alpha, double x)
{
    /* the decision boundaries as explore_range and eval.c cut (a value on
     * one goes up): a scan by distance would, for a level far below the
     * others' spacing (unsigned 8-bit pot: 2^-254 next to 0), see a tie
     * where there is none */
    if (ls->n == 0)
        return 0;
    size_t lo = 0, hi = ls->n - 1;
    while (lo < hi) {
        size_t md = (lo + hi) / 2;
        if (x < shift + alpha * (ls->v[md] + ls->v[md + 1]) / 2)
            hi = md;
        else
            lo = md + 1;
    }
    return lo;
}

/* Sums over the values with x in [a, b): count, sum of d, sum of d^2 (prep.h). */
static uint64_t seg(const prep *p, double m, double s, double a, double b, double *s1, double *s2)
{
    uint64_t i = p->ops->rank_x(p, NULL, m, s, a, 0, 0), j = p->ops->rank_x(p, NULL, m, s, b, 0, 0);
    *s1 = *s2 = 0;
    if (j <= i)
        return 0;
    dd d1, d2;
    prep_range_sums(p, i, j, &d1, &d2);
    *s1 = dd_to_d(d1);
    *s2 = dd_to_d(d2);
    return j - i;
}

void explore_range(const prep *p, int normalize, const levelset *ls, double shift, double alpha, double a,
                   double b, uint64_t *count, double *sse)
{
    *count = 0;
    *sse = 0;
    if (!(b > a) || p->st.n == 0 || ls->n == 0)
        return;
    int norm = normalize && eval_can_normalize(p);
    double m = norm ? p->st.mean : 0, s = norm ? p->st.std : 1;
    /* x = k d + c0 (w = (d + origin_s) 2^sexp) */
    double k = ldexp(1.0, p->sexp) / s, c0 = (ldexp(p->origin_s, p->sexp) - m) / s;
    /* cut [a, b) at the decision boundaries (midpoints of the levels) */
    double t0 = a;
    for (size_t q = 0; q < ls->n && t0 < b; q++) {
        double up = q + 1 < ls->n ? shift + alpha * (ls->v[q] + ls->v[q + 1]) / 2 : INFINITY;
        if (up <= t0)
            continue;
        double t1 = up < b ? up : b;
        double s1, s2;
        uint64_t n = seg(p, m, s, t0, t1, &s1, &s2);
        if (n) {
            double e = c0 - (shift + alpha * ls->v[q]);
            double v = k * k * s2 + 2 * k * e * s1 + (double)n * e * e;
            *sse += v > 0 ? v : 0;
            *count += n;
        }
        t0 = t1;
    }
}
