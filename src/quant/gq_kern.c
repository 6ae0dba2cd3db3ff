/*
 * gq_kern.c - the group engine's vector kernels (gq_kern.h) compiled
 * twice: for the baseline target and with target("avx2"), the AVX2 set
 * chosen at run time (gq_set_kernel for tests). Per group: absmax and
 * sum of squares, the uniform map, the nearest level by counting
 * midpoints below (<= 64 levels), mxfp4, q4_0, q8_0, the bfloat16
 * conversion, the assignment for the mse walk; on doubles and, for float32
 * and 2-byte sources, on floats (8 lanes; decisions exact, errors in
 * double unless exact in float). Level usage: the kernels store one byte
 * per value, counted into 4 sub-histograms (gq_eval.c), or a unit's bytes
 * at once (k_hist16). On bfloat16 codes' bits (gq_kern_codes.h): mxfp4 of
 * whole groups with the level usage from its compare masks (k_mxu), max
 * |x| (k_bf16max); the uniform kernel counting the codes (k_unicc).
 */
#include "config.h"
#include "quant/gq_int.h"
#include "quant/schemes.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* (the whole file: GCC notes the vector ABI at its end) */
#pragma GCC diagnostic ignored "-Wpsabi"
#define KSFX base
#define KAVX 0
#include "quant/gq_kern.h"
#undef KSFX
#if defined(__x86_64__) && defined(__GNUC__)
#define GQ_HAVE_AVX2 1
#pragma GCC push_options
#pragma GCC target("avx2")
#undef KAVX
#define KAVX 1
#define KSFX avx2
#include "quant/gq_kern.h"
#undef KSFX
#pragma GCC pop_options
#endif
#undef KAVX

static int kern_force;     /* gq_set_kernel */

int gq_set_kernel(int path)
{
    if (path == 2) {
#ifdef GQ_HAVE_AVX2
        if (!__builtin_cpu_supports("avx2"))
            return -1;
#else
        return -1;
#endif
    }
    kern_force = path;
    return 0;
}

const kern *gq_kern_pick(void)
{
#ifdef GQ_HAVE_AVX2
    if (kern_force == 2 || (kern_force == 0 && __builtin_cpu_supports("avx2")))
        return &kern_avx2;
#endif
    return &kern_base;
}

