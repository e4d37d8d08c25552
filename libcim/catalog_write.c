/* catalog_write.c: the catalogue rows a command writes for the layers it
 * changed, in the command's own transaction. */
#include "catalog_int.h"

#include <string.h>

static int count_and_extent(cim_store *s, const cim_catalog_row *row, int64_t *count, int *has_ext, double ext[4])
{
    char *sql = row->geometry_type && !row->has_extent
                    ? sqlite3_mprintf("SELECT count(*), min(MbrMinX(geom)), min(MbrMinY(geom)), max(MbrMaxX(geom)),"
                                      " max(MbrMaxY(geom)) FROM \"%w\"",
                                      row->name)
                    : sqlite3_mprintf("SELECT count(*), NULL, NULL, NULL, NULL FROM \"%w\"", row->name);
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        return cim_store_sqlite_error(s, row->name);
    *has_ext = row->has_extent;
    if (row->has_extent)
        memcpy(ext, row->extent, 4 * sizeof *ext);
    if (sqlite3_step(q) == SQLITE_ROW) {
        *count = sqlite3_column_int64(q, 0);
        if (sqlite3_column_type(q, 1) != SQLITE_NULL) {
            *has_ext = 1;
            for (int i = 0; i < 4; i++)
                ext[i] = sqlite3_column_double(q, i + 1);
        }
    }
    sqlite3_finalize(q);
    return CIM_OK;
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
    sqlite3_stmt *ins = NULL;
    if (sqlite3_prepare_v2(
            s->db,
            "INSERT OR REPLACE INTO cim_layers(name, kind, role, source, source_sha256, source_format, source_crs,"
            " source_layer, geometry_type, srid, dims, feature_count, minx, miny, maxx, maxy, ingested_at, run_id,"
            " version, created_run, repaired, lineage)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,"
            " ?22)",
            -1, &ins, NULL) != SQLITE_OK)
        return cim_store_sqlite_error(s, "cim_layers");
    const char *texts[] = {row->name,          row->kind,       row->role,          row->source,
                           row->source_sha256, row->source_format, row->source_crs, row->source_layer};
    for (int i = 0; i < 8; i++)
        sqlite3_bind_text(ins, i + 1, texts[i], -1, SQLITE_STATIC);
    if (row->geometry_type) {
        sqlite3_bind_text(ins, 9, row->geometry_type, -1, SQLITE_STATIC);
        sqlite3_bind_int(ins, 10, cim_store_srid(s));
        sqlite3_bind_text(ins, 11, row->dims, -1, SQLITE_STATIC);
    }
    sqlite3_bind_int64(ins, 12, count);
    if (has_ext)
        for (int i = 0; i < 4; i++)
            sqlite3_bind_double(ins, 13 + i, ext[i]);
    sqlite3_bind_text(ins, 17, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(ins, 18, row->run_id);
    sqlite3_bind_int64(ins, 19, row->version);
    sqlite3_bind_int64(ins, 20, row->created_run);
    sqlite3_bind_int64(ins, 21, row->repaired);
    sqlite3_bind_text(ins, 22, row->lineage, -1, SQLITE_STATIC);
    rc = sqlite3_step(ins) == SQLITE_DONE ? CIM_OK : cim_store_sqlite_error(s, "cim_layers");
    sqlite3_finalize(ins);
    return rc;
}

int cim_catalog_version(cim_store *s, const char *name, int64_t *version, int64_t *created_run)
{
    *version = *created_run = 0;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT version, created_run FROM cim_layers WHERE name = ?1", -1, &q, NULL) !=
        SQLITE_OK)
        return cim_store_sqlite_error(s, "cim_layers");
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW) {
        *version = sqlite3_column_int64(q, 0);
        *created_run = sqlite3_column_int64(q, 1);
    }
    sqlite3_finalize(q);
    return CIM_OK;
}

int cim_run_layer_put(cim_store *s, const cim_run_layer_row *row)
{
    sqlite3_stmt *ins = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO cim_run_layers(run_id, layer, action, source, source_sha256, recipe, read,"
                           " inserted, updated, repaired, empty) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                           -1, &ins, NULL) != SQLITE_OK)
        return cim_store_sqlite_error(s, "cim_run_layers");
    sqlite3_bind_int64(ins, 1, row->run_id);
    const char *texts[] = {row->layer, row->action, row->source, row->source_sha256, row->recipe};
    for (int i = 0; i < 5; i++)
        sqlite3_bind_text(ins, i + 2, texts[i], -1, SQLITE_STATIC);
    const int64_t nums[] = {row->read, row->inserted, row->updated, row->repaired, row->empty};
    for (int i = 0; i < 5; i++)
        sqlite3_bind_int64(ins, i + 7, nums[i]);
    int rc = sqlite3_step(ins) == SQLITE_DONE ? CIM_OK : cim_store_sqlite_error(s, "cim_run_layers");
    sqlite3_finalize(ins);
    return rc;
}
