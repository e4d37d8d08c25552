/* geos_io_int.h: store geometry in and out of GEOS, for the operations (one
 * per thread, on that thread's GEOS context). Never installed. */
#ifndef CIM_GEOS_IO_INT_H
#define CIM_GEOS_IO_INT_H

#include <geos_c.h>
#include <stddef.h>

#include "buf_int.h"

typedef struct cim_geos_io {
    GEOSContextHandle_t h;
    GEOSWKBReader *reader;
    GEOSWKBWriter *writer;
    cim_buf wkb;          /* scratch: a blob decoded to WKB */
} cim_geos_io;

/* A GEOS context with its notices silenced and its errors kept as cim's. */
GEOSContextHandle_t cim_geos_context_new(void);
void cim_geos_io_init(cim_geos_io *io, GEOSContextHandle_t h);
void cim_geos_io_clear(cim_geos_io *io);

/* A SpatiaLite blob (a geom column value) as a GEOS geometry, or NULL with a
 * cim error set. The caller destroys it with GEOSGeom_destroy_r. */
GEOSGeometry *cim_geos_from_blob(cim_geos_io *io, const void *blob, size_t len);

/* ISO WKB (2D, little-endian) of g, for cim_derived_put; free with
 * GEOSFree_r(io->h, ...). NULL with a cim error set on failure. */
unsigned char *cim_geos_to_wkb(cim_geos_io *io, const GEOSGeometry *g, size_t *len);

#endif
