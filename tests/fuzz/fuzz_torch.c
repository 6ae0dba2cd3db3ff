/* fuzz_torch.c - libFuzzer harness for PyTorch checkpoints and the pickle
 * machine: inputs starting "PK" go to the zip layout, others to the legacy
 * layout (five pickles and raw storages). */
#include "fuzz_common.h"
#include "io/torch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int zip = size >= 2 && data[0] == 'P' && data[1] == 'K';
    fuzz_one(zip ? &torch_zip_format : &torch_legacy_format, data, size);
    return 0;
}
