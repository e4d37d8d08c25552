/* crs_extent.c: where coordinates in a store CRS can plausibly be. A source
 * with the wrong CRS (lon/lat labelled as metres, another zone's grid) lands
 * far outside the store CRS's area of use; ingest refuses it there instead
 * of storing a city in the sea. */
#include "crs_extent_int.h"

#include <math.h>
#include <proj.h>
#include <stdio.h>

#include "error_int.h"

/* Margin around the area of use, as a share of its size: the edges of a
 * 3-degree zone are used in practice, far outside them is a mistake. */
#define EXTENT_MARGIN 0.5
#define EDGE_SAMPLES 32

int cim_crs_store_extent(int srid, double out[4])
{
    char code[32];
    snprintf(code, sizeof code, "EPSG:%d", srid);
    PJ_CONTEXT *ctx = proj_context_create();
    PJ *crs = proj_create(ctx, code);
    double w, s, e, n;
    int rc = CIM_OK;
    if (!crs || !proj_get_area_of_use(ctx, crs, &w, &s, &e, &n, NULL) || w > e) {
        /* No area of use (or crossing the antimeridian): accept anything finite. */
        out[0] = out[1] = -HUGE_VAL;
        out[2] = out[3] = HUGE_VAL;
        proj_destroy(crs);
        proj_context_destroy(ctx);
        return CIM_OK;
    }
    PJ *op = proj_create_crs_to_crs(ctx, "EPSG:4326", code, NULL);
    PJ *norm = op ? proj_normalize_for_visualization(ctx, op) : NULL;
    if (!norm) {
        rc = cim_error_set(CIM_ECRS, CIM_ERRCLASS_PROJ, "store CRS %s: no transformation from WGS84", code);
    } else {
        double minx = HUGE_VAL, miny = HUGE_VAL, maxx = -HUGE_VAL, maxy = -HUGE_VAL;
        for (int i = 0; i <= EDGE_SAMPLES; i++) {
            for (int side = 0; side < 4; side++) {
                double t = (double)i / EDGE_SAMPLES;
                double lon = side < 2 ? w + t * (e - w) : (side == 2 ? w : e);
                double lat = side < 2 ? (side == 0 ? s : n) : s + t * (n - s);
                PJ_COORD c = proj_trans(norm, PJ_FWD, proj_coord(lon, lat, 0, 0));
                if (!isfinite(c.xy.x) || !isfinite(c.xy.y) || c.xy.x == HUGE_VAL)
                    continue;
                if (c.xy.x < minx) minx = c.xy.x;
                if (c.xy.x > maxx) maxx = c.xy.x;
                if (c.xy.y < miny) miny = c.xy.y;
                if (c.xy.y > maxy) maxy = c.xy.y;
            }
        }
        double mx = (maxx - minx) * EXTENT_MARGIN, my = (maxy - miny) * EXTENT_MARGIN;
        out[0] = minx - mx;
        out[1] = miny - my;
        out[2] = maxx + mx;
        out[3] = maxy + my;
    }
    proj_destroy(norm);
    proj_destroy(op);
    proj_destroy(crs);
    proj_context_destroy(ctx);
    return rc;
}
