/* tiles3d_int.h: what the 3D tileset builder's parts share (never installed).
 * tiles3d.c checks the request, reads the layer (tiles_read.c's reader, in
 * the store CRS) and picks each building's height; tiles3d_tree.c builds the
 * quadtree and writes tileset.json; tiles3d_tile.c turns one leaf into a GLB;
 * tiles3d_out.c owns the temporary output directory. */
#ifndef CIM_TILES3D_INT_H
#define CIM_TILES3D_INT_H

#include <stddef.h>
#include <stdint.h>

#include "cim/tiles3d.h"
#include "gltf.h"
#include "tiles_int.h"

/* A building to draw: its feature in the layer, its base and top heights
 * (metres above the ellipsoid) and the centre of its box (store CRS). */
typedef struct t3_bldg {
    uint32_t feat;
    double base, top;
    double cx, cy;
} t3_bldg;

/* A quadtree node: a square of the store CRS; its buildings are
 * bldg[first .. first + count) (all of its subtree's). */
typedef struct t3_node {
    double x0, y0, size;
    int depth;
    int32_t child[4];       /* node indexes, -1 when empty */
    uint32_t first, count;
    int leaf;
    int32_t content;        /* leaf: its GLB's number, -1 when it drew nothing */
    double region[6];       /* west, south, east, north (radians), min, max height */
    int has_region;
    double transform[16];   /* leaf with content: its frame -> ECEF, column-major */
    int64_t drawn, empty, triangles, bytes; /* leaf: counts of its GLB */
} t3_node;

typedef struct t3_tree {
    t3_node *nodes;
    size_t nnodes, cap;
    uint32_t *leaves;       /* node indexes of the leaves, in tree order */
    size_t nleaves;
} t3_tree;

/* Builds the tree over bldg (reordered so that each node's buildings are
 * contiguous). 0 or CIM_EINTERNAL. */
int t3_tree_build(t3_tree *tr, t3_bldg *bldg, size_t n, size_t max_per_tile);
void t3_tree_clear(t3_tree *tr);
/* Computes the inner nodes' regions from the leaves' and writes tileset.json
 * into dir. *bytes gets its size. 0 or CIM_EIO. */
int t3_tileset_write(t3_tree *tr, const char *dir, int64_t *bytes);

/* The property table's columns: which layer key each is, and its type. */
typedef struct t3_columns {
    const char **names;
    uint32_t *key;
    gltf_prop_type *type;
    size_t n;
} t3_columns;

/* What the leaf workers share (read-only). */
typedef struct t3_job {
    const tl_layer *layer;
    const t3_bldg *bldg;
    t3_tree *tree;          /* each task writes its own leaf's node */
    const t3_columns *cols;
    const char *dir;        /* the temporary output directory */
    const char *class_name;
    int srid;               /* the store CRS */
} t3_job;

/* Pool callbacks: per-thread state, one leaf per task. */
void *t3_tile_init(void *payload);
void t3_tile_fini(void *state, void *payload);
int t3_tile_run(size_t task, void *state, void *payload);

/* WGS84 geodetic (degrees, metres) to ECEF metres. */
void t3_ecef(double lon, double lat, double h, double out[3]);

/* The output directory: a temporary sibling "<dir>.tmp-<pid>" with t/. */
typedef struct t3_out {
    char *dir, *tmp;
    int done;
} t3_out;
int t3_out_open(t3_out *o, const char *dir);
int t3_out_write(const char *path, const void *data, size_t len);
/* Renames the temporary directory over dir (replacing an older tileset). */
int t3_out_finish(t3_out *o);
/* Removes the temporary directory unless finished. */
void t3_out_clear(t3_out *o);

#endif
