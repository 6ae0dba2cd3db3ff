/*
 * export.c - the line prompt on the status row and the e key: the current
 * view's figure (the view's `figure` entry) written by plot_export.
 */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "plot/plot.h"
#include "ui/app.h"
#include "ui/term.h"

/* ---- prompt -------------------------------------------------------------- */

/* Read a line on the status row. Returns 1 with buf filled on Enter, 0 on
 * Esc (or a signal). */
int app_prompt(app *a, const char *label, char *buf, size_t len)
{
    return app_prompt_cb(a, label, buf, len, NULL);
}

int app_prompt_cb(app *a, const char *label, char *buf, size_t len, void (*changed)(app *a, const char *buf))
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
            app_draw_all(a);
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
        if (changed) {
            changed(a, buf);
            app_draw_all(a);
        }
    }
}

/* A yes/no question on the status row, answered by one key: y or Y is
 * yes; n, Esc, Enter or any other key is no (the default). */
int app_confirm(app *a, const char *label)
{
    curs_set(1);
    timeout(-1);
    for (;;) {
        int y = a->rows - 1;
        draw_fill(y, 0, a->cols, 0);
        int x = draw_textf(y, 0, a->cols, A_BOLD, "%s", label);
        move(y, x < a->cols ? x : a->cols - 1);
        refresh();
        int ch = getch();
        if (ch == KEY_RESIZE && !term_signalled()) {
            app_draw_all(a);
            continue;
        }
        curs_set(0);
        return !term_signalled() && (ch == 'y' || ch == 'Y');
    }
}

/* ---- export -------------------------------------------------------------- */

int app_export(app *a)
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
    if (!app_prompt(a, "export to (.pdf .png .svg .eps .tex .gp): ", path, sizeof path) || !path[0]) {
        app_message(a, 0, "export cancelled");
        return RD_VIEW;
    }
    int force = 0;
    struct stat sb;
    if (stat(path, &sb) == 0) {
        if (!app_confirm(a, "the file exists; overwrite it? [y/N] ")) {
            app_message(a, 0, "export cancelled: %s kept", path);
            return RD_VIEW;
        }
        force = 1;
    }
    plot_spec s;
    memset(&s, 0, sizeof s);
    s.figure = app_cur_view(a)->figure;
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
            s.cfg.axis = a->chan.axis < app_item_tensor(a, a->cur)->ndim ? a->chan.axis : 0;
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
    overlay_status(a);
    refresh();
    if (plot_export(&s, &err) < 0)
        app_message(a, 1, "export failed: %s", err.msg);
    else
        app_message(a, 0, "wrote %s", path);
    free(layers);
    return RD_VIEW;
}

