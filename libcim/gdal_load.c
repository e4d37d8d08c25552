/* gdal_load.c: opens GDAL on first use (see gdal_api_int.h for why). */
#define CIM_GDAL_LOADER
#include "gdal_api_int.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "error_int.h"

#ifndef CIM_GDAL_SONAME
#error "CIM_GDAL_SONAME (the soname of the GDAL cim was built with) must be defined by the build"
#endif

cim_gdal_api cim_gdal;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[512];

static void CPL_STDCALL gdal_handler(CPLErr cls, CPLErrorNum no, const char *msg)
{
    cim_gdal_error_handler((int)cls, (int)no, msg);
}

static void load(void)
{
    /* RTLD_GLOBAL: GDAL's plugins and drivers resolve symbols against it. */
    void *lib = dlopen(CIM_GDAL_SONAME, RTLD_NOW | RTLD_GLOBAL);
    if (!lib) {
        snprintf(load_error, sizeof load_error, "%s", dlerror());
        return;
    }
    cim_gdal_api api;
#define CIM_GDAL_RESOLVE(f)                                                                                \
    *(void **)&api.f = dlsym(lib, #f);                                                                     \
    if (!api.f) {                                                                                          \
        snprintf(load_error, sizeof load_error, "%s has no function %s", CIM_GDAL_SONAME, #f);             \
        return;                                                                                            \
    }
    CIM_GDAL_FUNCTIONS(CIM_GDAL_RESOLVE)
#undef CIM_GDAL_RESOLVE
    cim_gdal = api;
    /* GDAL prints nothing itself: every message reaches cim's error state. */
    cim_gdal.CPLSetErrorHandler(gdal_handler);
    cim_gdal.GDALAllRegister();
}

int cim_gdal_load(void)
{
    pthread_once(&load_once, load);
    if (load_error[0])
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "cannot load GDAL (%s): %s", CIM_GDAL_SONAME,
                             load_error);
    return CIM_OK;
}

int cim_gdal_loaded(void)
{
    return cim_gdal.GDALAllRegister != NULL;
}
