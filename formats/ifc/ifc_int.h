/* ifc_int.h: what the parts of the IFC reader share: the reading context,
 * placements as 3x4 matrices, plan shapes of products. */
#ifndef CIM_IFC_INT_H
#define CIM_IFC_INT_H

#include <geos_c.h>

#include "ifc.h"
#include "step.h"

/* x' = m[0] x + m[1] y + m[2] z + m[3], y' = m[4].., z' = m[8].. (metres) */
typedef struct ifc_mat {
    double m[12];
} ifc_mat;

/* A multimap from one id to many (relationships), sorted by key. */
typedef struct ifc_pair {
    uint64_t key, val;
} ifc_pair;
typedef struct ifc_multimap {
    ifc_pair *p;
    size_t n, cap;
} ifc_multimap;

typedef struct ifc_place_cache ifc_place_cache;

typedef struct ifc_ctx {
    step_file *f;
    step_arena *a;
    GEOSContextHandle_t g;
    double mpu;          /* metres per project length unit */
    double area_factor;  /* square metres per project area unit */
    double rad_per_angle; /* radians per project plane angle unit */
    ifc_place_cache *places;
    ifc_multimap contained; /* structure -> elements */
    ifc_multimap parts;     /* whole -> parts (IfcRelAggregates) */
    ifc_multimap qsets;     /* object -> IfcElementQuantity */
    char err[512];
} ifc_ctx;

int ifc_fail(ifc_ctx *c, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Decodes #id, or fails with the STEP reader's message (IFC_EFORMAT). */
int ifc_get(ifc_ctx *c, uint64_t id, step_entity *e);
/* Is the type of #id one of these (NULL-terminated list)? */
int ifc_is(const ifc_ctx *c, uint64_t id, const char *type);

void ifc_multimap_add(ifc_multimap *m, uint64_t key, uint64_t val);
void ifc_multimap_sort(ifc_multimap *m);
/* The values under key: *first (index) and the count. */
size_t ifc_multimap_get(const ifc_multimap *m, uint64_t key, size_t *first);

/* ---- ifc_units.c ---- */
/* Sets c->mpu, area_factor, rad_per_angle; *unit_source describes the length unit. */
int ifc_read_units(ifc_ctx *c, char **unit_source);

/* ---- ifc_place.c ---- */
void ifc_mat_identity(ifc_mat *m);
void ifc_mat_mul(ifc_mat *out, const ifc_mat *a, const ifc_mat *b); /* out = a * b */
void ifc_mat_apply(const ifc_mat *m, const double in[3], double out[3]);
/* IfcCartesianPoint #id in metres (3 values; a 2D point has z = 0). */
int ifc_point(ifc_ctx *c, uint64_t id, double out[3]);
/* The frame of unit z axis zd and approximate x axis xd (Gram-Schmidt), the
 * axes scaled by scale, origin o; `parallel` says what is wrong when xd is
 * parallel to zd. */
int ifc_frame(ifc_ctx *c, uint64_t id, const double zd[3], const double xd[3], const double o[3], double scale,
              const char *parallel, ifc_mat *out);
/* IfcAxis2Placement3D / 2D as a matrix (translation in metres). */
int ifc_axis_placement(ifc_ctx *c, uint64_t id, ifc_mat *out);
/* The world matrix of an IfcLocalPlacement chain (cached; cycles detected). */
int ifc_object_placement(ifc_ctx *c, uint64_t id, ifc_mat *out);
void ifc_place_cache_free(ifc_place_cache *pc);

/* ---- ifc_shape.c ---- */
typedef struct ifc_plan {
    GEOSGeometry **polys; /* plan polygons in world metres */
    size_t n, cap;
    double zmin, zmax;
    int used;             /* representation items turned into plan shapes */
    int skipped;          /* items of kinds not handled */
} ifc_plan;
/* Adds the plan shapes of the product #id (Body, else FootPrint / Box
 * representations) placed by world. 0, or an error for a broken file. */
int ifc_product_plan(ifc_ctx *c, uint64_t product, const ifc_mat *world, ifc_plan *plan);
void ifc_plan_clear(ifc_ctx *c, ifc_plan *plan);

/* ---- ifc_georef.c ---- */
typedef struct ifc_georef {
    char *crs;
    char *method;
    int quality;
    double e0, n0, cos_t, sin_t, scale; /* map = (e0, n0) + scale * R(theta) * world metres */
} ifc_georef;
int ifc_find_georef(ifc_ctx *c, const ifc_options *o, ifc_georef *out);

#endif
