/* wkb_int.h: walking ISO WKB (little-endian, as cim's readers produce it) and
 * encoding it as a SpatiaLite geometry blob (never installed). */
#ifndef CIM_WKB_INT_H
#define CIM_WKB_INT_H

#include <stddef.h>
#include <stdint.h>

#include "buf_int.h"

/* ISO base types. */
enum { CIM_WKB_POINT = 1, CIM_WKB_LINESTRING, CIM_WKB_POLYGON, CIM_WKB_MULTIPOINT,
       CIM_WKB_MULTILINESTRING, CIM_WKB_MULTIPOLYGON, CIM_WKB_COLLECTION };

typedef struct cim_wkb_info {
    uint32_t type;     /* CIM_WKB_* of the top level */
    int has_z;
    size_t points;     /* coordinates in all parts */
    double mbr[4];     /* minx, miny, maxx, maxy (only when points > 0) */
    int nonfinite;     /* a coordinate is NaN or infinite */
} cim_wkb_info;

/* Called for each run of coordinates (a point, a line, a ring). coords is
 * unaligned: read and write it with memcpy. stride is 2 or 3 doubles. */
typedef int (*cim_wkb_coords_fn)(uint8_t *coords, uint32_t n, int stride, void *payload);

/* Checks the structure (lengths, types, nesting, byte order), fills info.
 * Returns 0, or CIM_EFORMAT with a message. */
int cim_wkb_scan(const uint8_t *wkb, size_t len, cim_wkb_info *info);
/* Calls fn for every coordinate run; stops at the first non-zero return. */
int cim_wkb_walk(uint8_t *wkb, size_t len, cim_wkb_coords_fn fn, void *payload);

/* SpatiaLite class code for an ISO base type and dimension (e.g. 1006 for
 * MULTIPOLYGON Z), and its name ("MULTIPOLYGON"). */
int cim_splite_class(uint32_t iso_type, int has_z);
const char *cim_wkb_type_name(uint32_t iso_type);

/* Encodes wkb as a SpatiaLite blob in out (replacing its contents). With
 * promote set, a Polygon becomes a one-part MultiPolygon (LineString, Point
 * likewise) so a layer keeps one declared type. z_fill adds z = 0 to 2D input
 * for an XYZ layer. */
int cim_splite_blob(cim_buf *out, const uint8_t *wkb, size_t len, const cim_wkb_info *info, int srid,
                    int promote, int z_fill);

/* The inverse: a little-endian SpatiaLite blob (uncompressed classes) back
 * to ISO WKB little-endian in out, for GEOS. Returns 0, or
 * CIM_EFORMAT for a blob that is not one SpatiaLite writes uncompressed.
 * A geometry column of a PostGIS store holds EWKB instead (its first byte is
 * 1, a SpatiaLite blob's 0): that is read too, here and in
 * cim_splite_blob_rings, so the operations read either store alike. */
int cim_splite_blob_to_wkb(cim_buf *out, const uint8_t *blob, size_t len);

/* The rings of a Polygon or MultiPolygon blob (2D or XYZ, uncompressed),
 * each handed to fn with its n points (unaligned doubles, stride 2 or 3) and
 * whether it is a hole (not the first ring of its polygon). Returns fn's
 * first non-zero return, 0, or -1 for any other blob (no error is set: the
 * caller has a general path; a truncated blob sets one). */
typedef int (*cim_splite_ring_fn)(const uint8_t *coords, uint32_t n, int stride, int hole, void *payload);
int cim_splite_blob_rings(const uint8_t *blob, size_t len, cim_splite_ring_fn fn, void *payload);

/* PostGIS's EWKB (ewkb.c), little-endian XY/XYZ: to ISO WKB, from ISO WKB
 * with the SRID a typed geometry column requires (srid <= 0: none), and the
 * rings of a (Multi)Polygon as cim_splite_blob_rings gives them. */
int cim_ewkb_to_wkb(cim_buf *out, const uint8_t *ewkb, size_t len);
int cim_wkb_to_ewkb(cim_buf *out, const uint8_t *wkb, size_t len, int srid);
int cim_ewkb_rings(const uint8_t *ewkb, size_t len, cim_splite_ring_fn fn, void *payload);

#endif
