/*
 * gq_kern_codes.h - the group engine's kernels on bfloat16 codes' bits,
 * part of gq_kern.h (included from it once per target, with its KSFX,
 * KAVX and macros): MXFP4 of whole groups from the codes (k_mxu: the
 * E2M1 decisions by integer compares against the group's shared
 * exponent), max |x| of codes (k_bf16max), and a level histogram of byte
 * indexes (k_hist16). The same numbers, bit for bit, as the float kernels
 * they stand in for (k_mxc after k_bf16max; hist).
 */

/* ---- mxfp4 from the bfloat16 codes' bits ----
 * 16 codes per vector of 16-bit lanes. With E the exponent field of the
 * group's largest magnitude code (6 <= E < 255), the shared scale is X =
 * 2^(E - 129) and t = |x| / X < 8 depends only on key = max(|c| - ((E -
 * 5) << 7), 0): key = 128 r + m for the values with exponent field E - 5
 * + r (r = 0 .. 5: t in [2^(r-5), 2^(r-4)), mantissa m), key = 0 for the
 * smaller ones (t < 1/8: the code 0, as every key < 128). The E2M1
 * magnitude index k (ties to even, saturating) is the number of the OCP
 * table's boundaries 0.25 (>), 0.75 (>=), 1.25 (>), 1.75 (>=), 2.5 (>),
 * 3.5 (>=), 5 (>) below t: key > 128, 319, 416, 479, 544, 607, 672. */
typedef short v16hi __attribute__((vector_size(32)));
/* the packed byte counters wrap by design: unsigned lanes (no signed
 * overflow) */
typedef unsigned short v16hu __attribute__((vector_size(32)));
#define HB(c) ((v16hi){ c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c })

/* lane-wise max of 16-bit lanes holding 0 .. 0x7fff */
static inline v16hi KF(hmax16)(v16hi a, v16hi b)
{
#if defined(__x86_64__) && KAVX && !defined(__clang__)
    return __builtin_ia32_pmaxsw256(a, b);
#else
    v16hi d = a - b;   /* no overflow: both in 0 .. 0x7fff */
    return b + (d & (d > HB(0)));
#endif
}

/* the largest of the 16 lanes */
static inline int KF(hmax16r)(v16hi a)
{
#if defined(__clang__) || __GNUC__ >= 12
    a = KF(hmax16)(a, __builtin_shufflevector(a, a, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
    a = KF(hmax16)(a, __builtin_shufflevector(a, a, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11));
    a = KF(hmax16)(a, __builtin_shufflevector(a, a, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13));
    return a[0] > a[1] ? a[0] : a[1];
#else
    int m = 0;
    for (int l = 0; l < 16; l++)
        m = a[l] > m ? a[l] : m;
    return m;
#endif
}

/* the codes of a as the floats c << 16, in the order of 8-value blocks'
 * halves: lo = codes 0-3 | 8-11, hi = 4-7 | 12-15 (punpck[lh]wd) */
static inline void KF(hwide)(v16hi a, v8sf *lo, v8sf *hi)
{
    const v16hi z = HB(0);
#if defined(__clang__) || __GNUC__ >= 12
    *lo = (v8sf)__builtin_shufflevector(z, a, 0, 16, 1, 17, 2, 18, 3, 19, 8, 24, 9, 25, 10, 26, 11, 27);
    *hi = (v8sf)__builtin_shufflevector(z, a, 4, 20, 5, 21, 6, 22, 7, 23, 12, 28, 13, 29, 14, 30, 15, 31);
#else
    *lo = (v8sf)__builtin_shuffle(z, a, (v16hi){ 0, 16, 1, 17, 2, 18, 3, 19, 8, 24, 9, 25, 10, 26, 11, 27 });
    *hi = (v8sf)__builtin_shuffle(z, a, (v16hi){ 4, 20, 5, 21, 6, 22, 7, 23, 12, 28, 13, 29, 14, 30, 15, 31 });
#endif
}

/* max(a - b, 0) lane-wise (a, b in 0 .. 0x7fff) */
static inline v16hi KF(hsubs)(v16hi a, v16hi b)
{
#if defined(__x86_64__) && KAVX && !defined(__clang__)
    return (v16hi)__builtin_ia32_psubusw256(a, b);
#else
    v16hi d = a - b;
    return d & ~(d >> 15);
#endif
}

/* per unit: the lanes' counts k_mxu adds to. cnt[j]: 16-bit lanes, the
 * low byte the positive values with key > T[j], the high byte the
 * negative ones (<= 255 vectors between flushes); cl: |x| > 6 X */
typedef struct KF(mxacc) {
    v16hu cnt[7];
    v16hi cl;
    v8sf me;
    unsigned nv;           /* vectors since the last flush */
    uint64_t pos[7], neg[7], ncl;
} KF(mxacc);

static void KF(mxu_bytes)(KF(mxacc) *A)
{
    for (int j = 0; j < 7; j++) {
        for (int l = 0; l < 16; l++) {
            unsigned short c = (unsigned short)A->cnt[j][l];
            A->pos[j] += c & 0xff;
            A->neg[j] += c >> 8;
        }
        A->cnt[j] = (v16hu)HB(0);
    }
    for (int l = 0; l < 16; l++)
        A->ncl -= A->cl[l];
    A->cl = HB(0);
    A->nv = 0;
}

static void KF(mxu_flush)(KF(mxacc) *A, uint64_t n, struct tacc *ta)
{
    KF(mxu_bytes)(A);
    uint64_t *c = ta->counts;
    uint64_t nz = n;
    for (int k = 1; k <= 7; k++) {   /* #{k' >= k} - #{k' >= k + 1} */
        uint64_t np = A->pos[k - 1] - (k < 7 ? A->pos[k] : 0);
        uint64_t nn = A->neg[k - 1] - (k < 7 ? A->neg[k] : 0);
        c[7 + k] += np;
        c[7 - k] += nn;
        nz -= np + nn;
    }
    c[7] += nz;
    ta->n += n;
    ta->clipped += A->ncl;
    double me = (double)KF(kmaxf)(A->me);
    if (me > ta->maxerr)
        ta->maxerr = me;
}

/* 16 codes at c of a group: the counts into A, the squared errors into s, s1 */
static inline __attribute__((always_inline)) void KF(mxu_step)(const unsigned char *c, v16hi base,
                                                               v16hi b1, KF(mxacc) *A, v4d *s,
                                                               v4d *s1, uint32_t *cc)
{
    v16hi v;
    memcpy(&v, c, sizeof v);
    if (cc) {   /* group_codes.count: two tables in turn (gq.c count_codes) */
        for (int l = 0; l < 4; l++) {
            uint64_t w;
            memcpy(&w, c + 8 * l, 8);
            cc[w & 0xFFFF]++;
            cc[65536 + ((w >> 16) & 0xFFFF)]++;
            cc[(w >> 32) & 0xFFFF]++;
            cc[65536 + (w >> 48)]++;
        }
    }
    v16hi a = v & HB(0x7fff);
    v16hi wsel = HB(1) + ((v >> 15) & HB(255));   /* 1 positive, 256 negative */
    v16hi key = KF(hsubs)(a, base);
    v16hi m0 = key > HB(128), m1 = key > HB(319), m2 = key > HB(416), m3 = key > HB(479);
    v16hi m4 = key > HB(544), m5 = key > HB(607), m6 = key > HB(672);
    A->cnt[0] += (v16hu)(m0 & wsel);
    A->cnt[1] += (v16hu)(m1 & wsel);
    A->cnt[2] += (v16hu)(m2 & wsel);
    A->cnt[3] += (v16hu)(m3 & wsel);
    A->cnt[4] += (v16hu)(m4 & wsel);
    A->cnt[5] += (v16hu)(m5 & wsel);
    A->cnt[6] += (v16hu)(m6 & wsel);
    A->cl += key > HB(704);
    v16hi nk = ((m0 + m1) + (m2 + m3)) + ((m4 + m5) + m6);
    /* |x^| as a bfloat16 code: 0x3f00 + (ex << 7) for 0.5 X, then 0x40 a
     * step (0x80 for 1 -> 2: k = 2 starts a binade) */
    v16hi q = m0 & (b1 - (nk + m1) * HB(64));
    v8sf al, ah, ql, qh;
    KF(hwide)(a, &al, &ah);
    KF(hwide)(q, &ql, &qh);
    v8sf el = al - ql, eh = ah - qh;   /* values 0-3 | 8-11, 4-7 | 12-15 */
    A->me = KF(fmax8)(A->me, KF(fmax8)(FABS(el), FABS(eh)));
    v4d e0, e1, e2, e3;
    KF(khalves)(el, &e0, &e2);
    KF(khalves)(eh, &e1, &e3);
    *s += e0 * e0;      /* k_mxc's order: 0-3, 4-7 in s, s1, then 8-11, 12-15 */
    *s1 += e1 * e1;
    *s += e2 * e2;
    *s1 += e3 * e3;
}

/* one group of G codes (G32: G = 32): 0 when the codes do not decide it */
static inline __attribute__((always_inline)) int KF(mxu_group)(const unsigned char *c, size_t G,
                                                               int G32, KF(mxacc) *A, double *sse,
                                                               double *asum, uint32_t *cc)
{
    v16hi mv;
    if (G32) {
        v16hi v0, v1;
        memcpy(&v0, c, sizeof v0);
        memcpy(&v1, c + 32, sizeof v1);
        mv = KF(hmax16)(v0 & HB(0x7fff), v1 & HB(0x7fff));
    } else {
        mv = HB(0);
        for (size_t i = 0; i < G; i += 16) {
            v16hi v;
            memcpy(&v, c + 2 * i, sizeof v);
            mv = KF(hmax16)(mv, v & HB(0x7fff));
        }
    }
    int mx = KF(hmax16r)(mv);
    int E = mx >> 7;
    if (mx >= 0x7f80 || (mx > 0 && E < 6))
        return 0;
    if (A->nv + G / 16 > 255)
        KF(mxu_bytes)(A);
    A->nv += (unsigned)(G / 16);
    /* X = 2^(E - 129); 0 for a group of zeros (every key 0) */
    const v16hi base = HB((short)(mx ? (E - 5) << 7 : 0x7fff));
    const v16hi b1 = HB((short)(mx ? 0x3f00 + (E - 129) * 128 - 0x40 : 0));
    double X = 0;
    if (mx) {
        uint64_t xb = (uint64_t)(E - 129 + 1023) << 52;
        memcpy(&X, &xb, sizeof X);
    }
    v4d s = VB(0), s1 = VB(0);
    if (G32) {
        KF(mxu_step)(c, base, b1, A, &s, &s1, cc);
        KF(mxu_step)(c + 32, base, b1, A, &s, &s1, cc);
    } else
        for (size_t i = 0; i < G; i += 16)
            KF(mxu_step)(c + 2 * i, base, b1, A, &s, &s1, cc);
    *sse += KF(ksum)(s + s1);
    *asum += 6 * X;
    return 1;
}

/* mxfp4 (as bf16max, then k_mxc with exf) over up to ngr groups of G
 * codes (16 <= G <= 32768, G % 16 == 0) at cod: per group in order
 * ua->sse += its sum of squared errors, ua->asum += 6 X; the counts, n,
 * clipped, max error, nalpha into ta. Stops before a group the codes do
 * not decide (a value not finite, or 0 < max|x| < 2^-121); returns the
 * groups done. */
static size_t KF(k_mxu)(const unsigned char *cod, size_t ngr, size_t G, struct uacc *ua,
                        struct tacc *ta, uint32_t *cc)
{
    KF(mxacc) A;
    memset(&A, 0, sizeof A);
    size_t g = 0;
    double sse = ua->sse, asum = ua->asum;   /* (the same additions, in registers) */
    if (G == 32 && cc)
        while (g < ngr && (__builtin_prefetch(cod + 64 * g + 1024), KF(mxu_group)(cod + 64 * g, 32, 1, &A, &sse, &asum, cc)))
            g++;
    else if (G == 32)
        while (g < ngr && KF(mxu_group)(cod + 64 * g, 32, 1, &A, &sse, &asum, NULL))
            g++;
    else
        while (g < ngr && KF(mxu_group)(cod + 2 * G * g, G, 0, &A, &sse, &asum, cc))
            g++;
    ua->sse = sse;
    ua->asum = asum;
    ta->nalpha += g;
    KF(mxu_flush)(&A, (uint64_t)g * G, ta);
    return g;
}
/* max |x| of bfloat16 codes (n % 16 == 0) as an integer max of the
 * codes without their sign (the order of the magnitudes for finite
 * values); 0 when one is not finite (>= 0x7f80) */
static int KF(k_bf16max)(const unsigned char *c, size_t n, double *amax)
{
    v16hi m0 = HB(0), m1 = HB(0);
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {   /* two chains */
        __builtin_prefetch(c + 2 * i + 1024);   /* (the next groups: a page's lines in time) */
        v16hi v0, v1;
        memcpy(&v0, c + 2 * i, sizeof v0);
        memcpy(&v1, c + 2 * i + 32, sizeof v1);
        m0 = KF(hmax16)(m0, v0 & HB(0x7fff));
        m1 = KF(hmax16)(m1, v1 & HB(0x7fff));
    }
    if (i < n) {
        v16hi v;
        memcpy(&v, c + 2 * i, sizeof v);
        m0 = KF(hmax16)(m0, v & HB(0x7fff));
    }
    int mx = KF(hmax16r)(KF(hmax16)(m0, m1));
    if (mx >= 0x7f80)
        return 0;
    uint32_t b = (uint32_t)mx << 16;
    float f;
    memcpy(&f, &b, sizeof f);
    *amax = f;
    return 1;
}

#undef HB

/* counts[idx[i]]++ for n indexes < L <= 16: byte lanes compared with each
 * level, 8 levels a pass over the (cached) indexes, <= 255 vectors
 * between flushes */
static void KF(k_hist16)(const unsigned char *idx, size_t n, size_t L, uint64_t *counts)
{
    typedef signed char v32qs __attribute__((vector_size(32)));
    size_t nv = n / 32;
    for (size_t l0 = 0; l0 < L; l0 += 8) {
        v32qs acc[8];
        memset(acc, 0, sizeof acc);
        unsigned it = 0;
        for (size_t b = 0; b < nv; b++) {
            v32qs v;
            memcpy(&v, idx + 32 * b, sizeof v);
#pragma GCC unroll 8
            for (int l = 0; l < 8; l++) {
                const signed char c = (signed char)(l0 + (size_t)l);
                acc[l] -= v == (v32qs){ c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c,
                                        c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c };
            }
            if (++it == 255 || b + 1 == nv) {
                for (int l = 0; l < 8 && l0 + (size_t)l < L; l++) {
                    uint64_t t = 0;
                    for (int j = 0; j < 32; j++)
                        t += (unsigned char)acc[l][j];
                    counts[l0 + (size_t)l] += t;
                }
                memset(acc, 0, sizeof acc);
                it = 0;
            }
        }
    }
    for (size_t i = 32 * nv; i < n; i++)
        counts[idx[i]]++;
}
