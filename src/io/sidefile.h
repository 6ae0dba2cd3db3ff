/*
 * sidefile.h - files a model names beside itself (ONNX external data,
 * TensorFlow.js weight shards, safetensors shards of an index).
 *
 * A name from inside a model file is untrusted: it is put in normal form
 * ("." and empty components dropped) and refused when it is absolute or
 * has a ".." component (it would leave the model's directory). The file is
 * then opened only through core/file.h like every other file.
 */
#ifndef APOTVIEW_SIDEFILE_H
#define APOTVIEW_SIDEFILE_H

#include "core/util.h"

/* name in normal form (malloc'd), or NULL with *why saying what is wrong
 * ("is an absolute path: ...", "has a '..' component: ...", "names no
 * file"). */
char *sidefile_normalise(const char *name, const char **why);

/* The path of `name` in the directory of `model` (malloc'd), or NULL with
 * err set: "MODEL: WHAT 'NAME' is an absolute path ..." (name escaped). */
char *sidefile_path(const char *model, const char *name, const char *what, util_err *err);

#endif
