/* onnx_quant.c - ONNX element types and their decoding (onnx_int.h). */
#include "config.h"
#include "io/onnx_int.h"

#include <math.h>
#include <string.h>

static const ox_type types[] = {
    [OX_UNDEFINED] = { "undefined", 0, DT_INVALID, 0, "data type UNDEFINED" },
    [OX_FLOAT] = { "float32", 32, DT_F32, 'f', NULL },
    [OX_UINT8] = { "uint8", 8, DT_U8, 'i', NULL },
    [OX_INT8] = { "int8", 8, DT_I8, 'i', NULL },
    [OX_UINT16] = { "uint16", 16, DT_U16, 'i', NULL },
    [OX_INT16] = { "int16", 16, DT_I16, 'i', NULL },
    [OX_INT32] = { "int32", 32, DT_I32, 'i', NULL },
    [OX_INT64] = { "int64", 64, DT_I64, 'l', NULL },
    [OX_STRING] = { "string", 0, DT_INVALID, 0, "strings are not numbers" },
    [OX_BOOL] = { "bool", 8, DT_BOOL, 'i', NULL },
    [OX_FLOAT16] = { "float16", 16, DT_F16, 'i', NULL },
    [OX_DOUBLE] = { "float64", 64, DT_F64, 'd', NULL },
    [OX_UINT32] = { "uint32", 32, DT_U32, 'u', NULL },
    [OX_UINT64] = { "uint64", 64, DT_U64, 'u', NULL },
    [OX_COMPLEX64] = { "complex64", 0, DT_INVALID, 0, "complex values are not shown" },
    [OX_COMPLEX128] = { "complex128", 0, DT_INVALID, 0, "complex values are not shown" },
    [OX_BFLOAT16] = { "bfloat16", 16, DT_BF16, 'i', NULL },
    [OX_F8E4M3FN] = { "float8_e4m3fn", 8, DT_F8_E4M3, 'i', NULL },
    [OX_F8E4M3FNUZ] = { "float8_e4m3fnuz", 8, DT_INVALID, 'i', NULL },
    [OX_F8E5M2] = { "float8_e5m2", 8, DT_F8_E5M2, 'i', NULL },
    [OX_F8E5M2FNUZ] = { "float8_e5m2fnuz", 8, DT_INVALID, 'i', NULL },
    [OX_UINT4] = { "uint4", 4, DT_INVALID, 'i', NULL },
    [OX_INT4] = { "int4", 4, DT_INVALID, 'i', NULL },
    [OX_FLOAT4E2M1] = { "float4_e2m1fn", 4, DT_INVALID, 'i', NULL },
};

const ox_type *ox_type_of(int32_t dt)
{
    if (dt < 0 || (size_t)dt >= sizeof types / sizeof types[0])
        return NULL;
    return &types[dt];
}

uint64_t ox_raw_bytes(const ox_type *t, uint64_t count)
{
    return t->bits == 4 ? count / 2 + (count & 1) : count * (t->bits / 8);
}

uint64_t ox_typed_entries(const ox_type *t, uint64_t count)
{
    return t->bits == 4 ? count / 2 + (count & 1) : count;
}

uint64_t ox_typed_have(const ox_type *t, const Onnx__TensorProto *tp)
{
    switch (t->field) {
    case 'f': return tp->n_float_data;
    case 'i': return tp->n_int32_data;
    case 'l': return tp->n_int64_data;
    case 'd': return tp->n_double_data;
    case 'u': return tp->n_uint64_data;
    }
    return 0;
}

/* float8 e4m3fnuz: bias 8, no infinities, no negative zero; 0x80 is NaN. */
double ox_f8e4m3fnuz(uint8_t b)
{
    if (b == 0x80)
        return NAN;
    int e = (b >> 3) & 15, m = b & 7;
    double v = e ? ldexp(1.0 + m / 8.0, e - 8) : ldexp(m / 8.0, -7);
    return (b & 0x80) ? -v : v;
}

/* float8 e5m2fnuz: bias 16, no infinities, no negative zero; 0x80 is NaN. */
double ox_f8e5m2fnuz(uint8_t b)
{
    if (b == 0x80)
        return NAN;
    int e = (b >> 2) & 31, m = b & 3;
    double v = e ? ldexp(1.0 + m / 4.0, e - 16) : ldexp(m / 4.0, -15);
    return (b & 0x80) ? -v : v;
}

/* float4 e2m1: sign, 2 exponent bits (bias 1), 1 mantissa bit. */
double ox_f4e2m1(uint8_t nib)
{
    static const double mag[8] = { 0, 0.5, 1, 1.5, 2, 3, 4, 6 };
    double v = mag[nib & 7];
    return (nib & 8) ? -v : v;
}

static uint64_t le(const unsigned char *p, int n)
{
    uint64_t x = 0;
    for (int i = n - 1; i >= 0; i--)
        x = (x << 8) | p[i];
    return x;
}

/* One element from its bit pattern u (the low `bits` bits). */
static double from_bits(int32_t dt, uint64_t u)
{
    switch (dt) {
    case OX_FLOAT: { uint32_t w = (uint32_t)u; float f; memcpy(&f, &w, 4); return f; }
    case OX_DOUBLE: { double d; memcpy(&d, &u, 8); return d; }
    case OX_UINT8: return (double)(uint8_t)u;
    case OX_INT8: return (double)(int8_t)(uint8_t)u;
    case OX_UINT16: return (double)(uint16_t)u;
    case OX_INT16: return (double)(int16_t)(uint16_t)u;
    case OX_INT32: return (double)(int32_t)(uint32_t)u;
    case OX_INT64: return (double)(int64_t)u;
    case OX_UINT32: return (double)(uint32_t)u;
    case OX_UINT64: return (double)u;
    case OX_BOOL: return (uint8_t)u != 0;
    case OX_FLOAT16: return dtype_half_to_float((uint16_t)u);
    case OX_BFLOAT16: return dtype_bf16_to_float((uint16_t)u);
    case OX_F8E4M3FN: return dtype_e4m3_to_float((uint8_t)u);
    case OX_F8E5M2: return dtype_e5m2_to_float((uint8_t)u);
    case OX_F8E4M3FNUZ: return ox_f8e4m3fnuz((uint8_t)u);
    case OX_F8E5M2FNUZ: return ox_f8e5m2fnuz((uint8_t)u);
    case OX_UINT4: return (double)(u & 15);
    case OX_INT4: return (double)((int)(u & 15) - ((u & 8) ? 16 : 0));
    case OX_FLOAT4E2M1: return ox_f4e2m1((uint8_t)(u & 15));
    }
    return NAN;
}

void ox_decode(const ox_src *s, uint64_t start, uint64_t n, double *out)
{
    const ox_type *t = ox_type_of(s->dt);
    if (s->raw) {
        if (t->bits == 4) {
            for (uint64_t k = 0; k < n; k++) {
                uint64_t i = start + k;
                out[k] = from_bits(s->dt, (s->raw[i / 2] >> ((i & 1) * 4)) & 15);
            }
            return;
        }
        int w = (int)(t->bits / 8);
        const unsigned char *p = s->raw + start * (uint64_t)w;
        if (s->dt == OX_FLOAT) {
            for (uint64_t k = 0; k < n; k++, p += 4) {
                float f;
                memcpy(&f, p, 4);   /* x86/arm little-endian hosts */
                out[k] = f;
            }
            return;
        }
        for (uint64_t k = 0; k < n; k++, p += w)
            out[k] = from_bits(s->dt, le(p, w));
        return;
    }
    const Onnx__TensorProto *tp = s->tp;
    for (uint64_t k = 0; k < n; k++) {
        uint64_t i = start + k;
        switch (t->field) {
        case 'f': out[k] = tp->float_data[i]; break;
        case 'l': out[k] = (double)tp->int64_data[i]; break;
        case 'd': out[k] = tp->double_data[i]; break;
        case 'u': out[k] = from_bits(s->dt, tp->uint64_data[i]); break;
        case 'i':
            if (t->bits == 4)
                out[k] = from_bits(s->dt, ((uint32_t)tp->int32_data[i / 2] >> ((i & 1) * 4)) & 15);
            else if (s->dt == OX_INT32 || s->dt == OX_INT16 || s->dt == OX_INT8)
                out[k] = (double)tp->int32_data[i];
            else
                out[k] = from_bits(s->dt, (uint32_t)tp->int32_data[i]);
            break;
        default: out[k] = NAN;
        }
    }
}

/* v rounded (to nearest, ties to even) to a float format with `mant`
 * mantissa bits, smallest normal exponent emin and largest finite max. */
static double round_fmt(double v, int mant, int emin, double max)
{
    if (v == 0 || !isfinite(v))
        return v;
    int e;
    frexp(v, &e);                 /* |v| in [2^(e-1), 2^e) */
    int q = (e - 1 > emin ? e - 1 : emin) - mant;
    double r = ldexp(nearbyint(ldexp(v, -q)), q);
    if (fabs(r) > max)
        return r > 0 ? INFINITY : -INFINITY;
    return r;
}

double ox_round_to(int32_t dt, double v)
{
    switch (dt) {
    case OX_FLOAT16: return round_fmt(v, 10, -14, 65504.0);
    case OX_BFLOAT16: return round_fmt(v, 7, -126, 3.3895313892515355e38);
    default: return (float)v;
    }
}
