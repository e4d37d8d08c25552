/* sample_parcels.c: writes parcels.geojson and buildings.geojson block by
 * block. Each block's nodes are converted to lon/lat once, so neighbouring
 * parcels print the very same digits for a shared vertex. */
#include <stdlib.h>
#include <string.h>

#include "sample_int.h"

typedef struct buffers {
    double *lon, *lat;             /* a block's nodes */
    size_t cap;
    double blon[SAMPLE_BUILDING_MAXV], blat[SAMPLE_BUILDING_MAXV];
} buffers;

static int reserve(buffers *z, size_t n)
{
    if (n <= z->cap)
        return 0;
    size_t cap = z->cap ? z->cap : 256;
    while (cap < n)
        cap *= 2;
    double *a = realloc(z->lon, cap * sizeof(double));
    if (!a)
        return -1;
    z->lon = a;
    double *b = realloc(z->lat, cap * sizeof(double));
    if (!b)
        return -1;
    z->lat = b;
    z->cap = cap;
    return 0;
}

static void write_parcel(sample_out *o, const sample_layout *L, const sample_block *B,
                         const sample_parcel *p, const char *id, const buffers *z)
{
    int idx[SAMPLE_RING_MAX];
    double lon[SAMPLE_RING_MAX], lat[SAMPLE_RING_MAX];
    int n = sample_parcel_ring(B, p, idx, SAMPLE_RING_MAX);
    for (int k = 0; k < n; k++) {
        lon[k] = z->lon[idx[k]];
        lat[k] = z->lat[idx[k]];
    }
    int s = B->nx + 1;
    double cx = 0.5 * (B->nodex[p->j0 * s + p->i0] + B->nodex[p->j1 * s + p->i1]);
    double cy = 0.5 * (B->nodey[p->j0 * s + p->i0] + B->nodey[p->j1 * s + p->i1]);
    sample_feature_begin(o);
    sample_prop_str(o, "parcel_id", id);
    sample_prop_str(o, "scheme", "SZ");
    sample_prop_str(o, "landuse", sample_lu_code(p->lu));
    sample_prop_str(o, "landuse_plan", sample_lu_code(p->plan));
    sample_prop_real(o, "far_limit", p->far, 1);
    sample_prop_real(o, "height_limit_m", p->height_limit, 1);
    sample_prop_str(o, "street", sample_street_name(sample_layout_street(L, cx, cy)));
    sample_prop_str(o, "district", "南山区");
    sample_geom_polygon(o, lon, lat, n);
}

static int write_buildings(sample_ctx *c, sample_out *o, const sample_block *B,
                           const sample_parcel *p, const char *pid, sample_rng *r, buffers *z)
{
    sample_building bl[SAMPLE_BUILDINGS_PER_PARCEL];
    int n = sample_buildings_make(B, p, r, bl);
    for (int k = 0; k < n; k++) {
        sample_building *b = &bl[k];
        for (int v = 0; v < b->nv; v++) {
            z->blon[v] = b->x[v];
            z->blat[v] = b->y[v];
        }
        if (sample_geo_lonlat(&c->geo, z->blon, z->blat, (size_t)b->nv, c->err, c->errlen) < 0)
            return -1;
        char id[32];
        snprintf(id, sizeof id, "BLD-%07lld", (long long)(c->sum->buildings + 1));
        sample_feature_begin(o);
        sample_prop_str(o, "building_id", id);
        sample_prop_str(o, "parcel_id", pid);
        if (b->height < 0) {
            sample_prop_null(o, "height_m");
            c->sum->buildings_no_height++;
        } else {
            sample_prop_real(o, "height_m", b->height, 1);
        }
        if (b->storeys < 0) {
            sample_prop_null(o, "storeys");
            c->sum->buildings_no_storeys++;
        } else {
            sample_prop_int(o, "storeys", b->storeys);
        }
        sample_prop_str(o, "use", b->use);
        sample_geom_polygon(o, z->blon, z->blat, b->nv);
        c->sum->buildings++;
    }
    return 0;
}

int sample_write_parcels(sample_ctx *c)
{
    const sample_layout *L = &c->layout;
    sample_out po, bo;
    sample_block B;
    buffers z;
    memset(&B, 0, sizeof B);
    memset(&z, 0, sizeof z);
    if (sample_out_open(&po, c->dir, "parcels.geojson", "parcels", c->err, c->errlen) < 0)
        return -1;
    if (sample_out_open(&bo, c->dir, "buildings.geojson", "buildings", c->err, c->errlen) < 0) {
        sample_out_abort(&po);
        return -1;
    }
    int rc = -1;
    int nb = sample_layout_blocks(L);
    for (int b = 0; b < nb; b++) {
        if (sample_block_build(&B, L, b) < 0) {
            snprintf(c->err, c->errlen, "out of memory building block %d", b);
            goto done;
        }
        size_t nn = (size_t)(B.nx + 1) * (size_t)(B.ny + 1);
        if (reserve(&z, nn) < 0) {
            snprintf(c->err, c->errlen, "out of memory building block %d", b);
            goto done;
        }
        memcpy(z.lon, B.nodex, nn * sizeof(double));
        memcpy(z.lat, B.nodey, nn * sizeof(double));
        if (sample_geo_lonlat(&c->geo, z.lon, z.lat, nn, c->err, c->errlen) < 0)
            goto done;
        /* Buildings draw from their own stream so changing them leaves the
         * parcels' bytes alone. */
        sample_rng r;
        sample_rng_init(&r, L->seed, RNG_BUILDING, (uint64_t)b);
        for (int k = 0; k < B.nparcels; k++) {
            char id[32];
            snprintf(id, sizeof id, "NS-%06lld", (long long)(c->sum->parcels + 1));
            write_parcel(&po, L, &B, &B.parcels[k], id, &z);
            c->sum->parcels++;
            if (write_buildings(c, &bo, &B, &B.parcels[k], id, &r, &z) < 0)
                goto done;
        }
        c->sum->forbidden_conversions += B.forbidden;
    }
    rc = 0;
done:
    free(z.lon);
    free(z.lat);
    sample_block_free(&B);
    if (rc == 0) {
        if (sample_out_close(&po, c->err, c->errlen) < 0) {
            sample_out_abort(&bo);
            return -1;
        }
        return sample_out_close(&bo, c->err, c->errlen);
    }
    sample_out_abort(&po);
    sample_out_abort(&bo);
    return rc;
}
