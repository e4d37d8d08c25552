/* derived_int.h: writing a layer computed from others (dissolved parcels,
 * check results, indicators) exactly like an ingested one: a table with fid,
 * typed attributes and a registered geom column, a packed R*Tree, and a
 * catalogue row of kind 'derived' with its lineage. Runs inside the caller's
 * transaction and run. Never installed. */
#ifndef CIM_DERIVED_INT_H
#define CIM_DERIVED_INT_H

#include <stddef.h>
#include <stdint.h>

#include "source_int.h"
#include "store_int.h"

typedef struct cim_derived cim_derived;

typedef struct cim_derived_field {
    const char *name;
    cim_field_type type;
} cim_derived_field;

/* Starts layer `name` with these fields and geometry type (CIM_WKB_*, e.g.
 * CIM_WKB_MULTIPOLYGON; 0 = any; CIM_DERIVED_NO_GEOMETRY = an attribute
 * table such as a findings list). An existing layer is CIM_EEXISTS unless
 * replace is set. */
#define CIM_DERIVED_NO_GEOMETRY UINT32_MAX
int cim_derived_begin(cim_derived **out, cim_store *s, const char *name, uint32_t geom_type,
                      const cim_derived_field *fields, size_t nfields, int replace);

/* Adds a row: values[nfields] (cim_src_value, .is_null for NULL), and ISO
 * WKB in the store CRS (NULL: no geometry). Single geometries are promoted
 * to the layer's multi type. */
int cim_derived_put(cim_derived *d, const uint8_t *wkb, size_t wkb_len, const cim_src_value *values);

/* Packs the index, restores SpatiaLite's triggers and writes the catalogue
 * rows (cim_layers kind 'derived' with lineage JSON; cim_run_layers action
 * 'derive'). */
int cim_derived_finish(cim_derived *d, int64_t run_id, const char *role, const char *lineage_json);

/* The same for a layer read from a source file rather than computed (e.g.
 * kind 'bim' from an IFC file): the catalogue row carries the source, its
 * SHA-256, format and CRS; cim_run_layers gets action (create/replace). */
typedef struct cim_derived_source {
    const char *kind, *role, *source, *sha256, *format, *crs, *action, *recipe;
} cim_derived_source;
int cim_derived_finish_source(cim_derived *d, int64_t run_id, const cim_derived_source *src, const char *lineage_json);
void cim_derived_free(cim_derived *d);

#endif
