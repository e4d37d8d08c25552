/* mbtiles.h: an MBTiles 1.3 writer (a SQLite file) that knows nothing of
 * the store. Tiles arrive with XYZ rows (y = 0 at the north) and are stored
 * with TMS rows (tile_row = 2^z - 1 - y, y = 0 at the south) as the spec
 * says. Everything is one transaction, committed by finish; the unique
 * tile index is built at the end, which is faster than keeping it while
 * inserting. Metadata rows are name/value text (bounds, center, minzoom,
 * maxzoom, format, json with vector_layers...). */
#ifndef CIM_MBTILES_H
#define CIM_MBTILES_H

#include <stddef.h>
#include <stdint.h>

typedef struct mbtiles_writer mbtiles_writer;

/* Creates path (which must not exist). NULL on failure, with the reason
 * in err. */
mbtiles_writer *mbtiles_writer_open(const char *path, char *err, size_t err_len);
/* Opens an existing MBTiles file (one this writer made) to patch it, in
 * one transaction: put replaces a tile, meta a metadata value, delete
 * removes a tile; finish commits. */
mbtiles_writer *mbtiles_writer_reopen(const char *path, char *err, size_t err_len);
int mbtiles_writer_delete(mbtiles_writer *w, uint8_t z, uint32_t x, uint32_t y);
/* 0, or -1 with a message in mbtiles_writer_error. */
int mbtiles_writer_put(mbtiles_writer *w, uint8_t z, uint32_t x, uint32_t y, const uint8_t *data, size_t len);
int mbtiles_writer_meta(mbtiles_writer *w, const char *name, const char *value);
int mbtiles_writer_finish(mbtiles_writer *w);
/* Closes (rolling back if finish did not succeed; the caller removes the file). */
void mbtiles_writer_free(mbtiles_writer *w);
const char *mbtiles_writer_error(const mbtiles_writer *w);

/* The TMS row of an XYZ row. */
static inline uint32_t mbtiles_tms_row(uint8_t z, uint32_t y)
{
    return (uint32_t)((1ull << z) - 1 - y);
}

#endif
