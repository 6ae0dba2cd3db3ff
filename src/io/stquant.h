/*
 * stquant.h - quantized safetensors checkpoints: the tensors a quantizer
 * stores for one weight (packed codes, scales, zeros, ...) shown as ONE
 * logical tensor under the original module's name and shape, dequantized
 * by read().
 *
 * Recognised from the tensor names, shapes and dtypes, with the
 * `quantization_config` of a config.json beside the file or the index
 * (or AutoGPTQ's quantize_config.json) where the names alone are
 * ambiguous. Each layout is written from the published packing code:
 *
 *   FP8 block-scaled (DeepSeek-V3): `X.weight` F8_E4M3/F8_E5M2 [out, in]
 *     and `X.weight_scale_inv` [ceil(out/128), ceil(in/128)] (the tile from
 *     `weight_block_size`); w = fp8 * scale_inv of its tile.
 *     Stored type `fp8_e4m3-b128x128`.
 *   compressed-tensors float/int forms: `X.weight` F8 or I8 with
 *     `X.weight_scale` (one per tensor, [out, 1] per channel, [out, in/G]
 *     per group, or tiles by `block_structure`), optional
 *     `X.weight_zero_point`; w = (q - zp) * scale. `fp8_e4m3-ch`, `int8-g128`.
 *   compressed-tensors pack-quantized: `X.weight_packed` I32 [out,
 *     ceil(in*B/32)], codes B = 2, 4, 8 bits packed along the input dim,
 *     element k at bits B*k of the row's bit stream (pack_to_int32), stored
 *     with the offset 2^(B-1); `X.weight_shape` [out, in]; `X.weight_scale`;
 *     optional `X.weight_zero_point` (unpacked [out, groups], or packed
 *     along dim 0 as I32), optional `X.weight_g_idx` (the group of each
 *     input column: activation order). `int4-pack-g128`, `-act` when
 *     g_idx is not i / G.
 *   AutoAWQ GEMM: `X.qweight` I32 [in, out/8], nibble k of word c holding
 *     output column 8c + [0,2,4,6,1,3,5,7][k]; `X.qzeros` I32 [in/G,
 *     out/8] the same way; `X.scales` F16 [in/G, out];
 *     w[o, i] = (q - z) * s. `awq-int4-g128`.
 *   AutoGPTQ: `X.qweight` I32 [in*B/32, out] packed along the input dim
 *     (input row 8r + k at bits 4k of row r), `X.qzeros` I32 [groups,
 *     out*B/32] packed along the output dim, storing zero - 1 in the v1
 *     format (checkpoint_format "gptq", the default; "gptq_v2" stores the
 *     zero), `X.scales` [groups, out], `X.g_idx` I32 [in] (the group of each
 *     input row; act-order makes it a permutation of groups), else group =
 *     i / G. `gptq-int4-g128` (`-act` when g_idx is not i / G).
 *   bitsandbytes 4-bit: `X.weight` U8 ((n + 1) / 2 bytes), the EVEN element
 *     in the HIGH nibble; `X.weight.absmax` per block, `X.weight.quant_map`
 *     (16 values: NF4 or FP4), nested: absmax as U8 codes with
 *     `X.weight.nested_absmax`, `X.weight.nested_quant_map` and
 *     nested_offset; `X.weight.quant_state.bitsandbytes__nf4` U8 JSON
 *     (quant_type, blocksize, shape, nested_*). w = quant_map[q] * absmax.
 *     `nf4-b64`, `fp4-b64`.
 *   gpt-oss MXFP4: `X_blocks` U8 [E, R, C/32, 16] with the EVEN element in
 *     the LOW nibble, `X_scales` U8 [E, R, C/32] (E8M0, bias 127); the
 *     logical tensor `X` is [E, R, C] (the stored orientation).
 *     w = e2m1[q] * 2^(scale - 127). `mxfp4`.
 *
 * Values are the float32 products of the stored codes and scales (the
 * file's exact grid, before any cast to a compute dtype). A logical tensor
 * has dtype DT_F32, stored_type as above, stored_bpw = all its
 * components' bytes * 8 / its element count. A recognised tensor whose
 * parts do not fit (a missing scale, a shape that does not match, a
 * quant_state that lies) is listed, not readable, with type_note saying
 * which part is wrong; the rest of the file opens.
 */
#ifndef APOTVIEW_STQUANT_H
#define APOTVIEW_STQUANT_H

#include "io/loader.h"

typedef struct stq_model stq_model;

/* Merge the quantized parts of f's tensors into logical tensors. Tensor k
 * has its data at maps[(uintptr_t)t->priv]->data + t->offset (priv is the
 * shard index, offset absolute). dir: the directory of the file or index
 * ("" or ending in '/'), where config.json is looked for. Rewritten
 * tensors get stored_type set and priv pointing into the returned model;
 * the others keep theirs. Returns NULL when nothing is quantized (f
 * unchanged). Never fails: a part that does not fit makes its logical
 * tensor unreadable. */
stq_model *stquant_apply(loader_file *f, const loader_map *const *maps, const char *dir);
void stquant_free(stq_model *m);

/* For a tensor stquant_apply rewrote: read all of it (float or double), or
 * values [first, first + n) as float (thread-safe). */
int stquant_read(loader_file *f, size_t i, void *dst, int as_double, util_err *err);
void stquant_read_range(const loader_tensor *t, uint64_t first, uint64_t n, float *dst);
/* Drop the pages of all of its parts from memory. */
void stquant_release(const loader_tensor *t);

#endif
