/* cim/tiles3d.h: 3D buildings as a Cesium 3D Tiles 1.1 tileset: footprints
 * of a polygon layer extruded from a base to a height ("白模" blocks), one
 * GLB (glTF 2.0) per leaf tile with a feature id per vertex
 * (EXT_mesh_features) and the buildings' attributes in a property table
 * (EXT_structural_metadata).
 *
 * Tiles: a quadtree over the buildings' centroids (box centres) in the store
 * CRS, split until a leaf holds at most max_features_per_tile buildings;
 * each building is in exactly one leaf. Only leaves have content; inner
 * tiles are empty with refine ADD and a geometricError of their side in
 * metres (halving with depth), leaves have 0. Each leaf's positions are
 * float32 east/north/up metres around the leaf's centre and the tile's
 * transform takes them to ECEF (EPSG:4978, WGS84): the store CRS goes to
 * longitude/latitude through PROJ and the geodetic -> ECEF step is the
 * closed form on the WGS84 ellipsoid. Bounding volumes are regions
 * (radians, metres above the ellipsoid) that contain the content.
 *
 * Heights: height_field (else "height_m"), or, when a building has no
 * height there, storeys_field x storey_height if both are given. A building
 * with no usable height (missing, zero, negative) is skipped and counted,
 * never guessed. The base is base_field (metres, default 0).
 *
 * Streaming: the layer is read once into compact arrays, then the leaves are
 * built in the worker pool, each written and freed before the next; peak
 * memory is the layer plus one tile per thread. The output directory is
 * written under a temporary name and renamed when complete. */
#ifndef CIM_TILES3D_H
#define CIM_TILES3D_H

#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cim_tiles3d_options {
    unsigned int version;
    const char *layer;
    const char *height_field;      /* NULL: "height_m" */
    const char *base_field;        /* NULL: base 0 */
    const char *storeys_field;     /* NULL: none */
    double storey_height;          /* metres a storey, with storeys_field; 0: none */
    const char *const *fields;     /* attributes in the property table (NULL: all) */
    size_t field_count;
    size_t max_features_per_tile;  /* 0: 2000 */
    size_t threads;                /* 0: one per CPU */
    cim_progress_cb progress;
    void *progress_payload;
} cim_tiles3d_options;
#define CIM_TILES3D_OPTIONS_VERSION 1
#define CIM_TILES3D_OPTIONS_INIT {CIM_TILES3D_OPTIONS_VERSION, NULL, NULL, NULL, NULL, 0, NULL, 0, 2000, 0, NULL, NULL}
CIM_EXTERN void cim_tiles3d_options_init(cim_tiles3d_options *opts);

typedef struct cim_tiles3d_stats {
    int64_t features_read;
    int64_t buildings;             /* written */
    int64_t skipped_no_height;     /* missing, zero or negative height */
    int64_t skipped_empty;         /* footprints that triangulate to nothing */
    int64_t tiles;                 /* all tiles in the tree */
    int64_t content_tiles;         /* GLB files */
    int64_t depth;                 /* of the deepest leaf (root 0) */
    int64_t triangles;
    int64_t bytes;                 /* GLB and tileset.json bytes */
    double bounds[4];              /* lon/lat of the buildings */
    double seconds;
} cim_tiles3d_stats;

/* Writes the tileset of opts->layer into directory dir (tileset.json and
 * t/<n>.glb). out (may be NULL) gets the counts. Errors: CIM_EINVALID
 * (options), CIM_ENOTFOUND (the layer, a field), CIM_EFORMAT (a layer that
 * is not polygonal, a broken geometry), CIM_EIO (the output), CIM_ECRS. */
CIM_EXTERN int cim_tiles3d_build(cim_tiles3d_stats *out, cim_store *store, const char *dir,
                                 const cim_tiles3d_options *opts);

#ifdef __cplusplus
}
#endif
#endif
