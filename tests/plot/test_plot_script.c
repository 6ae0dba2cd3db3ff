/*
 * test_plot_script.c - no string from a file is ever gnuplot code (issue 10).
 *
 * Builds the script of every figure kind, in every format, colour and
 * mono, with tensor, file and output names that try every way into a
 * gnuplot command (backquotes, quotes, newlines, EOD, @macros, a trailing
 * backslash, escape sequences, invalid UTF-8, enhanced-text and LaTeX
 * specials, a pipe as output), and checks each script with gp_check.h:
 * the names occur only inside single-quoted strings, comments and
 * datablock fields, and no double-quoted string, backquote or @ is left
 * in a command at all. A figure that builds its script another way (a
 * name between double quotes, or unquoted) fails here. Also: values near
 * +-1.8e308 give an error or a script without inf/nan, never inf/nan.
 * No gnuplot needed (tests/plot/plot-quote.sh runs the real one).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/planview.h"
#include "plot/fig_common.h"
#include "plot/figures.h"
#include "plot/plot.h"
#include "gp_check.h"

#define MARK "ZQXW"

static const char *const hostile[] = {
    MARK "`touch CANARY`x",
    MARK "'; system('touch CANARY'); '",
    MARK "$(touch CANARY)",
    MARK "\"`touch CANARY`\"\\\"",
    MARK "\nset output '|touch CANARY'\nplot x\n",
    MARK "\r\x1b]0;title\x07\x1b[2J\x7f",
    MARK " trailing backslash \\",
    MARK " @x @ARG0 @@",
    MARK "\nEOD\nsystem('touch CANARY')\n$x << EOD\n",
    MARK "{/Symbol a}^{x}_{y}&{z}~a",
    MARK "\\input{/etc/passwd}$x$_%#&\\\\",
    MARK "\xff\xfe\xc0\x80\xed\xa0\x80\xc2\x85 bad utf-8",
    MARK "''''''",
    MARK "\"",
    "'" MARK "'''x''y'",
    "''''" MARK,
    MARK "x'''';system(\"touch CANARY\");'",
};
#define NH ((int)(sizeof hostile / sizeof *hostile))

static int fails, checks;

static void check_script(const plot_spec *s, const char *what)
{
    sbuf out = { 0 };
    util_err err = { { 0 } };
    if (plot_build_script(s, &out, &err) < 0) {
        printf("FAIL: %s: no script: %s\n", what, err.msg);
        fails++;
        return;
    }
    char why[256];
    checks++;
    if (gp_check(out.s, out.len, MARK, why, sizeof why) < 0) {
        printf("FAIL: %s: %s\n", what, why);
        fails++;
    } else if (!strstr(out.s, MARK) && fig_kind_of(s->figure)->needs != FN_NONE) {
        printf("FAIL: %s: the names are not in the script at all\n", what);
        fails++;
    }
    sbuf_free(&out);
}

static prep *make_prep(double scale, int dbl, uint64_t n)
{
    util_err err = { { 0 } };
    prep *p;
    if (dbl) {
        double *v = malloc(n * sizeof *v);
        for (uint64_t i = 0; i < n; i++)
            v[i] = scale * (((double)((i * 7919) % n) / (double)n) * 2 - 1);
        p = prep_create_double(v, n, NULL, &err);
    } else {
        float *v = malloc(n * sizeof *v);
        for (uint64_t i = 0; i < n; i++)
            v[i] = (float)(scale * sin((double)i * 0.37) * (1 + (double)(i % 7) / 7));
        p = prep_create_float(v, n, NULL, &err);
    }
    if (!p) {
        fprintf(stderr, "prep: %s\n", err.msg);
        exit(99);
    }
    return p;
}

/* One number format across a figure (issue 13): the notation is chosen
 * for all of a figure's numbers, three significant digits with their
 * trailing zeros; the expected texts are written out here. */
static void t_numfmt(void)
{
    static const struct {
        double v[3];
        int n;
        const char *want[3];
    } cases[] = {
        { { 0.0023, 0.00291 }, 2, { "0.00230", "0.00291" } },
        { { 5.9e-4, 7.46e-4 }, 2, { "5.90×10^{-4}", "7.46×10^{-4}" } },
        /* across 1e-3: one notation for both */
        { { 0.0012, 0.00089 }, 2, { "1.20×10^{-3}", "8.90×10^{-4}" } },
        { { 4.5, 8.5, 16 }, 3, { "4.50", "8.50", "16.0" } },
        { { 0.5, 1.0e-5, NAN }, 3, { "5.00×10^{-1}", "1.00×10^{-5}", "–" } },
        { { 100, 0.25 }, 2, { "100", "0.250" } },
    };
    fig_style st = { .fmt = PF_PDF, .width_cm = 8.5, .font_pt = 8 };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        fg_numfmt m = fg_num_mode(cases[c].v, cases[c].n);
        for (int i = 0; i < cases[c].n; i++) {
            sbuf t = { 0 };
            fg_txt_num_as(&t, &st, cases[c].v[i], m);
            checks++;
            if (!t.s || strcmp(t.s, cases[c].want[i]) != 0) {
                printf("FAIL: number %g of case %zu: '%s', not '%s'\n", cases[c].v[i], c, t.s ? t.s : "",
                       cases[c].want[i]);
                fails++;
            }
            sbuf_free(&t);
        }
    }
    printf("ok: one number format per figure (%zu cases)\n", sizeof cases / sizeof *cases);
}

int main(void)
{
    t_numfmt();
    static const char *const schemes[] = { "uniform", "pot", "apot" };
    static const char *const exts[] = { "pdf", "png", "svg", "eps", "tex", "gp" };
    enum { N = 96 };
    float raw1[N], raw2[N];
    for (int i = 0; i < N; i++) {
        raw1[i] = (float)(0.05 * sin(i * 0.37) * (i % 12 == 3 ? 6 : 1));
        raw2[i] = raw1[i] + (float)(0.001 * cos(i * 1.3));
    }
    uint64_t shape[2] = { 12, 8 };
    prep *p1 = make_prep(0.05, 0, N), *p2 = make_prep(0.07, 0, 80);
    prep *pf1 = make_prep(0.05, 0, N), *pf2 = make_prep(0.05, 0, N);
    plot_layer layers[3];
    char lname[3][200];
    for (int h = 0; h < NH; h++) {
        const char *name = hostile[h];
        for (int j = 0; j < 3; j++) {
            snprintf(lname[j], sizeof lname[j], "%s.%d.weight", name, j);
            layers[j].name = lname[j];
            layers[j].count = N;
            for (int k = 0; k < 3; k++) {
                layers[j].mse[k] = 1e-5 * (j + 1) * (k + 1);
                layers[j].sqnr[k] = 20 - 3.0 * j - k;
            }
            layers[j].series = j % 2;
        }
        /* plan: hostile scheme and granularity names (the planner's come
         * from its own table, but the figure must not trust them) */
        model_plan_point pfr[3] = { { 2.1, 1e-5, 10 }, { 4, 2e-6, 2 }, { 8, 1e-8, 0.01 } };
        model_plan_single psg[3] = { { name, name, 4, 4.2, 3e-6, 3, 1 }, { "q4_0", "group:32", 4, 4.5, 2.5e-6, 2.5, 1 },
                                     { "uniform", "tensor", 8, 8, 2e-8, 0.02, 0 } };
        model_plan pl = { .file = name, .target_bpw = 4.5, .bpw = 4.4, .mse = 2e-6, .err = 1.9, .objective = "mse",
                          .method = "dp", .front = pfr, .nfront = 3, .single = psg, .nsingle = 3, .best_single = 1 };
        /* damage: the stored types are hostile too; the last pair lossless */
        const char *types[2] = { name, "q4_0" };
        double tbpw[2] = { 4.5, 8.5 };
        /* every kind of the table (a new kind is checked without an edit here) */
        for (const fig_kind *kd = fig_kinds; kd->name; kd++)
            for (int e = 0; e < 6; e++)
                for (int variant = 0; variant < 4; variant++) {
                    int fig = (int)kd->fig;
                    char path[512];
                    /* the output's name is hostile too, and once a pipe */
                    snprintf(path, sizeof path, "out/'%s`touch CANARY`$(x)'@b'\\-%d.%s", MARK, fig, exts[e]);
                    if (variant == 3) /* no directory: the base name starts with '|' */
                        snprintf(path, sizeof path, "|%s'x;touch CANARY-%d.%s", MARK, fig, exts[e]);
                    plot_spec s;
                    memset(&s, 0, sizeof s);
                    s.figure = kd->fig;
                    s.path = path;
                    s.colors = variant == 1 ? "apot:#000000,uniform:#A0A0A0" : NULL;
                    s.mono = variant & 1;
                    s.log_counts = variant & 2;
                    s.font = variant == 2 ? name : NULL;
                    s.cfg.bits = 4;
                    s.cfg.is_signed = 1;
                    s.cfg.amode = variant == 1 ? ALPHA_VALUE : ALPHA_MSE;
                    s.cfg.alpha = 0.04;
                    s.cfg.normalize = variant == 2;
                    s.cfg.no_gap = 1; /* no Lloyd-Max fit: the test is about text */
                    s.schemes = schemes;
                    s.nschemes = 3;
                    s.tensor_name = name;
                    s.file_name = name;
                    s.p = p1;
                    s.layers = layers;
                    s.nlayers = 3;
                    s.raw = (group_tensor){ raw1, 0, 2, shape, N };
                    if (kd->needs == FN_PAIR) {
                        /* same names: the legend shows the file names */
                        s.p = variant & 1 ? pf1 : p1;
                        s.p2 = variant & 1 ? pf2 : p2;
                        s.tensor_name2 = variant & 1 ? name : "other";
                        s.file_name2 = variant & 1 ? "dir/" MARK "`touch CANARY`\n.pt" : name;
                        s.raw2 = (group_tensor){ raw2, 0, 2, shape, N };
                    }
                    if (kd->needs == FN_PLAN)
                        s.plan = &pl;
                    if (kd->needs == FN_COMPARE) {
                        s.series = types;
                        s.series_bpw = tbpw;
                        s.nseries = 2;
                        s.file_name2 = name;
                        layers[2].sqnr[0] = variant == 3 ? INFINITY : 15;
                    }
                    if (s.font && strchr(s.font, ',')) /* a --font with a bad size is refused */
                        s.font = NULL;
                    char what[600];
                    snprintf(what, sizeof what, "%s .%s variant %d, name #%d", plot_figure_name(s.figure),
                             exts[e], variant, h);
                    check_script(&s, what);
                }
    }
    /* a whole model's layers (the SQNR heatmap): hostile tensor types as
     * its row labels, in every format */
    {
        enum { NLY = 48 };
        static plot_layer big[NLY];
        static char bname[NLY][300];
        for (int h = 0; h < NH; h++) {
            for (int j = 0; j < NLY; j++) {
                /* the mark at the end: long types are shortened from the left */
                snprintf(bname[j], sizeof bname[j], "model.%d.%s%s" MARK ".weight", j / 2, hostile[h], j % 2 ? "x" : "");
                big[j].name = bname[j];
                big[j].count = N;
                for (int k = 0; k < 3; k++) {
                    big[j].mse[k] = 1e-5 * (j + 1) * (k + 1);
                    big[j].sqnr[k] = 10 + 0.1 * j + k;
                }
            }
            for (int e = 0; e < 6; e++) {
                char path[512];
                snprintf(path, sizeof path, "out/heat-%d.%s", h, exts[e]);
                plot_spec s;
                memset(&s, 0, sizeof s);
                s.figure = FIG_LAYERS;
                s.path = path;
                s.mono = e % 2;
                s.cfg.bits = 4;
                s.cfg.is_signed = 1;
                s.schemes = schemes;
                s.nschemes = 3;
                s.layers = big;
                s.nlayers = NLY;
                char what[600];
                snprintf(what, sizeof what, "layers heatmap .%s, name #%d", exts[e], h);
                check_script(&s, what);
            }
        }
    }
    /* --panels: hostile tensor names as the panels' titles */
    for (int h = 0; h < NH; h++)
        for (int fig = 0; fig < 2; fig++) {
            const prep *pp[2] = { p1, p2 };
            /* the mark at the end: long titles are shortened from the left */
            char n1[300], n2[300];
            snprintf(n1, sizeof n1, "%s" MARK, hostile[h]);
            snprintf(n2, sizeof n2, "other.%s" MARK, hostile[h]);
            const char *nn[2] = { n1, n2 };
            plot_spec s;
            memset(&s, 0, sizeof s);
            s.figure = fig ? FIG_BITS : FIG_SWEEP;
            s.path = fig ? "out/p.tex" : "out/p.svg";
            s.cfg.bits = 4;
            s.cfg.is_signed = 1;
            s.cfg.no_gap = 1;
            s.cfg.amode = ALPHA_MSE;
            s.schemes = schemes;
            s.nschemes = 3;
            s.panel_p = pp;
            s.panel_names = nn;
            s.npanels = 2;
            s.panel_cols = 2;
            s.panel_rows = 1;
            char what[600];
            snprintf(what, sizeof what, "%s panels, name #%d", fig ? "bits" : "sweep", h);
            check_script(&s, what);
        }
    /* output names gnuplot cannot be given exactly are refused */
    {
        static const char *const bad[] = { "a\nb.png", "a''b.png", "a\xff.png", "x\x1b.svg" };
        for (int i = 0; i < 4; i++) {
            plot_spec s;
            memset(&s, 0, sizeof s);
            s.figure = FIG_LEVELS;
            s.path = bad[i];
            s.cfg.bits = 4;
            s.cfg.is_signed = 1;
            s.schemes = schemes;
            s.nschemes = 3;
            sbuf out = { 0 };
            util_err err = { { 0 } };
            checks++;
            if (plot_build_script(&s, &out, &err) == 0 || !strstr(err.msg, "cannot be given this file name")) {
                printf("FAIL: output name #%d accepted: %s\n", i, err.msg);
                fails++;
            }
            sbuf_free(&out);
        }
    }
    /* values near +-1.8e308: an error, or a script without inf/nan */
    {
        prep *big = make_prep(1.7976931348623157e308, 1, 64);
        double rawd[64];
        for (int i = 0; i < 64; i++)
            rawd[i] = 1.7976931348623157e308 * (i % 2 ? 1 : -1) * ((double)i / 63);
        uint64_t sh[2] = { 8, 8 };
        for (const fig_kind *kd = fig_kinds; kd->name; kd++) {
            plot_spec s;
            memset(&s, 0, sizeof s);
            s.figure = kd->fig;
            s.path = "big.pdf";
            s.cfg.bits = 4;
            s.cfg.is_signed = 1;
            s.cfg.amode = ALPHA_MSE;
            s.schemes = schemes;
            s.nschemes = 3;
            s.tensor_name = "big";
            s.p = big;
            s.p2 = big;
            s.layers = layers;
            s.nlayers = 1;
            layers[0].mse[0] = INFINITY;
            s.raw = (group_tensor){ rawd, 1, 2, sh, 64 };
            s.raw2 = s.raw;
            sbuf out = { 0 };
            util_err err = { { 0 } };
            char why[256];
            checks++;
            if (plot_build_script(&s, &out, &err) == 0 && gp_check(out.s, out.len, NULL, why, sizeof why) < 0) {
                printf("FAIL: %s with values near 1.8e308: %s\n", plot_figure_name(s.figure), why);
                fails++;
            } else
                printf("ok: %s with values near 1.8e308: %s\n", plot_figure_name(s.figure),
                       err.msg[0] ? err.msg : "a finite script");
            sbuf_free(&out);
        }
        prep_free(big);
    }
    prep_free(p1);
    prep_free(p2);
    prep_free(pf1);
    prep_free(pf2);
    printf("%d scripts checked, %d failure(s)\n", checks, fails);
    return fails ? 1 : 0;
}
