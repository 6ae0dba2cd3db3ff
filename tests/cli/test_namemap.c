/*
 * test_namemap.c - the Hugging Face -> llama.cpp name table
 * (model/namemap.h) against names written by hand from llama.cpp's
 * gguf-py tensor_mapping.py, per architecture; the architecture-specific
 * entries (Gemma 2's four norms); experts stacked; names the table must
 * not take; and the row permutation's inverse checked against a brute
 * force of convert_hf_to_gguf.py's permute (reshape(n_head, 2, rows /
 * n_head / 2).swapaxes(1, 2)) written here.
 */
#include "config.h"
#include "testutil.h"

#include "model/namemap.h"

static void expect_map(const char *hf, const char *arch, const char *gguf, int expert)
{
    char buf[256];
    int ex = -7;
    int ok = namemap_to_gguf(hf, arch, buf, sizeof buf, &ex);
    if (!gguf) {
        assert_int_equal(ok, 0);
        return;
    }
    assert_int_equal(ok, 1);
    assert_string_equal(buf, gguf);
    assert_int_equal(ex, expert);
}

static void test_llama(void **state)
{
    (void)state;
    expect_map("model.embed_tokens.weight", "llama", "token_embd.weight", -1);
    expect_map("lm_head.weight", "llama", "output.weight", -1);
    expect_map("model.norm.weight", "llama", "output_norm.weight", -1);
    expect_map("model.layers.0.self_attn.q_proj.weight", "llama", "blk.0.attn_q.weight", -1);
    expect_map("model.layers.31.self_attn.k_proj.weight", "llama", "blk.31.attn_k.weight", -1);
    expect_map("model.layers.7.self_attn.v_proj.weight", "llama", "blk.7.attn_v.weight", -1);
    expect_map("model.layers.7.self_attn.o_proj.weight", "llama", "blk.7.attn_output.weight", -1);
    expect_map("model.layers.12.mlp.gate_proj.weight", "llama", "blk.12.ffn_gate.weight", -1);
    expect_map("model.layers.12.mlp.up_proj.weight", NULL, "blk.12.ffn_up.weight", -1);
    expect_map("model.layers.12.mlp.down_proj.weight", "", "blk.12.ffn_down.weight", -1);
    expect_map("model.layers.3.input_layernorm.weight", "llama", "blk.3.attn_norm.weight", -1);
    expect_map("model.layers.3.post_attention_layernorm.weight", "llama", "blk.3.ffn_norm.weight", -1);
    /* qwen2: biases keep their suffix */
    expect_map("model.layers.2.self_attn.q_proj.bias", "qwen2", "blk.2.attn_q.bias", -1);
    /* qwen3 */
    expect_map("model.layers.2.self_attn.q_norm.weight", "qwen3", "blk.2.attn_q_norm.weight", -1);
    expect_map("model.layers.2.self_attn.k_norm.weight", "qwen3", "blk.2.attn_k_norm.weight", -1);
    /* phi3: fused */
    expect_map("model.layers.5.self_attn.qkv_proj.weight", "phi3", "blk.5.attn_qkv.weight", -1);
    expect_map("model.layers.5.mlp.gate_up_proj.weight", "phi3", "blk.5.ffn_up.weight", -1);
    /* gemma2/3: post_attention_layernorm is the attention's post norm */
    expect_map("model.layers.4.post_attention_layernorm.weight", "gemma2", "blk.4.post_attention_norm.weight", -1);
    expect_map("model.layers.4.pre_feedforward_layernorm.weight", "gemma3", "blk.4.ffn_norm.weight", -1);
    expect_map("model.layers.4.post_feedforward_layernorm.weight", "gemma2", "blk.4.post_ffw_norm.weight", -1);
    expect_map("model.layers.4.post_attention_layernorm.weight", "gemma", "blk.4.ffn_norm.weight", -1);
    /* experts */
    expect_map("model.layers.1.block_sparse_moe.experts.5.w1.weight", "llama", "blk.1.ffn_gate_exps.weight", 5);
    expect_map("model.layers.1.block_sparse_moe.experts.5.w2.weight", "llama", "blk.1.ffn_down_exps.weight", 5);
    expect_map("model.layers.1.block_sparse_moe.experts.0.w3.weight", "llama", "blk.1.ffn_up_exps.weight", 0);
    expect_map("model.layers.1.block_sparse_moe.gate.weight", "llama", "blk.1.ffn_gate_inp.weight", -1);
    expect_map("model.layers.9.mlp.experts.63.down_proj.weight", "qwen3moe", "blk.9.ffn_down_exps.weight", 63);
    expect_map("model.layers.9.mlp.gate.weight", "qwen3moe", "blk.9.ffn_gate_inp.weight", -1);
    expect_map("model.layers.9.mlp.shared_expert.up_proj.weight", "qwen2moe", "blk.9.ffn_up_shexp.weight", -1);
    expect_map("model.layers.9.mlp.shared_expert_gate.weight", "qwen2moe", "blk.9.ffn_gate_inp_shexp.weight", -1);
    /* not the table's */
    expect_map("blk.0.attn_q.weight", "llama", NULL, 0);
    expect_map("model.layers.x.self_attn.q_proj.weight", "llama", NULL, 0);
    expect_map("model.layers.01.self_attn.q_proj.weight", "llama", NULL, 0);
    expect_map("model.layers.0.self_attn.q_proj", "llama", NULL, 0);
    expect_map("model.layers.0.self_attn.rotary_emb.inv_freq", "llama", NULL, 0);
    expect_map("weight", "llama", NULL, 0);
}

static void test_transforms(void **state)
{
    (void)state;
    assert_int_equal(namemap_permutation("blk.0.attn_q.weight", "llama"), 1);
    assert_int_equal(namemap_permutation("blk.10.attn_k.weight", "llama"), 2);
    assert_int_equal(namemap_permutation("blk.10.attn_k.bias", "llama"), 2);
    assert_int_equal(namemap_permutation("blk.10.attn_v.weight", "llama"), 0);
    assert_int_equal(namemap_permutation("blk.10.attn_q_norm.weight", "llama"), 0);
    assert_int_equal(namemap_permutation("blk.0.attn_q.weight", "qwen2"), 0);
    assert_int_equal(namemap_permutation("blk.0.attn_q.weight", NULL), 0);
    assert_int_equal(namemap_plus_one("blk.0.attn_norm.weight", "gemma2"), 1);
    assert_int_equal(namemap_plus_one("output_norm.weight", "gemma"), 1);
    assert_int_equal(namemap_plus_one("blk.0.attn_norm.weight", "llama"), 0);
    assert_int_equal(namemap_plus_one("blk.0.attn_q.weight", "gemma3"), 0);
}

/* permute() by brute force: the permuted row at position p of
 * reshape(n_head, 2, half).swapaxes(1, 2) is original row (h, j, i) for
 * p = (h, i, j). */
static void test_unpermute(void **state)
{
    (void)state;
    const uint64_t cases[][2] = { { 64, 4 }, { 32, 2 }, { 128, 8 }, { 8, 4 }, { 4096, 32 } };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        uint64_t rows = cases[c][0], nh = cases[c][1], half = rows / nh / 2;
        for (uint64_t h = 0; h < nh; h++)
            for (uint64_t i = 0; i < half; i++)
                for (uint64_t j = 0; j < 2; j++) {
                    uint64_t p = h * 2 * half + i * 2 + j;        /* position in the GGUF */
                    uint64_t orig = h * 2 * half + j * half + i;  /* the HF row it holds */
                    assert_int_equal(namemap_unpermute_row(orig, rows, nh), p);
                }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_llama),
        cmocka_unit_test(test_transforms),
        cmocka_unit_test(test_unpermute),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
