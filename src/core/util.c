/* util.c - see util.h. */
#include "config.h"
#include "core/util.h"

#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void (*util_fatal_hook)(void) = NULL;

static void util_oom(size_t n)
{
    if (util_fatal_hook)
        util_fatal_hook();
    fprintf(stderr, "apotview: out of memory (allocating %zu bytes)\n", n);
    exit(1);
}

void util_err_set(util_err *e, const char *fmt, ...)
{
    if (!e || e->msg[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
}

void util_err_clear(util_err *e)
{
    if (e)
        e->msg[0] = '\0';
}

int util_err_isset(const util_err *e)
{
    return e && e->msg[0];
}

void *util_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        util_oom(n);
    return p;
}

void *util_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        util_oom(n * size);
    return p;
}

void *util_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        util_oom(n);
    return q;
}

void *util_mallocarray(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        util_oom(SIZE_MAX);
    return util_malloc(n * size);
}

char *util_strdup(const char *s)
{
    return util_strndup(s, strlen(s));
}

char *util_strndup(const char *s, size_t n)
{
    char *p = util_malloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *util_asprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    char *p = util_malloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

int util_mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    if (a && b > UINT64_MAX / a)
        return -1;
    *out = a * b;
    return 0;
}

dd dd_prod(double a, double b)
{
    double p = a * b;
    dd r = { p, fma(a, b, -p) };
    return r;
}

dd dd_mul_dd_d(dd a, double b)
{
    dd p = dd_prod(a.hi, b);
    p.lo += a.lo * b;
    double hi = p.hi + p.lo;
    dd r = { hi, p.lo - (hi - p.hi) };
    return r;
}

const char *util_fmt_si(char *buf, size_t len, double v, int sig)
{
    static const struct { double scale; const char *suffix; } pre[] = {
        { 1e12, "T" }, { 1e9, "G" }, { 1e6, "M" }, { 1e3, "k" },
        { 1, "" }, { 1e-3, "m" }, { 1e-6, "u" }, { 1e-9, "n" },
    };
    if (sig < 1)
        sig = 1;
    if (isnan(v)) {
        snprintf(buf, len, "nan");
        return buf;
    }
    if (isinf(v)) {
        snprintf(buf, len, v > 0 ? "inf" : "-inf");
        return buf;
    }
    if (v == 0) {
        snprintf(buf, len, "0");
        return buf;
    }
    double a = fabs(v);
    if (a >= 999.5e12) {
        snprintf(buf, len, "%.*e", sig - 1, v);
        return buf;
    }
    for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) {
        if (a >= pre[i].scale * 0.9995 || i + 1 == sizeof pre / sizeof pre[0]) {
            if (a < 1e-9 * 0.9995)
                break;
            double m = v / pre[i].scale;
            int digits = (int)floor(log10(fabs(m))) + 1;
            int dec = sig - digits;
            if (dec < 0)
                dec = 0;
            snprintf(buf, len, "%.*f%s", dec, m, pre[i].suffix);
            return buf;
        }
    }
    snprintf(buf, len, "%.*e", sig - 1, v);
    return buf;
}

const char *util_fmt_exact(char *buf, size_t len, double v)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return buf;
    }
    return buf;
}

int util_glob(const char *pattern, const char *s)
{
    return fnmatch(pattern, s, 0) == 0;
}

int util_ncpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (int)n;
}

double util_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
