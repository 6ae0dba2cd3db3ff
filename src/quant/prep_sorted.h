/*
 * prep_sorted.h - the sorted engine (prep.h): every answer exact.
 *
 * Data structure: the finite values of the tensor sorted ascending (float
 * when the dtype converts to float exactly, else double), plus blocked
 * prefix sums of d = w 2^-sexp - origin_s and d^2 in double-double, one
 * entry per block of values (origin = the mean, which keeps the sums small
 * and avoids cancellation), and a coarse index of every 256th value for
 * cache-friendly searches. A sum over any index range [i, j) costs two
 * prefix lookups plus at most 2 blocks of values at the ragged ends, so
 * one evaluation of a level set never touches all N values. A block is
 * PREP_BLOCK values, 8 up to 2^20 values and 1 up to PREP_SMALL_N.
 *
 * Memory: the sorted values (1x) plus the prefix blocks (32 bytes per
 * block), plus a same-sized scratch buffer during the sort (whose threads
 * come from the budget, core/par.h).
 *
 * Ownership: prep_create_* takes ownership of the buffer it is given (it
 * sorts it in place, may shrink it) and prep_free() frees everything.
 * Queries read only: the engine keeps no state per query.
 */
#ifndef APOTVIEW_PREP_SORTED_H
#define APOTVIEW_PREP_SORTED_H

#include "quant/prep.h"

#define PREP_BLOCK 32
/* Tensors this small get a prefix entry per value (and up to 2^20 values
 * one per 8): their evaluations then read no values at the ragged ends,
 * for 32 bytes per value of memory they can afford. */
#define PREP_SMALL_N 65536

/* Take ownership of vals (count floats / doubles), drop non-finite values,
 * sort, compute stats and prefix sums. Returns NULL when cancelled (vals is
 * freed) or when memory runs out (err set). */
prep *prep_create_float(float *vals, uint64_t count, prep_progress *pg, util_err *err);
prep *prep_create_double(double *vals, uint64_t count, prep_progress *pg, util_err *err);
/* The same from count 2-byte codes (code = byte0 | byte1 << 8) whose
 * values are code_value[code] (bfloat16, float16, int16, ...): counting
 * the codes replaces the sort. */
prep *prep_create_codes16(const unsigned char *raw, uint64_t count, const float *code_value,
                          prep_progress *pg, util_err *err);

/* Sort helpers, exposed for tests and benchmarks (LSD radix on the bits). */
void prep_sort_float(float *v, uint64_t n, float *scratch);
void prep_sort_double(double *v, uint64_t n, double *scratch);

#endif
