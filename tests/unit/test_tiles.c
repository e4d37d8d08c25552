/* test_tiles.c: one tile rendered from hand-made features, checked against
 * commands worked out by hand: a square inside the tile (no clipping, ring
 * as given), a square across the right edge (clipped at the 64-unit
 * buffer), tiny polygons coalesced by accumulated area, and a feature limit
 * met by dropping the smallest feature. Coordinates are chosen at zoom 0,
 * where one tile unit is 2 * 20037508.34 / 4096 metres. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tiles_int.h"

#define UNIT (2 * TL_WORLD / TL_EXTENT)

static tl_layer layer;

/* A square polygon in tile units (y down) at zoom 0. */
static void add_square(double x0, double y0, double x1, double y1)
{
    tl_layer *l = &layer;
    l->f = realloc(l->f, (l->nf + 1) * sizeof *l->f);
    l->coords = realloc(l->coords, (l->ncoords + 10) * sizeof *l->coords);
    l->shapes = realloc(l->shapes, (l->nshapes + 3) * sizeof *l->shapes);
    tl_feature *f = &l->f[l->nf];
    memset(f, 0, sizeof *f);
    f->id = l->nf + 1;
    f->type = MVT_POLYGON;
    f->coord_off = l->ncoords;
    f->shape_off = l->nshapes;
    f->ncoords = 5;
    const double u[] = {x0, y0, x1, y0, x1, y1, x0, y1, x0, y0};
    for (int i = 0; i < 5; i++) {
        l->coords[l->ncoords++] = -TL_WORLD + u[2 * i] * UNIT;
        l->coords[l->ncoords++] = TL_WORLD - u[2 * i + 1] * UNIT;
    }
    l->shapes[l->nshapes++] = 1;
    l->shapes[l->nshapes++] = 1;
    l->shapes[l->nshapes++] = 5;
    f->box[0] = -TL_WORLD + x0 * UNIT;
    f->box[2] = -TL_WORLD + x1 * UNIT;
    f->box[1] = TL_WORLD - y1 * UNIT;
    f->box[3] = TL_WORLD - y0 * UNIT;
    f->size = (x1 - x0) * (y1 - y0) * UNIT * UNIT;
    l->nf++;
}

static int contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
    for (size_t i = 0; hay && i + m <= n; i++)
        if (!memcmp(hay + i, needle, m))
            return 1;
    return 0;
}

static void reset_layer(void)
{
    free(layer.f);
    free(layer.coords);
    free(layer.shapes);
    memset(&layer, 0, sizeof layer);
    layer.name = "t";
}

/* Decodes the first geometry's MoveTo/LineTo points (zigzag deltas) from a
 * raw tile into pts; returns the point count. */
static size_t first_ring(const uint8_t *t, size_t len, int32_t *pts, size_t max)
{
    /* find the feature's geometry field: tag 0x22 inside the feature */
    for (size_t i = 0; i + 2 < len; i++) {
        if (t[i] != 0x18 || t[i + 1] != 0x03 || t[i + 2] != 0x22)
            continue; /* type = POLYGON, then geometry */
        size_t p = i + 3, glen = 0;
        int shift = 0;
        while (t[p] & 0x80)
            glen |= (size_t)(t[p++] & 0x7f) << shift, shift += 7;
        glen |= (size_t)t[p++] << shift;
        size_t end = p + glen, n = 0;
        int32_t cx = 0, cy = 0;
        uint32_t v[4096];
        size_t nv = 0;
        while (p < end && nv < 4096) {
            uint32_t x = 0;
            shift = 0;
            while (t[p] & 0x80)
                x |= (uint32_t)(t[p++] & 0x7f) << shift, shift += 7;
            x |= (uint32_t)t[p++] << shift;
            v[nv++] = x;
        }
        for (size_t k = 0; k < nv;) {
            uint32_t id = v[k] & 7, count = v[k] >> 3;
            k++;
            if (id == 7)
                return n; /* the first ring ends */
            for (uint32_t c = 0; c < count && n < max; c++) {
                cx += (int32_t)((v[k] >> 1) ^ -(v[k] & 1));
                cy += (int32_t)((v[k + 1] >> 1) ^ -(v[k + 1] & 1));
                k += 2;
                pts[2 * n] = cx;
                pts[2 * n + 1] = cy;
                n++;
            }
        }
        return n;
    }
    return 0;
}

static int render(const tl_limits *lim, uint8_t **out, size_t *len, cim_tiles_zoom_stats *st)
{
    tl_renderer r;
    tl_ref *refs = calloc(layer.nf, sizeof *refs);
    for (size_t i = 0; i < layer.nf; i++)
        refs[i] = (tl_ref){0, (uint32_t)i};
    memset(st, 0, sizeof *st);
    int rc = tl_renderer_init(&r, &layer, 1, lim);
    if (!rc)
        rc = tl_render_tile(&r, 0, 0, 0, refs, layer.nf, out, len, st);
    tl_renderer_clear(&r);
    free(refs);
    return rc;
}

int main(void)
{
    tl_grid grid;
    tl_grid_init(&grid, CIM_TILES_WEBMERCATOR);
    tl_limits lim = {500000, 200000, 64, 0, &grid};
    uint8_t *out = NULL;
    size_t len = 0;
    cim_tiles_zoom_stats st;
    int32_t pts[64];

    /* inside: (100,100)-(200,200) comes out as given, area positive (exterior) */
    reset_layer();
    add_square(100, 100, 200, 200);
    CHECK(render(&lim, &out, &len, &st) == 0);
    /* geometry: MoveTo(1) +100 +100, LineTo(3) +100 0, 0 +100, -100 0, ClosePath */
    const uint8_t geom[] = {0x22, 0x10, 0x09, 0xc8, 0x01, 0xc8, 0x01, 0x1a, 0xc8, 0x01, 0x00,
                            0x00, 0xc8, 0x01, 0xc7, 0x01, 0x00, 0x0f};
    CHECK(out && contains(out, len, geom, sizeof geom));
    CHECK(st.tiles == 1 && st.features == 1);
    free(out);

    /* across the right edge: (4000,100)-(4200,200) clipped at 4096 + 64 */
    reset_layer();
    add_square(4000, 100, 4200, 200);
    CHECK(render(&lim, &out, &len, &st) == 0);
    size_t n = out ? first_ring(out, len, pts, 32) : 0;
    int32_t minx = 1 << 30, maxx = -(1 << 30), miny = 1 << 30, maxy = -(1 << 30);
    for (size_t i = 0; i < n; i++) {
        minx = pts[2 * i] < minx ? pts[2 * i] : minx;
        maxx = pts[2 * i] > maxx ? pts[2 * i] : maxx;
        miny = pts[2 * i + 1] < miny ? pts[2 * i + 1] : miny;
        maxy = pts[2 * i + 1] > maxy ? pts[2 * i + 1] : maxy;
    }
    CHECK_MSG(n == 4, "%zu points", n);
    CHECK(minx == 4000 && maxx == 4160 && miny == 100 && maxy == 200);
    CHECK(n == 4 && mvt_ring_area2(pts, n) == 2 * 160 * 100);
    free(out);

    /* tiny: 0.3 x 0.3 units = 0.09 each; ten accumulate 0.9 < 1 cell: all dropped */
    reset_layer();
    for (int i = 0; i < 10; i++)
        add_square(500 + 10 * i, 500, 500.3 + 10 * i, 500.3);
    CHECK(render(&lim, &out, &len, &st) == 0);
    CHECK(out == NULL && st.tiny_dropped == 10 && st.tiny_coalesced == 0 && st.tiles == 0);
    free(out);
    /* twelve: the twelfth brings 1.08 >= 1 cell: one square drawn, eleven dropped */
    reset_layer();
    for (int i = 0; i < 12; i++)
        add_square(500 + 10 * i, 500, 500.3 + 10 * i, 500.3);
    CHECK(render(&lim, &out, &len, &st) == 0);
    CHECK_MSG(st.tiny_dropped == 11 && st.tiny_coalesced == 1 && st.features == 1, "%lld dropped, %lld coalesced",
              (long long)st.tiny_dropped, (long long)st.tiny_coalesced);
    free(out);

    /* a limit of 1 feature: the smaller of two squares goes, and it is counted */
    reset_layer();
    add_square(100, 100, 200, 200);
    add_square(300, 300, 310, 310);
    tl_limits one = {500000, 1, 64, 0, &grid};
    CHECK(render(&one, &out, &len, &st) == 0);
    CHECK_MSG(st.features == 1 && st.limit_dropped == 1, "%lld kept, %lld dropped", (long long)st.features,
              (long long)st.limit_dropped);
    CHECK(out && contains(out, len, geom, sizeof geom)); /* the big one stayed */
    free(out);

    /* a byte limit below the tile's size: dropped until under it */
    reset_layer();
    for (int i = 0; i < 200; i++)
        add_square(10 * (i % 40), 10 * (i / 40), 10 * (i % 40) + 5 + (i % 3), 10 * (i / 40) + 5);
    tl_limits small = {600, 200000, 64, 1, &grid};
    CHECK(render(&small, &out, &len, &st) == 0);
    CHECK_MSG(out && len <= 600 && st.limit_dropped > 0 && st.features + st.limit_dropped == 200,
              "%zu bytes, %lld kept, %lld dropped", len, (long long)st.features, (long long)st.limit_dropped);
    CHECK(out && out[0] == 0x1f && out[1] == 0x8b); /* gzip */
    free(out);

    reset_layer();
    return check_report();
}
