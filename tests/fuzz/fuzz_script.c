/*
 * fuzz_script.c - libFuzzer harness for the gnuplot script builder
 * (src/plot): any bytes in, as the tensor name, file name, output name,
 * right-hand tensor and --font, the whole script of a figure out, checked
 * with tests/lib/gp_check.h: no control character but the newline, datablocks
 * well formed and closed, no backquote, double quote or @ outside
 * single-quoted strings, comments and datablocks, no string gnuplot would
 * end early, no pipe as output, no inf/nan as a number, and the input text
 * (each string starts with a marker) nowhere in a command. Any violation
 * aborts.
 *
 * Input: byte 0 picks the figure kind, byte 1 the format and variant; the
 * rest is split at NUL bytes into up to five strings.
 */
#include "config.h"
#include "plot/figures.h"
#include "plot/plot.h"
#include "gp_check.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MARK "ZQXW"

static prep *p1, *p2;
static float raw1[64], raw2[64];
static const uint64_t shape[2] = { 8, 8 };

static void init(void)
{
    float *a = malloc(sizeof raw1), *b = malloc(sizeof raw2);
    for (int i = 0; i < 64; i++) {
        raw1[i] = (float)(0.05 * sin(i * 0.37) * (i % 8 == 3 ? 5 : 1));
        raw2[i] = raw1[i] + (float)(0.001 * cos(i * 1.3));
        a[i] = raw1[i];
        b[i] = raw2[i];
    }
    util_err err = { { 0 } };
    p1 = prep_create_float(a, 64, NULL, &err);
    p2 = prep_create_float(b, 64, NULL, &err);
    if (!p1 || !p2)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!p1)
        init();
    if (size < 2)
        return 0;
    static const char *const exts[] = { ".pdf", ".png", ".svg", ".eps", ".tex", ".gp" };
    static const char *const schemes[] = { "uniform", "pot", "apot" };
    int fig = data[0] % 7, fmt = data[1] % 6, variant = data[1] / 6;
    /* five strings, each MARK + the bytes up to the next NUL */
    char *str[5] = { 0 };
    size_t pos = 2;
    for (int k = 0; k < 5; k++) {
        const uint8_t *end = pos < size ? memchr(data + pos, 0, size - pos) : NULL;
        size_t n = pos < size ? (end ? (size_t)(end - (data + pos)) : size - pos) : 0;
        str[k] = malloc(sizeof MARK + n);
        memcpy(str[k], MARK, sizeof MARK - 1);
        if (n)
            memcpy(str[k] + sizeof MARK - 1, data + pos, n);
        str[k][sizeof MARK - 1 + n] = '\0';
        pos += n + 1;
    }
    char *path = malloc(strlen(str[2]) + 16);
    sprintf(path, "%s%s%s", variant & 4 ? "" : "out/", str[2], exts[fmt]);
    plot_layer layers[2];
    for (int j = 0; j < 2; j++) {
        layers[j].name = j ? str[3] : str[0];
        layers[j].count = 64;
        for (int k = 0; k < 3; k++)
            layers[j].mse[k] = variant & 8 ? NAN : 1e-5 * (j + 1) * (k + 1);
    }
    plot_spec s;
    memset(&s, 0, sizeof s);
    s.figure = (plot_figure)fig;
    s.path = path;
    s.mono = variant & 1;
    s.log_counts = variant & 2;
    s.font = variant & 16 ? str[4] : NULL;
    s.cfg.bits = 2 + variant % 3;
    s.cfg.is_signed = 1;
    s.cfg.amode = ALPHA_MSE;
    s.cfg.no_gap = 1;
    s.schemes = schemes;
    s.nschemes = 1 + variant % 3;
    s.tensor_name = str[0];
    s.file_name = str[1];
    s.p = p1;
    s.p2 = p2;
    s.tensor_name2 = variant & 2 ? str[0] : str[3];
    s.file_name2 = str[4];
    s.layers = layers;
    s.nlayers = 2;
    s.raw = (group_tensor){ raw1, 0, 2, shape, 64 };
    s.raw2 = (group_tensor){ raw2, 0, 2, shape, 64 };
    sbuf out = { 0 };
    util_err err = { { 0 } };
    if (plot_build_script(&s, &out, &err) == 0) {
        char why[256];
        if (gp_check(out.s, out.len, MARK, why, sizeof why) < 0) {
            fprintf(stderr, "fuzz_script: %s\n--- script ---\n%s\n", why, out.s);
            abort();
        }
    }
    sbuf_free(&out);
    free(path);
    for (int k = 0; k < 5; k++)
        free(str[k]);
    return 0;
}
