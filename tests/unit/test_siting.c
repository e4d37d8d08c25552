/* test_siting.c: the siting check on hand-built layers with known answers
 * (a 100 x 100 m site half over a forbidden layer: 5000 m², 50 %, 不符合),
 * the sliver tolerance in both its parameters, the outside rule of the urban
 * development boundary, overlapping features counted once, overlap areas
 * against SpatiaLite's ST_Area(ST_Intersection(site, ST_Union(layer))),
 * 1 and N threads alike, the --out layer, and bad input leaving the store
 * unchanged. */
#include <cim/cim.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "store_int.h"

static char dir[] = "/tmp/cim-test-siting-XXXXXX";
static cim_store *s;

#define X0 500000.0
#define Y0 2500000.0

/* A GeoJSON file of rectangles (x0 y0 x1 y1, relative to X0, Y0) in
 * EPSG:4547 (crs = NULL: no CRS member). */
static const char *write_rects(const char *name, const double (*r)[4], int n, const char *crs)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/%s.geojson", dir, name);
    FILE *f = fopen(path, "w");
    fprintf(f, "{\"type\":\"FeatureCollection\",");
    if (crs)
        fprintf(f, "\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"%s\"}},", crs);
    fprintf(f, "\"features\":[");
    for (int i = 0; i < n; i++) {
        double a = X0 + r[i][0], b = Y0 + r[i][1], c = X0 + r[i][2], d = Y0 + r[i][3];
        fprintf(f,
                "%s{\"type\":\"Feature\",\"properties\":{\"zone_id\":\"Z%d\",\"name\":\"%s %d\"},\"geometry\":"
                "{\"type\":\"Polygon\",\"coordinates\":[[[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f],"
                "[%.3f,%.3f]]]}}",
                i ? "," : "", i + 1, name, i + 1, a, b, c, b, c, d, a, d, a, b);
    }
    fprintf(f, "]}\n");
    fclose(f);
    return path;
}

#define EPSG4547 "urn:ogc:def:crs:EPSG::4547"

static void layer(const char *name, const double (*r)[4], int n)
{
    const char *path = write_rects(name, r, n, EPSG4547);
    cim_ingest_options o = CIM_INGEST_OPTIONS_INIT;
    o.layer = name;
    o.kind = "control";
    cim_ingest_result *res = NULL;
    int rc = cim_ingest(&res, s, path, &o);
    CHECK_MSG(rc == CIM_OK, "ingest %s: %s", name, rc ? cim_error_last()->message : "");
    cim_ingest_result_free(res);
}

static double scalar(const char *sql)
{
    sqlite3_stmt *st = NULL;
    double v = -1;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_double(st, 0);
    else
        fprintf(stderr, "SQL failed: %s: %s\n", sql, sqlite3_errmsg(s->db));
    sqlite3_finalize(st);
    return v;
}

/* Runs the check with these controls on the 100 x 100 site. */
static int check(cim_siting_result **out, const char *site, const cim_siting_control *c, size_t n, double tol_pct,
                 const char *out_layer, size_t threads)
{
    cim_siting_options o = CIM_SITING_OPTIONS_INIT;
    o.site_file = site;
    o.controls = c;
    o.control_count = n;
    o.tolerance_pct = tol_pct;
    o.out = out_layer;
    o.threads = threads;
    *out = NULL;
    return cim_siting_check(out, s, &o);
}

static const cim_siting_layer_result *find(const cim_siting_result *r, const char *name)
{
    for (size_t i = 0; r && i < r->layer_count; i++)
        if (!strcmp(r->layers[i].layer, name))
            return &r->layers[i];
    return NULL;
}

static void test_names(void)
{
    char buf[64];
    cim_siting_control c;
    CHECK(cim_siting_control_parse(&c, buf, sizeof buf, "eco:forbidden") == CIM_OK);
    CHECK_STR(c.layer, "eco");
    CHECK(c.rule == CIM_SITING_FORBIDDEN && c.severity == -1);
    CHECK(cim_siting_control_parse(&c, buf, sizeof buf, "farm:info:fail") == CIM_OK);
    CHECK(c.rule == CIM_SITING_INFO && c.severity == CIM_SITING_FAIL);
    CHECK(cim_siting_control_parse(&c, buf, sizeof buf, "devb:outside_forbidden:有条件符合") == CIM_OK);
    CHECK(c.rule == CIM_SITING_OUTSIDE_FORBIDDEN && c.severity == CIM_SITING_CONDITIONAL);
    CHECK(cim_siting_control_parse(&c, buf, sizeof buf, "eco:forbiden") == CIM_EINVALID);
    CHECK(cim_siting_control_parse(&c, buf, sizeof buf, "eco:info:severe") == CIM_EINVALID);
    CHECK(cim_siting_control_parse(&c, buf, sizeof buf, "eco") == CIM_EINVALID);
    CHECK(cim_siting_control_parse(&c, buf, sizeof buf, ":info") == CIM_EINVALID);
    CHECK(cim_siting_rule_default_severity(CIM_SITING_NEEDS_APPROVAL) == CIM_SITING_CONDITIONAL);
    CHECK(cim_siting_rule_default_severity(CIM_SITING_INFO) == CIM_SITING_NONE);
    CHECK_STR(cim_siting_verdict_name(CIM_SITING_FAIL), "不符合");
    CHECK_STR(cim_siting_verdict_name(CIM_SITING_CONDITIONAL), "有条件符合");
    CHECK_STR(cim_siting_verdict_name(CIM_SITING_NONE), "符合");
}

int main(void)
{
    cim_init();
    if (!mkdtemp(dir))
        return 1;
    test_names();
    char path[600];
    snprintf(path, sizeof path, "%s/s.cim", dir);
    CHECK(cim_store_create(&s, path, NULL) == CIM_OK);

    /* The site: 100 x 100 m. */
    static const double site_r[][4] = {{0, 0, 100, 100}};
    char site[600];
    snprintf(site, sizeof site, "%s", write_rects("site", site_r, 1, EPSG4547));
    /* Forbidden: covers the right half (x 50..200). */
    static const double eco_r[][4] = {{50, -100, 200, 200}, {400, 400, 500, 500}};
    layer("eco", eco_r, 2);
    /* Info: covers everything. */
    static const double info_r[][4] = {{-50, -50, 150, 150}};
    layer("landuse", info_r, 1);
    /* A 0.5 m² sliver (0.5 x 1 m at the right edge) and a 5 m² one. */
    static const double thin_r[][4] = {{99.5, 0, 100.5, 1}};
    layer("thin", thin_r, 1);
    static const double small_r[][4] = {{99, 10, 101, 15}};
    layer("small", small_r, 1);
    /* Restricted: the bottom quarter. */
    static const double blue_r[][4] = {{-10, -10, 110, 25}};
    layer("blue", blue_r, 1);
    /* Two overlapping features over the left half: counted once (5000). */
    static const double dup_r[][4] = {{-10, -10, 50, 110}, {-20, -20, 50, 120}};
    layer("dup", dup_r, 2);
    /* Urban development boundary: 80 % of the site inside (x <= 80). */
    static const double devb_r[][4] = {{-100, -100, 80, 200}};
    layer("devb", devb_r, 1);
    static const double devb_all_r[][4] = {{-100, -100, 300, 300}};
    layer("devb_all", devb_all_r, 1);
    /* Touches only the site's corner: intersects, no area. */
    static const double corner_r[][4] = {{100, 100, 120, 120}};
    layer("corner", corner_r, 1);

    cim_siting_result *r = NULL;
    /* Half over a forbidden layer: 5000 m², 50 %, 不符合. */
    cim_siting_control c1[] = {{"eco", CIM_SITING_FORBIDDEN, -1}};
    CHECK(check(&r, site, c1, 1, -1, NULL, 0) == CIM_OK);
    if (r) {
        CHECK_NEAR(r->site_area_m2, 10000, 1e-6);
        CHECK(r->site_features == 1);
        CHECK_NEAR(r->threshold_m2, 10, 1e-9); /* max(1 m², 0.1 % of 10000) */
        const cim_siting_layer_result *l = find(r, "eco");
        CHECK_NEAR(l->overlap_m2, 5000, 1e-6);
        CHECK_NEAR(l->overlap_pct, 50, 1e-9);
        CHECK(l->intersects && l->conflict && l->effect == CIM_SITING_FAIL);
        CHECK(l->feature_count == 1 && l->hit_count == 1 && l->features[0].fid == 1);
        CHECK(l->attr_count == 2 && !strcmp(l->attr_names[0], "zone_id") && !strcmp(l->attr_names[1], "name"));
        CHECK_STR(l->features[0].values[0], "Z1");
        CHECK(l->layer_version == 1 && l->source_sha256 && strlen(l->source_sha256) == 64 && l->ingested_at);
        CHECK(l->layer_features == 2);
        CHECK(r->verdict == CIM_SITING_FAIL);
        CHECK(r->run_id == 0 && !r->out_layer);
    }
    cim_siting_result_free(r);

    /* Only over an info layer: 符合. */
    cim_siting_control c2[] = {{"landuse", CIM_SITING_INFO, -1}};
    CHECK(check(&r, site, c2, 1, -1, NULL, 0) == CIM_OK);
    if (r) {
        CHECK_NEAR(find(r, "landuse")->overlap_m2, 10000, 1e-6);
        CHECK(find(r, "landuse")->conflict && find(r, "landuse")->effect == CIM_SITING_NONE);
        CHECK(r->verdict == CIM_SITING_NONE);
    }
    cim_siting_result_free(r);

    /* Slivers: 0.5 m² is under 1 m²; 5 m² is under 0.1 % of the site (10 m²)
     * but counts once the percentage is 0. A forbidden sliver is no hit. */
    cim_siting_control c3[] = {{"thin", CIM_SITING_FORBIDDEN, -1}, {"small", CIM_SITING_FORBIDDEN, -1}};
    CHECK(check(&r, site, c3, 2, -1, NULL, 0) == CIM_OK);
    if (r) {
        const cim_siting_layer_result *t = find(r, "thin"), *m = find(r, "small");
        CHECK_NEAR(t->overlap_m2, 0.5, 1e-9);
        CHECK(!t->intersects && !t->conflict && t->hit_count == 0 && t->sliver_count == 1);
        CHECK(t->feature_count == 1 && t->features[0].sliver);
        CHECK_NEAR(m->overlap_m2, 5, 1e-9);
        CHECK(!m->conflict && m->sliver_count == 1);
        CHECK(r->verdict == CIM_SITING_NONE);
    }
    cim_siting_result_free(r);
    CHECK(check(&r, site, c3, 2, 0, NULL, 0) == CIM_OK);
    if (r) {
        CHECK_NEAR(r->threshold_m2, 1, 1e-12);
        CHECK(!find(r, "thin")->conflict && find(r, "small")->conflict && find(r, "small")->hit_count == 1);
        CHECK(r->verdict == CIM_SITING_FAIL);
    }
    cim_siting_result_free(r);

    /* Restricted: 有条件符合; needs_approval likewise; a severity override. */
    cim_siting_control c4[] = {{"blue", CIM_SITING_RESTRICTED, -1}, {"landuse", CIM_SITING_INFO, -1}};
    CHECK(check(&r, site, c4, 2, -1, NULL, 0) == CIM_OK);
    if (r) {
        CHECK_NEAR(find(r, "blue")->overlap_m2, 2500, 1e-6);
        CHECK(r->verdict == CIM_SITING_CONDITIONAL);
    }
    cim_siting_result_free(r);
    cim_siting_control c4b[] = {{"blue", CIM_SITING_NEEDS_APPROVAL, -1}, {"eco", CIM_SITING_FORBIDDEN, 0}};
    CHECK(check(&r, site, c4b, 2, -1, NULL, 0) == CIM_OK);
    if (r)
        CHECK(r->verdict == CIM_SITING_CONDITIONAL && find(r, "eco")->conflict &&
              find(r, "eco")->effect == CIM_SITING_NONE);
    cim_siting_result_free(r);

    /* Overlapping features count once; a corner touch is a zero sliver. */
    cim_siting_control c5[] = {{"dup", CIM_SITING_FORBIDDEN, -1}, {"corner", CIM_SITING_FORBIDDEN, -1}};
    CHECK(check(&r, site, c5, 2, -1, NULL, 0) == CIM_OK);
    if (r) {
        const cim_siting_layer_result *d = find(r, "dup");
        CHECK_NEAR(d->overlap_m2, 5000, 1e-6);
        CHECK(d->feature_count == 2 && d->hit_count == 2);
        CHECK_NEAR(d->features[0].area_m2 + d->features[1].area_m2, 10000, 1e-6);
        const cim_siting_layer_result *k = find(r, "corner");
        CHECK(k->overlap_m2 == 0 && k->feature_count == 1 && k->sliver_count == 1 && !k->conflict);
        CHECK(r->verdict == CIM_SITING_FAIL);
    }
    cim_siting_result_free(r);

    /* The development boundary: the 20 % outside it is the conflict. */
    cim_siting_control c6[] = {{"devb", CIM_SITING_OUTSIDE_FORBIDDEN, -1}};
    CHECK(check(&r, site, c6, 1, -1, NULL, 0) == CIM_OK);
    if (r) {
        const cim_siting_layer_result *d = find(r, "devb");
        CHECK_NEAR(d->overlap_m2, 8000, 1e-6);
        CHECK_NEAR(d->conflict_m2, 2000, 1e-6);
        CHECK_NEAR(d->conflict_pct, 20, 1e-9);
        CHECK(d->conflict && d->effect == CIM_SITING_FAIL && r->verdict == CIM_SITING_FAIL);
    }
    cim_siting_result_free(r);
    cim_siting_control c6b[] = {{"devb_all", CIM_SITING_OUTSIDE_FORBIDDEN, -1}};
    CHECK(check(&r, site, c6b, 1, -1, NULL, 0) == CIM_OK);
    if (r) {
        CHECK(find(r, "devb_all")->conflict_m2 == 0 && !find(r, "devb_all")->conflict);
        CHECK(r->verdict == CIM_SITING_NONE);
    }
    cim_siting_result_free(r);

    /* A site of two features, one of them with an odd shape, against
     * SpatiaLite, with 1 and 3 threads giving the same answer. */
    static const double site2_r[][4] = {{-30, 20, 70, 90}, {60, 60, 140, 130}};
    char site2[600];
    snprintf(site2, sizeof site2, "%s", write_rects("site2", site2_r, 2, EPSG4547));
    cim_siting_control all[] = {{"eco", CIM_SITING_FORBIDDEN, -1},   {"landuse", CIM_SITING_INFO, -1},
                                {"blue", CIM_SITING_RESTRICTED, -1}, {"dup", CIM_SITING_FORBIDDEN, -1},
                                {"devb", CIM_SITING_OUTSIDE_FORBIDDEN, -1}, {"small", CIM_SITING_INFO, -1}};
    cim_siting_result *r1 = NULL, *r3 = NULL;
    CHECK(check(&r1, site2, all, 6, -1, NULL, 1) == CIM_OK);
    CHECK(check(&r3, site2, all, 6, -1, NULL, 3) == CIM_OK);
    if (r1 && r3) {
        CHECK(r1->site_features == 2);
        CHECK_NEAR(r1->site_area_m2, 7000 + 5600 - 300, 1e-6);
        const char *site_wkt = "(SELECT ST_Union(BuildMbr(499970, 2500020, 500070, 2500090, 4547),"
                               " BuildMbr(500060, 2500060, 500140, 2500130, 4547)))";
        for (size_t i = 0; i < r1->layer_count; i++) {
            const cim_siting_layer_result *a = &r1->layers[i], *b = &r3->layers[i];
            char sql[800];
            snprintf(sql, sizeof sql, "SELECT ST_Area(ST_Intersection(%s, (SELECT ST_Union(geom) FROM \"%s\")))",
                     site_wkt, a->layer);
            double want = scalar(sql);
            CHECK_MSG(fabs(a->overlap_m2 - want) <= 1e-9 * want, "%s: %.17g vs SpatiaLite %.17g", a->layer,
                      a->overlap_m2, want);
            CHECK(a->overlap_m2 == b->overlap_m2 && a->conflict_m2 == b->conflict_m2 &&
                  a->feature_count == b->feature_count);
        }
        snprintf(path, sizeof path, "SELECT ST_Area(ST_Difference(%s, (SELECT ST_Union(geom) FROM devb)))",
                 site_wkt);
        double outside = scalar(path);
        CHECK_NEAR(find(r1, "devb")->conflict_m2, outside, 1e-9 * outside);
        CHECK(r1->verdict == r3->verdict && r1->verdict == CIM_SITING_FAIL);
    }
    cim_siting_result_free(r1);
    cim_siting_result_free(r3);

    /* --out: the conflict pieces as a derived layer, with a run. */
    double runs0 = scalar("SELECT count(*) FROM cim_runs");
    cim_siting_control c7[] = {{"eco", CIM_SITING_FORBIDDEN, -1}, {"devb", CIM_SITING_OUTSIDE_FORBIDDEN, -1},
                               {"thin", CIM_SITING_FORBIDDEN, -1}, {"corner", CIM_SITING_INFO, -1}};
    CHECK(check(&r, site, c7, 4, -1, "siting_out", 0) == CIM_OK);
    if (r) {
        CHECK(r->run_id > 0 && r->out_rows == 3);
        CHECK_STR(r->out_layer, "siting_out");
    }
    cim_siting_result_free(r);
    CHECK(scalar("SELECT count(*) FROM cim_runs") == runs0 + 1);
    CHECK(scalar("SELECT count(*) FROM siting_out") == 3);
    CHECK_NEAR(scalar("SELECT ST_Area(geom) FROM siting_out WHERE layer = 'eco'"), 5000, 1e-6);
    CHECK_NEAR(scalar("SELECT area_m2 FROM siting_out WHERE layer = 'devb' AND part = 'outside'"), 2000, 1e-6);
    CHECK_NEAR(scalar("SELECT ST_Area(geom) FROM siting_out WHERE layer = 'devb'"), 2000, 1e-6);
    CHECK(scalar("SELECT conflict FROM siting_out WHERE layer = 'thin'") == 0);
    CHECK(scalar("SELECT count(*) FROM cim_layers WHERE name = 'siting_out' AND kind = 'derived'"
                 " AND lineage LIKE '%check siting%'") == 1);
    /* Exists: refused without replace; accepted with it. */
    CHECK(check(&r, site, c7, 4, -1, "siting_out", 0) == CIM_EEXISTS);

    /* The site from a store layer with a filter. */
    cim_siting_options o = CIM_SITING_OPTIONS_INIT;
    o.site_layer = "dup";
    o.site_where = "zone_id = 'Z1'";
    o.controls = c1;
    o.control_count = 1;
    CHECK(cim_siting_check(&r, s, &o) == CIM_OK);
    if (r) {
        CHECK(r->site_features == 1);
        CHECK_NEAR(r->site_area_m2, 60 * 120, 1e-6);
        CHECK_NEAR(find(r, "eco")->overlap_m2, 0, 0);
        CHECK(r->verdict == CIM_SITING_NONE);
    }
    cim_siting_result_free(r);
    o.site_where = "zone_id = 'nothing'";
    CHECK(cim_siting_check(&r, s, &o) == CIM_EFORMAT);
    o.site_where = "no_such_field = 1";
    CHECK(cim_siting_check(&r, s, &o) == CIM_EINVALID);
    o.site_where = "1); DELETE FROM eco; SELECT (1";
    CHECK(cim_siting_check(&r, s, &o) != CIM_OK);
    CHECK(scalar("SELECT count(*) FROM eco") == 2);

    /* Bad input: nothing written, even with --out. */
    double changes = scalar("SELECT total_changes()");
    runs0 = scalar("SELECT count(*) FROM cim_runs");
    snprintf(path, sizeof path, "%s/none.geojson", dir);
    CHECK(check(&r, path, c1, 1, -1, "bad_out", 0) == CIM_ENOTFOUND);
    cim_siting_control unknown[] = {{"nope", CIM_SITING_FORBIDDEN, -1}};
    CHECK(check(&r, site, unknown, 1, -1, "bad_out", 0) == CIM_ENOTFOUND);
    cim_siting_control twice[] = {{"eco", CIM_SITING_FORBIDDEN, -1}, {"eco", CIM_SITING_INFO, -1}};
    CHECK(check(&r, site, twice, 2, -1, "bad_out", 0) == CIM_EINVALID);
    snprintf(path, sizeof path, "%s/line.geojson", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"%s\"}},"
               "\"features\":[{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"LineString\","
               "\"coordinates\":[[500000,2500000],[500100,2500100]]}}]}\n",
            EPSG4547);
    fclose(f);
    CHECK(check(&r, path, c1, 1, -1, "bad_out", 0) == CIM_EFORMAT);
    CHECK(strstr(cim_error_last()->message, "LINESTRING") != NULL);
    const char *nocrs = write_rects("nocrs", site_r, 1, NULL);
    /* A GeoJSON without a crs member is WGS84 by the RFC: these metres are
     * out of range for it. With a shapefile without .prj: no CRS at all. */
    CHECK(check(&r, nocrs, c1, 1, -1, "bad_out", 0) == CIM_EFORMAT);
    snprintf(path, sizeof path, "cd %s && ogr2ogr -f 'ESRI Shapefile' noprj.shp site.geojson 2>/dev/null && rm noprj.prj",
             dir);
    CHECK(system(path) == 0);
    snprintf(path, sizeof path, "%s/noprj.shp", dir);
    CHECK(check(&r, path, c1, 1, -1, "bad_out", 0) == CIM_ECRS);
    o.site_layer = NULL;
    o.site_where = NULL;
    o.site_file = path;
    o.site_srs = "EPSG:4547";
    CHECK(cim_siting_check(&r, s, &o) == CIM_OK);
    if (r)
        CHECK_NEAR(find(r, "eco")->overlap_m2, 5000, 1e-6);
    cim_siting_result_free(r);
    CHECK(scalar("SELECT count(*) FROM cim_runs") == runs0);
    CHECK(scalar("SELECT count(*) FROM cim_layers WHERE name = 'bad_out'") == 0);
    CHECK(scalar("SELECT total_changes()") == changes);

    cim_store_free(s);
    snprintf(path, sizeof path, "rm -rf %s", dir);
    CHECK(system(path) == 0);
    cim_shutdown();
    return check_report();
}
