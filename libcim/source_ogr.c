/* source_ogr.c: any vector format GDAL reads, as a cim source. GDAL does the
 * parsing; this file maps OGR's schema and features to cim's (ISO WKB, typed
 * values), linearises curves, turns solids into multipolygons, drops measures,
 * and gives GML and CSV columns real types without losing codes' leading zeros. */
#include "source_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf_int.h"
#include "error_int.h"
#include "gdal_api_int.h"
#include "source_citygml_int.h"
#include "wkb_int.h"

/* Coordinate column names GDAL's CSV driver should recognise. */
#define CSV_X_NAMES "x,lon,lng,long,longitude,easting,经度"
#define CSV_Y_NAMES "y,lat,latitude,northing,纬度"
#define CSV_GEOM_NAMES "wkt,geom,geometry,the_geom"

typedef struct ogr_layer {
    cim_src_layer base;
    OGRLayerH layer;
    OGRFeatureH feature;     /* the current feature: values point into it */
    int64_t index;
    cim_src_value *values;
    cim_buf *scratch;        /* per field: formatted dates and JSON lists */
    cim_buf wkb;
    OGRFieldType *ogr_types;
    int *ogr_index;          /* the OGR field behind each cim field */
    int *is_code;            /* GML code-list values (they had a codeSpace): always text */
    cim_field_type *refined; /* string columns retyped after a scan (GML, CSV); NULL if none */
    cim_citygml_bldg *bldg;  /* a CityGML Building layer: footprints and building columns */
} ogr_layer;

static const char *ogr_msg(void)
{
    const char *m = cim_gdal_error_last();
    return m && *m ? m : CPLGetLastErrorMsg();
}

/* ---- schema ---- */

static void map_field(OGRFieldDefnH fd, cim_src_field *f, OGRFieldType *ot)
{
    OGRFieldType t = OGR_Fld_GetType(fd);
    OGRFieldSubType st = OGR_Fld_GetSubType(fd);
    *ot = t;
    switch (t) {
    case OFTInteger:
        f->type = st == OFSTBoolean ? CIM_FIELD_BOOLEAN : CIM_FIELD_INTEGER;
        f->decl = st == OFSTBoolean ? "BOOLEAN" : "INTEGER";
        break;
    case OFTInteger64:
        f->type = CIM_FIELD_INTEGER64;
        f->decl = "BIGINT";
        break;
    case OFTReal:
        f->type = CIM_FIELD_REAL;
        f->decl = "REAL";
        break;
    case OFTDate:
        f->type = CIM_FIELD_DATE;
        f->decl = "DATE";
        break;
    case OFTTime:
        f->type = CIM_FIELD_TIME;
        f->decl = "TIME";
        break;
    case OFTDateTime:
        f->type = CIM_FIELD_DATETIME;
        f->decl = "DATETIME";
        break;
    case OFTBinary:
        f->type = CIM_FIELD_BINARY;
        f->decl = "BLOB";
        break;
    case OFTIntegerList:
    case OFTInteger64List:
        f->type = CIM_FIELD_JSON;
        f->decl = "JSONINTEGERLIST";
        break;
    case OFTRealList:
        f->type = CIM_FIELD_JSON;
        f->decl = "JSONREALLIST";
        break;
    case OFTStringList:
        f->type = CIM_FIELD_JSON;
        f->decl = "JSONSTRINGLIST";
        break;
    default:
        f->type = st == OFSTJSON ? CIM_FIELD_JSON : CIM_FIELD_STRING;
        f->decl = st == OFSTJSON ? "JSON" : "TEXT";
        break;
    }
}

static uint32_t base_type(OGRwkbGeometryType t)
{
    OGRwkbGeometryType flat = wkbFlatten(t);
    switch (flat) {
    case wkbPoint: return CIM_WKB_POINT;
    case wkbLineString: case wkbCircularString: case wkbCompoundCurve: return CIM_WKB_LINESTRING;
    case wkbPolygon: case wkbCurvePolygon: case wkbTriangle: return CIM_WKB_POLYGON;
    case wkbMultiPoint: return CIM_WKB_MULTIPOINT;
    case wkbMultiLineString: case wkbMultiCurve: return CIM_WKB_MULTILINESTRING;
    case wkbMultiPolygon: case wkbMultiSurface: case wkbPolyhedralSurface: case wkbTIN:
        return CIM_WKB_MULTIPOLYGON;
    case wkbGeometryCollection: return CIM_WKB_COLLECTION;
    default: return 0;
    }
}

static void read_srs(cim_src_layer *l, OGRSpatialReferenceH srs)
{
    if (!srs)
        return;
    const char *wkt_opts[] = {"FORMAT=WKT2_2019", NULL};
    char *wkt = NULL;
    if (OSRExportToWktEx(srs, &wkt, wkt_opts) == OGRERR_NONE && wkt)
        l->srs_wkt = strdup(wkt);
    CPLFree(wkt);
    const char *auth = OSRGetAuthorityName(srs, NULL), *code = OSRGetAuthorityCode(srs, NULL);
    char name[256];
    if (auth && code)
        snprintf(name, sizeof name, "%s:%s", auth, code);
    else
        snprintf(name, sizeof name, "%s", OSRGetName(srs) ? OSRGetName(srs) : "custom CRS");
    l->srs_name = strdup(name);
    /* GDAL hands most formats' coordinates over in x = east order; a
     * latitude-first CRS whose data mapping is the authority's order is the
     * exception, and must be swapped before PROJ sees it. */
    int n = 0;
    const int *map = OSRGetDataAxisToSRSAxisMapping(srs, &n);
    int north_first = OSREPSGTreatsAsLatLong(srs) || OSREPSGTreatsAsNorthingEasting(srs);
    l->swap_xy = north_first && n >= 2 && map[0] == 1;
}

/* ---- type refinement for all-string sources ---- */

/* Integer text without a leading zero ("0100" is a code, not 100). */
static int is_plain_integer(const char *s, int64_t *v)
{
    const char *p = s + (*s == '-');
    if (!*p || (p[0] == '0' && p[1]) || strlen(p) > 18)
        return 0;
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9')
            return 0;
    *v = strtoll(s, NULL, 10);
    return 1;
}

static int is_plain_real(const char *s)
{
    const char *p = s + (*s == '-');
    if (!(*p >= '0' && *p <= '9') || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
        return 0;
    char *end = NULL;
    strtod(s, &end);
    return end && *end == '\0' && !strchr(s, 'x') && !strchr(s, 'X') && !strpbrk(s, "nNiI");
}

/* Reads the whole layer once and gives each all-string column the narrowest
 * type every value fits: GML read with GML_FIELDTYPES=ALWAYS_STRING, and CSV,
 * would otherwise either lose leading zeros or keep numbers as text. */
static void refine_string_fields(ogr_layer *ol)
{
    size_t n = ol->base.field_count;
    int *state = calloc(n, sizeof *state); /* 0 unseen, 1 int32, 2 int64, 3 real, 4 string */
    int any_string = 0;
    for (size_t i = 0; i < n; i++) {
        if (ol->ogr_types[i] != OFTString || ol->base.fields[i].type == CIM_FIELD_JSON || ol->is_code[i])
            state[i] = 4;
        else
            any_string = 1;
    }
    if (!any_string) {
        free(state);
        return;
    }
    OGRFeatureH f;
    OGR_L_ResetReading(ol->layer);
    while ((f = OGR_L_GetNextFeature(ol->layer)) != NULL) {
        for (size_t i = 0; i < n; i++) {
            int fi = ol->ogr_index[i];
            if (state[i] == 4 || !OGR_F_IsFieldSetAndNotNull(f, fi))
                continue;
            const char *s = OGR_F_GetFieldAsString(f, fi);
            int64_t v;
            int kind = is_plain_integer(s, &v) ? (v >= INT32_MIN && v <= INT32_MAX ? 1 : 2)
                       : is_plain_real(s)      ? 3
                                               : 4;
            if (kind > state[i])
                state[i] = kind;
        }
        OGR_F_Destroy(f);
    }
    OGR_L_ResetReading(ol->layer);
    ol->refined = calloc(n, sizeof *ol->refined);
    for (size_t i = 0; i < n; i++) {
        cim_src_field *fld = &ol->base.fields[i];
        ol->refined[i] = fld->type;
        if (state[i] == 1 || state[i] == 2 || state[i] == 3) {
            static const cim_field_type types[] = {CIM_FIELD_STRING, CIM_FIELD_INTEGER, CIM_FIELD_INTEGER64,
                                                   CIM_FIELD_REAL};
            static const char *const decls[] = {"TEXT", "INTEGER", "BIGINT", "REAL"};
            fld->type = ol->refined[i] = types[state[i]];
            fld->decl = decls[state[i]];
        }
    }
    free(state);
}

/* ---- features ---- */

static void put_str(cim_buf *b, const char *s)
{
    size_t n = strlen(s);
    cim_buf_reserve(b, n + 1);
    cim_buf_put(b, s, n);
}

/* A JSON string literal (lists of strings become JSON arrays). */
static void put_json_string(cim_buf *b, const char *s)
{
    put_str(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\') {
            snprintf(esc, sizeof esc, "\\%c", *p);
            put_str(b, esc);
        } else if (*p < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            put_str(b, esc);
        } else {
            cim_buf_reserve(b, 1);
            cim_buf_put(b, p, 1);
        }
    }
    put_str(b, "\"");
}

static void format_list(cim_buf *b, OGRFeatureH f, int i, OGRFieldType t)
{
    char num[64];
    int n = 0;
    put_str(b, "[");
    if (t == OFTIntegerList || t == OFTInteger64List) {
        const GIntBig *v = OGR_F_GetFieldAsInteger64List(f, i, &n);
        for (int k = 0; k < n; k++) {
            snprintf(num, sizeof num, "%s%lld", k ? "," : "", (long long)v[k]);
            put_str(b, num);
        }
    } else if (t == OFTRealList) {
        const double *v = OGR_F_GetFieldAsDoubleList(f, i, &n);
        for (int k = 0; k < n; k++) {
            snprintf(num, sizeof num, "%s%.17g", k ? "," : "", v[k]);
            put_str(b, num);
        }
    } else {
        char **v = OGR_F_GetFieldAsStringList(f, i);
        for (int k = 0; v && v[k]; k++) {
            if (k)
                put_str(b, ",");
            put_json_string(b, v[k]);
        }
    }
    put_str(b, "]");
}

static void format_datetime(cim_buf *b, OGRFeatureH f, int i, OGRFieldType t)
{
    int y, mo, d, h, mi, tz;
    float sec;
    char s[64];
    OGR_F_GetFieldAsDateTimeEx(f, i, &y, &mo, &d, &h, &mi, &sec, &tz);
    int whole = (int)sec;
    int ms = (int)((sec - (float)whole) * 1000.0f + 0.5f);
    char secs[16];
    if (ms > 0)
        snprintf(secs, sizeof secs, "%02d.%03d", whole, ms);
    else
        snprintf(secs, sizeof secs, "%02d", whole);
    if (t == OFTDate) {
        snprintf(s, sizeof s, "%04d-%02d-%02d", y, mo, d);
    } else if (t == OFTTime) {
        snprintf(s, sizeof s, "%02d:%02d:%s", h, mi, secs);
    } else {
        char zone[16] = "";
        if (tz == 100) {
            strcpy(zone, "Z");
        } else if (tz > 1) {
            int off = (tz - 100) * 15;
            snprintf(zone, sizeof zone, "%c%02d:%02d", off < 0 ? '-' : '+', abs(off) / 60, abs(off) % 60);
        }
        snprintf(s, sizeof s, "%04d-%02d-%02dT%02d:%02d:%s%s", y, mo, d, h, mi, secs, zone);
    }
    put_str(b, s);
}

static void read_value(ogr_layer *ol, OGRFeatureH f, size_t i)
{
    cim_src_value *v = &ol->values[i];
    memset(v, 0, sizeof *v);
    int fi = ol->ogr_index[i];
    if (!OGR_F_IsFieldSetAndNotNull(f, fi)) {
        v->is_null = 1;
        return;
    }
    OGRFieldType t = ol->ogr_types[i];
    cim_buf *b = &ol->scratch[i];
    b->len = 0;
    switch (t) {
    case OFTInteger:
    case OFTInteger64:
        v->i = OGR_F_GetFieldAsInteger64(f, fi);
        v->d = (double)v->i;
        return;
    case OFTReal:
        v->d = OGR_F_GetFieldAsDouble(f, fi);
        return;
    case OFTBinary: {
        int n = 0;
        v->s = (const char *)OGR_F_GetFieldAsBinary(f, fi, &n);
        v->slen = (size_t)n;
        return;
    }
    case OFTDate:
    case OFTTime:
    case OFTDateTime:
        format_datetime(b, f, fi, t);
        break;
    case OFTIntegerList:
    case OFTInteger64List:
    case OFTRealList:
    case OFTStringList:
        format_list(b, f, fi, t);
        break;
    default: {
        const char *s = OGR_F_GetFieldAsString(f, fi);
        cim_field_type r = ol->refined ? ol->refined[i] : CIM_FIELD_STRING;
        if (r == CIM_FIELD_INTEGER || r == CIM_FIELD_INTEGER64) {
            v->i = strtoll(s, NULL, 10);
            v->d = (double)v->i;
        } else if (r == CIM_FIELD_REAL) {
            v->d = strtod(s, NULL);
        } else {
            v->s = s;
            v->slen = strlen(s);
        }
        return;
    }
    }
    cim_buf_reserve(b, 1);
    b->data[b->len] = '\0';
    v->s = (const char *)b->data;
    v->slen = b->len;
}

/* Curves become line segments, solids and TINs become multipolygons, and
 * measures go: SpatiaLite layers here are XY or XYZ of simple types. */
static OGRGeometryH simplify_kind(OGRGeometryH g, int *owned)
{
    OGRwkbGeometryType t = OGR_G_GetGeometryType(g);
    OGRwkbGeometryType flat = wkbFlatten(t);
    OGRGeometryH h = g;
    *owned = 0;
    if (OGR_GT_IsNonLinear(t)) {
        h = OGR_G_GetLinearGeometry(g, 0, NULL);
        *owned = 1;
    }
    if (flat == wkbPolyhedralSurface || flat == wkbTIN || flat == wkbTriangle) {
        OGRGeometryH c = *owned ? h : OGR_G_Clone(h);
        h = OGR_G_ForceTo(c, flat == wkbTriangle ? wkbPolygon : wkbMultiPolygon, NULL);
        *owned = 1;
    }
    if (OGR_G_IsMeasured(h)) {
        if (!*owned)
            h = OGR_G_Clone(h);
        OGR_G_SetMeasured(h, FALSE);
        *owned = 1;
    }
    return h;
}

static int ogr_next(cim_src_layer *l, cim_src_feature *out)
{
    ogr_layer *ol = (ogr_layer *)l;
    if (ol->feature) {
        OGR_F_Destroy(ol->feature);
        ol->feature = NULL;
    }
    cim_gdal_error_reset();
    CPLErrorReset();
    OGRFeatureH f = OGR_L_GetNextFeature(ol->layer);
    if (!f) {
        if (CPLGetLastErrorType() == CE_Failure)
            return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_GDAL, "layer '%s', after feature %lld: %s",
                                 l->name, (long long)ol->index, ogr_msg());
        return CIM_ITEROVER;
    }
    ol->feature = f;
    memset(out, 0, sizeof *out);
    out->index = ol->index++;
    GIntBig fid = OGR_F_GetFID(f);
    if (fid != OGRNullFID)
        snprintf(out->where, sizeof out->where, "source FID %lld", (long long)fid);
    OGRGeometryH bldg_geom = ol->bldg ? cim_citygml_bldg_geometry(ol->bldg, f) : NULL;
    OGRGeometryH g = ol->bldg ? bldg_geom : OGR_F_GetGeometryRef(f);
    if (g && !OGR_G_IsEmpty(g)) {
        int owned = 0;
        OGRGeometryH h = simplify_kind(g, &owned);
        size_t n = OGR_G_WkbSizeEx(h);
        ol->wkb.len = 0;
        if (cim_buf_reserve(&ol->wkb, n)) {
            if (owned)
                OGR_G_DestroyGeometry(h);
            if (bldg_geom)
                OGR_G_DestroyGeometry(bldg_geom);
            return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        }
        OGR_G_ExportToIsoWkb(h, wkbNDR, ol->wkb.data);
        ol->wkb.len = n;
        if (owned)
            OGR_G_DestroyGeometry(h);
        out->wkb = ol->wkb.data;
        out->wkb_len = n;
    }
    if (bldg_geom)
        OGR_G_DestroyGeometry(bldg_geom);
    size_t own = ol->bldg ? l->field_count - CIM_CITYGML_EXTRA_FIELDS : l->field_count;
    for (size_t i = 0; i < own; i++)
        read_value(ol, f, i);
    if (ol->bldg)
        cim_citygml_bldg_values(ol->bldg, f, l, ol->values, l->srs_name);
    out->values = ol->values;
    return CIM_OK;
}

static void ogr_layer_free(cim_src_layer *l)
{
    ogr_layer *ol = (ogr_layer *)l;
    if (ol->feature)
        OGR_F_Destroy(ol->feature);
    for (size_t i = 0; i < l->field_count; i++)
        cim_buf_free(&ol->scratch[i]);
    free(ol->scratch);
    free(ol->values);
    free(ol->ogr_types);
    free(ol->ogr_index);
    free(ol->is_code);
    free(ol->refined);
    cim_citygml_bldg_free(ol->bldg);
    cim_buf_free(&ol->wkb);
    cim_src_layer_clear(l);
    free(ol);
}

static const cim_src_layer_ops ogr_ops = {ogr_next, ogr_layer_free};

static int make_layer(cim_source *src, OGRLayerH layer, const cim_ingest_options *opts, ogr_layer **out)
{
    ogr_layer *ol = calloc(1, sizeof *ol);
    cim_src_layer *l = &ol->base;
    l->ops = &ogr_ops;
    l->name = strdup(OGR_L_GetName(layer));
    ol->layer = layer;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    size_t n = (size_t)OGR_FD_GetFieldCount(defn);
    /* Room for the columns a CityGML building layer adds. */
    size_t room = n + 1 + CIM_CITYGML_EXTRA_FIELDS;
    l->fields = calloc(room, sizeof *l->fields);
    ol->ogr_types = calloc(room, sizeof *ol->ogr_types);
    ol->ogr_index = calloc(room, sizeof *ol->ogr_index);
    ol->is_code = calloc(room, sizeof *ol->is_code);
    ol->values = calloc(room, sizeof *ol->values);
    ol->scratch = calloc(room, sizeof *ol->scratch);
    for (size_t i = 0; i < n; i++) {
        OGRFieldDefnH fd = OGR_FD_GetFieldDefn(defn, (int)i);
        const char *name = OGR_Fld_GetNameRef(fd);
        /* GML (read with GML_ATTRIBUTES_TO_OGR_FIELDS) gives "x_codeSpace"
         * beside each code-list value x: it marks x as a code, and is itself
         * only the code list's path, so it is not kept. */
        size_t len = strlen(name);
        if (!strcmp(src->driver, "GML") && len > 10 && !strcmp(name + len - 10, "_codeSpace"))
            continue;
        size_t k = l->field_count++;
        l->fields[k].name = strdup(name);
        ol->ogr_index[k] = (int)i;
        map_field(fd, &l->fields[k], &ol->ogr_types[k]);
        if (!strcmp(src->driver, "GML")) {
            char *cs = malloc(len + 11);
            snprintf(cs, len + 11, "%s_codeSpace", name);
            ol->is_code[k] = OGR_FD_GetFieldIndex(defn, cs) >= 0;
            free(cs);
        }
    }
    OGRwkbGeometryType gt = OGR_FD_GetGeomFieldCount(defn) > 0 ? OGR_L_GetGeomType(layer) : wkbNone;
    l->geom_type = gt == wkbNone ? 0 : base_type(gt);
    l->has_z = gt != wkbNone && OGR_GT_HasZ(gt);
    if (gt == wkbNone)
        l->geom_type = UINT32_MAX; /* no geometry column at all */
    read_srs(l, OGR_L_GetSpatialRef(layer));
    *out = ol;
    if (opts->where) {
        cim_gdal_error_reset();
        if (OGR_L_SetAttributeFilter(layer, opts->where) != OGRERR_NONE)
            return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_GDAL, "--where '%s' on layer '%s': %s", opts->where,
                                 l->name, ogr_msg());
    }
    if (!strcmp(src->driver, "GML") || !strcmp(src->driver, "CSV"))
        refine_string_fields(ol);
    if (!strcmp(src->driver, "GML"))
        cim_citygml_bldg_open(&ol->bldg, layer, l, src->path);
    l->feature_count = OGR_L_GetFeatureCount(layer, FALSE);
    return CIM_OK;
}

static void ogr_close(cim_source *src)
{
    if (src->handle)
        GDALClose((GDALDatasetH)src->handle);
    src->handle = NULL;
    CPLSetThreadLocalConfigOption("GML_FIELDTYPES", NULL);
}

static char **open_options(const char *driver, const cim_ingest_options *opts)
{
    char **o = NULL;
    if (!strcmp(driver, "ESRI Shapefile") && opts->encoding)
        o = CSLSetNameValue(o, "ENCODING", opts->encoding);
    if (!strcmp(driver, "GML")) {
        /* Never write a .gfs schema file beside the user's source, never
         * fetch XSD schemas from the network, and expose codeSpace
         * attributes so code-list values can be told from numbers. */
        o = CSLSetNameValue(o, "WRITE_GFS", "NO");
        o = CSLSetNameValue(o, "DOWNLOAD_SCHEMA", "NO");
        o = CSLSetNameValue(o, "GML_ATTRIBUTES_TO_OGR_FIELDS", "YES");
    }
    if (!strcmp(driver, "CSV")) {
        o = CSLSetNameValue(o, "X_POSSIBLE_NAMES", CSV_X_NAMES);
        o = CSLSetNameValue(o, "Y_POSSIBLE_NAMES", CSV_Y_NAMES);
        o = CSLSetNameValue(o, "GEOM_POSSIBLE_NAMES", CSV_GEOM_NAMES);
        o = CSLSetNameValue(o, "KEEP_GEOM_COLUMNS", "NO");
        o = CSLSetNameValue(o, "EMPTY_STRING_AS_NULL", "YES");
    }
    /* The user's options win; cim's own are defaults. */
    for (const char *const *p = opts->open_options; p && *p; p++) {
        char *key = NULL;
        const char *value = CPLParseNameValue(*p, &key);
        if (key && value)
            o = CSLSetNameValue(o, key, value);
        CPLFree(key);
    }
    return o;
}

static int list_files(cim_source *src, GDALDatasetH ds)
{
    char **files = GDALGetFileList(ds);
    size_t n = (size_t)CSLCount(files);
    if (n == 0) {
        src->files = calloc(1, sizeof *src->files);
        src->files[0] = strdup(src->path);
        src->file_count = 1;
    } else {
        src->files = calloc(n, sizeof *src->files);
        for (size_t i = 0; i < n; i++)
            src->files[i] = strdup(files[i]);
        src->file_count = n;
    }
    CSLDestroy(files);
    return CIM_OK;
}

static int layer_names(GDALDatasetH ds, char *buf, size_t len)
{
    buf[0] = '\0';
    int n = GDALDatasetGetLayerCount(ds);
    for (int i = 0; i < n; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s", i ? ", " : "", OGR_L_GetName(GDALDatasetGetLayer(ds, i)));
    }
    return n;
}

int cim_source_open_ogr(cim_source *src, const cim_ingest_options *opts)
{
    int rc = cim_gdal_load();
    if (rc)
        return rc;
    cim_gdal_error_reset();
    GDALDriverH drv = GDALIdentifyDriverEx(src->path, GDAL_OF_VECTOR, NULL, NULL);
    if (!drv)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_GDAL, "source '%s': not a vector format GDAL reads%s%s",
                             src->path, *ogr_msg() ? ": " : "", ogr_msg());
    src->driver = strdup(GDALGetDriverShortName(drv));
    char **oo = open_options(src->driver, opts);
    /* GML: read every value as text (GDAL's guesses drop leading zeros of
     * codes such as prefecture "01"); refine_string_fields types them after.
     * A configuration option in GDAL 3.6, not an open option; thread-local
     * so other threads' reads are untouched, cleared in ogr_close(). */
    if (!strcmp(src->driver, "GML"))
        CPLSetThreadLocalConfigOption("GML_FIELDTYPES", "ALWAYS_STRING");
    const char *allowed[] = {src->driver, NULL};
    GDALDatasetH ds = GDALOpenEx(src->path, GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR, allowed,
                                 (const char *const *)oo, NULL);
    CSLDestroy(oo);
    if (!ds)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_GDAL, "source '%s' (%s): %s", src->path, src->driver,
                             *ogr_msg() ? ogr_msg() : "GDAL cannot open it");
    src->handle = ds;
    src->close = ogr_close;
    list_files(src, ds);
    char names[1024];
    int n = layer_names(ds, names, sizeof names);
    if (n <= 0)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_GDAL, "source '%s': no vector layers", src->path);
    src->layers = calloc((size_t)n, sizeof *src->layers);
    for (int i = 0; i < n; i++) {
        OGRLayerH layer = GDALDatasetGetLayer(ds, i);
        if (opts->src_layer && strcmp(OGR_L_GetName(layer), opts->src_layer) != 0)
            continue;
        ogr_layer *ol = NULL;
        rc = make_layer(src, layer, opts, &ol);
        src->layers[src->layer_count++] = &ol->base;
        if (rc)
            return rc;
    }
    if (src->layer_count == 0)
        return cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_ARG, "source '%s': no layer '%s' (layers: %s)",
                             src->path, opts->src_layer, names);
    return CIM_OK;
}
