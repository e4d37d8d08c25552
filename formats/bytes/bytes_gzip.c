/* bytes_gzip.c: gzip framing (zlib's deflate with a gzip header), what
 * MBTiles and PMTiles readers expect for tiles and PMTiles for its
 * directories. */
#include <zlib.h>

#include "bytes.h"

void cim_bytes_free(cim_bytes *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int cim_bytes_gzip(cim_bytes *out, const uint8_t *in, size_t len, int level)
{
    z_stream z = {0};
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    out->len = 0;
    if (cim_bytes_reserve(out, deflateBound(&z, (uLong)len) + 32)) {
        deflateEnd(&z);
        return -1;
    }
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = out->data;
    z.avail_out = (uInt)out->cap;
    int rc = deflate(&z, Z_FINISH);
    out->len = z.total_out;
    deflateEnd(&z);
    return rc == Z_STREAM_END ? 0 : -1;
}
