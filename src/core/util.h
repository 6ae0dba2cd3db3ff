/*
 * util.h - small helpers shared by every layer: checked allocation, error
 * buffers, double-double arithmetic and number formatting.
 *
 * Ownership: util_* allocators never return NULL; on exhaustion they call
 * the fatal hook (the TUI installs one that restores the terminal) and exit
 * with status 1.
 */
#ifndef APOTVIEW_UTIL_H
#define APOTVIEW_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#define UTIL_ERRLEN 512

/* An error message buffer: the first failure wins. */
typedef struct util_err {
    char msg[UTIL_ERRLEN];
} util_err;

void util_err_set(util_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void util_err_clear(util_err *e);
int util_err_isset(const util_err *e);

void *util_malloc(size_t n);
void *util_calloc(size_t n, size_t size);
void *util_realloc(void *p, size_t n);
void *util_mallocarray(size_t n, size_t size); /* overflow-checked */
char *util_strdup(const char *s);
char *util_strndup(const char *s, size_t n);
char *util_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Called before exit(1) on allocation failure (for terminal restore). */
extern void (*util_fatal_hook)(void);

/* Checked multiply: returns 0 and sets *out on success, -1 on overflow. */
int util_mul_u64(uint64_t a, uint64_t b, uint64_t *out);

/* Double-double: value hi + lo, about 106 bits of mantissa. */
typedef struct dd {
    double hi, lo;
} dd;

static inline dd dd_add_d(dd a, double b)
{
    double s = a.hi + b;
    double bb = s - a.hi;
    double err = (a.hi - (s - bb)) + (b - bb);
    err += a.lo;
    double hi = s + err;
    dd r = { hi, err - (hi - s) };
    return r;
}

static inline dd dd_add(dd a, dd b)
{
    double s = a.hi + b.hi;
    double bb = s - a.hi;
    double err = (a.hi - (s - bb)) + (b.hi - bb);
    err += a.lo + b.lo;
    double hi = s + err;
    dd r = { hi, err - (hi - s) };
    return r;
}

static inline dd dd_neg(dd a)
{
    dd r = { -a.hi, -a.lo };
    return r;
}

static inline dd dd_sub(dd a, dd b) { return dd_add(a, dd_neg(b)); }

/* Exact product of two doubles as a dd (uses fma). */
dd dd_mul_dd_d(dd a, double b);
dd dd_prod(double a, double b);
static inline double dd_to_d(dd a) { return a.hi + a.lo; }

/* "1.23k", "4.5M", "-12.3m", "7.81e-09": compact human numbers with about
 * `sig` significant digits, written into buf (at least 16 bytes). */
const char *util_fmt_si(char *buf, size_t len, double v, int sig);

/* Shortest "%.*g" that reads back to exactly v (for JSON/CSV). */
const char *util_fmt_exact(char *buf, size_t len, double v);

/* Glob match (fnmatch without FNM_PATHNAME). */
int util_glob(const char *pattern, const char *s);

/* Number of online CPUs, at least 1. */
int util_ncpus(void);

/* Monotonic seconds. */
double util_now(void);

#endif
