/*
 * kit.h - the libc-only half of the one helper kit (tests/lib): the
 * deterministic PRNG (splitmix64, with uniform, Gaussian and Laplace
 * draws), the brute-force nearest level, and the .npy header written byte
 * by byte from the format's description (independently of the reader
 * under test). testutil.h (the cmocka half) includes it; the fixture
 * programs (ui_mkfix, gen_hostile), the benchmarks and the tests that do
 * not link testutil.c include it alone. Header only: static inline.
 */
#ifndef APOTVIEW_TESTS_KIT_H
#define APOTVIEW_TESTS_KIT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* splitmix64 (Steele, Lea and Flood 2014; the constants of Vigna's
 * reference code). A seed is any 64-bit value: tu_rng r = { seed }. */
typedef struct tu_rng { uint64_t s; } tu_rng;

static inline uint64_t tu_next(tu_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* [0, 1), 53 bits */
static inline double tu_uniform(tu_rng *r)
{
    return (double)(tu_next(r) >> 11) * 0x1.0p-53;
}

/* N(0, 1) by Box-Muller */
static inline double tu_gauss(tu_rng *r)
{
    double u = tu_uniform(r), v = tu_uniform(r);
    return sqrt(-2 * log(1 - u)) * cos(6.283185307179586 * v); /* 1 - u in (0, 1] */
}

/* Laplace(0, 1) by inversion */
static inline double tu_laplace(tu_rng *r)
{
    double u = tu_uniform(r) - 0.5;
    return (u < 0 ? 1 : -1) * log(1 - 2 * fabs(u) + 1e-300); /* u = -0.5: finite */
}

/* The level of q[0..L) nearest to x by a linear scan; on a tie the later
 * one (the upper of two ascending levels: eval.c's cut). L >= 1. */
static inline size_t tu_nearest(const double *q, size_t L, double x)
{
    size_t best = 0;
    double bd = INFINITY;
    for (size_t k = 0; k < L; k++) {
        double d = fabs(x - q[k]);
        if (d <= bd) {
            bd = d;
            best = k;
        }
    }
    return best;
}

/* The header of a .npy file (format version major.0, 1 or 2) for descr
 * ("<f4"), fortran order (0/1) and shape ("(3, 4)", "(5,)"), written to
 * out[0..cap): magic, version, header length, the dict padded with spaces
 * to a multiple of 64 bytes and ended by a newline. Returns its length
 * (the data follow at that offset), 0 if cap is too small. */
static inline size_t tu_npy_header(unsigned char *out, size_t cap, int major, const char *descr,
                                   int fortran, const char *shape)
{
    char dict[512];
    int dl = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr,
                      fortran ? "True" : "False", shape);
    if (dl < 0 || (size_t)dl >= sizeof dict)
        return 0;
    size_t pre = major == 1 ? 10 : 12;
    size_t pad = (64 - (pre + (size_t)dl + 1) % 64) % 64;
    size_t hlen = (size_t)dl + pad + 1, total = pre + hlen;
    if (total > cap)
        return 0;
    memcpy(out, "\x93NUMPY", 6);
    out[6] = (unsigned char)major;
    out[7] = 0;
    for (size_t i = 0; i < pre - 8; i++)
        out[8 + i] = (unsigned char)((hlen >> (8 * i)) & 0xff);
    memcpy(out + pre, dict, (size_t)dl);
    memset(out + pre + dl, ' ', pad);
    out[total - 1] = '\n';
    return total;
}

#endif
