/* cim/ingest.h: GIS layers (any vector format GDAL reads) into the store. */
#ifndef CIM_INGEST_H
#define CIM_INGEST_H

#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    CIM_INGEST_CREATE = 0, /* the layer must not exist (an unchanged re-ingest is a no-op) */
    CIM_INGEST_REPLACE,    /* drop and recreate the layer */
    CIM_INGEST_APPEND,     /* add the features to the existing layer */
    CIM_INGEST_UPSERT      /* update rows whose key field matches, insert the others */
} cim_ingest_mode;

typedef struct cim_ingest_options {
    unsigned int version;
    const char *layer;       /* target layer name; with several source layers, a prefix */
    const char *src_layer;   /* one layer of a multi-layer source; NULL = all */
    const char *s_srs;       /* override/assign the source CRS: EPSG:n, WKT, PROJ string, gcj02, bd09, helmert2d:... */
    const char *encoding;    /* source text encoding (shapefile DBF), e.g. GBK */
    const char *where;       /* OGR SQL attribute filter */
    cim_ingest_mode mode;
    const char *upsert_key;  /* field name, with CIM_INGEST_UPSERT */
    const char *role;        /* catalogue role, e.g. parcels */
    const char *kind;        /* catalogue kind; NULL = gis */
    int use_ogr_only;        /* non-zero: never take the native GeoJSON reader (tests, comparisons) */
    /* GDAL open options, "KEY=VALUE", NULL-terminated (e.g. GFS_TEMPLATE=... for
     * PLATEAU buildings); they override cim's own for the driver. */
    const char *const *open_options;
    cim_progress_cb progress;
    void *progress_payload;
    const char *command_line; /* recorded in cim_runs */
    /* IFC sources: where the project origin lies when the file does not say
     * (or says wrongly): "CRS@EASTING,NORTHING[,ROT_DEG]" or "LAT,LON[,ROT_DEG]". */
    const char *georef;
} cim_ingest_options;
#define CIM_INGEST_OPTIONS_VERSION 1
#define CIM_INGEST_OPTIONS_INIT {CIM_INGEST_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, \
                                 CIM_INGEST_CREATE, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL}
CIM_EXTERN void cim_ingest_options_init(cim_ingest_options *opts);

typedef struct cim_ingest_layer_result {
    char *layer;          /* store layer name */
    char *source_layer;
    int64_t read;         /* features read from the source (after --where) */
    int64_t inserted;
    int64_t updated;      /* upsert only */
    int64_t repaired;     /* invalid geometries repaired with MakeValid */
    int64_t empty;        /* features without geometry (kept, geom NULL) */
    int unchanged;        /* the same source was already ingested: nothing done */
} cim_ingest_layer_result;

typedef struct cim_ingest_result {
    int64_t run_id;       /* 0 when nothing was written */
    char *source_sha256;
    char *driver;         /* GDAL driver short name, or "GeoJSON (cim native)" */
    double seconds;
    size_t layer_count;
    cim_ingest_layer_result *layers;
} cim_ingest_result;

/* Ingests every (or one) layer of source into the store in one transaction:
 * on any failure the store is left exactly as it was. */
CIM_EXTERN int cim_ingest(cim_ingest_result **out, cim_store *store, const char *source,
                          const cim_ingest_options *opts);
CIM_EXTERN void cim_ingest_result_free(cim_ingest_result *res);

#ifdef __cplusplus
}
#endif
#endif
