/*
 * testutil.h - helpers shared by the cmocka tests: a deterministic PRNG,
 * temporary directories, writing .npy files byte by byte (independently of
 * the reader under test), and running the apotview binary.
 */
#ifndef APOTVIEW_TESTUTIL_H
#define APOTVIEW_TESTUTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

/* splitmix64 */
typedef struct tu_rng { uint64_t s; } tu_rng;
uint64_t tu_next(tu_rng *r);
double tu_uniform(tu_rng *r);        /* [0, 1) */
double tu_gauss(tu_rng *r);          /* N(0, 1) */
double tu_laplace(tu_rng *r);        /* Laplace(0, 1) */

/* A fresh directory under $TMPDIR (removed by tu_rmdir). */
char *tu_mkdtemp(void);
void tu_rmdir(const char *dir);
char *tu_path(const char *dir, const char *name);   /* malloc'd */

/* Write a file from a buffer. */
void tu_write(const char *path, const void *buf, size_t n);
/* Build a .npy header (version major.0) for descr/shape and write header
 * + data. fortran: 0/1. */
void tu_write_npy(const char *path, int major, const char *descr, int fortran,
                  const char *shape, const void *data, size_t nbytes);

/* Run `$APOTVIEW args...` through the shell; returns the exit status and
 * the captured stdout/stderr (malloc'd, NUL-terminated; NULL to ignore). */
int tu_run(char **out, char **err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The path of a file in the source tree (abs_top_srcdir). */
char *tu_srcfile(const char *rel);

int tu_close_rel(double a, double b, double rel);

#endif
