/* cim/sensors.h: sensor layers. A sensor layer NAME is two tables:
 * NAME_sensors (one row per sensor: sensor id, point geom in the store CRS,
 * text attributes from the source such as a station name) and NAME_obs
 * (sensor, property, t, value; primary key (sensor, property, t), WITHOUT
 * ROWID; t is UTC "YYYY-MM-DDTHH:MM:SSZ"). Re-ingesting a reading that is
 * already there keeps the stored one: nothing is ever doubled. */
#ifndef CIM_SENSORS_H
#define CIM_SENSORS_H

#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cim_sensors_ingest_options {
    unsigned int version;
    const char *layer;            /* NAME (required) */
    const char *format;           /* "csv", "json", "jsonl"; NULL = from the extension */
    const char *sensor_field;     /* column / key of the sensor id */
    const char *time_field;       /* column / key of the time */
    const char *tz;               /* offset of naive times, e.g. "+08:00"; NULL = naive times are errors */
    const char *x_field, *y_field; /* sensor location columns ... */
    const char *s_srs;            /* ... in this CRS (default EPSG:4326 lon/lat) */
    const char *locations;        /* or "LAYER:FIELD": points of a store layer whose FIELD is the sensor id */
    const char *property_field, *value_field; /* long format; NULL = wide (numeric columns are properties) */
    const char *const *attr_fields; /* columns to keep as text attributes even when numeric; NULL-terminated */
    const char *const *units;     /* "PROPERTY=UNIT", NULL-terminated; recorded in the catalogue */
    cim_progress_cb progress;
    void *progress_payload;
    const char *command_line;     /* recorded in cim_runs */
} cim_sensors_ingest_options;
#define CIM_SENSORS_INGEST_OPTIONS_VERSION 1
#define CIM_SENSORS_INGEST_OPTIONS_INIT {CIM_SENSORS_INGEST_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, \
                                         NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL}
CIM_EXTERN void cim_sensors_ingest_options_init(cim_sensors_ingest_options *opts);

typedef struct cim_sensors_ingest_result {
    int64_t run_id;         /* 0 when nothing was written */
    char *source_sha256;
    double seconds;
    int64_t records;        /* rows / objects / observations read */
    int64_t readings;       /* non-empty readings among them */
    int64_t inserted;       /* new readings stored */
    int64_t duplicates;     /* readings already stored with the same value */
    int64_t conflicts;      /* readings already stored with another value (the stored one is kept) */
    char *first_conflict;   /* the first of those, described; NULL if none */
    int64_t sensors_new, sensors_total;
} cim_sensors_ingest_result;

/* Reads source and folds its readings into layer NAME, in one transaction:
 * on any failure (bad time, text in a value column, a sensor without a
 * location, a truncated file: CIM_EFORMAT naming file and line) the store is
 * left exactly as it was. */
CIM_EXTERN int cim_sensors_ingest(cim_sensors_ingest_result **out, cim_store *store, const char *source,
                                  const cim_sensors_ingest_options *opts);
CIM_EXTERN void cim_sensors_ingest_result_free(cim_sensors_ingest_result *res);

/* ---- linking sensors to polygons and buildings (table NAME_links) ---- */
typedef struct cim_sensors_link_options {
    unsigned int version;
    const char *const *to;        /* polygon layers whose polygons containing a sensor are linked; NULL-terminated */
    const char *nearest;          /* a layer (buildings) whose nearest feature within max_distance is linked */
    double max_distance;          /* metres (store CRS units) */
    const char *command_line;
} cim_sensors_link_options;
#define CIM_SENSORS_LINK_OPTIONS_VERSION 1
#define CIM_SENSORS_LINK_OPTIONS_INIT {CIM_SENSORS_LINK_OPTIONS_VERSION, NULL, NULL, 50.0, NULL}

typedef struct cim_sensors_link_result {
    int64_t run_id;
    int64_t sensors;        /* sensors in the layer */
    size_t layer_count;
    char **layers;          /* per linked layer: */
    int64_t *linked;        /* sensors with at least one link */
    int64_t *links;         /* link rows */
} cim_sensors_link_result;

/* Links each sensor of layer NAME to the ids (fid) of the polygons of the
 * `to` layers that contain it (boundary included), and to the nearest
 * feature of `nearest` within max_distance, replacing earlier links to those
 * layers. Rows: NAME_links(sensor, layer, fid, distance). */
CIM_EXTERN int cim_sensors_link(cim_sensors_link_result **out, cim_store *store, const char *layer,
                                const cim_sensors_link_options *opts);
CIM_EXTERN void cim_sensors_link_result_free(cim_sensors_link_result *res);

/* ---- summaries and gaps ---- */
typedef enum { CIM_PERIOD_HOUR = 1, CIM_PERIOD_DAY, CIM_PERIOD_MONTH } cim_period;

typedef struct cim_sensors_summary_options {
    unsigned int version;
    cim_period every;
    const char *tz;               /* periods in this UTC offset (e.g. "+08:00"); NULL = UTC */
    const char *by;               /* group per linked polygon of this layer instead of per sensor */
    const char *property;         /* only this property; NULL = all */
    const char *threshold_property; /* count readings of this property above threshold */
    double threshold;
    const char *sensor;           /* only this sensor (gaps, summaries); NULL = all */
} cim_sensors_summary_options;
#define CIM_SENSORS_SUMMARY_OPTIONS_VERSION 1
#define CIM_SENSORS_SUMMARY_OPTIONS_INIT {CIM_SENSORS_SUMMARY_OPTIONS_VERSION, CIM_PERIOD_DAY, NULL, NULL, NULL, \
                                          NULL, 0.0, NULL}

/* A table of results: column names and text cells (NULL for SQL NULL). */
typedef struct cim_table {
    size_t ncols, nrows;
    char **cols;
    char **cells;           /* nrows * ncols, row-major */
} cim_table;
CIM_EXTERN void cim_table_free(cim_table *t);

/* count, mean, min, max (and exceedances with a threshold) per sensor (or
 * polygon), property and period. Reads only. */
CIM_EXTERN int cim_sensors_summarize(cim_table **out, cim_store *store, const char *layer,
                                     const cim_sensors_summary_options *opts);
/* Writes a summary table as a derived attribute layer `name` (replacing it)
 * in one transaction, with a cim_runs row. */
CIM_EXTERN int cim_sensors_summary_write(cim_store *store, const char *name, const cim_table *table,
                                         const char *lineage_json, const char *command_line);
/* Periods without any reading, per sensor (and property when given), between
 * the layer's first and last period: sensor, property, first, last, periods. */
CIM_EXTERN int cim_sensors_gaps(cim_table **out, cim_store *store, const char *layer,
                                const cim_sensors_summary_options *opts);

#ifdef __cplusplus
}
#endif
#endif
