/* tiles_read.c: a store layer into the tile builder's features
 * (tiles_layer.c), read through its spatial index a box at a time (or
 * whole), in fid order, and reprojected to the grid's CRS in parallel
 * chunks with one PROJ transform per thread. The tile builder reads a block
 * of tiles at a time, so memory follows the block, not the layer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "crs_int.h"
#include "pool_int.h"
#include "sql_int.h"
#include "store_int.h"
#include "tiles_int.h"


/* --- reprojection: a chunk's points split into one contiguous task per
 * thread, each with its own transform, kept for the whole build (a PROJ
 * clone looks its operation up again, too slow to repeat per block) --- */

typedef struct proj_job {
    const tl_layer *l;
    cim_transform **t; /* one per task */
    double ymax;
    double *xy;
    size_t n;          /* points */
    size_t ntasks;
} proj_job;

static int proj_run(size_t task, void *state, void *payload)
{
    (void)state;
    proj_job *j = payload;
    size_t per = (j->n + j->ntasks - 1) / j->ntasks, a = task * per;
    if (a >= j->n)
        return 0;
    size_t n = j->n - a < per ? j->n - a : per, bad = 0;
    if (cim_transform_points(j->t[task], j->xy + 2 * a, n, 2, &bad)) {
        /* name the feature of the point that failed */
        size_t pt = a + bad, i = 0;
        while (i + 1 < j->l->nf && j->l->f[i + 1].coord_off / 2 <= pt)
            i++;
        return cim_error_prefix("feature %lld", (long long)j->l->f[i].id);
    }
    for (size_t i = a; i < a + n; i++) {
        double *y = &j->xy[2 * i + 1];
        if (*y > j->ymax)
            *y = j->ymax;
        else if (*y < -j->ymax)
            *y = -j->ymax;
    }
    return 0;
}

static int field_wanted(const char *name, const char *const *fields, size_t nfields)
{
    if (!fields)
        return 1;
    for (size_t i = 0; i < nfields; i++)
        if (!strcmp(fields[i], name))
            return 1;
    return 0;
}

/* --- the reader --- */

/* Rows a PostGIS read fetches at a time: the driver holds a statement's
 * whole result, so a layer is read in fid blocks (keyset paging). SQLite
 * steps one row at a time. */
#define TL_PG_BLOCK 20000
/* Features reprojected and handed on at a time. */
#define TL_CHUNK 8192
/* Points per edge when a box is taken through a transform. */
#define TL_EDGE_STEPS 32

struct tl_reader {
    cim_store *s;
    tl_layer *schema;
    char *table;
    size_t ncols;
    int pg;
    char *select;             /* "SELECT fid, geom, cols FROM table" */
    cim_sql *q_box, *q_all;   /* rows meeting a box (store CRS), all rows; fid order */
    cim_transform **fwd;      /* store -> grid, one per thread */
    size_t nfwd;
    cim_transform *inv;       /* grid -> store, for boxes */
    const tl_grid *grid;
    double extent[4];         /* the layer in the grid CRS, widened */
    double bounds[4];         /* the features' own boxes, united */
    int64_t count;            /* features with a geometry */
    int indexed;              /* a SpatiaLite layer with its R*Tree */
    int measured;             /* count, extent and bounds read */
    tl_layer chunk;
    cim_buf wkb;
};

void tl_reader_free(tl_reader *r)
{
    if (!r)
        return;
    cim_sql_finalize(r->q_box);
    cim_sql_finalize(r->q_all);
    for (size_t i = 0; i < r->nfwd; i++)
        cim_transform_free(r->fwd[i]);
    free(r->fwd);
    cim_transform_free(r->inv);
    tl_layer_clear(&r->chunk);
    cim_buf_free(&r->wkb);
    sqlite3_free(r->select);
    free(r->table);
    free(r);
}

/* The box holding the image of in (t's source CRS) in t's target: its edges
 * sampled, clamped to |y| <= ymax when ymax > 0, then widened by a
 * hundredth of its size, for what an edge bends between samples. */
static int box_through(cim_transform *t, const double in[4], double out[4], double ymax)
{
    double xy[8 * TL_EDGE_STEPS];
    size_t n = 0;
    for (int i = 0; i < TL_EDGE_STEPS; i++) {
        double u = (double)i / TL_EDGE_STEPS, x = in[0] + u * (in[2] - in[0]), y = in[1] + u * (in[3] - in[1]);
        const double p[8] = {x, in[1], in[2], y, in[2] - u * (in[2] - in[0]), in[3], in[0], in[3] - u * (in[3] - in[1])};
        memcpy(xy + n, p, sizeof p);
        n += 8;
    }
    if (cim_transform_points(t, xy, n / 2, 2, NULL))
        return CIM_ECRS;
    out[0] = out[1] = INFINITY;
    out[2] = out[3] = -INFINITY;
    for (size_t i = 0; i < n; i += 2) {
        double y = ymax > 0 ? fmax(-ymax, fmin(ymax, xy[i + 1])) : xy[i + 1];
        out[0] = fmin(out[0], xy[i]);
        out[1] = fmin(out[1], y);
        out[2] = fmax(out[2], xy[i]);
        out[3] = fmax(out[3], y);
    }
    double mx = (out[2] - out[0]) / 100 + 1e-9 * fabs(out[0]), my = (out[3] - out[1]) / 100 + 1e-9 * fabs(out[1]);
    out[0] -= mx;
    out[1] -= my;
    out[2] += mx;
    out[3] += my;
    return 0;
}

/* The layer's extent in the store CRS (from its spatial index where it has
 * one) and its count of features with a geometry. */
static int store_extent(tl_reader *r, double box[4])
{
    cim_sql *q = NULL;
    int rc = r->pg ? cim_sql_preparef(r->s, &q,
                                      "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), n FROM "
                                      "(SELECT ST_Extent(geom) AS e, count(geom) AS n FROM \"%w\") AS x",
                                      r->table)
             : r->indexed ? cim_sql_preparef(r->s, &q,
                                          "SELECT min(xmin), min(ymin), max(xmax), max(ymax), count(*) FROM \"idx_%w_geom\"",
                                          r->table)
                       : cim_sql_preparef(r->s, &q,
                                          "SELECT min(MbrMinX(geom)), min(MbrMinY(geom)), max(MbrMaxX(geom)), "
                                          "max(MbrMaxY(geom)), count(geom) FROM \"%w\"",
                                          r->table);
    if (rc)
        return rc;
    if ((rc = cim_sql_step(q)) == CIM_SQL_ROW) {
        rc = 0;
        r->count = cim_sql_int64(q, 4);
        for (int i = 0; i < 4; i++)
            box[i] = cim_sql_double(q, i);
    }
    cim_sql_finalize(q);
    return rc < 0 ? rc : 0;
}

static int prepare(tl_reader *r)
{
    char *sql = r->pg ? sqlite3_mprintf("%s WHERE geom && ST_MakeEnvelope(?1, ?3, ?2, ?4) AND fid > CAST(?5 AS BIGINT) "
                                        "ORDER BY fid LIMIT %d",
                                        r->select, TL_PG_BLOCK)
                : r->indexed ? sqlite3_mprintf("%s WHERE fid IN (SELECT pkid FROM \"idx_%w_geom\" WHERE xmax >= ?1 AND "
                                            "xmin <= ?2 AND ymax >= ?3 AND ymin <= ?4) AND geom IS NOT NULL ORDER BY fid",
                                            r->select, r->table)
                          : sqlite3_mprintf("%s WHERE geom IS NOT NULL AND MbrMaxX(geom) >= ?1 AND MbrMinX(geom) <= ?2 "
                                            "AND MbrMaxY(geom) >= ?3 AND MbrMinY(geom) <= ?4 ORDER BY fid",
                                            r->select);
    char *all = r->pg ? sqlite3_mprintf("%s WHERE geom IS NOT NULL AND fid > CAST(?1 AS BIGINT) ORDER BY fid LIMIT %d",
                                        r->select, TL_PG_BLOCK)
                      : sqlite3_mprintf("%s WHERE geom IS NOT NULL ORDER BY fid", r->select);
    int rc = !sql || !all ? cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory")
             : cim_sql_prepare(r->s, &r->q_box, sql) ? CIM_EINTERNAL
                                                     : cim_sql_prepare(r->s, &r->q_all, all);
    if (rc)
        rc = cim_error_prefix("reading the layer");
    sqlite3_free(sql);
    sqlite3_free(all);
    return rc;
}

static int exact_bounds(tl_reader *r, const double e[4]);

int tl_reader_open(tl_reader **out, tl_layer *schema, cim_store *s, const char *name, const char *const *fields,
                   size_t nfields, size_t threads, const tl_grid *grid)
{
    *out = NULL;
    memset(schema, 0, sizeof *schema);
    cim_layer_info *info = NULL;
    int rc = cim_layer_info_get(&info, s, name);
    if (rc)
        return rc;
    tl_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->table = strdup(name)) || !(schema->name = strdup(name)) ||
        !(schema->keys = calloc(info->field_count + 1, sizeof *schema->keys)) ||
        !(schema->key_kind = calloc(info->field_count + 1, 1)) || !(r->select = sqlite3_mprintf("SELECT fid, geom"))) {
        rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        goto done;
    }
    r->s = s;
    r->schema = schema;
    r->grid = grid;
    r->pg = cim_store_is_pg(s);
    for (size_t i = 0; i < info->field_count && !rc; i++) {
        const cim_field_info *fi = &info->fields[i];
        if (fi->type == CIM_FIELD_BINARY || !field_wanted(fi->name, fields, nfields))
            continue;
        schema->key_kind[schema->nkeys] = fi->type == CIM_FIELD_BOOLEAN ? 2
                                          : fi->type == CIM_FIELD_INTEGER || fi->type == CIM_FIELD_INTEGER64 ||
                                                    fi->type == CIM_FIELD_REAL
                                              ? 0
                                              : 1;
        char *sel = sqlite3_mprintf("%s, \"%w\"", r->select, fi->name);
        sqlite3_free(r->select);
        r->select = sel;
        if (!sel || !(schema->keys[schema->nkeys++] = strdup(fi->name)))
            rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    }
    r->ncols = schema->nkeys;
    char *sel = rc ? NULL : sqlite3_mprintf("%s FROM \"%w\"", r->select, name);
    sqlite3_free(r->select);
    r->select = sel;
    if (!rc && !sel)
        rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    r->chunk = *schema;
    r->chunk.borrowed = 1;
    char idx[300], src[32];
    snprintf(idx, sizeof idx, "idx_%s_geom", name);
    snprintf(src, sizeof src, "EPSG:%d", info->srid);
    r->indexed = !r->pg && cim_store_table_exists(s, idx);
    r->nfwd = threads ? threads : cim_pool_default_threads();
    if (!rc && !(r->fwd = calloc(r->nfwd, sizeof *r->fwd)))
        rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    if (!rc)
        rc = cim_transform_new(&r->fwd[0], src, NULL, grid->srid);
    for (size_t i = 1; i < r->nfwd && !rc; i++)
        rc = cim_transform_clone(&r->fwd[i], r->fwd[0]);
    snprintf(src, sizeof src, "EPSG:%d", grid->srid);
    if (!rc)
        rc = cim_transform_new(&r->inv, src, NULL, info->srid);
    if (!rc)
        rc = prepare(r);
done:
    if (rc) {
        cim_error_prefix("layer '%s'", name);
        tl_reader_free(r);
        tl_layer_clear(schema);
    } else {
        *out = r;
    }
    cim_layer_info_free(info);
    return rc;
}

/* The count, extent and bounds, read once, when a box read or the caller
 * first needs them (a whole-layer read never does). */
static int measure_extent(tl_reader *r)
{
    if (r->measured)
        return 0;
    double box[4];
    int rc = store_extent(r, box);
    if (!rc && r->count > 0 && box_through(r->fwd[0], box, r->extent, r->grid->ymax))
        rc = cim_error_prefix("layer '%s': the layer's extent", r->table);
    if (!rc && r->count > 0)
        rc = exact_bounds(r, box);
    r->measured = !rc;
    return rc;
}

int tl_reader_extent(tl_reader *r, int64_t *count, double extent[4], double bounds[4])
{
    int rc = measure_extent(r);
    memcpy(extent, r->extent, sizeof r->extent);
    memcpy(bounds, r->bounds, sizeof r->bounds);
    *count = r->count;
    return rc;
}

/* Reprojects and measures the chunk, hands it on, empties it. */
static int flush(tl_reader *r, tl_chunk_fn fn, void *payload)
{
    tl_layer *l = &r->chunk;
    if (!l->nf)
        return 0;
    proj_job job = {l, r->fwd, r->grid->ymax, l->coords, l->ncoords / 2, r->nfwd};
    cim_pool_spec spec = {r->nfwd, r->nfwd, &job, NULL, NULL, proj_run};
    int rc = cim_pool_run(&spec);
    if (rc)
        return rc;
    tl_layer_measure(l);
    rc = fn(l, payload);
    tl_layer_reset(l);
    return rc;
}

/* The rows whose box meets sbox (store CRS; NULL: all of them). */
static int each_in(tl_reader *r, const double *sbox, tl_chunk_fn fn, void *payload)
{
    cim_sql *q = sbox ? r->q_box : r->q_all;
    for (int i = 0; sbox && i < 4; i++)
        if (cim_sql_bind_double(q, i + 1, sbox[i < 2 ? 2 * i : 2 * (i - 2) + 1]))
            return cim_error_prefix("layer '%s'", r->table);
    int64_t last = INT64_MIN;
    int rc = 0;
    for (;;) {
        if (r->pg && (rc = cim_sql_bind_int64(q, sbox ? 5 : 1, last)))
            break;
        size_t rows = 0;
        int step;
        while ((step = cim_sql_step(q)) == CIM_SQL_ROW) {
            last = cim_sql_int64(q, 0);
            rows++;
            if ((rc = tl_layer_read_row(&r->chunk, q, r->ncols, &r->wkb)) ||
                (r->chunk.nf >= TL_CHUNK && (rc = flush(r, fn, payload))))
                break;
        }
        if (!rc && step < 0)
            rc = cim_error_prefix("reading the layer");
        if (rc || !r->pg || rows < TL_PG_BLOCK)
            break;
        cim_sql_reset(q);
    }
    cim_sql_reset(q);
    if (!rc)
        rc = flush(r, fn, payload);
    tl_layer_reset(&r->chunk);
    if (rc)
        cim_error_prefix("layer '%s'", r->table);
    return rc;
}

int tl_reader_each(tl_reader *r, const double *box, tl_chunk_fn fn, void *payload)
{
    if (!box)
        return each_in(r, NULL, fn, payload);
    int rc = measure_extent(r);
    if (rc)
        return rc;
    double sbox[4], b[4] = {fmax(box[0], r->extent[0]), fmax(box[1], r->extent[1]), fmin(box[2], r->extent[2]),
                            fmin(box[3], r->extent[3])};
    if (!r->count || b[0] > b[2] || b[1] > b[3])
        return 0;
    if (box_through(r->inv, b, sbox, 0))
        return cim_error_prefix("layer '%s': a block's box", r->table);
    return each_in(r, sbox, fn, payload);
}

static int unite_box(const tl_layer *chunk, void *payload)
{
    double *b = payload;
    for (int k = 0; k < 2; k++) {
        b[k] = fmin(b[k], chunk->box[k]);
        b[k + 2] = fmax(b[k + 2], chunk->box[k + 2]);
    }
    return 0;
}

/* The layer's exact bounds in the grid CRS: the features' own boxes, read
 * along the four edges of its extent in the store (strips a fiftieth of its
 * size wide, far more than the grid's curvature needs). */
static int exact_bounds(tl_reader *r, const double e[4])
{
    double mx = (e[2] - e[0]) / 50 + 1e-9 * fabs(e[0]), my = (e[3] - e[1]) / 50 + 1e-9 * fabs(e[1]);
    const double strips[4][4] = {{e[0] - mx, e[1] - my, e[0] + mx, e[3] + my},
                                 {e[2] - mx, e[1] - my, e[2] + mx, e[3] + my},
                                 {e[0] - mx, e[1] - my, e[2] + mx, e[1] + my},
                                 {e[0] - mx, e[3] - my, e[2] + mx, e[3] + my}};
    r->bounds[0] = r->bounds[1] = INFINITY;
    r->bounds[2] = r->bounds[3] = -INFINITY;
    int rc = 0;
    for (int i = 0; i < 4 && !rc; i++)
        rc = each_in(r, strips[i], unite_box, r->bounds);
    return rc;
}

/* --- a layer held whole, and copies of features between layers --- */

static int append_all(const tl_layer *chunk, void *payload)
{
    tl_layer *l = payload;
    for (size_t i = 0; i < chunk->nf; i++)
        if (tl_layer_append(l, chunk, i))
            return CIM_EINTERNAL;
    return 0;
}

int tl_layer_read(tl_layer *l, cim_store *s, const char *name, const char *const *fields, size_t nfields,
                  size_t threads, const tl_grid *grid)
{
    /* the rows are copied into the arenas: mapped pages would hold the
     * layer in memory a second time */
    int64_t mapped = cim_store_mmap(s, 0);
    tl_reader *r = NULL;
    int rc = tl_reader_open(&r, l, s, name, fields, nfields, threads, grid);
    if (!rc)
        rc = tl_reader_each(r, NULL, append_all, l);
    tl_reader_free(r);
    if (mapped >= 0)
        cim_store_mmap(s, mapped);
    return rc;
}
