/* fuzz_gguf.c - libFuzzer harness for the gguf loader (fuzz_common.h). */
#include "fuzz_common.h"
#include "io/gguf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_one(&gguf_format, data, size);
    return 0;
}
