/*
 * gq_eval.c - the group engine's per-group quantizers (gq.h): the scale
 * as stored (gq_round_scale), every scheme kind over one gathered group
 * (uniform, nearest of a level set, nf4, int-asym, mxfp4, q4_0, q8_0), from
 * the floats where the float kernels decide exactly, else from doubles.
 */
#include "config.h"
#include "quant/gq_int.h"
#include "quant/schemes.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* round_bits for a normal double s whose result stays normal in the
 * format (exponent of s in [emin, emax]): RNE on the bits (the carry
 * goes into the exponent), saturating at maxv; the same result */
static inline int round_bits_fast(double s, int p, int emin, int emax, double maxv, double *out)
{
    uint64_t b;
    memcpy(&b, &s, sizeof b);
    int E = (int)(b >> 52) - 1023;
    if (E < emin || E > emax)
        return 0;
    int drop = 52 - (p - 1);
    uint64_t half = (uint64_t)1 << (drop - 1);
    b += half - 1 + ((b >> drop) & 1);
    b &= ~(((uint64_t)1 << drop) - 1);
    double r;
    memcpy(&r, &b, sizeof r);
    *out = r > maxv ? maxv : r;
    return 1;
}

double gq_round_scale(double s, scale_dtype d)
{
    double r;
    if (d == SCALE_FP16 || d == SCALE_DEFAULT) {   /* the common case first */
        if (s > 0 && round_bits_fast(s, 11, -14, 15, 65504.0, &r))
            return r;
    } else if (d == SCALE_BF16) {
        if (s > 0 && round_bits_fast(s, 8, -126, 127, 0x1.fep127, &r))
            return r;
    } else if (d == SCALE_FP32) {
        if (s > 0 && round_bits_fast(s, 24, -126, 127, FLT_MAX, &r))
            return r;
    }
    if (!(s > 0))
        return 0;
    if (isinf(s))
        s = DBL_MAX;
    switch (d) {
    case SCALE_FP32:
        return round_bits(s, 24, -126, FLT_MAX);
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
    if (w->cod && n % 8 == 0 && sc11 && (w->pend || w->uidx)) {   /* (run.uniunit) */
        unsigned char *ix = w->uidx ? w->uidx + w->un : w->idx;
        r->K->unicc(w->cod, n, sc, lo, hi, float_in(lo * sc, 1), float_in(hi * sc, 0), exf, &k, ix,
                    w->pend ? w->cc : NULL);
        w->pend = NULL;
        kres_out(&k, o);
        if (w->uidx)
            w->un += n;
        else
            hist(ix, n, g->L, counts);
        return 1;
    }
    if (w->cod && n % 8 == 0) {
        if (r->K->unic(w->cod, n, sc, lo, hi, float_in(lo * sc, 1), float_in(hi * sc, 0), exf, sc11,
                       &k, w->idx))
            return 0;
        kres_out(&k, o);
        hist(w->idx, n, g->L, counts);
        return 1;
    }
    need_xf(r, w, n);
    memset(w->xf + n, 0, 8 * sizeof *w->xf);   /* k_unif's padding */
    if (r->K->unif(w->xf, n, sc, lo, hi, float_in(lo * sc, 1), float_in(hi * sc, 0), exf, sc11, &k,
                   w->idx))
        return 0;
    kres_out(&k, o);
    hist(w->idx, n, g->L, counts);
    return 1;
}

/* run.uniunit, --alpha=max, one group of n bfloat16 codes (n % 16 == 0)
 * at cod: what one_group and gq_group_scheme do for it (bf16max, the
 * stored scale, uni_fast's k_unicc) with the level indexes into the
 * unit's w->uidx; 0 (nothing done) when uni_fast would not take it */
int gq_uni_group(const run *r, const gsch *g, ws *w, const unsigned char *cod, size_t n,
                 struct uacc *ua, struct tacc *ta)
{
    double amax;
    if (!r->K->bf16max(cod, n, &amax))
        return 0;
    double sc = gq_round_scale(amax / g->natmax, g->sd);
    if (!(sc >= 0x1p-100 && sc <= 0x1p100) || g->qmax - g->qmin > 255)
        return 0;
    uint64_t b;
    memcpy(&b, &sc, sizeof b);
    if ((b & (((uint64_t)1 << 42) - 1)) != 0)   /* (not sc11: uni_fast's other branch) */
        return 0;
    int exf = amax < 4096 * sc;
    double lo = (double)g->qmin, hi = (double)g->qmax;
    kres k;
    r->K->unicc(cod, n, sc, lo, hi, float_in(lo * sc, 1), float_in(hi * sc, 0), exf, &k,
                w->uidx + w->un, w->cc);
    w->un += n;
    ua->sse += k.sse;
    ta->n += n;
    ta->clipped += k.cl;
    if (k.me > ta->maxerr)
        ta->maxerr = k.me;
    ua->asum += sc * g->natmax;   /* (amax > 0: sc > 0) */
    ta->nalpha++;
    return 1;
}

/* the nearest of <= 64 levels from the floats (k_cntf) */
static int cnt_fast(const run *r, const gsch *g, ws *w, size_t n, double sc, uint64_t *counts,
                    gout *o)
{
    if (!(sc >= 0x1p-100 && sc <= 0x1p100) || g->L > 64)
        return 0;
    need_xf(r, w, n);
    float thr[64];
    for (size_t j = 0; j + 1 < g->L; j++)
        thr[j] = float_in(g->mid[j] * sc, 0);
    /* (mid[j] sc rounded: the kernel decides against the product as the
     * double path divides; ties of x / sc are the same either way) */
    kres k;
    r->K->cntf(w->xf, n, sc, thr, g->nat, g->has_natf ? g->natf : NULL, g->L, float_in(g->nat[0] * sc, 1),
               float_in(g->nat[g->L - 1] * sc, 0), &k, w->idx);
    kres_out(&k, o);
    hist(w->idx, n, g->L, counts);
    return 1;
}

void gq_group_scheme(const run *r, const gsch *g, ws *w, size_t n, double amax, double mn,
                         double mx, uint64_t *counts, gout *o)
{
    const kern *K = r->K;
    const analyze_cfg *cfg = r->cfg;
    memset(o, 0, sizeof *o);
    if ((g->kind == GK_UNIFORM || g->kind == GK_GENERIC) && r->fpath) {
        double a = cfg->amode == ALPHA_MAX   ? amax
                   : cfg->amode == ALPHA_MSE ? gq_opt_any(K, &g->sp, &g->sn, w, n, w->S2, amax)
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
            a = gq_opt_any(K, &g->sp, &g->sn, w, n, w->S2, amax);
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
        if (w->cod && n % 8 == 0)
            K->mxc(w->cod, n, X, 1, &k, w->idx);
        else if (r->fpath) {
            need_xf(r, w, n);
            memset(w->xf + n, 0, 8 * sizeof *w->xf);   /* k_mxf's padding */
            K->mxf(w->xf, n, X, r->bf16x, &k, w->idx);
        }
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

