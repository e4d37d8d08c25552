/* tiles.c: cim_tiles_build: checks the request, opens the output (early, so
 * an unwritable path fails before any work; with since_run, a copy of the
 * archive to patch, and only the tiles the recorded changes touch are
 * rendered: tiles_since.c), reads the layers, then zoom by
 * zoom lists each feature under the tiles its box (plus the buffer) covers,
 * sorts that list into PMTiles tile id order (Hilbert within a zoom) and
 * renders the tiles in batches in the worker pool, writing each batch in
 * order on this thread. Output is identical for any thread count. */
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

#define BATCH 512

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

typedef struct idx_entry {
    uint64_t tid;
    uint32_t x, y, layer, feat;
} idx_entry;

static int by_tid(const void *a, const void *b)
{
    const idx_entry *x = a, *y = b;
    if (x->tid != y->tid)
        return x->tid < y->tid ? -1 : 1;
    if (x->layer != y->layer)
        return x->layer < y->layer ? -1 : 1;
    return x->feat < y->feat ? -1 : x->feat > y->feat ? 1 : 0;
}

typedef struct tile_task {
    size_t first, count; /* entries of the tile in the zoom's index */
} tile_task;

typedef struct build_job {
    const tl_layer *layers;
    size_t nlayers;
    const tl_limits *lim;
    int z;
    const idx_entry *idx;
    const tile_task *tiles; /* this batch */
    uint8_t **out;
    size_t *out_len;
    cim_tiles_zoom_stats *st;
} build_job;

typedef struct worker {
    tl_renderer r;
    tl_ref *refs;
    size_t refs_cap;
} worker;

static void *worker_init(void *payload)
{
    build_job *j = payload;
    worker *w = calloc(1, sizeof *w);
    if (!w) {
        cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        return NULL;
    }
    if (tl_renderer_init(&w->r, j->layers, j->nlayers, j->lim)) {
        tl_renderer_clear(&w->r);
        free(w);
        return NULL;
    }
    return w;
}

static void worker_fini(void *state, void *payload)
{
    worker *w = state;
    tl_renderer_clear(&w->r);
    free(w->refs);
    free(w);
}

static int worker_run(size_t task, void *state, void *payload)
{
    build_job *j = payload;
    worker *w = state;
    const tile_task *t = &j->tiles[task];
    if (w->refs_cap < t->count) {
        tl_ref *r = realloc(w->refs, t->count * sizeof *r);
        if (!r)
            return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        w->refs = r;
        w->refs_cap = t->count;
    }
    const idx_entry *e = j->idx + t->first;
    for (size_t i = 0; i < t->count; i++)
        w->refs[i] = (tl_ref){e[i].layer, e[i].feat};
    memset(&j->st[task], 0, sizeof j->st[task]);
    return tl_render_tile(&w->r, j->z, e->x, e->y, w->refs, t->count, &j->out[task], &j->out_len[task], &j->st[task]);
}

/* Every (tile, feature) pair of zoom z, sorted by tile id. */
/* Sorted by PMTiles tile id on Web Mercator, by row then column on CGCS2000. */
static int index_zoom(idx_entry **out, size_t *count, const tl_layer *layers, size_t nlayers, int z,
                      const tl_limits *lim)
{
    size_t n = 0, cap = 0;
    idx_entry *e = NULL;
    const tl_grid *g = lim->grid;
    uint32_t max_y = (uint32_t)((1u << z) - 1), max = (uint32_t)((g->cols0 << z) - 1);
    double size = g->size0 / (double)(1u << z), pad = lim->buffer * size / TL_EXTENT;
    for (size_t li = 0; li < nlayers; li++) {
        const tl_layer *l = &layers[li];
        for (size_t fi = 0; fi < l->nf; fi++) {
            const tl_feature *f = &l->f[fi];
            if (!f->ncoords)
                continue;
            double ax = floor((f->box[0] - pad - g->x0) / size), bx = floor((f->box[2] + pad - g->x0) / size),
                   ay = floor((g->y0 - f->box[3] - pad) / size), by = floor((g->y0 - f->box[1] + pad) / size);
            uint32_t x0 = ax < 0 ? 0 : (uint32_t)fmin(ax, max), x1 = bx < 0 ? 0 : (uint32_t)fmin(bx, max),
                     y0 = ay < 0 ? 0 : (uint32_t)fmin(ay, max_y), y1 = by < 0 ? 0 : (uint32_t)fmin(by, max_y);
            size_t add = (size_t)(x1 - x0 + 1) * (y1 - y0 + 1);
            if (n + add > cap) {
                size_t c = cap ? cap : 4096;
                while (c < n + add)
                    c *= 2;
                idx_entry *ne = realloc(e, c * sizeof *ne);
                if (!ne) {
                    free(e);
                    return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory (zoom %d index)", z);
                }
                e = ne;
                cap = c;
            }
            for (uint32_t y = y0; y <= y1; y++)
                for (uint32_t x = x0; x <= x1; x++)
                    e[n++] = (idx_entry){tl_tile_id(g, z, x, y), x, y, (uint32_t)li, (uint32_t)fi};
        }
    }
    if (n)
        qsort(e, n, sizeof *e, by_tid);
    *out = e;
    *count = n;
    return 0;
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

/* The tiles of zoom z, all of them, or (touched not NULL: patching) those
 * touched, which are first deleted from the output. */
static int run_zoom(tl_sink *sink, const tl_layer *layers, size_t nlayers, const tl_limits *lim, int z,
                    const cim_tiles_options *o, const tl_tiles *touched, cim_tiles_zoom_stats *zs,
                    int64_t *rendered, int zi, int nz)
{
    idx_entry *idx = NULL;
    size_t n = 0;
    int rc = index_zoom(&idx, &n, layers, nlayers, z, lim);
    if (rc)
        return rc;
    for (size_t i = 0; touched && i < touched->n && !rc; i++)
        rc = tl_sink_delete(sink, z, touched->t[i].x, touched->t[i].y);
    if (touched) {
        /* keep the entries of the touched tiles only */
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if ((i && idx[i].tid == idx[i - 1].tid) ? (k && idx[k - 1].tid == idx[i].tid)
                                                    : tl_since_has(touched, idx[i].tid))
                idx[k++] = idx[i];
        n = k;
    }
    size_t ntiles = 0;
    for (size_t i = 0; i < n; i++)
        ntiles += !i || idx[i].tid != idx[i - 1].tid;
    *rendered += (int64_t)ntiles;
    tile_task *tiles = calloc(ntiles ? ntiles : 1, sizeof *tiles);
    uint8_t **out = calloc(BATCH, sizeof *out);
    size_t *out_len = calloc(BATCH, sizeof *out_len);
    cim_tiles_zoom_stats *st = calloc(BATCH, sizeof *st);
    if (rc || !tiles || !out || !out_len || !st) {
        if (!rc)
            rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        goto done;
    }
    for (size_t i = 0, t = 0; i < n; i++) {
        if (i && idx[i].tid == idx[i - 1].tid) {
            tiles[t - 1].count++;
            continue;
        }
        tiles[t++] = (tile_task){i, 1};
    }
    for (size_t b = 0; b < ntiles && !rc; b += BATCH) {
        size_t m = ntiles - b < BATCH ? ntiles - b : BATCH;
        build_job job = {layers, nlayers, lim, z, idx, tiles + b, out, out_len, st};
        cim_pool_spec spec = {o->threads, m, &job, worker_init, worker_fini, worker_run};
        rc = cim_pool_run(&spec);
        for (size_t i = 0; i < m; i++) {
            if (!rc && out[i]) {
                const idx_entry *e = idx + tiles[b + i].first;
                rc = tl_sink_put(sink, z, e->x, e->y, out[i], out_len[i]);
            }
            free(out[i]);
            out[i] = NULL;
            zs->tiles += st[i].tiles;
            zs->features += st[i].features;
            zs->bytes += st[i].bytes;
            if (st[i].max_tile_bytes > zs->max_tile_bytes)
                zs->max_tile_bytes = st[i].max_tile_bytes;
            zs->tiny_dropped += st[i].tiny_dropped;
            zs->tiny_coalesced += st[i].tiny_coalesced;
            zs->simplified_tiles += st[i].simplified_tiles;
            zs->limit_dropped += st[i].limit_dropped;
            zs->clip_failed += st[i].clip_failed;
            zs->density_dropped += st[i].density_dropped;
        }
        if (!rc && o->progress) {
            char stage[32];
            snprintf(stage, sizeof stage, "zoom %d", z);
            double frac = ((double)zi + (double)(b + m) / (double)ntiles) / (double)nz;
            if (o->progress(frac, stage, o->progress_payload))
                rc = cim_error_set(CIM_ECANCELED, CIM_ERRCLASS_ARG, "canceled");
        }
    }
    if (rc)
        cim_error_prefix("zoom %d", z);
done:
    free(idx);
    free(tiles);
    free(out);
    free(out_len);
    free(st);
    return rc;
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
    tl_since touched;
    memset(&touched, 0, sizeof touched);
    tl_layer *layers = calloc(o->layer_count, sizeof *layers);
    if (!layers) {
        tl_sink_free(sink);
        free(build);
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    }
    double box[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < o->layer_count && !rc; i++) {
        if (o->progress && o->progress(-1, "reading", o->progress_payload)) {
            rc = cim_error_set(CIM_ECANCELED, CIM_ERRCLASS_ARG, "canceled");
            break;
        }
        rc = tl_layer_read(&layers[i], store, o->layers[i], o->fields, o->field_count, o->threads, &grid);
        if (rc)
            break;
        stats.features_read += (int64_t)layers[i].nf;
        if (layers[i].nf)
            for (int k = 0; k < 2; k++) {
                box[k] = fmin(box[k], layers[i].box[k]);
                box[k + 2] = fmax(box[k + 2], layers[i].box[k + 2]);
            }
    }
    tl_limits lim = {o->max_tile_bytes ? o->max_tile_bytes : 500000,
                     o->max_tile_features ? o->max_tile_features : 200000, o->buffer, tl_sink_gzip(sink), &grid};
    if (!rc && since) {
        rc = tl_since_tiles(&touched, store, o, since, &lim);
        stats.since_run = since;
        stats.changes = touched.changes;
        for (int z = o->minzoom; z <= o->maxzoom; z++)
            stats.tiles_touched += (int64_t)touched.zoom[z].n;
    }
    int nz = o->maxzoom - o->minzoom + 1;
    for (int z = o->minzoom; z <= o->maxzoom && !rc; z++)
        rc = run_zoom(sink, layers, o->layer_count, &lim, z, o, since ? &touched.zoom[z] : NULL,
                      &stats.zoom[z], &stats.tiles_rendered, z - o->minzoom, nz);
    if (!rc) {
        if (!stats.features_read)
            box[0] = box[1] = box[2] = box[3] = 0;
        tl_meta m = {layers, o->layer_count, o->minzoom, o->maxzoom, {0, 0, 0, 0}, {0, 0}, &grid, build, last_run};
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
    for (size_t i = 0; i < o->layer_count; i++)
        tl_layer_clear(&layers[i]);
    free(layers);
    for (int z = 0; z <= CIM_TILES_MAX_ZOOM; z++) {
        stats.tiles += stats.zoom[z].tiles;
        stats.bytes += stats.zoom[z].bytes;
    }
    stats.seconds = now_seconds() - t0;
    if (out)
        *out = stats;
    return rc;
}
