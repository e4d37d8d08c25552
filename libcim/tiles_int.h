/* tiles_int.h: what the tile builder's parts share (never installed).
 * tiles_read.c loads layers into compact Web Mercator features,
 * tiles_render.c turns one tile's features into MVT bytes under the limits,
 * tiles_sink.c writes tiles to MBTiles / PMTiles / a directory, tiles.c
 * runs it zoom by zoom in the worker pool. */
#ifndef CIM_TILES_INT_H
#define CIM_TILES_INT_H

#include <geos_c.h>
#include <stddef.h>
#include <stdint.h>

#include "buf_int.h"
#include "cim/tiles.h"
#include "mvt.h"

#define TL_EXTENT 4096
#define TL_WORLD 20037508.342789244 /* half the Web Mercator world, metres */

/* The tile grid: the world's top-left corner and tile side at zoom 0 in
 * the grid CRS's units, and the columns at zoom 0 (rows are 1). */
typedef struct tl_grid {
    cim_tiles_grid kind;
    int srid;             /* 3857 or 4490 */
    double x0, y0, size0; /* left, top, tile side at zoom 0 */
    double ymax;          /* |y| is clamped to this (the grid's edge) */
    uint32_t cols0;
} tl_grid;
void tl_grid_init(tl_grid *g, cim_tiles_grid kind);
/* A grid point as longitude/latitude degrees. */
void tl_grid_lonlat(const tl_grid *g, double x, double y, double *lon, double *lat);

/* One attribute value of a feature; strings live in the layer's arena. */
typedef struct tl_attr {
    uint32_t key;       /* index into the layer's keys */
    uint8_t type;       /* mvt_value_type */
    union {
        double d;
        int64_t i;
        uint64_t u;
        struct {
            uint32_t off, len;
        } s;
    } v;
} tl_attr;

/* A feature in Web Mercator metres. Its shape (in the layer's shapes arena):
 * points: [n]; lines: [nlines, npts...]; polygons: [npolys, (nrings,
 * npts...)...]. Coordinates (x,y pairs) in the layer's coords arena. */
typedef struct tl_feature {
    uint64_t id;
    double box[4];
    double size;        /* area (polygons), length (lines), 0 (points): drop order */
    size_t coord_off, shape_off, attr_off;
    uint32_t ncoords, nattr;
    uint8_t type;       /* mvt_geom_type */
} tl_feature;

typedef struct tl_layer {
    char *name;
    char **keys;        /* the attribute names kept */
    uint8_t *key_kind;  /* for vector_layers: 0 Number, 1 String, 2 Boolean */
    size_t nkeys;
    tl_feature *f;
    size_t nf, f_cap;
    double *coords;
    size_t ncoords, coords_cap; /* in doubles */
    uint32_t *shapes;
    size_t nshapes, shapes_cap;
    tl_attr *attrs;
    size_t nattrs, attrs_cap;
    char *strings;
    size_t nstrings, strings_cap;
    double box[4];      /* all features, in the grid CRS */
    int borrowed;       /* name, keys and key_kind belong to another layer */
} tl_layer;

/* Reads a store layer (fields: NULL for all, else the names to keep that
 * this layer has) whole into l, reprojected to the grid's CRS. */
struct cim_store;
int tl_layer_read(tl_layer *l, struct cim_store *s, const char *name, const char *const *fields, size_t nfields,
                  size_t threads, const tl_grid *grid);
void tl_layer_clear(tl_layer *l);
/* tiles_layer.c. One row (fid, geom, then ncols columns for the keys) into
 * the arenas; wkb is scratch. Coordinates stay in the store CRS. */
struct cim_sql;
int tl_layer_read_row(tl_layer *l, struct cim_sql *q, size_t ncols, cim_buf *wkb);
/* Box and size of every feature, and the layer's box (coordinates in the grid CRS). */
void tl_layer_measure(tl_layer *l);
/* Empties the arenas, keeping their memory and the names. */
void tl_layer_reset(tl_layer *l);
/* Appends feature fi of src to dst (the same keys); -1 when out of memory. */
int tl_layer_append(tl_layer *dst, const tl_layer *src, size_t fi);
/* Memory the arenas hold, and the share of one feature. */
size_t tl_layer_bytes(const tl_layer *l);
size_t tl_feature_bytes(const tl_layer *l, size_t fi);

/* A store layer read a box at a time. tl_reader_open fills schema (name and
 * keys; the caller clears it after tl_reader_free) and prepares the reads.
 * tl_reader_each calls fn with chunks of the features (borrowing
 * schema's names, in the grid CRS, boxes and sizes measured) whose box in
 * the store meets the image of box (grid CRS; NULL: every feature), in fid
 * order. */
typedef struct tl_reader tl_reader;
int tl_reader_open(tl_reader **out, tl_layer *schema, struct cim_store *s, const char *name,
                   const char *const *fields, size_t nfields, size_t threads, const tl_grid *grid);
/* The count of features with a geometry, their extent in the grid CRS
 * (widened a little, for the blocks) and their bounds (their own boxes,
 * united, for the metadata); the boxes are meaningless when there are none.
 * Read on the first call (or box read), never for a whole-layer read. */
int tl_reader_extent(tl_reader *r, int64_t *count, double extent[4], double bounds[4]);
typedef int (*tl_chunk_fn)(const tl_layer *chunk, void *payload);
int tl_reader_each(tl_reader *r, const double *box, tl_chunk_fn fn, void *payload);
void tl_reader_free(tl_reader *r);

/* A tile's candidate feature: layer and index. */
typedef struct tl_ref {
    uint32_t layer, feat;
} tl_ref;

typedef struct tl_limits {
    size_t max_bytes, max_features;
    unsigned int buffer;
    int gzip;           /* store tiles gzipped (MBTiles, PMTiles) */
    const tl_grid *grid;
} tl_limits;

/* Per-thread rendering state. */
typedef struct tl_renderer {
    GEOSContextHandle_t h;
    mvt_layer **mvt;    /* one per store layer */
    size_t nlayers;
    const tl_layer *layers;
    const tl_limits *lim;
    mvt_geom g;
    int32_t *pts;
    size_t pts_cap;
    double *dpts;
    size_t dpts_cap;
    uint32_t *tags;
    size_t tags_cap;
    mvt_buf raw, gz;
    int gz_current;     /* gz holds raw compressed */
    double ratio;       /* the tile's last gzip / raw size */
    tl_ref *keep;       /* the refs being encoded (after limit drops) */
    size_t keep_cap;
} tl_renderer;

int tl_renderer_init(tl_renderer *r, const tl_layer *layers, size_t nlayers, const tl_limits *lim);
void tl_renderer_clear(tl_renderer *r);

/* A tile's frame: tile units from grid metres/degrees. */
typedef struct tl_frame {
    double x0, y0, scale; /* left, top, units per grid unit */
    double lo, hi;        /* the buffered rectangle in tile units */
    int shift;            /* snap to multiples of 1 << shift */
} tl_frame;

/* tiles_clip.c. A tile unit rounded to the frame's grid (1 << shift). */
int32_t tl_snap(double u, int shift);
/* r->pts holds at least n points; -1 when out of memory. */
int tl_grow_pts(tl_renderer *r, size_t n);
/* The n points of r->pts as a ring of r->g, wound as MVT wants (exterior
 * positive): 1 when kept, 0 when it collapsed, -1 when out of memory. */
int tl_put_ring(tl_renderer *r, size_t n, int exterior);
/* f's geometry within fr into r->g (reset first): 1 when some is left, 0
 * when none, -1 when out of memory. *clip_failed is set when GEOS refused
 * the geometry and it went in unclipped. */
int tl_emit(tl_renderer *r, const tl_frame *fr, const tl_layer *l, const tl_feature *f, int *clip_failed);

/* tiles_thin.c. Reorders n point refs so that the densest parts come last
 * (dropped first) and every prefix is spread over the tile; -1 when out of
 * memory. */
int tl_thin_points(const tl_renderer *r, const tl_frame *fr, tl_ref *refs, size_t n);

/* tiles_render.c. The frame of tile z/x/y. */
void tl_frame_at(tl_frame *fr, const tl_limits *lim, int z, uint32_t x, uint32_t y);
/* Orders n refs of r->layers as the limits drop them, from the end: the
 * largest first, then the points with the densest parts last; tmp holds n
 * refs. -1 when out of memory. */
int tl_drop_order(const tl_renderer *r, const tl_frame *fr, tl_ref *refs, size_t n, tl_ref *tmp);

/* Renders tile z/x/y from refs (sorted by layer) into *out (malloc'd, the
 * caller's) and adds to st. A tile with no feature left gives *out NULL. */
int tl_render_tile(tl_renderer *r, int z, uint32_t x, uint32_t y, const tl_ref *refs, size_t nrefs, uint8_t **out,
                   size_t *out_len, cim_tiles_zoom_stats *st);

/* tiles_since.c. A tile of a zoom by its id in output order (PMTiles tile
 * id on Web Mercator, row-major on CGCS2000). */
uint64_t tl_tile_id(const tl_grid *g, int z, uint32_t x, uint32_t y);
typedef struct tl_tile {
    uint64_t tid;
    uint32_t x, y;
} tl_tile;
typedef struct tl_tiles {
    tl_tile *t; /* sorted by tid, each once */
    size_t n, cap;
} tl_tiles;
/* The tiles changes after a run touch, per zoom. */
typedef struct tl_since {
    tl_tiles zoom[CIM_TILES_MAX_ZOOM + 1];
    int minzoom, maxzoom;
    int64_t changes; /* change records read */
} tl_since;
/* The tiles that changes recorded after run since touch, per zoom. */
int tl_since_tiles(tl_since *a, struct cim_store *s, const cim_tiles_options *o, int64_t since, const tl_limits *lim);
int tl_since_has(const tl_tiles *t, uint64_t tid);
void tl_since_clear(tl_since *a);
/* The build's identity as JSON (caller frees; NULL: out of memory, error set). */
char *tl_build_key(struct cim_store *s, const cim_tiles_options *o);
/* CIM_ENOTFOUND / CIM_EFORMAT unless the tileset at path (MBTiles,
 * PMTiles, a directory's metadata.json) was built with key and holds the
 * store as of a run at or after *since, and the store still records the
 * changes after *since (cim prune keeps those from its horizon on); *since
 * CIM_TILES_SINCE_ARCHIVE becomes the tileset's run, or 0 (a full build)
 * with *rebuilt_pruned the horizon when the changes after it were pruned. */
int tl_since_check(struct cim_store *s, const char *path, cim_tiles_format format, const char *key, int64_t *since,
                   int64_t *rebuilt_pruned);

/* tiles_block.c. Zooms are built in groups of up to TL_BLOCK_ZOOMS, a
 * block at a time: the tiles of each zoom of the group under one tile of
 * the group's first zoom, each holding a copy of the features its box
 * (plus the buffer) meets. The block's features are read once for all. */
#define TL_BLOCK_ZOOMS 3
typedef struct tl_btile {
    uint64_t tid;
    uint32_t x, y;
    int z;
    tl_layer *layers;           /* one per store layer; NULL while empty */
    size_t bytes;               /* the memory its layers hold */
    int64_t dropped, points_dropped; /* while far over its limits */
} tl_btile;
typedef struct tl_bzoom {
    int z;
    uint32_t x0, y0, w, h;      /* its tiles in the block */
    size_t first;               /* its first slot */
    double size, pad;           /* tile side and buffer, grid units */
} tl_bzoom;
typedef struct tl_block {
    tl_bzoom zoom[TL_BLOCK_ZOOMS];
    int nzoom;
    tl_btile *t;                /* the zooms' tiles, each row by row */
    uint8_t *want;              /* per tile: built (a patch builds the touched only) */
    size_t nslots;
    const tl_layer *schema;
    size_t nlayers, layer;      /* layer: the one being read */
    const tl_limits *lim;
    size_t bytes;               /* the memory its tiles hold */
} tl_block;
/* Fills block (bx, by) of zoom zlo with the tiles of zooms zlo..zhi
 * (touched not NULL: only touched[z]'s) from readers. Clear b even on
 * failure. */
int tl_block_fill(tl_block *b, tl_reader *const *readers, const tl_layer *schema, size_t nlayers,
                  const tl_limits *lim, int zlo, int zhi, uint32_t bx, uint32_t by, const tl_tiles *const *touched);
/* The tiles holding features, by zoom then tile id, into out (room for nslots). */
size_t tl_block_tiles(tl_block *b, tl_btile **out);
void tl_block_clear(tl_block *b);

/* tiles_spool.c. Tiles of a zoom held on disk, in the order put, until the
 * zooms before it are written (PMTiles wants them in tile id order). */
typedef struct tl_spool tl_spool;
/* A spool in an unlinked file beside path (the output). */
int tl_spool_open(tl_spool **out, const char *path);
int tl_spool_put(tl_spool *s, uint32_t x, uint32_t y, const uint8_t *data, size_t len);
/* Puts the spooled tiles into sink as zoom z, and empties the spool. */
struct tl_sink;
int tl_spool_replay(tl_spool *s, struct tl_sink *sink, int z);
void tl_spool_free(tl_spool *s);

/* tiles_zooms.c. What building the groups of zooms shares. */
struct tl_sink;
typedef struct tl_zooms {
    const char *path;   /* the output */
    struct tl_sink *sink;
    tl_spool *spool[TL_BLOCK_ZOOMS]; /* the group's later zooms */
    tl_reader *const *readers;
    const tl_layer *schema;
    size_t nlayers;
    const tl_limits *lim;
    const cim_tiles_options *o;
    double extent[4];   /* all layers, grid CRS */
    cim_tiles_stats *stats;
} tl_zooms;
/* The tiles of zooms zlo..zhi (at most TL_BLOCK_ZOOMS), all of them or
 * (touched not NULL: patching) those in touched[z - zlo], which are first
 * deleted from the output. done and share place it in the progress. */
int tl_zooms_run(tl_zooms *zr, int zlo, int zhi, const tl_tiles *const *touched, double done, double share);

/* The output. */
typedef struct tl_sink tl_sink;
int tl_sink_open(tl_sink **out, const char *path, cim_tiles_format format);
/* An existing archive to patch. MBTiles: copied to the temporary name,
 * tiles replaced or deleted there. A directory: its files hard-linked under
 * the temporary name, tiles deleted or written anew there. PMTiles (a packed file): a new archive
 * under the temporary name, where the old archive's tiles are copied in
 * tile id order except the deleted ones, which only the tiles put replace
 * (so delete a zoom's touched tiles before putting its tiles). Either is
 * renamed over path by tl_sink_finish. */
int tl_sink_open_patch(tl_sink **out, const char *path, cim_tiles_format format);
int tl_sink_delete(tl_sink *s, int z, uint32_t x, uint32_t y);
int tl_sink_gzip(const tl_sink *s);
int tl_sink_put(tl_sink *s, int z, uint32_t x, uint32_t y, const uint8_t *data, size_t len);
/* Writes metadata and renames the temporary output into place. */
typedef struct tl_meta {
    const tl_layer *layers;
    size_t nlayers;
    int minzoom, maxzoom;
    double bounds[4], center[2];
    const tl_grid *grid;
    const char *build;  /* tl_build_key, recorded as cim_build */
    int64_t run;        /* the last run the tiles include, recorded as cim_run */
} tl_meta;
int tl_sink_finish(tl_sink *s, const tl_meta *m);
/* Closes; without a successful finish, removes the temporary output. */
void tl_sink_free(tl_sink *s);

/* Writes DIR/index.html showing the tiles at tiles_path (inside DIR) in MapLibre GL JS. */
int tl_preview_write(const char *dir, const char *tiles_path, cim_tiles_format format, const tl_meta *m);
/* CIM_EINVALID unless dir exists and holds tiles_path (checked before any work). */
int tl_preview_check(const char *dir, const char *tiles_path);
/* The format a path names under CIM_TILES_AUTO. */
cim_tiles_format tl_format_of(const char *path, cim_tiles_format format);

/* The JSON of vector_layers: [{"id":..,"fields":{..},"minzoom":..,"maxzoom":..}]. Caller frees. */
char *tl_vector_layers_json(const tl_meta *m);

#endif
