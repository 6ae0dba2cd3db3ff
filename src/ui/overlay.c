/*
 * overlay.c - what is drawn over the views: the status line, the help (?),
 * the scheme explained (x), the file info (i), the tour's caption and the
 * too-small message. help, explain and info are views of their own (the
 * overlays table in ui.c: draw and action), opened over the current view.
 */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/eval.h"
#include "quant/levels.h"
#include "model/metric.h"
#include "core/numfmt.h"
#include "ui/app.h"
#include "ui/view_stored.h"
#include "ui/teach.h"
#include "ui/term.h"

void overlay_status(app *a)
{
    int y = a->rows - 1;
    int at = term_attr(R_STATUS);
    draw_fill(y, 0, a->cols, at);
    app_calc(a, &a->calc, a->cur);
    char ab[64], af[48] = "", mb[32];
    double al = app_alpha(a);
    const ui_calc *c = &a->calc;
    double mse = c->valid && c->ok && c->res[a->focus].ok ? c->res[a->focus].r.mse : NAN;
    const char *sep = a->utf8 ? " \u2502 " : " | ";
    int failed = app_focus_failure(a) != NULL;
    if (isnan(al))
        snprintf(ab, sizeof ab, "%s", failed || (c->valid && c->ok && c->item == a->cur) ? "-" : "...");
    else if (a->salpha[a->focus].mode == ALPHA_VALUE && a->cfg.gran == GRAN_TENSOR && app_prep(a, a->cur)) {
        /* fixed: the value (sigma units when normalized) and the fraction
         * of max|x| it is carried to the next tensor as */
        const prep *p = app_prep(a, a->cur);
        double xm = eval_xabsmax(p, a->cfg.normalize);
        snprintf(ab, sizeof ab, "%.4g%s", al, a->cfg.normalize ? (a->utf8 ? "\u03c3" : "sd") : "");
        snprintf(af, sizeof af, " (%.3gmax)", xm > 0 ? al / xm : NAN);
    } else
        snprintf(ab, sizeof ab, "%.4g", al);
    if (isnan(mse))  /* not computed yet, or none (values beyond what the scales hold) */
        snprintf(mb, sizeof mb, "%s", failed ? "-" : c->valid && c->ok ? (c->res[a->focus].ok ? "n/a" : "-") : "...");
    else
        snprintf(mb, sizeof mb, "%.4g", mse);
    char gran[64] = "";
    /* the granularity unless it is the default (one scale per tensor) */
    if (a->cfg.gran != GRAN_TENSOR)
        snprintf(gran, sizeof gran, "%s%s", sep, analyze_granularity_name(&a->cfg));
    char line[400], mfull[32];
    snprintf(mfull, sizeof mfull, "%s", mb);
    /* a narrow window: separators without the space after, "α" for
     * "alpha" (UTF-8, interface.md), then without the fixed alpha's
     * fraction, then mse in the room left (numfmt_fit: a shorter number,
     * never a cut one, at least 5 columns), then narrower still */
    const char *tight = a->utf8 ? " \u2502" : " |";
    /* and at last whole fields dropped: norm, then alpha, then bits (a
     * 40-column window: never a field cut at the edge) */
    static const struct { int tight, frac, minw, greek, drop; } tries[] = {
        { 0, 1, 0, 0, 0 }, { 1, 1, 0, 0, 0 }, { 1, 1, 0, 1, 0 }, { 1, 0, 0, 0, 0 }, { 1, 0, 5, 0, 0 },
        { 1, 0, 5, 1, 1 }, { 1, 0, 5, 0, 1 }, { 1, 0, 5, 1, 2 }, { 1, 0, 5, 0, 2 }, { 1, 0, 5, 0, 3 },
        { 1, 0, 1, 0, 3 },
    };
    /* the message, the tour's step */
    char extra[340] = "", tour[40] = "";
    double frac;
    if (a->tour) {
        int n;
        teach_tour(&n);
        snprintf(tour, sizeof tour, "tour %d/%d", a->tour_step + 1, n);
    }
    if (!app_prep(a, a->cur) && worker_get(a->w, a->cur, NULL, &frac, NULL, 0, NULL) == PS_RUNNING)
        snprintf(extra, sizeof extra, "preparing %.0f%%, not final", frac * 100);
    else if (a->msg[0])
        snprintf(extra, sizeof extra, "%s", a->msg);
    else if (app_focus_failure(a))
        snprintf(extra, sizeof extra, "%s", app_focus_failure(a));
    /* first with room for the message (without shortening a number),
     * then in the whole width (the message then goes above) */
    int fits = 0;
    for (int tgt = extra[0] ? 0 : 1; tgt < 2 && !fits; tgt++) {
        int W = a->cols - (tour[0] ? 3 + (int)strlen(tour) : 0) - (tgt ? 0 : 3 + text_width(extra));
        for (size_t k = 0; k < sizeof tries / sizeof tries[0] && !fits; k++) {
            if ((!tgt && tries[k].minw) || (tries[k].greek && !a->utf8))
                continue;
            const char *sp = tries[k].tight ? tight : sep;
            if (a->cfg.gran != GRAN_TENSOR)
                snprintf(gran, sizeof gran, "%s%s", sp, analyze_granularity_name(&a->cfg));
            snprintf(mb, sizeof mb, "%s", mfull);
            for (int fit = 0; fit < 2; fit++) {
                int dr = tries[k].drop;
                char fb[32] = "", fa[128] = "", fn[32] = "";
                if (dr < 3)
                    snprintf(fb, sizeof fb, "%sbits %d", sp, a->cfg.bits);
                if (dr < 2)
                    snprintf(fa, sizeof fa, "%s%s%s %s%s", sp, tries[k].greek ? "\u03b1" : "alpha",
                             a->cfg.gran == GRAN_TENSOR ? "" : " mean", ab, tries[k].frac ? af : "");
                if (dr < 1)
                    snprintf(fn, sizeof fn, "%snorm %s", sp, a->cfg.normalize ? "on" : "off");
                snprintf(line, sizeof line, " %s%s%s%s%s%smse %s", a->schemes[a->focus], gran, fb, fa, fn, sp, mb);
                int over = text_width(line) - W;
                if (over <= 0 || !tries[k].minw || isnan(mse))
                    break;
                int mw = (int)strlen(mfull) - over;
                numfmt_fit(mb, sizeof mb, mse, mw < tries[k].minw ? tries[k].minw : mw, 4, NUMFMT_ANY);
            }
            if (text_width(line) <= W) {
                fits = 1;
                if (tries[k].tight)
                    sep = tight;
            }
        }
    }
    int x = draw_textf(y, 0, a->cols, at | (int)A_BOLD, " %s", a->schemes[a->focus]);
    x += draw_textf(y, x, a->cols - x, at, "%s", line + 1 + strlen(a->schemes[a->focus]));
    const char *right = " ?:help q:quit ";
    int rw = (int)strlen(right);
    if (tour[0])
        x += draw_textf(y, x, a->cols - x, at, "%s%s", sep, tour);
    /* a message that does not fit beside the help hint takes its place;
     * one that does not fit at all goes on the row above, whole */
    if (extra[0] && x + text_width(sep) + text_width(extra) > a->cols - rw)
        rw = 0;
    if (extra[0] && x + text_width(sep) + text_width(extra) > a->cols && y > 0) {
        int ma = a->msg_err || failed ? at | (int)A_BOLD : at;
        int st[4], ln[4];
        int nl = layout_wrap(extra, a->cols - 2, st, ln, y < 2 ? 1 : 2);
        for (int k = 0; k < nl; k++) {
            char part[340];
            snprintf(part, sizeof part, "%.*s", ln[k], extra + st[k]);
            draw_fill(y - nl + k, 0, a->cols, ma);
            draw_text(y - nl + k, 1, a->cols - 2, ma, part);
        }
        extra[0] = '\0';
    }
    if (extra[0])
        x += draw_textf(y, x, a->cols - x - rw, a->msg_err || failed ? at | (int)A_BOLD : at, "%s%s", sep, extra);
    if (rw && a->cols - rw > x)
        draw_text(y, a->cols - rw, rw, at, right);
}

/* A key label for the current terminal: arrows spelt out without UTF-8. */
static void help_label(const char *in, int utf8, char *out, size_t len)
{
    static const struct { const char *u, *a; } arrows[] = {
        { "\u2192", "Right" }, { "\u2190", "Left" }, { "\u2193", "Down" }, { "\u2191", "Up" },
    };
    size_t o = 0;
    while (*in && o + 1 < len) {
        int done = 0;
        for (size_t i = 0; !utf8 && i < sizeof arrows / sizeof arrows[0]; i++) {
            size_t ul = strlen(arrows[i].u);
            if (strncmp(in, arrows[i].u, ul) == 0) {
                o += (size_t)snprintf(out + o, len - o, "%s", arrows[i].a);
                in += ul;
                done = 1;
                break;
            }
        }
        if (!done)
            out[o++] = *in++;
        if (o >= len)
            o = len - 1;
    }
    out[o] = '\0';
}

/* The help text as display lines: a label and a piece of its text, the
 * text wrapped at width tw. Returns the number of lines (at most max). */
typedef struct help_line {
    const char *label;     /* NULL on continuation lines */
    char text[160];
} help_line;

/* After the keys: how to read the rugs (not keys: listed as glyphs). */
static const ui_key glyphs[] = {
    { { 0 }, "rug \u2502 | 2..9 +", ACT_NONE, KV_ALL,
      "the rug under the axis marks each level of a scheme: a bar for one level in the column, a digit for 2 "
      "to 9 levels in one column, + for ten or more; [ and ] are the clipping bounds +-alpha" },
};

static int help_lines(int tw, help_line *out, int max)
{
    int nk;
    const ui_key *keys = keys_table(&nk);
    ui_key k[160];
    int n = 0;
    for (int i = 0; i < nk && n < 160; i++)
        k[n++] = keys[i];
    for (size_t i = 0; i < sizeof glyphs / sizeof glyphs[0] && n < 160; i++)
        k[n++] = glyphs[i];
    int m = 0;
    if (tw < 10)
        tw = 10;
    for (int i = 0; i < n && m < max; i++) {
        if (!k[i].label)
            continue;
        const char *t = k[i].help;
        int first = 1;
        while (*t && m < max) {
            int len = (int)strlen(t);
            int take = len;
            if (len > tw) {
                take = tw;
                while (take > 0 && t[take] != ' ')
                    take--;
                if (take == 0)
                    take = tw;
            }
            out[m].label = first ? k[i].label : NULL;
            snprintf(out[m].text, sizeof out[m].text, "%.*s", take, t);
            m++;
            first = 0;
            t += take;
            while (*t == ' ')
                t++;
        }
    }
    return m;
}

void overlay_help(app *a)
{
    enum { MAXL = 128 };
    static help_line hl[MAXL];
    int w = a->cols - 4 < 78 ? a->cols - 4 : 78;
    int lines = help_lines(w - 21, hl, MAXL);
    int h = a->rows - 2 < lines + 3 ? a->rows - 2 : lines + 3;
    int y0 = (a->rows - 1 - h) / 2, x0 = (a->cols - w) / 2;
    if (y0 < 0)
        y0 = 0;
    int body = h - 3;
    if (a->help_top > lines - body)
        a->help_top = lines - body > 0 ? lines - body : 0;
    /* the rows under the box cleared across the screen: no number of the
     * view shows half hidden behind the frame */
    for (int r = 0; r < h; r++)
        draw_fill(y0 + r, 0, a->cols, term_attr(R_NORMAL));
    draw_box(a->utf8, y0, x0, h, w, " apotview keys ");
    draw_text(y0 + 1, x0 + 2, w - 4, term_attr(R_DIM), "Esc, ? or q close; j/k scroll. Every key works as listed.");
    for (int r = 0; r < body && a->help_top + r < lines; r++) {
        const help_line *l = &hl[a->help_top + r];
        int y = y0 + 2 + r;
        if (l->label) {
            char lab[64];
            help_label(l->label, a->utf8, lab, sizeof lab);
            draw_text(y, x0 + 2, 16, term_attr(R_HEADER), lab);
        }
        draw_text(y, x0 + 19, w - 21, 0, l->text);
    }
    if (lines > body)
        draw_textf(y0 + h - 1, x0 + w - 12, 10, term_attr(R_DIM), " %d/%d ", a->help_top + body, lines);
}


/* The x overlay: the focused scheme, its formula, what to notice. */
void overlay_explain(app *a)
{
    const char *name = a->schemes[a->focus];
    const teach_text *t = teach_explain(name);
    const scheme_def *d = levels_find(name);
    int w = a->cols - 4 < 78 ? a->cols - 4 : 78;
    int tw = w - 4;
    int st[32], ln[32];
    int nf = t ? layout_wrap(t->formula, tw, st, ln, 32) : 1;
    int nn = t ? layout_wrap(t->notice, tw, st, ln, 32) : 0;
    /* at a group granularity: what the scales cost in bits per weight */
    char gtext[700] = "";
    app_calc(a, &a->calc, a->cur);
    const analyze_result *fr = a->calc.valid && a->calc.ok && a->calc.res[a->focus].ok ? &a->calc.res[a->focus] : NULL;
    if (fr && (fr->scale_dtype || a->cfg.gran == GRAN_CHANNEL) && fr->nscales > 0 && isfinite(fr->bpw)) {
        const loader_tensor *lt = app_item_tensor(a, a->cur);
        double per = (double)lt->count / (double)fr->nscales;
        const char *sd = fr->scale_dtype ? fr->scale_dtype : "16-bit";
        int sbits = strcmp(sd, "fp32") == 0 ? 32 : strcmp(sd, "e8m0") == 0 ? 8 : 16;
        /* the element bits: bpw = b + sbits / per (+ b / per for a zero point) */
        double b0 = fr->bpw - sbits / per;
        long be = lround(b0);
        if (fabs(b0 - (double)be) > 1e-6)
            be = lround(b0 / (1 + 1 / per));
        unsigned long long G = a->cfg.gran == GRAN_GROUP && fr->granularity && strncmp(fr->granularity, "group:", 6) == 0
                                  ? strtoull(fr->granularity + 6, NULL, 10) : 0;
        teach_group_cost(gtext, sizeof gtext, (int)be, sd, sbits, per, G, fr->bpw - sbits / per - (double)be,
                         fr->bpw);
    }
    int ng = gtext[0] ? layout_wrap(gtext, tw, st, ln, 32) + 1 : 0;
    int h = 2 + 1 + nf + 1 + nn + 1 + ng;
    if (h > app_body_rows(a) - 1)
        h = app_body_rows(a) - 1;
    int y0 = (app_body_rows(a) - 1 - h) / 2, x0 = (a->cols - w) / 2;
    if (y0 < 0)
        y0 = 0;
    char title[160];
    snprintf(title, sizeof title, " %s explained (x or Esc closes) ", name);
    for (int r = 0; r < h; r++)
        draw_fill(y0 + r, 0, a->cols, term_attr(R_NORMAL));
    draw_box(a->utf8, y0, x0, h, w, title);
    int y = y0 + 1, last = y0 + h - 1;
    if (d && y < last)
        y += draw_wrapped(y, x0 + 2, tw, last - y, term_attr(R_DIM), d->summary);
    if (!t) {
        if (y < last)
            draw_text(y, x0 + 2, tw, term_attr(R_ERROR), "no explanation for this scheme");
        return;
    }
    if (y < last)
        y += draw_wrapped(y, x0 + 2, tw, last - y, term_scheme_attr(a->focus) | A_BOLD, t->formula);
    if (y < last)
        y++;
    if (y < last)
        y += draw_wrapped(y, x0 + 2, tw, last - y, 0, t->notice);
    if (gtext[0] && y + 1 < last)
        draw_wrapped(y + 1, x0 + 2, tw, last - y - 1, term_attr(R_TITLE), gtext);
}

/* The i overlay: the current tensor's file, its format and what it holds
 * besides tensors (loader metadata), one entry per line, cut to the box. */
void overlay_info(app *a)
{
    const session_item *it = &a->s.items[a->cur];
    const loader_file *f = a->s.files[it->file];
    int w = a->cols - 4 < 100 ? a->cols - 4 : 100;
    const analyze_result *sr = app_stored_result(a, a->cur, app_prep(a, a->cur));
    int h = 6 + (int)f->nmeta + (f->nmeta == 0) + (sr ? 3 : 0);
    if (h > app_body_rows(a) - 1)
        h = app_body_rows(a) - 1;
    int y0 = (app_body_rows(a) - 1 - h) / 2, x0 = (a->cols - w) / 2;
    if (y0 < 0)
        y0 = 0;
    for (int r = 0; r < h; r++)
        draw_fill(y0 + r, 0, a->cols, term_attr(R_NORMAL));
    draw_box(a->utf8, y0, x0, h, w, " file info (i or Esc closes) ");
    int y = y0 + 1, last = y0 + h - 1;
    char eb[1024];
    if (y < last)
        draw_textf(y++, x0 + 2, w - 4, term_attr(R_TITLE), "%s", app_esc(eb, sizeof eb, f->path));
    if (y < last)
        draw_textf(y++, x0 + 2, w - 4, term_attr(R_DIM), "format %s, %zu tensor%s, %zu metadata entr%s",
                   f->fmt->name, f->ntensors, UI_PL(f->ntensors), f->nmeta, f->nmeta == 1 ? "y" : "ies");
    /* which engine the numbers come from, and --report's own pick */
    const char *ve = app_view_engine(a, a->cur), *re = app_report_engine(a, a->cur);
    if (ve && y < last) {
        char eng[200];
        if (strcmp(ve, re) == 0)
            snprintf(eng, sizeof eng, "numbers: the %s engine, as --report uses for this tensor", ve);
        else
            snprintf(eng, sizeof eng, "numbers: the %s engine; --report picks %s here (alphas may differ in the "
                     "4th digit): --engine=%s matches, y adds it", ve, re, ve);
        y += draw_wrapped(y, x0 + 2, w - 4, last - y, term_attr(R_DIM), eng);
    }
    if (sr && y + 1 < last) {
        /* the tensor's stored format and its parameters (quant/stored.h) */
        const loader_tensor *lt = &f->tensors[it->tensor];
        y += draw_wrapped(y, x0 + 2, w - 4, 2, A_BOLD, sr->stored_params ? sr->stored_params : lt->stored_type);
        if (y < last)
            draw_textf(y++, x0 + 2, w - 4, term_attr(R_DIM),
                       "%s: %.4g bpw, %llu groups, levels used %llu/%llu, %.3g per group, scale %.4g..%.4g",
                       sr->stored_self ? "stored" : "stored (the pair's grid, the original on it)", sr->bpw, (unsigned long long)sr->nscales, (unsigned long long)sr->r.levels_used,
                       (unsigned long long)sr->r.levels_total, sr->levels_per_group, sr->scale_min, sr->scale_max);
    }
    if (f->nmeta == 0 && y < last)
        draw_text(y++, x0 + 2, w - 4, term_attr(R_DIM), "(no metadata besides the tensors)");
    for (size_t k = 0; k < f->nmeta && y < last; k++) {
        if (y == last - 1 && k + 1 < f->nmeta) {
            draw_textf(y++, x0 + 2, w - 4, term_attr(R_DIM), "... %zu more (apotview --report lists them all)",
                       f->nmeta - k);
            break;
        }
        int kw = draw_textf(y, x0 + 2, w - 4, A_BOLD, "%s: ", app_esc(eb, sizeof eb, f->meta[k].key));
        if (kw < w - 4)
            draw_text(y, x0 + 2 + kw, w - 4 - kw, 0, app_esc(eb, sizeof eb, f->meta[k].value));
        y++;
    }
}

/* The tour's caption above the status line. */
void overlay_tour(app *a)
{
    int n;
    const teach_step *steps = teach_tour(&n);
    const teach_step *t = &steps[a->tour_step];
    int y0 = app_body_rows(a) - 1;
    for (int r = y0; r < a->rows - 1; r++)
        draw_fill(r, 0, a->cols, 0);
    draw_fill(y0, 0, a->cols, term_attr(R_HEADER));
    int x = draw_textf(y0, 0, a->cols, term_attr(R_TITLE), " Tour %d/%d: %s", a->tour_step + 1, n, t->title);
    draw_textf(y0, x, a->cols - x, term_attr(R_DIM), "   (Space or %s next, %s back, x explains, q quits)",
               a->utf8 ? "\u2192" : "Right", a->utf8 ? "\u2190" : "Left");
    /* a real file: its tensor by name, not "this demo tensor" */
    const char *cap = t->caption;
    char buf[1024];
    const loader_tensor *lt = app_item_tensor(a, a->cur);
    const char *path = a->s.nitems ? app_item_file(a, a->cur) : NULL;
    if (t->file_caption && lt && !(path && strncmp(path, "demo:", 5) == 0)) {
        char en[256];
        app_esc(en, sizeof en, lt->name);
        const char *m = strstr(t->file_caption, "{T}");
        if (m)
            snprintf(buf, sizeof buf, "%.*s%s%s", (int)(m - t->file_caption), t->file_caption, en, m + 3);
        else
            snprintf(buf, sizeof buf, "%s", t->file_caption);
        cap = buf;
    }
    draw_wrapped(y0 + 1, 1, a->cols - 2, TOUR_TEXT_ROWS, 0, cap);
}

int overlay_too_small(const app *a)
{
    return a->cols < LAYOUT_MIN_COLS || a->rows < layout_min_rows(app_rug_rows(a)) + (a->rows - app_body_rows(a));
}

void overlay_draw_too_small(app *a)
{
    char m[200];
    snprintf(m, sizeof m, "The window is %dx%d; apotview needs at least %dx%d. Enlarge it, or q to quit.",
             a->cols, a->rows, LAYOUT_MIN_COLS, layout_min_rows(app_rug_rows(a)) + (a->rows - app_body_rows(a)));
    /* wrap on spaces */
    int y = a->rows / 2 - 2 > 0 ? a->rows / 2 - 2 : 0;
    const char *s = m;
    while (*s && y < a->rows - 1) {
        int len = (int)strlen(s);
        int take = len <= a->cols - 2 ? len : a->cols - 2;
        if (take < len)
            for (int i = take; i > 0; i--)
                if (s[i] == ' ') {
                    take = i;
                    break;
                }
        char line[200];
        snprintf(line, sizeof line, "%.*s", take, s);
        draw_text(y++, 1, a->cols - 2, term_attr(R_ERROR), line);
        s += take;
        while (*s == ' ')
            s++;
    }
}

/* The help overlay's keys: j/k (arrows) scroll it; the others close it
 * and go on to the view (0). */
int overlay_help_action(app *a, ui_action act)
{
    if (act == ACT_TENSOR_NEXT) {
        a->help_top++;
        return RD_VIEW;
    }
    if (act == ACT_TENSOR_PREV) {
        if (a->help_top > 0)
            a->help_top--;
        return RD_VIEW;
    }
    return RD_NONE;
}

/* The explain overlay stays open while the schemes are cycled or the tour
 * goes on (it then explains the new focus). */
int overlay_explain_action(app *a, ui_action act)
{
    if (act == ACT_SCHEME_NEXT || act == ACT_TOUR_NEXT || act == ACT_TOUR_PREV)
        return app_dispatch(a, act) | RD_VIEW;
    return RD_NONE;
}
