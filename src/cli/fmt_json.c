/*
 * fmt_json.c - --format=json (interface.md): the rows of report_rows.h
 * as one document, built with jansson and printed once at the end. A
 * result's numbers and their keys come from the metric table.
 */
#include "config.h"
#include "cli/report_rows.h"
#include "cli/fmt_json.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

json_t *fmt_json_num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

void fmt_json_print(json_t *doc)
{
    char *s = json_dumps(doc, JSON_REAL_PRECISION(17) | JSON_ENSURE_ASCII);
    if (s) {
        fputs(s, stdout);
        fputc('\n', stdout);
        free(s);
    }
    json_decref(doc);
}

json_t *fmt_json_str(const char *s)
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

static json_t *json_files(const session *s)
{
    json_t *files = json_array();
    for (int i = 0; i < s->nfiles; i++) {
        const loader_file *f = s->files[i];
        json_t *meta = json_object();
        for (size_t k = 0; k < f->nmeta; k++)
            jset_key(meta, f->meta[k].key, fmt_json_str(f->meta[k].value));
        json_array_append_new(files, json_pack("{s:o, s:s, s:I, s:o}", "file", fmt_json_str(f->path),
                                               "format", f->fmt->name,
                                               "tensors", (json_int_t)f->ntensors,
                                               "metadata", meta));
    }
    return files;
}

/* ---- --levels ----------------------------------------------------------- */

static void json_levels(const cli_opts *o, const levelset *ls, int n, int complete)
{
    (void)o;
    if (!complete)
        return;
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        json_t *vals = json_array();
        for (size_t k = 0; k < ls[i].n; k++)
            json_array_append_new(vals, json_real(ls[i].v[k]));
        json_t *terms = json_array();
        for (size_t k = 0; k < ls[i].n; k++)
            json_array_append_new(terms, json_integer(ls[i].terms[k]));
        json_array_append_new(arr, json_pack("{s:s, s:i, s:b, s:i, s:o, s:o}",
            "scheme", ls[i].scheme, "bits", ls[i].bits, "signed", ls[i].is_signed,
            "count", (int)ls[i].n, "values", vals, "terms", terms));
    }
    fmt_json_print(json_pack("{s:o}", "levels", arr));
}

/* ---- --report / --sweep ------------------------------------------------- */

static json_t *metric_json(const metric *m, const analyze_result *a)
{
    double v = m->get(a);
    if (m->flags & METRIC_INTEGER)
        return isfinite(v) ? json_integer((json_int_t)v) : json_null();
    return fmt_json_num(v);
}

/* One scheme's result: its settings, then the metric table's keys in
 * order: the plain ones, the granularity, the "cost" object, and the
 * scheme's own MSE-optimal alpha when it is known. */
static json_t *json_result(const cli_opts *o, const analyze_result *a)
{
    json_t *r = json_pack("{s:s, s:i, s:b, s:b, s:s}", "scheme", a->scheme,
                          "bits", o->cfg.bits, "signed", o->cfg.is_signed,
                          "normalize", o->cfg.normalize,
                          "alpha_mode", analyze_alpha_mode_name(o->cfg.amode));
    if (!a->ok) {
        json_object_set_new(r, "error", fmt_json_str(a->err));
        return r;
    }
    json_t *cost = json_object();
    for (int k = 0; k < M_N; k++) {
        const metric *m = &metric_table[k];
        if ((m->flags & METRIC_STORED) && !a->stored)
            continue;
        if (m->flags & METRIC_COST)
            json_object_set_new(cost, m->key, metric_json(m, a));
        else if (!(m->flags & METRIC_OPT))
            json_object_set_new(r, m->key, metric_json(m, a));
    }
    json_object_set_new(r, "granularity", json_string(a->granularity ? a->granularity : "tensor"));
    json_object_set_new(r, "scale_dtype", a->scale_dtype ? json_string(a->scale_dtype) : json_null());
    json_object_set_new(r, "cost", cost);
    if (a->stored) {
        /* the stored grid (quant/stored.h): its format and scales */
        json_object_set_new(r, "format", a->stored_params ? fmt_json_str(a->stored_params) : json_null());
        json_object_set_new(r, "scale_min", fmt_json_num(a->scale_min));
        json_object_set_new(r, "scale_max", fmt_json_num(a->scale_max));
        json_object_set_new(r, "groups", json_integer((json_int_t)a->nscales));
    }
    if (isfinite(a->opt_alpha))
        for (int k = 0; k < M_N; k++)
            if (metric_table[k].flags & METRIC_OPT)
                json_object_set_new(r, metric_table[k].key, metric_json(&metric_table[k], a));
    return r;
}

static json_t *json_tensor(const report_doc *d, const report_row *w)
{
    const cli_opts *o = d->o;
    const loader_tensor *lt = w->lt;
    const prep_stats *st = w->st;
    json_t *shape = json_array();
    for (int i = 0; i < lt->ndim; i++)
        json_array_append_new(shape, json_integer((json_int_t)lt->shape[i]));
    int have = st->n > 0;
    json_t *stats = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
        "mean", have ? fmt_json_num(st->mean) : json_null(),
        "std", have ? fmt_json_num(st->std) : json_null(),
        "min", have ? fmt_json_num(st->min) : json_null(),
        "max", have ? fmt_json_num(st->max) : json_null(),
        "absmax", have ? fmt_json_num(st->absmax) : json_null(),
        "kurtosis", have ? fmt_json_num(st->kurtosis) : json_null());
    json_t *results = json_array();
    for (int i = 0; i < o->nschemes; i++) {
        json_t *r = json_result(o, &w->res[i]);
        if (w->wmse && w->res[i].ok && isfinite(w->wmse[i]))
            json_object_set_new(r, "weighted_mse", fmt_json_num(w->wmse[i]));
        if (w->sweep) {
            json_t *sw = json_array();
            for (int k = 0; k < o->sweep_n; k++)
                json_array_append_new(sw, json_pack("{s:o, s:o}", "alpha", fmt_json_num(d->alphas[k]),
                                                    "mse", fmt_json_num(w->sweep[i] ? w->sweep[i][k] : NAN)));
            json_object_set_new(r, "sweep", sw);
        }
        json_array_append_new(results, r);
    }
    json_t *jt = json_pack("{s:o, s:o, s:s, s:o, s:I, s:I, s:o, s:o}",
        "file", fmt_json_str(w->f->path), "name", fmt_json_str(lt->name), "dtype", loader_dtype_name(lt),
        "shape", shape, "count", (json_int_t)lt->count,
        "nonfinite", (json_int_t)st->nonfinite, "stats", stats, "results", results);
    if (!utf8_ok(lt->name))
        json_object_set_new(jt, "name_escaped", json_true());
    json_object_set_new(jt, "engine", json_string(w->hist ? "histogram" : "sorted"));
    if (w->wnote)
        json_object_set_new(jt, "weighted_mse_note", json_string(w->wnote));
    return jt;
}

static json_t *json_totals(const report_doc *d)
{
    const cli_opts *o = d->o;
    const report_total *t = d->tot;
    json_t *res = json_array();
    uint64_t n = 0;
    for (int k = 0; k < o->nschemes; k++) {
        if (!t[k].valid)
            continue;
        if (t[k].n > n)
            n = t[k].n;
        double nn = (double)t[k].n;
        json_array_append_new(res, json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:i}",
            "scheme", o->schemes[k], "mse", fmt_json_num(report_total_mse(&t[k])),
            "sqnr_db", fmt_json_num(report_total_sqnr(&t[k])), "clipped", fmt_json_num(t[k].clipped / nn),
            "adds_mean", fmt_json_num(t[k].adds / nn),
            "relative_to_uniform", fmt_json_num(report_total_rel(&t[k])),
            "wins", t[k].wins));
    }
    return json_pack("{s:I, s:I, s:o}", "tensors", (json_int_t)d->nok, "count", (json_int_t)n,
                     "results", res);
}

static void json_report(const report_doc *d)
{
    json_t *tensors = json_array();
    for (size_t i = 0; i < d->nrows; i++)
        if (d->rows[i].ok)
            json_array_append_new(tensors, json_tensor(d, &d->rows[i]));
    json_t *doc = json_pack("{s:o}", "tensors", tensors);
    json_object_set_new(doc, "files", json_files(d->s));
    if (d->nok > 1 && d->o->mode == MODE_REPORT)
        json_object_set_new(doc, "totals", json_totals(d));
    fmt_json_print(doc);
}

/* ---- --list ------------------------------------------------------------- */

/* One value's JSON text to stdout through a buffer (json_dumpf writes it
 * in pieces, one locked fwrite each: a tenth of a 200,000-tensor list). */
static void dump_entry(const json_t *e)
{
    char buf[2048];
    size_t flags = JSON_REAL_PRECISION(17) | JSON_ENSURE_ASCII;
    size_t n = json_dumpb(e, buf, sizeof buf, flags);
    if (n == 0)
        return;
    if (n <= sizeof buf) {
        fwrite(buf, 1, n, stdout);
        return;
    }
    json_dumpf(e, stdout, flags);
}

/* {"tensors": [...], "files": [...]} written entry by entry, so 200,000
 * tensors never make one document in memory; the bytes are json_dumps'
 * of the whole document (insertion order, ", " and ": " separators). */
static void json_list(const report_doc *d)
{
    fputs("{\"tensors\": [", stdout);
    for (size_t i = 0; i < d->nrows; i++) {
        const loader_file *f = d->rows[i].f;
        const loader_tensor *t = d->rows[i].lt;
        json_t *sh = json_array();
        for (int k = 0; k < t->ndim; k++)
            json_array_append_new(sh, json_integer((json_int_t)t->shape[k]));
        json_t *nm = json_string(t->name); /* NULL: not UTF-8 */
        int escaped = nm == NULL;
        json_t *e = json_pack("{s:o, s:o, s:s, s:o, s:I, s:b}", "file", fmt_json_str(f->path),
                              "name", nm ? nm : fmt_json_str(t->name), "dtype", loader_dtype_name(t),
                              "shape", sh, "count", (json_int_t)t->count, "readable", t->readable);
        if (escaped)
            json_object_set_new(e, "name_escaped", json_true());
        if (t->type_note)
            json_object_set_new(e, "type", fmt_json_str(t->type_note));
        if (t->stored_bpw > 0)
            json_object_set_new(e, "stored_bpw", json_real(t->stored_bpw));
        if (i)
            fputs(", ", stdout);
        dump_entry(e);
        json_decref(e);
    }
    fputs("], \"files\": ", stdout);
    json_t *files = json_files(d->s);
    dump_entry(files);
    json_decref(files);
    fputs("}\n", stdout);
}

const report_fmt report_fmt_json = { json_levels, json_report, json_list };
