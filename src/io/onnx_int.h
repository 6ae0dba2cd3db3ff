/*
 * onnx_int.h - private to the ONNX reader (onnx.c, onnx_quant.c): the
 * element types of TensorProto.DataType and their decoding from raw_data /
 * external bytes (little-endian, 4-bit types packed two to a byte, the
 * first element in the low nibble) and from the typed fields (float_data;
 * int32_data holding int8..uint16, bool, the bit patterns of float16,
 * bfloat16 and float8, and two 4-bit elements per entry, low nibble
 * first; int64_data; double_data; uint64_data for uint32/uint64).
 */
#ifndef APOTVIEW_ONNX_INT_H
#define APOTVIEW_ONNX_INT_H

#include <stdint.h>
#include "core/dtype.h"
#include "core/util.h"
#include "io/loader.h"
#include "src/io/onnx.pb-c.h"

/* TensorProto.DataType values (onnx.proto; the float8, 4-bit and float4
 * values were added after the onnx.proto Debian ships, so they are
 * written out here; the field is a plain int32 on the wire). */
enum {
    OX_UNDEFINED = 0, OX_FLOAT = 1, OX_UINT8 = 2, OX_INT8 = 3, OX_UINT16 = 4,
    OX_INT16 = 5, OX_INT32 = 6, OX_INT64 = 7, OX_STRING = 8, OX_BOOL = 9,
    OX_FLOAT16 = 10, OX_DOUBLE = 11, OX_UINT32 = 12, OX_UINT64 = 13,
    OX_COMPLEX64 = 14, OX_COMPLEX128 = 15, OX_BFLOAT16 = 16,
    OX_F8E4M3FN = 17, OX_F8E4M3FNUZ = 18, OX_F8E5M2 = 19, OX_F8E5M2FNUZ = 20,
    OX_UINT4 = 21, OX_INT4 = 22, OX_FLOAT4E2M1 = 23
};

typedef struct ox_type {
    const char *name;      /* "float32", "int4", "float8_e4m3fnuz", ... */
    unsigned bits;         /* per element in raw_data; 0: not readable */
    dtype_id dtype;        /* the loader dtype when one matches exactly */
    int field;             /* typed field: 'f' float_data, 'i' int32_data,
                              'l' int64_data, 'd' double_data, 'u' uint64_data */
    const char *why;       /* not readable: the reason */
} ox_type;

/* The type of data_type dt, or NULL for an id unknown to apotview. */
const ox_type *ox_type_of(int32_t dt);

/* The elements of one tensor, resolved: raw bytes (raw_data or external
 * data, already checked to hold ox_raw_bytes()) or the typed field of tp. */
typedef struct ox_src {
    int32_t dt;
    uint64_t count;
    const unsigned char *raw;   /* NULL: the typed field of tp */
    const Onnx__TensorProto *tp;
} ox_src;

/* Bytes raw storage of count elements of type t takes. */
uint64_t ox_raw_bytes(const ox_type *t, uint64_t count);
/* Entries the typed field needs for count elements (4-bit: two a entry). */
uint64_t ox_typed_entries(const ox_type *t, uint64_t count);
/* Entries tp's typed field for type t holds. */
uint64_t ox_typed_have(const ox_type *t, const Onnx__TensorProto *tp);

/* Elements [start, start + n) of s as exact doubles. */
void ox_decode(const ox_src *s, uint64_t start, uint64_t n, double *out);

/* Scalar conversions (exposed for the tests' sake of clarity). */
double ox_f8e4m3fnuz(uint8_t b);
double ox_f8e5m2fnuz(uint8_t b);
double ox_f4e2m1(uint8_t nib);
/* v rounded to the output type of a dequantization whose scale has type
 * dt: float16 and bfloat16 (round to nearest even), else float32. */
double ox_round_to(int32_t dt, double v);

/* Walk the wire format of a whole model with the generated descriptors
 * before unpacking: every field inside its message, nesting at most 100
 * messages deep (protobuf-c recurses), and what protobuf-c will allocate
 * bounded by a multiple of the size. Errors name the byte offset. */
int ox_wire_walk(const unsigned char *d, size_t n, const char *path, util_err *err);
/* The model (checked by ox_wire_walk) re-encoded with every
 * TensorProto.raw_data replaced by a 16-byte reference to it in d: its
 * offset and length (u64 little-endian each). malloc'd, *outlen bytes.
 * protobuf-c then copies headers only; the data stays in the mapping. */
unsigned char *ox_wire_strip(const unsigned char *d, size_t n, size_t *outlen);

/* The model as onnx.c holds it (private to io/onnx*.c). */
#define NONE ((size_t)-1)

enum { R_PLAIN, R_QUANT, R_PART };

typedef struct ox_ent {
    const Onnx__TensorProto *tp;
    const char *name;      /* borrowed from the model */
    int role;              /* R_PLAIN, R_QUANT (x / B of quants[q]), R_PART */
    size_t q;
    int checked;           /* storage checked (0 not yet, 1 ok) */
    uint64_t count;
    ox_src src;            /* raw set for raw_data / mapped external data */
    size_t ext;            /* external file index, or NONE */
    uint64_t ext_off;
} ox_ent;

typedef struct ox_quant {
    int op;                /* 'D' DequantizeLinear, 'M' MatMulNBits */
    size_t x, scale, zp, gidx;   /* entries (zp, gidx: NONE) */
    const char *out;       /* the node's output name */
    int64_t axis, block;   /* DQ */
    int64_t K, N, bits, bs;  /* MNB */
} ox_quant;

typedef struct ox_ext {
    char *path;
    uint64_t size;
    file_map map;
    int mapped;
} ox_ext;

typedef struct ox_priv {
    loader_map map;        /* the model file; raw_data is read from it */
    Onnx__ModelProto *model;
    ox_ent *ents;
    size_t nents, ecap;
    ox_quant *qs;
    size_t nq, qcap;
    const Onnx__NodeProto **nodes;   /* DequantizeLinear / MatMulNBits */
    size_t nnodes, ncap;
    loader_names byname;   /* entry name -> first entry */
    ox_ext *ext;
    size_t next;
    char **strs;           /* strings made for this file */
    size_t nstrs, scap;
} ox_priv;

/* All values of entry e as doubles (malloc'd), or its bytes in place
 * (*own: a copy to free, or NULL); NULL with err set. */
double *ent_all(loader_file *f, ox_priv *p, ox_ent *e, util_err *err);
const unsigned char *ent_bytes(loader_file *f, ox_priv *p, ox_ent *e, unsigned char **own, util_err *err);
/* The format's grid entry (onnx_grid.c). */
int onnx_grid(loader_file *f, size_t i, struct loader_grid *g, util_err *err);

#endif
