/* fig_stored.c - the stored scheme in the sweep and bits figures (fig_stored.h). */
#include "config.h"
#include "plot/fig_stored.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "quant/levels.h"
#include "quant/stored.h"

const analyze_result *fg_stored_res(const plot_spec *s, int i, int k)
{
    if (i < 0 || i >= s->nschemes || !stored_is(s->schemes[i]))
        return NULL;
    const analyze_result *r = k < 0 ? s->stored_res : s->panel_stored ? s->panel_stored[k] : NULL;
    return r && r->ok ? r : NULL;
}

static double err_of(const analyze_result *r)
{
    return r->stored_self ? NAN : r->r.mse;
}

int fg_stored_sweep(const plot_spec *s, int i, int k, double amax, double dv, fig_block *blk, double *ymin,
                    double *ymax)
{
    if (i < 0 || i >= s->nschemes || !stored_is(s->schemes[i]))
        return 0;
    const analyze_result *r = fg_stored_res(s, i, k);
    double m = r ? err_of(r) / dv : NAN;
    blk->bits = FIG_NO_BITS;   /* the file's bpw, not a bit width */
    if (m > 0 && isfinite(m)) {
        fg_add_row(blk, 0, m);
        fg_add_row(blk, amax, m);
        *ymin = fmin(*ymin, m);
        *ymax = fmax(*ymax, m);
    }
    return 1;
}

int fg_stored_bits(const plot_spec *s, int i, int k, double dv, fig_block *blk, double *ymin, double *ymax)
{
    if (i < 0 || i >= s->nschemes || !stored_is(s->schemes[i]))
        return 0;
    const analyze_result *r = fg_stored_res(s, i, k);
    if (!r || !isfinite(r->bpw))
        return 1;
    double m = err_of(r) / dv;
    blk->bits = FIG_NO_BITS;   /* x is the file's bpw */
    fig_row *row = fg_add_row(blk, r->bpw, m);
    if (k >= 0 && s->panel_names)
        row->raw = s->panel_names[k];
    if (m > 0 && isfinite(m)) {
        *ymin = fmin(*ymin, m);
        *ymax = fmax(*ymax, m);
    }
    return 1;
}

void fg_stored_bits_mark(sbuf *b, const plot_spec *s, const fig_style *st, int k, int tag, double *xmax)
{
    sbuf_printf(b, "unset arrow %d\nunset label %d\n", tag, tag);
    for (int i = 0; i < s->nschemes; i++) {
        const analyze_result *r = fg_stored_res(s, i, k);
        if (!r || !(r->bpw > 0) || !isfinite(r->bpw))
            continue;
        sbuf_printf(b, "# the stored grid: the file's %.17g bits per weight\n", r->bpw);
        sbuf_printf(b, "set arrow %d from %.17g, graph 0 to %.17g, graph 1 nohead lt %d lw 0.8 dt 3 back\n", tag,
                    r->bpw, r->bpw, i + 1);
        sbuf t = { 0 };
        fg_txt_num(&t, st, r->bpw);
        sbuf_puts(&t, " bpw");
        sbuf_printf(b, "set label %d ", tag);
        fg_put_text(b, &t);
        /* beside the line, on the side with room (the bits axis is 2..8) */
        int right = r->bpw > 0.5 * (LEVELS_MIN_BITS + LEVELS_MAX_BITS);
        if (right)
            sbuf_printf(b, " at %.17g, graph 0.06 right offset -0.3, 0 tc lt %d front\n", r->bpw, i + 1);
        else
            sbuf_printf(b, " at %.17g, graph 0.06 left offset 0.3, 0 tc lt %d front\n", r->bpw, i + 1);
        if (r->bpw + 0.3 > *xmax)
            *xmax = r->bpw + 0.3;
        return;
    }
}

int fg_stored_key(sbuf *t, const plot_spec *s, const fig_style *st, int i)
{
    const analyze_result *r = fg_stored_res(s, i, -1);
    if (i < 0 || i >= s->nschemes || !stored_is(s->schemes[i]))
        return 0;
    fg_txt_scheme(t, st, s->schemes[i]);
    if (r && isfinite(r->bpw)) {
        char fmt[32];
        const char *p = r->stored_params ? r->stored_params : "";
        size_t n = strcspn(p, ":");
        snprintf(fmt, sizeof fmt, "%.*s", (int)(n < 24 ? n : 24), p);
        sbuf_puts(t, " ");
        fg_txt_scheme(t, st, fmt);   /* the format's name, escaped as a scheme's */
        sbuf_puts(t, ", ");
        fg_txt_num(t, st, r->bpw);
        sbuf_puts(t, r->stored_self ? " bpw (its own values: error 0)" : " bpw");
    }
    return 1;
}
