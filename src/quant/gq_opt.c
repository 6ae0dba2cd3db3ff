/*
 * gq_opt.c - the exact per-group mse optimum of the group engine (gq.h).
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
 */
#include "config.h"
#include "quant/gq_int.h"
#include "quant/schemes.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gq_side_build(side *sd, const double *v, size_t L, int neg)
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

void gq_side_sym(side *a, side *b)
{
    int same = a->L == b->L;
    for (size_t k = 0; same && k < a->L; k++)
        same = a->lv[k] == b->lv[k];
    a->sym = b->sym = same;
}

void gq_side_free(side *sd)
{
    free(sd->lv);
    free(sd->md);
    free(sd->dlv);
    free(sd->dl2);
    free(sd->imd);
}

void gq_ws_init(ws *w, size_t cap)
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

void gq_ws_free(ws *w)
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
double gq_group_prep(const kern *K, ws *w, size_t n, double *S2o)
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
    /* the piece's minimum is S2 - B^2 / C: it can win only when it is
     * below best, tested first as B^2 >= (S2 - best - 1e-12 S2) C (a
     * margin far above the rounding of f = S2 - 2aB + a^2 C, a few 1e-16
     * S2), so that the branch is rarely taken (near the optimum most
     * pieces hold a local minimum: a branch on that alone is often
     * mispredicted); the exact test follows */
    double BB = B * B;
    if ((C > 0) & (B >= lo * C) & (B <= hi * C) & (BB >= (S2 - *best - 1e-12 * S2) * C)) {
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

double gq_opt_any(const kern *K, const side *sp, const side *sn, ws *w, size_t n, double S2,
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
    double amax = gq_group_prep(K, w, n, &S2);
    return gq_opt_any(K, sp, sn, w, n, S2, amax);
}

double gq_opt_alpha(const levelset *ls, const double *x, size_t n, double *sse)
{
    side sp, sn;
    gq_side_build(&sp, ls->v, ls->n, 0);
    gq_side_build(&sn, ls->v, ls->n, 1);
    gq_side_sym(&sp, &sn);
    ws w;
    gq_ws_init(&w, n);
    memcpy(w.x, x, n * sizeof *x);
    double a = opt_core(gq_kern_pick(), &sp, &sn, &w, n);
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
    gq_ws_free(&w);
    gq_side_free(&sp);
    gq_side_free(&sn);
    return a;
}

