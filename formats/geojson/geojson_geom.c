/* geojson_geom.c: GeoJSON geometry objects for the reader. The schema pass
 * validates them and notes their type and whether they have Z (what that
 * means for the layer is geojson_feature.c's); the feature pass writes them
 * as ISO WKB (little-endian) into the reader's reused buffer. */
#include "geojson_int.h"

#include <stdint.h>
#include <string.h>

#define GJ_MAX_GC_DEPTH 32      /* GeometryCollections inside each other */

const char *const gj_geom_names[] = {
    "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString",
    "MultiPolygon", "GeometryCollection", NULL
};

/* ------------------------------------------------------------------------ */
/* WKB output                                                                */
/* ------------------------------------------------------------------------ */

static int wkb_reserve(gj_reader *r, size_t n)
{
    if (r->wkb_len + n <= r->wkb_cap) return GJ_OK;
    return gj_grow(r, (void **)&r->wkb, &r->wkb_cap, r->wkb_len + n, 1);
}

/* Little-endian stores (WKB byte order 1) whatever the host order. */
static inline void put_u32(gj_reader *r, size_t at, uint32_t v)
{
    unsigned char *o = r->wkb + at;
    o[0] = (unsigned char)v;
    o[1] = (unsigned char)(v >> 8);
    o[2] = (unsigned char)(v >> 16);
    o[3] = (unsigned char)(v >> 24);
}

static inline void put_f64(gj_reader *r, double d)
{
    unsigned char *o = r->wkb + r->wkb_len;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(o, &d, 8);
#else
    uint64_t b;
    memcpy(&b, &d, 8);
    for (int i = 0; i < 8; i++) o[i] = (unsigned char)(b >> (8 * i));
#endif
    r->wkb_len += 8;
}

/* Byte order and ISO type (1000 added for Z) of a geometry. */
static int wkb_header(gj_reader *r, int type, int dimz)
{
    TRY(wkb_reserve(r, 5));
    r->wkb[r->wkb_len] = 1;
    put_u32(r, r->wkb_len + 1, (uint32_t)(type + (dimz ? 1000 : 0)));
    r->wkb_len += 5;
    return GJ_OK;
}

/* Reserves a count to patch once the elements are read. */
static int wkb_count_slot(gj_reader *r, size_t *at)
{
    TRY(wkb_reserve(r, 4));
    *at = r->wkb_len;
    r->wkb_len += 4;
    return GJ_OK;
}

/* ------------------------------------------------------------------------ */
/* Geometry objects                                                          */
/* ------------------------------------------------------------------------ */

/* Schema pass over a coordinate: only checks it. The common shapes (no
 * exponent, integer part short enough that neither int64 nor double range is
 * in question) are just skipped; anything else takes the full path, which
 * also gives the precise message for malformed numbers. It lives here, not in
 * geojson_num.c, so that it inlines into geom_position(), the loop over
 * every coordinate of the file. */
static int skip_coordinate(gj_reader *r)
{
    const unsigned char *p = r->p, *end = r->end, *digits;
    gj_num n;
    if (p < end && *p == '-') p++;
    digits = p;
    if (p < end && *p >= '1' && *p <= '9') {
        while (p < end && is_digit(*p)) p++;
    } else if (p < end && *p == '0') {
        p++;
    } else {
        goto full;
    }
    if (p - digits > 18) goto full;
    if (p < end && *p == '.') {
        p++;
        if (p >= end || !is_digit(*p)) goto full;
#if GJ_SWAR
        {
            uint64_t x;
            while (end - p >= 8 && eight_digits(p, &x)) p += 8;
        }
#endif
        while (p < end && is_digit(*p)) p++;
    }
    if (p < end && (*p == 'e' || *p == 'E' || is_digit(*p))) goto full;
    r->p = p;
    return GJ_OK;
full:
    TRY(gj_scan_number(r, &n));
    return gj_num_check(r, &n);
}

/* One position [x, y, z?, ...]. GDAL uses the first three values (a fourth,
 * M, is ignored); a missing Z in a 3D geometry is written as 0. */
static int geom_position(gj_reader *r, gj_geom *g)
{
    int empty, more = 1, nv = 0;
    double xyz[3] = {0, 0, 0};
    const unsigned char *at;
    skip_ws(r);
    at = r->p;
    TRY(gj_open_array(r, &empty, "'[' starting a position"));
    if (empty) return gj_fail(r, GJ_UNSUPPORTED, at, "empty position [] (GDAL reads the geometry as null)");
    while (more) {
        gj_num n;
        skip_ws(r);
        if (r->p >= r->end || !(*r->p == '-' || is_digit(*r->p))) {
            if (r->p < r->end && (*r->p == 'N' || *r->p == 'I'))
                return gj_fail(r, GJ_ERROR, r->p, "NaN and Infinity are not JSON numbers");
            return gj_fail_expected(r, "a number in a position");
        }
        if (g->mode == MODE_EMIT) {
            TRY(gj_scan_number(r, &n));
            if (nv < 3) TRY(gj_num_double(r, &n, &xyz[nv]));
        } else {
            TRY(skip_coordinate(r));
        }
        nv++;
        TRY(next_element(r, &more));
    }
    if (nv < 2) return gj_fail(r, GJ_ERROR, at, "a position needs at least 2 numbers, found %d", nv);
    if (nv >= 3) g->anyz = 1;
    if (g->mode == MODE_EMIT) {
        TRY(wkb_reserve(r, 24));
        put_f64(r, xyz[0]);
        put_f64(r, xyz[1]);
        if (g->dimz) put_f64(r, xyz[2]);
    }
    return GJ_OK;
}

/* An array of positions: a LineString, a ring, or MultiPoint coordinates
 * (then each point gets its own WKB header). Empty arrays are allowed only
 * where GDAL makes an empty geometry of them (allow_empty). */
static int geom_positions(gj_reader *r, gj_geom *g, int as_points, int allow_empty)
{
    int empty, more = 1;
    size_t slot = 0;
    uint32_t count = 0;
    const unsigned char *at;
    skip_ws(r);
    at = r->p;
    TRY(gj_open_array(r, &empty, "'[' starting an array of positions"));
    if (g->mode == MODE_EMIT) TRY(wkb_count_slot(r, &slot));
    if (empty) {
        if (!allow_empty) return gj_fail(r, GJ_UNSUPPORTED, at, "empty ring or part [] (GDAL drops or "
                                         "nullifies it)");
        if (g->mode == MODE_EMIT) put_u32(r, slot, 0);
        return GJ_OK;
    }
    while (more) {
        if (as_points && g->mode == MODE_EMIT) TRY(wkb_header(r, G_POINT, g->dimz));
        TRY(geom_position(r, g));
        count++;
        TRY(next_element(r, &more));
    }
    if (g->mode == MODE_EMIT) put_u32(r, slot, count);
    return GJ_OK;
}

/* Polygon coordinates: an array of rings. */
static int geom_rings(gj_reader *r, gj_geom *g)
{
    int empty, more = 1;
    size_t slot = 0;
    uint32_t count = 0;
    const unsigned char *at;
    skip_ws(r);
    at = r->p;
    TRY(gj_open_array(r, &empty, "'[' starting an array of rings"));
    if (empty) return gj_fail(r, GJ_UNSUPPORTED, at, "Polygon with no rings [] (GDAL reads it as null)");
    if (g->mode == MODE_EMIT) TRY(wkb_count_slot(r, &slot));
    while (more) {
        TRY(geom_positions(r, g, 0, 0));
        count++;
        TRY(next_element(r, &more));
    }
    if (g->mode == MODE_EMIT) put_u32(r, slot, count);
    return GJ_OK;
}

/* MultiLineString / MultiPolygon coordinates: an array of parts, each with
 * its own WKB header. */
static int geom_parts(gj_reader *r, gj_geom *g, int part_type)
{
    int empty, more = 1;
    size_t slot = 0;
    uint32_t count = 0;
    TRY(gj_open_array(r, &empty, "'[' starting an array of parts"));
    if (g->mode == MODE_EMIT) TRY(wkb_count_slot(r, &slot));
    while (!empty && more) {
        if (g->mode == MODE_EMIT) TRY(wkb_header(r, part_type, g->dimz));
        if (part_type == G_LINESTRING) TRY(geom_positions(r, g, 0, 0));
        else TRY(geom_rings(r, g));
        count++;
        TRY(next_element(r, &more));
    }
    if (g->mode == MODE_EMIT) put_u32(r, slot, count);
    return GJ_OK;
}

/* The "coordinates" value of a geometry of the given type. */
static int geom_coordinates(gj_reader *r, gj_geom *g, int type)
{
    switch (type) {
    case G_POINT: return geom_position(r, g);
    case G_LINESTRING: return geom_positions(r, g, 0, 1);
    case G_POLYGON: return geom_rings(r, g);
    case G_MULTIPOINT: return geom_positions(r, g, 1, 1);
    case G_MULTILINESTRING: return geom_parts(r, g, G_LINESTRING);
    default: return geom_parts(r, g, G_POLYGON);
    }
}

/* The "geometries" array of a GeometryCollection. */
static int geom_members(gj_reader *r, gj_geom *g, int depth)
{
    int empty, more = 1;
    size_t slot = 0;
    uint32_t count = 0;
    TRY(gj_open_array(r, &empty, "'[' starting the geometries of a GeometryCollection"));
    if (g->mode == MODE_EMIT) TRY(wkb_count_slot(r, &slot));
    while (!empty && more) {
        skip_ws(r);
        if (r->p >= r->end || *r->p != '{')
            return gj_fail_kind(r, "a GeometryCollection member is not a geometry object");
        TRY(gj_geom_object(r, g, depth + 1));
        count++;
        TRY(next_element(r, &more));
    }
    if (g->mode == MODE_EMIT) put_u32(r, slot, count);
    return GJ_OK;
}

/* The geometry type named by a "type" value. */
static int geom_type_of(gj_reader *r, const unsigned char *at, const char *t, size_t tlen, int *type)
{
    for (int i = 0; gj_geom_names[i]; i++) {
        if (key_is(t, tlen, gj_geom_names[i])) { *type = i + 1; return GJ_OK; }
        if (gj_key_is_ci(t, tlen, gj_geom_names[i]))
            return gj_fail(r, GJ_UNSUPPORTED, at, "geometry type \"%.*s\" in non-standard case (GDAL "
                           "accepts it)", (int)tlen, t);
    }
    return gj_fail(r, GJ_ERROR, at, "unknown geometry type \"%.*s\"", (int)(tlen > 60 ? 60 : tlen), t);
}

/* A geometry object. Its members may come in any order: when "coordinates"
 * (or "geometries") precede "type", their position is remembered, the value
 * skipped, and read again once the type is known. */
int gj_geom_object(gj_reader *r, gj_geom *g, int depth)
{
    static const char *const reserved[] = { "type", "coordinates", "geometries", "bbox", "crs", NULL };
    int empty, more = 1, type = 0, seen_body = 0, body_gc = 0;
    const unsigned char *obj = r->p, *body = NULL;
    size_t body_line = 0;
    if (depth > GJ_MAX_GC_DEPTH)
        return gj_fail(r, GJ_UNSUPPORTED, r->p, "GeometryCollections nested deeper than %d", GJ_MAX_GC_DEPTH);
    TRY(gj_open_object(r, &empty));
    while (!empty && more) {
        const char *k;
        size_t kl;
        gj_span ks;
        const unsigned char *at = r->p;
        TRY(gj_scan_key(r, &k, &kl, &ks));
        skip_ws(r);
        if (key_is(k, kl, "type")) {
            gj_span ts;
            const char *t;
            size_t tl;
            const unsigned char *vat = r->p;
            if (type) return gj_fail(r, GJ_UNSUPPORTED, at, "geometry has two \"type\" members");
            if (r->p >= r->end || *r->p != '"') return gj_fail_expected(r, "a geometry type string");
            TRY(gj_scan_string(r, &ts));
            TRY(gj_key_text(r, &ts, &t, &tl));
            TRY(geom_type_of(r, vat, t, tl, &type));
            if (depth == 0) g->type = type;
            if (g->mode == MODE_EMIT) TRY(wkb_header(r, type, g->dimz));
        } else if (key_is(k, kl, "coordinates") || key_is(k, kl, "geometries")) {
            int is_gc_key = key_is(k, kl, "geometries");
            if (type && (type == G_COLLECTION) == is_gc_key) {
                if (seen_body) return gj_fail(r, GJ_UNSUPPORTED, at, "geometry has two \"%.*s\" members",
                                              (int)kl, k);
                seen_body = 1;
                if (is_gc_key) TRY(geom_members(r, g, depth));
                else TRY(geom_coordinates(r, g, type));
            } else if (!type) {
                if (body) return gj_fail(r, GJ_UNSUPPORTED, at, "geometry has several \"coordinates\" or "
                                         "\"geometries\" members before its \"type\"");
                body = r->p;
                body_line = r->line;
                body_gc = is_gc_key;
                TRY(gj_skip_value(r));
            } else {
                TRY(gj_skip_value(r));           /* "geometries" of a Point: GDAL ignores it */
            }
        } else if (key_is(k, kl, "crs")) {
            return gj_fail(r, GJ_UNSUPPORTED, at, "geometry has its own \"crs\" member");
        } else if (gj_reserved_variant(k, kl, reserved)) {
            return gj_fail(r, GJ_UNSUPPORTED, at, "geometry member \"%.*s\" in non-standard case",
                           (int)kl, k);
        } else {
            TRY(gj_skip_value(r));               /* bbox, foreign members */
        }
        TRY(next_member(r, &more));
    }
    if (!type) return gj_fail(r, GJ_ERROR, obj, "geometry object without a \"type\" member");
    if (!seen_body && body && body_gc == (type == G_COLLECTION)) {
        const unsigned char *after = r->p;
        size_t after_line = r->line;
        r->p = body;
        r->line = body_line;
        if (type == G_COLLECTION) TRY(geom_members(r, g, depth));
        else TRY(geom_coordinates(r, g, type));
        seen_body = 1;
        r->p = after;
        r->line = after_line;
    }
    if (!seen_body)
        return gj_fail(r, GJ_ERROR, obj, "%s without a \"%s\" member", gj_geom_names[type - 1],
                       type == G_COLLECTION ? "geometries" : "coordinates");
    return GJ_OK;
}
