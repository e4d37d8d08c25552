/* tiles_render.c: one tile: its candidate features into tile units (4096
 * per tile side, y down), clipped to the tile plus a buffer where they
 * cross it (GEOSClipByRect: features wholly inside skip GEOS), snapped to
 * the tile grid, rings wound as MVT 2.1 wants, attributes into the layer
 * tables, then the limits: a coarser grid first, then the smallest
 * features dropped. The rules are described in cim/tiles.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error_int.h"
#include "geos_io_int.h"
#include "tiles_int.h"

#define MAX_SHIFT 3 /* grids of 1, 2, 4, 8 units */

int tl_renderer_init(tl_renderer *r, const tl_layer *layers, size_t nlayers, const tl_limits *lim)
{
    memset(r, 0, sizeof *r);
    r->layers = layers;
    r->nlayers = nlayers;
    r->lim = lim;
    if (!(r->h = cim_geos_context_new()) || !(r->mvt = calloc(nlayers, sizeof *r->mvt)))
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    for (size_t i = 0; i < nlayers; i++)
        if (!(r->mvt[i] = mvt_layer_new(layers[i].name, TL_EXTENT)))
            return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    return 0;
}

void tl_renderer_clear(tl_renderer *r)
{
    for (size_t i = 0; r->mvt && i < r->nlayers; i++)
        mvt_layer_free(r->mvt[i]);
    free(r->mvt);
    if (r->h)
        GEOS_finish_r(r->h);
    mvt_geom_free(&r->g);
    free(r->pts);
    free(r->dpts);
    free(r->tags);
    mvt_buf_free(&r->raw);
    mvt_buf_free(&r->gz);
    free(r->keep);
    memset(r, 0, sizeof *r);
}

/* The tile's frame: tile units from Mercator metres. */
typedef struct frame {
    double x0, y0, scale; /* left, top, units per metre */
    double lo, hi;        /* the buffered rectangle in tile units */
    int shift;            /* snap to multiples of 1 << shift */
} frame;

static int grow_pts(tl_renderer *r, size_t n)
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

static int32_t snap(double u, int shift)
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
    if (grow_pts(r, n))
        return -1;
    for (size_t i = 0; i < 2 * n; i++)
        r->pts[i] = snap(u[i], shift);
    return 0;
}

/* n Mercator points snapped into r->pts. */
static int snap_merc(tl_renderer *r, const frame *fr, const double *xy, size_t n)
{
    if (grow_pts(r, n))
        return -1;
    for (size_t i = 0; i < n; i++) {
        r->pts[2 * i] = snap((xy[2 * i] - fr->x0) * fr->scale, fr->shift);
        r->pts[2 * i + 1] = snap((fr->y0 - xy[2 * i + 1]) * fr->scale, fr->shift);
    }
    return 0;
}

/* A ring into the command stream, wound as MVT wants (exterior positive). */
static int put_ring(tl_renderer *r, size_t n, int exterior)
{
    int64_t a = mvt_ring_area2(r->pts, n);
    int reverse = exterior ? a < 0 : a > 0;
    return mvt_geom_ring(&r->g, r->pts, n, reverse);
}

/* --- the unclipped path: straight from the arenas --- */

static int emit_direct(tl_renderer *r, const frame *fr, const tl_layer *l, const tl_feature *f)
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
                if ((rc = put_ring(r, n, k == 0)) < 0)
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

static GEOSGeometry *geos_ring(tl_renderer *r, const frame *fr, const double *xy, uint32_t n, int ring)
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
static GEOSGeometry *to_geos(tl_renderer *r, const frame *fr, const tl_layer *l, const tl_feature *f)
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
        if ((rc = put_ring(r, n, 1)) <= 0)
            return rc;
        int holes = GEOSGetNumInteriorRings_r(r->h, g);
        for (int i = 0; i < holes; i++) {
            if (seq_points(r, GEOSGetInteriorRingN_r(r->h, g, i), shift, &n) || put_ring(r, n, 0) < 0)
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
static int emit(tl_renderer *r, const frame *fr, const tl_layer *l, const tl_feature *f, int *clip_failed)
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

static int put_tags(tl_renderer *r, mvt_layer *ml, const tl_layer *l, const tl_feature *f, size_t *ntags)
{
    if (r->tags_cap < 2 * (size_t)f->nattr) {
        uint32_t *t = realloc(r->tags, 2 * (size_t)f->nattr * sizeof *t);
        if (!t)
            return -1;
        r->tags = t;
        r->tags_cap = 2 * (size_t)f->nattr;
    }
    *ntags = 0;
    for (uint32_t i = 0; i < f->nattr; i++) {
        const tl_attr *a = &l->attrs[f->attr_off + i];
        mvt_value v = {.type = (mvt_value_type)a->type};
        switch (a->type) {
        case MVT_STRING:
            v.s = l->strings + a->v.s.off;
            v.s_len = a->v.s.len;
            break;
        case MVT_DOUBLE: v.d = a->v.d; break;
        case MVT_UINT: v.u = a->v.u; break;
        default: v.i = a->v.i; break;
        }
        const char *key = l->keys[a->key];
        int64_t k = mvt_layer_key(ml, key, strlen(key)), vi = mvt_layer_value(ml, &v);
        if (k < 0 || vi < 0)
            return -1;
        r->tags[(*ntags)++] = (uint32_t)k;
        r->tags[(*ntags)++] = (uint32_t)vi;
    }
    return 0;
}

typedef struct pass_stats {
    int64_t features, tiny_dropped, tiny_coalesced, clip_failed;
} pass_stats;

static int gzip_raw(tl_renderer *r)
{
    if (!r->lim->gzip) {
        r->gz_current = 1;
        return 0;
    }
    if (r->raw.len && mvt_gzip(&r->gz, r->raw.data, r->raw.len, 6))
        return -1;
    if (!r->raw.len)
        r->gz.len = 0;
    r->gz_current = 1;
    if (r->raw.len && r->gz.len)
        r->ratio = (double)r->gz.len / (double)r->raw.len;
    return 0;
}

/* One encoding of refs at fr->shift into r->raw (and r->gz). */
static int encode(tl_renderer *r, const frame *fr, const tl_ref *refs, size_t n, pass_stats *ps, int do_gzip)
{
    memset(ps, 0, sizeof *ps);
    for (size_t i = 0; i < r->nlayers; i++)
        mvt_layer_reset(r->mvt[i]);
    double cell = (double)(1 << fr->shift), acc = 0;
    for (size_t i = 0; i < n; i++) {
        const tl_layer *l = &r->layers[refs[i].layer];
        const tl_feature *f = &l->f[refs[i].feat];
        mvt_layer *ml = r->mvt[refs[i].layer];
        int clip_failed = 0;
        int rc = emit(r, fr, l, f, &clip_failed);
        if (rc < 0)
            return -1;
        ps->clip_failed += clip_failed;
        if (rc == 0 && f->type != MVT_POINT) {
            /* collapsed on the grid: tiny. Counted once, by the tile holding
             * its centre (the others see it in their buffer only). */
            double cx = ((f->box[0] + f->box[2]) / 2 - fr->x0) * fr->scale,
                   cy = (fr->y0 - (f->box[1] + f->box[3]) / 2) * fr->scale;
            if (cx < 0 || cx >= TL_EXTENT || cy < 0 || cy >= TL_EXTENT)
                continue;
            if (f->type == MVT_LINESTRING) {
                ps->tiny_dropped++;
                continue;
            }
            acc += f->size * fr->scale * fr->scale;
            if (acc < cell * cell) {
                ps->tiny_dropped++;
                continue;
            }
            acc -= cell * cell;
            int32_t x = snap(cx - cell / 2, fr->shift), y = snap(cy - cell / 2, fr->shift), c = (int32_t)cell;
            const int32_t sq[] = {x, y, x + c, y, x + c, y + c, x, y + c};
            mvt_geom_reset(&r->g);
            if (grow_pts(r, 4))
                return -1;
            memcpy(r->pts, sq, sizeof sq);
            if ((rc = put_ring(r, 4, 1)) < 0)
                return -1;
            ps->tiny_coalesced++;
        }
        if (rc == 0)
            continue;
        size_t ntags = 0;
        if (put_tags(r, ml, l, f, &ntags) ||
            mvt_layer_add(ml, &f->id, (mvt_geom_type)f->type, r->tags, ntags, &r->g))
            return -1;
        ps->features++;
    }
    r->raw.len = 0;
    if (mvt_tile_encode(&r->raw, r->mvt, r->nlayers))
        return -1;
    r->gz_current = !r->lim->gzip; /* without gzip the raw bytes are the result */
    if (do_gzip)
        return gzip_raw(r);
    return 0;
}

static const mvt_buf *result(const tl_renderer *r)
{
    return r->lim->gzip ? &r->gz : &r->raw;
}

/* The stored size: exact once gzipped, else estimated from the raw size and
 * the tile's last compression ratio (gzip is most of a retry's cost, so the
 * retries that cannot fit skip it). */
static double stored_size(const tl_renderer *r)
{
    if (!r->lim->gzip)
        return (double)r->raw.len;
    return r->gz_current ? (double)r->gz.len : (double)r->raw.len * r->ratio;
}

static int over(const tl_renderer *r, const pass_stats *ps)
{
    return stored_size(r) > (double)r->lim->max_bytes || (size_t)ps->features > r->lim->max_features;
}

/* After a retry without gzip: when the estimate fits, compress to know. */
static int settle(tl_renderer *r, const pass_stats *ps)
{
    if (r->lim->gzip && !r->gz_current && !over(r, ps))
        return gzip_raw(r);
    return 0;
}

static int by_size_desc(const void *a, const void *b, void *p)
{
    const tl_renderer *r = p;
    const tl_ref *x = a, *y = b;
    double sx = r->layers[x->layer].f[x->feat].size, sy = r->layers[y->layer].f[y->feat].size;
    return sx > sy ? -1 : sx < sy ? 1 : 0;
}

static int by_layer_feat(const void *a, const void *b)
{
    const tl_ref *x = a, *y = b;
    if (x->layer != y->layer)
        return x->layer < y->layer ? -1 : 1;
    return x->feat < y->feat ? -1 : x->feat > y->feat ? 1 : 0;
}

/* qsort_r is glibc's; keep a merge of our own to stay portable C17. */
static void sort_refs_by_size(tl_renderer *r, tl_ref *a, size_t n, tl_ref *tmp)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    sort_refs_by_size(r, a, h, tmp);
    sort_refs_by_size(r, a + h, n - h, tmp);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = by_size_desc(&a[j], &a[i], r) < 0 ? a[j++] : a[i++];
    while (i < h)
        tmp[k++] = a[i++];
    while (j < n)
        tmp[k++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
}

int tl_render_tile(tl_renderer *r, int z, uint32_t x, uint32_t y, const tl_ref *refs, size_t nrefs, uint8_t **out,
                   size_t *out_len, cim_tiles_zoom_stats *st)
{
    *out = NULL;
    *out_len = 0;
    const tl_grid *g = r->lim->grid;
    double size = g->size0 / (double)(1u << z);
    frame fr = {g->x0 + x * size, g->y0 - y * size, TL_EXTENT / size, -(double)r->lim->buffer,
                TL_EXTENT + (double)r->lim->buffer, 0};
    pass_stats ps;
    r->ratio = 1;
    if (encode(r, &fr, refs, nrefs, &ps, 1))
        goto oom;
    int simplified = 0;
    while (over(r, &ps) && fr.shift < MAX_SHIFT) {
        size_t before = r->raw.len;
        fr.shift++;
        simplified = 1;
        if (encode(r, &fr, refs, nrefs, &ps, 0) || settle(r, &ps))
            goto oom;
        /* a coarser grid that saves under a tenth will not save enough: go on to dropping */
        if ((double)r->raw.len > 0.9 * (double)before)
            break;
    }
    int64_t dropped = 0;
    if (over(r, &ps)) {
        /* keep the largest features: shrink the kept count in proportion to the excess */
        if (r->keep_cap < 2 * nrefs) {
            tl_ref *k = realloc(r->keep, 2 * nrefs * sizeof *k);
            if (!k)
                goto oom;
            r->keep = k;
            r->keep_cap = 2 * nrefs;
        }
        memcpy(r->keep, refs, nrefs * sizeof *refs);
        sort_refs_by_size(r, r->keep, nrefs, r->keep + nrefs);
        size_t keep = nrefs;
        while ((over(r, &ps) || !r->gz_current) && keep > 0) {
            /* bytes: in proportion, with a margin; features: exactly the excess */
            double next = (double)keep;
            if (stored_size(r) > (double)r->lim->max_bytes)
                next = fmin(next, (double)keep * (double)r->lim->max_bytes / stored_size(r) * 0.95);
            if ((size_t)ps.features > r->lim->max_features)
                next = fmin(next, (double)keep - (double)((size_t)ps.features - r->lim->max_features));
            keep = next < (double)keep && next >= 0 ? (size_t)next : keep - 1;
            tl_ref *sorted = r->keep + nrefs;
            memcpy(sorted, r->keep, keep * sizeof *sorted);
            qsort(sorted, keep, sizeof *sorted, by_layer_feat);
            if (encode(r, &fr, sorted, keep, &ps, 0) || settle(r, &ps))
                goto oom;
        }
        dropped = (int64_t)(nrefs - keep);
    }
    if (!r->gz_current && gzip_raw(r))
        goto oom;
    st->simplified_tiles += simplified;
    st->limit_dropped += dropped;
    st->tiny_dropped += ps.tiny_dropped;
    st->tiny_coalesced += ps.tiny_coalesced;
    st->clip_failed += ps.clip_failed;
    const mvt_buf *res = result(r);
    if (!ps.features || !r->raw.len)
        return 0;
    if (!(*out = malloc(res->len)))
        goto oom;
    memcpy(*out, res->data, res->len);
    *out_len = res->len;
    st->tiles++;
    st->features += ps.features;
    st->bytes += (int64_t)res->len;
    if ((int64_t)res->len > st->max_tile_bytes)
        st->max_tile_bytes = (int64_t)res->len;
    return 0;
oom:
    return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "tile %d/%u/%u: out of memory", z, x, y);
}
