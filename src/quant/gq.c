/*
 * gq.c - group-wise quantization in one streaming pass (gq.h).
 *
 * Exact per-group MSE-optimal alpha (opt_alpha). For values x_i and a
 * level set v (max |v| = 1), SSE(alpha) = sum_i (x_i - alpha v_k(i))^2
 * with k(i) the level nearest to x_i / alpha. Between the alphas where
 * some x_i / alpha crosses a decision boundary b_j (alpha = x_i / b_j,
 * only boundaries of x_i's sign) the assignment is fixed and
 *   SSE(alpha) = S2 - 2 alpha B + alpha^2 C,  B = sum x_i v_k(i),
 *   C = sum v_k(i)^2,
 * a quadratic whose minimum on the piece is B / C clamped to it. As alpha
 * falls every crossing moves a value to a level farther from zero on its
 * side, so B and C only grow: each crossing adds dB = |x| (|v'| - |v|)
 * > 0 and dC = v'^2 - v^2 > 0. Every local minimum of SSE lies inside a
 * piece (SSE is a sum of minima of quadratics: its kinks are concave) or
 * at alpha = max|x|.
 *
 * The walk. Start at alpha = max|x| (U = SSE there). The clipping error
 * CL(alpha) = sum_{|x| > alpha} (|x| - alpha)^2 is a lower bound of SSE
 * (no level exceeds 1) that grows as alpha falls, so alpha below the
 * alpha_stop where CL = U cannot win: alpha_stop is solved exactly from the
 * magnitudes sorted descending (CL is quadratic between them). Only the
 * crossings in (alpha_stop, max|x|] are visited, in descending alpha, and
 * only a piece whose own minimum B / C lies inside it is evaluated (SSE's
 * kinks are concave). The result is the global optimum (ties: the largest
 * alpha).
 *
 * Symmetric level sets with at most SORTED_MAXR boundaries >= 0 (signed
 * uniform, pot, apot, fp4 ...; opt_sorted): the group's magnitudes are
 * sorted once (radix sort on the bits) and shared by every scheme; B and
 * C at any alpha come from prefix sums and binary searches; the values
 * crossing boundary j in the window are one run of the sorted list,
 * already in descending alpha, so a counting sort by alpha plus an
 * insertion pass orders all crossings. Other level sets (asymmetric,
 * many levels; opt_core2): each value's crossings from its level at
 * max|x| (vector kernel), bucketed by alpha with a per-bucket lower bound
 * (the values that do not cross in the bucket keep their quadratic, the
 * others count >= 0); only buckets below the upper bound are sorted and
 * walked.
 *
 * Vector kernels (gq_kern.h): per-group absmax and sum of squares, the
 * uniform map (x * (1 / s), round, clamp; divided when near a tie),
 * nearest level by counting midpoints below (<= 64 levels), mxfp4, q4_0,
 * q8_0, the bfloat16 conversion, the assignment for the mse walk; AVX2
 * chosen at run time, same bits as the baseline build. Level usage: the
 * kernels store one byte per value, counted into 4 sub-histograms.
 */
#include "config.h"
#include "quant/gq.h"
#include "quant/schemes.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NB 64              /* buckets of the mse walk */
#define GQ_MAXBK 4096      /* most buckets of the sorted walk */
#define FMAX(a, b) ((a) > (b) ? (a) : (b))
#define UNIT_VALUES 32768  /* values per unit of work (fixed: determinism) */
#define GQ_MAXJOBS 64      /* schemes in one gq_run */

/* ---- scales ------------------------------------------------------------------ */

/* s > 0 to p significant bits, exponent >= emin (subnormals), RNE,
 * saturating at maxv. */
static double round_bits(double s, int p, int emin, double maxv)
{
    int e;
    frexp(s, &e);              /* s = f 2^e, f in [0.5, 1) */
    int E = e - 1;             /* exponent of the leading bit */
    if (E < emin)
        E = emin;
    double q = ldexp(1.0, E - (p - 1));
    double r = nearbyint(s / q) * q;
    return r > maxv ? maxv : r;
}

double gq_round_scale(double s, scale_dtype d)
{
    if (!(s > 0))
        return 0;
    if (isinf(s))
        s = DBL_MAX;
    switch (d) {
    case SCALE_FP32: {
        double r = round_bits(s, 24, -126, FLT_MAX);
        return r;
    }
    case SCALE_BF16:
        return round_bits(s, 8, -126, 0x1.fep127);
    case SCALE_E8M0: {
        int e;
        double f = frexp(s, &e);
        int x = f == 0.5 ? e - 1 : e;
        if (x < -127)
            x = -127;
        if (x > 127)
            x = 127;
        return ldexp(1.0, x);
    }
    case SCALE_DEFAULT:
    case SCALE_FP16:
        break;
    }
    return round_bits(s, 11, -14, 65504.0);
}

int gq_scale_bits(scale_dtype d)
{
    switch (d) {
    case SCALE_FP32: return 32;
    case SCALE_E8M0: return 8;
    default: return 16;
    }
}

/* round to float32 (RNE) keeping the sign: the formats' fp32 arithmetic */
static inline float f16_round(float d)
{
    double a = fabs((double)d);
    double r = gq_round_scale(a, SCALE_FP16);
    return (float)(d < 0 ? -r : r);
}

/* ---- schemes ------------------------------------------------------------------ */

typedef enum gkind { GK_GENERIC, GK_UNIFORM, GK_INTASYM, GK_NF4, GK_MXFP4, GK_Q4_0, GK_Q8_0 } gkind;

/* one side of a level set for the mse walk: the levels a value of that
 * sign can take, as magnitudes ascending in "side coordinates" (+: v,
 * -: -v reversed), with their L - 1 midpoints */
#define SIDE_LUT 256
typedef struct side {
    size_t L;
    double *lv, *md;
    double *dlv, *dl2;     /* per boundary j: lv[j+1] - lv[j], lv[j+1]^2 - lv[j]^2 */
    double *imd;           /* 1 / md[j] (md[j] > 0), else 0 */
    uint16_t lut[SIDE_LUT + 1];  /* midpoints certainly below u = c / SIDE_LUT */
    long long z;           /* #{j : md[j] < 0}: the index of u = 0 */
    size_t nm;             /* the midpoints >= 0 ... */
    const double *mz;      /* ... md + z */
    int sym;               /* the other side is the same (set by the caller) */
} side;

/* ---- vector kernels (gq_kern.h) -------------------------------------------- */

typedef double v4d __attribute__((vector_size(32)));
typedef long long v4di __attribute__((vector_size(32)));
typedef float v4sf __attribute__((vector_size(16)));
typedef int v4si __attribute__((vector_size(16)));
typedef unsigned v4su __attribute__((vector_size(16)));
typedef unsigned char v16qi __attribute__((vector_size(16)));
typedef unsigned char v32qi __attribute__((vector_size(32)));
typedef float v8sf __attribute__((vector_size(32)));
typedef int v8si __attribute__((vector_size(32)));

typedef struct kres {
    double sse, me;
    uint64_t cl;
} kres;

typedef struct kern {
    void (*stats)(const double *x, size_t n, double *amax, double *s2);
    void (*mag)(const double *x, size_t n, double *mag, unsigned char *sg);
    void (*uni)(const double *x, size_t n, double sc, double lo, double hi, double xlo, double xhi,
                kres *o, unsigned char *idx);
    void (*cnt)(const double *x, size_t n, double sc, const double *mid, const double *nat,
                size_t L, double xlo, double xhi, kres *o, unsigned char *idx);
    void (*mx)(const double *x, size_t n, double X, kres *o, unsigned char *idx);
    void (*q)(const double *x, size_t n, float id, double dq, int q8, kres *o, unsigned char *idx);
    void (*assign)(const double *mag, const unsigned char *sg, size_t n, double inva, const side *sp,
                   const side *sn, double *B, double *C, unsigned char *k);
    int (*bf16)(const unsigned char *c, size_t len, double *x, double *amax, double *s2);
    int (*bf16f)(const unsigned char *c, size_t len, float *xf);
    void (*statsf)(const float *x, size_t n, double *amax, double *s2);
    int (*unif)(const float *x, size_t n, double sc, double lo, double hi, float xlof, float xhif,
                int exf, int sc11, kres *o, unsigned char *idx);
    void (*mxf)(const float *x, size_t n, double X, int exf, kres *o, unsigned char *idx);
    void (*f2d)(const float *xf, size_t n, double *x);
    int (*bf16s)(const unsigned char *c, size_t len, float *xf, double *amax, double *s2);
    void (*cntf)(const float *x, size_t n, double sc, const float *thr, const double *nat, size_t L,
                 float xlof, float xhif, kres *o, unsigned char *idx);
} kern;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
#define KSFX base
#include "quant/gq_kern.h"
#undef KSFX
#if defined(__x86_64__) && defined(__GNUC__)
#define GQ_HAVE_AVX2 1
#pragma GCC push_options
#pragma GCC target("avx2")
#define KSFX avx2
#include "quant/gq_kern.h"
#undef KSFX
#pragma GCC pop_options
#endif
#pragma GCC diagnostic pop

static int kern_force;     /* gq_set_kernel */

int gq_set_kernel(int path)
{
    if (path == 2) {
#ifdef GQ_HAVE_AVX2
        if (!__builtin_cpu_supports("avx2"))
            return -1;
#else
        return -1;
#endif
    }
    kern_force = path;
    return 0;
}

static const kern *kern_pick(void)
{
#ifdef GQ_HAVE_AVX2
    if (kern_force == 2 || (kern_force == 0 && __builtin_cpu_supports("avx2")))
        return &kern_avx2;
#endif
    return &kern_base;
}

typedef struct gsch {
    gq_job *job;
    gkind kind;
    size_t L;
    const double *v;
    double natmax;
    double *nat, *mid;     /* natural units: L levels, L - 1 midpoints */
    levels_lut lut;        /* the nearest level over nat (levels.h); mid is lut.mid */
    long qmin, qmax;       /* uniform integer codes */
    size_t zero_idx;       /* the level nearest 0 */
    scale_dtype sd;
    int maxq;              /* int-asym: 2^b - 1 */
    side sp, sn;
    float nf4thr[15];
} gsch;

static double natmax_of(const levelset *ls)
{
    const char *n = ls->scheme;
    if (strcmp(n, "uniform") == 0)
        return ls->is_signed ? (double)((ls->n - 1) / 2) : (double)(ls->n - 1);
    if (strcmp(n, "fp4-e2m1") == 0 || strcmp(n, "mxfp4") == 0)
        return 6;
    if (strcmp(n, "fp6-e2m3") == 0)
        return 7.5;
    if (strcmp(n, "fp6-e3m2") == 0)
        return 28;
    if (strcmp(n, "fp8-e4m3") == 0)
        return 448;
    if (strcmp(n, "fp8-e5m2") == 0)
        return 57344;
    return 1;
}

static void side_build(side *sd, const double *v, size_t L, int neg)
{
    sd->L = L;
    sd->lv = util_mallocarray(L, sizeof *sd->lv);
    sd->md = util_mallocarray(L > 1 ? L - 1 : 1, sizeof *sd->md);
    for (size_t k = 0; k < L; k++)
        sd->lv[k] = neg ? -v[L - 1 - k] : v[k];
    for (size_t k = 0; k + 1 < L; k++)
        sd->md[k] = 0.5 * (sd->lv[k] + sd->lv[k + 1]);
    sd->dlv = util_mallocarray(L, sizeof *sd->dlv);
    sd->dl2 = util_mallocarray(L, sizeof *sd->dl2);
    sd->imd = util_mallocarray(L, sizeof *sd->imd);
    for (size_t k = 0; k + 1 < L; k++) {
        sd->dlv[k] = sd->lv[k + 1] - sd->lv[k];
        sd->dl2[k] = sd->lv[k + 1] * sd->lv[k + 1] - sd->lv[k] * sd->lv[k];
        sd->imd[k] = sd->md[k] > 0 ? 1 / sd->md[k] : 0;
    }
    sd->z = 0;
    while ((size_t)sd->z + 1 < L && sd->md[sd->z] < 0)
        sd->z++;
    sd->nm = L - 1 - (size_t)sd->z;
    sd->mz = sd->md + sd->z;
    sd->sym = 0;
    size_t k = 0;
    for (int c = 0; c <= SIDE_LUT; c++) {
        double start = ((double)c - 0.01) / SIDE_LUT;
        while (k + 1 < L && sd->md[k] < start)
            k++;
        sd->lut[c] = (uint16_t)(k < 65535 ? k : 65535);
    }
}

static void side_sym(side *a, side *b)
{
    int same = a->L == b->L;
    for (size_t k = 0; same && k < a->L; k++)
        same = a->lv[k] == b->lv[k];
    a->sym = b->sym = same;
}

static void side_free(side *sd)
{
    free(sd->lv);
    free(sd->md);
    free(sd->dlv);
    free(sd->dl2);
    free(sd->imd);
}

static void gsch_init(gsch *g, gq_job *job, const analyze_cfg *cfg)
{
    memset(g, 0, sizeof *g);
    g->job = job;
    const levelset *ls = &job->ls;
    const char *n = ls->scheme;
    g->L = ls->n;
    g->v = ls->v;
    g->natmax = natmax_of(ls);
    g->sd = cfg->sdtype != SCALE_DEFAULT ? cfg->sdtype
                                         : strcmp(n, "nf4") == 0 ? SCALE_FP32 : SCALE_FP16;
    if (strcmp(n, "mxfp4") == 0) {
        g->kind = GK_MXFP4;
        g->sd = SCALE_E8M0;
    } else if (strcmp(n, "q4_0") == 0) {
        g->kind = GK_Q4_0;
        g->sd = SCALE_FP16;
    } else if (strcmp(n, "q8_0") == 0) {
        g->kind = GK_Q8_0;
        g->sd = SCALE_FP16;
    } else if (ls->asym)
        g->kind = GK_INTASYM;
    else if (strcmp(n, "nf4") == 0 && cfg->amode == ALPHA_MAX)
        g->kind = GK_NF4;
    else if (strcmp(n, "uniform") == 0)
        g->kind = GK_UNIFORM;
    else
        g->kind = GK_GENERIC;
    g->maxq = (int)ls->n - 1;
    size_t L = g->L;
    g->nat = util_mallocarray(L, sizeof *g->nat);
    for (size_t k = 0; k < L; k++) {
        double w = ls->v[k] * g->natmax;
        if (g->natmax != 1)        /* integers and dyadic minifloat values */
            w = ldexp(nearbyint(ldexp(w, 24)), -24);
        g->nat[k] = w;
    }
    levels_lut_init(&g->lut, g->nat, L, L <= 16 ? 64 : 4096);
    g->mid = g->lut.mid;
    g->qmin = (long)g->nat[0];
    g->qmax = (long)g->nat[L - 1];
    size_t z = 0;
    for (size_t k = 1; k < L; k++)
        if (fabs(g->nat[k]) < fabs(g->nat[z]))
            z = k;
    g->zero_idx = z;
    side_build(&g->sp, ls->v, L, 0);
    side_build(&g->sn, ls->v, L, 1);
    side_sym(&g->sp, &g->sn);
    if (g->kind == GK_NF4)
        for (int j = 0; j < 15; j++)
            g->nf4thr[j] = (float)(0.5 * (schemes_nf4_values[j] + schemes_nf4_values[j + 1]));
}

static void gsch_free(gsch *g)
{
    free(g->nat);
    levels_lut_free(&g->lut);
    side_free(&g->sp);
    side_free(&g->sn);
}

/* index of the level nearest to t (natural units), ties to the lower */
static inline size_t find_level(const gsch *g, double t)
{
    return levels_lut_find(&g->lut, t);
}

int gq_handles(const analyze_cfg *cfg, const scheme_def *d)
{
    if (d && (d->flags & SCHEME_MX))
        return 1;
    if (d && (d->flags & SCHEME_DATA))
        return 0;
    switch (cfg->amode) {
    case ALPHA_MAX:
    case ALPHA_VALUE:
    case ALPHA_FILE:
    case ALPHA_MSE:
        return 1;
    default:
        return 0;
    }
}

/* ---- exact per-group optimum ------------------------------------------------ */

typedef struct ev {
    double a, dB, dC;
} ev;

typedef struct ws {
    double *x;             /* gathered group */
    float *xf;             /* gathered group as floats (run.fpath) */
    int have_x;            /* x holds the group (fpath: converted on demand) */
    double *mag;           /* |x| */
    unsigned char *sg;     /* 1: negative side */
    unsigned char *k0, *k1;  /* side indexes (L <= 256) */
    unsigned char *idx;    /* level index per value (the counts) */
    double *top, *P1, *P2; /* all magnitudes, descending, prefix sums */
    uint64_t *ka, *kb;     /* sort keys */
    uint32_t *bcnt;        /* GQ_MAXBK + 1 bucket counts */
    size_t ntop;
    double S2;             /* of the group (group_prep) */
    ev *e, *e2;
    int *eb;
    size_t ecap;
    size_t cap;
    int fused;             /* gather_group filled famax, fS2 */
    double famax, fS2;
} ws;

static void ws_init(ws *w, size_t cap)
{
    memset(w, 0, sizeof *w);
    if (cap < 1)
        cap = 1;
    w->cap = cap;
    w->x = util_mallocarray(cap, sizeof *w->x);
    w->xf = util_mallocarray(cap + 8, sizeof *w->xf);
    w->mag = util_mallocarray(cap, sizeof *w->mag);
    w->sg = util_mallocarray(cap, 1);
    w->k0 = util_mallocarray(cap + 4, 1);
    w->k1 = util_mallocarray(cap + 4, 1);
    w->idx = util_mallocarray(cap + 8, 1);
    w->top = util_mallocarray(cap, sizeof *w->top);
    w->P1 = util_mallocarray(cap + 1, sizeof *w->P1);
    w->P2 = util_mallocarray(cap + 1, sizeof *w->P2);
    w->ka = util_mallocarray(cap, sizeof *w->ka);
    w->bcnt = util_mallocarray(GQ_MAXBK + 1, sizeof *w->bcnt);
    w->kb = util_mallocarray(cap, sizeof *w->kb);
    w->ecap = 4 * cap + 64;
    w->e = util_mallocarray(w->ecap, sizeof *w->e);
    w->e2 = util_mallocarray(w->ecap, sizeof *w->e2);
    w->eb = util_mallocarray(w->ecap, sizeof *w->eb);
}

static void ws_free(ws *w)
{
    free(w->x);
    free(w->xf);
    free(w->mag);
    free(w->sg);
    free(w->k0);
    free(w->k1);
    free(w->idx);
    free(w->top);
    free(w->P1);
    free(w->P2);
    free(w->ka);
    free(w->bcnt);
    free(w->kb);
    free(w->e);
    free(w->e2);
    free(w->eb);
}

static void ev_grow(ws *w)
{
    w->ecap *= 2;
    w->e = util_realloc(w->e, w->ecap * sizeof *w->e);
    w->e2 = util_realloc(w->e2, w->ecap * sizeof *w->e2);
    w->eb = util_realloc(w->eb, w->ecap * sizeof *w->eb);
}

/* All magnitudes sorted descending (w->top, ntop = n) with prefix sums:
 * an LSD radix sort on the bits of the doubles (>= 0: the bit patterns
 * order like the values) over the bit range where the keys differ, in
 * passes of at most 8 bits (as few passes as that allows, digits even). */
static void top_build(ws *w, size_t n)
{
    uint64_t *k = w->ka, *t = w->kb, an = ~(uint64_t)0, orv = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t b;
        memcpy(&b, &w->mag[i], sizeof b);
        k[i] = ~b;             /* ascending ~b: descending magnitude */
        an &= k[i];
        orv |= k[i];
    }
    uint64_t diff = an ^ orv;
    if (diff) {
        int lo = __builtin_ctzll(diff), hi = 63 - __builtin_clzll(diff);
        int bits = hi - lo + 1, np = (bits + 7) / 8, dw = (bits + np - 1) / np;   /* even digits */
        uint64_t dm = ((uint64_t)1 << dw) - 1;
        /* each pass: the two halves of the array counted and placed with
         * their own counters (the second half's after the first's in every
         * digit: stable), interleaved, so two chains of same-digit stores */
        size_t h = n / 2;
        for (int sh = lo; sh <= hi; sh += dw) {
            uint32_t ca[257], cb[257];
            memset(ca, 0, (dm + 1) * sizeof *ca);
            memset(cb, 0, (dm + 1) * sizeof *cb);
            for (size_t i = 0; i < h; i++) {
                ca[(k[i] >> sh) & dm]++;
                cb[(k[h + i] >> sh) & dm]++;
            }
            for (size_t i = 2 * h; i < n; i++)
                cb[(k[i] >> sh) & dm]++;
            uint32_t acc = 0;
            for (uint64_t d = 0; d <= dm; d++) {
                uint32_t a = ca[d], b = cb[d];
                ca[d] = acc;
                cb[d] = acc + a;
                acc += a + b;
            }
            for (size_t i = 0; i < h; i++) {
                uint64_t x0 = k[i], x1 = k[h + i];
                t[ca[(x0 >> sh) & dm]++] = x0;
                t[cb[(x1 >> sh) & dm]++] = x1;
            }
            for (size_t i = 2 * h; i < n; i++)
                t[cb[(k[i] >> sh) & dm]++] = k[i];
            uint64_t *x = k;
            k = t;
            t = x;
        }
    }
    /* prefix sums in blocks of 8: the sums within a block, then the
     * blocks' offsets (a chain of n / 8 additions, not n) */
    double *P1 = w->P1, *P2 = w->P2;
    P1[0] = P2[0] = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t b = ~k[i];
        double a;
        memcpy(&a, &b, sizeof a);
        w->top[i] = a;
    }
    for (size_t b0 = 0; b0 < n; b0 += 8) {
        size_t e = b0 + 8 < n ? b0 + 8 : n;
        double s1 = 0, s2 = 0;
        for (size_t i = b0; i < e; i++) {
            s1 += w->top[i];
            s2 += w->top[i] * w->top[i];
            P1[i + 1] = s1;
            P2[i + 1] = s2;
        }
    }
    for (size_t b0 = 8; b0 < n; b0 += 8) {
        size_t e = b0 + 8 < n ? b0 + 8 : n;
        double o1 = P1[b0], o2 = P2[b0];
        for (size_t i = b0; i < e; i++) {
            P1[i + 1] += o1;
            P2[i + 1] += o2;
        }
    }
    w->ntop = n;
}

/* The largest alpha >= floor with CL(alpha) >= U from the top list (all
 * values above floor); -1 when CL(floor) < U. */
static double clip_stop(const ws *w, double U, double floor_)
{
    for (size_t k = 1; k <= w->ntop; k++) {
        double hi = w->top[k - 1], lo = k < w->ntop ? w->top[k] : floor_;
        double kk = (double)k, P1 = w->P1[k], P2 = w->P2[k];
        double cl_lo = kk * lo * lo - 2 * lo * P1 + P2;
        if (cl_lo < U)
            continue;
        /* root of k a^2 - 2 a P1 + P2 = U in [lo, hi] (the one below P1/k) */
        double disc = P1 * P1 - kk * (P2 - U);
        double a = disc > 0 ? (P1 - sqrt(disc)) / kk : P1 / kk;
        if (a > hi)
            a = hi;
        if (a < lo)
            a = lo;
        /* stay on the safe side of rounding: CL(a) >= U */
        while (a > lo && kk * a * a - 2 * a * P1 + P2 < U)
            a = nextafter(a, lo) - (a - lo) * 1e-12;
        return a < lo ? lo : a;
    }
    return -1;
}

static inline void piece_min(double B, double C, double lo, double hi, double S2, double *best,
                             double *balpha)
{
    double a = C > 0 ? B / C : hi;
    if (a > hi)
        a = hi;
    if (a < lo)
        a = lo;
    double f = S2 - 2 * a * B + a * a * C;
    if (f < *best || (f == *best && a > *balpha)) {
        *best = f;
        *balpha = a;
    }
}

/* Per group, shared by the schemes: |x|, signs, S2, max|x|, the largest
 * magnitudes sorted (clip bound). Returns amax. */
static double group_prep(const kern *K, ws *w, size_t n, double *S2o)
{
    double S2, amax;
    K->stats(w->x, n, &amax, &S2);
    K->mag(w->x, n, w->mag, w->sg);
    *S2o = S2;
    if (amax > 0)
        top_build(w, n);
    return amax;
}

/* The exact optimum for one scheme's sides over the group in w (after
 * group_prep).
 *
 * 1. The assignment at amax (vector kernel): k0, B0, C0, SSE(amax).
 * 2. An upper bound U: two steps alpha <- B / C from amax (each an exact
 *    SSE at its alpha, never above the last: Lloyd's step on the scale),
 *    so U is near the optimum and the clipping bound's alpha_stop is high.
 * 3. The crossings in (alpha_stop, amax] from k0, bucketed by alpha; B and
 *    C at every bucket edge by a prefix over the buckets; a bucket whose
 *    lower bound (B after it, C before it) exceeds U cannot hold the
 *    optimum and is skipped; the others are sorted and walked exactly.
 * The pruning compares with U (1 + 1e-12) + 1e-14 S2: a bound computed with
 * rounding never removes the optimum. */
/* K->assign for sides with many midpoints: the side's lookup table and a
 * scan (the same k = #{j : md[j] < u}; sums in the kernels' 4 lanes) */
static void assign_lut(const double *mag, const unsigned char *sg, size_t n, double inva,
                       const side *sp, const side *sn, double *Bo, double *Co, unsigned char *ko)
{
    double B[4] = { 0, 0, 0, 0 }, C[4] = { 0, 0, 0, 0 };
    for (size_t i = 0; i < n; i++) {
        const side *sd = sg[i] ? sn : sp;
        double u = mag[i] * inva;
        long c = (long)(u * SIDE_LUT);
        c = c < 0 ? 0 : c > SIDE_LUT ? SIDE_LUT : c;
        size_t k = sd->lut[c];
        while (k + 1 < sd->L && sd->md[k] < u)
            k++;
        ko[i] = (unsigned char)k;
        B[i & 3] += mag[i] * sd->lv[k];
        C[i & 3] += sd->lv[k] * sd->lv[k];
    }
    *Bo = (B[0] + B[1]) + (B[2] + B[3]);
    *Co = (C[0] + C[1]) + (C[2] + C[3]);
}

static double opt_core2(const kern *K, const side *sp, const side *sn, ws *w, size_t n, double S2,
                        double amax)
{
    void (*assign)(const double *, const unsigned char *, size_t, double, const side *,
                   const side *, double *, double *, unsigned char *) =
        sp->nm > 16 || sn->nm > 16 ? assign_lut : K->assign;
    if (!(amax > 0))
        return 0;
    double B, C;
    assign(w->mag, w->sg, n, 1 / amax, sp, sn, &B, &C, w->k0);
    double best = S2 - 2 * amax * B + amax * amax * C, balpha = amax;
    if (best < 0)
        best = 0;
    double U = best;
    {
        double a = amax, Bl = B, Cl = C;
        for (int it = 0; it < 2; it++) {
            double an = Cl > 0 ? Bl / Cl : a;
            if (!(an < a) || !(an > 0))
                break;
            double Bn, Cn;
            assign(w->mag, w->sg, n, 1 / an, sp, sn, &Bn, &Cn, w->k1);
            double f = S2 - 2 * an * Bn + an * an * Cn;
            if (!(f < U))
                break;
            U = f;
            a = an;
            Bl = Bn;
            Cl = Cn;
        }
    }
    double slack = 1e-14 * S2;
    double Up = U * (1 + 1e-12) + slack;
    /* alpha_stop from the clipping bound (the top list is shared) */
    double as = clip_stop(w, Up, 0);
    if (as < 0)
        as = 0;
    if (!(as < amax))
        return balpha;
    /* crossings in (as, amax], bucketed by alpha, with per-bucket sums */
    size_t ne = 0;
    double Wd = (amax - as) / NB, invW = NB / (amax - as);
    int bn[NB + 1];
    double dBb[NB], dCb[NB], xS[NB], xB[NB], xC[NB];
    memset(bn, 0, sizeof bn);
    memset(dBb, 0, sizeof dBb);
    memset(dCb, 0, sizeof dCb);
    memset(xS, 0, sizeof xS);
    memset(xB, 0, sizeof xB);
    memset(xC, 0, sizeof xC);
    for (size_t i = 0; i < n; i++) {
        double a = w->mag[i];
        const side *sd = w->sg[i] ? sn : sp;
        for (size_t j = w->k0[i]; j + 1 < sd->L; j++) {
            if (!(sd->md[j] * as < a))
                break;
            double ae = a * sd->imd[j];
            if (ne == w->ecap)
                ev_grow(w);
            long bk = (long)((amax - ae) * invW);
            bk = bk < 0 ? 0 : bk >= NB ? NB - 1 : bk;
            double db = a * sd->dlv[j], dc = sd->dl2[j];
            w->e[ne].a = ae;
            w->e[ne].dB = db;
            w->e[ne].dC = dc;
            w->eb[ne] = (int)bk;
            dBb[bk] += db;
            dCb[bk] += dc;
            xS[bk] += a * a;           /* the value as it is above its crossing */
            xB[bk] += a * sd->lv[j];
            xC[bk] += sd->lv[j] * sd->lv[j];
            bn[bk + 1]++;
            ne++;
        }
    }
    for (int b = 0; b < NB; b++)
        bn[b + 1] += bn[b];
    /* which buckets can hold the optimum */
    double Bt[NB + 1], Ct[NB + 1];
    unsigned char walk[NB];
    Bt[0] = B;
    Ct[0] = C;
    for (int b = 0; b < NB; b++) {
        Bt[b + 1] = Bt[b] + dBb[b];
        Ct[b + 1] = Ct[b] + dCb[b];
    }
    for (int b = 1; b < NB; b++) {   /* the exact SSE at every edge: U */
        double hi = amax - b * Wd;
        double f = S2 - 2 * hi * Bt[b] + hi * hi * Ct[b];
        if (f < U)
            U = f;
    }
    Up = U * (1 + 1e-12) + slack;
    int any = 0;
    for (int b = 0; b < NB; b++) {
        /* a lower bound in the bucket: the values that do not cross in it
         * keep their assignment at its top, the others' errors are >= 0
         * (a value crossing twice is taken out twice: lower, still a bound) */
        double hi = b == 0 ? amax : amax - b * Wd, lo = b == NB - 1 ? as : amax - (b + 1) * Wd;
        double S = S2 - xS[b], Bb = Bt[b] - xB[b], Cb = Ct[b] - xC[b];
        double lb;
        if (Cb > 0) {
            double a = Bb / Cb;
            a = a > hi ? hi : a < lo ? lo : a;
            lb = S - 2 * a * Bb + a * a * Cb;
        } else {
            double f1 = S - 2 * hi * Bb + hi * hi * Cb, f2 = S - 2 * lo * Bb + lo * lo * Cb;
            lb = f1 < f2 ? f1 : f2;
        }
        walk[b] = !(lb > Up);
        any |= walk[b];
    }
    if (!any)
        return balpha;
    {
        int pos[NB];
        memcpy(pos, bn, sizeof pos);
        for (size_t i = 0; i < ne; i++)
            if (walk[w->eb[i]])
                w->e2[pos[w->eb[i]]++] = w->e[i];
    }
    /* the walk down from amax through the buckets kept: every piece's
     * clamped B / C */
    for (int b = 0; b < NB; b++) {
        if (!walk[b])
            continue;
        double hi = b == 0 ? amax : amax - b * Wd, lo = b == NB - 1 ? as : amax - (b + 1) * Wd;
        ev *e = w->e2 + bn[b];
        int m = bn[b + 1] - bn[b];
        for (int i = 1; i < m; i++) {       /* descending alpha */
            ev t = e[i];
            int j = i;
            while (j > 0 && e[j - 1].a < t.a) {
                e[j] = e[j - 1];
                j--;
            }
            e[j] = t;
        }
        double Bw = Bt[b], Cw = Ct[b], cur = hi;
        for (int i = 0; i < m; i++) {
            double ae = e[i].a;
            if (ae > cur)
                ae = cur;
            if (ae < lo)
                ae = lo;
            piece_min(Bw, Cw, ae, cur, S2, &best, &balpha);
            Bw += e[i].dB;
            Cw += e[i].dC;
            cur = ae;
        }
        piece_min(Bw, Cw, lo, cur, S2, &best, &balpha);
    }
    return balpha;
}

#define SORTED_MAXR 128

/* #{i : m[i] > thr} for m descending */
static inline size_t cnt_above(const double *m, size_t n, double thr)
{
    if (n == 0)
        return 0;
    const double *b = m;
    while (n > 1) {            /* branch-free lower bound */
        size_t h = n / 2;
        b = b[h] > thr ? b + h : b;
        n -= h;
    }
    return (size_t)(b - m) + (*b > thr);
}

/* B and C at alpha from the sorted magnitudes (symmetric side sd): a
 * value m is above boundary j when m > mz[j] alpha */
static void bc_at(const side *sd, const ws *w, size_t n, double alpha, double *Bo, double *Co,
                  size_t *cnt)
{
    const double *m = w->top;
    size_t cp = n, z = (size_t)sd->z, cs[SORTED_MAXR];
    double B = 0, C = 0;
    for (size_t j = 0; j < sd->nm; j++)   /* independent searches: they overlap */
        cs[j] = cnt_above(m, n, sd->mz[j] * alpha);
    for (size_t j = 0; j < sd->nm; j++) {
        size_t c = cs[j];
        if (cnt)
            cnt[j] = c;
        double l = sd->lv[z + j];
        B += l * (w->P1[cp] - w->P1[c]);
        C += l * l * (double)(cp - c);
        cp = c;
    }
    double l = sd->lv[sd->L - 1];
    B += l * w->P1[cp];
    C += l * l * (double)cp;
    *Bo = B;
    *Co = C;
}

/* try the piece [lo, hi] with B, C: only when its minimum B / C lies in it */
static inline void piece_in(double B, double C, double lo, double hi, double S2, double *best,
                            double *balpha)
{
    if ((C > 0) & (B >= lo * C) & (B <= hi * C)) {
        double a = B / C;
        a = a > hi ? hi : a < lo ? lo : a;
        double f = S2 - 2 * a * B + a * a * C;
        if (f < *best || (f == *best && a > *balpha)) {
            *best = f;
            *balpha = a;
        }
    }
}

/* The exact optimum for a symmetric level set (the same side for both
 * signs) with at most SORTED_MAXR boundaries >= 0, from the group's
 * magnitudes sorted descending (group_prep, shared by the schemes):
 *   - B, C at amax by binary searches and prefix sums: U = SSE(amax)
 *     gives the clipping bound alpha_stop;
 *   - the values crossing boundary j in (alpha_stop, amax] are a run of
 *     the sorted list, in descending alpha (m / mz[j]): the runs merged
 *     give every crossing in order, no sort;
 *   - a piece can hold the optimum only where its B / C lies inside it
 *     (SSE's kinks are concave: a minimum at a kink is also one of the
 *     piece's own); only there the SSE is computed.
 * Ties: the largest alpha. */
static double opt_sorted(const side *sd, ws *w, size_t n, double S2, double amax)
{
    if (!(amax > 0))
        return 0;
    const double *m = w->top;
    size_t R = sd->nm, z = (size_t)sd->z;
    double B, C;
    size_t pos[SORTED_MAXR], end[SORTED_MAXR];
    bc_at(sd, w, n, amax, &B, &C, pos);
    double best = S2 - 2 * amax * B + amax * amax * C, balpha = amax;
    if (best < 0)
        best = 0;
    /* U = SSE(amax): a better U (tried: exact SSEs at 0.7..0.9 amax,
     * Lloyd steps) barely raises alpha_stop (the clipping bound is weak)
     * and costs more than the crossings it saves */
    double U = best;
    double Up = U * (1 + 1e-12) + 1e-14 * S2;
    double as = clip_stop(w, Up, 0);
    if (as < 0)
        as = 0;
    if (!(as < amax))
        return balpha;
    /* the runs: boundary j, positions [pos, end) */
    double imd[SORTED_MAXR], dlv[SORTED_MAXR], dl2[SORTED_MAXR];
    for (size_t j = 0; j < R; j++)
        end[j] = cnt_above(m, n, sd->mz[j] * as);
    for (size_t j = 0; j < R; j++) {
        if (pos[j] > end[j])   /* (rounding) */
            pos[j] = end[j];
        imd[j] = sd->imd[z + j];
        dlv[j] = sd->dlv[z + j];
        dl2[j] = sd->dl2[z + j];
    }
    /* every crossing, by a counting sort on alpha into about 2 per
     * crossing buckets (a run is already descending: a bucket holds a
     * merge of at most R sorted pieces), then an insertion pass */
    size_t E = 0;
    for (size_t j = 0; j < R; j++)
        E += end[j] - pos[j];
#ifdef GQSTAT
    { extern double gqstat_E, gqstat_as, gqstat_n; gqstat_E += E; gqstat_as += as / amax; gqstat_n++; }
#endif
    while (E > w->ecap)
        ev_grow(w);
    size_t nbk = 16;
    while (nbk < E && nbk < GQ_MAXBK)
        nbk *= 2;
    double invW = (double)nbk / (amax - as);
    uint32_t *bc = w->bcnt;
    memset(bc, 0, (nbk + 1) * sizeof *bc);
    size_t ne = E;
#define BUCKET_OF(ae)                                                                              \
    do {                                                                                           \
        bk = (long)((amax - (ae)) * invW);                                                         \
        bk = bk < 0 ? 0 : bk >= (long)nbk ? (long)nbk - 1 : bk;                                    \
    } while (0)
    /* count, then place (computing alpha twice beats storing it) */
    for (size_t j = 0; j < R; j++) {
        double im = imd[j];
        for (size_t p = pos[j]; p < end[j]; p++) {
            long bk;
            BUCKET_OF(m[p] * im);
            bc[bk + 1]++;
        }
    }
    for (size_t b = 0; b < nbk; b++)
        bc[b + 1] += bc[b];
    for (size_t j = 0; j < R; j++) {
        double im = imd[j], dl = dlv[j], d2 = dl2[j];
        for (size_t p = pos[j]; p < end[j]; p++) {
            double ae = m[p] * im;
            long bk;
            BUCKET_OF(ae);
            ev *d = &w->e2[bc[bk]++];
            d->a = ae;
            d->dB = m[p] * dl;
            d->dC = d2;
        }
    }
#undef BUCKET_OF
    ev *e = w->e2;
    for (size_t i = 1; i < ne; i++)
        if (e[i].a > e[i - 1].a) {
            ev t = e[i];
            size_t j = i;
            while (j > 0 && e[j - 1].a < t.a) {
                e[j] = e[j - 1];
                j--;
            }
            e[j] = t;
        }
    double cur = amax;
    for (size_t i = 0; i < ne; i++) {
        double h = e[i].a;
        double ae = h > cur ? cur : h < as ? as : h;
        piece_in(B, C, ae, cur, S2, &best, &balpha);
        B += e[i].dB;
        C += e[i].dC;
        cur = ae;
    }
    piece_in(B, C, as, cur, S2, &best, &balpha);
    return balpha;
}

static double opt_any(const kern *K, const side *sp, const side *sn, ws *w, size_t n, double S2,
                      double amax)
{
    if (sp->sym && sp->nm >= 1 && sp->nm <= SORTED_MAXR) {
        double a = opt_sorted(sp, w, n, S2, amax);
        return a;
    }
    return opt_core2(K, sp, sn, w, n, S2, amax);
}

static double opt_core(const kern *K, const side *sp, const side *sn, ws *w, size_t n)
{
    double S2;
    double amax = group_prep(K, w, n, &S2);
    return opt_any(K, sp, sn, w, n, S2, amax);
}

double gq_opt_alpha(const levelset *ls, const double *x, size_t n, double *sse)
{
    side sp, sn;
    side_build(&sp, ls->v, ls->n, 0);
    side_build(&sn, ls->v, ls->n, 1);
    side_sym(&sp, &sn);
    ws w;
    ws_init(&w, n);
    memcpy(w.x, x, n * sizeof *x);
    double a = opt_core(kern_pick(), &sp, &sn, &w, n);
    if (sse) {
        /* the sse at a summed directly (the walk's S2 - 2aB + a^2C cancels) */
        double s2 = 0;
        for (size_t i = 0; i < n; i++) {
            const side *sd = x[i] < 0 ? &sn : &sp;
            double m = fabs(x[i]), be = INFINITY;
            for (size_t k = 0; k < sd->L; k++) {
                double e = m - a * sd->lv[k];
                be = e * e < be ? e * e : be;
            }
            s2 += be;
        }
        *sse = s2;
    }
    ws_free(&w);
    side_free(&sp);
    side_free(&sn);
    return a;
}

/* ---- slicing ---------------------------------------------------------------- */

typedef struct slicing {
    int kind;              /* 0: groups along an axis; 1: tiles */
    uint64_t ngroups, maxlen;
    uint64_t outer, A, inner, G, gpa;   /* groups: [outer, A, inner], G along A */
    uint64_t M, N, TR, TC, tpr;         /* tiles of [M, N] */
} slicing;

static void shape_str(const group_tensor *t, char *buf, size_t len)
{
    size_t j = (size_t)snprintf(buf, len, "[");
    for (int i = 0; i < t->ndim && j < len; i++)
        j += (size_t)snprintf(buf + j, len - j, "%s%llu", i ? ", " : "",
                              (unsigned long long)t->shape[i]);
    if (j < len)
        snprintf(buf + j, len - j, "]");
}

static int make_slicing(const group_tensor *t, const analyze_cfg *cfg, int fixed, slicing *sl,
                        char *msg, size_t mlen)
{
    memset(sl, 0, sizeof *sl);
    if (t->count == 0) {
        snprintf(msg, mlen, "empty tensor");
        return -1;
    }
    uint64_t rows = t->ndim > 1 ? t->shape[0] : 1;
    uint64_t R = rows ? t->count / rows : 0;
    if (!fixed && cfg->gran == GRAN_BLOCK) {
        if (cfg->block_r < 1 || cfg->block_c < 1) {
            snprintf(msg, mlen, "block:RxC needs R, C >= 1");
            return -1;
        }
        sl->kind = 1;
        sl->M = rows;
        sl->N = R;
        sl->TR = cfg->block_r < rows ? cfg->block_r : rows;
        sl->TC = cfg->block_c < R ? cfg->block_c : R;
        sl->tpr = (R + sl->TC - 1) / sl->TC;
        sl->ngroups = ((rows + sl->TR - 1) / sl->TR) * sl->tpr;
        sl->maxlen = sl->TR * sl->TC;
        return 0;
    }
    uint64_t G = fixed ? 32 : cfg->group;
    if (G < 1) {
        snprintf(msg, mlen, "group:G needs G >= 1");
        return -1;
    }
    if (!fixed && cfg->group_along_axis) {
        int nd = t->ndim > 0 ? t->ndim : 1;
        if (cfg->axis < 0 || cfg->axis >= nd) {
            char sh[160];
            shape_str(t, sh, sizeof sh);
            snprintf(msg, mlen, "--axis=%d is out of range for shape %s (%d dimension%s)", cfg->axis,
                     sh, t->ndim, t->ndim == 1 ? "" : "s");
            return -1;
        }
        sl->outer = sl->inner = 1;
        for (int i = 0; i < cfg->axis; i++)
            sl->outer *= t->shape[i];
        for (int i = cfg->axis + 1; i < t->ndim; i++)
            sl->inner *= t->shape[i];
        sl->A = t->ndim > 0 ? t->shape[cfg->axis] : 1;
    } else {
        sl->outer = rows;
        sl->A = R;
        sl->inner = 1;
    }
    sl->G = G < sl->A ? G : sl->A;
    if (sl->G < 1)
        sl->G = 1;
    sl->gpa = (sl->A + sl->G - 1) / sl->G;
    sl->ngroups = sl->outer * sl->gpa * sl->inner;
    sl->maxlen = sl->G;
    return 0;
}

/* ---- the pass --------------------------------------------------------------- */

typedef struct uacc {      /* per unit and scheme: sums in a fixed order */
    double sse, sumsq, asum;
} uacc;

typedef struct tacc {      /* per thread and scheme: order-free */
    double maxerr;
    uint64_t n, clipped, nalpha;
    uint64_t *counts;      /* 4 L, inside cbase (a cache line of room each side) */
    uint64_t *cbase;
    uint64_t *vh, vclip;   /* the view's histogram (job with a view) */
    char pad[64];          /* no cache line shared with another thread's */
} tacc;

typedef struct run {
    const group_tensor *t;
    const group_codes *cd;
    const analyze_cfg *cfg;
    double m, s;
    int norm;
    slicing sl;
    gsch *g;
    int ng;
    uint64_t upg;          /* groups per unit */
    uint64_t nunits;
    uacc *ua;              /* nunits * ng */
    int need_prep, need_minmax;
    int need_view;
    int fpath;             /* values gathered as floats (float32 or 2-byte codes, no -n) */
    int bf16x;             /* ... bfloat16: at most 8 significant bits */
    const kern *K;
    uint64_t next;         /* atomic */
} run;

static inline float bf16_val(const unsigned char *p)
{
    uint32_t b = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 24;
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

/* gather len values from base with stride into x (finite, normalized) */
static size_t gather_run(const run *r, uint64_t base, uint64_t len, uint64_t stride, double *x,
                         size_t n)
{
    const group_tensor *t = r->t;
    double m = r->m, s = r->s;
    if (r->cd) {
        const unsigned char *c = r->cd->codes16 + 2 * base;
        double d1, d2;
        if (r->cd->bf16 && stride == 1 && !r->norm && r->K->bf16(c, len, x + n, &d1, &d2))
            return n + len;
        if (r->cd->bf16) {
            for (uint64_t i = 0; i < len; i++, c += 2 * stride) {
                float f = bf16_val(c);
                x[n] = r->norm ? ((double)f - m) / s : (double)f;
                n += isfinite(f) != 0;
            }
        } else {
            const float *cv = r->cd->code_value;
            for (uint64_t i = 0; i < len; i++, c += 2 * stride) {
                float f = cv[(unsigned)c[0] | (unsigned)c[1] << 8];
                x[n] = r->norm ? ((double)f - m) / s : (double)f;
                n += isfinite(f) != 0;
            }
        }
    } else if (t->is_double) {   /* any alignment (a file mapped in place) */
        const unsigned char *v = (const unsigned char *)t->vals + 8 * base;
        for (uint64_t i = 0; i < len; i++, v += 8 * stride) {
            double f;
            memcpy(&f, v, sizeof f);
            x[n] = r->norm ? (f - m) / s : f;
            n += isfinite(f) != 0;
        }
    } else {
        const unsigned char *v = (const unsigned char *)t->vals + 4 * base;
        for (uint64_t i = 0; i < len; i++, v += 4 * stride) {
            float f;
            memcpy(&f, v, sizeof f);
            x[n] = r->norm ? ((double)f - m) / s : (double)f;
            n += isfinite(f) != 0;
        }
    }
    return n;
}

/* gather_run for fpath: the values as floats */
static size_t gather_runf(const run *r, uint64_t base, uint64_t len, uint64_t stride, float *x,
                          size_t n)
{
    if (r->cd) {
        const unsigned char *c = r->cd->codes16 + 2 * base;
        if (r->cd->bf16 && stride == 1 && r->K->bf16f(c, len, x + n))
            return n + len;
        const float *cv = r->cd->bf16 ? NULL : r->cd->code_value;
        for (uint64_t i = 0; i < len; i++, c += 2 * stride) {
            float f = cv ? cv[(unsigned)c[0] | (unsigned)c[1] << 8] : bf16_val(c);
            x[n] = f;
            n += isfinite(f) != 0;
        }
    } else {
        const unsigned char *v = (const unsigned char *)r->t->vals + 4 * base;
        for (uint64_t i = 0; i < len; i++, v += 4 * stride) {
            float f;
            memcpy(&f, v, sizeof f);
            x[n] = f;
            n += isfinite(f) != 0;
        }
    }
    return n;
}

static size_t gather_groupf(const run *r, uint64_t gi, ws *w)
{
    const slicing *sl = &r->sl;
    if (sl->kind == 1) {
        uint64_t tr = gi / sl->tpr, tc = gi % sl->tpr;
        uint64_t r0 = tr * sl->TR, c0 = tc * sl->TC;
        uint64_t r1 = r0 + sl->TR < sl->M ? r0 + sl->TR : sl->M;
        uint64_t cl = c0 + sl->TC < sl->N ? sl->TC : sl->N - c0;
        size_t n = 0;
        for (uint64_t rr = r0; rr < r1; rr++)
            n = gather_runf(r, rr * sl->N + c0, cl, 1, w->xf, n);
        return n;
    }
    uint64_t i = gi % sl->inner, q = gi / sl->inner;
    uint64_t ga = q % sl->gpa, o = q / sl->gpa;
    uint64_t a0 = ga * sl->G;
    uint64_t len = a0 + sl->G <= sl->A ? sl->G : sl->A - a0;
    uint64_t base = (o * sl->A + a0) * sl->inner + i;
    if (r->bf16x && sl->inner == 1 &&
        r->K->bf16s(r->cd->codes16 + 2 * base, len, w->xf, &w->famax, &w->fS2)) {
        w->fused = 1;
        return len;
    }
    return gather_runf(r, base, len, sl->inner, w->xf, 0);
}

/* w->x from w->xf when not there yet */
static inline void need_x(const run *r, ws *w, size_t n)
{
    if (!w->have_x) {
        r->K->f2d(w->xf, n, w->x);
        w->have_x = 1;
    }
}

static size_t gather_group(const run *r, uint64_t gi, ws *w)
{
    double *x = w->x;
    const slicing *sl = &r->sl;
    if (sl->kind == 1) {
        uint64_t tr = gi / sl->tpr, tc = gi % sl->tpr;
        uint64_t r0 = tr * sl->TR, c0 = tc * sl->TC;
        uint64_t r1 = r0 + sl->TR < sl->M ? r0 + sl->TR : sl->M;
        uint64_t cl = c0 + sl->TC < sl->N ? sl->TC : sl->N - c0;
        size_t n = 0;
        for (uint64_t rr = r0; rr < r1; rr++)
            n = gather_run(r, rr * sl->N + c0, cl, 1, x, n);
        return n;
    }
    uint64_t i = gi % sl->inner, q = gi / sl->inner;
    uint64_t ga = q % sl->gpa, o = q / sl->gpa;
    uint64_t a0 = ga * sl->G;
    uint64_t len = a0 + sl->G <= sl->A ? sl->G : sl->A - a0;
    uint64_t base = (o * sl->A + a0) * sl->inner + i;
    /* one run of bfloat16 codes: converted with the group's stats */
    if (r->cd && r->cd->bf16 && sl->inner == 1 && !r->norm &&
        r->K->bf16(r->cd->codes16 + 2 * base, len, x, &w->famax, &w->fS2)) {
        w->fused = 1;
        return len;
    }
    return gather_run(r, base, len, sl->inner, x, 0);
}

typedef struct gout {
    double sse, maxerr, alpha;
    double vc;             /* the view's center (int-asym: (lo + hi) / 2), else 0 */
    uint64_t clipped;
    int has_alpha;
} gout;

/* level usage from the per-value indexes: 4 sub-histograms of L (no
 * store-to-load chain on the common levels), summed at the end */
static void hist(const unsigned char *idx, size_t n, size_t L, uint64_t *counts)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        counts[idx[i]]++;
        counts[L + idx[i + 1]]++;
        counts[2 * L + idx[i + 2]]++;
        counts[3 * L + idx[i + 3]]++;
    }
    for (; i < n; i++)
        counts[idx[i]]++;
}

static void kres_out(const kres *k, gout *o)
{
    o->sse = k->sse;
    o->maxerr = k->me;
    o->clipped = k->cl;
}

/* generic nearest level with scale sc (natural units) */
static void eval_generic(const kern *K, const gsch *g, const double *x, size_t n, double sc,
                         unsigned char *idx, uint64_t *counts, gout *o)
{
    if (sc > 0 && (g->kind == GK_UNIFORM ? g->qmax - g->qmin <= 255 : g->L <= 64)) {
        kres k;
        if (g->kind == GK_UNIFORM)
            K->uni(x, n, sc, (double)g->qmin, (double)g->qmax, (double)g->qmin * sc,
                   (double)g->qmax * sc, &k, idx);
        else
            K->cnt(x, n, sc, g->mid, g->nat, g->L, g->nat[0] * sc, g->nat[g->L - 1] * sc, &k, idx);
        kres_out(&k, o);
        hist(idx, n, g->L, counts);
        return;
    }
    double sse = 0, me = 0;
    uint64_t cl = 0;
    if (!(sc > 0)) {
        for (size_t i = 0; i < n; i++) {
            sse += x[i] * x[i];
            me = FMAX(me, fabs(x[i]));
            cl += x[i] != 0;
        }
        counts[g->zero_idx] += n;
    } else if (g->kind == GK_UNIFORM) {
        double lo = (double)g->qmin, hi = (double)g->qmax;
        double xlo = lo * sc, xhi = hi * sc;
        for (size_t i = 0; i < n; i++) {
            double t = x[i] / sc;
            double q = ceil(t - 0.5);
            q = q < lo ? lo : q > hi ? hi : q;
            double e = x[i] - q * sc;
            sse += e * e;
            e = fabs(e);
            me = e > me ? e : me;
            cl += (x[i] > xhi) | (x[i] < xlo);
            counts[(long)q - g->qmin]++;
        }
    } else {
        double xlo = g->nat[0] * sc, xhi = g->nat[g->L - 1] * sc;
        for (size_t i = 0; i < n; i++) {
            size_t k = find_level(g, x[i] / sc);
            double e = x[i] - sc * g->nat[k];
            sse += e * e;
            e = fabs(e);
            me = e > me ? e : me;
            cl += (x[i] > xhi) | (x[i] < xlo);
            counts[k]++;
        }
    }
    o->sse = sse;
    o->maxerr = me;
    o->clipped = cl;
}

/* The E2M1 magnitude index of m >= 0, ties to even, saturating at 6. */
static inline int e2m1_index(double m)
{
    static const double b[7] = { 0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5 };
    int k = 0;
    for (int j = 0; j < 7; j++)   /* a tie goes up when the lower index j is odd */
        k += (m > b[j]) | ((m == b[j]) & (j & 1));
    return k;
}

/* the largest float <= d (up: the smallest >= d) */
static float float_in(double d, int up)
{
    float f = (float)d;
    if (up ? (double)f < d : (double)f > d)
        f = nextafterf(f, up ? INFINITY : -INFINITY);
    return f;
}

/* uniform from the floats (k_unif); 0 when the double kernel must do it */
static int uni_fast(const run *r, const gsch *g, ws *w, size_t n, double sc, double amax,
                    uint64_t *counts, gout *o)
{
    if (!(sc >= 0x1p-100 && sc <= 0x1p100) || g->qmax - g->qmin > 255)
        return 0;
    uint64_t b;
    memcpy(&b, &sc, sizeof b);
    /* x - q sc exact in float: x of <= 8 bits, sc of <= 11, |q| < 2^8,
     * |x| < 2^13 sc (gq_kern.h) */
    int sc11 = (b & (((uint64_t)1 << 42) - 1)) == 0;
    int exf = r->bf16x && sc11 && amax < 4096 * sc;
    double lo = (double)g->qmin, hi = (double)g->qmax;
    kres k;
    if (r->K->unif(w->xf, n, sc, lo, hi, float_in(lo * sc, 1), float_in(hi * sc, 0), exf, sc11, &k,
                   w->idx))
        return 0;
    kres_out(&k, o);
    hist(w->idx, n, g->L, counts);
    return 1;
}

/* the nearest of <= 64 levels from the floats (k_cntf) */
static int cnt_fast(const run *r, const gsch *g, ws *w, size_t n, double sc, uint64_t *counts,
                    gout *o)
{
    if (!(sc >= 0x1p-100 && sc <= 0x1p100) || g->L > 64)
        return 0;
    float thr[64];
    for (size_t j = 0; j + 1 < g->L; j++)
        thr[j] = float_in(g->mid[j] * sc, 0);
    /* (mid[j] sc rounded: the kernel decides against the product as the
     * double path divides; ties of x / sc are the same either way) */
    kres k;
    r->K->cntf(w->xf, n, sc, thr, g->nat, g->L, float_in(g->nat[0] * sc, 1),
               float_in(g->nat[g->L - 1] * sc, 0), &k, w->idx);
    kres_out(&k, o);
    hist(w->idx, n, g->L, counts);
    return 1;
}

static void group_scheme(const run *r, const gsch *g, ws *w, size_t n, double amax, double mn,
                         double mx, uint64_t *counts, gout *o)
{
    const kern *K = r->K;
    const analyze_cfg *cfg = r->cfg;
    memset(o, 0, sizeof *o);
    if ((g->kind == GK_UNIFORM || g->kind == GK_GENERIC) && r->fpath) {
        double a = cfg->amode == ALPHA_MAX   ? amax
                   : cfg->amode == ALPHA_MSE ? opt_any(K, &g->sp, &g->sn, w, n, w->S2, amax)
                                             : cfg->alpha;
        double sc = gq_round_scale(a / g->natmax, g->sd);
        if (g->kind == GK_UNIFORM ? uni_fast(r, g, w, n, sc, amax, counts, o)
                                  : cnt_fast(r, g, w, n, sc, counts, o)) {
            o->alpha = sc * g->natmax;
            o->has_alpha = cfg->amode != ALPHA_MAX || amax > 0;
            return;
        }
        memset(o, 0, sizeof *o);
        need_x(r, w, n);
        eval_generic(K, g, w->x, n, sc, w->idx, counts, o);
        o->alpha = sc * g->natmax;
        o->has_alpha = cfg->amode != ALPHA_MAX || amax > 0;
        return;
    }
    if (g->kind != GK_MXFP4 || !r->fpath)
        need_x(r, w, n);
    const double *x = w->x;
    switch (g->kind) {
    case GK_GENERIC:
    case GK_UNIFORM: {
        double a;
        if (cfg->amode == ALPHA_MAX)
            a = amax;
        else if (cfg->amode == ALPHA_MSE)
            a = opt_any(K, &g->sp, &g->sn, w, n, w->S2, amax);
        else
            a = cfg->alpha;
        double sc = gq_round_scale(a / g->natmax, g->sd);
        eval_generic(K, g, x, n, sc, w->idx, counts, o);
        o->alpha = sc * g->natmax;
        o->has_alpha = cfg->amode != ALPHA_MAX || amax > 0;
        return;
    }
    case GK_NF4: {
        /* bitsandbytes: absmax per block (stored), x * (1 / absmax) in float,
         * the decision tree of midpoints (x > threshold goes up), code * absmax */
        double sc = gq_round_scale(amax, g->sd);
        float sf = (float)sc, inv = sc > 0 ? 1.0f / sf : 0.0f;
        double sse = 0, me = 0;
        uint64_t cl = 0;
        for (size_t i = 0; i < n; i++) {
            float t = (float)x[i] * inv;
            int k = 0;
            for (int j = 0; j < 15; j++)
                k += t > g->nf4thr[j];
            double q = (double)((float)schemes_nf4_values[k] * sf);
            double e = x[i] - q;
            sse += e * e;
            me = FMAX(me, fabs(e));
            cl += fabs(x[i]) > sc;
            counts[k]++;
        }
        o->sse = sse;
        o->maxerr = me;
        o->clipped = cl;
        o->alpha = sc;
        o->has_alpha = amax > 0;
        return;
    }
    case GK_INTASYM: {
        /* AWQ: scale = (max - min) / maxq, z = clamp(round(-min / scale)),
         * q = clamp(round(x / scale) + z, 0, maxq), x^ = (q - z) scale;
         * round = half to even (torch.round) */
        double maxq = (double)g->maxq;
        double s = (mx - mn) / maxq;
        if (!(s > 0))
            s = fabs(mx) / maxq;
        if (!(s > 0))
            s = 1;
        double sc = gq_round_scale(s, g->sd);
        double sse = 0, me = 0;
        uint64_t cl = 0;
        if (sc > 0) {
            double z = nearbyint(-mn / sc);
            z = z < 0 ? 0 : z > maxq ? maxq : z;
            for (size_t i = 0; i < n; i++) {
                double q = nearbyint(x[i] / sc) + z;
                cl += (q < 0) | (q > maxq);
                q = q < 0 ? 0 : q > maxq ? maxq : q;
                double e = x[i] - (q - z) * sc;
                sse += e * e;
                me = FMAX(me, fabs(e));
                counts[(long)q]++;
            }
        } else {
            for (size_t i = 0; i < n; i++) {
                sse += x[i] * x[i];
                me = FMAX(me, fabs(x[i]));
                cl += x[i] != 0;
            }
            counts[0] += n;
        }
        o->sse = sse;
        o->maxerr = me;
        o->clipped = cl;
        o->alpha = sc * maxq / 2;
        if (sc > 0) {
            double z = nearbyint(-mn / sc);
            z = z < 0 ? 0 : z > maxq ? maxq : z;
            o->vc = ((-z * sc) + (maxq - z) * sc) / 2;
        }
        o->has_alpha = mx > mn;
        return;
    }
    case GK_MXFP4: {
        double X = 0;
        if (amax > 0) {
            int e;
            uint64_t ab;
            memcpy(&ab, &amax, sizeof ab);
            if (ab >> 52 && ab >> 52 < 0x7ff)
                e = (int)(ab >> 52) - 1022;    /* normal: what frexp gives */
            else
                frexp(amax, &e);
            int ex = e - 1 - 2;
            if (ex < -127)
                ex = -127;
            if (ex > 127)
                ex = 127;
            uint64_t xb = (uint64_t)(ex + 1023) << 52;   /* ex >= -127: a normal double */
            memcpy(&X, &xb, sizeof X);
        }
        kres k;
        if (r->fpath)
            K->mxf(w->xf, n, X, r->bf16x, &k, w->idx);
        else
            K->mx(x, n, X, &k, w->idx);
        kres_out(&k, o);
        hist(w->idx, n, g->L, counts);
        o->alpha = 6 * X;
        o->has_alpha = 1;
        return;
    }
    case GK_Q4_0: {
        /* llama.cpp quantize_row_q4_0_ref, float arithmetic */
        /* the first value of the largest |v| (float: rounding is monotone) */
        float famax = (float)amax, fmx = 0;
        if (famax > 0)
            for (size_t i = 0; i < n; i++) {
                float v = (float)x[i];
                if (fabsf(v) == famax) {
                    fmx = v;
                    break;
                }
            }
        float d = fmx / -8;
        float id = d != 0 ? 1.0f / d : 0.0f;
        double dq = (double)f16_round(d);
        kres k;
        K->q(x, n, id, dq, 0, &k, w->idx);
        kres_out(&k, o);
        hist(w->idx, n, g->L, counts);
        o->alpha = 8 * fabs(dq);
        o->has_alpha = famax > 0;
        return;
    }
    case GK_Q8_0: {
        float famax = (float)amax;
        float d = famax / ((1 << 7) - 1);
        float id = d != 0 ? 1.0f / d : 0.0f;
        double dq = (double)f16_round(d);
        kres k;
        K->q(x, n, id, dq, 1, &k, w->idx);
        kres_out(&k, o);
        o->clipped = 0;
        hist(w->idx, n, g->L, counts);
        o->alpha = 127 * dq;
        o->has_alpha = famax > 0;
        return;
    }
    }
}

/* the view sink (gq.h) for group gi: u of every value into the thread's
 * histogram, the group's alpha, sse, count (own entries: no race) */
static void view_group(gq_view *v, tacc *ta, uint64_t gi, const double *x, size_t n, double amax,
                       const gout *o)
{
    double a = amax > 0 || o->has_alpha ? o->alpha : 0, c = a > 0 ? o->vc : 0;
    v->alpha[gi] = (float)a;
    v->sse[gi] = (float)o->sse;
    v->count[gi] = (uint32_t)n;
    if (!ta->vh)
        return;
    int nb = v->nbins;
    double h = 0.5 * nb;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - c;
        double u = d == 0 ? 0 : d / a;
        double f = (u + 1) * h;
        long b = f <= 0 ? 0 : f >= nb ? nb - 1 : (long)f;
        ta->vh[b]++;
        ta->vclip += fabs(u) > 1;
    }
}

void gq_view_free(gq_view *v)
{
    if (!v)
        return;
    free(v->alpha);
    free(v->sse);
    free(v->count);
    v->alpha = v->sse = NULL;
    v->count = NULL;
}

typedef struct targ {
    run *r;
    tacc *ta;              /* ng */
} targ;

static void *worker(void *arg)
{
    targ *A = arg;
    run *r = A->r;
    ws w;
    ws_init(&w, r->sl.maxlen);
    for (;;) {
        uint64_t u = __atomic_fetch_add(&r->next, 1, __ATOMIC_RELAXED);
        if (u >= r->nunits)
            break;
        uint64_t g0 = u * r->upg, g1 = g0 + r->upg < r->sl.ngroups ? g0 + r->upg : r->sl.ngroups;
        /* the unit's sums kept here and stored once (the next unit's
         * entries share its cache lines and another thread writes them) */
        uacc ua[GQ_MAXJOBS];
        memset(ua, 0, (size_t)r->ng * sizeof *ua);
        for (uint64_t gi = g0; gi < g1; gi++) {
            w.fused = 0;
            w.have_x = !r->fpath;
            size_t n = r->fpath ? gather_groupf(r, gi, &w) : gather_group(r, gi, &w);
            if (n == 0)
                continue;
            double mn = INFINITY, mx = -INFINITY, S2 = 0, amax = 0;
            if (r->fpath && (r->need_prep || r->need_minmax || r->need_view))
                need_x(r, &w, n);
            if (r->fpath && !r->need_prep && w.fused) {
                amax = w.famax;
                S2 = w.fS2;
            } else if (r->fpath && !r->need_prep)
                r->K->statsf(w.xf, n, &amax, &S2);
            else if (r->need_prep)
                amax = group_prep(r->K, &w, n, &S2);
            else if (w.fused) {      /* the same bits as K->stats */
                amax = w.famax;
                S2 = w.fS2;
            } else
                r->K->stats(w.x, n, &amax, &S2);
            w.S2 = S2;
            if (r->need_minmax)
                for (size_t i = 0; i < n; i++) {
                    double v = w.x[i];
                    mn = v < mn ? v : mn;
                    mx = v > mx ? v : mx;
                }
            for (int k = 0; k < r->ng; k++) {
                gout o;
                tacc *ta = &A->ta[k];
                group_scheme(r, &r->g[k], &w, n, amax, mn, mx, ta->counts, &o);
                if (r->g[k].job->view)
                    view_group(r->g[k].job->view, ta, gi, w.x, n, amax, &o);
                ua[k].sse += o.sse;
                ua[k].sumsq += S2;
                ta->n += n;
                ta->clipped += o.clipped;
                if (o.maxerr > ta->maxerr)
                    ta->maxerr = o.maxerr;
                if (o.has_alpha) {
                    ua[k].asum += o.alpha;
                    ta->nalpha++;
                }
            }
        }
        memcpy(&r->ua[u * (uint64_t)r->ng], ua, (size_t)r->ng * sizeof *ua);
    }
    ws_free(&w);
    return NULL;
}

static void fill_result(const gsch *g, const tacc *ta, dd sse, dd sumsq, dd asum,
                        const group_tensor *t, const slicing *sl, analyze_result *out,
                        const analyze_cfg *cfg)
{
    const levelset *ls = &g->job->ls;
    eval_result *r = &out->r;
    r->alpha = ta->nalpha ? dd_to_d(asum) / (double)ta->nalpha
                          : cfg->amode == ALPHA_VALUE ? cfg->alpha : NAN;
    eval_result_from_totals(ls, ta->n, dd_to_d(sse), dd_to_d(sumsq), ta->maxerr, ta->clipped, ta->counts, r);
    out->ok = 1;
    out->nscales = sl->ngroups;
    out->scale_dtype = analyze_scale_dtype_name(g->sd);
    double per = gq_scale_bits(g->sd) + (g->kind == GK_INTASYM ? ls->bits : 0);
    out->bpw = t->count ? (double)ls->bits + per * (double)sl->ngroups / (double)t->count : NAN;
}

int gq_run(const group_tensor *t, const group_codes *codes, const analyze_cfg *cfg, int fixed, double m, double s,
           gq_job *jobs, int njobs, char *msg, size_t mlen)
{
    if (njobs > GQ_MAXJOBS) {  /* (the results do not depend on the grouping) */
        for (int k0 = 0; k0 < njobs; k0 += GQ_MAXJOBS)
            if (gq_run(t, codes, cfg, fixed, m, s, jobs + k0,
                       njobs - k0 < GQ_MAXJOBS ? njobs - k0 : GQ_MAXJOBS, msg, mlen) < 0)
                return -1;
        return 0;
    }
    run r;
    memset(&r, 0, sizeof r);
    r.t = t;
    r.cd = codes && codes->codes16 ? codes : NULL;
    r.cfg = cfg;
    r.m = m;
    r.s = s;
    r.norm = cfg->normalize;
    r.K = kern_pick();
    r.fpath = !r.norm && (r.cd || !t->is_double);
    r.bf16x = r.cd && r.cd->bf16;
    for (int k = 0; k < njobs; k++)
        r.need_view |= jobs[k].view != NULL;
    for (int k = 0; k < njobs; k++)
        if (jobs[k].view) {
            gq_view *v = jobs[k].view;
            v->nclip = 0;
            v->ngroups = v->gcols = 0;
            v->alpha = v->sse = NULL;
            v->count = NULL;
        }
    if (make_slicing(t, cfg, fixed, &r.sl, msg, mlen) < 0)
        return -1;
    for (int k = 0; k < njobs; k++)
        if (jobs[k].view) {
            gq_view *v = jobs[k].view;
            size_t ng = (size_t)r.sl.ngroups;
            v->ngroups = ng;
            v->gcols = (size_t)(r.sl.kind == 1 ? r.sl.tpr : r.sl.inner > 1 ? r.sl.inner : r.sl.gpa);
            v->alpha = util_calloc(ng ? ng : 1, sizeof *v->alpha);
            v->sse = util_calloc(ng ? ng : 1, sizeof *v->sse);
            v->count = util_calloc(ng ? ng : 1, sizeof *v->count);
            if (v->hist && v->nbins > 0)
                memset(v->hist, 0, (size_t)v->nbins * sizeof *v->hist);
        }
    r.ng = njobs;
    r.g = util_calloc((size_t)njobs, sizeof *r.g);
    for (int k = 0; k < njobs; k++)
        gsch_init(&r.g[k], &jobs[k], cfg);
    for (int k = 0; k < njobs; k++) {
        if (r.g[k].kind == GK_INTASYM)
            r.need_minmax = 1;
        if ((r.g[k].kind == GK_GENERIC || r.g[k].kind == GK_UNIFORM) && cfg->amode == ALPHA_MSE)
            r.need_prep = 1;
    }
    r.upg = UNIT_VALUES / (r.sl.maxlen ? r.sl.maxlen : 1);
    if (r.upg < 1)
        r.upg = 1;
    r.nunits = (r.sl.ngroups + r.upg - 1) / r.upg;
    r.ua = util_calloc((size_t)(r.nunits * (uint64_t)njobs) + 1, sizeof *r.ua);
    int nth = cfg->nthreads > 0 ? cfg->nthreads : util_ncpus();
    if (cfg->nthreads <= 0 && t->count < GROUP_THREAD_MIN)
        nth = 1;
    if (nth > 64)
        nth = 64;
    if ((uint64_t)nth > r.nunits)
        nth = (int)r.nunits;
    if (nth < 1)
        nth = 1;
    tacc *ta = util_calloc((size_t)nth * (size_t)njobs, sizeof *ta);
    for (int i = 0; i < nth * njobs; i++) {
        ta[i].cbase = util_calloc(4 * r.g[i % njobs].L + 16, sizeof *ta[i].counts);
        ta[i].counts = ta[i].cbase + 8;
        gq_view *v = jobs[i % njobs].view;
        if (v && v->hist && v->nbins > 0)
            ta[i].vh = util_calloc((size_t)v->nbins, sizeof *ta[i].vh);
    }
    targ *args = util_calloc((size_t)nth, sizeof *args);
    pthread_t *th = util_calloc((size_t)nth, sizeof *th);
    int started = 0;
    for (int i = 0; i < nth; i++) {
        args[i].r = &r;
        args[i].ta = &ta[i * njobs];
    }
    for (int i = 1; i < nth; i++) {
        if (pthread_create(&th[i], NULL, worker, &args[i]) != 0)
            break;
        started = i;
    }
    worker(&args[0]);
    for (int i = 1; i <= started; i++)
        pthread_join(th[i], NULL);
    for (int k = 0; k < njobs; k++) {
        tacc tot;
        memset(&tot, 0, sizeof tot);
        tot.counts = util_calloc(r.g[k].L, sizeof *tot.counts);
        for (int i = 0; i < nth; i++) {
            tacc *a = &ta[i * njobs + k];
            tot.n += a->n;
            gq_view *v = jobs[k].view;
            if (a->vh) {
                for (int b = 0; b < v->nbins; b++)
                    v->hist[b] += a->vh[b];
                v->nclip += a->vclip;
            }
            tot.clipped += a->clipped;
            tot.nalpha += a->nalpha;
            if (a->maxerr > tot.maxerr)
                tot.maxerr = a->maxerr;
            size_t L = r.g[k].L;
            for (size_t l = 0; l < L; l++)
                tot.counts[l] += a->counts[l] + a->counts[L + l] + a->counts[2 * L + l] +
                                 a->counts[3 * L + l];
        }
        dd sse = { 0, 0 }, sq = { 0, 0 }, as = { 0, 0 };
        for (uint64_t u = 0; u < r.nunits; u++) {
            const uacc *a = &r.ua[u * (uint64_t)njobs + (uint64_t)k];
            sse = dd_add_d(sse, a->sse);
            sq = dd_add_d(sq, a->sumsq);
            as = dd_add_d(as, a->asum);
        }
        analyze_result tmp;
        analyze_result *out = jobs[k].out ? jobs[k].out : &tmp;
        fill_result(&r.g[k], &tot, sse, sq, as, t, &r.sl, out, cfg);
        jobs[k].adds_mean = out->r.adds_mean;
        free(tot.counts);
    }
    for (int i = 0; i < nth * njobs; i++) {
        free(ta[i].cbase);
        free(ta[i].vh);
    }
    for (int k = 0; k < njobs; k++)
        gsch_free(&r.g[k]);
    free(ta);
    free(args);
    free(th);
    free(r.ua);
    free(r.g);
    return 0;
}
