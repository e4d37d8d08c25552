/* cim/siting.h: the siting check (多规合一 / 统一空间核查): a proposed site
 * overlaid on control layers (生态保护红线, 基本生态控制线, 永久基本农田,
 * 城镇开发边界, 蓝线/绿线/紫线/黄线/橙线, 工业区块线 ...), each with a rule
 * and a severity, giving per layer the overlap with the site and overall the
 * verdict 符合 / 有条件符合 / 不符合 (the worst severity wins). */
#ifndef CIM_SITING_H
#define CIM_SITING_H

#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a control layer says about building on it. */
typedef enum {
    CIM_SITING_FORBIDDEN = 0,     /* no building on it (e.g. 生态保护红线); default severity FAIL */
    CIM_SITING_RESTRICTED,        /* allowed under conditions; default CONDITIONAL */
    CIM_SITING_NEEDS_APPROVAL,    /* needs a further approval; default CONDITIONAL */
    CIM_SITING_INFO,              /* reported only; default NONE */
    CIM_SITING_OUTSIDE_FORBIDDEN  /* the part of the site OUTSIDE the layer is the conflict
                                     (城镇开发边界); default FAIL */
} cim_siting_rule;

/* Severity of a conflict, ordered: the verdict is the worst one found. */
typedef enum {
    CIM_SITING_NONE = 0,          /* no effect on the verdict: 符合 */
    CIM_SITING_CONDITIONAL = 1,   /* 有条件符合 */
    CIM_SITING_FAIL = 2           /* 不符合 */
} cim_siting_severity;

/* Names as written on the command line: "forbidden", "restricted",
 * "needs_approval", "info", "outside_forbidden"; severities "fail",
 * "conditional", "none". Parsing returns CIM_EINVALID (with a message
 * listing the spellings) for anything else. */
CIM_EXTERN const char *cim_siting_rule_name(cim_siting_rule rule);
CIM_EXTERN int cim_siting_rule_parse(cim_siting_rule *out, const char *name);
CIM_EXTERN const char *cim_siting_severity_name(cim_siting_severity sev);
CIM_EXTERN int cim_siting_severity_parse(cim_siting_severity *out, const char *name);
CIM_EXTERN cim_siting_severity cim_siting_rule_default_severity(cim_siting_rule rule);
/* The verdict a severity leads to: "符合", "有条件符合", "不符合". */
CIM_EXTERN const char *cim_siting_verdict_name(cim_siting_severity sev);

typedef struct cim_siting_control {
    const char *layer;            /* a polygon layer in the store */
    cim_siting_rule rule;
    int severity;                 /* a cim_siting_severity, or -1 for the rule's default */
} cim_siting_control;

/* Parses "LAYER:RULE[:SEVERITY]" into out; out->layer points into buf
 * (buf_len bytes, at least strlen(spec) + 1). CIM_EINVALID on bad spelling. */
CIM_EXTERN int cim_siting_control_parse(cim_siting_control *out, char *buf, size_t buf_len, const char *spec);

typedef struct cim_siting_options {
    unsigned int version;
    /* The site: either a vector file (every polygon of every layer, unioned),
     * read like ingest reads it (GeoJSON natively, other formats by GDAL),
     * reprojected to the store CRS ... */
    const char *site_file;
    const char *site_srs;         /* the file's CRS, overriding/assigning it (as ingest's --s-srs) */
    /* ... or a layer of the store, optionally filtered by an SQL expression. */
    const char *site_layer;
    const char *site_where;
    const cim_siting_control *controls;
    size_t control_count;
    /* Sliver tolerance: an overlap counts only when it is at least
     * tolerance_m2 AND at least tolerance_pct percent of the site area;
     * smaller overlaps are listed as slivers. Negative = default
     * (1 m², 0.1 %). */
    double tolerance_m2;
    double tolerance_pct;
    /* With out: the overlap pieces (one per control layer with a non-empty
     * conflict geometry) written as a derived layer, in one transaction with
     * a cim_runs row. Without: the store is only read. */
    const char *out;
    int replace;
    size_t threads;               /* 0 = all CPUs */
    cim_progress_cb progress;
    void *progress_payload;
    const char *command_line;     /* recorded in cim_runs with out */
} cim_siting_options;
#define CIM_SITING_OPTIONS_VERSION 1
#define CIM_SITING_OPTIONS_INIT {CIM_SITING_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, 0, \
                                 -1.0, -1.0, NULL, 0, 0, NULL, NULL, NULL}
CIM_EXTERN void cim_siting_options_init(cim_siting_options *opts);

/* A control feature the site touches. */
typedef struct cim_siting_feature {
    int64_t fid;
    double area_m2;               /* area of site ∩ feature */
    double pct;                   /* of the site area, 0..100 */
    int sliver;                   /* below the tolerance: not a hit */
    char **values;                /* the layer's identifying attributes, as text (NULL = null) */
} cim_siting_feature;

typedef struct cim_siting_layer_result {
    char *layer;
    cim_siting_rule rule;
    cim_siting_severity severity; /* in force (given or the rule's default) */
    /* site ∩ union(layer): */
    double overlap_m2, overlap_pct;
    int intersects;               /* overlap_m2 is at or above the tolerance */
    /* The conflict: the overlap, or for OUTSIDE_FORBIDDEN the site minus the
     * layer. conflict is set when conflict_m2 is at or above the tolerance. */
    double conflict_m2, conflict_pct;
    int conflict;
    cim_siting_severity effect;   /* severity when conflict, else NONE */
    size_t hit_count, sliver_count;
    size_t feature_count;         /* features touching the site (hits and slivers), by fid */
    cim_siting_feature *features;
    size_t attr_count;            /* identifying attributes chosen from the layer's fields */
    char **attr_names;
    /* The data version the answer rests on (cim_layers). */
    int64_t layer_version;
    char *source_sha256;          /* NULL for derived layers */
    char *ingested_at;
    char *source;
    int64_t layer_features;       /* features in the whole layer */
} cim_siting_layer_result;

typedef struct cim_siting_result {
    cim_siting_severity verdict;  /* the worst effect; see cim_siting_verdict_name */
    char *site;                   /* the file path or "layer NAME [where ...]" */
    size_t site_features;
    double site_area_m2;
    double site_extent[4];
    double tolerance_m2, tolerance_pct;
    double threshold_m2;          /* max(tolerance_m2, tolerance_pct % of the site) */
    size_t layer_count;
    cim_siting_layer_result *layers;
    int64_t run_id;               /* with out; else 0 */
    char *out_layer;
    size_t out_rows;
    double seconds;
} cim_siting_result;

/* Runs the check. Bad options are CIM_EINVALID; a missing site file, layer or
 * control layer CIM_ENOTFOUND; a site that is not polygonal or has no area,
 * a control layer that is not polygonal or is empty CIM_EFORMAT; a site file
 * without a CRS CIM_ECRS. On failure the store is left as it was. */
CIM_EXTERN int cim_siting_check(cim_siting_result **out, cim_store *store, const cim_siting_options *opts);
CIM_EXTERN void cim_siting_result_free(cim_siting_result *res);

#ifdef __cplusplus
}
#endif
#endif
