/* fuzz_gguf.c - libFuzzer harness for the gguf loader (fuzz_common.h).
 * Seed corpus (tests/fuzz/corpus/gguf): W.gguf, one file per K block type,
 * IQ4_XS, TQ1_0, MXFP4, every plain type, and unknown.gguf (an unknown
 * type id and an undecoded grid type between readable tensors), all from
 * tests/lib/gen_io_fixtures.py. */
#include "fuzz_common.h"
#include "io/gguf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_one(&gguf_format, data, size);
    return 0;
}
