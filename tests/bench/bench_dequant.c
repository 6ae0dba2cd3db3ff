/*
 * bench_dequant.c - dequantization throughput for `make bench`
 * (tests/bench/bench-io): every block-quantized tensor of FILE decoded through
 * loader_read_range in chunks of 64 Ki values (a buffer that stays in
 * cache, as the report's passes use it), on one thread, against reading
 * the same stored bytes (memcpy in chunks into a cache-sized buffer) and
 * against writing the float32 output (memset of the output bytes), the
 * two memory speeds of the same job.
 *
 * Usage: bench_dequant FILE [TYPE]   (TYPE: only tensors stored as it)
 * Prints "key value" lines.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/loader.h"

#define CH (1u << 16)

static volatile float sink;

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_dequant FILE [TYPE]\n");
        return 2;
    }
    util_err err = { { 0 } };
    loader_file *f = loader_open(argv[1], NULL, &err);
    if (!f) {
        fprintf(stderr, "bench_dequant: %s\n", err.msg);
        return 1;
    }
    float *buf = malloc(CH * sizeof *buf);
    unsigned char *cp = malloc(CH * 4);
    uint64_t n = 0, bytes = 0;
    double t_dq = 0, t_rd = 0, t_wr = 0;
    for (int rep = 0; rep < 3; rep++)
        for (size_t i = 0; i < f->ntensors; i++) {
            const loader_tensor *t = &f->tensors[i];
            if (!t->stored_type || (argc > 2 && strcmp(t->stored_type, argv[2]) != 0) || !loader_has_range(f, i))
                continue;
            /* warm: the stored bytes in the page cache and mapped */
            for (uint64_t a = 0; a < t->count; a += CH)
                loader_read_range(f, i, a, t->count - a < CH ? t->count - a : CH, buf);
            double t0 = util_now();
            for (uint64_t a = 0; a < t->count; a += CH) {
                loader_read_range(f, i, a, t->count - a < CH ? t->count - a : CH, buf);
                sink += buf[0];
            }
            double t1 = util_now();
            /* as many bytes as the tensor stores, read in chunks from
             * memory (the same access pattern without the decoding) */
            uint64_t sb = (uint64_t)(t->stored_bpw * (double)t->count / 8.0);
            unsigned char *src = malloc(sb ? sb : 1);
            memset(src, 1, sb);
            double t2 = util_now();
            for (uint64_t a = 0; a < sb; a += CH * 4) {
                size_t k = sb - a < CH * 4 ? (size_t)(sb - a) : CH * 4;
                memcpy(cp, src + a, k);
                sink += cp[0];
            }
            double t3 = util_now();
            float *out = malloc(t->count * sizeof *out);
            memset(out, 0, t->count * sizeof *out);   /* fault the pages in first */
            double t4 = util_now();
            memset(out, 1, t->count * sizeof *out);
            double t5 = util_now();
            sink += out[t->count - 1];
            free(out);
            free(src);
            if (rep == 0)
                continue;
            n += t->count;
            bytes += sb;
            t_dq += t1 - t0;
            t_rd += t3 - t2;
            t_wr += t5 - t4;
        }
    if (!n) {
        fprintf(stderr, "bench_dequant: %s: no block-quantized tensor\n", argv[1]);
        return 1;
    }
    printf("values %llu\n", (unsigned long long)n);
    printf("dequant_values_per_s %.4g\n", (double)n / t_dq);
    printf("dequant_stored_bytes_per_s %.4g\n", (double)bytes / t_dq);
    printf("read_stored_bytes_per_s %.4g\n", (double)bytes / t_rd);
    printf("write_float32_bytes_per_s %.4g\n", (double)n * 4 / t_wr);
    printf("dequant_float32_bytes_per_s %.4g\n", (double)n * 4 / t_dq);
    loader_close(f);
    free(buf);
    free(cp);
    return 0;
}
