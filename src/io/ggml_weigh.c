/*
 * ggml_weigh.c - the weighted view of GGUF blocks (ggml_quants.h,
 * ggml_weigh_fn; io/grid.h, grid_wpair): per sub-block, the codes counted
 * (Q4_0, Q4_1, Q4_K, Q5_K) or one pair per value (Q8_0, Q6_K), each
 * pair's value by the dequantizer's own float operations in the same
 * order (ggml_quants.c), so that they are its values bit for bit.
 */
#include "config.h"
#include "io/ggml_quants.h"
#include "io/ggml_int.h"
#include "io/grid.h"

#include <string.h>

/* No contraction of a * b + c into an FMA (as ggml_quants.c). */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* ---- the weighted view (ggml_weigh_fn) ------------------------------------ */

/* The pairs of one group of 4-bit codes counted in c[16], the value of
 * code k_ (q_ as float) by VAL, the dequantizer's expression; without a
 * branch: every pair is written, the pointer moves past those with
 * values (out has room for 16 per group). */
#define EMIT16(c, grp, VAL)                                                   \
    do {                                                                      \
        for (int k_ = 0; k_ < 16; k_++) {                                     \
            const float q_ = (float)k_;                                       \
            (void)q_;                                                         \
            *o = (grid_wpair){ (VAL), (uint16_t)k_, (uint16_t)(c)[k_], (grp) }; \
            o += (c)[k_] != 0;                                                \
        }                                                                     \
    } while (0)

/* counts of the low (lo) and high (hi) nibbles of n bytes */
static inline void count_nibbles(const unsigned char *q, int n, uint8_t *lo, uint8_t *hi)
{
    memset(lo, 0, 16);
    memset(hi, 0, 16);
    for (int l = 0; l < n; l++) {
        lo[q[l] & 0xF]++;
        hi[q[l] >> 4]++;
    }
}

/* The nibble counting of Q4_0, Q4_1 and Q4_K, compiled twice: for the
 * baseline target and, on x86-64, with AVX2 and POPCNT (one compare and
 * one population count per code and 32 nibbles), chosen at run time. */
#define W4_BODIES(SFX, NIB32, NIB16, A)                                                  \
    A static size_t w_q4_0_##SFX(const unsigned char *restrict x, size_t nb, grid_wpair *restrict o0) \
    {                                                                                   \
        grid_wpair *o = o0;                                                             \
        for (size_t i = 0; i < nb; i++, x += 18) {                                      \
            const float d = h2f(x);                                                     \
            uint8_t c[16];                                                              \
            NIB16(x + 2, c);                                                            \
            EMIT16(c, (uint32_t)i, (float)(k_ - 8) * d);                                \
        }                                                                               \
        return (size_t)(o - o0);                                                        \
    }                                                                                   \
    A static size_t w_q4_1_##SFX(const unsigned char *restrict x, size_t nb, grid_wpair *restrict o0) \
    {                                                                                   \
        grid_wpair *o = o0;                                                             \
        for (size_t i = 0; i < nb; i++, x += 20) {                                      \
            const float d = h2f(x), m = h2f(x + 2);                                     \
            uint8_t c[16];                                                              \
            NIB16(x + 4, c);                                                            \
            EMIT16(c, (uint32_t)i, q_ * d + m);                                         \
        }                                                                               \
        return (size_t)(o - o0);                                                        \
    }                                                                                   \
    /* Q4_K: sub-block 2p holds the low nibbles of q[32p..32p + 32), 2p + 1 the high */ \
    A static size_t w_q4_k_##SFX(const unsigned char *restrict x, size_t nb, grid_wpair *restrict o0) \
    {                                                                                   \
        grid_wpair *o = o0;                                                             \
        for (size_t i = 0; i < nb; i++, x += 144) {                                     \
            const float d = h2f(x), min = h2f(x + 2);                                   \
            const unsigned char *s = x + 4, *q = x + 16;                                \
            for (int j = 0; j < 8; j += 2, q += 32) {                                   \
                int sc, m;                                                              \
                uint8_t lo[16], hi[16];                                                 \
                NIB32(q, lo, hi);                                                       \
                scale_min_k4(j, s, &sc, &m);                                            \
                const float d1 = d * (float)sc, m1 = min * (float)m;                    \
                scale_min_k4(j + 1, s, &sc, &m);                                        \
                const float d2 = d * (float)sc, m2 = min * (float)m;                    \
                const uint32_t g = (uint32_t)(8 * i + (size_t)j);                       \
                EMIT16(lo, g, d1 * q_ - m1);                                            \
                EMIT16(hi, g + 1, d2 * q_ - m2);                                        \
            }                                                                           \
        }                                                                               \
        return (size_t)(o - o0);                                                        \
    }

static inline void nib32_base(const unsigned char *q, uint8_t *lo, uint8_t *hi)
{
    count_nibbles(q, 32, lo, hi);
}

static inline void nib16_base(const unsigned char *q, uint8_t *c)
{
    uint8_t hi[16];
    count_nibbles(q, 16, c, hi);
    for (int k = 0; k < 16; k++)
        c[k] = (uint8_t)(c[k] + hi[k]);
}

W4_BODIES(base, nib32_base, nib16_base, )

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define W4_AVX2 1
#define TGT __attribute__((target("avx2,popcnt")))

TGT static inline void nib32_avx2(const unsigned char *q, uint8_t *lo, uint8_t *hi)
{
    const __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)q), m = _mm256_set1_epi8(0x0F);
    const __m256i a = _mm256_and_si256(v, m), b = _mm256_and_si256(_mm256_srli_epi16(v, 4), m);
    for (int k = 0; k < 16; k++) {
        const __m256i K = _mm256_set1_epi8((char)k);
        lo[k] = (uint8_t)__builtin_popcount((unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, K)));
        hi[k] = (uint8_t)__builtin_popcount((unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, K)));
    }
}

TGT static inline void nib16_avx2(const unsigned char *q, uint8_t *c)
{
    const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)q), m = _mm_set1_epi8(0x0F);
    const __m256i a = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_and_si128(v, m)),
                                              _mm_and_si128(_mm_srli_epi16(v, 4), m), 1);
    for (int k = 0; k < 16; k++)
        c[k] = (uint8_t)__builtin_popcount(
            (unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, _mm256_set1_epi8((char)k))));
}

W4_BODIES(avx2, nib32_avx2, nib16_avx2, TGT)
#undef TGT
#endif

static int w4_simd = 1;      /* ggml_weigh_simd */

int ggml_weigh_simd(int on)
{
    int was = w4_simd;
    w4_simd = on;
    return was;
}

static int w4_avx2(void)
{
#ifdef W4_AVX2
    if (!w4_simd)
        return 0;
    /* (a read of what the startup code found: once per run of blocks) */
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
#else
    return 0;
#endif
}

static size_t w_q4_0(const unsigned char *restrict x, size_t nb, grid_wpair *restrict o)
{
#ifdef W4_AVX2
    if (w4_avx2())
        return w_q4_0_avx2(x, nb, o);
#endif
    return w_q4_0_base(x, nb, o);
}

static size_t w_q4_1(const unsigned char *restrict x, size_t nb, grid_wpair *restrict o)
{
#ifdef W4_AVX2
    if (w4_avx2())
        return w_q4_1_avx2(x, nb, o);
#endif
    return w_q4_1_base(x, nb, o);
}

static size_t w_q4_k(const unsigned char *restrict x, size_t nb, grid_wpair *restrict o)
{
#ifdef W4_AVX2
    if (w4_avx2())
        return w_q4_k_avx2(x, nb, o);
#endif
    return w_q4_k_base(x, nb, o);
}

static size_t w_q8_0(const unsigned char *restrict x, size_t nb, grid_wpair *restrict o)
{
    for (size_t i = 0; i < nb; i++, x += 34) {
        const float d = h2f(x);
        for (int j = 0; j < 32; j++) {
            const int q = (int8_t)x[2 + j];
            o[32 * i + j] = (grid_wpair){ (float)q * d, (uint16_t)(q + 128), 1, (uint32_t)i };
        }
    }
    return 32 * nb;
}

/* Q5_K: as Q4_K with the fifth bit from qh; 32 codes per group. */
static size_t w_q5_k(const unsigned char *restrict x, size_t nb, grid_wpair *restrict o0)
{
    grid_wpair *o = o0;
    for (size_t i = 0; i < nb; i++, x += 176) {
        const float d = h2f(x), min = h2f(x + 2);
        const unsigned char *s = x + 4, *qh = x + 16, *ql = x + 48;
        unsigned u1 = 1, u2 = 2;
        for (int j = 0; j < 8; j += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
            int sc, m;
            uint8_t c1[32] = { 0 }, c2[32] = { 0 };
            for (int l = 0; l < 32; l++) {
                c1[(ql[l] & 0xF) + (qh[l] & u1 ? 16 : 0)]++;
                c2[(ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)]++;
            }
            scale_min_k4(j, s, &sc, &m);
            const float d1 = d * (float)sc, m1 = min * (float)m;
            scale_min_k4(j + 1, s, &sc, &m);
            const float d2 = d * (float)sc, m2 = min * (float)m;
            const uint32_t g = (uint32_t)(8 * i + (size_t)j);
            for (int k = 0; k < 32; k++)
                if (c1[k])
                    *o++ = (grid_wpair){ d1 * (float)k - m1, (uint16_t)k, c1[k], g };
            for (int k = 0; k < 32; k++)
                if (c2[k])
                    *o++ = (grid_wpair){ d2 * (float)k - m2, (uint16_t)k, c2[k], g + 1 };
        }
    }
    return (size_t)(o - o0);
}

/* Q6_K: one pair per value, group by group (16 values each); group
 * 8 (n / 128) + h + 2 t holds q_t of l in [16 h, 16 h + 16) (dq_q6_k). */
static size_t w_q6_k(const unsigned char *restrict x, size_t nb, grid_wpair *restrict o0)
{
    grid_wpair *o = o0;
    for (size_t i = 0; i < nb; i++, x += 210) {
        const float d = h2f(x + 208);
        const unsigned char *ql = x, *qh = x + 128;
        const int8_t *sc = (const int8_t *)(x + 192);
        for (int n = 0; n < 2; n++, ql += 64, qh += 32, sc += 8)
            for (int t = 0; t < 4; t++)
                for (int h = 0; h < 2; h++) {
                    const float a = d * (float)sc[h + 2 * t];
                    const uint32_t g = (uint32_t)(16 * i + (size_t)(8 * n + h + 2 * t));
                    const unsigned char *b = ql + (t & 1) * 32;
                    const int sh = (t >> 1) * 4;
                    for (int l = 16 * h; l < 16 * h + 16; l++) {
                        int raw = ((b[l] >> sh) & 0xF) | (((qh[l] >> (2 * t)) & 3) << 4);
                        *o++ = (grid_wpair){ a * (float)(raw - 32), (uint16_t)raw, 1, g };
                    }
                }
    }
    return (size_t)(o - o0);
}

ggml_weigh_fn ggml_weigh_find(const ggml_type_info *ti, unsigned *wmax)
{
    static const struct { uint32_t id; ggml_weigh_fn fn; unsigned wmax; } w[] = {
        { 2, w_q4_0, 16 }, { 3, w_q4_1, 16 }, { 8, w_q8_0, 32 },
        { 12, w_q4_k, 128 }, { 13, w_q5_k, 256 }, { 14, w_q6_k, 256 },
    };
    for (size_t i = 0; ti && i < sizeof w / sizeof w[0]; i++)
        if (w[i].id == ti->id && ti->dequant) {
            if (wmax)
                *wmax = w[i].wmax;
            return w[i].fn;
        }
    return NULL;
}

