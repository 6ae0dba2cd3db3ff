/*
 * pickle_vm.h - inside io/: the state of the safe pickle machine
 * (pickle.h) and the primitives its opcode handlers (pickle_ops.c) are
 * written with. pickle.c holds the primitives, the torch globals it calls
 * and the run loop; pickle_ops.c one handler per opcode, in a table.
 */
#ifndef APOTVIEW_PICKLE_VM_H
#define APOTVIEW_PICKLE_VM_H

#include <stddef.h>
#include <stdint.h>

#include "io/pickle.h"

typedef struct vm {
    pk_ctx *c;
    const unsigned char *buf;
    size_t len, pos;
    uint64_t base;
    const char *what;
    util_err *err;
    pk_obj **stack;
    size_t sp, scap;
    size_t *marks;
    size_t nmarks, mcap;
    pk_obj **memo;
    size_t nmemo;
    size_t nputs;
    size_t op_at;          /* offset of the current opcode */
} vm;

/* The error, naming the pickle and the opcode's offset; then return -1. */
void pkvm_fail(vm *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define FAIL(...) do { pkvm_fail(v, __VA_ARGS__); return -1; } while (0)

/* Objects (NULL with the error set past PK_MAX_OBJECTS). */
pk_obj *pkvm_newobj(vm *v, pk_type t);
void pkvm_additem(pk_obj *o, pk_obj *x);
void pkvm_addpair(pk_obj *d, pk_obj *k, pk_obj *x);
pk_obj *pkvm_mkstr(vm *v, pk_type t, const unsigned char *p, size_t n);
pk_obj *pkvm_mkint(vm *v, int64_t x);
pk_obj *pkvm_mklong(vm *v, const unsigned char *p, size_t n);

/* The stack: push of NULL fails (the error is already set); pop and top
 * never reach below the last mark. */
int pkvm_push(vm *v, pk_obj *o);
pk_obj *pkvm_pop(vm *v);
pk_obj *pkvm_top(vm *v);
int pkvm_pop_mark(vm *v, size_t *from);
pk_obj *pkvm_below_mark(vm *v, size_t from);
int pkvm_build_tuple(vm *v, size_t n);

/* The input: n more bytes there, little-endian integers, text lines. */
int pkvm_need(vm *v, size_t n);
uint64_t pkvm_rd_le(const unsigned char *p, int n);
int pkvm_read_line(vm *v, const char **s, size_t *n);

/* The memo. */
int pkvm_memo_put(vm *v, uint64_t id, pk_obj *o);
int pkvm_memo_get(vm *v, uint64_t id);
int pkvm_memo_id_text(vm *v, const char *what, uint64_t *id);
int pkvm_memo_id_bin(vm *v, int w, uint64_t *id);

/* The few globals a checkpoint may name, and calling them. */
int pkvm_check_global(vm *v, const char *mod, const char *name, pk_obj *o);
pk_obj *pkvm_persistent_load(vm *v, pk_obj *pid);
pk_obj *pkvm_call(vm *v, pk_obj *fn, pk_obj *args);

/* Run one opcode (pickle_ops.c); *done at STOP. */
int pkvm_step(vm *v, int *done);

#endif
