/*
 * plot.c - plot_export(): from a figure's script to files on disk, without
 * ever losing one (plot.h); gnuplot and the file operations are in
 * plot_run.c, the figures in figures.c and fig_*.c.
 *
 * An export of dir/fig.EXT goes like this:
 *   1. the outputs are named: dir/fig.EXT, the script dir/fig.EXT.gp, the
 *      data dir/fig.EXT.csv, and for .tex the graphics file dir/fig.pdf
 *      that the .tex includes; without force, any of them existing stops
 *      the export before anything runs, and a directory at one of their
 *      names stops it even with force;
 *   2. the script is generated (figures.c) in the C numeric locale, with the
 *      data inline as datablocks and `set output 'fig.EXT'` (a bare name);
 *   3. a private temporary directory dir/.apotview-XXXXXX is made next to
 *      the outputs (same file system, so renames are atomic); the script is
 *      saved there as fig.gp and piped into gnuplot running in that
 *      directory, its stdout and stderr going to a log file there;
 *   4. when gnuplot succeeded and produced complete files (a PNG then gets
 *      its pHYs chunk, an SVG its size in pt), each is moved
 *      into dir: link() (fails when the name exists: no race with another
 *      writer) without force, rename() with force (the old file kept);
 *   5. the temporary directory is emptied and removed whatever happened.
 * So `cd dir && gnuplot fig.EXT.gp` redraws the same figure (but for
 * the pHYs chunk and the pt units).
 *
 * THE QUOTING RULE. No string from a file is ever gnuplot code. A script
 * (here and in figures.c) is made only of fixed text of these two files,
 * numbers printed with %d/%g/%f (never inf or nan: has_nonfinite refuses
 * such a figure), and fig_quote (figures.c): every other string -- tensor,
 * file, metadata and output names, labels and titles, the font, comments
 * that mention a name, datablock row labels -- goes through it, as a
 * single-quoted gnuplot string (gnuplot expands neither `backquotes` nor
 * @macros nor backslash escapes inside), as comment text (quoted the same
 * way, so a comment never ends in a backslash that would continue it), or
 * as a datablock field. Control characters become spaces, so nothing
 * ends a line, a string or a datablock (EOD) early. Fixed strings are
 * single-quoted too: no double quote is ever written into a command.
 * Labels that show file strings are noenhanced; in .tex they are LaTeX
 * escaped first. tests/plot/plot-quote.sh enforces this on the source of src/plot/ (no
 * %s into a script buffer b/out, no bare sbuf_puts of a variable, no escaped double quote),
 * tests/plot/test_plot_script.c and tests/fuzz/fuzz_script.c on every script.
 *
 * Exports are atomic: outputs are made in the private directory, checked
 * complete for their format (gnuplot exits 0 after a short write), synced,
 * and installed with the replaced files kept as hard links there; when
 * one cannot be installed, those already installed are rolled back. The
 * private directory is always emptied and removed.
 *
 * SIGPIPE is blocked while the script is written (a gnuplot that dies early
 * gives EPIPE, and a pending SIGPIPE is consumed before unblocking), the
 * child is always reaped, and gnuplot that hangs is killed after a timeout.
 */
#include "config.h"
#include "plot/plot.h"
#include "plot/figures.h"
#include "plot/plot_run.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "model/session.h"


/* ---- small helpers ------------------------------------------------------ */

plot_format plot_format_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base)
        return PF_UNKNOWN;
    static const char *const ext[] = { ".pdf", ".png", ".svg", ".eps", ".tex", ".gp" };
    for (int i = 0; i < PF_UNKNOWN; i++)
        if (strcasecmp(dot, ext[i]) == 0)
            return (plot_format)i;
    return PF_UNKNOWN;
}

/* One length of --size: a number and an optional unit (cm, the default;
 * mm; in). The cm value, or -1. *end is set past it. */
static double parse_len(const char *p, const char **end)
{
    char *e;
    *end = p;
    double v = strtod(p, &e);
    if (e == p || !isfinite(v))
        return -1;
    double cm = v;
    if (strncmp(e, "cm", 2) == 0)
        e += 2;
    else if (strncmp(e, "mm", 2) == 0)
        e += 2, cm = v / 10;
    else if (strncmp(e, "in", 2) == 0)
        e += 2, cm = v * 2.54;
    *end = e;
    return cm;
}

/* --size: single (8.5 cm), double (17.5 cm), W (width only: the figure's
 * own height) or WxH; lengths in cm unless they say mm or in (3.3in,
 * 8.5x6cm). height 0: the figure's default. */
int plot_parse_size(const char *s, double *w, double *h)
{
    *h = 0;
    if (!s || !*s || strcmp(s, "single") == 0) {
        *w = 8.5;
        return 0;
    }
    if (strcmp(s, "double") == 0) {
        *w = 17.5;
        return 0;
    }
    const char *e;
    double a = parse_len(s, &e), b = 0;
    if (*e == 'x' || *e == 'X') {
        const char *p = e + 1;
        b = parse_len(p, &e);
        /* 8.5x6cm: the unit after the height applies to both */
        if (b > 0 && e > p && strncmp(e - 2, "in", 2) == 0 && isdigit((unsigned char)s[strcspn(s, "xX") - 1]))
            a *= 2.54;
        else if (b > 0 && e > p && strncmp(e - 2, "mm", 2) == 0 && isdigit((unsigned char)s[strcspn(s, "xX") - 1]))
            a /= 10;
        if (*e || !(b >= 2 && b <= 100))
            return -1;
    } else if (*e)
        return -1;
    if (!(a >= 2 && a <= 100))
        return -1;
    *w = a;
    *h = b;
    return 0;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* path with its extension replaced by ext (".gp"). */
static char *with_ext(const char *path, const char *ext)
{
    const char *base = base_name(path);
    const char *dot = strrchr(base, '.');
    size_t stem = dot && dot != base ? (size_t)(dot - path) : strlen(path);
    return util_asprintf("%.*s%s", (int)stem, path, ext);
}

/* The name of a file that goes with the figure at path: path + ext
 * (fig.pdf -> fig.pdf.gp, fig.pdf.csv), so that fig.png and fig.pdf keep
 * their own; a .gp export is its own script. */
char *plot_data_name(const char *path, const char *ext)
{
    if (plot_format_of(path) == PF_GP && strcmp(ext, ".gp") == 0)
        return util_strdup(path);
    return util_asprintf("%s%s", path, ext);
}

/* ---- the script ------------------------------------------------------------ */

/* A datablock number: exact, or NaN (gnuplot's missing value). */
static void put_num(sbuf *b, double v)
{
    char x[40];
    if (isfinite(v))
        util_fmt_exact(x, sizeof x, v);
    else
        snprintf(x, sizeof x, "NaN");
    sbuf_puts(b, x); /* gp-lint: ok (a number) */
}

static void write_block(sbuf *b, const fig_block *k)
{
    /* k->name is a fixed identifier of figures.c (letters, digits, _). */
    sbuf_printf(b, "$%s << EOD\n", k->name); /* gp-lint: ok (block name) */
    for (size_t i = 0; i < k->n; i++) {
        const fig_row *r = &k->rows[i];
        put_num(b, r->x);
        sbuf_puts(b, " ");
        put_num(b, r->y);
        if (k->zseries) {
            sbuf_puts(b, " ");
            put_num(b, r->z);
        }
        if (r->label) {
            sbuf_puts(b, " ");
            fig_quote(b, FQ_DATUM, r->label);
        }
        sbuf_puts(b, "\n");
    }
    sbuf_puts(b, "EOD\n");
}

/* Numbers that gnuplot cannot take (inf, nan from printf) in the commands
 * of a script: skips single-quoted strings and comments. 1 when found. */
static int has_nonfinite(const char *s)
{
    for (const char *p = s; *p; p++) {
        if (*p == '\'') {
            for (p++; *p && !(*p == '\'' && p[1] != '\''); p++)
                if (*p == '\'')
                    p++;
            if (!*p)
                break;
        } else if (*p == '#') {
            while (p[1] && p[1] != '\n')
                p++;
        } else if ((strncmp(p, "inf", 3) == 0 || strncmp(p, "nan", 3) == 0) &&
                   (p == s || !(isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '$')) &&
                   !(isalnum((unsigned char)p[3]) || p[3] == '_'))
            return 1;
    }
    return 0;
}

static int build_script(const plot_spec *s, plot_format fmt, const char *outname, sbuf *out,
                        fig_data *d, util_err *err)
{
    double w, h;
    if (plot_parse_size(s->size, &w, &h) < 0) {
        util_err_set(err, "--size must be single, double, W or WxH, 2..100 cm (in cm unless they say mm or in: 3.3in, 85x60mm), not '%s'", s->size);
        return -1;
    }
    if (h <= 0)
        h = figures_default_height(s, w);
    /* font: NAME[,PT]; default Sans 8 pt (a typical figure text size). */
    char fname[128] = "Sans";
    double fpt = 8;
    if (s->font && *s->font) {
        const char *comma = strchr(s->font, ',');
        size_t n = comma ? (size_t)(comma - s->font) : strlen(s->font);
        if (n > 0)
            snprintf(fname, sizeof fname, "%.*s", (int)(n < 120 ? n : 120), s->font);
        if (comma) {
            char *end;
            double v = strtod(comma + 1, &end);
            if (end == comma + 1 || *end || !(v >= 3 && v <= 72)) {
                util_err_set(err, "--font must be NAME[,POINTS] with 3..72 points, not '%s'", s->font);
                return -1;
            }
            fpt = v;
        }
    }
    fig_style st = { .fmt = fmt, .latex = fmt == PF_TEX, .mono = s->mono,
                     .width_cm = w, .height_cm = h, .font_pt = fpt };
    sbuf body = { 0 };
    int built = figures_build(s, &st, d, &body, err);
    if (built == 0 && has_nonfinite(body.s ? body.s : "")) {
        /* no inf or nan ever reaches a script: gnuplot cannot draw it */
        util_err_set(err, "cannot draw the %s figure: its ranges do not fit in a double "
                     "(values near +-1.8e308?)", plot_figure_name(s->figure));
        built = -1;
    }
    if (built < 0) {
        if (s->tensor_name && fig_kind_of(s->figure)->needs != FN_NONE && fig_kind_of(s->figure)->needs != FN_TENSORS) {
            char m[UTIL_ERRLEN];
            snprintf(m, sizeof m, "%s", err->msg);
            util_err_clear(err);
            util_err_set(err, "%s%s%s: %s", s->file_name ? s->file_name : "",
                         s->file_name ? ": " : "", s->tensor_name, m);
        }
        sbuf_free(&body);
        return -1;
    }
    char fspec[160];
    /* .tex: the document's font unless a name was asked for (cairolatex
     * would otherwise write \fontfamily{Sans}, which LaTeX does not know). */
    int named = s->font && *s->font && *s->font != ',';
    /* SVG: the CSS generic families for fontconfig's aliases */
    const char *fam = fname;
    if (fmt == PF_SVG)
        fam = strcasecmp(fname, "Sans") == 0 ? "sans-serif" : strcasecmp(fname, "Serif") == 0 ? "serif"
            : strcasecmp(fname, "Mono") == 0 || strcasecmp(fname, "Monospace") == 0 ? "monospace" : fname;
    snprintf(fspec, sizeof fspec, "%s,%g", fmt == PF_TEX && !named ? "" : fam, fpt);

    sbuf_puts(out, "# ");
    sbuf_puts(out, plot_figure_name(s->figure)); /* gp-lint: ok (a fixed name) */
    sbuf_puts(out, " figure written by apotview " PACKAGE_VERSION "\n");
    if (s->tensor_name && fig_kind_of(s->figure)->needs != FN_NONE && fig_kind_of(s->figure)->needs != FN_TENSORS) {
        sbuf_puts(out, "# tensor: ");
        fig_quote(out, FQ_COMMENT, s->tensor_name);
        if (s->file_name) {
            sbuf_puts(out, " in ");
            fig_quote(out, FQ_COMMENT, s->file_name);
        }
        sbuf_puts(out, "\n");
    }
    if (fig_kind_of(s->figure)->needs == FN_PAIR && s->tensor_name2) {
        sbuf_puts(out, "# right tensor: ");
        fig_quote(out, FQ_COMMENT, s->tensor_name2);
        if (s->file_name2) {
            sbuf_puts(out, " in ");
            fig_quote(out, FQ_COMMENT, s->file_name2);
        }
        sbuf_puts(out, "\n");
    }
    sbuf_printf(out, "# %d bits, ", s->cfg.bits);
    sbuf_puts(out, s->cfg.is_signed ? "signed" : "unsigned");
    sbuf_puts(out, ", alpha ");
    fig_quote(out, FQ_COMMENT, analyze_alpha_mode_name(s->cfg.amode));
    sbuf_puts(out, s->cfg.normalize ? ", normalize on, schemes:" : ", normalize off, schemes:");
    for (int i = 0; i < s->nschemes; i++) {
        sbuf_puts(out, " ");
        fig_quote(out, FQ_COMMENT, s->schemes[i]);
    }
    sbuf_puts(out, "\n# Redraw with: gnuplot ");
    char *gpname = plot_data_name(base_name(outname), ".gp");
    fig_quote(out, FQ_COMMENT, gpname);
    free(gpname);
    sbuf_puts(out, "  (run in this directory)");
    sbuf_puts(out, "\n\nreset\nset encoding utf8\n");
    /* Always "color": with --mono the line types themselves are greys with
     * dash patterns (figures.c); the terminals' monochrome mode would turn
     * every grey, fill and grid line into solid black. */
    /* Honest sizes: cairo sets text at 4/3 of the point size asked for
     * (it takes points at 96 dpi), and pdfcairo/epscairo halve it by
     * default: fontscale 0.75 gives the point size itself in PDF, EPS and
     * the .tex's graphics (whose text LaTeX sets, at the same size: the
     * header). pngcairo: 300 dpi / 96 = 3.125, lines scaled as the text.
     * SVG: one unit is one point; plot.c gives the file its size in cm. */
    switch (fmt) {
    case PF_PDF:
    case PF_GP:
    case PF_UNKNOWN:
        sbuf_printf(out, "set terminal pdfcairo enhanced color rounded size %.4gcm,%.4gcm font ", w, h);
        fig_quote(out, FQ_STRING, fspec);
        sbuf_puts(out, " fontscale 0.75");
        break;
    case PF_EPS:
        sbuf_printf(out, "set terminal epscairo enhanced color rounded size %.4gcm,%.4gcm font ", w, h);
        fig_quote(out, FQ_STRING, fspec);
        sbuf_puts(out, " fontscale 0.75");
        break;
    case PF_PNG: {
        double sc = 300.0 / 72.0;
        sbuf_printf(out, "set terminal pngcairo enhanced color rounded background rgb 'white' size %d,%d font ",
                    (int)lround(w / 2.54 * 300), (int)lround(h / 2.54 * 300));
        fig_quote(out, FQ_STRING, fspec);
        sbuf_printf(out, " fontscale %.4g linewidth %.4g pointscale %.4g", 300.0 / 96.0, sc, sc);
        break;
    }
    case PF_SVG:
        sbuf_printf(out, "set terminal svg enhanced size %d,%d font ", (int)lround(w / 2.54 * 72),
                    (int)lround(h / 2.54 * 72));
        fig_quote(out, FQ_STRING, fspec);
        sbuf_puts(out, " rounded background rgb 'white'");
        break;
    case PF_TEX: {
        /* the document's font family at the figure's size; colours
         * through \\color (the document loads graphicx and color) */
        sbuf_printf(out, "set terminal cairolatex pdf color rounded size %.4gcm,%.4gcm font ", w, h);
        fig_quote(out, FQ_STRING, fspec);
        sbuf_puts(out, " fontscale 0.75 header ");
        char hdr[96];
        snprintf(hdr, sizeof hdr, "\\fontsize{%g}{%g}\\selectfont", fpt, round(fpt * 12) / 10);
        fig_quote(out, FQ_STRING, hdr);
        break;
    }
    }
    /* set output: a bare name (gnuplot runs in the output's directory);
     * one starting with '|' would be a pipe to a command: ./ makes it a
     * file. */
    char *figname = fmt == PF_GP ? with_ext(base_name(outname), ".pdf") : util_strdup(base_name(outname));
    char *oname = util_asprintf("%s%s", figname[0] == '|' || figname[0] == '\'' ? "./" : "", figname);
    if (!fig_quote_exact(oname)) {
        util_err_set(err, "%s: gnuplot cannot be given this file name (control characters, bytes that "
                     "are not UTF-8, or two quotes in a row); choose another", s->path);
        free(oname);
        free(figname);
        sbuf_free(&body);
        return -1;
    }
    sbuf_puts(out, "\nset output ");
    fig_quote(out, FQ_STRING, oname);
    free(oname);
    free(figname);
    sbuf_puts(out, "\n\n");
    for (int i = 0; i < d->n; i++)
        write_block(out, d->b[i]);
    sbuf_puts(out, "\n");
    sbuf_puts(out, body.s ? body.s : ""); /* gp-lint: ok (figures.c's commands, linted there) */
    sbuf_puts(out, "\nunset output\n");
    sbuf_free(&body);
    return 0;
}

int plot_build_script(const plot_spec *s, sbuf *out, util_err *err)
{
    plot_format fmt = s->path ? plot_format_of(s->path) : PF_UNKNOWN;
    if (fmt == PF_UNKNOWN) {
        util_err_set(err, "unknown figure format");
        return -1;
    }
    if (s->nschemes < 1) {
        util_err_set(err, "no scheme to draw");
        return -1;
    }
    fig_data d = { 0 };
    locale_t cloc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t prev = cloc ? uselocale(cloc) : (locale_t)0;
    int rc = build_script(s, fmt, s->path, out, &d, err);
    if (cloc) {
        uselocale(prev);
        freelocale(cloc);
    }
    fig_data_free(&d);
    return rc;
}

int plot_export_csv(const plot_spec *s, FILE *csv, util_err *err)
{
    if (!s->path || !*s->path) {
        util_err_set(err, "no output file name");
        return -1;
    }
    plot_format fmt = plot_format_of(s->path);
    if (fmt == PF_UNKNOWN) {
        util_err_set(err, "%s: unknown figure format; the name must end in .pdf, .png, .svg, .eps, .tex or .gp",
                     s->path);
        return -1;
    }
    if (s->nschemes < 1) {
        util_err_set(err, "no scheme to draw");
        return -1;
    }
    /* The outputs, in the order they are installed: the script, the
     * data (CSV), the .tex's graphics, the figure (last). */
    outfile of[4];
    int nof = 0;
    memset(of, 0, sizeof of);
    of[nof++].final = plot_data_name(s->path, ".gp");
    of[nof++].final = plot_data_name(s->path, ".csv");
    if (fmt != PF_GP) {
        if (fmt == PF_TEX)
            of[nof++].final = with_ext(s->path, ".pdf");
        of[nof++].final = util_strdup(s->path);
    }
    int rc = -1;
    char *dir = NULL, *tmpdir = NULL, *logpath = NULL, *prog = NULL;
    sbuf script = { 0 };
    fig_data d = { 0 };
    /* A full disk or file size limit: writes fail with EFBIG instead of
     * the process being killed half way. */
    struct sigaction ign, xfsz;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGXFSZ, &ign, &xfsz);
    for (int i = 0; i < nof; i++) {
        struct stat fst;
        if (lstat(of[i].final, &fst) < 0)
            continue;
        if (!s->force) {
            util_err_set(err, "%s already exists (use --force to overwrite it)", of[i].final);
            goto out;
        }
        if (!S_ISREG(fst.st_mode) && !S_ISLNK(fst.st_mode)) {
            util_err_set(err, "cannot write %s: it is %s", of[i].final,
                         S_ISDIR(fst.st_mode) ? "a directory" : "not a regular file");
            goto out;
        }
    }

    /* Numbers in the script are always written with a '.' decimal point. */
    locale_t cloc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t prev = cloc ? uselocale(cloc) : (locale_t)0;
    int built = build_script(s, fmt, s->path, &script, &d, err);
    if (cloc) {
        uselocale(prev);
        freelocale(cloc);
    }
    if (built < 0)
        goto out;
    if (fmt != PF_GP && !(prog = plot_find_gnuplot(err)))
        goto out;

    const char *slash = strrchr(s->path, '/');
    dir = slash ? util_strndup(s->path, (size_t)(slash - s->path + 1)) : util_strdup("");
    tmpdir = util_asprintf("%s.apotview-XXXXXX", dir);
    if (!mkdtemp(tmpdir)) {
        util_err_set(err, "cannot create a temporary directory in %s for %s: %s", *dir ? dir : ".", s->path,
                     strerror(errno));
        free(tmpdir);
        tmpdir = NULL;
        goto out;
    }
    for (int i = 0; i < nof; i++)
        of[i].tmp = util_asprintf("%s/%s", tmpdir, base_name(of[i].final));
    if (plot_write_file(of[0].tmp, of[0].final, script.s, script.len, err) < 0)
        goto out;
    {
        char *cbuf = NULL;
        size_t clen = 0;
        FILE *mf = open_memstream(&cbuf, &clen);
        if (!mf) {
            util_err_set(err, "cannot write %s: %s", of[1].final, strerror(errno));
            goto out;
        }
        figures_write_csv(mf, s, &d);
        fclose(mf);
        int wr = plot_write_file(of[1].tmp, of[1].final, cbuf, clen, err);
        free(cbuf);
        if (wr < 0)
            goto out;
    }
    if (fmt != PF_GP) {
        logpath = util_asprintf("%s/gnuplot.log", tmpdir);
        if (plot_run_gnuplot(prog, tmpdir, script.s, script.len, logpath, &xfsz, err) < 0) {
            char m[UTIL_ERRLEN];
            snprintf(m, sizeof m, "%s", err->msg);
            util_err_clear(err);
            util_err_set(err, "%s: %s", s->path, m);
            goto out;
        }
        for (int i = 2; i < nof; i++) {
            plot_format f = i == nof - 1 ? fmt : PF_PDF;
            const char *why = plot_incomplete(of[i].tmp, f);
            if (!why && i == nof - 1 && plot_finish_file(of[i].tmp, fmt) < 0)
                why = "it could not be given its physical size";
            if (why) {
                char msg[UTIL_ERRLEN - 256];
                plot_log_summary(logpath, msg, sizeof msg);
                if (strcmp(why, "it was not written") == 0 || strcmp(why, "it is empty") == 0)
                    util_err_set(err, "gnuplot wrote no %s%s%s", of[i].final, *msg ? ": " : "", msg);
                else
                    util_err_set(err, "gnuplot wrote an incomplete %s (%s; is the disk full?)%s%s", of[i].final,
                                 why, *msg ? ": " : "", msg);
                goto out;
            }
        }
    }
    /* The graphics before the .tex that includes it; the figure last. On
     * any failure the ones already in place are rolled back. */
    for (int i = 0; i < nof; i++)
        if (plot_install(&of[i], tmpdir, i, s->force, err) < 0) {
            plot_roll_back(of, nof, err);
            plot_sync_dir(*dir ? dir : ".");
            goto out;
        }
    plot_sync_dir(*dir ? dir : ".");
    if (csv) {
        figures_write_csv(csv, s, &d);
        fflush(csv);
    }
    rc = 0;
out:
    if (tmpdir)
        plot_remove_tmpdir(tmpdir);
    sigaction(SIGXFSZ, &xfsz, NULL);
    for (int i = 0; i < nof; i++) {
        free(of[i].final);
        free(of[i].tmp);
        free(of[i].backup);
    }
    free(prog);
    free(logpath);
    free(tmpdir);
    free(dir);
    sbuf_free(&script);
    fig_data_free(&d);
    return rc;
}

int plot_export(const plot_spec *s, util_err *err)
{
    return plot_export_csv(s, NULL, err);
}
