#!/usr/bin/python3
"""Generate the --compare fixtures in tests/data/compare/ (run once; the
outputs are committed). Needs numpy only.

A small llama-shaped float model with Hugging Face names (2 blocks, hidden
32, head_count 4, head_count_kv 2, head_dim 8, ffn 64, vocab 64), and the
forms a compare meets:

  orig.safetensors   the original, float32, Hugging Face names (plus an
                     HF-only rotary_emb.inv_freq, which GGUF does not hold)
  q.gguf             llama.cpp's form: llama.cpp names, q/k rows PERMUTED as
                     convert_hf_to_gguf.py's LlamaModel.permute does
                     (reshape(n_head, 2, rows/n_head/2, cols).swapaxes(1, 2)),
                     then quantized in a Q8_0/Q4_0/F16/F32 mix; plus
                     rope_freqs.weight, which the original lacks
  mismatch.gguf      q.gguf with blk.1.ffn_down.weight stored with its two
                     dims swapped (same bytes): a shape mismatch
  badtype.gguf       q.gguf with blk.0.attn_v.weight given ggml type id 99
                     (unknown): that pair fails, the others are reported
  cut.gguf           the first half of q.gguf: refused as a whole
  f16.safetensors    the original's embeddings, block 0 and head stored as
                     float16 under the same names (block 1 left unmatched)
  awq/               the original as AutoAWQ GEMM writes it (config.json
                     quant_method awq, 4 bits, group 32): every linear
                     layer as qweight [in, out/8] / qzeros / scales F16
                     [in/32, out] (the TRANSPOSED layout, nibble order
                     0 2 4 6 1 3 5 7), embeddings, norms and lm_head
                     float16; expected from the integers and scales before
                     packing
  moe.safetensors    a Mixtral-style block: 2 experts' w1/w2/w3 (Hugging
                     Face names, one tensor per expert) and the router
  moe.gguf           its GGUF form: the experts STACKED into one
                     [E, rows, cols] tensor per projection (ffn_gate_exps,
                     ffn_down_exps, ffn_up_exps; Q8_0, Q4_0, F16)
  moe_missing.safetensors  moe.safetensors without expert 1's w2: that
                     stacked pair fails naming the missing expert

The expected metrics (expected.json) are computed here in float64 from the
generator's own decoders (gen_io_fixtures.py's numpy Q8_0/Q4_0 encoders, a
float16 cast) against the original, with the permutation undone by this
file's own inverse of permute(); never by apotview. The generator asserts
that NOT undoing the permutation changes the q/k metrics, so a compare that
forgets it fails the test.
"""
import json, os, struct, sys
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_io_fixtures import save_safetensors, save_gguf, q8_0, q4_0  # noqa: E402

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tests/ (this file is in tests/lib)
OUT = os.path.join(TESTS, 'data', 'compare')
rng = np.random.default_rng(15)
F32 = np.float32
HID, NH, NKV, HD, FF, VOCAB, NL = 32, 4, 2, 8, 64, 64, 2
T_F32, T_F16, T_Q4_0, T_Q8_0 = 0, 1, 2, 8
BPW = {T_F32: 32.0, T_F16: 16.0, T_Q4_0: 4.5, T_Q8_0: 8.5}
DTYPE = {T_F32: 'float32', T_F16: 'float16', T_Q4_0: 'q4_0', T_Q8_0: 'q8_0'}


def permute(w, n_head):
    """convert_hf_to_gguf.py LlamaModel.permute (n_head already the kv count for k)"""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def unpermute(w, n_head):
    """the inverse row order, found from permute() of the row numbers"""
    rows = permute(np.arange(w.shape[0]), n_head)      # permuted row p holds original row rows[p]
    inv = np.empty_like(rows); inv[rows] = np.arange(w.shape[0])
    return w[inv]


def model():
    m = {}
    m['model.embed_tokens.weight'] = rng.standard_normal((VOCAB, HID))
    for b in range(NL):
        p = 'model.layers.%d.' % b
        m[p + 'self_attn.q_proj.weight'] = rng.standard_normal((NH * HD, HID)) * 0.2
        m[p + 'self_attn.k_proj.weight'] = rng.standard_normal((NKV * HD, HID)) * 0.2
        m[p + 'self_attn.v_proj.weight'] = rng.standard_normal((NKV * HD, HID)) * 0.2
        m[p + 'self_attn.o_proj.weight'] = rng.standard_normal((HID, NH * HD)) * 0.2
        m[p + 'mlp.gate_proj.weight'] = rng.laplace(0, 0.1, (FF, HID))
        m[p + 'mlp.up_proj.weight'] = rng.laplace(0, 0.1, (FF, HID))
        m[p + 'mlp.down_proj.weight'] = rng.laplace(0, 0.1, (HID, FF))
        m[p + 'input_layernorm.weight'] = 1 + 0.1 * rng.standard_normal(HID)
        m[p + 'post_attention_layernorm.weight'] = 1 + 0.1 * rng.standard_normal(HID)
    m['model.norm.weight'] = 1 + 0.1 * rng.standard_normal(HID)
    m['lm_head.weight'] = rng.standard_normal((VOCAB, HID)) * 0.5
    return {k: v.astype(F32) for k, v in m.items()}


# Hugging Face -> llama.cpp, and the stored type of each
def gguf_of(name):
    fixed = {'model.embed_tokens.weight': ('token_embd.weight', T_F16),
             'lm_head.weight': ('output.weight', T_Q8_0),
             'model.norm.weight': ('output_norm.weight', T_F32)}
    if name in fixed:
        return fixed[name]
    parts = name.split('.')
    b, mod = parts[2], '.'.join(parts[3:-1])
    tab = {'self_attn.q_proj': ('attn_q', T_Q4_0), 'self_attn.k_proj': ('attn_k', T_Q8_0),
           'self_attn.v_proj': ('attn_v', T_Q4_0), 'self_attn.o_proj': ('attn_output', T_Q8_0),
           'mlp.gate_proj': ('ffn_gate', T_Q4_0), 'mlp.up_proj': ('ffn_up', T_Q4_0),
           'mlp.down_proj': ('ffn_down', T_Q8_0),
           'input_layernorm': ('attn_norm', T_F32), 'post_attention_layernorm': ('ffn_norm', T_F32)}
    g, ty = tab[mod]
    return 'blk.%s.%s.weight' % (b, g), ty


def encode(w, ty):
    """(raw bytes, decoded float32 values in stored order)"""
    x = w.reshape(-1)
    if ty == T_F32:
        return x.astype('<f4').tobytes(), x.astype(F32)
    if ty == T_F16:
        h = x.astype('<f2'); return h.tobytes(), h.astype(F32)
    raw, deq = (q8_0 if ty == T_Q8_0 else q4_0)(x)
    return raw, deq.astype(F32)


@np.errstate(divide="ignore")
def metrics(a, b):
    a = a.astype(np.float64).ravel(); b = b.astype(np.float64).ravel(); e = a - b
    return {'mse': float(np.mean(e * e)), 'sqnr_db': float(10 * np.log10(np.sum(a * a) / np.sum(e * e))),
            'cosine': float(np.dot(a, b) / np.sqrt(np.dot(a, a) * np.dot(b, b))),
            'max_abs_err': float(np.max(np.abs(e))), 'count': int(a.size),
            '_e2': float(np.sum(e * e)), '_a2': float(np.sum(a * a))}


def main():
    os.makedirs(OUT, exist_ok=True)
    m = model()
    hf = dict(m)
    hf['model.layers.0.self_attn.rotary_emb.inv_freq'] = (1.0 / 10000 ** (np.arange(0, HD, 2) / HD)).astype(F32)
    st = {k: ('F32', v.shape, v.astype('<f4').tobytes()) for k, v in hf.items()}
    save_safetensors(os.path.join(OUT, 'orig.safetensors'), st)
    in16 = [k for k in m if not k.startswith('model.layers.1.')]   # block 0 only: block 1 unmatched
    st16 = {k: ('F16', m[k].shape, m[k].astype('<f2').tobytes()) for k in in16}
    save_safetensors(os.path.join(OUT, 'f16.safetensors'), st16)

    tensors, exp_pairs, undone = [], {}, []
    for name, w in m.items():
        g, ty = gguf_of(name)
        perm = 0
        stored = w
        if g.endswith('attn_q.weight'):
            stored, perm = permute(w, NH), NH
        elif g.endswith('attn_k.weight'):
            stored, perm = permute(w, NKV), NKV
        raw, deq = encode(stored, ty)
        deq = deq.reshape(w.shape)
        back = unpermute(deq, perm) if perm else deq
        e = metrics(w, back)
        if perm:
            wrong = metrics(w, deq)        # what a compare that forgot it would report
            assert wrong['sqnr_db'] < e['sqnr_db'] - 10, (name, wrong, e)
            undone.append(g)
        e.update(right=g, right_dtype=DTYPE[ty], right_bpw=BPW[ty], unpermuted=bool(perm))
        exp_pairs[name] = e
        tensors.append((g, list(reversed(w.shape)), ty, raw))
    tensors.append(('rope_freqs.weight', [HD // 2], T_F32, np.ones(HD // 2, '<f4').tobytes()))
    kv = {'general.architecture': (8, 'llama'), 'llama.attention.head_count': (4, NH),
          'llama.attention.head_count_kv': (4, NKV), 'llama.embedding_length': (4, HID)}
    save_gguf(os.path.join(OUT, 'q.gguf'), tensors, kv)

    # shape mismatch: ffn_down of block 1 with its dims swapped
    mis = [(n, list(reversed(ne)) if n == 'blk.1.ffn_down.weight' else ne, ty, raw) for n, ne, ty, raw in tensors]
    save_gguf(os.path.join(OUT, 'mismatch.gguf'), mis, kv)
    # an unknown ggml type id on one tensor (same size as the Q4_0 it replaces)
    bad = [(n, ne, 99 if n == 'blk.0.attn_v.weight' else ty, raw) for n, ne, ty, raw in tensors]
    save_gguf(os.path.join(OUT, 'badtype.gguf'), bad, kv)
    full = open(os.path.join(OUT, 'q.gguf'), 'rb').read()
    open(os.path.join(OUT, 'cut.gguf'), 'wb').write(full[:len(full) // 2])

    tot_n = sum(e['count'] for e in exp_pairs.values())
    totals = {'count': tot_n, 'mse': sum(e['_e2'] for e in exp_pairs.values()) / tot_n,
              'sqnr_db': 10 * np.log10(sum(e['_a2'] for e in exp_pairs.values()) /
                                       sum(e['_e2'] for e in exp_pairs.values())),
              'right_bpw': sum(e['right_bpw'] * e['count'] for e in exp_pairs.values()) / tot_n}
    f16 = {}
    for name in in16:
        w = m[name]
        e = metrics(w, w.astype(np.float16).astype(F32)); e.update(right=name, right_dtype='float16', right_bpw=16.0)
        f16[name] = e
    for d in (exp_pairs, f16):
        for e in d.values():
            e.pop('_e2'); e.pop('_a2')
    doc = {'q.gguf': {'pairs': exp_pairs, 'totals': totals, 'undone': undone,
                      'unmatched_left': ['model.layers.0.self_attn.rotary_emb.inv_freq'],
                      'unmatched_right': ['rope_freqs.weight']},
           'f16.safetensors': {'pairs': f16, 'unmatched_right': [],
                               'unmatched_left': [k for k in hf if k not in in16]}}
    doc['moe.gguf'] = gen_moe()
    doc['awq'] = gen_awq(m)
    json.dump(doc, open(os.path.join(OUT, 'expected.json'), 'w'), indent=1, sort_keys=True)


AWQ_ORDER = [0, 2, 4, 6, 1, 3, 5, 7]


def awq_pack(iw):
    rows, cols = iw.shape
    p = np.zeros((rows, cols // 8), np.uint32)
    for c in range(cols // 8):
        for k in range(8):
            p[:, c] |= iw[:, 8 * c + AWQ_ORDER[k]].astype(np.uint32) << np.uint32(4 * k)
    return p


def gen_awq(m):
    """AutoAWQ's asymmetric min-max rounding per group of G input columns"""
    G, d = 32, os.path.join(OUT, 'awq')
    os.makedirs(d, exist_ok=True)
    json.dump({'architectures': ['LlamaForCausalLM'],
               'quantization_config': {'quant_method': 'awq', 'bits': 4, 'group_size': G,
                                       'zero_point': True, 'version': 'gemm'}},
              open(os.path.join(d, 'config.json'), 'w'), indent=1)
    st, exp = {}, {}
    for name, w in m.items():
        if name.endswith('_proj.weight'):
            mod = name[:-len('.weight')]
            OUTF, IN = w.shape; ng = IN // G
            wg = w.T.reshape(ng, G, OUTF)
            mx, mn = wg.max(1), wg.min(1)
            sc = ((mx - mn) / 15).astype(np.float16)
            z = np.clip(-np.round(mn / sc.astype(F32)), 0, 15).astype(np.int64)
            iw = np.clip(np.round(wg / sc.astype(F32)[:, None, :]) + z[:, None, :], 0, 15).reshape(IN, OUTF).astype(np.int64)
            gi = np.arange(IN) // G
            deq = ((iw - z[gi]).astype(F32) * sc.astype(F32)[gi]).T
            qw, qz = awq_pack(iw), awq_pack(z)
            st[mod + '.qweight'] = ('I32', qw.shape, qw.view('<i4').tobytes())
            st[mod + '.qzeros'] = ('I32', qz.shape, qz.view('<i4').tobytes())
            st[mod + '.scales'] = ('F16', sc.shape, sc.astype('<f2').tobytes())
            e = metrics(w, deq)
            e.update(right=name, right_dtype='awq-int4-g%d' % G,
                     right_bpw=(qw.nbytes + qz.nbytes + sc.nbytes) * 8 / w.size)
        else:
            h = w.astype('<f2')
            st[name] = ('F16', w.shape, h.tobytes())
            e = metrics(w, h.astype(F32))
            e.update(right=name, right_dtype='float16', right_bpw=16.0)
        e.pop('_e2'); e.pop('_a2')
        exp[name] = e
    save_safetensors(os.path.join(d, 'model.safetensors'), st)
    return {'pairs': exp, 'unmatched_left': ['model.layers.0.self_attn.rotary_emb.inv_freq'], 'unmatched_right': []}


def gen_moe():
    E, FFM = 2, 32
    hf, ts, exp = {}, [], {}
    projs = [('w1', 'ffn_gate_exps', (FFM, HID), T_Q8_0), ('w2', 'ffn_down_exps', (HID, FFM), T_Q4_0),
             ('w3', 'ffn_up_exps', (FFM, HID), T_F16)]
    for w, g, shape, ty in projs:
        ws = [rng.standard_normal(shape).astype(F32) * 0.1 for _ in range(E)]
        for e in range(E):
            hf['model.layers.0.block_sparse_moe.experts.%d.%s.weight' % (e, w)] = ws[e]
        stack = np.stack(ws)                       # [E, rows, cols], as the converter stacks
        raw, deq = encode(stack, ty)
        name = 'blk.0.%s.weight' % g
        ts.append((name, list(reversed(stack.shape)), ty, raw))
        e = metrics(stack, deq.reshape(stack.shape))
        e.pop('_e2'); e.pop('_a2')
        e.update(right=name, right_dtype=DTYPE[ty], right_bpw=BPW[ty])
        exp['model.layers.0.block_sparse_moe.experts.*.%s.weight' % w] = e
    gate = rng.standard_normal((E, HID)).astype(F32)
    hf['model.layers.0.block_sparse_moe.gate.weight'] = gate
    raw, deq = encode(gate, T_F32)
    ts.append(('blk.0.ffn_gate_inp.weight', [HID, E], T_F32, raw))
    e = metrics(gate, deq.reshape(gate.shape)); e.pop('_e2'); e.pop('_a2')
    e.update(right='blk.0.ffn_gate_inp.weight', right_dtype='float32', right_bpw=32.0)
    exp['model.layers.0.block_sparse_moe.gate.weight'] = e
    st = {k: ('F32', v.shape, v.astype('<f4').tobytes()) for k, v in hf.items()}
    save_safetensors(os.path.join(OUT, 'moe.safetensors'), st)
    del st['model.layers.0.block_sparse_moe.experts.1.w2.weight']
    save_safetensors(os.path.join(OUT, 'moe_missing.safetensors'), st)
    kv = {'general.architecture': (8, 'llama'), 'llama.attention.head_count': (4, NH),
          'llama.attention.head_count_kv': (4, NKV), 'llama.expert_count': (4, E)}
    save_gguf(os.path.join(OUT, 'moe.gguf'), ts, kv)
    return {'pairs': exp, 'unmatched_left': [], 'unmatched_right': []}


if __name__ == '__main__':
    main()
