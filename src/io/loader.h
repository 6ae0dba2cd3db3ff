/*
 * loader.h - the one interface every file format sits behind.
 *
 * A format is a const table of function pointers (loader_format). Opening a
 * file picks the format by content (magic bytes, probe()), falling back to
 * the extension, and fills a loader_file: a list of tensor descriptions
 * (name, dtype, shape) and optional metadata key/value strings. Values are
 * read one tensor at a time with loader_read(), always in C (row-major)
 * order, converted exactly to float or double.
 *
 * Ownership: loader_open() returns a loader_file that owns every string and
 * array in it, and whatever mapping or handle the format keeps in priv;
 * loader_close() frees all of it. Descriptions stay valid until close.
 * Loaders know nothing about quantization.
 *
 * Every file a format reads is opened through core/file.h (regular files
 * only, never a blocking open, sizes fixed at open).
 *
 * Scale: the tensor and metadata arrays grow geometrically and a hash index
 * of the tensor names (loader_names, built as tensors are added) makes
 * loader_find O(1), so opening a model is linear in its tensor count.
 *
 * Errors: every function that can fail fills a util_err with a message that
 * names the file, the tensor when there is one, and what is wrong (with a
 * byte offset where it helps), and returns -1. Nothing calls exit().
 */
#ifndef APOTVIEW_LOADER_H
#define APOTVIEW_LOADER_H

#include <stddef.h>
#include <stdint.h>
#include "core/dtype.h"
#include "core/file.h"
#include "core/util.h"

#define LOADER_MAXDIM 16

typedef struct loader_tensor {
    char *name;            /* name inside the file (nested keys joined by '.') */
    dtype_id dtype;
    int big_endian;        /* storage byte order */
    int fortran_order;     /* storage is column-major (read() still gives C order) */
    int ndim;
    uint64_t shape[LOADER_MAXDIM];
    uint64_t count;        /* product of shape (1 for 0-d) */
    const char *type_note; /* for types listed but not readable (e.g. GGUF iq2_xxs,
                              an unknown ggml type id): a description with the
                              reason; read() fails with a message. NULL normally */
    int readable;          /* 0: listed only */
    /* The stored format when it is not the plain dtype: a block-quantized
     * type read() dequantizes (dtype is then DT_F32), named as its format
     * names it (GGUF: "q4_k", "iq4_xs", "mxfp4"); NULL for plain storage.
     * Static string (or owned by the format). loader_dtype_name() shows it. */
    const char *stored_type;
    double stored_bpw;     /* bits per weight of the stored form (Q4_K: 4.5); 0: not set */
    /* Format-private location of the data. */
    uint64_t offset;
    uint64_t nbytes;
    void *priv;
} loader_tensor;

typedef struct loader_meta {
    char *key;
    char *value;
} loader_meta;

typedef struct loader_opts {
    /* --dtype=NAME: reinterpret 2-byte raw/uint16 data (bfloat16 stored as
     * <V2 or <u2). DT_INVALID: no override. */
    dtype_id dtype_override;
} loader_opts;

struct loader_format;
struct loader_rawview;
struct loader_grid;
struct grid_wpair;

/* A hash index of strings (open addressing, linear probing, FNV-1a): each
 * key maps to one size_t. Keys are borrowed: they must stay valid and
 * unchanged while the index holds them. A zeroed loader_names is empty. */
typedef struct loader_name_slot {
    const char *key;       /* NULL: empty slot */
    size_t value;
} loader_name_slot;
typedef struct loader_names {
    loader_name_slot *slots;
    size_t cap, n;         /* cap: 0 or a power of two, kept above 2n */
} loader_names;
/* Insert key -> value unless key is present; returns the value now stored
 * for key (value, or the earlier one). */
size_t loader_names_put(loader_names *ix, const char *key, size_t value);
/* The value stored for key, or -1. */
long loader_names_get(const loader_names *ix, const char *key);
void loader_names_free(loader_names *ix);

typedef struct loader_file {
    char *path;
    const struct loader_format *fmt;
    size_t ntensors;
    loader_tensor *tensors;
    size_t nmeta;
    loader_meta *meta;
    loader_opts opts;
    void *priv;            /* format state (mapping, zip handle, ...) */
    /* Private to loader.c: array capacities, and the name index (tensor
     * name -> first index with that name; keys are the tensors' names). */
    size_t tcap, mcap;
    loader_names names;
    size_t nnamed;         /* tensors entered in names */
} loader_file;

typedef struct loader_format {
    const char *name;      /* "npy", "npz", "safetensors", ... */
    const char *extensions;/* space-separated, e.g. ".npy" */
    /* Score 0..100 how sure we are this is our format, from the first bytes
     * of the file (len may be short for tiny files). */
    int (*probe)(const unsigned char *head, size_t len, const char *path);
    /* Fill f->tensors / f->meta. f->path and f->opts are set. */
    int (*open)(loader_file *f, util_err *err);
    /* Read tensor i as count float (as_double == 0) or double values in C
     * order into dst. */
    int (*read)(loader_file *f, size_t i, void *dst, int as_double, util_err *err);
    /* Free priv and per-tensor priv. */
    void (*close)(loader_file *f);
    /* Optional (NULL: never): tensor i's storage as it lies in a mapping of
     * the file, when it is one contiguous, uncompressed run (loader_raw). */
    int (*raw)(loader_file *f, size_t i, struct loader_rawview *v);
    /* Optional (NULL: never): values [first, first + n) of tensor i (C
     * order) as float into dst, for a tensor that read() decodes (block
     * quantized): thread-safe, any range, no lock needed; -1 when tensor i
     * has no such path (loader_read_range). */
    int (*read_range)(loader_file *f, size_t i, uint64_t first, uint64_t n, float *dst);
    /* Optional: drop the pages of tensor i's stored bytes from memory
     * (after ranged reads; loader_release_tensor). */
    void (*release)(loader_file *f, size_t i);
    /* Optional (NULL: none): the grid tensor i's stored format can
     * represent (io/grid.h), read from its scales; with g NULL only
     * whether there is one (0) or not (-1). Thread-safe like read_range. */
    int (*grid)(loader_file *f, size_t i, struct loader_grid *g, util_err *err);
    /* Optional (NULL: none): the weighted view (io/grid.h) of the whole
     * blocks [first, first + n) of tensor i into out, returning the
     * number of pairs; with out NULL, only *blck (values per block) and
     * *wmax (most pairs per block). -1 when tensor i has none.
     * Thread-safe like read_range. */
    int64_t (*weigh)(loader_file *f, size_t i, uint64_t first, uint64_t n, struct grid_wpair *out,
                     unsigned *blck, unsigned *wmax);
} loader_format;

/* The name of tensor t's type as stored: stored_type when set, else the
 * numpy name of dtype ("float32", "bfloat16"). */
static inline const char *loader_dtype_name(const loader_tensor *t)
{
    return t->stored_type ? t->stored_type : dtype_name(t->dtype);
}

/* Open a file (or directory, for formats that accept one). */
loader_file *loader_open(const char *path, const loader_opts *opts, util_err *err);
int loader_read(loader_file *f, size_t i, void *dst, int as_double, util_err *err);
void loader_close(loader_file *f);

/* Decode values [first, first + n) of tensor i as float (a chunked
 * dequantizing source: many threads may call it at once on one file, with
 * no lock). Returns 0, or -1 when the tensor has no ranged path (then read
 * it whole) or the range is out of bounds; never sets an error. */
int loader_read_range(loader_file *f, size_t i, uint64_t first, uint64_t n, float *dst);
/* 1 when loader_read_range works for tensor i. */
int loader_has_range(loader_file *f, size_t i);
/* Done with tensor i's ranged reads: its stored pages may leave memory
 * (they are read again if touched), so a whole-model report keeps only
 * the tensors in flight resident. No-op where the format has no mapping. */
void loader_release_tensor(loader_file *f, size_t i);

/* The stored grid of tensor i (io/grid.h: per group, the levels its
 * format can represent), for a readable tensor with a stored_type whose
 * format describes it: 0 with g filled (loader_grid_free), or -1 with err
 * (not quantized, or a format without grid). loader_has_grid: 1 when
 * there is one (cheap: reads no data). */
int loader_grid_get(loader_file *f, size_t i, struct loader_grid *g, util_err *err);
int loader_has_grid(loader_file *f, size_t i);

/* The weighted view of tensor i (io/grid.h: its values as (value, code,
 * count) pairs group by group, from the stored codes, without decoding
 * every value): loader_weigh_info gives the values per block and the
 * most pairs per block (0, or -1 when the tensor has none; the groups
 * are those of loader_grid_get); loader_weigh writes the pairs of blocks
 * [first, first + n) into out (room for n * wmax) and returns their
 * number, or -1 (out of bounds, or none). Thread-safe, no lock. */
int loader_weigh_info(loader_file *f, size_t i, unsigned *blck, unsigned *wmax);
int64_t loader_weigh(loader_file *f, size_t i, uint64_t first, uint64_t n, struct grid_wpair *out);

/* Drop the tensors whose drop[i] is nonzero (their names are freed) and
 * rebuild the name index from the names now in place: for a format that
 * merges several stored tensors into one (io/stquant.h), renaming the
 * survivor in place (free + util_strdup) before the call. */
void loader_compact(loader_file *f, const unsigned char *drop);

/* Index of the first tensor called `name`, or -1 (O(1)). */
long loader_find(const loader_file *f, const char *name);

/* The APoT paper's official code (yhhhli/APoT_Quantization) stores a
 * learned clipping threshold beside each quantized layer:
 * `<layer>.weight_quant.wgt_alpha` (0-d) beside `<layer>.weight`. If tensor
 * i is such a weight and the file holds that sibling with exactly one
 * readable element, store it in *alpha and return 0; otherwise -1. */
int loader_sibling_alpha(loader_file *f, size_t i, double *alpha);
/* The sibling's name for tensor i (malloc'd), or NULL if i is not a
 * `.weight` tensor. */
char *loader_sibling_alpha_name(const loader_file *f, size_t i);

/* Helpers for format implementations. -------------------------------- */

/* Append a tensor description (zeroed) and return it; name is copied.
 * Tensors must be added only this way (and never renamed): it keeps the
 * name index. The pointer is valid until the next add. */
loader_tensor *loader_add_tensor(loader_file *f, const char *name);
void loader_add_meta(loader_file *f, const char *key, const char *value);
/* Set the shape, compute count with overflow checking. -1 on overflow. */
int loader_set_shape(loader_tensor *t, int ndim, const uint64_t *shape);

/* A read-only mapping of a whole regular file (file_map_regular: mmap, or a
 * copy of exactly its size where mmap fails). Anything but a regular file
 * (a FIFO, /dev/zero, a directory) is refused. */
typedef file_map loader_map;
int loader_map_file(const char *path, loader_map *m, util_err *err);
void loader_unmap(loader_map *m);
/* Drop the pages of [off, off + len) of a mapping from memory once they have
 * been converted (they are re-read from the file if touched again), so a
 * read does not hold the file and its converted copy at once. */
void loader_release(const loader_map *m, uint64_t off, uint64_t len);
/* Ask the kernel to start reading [off, off + len) of a mapping ahead of
 * use (a file not in the page cache is read while the first pages are
 * being worked on). */
void loader_willneed(const loader_map *m, uint64_t off, uint64_t len);

/* Tensor i's raw storage in place: data holds t->count elements of
 * t->dtype in storage order (byte order t->big_endian; Fortran order when
 * t->fortran_order), valid until loader_close. Whole-tensor statistics do
 * not care about the order, so the report reads them from here without a
 * copy (and drops the pages afterwards with loader_release(map, offset,
 * nbytes)). Returns 0, or -1 when the format or the tensor has no such
 * view (compressed, strided, quantized, not mapped): not an error, the
 * caller reads the tensor instead. */
typedef struct loader_rawview {
    const unsigned char *data;
    const loader_map *map;
    uint64_t offset, nbytes;   /* of data inside map */
} loader_rawview;
int loader_raw(loader_file *f, size_t i, loader_rawview *v);

/* Convert `count` elements of raw storage (src) described by t into dst,
 * reordering from Fortran to C order when t->fortran_order. */
void loader_convert(const loader_tensor *t, const void *src, void *dst, int as_double);

/* All registered formats, NULL-terminated. */
extern const loader_format *const loader_formats[];

#endif
