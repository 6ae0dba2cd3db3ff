/* numfmt.c - numbers that fit (numfmt.h). */
#include "config.h"
#include "core/numfmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    char c;
    int exp10;
} prefixes[] = {
    { 'T', 12 }, { 'G', 9 }, { 'M', 6 }, { 'k', 3 }, { 'm', -3 }, { 'u', -6 }, { 'n', -9 },
};
#define NPREFIX (sizeof prefixes / sizeof *prefixes)

int numfmt_parse(const char *s, double *v)
{
    char tmp[NUMFMT_MAX + 16];
    size_t n = strlen(s);
    if (n == 0 || n > NUMFMT_MAX + 4)
        return -1;
    if (strcmp(s, "nan") == 0) {
        *v = NAN;
        return 0;
    }
    if (strcmp(s, "inf") == 0 || strcmp(s, "-inf") == 0) {
        *v = s[0] == '-' ? -INFINITY : INFINITY;
        return 0;
    }
    memcpy(tmp, s, n + 1);
    for (size_t i = 0; i < NPREFIX; i++)
        if (s[n - 1] == prefixes[i].c) {
            /* "64u" is read as "64e-6": one correctly rounded conversion */
            snprintf(tmp + n - 1, sizeof tmp - (n - 1), "e%d", prefixes[i].exp10);
            break;
        }
    /* only what numfmt_fit writes: [-]digits[.digits][e[-]digits] */
    const char *p = tmp;
    if (*p == '-')
        p++;
    if (*p < '0' || *p > '9')
        return -1;
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e') {
        p++;
        if (*p == '-')
            p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p)
        return -1;
    *v = strtod(tmp, NULL);
    return 0;
}

/* The candidate so far. */
typedef struct best {
    char s[NUMFMT_MAX + 1];
    int len;
    double err;
    int enough;
} best;

/* Weigh text s (len characters, all fitting) against the best so far:
 * exact enough beats not; then shorter (exact enough) or closer (not),
 * then the other criterion; the earlier form wins ties. */
static void consider(best *b, const char *s, int len, double v, double tol)
{
    double x;
    if (numfmt_parse(s, &x) < 0)
        return;
    double err = fabs(x - v);
    if (!(err < 0.5 * fabs(v)))
        return;   /* not even the leading digit */
    int enough = err <= tol;
    int better;
    if (b->len < 0 || enough != b->enough)
        better = b->len < 0 || enough;
    else if (enough)
        better = len < b->len || (len == b->len && err < b->err);
    else
        better = err < b->err || (err == b->err && len < b->len);
    if (better) {
        memcpy(b->s, s, (size_t)len + 1);
        b->len = len;
        b->err = err;
        b->enough = enough;
    }
}

/* "%.*e" with the exponent as short as it goes: e-05 -> e-5, e+300 -> e300 */
static int fmt_exp(char *out, size_t n, double v, int p)
{
    char t[64];
    snprintf(t, sizeof t, "%.*e", p, v);
    char *e = strchr(t, 'e');
    if (!e)
        return -1;
    int x = atoi(e + 1);
    *e = '\0';
    return snprintf(out, n, "%se%d", t, x);
}

const char *numfmt_fit(char *buf, size_t len, double v, int width, int sig, unsigned forms)
{
    if (len == 0)
        return buf;
    if (width <= 0 || width > NUMFMT_MAX)
        width = NUMFMT_MAX;
    if (forms == 0)
        forms = NUMFMT_ANY;
    best b = { "", -1, 0, 0 };
    char t[64];
    if (isnan(v) || isinf(v) || v == 0) {
        const char *s = isnan(v) ? "nan" : v == 0 ? "0" : v > 0 ? "inf" : "-inf";
        if ((int)strlen(s) <= width) {
            snprintf(buf, len, "%s", s);
            return buf;
        }
    } else {
        /* exact enough: within half a unit of the sig-th digit */
        double tol = 0;
        if (sig > 0 && sig < 17)
            tol = 0.5 * pow(10, floor(log10(fabs(v))) - sig + 1) * (1 + 1e-9);
        /* a fixed-point mantissa below this rounds to 0 in width columns */
        double tiny = 0.5 * pow(10, -(width > 2 ? width - 2 : 0));
        /* each form with more and more digits, until it no longer fits */
        for (int p = 0; (forms & NUMFMT_PLAIN) && fabs(v) >= tiny && p <= 17; p++) {
            int l = snprintf(t, sizeof t, "%.*f", p, v);
            if (l < 0 || l > width || (b.enough && l > b.len))
                break;   /* longer ones only: none can win */
            consider(&b, t, l, v, tol);
        }
        for (size_t i = 0; (forms & NUMFMT_SI) && i < NPREFIX; i++) {
            double m = v / pow(10, prefixes[i].exp10);
            for (int p = 0; p <= 17 && fabs(m) < 1e30 && fabs(m) >= tiny; p++) {
                int l = snprintf(t, sizeof t, "%.*f%c", p, m, prefixes[i].c);
                if (l < 0 || l > width || (b.enough && l > b.len))
                    break;
                consider(&b, t, l, v, tol);
            }
        }
        for (int p = 0; (forms & NUMFMT_EXP) && p <= 16; p++) {
            int l = fmt_exp(t, sizeof t, v, p);
            if (l < 0 || l > width || (b.enough && l > b.len))
                break;   /* longer ones only: none can win */
            consider(&b, t, l, v, tol);
        }
        if (b.len >= 0) {
            snprintf(buf, len, "%s", b.s);
            return buf;
        }
    }
    /* nothing admissible fits: '#' across the field */
    size_t n = (size_t)width < len - 1 ? (size_t)width : len - 1;
    memset(buf, '#', n);
    buf[n] = '\0';
    return buf;
}
