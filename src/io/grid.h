/*
 * grid.h - the grid a quantized tensor's file can represent (issue 14,
 * part 5): per group of values, the levels its format can store, as the
 * loader reads them from the file's own scales, minima and codebooks.
 *
 * The one form every supported format fits: the tensor (C order, count
 * values) is a matrix [rows, cols]; groups tile it in tr x tc tiles
 * (group column of column c: gmap[c] when gmap is set, the act-order of
 * GPTQ's g_idx, else c / tc; group row of row r: rmap[r] when rmap is
 * set, the act-order of ONNX MatMulNBits' g_idx over K, else r / tr);
 * group g = gr * gcols + gc. Level k of
 * group g is, in float32 operations in this order,
 *
 *     level(g, k) = (float)((float)(cb[k] - zero[g]) * scale[g]) + bias[g]
 *
 * (zero and bias NULL mean 0), so that for every GGUF block type, AWQ,
 * GPTQ, compressed-tensors, bitsandbytes and MXFP4 the levels equal the
 * values their dequantizers produce bit for bit (TF.js computes its q *
 * scale + min in double: within a float rounding). cb holds the format's
 * distinct code values, ascending (Q4_K: 0..15, Q8_0: -128..127, NF4: the
 * 16 NormalFloat values, FP8 e4m3: its 253 distinct finite values, MXFP4:
 * the 15 distinct E2M1 values).
 *
 * bpw is the file's own bits per weight: every byte the tensor's codes,
 * scales, minima, zero points and g_idx occupy in the file, times 8,
 * divided by count.
 *
 * Ownership: loader_grid_get() fills a grid that owns cb, scale, zero,
 * bias, gmap and rmap; loader_grid_free() frees them. Strings are static or
 * copied into the struct. The grid does not point into the file.
 */
#ifndef APOTVIEW_GRID_H
#define APOTVIEW_GRID_H

#include <stddef.h>
#include <stdint.h>

#define GRID_MAX_CODES 65536

typedef struct loader_grid {
    const char *format;      /* the stored type, as loader_dtype_name ("q4_k", "nf4") */
    char params[320];        /* the format and its parameters, one line of text */
    const char *scale_dtype; /* how a group's scale is stored: "fp16", "fp32", "e8m0", "6-bit x fp16" */
    size_t ncb;
    double *cb;              /* ncb distinct code values, ascending */
    int int_codes;           /* every cb[k] is an integer */
    uint64_t rows, cols;     /* rows * cols == count */
    uint64_t tr, tc;         /* the tile of one group */
    uint32_t *gmap;          /* NULL, or cols entries: column -> group column */
    uint32_t *rmap;          /* NULL, or rows entries: row -> group row */
    uint64_t gcols, ngroups;
    float *scale;            /* ngroups */
    float *zero, *bias;      /* ngroups or NULL (0) */
    uint64_t nbytes;         /* bytes in the file */
    double bpw;              /* nbytes * 8 / count */
    /* Optional: the format rounds each value once more (ONNX: to its
     * scale's type, fp16 or bf16): level = round(round_arg, level). */
    double (*round)(int32_t round_arg, double v);
    int32_t round_arg;
} loader_grid;

/* Group of element i (C order). */
static inline uint64_t loader_grid_group(const loader_grid *g, uint64_t i)
{
    uint64_t r = i / g->cols, c = i - r * g->cols;
    uint64_t gc = g->gmap ? g->gmap[c] : c / g->tc;
    uint64_t gr = g->rmap ? g->rmap[r] : r / g->tr;
    return gr * g->gcols + gc;
}

/* Level k of group gi, in the float operations above. */
static inline float loader_grid_level(const loader_grid *g, uint64_t gi, size_t k)
{
    float z = g->zero ? g->zero[gi] : 0.0f, b = g->bias ? g->bias[gi] : 0.0f;
    float u = (float)g->cb[k] - z;
    float p = u * g->scale[gi];
    return g->round ? (float)g->round(g->round_arg, (double)(p + b)) : p + b;
}

/* A weighted view of a quantized tensor's values (the histogram engine's
 * weighted source, prep_hist.h; the stored scheme's census, stored.h):
 * the values of a run of whole blocks as pairs, each cnt values of group
 * grp (counted from the run's first group, in the grid's group order
 * along the rows) holding code cb[code] and the value v that the format's
 * dequantizer gives them, by its own float operations (not by
 * loader_grid_level: the census checks the one against the other). Pairs
 * come group by group in ascending order; a (grp, code) may repeat (a
 * format that does not count its codes gives one pair per value). */
typedef struct grid_wpair {
    float v;
    uint16_t code, cnt;
    uint32_t grp;
} grid_wpair;

/* For format implementations: allocate a grid of ngroups groups (scale
 * always; zero and bias when asked), the codebook of ncb values (filled
 * by the caller), the geometry; the other fields zeroed. */
void loader_grid_init(loader_grid *g, const char *format, size_t ncb, uint64_t rows, uint64_t cols,
                      uint64_t tr, uint64_t tc, int with_zero, int with_bias);
/* Sort cb ascending, drop duplicates (-0 == 0), set int_codes. */
void loader_grid_finish_cb(loader_grid *g);
/* Set nbytes and bpw (count = rows * cols). */
void loader_grid_set_bytes(loader_grid *g, uint64_t nbytes);
void loader_grid_free(loader_grid *g);

#endif
