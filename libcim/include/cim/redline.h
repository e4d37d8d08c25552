/* cim/redline.h: industrial block-line checks (工业区块线, DOMAIN.md IBL-01
 * to IBL-06) of parcels against block-line polygons. */
#ifndef CIM_REDLINE_H
#define CIM_REDLINE_H

#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Finding severities, worst first. */
typedef enum {
    CIM_SEVERITY_ERROR = 0,
    CIM_SEVERITY_NEEDS_APPROVAL,
    CIM_SEVERITY_WARNING,
    CIM_SEVERITY_INFO,
    CIM_SEVERITY_COUNT
} cim_severity;

/* "error", "needs_approval", "warning", "info". */
CIM_EXTERN const char *cim_severity_name(cim_severity s);

/* Every threshold of the checks; the rules-file key is given in [brackets]. */
typedef struct cim_redline_params {
    unsigned int version;
    double inside_share;        /* [inside_share] IBL-01: inside when share >= this (0.5) */
    double sliver_area_m2;      /* [sliver_area_m2] IBL-01: an overlap of at most this area is a sliver (1) */
    double sliver_share;        /* [sliver_share] ... or of at most this share of the parcel (0.001) */
    cim_severity conversion_level1; /* [conversion_severity_level1] IBL-02 M0/M1 to R or C in a level-1 line (error) */
    cim_severity conversion_level2; /* [conversion_severity_level2] ... in a level-2 line (needs_approval) */
    cim_severity support_use;   /* [support_severity] IBL-02 M0/M1 -> S, U, G*, GIC* (warning) */
    cim_severity partial;       /* [partial_severity] IBL-01 a parcel partly inside a line (info) */
    double m0_cap_level1;       /* [m0_cap_level1] IBL-03 area(M0)/area(M0+M1) cap, level 1 (0.1, unverified) */
    double m0_cap_level2;       /* [m0_cap_level2] ... level 2 (0.3, unverified) */
    cim_severity m0_cap;        /* [m0_cap_severity] IBL-03 severity when over the cap (error) */
    double contiguity_gap_m;    /* [contiguity_gap_m] IBL-06 lines within this distance form one block (10) */
    double min_block_area_m2;   /* [min_block_area_m2] IBL-06 blocks below this area are reported (100000) */
    cim_severity small_block;   /* [small_block_severity] IBL-06 severity (warning) */
    cim_severity balance;       /* [balance_severity] IBL-05 a tier loses area: added - removed < 0 (error) */
    double target_m2;           /* [target_m2] IBL-05 total line area after adjustment >= this (270 km2, unverified) */
    cim_severity target;        /* [target_severity] IBL-05 under the target (warning) */
    cim_severity protected_overlap; /* [protected_severity] IBL-05 added land on protected land (error) */
    double industrial_gfa_share; /* [industrial_gfa_share] IBL-04 industrial GFA / all GFA in a line >= this (0.7) */
    cim_severity gfa_share;     /* [gfa_share_severity] IBL-04 severity when under it (error) */
} cim_redline_params;
#define CIM_REDLINE_PARAMS_VERSION 1
#define CIM_REDLINE_PARAMS_INIT {CIM_REDLINE_PARAMS_VERSION, 0.5, 1.0, 0.001, CIM_SEVERITY_ERROR, \
                                 CIM_SEVERITY_NEEDS_APPROVAL, CIM_SEVERITY_WARNING, CIM_SEVERITY_INFO, 0.1, 0.3, \
                                 CIM_SEVERITY_ERROR, 10.0, 100000.0, CIM_SEVERITY_WARNING, CIM_SEVERITY_ERROR, \
                                 270e6, CIM_SEVERITY_WARNING, CIM_SEVERITY_ERROR, 0.7, CIM_SEVERITY_ERROR}
CIM_EXTERN void cim_redline_params_init(cim_redline_params *p);

/* Overrides params from a rules file: lines "key = value" with the keys
 * above, '#' comments and blank lines. An unknown key or a bad value is
 * CIM_EFORMAT naming the file and line; a missing file CIM_ENOTFOUND. */
CIM_EXTERN int cim_redline_params_load(cim_redline_params *p, const char *path);

/* The parameters as a JSON object (caller frees). */
CIM_EXTERN char *cim_redline_params_json(const cim_redline_params *p);

typedef struct cim_redline_options {
    unsigned int version;
    const char *parcels;        /* polygon layer */
    const char *lines;          /* block-line polygon layer */
    const char *level_field;    /* on lines: 1 or 2; NULL = "level"; "" = every line is default_level */
    int default_level;          /* 1 or 2, with level_field "" */
    const char *landuse_field;  /* on parcels: current SZ code; NULL = "landuse"; "" = none (no IBL-02/03) */
    const char *proposed_field; /* on parcels: proposed SZ code; NULL = "landuse_plan"; "" = none (no IBL-02) */
    const char *out;            /* result layer; NULL = "redline_result"; findings go to OUT_findings */
    const char *lines_before;   /* IBL-05: the block lines before adjustment (same level field); NULL = no IBL-05 */
    const char *protected_layer; /* IBL-05: ecological / farmland polygons added land must not overlap; NULL = none */
    const char *gfa_layer;      /* IBL-04: a `cim indicators` result for the parcels (gfa_m2); NULL = no IBL-04 */
    int replace;                /* replace existing output layers */
    size_t threads;             /* 0 = all CPUs */
    const cim_redline_params *params; /* NULL = defaults */
    cim_progress_cb progress;
    void *progress_payload;
    const char *command_line;   /* recorded in cim_runs */
} cim_redline_options;
#define CIM_REDLINE_OPTIONS_VERSION 1
#define CIM_REDLINE_OPTIONS_INIT {CIM_REDLINE_OPTIONS_VERSION, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, \
                                  NULL, 0, 0, NULL, NULL, NULL, NULL}
CIM_EXTERN void cim_redline_options_init(cim_redline_options *opts);

#define CIM_REDLINE_RULES 6 /* IBL-01 .. IBL-06, index rule-1 */

typedef struct cim_redline_result {
    int64_t run_id;
    char *out_layer, *findings_table;
    int64_t parcels, lines;      /* features in the layers */
    int64_t parcels_skipped;     /* parcels read (box meets a line's) without geometry or of zero area */
    int64_t rows;                /* result rows (parcel x line beyond the sliver tolerance) */
    int64_t parcels_inside;      /* parcels inside at least one line */
    int64_t parcels_partial;     /* parcels partly inside a line, inside none */
    int64_t slivers;             /* parcel x line overlaps within the sliver tolerance (not written) */
    int64_t contained;           /* parcel x line pairs settled by prepared contains (no intersection) */
    int64_t intersections;       /* intersections computed */
    int64_t blocks;              /* IBL-06 contiguous blocks */
    int64_t findings[CIM_REDLINE_RULES][CIM_SEVERITY_COUNT];
    int64_t errors;              /* findings of severity error */
    int balance_run;             /* IBL-05 was checked (lines_before given) */
    int gfa_run;                 /* IBL-04 was checked (gfa_layer given) */
    size_t threads;
    double seconds;
} cim_redline_result;

/* Runs the checks and writes both outputs in one transaction: on any
 * failure the store is left as it was. */
CIM_EXTERN int cim_check_redline(cim_redline_result **out, cim_store *store, const cim_redline_options *opts);
CIM_EXTERN void cim_redline_result_free(cim_redline_result *res);

#ifdef __cplusplus
}
#endif
#endif
