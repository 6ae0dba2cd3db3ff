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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/session.h"
#include "quant/analyze.h"

static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static void print_json(json_t *doc)
{
    char *s = json_dumps(doc, JSON_REAL_PRECISION(17));
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

/* CSV field: quote when it holds a comma, quote or newline. */
static void csv_str(const char *s)
{
    if (strpbrk(s, ",\"\n\r")) {
        fputc('"', stdout);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', stdout);
            fputc(*s, stdout);
        }
        fputc('"', stdout);
    } else
        fputs(s, stdout);
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

enum { R_ALPHA, R_MSE, R_SQNR, R_MAXERR, R_CLIP, R_ENT, R_USED, R_ADDS, R_WORST, R_REL, R_OPT, R_N };
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
    case R_WORST: return a->r.adds_worst;
    case R_REL: return a->relative_to_uniform;
    case R_OPT: return a->opt_alpha;
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
        snprintf(buf, len, "%d", a->r.adds_worst);
        break;
    default:
        snprintf(buf, len, "%s", isnan(v) ? "-" : util_fmt_si(t, sizeof t, v, 4));
    }
}

static void print_table_tensor(const loader_file *f, const loader_tensor *lt, const prep *p,
                               const cli_opts *o, const analyze_result *res, int nres,
                               const double *alphas, double *const *sweep)
{
    char shape[256], a[32], b[32], c[32], d[32], e[32];
    session_shape_str(lt, shape, sizeof shape);
    printf("%s  (%s)\n", lt->name, f->path);
    printf("  %s %s  %s values", dtype_name(lt->dtype), shape,
           util_fmt_si(a, sizeof a, (double)lt->count, 4));
    if (p->st.nonfinite)
        printf("  (%llu non-finite left out)", (unsigned long long)p->st.nonfinite);
    printf("\n");
    if (p->st.n == 0) {
        printf("  no finite values\n\n");
        return;
    }
    printf("  mean %s  std %s  min %s  max %s  kurtosis %.3g\n",
           util_fmt_si(a, sizeof a, p->st.mean, 4), util_fmt_si(b, sizeof b, p->st.std, 4),
           util_fmt_si(c, sizeof c, p->st.min, 4), util_fmt_si(d, sizeof d, p->st.max, 4),
           p->st.kurtosis);
    (void)e;
    printf("  %d bits %s, alpha %s, normalize %s\n", o->cfg.bits,
           o->cfg.is_signed ? "signed" : "unsigned",
           o->cfg.amode == ALPHA_VALUE ? util_fmt_exact(a, sizeof a, o->cfg.alpha)
                                       : analyze_alpha_mode_name(o->cfg.amode),
           o->cfg.normalize ? "on" : "off");
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
                if (!res[i].ok || isnan(v))
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
        if (!res[i].ok)
            printf("  %s: %s\n", res[i].scheme, res[i].err);
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
    "entropy_bits,levels_used,levels_total,adds_mean,adds_worst,shifts_mean,relative_to_uniform\n";

static void print_csv_tensor(const loader_file *f, const loader_tensor *lt, const prep *p,
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
                csv_str(f->path);
                putchar(',');
                csv_str(lt->name);
                printf(",%s,%d,%s,%s,%s,%s\n", a->scheme, o->cfg.bits,
                       o->cfg.is_signed ? "true" : "false", o->cfg.normalize ? "true" : "false",
                       csvnum(b[0], 40, alphas[k]),
                       csvnum(b[1], 40, sweep[i] ? sweep[i][k] : NAN));
            }
            continue;
        }
        csv_str(f->path);
        putchar(',');
        csv_str(lt->name);
        printf(",%s,%s,%llu,%llu,%s,%s,%s,%s,%s,%s,", dtype_name(lt->dtype), shape,
               (unsigned long long)lt->count, (unsigned long long)p->st.nonfinite,
               csvnum(b[0], 40, p->st.n ? p->st.mean : NAN), csvnum(b[1], 40, p->st.n ? p->st.std : NAN),
               csvnum(b[2], 40, p->st.n ? p->st.min : NAN), csvnum(b[3], 40, p->st.n ? p->st.max : NAN),
               csvnum(b[4], 40, p->st.n ? p->st.absmax : NAN),
               csvnum(b[5], 40, p->st.n ? p->st.kurtosis : NAN));
        printf("%s,%d,%s,%s,%s,", a->scheme, o->cfg.bits, o->cfg.is_signed ? "true" : "false",
               o->cfg.normalize ? "true" : "false", analyze_alpha_mode_name(o->cfg.amode));
        if (!a->ok) {
            printf(",,,,,,,,,,,\n");
            continue;
        }
        printf("%s,%s,%s,%s,%s,%s,%llu,%llu,%s,%d,%s,%s\n", csvnum(b[6], 40, a->r.alpha),
               csvnum(b[7], 40, a->r.mse), csvnum(b[8], 40, a->r.sqnr_db),
               csvnum(b[9], 40, a->r.max_abs_err), csvnum(b[10], 40, a->r.clipped),
               csvnum(b[11], 40, a->r.entropy_bits), (unsigned long long)a->r.levels_used,
               (unsigned long long)a->r.levels_total, csvnum(b[12], 40, a->r.adds_mean),
               a->r.adds_worst, csvnum(b[13], 40, a->r.shifts_mean),
               csvnum(b[0], 40, a->relative_to_uniform));
    }
}

static json_t *json_tensor(const loader_file *f, const loader_tensor *lt, const prep *p,
                           const cli_opts *o, const analyze_result *res, int nres,
                           const double *alphas, double *const *sweep)
{
    json_t *shape = json_array();
    for (int i = 0; i < lt->ndim; i++)
        json_array_append_new(shape, json_integer((json_int_t)lt->shape[i]));
    int have = p->st.n > 0;
    json_t *stats = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
        "mean", have ? jnum(p->st.mean) : json_null(),
        "std", have ? jnum(p->st.std) : json_null(),
        "min", have ? jnum(p->st.min) : json_null(),
        "max", have ? jnum(p->st.max) : json_null(),
        "absmax", have ? jnum(p->st.absmax) : json_null(),
        "kurtosis", have ? jnum(p->st.kurtosis) : json_null());
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
            json_object_set_new(r, "cost", json_pack("{s:o, s:i, s:o, s:o}",
                "adds_mean", jnum(a->r.adds_mean), "adds_worst", a->r.adds_worst,
                "shifts_mean", jnum(a->r.shifts_mean),
                "relative_to_uniform", jnum(a->relative_to_uniform)));
            if (isfinite(a->opt_alpha)) {
                json_object_set_new(r, "opt_alpha", jnum(a->opt_alpha));
                json_object_set_new(r, "opt_mse", jnum(a->opt_mse));
            }
        } else
            json_object_set_new(r, "error", json_string(a->err));
        if (sweep) {
            json_t *sw = json_array();
            for (int k = 0; k < o->sweep_n; k++)
                json_array_append_new(sw, json_pack("{s:o, s:o}", "alpha", jnum(alphas[k]),
                                                    "mse", jnum(sweep[i] ? sweep[i][k] : NAN)));
            json_object_set_new(r, "sweep", sw);
        }
        json_array_append_new(results, r);
    }
    return json_pack("{s:s, s:s, s:s, s:o, s:I, s:I, s:o, s:o}",
        "file", f->path, "name", lt->name, "dtype", dtype_name(lt->dtype),
        "shape", shape, "count", (json_int_t)lt->count,
        "nonfinite", (json_int_t)p->st.nonfinite, "stats", stats, "results", results);
}

int report_run(const cli_opts *o)
{
    session s;
    int status = 0;
    session_open(&s, o, 0);
    if (s.failed)
        status = 1;
    json_t *tensors = o->format == FMT_JSON ? json_array() : NULL;
    if (o->format == FMT_CSV)
        fputs(o->mode == MODE_SWEEP ? "file,name,scheme,bits,signed,normalize,alpha,mse\n" : csv_header,
              stdout);
    double *alphas = NULL;
    if (o->mode == MODE_SWEEP) {
        alphas = util_mallocarray((size_t)o->sweep_n, sizeof *alphas);
        for (int k = 0; k < o->sweep_n; k++)
            alphas[k] = o->sweep_n == 1 ? o->sweep_a0
                        : o->sweep_a0 + (o->sweep_a1 - o->sweep_a0) * k / (o->sweep_n - 1);
        if (o->sweep_n > 1)
            alphas[o->sweep_n - 1] = o->sweep_a1;
    }
    analyze_result res[OPTIONS_MAX_SCHEMES];
    for (size_t it = 0; it < s.nitems; it++) {
        loader_file *f = s.files[s.items[it].file];
        size_t ti = s.items[it].tensor;
        const loader_tensor *lt = &f->tensors[ti];
        util_err err = { { 0 } };
        prep *p = session_prepare(f, ti, NULL, &err);
        if (!p) {
            fprintf(stderr, "apotview: %s\n", err.msg);
            status = 1;
            continue;
        }
        int nres = o->nschemes;
        if (p->st.n == 0) {
            /* Nothing to quantize: report the tensor with empty results. */
            for (int i = 0; i < nres; i++) {
                memset(&res[i], 0, sizeof res[i]);
                res[i].scheme = o->schemes[i];
                snprintf(res[i].err, sizeof res[i].err, "no finite values");
            }
        } else if (analyze_tensor(p, &o->cfg, o->schemes, nres, 0, res, &err) < 0) {
            fprintf(stderr, "apotview: %s: %s: %s\n", f->path, lt->name, err.msg);
            status = 1;
            prep_free(p);
            continue;
        }
        double *sweep[OPTIONS_MAX_SCHEMES] = { 0 };
        if (alphas && p->st.n > 0)
            for (int i = 0; i < nres; i++) {
                levelset ls;
                if (levels_build(res[i].scheme, o->cfg.bits, o->cfg.is_signed, &o->cfg.lprm, &ls, &err) < 0)
                    continue;
                sweep[i] = util_mallocarray((size_t)o->sweep_n, sizeof **sweep);
                eval_curve(p, &ls, o->cfg.normalize, alphas, o->sweep_n, sweep[i]);
                levels_free(&ls);
            }
        double *const *sw = alphas ? sweep : NULL;
        if (o->format == FMT_JSON)
            json_array_append_new(tensors, json_tensor(f, lt, p, o, res, nres, alphas, sw));
        else if (o->format == FMT_CSV)
            print_csv_tensor(f, lt, p, o, res, nres, alphas, sw);
        else
            print_table_tensor(f, lt, p, o, res, nres, alphas, sw);
        for (int i = 0; i < nres; i++)
            free(sweep[i]);
        prep_free(p);
        fflush(stdout);
    }
    if (tensors)
        print_json(json_pack("{s:o}", "tensors", tensors));
    free(alphas);
    session_close(&s);
    return status;
}
