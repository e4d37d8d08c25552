/* source_int.h: a vector source as ingest sees it: layers with a schema, an
 * SRS and features (ISO WKB + typed values). Two readers stand behind it:
 * GDAL/OGR (every format) and cim's native GeoJSON reader (the fast path for
 * large FeatureCollections). Never installed. */
#ifndef CIM_SOURCE_INT_H
#define CIM_SOURCE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "cim/ingest.h"
#include "cim/store.h"

typedef struct cim_src_field {
    char *name;            /* as in the source */
    cim_field_type type;
    const char *decl;      /* SQL declared type, e.g. "INTEGER", "JSONSTRINGLIST" */
} cim_src_field;

typedef struct cim_src_value {
    int is_null;
    int64_t i;             /* INTEGER, INTEGER64, BOOLEAN */
    double d;              /* REAL */
    const char *s;         /* STRING, DATE, TIME, DATETIME, JSON: UTF-8 (checked by ingest) */
    size_t slen;           /* also the length of BINARY in s */
} cim_src_value;

typedef struct cim_src_feature {
    int64_t index;         /* 0-based position in the source layer (for messages) */
    char where[64];        /* how to name it in a message besides the index, e.g. "line 12"; may be "" */
    const uint8_t *wkb;    /* ISO WKB little-endian; NULL = no geometry */
    size_t wkb_len;
    const cim_src_value *values; /* one per field */
} cim_src_feature;

typedef struct cim_src_layer cim_src_layer;

typedef struct cim_src_layer_ops {
    /* 0 = a feature, CIM_ITEROVER = end, or an error code with a message. */
    int (*next)(cim_src_layer *l, cim_src_feature *f);
    void (*free)(cim_src_layer *l);
} cim_src_layer_ops;

struct cim_src_layer {
    const cim_src_layer_ops *ops;
    char *name;            /* the source layer's name */
    size_t field_count;
    cim_src_field *fields;
    char *srs_wkt;         /* NULL when the source declares no CRS */
    char *srs_name;        /* short name for messages and the catalogue */
    int swap_xy;           /* coordinates come latitude first: swap before reprojection */
    uint32_t geom_type;    /* CIM_WKB_* base type the layer declares; 0 = unknown/mixed */
    int has_z;
    int64_t feature_count; /* -1 when not known cheaply */
};

typedef struct cim_source {
    char *path;
    char *driver;          /* GDAL short name, or "GeoJSON" for the native reader */
    int native;            /* non-zero: cim's own reader */
    size_t file_count;     /* the files that make up the dataset (for SHA-256) */
    char **files;
    size_t layer_count;
    cim_src_layer **layers;
    void *handle;          /* the reader's dataset */
    void (*close)(struct cim_source *);
} cim_source;

/* Opens path with the native GeoJSON reader when it can take it, otherwise
 * with GDAL. Layers are those selected by opts->src_layer (all if NULL). */
int cim_source_open(cim_source **out, const char *path, const cim_ingest_options *opts);
void cim_source_free(cim_source *src);

/* Readers (source_ogr.c, source_geojson.c): CIM_OK, an error, or for the
 * native reader CIM_ENOTFOUND meaning "not mine, ask GDAL". */
int cim_source_open_ogr(cim_source *src, const cim_ingest_options *opts);
int cim_source_open_geojson(cim_source *src, const cim_ingest_options *opts);

/* Frees the fields array of a layer and its names (shared by readers). */
void cim_src_layer_clear(cim_src_layer *l);

#endif
