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

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data', 'io')

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
    print('fixtures written to', OUT)

if __name__ == '__main__':
    main()
