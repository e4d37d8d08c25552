/* aggregate_blocks.c: one group's parcels dissolved: the checked coverage
 * union with its unary-union fallback, and the split into contiguous blocks
 * (union-find over an STRtree of the parcels). */
#include "aggregate_int.h"
#include "plane_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error_int.h"

/* Above this many coordinates a parcel is prepared before testing its
 * neighbours; below it a plain predicate is cheaper than the preparation. */
#define PREPARE_MIN_COORDS 64

void cim_agg_blocks_free(cim_agg_block *blocks, size_t n)
{
    if (!blocks)
        return;
    for (size_t i = 0; i < n; i++)
        free(blocks[i].wkb);
    free(blocks);
}

/* The result u of a fast union is accepted only when it is valid (proven by
 * cim_agg_rings_check, or by GEOS) and its area equals the summed parcel
 * areas (what a true coverage gives). */
static int union_ok(GEOSContextHandle_t h, const GEOSGeometry *u, int proven, double sum_area)
{
    double a = 0;
    return u && (proven || GEOSisValid_r(h, u) == 1) && GEOSArea_r(h, u, &a) &&
           fabs(a - sum_area) <= 1e-9 * sum_area;
}

/* The union of members (taken, destroyed). First cim's edge-cancelling dissolve,
 * then GEOS 3.11's coverage union (which returns NULL on T-junctions and can
 * return an invalid or too large result where parcels overlap), each
 * checked; else the unary union, counted in *fallbacks. */
static GEOSGeometry *union_checked(GEOSContextHandle_t h, GEOSGeometry **members, size_t n, double sum_area,
                                   int64_t *fallbacks)
{
    int proven = 0;
    GEOSGeometry *u = cim_agg_coverage_dissolve(h, members, n, &proven);
    if (union_ok(h, u, proven, sum_area)) {
        for (size_t i = 0; i < n; i++)
            GEOSGeom_destroy_r(h, members[i]);
        return u;
    }
    if (u)
        GEOSGeom_destroy_r(h, u);
    GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, members, (unsigned int)n);
    if (!coll) {
        for (size_t i = 0; i < n; i++)
            GEOSGeom_destroy_r(h, members[i]);
        cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_GEOS, "GEOS: cannot collect %zu parcels", n);
        return NULL;
    }
    u = GEOSCoverageUnion_r(h, coll);
    if (!union_ok(h, u, 0, sum_area)) {
        if (u)
            GEOSGeom_destroy_r(h, u);
        cim_error_clear();
        (*fallbacks)++;
        u = GEOSUnaryUnion_r(h, coll);
        if (!u && !cim_error_last())
            cim_error_set(CIM_EGEOMETRY, CIM_ERRCLASS_GEOS, "GEOS: the union failed");
    }
    GEOSGeom_destroy_r(h, coll);
    return u;
}

/* Unions members (taken, destroyed) into block b. */
static int make_block(cim_geos_io *io, GEOSGeometry **members, size_t n, cim_agg_block *b, int64_t *fallbacks)
{
    GEOSContextHandle_t h = io->h;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        double a = 0;
        GEOSArea_r(h, members[i], &a);
        sum += a;
    }
    GEOSGeometry *u;
    if (n == 1) {
        u = members[0];
    } else {
        u = union_checked(h, members, n, sum, fallbacks);
        if (!u)
            return cim_error_last() ? cim_error_last()->code : CIM_EGEOMETRY;
    }
    int rc = CIM_OK;
    if (!GEOSArea_r(h, u, &b->area))
        rc = cim_error_set(CIM_EGEOMETRY, CIM_ERRCLASS_GEOS, "GEOS: cannot measure a union");
    b->parcels = (int64_t)n;
    size_t len = 0;
    unsigned char *w = rc ? NULL : cim_geos_to_wkb(io, u, &len);
    if (!rc && !w)
        rc = cim_error_last() ? cim_error_last()->code : CIM_EGEOMETRY;
    if (w) {
        b->wkb = malloc(len);
        if (b->wkb) {
            memcpy(b->wkb, w, len);
            b->wkb_len = len;
        } else {
            rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        }
        GEOSFree_r(h, w);
    }
    GEOSGeom_destroy_r(h, u);
    return rc;
}

/* ---- contiguity ---- */

static void uf_union(size_t *parent, size_t a, size_t b)
{
    a = cim_uf_find(parent, a);
    b = cim_uf_find(parent, b);
    if (a < b)
        parent[b] = a;
    else if (b < a)
        parent[a] = b;
}

typedef struct hits {
    size_t *v;
    size_t n, cap;
    size_t self;
    int oom;
} hits;

static void collect(void *item, void *payload)
{
    hits *hs = payload;
    size_t j = *(const size_t *)item;
    if (j <= hs->self)
        return; /* each pair once, from its lower index */
    if (hs->n == hs->cap) {
        size_t cap = hs->cap ? hs->cap * 2 : 32;
        size_t *v = realloc(hs->v, cap * sizeof *v);
        if (!v) {
            hs->oom = 1;
            return;
        }
        hs->v = v;
        hs->cap = cap;
    }
    hs->v[hs->n++] = j;
}

typedef struct block_ref {
    double minx, miny;
    size_t first;         /* lowest parcel index: the tie-break */
    size_t start, count;  /* range in the member list */
} block_ref;

static int block_cmp(const void *a, const void *b)
{
    const block_ref *x = a, *y = b;
    if (x->minx != y->minx)
        return x->minx < y->minx ? -1 : 1;
    if (x->miny != y->miny)
        return x->miny < y->miny ? -1 : 1;
    return x->first < y->first ? -1 : x->first > y->first;
}

/* parent[] gets the union-find forest of "touches or lies within gap". */
static int link_parcels(GEOSContextHandle_t h, GEOSGeometry **geoms, size_t n, double gap, size_t *parent,
                        size_t *idx)
{
    GEOSSTRtree *tree = GEOSSTRtree_create_r(h, 10);
    if (!tree)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_GEOS, "GEOS: cannot create an STRtree");
    for (size_t i = 0; i < n; i++) {
        idx[i] = i;
        parent[i] = i;
        GEOSSTRtree_insert_r(h, tree, geoms[i], &idx[i]);
    }
    hits hs = {0};
    int rc = CIM_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        hs.n = 0;
        hs.self = i;
        if (gap > 0) {
            double x0, y0, x1, y1;
            GEOSGeom_getXMin_r(h, geoms[i], &x0);
            GEOSGeom_getYMin_r(h, geoms[i], &y0);
            GEOSGeom_getXMax_r(h, geoms[i], &x1);
            GEOSGeom_getYMax_r(h, geoms[i], &y1);
            GEOSGeometry *env = GEOSGeom_createRectangle_r(h, x0 - gap, y0 - gap, x1 + gap, y1 + gap);
            if (!env) {
                rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_GEOS, "GEOS: cannot make a search box");
                break;
            }
            GEOSSTRtree_query_r(h, tree, env, collect, &hs);
            GEOSGeom_destroy_r(h, env);
        } else {
            GEOSSTRtree_query_r(h, tree, geoms[i], collect, &hs);
        }
        if (hs.oom) {
            rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
            break;
        }
        const GEOSPreparedGeometry *prep = NULL;
        int big = GEOSGetNumCoordinates_r(h, geoms[i]) > PREPARE_MIN_COORDS;
        for (size_t k = 0; k < hs.n; k++) {
            size_t j = hs.v[k];
            if (cim_uf_find(parent, i) == cim_uf_find(parent, j))
                continue; /* already one block: no test needed */
            if (big && !prep)
                prep = GEOSPrepare_r(h, geoms[i]);
            char hit;
            if (gap > 0)
                hit = prep ? GEOSPreparedDistanceWithin_r(h, prep, geoms[j], gap)
                           : GEOSDistanceWithin_r(h, geoms[i], geoms[j], gap);
            else
                hit = prep ? GEOSPreparedIntersects_r(h, prep, geoms[j]) : GEOSIntersects_r(h, geoms[i], geoms[j]);
            if (hit == 2) {
                rc = cim_error_last() ? cim_error_last()->code : CIM_EGEOMETRY;
                break;
            }
            if (hit)
                uf_union(parent, i, j);
        }
        if (prep)
            GEOSPreparedGeom_destroy_r(h, prep);
    }
    free(hs.v);
    GEOSSTRtree_destroy_r(h, tree);
    return rc;
}

static int split_blocks(cim_geos_io *io, GEOSGeometry **geoms, size_t n, double gap, cim_agg_block **out,
                        size_t *nout, int64_t *fallbacks)
{
    GEOSContextHandle_t h = io->h;
    size_t *parent = malloc(n * sizeof *parent), *idx = malloc(n * sizeof *idx);
    size_t *block_of = malloc(n * sizeof *block_of), *members = malloc(n * sizeof *members);
    block_ref *refs = calloc(n, sizeof *refs);
    GEOSGeometry **list = malloc(n * sizeof *list);
    size_t nb = 0;
    int rc = CIM_OK;
    if (!parent || !idx || !block_of || !members || !refs || !list) {
        rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        goto done;
    }
    if ((rc = link_parcels(h, geoms, n, gap, parent, idx)))
        goto done;
    /* Blocks numbered by their lowest parcel (a root is its set's lowest index). */
    for (size_t i = 0; i < n; i++) {
        size_t r = cim_uf_find(parent, i);
        double x, y;
        GEOSGeom_getXMin_r(h, geoms[i], &x);
        GEOSGeom_getYMin_r(h, geoms[i], &y);
        if (r == i) {
            block_of[i] = nb;
            refs[nb] = (block_ref){.minx = x, .miny = y, .first = i};
            nb++;
        } else {
            block_ref *b = &refs[block_of[r]];
            block_of[i] = block_of[r];
            if (x < b->minx)
                b->minx = x;
            if (y < b->miny)
                b->miny = y;
        }
        refs[block_of[i]].count++;
    }
    size_t pos = 0;
    for (size_t b = 0; b < nb; b++) {
        refs[b].start = pos;
        pos += refs[b].count;
        refs[b].count = 0;
    }
    for (size_t i = 0; i < n; i++) {
        block_ref *b = &refs[block_of[i]];
        members[b->start + b->count++] = i;
    }
    if (nb > 1)
        qsort(refs, nb, sizeof *refs, block_cmp);
    *out = calloc(nb, sizeof **out);
    if (!*out) {
        rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        goto done;
    }
    for (size_t b = 0; b < nb; b++) {
        for (size_t k = 0; k < refs[b].count; k++) {
            size_t i = members[refs[b].start + k];
            list[k] = geoms[i];
            geoms[i] = NULL; /* make_block owns it now */
        }
        cim_agg_block *blk = &(*out)[b];
        blk->minx = refs[b].minx;
        blk->miny = refs[b].miny;
        *nout = b + 1;
        if ((rc = make_block(io, list, refs[b].count, blk, fallbacks)))
            break;
    }
done:
    for (size_t i = 0; i < n; i++)
        if (geoms[i])
            GEOSGeom_destroy_r(h, geoms[i]);
    free(parent);
    free(idx);
    free(block_of);
    free(members);
    free(refs);
    free(list);
    return rc;
}

int cim_agg_dissolve(cim_geos_io *io, GEOSGeometry **geoms, size_t n, int contiguous, double gap,
                     cim_agg_block **out, size_t *nout, int64_t *fallbacks)
{
    *out = NULL;
    *nout = 0;
    if (contiguous)
        return split_blocks(io, geoms, n, gap, out, nout, fallbacks);
    GEOSContextHandle_t h = io->h;
    cim_agg_block *b = calloc(1, sizeof *b);
    if (!b) {
        for (size_t i = 0; i < n; i++)
            GEOSGeom_destroy_r(h, geoms[i]);
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    }
    double x = HUGE_VAL, y = HUGE_VAL;
    for (size_t i = 0; i < n; i++) {
        double gx, gy;
        GEOSGeom_getXMin_r(h, geoms[i], &gx);
        GEOSGeom_getYMin_r(h, geoms[i], &gy);
        x = fmin(x, gx);
        y = fmin(y, gy);
    }
    b->minx = x;
    b->miny = y;
    *out = b;
    *nout = 1;
    return make_block(io, geoms, n, b, fallbacks);
}
