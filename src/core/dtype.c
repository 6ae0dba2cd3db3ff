/* dtype.c - see dtype.h. All conversions are exact. */
#include "config.h"
#include "core/dtype.h"

#include <math.h>
#include <string.h>

static const struct {
    const char *name;
    size_t size;
    int fits_float;
    int is_float;
} dtype_tab[DT_COUNT] = {
    [DT_INVALID] = { "invalid", 0, 0, 0 },
    [DT_F16] = { "float16", 2, 1, 1 },
    [DT_BF16] = { "bfloat16", 2, 1, 1 },
    [DT_F32] = { "float32", 4, 1, 1 },
    [DT_F64] = { "float64", 8, 0, 1 },
    [DT_I8] = { "int8", 1, 1, 0 },
    [DT_I16] = { "int16", 2, 1, 0 },
    [DT_I32] = { "int32", 4, 0, 0 },
    [DT_I64] = { "int64", 8, 0, 0 },
    [DT_U8] = { "uint8", 1, 1, 0 },
    [DT_U16] = { "uint16", 2, 1, 0 },
    [DT_U32] = { "uint32", 4, 0, 0 },
    [DT_U64] = { "uint64", 8, 0, 0 },
    [DT_BOOL] = { "bool", 1, 1, 0 },
    [DT_F8_E4M3] = { "float8_e4m3fn", 1, 1, 1 },
    [DT_F8_E5M2] = { "float8_e5m2", 1, 1, 1 },
};

const char *dtype_name(dtype_id t)
{
    return (t > DT_INVALID && t < DT_COUNT) ? dtype_tab[t].name : "invalid";
}

dtype_id dtype_from_name(const char *name)
{
    for (int t = DT_INVALID + 1; t < DT_COUNT; t++)
        if (strcmp(dtype_tab[t].name, name) == 0)
            return (dtype_id)t;
    if (strcmp(name, "half") == 0)
        return DT_F16;
    if (strcmp(name, "float") == 0)
        return DT_F32;
    if (strcmp(name, "double") == 0)
        return DT_F64;
    return DT_INVALID;
}

size_t dtype_size(dtype_id t)
{
    return (t > DT_INVALID && t < DT_COUNT) ? dtype_tab[t].size : 0;
}

int dtype_fits_float(dtype_id t)
{
    return (t > DT_INVALID && t < DT_COUNT) && dtype_tab[t].fits_float;
}

int dtype_is_float(dtype_id t)
{
    return (t > DT_INVALID && t < DT_COUNT) && dtype_tab[t].is_float;
}

float dtype_half_to_float(uint16_t h)
{
    int sign = h >> 15, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    float v;
    if (exp == 0)
        v = ldexpf((float)man, -24);
    else if (exp == 31)
        v = man ? NAN : INFINITY;
    else
        v = ldexpf((float)(man | 0x400), exp - 25);
    return sign ? -v : v;
}

float dtype_bf16_to_float(uint16_t h)
{
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* OCP 8-bit floating point: E4M3 (fn: no infinities, S.1111.111 is NaN,
 * bias 7, max 448) and E5M2 (IEEE-like, bias 15, infinities). */
float dtype_e4m3_to_float(uint8_t v)
{
    int sign = v >> 7, exp = (v >> 3) & 0xf, man = v & 7;
    float r;
    if (exp == 15 && man == 7)
        return NAN;
    if (exp == 0)
        r = ldexpf((float)man, -9);
    else
        r = ldexpf((float)(man | 8), exp - 10);
    return sign ? -r : r;
}

float dtype_e5m2_to_float(uint8_t v)
{
    int sign = v >> 7, exp = (v >> 2) & 0x1f, man = v & 3;
    float r;
    if (exp == 31)
        r = man ? NAN : INFINITY;
    else if (exp == 0)
        r = ldexpf((float)man, -16);
    else
        r = ldexpf((float)(man | 4), exp - 17);
    return sign ? -r : r;
}

static inline uint64_t load_be_le(const unsigned char *p, size_t size, int big_endian)
{
    uint64_t u = 0;
    if (big_endian)
        for (size_t i = 0; i < size; i++)
            u = (u << 8) | p[i];
    else
        for (size_t i = size; i-- > 0;)
            u = (u << 8) | p[i];
    return u;
}

#define DTYPE_CONVERT(FN, OUT)                                                 \
    void FN(dtype_id t, int big_endian, const void *src, size_t n, OUT *dst)  \
    {                                                                          \
        const unsigned char *p = src;                                          \
        size_t sz = dtype_size(t);                                             \
        /* Fast paths: native little-endian float32 / float64. */             \
        if (!big_endian && t == DT_F32) {                                      \
            for (size_t i = 0; i < n; i++) {                                   \
                float f;                                                       \
                memcpy(&f, p + 4 * i, 4);                                      \
                dst[i] = (OUT)f;                                               \
            }                                                                  \
            return;                                                            \
        }                                                                      \
        for (size_t i = 0; i < n; i++, p += sz) {                              \
            uint64_t u = load_be_le(p, sz, big_endian);                        \
            OUT v;                                                             \
            switch (t) {                                                       \
            case DT_F16: v = (OUT)dtype_half_to_float((uint16_t)u); break;     \
            case DT_BF16: v = (OUT)dtype_bf16_to_float((uint16_t)u); break;    \
            case DT_F32: { uint32_t w = (uint32_t)u; float f;                  \
                memcpy(&f, &w, 4); v = (OUT)f; break; }                        \
            case DT_F64: { double d; memcpy(&d, &u, 8); v = (OUT)d; break; }   \
            case DT_I8: v = (OUT)(int8_t)u; break;                             \
            case DT_I16: v = (OUT)(int16_t)u; break;                           \
            case DT_I32: v = (OUT)(int32_t)u; break;                           \
            case DT_I64: v = (OUT)(int64_t)u; break;                           \
            case DT_U8: case DT_U16: case DT_U32: case DT_U64:                 \
                v = (OUT)u; break;                                             \
            case DT_BOOL: v = (OUT)(u != 0); break;                            \
            case DT_F8_E4M3: v = (OUT)dtype_e4m3_to_float((uint8_t)u); break;  \
            case DT_F8_E5M2: v = (OUT)dtype_e5m2_to_float((uint8_t)u); break;  \
            default: v = (OUT)NAN; break;                                      \
            }                                                                  \
            dst[i] = v;                                                        \
        }                                                                      \
    }

DTYPE_CONVERT(dtype_to_float, float)
DTYPE_CONVERT(dtype_to_double, double)
