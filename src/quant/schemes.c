/*
 * schemes.c - level sets beyond the paper (schemes.h).
 *
 * Sets symmetric around 0 go through levels_finish() from their exact
 * magnitudes (minifloats and log levels); sets that are not symmetric
 * (nf4, custom, lloyd-max) and the affine int-asym are filled directly.
 * Cost (terms): minifloat values are dyadic, so a multiplication by one is
 * popcount(significand) shifts; codebook values that are not sums of a few
 * powers of two (nf4, log2-sqrt2, lloyd-max, custom) get -1 ("n/a").
 */
#include "config.h"
#include "quant/schemes.h"
#include "core/file.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const double schemes_nf4_values[16] = {
    -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
    -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
    0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
    0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
};

/* ---- int-asym ------------------------------------------------------------ */

/* 2^b levels spread over [-1, 1]; eval_shift() adds the zero point. The cost
 * of level j is the popcount of its integer code |j - 2^(b-1)| (the code
 * relative to the zero point of a zero-centred tensor). */
static int build_int_asym(int bits, int is_signed, const levels_params *prm, levelset *out,
                          util_err *err)
{
    (void)prm;
    (void)err;
    size_t L = (size_t)1 << bits;
    levels_alloc(out, "int-asym", bits, is_signed, L);
    out->asym = 1;
    for (size_t j = 0; j < L; j++) {
        out->v[j] = (2.0 * (double)j - (double)(L - 1)) / (double)(L - 1);
        long c = labs((long)j - (long)(L / 2));
        out->terms[j] = levels_popcount_dyadic((double)c);
    }
    out->v[0] = -1.0;
    out->v[L - 1] = 1.0;
    return 0;
}

/* ---- nf4 ----------------------------------------------------------------- */

static int build_nf4(int bits, int is_signed, const levels_params *prm, levelset *out,
                     util_err *err)
{
    (void)prm;
    if (!is_signed) {
        util_err_set(err, "nf4: a signed format (no --unsigned)");
        return -1;
    }
    levels_alloc(out, "nf4", bits, is_signed, 16);
    for (size_t j = 0; j < 16; j++) {
        out->v[j] = schemes_nf4_values[j];
        out->terms[j] = schemes_nf4_values[j] == 0 ? 0 : -1;
    }
    return 0;
}

/* ---- OCP minifloats ------------------------------------------------------- */

size_t schemes_minifloat(int e, int m, int bias, int ieee_special, int e4m3_nan, double *out)
{
    size_t n = 0;
    int emax = (1 << e) - 1;
    for (int ex = 0; ex <= emax; ex++) {
        if (ieee_special && ex == emax)
            break;
        for (int mm = 0; mm < (1 << m); mm++) {
            if (e4m3_nan && ex == emax && mm == (1 << m) - 1)
                continue;
            double v = ex == 0 ? ldexp((double)mm, 1 - bias - m)
                               : ldexp((double)((1 << m) + mm), ex - bias - m);
            if (out)
                out[n] = v;
            n++;
        }
    }
    return n;
}

static int build_minifloat(const char *name, int e, int m, int bias, int ieee, int e4m3,
                           int bits, int is_signed, levelset *out)
{
    size_t n = schemes_minifloat(e, m, bias, ieee, e4m3, NULL);
    double *mag = util_mallocarray(n, sizeof *mag);
    int *cost = util_mallocarray(n, sizeof *cost);
    schemes_minifloat(e, m, bias, ieee, e4m3, mag);
    for (size_t i = 0; i < n; i++)
        cost[i] = levels_popcount_dyadic(mag[i]);
    int r = levels_finish(name, bits, is_signed, mag, cost, n, out);
    free(mag);
    free(cost);
    return r;
}

#define MINIFLOAT(FN, NAME, E, M, BIAS, IEEE, E4M3)                                \
    static int FN(int bits, int is_signed, const levels_params *prm, levelset *out, \
                  util_err *err)                                                   \
    {                                                                              \
        (void)prm;                                                                 \
        (void)err;                                                                 \
        return build_minifloat(NAME, E, M, BIAS, IEEE, E4M3, bits, is_signed, out); \
    }

MINIFLOAT(build_fp4_e2m1, "fp4-e2m1", 2, 1, 1, 0, 0)
MINIFLOAT(build_fp6_e2m3, "fp6-e2m3", 2, 3, 1, 0, 0)
MINIFLOAT(build_fp6_e3m2, "fp6-e3m2", 3, 2, 3, 0, 0)
MINIFLOAT(build_fp8_e4m3, "fp8-e4m3", 4, 3, 7, 0, 1)
MINIFLOAT(build_fp8_e5m2, "fp8-e5m2", 5, 2, 15, 1, 0)
MINIFLOAT(build_mxfp4, "mxfp4", 2, 1, 1, 0, 0)

/* ---- log2-sqrt2 ------------------------------------------------------------ */

/* {0} and sqrt(2)^-j, j = 0 .. 2^B - 2: pot's count with half the step. */
static int build_log2_sqrt2(int bits, int is_signed, const levels_params *prm, levelset *out,
                            util_err *err)
{
    (void)prm;
    (void)err;
    int B = is_signed ? bits - 1 : bits;
    size_t m = (size_t)1 << B;
    double *mag = util_mallocarray(m, sizeof *mag);
    int *cost = util_mallocarray(m, sizeof *cost);
    mag[0] = 0;
    cost[0] = 0;
    for (size_t j = 1; j < m; j++) {
        int k = (int)(j - 1);
        mag[j] = (k % 2) ? ldexp(M_SQRT1_2, -(k / 2)) : ldexp(1.0, -(k / 2));
        cost[j] = (k % 2) ? -1 : 1;
    }
    int r = levels_finish("log2-sqrt2", bits, is_signed, mag, cost, m, out);
    free(mag);
    free(cost);
    return r;
}

/* ---- lloyd-max stand-in: the Gaussian Max quantizer ------------------------- */

static double phi(double x) { return exp(-0.5 * x * x) / sqrt(2 * M_PI); }
static double Phi(double x) { return 0.5 * erfc(-x / M_SQRT2); }

static void gauss_lloyd(size_t L, double *out);

/* The levels depend on L alone: computed once per L (a few L are in use:
 * each report asks for them per tensor). */
void schemes_gauss_lloyd(size_t L, double *out)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static struct {
        size_t L;
        double *v;
    } cache[8];
    static int n;
    pthread_mutex_lock(&mu);
    for (int i = 0; i < n; i++)
        if (cache[i].L == L) {
            memcpy(out, cache[i].v, L * sizeof *out);
            pthread_mutex_unlock(&mu);
            return;
        }
    pthread_mutex_unlock(&mu);
    gauss_lloyd(L, out);
    pthread_mutex_lock(&mu);
    int have = 0;
    for (int i = 0; i < n; i++)
        have |= cache[i].L == L;
    if (!have && n < 8) {
        cache[n].v = util_mallocarray(L ? L : 1, sizeof *out);
        memcpy(cache[n].v, out, L * sizeof *out);
        cache[n++].L = L;
    }
    pthread_mutex_unlock(&mu);
}

static void gauss_lloyd(size_t L, double *out)
{
    /* start from quantiles: uniform in probability */
    for (size_t k = 0; k < L; k++) {
        double pr = ((double)k + 0.5) / (double)L;
        /* invert Phi by bisection */
        double a = -10, b = 10;
        for (int it = 0; it < 200; it++) {
            double mid = 0.5 * (a + b);
            if (Phi(mid) < pr)
                a = mid;
            else
                b = mid;
        }
        out[k] = 0.5 * (a + b);
    }
    for (int it = 0; it < 20000; it++) {
        double change = 0;
        double lo = -INFINITY;
        for (size_t k = 0; k < L; k++) {
            double hi = k + 1 < L ? 0.5 * (out[k] + out[k + 1]) : INFINITY;
            double pm = Phi(hi) - Phi(lo);
            double c = pm > 0 ? (phi(lo) - phi(hi)) / pm : out[k];
            if (!isfinite(lo) && !isfinite(hi))
                c = 0;
            change = fmax(change, fabs(c - out[k]));
            lo = hi;
            out[k] = c;
        }
        if (change < 1e-15)
            break;
    }
}

static int build_lloyd_max(int bits, int is_signed, const levels_params *prm, levelset *out,
                           util_err *err)
{
    (void)prm;
    (void)err;
    size_t L = is_signed ? ((size_t)1 << bits) - 1 : (size_t)1 << bits;
    levels_alloc(out, "lloyd-max", bits, is_signed, L);
    if (is_signed) {
        schemes_gauss_lloyd(L, out->v);
    } else {
        /* half-normal: the Gaussian Max quantizer with 2L levels, upper half */
        double *g = util_mallocarray(2 * L, sizeof *g);
        schemes_gauss_lloyd(2 * L, g);
        memcpy(out->v, g + L, L * sizeof *g);
        free(g);
    }
    double top = fmax(fabs(out->v[0]), fabs(out->v[L - 1]));
    for (size_t k = 0; k < L; k++) {
        out->v[k] /= top;
        out->terms[k] = out->v[k] == 0 ? 0 : -1;
    }
    if (is_signed) {
        out->v[0] = -1;
        if (L % 2)
            out->v[L / 2] = 0;
    }
    out->v[L - 1] = 1;
    return 0;
}

/* ---- custom:FILE ------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define CUSTOM_MAX 65536

long schemes_read_custom(const char *path, double **vals, util_err *err)
{
    *vals = NULL;
    if (!*path) {
        util_err_set(err, "custom: no file name (write custom:FILE)");
        return -1;
    }
    /* the one open path (core/file.h): a regular file, bounded; a FIFO
     * or device is refused instead of blocking */
    FILE *fp = file_fopen_regular(path, (uint64_t)CUSTOM_MAX * 512, err);
    if (!fp) {
        util_err_set(err, "custom:%s: %s", path, strerror(errno));
        return -1;
    }
    double *v = NULL;
    size_t n = 0, cap = 0;
    char line[512];
    long lineno = 0;
    while (fgets(line, sizeof line, fp)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(fp)) {
            util_err_set(err, "custom:%s: line %ld is too long", path, lineno);
            goto fail;
        }
        char *s = line;
        char *hash = strchr(s, '#');
        if (hash)
            *hash = '\0';
        while (*s == ' ' || *s == '\t')
            s++;
        size_t len = strlen(s);
        while (len && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ' ||
                       s[len - 1] == '\t' || s[len - 1] == ','))
            s[--len] = '\0';
        if (!len)
            continue;
        char *end;
        errno = 0;
        double x = strtod(s, &end);
        if (end == s || *end || errno == ERANGE || !isfinite(x)) {
            util_err_set(err, "custom:%s: line %ld: '%s' is not a finite number", path, lineno, s);
            goto fail;
        }
        if (n == CUSTOM_MAX) {
            util_err_set(err, "custom:%s: more than %d levels", path, CUSTOM_MAX);
            goto fail;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            v = util_realloc(v, cap * sizeof *v);
        }
        v[n++] = x;
    }
    if (ferror(fp)) {
        util_err_set(err, "custom:%s: read error", path);
        goto fail;
    }
    fclose(fp);
    fp = NULL;
    if (n) {
        qsort(v, n, sizeof *v, cmp_double);
        size_t u = 0;
        for (size_t i = 0; i < n; i++)
            if (u == 0 || v[i] != v[u - 1])
                v[u++] = v[i];
        n = u;
    }
    if (n < 2) {
        util_err_set(err, "custom:%s: needs at least 2 distinct levels, found %zu", path, n);
        goto fail;
    }
    double top = fmax(fabs(v[0]), fabs(v[n - 1]));
    for (size_t i = 0; i < n; i++)
        v[i] /= top;
    if (fabs(v[0]) == 1)
        v[0] = v[0] < 0 ? -1.0 : 1.0;
    if (fabs(v[n - 1]) == 1)
        v[n - 1] = 1.0;
    *vals = v;
    return (long)n;
fail:
    if (fp)
        fclose(fp);
    free(v);
    return -1;
}

static int build_custom(int bits, int is_signed, const levels_params *prm, levelset *out,
                        util_err *err)
{
    double *v;
    long n = schemes_read_custom(prm && prm->arg ? prm->arg : "", &v, err);
    if (n < 0)
        return -1;
    if (!is_signed && v[0] < 0) {
        util_err_set(err, "custom:%s: --unsigned needs levels >= 0", prm->arg);
        free(v);
        return -1;
    }
    out->scheme = "custom";
    out->bits = bits;
    out->is_signed = is_signed;
    out->n = (size_t)n;
    out->v = v;
    out->terms = util_mallocarray((size_t)n, sizeof *out->terms);
    for (long k = 0; k < n; k++) {
        /* dyadic values with few ones cost their popcount; others n/a */
        int pc = levels_popcount_dyadic(fabs(v[k]));
        out->terms[k] = v[k] == 0 ? 0 : pc <= 8 ? pc : -1;
    }
    return 0;
}

/* ---- llama.cpp block formats ---------------------------------------------- */

/* Q4_0: codes q = 0..15 meaning (q - 8) d, normalized by 8: (q - 8) / 8
 * (-1 .. 7/8, not symmetric); -b 4. */
static int build_q4_0(int bits, int is_signed, const levels_params *prm, levelset *out,
                      util_err *err)
{
    (void)bits;
    (void)prm;
    if (!is_signed) {
        util_err_set(err, "q4_0: a signed format (no --unsigned)");
        return -1;
    }
    levels_alloc(out, "q4_0", 4, 1, 16);
    for (int q = 0; q < 16; q++) {
        out->v[q] = (double)(q - 8) / 8.0;
        out->terms[q] = levels_popcount_dyadic(fabs((double)(q - 8)));
    }
    return 0;
}

/* Q8_0: codes -127..127 (q d), normalized by 127; -b 8. */
static int build_q8_0(int bits, int is_signed, const levels_params *prm, levelset *out,
                      util_err *err)
{
    (void)bits;
    (void)prm;
    if (!is_signed) {
        util_err_set(err, "q8_0: a signed format (no --unsigned)");
        return -1;
    }
    double mag[128];
    int cost[128];
    for (int j = 0; j < 128; j++) {
        mag[j] = (double)j;
        cost[j] = levels_popcount_dyadic((double)j);
    }
    return levels_finish("q8_0", 8, 1, mag, cost, 128, out);
}

/* ---- stored: the grid of the tensor's own file (quant/stored.h) ----------- */

/* No level set without a tensor: the report, the viewer and the figures
 * evaluate it from the file's grid (stored_analyze); anywhere else (a
 * tensor stored as floats, --levels) this is the message. */
static int build_stored(int bits, int is_signed, const levels_params *prm, levelset *out,
                        util_err *err)
{
    (void)bits;
    (void)is_signed;
    (void)prm;
    (void)out;
    util_err_set(err, "not stored quantized (the stored grid is that of a quantized tensor's file)");
    return -1;
}

/* ---- the table entries ------------------------------------------------------ */

const scheme_def scheme_int_asym = {
    "int-asym", "uniform with a zero point over [min, max], 2^b levels", 2, 8, build_int_asym, 0,
};
const scheme_def scheme_nf4 = {
    "nf4", "QLoRA 4-bit NormalFloat (Dettmers et al. 2023)", 4, 4, build_nf4, 0,
};
const scheme_def scheme_fp4_e2m1 = {
    "fp4-e2m1", "OCP MX FP4 E2M1 minifloat (max 6)", 4, 4, build_fp4_e2m1, 0,
};
const scheme_def scheme_fp6_e2m3 = {
    "fp6-e2m3", "OCP MX FP6 E2M3 minifloat (max 7.5)", 6, 6, build_fp6_e2m3, 0,
};
const scheme_def scheme_fp6_e3m2 = {
    "fp6-e3m2", "OCP MX FP6 E3M2 minifloat (max 28)", 6, 6, build_fp6_e3m2, 0,
};
const scheme_def scheme_fp8_e4m3 = {
    "fp8-e4m3", "OCP OFP8 E4M3 (max 448, no infinities)", 8, 8, build_fp8_e4m3, 0,
};
const scheme_def scheme_fp8_e5m2 = {
    "fp8-e5m2", "OCP OFP8 E5M2 (max 57344, IEEE-style specials)", 8, 8, build_fp8_e5m2, 0,
};
const scheme_def scheme_mxfp4 = {
    "mxfp4", "OCP MXFP4: blocks of 32 E2M1 values sharing an E8M0 scale", 4, 4, build_mxfp4,
    SCHEME_MX,
};
const scheme_def scheme_q4_0 = {
    "q4_0", "llama.cpp Q4_0: blocks of 32, d = max / -8, fp16 d", 4, 4, build_q4_0,
    SCHEME_MX,
};
const scheme_def scheme_q8_0 = {
    "q8_0", "llama.cpp Q8_0: blocks of 32, d = amax / 127, fp16 d", 8, 8,
    build_q8_0, SCHEME_MX,
};
const scheme_def scheme_log2_sqrt2 = {
    "log2-sqrt2", "logarithmic levels sqrt(2)^-j and 0 (Miyashita et al. 2016)", 2, 8,
    build_log2_sqrt2, 0,
};
const scheme_def scheme_lloyd_max = {
    "lloyd-max", "MSE-optimal levels for this tensor (Lloyd iterations)", 2, 8, build_lloyd_max,
    SCHEME_DATA,
};
const scheme_def scheme_stored = {
    "stored", "the grid the tensor's file stores (quantized tensors: GGUF, AWQ, GPTQ, NF4, FP8, ...)", 2, 8,
    build_stored, SCHEME_STORED,
};
const scheme_def scheme_custom = {
    "custom", "levels read from a file: custom:FILE, one number per line", 2, 8, build_custom,
    SCHEME_ARG,
};
