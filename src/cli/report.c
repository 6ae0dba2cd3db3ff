/*
 * report.c - --report, --levels and --sweep (report.h).
 *
 * Tensors are processed one at a time (read, prepare, evaluate, print,
 * free) so memory tracks the largest tensor, not the file. JSON is built
 * with jansson and printed once at the end.
 */
#include "config.h"
#include "cli/report.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/session.h"
#include "core/par.h"
#include "quant/analyze.h"
#include "quant/group.h"
#include "quant/prep_group.h"

static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* ASCII only: every non-ASCII character as \uXXXX, so a C1 control or a
 * bidi override in a name is as harmless as the C0 controls jansson always
 * escapes (the document is the same to a JSON parser). */
static void print_json(json_t *doc)
{
    char *s = json_dumps(doc, JSON_REAL_PRECISION(17) | JSON_ENSURE_ASCII);
    if (s) {
        fputs(s, stdout);
        fputc('\n', stdout);
        free(s);
    }
    json_decref(doc);
}

static const char *csvnum(char *buf, size_t len, double v)
{
    if (!isfinite(v)) {
        snprintf(buf, len, "%s", isnan(v) ? "" : v > 0 ? "inf" : "-inf");
        return buf;
    }
    return util_fmt_exact(buf, len, v);
}

/* A string from a file (or a path) as a JSON string: exact when it is
 * valid UTF-8 (jansson escapes the controls itself), else its escaped form
 * (util_escape), which is, so no tensor or entry is ever dropped. */
static json_t *jstr(const char *s)
{
    json_t *j = json_string(s);
    if (!j) {
        char *e = util_escape_dup(s);
        j = json_string(e);
        free(e);
    }
    return j ? j : json_string("");
}

static int utf8_ok(const char *s)
{
    json_t *j = json_string(s);
    json_decref(j);
    return j != NULL;
}

static void jset_key(json_t *obj, const char *key, json_t *v)
{
    if (utf8_ok(key)) {
        json_object_set_new(obj, key, v);
        return;
    }
    char *e = util_escape_dup(key);
    json_object_set_new(obj, e, v);
    free(e);
}

/* A file string printed in a table: its escaped form (util.h). */
static void out_esc(const char *s)
{
    char *e = util_escape_dup(s);
    fputs(e, stdout);
    free(e);
}

/* ---- --levels ----------------------------------------------------------- */

int report_levels(const cli_opts *o)
{
    json_t *arr = o->format == FMT_JSON ? json_array() : NULL;
    if (o->format == FMT_CSV)
        printf("scheme,bits,signed,index,value,terms\n");
    for (int i = 0; i < o->nschemes; i++) {
        levelset ls;
        util_err err = { { 0 } };
        if (levels_build(o->schemes[i], o->cfg.bits, o->cfg.is_signed, &o->cfg.lprm, &ls, &err) < 0) {
            fprintf(stderr, "apotview: %s\n", err.msg);
            json_decref(arr);
            return 1;
        }
        char buf[64];
        if (o->format == FMT_JSON) {
            json_t *vals = json_array();
            for (size_t k = 0; k < ls.n; k++)
                json_array_append_new(vals, json_real(ls.v[k]));
            json_t *terms = json_array();
            for (size_t k = 0; k < ls.n; k++)
                json_array_append_new(terms, json_integer(ls.terms[k]));
            json_array_append_new(arr, json_pack("{s:s, s:i, s:b, s:i, s:o, s:o}",
                "scheme", ls.scheme, "bits", ls.bits, "signed", ls.is_signed,
                "count", (int)ls.n, "values", vals, "terms", terms));
        } else if (o->format == FMT_CSV) {
            for (size_t k = 0; k < ls.n; k++)
                printf("%s,%d,%s,%zu,%s,%d\n", ls.scheme, ls.bits,
                       ls.is_signed ? "true" : "false", k, util_fmt_exact(buf, sizeof buf, ls.v[k]),
                       ls.terms[k]);
        } else {
            printf("%s, %d bits, %s: %zu levels\n", ls.scheme, ls.bits,
                   ls.is_signed ? "signed" : "unsigned", ls.n);
            /* Wrap values at about 72 columns. */
            int col = 0;
            for (size_t k = 0; k < ls.n; k++) {
                char item[48];
                int w = snprintf(item, sizeof item, "%s%s", k ? " " : "",
                                 util_fmt_exact(buf, sizeof buf, ls.v[k]));
                if (col + w > 74 && col > 0) {
                    printf("\n ");
                    col = 1;
                    w = snprintf(item, sizeof item, "%s", buf);
                }
                if (col == 0) {
                    printf(" ");
                    col = 1;
                }
                fputs(item, stdout);
                col += w;
            }
            printf("\n%s", i + 1 < o->nschemes ? "\n" : "");
        }
        levels_free(&ls);
    }
    if (arr)
        print_json(json_pack("{s:o}", "levels", arr));
    return 0;
}

/* ---- --report / --sweep --------------------------------------------------- */

typedef struct rowdef {
    const char *label;
    int best;        /* -1 lower is better, +1 higher, 0 no marking */
} rowdef;

enum { R_ALPHA, R_MSE, R_SQNR, R_MAXERR, R_CLIP, R_ENT, R_USED, R_ADDS, R_WORST, R_REL, R_OPT,
       R_GAP, R_BPW, R_N };
static const rowdef rows[R_N] = {
    [R_ALPHA] = { "alpha", 0 },
    [R_MSE] = { "mse", -1 },
    [R_SQNR] = { "sqnr dB", +1 },
    [R_MAXERR] = { "max |err|", -1 },
    [R_CLIP] = { "clipped", 0 },
    [R_ENT] = { "entropy bits", 0 },
    [R_USED] = { "levels used", 0 },
    [R_ADDS] = { "adds/MAC mean", -1 },
    [R_WORST] = { "adds worst", -1 },
    [R_REL] = { "vs uniform", -1 },
    [R_OPT] = { "mse-opt alpha", 0 },
    [R_GAP] = { "gap to opt dB", -1 },
    [R_BPW] = { "bits/weight", 0 },
};

static double row_value(const analyze_result *a, int r)
{
    switch (r) {
    case R_ALPHA: return a->r.alpha;
    case R_MSE: return a->r.mse;
    case R_SQNR: return a->r.sqnr_db;
    case R_MAXERR: return a->r.max_abs_err;
    case R_CLIP: return a->r.clipped;
    case R_ENT: return a->r.entropy_bits;
    case R_USED: return (double)a->r.levels_used;
    case R_ADDS: return a->r.adds_mean;
    case R_WORST: return a->r.adds_worst < 0 ? NAN : a->r.adds_worst;
    case R_REL: return a->relative_to_uniform;
    case R_OPT: return a->opt_alpha;
    case R_GAP: return a->gap_to_optimal_db;
    case R_BPW: return a->bpw;
    }
    return NAN;
}

static void fmt_cell(char *buf, size_t len, const analyze_result *a, int r)
{
    char t[48];
    if (!a->ok) {
        snprintf(buf, len, "-");
        return;
    }
    double v = row_value(a, r);
    switch (r) {
    case R_CLIP:
        snprintf(buf, len, "%.3g%%", 100 * v);
        break;
    case R_SQNR:
    case R_ENT:
    case R_ADDS:
    case R_REL:
        if (isfinite(v))
            snprintf(buf, len, "%.3f", v);
        else
            snprintf(buf, len, "%s", isnan(v) ? "-" : v > 0 ? "inf" : "-inf");
        break;
    case R_USED:
        snprintf(buf, len, "%llu/%llu", (unsigned long long)a->r.levels_used,
                 (unsigned long long)a->r.levels_total);
        break;
    case R_WORST:
        if (a->r.adds_worst < 0)
            snprintf(buf, len, "-");
        else
            snprintf(buf, len, "%d", a->r.adds_worst);
        break;
    case R_GAP:
        snprintf(buf, len, isfinite(v) ? "%.3f" : "-", v);
        break;
    case R_BPW:
        snprintf(buf, len, isfinite(v) ? "%.4g" : "-", v);
        break;
    default:
        snprintf(buf, len, "%s", isnan(v) ? "-" : util_fmt_si(t, sizeof t, v, 4));
    }
}

/* "  mean X  std X  min X  max X  kurtosis X" (no newline). */
static void print_stats(const prep_stats *st)
{
    char a[32], b[32], c[32], d[32];
    printf("  mean %s  std %s  min %s  max %s  kurtosis %.3g",
           util_fmt_si(a, sizeof a, st->mean, 4), util_fmt_si(b, sizeof b, st->std, 4),
           util_fmt_si(c, sizeof c, st->min, 4), util_fmt_si(d, sizeof d, st->max, 4),
           st->kurtosis);
}

static void print_table_tensor(const loader_file *f, const loader_tensor *lt, const prep_stats *st,
                               const cli_opts *o, const analyze_result *res, int nres,
                               const double *alphas, double *const *sweep, int hist)
{
    char shape[256], a[32], b[32];
    session_shape_str(lt, shape, sizeof shape);
    out_esc(lt->name);
    fputs("  (", stdout);
    out_esc(f->path);
    fputs(")\n", stdout);
    printf("  %s %s  %s values", loader_dtype_name(lt), shape,
           util_fmt_si(a, sizeof a, (double)lt->count, 4));
    if (st->nonfinite)
        printf("  (%llu non-finite left out)", (unsigned long long)st->nonfinite);
    printf("\n");
    if (st->n == 0) {
        printf("  no finite values\n\n");
        return;
    }
    print_stats(st);
    printf("\n");
    printf("  %d bits %s, alpha %s, normalize %s, scales per %s%s\n", o->cfg.bits,
           o->cfg.is_signed ? "signed" : "unsigned",
           o->cfg.amode == ALPHA_VALUE ? util_fmt_exact(a, sizeof a, o->cfg.alpha)
                                       : analyze_alpha_mode_name(o->cfg.amode),
           o->cfg.normalize ? "on" : "off", analyze_granularity_name(&o->cfg),
           hist ? ", histogram engine" : "");
    printf("  %-14s", "");
    for (int i = 0; i < nres; i++)
        printf(" %11s", res[i].scheme);
    printf("\n");
    for (int r = 0; r < R_N; r++) {
        if (r == R_OPT && o->cfg.amode == ALPHA_MSE)
            continue;
        int best = -1;
        if (rows[r].best && nres > 1) {
            for (int i = 0; i < nres; i++) {
                double v = row_value(&res[i], r);
                /* never the star on an inf where lower is better (an mse
                 * beyond DBL_MAX: the sqnr row still tells) */
                if (!res[i].ok || isnan(v) || (rows[r].best < 0 && !isfinite(v)))
                    continue;
                if (best < 0 || (rows[r].best < 0 ? v < row_value(&res[best], r)
                                                  : v > row_value(&res[best], r)))
                    best = i;
            }
        }
        printf("  %-14s", rows[r].label);
        for (int i = 0; i < nres; i++) {
            char cell[48];
            fmt_cell(cell, sizeof cell, &res[i], r);
            printf(" %10s%c", cell, i == best ? '*' : ' ');
        }
        printf("\n");
    }
    for (int i = 0; i < nres; i++)
        if (!res[i].ok) {
            printf("  %s: ", res[i].scheme);
            util_fput_msg(stdout, res[i].err);
            putchar('\n');
        }
    if (sweep) {
        printf("\n  %-14s", "alpha");
        for (int i = 0; i < nres; i++)
            printf(" %11s", res[i].scheme);
        printf("\n");
        for (int k = 0; k < o->sweep_n; k++) {
            printf("  %-14s", util_fmt_si(a, sizeof a, alphas[k], 5));
            for (int i = 0; i < nres; i++)
                printf(" %11s", sweep[i] ? util_fmt_si(b, sizeof b, sweep[i][k], 4) : "-");
            printf("\n");
        }
    }
    printf("\n");
}

static const char csv_header[] =
    "file,name,dtype,shape,count,nonfinite,mean,std,min,max,absmax,kurtosis,"
    "scheme,bits,signed,normalize,alpha_mode,alpha,mse,sqnr_db,max_abs_err,clipped,"
    "entropy_bits,levels_used,levels_total,adds_mean,adds_worst,shifts_mean,relative_to_uniform,"
    "gap_to_optimal_db,bpw,granularity,scale_dtype\n";

static void print_csv_tensor(const loader_file *f, const loader_tensor *lt, const prep_stats *st,
                             const cli_opts *o, const analyze_result *res, int nres,
                             const double *alphas, double *const *sweep)
{
    char shape[256], b[14][40];
    size_t j = 0;
    for (int i = 0; i < lt->ndim; i++)
        j += (size_t)snprintf(shape + j, sizeof shape - j, "%s%llu", i ? "x" : "",
                              (unsigned long long)lt->shape[i]);
    if (lt->ndim == 0)
        shape[0] = '\0';
    for (int i = 0; i < nres; i++) {
        const analyze_result *a = &res[i];
        if (sweep) {
            for (int k = 0; k < o->sweep_n; k++) {
                util_csv_field(stdout, f->path);
                putchar(',');
                util_csv_field(stdout, lt->name);
                printf(",%s,%d,%s,%s,%s,%s\n", a->scheme, o->cfg.bits,
                       o->cfg.is_signed ? "true" : "false", o->cfg.normalize ? "true" : "false",
                       csvnum(b[0], 40, alphas[k]),
                       csvnum(b[1], 40, sweep[i] ? sweep[i][k] : NAN));
            }
            continue;
        }
        util_csv_field(stdout, f->path);
        putchar(',');
        util_csv_field(stdout, lt->name);
        printf(",%s,%s,%llu,%llu,%s,%s,%s,%s,%s,%s,", dtype_name(lt->dtype), shape,
               (unsigned long long)lt->count, (unsigned long long)st->nonfinite,
               csvnum(b[0], 40, st->n ? st->mean : NAN), csvnum(b[1], 40, st->n ? st->std : NAN),
               csvnum(b[2], 40, st->n ? st->min : NAN), csvnum(b[3], 40, st->n ? st->max : NAN),
               csvnum(b[4], 40, st->n ? st->absmax : NAN),
               csvnum(b[5], 40, st->n ? st->kurtosis : NAN));
        printf("%s,%d,%s,%s,%s,", a->scheme, o->cfg.bits, o->cfg.is_signed ? "true" : "false",
               o->cfg.normalize ? "true" : "false", analyze_alpha_mode_name(o->cfg.amode));
        if (!a->ok) {
            printf(",,,,,,,,,,,,,,%s,\n", a->granularity ? a->granularity : "");
            continue;
        }
        printf("%s,%s,%s,%s,%s,%s,%llu,%llu,%s,%s,%s,%s,", csvnum(b[6], 40, a->r.alpha),
               csvnum(b[7], 40, a->r.mse), csvnum(b[8], 40, a->r.sqnr_db),
               csvnum(b[9], 40, a->r.max_abs_err), csvnum(b[10], 40, a->r.clipped),
               csvnum(b[11], 40, a->r.entropy_bits), (unsigned long long)a->r.levels_used,
               (unsigned long long)a->r.levels_total, csvnum(b[12], 40, a->r.adds_mean),
               csvnum(b[1], 40, a->r.adds_worst < 0 ? NAN : a->r.adds_worst),
               csvnum(b[13], 40, a->r.shifts_mean), csvnum(b[0], 40, a->relative_to_uniform));
        printf("%s,%s,%s,%s\n", csvnum(b[2], 40, a->gap_to_optimal_db), csvnum(b[3], 40, a->bpw),
               a->granularity ? a->granularity : "", a->scale_dtype ? a->scale_dtype : "");
    }
}

static json_t *json_tensor(const loader_file *f, const loader_tensor *lt, const prep_stats *st,
                           const cli_opts *o, const analyze_result *res, int nres,
                           const double *alphas, double *const *sweep)
{
    json_t *shape = json_array();
    for (int i = 0; i < lt->ndim; i++)
        json_array_append_new(shape, json_integer((json_int_t)lt->shape[i]));
    int have = st->n > 0;
    json_t *stats = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
        "mean", have ? jnum(st->mean) : json_null(),
        "std", have ? jnum(st->std) : json_null(),
        "min", have ? jnum(st->min) : json_null(),
        "max", have ? jnum(st->max) : json_null(),
        "absmax", have ? jnum(st->absmax) : json_null(),
        "kurtosis", have ? jnum(st->kurtosis) : json_null());
    json_t *results = json_array();
    for (int i = 0; i < nres; i++) {
        const analyze_result *a = &res[i];
        json_t *r = json_pack("{s:s, s:i, s:b, s:b, s:s}", "scheme", a->scheme,
                              "bits", o->cfg.bits, "signed", o->cfg.is_signed,
                              "normalize", o->cfg.normalize,
                              "alpha_mode", analyze_alpha_mode_name(o->cfg.amode));
        if (a->ok) {
            json_object_set_new(r, "alpha", jnum(a->r.alpha));
            json_object_set_new(r, "mse", jnum(a->r.mse));
            json_object_set_new(r, "sqnr_db", jnum(a->r.sqnr_db));
            json_object_set_new(r, "max_abs_err", jnum(a->r.max_abs_err));
            json_object_set_new(r, "clipped", jnum(a->r.clipped));
            json_object_set_new(r, "entropy_bits", jnum(a->r.entropy_bits));
            json_object_set_new(r, "levels_used", json_integer((json_int_t)a->r.levels_used));
            json_object_set_new(r, "levels_total", json_integer((json_int_t)a->r.levels_total));
            json_object_set_new(r, "gap_to_optimal_db", jnum(a->gap_to_optimal_db));
            json_object_set_new(r, "bpw", jnum(a->bpw));
            json_object_set_new(r, "granularity", json_string(a->granularity ? a->granularity : "tensor"));
            json_object_set_new(r, "scale_dtype", a->scale_dtype ? json_string(a->scale_dtype) : json_null());
            json_object_set_new(r, "cost", json_pack("{s:o, s:o, s:o, s:o}",
                "adds_mean", jnum(a->r.adds_mean),
                "adds_worst", a->r.adds_worst < 0 ? json_null() : json_integer(a->r.adds_worst),
                "shifts_mean", jnum(a->r.shifts_mean),
                "relative_to_uniform", jnum(a->relative_to_uniform)));
            if (isfinite(a->opt_alpha)) {
                json_object_set_new(r, "opt_alpha", jnum(a->opt_alpha));
                json_object_set_new(r, "opt_mse", jnum(a->opt_mse));
            }
        } else
            json_object_set_new(r, "error", jstr(a->err));
        if (sweep) {
            json_t *sw = json_array();
            for (int k = 0; k < o->sweep_n; k++)
                json_array_append_new(sw, json_pack("{s:o, s:o}", "alpha", jnum(alphas[k]),
                                                    "mse", jnum(sweep[i] ? sweep[i][k] : NAN)));
            json_object_set_new(r, "sweep", sw);
        }
        json_array_append_new(results, r);
    }
    json_t *jt = json_pack("{s:o, s:o, s:s, s:o, s:I, s:I, s:o, s:o}",
        "file", jstr(f->path), "name", jstr(lt->name), "dtype", loader_dtype_name(lt),
        "shape", shape, "count", (json_int_t)lt->count,
        "nonfinite", (json_int_t)st->nonfinite, "stats", stats, "results", results);
    if (!utf8_ok(lt->name))
        json_object_set_new(jt, "name_escaped", json_true());
    return jt;
}

/* ---- the whole-model report: parallel, memory-bounded ------------------- */

typedef struct titem {
    int file;
    size_t tensor;
    int ok;
    prep_stats st;
    analyze_result res[OPTIONS_MAX_SCHEMES];
    double *sweep[OPTIONS_MAX_SCHEMES];
    uint64_t cost;           /* bytes the preparation holds at its peak */
    int hist;                /* the histogram engine prepares it */
    const prep_ops *engine;  /* report_engine() */
    int threads;             /* threads for its passes (histogram engine) */
} titem;

typedef struct pool {
    const cli_opts *o;
    session *s;
    titem *items;
    size_t *order;           /* processing order: largest first */
    size_t n, next;
    const double *alphas;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_mutex_t *file_mu; /* loaders need not be thread-safe */
    pthread_t main;          /* the thread that runs the report (one worker) */
    uint64_t inflight, budget;
    int failed;
    /* a progress line on a terminal's stderr for long reports */
    int progress;
    double t0, shown;
    size_t done;
    uint64_t values_done, values_total;
} pool;

/* "12/54 tensors, 301.2M of 302.0M values" once the report has run for half
 * a second, refreshed at most every 0.2 s; called with mu held. */
static void progress_tick(pool *pl)
{
    if (!pl->progress)
        return;
    double now = util_now();
    if (now - pl->t0 < 0.5 || now - pl->shown < 0.2)
        return;
    pl->shown = now;
    char a[32], b[32];
    fprintf(stderr, "\r%zu/%zu tensors, %s of %s values ", pl->done, pl->n,
            util_fmt_si(a, sizeof a, (double)pl->values_done, 4),
            util_fmt_si(b, sizeof b, (double)pl->values_total, 4));
    fflush(stderr);
}

/* A message on stderr from a worker: it takes the place of the progress
 * line (cleared first when one is shown), which comes back at the next
 * tick. */
__attribute__((format(printf, 2, 3))) static void pool_error(pool *pl, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char msg[2 * UTIL_ERRLEN];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&pl->mu);
    if (pl->shown > 0)
        fprintf(stderr, "\r%60s\r", "");
    util_fput_msg(stderr, msg);   /* names and file strings sanitized */
    pthread_mutex_unlock(&pl->mu);
}

typedef struct held held;
static void process_prep(pool *pl, titem *it, prep *p, held *hd);

/* What the answers for this tensor need of an engine (prep.h): exact mse
 * curves (--sweep) and quantiles (percentile, kl, aciq), values that are
 * not floats, very many values, the C order (per-channel/group scales, MX
 * blocks). */
static unsigned report_needs(const cli_opts *o, const loader_tensor *lt, int sweep)
{
    unsigned need = 0;
    if (sweep)
        need |= PREP_CAP_EXACT;
    switch (o->cfg.amode) {
    case ALPHA_PERCENTILE:
    case ALPHA_KL:
    case ALPHA_ACIQ:
        need |= PREP_CAP_EXACT;
        break;
    default:
        break;
    }
    if (!dtype_fits_float(lt->dtype))
        need |= PREP_CAP_DOUBLE;
    if (lt->count >= PREP_LARGE)
        need |= PREP_CAP_LARGE;
    if (group_needed(&o->cfg, o->schemes, o->nschemes))
        need |= PREP_CAP_GROUP;
    return need;
}

/* The engine that prepares this tensor: among those that can answer
 * everything asked, the one --engine names, else the one for its size. An
 * unreadable tensor goes to the sorted engine, which reports the error. */
static const prep_ops *report_engine(const cli_opts *o, const loader_tensor *lt, int sweep)
{
    const char *name = strcmp(o->engine, "auto") == 0 ? NULL : o->engine;
    const prep_ops *e = prep_engine_pick(name, report_needs(o, lt, sweep), lt->count);
    /* the histogram engine reads the tensor where it lies */
    if (!e || (e == &prep_hist_ops && !lt->readable))
        e = &prep_sorted_ops;
    return e;
}

/* The group engines start their own threads (group.h): cfg->nthreads
 * threads in all, this one and the returned number of slots taken from
 * the budget (par.h), which the caller releases after the analysis. */
static int group_threads(analyze_cfg *cfg, uint64_t count)
{
    int extra = count >= GROUP_THREAD_MIN ? par_acquire(par_budget() - 1) : 0;
    cfg->nthreads = 1 + extra;
    return extra;
}

/* What a histogram prep reads from, held until it is freed. */
struct held {
    loader_rawview rv;
    int have_raw;
    const loader_tensor *t;
    size_t esz;
    void *buf;
};

static void convert_raw(void *ctx, uint64_t first, uint64_t n, float *dst)
{
    const held *h = ctx;
    loader_tensor tt = *h->t;
    tt.count = n;
    tt.ndim = 1;
    tt.shape[0] = n;
    tt.fortran_order = 0;
    loader_convert(&tt, h->rv.data + first * h->esz, dst, 0);
}

static int host_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static prep *prepare_histogram(pool *pl, titem *it, held *h, util_err *err)
{
    loader_file *f = pl->s->files[it->file];
    const loader_tensor *lt = &f->tensors[it->tensor];
    prep_source src = { NULL, NULL, NULL, lt->count, NULL, NULL };
    memset(h, 0, sizeof *h);
    pthread_mutex_lock(&pl->file_mu[it->file]);
    h->have_raw = loader_raw(f, it->tensor, &h->rv) == 0;
    if (!h->have_raw)
        h->buf = session_read(f, it->tensor, 0, err);
    pthread_mutex_unlock(&pl->file_mu[it->file]);
    if (h->have_raw) {
        h->t = lt;
        h->esz = dtype_size(lt->dtype);
        loader_willneed(h->rv.map, h->rv.offset, h->rv.nbytes);
        if (lt->dtype == DT_F32 && !lt->big_endian && host_little_endian())
            src.f32 = h->rv.data;   /* read in place: the host's own floats */
        else if (h->esz == 2) {
            /* bfloat16, float16, int16, uint16: the value of every code */
            src.codes16 = h->rv.data;
            src.code_value = session_code_values(lt->dtype, lt->big_endian);
        } else {
            src.convert = convert_raw;
            src.ctx = h;
        }
    } else if (h->buf)
        src.f32 = h->buf;
    else
        return NULL;
    return prep_create_summary(&src, it->threads, err);
}

/* Free a prep and let go of what it read. */
static void done_prep(prep *p, held *h)
{
    prep_free(p);
    if (h->have_raw)
        loader_release(h->rv.map, h->rv.offset, h->rv.nbytes);
    free(h->buf);
    memset(h, 0, sizeof *h);
}

/* Per-group scales of a 2-byte type read in place (gq.h), beside the
 * histogram engine's prep of the same view (codes counted, not sorted);
 * 0 when the tensor has no raw view. */
static int process_codes(pool *pl, titem *it)
{
    const cli_opts *o = pl->o;
    loader_file *f = pl->s->files[it->file];
    const loader_tensor *lt = &f->tensors[it->tensor];
    loader_rawview rv;
    pthread_mutex_lock(&pl->file_mu[it->file]);
    int have = loader_raw(f, it->tensor, &rv) == 0;
    analyze_cfg gcfg = o->cfg;
    int have_alpha = 1;
    if (have && gcfg.amode == ALPHA_FILE)
        have_alpha = loader_sibling_alpha(f, it->tensor, &gcfg.alpha) == 0 && gcfg.alpha > 0;
    pthread_mutex_unlock(&pl->file_mu[it->file]);
    if (!have)
        return 0;
    util_err err = { { 0 } };
    held hd;
    prep *p = prepare_histogram(pl, it, &hd, &err);
    if (!p || !hd.have_raw) {
        if (p)
            done_prep(p, &hd);
        else
            done_prep(NULL, &hd);
        return 0;
    }
    if (have_alpha) {
        group_codes cd = { hd.rv.data, session_code_values(lt->dtype, lt->big_endian),
                           lt->dtype == DT_BF16 && !lt->big_endian };
        group_tensor gt = { NULL, 0, lt->ndim, lt->shape, lt->count };
        int extra = group_threads(&gcfg, lt->count);
        prep *g = prep_create_group(&gt, &cd, &gcfg, o->schemes, o->nschemes);
        par_release(extra);
        prep_group_attach(g, p);
        p = g;
    }
    process_prep(pl, it, p, &hd);
    return 1;
}

static void process(pool *pl, titem *it)
{
    const cli_opts *o = pl->o;
    loader_file *f = pl->s->files[it->file];
    const loader_tensor *lt = &f->tensors[it->tensor];
    util_err err = { { 0 } };
    held hd;
    memset(&hd, 0, sizeof hd);
    if (it->hist) {
        prep *hp = prepare_histogram(pl, it, &hd, &err);
        if (!hp) {
            pool_error(pl, "apotview: %s\n", err.msg);
            done_prep(NULL, &hd);
            pl->failed = 1;
            return;
        }
        process_prep(pl, it, hp, &hd);
        return;
    }
    const int group = it->engine == &prep_group_ops;
    if (!group) {
        /* a 2-byte type in place: its codes are counted, not sorted */
        int done;
        prep *pc = session_prepare_codes(f, it->tensor, NULL, &err, &done);
        if (done) {
            if (!pc) {
                pool_error(pl, "apotview: %s\n", err.msg);
                pl->failed = 1;
                return;
            }
            process_prep(pl, it, pc, &hd);
            return;
        }
    }
    if (group && dtype_size(lt->dtype) == 2 && dtype_fits_float(lt->dtype) && process_codes(pl, it))
        return;
    pthread_mutex_lock(&pl->file_mu[it->file]);
    int as_double = !dtype_fits_float(lt->dtype);
    void *buf = session_read(f, it->tensor, as_double, &err);
    pthread_mutex_unlock(&pl->file_mu[it->file]);
    /* Per-channel/per-group scales and MX blocks need the C order: the
     * group engine reads the buffer before prep_create_* sorts it in place
     * (prep_group.h). */
    prep *g = NULL;
    if (buf && group) {
        analyze_cfg gcfg = o->cfg;
        int have = 1;
        if (gcfg.amode == ALPHA_FILE) {
            pthread_mutex_lock(&pl->file_mu[it->file]);
            have = loader_sibling_alpha(f, it->tensor, &gcfg.alpha) == 0 && gcfg.alpha > 0;
            pthread_mutex_unlock(&pl->file_mu[it->file]);
        }
        group_tensor gt = { buf, as_double, lt->ndim, lt->shape, lt->count };
        if (have) {
            int extra = group_threads(&gcfg, lt->count);
            g = prep_create_group(&gt, NULL, &gcfg, o->schemes, o->nschemes);
            par_release(extra);
        }
    }
    prep *p = NULL;
    if (buf)
        p = as_double ? prep_create_double(buf, lt->count, NULL, &err)
                      : prep_create_float(buf, lt->count, NULL, &err);
    if (!p) {
        pool_error(pl, "apotview: %s\n", err.msg);
        prep_free(g);
        pl->failed = 1;
        return;
    }
    if (g) {
        prep_group_attach(g, p);
        p = g;
    }
    process_prep(pl, it, p, &hd);
}

/* Analyze a prepared tensor (any engine) into it->res, with one query for
 * all that is asked of it (prep.h): what the analysis resolved serves the
 * rest. */
static void process_prep(pool *pl, titem *it, prep *p, held *hd)
{
    const cli_opts *o = pl->o;
    loader_file *f = pl->s->files[it->file];
    const loader_tensor *lt = &f->tensors[it->tensor];
    util_err err = { { 0 } };
    it->st = p->st;
    int nres = o->nschemes;
    analyze_cfg cfg = o->cfg;
    if (cfg.amode == ALPHA_FILE && p->st.n > 0) {
        /* --alpha=file: the alpha stored beside this weight (loader.h). */
        pthread_mutex_lock(&pl->file_mu[it->file]);
        int have = loader_sibling_alpha(f, it->tensor, &cfg.alpha) == 0 && cfg.alpha > 0;
        pthread_mutex_unlock(&pl->file_mu[it->file]);
        if (!have) {
            char *sn = loader_sibling_alpha_name(f, it->tensor);
            char *ep = util_escape_dup(f->path), *en = util_escape_dup(lt->name);
            char *es = sn ? util_escape_dup(sn) : NULL;
            pool_error(pl, "apotview: %s: %s: --alpha=file: no stored alpha (%s%s%s); not quantized\n",
                    ep, en, sn ? "no positive 1-element tensor " : "not a '.weight' tensor",
                    es ? es : "", sn ? " in the file" : "");
            for (int i = 0; i < nres; i++) {
                memset(&it->res[i], 0, sizeof it->res[i]);
                it->res[i].scheme = o->schemes[i];
                snprintf(it->res[i].err, sizeof it->res[i].err, "no stored alpha%s%s",
                         sn ? " " : "", es ? es : "");
            }
            free(sn);
            free(es);
            free(ep);
            free(en);
            done_prep(p, hd);
            it->ok = 1;
            return;
        }
    }
    prep_query *q = prep_query_new(p);
    if (p->st.n == 0) {
        for (int i = 0; i < nres; i++) {
            memset(&it->res[i], 0, sizeof it->res[i]);
            it->res[i].scheme = o->schemes[i];
            snprintf(it->res[i].err, sizeof it->res[i].err, "no finite values");
        }
    } else if ((cfg.gran == GRAN_TENSOR || (p->caps & PREP_CAP_GROUP)) &&
               analyze_tensor_q(p, q, &cfg, o->schemes, nres, 0, it->res, &err) < 0) {
        char *ep = util_escape_dup(f->path), *en = util_escape_dup(lt->name);
        pool_error(pl, "apotview: %s: %s: %s\n", ep, en, err.msg);
        free(ep);
        free(en);
        pl->failed = 1;
        prep_query_free(q);
        done_prep(p, hd);
        return;
    }
    prep_query_free(q);
    if (pl->alphas && p->st.n > 0)
        for (int i = 0; i < nres; i++) {
            levelset ls;
            util_err e2 = { { 0 } };
            if (levels_build(it->res[i].scheme, o->cfg.bits, o->cfg.is_signed, &o->cfg.lprm, &ls, &e2) < 0)
                continue;
            it->sweep[i] = util_mallocarray((size_t)o->sweep_n, sizeof **it->sweep);
            eval_curve(p, &ls, o->cfg.normalize, pl->alphas, o->sweep_n, it->sweep[i]);
            levels_free(&ls);
        }
    done_prep(p, hd);
    it->ok = 1;
}

static void *worker(void *arg)
{
    pool *pl = arg;
    for (;;) {
        pthread_mutex_lock(&pl->mu);
        if (pl->next >= pl->n) {
            pthread_mutex_unlock(&pl->mu);
            prep_summary_thread_done();
            if (!pthread_equal(pthread_self(), pl->main))
                par_release(1);   /* its slot, for the passes still running */
            return NULL;
        }
        titem *it = &pl->items[pl->order[pl->next++]];
        /* Start only when the memory budget allows (the largest tensor
         * always fits alone), so peak memory tracks the largest tensor. */
        while (pl->inflight > 0 && pl->inflight + it->cost > pl->budget)
            pthread_cond_wait(&pl->cv, &pl->mu);
        pl->inflight += it->cost;
        pthread_mutex_unlock(&pl->mu);
        process(pl, it);
        pthread_mutex_lock(&pl->mu);
        pl->done++;
        pl->values_done += pl->s->files[it->file]->tensors[it->tensor].count;
        progress_tick(pl);
        pl->inflight -= it->cost;
        pthread_cond_broadcast(&pl->cv);
        pthread_mutex_unlock(&pl->mu);
    }
}

/* processing order: the costliest first, so the last ones to finish are
 * small (ties: file order) */
static const titem *order_items;

static int cmp_cost(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    uint64_t cx = order_items[x].cost, cy = order_items[y].cost;
    if (cx != cy)
        return cx > cy ? -1 : 1;
    return x < y ? -1 : x > y;
}

static const cli_opts *sort_opts;
static const session *sort_session;

static const loader_tensor *item_desc(const titem *it)
{
    return &sort_session->files[it->file]->tensors[it->tensor];
}

/* error: the first scheme's SQNR, worst (lowest) first */
static int cmp_items(const void *a, const void *b)
{
    const titem *x = a, *y = b;
    const char *k = sort_opts->sort;
    int r = 0;
    if (strcmp(k, "name") == 0)
        r = strcmp(item_desc(x)->name, item_desc(y)->name);
    else if (strcmp(k, "size") == 0)
        r = (item_desc(x)->count < item_desc(y)->count) - (item_desc(x)->count > item_desc(y)->count);
    else if (strcmp(k, "error") == 0) {
        double ex = x->ok && x->res[0].ok ? x->res[0].r.sqnr_db : INFINITY;
        double ey = y->ok && y->res[0].ok ? y->res[0].r.sqnr_db : INFINITY;
        if (isnan(ex))
            ex = INFINITY;
        if (isnan(ey))
            ey = INFINITY;
        r = (ex > ey) - (ex < ey);
    }
    if (r == 0)
        r = (x->file > y->file) - (x->file < y->file);
    if (r == 0)
        r = (x->tensor > y->tensor) - (x->tensor < y->tensor);
    return r;
}

/* A sum of non-negative terms kept as m 2^e (m in [0.5, 1), or 0, or not
 * finite once a term was): finite where the sum is, whatever its size. */
typedef struct xsum {
    double m;
    int e;
} xsum;

static void xsum_add(xsum *s, double v, int e)
{
    if (v == 0)
        return;
    if (!isfinite(v) || !isfinite(s->m)) {
        s->m += v;
        return;
    }
    int ve;
    double vm = frexp(v, &ve);
    ve += e;
    if (s->m == 0) {
        s->m = vm;
        s->e = ve;
        return;
    }
    int E = s->e > ve ? s->e : ve, te;
    s->m = frexp(ldexp(s->m, s->e - E) + ldexp(vm, ve - E), &te);
    s->e = E + te;
}

typedef struct total {
    uint64_t n;
    double sse, sumsq, clipped, adds, uni_adds;
    xsum sse_x, sumsq_x;     /* the same sums, finite where they are */
    int wins;
    int valid;
} total;

/* Weighted mse and SQNR of a total: the plain sums while they are finite
 * (as they nearly always are), else the scaled ones; inf / NaN (null in
 * JSON) only where the true value is not a finite double. */
static double sqnr_of(double sumsq, double sse);

static double total_mse(const total *t)
{
    if (isfinite(t->sse))
        return t->sse / (double)t->n;
    return isfinite(t->sse_x.m) ? ldexp(t->sse_x.m / (double)t->n, t->sse_x.e) : t->sse_x.m;
}

static double total_sqnr(const total *t)
{
    if (isfinite(t->sse) && isfinite(t->sumsq))
        return sqnr_of(t->sumsq, t->sse);
    const xsum *a = &t->sumsq_x, *b = &t->sse_x;
    if (!isfinite(a->m) || !isfinite(b->m))
        return NAN;
    if (b->m == 0)
        return a->m > 0 ? INFINITY : NAN;
    if (a->m == 0)
        return -INFINITY;
    return 10 * log10(a->m / b->m) + 10 * log10(2.0) * (double)(a->e - b->e);
}

static void add_totals(total *t, const titem *it, int nres)
{
    int best = -1;
    for (int i = 0; i < nres; i++) {
        const analyze_result *a = &it->res[i];
        if (!a->ok || a->r.n == 0)
            continue;
        double nn = (double)a->r.n;
        t[i].valid = 1;
        t[i].n += a->r.n;
        t[i].sse += a->r.mse * nn;
        t[i].sumsq += a->r.sumsq;
        if (isfinite(a->r.mse * nn) && isfinite(a->r.sumsq)) {
            xsum_add(&t[i].sse_x, a->r.mse * nn, 0);
            xsum_add(&t[i].sumsq_x, a->r.sumsq, 0);
        } else if (a->r.sse_u > 0 || a->r.sumsq_u > 0) {
            /* in units of 2^uexp: mse * n = sse_u 2^uexp (eval.h) */
            xsum_add(&t[i].sse_x, a->r.sse_u, a->r.uexp);
            xsum_add(&t[i].sumsq_x, a->r.sumsq_u, a->r.uexp);
        } else {
            xsum_add(&t[i].sse_x, a->r.mse * nn, 0);
            xsum_add(&t[i].sumsq_x, a->r.sumsq, 0);
        }
        t[i].clipped += a->r.clipped * nn;
        t[i].adds += a->r.adds_mean * nn;
        if (isfinite(a->relative_to_uniform) && a->relative_to_uniform > 0)
            t[i].uni_adds += a->r.adds_mean * nn / a->relative_to_uniform;
        if (isfinite(a->r.mse) && (best < 0 || a->r.mse < it->res[best].r.mse))
            best = i;
    }
    if (best >= 0)
        t[best].wins++;
}

static double sqnr_of(double sumsq, double sse)
{
    return sse > 0 ? 10 * log10(sumsq / sse) : (sumsq > 0 ? INFINITY : NAN);
}

/* Many schemes (e.g. --scheme=all): one row per scheme, ranked by mse, so
 * the table stays readable and says at once which scheme wins, by how much
 * it misses the optimum (gap) and what it costs in bits per weight. */
static int cmp_rank(const void *a, const void *b)
{
    const analyze_result *x = *(const analyze_result *const *)a, *y = *(const analyze_result *const *)b;
    int okx = x->ok && x->r.n > 0, oky = y->ok && y->r.n > 0;
    if (okx != oky)
        return oky - okx;
    if (!okx)
        return 0;
    return (x->r.mse > y->r.mse) - (x->r.mse < y->r.mse);
}

static void print_ranked(const loader_file *f, const loader_tensor *lt, const prep_stats *st,
                         const cli_opts *o, const analyze_result *res, int nres)
{
    char shape[256], a[32], b[32];
    session_shape_str(lt, shape, sizeof shape);
    out_esc(lt->name);
    fputs("  (", stdout);
    out_esc(f->path);
    printf(")  %s %s  %s values\n", loader_dtype_name(lt), shape,
           util_fmt_si(a, sizeof a, (double)lt->count, 4));
    if (st->n == 0) {
        printf("  no finite values\n\n");
        return;
    }
    print_stats(st);
    if (st->nonfinite)
        printf("  (%llu non-finite left out)", (unsigned long long)st->nonfinite);
    printf("\n");
    const analyze_result *order[OPTIONS_MAX_SCHEMES];
    for (int i = 0; i < nres; i++)
        order[i] = &res[i];
    qsort(order, (size_t)nres, sizeof *order, cmp_rank);
    printf("  %4s  %-12s %10s %10s %8s %8s %7s %9s %8s\n", "rank", "scheme", "alpha", "mse",
           "sqnr dB", "gap dB", "bits/w", "clipped", "adds/MAC");
    for (int i = 0; i < nres; i++) {
        const analyze_result *r = order[i];
        if (!r->ok || r->r.n == 0) {
            printf("  %4s  %-12s ", "-", r->scheme);
            util_fput_msg(stdout, r->err[0] ? r->err : "-");
            putchar('\n');
            continue;
        }
        char g[32], ad[32], cl[32];
        snprintf(g, sizeof g, isfinite(r->gap_to_optimal_db) ? "%.3f" : "-", r->gap_to_optimal_db);
        snprintf(ad, sizeof ad, isfinite(r->r.adds_mean) ? "%.3f" : "-", r->r.adds_mean);
        snprintf(cl, sizeof cl, "%.3g%%", 100 * r->r.clipped);
        printf("  %4d  %-12s %10s %10s %8.3f %8s %7.4g %9s %8s\n", i + 1, r->scheme,
               util_fmt_si(a, sizeof a, r->r.alpha, 4), util_fmt_si(b, sizeof b, r->r.mse, 4),
               r->r.sqnr_db, g, r->bpw, cl, ad);
    }
    printf("\n");
}

static void print_compact(const session *s, const cli_opts *o, const titem *items, size_t n,
                          const total *t)
{
    int nres = o->nschemes;
    size_t namew = 6;
    for (size_t i = 0; i < n; i++) {
        char *e = util_escape_dup(item_desc(&items[i])->name);
        size_t l = (size_t)util_text_width(e);
        free(e);
        if (l > namew)
            namew = l;
    }
    if (namew > 48)
        namew = 48;
    char *nb = util_malloc(namew * 4 + 16);
    printf("%d bits %s, alpha %s, normalize %s; mse per scheme (sqnr dB), * best\n",
           o->cfg.bits, o->cfg.is_signed ? "signed" : "unsigned",
           analyze_alpha_mode_name(o->cfg.amode), o->cfg.normalize ? "on" : "off");
    printf("%-*s %-18s %8s", (int)namew, "tensor", "shape", "count");
    for (int k = 0; k < nres; k++)
        printf(" %18s", o->schemes[k]);
    printf("\n");
    char a[48], b[48], shape[256];
    for (size_t i = 0; i < n; i++) {
        const titem *it = &items[i];
        const loader_tensor *lt = item_desc(it);
        session_shape_str(lt, shape, sizeof shape);
        if (lt->count < 10000)
            snprintf(a, sizeof a, "%llu", (unsigned long long)lt->count);
        else
            util_fmt_si(a, sizeof a, (double)lt->count, 4);
        /* names wider than the column keep their end (the distinct part) */
        printf("%s %-18s %8s", util_escape_fit(lt->name, (int)namew, 1, nb, namew * 4 + 16), shape, a);
        int best = -1;
        for (int k = 0; k < nres && it->ok; k++)
            if (it->res[k].ok && it->res[k].r.n && isfinite(it->res[k].r.mse) &&
                (best < 0 || it->res[k].r.mse < it->res[best].r.mse))
                best = k;
        for (int k = 0; k < nres; k++) {
            const analyze_result *r = &it->res[k];
            if (!it->ok || !r->ok || r->r.n == 0) {
                printf(" %18s", "-");
                continue;
            }
            char cell[64];
            snprintf(cell, sizeof cell, "%s (%.1f)%c", util_fmt_si(a, sizeof a, r->r.mse, 4),
                     r->r.sqnr_db, k == best ? '*' : ' ');
            printf(" %18s", cell);
        }
        printf("\n");
    }
    printf("%-*s %-18s %8s", (int)namew, "TOTAL", "weighted by count", "");
    for (int k = 0; k < nres; k++) {
        char cell[64];
        if (!t[k].valid)
            snprintf(cell, sizeof cell, "-");
        else
            snprintf(cell, sizeof cell, "%s (%.1f) ", util_fmt_si(a, sizeof a, total_mse(&t[k]), 4),
                     total_sqnr(&t[k]));
        printf(" %18s", cell);
    }
    printf("\n%-*s %-18s %8s", (int)namew, "", "wins", "");
    for (int k = 0; k < nres; k++) {
        snprintf(b, sizeof b, "%d/%zu ", t[k].wins, n);
        printf(" %18s", b);
    }
    printf("\n%-*s %-18s %8s", (int)namew, "", "adds/MAC vs uniform", "");
    for (int k = 0; k < nres; k++) {
        snprintf(b, sizeof b, "%.3f ", t[k].uni_adds > 0 ? t[k].adds / t[k].uni_adds : NAN);
        printf(" %18s", b);
    }
    printf("\n");
    size_t nh = 0;
    for (size_t i = 0; i < n; i++)
        nh += items[i].ok && items[i].hist;
    if (nh)
        printf("histogram engine for %zu of %zu tensors: alpha searched on exact bucket sums, every number\n"
               "exact at its alpha (--engine=sorted: the dense search on sorted values)\n",
               nh, n);
    free(nb);
    (void)s;
}

static json_t *json_totals(const cli_opts *o, const total *t, size_t ntensors)
{
    json_t *res = json_array();
    uint64_t n = 0;
    for (int k = 0; k < o->nschemes; k++) {
        if (!t[k].valid)
            continue;
        if (t[k].n > n)
            n = t[k].n;
        double nn = (double)t[k].n;
        json_array_append_new(res, json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:i}",
            "scheme", o->schemes[k], "mse", jnum(total_mse(&t[k])),
            "sqnr_db", jnum(total_sqnr(&t[k])), "clipped", jnum(t[k].clipped / nn),
            "adds_mean", jnum(t[k].adds / nn),
            "relative_to_uniform", jnum(t[k].uni_adds > 0 ? t[k].adds / t[k].uni_adds : NAN),
            "wins", t[k].wins));
    }
    return json_pack("{s:I, s:I, s:o}", "tensors", (json_int_t)ntensors, "count", (json_int_t)n,
                     "results", res);
}

/* The whole model in the ranked layout: mse and SQNR over all values
 * (weighted by element count) and how many tensors each scheme wins. */
static void print_ranked_totals(const cli_opts *o, const total *t, size_t ntensors)
{
    int idx[OPTIONS_MAX_SCHEMES], m = 0;
    for (int k = 0; k < o->nschemes; k++)
        if (t[k].valid)
            idx[m++] = k;
    for (int i = 1; i < m; i++) /* insertion sort by weighted mse */
        for (int j = i; j > 0; j--) {
            const total *x = &t[idx[j - 1]], *y = &t[idx[j]];
            if (total_mse(x) <= total_mse(y))
                break;
            int tmp = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = tmp;
        }
    char a[32];
    printf("TOTAL over %zu tensors, weighted by element count\n", ntensors);
    printf("  %4s  %-12s %10s %8s %6s\n", "rank", "scheme", "mse", "sqnr dB", "wins");
    for (int i = 0; i < m; i++) {
        const total *x = &t[idx[i]];
        printf("  %4d  %-12s %10s %8.3f %6d\n", i + 1, o->schemes[idx[i]],
               util_fmt_si(a, sizeof a, total_mse(x), 4), total_sqnr(x), x->wins);
    }
}

/* What a file holds besides tensors: safetensors __metadata__, GGUF
 * key/values, checkpoint scalars. Values longer than a line are cut. */
static void print_file_meta(const session *s)
{
    for (int i = 0; i < s->nfiles; i++) {
        const loader_file *f = s->files[i];
        if (f->nmeta == 0)
            continue;
        out_esc(f->path);
        printf("  (%s, %zu tensors, %zu metadata entries)\n", f->fmt->name, f->ntensors, f->nmeta);
        for (size_t k = 0; k < f->nmeta; k++) {
            /* key and value escaped; a value wider than 96 columns (in its
             * escaped form) is cut to 93 and "..." */
            char *v = util_escape_dup(f->meta[k].value);
            fputs("  ", stdout);
            out_esc(f->meta[k].key);
            fputs(": ", stdout);
            if (util_text_width(v) > 96) {
                char cut[93 * 4 + 8];
                util_escape_fit(f->meta[k].value, 93, 0, cut, sizeof cut);
                size_t cl = strlen(cut);
                while (cl > 0 && cut[cl - 1] == ' ' )
                    cut[--cl] = '\0';
                printf("%s...\n", cut);
            } else
                printf("%s\n", v);
            free(v);
        }
        printf("\n");
    }
}

static json_t *json_files(const session *s)
{
    json_t *files = json_array();
    for (int i = 0; i < s->nfiles; i++) {
        const loader_file *f = s->files[i];
        json_t *meta = json_object();
        for (size_t k = 0; k < f->nmeta; k++)
            jset_key(meta, f->meta[k].key, jstr(f->meta[k].value));
        json_array_append_new(files, json_pack("{s:o, s:s, s:I, s:o}", "file", jstr(f->path),
                                               "format", f->fmt->name,
                                               "tensors", (json_int_t)f->ntensors,
                                               "metadata", meta));
    }
    return files;
}

int report_run(const cli_opts *o)
{
    session s;
    int status = 0;
    session_open(&s, o, 0);
    if (s.failed)
        status = 1;
    double *alphas = NULL;
    if (o->mode == MODE_SWEEP) {
        alphas = util_mallocarray((size_t)o->sweep_n, sizeof *alphas);
        for (int k = 0; k < o->sweep_n; k++)
            alphas[k] = o->sweep_n == 1 ? o->sweep_a0
                        : o->sweep_a0 + (o->sweep_a1 - o->sweep_a0) * k / (o->sweep_n - 1);
        if (o->sweep_n > 1)
            alphas[o->sweep_n - 1] = o->sweep_a1;
    }
    /* Plan: one item per selected tensor, each with its memory cost. */
    titem *items = util_calloc(s.nitems ? s.nitems : 1, sizeof *items);
    uint64_t largest = 0, largest_bytes = 0, hist_total = 0;
    int jobs = o->jobs > 0 ? o->jobs : util_ncpus();
    for (size_t i = 0; i < s.nitems; i++) {
        items[i].file = s.items[i].file;
        items[i].tensor = s.items[i].tensor;
        loader_file *lf = s.files[items[i].file];
        const loader_tensor *lt = &lf->tensors[items[i].tensor];
        uint64_t esz = dtype_fits_float(lt->dtype) ? 4 : 8;
        uint64_t bytes = lt->count * (dtype_size(lt->dtype) ? dtype_size(lt->dtype) : 4);
        items[i].engine = report_engine(o, lt, alphas != NULL);
        items[i].hist = items[i].engine == &prep_hist_ops;
        if (items[i].hist) {
            /* its pages while the passes run (or a float copy when the
             * format cannot lend them) plus the buckets */
            loader_rawview rv;
            items[i].cost = (loader_raw(lf, items[i].tensor, &rv) == 0 ? bytes : lt->count * 4) +
                            ((uint64_t)4 << 20);
            hist_total += lt->count;
        } else
            /* values + sort scratch + prefix blocks */
            items[i].cost = lt->count * esz * 2 + lt->count + 4096;
        if (items[i].cost > largest)
            largest = items[i].cost;
        if (bytes > largest_bytes)
            largest_bytes = bytes;
    }
    /* A tensor bigger than a fair share of the histogram work gets every
     * thread for its passes; the rest run one per worker, side by side. */
    for (size_t i = 0; i < s.nitems; i++) {
        const loader_tensor *lt = &s.files[items[i].file]->tensors[items[i].tensor];
        items[i].threads = items[i].hist && lt->count * (uint64_t)jobs > hist_total ? jobs : 1;
    }
    size_t *order = util_mallocarray(s.nitems ? s.nitems : 1, sizeof *order);
    for (size_t i = 0; i < s.nitems; i++)
        order[i] = i;
    order_items = items;
    qsort(order, s.nitems, sizeof *order, cmp_cost);
    pool pl = { .o = o, .s = &s, .items = items, .order = order, .n = s.nitems, .alphas = alphas };
    pl.progress = s.nitems > 1 && isatty(STDERR_FILENO);
    pl.t0 = util_now();
    for (size_t i = 0; i < s.nitems; i++)
        pl.values_total += s.files[items[i].file]->tensors[items[i].tensor].count;
    /* peak memory: the largest preparation alone, or 2.5x the largest
     * tensor's bytes for several at once */
    pl.budget = largest + largest / 4;
    if (pl.budget < largest_bytes * 5 / 2)
        pl.budget = largest_bytes * 5 / 2;
    /* small tensors (biases, norms) need not wait for each other */
    if (pl.budget < ((uint64_t)64 << 20))
        pl.budget = (uint64_t)64 << 20;
    pl.main = pthread_self();
    pthread_mutex_init(&pl.mu, NULL);
    pthread_cond_init(&pl.cv, NULL);
    pl.file_mu = util_calloc((size_t)(s.nfiles ? s.nfiles : 1), sizeof *pl.file_mu);
    for (int i = 0; i < s.nfiles; i++)
        pthread_mutex_init(&pl.file_mu[i], NULL);
    /* --jobs=N: N threads in all (par.h). This thread is one of the
     * workers; a worker that runs out of tensors gives its slot back, for
     * the passes of the tensors still running. */
    par_set_budget(jobs);
    int nworkers = (size_t)jobs > s.nitems ? (s.nitems ? (int)s.nitems : 1) : jobs;
    {
        int extra = par_acquire(nworkers - 1);
        pthread_t *th = util_calloc((size_t)(extra ? extra : 1), sizeof *th);
        int started = 0;
        for (int j = 0; j < extra; j++)
            if (pthread_create(&th[j], NULL, worker, &pl) == 0)
                started++;
            else
                break;
        par_release(extra - started);
        worker(&pl);
        for (int j = 0; j < started; j++)
            pthread_join(th[j], NULL);
        free(th);
    }
    if (pl.failed)
        status = 1;
    if (pl.shown > 0)
        fprintf(stderr, "\r%60s\r", "");   /* the progress line goes away */
    sort_opts = o;
    sort_session = &s;
    if (strcmp(o->sort, "file") != 0)
        qsort(items, s.nitems, sizeof *items, cmp_items);
    total tot[OPTIONS_MAX_SCHEMES];
    memset(tot, 0, sizeof tot);
    size_t nok = 0;
    for (size_t i = 0; i < s.nitems; i++)
        if (items[i].ok) {
            add_totals(tot, &items[i], o->nschemes);
            nok++;
        }
    /* Output */
    int nres = o->nschemes;
    json_t *tensors = o->format == FMT_JSON ? json_array() : NULL;
    if (o->format == FMT_CSV)
        fputs(o->mode == MODE_SWEEP ? "file,name,scheme,bits,signed,normalize,alpha,mse\n" : csv_header,
              stdout);
    /* many schemes: a ranked table per tensor; several tensors with few
     * schemes: one compact table */
    int ranked = o->format == FMT_TABLE && o->mode == MODE_REPORT && nres > 4;
    int compact = o->format == FMT_TABLE && o->mode == MODE_REPORT && nok > 1 && !ranked;
    if (o->format == FMT_TABLE)
        print_file_meta(&s);
    for (size_t i = 0; i < s.nitems && !compact; i++) {
        titem *it = &items[i];
        if (!it->ok)
            continue;
        loader_file *f = s.files[it->file];
        const loader_tensor *lt = &f->tensors[it->tensor];
        double *const *sw = alphas ? it->sweep : NULL;
        if (o->format == FMT_JSON) {
            json_t *jt = json_tensor(f, lt, &it->st, o, it->res, nres, alphas, sw);
            json_object_set_new(jt, "engine", json_string(it->hist ? "histogram" : "sorted"));
            json_array_append_new(tensors, jt);
        }
        else if (o->format == FMT_CSV)
            print_csv_tensor(f, lt, &it->st, o, it->res, nres, alphas, sw);
        else if (ranked)
            print_ranked(f, lt, &it->st, o, it->res, nres);
        else
            print_table_tensor(f, lt, &it->st, o, it->res, nres, alphas, sw, it->hist);
    }
    if (compact)
        print_compact(&s, o, items, s.nitems, tot);
    if (ranked && nok > 1)
        print_ranked_totals(o, tot, nok);
    if (tensors) {
        json_t *doc = json_pack("{s:o}", "tensors", tensors);
        json_object_set_new(doc, "files", json_files(&s));
        if (nok > 1 && o->mode == MODE_REPORT)
            json_object_set_new(doc, "totals", json_totals(o, tot, nok));
        print_json(doc);
    }
    for (size_t i = 0; i < s.nitems; i++)
        for (int k = 0; k < nres; k++)
            free(items[i].sweep[k]);
    free(items);
    free(order);
    for (int i = 0; i < s.nfiles; i++)
        pthread_mutex_destroy(&pl.file_mu[i]);
    free(pl.file_mu);
    pthread_mutex_destroy(&pl.mu);
    pthread_cond_destroy(&pl.cv);
    free(alphas);
    session_close(&s);
    return status;
}

/* ---- --list ------------------------------------------------------------- */

static const session *list_session;

static int cmp_list(const void *a, const void *b)
{
    const session_item *x = a, *y = b;
    const loader_tensor *tx = &list_session->files[x->file]->tensors[x->tensor];
    const loader_tensor *ty = &list_session->files[y->file]->tensors[y->tensor];
    if (strcmp(sort_opts->sort, "size") == 0 && tx->count != ty->count)
        return tx->count > ty->count ? -1 : 1;
    if (strcmp(sort_opts->sort, "name") == 0) {
        int c = strcmp(tx->name, ty->name);
        if (c)
            return c;
    }
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    return x->tensor < y->tensor ? -1 : x->tensor > y->tensor;
}

/* Every selected tensor's description: what the file's header says, no
 * value read (a model of thousands of tensors lists in milliseconds). */
int report_list(const cli_opts *o)
{
    session s;
    int status = 0;
    session_open(&s, o, 0);
    if (s.failed)
        status = 1;
    list_session = &s;
    sort_opts = o;
    if (strcmp(o->sort, "name") == 0 || strcmp(o->sort, "size") == 0)
        qsort(s.items, s.nitems, sizeof *s.items, cmp_list);
    char shape[256];
    if (o->format == FMT_JSON) {
        json_t *arr = json_array();
        for (size_t i = 0; i < s.nitems; i++) {
            const loader_file *f = s.files[s.items[i].file];
            const loader_tensor *t = &f->tensors[s.items[i].tensor];
            json_t *sh = json_array();
            for (int d = 0; d < t->ndim; d++)
                json_array_append_new(sh, json_integer((json_int_t)t->shape[d]));
            json_t *e = json_pack("{s:o, s:o, s:s, s:o, s:I, s:b}", "file", jstr(f->path), "name", jstr(t->name),
                                  "dtype", loader_dtype_name(t), "shape", sh, "count",
                                  (json_int_t)t->count, "readable", t->readable);
            if (!utf8_ok(t->name))
                json_object_set_new(e, "name_escaped", json_true());
            if (t->type_note)
                json_object_set_new(e, "type", jstr(t->type_note));
            if (t->stored_bpw > 0)
                json_object_set_new(e, "stored_bpw", json_real(t->stored_bpw));
            json_array_append_new(arr, e);
        }
        json_t *doc = json_pack("{s:o}", "tensors", arr);
        json_object_set_new(doc, "files", json_files(&s));
        print_json(doc);
    } else if (o->format == FMT_CSV) {
        fputs("file,name,dtype,shape,count,readable\n", stdout);
        for (size_t i = 0; i < s.nitems; i++) {
            const loader_file *f = s.files[s.items[i].file];
            const loader_tensor *t = &f->tensors[s.items[i].tensor];
            util_csv_field(stdout, f->path);
            putchar(',');
            util_csv_field(stdout, t->name);
            printf(",%s,", loader_dtype_name(t));
            for (int d = 0; d < t->ndim; d++)
                printf("%s%llu", d ? "x" : "", (unsigned long long)t->shape[d]);
            printf(",%llu,%s\n", (unsigned long long)t->count, t->readable ? "true" : "false");
        }
    } else {
        print_file_meta(&s);
        /* widths in terminal columns of the escaped names (util.h) */
        size_t namew = 4;
        for (size_t i = 0; i < s.nitems; i++) {
            char *e = util_escape_dup(s.files[s.items[i].file]->tensors[s.items[i].tensor].name);
            size_t l = (size_t)util_text_width(e);
            free(e);
            if (l > namew)
                namew = l;
        }
        if (namew > 60)
            namew = 60;
        size_t typew = 5;
        for (size_t i = 0; i < s.nitems; i++) {
            const loader_tensor *t = &s.files[s.items[i].file]->tensors[s.items[i].tensor];
            char *e = util_escape_dup(t->type_note ? t->type_note : loader_dtype_name(t));
            size_t l = (size_t)util_text_width(e);
            free(e);
            if (l > typew)
                typew = l;
        }
        if (typew > 40)
            typew = 40;
        char *nb = util_malloc(namew * 4 + 16), *tb = util_malloc(typew * 4 + 16);
        printf("%-*s  %-*s  %-22s %10s\n", (int)namew, "name", (int)typew, "dtype", "shape", "count");
        uint64_t nvalues = 0;
        for (size_t i = 0; i < s.nitems; i++) {
            const loader_file *f = s.files[s.items[i].file];
            const loader_tensor *t = &f->tensors[s.items[i].tensor];
            session_shape_str(t, shape, sizeof shape);
            /* a name wider than the column keeps its end */
            printf("%s  %s  %-22s %10llu", util_escape_fit(t->name, (int)namew, 1, nb, namew * 4 + 16),
                   util_escape_fit(t->type_note ? t->type_note : loader_dtype_name(t), (int)typew, 0,
                                   tb, typew * 4 + 16),
                   shape, (unsigned long long)t->count);
            if (t->stored_bpw > 0 && t->stored_type)
                printf("  %.6g bpw", t->stored_bpw);
            if (!t->readable)
                printf("  (listed only: values not readable)");
            printf("\n");
            nvalues += t->count;
        }
        free(nb);
        free(tb);
        char a[32];
        printf("%zu tensors in %d file%s, %s values\n", s.nitems, s.nfiles, s.nfiles == 1 ? "" : "s",
               util_fmt_si(a, sizeof a, (double)nvalues, 4));
    }
    session_close(&s);
    return status;
}
