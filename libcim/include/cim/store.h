/* cim/store.h: the SpatiaLite store and its catalogue (cim_meta, cim_layers, cim_runs). */
#ifndef CIM_STORE_H
#define CIM_STORE_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cim_store cim_store;

/* The store's schema version written to cim_meta; bumped with each migration. */
#define CIM_STORE_SCHEMA_VERSION 1
/* CGCS2000 / 3-degree Gauss-Kruger CM 114E: Shenzhen's metric CRS. */
#define CIM_STORE_DEFAULT_SRID 4547

typedef struct cim_store_create_options {
    unsigned int version;
    int srid;                 /* EPSG code of the store CRS; must be projected (metric) */
    const char *command_line; /* recorded in cim_runs; may be NULL */
} cim_store_create_options;
#define CIM_STORE_CREATE_OPTIONS_VERSION 1
#define CIM_STORE_CREATE_OPTIONS_INIT {CIM_STORE_CREATE_OPTIONS_VERSION, CIM_STORE_DEFAULT_SRID, NULL}
CIM_EXTERN void cim_store_create_options_init(cim_store_create_options *opts);

/* Creates a new store file (refuses an existing path). */
CIM_EXTERN int cim_store_create(cim_store **out, const char *path, const cim_store_create_options *opts);

enum {
    CIM_STORE_READWRITE = 0,
    /* Read-only: opened with SQLITE_OPEN_READONLY and an authorizer that denies
     * writes, ATTACH, extension loading and file-writing SQL functions. */
    CIM_STORE_READONLY = 1
};
CIM_EXTERN int cim_store_open(cim_store **out, const char *path, unsigned int flags);
CIM_EXTERN void cim_store_free(cim_store *store);

CIM_EXTERN int cim_store_srid(const cim_store *store);
/* The file path, or for a PostGIS store the connection string with any
 * password replaced by ***. */
CIM_EXTERN const char *cim_store_path(const cim_store *store);
/* The same masking for a store argument not opened yet (command lines kept
 * in cim_runs, messages): writes at most cap bytes to buf, returns buf. */
CIM_EXTERN char *cim_store_display(char *buf, size_t cap, const char *path);
/* cim_meta value for key, or NULL. Borrowed until the next call on the store. */
CIM_EXTERN const char *cim_store_meta(cim_store *store, const char *key);

/* --- layers in the catalogue --- */

typedef enum {
    CIM_FIELD_INTEGER = 0, /* 32-bit range */
    CIM_FIELD_INTEGER64,
    CIM_FIELD_REAL,
    CIM_FIELD_STRING,
    CIM_FIELD_DATE,        /* ISO 8601 text YYYY-MM-DD */
    CIM_FIELD_TIME,
    CIM_FIELD_DATETIME,    /* ISO 8601 text */
    CIM_FIELD_BOOLEAN,     /* 0/1 */
    CIM_FIELD_BINARY,
    CIM_FIELD_JSON         /* lists and objects, kept as JSON text */
} cim_field_type;

CIM_EXTERN const char *cim_field_type_name(cim_field_type t);

typedef struct cim_field_info {
    char *name;
    cim_field_type type;
    char *decl;            /* the SQL declared type */
} cim_field_info;

typedef struct cim_layer_info {
    char *name;
    char *kind;            /* gis | bim | sensor | control | derived */
    char *role;            /* parcels, buildings, blocklines, ... or NULL */
    char *source;          /* source path as given */
    char *source_sha256;
    char *source_format;   /* GDAL driver name, e.g. "GeoJSON" */
    char *source_crs;      /* the source CRS as understood (name or EPSG code) */
    char *source_layer;
    char *geometry_type;   /* e.g. MULTIPOLYGON */
    char *dims;            /* XY or XYZ */
    int srid;
    int64_t feature_count;
    int has_extent;
    double extent[4];      /* minx, miny, maxx, maxy in the store CRS */
    char *ingested_at;     /* UTC ISO 8601 */
    int64_t run_id;
    int64_t version;       /* bumped each time the layer's content changes */
    int64_t repaired;      /* geometries repaired by the last ingest */
    char *lineage;         /* JSON: where the layer came from; NULL if none */
    size_t field_count;
    cim_field_info *fields;
} cim_layer_info;

/* Information about one layer; CIM_ENOTFOUND if absent. */
CIM_EXTERN int cim_layer_info_get(cim_layer_info **out, cim_store *store, const char *name);
CIM_EXTERN void cim_layer_info_free(cim_layer_info *info);

/* All catalogued layers, by name. */
CIM_EXTERN int cim_store_layers(cim_layer_info ***out, size_t *count, cim_store *store);
CIM_EXTERN void cim_layer_info_list_free(cim_layer_info **list, size_t count);

/* A layer name is lowercase ASCII: [a-z_][a-z0-9_]{0,62}, and not cim_* or a
 * SpatiaLite table. Returns 0 if valid, CIM_EINVALID with a message if not. */
CIM_EXTERN int cim_layer_name_check(const char *name);

#ifdef __cplusplus
}
#endif
#endif
