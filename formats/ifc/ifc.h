/* ifc.h: buildings out of an IFC file (IFC2X3, IFC4, IFC4X3), as footprints,
 * heights and storeys placed on a map, without a solid kernel.
 *
 * Footprints: the extruded profiles (and simple CSG primitives) of the
 * building elements projected to plan and unioned with GEOS, closing the
 * thin gaps between walls and slabs with a small buffer out and in, keeping
 * courtyards and dropping holes below a size (shafts). Storeys come from
 * IfcRelAggregates / IfcRelContainedInSpatialStructure, elevations from the
 * storey placement in metres. Every value carries how it was found.
 * Georeferencing, best first: IfcMapConversion + IfcProjectedCRS (the Scale
 * checked against the length unit), IfcSite RefLatitude/RefLongitude with
 * the context's true north, or the caller's override. Map coordinates are in
 * the CRS named by ifc_model.crs; reprojecting them is the caller's job.
 * It knows nothing of the store. */
#ifndef CIM_IFC_H
#define CIM_IFC_H

#include <stddef.h>
#include <stdint.h>

enum {
    IFC_OK = 0,
    IFC_EFORMAT = -1,  /* broken or unusable file: the message names the #id */
    IFC_EGEOREF = -2,  /* nothing places the model on a map and no override was given */
    IFC_EINVALID = -3, /* a bad option (e.g. the override's syntax) */
    IFC_EIO = -4       /* the file cannot be read */
};

typedef struct ifc_options {
    unsigned int version;
    /* Override: "CRS@E,N[,ROT]" puts the project origin at easting/northing
     * E,N of CRS (e.g. EPSG:4547@500000,2500000) with the project's x axis ROT
     * degrees anticlockwise from east; "LAT,LON[,ROT]" puts it at that WGS84
     * position (a local transverse Mercator). NULL: from the file. */
    const char *georef;
    double gap_m;        /* wall/slab gaps closed by buffering out and in (default 0.05) */
    double min_hole_m2;  /* holes smaller than this are filled (shafts; default 4) */
} ifc_options;
#define IFC_OPTIONS_VERSION 1
#define IFC_OPTIONS_INIT {IFC_OPTIONS_VERSION, NULL, 0.05, 4.0}

typedef struct ifc_storey {
    uint64_t id;
    char *guid, *name;
    double elevation_m;          /* world z of the storey placement (metres) */
    const char *elevation_source; /* "placement" or "Elevation attribute" */
    double height_m;             /* to the next storey; the top one: to the top of its elements; NaN if unknown */
    double floor_area_m2;        /* NaN if unknown */
    char *area_source;           /* e.g. "IfcElementQuantity GrossFloorArea of 3 spaces", "outline" */
    unsigned char *outline_wkb;  /* 2D MultiPolygon WKB in map coordinates, or NULL (no elements) */
    size_t outline_len;
    size_t elements, slabs, walls, spaces;
} ifc_storey;

typedef struct ifc_building {
    uint64_t id;
    char *guid, *name;
    unsigned char *footprint_wkb; /* 2D MultiPolygon WKB in map coordinates, or NULL */
    size_t footprint_len;
    char *footprint_method;       /* how the footprint was made, with counts of what was skipped */
    double height_m;              /* top of the elements above the ground storey (NaN if unknown) */
    double zmin_m, zmax_m;        /* of the elements, world metres */
    double local_bbox[4];         /* plan extent of the elements in project metres (before georeferencing) */
    int storeys_above, storeys_below;
    size_t nstoreys;
    ifc_storey *storeys;          /* by elevation */
    size_t elements_used, elements_skipped;
} ifc_building;

typedef struct ifc_model {
    char schema[64];
    double metres_per_unit;
    char *unit_source;       /* e.g. "IfcSIUnit #12 MILLI METRE" */
    char *crs;               /* the map CRS for the coordinates: "EPSG:25832", a PROJ string, ... */
    char *georef_method;     /* e.g. "IfcMapConversion #2 to EPSG:25832 (Scale absent: unit ratio 0.001 used)" */
    int georef_quality;      /* 3 map conversion, 2 site lat/lon, 1 override */
    size_t nbuildings;
    ifc_building *buildings;
} ifc_model;

/* Reads path. IFC_OK with *out set, or an error code with the reason in
 * err (naming the #id and line where the file is at fault). */
int ifc_read(ifc_model **out, const char *path, const ifc_options *opts, char *err, size_t errlen);
void ifc_model_free(ifc_model *m);

#endif
