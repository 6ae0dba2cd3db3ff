/* cmdline.c - see cmdline.h. */
#include "config.h"
#include "model/cmdline.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/numfmt.h"
#include "core/util.h"
#include "quant/levels.h"

/* a growing string cut at len: o counts what was needed */
typedef struct sb {
    char *buf;
    size_t len, o;
} sb;

static void put(sb *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++, b->o++)
        if (b->o + 1 < b->len)
            b->buf[b->o] = s[i];
    if (b->len)
        b->buf[b->o + 1 < b->len ? b->o : b->len - 1] = '\0';
}

static void puts_(sb *b, const char *s)
{
    put(b, s, strlen(s));
}

static void quoted(sb *b, const char *s)
{
    int plain = *s != '\0';
    for (const char *p = s; *p && plain; p++)
        plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                strchr("_./:=,+-", *p) != NULL;
    if (plain) {
        puts_(b, s);
        return;
    }
    put(b, "'", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            puts_(b, "'\\''");
        else
            put(b, p, 1);
    }
    put(b, "'", 1);
}

size_t cmdline_quote(char *buf, size_t len, const char *s)
{
    sb b = { buf, len, 0 };
    if (len)
        buf[0] = '\0';
    quoted(&b, s);
    return b.o;
}

size_t cmdline_glob_escape(char *buf, size_t len, const char *name)
{
    sb b = { buf, len, 0 };
    if (len)
        buf[0] = '\0';
    for (const char *p = name; *p; p++) {
        if (strchr("*?[]\\", *p))
            put(&b, "\\", 1);
        put(&b, p, 1);
    }
    return b.o;
}

/* one option: "--name=value" quoted as a whole */
static void opt(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void opt(sb *b, const char *fmt, ...)
{
    char tmp[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    put(b, " ", 1);
    quoted(b, tmp);
}

size_t cmdline_report(char *buf, size_t len, const analyze_cfg *cfg, const char *const *schemes, int nschemes,
                      const char *file, const char *tensor)
{
    sb b = { buf, len, 0 };
    if (len)
        buf[0] = '\0';
    puts_(&b, "apotview --report");
    opt(&b, "--bits=%d", cfg->bits);
    if (!cfg->is_signed)
        puts_(&b, " --unsigned");
    if (cfg->normalize)
        puts_(&b, " --normalize");
    if (cfg->lprm.apot_k > 0 && cfg->lprm.apot_k != 2)
        opt(&b, "--apot-k=%d", cfg->lprm.apot_k);
    char list[4096] = "";
    size_t lo = 0;
    for (int i = 0; i < nschemes && lo < sizeof list; i++)
        lo += (size_t)snprintf(list + lo, sizeof list - lo, "%s%s", i ? "," : "", schemes[i]);
    opt(&b, "--scheme=%s", list);
    char ab[40];
    switch (cfg->amode) {
    case ALPHA_MSE: opt(&b, "--alpha=mse"); break;
    case ALPHA_MAX: opt(&b, "--alpha=max"); break;
    case ALPHA_KL: opt(&b, "--alpha=kl"); break;
    case ALPHA_ACIQ: opt(&b, "--alpha=aciq"); break;
    case ALPHA_FILE: opt(&b, "--alpha=file"); break;
    case ALPHA_PERCENTILE: opt(&b, "--alpha=percentile:%s", util_fmt_exact(ab, sizeof ab, cfg->alpha)); break;
    case ALPHA_SIGMA: opt(&b, "--alpha=sigma:%s", util_fmt_exact(ab, sizeof ab, cfg->alpha)); break;
    default: opt(&b, "--alpha=%s", util_fmt_exact(ab, sizeof ab, cfg->alpha)); break;
    }
    switch (cfg->gran) {
    case GRAN_TENSOR: break;
    case GRAN_CHANNEL:
        opt(&b, "--granularity=channel");
        opt(&b, "--axis=%d", cfg->axis);
        break;
    case GRAN_GROUP:
        opt(&b, "--granularity=group:%llu", (unsigned long long)cfg->group);
        if (cfg->group_along_axis)
            opt(&b, "--axis=%d", cfg->axis);
        break;
    case GRAN_BLOCK:
        opt(&b, "--granularity=block:%llux%llu", (unsigned long long)cfg->block_r, (unsigned long long)cfg->block_c);
        break;
    }
    if (cfg->sdtype != SCALE_DEFAULT)
        opt(&b, "--scale-dtype=%s", analyze_scale_dtype_name(cfg->sdtype));
    if (tensor) {
        size_t n = cmdline_glob_escape(NULL, 0, tensor) + 1;
        char *esc = util_malloc(n + 16);
        memcpy(esc, "--tensor=", 9);
        cmdline_glob_escape(esc + 9, n, tensor);
        put(&b, " ", 1);
        quoted(&b, esc);
        free(esc);
    }
    put(&b, " ", 1);
    /* a FILE that starts with - would read as an option */
    if (file[0] == '-')
        puts_(&b, "-- ");
    quoted(&b, file);
    return b.o;
}

int cmdline_parse_set(const char *text, double *v, char *err, size_t errlen)
{
    char t[256];
    snprintf(t, sizeof t, "%s", text);
    char *s = t;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    int what = CMDLINE_ALPHA;
    static const struct { const char *w; int what; } words[] = {
        { "alpha", CMDLINE_ALPHA }, { "bits", CMDLINE_BITS }, { "a", CMDLINE_ALPHA }, { "b", CMDLINE_BITS },
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t l = strlen(words[i].w);
        if (strncmp(s, words[i].w, l) == 0 && (s[l] == ' ' || s[l] == '=' || s[l] == '\t')) {
            what = words[i].what;
            s += l;
            while (*s == ' ' || *s == '=' || *s == '\t')
                s++;
            break;
        }
    }
    if (!*s) {
        snprintf(err, errlen, "type alpha X, bits N or a number (alpha)");
        return -1;
    }
    double x;
    if (numfmt_parse(s, &x) < 0) {
        snprintf(err, errlen, "'%.60s' is not a number (alpha X, bits N, or a number)", s);
        return -1;
    }
    if (what == CMDLINE_BITS) {
        if (x != (double)(long)x || x < LEVELS_MIN_BITS || x > LEVELS_MAX_BITS) {
            snprintf(err, errlen, "bits must be an integer %d..%d, not %.60s", LEVELS_MIN_BITS, LEVELS_MAX_BITS, s);
            return -1;
        }
    } else if (!(x > 0) || !isfinite(x)) {
        snprintf(err, errlen, "alpha must be a positive finite number, not %.60s", s);
        return -1;
    }
    *v = x;
    return what;
}
