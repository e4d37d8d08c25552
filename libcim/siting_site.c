/* siting_site.c: the proposed site of a siting check, from a vector file
 * (read by the same source readers as ingest, checked, repaired and
 * reprojected the same way, but kept in memory: the store is not touched) or
 * from a layer of the store. The result is one valid polygonal geometry in
 * the store CRS: the union of the site's polygons. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crs_extent_int.h"
#include "crs_int.h"
#include "geom_check_int.h"
#include "geos_io_int.h"
#include "siting_int.h"
#include "sql_int.h"
#include "store_pg_int.h"
#include "source_int.h"
#include "wkb_int.h"
#include "wkb_reproject_int.h"

GEOSGeometry *cim_siting_polygonal(GEOSContextHandle_t h, const GEOSGeometry *g)
{
    int type = GEOSGeomTypeId_r(h, g);
    if (type == GEOS_POLYGON || type == GEOS_MULTIPOLYGON) {
        if (type == GEOS_MULTIPOLYGON)
            return GEOSGeom_clone_r(h, g);
        GEOSGeometry *one = GEOSGeom_clone_r(h, g);
        return GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, &one, 1);
    }
    if (type != GEOS_GEOMETRYCOLLECTION && type != GEOS_MULTIPOLYGON)
        return GEOSGeom_createEmptyCollection_r(h, GEOS_MULTIPOLYGON);
    int n = GEOSGetNumGeometries_r(h, g);
    GEOSGeometry **parts = calloc((size_t)n + 1, sizeof *parts);
    unsigned int k = 0;
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *p = GEOSGetGeometryN_r(h, g, i);
        int pt = GEOSGeomTypeId_r(h, p);
        if (pt == GEOS_POLYGON && !GEOSisEmpty_r(h, p)) {
            parts[k++] = GEOSGeom_clone_r(h, p);
        } else if (pt == GEOS_MULTIPOLYGON || pt == GEOS_GEOMETRYCOLLECTION) {
            GEOSGeometry *sub = cim_siting_polygonal(h, p);
            int m = GEOSGetNumGeometries_r(h, sub);
            if (m > 0) {
                parts = realloc(parts, ((size_t)n + k + (size_t)m + 1) * sizeof *parts);
                for (int j = 0; j < m; j++)
                    parts[k++] = GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, sub, j));
            }
            GEOSGeom_destroy_r(h, sub);
        }
    }
    GEOSGeometry *out = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, k);
    free(parts);
    return out;
}

/* ---- the site from a file ---- */

typedef struct file_reader {
    GEOSContextHandle_t h;
    cim_store *store;
    const cim_siting_options *o;
    GEOSWKBReader *reader;
    cim_geom_checker *checker;
    cim_buf work, repaired;
    double extent[4];
    GEOSGeometry **polys;
    size_t n, cap;
} file_reader;

/* One feature: checked and repaired in the source CRS (as ingest does),
 * reprojected, kept. */
static int take_feature(file_reader *r, const cim_src_layer *l, const cim_src_feature *f, cim_wkb_reprojector *cp)
{
    cim_buf *w = &r->work;
    w->len = 0;
    if (cim_buf_reserve(w, f->wkb_len))
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    cim_buf_put(w, f->wkb, f->wkb_len);
    cim_wkb_info info;
    int rc = cim_wkb_scan(w->data, w->len, &info);
    if (rc)
        return rc;
    if (info.points == 0)
        return CIM_OK;
    if (info.type != CIM_WKB_POLYGON && info.type != CIM_WKB_MULTIPOLYGON)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "a %s: a site must be polygons",
                             cim_wkb_type_name(info.type));
    if (info.nonfinite)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "a coordinate is NaN or infinite");
    if (cim_transform_src_is_geographic(cp->t)) {
        const double *m = info.mbr;
        int sw = l->swap_xy;
        double lo = sw ? m[1] : m[0], hi = sw ? m[3] : m[2], la = sw ? m[0] : m[1], ha = sw ? m[2] : m[3];
        if (lo < -180.0 || hi > 180.0 || la < -90.0 || ha > 90.0)
            return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT,
                                 "coordinates out of range for %s (longitude %g..%g, latitude %g..%g; is the "
                                 "site's CRS right?)",
                                 cim_transform_src_name(cp->t), lo, hi, la, ha);
    }
    char reason[256];
    rc = cim_geom_check(r->checker, w->data, w->len, &r->repaired, reason, sizeof reason);
    if (rc < 0)
        return rc;
    if (rc == CIM_GEOM_REPAIRED) {
        w->len = 0;
        if (cim_buf_reserve(w, r->repaired.len))
            return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        cim_buf_put(w, r->repaired.data, r->repaired.len);
    }
    if ((rc = cim_wkb_reproject(cp, w->data, w->len)))
        return rc;
    if ((rc = cim_wkb_scan(w->data, w->len, &info)))
        return rc;
    const double *e = r->extent, *m = info.mbr;
    if (m[0] < e[0] || m[2] > e[2] || m[1] < e[1] || m[3] > e[3])
        return cim_error_set(CIM_ECRS, CIM_ERRCLASS_FORMAT,
                             "lies at x %.9g..%.9g, y %.9g..%.9g in the store CRS EPSG:%d, far outside its area "
                             "of use: is the site's CRS (%s) right? give the right one with --s-srs",
                             m[0], m[2], m[1], m[3], cim_store_srid(r->store), cim_transform_src_name(cp->t));
    GEOSGeometry *g = GEOSWKBReader_read_r(r->h, r->reader, w->data, w->len);
    if (!g)
        return cim_error_set(CIM_EGEOMETRY, CIM_ERRCLASS_GEOS, "GEOS cannot read the geometry");
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 16;
        r->polys = realloc(r->polys, r->cap * sizeof *r->polys);
    }
    r->polys[r->n++] = g;
    return CIM_OK;
}

static int read_layer(file_reader *r, cim_src_layer *l)
{
    if (l->geom_type == UINT32_MAX)
        return CIM_OK; /* an attribute table: no geometry */
    const cim_siting_options *o = r->o;
    cim_transform *tr = NULL;
    int rc = cim_transform_new(&tr, o->site_srs, o->site_srs ? NULL : l->srs_wkt, cim_store_srid(r->store));
    if (rc)
        return cim_error_prefix("site '%s', layer '%s'", o->site_file, l->name);
    cim_wkb_reprojector cp = {tr, l->swap_xy, NULL, 0};
    cim_src_feature f;
    while ((rc = l->ops->next(l, &f)) == CIM_OK) {
        if (!f.wkb)
            continue;
        if ((rc = take_feature(r, l, &f, &cp))) {
            if (f.where[0])
                cim_error_prefix("site '%s', feature %lld (%s)", o->site_file, (long long)f.index, f.where);
            else
                cim_error_prefix("site '%s', feature %lld", o->site_file, (long long)f.index);
            break;
        }
    }
    if (rc == CIM_ITEROVER)
        rc = CIM_OK;
    else if (rc == CIM_EFORMAT && !strstr(cim_error_last() ? cim_error_last()->message : "", "site '"))
        rc = cim_error_prefix("site '%s'", o->site_file);
    cim_wkb_reprojector_clear(&cp);
    cim_transform_free(tr);
    return rc;
}

static GEOSGeometry *union_polys(GEOSContextHandle_t h, GEOSGeometry **polys, size_t n, const char *what)
{
    GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, polys, (unsigned int)n);
    GEOSGeometry *u = coll ? GEOSUnaryUnion_r(h, coll) : NULL;
    if (coll)
        GEOSGeom_destroy_r(h, coll);
    if (!u) {
        cim_error_prefix("site %s: union of its polygons", what);
        return NULL;
    }
    if (!GEOSisValid_r(h, u)) {
        /* Reprojection can bend a valid ring into a self-touching one. */
        GEOSGeometry *v = GEOSMakeValid_r(h, u);
        GEOSGeom_destroy_r(h, u);
        u = v;
        if (!u) {
            cim_error_prefix("site %s: repair after reprojection", what);
            return NULL;
        }
    }
    GEOSGeometry *p = cim_siting_polygonal(h, u);
    GEOSGeom_destroy_r(h, u);
    double area = 0;
    if (p && (GEOSArea_r(h, p, &area) != 1 || !(area > 0))) {
        GEOSGeom_destroy_r(h, p);
        cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "site %s has no area", what);
        return NULL;
    }
    return p;
}

static GEOSGeometry *read_file(GEOSContextHandle_t h, cim_store *s, const cim_siting_options *o, size_t *features)
{
    cim_ingest_options io = CIM_INGEST_OPTIONS_INIT;
    cim_source *src = NULL;
    int rc = cim_source_open(&src, o->site_file, &io);
    if (rc) {
        const cim_error *e = cim_error_last();
        if (!e || !strstr(e->message, o->site_file))
            cim_error_prefix("site '%s'", o->site_file);
        return NULL;
    }
    file_reader r = {.h = h, .store = s, .o = o};
    r.reader = GEOSWKBReader_create_r(h);
    if (!(rc = cim_crs_store_extent(cim_store_srid(s), r.extent)))
        rc = cim_geom_checker_new(&r.checker);
    for (size_t i = 0; i < src->layer_count && !rc; i++)
        rc = read_layer(&r, src->layers[i]);
    GEOSGeometry *site = NULL;
    char what[600];
    snprintf(what, sizeof what, "'%.500s'", o->site_file);
    if (!rc && r.n == 0)
        cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "site %s: no polygon in the file", what);
    else if (!rc)
        site = union_polys(h, r.polys, r.n, what); /* takes the polygons */
    if (rc || !site)
        for (size_t i = 0; i < r.n && rc; i++)
            GEOSGeom_destroy_r(h, r.polys[i]);
    *features = r.n;
    free(r.polys);
    GEOSWKBReader_destroy_r(h, r.reader);
    cim_geom_checker_free(r.checker);
    cim_buf_free(&r.work);
    cim_buf_free(&r.repaired);
    cim_source_free(src);
    return site;
}

/* ---- the site from a store layer ---- */

static GEOSGeometry *read_store_layer(GEOSContextHandle_t h, cim_store *s, const cim_siting_options *o,
                                      size_t *features)
{
    cim_layer_info *info = NULL;
    int rc = cim_layer_info_get(&info, s, o->site_layer);
    if (rc) {
        cim_error_prefix("site layer");
        return NULL;
    }
    const char *gt = info->geometry_type ? info->geometry_type : "no geometry";
    if (strcmp(gt, "POLYGON") && strcmp(gt, "MULTIPOLYGON")) {
        cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "site layer '%s' holds %s, not polygons", o->site_layer, gt);
        cim_layer_info_free(info);
        return NULL;
    }
    cim_layer_info_free(info);
    char *sql = o->site_where ? sqlite3_mprintf("SELECT fid, geom FROM \"%w\" WHERE geom IS NOT NULL AND (%s)"
                                                " ORDER BY fid",
                                                o->site_layer, o->site_where)
                              : sqlite3_mprintf("SELECT fid, geom FROM \"%w\" WHERE geom IS NOT NULL ORDER BY fid",
                                                o->site_layer);
    cim_sql *st = NULL;
    int pg_ro = 0;
    if (cim_store_is_pg(s)) {
        /* PostgreSQL's prepared statements take one command; a read-only
         * transaction keeps the filter from writing (SQLite's authorizer). */
        if (o->site_where && cim_pg_in_transaction(s)) {
            sqlite3_free(sql);
            cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                          "site layer '%s', --where: cannot run inside another transaction on PostGIS",
                          o->site_layer);
            return NULL;
        }
        if (o->site_where && (rc = cim_store_exec(s, "BEGIN TRANSACTION READ ONLY"))) {
            sqlite3_free(sql);
            return NULL;
        }
        pg_ro = o->site_where != NULL;
        rc = cim_sql_prepare(s, &st, sql);
        sqlite3_free(sql);
        if (rc) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", cim_error_last()->message);
            if (pg_ro)
                cim_store_rollback(s);
            cim_error_set(CIM_EINVALID, CIM_ERRCLASS_POSTGRES, "site layer '%s'%s: %s", o->site_layer,
                          o->site_where ? ", --where" : "", msg);
            return NULL;
        }
    } else {
        sqlite3_stmt *raw = NULL;
        const char *tail = NULL;
        sqlite3_set_authorizer(s->db, cim_store_readonly_authorizer, NULL);
        int src = sqlite3_prepare_v2(s->db, sql, -1, &raw, &tail);
        if (!s->readonly)
            sqlite3_set_authorizer(s->db, NULL, NULL);
        sqlite3_finalize(raw);
        if (src == SQLITE_OK && tail && tail[strspn(tail, " \t\r\n")]) {
            sqlite3_free(sql);
            cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "site layer '%s', --where: one expression, not statements",
                          o->site_layer);
            return NULL;
        }
        if (src != SQLITE_OK) {
            sqlite3_free(sql);
            cim_error_set(CIM_EINVALID, CIM_ERRCLASS_SQLITE, "site layer '%s'%s: %s%s", o->site_layer,
                          o->site_where ? ", --where" : "", sqlite3_errmsg(s->db),
                          src == SQLITE_AUTH ? " (the filter is read-only)" : "");
            return NULL;
        }
        /* Checked under the authorizer; runs as a store statement. */
        rc = cim_sql_prepare(s, &st, sql);
        sqlite3_free(sql);
        if (rc)
            return NULL;
    }
    cim_geos_io io;
    cim_geos_io_init(&io, h);
    GEOSGeometry **polys = NULL;
    size_t n = 0, cap = 0;
    int step;
    rc = CIM_OK;
    while ((step = cim_sql_step(st)) == CIM_SQL_ROW) {
        GEOSGeometry *g = cim_geos_from_blob(&io, cim_sql_blob(st, 1), (size_t)cim_sql_bytes(st, 1));
        if (!g) {
            rc = cim_error_prefix("site layer '%s', fid %lld", o->site_layer, (long long)cim_sql_int64(st, 0));
            break;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            polys = realloc(polys, cap * sizeof *polys);
        }
        polys[n++] = g;
    }
    if (!rc && step < 0) { /* the filter failed as it ran: a usage error, as when it is prepared */
        char msg[512]; /* copied: the error's own buffer is rewritten below */
        snprintf(msg, sizeof msg, "%s", s->db ? sqlite3_errmsg(s->db) : cim_error_last()->message);
        rc = cim_error_set(CIM_EINVALID, cim_store_is_pg(s) ? CIM_ERRCLASS_POSTGRES : CIM_ERRCLASS_SQLITE,
                           "site layer '%s': %s", o->site_layer, msg);
    }
    cim_sql_finalize(st);
    if (pg_ro)
        cim_store_rollback(s);
    cim_geos_io_clear(&io);
    GEOSGeometry *site = NULL;
    char what[200];
    snprintf(what, sizeof what, "layer '%s'%s", o->site_layer, o->site_where ? " (with --where)" : "");
    if (!rc && n == 0)
        cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "site %s: no feature with a geometry", what);
    else if (!rc)
        site = union_polys(h, polys, n, what);
    if (rc)
        for (size_t i = 0; i < n; i++)
            GEOSGeom_destroy_r(h, polys[i]);
    free(polys);
    *features = n;
    return site;
}

GEOSGeometry *cim_siting_site_read(GEOSContextHandle_t h, cim_store *s, const cim_siting_options *opts,
                                   size_t *features)
{
    *features = 0;
    if (opts->site_file)
        return read_file(h, s, opts, features);
    return read_store_layer(h, s, opts, features);
}
