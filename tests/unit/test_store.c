/* test_store.c: creating and opening stores, the catalogue, read-only handles
 * and the query authorizer, through the public API. Values are checked with
 * SQLite and SpatiaLite directly. */
#include <cim/cim.h>
#include <sqlite3.h>
#include <spatialite.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"

/* One integer from SQL on a plain SQLite connection with SpatiaLite. */
static long long sql_int(const char *db_path, const char *sql)
{
    sqlite3 *db = NULL;
    void *cache = spatialite_alloc_connection();
    sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL);
    spatialite_init_ex(db, cache, 0);
    sqlite3_stmt *st = NULL;
    long long v = -999;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    spatialite_cleanup_ex(cache);
    return v;
}

static void create_and_reopen(void)
{
    cim_store *s = NULL;
    CHECK(cim_store_create(&s, path_in("a.cim"), NULL) == CIM_OK);
    CHECK(s && cim_store_srid(s) == 4547);
    CHECK_STR(cim_store_meta(s, "schema_version"), "1");
    CHECK_STR(cim_store_meta(s, "srid"), "4547");
    CHECK(cim_store_meta(s, "no such key") == NULL);
    cim_store_free(s);
    CHECK(sql_int(path_in("a.cim"), "SELECT CheckSpatialMetaData()") == 3);
    CHECK(sql_int(path_in("a.cim"), "SELECT count(*) FROM spatial_ref_sys WHERE srid = 4547") == 1);
    CHECK(sql_int(path_in("a.cim"), "SELECT count(*) FROM cim_runs WHERE command = 'init' AND status = 'ok'") == 1);

    /* No half-made store under a temporary name is left behind. */
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls %s | grep -c tmp- >/dev/null", fixture_dir);
    CHECK(system(cmd) != 0);

    /* Existing path, geographic or unknown SRID: refused, nothing written. */
    CHECK(cim_store_create(&s, path_in("a.cim"), NULL) == CIM_EEXISTS);
    cim_store_create_options o = CIM_STORE_CREATE_OPTIONS_INIT;
    o.srid = 4326;
    CHECK(cim_store_create(&s, path_in("geo.cim"), &o) == CIM_EINVALID);
    CHECK(access(path_in("geo.cim"), F_OK) != 0);
    o.srid = 999999;
    CHECK(cim_store_create(&s, path_in("bad.cim"), &o) == CIM_EINVALID);
    o.srid = 6677;
    CHECK(cim_store_create(&s, path_in("tokyo.cim"), &o) == CIM_OK);
    CHECK(cim_store_srid(s) == 6677);
    cim_store_free(s);

    /* Opening: missing file, not a cim store. */
    CHECK(cim_store_open(&s, path_in("missing.cim"), 0) == CIM_EIO);
    FILE *f = fopen(path_in("junk.cim"), "w");
    fputs("not a database at all, but long enough to look like one maybe", f);
    fclose(f);
    CHECK(cim_store_open(&s, path_in("junk.cim"), 0) == CIM_ESTORE);
    sqlite3 *db = NULL;
    sqlite3_open(path_in("plain.sqlite"), &db);
    sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL);
    sqlite3_close(db);
    CHECK(cim_store_open(&s, path_in("plain.sqlite"), CIM_STORE_READONLY) == CIM_ESTORE);
    CHECK(strstr(cim_error_last()->message, "not a cim store") != NULL);
}

/* A one-feature layer "t" with a spatial index. */
static void add_layer(void)
{
    FILE *f = fopen(path_in("t.geojson"), "w");
    fputs("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{},"
          "\"geometry\":{\"type\":\"Point\",\"coordinates\":[114,22.5]}}]}",
          f);
    fclose(f);
    cim_store *s = NULL;
    CHECK(cim_store_open(&s, path_in("a.cim"), CIM_STORE_READWRITE) == CIM_OK);
    cim_ingest_options o = CIM_INGEST_OPTIONS_INIT;
    o.layer = "t";
    cim_ingest_result *r = NULL;
    CHECK(cim_ingest(&r, s, path_in("t.geojson"), &o) == CIM_OK);
    cim_ingest_result_free(r);
    cim_store_free(s);
}

static void readonly_queries(void)
{
    cim_store *s = NULL;
    CHECK(cim_store_open(&s, path_in("a.cim"), CIM_STORE_READONLY) == CIM_OK);
    cim_query *q = NULL;
    CHECK(cim_query_prepare(&q, s, "SELECT value FROM cim_meta WHERE key = 'srid'") == CIM_OK);
    CHECK(cim_query_next(q) == CIM_OK);
    CHECK_STR(cim_query_text(q, 0), "4547");
    CHECK(cim_query_next(q) == CIM_ITEROVER);
    cim_query_free(q);

    const char *refused[] = {
        "DELETE FROM cim_meta",
        "INSERT INTO cim_meta VALUES ('x', 'y')",
        "UPDATE cim_meta SET value = 'x'",
        "DROP TABLE cim_meta",
        "CREATE TABLE x(y)",
        "ATTACH DATABASE '/tmp/x.db' AS x",
        "SELECT load_extension('mod_spatialite')",
        "PRAGMA user_version = 5",
        "PRAGMA journal_mode = DELETE",
        "SELECT 1; DROP TABLE cim_meta",
        "SELECT BlobToFile(x'00', '/tmp/cim-test-blob')",
        "SELECT ExportGeoJSON2('cim_meta', NULL, '/tmp/cim-test.geojson')",
        "VACUUM",
        "PRAGMA writable_schema = 1",
        "INSERT INTO idx_t_geom_node VALUES (99, x'00')",
        "DELETE FROM idx_t_geom_rowid",
        "UPDATE sqlite_master SET sql = NULL",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        int rc = cim_query_prepare(&q, s, refused[i]);
        if (rc == CIM_OK) {
            rc = cim_query_next(q);
            cim_query_free(q);
            q = NULL;
        }
        CHECK_MSG(rc != CIM_OK && rc != CIM_ITEROVER, "refused: %s", refused[i]);
    }
    CHECK(access("/tmp/cim-test-blob", F_OK) != 0);
    CHECK(access("/tmp/cim-test.geojson", F_OK) != 0);
    /* An R*Tree (a spatial index) can be read: its module prepares writes to
     * its shadow tables when it connects, which the authorizer lets through. */
    CHECK(cim_query_prepare(&q, s, "SELECT count(*) FROM idx_t_geom WHERE xmin > 0") == CIM_OK);
    CHECK(q && cim_query_next(q) == CIM_OK && cim_query_int(q, 0) == 1);
    cim_query_free(q);
    /* Reading pragmas and SpatiaLite functions are fine. */
    CHECK(cim_query_prepare(&q, s, "PRAGMA table_info(cim_layers)") == CIM_OK);
    cim_query_free(q);
    CHECK(cim_query_prepare(&q, s, "SELECT ST_Area(BuildMbr(0, 0, 10, 20, 4547))") == CIM_OK);
    CHECK(cim_query_next(q) == CIM_OK && cim_query_double(q, 0) == 200.0);
    cim_query_free(q);
    cim_store_free(s);
    CHECK(sql_int(path_in("a.cim"), "SELECT count(*) FROM cim_meta") == 6); /* schema_version, srid, created_at, library_version, store_id, backend */
    CHECK(sql_int(path_in("a.cim"), "SELECT count(*) FROM idx_t_geom_node") >= 1);
}

int main(void)
{
    cim_init();
    if (fixture_open("store"))
        return 1;
    CHECK(cim_layer_name_check("parcels") == CIM_OK);
    CHECK(cim_layer_name_check("Parcels") == CIM_EINVALID);
    CHECK(cim_layer_name_check("1parcels") == CIM_EINVALID);
    CHECK(cim_layer_name_check("cim_layers") == CIM_EINVALID);
    CHECK(cim_layer_name_check("idx_parcels_geom") == CIM_EINVALID);
    CHECK(cim_layer_name_check("a234567890123456789012345678901234567890123456789012345678901234") == CIM_EINVALID);
    create_and_reopen();
    add_layer();
    readonly_queries();
    CHECK(fixture_close() == 0);
    cim_shutdown();
    return check_report();
}
