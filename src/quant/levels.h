/*
 * levels.h - quantization level sets, normalized so the largest magnitude
 * is exactly 1 (see interface.md, "Level sets").
 *
 * A levelset is a sorted array of values in [-1, 1] (signed) or [0, 1]
 * (unsigned) plus, per level, the number of signed power-of-two terms a
 * multiplication by it costs (0 for the zero level). Schemes live in one
 * const table (levels_schemes); adding a scheme means adding one entry.
 *
 * Ownership: levels_build() allocates v and terms; levels_free() frees them.
 */
#ifndef APOTVIEW_LEVELS_H
#define APOTVIEW_LEVELS_H

#include <stddef.h>
#include <stdint.h>
#include "core/util.h"

#define LEVELS_MIN_BITS 2
#define LEVELS_MAX_BITS 8

typedef struct levels_params {
    int apot_k;            /* APoT base bit-width (0 or 2: the paper's k = 2) */
    const char *arg;       /* set by levels_build for NAME:ARG schemes (custom:FILE) */
} levels_params;

typedef struct levelset {
    const char *scheme;    /* static name from the scheme table */
    int bits;
    int is_signed;
    size_t n;
    double *v;             /* ascending; max |v| == 1 */
    int *terms;            /* per level: power-of-two terms (cost model);
                              -1: not a sum of powers of two (codebook values) */
    int asym;              /* affine (int-asym): the levels are shift + alpha * v
                              with the zero point of eval_shift(); else shift 0 */
    double unit;           /* v[k] * unit is level k's magnitude as built, before
                              normalization (uniform: the integer code, pot and
                              apot: the sum of powers of two, minifloats: the
                              dyadic value); 0 when the set is not built from
                              such magnitudes (codebooks, affine): pow2.h */
} levelset;

/* scheme_def.flags */
enum {
    SCHEME_ARG = 1,        /* written NAME:ARG (custom:FILE) */
    SCHEME_DATA = 2,       /* levels depend on the tensor (lloyd-max): the
                              table's build() gives a data-free stand-in */
    SCHEME_MX = 4,         /* a fixed block format with its own scales (mxfp4,
                              q4_0, q8_0): gq.h */
    SCHEME_STORED = 8,     /* the grid of the tensor's file (quant/stored.h):
                              no level set of its own */
};

typedef struct scheme_def {
    const char *name;
    const char *summary;   /* one line, for --help and the TUI legend */
    int min_bits, max_bits;
    int (*build)(int bits, int is_signed, const levels_params *prm,
                 levelset *out, util_err *err);
    int flags;             /* SCHEME_* */
} scheme_def;

/* NULL-terminated table of every scheme. */
extern const scheme_def *const levels_schemes[];

/* Finds "custom:FILE" as the SCHEME_ARG entry "custom". */
const scheme_def *levels_find(const char *name);
/* For NAME:ARG schemes, out->scheme points to the caller's string. */
int levels_build(const char *scheme, int bits, int is_signed,
                 const levels_params *prm, levelset *out, util_err *err);
/* Fill the header of out and allocate n levels and their costs (for builders). */
void levels_alloc(levelset *out, const char *name, int bits, int is_signed, size_t n);
void levels_free(levelset *ls);

/* For builders (schemes.c): finish a set from unnormalized magnitudes
 * mag[0..m) (may hold duplicates) and their costs: sort, dedupe, normalize
 * so the largest is 1, mirror when signed. */
int levels_finish(const char *name, int bits, int is_signed, double *mag, int *cost,
                  size_t m, levelset *out);

/* Number of 1 bits in the binary expansion of a dyadic rational x >= 0
 * (x exactly representable as a double); the cost of multiplying by it. */
int levels_popcount_dyadic(double x);

/* The nearest level by table (group.c, gq.c): for L ascending values v,
 * the L - 1 midpoints mid[k] = (v[k] + v[k+1]) / 2 and ncell equal cells
 * over [v[0], v[L-1]]; cnt[c] counts the midpoints below cell c's start
 * less 1/100 cell (a lower bound for every u computed into cell c), so
 * the level of u is searched in [cnt[c], cnt[c+2]] only. */
typedef struct levels_lut {
    size_t L;
    double *mid;           /* L - 1 midpoints (owned) */
    double lo, inv;        /* cell of u: (u - lo) * inv */
    int ncell;
    uint32_t *cnt;         /* ncell + 2 */
} levels_lut;

void levels_lut_init(levels_lut *t, const double *v, size_t L, int ncell);
void levels_lut_free(levels_lut *t);

/* Index of the level nearest to u: #{k : mid[k] < u} (ties to the lower;
 * NaN: 0). */
static inline size_t levels_lut_find(const levels_lut *t, double u)
{
    double f = (u - t->lo) * t->inv;
    long c = f >= 0 ? (f < t->ncell ? (long)f : t->ncell - 1) : 0;   /* NaN: 0 */
    size_t k = t->cnt[c], hi = t->cnt[c + 2];
    while (k < hi) {
        size_t md = (k + hi) / 2;
        if (t->mid[md] < u)
            k = md + 1;
        else
            hi = md;
    }
    return k;
}

#endif
