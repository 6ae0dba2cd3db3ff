/* fuzz_npz.c - libFuzzer harness for the npz loader (fuzz_common.h). */
#include "fuzz_common.h"
#include "io/npz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_one(&npz_format, data, size);
    return 0;
}
