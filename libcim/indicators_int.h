/* indicators_int.h: what indicators.c (reading, limits, writing) and
 * indicators_calc.c (per-parcel geometry, storey rules) share. Never
 * installed. */
#ifndef CIM_INDICATORS_INT_H
#define CIM_INDICATORS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "cim/indicators.h"
#include "geos_io_int.h"

/* Comparisons with a limit allow this much (rounding of areas). */
#define CIM_IND_EPS 1e-9

enum { CIM_IND_USE_UNKNOWN = 0, CIM_IND_USE_RESIDENTIAL, CIM_IND_USE_OFFICE, CIM_IND_USE_INDUSTRIAL };

typedef struct cim_ind_building {
    int64_t fid;
    void *blob;
    size_t blob_len;
    double height;   /* NAN = unknown */
    double storeys;  /* NAN = unknown */
    int use;         /* CIM_IND_USE_* from the building's own use field */
} cim_ind_building;

typedef struct cim_ind_parcel {
    int64_t fid;
    void *blob;
    size_t blob_len;
    char *id;        /* the id field's text, or NULL */
    int use;         /* CIM_IND_USE_* from the land-use code */
    double far_limit, coverage_limit, height_limit; /* NAN = none */
    size_t *cand;    /* buildings whose envelope meets the parcel's */
    size_t ncand;
} cim_ind_parcel;

typedef struct cim_ind_job {
    const cim_ind_parcel *parcels;
    const cim_ind_building *buildings;
    cim_storey_heights storey;
} cim_ind_job;

typedef struct cim_ind_parcel_result {
    int64_t building_count, skipped, over_height;
    double gfa, far, coverage, max_height, setback, spacing; /* NAN = NULL */
    size_t *members;  /* indices of the buildings in the parcel */
    size_t nmembers;
} cim_ind_parcel_result;

int cim_ind_use_from_text(const char *text);
int cim_ind_use_from_landuse(const char *code);
double cim_ind_storey_height(const cim_storey_heights *sh, int use);
/* storeys when known, else max(1, round(height / storey_height)); NAN when neither is known. */
double cim_ind_floors(double storeys, double height, double storey_height);

/* The indicators of parcel pi, on this thread's GEOS context. */
int cim_ind_compute(cim_geos_io *io, const cim_ind_job *job, size_t pi, cim_ind_parcel_result *r);

#endif
