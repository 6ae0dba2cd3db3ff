/* testutil.c - see testutil.h. */
#include "config.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

char *tu_mkdtemp(void)
{
    const char *t = getenv("TMPDIR");
    char *p = malloc(4096);
    snprintf(p, 4096, "%s/apotview-test-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(p)) {
        perror("mkdtemp");
        abort();
    }
    return p;
}

void tu_rmdir(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", dir);
}

char *tu_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

void tu_write(const char *path, const void *buf, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    if (n)
        assert_int_equal(fwrite(buf, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

void tu_write_npy(const char *path, int major, const char *descr, int fortran,
                  const char *shape, const void *data, size_t nbytes)
{
    unsigned char hdr[640];
    size_t hl = tu_npy_header(hdr, sizeof hdr, major, descr, fortran, shape);
    assert_true(hl > 0);
    unsigned char *buf = malloc(hl + nbytes);
    memcpy(buf, hdr, hl);
    if (nbytes)
        memcpy(buf + hl, data, nbytes);
    tu_write(path, buf, hl + nbytes);
    free(buf);
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return strdup("");
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    size_t r = fread(b, 1, (size_t)n, fp);
    b[r] = '\0';
    fclose(fp);
    return b;
}

int tu_run(char **out, char **err, const char *fmt, ...)
{
    const char *bin = getenv("APOTVIEW");
    if (!bin)
        bin = "../src/apotview";
    char args[8192], cmd[12288];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    char *dir = tu_mkdtemp();
    char *o = tu_path(dir, "out"), *e = tu_path(dir, "err");
    snprintf(cmd, sizeof cmd, "'%s' %s >'%s' 2>'%s' </dev/null", bin, args, o, e);
    int st = system(cmd);
    if (out)
        *out = slurp(o);
    if (err)
        *err = slurp(e);
    tu_rmdir(dir);
    free(dir);
    free(o);
    free(e);
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

char *tu_srcfile(const char *rel)
{
    const char *top = getenv("abs_top_srcdir");
    if (!top)
        top = "..";
    return tu_path(top, rel);
}

char *tu_io_fixture(const char *rel)
{
    char *r = util_asprintf("tests/data/io/%s", rel);
    char *p = tu_srcfile(r);
    free(r);
    return p;
}

loader_file *tu_open_fixture(const char *rel)
{
    char *p = tu_io_fixture(rel);
    util_err err = { { 0 } };
    loader_file *f = loader_open(p, NULL, &err);
    if (!f)
        fail_msg("%s: %s", p, err.msg);
    free(p);
    return f;
}

void tu_expect_refused(const char *rel, const char *what)
{
    char *p = tu_io_fixture(rel);
    util_err err = { { 0 } };
    loader_file *f = loader_open(p, NULL, &err);
    if (f)
        fail_msg("%s opened", p);
    if (!strstr(err.msg, p) || !strstr(err.msg, what))
        fail_msg("%s: message \"%s\" lacks \"%s\"", rel, err.msg, what);
    free(p);
}

int tu_close_rel(double a, double b, double rel)
{
    if (a == b)
        return 1;
    double d = fabs(a - b), m = fmax(fabs(a), fabs(b));
    return d <= rel * m;
}

prep *tu_prep(const double *x, size_t n)
{
    double *c = malloc((n ? n : 1) * sizeof *c);
    memcpy(c, x, n * sizeof *c);
    util_err e;
    memset(&e, 0, sizeof e);
    return prep_create_double(c, n, NULL, &e);
}

double tu_sse(const double *x, size_t n, const double *q, size_t L)
{
    if (!L)
        return n ? INFINITY : 0;
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - q[tu_nearest(q, L, x[i])];
        s += d * d;
    }
    return s;
}
