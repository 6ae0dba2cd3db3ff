/*
 * app.h - the viewer's state, shared by the main loop (ui.c) and the views
 * (view_*.c). Internal to src/ui.
 *
 * One app holds: the session (files and selected tensors), the background
 * worker, the quantizer settings (an analyze_cfg, exactly what --report
 * takes, so the numbers on screen are report's numbers), the focused
 * scheme, the current view, and caches of computed numbers keyed by the
 * settings they were computed with. Views draw from it and return RD_*
 * flags; ui.c decides what to recompute and redraw.
 */
#ifndef APOTVIEW_UI_APP_H
#define APOTVIEW_UI_APP_H

#include <stddef.h>
#include <stdint.h>
#include "model/options.h"
#include "model/pairs.h"
#include "model/planview.h"
#include "model/session.h"
#include "plot/plot.h"
#include "quant/analyze.h"
#include "quant/levels.h"
#include "ui/keys.h"
#include "ui/draw.h"
#include "ui/layout.h"
#include "ui/uimodel.h"
#include "ui/worker.h"

#define UI_MAX_SCHEMES 16
/* From METRIC_RANKED_MIN schemes on (model/metric.h, as the report) the
 * results panel ranks them by mse, one row per scheme (with gap to
 * optimum and bpw), and at most UI_RUG_ROWS rugs are drawn (a window
 * around the focused scheme). */
#define UI_RUG_ROWS 4
/* The tour's caption: a title row and TOUR_TEXT_ROWS rows of text above
 * the status line. */
#define TOUR_TEXT_ROWS 3
/* Lloyd-Max mse per (normalize, level count) for gap_to_optimal_db. */
#define UI_GAP_SLOTS 8

/* What changed: the loop recomputes and redraws accordingly. */
enum {
    RD_NONE = 0,
    RD_STATUS = 1,     /* status line only */
    RD_VIEW = 2,       /* the whole screen */
    RD_CALC = 4,       /* settings changed: recompute numbers */
    RD_TENSOR = 8,     /* another tensor: tell the worker */
    RD_QUIT = 16,
};

typedef enum ui_view_id { VIEW_MAIN = 0, VIEW_CURVE, VIEW_LIST, VIEW_COMPARE, VIEW_CHANNEL, VIEW_ERROR, VIEW_DECOMP,
                          VIEW_LOG2 } ui_view_id;
/* Overlays over the current view (the overlays table in ui.c). */
typedef enum ui_overlay_id { OV_NONE = 0, OV_HELP, OV_EXPLAIN, OV_INFO, OV__COUNT } ui_overlay_id;
struct app;

/* One view (htop's PanelClass, tmux's window modes): draw paints the body
 * (not the status line); action gets the keys first (RD_* flags, 0: not its
 * key, the common actions follow); click a mouse press at (y, x); idle the
 * deferred work after a redraw (IDLE_* flags); figure what e exports.
 * Views are registered in the views table of ui.c, overlays (help,
 * explain, info) in its overlays table; any entry may be NULL but draw. */
typedef struct ui_view {
    const char *name;
    void (*draw)(struct app *a);
    int (*action)(struct app *a, ui_action act);
    int (*click)(struct app *a, int y, int x);
    int (*idle)(struct app *a);
    plot_figure figure;
} ui_view;
/* what idle did */
enum { IDLE_REDRAW = 1, /* numbers changed: redraw */
       IDLE_MORE = 2 /* more work to do: call again soon */ };

/* The tensor list (view_list.c): every item sorted by a column, the ones
 * the filter lets through, and each scheme's SQNR and relative mse per
 * item, computed by the list's idle at each tensor's own alpha (its
 * optimum unless the user fixed one: then the same fraction of max|x|). */
typedef struct ui_list {
    size_t *base;          /* the items the list holds (all; the pairs' originals) */
    size_t nbase;
    int pairs;             /* ORIGINAL QUANTIZED: the pair columns */
    size_t *order;         /* base, sorted */
    size_t *shown;         /* order, filtered */
    size_t nshown;
    size_t sel, top;       /* positions in shown */
    int col, rev;          /* sort column (UIM_COL_*), reversed */
    char filter[128];
    double *sqnr, *rel;    /* [item * UI_MAX_SCHEMES + scheme], NaN: not (yet) there */
    unsigned char *done;   /* the item's numbers are computed for key */
    double *skey;          /* sort key scratch, per item */
    const char **names;    /* per item */
    /* the settings the numbers belong to */
    analyze_cfg cfg;
    ui_alpha salpha[UI_MAX_SCHEMES];
    int nschemes;          /* -1: none yet */
    int more;              /* prepared items still without numbers */
    int y0, rows;          /* the rows drawn last (clicks) */
} ui_list;

/* Numbers for one tensor at one setting. */
typedef struct ui_calc {
    int valid;
    size_t item;
    analyze_cfg cfg;       /* the settings they belong to */
    int ok;                /* 0: msg says why there are no numbers */
    char msg[UTIL_ERRLEN];
    analyze_result res[UI_MAX_SCHEMES];
    double akey[UI_MAX_SCHEMES]; /* each scheme's alpha they were computed at */
    /* each scheme's MSE-optimal alpha and mse at the current (bits,
     * normalize): opt_valid says they are there; computing them costs a
     * dense scan per scheme, so the loop does it after the redraw
     * (opt_pending) and keeps them per (normalize, bits) in opt_tab */
    int opt_valid, opt_pending;
    double opt_alpha[UI_MAX_SCHEMES], opt_mse[UI_MAX_SCHEMES];
    unsigned char opt_have[2][LEVELS_MAX_BITS + 1];
    double opt_tab_a[2][LEVELS_MAX_BITS + 1][UI_MAX_SCHEMES];
    double opt_tab_m[2][LEVELS_MAX_BITS + 1][UI_MAX_SCHEMES];
    double calc_seconds;
    /* gap_to_optimal_db (the viewer sets analyze_cfg.no_gap): the
     * Lloyd-Max mse per (normalize, levels) is computed after the redraw
     * (gap_pending) and kept for the tensor; res[i].gap_to_optimal_db is
     * NaN until then ("..." on screen) */
    int gap_pending;
    int gap_n;
    int gap_nz[UI_GAP_SLOTS];
    size_t gap_L[UI_GAP_SLOTS];
    double gap_mse[UI_GAP_SLOTS];
} ui_calc;

/* The per-channel view's numbers (group_channel_stats) for one tensor,
 * scheme and setting; computed after the redraw that says so (pending). */
typedef struct ui_chan {
    int valid, pending;
    size_t item;
    analyze_cfg cfg;
    const char *scheme;
    int ok;
    char msg[UTIL_ERRLEN];
    size_t n;              /* channels */
    int stored_self;       /* the stored scheme on the file's own values: no error; the heat is alpha */
    double *lo, *hi;       /* each channel's raw min and max */
    double *mse;           /* each channel's mse (x units) */
    double *alpha;         /* each channel's alpha */
    size_t *order;         /* channel indices, largest range first */
    unsigned char *outlier;
    double median_range;
    double mse_all;        /* over the whole tensor (= --granularity=channel) */
    size_t noutliers;
    double seconds;
    int top;               /* first row shown */
    int sel;               /* the row selected (j/k), an index into order */
    int shown;             /* "computing..." has been drawn (compute after) */
    int axis;              /* the axis the channels are taken along */
    int body;              /* rows of channels drawn last (paging) */
    /* Enter: one channel's histogram (drill: its channel, order[sel]) */
    int drill;
    size_t dh_ch;
    int dh_w, dh_valid;
    uint64_t *dh;          /* counts per column over [dh_lo, dh_hi] */
    double dh_lo, dh_hi;
    uint64_t dh_n;
} ui_chan;

/* The compare view's difference panel (view_compare.c), kept for a pair
 * of items and a width: element-wise b - a when the shapes match, else
 * the difference of the two histograms over a common range. */
typedef struct ui_diff {
    int valid;
    size_t a, b;
    int w, elementwise;
    double lo, hi;
    double *v;             /* per column: count (element-wise) or fraction difference */
    double mean, rms, dmax;
    uint64_t n, nz;
} ui_diff;

typedef struct app {
    const cli_opts *o;
    session s;
    ui_worker *w;
    const char *schemes[UI_MAX_SCHEMES];
    int nschemes;
    int focus;
    /* cfg: the settings; its amode/alpha follow the focused scheme's
     * (app_alpha_sync), the group engine uses them for every scheme */
    analyze_cfg cfg;
    ui_alpha salpha[UI_MAX_SCHEMES]; /* each scheme's own alpha */
    size_t cur;            /* current item */
    long other;            /* compare partner item or -1 */
    ui_view_id view;
    ui_overlay_id overlay; /* open over the view: help (?), explain (x), info (i) */
    int help_top;
    int tour;              /* --tour running; tour_step is the step shown */
    int tour_step;
    int rug_first;         /* first scheme with a rug row (many schemes) */
    int curve_leg;         /* the curve view's legend: first row shown (PgUp/PgDn) */
    int logscale;
    int utf8;
    int rows, cols;
    ui_list list;          /* the tensor list (view_list.c) */
    /* ORIGINAL QUANTIZED (ui_run_pairs): the compare's pairs and each
     * item's pair (-1: none); NULL otherwise */
    const model_pairs *pairs;
    long *pair_of;
    /* --plan=BPW MODEL (ui_run_plan): the plan and each item's row (-1:
     * not planned); NULL otherwise */
    const model_plan *plan;
    long *plan_of;
    /* numbers: every cache of computed results is here, in app, and
     * app_caches_reset (calc.c) drops them all; app_caches_free frees them;
     * the stored scheme's results are the worker's (worker_want_stored) */
    ui_calc calc, calc_other;
    ui_chan chan;
    ui_diff diff;          /* the compare view's difference panel */
    int chan_axis;         /* the per-channel view's axis (--axis, A) */
    /* the group job's latest result taken from the worker (view_group.c):
     * the group view and the numbers at a group granularity */
    worker_gres *gres;
    /* exploration (view_explore.c): zoom range and cursor in x units of
     * the main view's histogram, for explore_item at explore_norm; the
     * last drawn range and width (the keys move in its columns) */
    int zoomed, cursor_on;
    double zoom_lo, zoom_hi, cur_x;
    size_t explore_item;
    int explore_norm, explore_kind;
    double plot_flo, plot_fhi, plot_lo, plot_hi;
    int plot_w;
    /* the decomposition view (view_decomp.c): the focused channel (slice
     * of axis 0) and its first row shown, for decomp_item */
    size_t decomp_item, decomp_chan, decomp_row;
    /* the compare view: both panels over [range_lo, range_hi] */
    int range_fixed;
    double range_lo, range_hi;
    /* per item: the alpha an APoT checkpoint stores beside it (NaN: none),
     * read once before the worker starts (loaders are not thread-safe) */
    double *stored_alpha;
    /* per item: it has a stored grid (loader_has_grid), read before the
     * worker starts */
    unsigned char *stored_has;
    /* status-line message */
    char msg[300];
    int msg_err;
    char search[128];
    uint64_t drawn_gen;    /* worker generation when the screen was last drawn */
} app;

/* ui.c */
const char *app_item_name(const app *a, size_t item);
const loader_tensor *app_item_tensor(const app *a, size_t item);
const char *app_item_file(const app *a, size_t item);
/* The prepared tensor of item, or NULL (not ready). */
const prep *app_prep(app *a, size_t item);
/* Make sure c holds numbers for item at the current settings. */
void app_calc(app *a, ui_calc *c, size_t item);
/* Compute the optimal alphas app_calc left pending; 1 when it did. */
int app_calc_opt(app *a, ui_calc *c);
void app_message(app *a, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The focused scheme's alpha now (x units), NAN when unknown. */
double app_alpha(const app *a);
/* Fill res[].gap_to_optimal_db from cached Lloyd-Max fits; when some are
 * missing and compute is set, fit them (slow on big tensors: called after
 * the redraw). Returns 1 when it computed something. */
int app_calc_gap(app *a, ui_calc *c, int compute);
/* Results shown as a ranked table (many schemes)? */
int app_ranked(const app *a);
/* Rug rows drawn, and which scheme the first one shows. */
int app_rug_rows(const app *a);
/* Rows the views may use (the tour's caption takes the rows above the
 * status line). */
int app_body_rows(const app *a);
/* The distinct finite values of p, counted up to cap + 1 (cap + 1: more
 * than cap), the first nv of them in v[] (ascending); 0 when the engine
 * cannot say exactly (a histogram of a large tensor). */
uint64_t app_distinct(const prep *p, uint64_t cap, double *v, size_t nv);
/* The engine the viewer's numbers for item come from (the prepared
 * tensor's, "sorted": exact), or NULL before it is prepared; and the one
 * --report (--engine=auto) would pick at the current settings, as
 * report_pool.c does. They differ on tensors of 2^20 values and more
 * (--report then uses the histogram engine, whose optimal alphas can differ
 * in the fourth digit). */
const char *app_view_engine(app *a, size_t item);
const char *app_report_engine(app *a, size_t item);
/* Distinct values at most this many (and repeated) are noted in the header. */
#define UI_DISTINCT_MAX 4096
/* Make sure a->chan is current for the focused scheme (compute: do the
 * work, else only mark it pending). Returns 1 when it computed. */
int app_chan(app *a, int compute);
void app_chan_free(app *a);

/* view_group.c: numbers at a group granularity (or with MX formats), as
 * --report computes them, from the worker's group job. */
/* The settings need the group engine (group_needed). */
int app_group_mode(const app *a);
/* The main view is the group view (group:G, block:RxC). */
int app_group_view(const app *a);
/* Fill c's results for item from the group job: 1 when c is filled (or
 * says why not), 0 while the job runs (it is asked for). */
int app_group_numbers(app *a, ui_calc *c, size_t item, const prep *p);
/* Ask for the current job and take it when finished: 1 when a new result
 * was taken (redraw). */
int app_group_poll(app *a);
void app_group_free(app *a);
void view_group_draw(app *a);
/* view_explore.c: the exploration keys (zoom, cursor) of the main view:
 * RD_* flags, 0 when act is not one of them. */
int view_explore_action(app *a, ui_action act);
/* The range the main view's histogram shows, given the full one (zoom),
 * and the cursor's column in it (-1: none). */
void view_explore_range(app *a, double flo, double fhi, double *lo, double *hi, int w);
int view_explore_col(const app *a);
/* The group view's readout (pooled u histogram hist[nbins], col[] its
 * columns) at row y. */
void view_explore_group_readout(app *a, const uint64_t *hist, int nbins, const double *col, int y, int x, int w);
/* The readout line (the cursor's column) at row y. */
void view_explore_readout(app *a, ui_calc *c, const prep *p, int y, int x, int w);
/* The main view's two header rows (file, tensor, statistics). */
void view_header(app *a, ui_calc *c, size_t item, int y, int x, int w);

/* issue 12 (view_error.c, view_decomp.c, view_log2.c, ui_cmd.c) */
void view_error_draw(app *a);
void view_decomp_draw(app *a);
int view_decomp_action(app *a, ui_action act);
void view_log2_draw(app *a);
int view_curve_action(app *a, ui_action act);
/* The focused scheme's level set and alpha for the current tensor at the
 * current settings (one scale per tensor): 0 with ls built (levels_free
 * it), *alpha and *shift set; else -1 with why[] saying why not. */
int app_focus_levels(app *a, const prep *p, levelset *ls, double *alpha, double *shift, char *why, size_t len);
/* Text that flows over rows [y, ymax) from column x, width w, word by
 * word: each word goes where it fits whole (else on the next row; dropped
 * when no row is left), so a number is never cut (view_error.c). */
typedef struct ui_flow {
    int y, ymax, x, w, col;
    int dry;   /* measure only: nothing drawn (f.y then counts the rows) */
    int ymin;  /* rows above ymin are laid out but not drawn (a scrolled legend) */
} ui_flow;
void flow_put(ui_flow *f, int attr, const char *s);
/* s[0..n) as one piece (not split at its spaces: "mean 0.01") */
void flow_word(ui_flow *f, int attr, const char *s, size_t n);
void flow_putf(ui_flow *f, int attr, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void flow_newline(ui_flow *f);
/* Scheme i's name at the left of its rug on row y (margin at x, '>' when
 * focused): in the margin, and on into the rug's empty columns before its
 * first mark (first_mark, a column of the rug) when longer ("int-asym"),
 * whole unless the marks begin at the margin (zoomed in). */
void view_rug_name(struct app *a, int y, int x, int i, int first_mark);
/* lead then why, flowed from row y down the body (2 columns in): a view's
 * reason for having nothing to draw */
void view_reason(struct app *a, int y, const char *lead, const char *why, int attr);
/* Bars of cnt[0..W) over R (hi[c] of cnt[c] in the clip colour, the rest
 * in the bar colour; marks[c] set: a dotted marker where the bar is not),
 * max count and lin/log in the margin left of R (LAYOUT_MARGIN). */
void view_bars(app *a, ui_rect R, const uint64_t *cnt, const uint64_t *hi, const unsigned char *marks);
/* The log-count axis's decades (10, 100, 1k, ...) in the margin at x of
 * the bars in rows [y, y + H) whose maximum is mx (layout_log_decades). */
void view_count_decades(uint64_t mx, int y, int H, int x);
/* "s" unless n is 1: "1 tensor", "2 tensors" */
#define UI_PL(n) ((n) == 1 ? "" : "s")
/* `:` and `y`: RD_* flags. */
int ui_cmd_type(app *a, const char *text);
int ui_cmd_copy(app *a);
/* The reason the focused scheme has no numbers, or NULL when it has. */
const char *app_focus_failure(app *a);

/* views: draw the whole screen body (not the status line) */
void view_main_draw(app *a);
void view_compare_draw(app *a);
void view_curve_draw(app *a);
void view_list_draw(app *a);
void view_channel_draw(app *a);
/* the per-channel view's keys: rows, paging, Enter (one channel), A (axis) */
int view_channel_action(app *a, ui_action act);
/* The x-range a tensor panel shows for c's numbers on p (view_main.c). */
void view_panel_range(const app *a, const ui_calc *c, const prep *p, double *lo, double *hi);
/* Draw one tensor's histogram, rugs and results into a rectangle. */
void view_tensor_panel(app *a, ui_calc *c, size_t item, int y, int x, int h, int w, int compact);
/* list view */
void view_list_init(app *a);
/* The pairs of ui_run_pairs: the list shows the original's tensors that
 * have a pair, with the pair's damage, lowest SQNR first. */
void view_list_pairs(app *a);
/* The plan of ui_run_plan: the planned tensors with their choice, the
 * largest mse first; view_list_plan_apply puts the current tensor's
 * chosen quantizer (scheme, bits, granularity) into the settings. */
void view_list_plan(app *a);
void view_list_plan_apply(app *a);
void view_list_free(app *a);
/* The list's selection follows a->cur (when the filter shows it). */
void view_list_follow(app *a);
int view_list_action(app *a, ui_action act);
int view_list_click(app *a, int y, int x);
/* the list's deferred work: its numbers, a few ms per call (IDLE_*) */
int view_list_idle(app *a);

/* ui.c */
const ui_view *app_cur_view(const app *a);
void app_draw_all(app *a);
int app_handle_key(app *a, int ch);
void app_apply(app *a, int fl);
/* calc.c: scheme i's settings on item (its own alpha; p: item's prep, for
 * max|x|, may be NULL) */
void app_scheme_cfg(const app *a, int i, size_t item, const prep *p, analyze_cfg *out);
/* cfg.amode/alpha := the focused scheme's on the current tensor */
void app_alpha_sync(app *a);
/* every scheme to mode (alpha: its value for ALPHA_VALUE/ALPHA_FILE) */
void app_alpha_all(app *a, int mode, double alpha);
/* calc.c: drop every cached number (the scheme list changed) */
void app_caches_reset(app *a);
/* calc.c: free every cache (the viewer closes) */
void app_caches_free(app *a);
/* actions.c */
int app_dispatch(app *a, ui_action act);
void app_tensor_changed(app *a);
int app_alpha_step(app *a, double frac);
int app_tour_apply(app *a);
/* export.c: a line typed on the status row (1 on Enter, 0 on Esc) */
int app_prompt(app *a, const char *label, char *buf, size_t len);
/* A yes/no question answered by one key: 1 for y or Y, 0 for anything
 * else (n, Esc, Enter). */
int app_confirm(app *a, const char *label);
/* The same, calling changed(a, buf) after every edit (then redrawing). */
int app_prompt_cb(app *a, const char *label, char *buf, size_t len, void (*changed)(app *a, const char *buf));
int app_export(app *a);
/* overlay.c */
void overlay_status(app *a);
void overlay_help(app *a);
int overlay_help_action(app *a, ui_action act);
int overlay_explain_action(app *a, ui_action act);
void overlay_explain(app *a);
void overlay_info(app *a);
void overlay_tour(app *a);
int overlay_too_small(const app *a);
void overlay_draw_too_small(app *a);
/* bench.c */
int ui_bench(app *a, const char *keys);

#endif
