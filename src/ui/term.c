/* term.c - see term.h. */
#include "config.h"
#include "ui/term.h"

#include <curses.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

static int active, utf8, mono;
static int attrs[R__COUNT];
static int sattrs[TERM_NSCHEME_COLORS];
static int shades[TERM_NSHADES];
static volatile sig_atomic_t got_signal;
static SCREEN *scr;
static FILE *vout, *vin;
static struct sigaction old_int, old_term;

static void on_signal(int sig)
{
    got_signal = sig;
}

static void fatal_hook(void)
{
    term_end();
}

int term_signalled(void)
{
    return (int)got_signal;
}

int term_utf8(void)
{
    return utf8;
}

int term_mono(void)
{
    return mono;
}

int term_attr(term_role r)
{
    return attrs[r];
}

int term_shade_attr(int k)
{
    return shades[k < 0 ? 0 : k >= TERM_NSHADES ? TERM_NSHADES - 1 : k];
}

int term_scheme_attr(int i)
{
    return sattrs[i % TERM_NSCHEME_COLORS];
}

static void setup_colors(void)
{
    const char *nc = getenv("NO_COLOR");
    mono = (nc && *nc) || !has_colors();
    if (!mono) {
        start_color();
        use_default_colors();
        if (COLORS < 8 || COLOR_PAIRS < 16)
            mono = 1;
    }
    if (mono) {
        attrs[R_NORMAL] = A_NORMAL;
        attrs[R_HEADER] = A_BOLD;
        attrs[R_STATUS] = A_REVERSE;
        attrs[R_BAR] = A_NORMAL;
        attrs[R_BAR_CLIP] = A_DIM;
        attrs[R_AXIS] = A_NORMAL;
        attrs[R_ALPHA] = A_BOLD;
        attrs[R_BEST] = A_REVERSE | A_BOLD;
        attrs[R_DIM] = A_DIM;
        attrs[R_ERROR] = A_BOLD | A_UNDERLINE;
        attrs[R_SELECT] = A_REVERSE;
        attrs[R_TITLE] = A_BOLD | A_UNDERLINE;
        static const int ms[TERM_NSCHEME_COLORS] = {
            A_NORMAL, A_BOLD, A_UNDERLINE, A_BOLD | A_UNDERLINE, A_DIM, A_ITALIC
        };
        memcpy(sattrs, ms, sizeof sattrs);
        static const int sh[TERM_NSHADES] = { A_DIM, A_NORMAL, A_BOLD, A_BOLD | A_UNDERLINE };
        memcpy(shades, sh, sizeof shades);
        return;
    }
    init_pair(1, COLOR_CYAN, -1);      /* scheme 0: uniform */
    init_pair(2, COLOR_MAGENTA, -1);   /* scheme 1: pot */
    init_pair(3, COLOR_GREEN, -1);     /* scheme 2: apot */
    init_pair(4, COLOR_YELLOW, -1);
    init_pair(5, COLOR_BLUE, -1);
    init_pair(6, COLOR_WHITE, -1);
    init_pair(7, COLOR_RED, -1);       /* clipped bars, errors */
    init_pair(8, COLOR_BLACK, COLOR_CYAN); /* status line */
    init_pair(9, COLOR_YELLOW, -1);    /* alpha markers */
    init_pair(10, COLOR_BLACK, COLOR_GREEN); /* best value */
    init_pair(11, COLOR_BLACK, COLOR_WHITE); /* selection */
    init_pair(12, COLOR_BLUE, -1);     /* shades of magnitude, small .. large */
    init_pair(13, COLOR_CYAN, -1);
    init_pair(14, COLOR_YELLOW, -1);
    init_pair(15, COLOR_RED, -1);
    for (int i = 0; i < TERM_NSHADES; i++)
        shades[i] = (int)COLOR_PAIR(12 + i) | (i >= 2 ? A_BOLD : 0);
    for (int i = 0; i < TERM_NSCHEME_COLORS; i++)
        sattrs[i] = (int)COLOR_PAIR(i + 1) | (i < 3 ? A_BOLD : 0);
    attrs[R_NORMAL] = A_NORMAL;
    attrs[R_HEADER] = A_BOLD;
    attrs[R_STATUS] = (int)COLOR_PAIR(8);
    attrs[R_BAR] = A_NORMAL;
    attrs[R_BAR_CLIP] = (int)COLOR_PAIR(7);
    attrs[R_AXIS] = A_NORMAL;
    attrs[R_ALPHA] = (int)COLOR_PAIR(9) | A_BOLD;
    attrs[R_BEST] = (int)COLOR_PAIR(10) | A_BOLD;
    attrs[R_DIM] = A_DIM;
    attrs[R_ERROR] = (int)COLOR_PAIR(7) | A_BOLD;
    attrs[R_SELECT] = (int)COLOR_PAIR(11);
    attrs[R_TITLE] = A_BOLD | A_UNDERLINE;
}

int term_init(int virt, int rows, int cols, char *err, int errlen)
{
    const char *cs = nl_langinfo(CODESET);
    utf8 = cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
    if (getenv("APOTVIEW_ASCII"))
        utf8 = 0;
    if (virt) {
        vout = fopen("/dev/null", "w");
        vin = fopen("/dev/null", "r");
        const char *tn = getenv("TERM");
        if (!tn || !*tn || strcmp(tn, "dumb") == 0)
            tn = "xterm-256color";
        scr = vout && vin ? newterm(tn, vout, vin) : NULL;
        if (!scr) {
            snprintf(err, (size_t)errlen, "cannot open a virtual terminal of type %s", tn);
            if (vout)
                fclose(vout);
            if (vin)
                fclose(vin);
            return -1;
        }
        set_term(scr);
        resizeterm(rows, cols);
    } else {
        scr = newterm(NULL, stdout, stdin);
        if (!scr) {
            const char *tn = getenv("TERM");
            snprintf(err, (size_t)errlen, "cannot use the terminal '%s'", tn ? tn : "");
            return -1;
        }
        set_term(scr);
    }
    active = 1;
    util_fatal_hook = fatal_hook;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    setup_colors();
    if (!virt) {
        mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
        mouseinterval(0);
    }
    return 0;
}

void term_end(void)
{
    if (!active)
        return;
    active = 0;
    curs_set(1);
    endwin();
    if (scr) {
        delscreen(scr);
        scr = NULL;
    }
    if (vout) {
        fclose(vout);
        vout = NULL;
    }
    if (vin) {
        fclose(vin);
        vin = NULL;
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    util_fatal_hook = NULL;
}
