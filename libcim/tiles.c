/* tiles.c: cim_tiles_build: checks the request, opens the output (early, so
 * an unwritable path fails before any work; with since_run, a copy of the
 * archive to patch, and only the tiles the recorded changes touch are
 * rendered: tiles_since.c), opens a reader on each layer (its extent), then
 * zoom by zoom goes through the blocks of tiles (tiles_block.c) in PMTiles
 * tile id order (Hilbert within a zoom; a block's tiles are contiguous in
 * it): reads the block's features from the store, renders its tiles in the
 * worker pool and writes them in order on this thread. Memory follows the
 * block, not the layers. Output is identical for any thread count. */
#include <math.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error_int.h"
#include "pmtiles.h"
#include "pool_int.h"
#include "sql_int.h"
#include "store_int.h"
#include "tiles_int.h"

void cim_tiles_options_init(cim_tiles_options *opts)
{
    cim_tiles_options d = CIM_TILES_OPTIONS_INIT;
    *opts = d;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int validate(cim_store *s, const char *path, const cim_tiles_options *o)
{
    if (o->version != CIM_TILES_OPTIONS_VERSION)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "cim_tiles_options version %u, this library has %u",
                             o->version, CIM_TILES_OPTIONS_VERSION);
    if (!path || !*path)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "no output path");
    if (!o->layers || !o->layer_count)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "no layers to tile");
    if (o->minzoom < 0 || o->maxzoom > CIM_TILES_MAX_ZOOM || o->minzoom > o->maxzoom)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "zooms %d..%d: need 0 <= minzoom <= maxzoom <= %d",
                             o->minzoom, o->maxzoom, CIM_TILES_MAX_ZOOM);
    if (o->preview_dir && tl_format_of(path, o->format) == CIM_TILES_MBTILES)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                             "--preview needs a .pmtiles archive or a directory (MBTiles needs a tile server)");
    if (o->grid != CIM_TILES_WEBMERCATOR && o->grid != CIM_TILES_CGCS2000)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "unknown tile grid %d", (int)o->grid);
    if (o->grid == CIM_TILES_CGCS2000 && tl_format_of(path, o->format) == CIM_TILES_PMTILES)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                             "the CGCS2000 grid needs MBTiles or a directory: PMTiles v3 is a Web Mercator format");
    if (o->grid == CIM_TILES_CGCS2000 && o->preview_dir)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                             "--preview shows Web Mercator tiles only (MapLibre GL JS has no CGCS2000 grid)");
    if (o->preview_dir && tl_preview_check(o->preview_dir, path))
        return CIM_EINVALID;
    if (o->since_run < CIM_TILES_SINCE_ARCHIVE)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "--since %lld: not a run id", (long long)o->since_run);
    if (o->buffer > 2048)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "buffer %u: at most 2048 tile units", o->buffer);
    for (size_t i = 0; i < o->layer_count; i++)
        for (size_t k = 0; k < i; k++)
            if (!strcmp(o->layers[i], o->layers[k]))
                return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "layer '%s' named twice", o->layers[i]);
    char *found = o->field_count ? calloc(o->field_count, 1) : NULL;
    int rc = 0;
    for (size_t i = 0; i < o->layer_count && !rc; i++) {
        cim_layer_info *info = NULL;
        if ((rc = cim_layer_info_get(&info, s, o->layers[i])))
            break;
        if (!info->geometry_type)
            rc = cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "layer '%s' has no geometry", o->layers[i]);
        for (size_t f = 0; f < o->field_count && found; f++)
            for (size_t k = 0; k < info->field_count; k++)
                if (!strcmp(info->fields[k].name, o->fields[f]))
                    found[f] = 1;
        cim_layer_info_free(info);
    }
    for (size_t f = 0; f < o->field_count && !rc && found; f++)
        if (!found[f])
            rc = cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_ARG, "no layer among those tiled has a field '%s'",
                               o->fields[f]);
    free(found);
    return rc;
}

void tl_grid_init(tl_grid *g, cim_tiles_grid kind)
{
    if (kind == CIM_TILES_CGCS2000)
        *g = (tl_grid){kind, 4490, -180.0, 90.0, 180.0, 90.0, 2};
    else
        *g = (tl_grid){CIM_TILES_WEBMERCATOR, 3857, -TL_WORLD, TL_WORLD, 2 * TL_WORLD, TL_WORLD, 1};
}

void tl_grid_lonlat(const tl_grid *g, double x, double y, double *lon, double *lat)
{
    if (g->kind == CIM_TILES_CGCS2000) {
        *lon = x;
        *lat = y;
        return;
    }
    *lon = x / TL_WORLD * 180.0;
    *lat = atan(sinh(y / TL_WORLD * M_PI)) * 180.0 / M_PI;
}

int cim_tiles_build(cim_tiles_stats *out, cim_store *store, const char *path, const cim_tiles_options *opts)
{
    double t0 = now_seconds();
    cim_tiles_options d = CIM_TILES_OPTIONS_INIT;
    const cim_tiles_options *o = opts ? opts : &d;
    cim_tiles_stats stats;
    memset(&stats, 0, sizeof stats);
    if (!store)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "no store");
    int rc = validate(store, path, o);
    if (rc)
        return rc;
    tl_grid grid;
    tl_grid_init(&grid, o->grid);
    /* what the tiles are built from, recorded for a later --since */
    int64_t last_run = 0;
    char *build = tl_build_key(store, o);
    if (!build || (rc = cim_sql_int64_of(store, &last_run, 0, "SELECT coalesce(max(id), 0) FROM cim_runs"))) {
        free(build);
        return build ? rc : CIM_EINTERNAL;
    }
    /* since: the run to patch from (CIM_TILES_SINCE_ARCHIVE: the archive's
     * own, or a full build when there is no archive yet); 0: a full build */
    int64_t since = o->since_run;
    struct stat sb;
    if (since == CIM_TILES_SINCE_ARCHIVE && stat(path, &sb))
        since = 0;
    if (since && (rc = tl_since_check(store, path, tl_format_of(path, o->format), build, &since, &stats.rebuilt_pruned))) {
        free(build);
        return rc;
    }
    tl_sink *sink = NULL;
    if ((rc = since ? tl_sink_open_patch(&sink, path, o->format) : tl_sink_open(&sink, path, o->format))) {
        free(build);
        return rc;
    }
    /* blocks are read by fid through the index: a memory map of the whole
     * file would count every page read in resident memory */
    int64_t mapped = cim_store_mmap(store, 0);
    tl_since touched;
    memset(&touched, 0, sizeof touched);
    tl_layer *schema = calloc(o->layer_count, sizeof *schema);
    tl_reader **readers = calloc(o->layer_count, sizeof *readers);
    if (!schema || !readers)
        rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    tl_limits lim = {o->max_tile_bytes ? o->max_tile_bytes : 500000,
                     o->max_tile_features ? o->max_tile_features : 200000, o->buffer, tl_sink_gzip(sink), &grid};
    tl_zooms zr = {.path = path, .sink = sink, .readers = readers, .schema = schema, .nlayers = o->layer_count,
                   .lim = &lim, .o = o, .extent = {INFINITY, INFINITY, -INFINITY, -INFINITY}, .stats = &stats};
    /* the layers' extents: the bounds, and where the blocks are */
    double bounds[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < o->layer_count && !rc; i++) {
        if (o->progress && o->progress(-1, "reading", o->progress_payload)) {
            rc = cim_error_set(CIM_ECANCELED, CIM_ERRCLASS_ARG, "canceled");
            break;
        }
        if ((rc = tl_reader_open(&readers[i], &schema[i], store, o->layers[i], o->fields, o->field_count, o->threads,
                                 &grid)))
            break;
        double e[4], b[4];
        int64_t n = 0;
        if ((rc = tl_reader_extent(readers[i], &n, e, b)))
            break;
        stats.features_read += n;
        for (int k = 0; n && k < 2; k++) {
            zr.extent[k] = fmin(zr.extent[k], e[k]);
            zr.extent[k + 2] = fmax(zr.extent[k + 2], e[k + 2]);
            bounds[k] = fmin(bounds[k], b[k]);
            bounds[k + 2] = fmax(bounds[k + 2], b[k + 2]);
        }
    }
    if (!rc && since) {
        rc = tl_since_tiles(&touched, store, o, since, &lim);
        stats.since_run = since;
        stats.changes = touched.changes;
        for (int z = o->minzoom; z <= o->maxzoom; z++)
            stats.tiles_touched += (int64_t)touched.zoom[z].n;
    }
    /* groups of TL_BLOCK_ZOOMS zooms counted from the top (z12-14, then
     * z10-11), so that the zooms with the most tiles share a read; built
     * from the lowest, as the outputs want the zooms in order */
    int nz = o->maxzoom - o->minzoom + 1;
    for (int lo = o->minzoom, hi = lo + (nz - 1) % TL_BLOCK_ZOOMS; lo <= o->maxzoom && !rc;
         lo = hi + 1, hi += TL_BLOCK_ZOOMS) {
        const tl_tiles *t[TL_BLOCK_ZOOMS];
        for (int z = lo; z <= hi; z++)
            t[z - lo] = &touched.zoom[z];
        rc = tl_zooms_run(&zr, lo, hi, since ? t : NULL, (double)(lo - o->minzoom) / nz, (double)(hi - lo + 1) / nz);
    }
    if (!rc) {
        double *box = bounds;
        if (!stats.features_read)
            box[0] = box[1] = box[2] = box[3] = 0;
        tl_meta m = {schema, o->layer_count, o->minzoom, o->maxzoom, {0, 0, 0, 0}, {0, 0}, &grid, build, last_run};
        tl_grid_lonlat(&grid, box[0], box[1], &m.bounds[0], &m.bounds[1]);
        tl_grid_lonlat(&grid, box[2], box[3], &m.bounds[2], &m.bounds[3]);
        tl_grid_lonlat(&grid, (box[0] + box[2]) / 2, (box[1] + box[3]) / 2, &m.center[0], &m.center[1]);
        memcpy(stats.bounds, m.bounds, sizeof stats.bounds);
        rc = tl_sink_finish(sink, &m);
        if (!rc && o->preview_dir)
            rc = tl_preview_write(o->preview_dir, path, tl_format_of(path, o->format), &m);
    }
    tl_sink_free(sink);
    tl_since_clear(&touched);
    free(build);
    for (size_t i = 0; readers && i < o->layer_count; i++)
        tl_reader_free(readers[i]);
    for (size_t i = 0; schema && i < o->layer_count; i++)
        tl_layer_clear(&schema[i]);
    free(readers);
    free(schema);
    if (mapped >= 0)
        cim_store_mmap(store, mapped);
    for (int z = 0; z <= CIM_TILES_MAX_ZOOM; z++) {
        stats.tiles += stats.zoom[z].tiles;
        stats.bytes += stats.zoom[z].bytes;
    }
    stats.seconds = now_seconds() - t0;
    if (out)
        *out = stats;
    return rc;
}
