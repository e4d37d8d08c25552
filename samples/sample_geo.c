/* sample_geo.c: local metres to WGS84 lon/lat through PROJ. The district is
 * built in EPSG:4547 (CGCS2000 3-degree Gauss-Kruger CM 114E, x = easting),
 * and GeoJSON (RFC 7946) wants WGS84 lon/lat, so every written coordinate
 * passes through here. CGCS2000 and WGS84 differ by centimetres; PROJ uses
 * its ballpark (null) datum step, which is what the rest of the toolkit does. */
#include <math.h>
#include <proj.h>

#include "sample_int.h"

static void proj_err(PJ_CONTEXT *ctx, const char *what, char *err, size_t errlen)
{
    int e = proj_context_errno(ctx);
    snprintf(err, errlen, "PROJ: %s: %s", what,
             e ? proj_context_errno_string(ctx, e) : "failed");
}

int sample_geo_open(sample_geo *g, double lon0, double lat0, char *err, size_t errlen)
{
    g->ctx = g->pj = NULL;
    /* Own context: the library may run on any thread and must not touch
     * PROJ's default context's state. */
    PJ_CONTEXT *ctx = proj_context_create();
    if (!ctx) {
        snprintf(err, errlen, "PROJ: cannot create a context");
        return -1;
    }
    PJ *raw = proj_create_crs_to_crs(ctx, "EPSG:4547", "EPSG:4326", NULL);
    if (!raw) {
        proj_err(ctx, "EPSG:4547 to EPSG:4326", err, errlen);
        proj_context_destroy(ctx);
        return -1;
    }
    /* EPSG axis order is northing/easting and lat/lon; traditional GIS order
     * gives x = easting in and lon, lat out. */
    PJ *pj = proj_normalize_for_visualization(ctx, raw);
    proj_destroy(raw);
    if (!pj) {
        proj_err(ctx, "normalising axis order", err, errlen);
        proj_context_destroy(ctx);
        return -1;
    }
    PJ_COORD c = proj_coord(lon0, lat0, 0, 0);
    c = proj_trans(pj, PJ_INV, c);
    if (!isfinite(c.xy.x) || !isfinite(c.xy.y) || c.xy.x == HUGE_VAL) {
        proj_err(ctx, "placing the district origin", err, errlen);
        proj_destroy(pj);
        proj_context_destroy(ctx);
        return -1;
    }
    g->origin_x = round(c.xy.x / 10.0) * 10.0;
    g->origin_y = round(c.xy.y / 10.0) * 10.0;
    g->ctx = ctx;
    g->pj = pj;
    return 0;
}

int sample_geo_lonlat(sample_geo *g, double *x, double *y, size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        x[i] += g->origin_x;
        y[i] += g->origin_y;
    }
    size_t done = proj_trans_generic((PJ *)g->pj, PJ_FWD, x, sizeof(double), n,
                                     y, sizeof(double), n, NULL, 0, 0, NULL, 0, 0);
    if (done != n) {
        proj_err((PJ_CONTEXT *)g->ctx, "EPSG:4547 to EPSG:4326", err, errlen);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i]) || x[i] == HUGE_VAL) {
            snprintf(err, errlen, "PROJ: point outside EPSG:4547's area");
            return -1;
        }
    }
    return 0;
}

void sample_geo_close(sample_geo *g)
{
    if (g->pj)
        proj_destroy((PJ *)g->pj);
    if (g->ctx)
        proj_context_destroy((PJ_CONTEXT *)g->ctx);
    g->pj = g->ctx = NULL;
}
