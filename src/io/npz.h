/*
 * npz.h - NumPy .npz archives (numpy.savez / savez_compressed): a zip file
 * whose entries are .npy files, stored or deflated, possibly with zip64
 * extra fields and data descriptors (all handled by libzip).
 *
 * Tensor name = entry name without ".npy". Each entry's .npy header is read
 * at open (only its first bytes are decompressed); values are read entry by
 * entry on demand.
 */
#ifndef APOTVIEW_NPZ_H
#define APOTVIEW_NPZ_H

#include "io/loader.h"

extern const loader_format npz_format;

#endif
