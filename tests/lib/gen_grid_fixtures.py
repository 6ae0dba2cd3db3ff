#!/usr/bin/python3
"""Expected stored grids (issue 14, part 5) of the committed quantized
fixtures, for tests/io/test_stored.c: tests/data/io/grid/<case>.levels.npy
(float32 [groups, levels]: per group the levels its format can represent,
ascending by code value) and tests/data/io/grid/expected.json (per case:
file, tensor, levels per group, groups, bits per weight from the bytes,
levels_used and levels_per_group by brute force, off-grid count).

Independent of apotview: the fixture bytes are parsed here (a minimal
GGUF and safetensors reader), the per-group scales decoded by the field
layouts of the generators (gen_io_fixtures.py: ggml-common.h blocks;
gen_stquant_fixtures.py: AWQ / bitsandbytes / MXFP4 / FP8 packing), each
group's levels computed in float32 as level = code value x scale (-
minimum), and the census found by brute force: each expected dequantized
value (the generators' *.npy, computed from the unpacked integers) is
matched exactly against its own group's levels. Run once; the outputs are
committed. Needs numpy only.
"""
import json, os, struct, sys
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_io_fixtures as gio          # noqa: E402  (block field decoders)
import gen_stquant_fixtures as gst     # noqa: E402  (packing layouts, tables)

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tests/ (this file is in tests/lib)
IO = os.path.join(TESTS, 'data', 'io')
OUT = os.path.join(IO, 'grid')
F32 = np.float32
f_ = gio.f_

def read_gguf(path):
    b = open(path, 'rb').read()
    assert b[:4] == b'GGUF'
    ver, nt, nkv = struct.unpack_from('<IQQ', b, 4); o = 24
    def s(o):
        n, = struct.unpack_from('<Q', b, o); return b[o + 8:o + 8 + n].decode(), o + 8 + n
    align = 32
    for _ in range(nkv):
        k, o = s(o); t, = struct.unpack_from('<I', b, o); o += 4
        if t == 8: v, o = s(o)
        elif t in (4, 5, 6): v, = struct.unpack_from('<I', b, o); o += 4
        else: raise SystemExit('kv type %d' % t)
        if k == 'general.alignment': align = v
    infos = []
    for _ in range(nt):
        name, o = s(o); nd, = struct.unpack_from('<I', b, o); o += 4
        ne = struct.unpack_from('<%dQ' % nd, b, o); o += 8 * nd
        ty, off = struct.unpack_from('<IQ', b, o); o += 12
        infos.append((name, ne, ty, off))
    data = (o + align - 1) // align * align
    return {n: (ne, ty, b[data + off:]) for n, ne, ty, off in infos}

# ggml types: id -> (name, block elements, block bytes)
GG = {2: ('q4_0', 32, 18), 8: ('q8_0', 32, 34), 10: ('q2_k', 256, 84), 12: ('q4_k', 256, 144),
      14: ('q6_k', 256, 210), 23: ('iq4_xs', 256, 136), 39: ('mxfp4', 32, 17)}

def gguf_levels(ty, B):
    """per sub-block levels [groups, codes] and the group size"""
    if ty == 2:
        return (f_(np.arange(-8, 8))[None, :] * gio.h16(B, 0)), 32
    if ty == 8:
        return (f_(np.arange(-128, 128))[None, :] * gio.h16(B, 0)), 32
    if ty == 12:
        d, dmin = gio.h16(B, 0), gio.h16(B, 2); sc, mn = gio.k4_scales(B[:, 4:16])
        dl, ml = (d * f_(sc)).reshape(-1, 1), (dmin * f_(mn)).reshape(-1, 1)
        return dl * f_(np.arange(16))[None, :] - ml, 32
    if ty == 10:
        sc = B[:, 0:16].astype(np.int32); d, dmin = gio.h16(B, 80), gio.h16(B, 82)
        dl, ml = (d * f_(sc & 15)).reshape(-1, 1), (dmin * f_(sc >> 4)).reshape(-1, 1)
        return dl * f_(np.arange(4))[None, :] - ml, 16
    if ty == 14:
        sc = B[:, 192:208].view(np.int8).astype(np.int32); d = gio.h16(B, 208)
        return (d * f_(sc)).reshape(-1, 1) * f_(np.arange(-32, 32))[None, :], 16
    if ty == 23:
        d = gio.h16(B, 0); sh = np.ascontiguousarray(B[:, 2:4]).view('<u2').astype(np.int32)
        sl = B[:, 4:8].astype(np.int32); ib = np.arange(8)
        ls = ((sl[:, ib // 2] >> (4 * (ib % 2))) & 15) | ((sh >> (2 * ib)) & 3) << 4
        return (d * f_(ls - 32)).reshape(-1, 1) * f_(np.sort(gio.KV_IQ4NL.astype(np.int32)))[None, :], 32
    if ty == 39:
        kv = np.unique(gio.KV_MXFP4.astype(np.int32))             # 15 distinct (+-0 once)
        return f_(kv)[None, :] * gio.e8m0_half(B[:, 0:1]), 32
    raise SystemExit(ty)

def census(levels, gidx, vals):
    """brute force: the code of each value in its group's levels (exact)"""
    used, per = set(), {}
    off = 0
    for g, v in zip(gidx, vals):
        if not np.isfinite(v): continue
        hit = np.flatnonzero(levels[g] == v)
        if len(hit) == 0: off += 1; continue
        k = int(hit[0]); used.add(k); per.setdefault(int(g), set()).add(k)
    lpg = float(np.mean([len(s) for s in per.values()])) if per else None
    return len(used), lpg, off

def read_st(path):
    b = open(path, 'rb').read(); n, = struct.unpack_from('<Q', b, 0)
    h = json.loads(b[8:8 + n]); h.pop('__metadata__', None)
    codes = {'F32': '<f4', 'F16': '<f2', 'I32': '<i4', 'U8': 'u1', 'I8': 'i1', 'F8_E4M3': 'u1', 'F8_E5M2': 'u1'}
    out = {}
    for k, v in h.items():
        o = v['data_offsets']
        out[k] = (np.frombuffer(b[8 + n + o[0]:8 + n + o[1]], codes[v['dtype']]).reshape(v['shape']), o[1] - o[0])
    return out

cases, expected = [], {}

def add(case, file, tensor, levels, gidx, vals, nbytes, count):
    lv = np.ascontiguousarray(levels, F32)
    np.save(os.path.join(OUT, case + '.levels.npy'), lv)
    used, lpg, off = census(lv, gidx, vals.reshape(-1))
    expected[case] = {'file': file, 'tensor': tensor, 'ngroups': int(lv.shape[0]), 'ncb': int(lv.shape[1]),
                      'bpw': nbytes * 8.0 / count, 'levels_used': used, 'levels_per_group': lpg, 'off_grid': off}

def gguf_cases():
    for ty, (nm, blck, nbytes) in GG.items():
        path = os.path.join(IO, 'gguf', nm + '.gguf')
        tens = read_gguf(path)
        for tname in ('random', 'real'):
            ne, tty, raw = tens[tname]
            assert tty == ty
            count = int(np.prod(ne)); nb = count // blck
            B = np.frombuffer(raw[:nb * nbytes], np.uint8).reshape(nb, nbytes)
            lv, G = gguf_levels(ty, B)
            vals = np.load(os.path.join(IO, 'gguf', '%s.%s.npy' % (nm, tname))).astype(F32)
            add('%s.%s' % (nm, tname), 'gguf/%s.gguf' % nm, tname, lv, np.arange(count) // G, vals,
                nb * nbytes, count)

def stq_cases():
    # AutoAWQ: levels (q - z) * s per (output row, input group); group o * ng + g
    d = read_st(os.path.join(IO, 'stq', 'awq', 'model.safetensors'))
    for mod in ('model.layers.0.self_attn.q_proj', 'model.layers.0.self_attn.o_proj'):
        qw, nq = d[mod + '.qweight']; qz, nz = d[mod + '.qzeros']; s, ns = d[mod + '.scales']
        z = gst.awq_unpack(qz.view(np.uint32), gst.AWQ_ORDER)          # [ng, out]
        ng, out = s.shape; inn = qw.shape[0]; G = inn // ng
        sf = s.astype(F32)
        lv = (f_(np.arange(16))[None, None, :] - f_(z)[:, :, None]) * sf[:, :, None]   # [ng, out, 16]
        lv = lv.transpose(1, 0, 2).reshape(out * ng, 16)
        o, i = np.meshgrid(np.arange(out), np.arange(inn), indexing='ij')
        vals = np.load(os.path.join(IO, 'stq', 'awq', mod + '.weight.npy'))
        add('awq.' + mod.split('.')[-1], 'stq/awq/model.safetensors', mod + '.weight', lv,
            (o * ng + i // G).reshape(-1), vals, nq + nz + ns, out * inn)
    # AutoGPTQ 3-bit: codes and zeros as little-endian bit streams (code k
    # at bit 3k of a column's / a row's 32-bit words), zeros stored - 1
    d = read_st(os.path.join(IO, 'stq', 'gptq3', 'model.safetensors'))
    mod = 'model.layers.2.mlp.up_proj'
    qw, nq = d[mod + '.qweight']; qz, nz = d[mod + '.qzeros']; s, ns = d[mod + '.scales']
    def stream(words, n, B):
        bits = ((words.astype(np.uint64)[..., None] >> np.arange(32, dtype=np.uint64)) & 1).reshape(words.shape[0], -1)
        return (bits[:, :n * B].reshape(words.shape[0], n, B) << np.arange(B, dtype=np.uint64)).sum(2).astype(np.int64)
    ng, out = s.shape
    z = stream(qz.view(np.uint32), out, 3) + 1                     # [ng, out]
    inn = qw.shape[0] * 32 // 3; G = inn // ng
    lv = (f_(np.arange(8))[None, None, :] - f_(z)[:, :, None]) * s.astype(F32)[:, :, None]
    lv = lv.transpose(1, 0, 2).reshape(out * ng, 8)
    o, i = np.meshgrid(np.arange(out), np.arange(inn), indexing='ij')
    vals = np.load(os.path.join(IO, 'stq', 'gptq3', mod + '.weight.npy'))
    add('gptq3', 'stq/gptq3/model.safetensors', mod + '.weight', lv, (o * ng + i // G).reshape(-1), vals,
        nq + nz + ns, out * inn)
    # NVFP4: the 15 distinct E2M1 values x (e4m3 scale / global) per 16 along the rows
    d = read_st(os.path.join(IO, 'stq', 'nvfp4', 'model.safetensors'))
    mod = 'model.layers.0.mlp.down_proj'
    wp, nw = d[mod + '.weight_packed']; sc, nsc = d[mod + '.weight_scale']; gs, ngs = d[mod + '.weight_global_scale']
    R, C = wp.shape[0], wp.shape[1] * 2
    s = (gst.E4M3[sc].astype(F32) / gs.astype(F32)[0]).astype(F32)
    lv = np.unique(gst.E2M1.astype(F32))[None, :] * s.reshape(-1, 1)
    vals = np.load(os.path.join(IO, 'stq', 'nvfp4', mod + '.weight.npy'))
    add('nvfp4', 'stq/nvfp4/model.safetensors', mod + '.weight', lv, np.arange(R * C) // 16, vals,
        nw + nsc + ngs, R * C)
    # LLM.int8: levels (q * SCB) / 127 per row, q = -128..127, as bitsandbytes
    # computes the values (apotview's grid: q * (SCB / 127), within a rounding)
    d = read_st(os.path.join(IO, 'stq', 'bnb8', 'model.safetensors'))
    mod = 'model.layers.0.self_attn.k_proj'
    w, nw = d[mod + '.weight']; scb, ns = d[mod + '.SCB']; wf, nf = d[mod + '.weight_format']
    R, C = w.shape
    lv = (f_(np.arange(-128, 128))[None, :] * scb.astype(F32)[:, None]) / F32(127)
    vals = np.load(os.path.join(IO, 'stq', 'bnb8', mod + '.weight.npy'))
    add('llm_int8', 'stq/bnb8/model.safetensors', mod + '.weight', lv, np.arange(R * C) // C, vals,
        nw + ns + nf, R * C)
    expected['llm_int8']['approx'] = True
    # bitsandbytes NF4 (plain absmax): levels sorted(quant_map) * absmax per block of 64 (flat)
    d = read_st(os.path.join(IO, 'stq', 'bnb', 'model.safetensors'))
    name = 'model.layers.0.mlp.down_proj.weight'
    w, nw = d[name]; a, na = d[name + '.absmax']; qm, nqm = d[name + '.quant_map']
    js = d[name + '.quant_state.bitsandbytes__nf4']
    qs = json.loads(js[0].tobytes()); bs = qs['blocksize']; count = int(np.prod(qs['shape']))
    lv = np.sort(qm.astype(F32))[None, :] * a.astype(F32)[:, None]
    vals = np.load(os.path.join(IO, 'stq', 'bnb', name + '.npy'))
    add('nf4', 'stq/bnb/model.safetensors', name, lv, np.arange(count) // bs, vals,
        nw + na + nqm + js[1], count)
    # gpt-oss MXFP4: the 15 distinct E2M1 values x 2^(e - 127) per block of 32
    d = read_st(os.path.join(IO, 'stq', 'mxfp4', 'model.safetensors'))
    name = 'model.layers.0.mlp.experts.down_proj'
    blk, nb_ = d[name + '_blocks']; sc, nsc = d[name + '_scales']
    e = sc.reshape(-1).astype(np.int32) - 127
    with np.errstate(over='ignore'):
        lv = np.ldexp(np.unique(gst.E2M1.astype(F32))[None, :], e[:, None]).astype(F32)
    lv[e == 128] = np.nan               # E8M0 255 (2^128, NaN in OCP MX): no finite grid (not compared)
    vals = np.load(os.path.join(IO, 'stq', 'mxfp4', name + '.npy'))
    count = vals.size
    add('mxfp4', 'stq/mxfp4/model.safetensors', name, lv, np.arange(count) // 32, vals, nb_ + nsc, count)
    # FP8 DeepSeek-V3: every finite e4m3 value x the 128x128 tile's scale_inv
    d = read_st(os.path.join(IO, 'stq', 'fp8', 'model.safetensors'))
    name = 'model.layers.0.mlp.up_proj.weight'
    w, nw = d[name]; s, ns = d[name + '_scale_inv']
    R, C = w.shape
    cb = np.unique(gst.E4M3[np.isfinite(gst.E4M3)].astype(F32))     # 253 (+-0 once)
    lv = cb[None, :] * s.astype(F32).reshape(-1, 1)
    r, c = np.meshgrid(np.arange(R), np.arange(C), indexing='ij')
    vals = np.load(os.path.join(IO, 'stq', 'fp8', name + '.npy'))
    add('fp8', 'stq/fp8/model.safetensors', name, lv, ((r // 128) * s.shape[1] + c // 128).reshape(-1), vals,
        nw + ns, R * C)

def pb_fields(b):
    """the (field, value) pairs of one protobuf message (varint and
    length-delimited only: all that ONNX initializers use)"""
    o, out = 0, []
    def varint(o):
        v = sh = 0
        while True:
            c = b[o]; o += 1; v |= (c & 0x7f) << sh; sh += 7
            if c < 0x80: return v, o
    while o < len(b):
        key, o = varint(o); f, wt = key >> 3, key & 7
        if wt == 0: v, o = varint(o)
        elif wt == 2: n, o = varint(o); v = b[o:o + n]; o += n
        elif wt == 5: v = b[o:o + 4]; o += 4
        elif wt == 1: v = b[o:o + 8]; o += 8
        else: raise SystemExit('wire type %d' % wt)
        out.append((f, v))
    return out

def onnx_inits(path):
    """ModelProto.graph (7) -> GraphProto.initializer (5) -> TensorProto
    dims (1), data_type (2), name (8), raw_data (9): name -> (dims, type, raw)"""
    graph = [v for f, v in pb_fields(open(path, 'rb').read()) if f == 7][0]
    out = {}
    for f, v in pb_fields(graph):
        if f != 5: continue
        t = pb_fields(v)
        dims = [x for k, x in t if k == 1]; dt = [x for k, x in t if k == 2][0]
        name = [x for k, x in t if k == 8][0].decode(); raw = [x for k, x in t if k == 9]
        out[name] = (dims, dt, raw[0] if raw else b'')
    return out

def onnx_cases():
    """com.microsoft.MatMulNBits with g_idx (act-order): logical W [K, N],
    B uint8 [N, nb, bs * bits / 8], scales [N * nb], no zero point (2^(bits-1)),
    g_idx int32 [K]: row k of W is in block g_idx[k]; group (g_idx[k], n) has
    the levels (q - 8) * s for q = 0..15 (float32; the scales are float32 here)"""
    path = os.path.join(IO, 'onnx', 'matmulnbits.onnx')
    ini = onnx_inits(path)
    K, N, bits, bs = 32, 2, 4, 16
    nb = (K + bs - 1) // bs
    B = ini['q4_gidx_Q4']; S = ini['q4_gidx_scales']; G = ini['q4_gidx_g_idx']
    assert B[0] == [N, nb, bs * bits // 8] and S[1] == 1 and G[1] == 6
    s = np.frombuffer(S[2], '<f4').reshape(N, nb); gidx = np.frombuffer(G[2], '<i4')
    lv = np.zeros((nb * N, 1 << bits), F32)
    for blk in range(nb):
        for n in range(N):
            lv[blk * N + n] = (f_(np.arange(16)) - F32(8)) * s[n, blk]
    vals = np.load(os.path.join(IO, 'onnx', 'matmulnbits.expected.npz'))['q4_gidx'].astype(F32)
    assert vals.shape == (K, N)
    k, n = np.meshgrid(np.arange(K), np.arange(N), indexing='ij')
    nbytes = len(B[2]) + len(S[2]) + len(G[2])
    add('mnb_gidx', 'onnx/matmulnbits.onnx', 'q4_gidx', lv, (gidx[k] * N + n).reshape(-1), vals, nbytes, K * N)

if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    gguf_cases()
    stq_cases()
    onnx_cases()
    json.dump(expected, open(os.path.join(OUT, 'expected.json'), 'w'), indent=1, sort_keys=True)
    for k, v in sorted(expected.items()):
        print(k, v['ngroups'], v['ncb'], '%.4g' % v['bpw'], v['levels_used'], v['levels_per_group'], v['off_grid'])
