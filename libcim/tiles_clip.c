/* tiles_clip.c: one feature's geometry into a tile's frame: straight from
 * the arenas when it lies inside the buffered tile (the common case, no
 * GEOS), else clipped to the buffered tile with GEOSClipByRect; either way
 * snapped to the frame's grid and rings wound as MVT 2.1 wants. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tiles_int.h"

int tl_grow_pts(tl_renderer *r, size_t n)
{
    if (r->pts_cap >= 2 * n)
        return 0;
    size_t cap = r->pts_cap ? r->pts_cap : 256;
    while (cap < 2 * n)
        cap *= 2;
    int32_t *p = realloc(r->pts, cap * sizeof *p);
    if (!p)
        return -1;
    r->pts = p;
    r->pts_cap = cap;
    return 0;
}

int32_t tl_snap(double u, int shift)
{
    /* round to the grid; clamp far outside values (unclipped fallbacks) to int range */
    double g = (double)(1 << shift), v = floor(u / g + 0.5) * g;
    if (v > 1e9)
        v = 1e9;
    if (v < -1e9)
        v = -1e9;
    return (int32_t)v;
}

/* n tile-unit points (doubles) snapped into r->pts. */
static int snap_units(tl_renderer *r, const double *u, size_t n, int shift)
{
    if (tl_grow_pts(r, n))
        return -1;
    for (size_t i = 0; i < 2 * n; i++)
        r->pts[i] = tl_snap(u[i], shift);
    return 0;
}

/* n Mercator points snapped into r->pts. */
static int snap_merc(tl_renderer *r, const tl_frame *fr, const double *xy, size_t n)
{
    if (tl_grow_pts(r, n))
        return -1;
    for (size_t i = 0; i < n; i++) {
        r->pts[2 * i] = tl_snap((xy[2 * i] - fr->x0) * fr->scale, fr->shift);
        r->pts[2 * i + 1] = tl_snap((fr->y0 - xy[2 * i + 1]) * fr->scale, fr->shift);
    }
    return 0;
}

/* A ring into the command stream, wound as MVT wants (exterior positive). */
int tl_put_ring(tl_renderer *r, size_t n, int exterior)
{
    int64_t a = mvt_ring_area2(r->pts, n);
    int reverse = exterior ? a < 0 : a > 0;
    return mvt_geom_ring(&r->g, r->pts, n, reverse);
}

/* --- the unclipped path: straight from the arenas --- */

static int emit_direct(tl_renderer *r, const tl_frame *fr, const tl_layer *l, const tl_feature *f)
{
    const double *xy = l->coords + f->coord_off;
    const uint32_t *sh = l->shapes + f->shape_off;
    int any = 0, rc;
    if (f->type == MVT_POINT) {
        if (snap_merc(r, fr, xy, f->ncoords))
            return -1;
        size_t k = 0;
        for (size_t i = 0; i < f->ncoords; i++) {
            int32_t x = r->pts[2 * i], y = r->pts[2 * i + 1];
            if (x < fr->lo || x > fr->hi || y < fr->lo || y > fr->hi)
                continue;
            r->pts[2 * k] = x;
            r->pts[2 * k + 1] = y;
            k++;
        }
        return mvt_geom_points(&r->g, r->pts, k);
    }
    uint32_t parts = *sh++;
    for (uint32_t p = 0; p < parts; p++) {
        if (f->type == MVT_LINESTRING) {
            uint32_t n = *sh++;
            if (snap_merc(r, fr, xy, n))
                return -1;
            if ((rc = mvt_geom_line(&r->g, r->pts, n)) < 0)
                return -1;
            any |= rc;
            xy += 2 * (size_t)n;
            continue;
        }
        uint32_t nr = *sh++;
        int ext_ok = 0;
        for (uint32_t k = 0; k < nr; k++) {
            uint32_t n = *sh++;
            if (k == 0 || ext_ok) {
                if (snap_merc(r, fr, xy, n))
                    return -1;
                if ((rc = tl_put_ring(r, n, k == 0)) < 0)
                    return -1;
                if (k == 0)
                    ext_ok = rc;
                any |= rc;
            }
            xy += 2 * (size_t)n;
        }
    }
    return any;
}

/* --- the clipped path: through GEOS --- */

static GEOSGeometry *geos_ring(tl_renderer *r, const tl_frame *fr, const double *xy, uint32_t n, int ring)
{
    if (r->dpts_cap < 2 * (size_t)n) {
        double *d = realloc(r->dpts, 2 * (size_t)n * sizeof *d);
        if (!d)
            return NULL;
        r->dpts = d;
        r->dpts_cap = 2 * (size_t)n;
    }
    for (uint32_t i = 0; i < n; i++) {
        r->dpts[2 * i] = (xy[2 * i] - fr->x0) * fr->scale;
        r->dpts[2 * i + 1] = (fr->y0 - xy[2 * i + 1]) * fr->scale;
    }
    GEOSCoordSequence *cs = GEOSCoordSeq_copyFromBuffer_r(r->h, r->dpts, n, 0, 0);
    if (!cs)
        return NULL;
    return ring ? GEOSGeom_createLinearRing_r(r->h, cs) : GEOSGeom_createLineString_r(r->h, cs);
}

static void destroy_all(GEOSContextHandle_t h, GEOSGeometry **g, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (g[i])
            GEOSGeom_destroy_r(h, g[i]);
}

/* The feature (lines or polygons) as a GEOS multi-geometry in tile units. */
static GEOSGeometry *to_geos(tl_renderer *r, const tl_frame *fr, const tl_layer *l, const tl_feature *f)
{
    const double *xy = l->coords + f->coord_off;
    const uint32_t *sh = l->shapes + f->shape_off;
    uint32_t parts = *sh++;
    GEOSGeometry **gs = calloc(parts ? parts : 1, sizeof *gs);
    if (!gs)
        return NULL;
    int ok = 1;
    for (uint32_t p = 0; p < parts && ok; p++) {
        if (f->type == MVT_LINESTRING) {
            uint32_t n = *sh++;
            ok = n >= 2 && (gs[p] = geos_ring(r, fr, xy, n, 0)) != NULL;
            xy += 2 * (size_t)n;
            continue;
        }
        uint32_t nr = *sh++;
        GEOSGeometry **rings = calloc(nr ? nr : 1, sizeof *rings);
        ok = rings && nr > 0;
        for (uint32_t k = 0; k < nr; k++) {
            uint32_t n = *sh++;
            if (ok)
                ok = n >= 4 && (rings[k] = geos_ring(r, fr, xy, n, 1)) != NULL;
            xy += 2 * (size_t)n;
        }
        if (ok)
            ok = (gs[p] = GEOSGeom_createPolygon_r(r->h, rings[0], rings + 1, nr - 1)) != NULL;
        else if (rings)
            destroy_all(r->h, rings, nr);
        free(rings);
    }
    GEOSGeometry *g = NULL;
    if (ok)
        g = GEOSGeom_createCollection_r(r->h, f->type == MVT_LINESTRING ? GEOS_MULTILINESTRING : GEOS_MULTIPOLYGON,
                                        gs, parts);
    if (!g)
        destroy_all(r->h, gs, parts);
    free(gs);
    return g;
}

static int seq_points(tl_renderer *r, const GEOSGeometry *g, int shift, size_t *n)
{
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(r->h, g);
    unsigned int size = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(r->h, cs, &size))
        return -1;
    if (r->dpts_cap < 2 * (size_t)size) {
        double *d = realloc(r->dpts, 2 * (size_t)size * sizeof *d);
        if (!d)
            return -1;
        r->dpts = d;
        r->dpts_cap = 2 * (size_t)size;
    }
    if (size && !GEOSCoordSeq_copyToBuffer_r(r->h, cs, r->dpts, 0, 0))
        return -1;
    *n = size;
    return snap_units(r, r->dpts, size, shift);
}

/* Emits the lines / polygons of a clipped result (any nesting). */
static int emit_geos(tl_renderer *r, const GEOSGeometry *g, int type, int shift)
{
    int gt = GEOSGeomTypeId_r(r->h, g), any = 0, rc;
    size_t n;
    switch (gt) {
    case GEOS_LINESTRING:
        if (type != MVT_LINESTRING)
            return 0;
        if (seq_points(r, g, shift, &n))
            return -1;
        return mvt_geom_line(&r->g, r->pts, n);
    case GEOS_POLYGON: {
        if (type != MVT_POLYGON)
            return 0;
        if (seq_points(r, GEOSGetExteriorRing_r(r->h, g), shift, &n))
            return -1;
        if ((rc = tl_put_ring(r, n, 1)) <= 0)
            return rc;
        int holes = GEOSGetNumInteriorRings_r(r->h, g);
        for (int i = 0; i < holes; i++) {
            if (seq_points(r, GEOSGetInteriorRingN_r(r->h, g, i), shift, &n) || tl_put_ring(r, n, 0) < 0)
                return -1;
        }
        return 1;
    }
    case GEOS_MULTILINESTRING:
    case GEOS_MULTIPOLYGON:
    case GEOS_GEOMETRYCOLLECTION: {
        int k = GEOSGetNumGeometries_r(r->h, g);
        for (int i = 0; i < k; i++) {
            if ((rc = emit_geos(r, GEOSGetGeometryN_r(r->h, g, i), type, shift)) < 0)
                return -1;
            any |= rc;
        }
        return any;
    }
    default: return 0;
    }
}

/* Returns 1 when geometry was written, 0 when nothing is left, -1 on OOM.
 * *clip_failed is set when GEOS refused and the feature went unclipped. */
int tl_emit(tl_renderer *r, const tl_frame *fr, const tl_layer *l, const tl_feature *f, int *clip_failed)
{
    mvt_geom_reset(&r->g);
    double bx0 = (f->box[0] - fr->x0) * fr->scale, bx1 = (f->box[2] - fr->x0) * fr->scale,
           by0 = (fr->y0 - f->box[3]) * fr->scale, by1 = (fr->y0 - f->box[1]) * fr->scale;
    if (bx1 < fr->lo || bx0 > fr->hi || by1 < fr->lo || by0 > fr->hi)
        return 0;
    if (f->type == MVT_POINT || (bx0 >= fr->lo && bx1 <= fr->hi && by0 >= fr->lo && by1 <= fr->hi))
        return emit_direct(r, fr, l, f);
    GEOSGeometry *g = to_geos(r, fr, l, f);
    GEOSGeometry *c = g ? GEOSClipByRect_r(r->h, g, fr->lo, fr->lo, fr->hi, fr->hi) : NULL;
    int rc;
    if (c) {
        rc = emit_geos(r, c, f->type, fr->shift);
        GEOSGeom_destroy_r(r->h, c);
    } else {
        /* GEOS refused the geometry (e.g. a self-intersecting ring): draw it
         * whole rather than lose it; MVT allows coordinates outside the tile */
        *clip_failed = 1;
        mvt_geom_reset(&r->g);
        rc = emit_direct(r, fr, l, f);
    }
    if (g)
        GEOSGeom_destroy_r(r->h, g);
    return rc;
}
