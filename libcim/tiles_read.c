/* tiles_read.c: a store layer into compact Web Mercator features for the
 * tile builder: coordinates, shapes and attributes in a few arenas (about
 * 16 bytes a vertex), reprojected in parallel chunks with one PROJ
 * transform per thread. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pool_int.h"
#include "sql_int.h"
#include "store_int.h"
#include "tiles_int.h"
#include "crs_int.h"
#include "wkb_int.h"

#define GROW(arr, n, cap, add)                                                     \
    do {                                                                           \
        if ((n) + (add) > (cap)) {                                                 \
            size_t c_ = (cap) ? (cap) : 1024;                                      \
            while (c_ < (n) + (add))                                               \
                c_ *= 2;                                                           \
            void *p_ = realloc((arr), c_ * sizeof *(arr));                         \
            if (!p_)                                                               \
                return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory"); \
            (arr) = p_;                                                            \
            (cap) = c_;                                                            \
        }                                                                          \
    } while (0)

void tl_layer_clear(tl_layer *l)
{
    free(l->name);
    for (size_t i = 0; i < l->nkeys; i++)
        free(l->keys[i]);
    free(l->keys);
    free(l->key_kind);
    free(l->f);
    free(l->coords);
    free(l->shapes);
    free(l->attrs);
    free(l->strings);
    memset(l, 0, sizeof *l);
}

/* --- WKB (ISO, little-endian) into the arenas --- */

typedef struct wkb_cur {
    const uint8_t *p, *end;
} wkb_cur;

static int rd_u32(wkb_cur *c, uint32_t *v)
{
    if (c->end - c->p < 4)
        return -1;
    memcpy(v, c->p, 4);
    c->p += 4;
    return 0;
}

static int push_shape(tl_layer *l, uint32_t v)
{
    GROW(l->shapes, l->nshapes, l->shapes_cap, 1);
    l->shapes[l->nshapes++] = v;
    return 0;
}

/* n points of stride doubles at c->p into the coords arena (x, y only). */
static int push_points(tl_layer *l, wkb_cur *c, uint32_t n, int stride)
{
    if ((size_t)(c->end - c->p) / (8u * (size_t)stride) < n)
        return -1;
    GROW(l->coords, l->ncoords, l->coords_cap, 2 * (size_t)n);
    for (uint32_t i = 0; i < n; i++) {
        memcpy(&l->coords[l->ncoords], c->p, 16);
        l->ncoords += 2;
        c->p += 8 * stride;
    }
    return 0;
}

static int header(wkb_cur *c, uint32_t *base, int *stride)
{
    uint32_t t;
    if (c->p >= c->end || *c->p != 1 || (c->p++, rd_u32(c, &t)))
        return -1;
    *base = t % 1000;
    uint32_t dims = t / 1000;
    *stride = dims == 0 ? 2 : dims == 3 ? 4 : 3;
    return 0;
}

static int ring_set(tl_layer *l, wkb_cur *c, int stride, uint32_t *count)
{
    uint32_t nr;
    if (rd_u32(c, &nr))
        return -1;
    if (push_shape(l, nr))
        return CIM_EINTERNAL;
    for (uint32_t r = 0; r < nr; r++) {
        uint32_t n;
        if (rd_u32(c, &n) || push_shape(l, n) || push_points(l, c, n, stride))
            return -1;
        *count += n;
    }
    return 0;
}

/* One geometry: returns its mvt type (1..3), or -1 when broken or unsupported. */
static int parse(tl_layer *l, const uint8_t *wkb, size_t len, uint32_t *ncoords)
{
    wkb_cur c = {wkb, wkb + len};
    uint32_t base, n;
    int stride;
    *ncoords = 0;
    if (header(&c, &base, &stride))
        return -1;
    switch (base) {
    case CIM_WKB_POINT:
        if (push_shape(l, 1) || push_points(l, &c, 1, stride))
            return -1;
        *ncoords = 1;
        return MVT_POINT;
    case CIM_WKB_LINESTRING:
        if (rd_u32(&c, &n) || push_shape(l, 1) || push_shape(l, n) || push_points(l, &c, n, stride))
            return -1;
        *ncoords = n;
        return MVT_LINESTRING;
    case CIM_WKB_POLYGON:
        if (push_shape(l, 1) || ring_set(l, &c, stride, ncoords))
            return -1;
        return MVT_POLYGON;
    case CIM_WKB_MULTIPOINT:
    case CIM_WKB_MULTILINESTRING:
    case CIM_WKB_MULTIPOLYGON: {
        uint32_t parts;
        if (rd_u32(&c, &parts))
            return -1;
        if (push_shape(l, parts))
            return -1;
        for (uint32_t i = 0; i < parts; i++) {
            uint32_t pb;
            int ps;
            if (header(&c, &pb, &ps) || pb != base - 3)
                return -1;
            if (base == CIM_WKB_MULTIPOINT) {
                if (push_points(l, &c, 1, ps))
                    return -1;
                ++*ncoords;
            } else if (base == CIM_WKB_MULTILINESTRING) {
                if (rd_u32(&c, &n) || push_shape(l, n) || push_points(l, &c, n, ps))
                    return -1;
                *ncoords += n;
            } else if (ring_set(l, &c, ps, ncoords)) {
                return -1;
            }
        }
        /* a multipoint's shape is its point count alone */
        if (base == CIM_WKB_MULTIPOINT)
            return MVT_POINT;
        return base == CIM_WKB_MULTILINESTRING ? MVT_LINESTRING : MVT_POLYGON;
    }
    default: return -1;
    }
}

/* --- reprojection in parallel chunks --- */

typedef struct proj_job {
    const cim_transform *t;
    double ymax;
    double *xy;
    size_t n;        /* points */
    size_t chunk;
} proj_job;

static void *proj_init(void *payload)
{
    proj_job *j = payload;
    cim_transform *t = NULL;
    return cim_transform_clone(&t, j->t) ? NULL : t;
}
static void proj_fini(void *state, void *payload)
{
    cim_transform_free(state);
}
static int proj_run(size_t task, void *state, void *payload)
{
    proj_job *j = payload;
    size_t a = task * j->chunk, n = j->n - a < j->chunk ? j->n - a : j->chunk;
    size_t bad = 0;
    int rc = cim_transform_points(state, j->xy + 2 * a, n, 2, &bad);
    if (rc)
        return cim_error_prefix("point %zu", a + bad);
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

static double ring_area(const double *xy, uint32_t n)
{
    double a = 0;
    for (uint32_t i = 0; i + 1 < n; i++)
        a += xy[2 * i] * xy[2 * i + 3] - xy[2 * i + 2] * xy[2 * i + 1];
    return fabs(a) / 2;
}

/* Box and size of every feature, once coordinates are in Mercator. */
static void measure(tl_layer *l)
{
    l->box[0] = l->box[1] = INFINITY;
    l->box[2] = l->box[3] = -INFINITY;
    for (size_t i = 0; i < l->nf; i++) {
        tl_feature *f = &l->f[i];
        const double *xy = l->coords + f->coord_off;
        f->box[0] = f->box[1] = INFINITY;
        f->box[2] = f->box[3] = -INFINITY;
        for (uint32_t k = 0; k < f->ncoords; k++) {
            double x = xy[2 * k], y = xy[2 * k + 1];
            f->box[0] = fmin(f->box[0], x);
            f->box[1] = fmin(f->box[1], y);
            f->box[2] = fmax(f->box[2], x);
            f->box[3] = fmax(f->box[3], y);
        }
        f->size = 0;
        const uint32_t *sh = l->shapes + f->shape_off;
        if (f->type == MVT_POLYGON) {
            uint32_t np = *sh++;
            for (uint32_t p = 0; p < np; p++) {
                uint32_t nr = *sh++;
                for (uint32_t r = 0; r < nr; r++) {
                    uint32_t n = *sh++;
                    double a = ring_area(xy, n);
                    f->size += r == 0 ? a : -a;
                    xy += 2 * n;
                }
            }
        } else if (f->type == MVT_LINESTRING) {
            for (uint32_t k = 0; k + 1 < f->ncoords; k++)
                f->size += hypot(xy[2 * k + 2] - xy[2 * k], xy[2 * k + 3] - xy[2 * k + 1]);
        }
        for (int k = 0; k < 2; k++) {
            l->box[k] = fmin(l->box[k], f->box[k]);
            l->box[k + 2] = fmax(l->box[k + 2], f->box[k + 2]);
        }
    }
}

/* One row of the layer (fid, geom, then the wanted columns) into the arenas. */
static int read_row(tl_layer *l, cim_sql *q, size_t ncols, cim_buf *wkb)
{
    int64_t fid = cim_sql_int64(q, 0);
    if (cim_splite_blob_to_wkb(wkb, cim_sql_blob(q, 1), (size_t)cim_sql_bytes(q, 1)))
        return cim_error_prefix("feature %lld", (long long)fid);
    GROW(l->f, l->nf, l->f_cap, 1);
    tl_feature *f = &l->f[l->nf];
    memset(f, 0, sizeof *f);
    f->id = (uint64_t)fid;
    f->coord_off = l->ncoords;
    f->shape_off = l->nshapes;
    f->attr_off = l->nattrs;
    uint32_t nc = 0;
    int type = parse(l, wkb->data, wkb->len, &nc);
    if (type < 0)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT,
                             "feature %lld: a geometry the tiles cannot carry (broken, or a collection)",
                             (long long)fid);
    f->type = (uint8_t)type;
    f->ncoords = nc;
    for (size_t i = 0; i < ncols; i++) {
        int col = (int)i + 2, ct = cim_sql_type(q, col);
        if (ct == CIM_SQL_NULL || ct == CIM_SQL_BLOB)
            continue;
        GROW(l->attrs, l->nattrs, l->attrs_cap, 1);
        tl_attr *a = &l->attrs[l->nattrs];
        memset(a, 0, sizeof *a);
        a->key = (uint32_t)i;
        if (ct == CIM_SQL_INTEGER) {
            int64_t v = cim_sql_int64(q, col);
            if (l->key_kind[i] == 2) {
                a->type = MVT_BOOL;
                a->v.i = v != 0;
            } else if (v >= 0) {
                a->type = MVT_UINT;
                a->v.u = (uint64_t)v;
            } else {
                a->type = MVT_SINT;
                a->v.i = v;
            }
        } else if (ct == CIM_SQL_FLOAT) {
            a->type = MVT_DOUBLE;
            a->v.d = cim_sql_double(q, col);
        } else {
            const char *t = cim_sql_text(q, col);
            size_t n = (size_t)cim_sql_bytes(q, col);
            GROW(l->strings, l->nstrings, l->strings_cap, n + 1);
            memcpy(l->strings + l->nstrings, t, n);
            a->type = MVT_STRING;
            a->v.s.off = (uint32_t)l->nstrings;
            a->v.s.len = (uint32_t)n;
            l->nstrings += n;
        }
        l->nattrs++;
        f->nattr++;
    }
    l->nf++;
    return 0;
}

/* Rows a PostGIS read fetches at a time: the driver holds a statement's
 * whole result, so a city layer is read in fid blocks (keyset paging) rather
 * than held twice, as a result and as the arenas. SQLite steps one row at a
 * time and reads the layer in one statement. */
#define TL_PG_BLOCK 20000

static int read_rows(tl_layer *l, cim_store *s, const cim_layer_info *info, const int *cols, size_t ncols)
{
    int pg = cim_store_is_pg(s);
    char *sel = sqlite3_mprintf("SELECT fid, geom");
    for (size_t i = 0; i < ncols && sel; i++) {
        char *n = sqlite3_mprintf("%s, \"%w\"", sel, info->fields[cols[i]].name);
        sqlite3_free(sel);
        sel = n;
    }
    char *sql = !sel ? NULL
                : pg ? sqlite3_mprintf("%s FROM \"%w\" WHERE geom IS NOT NULL AND fid > CAST(?1 AS BIGINT) ORDER BY fid LIMIT %d", sel,
                                       info->name, TL_PG_BLOCK)
                     : sqlite3_mprintf("%s FROM \"%w\" WHERE geom IS NOT NULL ORDER BY fid", sel, info->name);
    sqlite3_free(sel);
    if (!sql)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    cim_sql *q = NULL;
    int rc = cim_sql_prepare(s, &q, sql);
    sqlite3_free(sql);
    if (rc)
        return cim_error_prefix("reading the layer");
    cim_buf wkb = {0};
    int64_t last = INT64_MIN;
    for (;;) {
        if (pg && (rc = cim_sql_bind_int64(q, 1, last)))
            break;
        size_t rows = 0;
        int step;
        while ((step = cim_sql_step(q)) == CIM_SQL_ROW) {
            last = cim_sql_int64(q, 0);
            rows++;
            if ((rc = read_row(l, q, ncols, &wkb)))
                break;
        }
        if (!rc && step < 0)
            rc = cim_error_prefix("reading the layer");
        if (rc || !pg || rows < TL_PG_BLOCK || (rc = cim_sql_reset(q)))
            break;
    }
    cim_sql_finalize(q);
    cim_buf_free(&wkb);
    return rc;
}

int tl_layer_read(tl_layer *l, cim_store *s, const char *name, const char *const *fields, size_t nfields,
                  size_t threads, const tl_grid *grid)
{
    cim_layer_info *info = NULL;
    memset(l, 0, sizeof *l);
    int rc = cim_layer_info_get(&info, s, name);
    if (rc)
        return rc;
    int *cols = calloc(info->field_count + 1, sizeof *cols);
    l->name = strdup(name);
    l->keys = calloc(info->field_count + 1, sizeof *l->keys);
    l->key_kind = calloc(info->field_count + 1, 1);
    if (!cols || !l->name || !l->keys || !l->key_kind) {
        rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < info->field_count; i++) {
        const cim_field_info *fi = &info->fields[i];
        if (fi->type == CIM_FIELD_BINARY || !field_wanted(fi->name, fields, nfields))
            continue;
        l->key_kind[l->nkeys] = fi->type == CIM_FIELD_BOOLEAN                                        ? 2
                                : fi->type == CIM_FIELD_INTEGER || fi->type == CIM_FIELD_INTEGER64 ||
                                          fi->type == CIM_FIELD_REAL ? 0 : 1;
        cols[l->nkeys] = (int)i;
        l->keys[l->nkeys++] = strdup(fi->name);
    }
    if ((rc = read_rows(l, s, info, cols, l->nkeys)))
        goto done;
    cim_transform *t = NULL;
    char src[32];
    snprintf(src, sizeof src, "EPSG:%d", info->srid);
    if ((rc = cim_transform_new(&t, src, NULL, grid->srid)))
        goto done;
    proj_job job = {t, grid->ymax, l->coords, l->ncoords / 2, 1 << 16};
    cim_pool_spec spec = {threads, (job.n + job.chunk - 1) / job.chunk, &job, proj_init, proj_fini, proj_run};
    rc = cim_pool_run(&spec);
    cim_transform_free(t);
    if (rc)
        goto done;
    measure(l);
done:
    if (rc)
        cim_error_prefix("layer '%s'", name);
    free(cols);
    cim_layer_info_free(info);
    return rc;
}
