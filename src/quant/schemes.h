/*
 * schemes.h - level sets beyond the paper (issue 6): int-asym, NF4, OCP
 * minifloats (FP4/FP6/FP8), MX block formats, logarithmic levels, the
 * Lloyd-Max stand-in and custom level files. Each is one scheme_def entry of
 * levels_schemes (levels.c); the definitions and their sources are in the
 * man page, section SCHEMES.
 */
#ifndef APOTVIEW_SCHEMES_H
#define APOTVIEW_SCHEMES_H

#include "quant/levels.h"

extern const scheme_def scheme_int_asym, scheme_nf4, scheme_fp4_e2m1, scheme_fp6_e2m3,
    scheme_fp6_e3m2, scheme_fp8_e4m3, scheme_fp8_e5m2, scheme_mxfp4, scheme_q4_0, scheme_q8_0, scheme_log2_sqrt2,
    scheme_lloyd_max, scheme_custom, scheme_stored;

/* The 16 NormalFloat values of QLoRA (Dettmers et al. 2023, bitsandbytes). */
extern const double schemes_nf4_values[16];

/* OCP minifloat with e exponent bits, m mantissa bits and the given bias:
 * its non-negative finite values (no inf/NaN codes), ascending, written to
 * out (may be NULL) and counted. ieee_special: the all-ones exponent is
 * reserved (E5M2); e4m3_nan: only S.1111.111 is NaN (E4M3). */
size_t schemes_minifloat(int e, int m, int bias, int ieee_special, int e4m3_nan, double *out);

/* The Lloyd-Max quantizer of N(0, 1) with L levels (Max 1960), ascending:
 * the data-free stand-in for lloyd-max. */
void schemes_gauss_lloyd(size_t L, double *out);

/* Read a custom level file: one number per line ('#' comments and blank
 * lines allowed). Returns the count (>= 2) of distinct values, sorted and
 * normalized to max |v| = 1, in *vals (caller frees); -1 with err set. */
long schemes_read_custom(const char *path, double **vals, util_err *err);

#endif
