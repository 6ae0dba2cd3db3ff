/* util.c - see util.h. */
#include "config.h"
#include "core/util.h"

#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

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
    char raw[UTIL_ERRLEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    /* messages embed names and strings from files: none reaches a
     * terminal raw, whoever prints it (util.h, util_escape) */
    util_sanitize(raw, e->msg, sizeof e->msg);
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

/* ---- safe display of strings from files --------------------------------- */

/* One display unit at s: a valid printable character, or an escape. Writes
 * its text to out (at most 12 bytes + NUL), its columns to *cols, and
 * returns the bytes of s it stands for (0 at the end). */
static size_t esc_unit(const unsigned char *s, int keep_bs, char *out, int *cols)
{
    static const char hex[] = "0123456789abcdef";
    unsigned c = s[0];
    if (c == 0)
        return 0;
    size_t k = 0;          /* bytes of a valid sequence */
    uint32_t cp = 0;
    if (c < 0x80) {
        if (c >= 0x20 && c != 0x7f) {
            if (c == '\\' && !keep_bs) {
                memcpy(out, "\\\\", 3);
                *cols = 2;
                return 1;
            }
            out[0] = (char)c;
            out[1] = '\0';
            *cols = 1;
            return 1;
        }
    } else if (c >= 0xc2 && c <= 0xdf) {
        if ((s[1] & 0xc0) == 0x80) {
            k = 2;
            cp = (c & 0x1fu) << 6 | (s[1] & 0x3fu);
        }
    } else if (c >= 0xe0 && c <= 0xef) {
        unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
        if (s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80) {
            k = 3;
            cp = (c & 0x0fu) << 12 | (s[1] & 0x3fu) << 6 | (s[2] & 0x3fu);
        }
    } else if (c >= 0xf0 && c <= 0xf4) {
        unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
        if (s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80) {
            k = 4;
            cp = (c & 0x07u) << 18 | (s[1] & 0x3fu) << 12 | (s[2] & 0x3fu) << 6 | (s[3] & 0x3fu);
        }
    }
    int unsafe = k == 0 || (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
                 (cp >= 0x2066 && cp <= 0x2069);
    if (!unsafe) {
        memcpy(out, s, k);
        out[k] = '\0';
        *cols = util_char_width(cp);
        return k;
    }
    if (k == 0)
        k = 1;     /* an invalid byte: alone, decoding resumes after it */
    for (size_t i = 0; i < k; i++) {
        out[4 * i] = '\\';
        out[4 * i + 1] = 'x';
        out[4 * i + 2] = hex[s[i] >> 4];
        out[4 * i + 3] = hex[s[i] & 15];
    }
    out[4 * k] = '\0';
    *cols = 4 * (int)k;
    return k;
}

/* wcwidth when the C library knows the character (wchar_t is UCS-4 with
 * glibc in every locale), else a small table: East Asian wide and
 * fullwidth ranges 2, combining marks and zero-width spaces 0, the rest 1. */
int util_char_width(uint32_t cp)
{
    int w = wcwidth((wchar_t)cp);
    if (w >= 0)
        return w;
    static const uint32_t zero[][2] = {
        { 0x0300, 0x036f }, { 0x0483, 0x0489 }, { 0x0591, 0x05bd }, { 0x0610, 0x061a },
        { 0x064b, 0x065f }, { 0x200b, 0x200f }, { 0x20d0, 0x20ff }, { 0xfe00, 0xfe0f },
        { 0xfe20, 0xfe2f }, { 0xe0100, 0xe01ef },
    };
    static const uint32_t wide[][2] = {
        { 0x1100, 0x115f }, { 0x2329, 0x232a }, { 0x2e80, 0x303e }, { 0x3041, 0x33ff },
        { 0x3400, 0x4dbf }, { 0x4e00, 0x9fff }, { 0xa000, 0xa4cf }, { 0xac00, 0xd7a3 },
        { 0xf900, 0xfaff }, { 0xfe10, 0xfe19 }, { 0xfe30, 0xfe6f }, { 0xff00, 0xff60 },
        { 0xffe0, 0xffe6 }, { 0x1f300, 0x1f64f }, { 0x1f900, 0x1f9ff }, { 0x20000, 0x2fffd },
        { 0x30000, 0x3fffd },
    };
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++)
        if (cp >= zero[i][0] && cp <= zero[i][1])
            return 0;
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
        if (cp >= wide[i][0] && cp <= wide[i][1])
            return 2;
    return 1;
}

static size_t escape_into(const char *s, char *buf, size_t len, int keep_bs)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t need = 0, out = 0;
    int full = 0;
    char u[20];
    int cols;
    size_t k;
    if (len > 0)
        buf[0] = '\0';
    for (;;) {
        /* a run of printable ASCII other than a backslash is itself */
        const unsigned char *q = p;
        while (*q >= 0x20 && *q < 0x7f && *q != '\\')
            q++;
        if (q > p) {
            size_t r = (size_t)(q - p);
            if (!full && out + r < len) {
                memcpy(buf + out, p, r);
                out += r;
                buf[out] = '\0';
            } else if (!full) {
                /* what fits of the run (cut between whole characters) */
                size_t fit = len > out + 1 ? len - out - 1 : 0;
                if (fit) {
                    memcpy(buf + out, p, fit);
                    out += fit;
                    buf[out] = '\0';
                }
                full = 1;
            }
            need += r;
            p = q;
        }
        if ((k = esc_unit(p, keep_bs, u, &cols)) == 0)
            break;
        size_t ul = strlen(u);
        if (!full && out + ul < len) {
            memcpy(buf + out, u, ul + 1);
            out += ul;
        } else
            full = 1;
        need += ul;
        p += k;
    }
    return need;
}

size_t util_escape(const char *s, char *buf, size_t len)
{
    return escape_into(s, buf, len, 0);
}

size_t util_sanitize(const char *s, char *buf, size_t len)
{
    return escape_into(s, buf, len, 1);
}

char *util_escape_dup(const char *s)
{
    char b[1];
    size_t n = util_escape(s, b, 0);
    char *p = util_malloc(n + 1);
    util_escape(s, p, n + 1);
    return p;
}

void util_fput_msg(FILE *f, const char *msg)
{
    size_t l = strlen(msg);
    int nl = l > 0 && msg[l - 1] == '\n';
    char *m = util_strndup(msg, l - (size_t)nl);
    char b[1];
    size_t n = util_sanitize(m, b, 0);
    char *o = util_malloc(n + 1);
    util_sanitize(m, o, n + 1);
    fputs(o, f);
    if (nl)
        fputc('\n', f);
    free(o);
    free(m);
}

void util_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = NULL;
    int n = vasprintf(&m, fmt, ap);
    va_end(ap);
    fputs("apotview: ", stderr);
    util_fput_msg(stderr, n >= 0 && m ? m : fmt);
    fputc('\n', stderr);
    free(m);
}

void util_csv_field(FILE *f, const char *raw)
{
    if (!raw)
        return;
    char *e = util_escape_dup(raw);
    const char *s = e;
    if (strpbrk(s, ",\"")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else
        fputs(s, f);
    free(e);
}

int util_text_width(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    int w = 0;
    uint32_t cp;
    while (*p) {
        unsigned c = *p;
        size_t k = 1;
        if (c >= 0xc2 && c <= 0xdf && (p[1] & 0xc0) == 0x80) {
            k = 2;
            cp = (c & 0x1fu) << 6 | (p[1] & 0x3fu);
        } else if (c >= 0xe0 && c <= 0xef && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80) {
            k = 3;
            cp = (c & 0x0fu) << 12 | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu);
        } else if (c >= 0xf0 && c <= 0xf4 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80 &&
                   (p[3] & 0xc0) == 0x80) {
            k = 4;
            cp = (c & 0x07u) << 18 | (p[1] & 0x3fu) << 12 | (p[2] & 0x3fu) << 6 | (p[3] & 0x3fu);
        } else
            cp = c < 0x80 ? c : 0xfffd;
        int cw = cp < 0x20 || cp == 0x7f ? 1 : util_char_width(cp);
        w += cw;
        p += k;
    }
    return w;
}

/* Bytes at the start of s that are printable ASCII other than '\\' (each
 * its own escaped form, one column wide). */
static size_t plain_prefix(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
        i++;
    return i;
}

int util_escaped_width(const char *s)
{
    size_t i = plain_prefix(s);
    long w = (long)i;
    const unsigned char *p = (const unsigned char *)s + i;
    char t[20];
    int cw;
    size_t k;
    while ((k = esc_unit(p, 0, t, &cw)) > 0) {
        w += cw;
        p += k;
    }
    return w > INT_MAX ? INT_MAX : (int)w;
}

const char *util_escape_fit(const char *s, int cols, int keep_tail, char *buf, size_t len)
{
    if (len == 0)
        return buf;
    if (cols < 0)
        cols = 0;
    size_t pl = plain_prefix(s);
    if (s[pl] == '\0' && pl <= (size_t)cols && (size_t)cols < len) {
        /* all plain and it fits: the name, padded (the common case) */
        memcpy(buf, s, pl);
        memset(buf + pl, ' ', (size_t)cols - pl);
        buf[cols] = '\0';
        return buf;
    }
    /* the units of s with their widths */
    const unsigned char *p = (const unsigned char *)s;
    size_t nu = 0, cap = 16;
    struct u { size_t off, k; int w; } *us = util_mallocarray(cap, sizeof *us);
    char t[20];
    int w;
    size_t k;
    long total = 0;
    while ((k = esc_unit(p, 0, t, &w)) > 0) {
        if (nu == cap) {
            cap *= 2;
            us = util_realloc(us, cap * sizeof *us);
        }
        us[nu].off = (size_t)(p - (const unsigned char *)s);
        us[nu].k = k;
        us[nu].w = w;
        nu++;
        total += w;
        p += k;
    }
    /* which units fit: from the start, or from the end when keep_tail */
    size_t a = 0, b = nu;
    long used = total;
    if (total > cols) {
        used = 0;
        if (keep_tail) {
            a = nu;
            while (a > 0 && used + us[a - 1].w <= cols)
                used += us[--a].w;
        } else {
            b = 0;
            while (b < nu && used + us[b].w <= cols)
                used += us[b++].w;
        }
    }
    size_t o = 0;
    for (size_t i = a; i < b; i++) {
        esc_unit((const unsigned char *)s + us[i].off, 0, t, &w);
        size_t tl = strlen(t);
        if (o + tl >= len)
            break;
        memcpy(buf + o, t, tl);
        o += tl;
    }
    for (long i = used; i < cols && o + 1 < len; i++)
        buf[o++] = ' ';
    buf[o] = '\0';
    free(us);
    return buf;
}
