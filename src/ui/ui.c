/*
 * ui.c - the viewer's main loop (ui.h).
 *
 * One loop: read a key (with a timeout while the worker runs, so progress
 * and completions show up), look it up in the key table (keys.c), let the
 * current view's action (the views table: {name, draw, action, click,
 * idle, figure}) and then the common actions change the state and return
 * RD_* flags, redraw what the flags say, then run the view's idle step
 * (deferred work: optimal alphas, per-channel numbers, the group job). Nothing draws from a signal handler: SIGINT/SIGTERM set a
 * flag (term.c) that the loop polls; KEY_RESIZE redraws; below the
 * minimum size a message replaces the views.
 *
 * Numbers come from analyze_tensor() with an analyze_cfg, exactly as in
 * --report; ui_calc caches them per tensor and settings, and each
 * scheme's optimal alpha per (bits, normalize), so a keypress that moves
 * alpha costs a few O(L log N) evaluations.
 */
#include "config.h"
#include "ui/ui.h"

#include <curses.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "quant/eval.h"
#include "quant/gq.h"
#include "plot/plot.h"
#include "quant/levels.h"
#include "model/metric.h"
#include "ui/app.h"
#include "ui/view_stored.h"
#include "model/stored_run.h"
#include "ui/teach.h"
#include "ui/term.h"

/* The one app (static: reachable until exit even if the worker is stuck). */
static app A;

#define CACHE_BUDGET (1024ULL * 1024 * 1024)

/* ---- small accessors ------------------------------------------------------ */

const loader_tensor *app_item_tensor(const app *a, size_t item)
{
    const session_item *it = &a->s.items[item];
    return &a->s.files[it->file]->tensors[it->tensor];
}

const char *app_item_name(const app *a, size_t item)
{
    return app_item_tensor(a, item)->name;
}

const char *app_item_file(const app *a, size_t item)
{
    return a->s.files[a->s.items[item].file]->path;
}

const prep *app_prep(app *a, size_t item)
{
    const prep *p = NULL;
    if (worker_get(a->w, item, &p, NULL, NULL, 0, NULL) != PS_DONE)
        return NULL;
    return p;
}

void app_message(app *a, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->msg, sizeof a->msg, fmt, ap);
    va_end(ap);
    a->msg_err = err;
}

static int same_settings(const analyze_cfg *x, const analyze_cfg *y)
{
    return x->bits == y->bits && x->is_signed == y->is_signed && x->normalize == y->normalize &&
           x->amode == y->amode && (x->amode == ALPHA_MSE || x->amode == ALPHA_MAX || x->alpha == y->alpha) &&
           x->lprm.apot_k == y->lprm.apot_k && x->gran == y->gran && x->group == y->group &&
           x->axis == y->axis && x->group_along_axis == y->group_along_axis && x->block_r == y->block_r &&
           x->block_c == y->block_c && x->sdtype == y->sdtype;
}

/* --alpha=mse numbers when each scheme's optimal alpha is already known:
 * the same analyze_tensor() per scheme at that alpha, and adds relative to
 * uniform at its own optimum (as analyze_tensor does in mse mode). -2 when
 * uniform is not among the schemes (then the caller does it the long way). */
static int calc_from_opt(app *a, ui_calc *c, const prep *p, util_err *e)
{
    int nz = a->cfg.normalize ? 1 : 0, b = a->cfg.bits, uni = -1;
    for (int i = 0; i < a->nschemes; i++)
        if (strcmp(a->schemes[i], "uniform") == 0)
            uni = i;
    if (uni < 0)
        return -2;
    for (int i = 0; i < a->nschemes; i++) {
        analyze_cfg one = a->cfg;
        double al = c->opt_tab_a[nz][b][i];
        if (stored_is(a->schemes[i]))
            al = 1;   /* no alpha of its own: app_stored_fill fills it */
        if (!(al > 0) || !isfinite(al))
            return -2;
        one.amode = ALPHA_VALUE;
        one.alpha = al;
        if (analyze_tensor(p, &one, &a->schemes[i], 1, 0, &c->res[i], e) < 0)
            return -1;
        c->res[i].opt_alpha = al;
        c->res[i].opt_mse = c->opt_tab_m[nz][b][i];
    }
    double ua = c->res[uni].ok ? c->res[uni].r.adds_mean : NAN;
    for (int i = 0; i < a->nschemes; i++)
        if (c->res[i].ok)
            c->res[i].relative_to_uniform = ua > 0 ? c->res[i].r.adds_mean / ua : NAN;
    return 0;
}

void app_calc(app *a, ui_calc *c, size_t item)
{
    const prep *p = app_prep(a, item);
    if (!p) {
        c->valid = 0;
        return;
    }
    if (c->valid && c->item == item && same_settings(&c->cfg, &a->cfg))
        return;
    double t0 = util_now();
    if (c->item != item || !c->valid) {
        memset(c->opt_have, 0, sizeof c->opt_have);
        c->gap_n = 0;
    }
    c->item = item;
    c->cfg = a->cfg;
    c->valid = 1;
    c->ok = 0;
    c->opt_valid = 0;
    c->opt_pending = 0;
    c->msg[0] = '\0';
    if (p->st.n == 0) {
        snprintf(c->msg, sizeof c->msg, "no finite values to show (%llu elements, %llu non-finite)",
                 (unsigned long long)p->st.count, (unsigned long long)p->st.nonfinite);
        return;
    }
    if (app_group_mode(a)) {
        /* per group (or MX blocks): the group engine on the worker's
         * thread, as --report computes it; no per-tensor optimal alpha */
        if (!app_group_numbers(a, c, item, p))
            c->valid = 0;
        else if (c->ok && a->cfg.gran == GRAN_TENSOR)
            c->opt_pending = 1;  /* the per-tensor schemes' optima, after the redraw */
        else if (c->ok && app_ranked(a))
            app_calc_gap(a, c, 0);
        c->calc_seconds = util_now() - t0;
        return;
    }
    util_err e = { { 0 } };
    int nz = a->cfg.normalize ? 1 : 0, b = a->cfg.bits;
    int r = a->cfg.amode == ALPHA_MSE && c->opt_have[nz][b] ? calc_from_opt(a, c, p, &e) : -2;
    if (r == -2)
        r = analyze_tensor(p, &a->cfg, a->schemes, a->nschemes, 0, c->res, &e);
    if (r < 0) {
        snprintf(c->msg, sizeof c->msg, "%s", e.msg);
        return;
    }
    c->ok = 1;
    app_stored_fill(a, c, item, p);   /* the file's own grid (view_stored.c) */
    if (a->cfg.amode == ALPHA_MSE && !c->opt_have[nz][b]) {
        /* analyze_tensor has just found them */
        for (int i = 0; i < a->nschemes; i++) {
            c->opt_tab_a[nz][b][i] = c->res[i].ok ? c->res[i].opt_alpha : NAN;
            c->opt_tab_m[nz][b][i] = c->res[i].ok ? c->res[i].opt_mse : NAN;
        }
        c->opt_have[nz][b] = 1;
    }
    if (c->opt_have[nz][b]) {
        memcpy(c->opt_alpha, c->opt_tab_a[nz][b], sizeof c->opt_alpha);
        memcpy(c->opt_mse, c->opt_tab_m[nz][b], sizeof c->opt_mse);
        c->opt_valid = 1;
    } else
        c->opt_pending = 1;
    if (app_ranked(a))
        app_calc_gap(a, c, 0);
    c->calc_seconds = util_now() - t0;
}

int app_calc_gap(app *a, ui_calc *c, int compute)
{
    if (!c->valid || !c->ok)
        return 0;
    const prep *p = app_prep(a, c->item);
    if (!p || p->st.n == 0)
        return 0;
    int nz = c->cfg.normalize ? 1 : 0, did = 0;
    c->gap_pending = 0;
    for (int i = 0; i < a->nschemes; i++) {
        analyze_result *r = &c->res[i];
        if (!r->ok)
            continue;
        size_t L = (size_t)r->r.levels_total;
        double lm = NAN;
        int k;
        for (k = 0; k < c->gap_n; k++)
            if (c->gap_nz[k] == nz && c->gap_L[k] == L) {
                lm = c->gap_mse[k];
                break;
            }
        if (k == c->gap_n) {
            if (!compute) {
                c->gap_pending = 1;
                r->gap_to_optimal_db = NAN;
                continue;
            }
            lm = analyze_lloyd_mse(p, c->cfg.normalize, L, NULL);
            did = 1;
            if (c->gap_n < UI_GAP_SLOTS) {
                c->gap_nz[c->gap_n] = nz;
                c->gap_L[c->gap_n] = L;
                c->gap_mse[c->gap_n++] = lm;
            }
        }
        double e = r->r.mse;
        /* as analyze_tensor computes it for --report */
        r->gap_to_optimal_db = e == lm ? 0 : lm > 0 ? 10 * log10(e / lm) : e > 0 ? INFINITY : 0;
    }
    return did;
}

int app_calc_opt(app *a, ui_calc *c)
{
    if (!c->valid || !c->ok || !c->opt_pending)
        return 0;
    const prep *p = app_prep(a, c->item);
    if (!p)
        return 0;
    int nz = c->cfg.normalize ? 1 : 0, b = c->cfg.bits;
    for (int i = 0; i < a->nschemes; i++) {
        c->opt_tab_a[nz][b][i] = c->opt_tab_m[nz][b][i] = NAN;
        const scheme_def *d = levels_find(a->schemes[i]);
        if (!c->res[i].ok)
            continue;
        if (d && (d->flags & SCHEME_MX))
            continue; /* block scales: no alpha of the tensor */
        if (d && (d->flags & SCHEME_DATA)) {
            /* lloyd-max: its alpha is its own fit */
            c->opt_tab_a[nz][b][i] = c->res[i].opt_alpha;
            c->opt_tab_m[nz][b][i] = c->res[i].opt_mse;
            continue;
        }
        levelset ls;
        util_err le = { { 0 } };
        if (levels_build(a->schemes[i], b, c->cfg.is_signed, &c->cfg.lprm, &ls, &le) < 0)
            continue;
        c->opt_tab_a[nz][b][i] = eval_best_alpha(p, &ls, c->cfg.normalize, &c->opt_tab_m[nz][b][i]);
        levels_free(&ls);
    }
    c->opt_have[nz][b] = 1;
    memcpy(c->opt_alpha, c->opt_tab_a[nz][b], sizeof c->opt_alpha);
    memcpy(c->opt_mse, c->opt_tab_m[nz][b], sizeof c->opt_mse);
    c->opt_valid = 1;
    c->opt_pending = 0;
    return 1;
}

double app_alpha(const app *a)
{
    const ui_calc *c = &a->calc;
    if (c->valid && c->ok && c->item == a->cur && c->res[a->focus].ok)
        return c->res[a->focus].r.alpha;
    return NAN;
}

/* The tour's caption: a title row and TOUR_TEXT_ROWS rows of text above
 * the status line. */
#define TOUR_TEXT_ROWS 3

int app_body_rows(const app *a)
{
    return a->tour ? a->rows - 1 - TOUR_TEXT_ROWS : a->rows;
}

/* From as many schemes as the report (model/metric.h), one row per scheme
 * ranked by mse. */
int app_ranked(const app *a)
{
    return a->nschemes >= METRIC_RANKED_MIN;
}

int app_rug_rows(const app *a)
{
    return app_ranked(a) && a->nschemes > UI_RUG_ROWS ? UI_RUG_ROWS : a->nschemes;
}

/* ---- tensors ------------------------------------------------------------- */

static void find_other(app *a)
{
    a->other = -1;
    const char *name = app_item_name(a, a->cur);
    int f = a->s.items[a->cur].file;
    for (size_t i = 0; i < a->s.nitems; i++) {
        /* the next file after the current one, wrapping */
        if (a->s.items[i].file != f && strcmp(app_item_name(a, i), name) == 0) {
            if (a->other < 0 || (a->s.items[a->other].file < f && a->s.items[i].file > f))
                a->other = (long)i;
        }
    }
}

static void tensor_changed(app *a)
{
    find_other(a);
    size_t want[2] = { a->cur, a->other >= 0 ? (size_t)a->other : a->cur };
    int n = a->view == VIEW_COMPARE && a->other >= 0 ? 2 : 1;
    worker_evict(a->w, want, 2);
    worker_want(a->w, want, n);
    for (size_t k = 0; k < a->s.nitems; k++)
        if (a->order[k] == a->cur)
            a->list_sel = k;
}

/* ---- status line, help, too-small ---------------------------------------- */

static void draw_status(app *a)
{
    int y = a->rows - 1;
    int at = term_attr(R_STATUS);
    draw_fill(y, 0, a->cols, at);
    app_calc(a, &a->calc, a->cur);
    char ab[32], mb[32];
    double al = app_alpha(a);
    const ui_calc *c = &a->calc;
    double mse = c->valid && c->ok && c->res[a->focus].ok ? c->res[a->focus].r.mse : NAN;
    const char *sep = a->utf8 ? " \u2502 " : " | ";
    int failed = app_focus_failure(a) != NULL;
    if (isnan(al))
        snprintf(ab, sizeof ab, "%s", failed || (c->valid && c->ok && c->item == a->cur) ? "-" : "...");
    else
        snprintf(ab, sizeof ab, "%.4g", al);
    if (isnan(mse))  /* not computed yet, or none (values beyond what the scales hold) */
        snprintf(mb, sizeof mb, "%s", failed ? "-" : c->valid && c->ok ? (c->res[a->focus].ok ? "n/a" : "-") : "...");
    else
        snprintf(mb, sizeof mb, "%.4g", mse);
    int x = draw_textf(y, 0, a->cols, at | (int)A_BOLD, " %s", a->schemes[a->focus]);
    /* the granularity unless it is the default (one scale per tensor) */
    if (a->cfg.gran != GRAN_TENSOR)
        x += draw_textf(y, x, a->cols - x, at, "%s%s", sep, analyze_granularity_name(&a->cfg));
    x += draw_textf(y, x, a->cols - x, at, "%sbits %d%salpha%s %s%snorm %s%smse %s", sep, a->cfg.bits, sep,
                    a->cfg.gran == GRAN_TENSOR ? "" : " mean", ab, sep, a->cfg.normalize ? "on" : "off", sep, mb);
    const char *right = " ?:help q:quit ";
    int rw = (int)strlen(right);
    char extra[340] = "";
    double frac;
    const char *why = app_focus_failure(a);
    if (a->tour) {
        int n;
        teach_tour(&n);
        x += draw_textf(y, x, a->cols - x - rw, at, "%stour %d/%d", sep, a->tour_step + 1, n);
    }
    if (!app_prep(a, a->cur) && worker_get(a->w, a->cur, NULL, &frac, NULL, 0, NULL) == PS_RUNNING)
        snprintf(extra, sizeof extra, "preparing %.0f%%, not final", frac * 100);
    else if (a->msg[0])
        snprintf(extra, sizeof extra, "%s", a->msg);
    else if (why)
        snprintf(extra, sizeof extra, "%s", why);
    /* a message longer than the room left takes the help hint's place;
     * longer than that, it is written whole on the rows above, wrapped */
    if (extra[0] && x + text_width(sep) + text_width(extra) > a->cols - rw)
        rw = 0;
    if (extra[0] && x + text_width(sep) + text_width(extra) > a->cols && a->rows > 4) {
        int st[8], ln[8], n = layout_wrap(extra, a->cols - 2, st, ln, 4);
        for (int i = 0; i < n; i++) {
            char line[512];
            snprintf(line, sizeof line, "%.*s", ln[i], extra + st[i]);
            draw_fill(y - n + i, 0, a->cols, at);
            draw_text(y - n + i, 1, a->cols - 2, a->msg_err || why ? at | (int)A_BOLD : at, line);
        }
        extra[0] = '\0';
        rw = (int)strlen(right);
    }
    if (extra[0])
        x += draw_textf(y, x, a->cols - x - rw, a->msg_err || why ? at | (int)A_BOLD : at, "%s%s", sep, extra);
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

static int help_lines(int tw, help_line *out, int max)
{
    int n;
    const ui_key *k = keys_table(&n);
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

/* A box with a frame and a title. */
static void draw_box(app *a, int y0, int x0, int h, int w, const char *title)
{
    for (int r = 0; r < h; r++)
        draw_fill(y0 + r, x0, w, term_attr(R_NORMAL));
    const char *hz = a->utf8 ? "\u2500" : "-";
    for (int i = 0; i < w; i++) {
        draw_text(y0, x0 + i, 1, 0, hz);
        draw_text(y0 + h - 1, x0 + i, 1, 0, hz);
    }
    for (int r = 1; r < h - 1; r++) {
        draw_text(y0 + r, x0, 1, 0, a->utf8 ? "\u2502" : "|");
        draw_text(y0 + r, x0 + w - 1, 1, 0, a->utf8 ? "\u2502" : "|");
    }
    draw_text(y0, x0, 1, 0, a->utf8 ? "\u250c" : "+");
    draw_text(y0, x0 + w - 1, 1, 0, a->utf8 ? "\u2510" : "+");
    draw_text(y0 + h - 1, x0, 1, 0, a->utf8 ? "\u2514" : "+");
    draw_text(y0 + h - 1, x0 + w - 1, 1, 0, a->utf8 ? "\u2518" : "+");
    draw_text(y0, x0 + 2, w - 4, term_attr(R_TITLE), title);
}

static void draw_help(app *a)
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
    draw_box(a, y0, x0, h, w, " apotview keys ");
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


/* Draw s wrapped at width w from row y, at most maxrows rows; returns the
 * rows used. */
static int draw_wrapped(int y, int x, int w, int maxrows, int attr, const char *s)
{
    int st[32], ln[32];
    int n = layout_wrap(s, w, st, ln, maxrows < 32 ? maxrows : 32);
    for (int i = 0; i < n; i++) {
        char line[512];
        snprintf(line, sizeof line, "%.*s", ln[i], s + st[i]);
        draw_text(y + i, x, w, attr, line);
    }
    return n;
}

/* The x overlay: the focused scheme, its formula, what to notice. */
static void draw_explain(app *a)
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
    draw_box(a, y0, x0, h, w, title);
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
static void draw_info(app *a)
{
    const session_item *it = &a->s.items[a->cur];
    const loader_file *f = a->s.files[it->file];
    int w = a->cols - 4 < 100 ? a->cols - 4 : 100;
    const analyze_result *sr = app_stored_result(a, a->cur, app_prep(a, a->cur));
    int h = 4 + (int)f->nmeta + (f->nmeta == 0) + (sr ? 3 : 0);
    if (h > app_body_rows(a) - 1)
        h = app_body_rows(a) - 1;
    int y0 = (app_body_rows(a) - 1 - h) / 2, x0 = (a->cols - w) / 2;
    if (y0 < 0)
        y0 = 0;
    draw_box(a, y0, x0, h, w, " file info (i or Esc closes) ");
    int y = y0 + 1, last = y0 + h - 1;
    char eb[1024];
    if (y < last)
        draw_textf(y++, x0 + 2, w - 4, term_attr(R_TITLE), "%s", app_esc(eb, sizeof eb, f->path));
    if (y < last)
        draw_textf(y++, x0 + 2, w - 4, term_attr(R_DIM), "format %s, %zu tensors, %zu metadata entries",
                   f->fmt->name, f->ntensors, f->nmeta);
    if (sr && y + 1 < last) {
        /* the tensor's stored format and its parameters (quant/stored.h) */
        const loader_tensor *lt = &f->tensors[it->tensor];
        y += draw_wrapped(y, x0 + 2, w - 4, 2, A_BOLD, sr->stored_params ? sr->stored_params : lt->stored_type);
        if (y < last)
            draw_textf(y++, x0 + 2, w - 4, term_attr(R_DIM),
                       "stored: %.4g bpw, %llu groups, levels used %llu/%llu, %.3g per group, scale %.4g..%.4g",
                       sr->bpw, (unsigned long long)sr->nscales, (unsigned long long)sr->r.levels_used,
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
static void draw_tour(app *a)
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
    draw_wrapped(y0 + 1, 1, a->cols - 2, TOUR_TEXT_ROWS, 0, t->caption);
}

static int too_small(const app *a)
{
    return a->cols < LAYOUT_MIN_COLS || a->rows < layout_min_rows(app_rug_rows(a)) + (a->rows - app_body_rows(a));
}

static void draw_too_small(app *a)
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

/* ---- the views: one table ------------------------------------------------
 *
 * Each view is an entry {name, draw, action, click, idle, figure}: draw
 * paints the body, action gets the keys first (0: not its key), click a
 * mouse press, idle the deferred work after a redraw (1: something changed,
 * redraw), figure what e exports. The main view is the group view at a
 * group granularity (app_group_view). Overlays and the status line stay
 * in draw_all. */
typedef struct ui_view_def {
    const char *name;
    void (*draw)(app *a);
    int (*action)(app *a, ui_action act);
    int (*click)(app *a, int y, int x);
    int (*idle)(app *a);
    plot_figure figure;
} ui_view_def;

static int main_click(app *a, int y, int x)
{
    ui_layout L;
    if (layout_main(app_body_rows(a), a->cols, app_rug_rows(a), &L) == 0 && y >= L.rugs.y &&
        y < L.rugs.y + L.rugs.h && x < L.rugs.x + L.rugs.w && a->rug_first + y - L.rugs.y < a->nschemes) {
        a->focus = a->rug_first + y - L.rugs.y;
        return RD_VIEW;
    }
    return RD_NONE;
}

static int list_click(app *a, int y, int x)
{
    (void)x;
    return view_list_click(a, y);
}

/* every view: the optimal alphas and the gap after the redraw (the
 * keypress shows at once) */
static int calc_idle(app *a)
{
    int did = app_calc_opt(a, &a->calc);
    if (app_ranked(a) && a->calc.gap_pending && app_calc_gap(a, &a->calc, 1))
        did = 1;
    return did;
}

static int compare_idle(app *a)
{
    return calc_idle(a) | app_calc_opt(a, &a->calc_other);
}

static int channel_idle(app *a)
{
    return calc_idle(a) | app_chan(a, 1);
}

static int group_idle(app *a)
{
    return calc_idle(a) | app_group_poll(a);
}

static const ui_view_def views[] = {
    [VIEW_MAIN] = { "main", view_main_draw, view_explore_action, main_click, calc_idle, FIG_HISTOGRAM },
    [VIEW_CURVE] = { "curve", view_curve_draw, NULL, NULL, calc_idle, FIG_SWEEP },
    [VIEW_LIST] = { "list", view_list_draw, view_list_action, list_click, calc_idle, FIG_LAYERS },
    [VIEW_COMPARE] = { "compare", view_compare_draw, NULL, NULL, compare_idle, FIG_COMPARE },
    [VIEW_CHANNEL] = { "channels", view_channel_draw, NULL, NULL, channel_idle, FIG_CHANNELS },
    [VIEW_ERROR] = { "error", view_error_draw, NULL, NULL, calc_idle, FIG_HISTOGRAM },
    [VIEW_DECOMP] = { "decomposition", view_decomp_draw, view_decomp_action, NULL, calc_idle, FIG_HISTOGRAM },
    [VIEW_LOG2] = { "log2", view_log2_draw, NULL, NULL, calc_idle, FIG_HISTOGRAM },
};
static const ui_view_def group_view = { "group", view_group_draw, view_explore_action, NULL, group_idle,
                                        FIG_HISTOGRAM };

static const ui_view_def *cur_view(const app *a)
{
    if (a->view == VIEW_MAIN && app_group_view(a))
        return &group_view;
    return &views[a->view];
}

static void draw_all(app *a)
{
    /* read first: a tensor finished while drawing is redrawn next round */
    a->drawn_gen = worker_generation(a->w);
    getmaxyx(stdscr, a->rows, a->cols);
    erase();
    if (too_small(a))
        draw_too_small(a);
    else {
        cur_view(a)->draw(a);
        if (a->tour)
            draw_tour(a);
        if (a->explain)
            draw_explain(a);
        if (a->info)
            draw_info(a);
        if (a->help)
            draw_help(a);
    }
    if (a->rows >= 1)
        draw_status(a);
}

/* ---- prompt -------------------------------------------------------------- */

/* Read a line on the status row. Returns 1 with buf filled on Enter, 0 on
 * Esc (or a signal). */
static int prompt(app *a, const char *label, char *buf, size_t len)
{
    size_t n = strlen(buf);
    curs_set(1);
    timeout(-1);
    for (;;) {
        int y = a->rows - 1;
        draw_fill(y, 0, a->cols, 0);
        int x = draw_textf(y, 0, a->cols, A_BOLD, "%s", label);
        draw_text(y, x, a->cols - x - 1, 0, buf);
        move(y, x + text_width(buf) < a->cols ? x + text_width(buf) : a->cols - 1);
        refresh();
        int ch = getch();
        if (term_signalled() || ch == 27) {
            curs_set(0);
            return 0;
        }
        if (ch == KEY_RESIZE) {
            draw_all(a);
            continue;
        }
        if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
            curs_set(0);
            return 1;
        }
        if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && n > 0) {
            /* drop a whole UTF-8 character */
            do
                n--;
            while (n > 0 && ((unsigned char)buf[n] & 0xC0) == 0x80);
            buf[n] = '\0';
        } else if (ch == 21) { /* ^U */
            n = 0;
            buf[0] = '\0';
        } else if (ch >= 32 && ch < 256 && ch != 127 && n + 1 < len) {
            buf[n++] = (char)ch;
            buf[n] = '\0';
        }
    }
}

/* ---- export -------------------------------------------------------------- */

static int do_export(app *a)
{
    const prep *p = app_prep(a, a->cur);
    if (!p) {
        app_message(a, 1, "export: the tensor is still being prepared");
        return RD_STATUS;
    }
    /* figures drawn from the values in C order: the worker reads them
     * while the name is typed */
    if (a->view == VIEW_CHANNEL || (a->view == VIEW_MAIN && a->cfg.gran != GRAN_TENSOR)) {
        size_t it = a->cur;
        worker_want_raw(a->w, &it, 1);
    }
    char path[1024];
    snprintf(path, sizeof path, "%s-%s.pdf", app_item_name(a, a->cur),
             a->view == VIEW_CURVE ? "sweep" : a->view == VIEW_LIST ? "layers" : a->view == VIEW_CHANNEL ? "channels"
             : a->view == VIEW_COMPARE ? "compare" : "histogram");
    /* the suggested name from a tensor name: only letters, digits and
     * . _ + - (no quotes, backquotes, $, |, control characters), never
     * hidden; what the user types is taken as is (gnuplot gets it quoted) */
    for (char *q = path; *q; q++)
        if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') ||
              strchr("._+-", *q)) || (q == path && *q == '.'))
            *q = '_';
    if (!prompt(a, "export to (.pdf .png .svg .eps .tex .gp): ", path, sizeof path) || !path[0]) {
        app_message(a, 0, "export cancelled");
        return RD_VIEW;
    }
    int force = 0;
    struct stat sb;
    if (stat(path, &sb) == 0) {
        char yn[8] = "";
        if (!prompt(a, "the file exists; overwrite it? [y/N] ", yn, sizeof yn) || (yn[0] != 'y' && yn[0] != 'Y')) {
            app_message(a, 0, "export cancelled: %s kept", path);
            return RD_VIEW;
        }
        force = 1;
    }
    plot_spec s;
    memset(&s, 0, sizeof s);
    s.figure = cur_view(a)->figure;
    s.path = path;
    s.mono = term_mono();
    s.force = force;
    s.cfg = a->cfg;
    s.schemes = a->schemes;
    s.nschemes = a->nschemes;
    s.p = p;
    s.tensor_name = app_item_name(a, a->cur);
    s.file_name = app_item_file(a, a->cur);
    s.log_counts = a->logscale;
    /* channels: the focused scheme on channels of the first axis, as the
     * view; compare: the partner on the right; both need the values in C
     * order (element-wise difference only when the shapes match) */
    /* the group figure (a histogram at a group granularity) of the
     * focused scheme needs the values in C order too */
    int group_fig = s.figure == FIG_HISTOGRAM && a->cfg.gran != GRAN_TENSOR;
    if (s.figure == FIG_CHANNELS || s.figure == FIG_COMPARE || group_fig) {
        size_t it[2] = { a->cur, a->other >= 0 ? (size_t)a->other : a->cur };
        group_tensor *g[2] = { &s.raw, &s.raw2 };
        const loader_tensor *t0 = app_item_tensor(a, it[0]), *t1 = app_item_tensor(a, it[1]);
        int want = s.figure == FIG_CHANNELS || group_fig ? 1 : t0->ndim == t1->ndim && t0->count == t1->count ? 2 : 0;
        for (int k = 0; k < t0->ndim && want == 2; k++)
            want = t0->shape[k] == t1->shape[k] ? 2 : 0;
        if (s.figure == FIG_COMPARE && (a->other < 0 || !(s.p2 = app_prep(a, it[1])))) {
            app_message(a, 1, "export: %s",
                        a->other < 0 ? "no tensor to compare with" : "the right tensor is still being prepared");
            return RD_STATUS;
        }
        for (int k = 0; k < want; k++) {
            const loader_tensor *t = app_item_tensor(a, it[k]);
            worker_want_raw(a->w, it, want);
            if (worker_get_raw(a->w, it[k], &g[k]->vals, &g[k]->is_double, NULL, 0) != PS_DONE) {
                app_message(a, 1, "export: the values are still being read; try again");
                return RD_STATUS;
            }
            g[k]->ndim = t->ndim;
            g[k]->shape = t->shape;
            g[k]->count = t->count;
        }
        if (s.figure == FIG_CHANNELS) {
            s.schemes = &a->schemes[a->focus];
            s.nschemes = 1;
            s.cfg.axis = 0;
        } else if (group_fig) {
            s.schemes = &a->schemes[a->focus];
            s.nschemes = 1;
        } else {
            s.tensor_name2 = app_item_name(a, it[1]);
            s.file_name2 = app_item_file(a, it[1]);
        }
    }
    plot_layer *layers = NULL;
    if (s.figure == FIG_LAYERS) {
        /* every prepared tensor, all schemes at the current settings */
        layers = util_calloc(a->s.nitems, sizeof *layers);
        int nl = 0;
        for (size_t i = 0; i < a->s.nitems; i++) {
            const prep *q = app_prep(a, i);
            if (!q)
                continue;
            analyze_result r[UI_MAX_SCHEMES];
            util_err e = { { 0 } };
            if (q->st.n == 0 || analyze_tensor(q, &a->cfg, a->schemes, a->nschemes, 0, r, &e) < 0)
                continue;
            layers[nl].name = app_item_name(a, i);
            layers[nl].count = app_item_tensor(a, i)->count;
            for (int k = 0; k < a->nschemes; k++)
                layers[nl].mse[k] = r[k].ok ? r[k].r.mse : NAN;
            nl++;
        }
        s.layers = layers;
        s.nlayers = nl;
    }
    util_err err = { { 0 } };
    app_message(a, 0, "exporting %s ...", path);
    draw_status(a);
    refresh();
    if (plot_export(&s, &err) < 0)
        app_message(a, 1, "export failed: %s", err.msg);
    else
        app_message(a, 0, "wrote %s", path);
    free(layers);
    return RD_VIEW;
}

/* ---- actions ------------------------------------------------------------- */

/* G: tensor -> channel -> group:32 -> group:64 -> group:128 -> tensor; a
 * granularity from the command line outside the cycle (block:RxC,
 * group:256) goes on to tensor. */
static int gran_next(app *a)
{
    static const uint64_t groups[] = { 32, 64, 128 };
    analyze_cfg *c = &a->cfg;
    if (c->gran == GRAN_TENSOR)
        c->gran = GRAN_CHANNEL;
    else if (c->gran == GRAN_CHANNEL) {
        c->gran = GRAN_GROUP;
        c->group = groups[0];
    } else if (c->gran == GRAN_GROUP && (c->group == 32 || c->group == 64))
        c->group = c->group == 32 ? 64 : 128;
    else
        c->gran = GRAN_TENSOR;
    if (c->gran == GRAN_CHANNEL && c->axis != 0)
        c->axis = 0;
    const char *g = analyze_granularity_name(c);
    if (c->gran == GRAN_TENSOR)
        app_message(a, 0, "granularity tensor: one scale for the whole tensor");
    else if (c->gran == GRAN_CHANNEL)
        app_message(a, 0, "granularity %s: one scale per channel (rows of axis 0)", g);
    else {
        int sb = gq_scale_bits(c->sdtype);
        app_message(a, 0, "granularity %s: a %d-bit scale per %llu values (+%.3g bits per weight); x explains",
                    g, sb, (unsigned long long)c->group, (double)sb / (double)c->group);
    }
    return RD_VIEW | RD_CALC;
}

static int alpha_step(app *a, double frac)
{
    const prep *p = app_prep(a, a->cur);
    if (!p || p->st.n == 0) {
        app_message(a, 1, "alpha: %s", p ? "no finite values" : "the tensor is still being prepared");
        return RD_STATUS;
    }
    if (a->cfg.normalize && !eval_can_normalize(p)) {
        app_message(a, 1, "alpha: normalization is impossible for this tensor (press n)");
        return RD_STATUS;
    }
    double xm = eval_xabsmax(p, a->cfg.normalize);
    if (!(xm > 0))
        xm = 1;
    double cur = app_alpha(a);
    if (isnan(cur))
        cur = a->cfg.amode == ALPHA_VALUE ? a->cfg.alpha : xm;
    double na = cur + frac * xm;
    double lo = xm * 0.001, hi = xm * 2;
    if (na < lo)
        na = lo;
    if (na > hi)
        na = hi;
    if (na == cur && a->cfg.amode == ALPHA_VALUE) {
        app_message(a, 0, "alpha stays within [max|x|/1000, 2 max|x|]");
        return RD_STATUS;
    }
    a->cfg.amode = ALPHA_VALUE;
    a->cfg.alpha = na;
    a->msg[0] = '\0';
    return RD_VIEW | RD_CALC;
}

static int search(app *a)
{
    char buf[128] = "";
    if (!prompt(a, "find tensor: ", buf, sizeof buf))
        return RD_VIEW;
    if (buf[0])
        snprintf(a->search, sizeof a->search, "%s", buf);
    if (!a->search[0])
        return RD_VIEW;
    size_t n = a->s.nitems;
    for (size_t k = 1; k <= n; k++) {
        size_t i = (a->cur + k) % n;
        if (layout_name_matches(a->search, app_item_name(a, i))) {
            a->cur = i;
            char en[512];
            app_message(a, 0, "found %s (/ Enter: next match)", app_esc(en, sizeof en, app_item_name(a, i)));
            return RD_VIEW | RD_TENSOR | RD_CALC;
        }
    }
    app_message(a, 1, "no tensor matches '%s'", a->search);
    return RD_VIEW;
}

static int view_mask(const app *a)
{
    int t = a->tour ? KV_TOUR : 0;
    switch (a->view) {
    case VIEW_CURVE: return KV_CURVE | t;
    case VIEW_LIST: return KV_LIST | t;
    case VIEW_COMPARE: return KV_COMPARE | t;
    case VIEW_CHANNEL: return KV_CHANNEL | t;
    default: return KV_MAIN | t;
    }
}

/* The scheme list changed: every cached number is indexed by scheme. */
static void schemes_changed(app *a)
{
    a->calc.valid = 0;
    a->calc_other.valid = 0;
    a->chan.valid = 0;
    a->list_cfg.bits = -1;
    a->rug_first = 0;
}

/* Put the viewer in the state of the tour's current step. */
static int tour_apply(app *a)
{
    int n;
    const teach_step *t = &teach_tour(&n)[a->tour_step];
    a->nschemes = 0;
    for (int i = 0; i < TEACH_MAX_SCHEMES && t->schemes[i]; i++)
        a->schemes[a->nschemes++] = t->schemes[i];
    a->focus = 0;
    for (int i = 0; i < a->nschemes; i++)
        if (strcmp(a->schemes[i], t->focus) == 0)
            a->focus = i;
    schemes_changed(a);
    a->cfg.bits = t->bits;
    a->cfg.amode = t->alpha == TA_MSE ? ALPHA_MSE : ALPHA_MAX;
    a->cfg.normalize = t->normalize;
    const prep *p = app_prep(a, a->cur);
    if (a->cfg.normalize && p && !eval_can_normalize(p))
        a->cfg.normalize = 0;
    a->view = t->view == TV_CURVE ? VIEW_CURVE : VIEW_MAIN;
    a->help = a->explain = 0;
    a->msg[0] = '\0';
    return RD_VIEW | RD_CALC;
}

static int dispatch(app *a, ui_action act)
{
    const ui_view_def *v = cur_view(a);
    if (v->action) {
        int r = v->action(a, act);
        if (r)
            return r;
    }
    switch (act) {
    case ACT_NONE:
        return RD_NONE;
    case ACT_QUIT:
        if (a->help || a->explain || a->info) {
            a->help = a->explain = a->info = 0;
            return RD_VIEW;
        }
        return RD_QUIT;
    case ACT_HELP:
        a->help = !a->help;
        a->help_top = 0;
        return RD_VIEW;
    case ACT_CLOSE:
        if (a->help || a->explain || a->info)
            a->help = a->explain = a->info = 0;
        else
            a->view = VIEW_MAIN;
        return RD_VIEW;
    case ACT_EXPLAIN:
        a->explain = !a->explain;
        return RD_VIEW;
    case ACT_INFO:
        a->info = !a->info;
        return RD_VIEW;
    case ACT_CHANNELS:
        a->view = a->view == VIEW_CHANNEL ? VIEW_MAIN : VIEW_CHANNEL;
        return RD_VIEW;
    case ACT_ALPHA_FILE: {
        const session_item *it = &a->s.items[a->cur];
        char *nm = loader_sibling_alpha_name(a->s.files[it->file], it->tensor);
        double al = a->stored_alpha[a->cur];
        if (isnan(al)) {
            if (nm)
            {
                char en[256], es[256];
                app_message(a, 1, "no wgt_alpha beside %s (file lacks %s)",
                            app_esc(en, sizeof en, app_item_name(a, a->cur)), app_esc(es, sizeof es, nm));
            }
            else
                app_message(a, 1, "a: not a <layer>.weight tensor, no stored wgt_alpha");
            free(nm);
            return RD_STATUS;
        }
        const prep *p = app_prep(a, a->cur);
        if (p && !eval_can_normalize(p)) {
            app_message(a, 1, "a refused: the stored alpha needs normalization, impossible here (std 0)");
            free(nm);
            return RD_STATUS;
        }
        a->cfg.normalize = 1;
        a->cfg.amode = ALPHA_VALUE;
        a->cfg.alpha = al;
        app_message(a, 0, "stored wgt_alpha, as APoT code (%s)", nm ? nm : "?");
        free(nm);
        return RD_VIEW | RD_CALC;
    }
    case ACT_TOUR_NEXT:
    case ACT_TOUR_PREV: {
        int n;
        teach_tour(&n);
        int s = a->tour_step + (act == ACT_TOUR_NEXT ? 1 : -1);
        if (s < 0 || s >= n) {
            app_message(a, 0, s < 0 ? "this is the first step of the tour"
                                    : "the tour ends here: q quits; every key works (? lists them)");
            return RD_STATUS;
        }
        a->tour_step = s;
        return tour_apply(a);
    }
    case ACT_BITS_UP:
    case ACT_BITS_DOWN: {
        int b = a->cfg.bits + (act == ACT_BITS_UP ? 1 : -1);
        if (b < LEVELS_MIN_BITS || b > LEVELS_MAX_BITS) {
            app_message(a, 0, "bits stay within %d..%d", LEVELS_MIN_BITS, LEVELS_MAX_BITS);
            return RD_STATUS;
        }
        a->cfg.bits = b;
        a->msg[0] = '\0';
        return RD_VIEW | RD_CALC;
    }
    case ACT_ALPHA_UP: return alpha_step(a, 0.01);
    case ACT_ALPHA_DOWN: return alpha_step(a, -0.01);
    case ACT_ALPHA_UP_BIG: return alpha_step(a, 0.1);
    case ACT_ALPHA_DOWN_BIG: return alpha_step(a, -0.1);
    case ACT_GRAN:
        return gran_next(a);
    case ACT_ALPHA_OPT: {
        if (app_group_mode(a) && a->cfg.gran != GRAN_TENSOR) {
            app_message(a, 1, "o: at %s every group has its own alpha: O each at its MSE optimum, m each at its max|x|",
                        analyze_granularity_name(&a->cfg));
            return RD_STATUS;
        }
        app_calc(a, &a->calc, a->cur);
        app_calc_opt(a, &a->calc);
        if (!a->calc.valid || !a->calc.ok || !a->calc.opt_valid || isnan(a->calc.opt_alpha[a->focus])) {
            app_message(a, 1, "o: %s", a->calc.valid && !a->calc.ok ? a->calc.msg : "numbers not ready yet");
            return RD_STATUS;
        }
        a->cfg.amode = ALPHA_VALUE;
        a->cfg.alpha = a->calc.opt_alpha[a->focus];
        app_message(a, 0, "%s optimal", a->schemes[a->focus]);
        return RD_VIEW | RD_CALC;
    }
    case ACT_ALPHA_OPT_EACH:
        a->cfg.amode = ALPHA_MSE;
        app_message(a, 0, "each scheme at its own MSE-optimal alpha");
        return RD_VIEW | RD_CALC;
    case ACT_ALPHA_MAX:
        a->cfg.amode = ALPHA_MAX;
        app_message(a, 0, "alpha := max|x|");
        return RD_VIEW | RD_CALC;
    case ACT_NORMALIZE: {
        const prep *p = app_prep(a, a->cur);
        if (!a->cfg.normalize && p && !eval_can_normalize(p)) {
            app_message(a, 1, "n refused: %s", p->st.n < 2 ? "fewer than 2 values" : "constant tensor (std 0)");
            return RD_STATUS;
        }
        if (a->cfg.amode == ALPHA_VALUE && p && eval_can_normalize(p)) {
            a->cfg.alpha = a->cfg.normalize ? a->cfg.alpha * p->st.std : a->cfg.alpha / p->st.std;
        }
        a->cfg.normalize = !a->cfg.normalize;
        app_message(a, 0, "%s", a->cfg.normalize ? "x = (w - mean) / std"
                                                 : "x = w");
        return RD_VIEW | RD_CALC;
    }
    case ACT_SCHEME_NEXT:
        a->focus = (a->focus + 1) % a->nschemes;
        a->msg[0] = '\0';
        return RD_VIEW;
    case ACT_TENSOR_NEXT:
    case ACT_TENSOR_PREV:
        if (act == ACT_TENSOR_NEXT ? a->cur + 1 >= a->s.nitems : a->cur == 0) {
            app_message(a, 0, a->s.nitems == 1 ? "this file has one tensor" : "no more tensors this way");
            return RD_STATUS;
        }
        a->cur += act == ACT_TENSOR_NEXT ? 1 : (size_t)-1;
        a->msg[0] = '\0';
        return RD_VIEW | RD_TENSOR | RD_CALC;
    case ACT_SEARCH:
        return search(a);
    case ACT_LOG:
        a->logscale = !a->logscale;
        return RD_VIEW;
    case ACT_CURVE:
        a->view = a->view == VIEW_CURVE ? VIEW_MAIN : VIEW_CURVE;
        return RD_VIEW;
    case ACT_LIST:
        a->view = a->view == VIEW_LIST ? VIEW_MAIN : VIEW_LIST;
        if (a->view == VIEW_LIST)
            tensor_changed(a);
        return RD_VIEW;
    case ACT_COMPARE:
        if (a->view == VIEW_COMPARE) {
            a->view = VIEW_MAIN;
            return RD_VIEW;
        }
        a->view = VIEW_COMPARE;
        if (a->s.nfiles < 2)
            app_message(a, 1, "compare: open two files (apotview A B) to compare a tensor across them");
        return RD_VIEW | RD_TENSOR;
    case ACT_EXPORT:
        return do_export(a);
    case ACT_ERRHIST:
    case ACT_DECOMP:
    case ACT_LOG2: {
        ui_view nv = act == ACT_ERRHIST ? VIEW_ERROR : act == ACT_DECOMP ? VIEW_DECOMP : VIEW_LOG2;
        a->view = a->view == nv ? VIEW_MAIN : nv;
        return RD_VIEW;
    }
    case ACT_TYPE: {
        char buf[128] = "";
        if (!prompt(a, ":", buf, sizeof buf) || !buf[0])
            return RD_VIEW;
        return ui_cmd_type(a, buf) | RD_VIEW;
    }
    case ACT_COPY:
        return ui_cmd_copy(a);
    case ACT_REDRAW:
        clearok(curscr, TRUE);
        return RD_VIEW;
    case ACT_SORT:
    case ACT_SELECT:
    case ACT_ZOOM_IN: /* view_explore_action, in the main view */
    case ACT_ZOOM_OUT:
    case ACT_CUR_LEFT:
    case ACT_CUR_RIGHT:
    case ACT_CUR_LEFT10:
    case ACT_CUR_RIGHT10:
    case ACT__COUNT:
        break;
    }
    return RD_NONE;
}

static int handle_mouse(app *a)
{
    MEVENT ev;
    if (getmouse(&ev) != OK)
        return RD_NONE;
    if (ev.bstate & BUTTON4_PRESSED)
        return alpha_step(a, 0.01);
    if (ev.bstate & BUTTON5_PRESSED)
        return alpha_step(a, -0.01);
    if (!(ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)) || a->help)
        return RD_NONE;
    const ui_view_def *v = cur_view(a);
    return v->click ? v->click(a, ev.y, ev.x) : RD_NONE;
}

/* Handle one key code; returns RD_* flags. */
static int handle_key(app *a, int ch)
{
    if (ch == KEY_RESIZE)
        return RD_VIEW;
    if (ch == KEY_MOUSE)
        return handle_mouse(a);
    if (a->help) {
        if (ch == 'j' || ch == KEY_DOWN) {
            a->help_top++;
            return RD_VIEW;
        }
        if (ch == 'k' || ch == KEY_UP) {
            if (a->help_top > 0)
                a->help_top--;
            return RD_VIEW;
        }
    }
    ui_action act = keys_lookup(ch, view_mask(a));
    if (act == ACT_NONE) {
        if (ch >= 32 && ch < 127) {
            app_message(a, 0, "'%c' does nothing here; ? lists the keys", ch);
            return RD_STATUS;
        }
        return RD_NONE;
    }
    if (a->help && act != ACT_QUIT && act != ACT_HELP && act != ACT_CLOSE)
        a->help = 0;
    if (a->info && act != ACT_QUIT && act != ACT_INFO && act != ACT_CLOSE)
        a->info = 0;
    if (a->explain && act != ACT_QUIT && act != ACT_EXPLAIN && act != ACT_CLOSE && act != ACT_SCHEME_NEXT &&
        act != ACT_TOUR_NEXT && act != ACT_TOUR_PREV)
        a->explain = 0;
    return dispatch(a, act);
}

static void apply(app *a, int fl)
{
    if (fl & RD_TENSOR)
        tensor_changed(a);
    if (fl & RD_VIEW)
        draw_all(a);
    else if (fl & RD_STATUS)
        draw_status(a);
    if (fl & (RD_VIEW | RD_STATUS))
        refresh();
}

/* ---- setup ----------------------------------------------------------------- */

static int app_open(app *a, const cli_opts *o)
{
    memset(a, 0, sizeof *a);
    a->o = o;
    a->cfg = o->cfg;
    a->cfg.no_gap = 1;
    a->nschemes = o->nschemes < UI_MAX_SCHEMES ? o->nschemes : UI_MAX_SCHEMES;
    for (int i = 0; i < a->nschemes; i++)
        a->schemes[i] = o->schemes[i];
    if (a->nschemes == 0) {
        static const char *const def[] = { "uniform", "pot", "apot" };
        a->nschemes = 3;
        for (int i = 0; i < 3; i++)
            a->schemes[i] = def[i];
    }
    for (int i = 0; i < a->nschemes; i++)
        if (!levels_find(a->schemes[i])) {
            fprintf(stderr, "apotview: unknown scheme '%s'\n", a->schemes[i]);
            return 2;
        }
    a->focus = a->nschemes - 1; /* apot when shown, else the last one named */
    for (int i = 0; i < a->nschemes; i++)
        if (strcmp(a->schemes[i], "apot") == 0)
            a->focus = i;
    a->other = -1;
    if (session_open(&a->s, o, 0) < 0)
        return 1;
    if (a->s.nitems == 0) {
        fprintf(stderr, "apotview: no tensor to show\n");
        session_close(&a->s);
        return 1;
    }
    /* quantized tensors: their stored grid is one more scheme (stored.h) */
    if (stored_run_any(&a->s))
        stored_run_add(a->schemes, &a->nschemes, UI_MAX_SCHEMES);
    size_t n = a->s.nitems;
    a->order = util_mallocarray(n, sizeof *a->order);
    for (size_t i = 0; i < n; i++)
        a->order[i] = i;
    a->list_mse = util_mallocarray(n, sizeof *a->list_mse);
    a->list_done = util_calloc(n, 1);
    for (size_t i = 0; i < n; i++)
        a->list_mse[i] = NAN;
    a->list_cfg.bits = -1;
    a->stored_alpha = util_mallocarray(n, sizeof *a->stored_alpha);
    for (size_t i = 0; i < n; i++) {
        const session_item *it = &a->s.items[i];
        double al;
        a->stored_alpha[i] = loader_sibling_alpha(a->s.files[it->file], it->tensor, &al) == 0 && al > 0 &&
                                     isfinite(al) ? al : NAN;
    }
    a->w = worker_start(&a->s, CACHE_BUDGET);
    if (!a->w) {
        fprintf(stderr, "apotview: cannot start a thread\n");
        session_close(&a->s);
        return 1;
    }
    if (o->tour) {
        a->tour = 1;
        a->tour_step = 0;
        tour_apply(a);
    }
    if (a->s.failed)
        app_message(a, 1, "some files could not be opened (messages on the terminal after quitting)");
    else if (o->nschemes > UI_MAX_SCHEMES)
        app_message(a, 1, "showing the first %d of %d schemes (the viewer's limit)", UI_MAX_SCHEMES, o->nschemes);
    return 0;
}

static void app_close(app *a)
{
    if (worker_stop(a->w, 0.05) < 0)
        return; /* the worker is inside a read: leave everything to exit() */
    a->w = NULL;
    session_close(&a->s);
    free(a->order);
    free(a->list_mse);
    free(a->list_done);
    free(a->stored_alpha);
    app_chan_free(a);
    app_group_free(a);
}

static void init_keys(void)
{
    ui_keycodes kc = { KEY_LEFT, KEY_RIGHT, KEY_UP, KEY_DOWN, KEY_ENTER, 27, KEY_RESIZE, 12, 3,
                       KEY_PPAGE, KEY_NPAGE, KEY_HOME, KEY_END };
    keys_init(&kc);
}

/* ---- benchmark --------------------------------------------------------------- */

static int cmp_d(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static int bench(app *a, const char *keys)
{
    const char *rep = getenv("APOTVIEW_BENCH_REPEAT");
    int R = rep ? atoi(rep) : 20;
    if (R < 1)
        R = 1;
    double t0 = util_now();
    size_t want = a->cur;
    worker_want(a->w, &want, 1);
    double secs = 0;
    for (;;) {
        prep_state st = worker_get(a->w, a->cur, NULL, NULL, NULL, 0, &secs);
        if (st == PS_DONE || st == PS_FAILED)
            break;
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
    double wall = util_now() - t0;
    double tc = util_now();
    draw_all(a);
    refresh();
    double first = util_now() - tc;
    const loader_tensor *t = app_item_tensor(a, a->cur);
    size_t nk = strlen(keys);
    double *dt = util_mallocarray(nk * (size_t)R, sizeof *dt);
    double *dopt = util_mallocarray(nk * (size_t)R, sizeof *dopt);
    size_t m = 0, mo = 0;
    if (app_calc_opt(a, &a->calc))
        apply(a, RD_VIEW);
    for (int r = 0; r < R; r++)
        for (size_t i = 0; i < nk; i++) {
            double k0 = util_now();
            int fl = handle_key(a, (unsigned char)keys[i]);
            if (fl & RD_QUIT)
                continue;
            apply(a, fl);
            dt[m++] = util_now() - k0;
            double o0 = util_now();
            if (app_calc_opt(a, &a->calc)) {
                apply(a, RD_VIEW);
                dopt[mo++] = util_now() - o0;
            }
        }
    term_end();
    qsort(dt, m, sizeof *dt, cmp_d);
    char en[512];
    printf("tensor %s: %llu elements\n", app_esc(en, sizeof en, t->name), (unsigned long long)t->count);
    printf("preparation: %.3f s (worker), %.3f s wall\n", secs, wall);
    printf("first full draw with all numbers (includes each scheme's optimal alpha): %.2f ms\n", first * 1e3);
    if (m)
        printf("keypress to finished redraw over %zu keys '%s' x %d, %dx%d screen: median %.3f ms, p90 %.3f ms, max %.3f ms\n",
               m, keys, R, a->cols, a->rows, dt[m / 2] * 1e3, dt[m * 9 / 10] * 1e3, dt[m - 1] * 1e3);
    qsort(dopt, mo, sizeof *dopt, cmp_d);
    if (mo)
        printf("after %zu of those keys (new bits/normalization), each scheme's optimal alpha follows in a second redraw: median %.1f ms, max %.1f ms\n",
               mo, dopt[mo / 2] * 1e3, dopt[mo - 1] * 1e3);
    free(dopt);
    printf("status: %s bits %d alpha %.6g norm %s mse %.6g\n", a->schemes[a->focus], a->cfg.bits, app_alpha(a),
           a->cfg.normalize ? "on" : "off", a->calc.valid && a->calc.ok ? a->calc.res[a->focus].r.mse : NAN);
    free(dt);
    return 0;
}

/* ---- main loop ----------------------------------------------------------------- */

int ui_run(const cli_opts *o)
{
    app *a = &A;
    const char *tn = getenv("TERM");
    if (!getenv("APOTVIEW_BENCH_KEYS") &&
        (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO) || !tn || !*tn || strcmp(tn, "dumb") == 0)) {
        fprintf(stderr, "apotview: the viewer needs a terminal (not TERM=dumb) on standard input and output; "
                        "use --report for numbers\n");
        return 2;
    }
    int r = app_open(a, o);
    if (r)
        return r;
    init_keys();
    const char *bkeys = getenv("APOTVIEW_BENCH_KEYS");
    char err[256];
    int rows = 30, cols = 100;
    if (bkeys) {
        const char *sz = getenv("APOTVIEW_BENCH_SIZE");
        if (sz && sscanf(sz, "%dx%d", &cols, &rows) != 2) {
            cols = 100;
            rows = 30;
        }
    }
    if (term_init(bkeys != NULL, rows, cols, err, sizeof err) < 0) {
        fprintf(stderr, "apotview: %s\n", err);
        app_close(a);
        return 1;
    }
    a->utf8 = term_utf8();
    getmaxyx(stdscr, a->rows, a->cols);
    if (bkeys) {
        bench(a, bkeys);
        app_close(a);
        return 0;
    }
    tensor_changed(a);
    draw_all(a);
    refresh();
    if (app_calc_opt(a, &a->calc))
        apply(a, RD_VIEW);
    int status = 0;
    for (;;) {
        int busy = worker_busy(a->w) || (a->view == VIEW_LIST && a->list_more);
        timeout(busy ? 100 : 500);
        int ch = getch();
        int sig = term_signalled();
        if (sig) {
            status = 128 + sig;
            break;
        }
        int fl;
        if (ch == ERR)
            fl = worker_generation(a->w) != a->drawn_gen || busy ? RD_VIEW : RD_NONE; else if (ch == 3) {
            break;
        } else
            fl = handle_key(a, ch);
        if (fl & RD_QUIT)
            break;
        apply(a, fl);
        /* the view's deferred work after the redraw: the keypress shows at once */
        if (cur_view(a)->idle(a))
            apply(a, RD_VIEW);
    }
    term_end();
    if (a->s.failed && status == 0)
        status = 1;
    app_close(a);
    return status;
}
