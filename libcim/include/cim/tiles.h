/* cim/tiles.h: vector tiles (MVT 2.1) from store layers, written to an
 * MBTiles 1.3 file, a PMTiles v3 archive or a z/x/y.pbf directory, on the
 * Web Mercator grid. Reads the store only; the output is written under a
 * temporary name and renamed when complete, so a failed build leaves no
 * half-written output.
 *
 * Per tile: features are reprojected (PROJ, store CRS -> EPSG:3857), clipped
 * to the tile plus a buffer (GEOSClipByRect), and snapped to the tile's
 * 4096-unit grid. Snapping is the simplification: it is the same for every
 * feature, so parcels that share an edge keep sharing it and no gaps open.
 * Polygons that collapse below one grid cell are "tiny": their area is
 * accumulated and every time it reaches one cell a one-cell square is drawn
 * in place of the polygon that completed it (coalescing, so dense areas keep
 * their density), the rest are dropped and counted.
 * Limits (max_tile_bytes gzipped, max_tile_features): a tile over a limit is
 * re-encoded on a grid 2, 4, then 8 times coarser (simplify harder); if
 * still over, the smallest features (by area, lines by length) are dropped
 * until it fits, and points, which have no size, go before them densest
 * parts first (tippecanoe's drop-densest-as-needed): they are ranked by
 * grid cells, one point for the tile, then one in each 2x2 cell that has
 * none yet, ... one in each tile unit, and dropped from the end of that
 * ranking, so the kept points keep one in every cell of the finest grid the
 * limit allows. Every drop is counted per zoom in cim_tiles_stats
 * (limit_dropped, density_dropped): never a silent truncation. */
#ifndef CIM_TILES_H
#define CIM_TILES_H

#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CIM_TILES_MAX_ZOOM 22

typedef enum {
    CIM_TILES_AUTO = 0, /* from the path: .mbtiles, .pmtiles, else a directory */
    CIM_TILES_MBTILES,
    CIM_TILES_PMTILES,
    CIM_TILES_DIR
} cim_tiles_format;

typedef enum {
    CIM_TILES_WEBMERCATOR = 0, /* EPSG:3857, one tile at zoom 0 (XYZ / TMS) */
    CIM_TILES_CGCS2000         /* EPSG:4490 longitude/latitude, two tiles at zoom 0
                                * (180 degrees each), as Tianditu serves; MBTiles or a
                                * directory only: PMTiles v3 is a Web Mercator format */
} cim_tiles_grid;

typedef struct cim_tiles_options {
    unsigned int version;
    const char *const *layers; /* store layers; each becomes an MVT layer of the same name */
    size_t layer_count;
    const char *const *fields; /* attributes to keep (NULL: all); each must exist in some layer */
    size_t field_count;
    int minzoom, maxzoom;      /* 0..CIM_TILES_MAX_ZOOM */
    cim_tiles_format format;
    size_t threads;            /* 0: one per CPU */
    size_t max_tile_bytes;     /* gzipped; 0: 500 000 */
    size_t max_tile_features;  /* 0: 200 000 */
    unsigned int buffer;       /* in tile units of 4096; default 64 */
    cim_progress_cb progress;
    void *progress_payload;
    /* A directory to write index.html into: a MapLibre GL JS page showing
     * the tiles (PMTiles or a directory output lying inside it); NULL: none. */
    const char *preview_dir;
    cim_tiles_grid grid;
    /* > 0: patch the MBTiles or PMTiles archive or the directory at path, built earlier by cim_tiles_build
     * with the same options from this store, re-rendering only the tiles
     * that the changes runs after since_run recorded (cim_changes) touch;
     * the result is the same as a full build. The archive records what it
     * was built from (metadata cim_build, and cim_run: the last run it
     * includes); another store, other options, or a since_run after cim_run
     * are refused (CIM_EFORMAT), and so is a since_run whose later changes
     * were pruned (cim_changes_prune). A directory output is patched too
     * (its metadata.json records the same). CIM_TILES_SINCE_ARCHIVE: since
     * the run the archive holds (its cim_run), or a full build when path
     * does not exist yet or the changes after its run were pruned (stats
     * rebuilt_pruned): what a nightly pipeline wants. 0: a full build. */
    int64_t since_run;
} cim_tiles_options;
#define CIM_TILES_SINCE_ARCHIVE (-1)
#define CIM_TILES_OPTIONS_VERSION 2
#define CIM_TILES_OPTIONS_INIT {CIM_TILES_OPTIONS_VERSION, NULL, 0, NULL, 0, 0, 14, CIM_TILES_AUTO, 0, 500000, 200000, 64, NULL, NULL, NULL, CIM_TILES_WEBMERCATOR, 0}
CIM_EXTERN void cim_tiles_options_init(cim_tiles_options *opts);

typedef struct cim_tiles_zoom_stats {
    int64_t tiles;             /* tiles written */
    int64_t features;          /* features written (a feature in 3 tiles counts 3) */
    int64_t bytes;             /* tile bytes as stored */
    int64_t max_tile_bytes;    /* the largest tile as stored */
    int64_t tiny_dropped;      /* polygons below one grid cell, dropped */
    int64_t tiny_coalesced;    /* one-cell squares drawn for accumulated tiny polygons */
    int64_t simplified_tiles;  /* tiles re-encoded on a coarser grid to meet a limit */
    int64_t limit_dropped;     /* lines and polygons dropped (smallest first) to meet a limit */
    int64_t clip_failed;       /* features GEOS could not clip, written unclipped */
    int64_t density_dropped;   /* points dropped (densest parts first) to meet a limit */
} cim_tiles_zoom_stats;

typedef struct cim_tiles_stats {
    int64_t features_read;
    int64_t tiles, bytes;
    cim_tiles_zoom_stats zoom[CIM_TILES_MAX_ZOOM + 1];
    double bounds[4];          /* lon/lat of the data */
    double seconds;
    int64_t tiles_rendered;    /* tiles rendered (a full build: all; since_run: the touched ones) */
    int64_t tiles_touched;     /* since_run: tiles the recorded changes touch (replaced or deleted) */
    int64_t changes;           /* since_run: change records read */
    int64_t since_run;         /* the run patched from (0: a full build) */
    /* CIM_TILES_SINCE_ARCHIVE on a tileset older than the change record
     * (cim prune): the horizon (first run whose changes are kept); the
     * tiles were built in full. 0 otherwise. */
    int64_t rebuilt_pruned;
} cim_tiles_stats;

/* Builds the tiles of opts->layers into path. out (may be NULL) gets the
 * counts. Errors: CIM_EINVALID (zooms, no layers, a layer named twice),
 * CIM_ENOTFOUND (a layer or field), CIM_EIO (the output), CIM_ECRS,
 * CIM_ECANCELED. */
CIM_EXTERN int cim_tiles_build(cim_tiles_stats *out, cim_store *store, const char *path,
                               const cim_tiles_options *opts);

#ifdef __cplusplus
}
#endif
#endif
