/*
 * safetensors.h - Hugging Face .safetensors files and sharded models.
 *
 * Layout: an 8-byte little-endian header length N, N bytes of JSON
 * {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]},
 *  ..., "__metadata__": {"key": "value"}} (possibly padded with spaces),
 * then the data buffer; offsets are relative to the buffer's start.
 * Validation follows the reference implementation (safetensors crate):
 * N <= 100 MB, the header is a JSON object, every tensor's byte length
 * equals its element count times the dtype size, and the tensors sorted by
 * offset tile the buffer exactly: no gap, no overlap, ending at its end.
 *
 * A model.safetensors.index.json ({"weight_map": {tensor: shard file}}),
 * or a directory holding one, opens every shard it names; the tensor lists
 * are merged (shard by shard, in order of first mention). The index must
 * agree with the shards' headers: each tensor it names is in the shard it
 * names, and each tensor of each shard is named. Shard names are
 * normalised ("./s" is "s"); an absolute name or a ".." component is
 * refused ("a..b" is an ordinary name). Symbolic links are followed (the
 * Hugging Face cache links snapshot files to ../../blobs/), but every
 * shard and the index are opened through core/file.h: regular files only,
 * and two names of one file (device and inode) are one shard.
 *
 * Files are memory-mapped; a tensor's pages are dropped from the mapping
 * after it is read, so a whole-model report keeps at most the tensors in
 * flight resident.
 *
 * Quantized checkpoints (AWQ, GPTQ, compressed-tensors, FP8 block scales,
 * bitsandbytes, MXFP4): once the file or every shard is parsed, io/stquant.h
 * merges each weight's parts into one logical tensor (stored_type set,
 * read() dequantizes, read_range() decodes any range without a lock, no
 * raw view), with config.json looked for beside the file or the index.
 */
#ifndef APOTVIEW_SAFETENSORS_H
#define APOTVIEW_SAFETENSORS_H

#include "io/loader.h"

extern const loader_format safetensors_format;

#define SAFETENSORS_MAX_HEADER 100000000ull

#endif
