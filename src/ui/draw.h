/*
 * draw.h - the viewer's drawing primitives (draw.c). Internal to src/ui.
 *
 * Every string drawn is sanitized first (util_sanitize: controls, C1, bidi
 * overrides and invalid UTF-8 as \xNN; a character the locale cannot
 * print as '?'), so nothing a file holds can act on the terminal.
 */
#ifndef APOTVIEW_UI_DRAW_H
#define APOTVIEW_UI_DRAW_H

#include <stddef.h>

void draw_text(int y, int x, int maxw, int attr, const char *s);
/* A string from a file (tensor name, metadata, path) in its escaped form
 * (util_escape: also a backslash doubled, as --list prints it). */
const char *app_esc(char *buf, size_t len, const char *s);
int draw_textf(int y, int x, int maxw, int attr, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void draw_fill(int y, int x, int w, int attr);
/* Number of terminal columns of UTF-8 text. */
int text_width(const char *s);
/* A box with a frame (UTF-8 lines when utf8) and a title. */
void draw_box(int utf8, int y0, int x0, int h, int w, const char *title);
/* Draw s wrapped at width w from row y, at most maxrows rows; returns the
 * rows used. */
int draw_wrapped(int y, int x, int w, int maxrows, int attr, const char *s);

#endif
