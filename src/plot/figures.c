/*
 * figures.c - the seven figure kinds: their data (from the same engine calls
 * as --report, so the numbers agree) and the gnuplot commands that draw it
 * (figures.h).
 *
 * Style: one colour, dash type and point type per scheme, by its position
 * in the scheme list. Colours are the Okabe-Ito palette (safe for the common
 * colour-vision deficiencies, and of different lightness so a greyscale
 * print still separates them); with mono, greys with dash patterns. Point
 * types differ per scheme in every mode. Text is gnuplot enhanced text,
 * or LaTeX for .tex (cairolatex), produced by the txt_* helpers.
 */
#include "config.h"
#include "plot/figures.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant/eval.h"
#include "quant/group.h"
#include "quant/levels.h"

/* ---- data --------------------------------------------------------------- */

static fig_block *add_block(fig_data *d, const char *name, const char *scheme, const char *series)
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

static fig_row *add_row(fig_block *k, double x, double y)
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
static size_t utf8_len(const unsigned char *s)
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
        size_t n = utf8_len(p);
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
        size_t n = utf8_len(p);
        if (n == 0 || *p < 0x20 || *p == 0x7F || (*p == '\'' && p[1] == '\''))
            return 0;
        p += n;
    }
    return 1;
}

/* s escaped for LaTeX text mode. Caller frees. */
static char *latex_escape(const char *s)
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

/* A name for a data row label (escaped for LaTeX; fig_quote quotes it). */
static char *row_label(const fig_style *st, const char *name)
{
    return st->latex ? latex_escape(name) : util_strdup(name);
}

/* The scheme as papers write it. */
static const char *scheme_title(const char *s)
{
    if (strcmp(s, "uniform") == 0)
        return "Uniform";
    if (strcmp(s, "pot") == 0)
        return "PoT";
    if (strcmp(s, "apot") == 0)
        return "APoT";
    return s;
}

static void txt_scheme(sbuf *t, const fig_style *st, const char *s)
{
    if (st->latex) {
        char *e = latex_escape(scheme_title(s));
        sbuf_puts(t, e);
        free(e);
    } else
        sbuf_puts(t, scheme_title(s));
}

static void txt_alpha(sbuf *t, const fig_style *st)
{
    sbuf_puts(t, st->latex ? "$\\alpha$" : "α");
}

/* A number with 3 significant digits; powers of ten as 1.23×10^{-5}. */
static void txt_num(sbuf *t, const fig_style *st, double v)
{
    if (!isfinite(v)) {
        sbuf_puts(t, isnan(v) ? "–" : v > 0 ? "∞" : "-∞");
        return;
    }
    double a = fabs(v);
    if (a == 0 || (a >= 1e-3 && a < 1e4)) {
        /* three significant digits, trailing zeros kept: one format for
         * every number of a figure (0.00230 beside 0.00291) */
        char num[32];
        snprintf(num, sizeof num, a == 0 ? "0" : a >= 1000 ? "%.0f" : "%#.3g", v);
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

/* Build a label text in t (an sbuf) then append it quoted to b. */
static void put_text(sbuf *b, sbuf *t)
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

#define NELEM(a) ((int)(sizeof(a) / sizeof *(a)))

/* The registry slot of the spec's scheme i: its definition's index, or
 * the next free one when an earlier listed scheme has it already (two
 * custom: sets). */
static int scheme_slot(const plot_spec *s, int i)
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
static int colour_override(const char *colors, const char *name, char *out)
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
static void scheme_rgb(const plot_spec *s, const fig_style *st, int i, char *out)
{
    if (colour_override(s->colors, s->schemes[i], out))
        return;
    int slot = scheme_slot(s, i);
    snprintf(out, 8, "%s", st->mono ? greys[(slot / 5) % NELEM(greys)] : scheme_colours[slot]);
}

/* The colour of text in the scheme's colour: light colours (orange, sky
 * blue, olive: low contrast on white) darkened to 65 %. */
static void scheme_text_rgb(const plot_spec *s, const fig_style *st, int i, char *out)
{
    scheme_rgb(s, st, i, out);
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
static void put_tc(sbuf *b, const plot_spec *s, const fig_style *st, int i)
{
    char c[8];
    scheme_text_rgb(s, st, i, c);
    sbuf_puts(b, " tc rgb ");
    fig_quote(b, FQ_STRING, c);
}

/* Start (open = 1) or end a LaTeX colour group around a label's text in
 * scheme i's text colour: cairolatex leaves a label's tc out of the
 * .tex, so the colour is given in the text (\color, from the color or
 * xcolor package the document loads). Nothing for the other formats. */
static void txt_colour(sbuf *t, const plot_spec *s, const fig_style *st, int i, int open)
{
    if (!st->latex)
        return;
    if (!open) {
        sbuf_puts(t, "}");
        return;
    }
    char c[8];
    unsigned r, g, bl;
    scheme_text_rgb(s, st, i, c);
    if (sscanf(c + 1, "%2x%2x%2x", &r, &g, &bl) != 3)
        r = g = bl = 0;
    sbuf_printf(t, "{\\color[rgb]{%.3f,%.3f,%.3f}", r / 255.0, g / 255.0, bl / 255.0);
}

static void set_styles(sbuf *b, const plot_spec *s, const fig_style *st)
{
    sbuf_puts(b, "# One line type per scheme, its colour fixed per scheme (Okabe-Ito, Tol) or\n"
                 "# a grey with dashes (--mono); points differ too.\n");
    for (int i = 0; i < s->nschemes; i++) {
        char c[8];
        scheme_rgb(s, st, i, c);
        int slot = scheme_slot(s, i);
        sbuf_printf(b, "set linetype %d lc rgb ", i + 1);
        fig_quote(b, FQ_STRING, c);
        sbuf_printf(b, " lw 1.5 dt %d pt %d ps 0.7\n", st->mono ? dashes[slot % NELEM(dashes)] : 1,
                    points[slot % NELEM(points)]);
    }
    sbuf_puts(b, "set border 3 lw 0.8\nset tics nomirror out scale 0.5\n"
                 "set key samplen 2 spacing 1.1 width 1\n");
}

/* The fill of scheme i's bars. */
static void put_fill(sbuf *b, const plot_spec *s, const fig_style *st, int i)
{
    char c[8];
    if (st->mono && !colour_override(s->colors, s->schemes[i], c))
        snprintf(c, sizeof c, "%s", bar_greys[scheme_slot(s, i) % NELEM(bar_greys)]);
    else
        scheme_rgb(s, st, i, c);
    fig_quote(b, FQ_STRING, c);
}

/* One line of text, cm, at 8 pt (9.6 pt of line spacing and a little). */
#define LINE_CM 0.36

/* The width (cm) of a text of n characters (DejaVu Sans averages about
 * 0.6 em; capitals and digits a little more). */
static double text_cm(size_t n, const fig_style *st)
{
    return (double)n * 0.53 * st->font_pt / 72.0 * 2.54;
}

/* How many characters a label shows: UTF-8 sequences count once; the
 * markup of enhanced text ({ } ^ _ and /:Italic) and of LaTeX ($, \cmd,
 * braces) not at all. */
static size_t vis_len(const char *t)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
        if (*p == '\\') {
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

/* One key entry's width, cm: the sample line, a gap, the text, a gap. */
static double key_entry_cm(const fig_style *st, const char *text)
{
    return 0.55 * st->font_pt / 8 + 0.12 + text_cm(vis_len(text), st) + 0.35;
}

/* The columns of a key of entries texts[0..n-1] across width_cm: all in
 * one row when they fit side by side (*cw = 0: each its own width), else
 * a grid of columns as wide as the widest entry (*cw). */
static int key_cols(const fig_style *st, const char *const *texts, int n, double width_cm, double *cw)
{
    double sum = 0, mx = 0;
    for (int i = 0; i < n; i++) {
        double w = key_entry_cm(st, texts[i]);
        sum += w;
        mx = fmax(mx, w);
    }
    if (sum <= width_cm) {
        *cw = 0;
        return n > 0 ? n : 1;
    }
    *cw = mx;
    int c = (int)floor(width_cm / mx);
    return c < 1 ? 1 : c;
}

static int key_rows_of(const fig_style *st, const char *const *texts, int n, double width_cm)
{
    double cw;
    int c = key_cols(st, texts, n, width_cm, &cw);
    return (n + c - 1) / c > 0 ? (n + c - 1) / c : 1;
}

/* The rows a key of every scheme's name takes across width_cm. */
static int key_rows(const plot_spec *s, const fig_style *st, double width_cm)
{
    const char *t[OPTIONS_MAX_SCHEMES] = { 0 };
    for (int i = 0; i < s->nschemes; i++)
        t[i] = scheme_title(s->schemes[i]);
    return key_rows_of(st, t, s->nschemes, width_cm);
}

/* A key (a short line in scheme i's style and texts[i], or its name when
 * texts is NULL) in rows across the figure, centred, the first row's
 * centre top_cm below the top: labels and arrows tagged 900 and up, in
 * screen coordinates. Returns the number of rows. */
static int key_row_texts(sbuf *b, const plot_spec *s, const fig_style *st, double top_cm,
                         const char *const *texts)
{
    double W = st->width_cm, H = st->height_cm, line = 0.40 * st->font_pt / 8;
    double samp = 0.55 * st->font_pt / 8;
    int ns = s->nschemes;
    const char *t[OPTIONS_MAX_SCHEMES] = { 0 };
    for (int i = 0; i < ns; i++)
        t[i] = texts ? texts[i] : scheme_title(s->schemes[i]);
    double cw;
    int cols = key_cols(st, t, ns, W - 0.2, &cw);
    double total = 0;
    for (int i = 0; i < cols && i < ns; i++)
        total += cw > 0 ? cw : key_entry_cm(st, t[i]);
    double xs = (W - total + 0.35) / 2, x0 = xs;
    for (int k = 0; k < ns; k++) {
        int row = k / cols;
        if (k % cols == 0)
            x0 = xs;
        double y = 1 - (top_cm + row * line) / H;
        sbuf_printf(b, "set arrow %d from screen %.4f, screen %.4f to screen %.4f, screen %.4f nohead lt %d\n",
                    900 + k, x0 / W, y, (x0 + samp) / W, y, k + 1);
        sbuf_printf(b, "set label %d ", 900 + k);
        if (texts)
            fig_quote(b, FQ_STRING, texts[k]);
        else {
            sbuf tt = { 0 };
            txt_scheme(&tt, st, s->schemes[k]);
            put_text(b, &tt);
        }
        sbuf_printf(b, " at screen %.4f, screen %.4f left front\n", (x0 + samp + 0.12) / W, y);
        x0 += cw > 0 ? cw : key_entry_cm(st, t[k]);
    }
    return (ns + cols - 1) / cols;
}

static void key_row(sbuf *b, const plot_spec *s, const fig_style *st, double top_cm)
{
    key_row_texts(b, s, st, top_cm, NULL);
}

/* y tics of a log axis from lo to hi len_cm long: every k-th decade so
 * that labels keep 1.6 lines apart. */
static void set_log_ytics(sbuf *b, const fig_style *st, double lo, double hi, double len_cm)
{
    if (!(lo > 0) || !(hi > lo))
        return;
    double dec = log10(hi / lo);
    int every = (int)ceil(dec * 1.6 * LINE_CM * st->font_pt / 8 / fmax(len_cm, 0.1));
    sbuf_printf(b, "set ytics 10**%d\nset mytics %d\n", every < 1 ? 1 : every, every <= 1 ? 10 : every);
}

/* A tic step of 1, 2, 2.5 or 5 times a power of ten that puts at most
 * about one label per `per_cm` cm on an axis `len_cm` long. */
static double nice_step(double range, double len_cm, double per_cm)
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
 * gnuplot's '% h') keep 0.25 cm between them. Across (upright labels):
 * the width of the widest label; along a y axis (across = 0): one line. */
static double tick_step(double lo, double hi, double len_cm, const fig_style *st, int across)
{
    double range = hi - lo;
    if (!(range > 0) || !(len_cm > 0))
        return 1;
    double p = pow(10, floor(log10(range / 50)));
    static const double m[] = { 1, 2, 2.5, 5 };
    for (int k = 0; k < 40; k++) {
        double step = m[k % 4] * p * pow(10, k / 4);
        long i0 = (long)ceil(lo / step - 1e-9), i1 = (long)floor(hi / step + 1e-9);
        size_t wmax = 1;
        for (long i = i0; i <= i1 && i - i0 < 200; i++) {
            char t[40];
            double v = (double)i * step;
            snprintf(t, sizeof t, "%g", fabs(v) < step * 1e-9 ? 0.0 : v);
            wmax = fmax(wmax, strlen(t));
        }
        /* digits are 0.636 em wide in DejaVu Sans */
        double need = across ? wmax * 0.66 * st->font_pt / 72 * 2.54 + 0.25 : 1.6 * LINE_CM * st->font_pt / 8;
        if (step / range * len_cm >= need && i1 - i0 < 200)
            return step;
    }
    return range;
}

/* x tics for a plot area area_cm wide. */
static void set_xstep(sbuf *b, const fig_style *st, double lo, double hi, double area_cm)
{
    sbuf_printf(b, "set xtics %.17g\nset mxtics 2\n", tick_step(lo, hi, area_cm, st, 1));
}

/* Row labels of a strip of schemes: names at the left of the rows (row 1 at
 * the top); with mse, each scheme's MSE at the right under a heading. */
static void row_labels(sbuf *b, const plot_spec *s, const fig_style *st, const char *const *names,
                       const double *mse)
{
    int ns = s->nschemes;
    sbuf_puts(b, "unset ytics\n");
    for (int i = 0; i < ns; i++) {
        sbuf_printf(b, "set label %d ", 100 + i);
        sbuf t = { 0 };
        txt_scheme(&t, st, names[i]);
        put_text(b, &t);
        sbuf_printf(b, " at graph 0, first %d right offset -0.8, 0\n", ns - i);
        if (mse) {
            sbuf_printf(b, "set label %d ", 200 + i);
            sbuf tt = { 0 };
            txt_colour(&tt, s, st, i, 1);
            txt_num(&tt, st, mse[i]);
            txt_colour(&tt, s, st, i, 0);
            put_text(b, &tt);
            sbuf_printf(b, " at graph 1, first %d left offset 0.8, 0", ns - i);
            put_tc(b, s, st, i);
            sbuf_puts(b, "\n");
        }
    }
    if (mse)
        sbuf_printf(b, "set label 300 'MSE, %d-bit' at graph 1, first %d.05 left offset 0.8, 0\n", s->cfg.bits,
                    ns + 1);
}

/* ---- histogram --------------------------------------------------------------- */

static double xlo_of(const plot_spec *s)
{
    return eval_x_of_w(s->p, s->cfg.normalize, s->p->st.min);
}

static double xhi_of(const plot_spec *s)
{
    return eval_x_of_w(s->p, s->cfg.normalize, s->p->st.max);
}

static const char *x_label(const plot_spec *s, const fig_style *st)
{
    if (s->cfg.normalize)
        return st->latex ? "normalized weight $(w-\\mu)/\\sigma$" : "normalized weight (w - μ)/σ";
    return st->latex ? "weight $w$" : "weight {/:Italic w}";
}

static int need_tensor(const plot_spec *s, util_err *err)
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

static int fig_histogram(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    if (need_tensor(s, err) < 0)
        return -1;
    analyze_result res[OPTIONS_MAX_SCHEMES];
    int ns = s->nschemes;
    if (analyze_tensor(s->p, &s->cfg, s->schemes, ns, 0, res, err) < 0)
        return -1;
    /* Each scheme's clipping range: its extreme levels (+-alpha, or [0, alpha]
     * unsigned, or shifted for an affine set). */
    double rlo[OPTIONS_MAX_SCHEMES], rhi[OPTIONS_MAX_SCHEMES], shift[OPTIONS_MAX_SCHEMES];
    double lo = xlo_of(s), hi = xhi_of(s);
    for (int i = 0; i < ns; i++) {
        rlo[i] = rhi[i] = shift[i] = 0;
        levelset ls;
        util_err e2 = { { 0 } };
        if (!res[i].ok ||
            levels_build(res[i].scheme, s->cfg.bits, s->cfg.is_signed, &s->cfg.lprm, &ls, &e2) < 0)
            continue;
        shift[i] = eval_shift(s->p, &ls, res[i].r.alpha, s->cfg.normalize);
        rlo[i] = shift[i] + res[i].r.alpha * ls.v[0];
        rhi[i] = shift[i] + res[i].r.alpha * ls.v[ls.n - 1];
        lo = fmin(lo, rlo[i]);
        hi = fmax(hi, rhi[i]);
        levels_free(&ls);
    }
    double pad = 0.03 * (hi - lo);
    if (!(pad > 0))
        pad = 0.5;
    lo -= pad;
    hi += pad;
    uint64_t n = s->p->st.n;
    int nbins = (int)lround(2 * cbrt((double)n)); /* Rice's rule, at least 40 */
    nbins = nbins < 40 ? 40 : nbins > 200 ? 200 : nbins;
    uint64_t *counts = util_calloc((size_t)nbins, sizeof *counts);
    eval_histogram(s->p, s->cfg.normalize, lo, hi, nbins, counts);
    double bw = (hi - lo) / nbins, peak = 0;
    fig_block *hk = add_block(d, "hist", NULL, "count");
    for (int i = 0; i < nbins; i++) {
        add_row(hk, lo + (i + 0.5) * bw, (double)counts[i]);
        if ((double)counts[i] > peak)
            peak = (double)counts[i];
    }
    free(counts);
    for (int i = 0; i < ns; i++) {
        char name[40];
        snprintf(name, sizeof name, "levels_%d", i + 1);
        fig_block *k = add_block(d, name, res[i].scheme, "level");
        snprintf(name, sizeof name, "result_%d", i + 1);
        fig_block *r = add_block(d, name, res[i].scheme, "result");
        if (!res[i].ok)
            continue;
        add_row(r, res[i].r.alpha, res[i].r.mse);
        levelset ls;
        util_err e2 = { { 0 } };
        if (levels_build(res[i].scheme, s->cfg.bits, s->cfg.is_signed, &s->cfg.lprm, &ls, &e2) < 0)
            continue;
        uint64_t *lc = util_calloc(ls.n, sizeof *lc);
        eval_result er;
        if (eval_full(s->p, &ls, res[i].r.alpha, s->cfg.normalize, &er, lc, &e2) == 0)
            for (size_t j = 0; j < ls.n; j++)
                add_row(k, shift[i] + res[i].r.alpha * ls.v[j], (double)lc[j]);
        free(lc);
        levels_free(&ls);
    }

    /* Layout: the histogram on top with each scheme's +-alpha dashed; below
     * it one row per scheme with its levels (the rug) and, at the right,
     * its MSE: the legend. Both panels share the x axis and margins.
     * Heights in cm -> screen fractions. */
    double H = st->height_cm, fs = st->font_pt / 8.0, line = LINE_CM * fs;
    double bot = 1.0 * fs / H;                       /* x tics + label */
    double strip = line * (ns + 0.75) / H;
    double top = 1 - 0.3 * line / H;
    double split = bot + strip;
    double panel = (top - split) * H - 0.08;         /* the histogram's height, cm */
    if (panel < 2.5 * line) {
        util_err_set(err, "a %gx%g cm histogram of %d schemes leaves %.1f cm for the counts at %g pt: "
                     "give it more height (--size=%gx%.1f) or fewer schemes",
                     st->width_cm, H, ns, panel > 0 ? panel : 0, st->font_pt, st->width_cm,
                     H + 2.5 * line - panel + 0.05);
        return -1;
    }
    char peakbuf[32];
    snprintf(peakbuf, sizeof peakbuf, "%.0f", fmax(peak, 1));
    size_t longest = strlen(peakbuf);
    for (int i = 0; i < ns; i++)
        longest = fmax(longest, strlen(scheme_title(res[i].scheme)));
    double lm = 0.5 * fs + text_cm(longest, st) + 0.3, rm = text_cm(10, st) + 0.25;
    set_styles(b, s, st);
    sbuf_printf(b, "set multiplot\nset lmargin at screen %.4f\nset rmargin at screen %.4f\n", lm / st->width_cm,
                1 - rm / st->width_cm);
    sbuf_printf(b, "set xrange [%.17g:%.17g]\n", lo, hi);
    set_xstep(b, st, lo, hi, st->width_cm - lm - rm);
    sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\n", top, split + 0.08 / H);
    sbuf_puts(b, "set format x ''\nset ylabel 'count'\nunset key\n");
    if (s->log_counts) {
        sbuf_printf(b, "set logscale y\nset yrange [0.8:%.6g]\n", fmax(peak, 1) * 1.5);
        sbuf_puts(b, st->latex ? "set format y '$10^{%T}$'\n" : "set format y '10^{%T}'\n");
        int dec = (int)ceil(log10(fmax(peak, 1) * 1.5));
        int every = (int)ceil((dec + 1) * 1.6 * line / panel);
        sbuf_printf(b, "set ytics 10**%d\n", every < 1 ? 1 : every);
    } else
        sbuf_printf(b, "set yrange [0:%.6g]\nset ytics 0, %.17g format '%%.0f'\n", fmax(peak, 1) * 1.05,
                    fmax(1, nice_step(fmax(peak, 1) * 1.05, panel, 1.7 * line)));
    for (int i = 0; i < ns; i++) {
        if (!res[i].ok)
            continue;
        for (int k = 0; k < (rlo[i] != 0 ? 2 : 1); k++) {
            double x = k ? rlo[i] : rhi[i];
            sbuf_printf(b, "set arrow from %.17g, graph 0 to %.17g, graph 1 nohead lt %d lw 1", x, x, i + 1);
            sbuf_puts(b, st->mono ? " front\n" : " dt 2 front\n");
        }
    }
    sbuf_printf(b, "plot $hist using 1:2:(%.17g) with boxes fs solid 1.0 noborder lc rgb '#C8C8C8' notitle\n",
                bw);
    sbuf_puts(b, "\n# The level sets at each scheme's alpha, one row per scheme, and the MSE.\n");
    sbuf_puts(b, "unset arrow\nunset logscale y\nunset ylabel\nset format x '% h'\n");
    sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\n", split, bot);
    sbuf_printf(b, "set yrange [0.5:%d.3]\nset border 1 lw 0.8\n", ns + 1);
    const char *names[OPTIONS_MAX_SCHEMES];
    double mses[OPTIONS_MAX_SCHEMES];
    for (int i = 0; i < ns; i++) {
        names[i] = res[i].scheme;
        mses[i] = res[i].ok ? res[i].r.mse : NAN;
    }
    row_labels(b, s, st, names, mses);
    sbuf_puts(b, "set xlabel ");
    fig_quote(b, FQ_STRING, x_label(s, st));
    sbuf_puts(b, " offset 0, 0.6\nset xtics offset 0, 0.3\n");
    for (int i = 0; i < ns; i++)
        if (res[i].ok)
            sbuf_printf(b, "set arrow from %.17g,%d to %.17g,%d nohead lt %d lw 0.6 back\n",
                        rlo[i], ns - i, rhi[i], ns - i, i + 1);
    sbuf_puts(b, "plot ");
    for (int i = 0; i < ns; i++) {
        sbuf_puts(b, i ? ", \\\n     " : "");
        sbuf_printf(b, "$levels_%d using 1:(%d-0.32):(0):(0.64) with vectors nohead lt %d dt 1 lw 1 notitle",
                    i + 1, ns - i, i + 1);
    }
    sbuf_puts(b, "\nunset multiplot\n");
    return 0;
}

/* ---- levels --------------------------------------------------------------- */

static int fig_levels(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    int ns = s->nschemes;
    size_t maxn = 0;
    for (int i = 0; i < ns; i++) {
        levelset ls;
        if (levels_build(s->schemes[i], s->cfg.bits, s->cfg.is_signed, &s->cfg.lprm, &ls, err) < 0)
            return -1;
        char name[40];
        snprintf(name, sizeof name, "levels_%d", i + 1);
        fig_block *k = add_block(d, name, ls.scheme, "level");
        for (size_t j = 0; j < ls.n; j++)
            add_row(k, ls.v[j], ls.terms[j]);
        if (ls.n > maxn)
            maxn = ls.n;
        levels_free(&ls);
    }
    set_styles(b, s, st);
    size_t longest = 0;
    for (int i = 0; i < ns; i++)
        longest = fmax(longest, strlen(scheme_title(s->schemes[i])));
    sbuf_printf(b, "unset key\nset lmargin at screen %.4f\nset rmargin at screen %.4f\nset tmargin 0.6\n",
                (text_cm(longest, st) + 0.35) / st->width_cm, 1 - 0.35 / st->width_cm);
    double pw = st->width_cm - text_cm(longest, st) - 0.35 - 0.35;
    if (s->cfg.is_signed) {
        double stp = fmax(0.5, tick_step(-1, 1, pw * 2 / 2.1, st, 1));
        sbuf_printf(b, "set xrange [-1.05:1.05]\nset xtics -1, %g, 1 format '%% h'\nset mxtics 2\n", stp);
    } else {
        double stp = fmax(0.25, tick_step(0, 1, pw / 1.05, st, 1));
        sbuf_printf(b, "set xrange [-0.025:1.025]\nset xtics 0, %g, 1 format '%% h'\nset mxtics 2\n", stp);
    }
    sbuf_printf(b, "set yrange [0.45:%d.55]\nset border 1 lw 0.8\n", ns);
    const char *names[OPTIONS_MAX_SCHEMES];
    for (int i = 0; i < ns; i++)
        names[i] = d->b[i]->scheme;
    row_labels(b, s, st, names, NULL);
    /* the axis title centred on the figure (a long one would run off a
     * narrow plot area) */
    sbuf_puts(b, "set bmargin at screen ");
    sbuf_printf(b, "%.4f\nset label 99 ", 0.95 * st->font_pt / 8 / st->height_cm);
    sbuf t = { 0 };
    sbuf_printf(&t, "%d-bit %s levels (", s->cfg.bits, s->cfg.is_signed ? "signed" : "unsigned");
    txt_alpha(&t, st);
    sbuf_puts(&t, " = 1)");
    put_text(b, &t);
    sbuf_printf(b, " at screen 0.5, screen %.4f center", 0.5 * LINE_CM * st->font_pt / 8 / st->height_cm);
    sbuf_puts(b, "\n");
    double x0 = s->cfg.is_signed ? -1 : 0;
    for (int i = 0; i < ns; i++)
        sbuf_printf(b, "set arrow from %g,%d to 1,%d nohead lc rgb '#9E9E9E' lw 0.6 back\n", x0,
                    ns - i, ns - i);
    /* Points while they stay apart; thin ticks alone for dense sets. */
    int dots = maxn <= 33;
    sbuf_puts(b, "plot ");
    for (int i = 0; i < ns; i++) {
        sbuf_puts(b, i ? ", \\\n     " : "");
        sbuf_printf(b, "$levels_%d using 1:(%d-0.22):(0):(0.44) with vectors nohead lt %d dt 1 lw %.1f",
                    i + 1, ns - i, i + 1, dots ? 0.8 : 0.6);
        if (dots)
            sbuf_printf(b, ", \\\n     $levels_%d using 1:(%d) with points lt %d ps 0.5", i + 1, ns - i, i + 1);
    }
    sbuf_puts(b, "\n");
    return 0;
}

/* ---- sweep ---------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#define SWEEP_N 300

static int fig_sweep(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    if (need_tensor(s, err) < 0)
        return -1;
    analyze_result res[OPTIONS_MAX_SCHEMES];
    int ns = s->nschemes;
    if (analyze_tensor(s->p, &s->cfg, s->schemes, ns, 1, res, err) < 0)
        return -1;
    double amax = eval_xabsmax(s->p, s->cfg.normalize);
    for (int i = 0; i < ns; i++) {
        levelset ls;
        util_err e2 = { { 0 } };
        if (res[i].ok &&
            levels_build(res[i].scheme, s->cfg.bits, s->cfg.is_signed, &s->cfg.lprm, &ls, &e2) == 0) {
            amax = fmax(amax, eval_alpha_max(s->p, &ls, s->cfg.normalize));
            levels_free(&ls);
        }
    }
    if (!(amax > 0))
        amax = 1;
    double ymin = INFINITY, ymax = 0;
    double *al = util_mallocarray(SWEEP_N + 1, sizeof *al);
    double *ms = util_mallocarray(SWEEP_N + 1, sizeof *ms);
    for (int i = 0; i < ns; i++) {
        char name[40];
        snprintf(name, sizeof name, "sweep_%d", i + 1);
        fig_block *k = add_block(d, name, res[i].scheme, "mse");
        snprintf(name, sizeof name, "opt_%d", i + 1);
        fig_block *o = add_block(d, name, res[i].scheme, "optimum");
        levelset ls;
        util_err e2 = { { 0 } };
        if (!res[i].ok ||
            levels_build(res[i].scheme, s->cfg.bits, s->cfg.is_signed, &s->cfg.lprm, &ls, &e2) < 0)
            continue;
        int n = 0;
        for (int j = 1; j <= SWEEP_N; j++)
            al[n++] = amax * j / SWEEP_N;
        if (isfinite(res[i].opt_alpha) && res[i].opt_alpha > 0)
            al[n++] = res[i].opt_alpha;
        qsort(al, (size_t)n, sizeof *al, cmp_double);
        eval_curve(s->p, &ls, s->cfg.normalize, al, n, ms);
        for (int j = 0; j < n; j++) {
            if (j && al[j] == al[j - 1])
                continue;
            add_row(k, al[j], ms[j]);
            if (ms[j] > 0 && ms[j] < ymin)
                ymin = ms[j];
            if (ms[j] > ymax)
                ymax = ms[j];
        }
        if (isfinite(res[i].opt_alpha))
            add_row(o, res[i].opt_alpha, res[i].opt_mse);
        levels_free(&ls);
    }
    free(al);
    free(ms);
    set_styles(b, s, st);
    /* the key above the plot, in as many rows as it needs: each scheme
     * with its optimal alpha */
    char *kt[OPTIONS_MAX_SCHEMES] = { 0 };
    for (int i = 0; i < ns; i++) {
        sbuf tt = { 0 };
        txt_scheme(&tt, st, res[i].scheme);
        if (res[i].ok && isfinite(res[i].opt_alpha)) {
            sbuf_puts(&tt, st->latex ? ", $\\alpha^*$ = " : ", α* = ");
            txt_num(&tt, st, res[i].opt_alpha);
        }
        kt[i] = tt.s;
    }
    double H = st->height_cm, line = 0.40 * st->font_pt / 8, bm = 1.05 * st->font_pt / 8;
    int rows = key_rows_of(st, (const char *const *)kt, ns, st->width_cm - 0.2);
    if (H - (rows * line + 0.15) - bm < 3.5 * line) {
        /* no room for the optimal alphas in the key: names only (the
         * optima stay marked on the curves, their values in the CSV) */
        sbuf_puts(b, "# the key shows the names only: too little height for the optimal alphas\n");
        rows = key_row_texts(b, s, st, 0.5 * line + 0.05, NULL);
    } else
        key_row_texts(b, s, st, 0.5 * line + 0.05, (const char *const *)kt);
    for (int i = 0; i < ns; i++)
        free(kt[i]);
    double tm = rows * line + 0.15;
    if (H - tm - bm < 3.5 * line) {
        util_err_set(err, "a %gx%g cm sweep of %d schemes leaves %.1f cm for the curves at %g pt: give it "
                     "more height (--size=%gx%.1f) or fewer schemes", st->width_cm, H, ns, fmax(H - tm - bm, 0),
                     st->font_pt, st->width_cm, tm + bm + 3.5 * line + 0.05);
        return -1;
    }
    sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\nunset key\n", 1 - tm / H, bm / H);
    if (isfinite(ymin) && ymax > 0)
        set_log_ytics(b, st, ymin / 1.6, ymax * 2, H - tm - bm);
    sbuf_printf(b, "set ylabel 'MSE, %d-bit'\n", s->cfg.bits);
    sbuf_puts(b, st->latex ? "set logscale y\nset format y '$10^{%T}$'\n" : "set logscale y\nset format y '10^{%T}'\n");
    sbuf_puts(b, "set xlabel ");
    sbuf t = { 0 };
    sbuf_puts(&t, "clipping threshold ");
    txt_alpha(&t, st);
    if (s->cfg.normalize)
        sbuf_puts(&t, " (normalized units)");
    put_text(b, &t);
    sbuf_printf(b, "\nset xrange [0:%.17g]\n", amax);
    if (isfinite(ymin) && ymax > 0)
        sbuf_printf(b, "set yrange [%.6g:%.6g]\n", ymin / 1.6, ymax * 2);
    set_xstep(b, st, 0, amax, st->width_cm - 2.4 * st->font_pt / 8);
    sbuf_puts(b, "set format x '% h'\nset xlabel offset 0, 0.5\nset xtics offset 0, 0.3\n");
    if (s->cfg.amode == ALPHA_VALUE)
        sbuf_printf(b, "set arrow from %.17g, graph 0 to %.17g, graph 1 nohead lc rgb '#9E9E9E' dt 3 back\n",
                    s->cfg.alpha, s->cfg.alpha);
    sbuf_puts(b, "plot ");
    for (int i = 0; i < ns; i++) {
        sbuf_puts(b, i ? ", \\\n     " : "");
        sbuf_printf(b, "$sweep_%d using 1:2 with lines lt %d notitle, \\\n     ", i + 1, i + 1);
        sbuf_printf(b, "$opt_%d using 1:2 with points lt %d ps 1.0 notitle", i + 1, i + 1);
    }
    sbuf_puts(b, "\n");
    return 0;
}

/* ---- bits ------------------------------------------------------------------ */

static int fig_bits(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    if (need_tensor(s, err) < 0)
        return -1;
    int ns = s->nschemes;
    fig_block *mk[OPTIONS_MAX_SCHEMES], *ak[OPTIONS_MAX_SCHEMES];
    for (int i = 0; i < ns; i++) {
        char name[40];
        snprintf(name, sizeof name, "bits_%d", i + 1);
        mk[i] = add_block(d, name, s->schemes[i], "mse");
        mk[i]->bits = -1;
        snprintf(name, sizeof name, "alpha_%d", i + 1);
        ak[i] = add_block(d, name, s->schemes[i], "alpha");
        ak[i]->bits = -1;
    }
    analyze_result res[OPTIONS_MAX_SCHEMES];
    for (int bits = LEVELS_MIN_BITS; bits <= LEVELS_MAX_BITS; bits++) {
        analyze_cfg c = s->cfg;
        c.bits = bits;
        if (analyze_tensor(s->p, &c, s->schemes, ns, 0, res, err) < 0)
            return -1;
        for (int i = 0; i < ns; i++) {
            add_row(mk[i], bits, res[i].ok ? res[i].r.mse : NAN);
            add_row(ak[i], bits, res[i].ok ? res[i].r.alpha : NAN);
        }
    }
    double ymin = INFINITY, ymax = 0;
    for (int i = 0; i < ns; i++)
        for (size_t j = 0; j < mk[i]->n; j++) {
            double m = mk[i]->rows[j].y;
            if (m > 0 && m < ymin)
                ymin = m;
            if (m > ymax)
                ymax = m;
        }
    set_styles(b, s, st);
    sbuf_puts(b, st->latex ? "set logscale y\nset format y '$10^{%T}$'\n" : "set logscale y\nset format y '10^{%T}'\n");
    if (isfinite(ymin) && ymax > 0)
        sbuf_printf(b, "set yrange [%.6g:%.6g]\n", ymin / 2, ymax * 2);
    sbuf_printf(b, "set xrange [%g:%g]\nset xtics 1\nset xlabel 'bits'\n", LEVELS_MIN_BITS - 0.3,
                LEVELS_MAX_BITS + 0.3);
    /* the key above the plot, in rows of columns */
    {
        double H = st->height_cm, line = 0.40 * st->font_pt / 8, bm = 1.05 * st->font_pt / 8;
        int rows = key_row_texts(b, s, st, 0.5 * line + 0.05, NULL);
        double tm = rows * line + 0.15;
        if (H - tm - bm < 3.5 * line) {
            util_err_set(err, "a %gx%g cm bits figure of %d schemes leaves %.1f cm for the curves at %g pt: give "
                         "it more height (--size=%gx%.1f) or fewer schemes", st->width_cm, H, ns,
                         fmax(H - tm - bm, 0), st->font_pt, st->width_cm, tm + bm + 3.5 * line + 0.05);
            return -1;
        }
        sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\nunset key\n", 1 - tm / H, bm / H);
        sbuf_puts(b, "set xlabel offset 0, 0.5\nset xtics offset 0, 0.3\n");
        if (isfinite(ymin) && ymax > 0)
            set_log_ytics(b, st, ymin / 2, ymax * 2, H - tm - bm);
    }
    sbuf t = { 0 };
    sbuf_puts(&t, "MSE at ");
    if (s->cfg.amode == ALPHA_MSE) {
        sbuf_puts(&t, "optimal ");
        txt_alpha(&t, st);
    } else if (s->cfg.amode == ALPHA_MAX) {
        txt_alpha(&t, st);
        sbuf_puts(&t, st->latex ? " = $\\max|x|$" : " = max|x|");
    } else {
        txt_alpha(&t, st);
        sbuf_puts(&t, " = ");
        txt_num(&t, st, s->cfg.alpha);
    }
    sbuf_puts(b, "set ylabel ");
    put_text(b, &t);
    sbuf_puts(b, "\nplot ");
    for (int i = 0; i < ns; i++) {
        sbuf_puts(b, i ? ", \\\n     " : "");
        sbuf_printf(b, "$bits_%d using 1:2 with linespoints lt %d title ", i + 1, i + 1);
        sbuf tt = { 0 };
        txt_scheme(&tt, st, s->schemes[i]);
        put_text(b, &tt);
    }
    sbuf_puts(b, "\n");
    return 0;
}

/* ---- layers ------------------------------------------------------------------ */

/* Shorter tensor names for the axis: the prefix and suffix (cut at a '.')
 * that all names share are left out, and what stays is kept under about
 * 26 characters by cutting its middle. Returns a new string. */
static char *shorten_left(const char *name, size_t maxc);

static char *short_name(const plot_spec *s, int j, size_t pre, size_t suf, size_t maxc)
{
    const char *n = s->layers[j].name ? s->layers[j].name : "";
    size_t len = strlen(n);
    if (pre + suf >= len)
        pre = suf = 0;
    char *mid = util_strndup(n + pre, len - pre - suf);
    char *r = shorten_left(mid, maxc);
    free(mid);
    return r;
}

static void common_affixes(const plot_spec *s, size_t *pre, size_t *suf)
{
    *pre = *suf = 0;
    if (s->nlayers < 2)
        return;
    const char *a = s->layers[0].name ? s->layers[0].name : "";
    size_t la = strlen(a), p = la, q = la;
    for (int j = 1; j < s->nlayers; j++) {
        const char *b = s->layers[j].name ? s->layers[j].name : "";
        size_t lb = strlen(b), k = 0;
        while (k < p && k < lb && a[k] == b[k])
            k++;
        p = k;
        k = 0;
        while (k < q && k < lb && a[la - 1 - k] == b[lb - 1 - k])
            k++;
        q = k;
    }
    /* cut only after / before a '.' */
    while (p > 0 && a[p - 1] != '.')
        p--;
    while (q > 0 && a[la - q] != '.')
        q--;
    *pre = p;
    *suf = q;
}

static int fig_layers(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    if (!s->layers || s->nlayers < 1) {
        util_err_set(err, "the layers figure needs at least one tensor");
        return -1;
    }
    int ns = s->nschemes, nl = s->nlayers;
    double ymin = INFINITY, ymax = 0;
    size_t pre, suf;
    common_affixes(s, &pre, &suf);
    for (int i = 0; i < ns; i++) {
        char name[40];
        snprintf(name, sizeof name, "layers_%d", i + 1);
        fig_block *k = add_block(d, name, s->schemes[i], "mse");
        for (int j = 0; j < nl; j++) {
            double m = s->layers[j].mse[i];
            fig_row *r = add_row(k, j, m);
            r->raw = s->layers[j].name;
            /* names take at most 40 % of the width, shortened from the
             * left (the end tells tensors apart) */
            size_t maxc = (size_t)fmax(10, 0.4 * st->width_cm / text_cm(1, st));
            char *sn = short_name(s, j, pre, suf, maxc);
            r->label = row_label(st, sn);
            free(sn);
            if (m > 0 && m < ymin)
                ymin = m;
            if (m > ymax)
                ymax = m;
        }
    }
    if (!(ymax > 0)) {
        util_err_set(err, "no tensor has an error to draw (every scheme failed or every tensor was skipped)");
        return -1;
    }
    set_styles(b, s, st);
    if (pre || suf) {
        const char *n0 = s->layers[0].name;
        char *p0 = util_strndup(n0, pre);
        sbuf_puts(b, "# Tensor names shown without their common prefix ");
        fig_quote(b, FQ_COMMENT, p0);
        sbuf_puts(b, " and suffix ");
        fig_quote(b, FQ_COMMENT, n0 + strlen(n0) - suf);
        sbuf_puts(b, "\n");
        free(p0);
    }
    /* Horizontal grouped bars: one row per tensor (first at the top), one
     * bar per scheme; names stay horizontal and readable. A linear axis
     * from 0 (bar length means something) unless the errors span more than
     * two decades. */
    int logx = isfinite(ymin) && ymax > 0 && ymax / ymin > 100;
    double bh = 0.8 / ns;
    sbuf_puts(b, "set border 3 lw 0.8\nset ytics scale 0 noenhanced\nunset mytics\n");
    sbuf_printf(b, "set yrange [-0.6:%d.6]\n", nl - 1);
    double line = 0.40 * st->font_pt / 8;
    /* the key's samples: swatches of the bars' fills */
    for (int i = 0; i < ns; i++) {
        sbuf_printf(b, "set linetype %d lw 3 dt 1 lc rgb ", i + 1);
        put_fill(b, s, st, i);
        sbuf_puts(b, "\n");
    }
    int krows = key_rows(s, st, st->width_cm - 0.2);
    double avail = st->height_cm - (krows * line + 0.2) - 1.1 * st->font_pt / 8;
    if (avail < nl * 1.05 * line) {
        util_err_set(err, "a %gx%g cm layers figure of %d tensors leaves %.2f cm a row at %g pt: give it more "
                     "height (--size=%gx%.1f) or fewer tensors", st->width_cm, st->height_cm, nl,
                     fmax(avail, 0) / nl, st->font_pt, st->width_cm,
                     st->height_cm - avail + nl * 1.05 * line + 0.05);
        return -1;
    }
    key_row_texts(b, s, st, 0.5 * line + 0.05, NULL);
    sbuf_puts(b, "unset key\n");
    size_t longest = 0;
    for (int j = 0; j < nl; j++)
        if (vis_len(d->b[0]->rows[j].label) > longest)
            longest = vis_len(d->b[0]->rows[j].label);
    sbuf_printf(b, "set tmargin at screen %.4f\nset lmargin at screen %.4f\nset rmargin at screen %.4f\n",
                1 - (krows * line + 0.2) / st->height_cm, (text_cm(longest, st) + 0.3) / st->width_cm,
                1 - 0.4 / st->width_cm);
    sbuf_puts(b, "set style fill solid 1.0 border lc rgb '#000000'\nset grid xtics lc rgb '#E0E0E0' lw 0.5\n");
    double scale = 1;
    double xlo = 0;
    if (logx) {
        /* bars from the decade below the smallest error */
        xlo = pow(10, floor(log10(ymin)));
        sbuf_printf(b, "set logscale x\nset xrange [%.6g:%.6g]\n", xlo, pow(10, ceil(log10(ymax * 1.05))));
        sbuf_puts(b, st->latex ? "set format x '$10^{%T}$'\n" : "set format x '10^{%T}'\n");
        sbuf_printf(b, "set xlabel 'MSE, %d-bit'\n", s->cfg.bits);
    } else {
        int e = ymax > 0 ? (int)floor(log10(ymax)) : 0;
        if (e < -2 || e > 3)
            scale = pow(10, -e);
        sbuf_printf(b, "set xrange [0:%.6g]\nset format x '%% h'\n", ymax * scale * 1.04);
        set_xstep(b, st, 0, ymax * scale * 1.04, st->width_cm - text_cm(longest, st) - 0.7);
        if (scale != 1)
            sbuf_printf(b, st->latex ? "set xlabel 'MSE, %d-bit ($\\times 10^{%d}$)'\n"
                                     : "set xlabel 'MSE, %d-bit (×10^{%d})'\n", s->cfg.bits, e);
        else
            sbuf_printf(b, "set xlabel 'MSE, %d-bit'\n", s->cfg.bits);
    }
    sbuf_puts(b, "plot ");
    for (int i = 0; i < ns; i++) {
        double off = ((ns - 1) / 2.0 - i) * bh;
        sbuf_puts(b, i ? ", \\\n     " : "");
        if (logx)
            sbuf_printf(b, "$layers_%d using (%.6g):(%d-$1%+.6g):(%.6g):2:(%d-$1%+.6g):(%d-$1%+.6g) "
                        "with boxxyerror lw 0.5 dt 1 ", i + 1, xlo, nl - 1, off, xlo,
                        nl - 1, off - bh / 2, nl - 1, off + bh / 2);
        else
            sbuf_printf(b, "$layers_%d using ($2*%.6g/2):(%d-$1%+.6g):($2*%.6g/2):(%.6g) "
                        "with boxxyerror lw 0.5 dt 1 ", i + 1, scale, nl - 1, off, scale,
                        bh / 2);
        sbuf_puts(b, "fc rgb ");
        put_fill(b, s, st, i);
        sbuf_puts(b, " title ");
        sbuf tt = { 0 };
        txt_scheme(&tt, st, s->schemes[i]);
        put_text(b, &tt);
    }
    sbuf_printf(b, ", \\\n     $layers_1 using (NaN):(%d-$1):ytic(3) notitle\n", nl - 1);
    return 0;
}

/* ---- channels ------------------------------------------------------------------ */

/* The x tic step for n ranked items on an axis len_cm long. */
static double rank_step(size_t n, const fig_style *st, double len_cm)
{
    int digits = n >= 1000 ? 4 : n >= 100 ? 3 : 2;
    double s = nice_step((double)n, len_cm, ((digits + 1.5) * 0.235) * st->font_pt / 8.0);
    return s < 1 ? 1 : s;
}

static int fig_channels(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    const group_tensor *t = &s->raw;
    if (!t->vals) {
        util_err_set(err, "the channels figure needs the tensor's values");
        return -1;
    }
    if (t->ndim < 1) {
        util_err_set(err, "a 0-d tensor has no channels");
        return -1;
    }
    int ns = s->nschemes;
    analyze_cfg cfg = s->cfg;
    cfg.gran = GRAN_CHANNEL;
    group_chan_stat *cs[OPTIONS_MAX_SCHEMES];
    char why[OPTIONS_MAX_SCHEMES][UTIL_ERRLEN];
    uint64_t nch = 0;
    const group_chan_stat *any = NULL;
    int first_bad = -1;
    for (int i = 0; i < ns; i++) {
        util_err e = { { 0 } };
        uint64_t n = 0;
        cs[i] = group_channel_stats(t, s->schemes[i], &cfg, &n, &e, NULL, NULL, NULL);
        why[i][0] = '\0';
        if (cs[i]) {
            nch = n;
            if (!any)
                any = cs[i];
        } else {
            snprintf(why[i], sizeof why[i], "%s", e.msg);
            if (first_bad < 0)
                first_bad = i;
        }
    }
    if (!any) {
        util_err_set(err, "%s: %s", s->schemes[first_bad], why[first_bad]);
        for (int i = 0; i < ns; i++)
            free(cs[i]);
        return -1;
    }
    size_t n = (size_t)nch;
    double *range = util_mallocarray(n ? n : 1, sizeof *range);
    size_t *order = util_mallocarray(n ? n : 1, sizeof *order);
    unsigned char *outlier = util_mallocarray(n ? n : 1, sizeof *outlier);
    double wlo = INFINITY, whi = -INFINITY;
    for (size_t c = 0; c < n; c++) {
        range[c] = any[c].n ? any[c].max - any[c].min : NAN;
        if (isfinite(range[c])) {
            wlo = fmin(wlo, any[c].min);
            whi = fmax(whi, any[c].max);
        }
    }
    double med;
    group_channel_order(range, n, GROUP_OUTLIER_FACTOR, order, outlier, &med);

    /* Blocks, rows in the drawing order (widest channel first), x = the
     * channel's index along the axis: the rank is the row number. */
    fig_block *band = add_block(d, "band", NULL, "min");
    band->zseries = "max";
    fig_block *ab = add_block(d, "absmax", NULL, "absmax");
    fig_block *ob = add_block(d, "outliers", NULL, "outlier_range");
    size_t nout = 0;
    for (size_t k = 0; k < n; k++) {
        size_t c = order[k];
        fig_row *r = add_row(band, (double)c, any[c].min);
        r->z = any[c].max;
        add_row(ab, (double)c, any[c].absmax);
        if (outlier[c]) {
            /* the outliers are the widest channels: ranks 0 .. nout-1 */
            add_row(ob, (double)c, range[c]);
            nout++;
        }
    }
    double mlo = INFINITY, mhi = 0;
    fig_block *tk[OPTIONS_MAX_SCHEMES];
    for (int i = 0; i < ns; i++) {
        char name[40];
        snprintf(name, sizeof name, "mse_%d", i + 1);
        fig_block *k = add_block(d, name, s->schemes[i], "mse");
        k->zseries = "alpha";
        snprintf(name, sizeof name, "total_%d", i + 1);
        tk[i] = add_block(d, name, s->schemes[i], "result");
        if (!cs[i])
            continue;
        double sse = 0, asum = 0;
        uint64_t cnt = 0, na = 0;
        for (size_t j = 0; j < n; j++) {
            size_t c = order[j];
            fig_row *r = add_row(k, (double)c, cs[i][c].mse);
            r->z = cs[i][c].alpha;
            if (cs[i][c].n) {
                sse += cs[i][c].mse * (double)cs[i][c].n;
                cnt += cs[i][c].n;
                if (cs[i][c].absmax > 0) {
                    asum += cs[i][c].alpha;
                    na++;
                }
            }
            if (cs[i][c].mse > 0 && isfinite(cs[i][c].mse)) {
                mlo = fmin(mlo, cs[i][c].mse);
                mhi = fmax(mhi, cs[i][c].mse);
            }
        }
        /* the whole tensor: what --report --granularity=channel gives
         * (alpha: the mean of the channels' alphas) */
        add_row(tk[i], na ? asum / (double)na : NAN, cnt ? sse / (double)cnt : NAN);
    }

    /* Layout: a line saying what is drawn; the channels' ranges as
     * vertical bars (min to max), widest first, outliers in a second
     * colour (black in mono) with a mark above; below, on the same ranks,
     * each channel's MSE per scheme (log scale) with the whole tensor's
     * MSE in the legend above it. Heights in cm -> screen fractions. */
    double H = st->height_cm, fs = st->font_pt / 8.0, line = 0.40 * fs;
    int nlines = nout ? 2 : 1;
    /* the key: each scheme with its MSE over the whole tensor (=
     * --report --granularity=channel), in rows under the lines on top */
    char *kt[OPTIONS_MAX_SCHEMES] = { 0 };
    for (int i = 0; i < ns; i++) {
        sbuf u = { 0 };
        txt_scheme(&u, st, s->schemes[i]);
        sbuf_puts(&u, ": ");
        if (cs[i] && tk[i]->n)
            txt_num(&u, st, tk[i]->rows[0].y);
        else
            sbuf_puts(&u, "n/a");
        kt[i] = u.s;
    }
    int krows = key_rows_of(st, (const char *const *)kt, ns, st->width_cm - 0.2);
    double bot = 1.05 * fs / H;
    double top = 1 - (line * (nlines + krows) + 0.2) / H;
    if ((top - bot) * H < 8 * line) {
        util_err_set(err, "a %gx%g cm channels figure of %d schemes leaves %.1f cm for its two panels at %g pt: "
                     "give it more height (--size=%gx%.1f) or fewer schemes", st->width_cm, H, ns,
                     fmax((top - bot) * H, 0), st->font_pt, st->width_cm, H - (top - bot) * H + 8 * line + 0.05);
        for (int i = 0; i < ns; i++)
            free(kt[i]), free(cs[i]);
        free(range);
        free(order);
        free(outlier);
        return -1;
    }
    double avail = (top - bot) * H - 0.35 * fs;     /* cm for both panels */
    double h2 = 0.40 * avail;
    double split2 = bot + h2 / H;                    /* MSE panel top */
    double split1 = split2 + 0.30 * fs / H;          /* bars panel bottom */
    double xmax = (double)(n ? n : 1) + 0.5;
    double bw = n > 150 ? 1.0 : 0.7;
    set_styles(b, s, st);
    const char *fill = st->mono ? "#A8A8A8" : "#56B4E9", *ofill = st->mono ? "#000000" : "#D55E00";
    sbuf_puts(b, "# Rows of $band: channel, min, max, widest channel first ($0 + 1 = rank).\n"
                 "# $absmax is not drawn; it is there for other tools (--format=csv).\n");
    double lm = 0.55 * fs + text_cm(6, st) + 0.3, rm = 0.4;
    sbuf_printf(b, "set multiplot\nset lmargin at screen %.4f\nset rmargin at screen %.4f\n", lm / st->width_cm,
                1 - rm / st->width_cm);
    key_row_texts(b, s, st, (nlines + 0.5) * line + 0.1, (const char *const *)kt);
    for (int i = 0; i < ns; i++)
        free(kt[i]);
    /* the lines on top: channels and median range; the outliers */
    {
        sbuf t2 = { 0 };
        sbuf_printf(&t2, "%zu channels, median range ", n);
        txt_num(&t2, st, med);
        sbuf_puts(b, "set label 1 ");
        put_text(b, &t2);
        sbuf_printf(b, " at screen 0.5, screen %.4f center front\n", 1 - (0.5 * line + 0.1) / H);
        if (nout) {
            sbuf t3 = { 0 };
            const char *times = st->latex ? "$\\times$" : "×";
            sbuf_puts(&t3, st->latex ? "$\\blacktriangle$ " : "▲ ");
            if (nout <= 3) {
                sbuf_printf(&t3, "range > %g%s median: ch", GROUP_OUTLIER_FACTOR, times);
                for (size_t j = 0; j < nout; j++)
                    sbuf_printf(&t3, "%s %.0f", j ? "," : "", ob->rows[j].x);
            } else
                sbuf_printf(&t3, "%zu channels with range > %g%s median", nout, GROUP_OUTLIER_FACTOR, times);
            sbuf_puts(b, "set label 2 ");
            put_text(b, &t3);
            sbuf_printf(b, " at screen 0.5, screen %.4f center front tc rgb ", 1 - (1.5 * line + 0.1) / H);
            fig_quote(b, FQ_STRING, ofill);
            sbuf_puts(b, "\n");
        }
    }
    sbuf_printf(b, "set xrange [%.17g:%.17g]\n", 0.5 - 0.012 * (xmax - 0.5), xmax);
    double pw = st->width_cm - lm - rm; /* the plot area's width, cm */
    pw = pw < 1 ? 1 : pw;
    double xs = rank_step(n, st, pw);
    sbuf_printf(b, "set xtics %.17g, %.17g\nunset mxtics\n", xs, xs);
    sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\n", top, split1);
    sbuf_puts(b, "set format x ''\nunset key\nset ylabel ");
    fig_quote(b, FQ_STRING, st->latex ? "weight $w$" : "weight {/:Italic w}");
    sbuf_puts(b, "\n");
    if (!(whi > wlo)) {
        wlo = isfinite(wlo) ? wlo - 1 : -1;
        whi = isfinite(whi) ? whi + 1 : 1;
    }
    double pad = 0.04 * (whi - wlo);
    double ylo = wlo - pad, yhi = whi + pad * (nout ? 2.5 : 1);
    sbuf_printf(b, "set yrange [%.17g:%.17g]\nset format y '%% h'\n", ylo, yhi);
    sbuf_printf(b, "set ytics %.17g\nset mytics 2\n", nice_step(yhi - ylo, (top - split1) * H, 0.55 * fs));
    if (wlo < 0 && whi > 0)
        sbuf_puts(b, "set arrow from graph 0, first 0 to graph 1, first 0 nohead lc rgb '#606060' lw 0.5 dt 3 front\n");
    sbuf_printf(b, "plot $band using ($0+1):(($2+$3)/2):($0+1-%g):($0+1+%g):2:3 with boxxyerror "
                   "fs solid 1.0 noborder lc rgb ",
                bw / 2, bw / 2);
    fig_quote(b, FQ_STRING, fill);
    sbuf_puts(b, " notitle");
    if (nout) {
        sbuf_printf(b, ", \\\n     $band using ($0 < %zu ? $0+1 : NaN):(($2+$3)/2):($0+1-%g):($0+1+%g):2:3 "
                       "with boxxyerror fs solid 1.0 noborder lc rgb ",
                    nout, bw / 2, bw / 2);
        fig_quote(b, FQ_STRING, ofill);
        sbuf_puts(b, " notitle");
        sbuf_printf(b, ", \\\n     $band using ($0 < %zu ? $0+1 : NaN):($3 + %.17g) with points pt 11 ps 0.55 "
                       "lc rgb ",
                    nout, 0.9 * pad);
        fig_quote(b, FQ_STRING, ofill);
        sbuf_puts(b, " notitle");
    }
    sbuf_puts(b, "\n");

    sbuf_puts(b, "\n# Each channel's MSE per scheme, same ranks; the legend gives the whole tensor's MSE.\n");
    sbuf_puts(b, "unset arrow\nunset label\n");
    sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\n", split2, bot);
    sbuf_puts(b, "set format x '%.0f'\nset xlabel 'channels, widest first' offset 0, 0.5\n");
    sbuf_puts(b, "set logscale y\nset ytics autofreq\nset mytics default\nset ylabel 'MSE'\n");
    sbuf_puts(b, st->latex ? "set format y '$10^{%T}$'\n" : "set format y '10^{%T}'\n");
    if (isfinite(mlo) && mhi > 0) {
        double dec = log10(mhi / mlo);
        double l10lo = log10(mlo) - 0.08 * fmax(dec, 0.5), l10hi = log10(mhi) + 0.08 * fmax(dec, 0.5);
        if (l10hi - l10lo < 1) { /* at least a decade, so a tic shows */
            double c = 0.5 * (l10hi + l10lo);
            l10lo = c - 0.5;
            l10hi = c + 0.5;
        }
        sbuf_printf(b, "set yrange [%.6g:%.6g]\n", pow(10, l10lo), pow(10, l10hi));
        if (l10hi - l10lo < 2.5)
            sbuf_puts(b, "set mytics 10\n");
    }
    sbuf_puts(b, "unset key\n");
    sbuf_printf(b, "set ylabel 'MSE, %d-bit'\n", s->cfg.bits);
    sbuf_puts(b, "plot ");
    for (int i = 0; i < ns; i++) {
        sbuf_puts(b, i ? ", \\\n     " : "");
        sbuf_printf(b, "$mse_%d using ", i + 1);
        sbuf_puts(b, n > 40 ? "($0+0.5):2 with steps" : "($0+1):2 with linespoints");
        sbuf_printf(b, " lt %d lw 1 notitle", i + 1);
    }
    sbuf_puts(b, "\nunset multiplot\n");
    for (int i = 0; i < ns; i++)
        if (!cs[i]) {
            sbuf_puts(b, "# ");
            fig_quote(b, FQ_COMMENT, s->schemes[i]);
            sbuf_puts(b, ": no per-channel numbers: ");
            fig_quote(b, FQ_COMMENT, why[i]);
            sbuf_puts(b, "\n");
        }
    for (int i = 0; i < ns; i++)
        free(cs[i]);
    free(range);
    free(order);
    free(outlier);
    return 0;
}

/* ---- compare -------------------------------------------------------------------- */

static double gt_at(const group_tensor *t, uint64_t i)
{
    return t->is_double ? ((const double *)t->vals)[i] : (double)((const float *)t->vals)[i];
}

static int gt_same_shape(const group_tensor *a, const group_tensor *b)
{
    if (!a->vals || !b->vals || a->ndim != b->ndim || a->count != b->count)
        return 0;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i])
            return 0;
    return 1;
}

/* name in at most maxc characters: when longer, its end (the part that
 * tells tensors apart: model.layers.11.mlp.down_proj.weight), starting
 * after a '.', '/' or '_' when one is near, after an ellipsis. UTF-8
 * sequences are kept whole. Caller frees. */
static char *shorten_left(const char *name, size_t maxc)
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

/* The last component of a path. */
static const char *path_base(const char *p)
{
    const char *sl = p ? strrchr(p, '/') : NULL;
    return sl ? sl + 1 : p;
}

/* The legend of one side: the tensor's name, or the file's when both
 * tensors have the same name; long names cut in the middle. */
static void txt_side(sbuf *t, const fig_style *st, const char *side, const char *name, const char *file,
                     int same_name, size_t maxc)
{
    const char *what = same_name && file ? path_base(file) : name ? name : "?";
    char *cut = shorten_left(what, maxc);
    char *e = st->latex ? latex_escape(cut) : util_strdup(cut);
    sbuf_printf(t, "%s: %s", side, e);
    free(e);
    free(cut);
}

static int fig_compare(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    if (!s->p || !s->p2) {
        util_err_set(err, "the compare figure needs two tensors");
        return -1;
    }
    if (s->p->st.n == 0 || s->p2->st.n == 0) {
        util_err_set(err, "%s: no finite values to draw",
                     s->p->st.n == 0 ? (s->tensor_name ? s->tensor_name : "left tensor")
                                     : (s->tensor_name2 ? s->tensor_name2 : "right tensor"));
        return -1;
    }
    int ns = s->nschemes;
    const prep *pp[2] = { s->p, s->p2 };
    const char *side[2] = { "left", "right" };
    const char *tname[2] = { s->tensor_name, s->tensor_name2 ? s->tensor_name2 : s->tensor_name };
    analyze_result res[2][OPTIONS_MAX_SCHEMES];
    for (int k = 0; k < 2; k++)
    {
        analyze_cfg c = s->cfg;
        if (k == 1 && c.amode == ALPHA_FILE && s->alpha_right > 0)
            c.alpha = s->alpha_right;
        if (analyze_tensor(pp[k], &c, s->schemes, ns, 0, res[k], err) < 0)
            return -1;
    }
    /* the two histograms over a common range (x units) */
    double lo = fmin(xlo_of(s), eval_x_of_w(s->p2, s->cfg.normalize, s->p2->st.min));
    double hi = fmax(xhi_of(s), eval_x_of_w(s->p2, s->cfg.normalize, s->p2->st.max));
    double pad = 0.03 * (hi - lo);
    if (!(pad > 0))
        pad = 0.5;
    lo -= pad;
    hi += pad;
    uint64_t nmax = s->p->st.n > s->p2->st.n ? s->p->st.n : s->p2->st.n;
    int share = s->p->st.n != s->p2->st.n; /* different sizes: shares, not counts */
    int nbins = (int)lround(2 * cbrt((double)nmax));
    nbins = nbins < 40 ? 40 : nbins > 200 ? 200 : nbins;
    uint64_t *counts = util_calloc((size_t)nbins, sizeof *counts);
    double bw = (hi - lo) / nbins, peak = 0;
    for (int k = 0; k < 2; k++) {
        char name[40], *series = k ? (share ? "right_share" : "right_count") : (share ? "left_share" : "left_count");
        snprintf(name, sizeof name, "hist_%s", side[k]);
        fig_block *hk = add_block(d, name, NULL, series);
        memset(counts, 0, (size_t)nbins * sizeof *counts);
        eval_histogram(pp[k], s->cfg.normalize, lo, hi, nbins, counts);
        for (int i = 0; i < nbins; i++) {
            double y = share ? (double)counts[i] / (double)pp[k]->st.n : (double)counts[i];
            fig_row *r = add_row(hk, lo + (i + 0.5) * bw, y);
            r->raw = tname[k];
            peak = fmax(peak, y);
        }
    }
    free(counts);
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < ns; i++) {
            char name[40];
            snprintf(name, sizeof name, "result_%s_%d", side[k], i + 1);
            fig_block *r = add_block(d, name, res[k][i].scheme, k ? "right_result" : "left_result");
            if (res[k][i].ok)
                add_row(r, res[k][i].r.alpha, res[k][i].r.mse)->raw = tname[k];
        }
    /* the difference: element-wise right - left when the shapes match,
     * else right's share - left's share per bin of w */
    int elem = gt_same_shape(&s->raw, &s->raw2);
    int dbins = nbins;
    double dlo, dhi, dmean = NAN, drms = NAN, dmax = 0, dpeak = 0;
    uint64_t dn = 0, dnz = 0;
    fig_block *dk;
    if (elem) {
        double sum = 0, s2 = 0;
        for (uint64_t i = 0; i < s->raw.count; i++) {
            double dv = gt_at(&s->raw2, i) - gt_at(&s->raw, i);
            if (!isfinite(dv))
                continue;
            sum += dv;
            s2 += dv * dv;
            dmax = fmax(dmax, fabs(dv));
            dn++;
            dnz += dv != 0;
        }
        dmean = dn ? sum / (double)dn : NAN;
        drms = dn ? sqrt(s2 / (double)dn) : NAN;
        dhi = dmax > 0 ? dmax * (1 + 1e-9) : 1;
        dlo = -dhi;
        dbins += dbins % 2 == 0; /* odd: one bin centred on 0 */
        uint64_t *dc = util_calloc((size_t)dbins, sizeof *dc);
        double w = (dhi - dlo) / dbins;
        for (uint64_t i = 0; i < s->raw.count; i++) {
            double dv = gt_at(&s->raw2, i) - gt_at(&s->raw, i);
            if (!isfinite(dv))
                continue;
            long j = (long)floor((dv - dlo) / w);
            dc[j < 0 ? 0 : j >= dbins ? dbins - 1 : j]++;
        }
        dk = add_block(d, "diff", NULL, "diff_count");
        for (int j = 0; j < dbins; j++) {
            add_row(dk, dlo + (j + 0.5) * w, (double)dc[j]);
            dpeak = fmax(dpeak, (double)dc[j]);
        }
        free(dc);
    } else {
        dlo = fmin(s->p->st.min, s->p2->st.min);
        dhi = fmax(s->p->st.max, s->p2->st.max);
        if (!(dhi > dlo)) {
            dlo -= 1;
            dhi += 1;
        }
        double dp = 0.03 * (dhi - dlo);
        dlo -= dp;
        dhi += dp;
        uint64_t *ca = util_calloc((size_t)dbins, sizeof *ca), *cb = util_calloc((size_t)dbins, sizeof *cb);
        eval_histogram(s->p, 0, dlo, dhi, dbins, ca);
        eval_histogram(s->p2, 0, dlo, dhi, dbins, cb);
        dk = add_block(d, "diff", NULL, "share_diff");
        double w = (dhi - dlo) / dbins;
        for (int j = 0; j < dbins; j++) {
            double y = (double)cb[j] / (double)s->p2->st.n - (double)ca[j] / (double)s->p->st.n;
            add_row(dk, dlo + (j + 0.5) * w, y);
            dpeak = fmax(dpeak, fabs(y));
        }
        free(ca);
        free(cb);
    }
    double dw = (dhi - dlo) / dbins;

    /* Layout, top to bottom: the two histograms overlaid (left filled
     * grey, right a black outline); a table of each scheme's MSE for both
     * and their ratio; the difference histogram. */
    double H = st->height_cm, W = st->width_cm, fs = st->font_pt / 8.0;
    double line = 0.40 * fs;                       /* one text row, cm */
    double bot = 1.05 * fs / H;
    double dpan = 0.36 * (H - 2.6 * fs - line * (ns + 1));
    double dtop = bot + dpan / H;
    double tab = (line * (ns + 1) + 1.0 * fs + 0.35 * fs) / H; /* table + the top panel's x axis */
    double htop = 1 - (2 * line + 0.15) / H, hbot = dtop + tab; /* the key's two rows above */
    /* the table's columns, cm: a scheme's name, then left, right and
     * (when it fits) their ratio, right-aligned */
    size_t longest = 5;
    for (int i = 0; i < ns; i++)
        longest = fmax(longest, strlen(scheme_title(s->schemes[i])));
    double namew = 0.6 * fs + text_cm(longest, st) + 0.2, colw = text_cm(9, st) + 0.4;
    int ncol = namew + 3 * colw <= W - 0.2 ? 3 : 2;
    if (namew + ncol * colw > W - 0.2 || (htop - hbot) * H < 3 * line || dpan < 2.5 * line) {
        double wneed = fmax(W, namew + 2 * colw + 0.25);
        double hneed = H + fmax(3 * line - (htop - hbot) * H, (2.5 * line - dpan) / 0.36) + 0.1;
        util_err_set(err, "a %gx%g cm compare figure of %d schemes does not hold its panels and table at %g pt: "
                     "give it more %s (--size=%.1fx%.1f) or fewer schemes", W, H, ns, st->font_pt,
                     wneed > W ? "width" : "height", wneed, fmax(H, hneed));
        return -1;
    }
    double lm = 0.55 * fs + 7 * 0.66 * st->font_pt / 72 * 2.54 + 0.3, rm = 0.35;
    size_t maxc = (size_t)fmax(8, (W - 0.3 - 1.0 * fs) / text_cm(1, st) - 7);
    int same_name = tname[0] && tname[1] && strcmp(tname[0], tname[1]) == 0;
    set_styles(b, s, st);
    sbuf_printf(b, "set multiplot\nset lmargin at screen %.4f\nset rmargin at screen %.4f\n", lm / W, 1 - rm / W);
    sbuf_printf(b, "set xrange [%.17g:%.17g]\n", lo, hi);
    set_xstep(b, st, lo, hi, W - lm - rm);
    sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\n", htop, hbot);
    sbuf_puts(b, "set format x '% h'\nset xlabel ");
    fig_quote(b, FQ_STRING, x_label(s, st));
    sbuf_puts(b, share ? " offset 0, 0.4\nset ylabel 'share of values'\n" : " offset 0, 0.4\nset ylabel 'count'\n");
    if (s->log_counts) {
        double floor_y = share ? 0.5 / (double)nmax : 0.8;
        sbuf_printf(b, "set logscale y\nset yrange [%.6g:%.6g]\n", floor_y, fmax(peak, floor_y) * 3);
        sbuf_puts(b, st->latex ? "set format y '$10^{%T}$'\n" : "set format y '10^{%T}'\n");
    } else
        sbuf_printf(b, "set yrange [0:%.6g]\nset ytics %.17g format '%% h'\n", fmax(peak, 1e-300) * 1.1,
                    tick_step(0, fmax(peak, 1e-300) * 1.1, (htop - hbot) * H, st, 0));
    sbuf_printf(b, "set key at screen %.4f, screen 1 left top reverse Left samplen 1.5 width 0 spacing 1.05\n",
                0.1 / W);
    sbuf_printf(b, "plot $hist_left using 1:2:(%.17g) with boxes fs solid 1.0 noborder lc rgb '#BDBDBD' title ",
                bw);
    {
        sbuf t = { 0 };
        txt_side(&t, st, "left", tname[0], s->file_name, same_name, maxc);
        put_text(b, &t);
    }
    sbuf_puts(b, st->latex ? "" : " noenhanced");
    sbuf_puts(b, ", \\\n     $hist_right using 1:2 with histeps lc rgb '#000000' lw 1.2 dt 1 title ");
    {
        sbuf t = { 0 };
        txt_side(&t, st, "right", tname[1], s->file_name2, same_name, maxc);
        put_text(b, &t);
    }
    sbuf_puts(b, st->latex ? "\n" : " noenhanced\n");

    /* the MSE table: heading and one row per scheme, in screen coordinates */
    sbuf_puts(b, "\n# Each scheme's MSE for both tensors (their own alphas) and right / left.\n");
    double ty = dtop + 0.5 * fs / H + line * ns / H;   /* heading row */
    double c1 = 0.1 / W, c4 = (W - 0.15) / W, c3 = ncol == 3 ? c4 - colw / W : c4, c2 = c3 - colw / W;
    sbuf_printf(b, "set label 10 'MSE, %d-bit' at screen %.4f, screen %.4f left front\n", s->cfg.bits, c1, ty);
    sbuf_printf(b, "set label 11 'left' at screen %.4f, screen %.4f right front\n", c2, ty);
    sbuf_printf(b, "set label 12 'right' at screen %.4f, screen %.4f right front\n", c3, ty);
    if (ncol == 3)
        sbuf_printf(b, "set label 13 'ratio' at screen %.4f, screen %.4f right front\n", c4, ty);
    else
        sbuf_puts(b, "# no room for the ratio column (it is in the CSV's numbers: right / left)\n");
    for (int i = 0; i < ns; i++) {
        double y = ty - line * (i + 1) / H;
        sbuf t = { 0 };
        txt_colour(&t, s, st, i, 1);
        txt_scheme(&t, st, s->schemes[i]);
        txt_colour(&t, s, st, i, 0);
        sbuf_printf(b, "set label %d ", 20 + 4 * i);
        put_text(b, &t);
        sbuf_printf(b, " at screen %.4f, screen %.4f left front", c1 + 0.6 * fs / W, y);
        put_tc(b, s, st, i);
        sbuf_puts(b, "\n");
        double ml = res[0][i].ok ? res[0][i].r.mse : NAN, mr = res[1][i].ok ? res[1][i].r.mse : NAN;
        double cx[3] = { c2, c3, c4 }, val[3] = { ml, mr, ml > 0 ? mr / ml : NAN };
        for (int c = 0; c < ncol; c++) {
            sbuf u = { 0 };
            txt_num(&u, st, val[c]);
            if (c == 2 && isfinite(val[c]))
                sbuf_puts(&u, st->latex ? "$\\times$" : "×");
            sbuf_printf(b, "set label %d ", 21 + 4 * i + c);
            put_text(b, &u);
            sbuf_printf(b, " at screen %.4f, screen %.4f right front\n", cx[c], y);
        }
        /* a short line in the scheme's style before the name */
        sbuf_printf(b, "set arrow %d from screen %.4f, screen %.4f to screen %.4f, screen %.4f nohead lt %d lw 1.5\n",
                    10 + i, c1, y, c1 + 0.45 * fs / W, y, i + 1);
    }

    sbuf_puts(b, "\n# The difference.\n");
    sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\n", dtop, bot);
    sbuf_puts(b, "unset logscale y\nunset key\n");
    sbuf_printf(b, "set xrange [%.17g:%.17g]\n", dlo, dhi);
    set_xstep(b, st, dlo, dhi, st->width_cm - 2.2 * st->font_pt / 8);
    if (elem) {
        sbuf t = { 0 };
        sbuf_puts(&t, st->latex ? "right $-$ left, element-wise ($w$)" : "right − left, element-wise ({/:Italic w})");
        sbuf_puts(b, "set xlabel ");
        put_text(b, &t);
        sbuf_puts(b, " offset 0, 0.4\nset ylabel 'count'\n");
        sbuf_printf(b, "set yrange [0:%.6g]\nset ytics format '%% h'\n", fmax(dpeak, 1) * 1.3);
        sbuf u = { 0 }, u2 = { 0 };
        sbuf_puts(&u, "rms ");
        txt_num(&u, st, drms);
        sbuf_puts(&u2, st->latex ? "max $|d|$ " : "max |{/:Italic d}| ");
        txt_num(&u2, st, dmax);
        sbuf_puts(b, "set label 2 ");
        put_text(b, &u);
        sbuf_puts(b, " at graph 0.02, graph 0.85 left front\nset label 3 ");
        put_text(b, &u2);
        sbuf_puts(b, " at graph 0.98, graph 0.85 right front\n");
        sbuf_printf(b, "# %llu of %llu values differ\n", (unsigned long long)dnz, (unsigned long long)dn);
        sbuf_printf(b, "set ytics %.17g\n", nice_step(fmax(dpeak, 1) * 1.3, dpan, 0.45 * fs));
        sbuf_printf(b, "# mean of the difference: %.17g\n", dmean);
        sbuf_printf(b, "plot $diff using 1:2:(%.17g) with boxes fs solid 1.0 noborder lc rgb '#6A6A6A'\n", dw);
    } else {
        sbuf t = { 0 };
        sbuf_puts(&t, st->latex ? "weight $w$ (right $-$ left share)"
                                : "weight {/:Italic w} (right − left share)");
        sbuf_puts(b, "set xlabel ");
        put_text(b, &t);
        sbuf_puts(b, " offset 0, 0.4\nset ylabel 'Δ share'\n");
        if (st->latex)
            sbuf_puts(b, "set ylabel '$\\Delta$ share'\n");
        double m = dpeak > 0 ? dpeak * 1.15 : 1;
        sbuf_printf(b, "set yrange [%.6g:%.6g]\nset ytics %.17g format '%% h'\n", -m, m,
                    nice_step(2 * m, dpan, 0.45 * fs));
        sbuf_puts(b, "# shapes differ: the histograms' shares of values subtracted, bin by bin\n");
        sbuf_puts(b, "set arrow from graph 0, first 0 to graph 1, first 0 nohead lc rgb '#707070' lw 0.5 back\n");
        sbuf_printf(b, "plot $diff using 1:($2 > 0 ? $2 : 0):(%.17g) with boxes fs solid 1.0 noborder lc rgb '#000000', \\\n"
                       "     $diff using 1:($2 < 0 ? $2 : 0):(%.17g) with boxes fs solid 1.0 noborder lc rgb '#A0A0A0'\n",
                    dw, dw);
    }
    sbuf_puts(b, "unset multiplot\n");
    return 0;
}

/* ---- transfer ------------------------------------------------------------------- */

/* The paper's Figure 2: Q(x) against x for each scheme, unsigned, alpha 1,
 * at 3 bits (left panel) and 4 bits (right): round to the nearest level,
 * so each step runs between the midpoints of its level's neighbours. */
static int fig_transfer(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *b, util_err *err)
{
    static const int bits[2] = { 3, 4 };
    int ns = s->nschemes, have[2][OPTIONS_MAX_SCHEMES], any = 0;
    char why[2][OPTIONS_MAX_SCHEMES][UTIL_ERRLEN];
    for (int p = 0; p < 2; p++)
        for (int i = 0; i < ns; i++) {
            levelset ls;
            util_err e = { { 0 } };
            have[p][i] = levels_build(s->schemes[i], bits[p], 0, &s->cfg.lprm, &ls, &e) == 0;
            snprintf(why[p][i], sizeof why[p][i], "%s", e.msg);
            if (!have[p][i]) {
                if (p == 1 && !any)
                    util_err_set(err, "%s", why[p][i]);
                continue;
            }
            any = 1;
            char name[40];
            snprintf(name, sizeof name, "q%d_%d", bits[p], i + 1);
            fig_block *k = add_block(d, name, s->schemes[i], "q");
            k->bits = bits[p];
            k->is_unsigned = 1;
            for (size_t j = 0; j < ls.n; j++) {
                double lo = j ? 0.5 * (ls.v[j - 1] + ls.v[j]) : ls.v[0];
                double hi = j + 1 < ls.n ? 0.5 * (ls.v[j] + ls.v[j + 1]) : ls.v[ls.n - 1];
                add_row(k, lo, ls.v[j]);
                add_row(k, hi, ls.v[j]);
            }
            levels_free(&ls);
        }
    if (!any)
        return -1;
    for (int p = 0; p < 2; p++)
        for (int i = 0; i < ns; i++)
            if (!have[p][i]) {
                /* a scheme without a set at this width: left out of the panel */
                sbuf_printf(b, "# not drawn at %d bits: ", bits[p]);
                fig_quote(b, FQ_COMMENT, why[p][i]);
                sbuf_puts(b, "\n");
            }
    /* Layout in cm: the key on one row at the top (two when it does not
     * fit), the panel titles under it, two square-ish panels side by
     * side sharing the y axis, x ticks and label below. */
    double W = st->width_cm, H = st->height_cm, fs = st->font_pt / 8.0, line = 0.40 * fs;
    int keyrows = key_rows(s, st, W - 0.2);
    double left = 1.25 * fs, right = 0.25, gap = 0.45 * fs, bot = 1.05 * fs;
    double top = line * keyrows + 0.15 + line;     /* key rows + the panel titles */
    double pw = (W - left - right - gap) / 2;
    sbuf_puts(b, "# Q(x) = the nearest level (alpha = 1, unsigned); each row pair is one step.\n");
    set_styles(b, s, st);
    sbuf_puts(b, "set multiplot\nset xrange [0:1]\nset yrange [0:1]\nset size ratio -1\nunset size\n");
    sbuf_puts(b, "set xtics 0, 0.5, 1 format '% h'\nset mxtics 2\nset ytics 0, 0.5, 1 format '% h'\nset mytics 2\n");
    sbuf_puts(b, st->latex ? "set xlabel '$x$' offset 0, 0.5\n" : "set xlabel '{/:Italic x}' offset 0, 0.5\n");
    for (int p = 0; p < 2; p++) {
        double x0 = left + p * (pw + gap), x1 = x0 + pw;
        sbuf_printf(b, "\n# %d bits\n", bits[p]);
        sbuf_printf(b, "set lmargin at screen %.4f\nset rmargin at screen %.4f\n", x0 / W, x1 / W);
        sbuf_printf(b, "set tmargin at screen %.4f\nset bmargin at screen %.4f\n", 1 - top / H, bot / H);
        sbuf_printf(b, "set label 1 '%d-bit' at graph 0.5, screen %.4f center front\n", bits[p],
                    1 - (top - 0.5 * line) / H);
        if (p == 0) {
            sbuf_puts(b, st->latex ? "set ylabel '$Q(x)$' offset 1.2, 0\n"
                                   : "set ylabel '{/:Italic Q}({/:Italic x})' offset 1.2, 0\n");
            key_row(b, s, st, 0.5 * line + 0.05);
        } else
        {
            sbuf_puts(b, "unset ylabel\nset format y ''\nunset arrow\n");
            for (int i = 0; i < ns; i++)
                sbuf_printf(b, "unset label %d\n", 900 + i);
        }
        sbuf_puts(b, "unset key\n");
        sbuf_puts(b, "plot x with lines lc rgb '#B0B0B0' lw 0.6 dt 3 notitle");
        for (int i = 0; i < ns; i++)
            if (have[p][i])
                sbuf_printf(b, ", \\\n     $q%d_%d using 1:2 with lines lt %d lw 1.2 notitle", bits[p], i + 1, i + 1);
        sbuf_puts(b, "\n");
    }
    sbuf_puts(b, "unset multiplot\n");
    return 0;
}

/* ---- the kinds ---------------------------------------------------------------------- */

static double h_levels(const plot_spec *s, double w)
{
    (void)w;
    return 1.5 + 0.7 * (s->nschemes > 0 ? s->nschemes : 3);
}

static double h_histogram(const plot_spec *s, double w)
{
    return w > 12 ? 7.0 : 6.2 + 0.25 * (s->nschemes > 3 ? s->nschemes - 3 : 0);
}

static double h_layers(const plot_spec *s, double w)
{
    (void)w;
    int ns = s->nschemes > 0 ? s->nschemes : 3;
    double row = 0.16 * ns + 0.14;
    return 1.9 + (row < 0.5 ? 0.5 : row) * (s->nlayers > 0 ? s->nlayers : 1);
}

static double h_curves(const plot_spec *s, double w)
{
    /* the plot and a key row above it per row its entries need (a
     * scheme's name and its optimal alpha, about 13 more characters) */
    fig_style st = { .width_cm = w, .font_pt = 8 };
    const char *t[OPTIONS_MAX_SCHEMES];
    char buf[OPTIONS_MAX_SCHEMES][64];
    for (int i = 0; i < s->nschemes; i++) {
        snprintf(buf[i], sizeof buf[i], "%s, a* = 0.0000", scheme_title(s->schemes[i]));
        t[i] = buf[i];
    }
    int rows = s->figure == FIG_SWEEP ? key_rows_of(&st, t, s->nschemes, w - 0.2) : key_rows(s, &st, w - 0.2);
    return (w > 12 ? 6.0 : 5.0) + 0.40 * rows;
}

static double h_channels(const plot_spec *s, double w)
{
    fig_style st = { .width_cm = w, .font_pt = 8 };
    const char *t[OPTIONS_MAX_SCHEMES] = { 0 };
    char buf[OPTIONS_MAX_SCHEMES][64];
    for (int i = 0; i < s->nschemes; i++) {
        snprintf(buf[i], sizeof buf[i], "%s: 6.11x10-7", scheme_title(s->schemes[i]));
        t[i] = buf[i];
    }
    return (w > 12 ? 7.2 : 6.4) + 0.40 * key_rows_of(&st, t, s->nschemes, w - 0.2);
}

static double h_compare(const plot_spec *s, double w)
{
    return (w > 12 ? 8.5 : 7.8) + 0.36 * (s->nschemes > 0 ? s->nschemes : 3);
}

static double h_transfer(const plot_spec *s, double w)
{
    /* square panels: (w - margins) / 2 high, plus the key, titles, x axis */
    double pw = (w - 1.25 - 0.25 - 0.45) / 2;
    int ns = s->nschemes > 0 ? s->nschemes : 3;
    fig_style st = { .width_cm = w, .font_pt = 8 };
    (void)ns;
    return pw + 1.05 + 0.40 * (key_rows(s, &st, w - 0.2) + 1) + 0.15;
}

/* The figure kinds: adding one is one entry here (and its FIG_ value). */
const fig_kind fig_kinds[] = {
    { "histogram", FIG_HISTOGRAM, FN_TENSOR, h_histogram, fig_histogram },
    { "levels", FIG_LEVELS, FN_NONE, h_levels, fig_levels },
    { "sweep", FIG_SWEEP, FN_TENSOR, h_curves, fig_sweep },
    { "bits", FIG_BITS, FN_TENSOR, h_curves, fig_bits },
    { "layers", FIG_LAYERS, FN_TENSORS, h_layers, fig_layers },
    { "channels", FIG_CHANNELS, FN_RAW, h_channels, fig_channels },
    { "compare", FIG_COMPARE, FN_PAIR, h_compare, fig_compare },
    { "transfer", FIG_TRANSFER, FN_NONE, h_transfer, fig_transfer },
    { NULL, 0, 0, NULL, NULL },
};

const fig_kind *fig_kind_of(plot_figure f)
{
    for (const fig_kind *k = fig_kinds; k->name; k++)
        if (k->fig == f)
            return k;
    return NULL;
}

int plot_parse_figure(const char *name, plot_figure *out)
{
    for (const fig_kind *k = fig_kinds; k->name; k++)
        if (name && strcmp(name, k->name) == 0) {
            *out = k->fig;
            return 0;
        }
    return -1;
}

const char *plot_figure_name(plot_figure f)
{
    const fig_kind *k = fig_kind_of(f);
    return k ? k->name : "?";
}

double figures_default_height(const plot_spec *s, double width_cm)
{
    const fig_kind *k = fig_kind_of(s->figure);
    return k ? k->height(s, width_cm) : 6;
}

int figures_build(const plot_spec *s, const fig_style *st, fig_data *d, sbuf *body, util_err *err)
{
    const fig_kind *k = fig_kind_of(s->figure);
    if (!k) {
        util_err_set(err, "unknown figure kind %d", (int)s->figure);
        return -1;
    }
    return k->build(s, st, d, body, err);
}

static void csv_num(FILE *fp, double v)
{
    char buf[40];
    if (isfinite(v))
        fputs(util_fmt_exact(buf, sizeof buf, v), fp);
    else if (!isnan(v))
        fputs(v > 0 ? "inf" : "-inf", fp);
}

void figures_write_csv(FILE *fp, const plot_spec *s, const fig_data *d)
{
    fputs("figure,tensor,scheme,bits,signed,normalize,series,x,y\n", fp);
    for (int i = 0; i < d->n; i++) {
        const fig_block *k = d->b[i];
        for (size_t j = 0; j < k->n; j++) {
            const fig_row *r = &k->rows[j];
            /* a block with a z column: one CSV row for y, one for z */
            for (int col = 0; col < (k->zseries ? 2 : 1); col++) {
                fprintf(fp, "%s,", plot_figure_name(s->figure));
                util_csv_field(fp, r->raw ? r->raw : fig_kind_of(s->figure)->needs == FN_NONE ? NULL : s->tensor_name);
                fputc(',', fp);
                util_csv_field(fp, k->scheme);
                if (k->bits < 0)
                    fprintf(fp, ",%d", (int)r->x);
                else
                    fprintf(fp, ",%d", k->bits ? k->bits : s->cfg.bits);
                fprintf(fp, ",%s,%s,%s,", s->cfg.is_signed && !k->is_unsigned ? "true" : "false",
                        s->cfg.normalize ? "true" : "false", col ? k->zseries : k->series);
                csv_num(fp, r->x);
                fputc(',', fp);
                csv_num(fp, col ? r->z : r->y);
                fputc('\n', fp);
            }
        }
    }
}
