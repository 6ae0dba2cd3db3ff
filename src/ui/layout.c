/* layout.c - see layout.h. Pure functions, no curses. */
#include "config.h"
#include "ui/layout.h"

#include "core/numfmt.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"

#include <stdlib.h>

int layout_min_rows(int nschemes)
{
    int r = 2 + 4 + 2 + nschemes + 4 + 1;
    return r > LAYOUT_MIN_ROWS ? r : LAYOUT_MIN_ROWS;
}

int layout_main(int rows, int cols, int nschemes, ui_layout *L)
{
    memset(L, 0, sizeof *L);
    if (nschemes < 1)
        nschemes = 1;
    if (cols < LAYOUT_MIN_COLS || rows < layout_min_rows(nschemes)) {
        L->too_small = 1;
        return -1;
    }
    L->header = (ui_rect){ 0, 0, 2, cols };
    L->status = (ui_rect){ rows - 1, 0, 1, cols };
    int side = cols >= LAYOUT_SIDE_COLS;
    int resw = 13 + 12 * nschemes;
    int plotw = side ? cols - resw - 2 - LAYOUT_MARGIN : cols - LAYOUT_MARGIN - 1;
    if (side && plotw < 40) {
        side = 0;
        plotw = cols - LAYOUT_MARGIN - 1;
    }
    /* rows between the header and the status line */
    int avail = rows - 2 - 1;
    int fixed = 2 + nschemes;   /* axis + rugs */
    int H, R;
    if (side) {
        H = avail - fixed;
        R = avail < LAYOUT_RESULT_ROWS ? avail : LAYOUT_RESULT_ROWS;
    } else {
        int rest = avail - fixed;
        if (rest - LAYOUT_RESULT_ROWS >= 5) {
            R = LAYOUT_RESULT_ROWS;
            H = rest - R;
            /* a very tall window: give the bars the extra rows */
        } else {
            R = rest - 4;
            if (R > LAYOUT_RESULT_ROWS)
                R = LAYOUT_RESULT_ROWS;
            if (R < 4)
                R = 4;
            H = rest - R;
        }
    }
    L->hist = (ui_rect){ 2, LAYOUT_MARGIN, H, plotw };
    L->axis = (ui_rect){ 2 + H, LAYOUT_MARGIN, 2, plotw };
    L->rugs = (ui_rect){ 2 + H + 2, LAYOUT_MARGIN, nschemes, plotw };
    if (side)
        L->results = (ui_rect){ 2, cols - resw, R, resw };
    else
        L->results = (ui_rect){ 2 + H + 2 + nschemes, 0, R, cols };
    return 0;
}

void layout_range(double xmin, double xmax, double amax, int is_signed, double *lo, double *hi)
{
    if (!isfinite(xmin) || !isfinite(xmax)) {
        xmin = 0;
        xmax = 0;
    }
    if (!isfinite(amax) || amax < 0)
        amax = 0;
    double l, h;
    if (is_signed) {
        double r = fmax(fmax(fabs(xmin), fabs(xmax)), amax);
        l = -r;
        h = r;
    } else {
        l = fmin(xmin, 0);
        h = fmax(xmax, amax);
    }
    if (!(h > l)) {
        double r = fabs(l) > 0 ? fabs(l) : 1.0;
        l -= r;
        h += r;
    }
    *lo = l;
    *hi = h;
}

int layout_col_of_x(double x, double lo, double hi, int w)
{
    if (!isfinite(x) || w <= 0 || x < lo || x > hi || !(hi > lo))
        return -1;
    double f = (x - lo) / (hi - lo) * w;
    int c = (int)floor(f);
    if (c >= w)
        c = w - 1;
    if (c < 0)
        c = 0;
    return c;
}

int layout_log_decades(uint64_t maxcount, int rows, uint64_t *dec, int *row, int max)
{
    int n = 0, last = rows - 1; /* from the bottom up: the "0" row is taken */
    for (uint64_t d = 10; d < maxcount && n < max; d *= 10) {
        int e = layout_bar_eighths(d, maxcount, rows, 1);
        int r = rows - (e + 7) / 8; /* the row holding the bar's top eighth */
        if (r <= 1 || r >= last - 1)
            continue;
        dec[n] = d;
        row[n++] = r;
        last = r;
        if (d > UINT64_MAX / 10)
            break;
    }
    return n;
}

double layout_x_of_col(int c, double lo, double hi, int w)
{
    return lo + (c + 0.5) * (hi - lo) / w;
}

int layout_bar_eighths(uint64_t count, uint64_t maxcount, int rows, int logscale)
{
    if (count == 0 || maxcount == 0 || rows <= 0)
        return 0;
    int full = rows * 8;
    double f = logscale ? log1p((double)count) / log1p((double)maxcount)
                        : (double)count / (double)maxcount;
    int e = (int)lround(f * full);
    if (e < 1)
        e = 1;
    if (e > full)
        e = full;
    return e;
}

const char *layout_bar_glyph(int eighths, int row, int utf8)
{
    static const char *const blocks[9] = {
        " ", "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588"
    };
    int in = eighths - row * 8;
    if (in <= 0)
        return " ";
    if (in > 8)
        in = 8;
    if (utf8)
        return blocks[in];
    return in == 8 ? "#" : in >= 4 ? "+" : ".";
}

void layout_rug(const double *xs, size_t n, double lo, double hi, int w, int *cnt)
{
    for (int c = 0; c < w; c++)
        cnt[c] = 0;
    for (size_t i = 0; i < n; i++) {
        int c = layout_col_of_x(xs[i], lo, hi, w);
        if (c >= 0)
            cnt[c]++;
    }
}

const char *layout_rug_glyph(int cnt, int utf8, char *buf, size_t len)
{
    if (cnt <= 0)
        snprintf(buf, len, " ");
    else if (cnt == 1)
        snprintf(buf, len, "%s", utf8 ? "\u2502" : "|");
    else if (cnt <= 9)
        snprintf(buf, len, "%d", cnt);
    else
        snprintf(buf, len, "+");
    return buf;
}

int layout_ticks(double lo, double hi, int maxticks, double *ticks, double *step)
{
    *step = 0;
    if (!(hi > lo) || maxticks < 1 || !isfinite(lo) || !isfinite(hi))
        return 0;
    double raw = (hi - lo) / maxticks;
    double mag = pow(10, floor(log10(raw)));
    double st = mag;
    static const double mult[] = { 1, 2, 5, 10 };
    for (size_t i = 0; i < 4; i++) {
        st = mult[i] * mag;
        if (st >= raw)
            break;
    }
    double first = ceil(lo / st - 1e-9) * st;
    int n = 0;
    for (double t = first; t <= hi + st * 1e-9 && n < maxticks + 1; t = first + n * st) {
        ticks[n++] = fabs(t) < st * 1e-9 ? 0.0 : t;
    }
    *step = st;
    return n;
}

const char *layout_fmt_tick(char *buf, size_t len, double v, double step)
{
    if (v == 0 || !(step > 0)) {
        snprintf(buf, len, "0");
        return buf;
    }
    double a = fabs(v);
    if (a >= 1e5 || a < 1e-4) {
        snprintf(buf, len, "%.2g", v);
        return buf;
    }
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    if (dec > 8)
        dec = 8;
    snprintf(buf, len, "%.*f", dec, v);
    return buf;
}

const char *layout_fmt_num(char *buf, size_t len, double v, int sig, int width)
{
    if (isnan(v)) {
        snprintf(buf, len, "nan");
        return buf;
    }
    if (isinf(v)) {
        snprintf(buf, len, v > 0 ? "inf" : "-inf");
        return buf;
    }
    snprintf(buf, len, "%.*g", sig, v);
    if (width <= 0 || (int)strlen(buf) <= width)
        return buf;
    /* narrower: the closest text that fits, never a cut number
     * (core/numfmt.h; '#' across the field when nothing does) */
    return numfmt_fit(buf, len, v, width, sig, NUMFMT_PLAIN | NUMFMT_EXP);
}

int layout_best(const double *v, int n, int lower_better)
{
    int best = -1, nvalid = 0, alleq = 1;
    for (int i = 0; i < n; i++) {
        if (isnan(v[i]))
            continue;
        nvalid++;
        if (best < 0) {
            best = i;
            continue;
        }
        if (v[i] != v[best])
            alleq = 0;
        if (lower_better ? v[i] < v[best] : v[i] > v[best])
            best = i;
    }
    if (nvalid < 2 || alleq)
        return -1;
    return best;
}

int layout_row_of_logy(double y, double ylo, double yhi, int h)
{
    if (!(y > 0) || !isfinite(y) || !(ylo > 0) || !(yhi > ylo) || h <= 0)
        return -1;
    double f = (log10(y) - log10(ylo)) / (log10(yhi) - log10(ylo));
    if (f < -1e-9 || f > 1 + 1e-9)
        return -1;
    int r = (int)lround((1 - f) * (h - 1));
    if (r < 0)
        r = 0;
    if (r > h - 1)
        r = h - 1;
    return r;
}

int layout_name_matches(const char *pattern, const char *name)
{
    if (!pattern || !*pattern)
        return 1;
    if (strpbrk(pattern, "*?["))
        return util_glob(pattern, name);
    size_t pl = strlen(pattern);
    for (const char *s = name; *s; s++) {
        size_t i = 0;
        while (i < pl && s[i] && tolower((unsigned char)s[i]) == tolower((unsigned char)pattern[i]))
            i++;
        if (i == pl)
            return 1;
    }
    return 0;
}

int layout_wrap(const char *s, int w, int *start, int *len, int max)
{
    int n = 0, i = 0, L = (int)strlen(s);
    if (w < 1)
        w = 1;
    while (n < max) {
        while (i < L && s[i] == ' ')
            i++;
        if (i >= L)
            break;
        int take = L - i;
        if (take > w) {
            take = w;
            while (take > 0 && s[i + take] != ' ')
                take--;
            if (take == 0)
                take = w;
        }
        int e = take;
        while (e > 0 && s[i + e - 1] == ' ')
            e--;
        start[n] = i;
        len[n] = e;
        n++;
        i += take;
    }
    return n;
}

void layout_marks(const double *x, const int *row, int n, double top, int w, int *col, int *lift)
{
    for (int i = 0; i < n; i++) {
        col[i] = row[i] < 0 ? -1 : layout_col_of_x(x[i], 0, top, w);
        lift[i] = 0;
        if (col[i] < 0)
            continue;
        for (int j = 0; j < i; j++)
            if (col[j] == col[i] && row[j] - lift[j] == row[i] - lift[i])
                lift[i]++;
        /* a later clash with a lifted marker: keep lifting */
        for (int again = 1; again;) {
            again = 0;
            for (int j = 0; j < i; j++)
                if (col[j] == col[i] && row[j] - lift[j] == row[i] - lift[i]) {
                    lift[i]++;
                    again = 1;
                }
        }
    }
}

int layout_heat_level(double v, double lo, double hi, int nlevels)
{
    if (isnan(v))
        return -1;
    if (!(v > 0) || !(lo > 0) || !(hi > lo))
        return v > 0 && hi > 0 && v >= hi ? nlevels - 1 : 0;
    double t = (log(v) - log(lo)) / (log(hi) - log(lo));
    int k = (int)floor(t * (nlevels - 1) + 0.5);
    return k < 0 ? 0 : k >= nlevels ? nlevels - 1 : k;
}

const char *layout_heat_glyph(int k, int utf8)
{
    static const char *const u[] = { " ", "\u2591", "\u2592", "\u2593", "\u2588" };
    static const char *const a[] = { " ", ".", ":", "o", "#" };
    if (k < 0 || k > 4)
        return "?";
    return utf8 ? u[k] : a[k];
}
