/*
 * onnx.h - ONNX models (.onnx), read with the protobuf-c parser generated
 * at build time from the onnx.proto of Debian's libonnx-dev.
 *
 * Tensors listed: every graph's initializers and every Constant node's
 * `value` tensor (named after the node's output), in the main graph and in
 * the subgraphs of If / Loop / Scan nodes at any depth (exporters such as
 * the one behind silero VAD put every weight in Constant nodes inside If
 * branches). A name met twice gets "@2", "@3" ... appended.
 *
 * Storage: raw_data (little-endian; 4-bit types two to a byte, the first
 * element in the low nibble), the typed fields (float_data; int32_data for
 * int8..uint16, bool, the bit patterns of float16 / bfloat16 / float8 and
 * pairs of 4-bit values; int64_data; double_data; uint64_data), or external
 * data (`location`, `offset`, `length` in external_data, a file beside the
 * model opened through core/file.h; a location that is absolute or has a
 * ".." component is refused). Types: float32/64, float16, bfloat16, the
 * four float8 types (e4m3fn, e4m3fnuz, e5m2, e5m2fnuz), float4 e2m1,
 * int4/uint4, (u)int8..64, bool. Strings and complex types are listed as
 * not readable.
 *
 * Quantized weights are shown dequantized under their logical name, their
 * parts (the integer tensor, scale, zero point) no longer listed apart:
 *   - DequantizeLinear with a constant input x: y = (x - zero_point) *
 *     scale per tensor, per axis (`axis`, default 1) or per block along
 *     the axis (`block_size`, opset 21); the name is x's without a
 *     "_quantized" suffix (onnxruntime's quantizer), else the node's
 *     output. stored_type "qdq_int8" etc.
 *   - com.microsoft.MatMulNBits (bits 2, 4 or 8): B uint8 [N, k_blocks,
 *     block_size * bits / 8], codes low bits first along K; scales [N *
 *     k_blocks]; zero points packed like B per row of k_blocks (or of the
 *     scales' type), default 2^(bits-1); optional g_idx. Shown as the
 *     original MatMul weight [K, N] under B's name without a "_Q4" (or
 *     "_Q<bits>") suffix; stored_type "matmulnbits_q4" etc.
 * Values are computed as onnxruntime computes them: (q - zp) * scale in
 * float32, rounded to float16 / bfloat16 when the scale has that type.
 *
 * Memory and speed: the file is mapped. Before protobuf-c sees it, the
 * wire format is walked once with the generated descriptors (onnx_wire.c)
 * to refuse, with a byte offset, a truncated or over-long field, nesting
 * deeper than 100 messages (the unpacker recurses) and a file that would
 * unpack into far more memory than its size; then the model is re-encoded
 * with every TensorProto.raw_data replaced by a 16-byte reference into the
 * mapping, and protobuf-c unpacks that: only the headers are copied, the
 * tensor bytes are read from the mapping (external data from its own file,
 * mapped on first read) and their pages dropped once converted. Tensors
 * in the typed fields (float_data, ...) are unpacked into arrays by
 * protobuf-c, a copy of those only.
 */
#ifndef APOTVIEW_ONNX_H
#define APOTVIEW_ONNX_H

#include "io/loader.h"

extern const loader_format onnx_format;

#endif
