#!/usr/bin/python3
"""Generate the --imatrix and --plan fixtures in tests/data/plan/ (run once;
the outputs are committed). Needs numpy only.

Importance matrices, written here from llama.cpp's published layout
(tools/imatrix/imatrix.cpp: save_imatrix, save_imatrix_legacy):

  imatrix.gguf     the GGUF form for the compare model of
                   tests/data/compare (gen_compare_fixtures.py): general.type
                   "imatrix", imatrix.datasets (array of strings),
                   imatrix.chunk_count, imatrix.chunk_size (u32); per weight
                   NAME: NAME.in_sum2 F32 ne [ncols, 1], NAME.counts F32 ne
                   [1, 1], NAME.in_sum F32 (ignored by a = in_sum2 / counts).
                   Entries for every blk.* linear weight and output.weight,
                   except blk.1.ffn_down.weight (left out: that pair has no
                   weighted_mse); never token_embd (llama.cpp collects
                   matrix multiplications only).
  imatrix.dat      the same in the legacy form: int32 n_entries; per entry
                   int32 len, name, int32 ncall, int32 nval, float32
                   values[nval] = (in_sum2 / counts) * ncall; int32
                   last_call; int32 len + dataset name.
  cut.gguf, cut.dat        the two forms cut short (refused, file named)
  wronglen.gguf    blk.0.attn_q.weight's entry with one column too many
                   (an error naming the tensor)
  nocounts.gguf    an in_sum2 without its counts
  plan6.safetensors  a 6-tensor float model (Hugging Face llama names, two
                   blocks' q_proj/k_proj/down_proj of different sizes and
                   distributions) plus a 1-D norm, for the planner
  imatrix6.gguf    its imatrix (GGUF names), blk.1.mlp down_proj left out
  ones6.dat        an imatrix of all ones for plan6 (weighted_mse = mse)
  imatrix_moe.gguf for compare's moe.safetensors / moe.gguf: the stacked
                   expert tensors with one in_sum2 row and count per expert
                   (ne [ncols, 2], [1, 2]), one expert with count 0

expected.json holds, computed here in float64 from the generator's own
decoders and weights: per compare pair the weighted_mse = sum_ij a_j
(w_ij - q_ij)^2 / (rows sum_j a_j) against q.gguf's values (the GGUF and
the .dat form separately: their a differ by float32 rounding), and for
plan6 the mse and weighted_mse of q8_0, q4_0 and mxfp4 (llama.cpp's and the
OCP reference quantizers, written here) per tensor, and imatrix6's a_j
(a6, by GGUF name) for the test's own quantizers.
"""
import json, os, struct, sys
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_io_fixtures import save_safetensors, save_gguf, q8_0, q4_0  # noqa: E402
from gen_compare_fixtures import gguf_of, encode, permute, unpermute, NH, NKV, T_Q8_0, T_Q4_0, T_F16  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tests/ (this file is in tests/lib)
OUT = os.path.join(TESTS, 'data', 'plan')
CMP = os.path.join(TESTS, 'data', 'compare')
rng = np.random.default_rng(1515)
F32 = np.float32


def read_safetensors(path):
    b = open(path, 'rb').read()
    n = struct.unpack('<Q', b[:8])[0]
    h = json.loads(b[8:8 + n])
    out = {}
    for k, v in h.items():
        if k == '__metadata__':
            continue
        assert v['dtype'] == 'F32'
        o0, o1 = v['data_offsets']
        out[k] = np.frombuffer(b[8 + n + o0:8 + n + o1], '<f4').reshape(v['shape']).astype(F32)
    return out


def gguf_imatrix(path, entries, wrong=None, drop_counts=None):
    """entries: {name: (in_sum2 float32 [ncols] or [nmat, ncols], count or [nmat] counts)}"""
    ts = []
    for name in sorted(entries):
        s2, cnt = entries[name]
        s2 = np.atleast_2d(s2.astype('<f4'))
        cnt = np.atleast_1d(np.asarray(cnt, '<f4'))
        if name == wrong:
            s2 = np.concatenate([s2, np.ones((s2.shape[0], 1), '<f4')], 1)
        nmat, ncols = s2.shape
        ts.append((name + '.in_sum2', [ncols, nmat], 0, s2.tobytes()))
        if name != drop_counts:
            ts.append((name + '.counts', [1, nmat], 0, cnt.tobytes()))
        ts.append((name + '.in_sum', [ncols, nmat], 0, (np.sqrt(s2) * 0.1).astype('<f4').tobytes()))
    kv = {'general.type': (8, 'imatrix'), 'imatrix.datasets': (9, (8, ['calib.txt'])),
          'imatrix.chunk_count': (4, 4), 'imatrix.chunk_size': (4, 128)}
    save_gguf(path, ts, kv)


def dat_imatrix(path, entries, ncall):
    """values = a * ncall (float32), as save_imatrix_legacy stores them"""
    out = struct.pack('<i', len(entries))
    vals = {}
    for name in sorted(entries):
        s2, cnt = entries[name]
        a = (s2.astype(F32) / F32(cnt)).astype(F32)
        v = (a * F32(ncall)).astype('<f4')
        vals[name] = v.astype(np.float64) / ncall
        nb = name.encode()
        out += struct.pack('<i', len(nb)) + nb + struct.pack('<ii', ncall, len(v)) + v.tobytes()
    out += struct.pack('<i', 4) + struct.pack('<i', 9) + b'calib.txt'
    open(path, 'wb').write(out)
    return vals


def a_gguf(entries):
    return {k: s2.astype(F32).astype(np.float64) / np.float64(F32(c)) for k, (s2, c) in entries.items()}


def wmse(w, q, a):
    w = w.astype(np.float64); q = q.astype(np.float64)
    e2 = (w - q) ** 2
    return float(np.sum(e2 * a[None, :]) / (w.shape[0] * np.sum(a)))


def mxfp4(x):
    """OCP MX v1.0: X = 2^(floor(log2(amax)) - 2) per block of 32, E2M1
    nearest with ties to the even code, saturating at 6"""
    x = x.reshape(-1, 32).astype(np.float64)
    mags = np.array([0, 0.5, 1, 1.5, 2, 3, 4, 6])
    out = np.zeros_like(x)
    for i, blk in enumerate(x):
        am = np.max(np.abs(blk))
        if am == 0:
            continue
        X = 2.0 ** (np.floor(np.log2(am)) - 2)
        m = np.abs(blk) / X
        for j, v in enumerate(m):
            d = np.abs(mags - v)
            c = np.flatnonzero(d == d.min())
            k = c[0] if len(c) == 1 else (c[0] if c[0] % 2 == 0 else c[1])
            out[i, j] = np.sign(blk[j]) * mags[k] * X
    return out.reshape(-1)


def compare_part(exp):
    m = read_safetensors(os.path.join(CMP, 'orig.safetensors'))
    entries = {}
    for name, w in m.items():
        if w.ndim != 2 or name == 'model.embed_tokens.weight':
            continue
        g, ty = gguf_of(name)
        if g == 'blk.1.ffn_down.weight':
            continue
        cols = w.shape[1]
        entries[g] = ((rng.gamma(0.7, 2.0, cols) * 512).astype(F32), 512.0)
    gguf_imatrix(os.path.join(OUT, 'imatrix.gguf'), entries)
    adat = dat_imatrix(os.path.join(OUT, 'imatrix.dat'), entries, 7)
    agg = a_gguf(entries)
    gguf_imatrix(os.path.join(OUT, 'wronglen.gguf'), entries, wrong='blk.0.attn_q.weight')
    gguf_imatrix(os.path.join(OUT, 'nocounts.gguf'), entries, drop_counts='blk.0.attn_v.weight')
    full = open(os.path.join(OUT, 'imatrix.gguf'), 'rb').read()
    open(os.path.join(OUT, 'cut.gguf'), 'wb').write(full[:len(full) * 2 // 3])
    full = open(os.path.join(OUT, 'imatrix.dat'), 'rb').read()
    open(os.path.join(OUT, 'cut.dat'), 'wb').write(full[:len(full) // 2 + 3])
    pairs = {}
    for name, w in m.items():
        if w.ndim != 2:
            continue
        g, ty = gguf_of(name)
        perm = NH if g.endswith('attn_q.weight') else NKV if g.endswith('attn_k.weight') else 0
        stored = permute(w, perm) if perm else w
        raw, deq = encode(stored, ty)
        deq = deq.reshape(w.shape)
        back = unpermute(deq, perm) if perm else deq
        if g in entries:
            pairs[name] = {'gguf': wmse(w, back, agg[g]), 'dat': wmse(w, back, adat[g])}
        else:
            pairs[name] = None
    exp['compare'] = pairs


def plan_part(exp):
    t = {}
    t['model.layers.0.self_attn.q_proj.weight'] = rng.standard_normal((64, 128)) * 0.05
    t['model.layers.0.self_attn.k_proj.weight'] = rng.laplace(0, 0.03, (32, 128))
    t['model.layers.0.mlp.down_proj.weight'] = rng.standard_t(3, (64, 256)) * 0.02
    t['model.layers.1.self_attn.q_proj.weight'] = rng.standard_normal((128, 128)) * 0.02
    t['model.layers.1.self_attn.k_proj.weight'] = rng.uniform(-0.1, 0.1, (32, 128))
    t['model.layers.1.mlp.down_proj.weight'] = rng.laplace(0, 0.01, (128, 256))
    t['model.layers.0.input_layernorm.weight'] = 1 + 0.1 * rng.standard_normal(128)
    t = {k: v.astype(F32) for k, v in t.items()}
    save_safetensors(os.path.join(OUT, 'plan6.safetensors'),
                     {k: ('F32', v.shape, v.astype('<f4').tobytes()) for k, v in t.items()})
    gmap = {'self_attn.q_proj': 'attn_q', 'self_attn.k_proj': 'attn_k', 'mlp.down_proj': 'ffn_down'}
    ent, ones = {}, {}
    for k, v in t.items():
        if v.ndim != 2:
            continue
        p = k.split('.')
        g = 'blk.%s.%s.weight' % (p[2], gmap['.'.join(p[3:5])])
        ones[g] = (np.full(v.shape[1], 100.0, F32), 100.0)
        if g != 'blk.1.ffn_down.weight':
            ent[g] = ((rng.gamma(0.5, 3.0, v.shape[1]) * 256).astype(F32), 256.0)
    gguf_imatrix(os.path.join(OUT, 'imatrix6.gguf'), ent)
    dat_imatrix(os.path.join(OUT, 'ones6.dat'), ones, 3)
    a6 = a_gguf(ent)
    res = {}
    for k, v in t.items():
        if v.ndim != 2:
            continue
        p = k.split('.')
        g = 'blk.%s.%s.weight' % (p[2], gmap['.'.join(p[3:5])])
        r = {'gguf_name': g, 'has_imatrix': g in a6}
        for fmt, fn in (('q8_0', lambda x: q8_0(x)[1]), ('q4_0', lambda x: q4_0(x)[1]), ('mxfp4', mxfp4)):
            q = np.asarray(fn(v.reshape(-1))).astype(np.float64).reshape(v.shape)
            d = {'mse': float(np.mean((v.astype(np.float64) - q) ** 2))}
            if g in a6:
                d['weighted_mse'] = wmse(v, q, a6[g])
            r[fmt] = d
        res[k] = r
    exp['plan6'] = res
    exp['a6'] = {g: [float(v) for v in a] for g, a in a6.items()}


def moe_part(exp):
    """imatrix_moe.gguf: per stacked GGUF expert tensor one in_sum2 row per
    expert (ne [ncols, 2]) and counts ne [1, 2]; ffn_up_exps' expert 1 saw
    no token (count 0: a = 1). Expected: the stacked pairs of moe.safetensors
    against moe.gguf, and each Hugging Face expert's own q8_0 weighted_mse
    (its row of the entry) for --plan."""
    m = read_safetensors(os.path.join(CMP, 'moe.safetensors'))
    E = 2
    projs = [('w1', 'ffn_gate_exps', T_Q8_0), ('w2', 'ffn_down_exps', T_Q4_0), ('w3', 'ffn_up_exps', T_F16)]
    ent, out, per = {}, {}, {}
    for w, g, ty in projs:
        ws = [m['model.layers.0.block_sparse_moe.experts.%d.%s.weight' % (e, w)] for e in range(E)]
        cols = ws[0].shape[1]
        s2 = (rng.gamma(0.6, 2.0, (E, cols)) * 300).astype(F32)
        cnt = np.array([300, 0 if g == 'ffn_up_exps' else 150], F32)
        name = 'blk.0.%s.weight' % g
        ent[name] = (s2, cnt)
        a = [s2[e].astype(np.float64) / np.float64(cnt[e]) if cnt[e] > 0 else np.ones(cols) for e in range(E)]
        stack = np.stack(ws)
        raw, deq = encode(stack, ty)
        deq = deq.reshape(stack.shape).astype(np.float64)
        num = sum(float(np.sum(a[e][None, :] * (stack[e].astype(np.float64) - deq[e]) ** 2)) for e in range(E))
        den = sum(stack.shape[1] * float(np.sum(a[e])) for e in range(E))
        out['model.layers.0.block_sparse_moe.experts.*.%s.weight' % w] = num / den
        for e in range(E):
            q = q8_0(ws[e].reshape(-1))[1].astype(np.float64).reshape(ws[e].shape)
            per['model.layers.0.block_sparse_moe.experts.%d.%s.weight' % (e, w)] = wmse(ws[e], q, a[e])
    gguf_imatrix(os.path.join(OUT, 'imatrix_moe.gguf'), ent)
    exp['moe'] = out
    exp['moe_plan_q8_0'] = per


def main():
    os.makedirs(OUT, exist_ok=True)
    exp = {}
    compare_part(exp)
    plan_part(exp)
    moe_part(exp)
    json.dump(exp, open(os.path.join(OUT, 'expected.json'), 'w'), indent=1, sort_keys=True)


if __name__ == '__main__':
    main()
