/* test_aggregate.c: parcel aggregation on hand-built layers with known
 * answers: adjacent squares dissolve into one block, a 5 m gap splits blocks
 * unless --gap bridges it, areas in m², ha and mu, NULL as its own group,
 * two group fields, overlapping parcels and a T-junction (the unary-union
 * fallback), identical output for 1 and 4 threads, and the bad inputs. */
#include <cim/cim.h>
#include <stdlib.h>

#include "check.h"
#include "derived_int.h"
#include "geos_io_int.h"
#include "store_int.h"
#include "wkb_int.h"

static char dir[] = "/tmp/cim-test-aggregate-XXXXXX";

typedef struct parcel {
    const char *grp;     /* NULL = NULL */
    int code;
    double x0, y0, x1, y1; /* a rectangle, offsets from (500000, 2500000) */
} parcel;

static double scalar(cim_store *s, const char *sql)
{
    cim_query *q = NULL;
    double v = -1;
    if (cim_query_prepare(&q, s, sql) == CIM_OK && cim_query_next(q) == CIM_OK)
        v = cim_query_double(q, 0);
    cim_query_free(q);
    return v;
}

/* All rows of a query as one text (for comparing two outputs). */
static char *rows_text(cim_store *s, const char *sql)
{
    cim_query *q = NULL;
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (cim_query_prepare(&q, s, sql) == CIM_OK) {
        while (cim_query_next(q) == CIM_OK) {
            for (int c = 0; c < cim_query_column_count(q); c++) {
                const char *t = cim_query_text(q, c);
                fprintf(f, "%s|", t ? t : "NULL");
            }
            fputc('\n', f);
        }
    }
    cim_query_free(q);
    fclose(f);
    return out;
}

/* Writes layer `name` of rectangles (or points) with fields grp, code. */
static void make_layer(cim_store *s, const char *name, const parcel *p, size_t n, int points)
{
    GEOSContextHandle_t h = cim_geos_context_new();
    cim_geos_io io;
    cim_geos_io_init(&io, h);
    CHECK(cim_store_begin(s) == CIM_OK);
    int64_t run = 0;
    CHECK(cim_run_insert(s, &run, "test", name, "2026-01-01T00:00:00Z") == CIM_OK);
    cim_derived_field fields[] = {{"grp", CIM_FIELD_STRING}, {"code", CIM_FIELD_INTEGER}};
    cim_derived *d = NULL;
    CHECK(cim_derived_begin(&d, s, name, points ? CIM_WKB_POINT : CIM_WKB_MULTIPOLYGON, fields, 2, 0) == CIM_OK);
    GEOSWKTReader *r = GEOSWKTReader_create_r(h);
    for (size_t i = 0; i < n; i++) {
        double X = 500000, Y = 2500000;
        char wkt[300];
        if (points)
            snprintf(wkt, sizeof wkt, "POINT (%.17g %.17g)", X + p[i].x0, Y + p[i].y0);
        else
            snprintf(wkt, sizeof wkt, "POLYGON ((%.17g %.17g, %.17g %.17g, %.17g %.17g, %.17g %.17g, %.17g %.17g))",
                     X + p[i].x0, Y + p[i].y0, X + p[i].x1, Y + p[i].y0, X + p[i].x1, Y + p[i].y1, X + p[i].x0,
                     Y + p[i].y1, X + p[i].x0, Y + p[i].y0);
        GEOSGeometry *g = GEOSWKTReader_read_r(h, r, wkt);
        size_t len = 0;
        unsigned char *wkb = cim_geos_to_wkb(&io, g, &len);
        cim_src_value v[2] = {{.is_null = p[i].grp == NULL, .s = p[i].grp, .slen = p[i].grp ? strlen(p[i].grp) : 0},
                              {.i = p[i].code}};
        CHECK(cim_derived_put(d, wkb, len, v) == CIM_OK);
        GEOSFree_r(h, wkb);
        GEOSGeom_destroy_r(h, g);
    }
    GEOSWKTReader_destroy_r(h, r);
    CHECK(cim_derived_finish(d, run, NULL, "{}") == CIM_OK);
    cim_derived_free(d);
    CHECK(cim_run_finish(s, run, "{}", NULL) == CIM_OK);
    CHECK(cim_store_commit(s) == CIM_OK);
    cim_geos_io_clear(&io);
    GEOS_finish_r(h);
}

/* The rows of sql equal want; prints them when not. */
static int rows_are(cim_store *s, const char *sql, const char *want)
{
    char *got = rows_text(s, sql);
    int ok = strcmp(got, want) == 0;
    if (!ok)
        fprintf(stderr, "rows of %s:\n%s\nwanted:\n%s\n", sql, got, want);
    free(got);
    return ok;
}

static int aggregate(cim_aggregate_result **r, cim_store *s, const char *layer, const char *out, const char *by1,
                     const char *by2, int contiguous, double gap, size_t threads)
{
    const char *by[2] = {by1, by2};
    cim_aggregate_options o = CIM_AGGREGATE_OPTIONS_INIT;
    o.by = by;
    o.by_count = by2 ? 2 : 1;
    o.contiguous = contiguous;
    o.gap = gap;
    o.threads = threads;
    o.replace = 1;
    *r = NULL;
    return cim_aggregate(r, s, layer, out, &o);
}

int main(void)
{
    cim_init();
    if (!mkdtemp(dir))
        return 1;
    char path[512], cmd[600];
    snprintf(path, sizeof path, "%s/a.cim", dir);
    cim_store *s = NULL;
    CHECK(cim_store_create(&s, path, NULL) == CIM_OK);

    /* Group a: two adjacent 100 x 100 squares (one 20,000 m² block) and one
     * 5 m to the right of them (a second block, bridged by a 10 m gap).
     * Group b: a square far away, and a square with code 2.
     * NULL group: two squares 1 km apart. */
    const parcel squares[] = {
        {"a", 1, 0, 0, 100, 100},       {"a", 1, 100, 0, 200, 100},     {"a", 1, 205, 0, 305, 100},
        {"b", 1, 1000, 0, 1100, 100},   {"b", 2, 1000, 100, 1100, 200}, {NULL, 1, 0, 1000, 100, 1100},
        {NULL, 1, 1000, 1000, 1050, 1020},
    };
    make_layer(s, "sq", squares, sizeof squares / sizeof squares[0], 0);

    cim_aggregate_result *r = NULL;
    CHECK(aggregate(&r, s, "sq", "g1", "grp", NULL, 0, 0, 1) == CIM_OK);
    CHECK(r && r->groups == 3 && r->rows == 3 && r->parcels == 7 && r->fallbacks == 0);
    CHECK_NEAR(r->total_area_m2, 30000 + 20000 + 10000 + 1000, 1e-6);
    cim_aggregate_result_free(r);
    /* NULL sorts first, then a, b. */
    CHECK(rows_are(s, "SELECT quote(grp), parcel_count, area_m2, area_ha, area_mu FROM g1 ORDER BY fid",
              "NULL|2|11000.0|1.1|16.5|\n'a'|3|30000.0|3.0|45.0|\n'b'|2|20000.0|2.0|30.0|\n"));
    CHECK(scalar(s, "SELECT count(*) FROM cim_layers WHERE name = 'g1' AND kind = 'derived' AND "
                    "geometry_type = 'MULTIPOLYGON' AND lineage LIKE '%\"source_layer\":\"sq\"%' AND "
                    "lineage LIKE '%\"by\":[\"grp\"]%'") == 1);
    CHECK(scalar(s, "SELECT count(*) FROM cim_runs WHERE command = 'aggregate'") == 1);

    /* Contiguous: a = {2 squares: 20,000} + {1 square}; b = one block (they share an edge). */
    CHECK(aggregate(&r, s, "sq", "g2", "grp", NULL, 1, 0, 1) == CIM_OK);
    CHECK(r && r->groups == 3 && r->rows == 5);
    cim_aggregate_result_free(r);
    CHECK(rows_are(s, "SELECT quote(grp), block, parcel_count, area_m2, area_mu, ST_MinX(geom) FROM g2 "
                           "ORDER BY fid",
              "NULL|1|1|10000.0|15.0|500000.0|\nNULL|2|1|1000.0|1.5|501000.0|\n"
              "'a'|1|2|20000.0|30.0|500000.0|\n'a'|2|1|10000.0|15.0|500205.0|\n"
              "'b'|1|2|20000.0|30.0|501000.0|\n"));
    /* The 5 m gap is bridged by --gap 10 but not by --gap 4. */
    CHECK(aggregate(&r, s, "sq", "g3", "grp", NULL, 1, 10, 1) == CIM_OK);
    CHECK(r && r->rows == 4);
    cim_aggregate_result_free(r);
    CHECK(scalar(s, "SELECT area_m2 FROM g3 WHERE grp = 'a'") == 30000.0);
    CHECK(scalar(s, "SELECT parcel_count FROM g3 WHERE grp = 'a'") == 3);
    /* A block is the union of its parcels, not a buffer: still two parts. */
    CHECK(scalar(s, "SELECT ST_NumGeometries(geom) FROM g3 WHERE grp = 'a'") == 2);
    CHECK(aggregate(&r, s, "sq", "g3", "grp", NULL, 1, 4, 1) == CIM_OK);
    CHECK(r && r->rows == 5);
    cim_aggregate_result_free(r);

    /* Two group fields: b splits by code. */
    CHECK(aggregate(&r, s, "sq", "g4", "grp", "code", 0, 0, 1) == CIM_OK);
    CHECK(r && r->groups == 4);
    cim_aggregate_result_free(r);
    CHECK(rows_are(s, "SELECT quote(grp), code, area_m2 FROM g4 ORDER BY fid",
              "NULL|1|11000.0|\n'a'|1|30000.0|\n'b'|1|10000.0|\n'b'|2|10000.0|\n"));
    CHECK(scalar(s, "SELECT count(*) FROM pragma_table_info('g4') WHERE name = 'code' AND type = 'INTEGER'") == 1);

    /* Not a coverage: overlapping squares, and a T-junction (one long edge
     * against two short ones). Areas are those of the true union. */
    const parcel rough[] = {
        {"o", 1, 0, 0, 100, 100},   {"o", 1, 50, 0, 150, 100},  /* overlap 50 x 100 */
        {"t", 1, 0, 500, 200, 600}, {"t", 1, 0, 600, 100, 700}, {"t", 1, 100, 600, 200, 700},
    };
    make_layer(s, "rough", rough, sizeof rough / sizeof rough[0], 0);
    CHECK(aggregate(&r, s, "rough", "r1", "grp", NULL, 0, 0, 1) == CIM_OK);
    CHECK(r && r->fallbacks >= 1);
    cim_aggregate_result_free(r);
    CHECK(scalar(s, "SELECT area_m2 FROM r1 WHERE grp = 'o'") == 15000.0);
    CHECK(scalar(s, "SELECT area_m2 FROM r1 WHERE grp = 't'") == 40000.0);
    CHECK(scalar(s, "SELECT sum(ST_IsValid(geom)) FROM r1") == 2);
    CHECK(scalar(s, "SELECT ST_NumGeometries(geom) FROM r1 WHERE grp = 't'") == 1);

    /* Exact coverages that are not simple: a ring of 8 cells around an empty
     * one (a hole), the same with a corner cell missing (the hole touches
     * the outside at one point: the traced boundary passes that vertex twice
     * and must come out as a shell and a hole), two cells touching at a
     * corner (two polygons). All valid, no fallback, right areas. */
    parcel shapes[24];
    size_t ns = 0;
    for (int i = 0; i < 9; i++) {
        int cx = i % 3, cy = i / 3;
        if (i == 4)
            continue;
        shapes[ns++] = (parcel){"ring", 1, 2000 + cx * 100.0, cy * 100.0, 2100 + cx * 100.0, cy * 100.0 + 100};
        if (i != 8)
            shapes[ns++] = (parcel){"pinch", 1, 3000 + cx * 100.0, cy * 100.0, 3100 + cx * 100.0, cy * 100.0 + 100};
    }
    shapes[ns++] = (parcel){"corner", 1, 4000, 0, 4100, 100};
    shapes[ns++] = (parcel){"corner", 1, 4100, 100, 4200, 200};
    make_layer(s, "shapes", shapes, ns, 0);
    CHECK(aggregate(&r, s, "shapes", "sh", "grp", NULL, 0, 0, 2) == CIM_OK);
    CHECK(r && r->fallbacks == 0 && r->rows == 3);
    cim_aggregate_result_free(r);
    CHECK(rows_are(s, "SELECT grp, area_m2, ST_IsValid(geom), ST_NumGeometries(geom), "
                      "ST_NRings(ST_GeometryN(geom, 1)) FROM sh ORDER BY fid",
                   "corner|20000.0|1|2|1|\npinch|70000.0|1|1|2|\nring|80000.0|1|1|2|\n"));
    CHECK(aggregate(&r, s, "shapes", "sh", "grp", NULL, 1, 0, 2) == CIM_OK);
    CHECK(r && r->rows == 3); /* touching at a corner is one block */
    cim_aggregate_result_free(r);

    /* 1 and 4 threads: the same rows, the same geometry. */
    parcel grid[400];
    const char *names[] = {"R2", "M1", "G1", "C1", "M0"};
    for (int i = 0; i < 400; i++)
        grid[i] = (parcel){names[(i * 7 + i / 20) % 5], i % 3, (i % 20) * 50.0, (i / 20) * 50.0,
                           (i % 20) * 50.0 + 50, (i / 20) * 50.0 + 50};
    make_layer(s, "grid", grid, 400, 0);
    CHECK(aggregate(&r, s, "grid", "t1", "grp", NULL, 1, 0, 1) == CIM_OK);
    cim_aggregate_result_free(r);
    CHECK(aggregate(&r, s, "grid", "t4", "grp", NULL, 1, 0, 4) == CIM_OK);
    CHECK(r && r->threads == 4 && r->parcels == 400);
    CHECK_NEAR(r->total_area_m2, 400 * 2500.0, 1e-6);
    cim_aggregate_result_free(r);
    char *a = rows_text(s, "SELECT grp, block, area_m2, parcel_count, hex(ST_AsBinary(geom)) FROM t1 ORDER BY fid");
    char *b = rows_text(s, "SELECT grp, block, area_m2, parcel_count, hex(ST_AsBinary(geom)) FROM t4 ORDER BY fid");
    CHECK(strlen(a) > 100 && strcmp(a, b) == 0);
    free(a);
    free(b);
    /* Each group's area equals SpatiaLite's union of the same parcels. */
    CHECK(scalar(s, "SELECT max(abs(t.a - u.a) / u.a) FROM (SELECT grp, sum(area_m2) AS a FROM t1 GROUP BY grp) t "
                    "JOIN (SELECT grp, ST_Area(ST_Union(geom)) AS a FROM grid GROUP BY grp) u USING (grp)") < 1e-9);

    /* Bad input: the store is not touched. */
    const parcel pts[] = {{"a", 1, 0, 0, 0, 0}};
    make_layer(s, "pts", pts, 1, 1);
    make_layer(s, "nothing", squares, 0, 0);
    double runs = scalar(s, "SELECT count(*) FROM cim_runs");
    CHECK(aggregate(&r, s, "nosuch", "x", "grp", NULL, 0, 0, 1) == CIM_ENOTFOUND);
    CHECK(aggregate(&r, s, "sq", "x", "nosuch", NULL, 0, 0, 1) == CIM_ENOTFOUND);
    CHECK(strstr(cim_error_last()->message, "nosuch") != NULL);
    CHECK(aggregate(&r, s, "sq", "sq", "grp", NULL, 0, 0, 1) == CIM_EINVALID);
    CHECK(aggregate(&r, s, "sq", "x", "grp", "grp", 0, 0, 1) == CIM_EINVALID);
    CHECK(aggregate(&r, s, "sq", "x", "grp", NULL, 0, 5, 1) == CIM_EINVALID); /* gap without contiguous */
    CHECK(aggregate(&r, s, "sq", "x", "grp", NULL, 1, -1, 1) == CIM_EINVALID);
    CHECK(aggregate(&r, s, "pts", "x", "grp", NULL, 0, 0, 1) == CIM_EFORMAT);
    CHECK(aggregate(&r, s, "nothing", "x", "grp", NULL, 0, 0, 1) == CIM_EFORMAT);
    {
        const char *by[] = {"grp"};
        cim_aggregate_options o = CIM_AGGREGATE_OPTIONS_INIT;
        o.by = by;
        o.by_count = 1;
        CHECK(cim_aggregate(&r, s, "sq", "g1", &o) == CIM_EEXISTS); /* no replace */
        CHECK(r == NULL);
    }
    CHECK(scalar(s, "SELECT count(*) FROM cim_runs") == runs);
    CHECK(scalar(s, "SELECT count(*) FROM sqlite_master WHERE name = 'x'") == 0);
    CHECK(scalar(s, "SELECT count(*) FROM g1") == 3);

    cim_store_free(s);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    cim_shutdown();
    return check_report();
}
