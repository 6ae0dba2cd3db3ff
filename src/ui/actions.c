/*
 * actions.c - the common actions of the key table (keys.h): what a key
 * does when the current view's own action did not take it. Each returns
 * RD_* flags; ui.c redraws and recomputes accordingly.
 */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/eval.h"
#include "quant/gq.h"
#include "quant/levels.h"
#include "ui/app.h"
#include "ui/teach.h"
#include "ui/term.h"

/* ---- tensors ------------------------------------------------------------- */

/* The items of file f. */
static size_t file_items(const app *a, int f, size_t *last)
{
    size_t n = 0;
    for (size_t i = 0; i < a->s.nitems; i++)
        if (a->s.items[i].file == f) {
            n++;
            *last = i;
        }
    return n;
}

/* The compare partner of the current tensor: its pair (ORIGINAL
 * QUANTIZED), else the tensor of the same name in the next file, else,
 * when this file holds one tensor, the one tensor of the next such file
 * whatever its name. */
static void find_other(app *a)
{
    a->other = -1;
    if (a->pairs && a->pair_of[a->cur] >= 0) {
        for (size_t i = 0; i < a->s.nitems; i++)
            if (i != a->cur && a->pair_of[i] == a->pair_of[a->cur] && a->s.items[i].file != a->s.items[a->cur].file)
                a->other = (long)i;
        if (a->other >= 0)
            return;
    }
    const char *name = app_item_name(a, a->cur);
    int f = a->s.items[a->cur].file;
    for (size_t i = 0; i < a->s.nitems; i++) {
        /* the next file after the current one, wrapping */
        if (a->s.items[i].file != f && strcmp(app_item_name(a, i), name) == 0) {
            if (a->other < 0 || (a->s.items[a->other].file < f && a->s.items[i].file > f))
                a->other = (long)i;
        }
    }
    size_t last = 0;
    if (a->other >= 0 || file_items(a, f, &last) != 1)
        return;
    for (int k = 1; k < a->s.nfiles; k++) {
        int g = (f + k) % a->s.nfiles;
        if (file_items(a, g, &last) == 1) {
            a->other = (long)last;
            return;
        }
    }
}

void app_tensor_changed(app *a)
{
    find_other(a);
    size_t want[2] = { a->cur, a->other >= 0 ? (size_t)a->other : a->cur };
    int n = a->view == VIEW_COMPARE && a->other >= 0 ? 2 : 1;
    worker_evict(a->w, want, 2);
    worker_want(a->w, want, n);
    view_list_follow(a);
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

int app_alpha_step(app *a, double frac)
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
    ui_alpha *sa = &a->salpha[a->focus];
    double cur = app_alpha(a);
    if (isnan(cur))
        cur = sa->mode == ALPHA_VALUE ? uim_alpha_on(sa, a->cur, a->cfg.normalize, xm) : xm;
    if (isnan(cur))
        cur = xm;
    double na = cur + frac * xm;
    double lo = xm * 0.001, hi = xm * 2;
    if (na < lo)
        na = lo;
    if (na > hi)
        na = hi;
    if (na == cur && sa->mode == ALPHA_VALUE) {
        app_message(a, 0, "alpha stays within [max|x|/1000, 2 max|x|]");
        return RD_STATUS;
    }
    /* the focused scheme only; kept as a fraction of max|x| for the next
     * tensor */
    uim_alpha_fix(sa, na, a->cur, a->cfg.normalize, xm);
    app_alpha_sync(a);
    a->msg[0] = '\0';
    return RD_VIEW | RD_CALC;
}

static int search(app *a)
{
    char buf[128] = "";
    if (!app_prompt(a, "find tensor: ", buf, sizeof buf))
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

/* Put the viewer in the state of the tour's current step. */
int app_tour_apply(app *a)
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
    app_caches_reset(a);
    a->cfg.bits = t->bits;
    a->cfg.normalize = t->normalize;
    app_alpha_all(a, t->alpha == TA_MSE ? ALPHA_MSE : ALPHA_MAX, 0);
    const prep *p = app_prep(a, a->cur);
    if (a->cfg.normalize && p && !eval_can_normalize(p))
        a->cfg.normalize = 0;
    a->view = t->view == TV_CURVE ? VIEW_CURVE : VIEW_MAIN;
    a->overlay = OV_NONE;
    a->msg[0] = '\0';
    return RD_VIEW | RD_CALC;
}

/* a (ACT_ALPHA_FILE): the alpha an APoT checkpoint stores beside the weight */
static int alpha_file(app *a)
{
    const session_item *it = &a->s.items[a->cur];
    char *nm = loader_sibling_alpha_name(a->s.files[it->file], it->tensor);
    double al = a->stored_alpha[a->cur];
    if (isnan(al)) {
        if (nm) {
            char en[256], es[256];
            app_message(a, 1, "no wgt_alpha beside %s (file lacks %s)",
                        app_esc(en, sizeof en, app_item_name(a, a->cur)), app_esc(es, sizeof es, nm));
        } else
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
    ui_alpha *sa = &a->salpha[a->focus];
    if (p && p->st.n)
        uim_alpha_fix(sa, al, a->cur, 1, eval_xabsmax(p, 1));
    else {
        sa->mode = ALPHA_VALUE;
        sa->val = al;
        sa->frac = NAN;
        sa->item = a->cur;
        sa->norm = 1;
    }
    app_alpha_sync(a);
    app_message(a, 0, "stored wgt_alpha, as APoT code (%s)", nm ? nm : "?");
    free(nm);
    return RD_VIEW | RD_CALC;
}

static int tour_step(app *a, int dir)
{
    int n;
    teach_tour(&n);
    int s = a->tour_step + dir;
    if (s < 0 || s >= n) {
        app_message(a, 0, s < 0 ? "this is the first step of the tour"
                                : "the tour ends here: q quits; every key works (? lists them)");
        return RD_STATUS;
    }
    a->tour_step = s;
    return app_tour_apply(a);
}

static int bits_step(app *a, int dir)
{
    int b = a->cfg.bits + dir;
    if (b < LEVELS_MIN_BITS || b > LEVELS_MAX_BITS) {
        app_message(a, 0, "bits stay within %d..%d", LEVELS_MIN_BITS, LEVELS_MAX_BITS);
        return RD_STATUS;
    }
    a->cfg.bits = b;
    a->msg[0] = '\0';
    return RD_VIEW | RD_CALC;
}

static int alpha_opt(app *a)
{
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
    /* the focused scheme at its own optimum, on every tensor */
    a->salpha[a->focus].mode = ALPHA_MSE;
    app_alpha_sync(a);
    app_message(a, 0, "%s at its own MSE optimum (every tensor)", a->schemes[a->focus]);
    return RD_VIEW | RD_CALC;
}

static int normalize_toggle(app *a)
{
    const prep *p = app_prep(a, a->cur);
    if (!a->cfg.normalize && p && !eval_can_normalize(p)) {
        app_message(a, 1, "n refused: %s", p->st.n < 2 ? "fewer than 2 values" : "constant tensor (std 0)");
        return RD_STATUS;
    }
    /* a fixed alpha keeps its fraction of max|x| (app_scheme_cfg) */
    a->cfg.normalize = !a->cfg.normalize;
    app_alpha_sync(a);
    app_message(a, 0, "%s", a->cfg.normalize ? "x = (w - mean) / std" : "x = w");
    return RD_VIEW | RD_CALC;
}

/* The quantizer settings' keys; -1: not one of them. */
static int settings_action(app *a, ui_action act)
{
    switch (act) {
    case ACT_ALPHA_FILE: return alpha_file(a);
    case ACT_BITS_UP: return bits_step(a, 1);
    case ACT_BITS_DOWN: return bits_step(a, -1);
    case ACT_ALPHA_UP: return app_alpha_step(a, 0.01);
    case ACT_ALPHA_DOWN: return app_alpha_step(a, -0.01);
    case ACT_ALPHA_UP_BIG: return app_alpha_step(a, 0.1);
    case ACT_ALPHA_DOWN_BIG: return app_alpha_step(a, -0.1);
    case ACT_GRAN: return gran_next(a);
    case ACT_ALPHA_OPT: return alpha_opt(a);
    case ACT_ALPHA_OPT_EACH:
        app_alpha_all(a, ALPHA_MSE, 0);
        app_message(a, 0, "each scheme at its own MSE-optimal alpha");
        return RD_VIEW | RD_CALC;
    case ACT_ALPHA_MAX:
        a->salpha[a->focus].mode = ALPHA_MAX;
        app_alpha_sync(a);
        app_message(a, 0, "%s: alpha := max|x|", a->schemes[a->focus]);
        return RD_VIEW | RD_CALC;
    case ACT_NORMALIZE: return normalize_toggle(a);
    case ACT_SCHEME_NEXT:
        a->focus = (a->focus + 1) % a->nschemes;
        app_alpha_sync(a);
        a->msg[0] = '\0';
        return RD_VIEW;
    default: return -1;
    }
}

/* Views and overlays opened and closed; -1: not one of them. */
static int view_switch(app *a, ui_action act)
{
    switch (act) {
    case ACT_QUIT:
        if (a->overlay) {
            a->overlay = OV_NONE;
            return RD_VIEW;
        }
        return RD_QUIT;
    case ACT_HELP:
        a->overlay = a->overlay == OV_HELP ? OV_NONE : OV_HELP;
        a->help_top = 0;
        return RD_VIEW;
    case ACT_CLOSE:
        if (a->overlay)
            a->overlay = OV_NONE;
        else
            a->view = VIEW_MAIN;
        return RD_VIEW;
    case ACT_EXPLAIN:
        a->overlay = a->overlay == OV_EXPLAIN ? OV_NONE : OV_EXPLAIN;
        return RD_VIEW;
    case ACT_INFO:
        a->overlay = a->overlay == OV_INFO ? OV_NONE : OV_INFO;
        return RD_VIEW;
    case ACT_CHANNELS: {
        if (a->view == VIEW_CHANNEL) {
            a->view = VIEW_MAIN;
            a->chan.drill = 0;
            worker_want_raw(a->w, NULL, 0); /* the values in C order: not needed any more */
            return RD_VIEW;
        }
        const loader_tensor *t = app_item_tensor(a, a->cur);
        if (t->ndim < 2) {
            /* each value a channel would be millions of rows: refused */
            app_message(a, 1, "p refused: a %d-D tensor (%llu values) has no channels",
                        t->ndim, (unsigned long long)t->count);
            return RD_STATUS;
        }
        a->view = VIEW_CHANNEL;
        return RD_VIEW;
    }
    case ACT_CURVE:
        a->view = a->view == VIEW_CURVE ? VIEW_MAIN : VIEW_CURVE;
        return RD_VIEW;
    case ACT_LIST:
        a->view = a->view == VIEW_LIST ? VIEW_MAIN : VIEW_LIST;
        if (a->view == VIEW_LIST)
            app_tensor_changed(a);
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
    default: return -1;
    }
}

int app_dispatch(app *a, ui_action act)
{
    const ui_view *v = app_cur_view(a);
    if (v->action) {
        int r = v->action(a, act);
        if (r)
            return r;
    }
    int r = settings_action(a, act);
    if (r < 0)
        r = view_switch(a, act);
    if (r >= 0)
        return r;
    switch (act) {
    case ACT_TOUR_NEXT: return tour_step(a, 1);
    case ACT_TOUR_PREV: return tour_step(a, -1);
    case ACT_TENSOR_NEXT:
    case ACT_TENSOR_PREV:
        if (act == ACT_TENSOR_NEXT ? a->cur + 1 >= a->s.nitems : a->cur == 0) {
            app_message(a, 0, a->s.nitems == 1 ? "this file has one tensor" : "no more tensors this way");
            return RD_STATUS;
        }
        a->cur += act == ACT_TENSOR_NEXT ? 1 : (size_t)-1;
        a->msg[0] = '\0';
        return RD_VIEW | RD_TENSOR | RD_CALC;
    case ACT_SEARCH: return search(a);
    case ACT_LOG:
        a->logscale = !a->logscale;
        return RD_VIEW;
    case ACT_EXPORT: return app_export(a);
    case ACT_ERRHIST:
    case ACT_DECOMP:
    case ACT_LOG2: {
        ui_view_id nv = act == ACT_ERRHIST ? VIEW_ERROR : act == ACT_DECOMP ? VIEW_DECOMP : VIEW_LOG2;
        a->view = a->view == nv ? VIEW_MAIN : nv;
        return RD_VIEW;
    }
    case ACT_TYPE: {
        char buf[128] = "";
        if (!app_prompt(a, ":", buf, sizeof buf) || !buf[0])
            return RD_VIEW;
        return ui_cmd_type(a, buf) | RD_VIEW;
    }
    case ACT_COPY:
        return ui_cmd_copy(a);
    case ACT_REDRAW:
        clearok(curscr, TRUE);
        return RD_VIEW;
    default: /* the views' own keys (view actions) */
        return RD_NONE;
    }
}
