/* crs_int.h: source CRS -> store CRS transforms used by ingest (never installed).
 *
 * A transform is built from the user's --s-srs spec (if any) and otherwise the
 * source layer's own SRS (WKT from GDAL), towards the store's EPSG code, with
 * x = easting / longitude order on both sides (PROJ's traditional GIS order).
 * Specs understood: the forms PROJ's proj_create accepts (EPSG:n and other
 * authority codes, WKT, PROJJSON, PROJ strings; "+proj=..." without
 * +type=crs is taken as the CRS it describes), plus, case-insensitively,
 * "gcj02" and "bd09" (Chinese web-map lon/lat, converted to WGS84 by
 * crs_china.c, then EPSG:4326 -> store by PROJ) and
 * "helmert2d:base=<CRS>,dx=<m>,dy=<m>,rot=<arc-seconds>,scale=<ppm>" (a local
 * grid: the inverse 2D Helmert of crs.h takes the coordinates to the base
 * projected CRS, then PROJ base -> store).
 * One transform per thread: it owns its PROJ context (and captures PROJ's log
 * there: nothing is printed). A missing, unknown or unusable CRS is CIM_ECRS
 * with the spec and PROJ's message in cim_error_last(). */
#ifndef CIM_CRS_INT_H
#define CIM_CRS_INT_H

#include <stddef.h>

typedef struct cim_transform cim_transform;

/* src_spec: the user's spec or NULL; src_wkt: the source's SRS as WKT or NULL.
 * With both NULL: CIM_ECRS ("the source has no CRS; give --s-srs").
 * dst_srid: EPSG code of the store CRS. */
int cim_transform_new(cim_transform **out, const char *src_spec, const char *src_wkt, int dst_srid);
void cim_transform_free(cim_transform *t);

/* A copy for another thread (own PROJ context). */
int cim_transform_clone(cim_transform **out, const cim_transform *t);

/* Non-zero when points pass through unchanged: no pre-step and PROJ's
 * operation is a no-op (the same CRS, however spelt, or CRSs PROJ links by a
 * null datum shift only, e.g. EPSG:4490 -> EPSG:4326). */
int cim_transform_is_identity(const cim_transform *t);
/* Non-zero when source coordinates are longitude/latitude in degrees
 * (so values outside [-180,180] x [-90,90] are bad input). */
int cim_transform_src_is_geographic(const cim_transform *t);
/* A short human name of the source CRS: "gcj02", "bd09",
 * "helmert2d(<base>)", else "AUTH:code" when the CRS carries an identifier
 * ("EPSG:4326", also from a WKT with AUTHORITY/ID), else the CRS's name,
 * else the spec text. Borrowed. */
const char *cim_transform_src_name(const cim_transform *t);

/* Transforms n points in place. xy points at x of the first point; y follows x;
 * consecutive points are stride doubles apart (2 for XY, 3 for XYZ; z is left
 * unchanged). Returns CIM_ECRS naming the first point that failed or came out
 * non-finite (PROJ's HUGE_VAL, NaN input), with its input coordinates and
 * index (also in *bad_index when bad_index is not NULL); the array's contents
 * are then unspecified. */
int cim_transform_points(cim_transform *t, double *xy, size_t n, size_t stride, size_t *bad_index);

#endif
