/*
 * fmt_csv.c - --format=csv (interface.md): one header line, then a line
 * per tensor and scheme (per alpha for --sweep). The result columns and
 * their order come from the metric table.
 */
#include "config.h"
#include "cli/report_rows.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *csvnum(char *buf, size_t len, double v)
{
    if (!isfinite(v)) {
        snprintf(buf, len, "%s", isnan(v) ? "" : v > 0 ? "inf" : "-inf");
        return buf;
    }
    return util_fmt_exact(buf, len, v);
}

/* ---- --levels ----------------------------------------------------------- */

static void csv_levels(const cli_opts *o, const levelset *ls, int n, int complete)
{
    (void)o;
    (void)complete;
    char buf[64];
    printf("scheme,bits,signed,index,value,terms\n");
    for (int i = 0; i < n; i++)
        for (size_t k = 0; k < ls[i].n; k++)
            printf("%s,%d,%s,%zu,%s,%d\n", ls[i].scheme, ls[i].bits,
                   ls[i].is_signed ? "true" : "false", k, util_fmt_exact(buf, sizeof buf, ls[i].v[k]),
                   ls[i].terms[k]);
}

/* ---- --report / --sweep ------------------------------------------------- */

static void csv_header(const cli_opts *o)
{
    fputs("file,name,dtype,shape,count,nonfinite,mean,std,min,max,absmax,kurtosis,"
          "scheme,bits,signed,normalize,alpha_mode", stdout);
    for (int k = 0; k < M_N; k++)
        if ((metric_table[k].flags & METRIC_CSV) && !(metric_table[k].flags & METRIC_STORED))
            printf(",%s", metric_table[k].key);
    fputs(",granularity,scale_dtype", stdout);
    /* the stored scheme's columns (empty for the others), then --imatrix's */
    for (int k = 0; k < M_N; k++)
        if ((metric_table[k].flags & METRIC_CSV) && (metric_table[k].flags & METRIC_STORED))
            printf(",%s", metric_table[k].key);
    fputs(o->imatrix ? ",weighted_mse\n" : "\n", stdout);
}

static void csv_names(const report_row *w)
{
    util_csv_field(stdout, w->f->path);
    putchar(',');
    util_csv_field(stdout, w->lt->name);
}

static void csv_sweep(const report_doc *d, const report_row *w, int i)
{
    const cli_opts *o = d->o;
    char a[40], b[40];
    for (int k = 0; k < o->sweep_n; k++) {
        csv_names(w);
        printf(",%s,%d,%s,%s,%s,%s\n", w->res[i].scheme, o->cfg.bits,
               o->cfg.is_signed ? "true" : "false", o->cfg.normalize ? "true" : "false",
               csvnum(a, sizeof a, d->alphas[k]),
               csvnum(b, sizeof b, w->sweep[i] ? w->sweep[i][k] : NAN));
    }
}

static void csv_tensor(const report_doc *d, const report_row *w)
{
    const cli_opts *o = d->o;
    const loader_tensor *lt = w->lt;
    const prep_stats *st = w->st;
    char shape[256], b[6][40];
    size_t j = 0;
    for (int i = 0; i < lt->ndim; i++)
        j += (size_t)snprintf(shape + j, sizeof shape - j, "%s%llu", i ? "x" : "",
                              (unsigned long long)lt->shape[i]);
    if (lt->ndim == 0)
        shape[0] = '\0';
    for (int i = 0; i < o->nschemes; i++) {
        const analyze_result *a = &w->res[i];
        if (w->sweep) {
            csv_sweep(d, w, i);
            continue;
        }
        csv_names(w);
        printf(",%s,%s,%llu,%llu,%s,%s,%s,%s,%s,%s,", dtype_name(lt->dtype), shape,
               (unsigned long long)lt->count, (unsigned long long)st->nonfinite,
               csvnum(b[0], 40, st->n ? st->mean : NAN), csvnum(b[1], 40, st->n ? st->std : NAN),
               csvnum(b[2], 40, st->n ? st->min : NAN), csvnum(b[3], 40, st->n ? st->max : NAN),
               csvnum(b[4], 40, st->n ? st->absmax : NAN),
               csvnum(b[5], 40, st->n ? st->kurtosis : NAN));
        printf("%s,%d,%s,%s,%s", a->scheme, o->cfg.bits, o->cfg.is_signed ? "true" : "false",
               o->cfg.normalize ? "true" : "false", analyze_alpha_mode_name(o->cfg.amode));
        /* a failed scheme: empty numbers, its granularity */
        for (int k = 0; k < M_N; k++)
            if ((metric_table[k].flags & METRIC_CSV) && !(metric_table[k].flags & METRIC_STORED))
                printf(",%s", a->ok ? csvnum(b[0], 40, metric_table[k].get(a)) : "");
        printf(",%s,%s", a->granularity ? a->granularity : "",
               a->ok && a->scale_dtype ? a->scale_dtype : "");
        for (int k = 0; k < M_N; k++)
            if ((metric_table[k].flags & METRIC_CSV) && (metric_table[k].flags & METRIC_STORED))
                printf(",%s", a->ok ? csvnum(b[0], 40, metric_table[k].get(a)) : "");
        if (w->wmse)
            printf(",%s", a->ok && isfinite(w->wmse[i]) ? csvnum(b[0], 40, w->wmse[i]) : "");
        putchar('\n');
    }
}

static void csv_report(const report_doc *d)
{
    if (d->o->mode == MODE_SWEEP)
        fputs("file,name,scheme,bits,signed,normalize,alpha,mse\n", stdout);
    else
        csv_header(d->o);
    for (size_t i = 0; i < d->nrows; i++)
        if (d->rows[i].ok)
            csv_tensor(d, &d->rows[i]);
}

/* ---- --list ------------------------------------------------------------- */

static void csv_list(const report_doc *d)
{
    fputs("file,name,dtype,shape,count,readable\n", stdout);
    for (size_t i = 0; i < d->nrows; i++) {
        const loader_file *f = d->rows[i].f;
        const loader_tensor *t = d->rows[i].lt;
        util_csv_field(stdout, f->path);
        putchar(',');
        util_csv_field(stdout, t->name);
        printf(",%s,", loader_dtype_name(t));
        for (int k = 0; k < t->ndim; k++)
            printf("%s%llu", k ? "x" : "", (unsigned long long)t->shape[k]);
        printf(",%llu,%s\n", (unsigned long long)t->count, t->readable ? "true" : "false");
    }
}

const report_fmt report_fmt_csv = { csv_levels, csv_report, csv_list };
