/* cim/indicators.h: building indicators per parcel (规划设计要点): FAR,
 * building coverage, maximum height, minimum setback, minimum spacing, and
 * pass/fail against the parcel's own limits. */
#ifndef CIM_INDICATORS_H
#define CIM_INDICATORS_H

#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where the parcel limits come from. */
typedef enum {
    CIM_LIMITS_NONE = 0,  /* no limits: the *_limit and *_ok columns are NULL */
    CIM_LIMITS_SZ,        /* Shenzhen planning fields far_limit, height_limit_m (and coverage_limit if present) */
    CIM_LIMITS_PLATEAU,   /* PLATEAU zoning floorAreaRate, buildingCoverageRate (fractions or percents) */
    CIM_LIMITS_FIELDS     /* the far_field / coverage_field / height_limit_field named below */
} cim_limits_source;

/* Storey heights in metres, used for a building with a height but no storey
 * count: floors = max(1, round(height / storey height)). The use comes from
 * the building's use field first, else from the parcel's land-use code:
 *   residential: use residential/residence/housing/house/dwelling/住宅, PLATEAU usage 411-415,
 *                land use R*
 *   office:      use office/commercial/retail/business/public/hotel/school/hospital/civic,
 *                PLATEAU usage 401-404, 421, 422, land use C* and GIC*
 *   industrial:  use industrial/factory/warehouse/logistics/storage/workshop,
 *                PLATEAU usage 431, 441, 452, land use M* and W*
 *   anything else: the default storey height. */
typedef struct cim_storey_heights {
    double residential; /* 3.0 */
    double office;      /* 3.9 (office, commercial, public) */
    double industrial;  /* 5.0 */
    double other;       /* 3.0 */
} cim_storey_heights;

typedef struct cim_indicators_options {
    unsigned int version;
    const char *parcels;        /* polygon layer (required) */
    const char *buildings;      /* polygon layer of footprints (required) */
    const char *height_field;   /* NULL: height_m, height or measuredHeight if present */
    const char *storeys_field;  /* NULL: storeys, floors or storeysAboveGround if present */
    const char *use_field;      /* NULL: use or usage if present */
    const char *landuse_field;  /* parcels' land-use code; NULL: landuse if present */
    const char *id_field;       /* parcels' id, copied to the output; NULL: parcel_id if present */
    cim_limits_source limits;
    const char *far_field;          /* CIM_LIMITS_FIELDS: any of the three may be NULL */
    const char *coverage_field;
    const char *height_limit_field;
    const char *out;            /* output layer; NULL = "indicators" */
    int replace;                /* replace an existing output layer */
    size_t threads;             /* 0 = the number of online CPUs */
    cim_storey_heights storey;
    cim_progress_cb progress;
    void *progress_payload;
    const char *command_line;   /* recorded in cim_runs */
} cim_indicators_options;
#define CIM_INDICATORS_OPTIONS_VERSION 1
#define CIM_INDICATORS_OPTIONS_INIT {CIM_INDICATORS_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
                                     CIM_LIMITS_NONE, NULL, NULL, NULL, NULL, 0, 0, {3.0, 3.9, 5.0, 3.0}, \
                                     NULL, NULL, NULL}
CIM_EXTERN void cim_indicators_options_init(cim_indicators_options *opts);

typedef struct cim_indicators_result {
    int64_t run_id;
    double seconds;
    char *out_layer;
    int64_t parcels;                 /* rows written (parcels with geometry) */
    int64_t parcels_without_geometry;
    int64_t buildings;               /* building rows with geometry */
    int64_t buildings_without_geometry;
    int64_t buildings_skipped;       /* neither height nor storeys: no floor area (but in coverage) */
    int64_t buildings_outside;       /* in no parcel */
    int64_t buildings_over_height;   /* taller than the limit of a parcel they stand in */
    int64_t far_checked, far_violations;       /* parcels with a limit (and a value); over it */
    int64_t coverage_checked, coverage_violations;
    int64_t height_checked, height_violations;
    int64_t parcels_with_violations;
    int far_percent;                 /* the layer's FAR limits were percents (divided by 100) */
    int coverage_percent;            /* the layer's coverage limits were percents */
} cim_indicators_result;

/* Computes the indicators of every parcel and writes them as a derived layer
 * (the parcels' geometry) in one transaction: on any failure the store is
 * left exactly as it was. */
CIM_EXTERN int cim_indicators(cim_indicators_result **out, cim_store *store, const cim_indicators_options *opts);
CIM_EXTERN void cim_indicators_result_free(cim_indicators_result *res);

#ifdef __cplusplus
}
#endif
#endif
