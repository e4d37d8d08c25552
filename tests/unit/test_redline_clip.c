/* test_redline_clip.c: convex clipping (redline_clip.c) against GEOS: random
 * convex polygons (rotated rectangles, triangles, regular polygons) in
 * metric coordinates near (500000, 2500000): the clipped area equals
 * GEOSIntersection's within 1e-9 relative, the clipped ring is a valid
 * polygon; a nearly convex parcel is taken within a tolerance and any shape
 * with INFINITY, clipped with the exact area (a U in two pieces: exact area,
 * a ring GEOS calls invalid); holes and several parts are refused. */
#include <geos_c.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "redline_int.h"

static uint64_t seed = 7;

static double rnd(void)
{
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(seed >> 11) / 9007199254740992.0;
}

/* A random convex polygon: k points on an ellipse, rotated, clockwise or not. */
static GEOSGeometry *convex(GEOSContextHandle_t h, double cx, double cy)
{
    int k = 3 + (int)(rnd() * 6);
    double rx = 5 + rnd() * 60, ry = 5 + rnd() * 60, rot = rnd() * 6.283185307179586;
    int cw = rnd() < 0.5;
    double xy[2 * 10];
    for (int i = 0; i < k; i++) {
        double t = 6.283185307179586 * (cw ? k - i : i) / k;
        double x = rx * cos(t), y = ry * sin(t);
        xy[2 * i] = cx + x * cos(rot) - y * sin(rot);
        xy[2 * i + 1] = cy + x * sin(rot) + y * cos(rot);
    }
    xy[2 * k] = xy[0];
    xy[2 * k + 1] = xy[1];
    GEOSCoordSequence *cs = GEOSCoordSeq_copyFromBuffer_r(h, xy, (unsigned)k + 1, 0, 0);
    return GEOSGeom_createPolygon_r(h, GEOSGeom_createLinearRing_r(h, cs), NULL, 0);
}

int main(void)
{
    GEOSContextHandle_t h = GEOS_init_r();
    GEOSWKBReader *rd = GEOSWKBReader_create_r(h);
    rl_ring a = {0}, b = {0}, out = {0}, tmp = {0};
    int hits = 0;
    for (int trial = 0; trial < 2000; trial++) {
        GEOSGeometry *p = convex(h, 500000 + rnd() * 50, 2500000 + rnd() * 50);
        GEOSGeometry *q = convex(h, 500000 + rnd() * 50, 2500000 + rnd() * 50);
        CHECK(rl_convex_ring(&a, h, p, 0) == 1 && rl_convex_ring(&b, h, q, 0) == 1);
        double mine = rl_clip_convex(&out, &tmp, &a, &b), geos = 0;
        GEOSGeometry *x = GEOSIntersection_r(h, p, q);
        GEOSArea_r(h, x, &geos);
        CHECK_MSG(fabs(mine - geos) <= 1e-9 * fmax(geos, 1.0), "trial %d: %.12g vs GEOS %.12g", trial, mine, geos);
        if (mine > 0) {
            hits++;
            size_t len = 0;
            unsigned char *w = rl_ring_wkb(&out, &len);
            GEOSGeometry *back = GEOSWKBReader_read_r(h, rd, w, len);
            double ba = 0;
            CHECK(back && GEOSisValid_r(h, back) == 1 && GEOSArea_r(h, back, &ba) && fabs(ba - mine) < 1e-6);
            if (back)
                GEOSGeom_destroy_r(h, back);
            free(w);
        }
        GEOSGeom_destroy_r(h, x);
        GEOSGeom_destroy_r(h, p);
        GEOSGeom_destroy_r(h, q);
    }
    CHECK(hits > 500);

    /* A square inside a square, sharing a corner and an edge: the inner one. */
    GEOSWKTReader *wr = GEOSWKTReader_create_r(h);
    GEOSGeometry *big = GEOSWKTReader_read_r(h, wr, "POLYGON((0 0,10 0,10 10,0 10,0 0))");
    GEOSGeometry *small = GEOSWKTReader_read_r(h, wr, "POLYGON((0 0,4 0,4 4,0 4,0 0))");
    CHECK(rl_convex_ring(&a, h, big, 0) && rl_convex_ring(&b, h, small, 0));
    CHECK(rl_clip_convex(&out, &tmp, &a, &b) == 16.0 && out.n == 5);
    /* Touching along an edge only: nothing. */
    GEOSGeometry *next = GEOSWKTReader_read_r(h, wr, "POLYGON((10 0,20 0,20 10,10 10,10 0))");
    CHECK(rl_convex_ring(&b, h, next, 0) && rl_clip_convex(&out, &tmp, &a, &b) == 0 && out.n == 0);
    /* Refused: an L shape, a polygon with a hole, two parts. */
    const char *refused[] = {"POLYGON((0 0,10 0,10 5,5 5,5 10,0 10,0 0))",
                             "POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,2 4,4 4,4 2,2 2))",
                             "MULTIPOLYGON(((0 0,1 0,1 1,0 1,0 0)),((5 5,6 5,6 6,5 6,5 5)))"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        GEOSGeometry *g = GEOSWKTReader_read_r(h, wr, refused[i]);
        CHECK_MSG(rl_convex_ring(&a, h, g, 1e-4) == 0, "%s", refused[i]);
        GEOSGeom_destroy_r(h, g);
    }
    /* Nearly convex (a 0.4 mm dent along 70 m, as reprojection leaves): taken
     * within 1e-4 rad, and its clipped area is exact all the same. */
    GEOSGeometry *dent = GEOSWKTReader_read_r(h, wr, "POLYGON((493246.999771 2492539.999697,493337.654208 2492540.000032,"
                                                     "493408.102175 2492539.999581,493491 2492539.9995,493491 2492591,"
                                                     "493247 2492590,493246.999771 2492539.999697))");
    GEOSGeometry *cut = GEOSWKTReader_read_r(h, wr, "POLYGON((493300 2492500,493450 2492500,493450 2492600,"
                                                    "493300 2492600,493300 2492500))");
    CHECK(rl_convex_ring(&a, h, dent, 0) == 0 && rl_convex_ring(&a, h, dent, 1e-4) == 2);
    CHECK(rl_convex_ring(&b, h, cut, 0) == 1);
    {
        double mine = rl_clip_convex(&out, &tmp, &a, &b), geos = 0;
        GEOSGeometry *x = GEOSIntersection_r(h, dent, cut);
        GEOSArea_r(h, x, &geos);
        CHECK_NEAR(mine, geos, 1e-9 * geos);
        GEOSGeom_destroy_r(h, x);
    }
    /* Any parcel shape: a U clipped by a band across both arms gives two
     * pieces. The area is still exact; the ring joins the pieces with a
     * bridge, which GEOS calls invalid (what the overlay checks for). */
    GEOSGeometry *u = GEOSWKTReader_read_r(h, wr, "POLYGON((0 0,30 0,30 30,20 30,20 10,10 10,10 30,0 30,0 0))");
    GEOSGeometry *band = GEOSWKTReader_read_r(h, wr, "POLYGON((-5 15,35 15,35 25,-5 25,-5 15))");
    CHECK(rl_convex_ring(&a, h, u, 1e-4) == 0 && rl_convex_ring(&a, h, u, INFINITY) == 2);
    CHECK(rl_convex_ring(&b, h, band, 0) == 1);
    CHECK(rl_clip_convex(&out, &tmp, &a, &b) == 200.0);
    {
        size_t len = 0;
        unsigned char *w = rl_ring_wkb(&out, &len);
        GEOSGeometry *back = GEOSWKBReader_read_r(h, rd, w, len);
        CHECK(back && GEOSisValid_r(h, back) == 0);
        if (back)
            GEOSGeom_destroy_r(h, back);
        free(w);
    }
    GEOSGeom_destroy_r(h, u);
    GEOSGeom_destroy_r(h, band);
    GEOSGeom_destroy_r(h, dent);
    GEOSGeom_destroy_r(h, cut);
    GEOSGeom_destroy_r(h, big);
    GEOSGeom_destroy_r(h, small);
    GEOSGeom_destroy_r(h, next);
    GEOSWKTReader_destroy_r(h, wr);
    GEOSWKBReader_destroy_r(h, rd);
    free(a.xy);
    free(b.xy);
    free(out.xy);
    free(tmp.xy);
    GEOS_finish_r(h);
    return check_report();
}
