/* test_geojson.c: the streaming GeoJSON reader (formats/geojson).
 *
 * GDAL is the reference: schemas (field names, types, order, feature count,
 * layer geometry type) are compared with what `ogrinfo -so -al` (GDAL 3.6)
 * reports for the same file; values and WKB are checked against expectations
 * worked out by hand. Error cases must give GJ_ERROR with a message that
 * names the line (and the feature inside the features array); valid input
 * outside the reader's scope must give GJ_UNSUPPORTED. Finally the real files
 * under $CIM_SHARED_DATA are read and compared with ogrinfo. */
#include "check.h"
#include "geojson_reader.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[PATH_MAX];
static int have_ogrinfo;

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

/* Writes content to tmpdir/name and returns the path (static buffer). */
static const char *write_file(const char *name, const char *content)
{
    static char path[PATH_MAX + 64];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    f = fopen(path, "wb");
    if (!f) { perror(path); exit(2); }
    fwrite(content, 1, strlen(content), f);
    fclose(f);
    return path;
}

/* What ogrinfo reports for a layer. */
typedef struct ogr_info {
    int ok;
    size_t nfields;
    char **names, **types;
    int64_t count;
    int geom;           /* as layer_code(): flat type, +1000 for "3D" */
} ogr_info;

static void ogr_free(ogr_info *oi)
{
    for (size_t i = 0; i < oi->nfields; i++) { free(oi->names[i]); free(oi->types[i]); }
    free(oi->names);
    free(oi->types);
    memset(oi, 0, sizeof *oi);
}

/* "Multi Line String" -> 5, with 1000 added for "3D ". */
static int ogr_geom_code(const char *s)
{
    static const char *const names[] = { "Point", "Line String", "Polygon", "Multi Point",
                                         "Multi Line String", "Multi Polygon", "Geometry Collection" };
    int z = 0;
    if (strncmp(s, "3D ", 3) == 0) { z = 1000; s += 3; }
    for (int i = 0; i < 7; i++)
        if (strcmp(s, names[i]) == 0) return i + 1 + z;
    return 0;                                    /* Unknown (any) */
}

/* Runs `ogrinfo -so -al path` and parses "Feature Count", "Geometry" and the
 * "name: Type (w.p)" field lines. */
static int ogr_read(const char *path, ogr_info *oi)
{
    char cmd[PATH_MAX + 64], line[4096];
    FILE *p;
    memset(oi, 0, sizeof *oi);
    snprintf(cmd, sizeof cmd, "ogrinfo -so -al '%s' 2>/dev/null", path);
    p = popen(cmd, "r");
    if (!p) return 0;
    while (fgets(line, sizeof line, p)) {
        size_t n = strlen(line);
        char *colon, *paren;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
        if (strncmp(line, "Feature Count: ", 15) == 0) {
            oi->count = strtoll(line + 15, NULL, 10);
            oi->ok = 1;
            continue;
        }
        if (strncmp(line, "Geometry: ", 10) == 0) { oi->geom = ogr_geom_code(line + 10); continue; }
        /* Field lines end with " (width.precision)". */
        paren = strrchr(line, '(');
        if (!paren || paren == line || paren[-1] != ' ' || line[n - 1] != ')' || strchr(paren, ',')) continue;
        colon = NULL;
        for (char *c = line; c + 1 < paren; c++)
            if (c[0] == ':' && c[1] == ' ') colon = c;
        if (!colon || line[0] == ' ') continue;
        oi->names = realloc(oi->names, (oi->nfields + 1) * sizeof *oi->names);
        oi->types = realloc(oi->types, (oi->nfields + 1) * sizeof *oi->types);
        *colon = '\0';
        paren[-1] = '\0';
        oi->names[oi->nfields] = strdup(line);
        oi->types[oi->nfields] = strdup(colon + 2);
        oi->nfields++;
    }
    pclose(p);
    return oi->ok;
}

/* Our type as ogrinfo prints it. */
static const char *type_label(const gj_reader *r, size_t i)
{
    static const char *const names[] = { "Integer", "Integer64", "Real", "String", "Date", "Time",
                                         "DateTime", "Integer(Boolean)" };
    if (gj_field_is_json(r, i)) return "String(JSON)";
    return names[gj_field_type_of(r, i)];
}

/* The layer type as ogrinfo reports it: "3D" (+1000) when the type is known
 * and some geometry has Z. */
static int layer_code(const gj_reader *r)
{
    int t = gj_geometry_type(r);
    return t && gj_has_z(r) ? t + 1000 : t;
}

/* Compares our schema of an opened file with ogrinfo's. */
static void check_schema_vs_ogr(const gj_reader *r, const char *path)
{
    ogr_info oi;
    size_t shown = 0;
    if (!have_ogrinfo) return;
    if (!ogr_read(path, &oi)) { CHECK_MSG(0, "ogrinfo could not read %s", path); return; }
    CHECK_MSG(oi.nfields == gj_field_count(r), "%s: %zu fields, ogrinfo %zu", path, gj_field_count(r), oi.nfields);
    for (size_t i = 0; i < oi.nfields && i < gj_field_count(r); i++) {
        int same = strcmp(oi.names[i], gj_field_name(r, i)) == 0 && strcmp(oi.types[i], type_label(r, i)) == 0;
        if (!same && shown++ < 10)
            CHECK_MSG(same, "%s: field %zu is %s: %s, ogrinfo says %s: %s", path, i, gj_field_name(r, i),
                      type_label(r, i), oi.names[i], oi.types[i]);
        else if (same) check_passed++;
    }
    CHECK_MSG(oi.count == gj_feature_count(r), "%s: %" PRId64 " features, ogrinfo %" PRId64, path,
              gj_feature_count(r), oi.count);
    CHECK_MSG(oi.geom == layer_code(r), "%s: geometry type %d, ogrinfo %d", path, layer_code(r), oi.geom);
    ogr_free(&oi);
}

/* Opens content written to a file; expects GJ_OK. */
static gj_reader *open_ok(const char *name, const char *content, const char **path_out)
{
    gj_reader *r;
    const char *path = write_file(name, content);
    int rc = gj_open(&r, path);
    CHECK_MSG(rc == GJ_OK, "%s: gj_open gave %d: %s", name, rc, gj_error(r));
    if (path_out) *path_out = path;
    if (rc != GJ_OK) { gj_close(r); return NULL; }
    return r;
}

static int field_index(const gj_reader *r, const char *name)
{
    for (size_t i = 0; i < gj_field_count(r); i++)
        if (strcmp(gj_field_name(r, i), name) == 0) return (int)i;
    return -1;
}

static int same_double(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* Expected WKB built by hand, little-endian. */
typedef struct wkbuf {
    unsigned char b[1024];
    size_t n;
} wkbuf;

static void wb_u32(wkbuf *w, uint32_t v)
{
    for (int i = 0; i < 4; i++) w->b[w->n++] = (unsigned char)(v >> (8 * i));
}

static void wb_hdr(wkbuf *w, uint32_t type)
{
    w->b[w->n++] = 1;
    wb_u32(w, type);
}

static void wb_f64(wkbuf *w, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    for (int i = 0; i < 8; i++) w->b[w->n++] = (unsigned char)(u >> (8 * i));
}

static void wb_pts(wkbuf *w, int dim, int n, const double *xyz)
{
    for (int i = 0; i < n * dim; i++) wb_f64(w, xyz[i]);
}

static void check_wkb(const gj_feature *f, const wkbuf *w, const char *what)
{
    int same = f->wkb && f->wkb_len == w->n && memcmp(f->wkb, w->b, w->n) == 0;
    CHECK_MSG(same, "%s: WKB differs (%zu bytes, expected %zu)", what, f->wkb_len, w->n);
    if (!same && f->wkb) {
        fprintf(stderr, "  got     ");
        for (size_t i = 0; i < f->wkb_len && i < 64; i++) fprintf(stderr, "%02x", f->wkb[i]);
        fprintf(stderr, "\n  expected ");
        for (size_t i = 0; i < w->n && i < 64; i++) fprintf(stderr, "%02x", w->b[i]);
        fputc('\n', stderr);
    }
}

/* ------------------------------------------------------------------------ */
/* Values                                                                    */
/* ------------------------------------------------------------------------ */

static void test_values(void)
{
    const char *path;
    gj_reader *r = open_ok("values.geojson",
        "{\"type\": \"FeatureCollection\", \"name\": \"parcels\",\n"
        " \"crs\": {\"type\": \"name\", \"properties\": {\"name\": \"urn:ogc:def:crs:EPSG::4547\"}},\n"
        " \"features\": [\n"
        "  {\"type\": \"Feature\", \"id\": 7, \"properties\": {\"pid\": 1, \"big\": 5000000000, \"area\": 0.1,"
        " \"flag\": true, \"use\": \"R2\", \"name\": \"\\u5357\\u5c71 \\\"q\\\" \\\\ \\/ \\n\\ud83d\\ude00\","
        " \"n\": null, \"mix\": 1},\n"
        "   \"geometry\": {\"type\": \"Point\", \"coordinates\": [114.32717592677245, 22.811355923031428]}},\n"
        "  {\"type\": \"Feature\", \"properties\": {\"pid\": -2147483648, \"big\": -9223372036854775808,"
        " \"area\": 3, \"flag\": false, \"use\": \"深圳\", \"name\": \"\", \"n\": null, \"mix\": 2.5},\n"
        "   \"geometry\": null},\n"
        "  {\"type\": \"Feature\", \"properties\": {\"pid\": 2147483647, \"area\": -0.0, \"mix\": true,"
        " \"use\": null}, \"geometry\": {\"type\": \"Point\", \"coordinates\": [-0, 1e-7]}}\n"
        " ]}", &path);
    gj_feature f;
    int pid, big, area, flag, use, name, n, mix;
    if (!r) return;
    CHECK_STR(gj_layer_name(r), "parcels");
    CHECK_STR(gj_crs_name(r), "urn:ogc:def:crs:EPSG::4547");
    CHECK(gj_feature_count(r) == 3);
    CHECK(gj_field_count(r) == 8);
    CHECK(gj_has_z(r) == 0);
    CHECK(gj_geometry_type(r) == 1);
    pid = field_index(r, "pid"); big = field_index(r, "big"); area = field_index(r, "area");
    flag = field_index(r, "flag"); use = field_index(r, "use"); name = field_index(r, "name");
    n = field_index(r, "n"); mix = field_index(r, "mix");
    CHECK(pid == 0 && big == 1 && area == 2 && flag == 3 && use == 4 && name == 5 && n == 6 && mix == 7);
    CHECK(gj_field_type_of(r, 0) == GJ_FIELD_INTEGER);
    CHECK(gj_field_type_of(r, 1) == GJ_FIELD_INTEGER64);
    CHECK(gj_field_type_of(r, 2) == GJ_FIELD_REAL);
    CHECK(gj_field_type_of(r, 3) == GJ_FIELD_BOOLEAN);
    CHECK(gj_field_type_of(r, 4) == GJ_FIELD_STRING);
    CHECK(gj_field_type_of(r, 5) == GJ_FIELD_STRING);
    CHECK(gj_field_type_of(r, 6) == GJ_FIELD_STRING);          /* null everywhere: String */
    CHECK(gj_field_type_of(r, 7) == GJ_FIELD_REAL);            /* int, real, bool: Real */
    check_schema_vs_ogr(r, path);

    CHECK(gj_next(r, &f) == GJ_OK);
    CHECK(f.index == 0 && f.line == 4);
    CHECK(!f.values[0].is_null && f.values[0].i == 1 && f.values[0].d == 1.0);
    CHECK(f.values[1].i == INT64_C(5000000000));
    CHECK(same_double(f.values[2].d, strtod("0.1", NULL)));
    CHECK(f.values[3].i == 1);
    CHECK_STR(f.values[4].s, "R2");
    CHECK(f.values[4].slen == 2);
    CHECK_STR(f.values[5].s, "南山 \"q\" \\ / \n\xF0\x9F\x98\x80");
    CHECK(f.values[5].slen == strlen("南山 \"q\" \\ / \n\xF0\x9F\x98\x80"));
    CHECK(f.values[6].is_null);
    CHECK(f.values[7].d == 1.0);
    CHECK(f.wkb && f.wkb_len == 21);
    {
        wkbuf w = { .n = 0 };
        double xy[2] = { strtod("114.32717592677245", NULL), strtod("22.811355923031428", NULL) };
        wb_hdr(&w, 1);
        wb_pts(&w, 2, 1, xy);
        check_wkb(&f, &w, "point with full-precision coordinates");
    }

    CHECK(gj_next(r, &f) == GJ_OK);
    CHECK(f.index == 1 && f.line == 6);
    CHECK(f.values[0].i == INT32_MIN);
    CHECK(f.values[1].i == INT64_MIN);
    CHECK(f.values[2].d == 3.0);
    CHECK(!f.values[3].is_null && f.values[3].i == 0);
    CHECK_STR(f.values[4].s, "深圳");
    CHECK_STR(f.values[5].s, "");
    CHECK(!f.values[5].is_null && f.values[5].slen == 0);
    CHECK(f.values[7].d == 2.5);
    CHECK(f.wkb == NULL && f.wkb_len == 0);

    CHECK(gj_next(r, &f) == GJ_OK);
    CHECK(f.values[0].i == INT32_MAX);
    CHECK(f.values[1].is_null);                                /* absent */
    CHECK(same_double(f.values[2].d, -0.0));                   /* -0.0 is a real: keeps its sign */
    CHECK(f.values[3].is_null);
    CHECK(f.values[4].is_null);                                /* null */
    CHECK(f.values[7].d == 1.0);                               /* true in a Real field */
    {
        wkbuf w = { .n = 0 };
        double xy[2] = { 0.0, 1e-7 };                          /* integer -0 is +0, as in json-c */
        wb_hdr(&w, 1);
        wb_pts(&w, 2, 1, xy);
        check_wkb(&f, &w, "point with -0 and 1e-7");
    }
    CHECK(gj_next(r, &f) == GJ_END);
    CHECK(gj_next(r, &f) == GJ_END);

    /* gj_rewind restarts the feature pass with the same results. */
    gj_rewind(r);
    CHECK(gj_next(r, &f) == GJ_OK);
    CHECK(f.index == 0 && f.values[0].i == 1 && f.wkb_len == 21);
    CHECK_STR(f.values[5].s, "南山 \"q\" \\ / \n\xF0\x9F\x98\x80");
    gj_close(r);
}

/* Numbers and booleans in String fields are stored as json-c prints them. */
static void test_string_rendering(void)
{
    const char *path;
    gj_reader *r = open_ok("render.geojson",
        "{\"type\":\"FeatureCollection\",\"features\":["
        "{\"type\":\"Feature\",\"properties\":{\"s\":\"x\",\"j\":1},\"geometry\":null},"
        "{\"type\":\"Feature\",\"properties\":{\"s\":1.5,\"j\":\"a\"},\"geometry\":null},"
        "{\"type\":\"Feature\",\"properties\":{\"s\":0.1,\"j\":2.5},\"geometry\":null},"
        "{\"type\":\"Feature\",\"properties\":{\"s\":1e5,\"j\":true},\"geometry\":null},"
        "{\"type\":\"Feature\",\"properties\":{\"s\":-0,\"j\":null},\"geometry\":null},"
        "{\"type\":\"Feature\",\"properties\":{\"s\":1e-7,\"j\":12345678901234},\"geometry\":null},"
        "{\"type\":\"Feature\",\"properties\":{\"s\":false,\"j\":-0.0},\"geometry\":null}]}", &path);
    static const char *const s_expect[] = { "x", "1.5", "0.10000000000000001", "100000.0", "0",
                                            "9.9999999999999995e-08", "false" };
    static const char *const j_expect[] = { "1", "a", "2.5", "true", NULL, "12345678901234", "-0.0" };
    gj_feature f;
    if (!r) return;
    CHECK(gj_field_type_of(r, 0) == GJ_FIELD_STRING && !gj_field_is_json(r, 0));
    CHECK(gj_field_type_of(r, 1) == GJ_FIELD_STRING && gj_field_is_json(r, 1));
    check_schema_vs_ogr(r, path);
    for (int i = 0; i < 7; i++) {
        CHECK(gj_next(r, &f) == GJ_OK);
        CHECK_STR(f.values[0].s, s_expect[i]);
        if (j_expect[i]) CHECK_STR(f.values[1].s, j_expect[i]);
        else CHECK(f.values[1].is_null);
    }
    gj_close(r);
}

/* ------------------------------------------------------------------------ */
/* Geometry                                                                  */
/* ------------------------------------------------------------------------ */

/* One feature whose geometry is json; returns the reader positioned after it. */
static gj_reader *one_geometry(const char *json, gj_feature *f, const char **path)
{
    static char doc[4096];
    gj_reader *r;
    snprintf(doc, sizeof doc, "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
             "\"properties\":{},\"geometry\":%s}]}", json);
    r = open_ok("geom.geojson", doc, path);
    if (r) {
        int rc = gj_next(r, f);
        CHECK_MSG(rc == GJ_OK, "%s: gj_next %d: %s", json, rc, gj_error(r));
    }
    return r;
}

static void expect_geometry(const char *json, const wkbuf *w, int layer_type, int has_z)
{
    gj_feature f;
    const char *path;
    gj_reader *r = one_geometry(json, &f, &path);
    if (!r) return;
    check_wkb(&f, w, json);
    CHECK_MSG(layer_code(r) == layer_type, "%s: layer type %d, expected %d", json, layer_code(r), layer_type);
    CHECK_MSG(gj_has_z(r) == has_z, "%s: has_z %d", json, gj_has_z(r));
    check_schema_vs_ogr(r, path);
    gj_close(r);
}

static void test_wkb(void)
{
    wkbuf w;
    double sq[10] = { 0, 0, 1, 0, 1, 1, 0, 1, 0, 0 };
    double hole[8] = { 0.2, 0.2, 0.4, 0.2, 0.3, 0.4, 0.2, 0.2 };

    w.n = 0; wb_hdr(&w, 1); wb_pts(&w, 2, 1, (double[]){ 1, 2 });
    expect_geometry("{\"type\":\"Point\",\"coordinates\":[1,2]}", &w, 1, 0);

    w.n = 0; wb_hdr(&w, 1001); wb_pts(&w, 3, 1, (double[]){ 1, 2, 3 });
    expect_geometry("{\"type\":\"Point\",\"coordinates\":[1,2,3]}", &w, 1001, 1);

    /* A fourth value (M) is ignored, as GDAL does. */
    w.n = 0; wb_hdr(&w, 1001); wb_pts(&w, 3, 1, (double[]){ 1, 2, 3 });
    expect_geometry("{\"type\":\"Point\",\"coordinates\":[1,2,3,4]}", &w, 1001, 1);

    w.n = 0; wb_hdr(&w, 2); wb_u32(&w, 3); wb_pts(&w, 2, 3, (double[]){ 1, 2, 3, 4, 5.5, -6.25 });
    expect_geometry("{\"type\":\"LineString\",\"coordinates\":[[1,2],[3,4],[5.5,-6.25]]}", &w, 2, 0);

    /* One position with Z makes the whole geometry Z; missing Z is 0. */
    w.n = 0; wb_hdr(&w, 1002); wb_u32(&w, 2); wb_pts(&w, 3, 2, (double[]){ 1, 2, 0, 3, 4, 5 });
    expect_geometry("{\"type\":\"LineString\",\"coordinates\":[[1,2],[3,4,5]]}", &w, 1002, 1);

    w.n = 0; wb_hdr(&w, 2); wb_u32(&w, 0);
    expect_geometry("{\"type\":\"LineString\",\"coordinates\":[]}", &w, 2, 0);

    w.n = 0; wb_hdr(&w, 3); wb_u32(&w, 2); wb_u32(&w, 5); wb_pts(&w, 2, 5, sq); wb_u32(&w, 4); wb_pts(&w, 2, 4, hole);
    expect_geometry("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1],[0,0]],"
                    "[[0.2,0.2],[0.4,0.2],[0.3,0.4],[0.2,0.2]]]}", &w, 3, 0);

    /* Members in any order: coordinates before type, bbox and foreign members skipped. */
    expect_geometry("{\"bbox\":[0,0,1,1],\"coordinates\":[[[0,0],[1,0],[1,1],[0,1],[0,0]],"
                    "[[0.2,0.2],[0.4,0.2],[0.3,0.4],[0.2,0.2]]],\"foo\":{\"a\":[1,{}]},\"type\":\"Polygon\"}",
                    &w, 3, 0);

    w.n = 0; wb_hdr(&w, 4); wb_u32(&w, 2);
    wb_hdr(&w, 1); wb_pts(&w, 2, 1, (double[]){ 1, 2 });
    wb_hdr(&w, 1); wb_pts(&w, 2, 1, (double[]){ 3, 4 });
    expect_geometry("{\"type\":\"MultiPoint\",\"coordinates\":[[1,2],[3,4]]}", &w, 4, 0);

    w.n = 0; wb_hdr(&w, 1004); wb_u32(&w, 2);
    wb_hdr(&w, 1001); wb_pts(&w, 3, 1, (double[]){ 1, 2, 0 });
    wb_hdr(&w, 1001); wb_pts(&w, 3, 1, (double[]){ 3, 4, 9 });
    expect_geometry("{\"type\":\"MultiPoint\",\"coordinates\":[[1,2],[3,4,9]]}", &w, 1004, 1);

    w.n = 0; wb_hdr(&w, 5); wb_u32(&w, 2);
    wb_hdr(&w, 2); wb_u32(&w, 2); wb_pts(&w, 2, 2, (double[]){ 0, 0, 1, 1 });
    wb_hdr(&w, 2); wb_u32(&w, 3); wb_pts(&w, 2, 3, (double[]){ 2, 2, 3, 3, 4, 5 });
    expect_geometry("{\"type\":\"MultiLineString\",\"coordinates\":[[[0,0],[1,1]],[[2,2],[3,3],[4,5]]]}", &w, 5, 0);

    w.n = 0; wb_hdr(&w, 6); wb_u32(&w, 2);
    wb_hdr(&w, 3); wb_u32(&w, 1); wb_u32(&w, 5); wb_pts(&w, 2, 5, sq);
    wb_hdr(&w, 3); wb_u32(&w, 2); wb_u32(&w, 5); wb_pts(&w, 2, 5, sq); wb_u32(&w, 4); wb_pts(&w, 2, 4, hole);
    expect_geometry("{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]],"
                    "[[[0,0],[1,0],[1,1],[0,1],[0,0]],[[0.2,0.2],[0.4,0.2],[0.3,0.4],[0.2,0.2]]]]}", &w, 6, 0);

    w.n = 0; wb_hdr(&w, 6); wb_u32(&w, 0);
    expect_geometry("{\"type\":\"MultiPolygon\",\"coordinates\":[]}", &w, 6, 0);

    /* A collection with a nested collection; one Z value makes all of it Z. */
    w.n = 0; wb_hdr(&w, 1007); wb_u32(&w, 2);
    wb_hdr(&w, 1001); wb_pts(&w, 3, 1, (double[]){ 1, 2, 0 });
    wb_hdr(&w, 1007); wb_u32(&w, 1);
    wb_hdr(&w, 1002); wb_u32(&w, 2); wb_pts(&w, 3, 2, (double[]){ 0, 0, 0, 1, 1, 7 });
    expect_geometry("{\"type\":\"GeometryCollection\",\"geometries\":[{\"type\":\"Point\",\"coordinates\":[1,2]},"
                    "{\"geometries\":[{\"type\":\"LineString\",\"coordinates\":[[0,0],[1,1,7]]}],"
                    "\"type\":\"GeometryCollection\"}]}", &w, 1007, 1);

    w.n = 0; wb_hdr(&w, 7); wb_u32(&w, 0);
    expect_geometry("{\"type\":\"GeometryCollection\",\"geometries\":[]}", &w, 7, 0);
}

/* The layer geometry type across features (OGRGeoJSONUpdateLayerGeomType). */
static void test_layer_geometry_type(void)
{
    /* type: gj_geometry_type(), plus 1000 when gj_has_z() (GDAL's "3D"). */
    static const struct { const char *geoms; int type; } cases[] = {
        { "{\"type\":\"Point\",\"coordinates\":[1,2]},{\"type\":\"Point\",\"coordinates\":[1,2,3]}", 1001 },
        { "{\"type\":\"Point\",\"coordinates\":[1,2,3]},{\"type\":\"Point\",\"coordinates\":[1,2]}", 1001 },
        { "null,{\"type\":\"LineString\",\"coordinates\":[[1,2],[3,4]]}", 2 },
        { "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[0,0]]]},"
          "{\"type\":\"MultiPolygon\",\"coordinates\":[]}", 0 },
        { "{\"type\":\"Point\",\"coordinates\":[1,2,3]},{\"type\":\"LineString\",\"coordinates\":[[1,2],[3,4]]},"
          "{\"type\":\"Point\",\"coordinates\":[1,2]}", 0 },
        { "null,null", 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char doc[2048], *o = doc;
        const char *g = cases[i].geoms, *path;
        gj_reader *r;
        o += sprintf(o, "{\"type\":\"FeatureCollection\",\"features\":[");
        /* Split the comma-separated geometries at top level into features. */
        for (int first = 1; *g; first = 0) {
            int depth = 0;
            const char *s = g;
            while (*g && !(depth == 0 && *g == ',')) {
                if (*g == '{' || *g == '[') depth++;
                if (*g == '}' || *g == ']') depth--;
                g++;
            }
            o += sprintf(o, "%s{\"type\":\"Feature\",\"properties\":{},\"geometry\":%.*s}", first ? "" : ",",
                         (int)(g - s), s);
            if (*g == ',') g++;
        }
        sprintf(o, "]}");
        r = open_ok("layertype.geojson", doc, &path);
        if (!r) continue;
        CHECK_MSG(layer_code(r) == cases[i].type, "case %zu: layer type %d, expected %d", i, layer_code(r),
                  cases[i].type);
        check_schema_vs_ogr(r, path);
        gj_close(r);
    }
}

/* ------------------------------------------------------------------------ */
/* Types and field order against GDAL                                        */
/* ------------------------------------------------------------------------ */

/* Every sequence of three values from ten kinds, one field each: the type
 * rules of OGRGeoJSONReaderAddOrUpdateField in all their combinations. */
static void test_type_transitions(void)
{
    static const char kinds[] = "ILRBSDTXNA";
    static const char *const vals[] = { "1", "5000000000", "1.5", "true", "\"abc\"", "\"2017-01-09\"",
                                        "\"10:20:30\"", "\"2017-01-09T10:20:30\"", "null", NULL };
    size_t cap = 1 << 20, len = 0;
    char *doc = malloc(cap);
    const char *path;
    gj_reader *r;
    len += (size_t)sprintf(doc + len, "{\"type\":\"FeatureCollection\",\"features\":[\n");
    for (int feat = 0; feat < 3; feat++) {
        int first = 1;
        len += (size_t)sprintf(doc + len, "%s{\"type\":\"Feature\",\"geometry\":null,\"properties\":{",
                               feat ? ",\n" : "");
        for (int a = 0; a < 10; a++)
            for (int b = 0; b < 10; b++)
                for (int c = 0; c < 10; c++) {
                    int k = feat == 0 ? a : feat == 1 ? b : c;
                    if (!vals[k]) continue;
                    len += (size_t)sprintf(doc + len, "%s\"%c%c%c\":%s", first ? "" : ",", kinds[a], kinds[b],
                                           kinds[c], vals[k]);
                    first = 0;
                }
        len += (size_t)sprintf(doc + len, "}}");
    }
    sprintf(doc + len, "]}");
    r = open_ok("transitions.geojson", doc, &path);
    free(doc);
    if (!r) return;
    CHECK(gj_field_count(r) == 999);
    /* A few worked by hand; ogrinfo checks all of them. */
    CHECK_STR(type_label(r, (size_t)field_index(r, "IBN")), "Integer");
    CHECK_STR(type_label(r, (size_t)field_index(r, "BBA")), "Integer(Boolean)");
    CHECK_STR(type_label(r, (size_t)field_index(r, "ILR")), "Real");
    CHECK_STR(type_label(r, (size_t)field_index(r, "ISA")), "String(JSON)");
    CHECK_STR(type_label(r, (size_t)field_index(r, "SIA")), "String");
    CHECK_STR(type_label(r, (size_t)field_index(r, "DXA")), "DateTime");
    CHECK_STR(type_label(r, (size_t)field_index(r, "XDA")), "DateTime");
    CHECK_STR(type_label(r, (size_t)field_index(r, "DTA")), "String(JSON)");
    CHECK_STR(type_label(r, (size_t)field_index(r, "DSA")), "String");
    CHECK_STR(type_label(r, (size_t)field_index(r, "NDA")), "Date");
    CHECK_STR(type_label(r, (size_t)field_index(r, "NNN")), "String");
    check_schema_vs_ogr(r, path);
    gj_close(r);
}

/* Strings GDAL's OGRParseDate() does or does not take for dates. */
static void test_date_detection(void)
{
    static const struct { const char *s; gj_field_type t; } cases[] = {
        { "2017-01-09", GJ_FIELD_DATE }, { "2017-1-9", GJ_FIELD_DATE }, { "2017/01/09", GJ_FIELD_DATE },
        { "17-01-09", GJ_FIELD_DATE }, { "2017-01-09T10:20:30", GJ_FIELD_DATETIME },
        { "2017-01-09 10:20:30", GJ_FIELD_DATETIME }, { "2017-01-09T10:20:30Z", GJ_FIELD_DATETIME },
        { "2017-01-09T10:20:30.123+08:00", GJ_FIELD_DATETIME }, { "2017-01-09T10:20", GJ_FIELD_DATETIME },
        { "10:20:30", GJ_FIELD_TIME }, { "10:20", GJ_FIELD_TIME }, { "1:2:3", GJ_FIELD_TIME },
        { "25:00:00", GJ_FIELD_STRING }, { "2017-13-01", GJ_FIELD_STRING }, { "2017-01-32", GJ_FIELD_STRING },
        { "2017-01-09Z", GJ_FIELD_DATE }, { "2017-01-09 foo", GJ_FIELD_STRING }, { "2017-01-09T", GJ_FIELD_DATE },
        { "T10:20", GJ_FIELD_STRING }, { "2017-01-09 10:20:30 +0800", GJ_FIELD_DATETIME },
        { " 2017-01-09", GJ_FIELD_DATE }, { "2017-01-09x", GJ_FIELD_STRING }, { "1-2-3", GJ_FIELD_DATE },
        { "-5-01-01", GJ_FIELD_DATE }, { "2017-01-09T10:20:61", GJ_FIELD_STRING }, { "abc:def", GJ_FIELD_STRING },
        { "12:30 pm", GJ_FIELD_TIME }, { "10:20:30Z", GJ_FIELD_TIME }, { "99999-01-01", GJ_FIELD_STRING },
        { "2017-00-10", GJ_FIELD_STRING }, { "1/2/3", GJ_FIELD_DATE }, { "2017-01-09T1020", GJ_FIELD_STRING },
        { "20170109", GJ_FIELD_STRING }, { "2017-01-09 10:2", GJ_FIELD_DATETIME }, { "", GJ_FIELD_STRING },
        { "-", GJ_FIELD_STRING }, { "2019-05-01 00:00:00+08", GJ_FIELD_DATETIME }, { "2017-02-30", GJ_FIELD_DATE },
        { "2017-01-09T10:20:60.5", GJ_FIELD_STRING }, { "0:0", GJ_FIELD_TIME },
        { "2017-01-09  10:20", GJ_FIELD_DATETIME },
        { "2017-01-09/10:20", GJ_FIELD_STRING }, { "+2017-01-01", GJ_FIELD_STRING }, { "10:60", GJ_FIELD_STRING },
    };
    size_t n = sizeof cases / sizeof *cases;
    char doc[8192], *o = doc;
    const char *path;
    gj_reader *r;
    o += sprintf(o, "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"geometry\":null,"
                 "\"properties\":{");
    for (size_t i = 0; i < n; i++) o += sprintf(o, "%s\"d%02zu\":\"%s\"", i ? "," : "", i, cases[i].s);
    sprintf(o, "}}]}");
    r = open_ok("dates.geojson", doc, &path);
    if (!r) return;
    for (size_t i = 0; i < n && i < gj_field_count(r); i++)
        CHECK_MSG(gj_field_type_of(r, i) == cases[i].t, "\"%s\": type %d, expected %d", cases[i].s,
                  gj_field_type_of(r, i), cases[i].t);
    check_schema_vs_ogr(r, path);
    gj_close(r);
}

/* Field order: GDAL sorts "came before" relations topologically, ties by name. */
static void test_field_order(void)
{
    static const struct { const char *props[3]; const char *order; } cases[] = {
        { { "{\"a\":1,\"c\":2}", "{\"a\":1,\"b\":2,\"c\":3}", NULL }, "a,b,c" },
        { { "{\"a\":1,\"c\":2}", "{\"c\":1,\"a\":2}", NULL }, "a,c" },
        { { "{\"x\":1}", "{\"y\":2}", "{\"z\":1,\"x\":3}" }, "y,z,x" },
        { { "{\"zeta\":1,\"alpha\":2}", NULL, NULL }, "zeta,alpha" },
        { { "{\"b\":1}", "{\"a\":1}", NULL }, "a,b" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char doc[1024], *o = doc, got[256] = "";
        const char *path;
        gj_reader *r;
        o += sprintf(o, "{\"type\":\"FeatureCollection\",\"features\":[");
        for (int k = 0; k < 3 && cases[i].props[k]; k++)
            o += sprintf(o, "%s{\"type\":\"Feature\",\"geometry\":null,\"properties\":%s}", k ? "," : "",
                         cases[i].props[k]);
        sprintf(o, "]}");
        r = open_ok("order.geojson", doc, &path);
        if (!r) continue;
        for (size_t f = 0; f < gj_field_count(r); f++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", f ? "," : "", gj_field_name(r, f));
        CHECK_STR(got, cases[i].order);
        check_schema_vs_ogr(r, path);
        gj_close(r);
    }
}

/* ------------------------------------------------------------------------ */
/* Small cases                                                               */
/* ------------------------------------------------------------------------ */

static void test_empty_and_bom(void)
{
    gj_feature f;
    const char *path;
    gj_reader *r = open_ok("empty.geojson", "{\"type\": \"FeatureCollection\", \"features\": []}", &path);
    if (r) {
        CHECK(gj_feature_count(r) == 0);
        CHECK(gj_field_count(r) == 0);
        CHECK(gj_geometry_type(r) == 0 && gj_has_z(r) == 0);
        CHECK(gj_crs_name(r) == NULL && gj_layer_name(r) == NULL);
        CHECK(gj_next(r, &f) == GJ_END);
        gj_rewind(r);
        CHECK(gj_next(r, &f) == GJ_END);
        check_schema_vs_ogr(r, path);
        gj_close(r);
    }
    r = open_ok("bom.geojson", "\xEF\xBB\xBF{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
                "\"properties\":{\"a\":1},\"geometry\":null}]}", &path);
    if (r) {
        CHECK(gj_next(r, &f) == GJ_OK && f.values[0].i == 1);
        check_schema_vs_ogr(r, path);
        gj_close(r);
    }
    /* Feature-level integer ids (GDAL's FIDs), "properties": null / [], missing geometry. */
    r = open_ok("misc.geojson", "{\"features\":[{\"id\":3,\"type\":\"Feature\",\"properties\":null,\"geometry\":null},"
                "{\"type\":\"Feature\",\"id\":0,\"properties\":[]},{\"type\":\"Feature\",\"properties\":{\"k\":\"v\"},"
                "\"bbox\":[1,2,3,4],\"extra\":{\"x\":[1,2]}}],\"type\":\"FeatureCollection\",\"bbox\":[0,0,1,1]}",
                &path);
    if (r) {
        CHECK(gj_feature_count(r) == 3 && gj_field_count(r) == 1);
        CHECK(gj_next(r, &f) == GJ_OK && f.values[0].is_null && !f.wkb);
        CHECK(gj_next(r, &f) == GJ_OK && f.values[0].is_null && !f.wkb);
        CHECK(gj_next(r, &f) == GJ_OK && !f.values[0].is_null && !f.wkb);
        CHECK(gj_next(r, &f) == GJ_END);
        check_schema_vs_ogr(r, path);
        gj_close(r);
    }
}

/* A FIFO cannot be mapped: the reader falls back to read(). */
static void test_read_fallback(void)
{
    char fifo[PATH_MAX + 16];
    pid_t pid;
    gj_reader *r;
    gj_feature f;
    int rc;
    const char *doc = "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
                      "{\"a\":\"b\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]}}]}";
    snprintf(fifo, sizeof fifo, "%s/pipe.geojson", tmpdir);
    if (mkfifo(fifo, 0600) != 0) { perror("mkfifo"); return; }
    pid = fork();
    if (pid == 0) {
        int fd = open(fifo, O_WRONLY);
        if (fd >= 0) {
            ssize_t w = write(fd, doc, strlen(doc));
            (void)w;
            close(fd);
        }
        _exit(0);
    }
    rc = gj_open(&r, fifo);
    CHECK_MSG(rc == GJ_OK, "fifo: %s", gj_error(r));
    if (rc == GJ_OK) {
        CHECK(gj_next(r, &f) == GJ_OK);
        CHECK_STR(f.values[0].s, "b");
        CHECK(f.wkb_len == 21);
    }
    gj_close(r);
    waitpid(pid, NULL, 0);
    unlink(fifo);
}

/* ------------------------------------------------------------------------ */
/* Errors and unsupported input                                              */
/* ------------------------------------------------------------------------ */

static void expect_rc(const char *name, const char *content, int want, const char *must_contain)
{
    gj_reader *r;
    const char *path = write_file("case.geojson", content);
    int rc = gj_open(&r, path);
    gj_feature f;
    if (rc == GJ_OK) {                       /* errors may only show in the feature pass */
        while ((rc = gj_next(r, &f)) == GJ_OK) {}
        if (rc == GJ_END) rc = GJ_OK;
    }
    CHECK_MSG(rc == want, "%s: got %d, expected %d (%s)", name, rc, want, gj_error(r));
    if (rc == want && want == GJ_ERROR)
        CHECK_MSG(strstr(gj_error(r), "line") != NULL, "%s: message without a line: %s", name, gj_error(r));
    if (rc == want && must_contain)
        CHECK_MSG(strstr(gj_error(r), must_contain) != NULL, "%s: message \"%s\" lacks \"%s\"", name,
                  gj_error(r), must_contain);
    if (rc == want && want == GJ_UNSUPPORTED)
        CHECK_MSG(strlen(gj_error(r)) > 20, "%s: no reason given", name);
    gj_close(r);
}

/* Wraps a features-array body. */
static const char *fc(const char *features)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "{\"type\":\"FeatureCollection\",\"features\":[%s]}", features);
    return buf;
}

static const char *feat(const char *props, const char *geom)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
             "\"properties\":{\"ok\":1},\"geometry\":null},\n{\"type\":\"Feature\",\"properties\":%s,"
             "\"geometry\":%s}]}", props, geom);
    return buf;
}

static void test_errors(void)
{
    static const char *const pt = "{\"type\":\"Point\",\"coordinates\":[1,2]}";
    expect_rc("empty file", "", GJ_ERROR, "empty file");
    expect_rc("whitespace only", " \n\t ", GJ_ERROR, "line 2");
    expect_rc("not JSON", "hello world", GJ_ERROR, "not a GeoJSON object");
    expect_rc("top-level array", "[1,2]", GJ_ERROR, NULL);
    expect_rc("no type", "{\"features\":[]}", GJ_ERROR, "type");
    expect_rc("no features", "{\"type\":\"FeatureCollection\"}", GJ_ERROR, "features");
    expect_rc("unknown top type", "{\"type\":\"Banana\",\"features\":[]}", GJ_ERROR, NULL);
    expect_rc("trailing garbage", "{\"type\":\"FeatureCollection\",\"features\":[]} x", GJ_ERROR, "after");
    expect_rc("missing comma", fc("{\"type\":\"Feature\" \"properties\":{}}"), GJ_ERROR, "feature 0");
    expect_rc("bad escape", feat("{\"a\":\"x\\qy\"}", "null"), GJ_ERROR, "feature 1 (line 2");
    expect_rc("short \\u", feat("{\"a\":\"x\\u12\"}", "null"), GJ_ERROR, "bad escape");
    expect_rc("lone low surrogate", feat("{\"a\":\"\\udc00\"}", "null"), GJ_ERROR, "surrogate");
    expect_rc("lone high surrogate", feat("{\"a\":\"\\ud800x\"}", "null"), GJ_ERROR, "surrogate");
    expect_rc("raw newline in string", feat("{\"a\":\"x\ny\"}", "null"), GJ_ERROR, "control character");
    expect_rc("invalid UTF-8", feat("{\"a\":\"\xC3\x28\"}", "null"), GJ_ERROR, "invalid UTF-8");
    expect_rc("overlong UTF-8", feat("{\"a\":\"\xC0\xAF\"}", "null"), GJ_ERROR, "invalid UTF-8");
    expect_rc("UTF-8 surrogate", feat("{\"a\":\"\xED\xA0\x80\"}", "null"), GJ_ERROR, "invalid UTF-8");
    expect_rc("UTF-8 above U+10FFFF", feat("{\"a\":\"\xF4\x90\x80\x80\"}", "null"), GJ_ERROR, "invalid UTF-8");
    expect_rc("invalid UTF-8 in a key", feat("{\"\xFF\":1}", "null"), GJ_ERROR, "invalid UTF-8");
    expect_rc("NaN", feat("{\"a\":NaN}", "null"), GJ_ERROR, "NaN");
    expect_rc("Infinity", feat("{\"a\":Infinity}", "null"), GJ_ERROR, "Infinity");
    expect_rc("-Infinity", feat("{\"a\":-Infinity}", "null"), GJ_ERROR, "Infinity");
    expect_rc("NaN coordinate", feat("{}", "{\"type\":\"Point\",\"coordinates\":[NaN,1]}"), GJ_ERROR, "NaN");
    expect_rc("overflow", feat("{\"a\":1e999}", "null"), GJ_ERROR, "feature 1");
    expect_rc("overflow coordinate", feat("{}", "{\"type\":\"Point\",\"coordinates\":[1,-2e308]}"), GJ_ERROR, "range");
    expect_rc("leading zero", feat("{\"a\":012}", "null"), GJ_ERROR, "leading zero");
    expect_rc("bare minus", feat("{\"a\":-}", "null"), GJ_ERROR, "bad number");
    expect_rc("dot without digits", feat("{\"a\":1.}", "null"), GJ_ERROR, "bad number");
    expect_rc("empty exponent", feat("{\"a\":1e}", "null"), GJ_ERROR, "bad number");
    expect_rc("plus sign", feat("{\"a\":+1}", "null"), GJ_ERROR, NULL);
    expect_rc("unquoted key", feat("{a:1}", "null"), GJ_ERROR, "member name");
    expect_rc("single quotes", feat("{'a':1}", "null"), GJ_ERROR, NULL);
    expect_rc("trailing comma", feat("{\"a\":1,}", "null"), GJ_ERROR, NULL);
    expect_rc("bad literal", feat("{\"a\":tru}", "null"), GJ_ERROR, NULL);
    expect_rc("unknown geometry type", feat("{}", "{\"type\":\"Pointy\",\"coordinates\":[1,2]}"), GJ_ERROR,
              "unknown geometry type");
    expect_rc("geometry without type", feat("{}", "{\"coordinates\":[1,2]}"), GJ_ERROR, "type");
    expect_rc("no coordinates", feat("{}", "{\"type\":\"Point\"}"), GJ_ERROR, "coordinates");
    expect_rc("no geometries", feat("{}", "{\"type\":\"GeometryCollection\"}"), GJ_ERROR, "geometries");
    expect_rc("one-number position", feat("{}", "{\"type\":\"Point\",\"coordinates\":[1]}"), GJ_ERROR, "at least 2");
    expect_rc("string coordinate", feat("{}", "{\"type\":\"Point\",\"coordinates\":[\"1\",2]}"), GJ_ERROR, "number");
    expect_rc("null coordinate", feat("{}", "{\"type\":\"Point\",\"coordinates\":[1,2,null]}"), GJ_ERROR, "number");
    expect_rc("wrong nesting", feat("{}", "{\"type\":\"LineString\",\"coordinates\":[1,2]}"), GJ_ERROR, "'['");
    expect_rc("too deep", feat("{}", "{\"type\":\"Point\",\"coordinates\":[[1,2]]}"), GJ_ERROR, NULL);
    {
        gj_reader *r;
        CHECK(gj_open(&r, "/nonexistent/dir/x.geojson") == GJ_ERROR);
        CHECK(strstr(gj_error(r), "cannot open") != NULL);
        gj_close(r);
    }
    (void)pt;
}

/* Every proper prefix of a valid document is an error (never a crash, never
 * success), with a line in the message. */
static void test_truncation(void)
{
    static const char doc[] =
        "{\"type\": \"FeatureCollection\", \"name\": \"t\\u00e9\",\n"
        " \"features\": [\n"
        "  {\"type\": \"Feature\", \"properties\": {\"a\": -12.5e-3, \"b\": \"深圳\\n\", \"c\": true, \"d\": null},\n"
        "   \"geometry\": {\"type\": \"MultiPolygon\", \"coordinates\": [[[[0,0],[1,0],[1,1],[0,0]]]]}},\n"
        "  {\"type\": \"Feature\", \"properties\": {\"a\": 1}, \"geometry\": {\"type\": \"GeometryCollection\","
        " \"geometries\": [{\"type\": \"Point\", \"coordinates\": [1, 2, 3]}]}}\n"
        " ]}";
    size_t n = strlen(doc);
    int bad = 0;
    char *buf = malloc(n + 1);
    for (size_t len = 0; len < n; len++) {
        gj_reader *r;
        int rc;
        memcpy(buf, doc, len);
        buf[len] = '\0';
        rc = gj_open(&r, write_file("trunc.geojson", buf));
        if (rc != GJ_ERROR || !strstr(gj_error(r), "line")) {
            if (bad++ < 5) CHECK_MSG(0, "prefix of %zu bytes: rc %d: %s", len, rc, gj_error(r));
        } else {
            check_passed++;
        }
        gj_close(r);
    }
    free(buf);
    CHECK(bad == 0);
    {
        gj_reader *r;
        CHECK(gj_open(&r, write_file("full.geojson", doc)) == GJ_OK);
        gj_close(r);
        CHECK(gj_open(&r, write_file("cut.geojson", "{\"type\":\"FeatureCollection\",\"features\":[{\"type\""
                                     ":\"Feature\",\"properties\":{\"a\":\"unterminated")) == GJ_ERROR);
        CHECK_MSG(strstr(gj_error(r), "feature 0 (line 1, column ") &&
                  strstr(gj_error(r), "end of file inside a string"), "%s", gj_error(r));
        gj_close(r);
    }
}

/* Error positions: line and column (in characters) of the offending byte. */
static void test_error_position(void)
{
    gj_reader *r;
    const char *doc = "{\"type\":\"FeatureCollection\",\n\"features\":[\n{\"type\":\"Feature\",\"properties\":{},"
                      "\"geometry\":null},\n{\"type\":\"Feature\",\"properties\":{\"名\":\"a\\x\"},"
                      "\"geometry\":null}]}";
    CHECK(gj_open(&r, write_file("pos.geojson", doc)) == GJ_ERROR);
    CHECK_STR(gj_error(r), "feature 1 (line 4, column 39): bad escape: \\ followed by 'x'");
    gj_close(r);
}

static void test_unsupported(void)
{
    expect_rc("single Feature", "{\"type\":\"Feature\",\"properties\":{},\"geometry\":null}", GJ_UNSUPPORTED,
              "Feature");
    expect_rc("bare geometry", "{\"type\":\"Point\",\"coordinates\":[1,2]}", GJ_UNSUPPORTED, "geometry");
    expect_rc("GeoJSON sequence", "{\"type\":\"FeatureCollection\",\"features\":[]}\n{\"type\":\"FeatureCollection\","
              "\"features\":[]}", GJ_UNSUPPORTED, "sequence");
    expect_rc("RS sequence", "\x1E{\"type\":\"Feature\",\"properties\":{},\"geometry\":null}", GJ_ERROR, NULL);
    expect_rc("array property", feat("{\"a\":[1,2]}", "null"), GJ_UNSUPPORTED, "array");
    expect_rc("object property", feat("{\"a\":{\"b\":1}}", "null"), GJ_UNSUPPORTED, "object");
    expect_rc("string id", fc("{\"type\":\"Feature\",\"id\":\"x\",\"properties\":{},\"geometry\":null}"),
              GJ_UNSUPPORTED, "id");
    expect_rc("negative id", fc("{\"type\":\"Feature\",\"id\":-1,\"properties\":{},\"geometry\":null}"),
              GJ_UNSUPPORTED, "id");
    expect_rc("fractional id", fc("{\"type\":\"Feature\",\"id\":1.0,\"properties\":{},\"geometry\":null}"),
              GJ_UNSUPPORTED, "id");
    expect_rc("crs EPSG", "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"EPSG\",\"properties\":{\"code\":4547}},"
              "\"features\":[]}", GJ_UNSUPPORTED, "crs");
    expect_rc("crs link", "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"link\",\"properties\":{\"href\":\"x\"}},"
              "\"features\":[]}", GJ_UNSUPPORTED, "crs");
    expect_rc("crs null", "{\"type\":\"FeatureCollection\",\"crs\":null,\"features\":[]}", GJ_UNSUPPORTED, "crs");
    expect_rc("names differing by case", fc("{\"type\":\"Feature\",\"properties\":{\"a\":1},\"geometry\":null},"
              "{\"type\":\"Feature\",\"properties\":{\"A\":2},\"geometry\":null}"), GJ_UNSUPPORTED, "case");
    expect_rc("duplicate key", feat("{\"a\":1,\"b\":2,\"a\":3}", "null"), GJ_UNSUPPORTED, "twice");
    expect_rc("empty name", feat("{\"\":1}", "null"), GJ_UNSUPPORTED, "empty");
    expect_rc("NUL in string", feat("{\"a\":\"x\\u0000y\"}", "null"), GJ_UNSUPPORTED, "u0000");
    expect_rc("huge integer", feat("{\"a\":100000000000000000000}", "null"), GJ_UNSUPPORTED, "64 bits");
    expect_rc("huge integer coordinate", feat("{}", "{\"type\":\"Point\",\"coordinates\":[100000000000000000000,1]}"),
              GJ_UNSUPPORTED, "64 bits");
    expect_rc("no properties, foreign members", fc("{\"type\":\"Feature\",\"geometry\":null,\"foo\":1}"),
              GJ_UNSUPPORTED, "properties");
    expect_rc("properties not an object", feat("5", "null"), GJ_UNSUPPORTED, "properties");
    expect_rc("null feature", fc("null"), GJ_UNSUPPORTED, "null");
    expect_rc("number feature", fc("5"), GJ_UNSUPPORTED, NULL);
    expect_rc("feature without type", fc("{\"properties\":{},\"geometry\":null}"), GJ_UNSUPPORTED, "type");
    expect_rc("feature of another type", fc("{\"type\":\"Point\",\"properties\":{},\"geometry\":null}"),
              GJ_UNSUPPORTED, "type");
    expect_rc("Properties in another case", fc("{\"type\":\"Feature\",\"Properties\":{},\"geometry\":null}"),
              GJ_UNSUPPORTED, "case");
    expect_rc("Features in another case", "{\"type\":\"FeatureCollection\",\"features\":[],\"Features\":[]}",
              GJ_UNSUPPORTED, "case");
    expect_rc("geometry type in another case", feat("{}", "{\"type\":\"point\",\"coordinates\":[1,2]}"),
              GJ_UNSUPPORTED, "case");
    expect_rc("empty point", feat("{}", "{\"type\":\"Point\",\"coordinates\":[]}"), GJ_UNSUPPORTED, "empty");
    expect_rc("polygon without rings", feat("{}", "{\"type\":\"Polygon\",\"coordinates\":[]}"), GJ_UNSUPPORTED,
              "Polygon");
    expect_rc("empty ring", feat("{}", "{\"type\":\"Polygon\",\"coordinates\":[[]]}"), GJ_UNSUPPORTED, "empty");
    expect_rc("empty multipoint member", feat("{}", "{\"type\":\"MultiPoint\",\"coordinates\":[[]]}"),
              GJ_UNSUPPORTED, "empty");
    expect_rc("geometry with crs", feat("{}", "{\"type\":\"Point\",\"coordinates\":[1,2],\"crs\":{}}"),
              GJ_UNSUPPORTED, "crs");
    expect_rc("geometry not an object", feat("{}", "5"), GJ_UNSUPPORTED, "geometry");
    expect_rc("two features members", "{\"type\":\"FeatureCollection\",\"features\":[],\"features\":[]}",
              GJ_UNSUPPORTED, "features");
}

/* ------------------------------------------------------------------------ */
/* Real files                                                                */
/* ------------------------------------------------------------------------ */

static void read_all(const char *path)
{
    gj_reader *r;
    gj_feature f;
    int64_t n = 0;
    int rc = gj_open(&r, path);
    if (rc == GJ_UNSUPPORTED) {
        printf("  %s: GJ_UNSUPPORTED: %s\n", path, gj_error(r));
        CHECK(strlen(gj_error(r)) > 0);
        gj_close(r);
        return;
    }
    CHECK_MSG(rc == GJ_OK, "%s: %s", path, gj_error(r));
    if (rc != GJ_OK) { gj_close(r); return; }
    while ((rc = gj_next(r, &f)) == GJ_OK) n++;
    CHECK_MSG(rc == GJ_END, "%s: %s", path, gj_error(r));
    CHECK(n == gj_feature_count(r));
    printf("  %s: fast path, %" PRId64 " features, %zu fields, geometry type %d\n", path, n,
           gj_field_count(r), gj_geometry_type(r));
    check_schema_vs_ogr(r, path);
    gj_close(r);
}

/* Every *.geojson under dir (one level of subdirectories). */
static int read_dir(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int count = 0;
    if (!d) return 0;
    while ((e = readdir(d)) != NULL) {
        char path[PATH_MAX];
        size_t n = strlen(e->d_name);
        struct stat st;
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode) && depth < 1) count += read_dir(path, depth + 1);
        else if (S_ISREG(st.st_mode) && n > 8 && strcmp(e->d_name + n - 8, ".geojson") == 0) {
            read_all(path);
            count++;
        }
    }
    closedir(d);
    return count;
}

static void test_real_files(void)
{
    const char *dir = getenv("CIM_SHARED_DATA");
    char buf[PATH_MAX];
    if (!dir || !*dir) {
        const char *root = getenv("CIM_SOURCE_ROOT");
        snprintf(buf, sizeof buf, "%s/../shared/data", root ? root : ".");
        dir = buf;
    }
    printf("real files in %s:\n", dir);
    if (read_dir(dir, 0) == 0) printf("  (none found; skipped)\n");
}

/* ------------------------------------------------------------------------ */

static void remove_tmpdir(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    if (!d) return;
    while ((e = readdir(d)) != NULL) {
        char path[PATH_MAX + 300];
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", tmpdir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(tmpdir);
}

int main(void)
{
    const char *t = getenv("TMPDIR");
    FILE *p;
    char line[256] = "";
    snprintf(tmpdir, sizeof tmpdir, "%s/test_geojson_XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(tmpdir)) { perror("mkdtemp"); return 2; }
    p = popen("ogrinfo --version 2>/dev/null", "r");
    if (p) {
        if (fgets(line, sizeof line, p) && strncmp(line, "GDAL ", 5) == 0) have_ogrinfo = 1;
        pclose(p);
    }
    if (have_ogrinfo) printf("reference: %s", line);
    else printf("ogrinfo not found: schema comparisons with GDAL skipped\n");

    test_values();
    test_string_rendering();
    test_wkb();
    test_layer_geometry_type();
    test_type_transitions();
    test_date_detection();
    test_field_order();
    test_empty_and_bom();
    test_read_fallback();
    test_errors();
    test_truncation();
    test_error_position();
    test_unsupported();
    test_real_files();

    remove_tmpdir();
    return check_report();
}
