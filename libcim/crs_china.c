/* crs_china.c: China's web-map offsets GCJ-02 ("Mars coordinates", Amap,
 * Tencent) and BD-09 (Baidu). Neither has an EPSG code or a PROJ method, so
 * the published algorithms are implemented here; they are the ones behind the
 * widely used "coordtransform" libraries, so data converted by those tools
 * round-trips exactly.
 *
 * WGS84 -> GCJ-02 (closed form, angles in degrees, Krasovsky 1940 ellipsoid
 * a = 6378245 m, e^2 = 0.00669342162296594323):
 *   x = lon - 105, y = lat - 35
 *   T_lat(x,y) = -100 + 2x + 3y + 0.2y^2 + 0.1xy + 0.2 sqrt|x|
 *                + (20 sin 6xpi + 20 sin 2xpi) * 2/3
 *                + (20 sin ypi + 40 sin(y/3 pi)) * 2/3
 *                + (160 sin(y/12 pi) + 320 sin(y/30 pi)) * 2/3
 *   T_lon(x,y) = 300 + x + 2y + 0.1x^2 + 0.1xy + 0.1 sqrt|x|
 *                + (20 sin 6xpi + 20 sin 2xpi) * 2/3
 *                + (20 sin xpi + 40 sin(x/3 pi)) * 2/3
 *                + (150 sin(x/12 pi) + 300 sin(x/30 pi)) * 2/3
 *   m = 1 - e^2 sin^2(lat)
 *   dlat = T_lat * 180 / (a (1 - e^2) / (m sqrt m) * pi)   (metres -> degrees)
 *   dlon = T_lon * 180 / (a / sqrt m * cos(lat) * pi)
 *   gcj = (lon + dlon, lat + dlat)
 * Outside the box 73.66 < lon < 135.05, 3.86 < lat < 53.55 GCJ-02 = WGS84.
 *
 * GCJ-02 -> BD-09 (x_pi = pi * 3000 / 180):
 *   z = sqrt(lon^2 + lat^2) + 0.00002 sin(lat x_pi)
 *   t = atan2(lat, lon) + 0.000003 cos(lon x_pi)
 *   bd = (z cos t + 0.0065, z sin t + 0.006)
 * BD-09 -> GCJ-02: x = lon - 0.0065, y = lat - 0.006,
 *   z = sqrt(x^2 + y^2) - 0.00002 sin(y x_pi), t = atan2(y, x) - 0.000003 cos(x x_pi),
 *   gcj = (z cos t, z sin t). (Baidu's published pair; not an exact inverse of
 *   the forward formula: a GCJ -> BD -> GCJ round trip is off by up to 2e-6
 *   degrees, about 0.2 m, over China; kept as published so Baidu data from
 *   other tools converts identically.) */
#include "cim/crs.h"

#include <math.h>

/* The constants exactly as published, so results agree to the last bit with
 * the reference implementations the test pairs come from. */
#define GCJ_PI 3.1415926535897932384626
#define GCJ_A 6378245.0
#define GCJ_EE 0.00669342162296594323
#define BD_X_PI (GCJ_PI * 3000.0 / 180.0)

/* The inverse stops when the forward image is this close to the target. */
#define GCJ_INV_TOL 1e-10
/* The offset field is smooth (its gradient is about 1e-5), so a handful of
 * iterations reach 1e-10; the cap only guards against oscillation at the
 * box edge, where the offset jumps from zero to hundreds of metres. */
#define GCJ_INV_MAX_ITER 50

int cim_crs_gcj02_applies(double lon, double lat)
{
    return lon > 73.66 && lon < 135.05 && lat > 3.86 && lat < 53.55;
}

static double gcj_t_lat(double x, double y)
{
    double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(fabs(x));
    r += (20.0 * sin(6.0 * x * GCJ_PI) + 20.0 * sin(2.0 * x * GCJ_PI)) * 2.0 / 3.0;
    r += (20.0 * sin(y * GCJ_PI) + 40.0 * sin(y / 3.0 * GCJ_PI)) * 2.0 / 3.0;
    r += (160.0 * sin(y / 12.0 * GCJ_PI) + 320.0 * sin(y * GCJ_PI / 30.0)) * 2.0 / 3.0;
    return r;
}

static double gcj_t_lon(double x, double y)
{
    double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(fabs(x));
    r += (20.0 * sin(6.0 * x * GCJ_PI) + 20.0 * sin(2.0 * x * GCJ_PI)) * 2.0 / 3.0;
    r += (20.0 * sin(x * GCJ_PI) + 40.0 * sin(x / 3.0 * GCJ_PI)) * 2.0 / 3.0;
    r += (150.0 * sin(x / 12.0 * GCJ_PI) + 300.0 * sin(x / 30.0 * GCJ_PI)) * 2.0 / 3.0;
    return r;
}

/* The offset (degrees) that WGS84 -> GCJ-02 adds at a WGS84 point in the box. */
static void gcj_delta(double lon, double lat, double *dlon, double *dlat)
{
    double radlat = lat / 180.0 * GCJ_PI;
    double magic = sin(radlat);
    magic = 1.0 - GCJ_EE * magic * magic;
    double sqrtmagic = sqrt(magic);
    *dlat = gcj_t_lat(lon - 105.0, lat - 35.0) * 180.0
            / ((GCJ_A * (1.0 - GCJ_EE)) / (magic * sqrtmagic) * GCJ_PI);
    *dlon = gcj_t_lon(lon - 105.0, lat - 35.0) * 180.0
            / (GCJ_A / sqrtmagic * cos(radlat) * GCJ_PI);
}

void cim_crs_wgs84_to_gcj02(double *out_lon, double *out_lat, double lon, double lat)
{
    if (!cim_crs_gcj02_applies(lon, lat)) {
        *out_lon = lon;
        *out_lat = lat;
        return;
    }
    double dlon, dlat;
    gcj_delta(lon, lat, &dlon, &dlat);
    *out_lon = lon + dlon;
    *out_lat = lat + dlat;
}

/* Fixed-point iteration w <- w - (fwd(w) - g): the published one-step inverse
 * (g - delta(g)) is off by up to a few metres because the offset is evaluated
 * at the wrong point; iterating removes that. */
void cim_crs_gcj02_to_wgs84(double *out_lon, double *out_lat, double lon, double lat)
{
    double wlon = lon, wlat = lat;
    if (cim_crs_gcj02_applies(lon, lat)) {
        for (int i = 0; i < GCJ_INV_MAX_ITER; i++) {
            double glon, glat;
            cim_crs_wgs84_to_gcj02(&glon, &glat, wlon, wlat);
            double elon = glon - lon, elat = glat - lat;
            wlon -= elon;
            wlat -= elat;
            if (fabs(elon) < GCJ_INV_TOL && fabs(elat) < GCJ_INV_TOL)
                break;
        }
    }
    *out_lon = wlon;
    *out_lat = wlat;
}

void cim_crs_gcj02_to_bd09(double *out_lon, double *out_lat, double lon, double lat)
{
    double z = sqrt(lon * lon + lat * lat) + 0.00002 * sin(lat * BD_X_PI);
    double theta = atan2(lat, lon) + 0.000003 * cos(lon * BD_X_PI);
    *out_lon = z * cos(theta) + 0.0065;
    *out_lat = z * sin(theta) + 0.006;
}

void cim_crs_bd09_to_gcj02(double *out_lon, double *out_lat, double lon, double lat)
{
    double x = lon - 0.0065, y = lat - 0.006;
    double z = sqrt(x * x + y * y) - 0.00002 * sin(y * BD_X_PI);
    double theta = atan2(y, x) - 0.000003 * cos(x * BD_X_PI);
    *out_lon = z * cos(theta);
    *out_lat = z * sin(theta);
}

void cim_crs_bd09_to_wgs84(double *out_lon, double *out_lat, double lon, double lat)
{
    double glon, glat;
    cim_crs_bd09_to_gcj02(&glon, &glat, lon, lat);
    cim_crs_gcj02_to_wgs84(out_lon, out_lat, glon, glat);
}
