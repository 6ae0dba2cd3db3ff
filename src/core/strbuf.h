/*
 * strbuf.h - a growable string: appended to with sbuf_puts/sbuf_printf,
 * always NUL-terminated once anything was appended (s is NULL before).
 * Allocation failure ends the process (util_realloc).
 *
 * Ownership: the sbuf owns s; sbuf_free releases it and empties the sbuf.
 */
#ifndef APOTVIEW_CORE_STRBUF_H
#define APOTVIEW_CORE_STRBUF_H

#include <stddef.h>

typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf;

void sbuf_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_puts(sbuf *b, const char *s);
void sbuf_free(sbuf *b);

#endif
