/*
 * stquant_decode.c - dequantization of the logical tensors stquant.c
 * recognises (stquant.h, stquant_priv.h).
 *
 * Row-wise for the 2-D kinds (a logical row, any column range, the scale
 * and zero fetched once per group segment) and flat for the block kinds
 * (bitsandbytes, MXFP4), so any range of values decodes without touching
 * more than its own codes and scales: the report streams a quantized
 * tensor through loader_read_range in chunks. Every value is the float32
 * product (and difference) of the stored code, zero and scale, as written
 * in each format's published dequantizer.
 */
#include "config.h"
#include "io/stquant_priv.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

/* ---- element access ----------------------------------------------------- */

static float lut_e4m3[256], lut_e5m2[256];
static pthread_once_t lut_once = PTHREAD_ONCE_INIT;

static void lut_init(void)
{
    for (int i = 0; i < 256; i++) {
        lut_e4m3[i] = dtype_e4m3_to_float((uint8_t)i);
        lut_e5m2[i] = dtype_e5m2_to_float((uint8_t)i);
    }
}

const float stq_e2m1[16] = { 0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f,
                                -0.0f, -0.5f, -1.0f, -1.5f, -2.0f, -3.0f, -4.0f, -6.0f };
static const unsigned awq_pos[8] = { 0, 4, 1, 5, 2, 6, 3, 7 }; /* nibble of column 8c + j */

#define rd32 stq_rd32

static inline uint64_t rd64(const unsigned char *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Element k of a part as float (integers converted, floats widened). */
float stq_cf(const comp *c, uint64_t k)
{
    const unsigned char *p = c->p;
    switch (c->dt) {
    case DT_F32: {
        uint32_t u = rd32(p + 4 * k);
        float f;
        memcpy(&f, &u, 4);
        return f;
    }
    case DT_F16:
        return dtype_half_to_float((uint16_t)(p[2 * k] | p[2 * k + 1] << 8));
    case DT_BF16:
        return dtype_bf16_to_float((uint16_t)(p[2 * k] | p[2 * k + 1] << 8));
    case DT_F64: {
        uint64_t u = rd64(p + 8 * k);
        double d;
        memcpy(&d, &u, 8);
        return (float)d;
    }
    case DT_I8:
        return (float)(int8_t)p[k];
    case DT_U8:
        return (float)p[k];
    case DT_I16:
        return (float)(int16_t)(p[2 * k] | p[2 * k + 1] << 8);
    case DT_I32:
        return (float)(int32_t)rd32(p + 4 * k);
    case DT_I64:
        return (float)(int64_t)rd64(p + 8 * k);
    case DT_F8_E4M3:
        return lut_e4m3[p[k]];
    case DT_F8_E5M2:
        return lut_e5m2[p[k]];
    default:
        return NAN;
    }
}

int64_t stq_ci(const comp *c, uint64_t k)
{
    switch (c->dt) {
    case DT_I32:
        return (int32_t)rd32(c->p + 4 * k);
    case DT_I64:
        return (int64_t)rd64(c->p + 8 * k);
    case DT_U32:
        return rd32(c->p + 4 * k);
    default:
        return (int64_t)stq_cf(c, k);
    }
}

void stq_tables_init(void)
{
    pthread_once(&lut_once, lut_init);
}

#define cf stq_cf

/* ---- decoding ----------------------------------------------------------- */

/* compressed-tensors zero point of scale row rs, scale column j */
float stq_tile_zero(const stq_tensor *q, uint64_t rs, uint64_t j)
{
    if (!q->z.present)
        return 0.0f;
    if (!q->zpacked)
        return cf(&q->z, rs * q->sc + j);
    uint64_t bit = rs * q->bits;
    uint32_t w = rd32(q->z.p + 4 * ((bit / 32) * q->sc + j));
    uint32_t v = (w >> (bit % 32)) & ((1u << q->bits) - 1);
    return (float)((int)v - (1 << (q->bits - 1)));
}

static void row_tile(const stq_tensor *q, uint64_t r, uint64_t c0, uint64_t c1, float *y)
{
    const uint64_t n = c1 - c0;
    const unsigned char *w = q->w.p;
    switch (q->vcode) {
    case V_E4M3:
        for (uint64_t k = 0; k < n; k++)
            y[k] = lut_e4m3[w[r * q->C + c0 + k]];
        break;
    case V_E5M2:
        for (uint64_t k = 0; k < n; k++)
            y[k] = lut_e5m2[w[r * q->C + c0 + k]];
        break;
    case V_I8:
        for (uint64_t k = 0; k < n; k++)
            y[k] = (float)(int8_t)w[r * q->C + c0 + k];
        break;
    default: {
        const unsigned B = q->bits, per = 32 / B;
        const uint32_t mask = (1u << B) - 1;
        const int off = 1 << (B - 1);
        const unsigned char *row = w + 4 * r * q->wstride;
        for (uint64_t k = 0; k < n; k++) {
            uint64_t c = c0 + k;
            uint32_t word = rd32(row + 4 * (c / per));
            y[k] = (float)((int)((word >> (B * (c % per))) & mask) - off);
        }
    }
    }
    const uint64_t rs = r / q->tr;
    if (q->g.present) {
        /* activation order: the group of each column from g_idx */
        uint64_t jl = UINT64_MAX;
        float s = 0, z = 0;
        for (uint64_t c = c0; c < c1; c++) {
            uint64_t j = (uint64_t)stq_ci(&q->g, c);
            if (j != jl) {
                jl = j;
                s = cf(&q->s, rs * q->sc + j);
                z = stq_tile_zero(q, rs, j);
            }
            y[c - c0] = (y[c - c0] - z) * s;
        }
        return;
    }
    for (uint64_t c = c0; c < c1;) {
        uint64_t j = c / q->tc, e = (j + 1) * q->tc;
        if (e > c1)
            e = c1;
        const float s = cf(&q->s, rs * q->sc + j);
        if (q->z.present) {
            const float z = stq_tile_zero(q, rs, j);
            for (uint64_t k = c; k < e; k++)
                y[k - c0] = (y[k - c0] - z) * s;
        } else {
            for (uint64_t k = c; k < e; k++)
                y[k - c0] = y[k - c0] * s;
        }
        c = e;
    }
}

/* AutoAWQ: row o of [out, in] reads column o of qweight [in, out/8] */
static void row_awq(const stq_tensor *q, uint64_t o, uint64_t c0, uint64_t c1, float *y)
{
    const uint64_t W8 = q->R / 8, ow = o / 8;
    const unsigned sh = 4 * awq_pos[o % 8];
    for (uint64_t i = c0; i < c1;) {
        uint64_t g = i / q->G, e = (g + 1) * q->G;
        if (e > c1)
            e = c1;
        const float s = cf(&q->s, g * q->R + o);
        const float z = (float)((rd32(q->z.p + 4 * (g * W8 + ow)) >> sh) & 15);
        for (uint64_t k = i; k < e; k++)
            y[k - c0] = ((float)((rd32(q->w.p + 4 * (k * W8 + ow)) >> sh) & 15) - z) * s;
        i = e;
    }
}

/* B bits at bit position `bit` of a stream of 32-bit words, word k at
 * p + 4 k stride: code k of a stream sits at bit B k (crossing into the
 * next word when B does not divide 32: AutoGPTQ's 3-bit layout). */
static inline uint32_t stream_bits(const unsigned char *p, uint64_t stride, uint64_t bit, unsigned B)
{
    const uint64_t w = bit / 32;
    const unsigned sh = (unsigned)(bit % 32);
    uint64_t v = rd32(p + 4 * w * stride) >> sh;
    if (sh + B > 32)
        v |= (uint64_t)rd32(p + 4 * (w + 1) * stride) << (32 - sh);
    return (uint32_t)v & ((1u << B) - 1);
}

uint32_t stq_gptq_zero(const stq_tensor *q, uint64_t g, uint64_t o)
{
    const uint64_t zw = q->z.shape[1];
    return stream_bits(q->z.p + 4 * g * zw, 1, q->bits * o, q->bits) + (unsigned)q->v1;
}

/* AutoGPTQ: qweight packed along the input (a bit stream per output
 * column), qzeros along the output */
static void row_gptq(const stq_tensor *q, uint64_t o, uint64_t c0, uint64_t c1, float *y)
{
    const unsigned B = q->bits;
    uint64_t gl = UINT64_MAX;
    float s = 0, z = 0;
    for (uint64_t i = c0; i < c1; i++) {
        uint64_t g = q->g.present ? (uint64_t)rd32(q->g.p + 4 * i) : i / q->G;
        if (g != gl) {
            gl = g;
            s = cf(&q->s, g * q->R + o);
            z = (float)stq_gptq_zero(q, g, o);
        }
        y[i - c0] = ((float)stream_bits(q->w.p + 4 * o, q->R, (uint64_t)B * i, B) - z) * s;
    }
}

float stq_bnb_absmax(const stq_tensor *q, uint64_t b)
{
    if (!q->nested)
        return cf(&q->s, b);
    return cf(&q->nqm, q->s.p[b]) * cf(&q->nam, b / q->nbs) + q->noff;
}

static void flat_bnb(const stq_tensor *q, uint64_t e0, uint64_t e1, float *y)
{
    float qm[16];
    for (int k = 0; k < 16; k++)
        qm[k] = cf(&q->qm, (uint64_t)k);
    for (uint64_t e = e0; e < e1;) {
        uint64_t b = e / q->bs, end = (b + 1) * q->bs;
        if (end > e1)
            end = e1;
        const float a = stq_bnb_absmax(q, b);
        for (uint64_t k = e; k < end; k++) {
            unsigned byte = q->w.p[k >> 1];
            y[k - e0] = qm[(k & 1) ? byte & 15 : byte >> 4] * a;
        }
        e = end;
    }
}

static void flat_mxfp4(const stq_tensor *q, uint64_t e0, uint64_t e1, float *y)
{
    for (uint64_t e = e0; e < e1;) {
        uint64_t b = e / 32, end = (b + 1) * 32;
        if (end > e1)
            end = e1;
        const unsigned char *blk = q->w.p + 16 * b;
        const int x = q->s.p[b] - 127;
        const float s = ldexpf(1.0f, x < -127 ? -127 : x > 127 ? 127 : x);
        for (uint64_t k = e; k < end; k++) {
            unsigned j = (unsigned)(k - 32 * b), byte = blk[j / 2];
            float v = stq_e2m1[(j & 1) ? byte >> 4 : byte & 15];
            /* 2^128 is no float: ldexp of the value itself (0 stays 0) */
            y[k - e0] = x == 128 ? ldexpf(v, 128) : v * s;
        }
        e = end;
    }
}

/* NVFP4: e2m1[code] * (e4m3 scale / global scale) per 16 along the row */
static void row_nvfp4(const stq_tensor *q, uint64_t r, uint64_t c0, uint64_t c1, float *y)
{
    const unsigned char *row = q->w.p + r * (q->C / 2);
    float s = 0;
    uint64_t jl = UINT64_MAX;
    for (uint64_t c = c0; c < c1; c++) {
        if (c / 16 != jl) {
            jl = c / 16;
            s = lut_e4m3[q->s.p[r * q->s.shape[1] + jl]] / q->gscale;
        }
        unsigned byte = row[c / 2];
        y[c - c0] = stq_e2m1[(c & 1) ? byte >> 4 : byte & 15] * s;
    }
}

/* LLM.int8: (q * SCB) / 127 */
static void row_int8(const stq_tensor *q, uint64_t r, uint64_t c0, uint64_t c1, float *y)
{
    const float scb = cf(&q->s, r);
    const unsigned char *row = q->w.p + r * q->C;
    for (uint64_t c = c0; c < c1; c++)
        y[c - c0] = ((float)(int8_t)row[c] * scb) / 127.0f;
}

void stquant_read_range(const loader_tensor *t, uint64_t first, uint64_t n, float *dst)
{
    const stq_tensor *q = t->priv;
    if (q->kind == K_BNB) {
        flat_bnb(q, first, first + n, dst);
        return;
    }
    if (q->kind == K_MXFP4) {
        flat_mxfp4(q, first, first + n, dst);
        return;
    }
    uint64_t end = first + n;
    while (first < end) {
        uint64_t r = first / q->C, c0 = first - r * q->C;
        uint64_t c1 = end - r * q->C < q->C ? end - r * q->C : q->C;
        if (q->kind == K_TILE)
            row_tile(q, r, c0, c1, dst);
        else if (q->kind == K_AWQ)
            row_awq(q, r, c0, c1, dst);
        else if (q->kind == K_NVFP4)
            row_nvfp4(q, r, c0, c1, dst);
        else if (q->kind == K_INT8ROW)
            row_int8(q, r, c0, c1, dst);
        else
            row_gptq(q, r, c0, c1, dst);
        dst += c1 - c0;
        first += c1 - c0;
    }
}

static void release(const comp *c)
{
    if (c->present && c->map)
        loader_release(c->map, c->off, c->nbytes);
}

int stquant_read(loader_file *f, size_t i, void *dst, int as_double, util_err *err)
{
    loader_tensor *t = &f->tensors[i];
    (void)err;
    if (!as_double)
        stquant_read_range(t, 0, t->count, dst);
    else {
        float buf[4096];
        double *d = dst;
        for (uint64_t a = 0; a < t->count; a += 4096) {
            uint64_t k = t->count - a < 4096 ? t->count - a : 4096;
            stquant_read_range(t, a, k, buf);
            for (uint64_t j = 0; j < k; j++)
                d[a + j] = buf[j];
        }
    }
    stquant_release(t);
    return 0;
}

void stquant_release(const loader_tensor *t)
{
    const stq_tensor *q = t->priv;
    const comp *parts[] = { &q->w, &q->s, &q->z, &q->g, &q->qm, &q->nam, &q->nqm };
    for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++)
        release(parts[k]);
}

