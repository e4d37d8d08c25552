/* cim/crs.h: coordinate conversions PROJ does not have: China's GCJ-02 and
 * BD-09 web-map offsets, and local grids given as a base CRS plus a 2D
 * similarity (Helmert) transform. */
#ifndef CIM_CRS_H
#define CIM_CRS_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Non-zero when (lon, lat) lies in the box where GCJ-02 applies an offset;
 * outside it GCJ-02 equals WGS84 (the published algorithm's rule). */
CIM_EXTERN int cim_crs_gcj02_applies(double lon, double lat);

/* WGS84 -> GCJ-02: the published closed form. */
CIM_EXTERN void cim_crs_wgs84_to_gcj02(double *out_lon, double *out_lat, double lon, double lat);
/* GCJ-02 -> WGS84: inverse by fixed-point iteration to 1e-10 degrees. */
CIM_EXTERN void cim_crs_gcj02_to_wgs84(double *out_lon, double *out_lat, double lon, double lat);
/* GCJ-02 <-> BD-09: Baidu's published formulas. */
CIM_EXTERN void cim_crs_gcj02_to_bd09(double *out_lon, double *out_lat, double lon, double lat);
CIM_EXTERN void cim_crs_bd09_to_gcj02(double *out_lon, double *out_lat, double lon, double lat);
CIM_EXTERN void cim_crs_bd09_to_wgs84(double *out_lon, double *out_lat, double lon, double lat);

/* Local grids (e.g. Shenzhen's 深圳独立坐标系): a base projected CRS plus a
 * 2D similarity transform, with the direction and signs of PROJ's 2D
 * `+proj=helmert +x=dx +y=dy +theta=rot +s=k` (forward = base -> local):
 *
 *   k = 1 + scale_ppm * 1e-6,  r = rot_arcsec / 3600 degrees
 *   local_x = dx + k * ( cos(r) * base_x + sin(r) * base_y)
 *   local_y = dy + k * (-sin(r) * base_x + cos(r) * base_y)
 *
 * and the inverse (local -> base), which is what ingest applies because the
 * source coordinates are local grid coordinates:
 *
 *   base_x = ( cos(r) * (local_x - dx) - sin(r) * (local_y - dy)) / k
 *   base_y = ( sin(r) * (local_x - dx) + cos(r) * (local_y - dy)) / k
 *
 * A positive rot turns a base point clockwise about the origin (the local
 * axes are the base axes turned anticlockwise). dx, dy are in the base CRS
 * unit (metres). Note PROJ's 2D form takes +s as the factor k itself, not in
 * ppm (PROJ 9.1: +s=1.000001 for 1 ppm), unlike its 7-parameter form.
 *
 * As a source CRS spec (--s-srs) the grid is written
 *   helmert2d:base=EPSG:4547,dx=<m>,dy=<m>,rot=<arc-seconds>,scale=<ppm>
 * where base is anything PROJ accepts as a projected CRS; dx, dy, rot and
 * scale default to 0 and may come in any order. */
typedef struct cim_crs_helmert2d {
    double dx, dy;     /* shift, base CRS units (metres) */
    double rot_arcsec; /* rotation, arc-seconds */
    double scale_ppm;  /* scale difference, parts per million; must be > -1e6 */
} cim_crs_helmert2d;

/* base -> local (PROJ's forward direction). */
CIM_EXTERN void cim_crs_helmert2d_to_local(double *out_x, double *out_y, const cim_crs_helmert2d *h, double x, double y);
/* local -> base (PROJ's inverse direction). */
CIM_EXTERN void cim_crs_helmert2d_to_base(double *out_x, double *out_y, const cim_crs_helmert2d *h, double x, double y);

#ifdef __cplusplus
}
#endif
#endif
