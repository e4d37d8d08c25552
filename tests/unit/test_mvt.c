/* test_mvt.c: the MVT encoder against commands and bytes worked out by hand
 * from the MVT 2.1 specification (its own examples for points, lines and
 * polygons), the PMTiles tile id against values from the PMTiles spec's
 * Hilbert numbering, and the MBTiles TMS row flip. */
#include <stdlib.h>

#include "check.h"
#include "mbtiles.h"
#include "mvt.h"
#include "pmtiles.h"

static int same(const mvt_geom *g, const uint32_t *want, size_t n)
{
    if (g->len != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (g->cmd[i] != want[i])
            return 0;
    return 1;
}

static void test_commands(void)
{
    mvt_geom g = {0};
    /* spec 4.3.5.1: a point at (25,17) -> MoveTo(1) +25 +17 */
    const int32_t p[] = {25, 17};
    mvt_geom_reset(&g);
    CHECK(mvt_geom_points(&g, p, 1) == 1);
    CHECK(same(&g, (const uint32_t[]){9, 50, 34}, 3));
    /* spec 4.3.5.2: multipoint (5,7), (3,2) -> MoveTo(2) +5 +7 -2 -5 */
    const int32_t mp[] = {5, 7, 3, 2};
    mvt_geom_reset(&g);
    CHECK(mvt_geom_points(&g, mp, 2) == 1);
    CHECK(same(&g, (const uint32_t[]){17, 10, 14, 3, 9}, 5));
    /* spec 4.3.5.3: line (2,2) (2,10) (10,10) */
    const int32_t ln[] = {2, 2, 2, 10, 10, 10};
    mvt_geom_reset(&g);
    CHECK(mvt_geom_line(&g, ln, 3) == 1);
    CHECK(same(&g, (const uint32_t[]){9, 4, 4, 18, 0, 16, 16, 0}, 8));
    /* spec 4.3.5.4: multilinestring: the cursor carries over to the second line */
    const int32_t ln2[] = {1, 1, 3, 5};
    CHECK(mvt_geom_line(&g, ln2, 2) == 1);
    CHECK(same(&g, (const uint32_t[]){9, 4, 4, 18, 0, 16, 16, 0, 9, 17, 17, 10, 4, 8}, 14));
    /* a repeated point is dropped (no zero-length LineTo) */
    const int32_t rep[] = {2, 2, 2, 2, 2, 10};
    mvt_geom_reset(&g);
    CHECK(mvt_geom_line(&g, rep, 3) == 1);
    CHECK(same(&g, (const uint32_t[]){9, 4, 4, 10, 0, 16}, 6));
    /* a line of one distinct point is degenerate: nothing written */
    mvt_geom_reset(&g);
    CHECK(mvt_geom_line(&g, rep, 2) == 0);
    CHECK(g.len == 0);
    /* spec 4.3.5.5: polygon (3,6) (8,12) (20,34), closed by ClosePath */
    const int32_t poly[] = {3, 6, 8, 12, 20, 34, 3, 6};
    mvt_geom_reset(&g);
    CHECK(mvt_geom_ring(&g, poly, 4, 0) == 1);
    CHECK(same(&g, (const uint32_t[]){9, 6, 12, 18, 10, 12, 24, 44, 15}, 9));
    /* its surveyor's area: 3*12-8*6 + 8*34-20*12 + 20*6-3*34 = -12+32+18 = 38 */
    CHECK(mvt_ring_area2(poly, 3) == 38);
    CHECK(mvt_ring_area2(poly, 4) == 38);
    /* reversed: (3,6) (20,34) (8,12): area -38 */
    mvt_geom_reset(&g);
    CHECK(mvt_geom_ring(&g, poly, 4, 1) == 1);
    /* reversed input is (3,6),(20,34),(8,12),(3,6): starts at the closing (3,6) */
    CHECK(same(&g, (const uint32_t[]){9, 6, 12, 18, 34, 56, 23, 43, 15}, 9));
    /* spec 4.3.5.7: multipolygon with a hole: exterior (0,0)(10,0)(10,10)(0,10)
     * then (11,11)(20,11)(20,20)(11,20) and the hole (13,13)(13,17)(17,17)(17,13) */
    const int32_t a[] = {0, 0, 10, 0, 10, 10, 0, 10};
    const int32_t b[] = {11, 11, 20, 11, 20, 20, 11, 20};
    const int32_t h[] = {13, 13, 13, 17, 17, 17, 17, 13};
    CHECK(mvt_ring_area2(a, 4) > 0);
    CHECK(mvt_ring_area2(h, 4) < 0);
    mvt_geom_reset(&g);
    CHECK(mvt_geom_ring(&g, a, 4, 0) == 1);
    CHECK(mvt_geom_ring(&g, b, 4, 0) == 1);
    CHECK(mvt_geom_ring(&g, h, 4, 0) == 1);
    const uint32_t want[] = {9, 0, 0, 26, 20, 0, 0, 20, 19, 0, 15, 9, 22, 2, 26, 18, 0, 0, 18, 17, 0, 15,
                             9, 4, 13, 26, 0, 8, 8, 0, 0, 7, 15};
    CHECK(same(&g, want, sizeof want / sizeof want[0]));
    /* a ring of three collinear points has no area: nothing written */
    const int32_t flat[] = {0, 0, 5, 5, 10, 10};
    mvt_geom_reset(&g);
    CHECK(mvt_geom_ring(&g, flat, 3, 0) == 0);
    mvt_geom_free(&g);
}

static void test_tile_bytes(void)
{
    mvt_layer *l = mvt_layer_new("a", 4096);
    mvt_geom g = {0};
    const int32_t p[] = {25, 17};
    mvt_geom_points(&g, p, 1);
    mvt_value v = {.type = MVT_UINT, .u = 7};
    int64_t k = mvt_layer_key(l, "k", 1), val = mvt_layer_value(l, &v);
    CHECK(k == 0 && val == 0);
    /* the same key and value again: deduplicated */
    CHECK(mvt_layer_key(l, "k", 1) == 0);
    CHECK(mvt_layer_value(l, &v) == 0);
    /* 7 as a signed int is another value */
    mvt_value vi = {.type = MVT_INT, .i = 7};
    CHECK(mvt_layer_key(l, "j", 1) == 1);
    uint32_t tags[] = {(uint32_t)k, (uint32_t)val};
    uint64_t id = 1;
    CHECK(mvt_layer_add(l, &id, MVT_POINT, tags, 2, &g) == 0);
    mvt_buf out = {0};
    mvt_layer_reset(l);
    CHECK(mvt_layer_feature_count(l) == 0);
    /* after reset the tables start again at index 0 */
    CHECK(mvt_layer_value(l, &vi) == 0);
    CHECK(mvt_layer_value(l, &v) == 1);
    mvt_layer_reset(l);
    mvt_layer_key(l, "k", 1);
    mvt_layer_value(l, &v);
    mvt_layer_add(l, &id, MVT_POINT, tags, 2, &g);
    CHECK(mvt_tile_encode(&out, &l, 1) == 0);
    /* worked out by hand: Tile.layers(3) { version(15)=2, name(1)="a",
     * features(2) { id(1)=1, tags(2)=[0,0], type(3)=1, geometry(4)=[9,50,34] },
     * keys(3)="k", values(4) { uint_value(5)=7 }, extent(5)=4096 } */
    const uint8_t want[] = {0x1a, 0x1e, 0x78, 0x02, 0x0a, 0x01, 'a',  0x12, 0x0d, 0x08, 0x01, 0x12,
                            0x02, 0x00, 0x00, 0x18, 0x01, 0x22, 0x03, 0x09, 0x32, 0x22, 0x1a, 0x01,
                            'k',  0x22, 0x02, 0x28, 0x07, 0x28, 0x80, 0x20};
    CHECK_MSG(out.len == sizeof want, "%zu bytes", out.len);
    CHECK(out.len == sizeof want && !memcmp(out.data, want, sizeof want));
    CHECK(mvt_layer_size(l) + 2 == out.len);
    /* typed values: string, double, sint, bool encode with their own field numbers */
    mvt_layer_reset(l);
    mvt_value s = {.type = MVT_STRING, .s = "ab", .s_len = 2}, d = {.type = MVT_DOUBLE, .d = 1.5},
              si = {.type = MVT_SINT, .i = -3}, bo = {.type = MVT_BOOL, .i = 1};
    CHECK(mvt_layer_value(l, &s) == 0 && mvt_layer_value(l, &d) == 1 && mvt_layer_value(l, &si) == 2 &&
          mvt_layer_value(l, &bo) == 3 && mvt_layer_value(l, &s) == 0);
    mvt_layer_add(l, NULL, MVT_POINT, NULL, 0, &g);
    out.len = 0;
    mvt_tile_encode(&out, &l, 1);
    /* values section: 22 04 0a 02 'a' 'b' | 22 09 19 <1.5 LE> | 22 02 30 05 | 22 02 38 01 */
    const uint8_t vals[] = {0x22, 0x04, 0x0a, 0x02, 'a',  'b',  0x22, 0x09, 0x19, 0,    0,    0,    0, 0,
                            0,    0xf8, 0x3f, 0x22, 0x02, 0x30, 0x05, 0x22, 0x02, 0x38, 0x01, 0x28, 0x80, 0x20};
    CHECK(out.len > sizeof vals && !memcmp(out.data + out.len - sizeof vals, vals, sizeof vals));
    /* a feature without id or tags: 12 07 18 01 22 03 09 32 22 */
    const uint8_t feat[] = {0x12, 0x07, 0x18, 0x01, 0x22, 0x03, 0x09, 0x32, 0x22};
    CHECK(!memcmp(out.data + 7, feat, sizeof feat));
    /* a tile of empty layers is empty */
    mvt_layer_reset(l);
    out.len = 0;
    CHECK(mvt_tile_encode(&out, &l, 1) == 0 && out.len == 0);
    /* gzip: the magic bytes and a stored length (ISIZE) equal to the input's */
    mvt_buf gz = {0};
    const uint8_t text[] = "vector tiles vector tiles vector tiles";
    CHECK(mvt_gzip(&gz, text, sizeof text, 6) == 0);
    CHECK(gz.len > 18 && gz.data[0] == 0x1f && gz.data[1] == 0x8b);
    CHECK(gz.len > 18 && gz.data[gz.len - 4] == sizeof text);
    mvt_buf_free(&gz);
    mvt_buf_free(&out);
    mvt_geom_free(&g);
    mvt_layer_free(l);
}

static void test_tile_ids(void)
{
    /* PMTiles v3 spec: z0 is id 0; z1 follows the Hilbert curve (0,0) (0,1) (1,1) (1,0) */
    CHECK(pmtiles_tile_id(0, 0, 0) == 0);
    CHECK(pmtiles_tile_id(1, 0, 0) == 1);
    CHECK(pmtiles_tile_id(1, 0, 1) == 2);
    CHECK(pmtiles_tile_id(1, 1, 1) == 3);
    CHECK(pmtiles_tile_id(1, 1, 0) == 4);
    /* z2 starts after 1 + 4 tiles; its curve starts (0,0) (1,0) (1,1) (0,1) */
    CHECK(pmtiles_tile_id(2, 0, 0) == 5);
    CHECK(pmtiles_tile_id(2, 1, 0) == 6);
    CHECK(pmtiles_tile_id(2, 1, 1) == 7);
    CHECK(pmtiles_tile_id(2, 0, 1) == 8);
    CHECK(pmtiles_tile_id(2, 3, 0) == 20);
    /* the last tile of z2 is (3,0) -> 5 + 15 = 20; z3 starts at 21 */
    CHECK(pmtiles_tile_id(3, 0, 0) == 21);
    /* ids of a zoom are a permutation: every one distinct and in range */
    int seen[64] = {0}, ok = 1;
    for (uint32_t x = 0; x < 8; x++)
        for (uint32_t y = 0; y < 8; y++) {
            uint64_t id = pmtiles_tile_id(3, x, y) - 21;
            if (id >= 64 || seen[id]++)
                ok = 0;
        }
    CHECK(ok);
    CHECK(mbtiles_tms_row(0, 0) == 0);
    CHECK(mbtiles_tms_row(3, 0) == 7);
    CHECK(mbtiles_tms_row(14, 6000) == 16383 - 6000);
}

int main(void)
{
    test_commands();
    test_tile_bytes();
    test_tile_ids();
    return check_report();
}
