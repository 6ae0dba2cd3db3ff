/*
 * options.h - the command line of interface.md, parsed into the run's
 * settings (model/options.h).
 */
#ifndef APOTVIEW_OPTIONS_H
#define APOTVIEW_OPTIONS_H

#include <stdio.h>
#include "model/options.h"

/* Returns 0 to go on, 1 when --help/--version was printed (exit 0), 2 on a
 * usage error (message printed, exit 2). */
int options_parse(int argc, char **argv, cli_opts *o);
void options_usage(FILE *fp);
/* --version's text on stdout (usage.c). */
void options_version(void);

#endif
