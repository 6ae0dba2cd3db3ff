/*
 * jarena.h - an arena for jansson's allocations while one large JSON text
 * is parsed and read (a safetensors header of 200,000 tensors is 20+ MB:
 * parsed into millions of small jansson nodes, then freed node by node,
 * its glibc malloc/free/consolidate cost as much as the parse itself).
 *
 * Between jarena_begin() and jarena_end() every jansson allocation made by
 * the calling thread is carved from large blocks; jarena_end() releases
 * them all at once. Other threads and code outside the bracket allocate
 * with malloc as before (the allocator is chosen per thread), so the one
 * rule is: every json_t created inside the bracket is dead at
 * jarena_end() (do not json_decref it: the arena frees it; copy out any
 * string you keep). Brackets do not nest.
 */
#ifndef APOTVIEW_JARENA_H
#define APOTVIEW_JARENA_H

#include <stddef.h>

typedef struct jarena jarena;

/* Start routing this thread's jansson allocations into a new arena whose
 * first block is about hint bytes (e.g. the JSON text's length). NULL when
 * no memory (jansson then allocates with malloc as usual; jarena_end(NULL)
 * is a no-op, and the caller must json_decref as usual: see jarena_on). */
jarena *jarena_begin(size_t hint);

/* 1 when a is a live arena (the values parsed since its begin need no
 * json_decref), 0 for NULL. */
int jarena_on(const jarena *a);

/* Stop routing and free everything allocated in a. */
void jarena_end(jarena *a);

#endif
