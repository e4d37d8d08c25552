/* mvt.h: a Mapbox Vector Tile 2.1 encoder that knows nothing of the store.
 *
 * A tile is a list of layers; a layer holds features plus its key and value
 * tables, each deduplicated as they are added (keys by text, values by their
 * encoded bytes, so 1 as an int and 1.0 as a double stay distinct values).
 * Geometry is built with mvt_geom in tile coordinates (integers, y down, 0..extent
 * plus a buffer): commands with zigzag-encoded deltas from the cursor, which
 * starts at (0,0) for every feature. The caller orients polygon rings: an
 * exterior ring has a positive mvt_ring_area2 (clockwise on screen), an
 * interior ring a negative one; mvt_geom_ring reverses a ring when asked. */
#ifndef CIM_MVT_H
#define CIM_MVT_H

#include <stddef.h>
#include <stdint.h>

#include "bytes.h"

/* The byte buffer of formats/bytes, shared with the PMTiles writer. */
typedef cim_bytes mvt_buf;
static inline void mvt_buf_free(mvt_buf *b)
{
    cim_bytes_free(b);
}

typedef enum { MVT_UNKNOWN = 0, MVT_POINT = 1, MVT_LINESTRING = 2, MVT_POLYGON = 3 } mvt_geom_type;

typedef enum { MVT_STRING = 1, MVT_FLOAT, MVT_DOUBLE, MVT_INT, MVT_UINT, MVT_SINT, MVT_BOOL } mvt_value_type;

/* A typed attribute value; the field numbers of vector_tile.proto's Value. */
typedef struct mvt_value {
    mvt_value_type type;
    const char *s; /* MVT_STRING: UTF-8, s_len bytes */
    size_t s_len;
    double d;      /* MVT_FLOAT, MVT_DOUBLE */
    int64_t i;     /* MVT_INT, MVT_SINT, MVT_BOOL (0/1) */
    uint64_t u;    /* MVT_UINT */
} mvt_value;

enum { MVT_CMD_MOVETO = 1, MVT_CMD_LINETO = 2, MVT_CMD_CLOSEPATH = 7 };

static inline uint32_t mvt_command(uint32_t id, uint32_t count)
{
    return (id & 7u) | (count << 3);
}
static inline uint32_t mvt_zigzag(int32_t n)
{
    return ((uint32_t)n << 1) ^ (uint32_t)(n >> 31);
}

/* The command stream of one feature's geometry. */
typedef struct mvt_geom {
    uint32_t *cmd;
    size_t len, cap;
    int32_t cx, cy;      /* the cursor */
    int32_t *tmp;        /* scratch for ring clean-up */
    size_t tmp_cap;
} mvt_geom;
/* Empties the stream and puts the cursor at (0,0) for a new feature. */
void mvt_geom_reset(mvt_geom *g);
void mvt_geom_free(mvt_geom *g);
/* xy holds n points as x0,y0,x1,y1... Each returns 1 when it wrote
 * commands, 0 when the input was degenerate and nothing was written (a line
 * with fewer than 2 distinct points, a ring with fewer than 3 or zero area),
 * -1 when out of memory. Consecutive repeated points are dropped, since MVT
 * forbids zero-length LineTo; a ring's closing point (equal to the first)
 * is dropped too: ClosePath closes it. */
int mvt_geom_points(mvt_geom *g, const int32_t *xy, size_t n);
int mvt_geom_line(mvt_geom *g, const int32_t *xy, size_t n);
/* reverse: write the ring backwards (to fix its winding). */
int mvt_geom_ring(mvt_geom *g, const int32_t *xy, size_t n, int reverse);
/* Twice the ring's signed area by the surveyor's formula in tile
 * coordinates; positive means an exterior ring in MVT 2.1. The ring may or
 * may not repeat its first point at the end. */
int64_t mvt_ring_area2(const int32_t *xy, size_t n);

typedef struct mvt_layer mvt_layer;
/* A layer named name (copied) with the given extent (4096 is usual). */
mvt_layer *mvt_layer_new(const char *name, uint32_t extent);
void mvt_layer_free(mvt_layer *l);
/* Drops features, keys and values to build the same layer for another tile. */
void mvt_layer_reset(mvt_layer *l);
/* The index of a key / value in this layer's table, adding it if new; -1
 * when out of memory. */
int64_t mvt_layer_key(mvt_layer *l, const char *key, size_t len);
int64_t mvt_layer_value(mvt_layer *l, const mvt_value *v);
/* Adds a feature: id (NULL for none), its type, tags as key/value index
 * pairs (ntags is the number of uint32s, even), and its geometry. Returns 0
 * or -1 when out of memory. */
int mvt_layer_add(mvt_layer *l, const uint64_t *id, mvt_geom_type type, const uint32_t *tags, size_t ntags,
                  const mvt_geom *g);
size_t mvt_layer_feature_count(const mvt_layer *l);
/* Encoded size of the layer message so far (features + tables), for limits. */
size_t mvt_layer_size(const mvt_layer *l);

/* Appends the tile message holding the non-empty layers to out. 0 or -1. */
int mvt_tile_encode(mvt_buf *out, mvt_layer *const *layers, size_t n);

/* gzip (RFC 1952) of in, replacing out's contents; level as zlib's. 0 or -1. */
static inline int mvt_gzip(mvt_buf *out, const uint8_t *in, size_t len, int level)
{
    return cim_bytes_gzip(out, in, len, level);
}

#endif
