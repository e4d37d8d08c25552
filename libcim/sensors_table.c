/* sensors_table.c: the tables of a sensor layer: the registry NAME_sensors
 * (a point layer, written like any derived layer so QGIS and ogrinfo open
 * it), the readings NAME_obs, and their catalogue rows. */
#include "sensors_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_int.h"
#include "derived_int.h"
#include "sql_int.h"
#include "wkb_int.h"

int sensors_names(const char *layer, char sensors[64], char obs[64], char links[64])
{
    if (!layer || strlen(layer) > 63 - strlen("_sensors"))
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "sensor layer name '%s': 1-55 characters",
                             layer ? layer : "");
    int rc = cim_layer_name_check(layer);
    if (rc)
        return rc;
    snprintf(sensors, 64, "%s_sensors", layer);
    snprintf(obs, 64, "%s_obs", layer);
    snprintf(links, 64, "%s_links", layer);
    return CIM_OK;
}

int sensors_require(cim_store *s, const char *layer, char sensors[64], char obs[64], char links[64])
{
    int rc = sensors_names(layer, sensors, obs, links);
    if (rc)
        return rc;
    if (!cim_store_table_exists(s, sensors) || !cim_store_table_exists(s, obs))
        return cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_ARG,
                             "sensor layer '%s' not found (no tables %s and %s; ingest with --kind sensor)", layer,
                             sensors, obs);
    return CIM_OK;
}

int sensors_layer_kind(cim_store *s, const char *table, char *kind, size_t kn, char *role, size_t rn)
{
    kind[0] = role[0] = '\0';
    cim_sql *q = NULL;
    int rc = cim_sql_prepare(s, &q, "SELECT kind, role FROM cim_layers WHERE name = CAST(?1 AS TEXT)");
    if (!rc)
        rc = cim_sql_bind_text(q, 1, table, -1);
    int step = rc ? rc : cim_sql_step(q);
    if (step == CIM_SQL_ROW) {
        const char *k = cim_sql_text(q, 0), *r = cim_sql_text(q, 1);
        snprintf(kind, kn, "%s", k ? k : "");
        snprintf(role, rn, "%s", r ? r : "");
    }
    cim_sql_finalize(q);
    return step < 0 ? step : CIM_OK;
}

int sensors_check_tables(cim_store *s, const char *const *tables, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!cim_store_table_exists(s, tables[i]))
            continue;
        char kind[32], role[32];
        int rc = sensors_layer_kind(s, tables[i], kind, sizeof kind, role, sizeof role);
        if (rc)
            return rc;
        if (strcmp(kind, "sensor"))
            return cim_error_set(CIM_EEXISTS, CIM_ERRCLASS_ARG,
                                 "layer '%s' exists and is not part of a sensor layer (kind '%s'); choose another --layer",
                                 tables[i], kind[0] ? kind : "none");
    }
    return CIM_OK;
}

int sensors_obs_create(cim_store *s, const char *obs)
{
    /* The same key and the same text times on both backends, so summaries
     * and gaps read alike; SQLite keeps the rows in the key's B-tree. */
    return cim_store_execf(s,
                           "CREATE TABLE IF NOT EXISTS \"%w\"(sensor TEXT NOT NULL, property TEXT NOT NULL,"
                           " t TEXT NOT NULL, value %s, PRIMARY KEY (sensor, property, t))%s",
                           obs, cim_sql_decl(s, "REAL"), cim_store_is_pg(s) ? "" : " WITHOUT ROWID");
}

static int add_attr(const char *name, const char *decl, void *payload)
{
    (void)decl;
    if (!name || !strcmp(name, "fid") || !strcmp(name, "geom") || !strcmp(name, "sensor"))
        return CIM_OK;
    return cim_strset_add(payload, name, NULL) < 0
               ? cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory")
               : CIM_OK;
}

/* The registry's attribute columns: all but fid, geom and sensor, in order. */
static int attr_columns(cim_store *s, const char *table, cim_strset *names)
{
    return cim_sql_each_column(s, table, add_attr, names);
}

int sensors_load(cim_store *s, const char *table, sensor_reg *reg)
{
    if (!cim_store_table_exists(s, table))
        return CIM_OK;
    cim_strset names = {0};
    int rc = attr_columns(s, table, &names);
    char *cols = sqlite3_mprintf("");
    for (size_t a = 0; !rc && a < names.n; a++) {
        char *c = sqlite3_mprintf("%s, CAST(\"%w\" AS TEXT)", cols, names.v[a]);
        sqlite3_free(cols);
        cols = c;
    }
    cim_sql *q = NULL;
    if (!rc)
        rc = cim_sql_preparef(s, &q, "SELECT sensor, ST_X(geom), ST_Y(geom)%s FROM \"%w\" ORDER BY fid", cols, table);
    sqlite3_free(cols);
    int step = rc;
    while (!rc && (step = cim_sql_step(q)) == CIM_SQL_ROW) {
        long k = sensor_reg_add(reg, cim_sql_text(q, 0), 0);
        if (k < 0) {
            rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
            break;
        }
        sensor_ent *e = &reg->ents[k];
        if (cim_sql_type(q, 1) != CIM_SQL_NULL) {
            e->x = cim_sql_double(q, 1);
            e->y = cim_sql_double(q, 2);
            e->has_xy = e->in_store_crs = 1;
        }
        for (size_t a = 0; a < names.n; a++) {
            const char *v = cim_sql_text(q, (int)a + 3);
            if (v && sensor_reg_attr(reg, k, names.v[a], v))
                rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        }
    }
    cim_sql_finalize(q);
    if (!rc && step < 0)
        rc = step;
    /* attribute columns stay even when every value is NULL */
    for (size_t a = 0; a < names.n; a++)
        cim_strset_add(&reg->attr_names, names.v[a], NULL);
    cim_strset_clear(&names);
    reg->existing = reg->ids.n;
    return rc;
}

int sensors_locate(cim_store *s, const char *spec, sensor_reg *reg)
{
    const char *colon = strchr(spec, ':');
    if (!colon || colon == spec || !colon[1])
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "--locations '%s': give LAYER:FIELD", spec);
    char layer[64];
    size_t n = (size_t)(colon - spec);
    if (n >= sizeof layer)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "--locations '%s': layer name too long", spec);
    memcpy(layer, spec, n);
    layer[n] = '\0';
    if (!cim_store_table_exists(s, layer))
        return cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_ARG, "--locations: no layer '%s' in the store", layer);
    /* ST_PointOnSurface, ST_X and ST_Y read alike in SpatiaLite and PostGIS */
    cim_sql *q = NULL;
    int rc = cim_sql_preparef(s, &q,
                              "SELECT CAST(\"%w\" AS TEXT), ST_X(ST_PointOnSurface(geom)),"
                              " ST_Y(ST_PointOnSurface(geom)) FROM \"%w\" WHERE geom IS NOT NULL",
                              colon + 1, layer);
    int step = rc ? rc : cim_sql_step(q);
    if (step < 0) {
        cim_sql_finalize(q);
        return cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_ARG, "--locations '%s': %s", spec,
                             cim_error_last()->message);
    }
    for (; step == CIM_SQL_ROW; step = cim_sql_step(q)) {
        const char *id = cim_sql_text(q, 0);
        long k = id ? cim_strset_find(&reg->ids, id) : -1;
        if (k < 0 || reg->ents[k].has_xy || cim_sql_type(q, 1) == CIM_SQL_NULL)
            continue;
        reg->ents[k].x = cim_sql_double(q, 1);
        reg->ents[k].y = cim_sql_double(q, 2);
        reg->ents[k].has_xy = reg->ents[k].in_store_crs = 1;
    }
    cim_sql_finalize(q);
    return step < 0 ? step : CIM_OK;
}

static void point_wkb(uint8_t out[21], double x, double y)
{
    uint32_t type = CIM_WKB_POINT;
    out[0] = 1;
    memcpy(out + 1, &type, 4); /* little-endian hosts: cim's WKB is little-endian */
    memcpy(out + 5, &x, 8);
    memcpy(out + 13, &y, 8);
}

int sensors_write(cim_store *s, const char *table, const sensor_reg *reg, int64_t run_id, const char *source,
                  const char *sha256)
{
    size_t nf = 1 + reg->attr_names.n;
    cim_derived_field *fields = calloc(nf, sizeof *fields);
    cim_src_value *vals = calloc(nf, sizeof *vals);
    if (!fields || !vals) {
        free(fields);
        free(vals);
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    }
    fields[0].name = "sensor";
    fields[0].type = CIM_FIELD_STRING;
    for (size_t a = 0; a < reg->attr_names.n; a++) {
        fields[a + 1].name = reg->attr_names.v[a];
        fields[a + 1].type = CIM_FIELD_STRING;
    }
    cim_derived *d = NULL;
    int rc = cim_derived_begin(&d, s, table, CIM_WKB_POINT, fields, nf, 1);
    for (size_t i = 0; !rc && i < reg->ids.n; i++) {
        const sensor_ent *e = &reg->ents[i];
        vals[0].s = reg->ids.v[i];
        vals[0].slen = strlen(vals[0].s);
        for (size_t a = 0; a < reg->attr_names.n; a++) {
            const char *v = a < e->nattrs ? e->attrs[a] : NULL;
            vals[a + 1].is_null = v == NULL;
            vals[a + 1].s = v;
            vals[a + 1].slen = v ? strlen(v) : 0;
        }
        uint8_t wkb[21];
        point_wkb(wkb, e->x, e->y);
        rc = cim_derived_put(d, wkb, sizeof wkb, vals);
    }
    if (!rc)
        rc = cim_derived_finish(d, run_id, "sensors", NULL);
    cim_derived_free(d);
    free(fields);
    free(vals);
    if (!rc)
        rc = cim_store_execf(s, "UPDATE cim_layers SET kind = 'sensor', source = %Q, source_sha256 = %Q"
                                " WHERE name = %Q", source, sha256, table);
    return rc;
}

int sensors_obs_catalog(cim_store *s, const char *obs, int64_t run_id, const char *source, const char *sha256,
                        const char *lineage, int64_t read, int64_t inserted)
{
    int64_t version = 0, created = 0;
    int rc = cim_catalog_version(s, obs, &version, &created);
    if (rc)
        return rc;
    cim_catalog_row row = {.name = obs, .kind = "sensor", .role = "observations", .source = source,
                           .source_sha256 = sha256, .source_format = "sensor readings", .run_id = run_id,
                           .version = version + 1, .created_run = created ? created : run_id, .lineage = lineage};
    if ((rc = cim_catalog_put(s, &row)))
        return rc;
    cim_run_layer_row rl = {run_id, obs, "ingest", source, sha256, NULL, read, inserted, 0, 0, 0};
    return cim_run_layer_put(s, &rl);
}
