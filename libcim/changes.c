/* changes.c: the per-run change record (cim_changes), described in
 * changes_int.h. On PostGIS the watch is a statement-level trigger per
 * operation whose transition table holds the rows touched: a COPY of many
 * rows records them in one INSERT ... SELECT, not one trigger call a row. */
#include <stdio.h>
#include <string.h>

#include "changes_int.h"
#include "error_int.h"
#include "sql_int.h"

static int ensure_table(cim_store *s)
{
    if (cim_store_is_pg(s))
        return cim_store_exec(s, "CREATE TABLE IF NOT EXISTS cim_changes("
                                 " run_id BIGINT NOT NULL REFERENCES cim_runs(id),"
                                 " layer TEXT NOT NULL,"
                                 " fid BIGINT,"
                                 " minx DOUBLE PRECISION, miny DOUBLE PRECISION,"
                                 " maxx DOUBLE PRECISION, maxy DOUBLE PRECISION);"
                                 "CREATE INDEX IF NOT EXISTS cim_changes_layer ON cim_changes(layer, run_id);");
    return cim_store_exec(s, "CREATE TABLE IF NOT EXISTS cim_changes("
                             " run_id INTEGER NOT NULL REFERENCES cim_runs(id),"
                             " layer TEXT NOT NULL,"
                             " fid INTEGER,"
                             " minx REAL, miny REAL, maxx REAL, maxy REAL);"
                             "CREATE INDEX IF NOT EXISTS cim_changes_layer ON cim_changes(layer, run_id);");
}

/* The trigger function (in the store's schema): arguments run id and layer;
 * old_rows / new_rows are the statement's transition tables. An empty
 * geometry is stored NULL, whose ST_XMin is NULL: no box, as on SQLite. */
static const char *const pg_function =
    "CREATE OR REPLACE FUNCTION cim_changes_record() RETURNS trigger LANGUAGE plpgsql AS $f$"
    " BEGIN"
    "  IF TG_OP IN ('UPDATE', 'DELETE') THEN"
    "   INSERT INTO cim_changes SELECT TG_ARGV[0]::bigint, TG_ARGV[1], fid,"
    "    ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM old_rows;"
    "  END IF;"
    "  IF TG_OP IN ('INSERT', 'UPDATE') THEN"
    "   INSERT INTO cim_changes SELECT TG_ARGV[0]::bigint, TG_ARGV[1], fid,"
    "    ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM new_rows;"
    "  END IF;"
    "  RETURN NULL;"
    " END $f$";

/* The function stays in the schema: another layer's triggers may use it. */
static int watch_pg(cim_store *s, int64_t run_id, const char *layer)
{
    int rc = cim_store_exec(s, pg_function);
    /* A transition table belongs to a trigger of one operation. */
    static const char *const ops[][3] = {{"i", "INSERT", "NEW TABLE AS new_rows"},
                                         {"u", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"},
                                         {"d", "DELETE", "OLD TABLE AS old_rows"}};
    for (int i = 0; i < 3 && !rc; i++)
        rc = cim_store_execf(s,
                             "CREATE TRIGGER \"cim_chg_%s_%w\" AFTER %s ON \"%w\" REFERENCING %s"
                             " FOR EACH STATEMENT EXECUTE FUNCTION cim_changes_record('%lld', %Q)",
                             ops[i][0], layer, ops[i][1], layer, ops[i][2], (long long)run_id, layer);
    return rc;
}

int cim_changes_watch(cim_store *s, int64_t run_id, const char *layer)
{
    int rc = ensure_table(s);
    if (rc)
        return rc;
    if (cim_store_is_pg(s))
        return watch_pg(s, run_id, layer) ? cim_error_prefix("layer '%s': recording changes", layer) : 0;
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
    if (cim_store_is_pg(s))
        return cim_store_execf(s,
                               "DROP TRIGGER IF EXISTS \"cim_chg_i_%w\" ON \"%w\";"
                               "DROP TRIGGER IF EXISTS \"cim_chg_u_%w\" ON \"%w\";"
                               "DROP TRIGGER IF EXISTS \"cim_chg_d_%w\" ON \"%w\"",
                               layer, layer, layer, layer, layer, layer);
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
    cim_sql *q = NULL;
    *has = 0;
    int rc = cim_sql_prepare(s, &q, "SELECT minx, miny, maxx, maxy FROM cim_layers WHERE name = ?1 AND minx IS NOT NULL");
    if (!rc)
        rc = cim_sql_bind_text(q, 1, layer, -1);
    int step = rc ? rc : cim_sql_step(q);
    if (step == CIM_SQL_ROW) {
        for (int i = 0; i < 4; i++)
            box[i] = cim_sql_double(q, i);
        *has = 1;
    }
    cim_sql_finalize(q);
    return step < 0 ? step : 0;
}

int cim_changes_put_box(cim_store *s, int64_t run_id, const char *layer, const double box[4])
{
    int rc = ensure_table(s);
    if (rc)
        return rc;
    cim_sql *q = NULL;
    rc = cim_sql_prepare(s, &q, "INSERT INTO cim_changes VALUES (?1, ?2, NULL, ?3, ?4, ?5, ?6)");
    if (!rc)
        rc = cim_sql_bind_int64(q, 1, run_id);
    if (!rc)
        rc = cim_sql_bind_text(q, 2, layer, -1);
    for (int i = 0; i < 4 && !rc; i++)
        rc = cim_sql_bind_double(q, 3 + i, box[i]);
    int step = rc ? rc : cim_sql_step(q);
    cim_sql_finalize(q);
    return step < 0 ? step : 0;
}

int cim_changes_put_extent(cim_store *s, int64_t run_id, const char *layer)
{
    double box[4];
    int has = 0, rc = cim_changes_extent(s, layer, box, &has);
    return rc || !has ? rc : cim_changes_put_box(s, run_id, layer, box);
}
