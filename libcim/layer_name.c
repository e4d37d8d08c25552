/* layer_name.c: what a layer (table) name may be. Lowercase ASCII keeps the
 * name identical in SQLite, SpatiaLite's geometry_columns (which lowercases),
 * GDAL, QGIS and a later PostGIS backend. */
#include "cim/store.h"
#include "error_int.h"

#include <string.h>

static int reserved(const char *name)
{
    static const char *const prefixes[] = {"cim_", "sqlite_", "idx_", "spatial_ref_sys", "spatialite_",
                                           "geometry_columns", "views_geometry_columns",
                                           "virts_geometry_columns", "geom_cols_ref_sys", "sql_statements_log",
                                           "data_licenses", "spatialindex", "elementarygeometries",
                                           "knn", "knn2", "vector_layers", "raster_coverages",
                                           "rl2map_configurations", "se_", "iso_metadata", "wms_",
                                           "topologies", "networks", "stored_"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
            return 1;
    return 0;
}

int cim_layer_name_check(const char *name)
{
    if (!name || !*name)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG, "layer name is empty");
    size_t n = strlen(name);
    int ok = n <= 63 && ((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_');
    for (size_t i = 0; ok && i < n; i++) {
        char c = name[i];
        ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    }
    if (!ok)
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                             "layer name '%s': use 1-63 lowercase letters, digits and '_', "
                             "starting with a letter or '_'", name);
    if (reserved(name))
        return cim_error_set(CIM_EINVALID, CIM_ERRCLASS_ARG,
                             "layer name '%s': reserved for the store's own tables", name);
    return CIM_OK;
}
