/*
 * cli.c - the --export mode (plot_cli in plot.h): turn the command line
 * into a plot_spec, prepare the tensor(s) with the same engine calls as
 * --report, export, and with --format=csv print the figure's data.
 */
#include "config.h"
#include "plot/plot.h"
#include "plot/figures.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/session.h"

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

int plot_cli(const cli_opts *o)
{
    plot_spec s;
    memset(&s, 0, sizeof s);
    if (!o->figure)
        s.figure = FIG_HISTOGRAM;
    else if (plot_parse_figure(o->figure, &s.figure) < 0) {
        fprintf(stderr, "apotview: unknown --figure '%s'; known: histogram, levels, sweep, bits, layers\n"
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
        fprintf(stderr, "apotview: --size must be single, double or WxH in cm (2..100), not '%s'\n"
                        "Try 'apotview --help' for more information.\n", o->size);
        return 2;
    }
    if (o->format == FMT_JSON) {
        fprintf(stderr, "apotview: --export writes its data with --format=csv only, not json\n"
                        "Try 'apotview --help' for more information.\n");
        return 2;
    }
    s.path = o->export_path;
    s.size = o->size;
    s.font = o->font;
    s.mono = o->mono;
    s.force = o->force;
    s.cfg = o->cfg;
    s.schemes = o->schemes;
    s.nschemes = o->nschemes;
    FILE *csv = o->format == FMT_CSV ? stdout : NULL;
    util_err err = { { 0 } };
    int status = 0;

    if (s.figure == FIG_LEVELS) {
        /* Level sets need no tensor. */
        if (plot_export_csv(&s, csv, &err) < 0) {
            fprintf(stderr, "apotview: %s\n", err.msg);
            return 1;
        }
        return 0;
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
    if (s.figure != FIG_LAYERS) {
        if (ses.nitems > 1) {
            const loader_tensor *lt = &ses.files[ses.items[0].file]->tensors[ses.items[0].tensor];
            fprintf(stderr, "apotview: %zu tensors selected; the %s figure shows the first, %s "
                            "(choose one with -t NAME)\n",
                    ses.nitems, plot_figure_name(s.figure), lt->name);
        }
        loader_file *f = ses.files[ses.items[0].file];
        size_t ti = ses.items[0].tensor;
        prep *p = session_prepare(f, ti, NULL, &err);
        if (!p) {
            fprintf(stderr, "apotview: %s\n", err.msg);
            session_close(&ses);
            return 1;
        }
        s.p = p;
        s.tensor_name = f->tensors[ti].name;
        s.file_name = f->path;
        if (plot_export_csv(&s, csv, &err) < 0) {
            fprintf(stderr, "apotview: %s\n", err.msg);
            status = 1;
        }
        prep_free(p);
        session_close(&ses);
        return status;
    }

    /* layers: every selected tensor, in file order, then sorted. */
    plot_layer *ly = util_calloc(ses.nitems, sizeof *ly);
    int nl = 0;
    analyze_result res[OPTIONS_MAX_SCHEMES];
    for (size_t it = 0; it < ses.nitems; it++) {
        loader_file *f = ses.files[ses.items[it].file];
        size_t ti = ses.items[it].tensor;
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
            l->mse[i] = NAN;
        if (p->st.n == 0)
            fprintf(stderr, "apotview: %s: %s: no finite values\n", f->path, l->name);
        else if (analyze_tensor(p, &o->cfg, o->schemes, o->nschemes, 0, res, &e2) < 0) {
            fprintf(stderr, "apotview: %s: %s: %s\n", f->path, l->name, e2.msg);
            status = 1;
        } else
            for (int i = 0; i < o->nschemes; i++)
                l->mse[i] = res[i].ok ? res[i].r.mse : NAN;
        nl++;
        prep_free(p);
    }
    if (o->sort && strcmp(o->sort, "file") != 0) {
        sort_key = o->sort;
        qsort(ly, (size_t)nl, sizeof *ly, cmp_layer);
    }
    s.layers = ly;
    s.nlayers = nl;
    if (ses.nfiles == 1)
        s.file_name = ses.files[0]->path;
    if (plot_export_csv(&s, csv, &err) < 0) {
        fprintf(stderr, "apotview: %s\n", err.msg);
        status = 1;
    }
    free(ly);
    session_close(&ses);
    return status;
}
