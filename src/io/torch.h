/*
 * torch.h - PyTorch checkpoints (.pt, .pth, .bin, .ckpt), both layouts:
 *
 * zip (torch.save, PyTorch >= 1.6): an uncompressed zip with PREFIX/data.pkl
 *   (the object pickle, storages as persistent ids), PREFIX/data/KEY (raw
 *   little-endian storage bytes, one entry per storage), PREFIX/version and,
 *   in newer files, PREFIX/byteorder.
 * legacy (PyTorch <= 1.5, or _use_new_zipfile_serialization=False): five
 *   pickles back to back - the magic number 0x1950a86a20f9469cfc6c, the
 *   protocol version 1001, sys_info {'protocol_version', 'little_endian',
 *   'type_sizes'}, the object pickle, the list of storage keys - then, for
 *   each key in that order, an 8-byte little-endian element count and the
 *   storage's raw bytes.
 *
 * Pickles are run by the safe machine in pickle.h (no code is executed).
 * Tensor names: dict keys joined with '.'; a top-level dict whose tensors
 * all sit in one nested dict ({'state_dict': ..., 'epoch': ...}) is
 * unwrapped, and when several nested dicts hold tensors a 'state_dict' /
 * 'model' / 'model_state_dict' / 'net' one is unwrapped and the others keep
 * their full paths. Scalars anywhere become metadata entries.
 * Tensors are read through their storage offset and strides, so
 * non-contiguous views come out in C order.
 */
#ifndef APOTVIEW_TORCH_H
#define APOTVIEW_TORCH_H

#include "io/loader.h"

extern const loader_format torch_zip_format;
extern const loader_format torch_legacy_format;

#endif
