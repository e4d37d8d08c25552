/* aggregate_coverage.c: the union of an exactly noded polygon coverage by
 * edge cancellation. Rings are oriented (shells counter-clockwise, holes
 * clockwise) so the interior lies left of every edge; an edge two parcels
 * share then appears twice, once each way, and drops out. The edges left over
 * are the union's boundary: they are chained into rings (at a vertex where
 * the boundary touches itself, the sharpest left turn, which keeps rings
 * simple), rings with positive area become shells, the others holes of the
 * shell around them (aggregate_check.c proves the result valid and finds
 * each ring's parent). Anything that is not a clean coverage (an edge three
 * times or twice the same way, a T-junction, a ring that does not close, a
 * union the check cannot prove) gives no result and the caller falls back
 * to GEOS. */
#include "aggregate_int.h"
#include "plane_int.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef cim_agg_edge edge;
typedef cim_agg_edges edges;

typedef struct pts {
    double *xy;
    size_t n, cap;
} pts;

static int pt_less(double ax, double ay, double bx, double by)
{
    return ax < bx || (ax == bx && ay < by);
}

static int add_edge(edges *e, double ax, double ay, double bx, double by)
{
    if (ax == bx && ay == by)
        return 0; /* a repeated point */
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 1024;
        edge *v = realloc(e->v, cap * sizeof *v);
        if (!v)
            return -1;
        e->v = v;
        e->cap = cap;
    }
    edge *d = &e->v[e->n++];
    d->ax = ax;
    d->ay = ay;
    d->bx = bx;
    d->by = by;
    return 0;
}

int cim_agg_edges_ring(cim_agg_edges *e, const double *xy, size_t n, int hole)
{
    if (n < 4)
        return -1;
    double a = cim_ring_area2(xy, n);
    if (a == 0)
        return -1;
    e->area2 += hole ? -fabs(a) : fabs(a);
    int reverse = hole ? a > 0 : a < 0;
    for (size_t i = 0; i + 1 < n; i++) {
        const double *p = xy + 2 * i, *q = p + 2;
        int rc = reverse ? add_edge(e, q[0], q[1], p[0], p[1]) : add_edge(e, p[0], p[1], q[0], q[1]);
        if (rc)
            return -1;
    }
    return 0;
}

void cim_agg_edges_free(cim_agg_edges *e)
{
    free(e->v);
    e->v = NULL;
    e->n = e->cap = 0;
}

/* Adds a GEOS ring's edges. */
static int add_ring(GEOSContextHandle_t h, const GEOSGeometry *ring, int hole, edges *e, pts *buf)
{
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, ring);
    unsigned int n = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n))
        return -1;
    if (n < 4)
        return -1;
    if (n > buf->cap) {
        double *v = realloc(buf->xy, 2 * (size_t)n * sizeof *v);
        if (!v)
            return -1;
        buf->xy = v;
        buf->cap = n;
    }
    if (!GEOSCoordSeq_copyToBuffer_r(h, cs, buf->xy, 0, 0))
        return -1;
    return cim_agg_edges_ring(e, buf->xy, n, hole);
}

/* The segment with its ends in order (the sort key), and whether a comes first. */
static int edge_key(const edge *e, double k[4])
{
    int fwd = pt_less(e->ax, e->ay, e->bx, e->by);
    if (fwd) {
        k[0] = e->ax, k[1] = e->ay, k[2] = e->bx, k[3] = e->by;
    } else {
        k[0] = e->bx, k[1] = e->by, k[2] = e->ax, k[3] = e->ay;
    }
    return fwd;
}

static uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return h;
}

static uint64_t key_hash(const double k[4])
{
    uint64_t h = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 4; i++) {
        uint64_t b;
        double v = k[i] == 0 ? 0 : k[i]; /* -0 and 0 are one coordinate */
        memcpy(&b, &v, 8);
        h = mix64(h ^ b) + (uint64_t)i;
    }
    return h;
}

/* Cancels each edge against its reverse, in place: e keeps the edges left
 * (the union's boundary) in their first *kept slots. An undirected segment
 * hashed to its first occurrence: a second one the other way cancels both,
 * anything else (twice the same way, three times) is not a coverage: -1. */
static int cancel_shared(edges *e, size_t *kept)
{
    size_t nslots = 16;
    while (nslots < 2 * e->n)
        nslots *= 2;
    size_t *slot = calloc(nslots, sizeof *slot);       /* edge index + 1 */
    unsigned char *gone = calloc(e->n ? e->n : 1, 1);  /* cancelled */
    int rc = slot && gone ? 0 : -1;
    for (size_t i = 0; i < e->n && !rc; i++) {
        double ki[4], kj[4];
        int fi = edge_key(&e->v[i], ki);
        for (size_t h = (size_t)key_hash(ki) & (nslots - 1);; h = (h + 1) & (nslots - 1)) {
            if (!slot[h]) {
                slot[h] = i + 1;
                break;
            }
            size_t j = slot[h] - 1;
            int fj = edge_key(&e->v[j], kj);
            if (kj[0] != ki[0] || kj[1] != ki[1] || kj[2] != ki[2] || kj[3] != ki[3])
                continue;
            if (gone[j] || fj == fi)
                rc = -1;
            else
                gone[i] = gone[j] = 1;
            break;
        }
    }
    size_t n = 0;
    for (size_t i = 0; i < e->n && !rc; i++)
        if (!gone[i])
            e->v[n++] = e->v[i];
    *kept = n;
    free(slot);
    free(gone);
    return rc;
}

static int cmp_start(const void *pa, const void *pb)
{
    const edge *a = pa, *b = pb;
    if (a->ax != b->ax)
        return a->ax < b->ax ? -1 : 1;
    if (a->ay != b->ay)
        return a->ay < b->ay ? -1 : 1;
    if (a->bx != b->bx)
        return a->bx < b->bx ? -1 : 1;
    return a->by < b->by ? -1 : a->by > b->by;
}

/* The first edge starting at (x, y) in the start-sorted edges, or n. */
static size_t first_from(const edge *v, size_t n, double x, double y)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pt_less(v[mid].ax, v[mid].ay, x, y))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo].ax == x && v[lo].ay == y ? lo : n;
}

typedef cim_agg_ring ring;

static int pts_add(pts *p, double x, double y)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        double *v = realloc(p->xy, 2 * cap * sizeof *v);
        if (!v)
            return -1;
        p->xy = v;
        p->cap = cap;
    }
    p->xy[2 * p->n] = x;
    p->xy[2 * p->n + 1] = y;
    p->n++;
    return 0;
}

typedef struct ring_list {
    ring *v;
    size_t n, cap;
} ring_list;

/* A closed ring of n points (first == last) onto the list; -1 if degenerate. */
static int ring_add(ring_list *rl, const double *xy, size_t n)
{
    if (n < 4)
        return -1;
    if (rl->n == rl->cap) {
        size_t cap = rl->cap ? rl->cap * 2 : 16;
        ring *v = realloc(rl->v, cap * sizeof *v);
        if (!v)
            return -1;
        rl->v = v;
        rl->cap = cap;
    }
    ring *r = &rl->v[rl->n];
    memset(r, 0, sizeof *r);
    r->xy = malloc(2 * n * sizeof *r->xy);
    if (!r->xy)
        return -1;
    rl->n++;
    memcpy(r->xy, xy, 2 * n * sizeof *r->xy);
    r->n = n;
    r->area = cim_ring_area2(r->xy, r->n);
    r->minx = r->maxx = r->xy[0];
    r->miny = r->maxy = r->xy[1];
    for (size_t i = 1; i < r->n; i++) {
        r->minx = fmin(r->minx, r->xy[2 * i]);
        r->maxx = fmax(r->maxx, r->xy[2 * i]);
        r->miny = fmin(r->miny, r->xy[2 * i + 1]);
        r->maxy = fmax(r->maxy, r->xy[2 * i + 1]);
    }
    return r->area == 0 ? -1 : 0;
}

/* Point -> position on the path stack (open addressing; stale slots are
 * recognised by checking the stack). */
typedef struct split_state {
    pts stack;
    size_t *slot;         /* position + 1; 0 = empty */
    size_t nslots;
} split_state;

static size_t pt_hash(double x, double y)
{
    uint64_t a, b;
    memcpy(&a, &x, 8);
    memcpy(&b, &y, 8);
    uint64_t h = (a * 0x9E3779B97F4A7C15ull) ^ (b + 0x632BE59BD9B4E019ull + (a << 6) + (a >> 2));
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 32;
    return (size_t)h;
}

/* Where the boundary touches itself at a vertex (two interior sectors of one
 * polygon meeting at a point, around a hole that touches its shell there),
 * the traced ring passes that vertex twice. OGC rings never touch themselves:
 * cut the loop between the two visits off as a ring of its own (its
 * orientation says shell or hole), and go on. */
static int split_ring(ring_list *rl, const pts *p, split_state *st)
{
    size_t m = p->n - 1; /* the closing point repeats the first */
    size_t need = 1;
    while (need < 2 * m)
        need *= 2;
    if (need > st->nslots) {
        size_t *v = realloc(st->slot, need * sizeof *v);
        if (!v)
            return -1;
        st->slot = v;
        st->nslots = need;
    }
    memset(st->slot, 0, need * sizeof *st->slot);
    pts *sk = &st->stack;
    sk->n = 0;
    size_t mask = need - 1;
    for (size_t i = 0; i < m; i++) {
        double x = p->xy[2 * i], y = p->xy[2 * i + 1];
        size_t h = pt_hash(x, y) & mask, found = 0, free_slot = 0;
        /* Stale slots (popped points) are probed past; a new point takes the empty slot. */
        for (;; h = (h + 1) & mask) {
            size_t e = st->slot[h];
            if (e == 0) {
                free_slot = h;
                break;
            }
            size_t k = e - 1;
            if (k < sk->n && sk->xy[2 * k] == x && sk->xy[2 * k + 1] == y) {
                found = e;
                break;
            }
        }
        if (found) {
            size_t k = found - 1;
            /* the loop stack[k..] + this point */
            if (pts_add(sk, x, y) || ring_add(rl, sk->xy + 2 * k, sk->n - k))
                return -1;
            sk->n = k + 1;
        } else {
            if (pts_add(sk, x, y))
                return -1;
            st->slot[free_slot] = sk->n;
        }
    }
    if (pts_add(sk, sk->xy[0], sk->xy[1]))
        return -1;
    return ring_add(rl, sk->xy, sk->n);
}

/* Angle of the turn from "back" (towards where we came from) clockwise to d, in (0, 2pi]. */
static double cw_from_back(double backx, double backy, double dx, double dy)
{
    double a = atan2(backy, backx) - atan2(dy, dx);
    const double two_pi = 6.283185307179586;
    while (a <= 0)
        a += two_pi;
    while (a > two_pi)
        a -= two_pi;
    return a;
}

/* Chains the boundary edges (sorted by start) into closed rings. */
static int build_rings(edge *v, size_t n, ring **out, size_t *nout)
{
    unsigned char *used = calloc(n ? n : 1, 1);
    ring_list rl = {0};
    split_state st = {0};
    pts p = {0};
    int rc = used ? 0 : -1;
    for (size_t s = 0; s < n && !rc; s++) {
        if (used[s])
            continue;
        p.n = 0;
        used[s] = 1;
        rc = pts_add(&p, v[s].ax, v[s].ay);
        size_t cur = s;
        for (;;) {
            if (rc || pts_add(&p, v[cur].bx, v[cur].by)) {
                rc = -1;
                break;
            }
            double x = v[cur].bx, y = v[cur].by;
            size_t best = n;
            double best_turn = 0;
            int closes = 0;
            for (size_t k = first_from(v, n, x, y); k < n && v[k].ax == x && v[k].ay == y; k++) {
                if (used[k] && k != s)
                    continue;
                double t = cw_from_back(v[cur].ax - x, v[cur].ay - y, v[k].bx - x, v[k].by - y);
                if (best == n || t < best_turn) {
                    best = k;
                    best_turn = t;
                }
            }
            if (best == n) {
                rc = -1; /* a dead end: not a clean boundary */
                break;
            }
            if (best == s) {
                closes = 1;
            } else {
                used[best] = 1;
                cur = best;
            }
            if (closes)
                break;
        }
        if (rc)
            break;
        if (split_ring(&rl, &p, &st)) {
            rc = -1;
            break;
        }
    }
    free(used);
    free(p.xy);
    free(st.stack.xy);
    free(st.slot);
    *out = rl.v;
    *nout = rl.n;
    return rc;
}

static GEOSGeometry *make_ring(GEOSContextHandle_t h, const ring *r)
{
    GEOSCoordSequence *cs = GEOSCoordSeq_copyFromBuffer_r(h, r->xy, (unsigned int)r->n, 0, 0);
    return cs ? GEOSGeom_createLinearRing_r(h, cs) : NULL;
}

/* Rings -> a MultiPolygon: shells in tracing order, each hole in the shell
 * that is its parent (cim_agg_rings_check). NULL when out of memory. */
static GEOSGeometry *assemble(GEOSContextHandle_t h, const ring *rings, size_t nr, const size_t *parent)
{
    size_t *ordinal = malloc((nr ? nr : 1) * sizeof *ordinal);  /* ring -> shell number */
    size_t *hole_end = calloc(nr + 1, sizeof *hole_end);
    size_t *hole_list = malloc((nr ? nr : 1) * sizeof *hole_list);
    GEOSGeometry **polys = NULL, *result = NULL;
    size_t ns = 0;
    int ok = ordinal && hole_end && hole_list;
    for (size_t i = 0; i < nr && ok; i++)
        if (rings[i].area > 0)
            ordinal[i] = ns++;
    /* Holes grouped by shell (counting sort): shell k's holes end at hole_end[k]. */
    for (size_t i = 0; i < nr && ok; i++)
        if (rings[i].area < 0)
            hole_end[ordinal[parent[i]]]++;
    size_t pos = 0;
    for (size_t k = 0; k < ns && ok; k++) {
        size_t c = hole_end[k];
        hole_end[k] = pos;
        pos += c;
    }
    for (size_t i = 0; i < nr && ok; i++)
        if (rings[i].area < 0)
            hole_list[hole_end[ordinal[parent[i]]]++] = i;
    if (ok && ns > 0) {
        polys = calloc(ns, sizeof *polys);
        ok = polys != NULL;
    } else {
        ok = 0;
    }
    for (size_t i = 0, k = 0; i < nr && ok; i++) {
        if (rings[i].area <= 0)
            continue;
        size_t from = k ? hole_end[k - 1] : 0, to = hole_end[k], nh = 0;
        GEOSGeometry **holes = to > from ? malloc((to - from) * sizeof *holes) : NULL;
        GEOSGeometry *shell = make_ring(h, &rings[i]);
        ok = shell && (to == from || holes);
        for (size_t q = from; q < to && ok; q++) {
            GEOSGeometry *hr = make_ring(h, &rings[hole_list[q]]);
            if (!hr)
                ok = 0;
            else
                holes[nh++] = hr;
        }
        if (ok) {
            polys[k] = GEOSGeom_createPolygon_r(h, shell, holes, (unsigned int)nh);
            ok = polys[k] != NULL;
        } else {
            if (shell)
                GEOSGeom_destroy_r(h, shell);
            for (size_t q = 0; q < nh; q++)
                GEOSGeom_destroy_r(h, holes[q]);
        }
        free(holes);
        k++;
    }
    if (ok) {
        result = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, polys, (unsigned int)ns);
        if (result) {
            free(polys);
            polys = NULL;
        }
    }
    if (polys)
        for (size_t k = 0; k < ns; k++)
            if (polys[k])
                GEOSGeom_destroy_r(h, polys[k]);
    free(polys);
    free(ordinal);
    free(hole_end);
    free(hole_list);
    return result;
}

void cim_agg_rings_free(cim_agg_ring *rings, size_t nr)
{
    for (size_t i = 0; i < nr; i++)
        free(rings[i].xy);
    free(rings);
}

int cim_agg_edges_trace(cim_agg_edges *e, cim_agg_ring **rings_out, size_t *nr_out, size_t **parent_out)
{
    *rings_out = NULL;
    *nr_out = 0;
    *parent_out = NULL;
    size_t kept = 0;
    if (e->n == 0 || cancel_shared(e, &kept) || kept == 0)
        return 0;
    if (kept > 1)
        qsort(e->v, kept, sizeof *e->v, cmp_start);
    ring *rings = NULL;
    size_t nr = 0, *parent = NULL;
    int rc = build_rings(e->v, kept, &rings, &nr) == 0 && (parent = malloc(nr * sizeof *parent)) ? 1 : 0;
    if (rc)
        rc = cim_agg_rings_check(rings, nr, parent) == 1;
    if (!rc) {
        cim_agg_rings_free(rings, nr);
        free(parent);
        return 0;
    }
    *rings_out = rings;
    *nr_out = nr;
    *parent_out = parent;
    return 1;
}

GEOSGeometry *cim_agg_coverage_dissolve(GEOSContextHandle_t h, GEOSGeometry *const *geoms, size_t n, int *proven)
{
    *proven = 0;
    edges e = {0};
    pts buf = {0};
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        int np = GEOSGetNumGeometries_r(h, geoms[i]);
        for (int j = 0; j < np && !rc; j++) {
            const GEOSGeometry *poly = GEOSGetGeometryN_r(h, geoms[i], j);
            if (GEOSGeomTypeId_r(h, poly) != GEOS_POLYGON) {
                rc = -1;
                break;
            }
            if (GEOSisEmpty_r(h, poly))
                continue;
            rc = add_ring(h, GEOSGetExteriorRing_r(h, poly), 0, &e, &buf);
            int nh = GEOSGetNumInteriorRings_r(h, poly);
            for (int k = 0; k < nh && !rc; k++)
                rc = add_ring(h, GEOSGetInteriorRingN_r(h, poly, k), 1, &e, &buf);
        }
    }
    free(buf.xy);
    ring *rings = NULL;
    size_t nr = 0, *parent = NULL;
    GEOSGeometry *result = NULL;
    if (!rc && cim_agg_edges_trace(&e, &rings, &nr, &parent) == 1) {
        result = assemble(h, rings, nr, parent);
        *proven = result != NULL;
    }
    cim_agg_rings_free(rings, nr);
    free(parent);
    cim_agg_edges_free(&e);
    return result;
}
