/*
 * bench.c - the APOTVIEW_BENCH_KEYS hook (ui.h): replay keys through the
 * same dispatch and redraw as real keys and print the timings.
 */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ui/app.h"
#include "ui/term.h"

/* ---- benchmark --------------------------------------------------------------- */

static int cmp_d(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

int ui_bench(app *a, const char *keys)
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
    app_draw_all(a);
    refresh();
    double first = util_now() - tc;
    const loader_tensor *t = app_item_tensor(a, a->cur);
    size_t nk = strlen(keys);
    double *dt = util_mallocarray(nk * (size_t)R, sizeof *dt);
    double *dopt = util_mallocarray(nk * (size_t)R, sizeof *dopt);
    size_t m = 0, mo = 0;
    if (app_calc_opt(a, &a->calc))
        app_apply(a, RD_VIEW);
    for (int r = 0; r < R; r++)
        for (size_t i = 0; i < nk; i++) {
            double k0 = util_now();
            int fl = app_handle_key(a, (unsigned char)keys[i]);
            if (fl & RD_QUIT)
                continue;
            app_apply(a, fl);
            dt[m++] = util_now() - k0;
            double o0 = util_now();
            if (app_calc_opt(a, &a->calc)) {
                app_apply(a, RD_VIEW);
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

