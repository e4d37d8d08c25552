/* init.c: library set-up and versions. GDAL is not set up here: it is
 * loaded by the first command that reads a file through it (gdal_load.c). */
#include "cim/common.h"
#include "error_int.h"
#include "gdal_api_int.h"

#include <geos_c.h>
#include <proj.h>
#include <sqlite3.h>
#include <spatialite.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int init_count;

const char *cim_version(void)
{
    return CIM_VERSION_STRING;
}

const char *cim_dependency_versions(void)
{
    static char buf[256];
    if (!buf[0]) {
        PJ_INFO pi = proj_info();
        snprintf(buf, sizeof buf, "GDAL %s, PROJ %s, GEOS %s, SpatiaLite %s, SQLite %s",
                 cim_gdal_load() == CIM_OK ? GDALVersionInfo("RELEASE_NAME") : "(cannot be loaded)", pi.version, GEOSversion(), spatialite_version(),
                 sqlite3_libversion());
    }
    return buf;
}

int cim_init(void)
{
    atomic_fetch_add(&init_count, 1);
    return CIM_OK;
}

void cim_shutdown(void)
{
    if (atomic_fetch_sub(&init_count, 1) == 1 && cim_gdal_loaded())
        CPLSetErrorHandler(NULL);
}
