/* bench_geojson_read.c: times formats/geojson's reader against GDAL's GeoJSON
 * driver on one file, and with --verify checks that both give the same
 * schema, WKB and values for every feature (GDAL is the reference).
 *
 *   bench_geojson_read FILE [--verify] [--repeat N]
 *
 * Built as a benchmark target; bench_geojson_read.sh runs it on the sample
 * district's 200k parcels (meson test -C build --benchmark --suite bench). */
#include "geojson_reader.h"

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Our reader: schema pass, then every feature (touching WKB and values so
 * nothing is optimized away). */
static int run_ours(const char *path, double *t_open, double *t_iter, int64_t *n)
{
    gj_reader *r;
    gj_feature f;
    double t0 = now(), t1;
    size_t sum = 0;
    int rc = gj_open(&r, path);
    t1 = now();
    if (rc != GJ_OK) {
        fprintf(stderr, "gj_open: %s: %s\n", rc == GJ_UNSUPPORTED ? "unsupported" : "error", gj_error(r));
        gj_close(r);
        return 1;
    }
    *n = 0;
    while ((rc = gj_next(r, &f)) == GJ_OK) {
        sum += f.wkb_len;
        for (size_t i = 0; i < gj_field_count(r); i++) sum += (size_t)f.values[i].is_null;
        (*n)++;
    }
    if (rc != GJ_END) {
        fprintf(stderr, "gj_next: %s\n", gj_error(r));
        gj_close(r);
        return 1;
    }
    *t_open = t1 - t0;
    *t_iter = now() - t1;
    gj_close(r);
    return sum == 0 ? 0 : 0;
}

/* GDAL: open (its schema pass) and iterate, reading geometry and fields. */
static int run_ogr(const char *path, double *t_open, double *t_iter, int64_t *n)
{
    double t0 = now(), t1;
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
    OGRLayerH l;
    OGRFeatureH f;
    size_t sum = 0;
    if (!ds) { fprintf(stderr, "GDAL cannot open %s\n", path); return 1; }
    l = GDALDatasetGetLayer(ds, 0);
    (void)OGR_L_GetLayerDefn(l);
    t1 = now();
    *n = 0;
    while ((f = OGR_L_GetNextFeature(l)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        if (g) sum += (size_t)OGR_G_WkbSize(g);
        for (int i = 0; i < OGR_F_GetFieldCount(f); i++) sum += (size_t)OGR_F_IsFieldSetAndNotNull(f, i);
        OGR_F_Destroy(f);
        (*n)++;
    }
    *t_open = t1 - t0;
    *t_iter = now() - t1;
    GDALClose(ds);
    return sum == 0 ? 0 : 0;
}

static const char *our_type_name(gj_field_type t)
{
    static const char *const names[] = { "Integer", "Integer64", "Real", "String", "Date", "Time",
                                         "DateTime", "Integer(Boolean)" };
    return names[t];
}

static const char *ogr_type_name(OGRFieldDefnH fd)
{
    OGRFieldType t = OGR_Fld_GetType(fd);
    OGRFieldSubType s = OGR_Fld_GetSubType(fd);
    if (t == OFTInteger && s == OFSTBoolean) return "Integer(Boolean)";
    if (t == OFTString && s == OFSTJSON) return "String(JSON)";
    return OGR_GetFieldTypeName(t);
}

static int mismatch(int *count, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int mismatch(int *count, const char *fmt, ...)
{
    va_list ap;
    if ((*count)++ < 20) {
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
    }
    return 1;
}

/* Compares one feature's values field by field. */
static void verify_values(gj_reader *r, const gj_feature *f, OGRFeatureH of, int *bad)
{
    for (size_t i = 0; i < gj_field_count(r); i++) {
        const gj_value *v = &f->values[i];
        int oi = (int)i;
        int onull = !OGR_F_IsFieldSetAndNotNull(of, oi);
        if (onull != v->is_null) {
            mismatch(bad, "feature %lld field %s: null %d vs OGR %d", (long long)f->index,
                     gj_field_name(r, i), v->is_null, onull);
            continue;
        }
        if (onull) continue;
        switch (gj_field_type_of(r, i)) {
        case GJ_FIELD_INTEGER: case GJ_FIELD_INTEGER64: case GJ_FIELD_BOOLEAN:
            if (v->i != OGR_F_GetFieldAsInteger64(of, oi))
                mismatch(bad, "feature %lld field %s: %lld vs OGR %lld", (long long)f->index,
                         gj_field_name(r, i), (long long)v->i,
                         (long long)OGR_F_GetFieldAsInteger64(of, oi));
            break;
        case GJ_FIELD_REAL: {
            double d = OGR_F_GetFieldAsDouble(of, oi);
            if (memcmp(&d, &v->d, sizeof d) != 0)
                mismatch(bad, "feature %lld field %s: %.17g vs OGR %.17g", (long long)f->index,
                         gj_field_name(r, i), v->d, d);
            break;
        }
        case GJ_FIELD_STRING:
            if (strcmp(v->s, OGR_F_GetFieldAsString(of, oi)) != 0 || strlen(v->s) != v->slen)
                mismatch(bad, "feature %lld field %s: \"%s\" vs OGR \"%s\"", (long long)f->index,
                         gj_field_name(r, i), v->s, OGR_F_GetFieldAsString(of, oi));
            break;
        default:
            break;      /* dates: OGR reformats them; only null-ness is compared */
        }
    }
}

/* Schema, then every feature's ISO WKB and values, against OGR. */
static int verify(const char *path)
{
    gj_reader *r;
    gj_feature f;
    GDALDatasetH ds;
    OGRLayerH l;
    OGRFeatureDefnH defn;
    OGRFeatureH of;
    int bad = 0, rc = gj_open(&r, path);
    unsigned char *buf = NULL;
    size_t cap = 0;
    if (rc != GJ_OK) {
        printf("%s: %s: %s\n", path, rc == GJ_UNSUPPORTED ? "UNSUPPORTED" : "ERROR", gj_error(r));
        gj_close(r);
        return rc == GJ_UNSUPPORTED ? 0 : 1;
    }
    ds = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
    if (!ds) { gj_close(r); return 1; }
    l = GDALDatasetGetLayer(ds, 0);
    defn = OGR_L_GetLayerDefn(l);
    if ((int)gj_field_count(r) != OGR_FD_GetFieldCount(defn))
        mismatch(&bad, "field count %zu vs OGR %d", gj_field_count(r), OGR_FD_GetFieldCount(defn));
    for (int i = 0; i < OGR_FD_GetFieldCount(defn) && i < (int)gj_field_count(r); i++) {
        OGRFieldDefnH fd = OGR_FD_GetFieldDefn(defn, i);
        char ours[64];
        snprintf(ours, sizeof ours, "%s", gj_field_is_json(r, (size_t)i) ? "String(JSON)"
                 : our_type_name(gj_field_type_of(r, (size_t)i)));
        if (strcmp(OGR_Fld_GetNameRef(fd), gj_field_name(r, (size_t)i)) != 0 ||
            strcmp(ours, ogr_type_name(fd)) != 0)
            mismatch(&bad, "field %d: %s %s vs OGR %s %s", i, gj_field_name(r, (size_t)i), ours,
                     OGR_Fld_GetNameRef(fd), ogr_type_name(fd));
    }
    if (gj_feature_count(r) != OGR_L_GetFeatureCount(l, 1))
        mismatch(&bad, "feature count %lld vs OGR %lld", (long long)gj_feature_count(r),
                 (long long)OGR_L_GetFeatureCount(l, 1));
    {
        OGRwkbGeometryType gt = OGR_L_GetGeomType(l);
        int ours = gj_geometry_type(r), z = ours && gj_has_z(r);
        if ((int)wkbFlatten(gt) != ours || (OGR_GT_HasZ(gt) != 0) != z)
            mismatch(&bad, "layer geometry type %d%s vs OGR %s", ours, z ? " Z" : "", OGRGeometryTypeToName(gt));
    }
    OGR_L_ResetReading(l);
    while (gj_next(r, &f) == GJ_OK) {
        OGRGeometryH g;
        of = OGR_L_GetNextFeature(l);
        if (!of) { mismatch(&bad, "OGR has fewer features"); break; }
        g = OGR_F_GetGeometryRef(of);
        if (!g != !f.wkb) {
            mismatch(&bad, "feature %lld: geometry null %d vs OGR %d", (long long)f.index, !f.wkb, !g);
        } else if (g) {
            size_t n = (size_t)OGR_G_WkbSize(g);
            if (n > cap) { cap = n; buf = realloc(buf, cap); }
            OGR_G_ExportToIsoWkb(g, wkbNDR, buf);
            if (n != f.wkb_len || memcmp(buf, f.wkb, n) != 0)
                mismatch(&bad, "feature %lld: WKB differs (%zu vs OGR %zu bytes)", (long long)f.index,
                         f.wkb_len, n);
        }
        verify_values(r, &f, of, &bad);
        OGR_F_Destroy(of);
    }
    free(buf);
    GDALClose(ds);
    printf("%s: %lld features, %zu fields: %s (%d mismatches)\n", path, (long long)gj_feature_count(r),
           gj_field_count(r), bad ? "DIFFERENT" : "identical to OGR", bad);
    gj_close(r);
    return bad != 0;
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    int do_verify = 0, repeat = 3;
    double best_o1 = 1e9, best_i1 = 1e9, best_o2 = 1e9, best_i2 = 1e9;
    int64_t n1 = 0, n2 = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--verify") == 0) do_verify = 1;
        else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) repeat = atoi(argv[++i]);
        else path = argv[i];
    }
    if (!path) {
        fprintf(stderr, "usage: %s FILE [--verify] [--repeat N]\n", argv[0]);
        return 2;
    }
    GDALAllRegister();
    if (do_verify) return verify(path);
    for (int k = 0; k < repeat; k++) {
        double o, it;
        if (run_ours(path, &o, &it, &n1)) return 1;
        if (o + it < best_o1 + best_i1) { best_o1 = o; best_i1 = it; }
        if (run_ogr(path, &o, &it, &n2)) return 1;
        if (o + it < best_o2 + best_i2) { best_o2 = o; best_i2 = it; }
    }
    printf("file: %s (%lld features)\n", path, (long long)n1);
    printf("geojson_reader: schema pass %.3f s + feature pass %.3f s = %.3f s\n", best_o1, best_i1,
           best_o1 + best_i1);
    printf("GDAL/OGR:       open        %.3f s + iteration    %.3f s = %.3f s\n", best_o2, best_i2,
           best_o2 + best_i2);
    printf("speed-up: %.1fx\n", (best_o2 + best_i2) / (best_o1 + best_i1));
    return n1 == n2 ? 0 : 1;
}
