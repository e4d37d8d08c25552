/* test_crs.c: GCJ-02 / BD-09 against published coordinate pairs, the 2D
 * Helmert local grid against PROJ's own +proj=helmert, source -> store
 * transforms against cs2cs/cct output, error paths, identity detection and a
 * clone used on another thread. */
#include "check.h"
#include "cim/crs.h"
#include "crs_int.h"
#include "error_int.h"

#include <proj.h>
#include <pthread.h>
#include <stdlib.h>

/* --- GCJ-02 / BD-09 --------------------------------------------------------- */

/* Published by wandergis/coordtransform (test/app.js) for (116.404, 39.915), and
 * repeated verbatim in the unit tests of hutool's CoordinateUtil and of the
 * coordtransform-rs crate. */
static void test_published_beijing(void)
{
    double lon, lat;
    cim_crs_wgs84_to_gcj02(&lon, &lat, 116.404, 39.915);
    CHECK_NEAR(lon, 116.41024449916938, 1e-12);
    CHECK_NEAR(lat, 39.91640428150164, 1e-12);
    cim_crs_gcj02_to_bd09(&lon, &lat, 116.404, 39.915);
    CHECK_NEAR(lon, 116.41036949371029, 1e-12);
    CHECK_NEAR(lat, 39.92133699351021, 1e-12);
    cim_crs_bd09_to_gcj02(&lon, &lat, 116.404, 39.915);
    CHECK_NEAR(lon, 116.39762729119315, 1e-12);
    CHECK_NEAR(lat, 39.90865673957631, 1e-12);
}

/* The nearest full-precision published pair to Shenzhen found: Kowloon,
 * 15 km south of the Shenzhen border, from a vitest suite of a coordtransform
 * port: wgs84ToGcj02(114.1808934593, 22.322230460245). */
static void test_published_pearl_river_delta(void)
{
    double lon, lat;
    cim_crs_wgs84_to_gcj02(&lon, &lat, 114.1808934593, 22.322230460245);
    CHECK_NEAR(lon, 114.18582963264353, 1e-12);
    CHECK_NEAR(lat, 22.319458929409972, 1e-12);
}

/* The iterative inverse must reproduce the GCJ-02 point to 1e-9 degrees,
 * everywhere from Hainan to Heilongjiang, Xinjiang to Shanghai. */
static void test_gcj_inverse(void)
{
    const double pts[][2] = {{116.404, 39.915}, {114.0579, 22.5431}, {113.9, 22.5},
                             {87.6, 43.8}, {126.6, 45.75}, {109.5, 18.25}, {121.47, 31.23}};
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
        double wlon, wlat, glon, glat;
        cim_crs_gcj02_to_wgs84(&wlon, &wlat, pts[i][0], pts[i][1]);
        cim_crs_wgs84_to_gcj02(&glon, &glat, wlon, wlat);
        CHECK_NEAR(glon, pts[i][0], 1e-9);
        CHECK_NEAR(glat, pts[i][1], 1e-9);
        /* and the other way round */
        cim_crs_wgs84_to_gcj02(&glon, &glat, pts[i][0], pts[i][1]);
        cim_crs_gcj02_to_wgs84(&wlon, &wlat, glon, glat);
        CHECK_NEAR(wlon, pts[i][0], 1e-9);
        CHECK_NEAR(wlat, pts[i][1], 1e-9);
        /* the offset is the 100-700 m the domain notes describe */
        CHECK(fabs(glon - pts[i][0]) > 1e-4 || fabs(glat - pts[i][1]) > 1e-4);
        CHECK(fabs(glon - pts[i][0]) < 1e-2 && fabs(glat - pts[i][1]) < 1e-2);
    }
    /* The published one-step inverse gives (116.39775550083061, 39.91359571849836)
     * for (116.404, 39.915); ours refines it by well under a metre. */
    double wlon, wlat;
    cim_crs_gcj02_to_wgs84(&wlon, &wlat, 116.404, 39.915);
    CHECK_NEAR(wlon, 116.39775550083061, 2e-6);
    CHECK_NEAR(wlat, 39.91359571849836, 2e-6);
    /* BD-09 -> WGS84 goes through GCJ-02 */
    double glon, glat, blon, blat;
    cim_crs_bd09_to_gcj02(&glon, &glat, 114.05, 22.55);
    cim_crs_gcj02_to_wgs84(&wlon, &wlat, glon, glat);
    cim_crs_bd09_to_wgs84(&blon, &blat, 114.05, 22.55);
    CHECK(blon == wlon && blat == wlat);
}

static void test_outside_china(void)
{
    const double pts[][2] = {{2.35, 48.85}, {139.69, 35.69}, {-74.0, 40.7}, {73.66, 30.0},
                             {100.0, 53.55}};
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
        double lon, lat;
        CHECK(!cim_crs_gcj02_applies(pts[i][0], pts[i][1]));
        cim_crs_wgs84_to_gcj02(&lon, &lat, pts[i][0], pts[i][1]);
        CHECK(lon == pts[i][0] && lat == pts[i][1]);
        cim_crs_gcj02_to_wgs84(&lon, &lat, pts[i][0], pts[i][1]);
        CHECK(lon == pts[i][0] && lat == pts[i][1]);
    }
    CHECK(cim_crs_gcj02_applies(114.05, 22.55));
}

/* --- 2D Helmert ----------------------------------------------------------------- */

/* Cases small enough to do by hand. */
static void test_helmert_by_hand(void)
{
    cim_crs_helmert2d shift = {.dx = 100.0, .dy = -50.0};
    double x, y;
    cim_crs_helmert2d_to_base(&x, &y, &shift, 1100.0, 950.0);
    CHECK_NEAR(x, 1000.0, 1e-12);
    CHECK_NEAR(y, 1000.0, 1e-12);
    cim_crs_helmert2d_to_local(&x, &y, &shift, 1000.0, 1000.0);
    CHECK_NEAR(x, 1100.0, 1e-12);
    CHECK_NEAR(y, 950.0, 1e-12);

    /* +90 degrees (324000"): base (1, 0) -> local (0, -1), i.e. clockwise */
    cim_crs_helmert2d quarter = {.rot_arcsec = 324000.0};
    cim_crs_helmert2d_to_local(&x, &y, &quarter, 1.0, 0.0);
    CHECK_NEAR(x, 0.0, 1e-12);
    CHECK_NEAR(y, -1.0, 1e-12);

    /* +1e6 ppm doubles lengths */
    cim_crs_helmert2d twice = {.scale_ppm = 1e6};
    cim_crs_helmert2d_to_local(&x, &y, &twice, 1.0, 2.0);
    CHECK_NEAR(x, 2.0, 1e-12);
    CHECK_NEAR(y, 4.0, 1e-12);
}

#define H_DX -400123.456
#define H_DY -2380456.789
#define H_ROT 125.3
#define H_PPM 37.2
#define H_SPEC "helmert2d:base=EPSG:4547,dx=-400123.456,dy=-2380456.789,rot=125.3,scale=37.2"
/* PROJ's 2D helmert takes the scale as a factor: 1 + 37.2e-6. */
#define H_PROJ "+proj=helmert +x=-400123.456 +y=-2380456.789 +theta=125.3 +s=1.0000372"

/* Local grid points and their base (EPSG:4547) coordinates, obtained with
 *   printf "105806.0 113532.0 0 0\n80000.5 131000.25 0 0\n" | cct -I -d 6 H_PROJ
 * and their WGS84 lon/lat with
 *   cct -d 10 +proj=pipeline +step +inv H_PROJ +step +inv +proj=tmerc +lat_0=0
 *       +lon_0=114 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80
 *       +step +proj=unitconvert +xy_in=rad +xy_out=deg
 * (cs2cs EPSG:4547 EPSG:4326 agrees: the CGCS2000 -> WGS84 step is a null
 * "ballpark" one). */
static const double local_pts[2][2] = {{105806.0, 113532.0}, {80000.5, 131000.25}};
static const double base_pts[2][2] = {{504395.572012, 2494202.882213},
                                      {478580.425633, 2511654.803672}};
static const double lonlat_pts[2][2] = {{114.0427324626, 22.5454674117},
                                        {113.7915282101, 22.7029326503}};

/* Our formula against a PROJ pipeline built here: an independent
 * implementation of the same convention. */
static void test_helmert_vs_proj_pipeline(void)
{
    PJ_CONTEXT *ctx = proj_context_create();
    PJ *inv = proj_create(ctx, "+proj=pipeline +step +inv " H_PROJ);
    CHECK(inv != NULL);
    if (!inv) {
        proj_context_destroy(ctx);
        return;
    }
    cim_crs_helmert2d h = {H_DX, H_DY, H_ROT, H_PPM};
    const double pts[][2] = {{105806.0, 113532.0}, {0.0, 0.0}, {-25000.0, 90000.0}, {1e5, -1e5}};
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
        PJ_COORD c = proj_coord(pts[i][0], pts[i][1], 0, 0);
        PJ_COORD r = proj_trans(inv, PJ_FWD, c);
        double x, y;
        cim_crs_helmert2d_to_base(&x, &y, &h, pts[i][0], pts[i][1]);
        CHECK_NEAR(x, r.xy.x, 1e-7);
        CHECK_NEAR(y, r.xy.y, 1e-7);
        /* and forward, PROJ's direction */
        PJ_COORD f = proj_trans(inv, PJ_INV, c);
        cim_crs_helmert2d_to_local(&x, &y, &h, pts[i][0], pts[i][1]);
        CHECK_NEAR(x, f.xy.x, 1e-7);
        CHECK_NEAR(y, f.xy.y, 1e-7);
    }
    proj_destroy(inv);
    proj_context_destroy(ctx);
}

static void check_points(cim_transform *t, const double expect[2][2], double tol)
{
    double xy[4] = {local_pts[0][0], local_pts[0][1], local_pts[1][0], local_pts[1][1]};
    size_t bad = 99;
    CHECK(cim_transform_points(t, xy, 2, 2, &bad) == 0);
    for (int i = 0; i < 2; i++) {
        CHECK_NEAR(xy[2 * i], expect[i][0], tol);
        CHECK_NEAR(xy[2 * i + 1], expect[i][1], tol);
    }
}

static void test_helmert_transform(void)
{
    cim_transform *t = NULL;
    CHECK(cim_transform_new(&t, H_SPEC, NULL, 4547) == 0);
    if (t) {
        CHECK(!cim_transform_is_identity(t));
        CHECK(!cim_transform_src_is_geographic(t));
        CHECK_STR(cim_transform_src_name(t), "helmert2d(EPSG:4547)");
        check_points(t, base_pts, 2e-6); /* cct printed 6 decimals */
        cim_transform_free(t);
    }
    t = NULL;
    CHECK(cim_transform_new(&t, H_SPEC, NULL, 4326) == 0);
    if (t) {
        check_points(t, lonlat_pts, 2e-10); /* cct printed 10 decimals */
        cim_transform_free(t);
    }
    /* Any order; a PROJ-string base whose own commas (+towgs84) must not end
     * the field; upper-case prefix. */
    t = NULL;
    CHECK(cim_transform_new(&t,
                            "HELMERT2D:rot=125.3,base=+proj=tmerc +lat_0=0 +lon_0=114 +k=1 "
                            "+x_0=500000 +y_0=0 +ellps=GRS80 +towgs84=0,0,0 +units=m,"
                            "scale=37.2,dy=-2380456.789,dx=-400123.456",
                            NULL, 4547) == 0);
    if (t) {
        check_points(t, base_pts, 1e-3);
        cim_transform_free(t);
    } else {
        fprintf(stderr, "  %s\n", cim_error_last()->message);
    }
}

static void expect_crs_error(const char *spec, const char *wkt, int srid, const char *needle)
{
    static char poison;
    cim_transform *t = (cim_transform *)(void *)&poison; /* must come back NULL */
    cim_error_clear();
    int rc = cim_transform_new(&t, spec, wkt, srid);
    CHECK_MSG(rc == CIM_ECRS, "spec '%s': rc %d", spec ? spec : "(null)", rc);
    CHECK(t == NULL);
    const cim_error *e = cim_error_last();
    CHECK(e != NULL && e->code == CIM_ECRS);
    if (e && needle)
        CHECK_MSG(strstr(e->message, needle) != NULL, "'%s' not in \"%s\"", needle, e->message);
}

static void test_helmert_bad_specs(void)
{
    expect_crs_error("helmert2d:dx=1,dy=2", NULL, 4547, "no base=");
    expect_crs_error("helmert2d:base=EPSG:4326,dx=1", NULL, 4547, "not a projected CRS");
    expect_crs_error("helmert2d:base=EPSG:4547,dz=1", NULL, 4547, "unknown helmert2d parameter 'dz'");
    expect_crs_error("helmert2d:base=EPSG:4547,rot=abc", NULL, 4547, "bad value for 'rot'");
    expect_crs_error("helmert2d:base=EPSG:4547,scale=-1e6", NULL, 4547, "above -1e6 ppm");
    expect_crs_error("helmert2d:base=EPSG:99999", NULL, 4547, "EPSG:99999");
}

/* --- PROJ transforms ------------------------------------------------------------- */

/* Expected values from
 *   printf "22.5431 114.0579\n22.7 113.8\n" | cs2cs -f %.6f EPSG:4326 EPSG:4547
 * (cs2cs uses EPSG axis order: lat lon in, northing easting out; we use
 * x = easting / longitude on both sides). */
static void test_wgs84_to_4547(void)
{
    cim_transform *t = NULL;
    CHECK(cim_transform_new(&t, "EPSG:4326", NULL, 4547) == 0);
    if (!t)
        return;
    CHECK(!cim_transform_is_identity(t));
    CHECK(cim_transform_src_is_geographic(t));
    CHECK_STR(cim_transform_src_name(t), "EPSG:4326");
    /* XYZ with stride 3: z stays as it was */
    double xyz[6] = {114.0579, 22.5431, 12.5, 113.8, 22.7, -3.0};
    CHECK(cim_transform_points(t, xyz, 2, 3, NULL) == 0);
    CHECK_NEAR(xyz[0], 505955.846174, 1e-5);
    CHECK_NEAR(xyz[1], 2493941.245741, 1e-5);
    CHECK(xyz[2] == 12.5);
    CHECK_NEAR(xyz[3], 479450.430433, 1e-5);
    CHECK_NEAR(xyz[4], 2511328.843463, 1e-5);
    CHECK(xyz[5] == -3.0);
    cim_transform_free(t);

    /* a PROJ string without +type=crs is taken as the CRS it describes */
    t = NULL;
    CHECK(cim_transform_new(&t, "+proj=longlat +datum=WGS84", NULL, 4547) == 0);
    if (t) {
        double xy[2] = {114.0579, 22.5431};
        CHECK(cim_transform_src_is_geographic(t));
        CHECK(cim_transform_points(t, xy, 1, 2, NULL) == 0);
        CHECK_NEAR(xy[0], 505955.846174, 1e-5);
        CHECK_NEAR(xy[1], 2493941.245741, 1e-5);
        cim_transform_free(t);
    }
}

/* gcj02 / bd09 sources: web-map coordinates of the cs2cs point above land on
 * the same store coordinates (to the 1e-10 degree inverse, and to BD-09's
 * ~2e-7 degree round-trip error near Shenzhen). */
static void test_china_sources(void)
{
    double glon, glat, blon, blat;
    cim_crs_wgs84_to_gcj02(&glon, &glat, 114.0579, 22.5431);
    cim_crs_gcj02_to_bd09(&blon, &blat, glon, glat);
    const char *specs[] = {"gcj02", "GCJ02", "bd09", "BD09"};
    for (int i = 0; i < 4; i++) {
        cim_transform *t = NULL;
        int bd = i >= 2;
        CHECK(cim_transform_new(&t, specs[i], NULL, 4547) == 0);
        if (!t)
            continue;
        CHECK_STR(cim_transform_src_name(t), bd ? "bd09" : "gcj02");
        CHECK(cim_transform_src_is_geographic(t));
        CHECK(!cim_transform_is_identity(t));
        double xy[2] = {bd ? blon : glon, bd ? blat : glat};
        CHECK(cim_transform_points(t, xy, 1, 2, NULL) == 0);
        CHECK_NEAR(xy[0], 505955.846174, bd ? 0.05 : 1e-4);
        CHECK_NEAR(xy[1], 2493941.245741, bd ? 0.05 : 1e-4);
        cim_transform_free(t);
    }
    /* to a WGS84 store: the pre-step alone, still not an identity */
    cim_transform *t = NULL;
    CHECK(cim_transform_new(&t, "gcj02", NULL, 4326) == 0);
    if (t) {
        CHECK(!cim_transform_is_identity(t));
        double xy[2] = {116.41024449916938, 39.91640428150164};
        CHECK(cim_transform_points(t, xy, 1, 2, NULL) == 0);
        CHECK_NEAR(xy[0], 116.404, 1e-9);
        CHECK_NEAR(xy[1], 39.915, 1e-9);
        cim_transform_free(t);
    }
}

/* The same CRS spelt as ESRI WKT (what a shapefile's .prj gives GDAL): PROJ
 * does not call it equivalent to EPSG:4547, but the operation is a no-op. */
static const char *esri_4547 =
    "PROJCS[\"CGCS2000_3_Degree_GK_CM_114E\",GEOGCS[\"GCS_China_Geodetic_Coordinate_System_2000\","
    "DATUM[\"D_China_2000\",SPHEROID[\"CGCS2000\",6378137.0,298.257222101]],"
    "PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]],PROJECTION[\"Gauss_Kruger\"],"
    "PARAMETER[\"False_Easting\",500000.0],PARAMETER[\"False_Northing\",0.0],"
    "PARAMETER[\"Central_Meridian\",114.0],PARAMETER[\"Scale_Factor\",1.0],"
    "PARAMETER[\"Latitude_Of_Origin\",0.0],UNIT[\"Meter\",1.0]]";

static void test_identity(void)
{
    cim_transform *t = NULL;
    CHECK(cim_transform_new(&t, "EPSG:4547", NULL, 4547) == 0);
    if (t) {
        CHECK(cim_transform_is_identity(t));
        CHECK(!cim_transform_src_is_geographic(t));
        double xy[4] = {505955.846174, 2493941.245741, 1.0, 2.0};
        CHECK(cim_transform_points(t, xy, 2, 2, NULL) == 0);
        CHECK(xy[0] == 505955.846174 && xy[1] == 2493941.245741 && xy[2] == 1.0 && xy[3] == 2.0);
        /* a NaN is still caught on the identity path */
        double nan_xy[4] = {1.0, 2.0, NAN, 3.0};
        size_t bad = 99;
        CHECK(cim_transform_points(t, nan_xy, 2, 2, &bad) == CIM_ECRS);
        CHECK(bad == 1);
        cim_transform_free(t);
    }
    t = NULL;
    CHECK(cim_transform_new(&t, NULL, esri_4547, 4547) == 0);
    if (t) {
        CHECK(cim_transform_is_identity(t));
        CHECK_STR(cim_transform_src_name(t), "CGCS2000 / 3-degree Gauss-Kruger CM 114E");
        cim_transform_free(t);
    }
    /* the spec overrides the source's WKT */
    t = NULL;
    CHECK(cim_transform_new(&t, "EPSG:4326", esri_4547, 4547) == 0);
    if (t) {
        CHECK(!cim_transform_is_identity(t));
        cim_transform_free(t);
    }
}

static void test_errors(void)
{
    expect_crs_error(NULL, NULL, 4547, "no CRS");
    expect_crs_error(NULL, NULL, 4547, "--s-srs");
    expect_crs_error("EPSG:99999", NULL, 4547, "unknown source CRS 'EPSG:99999': ");
    expect_crs_error("EPSG:99999", NULL, 4547, "not found");
    expect_crs_error("not a crs", NULL, 4547, "'not a crs'");
    expect_crs_error("+proj=helmert +x=1", NULL, 4547, "'+proj=helmert +x=1': not a coordinate reference system");
    expect_crs_error(NULL, "PROJCS[\"broken\",", 4547, "WKT");
    expect_crs_error("EPSG:4326", NULL, 99998, "EPSG:99998");
    CHECK(cim_error_last() && cim_error_last()->klass == CIM_ERRCLASS_PROJ);
}

/* Latitude 95 makes tmerc fail: PROJ returns HUGE_VAL, we return CIM_ECRS
 * with the index, also past the first chunk of points. */
static void test_nonfinite(void)
{
    cim_transform *t = NULL;
    CHECK(cim_transform_new(&t, "EPSG:4326", NULL, 4547) == 0);
    if (!t)
        return;
    double xy[6] = {114.0, 22.5, 114.0, 95.0, 114.0, 23.0};
    size_t bad = 99;
    cim_error_clear();
    CHECK(cim_transform_points(t, xy, 3, 2, &bad) == CIM_ECRS);
    CHECK(bad == 1);
    const cim_error *e = cim_error_last();
    CHECK(e && strstr(e->message, "point 1 (114, 95)") != NULL);
    if (e)
        CHECK_MSG(strstr(e->message, "EPSG:4547") != NULL, "%s", e->message);

    size_t n = 600;
    double *many = malloc(n * 2 * sizeof *many);
    if (many) {
        for (size_t i = 0; i < n; i++) {
            many[2 * i] = 114.0;
            many[2 * i + 1] = i == 517 ? 1e300 : 22.0 + (double)i * 1e-3;
        }
        bad = 0;
        CHECK(cim_transform_points(t, many, n, 2, &bad) == CIM_ECRS);
        CHECK(bad == 517);
        free(many);
    }
    cim_transform_free(t);
}

/* --- threads ------------------------------------------------------------------------ */

struct job {
    cim_transform *t;
    double xy[4];
    int rc;
};

static void *run_job(void *arg)
{
    struct job *j = arg;
    j->rc = cim_transform_points(j->t, j->xy, 2, 2, NULL);
    return NULL;
}

static void test_clone_thread(void)
{
    cim_transform *t = NULL, *c = NULL;
    CHECK(cim_transform_new(&t, "EPSG:4326", NULL, 4547) == 0);
    if (!t)
        return;
    CHECK(cim_transform_clone(&c, t) == 0);
    if (c) {
        CHECK_STR(cim_transform_src_name(c), "EPSG:4326");
        struct job j = {c, {114.0579, 22.5431, 113.8, 22.7}, -1};
        double mine[4] = {114.0579, 22.5431, 113.8, 22.7};
        pthread_t th;
        CHECK(pthread_create(&th, NULL, run_job, &j) == 0);
        CHECK(cim_transform_points(t, mine, 2, 2, NULL) == 0); /* at the same time */
        pthread_join(th, NULL);
        CHECK(j.rc == 0);
        for (int i = 0; i < 4; i++)
            CHECK(j.xy[i] == mine[i]);
        CHECK_NEAR(j.xy[0], 505955.846174, 1e-5);
        cim_transform_free(c);
    }
    cim_transform_free(t);
    cim_transform_free(NULL);
}

int main(void)
{
    test_published_beijing();
    test_published_pearl_river_delta();
    test_gcj_inverse();
    test_outside_china();
    test_helmert_by_hand();
    test_helmert_vs_proj_pipeline();
    test_helmert_transform();
    test_helmert_bad_specs();
    test_wgs84_to_4547();
    test_china_sources();
    test_identity();
    test_errors();
    test_nonfinite();
    test_clone_thread();
    return check_report();
}
