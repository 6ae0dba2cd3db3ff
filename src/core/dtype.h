/*
 * dtype.h - element types of stored tensors and conversion of raw bytes to
 * float / double.
 *
 * Conversions are exact: every supported type converts to double exactly,
 * and dtype_fits_float() tells which types also convert to float exactly
 * (then a prepared tensor may keep 4 bytes per value).
 */
#ifndef APOTVIEW_DTYPE_H
#define APOTVIEW_DTYPE_H

#include <stddef.h>
#include <stdint.h>

typedef enum dtype_id {
    DT_INVALID = 0,
    DT_F16, DT_BF16, DT_F32, DT_F64,
    DT_I8, DT_I16, DT_I32, DT_I64,
    DT_U8, DT_U16, DT_U32, DT_U64,
    DT_BOOL,
    DT_F8_E4M3, DT_F8_E5M2,
    DT_COUNT
} dtype_id;

/* numpy-style name ("float32", "bfloat16", "float8_e4m3fn", ...). */
const char *dtype_name(dtype_id t);
/* Parse a numpy-style name; DT_INVALID if unknown. */
dtype_id dtype_from_name(const char *name);
size_t dtype_size(dtype_id t);
int dtype_fits_float(dtype_id t);
int dtype_is_float(dtype_id t);

/* Convert n elements starting at src (byte order: big_endian != 0 means
 * big-endian storage) to float or double. src need not be aligned. */
void dtype_to_float(dtype_id t, int big_endian, const void *src, size_t n, float *dst);
void dtype_to_double(dtype_id t, int big_endian, const void *src, size_t n, double *dst);

/* Scalar helpers (exposed for tests). */
float dtype_half_to_float(uint16_t h);
float dtype_bf16_to_float(uint16_t h);
float dtype_e4m3_to_float(uint8_t v);
float dtype_e5m2_to_float(uint8_t v);

#endif
