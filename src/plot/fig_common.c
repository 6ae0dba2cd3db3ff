/*
 * fig_common.c - what the figure kinds share (fig_common.h): their data blocks, the
 * quoting of every string that reaches a script (the rule: top of plot.c),
 * text (gnuplot enhanced text, or LaTeX for .tex), the colour of each
 * scheme, and the layout helpers that size margins, tics and keys from
 * the text they hold.
 */
#include "config.h"
#include "plot/fig_common.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant/eval.h"
#include "quant/group.h"
#include "quant/levels.h"

/* ---- data --------------------------------------------------------------- */

fig_block *fg_add_block(fig_data *d, const char *name, const char *scheme, const char *series)
{
    /* Blocks are allocated one by one so a block pointer stays valid while
     * more blocks are added. */
    d->b = util_realloc(d->b, (size_t)(d->n + 1) * sizeof *d->b);
    fig_block *k = util_calloc(1, sizeof *k);
    d->b[d->n++] = k;
    snprintf(k->name, sizeof k->name, "%s", name);
    k->scheme = scheme;
    k->series = series;
    return k;
}

fig_row *fg_add_row(fig_block *k, double x, double y)
{
    if (k->n == k->cap) {
        k->cap = k->cap ? 2 * k->cap : 64;
        k->rows = util_realloc(k->rows, k->cap * sizeof *k->rows);
    }
    fig_row *r = &k->rows[k->n++];
    r->x = x;
    r->y = y;
    r->z = NAN;
    r->label = NULL;
    r->raw = NULL;
    return r;
}

void fig_data_free(fig_data *d)
{
    for (int i = 0; i < d->n; i++) {
        for (size_t j = 0; j < d->b[i]->n; j++)
            free(d->b[i]->rows[j].label);
        free(d->b[i]->rows);
        free(d->b[i]);
    }
    free(d->b);
    memset(d, 0, sizeof *d);
}

/* ---- text ----------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1..4), 0 when it is not one
 * (overlong, surrogate, past U+10FFFF, truncated) or is a C1 control. */
size_t fg_utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (n == 0 || s[0] > 0xF4)
        return 0;
    unsigned long c = s[0] & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3F);
    }
    static const unsigned long least[] = { 0, 0, 0x80, 0x800, 0x10000 };
    if (c < least[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF) || (c >= 0x80 && c <= 0x9F))
        return 0;
    return n;
}

/* THE function through which every string that is not a fixed literal of
 * this file reaches a gnuplot script (the rule is at the top of plot.c):
 *   FQ_STRING   a single-quoted gnuplot string, ' doubled; gnuplot expands
 *               neither `backquotes` nor @macros nor \escapes in it (a '
 *               first or after another ' becomes U+2019: gnuplot 5.4
 *               reads '' as a quote only after another character);
 *   FQ_COMMENT  the same single-quoted form as the text of a # comment,
 *               so a comment never ends in a backslash (which would
 *               continue it onto the next line);
 *   FQ_DATUM    a double-quoted field of a datablock row (gnuplot reads
 *               no other quotes there; backquotes are not expanded in
 *               datablocks, backslash escapes are): " and \ escaped.
 * In all three, control characters (which could end the line, the
 * string or the datablock) become spaces and bytes that are not UTF-8
 * become '?'. NULL is the empty string. */
void fig_quote(sbuf *b, fig_ctx ctx, const char *s)
{
    const unsigned char *start = (const unsigned char *)(s ? s : ""), *p = start;
    sbuf_puts(b, ctx == FQ_DATUM ? "\"" : "'"); /* gp-lint: ok (the one quote) */
    while (*p) {
        char c[5] = { 0 };
        size_t n = fg_utf8_len(p);
        if (n == 0) {
            c[0] = '?';
            n = 1;
        } else if (n > 1)
            memcpy(c, p, n);
        else if (*p < 0x20 || *p == 0x7F)
            c[0] = ' ';
        else if (*p == '\'' && ctx != FQ_DATUM) {
            /* gnuplot's scanner takes '' as a quote only after a character
             * that is not one: a quote first or right after another is
             * written as U+2019 instead (else it would end the string) */
            if (p == start || p[-1] == '\'')
                memcpy(c, "\xE2\x80\x99", 3);
            else
                c[0] = c[1] = '\'';
        } else if ((*p == '"' || *p == '\\') && ctx == FQ_DATUM) {
            c[0] = '\\';
            c[1] = (char)*p;
        } else
            c[0] = (char)*p;
        sbuf_puts(b, c); /* gp-lint: ok (quoted above) */
        p += n;
    }
    sbuf_puts(b, ctx == FQ_DATUM ? "\"" : "'"); /* gp-lint: ok (the one quote) */
}

int fig_quote_exact(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    if (*p == '\'')
        return 0;
    while (*p) {
        size_t n = fg_utf8_len(p);
        if (n == 0 || *p < 0x20 || *p == 0x7F || (*p == '\'' && p[1] == '\''))
            return 0;
        p += n;
    }
    return 1;
}

/* s escaped for LaTeX text mode. Caller frees. */
char *fg_latex_escape(const char *s)
{
    sbuf b = { 0 };
    sbuf_puts(&b, "");
    for (; *s; s++) {
        switch (*s) {
        case '_': case '%': case '&': case '#': case '$': case '{': case '}': {
            char t[3] = { '\\', *s, 0 };
            sbuf_puts(&b, t);
            break;
        }
        case '~': sbuf_puts(&b, "\\textasciitilde{}"); break;
        case '^': sbuf_puts(&b, "\\textasciicircum{}"); break;
        case '\\': sbuf_puts(&b, "\\textbackslash{}"); break;
        case '"': sbuf_puts(&b, "{'}{'}"); break;
        case '\'': sbuf_puts(&b, "{'}"); break; /* never two quotes in a row */
        default: {
            char t[2] = { (unsigned char)*s < 0x20 ? ' ' : *s, 0 };
            sbuf_puts(&b, t);
        }
        }
    }
    return b.s;
}

/* s with every '%' doubled: the labels of `set xtics ("label" pos, ...)`
 * are formats (gnuplot would expand %g in a tensor's name). Caller frees. */
char *fg_tic_label(const char *s)
{
    sbuf b = { 0 };
    sbuf_puts(&b, "");
    for (const char *p = s; *p; p++)
        sbuf_puts(&b, *p == '%' ? "%%" : (char[2]){ *p, 0 });
    return b.s;
}

/* A name for a data row label (escaped for LaTeX; fig_quote quotes it). */
char *fg_row_label(const fig_style *st, const char *name)
{
    return st->latex ? fg_latex_escape(name) : util_strdup(name);
}

/* The scheme as papers write it. */
const char *fg_scheme_title(const char *s)
{
    if (strcmp(s, "uniform") == 0)
        return "Uniform";
    if (strcmp(s, "pot") == 0)
        return "PoT";
    if (strcmp(s, "apot") == 0)
        return "APoT";
    return s;
}

void fg_txt_scheme(sbuf *t, const fig_style *st, const char *s)
{
    if (st->latex) {
        char *e = fg_latex_escape(fg_scheme_title(s));
        sbuf_puts(t, e);
        free(e);
    } else {
        /* enhanced text: q4_0 is not q4 with a subscript 0 */
        for (const char *c = fg_scheme_title(s); *c; c++) {
            char e[3] = { '\\', *c, 0 };
            sbuf_puts(t, strchr("_^{}@&~", *c) ? e : e + 1);
        }
    }
}

void fg_txt_alpha(sbuf *t, const fig_style *st)
{
    sbuf_puts(t, st->latex ? "$\\alpha$" : "α");
}

/* The notation for all of v[0..n-1] that are finite and not 0: powers of
 * ten when any of them is under 1e-3 or from 1e4 up, else fixed; so a
 * figure never shows 0.00120 beside 9.00×10^{-4}. */
fg_numfmt fg_num_mode(const double *v, int n)
{
    fg_numfmt m = FG_NUM_FIXED;
    for (int i = 0; i < n; i++) {
        double a = fabs(v[i]);
        if (isfinite(a) && a != 0 && (a < 1e-3 || a >= 1e4))
            m = FG_NUM_SCI;
    }
    return m;
}

/* A number with 3 significant digits, trailing zeros kept (0.00230 beside
 * 0.00291, 5.90×10^{-4} beside 7.46×10^{-4}); powers of ten as
 * 1.23×10^{-5} for FG_NUM_SCI, and for FG_NUM_AUTO when it is under 1e-3
 * or from 1e4 up. */
void fg_txt_num_as(sbuf *t, const fig_style *st, double v, fg_numfmt mode)
{
    if (!isfinite(v)) {
        sbuf_puts(t, isnan(v) ? "–" : v > 0 ? "∞" : "-∞");
        return;
    }
    double a = fabs(v);
    if (mode == FG_NUM_AUTO)
        mode = fg_num_mode(&v, 1);
    if (a == 0 || mode == FG_NUM_FIXED) {
        char num[32];
        snprintf(num, sizeof num, a == 0 ? "0" : a >= 1000 ? "%.0f" : "%#.3g", v);
        size_t n = strlen(num);
        if (n && num[n - 1] == '.')
            num[n - 1] = '\0'; /* "100." from %#.3g */
        sbuf_puts(t, st->latex ? "$" : "");
        sbuf_puts(t, num);
        sbuf_puts(t, st->latex ? "$" : "");
        return;
    }
    int e = (int)floor(log10(a));
    double m = v / pow(10, e);
    if (fabs(m) >= 9.995) {
        m /= 10;
        e++;
    }
    if (st->latex)
        sbuf_printf(t, "$%.2f\\times 10^{%d}$", m, e);
    else
        sbuf_printf(t, "%.2f×10^{%d}", m, e);
}

void fg_txt_num(sbuf *t, const fig_style *st, double v)
{
    fg_txt_num_as(t, st, v, FG_NUM_AUTO);
}

/* Build a label text in t (an sbuf) then append it quoted to b. */
void fg_put_text(sbuf *b, sbuf *t)
{
    fig_quote(b, FQ_STRING, t->s);
    sbuf_free(t);
}

/* ---- style -------------------------------------------------------------- */

/* One colour per scheme of the registry (levels_schemes, in its order),
 * so a scheme keeps its colour in every figure whatever -s lists: the
 * Okabe-Ito palette without its yellow (unreadable on white) for the
 * first seven, then Paul Tol's muted and dark colours. */
static const char *const scheme_colours[] = {
    "#0072B2", /* uniform: blue */
    "#D55E00", /* pot: vermillion */
    "#009E73", /* apot: bluish green */
    "#CC79A7", /* int-asym: reddish purple */
    "#E69F00", /* nf4: orange */
    "#56B4E9", /* fp4-e2m1: sky blue */
    "#000000", /* fp6-e2m3: black */
    "#882255", /* fp6-e3m2: wine */
    "#117733", /* fp8-e4m3: green */
    "#332288", /* fp8-e5m2: indigo */
    "#999933", /* mxfp4: olive */
    "#44AA99", /* q4_0: teal */
    "#AA4499", /* q8_0: purple */
    "#661100", /* log2-sqrt2: brown */
    "#6699CC", /* lloyd-max: steel blue */
    "#888888", /* custom: grey */
};
/* --mono: a grey and a dash pattern per slot, (slot % 5, slot / 5): 20
 * distinct pairs; point types differ as well. */
static const char *const greys[] = { "#000000", "#5A5A5A", "#8C8C8C", "#ADADAD" };
static const int dashes[] = { 1, 2, 3, 4, 5 };
static const int points[] = { 7, 5, 9, 13, 11, 15, 6, 4, 8, 10, 12, 14, 1, 2, 3, 64 };
static const char *const bar_greys[] = { "#1A1A1A", "#808080", "#D0D0D0", "#4D4D4D", "#B3B3B3", "#FFFFFF",
                                         "#333333", "#999999", "#E6E6E6", "#666666" };


/* The registry slot of the spec's scheme i: its definition's index, or
 * the next free one when an earlier listed scheme has it already (two
 * custom: sets). */
int fg_scheme_slot(const plot_spec *s, int i)
{
    int used[NELEM(scheme_colours)] = { 0 }, slot = 0;
    for (int k = 0; k <= i; k++) {
        const scheme_def *def = levels_find(s->schemes[k]);
        slot = NELEM(scheme_colours) - 1;
        for (int j = 0; def && levels_schemes[j] && j < NELEM(scheme_colours); j++)
            if (levels_schemes[j] == def)
                slot = j;
        for (int n = 0; n < NELEM(scheme_colours) && used[slot]; n++)
            slot = (slot + 1) % NELEM(scheme_colours);
        used[slot] = 1;
    }
    return slot;
}

/* --colors=SCHEME:#RRGGBB,...: the colour given for name, copied to out
 * (8 bytes); 0 when there is none. */
int fg_colour_override(const char *colors, const char *name, char *out)
{
    for (const char *p = colors; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        const char *hash = memchr(p, '#', n);
        if (hash && hash > p && hash[-1] == ':' && (size_t)(hash - 1 - p) == strlen(name) &&
            strncmp(p, name, strlen(name)) == 0 && n - (size_t)(hash - p) == 7) {
            memcpy(out, hash, 7);
            out[7] = '\0';
            return 1;
        }
        p += n + (comma ? 1 : 0);
    }
    return 0;
}

int plot_check_colors(const char *colors, util_err *err)
{
    for (const char *p = colors; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        const char *hash = memchr(p, '#', n);
        int ok = hash && hash > p + 1 && hash[-1] == ':' && n - (size_t)(hash - p) == 7;
        for (int k = 1; ok && k < 7; k++)
            ok = isxdigit((unsigned char)hash[k]);
        if (ok) {
            char *name = util_strndup(p, (size_t)(hash - 1 - p));
            ok = levels_find(name) != NULL;
            free(name);
        }
        if (!ok) {
            util_err_set(err, "--colors takes SCHEME:#RRGGBB,... with known schemes, not '%.*s'", (int)n, p);
            return -1;
        }
        p += n + (comma ? 1 : 0);
    }
    return 0;
}

/* The line colour of the spec's scheme i, "#RRGGBB" in out (8 bytes). */
void fg_scheme_rgb(const plot_spec *s, const fig_style *st, int i, char *out)
{
    if (fg_colour_override(s->colors, s->schemes[i], out))
        return;
    int slot = fg_scheme_slot(s, i);
    snprintf(out, 8, "%s", st->mono ? greys[(slot / 5) % NELEM(greys)] : scheme_colours[slot]);
}

/* The colour of text in the scheme's colour: light colours (orange, sky
 * blue, olive: low contrast on white) darkened to 65 %. */
void fg_scheme_text_rgb(const plot_spec *s, const fig_style *st, int i, char *out)
{
    fg_scheme_rgb(s, st, i, out);
    unsigned r, g, bl;
    if (sscanf(out + 1, "%2x%2x%2x", &r, &g, &bl) != 3)
        return;
    double lum = (0.2126 * r + 0.7152 * g + 0.0722 * bl) / 255;
    if (lum > 0.42) {
        r = (unsigned)(r * 0.65), g = (unsigned)(g * 0.65), bl = (unsigned)(bl * 0.65);
        snprintf(out, 8, "#%02X%02X%02X", r, g, bl);
    }
}

/* " tc rgb '#RRGGBB'" for a label in scheme i's text colour. */
void fg_put_tc(sbuf *b, const plot_spec *s, const fig_style *st, int i)
{
    char c[8];
    fg_scheme_text_rgb(s, st, i, c);
    sbuf_puts(b, " tc rgb ");
    fig_quote(b, FQ_STRING, c);
}

/* Start (open = 1) or end a LaTeX colour group around a label's text in
 * scheme i's text colour: cairolatex leaves a label's tc out of the
 * .tex, so the colour is given in the text (\color, from the color or
 * xcolor package the document loads). Nothing for the other formats. */
void fg_txt_colour(sbuf *t, const plot_spec *s, const fig_style *st, int i, int open)
{
    if (!st->latex)
        return;
    if (!open) {
        sbuf_puts(t, "}");
        return;
    }
    char c[8];
    unsigned r, g, bl;
    fg_scheme_text_rgb(s, st, i, c);
    if (sscanf(c + 1, "%2x%2x%2x", &r, &g, &bl) != 3)
        r = g = bl = 0;
    /* not '{' first: gnuplot's LaTeX terminals then drop the label's
     * justification (\makebox(0,0){...}: centred whatever was asked) */
    sbuf_printf(t, "\\relax{\\color[rgb]{%.3f,%.3f,%.3f}", r / 255.0, g / 255.0, bl / 255.0);
}

void fg_set_styles(sbuf *b, const plot_spec *s, const fig_style *st)
{
    sbuf_puts(b, "# One line type per scheme, its colour fixed per scheme (Okabe-Ito, Tol) or\n"
                 "# a grey with dashes (--mono); points differ too.\n");
    for (int i = 0; i < s->nschemes; i++) {
        char c[8];
        fg_scheme_rgb(s, st, i, c);
        int slot = fg_scheme_slot(s, i);
        sbuf_printf(b, "set linetype %d lc rgb ", i + 1);
        fig_quote(b, FQ_STRING, c);
        sbuf_printf(b, " lw 1.5 dt %d pt %d ps 0.7\n", st->mono ? dashes[slot % NELEM(dashes)] : 1,
                    points[slot % NELEM(points)]);
    }
    sbuf_puts(b, "set border 3 lw 0.8\nset tics nomirror out scale 0.5\n"
                 "set key samplen 2 spacing 1.1 width 1\n");
}

/* The fill of scheme i's bars. */
void fg_put_fill(sbuf *b, const plot_spec *s, const fig_style *st, int i)
{
    char c[8];
    if (st->mono && !fg_colour_override(s->colors, s->schemes[i], c))
        snprintf(c, sizeof c, "%s", bar_greys[fg_scheme_slot(s, i) % NELEM(bar_greys)]);
    else
        fg_scheme_rgb(s, st, i, c);
    fig_quote(b, FQ_STRING, c);
}


/* The width (cm) of a text of n characters (DejaVu Sans averages about
 * 0.6 em; capitals and digits a little more). */
double fg_text_cm(size_t n, const fig_style *st)
{
    return (double)n * 0.53 * st->font_pt / 72.0 * 2.54;
}

/* How many characters a label shows: UTF-8 sequences count once; the
 * markup of enhanced text ({ } ^ _ and /:Italic) and of LaTeX ($, \cmd,
 * braces) not at all. */
size_t fg_vis_len(const char *t)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
        if (*p == '\\') {
            if (p[1] && !isalpha(p[1])) { /* an escaped character: shown */
                p++;
                n++;
                continue;
            }
            while (isalpha(p[1]))
                p++;
            continue;
        }
        if (strncmp((const char *)p, "/:Italic ", 9) == 0) {
            p += 8;
            continue;
        }
        if (*p == '{' || *p == '}' || *p == '^' || *p == '_' || *p == '$' || (*p & 0xC0) == 0x80)
            continue;
        n++;
    }
    return n;
}


/* y tics of a log axis from lo to hi len_cm long: every k-th decade so
 * that labels keep 1.6 lines apart. */
void fg_set_log_ytics(sbuf *b, const fig_style *st, double lo, double hi, double len_cm)
{
    if (!(lo > 0) || !(hi > lo))
        return;
    double dec = log10(hi / lo);
    int every = (int)ceil(dec * 1.6 * LINE_CM * st->font_pt / 8 / fmax(len_cm, 0.1));
    sbuf_printf(b, "set ytics 10**%d\nset mytics %d\n", every < 1 ? 1 : every, every <= 1 ? 10 : every);
}

/* A tic step of 1, 2, 2.5 or 5 times a power of ten that puts at most
 * about one label per `per_cm` cm on an axis `len_cm` long. */
double fg_nice_step(double range, double len_cm, double per_cm)
{
    int maxt = (int)(len_cm / per_cm) + 1;
    if (maxt < 2)
        maxt = 2;
    double raw = range / maxt;
    if (!(raw > 0))
        return 1;
    double p = pow(10, floor(log10(raw)));
    static const double m[] = { 1, 2, 2.5, 5, 10 };
    for (int i = 0; i < 5; i++)
        if (m[i] * p >= raw * (1 - 1e-9))
            return m[i] * p;
    return 10 * p;
}

/* x tics for a figure of the given plot-area width. */
/* A tic step (1, 2, 2.5 or 5 times a power of ten) for an axis from lo to
 * hi drawn len_cm long, wide enough that the labels (as %g prints them:
 * gnuplot's '% h') keep 0.18 cm (5 pt) between them. Across (upright labels):
 * the width of the widest label; along a y axis (across = 0): one line. */
double fg_tick_step(double lo, double hi, double len_cm, const fig_style *st, int across)
{
    double range = hi - lo;
    if (!(range > 0) || !(len_cm > 0))
        return 1;
    double p = pow(10, floor(log10(range / 50)));
    static const double m[] = { 1, 2, 2.5, 5 };
    for (int k = 0; k < 40; k++) {
        double step = m[k % 4] * p * pow(10, k / 4);
        long i0 = (long)ceil(lo / step - 1e-9), i1 = (long)floor(hi / step + 1e-9);
        double wmax = 1; /* in digit widths */
        for (long i = i0; i <= i1 && i - i0 < 200; i++) {
            char t[40];
            double v = (double)i * step;
            snprintf(t, sizeof t, "%g", fabs(v) < step * 1e-9 ? 0.0 : v);
            double w = 0; /* DejaVu Sans: digits 0.636 em, '-' 0.361, '.' 0.318 */
            for (const char *c = t; *c; c++)
                w += *c == '-' ? 0.57 : *c == '.' ? 0.5 : 1;
            wmax = fmax(wmax, w);
        }
        /* digits are 0.636 em wide in DejaVu Sans */
        double need = across ? wmax * 0.66 * st->font_pt / 72 * 2.54 + 0.18 : 1.6 * LINE_CM * st->font_pt / 8;
        /* and not denser than a label per 1.2 cm where the axis is long
         * enough for three of them */
        if (across)
            need = fmax(need, fmin(1.2, len_cm / 3));
        if (step / range * len_cm >= need && i1 - i0 < 200)
            return step;
    }
    return range;
}

/* x tics for a plot area area_cm wide. */
void fg_set_xstep(sbuf *b, const fig_style *st, double lo, double hi, double area_cm)
{
    sbuf_printf(b, "set xtics %.17g\nset mxtics 2\n", fg_tick_step(lo, hi, area_cm, st, 1));
}

/* Row labels of a strip of schemes: names at the left of the rows (row 1 at
 * the top); with mse, each scheme's MSE at the right under a heading. */
void fg_row_labels(sbuf *b, const plot_spec *s, const fig_style *st, const char *const *names,
                       const double *mse)
{
    int ns = s->nschemes;
    fg_numfmt mode = mse ? fg_num_mode(mse, ns) : FG_NUM_AUTO;
    sbuf_puts(b, "unset ytics\n");
    for (int i = 0; i < ns; i++) {
        sbuf_printf(b, "set label %d ", 100 + i);
        sbuf t = { 0 };
        fg_txt_scheme(&t, st, names[i]);
        fg_put_text(b, &t);
        sbuf_printf(b, " at graph 0, first %d right offset -0.8, 0\n", ns - i);
        if (mse) {
            sbuf_printf(b, "set label %d ", 200 + i);
            sbuf tt = { 0 };
            fg_txt_colour(&tt, s, st, i, 1);
            fg_txt_num_as(&tt, st, mse[i], mode);
            fg_txt_colour(&tt, s, st, i, 0);
            fg_put_text(b, &tt);
            sbuf_printf(b, " at graph 1, first %d left offset 0.8, 0", ns - i);
            fg_put_tc(b, s, st, i);
            sbuf_puts(b, "\n");
        }
    }
    if (mse)
        sbuf_printf(b, "set label 300 'MSE, %d-bit' at graph 1, first %d.05 left offset 0.8, 0\n", s->cfg.bits,
                    ns + 1);
}

/* ---- shared by the kinds ---------------------------------------------- */

double fg_xlo_of(const plot_spec *s)
{
    return eval_x_of_w(s->p, s->cfg.normalize, s->p->st.min);
}

double fg_xhi_of(const plot_spec *s)
{
    return eval_x_of_w(s->p, s->cfg.normalize, s->p->st.max);
}

const char *fg_x_label(const plot_spec *s, const fig_style *st)
{
    if (s->cfg.normalize)
        return st->latex ? "normalized weight $(w-\\mu)/\\sigma$" : "normalized weight (w - μ)/σ";
    return st->latex ? "weight $w$" : "weight {/:Italic w}";
}

int fg_need_tensor(const plot_spec *s, util_err *err)
{
    if (!s->p) {
        util_err_set(err, "the %s figure needs a tensor", plot_figure_name(s->figure));
        return -1;
    }
    if (s->p->st.n == 0) {
        util_err_set(err, "%s: no finite values to draw", s->tensor_name ? s->tensor_name : "tensor");
        return -1;
    }
    return 0;
}

/* name in at most maxc characters: when longer, its end (the part that
 * tells tensors apart: model.layers.11.mlp.down_proj.weight), starting
 * after a '.', '/' or '_' when one is near, after an ellipsis. UTF-8
 * sequences are kept whole. Caller frees. */
char *fg_shorten_left(const char *name, size_t maxc)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        n += (*p & 0xC0) != 0x80;
    if (maxc < 4)
        maxc = 4;
    if (n <= maxc)
        return util_strdup(name);
    /* skip n - (maxc - 1) characters */
    size_t skip = n - (maxc - 1), k = 0;
    const char *p = name;
    while (*p && k < skip) {
        p++;
        while ((*p & 0xC0) == 0x80)
            p++;
        k++;
    }
    /* start at a separator within the next few characters */
    for (const char *q = p; *q && q - p < 6; q++)
        if (*q == '.' || *q == '/' || *q == '_') {
            if (q[1])
                p = q + 1;
            break;
        }
    return util_asprintf("…%s", p);
}

