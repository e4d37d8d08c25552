/* cim/report.h: reports planners read and nightly jobs consume: land use per
 * district, and the results of the checks (redline, siting, indicators,
 * sensors), as one self-contained HTML page with a map, CSV or JSON with
 * the same figures. A report only reads the store. */
#ifndef CIM_REPORT_H
#define CIM_REPORT_H

#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    CIM_REPORT_LANDUSE = 0, /* area per land-use class per polygon of `by` (computed here) */
    CIM_REPORT_REDLINE,     /* a `cim check redline` result layer and its findings */
    CIM_REPORT_SITING,      /* a `cim check siting` result layer */
    CIM_REPORT_INDICATORS,  /* a `cim indicators` result layer */
    CIM_REPORT_SENSORS      /* a `cim sensors summarize|gaps --out` table */
} cim_report_kind;

typedef enum { CIM_REPORT_HTML = 0, CIM_REPORT_CSV, CIM_REPORT_JSON } cim_report_format;

/* "landuse", "redline", ... -> kind; CIM_EINVALID for anything else. */
CIM_EXTERN int cim_report_kind_parse(cim_report_kind *out, const char *name);
CIM_EXTERN const char *cim_report_kind_name(cim_report_kind kind);
/* From a file name's extension (.html/.htm, .csv, .json); CIM_EINVALID otherwise. */
CIM_EXTERN int cim_report_format_from_path(cim_report_format *out, const char *path);

typedef struct cim_report_options {
    unsigned int version;
    cim_report_kind kind;
    cim_report_format format;
    const char *layer;     /* landuse: the land-use polygons; others: the result layer (required) */
    const char *field;     /* landuse: the class field; NULL = "landuse" when the layer has it, else none */
    const char *by;        /* landuse: the polygons to report per (required) */
    const char *by_field;  /* landuse: the name of a `by` polygon; NULL = its first text field, else fid */
    const char *title;     /* NULL: a title from the kind and layer */
    int map_width;         /* HTML map width in pixels; 0 = 900 */
} cim_report_options;
#define CIM_REPORT_OPTIONS_VERSION 1
#define CIM_REPORT_OPTIONS_INIT {CIM_REPORT_OPTIONS_VERSION, CIM_REPORT_LANDUSE, CIM_REPORT_HTML, NULL, NULL, NULL, NULL, NULL, 0}
CIM_EXTERN void cim_report_options_init(cim_report_options *opts);

typedef struct cim_report_result {
    double seconds;
    size_t bytes;          /* size of the written file */
    int64_t rows;          /* rows of the main table (the CSV) */
    int64_t findings;      /* checks: findings/violations reported; landuse: 0 */
    int64_t map_features;  /* features drawn on the map (HTML) */
} cim_report_result;
CIM_EXTERN void cim_report_result_free(cim_report_result *res);

/* Writes the report to path (replaced atomically: written to path.tmp, then
 * renamed). The store is only read. Errors: CIM_ENOTFOUND for a missing
 * layer or field, CIM_EFORMAT for a layer of the wrong kind, CIM_EIO when
 * the file cannot be written. */
CIM_EXTERN int cim_report_write(cim_report_result **out, cim_store *store, const char *path,
                                const cim_report_options *opts);

#ifdef __cplusplus
}
#endif
#endif
