#ifndef APOTVIEW_TFJS_H
#define APOTVIEW_TFJS_H
#include "io/loader.h"
extern const loader_format tfjs_format;
#endif
