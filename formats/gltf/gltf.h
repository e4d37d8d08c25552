/* gltf.h: binary glTF 2.0 (GLB) of extruded footprints for 3D Tiles, with
 * per-vertex feature ids (EXT_mesh_features) and a property table of the
 * features' attributes (EXT_structural_metadata). Knows nothing of the
 * store: the caller hands in planar footprints and local (east, north, up)
 * positions.
 *
 * Triangulation is ear clipping with hole bridging, after mapbox/earcut:
 * holes are joined to the outer ring by a bridge to a visible vertex, ears
 * are clipped, and when no ear is left the pass repeats after removing
 * duplicate and collinear points, after curing local self-intersections,
 * and finally by splitting the polygon along a valid diagonal. */
#ifndef CIM_GLTF_H
#define CIM_GLTF_H

#include <stddef.h>
#include <stdint.h>

#include "bytes.h"

/* --- triangulation --- */

typedef struct gltf_earcut gltf_earcut; /* scratch space, reusable */
gltf_earcut *gltf_earcut_new(void);
void gltf_earcut_free(gltf_earcut *e);

/* Triangulates the polygon whose rings (outer first, then holes; unclosed:
 * the first point is not repeated) are ring_n[r] points each of xy (x,y
 * pairs, all rings one after the other). Every triangle comes out counter-
 * clockwise (positive area, y up), as indices into the points. *tri points
 * into e (valid until the next call); *ntri triangles. 0, or -1 when out of
 * memory. Degenerate input (under 3 distinct points) gives 0 triangles. */
int gltf_earcut_run(gltf_earcut *e, const double *xy, const uint32_t *ring_n, size_t nrings, const uint32_t **tri,
                    size_t *ntri);

/* --- a mesh of prisms --- */

typedef struct gltf_mesh {
    cim_bytes pos, nrm, fid, idx; /* float xyz (glTF y up), float xyz, float, uint32 */
    uint32_t nverts;
    size_t nidx;
    double min[3], max[3];        /* of the positions as floats, glTF axes */
    gltf_earcut *ec;
    double *sxy;                  /* scratch: the unclosed rings */
    uint32_t *smap, *sn;          /* scratch: their points' input indices, ring sizes */
    size_t scap, sncap;
} gltf_mesh;
void gltf_mesh_init(gltf_mesh *m);
void gltf_mesh_reset(gltf_mesh *m); /* empty, keeping the memory */
void gltf_mesh_clear(gltf_mesh *m);

/* Adds a prism: the footprint's rings (outer first, then holes) of ring_n[r]
 * points, closed or not (a repeated first point is dropped), planar xy for
 * the triangulation, and for each point its local east/north/up position at
 * the bottom (bot) and top (top), xyz triples in the same order. Roof and
 * floor are triangulated, walls are one quad per ring edge with flat normals;
 * the vertices carry feature id fid. Rings are walked so that the outer ring
 * is counter-clockwise and holes clockwise whatever their stored order.
 * Returns 0, 1 when the footprint triangulated to nothing (nothing added),
 * or -1 when out of memory. */
int gltf_mesh_add_prism(gltf_mesh *m, const double *xy, const uint32_t *ring_n, size_t nrings, const double *bot,
                        const double *top, uint32_t fid);

/* --- the property table (EXT_structural_metadata) --- */

typedef enum {
    GLTF_PROP_INT32 = 0,
    GLTF_PROP_FLOAT64,
    GLTF_PROP_UINT8, /* booleans: 0, 1; 255 is noData */
    GLTF_PROP_STRING
} gltf_prop_type;

typedef struct gltf_prop {
    char *name;
    gltf_prop_type type;
    cim_bytes values, offsets; /* offsets: UINT32, strings only */
} gltf_prop;

typedef struct gltf_table {
    gltf_prop *props;
    size_t nprops;
    uint32_t count;            /* rows (features) */
} gltf_table;

/* names/types: the columns (names are copied). 0 or -1. */
int gltf_table_init(gltf_table *t, const char *const *names, const gltf_prop_type *types, size_t n);
void gltf_table_reset(gltf_table *t); /* no rows, same columns */
void gltf_table_clear(gltf_table *t);
/* One row is set column by column: call gltf_table_put_* or _null once for
 * each column in order, then gltf_table_end_row. 0 or -1. */
int gltf_table_put_num(gltf_table *t, size_t col, double v);
int gltf_table_put_str(gltf_table *t, size_t col, const char *s, size_t len);
int gltf_table_put_null(gltf_table *t, size_t col);
void gltf_table_end_row(gltf_table *t);

/* The GLB of m with t (t may be NULL: no metadata) into out (replaced).
 * class_name names the metadata class. 0 or -1. */
int gltf_write_glb(cim_bytes *out, const gltf_mesh *m, const gltf_table *t, const char *class_name);

#endif
