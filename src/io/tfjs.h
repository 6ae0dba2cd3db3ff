/*
 * tfjs.h - TensorFlow.js weights: a `model.json` whose `weightsManifest`
 * lists the weight groups, or a bare `*weights_manifest.json` array (as
 * face-api ships), and the binary shards each group names in `paths`.
 *
 * A group's weights lie back to back, in manifest order, in the
 * concatenation of its shards (a weight may straddle two shards). Element
 * types: float32, int32, bool (one byte), string (each a 4-byte
 * little-endian length and its bytes: listed, not readable; their lengths
 * are walked to place the weights after them), complex64 (listed only).
 * `quantization` {dtype: uint8 | uint16, scale, min} stores q and means
 * q * scale + min, computed in double and stored as float32 as tfjs does
 * (rounded to an integer, halves up, for an int32 weight); {dtype: float16}
 * stores IEEE half floats. Quantized weights have stored_type "uint8_affine",
 * "uint16_affine" or "float16" and stored_bpw 8 / 16.
 *
 * Shard paths are relative to the manifest's directory ("./" allowed); an
 * absolute path or a ".." component is refused; every shard is opened
 * through core/file.h, its size checked at open against the weights it
 * must hold (an error names the weight, the shard and the byte offset), and
 * mapped on the first read.
 */
#ifndef APOTVIEW_TFJS_H
#define APOTVIEW_TFJS_H

#include "io/loader.h"

extern const loader_format tfjs_format;

#endif
