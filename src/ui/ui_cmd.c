/*
 * ui_cmd.c - issue 12's small pieces of the viewer outside the views: the
 * focused scheme's level set for the views that need one scale per
 * tensor (error histogram, decomposition, log2 axis), the reason a number
 * is missing (shown where the number would be), `:` (a typed alpha or
 * bits, set exactly) and `y` (the --report command line of the current
 * view, to the terminal's clipboard through OSC 52 and on the status line).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/numfmt.h"
#include "model/cmdline.h"
#include "quant/eval.h"
#include "quant/levels.h"
#include "ui/app.h"

int app_focus_levels(app *a, const prep *p, levelset *ls, double *alpha, double *shift, char *why, size_t len)
{
    const char *name = a->schemes[a->focus];
    const scheme_def *d = levels_find(name);
    memset(ls, 0, sizeof *ls);
    if (!p) {
        snprintf(why, len, "the tensor is being prepared");
        return -1;
    }
    if (p->st.n == 0) {
        snprintf(why, len, "no finite values (%llu elements, %llu non-finite)", (unsigned long long)p->st.count,
                 (unsigned long long)p->st.nonfinite);
        return -1;
    }
    if (d && (d->flags & SCHEME_MX)) {
        snprintf(why, len, "%s has its own scale per block of 32 values: no one level set for the tensor "
                 "(s focuses another scheme)", name);
        return -1;
    }
    if (a->cfg.gran != GRAN_TENSOR) {
        snprintf(why, len, "at %s every slice has its own scale: this view needs one per tensor (G back to tensor)",
                 analyze_granularity_name(&a->cfg));
        return -1;
    }
    if (d && (d->flags & SCHEME_DATA)) {
        snprintf(why, len, "%s fits its levels to the data: no fixed level set here (s focuses another scheme)",
                 name);
        return -1;
    }
    app_calc(a, &a->calc, a->cur);
    const ui_calc *c = &a->calc;
    if (!c->valid) {
        snprintf(why, len, "numbers follow when the tensor is prepared");
        return -1;
    }
    if (!c->ok) {
        snprintf(why, len, "%s", c->msg);
        return -1;
    }
    const analyze_result *r = &c->res[a->focus];
    if (!r->ok) {
        snprintf(why, len, "%s: %s", name, r->err);
        return -1;
    }
    util_err e = { { 0 } };
    if (levels_build(name, c->cfg.bits, c->cfg.is_signed, &c->cfg.lprm, ls, &e) < 0) {
        snprintf(why, len, "%s", e.msg);
        return -1;
    }
    *alpha = r->r.alpha;
    *shift = eval_shift(p, ls, *alpha, c->cfg.normalize);
    if (!(*alpha > 0) || !isfinite(*alpha)) {
        levels_free(ls);
        snprintf(why, len, "%s: no positive alpha (the tensor is all zeros?)", name);
        return -1;
    }
    return 0;
}

const char *app_focus_failure(app *a)
{
    static char why[UTIL_ERRLEN + 64];
    char err[UTIL_ERRLEN];
    if (worker_get(a->w, a->cur, NULL, NULL, err, sizeof err, NULL) == PS_FAILED) {
        snprintf(why, sizeof why, "cannot read the tensor: %s", err);
        return why;
    }
    const ui_calc *c = &a->calc;
    if (!c->valid || c->item != a->cur)
        return NULL;
    if (!c->ok) {
        snprintf(why, sizeof why, "%s", c->msg[0] ? c->msg : "no numbers");
        return why;
    }
    if (!c->res[a->focus].ok) {
        snprintf(why, sizeof why, "%s", c->res[a->focus].err);
        return why;
    }
    return NULL;
}

int ui_cmd_type(app *a, const char *text)
{
    double v;
    char err[160];
    int w = cmdline_parse_set(text, &v, err, sizeof err);
    if (w < 0) {
        app_message(a, 1, ":%s", err);
        return RD_STATUS;
    }
    char b[NUMFMT_MAX + 1];
    if (w == CMDLINE_BITS) {
        a->cfg.bits = (int)v;
        app_message(a, 0, "bits := %d", a->cfg.bits);
        return RD_VIEW | RD_CALC;
    }
    /* the focused scheme's alpha, exactly on this tensor (carried to the
     * next as a fraction of max|x|, ui/uimodel.h) */
    const prep *p = app_prep(a, a->cur);
    ui_alpha *sa = &a->salpha[a->focus];
    if (p && p->st.n && (!a->cfg.normalize || eval_can_normalize(p)))
        uim_alpha_fix(sa, v, a->cur, a->cfg.normalize, eval_xabsmax(p, a->cfg.normalize));
    else {
        sa->mode = ALPHA_VALUE;
        sa->val = v;
        sa->frac = NAN;
        sa->item = a->cur;
        sa->norm = a->cfg.normalize;
    }
    app_alpha_sync(a);
    app_message(a, 0, "alpha := %s (%s)", util_fmt_exact(b, sizeof b, v),
                a->cfg.normalize ? "x units: std of w" : "units of w");
    return RD_VIEW | RD_CALC;
}

static void base64(const unsigned char *in, size_t n, char *out)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
        out[o++] = t[v >> 18 & 63];
        out[o++] = t[v >> 12 & 63];
        out[o++] = i + 1 < n ? t[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? t[v & 63] : '=';
    }
    out[o] = '\0';
}

int ui_cmd_copy(app *a)
{
    size_t n = cmdline_report(NULL, 0, &a->cfg, a->schemes, a->nschemes, app_item_file(a, a->cur),
                              app_item_name(a, a->cur));
    char *cmd = util_malloc(n + 1);
    cmdline_report(cmd, n + 1, &a->cfg, a->schemes, a->nschemes, app_item_file(a, a->cur),
                   app_item_name(a, a->cur));
    /* the report's own pick would be another engine (2^20 values and
     * more: the histogram): name the viewer's, so the digits agree */
    const char *ve = app_view_engine(a, a->cur), *re = app_report_engine(a, a->cur);
    if (ve && re && strcmp(ve, re) != 0) {
        char *c2 = util_asprintf("%s --engine=%s", cmd, ve);
        free(cmd);
        cmd = c2;
        n = strlen(cmd);
    }
    char *b64 = util_malloc(4 * (n / 3 + 1) + 1);
    base64((const unsigned char *)cmd, n, b64);
    /* OSC 52: the terminal (tmux with set-clipboard) puts it on the clipboard */
    if (!getenv("APOTVIEW_BENCH_KEYS")) {
        fprintf(stdout, "\033]52;c;%s\a", b64);
        fflush(stdout);
    }
    app_message(a, 0, "copied: %s", cmd);
    free(b64);
    free(cmd);
    return RD_VIEW;
}
