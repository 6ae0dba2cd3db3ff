/*
 * ggml_quants.c - ggml type table and block dequantizers (ggml_quants.h).
 *
 * Written from the block layouts of llama.cpp's ggml/src/ggml-common.h
 * and the semantics of ggml-quants.c dequantize_row_*: every value is
 * computed by the same float32 operations in the same order (a product
 * then a difference is two roundings, never one fused multiply-add), so
 * apotview's values equal ggml's bit for bit.
 *
 * Speed: one call per run of blocks, fixed-length inner loops over bytes
 * with the per-sub-block scales hoisted out (the compiler vectorizes them),
 * fp16 scales decoded by bit manipulation inline; no call per element.
 */
#include "config.h"
#include "io/ggml_quants.h"
#include "io/grid.h"

#include <stdio.h>
#include <string.h>

/* No contraction of a * b + c into an FMA: ggml's reference rounds twice.
 * (GCC does not contract under -std=c11; clang honours this pragma.) */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define QK_K 256

const int8_t ggml_kvalues_iq4nl[16] = { -127, -104, -83, -65, -49, -35, -22, -10,
                                        1, 13, 25, 38, 53, 69, 89, 113 };
/* E2M1 values doubled (the block scale is halved to match). */
const int8_t ggml_kvalues_mxfp4[16] = { 0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12 };

#include "io/ggml_int.h"

/* ggml_e8m0_to_fp32_half: 2^(x - 128), with x = 0 and 1 subnormal. */
static inline float e8m0_half(uint8_t x)
{
    return bits_f32(x < 2 ? 0x00200000u << x : (uint32_t)(x - 1) << 23);
}

static inline uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- 32-element blocks ------------------------------------------------- */

/* Q4_0: d, qs[16]; y = (q - 8) * d, low nibbles first. */
static void dq_q4_0(const unsigned char *restrict x, float *restrict y, size_t nb)
{
    for (size_t i = 0; i < nb; i++, x += 18, y += 32) {
        const float d = h2f(x);
        const unsigned char *q = x + 2;
        for (int j = 0; j < 16; j++) {
            y[j] = (float)((q[j] & 0x0F) - 8) * d;
            y[j + 16] = (float)((q[j] >> 4) - 8) * d;
        }
    }
}

/* Q4_1: d, m, qs[16]; y = q * d + m. */
static void dq_q4_1(const unsigned char *restrict x, float *restrict y, size_t nb)
{
    for (size_t i = 0; i < nb; i++, x += 20, y += 32) {
        const float d = h2f(x), m = h2f(x + 2);
        const unsigned char *q = x + 4;
        for (int j = 0; j < 16; j++) {
            y[j] = (float)(q[j] & 0x0F) * d + m;
            y[j + 16] = (float)(q[j] >> 4) * d + m;
        }
    }
}

/* Q5_0: d, qh[4] (bit j: the fifth bit of element j), qs[16]; y = (q - 16) * d. */
static void dq_q5_0(const unsigned char *restrict x, float *restrict y, size_t nb)
{
    for (size_t i = 0; i < nb; i++, x += 22, y += 32) {
        const float d = h2f(x);
        const uint32_t qh = rd32(x + 2);
        const unsigned char *q = x + 6;
        for (int j = 0; j < 16; j++) {
            int h0 = (int)((qh >> j) << 4 & 0x10), h1 = (int)((qh >> (j + 12)) & 0x10);
            y[j] = (float)(((q[j] & 0x0F) | h0) - 16) * d;
            y[j + 16] = (float)(((q[j] >> 4) | h1) - 16) * d;
        }
    }
}

/* Q5_1: d, m, qh[4], qs[16]; y = q * d + m. */
static void dq_q5_1(const unsigned char *restrict x, float *restrict y, size_t nb)
{
    for (size_t i = 0; i < nb; i++, x += 24, y += 32) {
        const float d = h2f(x), m = h2f(x + 2);
        const uint32_t qh = rd32(x + 4);
        const unsigned char *q = x + 8;
        for (int j = 0; j < 16; j++) {
            int h0 = (int)((qh >> j) << 4 & 0x10), h1 = (int)((qh >> (j + 12)) & 0x10);
            y[j] = (float)((q[j] & 0x0F) | h0) * d + m;
            y[j + 16] = (float)((q[j] >> 4) | h1) * d + m;
        }
    }
}

/* Q8_0: d, qs[32] int8; y = q * d. */
static void dq_q8_0(const unsigned char *restrict x, float *restrict y, size_t nb)
{
    for (size_t i = 0; i < nb; i++, x += 34, y += 32) {
        const float d = h2f(x);
        for (int j = 0; j < 32; j++)
            y[j] = (float)(int8_t)x[2 + j] * d;
    }
}

/* Q8_1: d, s (= d * sum q, unused), qs[32]; y = q * d. */
static void dq_q8_1(const unsigned char *restrict x, float *restrict y, size_t nb)
{
    for (size_t i = 0; i < nb; i++, x += 36, y += 32) {
        const float d = h2f(x);
        for (int j = 0; j < 32; j++)
            y[j] = (float)(int8_t)x[4 + j] * d;
    }
}

/* IQ4_NL: d, qs[16]; y = d * kvalues_iq4nl[q]. */
static void dq_iq4_nl(const unsigned char *restrict x, float *restrict y, size_t nb)
{
    for (size_t i = 0; i < nb; i++, x += 18, y += 32) {
        const float d = h2f(x);
        const unsigned char *q = x + 2;
        for (int j = 0; j < 16; j++) {
            y[j] = d * (float)ggml_kvalues_iq4nl[q[j] & 0x0F];
            y[j + 16] = d * (float)ggml_kvalues_iq4nl[q[j] >> 4];
        }
    }
}

/* MXFP4: e (E8M0), qs[16]; y = kvalues_mxfp4[q] * 2^(e - 128). */
static void dq_mxfp4(const unsigned char *restrict x, float *restrict y, size_t nb)
{
    for (size_t i = 0; i < nb; i++, x += 17, y += 32) {
        const float d = e8m0_half(x[0]);
        const unsigned char *q = x + 1;
        for (int j = 0; j < 16; j++) {
            y[j] = (float)ggml_kvalues_mxfp4[q[j] & 0x0F] * d;
            y[j + 16] = (float)ggml_kvalues_mxfp4[q[j] >> 4] * d;
        }
    }
}

/* ---- 256-element super-blocks ------------------------------------------ */

/* Q2_K: scales[16] (low nibble scale, high nibble min), qs[64], d, dmin.
 * Per 128 elements, 32 bytes of qs hold four 2-bit planes; sub-blocks of
 * 16. y = d * sc * q - dmin * m. */
static void dq_q2_k(const unsigned char *restrict x, float *restrict y, size_t nb)
{
    for (size_t i = 0; i < nb; i++, x += 84) {
        const unsigned char *sc = x, *q = x + 16;
        const float d = h2f(x + 80), min = h2f(x + 82);
        int is = 0;
        for (int n = 0; n < QK_K; n += 128, q += 32) {
            for (int shift = 0; shift < 8; shift += 2) {
                float dl = d * (float)(sc[is] & 0xF), ml = min * (float)(sc[is] >> 4);
                is++;
                for (int l = 0; l < 16; l++)
                    y[l] = dl * (float)((q[l] >> shift) & 3) - ml;
                dl = d * (float)(sc[is] & 0xF);
                ml = min * (float)(sc[is] >> 4);
                is++;
                for (int l = 0; l < 16; l++)
                    y[16 + l] = dl * (float)((q[l + 16] >> shift) & 3) - ml;
                y += 32;
            }
        }
    }
}

/* Q3_K: hmask[32], qs[64], scales[12] (sixteen 6-bit scales: low nibbles in
 * bytes 0..7, high 2 bits in bytes 8..11), d. y = d * (s - 32) * (q - 4 *
 * !hbit). */
static void dq_q3_k(const unsigned char *restrict x, float *restrict y, size_t nb)
{
    for (size_t i = 0; i < nb; i++, x += 110) {
        const unsigned char *hm = x, *q = x + 32, *s = x + 96;
        const float d_all = h2f(x + 108);
        int scales[16];
        for (int j = 0; j < 16; j++) {
            int lo = j < 8 ? s[j] & 0xF : s[j - 8] >> 4;
            int hi = (s[8 + j % 4] >> (2 * (j / 4))) & 3;
            scales[j] = (lo | hi << 4) - 32;
        }
        int is = 0;
        unsigned m = 1;
        for (int n = 0; n < QK_K; n += 128, q += 32) {
            for (int shift = 0; shift < 8; shift += 2, m <<= 1) {
                float dl = d_all * (float)scales[is++];
                for (int l = 0; l < 16; l++)
                    y[l] = dl * (float)(((q[l] >> shift) & 3) - ((hm[l] & m) ? 0 : 4));
                dl = d_all * (float)scales[is++];
                for (int l = 0; l < 16; l++)
                    y[16 + l] = dl * (float)(((q[l + 16] >> shift) & 3) - ((hm[l + 16] & m) ? 0 : 4));
                y += 32;
            }
        }
    }
}

/* Q4_K: d, dmin, scales[12], qs[128]; sub-blocks of 32, 64 elements per 32
 * bytes (low nibbles, then high). y = d * sc * q - dmin * m. */
static void dq_q4_k(const unsigned char *restrict x, float *restrict y, size_t nb)
{
    for (size_t i = 0; i < nb; i++, x += 144) {
        const float d = h2f(x), min = h2f(x + 2);
        const unsigned char *s = x + 4, *q = x + 16;
        for (int j = 0; j < 8; j += 2, q += 32, y += 64) {
            int sc, m;
            scale_min_k4(j, s, &sc, &m);
            const float d1 = d * (float)sc, m1 = min * (float)m;
            scale_min_k4(j + 1, s, &sc, &m);
            const float d2 = d * (float)sc, m2 = min * (float)m;
            for (int l = 0; l < 32; l++)
                y[l] = d1 * (float)(q[l] & 0xF) - m1;
            for (int l = 0; l < 32; l++)
                y[32 + l] = d2 * (float)(q[l] >> 4) - m2;
        }
    }
}

/* Q5_K: d, dmin, scales[12], qh[32], qs[128]; as Q4_K with a fifth bit. */
static void dq_q5_k(const unsigned char *restrict x, float *restrict y, size_t nb)
{
    for (size_t i = 0; i < nb; i++, x += 176) {
        const float d = h2f(x), min = h2f(x + 2);
        const unsigned char *s = x + 4, *qh = x + 16, *ql = x + 48;
        unsigned u1 = 1, u2 = 2;
        for (int j = 0; j < 8; j += 2, ql += 32, y += 64, u1 <<= 2, u2 <<= 2) {
            int sc, m;
            scale_min_k4(j, s, &sc, &m);
            const float d1 = d * (float)sc, m1 = min * (float)m;
            scale_min_k4(j + 1, s, &sc, &m);
            const float d2 = d * (float)sc, m2 = min * (float)m;
            for (int l = 0; l < 32; l++)
                y[l] = d1 * (float)((ql[l] & 0xF) + (qh[l] & u1 ? 16 : 0)) - m1;
            for (int l = 0; l < 32; l++)
                y[32 + l] = d2 * (float)((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
        }
    }
}

/* Q6_K: ql[128], qh[64], scales[16] int8, d; y = d * sc * (q - 32). */
static void dq_q6_k(const unsigned char *restrict x, float *restrict y, size_t nb)
{
    for (size_t i = 0; i < nb; i++, x += 210) {
        const float d = h2f(x + 208);
        const unsigned char *ql = x, *qh = x + 128;
        const int8_t *sc = (const int8_t *)(x + 192);
        for (int n = 0; n < QK_K; n += 128, y += 128, ql += 64, qh += 32, sc += 8) {
            float ds[8];
            for (int k = 0; k < 8; k++)
                ds[k] = d * (float)sc[k];
            for (int h = 0; h < 2; h++) {
                const float a = ds[h], b = ds[h + 2], c = ds[h + 4], e = ds[h + 6];
                for (int l = 16 * h; l < 16 * h + 16; l++) {
                    int q1 = ((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32;
                    int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                    int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                    int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                    y[l] = a * (float)q1;
                    y[l + 32] = b * (float)q2;
                    y[l + 64] = c * (float)q3;
                    y[l + 96] = e * (float)q4;
                }
            }
        }
    }
}

/* Q8_K: float d, qs[256] int8, bsums[16] (unused); y = d * q. */
static void dq_q8_k(const unsigned char *restrict x, float *restrict y, size_t nb)
{
    for (size_t i = 0; i < nb; i++, x += 292, y += QK_K) {
        const float d = bits_f32(rd32(x));
        for (int j = 0; j < QK_K; j++)
            y[j] = d * (float)(int8_t)x[4 + j];
    }
}

/* IQ4_XS: d, scales_h (u16: 2 high bits per sub-block), scales_l[4] (4 low
 * bits per sub-block), qs[128]; y = d * (ls - 32) * kvalues_iq4nl[q]. */
static void dq_iq4_xs(const unsigned char *restrict x, float *restrict y, size_t nb)
{
    for (size_t i = 0; i < nb; i++, x += 136) {
        const float d = h2f(x);
        const unsigned sh = (unsigned)x[2] | (unsigned)x[3] << 8;
        const unsigned char *sl = x + 4, *q = x + 8;
        for (int ib = 0; ib < 8; ib++, y += 32, q += 16) {
            int ls = ((sl[ib / 2] >> 4 * (ib % 2)) & 0xF) | (((sh >> 2 * ib) & 3) << 4);
            const float dl = d * (float)(ls - 32);
            for (int j = 0; j < 16; j++) {
                y[j] = dl * (float)ggml_kvalues_iq4nl[q[j] & 0xF];
                y[j + 16] = dl * (float)ggml_kvalues_iq4nl[q[j] >> 4];
            }
        }
    }
}

/* TQ1_0: qs[48] (5 trits per byte, base 3, most significant first, as the
 * fraction q / 243), qh[4] (4 trits per byte), d; y = (t - 1) * d.
 * Trit n of byte q: ((uint8_t)(q * 3^n) * 3) >> 8. */
static void dq_tq1_0(const unsigned char *restrict x, float *restrict y, size_t nb)
{
    static const uint8_t pow3[5] = { 1, 3, 9, 27, 81 };
    for (size_t i = 0; i < nb; i++, x += 54) {
        const float d = h2f(x + 52);
        const unsigned char *qs = x, *qh = x + 48;
        for (int n = 0; n < 5; n++, y += 32)
            for (int m = 0; m < 32; m++) {
                uint8_t q = (uint8_t)(qs[m] * pow3[n]);
                y[m] = (float)((int)(((unsigned)q * 3) >> 8) - 1) * d;
            }
        for (int n = 0; n < 5; n++, y += 16)
            for (int m = 0; m < 16; m++) {
                uint8_t q = (uint8_t)(qs[32 + m] * pow3[n]);
                y[m] = (float)((int)(((unsigned)q * 3) >> 8) - 1) * d;
            }
        for (int n = 0; n < 4; n++, y += 4)
            for (int j = 0; j < 4; j++) {
                uint8_t q = (uint8_t)(qh[j] * pow3[n]);
                y[j] = (float)((int)(((unsigned)q * 3) >> 8) - 1) * d;
            }
    }
}

/* TQ2_0: qs[64] (2 bits per element, four planes per 32 bytes), d;
 * y = (q - 1) * d. */
static void dq_tq2_0(const unsigned char *restrict x, float *restrict y, size_t nb)
{
    for (size_t i = 0; i < nb; i++, x += 66) {
        const float d = h2f(x + 64);
        for (int j = 0; j < 64; j += 32)
            for (int l = 0; l < 8; l += 2, y += 32)
                for (int m = 0; m < 32; m++)
                    y[m] = (float)(((x[j + m] >> l) & 3) - 1) * d;
    }
}

/* ---- the table ----------------------------------------------------------- */

/* the IQ1/IQ2/IQ3 types index codebook grids (iq2xxs_grid etc., 256 to 2048
 * entries each) that this module does not carry yet */
#define GRID "grid codebook not decoded"

static const ggml_type_info types[] = {
    { 0, "f32", 1, 4, DT_F32, NULL, NULL },
    { 1, "f16", 1, 2, DT_F16, NULL, NULL },
    { 2, "q4_0", 32, 18, DT_INVALID, dq_q4_0, NULL },
    { 3, "q4_1", 32, 20, DT_INVALID, dq_q4_1, NULL },
    { 6, "q5_0", 32, 22, DT_INVALID, dq_q5_0, NULL },
    { 7, "q5_1", 32, 24, DT_INVALID, dq_q5_1, NULL },
    { 8, "q8_0", 32, 34, DT_INVALID, dq_q8_0, NULL },
    { 9, "q8_1", 32, 36, DT_INVALID, dq_q8_1, NULL },
    { 10, "q2_k", 256, 84, DT_INVALID, dq_q2_k, NULL },
    { 11, "q3_k", 256, 110, DT_INVALID, dq_q3_k, NULL },
    { 12, "q4_k", 256, 144, DT_INVALID, dq_q4_k, NULL },
    { 13, "q5_k", 256, 176, DT_INVALID, dq_q5_k, NULL },
    { 14, "q6_k", 256, 210, DT_INVALID, dq_q6_k, NULL },
    { 15, "q8_k", 256, 292, DT_INVALID, dq_q8_k, NULL },
    { 16, "iq2_xxs", 256, 66, DT_INVALID, NULL, GRID },
    { 17, "iq2_xs", 256, 74, DT_INVALID, NULL, GRID },
    { 18, "iq3_xxs", 256, 98, DT_INVALID, NULL, GRID },
    { 19, "iq1_s", 256, 50, DT_INVALID, NULL, GRID },
    { 20, "iq4_nl", 32, 18, DT_INVALID, dq_iq4_nl, NULL },
    { 21, "iq3_s", 256, 110, DT_INVALID, NULL, GRID },
    { 22, "iq2_s", 256, 82, DT_INVALID, NULL, GRID },
    { 23, "iq4_xs", 256, 136, DT_INVALID, dq_iq4_xs, NULL },
    { 24, "i8", 1, 1, DT_I8, NULL, NULL },
    { 25, "i16", 1, 2, DT_I16, NULL, NULL },
    { 26, "i32", 1, 4, DT_I32, NULL, NULL },
    { 27, "i64", 1, 8, DT_I64, NULL, NULL },
    { 28, "f64", 1, 8, DT_F64, NULL, NULL },
    { 29, "iq1_m", 256, 56, DT_INVALID, NULL, GRID },
    { 30, "bf16", 1, 2, DT_BF16, NULL, NULL },
    { 34, "tq1_0", 256, 54, DT_INVALID, dq_tq1_0, NULL },
    { 35, "tq2_0", 256, 66, DT_INVALID, dq_tq2_0, NULL },
    { 39, "mxfp4", 32, 17, DT_INVALID, dq_mxfp4, NULL },
};

const ggml_type_info *ggml_type_find(uint32_t id)
{
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (types[i].id == id)
            return &types[i];
    return NULL;
}

double ggml_type_bpw(const ggml_type_info *ti)
{
    return (double)ti->bytes * 8.0 / (double)ti->blck;
}

/* ---- the stored grid (grid.h) -------------------------------------------- */

/* Per type: elements per scale (sub-block), the codebook (integers lo..hi,
 * or a table), whether there is a minimum, and the text of its layout. */
typedef struct grid_kind {
    uint32_t id;
    unsigned sub;
    int lo, hi;             /* integer codes lo..hi (table NULL) */
    const int8_t *table;    /* 16 entries */
    int bias;               /* a per-sub-block minimum */
    const char *sdt;
    const char *text;
} grid_kind;

static const grid_kind grid_kinds[] = {
    { 2, 32, -8, 7, NULL, 0, "fp16", "blocks of 32, fp16 d, 4-bit q: w = (q - 8) d" },
    { 3, 32, 0, 15, NULL, 1, "fp16", "blocks of 32, fp16 d and m, 4-bit q: w = q d + m" },
    { 6, 32, -16, 15, NULL, 0, "fp16", "blocks of 32, fp16 d, 5-bit q: w = (q - 16) d" },
    { 7, 32, 0, 31, NULL, 1, "fp16", "blocks of 32, fp16 d and m, 5-bit q: w = q d + m" },
    { 8, 32, -128, 127, NULL, 0, "fp16", "blocks of 32, fp16 d, int8 q: w = q d" },
    { 9, 32, -128, 127, NULL, 0, "fp16", "blocks of 32, fp16 d (and s), int8 q: w = q d" },
    { 10, 16, 0, 3, NULL, 1, "4-bit x fp16",
      "super-blocks of 256 (fp16 d, dmin), 16 sub-blocks of 16 with 4-bit scale and min, 2-bit q: "
      "w = d sc q - dmin m" },
    { 11, 16, -4, 3, NULL, 0, "6-bit x fp16",
      "super-blocks of 256 (fp16 d), 16 sub-blocks of 16 with a 6-bit scale, 3-bit q: w = d (sc - 32) (q - 4)" },
    { 12, 32, 0, 15, NULL, 1, "6-bit x fp16",
      "super-blocks of 256 (fp16 d, dmin), 8 sub-blocks of 32 with 6-bit scale and min, 4-bit q: "
      "w = d sc q - dmin m" },
    { 13, 32, 0, 31, NULL, 1, "6-bit x fp16",
      "super-blocks of 256 (fp16 d, dmin), 8 sub-blocks of 32 with 6-bit scale and min, 5-bit q: "
      "w = d sc q - dmin m" },
    { 14, 16, -32, 31, NULL, 0, "int8 x fp16",
      "super-blocks of 256 (fp16 d), 16 sub-blocks of 16 with an int8 scale, 6-bit q: w = d sc (q - 32)" },
    { 15, 256, -128, 127, NULL, 0, "fp32", "blocks of 256, fp32 d, int8 q: w = q d" },
    { 20, 32, 0, 0, ggml_kvalues_iq4nl, 0, "fp16",
      "blocks of 32, fp16 d, 4-bit index into the IQ4_NL codebook: w = d kv[q]" },
    { 23, 32, 0, 0, ggml_kvalues_iq4nl, 0, "6-bit x fp16",
      "super-blocks of 256 (fp16 d), 8 sub-blocks of 32 with a 6-bit scale, IQ4_NL codebook: "
      "w = d (ls - 32) kv[q]" },
    { 34, 256, -1, 1, NULL, 0, "fp16", "blocks of 256, fp16 d, ternary t (base-3 packed): w = (t - 1) d" },
    { 35, 256, -1, 2, NULL, 0, "fp16", "blocks of 256, fp16 d, 2-bit t (0..2 ternary, 3 also decodes): w = (t - 1) d" },
    { 39, 32, 0, 0, ggml_kvalues_mxfp4, 0, "e8m0",
      "blocks of 32, E8M0 scale, E2M1 codes (OCP MXFP4): w = e2m1[q] 2^(e - 127)" },
};

static const grid_kind *grid_kind_of(uint32_t id)
{
    for (size_t i = 0; i < sizeof grid_kinds / sizeof grid_kinds[0]; i++)
        if (grid_kinds[i].id == id)
            return &grid_kinds[i];
    return NULL;
}

int ggml_has_grid(const ggml_type_info *ti)
{
    return ti && ti->dequant && grid_kind_of(ti->id) != NULL;
}

/* The scale (and minimum) of each sub-block of block x, in element order,
 * as the dequantizer above computes them. */
static void block_scales(const grid_kind *k, const unsigned char *x, float *s, float *b)
{
    switch (k->id) {
    case 2: case 6: case 8: case 9: case 20:
        s[0] = h2f(x);
        break;
    case 3: case 7:
        s[0] = h2f(x);
        b[0] = h2f(x + 2);
        break;
    case 15:
        s[0] = bits_f32(rd32(x));
        break;
    case 34:
        s[0] = h2f(x + 52);
        break;
    case 35:
        s[0] = h2f(x + 64);
        break;
    case 39:
        s[0] = e8m0_half(x[0]);
        break;
    case 10: {
        const float d = h2f(x + 80), min = h2f(x + 82);
        for (int j = 0; j < 16; j++) {
            s[j] = d * (float)(x[j] & 0xF);
            b[j] = -(min * (float)(x[j] >> 4));
        }
        break;
    }
    case 11: {
        const float d = h2f(x + 108);
        const unsigned char *sc = x + 96;
        for (int j = 0; j < 16; j++) {
            int lo = j < 8 ? sc[j] & 0xF : sc[j - 8] >> 4;
            int hi = (sc[8 + j % 4] >> (2 * (j / 4))) & 3;
            s[j] = d * (float)((lo | hi << 4) - 32);
        }
        break;
    }
    case 12: case 13: {
        const float d = h2f(x), min = h2f(x + 2);
        for (int j = 0; j < 8; j++) {
            int sc, m;
            scale_min_k4(j, x + 4, &sc, &m);
            s[j] = d * (float)sc;
            b[j] = -(min * (float)m);
        }
        break;
    }
    case 14: {
        const float d = h2f(x + 208);
        for (int j = 0; j < 16; j++)
            s[j] = d * (float)(int8_t)x[192 + j];
        break;
    }
    case 23: {
        const float d = h2f(x);
        const unsigned sh = (unsigned)x[2] | (unsigned)x[3] << 8;
        for (int ib = 0; ib < 8; ib++) {
            int ls = ((x[4 + ib / 2] >> 4 * (ib % 2)) & 0xF) | (((sh >> 2 * ib) & 3) << 4);
            s[ib] = d * (float)(ls - 32);
        }
        break;
    }
    default:
        break;
    }
}

int ggml_grid_fill(const ggml_type_info *ti, const unsigned char *p, uint64_t count, uint64_t ne0,
                   loader_grid *g)
{
    const grid_kind *k = ggml_has_grid(ti) ? grid_kind_of(ti->id) : NULL;
    if (!k || ne0 == 0 || count == 0 || count % ne0 || ne0 % ti->blck)
        return -1;
    size_t ncb = k->table ? 16 : (size_t)(k->hi - k->lo + 1);
    loader_grid_init(g, ti->name, ncb, count / ne0, ne0, 1, k->sub, 0, k->bias);
    for (size_t j = 0; j < ncb; j++)
        g->cb[j] = k->table ? (double)k->table[j] : (double)(k->lo + (int)j);
    loader_grid_finish_cb(g);
    g->scale_dtype = k->sdt;
    const uint64_t nb = count / ti->blck, per = ti->blck / k->sub;
    float bdummy[16];
    for (uint64_t b = 0; b < nb; b++)
        block_scales(k, p + b * ti->bytes, g->scale + b * per, g->bias ? g->bias + b * per : bdummy);
    loader_grid_set_bytes(g, nb * ti->bytes);
    snprintf(g->params, sizeof g->params, "%s: %s; %u bytes per %u values (%.4g bpw)", ti->name, k->text,
             ti->bytes, ti->blck, ggml_type_bpw(ti));
    return 0;
}
