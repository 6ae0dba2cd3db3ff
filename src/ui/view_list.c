/*
 * view_list.c - the tensor list (key t): one row per tensor with its
 * count and, for every shown scheme, the SQNR in dB and the relative mse
 * (mse / mean(x^2)); sorted by any column (S: the next one, R: reversed;
 * SQNR lowest first, so the damaged layers come first whatever their
 * scale), narrowed by a filter (/, as the user types), paged with
 * PgUp/PgDn/Home/End and scrolled by the mouse wheel.
 *
 * The numbers: each tensor at each scheme's own alpha (app_scheme_cfg:
 * its MSE optimum on that tensor unless the user fixed an alpha, then the
 * same fraction of that tensor's max|x|), one scale per tensor, computed
 * by the list's idle a few milliseconds at a time for the tensors the
 * worker has prepared (it prepares the others in the background), so
 * moving through a long list stays instant. The SQNR comes from the
 * metric table (model/metric.h), as --report prints it.
 */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/numfmt.h"
#include "model/metric.h"
#include "quant/eval.h"
#include "ui/app.h"
#include "ui/term.h"

#define LIST_HEAD_ROWS 3     /* title, scheme names, column names */

void view_list_init(app *a)
{
    ui_list *l = &a->list;
    size_t n = a->s.nitems;
    memset(l, 0, sizeof *l);
    l->base = util_mallocarray(n, sizeof *l->base);
    l->order = util_mallocarray(n, sizeof *l->order);
    l->shown = util_mallocarray(n, sizeof *l->shown);
    l->sqnr = util_mallocarray(n * UI_MAX_SCHEMES, sizeof *l->sqnr);
    l->rel = util_mallocarray(n * UI_MAX_SCHEMES, sizeof *l->rel);
    l->done = util_calloc(n, 1);
    l->skey = util_mallocarray(n, sizeof *l->skey);
    l->names = util_mallocarray(n, sizeof *l->names);
    for (size_t i = 0; i < n; i++) {
        l->base[i] = l->order[i] = l->shown[i] = i;
        l->names[i] = app_item_name(a, i);
    }
    for (size_t i = 0; i < n * UI_MAX_SCHEMES; i++)
        l->sqnr[i] = l->rel[i] = NAN;
    l->nbase = l->nshown = n;
    l->nschemes = -1;
}

static void list_resort(app *a);

void view_list_pairs(app *a)
{
    ui_list *l = &a->list;
    l->nbase = 0;
    /* every tensor of the original: those without a pair (unmatched, or
     * one expert of a stacked GGUF tensor) last, with "-" */
    for (size_t i = 0; i < a->s.nitems; i++)
        if (a->s.items[i].file == 0)
            l->base[l->nbase++] = i;
    l->pairs = 1;
    l->col = UIM_COL_PAIR_SQNR;
    list_resort(a);
    l->sel = l->top = 0;
    /* the most damaged pair first, and the view opens on it */
    if (l->nshown)
        a->cur = l->shown[0];
}

static const model_pair *item_pair(const app *a, size_t it)
{
    return a->pairs && a->pair_of[it] >= 0 ? &a->pairs->p[a->pair_of[it]] : NULL;
}

static const model_plan_row *item_plan(const app *a, size_t it)
{
    return a->plan && a->plan_of[it] >= 0 ? &a->plan->rows[a->plan_of[it]] : NULL;
}

/* the plan's list: its tensors (in file order), the largest mse first;
 * the columns and sort keys of the pairs (PAIR_SQNR: bpw, PAIR_MSE: mse) */
void view_list_plan(app *a)
{
    ui_list *l = &a->list;
    l->nbase = 0;
    for (size_t i = 0; i < a->s.nitems; i++)
        if (item_plan(a, i))
            l->base[l->nbase++] = i;
    l->pairs = 1;
    l->col = UIM_COL_PAIR_MSE;
    list_resort(a);
    l->sel = l->top = 0;
    if (l->nshown)
        a->cur = l->shown[0];
    a->view = VIEW_LIST; /* the plan opens as its list */
}

void view_list_plan_apply(app *a)
{
    const model_plan_row *r = item_plan(a, a->cur);
    if (!r) {
        app_message(a, 0, "%s: not planned (kept as stored); shown as the previous tensor's choice",
                    app_item_name(a, a->cur));
        return;
    }
    a->schemes[0] = r->scheme;
    a->nschemes = 1;
    a->focus = 0;
    a->cfg.bits = r->bits;
    a->cfg.gran = r->group ? GRAN_GROUP : GRAN_TENSOR;
    a->cfg.group = r->group;
    app_caches_reset(a);
    app_message(a, 0, "plan: %s %d-bit %s, %.4g bpw, mse %.4g", r->scheme, r->bits, r->granularity, r->bpw, r->mse);
}

void view_list_free(app *a)
{
    ui_list *l = &a->list;
    free(l->base);
    free(l->order);
    free(l->shown);
    free(l->sqnr);
    free(l->rel);
    free(l->done);
    free(l->skey);
    free(l->names);
    memset(l, 0, sizeof *l);
}

static int same_key(const app *a)
{
    const ui_list *l = &a->list;
    const analyze_cfg *x = &l->cfg, *y = &a->cfg;
    if (l->nschemes != a->nschemes || x->bits != y->bits || x->is_signed != y->is_signed ||
        x->normalize != y->normalize || x->lprm.apot_k != y->lprm.apot_k)
        return 0;
    for (int i = 0; i < a->nschemes; i++) {
        const ui_alpha *p = &l->salpha[i], *q = &a->salpha[i];
        if (p->mode != q->mode || (p->mode == ALPHA_VALUE && (p->frac != q->frac || p->val != q->val ||
                                                              p->item != q->item || p->norm != q->norm)))
            return 0;
    }
    return 1;
}

/* One item's numbers: every scheme at its own alpha, one scale per tensor. */
static void item_numbers(app *a, size_t it, const prep *p)
{
    ui_list *l = &a->list;
    if (p->st.n == 0 || (a->cfg.normalize && !eval_can_normalize(p)))
        return;
    for (int i = 0; i < a->nschemes; i++) {
        analyze_cfg cfg;
        app_scheme_cfg(a, i, it, p, &cfg);
        cfg.gran = GRAN_TENSOR;
        analyze_result r;
        util_err e = { { 0 } };
        if (analyze_tensor(p, &cfg, &a->schemes[i], 1, 0, &r, &e) == 0 && r.ok) {
            double q = metric_table[M_SQNR].get(&r);
            l->sqnr[it * UI_MAX_SCHEMES + (size_t)i] = q;
            l->rel[it * UI_MAX_SCHEMES + (size_t)i] = isnan(q) ? NAN : pow(10, -q / 10);
        }
    }
}

/* Compute numbers for prepared items for at most budget seconds; returns
 * 1 when some were computed. */
static int list_numbers(app *a, double budget)
{
    ui_list *l = &a->list;
    size_t n = a->s.nitems;
    if (a->plan) { /* the plan's columns only */
        l->more = 0;
        return 0;
    }
    if (!same_key(a)) {
        memset(l->done, 0, n);
        for (size_t i = 0; i < n * UI_MAX_SCHEMES; i++)
            l->sqnr[i] = l->rel[i] = NAN;
        l->cfg = a->cfg;
        memcpy(l->salpha, a->salpha, sizeof l->salpha);
        l->nschemes = a->nschemes;
        l->more = 1;
    }
    double t0 = util_now();
    int did = 0;
    l->more = 0;
    /* the rows on screen first, then the rest in list order */
    for (int pass = 0; pass < 2; pass++)
        for (size_t k = pass ? 0 : l->top; k < (pass ? l->nshown : l->top + (size_t)(l->rows > 0 ? l->rows : 0)) &&
                                            k < l->nshown; k++) {
            size_t it = l->shown[k];
            if (l->done[it])
                continue;
            const prep *p = app_prep(a, it);
            if (!p) {
                if (worker_get(a->w, it, NULL, NULL, NULL, 0, NULL) == PS_FAILED)
                    l->done[it] = 1;
                else
                    l->more = 1;
                continue;
            }
            if (util_now() - t0 > budget) {
                l->more = 1;
                return did;
            }
            l->done[it] = 1;
            item_numbers(a, it, p);
            did = 1;
        }
    return did;
}

static void sort_name(const app *a, int col, char *buf, size_t len)
{
    int rel, s = uim_col_scheme(col, &rel);
    if (a->plan && (col == UIM_COL_PAIR_SQNR || col == UIM_COL_PAIR_MSE))
        snprintf(buf, len, "%s", col == UIM_COL_PAIR_SQNR ? "the plan's bpw" : "the plan's mse");
    else if (s < 0)
        snprintf(buf, len, "%s", col == UIM_COL_FILE ? "file order" : col == UIM_COL_NAME ? "name"
                                 : col == UIM_COL_PAIR_SQNR ? "the pair's SQNR (lowest first)"
                                 : col == UIM_COL_PAIR_MSE ? "the pair's mse" : "count");
    else
        snprintf(buf, len, "%s %s", a->schemes[s], rel ? "relative mse" : "SQNR (lowest first)");
}

/* Sort the list's items by the column, then apply the filter; the
 * selection stays on its item (keep_row: on its row, as numbers come in). */
static void list_resort_keep(app *a, int keep_row)
{
    ui_list *l = &a->list;
    size_t n = l->nbase;
    size_t row = l->sel;
    size_t keep = l->nshown ? l->shown[l->sel < l->nshown ? l->sel : 0] : a->cur;
    int desc = uim_col_desc(l->col) ^ l->rev;
    int rel, s = uim_col_scheme(l->col, &rel);
    memcpy(l->order, l->base, n * sizeof *l->order);
    if (l->col == UIM_COL_NAME)
        uim_sort_str(l->order, n, l->names, desc);
    else {
        for (size_t k = 0; k < n; k++) {
            size_t i = l->base[k];
            const model_pair *mp = item_pair(a, i);
            const model_plan_row *pr = item_plan(a, i);
            l->skey[i] = l->col == UIM_COL_FILE ? (double)i
                         : pr && l->col == UIM_COL_PAIR_SQNR ? pr->bpw
                         : pr && l->col == UIM_COL_PAIR_MSE ? pr->mse
                         : l->col == UIM_COL_COUNT ? (double)app_item_tensor(a, i)->count
                         : l->col == UIM_COL_PAIR_SQNR ? (mp ? mp->sqnr_db : NAN)
                         : l->col == UIM_COL_PAIR_MSE ? (mp ? mp->mse : NAN)
                         : s < a->nschemes ? (rel ? l->rel : l->sqnr)[i * UI_MAX_SCHEMES + (size_t)s] : NAN;
        }
        uim_sort_num(l->order, n, l->skey, desc);
    }
    l->nshown = uim_filter(l->order, n, l->filter, l->names, l->shown);
    l->sel = 0;
    if (keep_row)
        l->sel = row < l->nshown ? row : l->nshown ? l->nshown - 1 : 0;
    else
        for (size_t k = 0; k < l->nshown; k++)
            if (l->shown[k] == keep)
                l->sel = k;
}

static void list_resort(app *a)
{
    list_resort_keep(a, 0);
}

void view_list_follow(app *a)
{
    ui_list *l = &a->list;
    for (size_t k = 0; k < l->nshown; k++)
        if (l->shown[k] == a->cur)
            l->sel = k;
}

int view_list_idle(app *a)
{
    int did = list_numbers(a, 0.03);
    /* a sort by numbers follows them in */
    if (did && uim_col_scheme(a->list.col, NULL) >= 0)
        list_resort_keep(a, 1);
    return (did ? IDLE_REDRAW : 0) | (a->list.more ? IDLE_MORE : 0);
}

/* ---- drawing ---------------------------------------------------------------- */

/* Column layout for the width: which parts are shown. */
typedef struct list_cols {
    int shape, count;      /* dtype+shape, count columns shown */
    int rel_all;           /* relative mse for every scheme (else the focused one's only) */
    int sqnr_all;          /* SQNR for every scheme (else the focused one's only) */
    int wname;
} list_cols;

enum { W_SHAPE = 24, W_COUNT = 8, W_SQNR = 7, W_REL = 8, W_NAME_MIN = 12, W_PAIR = 7 + 9 + 8,
       W_PLAN = 9 + 3 + 1 + 10 + 7 + 10 };

/* A scheme's columns: its SQNR (sq) and relative mse (re), widened on
 * the left (*pad columns) to hold its name whole above them. */
static int scheme_w(const app *a, int i, int sq, int re, int *pad)
{
    int w = (sq ? W_SQNR : 0) + (re ? W_REL : 0), nw = w ? text_width(a->schemes[i]) + 1 : 0;
    if (pad)
        *pad = nw > w ? nw - w : 0;
    return nw > w ? nw : w;
}

/* The first layout, richest first, that leaves the name at least need
 * columns (1), else the last one tried (0); c->wname the name's width. */
static int list_fit(const app *a, list_cols *c, int need)
{
    static const int pref[][4] = { { 1, 1, 1, 1 }, { 0, 1, 1, 1 }, { 0, 0, 1, 1 }, { 0, 0, 0, 1 }, { 0, 0, 0, 0 } };
    int ns = a->nschemes, wp = a->plan ? W_PLAN + 1 - (W_SQNR + W_REL) : a->list.pairs ? W_PAIR + 1 : 0;
    for (size_t k = 0; k < sizeof pref / sizeof pref[0]; k++) {
        c->shape = pref[k][0];
        c->count = pref[k][1];
        c->rel_all = pref[k][2];
        c->sqnr_all = pref[k][3];
        int w = 2 + (c->shape ? W_SHAPE + 1 : 0) + (c->count ? W_COUNT + 1 : 0) + wp;
        if (a->plan)
            w += W_SQNR + W_REL;
        else
            for (int i = 0; i < ns; i++)
                w += scheme_w(a, i, c->sqnr_all || i == a->focus, c->rel_all || i == a->focus, NULL);
        c->wname = a->cols - w - 1;
        if (c->wname >= need)
            return 1;
    }
    return 0;
}

static void list_layout(const app *a, list_cols *c)
{
    /* the names as wide as they are (up to 40) before any number column
     * goes; then at least W_NAME_MIN */
    int longest = W_NAME_MIN;
    for (size_t k = 0; k < a->list.nbase; k++) {
        int w = (int)strlen(a->list.names[a->list.base[k]]) + (a->s.nfiles > 1 && !a->list.pairs ? 12 : 0);
        longest = w > longest ? w : longest;
    }
    int want = longest < 40 ? longest : 40;
    if (!list_fit(a, c, want))
        list_fit(a, c, W_NAME_MIN);
    if (c->wname < 4)
        c->wname = 4;
}

static void draw_num(int y, int x, int w, int attr, double v, int dec)
{
    char b[NUMFMT_MAX + 1];
    if (isnan(v))
        snprintf(b, sizeof b, "-");
    else if (dec)
        numfmt_fit(b, sizeof b, v, w - 1, 3, NUMFMT_PLAIN);
    else
        numfmt_fit(b, sizeof b, v, w - 1, 3, NUMFMT_ANY);
    draw_textf(y, x, w, attr, "%*s", w, b);
}

static void draw_head(app *a, const list_cols *c)
{
    ui_list *l = &a->list;
    char sb[128];
    sort_name(a, l->col, sb, sizeof sb);
    draw_fill(0, 0, a->cols, term_attr(R_HEADER));
    int x = 0;
    size_t npairs = 0;
    for (size_t k = 0; l->pairs && k < l->nbase; k++)
        npairs += item_pair(a, l->base[k]) != NULL;
    char what[160];
    if (a->plan)
        snprintf(what, sizeof what, "tensors planned, %.4g bpw (budget %g), mse %.4g", a->plan->bpw,
                 a->plan->target_bpw, a->plan->mse);
    else if (l->pairs)
        snprintf(what, sizeof what, "tensors, %zu paired", npairs);
    else
        snprintf(what, sizeof what, "%s", l->nbase == 1 ? "tensor" : "tensors");
    /* the count first ("N of M tensors match" under a filter), then each
     * further part only where it fits whole: the sort, its notes, the keys */
    char part[400];
    if (l->filter[0])
        snprintf(part, sizeof part, "%zu of %zu tensors match '%s'", l->nshown, l->nbase, l->filter);
    else
        snprintf(part, sizeof part, "%zu %s", l->nbase, what);
    x += draw_textf(0, 0, a->cols, term_attr(R_HEADER), "%s", part);
    const char *parts[] = { ", sorted by ", l->rev ? ", reversed" : "",
                            a->cfg.gran != GRAN_TENSOR && !a->plan ? ", one scale per tensor" : "",
                            l->more && !a->plan ? " (numbers coming)" : "" };
    for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++) {
        snprintf(part, sizeof part, "%s%s", parts[k], k == 0 ? sb : "");
        char *paren = k == 0 ? strstr(part, " (lowest first)") : NULL;
        if (paren && x + text_width(part) > a->cols)
            *paren = '\0'; /* the sort without its note where it does not fit */
        if (!part[0] || x + text_width(part) > a->cols)
            break; /* the notes after the sort mean nothing without it */
        x += draw_textf(0, x, a->cols - x, term_attr(R_HEADER), "%s", part);
    }
    static const char *const hints[] = { "   S sort", "  R reverse", "  / filter", "  Enter show", "  t back" };
    for (size_t k = 0; k < sizeof hints / sizeof hints[0] && x + text_width(hints[k]) <= a->cols; k++)
        x += draw_textf(0, x, a->cols - x, term_attr(R_HEADER) | term_attr(R_DIM), "%s", hints[k]);
    int xs = 2 + c->wname + 1;
    draw_text(2, 2, c->wname, term_attr(R_DIM), "name");
    if (c->shape) {
        draw_text(2, xs, W_SHAPE, term_attr(R_DIM), "dtype shape");
        xs += W_SHAPE + 1;
    }
    if (c->count) {
        draw_textf(2, xs, W_COUNT, term_attr(R_DIM), "%*s", W_COUNT, "count");
        xs += W_COUNT + 1;
    }
    if (a->plan) {
        draw_textf(1, xs, W_PLAN, A_BOLD, "%*s", W_PLAN, "plan");
        draw_textf(2, xs, W_PLAN, term_attr(R_DIM), "%-9s%3s %-10s%7s%10s", "scheme", "b", "gran", "bpw", "mse");
        return;
    }
    if (l->pairs) {
        draw_textf(1, xs, W_PAIR, A_BOLD, "%*s", W_PAIR, "quantized file");
        draw_textf(2, xs, W_PAIR, term_attr(R_DIM), "%7s%9s%8s", "dB", "mse", "stored");
        xs += W_PAIR + 1;
    }
    /* each scheme's name right-aligned over its columns, which are wide
     * enough for it (scheme_w): "uniform" over a 7-column dB, never "unifor" */
    for (int i = 0; i < a->nschemes; i++) {
        int sq = c->sqnr_all || i == a->focus, re = c->rel_all || i == a->focus, pad;
        int w = scheme_w(a, i, sq, re, &pad);
        if (!w)
            continue;
        draw_textf(1, xs, w, term_scheme_attr(i) | (i == a->focus ? (int)A_BOLD : 0), "%*s", w, a->schemes[i]);
        xs += pad;
        w -= pad;
        if (sq)
            draw_textf(2, xs, W_SQNR, term_attr(R_DIM), "%*s", W_SQNR, "dB");
        if (re)
            draw_textf(2, xs + (sq ? W_SQNR : 0), W_REL, term_attr(R_DIM), "%*s", W_REL, "rel mse");
        xs += w;
    }
}

static void draw_row(app *a, const list_cols *c, size_t k, int y)
{
    ui_list *l = &a->list;
    size_t it = l->shown[k];
    const loader_tensor *t = app_item_tensor(a, it);
    int attr = k == l->sel ? term_attr(R_SELECT) : 0;
    if (attr)
        draw_fill(y, 0, a->cols, attr);
    draw_text(y, 0, 2, attr, it == a->cur ? ">" : " ");
    char name[1024], en[512], eb[256];
    app_esc(en, sizeof en, t->name);
    if (a->s.nfiles > 1 && !l->pairs) {
        const char *f = app_item_file(a, it);
        const char *b = strrchr(f, '/');
        snprintf(name, sizeof name, "%s:%s", app_esc(eb, sizeof eb, b ? b + 1 : f), en);
    } else
        snprintf(name, sizeof name, "%s", en);
    draw_text(y, 2, c->wname, attr, name);
    int xs = 2 + c->wname + 1;
    if (c->shape) {
        char shape[128];
        session_shape_str(t, shape, sizeof shape);
        draw_textf(y, xs, W_SHAPE, attr, "%s %s", loader_dtype_name(t), shape);
        xs += W_SHAPE + 1;
    }
    if (c->count) {
        draw_num(y, xs, W_COUNT, attr, (double)t->count, 0);
        xs += W_COUNT + 1;
    }
    const model_plan_row *pr = item_plan(a, it);
    if (pr) {
        draw_textf(y, xs, 9, attr | (int)A_BOLD, "%-9.9s", pr->scheme);
        draw_textf(y, xs + 9, 3, attr, "%3d", pr->bits);
        draw_textf(y, xs + 13, 10, attr, "%-10.10s", pr->granularity);
        draw_textf(y, xs + 23, 7, attr, "%7.4g", pr->bpw);
        draw_textf(y, xs + 30, 10, attr, "%10.4g", pr->mse);
        return;
    }
    const model_pair *mp = item_pair(a, it);
    if (l->pairs && !mp)
        draw_textf(y, xs, W_PAIR, attr | term_attr(R_DIM), "%*s", W_PAIR, "no pair");
    else if (l->pairs && mp && mp->error)
        draw_textf(y, xs, W_PAIR, attr | term_attr(R_ERROR), "%*s", W_PAIR, "error (Enter)");
    else if (l->pairs && mp) {
        draw_num(y, xs, 7, attr | (int)A_BOLD, mp->sqnr_db, 1);
        draw_num(y, xs + 7, 9, attr, mp->mse, 0);
        char db[16];
        snprintf(db, sizeof db, "%.7s", mp->right_dtype ? mp->right_dtype : "?");
        draw_textf(y, xs + 16, 8, attr, "%8s", db);
    }
    if (l->pairs)
        xs += W_PAIR + 1;
    double frac;
    prep_state ps = worker_get(a->w, it, NULL, &frac, NULL, 0, NULL);
    for (int i = 0; i < a->nschemes; i++) {
        int sq = c->sqnr_all || i == a->focus, re = c->rel_all || i == a->focus;
        size_t ix = it * UI_MAX_SCHEMES + (size_t)i;
        int pad;
        scheme_w(a, i, sq, re, &pad);
        xs += pad;
        if (sq || re) {
            if (!l->done[it] || ps == PS_FAILED) {
                int w = (sq ? W_SQNR : 0) + (re ? W_REL : 0);
                if (ps == PS_RUNNING)
                    draw_textf(y, xs, w, attr | term_attr(R_DIM), "%*.0f%%", w - 1, frac * 100);
                else
                    draw_textf(y, xs, w, attr | term_attr(ps == PS_FAILED ? R_ERROR : R_DIM), "%*s", w,
                               ps == PS_FAILED ? "error" : "...");
                xs += w;
                continue;
            }
        }
        if (sq) {
            draw_num(y, xs, W_SQNR, attr | term_scheme_attr(i), l->sqnr[ix], 1);
            xs += W_SQNR;
        }
        if (re) {
            draw_num(y, xs, W_REL, attr, l->rel[ix], 0);
            xs += W_REL;
        }
    }
}

void view_list_draw(app *a)
{
    ui_list *l = &a->list;
    if (!same_key(a))
        list_numbers(a, 0); /* drops the old numbers: "..." until the idle fills them */
    list_cols c;
    list_layout(a, &c);
    draw_head(a, &c);
    int rows = app_body_rows(a) - 1 - LIST_HEAD_ROWS;
    if (rows < 1)
        return;
    if (l->sel >= l->nshown)
        l->sel = l->nshown ? l->nshown - 1 : 0;
    if (l->sel < l->top)
        l->top = l->sel;
    if (l->sel >= l->top + (size_t)rows)
        l->top = l->sel - (size_t)rows + 1;
    if (l->top + (size_t)rows > l->nshown)
        l->top = l->nshown > (size_t)rows ? l->nshown - (size_t)rows : 0;
    l->y0 = LIST_HEAD_ROWS;
    l->rows = rows;
    if (l->nshown == 0)
        draw_textf(LIST_HEAD_ROWS, 2, a->cols - 4, term_attr(R_DIM), "no tensor matches '%s' (/ Esc: show all)",
                   l->filter);
    for (int r = 0; r < rows && l->top + (size_t)r < l->nshown; r++)
        draw_row(a, &c, l->top + (size_t)r, LIST_HEAD_ROWS + r);
}

/* ---- keys ------------------------------------------------------------------- */

static void filter_changed(app *a, const char *buf)
{
    snprintf(a->list.filter, sizeof a->list.filter, "%s", buf);
    list_resort(a);
}

/* The filter: the list narrowed as the user types; Enter keeps it, Esc
 * (or an empty filter) shows every tensor again. */
static int list_filter(app *a)
{
    ui_list *l = &a->list;
    char buf[sizeof l->filter];
    snprintf(buf, sizeof buf, "%s", l->filter);
    if (!app_prompt_cb(a, "filter (substring or glob; Enter keeps, Esc clears): ", buf, sizeof buf, filter_changed))
        l->filter[0] = '\0';
    list_resort(a);
    if (l->filter[0])
        app_message(a, 0, "%zu of %zu match '%s'", l->nshown, l->nbase, l->filter);
    else
        app_message(a, 0, "all %zu shown", l->nbase);
    return RD_VIEW;
}

static int list_move(app *a, long d)
{
    ui_list *l = &a->list;
    if (l->nshown == 0)
        return RD_STATUS;
    long s = (long)l->sel + d;
    if (s < 0)
        s = 0;
    if (s >= (long)l->nshown)
        s = (long)l->nshown - 1;
    l->sel = (size_t)s;
    a->cur = l->shown[l->sel];
    return RD_VIEW | RD_TENSOR | RD_CALC;
}

int view_list_action(app *a, ui_action act)
{
    ui_list *l = &a->list;
    long page = l->rows > 1 ? l->rows - 1 : 1;
    switch (act) {
    case ACT_TENSOR_NEXT: return list_move(a, 1);
    case ACT_TENSOR_PREV: return list_move(a, -1);
    case ACT_PAGE_DOWN: return list_move(a, page);
    case ACT_PAGE_UP: return list_move(a, -page);
    case ACT_HOME: return list_move(a, -(long)l->nshown);
    case ACT_END: return list_move(a, (long)l->nshown);
    case ACT_WHEEL_DOWN: return list_move(a, 3);
    case ACT_WHEEL_UP: return list_move(a, -3);
    case ACT_SORT:
    case ACT_SORT_REV:
        if (act == ACT_SORT) {
            l->col = uim_col_next(l->col, a->nschemes, l->pairs);
            if (a->plan && l->col >= UIM_COL_SCHEME0) /* a plan: its own columns only */
                l->col = UIM_COL_FILE;
            l->rev = 0;
        } else
            l->rev = !l->rev;
        list_numbers(a, 0.05);
        list_resort(a);
        /* the top of the new order: the most damaged first */
        l->sel = l->top = 0;
        a->msg[0] = '\0'; /* the title says it */
        return RD_VIEW;
    case ACT_SEARCH: return list_filter(a);
    case ACT_SELECT:
        if (l->nshown == 0)
            return RD_STATUS;
        a->cur = l->shown[l->sel];
        a->view = VIEW_MAIN;
        if (item_pair(a, a->cur) && item_pair(a, a->cur)->error)
            app_message(a, 1, "%s", item_pair(a, a->cur)->error);
        return RD_VIEW | RD_TENSOR | RD_CALC;
    default: return RD_NONE;
    }
}

int view_list_click(app *a, int y, int x)
{
    ui_list *l = &a->list;
    (void)x;
    if (y < l->y0 || y >= l->y0 + l->rows)
        return RD_NONE;
    size_t k = l->top + (size_t)(y - l->y0);
    if (k >= l->nshown)
        return RD_NONE;
    l->sel = k;
    a->cur = l->shown[k];
    return RD_VIEW | RD_TENSOR | RD_CALC;
}
