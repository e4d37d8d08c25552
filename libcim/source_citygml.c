/* source_citygml.c: CityGML (PLATEAU) buildings as a building layer.
 *
 * GDAL's GML driver gives a Building layer with one geometry field per LOD
 * (with PLATEAU's GFS template: lod0footprint, lod0roofedge, lod1solid;
 * without: the LOD1 solid only). A footprint is the LOD0 footprint when
 * there is one, else the LOD0 roof edge, else the ground projection of the
 * LOD1 solid: the union of its faces flattened to plan (the solid's 2D area
 * itself is not a footprint). measuredHeight and storeysAbove/BelowGround
 * become height_m, storeys_above and storeys_below; PLATEAU's "unknown"
 * sentinels -9999 and 9999 become NULL there, and -9999 becomes NULL in every
 * numeric source attribute, which are all kept under their own names. */
#include "source_citygml_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct cim_citygml_bldg {
    int geom_fields[3];      /* footprint, roof edge, solid; -1 when absent */
    int f_height, f_above, f_below, f_id, f_name; /* OGR field indexes or -1 */
    size_t first_extra;      /* cim field index of the first added column */
    int add_guid, add_name;
    const char *source;
    char method[128];
    char georef[160];
};

/* Does name contain part (lower case), ignoring case? */
static int contains(const char *name, const char *part)
{
    size_t n = strlen(part);
    for (const char *p = name; *p; p++)
        if (!strncasecmp(p, part, n))
            return 1;
    return 0;
}

static int geom_field(OGRFeatureDefnH defn, const char *part)
{
    int n = OGR_FD_GetGeomFieldCount(defn);
    for (int i = 0; i < n; i++) {
        const char *name = OGR_GFld_GetNameRef(OGR_FD_GetGeomFieldDefn(defn, i));
        if (name && contains(name, part))
            return i;
    }
    return -1;
}

static int has_field(const cim_src_layer *l, const char *name)
{
    for (size_t i = 0; i < l->field_count; i++)
        if (!strcasecmp(l->fields[i].name, name))
            return 1;
    return 0;
}

static void add_field(cim_src_layer *l, const char *name, cim_field_type type, const char *decl)
{
    l->fields[l->field_count].name = strdup(name);
    l->fields[l->field_count].type = type;
    l->fields[l->field_count].decl = decl;
    l->field_count++;
}

int cim_citygml_bldg_open(cim_citygml_bldg **out, OGRLayerH layer, cim_src_layer *l, const char *source)
{
    *out = NULL;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    if (strcmp(OGR_L_GetName(layer), "Building") || OGR_FD_GetFieldIndex(defn, "measuredHeight") < 0)
        return 0;
    cim_citygml_bldg *b = calloc(1, sizeof *b);
    if (!b)
        return 0;
    b->geom_fields[0] = geom_field(defn, "footprint");
    b->geom_fields[1] = geom_field(defn, "roofedge");
    b->geom_fields[2] = geom_field(defn, "solid");
    if (b->geom_fields[2] < 0 && OGR_FD_GetGeomFieldCount(defn) == 1 && b->geom_fields[0] < 0 && b->geom_fields[1] < 0)
        b->geom_fields[2] = 0; /* no template: the one geometry is the LOD1 solid */
    b->f_height = OGR_FD_GetFieldIndex(defn, "measuredHeight");
    b->f_above = OGR_FD_GetFieldIndex(defn, "storeysAboveGround");
    b->f_below = OGR_FD_GetFieldIndex(defn, "storeysBelowGround");
    b->f_id = OGR_FD_GetFieldIndex(defn, "gml_id");
    b->f_name = OGR_FD_GetFieldIndex(defn, "name");
    b->source = source;
    b->first_extra = l->field_count;
    b->add_guid = !has_field(l, "guid");
    b->add_name = !has_field(l, "name");
    if (b->add_guid)
        add_field(l, "guid", CIM_FIELD_STRING, "TEXT");
    if (b->add_name)
        add_field(l, "name", CIM_FIELD_STRING, "TEXT");
    add_field(l, "height_m", CIM_FIELD_REAL, "REAL");
    add_field(l, "storeys_above", CIM_FIELD_INTEGER, "INTEGER");
    add_field(l, "storeys_below", CIM_FIELD_INTEGER, "INTEGER");
    add_field(l, "footprint_method", CIM_FIELD_STRING, "TEXT");
    add_field(l, "georef_method", CIM_FIELD_STRING, "TEXT");
    add_field(l, "source", CIM_FIELD_STRING, "TEXT");
    l->geom_type = 6; /* MultiPolygon */
    l->has_z = 0;
    *out = b;
    return 1;
}

void cim_citygml_bldg_free(cim_citygml_bldg *b) { free(b); }

static OGRGeometryH flat_multipolygon(OGRGeometryH g)
{
    OGRGeometryH c = OGR_G_Clone(g);
    OGR_G_FlattenTo2D(c);
    return OGR_G_ForceToMultiPolygon(c);
}

/* The union of the solid's faces in plan; faces seen edge-on are skipped. */
static OGRGeometryH ground_projection(OGRGeometryH solid, int *faces)
{
    OGRGeometryH mp = OGR_G_CreateGeometry(wkbMultiPolygon);
    *faces = 0;
    int n = OGR_G_GetGeometryCount(solid);
    for (int i = 0; i < n; i++) {
        OGRGeometryH face = OGR_G_GetGeometryRef(solid, i);
        if (wkbFlatten(OGR_G_GetGeometryType(face)) != wkbPolygon)
            continue;
        OGRGeometryH c = OGR_G_Clone(face);
        OGR_G_FlattenTo2D(c);
        /* Degrees here: 1e-14 square degrees is about 1e-4 m2. */
        if (OGR_G_Area(c) > 1e-14 && OGR_G_IsValid(c)) {
            OGR_G_AddGeometryDirectly(mp, c);
            (*faces)++;
        } else {
            OGR_G_DestroyGeometry(c);
        }
    }
    if (!*faces) {
        OGR_G_DestroyGeometry(mp);
        return NULL;
    }
    OGRGeometryH u = OGR_G_UnionCascaded(mp);
    OGR_G_DestroyGeometry(mp);
    return u ? OGR_G_ForceToMultiPolygon(u) : NULL;
}

OGRGeometryH cim_citygml_bldg_geometry(cim_citygml_bldg *b, OGRFeatureH f)
{
    static const char *const names[] = {"lod0FootPrint", "lod0RoofEdge"};
    snprintf(b->method, sizeof b->method, "none: no LOD0 footprint, roof edge or LOD1 solid");
    for (int k = 0; k < 2; k++) {
        if (b->geom_fields[k] < 0)
            continue;
        OGRGeometryH g = OGR_F_GetGeomFieldRef(f, b->geom_fields[k]);
        if (g && !OGR_G_IsEmpty(g)) {
            snprintf(b->method, sizeof b->method, "%s", names[k]);
            return flat_multipolygon(g);
        }
    }
    if (b->geom_fields[2] >= 0) {
        OGRGeometryH g = OGR_F_GetGeomFieldRef(f, b->geom_fields[2]);
        int faces = 0;
        OGRGeometryH p = g && !OGR_G_IsEmpty(g) ? ground_projection(g, &faces) : NULL;
        if (p) {
            snprintf(b->method, sizeof b->method, "ground projection of the lod1Solid (union of %d faces)", faces);
            return p;
        }
    }
    return NULL;
}

static void set_null(cim_src_value *v)
{
    memset(v, 0, sizeof *v);
    v->is_null = 1;
}

/* A measure or count, with PLATEAU's unknown markers as NULL. */
static void sentinel_number(OGRFeatureH f, int fi, int integer, cim_src_value *v)
{
    set_null(v);
    if (fi < 0 || !OGR_F_IsFieldSetAndNotNull(f, fi))
        return;
    double d = OGR_F_GetFieldAsDouble(f, fi);
    if (!isfinite(d) || d == -9999 || d == 9999)
        return;
    v->is_null = 0;
    v->d = d;
    v->i = integer ? (int64_t)llround(d) : 0;
}

static void text(const char *s, cim_src_value *v)
{
    set_null(v);
    if (s) {
        v->is_null = 0;
        v->s = s;
        v->slen = strlen(s);
    }
}

void cim_citygml_bldg_values(cim_citygml_bldg *b, OGRFeatureH f, const cim_src_layer *l, cim_src_value *values,
                             const char *srs_name)
{
    /* -9999 is never a real value in PLATEAU's numeric attributes. */
    for (size_t i = 0; i < b->first_extra; i++) {
        cim_field_type t = l->fields[i].type;
        cim_src_value *v = &values[i];
        if (v->is_null)
            continue;
        if ((t == CIM_FIELD_REAL && v->d == -9999) ||
            ((t == CIM_FIELD_INTEGER || t == CIM_FIELD_INTEGER64) && v->i == -9999))
            set_null(v);
    }
    size_t k = b->first_extra;
    if (b->add_guid)
        text(b->f_id >= 0 && OGR_F_IsFieldSetAndNotNull(f, b->f_id) ? OGR_F_GetFieldAsString(f, b->f_id) : NULL,
             &values[k++]);
    if (b->add_name)
        text(b->f_name >= 0 && OGR_F_IsFieldSetAndNotNull(f, b->f_name) ? OGR_F_GetFieldAsString(f, b->f_name) : NULL,
             &values[k++]);
    sentinel_number(f, b->f_height, 0, &values[k++]);
    sentinel_number(f, b->f_above, 1, &values[k++]);
    sentinel_number(f, b->f_below, 1, &values[k++]);
    text(b->method, &values[k++]);
    snprintf(b->georef, sizeof b->georef, "srsName of the CityGML file (%s)", srs_name ? srs_name : "none");
    text(b->georef, &values[k++]);
    text(b->source, &values[k++]);
}
