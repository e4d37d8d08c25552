/* test_ingest.c: cim_ingest through the public API on hand-made GeoJSON in
 * EPSG:4547, where areas are known by hand: a 100 m square is 10,000 m², a
 * square with a 20 m hole 9,600 m², a bow-tie of two 5x5 m triangles 25 m²
 * after repair. Both readers (native and GDAL) must give the same rows. */
#include <cim/cim.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"

static const char *const squares =
    "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::4547\"}},"
    "\"features\":[\n"
    "{\"type\":\"Feature\",\"properties\":{\"id\":1,\"use\":\"M1\",\"far\":2.5},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[500000,2500000],[500100,2500000],[500100,2500100],[500000,2500100],[500000,2500000]]]}},\n"
    "{\"type\":\"Feature\",\"properties\":{\"id\":2,\"use\":\"R2\",\"far\":null},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[500200,2500000],[500300,2500000],[500300,2500100],[500200,2500100],[500200,2500000]],"
    "[[500240,2500040],[500240,2500060],[500260,2500060],[500260,2500040],[500240,2500040]]]}},\n"
    "{\"type\":\"Feature\",\"properties\":{\"id\":3,\"use\":\"G1\",\"far\":0.1},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[500400,2500000],[500410,2500010],[500410,2500000],[500400,2500010],[500400,2500000]]]}},\n"
    "{\"type\":\"Feature\",\"properties\":{\"id\":4,\"use\":\"S\",\"far\":0},\"geometry\":null}\n"
    "]}\n";

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static int cancel_at_index(double fraction, const char *stage, void *payload)
{
    (void)fraction;
    int *calls = payload;
    (*calls)++;
    return strstr(stage, "spatial index") != NULL; /* stop before the index is built */
}

static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

static void ingest_and_check(const char *store_name, int ogr_only)
{
    cim_store *s = NULL;
    CHECK(cim_store_create(&s, path_in(store_name), NULL) == CIM_OK);
    cim_ingest_options o = CIM_INGEST_OPTIONS_INIT;
    o.layer = "parcels";
    o.use_ogr_only = ogr_only;
    cim_ingest_result *r = NULL;
    int rc = cim_ingest(&r, s, path_in("squares.geojson"), &o);
    CHECK_MSG(rc == CIM_OK, "ingest (ogr_only %d): %s", ogr_only, rc ? cim_error_last()->message : "");
    if (rc) {
        cim_store_free(s);
        return;
    }
    CHECK(r->layer_count == 1);
    CHECK(r->layers[0].read == 4 && r->layers[0].inserted == 4);
    CHECK_MSG(r->layers[0].repaired == 1, "repaired %lld", (long long)r->layers[0].repaired);
    CHECK(r->layers[0].empty == 1);
    CHECK(r->run_id > 0);
    CHECK(strstr(r->driver, ogr_only ? "GeoJSON" : "cim native") != NULL);
    cim_ingest_result_free(r);

    CHECK_NEAR(scalar(s, "SELECT ST_Area(geom) FROM parcels WHERE id = 1"), 10000.0, 1e-6);
    CHECK_NEAR(scalar(s, "SELECT ST_Area(geom) FROM parcels WHERE id = 2"), 9600.0, 1e-6);
    CHECK_NEAR(scalar(s, "SELECT ST_Area(geom) FROM parcels WHERE id = 3"), 50.0, 1e-6);
    CHECK(scalar(s, "SELECT ST_IsValid(geom) FROM parcels WHERE id = 3") == 1);
    CHECK(scalar(s, "SELECT ST_NumGeometries(geom) FROM parcels WHERE id = 3") == 2);
    CHECK(scalar(s, "SELECT count(*) FROM parcels WHERE id = 4 AND geom IS NULL") == 1);
    CHECK(scalar(s, "SELECT count(*) FROM parcels WHERE far IS NULL") == 1);
    CHECK_NEAR(scalar(s, "SELECT sum(far) FROM parcels"), 2.6, 1e-12);
    CHECK(scalar(s, "SELECT count(*) FROM parcels WHERE GeometryType(geom) = 'MULTIPOLYGON'") == 3);
    CHECK(scalar(s, "SELECT repaired FROM cim_run_layers WHERE layer = 'parcels'") == 1);
    CHECK_NEAR(scalar(s, "SELECT minx FROM cim_layers WHERE name = 'parcels'"), 500000, 1e-9);
    CHECK_NEAR(scalar(s, "SELECT maxx FROM cim_layers WHERE name = 'parcels'"), 500410, 1e-9);
    /* The spatial index finds the squares by window. */
    CHECK(scalar(s, "SELECT count(*) FROM SpatialIndex WHERE f_table_name = 'parcels' AND search_frame = "
                    "BuildMbr(500050, 2500050, 500250, 2500050, 4547)") == 2);

    /* The same source again: a no-op that writes nothing. */
    double runs = scalar(s, "SELECT count(*) FROM cim_runs");
    CHECK(cim_ingest(&r, s, path_in("squares.geojson"), &o) == CIM_OK);
    CHECK(r && r->layers[0].unchanged == 1 && r->run_id == 0);
    cim_ingest_result_free(r);
    CHECK(scalar(s, "SELECT count(*) FROM cim_runs") == runs);
    cim_store_free(s);
}

static void cancel_leaves_store(void)
{
    cim_store *s = NULL;
    CHECK(cim_store_create(&s, path_in("cancel.cim"), NULL) == CIM_OK);
    cim_store_free(s);
    long before = file_size(path_in("cancel.cim"));
    CHECK(cim_store_open(&s, path_in("cancel.cim"), CIM_STORE_READWRITE) == CIM_OK);
    int calls = 0;
    cim_ingest_options o = CIM_INGEST_OPTIONS_INIT;
    o.layer = "parcels";
    o.progress = cancel_at_index;
    o.progress_payload = &calls;
    cim_ingest_result *r = NULL;
    CHECK(cim_ingest(&r, s, path_in("squares.geojson"), &o) == CIM_ECANCELED);
    CHECK(r == NULL && calls > 0);
    CHECK(scalar(s, "SELECT count(*) FROM cim_layers") == 0);
    CHECK(scalar(s, "SELECT count(*) FROM sqlite_master WHERE name = 'parcels'") == 0);
    cim_store_free(s);
    CHECK(file_size(path_in("cancel.cim")) == before);
}

int main(void)
{
    cim_init();
    if (fixture_open("ingest"))
        return 1;
    write_file(path_in("squares.geojson"), squares);
    ingest_and_check("native.cim", 0);
    ingest_and_check("ogr.cim", 1);
    cancel_leaves_store();
    CHECK(fixture_close() == 0);
    cim_shutdown();
    return check_report();
}
