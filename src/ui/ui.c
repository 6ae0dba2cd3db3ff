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

/* ---- the views: one table ------------------------------------------------
 *
 * Each view is a struct ui_view {name, draw, action, click, idle, figure}
 * (app.h). The main view is the group view at a group granularity
 * (app_group_view). Overlays are views too (help, explain, info: their
 * draw over the current view's, their action first); the tour's caption
 * and the status line are drawn by app_draw_all. */
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

/* every view: the optimal alphas and the gap after the redraw (the
 * keypress shows at once) */
static int calc_idle(app *a)
{
    int did = app_calc_opt(a, &a->calc);
    if (app_ranked(a) && a->calc.gap_pending && app_calc_gap(a, &a->calc, 1))
        did = 1;
    return did ? IDLE_REDRAW : 0;
}

static int compare_idle(app *a)
{
    return calc_idle(a) | (app_calc_opt(a, &a->calc_other) ? IDLE_REDRAW : 0);
}

static int channel_idle(app *a)
{
    return calc_idle(a) | (app_chan(a, 1) ? IDLE_REDRAW : 0);
}

static int group_idle(app *a)
{
    return calc_idle(a) | (app_group_poll(a) ? IDLE_REDRAW : 0);
}

static int list_idle(app *a)
{
    return calc_idle(a) | view_list_idle(a);
}

static const ui_view views[] = {
    [VIEW_MAIN] = { "main", view_main_draw, view_explore_action, main_click, calc_idle, FIG_HISTOGRAM },
    [VIEW_CURVE] = { "curve", view_curve_draw, view_curve_action, NULL, calc_idle, FIG_SWEEP },
    [VIEW_LIST] = { "list", view_list_draw, view_list_action, view_list_click, list_idle, FIG_LAYERS },
    [VIEW_COMPARE] = { "compare", view_compare_draw, NULL, NULL, compare_idle, FIG_COMPARE },
    [VIEW_CHANNEL] = { "channels", view_channel_draw, view_channel_action, NULL, channel_idle, FIG_CHANNELS },
    [VIEW_ERROR] = { "error", view_error_draw, view_explore_action, NULL, calc_idle, FIG_HISTOGRAM },
    [VIEW_DECOMP] = { "decomposition", view_decomp_draw, view_decomp_action, NULL, calc_idle, FIG_HISTOGRAM },
    [VIEW_LOG2] = { "log2", view_log2_draw, view_explore_action, NULL, calc_idle, FIG_HISTOGRAM },
};
static const ui_view group_view = { "group", view_group_draw, view_explore_action, NULL, group_idle,
                                        FIG_HISTOGRAM };

static const ui_view overlays[OV__COUNT] = {
    [OV_HELP] = { "help", overlay_help, overlay_help_action, NULL, NULL, FIG_HISTOGRAM },
    [OV_EXPLAIN] = { "explain", overlay_explain, overlay_explain_action, NULL, NULL, FIG_HISTOGRAM },
    [OV_INFO] = { "info", overlay_info, NULL, NULL, NULL, FIG_HISTOGRAM },
};

const ui_view *app_cur_view(const app *a)
{
    if (a->view == VIEW_MAIN && app_group_view(a))
        return &group_view;
    return &views[a->view];
}

void app_draw_all(app *a)
{
    /* read first: a tensor finished while drawing is redrawn next round */
    a->drawn_gen = worker_generation(a->w);
    getmaxyx(stdscr, a->rows, a->cols);
    erase();
    if (overlay_too_small(a))
        overlay_draw_too_small(a);
    else {
        app_cur_view(a)->draw(a);
        if (a->tour)
            overlay_tour(a);
        if (a->overlay)
            overlays[a->overlay].draw(a);
    }
    if (a->rows >= 1)
        overlay_status(a);
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

static int handle_mouse(app *a)
{
    MEVENT ev;
    if (getmouse(&ev) != OK)
        return RD_NONE;
    const ui_view *v = app_cur_view(a);
    /* the wheel: the view's own (the list scrolls), else alpha */
    if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
        int up = (ev.bstate & BUTTON4_PRESSED) != 0;
        int r = a->overlay == OV_NONE && v->action ? v->action(a, up ? ACT_WHEEL_UP : ACT_WHEEL_DOWN) : RD_NONE;
        return r ? r : app_alpha_step(a, up ? 0.01 : -0.01);
    }
    if (!(ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)) || a->overlay)
        return RD_NONE;
    return v->click ? v->click(a, ev.y, ev.x) : RD_NONE;
}

/* Handle one key code; returns RD_* flags. */
int app_handle_key(app *a, int ch)
{
    if (ch == KEY_RESIZE)
        return RD_VIEW;
    if (ch == KEY_MOUSE)
        return handle_mouse(a);
    ui_action act = keys_lookup(ch, view_mask(a));
    if (act == ACT_NONE) {
        if (ch >= 32 && ch < 127) {
            app_message(a, 0, "'%c' does nothing here; ? lists the keys", ch);
            return RD_STATUS;
        }
        return RD_NONE;
    }
    if (a->overlay) {
        /* the overlay's keys first; any other key but quit, Esc and the
         * overlays' own closes it and goes on to the view */
        const ui_view *ov = &overlays[a->overlay];
        int r = ov->action ? ov->action(a, act) : RD_NONE;
        if (r)
            return r;
        if (act != ACT_QUIT && act != ACT_CLOSE && act != ACT_HELP && act != ACT_EXPLAIN && act != ACT_INFO)
            a->overlay = OV_NONE;
    }
    return app_dispatch(a, act);
}

void app_apply(app *a, int fl)
{
    if ((fl & RD_TENSOR) && a->plan)
        view_list_plan_apply(a);
    if (fl & RD_TENSOR)
        app_tensor_changed(a);
    if (fl & RD_VIEW)
        app_draw_all(a);
    else if (fl & RD_STATUS)
        overlay_status(a);
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
    app_alpha_all(a, a->cfg.amode, a->cfg.alpha);
    a->chan_axis = a->cfg.axis > 0 ? a->cfg.axis : 0;
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
    view_list_init(a);
    a->stored_alpha = util_mallocarray(n, sizeof *a->stored_alpha);
    for (size_t i = 0; i < n; i++) {
        const session_item *it = &a->s.items[i];
        double al;
        a->stored_alpha[i] = loader_sibling_alpha(a->s.files[it->file], it->tensor, &al) == 0 && al > 0 &&
                                     isfinite(al) ? al : NAN;
    }
    a->stored_has = util_calloc(n ? n : 1, 1);
    for (size_t i = 0; i < n; i++)
        a->stored_has[i] = (unsigned char)loader_has_grid(a->s.files[a->s.items[i].file], a->s.items[i].tensor);
    a->w = worker_start(&a->s, CACHE_BUDGET);
    if (!a->w) {
        fprintf(stderr, "apotview: cannot start a thread\n");
        session_close(&a->s);
        return 1;
    }
    if (o->tour) {
        a->tour = 1;
        a->tour_step = 0;
        app_tour_apply(a);
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
    free(a->pair_of);
    free(a->plan_of);
    free(a->stored_alpha);
    free(a->stored_has);
    app_caches_free(a);
}

static void init_keys(void)
{
    ui_keycodes kc = { KEY_LEFT, KEY_RIGHT, KEY_UP, KEY_DOWN, KEY_ENTER, 27, KEY_RESIZE, 12, 3,
                       KEY_PPAGE, KEY_NPAGE, KEY_HOME, KEY_END };
    keys_init(&kc);
}

/* ---- main loop ----------------------------------------------------------------- */

static int ui_main(const cli_opts *o, const model_pairs *mp, const model_plan *plan);

int ui_run(const cli_opts *o)
{
    return ui_main(o, NULL, NULL);
}

int ui_run_pairs(const cli_opts *o, const model_pairs *mp)
{
    return ui_main(o, mp, NULL);
}

int ui_run_plan(const cli_opts *o, const model_plan *plan)
{
    return ui_main(o, NULL, plan);
}

/* plan: each item's row of the plan (-1: none) */
static void plan_map(app *a, const model_plan *plan)
{
    a->plan = plan;
    a->plan_of = util_mallocarray(a->s.nitems ? a->s.nitems : 1, sizeof *a->plan_of);
    for (size_t i = 0; i < a->s.nitems; i++) {
        a->plan_of[i] = -1;
        for (size_t k = 0; k < plan->nrows && a->s.items[i].file == 0; k++)
            if (plan->rows[k].idx == a->s.items[i].tensor)
                a->plan_of[i] = (long)k;
    }
}

/* pairs: each item's pair (an index into mp, -1: none) */
static void pairs_map(app *a, const model_pairs *mp)
{
    a->pairs = mp;
    a->pair_of = util_mallocarray(a->s.nitems, sizeof *a->pair_of);
    for (size_t i = 0; i < a->s.nitems; i++) {
        const session_item *it = &a->s.items[i];
        a->pair_of[i] = -1;
        for (size_t k = 0; k < mp->n && it->file < 2; k++)
            if (!mp->p[k].stacked && (it->file == 0 ? mp->p[k].left : mp->p[k].right) == it->tensor)
                a->pair_of[i] = (long)k;
    }
}

static int ui_main(const cli_opts *o, const model_pairs *mp, const model_plan *plan)
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
    if (mp && a->s.nfiles == 2) {
        pairs_map(a, mp);
        view_list_pairs(a);
    }
    if (plan) {
        plan_map(a, plan);
        view_list_plan(a);
    }
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
        ui_bench(a, bkeys);
        app_close(a);
        return 0;
    }
    if (a->plan)
        view_list_plan_apply(a);
    app_tensor_changed(a);
    app_draw_all(a);
    refresh();
    if (app_calc_opt(a, &a->calc))
        app_apply(a, RD_VIEW);
    int status = 0, idle_more = 0;
    for (;;) {
        int busy = worker_busy(a->w);
        /* more deferred work: only look for a key between its steps */
        timeout(idle_more ? 0 : busy ? 100 : 500);
        int ch = getch();
        int sig = term_signalled();
        if (sig) {
            status = 128 + sig;
            break;
        }
        int fl;
        if (ch == ERR)
            fl = worker_generation(a->w) != a->drawn_gen || busy ? RD_VIEW : RD_NONE;
        else if (ch == 3) {
            break;
        } else
            fl = app_handle_key(a, ch);
        if (fl & RD_QUIT)
            break;
        app_apply(a, fl);
        /* the view's deferred work after the redraw: the keypress shows at once */
        const ui_view *v = app_cur_view(a);
        int id = v->idle ? v->idle(a) : 0;
        idle_more = (id & IDLE_MORE) != 0;
        if (id & IDLE_REDRAW)
            app_apply(a, RD_VIEW);
    }
    term_end();
    if (a->s.failed && status == 0)
        status = 1;
    app_close(a);
    return status;
}

