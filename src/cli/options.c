/* options.c - command-line parsing (options.h, interface.md). */
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

enum {
    OPT_REPORT = 256, OPT_LEVELS, OPT_SWEEP, OPT_EXPORT, OPT_UNSIGNED, OPT_FORMAT,
    OPT_DTYPE, OPT_APOT_K, OPT_FIGURE, OPT_SIZE, OPT_FONT, OPT_MONO, OPT_FORCE,
    OPT_SORT, OPT_MIN_COUNT, OPT_JOBS, OPT_TUI,
    OPT_DEMO, OPT_DEMO_SIZE, OPT_SEED, OPT_GRAN, OPT_AXIS, OPT_SCALE_DTYPE, OPT_TOUR,
    OPT_ENGINE, OPT_LIST, OPT_COLORS, OPT_LOGY, OPT_PANELS,
};

static const struct option longopts[] = {
    { "report", no_argument, NULL, OPT_REPORT },
    { "levels", no_argument, NULL, OPT_LEVELS },
    { "list", no_argument, NULL, OPT_LIST },
    { "sweep", required_argument, NULL, OPT_SWEEP },
    { "export", required_argument, NULL, OPT_EXPORT },
    { "tui", no_argument, NULL, OPT_TUI },
    { "tour", no_argument, NULL, OPT_TOUR },
    { "scheme", required_argument, NULL, 's' },
    { "bits", required_argument, NULL, 'b' },
    { "alpha", required_argument, NULL, 'a' },
    { "normalize", no_argument, NULL, 'n' },
    { "unsigned", no_argument, NULL, OPT_UNSIGNED },
    { "tensor", required_argument, NULL, 't' },
    { "format", required_argument, NULL, OPT_FORMAT },
    { "dtype", required_argument, NULL, OPT_DTYPE },
    { "apot-k", required_argument, NULL, OPT_APOT_K },
    { "figure", required_argument, NULL, OPT_FIGURE },
    { "size", required_argument, NULL, OPT_SIZE },
    { "font", required_argument, NULL, OPT_FONT },
    { "mono", no_argument, NULL, OPT_MONO },
    { "colors", required_argument, NULL, OPT_COLORS },
    { "logy", no_argument, NULL, OPT_LOGY },
    { "panels", required_argument, NULL, OPT_PANELS },
    { "force", no_argument, NULL, OPT_FORCE },
    { "sort", required_argument, NULL, OPT_SORT },
    { "min-count", required_argument, NULL, OPT_MIN_COUNT },
    { "jobs", required_argument, NULL, OPT_JOBS },
    { "engine", required_argument, NULL, OPT_ENGINE },
    { "demo", required_argument, NULL, OPT_DEMO },
    { "demo-size", required_argument, NULL, OPT_DEMO_SIZE },
    { "seed", required_argument, NULL, OPT_SEED },
    { "granularity", required_argument, NULL, OPT_GRAN },
    { "axis", required_argument, NULL, OPT_AXIS },
    { "scale-dtype", required_argument, NULL, OPT_SCALE_DTYPE },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 },
};

void options_usage(FILE *fp)
{
    fprintf(fp,
"Usage: apotview [OPTION]... [FILE[:TENSOR]]...\n"
"Show how uniform, powers-of-two (PoT) and additive powers-of-two (APoT)\n"
"quantization fit the weights in FILE: interactively on a terminal, or as a\n"
"report, level listing, alpha sweep or figure.\n"
"\n"
"With no FILE, open the bundled sample (real face-recognition conv filters).\n"
"\n"
"Modes (at most one; default: the viewer on a terminal, else --report):\n"
"      --report             statistics and quantization results per tensor\n"
"      --list               the tensors of each FILE (name, type, shape; no values read)\n"
"      --levels             print the level set of each scheme (needs no FILE)\n"
"      --sweep=A0:A1:N      error at N alphas from A0 to A1 inclusive\n"
"      --export=PATH        write a figure through gnuplot (.pdf .png .svg .eps\n"
"                           .tex .gp)\n"
"      --tui                the interactive viewer (the default on a terminal)\n"
"      --tour               the viewer as a guided tour: uniform, PoT, APoT,\n"
"                           normalization, clipping (default FILE: demo:gaussian)\n"
"\n"
"Quantizer:\n"
"  -s, --scheme=LIST        comma-separated schemes (default uniform,pot,apot;\n"
"                           'all' for every scheme)\n"
"  -b, --bits=N             bit-width including the sign bit, 2..8 (default 4)\n"
"  -a, --alpha=X|max|mse    clipping threshold (default mse: each scheme's\n"
"                           MSE-optimal alpha); also percentile:P, sigma:K,\n"
"                           kl (TensorRT entropy), aciq (Banner et al.)\n"
"                           or file (the alpha an APoT checkpoint stores\n"
"                           beside each weight; turns on -n)\n"
"  -n, --normalize          quantize (w - mean) / std instead of w\n"
"      --unsigned           activation-style levels in [0, 1], 2^bits levels\n"
"      --apot-k=K           APoT base bit-width (default 2, as in the paper)\n"
"      --granularity=G      tensor (default), channel, group:N or block:RxC:\n"
"                           one scale per tensor, per channel, per N values\n"
"                           or per R x C tile\n"
"      --axis=K             the channel axis (default 0); with group:N the\n"
"                           groups run along axis K\n"
"      --scale-dtype=T      how group/block scales are stored: fp16 (default;\n"
"                           nf4: fp32), fp32, bf16 or e8m0\n"
"\n"
"Teaching tensors (in place of FILE):\n"
"      --demo=KIND          gaussian, laplace, student-t:NU, uniform, bimodal\n"
"      --demo-size=N        values in the demo tensor (default 65536)\n"
"      --seed=S             its random seed (default 1)\n"
"\n"
"Input and output:\n"
"  -t, --tensor=GLOB        select tensors by name (repeatable, shell globs)\n"
"      --dtype=NAME         read raw 2-byte data as NAME (bfloat16, float16)\n"
"      --format=FMT         table (default), json or csv\n"
"      --sort=KEY           report order: file (default), name, size, error\n"
"      --min-count=N        skip tensors with fewer than N elements\n"
"      --jobs=N             threads in all for a report (default: all CPUs)\n"
"      --engine=E           report engine: auto (default; histogram for tensors\n"
"                           of 2^20+ values), sorted or histogram\n"
"\n"
"Figures:\n"
"      --figure=KIND        histogram (default), levels, sweep, bits, layers,\n"
"                           channels, compare (two FILEs: left and right),\n"
"                           transfer (Q(x) of the schemes at 3 and 4 bits)\n"
"      --size=SIZE          single (8.5 cm), double (17.5 cm), W or WxH in cm,\n"
"                           mm or in (3.3in, 8.5x5); W alone: automatic height\n"
"      --font=NAME[,PT]     font for the figure\n"
"      --mono               greyscale with dash patterns\n"
"      --colors=S:#RRGGBB,...  a scheme's colour in figures (apot:#000000)\n"
"      --logy               histogram figures: logarithmic counts\n"
"      --panels=CxR         histogram, sweep, bits: a panel per selected tensor\n"
"      --force              overwrite an existing output file\n"
"\n"
"  -h, --help               display this help and exit\n"
"  -V, --version            output version information and exit\n"
"\n"
"Exit status: 0 success, 1 a file or tensor could not be read or processed,\n"
"2 usage error.\n"
"\n"
"Examples:\n"
"  apotview weights.npy                    open the viewer\n"
"  apotview --report -b 4 -n model.npz     all tensors, normalized, 4 bits\n"
"  apotview --levels --bits=4 --format=json\n"
"  apotview --sweep=0.01:0.1:50 --format=csv w.npy\n"
"\n"
"Report bugs to: %s\n"
"apotview home page: <https://github.com/apotview/apotview>\n",
        PACKAGE_BUGREPORT);
}

static void version(void)
{
    printf("apotview %s\n"
           "Copyright (C) 2026 the apotview authors.\n"
           "License MIT: <https://opensource.org/licenses/MIT>.\n"
           "This is free software: you are free to change and redistribute it.\n"
           "There is NO WARRANTY, to the extent permitted by law.\n",
           PACKAGE_VERSION);
}

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
            if ((d->flags & SCHEME_ARG) || mx_off || o->cfg.bits < d->min_bits ||
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
    optind = 1;
    opterr = 0;
    int c;
    long l;
    const char *demo_kind = NULL;
    unsigned long long demo_size = DEMO_DEFAULT_SIZE, demo_seed = 1;
    while ((c = getopt_long(argc, argv, ":s:b:a:nt:hV", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_REPORT:
        case OPT_LEVELS:
        case OPT_LIST:
        case OPT_TUI: {
            cli_mode m = c == OPT_REPORT ? MODE_REPORT : c == OPT_LEVELS ? MODE_LEVELS
                         : c == OPT_LIST ? MODE_LIST : MODE_TUI;
            if (set_mode(o, m) < 0)
                return usage_error("only one of --report, --list, --levels, --sweep, --export, --tui");
            break;
        }
        case OPT_TOUR:
            if (set_mode(o, MODE_TUI) < 0)
                return usage_error("only one of --report, --list, --levels, --sweep, --export, --tui");
            o->tour = 1;
            break;
        case OPT_SWEEP: {
            if (set_mode(o, MODE_SWEEP) < 0)
                return usage_error("only one of --report, --list, --levels, --sweep, --export, --tui");
            char *a = util_strdup(optarg);
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
                return usage_error("--sweep=A0:A1:N needs 0 < A0 <= A1 and 1 <= N <= 1000000, not '%s'", optarg);
            break;
        }
        case OPT_EXPORT:
            if (set_mode(o, MODE_EXPORT) < 0)
                return usage_error("only one of --report, --list, --levels, --sweep, --export, --tui");
            o->export_path = optarg;
            break;
        case 's':
            if (parse_schemes(o, optarg) < 0)
                return 2;
            break;
        case 'b':
            if (parse_long(optarg, LEVELS_MIN_BITS, LEVELS_MAX_BITS, &l) < 0)
                return usage_error("--bits must be an integer from 2 to 8, not '%s'", optarg);
            o->cfg.bits = (int)l;
            break;
        case 'a':
            if (strcmp(optarg, "max") == 0)
                o->cfg.amode = ALPHA_MAX;
            else if (strcmp(optarg, "mse") == 0)
                o->cfg.amode = ALPHA_MSE;
            else if (strcmp(optarg, "kl") == 0)
                o->cfg.amode = ALPHA_KL;
            else if (strcmp(optarg, "aciq") == 0)
                o->cfg.amode = ALPHA_ACIQ;
            else if (strcmp(optarg, "file") == 0) {
                /* The alpha stored beside each weight (APoT checkpoints:
                 * <layer>.weight_quant.wgt_alpha), applied to the
                 * normalized weight as the official code does. */
                o->cfg.amode = ALPHA_FILE;
                o->cfg.normalize = 1;
            }
            else if (strncmp(optarg, "percentile:", 11) == 0) {
                if (parse_double(optarg + 11, &o->cfg.alpha) < 0 || !(o->cfg.alpha > 0) ||
                    o->cfg.alpha > 100)
                    return usage_error("--alpha=percentile:P needs 0 < P <= 100, not '%s'", optarg);
                o->cfg.amode = ALPHA_PERCENTILE;
            } else if (strncmp(optarg, "sigma:", 6) == 0) {
                if (parse_double(optarg + 6, &o->cfg.alpha) < 0 || !(o->cfg.alpha > 0))
                    return usage_error("--alpha=sigma:K needs K > 0, not '%s'", optarg);
                o->cfg.amode = ALPHA_SIGMA;
            } else if (parse_double(optarg, &o->cfg.alpha) == 0 && o->cfg.alpha > 0)
                o->cfg.amode = ALPHA_VALUE;
            else
                return usage_error("--alpha must be a positive number, max, mse, percentile:P, "
                                   "sigma:K, kl, aciq or file, not '%s'", optarg);
            break;
        case 'n':
            o->cfg.normalize = 1;
            break;
        case OPT_UNSIGNED:
            o->cfg.is_signed = 0;
            break;
        case 't':
            o->globs = util_realloc(o->globs, (size_t)(o->nglobs + 1) * sizeof *o->globs);
            o->globs[o->nglobs++] = optarg;
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "table") == 0)
                o->format = FMT_TABLE;
            else if (strcmp(optarg, "json") == 0)
                o->format = FMT_JSON;
            else if (strcmp(optarg, "csv") == 0)
                o->format = FMT_CSV;
            else
                return usage_error("--format must be table, json or csv, not '%s'", optarg);
            break;
        case OPT_DTYPE:
            o->dtype_override = dtype_from_name(optarg);
            if (o->dtype_override == DT_INVALID || dtype_size(o->dtype_override) != 2)
                return usage_error("--dtype must be bfloat16 or float16, not '%s'", optarg);
            break;
        case OPT_APOT_K:
            if (parse_long(optarg, 1, 4, &l) < 0)
                return usage_error("--apot-k must be 1..4, not '%s'", optarg);
            o->cfg.lprm.apot_k = (int)l;
            break;
        case OPT_FIGURE:
            o->figure = optarg;
            break;
        case OPT_SIZE:
            o->size = optarg;
            break;
        case OPT_FONT:
            o->font = optarg;
            break;
        case OPT_MONO:
            o->mono = 1;
            break;
        case OPT_COLORS:
            o->colors = optarg;
            break;
        case OPT_LOGY:
            o->logy = 1;
            break;
        case OPT_PANELS: {
            char *end;
            long pc = strtol(optarg, &end, 10), pr = 0;
            if (end != optarg && (*end == 'x' || *end == 'X')) {
                char *p2 = end + 1;
                pr = strtol(p2, &end, 10);
                if (end == p2)
                    pr = 0;
            }
            if (*end || pc < 1 || pc > 8 || pr < 1 || pr > 8)
                return usage_error("--panels must be COLSxROWS, 1..8 each (2x2), not '%s'", optarg);
            o->panel_cols = (int)pc;
            o->panel_rows = (int)pr;
            break;
        }
        case OPT_FORCE:
            o->force = 1;
            break;
        case OPT_SORT:
            if (strcmp(optarg, "file") && strcmp(optarg, "name") && strcmp(optarg, "size") &&
                strcmp(optarg, "error"))
                return usage_error("--sort must be file, name, size or error, not '%s'", optarg);
            o->sort = optarg;
            break;
        case OPT_MIN_COUNT: {
            char *end;
            errno = 0;
            o->min_count = strtoull(optarg, &end, 10);
            if (end == optarg || *end || errno || optarg[0] == '-')
                return usage_error("--min-count must be a non-negative integer, not '%s'", optarg);
            break;
        }
        case OPT_ENGINE:
            if (strcmp(optarg, "auto") && strcmp(optarg, "sorted") && strcmp(optarg, "histogram"))
                return usage_error("--engine must be auto, sorted or histogram, not '%s'", optarg);
            o->engine = optarg;
            break;
        case OPT_JOBS:
            if (parse_long(optarg, 1, 1024, &l) < 0)
                return usage_error("--jobs must be 1..1024, not '%s'", optarg);
            o->jobs = (int)l;
            break;
        case OPT_DEMO: {
            util_err e = { { 0 } };
            if (demo_check_kind(optarg, &e) < 0)
                return usage_error("%s", e.msg);
            demo_kind = optarg;
            break;
        }
        case OPT_DEMO_SIZE: {
            char *end;
            errno = 0;
            demo_size = strtoull(optarg, &end, 10);
            if (end == optarg || *end || errno || optarg[0] == '-' || demo_size < 1 ||
                demo_size > DEMO_MAX_SIZE)
                return usage_error("--demo-size must be 1 .. %llu, not '%s'",
                                   (unsigned long long)DEMO_MAX_SIZE, optarg);
            break;
        }
        case OPT_SEED: {
            char *end;
            errno = 0;
            demo_seed = strtoull(optarg, &end, 10);
            if (end == optarg || *end || errno || optarg[0] == '-')
                return usage_error("--seed must be a non-negative integer, not '%s'", optarg);
            break;
        }
        case OPT_GRAN:
            if (strcmp(optarg, "tensor") == 0)
                o->cfg.gran = GRAN_TENSOR;
            else if (strcmp(optarg, "channel") == 0)
                o->cfg.gran = GRAN_CHANNEL;
            else if (strncmp(optarg, "group:", 6) == 0) {
                char *end;
                errno = 0;
                unsigned long long g = strtoull(optarg + 6, &end, 10);
                if (end == optarg + 6 || *end || errno || optarg[6] == '-' || g < 1 || g > (1ull << 40))
                    return usage_error("--granularity=group:G needs G >= 1, not '%s'", optarg);
                o->cfg.gran = GRAN_GROUP;
                o->cfg.group = g;
            } else if (strncmp(optarg, "block:", 6) == 0) {
                char *end, *e2;
                errno = 0;
                unsigned long long br = strtoull(optarg + 6, &end, 10);
                unsigned long long bc = *end == 'x' ? strtoull(end + 1, &e2, 10) : 0;
                if (end == optarg + 6 || *end != 'x' || e2 == end + 1 || *e2 || errno ||
                    optarg[6] == '-' || end[1] == '-' || br < 1 || bc < 1 || br > (1ull << 32) ||
                    bc > (1ull << 32))
                    return usage_error("--granularity=block:RxC needs R, C >= 1, not '%s'", optarg);
                o->cfg.gran = GRAN_BLOCK;
                o->cfg.block_r = br;
                o->cfg.block_c = bc;
            } else
                return usage_error("--granularity must be tensor, channel, group:G or block:RxC, not '%s'",
                                   optarg);
            break;
        case OPT_AXIS:
            if (parse_long(optarg, 0, 15, &l) < 0)
                return usage_error("--axis must be 0..15, not '%s'", optarg);
            o->cfg.axis = (int)l;
            o->cfg.group_along_axis = 1;
            break;
        case OPT_SCALE_DTYPE:
            if (strcmp(optarg, "fp16") == 0)
                o->cfg.sdtype = SCALE_FP16;
            else if (strcmp(optarg, "fp32") == 0)
                o->cfg.sdtype = SCALE_FP32;
            else if (strcmp(optarg, "bf16") == 0)
                o->cfg.sdtype = SCALE_BF16;
            else if (strcmp(optarg, "e8m0") == 0)
                o->cfg.sdtype = SCALE_E8M0;
            else
                return usage_error("--scale-dtype must be fp16, fp32, bf16 or e8m0, not '%s'", optarg);
            break;
        case 'h':
            options_usage(stdout);
            return 1;
        case 'V':
            version();
            return 1;
        case ':':
            return usage_error("option '%s' requires an argument", argv[optind - 1]);
        case '?':
        default:
            return usage_error("unrecognized option '%s'", argv[optind - 1]);
        }
    }
    if (o->cfg.gran != GRAN_TENSOR &&
        (o->mode == MODE_TUI || o->mode == MODE_EXPORT || o->mode == MODE_SWEEP)) {
        /* per-slice scales are computed by the report (group.h); the viewer,
         * sweeps and figures work on the sorted tensor: one scale */
        return usage_error("--granularity=%s applies to --report only (the viewer, --sweep and "
                           "--export use one scale per tensor)",
                           o->cfg.gran == GRAN_CHANNEL ? "channel" :
                           o->cfg.gran == GRAN_BLOCK ? "block:RxC" : "group:G");
    }
    if (o->tour && !demo_kind && optind >= argc)
        demo_kind = "gaussian"; /* the tour's tensor (ui/teach.h) */
    if (demo_kind) {
        char *pth = demo_path(demo_kind, demo_size, demo_seed);
        o->files = util_realloc(o->files, (size_t)(o->nfiles + 1) * sizeof *o->files);
        o->files[o->nfiles].path = pth;
        o->files[o->nfiles++].tensor = NULL;
    } else if (demo_size != DEMO_DEFAULT_SIZE || demo_seed != 1)
        return usage_error("--demo-size and --seed need --demo");
    for (int i = optind; i < argc; i++)
        add_file(o, argv[i]);
    expand_all(o);
    return 0;
}

void options_free(cli_opts *o)
{
    for (int i = 0; i < o->nfiles; i++) {
        free(o->files[i].path);
        free(o->files[i].tensor);
    }
    free(o->files);
    free(o->globs);
    free(o->scheme_buf);
    memset(o, 0, sizeof *o);
}

int options_selects(const cli_opts *o, int fi, const char *name)
{
    if (fi >= 0 && fi < o->nfiles && o->files[fi].tensor &&
        !util_glob(o->files[fi].tensor, name))
        return 0;
    if (o->nglobs == 0)
        return 1;
    for (int i = 0; i < o->nglobs; i++)
        if (util_glob(o->globs[i], name))
            return 1;
    return 0;
}
