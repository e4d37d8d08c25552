/* cim/aggregate.h: parcel aggregation. A polygon layer dissolved per group
 * (the distinct values of one or more fields; NULL is a group of its own),
 * optionally split into contiguous blocks (连片), written to the store as a
 * derived layer with areas in m², hectares and mu. */
#ifndef CIM_AGGREGATE_H
#define CIM_AGGREGATE_H

#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cim_aggregate_options {
    unsigned int version;
    const char *const *by;   /* group fields of the layer (at least one) */
    size_t by_count;
    int contiguous;          /* non-zero: one row per contiguous block of a group */
    double gap;              /* with contiguous: parcels within this many metres are one block (0 = touching) */
    int replace;             /* replace the output layer if it exists */
    size_t threads;          /* worker threads; 0 = the number of online CPUs */
    cim_progress_cb progress;
    void *progress_payload;
    const char *command_line; /* recorded in cim_runs */
} cim_aggregate_options;
#define CIM_AGGREGATE_OPTIONS_VERSION 1
#define CIM_AGGREGATE_OPTIONS_INIT {CIM_AGGREGATE_OPTIONS_VERSION, NULL, 0, 0, 0.0, 0, 0, NULL, NULL, NULL}
CIM_EXTERN void cim_aggregate_options_init(cim_aggregate_options *opts);

typedef struct cim_aggregate_result {
    int64_t run_id;
    int64_t parcels;         /* features dissolved (with a non-empty geometry) */
    int64_t skipped;         /* features without geometry (left out) */
    int64_t groups;          /* distinct group values */
    int64_t rows;            /* rows written: groups, or blocks with contiguous */
    int64_t fallbacks;       /* unions where the coverage union failed or was wrong and unary union ran */
    double total_area_m2;    /* sum of area_m2 over the rows */
    size_t threads;          /* threads used */
    double seconds;
} cim_aggregate_result;

/* Dissolves layer's polygons per group of opts->by into the derived layer
 * out_layer: the group fields (same types), `block` (with contiguous: 1..n
 * per group, ordered by the block's minimum x, then minimum y), area_m2,
 * area_ha, area_mu (亩 = 10,000/15 m²) and parcel_count; rows ordered by the
 * group values, then block; identical for any thread count. One
 * transaction: on failure the store is left as it was.
 * CIM_ENOTFOUND: no such layer or field; CIM_EFORMAT: not a polygon layer or
 * no polygons; CIM_EEXISTS: out_layer exists and replace is not set. */
CIM_EXTERN int cim_aggregate(cim_aggregate_result **out, cim_store *store, const char *layer,
                             const char *out_layer, const cim_aggregate_options *opts);
CIM_EXTERN void cim_aggregate_result_free(cim_aggregate_result *res);

#ifdef __cplusplus
}
#endif
#endif
