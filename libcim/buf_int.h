/* buf_int.h: a growable byte buffer (never installed). */
#ifndef CIM_BUF_INT_H
#define CIM_BUF_INT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct cim_buf {
    uint8_t *data;
    size_t len, cap;
} cim_buf;

/* Makes room for n more bytes; returns 0, or -1 when out of memory. */
static inline int cim_buf_reserve(cim_buf *b, size_t n)
{
    if (b->len + n <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n)
        cap *= 2;
    uint8_t *d = realloc(b->data, cap);
    if (!d)
        return -1;
    b->data = d;
    b->cap = cap;
    return 0;
}

static inline void cim_buf_put(cim_buf *b, const void *p, size_t n)
{
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static inline void cim_buf_free(cim_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

#endif
