/* geojson_reader.h: a fast streaming reader for GeoJSON FeatureCollections.
 *
 * Why it exists: GDAL's GeoJSON driver spends ~2.8 s on a 60 MB file of 200k
 * polygons (a full schema pass, then json-c objects per feature), more than
 * the whole ingest budget. This reader maps the file and tokenizes it in place.
 * It handles the common shape of large loads (a FeatureCollection whose
 * properties are scalars) and gives the same schema GDAL would; anything else
 * it reports as GJ_UNSUPPORTED so the caller reads the file with GDAL instead.
 * It knows nothing of the store. */
#ifndef CIM_GEOJSON_READER_H
#define CIM_GEOJSON_READER_H

#include <stddef.h>
#include <stdint.h>

enum {
    GJ_OK = 0,
    GJ_END = 1,          /* gj_next: no more features */
    GJ_UNSUPPORTED = 2,  /* valid input outside what this reader handles: use GDAL */
    GJ_ERROR = -1        /* broken input; gj_error() says where and why */
};

/* Field types as GDAL's GeoJSON driver would report them. */
typedef enum {
    GJ_FIELD_INTEGER = 0,  /* all values integers within int32 (or booleans mixed with integers) */
    GJ_FIELD_INTEGER64,    /* integers, some beyond int32 */
    GJ_FIELD_REAL,         /* numbers, some with fraction/exponent */
    GJ_FIELD_STRING,
    GJ_FIELD_DATE,         /* strings that all parse as dates, as GDAL detects them */
    GJ_FIELD_TIME,
    GJ_FIELD_DATETIME,
    GJ_FIELD_BOOLEAN       /* all values true/false */
} gj_field_type;

typedef struct gj_value {
    int is_null;        /* property absent or JSON null */
    int64_t i;          /* INTEGER, INTEGER64, BOOLEAN (0/1) */
    double d;           /* REAL (also set for integers) */
    const char *s;      /* STRING/DATE/TIME/DATETIME: unescaped UTF-8, NUL-terminated */
    size_t slen;
} gj_value;

typedef struct gj_feature {
    int64_t index;              /* 0-based position in the features array */
    const unsigned char *wkb;   /* ISO WKB, little-endian; NULL when geometry is null */
    size_t wkb_len;
    const gj_value *values;     /* gj_field_count() entries, in field order */
    size_t line;                /* 1-based line where the feature starts (for messages) */
} gj_feature;

typedef struct gj_reader gj_reader;

/* Opens path, maps it and makes the schema pass. Returns GJ_OK,
 * GJ_UNSUPPORTED (not handled here: the caller should use GDAL) or GJ_ERROR
 * (*out is still set so gj_error() can be read; free it). */
int gj_open(gj_reader **out, const char *path);
void gj_close(gj_reader *r);

/* The message of the last GJ_ERROR / GJ_UNSUPPORTED: names the feature index,
 * line and column and what is wrong, e.g.
 * "feature 12 (line 14, column 3): unexpected end of file inside a string". */
const char *gj_error(const gj_reader *r);

/* Fields in GDAL's order: the order properties appear in, features listing
 * them differently are merged as GDAL merges them (a topological sort, ties
 * broken by name). Names are unescaped UTF-8. */
size_t gj_field_count(const gj_reader *r);
const char *gj_field_name(const gj_reader *r, size_t i);
gj_field_type gj_field_type_of(const gj_reader *r, size_t i);
/* Non-zero for a GJ_FIELD_STRING field that GDAL gives the JSON subtype
 * ("String(JSON)" in ogrinfo): a number, boolean or date field that later
 * received other strings. Its values are the JSON text of each value
 * ("12", "1.5", "true", or the string itself), as GDAL stores them. Values of
 * plain String fields that are numbers or booleans are rendered the same way. */
int gj_field_is_json(const gj_reader *r, size_t i);

int64_t gj_feature_count(const gj_reader *r);
/* The FeatureCollection's "crs" member (properties.name), e.g.
 * "urn:ogc:def:crs:EPSG::4547", or NULL when absent (RFC 7946: WGS84). */
const char *gj_crs_name(const gj_reader *r);
/* Non-zero if any coordinate has a third value. */
int gj_has_z(const gj_reader *r);
/* OGR geometry type code (wkbPolygon = 3, ...; 0 = unknown/mixed), as GDAL
 * would report it for the layer (flat: 1..7, or 0 for mixed types or no
 * geometry at all). When it is non-zero, GDAL reports the "3D" variant
 * exactly when gj_has_z() is set (2D and 3D geometries of one type give the
 * 3D type); for 0 GDAL reports "Unknown (any)" whatever gj_has_z() says. */
int gj_geometry_type(const gj_reader *r);
/* The collection's "name" member, or NULL. */
const char *gj_layer_name(const gj_reader *r);

/* Decodes the next feature into *f (valid until the next call).
 * GJ_OK, GJ_END, or GJ_ERROR (which repeats until gj_rewind).
 * WKB: a geometry with a third value in any position is written entirely in
 * Z (ISO 1001..1007, missing Z = 0), as GDAL builds it; fourth values are
 * ignored, as GDAL does. Values: INTEGER/INTEGER64/BOOLEAN set i and d; REAL
 * sets d (integers converted as GDAL does, "-0" gives +0); the string types
 * set s/slen (DATE/TIME/DATETIME: the text as written, e.g. "2017/1/9" or
 * "2017-01-09T10:20:30+08:00", which GDAL's OGRParseDate() accepts; parsing
 * it is the caller's). Feature-level "id"s (non-negative integers, GDAL's
 * FIDs) are not reported. */
int gj_next(gj_reader *r, gj_feature *f);

/* Restarts reading at the first feature. */
void gj_rewind(gj_reader *r);

#endif
