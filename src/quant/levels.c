/*
 * levels.c - the level sets of interface.md.
 *
 * Each builder computes the magnitudes of one half-range as exact dyadic
 * rationals (uniform: integer codes), records each one's cost in power-of-two
 * terms, normalizes so the largest is 1, and mirrors them for signed sets.
 */
#include "config.h"
#include "quant/levels.h"
#include "quant/schemes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int levels_popcount_dyadic(double x)
{
    if (!(x > 0) || !isfinite(x))
        return 0;
    int e;
    double m = frexp(x, &e); /* x = m * 2^e, m in [0.5, 1) */
    int n = 0;
    /* A double has 53 mantissa bits: shift them out one by one. */
    for (int i = 0; i < 64 && m != 0; i++) {
        m *= 2;
        if (m >= 1) {
            n++;
            m -= 1;
        }
    }
    return n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Given magnitudes mag[0..m) (unnormalized, exact, may hold duplicates) and
 * their costs, finish the set: sort, dedupe, normalize, mirror. */
static int finish(const char *name, int bits, int is_signed, double *mag, int *cost,
                  size_t m, levelset *out)
{
    /* sort the magnitudes, drop duplicates, keep each one's cheapest cost */
    double *tmp = util_mallocarray(m, sizeof *tmp);
    memcpy(tmp, mag, m * sizeof *tmp);
    qsort(tmp, m, sizeof *tmp, cmp_double);
    size_t u = 0;
    for (size_t i = 0; i < m; i++)
        if (u == 0 || tmp[i] != tmp[u - 1])
            tmp[u++] = tmp[i];
    int *tcost = util_mallocarray(u, sizeof *tcost);
    for (size_t k = 0; k < u; k++) {
        int best = 1 << 30;
        for (size_t i = 0; i < m; i++)
            if (mag[i] == tmp[k] && cost[i] < best)
                best = cost[i];
        tcost[k] = tmp[k] == 0 ? 0 : best;
    }
    double top = tmp[u - 1];
    size_t n = is_signed ? 2 * u - 1 : u;
    levels_alloc(out, name, bits, is_signed, n);
    out->unit = top;
    size_t j = 0;
    if (is_signed)
        for (size_t k = u; k-- > 1;) {
            out->v[j] = -(tmp[k] / top);
            out->terms[j++] = tcost[k];
        }
    for (size_t k = 0; k < u; k++) {
        out->v[j] = tmp[k] / top;
        out->terms[j++] = tcost[k];
    }
    /* exact endpoints */
    out->v[n - 1] = 1.0;
    if (is_signed)
        out->v[0] = -1.0;
    free(tmp);
    free(tcost);
    return 0;
}

int levels_finish(const char *name, int bits, int is_signed, double *mag, int *cost,
                  size_t m, levelset *out)
{
    return finish(name, bits, is_signed, mag, cost, m, out);
}

static int mag_bits(int bits, int is_signed)
{
    return is_signed ? bits - 1 : bits;
}

static int build_uniform(int bits, int is_signed, const levels_params *prm,
                         levelset *out, util_err *err)
{
    (void)prm;
    (void)err;
    int B = mag_bits(bits, is_signed);
    size_t m = (size_t)1 << B;
    double *mag = util_mallocarray(m, sizeof *mag);
    int *cost = util_mallocarray(m, sizeof *cost);
    for (size_t j = 0; j < m; j++) {
        mag[j] = (double)j;
        cost[j] = levels_popcount_dyadic((double)j);
    }
    int r = finish("uniform", bits, is_signed, mag, cost, m, out);
    free(mag);
    free(cost);
    return r;
}

static int build_pot(int bits, int is_signed, const levels_params *prm,
                     levelset *out, util_err *err)
{
    (void)prm;
    (void)err;
    int B = mag_bits(bits, is_signed);
    size_t m = (size_t)1 << B; /* {0} and 2^-j, j = 0 .. 2^B - 2 */
    double *mag = util_mallocarray(m, sizeof *mag);
    int *cost = util_mallocarray(m, sizeof *cost);
    mag[0] = 0;
    cost[0] = 0;
    for (size_t j = 1; j < m; j++) {
        mag[j] = ldexp(1.0, -(int)(j - 1));
        cost[j] = 1;
    }
    int r = finish("pot", bits, is_signed, mag, cost, m, out);
    free(mag);
    free(cost);
    return r;
}

/*
 * APoT with base bit-width k (paper, eq. 5): n additive terms, each
 * p_i in {0, 2^-i, 2^-(i+n), ..., 2^-(i+(2^k-2)n)}. For k = 2 and odd B the
 * official code's construction is used (interface.md): the n terms' last
 * power is 2^-(i+2n+1), plus one more term in {0, 2^-2n}. For k > 2 with B
 * not a multiple of k, the leftover r = B mod k bits form one more term in
 * {0, 2^-(n*(2^k-1)), ..., 2^-(n*(2^k-1)+2^r-2)} below all the others.
 */
static int build_apot(int bits, int is_signed, const levels_params *prm,
                      levelset *out, util_err *err)
{
    int k = (prm && prm->apot_k > 0) ? prm->apot_k : 2;
    int B = mag_bits(bits, is_signed);
    if (k < 1 || k > 8) {
        util_err_set(err, "apot: base bit-width k=%d out of range 1..8", k);
        return -1;
    }
    if (B == 1) {
        double mag[2] = { 0, 1 };
        int cost[2] = { 0, 1 };
        return finish("apot", bits, is_signed, mag, cost, 2, out);
    }
    /* Term option lists: terms[t][o], each an exponent (or -1 = zero). */
    int nterms = 0;
    int opts[16][256];
    int nopts[16];
    int n = B / k, r = B % k;
    if (k == 2) {
        n = B / 2;
        for (int i = 0; i < n; i++) {
            nopts[nterms] = 4;
            opts[nterms][0] = -1;
            opts[nterms][1] = i;
            opts[nterms][2] = i + n;
            opts[nterms][3] = (B % 2) ? i + 2 * n + 1 : i + 2 * n;
            nterms++;
        }
        if (B % 2) {
            nopts[nterms] = 2;
            opts[nterms][0] = -1;
            opts[nterms][1] = 2 * n;
            nterms++;
        }
    } else {
        for (int i = 0; i < n; i++) {
            nopts[nterms] = 1 << k;
            opts[nterms][0] = -1;
            for (int j = 0; j < (1 << k) - 1; j++)
                opts[nterms][j + 1] = i + j * n;
            nterms++;
        }
        if (r) {
            int base = n * ((1 << k) - 1);
            nopts[nterms] = 1 << r;
            opts[nterms][0] = -1;
            for (int j = 0; j < (1 << r) - 1; j++)
                opts[nterms][j + 1] = base + j;
            nterms++;
        }
    }
    size_t m = 1;
    for (int t = 0; t < nterms; t++)
        m *= (size_t)nopts[t];
    double *mag = util_mallocarray(m, sizeof *mag);
    int *cost = util_mallocarray(m, sizeof *cost);
    for (size_t c = 0; c < m; c++) {
        size_t rest = c;
        double s = 0;
        int nz = 0;
        for (int t = 0; t < nterms; t++) {
            int o = (int)(rest % (size_t)nopts[t]);
            rest /= (size_t)nopts[t];
            if (opts[t][o] >= 0) {
                s += ldexp(1.0, -opts[t][o]);
                nz++;
            }
        }
        mag[c] = s;
        /* The minimal number of signed powers of two is at most the number
         * of terms and at most the binary popcount. */
        int pc = levels_popcount_dyadic(s);
        cost[c] = nz < pc ? nz : pc;
    }
    int res = finish("apot", bits, is_signed, mag, cost, m, out);
    free(mag);
    free(cost);
    return res;
}

static const scheme_def scheme_uniform = {
    "uniform", "uniform levels j/(2^B-1)", 2, 8, build_uniform, 0,
};
static const scheme_def scheme_pot = {
    "pot", "powers of two 2^-j and 0", 2, 8, build_pot, 0,
};
static const scheme_def scheme_apot = {
    "apot", "additive powers of two (Li, Dong & Wang, ICLR 2020), k = 2", 2, 8, build_apot, 0,
};

const scheme_def *const levels_schemes[] = {
    &scheme_uniform,
    &scheme_pot,
    &scheme_apot,
    &scheme_int_asym,
    &scheme_nf4,
    &scheme_fp4_e2m1,
    &scheme_fp6_e2m3,
    &scheme_fp6_e3m2,
    &scheme_fp8_e4m3,
    &scheme_fp8_e5m2,
    &scheme_mxfp4,
    &scheme_q4_0,
    &scheme_q8_0,
    &scheme_log2_sqrt2,
    &scheme_lloyd_max,
    &scheme_custom,
    &scheme_stored,
    NULL,
};

const scheme_def *levels_find(const char *name)
{
    const char *colon = strchr(name, ':');
    size_t len = colon ? (size_t)(colon - name) : strlen(name);
    for (size_t i = 0; levels_schemes[i]; i++) {
        const scheme_def *s = levels_schemes[i];
        if (strlen(s->name) != len || strncmp(s->name, name, len) != 0)
            continue;
        if (!colon == !(s->flags & SCHEME_ARG))
            return s;
    }
    return NULL;
}

int levels_build(const char *scheme, int bits, int is_signed,
                 const levels_params *prm, levelset *out, util_err *err)
{
    memset(out, 0, sizeof *out);
    const scheme_def *s = levels_find(scheme);
    if (!s) {
        util_err_set(err, "unknown scheme '%s'", scheme);
        return -1;
    }
    if (s->flags & SCHEME_ARG) {
        levels_params p2 = { 0, NULL };
        if (prm)
            p2 = *prm;
        p2.arg = strchr(scheme, ':') + 1;
        int r = s->build(bits, is_signed, &p2, out, err);
        if (r == 0)
            out->scheme = scheme;
        return r;
    }
    if (bits < s->min_bits || bits > s->max_bits) {
        util_err_set(err, "%s: bits must be %d..%d, not %d", s->name, s->min_bits,
                     s->max_bits, bits);
        return -1;
    }
    return s->build(bits, is_signed, prm, out, err);
}

void levels_alloc(levelset *out, const char *name, int bits, int is_signed, size_t n)
{
    memset(out, 0, sizeof *out);
    out->scheme = name;
    out->bits = bits;
    out->is_signed = is_signed;
    out->n = n;
    out->v = util_mallocarray(n, sizeof *out->v);
    out->terms = util_mallocarray(n, sizeof *out->terms);
}

void levels_free(levelset *ls)
{
    free(ls->v);
    free(ls->terms);
    memset(ls, 0, sizeof *ls);
}

void levels_lut_init(levels_lut *t, const double *v, size_t L, int ncell)
{
    t->L = L;
    t->mid = util_mallocarray(L > 1 ? L - 1 : 1, sizeof *t->mid);
    for (size_t k = 0; k + 1 < L; k++)
        t->mid[k] = 0.5 * (v[k] + v[k + 1]);
    t->ncell = ncell;
    t->cnt = util_mallocarray((size_t)ncell + 2, sizeof *t->cnt);
    double span = L > 0 ? v[L - 1] - v[0] : 0, w = span > 0 ? span / ncell : 1;
    t->lo = L > 0 ? v[0] : 0;
    t->inv = 1 / w;
    size_t k = 0;
    for (int c = 0; c <= ncell; c++) {
        double start = t->lo + ((double)c - 0.01) * w;
        while (k + 1 < L && t->mid[k] < start)
            k++;
        t->cnt[c] = (uint32_t)k;
    }
    t->cnt[ncell + 1] = (uint32_t)(L > 0 ? L - 1 : 0);
}

void levels_lut_free(levels_lut *t)
{
    free(t->mid);
    free(t->cnt);
    t->mid = NULL;
    t->cnt = NULL;
}
