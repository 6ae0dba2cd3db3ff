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
 * (ne reversed). F32, F16, BF16, F64, I8..I64 are read directly; Q8_0 and
 * Q4_0 are dequantized exactly as ggml does (d * q, d * (q - 8)); other
 * quantized types are listed with readable = 0 and type_note naming the
 * ggml type.
 */
#ifndef APOTVIEW_GGUF_H
#define APOTVIEW_GGUF_H

#include "io/loader.h"

extern const loader_format gguf_format;

#endif
