/* onnx_wire.c - the ONNX wire format before protobuf-c sees it (onnx_int.h). */
#include "config.h"
#include "io/onnx_int.h"

#include <stdlib.h>
#include <string.h>

#define OX_MAXDEPTH 100

/* ---- the wire walk before unpacking ------------------------------------ */

static int varint(const unsigned char *d, size_t end, size_t *pos, uint64_t *v)
{
    uint64_t x = 0;
    for (int sh = 0; sh < 70; sh += 7) {
        if (*pos >= end)
            return -1;
        unsigned char b = d[(*pos)++];
        x |= (uint64_t)(b & 0x7f) << (sh < 64 ? sh : 63);
        if (!(b & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return -1;
}

/* Walk the model's wire format with the generated descriptors: every field
 * must lie inside its message, messages nest at most OX_MAXDEPTH deep, and
 * the structures protobuf-c will allocate must stay within a bound of the
 * file size (each message costs its struct, each repeated or string field
 * its elements). */
int ox_wire_walk(const unsigned char *d, size_t n, const char *path, util_err *err)
{
    struct { size_t end; const ProtobufCMessageDescriptor *desc; } st[OX_MAXDEPTH + 1];
    int sp = 0;
    st[0].end = n;
    st[0].desc = &onnx__model_proto__descriptor;
    size_t pos = 0;
    uint64_t alloc = st[0].desc->sizeof_message;
    uint64_t limit = 8 * (uint64_t)n + (256u << 20);
    for (;;) {
        while (sp > 0 && pos == st[sp].end)
            sp--;
        if (sp == 0 && pos == n)
            break;
        size_t at = pos, end = st[sp].end;
        const char *mname = st[sp].desc->name;
        uint64_t tag, len = 0;
        if (varint(d, end, &pos, &tag) < 0 || (tag >> 3) == 0 || (tag >> 3) > 0x1fffffff) {
            util_err_set(err, "%s: not an ONNX model: bad field key at offset %zu inside %s", path, at, mname);
            return -1;
        }
        unsigned wt = (unsigned)(tag & 7);
        const ProtobufCFieldDescriptor *fd =
            protobuf_c_message_descriptor_get_field(st[sp].desc, (unsigned)(tag >> 3));
        switch (wt) {
        case 0:
            if (varint(d, end, &pos, &len) < 0) {
                util_err_set(err, "%s: truncated varint at offset %zu inside %s", path, at, mname);
                return -1;
            }
            alloc += 8;
            break;
        case 1: case 5:
            if (end - pos < (wt == 1 ? 8u : 4u)) {
                util_err_set(err, "%s: truncated at offset %zu inside %s (a %u-byte field)", path, at,
                             mname, wt == 1 ? 8 : 4);
                return -1;
            }
            pos += wt == 1 ? 8 : 4;
            alloc += 8;
            break;
        case 2:
            if (varint(d, end, &pos, &len) < 0 || len > end - pos) {
                util_err_set(err, "%s: field %llu at offset %zu inside %s claims %llu bytes, %zu left in it",
                             path, (unsigned long long)(tag >> 3), at, mname, (unsigned long long)len,
                             end - pos);
                return -1;
            }
            if (fd && fd->type == PROTOBUF_C_TYPE_MESSAGE) {
                if (sp == OX_MAXDEPTH) {
                    util_err_set(err, "%s: messages nested more than %d deep at offset %zu", path,
                                 OX_MAXDEPTH, at);
                    return -1;
                }
                sp++;
                st[sp].end = pos + (size_t)len;
                st[sp].desc = fd->descriptor;
                alloc += st[sp].desc->sizeof_message + 8;
            } else {
                /* bytes / string: a copy; packed numbers: their array (a
                 * varint of 1 byte becomes 4 or 8) */
                uint64_t per = 1;
                if (fd && fd->label == PROTOBUF_C_LABEL_REPEATED) {
                    switch (fd->type) {
                    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_UINT32:
                    case PROTOBUF_C_TYPE_ENUM: case PROTOBUF_C_TYPE_BOOL: per = 4; break;
                    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_UINT64:
                        per = 8; break;
                    default: per = 1;
                    }
                }
                alloc += per * len + 16;
                pos += (size_t)len;
            }
            break;
        default:
            util_err_set(err, "%s: not an ONNX model: wire type %u at offset %zu inside %s", path, wt, at,
                         mname);
            return -1;
        }
        if (alloc > limit) {
            util_err_set(err, "%s: the model would unpack into more than %llu bytes (at offset %zu): refused",
                         path, (unsigned long long)limit, at);
            return -1;
        }
    }
    return 0;
}


/* ---- raw_data out of the message --------------------------------------- */

typedef struct obuf {
    unsigned char *p;
    size_t n, cap;
} obuf;

static void put(obuf *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        size_t c = b->cap ? b->cap : 4096;
        while (c < b->n + n)
            c *= 2;
        b->p = util_realloc(b->p, c);
        b->cap = c;
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void put_varint(obuf *b, uint64_t v)
{
    unsigned char t[10];
    size_t k = 0;
    do {
        t[k] = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v)
            t[k] |= 0x80;
        k++;
    } while (v);
    put(b, t, k);
}

/* Re-encode [pos, end) (a message of type desc, already checked by
 * ox_wire_walk) into out, every TensorProto.raw_data replaced by a
 * reference: 16 bytes, the payload's file offset and length (u64 LE). */
static void strip(const unsigned char *d, size_t pos, size_t end, const ProtobufCMessageDescriptor *desc,
                  obuf *out)
{
    int tensor = desc == &onnx__tensor_proto__descriptor;
    while (pos < end) {
        size_t at = pos;
        uint64_t tag = 0, len = 0;
        varint(d, end, &pos, &tag);
        unsigned wt = (unsigned)(tag & 7);
        if (wt == 0) {
            varint(d, end, &pos, &len);
            put(out, d + at, pos - at);
            continue;
        }
        if (wt == 1 || wt == 5) {
            pos += wt == 1 ? 8 : 4;
            put(out, d + at, pos - at);
            continue;
        }
        varint(d, end, &pos, &len);
        const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field(desc, (unsigned)(tag >> 3));
        if (tensor && (tag >> 3) == 9) {
            unsigned char ref[16];
            for (int k = 0; k < 8; k++) {
                ref[k] = (unsigned char)((uint64_t)pos >> (8 * k));
                ref[8 + k] = (unsigned char)(len >> (8 * k));
            }
            put_varint(out, tag);
            put_varint(out, 16);
            put(out, ref, 16);
        } else if (fd && fd->type == PROTOBUF_C_TYPE_MESSAGE) {
            obuf child = { 0 };
            strip(d, pos, pos + (size_t)len, fd->descriptor, &child);
            put_varint(out, tag);
            put_varint(out, child.n);
            if (child.n)
                put(out, child.p, child.n);
            free(child.p);
        } else
            put(out, d + at, pos + (size_t)len - at);
        pos += (size_t)len;
    }
}

unsigned char *ox_wire_strip(const unsigned char *d, size_t n, size_t *outlen)
{
    obuf out = { 0 };
    strip(d, 0, n, &onnx__model_proto__descriptor, &out);
    *outlen = out.n;
    if (!out.p)
        out.p = util_malloc(1);
    return out.p;
}
