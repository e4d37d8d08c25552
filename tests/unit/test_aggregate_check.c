/* test_aggregate_check.c: the boundary check that lets aggregation skip
 * GEOSisValid (aggregate_check.c), with GEOS as the oracle. A verdict of
 * "proven valid" must never meet a geometry GEOS calls invalid: hand-built
 * cases (a hole touching its shell twice, a chain of holes, nested shells,
 * crossings, a hole in a hole, islands, corner touches), then random cell
 * coverages dissolved by edge cancellation. */
#include <geos_c.h>
#include <stdint.h>
#include <stdlib.h>

#include "aggregate_int.h"
#include "check.h"

/* The rings of a (multi)polygon, shells counter-clockwise, holes clockwise. */
static size_t rings_of(GEOSContextHandle_t h, const GEOSGeometry *g, cim_agg_ring *out, size_t max)
{
    size_t n = 0;
    for (int p = 0; p < GEOSGetNumGeometries_r(h, g); p++) {
        const GEOSGeometry *poly = GEOSGetGeometryN_r(h, g, p);
        int nh = GEOSGetNumInteriorRings_r(h, poly);
        for (int k = -1; k < nh && n < max; k++) {
            const GEOSGeometry *r = k < 0 ? GEOSGetExteriorRing_r(h, poly) : GEOSGetInteriorRingN_r(h, poly, k);
            const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, r);
            unsigned int np = 0;
            GEOSCoordSeq_getSize_r(h, cs, &np);
            cim_agg_ring *o = &out[n++];
            o->n = np;
            o->xy = malloc(2 * np * sizeof *o->xy);
            GEOSCoordSeq_copyToBuffer_r(h, cs, o->xy, 0, 0);
            double a = 0;
            for (unsigned int i = 0; i + 1 < np; i++)
                a += o->xy[2 * i] * o->xy[2 * i + 3] - o->xy[2 * i + 2] * o->xy[2 * i + 1];
            if ((k < 0) != (a > 0)) { /* reverse to the wanted orientation */
                for (unsigned int i = 0; i < np / 2; i++)
                    for (int c = 0; c < 2; c++) {
                        double t = o->xy[2 * i + c];
                        o->xy[2 * i + c] = o->xy[2 * (np - 1 - i) + c];
                        o->xy[2 * (np - 1 - i) + c] = t;
                    }
                a = -a;
            }
            o->area = a;
            o->minx = o->maxx = o->xy[0];
            o->miny = o->maxy = o->xy[1];
            for (unsigned int i = 1; i < np; i++) {
                o->minx = fmin(o->minx, o->xy[2 * i]), o->maxx = fmax(o->maxx, o->xy[2 * i]);
                o->miny = fmin(o->miny, o->xy[2 * i + 1]), o->maxy = fmax(o->maxy, o->xy[2 * i + 1]);
            }
        }
    }
    return n;
}

/* Our verdict on wkt's rings, checked against GEOS; returns our verdict. */
static int verdict(GEOSContextHandle_t h, const char *wkt)
{
    GEOSWKTReader *rd = GEOSWKTReader_create_r(h);
    GEOSGeometry *g = GEOSWKTReader_read_r(h, rd, wkt);
    GEOSWKTReader_destroy_r(h, rd);
    cim_agg_ring rings[16];
    size_t parent[16];
    size_t nr = rings_of(h, g, rings, 16);
    int ours = cim_agg_rings_check(rings, nr, parent);
    char geos = GEOSisValid_r(h, g);
    CHECK_MSG(ours != 1 || geos == 1, "proven valid but GEOS says invalid: %s", wkt);
    for (size_t i = 0; i < nr; i++)
        free(rings[i].xy);
    GEOSGeom_destroy_r(h, g);
    return ours;
}

int main(void)
{
    GEOSContextHandle_t h = GEOS_init_r();
    /* Valid, and proven so. */
    CHECK(verdict(h, "MULTIPOLYGON(((0 0,1 0,1 1,0 1,0 0)))") == 1);
    CHECK(verdict(h, "MULTIPOLYGON(((0 0,1 0,1 1,0 1,0 0)),((1 1,2 1,2 2,1 2,1 1)))") == 1); /* corner touch */
    CHECK(verdict(h, "MULTIPOLYGON(((0 0,4 0,4 2,4 4,0 4,0 2,0 0),(0 2,2 3,3 2,2 1,0 2)))") == 1); /* hole touches once */
    CHECK(verdict(h, "MULTIPOLYGON(((0 0,10 0,10 10,0 10,0 0),(2 2,2 8,8 8,8 2,2 2)),"
                     "((4 4,6 4,6 6,4 6,4 4)))") == 1); /* an island in a hole */
    CHECK(verdict(h, "MULTIPOLYGON(((0 0,10 0,10 10,0 10,0 0),(2 2,2 8,8 8,8 2,2 2)),"
                     "((2 2,4 3,5 5,3 4,2 2)))") == 1); /* an island touching its hole at a corner */
    /* Invalid: never proven. */
    CHECK(verdict(h, "MULTIPOLYGON(((0 0,4 0,4 2,4 4,0 4,0 2,0 0),(0 2,2 3,4 2,2 1,0 2)))") == 0); /* touches twice */
    CHECK(verdict(h, "MULTIPOLYGON(((0 0,6 0,6 3,6 6,0 6,0 3,0 0),(0 3,2 4,3 3,2 2,0 3),"
                     "(3 3,4 4,6 3,4 2,3 3)))") == 0); /* a chain of holes across the shell */
    CHECK(verdict(h, "MULTIPOLYGON(((0 0,10 0,10 10,0 10,0 0)),((2 2,4 2,4 4,2 4,2 2)))") == 0); /* nested shells */
    CHECK(verdict(h, "MULTIPOLYGON(((0 0,10 0,10 10,0 10,0 0)),((5 5,15 5,15 15,5 15,5 5)))") == 0); /* crossing */
    CHECK(verdict(h, "MULTIPOLYGON(((0 0,10 0,10 10,0 10,0 0),(1 1,1 9,9 9,9 1,1 1),"
                     "(2 2,2 8,8 8,8 2,2 2)))") == 0); /* a hole in a hole */
    CHECK(verdict(h, "MULTIPOLYGON(((0 0,10 0,10 10,0 10,0 0)),((10 2,14 2,14 6,10 6,10 2)))") == 0); /* T-junction */
    CHECK(verdict(h, "MULTIPOLYGON(((0 0,10 0,10 10,0 10,0 0)),((10 0,14 0,14 6,10 6,10 0)))") == 0); /* shared part */
    /* Three rings at one point: whatever we say, never a false "valid". */
    verdict(h, "MULTIPOLYGON(((0 0,4 0,4 4,0 4,0 0),(0 0,1 2,2 1,0 0),(0 0,1 3,3 1,0 0)))");

    /* Random coverages of unit cells: every proven union is valid for GEOS
     * and has the cells' area; most unions are proven. */
    uint64_t seed = 42;
    int proven_count = 0, unions = 0;
    for (int trial = 0; trial < 300; trial++) {
        GEOSGeometry *cells[64];
        size_t n = 0;
        for (int i = 0; i < 64; i++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            if ((seed >> 33) % 100 < 55)
                cells[n++] = GEOSGeom_createRectangle_r(h, i % 8, i / 8, i % 8 + 1, i / 8 + 1);
        }
        int proven = 0;
        GEOSGeometry *u = n ? cim_agg_coverage_dissolve(h, cells, n, &proven) : NULL;
        if (u) {
            unions++;
            double a = 0;
            GEOSArea_r(h, u, &a);
            CHECK_NEAR(a, (double)n, 1e-9);
            if (proven) {
                proven_count++;
                CHECK_MSG(GEOSisValid_r(h, u) == 1, "trial %d: proven union is invalid", trial);
            }
            GEOSGeom_destroy_r(h, u);
        }
        for (size_t i = 0; i < n; i++)
            GEOSGeom_destroy_r(h, cells[i]);
    }
    CHECK_MSG(proven_count >= unions / 2, "%d of %d unions proven", proven_count, unions);
    GEOS_finish_r(h);
    return check_report();
}
