/* fuzz_safetensors.c - libFuzzer harness for the safetensors loader (fuzz_common.h). */
#include "fuzz_common.h"
#include "io/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_one(&safetensors_format, data, size);
    return 0;
}
