/* crs_extent_int.h: the plausible extent of a store CRS (never installed). */
#ifndef CIM_CRS_EXTENT_INT_H
#define CIM_CRS_EXTENT_INT_H

/* The EPSG area of use of srid, in its own coordinates (x = easting), widened
 * by half its size on each side. Infinite bounds when PROJ has no area. */
int cim_crs_store_extent(int srid, double out[4]);

#endif
