#!/usr/bin/python3
"""Generate the io-layer test fixtures in tests/data/io/ (run once; the
outputs are committed). Needs numpy (Debian python3-numpy); torch is NOT
needed: the .pt files are written with the standard pickle module emitting
exactly the opcodes torch.save emits (see below).

The reference tensor W (shape 8x4x3x3, float32) is the first 8 output
channels and 4 input channels of conv64_1.conv1 from the face-api
face-recognition net (MIT, see tests/data/io/LICENSE.faceapi), read from
W.npy. Every format below stores exactly these bytes.

torch.save layouts reproduced (torch/serialization.py, PyTorch 1.6 - 2.x):

zip (_use_new_zipfile_serialization=True): entries, all stored:
  archive/data.pkl   pickle protocol 2 of the object; each tensor is
      REDUCE(torch._utils._rebuild_tensor_v2,
             (storage, storage_offset, size, stride, requires_grad,
              collections.OrderedDict()))
      where storage is BINPERSID of ('storage', torch.FloatStorage, '0',
      'cpu', numel); nn.Parameter adds _rebuild_parameter(tensor, rg,
      OrderedDict()). state_dict() is an OrderedDict with a _metadata
      attribute (a BUILD of {'_metadata': OrderedDict(...)}).
  archive/byteorder  'little'
  archive/data/0 ... raw little-endian storage bytes
  archive/version    '3\\n'
  (torch also pads entries to 64-byte alignment with an extra field; readers
   need not care and this generator does not pad.)
legacy (_use_new_zipfile_serialization=False, and PyTorch <= 1.5):
  pickle(0x1950a86a20f9469cfc6c) pickle(1001)
  pickle({'protocol_version': 1001, 'little_endian': True,
          'type_sizes': {'short': 2, 'int': 4, 'long': 4}})
  pickle(obj) with persistent ids ('storage', torch.FloatStorage, KEY,
          'cpu', numel, None)   [KEY = str(storage._cdata), an address]
  pickle(sorted storage keys)
  per key in that order: int64 LE element count, then the raw bytes.
"""
import collections, io, json, os, pickle, struct, sys, types, zipfile, zlib
import numpy as np

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tests/ (this file is in tests/lib)
OUT = os.path.join(TESTS, 'data', 'io')

# ---- fake torch modules so that pickle writes the right GLOBALs ----------
torch = types.ModuleType('torch'); sys.modules['torch'] = torch
tu = types.ModuleType('torch._utils'); sys.modules['torch._utils'] = tu
torch._utils = tu
def _rebuild_tensor_v2(*a): pass
def _rebuild_parameter(*a): pass
_rebuild_tensor_v2.__module__ = 'torch._utils'; tu._rebuild_tensor_v2 = _rebuild_tensor_v2
_rebuild_parameter.__module__ = 'torch._utils'; tu._rebuild_parameter = _rebuild_parameter
STYPES = {np.dtype('float32'): 'FloatStorage', np.dtype('float64'): 'DoubleStorage',
          np.dtype('float16'): 'HalfStorage', np.dtype('int64'): 'LongStorage',
          np.dtype('int32'): 'IntStorage', np.dtype('int16'): 'ShortStorage',
          np.dtype('int8'): 'CharStorage', np.dtype('uint8'): 'ByteStorage',
          np.dtype('bool'): 'BoolStorage'}
for n in list(STYPES.values()) + ['BFloat16Storage']:
    c = type(n, (), {}); c.__module__ = 'torch'; setattr(torch, n, c)
os_mod = types.ModuleType('os')

class Storage:
    def __init__(self, key, arr, tname=None):
        self.key, self.arr = key, np.ascontiguousarray(arr).reshape(-1)
        self.tname = tname or STYPES[self.arr.dtype]

class Tensor:
    """A view: storage, offset (elements), size, stride (elements)."""
    def __init__(self, storage, offset, size, stride, param=False):
        self.s, self.o, self.size, self.stride, self.param = storage, offset, tuple(size), tuple(stride), param
    def __reduce_ex__(self, proto):
        t = (_rebuild_tensor_v2, (self.s, self.o, self.size, self.stride, False, collections.OrderedDict()))
        if self.param:
            return (_rebuild_parameter, (TensorNoParam(self), True, collections.OrderedDict()))
        return t
class TensorNoParam:
    def __init__(self, t): self.t = t
    def __reduce_ex__(self, proto):
        t = self.t
        return (_rebuild_tensor_v2, (t.s, t.o, t.size, t.stride, False, collections.OrderedDict()))

def contiguous(st, shape, offset=0, param=False):
    stride, acc = [], 1
    for d in reversed(shape):
        stride.insert(0, acc); acc *= d
    return Tensor(st, offset, shape, stride, param)

class TorchPickler(pickle.Pickler):
    legacy = False
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            pid = ('storage', getattr(torch, obj.tname), obj.key, 'cpu', obj.arr.size)
            return pid + (None,) if self.legacy else pid
        return None

def dumps(obj, legacy=False):
    b = io.BytesIO(); p = TorchPickler(b, protocol=2); p.legacy = legacy; p.dump(obj); return b.getvalue()

def storages_of(obj, acc):
    if isinstance(obj, Tensor): acc.setdefault(obj.s.key, obj.s)
    elif isinstance(obj, dict):
        for v in obj.values(): storages_of(v, acc)
    elif isinstance(obj, (list, tuple)):
        for v in obj: storages_of(v, acc)
    return acc

def save_zip(path, obj, prefix='archive'):
    data = dumps(obj)
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_STORED) as z:
        z.writestr(prefix + '/data.pkl', data)
        z.writestr(prefix + '/byteorder', 'little')
        for k, s in storages_of(obj, {}).items():
            z.writestr(prefix + '/data/' + k, s.arr.astype(s.arr.dtype.newbyteorder('<')).tobytes())
        z.writestr(prefix + '/version', '3\n')

def save_legacy(path, obj):
    out = io.BytesIO()
    pickle.dump(0x1950a86a20f9469cfc6c, out, protocol=2)
    pickle.dump(1001, out, protocol=2)
    pickle.dump({'protocol_version': 1001, 'little_endian': True,
                 'type_sizes': {'short': 2, 'int': 4, 'long': 4}}, out, protocol=2)
    out.write(dumps(obj, legacy=True))
    st = storages_of(obj, {})
    keys = sorted(st)
    pickle.dump(keys, out, protocol=2)
    for k in keys:
        out.write(struct.pack('<q', st[k].arr.size))
        out.write(st[k].arr.astype(st[k].arr.dtype.newbyteorder('<')).tobytes())
    open(path, 'wb').write(out.getvalue())

def state_dict(items):
    sd = collections.OrderedDict(items)
    sd._metadata = collections.OrderedDict([('', {'version': 1}), ('conv', {'version': 1})])
    return sd

# ---- safetensors / gguf / npz writers ------------------------------------
def save_safetensors(path, tensors, metadata=None, pad=True):
    hdr, off, blobs = {}, 0, []
    codes = {'float32': 'F32', 'float64': 'F64', 'float16': 'F16', 'int8': 'I8', 'int16': 'I16',
             'int32': 'I32', 'int64': 'I64', 'uint8': 'U8', 'uint16': 'U16', 'uint32': 'U32',
             'uint64': 'U64', 'bool': 'BOOL'}
    for name, (code, shape, raw) in tensors.items():
        hdr[name] = {'dtype': code, 'shape': list(shape), 'data_offsets': [off, off + len(raw)]}
        off += len(raw); blobs.append(raw)
    if metadata: hdr['__metadata__'] = metadata
    h = json.dumps(hdr, separators=(',', ':')).encode()
    if pad: h += b' ' * ((8 - len(h) % 8) % 8)
    open(path, 'wb').write(struct.pack('<Q', len(h)) + h + b''.join(blobs))

def gguf_str(s):
    s = s.encode(); return struct.pack('<Q', len(s)) + s

def save_gguf(path, tensors, kv, version=3, alignment=32):
    """tensors: list of (name, ne (ggml order), ggml type, raw bytes)."""
    out = b'GGUF' + struct.pack('<IQQ', version, len(tensors), len(kv))
    for k, (t, v) in kv.items():
        out += gguf_str(k) + struct.pack('<I', t)
        if t == 8: out += gguf_str(v)
        elif t == 4: out += struct.pack('<I', v)
        elif t == 6: out += struct.pack('<f', v)
        elif t == 9:
            et, arr = v; out += struct.pack('<IQ', et, len(arr))
            for a in arr: out += gguf_str(a) if et == 8 else struct.pack('<i', a)
    offs, off = [], 0
    for name, ne, ty, raw in tensors:
        offs.append(off); off += len(raw); off = (off + alignment - 1) // alignment * alignment
    for (name, ne, ty, raw), o in zip(tensors, offs):
        out += gguf_str(name) + struct.pack('<I', len(ne)) + b''.join(struct.pack('<Q', n) for n in ne)
        out += struct.pack('<IQ', ty, o)
    out += b'\0' * ((-len(out)) % alignment)
    data = b''
    for (name, ne, ty, raw), o in zip(tensors, offs):
        data += b'\0' * (o - len(data)) + raw
    open(path, 'wb').write(out + data)

def q8_0(x):
    """ggml quantize_row_q8_0_reference: d = amax/127, q = round(x/d)."""
    x = x.reshape(-1, 32).astype(np.float32); out = b''; deq = []
    for blk in x:
        amax = np.max(np.abs(blk)); d = np.float32(amax / 127)
        idd = np.float32(1 / d) if d else np.float32(0)
        q = np.round(blk * idd).astype(np.int8)
        dh = np.float16(d)
        out += dh.tobytes() + q.tobytes()
        deq.append(np.float32(dh) * q.astype(np.float32))
    return out, np.concatenate(deq)

def q4_0(x):
    """ggml quantize_row_q4_0_reference: d = max/-8 (signed max by |.|), q = min(15, (x/d + 8.5))."""
    x = x.reshape(-1, 32).astype(np.float32); out = b''; deq = []
    for blk in x:
        m = blk[np.argmax(np.abs(blk))]; d = np.float32(m / -8)
        idd = np.float32(1 / d) if d else np.float32(0)
        q = np.minimum(15, (blk * idd + np.float32(8.5)).astype(np.int8)).astype(np.uint8)
        dh = np.float16(d)
        out += dh.tobytes() + bytes((q[:16] | (q[16:] << 4)).astype(np.uint8))
        deq.append(np.float32(dh) * (q.astype(np.float32) - 8))
    return out, np.concatenate(deq)


# ---- GGUF block types (issue 14) ------------------------------------------
# Each ggml block type as published in llama.cpp's ggml/src/ggml-common.h
# (block structs) and ggml-quants.c (dequantize_row_*): an independent numpy
# decoder per type below, written from those layouts (bytes offsets within
# one block, element order, scale packing), computing in float32 with the
# same operations in the same order as the C reference (numpy float32 ops
# round once each; no fused multiply-add). A simple quantizer per type
# encodes real weights; random blocks exercise every bit of every field.
F32 = np.float32
KV_IQ4NL = np.array([-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113], np.int8)
KV_MXFP4 = np.array([0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12], np.int8)  # E2M1 x 2

def h16(B, o):
    """fp16 at byte offset o of every block -> float32 column (nb, 1)."""
    return np.ascontiguousarray(B[:, o:o + 2]).view('<f2').astype(F32)

def f_(a):
    return np.asarray(a).astype(F32)

def nib(qs):
    return (qs & 15).astype(np.int32), (qs >> 4).astype(np.int32)

def dq_q4_0(B):
    d = h16(B, 0); lo, hi = nib(B[:, 2:18])
    return np.concatenate([f_(lo - 8) * d, f_(hi - 8) * d], 1)

def dq_q4_1(B):
    d, m = h16(B, 0), h16(B, 2); lo, hi = nib(B[:, 4:20])
    return np.concatenate([f_(lo) * d + m, f_(hi) * d + m], 1)

def bits32(B, o):
    """the 32 bits of a little-endian u32 at offset o: (nb, 32), bit j at [:, j]"""
    qh = np.ascontiguousarray(B[:, o:o + 4]).view('<u4').astype(np.int64)
    return ((qh >> np.arange(32)) & 1).astype(np.int32)

def dq_q5_0(B):
    d = h16(B, 0); h = bits32(B, 2); lo, hi = nib(B[:, 6:22])
    q = np.concatenate([lo | h[:, :16] << 4, hi | h[:, 16:] << 4], 1)
    return f_(q - 16) * d

def dq_q5_1(B):
    d, m = h16(B, 0), h16(B, 2); h = bits32(B, 4); lo, hi = nib(B[:, 8:24])
    q = np.concatenate([lo | h[:, :16] << 4, hi | h[:, 16:] << 4], 1)
    return f_(q) * d + m

def dq_q8_0(B):
    return f_(B[:, 2:34].view(np.int8)) * h16(B, 0)

def dq_q8_1(B):
    return f_(B[:, 4:36].view(np.int8)) * h16(B, 0)

def planes2(qs32):
    """Q2_K/Q3_K quants: per 128 elements, 32 bytes hold 4 planes of 2 bits;
    element n*128 + j*32 + k is bits 2j of byte n*32 + k. -> (nb, 256)"""
    nb = qs32.shape[0]
    q = qs32.reshape(nb, 2, 1, 32).astype(np.int32) >> (2 * np.arange(4)).reshape(1, 1, 4, 1)
    return (q & 3).reshape(nb, 256)

def dq_q2_k(B):
    sc = B[:, 0:16].astype(np.int32); d, dmin = h16(B, 80), h16(B, 82)
    q = planes2(B[:, 16:80])
    dl = d * f_(sc & 15); ml = dmin * f_(sc >> 4)       # per 16 elements
    return np.repeat(dl, 16, 1) * f_(q) - np.repeat(ml, 16, 1)

def q3_scales(s):
    j = np.arange(16)
    lo = np.where(j < 8, s[:, j % 8] & 15, s[:, j % 8] >> 4)
    hi = (s[:, 8 + j % 4] >> (2 * (j // 4))) & 3
    return (lo | hi << 4).astype(np.int32) - 32

def dq_q3_k(B):
    hm = B[:, 0:32].astype(np.int32); d = h16(B, 108)
    q = planes2(B[:, 32:96])
    e = np.arange(256); n, j, k = e // 128, (e // 32) % 4, e % 32
    hbit = (hm[:, k] >> (4 * n + j)) & 1                 # hmask bit 4n+j of byte k
    q = q - np.where(hbit == 1, 0, 4)
    dl = d * f_(q3_scales(B[:, 96:108].astype(np.int32)))
    return np.repeat(dl, 16, 1) * f_(q)

def k4_scales(s):
    """get_scale_min_k4: 8 six-bit scales and mins from 12 bytes -> (nb, 8) x 2"""
    s = s.astype(np.int32); sc = np.zeros((s.shape[0], 8), np.int32); mn = np.zeros_like(sc)
    for j in range(8):
        if j < 4: sc[:, j] = s[:, j] & 63; mn[:, j] = s[:, j + 4] & 63
        else:
            sc[:, j] = (s[:, j + 4] & 15) | ((s[:, j - 4] >> 6) << 4)
            mn[:, j] = (s[:, j + 4] >> 4) | ((s[:, j] >> 6) << 4)
    return sc, mn

def dq_q4_k(B):
    d, dmin = h16(B, 0), h16(B, 2); sc, mn = k4_scales(B[:, 4:16])
    lo, hi = nib(B[:, 16:144].reshape(-1, 4, 32))
    q = np.stack([lo, hi], 2).reshape(-1, 256)            # chunk c: 32 low, 32 high
    dl, ml = d * f_(sc), dmin * f_(mn)
    return np.repeat(dl, 32, 1) * f_(q) - np.repeat(ml, 32, 1)

def dq_q5_k(B):
    d, dmin = h16(B, 0), h16(B, 2); sc, mn = k4_scales(B[:, 4:16])
    qh = B[:, 16:48].astype(np.int32)
    lo, hi = nib(B[:, 48:176].reshape(-1, 4, 32))
    c = np.arange(4).reshape(1, 4, 1)
    lo = lo + 16 * ((qh[:, None, :] >> (2 * c)) & 1)
    hi = hi + 16 * ((qh[:, None, :] >> (2 * c + 1)) & 1)
    q = np.stack([lo, hi], 2).reshape(-1, 256)
    dl, ml = d * f_(sc), dmin * f_(mn)
    return np.repeat(dl, 32, 1) * f_(q) - np.repeat(ml, 32, 1)

def dq_q6_k(B):
    ql = B[:, 0:128].astype(np.int32).reshape(-1, 2, 64); qh = B[:, 128:192].astype(np.int32).reshape(-1, 2, 32)
    sc = B[:, 192:208].view(np.int8).astype(np.int32); d = h16(B, 208)
    q = np.empty((B.shape[0], 2, 4, 32), np.int32)
    q[:, :, 0] = (ql[:, :, :32] & 15) | ((qh >> 0) & 3) << 4
    q[:, :, 1] = (ql[:, :, 32:] & 15) | ((qh >> 2) & 3) << 4
    q[:, :, 2] = (ql[:, :, :32] >> 4) | ((qh >> 4) & 3) << 4
    q[:, :, 3] = (ql[:, :, 32:] >> 4) | ((qh >> 6) & 3) << 4
    q = q.reshape(-1, 256) - 32
    return np.repeat(d * f_(sc), 16, 1) * f_(q)

def dq_q8_k(B):
    d = np.ascontiguousarray(B[:, 0:4]).view('<f4').astype(F32)
    return d * f_(B[:, 4:260].view(np.int8))

def dq_iq4_nl(B):
    d = h16(B, 0); lo, hi = nib(B[:, 2:18])
    return np.concatenate([d * f_(KV_IQ4NL[lo]), d * f_(KV_IQ4NL[hi])], 1)

def dq_iq4_xs(B):
    d = h16(B, 0); sh = np.ascontiguousarray(B[:, 2:4]).view('<u2').astype(np.int32)
    sl = B[:, 4:8].astype(np.int32); ib = np.arange(8)
    ls = ((sl[:, ib // 2] >> (4 * (ib % 2))) & 15) | ((sh >> (2 * ib)) & 3) << 4
    dl = d * f_(ls - 32)
    lo, hi = nib(B[:, 8:136].reshape(-1, 8, 16))
    kv = f_(KV_IQ4NL[np.concatenate([lo, hi], 2)]).reshape(-1, 256)
    return np.repeat(dl, 32, 1) * kv

def e8m0_half(e):
    """2^(e - 128) as float32 (GGML's halved E8M0, e = 0, 1 subnormal)"""
    e = e.astype(np.uint32)
    return np.where(e < 2, np.uint32(0x00200000) << e, (e - 1) << 23).astype(np.uint32).view(F32)

def dq_mxfp4(B):
    d = e8m0_half(B[:, 0:1]); lo, hi = nib(B[:, 1:17])
    return np.concatenate([f_(KV_MXFP4[lo]) * d, f_(KV_MXFP4[hi]) * d], 1)

def trit(q, n):
    """trit n (0: most significant) of a byte holding 5 trits as q/243*256"""
    return ((((q.astype(np.uint32) * 3 ** n) & 255) * 3) >> 8).astype(np.int32)

def dq_tq1_0(B):
    qs, qh, d = B[:, 0:48], B[:, 48:52], h16(B, 52)
    parts = [trit(qs[:, :32], n) for n in range(5)] + [trit(qs[:, 32:48], n) for n in range(5)] + \
            [trit(qh, n) for n in range(4)]
    return f_(np.concatenate(parts, 1) - 1) * d

def dq_tq2_0(B):
    qs, d = B[:, 0:64].astype(np.int32), h16(B, 64)
    parts = [(qs[:, j:j + 32] >> (2 * l)) & 3 for j in (0, 32) for l in range(4)]
    return f_(np.concatenate(parts, 1) - 1) * d

# ---- simple quantizers: real weights -> bytes, by the same layouts --------
def fp16b(v):
    return np.asarray(v, F32).astype('<f2').reshape(-1, 1).view(np.uint8)

def rnd(x):
    return np.floor(np.asarray(x, np.float64) + 0.5).astype(np.int64)

def safe_div(a, b):
    b = np.where(b == 0, 1, b); return a / b

def qz_q4_0(x):
    return q4_0(x.reshape(-1))[0]

def qz_q8_0(x):
    return q8_0(x.reshape(-1))[0]

def qz_q4_1(x, nmax=15):
    mn, mx = x.min(1, keepdims=True), x.max(1, keepdims=True)
    d = (mx - mn) / nmax; q = np.clip(rnd(safe_div(x - mn, d)), 0, nmax)
    return d, mn, q

def pack_q4_1(x):
    d, m, q = qz_q4_1(x)
    return np.concatenate([fp16b(d), fp16b(m), (q[:, :16] | q[:, 16:] << 4).astype(np.uint8)], 1)

def qh_bytes(q):
    h = (q >> 4) & 1
    return (h << np.arange(32)).sum(1).astype('<u4').reshape(-1, 1).view(np.uint8)

def pack_q5_0(x):
    m = x[np.arange(len(x)), np.abs(x).argmax(1)].reshape(-1, 1); d = m / -16
    q = np.clip(rnd(safe_div(x, d)) + 16, 0, 31)
    return np.concatenate([fp16b(d), qh_bytes(q), ((q[:, :16] & 15) | (q[:, 16:] & 15) << 4).astype(np.uint8)], 1)

def pack_q5_1(x):
    d, m, q = qz_q4_1(x, 31)
    return np.concatenate([fp16b(d), fp16b(m), qh_bytes(q), ((q[:, :16] & 15) | (q[:, 16:] & 15) << 4).astype(np.uint8)], 1)

def pack_q8_1(x):
    d = np.abs(x).max(1, keepdims=True) / 127; q = np.clip(rnd(safe_div(x, d)), -127, 127)
    s = d * q.sum(1, keepdims=True)
    return np.concatenate([fp16b(d), fp16b(s), q.astype(np.int8).view(np.uint8)], 1)

def pack_planes2(q):
    """inverse of planes2: (nb, 256) 2-bit values -> (nb, 64) bytes"""
    q = q.reshape(-1, 2, 4, 32)
    return (q[:, :, 0] | q[:, :, 1] << 2 | q[:, :, 2] << 4 | q[:, :, 3] << 6).reshape(-1, 64).astype(np.uint8)

def pack_q2_k(x):
    s = x.reshape(-1, 16, 16); mn = np.minimum(s.min(2), 0); sc = (s.max(2) - mn) / 3
    d = sc.max(1, keepdims=True) / 15; dm = (-mn).max(1, keepdims=True) / 15
    ls = np.clip(rnd(safe_div(sc, d)), 0, 15); lm = np.clip(rnd(safe_div(-mn, dm)), 0, 15)
    d16, dm16 = fp16b(d).view('<f2').astype(np.float64), fp16b(dm).view('<f2').astype(np.float64)
    step = np.repeat(d16 * ls, 16, 1); off = np.repeat(dm16 * lm, 16, 1)
    q = np.clip(rnd(safe_div(x + off, step)), 0, 3)
    return np.concatenate([(ls | lm << 4).astype(np.uint8), pack_planes2(q), fp16b(d), fp16b(dm)], 1)

def pack_q3_k(x):
    s = x.reshape(-1, 16, 16); amax = np.abs(s).max(2); sc = amax / 4
    d = sc.max(1, keepdims=True) / 31
    ls = np.clip(rnd(safe_div(sc, d)), -32, 31)            # signed scale, stored + 32
    d16 = fp16b(d).view('<f2').astype(np.float64)
    q = np.clip(rnd(safe_div(x, np.repeat(d16 * ls, 16, 1))), -4, 3) + 4
    u = ls + 32; sb = np.zeros((len(x), 12), np.int64)
    for j in range(16):
        if j < 8: sb[:, j] |= u[:, j] & 15
        else: sb[:, j - 8] |= (u[:, j] & 15) << 4
        sb[:, 8 + j % 4] |= (u[:, j] >> 4) << (2 * (j // 4))
    e = np.arange(256); n, jj, k = e // 128, (e // 32) % 4, e % 32
    hm = np.zeros((len(x), 32), np.int64)
    for i in range(256):
        hm[:, k[i]] |= (q[:, i] >> 2 & 1) << (4 * n[i] + jj[i])
    return np.concatenate([hm.astype(np.uint8), pack_planes2(q & 3), sb.astype(np.uint8), fp16b(d)], 1)

def pack_k4_scales(ls, lm):
    sb = np.zeros((len(ls), 12), np.int64)
    for j in range(8):
        if j < 4: sb[:, j] = ls[:, j]; sb[:, j + 4] = lm[:, j]
        else:
            sb[:, j + 4] = (ls[:, j] & 15) | (lm[:, j] & 15) << 4
            sb[:, j - 4] |= (ls[:, j] >> 4) << 6
            sb[:, j] |= (lm[:, j] >> 4) << 6
    return sb.astype(np.uint8)

def qz_k4(x, nmax):
    s = x.reshape(-1, 8, 32); mn = np.minimum(s.min(2), 0); sc = (s.max(2) - mn) / nmax
    d = sc.max(1, keepdims=True) / 63; dm = (-mn).max(1, keepdims=True) / 63
    ls = np.clip(rnd(safe_div(sc, d)), 0, 63); lm = np.clip(rnd(safe_div(-mn, dm)), 0, 63)
    d16, dm16 = fp16b(d).view('<f2').astype(np.float64), fp16b(dm).view('<f2').astype(np.float64)
    q = np.clip(rnd(safe_div(x + np.repeat(dm16 * lm, 32, 1), np.repeat(d16 * ls, 32, 1))), 0, nmax)
    return d, dm, ls, lm, q

def pack_q4_k(x):
    d, dm, ls, lm, q = qz_k4(x, 15)
    q = q.reshape(-1, 4, 2, 32)
    qs = (q[:, :, 0] | q[:, :, 1] << 4).reshape(-1, 128).astype(np.uint8)
    return np.concatenate([fp16b(d), fp16b(dm), pack_k4_scales(ls, lm), qs], 1)

def pack_q5_k(x):
    d, dm, ls, lm, q = qz_k4(x, 31)
    q = q.reshape(-1, 4, 2, 32)
    qs = ((q[:, :, 0] & 15) | (q[:, :, 1] & 15) << 4).reshape(-1, 128).astype(np.uint8)
    qh = np.zeros((len(x), 32), np.int64)
    for c in range(4):
        qh |= (q[:, c, 0] >> 4) << (2 * c) | (q[:, c, 1] >> 4) << (2 * c + 1)
    return np.concatenate([fp16b(d), fp16b(dm), pack_k4_scales(ls, lm), qh.astype(np.uint8), qs], 1)

def pack_q6_k(x):
    s = x.reshape(-1, 16, 16); sc = s[np.arange(len(x))[:, None], np.arange(16), np.abs(s).argmax(2)] / -32
    d = np.abs(sc).max(1, keepdims=True) / 127
    ls = np.clip(rnd(safe_div(sc, d)), -128, 127)
    d16 = fp16b(d).view('<f2').astype(np.float64)
    q = np.clip(rnd(safe_div(x, np.repeat(d16 * ls, 16, 1))), -32, 31) + 32
    q = q.reshape(-1, 2, 4, 32)
    ql = np.concatenate([(q[:, :, 0] & 15) | (q[:, :, 2] & 15) << 4, (q[:, :, 1] & 15) | (q[:, :, 3] & 15) << 4], 2)
    qh = (q[:, :, 0] >> 4) | (q[:, :, 1] >> 4) << 2 | (q[:, :, 2] >> 4) << 4 | (q[:, :, 3] >> 4) << 6
    return np.concatenate([ql.reshape(-1, 128).astype(np.uint8), qh.reshape(-1, 64).astype(np.uint8),
                           ls.astype(np.int8).view(np.uint8), fp16b(d)], 1)

def pack_q8_k(x):
    d = (np.abs(x).max(1, keepdims=True) / 127).astype(F32)
    q = np.clip(rnd(safe_div(x, d)), -128, 127)
    bs = q.reshape(-1, 16, 16).sum(2).astype('<i2').view(np.uint8)
    return np.concatenate([d.astype('<f4').view(np.uint8), q.astype(np.int8).view(np.uint8), bs], 1)

def nearest(vals, t):
    return np.abs(np.asarray(t)[..., None] - vals.astype(np.float64)).argmin(-1)

def pack_iq4_nl(x):
    m = x[np.arange(len(x)), np.abs(x).argmax(1)].reshape(-1, 1); d = m / -127
    i = nearest(KV_IQ4NL, safe_div(x, fp16b(d).view('<f2').astype(np.float64)))
    return np.concatenate([fp16b(d), (i[:, :16] | i[:, 16:] << 4).astype(np.uint8)], 1)

def pack_iq4_xs(x):
    s = x.reshape(-1, 8, 32); sub = s[np.arange(len(x))[:, None], np.arange(8), np.abs(s).argmax(2)] / -127
    d = np.abs(sub).max(1, keepdims=True) / 31
    ls = np.clip(rnd(safe_div(sub, d)), -32, 31) + 32
    dl = fp16b(d).view('<f2').astype(np.float64) * (ls - 32)
    i = nearest(KV_IQ4NL, safe_div(x, np.repeat(dl, 32, 1))).reshape(-1, 8, 32)
    qs = (i[:, :, :16] | i[:, :, 16:] << 4).reshape(-1, 128).astype(np.uint8)
    sh = ((ls >> 4) << (2 * np.arange(8))).sum(1).astype('<u2').reshape(-1, 1).view(np.uint8)
    sl = ((ls[:, 0::2] & 15) | (ls[:, 1::2] & 15) << 4).astype(np.uint8)
    return np.concatenate([fp16b(d), sh, sl, qs], 1)

def pack_mxfp4(x):
    amax = np.abs(x).max(1, keepdims=True)
    e = np.where(amax > 0, np.floor(np.log2(np.where(amax > 0, amax, 1))) - 2 + 127, 0).astype(np.uint8)
    d = e8m0_half(e).astype(np.float64)
    i = nearest(KV_MXFP4, x / d)
    return np.concatenate([e, (i[:, :16] | i[:, 16:] << 4).astype(np.uint8)], 1)

def pack_trits5(t):
    """5 trits (axis -1, most significant first) -> a byte q with trit n = ((q*3^n mod 256)*3) >> 8"""
    v = (t * 3 ** np.arange(4, -1, -1)).sum(-1)
    return ((v * 256 + 242) // 243).astype(np.uint8)

def pack_tq1_0(x):
    d = np.abs(x).max(1, keepdims=True)
    t = np.clip(rnd(safe_div(x, fp16b(d).view('<f2').astype(np.float64))), -1, 1) + 1
    a = t[:, :160].reshape(-1, 5, 32).transpose(0, 2, 1)      # element n*32 + m: trit n of byte m
    b = t[:, 160:240].reshape(-1, 5, 16).transpose(0, 2, 1)
    c = np.concatenate([t[:, 240:].reshape(-1, 4, 4).transpose(0, 2, 1), np.zeros((len(x), 4, 1), np.int64)], 2)
    return np.concatenate([pack_trits5(a), pack_trits5(b), pack_trits5(c), fp16b(d)], 1)

def pack_tq2_0(x):
    d = np.abs(x).max(1, keepdims=True)
    t = np.clip(rnd(safe_div(x, fp16b(d).view('<f2').astype(np.float64))), -1, 1) + 1
    t = t.reshape(-1, 2, 4, 32)
    qs = (t[:, :, 0] | t[:, :, 1] << 2 | t[:, :, 2] << 4 | t[:, :, 3] << 6).reshape(-1, 64).astype(np.uint8)
    return np.concatenate([qs, fp16b(d)], 1)

def pack_q4_0b(x): return np.frombuffer(qz_q4_0(x), np.uint8).reshape(len(x), -1)
def pack_q8_0b(x): return np.frombuffer(qz_q8_0(x), np.uint8).reshape(len(x), -1)

# name, ggml id, block elements, block bytes, decoder, packer, offsets of fp16 (h) / f32 (f) scale fields
GGUF_TYPES = [
    ('q4_0', 2, 32, 18, dq_q4_0, pack_q4_0b, [0], []),
    ('q4_1', 3, 32, 20, dq_q4_1, pack_q4_1, [0, 2], []),
    ('q5_0', 6, 32, 22, dq_q5_0, pack_q5_0, [0], []),
    ('q5_1', 7, 32, 24, dq_q5_1, pack_q5_1, [0, 2], []),
    ('q8_0', 8, 32, 34, dq_q8_0, pack_q8_0b, [0], []),
    ('q8_1', 9, 32, 36, dq_q8_1, pack_q8_1, [0, 2], []),
    ('q2_k', 10, 256, 84, dq_q2_k, pack_q2_k, [80, 82], []),
    ('q3_k', 11, 256, 110, dq_q3_k, pack_q3_k, [108], []),
    ('q4_k', 12, 256, 144, dq_q4_k, pack_q4_k, [0, 2], []),
    ('q5_k', 13, 256, 176, dq_q5_k, pack_q5_k, [0, 2], []),
    ('q6_k', 14, 256, 210, dq_q6_k, pack_q6_k, [208], []),
    ('q8_k', 15, 256, 292, dq_q8_k, pack_q8_k, [], [0]),
    ('iq4_nl', 20, 32, 18, dq_iq4_nl, pack_iq4_nl, [0], []),
    ('iq4_xs', 23, 256, 136, dq_iq4_xs, pack_iq4_xs, [0], []),
    ('tq1_0', 34, 256, 54, dq_tq1_0, pack_tq1_0, [52], []),
    ('tq2_0', 35, 256, 66, dq_tq2_0, pack_tq2_0, [64], []),
    ('mxfp4', 39, 32, 17, dq_mxfp4, pack_mxfp4, [], []),
]

def random_blocks(rng, nb, nbytes, h, f):
    """random bits in every field; fp16 scales kept finite (an Inf/NaN
    exponent gets its top bit cleared), float32 scales below 2 in size"""
    B = rng.integers(0, 256, (nb, nbytes), dtype=np.uint8)
    for o in h:
        inf = (B[:, o + 1] & 0x7c) == 0x7c
        B[inf, o + 1] &= 0xbf
    for o in f:
        B[:, o + 3] &= 0xbf
    B[0, :] = 0xff if not h and not f else B[0, :]   # mxfp4: all bits set once (e = 255)
    return B

def gguf_types():
    """tests/data/io/gguf/: TYPE.gguf holding 'real' (weights quantized by
    the simple quantizer above) and 'random' (random blocks), with
    TYPE.real.npy and TYPE.random.npy the values the numpy decoder gives;
    plain.gguf (every plain type) with plain.TYPE.npy; unknown.gguf (an
    unknown type id and a grid type beside readable tensors); and the
    broken files bad_*.gguf."""
    d = os.path.join(OUT, 'gguf'); os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(14)
    W = np.load(os.path.join(OUT, 'W.npy')).reshape(-1)
    real = W[:256].astype(F32)
    for name, tid, blck, nbytes, dq, pack, h, f in GGUF_TYPES:
        x = real.reshape(-1, blck)
        R = pack(x); assert R.shape == (len(x), nbytes), (name, R.shape)
        ev_real = dq(R).reshape(-1)
        err = np.abs(ev_real - real).max() / np.abs(real).max()
        assert err < 0.5, (name, err)                     # the quantizer is sane
        nb = 6 if blck == 32 else 3
        X = random_blocks(rng, nb, nbytes, h, f)
        ev_rand = dq(X).reshape(-1)
        # shapes: 32-blocks: real [4, 64], random [3, 64]; 256: real [256], random [3, 256]
        ne_real = [64, 4] if blck == 32 else [256]
        ne_rand = [64, 3] if blck == 32 else [256, 3]
        save_gguf(os.path.join(d, name + '.gguf'),
                  [('real', ne_real, tid, R.tobytes()), ('random', ne_rand, tid, X.tobytes())],
                  {'general.architecture': (8, 'test')})
        np.save(os.path.join(d, name + '.real.npy'), ev_real.reshape(list(reversed(ne_real))))
        np.save(os.path.join(d, name + '.random.npy'), ev_rand.reshape(list(reversed(ne_rand))))
        print('%-7s real max rel error %.3f' % (name, err))
    # plain types
    v = np.array([0, 1, -2, 3.5, -0.25, 100, -128, 127], np.float64)
    plain = [('f32', 0, '<f4'), ('f16', 1, '<f2'), ('i8', 24, 'i1'), ('i16', 25, '<i2'), ('i32', 26, '<i4'),
             ('i64', 27, '<i8'), ('f64', 28, '<f8')]
    ts = []
    for name, tid, dt in plain:
        a = v.astype(dt); ts.append((name, [4, 2], tid, a.tobytes()))
        np.save(os.path.join(d, 'plain.%s.npy' % name), a.astype(np.float64).reshape(2, 4))
    b = np.array([1.0, -2.0, 3.0e38, 2.0 ** -130, 0.1, -0.0, 1.5, 65536], F32)
    bf = (b.view(np.uint32) >> 16).astype('<u2')
    ts.append(('bf16', [8], 30, bf.tobytes()))
    np.save(os.path.join(d, 'plain.bf16.npy'), (bf.astype(np.uint32) << 16).view(F32).astype(np.float64))
    save_gguf(os.path.join(d, 'plain.gguf'), ts, {})
    # an unknown type id (99) and a grid type (iq2_xxs, 66-byte blocks)
    # between readable tensors: the file opens, those two are listed only
    q = pack_q4_k(real.reshape(1, 256))
    save_gguf(os.path.join(d, 'unknown.gguf'),
              [('a', [256], 12, q.tobytes()), ('mystery', [64], 99, bytes(40)),
               ('grid', [256], 16, bytes(66)), ('b', [8], 0, np.arange(8, dtype='<f4').tobytes())], {})
    np.save(os.path.join(d, 'unknown.a.npy'), dq_q4_k(q).reshape(-1))
    # broken: a Q4_K tensor whose shape needs more bytes than the file holds;
    # two tensors whose data overlap (the second's offset inside the first);
    # rows that are not whole blocks
    save_gguf(os.path.join(d, 'bad_pastend_q4_k.gguf'), [('big', [256, 1000], 12, q.tobytes())], {})
    hdr = b'GGUF' + struct.pack('<IQQ', 3, 2, 0)
    for nm, off in (('a', 0), ('b', 64)):
        hdr += gguf_str(nm) + struct.pack('<IQ', 1, 256) + struct.pack('<IQ', 12, off)
    hdr += b'\0' * ((-len(hdr)) % 32)
    open(os.path.join(d, 'bad_overlap.gguf'), 'wb').write(hdr + q.tobytes() + q.tobytes())
    save_gguf(os.path.join(d, 'bad_rows.gguf'), [('r', [100, 2], 12, bytes(144))], {})

def main():
    os.makedirs(OUT, exist_ok=True)
    W = np.load(os.path.join(OUT, 'W.npy'))
    assert W.dtype == np.float32 and W.shape == (8, 4, 3, 3)
    raw = W.tobytes()
    np.savez(os.path.join(OUT, 'W_stored.npz'), W=W, b=np.arange(8, dtype=np.float32))
    np.savez_compressed(os.path.join(OUT, 'W_deflate.npz'), W=W, b=np.arange(8, dtype=np.float32))
    save_safetensors(os.path.join(OUT, 'W.safetensors'),
                     {'W': ('F32', W.shape, raw), 'b': ('F32', (8,), np.arange(8, dtype=np.float32).tobytes())},
                     metadata={'format': 'pt', 'source': 'apotview tests'})
    # A sharded model: W in shard 1, b and h in shard 2.
    d = os.path.join(OUT, 'sharded'); os.makedirs(d, exist_ok=True)
    save_safetensors(os.path.join(d, 'model-00001-of-00002.safetensors'), {'W': ('F32', W.shape, raw)})
    h = np.array([1.5, -2.0, 65504.0, 2**-24], dtype=np.float16)
    save_safetensors(os.path.join(d, 'model-00002-of-00002.safetensors'),
                     {'b': ('F32', (8,), np.arange(8, dtype=np.float32).tobytes()), 'h': ('F16', (4,), h.tobytes())})
    json.dump({'metadata': {'total_size': len(raw) + 32 + 8},
               'weight_map': {'W': 'model-00001-of-00002.safetensors', 'b': 'model-00002-of-00002.safetensors',
                              'h': 'model-00002-of-00002.safetensors'}},
              open(os.path.join(d, 'model.safetensors.index.json'), 'w'), indent=1)
    # PyTorch: a checkpoint dict as the APoT code saves it.
    def ckpt():
        sW = Storage('0', W)
        # fc.weight: a transposed (non-contiguous) view of a 6x4 storage.
        F = np.arange(24, dtype=np.float32).reshape(6, 4) / 8
        sF = Storage('1', F)
        # two tensors sharing one float64 storage at different offsets
        D = np.linspace(-1, 1, 10)
        sD = Storage('2', D)
        sL = Storage('3', np.array([7, -3, 1 << 40], dtype=np.int64))
        sH = Storage('4', np.array([1.5, -2.0, 65504.0, 2**-24], dtype=np.float16))
        sA = Storage('5', np.array([3.25], dtype=np.float32))
        sd = state_dict([
            ('conv.weight', contiguous(sW, W.shape, param=True)),
            ('conv.weight_quant.wgt_alpha', contiguous(sA, ())),
            ('fc.weight', Tensor(sF, 0, (4, 6), (1, 4))),
            ('d.first', Tensor(sD, 0, (4,), (1,))),
            ('d.last', Tensor(sD, 6, (2, 2), (2, 1))),
            ('n.num_batches_tracked', contiguous(sL, (3,))),
            ('h', contiguous(sH, (4,))),
        ])
        return {'epoch': 90, 'best_prec': 0.7125, 'arch': 'resnet20', 'state_dict': sd}
    save_zip(os.path.join(OUT, 'W_zip.pt'), ckpt())
    save_legacy(os.path.join(OUT, 'W_legacy.pt'), ckpt())
    np.save(os.path.join(OUT, 'fc_weight_expected.npy'), (np.arange(24, dtype=np.float32).reshape(6, 4) / 8).T.copy())
    # Forbidden global: a pickle that would call os.system('echo pwned').
    class Evil:
        def __reduce__(self): return (os.system, ('echo pwned >&2',))
    b = io.BytesIO(); pickle.Pickler(b, protocol=2).dump({'w': Evil()})
    with zipfile.ZipFile(os.path.join(OUT, 'bad_os_system.pt'), 'w') as z:
        z.writestr('archive/data.pkl', b.getvalue()); z.writestr('archive/version', '3\n')
    out = io.BytesIO()
    for v in (0x1950a86a20f9469cfc6c, 1001, {'protocol_version': 1001, 'little_endian': True}):
        pickle.dump(v, out, protocol=2)
    pickle.Pickler(out, protocol=2).dump({'w': Evil()})
    open(os.path.join(OUT, 'bad_os_system_legacy.pt'), 'wb').write(out.getvalue())
    # GGUF: W as F32 (ggml ne order is reversed), plus Q8_0 and Q4_0 rows.
    flat = W.reshape(-1)[:256].copy()
    q8, q8deq = q8_0(flat); q4, q4deq = q4_0(flat)
    save_gguf(os.path.join(OUT, 'W.gguf'),
              [('W', list(reversed(W.shape)), 0, raw), ('q8', [64, 4], 8, q8), ('q4', [64, 4], 2, q4),
               ('k6', [256], 14, b'\0' * 210)],
              {'general.architecture': (8, 'test'), 'general.alignment': (4, 64),
               'general.scale': (6, 0.5), 'tokenizer.tokens': (9, (8, ['a', 'b', 'c', 'd', 'e']))},
              alignment=64)
    np.save(os.path.join(OUT, 'q8_expected.npy'), q8deq.reshape(4, 64))
    np.save(os.path.join(OUT, 'q4_expected.npy'), q4deq.reshape(4, 64))
    # Zip bomb: a deflated .npz entry of 64 MiB of zeros (about 64 KiB compressed).
    n = 64 << 20
    hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d,), }" % (n // 4)
    hdr += ' ' * (118 - len(hdr)) + '\n'
    npy = b'\x93NUMPY\x01\x00' + struct.pack('<H', len(hdr)) + hdr.encode()
    with zipfile.ZipFile(os.path.join(OUT, 'bad_zipbomb.npz'), 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open('bomb.npy', 'w') as f:
            f.write(npy)
            zero = bytes(1 << 20)
            for _ in range(64): f.write(zero)
    # safetensors with overlapping offsets / a gap / past the end / overflowing shape
    r = raw[:16]
    save_safetensors(os.path.join(OUT, 'bad_overlap.safetensors'),
                     {'a': ('F32', (4,), r), 'b': ('F32', (4,), r)}, pad=False)
    for nm, hdrobj, body in [
        ('bad_overlap', {'a': {'dtype': 'F32', 'shape': [4], 'data_offsets': [0, 16]},
                         'b': {'dtype': 'F32', 'shape': [4], 'data_offsets': [8, 24]}}, raw[:24]),
        ('bad_gap', {'a': {'dtype': 'F32', 'shape': [2], 'data_offsets': [0, 8]},
                     'b': {'dtype': 'F32', 'shape': [2], 'data_offsets': [16, 24]}}, raw[:24]),
        ('bad_pastend', {'a': {'dtype': 'F32', 'shape': [4], 'data_offsets': [0, 16]},
                         'b': {'dtype': 'F32', 'shape': [1000], 'data_offsets': [16, 4016]}}, raw[:32]),
        ('bad_shape_overflow', {'a': {'dtype': 'F32', 'shape': [4294967296, 4294967296, 16],
                                      'data_offsets': [0, 0]}}, b''),
        ('bad_wrong_length', {'a': {'dtype': 'F64', 'shape': [4], 'data_offsets': [0, 16]}}, raw[:16]),
    ]:
        h = json.dumps(hdrobj).encode()
        open(os.path.join(OUT, nm + '.safetensors'), 'wb').write(struct.pack('<Q', len(h)) + h + body)
    # GGUF with a tensor past the end and an absurd count
    save_gguf(os.path.join(OUT, 'bad_pastend.gguf'), [('W', [1 << 20], 0, raw[:64])], {})
    open(os.path.join(OUT, 'bad_counts.gguf'), 'wb').write(b'GGUF' + struct.pack('<IQQ', 3, 1 << 62, 1 << 62))
    # legacy .pt whose storage claims more elements than the file holds
    b = bytearray(open(os.path.join(OUT, 'W_legacy.pt'), 'rb').read())
    # the first storage count follows the keys list; find the pickle of the keys by re-running pickle
    f = io.BytesIO(bytes(b))
    class U(pickle.Unpickler):
        def find_class(self, m, n):
            return collections.OrderedDict if (m, n) == ('collections', 'OrderedDict') else (lambda *a: (m, n, a))
        def persistent_load(self, pid): return pid
    for _ in range(5): U(f).load()
    pos = f.tell(); b[pos:pos + 8] = struct.pack('<q', 1 << 40)
    open(os.path.join(OUT, 'bad_legacy_count.pt'), 'wb').write(bytes(b))
    gguf_types()
    print('fixtures written to', OUT)

if __name__ == '__main__':
    if sys.argv[1:] == ['gguf']:
        gguf_types()   # only the GGUF block-type fixtures
    else:
        main()
