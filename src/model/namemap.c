/* namemap.c - see namemap.h. */
#include "config.h"
#include "model/namemap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One module: its Hugging Face and GGUF patterns ('#' the block number,
 * '@' the expert number, which the GGUF side stacks) and the GGUF
 * architectures it is for (space-separated; NULL: every one). The first
 * entry that fits wins, so an architecture's own entry comes before the
 * general one. */
typedef struct namemap_entry {
    const char *hf, *gguf, *archs;
} namemap_entry;

static const namemap_entry table[] = {
    { "model.embed_tokens", "token_embd", NULL },
    { "lm_head", "output", NULL },
    { "model.norm", "output_norm", NULL },
    /* attention */
    { "model.layers.#.self_attn.q_proj", "blk.#.attn_q", NULL },
    { "model.layers.#.self_attn.k_proj", "blk.#.attn_k", NULL },
    { "model.layers.#.self_attn.v_proj", "blk.#.attn_v", NULL },
    { "model.layers.#.self_attn.o_proj", "blk.#.attn_output", NULL },
    { "model.layers.#.self_attn.qkv_proj", "blk.#.attn_qkv", NULL },        /* phi3 */
    { "model.layers.#.self_attn.q_norm", "blk.#.attn_q_norm", NULL },       /* qwen3, gemma3 */
    { "model.layers.#.self_attn.k_norm", "blk.#.attn_k_norm", NULL },
    { "model.layers.#.input_layernorm", "blk.#.attn_norm", NULL },
    /* gemma2/3: four norms per block; elsewhere post_attention is the FFN norm */
    { "model.layers.#.post_attention_layernorm", "blk.#.post_attention_norm", "gemma2 gemma3" },
    { "model.layers.#.pre_feedforward_layernorm", "blk.#.ffn_norm", "gemma2 gemma3" },
    { "model.layers.#.post_feedforward_layernorm", "blk.#.post_ffw_norm", "gemma2 gemma3" },
    { "model.layers.#.post_attention_layernorm", "blk.#.ffn_norm", NULL },
    /* dense feed-forward */
    { "model.layers.#.mlp.gate_proj", "blk.#.ffn_gate", NULL },
    { "model.layers.#.mlp.up_proj", "blk.#.ffn_up", NULL },
    { "model.layers.#.mlp.down_proj", "blk.#.ffn_down", NULL },
    { "model.layers.#.mlp.gate_up_proj", "blk.#.ffn_up", NULL },            /* phi3 (fused) */
    /* mixture of experts: mixtral */
    { "model.layers.#.block_sparse_moe.gate", "blk.#.ffn_gate_inp", NULL },
    { "model.layers.#.block_sparse_moe.experts.@.w1", "blk.#.ffn_gate_exps", NULL },
    { "model.layers.#.block_sparse_moe.experts.@.w2", "blk.#.ffn_down_exps", NULL },
    { "model.layers.#.block_sparse_moe.experts.@.w3", "blk.#.ffn_up_exps", NULL },
    /* qwen2moe / qwen3moe */
    { "model.layers.#.mlp.gate", "blk.#.ffn_gate_inp", NULL },
    { "model.layers.#.mlp.experts.@.gate_proj", "blk.#.ffn_gate_exps", NULL },
    { "model.layers.#.mlp.experts.@.up_proj", "blk.#.ffn_up_exps", NULL },
    { "model.layers.#.mlp.experts.@.down_proj", "blk.#.ffn_down_exps", NULL },
    { "model.layers.#.mlp.shared_expert.gate_proj", "blk.#.ffn_gate_shexp", NULL },
    { "model.layers.#.mlp.shared_expert.up_proj", "blk.#.ffn_up_shexp", NULL },
    { "model.layers.#.mlp.shared_expert.down_proj", "blk.#.ffn_down_shexp", NULL },
    { "model.layers.#.mlp.shared_expert_gate", "blk.#.ffn_gate_inp_shexp", NULL },
};
#define NENTRIES (sizeof table / sizeof *table)

static int arch_in(const char *arch, const char *list)
{
    if (!list)
        return 1;
    if (!arch || !*arch)
        return 0;
    size_t n = strlen(arch);
    for (const char *p = list; (p = strstr(p, arch)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return 1;
    return 0;
}

/* Match module name s (length n) against pattern pat: '#' and '@' each
 * match a decimal number (no sign, no leading zeros but "0"), stored in
 * nums[0] / nums[1]. */
static int match(const char *pat, const char *s, size_t n, long nums[2])
{
    size_t i = 0;
    for (; *pat; pat++) {
        if (*pat == '#' || *pat == '@') {
            size_t j = i;
            long v = 0;
            while (j < n && s[j] >= '0' && s[j] <= '9' && j - i < 9)
                v = v * 10 + (s[j++] - '0');
            if (j == i || (s[i] == '0' && j - i > 1))
                return 0;
            nums[*pat == '@'] = v;
            i = j;
        } else if (i < n && s[i] == *pat)
            i++;
        else
            return 0;
    }
    return i == n;
}

int namemap_to_gguf(const char *hf, const char *arch, char *buf, size_t len, int *expert)
{
    const char *dot = strrchr(hf, '.');
    if (!dot || dot == hf || !dot[1])
        return 0;
    size_t mlen = (size_t)(dot - hf);
    for (size_t k = 0; k < NENTRIES; k++) {
        const namemap_entry *e = &table[k];
        long nums[2] = { -1, -1 };
        if (!(arch && *arch ? arch_in(arch, e->archs) : 1) || !match(e->hf, hf, mlen, nums))
            continue;
        /* the GGUF pattern: '#' replaced by the block number */
        char out[256];
        size_t o = 0;
        for (const char *p = e->gguf; *p && o < sizeof out - 16; p++) {
            if (*p == '#')
                o += (size_t)snprintf(out + o, sizeof out - o, "%ld", nums[0]);
            else
                out[o++] = *p;
        }
        out[o] = '\0';
        if ((size_t)snprintf(buf, len, "%s%s", out, dot) >= len)
            return 0;
        *expert = (int)nums[1];
        return 1;
    }
    return 0;
}

/* Does GGUF name g end in the module `mod` (after "blk.N.") plus a suffix? */
static int is_module(const char *g, const char *mod)
{
    if (strncmp(g, "blk.", 4) != 0)
        return 0;
    const char *p = g + 4;
    while (*p >= '0' && *p <= '9')
        p++;
    if (p == g + 4 || *p != '.')
        return 0;
    size_t n = strlen(mod);
    return strncmp(p + 1, mod, n) == 0 && p[1 + n] == '.' &&
           (strcmp(p + 2 + n, "weight") == 0 || strcmp(p + 2 + n, "bias") == 0);
}

int namemap_permutation(const char *gguf, const char *arch)
{
    /* LlamaModel (llama, mistral, mixtral, ... converted as arch "llama") */
    if (!arch || strcmp(arch, "llama") != 0)
        return 0;
    if (is_module(gguf, "attn_q"))
        return 1;
    if (is_module(gguf, "attn_k"))
        return 2;
    return 0;
}

int namemap_plus_one(const char *gguf, const char *arch)
{
    if (!arch || !arch_in(arch, "gemma gemma2 gemma3"))
        return 0;
    size_t n = strlen(gguf);
    return n >= 11 && strcmp(gguf + n - 11, "norm.weight") == 0;
}
