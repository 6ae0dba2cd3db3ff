/*
 * gguf.h - GGUF model files (llama.cpp / ggml), versions 2 and 3.
 *
 * Layout (little-endian): "GGUF", u32 version, u64 tensor count, u64
 * key/value count; key/values (string key, u32 type, value; strings are u64
 * length + bytes, arrays are u32 element type + u64 count + elements);
 * tensor infos (name, u32 n_dims, u64 ne[n_dims] with ne[0] the fastest
 * axis, u32 ggml type, u64 offset); padding to general.alignment (default
 * 32); the data section, offsets relative to its start.
 *
 * Metadata values become loader_meta entries (arrays summarized by type and
 * length, with their first few elements). Shapes are reported in C order
 * (ne reversed). The ggml types come from io/ggml_quants.h: plain types
 * (F32, F16, BF16, F64, I8..I64) are read directly (and have a raw view);
 * block types are dequantized to exact float32 by read(), bit-identical
 * to ggml (dtype DT_F32, stored_type "q4_k" etc., stored_bpw); a block
 * type without a decoder (the IQ1/IQ2/IQ3 grid types) is listed with
 * readable = 0 and type_note giving the reason.
 *
 * An unknown type id does not fail the file: the tensor is listed with
 * readable = 0, stored_type "unknown" and type_note "ggml type N unknown
 * to apotview". Its byte size is unknown (nbytes 0), so only its offset is
 * checked against the file; the other tensors' offsets are their own
 * (GGUF stores one per tensor) and are checked as usual.
 *
 * Checks at open (errors name the file, the tensor and a byte offset):
 * every size from the header is checked against the file size before use,
 * byte sizes are overflow-checked, rows must be whole blocks, data must lie
 * inside the file, and no two tensors' data may overlap.
 */
#ifndef APOTVIEW_GGUF_H
#define APOTVIEW_GGUF_H

#include "io/loader.h"

extern const loader_format gguf_format;

#endif
