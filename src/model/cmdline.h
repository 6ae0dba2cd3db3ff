/*
 * cmdline.h - the `apotview --report ...` command line that reproduces a
 * setting (the viewer's `y`, issue 12), shell-quoted so that any file or
 * tensor name (quotes, $, backquotes, ;, newlines, glob characters) is
 * passed as one literal argument and selects exactly that tensor.
 */
#ifndef APOTVIEW_CMDLINE_H
#define APOTVIEW_CMDLINE_H

#include <stddef.h>
#include "quant/analyze.h"

/* s as one POSIX shell word: unchanged when it holds only [A-Za-z0-9_./:=,+-]
 * (and is not empty), else in single quotes with each ' written '\''.
 * Returns the length it needs (without the NUL); buf is cut like
 * snprintf when short. */
size_t cmdline_quote(char *buf, size_t len, const char *s);

/* name with the glob characters * ? [ ] and \ escaped by a backslash: a
 * --tensor pattern (fnmatch) that matches name only. */
size_t cmdline_glob_escape(char *buf, size_t len, const char *name);

/* "apotview --report --bits=B ... --scheme=LIST --alpha=A --tensor=T FILE"
 * for cfg, the schemes and one tensor of a file; alpha exact (it reads
 * back as the same double). Returns the length it needs; buf cut like
 * snprintf. */
size_t cmdline_report(char *buf, size_t len, const analyze_cfg *cfg, const char *const *schemes, int nschemes,
                      const char *file, const char *tensor);

/* The viewer's `:` line: "alpha X", "a X", "alpha=X", "bits N", "b N",
 * "bits=N" or a plain number X (alpha), spaces around allowed; X a
 * positive finite number (numfmt_parse: 0.05, 5e-2, 50m), N an integer.
 * Returns CMDLINE_ALPHA or CMDLINE_BITS with *v set, or -1 with err[] set
 * (what is wrong, for the status line). */
enum { CMDLINE_ALPHA = 1, CMDLINE_BITS = 2 };
int cmdline_parse_set(const char *text, double *v, char *err, size_t errlen);

#endif
