/* source_citygml_int.h: the OGR reader's hook for CityGML Building layers
 * (source_citygml.c). Never installed. */
#ifndef CIM_SOURCE_CITYGML_INT_H
#define CIM_SOURCE_CITYGML_INT_H

#include "gdal_api_int.h"

#include "source_int.h"

/* Columns a building layer adds after the source's own. */
#define CIM_CITYGML_EXTRA_FIELDS 8

typedef struct cim_citygml_bldg cim_citygml_bldg;

/* For a GML "Building" layer with measuredHeight: 1 with *out set, the
 * building columns appended to l->fields (room for CIM_CITYGML_EXTRA_FIELDS
 * must be there) and the layer made 2D MultiPolygon; else 0. */
int cim_citygml_bldg_open(cim_citygml_bldg **out, OGRLayerH layer, cim_src_layer *l, const char *source);
/* The feature's footprint (a new 2D MultiPolygon the caller destroys) or NULL. */
OGRGeometryH cim_citygml_bldg_geometry(cim_citygml_bldg *b, OGRFeatureH f);
/* Sentinels to NULL in values[0..source fields) and the added columns filled. */
void cim_citygml_bldg_values(cim_citygml_bldg *b, OGRFeatureH f, const cim_src_layer *l, cim_src_value *values,
                             const char *srs_name);
void cim_citygml_bldg_free(cim_citygml_bldg *b);

#endif
