/* sample_int.h: the sample generator's private types, shared by its files.
 *
 * Geometry is built in local metres (x east, y north) from the district's
 * south-west corner; sample_geo adds the EPSG:4547 origin and converts to
 * WGS84 lon/lat only when a feature is written. */
#ifndef CIM_SAMPLE_INT_H
#define CIM_SAMPLE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sample.h"

/* ---- deterministic random numbers (sample_rng.c) ---- */

/* xoshiro256**: every stream is seeded from (seed, purpose, index) so a
 * block's content does not depend on the order it is generated in. */
typedef struct sample_rng {
    uint64_t s[4];
} sample_rng;

void sample_rng_init(sample_rng *r, uint64_t seed, uint64_t purpose, uint64_t index);
uint64_t sample_rng_next(sample_rng *r);
double sample_rng_uniform(sample_rng *r);                 /* [0, 1) */
double sample_rng_range(sample_rng *r, double lo, double hi);
int sample_rng_below(sample_rng *r, int n);               /* 0 .. n-1 */
int sample_rng_chance(sample_rng *r, double p);
double sample_rng_normal(sample_rng *r);

/* Stream purposes: distinct constants keep the streams independent. */
enum {
    RNG_COLUMNS = 1, RNG_ROWS, RNG_BLOCK, RNG_PARK, RNG_LINE, RNG_ECO,
    RNG_BUILDING, RNG_STATION, RNG_READING, RNG_WEATHER
};

/* ---- land use (sample_landuse.c) ---- */

typedef enum sample_zone {
    ZONE_INDUSTRIAL, ZONE_RESIDENTIAL, ZONE_COMMERCIAL, ZONE_CORE, ZONE_PARK, ZONE_ECO
} sample_zone;

/* Indices into the SZ code table. */
typedef enum sample_lu {
    LU_R1, LU_R2, LU_R3, LU_R4, LU_R2C1, LU_C1, LU_C1R2, LU_C5,
    LU_GIC1, LU_GIC2, LU_GIC3, LU_GIC4, LU_GIC5, LU_GIC6, LU_GIC9,
    LU_M0, LU_M1, LU_W0, LU_W1, LU_S, LU_U, LU_G1, LU_G2, LU_E,
    LU_COUNT
} sample_lu;

const char *sample_lu_code(int lu);
int sample_lu_is_industrial(int lu);   /* M0 or M1 */
sample_lu sample_lu_pick(sample_zone zone, sample_rng *r);
/* Regulatory limits for a parcel: the code's base value varied a little. */
void sample_lu_limits(int lu, sample_zone zone, sample_rng *r, double *far, double *height);
/* The proposed code: mostly the current one; see sample_landuse.c. */
int sample_lu_plan(int lu, sample_rng *r);

/* What a parcel's buildings look like; storey heights follow DOMAIN.md. */
typedef struct sample_building_kind {
    const char *use;
    double storey_h;          /* m: 3.0 residential, 3.9 office, 5.0 industrial */
    int min_storeys, max_storeys;
    double len_min, len_max;  /* footprint along the parcel's long axis, m */
    double dep_min, dep_max;  /* and across it */
    double gap;               /* minimum clear distance between buildings, m */
    double setback;           /* from the parcel boundary, m */
    double l_shape;           /* probability of an L-shaped footprint */
} sample_building_kind;

const sample_building_kind *sample_lu_building(int lu);

/* ---- district plan (sample_layout.c) ---- */

enum { ROAD_ARTERIAL, ROAD_SECONDARY, ROAD_BRANCH };

/* A convex block line polygon (工业区块线), one per cluster of industrial blocks. */
#define SAMPLE_LINE_MAXV 8
typedef struct sample_line {
    int id;                   /* 1-based; 0 = this cluster has no line */
    int level;                /* 1 or 2 */
    int street;
    int nv;
    double x[SAMPLE_LINE_MAXV], y[SAMPLE_LINE_MAXV];
    int forced_conversion;    /* the centre block gets one forbidden conversion */
} sample_line;

typedef struct sample_eco_poly {
    int nv;
    double *x, *y;
} sample_eco_poly;

typedef struct sample_layout {
    uint64_t seed;
    double origin_x, origin_y;     /* EPSG:4547 of local (0, 0) */
    int cols, rows;                /* city blocks */
    double *vx, *vw;               /* vertical corridor g (0..cols): left x, width */
    double *hy, *hw;               /* horizontal corridor h (0..rows): bottom y, width */
    int *vclass, *hclass;          /* ROAD_* of each corridor */
    double width, height;          /* whole district, m */
    double eco_y0;                 /* eco zone: eco_y0 .. height, above corridor `rows` */
    int eco_groups;                /* eco superblocks, split at arterial corridors */
    int *eco_gap;                  /* eco_groups + 1 corridor indices bounding them */
    int ccols, crows;              /* clusters of CLUSTER x CLUSTER city blocks */
    sample_line *lines;            /* ccols * crows */
    int nlines;
    int neco;
    sample_eco_poly eco[2];
} sample_layout;

#define SAMPLE_CLUSTER 3

double sample_road_width(int klass);
int sample_road_lanes(int klass);
const char *sample_road_class_name(int klass);

/* Chooses the grid so the district has about `parcels` parcels. */
int sample_layout_plan(sample_layout *L, uint64_t seed, int64_t parcels,
                       double origin_x, double origin_y, char *err, size_t errlen);
void sample_layout_free(sample_layout *L);
int sample_layout_street(const sample_layout *L, double x, double y);
const char *sample_street_name(int street);
int sample_layout_blocks(const sample_layout *L);  /* city blocks + eco superblocks */
/* Block b's rectangle and zone; b < cols*rows are city blocks (row-major from
 * the south-west), the rest are eco superblocks from the west. */
void sample_layout_block(const sample_layout *L, int b, double *x0, double *y0,
                         double *x1, double *y1, sample_zone *zone);
const sample_line *sample_layout_line_of(const sample_layout *L, int b);
int sample_point_in_convex(const sample_line *ln, double x, double y);

/* ---- one block split into parcels (sample_block.c) ---- */

typedef struct sample_parcel {
    int i0, j0, i1, j1;        /* node rectangle: cells i0..i1-1 x j0..j1-1 */
    int lu, plan;
    double far, height_limit;
    double area;               /* m² */
    int line;                  /* id of the block line wholly containing it, or 0 */
} sample_parcel;

typedef struct sample_block {
    int index;
    sample_zone zone;
    double x0, y0, x1, y1;
    int nx, ny;                /* cells */
    double *nodex, *nodey;     /* (nx+1)*(ny+1), row-major from the south */
    size_t nodex_cap, nodey_cap;
    sample_parcel *parcels;
    int nparcels;
    size_t parcel_cap;
    int *owner;                /* nx*ny scratch: parcel of each cell */
    size_t owner_cap;
    double *colx, *rowy;       /* unjittered grid lines */
    size_t colx_cap, rowy_cap;
    int forbidden;             /* conversions inside a line in this block */
} sample_block;

int sample_block_build(sample_block *B, const sample_layout *L, int b);
void sample_block_free(sample_block *B);
/* The parcel's ring as node indices, counter-clockwise, not closed. */
int sample_parcel_ring(const sample_block *B, const sample_parcel *p, int *idx, int cap);
#define SAMPLE_RING_MAX 64

/* ---- coordinates (sample_geo.c) ---- */

typedef struct sample_geo {
    void *ctx, *pj;            /* PJ_CONTEXT, PJ: opaque so proj.h stays in one file */
    double origin_x, origin_y; /* EPSG:4547 of local (0, 0) */
} sample_geo;

/* Opens EPSG:4547 -> EPSG:4326 (lon/lat order) and puts local (0, 0) at the
 * given lon/lat, rounded to whole 10 m. */
int sample_geo_open(sample_geo *g, double lon0, double lat0, char *err, size_t errlen);
/* Local metres to lon/lat, in place. */
int sample_geo_lonlat(sample_geo *g, double *x, double *y, size_t n, char *err, size_t errlen);
void sample_geo_close(sample_geo *g);

/* ---- output files (sample_write.c) ---- */

/* A buffered output file; GeoJSON ones are FeatureCollections written one
 * feature a line, so memory stays flat whatever the district's size. */
typedef struct sample_out {
    FILE *f;
    char *buf;
    size_t len;
    int failed;
    int geojson;
    int64_t features;
    int nprops;
    char path[4096];
} sample_out;

/* layer != NULL: a GeoJSON FeatureCollection of that name; NULL: plain text. */
int sample_out_open(sample_out *o, const char *dir, const char *file, const char *layer,
                    char *err, size_t errlen);
int sample_out_close(sample_out *o, char *err, size_t errlen);
void sample_out_abort(sample_out *o);   /* on an earlier error: close, remove nothing */
void sample_out_write(sample_out *o, const char *s, size_t n);
void sample_out_puts(sample_out *o, const char *s);
void sample_out_int(sample_out *o, int64_t v);
/* A fixed-point decimal: faster than printf, and the same bytes everywhere. */
void sample_out_fixed(sample_out *o, double v, int decimals);

void sample_feature_begin(sample_out *o);
void sample_prop_str(sample_out *o, const char *key, const char *value);
void sample_prop_real(sample_out *o, const char *key, double value, int decimals);
void sample_prop_int(sample_out *o, const char *key, int64_t value);
void sample_prop_null(sample_out *o, const char *key);
/* A geometry ends the feature. Coordinates are lon/lat, written with 8
 * decimals; rings are passed open and closed here with the first point. */
void sample_geom_point(sample_out *o, double lon, double lat);
void sample_geom_line(sample_out *o, const double *lon, const double *lat, int n);
void sample_geom_polygon(sample_out *o, const double *lon, const double *lat, int n);

/* ---- building footprints (sample_buildings.c) ---- */

#define SAMPLE_BUILDING_MAXV 6
#define SAMPLE_BUILDINGS_PER_PARCEL 32
typedef struct sample_building {
    int nv;                   /* 4 (rectangle) or 6 (L), counter-clockwise, open */
    double x[SAMPLE_BUILDING_MAXV], y[SAMPLE_BUILDING_MAXV];
    double height;            /* m; < 0: missing (written as null) */
    int storeys;              /* < 0: missing */
    const char *use;
} sample_building;

/* Footprints inside parcel p (none on green, water or open land); returns
 * how many were written to out (at most SAMPLE_BUILDINGS_PER_PARCEL). */
int sample_buildings_make(const sample_block *B, const sample_parcel *p, sample_rng *r,
                          sample_building *out);

/* ---- the layers ---- */

typedef struct sample_ctx {
    const cim_sample_options *opts;
    const char *dir;
    sample_layout layout;
    sample_geo geo;
    cim_sample_summary *sum;
    char *err;
    size_t errlen;
} sample_ctx;

int sample_write_parcels(sample_ctx *c);      /* parcels + buildings (sample_parcels.c) */
int sample_write_roads(sample_ctx *c);        /* sample_roads.c */
int sample_write_controls(sample_ctx *c);     /* block lines + eco line: sample_controls.c */
int sample_write_sensors(sample_ctx *c);      /* stations + readings: sample_sensors.c */

#endif
