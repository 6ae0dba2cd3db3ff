/*
 * view_list.c - the tensor list: name, shape, count and the focused
 * scheme's mse at the current settings, sortable by name, size or error.
 *
 * The error column comes from tensors the worker has prepared (it prepares
 * the others in the background while memory allows); the numbers are
 * computed incrementally, a few milliseconds per redraw, so moving through
 * a long list stays instant. a->order holds item indices in display order.
 */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/eval.h"
#include "ui/app.h"
#include "ui/term.h"

static const char *sort_name(ui_sort s)
{
    return s == SORT_FILE ? "file order" : s == SORT_NAME ? "name" : s == SORT_SIZE ? "size" : "error";
}

static int same_cfg(const analyze_cfg *x, const analyze_cfg *y)
{
    return x->bits == y->bits && x->is_signed == y->is_signed && x->normalize == y->normalize &&
           x->amode == y->amode && (x->amode == ALPHA_MSE || x->amode == ALPHA_MAX || x->alpha == y->alpha) &&
           x->lprm.apot_k == y->lprm.apot_k;
}

void view_list_numbers(app *a)
{
    size_t n = a->s.nitems;
    if (!same_cfg(&a->list_cfg, &a->cfg) || a->list_focus != a->focus) {
        for (size_t i = 0; i < n; i++) {
            a->list_done[i] = 0;
            a->list_mse[i] = NAN;
        }
        a->list_cfg = a->cfg;
        a->list_focus = a->focus;
    }
    double t0 = util_now();
    a->list_more = 0;
    for (size_t i = 0; i < n; i++) {
        if (a->list_done[i])
            continue;
        const prep *p = app_prep(a, i);
        if (!p) {
            if (worker_get(a->w, i, NULL, NULL, NULL, 0, NULL) == PS_FAILED)
                a->list_done[i] = 1;
            else
                a->list_more = 1;
            continue;
        }
        if (util_now() - t0 > 0.03) {
            a->list_more = 1;
            break;
        }
        a->list_done[i] = 1;
        if (p->st.n == 0 || (a->cfg.normalize && !eval_can_normalize(p)))
            continue;
        analyze_result r;
        util_err e = { { 0 } };
        const char *sch[1] = { a->schemes[a->focus] };
        /* one scale per tensor (the header says so at a group granularity:
         * per-group numbers are computed for the tensor shown) */
        analyze_cfg cfg = a->cfg;
        cfg.gran = GRAN_TENSOR;
        if (analyze_tensor(p, &cfg, sch, 1, 0, &r, &e) == 0 && r.ok)
            a->list_mse[i] = r.r.mse;
    }
}

static app *sort_app;

static int cmp_items(const void *pa, const void *pb)
{
    size_t i = *(const size_t *)pa, j = *(const size_t *)pb;
    app *a = sort_app;
    switch (a->sort) {
    case SORT_SIZE: {
        uint64_t ci = app_item_tensor(a, i)->count, cj = app_item_tensor(a, j)->count;
        if (ci != cj)
            return ci > cj ? -1 : 1;
        break;
    }
    case SORT_ERROR: {
        double ei = a->list_mse[i], ej = a->list_mse[j];
        int ni = isnan(ei), nj = isnan(ej);
        if (ni != nj)
            return ni - nj;
        if (!ni && ei != ej)
            return ei > ej ? -1 : 1;
        break;
    }
    case SORT_FILE:
        break;
    case SORT_NAME: {
        int c = strcmp(app_item_name(a, i), app_item_name(a, j));
        if (c)
            return c;
        break;
    }
    }
    return i < j ? -1 : i > j;
}

void view_list_sort(app *a)
{
    size_t n = a->s.nitems;
    size_t keep = a->order[a->list_sel];
    sort_app = a;
    qsort(a->order, n, sizeof *a->order, cmp_items);
    for (size_t k = 0; k < n; k++)
        if (a->order[k] == keep)
            a->list_sel = k;
}

void view_list_draw(app *a)
{
    view_list_numbers(a);
    size_t n = a->s.nitems;
    draw_fill(0, 0, a->cols, term_attr(R_HEADER));
    draw_textf(0, 0, a->cols, term_attr(R_HEADER),
               "%zu tensors, sorted by %s   S: sort  Enter: show  j/k: move  /: find  t: back%s", n,
               sort_name(a->sort), a->cfg.gran != GRAN_TENSOR ? "   mse: one scale per tensor" : "");
    int wname = a->cols - 2 - 28 - 9 - 12 - 2;
    if (wname < 10)
        wname = 10;
    int xs = 2 + wname + 1, xc = xs + 28, xm = xc + 10;
    draw_text(1, 2, wname, term_attr(R_DIM), "name");
    draw_text(1, xs, 27, term_attr(R_DIM), "dtype shape");
    draw_textf(1, xc, 9, term_attr(R_DIM), "%9s", "count");
    draw_textf(1, xm, 12, term_attr(R_DIM) | term_scheme_attr(a->focus), "%11s", a->schemes[a->focus]);
    int rows = app_body_rows(a) - 3;
    if (rows < 1)
        return;
    if (a->list_sel < a->list_top)
        a->list_top = a->list_sel;
    if (a->list_sel >= a->list_top + (size_t)rows)
        a->list_top = a->list_sel - (size_t)rows + 1;
    a->list_y0 = 2;
    a->list_rows = rows;
    for (int r = 0; r < rows; r++) {
        size_t k = a->list_top + (size_t)r;
        if (k >= n)
            break;
        size_t it = a->order[k];
        const loader_tensor *t = app_item_tensor(a, it);
        int attr = k == a->list_sel ? term_attr(R_SELECT) : 0;
        int y = 2 + r;
        if (attr)
            draw_fill(y, 0, a->cols, attr);
        draw_text(y, 0, 2, attr, it == a->cur ? ">" : " ");
        char name[1024], en[512], eb[256];
        app_esc(en, sizeof en, t->name);
        if (a->s.nfiles > 1) {
            const char *f = app_item_file(a, it);
            const char *b = strrchr(f, '/');
            snprintf(name, sizeof name, "%s:%s", app_esc(eb, sizeof eb, b ? b + 1 : f), en);
        } else
            snprintf(name, sizeof name, "%s", en);
        draw_text(y, 2, wname, attr, name);
        char shape[128];
        session_shape_str(t, shape, sizeof shape);
        draw_textf(y, xs, 27, attr, "%s %s", loader_dtype_name(t), shape);
        char cb[32];
        if (t->count < 100000)
            snprintf(cb, sizeof cb, "%llu", (unsigned long long)t->count);
        else
            util_fmt_si(cb, sizeof cb, (double)t->count, 3);
        draw_textf(y, xc, 9, attr, "%9s", cb);
        double frac;
        prep_state ps = worker_get(a->w, it, NULL, &frac, NULL, 0, NULL);
        char mb[32];
        if (!isnan(a->list_mse[it]))
            draw_textf(y, xm, 12, attr, "%11s", layout_fmt_num(mb, sizeof mb, a->list_mse[it], 4, 11));
        else if (ps == PS_RUNNING)
            draw_textf(y, xm, 12, attr | term_attr(R_DIM), "%10.0f%%", frac * 100);
        else if (ps == PS_FAILED)
            draw_textf(y, xm, 12, attr | term_attr(R_ERROR), "%11s", "error");
        else
            draw_textf(y, xm, 12, attr | term_attr(R_DIM), "%11s", a->list_done[it] ? "-" : "...");
    }
}

int view_list_action(app *a, ui_action act)
{
    size_t n = a->s.nitems;
    switch (act) {
    case ACT_TENSOR_NEXT:
        if (a->list_sel + 1 < n)
            a->list_sel++;
        a->cur = a->order[a->list_sel];
        return RD_VIEW | RD_TENSOR | RD_CALC;
    case ACT_TENSOR_PREV:
        if (a->list_sel > 0)
            a->list_sel--;
        a->cur = a->order[a->list_sel];
        return RD_VIEW | RD_TENSOR | RD_CALC;
    case ACT_SORT:
        a->sort = (ui_sort)((a->sort + 1) % 4);
        view_list_numbers(a);
        view_list_sort(a);
        app_message(a, 0, "sorted by %s%s", sort_name(a->sort),
                    a->sort == SORT_ERROR && a->list_more ? " (some numbers still coming)" : "");
        return RD_VIEW;
    case ACT_SELECT:
        a->cur = a->order[a->list_sel];
        a->view = VIEW_MAIN;
        return RD_VIEW | RD_TENSOR | RD_CALC;
    default:
        return RD_NONE;
    }
}

int view_list_click(app *a, int y)
{
    if (y < a->list_y0 || y >= a->list_y0 + a->list_rows)
        return RD_NONE;
    size_t k = a->list_top + (size_t)(y - a->list_y0);
    if (k >= a->s.nitems)
        return RD_NONE;
    a->list_sel = k;
    a->cur = a->order[k];
    return RD_VIEW | RD_TENSOR | RD_CALC;
}

int view_list_idle(app *a)
{
    if (!a->list_more)
        return 0;
    view_list_numbers(a);
    return IDLE_REDRAW | (a->list_more ? IDLE_MORE : 0);
}
