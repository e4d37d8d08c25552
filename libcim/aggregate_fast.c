/* aggregate_fast.c: one group's union straight from the store's geometry
 * blobs. The rings go from the blob into the edge set and the traced union
 * comes out as WKB, so a clean coverage (the common case) never builds a GEOS
 * geometry: parsing the blobs into GEOS and writing the union back out had
 * been a fifth of aggregation's time. Anything else (a blob class this does
 * not read, parcels that are not a clean coverage, a union the check cannot
 * prove) returns 0 and the caller takes the GEOS path. */
#include "aggregate_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf_int.h"
#include "wkb_int.h"

typedef struct blob_rings {
    cim_agg_edges *e;
    double *xy;           /* the ring's points, aligned, 2D */
    size_t cap;
    size_t rings;
} blob_rings;

static int on_ring(const uint8_t *coords, uint32_t n, int stride, int hole, void *payload)
{
    blob_rings *br = payload;
    if (n > br->cap) {
        double *v = realloc(br->xy, 2 * (size_t)n * sizeof *v);
        if (!v)
            return -1;
        br->xy = v;
        br->cap = n;
    }
    for (uint32_t i = 0; i < n; i++)
        memcpy(br->xy + 2 * i, coords + (size_t)i * (size_t)stride * 8, 16);
    br->rings++;
    return cim_agg_edges_ring(br->e, br->xy, n, hole);
}

static void put_u32(cim_buf *b, uint32_t v)
{
    cim_buf_put(b, &v, 4);
}

static int put_ring(cim_buf *b, const cim_agg_ring *r)
{
    if (cim_buf_reserve(b, 4 + r->n * 16))
        return -1;
    put_u32(b, (uint32_t)r->n);
    cim_buf_put(b, r->xy, r->n * 16);
    return 0;
}

/* ISO WKB MultiPolygon of the rings: shells in tracing order, each with the
 * holes whose parent it is. */
static int write_wkb(cim_buf *b, const cim_agg_ring *rings, size_t nr, const size_t *parent)
{
    size_t *first = malloc((nr + 1) * sizeof *first);  /* per ring: its holes' range in list */
    size_t *list = malloc((nr ? nr : 1) * sizeof *list);
    int rc = first && list ? 0 : -1;
    uint32_t ns = 0;
    if (!rc) {
        memset(first, 0, (nr + 1) * sizeof *first);
        for (size_t i = 0; i < nr; i++) {
            if (rings[i].area > 0)
                ns++;
            else
                first[parent[i] + 1]++;
        }
        for (size_t i = 0; i < nr; i++)
            first[i + 1] += first[i];
        size_t *fill = calloc(nr ? nr : 1, sizeof *fill);
        rc = fill ? 0 : -1;
        for (size_t i = 0; i < nr && !rc; i++)
            if (rings[i].area < 0)
                list[first[parent[i]] + fill[parent[i]]++] = i;
        free(fill);
    }
    if (!rc && !cim_buf_reserve(b, 9)) {
        uint8_t le = 1;
        cim_buf_put(b, &le, 1);
        put_u32(b, CIM_WKB_MULTIPOLYGON);
        put_u32(b, ns);
    } else {
        rc = -1;
    }
    for (size_t i = 0; i < nr && !rc; i++) {
        if (rings[i].area <= 0)
            continue;
        size_t nh = first[i + 1] - first[i];
        if (cim_buf_reserve(b, 9)) {
            rc = -1;
            break;
        }
        uint8_t le = 1;
        cim_buf_put(b, &le, 1);
        put_u32(b, CIM_WKB_POLYGON);
        put_u32(b, (uint32_t)(1 + nh));
        rc = put_ring(b, &rings[i]);
        for (size_t k = first[i]; k < first[i + 1] && !rc; k++)
            rc = put_ring(b, &rings[list[k]]);
    }
    free(first);
    free(list);
    return rc;
}

int cim_agg_fast_block(cim_agg_block *b, const unsigned char *const *blobs, const size_t *lens, size_t n)
{
    cim_agg_edges e = {0};
    blob_rings br = {.e = &e};
    int64_t parcels = 0;
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++) {
        size_t before = br.rings;
        ok = cim_splite_blob_rings(blobs[i], lens[i], on_ring, &br) == 0;
        parcels += br.rings > before;
    }
    free(br.xy);
    cim_agg_ring *rings = NULL;
    size_t nr = 0, *parent = NULL;
    ok = ok && parcels > 0 && cim_agg_edges_trace(&e, &rings, &nr, &parent) == 1;
    double parcel_area = e.area2 / 2, area2 = 0, minx = HUGE_VAL, miny = HUGE_VAL;
    for (size_t i = 0; i < nr && ok; i++) {
        area2 += rings[i].area;
        minx = fmin(minx, rings[i].minx);
        miny = fmin(miny, rings[i].miny);
    }
    /* What a true coverage gives: the union's area is the parcels' sum. */
    ok = ok && fabs(area2 / 2 - parcel_area) <= 1e-9 * parcel_area;
    cim_buf wkb = {0};
    ok = ok && write_wkb(&wkb, rings, nr, parent) == 0;
    if (ok) {
        b->wkb = (unsigned char *)wkb.data;
        b->wkb_len = wkb.len;
        b->area = area2 / 2;
        b->parcels = parcels;
        b->minx = minx;
        b->miny = miny;
    } else {
        cim_buf_free(&wkb);
    }
    cim_agg_rings_free(rings, nr);
    free(parent);
    cim_agg_edges_free(&e);
    return ok;
}
