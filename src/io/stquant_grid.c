/*
 * stquant_grid.c - the stored grid (io/grid.h) of the logical tensors
 * stquant.c recognises: per group the scale, zero point and codebook the
 * dequantizers of stquant_decode.c use, in the same float operations
 * (level = (code - zero) * scale; bitsandbytes and MXFP4: code value *
 * scale).
 *
 * Groups: FP8/int tiles and compressed-tensors groups as their scales
 * tile the [out, in] matrix (g_idx: the group column of each input
 * column); AWQ/GPTQ one scale per (output row, input group), g_idx as the
 * group map under act-order; bitsandbytes blocks of blocksize consecutive
 * values (rows of the last dimension when it holds whole blocks, else
 * the flat tensor); MXFP4 blocks of 32 along the last dimension.
 */
#include "config.h"
#include "io/grid.h"
#include "io/stquant_priv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned awq_nib[8] = { 0, 4, 1, 5, 2, 6, 3, 7 };

/* Replace the group map: gcols group columns, ngroups recomputed. */
static void set_gmap(loader_grid *g, const comp *gi, uint64_t gcols)
{
    g->gmap = util_mallocarray((size_t)g->cols, sizeof *g->gmap);
    for (uint64_t c = 0; c < g->cols; c++)
        g->gmap[c] = (uint32_t)stq_ci(gi, c);
    g->gcols = gcols;
    g->ngroups = ((g->rows + g->tr - 1) / g->tr) * gcols;
    size_t n = g->ngroups ? (size_t)g->ngroups : 1;
    free(g->scale);
    g->scale = util_calloc(n, sizeof *g->scale);
    if (g->zero) {
        free(g->zero);
        g->zero = util_calloc(n, sizeof *g->zero);
    }
}

static void grid_tile(const loader_tensor *t, const stq_tensor *q, loader_grid *g)
{
    size_t ncb = q->vcode == V_PACKED ? (size_t)1 << q->bits : 256;
    loader_grid_init(g, t->stored_type, ncb, q->R, q->C, q->tr, q->tc, q->z.present, 0);
    for (size_t k = 0; k < ncb; k++)
        g->cb[k] = q->vcode == V_E4M3   ? (double)dtype_e4m3_to_float((uint8_t)k)
                   : q->vcode == V_E5M2 ? (double)dtype_e5m2_to_float((uint8_t)k)
                   : q->vcode == V_I8   ? (double)((int)k - 128)
                                        : (double)((int)k - (1 << (q->bits - 1)));
    loader_grid_finish_cb(g);
    if (q->g.present)
        set_gmap(g, &q->g, q->sc);
    const uint64_t srows = (q->R + q->tr - 1) / q->tr;
    for (uint64_t rs = 0; rs < srows; rs++)
        for (uint64_t j = 0; j < g->gcols; j++) {
            uint64_t gi = rs * g->gcols + j;
            g->scale[gi] = stq_cf(&q->s, rs * q->sc + j);
            if (g->zero)
                g->zero[gi] = stq_tile_zero(q, rs, j);
        }
    const char *code = q->vcode == V_E4M3 ? "fp8 e4m3" : q->vcode == V_E5M2 ? "fp8 e5m2"
                       : q->vcode == V_I8 ? "int8" : "packed int";
    g->scale_dtype = dtype_name(q->s.dt);
    char geo[96];
    if (q->tr > 1 && q->tc > 1 && q->sc > 1)
        snprintf(geo, sizeof geo, "one scale per %llux%llu tile", (unsigned long long)q->tr,
                 (unsigned long long)q->tc);
    else if (q->tr == 1 && q->sc > 1)
        snprintf(geo, sizeof geo, "one scale per row and group of %llu%s", (unsigned long long)q->tc,
                 q->g.present ? " (g_idx: activation order)" : "");
    else if (q->tr == 1)
        snprintf(geo, sizeof geo, "one scale per output row");
    else
        snprintf(geo, sizeof geo, "one scale for the tensor");
    snprintf(g->params, sizeof g->params, "%s: %s codes%s%u, %s %s scales%s: w = %s * s", t->stored_type, code,
             q->vcode == V_PACKED ? " of " : "", q->vcode == V_PACKED ? q->bits : 8u, geo,
             dtype_name(q->s.dt), q->z.present ? " and zero points" : "",
             q->z.present ? "(q - z)" : "q");
    if (q->vcode != V_PACKED) {
        /* "codes8" reads oddly: drop the width for the 8-bit forms */
        char *p = strstr(g->params, " codes8");
        if (p)
            memmove(p + 6, p + 7, strlen(p + 7) + 1);
    }
}

static void grid_awq_gptq(const loader_tensor *t, const stq_tensor *q, loader_grid *g)
{
    const int awq = q->kind == K_AWQ;
    const unsigned B = q->bits;
    loader_grid_init(g, t->stored_type, (size_t)1 << B, q->R, q->C, 1, q->G ? q->G : q->C, 1, 0);
    for (size_t k = 0; k < g->ncb; k++)
        g->cb[k] = (double)k;
    loader_grid_finish_cb(g);
    if (!awq && q->g.present)
        set_gmap(g, &q->g, q->ng);
    g->gcols = q->ng;
    for (uint64_t o = 0; o < q->R; o++)
        for (uint64_t j = 0; j < q->ng; j++) {
            uint64_t gi = o * q->ng + j;
            if (gi >= g->ngroups)
                break;
            g->scale[gi] = stq_cf(&q->s, j * q->R + o);
            if (awq)
                g->zero[gi] = (float)((stq_rd32(q->z.p + 4 * (j * (q->R / 8) + o / 8)) >> (4 * awq_nib[o % 8])) & 15);
            else
                g->zero[gi] = (float)stq_gptq_zero(q, j, o);
        }
    g->scale_dtype = dtype_name(q->s.dt);
    snprintf(g->params, sizeof g->params,
             "%s: %s %u-bit codes q, one %s scale s and %u-bit zero z per output row and group of %llu input "
             "values%s%s: w = (q - z) * s", t->stored_type, awq ? "AutoAWQ GEMM" : "AutoGPTQ", B,
             dtype_name(q->s.dt), B, (unsigned long long)q->G, q->g.present ? " (g_idx: activation order)" : "",
             !awq && q->v1 ? ", zeros stored as z - 1 (v1)" : "");
}

static void grid_bnb(const loader_tensor *t, const stq_tensor *q, loader_grid *g)
{
    uint64_t last = t->ndim ? t->shape[t->ndim - 1] : 1;
    uint64_t cols = last % q->bs == 0 ? last : t->count, rows = t->count / cols;
    loader_grid_init(g, t->stored_type, 16, rows, cols, 1, q->bs, 0, 0);
    for (uint64_t k = 0; k < 16; k++)
        g->cb[k] = stq_cf(&q->qm, k);
    loader_grid_finish_cb(g);
    uint64_t nb = (t->count + q->bs - 1) / q->bs;
    for (uint64_t b = 0; b < nb && b < g->ngroups; b++)
        g->scale[b] = stq_bnb_absmax(q, b);
    g->scale_dtype = q->nested ? "uint8 x fp32 (nested)" : dtype_name(q->s.dt);
    snprintf(g->params, sizeof g->params,
             "%s: bitsandbytes 4-bit, blocks of %llu, 16-value quant_map, %s absmax%s: w = quant_map[q] * absmax",
             t->stored_type, (unsigned long long)q->bs, q->nested ? "nested (uint8 codes)" : dtype_name(q->s.dt),
             q->nested ? " per block, fp32 per 256 blocks" : " per block");
}

static void grid_mxfp4(const loader_tensor *t, const stq_tensor *q, loader_grid *g)
{
    uint64_t cols = t->ndim ? t->shape[t->ndim - 1] : t->count;
    (void)q;
    loader_grid_init(g, t->stored_type, 16, t->count / cols, cols, 1, 32, 0, 0);
    for (int k = 0; k < 16; k++)
        g->cb[k] = stq_e2m1[k];
    loader_grid_finish_cb(g);
    for (uint64_t b = 0; b < g->ngroups; b++) {
        int x = q->s.p[b] - 127;
        g->scale[b] = x == 128 ? INFINITY : ldexpf(1.0f, x < -127 ? -127 : x);
    }
    g->scale_dtype = "e8m0";
    snprintf(g->params, sizeof g->params,
             "%s: gpt-oss MXFP4, blocks of 32 along the last axis, E2M1 codes, one E8M0 scale per block: "
             "w = e2m1[q] * 2^(e - 127)", t->stored_type);
}

static void grid_nvfp4(const loader_tensor *t, const stq_tensor *q, loader_grid *g)
{
    loader_grid_init(g, t->stored_type, 16, q->R, q->C, 1, 16, 0, 0);
    for (int k = 0; k < 16; k++)
        g->cb[k] = stq_e2m1[k];
    loader_grid_finish_cb(g);
    for (uint64_t r = 0; r < q->R; r++)
        for (uint64_t j = 0; j < g->gcols; j++)
            g->scale[r * g->gcols + j] = dtype_e4m3_to_float(q->s.p[r * q->s.shape[1] + j]) / q->gscale;
    g->scale_dtype = "e4m3 / fp32 global";
    snprintf(g->params, sizeof g->params,
             "%s: NVFP4 (compressed-tensors), E2M1 codes, one float8 e4m3 scale per 16 values and a global "
             "fp32 scale %.9g: w = e2m1[q] * (s / global)", t->stored_type, (double)q->gscale);
}

/* LLM.int8: levels q * (SCB / 127): within a float rounding of the
 * values, which bitsandbytes computes as (q * SCB) / 127 */
static void grid_int8(const loader_tensor *t, const stq_tensor *q, loader_grid *g)
{
    loader_grid_init(g, t->stored_type, 256, q->R, q->C, 1, q->C, 0, 0);
    for (int k = 0; k < 256; k++)
        g->cb[k] = k - 128;
    loader_grid_finish_cb(g);
    for (uint64_t r = 0; r < q->R; r++)
        g->scale[r] = stq_cf(&q->s, r) / 127.0f;
    g->scale_dtype = dtype_name(q->s.dt);
    snprintf(g->params, sizeof g->params,
             "%s: bitsandbytes LLM.int8, int8 codes q, one absmax SCB per output row: w = q * SCB / 127",
             t->stored_type);
}

int stquant_grid(const loader_tensor *t, loader_grid *g)
{
    const stq_tensor *q = t->priv;
    if (!q || !t->readable)
        return -1;
    if (q->kind == K_MXFP4 && (t->ndim < 1 || t->shape[t->ndim - 1] % 32))
        return -1;
    if (q->kind == K_BNB && !q->bs)
        return -1;
    if (!g)
        return 0;
    switch (q->kind) {
    case K_TILE: grid_tile(t, q, g); break;
    case K_AWQ:
    case K_GPTQ: grid_awq_gptq(t, q, g); break;
    case K_BNB: grid_bnb(t, q, g); break;
    case K_NVFP4: grid_nvfp4(t, q, g); break;
    case K_INT8ROW: grid_int8(t, q, g); break;
    default: grid_mxfp4(t, q, g); break;
    }
    loader_grid_set_bytes(g, (uint64_t)llround(t->stored_bpw * (double)t->count / 8.0));
    return 0;
}
