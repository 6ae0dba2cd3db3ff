/*
 * draw.c - the viewer's drawing primitives (draw.h): sanitized text, fills,
 * boxes and wrapped text. Every view and overlay draws through these.
 */
#include "config.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "core/util.h"
#include "ui/draw.h"
#include "ui/layout.h"
#include "ui/term.h"

int text_width(const char *s)
{
    int w = 0;
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t len = strlen(s);
    while (len > 0) {
        wchar_t wc;
        size_t k = mbrtowc(&wc, s, len, &st);
        if (k == (size_t)-1 || k == (size_t)-2) {
            w++;
            s++;
            len--;
            memset(&st, 0, sizeof st);
            continue;
        }
        if (k == 0)
            break;
        int cw = wcwidth(wc);
        w += cw > 0 ? cw : 0;
        s += k;
        len -= k;
    }
    return w;
}

const char *app_esc(char *buf, size_t len, const char *s)
{
    util_escape(s, buf, len);
    return buf;
}

/* A character of a word or a number: ASCII letters and digits, the
 * characters inside numbers and names (. _ - + % ' ^), letters and digits
 * of other scripts (sigma, alpha) and superscripts (2^-3 as 2⁻³). Bars,
 * rules, frames and spaces are not. */
static int word_char(wchar_t wc)
{
    if (wc < 128)
        return (wc >= '0' && wc <= '9') || (wc >= 'a' && wc <= 'z') || (wc >= 'A' && wc <= 'Z') ||
               (wc != 0 && strchr("._-+%'^", (int)wc) != NULL);
    return iswalnum((wint_t)wc) || wc == 0x207b || (wc >= 0x2070 && wc <= 0x2079) || wc == 0xb9 || wc == 0xb2 ||
           wc == 0xb3;
}

/* Write s at (y, x), at most maxw columns (whole characters). Text that
 * does not fit stops before the word or number the edge would cut (a
 * "mse 2.97e-" or "int-a" never shows), unless that word is all there is. */
void draw_text(int y, int x, int maxw, int attr, const char *raw)
{
    if (maxw <= 0 || y < 0 || y >= LINES || x >= COLS)
        return;
    char safe[2048];
    util_sanitize(raw, safe, sizeof safe);
    if (x + maxw > COLS)
        maxw = COLS - x;
    /* pass 1: where the text stops, and where the word it cuts begins */
    mbstate_t st;
    memset(&st, 0, sizeof st);
    const char *s = safe;
    size_t len = strlen(s), end = 0, wstart = 0;
    int col = 0, prev_word = 0, word_has_alnum = 0, cut = 0;
    while (len > 0) {
        wchar_t wc;
        size_t k = mbrtowc(&wc, s, len, &st);
        int cw = 1;
        if (k == (size_t)-1 || k == (size_t)-2) {
            memset(&st, 0, sizeof st);
            k = 1;
            wc = '?';
        } else if (k == 0)
            break;
        else if ((cw = wcwidth(wc)) < 0 || !iswprint((wint_t)wc))
            cw = 1, wc = '?';
        int w = word_char(wc);
        if (col + cw > maxw) {
            cut = prev_word && w;
            break;
        }
        if (w && !prev_word) {
            wstart = end;
            word_has_alnum = 0;
        }
        if (w && wc != '.' && wc != '_' && wc != '-' && wc != '+' && wc != '%' && wc != '\'' && wc != '^')
            word_has_alnum = 1;
        prev_word = w;
        col += cw;
        s += k;
        len -= k;
        end += k;
    }
    if (cut && wstart > 0 && word_has_alnum)
        end = wstart;
    /* pass 2: draw safe[0..end) */
    attron(attr);
    memset(&st, 0, sizeof st);
    s = safe;
    len = end;
    move(y, x);
    while (len > 0) {
        wchar_t wc;
        size_t k = mbrtowc(&wc, s, len, &st);
        if (k == (size_t)-1 || k == (size_t)-2) {
            memset(&st, 0, sizeof st);
            addch('?');
            s++;
            len--;
            continue;
        }
        if (k == 0)
            break;
        int cw = wcwidth(wc);
        if (cw < 0 || !iswprint((wint_t)wc))
            addch('?'); /* not printable here (a locale that is not UTF-8): '?' */
        else
            addnstr(s, (int)k);
        s += k;
        len -= k;
    }
    attroff(attr);
}

int draw_textf(int y, int x, int maxw, int attr, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char safe[2048];
    util_sanitize(buf, safe, sizeof safe);   /* the width drawn */
    draw_text(y, x, maxw, attr, safe);
    return text_width(safe);
}

void draw_fill(int y, int x, int w, int attr)
{
    if (y < 0 || y >= LINES)
        return;
    attron(attr);
    for (int i = 0; i < w && x + i < COLS; i++)
        mvaddch(y, x + i, ' ');
    attroff(attr);
}

/* A box with a frame and a title. */
void draw_box(int utf8, int y0, int x0, int h, int w, const char *title)
{
    for (int r = 0; r < h; r++)
        draw_fill(y0 + r, x0, w, term_attr(R_NORMAL));
    const char *hz = utf8 ? "\u2500" : "-";
    for (int i = 0; i < w; i++) {
        draw_text(y0, x0 + i, 1, 0, hz);
        draw_text(y0 + h - 1, x0 + i, 1, 0, hz);
    }
    for (int r = 1; r < h - 1; r++) {
        draw_text(y0 + r, x0, 1, 0, utf8 ? "\u2502" : "|");
        draw_text(y0 + r, x0 + w - 1, 1, 0, utf8 ? "\u2502" : "|");
    }
    draw_text(y0, x0, 1, 0, utf8 ? "\u250c" : "+");
    draw_text(y0, x0 + w - 1, 1, 0, utf8 ? "\u2510" : "+");
    draw_text(y0 + h - 1, x0, 1, 0, utf8 ? "\u2514" : "+");
    draw_text(y0 + h - 1, x0 + w - 1, 1, 0, utf8 ? "\u2518" : "+");
    draw_text(y0, x0 + 2, w - 4, term_attr(R_TITLE), title);
}


/* Draw s wrapped at width w from row y, at most maxrows rows; returns the
 * rows used. */
int draw_wrapped(int y, int x, int w, int maxrows, int attr, const char *s)
{
    int st[32], ln[32];
    int n = layout_wrap(s, w, st, ln, maxrows < 32 ? maxrows : 32);
    for (int i = 0; i < n; i++) {
        char line[512];
        snprintf(line, sizeof line, "%.*s", ln[i], s + st[i]);
        draw_text(y + i, x, w, attr, line);
    }
    return n;
}

