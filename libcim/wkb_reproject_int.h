/* wkb_reproject_int.h: moving a WKB geometry from a source CRS into the
 * store CRS in place (axis swap, then the transform), shared by ingest and
 * by readers of one-off inputs such as a siting check's site. Never installed. */
#ifndef CIM_WKB_REPROJECT_INT_H
#define CIM_WKB_REPROJECT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "crs_int.h"

typedef struct cim_wkb_reprojector {
    cim_transform *t;   /* borrowed */
    int swap;           /* the source gives latitude (northing) first */
    double *tmp;        /* aligned scratch: WKB doubles are unaligned */
    size_t cap;
} cim_wkb_reprojector;

/* Swaps (if asked) and transforms every coordinate of wkb in place.
 * Returns 0 or CIM_ECRS with PROJ's reason. */
int cim_wkb_reproject(cim_wkb_reprojector *r, uint8_t *wkb, size_t len);
void cim_wkb_reprojector_clear(cim_wkb_reprojector *r);

#endif
