/* catalog_write.c: the catalogue rows a command writes for the layers it
 * changed, in the command's own transaction (either backend, sql_int.h). */
#include "catalog_int.h"

#include <string.h>

#include "sql_int.h"

static int count_and_extent(cim_store *s, const cim_catalog_row *row, int64_t *count, int *has_ext, double ext[4])
{
    const char *box = cim_store_is_pg(s) ? "min(ST_XMin(geom)), min(ST_YMin(geom)), max(ST_XMax(geom)),"
                                           " max(ST_YMax(geom))"
                                         : "min(MbrMinX(geom)), min(MbrMinY(geom)), max(MbrMaxX(geom)),"
                                           " max(MbrMaxY(geom))";
    cim_sql *q = NULL;
    int rc = row->geometry_type && !row->has_extent
                 ? cim_sql_preparef(s, &q, "SELECT count(*), %s FROM \"%w\"", box, row->name)
                 : cim_sql_preparef(s, &q, "SELECT count(*), NULL, NULL, NULL, NULL FROM \"%w\"", row->name);
    if (rc)
        return rc;
    *has_ext = row->has_extent;
    if (row->has_extent)
        memcpy(ext, row->extent, 4 * sizeof *ext);
    int step = cim_sql_step(q);
    if (step == CIM_SQL_ROW) {
        *count = cim_sql_int64(q, 0);
        if (cim_sql_type(q, 1) != CIM_SQL_NULL) {
            *has_ext = 1;
            for (int i = 0; i < 4; i++)
                ext[i] = cim_sql_double(q, i + 1);
        }
    }
    cim_sql_finalize(q);
    return step < 0 ? step : CIM_OK;
}

static const char *const pg_conflict =
    " ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, role = excluded.role, source = excluded.source,"
    " source_sha256 = excluded.source_sha256, source_format = excluded.source_format,"
    " source_crs = excluded.source_crs, source_layer = excluded.source_layer,"
    " geometry_type = excluded.geometry_type, srid = excluded.srid, dims = excluded.dims,"
    " feature_count = excluded.feature_count, minx = excluded.minx, miny = excluded.miny, maxx = excluded.maxx,"
    " maxy = excluded.maxy, ingested_at = excluded.ingested_at, run_id = excluded.run_id,"
    " version = excluded.version, created_run = excluded.created_run, repaired = excluded.repaired,"
    " lineage = excluded.lineage";

/* Binds text, NULL for a NULL pointer. */
static int bind_texts(cim_sql *q, int first, const char *const *texts, int n)
{
    int rc = CIM_OK;
    for (int i = 0; i < n && !rc; i++)
        rc = texts[i] ? cim_sql_bind_text(q, first + i, texts[i], -1) : cim_sql_bind_null(q, first + i);
    return rc;
}

static int step_done(cim_sql *q)
{
    int step = cim_sql_step(q);
    cim_sql_finalize(q);
    return step < 0 ? step : CIM_OK;
}

int cim_catalog_put(cim_store *s, const cim_catalog_row *row)
{
    int64_t count = 0;
    int has_ext = 0;
    double ext[4] = {0, 0, 0, 0};
    int rc = count_and_extent(s, row, &count, &has_ext, ext);
    if (rc)
        return rc;
    char now[32];
    cim_utc_now(now);
    cim_sql *ins = NULL;
    /* SQLite keeps INSERT OR REPLACE (the row moves to the end, as `cim
     * layers` has always listed it); PostgreSQL reads ON CONFLICT. */
    int pg = cim_store_is_pg(s);
    rc = cim_sql_preparef(
        s, &ins,
        "INSERT%s INTO cim_layers(name, kind, role, source, source_sha256, source_format, source_crs,"
        " source_layer, geometry_type, srid, dims, feature_count, minx, miny, maxx, maxy, ingested_at, run_id,"
        " version, created_run, repaired, lineage)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,"
        " ?22)%s",
        pg ? "" : " OR REPLACE", pg ? pg_conflict : "");
    if (rc)
        return rc;
    const char *texts[] = {row->name,          row->kind,          row->role,       row->source,
                           row->source_sha256, row->source_format, row->source_crs, row->source_layer};
    rc = bind_texts(ins, 1, texts, 8);
    for (int i = 9; i <= 16 && !rc; i++)
        rc = cim_sql_bind_null(ins, i);
    if (!rc && row->geometry_type) {
        rc = cim_sql_bind_text(ins, 9, row->geometry_type, -1);
        if (!rc)
            rc = cim_sql_bind_int64(ins, 10, cim_store_srid(s));
        if (!rc)
            rc = cim_sql_bind_text(ins, 11, row->dims, -1);
    }
    if (!rc)
        rc = cim_sql_bind_int64(ins, 12, count);
    for (int i = 0; has_ext && i < 4 && !rc; i++)
        rc = cim_sql_bind_double(ins, 13 + i, ext[i]);
    const char *tail[] = {now};
    if (!rc)
        rc = bind_texts(ins, 17, tail, 1);
    const int64_t nums[] = {row->run_id, row->version, row->created_run, row->repaired};
    for (int i = 0; i < 4 && !rc; i++)
        rc = cim_sql_bind_int64(ins, 18 + i, nums[i]);
    const char *lineage[] = {row->lineage};
    if (!rc)
        rc = bind_texts(ins, 22, lineage, 1);
    if (rc) {
        cim_sql_finalize(ins);
        return rc;
    }
    return step_done(ins);
}

int cim_catalog_version(cim_store *s, const char *name, int64_t *version, int64_t *created_run)
{
    *version = *created_run = 0;
    cim_sql *q = NULL;
    int rc = cim_sql_prepare(s, &q, "SELECT version, created_run FROM cim_layers WHERE name = ?1");
    if (!rc)
        rc = cim_sql_bind_text(q, 1, name, -1);
    int step = rc ? rc : cim_sql_step(q);
    if (step == CIM_SQL_ROW) {
        *version = cim_sql_int64(q, 0);
        *created_run = cim_sql_int64(q, 1);
    }
    cim_sql_finalize(q);
    return step < 0 ? step : CIM_OK;
}

int cim_run_layer_put(cim_store *s, const cim_run_layer_row *row)
{
    cim_sql *ins = NULL;
    int rc = cim_sql_prepare(s, &ins,
                             "INSERT INTO cim_run_layers(run_id, layer, action, source, source_sha256, recipe, read,"
                             " inserted, updated, repaired, empty) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    if (rc)
        return rc;
    rc = cim_sql_bind_int64(ins, 1, row->run_id);
    const char *texts[] = {row->layer, row->action, row->source, row->source_sha256, row->recipe};
    if (!rc)
        rc = bind_texts(ins, 2, texts, 5);
    const int64_t nums[] = {row->read, row->inserted, row->updated, row->repaired, row->empty};
    for (int i = 0; i < 5 && !rc; i++)
        rc = cim_sql_bind_int64(ins, i + 7, nums[i]);
    if (rc) {
        cim_sql_finalize(ins);
        return rc;
    }
    return step_done(ins);
}
