/* pq_load.c: opens libpq on first use (see pq_api_int.h for why). */
#define CIM_PQ_LOADER
#include "pq_api_int.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "error_int.h"

#ifndef CIM_PQ_SONAME
#error "CIM_PQ_SONAME (the soname of the libpq cim was built with) must be defined by the build"
#endif

cim_pq_api cim_pq;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[512];

static void load(void)
{
    void *lib = dlopen(CIM_PQ_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(load_error, sizeof load_error, "%s", dlerror());
        return;
    }
    cim_pq_api api;
#define CIM_PQ_RESOLVE(f)                                                                                  \
    *(void **)&api.f = dlsym(lib, #f);                                                                     \
    if (!api.f) {                                                                                          \
        snprintf(load_error, sizeof load_error, "%s has no function %s", CIM_PQ_SONAME, #f);               \
        return;                                                                                            \
    }
    CIM_PQ_FUNCTIONS(CIM_PQ_RESOLVE)
#undef CIM_PQ_RESOLVE
    cim_pq = api;
}

int cim_pq_load(void)
{
    pthread_once(&load_once, load);
    if (load_error[0])
        return cim_error_set(CIM_ESTORE, CIM_ERRCLASS_POSTGRES, "cannot load libpq (%s): %s", CIM_PQ_SONAME,
                             load_error);
    return CIM_OK;
}
