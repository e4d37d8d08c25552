/* init.c: library set-up: GDAL drivers, message capture, version. */
#include "cim/common.h"
#include "error_int.h"

#include <cpl_error.h>
#include <gdal.h>
#include <geos_c.h>
#include <proj.h>
#include <sqlite3.h>
#include <spatialite.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int init_count;

static void CPL_STDCALL gdal_handler(CPLErr cls, CPLErrorNum no, const char *msg)
{
    cim_gdal_error_handler((int)cls, (int)no, msg);
}

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
                 GDALVersionInfo("RELEASE_NAME"), pi.version, GEOSversion(), spatialite_version(),
                 sqlite3_libversion());
    }
    return buf;
}

int cim_init(void)
{
    if (atomic_fetch_add(&init_count, 1) == 0) {
        /* GDAL prints nothing itself: every message reaches cim's error state. */
        CPLSetErrorHandler(gdal_handler);
        GDALAllRegister();
    }
    return CIM_OK;
}

void cim_shutdown(void)
{
    if (atomic_fetch_sub(&init_count, 1) == 1)
        CPLSetErrorHandler(NULL);
}
