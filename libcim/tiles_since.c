/* tiles_since.c: what `cim tiles --since RUN` needs besides the build:
 * the build's identity (the store, layers, fields, zooms, grid and limits,
 * recorded in the archive's metadata with the last run it includes), the
 * check that an archive to patch was built the same way from the same store,
 * and the tiles that the changes recorded after RUN (cim_changes, see
 * changes_int.h) touch: a tile's bytes depend only on the features whose box
 * (plus the buffer) meets it, so the tiles meeting a changed feature's old or
 * new box (plus the buffer) are the only ones that can differ. */
#define _POSIX_C_SOURCE 200809L /* strndup */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crs_int.h"
#include "error_int.h"
#include "json_int.h"
#include "pmtiles.h"
#include "sql_int.h"
#include "store_int.h"
#include "tiles_int.h"

char *tl_build_key(cim_store *s, const cim_tiles_options *o)
{
    cim_buf b = {0};
    char num[160];
    /* the store's own id; stores made before it existed are named by their
     * creation time */
    const char *id = cim_store_meta(s, "store_id");
    char named[96];
    snprintf(named, sizeof named, "%s", id ? id : "");
    if (!*named) {
        const char *created = cim_store_meta(s, "created_at");
        snprintf(named, sizeof named, "%s", created ? created : "?");
    }
    snprintf(num, sizeof num, "%s srid %d", named, cim_store_srid(s));
    cim_json_raw(&b, "{");
    cim_json_kv(&b, "store", num);
    cim_json_raw(&b, ",\"layers\":");
    cim_json_str_array(&b, o->layers, o->layer_count);
    cim_json_raw(&b, ",\"fields\":");
    if (o->fields)
        cim_json_str_array(&b, o->fields, o->field_count);
    else
        cim_json_raw(&b, "null");
    snprintf(num, sizeof num,
             ",\"minzoom\":%d,\"maxzoom\":%d,\"grid\":\"%s\",\"buffer\":%u,\"max_tile_bytes\":%zu,"
             "\"max_tile_features\":%zu}",
             o->minzoom, o->maxzoom, o->grid == CIM_TILES_CGCS2000 ? "cgcs2000" : "webmercator", o->buffer,
             o->max_tile_bytes ? o->max_tile_bytes : 500000, o->max_tile_features ? o->max_tile_features : 200000);
    cim_json_raw(&b, num);
    char *key = strdup(cim_json_text(&b));
    cim_buf_free(&b);
    if (!key)
        cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    return key;
}

/* One metadata value of an MBTiles file (malloc'd) or NULL. */
static char *mbtiles_meta(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st = NULL;
    char *v = NULL;
    if (sqlite3_prepare_v2(db, "SELECT value FROM metadata WHERE name = ?1", -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        v = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
}

/* cim_build and cim_run from the TileJSON-like metadata of a PMTiles
 * archive or a tile directory (written by tiles_sink.c as
 * "cim_build":{...},"cim_run":N). */
static void build_of_json(const char *meta, char **built, char **run)
{
    const char *b = strstr(meta, "\"cim_build\":"), *e = b ? strstr(b, ",\"cim_run\":") : NULL;
    if (b && e) {
        b += strlen("\"cim_build\":");
        *built = strndup(b, (size_t)(e - b));
        *run = strndup(e + 11, strspn(e + 11, "0123456789"));
    }
}

static int pmtiles_build(const char *path, char **built, char **run)
{
    pmtiles_reader *r = pmtiles_reader_open(path);
    char *meta = r ? pmtiles_reader_metadata(r) : NULL;
    pmtiles_reader_free(r);
    if (!meta)
        return -1;
    build_of_json(meta, built, run);
    free(meta);
    return 0;
}

/* A directory's metadata.json; -1 when there is none. */
static int dir_build(const char *path, char **built, char **run)
{
    size_t n = strlen(path) + 16;
    char *p = malloc(n), *meta = NULL;
    if (!p)
        return -1;
    snprintf(p, n, "%s/metadata.json", path);
    FILE *f = fopen(p, "rb");
    free(p);
    long len = -1;
    if (f && !fseek(f, 0, SEEK_END) && (len = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET) &&
        (meta = malloc((size_t)len + 1)) && fread(meta, 1, (size_t)len, f) == (size_t)len) {
        meta[len] = '\0';
        build_of_json(meta, built, run);
    } else
        len = -1;
    if (f)
        fclose(f);
    free(meta);
    return len < 0 ? -1 : 0;
}

/* The store's change record horizon (cim prune): the first run whose
 * changes are all kept; 0 when nothing was pruned. */
static int64_t pruned_before(cim_store *s)
{
    const char *v = cim_store_meta(s, "changes_pruned_before");
    return v ? atoll(v) : 0;
}

int tl_since_check(cim_store *s, const char *path, cim_tiles_format format, const char *key, int64_t *since,
                   int64_t *rebuilt_pruned)
{
    char *built = NULL, *run = NULL;
    *rebuilt_pruned = 0;
    if (format == CIM_TILES_PMTILES) {
        FILE *f = fopen(path, "rb");
        if (!f)
            return cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_IO, "--since: no archive '%s' to patch", path);
        fclose(f);
        if (pmtiles_build(path, &built, &run))
            return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "--since: '%s' is no PMTiles v3 archive", path);
    } else if (format == CIM_TILES_DIR) {
        if (dir_build(path, &built, &run))
            return cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_IO,
                                 "--since: no tile directory '%s' to patch (no %s/metadata.json)", path, path);
    } else {
        sqlite3 *db = NULL;
        if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
            sqlite3_close(db);
            return cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_IO, "--since: no archive '%s' to patch", path);
        }
        built = mbtiles_meta(db, "cim_build");
        run = mbtiles_meta(db, "cim_run");
        sqlite3_close(db);
    }
    int rc = 0;
    int64_t horizon = pruned_before(s), held = run ? atoll(run) : 0;
    if (!built || !run)
        rc = cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT,
                           "--since: '%s' does not say what it was built from (no cim_build metadata): rebuild it "
                           "without --since",
                           path);
    else if (strcmp(built, key))
        rc = cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT,
                           "--since: '%s' was built from another store or with other options (%s; now %s): "
                           "rebuild it without --since",
                           path, built, key);
    else if (*since > held)
        rc = cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT,
                           "--since %lld: '%s' holds the store as of run %s; the changes of the runs between would "
                           "be missed (use --since %s)",
                           (long long)*since, path, run, run);
    /* a patch since run R reads the changes of runs after R: all of them
     * must still be recorded, R + 1 at or after the horizon */
    else if ((*since == CIM_TILES_SINCE_ARCHIVE ? held : *since) + 1 >= horizon)
        *since = *since == CIM_TILES_SINCE_ARCHIVE ? held : *since;
    else if (*since == CIM_TILES_SINCE_ARCHIVE) {
        *rebuilt_pruned = horizon; /* a nightly job goes on: built in full */
        *since = 0;
    } else
        rc = cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT,
                           "--since %lld: the change record before run %lld was pruned (cim prune); rebuild '%s' "
                           "without --since",
                           (long long)*since, (long long)horizon, path);
    free(built);
    free(run);
    return rc;
}

static int by_tid(const void *a, const void *b)
{
    const tl_tile *x = a, *y = b;
    return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* A store-CRS box as a grid box: its outline (9 points a side) reprojected. */
static int grid_box(cim_transform *t, const tl_grid *g, const double in[4], double out[4])
{
    double xy[72];
    for (int i = 0; i < 9; i++) {
        double f = i / 8.0, x = in[0] + f * (in[2] - in[0]), y = in[1] + f * (in[3] - in[1]);
        double p[8] = {x, in[1], x, in[3], in[0], y, in[2], y};
        memcpy(xy + 8 * i, p, sizeof p);
    }
    size_t bad = 0;
    if (cim_transform_points(t, xy, 36, 2, &bad))
        return -1;
    out[0] = out[1] = INFINITY;
    out[2] = out[3] = -INFINITY;
    for (int i = 0; i < 36; i++) {
        double y = fmax(-g->ymax, fmin(g->ymax, xy[2 * i + 1]));
        out[0] = fmin(out[0], xy[2 * i]);
        out[2] = fmax(out[2], xy[2 * i]);
        out[1] = fmin(out[1], y);
        out[3] = fmax(out[3], y);
    }
    return 0;
}

static int add_tiles(tl_since *a, const tl_grid *g, const tl_limits *lim, const double box[4])
{
    for (int z = a->minzoom; z <= a->maxzoom; z++) {
        tl_tiles *t = &a->zoom[z];
        uint32_t max_y = (uint32_t)((1u << z) - 1), max = (uint32_t)((g->cols0 << z) - 1);
        double size = g->size0 / (double)(1u << z), pad = (lim->buffer + 1) * size / TL_EXTENT;
        double ax = floor((box[0] - pad - g->x0) / size), bx = floor((box[2] + pad - g->x0) / size),
               ay = floor((g->y0 - box[3] - pad) / size), by = floor((g->y0 - box[1] + pad) / size);
        uint32_t x0 = ax < 0 ? 0 : (uint32_t)fmin(ax, max), x1 = bx < 0 ? 0 : (uint32_t)fmin(bx, max),
                 y0 = ay < 0 ? 0 : (uint32_t)fmin(ay, max_y), y1 = by < 0 ? 0 : (uint32_t)fmin(by, max_y);
        size_t add = (size_t)(x1 - x0 + 1) * (y1 - y0 + 1);
        if (t->n + add > t->cap) {
            size_t c = t->cap ? t->cap : 64;
            while (c < t->n + add)
                c *= 2;
            tl_tile *nt = realloc(t->t, c * sizeof *nt);
            if (!nt)
                return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
            t->t = nt;
            t->cap = c;
        }
        for (uint32_t y = y0; y <= y1; y++)
            for (uint32_t x = x0; x <= x1; x++)
                t->t[t->n++] = (tl_tile){tl_tile_id(g, z, x, y), x, y};
    }
    return 0;
}

int tl_since_tiles(tl_since *a, cim_store *s, const cim_tiles_options *o, int64_t since, const tl_limits *lim)
{
    memset(a, 0, sizeof *a);
    a->minzoom = o->minzoom;
    a->maxzoom = o->maxzoom;
    if (!cim_store_table_exists(s, "cim_changes"))
        return 0; /* no run recorded a change */
    const tl_grid *g = lim->grid;
    cim_transform *t = NULL;
    char src[32];
    snprintf(src, sizeof src, "EPSG:%d", cim_store_srid(s));
    int rc = cim_transform_new(&t, src, NULL, g->srid);
    if (rc)
        return rc;
    cim_sql *q = NULL;
    if (cim_sql_prepare(s, &q,
                        "SELECT minx, miny, maxx, maxy FROM cim_changes WHERE layer = CAST(?1 AS TEXT)"
                        " AND run_id > ?2 AND minx IS NOT NULL"))
        rc = cim_error_prefix("cim_changes");
    for (size_t i = 0; i < o->layer_count && !rc; i++) {
        if ((rc = cim_sql_reset(q)) || (rc = cim_sql_bind_text(q, 1, o->layers[i], -1)) ||
            (rc = cim_sql_bind_int64(q, 2, since)))
            break;
        int step;
        while (!rc && (step = cim_sql_step(q)) == CIM_SQL_ROW) {
            double in[4], box[4];
            for (int k = 0; k < 4; k++)
                in[k] = cim_sql_double(q, k);
            a->changes++;
            if (grid_box(t, g, in, box))
                rc = cim_error_prefix("a change to layer '%s'", o->layers[i]);
            else
                rc = add_tiles(a, g, lim, box);
        }
        if (!rc && step < 0)
            rc = cim_error_prefix("cim_changes");
    }
    cim_sql_finalize(q);
    cim_transform_free(t);
    /* sorted, each tile once */
    for (int z = a->minzoom; z <= a->maxzoom && !rc; z++) {
        tl_tiles *tt = &a->zoom[z];
        if (!tt->n)
            continue;
        qsort(tt->t, tt->n, sizeof *tt->t, by_tid);
        size_t k = 0;
        for (size_t i = 0; i < tt->n; i++)
            if (!k || tt->t[i].tid != tt->t[k - 1].tid)
                tt->t[k++] = tt->t[i];
        tt->n = k;
    }
    return rc;
}

int tl_since_has(const tl_tiles *t, uint64_t tid)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->t[mid].tid < tid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < t->n && t->t[lo].tid == tid;
}

void tl_since_clear(tl_since *a)
{
    for (int z = 0; z <= CIM_TILES_MAX_ZOOM; z++)
        free(a->zoom[z].t);
    memset(a, 0, sizeof *a);
}

uint64_t tl_tile_id(const tl_grid *g, int z, uint32_t x, uint32_t y)
{
    return g->kind == CIM_TILES_WEBMERCATOR ? pmtiles_tile_id((uint8_t)z, x, y)
                                            : (uint64_t)y * ((uint64_t)g->cols0 << z) + x;
}
