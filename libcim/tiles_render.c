/* tiles_render.c: one tile: its candidate features into tile units (4096
 * per tile side, y down) through tiles_clip.c, tiny polygons coalesced,
 * attributes into the layer tables, then the limits: a coarser grid first,
 * then features dropped (the smallest, points the densest). The rules are
 * described in cim/tiles.h. */
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
static int encode(tl_renderer *r, const tl_frame *fr, const tl_ref *refs, size_t n, pass_stats *ps, int do_gzip)
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
        int rc = tl_emit(r, fr, l, f, &clip_failed);
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
            int32_t x = tl_snap(cx - cell / 2, fr->shift), y = tl_snap(cy - cell / 2, fr->shift), c = (int32_t)cell;
            const int32_t sq[] = {x, y, x + c, y, x + c, y + c, x, y + c};
            mvt_geom_reset(&r->g);
            if (tl_grow_pts(r, 4))
                return -1;
            memcpy(r->pts, sq, sizeof sq);
            if ((rc = tl_put_ring(r, 4, 1)) < 0)
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

static int by_size_desc(const void *a, const void *b, const void *p)
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
static void sort_refs_by_size(const tl_renderer *r, tl_ref *a, size_t n, tl_ref *tmp)
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

/* The sizeless tail of refs sorted by size (points, and lines or polygons
 * of no extent): the others first, then the points in tl_thin_points order,
 * so that the drops from the end take the densest points first. */
static int points_densest_last(const tl_renderer *r, const tl_frame *fr, tl_ref *refs, size_t n, tl_ref *tmp)
{
    size_t tail = n;
    while (tail > 0 && r->layers[refs[tail - 1].layer].f[refs[tail - 1].feat].size == 0)
        tail--;
    size_t k = 0, np = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = tail; i < n; i++) {
            int is_point = r->layers[refs[i].layer].f[refs[i].feat].type == MVT_POINT;
            if (is_point == pass)
                tmp[k++] = refs[i];
            np += pass == 0 && is_point;
        }
    memcpy(refs + tail, tmp, (n - tail) * sizeof *refs);
    return tl_thin_points(r, fr, refs + n - np, np);
}

void tl_frame_at(tl_frame *fr, const tl_limits *lim, int z, uint32_t x, uint32_t y)
{
    const tl_grid *g = lim->grid;
    double size = g->size0 / (double)(1u << z);
    *fr = (tl_frame){g->x0 + x * size, g->y0 - y * size, TL_EXTENT / size, -(double)lim->buffer,
                     TL_EXTENT + (double)lim->buffer, 0};
}

int tl_drop_order(const tl_renderer *r, const tl_frame *fr, tl_ref *refs, size_t n, tl_ref *tmp)
{
    sort_refs_by_size(r, refs, n, tmp);
    return points_densest_last(r, fr, refs, n, tmp);
}

int tl_render_tile(tl_renderer *r, int z, uint32_t x, uint32_t y, const tl_ref *refs, size_t nrefs, uint8_t **out,
                   size_t *out_len, cim_tiles_zoom_stats *st)
{
    *out = NULL;
    *out_len = 0;
    tl_frame fr;
    tl_frame_at(&fr, r->lim, z, x, y);
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
    int64_t dropped = 0, points = 0;
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
        if (tl_drop_order(r, &fr, r->keep, nrefs, r->keep + nrefs))
            goto oom;
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
        for (size_t i = keep; i < nrefs; i++)
            points += r->layers[r->keep[i].layer].f[r->keep[i].feat].type == MVT_POINT;
        dropped = (int64_t)(nrefs - keep) - points;
    }
    if (!r->gz_current && gzip_raw(r))
        goto oom;
    st->simplified_tiles += simplified;
    st->limit_dropped += dropped;
    st->density_dropped += points;
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
