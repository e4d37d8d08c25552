/* cim/changes.h: bounding the store's change record (cim_changes).
 * Every command that changes a layer records the boxes it changed, so that
 * `cim tiles --since` re-renders only the tiles they touch; the record grows
 * with every run. A prune deletes the records of older runs and remembers
 * where the record now starts (cim_meta changes_pruned_before, the horizon):
 * a tile patch that would need a pruned record is refused (an explicit
 * since_run) or built in full (CIM_TILES_SINCE_ARCHIVE), never silently
 * incomplete. */
#ifndef CIM_CHANGES_H
#define CIM_CHANGES_H

#include <stdint.h>

#include "common.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cim_prune_options {
    unsigned int version;
    /* Exactly one of the two: */
    int64_t before_run;  /* > 0: delete the records of runs before this one (an existing run) */
    int64_t keep_runs;   /* > 0: keep the records of the keep_runs latest runs (cim_runs) */
    int dry_run;         /* count only; the store is not written */
    const char *command_line; /* recorded in cim_runs; NULL: a summary */
} cim_prune_options;
#define CIM_PRUNE_OPTIONS_VERSION 1
#define CIM_PRUNE_OPTIONS_INIT {CIM_PRUNE_OPTIONS_VERSION, 0, 0, 0, NULL}
CIM_EXTERN void cim_prune_options_init(cim_prune_options *opts);

typedef struct cim_prune_stats {
    int64_t run_id;          /* the prune's own cim_runs row (0: a dry run) */
    int64_t rows_deleted;    /* change records deleted (a dry run: that would be) */
    int64_t rows_kept;       /* change records left */
    int64_t horizon;         /* the first run whose records are all kept (0: none pruned) */
    int64_t previous_horizon;
} cim_prune_stats;

/* Deletes the change records of the runs before the horizon that opts
 * names (a horizon never moves back: an earlier one deletes nothing) and
 * records it, in one transaction that is itself a run. A store without a
 * change record is fine (nothing deleted, the horizon recorded). Errors:
 * CIM_EINVALID (neither or both of before_run and keep_runs, a before_run
 * that is no run yet, a read-only store), CIM_ESTORE. */
CIM_EXTERN int cim_changes_prune(cim_prune_stats *out, cim_store *store, const cim_prune_options *opts);

#ifdef __cplusplus
}
#endif
#endif
