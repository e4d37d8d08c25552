/* geom_check.c: validity and repair with GEOS. Invalid input is repaired,
 * never dropped: the caller counts repairs and records them in cim_runs. */
#include "geom_check_int.h"

#include <geos_c.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error_int.h"

struct cim_geom_checker {
    GEOSContextHandle_t h;
    GEOSWKBReader *reader;
    GEOSWKBWriter *writer2, *writer3;
    GEOSMakeValidParams *params;
    char geos_msg[512];
};

static void geos_message(const char *fmt, ...)
{
    (void)fmt; /* GEOS notices are not errors; failures come back as NULL. */
}

static void geos_error(const char *msg, void *payload)
{
    cim_geom_checker *c = payload;
    snprintf(c->geos_msg, sizeof c->geos_msg, "%s", msg);
}

int cim_geom_checker_new(cim_geom_checker **out)
{
    cim_geom_checker *c = calloc(1, sizeof *c);
    if (!c)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    c->h = GEOS_init_r();
    GEOSContext_setNoticeHandler_r(c->h, geos_message);
    GEOSContext_setErrorMessageHandler_r(c->h, geos_error, c);
    c->reader = GEOSWKBReader_create_r(c->h);
    c->writer2 = GEOSWKBWriter_create_r(c->h);
    c->writer3 = GEOSWKBWriter_create_r(c->h);
    GEOSWKBWriter_setByteOrder_r(c->h, c->writer2, GEOS_WKB_NDR);
    GEOSWKBWriter_setByteOrder_r(c->h, c->writer3, GEOS_WKB_NDR);
    GEOSWKBWriter_setFlavor_r(c->h, c->writer2, GEOS_WKB_ISO);
    GEOSWKBWriter_setFlavor_r(c->h, c->writer3, GEOS_WKB_ISO);
    GEOSWKBWriter_setOutputDimension_r(c->h, c->writer2, 2);
    GEOSWKBWriter_setOutputDimension_r(c->h, c->writer3, 3);
    c->params = GEOSMakeValidParams_create_r(c->h);
    /* "structure" keeps polygon area as drawn (holes stay holes) and drops
     * collapsed parts; "linework" would turn figure-eights into two polygons
     * but also keep collapsed spikes as lines. */
    GEOSMakeValidParams_setMethod_r(c->h, c->params, GEOS_MAKE_VALID_STRUCTURE);
    GEOSMakeValidParams_setKeepCollapsed_r(c->h, c->params, 0);
    *out = c;
    return CIM_OK;
}

void cim_geom_checker_free(cim_geom_checker *c)
{
    if (!c)
        return;
    GEOSMakeValidParams_destroy_r(c->h, c->params);
    GEOSWKBReader_destroy_r(c->h, c->reader);
    GEOSWKBWriter_destroy_r(c->h, c->writer2);
    GEOSWKBWriter_destroy_r(c->h, c->writer3);
    GEOS_finish_r(c->h);
    free(c);
}

/* The topological dimension of a geometry type: 0 points, 1 lines, 2 areas. */
static int dimension_of(GEOSContextHandle_t h, const GEOSGeometry *g)
{
    int t = GEOSGeomTypeId_r(h, g);
    switch (t) {
    case GEOS_POINT:
    case GEOS_MULTIPOINT:
        return 0;
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
    case GEOS_MULTILINESTRING:
        return 1;
    case GEOS_POLYGON:
    case GEOS_MULTIPOLYGON:
        return 2;
    default:
        return GEOSGeom_getDimensions_r(h, g);
    }
}

/* Keeps the parts of dimension dim from a MakeValid result (which can mix
 * polygons with the lines of collapsed spikes). Returns a new geometry or NULL
 * when nothing of that dimension is left. */
static GEOSGeometry *keep_dimension(GEOSContextHandle_t h, GEOSGeometry *g, int dim)
{
    if (GEOSGeomTypeId_r(h, g) != GEOS_GEOMETRYCOLLECTION)
        return dimension_of(h, g) == dim && !GEOSisEmpty_r(h, g) ? GEOSGeom_clone_r(h, g) : NULL;
    int n = GEOSGetNumGeometries_r(h, g);
    GEOSGeometry **parts = calloc((size_t)n + 1, sizeof *parts);
    unsigned kept = 0;
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *p = GEOSGetGeometryN_r(h, g, i);
        int pt = GEOSGeomTypeId_r(h, p);
        if (dimension_of(h, p) != dim || GEOSisEmpty_r(h, p))
            continue;
        /* Flatten multi parts so the result is a single multi-geometry. */
        if (pt == GEOS_MULTIPOLYGON || pt == GEOS_MULTILINESTRING || pt == GEOS_MULTIPOINT) {
            int m = GEOSGetNumGeometries_r(h, p);
            parts = realloc(parts, ((size_t)n + (size_t)m + 1) * sizeof *parts);
            for (int j = 0; j < m; j++)
                parts[kept++] = GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, p, j));
        } else {
            parts[kept++] = GEOSGeom_clone_r(h, p);
        }
    }
    GEOSGeometry *res = NULL;
    if (kept > 0) {
        int type = dim == 2 ? GEOS_MULTIPOLYGON : dim == 1 ? GEOS_MULTILINESTRING : GEOS_MULTIPOINT;
        res = GEOSGeom_createCollection_r(h, type, parts, kept);
    }
    free(parts);
    return res;
}

int cim_geom_check(cim_geom_checker *c, const uint8_t *wkb, size_t len, cim_buf *out, char *reason,
                   size_t reason_len)
{
    GEOSContextHandle_t h = c->h;
    c->geos_msg[0] = '\0';
    GEOSGeometry *g = GEOSWKBReader_read_r(h, c->reader, wkb, len);
    if (!g)
        return cim_error_set(CIM_EGEOMETRY, CIM_ERRCLASS_GEOS, "geometry not readable by GEOS: %s", c->geos_msg);
    char valid = GEOSisValid_r(h, g);
    if (valid == 1) {
        GEOSGeom_destroy_r(h, g);
        return CIM_GEOM_VALID;
    }
    char *why = GEOSisValidReason_r(h, g);
    snprintf(reason, reason_len, "%s", why ? why : "invalid");
    GEOSFree_r(h, why);
    int dim = dimension_of(h, g);
    int has_z = GEOSHasZ_r(h, g) == 1;
    GEOSGeometry *fixed = GEOSMakeValidWithParams_r(h, g, c->params);
    GEOSGeometry *kept = fixed ? keep_dimension(h, fixed, dim) : NULL;
    GEOSGeom_destroy_r(h, g);
    GEOSGeom_destroy_r(h, fixed);
    if (!kept)
        return cim_error_set(CIM_EGEOMETRY, CIM_ERRCLASS_GEOS,
                             "invalid geometry (%s) has nothing of dimension %d left after repair%s%s", reason,
                             dim, c->geos_msg[0] ? ": " : "", c->geos_msg);
    size_t n = 0;
    unsigned char *bytes = GEOSWKBWriter_write_r(h, has_z ? c->writer3 : c->writer2, kept, &n);
    GEOSGeom_destroy_r(h, kept);
    if (!bytes)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_GEOS, "GEOS could not write a repaired geometry: %s",
                             c->geos_msg);
    out->len = 0;
    if (cim_buf_reserve(out, n)) {
        GEOSFree_r(h, bytes);
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    }
    cim_buf_put(out, bytes, n);
    GEOSFree_r(h, bytes);
    return CIM_GEOM_REPAIRED;
}
