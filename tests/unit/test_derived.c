/* test_derived.c: a derived layer written through cim_derived_* reads back
 * like an ingested one: SpatiaLite registration and a consistent R*Tree
 * (checked with SpatiaLite's CheckSpatialIndex and SQLite's rtreecheck),
 * GDAL lists it with its SRS and count, and the catalogue says 'derived'. */
#include <cim/cim.h>
#include <stdlib.h>

#include "check.h"
#include "fixture.h"
#include "derived_int.h"
#include "geos_io_int.h"
#include "store_int.h"
#include "wkb_int.h"

static int shell_ok(const char *cmd)
{
    return system(cmd) == 0;
}

int main(void)
{
    cim_init();
    if (fixture_open("derived"))
        return 1;
    char path[512], cmd[1200];
    snprintf(path, sizeof path, "%s", path_in("d.cim"));
    cim_store *s = NULL;
    CHECK(cim_store_create(&s, path, NULL) == CIM_OK);

    GEOSContextHandle_t h = cim_geos_context_new();
    cim_geos_io io;
    cim_geos_io_init(&io, h);
    CHECK(cim_store_begin(s) == CIM_OK);
    int64_t run = 0;
    CHECK(cim_run_insert(s, &run, "test", "derived", "2026-01-01T00:00:00Z") == CIM_OK);
    cim_derived_field fields[] = {{"name", CIM_FIELD_STRING}, {"area_m2", CIM_FIELD_REAL}, {"n", CIM_FIELD_INTEGER}};
    cim_derived *d = NULL;
    CHECK(cim_derived_begin(&d, s, "blocks", CIM_WKB_MULTIPOLYGON, fields, 3, 0) == CIM_OK);
    /* 120 squares of 50 x 50 m: enough rows for a two-level R*Tree. */
    for (int i = 0; i < 120; i++) {
        double x = 500000 + (i % 12) * 100, y = 2500000 + (i / 12) * 100;
        char wkt[256];
        snprintf(wkt, sizeof wkt, "POLYGON ((%g %g, %g %g, %g %g, %g %g, %g %g))", x, y, x + 50, y, x + 50, y + 50, x,
                 y + 50, x, y);
        GEOSWKTReader *r = GEOSWKTReader_create_r(h);
        GEOSGeometry *g = GEOSWKTReader_read_r(h, r, wkt);
        size_t n = 0;
        unsigned char *wkb = cim_geos_to_wkb(&io, g, &n);
        char name[32];
        snprintf(name, sizeof name, "block %d", i);
        cim_src_value v[3] = {{.s = name, .slen = strlen(name)}, {.d = 2500.0}, {.i = i}};
        CHECK(cim_derived_put(d, wkb, n, v) == CIM_OK);
        GEOSFree_r(h, wkb);
        GEOSGeom_destroy_r(h, g);
        GEOSWKTReader_destroy_r(h, r);
    }
    cim_src_value none[3] = {{.is_null = 1}, {.is_null = 1}, {.is_null = 1}};
    CHECK(cim_derived_put(d, NULL, 0, none) == CIM_OK);
    CHECK(cim_derived_finish(d, run, "blocks", "{\"from\":\"test\"}") == CIM_OK);
    cim_derived_free(d);
    CHECK(cim_run_finish(s, run, "{}", NULL) == CIM_OK);
    CHECK(cim_store_commit(s) == CIM_OK);

    /* Exists now: refused without replace, the store untouched. */
    CHECK(cim_store_begin(s) == CIM_OK);
    CHECK(cim_derived_begin(&d, s, "blocks", CIM_WKB_MULTIPOLYGON, fields, 3, 0) == CIM_EEXISTS);
    cim_store_rollback(s);

    CHECK(scalar(s, "SELECT count(*) FROM blocks") == 121);
    CHECK_NEAR(scalar(s, "SELECT sum(ST_Area(geom)) FROM blocks"), 120 * 2500.0, 1e-6);
    CHECK(scalar(s, "SELECT count(*) FROM cim_layers WHERE name = 'blocks' AND kind = 'derived' AND"
                    " geometry_type = 'MULTIPOLYGON' AND feature_count = 121 AND role = 'blocks'") == 1);
    CHECK_NEAR(scalar(s, "SELECT maxx FROM cim_layers WHERE name = 'blocks'"), 501150, 1e-9);
    CHECK(scalar(s, "SELECT count(*) FROM cim_run_layers WHERE layer = 'blocks' AND action = 'derive'") == 1);
    CHECK(scalar(s, "SELECT count(*) FROM SpatialIndex WHERE f_table_name = 'blocks' AND search_frame ="
                    " BuildMbr(500010, 2500010, 500120, 2500020, 4547)") == 2);
    /* blob -> GEOS round trip */
    sqlite3_stmt *st = NULL;
    CHECK(sqlite3_prepare_v2(s->db, "SELECT geom FROM blocks WHERE n = 13", -1, &st, NULL) == SQLITE_OK &&
          sqlite3_step(st) == SQLITE_ROW);
    GEOSGeometry *g = cim_geos_from_blob(&io, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
    double area = 0;
    CHECK(g && GEOSArea_r(h, g, &area) && area == 2500.0);
    GEOSGeom_destroy_r(h, g);
    sqlite3_finalize(st);
    cim_store_free(s);
    cim_geos_io_clear(&io);
    GEOS_finish_r(h);

    snprintf(cmd, sizeof cmd,
             "test \"$(sqlite3 %s \"SELECT load_extension('mod_spatialite'); SELECT CheckSpatialIndex('blocks','geom');"
             " SELECT rtreecheck('idx_blocks_geom');\" | tail -2 | tr '\\n' ' ')\" = '1 ok '",
             path);
    CHECK_MSG(shell_ok(cmd), "CheckSpatialIndex and rtreecheck");
    snprintf(cmd, sizeof cmd, "ogrinfo -ro -so %s blocks | grep -q 'Feature Count: 121' && "
                              "ogrinfo -ro -so %s blocks | grep -q 'ID\\[\"EPSG\",4547\\]'", path, path);
    CHECK_MSG(shell_ok(cmd), "ogrinfo reads the derived layer");
    CHECK(fixture_close() == 0);
    cim_shutdown();
    return check_report();
}
