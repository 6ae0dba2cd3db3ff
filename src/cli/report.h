/*
 * report.h - the non-interactive modes: --report, --list, --levels, --sweep, in
 * table (for humans), json (interface.md) or csv form, on stdout.
 * Each returns the process exit status (0, or 1 when some file or tensor
 * could not be processed; messages go to stderr).
 */
#ifndef APOTVIEW_REPORT_H
#define APOTVIEW_REPORT_H

#include "cli/options.h"

int report_levels(const cli_opts *o);
int report_run(const cli_opts *o);   /* --report and --sweep */
int report_list(const cli_opts *o);  /* --list: descriptions only, no values read */

#endif
