/* source_geojson.c: cim's native GeoJSON reader (formats/geojson) as a
 * source. It takes the large plain FeatureCollections GDAL is slow on and
 * declines the rest, which then go to GDAL. */
#include "source_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error_int.h"
#include "geojson_reader.h"
#include "wkb_int.h"

typedef struct gj_layer {
    cim_src_layer base;
    gj_reader *reader;
    cim_src_value *values;
} gj_layer;

static void map_type(gj_field_type t, cim_src_field *f)
{
    switch (t) {
    case GJ_FIELD_INTEGER: f->type = CIM_FIELD_INTEGER; f->decl = "INTEGER"; break;
    case GJ_FIELD_INTEGER64: f->type = CIM_FIELD_INTEGER64; f->decl = "BIGINT"; break;
    case GJ_FIELD_REAL: f->type = CIM_FIELD_REAL; f->decl = "REAL"; break;
    case GJ_FIELD_DATE: f->type = CIM_FIELD_DATE; f->decl = "DATE"; break;
    case GJ_FIELD_TIME: f->type = CIM_FIELD_TIME; f->decl = "TIME"; break;
    case GJ_FIELD_DATETIME: f->type = CIM_FIELD_DATETIME; f->decl = "DATETIME"; break;
    case GJ_FIELD_BOOLEAN: f->type = CIM_FIELD_BOOLEAN; f->decl = "BOOLEAN"; break;
    default: f->type = CIM_FIELD_STRING; f->decl = "TEXT"; break;
    }
}

static int gj_layer_next(cim_src_layer *l, cim_src_feature *out)
{
    gj_layer *gl = (gj_layer *)l;
    gj_feature f;
    int rc = gj_next(gl->reader, &f);
    if (rc == GJ_END)
        return CIM_ITEROVER;
    if (rc != GJ_OK)
        return cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "%s", gj_error(gl->reader));
    memset(out, 0, sizeof *out);
    out->index = f.index;
    snprintf(out->where, sizeof out->where, "line %zu", f.line);
    out->wkb = f.wkb;
    out->wkb_len = f.wkb_len;
    for (size_t i = 0; i < l->field_count; i++) {
        cim_src_value *v = &gl->values[i];
        const gj_value *g = &f.values[i];
        v->is_null = g->is_null;
        v->i = g->i;
        v->d = g->d;
        v->s = g->s;
        v->slen = g->slen;
    }
    out->values = gl->values;
    return CIM_OK;
}

static void gj_layer_free(cim_src_layer *l)
{
    gj_layer *gl = (gj_layer *)l;
    gj_close(gl->reader);
    free(gl->values);
    cim_src_layer_clear(l);
    free(gl);
}

static const cim_src_layer_ops gj_ops = {gj_layer_next, gj_layer_free};

/* The CRS name for the catalogue as GDAL's reader would give it (so both
 * readers record the same): "urn:ogc:def:crs:EPSG::4547" and
 * "urn:ogc:def:crs:EPSG:9.1:4547" become "EPSG:4547", OGC's CRS84 becomes
 * "EPSG:4326"; anything else is kept as written. */
static char *crs_display_name(const char *crs)
{
    static const char urn[] = "urn:ogc:def:crs:EPSG:";
    char name[64];
    if (!strncmp(crs, urn, sizeof urn - 1)) {
        const char *code = strrchr(crs, ':') + 1;
        size_t n = strspn(code, "0123456789");
        if (n > 0 && n < 16 && code[n] == '\0') {
            snprintf(name, sizeof name, "EPSG:%s", code);
            return strdup(name);
        }
    }
    if (!strcmp(crs, "urn:ogc:def:crs:OGC:1.3:CRS84") || !strcmp(crs, "urn:ogc:def:crs:OGC::CRS84") ||
        !strcmp(crs, "OGC:CRS84"))
        return strdup("EPSG:4326");
    return strdup(crs);
}

/* The layer name GDAL would give: the collection's "name", else the file's
 * base name without extension. */
static char *layer_name(const char *path, const char *member)
{
    if (member && *member)
        return strdup(member);
    const char *slash = strrchr(path, '/');
    char *name = strdup(slash ? slash + 1 : path);
    char *dot = strrchr(name, '.');
    if (dot && dot != name)
        *dot = '\0';
    return name;
}

int cim_source_open_geojson(cim_source *src, const cim_ingest_options *opts)
{
    gj_reader *r = NULL;
    int rc = gj_open(&r, src->path);
    if (rc == GJ_UNSUPPORTED) {
        gj_close(r);
        return CIM_ENOTFOUND;
    }
    if (rc != GJ_OK) {
        rc = cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "source '%s': %s", src->path,
                           r ? gj_error(r) : "cannot read");
        gj_close(r);
        return rc;
    }
    char *name = layer_name(src->path, gj_layer_name(r));
    if (opts->src_layer && strcmp(opts->src_layer, name) != 0) {
        rc = cim_error_set(CIM_ENOTFOUND, CIM_ERRCLASS_ARG, "source '%s': no layer '%s' (layers: %s)", src->path,
                           opts->src_layer, name);
        free(name);
        gj_close(r);
        return rc;
    }
    gj_layer *gl = calloc(1, sizeof *gl);
    cim_src_layer *l = &gl->base;
    l->ops = &gj_ops;
    l->name = name;
    gl->reader = r;
    l->field_count = gj_field_count(r);
    l->fields = calloc(l->field_count + 1, sizeof *l->fields);
    gl->values = calloc(l->field_count + 1, sizeof *gl->values);
    for (size_t i = 0; i < l->field_count; i++) {
        l->fields[i].name = strdup(gj_field_name(r, i));
        map_type(gj_field_type_of(r, i), &l->fields[i]);
        /* GDAL's String(JSON): text that mixed numbers and strings; declared
         * JSON as the GDAL path (source_ogr.c) declares it. */
        if (gj_field_is_json(r, i)) {
            l->fields[i].type = CIM_FIELD_JSON;
            l->fields[i].decl = "JSON";
        }
    }
    /* RFC 7946: no "crs" member means WGS84 longitude/latitude. */
    const char *crs = gj_crs_name(r);
    l->srs_wkt = strdup(crs ? crs : "OGC:CRS84");
    l->srs_name = crs_display_name(crs ? crs : "OGC:CRS84");
    l->geom_type = (uint32_t)gj_geometry_type(r);
    if (l->geom_type > 7)
        l->geom_type = 0;
    l->has_z = gj_has_z(r);
    l->feature_count = gj_feature_count(r);

    src->driver = strdup("GeoJSON");
    src->native = 1;
    src->files = calloc(1, sizeof *src->files);
    src->files[0] = strdup(src->path);
    src->file_count = 1;
    src->layers = calloc(1, sizeof *src->layers);
    src->layers[0] = l;
    src->layer_count = 1;
    return CIM_OK;
}
