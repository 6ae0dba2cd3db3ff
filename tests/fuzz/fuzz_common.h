/*
 * fuzz_common.h - the body shared by the libFuzzer harnesses: write the
 * input to a memory file, open it with one format's open() (the same code
 * the program links), read every readable tensor, close. Any crash, hang,
 * leak or sanitizer report is a bug in the loader.
 */
#define _GNU_SOURCE 1
#include "config.h"
#include "io/loader.h"
#include "io/grid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void fuzz_one(const loader_format *fmt, const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz", 0);
    if (fd < 0)
        abort();
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0)
            abort();
        off += (size_t)w;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    loader_file *f = util_calloc(1, sizeof *f);
    f->path = util_strdup(path);
    f->fmt = fmt;
    f->opts.dtype_override = DT_INVALID;
    util_err err = { { 0 } };
    if (fmt->open(f, &err) == 0) {
        for (size_t i = 0; i < f->ntensors; i++) {
            loader_tensor *t = &f->tensors[i];
            if (!t->readable || t->count > (1u << 22))
                continue;
            double *buf = malloc((t->count ? t->count : 1) * sizeof *buf);
            util_err e2 = { { 0 } };
            if (loader_read(f, i, buf, 1, &e2) < 0 && !util_err_isset(&e2))
                abort(); /* a failure must say why */
            /* the chunked path (block-quantized tensors): a ragged range */
            if (loader_has_range(f, i)) {
                uint64_t a = t->count / 3;
                if (loader_read_range(f, i, a, t->count - a, (float *)buf) < 0)
                    abort();
            }
            free(buf);
            /* the stored grid (io/grid.h): every level of every group */
            loader_grid g;
            util_err e3 = { { 0 } };
            if (loader_has_grid(f, i) && loader_grid_get(f, i, &g, &e3) == 0) {
                volatile float sink = 0;
                for (uint64_t gi = 0; gi < g.ngroups; gi++)
                    for (size_t k = 0; k < g.ncb; k += g.ncb > 1 ? g.ncb - 1 : 1)
                        sink += loader_grid_level(&g, gi, k);
                for (uint64_t e = 0; e < t->count; e += 1 + t->count / 64)
                    if (loader_grid_group(&g, e) >= g.ngroups)
                        abort();   /* an element outside every group */
                (void)sink;
                loader_grid_free(&g);
            }
        }
    } else if (!util_err_isset(&err))
        abort(); /* a failure must say why */
    loader_close(f);
    close(fd);
}
