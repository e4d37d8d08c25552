/* tiles_spool.c: tiles of one zoom held in a file until the zooms before
 * it are written. A group of zooms is built block by block, so its later
 * zooms' tiles come out interleaved with the first's, each zoom in tile id
 * order; PMTiles (and the patch of one) wants all of a zoom before the next.
 * The file sits beside the output, unlinked at once, so it goes with the
 * process and never fills a memory-backed /tmp. */
#define _POSIX_C_SOURCE 200809L /* ftruncate, fileno */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error_int.h"
#include "tiles_int.h"

struct tl_spool {
    FILE *f;
    char *name;
};

static int io_error(const tl_spool *s, const char *what)
{
    return cim_error_set(CIM_EIO, CIM_ERRCLASS_IO, "%s the tile spool '%s': %s", what, s->name, strerror(errno));
}

int tl_spool_open(tl_spool **out, const char *path)
{
    *out = NULL;
    tl_spool *s = calloc(1, sizeof *s);
    size_t n = strlen(path) + 48;
    if (!s || !(s->name = malloc(n))) {
        free(s);
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    }
    snprintf(s->name, n, "%s.spool-%ld", path, (long)getpid());
    if (!(s->f = fopen(s->name, "w+b"))) {
        int rc = io_error(s, "cannot create");
        tl_spool_free(s);
        return rc;
    }
    unlink(s->name);
    *out = s;
    return 0;
}

int tl_spool_put(tl_spool *s, uint32_t x, uint32_t y, const uint8_t *data, size_t len)
{
    uint32_t h[3] = {x, y, (uint32_t)len};
    if (len > UINT32_MAX || fwrite(h, sizeof h, 1, s->f) != 1 || fwrite(data, 1, len, s->f) != len)
        return io_error(s, "cannot write");
    return 0;
}

int tl_spool_replay(tl_spool *s, tl_sink *sink, int z)
{
    if (fflush(s->f) || fseek(s->f, 0, SEEK_SET))
        return io_error(s, "cannot read");
    uint8_t *buf = NULL;
    size_t cap = 0;
    uint32_t h[3];
    int rc = 0;
    while (!rc && fread(h, sizeof h, 1, s->f) == 1) {
        if (h[2] > cap) {
            uint8_t *b = realloc(buf, h[2]);
            if (!b) {
                rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
                break;
            }
            buf = b;
            cap = h[2];
        }
        if (fread(buf, 1, h[2], s->f) != h[2])
            rc = io_error(s, "cannot read");
        else
            rc = tl_sink_put(sink, z, h[0], h[1], buf, h[2]);
    }
    if (!rc && ferror(s->f))
        rc = io_error(s, "cannot read");
    free(buf);
    if (!rc && (fseek(s->f, 0, SEEK_SET) || ftruncate(fileno(s->f), 0)))
        rc = io_error(s, "cannot empty");
    return rc;
}

void tl_spool_free(tl_spool *s)
{
    if (!s)
        return;
    if (s->f)
        fclose(s->f);
    free(s->name);
    free(s);
}
