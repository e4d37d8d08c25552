/* pmtiles.h: a PMTiles v3 archive writer that knows nothing of the store.
 *
 * Tiles must be put in increasing tile id order (zoom by zoom, each zoom
 * along its Hilbert curve: pmtiles_tile_id), so the archive is "clustered":
 * tile data lies in tile id order and a reader fetching neighbours reads
 * adjacent bytes. A tile identical to the one put just before it joins that
 * entry's run (run_length) instead of being stored twice. Tile data goes to
 * a side file (<path>.data) while tiles arrive, so memory holds only the
 * directory entries (24 bytes a tile); finish writes the header, the root
 * directory, the metadata, the leaf directories, then copies the tile data.
 * Directories and metadata are gzip-compressed. */
#ifndef CIM_PMTILES_H
#define CIM_PMTILES_H

#include <stddef.h>
#include <stdint.h>

enum { PMTILES_HEADER_SIZE = 127, PMTILES_ROOT_MAX = 16384 - 127 };
enum { PMTILES_COMPRESSION_NONE = 1, PMTILES_COMPRESSION_GZIP = 2 };
enum { PMTILES_TYPE_MVT = 1 };

/* The Hilbert tile id: all tiles of lower zooms come first. */
uint64_t pmtiles_tile_id(uint8_t z, uint32_t x, uint32_t y);

typedef struct pmtiles_info {
    uint8_t tile_type, tile_compression;
    uint8_t min_zoom, max_zoom, center_zoom;
    double bounds[4];  /* min lon, min lat, max lon, max lat (degrees) */
    double center[2];  /* lon, lat */
} pmtiles_info;

typedef struct pmtiles_writer pmtiles_writer;
/* Opens path (created or truncated) and its side file. NULL with errno set. */
pmtiles_writer *pmtiles_writer_open(const char *path);
/* Adds a tile's bytes (as stored: already compressed). 0, or -1 with a
 * message in pmtiles_writer_error (out of order, I/O). */
int pmtiles_writer_put(pmtiles_writer *w, uint8_t z, uint32_t x, uint32_t y, const uint8_t *data, size_t len);
/* Writes the archive; metadata is the JSON text. 0 or -1. */
int pmtiles_writer_finish(pmtiles_writer *w, const pmtiles_info *info, const char *metadata, size_t metadata_len);
/* Closes; removes the side file (and, if finish did not succeed, the archive). */
void pmtiles_writer_free(pmtiles_writer *w);
const char *pmtiles_writer_error(const pmtiles_writer *w);
/* Counts so far: directory entries and tiles addressed (runs counted out). */
uint64_t pmtiles_writer_entries(const pmtiles_writer *w);
uint64_t pmtiles_writer_addressed(const pmtiles_writer *w);
/* pmtiles_writer_put by tile id. */
int pmtiles_writer_put_id(pmtiles_writer *w, uint64_t id, const uint8_t *data, size_t len);

/* Reading an archive back (pmtiles_reader.c): every tile entry, leaves
 * followed, in tile id order; the metadata JSON; a tile's stored bytes. */
typedef struct pmtiles_entry {
    uint64_t tile_id, offset; /* offset: in the tile data section */
    uint32_t length, run_length;
} pmtiles_entry;
typedef struct pmtiles_reader pmtiles_reader;
/* NULL when path is no PMTiles v3 archive or is broken. */
pmtiles_reader *pmtiles_reader_open(const char *path);
const pmtiles_entry *pmtiles_reader_entries(const pmtiles_reader *r, size_t *n);
/* malloc'd, NUL-terminated; NULL on failure. */
char *pmtiles_reader_metadata(pmtiles_reader *r);
/* The entry's bytes into *data (malloc'd). 0 or -1. */
int pmtiles_reader_tile(pmtiles_reader *r, const pmtiles_entry *e, uint8_t **data);
void pmtiles_reader_free(pmtiles_reader *r);

#endif
