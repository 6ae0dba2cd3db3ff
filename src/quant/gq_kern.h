/*
 * gq_kern.h - the vector kernels of gq.c, written once with GCC vector
 * extensions (4 doubles per vector) and included twice by gq.c: for the
 * baseline target (SSE2 on x86-64: each 4-lane operation becomes two
 * 2-lane ones; other CPUs: whatever the compiler makes of it) and with
 * target("avx2"). No FMA is enabled, every operation is lane-wise IEEE,
 * so both compilations give the same bits: a sum is kept in 4 lanes
 * (value i in lane i % 4) and the lanes are combined as (l0 + l1) +
 * (l2 + l3); the last n % 4 values go through the same vector code with
 * the missing lanes masked out.
 *
 * KSFX: the suffix of the function names (base, avx2).
 */
#define KCAT2(a, b) a##_##b
#define KCAT(a, b) KCAT2(a, b)
#define KF(n) KCAT(n, KSFX)

/* load the 4 values at x[i..] (only the first m < 4 when a tail) */
static inline void KF(kload)(v4d *v, v4di *msk, const double *x, size_t i, size_t n)
{
    if (i + 4 <= n) {
        memcpy(v, x + i, sizeof *v);
        *msk = (v4di){ -1, -1, -1, -1 };
    } else {
        double t[4] = { 0, 0, 0, 0 };
        long long mm[4] = { 0, 0, 0, 0 };
        for (size_t l = 0; i + l < n; l++) {
            t[l] = x[i + l];
            mm[l] = -1;
        }
        memcpy(v, t, sizeof *v);
        memcpy(msk, mm, sizeof *msk);
    }
}

/* 4 byte indexes at p (the buffers have 4 bytes of room past n) */
static inline void KF(kstore4)(unsigned char *p, const v4si *v)
{
#ifdef __clang__ /* the fuzzers build this file with clang */
    v16qi b = __builtin_shufflevector((v16qi)*v, (v16qi)*v, 0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
#else
    v16qi b = __builtin_shuffle((v16qi)*v, (v16qi){ 0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 });
#endif
    memcpy(p, &b, 4);
}

static inline v4si KF(knarrow)(const v4di *v)
{
    return (v4si){ (int)(*v)[0], (int)(*v)[1], (int)(*v)[2], (int)(*v)[3] };
}

static inline double KF(ksum)(v4d s)
{
    return (s[0] + s[1]) + (s[2] + s[3]);
}

static inline double KF(kmax)(v4d s)
{
    double a = s[0] > s[1] ? s[0] : s[1], b = s[2] > s[3] ? s[2] : s[3];
    return a > b ? a : b;
}

#define VSEL(m, a, b) ((v4d)(((v4di)(a) & (m)) | ((v4di)(b) & ~(m))))
#define VABS(a) ((v4d)((v4di)(a) & (v4di){ INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX }))
#define VMAX(a, b) VSEL((a) > (b), a, b)
#define VMSK(a, m) ((v4d)((v4di)(a) & (m)))
#define VB(c) ((v4d){ c, c, c, c })

/* max |x| and the sum of x^2 */
static void KF(k_stats)(const double *x, size_t n, double *amax, double *s2)
{
    v4d mx = VB(0), s = VB(0);
    for (size_t i = 0; i < n; i += 4) {
        v4d v;
        v4di m;
        KF(kload)(&v, &m, x, i, n);
        v4d a = VABS(v);
        mx = VMAX(a, mx);
        s += v * v;        /* padded lanes are 0: s + 0 = s */
    }
    *amax = KF(kmax)(mx);
    *s2 = KF(ksum)(s);
}

/* |x| and the sign (1: negative) */
static void KF(k_mag)(const double *x, size_t n, double *mag, unsigned char *sg)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        v4d v;
        memcpy(&v, x + i, sizeof v);
        v4d a = VABS(v);
        memcpy(mag + i, &a, sizeof a);
        v4di ng = v < VB(0);
        sg[i] = (unsigned char)(ng[0] & 1);
        sg[i + 1] = (unsigned char)(ng[1] & 1);
        sg[i + 2] = (unsigned char)(ng[2] & 1);
        sg[i + 3] = (unsigned char)(ng[3] & 1);
    }
    for (; i < n; i++) {
        mag[i] = fabs(x[i]);
        sg[i] = x[i] < 0;
    }
}

/* uniform: q = clamp(ceil(x / sc - 1/2), lo, hi) (lo, hi integers of
 * magnitude < 2^30), e = x - q sc; idx[i] = q - lo. t = x * (1 / sc) is
 * within a few ulps of x / sc, so q is the same unless y = t - 1/2 is that
 * close to an integer: then (rare) the group is done again dividing.
 * Returns whether any y was near. */
static inline int KF(k_uni1)(const double *x, size_t n, double sc, double lo, double hi,
                             double xlo, double xhi, kres *o, unsigned char *idx, int dv)
{
    const v4d M = VB(6755399441055744.0);   /* 1.5 2^52: (y + M) - M rounds y to an integer */
    const double isc = 1 / sc;
    v4d s = VB(0), me = VB(0);
    v4di cl = { 0, 0, 0, 0 }, anyn = { 0, 0, 0, 0 };
    for (size_t i = 0; i < n; i += 4) {
        v4d v;
        v4di m;
        KF(kload)(&v, &m, x, i, n);
        v4d t = dv ? v / VB(sc) : v * VB(isc);
        t = VSEL(t < VB(lo - 1), VB(lo - 1), t);
        t = VSEL(t > VB(hi + 1), VB(hi + 1), t);
        v4d y = t - VB(0.5);
        v4d r = (y + M) - M;                  /* nearest (even), exact */
        anyn |= VABS(y - r) < VB(0x1p-30);
        v4d q = r + VMSK(VB(1.0), r < y);     /* ceil(y) */
        q = VSEL(q < VB(lo), VB(lo), q);
        q = VSEL(q > VB(hi), VB(hi), q);
        v4d e = v - q * VB(sc);
        s += VMSK(e * e, m);
        v4d ae = VMSK(VABS(e), m);
        me = VMAX(ae, me);
        cl -= ((v > VB(xhi)) | (v < VB(xlo))) & m;
        v4si iq = __builtin_convertvector(q - VB(lo), v4si);
        KF(kstore4)(idx + i, &iq);
    }
    o->sse = KF(ksum)(s);
    o->me = KF(kmax)(me);
    o->cl = (uint64_t)(cl[0] + cl[1] + cl[2] + cl[3]);
    return (anyn[0] | anyn[1] | anyn[2] | anyn[3]) != 0;
}

static void KF(k_uni)(const double *x, size_t n, double sc, double lo, double hi, double xlo,
                      double xhi, kres *o, unsigned char *idx)
{
    if (KF(k_uni1)(x, n, sc, lo, hi, xlo, xhi, o, idx, 0))
        KF(k_uni1)(x, n, sc, lo, hi, xlo, xhi, o, idx, 1);
}

/* nearest of L levels nat[] (midpoints mid[0..L-2] ascending, ties to the
 * lower): k = #{j : x / sc > mid[j]}, e = x - sc nat[k]; idx[i] = k */
static void KF(k_cnt)(const double *x, size_t n, double sc, const double *mid, const double *nat,
                      size_t L, double xlo, double xhi, kres *o, unsigned char *idx)
{
    v4d s = VB(0), me = VB(0);
    v4di cl = { 0, 0, 0, 0 };
    for (size_t i = 0; i < n; i += 4) {
        v4d v;
        v4di m;
        KF(kload)(&v, &m, x, i, n);
        v4d t = v / VB(sc);
        v4di k = { 0, 0, 0, 0 };
#pragma GCC unroll 16
        for (size_t j = 0; j + 1 < L; j++)
            k -= t > VB(mid[j]);
        v4d q = { nat[k[0]], nat[k[1]], nat[k[2]], nat[k[3]] };
        v4d e = v - VB(sc) * q;
        s += VMSK(e * e, m);
        v4d ae = VMSK(VABS(e), m);
        me = VMAX(ae, me);
        cl -= ((v > VB(xhi)) | (v < VB(xlo))) & m;
        v4si ki = KF(knarrow)(&k);
        KF(kstore4)(idx + i, &ki);
    }
    o->sse = KF(ksum)(s);
    o->me = KF(kmax)(me);
    o->cl = (uint64_t)(cl[0] + cl[1] + cl[2] + cl[3]);
}

/* mxfp4 with the shared scale X (a power of two): t = x / X, the E2M1
 * magnitude index k of |t| (ties to even, saturating at 6), x^ = +-mag[k] X;
 * idx = 7 -+ k */
static void KF(k_mx)(const double *x, size_t n, double X, kres *o, unsigned char *idx)
{
    static const double b[7] = { 0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5 };
    static const double st[7] = { 0.5, 0.5, 0.5, 0.5, 1, 1, 2 };   /* mag[j+1] - mag[j] */
    double iX = X > 0 ? 1 / X : 0;
    v4d s = VB(0), me = VB(0);
    v4di cl = { 0, 0, 0, 0 };
    for (size_t i = 0; i < n; i += 4) {
        v4d v;
        v4di m;
        KF(kload)(&v, &m, x, i, n);
        v4d t = v * VB(iX);
        v4d a = VABS(t);
        v4di k = { 0, 0, 0, 0 };
        v4d mg = VB(0);
        /* a tie goes up when j is odd; mg: exact small dyadic sums */
#define MXSTEP(j, CMP)                                                                             \
    {                                                                                              \
        v4di up = a CMP VB(b[j]);                                                                  \
        k -= up;                                                                                   \
        mg += VMSK(VB(st[j]), up);                                                                 \
    }
        MXSTEP(0, >) MXSTEP(1, >=) MXSTEP(2, >) MXSTEP(3, >=) MXSTEP(4, >) MXSTEP(5, >=) MXSTEP(6, >)
#undef MXSTEP
        v4di ng = t < VB(0);
        v4d q = VSEL(ng, -mg, mg) * VB(X);
        v4d e = v - q;
        s += VMSK(e * e, m);
        v4d ae = VMSK(VABS(e), m);
        me = VMAX(ae, me);
        cl -= (VABS(v) > VB(6 * X)) & m;
        v4di sk = (v4di){ 7, 7, 7, 7 } + ((-k & ng) | (k & ~ng));
        v4si ki = KF(knarrow)(&sk);
        KF(kstore4)(idx + i, &ki);
    }
    o->sse = KF(ksum)(s);
    o->me = KF(kmax)(me);
    o->cl = (uint64_t)(cl[0] + cl[1] + cl[2] + cl[3]);
}

/* q4_0 (float arithmetic): x0 = (float)x id, q = min((int)(x0 + 8.5f), 15),
 * e = x - (q - 8) dq; q8_0: q = roundf((float)x id), e = x - q dq */
static void KF(k_q)(const double *x, size_t n, float id, double dq, int q8, kres *o,
                    unsigned char *idx)
{
    v4d s = VB(0), me = VB(0);
    v4di cl = { 0, 0, 0, 0 };
    const v4sf Mf = { 12582912.0f, 12582912.0f, 12582912.0f, 12582912.0f };
    for (size_t i = 0; i < n; i += 4) {
        v4d v;
        v4di m;
        KF(kload)(&v, &m, x, i, n);
        v4sf x0 = __builtin_convertvector(v, v4sf) * (v4sf){ id, id, id, id };
        v4d qd;
        v4si qi;
        if (q8) {
            v4sf r = (x0 + Mf) - Mf;          /* nearest even, exact for |x0| < 2^22 */
            v4sf d = x0 - r;
            const v4sf z = { 0, 0, 0, 0 };
            v4si up = (d == (v4sf){ 0.5f, 0.5f, 0.5f, 0.5f }) & (x0 > z);
            v4si dn = (d == (v4sf){ -0.5f, -0.5f, -0.5f, -0.5f }) & (x0 < z);
            qi = __builtin_convertvector(r, v4si) - up + dn;   /* ties away from zero */
            qd = __builtin_convertvector(qi, v4d);
            qi += (v4si){ 127, 127, 127, 127 };
        } else {
            v4sf y = x0 + (v4sf){ 8.5f, 8.5f, 8.5f, 8.5f };
            qi = __builtin_convertvector(y, v4si);
            v4si big = qi > 15;
            qi = (qi & ~big) | ((v4si){ 15, 15, 15, 15 } & big);
            v4si c = y >= (v4sf){ 16.0f, 16.0f, 16.0f, 16.0f };
            v4di c2 = { c[0], c[1], c[2], c[3] };
            cl -= c2 & m;
            qd = __builtin_convertvector(qi - 8, v4d);
        }
        v4d e = v - qd * VB(dq);
        s += VMSK(e * e, m);
        v4d ae = VMSK(VABS(e), m);
        me = VMAX(ae, me);
        KF(kstore4)(idx + i, &qi);
    }
    o->sse = KF(ksum)(s);
    o->me = KF(kmax)(me);
    o->cl = (uint64_t)(cl[0] + cl[1] + cl[2] + cl[3]);
}

/* The assignment at alpha = 1 / inva for the mse walk: u = |x| inva, side
 * index k = z + #{j < nm : u > md[z + j]} of the value's side, B = sum |x|
 * lv[k], C = sum lv[k]^2; k stored. */
static void KF(k_assign)(const double *mag, const unsigned char *sg, size_t n, double inva,
                         const side *sp, const side *sn, double *Bo, double *Co, unsigned char *ko)
{
    v4d B = VB(0), C = VB(0);
    int sym = sp->sym;
    for (size_t i = 0; i < n; i += 4) {
        v4d a;
        v4di m;
        KF(kload)(&a, &m, mag, i, n);
        v4d u = a * VB(inva);
        v4di k = { sp->z, sp->z, sp->z, sp->z };
#pragma GCC unroll 8
        for (size_t j = 0; j < sp->nm; j++)
            k -= u > VB(sp->mz[j]);
        if (!sym) {
            v4di kn = { sn->z, sn->z, sn->z, sn->z };
            for (size_t j = 0; j < sn->nm; j++)
                kn -= u > VB(sn->mz[j]);
            long long g[4] = { 0, 0, 0, 0 };
            for (int l = 0; l < 4 && i + (size_t)l < n; l++)
                g[l] = sg[i + (size_t)l] ? -1 : 0;
            v4di gm;
            memcpy(&gm, g, sizeof gm);
            k = (kn & gm) | (k & ~gm);
        }
        int kk[4];
        const double *lvp[4];
        for (int l = 0; l < 4; l++) {
            kk[l] = (int)k[l];
            lvp[l] = sym || i + (size_t)l >= n || !sg[i + (size_t)l] ? sp->lv : sn->lv;
        }
        v4d lv = { lvp[0][kk[0]], lvp[1][kk[1]], lvp[2][kk[2]], lvp[3][kk[3]] };
        lv = VMSK(lv, m);
        B += a * lv;
        C += lv * lv;
        for (int l = 0; l < 4 && i + (size_t)l < n; l++)
            ko[i + (size_t)l] = (unsigned char)kk[l];
    }
    *Bo = KF(ksum)(B);
    *Co = KF(ksum)(C);
}

/* bfloat16 codes (little-endian, stride 1) to doubles, with k_stats of
 * them (the same operations in the same lanes); 1 when all finite (x
 * filled), 0 when some are not (x partly written: the caller redoes) */
static int KF(k_bf16)(const unsigned char *c, size_t len, double *x, double *amax, double *s2)
{
    v4d mx = VB(0), s = VB(0);
    for (size_t i = 0; i < len; i += 4) {
        uint16_t h[4] = { 0, 0, 0, 0 };
        if (i + 4 <= len)
            memcpy(h, c + 2 * i, 8);
        else
            for (size_t l = 0; i + l < len; l++)
                memcpy(&h[l], c + 2 * (i + l), 2);
        v4su b = { h[0], h[1], h[2], h[3] };
        v4si inf = (b & 0x7f80) == 0x7f80;
        if (inf[0] | inf[1] | inf[2] | inf[3])
            return 0;
        v4su w = b << 16;
        v4sf f;
        memcpy(&f, &w, sizeof f);
        v4d d = __builtin_convertvector(f, v4d);   /* padded lanes: +0 */
        if (i + 4 <= len)
            memcpy(x + i, &d, sizeof d);
        else
            for (size_t l = 0; i + l < len; l++)
                x[i + l] = d[l];
        v4d a = VABS(d);
        mx = VMAX(a, mx);
        s += d * d;
    }
    *amax = KF(kmax)(mx);
    *s2 = KF(ksum)(s);
    return 1;
}

/* ---- float kernels (values held as floats: float32 sources, 2-byte codes) ----
 * 8 floats per vector; a double sum runs in two 4-lane vectors (value i
 * in lane i % 4 of vector (i / 4) % 2: two chains, not one), combined
 * lane-wise and then as (l0 + l1) + (l2 + l3). */

static inline void KF(kloadf)(v8sf *v, v8si *msk, const float *x, size_t i, size_t n)
{
    if (i + 8 <= n) {
        memcpy(v, x + i, sizeof *v);
        *msk = (v8si){ -1, -1, -1, -1, -1, -1, -1, -1 };
    } else {
        float t[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
        int mm[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
        for (size_t l = 0; i + l < n; l++) {
            t[l] = x[i + l];
            mm[l] = -1;
        }
        memcpy(v, t, sizeof *v);
        memcpy(msk, mm, sizeof *msk);
    }
}

static inline void KF(khalves)(v8sf v, v4d *lo, v4d *hi)
{
#if defined(__x86_64__) && KAVX && !defined(__clang__) && __GNUC__ >= 12
    /* one vcvtps2pd ymm per half (GCC split __builtin_convertvector into
     * four 2-lane conversions, through the stack) */
    v4sf a = __builtin_shufflevector(v, v, 0, 1, 2, 3), b = __builtin_shufflevector(v, v, 4, 5, 6, 7);
    *lo = __builtin_ia32_cvtps2pd256(a);
    *hi = __builtin_ia32_cvtps2pd256(b);
#else
#if defined(__clang__) || __GNUC__ >= 12   /* (in registers; memcpy went through memory) */
    v4sf a = __builtin_shufflevector(v, v, 0, 1, 2, 3), b = __builtin_shufflevector(v, v, 4, 5, 6, 7);
#else
    v4sf a, b;
    memcpy(&a, &v, sizeof a);
    memcpy(&b, (const char *)&v + sizeof a, sizeof b);
#endif
    *lo = __builtin_convertvector(a, v4d);
    *hi = __builtin_convertvector(b, v4d);
#endif
}

/* max(0, the lanes of s) for lanes >= +0 and not NaN (then the order of
 * the comparisons does not matter) */
static inline float KF(kmaxf)(v8sf s)
{
#if defined(__clang__) || __GNUC__ >= 12
    v4sf a = __builtin_shufflevector(s, s, 0, 1, 2, 3), b = __builtin_shufflevector(s, s, 4, 5, 6, 7);
    v4si m = a > b;
    a = (v4sf)(((v4si)a & m) | ((v4si)b & ~m));
    b = __builtin_shufflevector(a, a, 2, 3, 0, 1);
    m = a > b;
    a = (v4sf)(((v4si)a & m) | ((v4si)b & ~m));
    b = __builtin_shufflevector(a, a, 1, 0, 3, 2);
    float x = a[0] > b[0] ? a[0] : b[0];
    return x > 0 ? x : 0;
#else
    float m = 0;
    for (int l = 0; l < 8; l++)
        m = s[l] > m ? s[l] : m;
    return m;
#endif
}

/* 8 byte indexes at p (room for 8 past n) */
static inline void KF(kstore8)(unsigned char *p, v8si v)
{
#ifdef __clang__
    v32qi b = __builtin_shufflevector((v32qi)v, (v32qi)v, 0, 4, 8, 12, 16, 20, 24, 28, 0, 0, 0, 0, 0, 0,
                                      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
#else
    v32qi b = __builtin_shuffle((v32qi)v, (v32qi){ 0, 4, 8, 12, 16, 20, 24, 28, 0, 0, 0, 0, 0, 0, 0, 0,
                                                   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 });
#endif
    memcpy(p, &b, 8);
}

#define FSEL(m, a, b) ((v8sf)(((v8si)(a) & (m)) | ((v8si)(b) & ~(m))))
#define FABS(a) ((v8sf)((v8si)(a) & (v8si){ INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX }))
#define FMSK(a, m) ((v8sf)((v8si)(a) & (m)))
#define FB(c) ((v8sf){ c, c, c, c, c, c, c, c })
#define IB(c) ((v8si){ c, c, c, c, c, c, c, c })

/* a < b ? a : b and a > b ? a : b lane-wise (minps / maxps on x86) */
static inline v8sf KF(fmin8)(v8sf a, v8sf b)
{
#if defined(__x86_64__) && KAVX && !defined(__clang__) /* (clang: no target pragma) */
    return __builtin_ia32_minps256(a, b);
#elif defined(__x86_64__) && !KAVX
    v4sf a0, a1, b0, b1;
    memcpy(&a0, &a, 16);
    memcpy(&a1, (char *)&a + 16, 16);
    memcpy(&b0, &b, 16);
    memcpy(&b1, (char *)&b + 16, 16);
    a0 = __builtin_ia32_minps(a0, b0);
    a1 = __builtin_ia32_minps(a1, b1);
    memcpy(&a, &a0, 16);
    memcpy((char *)&a + 16, &a1, 16);
    return a;
#else
    return FSEL(a < b, a, b);
#endif
}

static inline v8sf KF(fmax8)(v8sf a, v8sf b)
{
#if defined(__x86_64__) && KAVX && !defined(__clang__) /* (clang: no target pragma) */
    return __builtin_ia32_maxps256(a, b);
#elif defined(__x86_64__) && !KAVX
    v4sf a0, a1, b0, b1;
    memcpy(&a0, &a, 16);
    memcpy(&a1, (char *)&a + 16, 16);
    memcpy(&b0, &b, 16);
    memcpy(&b1, (char *)&b + 16, 16);
    a0 = __builtin_ia32_maxps(a0, b0);
    a1 = __builtin_ia32_maxps(a1, b1);
    memcpy(&a, &a0, 16);
    memcpy((char *)&a + 16, &a1, 16);
    return a;
#else
    return FSEL(a > b, a, b);
#endif
}

/* bfloat16 codes (little-endian, stride 1) to floats; 0 when one is not
 * finite (xf partly written) */
static int KF(k_bf16f)(const unsigned char *c, size_t len, float *xf)
{
    v8si bad = IB(0);
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint16_t h[8];
        memcpy(h, c + 2 * i, 16);
        v8si b = { h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7] };
        bad |= (b & 0x7f80) == 0x7f80;
        v8si w = b << 16;
        memcpy(xf + i, &w, sizeof w);
    }
    int any = 0;
    for (int l = 0; l < 8; l++)
        any |= bad[l];
    if (any)
        return 0;
    for (; i < len; i++) {
        uint32_t b = (uint32_t)c[2 * i] << 16 | (uint32_t)c[2 * i + 1] << 24;
        if ((b & 0x7f800000u) == 0x7f800000u)
            return 0;
        memcpy(xf + i, &b, 4);
    }
    return 1;
}

/* max |x| and the sum of x^2 (in double) */
static void KF(k_statsf)(const float *x, size_t n, double *amax, double *s2)
{
    v8sf mx = FB(0);
    v4d s = VB(0), s1 = VB(0);
    for (size_t i = 0; i < n; i += 8) {
        v8sf v;
        v8si m;
        KF(kloadf)(&v, &m, x, i, n);
        v8sf a = FABS(v);
        mx = FSEL(a > mx, a, mx);
        v4d lo, hi;
        KF(khalves)(v, &lo, &hi);
        s += lo * lo;
        s1 += hi * hi;
    }
    *amax = KF(kmaxf)(mx);
    *s2 = KF(ksum)(s + s1);
}

/* k_bf16f and k_statsf in one pass (the same bits as the two) */
static int KF(k_bf16s)(const unsigned char *c, size_t len, float *xf, double *amax, double *s2)
{
    v8si bad = IB(0);
    v8sf mx = FB(0);
    v4d s = VB(0), s1 = VB(0);
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint16_t h[8];
        memcpy(h, c + 2 * i, 16);
        v8si b = { h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7] };
        bad |= (b & 0x7f80) == 0x7f80;
        v8si w = b << 16;
        memcpy(xf + i, &w, sizeof w);
        v8sf v = (v8sf)w;
        v8sf a = FABS(v);
        mx = FSEL(a > mx, a, mx);
        v4d lo, hi;
        KF(khalves)(v, &lo, &hi);
        s += lo * lo;
        s1 += hi * hi;
    }
    int any = 0;
    for (int l = 0; l < 8; l++)
        any |= bad[l];
    if (any || i < len)
        return KF(k_bf16f)(c, len, xf) ? (KF(k_statsf)(xf, len, amax, s2), 1) : 0;
    *amax = KF(kmaxf)(mx);
    *s2 = KF(ksum)(s + s1);
    return 1;
}

/* k_bf16s without the sum of squares (the caller takes it from the code
 * counts): floats and max |x|; 0 when one is not finite or len % 8 */
static int KF(k_bf16m)(const unsigned char *c, size_t len, float *xf, double *amax)
{
    v8si bad = IB(0);
    v8sf mx = FB(0);
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint16_t h[8];
        memcpy(h, c + 2 * i, 16);
        v8si b = { h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7] };
        bad |= (b & 0x7f80) == 0x7f80;
        v8si w = b << 16;
        memcpy(xf + i, &w, sizeof w);
        v8sf a = FABS((v8sf)w);
        mx = FSEL(a > mx, a, mx);
    }
    int any = 0;
    for (int l = 0; l < 8; l++)
        any |= bad[l];
    if (any || i < len)
        return 0;
    *amax = KF(kmaxf)(mx);
    return 1;
}

/* k_uni on floats: the decision t = x (1 / sc) in float (1 / sc a normal
 * float, |q| <= 2^8), y = t - 1/2 within 2^-14 of x / sc - 1/2, r = y
 * rounded. sc11 (sc of <= 11 significant bits): ceil(y) is r or r + 1, and
 * which is decided exactly by x > (r + 1/2) sc (a product of <= 21 bits,
 * exact in float). Else q = ceil(y) is exact unless y is within 2^-13 of
 * an integer: then 1 is returned and the caller runs the double kernel.
 * x is padded with zeros to a multiple of 8 (they add nothing: q = 0). Clipping against xlof /
 * xhif (the floats next inside xlo, xhi: the same decisions). exf: the
 * error x - q sc is exact in float (the caller checked the bits), else
 * it is taken in double. The same levels, errors and counts as k_uni. */
/* 8 values at i: floats x[i..], or bfloat16 codes cod[i..] converted */
static inline __attribute__((always_inline)) v8sf KF(kld8)(const float *x, const unsigned char *cod, size_t i)
{
    v8sf v;
    if (cod) {
        uint16_t h[8];
        memcpy(h, cod + 2 * i, 16);
        v8si b = { h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7] };
        v = (v8sf)(b << 16);
    } else
        memcpy(&v, x + i, sizeof v);
    return v;
}

static inline __attribute__((always_inline)) int KF(k_unif_)(const float *x, const unsigned char *cod, size_t n, double sc, double lo, double hi, float xlof,
                      float xhif, int exf, int sc11, kres *o, unsigned char *idx, uint32_t *cc)
{
    const v8sf M = FB(12582912.0f);   /* 1.5 2^23 */
    const float isc = (float)(1 / sc), scf = (float)sc, flo = (float)lo, fhi = (float)hi;
    v4d s = VB(0), s1 = VB(0), me = VB(0);
    v8sf mef = FB(0);
    v8si cl = IB(0), anyn = IB(0);
    const v8sf vlo = FB(flo), vhi = FB(fhi), vsc = FB(scf);
    for (size_t i = 0; i < n; i += 8) {
        v8sf v = KF(kld8)(x, cod, i);   /* (padded with zeros to 8: they add 0) */
        if (cc)   /* group_codes.count: two tables in turn (gq.c count_codes) */
            for (int l = 0; l < 2; l++) {
                uint64_t w;
                memcpy(&w, cod + 2 * i + 8 * l, 8);
                cc[w & 0xFFFF]++;
                cc[65536 + ((w >> 16) & 0xFFFF)]++;
                cc[(w >> 32) & 0xFFFF]++;
                cc[65536 + (w >> 48)]++;
            }
        v8sf y = v * FB(isc) - FB(0.5f);
        v8sf r = (y + M) - M;          /* |y| >= 2^22: r is y or an integer near it; q clamps */
        v8sf q;
        if (sc11)              /* ceil(y) is r or r + 1, decided exactly */
            q = r + FMSK(FB(1.0f), v > (r + FB(0.5f)) * vsc);
        else {
            anyn |= (FABS(y - r) < FB(0x1p-13f)) & (FABS(y) < FB(fhi - flo + 2));
            q = r + FMSK(FB(1.0f), r < y);
        }
        q = KF(fmin8)(KF(fmax8)(q, vlo), vhi);
        cl -= (v > FB(xhif)) | (v < FB(xlof));
        v8si iq = __builtin_convertvector(q - vlo, v8si);
        KF(kstore8)(idx + i, iq);
        if (exf) {
            v8sf e = v - q * vsc;
            mef = KF(fmax8)(FABS(e), mef);
            v4d el, eh;
            KF(khalves)(e, &el, &eh);
            s += el * el;
            s1 += eh * eh;
        } else {
            v4d xl, xh, ql, qh;
            KF(khalves)(v, &xl, &xh);
            KF(khalves)(q, &ql, &qh);
            v4d el = xl - ql * VB(sc), eh = xh - qh * VB(sc);
            s += el * el;
            s1 += eh * eh;
            me = VMAX(VABS(el), me);
            me = VMAX(VABS(eh), me);
        }
    }
    o->sse = KF(ksum)(s + s1);
    o->me = exf ? (double)KF(kmaxf)(mef) : KF(kmax)(me);
    long long c = 0;
    int nr = 0;
    for (int l = 0; l < 8; l++) {
        c += cl[l];
        nr |= anyn[l];
    }
    o->cl = (uint64_t)c;
    return nr != 0;
}

static int KF(k_unif)(const float *x, size_t n, double sc, double lo, double hi, float xlof,
                      float xhif, int exf, int sc11, kres *o, unsigned char *idx)
{
    return KF(k_unif_)(x, NULL, n, sc, lo, hi, xlof, xhif, exf, sc11, o, idx, NULL);
}

/* k_unif from bfloat16 codes (all finite, n % 8 == 0) */
static int KF(k_unic)(const unsigned char *cod, size_t n, double sc, double lo, double hi, float xlof,
                      float xhif, int exf, int sc11, kres *o, unsigned char *idx)
{
    return KF(k_unif_)(NULL, cod, n, sc, lo, hi, xlof, xhif, exf, sc11, o, idx, NULL);
}

/* k_unic counting the codes into cc as it goes (sc11: it never returns 1) */
static void KF(k_unicc)(const unsigned char *cod, size_t n, double sc, double lo, double hi, float xlof,
                        float xhif, int exf, kres *o, unsigned char *idx, uint32_t *cc)
{
    KF(k_unif_)(NULL, cod, n, sc, lo, hi, xlof, xhif, exf, 1, o, idx, cc);
}


/* k_mx on floats (t = x / X exact in float; exf: bfloat16 values, whose
 * error x - q is exact in float); x padded with zeros to a multiple of 8 */
static inline __attribute__((always_inline)) void KF(k_mxf_)(const float *x, const unsigned char *cod, size_t n, double X, int exf, kres *o, unsigned char *idx)
{
    const float iX = X > 0 ? (float)(1 / X) : 0, Xf = (float)X, X6 = (float)(6 * X);
    v4d s = VB(0), s1 = VB(0), me = VB(0);
    v8sf mef = FB(0);
    v8si cl = IB(0);
    for (size_t i = 0; i < n; i += 8) {
        v8sf v = KF(kld8)(x, cod, i);   /* (padded with zeros to 8: they add 0) */
        v8sf t = v * FB(iX);
        v8sf a = FABS(t);   /* <= 8 (X >= amax / 8) */
        /* The nearest E2M1 magnitude, ties to the even code: the grid
         * has step 1/m (m = 2 below 2, 1 below 4, else 1/2), so with r =
         * a m rounded to an integer, ties to even (a m exact, < 2^22:
         * the 1.5 2^23 trick), the magnitude is min(r / m, 6) and the
         * code min(r + off, 7), off = 0, 2, 4: the comparisons with
         * 0.25 (>), 0.75 (>=), 1.25 (>), 1.75 (>=), 2.5 (>), 3.5 (>=), 5
         * (>) of the OCP table, in a few lane operations. */
        v8si lt2 = a < FB(2.0f), lt4 = a < FB(4.0f);
        v8si dm = (lt2 + lt4) * IB(0x00800000);           /* -1, -2 octaves */
        v8sf m = (v8sf)(IB(0x3f000000) - dm), im = (v8sf)(IB(0x40000000) + dm);
        v8sf rr = (a * m + FB(12582912.0f)) - FB(12582912.0f);
        v8sf mg = KF(fmin8)(rr * im, FB(6.0f));
        v8si k = __builtin_convertvector(rr, v8si) + IB(4) + (lt2 + lt4) * IB(2);
        k = (v8si)FSEL(k > IB(7), (v8sf)IB(7), (v8sf)k);
        v8si ng = t < FB(0);
        v8sf q = (v8sf)((v8si)mg | (ng & IB(INT32_MIN))) * FB(Xf);   /* -mg when negative */
        cl -= FABS(v) > FB(X6);
        v8si sk = IB(7) + ((k ^ ng) - ng);
        KF(kstore8)(idx + i, sk);
        if (exf) {
            v8sf e = v - q;
            mef = KF(fmax8)(FABS(e), mef);
            v4d el, eh;
            KF(khalves)(e, &el, &eh);
            s += el * el;
            s1 += eh * eh;
        } else {
            v4d xl, xh, ql, qh;
            KF(khalves)(v, &xl, &xh);
            KF(khalves)(q, &ql, &qh);
            v4d el = xl - ql, eh = xh - qh;
            s += el * el;
            s1 += eh * eh;
            me = VMAX(VABS(el), me);
            me = VMAX(VABS(eh), me);
        }
    }
    o->sse = KF(ksum)(s + s1);
    o->me = exf ? (double)KF(kmaxf)(mef) : KF(kmax)(me);
    long long c = 0;
    for (int l = 0; l < 8; l++)
        c += cl[l];
    o->cl = (uint64_t)c;
}

static void KF(k_mxf)(const float *x, size_t n, double X, int exf, kres *o, unsigned char *idx)
{
    KF(k_mxf_)(x, NULL, n, X, exf, o, idx);
}

/* k_mxf from bfloat16 codes (all finite, n % 8 == 0) */
static void KF(k_mxc)(const unsigned char *cod, size_t n, double X, int exf, kres *o, unsigned char *idx)
{
    KF(k_mxf_)(NULL, cod, n, X, exf, o, idx);
}

#include "quant/gq_kern_codes.h"   /* (with this KSFX, KAVX) */

/* nearest of L levels on floats: k = #{j : x > thr[j]} with thr[j] the
 * largest float <= mid[j] sc (x > mid[j] sc exactly: no float lies
 * between), e = x - sc nat[k] in double */
static void KF(k_cntf)(const float *x, size_t n, double sc, const float *thr, const double *nat,
                       const float *natf, size_t L, float xlof, float xhif, kres *o, unsigned char *idx)
{
#if defined(__x86_64__) && KAVX && !defined(__clang__)
    /* natf (16 levels that are floats): the levels by two 8-entry
     * permutes (vpermps), not 8 loads; the same values */
    v8sf t0, t1;
    if (natf) {
        memcpy(&t0, natf, sizeof t0);
        memcpy(&t1, natf + 8, sizeof t1);
    }
#else
    (void)natf;
#endif
    v4d s = VB(0), s1 = VB(0), me = VB(0);
    v8si cl = IB(0);
    for (size_t i = 0; i < n; i += 8) {
        v8sf v;
        v8si m;
        KF(kloadf)(&v, &m, x, i, n);
        v8si k = IB(0);
#pragma GCC unroll 16
        for (size_t j = 0; j + 1 < L; j++)
            k -= v > FB(thr[j]);
        cl -= ((v > FB(xhif)) | (v < FB(xlof))) & m;
        KF(kstore8)(idx + i, k);
        v4d ql, qh;
#if defined(__x86_64__) && KAVX && !defined(__clang__)
        if (natf) {
            v8sf qa = __builtin_ia32_permvarsf256(t0, k), qb = __builtin_ia32_permvarsf256(t1, k - IB(8));
            KF(khalves)(FSEL(k < IB(8), qa, qb), &ql, &qh);
        } else
#endif
        {
            ql = (v4d){ nat[k[0]], nat[k[1]], nat[k[2]], nat[k[3]] };
            qh = (v4d){ nat[k[4]], nat[k[5]], nat[k[6]], nat[k[7]] };
        }
        v4d xl, xh;
        KF(khalves)(v, &xl, &xh);
        v4di ml = { m[0], m[1], m[2], m[3] }, mh = { m[4], m[5], m[6], m[7] };
        v4d el = xl - VB(sc) * ql, eh = xh - VB(sc) * qh;
        s += VMSK(el * el, ml);
        s1 += VMSK(eh * eh, mh);
        v4d al = VMSK(VABS(el), ml), ah = VMSK(VABS(eh), mh);
        me = VMAX(al, me);
        me = VMAX(ah, me);
    }
    o->sse = KF(ksum)(s + s1);
    o->me = KF(kmax)(me);
    long long c = 0;
    for (int l = 0; l < 8; l++)
        c += cl[l];
    o->cl = (uint64_t)c;
}

/* floats to doubles */
static void KF(k_f2d)(const float *xf, size_t n, double *x)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v8sf v;
        memcpy(&v, xf + i, sizeof v);
        v4d lo, hi;
        KF(khalves)(v, &lo, &hi);
        memcpy(x + i, &lo, sizeof lo);
        memcpy(x + i + 4, &hi, sizeof hi);
    }
    for (; i < n; i++)
        x[i] = xf[i];
}

#undef FSEL
#undef FABS
#undef FMSK
#undef FB
#undef IB

static const kern KF(kern) = {
    KF(k_stats), KF(k_mag), KF(k_uni), KF(k_cnt), KF(k_mx), KF(k_q), KF(k_assign), KF(k_bf16),
    KF(k_bf16f), KF(k_statsf), KF(k_unif), KF(k_mxf), KF(k_f2d), KF(k_bf16s), KF(k_cntf), KF(k_bf16m),
    KF(k_unic), KF(k_mxc), KF(k_bf16max), KF(k_mxu), KF(k_unicc), KF(k_hist16),
};

#undef KF
#undef KCAT
#undef KCAT2
#undef VSEL
#undef VABS
#undef VMAX
#undef VMSK
#undef VB
