/* siting_int.h: the parts of the siting check that share data (never
 * installed): reading the proposed site (siting_site.c) for the overlay
 * (siting.c). */
#ifndef CIM_SITING_INT_H
#define CIM_SITING_INT_H

#include <geos_c.h>
#include <stddef.h>

#include "cim/siting.h"
#include "store_int.h"

/* Reads the site of opts (site_file or site_layer) into one valid polygonal
 * GEOS geometry in the store CRS (the union of its polygons), on context h.
 * *features is the number of site features read. On failure NULL with a cim
 * error set (the message names the file or layer and the feature). */
GEOSGeometry *cim_siting_site_read(GEOSContextHandle_t h, cim_store *s, const cim_siting_options *opts,
                                   size_t *features);

/* The polygonal part of g (polygons of a collection), as a new geometry:
 * a MultiPolygon, or an empty one. */
GEOSGeometry *cim_siting_polygonal(GEOSContextHandle_t h, const GEOSGeometry *g);

#endif
