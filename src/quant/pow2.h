/*
 * pow2.h - levels written as sums of powers of two (issue 12): what a
 * multiplication by a quantized weight costs in shifts and adds.
 *
 * A level set built from exact magnitudes (levels.h: uniform's integer
 * codes, pot's 2^-j, apot's sums of the paper's additive terms, the
 * minifloats' dyadic values) keeps the factor it was normalized by
 * (levelset.unit), so level k is
 *
 *     v[k] = sign * (2^e0 + 2^e1 + ...) / unit,
 *
 * and a weight quantized to it is alpha / unit times that sum: the scale
 * is applied once per tensor (or group), the sum costs one shift per term
 * and one add between terms. For apot the terms are the paper's n additive
 * powers of two (their exponents are distinct, so they are the binary
 * expansion of the magnitude); for uniform they are the one bits of the
 * integer code.
 *
 * The fixed-hardware count (pow2_fixed_terms) is the worst case over the
 * levels: the partial products a multiplier built for the set must provide
 * whatever the weight, the count behind the paper's "about 2x faster
 * multiplication" (Li, Dong, Wang, ICLR 2020): b - 1 for signed b-bit
 * uniform (b for unsigned), n for apot, 1 for pot. The data-dependent cost
 * is the mean of the terms over the weights (eval.h: adds_mean).
 *
 * Pure: no allocation, no I/O.
 */
#ifndef APOTVIEW_POW2_H
#define APOTVIEW_POW2_H

#include <stddef.h>
#include "quant/levels.h"

#define POW2_MAX_TERMS 24

typedef struct pow2_terms {
    int sign;              /* -1, 0 (the zero level) or 1 */
    int n;                 /* number of terms (0 for zero) */
    int exp[POW2_MAX_TERMS]; /* descending exponents: magnitude = sum 2^exp[i] */
} pow2_terms;

/* Level k of ls as a sum of powers of two of its built magnitude
 * (|v[k]| * unit, rounded to the set's grid: the normalization's last-bit
 * error removed). Returns 0 with t filled, -1 when the set has no unit or
 * the level is not a sum of at most POW2_MAX_TERMS powers of two
 * (ls->terms[k] < 0: codebook values). */
int pow2_level(const levelset *ls, size_t k, pow2_terms *t);

/* The sum of t's terms with its sign (exact: the magnitude as built). */
double pow2_value(const pow2_terms *t);

/* t as text: "2⁻³+2⁻⁵" (utf8: superscript exponents) or "2^-3+2^-5",
 * negative "-2⁻³-2⁻⁵", zero "0". Returns the number of terminal columns
 * the text takes (buf is cut like snprintf when short). */
int pow2_format(const pow2_terms *t, int utf8, char *buf, size_t len);

/* The fixed-hardware count: the largest number of terms of a level
 * (partial products per multiply), -1 when some level is not a sum of
 * powers of two. */
int pow2_fixed_terms(const levelset *ls);

#endif
