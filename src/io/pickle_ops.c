/*
 * pickle_ops.c - one handler per pickle opcode, in a table indexed by the
 * opcode byte (pickle_vm.h). An opcode without a handler is refused as
 * unknown; those that build arbitrary objects or need what torch.save
 * never writes are refused by name.
 */
#include "config.h"
#include "io/pickle_vm.h"

#include <stdlib.h>
#include <string.h>

typedef int (*op_fn)(vm *v, unsigned op, int *done);

/* the bytes of a length-prefixed argument: w bytes of length, then it */
static int counted(vm *v, int w, const unsigned char **p, uint64_t *n)
{
    if (pkvm_need(v, (size_t)w) < 0)
        return -1;
    *n = pkvm_rd_le(v->buf + v->pos, w);
    v->pos += (size_t)w;
    if (pkvm_need(v, *n) < 0)
        return -1;
    *p = v->buf + v->pos;
    v->pos += (size_t)*n;
    return 0;
}

/* ---- framing and marks ---------------------------------------------------- */

static int op_proto(vm *v, unsigned op, int *done)
{
    (void)op, (void)done;
    if (pkvm_need(v, 1) < 0)
        return -1;
    if (v->buf[v->pos] > 5)
        FAIL("unsupported pickle protocol %d", v->buf[v->pos]);
    v->pos++;
    return 0;
}

static int op_frame(vm *v, unsigned op, int *done)
{
    (void)op, (void)done;
    if (pkvm_need(v, 8) < 0)
        return -1;
    v->pos += 8;
    return 0;
}

static int op_stop(vm *v, unsigned op, int *done)
{
    (void)v, (void)op;
    *done = 1;
    return 0;
}

static int op_mark(vm *v, unsigned op, int *done)
{
    (void)op, (void)done;
    if (v->nmarks == v->mcap) {
        v->mcap = v->mcap ? 2 * v->mcap : 16;
        v->marks = util_realloc(v->marks, v->mcap * sizeof *v->marks);
    }
    v->marks[v->nmarks++] = v->sp;
    return 0;
}

static int op_pop(vm *v, unsigned op, int *done)
{
    (void)op, (void)done;
    if (v->nmarks && v->marks[v->nmarks - 1] == v->sp) {
        v->nmarks--; /* POP of a bare mark */
        return 0;
    }
    return pkvm_pop(v) ? 0 : -1;
}

static int op_pop_mark(vm *v, unsigned op, int *done)
{
    size_t from;
    (void)op, (void)done;
    if (pkvm_pop_mark(v, &from) < 0)
        return -1;
    v->sp = from;
    return 0;
}

static int op_dup(vm *v, unsigned op, int *done)
{
    (void)op, (void)done;
    pk_obj *o = pkvm_top(v);
    return o ? pkvm_push(v, o) : -1;
}

/* ---- scalars -------------------------------------------------------------- */

static int op_none(vm *v, unsigned op, int *done)
{
    (void)op, (void)done;
    return pkvm_push(v, pkvm_newobj(v, PK_NONE));
}

static int op_bool(vm *v, unsigned op, int *done) /* NEWTRUE, NEWFALSE */
{
    (void)done;
    pk_obj *o = pkvm_newobj(v, PK_BOOL);
    if (o)
        o->i = op == 0x88;
    return pkvm_push(v, o);
}

static int op_binint(vm *v, unsigned op, int *done) /* BININT, BININT1, BININT2 */
{
    (void)done;
    int w = op == 'J' ? 4 : op == 'K' ? 1 : 2;
    if (pkvm_need(v, (size_t)w) < 0)
        return -1;
    uint64_t u = pkvm_rd_le(v->buf + v->pos, w);
    v->pos += (size_t)w;
    return pkvm_push(v, pkvm_mkint(v, w == 4 ? (int64_t)(int32_t)(uint32_t)u : (int64_t)u));
}

static int op_long_bin(vm *v, unsigned op, int *done) /* LONG1, LONG4 */
{
    const unsigned char *p;
    uint64_t n;
    (void)done;
    if (counted(v, op == 0x8a ? 1 : 4, &p, &n) < 0)
        return -1;
    return pkvm_push(v, pkvm_mklong(v, p, (size_t)n));
}

static int op_int_text(vm *v, unsigned op, int *done) /* INT, LONG (text) */
{
    const char *s;
    size_t len;
    pk_obj *o;
    (void)done;
    if (pkvm_read_line(v, &s, &len) < 0)
        return -1;
    char tmp[32];
    if (len == 0 || len >= sizeof tmp)
        FAIL("malformed text integer");
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    if (tmp[len - 1] == 'L')
        tmp[len - 1] = '\0';
    if (op == 'I' && strcmp(tmp, "00") == 0)
        o = pkvm_newobj(v, PK_BOOL);
    else if (op == 'I' && strcmp(tmp, "01") == 0) {
        o = pkvm_newobj(v, PK_BOOL);
        if (o)
            o->i = 1;
    } else {
        char *e;
        long long iv = strtoll(tmp, &e, 10);
        if (*e)
            FAIL("malformed text integer");
        o = pkvm_mkint(v, iv);
    }
    return pkvm_push(v, o);
}

static int op_binfloat(vm *v, unsigned op, int *done) /* big-endian */
{
    (void)op, (void)done;
    if (pkvm_need(v, 8) < 0)
        return -1;
    uint64_t b = 0;
    for (int i = 0; i < 8; i++)
        b = (b << 8) | v->buf[v->pos + (size_t)i];
    v->pos += 8;
    pk_obj *o = pkvm_newobj(v, PK_FLOAT);
    if (o)
        memcpy(&o->d, &b, 8);
    return pkvm_push(v, o);
}

static int op_float_text(vm *v, unsigned op, int *done)
{
    const char *s;
    size_t len;
    char tmp[64];
    (void)op, (void)done;
    if (pkvm_read_line(v, &s, &len) < 0)
        return -1;
    if (len >= sizeof tmp)
        FAIL("malformed text float");
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    pk_obj *o = pkvm_newobj(v, PK_FLOAT);
    if (o)
        o->d = strtod(tmp, NULL);
    return pkvm_push(v, o);
}

/* BINUNICODE, SHORT_BINUNICODE, BINUNICODE8, BINSTRING, SHORT_BINSTRING,
 * BINBYTES, SHORT_BINBYTES, BINBYTES8, BYTEARRAY8 */
static int op_binstr(vm *v, unsigned op, int *done)
{
    const unsigned char *p;
    uint64_t n;
    (void)done;
    int w = (op == 0x8c || op == 'U' || op == 'C') ? 1 : (op == 0x8d || op == 0x8e || op == 0x96) ? 8 : 4;
    if (counted(v, w, &p, &n) < 0)
        return -1;
    pk_type t = (op == 'B' || op == 'C' || op == 0x8e || op == 0x96) ? PK_BYTES : PK_STR;
    return pkvm_push(v, pkvm_mkstr(v, t, p, (size_t)n));
}

static int op_str_text(vm *v, unsigned op, int *done) /* UNICODE, STRING (text) */
{
    const char *s;
    size_t len;
    (void)done;
    if (pkvm_read_line(v, &s, &len) < 0)
        return -1;
    if (op == 'S' && len >= 2 && (s[0] == '\'' || s[0] == '"')) {
        s++;
        len -= 2;
    }
    return pkvm_push(v, pkvm_mkstr(v, PK_STR, (const unsigned char *)s, len));
}

/* ---- containers ----------------------------------------------------------- */

static int op_empty(vm *v, unsigned op, int *done) /* EMPTY_TUPLE/LIST/DICT/SET */
{
    (void)done;
    pk_type t = op == ')' ? PK_TUPLE : op == ']' ? PK_LIST : op == '}' ? PK_DICT : PK_SET;
    return pkvm_push(v, pkvm_newobj(v, t));
}

static int op_tupleN(vm *v, unsigned op, int *done) /* TUPLE1, TUPLE2, TUPLE3 */
{
    (void)done;
    return pkvm_build_tuple(v, op - 0x84);
}

static int op_seq_mark(vm *v, unsigned op, int *done) /* TUPLE, LIST, FROZENSET */
{
    size_t from;
    (void)done;
    if (pkvm_pop_mark(v, &from) < 0)
        return -1;
    pk_obj *o = pkvm_newobj(v, op == 't' ? PK_TUPLE : op == 'l' ? PK_LIST : PK_SET);
    if (!o)
        return -1;
    for (size_t i = from; i < v->sp; i++)
        pkvm_additem(o, v->stack[i]);
    v->sp = from;
    return pkvm_push(v, o);
}

static int op_dict(vm *v, unsigned op, int *done)
{
    size_t from;
    (void)op, (void)done;
    if (pkvm_pop_mark(v, &from) < 0)
        return -1;
    if ((v->sp - from) % 2)
        FAIL("odd number of items for a dict");
    pk_obj *o = pkvm_newobj(v, PK_DICT);
    if (!o)
        return -1;
    for (size_t i = from; i < v->sp; i += 2)
        pkvm_addpair(o, v->stack[i], v->stack[i + 1]);
    v->sp = from;
    return pkvm_push(v, o);
}

static int op_append(vm *v, unsigned op, int *done)
{
    (void)op, (void)done;
    pk_obj *x = pkvm_pop(v), *o = x ? pkvm_top(v) : NULL;
    if (!o)
        return -1;
    if (o->type != PK_LIST)
        FAIL("APPEND to something that is not a list");
    pkvm_additem(o, x);
    return 0;
}

static int op_appends(vm *v, unsigned op, int *done) /* APPENDS, ADDITEMS */
{
    size_t from;
    pk_obj *o;
    (void)done;
    if (pkvm_pop_mark(v, &from) < 0)
        return -1;
    if (!(o = pkvm_below_mark(v, from)))
        return -1;
    if (o->type != (op == 'e' ? PK_LIST : PK_SET))
        FAIL("APPENDS to something that is not a list");
    for (size_t i = from; i < v->sp; i++)
        pkvm_additem(o, v->stack[i]);
    v->sp = from;
    return 0;
}

static int op_setitem(vm *v, unsigned op, int *done)
{
    (void)op, (void)done;
    pk_obj *x = pkvm_pop(v), *k = x ? pkvm_pop(v) : NULL, *o = k ? pkvm_top(v) : NULL;
    if (!o)
        return -1;
    if (o->type != PK_DICT)
        FAIL("SETITEM on something that is not a dict");
    pkvm_addpair(o, k, x);
    return 0;
}

static int op_setitems(vm *v, unsigned op, int *done)
{
    size_t from;
    pk_obj *o;
    (void)op, (void)done;
    if (pkvm_pop_mark(v, &from) < 0)
        return -1;
    if (!(o = pkvm_below_mark(v, from)))
        return -1;
    if (o->type != PK_DICT)
        FAIL("SETITEMS on something that is not a dict");
    if ((v->sp - from) % 2)
        FAIL("odd number of items for SETITEMS");
    for (size_t i = from; i < v->sp; i += 2)
        pkvm_addpair(o, v->stack[i], v->stack[i + 1]);
    v->sp = from;
    return 0;
}

/* ---- the memo ------------------------------------------------------------- */

static int op_put(vm *v, unsigned op, int *done) /* BINPUT, LONG_BINPUT, PUT, MEMOIZE */
{
    uint64_t id;
    (void)done;
    if (op == 'p') {
        if (pkvm_memo_id_text(v, "PUT", &id) < 0)
            return -1;
    } else if (op == 'q' || op == 'r') {
        if (pkvm_memo_id_bin(v, op == 'q' ? 1 : 4, &id) < 0)
            return -1;
    } else
        id = v->nputs;
    pk_obj *o = pkvm_top(v);
    return o ? pkvm_memo_put(v, id, o) : -1;
}

static int op_get(vm *v, unsigned op, int *done) /* BINGET, LONG_BINGET, GET */
{
    uint64_t id;
    (void)done;
    if (op == 'g' ? pkvm_memo_id_text(v, "GET", &id) : pkvm_memo_id_bin(v, op == 'h' ? 1 : 4, &id))
        return -1;
    return pkvm_memo_get(v, id);
}

/* ---- globals and calls ---------------------------------------------------- */

static int op_global(vm *v, unsigned op, int *done) /* GLOBAL module\nname\n */
{
    const char *m, *s;
    size_t ml, sl;
    (void)op, (void)done;
    if (pkvm_read_line(v, &m, &ml) < 0 || pkvm_read_line(v, &s, &sl) < 0)
        return -1;
    char *mod = util_strndup(m, ml), *name = util_strndup(s, sl);
    pk_obj *o = pkvm_newobj(v, PK_GLOBAL);
    int rc = o ? pkvm_check_global(v, mod, name, o) : -1;
    free(mod);
    free(name);
    return rc < 0 ? -1 : pkvm_push(v, o);
}

static int op_stack_global(vm *v, unsigned op, int *done)
{
    (void)op, (void)done;
    pk_obj *nm = pkvm_pop(v), *md = nm ? pkvm_pop(v) : NULL;
    if (!md)
        return -1;
    if (nm->type != PK_STR || md->type != PK_STR)
        FAIL("STACK_GLOBAL with non-string names");
    pk_obj *o = pkvm_newobj(v, PK_GLOBAL);
    if (!o || pkvm_check_global(v, md->s, nm->s, o) < 0)
        return -1;
    return pkvm_push(v, o);
}

static int op_reduce(vm *v, unsigned op, int *done) /* REDUCE, NEWOBJ */
{
    (void)op, (void)done;
    pk_obj *args = pkvm_pop(v), *fn = args ? pkvm_pop(v) : NULL;
    if (!fn)
        return -1;
    return pkvm_push(v, pkvm_call(v, fn, args));
}

static int op_newobj_ex(vm *v, unsigned op, int *done)
{
    (void)op, (void)done;
    pk_obj *kw = pkvm_pop(v), *args = kw ? pkvm_pop(v) : NULL, *fn = args ? pkvm_pop(v) : NULL;
    if (!fn)
        return -1;
    return pkvm_push(v, pkvm_call(v, fn, args));
}

static int op_build(vm *v, unsigned op, int *done) /* state ignored (OrderedDict's _metadata, ...) */
{
    (void)op, (void)done;
    pk_obj *x = pkvm_pop(v);
    if (!x || !pkvm_top(v))
        return -1;
    return 0;
}

static int op_binpersid(vm *v, unsigned op, int *done)
{
    (void)op, (void)done;
    pk_obj *x = pkvm_pop(v);
    if (!x)
        return -1;
    return pkvm_push(v, pkvm_persistent_load(v, x));
}

/* ---- refused -------------------------------------------------------------- */

static int op_refused(vm *v, unsigned op, int *done)
{
    (void)done;
    switch (op) {
    case 'P':
        FAIL("text persistent ids are not used by torch.save; refusing");
    case 'i':
    case 'o':
        FAIL("INST/OBJ opcodes build arbitrary objects; refusing");
    case 0x97:
    case 0x98:
        FAIL("out-of-band buffers (protocol 5) are not used by torch.save; refusing");
    default:
        FAIL("extension-registry opcodes (EXT1/2/4) are not allowed");
    }
}

static const op_fn ops[256] = {
    [0x80] = op_proto, [0x95] = op_frame, ['.'] = op_stop, ['('] = op_mark,
    ['0'] = op_pop, ['1'] = op_pop_mark, ['2'] = op_dup,
    ['N'] = op_none, [0x88] = op_bool, [0x89] = op_bool,
    ['J'] = op_binint, ['K'] = op_binint, ['M'] = op_binint,
    [0x8a] = op_long_bin, [0x8b] = op_long_bin, ['I'] = op_int_text, ['L'] = op_int_text,
    ['G'] = op_binfloat, ['F'] = op_float_text,
    ['X'] = op_binstr, [0x8c] = op_binstr, [0x8d] = op_binstr, ['T'] = op_binstr,
    ['U'] = op_binstr, ['B'] = op_binstr, ['C'] = op_binstr, [0x8e] = op_binstr,
    [0x96] = op_binstr, ['V'] = op_str_text, ['S'] = op_str_text,
    [')'] = op_empty, [']'] = op_empty, ['}'] = op_empty, [0x8f] = op_empty,
    [0x85] = op_tupleN, [0x86] = op_tupleN, [0x87] = op_tupleN,
    ['t'] = op_seq_mark, ['l'] = op_seq_mark, [0x91] = op_seq_mark, ['d'] = op_dict,
    ['a'] = op_append, ['e'] = op_appends, [0x90] = op_appends,
    ['s'] = op_setitem, ['u'] = op_setitems,
    ['q'] = op_put, ['r'] = op_put, ['p'] = op_put, [0x94] = op_put,
    ['h'] = op_get, ['j'] = op_get, ['g'] = op_get,
    ['c'] = op_global, [0x93] = op_stack_global,
    ['R'] = op_reduce, [0x81] = op_reduce, [0x92] = op_newobj_ex,
    ['b'] = op_build, ['Q'] = op_binpersid,
    ['P'] = op_refused, ['i'] = op_refused, ['o'] = op_refused,
    [0x82] = op_refused, [0x83] = op_refused, [0x84] = op_refused,
    [0x97] = op_refused, [0x98] = op_refused,
};

int pkvm_step(vm *v, int *done)
{
    if (pkvm_need(v, 1) < 0)
        return -1;
    v->op_at = v->pos;
    unsigned op = v->buf[v->pos++];
    if (!ops[op])
        FAIL("unknown opcode 0x%02x", op);
    return ops[op](v, op, done);
}
