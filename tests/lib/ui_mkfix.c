/*
 * ui_mkfix.c - writes the .npy fixtures of the viewer tests and benchmark,
 * byte by byte (independently of the reader): float32, shape (N,).
 *
 *   ui_mkfix KIND N PATH
 *
 * KIND: gauss (N(0, 0.05^2) + 0.001), laplace (scale 0.02), const (every
 * value 0.25), nanmix (gauss with every 10th value NaN and one +Inf),
 * empty (N ignored: shape (0,)), chan (gauss of shape (16, N/16) whose
 * channel 5 is 10 times wider: the one outlier channel), rows (gauss of
 * shape (N/4096, 4096): many channels). Deterministic (the kit's splitmix64,
 * fixed seed; kit.h also writes the .npy header).
 *
 *   ui_mkfix many N PATH.safetensors
 *
 * N float32 tensors of 256 values, "blk.KKK.w" (gauss of scale
 * 0.001 * (1 + K % 50): the scales differ by 50x), except two: blk.005.norm
 * is a layernorm (1 + 0.01 gauss: by far the largest raw mse, yet a high
 * SQNR) and blk.137.outlier (0.002 gauss times a log-normal scale
 * exp(1.5 gauss): heavy tails that carry most of the energy, so whichever
 * way alpha goes the bulk or the tails lose: the lowest SQNR of all).
 * Needs N >= 138.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit.h"

static tu_rng st = { 0x9e3779b97f4a7c15ULL };

static double gauss(void)
{
    return tu_gauss(&st);
}

static void put_f32(FILE *f, double v)
{
    float x = (float)v;
    uint32_t b;
    memcpy(&b, &x, 4);
    unsigned char le[4] = { (unsigned char)b, (unsigned char)(b >> 8), (unsigned char)(b >> 16),
                            (unsigned char)(b >> 24) };
    fwrite(le, 1, 4, f);
}

static const char *many_name(int k, char *b, size_t n)
{
    snprintf(b, n, k == 5 ? "blk.%03d.norm" : k == 137 ? "blk.%03d.outlier" : "blk.%03d.w", k);
    return b;
}

static int many(int N, const char *path)
{
    enum { M = 256 };
    FILE *f = fopen(path, "wb");
    if (!f || N < 138) {
        perror(path);
        return 1;
    }
    size_t cap = (size_t)N * 100 + 64, hl = 0;
    char *h = malloc(cap), nb[32];
    hl += (size_t)snprintf(h + hl, cap - hl, "{");
    for (int k = 0; k < N; k++)
        hl += (size_t)snprintf(h + hl, cap - hl, "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[%d],\"data_offsets\":[%d,%d]}",
                               k ? "," : "", many_name(k, nb, sizeof nb), M, k * M * 4, (k + 1) * M * 4);
    hl += (size_t)snprintf(h + hl, cap - hl, "}");
    while (hl % 8)
        h[hl++] = ' ';
    for (int i = 0; i < 8; i++)
        fputc((int)((hl >> (8 * i)) & 0xff), f);
    fwrite(h, 1, hl, f);
    free(h);
    for (int k = 0; k < N; k++)
        for (int i = 0; i < M; i++) {
            double v = k == 5 ? 1 + 0.01 * gauss() : 0.001 * (1 + k % 50) * gauss();
            if (k == 137)
                v = 0.002 * gauss() * exp(1.5 * gauss());
            put_f32(f, v);
        }
    return fclose(f) != 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "many") == 0)
        return many(atoi(argv[2]), argv[3]);
    if (argc != 4) {
        fprintf(stderr, "usage: ui_mkfix gauss|laplace|const|nanmix|empty|chan|rows N PATH\n");
        return 2;
    }
    const char *kind = argv[1];
    unsigned long long n = strtoull(argv[2], NULL, 10);
    if (strcmp(kind, "empty") == 0)
        n = 0;
    int chan = strcmp(kind, "chan") == 0, rows = strcmp(kind, "rows") == 0;
    if (chan)
        n -= n % 16;
    if (rows)
        n -= n % 4096;
    FILE *f = fopen(argv[3], "wb");
    if (!f) {
        perror(argv[3]);
        return 1;
    }
    char shape[64];
    if (chan)
        snprintf(shape, sizeof shape, "(16, %llu)", n / 16);
    else if (rows)
        snprintf(shape, sizeof shape, "(%llu, 4096)", n / 4096);
    else
        snprintf(shape, sizeof shape, "(%llu,)", n);
    unsigned char hdr[256];
    size_t hl = tu_npy_header(hdr, sizeof hdr, 1, "<f4", 0, shape);
    fwrite(hdr, 1, hl, f);
    enum { CH = 1 << 16 };
    static float buf[CH];
    unsigned long long done = 0;
    while (done < n) {
        size_t m = n - done < CH ? (size_t)(n - done) : CH;
        for (size_t i = 0; i < m; i++) {
            double v;
            if (strcmp(kind, "laplace") == 0)
                v = 0.02 * tu_laplace(&st);
            else if (strcmp(kind, "const") == 0)
                v = 0.25;
            else {
                v = 0.05 * gauss() + 0.001;
                if (strcmp(kind, "nanmix") == 0 && (done + i) % 10 == 3)
                    v = NAN;
                if (strcmp(kind, "nanmix") == 0 && done + i == 7)
                    v = INFINITY;
                if (chan && (done + i) / (n / 16) == 5)
                    v *= 10;
            }
            float x = (float)v;
            uint32_t b;
            memcpy(&b, &x, 4);
            unsigned char le[4] = { (unsigned char)b, (unsigned char)(b >> 8), (unsigned char)(b >> 16),
                                    (unsigned char)(b >> 24) };
            memcpy(&buf[i], le, 4);
        }
        fwrite(buf, 4, m, f);
        done += m;
    }
    if (fclose(f) != 0) {
        perror(argv[3]);
        return 1;
    }
    return 0;
}
