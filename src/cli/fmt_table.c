/*
 * fmt_table.c - --format=table (the default): the rows of report_rows.h
 * for a human at a terminal. A tensor's results are one column per scheme
 * (a row per metric of the metric table, the best starred), or with many
 * schemes one row per scheme ranked by mse; several tensors with few
 * schemes share one compact table with the model's totals.
 */
#include "config.h"
#include "cli/report_rows.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A file string printed in a table: its escaped form (util.h). */
static void out_esc(const char *s)
{
    char *e = util_escape_dup(s);
    fputs(e, stdout);
    free(e);
}

/* ---- --levels ----------------------------------------------------------- */

static void table_levels(const cli_opts *o, const levelset *lsv, int n, int complete)
{
    (void)complete;
    char buf[64];
    for (int i = 0; i < n; i++) {
        const levelset *ls = &lsv[i];
        printf("%s, %d bits, %s: %zu levels\n", ls->scheme, ls->bits,
               ls->is_signed ? "signed" : "unsigned", ls->n);
        /* Wrap values at about 72 columns. */
        int col = 0;
        for (size_t k = 0; k < ls->n; k++) {
            char item[48];
            int w = snprintf(item, sizeof item, "%s%s", k ? " " : "",
                             util_fmt_exact(buf, sizeof buf, ls->v[k]));
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
}

/* ---- one tensor --------------------------------------------------------- */

/* "  mean X  std X  min X  max X  kurtosis X" (no newline). */
static void print_stats(const prep_stats *st)
{
    char a[32], b[32], c[32], d[32];
    printf("  mean %s  std %s  min %s  max %s  kurtosis %.3g",
           util_fmt_si(a, sizeof a, st->mean, 4), util_fmt_si(b, sizeof b, st->std, 4),
           util_fmt_si(c, sizeof c, st->min, 4), util_fmt_si(d, sizeof d, st->max, 4),
           st->kurtosis);
}

/* Each scheme's --sweep curve: a row per alpha, a column per scheme. */
static void print_sweep(const report_doc *d, const report_row *w)
{
    const cli_opts *o = d->o;
    char a[32], b[32];
    printf("\n  %-14s", "alpha");
    for (int i = 0; i < o->nschemes; i++)
        printf(" %11s", w->res[i].scheme);
    printf("\n");
    for (int k = 0; k < o->sweep_n; k++) {
        printf("  %-14s", util_fmt_si(a, sizeof a, d->alphas[k], 5));
        for (int i = 0; i < o->nschemes; i++)
            printf(" %11s", w->sweep[i] ? util_fmt_si(b, sizeof b, w->sweep[i][k], 4) : "-");
        printf("\n");
    }
}

/* A column per scheme, a row per metric of the table (the MSE-optimal
 * alpha only when alpha is not already it); the best of each row that has
 * a better side starred. */
static void print_table_tensor(const report_doc *d, const report_row *w)
{
    const cli_opts *o = d->o;
    const loader_tensor *lt = w->lt;
    const prep_stats *st = w->st;
    const analyze_result *res = w->res;
    int nres = o->nschemes;
    char shape[256], a[32];
    session_shape_str(lt, shape, sizeof shape);
    out_esc(lt->name);
    fputs("  (", stdout);
    out_esc(w->f->path);
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
           w->hist ? ", histogram engine" : "");
    printf("  %-14s", "");
    for (int i = 0; i < nres; i++)
        printf(" %11s", res[i].scheme);
    printf("\n");
    for (int r = 0; r < M_N; r++) {
        const metric *m = &metric_table[r];
        if (!m->label || ((m->flags & METRIC_OPT) && o->cfg.amode == ALPHA_MSE))
            continue;
        if (m->flags & METRIC_STORED) {
            int any = 0;
            for (int i = 0; i < nres; i++)
                any |= res[i].ok && res[i].stored;
            if (!any)
                continue;
        }
        int best = nres > 1 ? metric_best(m, res, nres) : -1;
        printf("  %-14s", m->label);
        for (int i = 0; i < nres; i++) {
            char cell[48];
            printf(" %10s%c", metric_cell(m, &res[i], cell, sizeof cell), i == best ? '*' : ' ');
        }
        printf("\n");
    }
    if (w->wmse && !w->wnote) {
        printf("  %-14s", "weighted_mse");
        for (int i = 0; i < nres; i++) {
            char cell[48] = "-";
            if (res[i].ok && isfinite(w->wmse[i]))
                snprintf(cell, sizeof cell, "%.4g", w->wmse[i]);
            printf(" %10s ", cell);
        }
        printf("\n");
    } else if (w->wnote)
        printf("  weighted_mse: %s\n", w->wnote);
    for (int i = 0; i < nres; i++)
        if (!res[i].ok) {
            printf("  %s: ", res[i].scheme);
            util_fput_msg(stdout, res[i].err);
            putchar('\n');
        }
    if (w->sweep)
        print_sweep(d, w);
    printf("\n");
}

/* The columns of the ranked layout: metrics of the table, short labels. */
static const struct {
    metric_id id;
    const char *label;
    int width;
} ranked_cols[] = {
    { M_ALPHA, "alpha", 10 }, { M_MSE, "mse", 10 },   { M_SQNR, "sqnr dB", 8 },
    { M_GAP, "gap dB", 8 },   { M_BPW, "bits/w", 7 }, { M_CLIP, "clipped", 9 },
    { M_ADDS, "adds/MAC", 8 },
};
#define NRANKED (sizeof ranked_cols / sizeof *ranked_cols)

static int cmp_rank(const void *a, const void *b)
{
    return metric_cmp(&metric_table[METRIC_RANK], *(const analyze_result *const *)a,
                      *(const analyze_result *const *)b);
}

/* Many schemes (e.g. --scheme=all): one row per scheme, ranked by mse, so
 * the table stays readable and says at once which scheme wins, by how much
 * it misses the optimum (gap) and what it costs in bits per weight. */
static void print_ranked(const report_doc *d, const report_row *w)
{
    const loader_tensor *lt = w->lt;
    const prep_stats *st = w->st;
    int nres = d->o->nschemes;
    char shape[256], a[48];
    session_shape_str(lt, shape, sizeof shape);
    out_esc(lt->name);
    fputs("  (", stdout);
    out_esc(w->f->path);
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
        order[i] = &w->res[i];
    qsort(order, (size_t)nres, sizeof *order, cmp_rank);
    printf("  %4s  %-12s", "rank", "scheme");
    for (size_t c = 0; c < NRANKED; c++)
        printf(" %*s", ranked_cols[c].width, ranked_cols[c].label);
    printf("\n");
    for (int i = 0; i < nres; i++) {
        const analyze_result *r = order[i];
        if (!r->ok || r->r.n == 0) {
            printf("  %4s  %-12s ", "-", r->scheme);
            util_fput_msg(stdout, r->err[0] ? r->err : "-");
            putchar('\n');
            continue;
        }
        printf("  %4d  %-12s", i + 1, r->scheme);
        for (size_t c = 0; c < NRANKED; c++)
            printf(" %*s", ranked_cols[c].width,
                   metric_cell(&metric_table[ranked_cols[c].id], r, a, sizeof a));
        printf("\n");
    }
    printf("\n");
}

/* ---- the whole model ---------------------------------------------------- */

/* The compact table's TOTAL, wins and adds lines. */
static void print_compact_totals(const report_doc *d, int namew)
{
    const cli_opts *o = d->o;
    const report_total *t = d->tot;
    char a[48], b[48];
    printf("%-*s %-18s %8s", namew, "TOTAL", "weighted by count", "");
    for (int k = 0; k < o->nschemes; k++) {
        char cell[64];
        if (!t[k].valid)
            snprintf(cell, sizeof cell, "-");
        else
            snprintf(cell, sizeof cell, "%s (%.1f) ",
                     util_fmt_si(a, sizeof a, report_total_mse(&t[k]), 4), report_total_sqnr(&t[k]));
        printf(" %18s", cell);
    }
    printf("\n%-*s %-18s %8s", namew, "", "wins", "");
    for (int k = 0; k < o->nschemes; k++) {
        snprintf(b, sizeof b, "%d/%zu ", t[k].wins, d->nrows);
        printf(" %18s", b);
    }
    printf("\n%-*s %-18s %8s", namew, "", "adds/MAC vs uniform", "");
    for (int k = 0; k < o->nschemes; k++) {
        snprintf(b, sizeof b, "%.3f ", report_total_rel(&t[k]));
        printf(" %18s", b);
    }
    printf("\n");
}

/* Several tensors, few schemes: a line per tensor, mse (sqnr dB) per
 * scheme, the best starred. */
static void print_compact(const report_doc *d)
{
    const cli_opts *o = d->o;
    int nres = o->nschemes;
    size_t namew = 6;
    for (size_t i = 0; i < d->nrows; i++) {
        size_t l = (size_t)util_escaped_width(d->rows[i].lt->name);
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
    char a[48], shape[256];
    for (size_t i = 0; i < d->nrows; i++) {
        const report_row *w = &d->rows[i];
        const loader_tensor *lt = w->lt;
        session_shape_str(lt, shape, sizeof shape);
        if (lt->count < 10000)
            snprintf(a, sizeof a, "%llu", (unsigned long long)lt->count);
        else
            util_fmt_si(a, sizeof a, (double)lt->count, 4);
        /* names wider than the column keep their end (the distinct part) */
        printf("%s %-18s %8s", util_escape_fit(lt->name, (int)namew, 1, nb, namew * 4 + 16), shape, a);
        int best = w->ok ? metric_best(&metric_table[METRIC_RANK], w->res, nres) : -1;
        for (int k = 0; k < nres; k++) {
            const analyze_result *r = w->ok ? &w->res[k] : NULL;
            if (!r || !r->ok || r->r.n == 0) {
                printf(" %18s", "-");
                continue;
            }
            char cell[64];
            if (r->stored && r->stored_self)   /* no error against itself: its bits */
                snprintf(cell, sizeof cell, "%.4g bpw ", r->bpw);
            else
                snprintf(cell, sizeof cell, "%s (%.1f)%c", util_fmt_si(a, sizeof a, r->r.mse, 4),
                         r->r.sqnr_db, k == best ? '*' : ' ');
            printf(" %18s", cell);
        }
        printf("\n");
        if (w->ok && w->wmse && !w->wnote) {   /* --imatrix */
            printf("%*s %-18s %8s", (int)namew, "", "  weighted_mse", "");
            for (int k = 0; k < nres; k++) {
                char cell[64] = "-";
                if (w->res[k].ok && isfinite(w->wmse[k]))
                    snprintf(cell, sizeof cell, "%s ", util_fmt_si(a, sizeof a, w->wmse[k], 4));
                printf(" %18s", cell);
            }
            printf("\n");
        } else if (w->ok && w->wnote)
            printf("%*s   weighted_mse: %s\n", (int)namew, "", w->wnote);
    }
    print_compact_totals(d, (int)namew);
    size_t nh = 0;
    for (size_t i = 0; i < d->nrows; i++)
        nh += d->rows[i].ok && d->rows[i].hist;
    if (nh)
        printf("histogram engine for %zu of %zu tensors: alpha searched on exact bucket sums, every number\n"
               "exact at its alpha (--engine=sorted: the dense search on sorted values)\n",
               nh, d->nrows);
    free(nb);
}

/* The whole model in the ranked layout: mse and SQNR over all values
 * (weighted by element count) and how many tensors each scheme wins. */
static void print_ranked_totals(const report_doc *d)
{
    const cli_opts *o = d->o;
    const report_total *t = d->tot;
    int idx[OPTIONS_MAX_SCHEMES], m = 0;
    for (int k = 0; k < o->nschemes; k++)
        if (t[k].valid)
            idx[m++] = k;
    for (int i = 1; i < m; i++) /* insertion sort by weighted mse */
        for (int j = i; j > 0; j--) {
            const report_total *x = &t[idx[j - 1]], *y = &t[idx[j]];
            if (report_total_mse(x) <= report_total_mse(y))
                break;
            int tmp = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = tmp;
        }
    char a[32];
    printf("TOTAL over %zu tensors, weighted by element count\n", d->nok);
    printf("  %4s  %-12s %10s %8s %6s\n", "rank", "scheme", "mse", "sqnr dB", "wins");
    for (int i = 0; i < m; i++) {
        const report_total *x = &t[idx[i]];
        printf("  %4d  %-12s %10s %8.3f %6d\n", i + 1, o->schemes[idx[i]],
               util_fmt_si(a, sizeof a, report_total_mse(x), 4), report_total_sqnr(x), x->wins);
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
                while (cl > 0 && cut[cl - 1] == ' ')
                    cut[--cl] = '\0';
                printf("%s...\n", cut);
            } else
                printf("%s\n", v);
            free(v);
        }
        printf("\n");
    }
}

/* many schemes: a ranked table per tensor; several tensors with few
 * schemes: one compact table */
static void table_report(const report_doc *d)
{
    const cli_opts *o = d->o;
    int ranked = o->mode == MODE_REPORT && o->nschemes >= METRIC_RANKED_MIN;
    int compact = o->mode == MODE_REPORT && d->nok > 1 && !ranked;
    print_file_meta(d->s);
    if (compact)
        print_compact(d);
    else
        for (size_t i = 0; i < d->nrows; i++) {
            if (!d->rows[i].ok)
                continue;
            if (ranked)
                print_ranked(d, &d->rows[i]);
            else
                print_table_tensor(d, &d->rows[i]);
        }
    if (ranked && d->nok > 1)
        print_ranked_totals(d);
}

/* ---- --list ------------------------------------------------------------- */

/* the widest escaped text (terminal columns) of f(row), at most cap */
static size_t column_width(const report_doc *d, const char *(*f)(const loader_tensor *), size_t w,
                           size_t cap)
{
    for (size_t i = 0; i < d->nrows; i++) {
        size_t l = (size_t)util_escaped_width(f(d->rows[i].lt));
        if (l > w)
            w = l;
    }
    return w > cap ? cap : w;
}

static const char *list_name(const loader_tensor *t)
{
    return t->name;
}

static const char *list_type(const loader_tensor *t)
{
    return t->type_note ? t->type_note : loader_dtype_name(t);
}

static void table_list(const report_doc *d)
{
    const session *s = d->s;
    char shape[256];
    print_file_meta(s);
    /* widths in terminal columns of the escaped names (util.h) */
    size_t namew = column_width(d, list_name, 4, 60);
    size_t typew = column_width(d, list_type, 5, 40);
    char *nb = util_malloc(namew * 4 + 16), *tb = util_malloc(typew * 4 + 16);
    printf("%-*s  %-*s  %-22s %10s\n", (int)namew, "name", (int)typew, "dtype", "shape", "count");
    uint64_t nvalues = 0;
    for (size_t i = 0; i < d->nrows; i++) {
        const loader_tensor *t = d->rows[i].lt;
        session_shape_str(t, shape, sizeof shape);
        /* a name wider than the column keeps its end */
        printf("%s  %s  %-22s %10llu", util_escape_fit(t->name, (int)namew, 1, nb, namew * 4 + 16),
               util_escape_fit(list_type(t), (int)typew, 0, tb, typew * 4 + 16),
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
    printf("%zu tensors in %d file%s, %s values\n", d->nrows, s->nfiles, s->nfiles == 1 ? "" : "s",
           util_fmt_si(a, sizeof a, (double)nvalues, 4));
}

const report_fmt report_fmt_table = { table_levels, table_report, table_list };
