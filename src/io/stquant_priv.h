/*
 * stquant_priv.h - what stquant.c (recognition) and stquant_decode.c
 * (dequantization) share: a logical tensor's parts as views into the
 * mappings, and the geometry of its codes and scales. Private to io/.
 */
#ifndef APOTVIEW_STQUANT_PRIV_H
#define APOTVIEW_STQUANT_PRIV_H

#include "io/stquant.h"

enum { K_TILE, K_AWQ, K_GPTQ, K_BNB, K_MXFP4, K_NVFP4, K_INT8ROW };
enum { V_E4M3, V_E5M2, V_I8, V_PACKED };

typedef struct comp {
    const unsigned char *p;
    uint64_t nbytes, count, off;
    dtype_id dt;
    int ndim;
    uint64_t shape[LOADER_MAXDIM];
    const loader_map *map;
    int present;
} comp;

typedef struct stq_tensor {
    int kind;
    comp w, s, z, g, qm, nam, nqm;
    uint64_t R, C;           /* logical 2-D view: rows (out) and columns (in) */
    unsigned bits;
    /* K_TILE: one scale per tr x tc tile, sc scale columns; vcode; zero
     * point packed along dim 0 (zpacked) or as the scales */
    uint64_t tr, tc, sc;
    int vcode, zpacked;
    uint64_t wstride;        /* K_TILE packed: 32-bit words per row */
    /* K_AWQ / K_GPTQ: group size along the input, number of groups */
    uint64_t G, ng;
    int v1;
    /* K_BNB */
    uint64_t bs, nbs;
    float noff;
    int nested;
    /* K_NVFP4: the global scale (w = e2m1 * (e4m3 scale / gscale)) */
    float gscale;
    char type[96];
} stq_tensor;

/* The FP8 tables (once, before any decoding). */
void stq_tables_init(void);
/* Element k of a part as float / as an integer. */
float stq_cf(const comp *c, uint64_t k);
int64_t stq_ci(const comp *c, uint64_t k);

/* The compressed-tensors zero point of scale row rs, scale column j; the
 * bitsandbytes absmax of block b; the E2M1 values by code. */
float stq_tile_zero(const stq_tensor *q, uint64_t rs, uint64_t j);
float stq_bnb_absmax(const stq_tensor *q, uint64_t b);
/* The AutoGPTQ zero point of group g, output column o (v1: stored + 1). */
uint32_t stq_gptq_zero(const stq_tensor *q, uint64_t g, uint64_t o);
extern const float stq_e2m1[16];
/* The stored grid (io/grid.h) of a logical tensor: 0, or -1 when its kind
 * has none; with g NULL only whether it has one. */
struct loader_grid;
int stquant_grid(const loader_tensor *t, struct loader_grid *g);

static inline uint32_t stq_rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#endif
