/*
 * ggml_int.h - what ggml_quants.c (the dequantizers, the stored grid) and
 * ggml_weigh.c (the weighted view) share: the fp16 conversion and the
 * K-quants' packed 6-bit scales, computed as ggml computes them.
 */
#ifndef APOTVIEW_GGML_INT_H
#define APOTVIEW_GGML_INT_H

#include <stdint.h>
#include <string.h>

static inline float bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* IEEE binary16 -> binary32, exactly (GGML_FP16_TO_FP32). */
static inline float h2f(const unsigned char *p)
{
    uint32_t h = (uint32_t)p[0] | (uint32_t)p[1] << 8;
    uint32_t sign = (h & 0x8000u) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ff;
    if (e == 0) {
        float f = (float)m * 0x1p-24f;   /* zero or subnormal: exact */
        return sign ? -f : f;
    }
    if (e == 31)
        return bits_f32(sign | 0x7f800000u | m << 13);
    return bits_f32(sign | (e + 112) << 23 | m << 13);
}

/* get_scale_min_k4: eight 6-bit scales and mins packed in 12 bytes. */
static inline void scale_min_k4(int j, const unsigned char *q, int *d, int *m)
{
    if (j < 4) {
        *d = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *d = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

#endif
