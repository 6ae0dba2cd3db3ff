/*
 * namemap.h - Hugging Face tensor names <-> llama.cpp GGUF tensor names,
 * and the layout changes llama.cpp's converter (convert_hf_to_gguf.py)
 * makes, so that a compare (cli/compare.h) can pair and line up the
 * tensors of a model with the GGUF file made from it.
 *
 * The table is written from llama.cpp's gguf-py/gguf/tensor_mapping.py for
 * the architectures llama, mistral and mixtral (GGUF arch "llama"), qwen2,
 * qwen2moe, qwen3, qwen3moe, gemma, gemma2, gemma3 and phi3. A name is
 * mapped as MODULE.SUFFIX: the module by the table ('#' a block number,
 * '@' an expert number), the suffix (weight, bias, ...) kept.
 *
 * Layout (convert_hf_to_gguf.py):
 *  - LlamaModel.permute: for GGUF arch "llama" the rows of q_proj (n_head =
 *    head_count) and k_proj (n_head = head_count_kv) are reordered,
 *    w.reshape(n_head, 2, rows / n_head / 2, cols).swapaxes(1, 2); the
 *    reverse map of one row is namemap_unpermute_row().
 *  - Gemma (gemma, gemma2, gemma3): every "*norm.weight" is stored + 1.
 *  - MoE experts (mixtral, qwen2moe, qwen3moe): the experts' E separate
 *    [ff, embd] tensors are stacked into one [E, ff, embd] tensor
 *    (ffn_gate_exps, ffn_up_exps, ffn_down_exps).
 */
#ifndef APOTVIEW_MODEL_NAMEMAP_H
#define APOTVIEW_MODEL_NAMEMAP_H

#include <stddef.h>
#include <stdint.h>

/* The GGUF name of Hugging Face tensor `hf` for GGUF architecture `arch`
 * (general.architecture; NULL or "": the first entry that fits), written to
 * buf. *expert: the expert number for a per-expert tensor that GGUF stacks
 * (then buf names the stacked tensor), else -1. Returns 1 when mapped, 0
 * when `hf` is no name the table knows (buf untouched). */
int namemap_to_gguf(const char *hf, const char *arch, char *buf, size_t len, int *expert);

/* For GGUF tensor `gguf` of architecture `arch`: 0 when the converter
 * stored its rows as Hugging Face has them, 1 when permuted with n_head =
 * head_count (attn_q), 2 with n_head = head_count_kv (attn_k). */
int namemap_permutation(const char *gguf, const char *arch);

/* 1 when the converter stored tensor `gguf` of `arch` as the original + 1
 * (Gemma's RMS norms). */
int namemap_plus_one(const char *gguf, const char *arch);

/* The row of the permuted (GGUF) tensor that holds row r of the original,
 * for `rows` rows and n_head heads; rows must be a multiple of 2 * n_head. */
static inline uint64_t namemap_unpermute_row(uint64_t r, uint64_t rows, uint64_t n_head)
{
    uint64_t per = rows / n_head, half = per / 2;
    uint64_t head = r / per, w = r % per, j = w / half, i = w % half;
    return head * per + 2 * i + j;
}

#endif
