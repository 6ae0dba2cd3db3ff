/*
 * plot_run.h - internal to plot/: gnuplot and the files of an export, for
 * plot_export_csv (plot.c). Every function returns 0 or -1 with err set
 * (or, for incomplete, what is wrong), and never prints.
 */
#ifndef APOTVIEW_PLOT_RUN_H
#define APOTVIEW_PLOT_RUN_H

#include <signal.h>

#include "plot/figures.h"

/* One output of an export. */
typedef struct outfile {
    char *final;     /* where it goes */
    char *tmp;       /* where it is made (in the private directory) */
    char *backup;    /* a hard link to the file it replaces, or NULL */
    int installed;   /* final now is the new file */
} outfile;

char *plot_find_gnuplot(util_err *err);
int plot_run_gnuplot(const char *prog, const char *dir, const char *script, size_t len,
                       const char *logpath, const struct sigaction *xfsz, util_err *err);
int plot_write_file(const char *path, const char *shown, const char *data, size_t len, util_err *err);
const char *plot_incomplete(const char *path, plot_format fmt);
int plot_finish_file(const char *path, plot_format fmt);
void plot_sync_dir(const char *dir);
int plot_install(outfile *o, const char *tmpdir, int idx, int force, util_err *err);
void plot_roll_back(outfile *of, int nof, util_err *err);
void plot_remove_tmpdir(const char *tmpdir);
/* The last few meaningful lines of gnuplot's output, on one line. */
void plot_log_summary(const char *logpath, char *out, size_t len);

#endif
