/* changes_int.h: the per-run change record of layers (cim_changes), so that
 * `cim tiles --since RUN` re-renders only the tiles that a later run touched.
 * A row is a box (store CRS) a run changed in a layer: the old and the new
 * box of each feature an append or upsert inserted, updated or deleted
 * (recorded by TEMP triggers while the command writes), or, for a layer
 * rewritten whole (create, replace, a derived layer), its extent before and
 * after (fid NULL). The table is created when first written: stores made
 * before it open unchanged, and a reader that finds no table sees no
 * recorded change. Never installed. */
#ifndef CIM_CHANGES_INT_H
#define CIM_CHANGES_INT_H

#include <stdint.h>

#include "store_int.h"

/* Records every insert, update and delete on layer by run_id until
 * cim_changes_unwatch (TEMP triggers; the caller's transaction). */
int cim_changes_watch(cim_store *s, int64_t run_id, const char *layer);
int cim_changes_unwatch(cim_store *s, const char *layer);
/* The layer's catalogued extent into box; *has 0 when it has none (or no layer). */
int cim_changes_extent(cim_store *s, const char *layer, double box[4], int *has);
/* Records that run_id changed box of layer wholesale (fid NULL). */
int cim_changes_put_box(cim_store *s, int64_t run_id, const char *layer, const double box[4]);
/* Both: records the layer's current catalogued extent, if any. */
int cim_changes_put_extent(cim_store *s, int64_t run_id, const char *layer);

#endif
