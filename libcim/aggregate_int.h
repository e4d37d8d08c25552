/* aggregate_int.h: the geometry half of parcel aggregation: one group's
 * parcels dissolved into one block, or into its contiguous blocks. Runs on a
 * worker thread with that thread's GEOS context. Never installed. */
#ifndef CIM_AGGREGATE_INT_H
#define CIM_AGGREGATE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "geos_io_int.h"

typedef struct cim_agg_block {
    unsigned char *wkb;   /* ISO WKB of the union (malloc'd; the caller frees) */
    size_t wkb_len;
    double area;          /* m² */
    int64_t parcels;
    double minx, miny;    /* the block's envelope corner (its sort key) */
} cim_agg_block;

/* Takes geoms[n] (n >= 1, non-empty polygons; always destroyed) and returns
 * the union of all of them as one block, or with contiguous one block per
 * set of parcels that touch or, with gap > 0, lie within gap of each other,
 * ordered by min x, then min y. Each union is cim_agg_coverage_dissolve,
 * else GEOSCoverageUnion_r, each checked (valid, and its area equal to the
 * parcels' summed area, which holds exactly on a true coverage), with
 * GEOSUnaryUnion_r as the fallback; *fallbacks counts the fallbacks. 0, or a CIM_E* code with a cim error. */
int cim_agg_dissolve(cim_geos_io *io, GEOSGeometry **geoms, size_t n, int contiguous, double gap,
                     cim_agg_block **out, size_t *nout, int64_t *fallbacks);

/* The union of polygons that form an exactly noded coverage (shared edges
 * with the same vertices), by cancelling shared edges; NULL when they do not
 * (overlaps, T-junctions), with no error set. geoms stay the caller's.
 * *proven is 1 when cim_agg_rings_check proved the result valid; else the
 * caller must check it (GEOSisValid). The area always needs checking. */
GEOSGeometry *cim_agg_coverage_dissolve(GEOSContextHandle_t h, GEOSGeometry *const *geoms, size_t n, int *proven);

/* A closed ring traced from the boundary edges. */
typedef struct cim_agg_ring {
    double *xy;           /* n points, first == last */
    size_t n;
    double area;          /* signed, x2: > 0 shell (counter-clockwise), < 0 hole */
    double minx, miny, maxx, maxy;
} cim_agg_ring;

/* Boundary edges being collected, directed with the interior on the left. */
typedef struct cim_agg_edge {
    double ax, ay, bx, by;
} cim_agg_edge;

typedef struct cim_agg_edges {
    cim_agg_edge *v;
    size_t n, cap;
    double area2;         /* the rings' area so far, x2 (holes subtracted) */
} cim_agg_edges;

/* Adds one ring of a parcel (n 2D points, first == last), oriented as a
 * shell or a hole whatever its winding. -1 when degenerate or out of memory. */
int cim_agg_edges_ring(cim_agg_edges *e, const double *xy, size_t n, int hole);
void cim_agg_edges_free(cim_agg_edges *e);

/* Cancels the edges parcels share and traces what is left into rings,
 * proven valid by cim_agg_rings_check, with each ring's parent. 1 on
 * success (the caller frees rings and parent); 0 when the parcels are not a
 * clean coverage, the check fails or cannot decide, or memory runs out. */
int cim_agg_edges_trace(cim_agg_edges *e, cim_agg_ring **rings, size_t *nr, size_t **parent);
void cim_agg_rings_free(cim_agg_ring *rings, size_t nr);

/* Checks that rings[nr] form a valid polygon set (aggregate_check.c) and
 * finds each ring's parent, the innermost ring around it (SIZE_MAX: none).
 * 1: proven valid (OGC simple features); 0: invalid; -1: floating point
 * cannot decide, or out of memory. */
int cim_agg_rings_check(const cim_agg_ring *rings, size_t nr, size_t *parent);

/* One block from the parcels' SpatiaLite blobs without GEOS (aggregate_fast.c):
 * 1 with *b filled (wkb malloc'd) when the parcels form a clean coverage
 * whose union the check proves valid; 0 otherwise (nothing to free): then
 * the caller takes cim_agg_dissolve. */
int cim_agg_fast_block(cim_agg_block *b, const unsigned char *const *blobs, const size_t *lens, size_t n);

void cim_agg_blocks_free(cim_agg_block *blocks, size_t n);

#endif
