/*
 * term.h - the terminal: curses start and end, the colour table indexed by
 * role (with a monochrome variant using attributes, chosen when NO_COLOR
 * is set or the terminal has no colours), UTF-8 detection, and restoring
 * the terminal on every way out (quit, error, fatal allocation failure,
 * SIGINT/SIGTERM). Signal handlers only set a flag; nothing draws from one.
 */
#ifndef APOTVIEW_UI_TERM_H
#define APOTVIEW_UI_TERM_H

typedef enum term_role {
    R_NORMAL = 0,
    R_HEADER,      /* header lines */
    R_STATUS,      /* status line */
    R_BAR,         /* histogram bars inside the clipping range */
    R_BAR_CLIP,    /* bars outside +-alpha (clipped values) */
    R_AXIS,
    R_ALPHA,       /* +-alpha markers */
    R_BEST,        /* best value in a results row */
    R_DIM,         /* placeholders, stale numbers */
    R_ERROR,       /* messages about problems */
    R_SELECT,      /* the selected row of a list */
    R_TITLE,       /* overlay titles, focused scheme */
    R__COUNT
} term_role;

#define TERM_NSCHEME_COLORS 6

/* virt: draw on a virtual screen (output to /dev/null) for the benchmark.
 * Returns 0, or -1 when no terminal can be opened (message in err). */
int term_init(int virt, int rows, int cols, char *err, int errlen);
void term_end(void);
int term_attr(term_role r);
int term_scheme_attr(int i);
/* Shades of magnitude 0 (smallest) .. TERM_NSHADES - 1 (largest): colour
 * pairs from blue to red, in mono dim, normal, bold, bold underlined (the
 * decomposition view: readable either way, the text says the value). */
#define TERM_NSHADES 4
int term_shade_attr(int k);
int term_utf8(void);
int term_mono(void);
/* Set by SIGINT/SIGTERM (the signal number), polled by the main loop. */
int term_signalled(void);

#endif
