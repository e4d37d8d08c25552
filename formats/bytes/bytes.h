/* bytes.h: the growable byte buffer, varints and gzip that the tile codecs
 * (formats/mvt, formats/pmtiles) share. Knows nothing of the store. */
#ifndef CIM_BYTES_H
#define CIM_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct cim_bytes {
    uint8_t *data;
    size_t len, cap;
} cim_bytes;

/* Room for n more bytes: 0, or -1 when out of memory. */
static inline int cim_bytes_reserve(cim_bytes *b, size_t n)
{
    if (b->len + n <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n)
        cap *= 2;
    uint8_t *d = (uint8_t *)realloc(b->data, cap);
    if (!d)
        return -1;
    b->data = d;
    b->cap = cap;
    return 0;
}

/* A protobuf varint; the caller reserved room (at most 10 bytes). */
static inline void cim_bytes_varint(cim_bytes *b, uint64_t v)
{
    while (v >= 0x80) {
        b->data[b->len++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b->data[b->len++] = (uint8_t)v;
}

void cim_bytes_free(cim_bytes *b);

/* gzip (RFC 1952) of in, replacing out's contents; level as zlib's. 0 or -1. */
int cim_bytes_gzip(cim_bytes *out, const uint8_t *in, size_t len, int level);

#endif
