/* catalog_int.h: writing the catalogue (cim_layers, cim_run_layers) for a
 * layer a command has just written, ingested or derived. Never installed. */
#ifndef CIM_CATALOG_INT_H
#define CIM_CATALOG_INT_H

#include <stdint.h>

#include "store_int.h"

typedef struct cim_catalog_row {
    const char *name, *kind, *role;
    const char *source, *source_sha256, *source_format, *source_crs, *source_layer;
    const char *geometry_type, *dims; /* NULL for attribute tables */
    int64_t run_id, version, created_run, repaired;
    const char *lineage;              /* JSON */
    int has_extent;                   /* else the extent is read from the table */
    double extent[4];
} cim_catalog_row;

/* Inserts or replaces the layer's row; the feature count (and, without
 * has_extent, the extent) come from the table itself. */
int cim_catalog_put(cim_store *s, const cim_catalog_row *row);

/* The layer's current version and the run that created it; both 0 when the
 * layer is not catalogued. */
int cim_catalog_version(cim_store *s, const char *name, int64_t *version, int64_t *created_run);

typedef struct cim_run_layer_row {
    int64_t run_id;
    const char *layer, *action, *source, *source_sha256, *recipe;
    int64_t read, inserted, updated, repaired, empty;
} cim_run_layer_row;

int cim_run_layer_put(cim_store *s, const cim_run_layer_row *row);

#endif
