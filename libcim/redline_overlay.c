/* redline_overlay.c: the parcel x block-line shares (IBL-01), in the worker
 * pool. Each thread decodes the lines into its own GEOS context, builds its
 * own STRtree and prepares lines as it meets them; parcels come in chunks by
 * task index, so the hits are the same for any thread count. */
#include "redline_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geos_io_int.h"
#include "pool_int.h"

typedef struct rl_thread {
    GEOSContextHandle_t h;
    cim_geos_io io;
    const rl_job *job;
    GEOSGeometry **lines;
    const GEOSPreparedGeometry **prep;
    GEOSSTRtree *tree;
    size_t *cand;
    size_t ncand, capcand;
    int oom;
    rl_ring *line_ring;    /* per line: its convex ring, or n = 0 */
    rl_ring parcel_ring, clipped, scratch;
} rl_thread;

static void thread_fini(void *state, void *payload)
{
    rl_thread *t = state;
    const rl_job *job = payload;
    if (!t)
        return;
    if (t->tree)
        GEOSSTRtree_destroy_r(t->h, t->tree);
    for (size_t i = 0; i < job->nl; i++) {
        if (t->prep && t->prep[i])
            GEOSPreparedGeom_destroy_r(t->h, t->prep[i]);
        if (t->lines && t->lines[i])
            GEOSGeom_destroy_r(t->h, t->lines[i]);
    }
    for (size_t i = 0; t->line_ring && i < job->nl; i++)
        free(t->line_ring[i].xy);
    free(t->line_ring);
    free(t->parcel_ring.xy);
    free(t->clipped.xy);
    free(t->scratch.xy);
    free(t->prep);
    free(t->lines);
    free(t->cand);
    cim_geos_io_clear(&t->io);
    GEOS_finish_r(t->h);
    free(t);
}

static void *thread_init(void *payload)
{
    const rl_job *job = payload;
    rl_thread *t = calloc(1, sizeof *t);
    if (!t) {
        cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        return NULL;
    }
    t->job = job;
    t->h = cim_geos_context_new();
    cim_geos_io_init(&t->io, t->h);
    t->lines = calloc(job->nl + 1, sizeof *t->lines);
    t->prep = calloc(job->nl + 1, sizeof *t->prep);
    t->tree = GEOSSTRtree_create_r(t->h, 10);
    t->line_ring = calloc(job->nl + 1, sizeof *t->line_ring);
    if (!t->lines || !t->prep || !t->tree || !t->line_ring) {
        cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        thread_fini(t, payload);
        return NULL;
    }
    for (size_t i = 0; i < job->nl; i++) {
        const rl_line *l = &job->lines[i];
        t->lines[i] = cim_geos_from_blob(&t->io, job->line_blobs + l->blob_off, l->blob_len);
        if (!t->lines[i]) {
            cim_error_prefix("layer '%s', feature fid %lld: ", job->lines_layer, (long long)l->fid);
            thread_fini(t, payload);
            return NULL;
        }
        GEOSSTRtree_insert_r(t->h, t->tree, t->lines[i], (void *)&job->lines[i]);
        if (rl_convex_ring(&t->line_ring[i], t->h, t->lines[i], 0) != 1)
            t->line_ring[i].n = 0;
    }
    return t;
}

static void collect(void *item, void *payload)
{
    rl_thread *t = payload;
    if (t->ncand == t->capcand) {
        size_t cap = t->capcand ? 2 * t->capcand : 16;
        size_t *c = realloc(t->cand, cap * sizeof *c);
        if (!c) {
            t->oom = 1;
            return;
        }
        t->cand = c;
        t->capcand = cap;
    }
    t->cand[t->ncand++] = (size_t)((const rl_line *)item - t->job->lines);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* The polygonal part of an intersection (a touching edge or corner adds
 * lines and points to a collection). Takes g; NULL when nothing is left. */
static GEOSGeometry *polygonal(GEOSContextHandle_t h, GEOSGeometry *g)
{
    int type = GEOSGeomTypeId_r(h, g);
    if (type == GEOS_POLYGON || type == GEOS_MULTIPOLYGON)
        return g;
    int n = GEOSGetNumGeometries_r(h, g);
    GEOSGeometry **parts = calloc((size_t)(n > 0 ? n : 1) * 4 + 1, sizeof *parts);
    size_t np = 0;
    for (int i = 0; parts && i < n; i++) {
        const GEOSGeometry *p = GEOSGetGeometryN_r(h, g, i);
        int pt = GEOSGeomTypeId_r(h, p);
        if (pt == GEOS_POLYGON && !GEOSisEmpty_r(h, p)) {
            parts[np++] = GEOSGeom_clone_r(h, p);
        } else if (pt == GEOS_MULTIPOLYGON) {
            int m = GEOSGetNumGeometries_r(h, p);
            GEOSGeometry **more = realloc(parts, (np + (size_t)m + (size_t)n + 1) * sizeof *parts);
            if (!more)
                break;
            parts = more;
            for (int j = 0; j < m; j++)
                parts[np++] = GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, p, j));
        }
    }
    GEOSGeom_destroy_r(h, g);
    GEOSGeometry *out = NULL;
    if (parts && np)
        out = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, (unsigned)np);
    free(parts);
    return out;
}

static int add_hit(rl_task_out *o, const rl_hit *hit)
{
    if (o->n == o->cap) {
        size_t cap = o->cap ? 2 * o->cap : 16;
        rl_hit *h = realloc(o->hits, cap * sizeof *h);
        if (!h)
            return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        o->hits = h;
        o->cap = cap;
    }
    o->hits[o->n++] = *hit;
    return CIM_OK;
}

static int keep_wkb(rl_thread *t, const GEOSGeometry *g, rl_hit *hit)
{
    size_t n = 0;
    unsigned char *w = cim_geos_to_wkb(&t->io, g, &n);
    if (!w)
        return cim_error_last() ? cim_error_last()->code : CIM_EGEOMETRY;
    hit->wkb = malloc(n ? n : 1);
    if (!hit->wkb) {
        GEOSFree_r(t->h, w);
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    }
    memcpy(hit->wkb, w, n);
    hit->wkb_len = n;
    GEOSFree_r(t->h, w);
    return CIM_OK;
}

static int ring_valid(GEOSContextHandle_t h, const rl_ring *r)
{
    GEOSCoordSequence *cs = GEOSCoordSeq_copyFromBuffer_r(h, r->xy, (unsigned int)r->n, 0, 0);
    GEOSGeometry *ring = cs ? GEOSGeom_createLinearRing_r(h, cs) : NULL;
    GEOSGeometry *poly = ring ? GEOSGeom_createPolygon_r(h, ring, NULL, 0) : NULL;
    int ok = poly && GEOSisValid_r(h, poly) == 1;
    if (poly)
        GEOSGeom_destroy_r(h, poly);
    return ok;
}

static int one_parcel(rl_thread *t, size_t pi, rl_task_out *o)
{
    const rl_job *job = t->job;
    const cim_redline_params *prm = job->params;
    rl_parcel *p = &job->parcels[pi];
    if (!p->blob_len) {
        o->skipped++;
        return CIM_OK;
    }
    GEOSGeometry *g = cim_geos_from_blob(&t->io, job->parcel_blobs + p->blob_off, p->blob_len);
    if (!g)
        return cim_error_prefix("layer '%s', feature fid %lld: ", job->parcels_layer, (long long)p->fid);
    double area = 0;
    if (!GEOSArea_r(t->h, g, &area) || !(area > 0)) {
        GEOSGeom_destroy_r(t->h, g);
        o->skipped++;
        return CIM_OK;
    }
    p->area = area;
    t->ncand = 0;
    GEOSSTRtree_query_r(t->h, t->tree, g, collect, t);
    if (t->oom) {
        GEOSGeom_destroy_r(t->h, g);
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    }
    if (t->ncand > 1) /* qsort with a NULL array is undefined even for 0 items */
        qsort(t->cand, t->ncand, sizeof *t->cand, cmp_size);
    int rc = CIM_OK, parcel_convex = -1; /* rl_convex_ring; -1: not looked at yet */
    for (size_t k = 0; k < t->ncand && !rc; k++) {
        size_t li = t->cand[k];
        if (!t->prep[li] && !(t->prep[li] = GEOSPrepare_r(t->h, t->lines[li]))) {
            rc = cim_error_prefix("layer '%s', feature fid %lld: ", job->lines_layer, (long long)job->lines[li].fid);
            break;
        }
        rl_hit hit = {.parcel = pi, .line = li};
        GEOSGeometry *part = NULL;
        int clipped = 0;
        char c = GEOSPreparedContains_r(t->h, t->prep[li], g);
        if (c == 1) {
            o->contained++;
            hit.area = area;
            hit.share = 1.0;
        } else {
            char in = c == 0 ? GEOSPreparedIntersects_r(t->h, t->prep[li], g) : 2;
            if (in == 0)
                continue;
            if (in == 2) {
                rc = cim_error_prefix("parcel fid %lld x line fid %lld: ", (long long)p->fid,
                                      (long long)job->lines[li].fid);
                break;
            }
            o->intersections++;
            if (parcel_convex < 0)
                parcel_convex = rl_convex_ring(&t->parcel_ring, t->h, g, INFINITY);
            double a = 0;
            if (parcel_convex && t->line_ring[li].n) {
                /* A convex line: the clipped area is exact whatever the
                 * parcel's shape; the ring is a valid polygon when the parcel
                 * is convex, and is checked when not (where the true part
                 * has several pieces, the ring has bridges: GEOS then). */
                a = rl_clip_convex(&t->clipped, &t->scratch, &t->parcel_ring, &t->line_ring[li]);
                if (a < 0) {
                    rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
                    break;
                }
                clipped = parcel_convex == 1 || a == 0 || ring_valid(t->h, &t->clipped);
            }
            if (!clipped) {
                a = 0;
                GEOSGeometry *x = GEOSIntersection_r(t->h, g, t->lines[li]);
                if (!x) {
                    rc = cim_error_prefix("parcel fid %lld x line fid %lld: intersection: ", (long long)p->fid,
                                          (long long)job->lines[li].fid);
                    break;
                }
                part = polygonal(t->h, x);
                if (part && !GEOSArea_r(t->h, part, &a))
                    a = 0;
            }
            hit.area = a;
            hit.share = a / area > 1.0 ? 1.0 : a / area;
        }
        if (hit.share >= prm->inside_share)
            hit.status = RL_INSIDE;
        else if (hit.area > prm->sliver_area_m2 && hit.share > prm->sliver_share)
            hit.status = RL_PARTIAL;
        else {
            o->slivers++;
            if (part)
                GEOSGeom_destroy_r(t->h, part);
            continue;
        }
        if (clipped) {
            hit.wkb = rl_ring_wkb(&t->clipped, &hit.wkb_len);
            if (!hit.wkb)
                rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        } else if (part) {
            rc = keep_wkb(t, part, &hit);
        } else if ((hit.wkb = malloc(t->io.wkb.len ? t->io.wkb.len : 1))) {
            /* The whole parcel: the WKB its blob was decoded to. */
            memcpy(hit.wkb, t->io.wkb.data, t->io.wkb.len);
            hit.wkb_len = t->io.wkb.len;
        } else {
            rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        }
        if (part)
            GEOSGeom_destroy_r(t->h, part);
        if (!rc && (rc = add_hit(o, &hit)))
            free(hit.wkb);
    }
    GEOSGeom_destroy_r(t->h, g);
    return rc;
}

static int run_task(size_t task, void *state, void *payload)
{
    rl_thread *t = state;
    const rl_job *job = payload;
    rl_task_out *o = &job->outs[task];
    size_t lo = task * job->chunk, hi = lo + job->chunk < job->np ? lo + job->chunk : job->np;
    for (size_t i = lo; i < hi; i++) {
        int rc = one_parcel(t, i, o);
        if (rc)
            return rc;
    }
    return CIM_OK;
}

int rl_overlay(rl_job *job, size_t threads)
{
    job->chunk = 64;
    job->ntasks = (job->np + job->chunk - 1) / job->chunk;
    job->outs = calloc(job->ntasks + 1, sizeof *job->outs);
    if (!job->outs)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    cim_pool_spec spec = {.threads = threads, .tasks = job->ntasks, .payload = job, .init = thread_init,
                          .fini = thread_fini, .run = run_task};
    return cim_pool_run(&spec);
}

void rl_overlay_free(rl_job *job)
{
    for (size_t t = 0; job->outs && t < job->ntasks; t++) {
        for (size_t i = 0; i < job->outs[t].n; i++)
            free(job->outs[t].hits[i].wkb);
        free(job->outs[t].hits);
    }
    free(job->outs);
    job->outs = NULL;
}
