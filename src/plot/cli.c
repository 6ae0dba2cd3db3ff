/*
 * cli.c - the --export mode (plot_cli in plot.h): turn the command line
 * into a plot_spec, prepare the tensor(s) with the same engine calls as
 * --report, export, and with --format=csv print the figure's data.
 */
#include "config.h"
#include "plot/plot.h"
#include "plot/hist_stored.h"
#include "plot/figures.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/session.h"
#include "quant/levels.h"

/* Export s (plot_export_csv): 0, or 1 with the reason on stderr. */
static int export_said(const plot_spec *s, FILE *csv)
{
    util_err err = { { 0 } };
    if (plot_export_csv(s, csv, &err) < 0) {
        fprintf(stderr, "apotview: %s\n", err.msg);
        return 1;
    }
    return 0;
}

static const char *sort_key;

static int cmp_layer(const void *a, const void *b)
{
    const plot_layer *x = a, *y = b;
    if (strcmp(sort_key, "name") == 0)
        return strcmp(x->name, y->name);
    if (strcmp(sort_key, "size") == 0)
        return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
    /* error: the first scheme's mse, largest first; NaN last */
    double u = x->mse[0], v = y->mse[0];
    if (isnan(u) || isnan(v))
        return isnan(u) - isnan(v);
    return u < v ? 1 : u > v ? -1 : 0;
}

/* --alpha=file: the alpha stored beside tensor ti of f into cfg (as the
 * report does); -1 with a message when there is none. */
static int file_alpha(loader_file *f, size_t ti, analyze_cfg *cfg)
{
    if (cfg->amode != ALPHA_FILE)
        return 0;
    if (loader_sibling_alpha(f, ti, &cfg->alpha) == 0 && cfg->alpha > 0 && isfinite(cfg->alpha))
        return 0;
    char *sn = loader_sibling_alpha_name(f, ti);
    util_warn("%s: %s: --alpha=file: no stored alpha (%s%s%s)", f->path, f->tensors[ti].name,
              sn ? "no positive 1-element tensor " : "not a '.weight' tensor", sn ? sn : "",
              sn ? " in the file" : "");
    free(sn);
    return -1;
}

/* Read tensor ti of f in C order into t (as the report does: double when
 * float cannot hold the values). Returns the buffer (caller frees) or NULL
 * with a message printed. */
static void *read_raw(loader_file *f, size_t ti, group_tensor *t)
{
    const loader_tensor *lt = &f->tensors[ti];
    util_err e = { { 0 } };
    int dbl = !dtype_fits_float(lt->dtype);
    void *buf = session_read(f, ti, dbl, &e);
    if (!buf) {
        fprintf(stderr, "apotview: %s\n", e.msg);
        return NULL;
    }
    t->vals = buf;
    t->is_double = dbl;
    t->ndim = lt->ndim;
    t->shape = lt->shape;
    t->count = lt->count;
    return buf;
}

/* Prepare a tensor from values already read in C order (a copy: the
 * preparation sorts its buffer), instead of reading the file again. */
static prep *prep_of_raw(const group_tensor *t, util_err *err)
{
    size_t esz = t->is_double ? sizeof(double) : sizeof(float);
    void *cp = util_mallocarray(t->count ? (size_t)t->count : 1, esz);
    memcpy(cp, t->vals, (size_t)t->count * esz);
    return t->is_double ? prep_create_double(cp, t->count, NULL, err)
                        : prep_create_float(cp, t->count, NULL, err);
}

/* channels: the first selected tensor, slices along --axis. */
static int cli_channels(session *ses, plot_spec *s, FILE *csv)
{
    loader_file *f = ses->files[ses->items[0].file];
    size_t ti = ses->items[0].tensor;
    if (ses->nitems > 1)
        util_warn("%zu tensors selected; the channels figure shows the first, %s "
                        "(choose one with -t NAME)", ses->nitems, f->tensors[ti].name);
    if (file_alpha(f, ti, &s->cfg) < 0)
        return 1;
    void *buf = read_raw(f, ti, &s->raw);
    if (!buf)
        return 1;
    s->tensor_name = f->tensors[ti].name;
    s->file_name = f->path;
    int rc = export_said(s, csv);
    free(buf);
    return rc;
}

/* compare: the left tensor from the first FILE, the right from the
 * second. When each FILE selects exactly one tensor, those two (their names
 * may differ); otherwise the first tensor selected in the first FILE and
 * the tensor of the same name in the second, as the viewer pairs them. */
static int cli_compare(session *ses, plot_spec *s, FILE *csv)
{
    if (ses->nfiles != 2)
        return 1; /* a file could not be opened: already reported */
    long first[2] = { -1, -1 };
    size_t nsel[2] = { 0, 0 };
    for (size_t i = 0; i < ses->nitems; i++) {
        int fi = ses->items[i].file;
        if (fi < 0 || fi > 1)
            continue;
        if (first[fi] < 0)
            first[fi] = (long)i;
        nsel[fi]++;
    }
    for (int k = 0; k < 2; k++)
        if (first[k] < 0) {
            util_warn("%s: no tensor selected for the compare figure", ses->files[k]->path);
            return 1;
        }
    session_item L = ses->items[first[0]], R = ses->items[first[1]];
    const char *lname = ses->files[0]->tensors[L.tensor].name;
    if (nsel[0] != 1 || nsel[1] != 1) {
        long r = -1;
        for (size_t i = 0; i < ses->nitems && r < 0; i++)
            if (ses->items[i].file == 1 && strcmp(ses->files[1]->tensors[ses->items[i].tensor].name, lname) == 0)
                r = (long)i;
        if (r < 0) {
            util_warn("%s has no tensor named %s to compare with %s "
                            "(choose the pair with FILE:TENSOR twice)",
                    ses->files[1]->path, lname, ses->files[0]->path);
            return 1;
        }
        R = ses->items[r];
        if (nsel[0] > 1)
            util_warn("%zu tensors selected in %s; the compare figure shows the first, %s "
                            "(choose one with -t NAME or FILE:TENSOR)", nsel[0], ses->files[0]->path, lname);
    }
    loader_file *fl = ses->files[0], *fr = ses->files[1];
    const loader_tensor *tl = &fl->tensors[L.tensor], *tr = &fr->tensors[R.tensor];
    if (file_alpha(fl, L.tensor, &s->cfg) < 0)
        return 1;
    s->alpha_right = s->cfg.alpha;
    if (s->cfg.amode == ALPHA_FILE) {
        analyze_cfg c2 = s->cfg;
        if (file_alpha(fr, R.tensor, &c2) < 0)
            return 1;
        s->alpha_right = c2.alpha;
    }
    int same = tl->ndim == tr->ndim && tl->count == tr->count;
    for (int i = 0; same && i < tl->ndim; i++)
        same = tl->shape[i] == tr->shape[i];
    void *bl = NULL, *br = NULL;
    prep *pl = NULL, *pr = NULL;
    int rc = 1;
    util_err err = { { 0 } };
    if (same && (!(bl = read_raw(fl, L.tensor, &s->raw)) || !(br = read_raw(fr, R.tensor, &s->raw2))))
        goto out;
    if (!(pl = same ? prep_of_raw(&s->raw, &err) : session_prepare(fl, L.tensor, NULL, &err)) ||
        !(pr = same ? prep_of_raw(&s->raw2, &err) : session_prepare(fr, R.tensor, NULL, &err))) {
        fprintf(stderr, "apotview: %s\n", err.msg);
        goto out;
    }
    s->p = pl;
    s->p2 = pr;
    s->tensor_name = tl->name;
    s->file_name = fl->path;
    s->tensor_name2 = tr->name;
    s->file_name2 = fr->path;
    if (plot_export_csv(s, csv, &err) < 0) {
        fprintf(stderr, "apotview: %s\n", err.msg);
        goto out;
    }
    rc = 0;
out:
    prep_free(pl);
    prep_free(pr);
    free(bl);
    free(br);
    return rc;
}

/* damage: the pairs of the compare, coloured by their stored type */
typedef struct damage_ctx {
    plot_spec *s;
    FILE *csv;
} damage_ctx;

static int damage_sink(void *ctx, const compare_row *rows, size_t n)
{
    damage_ctx *c = ctx;
    plot_spec *s = c->s;
    if (n == 0) {
        util_warn("no pair of tensors to draw");
        return 1;
    }
    plot_layer *ly = util_calloc(n, sizeof *ly);
    const char **types = util_calloc(n, sizeof *types);
    double *bpw = util_calloc(n, sizeof *bpw), *cnt = util_calloc(n, sizeof *cnt);
    int nt = 0;
    for (size_t i = 0; i < n; i++) {
        int k = 0;
        while (k < nt && strcmp(types[k], rows[i].dtype) != 0)
            k++;
        if (k == nt)
            types[nt++] = rows[i].dtype;
        ly[i].name = rows[i].name;
        ly[i].count = rows[i].count;
        for (int m = 0; m < OPTIONS_MAX_SCHEMES; m++)
            ly[i].mse[m] = ly[i].sqnr[m] = NAN;
        ly[i].mse[0] = rows[i].mse;
        ly[i].sqnr[0] = rows[i].sqnr_db;
        ly[i].series = k;
        bpw[k] += rows[i].bpw * (double)rows[i].count;
        cnt[k] += (double)rows[i].count;
    }
    for (int k = 0; k < nt; k++)
        bpw[k] = cnt[k] > 0 ? bpw[k] / cnt[k] : NAN;
    /* the types in the key by their bits per weight, fewest first */
    int *order = util_calloc((size_t)nt, sizeof *order), *rank = util_calloc((size_t)nt, sizeof *rank);
    for (int k = 0; k < nt; k++) {
        order[k] = k;
        for (int m = k; m > 0 && !(bpw[order[m - 1]] <= bpw[order[m]]); m--) {
            int t = order[m];
            order[m] = order[m - 1];
            order[m - 1] = t;
        }
    }
    const char **t2 = util_calloc(n, sizeof *t2);
    double *b2 = util_calloc(n, sizeof *b2);
    for (int k = 0; k < nt; k++) {
        rank[order[k]] = k;
        t2[k] = types[order[k]];
        b2[k] = bpw[order[k]];
    }
    for (size_t i = 0; i < n; i++)
        ly[i].series = rank[ly[i].series];
    memcpy(types, t2, (size_t)nt * sizeof *types);
    memcpy(bpw, b2, (size_t)nt * sizeof *bpw);
    free(t2);
    free(b2);
    free(order);
    free(rank);
    s->layers = ly;
    s->nlayers = (int)n;
    s->series = types;
    s->series_bpw = bpw;
    s->nseries = nt;
    int rc = export_said(s, c->csv);
    s->layers = NULL;
    s->series = NULL;
    free(ly);
    free(types);
    free(bpw);
    free(cnt);
    return rc;
}

/* plan: the plan's frontier, single quantizers and choice */
static int plan_fig_sink(void *ctx, const model_plan *mp)
{
    damage_ctx *c = ctx;
    c->s->plan = mp;
    c->s->file_name = mp->file;
    int rc = export_said(c->s, c->csv);
    c->s->plan = NULL;
    return rc;
}

/* --panels: a panel per selected tensor (at most cols x rows of them). */
static int cli_panels(session *ses, plot_spec *s, FILE *csv, int cols, int rows)
{
    size_t max = (size_t)cols * (size_t)rows, n = ses->nitems < max ? ses->nitems : max;
    if (ses->nitems > max)
        util_warn("%zu tensors selected; --panels=%dx%d shows the first %zu", ses->nitems, cols, rows, max);
    prep **pp = util_calloc(n, sizeof *pp);
    const char **names = util_calloc(n, sizeof *names);
    double *alphas = util_calloc(n, sizeof *alphas);
    loader_file **pf = util_calloc(n, sizeof *pf);
    size_t *pti = util_calloc(n, sizeof *pti);
    int rc = 0;
    size_t k = 0;
    for (size_t it = 0; it < n; it++) {
        loader_file *f = ses->files[ses->items[it].file];
        size_t ti = ses->items[it].tensor;
        analyze_cfg c = s->cfg;
        if (file_alpha(f, ti, &c) < 0) {
            rc = 1;
            continue;
        }
        util_err e = { { 0 } };
        prep *p = session_prepare(f, ti, NULL, &e);
        if (!p) {
            util_warn("%s", e.msg);
            rc = 1;
            continue;
        }
        pp[k] = p;
        pf[k] = f;
        pti[k] = ti;
        names[k] = f->tensors[ti].name;
        alphas[k] = c.alpha;
        k++;
    }
    /* quantized tensors: their stored grids beside the schemes (hist_stored.h) */
    analyze_result *sres = util_calloc(k ? k : 1, sizeof *sres);
    const analyze_result **sout = util_calloc(k ? k : 1, sizeof *sout);
    const char *sch[OPTIONS_MAX_SCHEMES];
    const char *const *schemes0 = s->schemes;
    int nschemes0 = s->nschemes;
    plot_stored_panels(s, pf, pti, (const prep *const *)pp, (int)k, sres, sout, sch);
    s->panel_p = (const prep *const *)pp;
    s->panel_names = names;
    s->panel_alpha = s->cfg.amode == ALPHA_FILE ? alphas : NULL;
    s->npanels = (int)k;
    s->panel_cols = cols;
    s->panel_rows = rows;
    if (ses->nfiles == 1)
        s->file_name = ses->files[0]->path;
    if (k == 0) {
        util_warn("no tensor to draw");
        rc = 1;
    } else
        rc = export_said(s, csv);
    for (size_t i = 0; i < k; i++)
        prep_free(pp[i]);
    free(pp);
    free(names);
    free(alphas);
    free(pf);
    free(pti);
    free(sres);
    free(sout);
    s->schemes = schemes0;
    s->nschemes = nschemes0;
    s->panel_stored = NULL;
    s->npanels = 0;
    return rc;
}

/* bits over every selected tensor: per bit width and scheme the MSE of
 * the whole selection, sum(n_t * mse_t) / sum(n_t) over the tensors' finite
 * values, each tensor at its own alpha (as --report gives it); NAN where a
 * tensor has no result for the scheme. */
static int cli_bits_model(session *ses, plot_spec *s, FILE *csv)
{
    enum { NB = LEVELS_MAX_BITS - LEVELS_MIN_BITS + 1 };
    int ns = s->nschemes, rc = 0, nt = 0;
    double *sse = util_calloc((size_t)NB * (size_t)ns, sizeof *sse);
    double *sig = util_calloc((size_t)NB * (size_t)ns, sizeof *sig);
    double *cnt = util_calloc((size_t)NB * (size_t)ns, sizeof *cnt);
    unsigned char *bad = util_calloc((size_t)NB * (size_t)ns, 1);
    for (size_t it = 0; it < ses->nitems; it++) {
        loader_file *f = ses->files[ses->items[it].file];
        size_t ti = ses->items[it].tensor;
        analyze_cfg c = s->cfg;
        if (file_alpha(f, ti, &c) < 0) {
            rc = 1;
            continue;
        }
        util_err e = { { 0 } };
        prep *p = session_prepare(f, ti, NULL, &e);
        if (!p) {
            util_warn("%s", e.msg);
            rc = 1;
            continue;
        }
        if (p->st.n == 0) {
            util_warn("%s: %s: no finite values", f->path, f->tensors[ti].name);
            prep_free(p);
            continue;
        }
        nt++;
        for (int b = 0; b < NB; b++) {
            analyze_result res[OPTIONS_MAX_SCHEMES];
            c.bits = LEVELS_MIN_BITS + b;
            if (analyze_tensor(p, &c, s->schemes, ns, 0, res, &e) < 0) {
                for (int i = 0; i < ns; i++)
                    bad[b * ns + i] = 1;
                continue;
            }
            for (int i = 0; i < ns; i++) {
                if (!res[i].ok) {
                    bad[b * ns + i] = 1;
                    continue;
                }
                sse[b * ns + i] += res[i].r.mse * (double)p->st.n;
                /* the signal power: mse * 10^(sqnr/10), as the SQNR was taken */
                sig[b * ns + i] += isfinite(res[i].r.sqnr_db) ? res[i].r.mse * pow(10, res[i].r.sqnr_db / 10) *
                                                                    (double)p->st.n : 0;
                cnt[b * ns + i] += (double)p->st.n;
            }
        }
        prep_free(p);
    }
    for (int k = 0; k < NB * ns; k++) {
        sig[k] = bad[k] || !(sse[k] > 0) || !(sig[k] > 0) ? NAN : 10 * log10(sig[k] / sse[k]);
        sse[k] = bad[k] || !(cnt[k] > 0) ? NAN : sse[k] / cnt[k];
    }
    s->model_mse = sse;
    s->model_sqnr = sig;
    s->model_tensors = nt;
    if (ses->nfiles == 1)
        s->file_name = ses->files[0]->path;
    if (nt == 0) {
        util_warn("no tensor to draw");
        rc = 1;
    } else
        rc = export_said(s, csv);
    s->model_mse = NULL;
    s->model_sqnr = NULL;
    free(sig);
    free(sse);
    free(cnt);
    free(bad);
    return rc;
}

/* The figure's spec from the options: 0, or 2 (a usage error, said). */
static int spec_of(const cli_opts *o, plot_spec *s)
{
    util_err err = { { 0 } };
    memset(s, 0, sizeof *s);
    if (!o->figure)
        s->figure = o->plan_bpw > 0 ? FIG_PLAN : FIG_HISTOGRAM;
    else if (plot_parse_figure(o->figure, &s->figure) < 0) {
        fprintf(stderr, "apotview: unknown --figure '%s'; known: histogram, levels, sweep, bits, layers, channels, "
                        "compare, transfer, damage, plan\n"
                        "Try 'apotview --help' for more information.\n", o->figure);
        return 2;
    }
    if (plot_format_of(o->export_path) == PF_UNKNOWN) {
        fprintf(stderr, "apotview: --export=%s: the name must end in .pdf, .png, .svg, .eps, .tex or .gp\n"
                        "Try 'apotview --help' for more information.\n", o->export_path);
        return 2;
    }
    double w, h;
    if (plot_parse_size(o->size, &w, &h) < 0) {
        fprintf(stderr, "apotview: --size must be single, double, W or WxH, 2..100 cm (in cm unless they say mm or in: 3.3in, 85x60mm), not '%s'\n"
                        "Try 'apotview --help' for more information.\n", o->size);
        return 2;
    }
    if (o->colors && plot_check_colors(o->colors, &err) < 0) {
        fprintf(stderr, "apotview: %s\n"
                        "Try 'apotview --help' for more information.\n", err.msg);
        return 2;
    }
    if (o->format == FMT_JSON) {
        fprintf(stderr, "apotview: --export writes its data with --format=csv only, not json\n"
                        "Try 'apotview --help' for more information.\n");
        return 2;
    }
    s->path = o->export_path;
    s->size = o->size;
    s->font = o->font;
    s->mono = o->mono;
    s->colors = o->colors;
    s->log_counts = o->logy;
    s->force = o->force;
    s->cfg = o->cfg;
    s->schemes = o->schemes;
    s->nschemes = o->nschemes;
    return 0;
}

/* One tensor's figure (histogram, levels, sweep, transfer, bits of one
 * tensor): the first selected tensor, prepared and exported. */
static int cli_tensor_fig(const cli_opts *o, session *ses, plot_spec *s0, FILE *csv)
{
    plot_spec s = *s0;
    util_err err = { { 0 } };
    int status = 0;
    if (ses->nitems > 1) {
        const loader_tensor *lt = &ses->files[ses->items[0].file]->tensors[ses->items[0].tensor];
        util_warn("%zu tensors selected; the %s figure shows the first, %s (choose one with -t NAME)",
                  ses->nitems, plot_figure_name(s.figure), lt->name);
    }
    loader_file *f = ses->files[ses->items[0].file];
    size_t ti = ses->items[0].tensor;
    if (file_alpha(f, ti, &s.cfg) < 0)
        return 1;
    prep *p = session_prepare(f, ti, NULL, &err);
    if (!p) {
        fprintf(stderr, "apotview: %s\n", err.msg);
        return 1;
    }
    s.p = p;
    s.tensor_name = f->tensors[ti].name;
    s.file_name = f->path;
    /* a quantized tensor's histogram: its stored grid beside the
     * schemes (quant/stored.h; hist_stored.c) */
    plot_stored_data sd;
    const char *sch[OPTIONS_MAX_SCHEMES];
    plot_stored_prepare(&s, f, ti, p, sch, &sd);
    /* the group figure (fig_group.c) works on the values in C order */
    void *raw = s.figure == FIG_HISTOGRAM && o->cfg.gran != GRAN_TENSOR ? read_raw(f, ti, &s.raw) : NULL;
    if ((s.figure == FIG_HISTOGRAM && o->cfg.gran != GRAN_TENSOR && !raw) ||
        plot_export_csv(&s, csv, &err) < 0) {
        if (util_err_isset(&err))
            fprintf(stderr, "apotview: %s\n", err.msg);
        status = 1;
    }
    free(raw);
    plot_stored_free(&sd);
    prep_free(p);
    return status;
}

/* The layers figure: every selected tensor, in file order (then sorted
 * by --sort), each analysed at its own settings. */
static int cli_layers_fig(const cli_opts *o, session *ses, plot_spec *s, FILE *csv)
{
    int status = 0;
    plot_layer *ly = util_calloc(ses->nitems, sizeof *ly);
    int nl = 0;
    analyze_result res[OPTIONS_MAX_SCHEMES];
    for (size_t it = 0; it < ses->nitems; it++) {
        loader_file *f = ses->files[ses->items[it].file];
        size_t ti = ses->items[it].tensor;
        util_err e2 = { { 0 } };
        prep *p = session_prepare(f, ti, NULL, &e2);
        if (!p) {
            fprintf(stderr, "apotview: %s\n", e2.msg);
            status = 1;
            continue;
        }
        plot_layer *l = &ly[nl];
        l->name = f->tensors[ti].name;
        l->count = f->tensors[ti].count;
        for (int i = 0; i < OPTIONS_MAX_SCHEMES; i++)
            l->mse[i] = l->sqnr[i] = NAN;
        analyze_cfg lc = o->cfg;
        if (p->st.n == 0)
            util_warn("%s: %s: no finite values", f->path, l->name);
        else if (file_alpha(f, ti, &lc) < 0)
            status = 1;
        else if (analyze_tensor(p, &lc, o->schemes, o->nschemes, 0, res, &e2) < 0) {
            util_warn("%s: %s: %s", f->path, l->name, e2.msg);
            status = 1;
        } else {
            for (int i = 0; i < o->nschemes; i++) {
                l->mse[i] = res[i].ok ? res[i].r.mse : NAN;
                l->sqnr[i] = res[i].ok ? res[i].r.sqnr_db : NAN;
            }
        }
        nl++;
        prep_free(p);
    }
    if (o->sort && strcmp(o->sort, "file") != 0) {
        sort_key = o->sort;
        qsort(ly, (size_t)nl, sizeof *ly, cmp_layer);
        s->layers_sorted = 1;
    }
    s->layers = ly;
    s->nlayers = nl;
    if (ses->nfiles == 1)
        s->file_name = ses->files[0]->path;
    if (export_said(s, csv))
        status = 1;
    free(ly);
    return status;
}

int plot_cli(const cli_opts *o, const plot_sources *src)
{
    plot_spec s;
    if (spec_of(o, &s) != 0)
        return 2;
    FILE *csv = o->format == FMT_CSV ? stdout : NULL;
    int status = 0;

    fig_needs needs = fig_kind_of(s.figure)->needs;
    if ((needs == FN_PLAN) != (o->plan_bpw > 0)) {
        if (needs == FN_PLAN)
            fprintf(stderr, "apotview: the plan figure needs --plan=BPW (and one MODEL)\n");
        else
            fprintf(stderr, "apotview: --plan=BPW with --export draws --figure=plan, not %s\n",
                    plot_figure_name(s.figure));
        fprintf(stderr, "Try 'apotview --help' for more information.\n");
        return 2;
    }
    if (needs == FN_PLAN) {
        damage_ctx c = { &s, csv };
        return src->plan(o, plan_fig_sink, &c);
    }

    if (needs == FN_NONE) {
        /* Level sets need no tensor. */
        return export_said(&s, csv);
    }

    if (needs == FN_COMPARE) {
        if (o->nfiles != 2) {
            fprintf(stderr, "apotview: the damage figure needs two FILEs, ORIGINAL QUANTIZED (%d given)\n"
                            "Try 'apotview --help' for more information.\n", o->nfiles);
            return 2;
        }
        s.file_name = o->files[0].path;
        s.file_name2 = o->files[1].path;
        damage_ctx c = { &s, csv };
        return src->pairs(o, damage_sink, &c);
    }

    if (needs == FN_PAIR && o->nfiles != 2) {
        fprintf(stderr, "apotview: the compare figure needs two FILEs (or FILE:TENSOR twice): the left and "
                        "the right tensor; %d given\n"
                        "Try 'apotview --help' for more information.\n", o->nfiles);
        return 2;
    }

    session ses;
    session_open(&ses, o, 0);
    if (ses.failed)
        status = 1;
    if (ses.nitems == 0) {
        if (!ses.failed)
            fprintf(stderr, "apotview: no tensor to draw\n");
        session_close(&ses);
        return 1;
    }
    if (needs == FN_RAW || needs == FN_PAIR) {
        status |= needs == FN_RAW ? cli_channels(&ses, &s, csv) : cli_compare(&ses, &s, csv);
        session_close(&ses);
        return status;
    }
    if ((s.figure == FIG_BITS || s.figure == FIG_SWEEP || s.figure == FIG_HISTOGRAM) && o->panel_cols > 0) {
        status |= cli_panels(&ses, &s, csv, o->panel_cols, o->panel_rows);
        session_close(&ses);
        return status;
    }
    if (s.figure == FIG_BITS && ses.nitems > 1) {
        status |= cli_bits_model(&ses, &s, csv);
        session_close(&ses);
        return status;
    }
    if (needs == FN_TENSOR) {
        status |= cli_tensor_fig(o, &ses, &s, csv);
        session_close(&ses);
        return status;
    }

    status |= cli_layers_fig(o, &ses, &s, csv);
    session_close(&ses);
    return status;
}
