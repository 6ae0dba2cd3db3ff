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
#include <stdio.h>

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

/*
 * Safe display of strings that come from files (tensor names, metadata,
 * paths from an index): every byte that could act on a terminal or that is
 * not valid UTF-8 is written as \xNN (two lowercase hex digits, one escape
 * per byte): C0 controls 0x00-0x1f, DEL 0x7f, the C1 controls U+0080-U+009F
 * (bytes c2 80 .. c2 9f), the bidi embeddings, overrides and isolates
 * U+202A-U+202E and U+2066-U+2069 (trojan-source spoofing), and every byte
 * of an invalid sequence (stray continuation bytes, overlong forms,
 * surrogates, truncated sequences, code points above U+10FFFF: each such
 * byte alone, then decoding resumes at the next byte). A backslash is
 * written as \\, so the escaped form is unambiguous. Valid printable UTF-8
 * passes through unchanged.
 *
 * util_escape writes the escaped s into buf (always NUL-terminated when
 * len > 0, cut only between whole characters or whole escapes) and returns
 * the length the whole escaped string needs (like snprintf).
 */
size_t util_escape(const char *s, char *buf, size_t len);
char *util_escape_dup(const char *s);            /* caller frees */
/* The same rule except that a backslash passes through: for messages,
 * where idempotence matters more than unambiguity (an already sanitized
 * string comes out unchanged, so messages can nest). */
size_t util_sanitize(const char *s, char *buf, size_t len);
/* Write msg to f sanitized; one trailing newline passes through. */
void util_fput_msg(FILE *f, const char *msg);
/* "apotview: " and the formatted message on stderr, sanitized (so a name
 * from a file in the arguments cannot reach the terminal raw), then a
 * newline: every message that embeds a string from a file goes this way. */
void util_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One CSV field: s escaped (util_escape), quoted when it holds a comma or
 * a quote (quotes doubled); NULL writes nothing. */
void util_csv_field(FILE *f, const char *s);
/* Terminal columns of a string (wcwidth for each valid UTF-8 character,
 * with a built-in table for East Asian wide and combining characters when
 * the C library does not know them; invalid bytes count 1). */
int util_text_width(const char *s);
int util_char_width(uint32_t cp);   /* columns of one code point */
/* The escaped s fitted to exactly cols terminal columns: cut between whole
 * characters / escapes (keep_tail: the end is kept, the start cut) and
 * padded with spaces. Returns buf. */
const char *util_escape_fit(const char *s, int cols, int keep_tail, char *buf, size_t len);

/* Terminal columns of s's escaped form (util_escape), without building it. */
int util_escaped_width(const char *s);

/* Glob match (fnmatch without FNM_PATHNAME). */
int util_glob(const char *pattern, const char *s);

/* Number of online CPUs, at least 1. */
int util_ncpus(void);

/* Monotonic seconds. */
double util_now(void);

#endif
