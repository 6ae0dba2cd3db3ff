/* formats.c - the table of every file format, tried in this order by
 * loader_open(); the highest probe() score wins. */
#include "config.h"
#include "io/loader.h"
#include "io/npy.h"
#include "io/npz.h"
#include "io/safetensors.h"
#include "io/torch.h"
#include "io/gguf.h"
#include "io/onnx.h"
#include "io/tfjs.h"
#include "io/demo.h"

const loader_format *const loader_formats[] = {
    &npy_format,
    &npz_format,
    &safetensors_format,
    &torch_zip_format,
    &torch_legacy_format,
    &gguf_format,
    &onnx_format,
    &tfjs_format,
    &demo_format,
    NULL,
};
