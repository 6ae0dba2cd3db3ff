/*
 * main.c - apotview entry point: parse the command line and hand over to
 * the mode (report/levels/sweep in cli/, the viewer in ui/, figures in
 * plot/).
 */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/compare.h"
#include "cli/export_npy.h"
#include "cli/options.h"
#include "cli/plan.h"
#include "cli/report.h"
#include "plot/plot.h"
#include "ui/ui.h"

static int on_terminal(void)
{
    const char *term = getenv("TERM");
    return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && term && *term && strcmp(term, "dumb") != 0;
}

/* The viewer on a plan (--plan=BPW MODEL on a terminal). */
static int plan_view_sink(void *ctx, const model_plan *mp)
{
    return ui_run_plan(ctx, mp);
}

/* The viewer on the pairs of ORIGINAL QUANTIZED (issue 15): the compare's
 * metrics first (on stderr what it is doing), then the viewer. */
static int view_pairs(const cli_opts *o)
{
    model_pairs mp;
    fprintf(stderr, "apotview: comparing %s with %s ...\n", o->files[0].path, o->files[1].path);
    if (compare_pairs(o, &mp) < 0)
        return 1;
    int status = ui_run_pairs(o, &mp);
    model_pairs_free(&mp);
    return status;
}

int main(int argc, char **argv)
{
    cli_opts o;
    setlocale(LC_ALL, "");
    signal(SIGPIPE, SIG_IGN);
    int r = options_parse(argc, argv, &o);
    if (r == 1) {
        options_free(&o);
        return 0;
    }
    if (r == 2) {
        options_free(&o);
        return 2;
    }
    /* Numbers are printed in the C locale whatever LC_NUMERIC says. */
    setlocale(LC_NUMERIC, "C");
    int status;
    switch (o.mode) {
    case MODE_LEVELS:
        status = report_levels(&o);
        break;
    case MODE_COMPARE:
        /* on a terminal, without --report or --format: the viewer */
        status = !o.compare_print && !o.format_given && o.nfiles == 2 && on_terminal() ? view_pairs(&o)
                                                                                     : compare_run(&o);
        break;
    case MODE_PLAN:
        /* on a terminal, without --report or --format: the viewer */
        status = !o.compare_print && !o.format_given && on_terminal() ? plan_collect(&o, plan_view_sink, &o)
                                                                       : plan_run(&o);
        break;
    case MODE_LIST:
        status = report_list(&o);
        break;
    case MODE_EXPORT:
        status = export_npy_wanted(&o) ? export_npy_run(&o)
                                       : plot_cli(&o, &(const plot_sources){ compare_collect, plan_collect });
        break;
    case MODE_TUI:
    case MODE_AUTO:
        /* the viewer on a terminal (interface.md), else --report; two
         * files of which one is quantized: the viewer on their pairs */
        if (o.mode == MODE_AUTO && !on_terminal())
            status = report_run(&o);
        else if (o.nfiles == 2 && !o.tour && compare_is_quantized(&o))
            status = view_pairs(&o);
        else
            status = ui_run(&o);
        break;
    case MODE_REPORT:
    case MODE_SWEEP:
    default:
        status = report_run(&o);
        break;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (status == 0)
            fprintf(stderr, "apotview: write error on standard output\n");
        status = status ? status : 1;
    }
    options_free(&o);
    return status;
}
