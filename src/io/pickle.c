/*
 * pickle.c - the safe pickle machine (pickle.h).
 *
 * State: a value stack of object pointers, a mark stack of stack heights,
 * and a memo (dense array: pickle writers number memo entries 0, 1, 2...,
 * and an id beyond the number of PUTs seen is refused, so a hostile id
 * cannot make us allocate a huge table).
 */
#include "config.h"
#include "io/pickle.h"
#include "io/pickle_vm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    G_ORDEREDDICT = 1, G_REBUILD_V2, G_REBUILD, G_PARAM, G_PARAM_STATE,
    G_STORAGE, G_DTYPE, G_SIZE, G_CODECS_ENCODE
};

static const struct {
    const char *name;
    dtype_id t;
} storage_types[] = {
    { "FloatStorage", DT_F32 }, { "DoubleStorage", DT_F64 }, { "HalfStorage", DT_F16 },
    { "BFloat16Storage", DT_BF16 }, { "LongStorage", DT_I64 }, { "IntStorage", DT_I32 },
    { "ShortStorage", DT_I16 }, { "CharStorage", DT_I8 }, { "ByteStorage", DT_U8 },
    { "BoolStorage", DT_BOOL }, { "UntypedStorage", DT_U8 },
    { "Float8_e4m3fnStorage", DT_F8_E4M3 }, { "Float8_e5m2Storage", DT_F8_E5M2 },
};

static const struct {
    const char *name;
    dtype_id t;
} torch_dtypes[] = {
    { "float32", DT_F32 }, { "float", DT_F32 }, { "float64", DT_F64 }, { "double", DT_F64 },
    { "float16", DT_F16 }, { "half", DT_F16 }, { "bfloat16", DT_BF16 },
    { "int64", DT_I64 }, { "long", DT_I64 }, { "int32", DT_I32 }, { "int", DT_I32 },
    { "int16", DT_I16 }, { "short", DT_I16 }, { "int8", DT_I8 }, { "uint8", DT_U8 },
    { "bool", DT_BOOL }, { "float8_e4m3fn", DT_F8_E4M3 }, { "float8_e5m2", DT_F8_E5M2 },
};

void pk_init(pk_ctx *c, const char *where)
{
    memset(c, 0, sizeof *c);
    c->where = where;
}

void pk_free(pk_ctx *c)
{
    for (size_t i = 0; i < c->nobjs; i++) {
        pk_obj *o = c->objs[i];
        free(o->s);
        free(o->items);
        free(o->tensor);
        free(o);
    }
    free(c->objs);
    for (size_t i = 0; i < c->nstorages; i++) {
        free(c->storages[i]->key);
        free(c->storages[i]->type_name);
        free(c->storages[i]);
    }
    free(c->storages);
    loader_names_free(&c->by_key);
    memset(c, 0, sizeof *c);
}

pk_storage *pk_find_storage(pk_ctx *c, const char *key)
{
    long i = loader_names_get(&c->by_key, key);
    return i < 0 ? NULL : c->storages[i];
}

static void add_storage(pk_ctx *c, pk_storage *s)
{
    if (c->nstorages == c->capstorages) {
        c->capstorages = c->capstorages ? 2 * c->capstorages : 16;
        c->storages = util_realloc(c->storages, c->capstorages * sizeof *c->storages);
    }
    if (!s->base)
        loader_names_put(&c->by_key, s->key, c->nstorages);
    c->storages[c->nstorages++] = s;
}

void pkvm_fail(vm *v, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    util_err_set(v->err, "%s: %s: %s (opcode at offset %llu)", v->c->where, v->what, msg,
                 (unsigned long long)(v->base + v->op_at));
}

pk_obj *pkvm_newobj(vm *v, pk_type t)
{
    pk_ctx *c = v->c;
    if (c->nobjs >= PK_MAX_OBJECTS) {
        pkvm_fail(v, "more than %d objects", PK_MAX_OBJECTS);
        return NULL;
    }
    if (c->nobjs == c->capobjs) {
        c->capobjs = c->capobjs ? 2 * c->capobjs : 256;
        c->objs = util_realloc(c->objs, c->capobjs * sizeof *c->objs);
    }
    pk_obj *o = util_calloc(1, sizeof *o);
    o->type = t;
    c->objs[c->nobjs++] = o;
    return o;
}

void pkvm_additem(pk_obj *o, pk_obj *x)
{
    if (o->n == o->cap) {
        o->cap = o->cap ? 2 * o->cap : 4;
        o->items = util_realloc(o->items, o->cap * sizeof *o->items);
    }
    o->items[o->n++] = x;
}

void pkvm_addpair(pk_obj *d, pk_obj *k, pk_obj *x)
{
    if (2 * d->n + 2 > d->cap) {
        d->cap = d->cap ? 2 * d->cap : 8;
        d->items = util_realloc(d->items, d->cap * sizeof *d->items);
    }
    d->items[2 * d->n] = k;
    d->items[2 * d->n + 1] = x;
    d->n++;
}

int pkvm_push(vm *v, pk_obj *o)
{
    if (!o)
        return -1;
    if (v->sp == v->scap) {
        v->scap = v->scap ? 2 * v->scap : 64;
        v->stack = util_realloc(v->stack, v->scap * sizeof *v->stack);
    }
    v->stack[v->sp++] = o;
    return 0;
}

pk_obj *pkvm_pop(vm *v)
{
    size_t floor = v->nmarks ? v->marks[v->nmarks - 1] : 0;
    if (v->sp <= floor) {
        pkvm_fail(v, "stack underflow");
        return NULL;
    }
    return v->stack[--v->sp];
}

pk_obj *pkvm_top(vm *v)
{
    size_t floor = v->nmarks ? v->marks[v->nmarks - 1] : 0;
    if (v->sp <= floor) {
        pkvm_fail(v, "stack underflow");
        return NULL;
    }
    return v->stack[v->sp - 1];
}

/* Pop to the last mark; items are v->stack[*from .. v->sp). */
int pkvm_pop_mark(vm *v, size_t *from)
{
    if (!v->nmarks)
        FAIL("no mark on the stack");
    *from = v->marks[--v->nmarks];
    return 0;
}

/* The object just below a popped mark (the target of APPENDS/SETITEMS). */
pk_obj *pkvm_below_mark(vm *v, size_t from)
{
    size_t floor = v->nmarks ? v->marks[v->nmarks - 1] : 0;
    if (from == 0 || from - 1 < floor) {
        pkvm_fail(v, "stack underflow");
        return NULL;
    }
    return v->stack[from - 1];
}

int pkvm_need(vm *v, size_t n)
{
    if (v->len - v->pos < n) {
        pkvm_fail(v, "truncated: needs %zu more bytes, %zu left", n, v->len - v->pos);
        return -1;
    }
    return 0;
}

uint64_t pkvm_rd_le(const unsigned char *p, int n)
{
    uint64_t x = 0;
    for (int i = n - 1; i >= 0; i--)
        x = (x << 8) | p[i];
    return x;
}

int pkvm_memo_put(vm *v, uint64_t id, pk_obj *o)
{
    v->nputs++;
    if (id > v->nputs + 16)
        FAIL("memo id %llu out of range (%zu entries so far)", (unsigned long long)id, v->nmemo);
    if (id >= v->nmemo) {
        size_t n = (size_t)id + 1;
        v->memo = util_realloc(v->memo, n * sizeof *v->memo);
        for (size_t i = v->nmemo; i < n; i++)
            v->memo[i] = NULL;
        v->nmemo = n;
    }
    v->memo[id] = o;
    return 0;
}

int pkvm_memo_get(vm *v, uint64_t id)
{
    if (id >= v->nmemo || !v->memo[id])
        FAIL("memo id %llu was never stored", (unsigned long long)id);
    return pkvm_push(v, v->memo[id]);
}

pk_obj *pkvm_mkstr(vm *v, pk_type t, const unsigned char *p, size_t n)
{
    pk_obj *o = pkvm_newobj(v, t);
    if (!o)
        return NULL;
    o->s = util_malloc(n + 1);
    memcpy(o->s, p, n);
    o->s[n] = '\0';
    o->slen = n;
    return o;
}

pk_obj *pkvm_mkint(vm *v, int64_t x)
{
    pk_obj *o = pkvm_newobj(v, PK_INT);
    if (o)
        o->i = x;
    return o;
}

/* A signed little-endian two's complement integer of n bytes. */
pk_obj *pkvm_mklong(vm *v, const unsigned char *p, size_t n)
{
    if (n <= 8) {
        uint64_t x = n ? pkvm_rd_le(p, (int)n) : 0;
        if (n && n < 8 && (p[n - 1] & 0x80))
            x |= ~(uint64_t)0 << (8 * n);
        return pkvm_mkint(v, (int64_t)x);
    }
    return pkvm_mkstr(v, PK_BIGINT, p, n);
}

int pkvm_check_global(vm *v, const char *mod, const char *name, pk_obj *o)
{
    o->type = PK_GLOBAL;
    o->s = util_asprintf("%s.%s", mod, name);
    static const struct { const char *mod, *name; int id; } allowed[] = {
        { "collections", "OrderedDict", G_ORDEREDDICT },
        { "torch._utils", "_rebuild_tensor_v2", G_REBUILD_V2 },
        { "torch._utils", "_rebuild_tensor", G_REBUILD },
        { "torch._utils", "_rebuild_parameter", G_PARAM },
        { "torch._utils", "_rebuild_parameter_with_state", G_PARAM_STATE },
        { "torch", "Size", G_SIZE },
        { "_codecs", "encode", G_CODECS_ENCODE },
    };
    for (size_t k = 0; k < sizeof allowed / sizeof allowed[0]; k++)
        if (strcmp(mod, allowed[k].mod) == 0 && strcmp(name, allowed[k].name) == 0) {
            o->i = allowed[k].id;
            return 0;
        }
    if (strcmp(mod, "torch") == 0 || strcmp(mod, "torch.storage") == 0) {
        for (size_t k = 0; k < sizeof storage_types / sizeof storage_types[0]; k++)
            if (strcmp(name, storage_types[k].name) == 0 &&
                (strcmp(mod, "torch") == 0 || strcmp(name, "UntypedStorage") == 0)) {
                o->i = G_STORAGE;
                o->dtype = storage_types[k].t;
                return 0;
            }
        if (strcmp(mod, "torch") == 0)
            for (size_t k = 0; k < sizeof torch_dtypes / sizeof torch_dtypes[0]; k++)
                if (strcmp(name, torch_dtypes[k].name) == 0) {
                    o->type = PK_DTYPE;
                    o->dtype = torch_dtypes[k].t;
                    return 0;
                }
    }
    if (!o->i)
        FAIL("refusing the global '%s.%s': only tensors, storages and plain containers are loaded (as torch.load(weights_only=True) would); nothing was executed",
             mod, name);
    return 0;
}

static int as_u64(vm *v, const pk_obj *o, const char *what, uint64_t *out)
{
    if (!o || (o->type != PK_INT && o->type != PK_BOOL) || o->i < 0)
        FAIL("%s is not a non-negative integer", what);
    *out = (uint64_t)o->i;
    return 0;
}

static int is_seq(const pk_obj *o)
{
    return o && (o->type == PK_TUPLE || o->type == PK_LIST);
}

pk_obj *pkvm_persistent_load(vm *v, pk_obj *pid)
{
    if (!pid || pid->type != PK_TUPLE || pid->n < 5 || pid->items[0]->type != PK_STR ||
        strcmp(pid->items[0]->s, "storage") != 0) {
        pkvm_fail(v, "unsupported persistent id (expected ('storage', type, key, location, numel))");
        return NULL;
    }
    pk_obj *ty = pid->items[1], *key = pid->items[2];
    dtype_id dt;
    const char *tname;
    if (ty->type == PK_GLOBAL && ty->i == G_STORAGE) {
        dt = ty->dtype;
        tname = strrchr(ty->s, '.') + 1;
    } else if (ty->type == PK_DTYPE) {
        dt = ty->dtype;
        tname = dtype_name(dt);
    } else {
        pkvm_fail(v, "the storage type in a persistent id is not a torch storage class");
        return NULL;
    }
    char keybuf[32];
    const char *k;
    if (key->type == PK_STR)
        k = key->s;
    else if (key->type == PK_INT) {
        snprintf(keybuf, sizeof keybuf, "%lld", (long long)key->i);
        k = keybuf;
    } else {
        pkvm_fail(v, "the storage key in a persistent id is not a string");
        return NULL;
    }
    uint64_t numel;
    if (as_u64(v, pid->items[4], "the storage size in a persistent id", &numel) < 0)
        return NULL;
    pk_ctx *c = v->c;
    pk_storage *s = pk_find_storage(c, k);
    if (s) {
        if (s->dtype != dt) {
            pkvm_fail(v, "storage '%s' is used both as %s and %s", k, s->type_name, tname);
            return NULL;
        }
    } else {
        s = util_calloc(1, sizeof *s);
        s->key = util_strdup(k);
        s->type_name = util_strdup(tname);
        s->dtype = dt;
        s->numel = numel;
        s->zip_index = -1;
        add_storage(c, s);
    }
    if (pid->n >= 6 && pid->items[5]->type != PK_NONE) {
        /* Legacy view: (view_key, offset, size) into the root storage. */
        pk_obj *vmd = pid->items[5];
        uint64_t off, sz;
        if (!is_seq(vmd) || vmd->n < 3 ||
            as_u64(v, vmd->items[1], "a storage view offset", &off) < 0 ||
            as_u64(v, vmd->items[2], "a storage view size", &sz) < 0) {
            if (!util_err_isset(v->err))
                pkvm_fail(v, "malformed storage view metadata");
            return NULL;
        }
        pk_storage *w = util_calloc(1, sizeof *w);
        w->key = util_strdup(vmd->items[0]->type == PK_STR ? vmd->items[0]->s : "view");
        w->type_name = util_strdup(tname);
        w->dtype = dt;
        w->numel = sz;
        w->base = s;
        w->base_offset = off;
        w->zip_index = -1;
        add_storage(c, w);
        s = w;
    }
    pk_obj *o = pkvm_newobj(v, PK_STORAGE);
    if (o)
        o->storage = s;
    return o;
}

static pk_obj *rebuild_tensor(vm *v, pk_obj *args)
{
    if (!args || args->type != PK_TUPLE || args->n < 4) {
        pkvm_fail(v, "_rebuild_tensor called with %zu arguments (needs storage, offset, size, stride)",
             args ? args->n : 0);
        return NULL;
    }
    pk_obj *st = args->items[0], *sz = args->items[2], *sd = args->items[3];
    if (st->type != PK_STORAGE) {
        pkvm_fail(v, "a tensor's storage is not a persistent storage");
        return NULL;
    }
    if (!is_seq(sz) || !is_seq(sd) || sz->n != sd->n) {
        pkvm_fail(v, "a tensor's size and stride are not tuples of equal length");
        return NULL;
    }
    if (sz->n > LOADER_MAXDIM) {
        pkvm_fail(v, "a tensor has %zu dimensions (at most %d)", sz->n, LOADER_MAXDIM);
        return NULL;
    }
    pk_tensor *t = util_calloc(1, sizeof *t);
    t->storage = st->storage;
    t->ndim = (int)sz->n;
    int bad = as_u64(v, args->items[1], "a tensor's storage offset", &t->offset) < 0;
    for (int k = 0; !bad && k < t->ndim; k++)
        bad = as_u64(v, sz->items[k], "a tensor's size", &t->size[k]) < 0 ||
              as_u64(v, sd->items[k], "a tensor's stride", &t->stride[k]) < 0;
    pk_obj *o = bad ? NULL : pkvm_newobj(v, PK_TENSOR);
    if (!o) {
        free(t);
        return NULL;
    }
    o->tensor = t;
    return o;
}

pk_obj *pkvm_call(vm *v, pk_obj *fn, pk_obj *args)
{
    if (!fn || fn->type != PK_GLOBAL) {
        pkvm_fail(v, "REDUCE on something that is not an allowed global");
        return NULL;
    }
    if (!args || args->type != PK_TUPLE) {
        pkvm_fail(v, "the arguments of %s are not a tuple", fn->s);
        return NULL;
    }
    switch (fn->i) {
    case G_ORDEREDDICT: {
        pk_obj *d = pkvm_newobj(v, PK_DICT);
        if (d && args->n >= 1 && is_seq(args->items[0]))
            for (size_t k = 0; k < args->items[0]->n; k++) {
                pk_obj *pr = args->items[0]->items[k];
                if (!is_seq(pr) || pr->n != 2) {
                    pkvm_fail(v, "OrderedDict item is not a pair");
                    return NULL;
                }
                pkvm_addpair(d, pr->items[0], pr->items[1]);
            }
        return d;
    }
    case G_REBUILD_V2:
    case G_REBUILD:
        return rebuild_tensor(v, args);
    case G_PARAM:
    case G_PARAM_STATE:
        if (args->n < 1 || args->items[0]->type != PK_TENSOR) {
            pkvm_fail(v, "_rebuild_parameter without a tensor");
            return NULL;
        }
        return args->items[0];
    case G_SIZE:
        if (args->n == 1 && is_seq(args->items[0]))
            return args->items[0];
        if (args->n == 0)
            return pkvm_newobj(v, PK_TUPLE);
        pkvm_fail(v, "torch.Size with unexpected arguments");
        return NULL;
    case G_CODECS_ENCODE: {
        if (args->n < 1 || args->items[0]->type != PK_STR) {
            pkvm_fail(v, "_codecs.encode without a string");
            return NULL;
        }
        /* latin1: each code point (< 256) is one byte. */
        const unsigned char *s = (const unsigned char *)args->items[0]->s;
        size_t n = args->items[0]->slen, m = 0;
        unsigned char *b = util_malloc(n + 1);
        for (size_t k = 0; k < n; k++) {
            if (s[k] < 0x80)
                b[m++] = s[k];
            else if ((s[k] & 0xE0) == 0xC0 && k + 1 < n) {
                b[m++] = (unsigned char)(((s[k] & 0x1F) << 6) | (s[k + 1] & 0x3F));
                k++;
            } else
                b[m++] = '?';
        }
        pk_obj *o = pkvm_mkstr(v, PK_BYTES, b, m);
        free(b);
        return o;
    }
    default:
        pkvm_fail(v, "%s cannot be called", fn->s);
        return NULL;
    }
}

int pkvm_read_line(vm *v, const char **s, size_t *n)
{
    const unsigned char *p = v->buf + v->pos;
    const unsigned char *nl = memchr(p, '\n', v->len - v->pos);
    if (!nl)
        FAIL("truncated: unterminated text argument");
    *s = (const char *)p;
    *n = (size_t)(nl - p);
    v->pos += *n + 1;
    return 0;
}

int pkvm_build_tuple(vm *v, size_t n)
{
    if (v->sp < n + (v->nmarks ? v->marks[v->nmarks - 1] : 0))
        FAIL("stack underflow");
    pk_obj *t = pkvm_newobj(v, PK_TUPLE);
    if (!t)
        return -1;
    for (size_t k = v->sp - n; k < v->sp; k++)
        pkvm_additem(t, v->stack[k]);
    v->sp -= n;
    return pkvm_push(v, t);
}


/* The memo index of PUT / GET (text protocol 0: a decimal line). */
int pkvm_memo_id_text(vm *v, const char *what, uint64_t *id)
{
    const char *s;
    size_t len;
    char tmp[24];
    if (pkvm_read_line(v, &s, &len) < 0)
        return -1;
    if (len == 0 || len >= sizeof tmp)
        FAIL("malformed %s", what);
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    *id = strtoull(tmp, NULL, 10);
    return 0;
}

/* The memo index of BINPUT/LONG_BINPUT, BINGET/LONG_BINGET (w bytes). */
int pkvm_memo_id_bin(vm *v, int w, uint64_t *id)
{
    if (pkvm_need(v, (size_t)w) < 0)
        return -1;
    *id = pkvm_rd_le(v->buf + v->pos, w);
    v->pos += (size_t)w;
    return 0;
}

pk_obj *pk_run(pk_ctx *c, const unsigned char *buf, size_t len, uint64_t base_offset,
               const char *what, size_t *used, util_err *err)
{
    vm v = { 0 };
    v.c = c;
    v.buf = buf;
    v.len = len;
    v.base = base_offset;
    v.what = what;
    v.err = err;
    int done = 0;
    pk_obj *res = NULL;
    while (!done)
        if (pkvm_step(&v, &done) < 0)
            goto out;
    if (v.sp != 1 || v.nmarks) {
        v.op_at = v.pos - 1;
        pkvm_fail(&v, "STOP with %zu values on the stack (expected 1)", v.sp);
        goto out;
    }
    res = v.stack[0];
    if (used)
        *used = v.pos;
out:
    free(v.stack);
    free(v.marks);
    free(v.memo);
    return res;
}

char *pk_scalar_str(const pk_obj *o)
{
    char b[64];
    switch (o->type) {
    case PK_NONE:
        return util_strdup("None");
    case PK_BOOL:
        return util_strdup(o->i ? "True" : "False");
    case PK_INT:
        return util_asprintf("%lld", (long long)o->i);
    case PK_BIGINT:
        return util_asprintf("(a %zu-byte integer)", o->slen);
    case PK_FLOAT:
        return util_strdup(util_fmt_exact(b, sizeof b, o->d));
    case PK_STR:
        return util_asprintf("'%.*s'", (int)(o->slen > 200 ? 200 : o->slen), o->s);
    case PK_BYTES:
        return util_asprintf("(%zu bytes)", o->slen);
    case PK_DTYPE:
        return util_asprintf("torch.%s", dtype_name(o->dtype));
    default:
        return NULL;
    }
}
