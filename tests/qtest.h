/*
 * qtest.h - small helpers for the quant tests (issue 6): a PRNG, building a
 * prepared tensor from an array, and brute-force quantization written
 * independently of the engine (nearest level by a linear scan).
 */
#ifndef APOTVIEW_QTEST_H
#define APOTVIEW_QTEST_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "quant/prep.h"

typedef struct qt_rng { uint64_t s; } qt_rng;

static inline uint64_t qt_next(qt_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline double qt_unif(qt_rng *r) { return (double)(qt_next(r) >> 11) * 0x1.0p-53; }

static inline double qt_gauss(qt_rng *r)
{
    double u = qt_unif(r), v = qt_unif(r);
    return sqrt(-2 * log(1 - u)) * cos(2 * M_PI * v);
}

static inline double qt_laplace(qt_rng *r)
{
    double u = qt_unif(r) - 0.5;
    return (u < 0 ? 1 : -1) * log(1 - 2 * fabs(u));
}

/* prepare a copy of x[0..n) */
static inline prep *qt_prep(const double *x, size_t n)
{
    double *c = malloc((n ? n : 1) * sizeof *c);
    memcpy(c, x, n * sizeof *c);
    util_err e;
    memset(&e, 0, sizeof e);
    return prep_create_double(c, n, NULL, &e);
}

/* sum of squared errors quantizing x[0..n) to the nearest of q[0..L) */
static inline double qt_sse(const double *x, size_t n, const double *q, size_t L)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double best = INFINITY;
        for (size_t k = 0; k < L; k++) {
            double d = (x[i] - q[k]) * (x[i] - q[k]);
            if (d < best)
                best = d;
        }
        s += best;
    }
    return s;
}

static inline int qt_close(double a, double b, double rel)
{
    if (a == b)
        return 1;
    return fabs(a - b) <= rel * fmax(fabs(a), fabs(b));
}

#define QT_CLOSE(a, b, rel)                                                        \
    do {                                                                           \
        double qa_ = (a), qb_ = (b);                                               \
        if (!qt_close(qa_, qb_, rel))                                              \
            fail_msg("%s = %.17g, expected %.17g (rel %g)", #a, qa_, qb_, (double)(rel)); \
    } while (0)

#endif
