/* fuzz_onnx.c - libFuzzer harness for the ONNX loader (fuzz_common.h): the
 * wire walk, protobuf-c's unpacking, the subgraph walk, the storage checks
 * and every decoder (plain types, DequantizeLinear, MatMulNBits). Seed
 * corpus (tests/fuzz/corpus/onnx): the fixtures of
 * tests/lib/gen_onnx_tfjs_fixtures.py (every element type, subgraphs, external
 * data, QDQ, MatMulNBits, a too-deep nesting, a lying length). */
#include "fuzz_common.h"
#include "io/onnx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_one(&onnx_format, data, size);
    return 0;
}
