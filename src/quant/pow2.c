/* pow2.c - see pow2.h. */
#include "config.h"
#include "quant/pow2.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The one bits of a dyadic x > 0, highest first; -1 when more than max. */
static int expand(double x, int *exp, int max)
{
    int n = 0, e;
    double m = frexp(x, &e); /* x = m 2^e, m in [0.5, 1) */
    for (int i = 0; i < 64 && m != 0; i++) {
        m *= 2;
        e--;
        if (m >= 1) {
            if (n == max)
                return -1;
            exp[n++] = e;
            m -= 1;
        }
    }
    return m == 0 ? n : -1;
}

int pow2_level(const levelset *ls, size_t k, pow2_terms *t)
{
    memset(t, 0, sizeof *t);
    if (k >= ls->n)
        return -1;
    double v = ls->v[k];
    if (v == 0)
        return 0;
    if (!(ls->unit > 0) || !isfinite(ls->unit) || (ls->terms && ls->terms[k] < 0))
        return -1;
    double mag = fabs(v) * ls->unit;
    /* the normalization v = mag / unit and back can leave a last-bit
     * error (one more term far down): of the expansion as it is and the
     * one rounded to a grid far below any term the builders make, the one
     * with fewer terms (a level as small as pot's 2^-126 stays as it is) */
    int n = expand(mag, t->exp, POW2_MAX_TERMS);
    int g = ilogb(ls->unit) - 40, e2[POW2_MAX_TERMS];
    double r = ldexp(nearbyint(ldexp(mag, -g)), g);
    int n2 = r > 0 ? expand(r, e2, POW2_MAX_TERMS) : -1;
    if (n2 > 0 && (n < 0 || n2 < n)) {
        n = n2;
        memcpy(t->exp, e2, sizeof e2);
    }
    if (n < 0)
        return -1;
    t->sign = v < 0 ? -1 : 1;
    t->n = n;
    return 0;
}

double pow2_value(const pow2_terms *t)
{
    double s = 0;
    for (int i = t->n; i-- > 0;) /* smallest first: exact for distinct powers */
        s += ldexp(1.0, t->exp[i]);
    return t->sign < 0 ? -s : s;
}

/* superscript digits and minus, UTF-8 */
static const char *const sup[10] = { "\u2070", "\u00b9", "\u00b2", "\u00b3", "\u2074",
                                     "\u2075", "\u2076", "\u2077", "\u2078", "\u2079" };

int pow2_format(const pow2_terms *t, int utf8, char *buf, size_t len)
{
    char tmp[POW2_MAX_TERMS * 16 + 8];
    size_t o = 0;
    int cols = 0;
    if (t->sign == 0 || t->n == 0) {
        snprintf(buf, len, "0");
        return 1;
    }
    for (int i = 0; i < t->n; i++) {
        if (i > 0 || t->sign < 0) {
            tmp[o++] = t->sign < 0 ? '-' : '+';
            cols++;
        }
        int e = t->exp[i];
        if (!utf8) {
            int w = snprintf(tmp + o, sizeof tmp - o, "2^%d", e);
            o += (size_t)w;
            cols += w;
            continue;
        }
        tmp[o++] = '2';
        cols++;
        char d[16];
        int nd = snprintf(d, sizeof d, "%d", e < 0 ? -e : e);
        if (e < 0) {
            memcpy(tmp + o, "\u207b", 3);
            o += 3;
            cols++;
        }
        for (int j = 0; j < nd; j++) {
            size_t l = strlen(sup[d[j] - '0']);
            memcpy(tmp + o, sup[d[j] - '0'], l);
            o += l;
            cols++;
        }
    }
    tmp[o] = '\0';
    snprintf(buf, len, "%s", tmp);
    return cols;
}

int pow2_fixed_terms(const levelset *ls)
{
    int worst = 0;
    for (size_t k = 0; k < ls->n; k++) {
        pow2_terms t;
        if (pow2_level(ls, k, &t) < 0)
            return -1;
        if (t.n > worst)
            worst = t.n;
    }
    return worst;
}
