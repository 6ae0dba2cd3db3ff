/* fuzz_tfjs.c - libFuzzer harness for the TensorFlow.js loader. The input
 * is a weights manifest (model.json), a NUL byte, and the bytes of the one
 * shard "w.bin" (seed manifests name it, once or several times); both are
 * written into a private directory, opened with the format's open() and
 * every readable tensor read, as fuzz_common.h does for one-file formats.
 * Seed corpus (tests/fuzz/corpus/tfjs) from tests/lib/gen_onnx_tfjs_fixtures.py. */
#include "fuzz_common.h"
#include "io/tfjs.h"

#include <fcntl.h>

static void put(const char *path, const uint8_t *d, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        abort();
    while (n) {
        ssize_t w = write(fd, d, n);
        if (w <= 0)
            abort();
        d += w;
        n -= (size_t)w;
    }
    close(fd);
}

static char dir[64], man[96], shard[96];

static void cleanup(void)
{
    unlink(man);
    unlink(shard);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/fuzz_tfjs.XXXXXX");
        if (!mkdtemp(dir))
            abort();
        snprintf(man, sizeof man, "%s/model.json", dir);
        snprintf(shard, sizeof shard, "%s/w.bin", dir);
        atexit(cleanup);
    }
    const uint8_t *nul = memchr(data, 0, size);
    size_t jl = nul ? (size_t)(nul - data) : size;
    put(man, data, jl);
    put(shard, nul ? nul + 1 : data, nul ? size - jl - 1 : 0);
    loader_file *f = util_calloc(1, sizeof *f);
    f->path = util_strdup(man);
    f->fmt = &tfjs_format;
    f->opts.dtype_override = DT_INVALID;
    util_err err = { { 0 } };
    if (tfjs_format.open(f, &err) == 0) {
        for (size_t i = 0; i < f->ntensors; i++) {
            loader_tensor *t = &f->tensors[i];
            if (!t->readable || t->count > (1u << 22))
                continue;
            double *buf = malloc((t->count ? t->count : 1) * sizeof *buf);
            util_err e2 = { { 0 } };
            if (loader_read(f, i, buf, 1, &e2) < 0 && !util_err_isset(&e2))
                abort();
            free(buf);
        }
    } else if (!util_err_isset(&err))
        abort();
    loader_close(f);
    return 0;
}
