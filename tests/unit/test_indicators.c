/* test_indicators.c: building indicators on hand-built parcels and
 * footprints (EPSG:4547 metres) with answers worked out by hand:
 *
 *   A (0,0)-(100,100) R2     b1 (10,10)-(30,30) h 2.9 -> 1 floor (residential 3.0 m)
 *                            b2 (20,20)-(40,40) h 3.1 residential -> 1 floor; overlaps b1 by 100 m²
 *                            b4 (90,50)-(110,70) 4 storeys, h 12: half in A, half in B
 *       GFA 400 + 400 + 4 x 200 = 1600, FAR 0.16, coverage (700 + 200) / 1e4 = 0.09,
 *       setback 0 (b4 crosses), spacing 0 (b1, b2 overlap), max height 12
 *   B (100,0)-(200,100) M1   b4's other half 800 m²; b5 (150,10)-(170,30) h 10, industrial via
 *                            the land use -> 2 floors -> 800 m². FAR 0.16, coverage 0.06,
 *                            spacing sqrt(40² + 20²), max height 12
 *   C (0,200)-(100,300) C2   b6 (3,203)-(23,223) h 39 office -> 10 floors = 4000 m²; setback 3;
 *                            b7 (33,203)-(53,223) no height, no storeys: skipped, counted;
 *                            spacing 10, FAR 0.4, coverage 0.08
 *   D (200,0)-(300,100)      no buildings: FAR 0, coverage 0, setback / spacing / height NULL
 */
#include <cim/cim.h>
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "indicators_int.h"
#include "store_int.h"

static char dir[] = "/tmp/cim-test-indicators-XXXXXX";

#define X0 500000.0
#define Y0 2500000.0

static void box(char *out, size_t n, double x0, double y0, double x1, double y1)
{
    snprintf(out, n, "{\"type\":\"Polygon\",\"coordinates\":[[[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f]]]}",
             X0 + x0, Y0 + y0, X0 + x1, Y0 + y0, X0 + x1, Y0 + y1, X0 + x0, Y0 + y1, X0 + x0, Y0 + y0);
}

static void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

typedef struct { const char *props; double x0, y0, x1, y1; } feat;

static void write_layer(const char *name, const feat *fs, size_t n)
{
    size_t cap = 8192;
    char *text = malloc(cap), g[512];
    size_t len = (size_t)snprintf(text, cap, "{\"type\":\"FeatureCollection\",\"features\":[\n");
    for (size_t i = 0; i < n; i++) {
        box(g, sizeof g, fs[i].x0, fs[i].y0, fs[i].x1, fs[i].y1);
        len += (size_t)snprintf(text + len, cap - len, "%s{\"type\":\"Feature\",\"properties\":{%s},\"geometry\":%s}\n",
                                i ? "," : "", fs[i].props, g);
    }
    snprintf(text + len, cap - len, "]}\n");
    write_file(name, text);
    free(text);
}

static int ingest(cim_store *s, const char *file, const char *layer)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    cim_ingest_options o = CIM_INGEST_OPTIONS_INIT;
    o.layer = layer;
    o.s_srs = "EPSG:4547";
    cim_ingest_result *r = NULL;
    int rc = cim_ingest(&r, s, path, &o);
    if (rc)
        fprintf(stderr, "ingest %s: %s\n", file, cim_error_last()->message);
    cim_ingest_result_free(r);
    return rc;
}

/* One value of the output row of parcel parcel_id; NAN for NULL. */
static double val(cim_store *s, const char *layer, const char *col, const char *pid)
{
    char *sql = sqlite3_mprintf("SELECT \"%w\" FROM \"%w\" WHERE parcel_id = %Q", col, layer, pid);
    sqlite3_stmt *st = NULL;
    double v = -12345;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_type(st, 0) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return v;
}

static char *dump(cim_store *s, const char *layer)
{
    char *sql = sqlite3_mprintf("SELECT group_concat(r, ';') FROM (SELECT printf('%%d %%s %%d %%.17g %%.17g %%.17g %%s %%s %%s %%d',"
                                " parcel_fid, parcel_id, building_count, gfa_m2, far, coverage, max_height_m,"
                                " min_setback_m, min_spacing_m, skipped_buildings) AS r FROM \"%w\" ORDER BY parcel_fid)",
                                layer);
    sqlite3_stmt *st = NULL;
    char *out = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_text(st, 0))
        out = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return out;
}

static void test_rules(void)
{
    /* floors */
    CHECK(cim_ind_floors(NAN, 2.9, 3.0) == 1);
    CHECK(cim_ind_floors(NAN, 3.1, 3.0) == 1);
    CHECK(cim_ind_floors(NAN, 10, 5.0) == 2);
    CHECK(cim_ind_floors(NAN, 0.4, 3.0) == 1);
    CHECK(cim_ind_floors(7, 100, 3.0) == 7);
    CHECK(isnan(cim_ind_floors(NAN, NAN, 3.0)));
    /* uses */
    CHECK(cim_ind_use_from_text("residential") == CIM_IND_USE_RESIDENTIAL);
    CHECK(cim_ind_use_from_text("Warehouse") == CIM_IND_USE_INDUSTRIAL);
    CHECK(cim_ind_use_from_text("commercial") == CIM_IND_USE_OFFICE);
    CHECK(cim_ind_use_from_text("412") == CIM_IND_USE_RESIDENTIAL);
    CHECK(cim_ind_use_from_text("441") == CIM_IND_USE_INDUSTRIAL);
    CHECK(cim_ind_use_from_text("401") == CIM_IND_USE_OFFICE);
    CHECK(cim_ind_use_from_text("utility") == CIM_IND_USE_UNKNOWN);
    CHECK(cim_ind_use_from_text(NULL) == CIM_IND_USE_UNKNOWN);
    CHECK(cim_ind_use_from_landuse("R2") == CIM_IND_USE_RESIDENTIAL);
    CHECK(cim_ind_use_from_landuse("GIC1") == CIM_IND_USE_OFFICE);
    CHECK(cim_ind_use_from_landuse("G1") == CIM_IND_USE_UNKNOWN);
    CHECK(cim_ind_use_from_landuse("C1") == CIM_IND_USE_OFFICE);
    CHECK(cim_ind_use_from_landuse("M1") == CIM_IND_USE_INDUSTRIAL);
    CHECK(cim_ind_use_from_landuse("W0") == CIM_IND_USE_INDUSTRIAL);
}

int main(void)
{
    cim_init();
    test_rules();
    if (!mkdtemp(dir))
        return 1;
    char path[512], cmd[1200];
    snprintf(path, sizeof path, "%s/i.cim", dir);
    cim_store *s = NULL;
    CHECK(cim_store_create(&s, path, NULL) == CIM_OK);

    const feat parcels[] = {
        {"\"parcel_id\":\"A\",\"landuse\":\"R2\",\"far_limit\":0.15,\"height_limit_m\":20,\"coverage_limit\":0.3,"
         "\"floorAreaRate\":15,\"buildingCoverageRate\":30", 0, 0, 100, 100},
        {"\"parcel_id\":\"B\",\"landuse\":\"M1\",\"far_limit\":2,\"height_limit_m\":10,\"coverage_limit\":0.05,"
         "\"floorAreaRate\":200,\"buildingCoverageRate\":5", 100, 0, 200, 100},
        {"\"parcel_id\":\"C\",\"landuse\":\"C2\",\"far_limit\":0.4,\"height_limit_m\":null,\"coverage_limit\":null,"
         "\"floorAreaRate\":40,\"buildingCoverageRate\":-9999", 0, 200, 100, 300},
        {"\"parcel_id\":\"D\",\"landuse\":\"G1\",\"far_limit\":1,\"height_limit_m\":50,\"coverage_limit\":0.5,"
         "\"floorAreaRate\":9999,\"buildingCoverageRate\":50", 200, 0, 300, 100},
    };
    const feat buildings[] = {
        {"\"height_m\":2.9,\"storeys\":null,\"use\":null", 10, 10, 30, 30},
        {"\"height_m\":3.1,\"storeys\":null,\"use\":\"residential\"", 20, 20, 40, 40},
        {"\"height_m\":12,\"storeys\":4,\"use\":null", 90, 50, 110, 70},
        {"\"height_m\":10,\"storeys\":null,\"use\":null", 150, 10, 170, 30},
        {"\"height_m\":39,\"storeys\":null,\"use\":\"office\"", 3, 203, 23, 223},
        {"\"height_m\":null,\"storeys\":null,\"use\":\"office\"", 33, 203, 53, 223},
        {"\"height_m\":5,\"storeys\":null,\"use\":null", 500, 500, 510, 510}, /* outside every parcel */
    };
    write_layer("parcels.geojson", parcels, 4);
    write_layer("buildings.geojson", buildings, 7);
    CHECK(ingest(s, "parcels.geojson", "parcels") == CIM_OK);
    CHECK(ingest(s, "buildings.geojson", "buildings") == CIM_OK);

    cim_indicators_options o = CIM_INDICATORS_OPTIONS_INIT;
    o.parcels = "parcels";
    o.buildings = "buildings";
    o.limits = CIM_LIMITS_SZ;
    o.threads = 1;
    cim_indicators_result *r = NULL;
    int rc = cim_indicators(&r, s, &o);
    CHECK_MSG(rc == CIM_OK, "%s", rc ? cim_error_last()->message : "");
    if (rc)
        return check_report();
    CHECK(r->parcels == 4 && r->buildings == 7);
    CHECK(r->buildings_skipped == 1);
    CHECK(r->buildings_outside == 1);
    CHECK(r->buildings_over_height == 1);
    CHECK(r->far_checked == 4 && r->far_violations == 1);
    CHECK(r->coverage_checked == 3 && r->coverage_violations == 1);
    CHECK(r->height_checked == 2 && r->height_violations == 1);
    CHECK(r->parcels_with_violations == 2);
    CHECK(r->run_id > 0);
    cim_indicators_result_free(r);

    const char *L = "indicators";
    CHECK(val(s, L, "building_count", "A") == 3);
    CHECK_NEAR(val(s, L, "gfa_m2", "A"), 1600, 1e-6);
    CHECK_NEAR(val(s, L, "far", "A"), 0.16, 1e-12);
    CHECK_NEAR(val(s, L, "coverage", "A"), 0.09, 1e-12);
    CHECK_NEAR(val(s, L, "min_setback_m", "A"), 0, 1e-12);
    CHECK_NEAR(val(s, L, "min_spacing_m", "A"), 0, 1e-12);
    CHECK(val(s, L, "max_height_m", "A") == 12);
    CHECK(val(s, L, "far_ok", "A") == 0 && val(s, L, "coverage_ok", "A") == 1 && val(s, L, "height_ok", "A") == 1);

    CHECK(val(s, L, "building_count", "B") == 2);
    CHECK_NEAR(val(s, L, "gfa_m2", "B"), 1600, 1e-6);
    CHECK_NEAR(val(s, L, "far", "B"), 0.16, 1e-12);
    CHECK_NEAR(val(s, L, "coverage", "B"), 0.06, 1e-12);
    CHECK_NEAR(val(s, L, "min_spacing_m", "B"), sqrt(40 * 40 + 20 * 20), 1e-9);
    CHECK(val(s, L, "far_ok", "B") == 1 && val(s, L, "coverage_ok", "B") == 0 && val(s, L, "height_ok", "B") == 0);

    CHECK(val(s, L, "building_count", "C") == 2 && val(s, L, "skipped_buildings", "C") == 1);
    CHECK_NEAR(val(s, L, "gfa_m2", "C"), 4000, 1e-6);
    CHECK_NEAR(val(s, L, "far", "C"), 0.4, 1e-12);
    CHECK_NEAR(val(s, L, "coverage", "C"), 0.08, 1e-12);
    CHECK_NEAR(val(s, L, "min_setback_m", "C"), 3, 1e-9);
    CHECK_NEAR(val(s, L, "min_spacing_m", "C"), 10, 1e-9);
    CHECK(val(s, L, "max_height_m", "C") == 39);
    CHECK(val(s, L, "far_ok", "C") == 1 && isnan(val(s, L, "coverage_ok", "C")) && isnan(val(s, L, "height_ok", "C")));

    CHECK(val(s, L, "building_count", "D") == 0 && val(s, L, "far", "D") == 0 && val(s, L, "coverage", "D") == 0);
    CHECK(isnan(val(s, L, "min_setback_m", "D")) && isnan(val(s, L, "min_spacing_m", "D")) &&
          isnan(val(s, L, "max_height_m", "D")) && isnan(val(s, L, "height_ok", "D")));
    CHECK(val(s, L, "far_ok", "D") == 1);

    /* Storey heights are parameters: 2.0 m residential makes b2 (3.1 m) 2 floors. */
    o.out = "ind_params";
    o.storey.residential = 2.0;
    CHECK(cim_indicators(&r, s, &o) == CIM_OK);
    cim_indicators_result_free(r);
    CHECK_NEAR(val(s, "ind_params", "gfa_m2", "A"), 400 * 1 + 400 * 2 + 800, 1e-6); /* b1 2.9/2 -> 1 */
    o.storey.residential = 3.0;

    /* The same for any thread count. */
    o.out = "ind_threads";
    o.threads = 4;
    CHECK(cim_indicators(&r, s, &o) == CIM_OK);
    cim_indicators_result_free(r);
    char *d1 = dump(s, "indicators"), *d4 = dump(s, "ind_threads");
    CHECK(d1 && d4 && !strcmp(d1, d4));
    free(d1);
    free(d4);

    /* PLATEAU limits in percent (200 > 20, 30 > 1): divided by 100; -9999 / 9999 unknown. */
    o.out = "ind_plateau";
    o.limits = CIM_LIMITS_PLATEAU;
    CHECK(cim_indicators(&r, s, &o) == CIM_OK);
    CHECK(r && r->far_percent && r->coverage_percent);
    CHECK(r && r->far_checked == 3 && r->far_violations == 1 && r->coverage_checked == 3 &&
          r->coverage_violations == 1);
    cim_indicators_result_free(r);
    CHECK_NEAR(val(s, "ind_plateau", "far_limit", "B"), 2, 1e-12);
    CHECK_NEAR(val(s, "ind_plateau", "coverage_limit", "A"), 0.3, 1e-12);
    CHECK(isnan(val(s, "ind_plateau", "far_limit", "D")) && isnan(val(s, "ind_plateau", "coverage_limit", "C")));

    /* Explicit fields. */
    o.out = "ind_fields";
    o.limits = CIM_LIMITS_FIELDS;
    o.far_field = "far_limit";
    o.coverage_field = NULL;
    o.height_limit_field = "height_limit_m";
    CHECK(cim_indicators(&r, s, &o) == CIM_OK);
    CHECK(r && r->far_violations == 1 && r->coverage_checked == 0 && r->height_violations == 1);
    cim_indicators_result_free(r);

    /* Bad input: nothing written. */
    int64_t layers_before = 0;
    sqlite3_stmt *st = NULL;
    const char *count_sql = "SELECT (SELECT count(*) FROM cim_layers) * 1000 + (SELECT count(*) FROM cim_runs)";
    if (sqlite3_prepare_v2(s->db, count_sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        layers_before = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    o.limits = CIM_LIMITS_SZ;
    o.out = "bad";
    o.parcels = "nope";
    CHECK(cim_indicators(&r, s, &o) == CIM_ENOTFOUND);
    o.parcels = "parcels";
    o.height_field = "nope";
    CHECK(cim_indicators(&r, s, &o) == CIM_ENOTFOUND);
    o.height_field = NULL;
    o.limits = CIM_LIMITS_FIELDS;
    o.far_field = "nope";
    CHECK(cim_indicators(&r, s, &o) == CIM_ENOTFOUND);
    o.limits = CIM_LIMITS_PLATEAU;
    o.parcels = "buildings";
    CHECK(cim_indicators(&r, s, &o) == CIM_ENOTFOUND); /* no floorAreaRate */
    o.parcels = "parcels";
    o.limits = CIM_LIMITS_NONE;
    o.out = "indicators";
    CHECK(cim_indicators(&r, s, &o) == CIM_EEXISTS);
    o.out = "parcels";
    CHECK(cim_indicators(&r, s, &o) == CIM_EINVALID);
    int64_t layers_after = -1;
    if (sqlite3_prepare_v2(s->db, count_sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        layers_after = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    CHECK(layers_before == layers_after);
    CHECK(!cim_store_table_exists(s, "bad"));

    cim_store_free(s);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    cim_shutdown();
    return check_report();
}
