/* cim/common.h: export macro, version, library set-up and progress reporting. */
#ifndef CIM_COMMON_H
#define CIM_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define CIM_EXTERN __declspec(dllexport)
#else
#define CIM_EXTERN __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define CIM_VERSION_MAJOR 0
#define CIM_VERSION_MINOR 1
#define CIM_VERSION_PATCH 0

/* The library's version string, e.g. "0.1.0". */
CIM_EXTERN const char *cim_version(void);
/* The versions of the libraries cim runs on, e.g.
 * "GDAL 3.6.2, PROJ 9.1.1, GEOS 3.11.1, SpatiaLite 5.0.1, SQLite 3.40.1". */
CIM_EXTERN const char *cim_dependency_versions(void);

/* Registers GDAL drivers and routes GDAL/PROJ/GEOS messages into cim's error
 * state. Call once before anything else; reference counted. */
CIM_EXTERN int cim_init(void);
CIM_EXTERN void cim_shutdown(void);

/* Progress: fraction in 0..1 (or < 0 when unknown), a short stage name.
 * Return non-zero to ask the operation to stop; it then fails with
 * CIM_ECANCELED and leaves the store as it was. */
typedef int (*cim_progress_cb)(double fraction, const char *stage, void *payload);

#ifdef __cplusplus
}
#endif
#endif
