/* mvt_gzip.c: gzip framing (zlib's deflate with a gzip header), the
 * compression MBTiles and PMTiles readers expect for vector tiles. */
#include <stdlib.h>
#include <zlib.h>

#include "mvt.h"

void mvt_buf_free(mvt_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int mvt_gzip(mvt_buf *out, const uint8_t *in, size_t len, int level)
{
    z_stream z = {0};
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    size_t need = deflateBound(&z, (uLong)len) + 32;
    if (out->cap < need) {
        uint8_t *d = realloc(out->data, need);
        if (!d) {
            deflateEnd(&z);
            return -1;
        }
        out->data = d;
        out->cap = need;
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
