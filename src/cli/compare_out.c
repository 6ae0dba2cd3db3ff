/* compare_out.c - --compare's table, JSON and CSV (compare.h,
 * interface.md). */
#include "config.h"
#include "cli/compare_priv.h"
#include "cli/fmt_json.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Count-weighted totals over the pairs with metrics. */
typedef struct cmp_totals {
    uint64_t count, pairs, nonfinite, wcount;
    double e2, a2, b2, ab, bits, max, wsum;
} cmp_totals;

static cmp_totals totals(const cmp_run *r)
{
    cmp_totals t = { 0 };
    for (size_t i = 0; i < r->npairs; i++) {
        const cmp_pair *p = &r->pairs[i];
        if (p->error)
            continue;
        t.pairs++;
        t.count += p->count;
        t.nonfinite += p->nonfinite;
        t.e2 += p->sum_e2, t.a2 += p->sum_a2, t.b2 += p->sum_b2, t.ab += p->sum_ab;
        t.bits += p->right_bpw * (double)p->count;
        t.max = p->max_abs_err > t.max ? p->max_abs_err : t.max;
        if (p->have_w && isfinite(p->weighted_mse)) {
            t.wcount += p->count;
            t.wsum += p->weighted_mse * (double)p->count;
        }
    }
    return t;
}

static const char *transform_text(const cmp_run *r, const cmp_pair *p, char *buf, size_t len)
{
    buf[0] = '\0';
    if (p->perm)
        snprintf(buf, len, "unpermuted (llama.cpp q/k rows, n_head %llu)", (unsigned long long)p->n_head);
    else if (p->plus_one)
        snprintf(buf, len, "gguf norm - 1 (Gemma)");
    else if (p->nleft > 1)
        snprintf(buf, len, "%d experts stacked", p->nleft);
    (void)r;
    return buf;
}

static const char *right_dtype(const cmp_run *r, const cmp_pair *p)
{
    return loader_dtype_name(&r->rf->tensors[p->right]);
}

static const char *left_dtype(const cmp_run *r, const cmp_pair *p)
{
    return loader_dtype_name(&r->lf->tensors[p->left[0]]);
}

static const char *num(char *buf, size_t len, double v)
{
    if (isnan(v))
        return "-";
    if (isinf(v))
        return v > 0 ? "inf" : "-inf";
    return util_fmt_exact(buf, len, v);
}

/* ---- table -------------------------------------------------------------- */

static void print_table(const cmp_run *r)
{
    char b1[40], b2[40], b3[40], b4[40], tr[96];
    printf("compare: %s (original) against %s\n", r->lf->path, r->rf->path);
    if (r->nperm)
        printf("note: llama.cpp's q/k row permutation (arch %s, head_count %ld, head_count_kv %ld) "
               "was undone for %d tensors\n", r->arch, r->head_count, r->head_count_kv, r->nperm);
    if (r->nplus)
        printf("note: Gemma's norm weights are stored + 1 in GGUF; 1 was subtracted for %d tensors\n", r->nplus);
    if (r->im)
        printf("imatrix: %s (%s form, %zu entries): weighted_mse for %d of %zu pairs\n", r->im->path,
               r->im->legacy ? "legacy .dat" : "GGUF", r->im->n, r->nweighted, r->npairs);
    printf("%10s %12s %10s %12s %-14s %6s %10s  %-30s ", "sqnr_db", "mse", "cosine", "max_abs_err",
           "right_dtype", "bpw", "count", "best_at_same_bpw (mse)");
    if (r->im)
        printf("%12s ", "weighted_mse");
    printf("tensor\n");
    for (size_t i = 0; i < r->npairs; i++) {
        const cmp_pair *p = &r->pairs[i];
        const char *rn = r->rf->tensors[p->right].name;
        const char *same = strcmp(rn, p->left_name) == 0 ? "" : " -> ";
        if (p->error) {
            printf("%10s %12s %10s %12s %-14s %6.3g %10s  %-30s ", "-", "-", "-", "-", right_dtype(r, p),
                   p->right_bpw, "-", "-");
            if (r->im)
                printf("%12s ", "-");
            printf("%s%s%s: %s\n", p->left_name, same, *same ? rn : "", p->error);
            continue;
        }
        snprintf(b1, sizeof b1, "%.2f", p->sqnr_db);
        snprintf(b2, sizeof b2, "%.4g", p->mse);
        snprintf(b3, sizeof b3, "%.6f", p->cosine);
        snprintf(b4, sizeof b4, "%.4g", p->max_abs_err);
        transform_text(r, p, tr, sizeof tr);
        char bb[96] = "-";
        if (p->best.have)
            snprintf(bb, sizeof bb, "%s %db %s %.4g", p->best.scheme, p->best.bits, p->best.granularity, p->best.mse);
        printf("%10s %12s %10s %12s %-14s %6.3g %10llu  %-30s ", isinf(p->sqnr_db) ? "inf" : b1, b2,
               isnan(p->cosine) ? "-" : b3, b4, right_dtype(r, p), p->right_bpw, (unsigned long long)p->count, bb);
        if (r->im) {
            char bw[40] = "-";
            if (p->have_w)
                snprintf(bw, sizeof bw, "%.4g", p->weighted_mse);
            printf("%12s ", bw);
        }
        printf("%s%s%s%s%s%s%s%s\n", p->left_name, same, *same ? rn : "", *tr ? " [" : "", tr, *tr ? "]" : "",
               r->im && !p->have_w ? " (no imatrix entry: no weighted_mse)" : "", "");
    }
    cmp_totals t = totals(r);
    if (t.count)
        printf("total: %llu pairs, %llu values, bpw %.4g, mse %.4g, sqnr_db %.2f, cosine %.6f, max_abs_err %.4g\n",
               (unsigned long long)t.pairs, (unsigned long long)t.count, t.bits / (double)t.count,
               t.e2 / (double)(t.count - t.nonfinite), 10 * log10(t.a2 / t.e2), t.ab / sqrt(t.a2 * t.b2), t.max);
    if (r->im && t.wcount)
        printf("total weighted_mse (count-weighted over the %d pairs with an imatrix entry, %llu values): %.4g\n",
               r->nweighted, (unsigned long long)t.wcount, t.wsum / (double)t.wcount);
    for (size_t i = 0; i < r->nul; i++)
        printf("unmatched in %s: %s\n", r->lf->path, r->lf->tensors[r->unmatched_left[i]].name);
    for (size_t i = 0; i < r->nur; i++)
        printf("unmatched in %s: %s\n", r->rf->path, r->rf->tensors[r->unmatched_right[i]].name);
}

/* ---- JSON --------------------------------------------------------------- */


static json_t *shape_json(const loader_tensor *t)
{
    json_t *a = json_array();
    for (int i = 0; i < t->ndim; i++)
        json_array_append_new(a, json_integer((json_int_t)t->shape[i]));
    return a;
}

static void print_json(const cmp_run *r)
{
    char tr[96];
    json_t *doc = json_object();
    json_object_set_new(doc, "left", fmt_json_str(r->lf->path));
    json_object_set_new(doc, "right", fmt_json_str(r->rf->path));
    if (r->arch)
        json_object_set_new(doc, "arch", fmt_json_str(r->arch));
    json_object_set_new(doc, "permutation_undone", json_integer(r->nperm));
    if (r->nperm) {
        json_object_set_new(doc, "head_count", json_integer(r->head_count));
        json_object_set_new(doc, "head_count_kv", json_integer(r->head_count_kv));
    }
    json_t *pairs = json_array();
    for (size_t i = 0; i < r->npairs; i++) {
        const cmp_pair *p = &r->pairs[i];
        json_t *o = json_object();
        json_object_set_new(o, "left", fmt_json_str(p->left_name));
        json_object_set_new(o, "right", fmt_json_str(r->rf->tensors[p->right].name));
        json_object_set_new(o, "count", json_integer((json_int_t)r->rf->tensors[p->right].count));
        json_object_set_new(o, "shape", shape_json(&r->rf->tensors[p->right]));
        json_object_set_new(o, "left_dtype", fmt_json_str(left_dtype(r, p)));
        json_object_set_new(o, "right_dtype", fmt_json_str(right_dtype(r, p)));
        json_object_set_new(o, "right_bpw", fmt_json_num(p->right_bpw));
        if (p->error)
            json_object_set_new(o, "error", fmt_json_str(p->error));
        else {
            json_object_set_new(o, "mse", fmt_json_num(p->mse));
            json_object_set_new(o, "sqnr_db", fmt_json_num(p->sqnr_db));
            json_object_set_new(o, "cosine", fmt_json_num(p->cosine));
            json_object_set_new(o, "max_abs_err", fmt_json_num(p->max_abs_err));
            json_object_set_new(o, "nonfinite", json_integer((json_int_t)p->nonfinite));
            if (p->have_w)
                json_object_set_new(o, "weighted_mse", fmt_json_num(p->weighted_mse));
            else if (r->im)
                json_object_set_new(o, "weighted_mse_note", fmt_json_str(p->w_note ? p->w_note : "no imatrix entry"));
            if (p->best.have) {
                json_t *bo = json_object();
                json_object_set_new(bo, "scheme", fmt_json_str(p->best.scheme));
                json_object_set_new(bo, "bits", json_integer(p->best.bits));
                json_object_set_new(bo, "granularity", fmt_json_str(p->best.granularity));
                json_object_set_new(bo, "scale_dtype", fmt_json_str(p->best.scale_dtype));
                json_object_set_new(bo, "bpw", fmt_json_num(p->best.bpw));
                json_object_set_new(bo, "mse", fmt_json_num(p->best.mse));
                json_object_set_new(o, "best_at_same_bpw", bo);
            }
            if (p->stored_have) {
                /* the original on the quantized file's own grid, nearest level */
                json_t *so = json_object();
                json_object_set_new(so, "mse", fmt_json_num(p->stored_mse));
                json_object_set_new(so, "sqnr_db", fmt_json_num(p->stored_sqnr_db));
                json_object_set_new(so, "max_abs_err", fmt_json_num(p->stored_max_abs_err));
                json_object_set_new(o, "stored_nearest", so);
            }
        }
        transform_text(r, p, tr, sizeof tr);
        json_object_set_new(o, "unpermuted", json_boolean(p->perm != 0));
        if (*tr)
            json_object_set_new(o, "transform", fmt_json_str(tr));
        json_array_append_new(pairs, o);
    }
    json_object_set_new(doc, "pairs", pairs);
    json_t *ul = json_array(), *ur = json_array();
    for (size_t i = 0; i < r->nul; i++)
        json_array_append_new(ul, fmt_json_str(r->lf->tensors[r->unmatched_left[i]].name));
    for (size_t i = 0; i < r->nur; i++)
        json_array_append_new(ur, fmt_json_str(r->rf->tensors[r->unmatched_right[i]].name));
    json_object_set_new(doc, "unmatched_left", ul);
    json_object_set_new(doc, "unmatched_right", ur);
    cmp_totals t = totals(r);
    json_t *to = json_object();
    json_object_set_new(to, "pairs", json_integer((json_int_t)t.pairs));
    json_object_set_new(to, "count", json_integer((json_int_t)t.count));
    json_object_set_new(to, "right_bpw", fmt_json_num(t.count ? t.bits / (double)t.count : NAN));
    json_object_set_new(to, "mse", fmt_json_num(t.count > t.nonfinite ? t.e2 / (double)(t.count - t.nonfinite) : NAN));
    json_object_set_new(to, "sqnr_db", fmt_json_num(10 * log10(t.a2 / t.e2)));
    json_object_set_new(to, "cosine", fmt_json_num(t.ab / sqrt(t.a2 * t.b2)));
    json_object_set_new(to, "max_abs_err", fmt_json_num(t.max));
    if (r->im) {
        json_object_set_new(to, "weighted_mse", fmt_json_num(t.wcount ? t.wsum / (double)t.wcount : NAN));
        json_object_set_new(to, "weighted_pairs", json_integer(r->nweighted));
        json_object_set_new(doc, "imatrix", fmt_json_str(r->im->path));
        json_object_set_new(doc, "imatrix_form", fmt_json_str(r->im->legacy ? "dat" : "gguf"));
    }
    json_object_set_new(doc, "totals", to);
    fmt_json_print(doc);
}

/* ---- CSV ---------------------------------------------------------------- */

static void csv_row(const char *kind, const char *l, const char *rn, const char *cnt, const char *ld,
                    const char *rd, const char *bpw, const char *m[4], const char *tr, const char *err,
                    const char *bs[6], const char *wm)
{
    fputs(kind, stdout);
    const char *f[] = { l, rn, cnt, ld, rd, bpw, m[0], m[1], m[2], m[3], tr, err,
                        bs[0], bs[1], bs[2], bs[3], bs[4], bs[5], wm };
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
        fputc(',', stdout);
        util_csv_field(stdout, f[i] ? f[i] : "");
    }
    fputc('\n', stdout);
}

static void print_csv(const cmp_run *r)
{
    char c[32], bp[40], m0[40], m1[40], m2[40], m3[40], tr[96];
    printf("kind,left,right,count,left_dtype,right_dtype,right_bpw,mse,sqnr_db,cosine,max_abs_err,transform,error,"
           "best_scheme,best_bits,best_granularity,best_scale_dtype,best_bpw,best_mse,weighted_mse\n");
    const char *none[6] = { "", "", "", "", "", "" };
    char bb[20], bbp[40], bm[40], wmb[40];
    for (size_t i = 0; i < r->npairs; i++) {
        const cmp_pair *p = &r->pairs[i];
        snprintf(c, sizeof c, "%llu", (unsigned long long)r->rf->tensors[p->right].count);
        const char *m[4] = { num(m0, sizeof m0, p->mse), num(m1, sizeof m1, p->sqnr_db),
                             num(m2, sizeof m2, p->cosine), num(m3, sizeof m3, p->max_abs_err) };
        const char *bs[6] = { "", "", "", "", "", "" };
        if (p->best.have) {
            snprintf(bb, sizeof bb, "%d", p->best.bits);
            bs[0] = p->best.scheme, bs[1] = bb, bs[2] = p->best.granularity, bs[3] = p->best.scale_dtype;
            bs[4] = num(bbp, sizeof bbp, p->best.bpw), bs[5] = num(bm, sizeof bm, p->best.mse);
        }
        csv_row("pair", p->left_name, r->rf->tensors[p->right].name, c, left_dtype(r, p), right_dtype(r, p),
                num(bp, sizeof bp, p->right_bpw), p->error ? none : m, transform_text(r, p, tr, sizeof tr),
                p->error, bs, p->have_w ? num(wmb, sizeof wmb, p->weighted_mse) : "");
    }
    for (size_t i = 0; i < r->nul; i++)
        csv_row("unmatched_left", r->lf->tensors[r->unmatched_left[i]].name, "", "", "", "", "", none, "", "", none, "");
    for (size_t i = 0; i < r->nur; i++)
        csv_row("unmatched_right", "", r->rf->tensors[r->unmatched_right[i]].name, "", "", "", "", none, "", "", none, "");
    cmp_totals t = totals(r);
    if (t.count) {
        snprintf(c, sizeof c, "%llu", (unsigned long long)t.count);
        const char *m[4] = { num(m0, sizeof m0, t.e2 / (double)(t.count - t.nonfinite)),
                             num(m1, sizeof m1, 10 * log10(t.a2 / t.e2)),
                             num(m2, sizeof m2, t.ab / sqrt(t.a2 * t.b2)), num(m3, sizeof m3, t.max) };
        csv_row("total", "", "", c, "", "", num(bp, sizeof bp, t.bits / (double)t.count), m, "", "", none,
                t.wcount ? num(wmb, sizeof wmb, t.wsum / (double)t.wcount) : "");
    }
}

void compare_print(const cmp_run *r)
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
