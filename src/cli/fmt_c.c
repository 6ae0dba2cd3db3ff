/*
 * fmt_c.c - --levels --format=c: the level sets as one C header, for
 * hardware and embedded users (issue 12).
 *
 * Per scheme, with an identifier prefix made of the scheme name and bits
 * (letters and digits only: a custom:FILE name cannot reach the code),
 * the header holds:
 *   PREFIX_COUNT, PREFIX_MAX_TERMS          the number of levels and the
 *                                           most power-of-two terms of one
 *   PREFIX_unit                             level = sign * sum 2^exp / unit
 *   PREFIX_levels[COUNT]                    the normalized levels (max 1),
 *                                           ascending, %.17g (exact)
 *   PREFIX_scaled[COUNT]                    alpha * level (--alpha=VALUE)
 *   PREFIX_codes[COUNT]                     each level's code: its index
 *                                           in ascending order
 *   PREFIX_sign[COUNT], PREFIX_nterms[COUNT] -1 / 0 / 1, and the number of
 *                                           terms (-1: not a sum of powers
 *                                           of two, a codebook value)
 *   PREFIX_exp[COUNT][MAX_TERMS]            the exponents, highest first
 *                                           (unused slots 0)
 * (each marked APOTVIEW_UNUSED, so a file using some compiles without
 * warnings) in an include guard, with <stdint.h> types, and a comment naming the
 * scheme, bits, signedness and alpha. Text from the user (a custom file
 * name) appears only in comments, with anything but printable ASCII and
 * the sequence that would end the comment replaced.
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/report_rows.h"
#include "quant/pow2.h"

/* an identifier piece: [a-z0-9_], at most len - 1 characters */
static void ident(const char *s, int bits, char *out, size_t len)
{
    size_t o = 0;
    for (; *s && o + 1 < len - 8; s++) {
        unsigned char ch = (unsigned char)*s;
        out[o++] = isalnum(ch) && ch < 128 ? (char)tolower(ch) : '_';
    }
    snprintf(out + o, len - o, "_%d", bits);
    if (isdigit((unsigned char)out[0])) {
        memmove(out + 1, out, strlen(out) + 1);
        out[0] = 's';
    }
}

/* s for a comment: printable ASCII only, no end of comment */
static void comment_safe(const char *s, char *out, size_t len)
{
    size_t o = 0;
    for (; *s && o + 1 < len; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '/' && o > 0 && out[o - 1] == '*')
            ch = '_';
        out[o++] = ch >= 32 && ch < 127 ? (char)ch : '?';
    }
    out[o] = '\0';
}

/* the shortest of %.15g .. %.17g that reads back as v */
static const char *num(char *buf, size_t len, double v)
{
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, len, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

static void upper(char *s)
{
    for (; *s; s++)
        *s = (char)toupper((unsigned char)*s);
}

static void c_levels(const cli_opts *o, const levelset *ls, int n, int complete)
{
    if (!complete)
        return;
    int have_alpha = o->cfg.amode == ALPHA_VALUE && o->cfg.alpha > 0;
    char guard[512] = "APOTVIEW_LEVELS";
    for (int i = 0; i < n; i++) {
        char id[128];
        ident(ls[i].scheme, ls[i].bits, id, sizeof id);
        size_t gl = strlen(guard);
        if (gl + strlen(id) + 4 < sizeof guard)
            snprintf(guard + gl, sizeof guard - gl, "_%s", id);
    }
    upper(guard);
    printf("/*\n * Level sets written by apotview %s (apotview --levels --format=c).\n", PACKAGE_VERSION);
    printf(" * Level k of a set: levels[k] = sign[k] * (sum of 2^exp[k][t], t < nterms[k]) / unit;\n"
           " * a weight quantized to it is alpha * levels[k]: alpha / unit once, then\n"
           " * one shift per term and an add between terms. codes[k] = k (ascending).\n");
    printf(" * alpha: %s\n */\n", have_alpha ? "as given (--alpha), *_scaled = alpha * levels"
                                             : "1 (normalized levels: the largest magnitude is 1)");
    printf("#ifndef %s_H\n#define %s_H\n\n#include <stdint.h>\n", guard, guard);
    /* a file that uses some of the tables only compiles without warnings */
    printf("\n#ifndef APOTVIEW_UNUSED\n#if defined(__GNUC__) || defined(__clang__)\n"
           "#define APOTVIEW_UNUSED __attribute__((unused))\n#else\n#define APOTVIEW_UNUSED\n#endif\n#endif\n");
    for (int i = 0; i < n; i++) {
        const levelset *L = &ls[i];
        char id[128], ID[128], cm[256];
        ident(L->scheme, L->bits, id, sizeof id);
        snprintf(ID, sizeof ID, "%s", id);
        upper(ID);
        comment_safe(L->scheme, cm, sizeof cm);
        int maxt = pow2_fixed_terms(L);
        int slots = maxt > 0 ? maxt : 1;
        char nb[40];
        printf("\n/* scheme %s, %d bits, %s, alpha %s%s; %zu levels; at most %d power-of-two terms%s */\n",
               cm, L->bits, L->is_signed ? "signed" : "unsigned", num(nb, sizeof nb, have_alpha ? o->cfg.alpha : 1.0),
               have_alpha ? "" : " (normalized)", L->n, maxt,
               maxt < 0 ? " (-1: some levels are not sums of powers of two)" : "");
        printf("#define %s_COUNT %zu\n#define %s_MAX_TERMS %d\n", ID, L->n, ID, slots);
        printf("static const double APOTVIEW_UNUSED %s_unit = %s;\n", id, num(nb, sizeof nb, L->unit > 0 ? L->unit : 0.0));
        printf("static const double APOTVIEW_UNUSED %s_levels[%s_COUNT] = {\n", id, ID);
        for (size_t k = 0; k < L->n; k++)
            printf("    %s,\n", num(nb, sizeof nb, L->v[k]));
        printf("};\n");
        if (have_alpha) {
            printf("static const double APOTVIEW_UNUSED %s_scaled[%s_COUNT] = {\n", id, ID);
            for (size_t k = 0; k < L->n; k++)
                printf("    %s,\n", num(nb, sizeof nb, o->cfg.alpha * L->v[k]));
            printf("};\n");
        }
        const char *ct = L->n <= 256 ? "uint8_t" : "uint16_t";
        printf("static const %s APOTVIEW_UNUSED %s_codes[%s_COUNT] = {", ct, id, ID);
        for (size_t k = 0; k < L->n; k++)
            printf("%s%zu", k ? ", " : " ", k);
        printf(" };\n");
        pow2_terms t;
        printf("static const int8_t APOTVIEW_UNUSED %s_sign[%s_COUNT] = {", id, ID);
        for (size_t k = 0; k < L->n; k++)
            printf("%s%d", k ? ", " : " ", L->v[k] < 0 ? -1 : L->v[k] > 0);
        printf(" };\n");
        printf("static const int8_t APOTVIEW_UNUSED %s_nterms[%s_COUNT] = {", id, ID);
        for (size_t k = 0; k < L->n; k++)
            printf("%s%d", k ? ", " : " ", pow2_level(L, k, &t) == 0 ? t.n : -1);
        printf(" };\n");
        printf("static const int16_t APOTVIEW_UNUSED %s_exp[%s_COUNT][%s_MAX_TERMS] = {\n", id, ID, ID);
        for (size_t k = 0; k < L->n; k++) {
            int ok = pow2_level(L, k, &t) == 0;
            printf("    {");
            for (int s = 0; s < slots; s++)
                printf("%s%d", s ? ", " : " ", ok && s < t.n ? t.exp[s] : 0);
            printf(" },\n");
        }
        printf("};\n");
    }
    printf("\n#endif /* %s_H */\n", guard);
}

const report_fmt report_fmt_c = { c_levels, NULL, NULL };
