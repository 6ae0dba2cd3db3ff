/*
 * pickle.h - a small, safe reader for the pickles in PyTorch checkpoints.
 *
 * It runs the pickle opcodes of protocols 0-5 that torch.save emits and
 * builds a tree of plain values (None, bool, int, float, str, bytes, tuple,
 * list, dict), tensors and storages. Nothing is ever executed: GLOBAL and
 * STACK_GLOBAL are checked against a fixed allow-list
 *   collections.OrderedDict, torch._utils._rebuild_tensor_v2,
 *   torch._utils._rebuild_tensor, torch._utils._rebuild_parameter,
 *   torch._utils._rebuild_parameter_with_state, torch.<X>Storage,
 *   torch.UntypedStorage, torch.storage.UntypedStorage, torch.<dtype>,
 *   torch.Size, _codecs.encode
 * and any other global is refused with a message naming it, the way
 * torch.load(weights_only=True) does. REDUCE/NEWOBJ only "call" those.
 *
 * Persistent ids ('storage', type, key, location, numel[, view]) become
 * storages, shared by key across all pickles run in one pk_ctx.
 *
 * Bounds: memory grows with the input only (each object costs at least one
 * input byte), memo ids must be dense, containers nest at most
 * PK_MAX_DEPTH deep when walked, and at most PK_MAX_OBJECTS objects exist.
 * Ownership: every object belongs to the pk_ctx and is freed by pk_free().
 */
#ifndef APOTVIEW_PICKLE_H
#define APOTVIEW_PICKLE_H

#include <stddef.h>
#include <stdint.h>
#include "core/dtype.h"
#include "core/util.h"
#include "io/loader.h"

#define PK_MAX_DEPTH 100
#define PK_MAX_OBJECTS 50000000

typedef enum pk_type {
    PK_NONE, PK_BOOL, PK_INT, PK_BIGINT, PK_FLOAT, PK_STR, PK_BYTES,
    PK_TUPLE, PK_LIST, PK_DICT, PK_SET, PK_GLOBAL, PK_STORAGE, PK_TENSOR, PK_DTYPE
} pk_type;

typedef struct pk_storage {
    char *key;             /* persistent key ('0', '1', ... or a legacy address) */
    char *type_name;       /* "FloatStorage", ... */
    dtype_id dtype;
    uint64_t numel;        /* from the persistent id */
    struct pk_storage *base; /* legacy views: the root storage */
    uint64_t base_offset;  /* elements into base */
    /* Filled by the container format: where the bytes are. */
    int located;
    int64_t zip_index;     /* zip entry (-1: none) */
    uint64_t file_offset;  /* legacy: absolute offset of the data */
    uint64_t avail;        /* elements actually present */
} pk_storage;

typedef struct pk_tensor {
    pk_storage *storage;
    uint64_t offset;       /* elements */
    int ndim;
    uint64_t size[LOADER_MAXDIM];
    uint64_t stride[LOADER_MAXDIM];
} pk_tensor;

typedef struct pk_obj pk_obj;
struct pk_obj {
    pk_type type;
    int64_t i;             /* INT, BOOL; GLOBAL: its allow-list id */
    double d;
    char *s;               /* STR, BYTES, BIGINT (little-endian bytes), GLOBAL, DTYPE */
    size_t slen;
    pk_obj **items;        /* TUPLE, LIST, SET; DICT: key, value, key, value ... */
    size_t n, cap;         /* DICT: n counts pairs */
    pk_storage *storage;
    pk_tensor *tensor;
    dtype_id dtype;        /* DTYPE */
};

typedef struct pk_ctx {
    const char *where;     /* file name for messages */
    pk_obj **objs;         /* every object, for freeing */
    size_t nobjs, capobjs;
    pk_storage **storages;
    size_t nstorages, capstorages;
    loader_names by_key;   /* root storage key -> index in storages (keys borrowed) */
    int big_endian_storages;
} pk_ctx;

void pk_init(pk_ctx *c, const char *where);
void pk_free(pk_ctx *c);

/* Run one pickle from buf[0..len). On success returns its value and sets
 * *used to the bytes consumed (through STOP). `what` names the pickle in
 * messages ("data.pkl", "the storage keys pickle"); offsets in messages are
 * relative to base_offset + position in buf. */
pk_obj *pk_run(pk_ctx *c, const unsigned char *buf, size_t len, uint64_t base_offset,
               const char *what, size_t *used, util_err *err);

/* Root storage lookup by key (NULL if none), O(1). */
pk_storage *pk_find_storage(pk_ctx *c, const char *key);

/* Readable text of a scalar for metadata ("3", "0.75", "'adam'", "None");
 * NULL for containers. Caller frees. */
char *pk_scalar_str(const pk_obj *o);

#endif
