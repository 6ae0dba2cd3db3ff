/* plan_out.c - --plan's table, JSON and CSV (plan.h, interface.md). */
#include "config.h"
#include "cli/plan_priv.h"
#include "cli/fmt_json.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double total_wmse(const plan_run_st *r, uint64_t *n)
{
    double s = 0;
    *n = 0;
    for (size_t i = 0; i < r->nt; i++) {
        const plan_tensor *pt = &r->t[i];
        if (pt->skip || !pt->have_w || !isfinite(pt->opt[pt->choice].weighted_mse))
            continue;
        s += pt->opt[pt->choice].weighted_mse * (double)pt->count;
        *n += pt->count;
    }
    return *n ? s / (double)*n : NAN;
}

static double total_mse(const plan_run_st *r)
{
    double s = 0;
    for (size_t i = 0; i < r->nt; i++)
        if (!r->t[i].skip)
            s += r->t[i].opt[r->t[i].choice].mse * (double)r->t[i].count;
    return s / (double)r->count;
}

static double gain_db(const plan_run_st *r)
{
    if (r->best_single < 0 || !(r->err > 0))
        return NAN;
    return 10 * log10(r->single[r->best_single].err / r->err);
}

/* how many chosen quantizers have a llama.cpp type, and how many do not */
static void llama_counts(const plan_run_st *r, int *with, int *without)
{
    *with = *without = 0;
    for (size_t i = 0; i < r->nt; i++) {
        const plan_tensor *pt = &r->t[i];
        if (pt->skip)
            continue;
        if (plan_llama_type(pt->opt[pt->choice].scheme) && pt->gguf_name && pt->expert < 0)
            ++*with;
        else
            ++*without;
    }
}

/* ---- table -------------------------------------------------------------- */

static void print_table(const plan_run_st *r)
{
    const char *obj = r->im ? "count x weighted_mse (mse without an imatrix entry)" : "count x mse";
    size_t kept = 0;
    for (size_t i = 0; i < r->nt; i++)
        kept += r->t[i].skip != NULL;
    printf("plan: %s, target %.6g bits per weight over %llu values of %zu tensors (%zu more kept as stored)\n",
           r->f->path, r->o->plan_bpw, (unsigned long long)r->count, r->nt - kept, kept);
    if (r->im)
        printf("imatrix: %s (%s form, %zu entries)\n", r->im->path, r->im->legacy ? "legacy .dat" : "GGUF",
               r->im->n);
    printf("achieved: bpw %.6g, mse %.6g", (double)r->bits / (double)r->count, total_mse(r));
    uint64_t wn;
    double wm = total_wmse(r, &wn);
    if (r->im)
        printf(", weighted_mse %.6g (over %llu values with an imatrix entry)", wm, (unsigned long long)wn);
    printf("\nobjective (%s): %.6g\n", obj, r->err);
    printf("method: %s%s; %s\n", r->method, r->exact ? " (exact: a multiple-choice knapsack optimum)" : "",
           r->dp_note[0] ? r->dp_note : "exact knapsack not run");
    printf("hull: the Lagrangian plan has objective %.6g at bpw %.6g (no plan of at most its bits has less "
           "error)\n", r->hull_err, (double)r->hull_bits / (double)r->count);
    if (r->on_hull)
        printf("this plan is on the hull: every choice minimizes error + %.6g x bits over its tensor's options, "
               "so no plan of at most its %.6g bpw has less error\n", r->lambda, (double)r->bits / (double)r->count);
    else
        printf("this plan is not on the hull (no single lambda certifies it)%s\n",
               r->exact ? "; it is the exact optimum" : "");
    printf("bound: LP relaxation at the budget %.6g; this plan's gap to it %.6g (%.3g%%)%s\n", r->lp_bound,
           r->err - r->lp_bound, r->lp_bound > 0 ? 100 * (r->err - r->lp_bound) / r->lp_bound : 0.0,
           r->exact ? "; the plan is the exact optimum" : "");
    if (r->best_single >= 0) {
        const plan_single *s = &r->single[r->best_single];
        printf("best single quantizer at the budget: %s %db %s, bpw %.6g, mse %.6g, objective %.6g; "
               "the plan gains %.3f dB\n", s->scheme, s->bits, s->granularity, s->bpw, s->mse, s->err,
               gain_db(r));
    } else
        printf("best single quantizer at the budget: none fits\n");
    printf("%-44s %10s  %-24s %8s %12s", "tensor", "count", "choice", "bpw", "mse");
    if (r->im)
        printf(" %12s", "weighted_mse");
    printf("\n");
    for (size_t i = 0; i < r->nt; i++) {
        const plan_tensor *pt = &r->t[i];
        if (pt->skip) {
            printf("%-44s %10llu  - (%s)\n", pt->name, (unsigned long long)pt->count, pt->skip);
            continue;
        }
        const plan_opt *c = &pt->opt[pt->choice];
        char ch[64];
        snprintf(ch, sizeof ch, "%s %db %s", c->scheme, c->bits, c->granularity);
        printf("%-44s %10llu  %-24s %8.4g %12.4g", pt->name, (unsigned long long)pt->count, ch, c->bpw, c->mse);
        if (r->im) {
            if (pt->have_w)
                printf(" %12.4g", c->weighted_mse);
            else
                printf(" %12s (no imatrix entry)", "-");
        }
        printf("\n");
        for (int k = 0; k < pt->nopt; k++) {
            const plan_opt *o = &pt->opt[k];
            snprintf(ch, sizeof ch, "%s %db %s", o->scheme, o->bits, o->granularity);
            printf("  %c%c %-40s %10s  %-24s %8.4g %12.4g", k == pt->choice ? '*' : ' ', o->on_hull ? 'h' : ' ',
                   "", "", ch, o->bpw, o->mse);
            if (r->im && pt->have_w)
                printf(" %12.4g", o->weighted_mse);
            printf("\n");
        }
    }
    int with, without;
    llama_counts(r, &with, &without);
    if (with) {
        printf("llama-quantize (%d tensors; %d others chose quantizers without a GGUF type or name):\n ", with,
               without);
        for (size_t i = 0; i < r->nt; i++) {
            const plan_tensor *pt = &r->t[i];
            if (!pt->skip && plan_llama_type(pt->opt[pt->choice].scheme) && pt->gguf_name && pt->expert < 0)
                printf(" --tensor-type %s=%s", pt->gguf_name, plan_llama_type(pt->opt[pt->choice].scheme));
        }
        printf("\n");
    }
    printf("('*' the choice, 'h' on the tensor's lower convex hull; %.3g s)\n", r->seconds);
}

/* ---- JSON --------------------------------------------------------------- */


static json_t *opt_json(const plan_run_st *r, const plan_tensor *pt, const plan_opt *o)
{
    json_t *j = json_object();
    json_object_set_new(j, "scheme", fmt_json_str(o->scheme));
    json_object_set_new(j, "bits", json_integer(o->bits));
    json_object_set_new(j, "granularity", fmt_json_str(o->granularity));
    json_object_set_new(j, "scale_dtype", fmt_json_str(o->scale_dtype));
    json_object_set_new(j, "bpw", fmt_json_num(o->bpw));
    json_object_set_new(j, "bits_total", json_integer((json_int_t)o->cost));
    json_object_set_new(j, "mse", fmt_json_num(o->mse));
    if (r->im && pt->have_w)
        json_object_set_new(j, "weighted_mse", fmt_json_num(o->weighted_mse));
    json_object_set_new(j, "error", fmt_json_num(o->err));
    json_object_set_new(j, "on_hull", json_boolean(o->on_hull));
    if (plan_llama_type(o->scheme))
        json_object_set_new(j, "llama_type", fmt_json_str(plan_llama_type(o->scheme)));
    return j;
}

static void print_json(const plan_run_st *r)
{
    json_t *doc = json_object();
    json_object_set_new(doc, "file", fmt_json_str(r->f->path));
    json_object_set_new(doc, "target_bpw", fmt_json_num(r->o->plan_bpw));
    json_object_set_new(doc, "bpw", fmt_json_num((double)r->bits / (double)r->count));
    json_object_set_new(doc, "bits_total", json_integer((json_int_t)r->bits));
    json_object_set_new(doc, "budget_bits", json_integer((json_int_t)r->budget));
    json_object_set_new(doc, "count", json_integer((json_int_t)r->count));
    json_object_set_new(doc, "mse", fmt_json_num(total_mse(r)));
    uint64_t wn;
    double wm = total_wmse(r, &wn);
    if (r->im) {
        json_object_set_new(doc, "weighted_mse", fmt_json_num(wm));
        json_object_set_new(doc, "weighted_count", json_integer((json_int_t)wn));
        json_object_set_new(doc, "imatrix", fmt_json_str(r->im->path));
        json_object_set_new(doc, "imatrix_form", fmt_json_str(r->im->legacy ? "dat" : "gguf"));
    }
    json_object_set_new(doc, "objective", fmt_json_str(r->im ? "weighted_mse" : "mse"));
    json_object_set_new(doc, "error", fmt_json_num(r->err));
    json_object_set_new(doc, "method", fmt_json_str(r->method));
    json_object_set_new(doc, "exact", json_boolean(r->exact));
    json_object_set_new(doc, "on_hull", json_boolean(r->on_hull));
    if (r->on_hull)
        json_object_set_new(doc, "lambda", fmt_json_num(r->lambda));
    json_object_set_new(doc, "hull_error", fmt_json_num(r->hull_err));
    json_object_set_new(doc, "hull_bpw", fmt_json_num((double)r->hull_bits / (double)r->count));
    json_object_set_new(doc, "lp_bound", fmt_json_num(r->lp_bound));
    json_object_set_new(doc, "gap", fmt_json_num(r->err - r->lp_bound));
    if (r->dp_note[0])
        json_object_set_new(doc, "dp_note", fmt_json_str(r->dp_note));
    json_object_set_new(doc, "seconds", fmt_json_num(r->seconds));
    if (r->best_single >= 0) {
        const plan_single *s = &r->single[r->best_single];
        json_t *b = json_object();
        json_object_set_new(b, "scheme", fmt_json_str(s->scheme));
        json_object_set_new(b, "bits", json_integer(s->bits));
        json_object_set_new(b, "granularity", fmt_json_str(s->granularity));
        json_object_set_new(b, "bpw", fmt_json_num(s->bpw));
        json_object_set_new(b, "mse", fmt_json_num(s->mse));
        json_object_set_new(b, "error", fmt_json_num(s->err));
        json_object_set_new(doc, "best_single", b);
        json_object_set_new(doc, "gain_db", fmt_json_num(gain_db(r)));
    }
    json_t *ts = json_array(), *kept = json_array();
    for (size_t i = 0; i < r->nt; i++) {
        const plan_tensor *pt = &r->t[i];
        if (pt->skip) {
            json_t *k = json_object();
            json_object_set_new(k, "name", fmt_json_str(pt->name));
            json_object_set_new(k, "count", json_integer((json_int_t)pt->count));
            json_object_set_new(k, "reason", fmt_json_str(pt->skip));
            json_array_append_new(kept, k);
            continue;
        }
        const plan_opt *c = &pt->opt[pt->choice];
        json_t *t = json_object();
        json_object_set_new(t, "name", fmt_json_str(pt->name));
        if (pt->gguf_name)
            json_object_set_new(t, "gguf_name", fmt_json_str(pt->gguf_name));
        json_object_set_new(t, "count", json_integer((json_int_t)pt->count));
        json_t *sh = json_array();
        for (int d = 0; d < pt->ndim; d++)
            json_array_append_new(sh, json_integer((json_int_t)pt->shape[d]));
        json_object_set_new(t, "shape", sh);
        json_object_set_new(t, "scheme", fmt_json_str(c->scheme));
        json_object_set_new(t, "bits", json_integer(c->bits));
        json_object_set_new(t, "granularity", fmt_json_str(c->granularity));
        json_object_set_new(t, "scale_dtype", fmt_json_str(c->scale_dtype));
        json_object_set_new(t, "bpw", fmt_json_num(c->bpw));
        json_object_set_new(t, "mse", fmt_json_num(c->mse));
        if (r->im) {
            if (pt->have_w)
                json_object_set_new(t, "weighted_mse", fmt_json_num(c->weighted_mse));
            else
                json_object_set_new(t, "weighted_mse_note", fmt_json_str("no imatrix entry"));
        }
        if (plan_llama_type(c->scheme))
            json_object_set_new(t, "llama_type", fmt_json_str(plan_llama_type(c->scheme)));
        json_t *os = json_array();
        for (int k = 0; k < pt->nopt; k++)
            json_array_append_new(os, opt_json(r, pt, &pt->opt[k]));
        json_object_set_new(t, "options", os);
        json_array_append_new(ts, t);
    }
    json_object_set_new(doc, "tensors", ts);
    json_object_set_new(doc, "kept", kept);
    /* what a figure of the frontier needs */
    json_t *fr = json_object(), *path = json_array(), *sg = json_array();
    for (size_t i = 0; i < r->nfront; i++) {
        json_t *p = json_object();
        json_object_set_new(p, "bpw", fmt_json_num(r->frontier[i].bpw));
        json_object_set_new(p, "mse", fmt_json_num(r->frontier[i].mse));
        json_object_set_new(p, "error", fmt_json_num(r->frontier[i].err));
        json_array_append_new(path, p);
    }
    for (size_t i = 0; i < r->nsingle; i++) {
        const plan_single *s = &r->single[i];
        json_t *p = json_object();
        json_object_set_new(p, "scheme", fmt_json_str(s->scheme));
        json_object_set_new(p, "bits", json_integer(s->bits));
        json_object_set_new(p, "granularity", fmt_json_str(s->granularity));
        json_object_set_new(p, "bpw", fmt_json_num(s->bpw));
        json_object_set_new(p, "mse", fmt_json_num(s->mse));
        json_object_set_new(p, "error", fmt_json_num(s->err));
        json_object_set_new(p, "fits", json_boolean(s->fits));
        json_array_append_new(sg, p);
    }
    json_object_set_new(fr, "hull_path", path);
    json_object_set_new(fr, "single", sg);
    json_t *cp = json_object();
    json_object_set_new(cp, "bpw", fmt_json_num((double)r->bits / (double)r->count));
    json_object_set_new(cp, "mse", fmt_json_num(total_mse(r)));
    json_object_set_new(cp, "error", fmt_json_num(r->err));
    json_object_set_new(fr, "chosen", cp);
    json_object_set_new(doc, "frontier", fr);
    json_t *args = json_array();
    for (size_t i = 0; i < r->nt; i++) {
        const plan_tensor *pt = &r->t[i];
        if (!pt->skip && plan_llama_type(pt->opt[pt->choice].scheme) && pt->gguf_name && pt->expert < 0) {
            char *a = util_asprintf("%s=%s", pt->gguf_name, plan_llama_type(pt->opt[pt->choice].scheme));
            json_array_append_new(args, fmt_json_str("--tensor-type"));
            json_array_append_new(args, fmt_json_str(a));
            free(a);
        }
    }
    json_object_set_new(doc, "llama_quantize_args", args);
    fmt_json_print(doc);
}

/* ---- CSV ---------------------------------------------------------------- */

static void csv_line(const char *kind, const char *name, uint64_t count, const plan_opt *o, int chosen,
                     const char *wm)
{
    char c[32], b[40], m[40], bits[16];
    snprintf(c, sizeof c, "%llu", (unsigned long long)count);
    fputs(kind, stdout);
    const char *f[10] = { name, c, "", "", "", "", "", "", "", "" };
    if (o) {
        snprintf(bits, sizeof bits, "%d", o->bits);
        f[2] = o->scheme, f[3] = bits, f[4] = o->granularity, f[5] = o->scale_dtype;
        f[6] = util_fmt_exact(b, sizeof b, o->bpw);
        f[7] = util_fmt_exact(m, sizeof m, o->mse);
        f[8] = wm;
        f[9] = chosen ? "chosen" : o->on_hull ? "hull" : "";
    }
    for (int i = 0; i < 10; i++) {
        fputc(',', stdout);
        util_csv_field(stdout, f[i] ? f[i] : "");
    }
    fputc('\n', stdout);
}

static void print_csv(const plan_run_st *r)
{
    printf("kind,tensor,count,scheme,bits,granularity,scale_dtype,bpw,mse,weighted_mse,mark\n");
    char w[40];
    for (size_t i = 0; i < r->nt; i++) {
        const plan_tensor *pt = &r->t[i];
        if (pt->skip) {
            csv_line("kept", pt->name, pt->count, NULL, 0, "");
            continue;
        }
        for (int k = 0; k < pt->nopt; k++) {
            const plan_opt *o = &pt->opt[k];
            const char *wm = pt->have_w ? util_fmt_exact(w, sizeof w, o->weighted_mse) : "";
            csv_line(k == pt->choice ? "choice" : "option", pt->name, pt->count, o, k == pt->choice, wm);
        }
    }
    char b[40], m[40], wmb[40];
    uint64_t wn;
    double wm = total_wmse(r, &wn);
    printf("total,,%llu,,,,,%s,%s,%s,%s\n", (unsigned long long)r->count,
           util_fmt_exact(b, sizeof b, (double)r->bits / (double)r->count),
           util_fmt_exact(m, sizeof m, total_mse(r)), r->im ? util_fmt_exact(wmb, sizeof wmb, wm) : "",
           r->method);
}

void plan_print(const plan_run_st *r)
{
    switch (r->o->format) {
    case FMT_JSON:
        print_json(r);
        break;
    case FMT_CSV:
        print_csv(r);
        break;
    default:
        print_table(r);
        break;
    }
}
