/*
 * numfmt.h - numbers that fit: the text of a double in at most `width`
 * columns, never cut. Of every form that fits -- plain (0.0125, 36864),
 * SI prefix (12.5m, 64u, 36.86k) and scientific with a short exponent
 * (6.4e-5, 1e300) -- it takes the shortest that is exact enough (within
 * half a unit of the sig-th significant digit, as rounding to sig digits
 * is; sig 0: exactly v), and when none is, the closest one to v.
 *
 * A form must keep the leading digit: it is admissible only when it is
 * off by less than half of |v| (0.3 is never shown as 0, 0.5 never as 0
 * or 1). When nothing admissible fits, the field is filled with '#' (as a
 * spreadsheet does), so a reader sees at once that the column is too
 * narrow instead of a wrong or cut number: no output ever ends in "e-",
 * "e" or ".". NaN is "nan", infinities "inf" and "-inf" (or '#' when
 * narrower), zero (either sign) "0".
 *
 * The prefixes are T G M k m u n (10^12 .. 10^-9; u for micro, so width
 * is bytes is columns). Every output parses back with numfmt_parse.
 */
#ifndef APOTVIEW_NUMFMT_H
#define APOTVIEW_NUMFMT_H

#include <stddef.h>

enum {
    NUMFMT_PLAIN = 1,   /* 0.0125, -36864 */
    NUMFMT_SI = 2,      /* 12.5m, 64u */
    NUMFMT_EXP = 4,     /* 6.4e-5, 1e300 */
    NUMFMT_ANY = 7,
};

/* The longest text numfmt_fit writes, without the NUL ("-1.2345678901234567e-300"). */
#define NUMFMT_MAX 24

/* v in at most width columns (width <= 0 or above NUMFMT_MAX: NUMFMT_MAX)
 * with sig significant digits at most wanted (0: exact), in the forms of
 * the mask (0: all). buf gets the text (len >= width + 1, else it is cut
 * to len - 1 like snprintf); returns buf. */
const char *numfmt_fit(char *buf, size_t len, double v, int width, int sig, unsigned forms);

/* Parse a number as numfmt_fit writes it (a plain or scientific number, or
 * one with an SI prefix): 0 and *v set when all of s is one, else -1. */
int numfmt_parse(const char *s, double *v);

#endif
