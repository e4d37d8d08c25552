/* test_wkb.c: the WKB walker and the SpatiaLite blob encoder, checked against
 * SpatiaLite's own encoder (GeomFromWKB, CastToMulti, CastToXYZ) on WKB made by
 * GDAL from WKT. */
#include <sqlite3.h>
#include <spatialite.h>
#include <ogr_api.h>

#include "check.h"
#include "error_int.h"
#include "wkb_int.h"

static sqlite3 *db;

/* ISO WKB of wkt, from GDAL. */
static unsigned char *wkb_of(const char *wkt, size_t *len)
{
    OGRGeometryH g = NULL;
    char *p = (char *)wkt;
    if (OGR_G_CreateFromWkt(&p, NULL, &g) != OGRERR_NONE)
        return NULL;
    *len = (size_t)OGR_G_WkbSize(g);
    unsigned char *buf = malloc(*len);
    OGR_G_ExportToIsoWkb(g, wkbNDR, buf);
    OGR_G_DestroyGeometry(g);
    return buf;
}

/* SpatiaLite's blob for the same WKB, through sql ("?1" is the WKB). */
static int reference_blob(const char *sql, const unsigned char *wkb, size_t len, cim_buf *out)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_blob(st, 1, wkb, (int)len, SQLITE_STATIC);
    int rc = -1;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_BLOB) {
        out->len = 0;
        cim_buf_reserve(out, (size_t)sqlite3_column_bytes(st, 0));
        cim_buf_put(out, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
        rc = 0;
    }
    sqlite3_finalize(st);
    return rc;
}

static void same_as_spatialite(const char *wkt, int promote, int z_fill, const char *sql)
{
    size_t len = 0;
    unsigned char *wkb = wkb_of(wkt, &len);
    CHECK_MSG(wkb != NULL, "WKT %s", wkt);
    if (!wkb)
        return;
    cim_wkb_info info;
    CHECK_MSG(cim_wkb_scan(wkb, len, &info) == 0, "scan %s", wkt);
    cim_buf ours = {0}, theirs = {0};
    CHECK(cim_splite_blob(&ours, wkb, len, &info, 4547, promote, z_fill) == 0);
    CHECK_MSG(reference_blob(sql, wkb, len, &theirs) == 0, "SpatiaLite on %s", wkt);
    CHECK_MSG(ours.len == theirs.len && memcmp(ours.data, theirs.data, ours.len) == 0,
              "blob of %s (promote %d, z_fill %d): %zu bytes vs SpatiaLite's %zu", wkt, promote, z_fill, ours.len,
              theirs.len);
    cim_buf_free(&ours);
    cim_buf_free(&theirs);
    free(wkb);
}

/* Blob -> WKB: for 2D, the bytes of SpatiaLite's AsBinary; in all cases,
 * SpatiaLite re-encodes our WKB into the very blob we started from. */
static void decodes_like_spatialite(const char *wkt)
{
    size_t len = 0;
    unsigned char *wkb = wkb_of(wkt, &len);
    cim_buf blob = {0}, back = {0}, theirs = {0};
    CHECK(reference_blob("SELECT GeomFromWKB(?1, 4547)", wkb, len, &blob) == 0);
    CHECK_MSG(cim_splite_blob_to_wkb(&back, blob.data, blob.len) == 0, "decode %s", wkt);
    CHECK_MSG(back.len == len && memcmp(back.data, wkb, len) == 0, "decoded WKB of %s equals GDAL's", wkt);
    cim_wkb_info info;
    CHECK(cim_wkb_scan(back.data, back.len, &info) == 0);
    if (!info.has_z) {
        CHECK(reference_blob("SELECT AsBinary(?1)", blob.data, blob.len, &theirs) == 0);
        CHECK_MSG(theirs.len == back.len && memcmp(theirs.data, back.data, back.len) == 0, "AsBinary of %s", wkt);
    }
    CHECK(reference_blob("SELECT GeomFromWKB(?1, 4547)", back.data, back.len, &theirs) == 0);
    CHECK_MSG(theirs.len == blob.len && memcmp(theirs.data, blob.data, blob.len) == 0, "round trip of %s", wkt);
    /* Broken blobs are refused, never read past their end. */
    for (size_t cut = 0; cut + 1 < blob.len; cut += 5)
        CHECK(cim_splite_blob_to_wkb(&back, blob.data, cut) == CIM_EFORMAT);
    cim_buf_free(&blob);
    cim_buf_free(&back);
    cim_buf_free(&theirs);
    free(wkb);
}

/* EWKB (a PostGIS store's geometry) both ways, against SpatiaLite's
 * AsEWKB (PostGIS's format, as hex); and the rings the operations read. */
static int count_ring(const uint8_t *coords, uint32_t n, int stride, int hole, void *payload)
{
    (void)coords, (void)stride;
    int *c = payload;
    c[0]++;
    c[1] += hole;
    c[2] += (int)n;
    return 0;
}

static void ewkb_like_spatialite(const char *wkt)
{
    size_t len = 0;
    unsigned char *wkb = wkb_of(wkt, &len);
    CHECK(wkb != NULL);
    cim_buf ewkb = {0}, back = {0}, ref = {0};
    CHECK(cim_wkb_to_ewkb(&ewkb, wkb, len, 4547) == 0);
    char *hex = malloc(ewkb.len * 2 + 1);
    for (size_t i = 0; i < ewkb.len; i++)
        sprintf(hex + 2 * i, "%02X", ewkb.data[i]);
    sqlite3_stmt *st = NULL;
    CHECK(sqlite3_prepare_v2(db, "SELECT AsEWKB(GeomFromWKB(?1, 4547))", -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_blob(st, 1, wkb, (int)len, SQLITE_STATIC);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    const char *want = (const char *)sqlite3_column_text(st, 0);
    if (!want || strcmp(want, hex) != 0)
        fprintf(stderr, "%s:\n  cim        %s\n  spatialite %s\n", wkt, hex, want ? want : "NULL");
    CHECK(want && !strcmp(want, hex));
    sqlite3_finalize(st);
    /* Back to ISO WKB, directly and through the blob reader. */
    CHECK(cim_ewkb_to_wkb(&back, ewkb.data, ewkb.len) == 0);
    CHECK(back.len == len && !memcmp(back.data, wkb, len));
    CHECK(cim_splite_blob_to_wkb(&back, ewkb.data, ewkb.len) == 0);
    CHECK(back.len == len && !memcmp(back.data, wkb, len));
    /* Polygon rings: the same from EWKB as from the SpatiaLite blob. */
    cim_wkb_info info;
    CHECK(cim_wkb_scan(wkb, len, &info) == 0);
    if (info.type == CIM_WKB_POLYGON || info.type == CIM_WKB_MULTIPOLYGON) {
        int a[3] = {0}, b[3] = {0};
        CHECK(cim_splite_blob(&ref, wkb, len, &info, 4547, 0, 0) == 0);
        CHECK(cim_splite_blob_rings(ref.data, ref.len, count_ring, a) == 0);
        CHECK(cim_splite_blob_rings(ewkb.data, ewkb.len, count_ring, b) == 0);
        CHECK(a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[0] > 0);
    }
    /* Truncated EWKB is refused, never read past. */
    for (size_t cut = 0; cut < ewkb.len; cut += 5)
        CHECK(cim_ewkb_to_wkb(&back, ewkb.data, cut) == CIM_EFORMAT);
    free(hex);
    free(wkb);
    cim_buf_free(&ewkb);
    cim_buf_free(&back);
    cim_buf_free(&ref);
}

static void scan_fails(const unsigned char *wkb, size_t len, const char *what)
{
    cim_wkb_info info;
    CHECK_MSG(cim_wkb_scan(wkb, len, &info) == CIM_EFORMAT, "%s must fail", what);
}

int main(void)
{
    void *cache = spatialite_alloc_connection();
    sqlite3_open(":memory:", &db);
    spatialite_init_ex(db, cache, 0);
    const char *plain = "SELECT GeomFromWKB(?1, 4547)";
    const char *multi = "SELECT CastToMulti(GeomFromWKB(?1, 4547))";
    const char *xyz = "SELECT CastToXYZ(GeomFromWKB(?1, 4547))";
    const char *multi_xyz = "SELECT CastToXYZ(CastToMulti(GeomFromWKB(?1, 4547)))";

    same_as_spatialite("POINT (500000.5 2500000.25)", 0, 0, plain);
    same_as_spatialite("LINESTRING (0 0, 10 0, 10 10)", 0, 0, plain);
    same_as_spatialite("POLYGON ((0 0, 100 0, 100 100, 0 100, 0 0), (10 10, 20 10, 20 20, 10 10))", 0, 0, plain);
    same_as_spatialite("MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))", 0, 0, plain);
    same_as_spatialite("MULTILINESTRING ((0 0, 1 1), (2 2, 3 3, 4 4))", 0, 0, plain);
    same_as_spatialite("MULTIPOINT ((1 2), (3 4))", 0, 0, plain);
    same_as_spatialite("POLYGON Z ((0 0 1, 100 0 2, 100 100 3, 0 0 1))", 0, 0, plain);
    same_as_spatialite("GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (0 0, 1 1), POLYGON ((0 0, 1 0, 1 1, 0 0)))",
                       0, 0, plain);
    /* Promotion: one-part multi-geometries, as CastToMulti makes them. */
    same_as_spatialite("POLYGON ((0 0, 100 0, 100 100, 0 100, 0 0))", 1, 0, multi);
    same_as_spatialite("LINESTRING (0 0, 10 0)", 1, 0, multi);
    same_as_spatialite("MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)))", 1, 0, multi);
    /* z = 0 filled in for a 3D layer. */
    same_as_spatialite("POLYGON ((0 0, 100 0, 100 100, 0 0))", 0, 1, xyz);
    same_as_spatialite("POLYGON ((0 0, 100 0, 100 100, 0 0))", 1, 1, multi_xyz);

    const char *decode[] = {"POINT (1 2)", "LINESTRING (0 0, 10 0, 10 10)",
                            "POLYGON ((0 0, 100 0, 100 100, 0 100, 0 0), (10 10, 20 10, 20 20, 10 10))",
                            "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))",
                            "MULTILINESTRING ((0 0, 1 1), (2 2, 3 3))", "MULTIPOINT ((1 2), (3 4))",
                            "POLYGON Z ((0 0 1, 100 0 2, 100 100 3, 0 0 1))",
                            "GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (0 0, 1 1))"};
    for (size_t i = 0; i < sizeof decode / sizeof decode[0]; i++)
        decodes_like_spatialite(decode[i]);

    for (size_t i = 0; i < sizeof decode / sizeof decode[0]; i++)
        ewkb_like_spatialite(decode[i]);
    ewkb_like_spatialite("MULTIPOLYGON Z (((0 0 1, 1 0 1, 1 1 2, 0 0 1)), ((5 5 0, 6 5 0, 6 6 0, 5 5 0)))");

    /* The walker's bounds and structure checks. */
    size_t len = 0;
    unsigned char *wkb = wkb_of("POLYGON ((0 0, 100 0, 100 100, 0 100, 0 0))", &len);
    cim_wkb_info info;
    CHECK(cim_wkb_scan(wkb, len, &info) == 0);
    CHECK(info.type == CIM_WKB_POLYGON && info.points == 5 && !info.has_z && !info.nonfinite);
    CHECK_NEAR(info.mbr[0], 0, 0);
    CHECK_NEAR(info.mbr[3], 100, 0);
    for (size_t cut = 0; cut < len; cut += 7)
        scan_fails(wkb, cut, "truncated polygon");
    unsigned char *longer = malloc(len + 1);
    memcpy(longer, wkb, len);
    longer[len] = 0;
    scan_fails(longer, len + 1, "trailing byte");
    longer[0] = 0; /* big-endian marker */
    scan_fails(longer, len, "big-endian");
    memcpy(longer, wkb, len);
    longer[1] = 99; /* type 99 */
    scan_fails(longer, len, "unknown type");
    memcpy(longer, wkb, len);
    uint32_t m_type = 2003; /* polygon M */
    memcpy(longer + 1, &m_type, 4);
    scan_fails(longer, len, "measured polygon");
    memcpy(longer, wkb, len);
    uint32_t huge = 0x7fffffff; /* ring count beyond the buffer */
    memcpy(longer + 5, &huge, 4);
    scan_fails(longer, len, "ring count too large");
    memcpy(longer, wkb, len);
    double nan = NAN;
    memcpy(longer + 13, &nan, 8);
    CHECK(cim_wkb_scan(longer, len, &info) == 0 && info.nonfinite);
    free(longer);
    free(wkb);

    CHECK_STR(cim_wkb_type_name(CIM_WKB_MULTIPOLYGON), "MULTIPOLYGON");
    CHECK(cim_splite_class(CIM_WKB_MULTIPOLYGON, 1) == 1006);
    sqlite3_close(db);
    spatialite_cleanup_ex(cache);
    return check_report();
}
