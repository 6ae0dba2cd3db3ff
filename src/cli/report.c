/*
 * report.c - --report, --levels, --sweep and --list (report.h): the rows
 * (report_rows.h) that the formatters of --format print.
 *
 * Tensors are processed one at a time (read, prepare, evaluate, free) on
 * --jobs threads (report_pool.c), so memory tracks the largest tensor, not
 * the file; the rows keep only the numbers.
 */
#include "config.h"
#include "cli/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/report_rows.h"
#include "model/stored_run.h"
#include "cli/plan_imx.h"

static const report_fmt *formatter(const cli_opts *o)
{
    static const report_fmt *const fmts[] = {
        [FMT_TABLE] = &report_fmt_table,
        [FMT_JSON] = &report_fmt_json,
        [FMT_CSV] = &report_fmt_csv,
        [FMT_C] = &report_fmt_c,
    };
    return fmts[o->format];
}

/* ---- --levels ----------------------------------------------------------- */

int report_levels(const cli_opts *o)
{
    levelset ls[OPTIONS_MAX_SCHEMES] = { { 0 } };
    int n = 0, status = 0;
    for (; n < o->nschemes; n++) {
        util_err err = { { 0 } };
        if (levels_build(o->schemes[n], o->cfg.bits, o->cfg.is_signed, &o->cfg.lprm, &ls[n], &err) < 0) {
            fprintf(stderr, "apotview: %s\n", err.msg);
            status = 1;
            break;
        }
    }
    formatter(o)->levels(o, ls, n, !status);
    for (int i = 0; i < n; i++)
        levels_free(&ls[i]);
    return status;
}

/* ---- totals over the model ---------------------------------------------- */

static void xsum_add(report_xsum *s, double v, int e)
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

static double sqnr_of(double sumsq, double sse)
{
    return sse > 0 ? 10 * log10(sumsq / sse) : (sumsq > 0 ? INFINITY : NAN);
}

double report_total_mse(const report_total *t)
{
    if (isfinite(t->sse))
        return t->sse / (double)t->n;
    return isfinite(t->sse_x.m) ? ldexp(t->sse_x.m / (double)t->n, t->sse_x.e) : t->sse_x.m;
}

double report_total_sqnr(const report_total *t)
{
    if (isfinite(t->sse) && isfinite(t->sumsq))
        return sqnr_of(t->sumsq, t->sse);
    const report_xsum *a = &t->sumsq_x, *b = &t->sse_x;
    if (!isfinite(a->m) || !isfinite(b->m))
        return NAN;
    if (b->m == 0)
        return a->m > 0 ? INFINITY : NAN;
    if (a->m == 0)
        return -INFINITY;
    return 10 * log10(a->m / b->m) + 10 * log10(2.0) * (double)(a->e - b->e);
}

double report_total_rel(const report_total *t)
{
    return t->uni_adds > 0 ? t->adds / t->uni_adds : NAN;
}

static void add_totals(report_total *t, const report_item *it, int nres)
{
    for (int i = 0; i < nres; i++) {
        const analyze_result *a = &it->res[i];
        if (!a->ok || a->r.n == 0 || (a->stored && a->stored_self))
            continue;   /* (the stored grid against itself has no error) */
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
    }
    int best = metric_best(&metric_table[METRIC_RANK], it->res, nres);
    if (best >= 0)
        t[best].wins++;
}

/* ---- --report / --sweep ------------------------------------------------- */

static const cli_opts *sort_opts;
static const session *sort_session;

static const loader_tensor *item_desc(const report_item *it)
{
    return &sort_session->files[it->file]->tensors[it->tensor];
}

/* error: the first scheme's SQNR, worst (lowest) first */
static int cmp_items(const void *a, const void *b)
{
    const report_item *x = a, *y = b;
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

/* --sweep=A0:A1:N: N alphas from A0 to A1 inclusive (NULL otherwise) */
static double *sweep_alphas(const cli_opts *o)
{
    if (o->mode != MODE_SWEEP)
        return NULL;
    double *alphas = util_mallocarray((size_t)o->sweep_n, sizeof *alphas);
    for (int k = 0; k < o->sweep_n; k++)
        alphas[k] = o->sweep_n == 1 ? o->sweep_a0
                    : o->sweep_a0 + (o->sweep_a1 - o->sweep_a0) * k / (o->sweep_n - 1);
    if (o->sweep_n > 1)
        alphas[o->sweep_n - 1] = o->sweep_a1;
    return alphas;
}

int report_run(const cli_opts *o)
{
    session s;
    int status = 0;
    session_open(&s, o, 0);
    if (s.failed)
        status = 1;
    /* a quantized tensor among them: its stored grid is one more scheme
     * (quant/stored.h), after those asked for */
    cli_opts o2;
    if (stored_run_any(&s)) {
        o2 = *o;
        if (stored_run_add(o2.schemes, &o2.nschemes, OPTIONS_MAX_SCHEMES))
            o = &o2;
    }
    double *alphas = sweep_alphas(o);
    report_item *items = util_calloc(s.nitems ? s.nitems : 1, sizeof *items);
    for (size_t i = 0; i < s.nitems; i++) {
        items[i].file = s.items[i].file;
        items[i].tensor = s.items[i].tensor;
    }
    if (report_pool_run(o, &s, items, alphas))
        status = 1;
    if (o->imatrix && imx_report(o, &s, items, s.nitems) < 0)
        status = 1;
    sort_opts = o;
    sort_session = &s;
    if (strcmp(o->sort, "file") != 0)
        qsort(items, s.nitems, sizeof *items, cmp_items);
    report_total tot[OPTIONS_MAX_SCHEMES];
    memset(tot, 0, sizeof tot);
    report_row *rows = util_calloc(s.nitems ? s.nitems : 1, sizeof *rows);
    size_t nok = 0;
    for (size_t i = 0; i < s.nitems; i++) {
        const report_item *it = &items[i];
        loader_file *f = s.files[it->file];
        rows[i] = (report_row) { f, &f->tensors[it->tensor], it->ok, &it->st, it->res,
                                 alphas ? it->sweep : NULL, it->hist,
                                 o->imatrix ? it->wmse : NULL, o->imatrix ? it->wnote : NULL };
        if (it->ok) {
            add_totals(tot, it, o->nschemes);
            nok++;
        }
    }
    report_doc d = { o, &s, alphas, rows, s.nitems, nok, tot };
    formatter(o)->report(&d);
    for (size_t i = 0; i < s.nitems; i++)
        for (int k = 0; k < o->nschemes; k++)
            free(items[i].sweep[k]);
    free(rows);
    free(items);
    free(alphas);
    session_close(&s);
    return status;
}

/* ---- --list ------------------------------------------------------------- */

static int cmp_list(const void *a, const void *b)
{
    const session_item *x = a, *y = b;
    const loader_tensor *tx = &sort_session->files[x->file]->tensors[x->tensor];
    const loader_tensor *ty = &sort_session->files[y->file]->tensors[y->tensor];
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
    sort_session = &s;
    sort_opts = o;
    if (strcmp(o->sort, "name") == 0 || strcmp(o->sort, "size") == 0)
        qsort(s.items, s.nitems, sizeof *s.items, cmp_list);
    report_row *rows = util_calloc(s.nitems ? s.nitems : 1, sizeof *rows);
    for (size_t i = 0; i < s.nitems; i++) {
        const loader_file *f = s.files[s.items[i].file];
        rows[i].f = f;
        rows[i].lt = &f->tensors[s.items[i].tensor];
    }
    report_doc d = { o, &s, NULL, rows, s.nitems, 0, NULL };
    formatter(o)->list(&d);
    free(rows);
    session_close(&s);
    return status;
}
