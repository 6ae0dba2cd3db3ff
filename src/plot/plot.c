/*
 * plot.c - plot_export(): from a figure's script to files on disk, without
 * ever losing one (plot.h).
 *
 * An export of dir/fig.EXT goes like this:
 *   1. the outputs are named: dir/fig.EXT, the script dir/fig.gp, and for
 *      .tex the graphics file dir/fig.pdf that the .tex includes; without
 *      force, any of them existing stops the export before anything runs;
 *   2. the script is generated (figures.c) in the C numeric locale, with the
 *      data inline as datablocks and `set output 'fig.EXT'` (a bare name);
 *   3. a private temporary directory dir/.apotview-XXXXXX is made next to
 *      the outputs (same file system, so renames are atomic); the script is
 *      saved there as fig.gp and piped into gnuplot running in that
 *      directory, its stdout and stderr going to a log file there;
 *   4. when gnuplot succeeded and produced complete files, each is moved
 *      into dir: link() (fails when the name exists: no race with another
 *      writer) without force, rename() with force (the old file kept);
 *   5. the temporary directory is emptied and removed whatever happened.
 * So `cd dir && gnuplot fig.gp` redraws exactly the same figure.
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
 * escaped first. tests/plot-quote.sh enforces this on the source (no
 * %s into a script buffer b/out, no bare sbuf_puts of a variable, no escaped double quote),
 * tests/test_plot_script.c and tests/fuzz/fuzz_script.c on every script.
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

#include "cli/session.h"

#define GNUPLOT_TIMEOUT_MS 120000
#define GNUPLOT_PACKAGE "gnuplot-nox"

/* ---- small helpers ------------------------------------------------------ */

void sbuf_puts(sbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->len + n + 1 > cap)
            cap *= 2;
        b->s = util_realloc(b->s, cap);
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

void sbuf_printf(sbuf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        sbuf_puts(b, small); /* gp-lint: ok (sbuf itself) */
        return;
    }
    char *big = util_malloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sbuf_puts(b, big); /* gp-lint: ok (sbuf itself) */
    free(big);
}

void sbuf_free(sbuf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

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

/* ---- finding and running gnuplot -------------------------------------------- */

static int is_exec(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

/* The gnuplot program: $GNUPLOT (a path, or a name searched on PATH), else
 * gnuplot on PATH. NULL with err set when there is none. */
static char *find_gnuplot(util_err *err)
{
    const char *env = getenv("GNUPLOT");
    const char *name = env && *env ? env : "gnuplot";
    if (strchr(name, '/')) {
        /* relative to the user's directory, not gnuplot's (it runs in
         * the private directory) */
        if (name[0] != '/') {
            char cwd[PATH_MAX];
            if (getcwd(cwd, sizeof cwd) && is_exec(name))
                return util_asprintf("%s/%s", cwd, name);
        }
        if (is_exec(name))
            return util_strdup(name);
        util_err_set(err, "GNUPLOT=%s is not an executable program; install gnuplot "
                     "(Debian/Ubuntu: apt install %s) or point GNUPLOT at it", name, GNUPLOT_PACKAGE);
        return NULL;
    }
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    const char *p = path;
    while (*p) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        if (n > 0) {
            char *cand = util_asprintf("%.*s/%s", (int)n, p, name);
            if (is_exec(cand))
                return cand;
            free(cand);
        }
        p += n;
        if (*p == ':')
            p++;
    }
    if (env && *env)
        util_err_set(err, "GNUPLOT=%s was not found: apt install %s, or set GNUPLOT to its full path",
                     name, GNUPLOT_PACKAGE);
    else
        util_err_set(err, "gnuplot was not found: apt install %s (or set GNUPLOT to its path); "
                     "figures are drawn by gnuplot", GNUPLOT_PACKAGE);
    return NULL;
}

static long ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)((t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000);
}

/* The last few meaningful lines of gnuplot's output, on one line. */
static void log_summary(const char *logpath, char *out, size_t len)
{
    out[0] = '\0';
    FILE *fp = fopen(logpath, "r");
    if (!fp)
        return;
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    /* Keep lines that say something: skip blank lines, the echo of the
     * command and the caret that points into it. */
    char *lines[64];
    int nl = 0;
    for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        while (*l == ' ' || *l == '\t')
            l++;
        size_t m = strlen(l);
        while (m && (l[m - 1] == ' ' || l[m - 1] == '\r' || l[m - 1] == '\t'))
            l[--m] = '\0';
        if (!*l || strcmp(l, "^") == 0)
            continue;
        if (nl == 64) {
            memmove(lines, lines + 1, 63 * sizeof *lines);
            nl = 63;
        }
        lines[nl++] = l;
    }
    int first = nl > 3 ? nl - 3 : 0;
    /* Prefer from the first "line N:" message on (gnuplot's error). */
    for (int i = 0; i < nl; i++)
        if (strstr(lines[i], "line ") && strchr(lines[i], ':')) {
            first = i;
            break;
        }
    size_t off = 0;
    for (int i = first; i < nl && off + 4 < len; i++)
        off += (size_t)snprintf(out + off, len - off, "%s%s", off ? " / " : "", lines[i]);
}

/* Run gnuplot in dir with script on stdin and its output in logpath.
 * 0 on success; -1 with err set. */
static int run_gnuplot(const char *prog, const char *dir, const char *script, size_t len,
                       const char *logpath, const struct sigaction *xfsz, util_err *err)
{
    int in[2], ex[2];
    int logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (logfd < 0) {
        util_err_set(err, "cannot create %s: %s", logpath, strerror(errno));
        return -1;
    }
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(ex, O_CLOEXEC) < 0) {
        util_err_set(err, "cannot create a pipe: %s", strerror(errno));
        close(logfd);
        return -1;
    }
    char *argv[] = { (char *)prog, (char *)"-d", NULL }; /* -d: ignore ~/.gnuplot */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    pid_t pid = fork();
    if (pid < 0) {
        util_err_set(err, "cannot start %s: %s", prog, strerror(errno));
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        close(in[0]), close(in[1]), close(ex[0]), close(ex[1]), close(logfd);
        return -1;
    }
    if (pid == 0) {
        /* Child: only async-signal-safe calls until exec. */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_DFL;
        sigaction(SIGPIPE, &sa, NULL);
        sigaction(SIGXFSZ, xfsz, NULL); /* as it was before the export */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        int e;
        if (dup2(in[0], 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0 || chdir(dir) < 0) {
            e = errno;
        } else {
            setsid(); /* no controlling terminal: gnuplot cannot touch the TUI's */
            execv(prog, argv);
            e = errno;
        }
        ssize_t wr = write(ex[1], &e, sizeof e);
        (void)wr;
        _exit(127);
    }
    close(in[0]);
    close(ex[1]);
    close(logfd);
    /* Write the script without blocking forever. */
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int fl = fcntl(in[1], F_GETFL);
    fcntl(in[1], F_SETFL, fl | O_NONBLOCK);
    size_t off = 0;
    int timed_out = 0;
    while (off < len) {
        ssize_t n = write(in[1], script + off, len - off);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            long left = GNUPLOT_TIMEOUT_MS - ms_since(&t0);
            if (left <= 0) {
                timed_out = 1;
                break;
            }
            struct pollfd pf = { .fd = in[1], .events = POLLOUT };
            poll(&pf, 1, (int)(left < 1000 ? left : 1000));
            continue;
        }
        break; /* EPIPE: gnuplot is gone; its exit status and log tell why */
    }
    close(in[1]);
    /* Did exec fail? */
    int e = 0;
    ssize_t rn;
    do
        rn = read(ex[0], &e, sizeof e);
    while (rn < 0 && errno == EINTR);
    close(ex[0]);
    int status = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, timed_out ? 0 : WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            status = -1;
            break;
        }
        if (w == 0) {
            if (ms_since(&t0) > GNUPLOT_TIMEOUT_MS) {
                kill(pid, SIGKILL);
                timed_out = 1;
                continue;
            }
            struct timespec ts = { 0, 5 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
    }
    /* Consume a SIGPIPE raised by our writes before unblocking it. */
    sigset_t pend;
    sigpending(&pend);
    if (sigismember(&pend, SIGPIPE)) {
        struct timespec zero = { 0, 0 };
        sigtimedwait(&block, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    int rc = 0;
    char msg[UTIL_ERRLEN - 128];
    if (rn == (ssize_t)sizeof e && e != 0) {
        util_err_set(err, "cannot run %s: %s", prog, strerror(e));
        rc = -1;
    } else if (timed_out) {
        util_err_set(err, "%s did not finish within %d s and was stopped", prog, GNUPLOT_TIMEOUT_MS / 1000);
        rc = -1;
    } else if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        log_summary(logpath, msg, sizeof msg);
        char how[64];
        if (status != -1 && WIFSIGNALED(status))
            snprintf(how, sizeof how, "was killed by signal %d", WTERMSIG(status));
        else if (status != -1 && WIFEXITED(status))
            snprintf(how, sizeof how, "failed (exit status %d)", WEXITSTATUS(status));
        else
            snprintf(how, sizeof how, "failed");
        util_err_set(err, "gnuplot %s%s%s", how, *msg ? ": " : "", msg);
        rc = -1;
    }
    return rc;
}

/* ---- files -------------------------------------------------------------------- */

typedef struct outfile {
    char *final;     /* where it goes */
    char *tmp;       /* where it is made (in the private directory) */
    char *backup;    /* a hard link to the file it replaces, or NULL */
    int installed;   /* final now is the new file */
} outfile;

/* Write all of data to a new file and fsync it: a short write, ENOSPC or
 * EFBIG (SIGXFSZ is ignored during an export) is an error. */
static int write_file(const char *path, const char *shown, const char *data, size_t len, util_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        util_err_set(err, "cannot create a temporary file for %s: %s", shown, strerror(errno));
        return -1;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            util_err_set(err, "cannot write %s: %s", shown, strerror(n < 0 ? errno : EIO));
            close(fd);
            return -1;
        }
        off += (size_t)n;
    }
    if (fsync(fd) < 0 || close(fd) < 0) {
        util_err_set(err, "cannot write %s: %s", shown, strerror(errno));
        return -1;
    }
    return 0;
}

/* Does the file end like a complete one of its format? gnuplot exits 0
 * after a short write (a full disk), so this is how a truncated figure is
 * caught. NULL when it does, else what is wrong. */
static const char *incomplete(const char *path, plot_format fmt)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return "it was not written";
    struct stat st;
    unsigned char head[16], tail[1024];
    if (fstat(fd, &st) < 0 || st.st_size == 0) {
        close(fd);
        return "it is empty";
    }
    size_t tl = st.st_size < (off_t)sizeof tail ? (size_t)st.st_size : sizeof tail;
    ssize_t hn = pread(fd, head, sizeof head, 0);
    ssize_t tn = pread(fd, tail, tl, st.st_size - (off_t)tl);
    const char *why = NULL;
    if (hn < 0 || tn != (ssize_t)tl)
        why = "it cannot be read back";
    /* the tail without trailing white space, as a string */
    while (!why && tl > 0 && (tail[tl - 1] == '\n' || tail[tl - 1] == '\r' || tail[tl - 1] == ' '))
        tl--;
    char t[sizeof tail + 1];
    memcpy(t, tail, tl);
    t[tl] = '\0';
    for (size_t i = 0; i < tl; i++)
        if (!t[i])
            t[i] = ' '; /* binary bytes in a PDF's tail: search past them */
    switch (why ? PF_UNKNOWN : fmt) {
    case PF_PNG: {
        static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };
        static const unsigned char iend[12] = { 0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82 };
        if (hn < 8 || memcmp(head, sig, 8) != 0)
            why = "it has no PNG signature";
        else if (st.st_size < 20 || memcmp(tail + ((size_t)tn - 12), iend, 12) != 0)
            why = "it does not end with the PNG IEND chunk";
        break;
    }
    case PF_PDF:
    case PF_GP:
        if (hn < 5 || memcmp(head, "%PDF-", 5) != 0)
            why = "it has no PDF header";
        else if (tl < 5 || strcmp(t + tl - 5, "%%EOF") != 0 || !strstr(t, "startxref"))
            why = "it does not end with startxref and %%EOF";
        break;
    case PF_EPS:
        if (hn < 10 || memcmp(head, "%!PS-Adobe", 10) != 0)
            why = "it has no PostScript header";
        else if (!strstr(t, "%%EOF"))
            why = "it does not end with %%EOF";
        break;
    case PF_SVG:
        if (tl < 6 || strcmp(t + tl - 6, "</svg>") != 0)
            why = "it does not end with </svg>";
        break;
    case PF_TEX:
        if (tl < 9 || strcmp(t + tl - 9, "\\endgroup") != 0)
            why = "it does not end with \\endgroup";
        break;
    case PF_UNKNOWN:
        break;
    }
    if (!why && fsync(fd) < 0)
        why = "it cannot be synced to disk";
    close(fd);
    return why;
}

static uint32_t crc32_png(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
}

static int slurp(const char *path, char **data, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    sbuf b = { 0 };
    char chunk[65536];
    size_t n;
    *len = 0;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        if (b.len + n + 1 > b.cap) {
            size_t cap = b.cap ? b.cap : 65536;
            while (b.len + n + 1 > cap)
                cap *= 2;
            b.s = util_realloc(b.s, cap);
            b.cap = cap;
        }
        memcpy(b.s + b.len, chunk, n);
        b.len += n;
        b.s[b.len] = '\0';
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad || !b.s) {
        free(b.s);
        return -1;
    }
    *data = b.s;
    *len = b.len;
    return 0;
}

/* Give the figure its physical size where gnuplot does not: a PNG gets a
 * pHYs chunk (300 dpi = 11811 pixels per metre) after its IHDR, an SVG's
 * width and height (gnuplot: bare user units, 1 = 1 pt here) get "pt".
 * The file at path is replaced (a new file, synced). 0 or -1. */
static int finish_file(const char *path, plot_format fmt)
{
    if (fmt != PF_PNG && fmt != PF_SVG)
        return 0;
    char *data;
    size_t len;
    if (slurp(path, &data, &len) < 0)
        return -1;
    sbuf o = { 0 };
    int rc = -1;
    if (fmt == PF_PNG) {
        /* signature (8) + IHDR (4 length, 4 type, 13 data, 4 crc) */
        if (len < 33 || memcmp(data + 12, "IHDR", 4) != 0)
            goto out;
        unsigned char ph[21] = { 0, 0, 0, 9, 'p', 'H', 'Y', 's' };
        const uint32_t ppm = 11811;
        for (int k = 0; k < 2; k++) {
            ph[8 + 4 * k] = (unsigned char)(ppm >> 24);
            ph[9 + 4 * k] = (unsigned char)(ppm >> 16);
            ph[10 + 4 * k] = (unsigned char)(ppm >> 8);
            ph[11 + 4 * k] = (unsigned char)ppm;
        }
        ph[16] = 1; /* unit: the metre */
        uint32_t c = crc32_png(ph + 4, 13);
        ph[17] = (unsigned char)(c >> 24), ph[18] = (unsigned char)(c >> 16);
        ph[19] = (unsigned char)(c >> 8), ph[20] = (unsigned char)c;
        o.s = util_malloc(len + sizeof ph);
        memcpy(o.s, data, 33);
        memcpy(o.s + 33, ph, sizeof ph);
        memcpy(o.s + 33 + sizeof ph, data + 33, len - 33);
        o.len = len + sizeof ph;
    } else {
        char *wp = strstr(data, " width=\""), *vb = strstr(data, "viewBox="); /* gp-lint: ok (SVG, not a script) */
        if (!wp || !vb || wp > vb)
            goto out;
        int wv, hv, used = 0;
        if (sscanf(wp, " width=\"%d\" height=\"%d\"%n", &wv, &hv, &used) != 2 || used == 0) /* gp-lint: ok (SVG, not a script) */
            goto out;
        o.s = util_malloc(len + 64);
        size_t pre = (size_t)(wp - data);
        memcpy(o.s, data, pre);
        int n = snprintf(o.s + pre, 64, " width=\"%dpt\" height=\"%dpt\"", wv, hv); /* gp-lint: ok (SVG, not a script) */
        memcpy(o.s + pre + (size_t)n, wp + used, len - pre - (size_t)used);
        o.len = pre + (size_t)n + len - pre - (size_t)used;
    }
    char *tmp = util_asprintf("%s.size", path);
    util_err e = { { 0 } };
    if (write_file(tmp, path, o.s, o.len, &e) == 0 && rename(tmp, path) == 0)
        rc = 0;
    else
        unlink(tmp);
    free(tmp);
out:
    free(o.s);
    free(data);
    return rc;
}

static void sync_dir(const char *dir)
{
    int fd = open(*dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* A copy of from at to (file systems without hard links), synced. */
static int copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (out < 0) {
        close(in);
        return -1;
    }
    char buf[65536];
    ssize_t n;
    int rc = 0;
    struct stat st;
    while ((n = read(in, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -1;
            break;
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                rc = -1;
                break;
            }
            off += w;
        }
        if (rc < 0)
            break;
    }
    if (rc == 0 && fstat(in, &st) == 0)
        fchmod(out, st.st_mode & 07777);
    if (fsync(out) < 0)
        rc = -1;
    if (close(out) < 0)
        rc = -1;
    close(in);
    return rc;
}

/* Put o->tmp in place of o->final: never replacing an existing file unless
 * force, and then keeping a hard link to the old one in o->backup so that
 * the whole set can be rolled back. */
static int install(outfile *o, const char *tmpdir, int idx, int force, util_err *err)
{
    if (!force) {
        if (link(o->tmp, o->final) == 0) {
            o->installed = 1;
            return 0;
        }
        if (errno == EEXIST) {
            util_err_set(err, "%s already exists (use --force to overwrite it)", o->final);
            return -1;
        }
        /* File systems without hard links: check, then rename. */
        if (access(o->final, F_OK) == 0) {
            util_err_set(err, "%s already exists (use --force to overwrite it)", o->final);
            return -1;
        }
    } else {
        o->backup = util_asprintf("%s/old-%d", tmpdir, idx);
        struct stat st;
        int e = link(o->final, o->backup) == 0 ? 0 : errno;
        if (e && e != ENOENT && stat(o->final, &st) == 0 && !S_ISREG(st.st_mode)) {
            util_err_set(err, "cannot write %s: it is %s", o->final,
                         S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
            free(o->backup);
            o->backup = NULL;
            return -1;
        }
        if (e && e != ENOENT && copy_file(o->final, o->backup) < 0) {
            /* neither a hard link nor a copy: no way to put it back */
            util_err_set(err, "cannot keep %s while replacing it: %s", o->final, strerror(e));
            free(o->backup);
            o->backup = NULL;
            return -1;
        }
        if (e == ENOENT) {
            free(o->backup);
            o->backup = NULL;
        }
    }
    if (rename(o->tmp, o->final) < 0) {
        util_err_set(err, "cannot write %s: %s", o->final, strerror(errno));
        return -1;
    }
    o->installed = 1;
    return 0;
}

/* Undo the installs: old files back (rename is atomic), new ones away. */
static void roll_back(outfile *of, int nof, util_err *err)
{
    for (int i = nof - 1; i >= 0; i--) {
        if (!of[i].installed)
            continue;
        int bad = of[i].backup ? rename(of[i].backup, of[i].final) : unlink(of[i].final);
        if (bad < 0 && err->msg[0]) {
            size_t n = strlen(err->msg);
            snprintf(err->msg + n, sizeof err->msg - n, "; and %s could not be restored: %s", of[i].final,
                     strerror(errno));
        }
        of[i].installed = 0;
    }
}

/* Empty and remove the private directory: everything in it is ours (or
 * gnuplot's), whatever its name. */
static void remove_tmpdir(const char *tmpdir)
{
    DIR *dp = opendir(tmpdir);
    if (dp) {
        struct dirent *de;
        while ((de = readdir(dp)))
            if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                unlinkat(dirfd(dp), de->d_name, 0);
        closedir(dp);
    }
    rmdir(tmpdir);
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
    if (fmt != PF_GP && !(prog = find_gnuplot(err)))
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
    if (write_file(of[0].tmp, of[0].final, script.s, script.len, err) < 0)
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
        int wr = write_file(of[1].tmp, of[1].final, cbuf, clen, err);
        free(cbuf);
        if (wr < 0)
            goto out;
    }
    if (fmt != PF_GP) {
        logpath = util_asprintf("%s/gnuplot.log", tmpdir);
        if (run_gnuplot(prog, tmpdir, script.s, script.len, logpath, &xfsz, err) < 0) {
            char m[UTIL_ERRLEN];
            snprintf(m, sizeof m, "%s", err->msg);
            util_err_clear(err);
            util_err_set(err, "%s: %s", s->path, m);
            goto out;
        }
        for (int i = 2; i < nof; i++) {
            plot_format f = i == nof - 1 ? fmt : PF_PDF;
            const char *why = incomplete(of[i].tmp, f);
            if (!why && i == nof - 1 && finish_file(of[i].tmp, fmt) < 0)
                why = "it could not be given its physical size";
            if (why) {
                char msg[UTIL_ERRLEN - 256];
                log_summary(logpath, msg, sizeof msg);
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
        if (install(&of[i], tmpdir, i, s->force, err) < 0) {
            roll_back(of, nof, err);
            sync_dir(*dir ? dir : ".");
            goto out;
        }
    sync_dir(*dir ? dir : ".");
    if (csv) {
        figures_write_csv(csv, s, &d);
        fflush(csv);
    }
    rc = 0;
out:
    if (tmpdir)
        remove_tmpdir(tmpdir);
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
