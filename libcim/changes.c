/* changes.c: the per-run change record (cim_changes), described in
 * changes_int.h. */
#include <stdio.h>
#include <string.h>

#include "changes_int.h"
#include "error_int.h"

static int ensure_table(cim_store *s)
{
    return cim_store_exec(s, "CREATE TABLE IF NOT EXISTS cim_changes("
                             " run_id INTEGER NOT NULL REFERENCES cim_runs(id),"
                             " layer TEXT NOT NULL,"
                             " fid INTEGER,"
                             " minx REAL, miny REAL, maxx REAL, maxy REAL);"
                             "CREATE INDEX IF NOT EXISTS cim_changes_layer ON cim_changes(layer, run_id);");
}

int cim_changes_watch(cim_store *s, int64_t run_id, const char *layer)
{
    int rc = ensure_table(s);
    if (rc)
        return rc;
    /* MbrMinX of a NULL geometry is NULL: such rows are no box and no tile */
#define BOX(R) "MbrMinX(" R ".geom), MbrMinY(" R ".geom), MbrMaxX(" R ".geom), MbrMaxY(" R ".geom)"
    char *sql = sqlite3_mprintf(
        "CREATE TEMP TRIGGER \"cim_chg_i_%w\" AFTER INSERT ON main.\"%w\" BEGIN"
        " INSERT INTO cim_changes VALUES (%lld, %Q, NEW.fid, " BOX("NEW") "); END;"
        "CREATE TEMP TRIGGER \"cim_chg_u_%w\" AFTER UPDATE ON main.\"%w\" BEGIN"
        " INSERT INTO cim_changes VALUES (%lld, %Q, OLD.fid, " BOX("OLD") ");"
        " INSERT INTO cim_changes VALUES (%lld, %Q, NEW.fid, " BOX("NEW") "); END;"
        "CREATE TEMP TRIGGER \"cim_chg_d_%w\" AFTER DELETE ON main.\"%w\" BEGIN"
        " INSERT INTO cim_changes VALUES (%lld, %Q, OLD.fid, " BOX("OLD") "); END;",
        layer, layer, (long long)run_id, layer, layer, layer, (long long)run_id, layer, (long long)run_id, layer,
        layer, layer, (long long)run_id, layer);
#undef BOX
    if (!sql)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    rc = cim_store_exec(s, sql);
    sqlite3_free(sql);
    return rc ? cim_error_prefix("layer '%s': recording changes", layer) : 0;
}

int cim_changes_unwatch(cim_store *s, const char *layer)
{
    char *sql = sqlite3_mprintf("DROP TRIGGER IF EXISTS temp.\"cim_chg_i_%w\";"
                                "DROP TRIGGER IF EXISTS temp.\"cim_chg_u_%w\";"
                                "DROP TRIGGER IF EXISTS temp.\"cim_chg_d_%w\";",
                                layer, layer, layer);
    if (!sql)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    int rc = cim_store_exec(s, sql);
    sqlite3_free(sql);
    return rc;
}

int cim_changes_extent(cim_store *s, const char *layer, double box[4], int *has)
{
    sqlite3_stmt *st = NULL;
    *has = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT minx, miny, maxx, maxy FROM cim_layers WHERE name = ?1 AND minx IS NOT NULL",
                           -1, &st, NULL) != SQLITE_OK)
        return cim_store_sqlite_error(s, "cim_layers");
    sqlite3_bind_text(st, 1, layer, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        for (int i = 0; i < 4; i++)
            box[i] = sqlite3_column_double(st, i);
        *has = 1;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : cim_store_sqlite_error(s, "cim_layers");
}

int cim_changes_put_box(cim_store *s, int64_t run_id, const char *layer, const double box[4])
{
    int rc = ensure_table(s);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "INSERT INTO cim_changes VALUES (?1, ?2, NULL, ?3, ?4, ?5, ?6)", -1, &st, NULL) !=
        SQLITE_OK)
        return cim_store_sqlite_error(s, "cim_changes");
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_text(st, 2, layer, -1, SQLITE_STATIC);
    for (int i = 0; i < 4; i++)
        sqlite3_bind_double(st, 3 + i, box[i]);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : cim_store_sqlite_error(s, "cim_changes");
    sqlite3_finalize(st);
    return rc;
}

int cim_changes_put_extent(cim_store *s, int64_t run_id, const char *layer)
{
    double box[4];
    int has = 0, rc = cim_changes_extent(s, layer, box, &has);
    return rc || !has ? rc : cim_changes_put_box(s, run_id, layer, box);
}
