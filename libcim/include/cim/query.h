/* cim/query.h: read-only SQL on the store, for planners. A query can read
 * every table and call SpatiaLite's functions; it cannot write, ATTACH other
 * files, load extensions or call SQL functions that touch files. */
#ifndef CIM_QUERY_H
#define CIM_QUERY_H

#include <stdio.h>

#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cim_query cim_query;

typedef enum {
    CIM_VALUE_NULL = 0,
    CIM_VALUE_INTEGER,
    CIM_VALUE_REAL,
    CIM_VALUE_TEXT,
    CIM_VALUE_BLOB,
    CIM_VALUE_GEOMETRY /* a SpatiaLite geometry blob */
} cim_value_type;

/* Prepares one SQL statement; refuses several, and any that would write. */
CIM_EXTERN int cim_query_prepare(cim_query **out, cim_store *store, const char *sql);
CIM_EXTERN void cim_query_free(cim_query *q);
CIM_EXTERN int cim_query_column_count(const cim_query *q);
CIM_EXTERN const char *cim_query_column_name(const cim_query *q, int col);
/* 0 with a row ready, CIM_ITEROVER at the end, or an error. */
CIM_EXTERN int cim_query_next(cim_query *q);
CIM_EXTERN cim_value_type cim_query_value_type(cim_query *q, int col);
CIM_EXTERN int64_t cim_query_int(cim_query *q, int col);
CIM_EXTERN double cim_query_double(cim_query *q, int col);
/* Text of any value: numbers as SQLite prints them, geometries as WKT,
 * other blobs as hex. Borrowed until the next call on q. */
CIM_EXTERN const char *cim_query_text(cim_query *q, int col);
/* A geometry value as a GeoJSON geometry object in WGS84 (RFC 7946). */
CIM_EXTERN const char *cim_query_geojson(cim_query *q, int col);

typedef enum {
    CIM_QUERY_TABLE = 0, /* aligned columns for people */
    CIM_QUERY_CSV,       /* RFC 4180 */
    CIM_QUERY_JSON,      /* an array of objects */
    CIM_QUERY_GEOJSON    /* a FeatureCollection; the first geometry column is the geometry */
} cim_query_format;

/* Runs sql and writes its rows to out. *rows (if not NULL) gets the count. */
CIM_EXTERN int cim_query_write(cim_store *store, const char *sql, cim_query_format format, FILE *out,
                               int64_t *rows);

#ifdef __cplusplus
}
#endif
#endif
