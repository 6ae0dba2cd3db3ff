/*
 * jarena.c - see jarena.h. jansson's allocator hooks are process-wide
 * (json_set_alloc_funcs); they are installed once and consult a
 * thread-local pointer: no arena -> malloc/free.
 */
#include "core/jarena.h"

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

typedef struct jblock {
    struct jblock *next;
    size_t size, used;       /* bytes of data[] */
    size_t maplen;           /* bytes mapped (the block is one mapping) */
    _Alignas(16) unsigned char data[];
} jblock;

struct jarena {
    jblock *head;            /* current block first */
};

static _Thread_local jarena *tl_arena;
static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

static int owns(const jarena *a, const void *p)
{
    const unsigned char *q = p;
    for (const jblock *b = a->head; b; b = b->next)
        if (q >= b->data && q < b->data + b->size)
            return 1;
    return 0;
}

/* A block is its own mapping, in 2 MiB units with transparent huge pages
 * asked for: the nodes of a 20 MB header fill ~250 MB, and faulting that
 * in 4 KiB pages cost a sixth of --list's time. */
#define JBLOCK_UNIT ((size_t)2 << 20)

static jblock *block_new(size_t size)
{
    size_t len = sizeof(jblock) + size;
    if (len < size)
        return NULL;
    len = (len + JBLOCK_UNIT - 1) / JBLOCK_UNIT * JBLOCK_UNIT;
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, len, MADV_HUGEPAGE);
#endif
    jblock *b = p;
    b->next = NULL;
    b->maplen = len;
    b->size = len - sizeof(jblock);
    b->used = 0;
    return b;
}

static void *arena_malloc(size_t n)
{
    jarena *a = tl_arena;
    if (!a)
        return malloc(n);
    size_t need = (n + 15) & ~(size_t)15;
    if (need < n)
        return NULL;
    jblock *b = a->head;
    if (b->size - b->used < need) {
        /* geometric: each block at least twice the last, so a handful of
         * blocks serve any header (and owns() walks a short list) */
        size_t sz = b->size * 2;
        if (sz < need)
            sz = need;
        jblock *nb = block_new(sz);
        if (!nb)
            return NULL;
        nb->next = b;
        a->head = nb;
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += need;
    return p;
}

static void arena_free(void *p)
{
    jarena *a = tl_arena;
    if (!p)
        return;
    if (a && owns(a, p))
        return; /* released with the arena */
    free(p);
}

static void install_hooks(void)
{
    json_set_alloc_funcs(arena_malloc, arena_free);
}

jarena *jarena_begin(size_t hint)
{
    pthread_once(&hooks_once, install_hooks);
    if (tl_arena)
        return NULL; /* no nesting: the caller falls back to json_decref */
    jarena *a = malloc(sizeof *a);
    if (!a)
        return NULL;
    /* jansson's nodes take about 8-10x the text's bytes (a 24 MB
     * safetensors header of 200,000 entries: 210 MB) */
    size_t first = hint > (SIZE_MAX / 16) ? hint : hint * 8;
    a->head = block_new(first);
    if (!a->head) {
        free(a);
        return NULL;
    }
    tl_arena = a;
    return a;
}

int jarena_on(const jarena *a)
{
    return a != NULL;
}

void jarena_end(jarena *a)
{
    if (!a)
        return;
    if (tl_arena == a)
        tl_arena = NULL;

    for (jblock *b = a->head, *nx; b; b = nx) {
        nx = b->next;
        munmap(b, b->maplen);
    }
    free(a);
}
