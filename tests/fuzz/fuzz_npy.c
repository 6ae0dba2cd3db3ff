/* fuzz_npy.c - libFuzzer harness for the .npy loader (fuzz_common.h). */
#include "fuzz_common.h"
#include "io/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_one(&npy_format, data, size);
    return 0;
}
