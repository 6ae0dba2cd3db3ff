/*
 * ggml_quants.h - the ggml tensor types that GGUF files store, and exact
 * dequantization of the block types to float32.
 *
 * One table (ggml_type_find) describes every ggml type id apotview knows:
 * its stored-format name as ggml spells it in lower case ("q4_k",
 * "iq4_xs", "mxfp4"), the block size in elements and in bytes, the plain
 * dtype for types whose values are stored as such (F32, F16, BF16, F64,
 * I8..I64), and for block types the dequantizer, or NULL with the reason
 * it is missing.
 *
 * Block layouts are llama.cpp's ggml-common.h; each dequantizer computes
 * what ggml-quants.c dequantize_row_<type> computes, in the same float32
 * operations in the same order (fp16 scale -> float, then the products
 * and sums as written there), so the results are bit-identical to ggml's
 * reference C code. The module is compiled without floating-point
 * contraction (no fused multiply-add: see ggml_quants.c).
 *
 * A dequantizer reads nblocks consecutive blocks at src (no alignment
 * needed) and writes nblocks * blck floats at dst. It never fails: every
 * bit pattern of a block decodes to some value (fp16 Inf/NaN scales give
 * Inf/NaN as in ggml).
 */
#ifndef APOTVIEW_GGML_QUANTS_H
#define APOTVIEW_GGML_QUANTS_H

#include <stddef.h>
#include <stdint.h>
#include "core/dtype.h"

typedef void (*ggml_dequant_fn)(const unsigned char *src, float *dst, size_t nblocks);

typedef struct ggml_type_info {
    uint32_t id;             /* ggml_type value stored in a GGUF tensor info */
    const char *name;        /* lower-case ggml name: "q4_k", "f16", "bf16" */
    unsigned blck, bytes;    /* elements and bytes per block (1 and the size
                                for plain types) */
    dtype_id plain;          /* DT_* when stored plainly, else DT_INVALID */
    ggml_dequant_fn dequant; /* block types: NULL when not decodable */
    const char *why;         /* when dequant is NULL: why not */
} ggml_type_info;

/* The entry for ggml type id, or NULL for an id apotview does not know. */
const ggml_type_info *ggml_type_find(uint32_t id);
/* Bits per weight of the stored form: bytes * 8 / blck. */
double ggml_type_bpw(const ggml_type_info *ti);

/* The stored grid (io/grid.h) of a block-quantized tensor of count values
 * whose rows are ne0 long, from its blocks at p: per sub-block the scale
 * (and minimum) the dequantizer uses, the type's codebook. 0, or -1 for a
 * type without one. ggml_has_grid: 1 when the type has one. */
struct loader_grid;
struct grid_wpair;
int ggml_has_grid(const ggml_type_info *ti);
int ggml_grid_fill(const ggml_type_info *ti, const unsigned char *p, uint64_t count, uint64_t ne0,
                   struct loader_grid *g);

/* The weighted view (io/grid.h, grid_wpair) of nblocks blocks at src:
 * the pairs written to out (at most nblocks * wmax), group g of block b
 * numbered b * (blck / sub) + g. Q4_0, Q4_1, Q4_K and Q5_K count each
 * group's codes (at most 16 or 32 pairs per group of 32 values); Q8_0 and
 * Q6_K give one pair per value. The values are the dequantizer's, bit for
 * bit. */
typedef size_t (*ggml_weigh_fn)(const unsigned char *src, size_t nblocks, struct grid_wpair *out);
/* The weighted view of type ti (NULL: none) and its most pairs per block. */
ggml_weigh_fn ggml_weigh_find(const ggml_type_info *ti, unsigned *wmax);
/* Tests: 0 makes the nibble counting take the baseline code, not the
 * AVX2 one it chooses at run time (1: back); returns the old setting.
 * Not thread-safe: set it before any weighing starts. */
int ggml_weigh_simd(int on);

/* The lookup tables of the non-linear types (exposed for tests). */
extern const int8_t ggml_kvalues_iq4nl[16];
extern const int8_t ggml_kvalues_mxfp4[16];

#endif
