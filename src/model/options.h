/*
 * options.h - the settings of one run (interface.md): the one struct that
 * every front end (report, viewer, figures) reads. It lies below the front
 * ends (design.md: io -> quant -> model -> cli/ui/plot); cli/options.h
 * fills it from the command line.
 *
 * Ownership: strings point into argv or are owned by the struct and freed
 * by options_free().
 */
#ifndef APOTVIEW_MODEL_OPTIONS_H
#define APOTVIEW_MODEL_OPTIONS_H

#include <stdio.h>
#include "core/dtype.h"
#include "quant/analyze.h"

typedef enum cli_mode {
    MODE_AUTO = 0,   /* TUI on a terminal, else report */
    MODE_TUI,
    MODE_REPORT,
    MODE_LEVELS,
    MODE_SWEEP,
    MODE_EXPORT,
    MODE_LIST,       /* --list: the tensors of each file, no values read */
    MODE_COMPARE,    /* --compare ORIGINAL QUANTIZED (cli/compare.h) */
    MODE_PLAN,       /* --plan=BPW MODEL (cli/plan.h) */
} cli_mode;

typedef enum cli_format { FMT_TABLE = 0, FMT_JSON, FMT_CSV, FMT_C } cli_format;

#define OPTIONS_MAX_SCHEMES 32

typedef struct cli_file {
    char *path;
    char *tensor;      /* from FILE:TENSOR, or NULL */
} cli_file;

typedef struct cli_opts {
    cli_mode mode;
    const char *schemes[OPTIONS_MAX_SCHEMES];
    int nschemes;
    analyze_cfg cfg;   /* bits, signed, normalize, alpha mode and value */
    char **globs;      /* -t NAME (repeatable) */
    int nglobs;
    cli_format format;
    int format_given;  /* --format was on the command line */
    int compare_print; /* --compare --report, --plan --report: print, never the viewer */
    double sweep_a0, sweep_a1;
    int sweep_n;
    dtype_id dtype_override;
    /* figures (plot/) */
    const char *export_path;
    const char *figure;   /* histogram|levels|sweep|bits|layers */
    const char *size;     /* single|double|WxH */
    const char *font;
    int mono;
    const char *colors;   /* --colors=SCHEME:#RRGGBB,... */
    int logy;             /* --logy: histogram counts on a log axis */
    int panel_cols, panel_rows; /* --panels=CxR, 0 when not given */
    int force;
    /* whole-model report */
    const char *sort;     /* file|name|size|error */
    unsigned long long min_count;
    int jobs;
    const char *engine;   /* auto|sorted|histogram (--report, --sweep) */
    int no_best;          /* --no-best: --compare without best_at_same_bpw */
    const char *imatrix;  /* --imatrix=FILE (io/imatrix.h), or NULL */
    double plan_bpw;      /* --plan=BPW */
    const char *plan_schemes; /* --plan-schemes=LIST, or NULL: the default set */
    const char *plan_method;  /* --plan-method=auto|hull|dp, or NULL: auto */
    int tour;             /* --tour: the viewer walks through the teaching steps */
    cli_file *files;
    int nfiles;
    char *scheme_buf;     /* owned copy of the --scheme list */
} cli_opts;

/* Free what the struct owns and clear it. */
void options_free(cli_opts *o);

/* Does tensor `name` (from file #fi) pass the -t / FILE:TENSOR filters? */
int options_selects(const cli_opts *o, int fi, const char *name);

#endif
