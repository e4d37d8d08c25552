/* test_gltf.c: the footprint triangulation and the prism mesh of
 * formats/gltf, against GEOS: the triangles' areas sum to the polygon's
 * GEOS area, and each triangle lies inside the polygon (the GEOS area of
 * its intersection with the polygon is its own area), on hand-made cases
 * (concave, courtyards, near-collinear and duplicate points, either ring
 * order) and on random star-shaped polygons with holes at projected
 * coordinates. The prism: counts worked out by hand, every triangle's
 * winding agrees with its normal, wall normals point away from the solid,
 * and the signed volume of the closed mesh is area x height. */
#include <geos_c.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "gltf.h"

static GEOSContextHandle_t H;

/* A GEOS polygon of rings given unclosed. */
static GEOSGeometry *polygon(const double *xy, const uint32_t *ring_n, size_t nrings)
{
    GEOSGeometry **rings = calloc(nrings, sizeof *rings);
    size_t off = 0;
    for (size_t r = 0; r < nrings; r++) {
        GEOSCoordSequence *cs = GEOSCoordSeq_create_r(H, ring_n[r] + 1, 2);
        for (uint32_t k = 0; k <= ring_n[r]; k++) {
            uint32_t i = (uint32_t)off + k % ring_n[r];
            GEOSCoordSeq_setXY_r(H, cs, k, xy[2 * i], xy[2 * i + 1]);
        }
        rings[r] = GEOSGeom_createLinearRing_r(H, cs);
        off += ring_n[r];
    }
    GEOSGeometry *g = GEOSGeom_createPolygon_r(H, rings[0], rings + 1, (unsigned int)(nrings - 1));
    free(rings);
    return g;
}

static double tri_area(const double *xy, const uint32_t *t)
{
    const double *a = xy + 2 * t[0], *b = xy + 2 * t[1], *c = xy + 2 * t[2];
    return ((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])) / 2;
}

/* Triangulates and checks against GEOS; returns the number of bad triangles. */
static int check_polygon(gltf_earcut *e, const char *name, const double *xy, const uint32_t *ring_n, size_t nrings)
{
    const uint32_t *t;
    size_t ntri;
    CHECK(gltf_earcut_run(e, xy, ring_n, nrings, &t, &ntri) == 0);
    GEOSGeometry *poly = polygon(xy, ring_n, nrings);
    double want = 0, sum = 0;
    GEOSArea_r(H, poly, &want);
    int bad = 0;
    for (size_t k = 0; k < ntri; k++) {
        double a = tri_area(xy, t + 3 * k);
        sum += a;
        if (a < 0) {
            bad++;
            continue;
        }
        if (a < want * 1e-9)
            continue; /* a sliver: GEOS cannot intersect it meaningfully */
        uint32_t ring = 3;
        double txy[6];
        for (int v = 0; v < 3; v++) {
            txy[2 * v] = xy[2 * t[3 * k + v]];
            txy[2 * v + 1] = xy[2 * t[3 * k + v] + 1];
        }
        GEOSGeometry *tg = polygon(txy, &ring, 1);
        GEOSGeometry *in = GEOSIntersection_r(H, tg, poly);
        double ia = 0;
        if (in)
            GEOSArea_r(H, in, &ia);
        if (fabs(ia - a) > 1e-6 * a + 1e-9)
            bad++;
        GEOSGeom_destroy_r(H, in);
        GEOSGeom_destroy_r(H, tg);
    }
    CHECK_MSG(fabs(sum - want) <= 1e-9 * want + 1e-9, "%s: triangles %.12g, GEOS %.12g", name, sum, want);
    CHECK_MSG(bad == 0, "%s: %d triangles clockwise or outside the polygon", name, bad);
    GEOSGeom_destroy_r(H, poly);
    return bad;
}

static void hand_cases(gltf_earcut *e)
{
    const double square[] = {0, 0, 4, 0, 4, 4, 0, 4};
    const uint32_t n4[] = {4};
    check_polygon(e, "square", square, n4, 1);
    const double square_cw[] = {0, 0, 0, 4, 4, 4, 4, 0};
    check_polygon(e, "square, clockwise", square_cw, n4, 1);
    const double ell[] = {0, 0, 3, 0, 3, 1, 1, 1, 1, 3, 0, 3};
    const uint32_t n6[] = {6};
    check_polygon(e, "L shape", ell, n6, 1);
    /* a courtyard: 10 x 10 with a 4 x 4 hole, the hole in either order */
    const double court[] = {0, 0, 10, 0, 10, 10, 0, 10, 3, 3, 3, 7, 7, 7, 7, 3};
    const uint32_t n44[] = {4, 4};
    check_polygon(e, "courtyard", court, n44, 2);
    const double court2[] = {0, 0, 10, 0, 10, 10, 0, 10, 3, 3, 7, 3, 7, 7, 3, 7};
    check_polygon(e, "courtyard, hole counter-clockwise", court2, n44, 2);
    /* two courtyards, and a hole touching the outer ring's vertex */
    const double two[] = {0, 0, 20, 0, 20, 10, 0, 10, 2, 2, 2, 8, 8, 8, 8, 2, 12, 2, 12, 8, 18, 8, 18, 2};
    const uint32_t n444[] = {4, 4, 4};
    check_polygon(e, "two courtyards", two, n444, 3);
    /* near-collinear points along the bottom edge (1e-9 m off the line), a duplicate point */
    const double nearcol[] = {0, 0, 1, 1e-9, 2, -1e-9, 3, 0, 3, 0, 4, 0, 4, 4, 0, 4};
    const uint32_t n8[] = {8};
    check_polygon(e, "near-collinear and duplicate points", nearcol, n8, 1);
    /* a comb: deep concavities */
    const double comb[] = {0, 0, 9, 0, 9, 5, 8, 5, 8, 1, 7, 1, 7, 5, 6, 5, 6, 1, 5, 1, 5, 5,
                           4, 5, 4, 1, 3, 1, 3, 5, 2, 5, 2, 1, 1, 1, 1, 5, 0, 5};
    const uint32_t n20[] = {20};
    check_polygon(e, "comb", comb, n20, 1);
    /* projected coordinates (CGCS2000 / 3-degree GK) keep their precision */
    double far[16];
    for (int k = 0; k < 16; k += 2) {
        far[k] = court[k] + 495123.456;
        far[k + 1] = court[k + 1] + 2494321.987;
    }
    check_polygon(e, "courtyard at projected coordinates", far, n44, 2);
    /* degenerate: all points on a line gives no triangle */
    const double line[] = {0, 0, 1, 0, 2, 0, 3, 0};
    const uint32_t *t;
    size_t ntri = 99;
    CHECK(gltf_earcut_run(e, line, n4, 1, &t, &ntri) == 0);
    CHECK(ntri == 0);
}

static double rnd(void)
{
    return rand() / (RAND_MAX + 1.0);
}

/* A star-shaped ring around (cx, cy): sorted angles, radii in [r0, r1]. */
static size_t star(double *xy, double cx, double cy, size_t n, double r0, double r1, int clockwise)
{
    double *ang = malloc(n * sizeof *ang);
    for (size_t k = 0; k < n; k++)
        ang[k] = 2 * 3.141592653589793 * ((double)k + 0.8 * rnd()) / (double)n;
    for (size_t k = 0; k < n; k++) {
        double a = clockwise ? -ang[k] : ang[k], r = r0 + (r1 - r0) * rnd();
        xy[2 * k] = cx + r * cos(a);
        xy[2 * k + 1] = cy + r * sin(a);
    }
    free(ang);
    return n;
}

static void random_cases(gltf_earcut *e)
{
    srand(7);
    double xy[2 * 400];
    int bad_polys = 0, tried = 0;
    for (int it = 0; it < 400; it++) {
        double cx = 495000 + 1000 * rnd(), cy = 2494000 + 1000 * rnd();
        uint32_t ring_n[4];
        size_t nr = 1, n = 3 + (size_t)(rnd() * 120);
        ring_n[0] = (uint32_t)star(xy, cx, cy, n, 50, 100, rnd() < 0.5);
        /* a near-collinear point on some outer edges */
        if (it % 3 == 0 && ring_n[0] > 4) {
            size_t k = 1;
            memmove(xy + 2 * (k + 1), xy + 2 * k, 2 * (ring_n[0] - k) * sizeof *xy);
            xy[2 * k] = (xy[0] + xy[2 * (k + 1)]) / 2 + 1e-9;
            xy[2 * k + 1] = (xy[1] + xy[2 * (k + 1) + 1]) / 2;
            ring_n[0]++;
        }
        size_t off = ring_n[0];
        const double hc[3][2] = {{-25, 0}, {25, 0}, {0, 25}};
        int holes = (int)(rnd() * 4);
        for (int h = 0; h < holes; h++) {
            size_t m = 3 + (size_t)(rnd() * 30);
            ring_n[nr++] = (uint32_t)star(xy + 2 * off, cx + hc[h][0], cy + hc[h][1], m, 5, 15, rnd() < 0.5);
            off += m;
        }
        /* few outer points make chords that can cut a hole: not a polygon */
        GEOSGeometry *g = polygon(xy, ring_n, nr);
        int valid = GEOSisValid_r(H, g) == 1;
        GEOSGeom_destroy_r(H, g);
        if (!valid)
            continue;
        tried++;
        bad_polys += check_polygon(e, "random", xy, ring_n, nr) != 0;
    }
    CHECK_MSG(tried > 300, "only %d valid random polygons", tried);
    CHECK_MSG(bad_polys == 0, "%d random polygons with bad triangles", bad_polys);
}

/* The prism of a courtyard footprint: counts, windings, normals, volume. */
static void prism(void)
{
    const double court[] = {0, 0, 10, 0, 10, 10, 0, 10, 0, 0, 3, 3, 7, 3, 7, 7, 3, 7, 3, 3}; /* closed rings */
    const uint32_t n[] = {5, 5};
    double bot[30], top[30];
    for (int k = 0; k < 10; k++) {
        bot[3 * k] = top[3 * k] = court[2 * k] - 5;
        bot[3 * k + 1] = top[3 * k + 1] = court[2 * k + 1] - 5;
        bot[3 * k + 2] = 2;
        top[3 * k + 2] = 14;
    }
    gltf_mesh m;
    gltf_mesh_init(&m);
    CHECK(gltf_mesh_add_prism(&m, court, n, 2, bot, top, 7) == 0);
    /* roof and floor: 8 points each; walls: 8 edges x 4 vertices */
    CHECK(m.nverts == 8 + 8 + 32);
    /* roof and floor: 8 triangles each (8 points, 2 rings: n + 2h - 2); walls 16 */
    CHECK(m.nidx == 3 * (8 + 8 + 16));
    const float *p = (const float *)m.pos.data, *nr = (const float *)m.nrm.data, *fid = (const float *)m.fid.data;
    const uint32_t *ix = (const uint32_t *)m.idx.data;
    int bad_wind = 0, bad_out = 0, bad_fid = 0;
    double vol = 0;
    for (size_t t = 0; t < m.nidx; t += 3) {
        const float *a = p + 3 * ix[t], *b = p + 3 * ix[t + 1], *c = p + 3 * ix[t + 2];
        double u[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]}, v[3] = {c[0] - a[0], c[1] - a[1], c[2] - a[2]};
        double x[3] = {u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]};
        const float *nn = nr + 3 * ix[t];
        if (x[0] * nn[0] + x[1] * nn[1] + x[2] * nn[2] <= 0)
            bad_wind++;
        vol += (a[0] * ((double)b[1] * c[2] - (double)b[2] * c[1]) - a[1] * ((double)b[0] * c[2] - (double)b[2] * c[0]) +
                a[2] * ((double)b[0] * c[1] - (double)b[1] * c[0])) / 6;
    }
    for (uint32_t k = 0; k < m.nverts; k++) {
        if (fid[k] != 7)
            bad_fid++;
        /* glTF axes: x east, y up, z south; walls' normals are horizontal and
         * point away from the solid: outward on the outer ring, into the hole */
        const float *q = p + 3 * k, *nn = nr + 3 * k;
        if (fabsf(nn[1]) > 0.5f)
            continue;
        double r = hypot(q[0], q[2]);
        double dot = (q[0] * nn[0] + q[2] * nn[2]) / r;
        int outer = fabs(q[0]) > 4.5 || fabs(q[2]) > 4.5;
        if (outer ? dot <= 0 : dot >= 0)
            bad_out++;
    }
    CHECK_MSG(bad_wind == 0, "%d triangles wound against their normal", bad_wind);
    CHECK_MSG(bad_out == 0, "%d wall vertices with a normal into the solid", bad_out);
    CHECK(bad_fid == 0);
    CHECK_NEAR(vol, (100 - 16) * 12, 1e-3);
    CHECK_NEAR(m.min[1], 2, 0);
    CHECK_NEAR(m.max[1], 14, 0);
    CHECK_NEAR(m.min[0], -5, 0);
    CHECK_NEAR(m.max[2], 5, 0); /* z = -north */

    /* the GLB: header, chunk lengths, the JSON names the extensions and the table */
    gltf_table t;
    const char *names[] = {"name", "storeys"};
    const gltf_prop_type types[] = {GLTF_PROP_STRING, GLTF_PROP_INT32};
    CHECK(gltf_table_init(&t, names, types, 2) == 0);
    for (int k = 0; k < 8; k++) {
        gltf_table_put_str(&t, 0, "tower", 5);
        gltf_table_put_num(&t, 1, 12);
        gltf_table_end_row(&t);
    }
    cim_bytes glb = {0};
    CHECK(gltf_write_glb(&glb, &m, &t, "building") == 0);
    uint32_t hdr[5];
    memcpy(hdr, glb.data, sizeof hdr);
    CHECK(!memcmp(glb.data, "glTF", 4));
    CHECK(hdr[1] == 2);
    CHECK(hdr[2] == glb.len);
    CHECK(hdr[3] % 4 == 0 && !memcmp(glb.data + 16, "JSON", 4));
    uint32_t bin_len;
    memcpy(&bin_len, glb.data + 20 + hdr[3], 4);
    CHECK(20 + hdr[3] + 8 + bin_len == glb.len);
    char *json = strndup((const char *)glb.data + 20, hdr[3]);
    CHECK(strstr(json, "\"extensionsUsed\":[\"EXT_mesh_features\",\"EXT_structural_metadata\"]") != NULL);
    CHECK(strstr(json, "\"count\":8") != NULL);
    CHECK(strstr(json, "\"featureCount\":8") != NULL);
    CHECK(strstr(json, "\"stringOffsets\"") != NULL);
    free(json);
    cim_bytes_free(&glb);
    gltf_table_clear(&t);
    gltf_mesh_clear(&m);
}

int main(void)
{
    H = GEOS_init_r();
    gltf_earcut *e = gltf_earcut_new();
    hand_cases(e);
    random_cases(e);
    gltf_earcut_free(e);
    prism();
    GEOS_finish_r(H);
    return check_report();
}
