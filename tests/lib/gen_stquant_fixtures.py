#!/usr/bin/python3
"""Generate the quantized-safetensors fixtures in tests/data/io/stq/ (run
once; the outputs are committed). Needs numpy only.

Each format's codes are drawn at random (every code of every field), packed
here by the layout its published packing code uses, and the expected
dequantized values are computed from the UNPACKED integers and scales
before packing -- never by unpacking what was written, and never by
apotview. For every packed format the generator also decodes the packed
words with the nibble order swapped and asserts the result differs from the
expected values, so a decoder with the wrong order fails the test.

Layouts (from the published code, written here independently):
  FP8 DeepSeek-V3: weight F8_E4M3 [out, in], weight_scale_inv F32
      [ceil(out/128), ceil(in/128)]; w = fp8 * scale_inv[i // 128, j // 128].
  AutoAWQ GEMM (awq/utils/packing_utils, WQLinear_GEMM.from_linear):
      intweight [in, out]; qweight[:, c] |= intweight[:, 8c + ORDER[k]] << 4k,
      ORDER = [0, 2, 4, 6, 1, 3, 5, 7]; qzeros [in/G, out/8] the same way;
      scales F16 [in/G, out]; w[o, i] = (q - z) * s.
  AutoGPTQ (qlinear_cuda_old.pack): qweight [in*B/32, out], row r holds
      input rows 32r/B + k at bits B*k; qzeros [groups, out*B/32] packed
      along the output, storing zero - 1 (v1; "gptq_v2" stores zero);
      scales [groups, out]; g_idx [in] (act-order: a permutation of groups).
  compressed-tensors pack_to_int32: codes + 2^(B-1) packed along the last
      dim, element k of a row at bits B*k of the row's words; zero point
      packed along dim 0 (packed_dim=0); weight_shape [out, in].
  bitsandbytes 4-bit: byte k = code[2k] << 4 | code[2k+1] (EVEN element in
      the HIGH nibble); absmax per blocksize elements; nested: absmax as U8
      codes into nested_quant_map, times nested_absmax per 256 blocks, plus
      nested_offset; quant_state.bitsandbytes__nf4 = JSON bytes (U8).
  gpt-oss MXFP4 (transformers integrations/mxfp4.py): _blocks U8
      [E, R, C/32, 16], byte j = code[2j] | code[2j+1] << 4 (EVEN element in
      the LOW nibble), _scales U8 [E, R, C/32]; w = ldexp(e2m1[code], s - 127).

Broken variants (tests/data/io/stq/bad/) each lack or falsify one part.
"""
import json, os, struct, sys
import numpy as np

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tests/ (this file is in tests/lib)
OUT = os.path.join(TESTS, 'data', 'io', 'stq')
rng = np.random.default_rng(14)
F32 = np.float32

def save(path, tensors):
    """tensors: list of (name, code, shape, bytes)"""
    hdr, off, blobs = {}, 0, []
    for name, code, shape, raw in tensors:
        hdr[name] = {'dtype': code, 'shape': list(shape), 'data_offsets': [off, off + len(raw)]}
        off += len(raw); blobs.append(raw)
    h = json.dumps(hdr, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, 'wb').write(struct.pack('<Q', len(h)) + h + b''.join(blobs))

def t(name, arr, code=None):
    codes = {'float32': 'F32', 'float16': 'F16', 'int32': 'I32', 'int64': 'I64', 'uint8': 'U8', 'int8': 'I8'}
    a = np.ascontiguousarray(arr)
    return (name, code or codes[a.dtype.name], a.shape, a.astype(a.dtype.newbyteorder('<')).tobytes())

def bf16(x):
    """float32 -> bfloat16 bits (round to nearest even) and the float32 value"""
    u = np.asarray(x, F32).view(np.uint32).astype(np.uint64)
    b = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    return b, (b.astype(np.uint32) << 16).view(F32)

def expect(d, name, arr):
    np.save(os.path.join(OUT, d, name + '.npy'), np.ascontiguousarray(arr, F32))

def config(d, qc):
    os.makedirs(os.path.join(OUT, d), exist_ok=True)
    json.dump({'architectures': ['LlamaForCausalLM'], 'quantization_config': qc},
              open(os.path.join(OUT, d, 'config.json'), 'w'), indent=1)

def scales(shape, lo=-8, hi=-2):
    return np.exp2(rng.uniform(lo, hi, shape)).astype(F32)

# ---- FP8 tables from the bit layout ----------------------------------------
def fp8_table(ebits, mbits, bias, ieee):
    v = np.zeros(256, np.float64)
    for c in range(256):
        s = -1.0 if c & 0x80 else 1.0
        e = (c >> mbits) & ((1 << ebits) - 1); m = c & ((1 << mbits) - 1)
        if ieee and e == (1 << ebits) - 1:
            v[c] = s * np.inf if m == 0 else np.nan
        elif not ieee and e == 15 and m == 7:
            v[c] = np.nan                       # e4m3fn: S.1111.111 only
        elif e == 0:
            v[c] = s * m / (1 << mbits) * 2.0 ** (1 - bias)
        else:
            v[c] = s * (1 + m / (1 << mbits)) * 2.0 ** (e - bias)
    return v.astype(F32)
E4M3 = fp8_table(4, 3, 7, False)
E5M2 = fp8_table(5, 2, 15, True)

def finite_codes(table, shape):
    ok = np.flatnonzero(np.isfinite(table)).astype(np.uint8)
    return ok[rng.integers(0, len(ok), shape)]

# ---- 1. FP8 block-scaled (DeepSeek-V3) -----------------------------------------
def gen_fp8():
    d = 'fp8'
    config(d, {'quant_method': 'fp8', 'fmt': 'e4m3', 'activation_scheme': 'dynamic',
               'weight_block_size': [128, 128]})
    out = []
    for name, R, C, table, code in (('model.layers.0.mlp.up_proj.weight', 200, 300, E4M3, 'F8_E4M3'),
                                    ('model.layers.0.mlp.down_proj.weight', 130, 129, E5M2, 'F8_E5M2')):
        q = finite_codes(table, (R, C))
        s = scales(((R + 127) // 128, (C + 127) // 128))
        sf = np.repeat(np.repeat(s, 128, 0), 128, 1)[:R, :C]
        expect(d, name, table[q] * sf)
        out += [(name, code, (R, C), q.tobytes()), t(name + '_scale_inv', s)]
    w = rng.standard_normal((4, 8)).astype(F32)
    out.append(t('model.norm.weight', w)); expect(d, 'model.norm.weight', w)
    save(os.path.join(OUT, d, 'model.safetensors'), out)

# ---- 2. AutoAWQ GEMM -----------------------------------------------------------
AWQ_ORDER = [0, 2, 4, 6, 1, 3, 5, 7]

def awq_pack(iw, order):
    rows, cols = iw.shape
    p = np.zeros((rows, cols // 8), np.uint32)
    for c in range(cols // 8):
        for k in range(8):
            p[:, c] |= iw[:, 8 * c + order[k]].astype(np.uint32) << np.uint32(4 * k)
    return p

def awq_unpack(p, order):
    rows, n = p.shape
    iw = np.zeros((rows, n * 8), np.int64)
    for c in range(n):
        for k in range(8):
            iw[:, 8 * c + order[k]] = (p[:, c] >> np.uint32(4 * k)) & 15
    return iw

def gen_awq():
    d = 'awq'
    config(d, {'quant_method': 'awq', 'bits': 4, 'group_size': 128, 'zero_point': True, 'version': 'gemm'})
    IN, OUTF, G = 384, 64, 128
    out = []
    mods = ['model.layers.0.self_attn.q_proj', 'model.layers.0.self_attn.o_proj']
    for mi, mod in enumerate(mods):
        ng = IN // G
        s = (scales((ng, OUTF))).astype(np.float16)
        if mi == 0:        # random codes
            iw = rng.integers(0, 16, (IN, OUTF)); z = rng.integers(0, 16, (ng, OUTF))
        else:              # real weights, AutoAWQ's asymmetric min-max rounding
            w = rng.standard_normal((OUTF, IN)).astype(F32)
            wg = w.T.reshape(ng, G, OUTF)
            mx, mn = wg.max(1), wg.min(1)
            s = ((mx - mn) / 15).astype(np.float16)
            z = np.clip(-np.round(mn / s.astype(F32)), 0, 15).astype(np.int64)
            iw = np.clip(np.round(wg / s.astype(F32)[:, None, :]) + z[:, None, :], 0, 15).reshape(IN, OUTF).astype(np.int64)
        gi = np.arange(IN) // G
        exp = ((iw - z[gi]).astype(F32) * s.astype(F32)[gi]).T
        qw = awq_pack(iw, AWQ_ORDER); qz = awq_pack(z, AWQ_ORDER)
        # swapped (sequential) order must decode differently
        bad = ((awq_unpack(qw, list(range(8))) - awq_unpack(qz, list(range(8)))[gi]).astype(F32) * s.astype(F32)[gi]).T
        assert not np.array_equal(bad, exp)
        out += [t(mod + '.qweight', qw.view(np.int32)), t(mod + '.qzeros', qz.view(np.int32)), t(mod + '.scales', s)]
        expect(d, mod + '.weight', exp)
    save(os.path.join(OUT, d, 'model.safetensors'), out)

# ---- 3. AutoGPTQ ---------------------------------------------------------------
def gptq_pack_rows(iw, B):
    """pack along dim 0: row r of the result holds rows (32/B) r + k at bits B k"""
    per = 32 // B
    p = np.zeros((iw.shape[0] // per, iw.shape[1]), np.uint32)
    for k in range(per):
        p |= iw[k::per].astype(np.uint32) << np.uint32(B * k)
    return p

def gen_gptq(d, B, G, act, v2):
    qc = {'quant_method': 'gptq', 'bits': B, 'group_size': G, 'desc_act': act, 'sym': True}
    if v2: qc['checkpoint_format'] = 'gptq_v2'
    config(d, qc)
    IN, OUTF = 256, 64
    ng = IN // G; per = 32 // B
    mod = 'model.layers.1.mlp.gate_proj'
    iw = rng.integers(0, 1 << B, (IN, OUTF))
    zero = rng.integers(1, 1 << B, (ng, OUTF))      # zero 0 would wrap in v1 (AutoGPTQ's own bug)
    s = scales((ng, OUTF)).astype(np.float16)
    if act:
        perm = rng.permutation(IN)
        g_idx = (perm // G).astype(np.int32)
    else:
        g_idx = (np.arange(IN) // G).astype(np.int32)
    exp = ((iw - zero[g_idx]).astype(F32) * s.astype(F32)[g_idx]).T
    qw = gptq_pack_rows(iw, B)
    stored = zero - 1 if not v2 else zero
    qz = gptq_pack_rows(stored.T, B).T               # along the output dim
    # input rows read from the wrong bit positions must decode differently
    swapped = np.zeros_like(iw)
    for k in range(per):
        swapped[k::per] = (qw >> np.uint32(B * (per - 1 - k))) & ((1 << B) - 1)
    assert not np.array_equal(((swapped - zero[g_idx]).astype(F32) * s.astype(F32)[g_idx]).T, exp)
    if not v2:   # zero used as stored (no +1) must decode differently
        assert not np.array_equal(((iw - stored[g_idx]).astype(F32) * s.astype(F32)[g_idx]).T, exp)
    out = [t(mod + '.qweight', qw.view(np.int32)), t(mod + '.qzeros', qz.view(np.int32)), t(mod + '.scales', s)]
    if act or B == 4:
        out.append(t(mod + '.g_idx', g_idx))
    b = rng.standard_normal(OUTF).astype(F32)
    out.append(t('model.layers.1.mlp.gate_proj.bias', b)); expect(d, 'model.layers.1.mlp.gate_proj.bias', b)
    expect(d, mod + '.weight', exp)
    save(os.path.join(OUT, d, 'model.safetensors'), out)

def gptq3_pack_rows(iw):
    """AutoGPTQ's 3-bit packing (qlinear pack, bits == 3), as published:
    every 32 rows of iw go into 3 rows of words; rows 0..9 at bits 3k of
    word 0, row 10 split over bits 30-31 of word 0 and bit 0 of word 1,
    rows 11..20 at bits 3k + 1 of word 1, row 21 over bit 31 of word 1 and
    bits 0-1 of word 2, rows 22..31 at bits 3k + 2 of word 2."""
    iw = iw.astype(np.uint32)
    q = np.zeros((iw.shape[0] // 32 * 3, iw.shape[1]), np.uint32)
    i = row = 0
    while row < q.shape[0]:
        for j in range(i, i + 10): q[row] |= iw[j] << np.uint32(3 * (j - i))
        i += 10; q[row] |= iw[i] << np.uint32(30); row += 1
        q[row] |= (iw[i] >> np.uint32(2)) & np.uint32(1); i += 1
        for j in range(i, i + 10): q[row] |= iw[j] << np.uint32(3 * (j - i) + 1)
        i += 10; q[row] |= iw[i] << np.uint32(31); row += 1
        q[row] |= (iw[i] >> np.uint32(1)) & np.uint32(3); i += 1
        for j in range(i, i + 10): q[row] |= iw[j] << np.uint32(3 * (j - i) + 2)
        i += 10; row += 1
    return q

def gen_gptq3():
    """3-bit AutoGPTQ (v1 zeros, no act-order): codes and zeros by the
    3-bit layout above (zeros along the output the same way, as AutoGPTQ's
    zeros loop does)."""
    d = 'gptq3'
    config(d, {'quant_method': 'gptq', 'bits': 3, 'group_size': 32, 'desc_act': False, 'sym': False})
    IN, OUTF, G = 96, 64, 32
    ng = IN // G
    mod = 'model.layers.2.mlp.up_proj'
    iw = rng.integers(0, 8, (IN, OUTF))
    zero = rng.integers(1, 8, (ng, OUTF))
    s = scales((ng, OUTF)).astype(np.float16)
    g = np.arange(IN) // G
    exp = ((iw - zero[g]).astype(F32) * s.astype(F32)[g]).T
    qw = gptq3_pack_rows(iw)
    qz = gptq3_pack_rows((zero - 1).T).T
    # the 4-bit-style reading (10 codes per word, none across words) differs
    naive = np.zeros_like(iw)
    for r in range(IN):
        naive[r] = (qw[min(r // 10, qw.shape[0] - 1)] >> np.uint32(3 * (r % 10))) & 7
    assert not np.array_equal(((naive - zero[g]).astype(F32) * s.astype(F32)[g]).T, exp)
    out = [t(mod + '.qweight', qw.view(np.int32)), t(mod + '.qzeros', qz.view(np.int32)), t(mod + '.scales', s)]
    expect(d, mod + '.weight', exp)
    save(os.path.join(OUT, d, 'model.safetensors'), out)

def gen_nvfp4():
    """compressed-tensors nvfp4-pack-quantized (pack_fp4_to_uint8: the EVEN
    element in the LOW nibble; E2M1 code = magnitude index | sign << 3),
    weight_scale F8_E4M3 per 16 along the row, weight_global_scale F32;
    w = e2m1 * (float(scale) / global) in float32."""
    d = 'nvfp4'
    config(d, {'quant_method': 'compressed-tensors', 'format': 'nvfp4-pack-quantized',
               'config_groups': {'group_0': {'weights': {'num_bits': 4, 'type': 'float', 'group_size': 16,
                                                         'strategy': 'tensor_group'}}}})
    R, C = 12, 64
    mod = 'model.layers.0.mlp.down_proj'
    codes = rng.integers(0, 16, (R, C)).astype(np.uint8)
    ok = np.flatnonzero(np.isfinite(E4M3) & (E4M3 > 0)).astype(np.uint8)
    sc = ok[rng.integers(0, len(ok), (R, C // 16))]
    gs = F32(448.0 * 6.0 / 0.37)
    s = (E4M3[sc].astype(F32) / gs).astype(F32)
    exp = (E2M1[codes] * np.repeat(s, 16, 1)).astype(F32)
    packed = (codes[:, 0::2] | (codes[:, 1::2] << 4)).astype(np.uint8)
    hi = E2M1[np.stack([packed >> 4, packed & 15], -1).reshape(R, C)] * np.repeat(s, 16, 1)
    assert not np.array_equal(hi, exp)            # the even element in the high nibble differs
    out = [t(mod + '.weight_packed', packed), (mod + '.weight_scale', 'F8_E4M3', sc.shape, sc.tobytes()),
           t(mod + '.weight_global_scale', np.array([gs], F32))]
    expect(d, mod + '.weight', exp)
    save(os.path.join(OUT, d, 'model.safetensors'), out)

def gen_int8():
    """bitsandbytes LLM.int8 state dict: weight I8 [out, in], SCB F32 [out]
    (row absmax), weight_format U8; w = (q * SCB) / 127 in float32."""
    d = 'bnb8'
    config(d, {'quant_method': 'bitsandbytes', 'load_in_8bit': True})
    R, C = 10, 40
    mod = 'model.layers.0.self_attn.k_proj'
    q = rng.integers(-127, 128, (R, C)).astype(np.int8)
    scb = scales((R,), -4, 1)
    exp = ((q.astype(F32) * scb[:, None]) / F32(127)).astype(F32)
    out = [t(mod + '.weight', q), t(mod + '.SCB', scb), t(mod + '.weight_format', np.array([0], np.uint8))]
    expect(d, mod + '.weight', exp)
    save(os.path.join(OUT, d, 'model.safetensors'), out)

# ---- 4. compressed-tensors -----------------------------------------------------
def ct_pack(u, B, dim=1):
    """pack_to_int32: unsigned codes u (already offset), a dense bit stream per row"""
    if dim == 0:
        return ct_pack(u.T, B).T
    rows, cols = u.shape
    words = (cols * B + 31) // 32
    p = np.zeros((rows, words), np.uint64)
    for c in range(cols):
        p[:, (c * B) // 32] |= u[:, c].astype(np.uint64) << np.uint64((c * B) % 32)
    return p.astype(np.uint32)

def ct_group(d, B, G, strategy):
    config(d, {'quant_method': 'compressed-tensors', 'format': 'pack-quantized',
               'config_groups': {'group_0': {'targets': ['Linear'], 'weights': {
                   'num_bits': B, 'type': 'int', 'symmetric': True, 'strategy': strategy,
                   'group_size': G if strategy == 'group' else None}}}})

def gen_ct_int4():
    d = 'ct_int4'
    B, G = 4, 32
    ct_group(d, B, G, 'group')
    off = 1 << (B - 1)
    out = []
    R, C = 48, 100
    ng = (C + G - 1) // G
    gi = np.arange(C) // G
    for k, name in enumerate(['model.layers.0.self_attn.k_proj', 'model.layers.0.self_attn.v_proj',
                              'model.layers.0.self_attn.q_proj', 'model.layers.0.self_attn.o_proj']):
        v = rng.integers(-off, off, (R, C))
        if k == 1:   # bfloat16 scales
            sb, s = bf16(scales((R, ng)))
            sc = (name + '.weight_scale', 'BF16', (R, ng), sb.astype('<u2').tobytes())
        else:
            s = scales((R, ng)).astype(np.float16); sc = t(name + '.weight_scale', s); s = s.astype(F32)
        exp_z = np.zeros((R, ng), np.int64)
        p = ct_pack(v + off, B)
        out += [t(name + '.weight_packed', p.view(np.int32)), sc,
                t(name + '.weight_shape', np.array([R, C], np.int64))]
        if k == 1:     # zero point unpacked, int8 [R, groups]
            exp_z = rng.integers(-off, off, (R, ng)); out.append(t(name + '.weight_zero_point', exp_z.astype(np.int8)))
        if k == 2:     # zero point packed along dim 0
            exp_z = rng.integers(-off, off, (R, ng))
            out.append(t(name + '.weight_zero_point', ct_pack(exp_z + off, B, dim=0).view(np.int32)))
        g = gi
        if k == 3:     # activation order: weight_g_idx, the group of each column
            g = (rng.permutation(C) // G).astype(np.int64)
            out.append(t(name + '.weight_g_idx', g.astype(np.int32)))
        exp = (v - exp_z[:, g]).astype(F32) * s[:, g]
        if k == 3:
            assert not np.array_equal((v - exp_z[:, gi]).astype(F32) * s[:, gi], exp)
        # nibbles taken high-first within each word must decode differently
        words = p.astype(np.uint64)
        sw = np.zeros((R, C), np.int64)
        for c in range(C):
            sw[:, c] = ((words[:, (c * B) // 32] >> np.uint64(32 - B - (c * B) % 32)) & ((1 << B) - 1)).astype(np.int64) - off
        assert not np.array_equal((sw - exp_z[:, g]).astype(F32) * s[:, g], exp)
        expect(d, name + '.weight', exp)
    save(os.path.join(OUT, d, 'model.safetensors'), out)

def gen_ct_int8():
    d = 'ct_int8'
    ct_group(d, 8, None, 'channel')
    R, C = 16, 40
    v = rng.integers(-128, 128, (R, C))
    s = scales((R, 1))
    name = 'model.layers.2.mlp.up_proj'
    p = ct_pack(v + 128, 8)
    sw = np.zeros((R, C), np.int64)
    for c in range(C):
        sw[:, c] = ((p[:, c // 4].astype(np.uint64) >> np.uint64(24 - 8 * (c % 4))) & 255).astype(np.int64) - 128
    exp = v.astype(F32) * s
    assert not np.array_equal(sw.astype(F32) * s, exp)
    expect(d, name + '.weight', exp)
    save(os.path.join(OUT, d, 'model.safetensors'),
         [t(name + '.weight_packed', p.view(np.int32)), t(name + '.weight_scale', s),
          t(name + '.weight_shape', np.array([R, C], np.int32))])

def gen_ct_fp8():
    d = 'ct_fp8'
    config(d, {'quant_method': 'compressed-tensors', 'format': 'float-quantized',
               'config_groups': {'group_0': {'targets': ['Linear'], 'weights': {
                   'num_bits': 8, 'type': 'float', 'symmetric': True, 'strategy': 'channel'}}}})
    R, C = 24, 72
    q = finite_codes(E4M3, (R, C)); s = scales((R, 1))
    name = 'model.layers.0.mlp.gate_proj.weight'
    q2 = finite_codes(E4M3, (8, 16)); s2 = scales((1,))
    expect(d, name, E4M3[q] * s)
    expect(d, 'model.layers.0.mlp.up_proj.weight', E4M3[q2] * s2[0])
    save(os.path.join(OUT, d, 'model.safetensors'),
         [(name, 'F8_E4M3', (R, C), q.tobytes()), t(name + '_scale', s),
          ('model.layers.0.mlp.up_proj.weight', 'F8_E4M3', (8, 16), q2.tobytes()),
          t('model.layers.0.mlp.up_proj.weight_scale', s2)])

# ---- 5. bitsandbytes 4-bit -----------------------------------------------------
NF4 = np.array([-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
                -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
                0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
                0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0], F32)
FP4 = np.array([0, 0.0052083333, 0.6666667, 1.0, 0.3333333, 0.5, 0.1666667, 0.25,
                -0.0, -0.0052083333, -0.6666667, -1.0, -0.3333333, -0.5, -0.1666667, -0.25], F32)

def bnb_pack(codes):
    c = np.concatenate([codes, np.zeros(len(codes) % 2, codes.dtype)])
    return ((c[0::2] << 4) | c[1::2]).astype(np.uint8)

def gen_bnb():
    d = 'bnb'
    config(d, {'quant_method': 'bitsandbytes', 'load_in_4bit': True, 'bnb_4bit_quant_type': 'nf4',
               'bnb_4bit_use_double_quant': True, 'bnb_4bit_compute_dtype': 'bfloat16'})
    out = []
    for name, shape, qt, bs, nested in (('model.layers.0.mlp.down_proj.weight', (40, 50), 'nf4', 64, False),
                                        ('model.layers.0.mlp.up_proj.weight', (3, 21), 'fp4', 64, False),
                                        ('model.layers.0.mlp.gate_proj.weight', (128, 160), 'nf4', 64, True)):
        n = int(np.prod(shape)); nb = (n + bs - 1) // bs
        codes = rng.integers(0, 16, n).astype(np.uint8)
        qm = NF4 if qt == 'nf4' else FP4
        qs = {'quant_type': qt, 'blocksize': bs, 'dtype': 'bfloat16', 'shape': list(shape)}
        parts = [t(name, bnb_pack(codes).reshape(-1, 1))]
        if nested:
            acodes = rng.integers(0, 256, nb).astype(np.uint8)
            nqm = np.sort(rng.uniform(-1, 1, 256)).astype(F32)
            nam = scales(((nb + 255) // 256,), -4, -1)
            noff = F32(0.0173)
            absmax = (nqm[acodes] * nam[np.arange(nb) // 256]) + noff
            qs.update({'nested_blocksize': 256, 'nested_dtype': 'float32', 'nested_offset': float(noff)})
            parts += [t(name + '.absmax', acodes), t(name + '.nested_absmax', nam),
                      t(name + '.nested_quant_map', nqm)]
        else:
            absmax = scales((nb,), -3, 1)
            parts.append(t(name + '.absmax', absmax))
        parts.append(t(name + '.quant_map', qm))
        js = json.dumps(qs).encode()
        parts.append(t(name + '.quant_state.bitsandbytes__' + qt, np.frombuffer(js, np.uint8)))
        exp = (qm[codes] * absmax[np.arange(n) // bs]).reshape(shape)
        # even element in the LOW nibble instead must decode differently
        pk = bnb_pack(codes)
        lo = np.stack([pk & 15, pk >> 4], 1).reshape(-1)[:n]
        assert not np.array_equal((qm[lo] * absmax[np.arange(n) // bs]).reshape(shape), exp)
        expect(d, name, exp)
        out += parts
    save(os.path.join(OUT, d, 'model.safetensors'), out)

# ---- 6. gpt-oss MXFP4 ----------------------------------------------------------
E2M1 = np.array([0, .5, 1, 1.5, 2, 3, 4, 6, -0.0, -.5, -1, -1.5, -2, -3, -4, -6], F32)

def gen_mxfp4():
    d = 'mxfp4'
    config(d, {'quant_method': 'mxfp4', 'modules_to_not_convert': ['model.layers.*.self_attn']})
    out = []
    for name, (E, R, C) in (('model.layers.0.mlp.experts.gate_up_proj', (2, 6, 96)),
                            ('model.layers.0.mlp.experts.down_proj', (2, 3, 64))):
        codes = rng.integers(0, 16, (E, R, C // 32, 32)).astype(np.uint8)
        sc = rng.integers(110, 140, (E, R, C // 32)).astype(np.uint8)
        sc.reshape(-1)[:4] = [0, 1, 254, 255]      # subnormal, smallest, largest, 2^128
        blocks = (codes[..., 0::2] | (codes[..., 1::2] << 4)).astype(np.uint8)
        e = sc.astype(np.int32)[..., None] - 127
        with np.errstate(over='ignore'):
            exp = np.ldexp(E2M1[codes], e).astype(F32).reshape(E, R, C)
            hi = np.ldexp(E2M1[np.stack([blocks >> 4, blocks & 15], -1).reshape(codes.shape)], e).astype(F32)
        assert not np.array_equal(hi.reshape(E, R, C), exp)
        out += [t(name + '_blocks', blocks), t(name + '_scales', sc)]
        expect(d, name, exp)
    save(os.path.join(OUT, d, 'model.safetensors'), out)

# ---- a sharded AWQ model: one weight's parts in two shards, config.json
#      beside the index
def gen_sharded():
    d = 'sharded_awq'
    config(d, {'quant_method': 'awq', 'bits': 4, 'group_size': 64, 'zero_point': True, 'version': 'gemm'})
    IN, OUTF, G = 128, 16, 64
    ng = IN // G
    iw = rng.integers(0, 16, (IN, OUTF)); z = rng.integers(0, 16, (ng, OUTF))
    s = scales((ng, OUTF)).astype(np.float16)
    gi = np.arange(IN) // G
    mod = 'model.layers.3.mlp.down_proj'
    expect(d, mod + '.weight', ((iw - z[gi]).astype(F32) * s.astype(F32)[gi]).T)
    a = [t(mod + '.qweight', awq_pack(iw, AWQ_ORDER).view(np.int32))]
    b = [t(mod + '.qzeros', awq_pack(z, AWQ_ORDER).view(np.int32)), t(mod + '.scales', s)]
    save(os.path.join(OUT, d, 'model-00001-of-00002.safetensors'), a)
    save(os.path.join(OUT, d, 'model-00002-of-00002.safetensors'), b)
    wm = {mod + '.qweight': 'model-00001-of-00002.safetensors',
          mod + '.qzeros': 'model-00002-of-00002.safetensors',
          mod + '.scales': 'model-00002-of-00002.safetensors'}
    json.dump({'metadata': {'total_size': 0}, 'weight_map': wm},
              open(os.path.join(OUT, d, 'model.safetensors.index.json'), 'w'), indent=1)

# ---- broken variants -----------------------------------------------------------
def gen_bad():
    d = os.path.join(OUT, 'bad')
    os.makedirs(d, exist_ok=True)
    qw = rng.integers(0, 1 << 31, (128, 8)).astype(np.int32)
    qz = rng.integers(0, 1 << 31, (1, 8)).astype(np.int32)
    s = scales((1, 64)).astype(np.float16)
    save(os.path.join(d, 'awq_noscales.safetensors'), [t('m.qweight', qw), t('m.qzeros', qz)])
    save(os.path.join(d, 'awq_shape.safetensors'),
         [t('m.qweight', qw), t('m.qzeros', qz), t('m.scales', scales((1, 60)).astype(np.float16))])
    q = finite_codes(E4M3, (200, 300))
    save(os.path.join(d, 'fp8_scale_shape.safetensors'),
         [('w.weight', 'F8_E4M3', (200, 300), q.tobytes()), t('w.weight_scale_inv', scales((1, 3)))])
    js = json.dumps({'quant_type': 'nf4', 'blocksize': 64, 'dtype': 'float16', 'shape': [100, 100]}).encode()
    save(os.path.join(d, 'bnb_lying.safetensors'),
         [t('l.weight', rng.integers(0, 256, (1000, 1)).astype(np.uint8)), t('l.weight.absmax', scales((32,))),
          t('l.weight.quant_map', NF4), t('l.weight.quant_state.bitsandbytes__nf4', np.frombuffer(js, np.uint8))])
    save(os.path.join(d, 'bnb_notjson.safetensors'),
         [t('l.weight', rng.integers(0, 256, (1000, 1)).astype(np.uint8)), t('l.weight.absmax', scales((32,))),
          t('l.weight.quant_map', NF4),
          t('l.weight.quant_state.bitsandbytes__nf4', np.frombuffer(b'{"quant_type": "nf4", "blocks', np.uint8))])
    save(os.path.join(d, 'mxfp4_noscales.safetensors'),
         [t('e.down_proj_blocks', rng.integers(0, 256, (2, 3, 2, 16)).astype(np.uint8))])
    save(os.path.join(d, 'mxfp4_shape.safetensors'),
         [t('e.down_proj_blocks', rng.integers(0, 256, (2, 3, 2, 16)).astype(np.uint8)),
          t('e.down_proj_scales', rng.integers(0, 256, (2, 3, 3)).astype(np.uint8))])
    g = (np.arange(256) // 128).astype(np.int32); g[77] = 9
    save(os.path.join(d, 'gptq_gidx.safetensors'),
         [t('g.qweight', rng.integers(0, 1 << 31, (32, 64)).astype(np.int32)),
          t('g.qzeros', rng.integers(0, 1 << 31, (2, 8)).astype(np.int32)),
          t('g.scales', scales((2, 64)).astype(np.float16)), t('g.g_idx', g)])
    save(os.path.join(d, 'ct_words.safetensors'),
         [t('c.weight_packed', rng.integers(0, 1 << 31, (8, 5)).astype(np.int32)),
          t('c.weight_scale', scales((8, 1))), t('c.weight_shape', np.array([8, 64], np.int64))])

if __name__ == '__main__':
    gen_fp8(); gen_awq()
    gen_gptq('gptq', 4, 64, True, False)
    gen_gptq('gptq8', 8, 128, False, True)
    gen_ct_int4(); gen_ct_int8(); gen_ct_fp8(); gen_bnb(); gen_mxfp4(); gen_sharded(); gen_bad()
    gen_gptq3(); gen_nvfp4(); gen_int8()
    print('wrote', OUT)
