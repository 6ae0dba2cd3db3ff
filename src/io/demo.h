/*
 * demo.h - synthetic teaching tensors as a pseudo-file format.
 *
 * A path "demo:KIND[,n=N][,seed=S]" (KIND: gaussian, laplace, student-t:NU,
 * uniform, bimodal) names one float32 tensor called KIND (student-t for
 * student-t:NU) of N values (default 65536; shape [64, N/64] when 64
 * divides N and N >= 128, else [N]) drawn by xoshiro256** seeded through
 * splitmix64 with S (default 1): the same path gives the same values on
 * every machine. All kinds have mean 0 and (where it exists) variance 1,
 * except bimodal (peaks at -1 and 1, each with std 0.25). Nothing exists on
 * disk; loader_open() asks each probe about a path that does not exist, and
 * this one claims "demo:" paths.
 */
#ifndef APOTVIEW_DEMO_H
#define APOTVIEW_DEMO_H

#include <stdint.h>
#include "io/loader.h"

#define DEMO_DEFAULT_SIZE 65536
#define DEMO_MAX_SIZE (1ull << 32)

extern const loader_format demo_format;

/* Parse "KIND" or "student-t:NU": 0 ok, -1 with err set. */
int demo_check_kind(const char *kind, util_err *err);

/* The path for kind, size and seed (defaults are left out). Caller frees. */
char *demo_path(const char *kind, uint64_t size, uint64_t seed);

#endif
