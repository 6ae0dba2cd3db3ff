/*
 * testutil.h - the one helper kit of the cmocka tests: a deterministic
 * PRNG (splitmix64, with uniform, Gaussian and Laplace draws: kit.h),
 * brute-force oracles written independently of the engines (nearest level
 * by a linear scan: kit.h; sum of squared errors), a prepared tensor from
 * an array, temporary directories, writing fixture files byte by byte
 * (.npy, independently of the reader under test), running the apotview
 * binary, and relative comparisons. kit.h is the part without cmocka that
 * the fixture programs share.
 */
#ifndef APOTVIEW_TESTUTIL_H
#define APOTVIEW_TESTUTIL_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "io/loader.h"
#include "quant/prep.h"

#include "kit.h"   /* tu_rng, tu_next, tu_uniform, tu_gauss, tu_laplace, tu_nearest, tu_npy_header */

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

/* Loader fixtures under tests/data/io/: the path (malloc'd); the file
 * opened (the test fails with the loader's message when it does not
 * open); a file that must be refused with a message naming its path and
 * holding `what`. */
char *tu_io_fixture(const char *rel);
loader_file *tu_open_fixture(const char *rel);
void tu_expect_refused(const char *rel, const char *what);

/* a == b, or |a - b| <= rel * max(|a|, |b|) */
int tu_close_rel(double a, double b, double rel);
#define TU_CLOSE(a, b, rel)                                                        \
    do {                                                                           \
        double tu_a_ = (a), tu_b_ = (b);                                           \
        if (!tu_close_rel(tu_a_, tu_b_, rel))                                      \
            fail_msg("%s = %.17g, expected %.17g (rel %g)", #a, tu_a_, tu_b_, (double)(rel)); \
    } while (0)

/* ---- brute-force oracles ------------------------------------------------ */

/* A prepared tensor (sorted engine) of a copy of x[0..n). */
prep *tu_prep(const double *x, size_t n);
/* Sum of squared errors quantizing x[0..n) to the nearest of q[0..L),
 * by a linear scan over the levels (tu_nearest). */
double tu_sse(const double *x, size_t n, const double *q, size_t L);

#endif
