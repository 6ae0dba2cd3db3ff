/*
 * teach.h - the viewer's teaching texts, pure data (no curses), tested in
 * tests/ui/test_ui_layout.c:
 *
 *  - one explanation per scheme of levels_schemes (the `x` overlay): its
 *    formula and what to notice, two or three lines in all. Every scheme in
 *    the table has one (the test walks levels_schemes), so a new scheme
 *    without a text fails `make check`.
 *  - the steps of `apotview --tour`: uniform -> PoT -> APoT ->
 *    normalization -> clipping -> clipping methods. Each step is a complete
 *    viewer state (schemes shown, focus, bits, alpha mode, normalization,
 *    view) plus a caption; ui.c applies it, so every number on screen during
 *    the tour is the viewer's ordinary, real number.
 */
#ifndef APOTVIEW_UI_TEACH_H
#define APOTVIEW_UI_TEACH_H

#include <stddef.h>

typedef struct teach_text {
    const char *scheme;    /* a levels_schemes name */
    const char *formula;   /* the level set in one line */
    const char *notice;    /* what to look at on screen */
} teach_text;

/* The explanation of scheme (NAME or NAME:ARG), or NULL when there is none. */
const teach_text *teach_explain(const char *scheme);
/* The whole table and its length. */
const teach_text *teach_table(int *n);

/* What a group scale costs, for the x overlay at a group granularity:
 * one scale of sbits bits (named sdtype) per `per` values (the average
 * group size: count / nscales) adds sbits / per bits to each weight, e.g.
 * fp16 per 128 = 16 / 128 = 0.125; written with this result's bits and
 * bpw (bits + the scales, as --report prints bits/weight); zp: the bits
 * per weight of zero points (int-asym; 0: none); group: the nominal group
 * size (0: none), said when the average differs (ragged rows). Returns
 * buf. */
const char *teach_group_cost(char *buf, size_t len, int bits, const char *sdtype, int sbits, double per,
                             unsigned long long group, double zp, double bpw);

/* One step of the tour. */
typedef enum teach_alpha { TA_MAX = 0, TA_MSE } teach_alpha;
typedef enum teach_view { TV_MAIN = 0, TV_CURVE } teach_view;

#define TEACH_MAX_SCHEMES 3

typedef struct teach_step {
    const char *title;
    const char *schemes[TEACH_MAX_SCHEMES]; /* shown, NULL-terminated when fewer */
    const char *focus;
    int bits;
    int normalize;
    teach_alpha alpha;     /* max|x|, or each scheme at its MSE-optimal alpha */
    teach_view view;
    const char *caption;   /* two or three sentences */
    /* on a real file instead (NULL: caption): "{T}" stands for the
     * tensor's name, the caption speaks of "this demo tensor" */
    const char *file_caption;
} teach_step;

/* With no FILE the tour opens demo:gaussian (cli/options.c): the captions
 * are written for a bell-shaped tensor. */
const teach_step *teach_tour(int *n);

#endif
