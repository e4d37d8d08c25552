/* sensors_link.c: each sensor to the polygons that contain it and to its
 * nearest building, as rows of NAME_links (sensor, layer, fid, distance).
 * Candidates come from the layers' R*Tree (SpatiaLite's idx_<layer>_geom)
 * or GiST index (PostGIS's && and ST_DWithin), the exact test from GEOS
 * through SpatiaLite or PostGIS. */
#include "cim/sensors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog_int.h"
#include "sensors_int.h"

static int has_index(cim_store *s, const char *layer)
{
    char idx[96];
    snprintf(idx, sizeof idx, "idx_%s_geom", layer);
    return cim_store_table_exists(s, idx);
}

static int check_layer(cim_store *s, const char *layer)
{
    int rc = cim_layer_name_check(layer);
    if (rc)
        return rc;
    if (!cim_store_table_exists(s, layer))
        return cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_ARG, "no layer '%s' in the store", layer);
    return CIM_OK;
}

static int count_links(cim_store *s, const char *links, const char *layer, int64_t *linked, int64_t *rows)
{
    cim_sql *q = NULL;
    int rc = cim_sql_preparef(s, &q, "SELECT count(DISTINCT sensor), count(*) FROM \"%w\" WHERE layer = %Q", links,
                              layer);
    int step = rc ? rc : cim_sql_step(q);
    if (step == CIM_SQL_ROW) {
        *linked = cim_sql_int64(q, 0);
        *rows = cim_sql_int64(q, 1);
    }
    cim_sql_finalize(q);
    return step < 0 ? step : CIM_OK;
}

static int link_polygons(cim_store *s, const char *sensors, const char *links, const char *layer)
{
    int rc = cim_store_execf(s, "DELETE FROM \"%w\" WHERE layer = %Q", links, layer);
    if (rc)
        return rc;
    /* boundary included: a sensor on a district line belongs to both */
    if (cim_store_is_pg(s))
        return cim_store_execf(s,
                               "INSERT INTO \"%w\"(sensor, layer, fid, distance)"
                               " SELECT s.sensor, %Q, p.fid, 0 FROM \"%w\" s JOIN \"%w\" p ON p.geom && s.geom"
                               " AND ST_Intersects(p.geom, s.geom) ON CONFLICT DO NOTHING",
                               links, layer, sensors, layer);
    char *cand = has_index(s, layer)
                     ? sqlite3_mprintf(" AND p.fid IN (SELECT pkid FROM \"idx_%w_geom\" WHERE xmin <= MbrMaxX(s.geom)"
                                       " AND xmax >= MbrMinX(s.geom) AND ymin <= MbrMaxY(s.geom)"
                                       " AND ymax >= MbrMinY(s.geom))",
                                       layer)
                     : sqlite3_mprintf("");
    rc = cim_store_execf(s,
                         "INSERT OR IGNORE INTO \"%w\"(sensor, layer, fid, distance)"
                         " SELECT s.sensor, %Q, p.fid, 0 FROM \"%w\" s JOIN \"%w\" p ON p.geom IS NOT NULL%s"
                         " AND ST_Intersects(p.geom, s.geom) = 1",
                         links, layer, sensors, layer, cand);
    sqlite3_free(cand);
    return rc;
}

static int link_nearest(cim_store *s, const char *sensors, const char *links, const char *layer, double d)
{
    int rc = cim_store_execf(s, "DELETE FROM \"%w\" WHERE layer = %Q", links, layer);
    if (rc)
        return rc;
    int pg = cim_store_is_pg(s);
    char *cand = pg ? sqlite3_mprintf(" AND ST_DWithin(b.geom, s.geom, ?1)")
                 : has_index(s, layer)
                     ? sqlite3_mprintf(" AND b.fid IN (SELECT pkid FROM \"idx_%w_geom\" WHERE xmin <= ST_X(s.geom) + ?1"
                                       " AND xmax >= ST_X(s.geom) - ?1 AND ymin <= ST_Y(s.geom) + ?1"
                                       " AND ymax >= ST_Y(s.geom) - ?1)",
                                       layer)
                     : sqlite3_mprintf("");
    /* one row per sensor: the nearest feature, ties to the lowest fid */
    cim_sql *q = NULL;
    rc = cim_sql_preparef(s, &q,
        "INSERT INTO \"%w\"(sensor, layer, fid, distance)"
        " SELECT sensor, %Q, fid, dist FROM (SELECT s.sensor AS sensor, b.fid AS fid,"
        " ST_Distance(b.geom, s.geom) AS dist, row_number() OVER (PARTITION BY s.sensor"
        " ORDER BY ST_Distance(b.geom, s.geom), b.fid) AS k"
        " FROM \"%w\" s JOIN \"%w\" b ON b.geom IS NOT NULL%s WHERE ST_Distance(b.geom, s.geom) <= %s)%s"
        " WHERE k = 1",
        links, layer, sensors, layer, cand, pg ? "CAST(?1 AS DOUBLE PRECISION)" : "?1", pg ? " AS near" : "");
    sqlite3_free(cand);
    if (!rc)
        rc = cim_sql_bind_double(q, 1, d);
    int step = rc ? rc : cim_sql_step(q);
    cim_sql_finalize(q);
    return step < 0 ? step : CIM_OK;
}

static int add_result(cim_sensors_link_result *res, const char *layer)
{
    size_t n = res->layer_count + 1;
    char **l = realloc(res->layers, n * sizeof *l);
    if (l)
        res->layers = l;
    int64_t *a = realloc(res->linked, n * sizeof *a);
    if (a)
        res->linked = a;
    int64_t *b = realloc(res->links, n * sizeof *b);
    if (b)
        res->links = b;
    if (!l || !a || !b)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    res->layers[n - 1] = strdup(layer);
    res->linked[n - 1] = res->links[n - 1] = 0;
    res->layer_count = n;
    return CIM_OK;
}

static int run(cim_sensors_link_result *res, cim_store *s, const char *layer, const cim_sensors_link_options *o)
{
    char sensors[64], obs[64], links[64];
    int rc = sensors_require(s, layer, sensors, obs, links);
    if (rc)
        return rc;
    if ((!o->to || !o->to[0]) && !o->nearest)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "give polygon layers to link to (--to) or --nearest");
    for (const char *const *t = o->to; t && *t; t++)
        if ((rc = check_layer(s, *t)))
            return rc;
    if (o->nearest && (rc = check_layer(s, o->nearest)))
        return rc;
    if (o->nearest && !(o->max_distance >= 0))
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "--within must be a distance >= 0");
    const char *tables[] = {sensors, obs, links};
    if ((rc = sensors_check_tables(s, tables, 3)))
        return rc;
    if ((rc = cim_store_begin(s)))
        return rc;
    char now[32];
    cim_utc_now(now);
    if ((rc = cim_run_insert(s, &res->run_id, "sensors link", o->command_line ? o->command_line : layer, now)))
        return rc;
    if ((rc = cim_store_execf(s,
                              "CREATE TABLE IF NOT EXISTS \"%w\"(sensor TEXT NOT NULL, layer TEXT NOT NULL,"
                              " fid %s NOT NULL, distance %s, PRIMARY KEY (sensor, layer, fid))%s",
                              links, cim_store_is_pg(s) ? "BIGINT" : "INTEGER", cim_sql_decl(s, "REAL"),
                              cim_store_is_pg(s) ? "" : " WITHOUT ROWID")))
        return rc;
    for (const char *const *t = o->to; t && *t && !rc; t++) {
        if (!(rc = add_result(res, *t)) && !(rc = link_polygons(s, sensors, links, *t)))
            rc = count_links(s, links, *t, &res->linked[res->layer_count - 1], &res->links[res->layer_count - 1]);
    }
    if (!rc && o->nearest && !(rc = add_result(res, o->nearest)) &&
        !(rc = link_nearest(s, sensors, links, o->nearest, o->max_distance)))
        rc = count_links(s, links, o->nearest, &res->linked[res->layer_count - 1], &res->links[res->layer_count - 1]);
    if (rc)
        return rc;
    cim_sql *q = NULL;
    if (!cim_sql_preparef(s, &q, "SELECT count(*) FROM \"%w\"", sensors) && cim_sql_step(q) == CIM_SQL_ROW)
        res->sensors = cim_sql_int64(q, 0);
    cim_sql_finalize(q);
    int64_t version = 0, created = 0;
    if ((rc = cim_catalog_version(s, links, &version, &created)))
        return rc;
    cim_catalog_row row = {.name = links, .kind = "sensor", .role = "links", .run_id = res->run_id,
                           .version = version + 1, .created_run = created ? created : res->run_id};
    if ((rc = cim_catalog_put(s, &row)))
        return rc;
    if ((rc = cim_run_finish(s, res->run_id, "{}", NULL)))
        return rc;
    return cim_store_commit(s);
}

int cim_sensors_link(cim_sensors_link_result **out, cim_store *store, const char *layer,
                     const cim_sensors_link_options *opts)
{
    cim_sensors_link_options defaults = CIM_SENSORS_LINK_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    *out = NULL;
    if (store->readonly)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "store '%s' is open read-only", store->path);
    cim_sensors_link_result *res = calloc(1, sizeof *res);
    if (!res)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    int rc = run(res, store, layer, opts);
    if (rc) {
        cim_store_rollback(store);
        cim_sensors_link_result_free(res);
        return rc;
    }
    *out = res;
    return CIM_OK;
}

void cim_sensors_link_result_free(cim_sensors_link_result *res)
{
    if (!res)
        return;
    for (size_t i = 0; i < res->layer_count; i++)
        free(res->layers[i]);
    free(res->layers);
    free(res->linked);
    free(res->links);
    free(res);
}
