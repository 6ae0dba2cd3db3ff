/* options.c - command-line parsing (options.h, interface.md): a table of
 * option handlers (opt_table) behind getopt_long; --help's text and
 * --version are in usage.c. */
#include "config.h"
#include "cli/options.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "quant/levels.h"
#include "io/demo.h"

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "apotview: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'apotview --help' for more information.\n");
    return 2;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno == ERANGE || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int set_mode(cli_opts *o, cli_mode m)
{
    /* --compare --report: the compare's table even on a terminal (the
     * viewer opens the pairs otherwise) */
    if ((o->mode == MODE_COMPARE && m == MODE_REPORT) || (o->mode == MODE_REPORT && m == MODE_COMPARE)) {
        o->mode = MODE_COMPARE;
        o->compare_print = 1;
        return 0;
    }
    /* --plan --report: the plan's table even on a terminal */
    if ((o->mode == MODE_PLAN && m == MODE_REPORT) || (o->mode == MODE_REPORT && m == MODE_PLAN)) {
        o->mode = MODE_PLAN;
        o->compare_print = 1;
        return 0;
    }
    /* --plan=BPW --export=F: the plan's figure */
    if ((o->mode == MODE_PLAN && m == MODE_EXPORT) || (o->mode == MODE_EXPORT && m == MODE_PLAN)) {
        o->mode = MODE_EXPORT;
        return 0;
    }
    if (o->mode != MODE_AUTO && o->mode != m)
        return -1;
    o->mode = m;
    return 0;
}

static int parse_schemes(cli_opts *o, const char *arg)
{
    free(o->scheme_buf);
    o->scheme_buf = util_strdup(arg);
    o->nschemes = 0;
    char *save = NULL;
    for (char *tok = strtok_r(o->scheme_buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (strcmp(tok, "all") == 0) {
            /* expanded after parsing, when --bits and --unsigned are known */
            if (o->nschemes < OPTIONS_MAX_SCHEMES)
                o->schemes[o->nschemes++] = "all";
            continue;
        }
        const scheme_def *d = levels_find(tok);
        if (!d) {
            fprintf(stderr, "apotview: unknown scheme '%s'; known:", tok);
            for (size_t i = 0; levels_schemes[i]; i++)
                fprintf(stderr, " %s", levels_schemes[i]->name);
            fprintf(stderr, "\nTry 'apotview --help' for more information.\n");
            return -1;
        }
        if (d->flags & SCHEME_ARG) {
            /* check the argument (custom:FILE) now, with a clear message */
            levelset ls;
            util_err e = { { 0 } };
            if (levels_build(tok, d->min_bits, 1, NULL, &ls, &e) < 0) {
                fprintf(stderr, "apotview: %s\n", e.msg);
                return -1;
            }
            levels_free(&ls);
        }
        if (o->nschemes < OPTIONS_MAX_SCHEMES)
            o->schemes[o->nschemes++] = (d->flags & SCHEME_ARG) ? tok : d->name;
    }
    if (o->nschemes == 0) {
        usage_error("--scheme needs at least one scheme name");
        return -1;
    }
    return 0;
}

/* "all": every scheme of the table that exists at these bits and signedness
 * (nf4 is 4-bit signed only, the FP formats have their own widths); custom
 * needs a file and is left out. Duplicates are dropped. */
static void expand_all(cli_opts *o)
{
    const char *out[OPTIONS_MAX_SCHEMES];
    int n = 0;
    for (int i = 0; i < o->nschemes; i++) {
        if (strcmp(o->schemes[i], "all") != 0) {
            if (n < OPTIONS_MAX_SCHEMES)
                out[n++] = o->schemes[i];
            continue;
        }
        for (size_t k = 0; levels_schemes[k]; k++) {
            const scheme_def *d = levels_schemes[k];
            /* MX block scales are computed by --report only (group.h) */
            int mx_off = (d->flags & SCHEME_MX) && o->mode != MODE_REPORT;
            /* stored: added for quantized tensors (quant/stored.h) */
            if ((d->flags & (SCHEME_ARG | SCHEME_STORED)) || mx_off || o->cfg.bits < d->min_bits ||
                o->cfg.bits > d->max_bits)
                continue;
            if (!o->cfg.is_signed && (strcmp(d->name, "nf4") == 0 || (d->flags & SCHEME_MX)))
                continue;
            int dup = 0;
            for (int j = 0; j < n; j++)
                dup |= strcmp(out[j], d->name) == 0;
            if (!dup && n < OPTIONS_MAX_SCHEMES)
                out[n++] = d->name;
        }
    }
    memcpy(o->schemes, out, (size_t)n * sizeof *out);
    o->nschemes = n;
}

/* FILE:TENSOR: split at the last ':' unless the whole argument names an
 * existing path. */
static void add_file(cli_opts *o, const char *arg)
{
    o->files = util_realloc(o->files, (size_t)(o->nfiles + 1) * sizeof *o->files);
    cli_file *f = &o->files[o->nfiles++];
    f->tensor = NULL;
    struct stat st;
    const char *colon = strrchr(arg, ':');
    if (strncmp(arg, "demo:", 5) == 0 && stat(arg, &st) < 0)
        colon = NULL; /* a demo tensor (demo.h) names no TENSOR */
    if (colon && colon != arg && stat(arg, &st) < 0) {
        f->path = util_strndup(arg, (size_t)(colon - arg));
        f->tensor = util_strdup(colon + 1);
    } else
        f->path = util_strdup(arg);
}

/* ---- the options: a table of handlers ------------------------------------ */

/* What the handlers fill besides the options: the demo tensor's kind,
 * size and seed (a FILE once parsing is done). */
typedef struct parse_ctx {
    cli_opts *o;
    const char *demo_kind;
    unsigned long long demo_size, demo_seed;
} parse_ctx;

struct opt_def;
/* 0: go on; 1: --help/--version printed; 2: usage error (printed) */
typedef int (*opt_fn)(parse_ctx *c, const struct opt_def *d, const char *arg);

typedef struct opt_def {
    const char *name;  /* long name */
    int has_arg;       /* no_argument, required_argument */
    int key;           /* short option letter, or 0 (long only) */
    opt_fn fn;
    int val;           /* the handler's constant (a mode) */
} opt_def;

static const char only_one[] = "only one of --report, --list, --compare, --plan, --levels, --sweep, --export, --tui";

static int opt_mode(parse_ctx *c, const opt_def *d, const char *arg)
{
    (void)arg;
    if (set_mode(c->o, (cli_mode)d->val) < 0)
        return usage_error("%s", only_one);
    return 0;
}

static int opt_tour(parse_ctx *c, const opt_def *d, const char *arg)
{
    int r = opt_mode(c, d, arg);
    c->o->tour = 1;
    return r;
}

static int opt_sweep(parse_ctx *c, const opt_def *d, const char *arg)
{
    cli_opts *o = c->o;
    long l = 0;
    if (opt_mode(c, d, arg))
        return 2;
    char *a = util_strdup(arg);
    char *p1 = strchr(a, ':'), *p2 = p1 ? strchr(p1 + 1, ':') : NULL;
    int bad = !p1 || !p2;
    if (!bad) {
        *p1 = *p2 = '\0';
        bad = parse_double(a, &o->sweep_a0) < 0 || parse_double(p1 + 1, &o->sweep_a1) < 0 ||
              parse_long(p2 + 1, 1, 1000000, &l) < 0 || !(o->sweep_a0 > 0) ||
              !(o->sweep_a1 >= o->sweep_a0);
        o->sweep_n = (int)l;
    }
    free(a);
    if (bad)
        return usage_error("--sweep=A0:A1:N needs 0 < A0 <= A1 and 1 <= N <= 1000000, not '%s'", arg);
    return 0;
}

static int opt_export(parse_ctx *c, const opt_def *d, const char *arg)
{
    if (opt_mode(c, d, arg))
        return 2;
    c->o->export_path = arg;
    return 0;
}

static int opt_scheme(parse_ctx *c, const opt_def *d, const char *arg)
{
    (void)d;
    return parse_schemes(c->o, arg) < 0 ? 2 : 0;
}

static int opt_bits(parse_ctx *c, const opt_def *d, const char *arg)
{
    long l;
    (void)d;
    if (parse_long(arg, LEVELS_MIN_BITS, LEVELS_MAX_BITS, &l) < 0)
        return usage_error("--bits must be an integer from 2 to 8, not '%s'", arg);
    c->o->cfg.bits = (int)l;
    return 0;
}

static int opt_alpha(parse_ctx *c, const opt_def *d, const char *arg)
{
    analyze_cfg *cfg = &c->o->cfg;
    (void)d;
    if (strcmp(arg, "max") == 0)
        cfg->amode = ALPHA_MAX;
    else if (strcmp(arg, "mse") == 0)
        cfg->amode = ALPHA_MSE;
    else if (strcmp(arg, "kl") == 0)
        cfg->amode = ALPHA_KL;
    else if (strcmp(arg, "aciq") == 0)
        cfg->amode = ALPHA_ACIQ;
    else if (strcmp(arg, "file") == 0) {
        /* The alpha stored beside each weight (APoT checkpoints:
         * <layer>.weight_quant.wgt_alpha), applied to the normalized
         * weight as the official code does. */
        cfg->amode = ALPHA_FILE;
        cfg->normalize = 1;
    } else if (strncmp(arg, "percentile:", 11) == 0) {
        if (parse_double(arg + 11, &cfg->alpha) < 0 || !(cfg->alpha > 0) || cfg->alpha > 100)
            return usage_error("--alpha=percentile:P needs 0 < P <= 100, not '%s'", arg);
        cfg->amode = ALPHA_PERCENTILE;
    } else if (strncmp(arg, "sigma:", 6) == 0) {
        if (parse_double(arg + 6, &cfg->alpha) < 0 || !(cfg->alpha > 0))
            return usage_error("--alpha=sigma:K needs K > 0, not '%s'", arg);
        cfg->amode = ALPHA_SIGMA;
    } else if (parse_double(arg, &cfg->alpha) == 0 && cfg->alpha > 0)
        cfg->amode = ALPHA_VALUE;
    else
        return usage_error("--alpha must be a positive number, max, mse, percentile:P, "
                           "sigma:K, kl, aciq or file, not '%s'", arg);
    return 0;
}

static int opt_normalize(parse_ctx *c, const opt_def *d, const char *arg)
{
    (void)d, (void)arg;
    c->o->cfg.normalize = 1;
    return 0;
}

static int opt_unsigned(parse_ctx *c, const opt_def *d, const char *arg)
{
    (void)d, (void)arg;
    c->o->cfg.is_signed = 0;
    return 0;
}

static int opt_tensor(parse_ctx *c, const opt_def *d, const char *arg)
{
    cli_opts *o = c->o;
    (void)d;
    o->globs = util_realloc(o->globs, (size_t)(o->nglobs + 1) * sizeof *o->globs);
    o->globs[o->nglobs++] = (char *)arg;
    return 0;
}

/* The index of arg among the NULL-terminated names, or -1. */
static int choice(const char *arg, const char *const *names)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(arg, names[i]) == 0)
            return i;
    return -1;
}

static int opt_format(parse_ctx *c, const opt_def *d, const char *arg)
{
    static const char *const names[] = { "table", "json", "csv", "c", NULL };
    static const cli_format fmts[] = { FMT_TABLE, FMT_JSON, FMT_CSV, FMT_C };
    int i = choice(arg, names);
    (void)d;
    if (i < 0)
        return usage_error("--format must be table, json, csv or c (--levels), not '%s'", arg);
    c->o->format = fmts[i];
    c->o->format_given = 1;
    return 0;
}

static int opt_dtype(parse_ctx *c, const opt_def *d, const char *arg)
{
    (void)d;
    c->o->dtype_override = dtype_from_name(arg);
    if (c->o->dtype_override == DT_INVALID || dtype_size(c->o->dtype_override) != 2)
        return usage_error("--dtype must be bfloat16 or float16, not '%s'", arg);
    return 0;
}

static int opt_apot_k(parse_ctx *c, const opt_def *d, const char *arg)
{
    long l;
    (void)d;
    if (parse_long(arg, 1, 4, &l) < 0)
        return usage_error("--apot-k must be 1..4, not '%s'", arg);
    c->o->cfg.lprm.apot_k = (int)l;
    return 0;
}

/* --figure, --size, --font: the text, checked where it is used (plot/) */
static int opt_figure(parse_ctx *c, const opt_def *d, const char *arg)
{
    (void)d;
    c->o->figure = arg;
    return 0;
}

static int opt_size(parse_ctx *c, const opt_def *d, const char *arg)
{
    (void)d;
    c->o->size = arg;
    return 0;
}

static int opt_font(parse_ctx *c, const opt_def *d, const char *arg)
{
    (void)d;
    c->o->font = arg;
    return 0;
}

static int opt_mono(parse_ctx *c, const opt_def *d, const char *arg)
{
    (void)d, (void)arg;
    c->o->mono = 1;
    return 0;
}

static int opt_colors(parse_ctx *c, const opt_def *d, const char *arg)
{
    (void)d;
    c->o->colors = arg;
    return 0;
}

static int opt_logy(parse_ctx *c, const opt_def *d, const char *arg)
{
    (void)d, (void)arg;
    c->o->logy = 1;
    return 0;
}

static int opt_panels(parse_ctx *c, const opt_def *d, const char *arg)
{
    (void)d;
    char *end;
    long pc = strtol(arg, &end, 10), pr = 0;
    if (end != arg && (*end == 'x' || *end == 'X')) {
        char *p2 = end + 1;
        pr = strtol(p2, &end, 10);
        if (end == p2)
            pr = 0;
    }
    if (*end || pc < 1 || pc > 8 || pr < 1 || pr > 8)
        return usage_error("--panels must be COLSxROWS, 1..8 each (2x2), not '%s'", arg);
    c->o->panel_cols = (int)pc;
    c->o->panel_rows = (int)pr;
    return 0;
}

static int opt_force(parse_ctx *c, const opt_def *d, const char *arg)
{
    (void)d, (void)arg;
    c->o->force = 1;
    return 0;
}

static int opt_sort(parse_ctx *c, const opt_def *d, const char *arg)
{
    static const char *const names[] = { "file", "name", "size", "error", NULL };
    (void)d;
    if (choice(arg, names) < 0)
        return usage_error("--sort must be file, name, size or error, not '%s'", arg);
    c->o->sort = arg;
    return 0;
}

/* A non-negative decimal integer (no sign, no junk). */
static int parse_ull(const char *s, unsigned long long *out)
{
    char *end;
    errno = 0;
    *out = strtoull(s, &end, 10);
    return end == s || *end || errno || s[0] == '-' ? -1 : 0;
}

static int opt_min_count(parse_ctx *c, const opt_def *d, const char *arg)
{
    (void)d;
    if (parse_ull(arg, &c->o->min_count) < 0)
        return usage_error("--min-count must be a non-negative integer, not '%s'", arg);
    return 0;
}

static int opt_engine(parse_ctx *c, const opt_def *d, const char *arg)
{
    static const char *const names[] = { "auto", "sorted", "histogram", NULL };
    (void)d;
    if (choice(arg, names) < 0)
        return usage_error("--engine must be auto, sorted or histogram, not '%s'", arg);
    c->o->engine = arg;
    return 0;
}

static int opt_jobs(parse_ctx *c, const opt_def *d, const char *arg)
{
    long l;
    (void)d;
    if (parse_long(arg, 1, 1024, &l) < 0)
        return usage_error("--jobs must be 1..1024, not '%s'", arg);
    c->o->jobs = (int)l;
    return 0;
}

static int opt_demo(parse_ctx *c, const opt_def *d, const char *arg)
{
    util_err e = { { 0 } };
    (void)d;
    if (demo_check_kind(arg, &e) < 0)
        return usage_error("%s", e.msg);
    c->demo_kind = arg;
    return 0;
}

static int opt_demo_size(parse_ctx *c, const opt_def *d, const char *arg)
{
    (void)d;
    if (parse_ull(arg, &c->demo_size) < 0 || c->demo_size < 1 || c->demo_size > DEMO_MAX_SIZE)
        return usage_error("--demo-size must be 1 .. %llu, not '%s'",
                           (unsigned long long)DEMO_MAX_SIZE, arg);
    return 0;
}

static int opt_seed(parse_ctx *c, const opt_def *d, const char *arg)
{
    (void)d;
    if (parse_ull(arg, &c->demo_seed) < 0)
        return usage_error("--seed must be a non-negative integer, not '%s'", arg);
    return 0;
}

static int opt_granularity(parse_ctx *c, const opt_def *d, const char *arg)
{
    analyze_cfg *cfg = &c->o->cfg;
    (void)d;
    if (strcmp(arg, "tensor") == 0)
        cfg->gran = GRAN_TENSOR;
    else if (strcmp(arg, "channel") == 0)
        cfg->gran = GRAN_CHANNEL;
    else if (strncmp(arg, "group:", 6) == 0) {
        char *end;
        errno = 0;
        unsigned long long g = strtoull(arg + 6, &end, 10);
        if (end == arg + 6 || *end || errno || arg[6] == '-' || g < 1 || g > (1ull << 40))
            return usage_error("--granularity=group:G needs G >= 1, not '%s'", arg);
        cfg->gran = GRAN_GROUP;
        cfg->group = g;
    } else if (strncmp(arg, "block:", 6) == 0) {
        char *end, *e2;
        errno = 0;
        unsigned long long br = strtoull(arg + 6, &end, 10);
        unsigned long long bc = *end == 'x' ? strtoull(end + 1, &e2, 10) : 0;
        if (end == arg + 6 || *end != 'x' || e2 == end + 1 || *e2 || errno || arg[6] == '-' ||
            end[1] == '-' || br < 1 || bc < 1 || br > (1ull << 32) || bc > (1ull << 32))
            return usage_error("--granularity=block:RxC needs R, C >= 1, not '%s'", arg);
        cfg->gran = GRAN_BLOCK;
        cfg->block_r = br;
        cfg->block_c = bc;
    } else
        return usage_error("--granularity must be tensor, channel, group:G or block:RxC, not '%s'",
                           arg);
    return 0;
}

static int opt_axis(parse_ctx *c, const opt_def *d, const char *arg)
{
    long l;
    (void)d;
    if (parse_long(arg, 0, 15, &l) < 0)
        return usage_error("--axis must be 0..15, not '%s'", arg);
    c->o->cfg.axis = (int)l;
    c->o->cfg.group_along_axis = 1;
    return 0;
}

static int opt_scale_dtype(parse_ctx *c, const opt_def *d, const char *arg)
{
    static const char *const names[] = { "fp16", "fp32", "bf16", "e8m0", NULL };
    static const int types[] = { SCALE_FP16, SCALE_FP32, SCALE_BF16, SCALE_E8M0 };
    int i = choice(arg, names);
    (void)d;
    if (i < 0)
        return usage_error("--scale-dtype must be fp16, fp32, bf16 or e8m0, not '%s'", arg);
    c->o->cfg.sdtype = types[i];
    return 0;
}

static int opt_no_best(parse_ctx *c, const opt_def *d, const char *arg)
{
    (void)d, (void)arg;
    c->o->no_best = 1;
    return 0;
}

static int opt_plan(parse_ctx *c, const opt_def *d, const char *arg)
{
    if (opt_mode(c, d, arg))
        return 2;
    char *end;
    errno = 0;
    double b = strtod(arg, &end);
    if (end == arg || *end || errno || !(b > 0 && b <= 64))
        return usage_error("--plan needs a bits-per-weight budget above 0 (at most 64), not '%s'", arg);
    c->o->plan_bpw = b;
    return 0;
}

static int opt_plan_schemes(parse_ctx *c, const opt_def *d, const char *arg)
{
    (void)d;
    if (!*arg)
        return usage_error("--plan-schemes needs a list of schemes");
    c->o->plan_schemes = arg;
    return 0;
}

static int opt_plan_method(parse_ctx *c, const opt_def *d, const char *arg)
{
    (void)d;
    if (strcmp(arg, "auto") && strcmp(arg, "hull") && strcmp(arg, "dp"))
        return usage_error("--plan-method must be auto, hull or dp, not '%s'", arg);
    c->o->plan_method = arg;
    return 0;
}

static int opt_imatrix(parse_ctx *c, const opt_def *d, const char *arg)
{
    (void)d;
    if (!*arg)
        return usage_error("--imatrix needs a FILE");
    c->o->imatrix = arg;
    return 0;
}

static int opt_help(parse_ctx *c, const opt_def *d, const char *arg)
{
    (void)c, (void)d, (void)arg;
    options_usage(stdout);
    return 1;
}

static int opt_version(parse_ctx *c, const opt_def *d, const char *arg)
{
    (void)c, (void)d, (void)arg;
    options_version();
    return 1;
}

/* Every option: its long name, argument, short letter and handler. */
static const opt_def opt_table[] = {
    { "report", no_argument, 0, opt_mode, MODE_REPORT },
    { "levels", no_argument, 0, opt_mode, MODE_LEVELS },
    { "list", no_argument, 0, opt_mode, MODE_LIST },
    { "compare", no_argument, 0, opt_mode, MODE_COMPARE },
    { "no-best", no_argument, 0, opt_no_best, 0 },
    { "plan", required_argument, 0, opt_plan, MODE_PLAN },
    { "plan-schemes", required_argument, 0, opt_plan_schemes, 0 },
    { "plan-method", required_argument, 0, opt_plan_method, 0 },
    { "imatrix", required_argument, 0, opt_imatrix, 0 },
    { "sweep", required_argument, 0, opt_sweep, MODE_SWEEP },
    { "export", required_argument, 0, opt_export, MODE_EXPORT },
    { "tui", no_argument, 0, opt_mode, MODE_TUI },
    { "tour", no_argument, 0, opt_tour, MODE_TUI },
    { "scheme", required_argument, 's', opt_scheme, 0 },
    { "bits", required_argument, 'b', opt_bits, 0 },
    { "alpha", required_argument, 'a', opt_alpha, 0 },
    { "normalize", no_argument, 'n', opt_normalize, 0 },
    { "unsigned", no_argument, 0, opt_unsigned, 0 },
    { "tensor", required_argument, 't', opt_tensor, 0 },
    { "format", required_argument, 0, opt_format, 0 },
    { "dtype", required_argument, 0, opt_dtype, 0 },
    { "apot-k", required_argument, 0, opt_apot_k, 0 },
    { "figure", required_argument, 0, opt_figure, 0 },
    { "size", required_argument, 0, opt_size, 0 },
    { "font", required_argument, 0, opt_font, 0 },
    { "mono", no_argument, 0, opt_mono, 0 },
    { "colors", required_argument, 0, opt_colors, 0 },
    { "logy", no_argument, 0, opt_logy, 0 },
    { "panels", required_argument, 0, opt_panels, 0 },
    { "force", no_argument, 0, opt_force, 0 },
    { "sort", required_argument, 0, opt_sort, 0 },
    { "min-count", required_argument, 0, opt_min_count, 0 },
    { "jobs", required_argument, 0, opt_jobs, 0 },
    { "engine", required_argument, 0, opt_engine, 0 },
    { "demo", required_argument, 0, opt_demo, 0 },
    { "demo-size", required_argument, 0, opt_demo_size, 0 },
    { "seed", required_argument, 0, opt_seed, 0 },
    { "granularity", required_argument, 0, opt_granularity, 0 },
    { "axis", required_argument, 0, opt_axis, 0 },
    { "scale-dtype", required_argument, 0, opt_scale_dtype, 0 },
    { "help", no_argument, 'h', opt_help, 0 },
    { "version", no_argument, 'V', opt_version, 0 },
};
#define NOPTS (sizeof opt_table / sizeof *opt_table)

/* getopt_long's view of the table: short letters and long names; a long
 * option's value is 256 + its index. */
static void getopt_tables(struct option *lo, char *shortopts)
{
    char *sp = shortopts;
    *sp++ = ':';
    for (size_t i = 0; i < NOPTS; i++) {
        const opt_def *d = &opt_table[i];
        lo[i] = (struct option) { d->name, d->has_arg, NULL, 256 + (int)i };
        if (d->key) {
            *sp++ = (char)d->key;
            if (d->has_arg == required_argument)
                *sp++ = ':';
        }
    }
    lo[NOPTS] = (struct option) { NULL, 0, NULL, 0 };
    *sp = '\0';
}

static const opt_def *opt_of(int c)
{
    if (c >= 256 && c < 256 + (int)NOPTS)
        return &opt_table[c - 256];
    for (size_t i = 0; i < NOPTS; i++)
        if (opt_table[i].key && opt_table[i].key == c)
            return &opt_table[i];
    return NULL;
}

/* After the options: what they mean together, the demo tensor, FILEs. */
static int finish(parse_ctx *c, int argc, char **argv)
{
    cli_opts *o = c->o;
    /* per-slice scales: the report, the viewer (its group view) and the
     * histogram figure (the group figure); sweeps and the other figures
     * work on the sorted tensor with one scale */
    if (o->cfg.gran != GRAN_TENSOR &&
        ((o->mode == MODE_EXPORT && o->figure && strcmp(o->figure, "histogram") != 0) ||
         o->mode == MODE_SWEEP)) {
        return usage_error("--granularity=%s applies to --report, the viewer and --figure=histogram "
                           "(--sweep and the other figures use one scale per tensor)",
                           o->cfg.gran == GRAN_CHANNEL ? "channel" :
                           o->cfg.gran == GRAN_BLOCK ? "block:RxC" : "group:G");
    }
    if (o->format == FMT_C && o->mode != MODE_LEVELS)
        return usage_error("--format=c writes a level set as a C header: it goes with --levels");
    if (o->tour && !c->demo_kind && optind >= argc)
        c->demo_kind = "gaussian"; /* the tour's tensor (ui/teach.h) */
    if (c->demo_kind) {
        char *pth = demo_path(c->demo_kind, c->demo_size, c->demo_seed);
        o->files = util_realloc(o->files, (size_t)(o->nfiles + 1) * sizeof *o->files);
        o->files[o->nfiles].path = pth;
        o->files[o->nfiles++].tensor = NULL;
    } else if (c->demo_size != DEMO_DEFAULT_SIZE || c->demo_seed != 1)
        return usage_error("--demo-size and --seed need --demo");
    for (int i = optind; i < argc; i++)
        add_file(o, argv[i]);
    if (o->mode == MODE_COMPARE && (o->nfiles != 2 || c->demo_kind))
        return usage_error("--compare needs two files: ORIGINAL QUANTIZED");
    if ((o->mode == MODE_PLAN || o->plan_bpw > 0) && (o->nfiles != 1 || c->demo_kind))
        return usage_error("--plan needs one file: the float MODEL");
    if ((o->plan_schemes || o->plan_method) && o->mode != MODE_PLAN && !(o->plan_bpw > 0))
        return usage_error("--plan-schemes and --plan-method apply to --plan");
    if (o->imatrix && o->mode != MODE_PLAN && !(o->plan_bpw > 0) && o->mode != MODE_COMPARE && o->mode != MODE_REPORT &&
        o->mode != MODE_AUTO)
        return usage_error("--imatrix applies to --report, --compare and --plan");
    expand_all(o);
    return 0;
}

int options_parse(int argc, char **argv, cli_opts *o)
{
    memset(o, 0, sizeof *o);
    o->cfg.bits = 4;
    o->cfg.is_signed = 1;
    o->cfg.amode = ALPHA_MSE;
    o->format = FMT_TABLE;
    o->sort = "file";
    o->engine = "auto";
    static const char *defaults[] = { "uniform", "pot", "apot" };
    for (int i = 0; i < 3; i++)
        o->schemes[o->nschemes++] = defaults[i];
    struct option lo[NOPTS + 1];
    char shortopts[2 * NOPTS + 2];
    getopt_tables(lo, shortopts);
    parse_ctx c = { o, NULL, DEMO_DEFAULT_SIZE, 1 };
    optind = 1;
    opterr = 0;
    int k;
    while ((k = getopt_long(argc, argv, shortopts, lo, NULL)) != -1) {
        if (k == ':')
            return usage_error("option '%s' requires an argument", argv[optind - 1]);
        const opt_def *d = opt_of(k);
        if (!d)
            return usage_error("unrecognized option '%s'", argv[optind - 1]);
        int r = d->fn(&c, d, optarg);
        if (r)
            return r;
    }
    return finish(&c, argc, argv);
}
